/**
 * FiLM — feature-wise linear modulation of Perez, Strub, de Vries, Dumoulin & Courville 2018, "FiLM: Visual
 * Reasoning with a General Conditioning Layer" (eqs. 1–2), mmf fusion `film(x, cond)`. className 'MmfFiLM'.
 *
 *   inputs  [x, c]: x [b, d] or [b, T, d] (the features modulated), c [b, e] (the conditioning vector)
 *   γ = c · gamma_kernel + gamma_bias        gamma_kernel [e, d], gamma_bias [d]        → [b, d]
 *   β = c · beta_kernel + beta_bias          beta_kernel [e, d],  beta_bias [d]         → [b, d]
 *   y = γ ⊙ x + β                            for a sequence x, γ and β are the same at every time step
 *                                            (broadcast as [b, 1, d])                    → shape of x
 * Weights, in this order: gamma_kernel, gamma_bias, beta_kernel, beta_bias. Initialisation: kernels
 * glorotUniform, gamma_bias ones and beta_bias zeros, so the layer starts close to the identity (γ ≈ 1, β ≈ 0);
 * the formula is the paper's, with no 1 + Δγ reparametrisation.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { tf as getTf } from '../backend.ts';
import type { LayerArgs } from './weighted_sum.ts';

const tf = getTf();
type Tensor = tfjs.Tensor;
type Shape = Array<number | null>;

export class FiLM extends tf.layers.Layer {
  static className = 'MmfFiLM';
  private ws: tfjs.LayerVariable[] = [];

  constructor(config: LayerArgs = {}) {
    super(config);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) throw new Error(`MmfFiLM expects inputs [x, cond], got ${JSON.stringify(inputShape)}`);
    const [x, c] = shapes as [Shape, Shape];
    const d = x[x.length - 1];
    if ((x.length !== 2 && x.length !== 3) || d == null) throw new Error(`MmfFiLM: x must be [batch, d] or [batch, time, d] with a known d, got ${JSON.stringify(x)}`);
    if (c.length !== 2 || c[1] == null) throw new Error(`MmfFiLM: cond must be [batch, e] with a known e, got ${JSON.stringify(c)}`);
    const e = c[1];
    this.ws = [
      this.addWeight('gamma_kernel', [e, d], 'float32', tf.initializers.glorotUniform({})),
      this.addWeight('gamma_bias', [d], 'float32', tf.initializers.ones()),
      this.addWeight('beta_kernel', [e, d], 'float32', tf.initializers.glorotUniform({})),
      this.addWeight('beta_bias', [d], 'float32', tf.initializers.zeros()),
    ];
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0]!;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const [x, c] = inputs as Tensor[];
      const [gk, gb, bk, bb] = this.ws.map((w) => w.read());
      let gamma = tf.add(tf.matMul(c as tfjs.Tensor2D, gk as tfjs.Tensor2D), gb!);
      let beta = tf.add(tf.matMul(c as tfjs.Tensor2D, bk as tfjs.Tensor2D), bb!);
      if (x!.rank === 3) {
        gamma = tf.expandDims(gamma, 1);
        beta = tf.expandDims(beta, 1);
      }
      return tf.add(tf.mul(x!, gamma), beta);
    });
  }

  override getClassName(): string {
    return FiLM.className;
  }
}

tf.serialization.registerClass(FiLM);
