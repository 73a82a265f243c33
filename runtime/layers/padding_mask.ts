/**
 * Layers for padding masks and position encodings (mmf `attention(...)` over text, `transformer`).
 *
 * PaddingMask — className 'MmfPaddingMask'. Config {from: 'ids' | 'ones'}.
 *   from 'ids':  ids [b, T] int32 → m = (ids ≠ 0) as float32 [b, T]   (text pads with id 0, at the start)
 *   from 'ones': x [b, T, …]      → m = ones [b, T]                    (tokens that are never padding)
 *   No weights. The mask feeds MmfMultiHeadAttention's third input (1 keep, 0 pad).
 *   ONNX: Cast(Not(Equal(ids, 0)), FLOAT); ones: Expand(1, Shape(x)[0:2]).
 *
 * Positions — className 'MmfPositions'. Config {kind: 'learned' | 'sinusoidal', length: T, dim: D}.
 *   x [b, T, D] → x + P, P [T, D] broadcast over the batch.
 *   learned:    P is the weight `embeddings` [T, D] (randomUniform ±0.05, as tfjs' embedding).
 *   sinusoidal: P[t, 2i] = sin(t / 10000^(2i/D)), P[t, 2i+1] = cos(t / 10000^(2i/D)) (Vaswani et al. 2017 §3.5),
 *               computed in float64 and rounded to float32 (the ONNX emitter's initializer holds the same numbers).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { tf as getTf } from '../backend.ts';

const tf = getTf();
type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Tensor = tfjs.Tensor;
type Shape = Array<number | null>;

export interface PaddingMaskArgs extends LayerArgs {
  from: 'ids' | 'ones';
}

export class PaddingMask extends tf.layers.Layer {
  static className = 'MmfPaddingMask';
  readonly from: 'ids' | 'ones';

  constructor(config: PaddingMaskArgs) {
    super(config);
    if (config?.from !== 'ids' && config?.from !== 'ones') throw new Error(`MmfPaddingMask: from must be 'ids' or 'ones', got ${config?.from}`);
    this.from = config.from;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    return [s[0]!, s[1]!];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const [b, t] = x.shape as number[];
      if (this.from === 'ones') return tf.ones([b!, t!], 'float32');
      return tf.cast(tf.notEqual(x, tf.scalar(0, x.dtype)), 'float32');
    });
  }

  override getConfig(): tfjs.serialization.ConfigDict {
    return { ...super.getConfig(), from: this.from };
  }

  override getClassName(): string {
    return PaddingMask.className;
  }
}

export interface PositionsArgs extends LayerArgs {
  kind: 'learned' | 'sinusoidal';
  length: number;
  dim: number;
}

/** The sinusoidal table [length, dim], row-major (same formula and rounding as compiler/ops/transformer.ts). */
export function sinusoidalPositions(length: number, dim: number): Float32Array {
  const pe = new Float32Array(length * dim);
  for (let t = 0; t < length; t++)
    for (let j = 0; j < dim; j++) {
      const angle = t / Math.pow(10000, (2 * Math.floor(j / 2)) / dim);
      pe[t * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  return pe;
}

export class Positions extends tf.layers.Layer {
  static className = 'MmfPositions';
  readonly kind: 'learned' | 'sinusoidal';
  readonly length: number;
  readonly dim: number;
  private table: tfjs.LayerVariable | null = null;

  constructor(config: PositionsArgs) {
    super(config);
    if (config?.kind !== 'learned' && config?.kind !== 'sinusoidal') throw new Error(`MmfPositions: kind must be 'learned' or 'sinusoidal', got ${config?.kind}`);
    for (const k of ['length', 'dim'] as const)
      if (!Number.isInteger(config[k]) || config[k] < 1) throw new Error(`MmfPositions: ${k} must be a positive integer, got ${config[k]}`);
    this.kind = config.kind;
    this.length = config.length;
    this.dim = config.dim;
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    if (s.length !== 3 || s[1] !== this.length || s[2] !== this.dim)
      throw new Error(`MmfPositions expects [batch, ${this.length}, ${this.dim}], got ${JSON.stringify(s)}`);
    if (this.kind === 'learned')
      this.table = this.addWeight('embeddings', [this.length, this.dim], 'float32', tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05 }));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return inputShape as Shape;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const p = this.table ? this.table.read() : tf.tensor2d(sinusoidalPositions(this.length, this.dim), [this.length, this.dim]);
      return tf.add(x, p);
    });
  }

  override getConfig(): tfjs.serialization.ConfigDict {
    return { ...super.getConfig(), kind: this.kind, length: this.length, dim: this.dim };
  }

  override getClassName(): string {
    return Positions.className;
  }
}

tf.serialization.registerClass(PaddingMask);
tf.serialization.registerClass(Positions);
