/**
 * Named, parameterised encoder definitions:
 *
 *     encoder Tower(width) = embedding(width) -> gru(width)     // a definition: a parameter list, no input
 *     encoder left_vec  = left  -> Tower(64)                    // applied like a layer: its own weights
 *     encoder right_vec = right -> Tower(64, shared left_vec)   // the same weights as left_vec's Tower
 *
 * A definition's pipeline is a list of steps applied to the value before the call. Applying it binds the arguments
 * to the parameters (positional in order, or `NAME value`), substitutes each parameter used as a value (an argument
 * value, a bare step such as `-> act`, or a dimension of a shape annotation) and expands the steps as if written at
 * the call. `shared ENC` reuses the weights of ENC's first application of the same definition: one set of weights
 * (one tfjs layer object applied twice, one ONNX initializer read twice), counted once. Shared applications must
 * build the same layers with the same attributes and weight shapes (MMF2008 otherwise, e.g. embeddings of two
 * vocabularies).
 *
 * This module holds the pieces that do not need the graph builder: recognising definitions, checking a definition's
 * body once (parameters, names, recursion), binding a call's arguments, substituting them, following a `shared`
 * chain to the encoder that owns the weights, comparing two expansions, and moving diagnostics found inside a
 * definition's body to the call that applied it.
 */
import type { Arg, CallExpr, DimExpr, EncoderDecl, Expr, Program, Step } from '../grammar/ast.ts';
import type { Diagnostic, Range } from '../grammar/diagnostic.ts';
import { diagnostic } from '../grammar/diagnostic.ts';
import type { IRNode } from './ir.ts';
import { findLayer, layerNames } from './layers/index.ts';
import { formatShape, type TensorType } from './shape.ts';
import { didYouMean } from './suggest.ts';
import type { SymbolInfo, SymbolTable } from './symbols.ts';

/** An encoder declaration with a parameter list. */
export type DefinitionDecl = EncoderDecl & { params: NonNullable<EncoderDecl['params']> };

/** True when the declaration is an encoder definition (`encoder Tower(width) = …`). */
export function isDefinitionDecl(d: { kind: string; params?: unknown }): d is DefinitionDecl {
  return d.kind === 'Encoder' && Array.isArray(d.params);
}

/** True when the symbol names an encoder definition. */
export function isDefinition(sym: SymbolInfo | undefined): sym is SymbolInfo & { decl: DefinitionDecl } {
  return sym !== undefined && isDefinitionDecl(sym.decl);
}

/** Names of every definition in the table (for did-you-mean). */
export function definitionNames(symbols: SymbolTable): string[] {
  return [...symbols.byName.values()].filter(isDefinition).map((s) => s.name);
}

/** The key word of a sharing argument: `Tower(64, shared left_vec)`. */
export const SHARED = 'shared';

