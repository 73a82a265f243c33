/**
 * WeightedSum — learned convex combination of K same-shape inputs (mmf fusion `weighted_sum`).
 *
 *   inputs  x_1 … x_K, each [b, ...S] (identical shapes)
 *   weight  w ∈ R^K, initialised to zeros (so the layer starts as the plain mean)
 *   α = softmax(w)          (α_k = e^{w_k} / Σ_j e^{w_j})
 *   y = Σ_k α_k · x_k       → [b, ...S]
 *
 * The softmax keeps the mixture convex, as in the "learned weighted sum / weighted average" late-fusion
 * baselines (e.g. Baltrušaitis, Ahuja & Morency 2019, "Multimodal Machine Learning: A Survey and
 * Taxonomy", §5). Weights list: [w]. ONNX: Softmax(w, axis 0), then Σ_k Mul(x_k, Gather(α, k)).
 * Serialised as className 'MmfWeightedSum'.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { tf as getTf } from '../backend.ts';

const tf = getTf();
/** tfjs-layers' base layer options (name, trainable, inputShape, dtype, …). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Tensor = tfjs.Tensor;
type Shape = Array<number | null>;

export class WeightedSum extends tf.layers.Layer {
  static className = 'MmfWeightedSum';
  private w: tfjs.LayerVariable | null = null;

  constructor(config: LayerArgs = {}) {
    super(config);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length < 2) {
      throw new Error(`MmfWeightedSum expects a list of at least 2 inputs, got ${JSON.stringify(inputShape)}`);
    }
    const first = JSON.stringify(shapes[0].slice(1));
    for (const s of shapes) {
      if (JSON.stringify(s.slice(1)) !== first) {
        throw new Error(`MmfWeightedSum: all inputs must have the same shape, got ${JSON.stringify(shapes)}`);
      }
    }
    this.w = this.addWeight('w', [shapes.length], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0];
  }

  /** y = Σ_k softmax(w)_k · x_k. */
  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const xs = Array.isArray(inputs) ? inputs : [inputs];
      const alpha = tf.softmax(this.w!.read());
      const terms = xs.map((x, k) => tf.mul(x, tf.slice(alpha, [k], [1])));
      return terms.length === 1 ? terms[0] : tf.addN(terms);
    });
  }

  override getClassName(): string {
    return WeightedSum.className;
  }
}

tf.serialization.registerClass(WeightedSum);
