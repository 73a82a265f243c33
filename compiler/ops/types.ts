/**
 * The contract every primitive op implements: its shape rule, its weights and its cost.
 * Emission lives with each backend (compiler/emit/tfjs/ops.ts, compiler/emit/onnx/ops.ts), each a table keyed by
 * op name, so the TypeScript compiler refuses a new op that a backend cannot emit.
 */
import type { OpAttrs, OpName, WeightSpec } from '../ir.ts';
import type { TensorType } from '../shape.ts';

/** A shape-rule failure: the checker attaches the source range and where each input came from. */
export interface OpError {
  code: string;
  message: string;
  hint: string;
  /** Index of the offending input, when one input is to blame. */
  input?: number;
}

export interface OpDef<K extends OpName> {
  /** Output type from input types, or an error that names the shapes. */
  infer(inputs: TensorType[], attrs: OpAttrs[K]): TensorType | OpError;
  /** Weight tensors in tfjs order; [] for ops without weights. */
  weights(inputs: TensorType[], attrs: OpAttrs[K]): WeightSpec[];
  /** FLOPs per sample (2 per multiply–accumulate), ignoring element-wise work unless it dominates. */
  flops(inputs: TensorType[], attrs: OpAttrs[K], out: TensorType): number;
}

export function isOpError(x: TensorType | OpError): x is OpError {
  return (x as OpError).code !== undefined;
}

/** Numeric product of known dims after the batch (symbolic dims count as 1, for estimates only). */
export function perSample(shape: TensorType['shape']): number {
  return shape.slice(1).reduce<number>((n, d) => n * (typeof d === 'number' ? d : 1), 1);
}
