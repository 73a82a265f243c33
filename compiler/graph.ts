/**
 * Compiling pipelines (`encoder`, `fusion`, `model`) into a graph of primitive ops with inferred shapes.
 * One GraphBuilder per model: encoders a model uses are expanded into it once (shared within the model).
 */
import type { CallExpr, Pipeline, ShapeLit, Step } from '../grammar/ast.ts';
import type { Diagnostic, Range } from '../grammar/diagnostic.ts';
import { diagnostic } from '../grammar/diagnostic.ts';
import { bindArgs } from './args.ts';
import type { IRInput, IRNode, LabelPlan, OpAttrs, OpName } from './ir.ts';
import { findLayer, layerNames } from './layers/index.ts';
import type { ExpandCtx, NestedHooks, Ref } from './layers/index.ts';
import { outputMask } from './layers/mask.ts';
import { OPS, isOpError } from './ops/index.ts';
import { formatShape, formatType, type TensorType } from './shape.ts';
import { didYouMean } from './suggest.ts';
import type { SymbolInfo, SymbolTable } from './symbols.ts';
import {
  bindDefinitionArgs,
  definitionNames,
  isDefinition,
  relocate,
  shareRoot,
  SHARED,
  sharingMismatch,
  substitute,
  type DefinitionDecl,
} from './definitions.ts';

/** Owner builds in progress (`<owner>:<definition>`): a sharing chain that loops back is not rebuilt forever. */
const OWNERS_IN_PROGRESS = new Set<string>();

/** The type computed at one pipeline step, for hovers and inlay hints. */
export interface StepType {
  range: Range;
  decl: string;
  type: TensorType;
  /** Parameters added by this step. */
  params: number;
  flops: number;
  /** The layer or name at this step. */
  label: string;
}

/** What the builder needs from the rest of the checker. */
export interface GraphEnv {
  symbols: SymbolTable;
  inputs: Map<string, IRInput & { dataset?: string }>;
  labels: Map<string, LabelPlan & { dataset?: string }>;
  diags: Diagnostic[];
  stepTypes: StepType[];
}

export interface Head {
  label: LabelPlan;
  output: Ref;
  units: number;
  activation: 'sigmoid' | 'softmax' | 'linear';
  range: Range;
}

/** Turns an id hint into a valid, unique layer name. */
class NameAllocator {
  private used = new Set<string>();
  private reservedBy: ((name: string) => boolean)[] = [];
  reserve(name: string): void {
    this.used.add(name);
  }
  /** Reserve every name `taken` says is taken (asked lazily, so reserving all inputs costs nothing per model). */
  reserveWhere(taken: (name: string) => boolean): void {
    this.reservedBy.push(taken);
  }
  private isUsed(id: string): boolean {
    return this.used.has(id) || this.reservedBy.some((f) => f(id));
  }
  take(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_]/g, '_') || 'layer';
    let id = base;
    for (let i = 2; this.isUsed(id); i++) id = `${base}_${i}`;
    this.used.add(id);
    return id;
  }
}

export class GraphBuilder {
  readonly nodes: IRNode[] = [];
  /** Model inputs used, in first-use order. */
  readonly usedInputs: (IRInput & { dataset?: string })[] = [];
  readonly labelsUsed: (LabelPlan & { dataset?: string })[] = [];
  /** The model's heads in order: one, or several for a multi-task model (`heads(...)`). */
  readonly heads: Head[] = [];
  /** The `heads(...)` step of a multi-task model: its range and each head's loss weight. */
  multitask: { range: Range; weights: number[] } | undefined;
  /** The (first) head. */
  get head(): Head | undefined {
    return this.heads[0];
  }
  private readonly names = new NameAllocator();
  private readonly memo = new Map<string, Ref | null>();
  private readonly stack: string[] = [];
  /** Encoder definitions being expanded (compiler/definitions.ts), innermost last. */
  private readonly defStack: string[] = [];
  /** While > 0, steps are not recorded one by one (a definition's steps are recorded as its call). */
  private quiet = 0;
  /** Weight groups of shared definitions: `<owner encoder>:<definition>` → the owning node ids, in order. */
  private readonly shareGroups = new Map<string, string[]>();
  /** Nodes of each declaration's first top-level application of a definition: `<decl>:<definition>`. */
  readonly firstApplications = new Map<string, IRNode[]>();

