/**
 * GatedMultimodalUnit — the gated multimodal unit of Arevalo, Solorio, Montes-y-Gómez & González 2017,
 * "Gated Multimodal Units for Information Fusion" (eqs. 1–4), mmf fusion `gmu(a, b, …, dim D)`.
 * className 'MmfGMU'.
 *
 *   inputs  x_1 … x_K, x_k [b, d_k] (K ≥ 2)
 *   h_k = tanh(x_k · w_k)                                   w_k [d_k, D]           → [b, D]
 *   K = 2 (the paper):  z = σ([x_1; x_2] · w_z)            w_z [d_1 + d_2, D]
 *                       y = z ⊙ h_1 + (1 − z) ⊙ h_2
 *   K > 2 (mmf's generalisation; the paper's sigmoid gate is the K = 2 case of a softmax over modalities):
 *                       g = reshape([x_1; …; x_K] · w_z, [b, K, D])   w_z [Σd, K·D] (modality k's gate logits in
 *                                                                      columns k·D … k·D + D − 1)
 *                       z = softmax of g over the modality axis (axis 1)
 *                       y = Σ_k z[:, k] ⊙ h_k                                        → [b, D]
 * No biases, as in the paper. Weights, in this order (getWeights order, read by the ONNX emitter):
 *   w_1 … w_K, w_z (glorotUniform).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { tf as getTf } from '../backend.ts';
import type { LayerArgs } from './weighted_sum.ts';

const tf = getTf();
type Tensor = tfjs.Tensor;
type Shape = Array<number | null>;

export interface GatedMultimodalUnitArgs extends LayerArgs {
  /** Output width D. */
  dim: number;
}

export class GatedMultimodalUnit extends tf.layers.Layer {
  static className = 'MmfGMU';
  readonly dim: number;
  private hs: tfjs.LayerVariable[] = [];
  private wz: tfjs.LayerVariable | null = null;

  constructor(config: GatedMultimodalUnitArgs) {
    super(config);
    if (!Number.isInteger(config?.dim) || config.dim < 1) throw new Error(`MmfGMU: dim must be a positive integer, got ${config?.dim}`);
    this.dim = config.dim;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length < 2) throw new Error(`MmfGMU expects a list of at least 2 inputs, got ${JSON.stringify(inputShape)}`);
    const widths = shapes.map((s) => {
      if (s.length !== 2 || s[1] == null) throw new Error(`MmfGMU: every input must be [batch, d] with a known d, got ${JSON.stringify(shapes)}`);
      return s[1];
    });
    const D = this.dim;
    const K = widths.length;
    this.hs = widths.map((d, k) => this.addWeight(`w_${k + 1}`, [d, D], 'float32', tf.initializers.glorotUniform({})));
    const total = widths.reduce((a, b) => a + b, 0);
    this.wz = this.addWeight('w_z', [total, K === 2 ? D : K * D], 'float32', tf.initializers.glorotUniform({}));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [(inputShape as Shape[])[0]![0]!, this.dim];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const xs = inputs as Tensor[];
      const K = xs.length;
      const D = this.dim;
      const hs = xs.map((x, k) => tf.tanh(tf.matMul(x as tfjs.Tensor2D, this.hs[k]!.read() as tfjs.Tensor2D)));
      const logits = tf.matMul(tf.concat(xs, 1) as tfjs.Tensor2D, this.wz!.read() as tfjs.Tensor2D);
      if (K === 2) {
        const z = tf.sigmoid(logits);
        return tf.add(tf.mul(z, hs[0]!), tf.mul(tf.sub(1, z), hs[1]!));
      }
      const b = xs[0]!.shape[0]!;
      const g = tf.reshape(logits, [b, K, D]);
      const e = tf.exp(tf.sub(g, tf.max(g, 1, true)));
      const z = tf.div(e, tf.sum(e, 1, true)); // softmax over modalities
      const terms = hs.map((h, k) => tf.mul(tf.reshape(tf.slice(z, [0, k, 0], [b, 1, D]), [b, D]), h));
      return tf.addN(terms);
    });
  }

  override getConfig(): tfjs.serialization.ConfigDict {
    return { ...super.getConfig(), dim: this.dim };
  }

  override getClassName(): string {
    return GatedMultimodalUnit.className;
  }
}

tf.serialization.registerClass(GatedMultimodalUnit);
