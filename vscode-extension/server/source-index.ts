/**
 * What sits where in one compiled document: declared names and their uses, layer and operator calls, column
 * names, argument keys, and the type after each pipeline step. Every editor feature asks this index.
 */
import type { Arg, CallExpr, ColumnName, ColumnRef, Decl, Expr, Ident, Pipeline, Setting } from '../../grammar/ast.ts';
import type { Position, Range } from '../../grammar/diagnostic.ts';
import type { CompileResult, StepType } from '../../compiler/index.ts';
import { findLayer, type LayerDef } from '../../compiler/layers/index.ts';
import type { SymbolInfo } from '../../compiler/symbols.ts';
import { comparePositions, positionKey, rangeKey, rangeWidth, touches } from './util.ts';

/** A declared name or a use of one. */
export interface Occurrence {
  range: Range;
  symbol: SymbolInfo;
  isDecl: boolean;
}

/** Where a call appears: a pipeline step (layer, operator, head), a data source, an input or label kind, a setting's value. */
export type CallRole = 'step' | 'source' | 'kind' | 'value';

/** A call (`conv1d(64, 5)`, `jsonl("a")`, `text(vocab 10)`, `adam(lr 1e-3)`) with its place in the file. */
export interface CallSite {
  call: CallExpr;
  decl: Decl;
  role: CallRole;
  /** The layer, operator or head it names (for pipeline steps). */
  layer?: LayerDef;
  /** Its index in the pipeline (for pipeline steps). */
  step?: number;
}

/** A column named in `DATASET.column` or `DATASET[a, b]`. */
export interface ColumnSite {
  column: ColumnName;
  ref: ColumnRef;
  decl: Decl;
}

/** The name of a named declaration (every kind but import), or the model a train block trains. */
export function declName(d: Decl): Ident | undefined {
  if (d.kind === 'Import') return undefined;
  if (d.kind === 'Train') return d.model;
  return d.name;
}

/** The pipeline of an encoder, fusion or model. */
export function pipelineOf(d: Decl): Pipeline | undefined {
  return d.kind === 'Encoder' || d.kind === 'Fusion' || d.kind === 'Model' ? d.pipeline : undefined;
}

/** Index of one CompileResult. */
export class SourceIndex {
  /** Declared names and every use of them, sorted by position, without repeats. */
  readonly occurrences: Occurrence[] = [];
  readonly calls: CallSite[] = [];
  readonly columns: ColumnSite[] = [];
  /** Settings of dataset and train blocks, with their declaration. */
  readonly settings: { setting: Setting; decl: Decl }[] = [];
  private readonly steps = new Map<string, StepType>();
  private readonly stepsByDecl = new Map<string, StepType[]>();

  constructor(
    readonly result: CompileResult,
    /** The document's text: a use the checker recorded counts only where this text spells the name. */
    text?: string,
  ) {
    const { symbols } = result;
    const seen = new Set<string>();
    const add = (name: string, range: Range, isDecl: boolean) => {
      const symbol = symbols.byName.get(name);
      if (!symbol) return;
      const key = rangeKey(range);
      if (seen.has(key)) return;
      seen.add(key);
      this.occurrences.push({ range, symbol, isDecl });
    };
    // Declarations from imported files have ranges in those files: only this file's are occurrences here.
    const foreign = result.imported?.fileOf;
    for (const s of symbols.byName.values()) if (!foreign?.has(s.decl)) add(s.name, s.range, true);
    // Uses inside imported declarations (expanded when a model here is built from them) lie in other files.
    const lines = text?.split(/\r\n|\r|\n/);
    const spelled = (name: string, r: Range) => !lines || (r.start.line === r.end.line && lines[r.start.line]?.slice(r.start.character, r.end.character) === name);
    for (const r of symbols.references) if (spelled(r.name, r.range)) add(r.name, r.range, false);

    for (const d of result.program.decls) {
      switch (d.kind) {
        case 'Dataset':
          this.calls.push({ call: d.source, decl: d, role: 'source' });
          for (const s of d.settings) this.settings.push({ setting: s, decl: d });
          break;
        case 'Input':
        case 'Label':
          this.calls.push({ call: d.type, decl: d, role: 'kind' });
          add(d.source.dataset.name, d.source.dataset.range, false);
          for (const c of d.source.columns) this.columns.push({ column: c, ref: d.source, decl: d });
          break;
        case 'Train':
          add(d.model.name, d.model.range, false);
          for (const s of d.settings) {
            this.settings.push({ setting: s, decl: d });
            if (s.value?.kind === 'Call') this.calls.push({ call: s.value, decl: d, role: 'value' });
          }
          break;
        case 'Encoder':
        case 'Fusion':
        case 'Model':
          d.pipeline.steps.forEach((step, i) => {
            if (step.kind !== 'Call') return;
            const isSymbol = symbols.byName.has(step.callee.name);
            const layer = findLayer(step.callee.name);
            // A name at the start of a pipeline, or a declared name used where a layer should be.
            if (isSymbol && !step.parens && (i === 0 || !layer)) {
              add(step.callee.name, step.callee.range, false);
              return;
            }
            this.calls.push({ call: step, decl: d, role: 'step', layer, step: i });
            if (layer?.role === 'fusion') {
              for (const a of step.args) if (!a.key) this.nameArg(a.value, add);
            } else if (layer?.role === 'head') {
              const label = step.args.find((a) => a.key?.name === 'label') ?? step.args.find((a) => !a.key);
              if (label) this.nameArg(label.value, add);
            }
          });
          break;
        case 'Import':
          break;
      }
    }
    this.occurrences.sort((a, b) => comparePositions(a.range.start, b.range.start));

    for (const s of result.stepTypes) {
      const key = `${s.decl}|${positionKey(s.range.start)}`;
      if (this.steps.has(key)) continue;
      this.steps.set(key, s);
      let list = this.stepsByDecl.get(s.decl);
      if (!list) this.stepsByDecl.set(s.decl, (list = []));
      list.push(s);
    }
    for (const list of this.stepsByDecl.values()) list.sort((a, b) => comparePositions(a.range.start, b.range.start));
  }

