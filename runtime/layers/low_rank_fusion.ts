/**
 * LowRankFusion — low-rank multimodal fusion (LMF) of Liu, Shen, Lakshminarasimhan, Liang, Zadeh & Morency 2018,
 * "Efficient Low-rank Multimodal Fusion with Modality-Specific Factors" (§3.2–3.3, eq. 7), mmf fusion
 * `low_rank_fusion(a, b, …, dim D, rank R)`. className 'MmfLowRankFusion'.
 *
 *   inputs  x_1 … x_K, x_k [b, d_k] (K ≥ 2)
 *   z_k = [x_k; 1]                                         [b, n_k],  n_k = d_k + 1
 *   f_k[r] = z_k · factor_k[r]                              factor_k [R, n_k, D]  → f_k [b, R, D]
 *   y = Σ_r λ_r · (f_1[r] ⊙ f_2[r] ⊙ … ⊙ f_K[r]) + bias      λ = fusion_weights [R], bias [D]   → [b, D]
 * This equals a tensor fusion layer whose weight tensor has rank R (the decomposition W = Σ_r ⊗_k w_k^(r)),
 * without building the Π n_k-wide outer product. As the authors' code, the rank-sum is weighted by λ.
 * Weights, in this order: factor_1 … factor_K (glorotNormal over [n_k, D] slices, as their xavier_normal),
 * fusion_weights (glorotNormal), bias (zeros).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { tf as getTf } from '../backend.ts';
import type { LayerArgs } from './weighted_sum.ts';

const tf = getTf();
type Tensor = tfjs.Tensor;
type Shape = Array<number | null>;

export interface LowRankFusionArgs extends LayerArgs {
  /** Output width D. */
  dim: number;
  /** Rank R of the decomposition. */
  rank: number;
}

export class LowRankFusion extends tf.layers.Layer {
  static className = 'MmfLowRankFusion';
  readonly dim: number;
  readonly rank: number;
  private factors: tfjs.LayerVariable[] = [];
  private lambda: tfjs.LayerVariable | null = null;
  private bias: tfjs.LayerVariable | null = null;

  constructor(config: LowRankFusionArgs) {
    super(config);
    for (const k of ['dim', 'rank'] as const)
      if (!Number.isInteger(config?.[k]) || config[k] < 1) throw new Error(`MmfLowRankFusion: ${k} must be a positive integer, got ${config?.[k]}`);
    this.dim = config.dim;
    this.rank = config.rank;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length < 2) throw new Error(`MmfLowRankFusion expects a list of at least 2 inputs, got ${JSON.stringify(inputShape)}`);
    for (const s of shapes)
      if (s.length !== 2 || s[1] == null) throw new Error(`MmfLowRankFusion: every input must be [batch, d] with a known d, got ${JSON.stringify(shapes)}`);
    this.factors = shapes.map((s, k) =>
      this.addWeight(`factor_${k + 1}`, [this.rank, (s[1] as number) + 1, this.dim], 'float32', tf.initializers.glorotNormal({})),
    );
    this.lambda = this.addWeight('fusion_weights', [this.rank], 'float32', tf.initializers.randomNormal({ stddev: Math.sqrt(2 / (1 + this.rank)) }));
    this.bias = this.addWeight('bias', [this.dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [(inputShape as Shape[])[0]![0]!, this.dim];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const xs = inputs as Tensor[];
      const b = xs[0]!.shape[0]!;
      const R = this.rank;
      const D = this.dim;
      let prod: Tensor | null = null;
      xs.forEach((x, k) => {
        const z = tf.concat([x, tf.ones([b, 1])], 1) as tfjs.Tensor2D;
        const n = z.shape[1];
        // factor [R, n, D] → [n, R·D], so one 2-D product gives every rank's projection: [b, R, D]
        const w = tf.reshape(tf.transpose(this.factors[k]!.read(), [1, 0, 2]), [n, R * D]) as tfjs.Tensor2D;
        const f = tf.reshape(tf.matMul(z, w), [b, R, D]);
        prod = prod === null ? f : tf.mul(prod, f);
      });
      const weighted = tf.sum(tf.mul(prod!, tf.reshape(this.lambda!.read(), [1, R, 1])), 1);
      return tf.add(weighted, this.bias!.read());
    });
  }

  override getConfig(): tfjs.serialization.ConfigDict {
    return { ...super.getConfig(), dim: this.dim, rank: this.rank };
  }

  override getClassName(): string {
    return LowRankFusion.className;
  }
}

tf.serialization.registerClass(LowRankFusion);
