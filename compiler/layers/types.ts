/**
 * Surface syntax: the layer, fusion and head names a `.mmf` file may call, their parameters, and how each
 * expands into primitive IR ops. One module per family; the registry in index.ts is the only list.
 */
import type { Range } from '../../grammar/diagnostic.ts';
import type { Diagnostic } from '../../grammar/diagnostic.ts';
import type { CallExpr } from '../../grammar/ast.ts';
import type { LabelPlan, OpAttrs, OpName } from '../ir.ts';
import type { TensorType } from '../shape.ts';
import type { Bound, ParamSpec } from '../args.ts';

/** A value flowing through a pipeline: the id of the node (or model input) that produces it, and its type. */
export interface Ref {
  id: string;
  type: TensorType;
  /** Human description of where it came from, for messages: `encoder text (line 9)`. */
  origin: string;
  /** Where the value was named or produced, for related information in diagnostics. */
  at?: Range;
  /** For a sequence [b, T, …] from a text input: the token ids [b, T] whose zeros mark padded steps (layers/mask.ts). */
  mask?: MaskSource;
}

/** A token-id value [b, T] int32 (id 0 pads) that masks a sequence's steps. */
export interface MaskSource {
  id: string;
  type: TensorType;
}

/** What a surface layer may do while expanding. */
export interface ExpandCtx {
  /** Add a primitive op; reports a shape error at `range` (default: the step) and returns null on failure. */
  add<K extends OpName>(op: K, inputs: Ref[], attrs: OpAttrs[K], nameHint: string, range?: Range): Ref | null;
  /** Report a diagnostic. */
  report(d: Diagnostic): void;
  /** The label a head names, or undefined (the checker has already reported the problem). */
  label(name: string, range: Range): LabelPlan | undefined;
  /** Record a model head (classifier, regression); a multi-task model records several, in order. */
  setHead(head: { label: LabelPlan; output: Ref; units: number; activation: 'sigmoid' | 'softmax' | 'linear' }): void;
  /** Mark the model as multi-task (`heads(...)` at this step) with one loss weight per recorded head. */
  weighHeads?(weights: number[]): void;
  /** The pipeline step being expanded. */
  range: Range;
  /** The declaration being compiled. */
  decl: string;
  /** The bound arguments' source ranges. */
  args: Bound;
  /** The call being expanded, as written (`residual` reads the layer calls in its arguments). */
  call?: CallExpr;
  /** Expand a nested layer call (`residual(dense(64), …)`) on `input`, with its own argument checking. */
  expandCall?(call: CallExpr, input: Ref, hooks?: NestedHooks): Ref | null;
}

/** How a wrapping layer changes the expansion of a nested call (`time_distributed(conv2d(…))`, `heads(…)`). */
export interface NestedHooks {
  /** The roles the nested call may have (default: layers only; MMF1003 otherwise). */
  roles?: readonly Role[];
  /** The names (or aliases) the nested call may use; others are MMF1003 with `refuse` as the message's end. */
  only?: { names: ReadonlySet<string>; refuse: string; hint: string };
  /** Replaces the nested expansion's `add` (given the builder's own) to rewrite the ops it adds. */
  add?: (base: ExpandCtx['add']) => ExpandCtx['add'];
}

export type Role = 'layer' | 'fusion' | 'head';

export interface LayerDef {
  name: string;
  aliases?: readonly string[];
  role: Role;
  /** One line for hover and completion. */
  doc: string;
  /** The shape rule in words, for docs and hover: `[b, T, C] → [b, T', filters]`. */
  rule: string;
  params: readonly ParamSpec[];
  /**
   * Expand into primitive ops. Layers and heads get one input; fusion operators get their operands.
   * Returns the output, or null after reporting a diagnostic.
   */
  expand(ctx: ExpandCtx, inputs: Ref[], values: Record<string, unknown>): Ref | null;
}

export const ACTIVATIONS = [
  'linear',
  'relu',
  'relu6',
  'elu',
  'selu',
  'gelu',
  'tanh',
  'sigmoid',
  'softmax',
  'softplus',
  'softsign',
  'swish',
] as const;

export const activationParam = (def: string): ParamSpec => ({
  name: 'activation',
  type: { t: 'enum', values: ACTIVATIONS },
  doc: 'activation function',
  default: def,
});