  constructor(
    private readonly env: GraphEnv,
    /** Which declarations' step types to record (each declaration is recorded once, by one builder). */
    private readonly recordTypes: (decl: string) => boolean,
  ) {}

  /** Reserve names that layers must not take (inputs, the model name). */
  reserve(name: string): void {
    this.names.reserve(name);
  }

  /** Reserve every name for which `taken` is true (e.g. the inputs: `(n) => inputs.has(n)`), asked only for the ids layers want. */
  reserveWhere(taken: (name: string) => boolean): void {
    this.names.reserveWhere(taken);
  }

  /** The value of a declared input, encoder or fusion, compiling it on first use. */
  ref(sym: SymbolInfo, useRange: Range): Ref | null {
    if (this.memo.has(sym.name)) return this.memo.get(sym.name)!;
    if (this.stack.includes(sym.name)) {
      const cycle = [...this.stack.slice(this.stack.indexOf(sym.name)), sym.name].join(' → ');
      this.env.diags.push(
        diagnostic('MMF1010', 'error', `'${sym.name}' depends on itself: ${cycle}`, useRange, 'Break the cycle: a pipeline cannot use its own output.'),
      );
      return null;
    }
    let r: Ref | null = null;
    if (isDefinition(sym)) {
      this.env.diags.push(
        diagnostic(
          'MMF1003',
          'error',
          `'${sym.name}' is an encoder definition, not a value: apply it to one, INPUT -> ${sym.name}(…)`,
          useRange,
          `Write encoder e = INPUT -> ${sym.name}(${sym.decl.params.map((p) => p.name.toUpperCase()).join(', ')}) and use e.`,
          [{ message: `${sym.name} is defined here`, range: sym.range }],
        ),
      );
      return null;
    }
    if (sym.kind === 'input') {
      const inp = this.env.inputs.get(sym.name);
      if (inp) {
        if (!this.usedInputs.includes(inp)) this.usedInputs.push(inp);
        r = { id: inp.name, type: inp.out, origin: `input ${inp.name} (line ${sym.range.start.line + 1})`, at: sym.range };
        // Text pads with id 0: the ids mask every sequence computed from them step for step (layers/mask.ts).
        if (inp.plan.kind === 'text') r.mask = { id: inp.name, type: inp.out };
      }
    } else if (sym.decl.kind === 'Encoder' || sym.decl.kind === 'Fusion') {
      this.stack.push(sym.name);
      r = this.pipeline(sym.name, sym.decl.pipeline, 'pipeline');
      this.stack.pop();
      if (r) r = { ...r, origin: `${sym.kind} ${sym.name} (line ${sym.range.start.line + 1})`, at: sym.range };
    }
    this.memo.set(sym.name, r);
    return r;
  }

  /**
   * Compile a pipeline. `role` 'model' allows (and requires) a head as the last step.
   * Returns the final value, or null after a diagnostic.
   */
  pipeline(decl: string, p: Pipeline, role: 'pipeline' | 'model'): Ref | null {
    const [first, ...rest] = p.steps;
    if (!first) return null;
    let cur = this.start(decl, first);
    for (const [i, step] of rest.entries()) {
      if (!cur) {
        // Keep reporting argument mistakes in the rest of the pipeline; shapes are unknown after an error.
        if (step.kind === 'Call') this.bindOnly(step);
        continue;
      }
      const isLast = i === rest.length - 1;
      cur = this.step(decl, cur, step, role === 'model' && isLast);
    }
    if (!cur) return null;
    if (role === 'model' && !this.head) {
      const last = p.steps[p.steps.length - 1]!;
      this.env.diags.push(
        diagnostic(
          'MMF2004',
          'error',
          `model ${decl} has no head: its output is ${formatType(cur.type)}, but a model must end in a classifier or regression head`,
          last.range,
          `End the pipeline with -> classifier(LABEL) (or -> regression(LABEL) for a number label).`,
        ),
      );
      return null;
    }
    return cur;
  }

