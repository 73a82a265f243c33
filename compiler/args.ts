/**
 * Binding a call's arguments to a parameter list, with the diagnostics a user needs:
 * unknown argument (with a did-you-mean), missing, duplicated, wrong type, out of range.
 */
import type { Arg, CallExpr, Expr } from '../grammar/ast.ts';
import type { Diagnostic, Range } from '../grammar/diagnostic.ts';
import { diagnostic } from '../grammar/diagnostic.ts';
import { didYouMean } from './suggest.ts';

export type ParamType =
  | { t: 'int' }
  | { t: 'number' }
  | { t: 'bool' }
  | { t: 'string' }
  /** A bare word from a fixed set (`relu`, `zscore`). */
  | { t: 'enum'; values: readonly string[] }
  /** A reference to a declaration (`spam`, `subj`). */
  | { t: 'ref' }
  | { t: 'int-list' }
  | { t: 'number-list' }
  | { t: 'string-list' }
  /** An int, or a list of ints (`hidden 64` or `hidden [64, 32]`). */
  | { t: 'int-or-list' }
  /** A layer call written as an argument (`dense(64, relu)` or a bare `relu`); the value is the layer's name. */
  | { t: 'layer' };

export interface ParamSpec {
  name: string;
  type: ParamType;
  doc: string;
  /** Filled by position when true (in declaration order among positional params). */
  positional?: boolean;
  required?: boolean;
  default?: Value;
  /** Inclusive bounds unless the exclusive flag is set. */
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
  /** Extra accepted spellings of the key (`batch_size` for `batch`). */
  aliases?: readonly string[];
  /** Accept any number of trailing positional values (fusion operands). */
  variadic?: boolean;
}

export type Value = number | boolean | string | number[] | string[];

/** A bound argument: its value and the range of the expression it came from. */
export interface BoundArg {
  value: Value;
  range: Range;
  /** For refs: every referenced name with its range (variadic refs have several). */
  refs?: { name: string; range: Range }[];
}

export interface Bound {
  /** Values by parameter name; defaults filled in. */
  values: Record<string, Value>;
  /** Where each explicitly given argument was written. */
  at: Record<string, BoundArg>;
  /** Variadic refs in order. */
  refs: { name: string; range: Range }[];
  ok: boolean;
}

function describe(t: ParamType): string {
  switch (t.t) {
    case 'int':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'bool':
      return 'true or false';
    case 'string':
      return 'a string in double quotes';
    case 'enum':
      return `one of ${t.values.join(', ')}`;
    case 'ref':
      return 'a declared name';
    case 'int-list':
      return 'a list of whole numbers like [64, 32]';
    case 'number-list':
      return 'a list of numbers like [1, 2.5]';
    case 'string-list':
      return 'a list of strings like ["a", "b"]';
    case 'int-or-list':
      return 'a whole number or a list of whole numbers';
    case 'layer':
      return 'a layer call like dense(64, relu)';
  }
}

/** A short rendering of an argument value for messages: lists and calls elided (`[…]`, `name(…)`). */
export function exprText(e: Expr): string {
  switch (e.kind) {
    case 'Number':
      return e.text;
    case 'String':
      return JSON.stringify(e.value);
    case 'Name':
      return e.name;
    case 'List':
      return '[…]';
    case 'Call':
      return `${e.callee.name}(…)`;
  }
}

/** Convert one expression to a value of the parameter's type, or explain why not. */
function convert(p: ParamSpec, e: Expr, callee: string): { value: Value } | { error: Diagnostic } {
  const bad = (extra = '', hint?: string) => ({
    error: diagnostic(
      'MMF3002',
      'error',
      `${callee}: '${p.name}' must be ${describe(p.type)}, but got ${exprText(e)}${extra}`,
      e.range,
      hint ?? `Write ${p.name} as ${describe(p.type)}.`,
    ),
  });
  const t = p.type;
  switch (t.t) {
    case 'int':
      if (e.kind === 'Number' && Number.isInteger(e.value)) return { value: e.value };
      return bad();
    case 'number':
      if (e.kind === 'Number') return { value: e.value };
      return bad();
    case 'bool':
      if (e.kind === 'Name' && (e.name === 'true' || e.name === 'false')) return { value: e.name === 'true' };
      return bad();
    case 'string':
      if (e.kind === 'String') return { value: e.value };
      return bad();
    case 'enum':
      if (e.kind === 'Name' || e.kind === 'String') {
        const v = e.kind === 'Name' ? e.name : e.value;
        if (t.values.includes(v)) return { value: v };
        const s = didYouMean(v, t.values);
        return {
          error: diagnostic(
            'MMF3003',
            'error',
            `${callee}: '${v}' is not a valid ${p.name}; expected one of ${t.values.join(', ')}`,
            e.range,
            s ? `Did you mean '${s}'?` : `Use one of ${t.values.join(', ')}.`,
          ),
        };
      }
      return bad();
    case 'ref':
    case 'layer':
      if (e.kind === 'Name') return { value: e.name };
      if (e.kind === 'Call' && (t.t === 'layer' || !e.parens)) return { value: e.callee.name };
      return bad();
    case 'int-list':
    case 'number-list':
    case 'string-list':
    case 'int-or-list': {
      if (t.t === 'int-or-list' && e.kind === 'Number') {
        if (Number.isInteger(e.value)) return { value: [e.value] };
        return bad();
      }
      if (e.kind !== 'List') return bad();
      const out: (number | string)[] = [];
      for (const item of e.items) {
        if (t.t === 'string-list') {
          if (item.kind !== 'String') return bad(` (item ${exprText(item)} is not a string)`);
          out.push(item.value);
        } else {
          if (item.kind !== 'Number') return bad(` (item ${exprText(item)} is not a number)`);
          if (t.t !== 'number-list' && !Number.isInteger(item.value)) return bad(` (item ${item.text} is not whole)`);
          out.push(item.value);
        }
      }
      return { value: out as number[] | string[] };
    }
  }
}

