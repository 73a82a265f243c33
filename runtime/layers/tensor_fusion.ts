/**
 * TensorFusion — the tensor fusion layer of Zadeh, Chen, Poria, Cambria & Morency 2017, "Tensor Fusion Network
 * for Multimodal Sentiment Analysis" (§3.2), mmf fusion `tensor_fusion(a, b, …)`. className 'MmfTensorFusion'.
 *
 *   inputs  x_1 … x_K, x_k [b, d_k] (K ≥ 2)
 *   z_k = [x_k; 1]                                  [b, d_k + 1]   (the appended 1 keeps every unimodal and
 *                                                                   lower-order interaction term in the product)
 *   y = flatten(z_1 ⊗ z_2 ⊗ … ⊗ z_K)               [b, Π(d_k + 1)], row-major: x_1 is the slowest index, so
 *       y[b, ((i_1·n_2 + i_2)·n_3 + i_3)…] = z_1[b, i_1] · z_2[b, i_2] · z_3[b, i_3] · …   (n_k = d_k + 1)
 * No weights. The last entry of y is 1 (the product of the appended ones).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { tf as getTf } from '../backend.ts';
import type { LayerArgs } from './weighted_sum.ts';

const tf = getTf();
type Tensor = tfjs.Tensor;
type Shape = Array<number | null>;

export class TensorFusion extends tf.layers.Layer {
  static className = 'MmfTensorFusion';

  constructor(config: LayerArgs = {}) {
    super(config);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length < 2) throw new Error(`MmfTensorFusion expects a list of at least 2 inputs, got ${JSON.stringify(inputShape)}`);
    for (const s of shapes)
      if (s.length !== 2 || s[1] == null) throw new Error(`MmfTensorFusion: every input must be [batch, d] with a known d, got ${JSON.stringify(shapes)}`);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = inputShape as Shape[];
    return [shapes[0]![0]!, shapes.reduce((p, s) => p * ((s[1] as number) + 1), 1)];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const xs = inputs as Tensor[];
      const b = xs[0]!.shape[0]!;
      const withOne = (x: Tensor) => tf.concat([x, tf.ones([b, 1])], 1);
      let acc = withOne(xs[0]!);
      for (const x of xs.slice(1)) {
        const z = withOne(x);
        const n = acc.shape[1]!;
        const m = z.shape[1]!;
        acc = tf.reshape(tf.mul(tf.reshape(acc, [b, n, 1]), tf.reshape(z, [b, 1, m])), [b, n * m]);
      }
      return acc;
    });
  }

  override getClassName(): string {
    return TensorFusion.className;
  }
}

tf.serialization.registerClass(TensorFusion);
