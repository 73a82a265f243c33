/**
 * Tensor shapes with symbolic dimensions.
 *
 * A dimension is a non-negative integer or a symbol (`batch`, `time`). The batch dimension is always the
 * symbol `batch`, so nothing in a compiled model bakes in a batch size.
 */

/** One dimension: a known size, or a named symbol. */
export type Dim = number | string;

/** A tensor shape, batch first. */
export type Shape = Dim[];

export type DType = 'float32' | 'int32';

/** The static type of a tensor flowing between layers. */
export interface TensorType {
  shape: Shape;
  dtype: DType;
  /** For int32 token or category ids: ids lie in [0, maxId). Embeddings size their table from it. */
  maxId?: number;
}

export const BATCH = 'batch';

/** `[batch, 24, 64]` */
export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** `[batch, 24] int32` */
export function formatType(t: TensorType): string {
  return `${formatShape(t.shape)} ${t.dtype}`;
}

/** True when two dimensions are provably equal (same number or same symbol). */
export function dimEquals(a: Dim, b: Dim): boolean {
  return a === b;
}

export function shapeEquals(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => dimEquals(d, b[i]!));
}

/** The last dimension (the feature width), or undefined for a rank-0 shape. */
export function lastDim(shape: Shape): Dim | undefined {
  return shape[shape.length - 1];
}

/** Product of the known dimensions after the batch; undefined if any is symbolic. */
export function featureSize(shape: Shape): number | undefined {
  let n = 1;
  for (const d of shape.slice(1)) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

/**
 * Output length of a 1-D convolution or pooling window.
 * valid: floor((n − dilation·(k − 1) − 1) / stride) + 1; same: ceil(n / stride).
 * Source: TensorFlow `conv_utils.conv_output_length`, matching ONNX `auto_pad` VALID / SAME_UPPER.
 */
export function convOutputLength(n: Dim, kernel: number, stride: number, padding: 'valid' | 'same', dilation = 1): Dim {
  if (typeof n !== 'number') return padding === 'same' && stride === 1 ? n : `${n}'`;
  if (padding === 'same') return Math.ceil(n / stride);
  const eff = dilation * (kernel - 1) + 1;
  return Math.floor((n - eff) / stride) + 1;
}