/** Range check for numeric values (and each item of numeric lists). */
function checkRange(p: ParamSpec, v: Value, range: Range, callee: string): Diagnostic | undefined {
  const nums = typeof v === 'number' ? [v] : Array.isArray(v) && typeof v[0] === 'number' ? (v as number[]) : [];
  for (const n of nums) {
    const low = p.min !== undefined && (p.minExclusive ? n <= p.min : n < p.min);
    const high = p.max !== undefined && (p.maxExclusive ? n >= p.max : n > p.max);
    if (low || high) {
      const lo = p.min === undefined ? '' : `${p.minExclusive ? '>' : '≥'} ${p.min}`;
      const hi = p.max === undefined ? '' : `${p.maxExclusive ? '<' : '≤'} ${p.max}`;
      const bounds = [lo, hi].filter(Boolean).join(' and ');
      return diagnostic(
        'MMF3001',
        'error',
        `${callee}: ${p.name} ${n} is out of range; it must be ${bounds}`,
        range,
        `Choose a ${p.name} ${bounds}.`,
      );
    }
  }
  return undefined;
}

/**
 * Bind `args` (positional then keyed, in any order) to `params`.
 * Errors go to `diags`; `ok` is false when any required value is missing or invalid.
 */
export function bindArgs(
  callee: string,
  params: readonly ParamSpec[],
  args: readonly Arg[],
  callRange: Range,
  diags: Diagnostic[],
): Bound {
  const values: Record<string, Value> = {};
  const at: Record<string, BoundArg> = {};
  const refs: { name: string; range: Range }[] = [];
  let ok = true;
  /** Parameters written by the user, valid or not (so an invalid value is not also reported as missing). */
  const given = new Set<string>();
  const positional = params.filter((p) => p.positional);
  let pos = 0;
  const byKey = (k: string) => params.find((p) => p.name === k || p.aliases?.includes(k));

  for (const a of args) {
    let p: ParamSpec | undefined;
    if (a.key) {
      p = byKey(a.key.name);
      if (!p) {
        const s = didYouMean(
          a.key.name,
          params.flatMap((q) => [q.name, ...(q.aliases ?? [])]),
        );
        diags.push(
          diagnostic(
            'MMF1005',
            'error',
            `${callee} has no argument '${a.key.name}'`,
            a.key.range,
            s ? `Did you mean '${s}'?` : `${callee} takes: ${params.map((q) => q.name).join(', ') || 'no arguments'}.`,
          ),
        );
        ok = false;
        continue;
      }
    } else {
      p = positional[pos];
      if (p?.variadic) {
        // Every remaining positional value feeds the variadic parameter.
        const r = convert(p, a.value, callee);
        if ('error' in r) {
          diags.push(r.error);
          ok = false;
        } else refs.push({ name: String(r.value), range: a.value.range });
        continue;
      }
      pos++;
      if (!p) {
        diags.push(
          diagnostic(
            'MMF1007',
            'error',
            `${callee} takes ${positional.length} positional argument${positional.length === 1 ? '' : 's'}, but more were given`,
            a.range,
            positional.length
              ? `Remove it, or name it: ${callee}(${positional.map((q) => q.name).join(', ')}, key value).`
              : `Name the argument: ${callee}(${params.map((q) => `${q.name} …`).join(', ')}).`,
          ),
        );
        ok = false;
        continue;
      }
    }
    if (given.has(p.name)) {
      diags.push(
        diagnostic('MMF1007', 'error', `${callee}: '${p.name}' is given twice`, a.range, `Keep one value for ${p.name}.`),
      );
      ok = false;
      continue;
    }
    given.add(p.name);
    const r = convert(p, a.value, callee);
    if ('error' in r) {
      diags.push(r.error);
      ok = false;
      continue;
    }
    const rangeErr = checkRange(p, r.value, a.value.range, callee);
    if (rangeErr) {
      diags.push(rangeErr);
      ok = false;
      continue;
    }
    values[p.name] = r.value;
    at[p.name] = { value: r.value, range: a.value.range };
  }
  for (const p of params) {
    if (p.variadic) continue;
    if (values[p.name] === undefined && !given.has(p.name)) {
      if (p.default !== undefined) values[p.name] = p.default;
      else if (p.required) {
        diags.push(
          diagnostic(
            'MMF1006',
            'error',
            `${callee} needs '${p.name}' (${p.doc})`,
            callRange,
            `Add it: ${callee}(${p.positional ? '' : `${p.name} `}…).`,
          ),
        );
        ok = false;
      }
    }
  }
  return { values, at, refs, ok };
}

/** The argument list of a call (empty for a bare name). */
export function callArgs(c: CallExpr): Arg[] {
  return c.args;
}