  /** `params` overrides the parameters the step adds (a shared definition adds none, even built alone). */
  private record(decl: string, range: Range, r: Ref, label: string, before: number, params?: number): void {
    if (this.quiet > 0 || !this.recordTypes(decl)) return;
    const added = this.nodes.slice(before);
    this.env.stepTypes.push({
      range,
      decl,
      type: r.type,
      label,
      params: params ?? added.reduce((n, x) => n + x.params, 0),
      flops: added.reduce((n, x) => n + x.flops, 0),
    });
  }

  /** The first step: a declared name, or a fusion operator over declared names. */
  private start(decl: string, step: Step): Ref | null {
    if (step.kind === 'Shape') {
      this.env.diags.push(
        diagnostic('MMF0001', 'error', 'A pipeline starts with an input, encoder or fusion name, not a shape', step.range, 'Write NAME -> layer(...) -> [shape].'),
      );
      return null;
    }
    const layer = findLayer(step.callee.name);
    if (layer?.role === 'fusion' && !this.env.symbols.byName.has(step.callee.name)) {
      const before = this.nodes.length;
      const r = this.applyLayer(decl, [], step);
      if (r) this.record(decl, step.range, r, step.callee.name, before);
      return r;
    }
    const def = this.env.symbols.byName.get(step.callee.name);
    if (isDefinition(def)) {
      this.env.symbols.note(step.callee.name, step.callee.range);
      this.env.diags.push(
        diagnostic(
          'MMF1003',
          'error',
          `A pipeline must start with an input, encoder or fusion, but '${step.callee.name}' is an encoder definition`,
          step.callee.range,
          `Apply it to the data: INPUT -> ${step.callee.name}(…).`,
          [{ message: `${step.callee.name} is defined here`, range: def.range }],
        ),
      );
      return null;
    }
    if (step.parens || (layer && !this.env.symbols.byName.has(step.callee.name))) {
      this.env.diags.push(
        diagnostic(
          'MMF1003',
          'error',
          `A pipeline must start with an input, encoder or fusion, but '${step.callee.name}' is a ${layer ? layer.role : 'call'}`,
          step.callee.range,
          `Start from the data: ${'INPUT'} -> ${step.callee.name}(...).`,
        ),
      );
      return null;
    }
    const sym = this.env.symbols.resolve(step.callee.name, step.callee.range, ['input', 'encoder', 'fusion'], `the start of ${decl}`, this.env.diags);
    if (!sym) return null;
    const r = this.ref(sym, step.callee.range);
    if (r) this.record(decl, step.range, r, step.callee.name, this.nodes.length);
    return r;
  }

  private step(decl: string, cur: Ref, step: Step, mayBeHead: boolean): Ref | null {
    if (step.kind === 'Shape') return this.annotation(decl, cur, step);
    const name = step.callee.name;
    const def = this.env.symbols.byName.get(name);
    if (isDefinition(def)) {
      const before = this.nodes.length;
      const r = this.applyDefinition(decl, cur, step, def);
      // an application sharing another encoder's weights adds none, even where that encoder is not built too
      if (r) this.record(decl, step.range, r, name, before, r.sharesWeightsOf ? 0 : undefined);
      return r;
    }
    const layer = findLayer(name);
    if (!layer) {
      const sym = this.env.symbols.byName.get(name);
      if (sym) {
        this.env.symbols.note(name, step.callee.range);
        this.env.diags.push(
          diagnostic(
            'MMF1003',
            'error',
            `'${name}' is a ${sym.kind}; it cannot be applied after another step`,
            step.callee.range,
            sym.kind === 'encoder' || sym.kind === 'fusion'
              ? `Join encodings with a fusion operator instead: concat(${cur.id}, ${name}).`
              : `Only layers can follow '->'.`,
          ),
        );
        return null;
      }
      this.unknownLayer(step);
      return null;
    }
    if (layer.role === 'fusion') {
      this.env.diags.push(
        diagnostic(
          'MMF1003',
          'error',
          `${name} is a fusion operator; it starts a pipeline instead of following '->'`,
          step.callee.range,
          `Write a fusion: fusion joined = ${name}(${cur.id}, OTHER).`,
        ),
      );
      return null;
    }
    if (layer.role === 'head' && !mayBeHead) {
      this.env.diags.push(
        diagnostic(
          'MMF2004',
          'error',
          `${name} is a head: it can only be the last step of a model`,
          step.callee.range,
          `Move ${name}(...) to the end of a model declaration.`,
        ),
      );
      return null;
    }
    const before = this.nodes.length;
    const r = this.applyLayer(decl, [cur], step);
    if (r) this.record(decl, step.range, r, name, before);
    return r;
  }