/** A definition call with its arguments bound: parameter name → the expression given. */
export interface BoundDefinition {
  values: Map<string, Expr>;
  /** `shared ENC`: the encoder whose weights the application reuses. */
  shared?: { name: string; range: Range };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const signature = (def: DefinitionDecl) => `${def.name.name}(${def.params.map((p) => p.name).join(', ')})`;

/**
 * Bind the arguments of `call` to the parameters of `def`: positional in order, or `NAME value`, plus `shared ENC`.
 * Reports MMF1007 (too many positional arguments, or one given twice), MMF1005 (an unknown key, with a
 * did-you-mean), MMF1006 (a parameter without a value) and MMF3002 (`shared` not followed by a name); returns
 * undefined after any of them.
 */
export function bindDefinitionArgs(def: DefinitionDecl, call: CallExpr, diags: Diagnostic[]): BoundDefinition | undefined {
  const values = new Map<string, Expr>();
  const names = def.params.map((p) => p.name);
  let shared: BoundDefinition['shared'];
  let next = 0;
  let ok = true;
  for (const a of call.args) {
    if (a.key?.name === SHARED && !names.includes(SHARED)) {
      if (a.value.kind !== 'Name') {
        diags.push(diagnostic('MMF3002', 'error', `${SHARED} takes the name of an encoder`, a.value.range, `Write ${SHARED} ENCODER, e.g. ${def.name.name}(…, ${SHARED} left).`));
        ok = false;
      } else if (shared) {
        diags.push(diagnostic('MMF1007', 'error', `${def.name.name}: '${SHARED}' is given twice`, a.range, 'Share with one encoder.'));
        ok = false;
      } else shared = { name: a.value.name, range: a.value.range };
      continue;
    }
    let name: string;
    if (a.key) {
      if (!names.includes(a.key.name)) {
        const s = didYouMean(a.key.name, [...names, SHARED]);
        diags.push(
          diagnostic(
            'MMF1005',
            'error',
            `${def.name.name} has no parameter '${a.key.name}'`,
            a.key.range,
            s ? `Did you mean '${s}'?` : `${signature(def)} takes ${names.length ? names.join(', ') : 'no parameters'}, and ${SHARED} ENCODER.`,
          ),
        );
        ok = false;
        continue;
      }
      name = a.key.name;
    } else {
      while (next < names.length && values.has(names[next]!)) next++;
      if (next >= names.length) {
        diags.push(
          diagnostic(
            'MMF1007',
            'error',
            `${signature(def)} takes ${plural(names.length, 'argument')}, but more are given`,
            a.range,
            `Remove the extra argument, or add a parameter to the definition of ${def.name.name}.`,
            [{ message: `${def.name.name} is defined here`, range: def.name.range }],
          ),
        );
        ok = false;
        continue;
      }
      name = names[next++]!;
    }
    if (values.has(name)) {
      diags.push(diagnostic('MMF1007', 'error', `${def.name.name}: '${name}' is given twice`, a.range, `Keep one value for ${name}.`));
      ok = false;
      continue;
    }
    values.set(name, a.value);
  }
  const missing = names.filter((n) => !values.has(n));
  if (ok && missing.length) {
    diags.push(
      diagnostic(
        'MMF1006',
        'error',
        `${signature(def)} needs ${missing.map((m) => `'${m}'`).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not given`,
        call.range,
        `Write ${def.name.name}(${names.map((n) => (values.has(n) ? n : `${n.toUpperCase()}`)).join(', ')}) with a value for each parameter.`,
        [{ message: `${def.name.name} is defined here`, range: def.name.range }],
      ),
    );
    ok = false;
  }
  return ok ? { values, ...(shared ? { shared } : {}) } : undefined;
}

/** An expression with every parameter name replaced by its value (values keep the call's ranges). */
function substExpr(e: Expr, values: Map<string, Expr>): Expr {
  switch (e.kind) {
    case 'Name':
      return values.get(e.name) ?? e;
    case 'List':
      return { ...e, items: e.items.map((x) => substExpr(x, values)) };
    case 'Call':
      return substCall(e, values);
    default:
      return e;
  }
}

function substCall(c: CallExpr, values: Map<string, Expr>): CallExpr {
  const args: Arg[] = c.args.map((a) => ({ ...a, value: substExpr(a.value, values) }));
  const v = values.get(c.callee.name);
  // a bare step or argument `act` standing for a parameter: `-> act` with act = relu, or act = dense(8)
  if (v && !c.parens && v.kind === 'Name') return { ...c, callee: { ...c.callee, name: v.name }, args };
  if (v && !c.parens && v.kind === 'Call') return v;
  return { ...c, args };
}

function substDim(d: DimExpr, values: Map<string, Expr>): DimExpr {
  if (d.kind !== 'DimName') return d;
  const v = values.get(d.name);
  if (v?.kind === 'Number') return { kind: 'DimNumber', value: v.value, range: d.range };
  if (v?.kind === 'Name') return { kind: 'DimName', name: v.name, range: d.range };
  return d;
}

/**
 * The steps of `def` with the parameters replaced by `values`, each step's range moved to `at` (the call), so the
 * layers they build belong to the call; names inside keep their ranges in the definition (see {@link relocate}).
 */
export function substitute(def: DefinitionDecl, values: Map<string, Expr>, at: Range): Step[] {
  return def.pipeline.steps.map((s) =>
    s.kind === 'Shape' ? { ...s, dims: s.dims.map((d) => substDim(d, values)), range: at } : { ...substCall(s, values), range: at },
  );
}

const inside = (r: Range, outer: Range) =>
  (r.start.line > outer.start.line || (r.start.line === outer.start.line && r.start.character >= outer.start.character)) &&
  (r.end.line < outer.end.line || (r.end.line === outer.end.line && r.end.character <= outer.end.character));

/**
 * A diagnostic found while expanding `def` at `call`: one already inside the call (a value the call gave) stays;
 * one inside the definition's body moves to the call, its message saying where, with the body's place as related
 * information.
 */
export function relocate(d: Diagnostic, call: CallExpr, def: DefinitionDecl): Diagnostic {
  const same = JSON.stringify(d.range) === JSON.stringify(call.range);
  if (!same && inside(d.range, call.range)) return d; // at a value the call gave
  if (same)
    // a layer of the body refused its input: the steps carry the call's range
    return {
      ...d,
      message: `in ${def.name.name} (line ${def.range.start.line + 1}), applied here: ${d.message}`,
      related: [{ message: `inside the definition of ${def.name.name}`, range: def.range }, ...(d.related ?? [])],
    };
  const line = d.range.start.line + 1;
  return {
    ...d,
    message: `in ${def.name.name} (line ${line}), applied here: ${d.message}`,
    range: call.range,
    related: [{ message: `inside the definition of ${def.name.name}`, range: d.range }, ...(d.related ?? [])],
  };
}

/** Every call in a pipeline step, nested calls included (`residual(dense(8))`). */
function callsOf(step: Step): CallExpr[] {
  if (step.kind !== 'Call') return [];
  const out: CallExpr[] = [step];
  const walk = (e: Expr) => {
    if (e.kind === 'Call') {
      out.push(e);
      e.args.forEach((a) => walk(a.value));
    } else if (e.kind === 'List') e.items.forEach(walk);
  };
  step.args.forEach((a) => walk(a.value));
  return out;
}

/**
 * Check every definition of `program` once, without arguments: parameters unique and not `shared` (MMF1002), the
 * first step a layer or definition rather than a declared value (MMF1003), every called name a layer or a
 * definition (MMF1004 with a did-you-mean), and no definition applying itself, directly or through others (MMF1010).
 * Shapes are checked where a definition is applied, with its arguments.
 */
export function checkDefinitions(program: Program, symbols: SymbolTable, diags: Diagnostic[], isForeign: (d: EncoderDecl) => boolean): void {
  const defs = program.decls.filter((d): d is DefinitionDecl => isDefinitionDecl(d) && symbols.byName.get(d.name.name)?.decl === d);
  const defNames = new Set(defs.map((d) => d.name.name));
  for (const def of defs) {
    if (isForeign(def)) continue;
    const seen = new Set<string>();
    for (const p of def.params) {
      if (seen.has(p.name) || p.name === SHARED)
        diags.push(
          diagnostic(
            'MMF1002',
            'error',
            p.name === SHARED ? `'${SHARED}' cannot name a parameter: ${def.name.name}(…, ${SHARED} ENC) shares weights` : `parameter '${p.name}' of ${def.name.name} is declared twice`,
            p.range,
            'Rename the parameter.',
          ),
        );
      seen.add(p.name);
    }
    if (findLayer(def.name.name))
      diags.push(
        diagnostic('MMF1002', 'error', `the definition ${def.name.name} has the name of a layer`, def.name.range, `Rename it (e.g. ${def.name.name}_block): a layer name means the layer.`),
      );
    const first = def.pipeline.steps[0];
    if (first?.kind === 'Call') {
      const sym = symbols.byName.get(first.callee.name);
      if (sym && !isDefinition(sym) && !findLayer(first.callee.name))
        diags.push(
          diagnostic(
            'MMF1003',
            'error',
            `the definition ${def.name.name} starts from ${sym.kind} ${sym.name}, but a definition is a list of layers applied to the value before it`,
            first.callee.range,
            `Start with a layer: encoder ${def.name.name}(…) = dense(…) -> …, and apply it: ${sym.name} -> ${def.name.name}(…).`,
          ),
        );
    }
    for (const step of def.pipeline.steps)
      for (const c of callsOf(step)) {
        const n = c.callee.name;
        if (seen.has(n) || findLayer(n) || defNames.has(n)) continue;
        if (step.kind === 'Call' && c !== step) continue; // nested calls are layers; their own checks report them
        if (symbols.byName.has(n)) continue; // a declared value: reported where the definition is applied
        const s = didYouMean(n, [...layerNames(), ...defNames]);
        diags.push(
          diagnostic('MMF1004', 'error', `Unknown layer or definition '${n}' in ${def.name.name}`, c.callee.range, s ? `Did you mean '${s}'?` : 'See docs/language.md for the layers mmf knows.'),
        );
      }
  }
  // Recursion: a definition that applies itself, directly or through other definitions.
  const uses = new Map<string, CallExpr[]>(
    defs.map((d) => [d.name.name, d.pipeline.steps.flatMap(callsOf).filter((c) => defNames.has(c.callee.name) && !d.params.some((p) => p.name === c.callee.name))]),
  );
  const reported = new Set<string>();
  for (const def of defs) {
    if (isForeign(def)) continue;
    for (const c of uses.get(def.name.name) ?? []) {
      const path = cycleThrough(c.callee.name, def.name.name, uses, [def.name.name]);
      // one diagnostic per cycle, at the first definition on it in the file
      const cycleKey = path && [...new Set(path)].sort().join(' ');
      if (path && !reported.has(cycleKey!)) reported.add(cycleKey!);
      else continue;
      if (path)
        diags.push(
          diagnostic(
            'MMF1010',
            'error',
            `the definition ${def.name.name} applies itself: ${[...path, def.name.name].join(' → ')}`,
            c.callee.range,
            'A definition cannot contain itself (its expansion would never end); write the repeated layers out, or apply the definition several times in an encoder.',
          ),
        );
    }
  }
}

function cycleThrough(from: string, target: string, uses: Map<string, CallExpr[]>, path: string[]): string[] | undefined {
  if (from === target) return path;
  if (path.includes(from)) return undefined;
  for (const c of uses.get(from) ?? []) {
    const p = cycleThrough(c.callee.name, target, uses, [...path, from]);
    if (p) return p;
  }
  return undefined;
}

/** The encoder owning the weights a `shared` application reuses, and the key of its weight group. */
export interface ShareRoot {
  /** The encoder whose first application of the definition owns the weights. */
  owner: string;
  /** `<owner>:<definition>`: every application sharing these weights has this key. */
  key: string;
}

/**
 * Follow `shared ENC` from `start` to the encoder that owns the weights: ENC's first top-level application of `def`,
 * or, when that application itself says `shared …`, that encoder's, and so on. Reports MMF1003 (ENC is not an
 * encoder that applies `def`) or MMF1010 (a sharing cycle, an encoder sharing with itself) at `at`.
 */
export function shareRoot(
  symbols: SymbolTable,
  def: string,
  start: { name: string; range: Range },
  diags: Diagnostic[],
  what: string,
): ShareRoot | undefined {
  const chain: string[] = [];
  let name = start.name;
  for (;;) {
    const sym = symbols.resolve(name, start.range, ['encoder'], `the encoder whose ${def} weights ${what} shares`, diags);
    if (!sym) return undefined;
    if (chain.includes(name) || (chain.length === 0 && name === what)) {
      diags.push(
        diagnostic(
          'MMF1010',
          'error',
          `${what} cannot share weights with ${start.name}: the sharing goes round in a circle (${[what, ...chain, name].join(' → ')})`,
          start.range,
          `Let one encoder own the weights (apply ${def} without ${SHARED}) and share with it.`,
        ),
      );
      return undefined;
    }
    chain.push(name);
    if (isDefinition(sym) || sym.decl.kind !== 'Encoder') {
      diags.push(diagnostic('MMF1003', 'error', `${name} is a definition, not an encoder applying ${def}`, start.range, `Share with an encoder such as: encoder e = INPUT -> ${def}(…).`));
      return undefined;
    }
    const app = sym.decl.pipeline.steps.find((s): s is CallExpr => s.kind === 'Call' && s.callee.name === def);
    if (!app) {
      diags.push(
        diagnostic(
          'MMF1003',
          'error',
          `encoder ${name} does not apply ${def}, so it has no ${def} weights to share`,
          start.range,
          `Share with an encoder whose pipeline applies ${def}(…), or drop '${SHARED} ${start.name}'.`,
          [{ message: `encoder ${name} is declared here`, range: sym.range }],
        ),
      );
      return undefined;
    }
    const next = app.args.find((a) => a.key?.name === SHARED && a.value.kind === 'Name');
    if (!next || next.value.kind !== 'Name') return { owner: name, key: `${name}:${def}` };
    name = next.value.name;
  }
}

/**
 * Why the layers of a shared application (`mine`, in order) cannot reuse the weights of the owner's (`theirs`):
 * another number of layers, another op or attributes, or other weight shapes — with the input shapes of the first
 * layer that differs. Undefined when they fit.
 */
export function sharingMismatch(mine: IRNode[], theirs: IRNode[], typeOf: (id: string) => TensorType | undefined, theirTypeOf: (id: string) => TensorType | undefined): string | undefined {
  if (mine.length !== theirs.length) return `it builds ${plural(mine.length, 'layer')} where the owner's builds ${theirs.length}`;
  for (let k = 0; k < mine.length; k++) {
    const a = mine[k]!;
    const b = theirs[k]!;
    const inA = a.inputs.map((i) => typeOf(i)).filter((t): t is TensorType => !!t).map((t) => formatShape(t.shape)).join(', ');
    const inB = b.inputs.map((i) => theirTypeOf(i)).filter((t): t is TensorType => !!t).map((t) => formatShape(t.shape)).join(', ');
    if (a.op !== b.op) return `layer ${k + 1} is ${a.op} here but ${b.op} in the owner`;
    const wa = a.weights.map((w) => `${w.name} ${formatShape(w.shape)}`).join(', ');
    const wb = b.weights.map((w) => `${w.name} ${formatShape(w.shape)}`).join(', ');
    if (wa !== wb) return `its ${a.op} on ${inA} needs ${wa}, but the owner's ${b.op} on ${inB} has ${wb}`;
    if (JSON.stringify(a.attrs) !== JSON.stringify(b.attrs)) return `its ${a.op} is configured differently (${JSON.stringify(a.attrs)} vs ${JSON.stringify(b.attrs)})`;
  }
  return undefined;
}