  private nameArg(e: Expr, add: (name: string, range: Range, isDecl: boolean) => void): void {
    if (e.kind === 'Name') add(e.name, e.range, false);
    else if (e.kind === 'Call' && !e.parens) add(e.callee.name, e.callee.range, false);
  }

  /** The declared name or use under the cursor (the narrowest one). */
  symbolAt(p: Position): Occurrence | undefined {
    let best: Occurrence | undefined;
    for (const o of this.occurrences) {
      if (comparePositions(o.range.start, p) > 0) break;
      if (touches(o.range, p) && (!best || rangeWidth(o.range) < rangeWidth(best.range))) best = o;
    }
    return best;
  }

  /** The declaration and every use of a symbol, in source order. */
  occurrencesOf(symbol: SymbolInfo): Occurrence[] {
    return this.occurrences.filter((o) => o.symbol === symbol);
  }

  /** The call whose callee name is under the cursor. */
  calleeAt(p: Position): CallSite | undefined {
    return this.calls.find((c) => touches(c.call.callee.range, p));
  }

  /** The innermost call whose parentheses hold the cursor. */
  callAround(p: Position): CallSite | undefined {
    let best: CallSite | undefined;
    for (const c of this.calls)
      if (c.call.parens && touches(c.call.range, p) && (!best || comparePositions(c.call.range.start, best.call.range.start) > 0)) best = c;
    return best;
  }

  /** An argument key (`filters` in `conv1d(filters 64)`) under the cursor, with its call. */
  argKeyAt(p: Position): { site: CallSite; arg: Arg } | undefined {
    for (const site of this.calls) {
      if (!touches(site.call.range, p)) continue;
      const arg = site.call.args.find((a) => a.key && touches(a.key.range, p));
      if (arg) return { site, arg };
    }
    return undefined;
  }

  /** The column name under the cursor. */
  columnAt(p: Position): ColumnSite | undefined {
    return this.columns.find((c) => touches(c.column.range, p));
  }

  /** The setting whose key is under the cursor. */
  settingKeyAt(p: Position): { setting: Setting; decl: Decl } | undefined {
    return this.settings.find((s) => touches(s.setting.key.range, p));
  }

  /** The declaration that holds the cursor. */
  declAt(p: Position): Decl | undefined {
    return this.result.program.decls.find((d) => touches(d.range, p));
  }

  /** The type recorded for the pipeline step of `decl` that starts at `range.start`. */
  stepType(decl: string, range: Range): StepType | undefined {
    return this.steps.get(`${decl}|${positionKey(range.start)}`);
  }

  /** Every recorded step type of a declaration, in source order. */
  stepTypesOf(decl: string): StepType[] {
    return this.stepsByDecl.get(decl) ?? [];
  }

  /**
   * The output of an encoder, fusion or model: the type after its last step, and whether every step was
   * typed (false when checking stopped at an error).
   */
  outputOf(name: string): { type: StepType; complete: boolean } | undefined {
    const sym = this.result.symbols.byName.get(name);
    const p = sym ? pipelineOf(sym.decl) : undefined;
    const list = this.stepTypesOf(name);
    const last = list[list.length - 1];
    if (p && !last) {
      // Not typed on its own here (an imported declaration): its type where a pipeline of this file starts from it.
      const use = this.result.stepTypes.find((t) => t.label === name && t.decl !== name);
      return use ? { type: use, complete: true } : undefined;
    }
    if (!p || !last) return undefined;
    const lastStep = p.steps[p.steps.length - 1]!;
    return { type: last, complete: comparePositions(last.range.start, lastStep.range.start) === 0 };
  }

  /** The names a pipeline uses directly: its first step and the operands of fusion operators. */
  directDeps(name: string): string[] {
    const sym = this.result.symbols.byName.get(name);
    const p = sym ? pipelineOf(sym.decl) : undefined;
    if (!p) return [];
    const out: string[] = [];
    for (const o of this.occurrences) if (!o.isDecl && touches(p.range, o.range.start) && o.symbol.kind !== 'label') out.push(o.symbol.name);
    return [...new Set(out)].filter((n) => n !== name);
  }

  /** Parameters of a declaration and everything it is built from, each counted once. */
  totalParams(name: string): number {
    const seen = new Set<string>();
    const visit = (n: string) => {
      if (seen.has(n)) return;
      seen.add(n);
      for (const d of this.directDeps(n)) visit(d);
    };
    visit(name);
    let total = 0;
    for (const n of seen) for (const s of this.stepTypesOf(n)) total += s.params;
    return total;
  }

  /** Parameters added by a declaration's own steps. */
  ownParams(name: string): number {
    return this.stepTypesOf(name).reduce((n, s) => n + s.params, 0);
  }

  /** FLOPs (per sample) of a declaration's own steps. */
  ownFlops(name: string): number {
    return this.stepTypesOf(name).reduce((n, s) => n + s.flops, 0);
  }
}