  private unknownLayer(step: CallExpr): void {
    const defs = definitionNames(this.env.symbols);
    const s = didYouMean(step.callee.name, [...layerNames(), ...defs]);
    this.env.diags.push(
      diagnostic(
        'MMF1004',
        'error',
        defs.length ? `Unknown layer or encoder definition '${step.callee.name}'` : `Unknown layer '${step.callee.name}'`,
        step.callee.range,
        s ? `Did you mean '${s}'?` : 'See docs/language.md for the layers mmf knows.',
      ),
    );
  }

  /** Report unknown layers and argument errors of a step whose input is unknown. */
  private bindOnly(step: CallExpr): void {
    const def = this.env.symbols.byName.get(step.callee.name);
    if (isDefinition(def)) {
      bindDefinitionArgs(def.decl, step, this.env.diags);
      return;
    }
    const layer = findLayer(step.callee.name);
    if (!layer) {
      if (!this.env.symbols.byName.has(step.callee.name)) this.unknownLayer(step);
      return;
    }
    bindArgs(step.callee.name, layer.params, step.args, step.range, this.env.diags);
  }

  /** Bind arguments and expand a layer, fusion operator or head at `step`. */
  private applyLayer(decl: string, inputs: Ref[], step: CallExpr): Ref | null {
    const layer = findLayer(step.callee.name)!;
    const bound = bindArgs(step.callee.name, layer.params, step.args, step.range, this.env.diags);
    let operands = inputs;
    if (layer.role === 'fusion') {
      operands = [];
      for (const r of bound.refs) {
        const sym = this.env.symbols.resolve(r.name, r.range, ['input', 'encoder', 'fusion'], `an operand of ${step.callee.name}`, this.env.diags);
        const v = sym && this.ref(sym, r.range);
        if (!v) return null;
        operands.push({ ...v, at: r.range });
      }
    }
    if (!bound.ok) return null;
    const ctx = this.ctx(decl, step.range, bound, step);
    return layer.expand(ctx, operands, bound.values);
  }

  /** A layer call written as an argument (`residual(dense(64), dense(32))`): bound and expanded on `input`. */
  private nested(decl: string, call: CallExpr, input: Ref, hooks: NestedHooks = {}): Ref | null {
    const def = this.env.symbols.byName.get(call.callee.name);
    if (isDefinition(def)) {
      if (!hooks.only && (hooks.roles ?? ['layer']).includes('layer')) return this.applyDefinition(decl, input, call, def);
      this.env.symbols.note(call.callee.name, call.callee.range);
      this.env.diags.push(
        diagnostic(
          'MMF1003',
          'error',
          `${call.callee.name} is an encoder definition; ${hooks.only ? `${call.callee.name} ${hooks.only.refuse}` : 'only heads can be nested here'}`,
          call.callee.range,
          hooks.only?.hint ?? 'Apply the definition before the heads: X -> Tower(…) -> heads(…).',
        ),
      );
      return null;
    }
    const layer = findLayer(call.callee.name);
    if (!layer) {
      this.unknownLayer(call);
      return null;
    }
    const roles = hooks.roles ?? ['layer'];
    if (!roles.includes(layer.role)) {
      this.env.diags.push(
        diagnostic(
          'MMF1003',
          'error',
          `${call.callee.name} is a ${layer.role}; only ${roles.map((r) => `${r}s`).join(' and ')} can be nested here`,
          call.callee.range,
          roles.includes('head') ? 'Write heads as classifier(LABEL) or regression(LABEL).' : `Use layers such as dense(...) or conv1d(...) here.`,
        ),
      );
      return null;
    }
    if (hooks.only && !hooks.only.names.has(call.callee.name)) {
      this.env.diags.push(diagnostic('MMF1003', 'error', `${call.callee.name} ${hooks.only.refuse}`, call.callee.range, hooks.only.hint));
      return null;
    }
    const bound = bindArgs(call.callee.name, layer.params, call.args, call.range, this.env.diags);
    if (!bound.ok) return null;
    const ctx = this.ctx(decl, call.range, bound, call);
    if (hooks.add) ctx.add = hooks.add(ctx.add);
    return layer.expand(ctx, [input], bound.values);
  }

