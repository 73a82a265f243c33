/**
 * GRU with `resetAfter` — the GRU variant of Keras (TF 2 default), PyTorch and ONNX
 * `linear_before_reset = 1`, which tfjs-layers 4.x refuses ("GRUCell does not support reset_after
 * parameter set to true"). className 'MmfGRU' (layer) and 'MmfGRUCell' (its cell).
 *
 * Weights (Keras layout, gate order z, r, h along the last axis):
 *   kernel [F, 3U], recurrent_kernel [U, 3U], bias [2, 3U] (row 0 input bias b_x, row 1 recurrent bias b_h)
 * Step (Cho et al. 2014 with the reset gate applied after the recurrent product, as in cuDNN / Keras
 * `reset_after=True`; σ = recurrentActivation, default hardSigmoid like tfjs — pass 'sigmoid' to match
 * PyTorch and ONNX):
 *   x_z, x_r, x_h = split(x·kernel + b_x)          h_z, h_r, h_h = split(h·recurrent_kernel + b_h)
 *   z = σ(x_z + h_z)    r = σ(x_r + h_r)    ĥ = activation(x_h + r ⊙ h_h)
 *   h' = z ⊙ h + (1 − z) ⊙ ĥ
 * (The stock tfjs GRU is `reset_after=False`: ĥ = activation(x_h + (r ⊙ h)·U_h), bias [3U].)
 * ONNX GRU with linear_before_reset=1: W = kernelᵀ, R = recurrent_kernelᵀ (both already z, r, h order),
 * B = concat(b_x, b_h). With `resetAfter: false` the layer is exactly tfjs's GRU.
 * Runs inside tfjs-layers' RNN machinery, so returnSequences, goBackwards, Bidirectional, masking and
 * save/load work as for the stock GRU. Input/recurrent dropout is not supported with resetAfter.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { tf as getTf } from '../backend.ts';

const tf = getTf();
type Tensor = tfjs.Tensor;

/** Options of the stock `tf.layers.gru`, plus `resetAfter` (default true here). */
export type GRUArgs = Parameters<typeof tf.layers.gru>[0] & { resetAfter?: boolean };

// tfjs-layers does not export its GRUCell / GRU classes; take them from instances.
const GRUCellBase = Object.getPrototypeOf(tf.layers.gruCell({ units: 1 })).constructor as new (args: any) => any;
const GRUBase = Object.getPrototypeOf(tf.layers.gru({ units: 1 })).constructor as new (args: any) => tfjs.layers.RNN;

export class GRUCell extends GRUCellBase {
  static className = 'MmfGRUCell';
  resetAfter: boolean;
  declare units: number;

  constructor(args: GRUArgs) {
    super({ ...args, resetAfter: false });
    this.resetAfter = args.resetAfter ?? true;
    if (this.resetAfter && (this.dropout > 0 || this.recurrentDropout > 0)) {
      throw new Error('MmfGRU: dropout / recurrentDropout are not supported with resetAfter');
    }
  }

  build(inputShape: any): void {
    if (!this.resetAfter) return super.build(inputShape);
    const s = Array.isArray(inputShape[0]) ? inputShape[0] : inputShape;
    const inputDim = s[s.length - 1];
    const U = this.units;
    this.kernel = this.addWeight('kernel', [inputDim, 3 * U], null, this.kernelInitializer, this.kernelRegularizer, true, this.kernelConstraint);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [U, 3 * U], null, this.recurrentInitializer, this.recurrentRegularizer, true, this.recurrentConstraint);
    this.bias = this.useBias ? this.addWeight('bias', [2, 3 * U], null, this.biasInitializer, this.biasRegularizer, true, this.biasConstraint) : null;
    this.built = true;
  }

  call(inputs: Tensor[], kwargs: Record<string, unknown>): Tensor[] {
    if (!this.resetAfter) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const [x, h] = inputs;
      const U = this.units;
      let mx = tf.matMul(x, this.kernel.read());
      let mh = tf.matMul(h, this.recurrentKernel.read());
      if (this.bias) {
        const b = this.bias.read() as Tensor;
        mx = tf.add(mx, tf.reshape(tf.slice(b, [0, 0], [1, 3 * U]), [3 * U]));
        mh = tf.add(mh, tf.reshape(tf.slice(b, [1, 0], [1, 3 * U]), [3 * U]));
      }
      const [xz, xr, xh] = tf.split(mx, 3, -1);
      const [hz, hr, hh] = tf.split(mh, 3, -1);
      const z = this.recurrentActivation.apply(tf.add(xz, hz)) as Tensor;
      const r = this.recurrentActivation.apply(tf.add(xr, hr)) as Tensor;
      const cand = this.activation.apply(tf.add(xh, tf.mul(r, hh))) as Tensor;
      const out = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), cand));
      return [out, out];
    });
  }

  getConfig(): tfjs.serialization.ConfigDict {
    return { ...super.getConfig(), resetAfter: this.resetAfter };
  }

  getClassName(): string {
    return GRUCell.className;
  }
}

export class GRU extends GRUBase {
  static className = 'MmfGRU';

  constructor(args: GRUArgs) {
    super({ ...args, resetAfter: false });
    // the stock constructor built a stock GRUCell; use ours (weights are created later, in build)
    (this as unknown as { cell: unknown }).cell = new GRUCell(args);
  }

  override getConfig(): tfjs.serialization.ConfigDict {
    return { ...super.getConfig(), resetAfter: (this.cell as unknown as GRUCell).resetAfter };
  }

  override getClassName(): string {
    return GRU.className;
  }

  static fromConfig<T>(cls: new (a: any) => T, config: Record<string, unknown>): T {
    return new cls(config);
  }
}

tf.serialization.registerClass(GRUCell as any);
tf.serialization.registerClass(GRU as any);
