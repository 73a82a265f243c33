/**
 * MultiHeadAttention — scaled dot-product multi-head attention (Vaswani et al. 2017, "Attention Is All
 * You Need", §3.2), mmf fusion `attention(...)` and Transformer encoders. className 'MmfMultiHeadAttention'.
 *
 * Config {numHeads: h, dim: D}; D must be divisible by h, dₕ = D / h.
 * Inputs: [query q [b, Tq, D], value v [b, Tk, D]] and optionally a third, mask m [b, Tk] (1 keep, 0 pad).
 * Weights, in this order (= `getWeights()` order, the order the ONNX emitter reads them):
 *   wq [D, D], bq [D], wk [D, D], bk [D], wv [D, D], bv [D], wo [D, D], bo [D]
 *   (matrices glorotUniform, biases zeros).
 *
 * Exact computation (the ONNX emitter reproduces these steps, docs/onnx.md "Multi-head attention"):
 *   Q = q·wq + bq,  K = v·wk + bk,  V = v·wv + bv                      [b, T, D]
 *   Qₕ = transpose(reshape(Q, [b, Tq, h, dₕ]), [0, 2, 1, 3])          [b, h, Tq, dₕ]
 *   Kₕ, Vₕ likewise from K, V                                           [b, h, Tk, dₕ]
 *   S = (Qₕ · Kₕᵀ) / √dₕ                                               [b, h, Tq, Tk]   (division, not ×1/√dₕ)
 *   with a mask: S = S + (1 − m)·(−1e9), m broadcast as [b, 1, 1, Tk]
 *   A = softmax(S) over the last axis (keys)
 *   O = reshape(transpose(A · Vₕ, [0, 2, 1, 3]), [b, Tq, D])           heads concatenated, head-major
 *   y = O·wo + bo                                                       [b, Tq, D]
 * A fully masked row (all m = 0) gets uniform attention over its keys (every score shifted by −1e9).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { tf as getTf } from '../backend.ts';

const tf = getTf();
/** tfjs-layers' base layer options (name, trainable, inputShape, dtype, …). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Tensor = tfjs.Tensor;
type Shape = Array<number | null>;

export interface MultiHeadAttentionArgs extends LayerArgs {
  /** Number of heads h. */
  numHeads: number;
  /** Model width D (the last dimension of query and value, and of the output). */
  dim: number;
}

/** x [b, T, D] · w [D, E] + bias [E] as one 2-D product (the backends' fast matmul path). */
function affine(x: Tensor, w: Tensor, b: Tensor): Tensor {
  const [n, t, d] = x.shape as number[];
  const y = tf.add(tf.matMul(tf.reshape(x, [n * t, d]), w), b);
  return tf.reshape(y, [n, t, (w.shape as number[])[1]]);
}

export class MultiHeadAttention extends tf.layers.Layer {
  static className = 'MmfMultiHeadAttention';
  readonly numHeads: number;
  readonly dim: number;
  private ws: tfjs.LayerVariable[] = [];

  constructor(config: MultiHeadAttentionArgs) {
    super(config);
    if (!Number.isInteger(config?.numHeads) || config.numHeads < 1) throw new Error(`MmfMultiHeadAttention: numHeads must be a positive integer, got ${config?.numHeads}`);
    if (!Number.isInteger(config.dim) || config.dim < 1) throw new Error(`MmfMultiHeadAttention: dim must be a positive integer, got ${config.dim}`);
    if (config.dim % config.numHeads !== 0) throw new Error(`MmfMultiHeadAttention: dim ${config.dim} is not divisible by numHeads ${config.numHeads}`);
    this.numHeads = config.numHeads;
    this.dim = config.dim;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length < 2 || shapes.length > 3) {
      throw new Error(`MmfMultiHeadAttention expects inputs [query, value] or [query, value, mask], got ${JSON.stringify(inputShape)}`);
    }
    const [q, v, m] = shapes;
    if (q.length !== 3 || v.length !== 3) throw new Error(`MmfMultiHeadAttention: query and value must be [batch, time, ${this.dim}], got ${JSON.stringify(q)} and ${JSON.stringify(v)}`);
    if (q[2] !== this.dim || v[2] !== this.dim) throw new Error(`MmfMultiHeadAttention: last dimension of query ${q[2]} and value ${v[2]} must equal dim ${this.dim}`);
    if (m && (m.length !== 2 || (m[1] != null && v[1] != null && m[1] !== v[1]))) throw new Error(`MmfMultiHeadAttention: mask must be [batch, ${v[1]}], got ${JSON.stringify(m)}`);
    const D = this.dim;
    const glorot = () => tf.initializers.glorotUniform({});
    const zeros = () => tf.initializers.zeros();
    this.ws = [
      this.addWeight('wq', [D, D], 'float32', glorot()),
      this.addWeight('bq', [D], 'float32', zeros()),
      this.addWeight('wk', [D, D], 'float32', glorot()),
      this.addWeight('bk', [D], 'float32', zeros()),
      this.addWeight('wv', [D, D], 'float32', glorot()),
      this.addWeight('bv', [D], 'float32', zeros()),
      this.addWeight('wo', [D, D], 'float32', glorot()),
      this.addWeight('bo', [D], 'float32', zeros()),
    ];
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const q = (inputShape as Shape[])[0];
    return [q[0], q[1], this.dim];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const xs = inputs as Tensor[];
      const [q, v, mask] = xs;
      const [wq, bq, wk, bk, wv, bv, wo, bo] = this.ws.map((w) => w.read());
      const h = this.numHeads;
      const dh = this.dim / h;
      const [b, tq] = q.shape as number[];
      const tk = (v.shape as number[])[1];
      const heads = (x: Tensor, t: number) => tf.transpose(tf.reshape(x, [b, t, h, dh]), [0, 2, 1, 3]);
      const Q = heads(affine(q, wq, bq), tq);
      const K = heads(affine(v, wk, bk), tk);
      const V = heads(affine(v, wv, bv), tk);
      let s = tf.div(tf.matMul(Q, K, false, true), Math.sqrt(dh)); // [b, h, Tq, Tk]
      if (mask) {
        const m = tf.reshape(tf.cast(mask, 'float32'), [b, 1, 1, tk]);
        s = tf.add(s, tf.mul(tf.sub(1, m), -1e9));
      }
      const a = tf.softmax(s, -1);
      const o = tf.reshape(tf.transpose(tf.matMul(a, V), [0, 2, 1, 3]), [b, tq, this.dim]);
      return affine(o, wo, bo);
    });
  }

  override getConfig(): tfjs.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, dim: this.dim };
  }

  override getClassName(): string {
    return MultiHeadAttention.className;
  }
}

tf.serialization.registerClass(MultiHeadAttention);