  /**
   * Apply an encoder definition at `call` to `cur` (compiler/definitions.ts): bind the arguments, expand the
   * substituted steps (their diagnostics move to the call), and with `shared ENC` make the new layers use the weights
   * of ENC's application — after checking they build the same layers and weight shapes (MMF2008).
   */
  private applyDefinition(decl: string, cur: Ref, call: CallExpr, sym: SymbolInfo & { decl: DefinitionDecl }): (Ref & { sharesWeightsOf?: string }) | null {
    const def = sym.decl;
    const name = def.name.name;
    this.env.symbols.note(name, call.callee.range);
    if (this.defStack.includes(name)) {
      this.env.diags.push(
        diagnostic('MMF1010', 'error', `the definition ${name} applies itself: ${[...this.defStack.slice(this.defStack.indexOf(name)), name].join(' → ')}`, call.callee.range, 'A definition cannot contain itself.'),
      );
      return null;
    }
    const bound = bindDefinitionArgs(def, call, this.env.diags);
    if (!bound) return null;
    const topLevel = this.defStack.length === 0;
    const outer = this.env.diags;
    const inner: Diagnostic[] = [];
    const before = this.nodes.length;
    let x: Ref | null = cur;
    this.env.diags = inner;
    this.defStack.push(name);
    this.quiet++;
    try {
      for (const s of substitute(def, bound.values, call.range)) {
        x = this.step(decl, x, s, false);
        if (!x) break;
      }
    } finally {
      this.quiet--;
      this.defStack.pop();
      this.env.diags = outer;
    }
    for (const d of inner) outer.push(relocate(d, call, def));
    if (!x) return null;
    const added = this.nodes.slice(before);
    if (topLevel && !this.firstApplications.has(`${decl}:${name}`)) this.firstApplications.set(`${decl}:${name}`, added);
    let key: string | undefined = topLevel && !bound.shared && this.firstApplications.get(`${decl}:${name}`) === added ? `${decl}:${name}` : undefined;
    if (bound.shared) {
      const root = shareRoot(this.env.symbols, name, bound.shared, this.env.diags, decl);
      if (!root) return null;
      const theirs = this.ownerLayers(root.owner, name);
      if (theirs) {
        const types = new Map<string, TensorType>([...this.usedInputs.map((i) => [i.name, i.out] as const), ...this.nodes.map((n) => [n.id, n.out] as const)]);
        types.set(cur.id, cur.type);
        const why = sharingMismatch(added, theirs.nodes, (id) => types.get(id), (id) => theirs.types.get(id));
        if (why) {
          this.env.diags.push(
            diagnostic(
              'MMF2008',
              'error',
              `${name}(…) in ${decl} cannot share the weights of ${root.owner}'s ${name}: ${why}`,
              bound.shared.range,
              `Shared weights need the same layers on inputs of the same shape: feed ${decl} an input like ${root.owner}'s (same vocabulary, width or channels), give the same arguments, or drop '${SHARED} ${bound.shared.name}'.`,
              [{ message: `${root.owner}'s ${name} is applied here`, range: theirs.range }],
            ),
          );
          return null;
        }
      }
      key = root.key;
    }
    if (key) {
      const group = this.shareGroups.get(key);
      if (!group) this.shareGroups.set(key, added.map((n) => n.id));
      else if (group.length === added.length && added.every((n, k) => n.id !== group[k]))
        added.forEach((n, k) => {
          if (n.weights.length === 0) return;
          // one set of weights: this node reads the owner's (its params are counted there)
          n.sharedWith = group[k]!;
          n.params = 0;
        });
    }
    const out: Ref & { sharesWeightsOf?: string } = { ...x, origin: `${name}(…) in ${decl} (line ${call.range.start.line + 1})`, at: call.range };
    if (bound.shared && key && key !== `${decl}:${name}`) out.sharesWeightsOf = key;
    return out;
  }

  /**
   * The layers `owner`'s first application of definition `def` builds (from a scratch build of `owner`, whose
   * diagnostics are its own), with the types of their inputs; undefined when it does not build or is being built.
   */
  private ownerLayers(owner: string, def: string): { nodes: IRNode[]; types: Map<string, TensorType>; range: Range } | undefined {
    const sym = this.env.symbols.byName.get(owner);
    const key = `${owner}:${def}`;
    if (!sym || OWNERS_IN_PROGRESS.has(key)) return undefined;
    OWNERS_IN_PROGRESS.add(key);
    try {
      const scratch = new GraphBuilder({ ...this.env, diags: [], stepTypes: [] }, () => false);
      scratch.ref(sym, sym.range);
      const nodes = scratch.firstApplications.get(key);
      if (!nodes) return undefined;
      const types = new Map<string, TensorType>([...scratch.usedInputs.map((i) => [i.name, i.out] as const), ...scratch.nodes.map((n) => [n.id, n.out] as const)]);
      const app = sym.decl.kind === 'Encoder' ? sym.decl.pipeline.steps.find((s) => s.kind === 'Call' && s.callee.name === def) : undefined;
      return { nodes, types, range: app?.range ?? sym.range };
    } finally {
      OWNERS_IN_PROGRESS.delete(key);
    }
  }

  private ctx(decl: string, range: Range, args: ExpandCtx['args'], call?: CallExpr): ExpandCtx {
    const env = this.env;
    return {
      range,
      decl,
      args,
      call,
      expandCall: (c, input, hooks) => this.nested(decl, c, input, hooks),
      report: (d) => env.diags.push(d),
      add: <K extends OpName>(op: K, inputs: Ref[], attrs: OpAttrs[K], hint: string, at?: Range) =>
        this.addNode(decl, op, inputs, attrs, hint, at ?? range),
      label: (name: string, r: Range) => {
        const sym = env.symbols.resolve(name, r, ['label'], 'the target of a classifier', env.diags);
        const l = sym && env.labels.get(sym.name);
        if (l && !this.labelsUsed.includes(l)) this.labelsUsed.push(l);
        return l;
      },
      setHead: (h) => {
        this.heads.push({ ...h, range });
      },
      weighHeads: (weights) => {
        this.multitask = { range, weights };
      },
    };
  }

  private addNode<K extends OpName>(decl: string, op: K, inputs: Ref[], attrs: OpAttrs[K], hint: string, range: Range): Ref | null {
    const def = OPS[op];
    const types = inputs.map((i) => i.type);
    const out = def.infer(types, attrs);
    if (isOpError(out)) {
      const culprit = out.input !== undefined ? inputs[out.input] : undefined;
      const related =
        culprit?.at !== undefined ? [{ message: `${culprit.origin} produces ${formatType(culprit.type)}`, range: culprit.at }] : undefined;
      this.env.diags.push(diagnostic(out.code, 'error', out.message, range, out.hint, related));
      return null;
    }
    const weights = def.weights(types, attrs);
    const tooBig = sizeProblem(op, weights, out);
    if (tooBig) {
      this.env.diags.push(diagnostic('MMF3006', 'error', tooBig.message, range, tooBig.hint));
      return null;
    }
    const id = this.names.take(`${decl}_${hint}`);
    const node = {
      id,
      op,
      attrs,
      inputs: inputs.map((i) => i.id),
      out,
      weights,
      params: weights.reduce((n, w) => n + w.shape.reduce((p, d) => p * d, 1), 0),
      flops: def.flops(types, attrs, out),
      range,
      decl,
    } as IRNode;
    this.nodes.push(node);
    const mask = outputMask(op, attrs, inputs, out);
    return { id, type: out, origin: `${hint} in ${decl} (line ${range.start.line + 1})`, at: range, ...(mask ? { mask } : {}) };
  }

  /** Verify a shape annotation `[batch, 64]` against the current value. */
  private annotation(decl: string, cur: Ref, s: ShapeLit): Ref | null {
    const actual = cur.type.shape;
    const ok =
      s.dims.length === actual.length &&
      s.dims.every((d, i) => {
        const a = actual[i]!;
        if (d.kind === 'DimWildcard') return true;
        if (d.kind === 'DimNumber') return a === d.value;
        return typeof a === 'string' ? a === d.name : i !== 0; // a named dim may stand for a known size, but not for batch
      });
    if (!ok) {
      const written = `[${s.dims.map((d) => (d.kind === 'DimNumber' ? d.value : d.kind === 'DimName' ? d.name : '_')).join(', ')}]`;
      const last = actual[actual.length - 1];
      const wantLast = s.dims[s.dims.length - 1];
      const hint =
        s.dims.length === actual.length && wantLast?.kind === 'DimNumber' && typeof last === 'number' && last !== wantLast.value
          ? `Change the annotation to ${formatShape(actual)}, or add -> dense(${wantLast.value}) before it.`
          : `Change the annotation to ${formatShape(actual)}.`;
      this.env.diags.push(
        diagnostic('MMF2003', 'error', `Shape annotation ${written} does not match ${formatType(cur.type)} from ${cur.origin}`, s.range, hint),
      );
      return null;
    }
    this.record(decl, s.range, cur, 'annotation', this.nodes.length);
    return cur;
  }
}

/**
 * Sizes no backend here can hold: tfjs on wasm addresses at most 4 GiB, and a single typed array or ONNX
 * initializer beyond 2^28 float32 values (1 GiB) is already out of reach on a 2-core, 24 GiB machine.
 */
export const MAX_WEIGHT_VALUES = 2 ** 28;
/** Values per sample in one activation: 2^26 float32 (256 MiB) per sample, before multiplying by the batch. */
export const MAX_ACTIVATION_VALUES = 2 ** 26;

function sizeProblem(op: OpName, weights: { name: string; shape: number[] }[], out: TensorType): { message: string; hint: string } | undefined {
  const gib = (n: number) => `${((n * 4) / 2 ** 30).toFixed(n * 4 >= 2 ** 30 ? 1 : 3)} GiB`;
  for (const w of weights) {
    const n = w.shape.reduce((p, d) => p * d, 1);
    if (!(n <= MAX_WEIGHT_VALUES))
      return {
        message: `${op} would need a ${w.name} of ${formatShape(w.shape)} = ${n.toExponential(2)} values (${gib(n)} of float32), more than the ${MAX_WEIGHT_VALUES.toLocaleString('en-US')} values one weight may hold`,
        hint: 'Use fewer units, a smaller vocabulary or a narrower input (e.g. pool before a dense layer).',
      };
  }
  const perSample = out.shape.slice(1).reduce<number>((p, d) => p * (typeof d === 'number' ? d : 1), 1);
  if (!(perSample <= MAX_ACTIVATION_VALUES))
    return {
      message: `${op} outputs ${formatShape(out.shape)} = ${perSample.toExponential(2)} values per sample (${gib(perSample)}), more than the ${MAX_ACTIVATION_VALUES.toLocaleString('en-US')} one layer's output may hold`,
      hint: 'Reduce the width or sequence length, or pool earlier.',
    };
  return undefined;
}
