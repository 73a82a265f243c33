/**
 * Fusion operators on feature vectors beyond concat and weighted_sum: the gated multimodal unit, tensor fusion,
 * low-rank tensor fusion and FiLM. Each states its shape rule and weights (tfjs order = the runtime layer's
 * `getWeights()` order, which the ONNX emitter reads).
 *
 * Sources: Arevalo, Solorio, Montes-y-Gómez & González 2017, "Gated Multimodal Units for Information Fusion"
 * (GMU, eqs. 1–4); Zadeh, Chen, Poria, Cambria & Morency 2017, "Tensor Fusion Network for Multimodal Sentiment
 * Analysis" (§3.2, z = [z_1; 1] ⊗ [z_2; 1] ⊗ …); Liu, Shen, Lakshminarasimhan, Liang, Zadeh & Morency 2018,
 * "Efficient Low-rank Multimodal Fusion with Modality-Specific Factors" (§3.2–3.3, eq. 7); Perez, Strub, de Vries,
 * Dumoulin & Courville 2018, "FiLM: Visual Reasoning with a General Conditioning Layer" (eq. 1–2).
 */
import type { OpDef, OpError } from './types.ts';
import { formatType, type TensorType } from '../shape.ts';

/** Above this many values per sample, tensor fusion is refused (MMF2007): 2^20 = 1,048,576. */
export const TENSOR_FUSION_LIMIT = 2 ** 20;

/** Every input must be a float vector [b, d] with a known d. */
export function needVectors(op: string, xs: TensorType[]): OpError | undefined {
  for (const [i, x] of xs.entries()) {
    if (x.dtype !== 'float32')
      return {
        code: 'MMF2005',
        message: `${op} fuses float feature vectors, but input ${i + 1} is integer ids ${formatType(x)}`,
        hint: 'Encode the ids first: -> embedding(64) -> global_avg_pool.',
        input: i,
      };
    if (x.shape.length !== 2 || typeof x.shape[1] !== 'number')
      return {
        code: 'MMF2001',
        message: `${op} fuses feature vectors [batch, d], but input ${i + 1} is ${formatType(x)}`,
        hint:
          x.shape.length === 3
            ? 'Reduce the sequence to a vector first: -> global_max_pool (or an RNN without return_sequences).'
            : x.shape.length === 4
              ? 'Reduce the image to a vector first: -> global_avg_pool (or -> flatten).'
              : 'Give it a known feature width, e.g. -> dense(64).',
        input: i,
      };
  }
  return undefined;
}

const widths = (xs: TensorType[]): number[] => xs.map((x) => x.shape[1] as number);

/**
 * GMU: [b, d_1], …, [b, d_K] → [b, dim]. h_k = tanh(x_k·w_k); for K = 2 the paper's gate z = σ([x_1; x_2]·w_z),
 * y = z ⊙ h_1 + (1 − z) ⊙ h_2; for K > 2 a softmax over modalities of the K gate vectors in [x_1; …; x_K]·w_z.
 */
export const gmu: OpDef<'gmu'> = {
  infer(xs, a) {
    return needVectors('gmu', xs) ?? { shape: [xs[0]!.shape[0]!, a.dim], dtype: 'float32' };
  },
  weights(xs, a) {
    const d = widths(xs);
    const total = d.reduce((s, n) => s + n, 0);
    return [
      ...d.map((n, k) => ({ name: `w_${k + 1}`, shape: [n, a.dim] })),
      { name: 'w_z', shape: [total, xs.length === 2 ? a.dim : xs.length * a.dim] },
    ];
  },
  flops(xs, a) {
    const total = widths(xs).reduce((s, n) => s + n, 0);
    return 2 * total * a.dim + 2 * total * (xs.length === 2 ? a.dim : xs.length * a.dim) + 3 * xs.length * a.dim;
  },
};

/** Tensor fusion: [b, d_1], …, [b, d_K] → [b, Π(d_k + 1)]; MMF2007 above {@link TENSOR_FUSION_LIMIT} values. */
export const tensor_fusion: OpDef<'tensor_fusion'> = {
  infer(xs) {
    const bad = needVectors('tensor_fusion', xs);
    if (bad) return bad;
    const d = widths(xs);
    const size = d.reduce((p, n) => p * (n + 1), 1);
    if (size > TENSOR_FUSION_LIMIT)
      return {
        code: 'MMF2007',
        message: `tensor_fusion of widths ${d.join(', ')} makes ${d.map((n) => n + 1).join(' × ')} = ${size.toLocaleString('en-US')} values per sample, more than the limit of 2^20 = ${TENSOR_FUSION_LIMIT.toLocaleString('en-US')}`,
        hint: `Use low_rank_fusion(…, dim 64, rank 4), which never builds the outer product, or project the inputs to fewer features first (-> dense(16)).`,
      };
    return { shape: [xs[0]!.shape[0]!, size], dtype: 'float32' };
  },
  weights: () => [],
  flops: (_xs, _a, out) => out.shape[1] as number,
};

/** Low-rank fusion: [b, d_1], …, [b, d_K] → [b, dim], y = Σ_r λ_r Π_k ([x_k; 1]·factor_k[r]) + bias. */
export const low_rank_fusion: OpDef<'low_rank_fusion'> = {
  infer(xs, a) {
    return needVectors('low_rank_fusion', xs) ?? { shape: [xs[0]!.shape[0]!, a.dim], dtype: 'float32' };
  },
  weights(xs, a) {
    return [
      ...widths(xs).map((n, k) => ({ name: `factor_${k + 1}`, shape: [a.rank, n + 1, a.dim] })),
      { name: 'fusion_weights', shape: [a.rank] },
      { name: 'bias', shape: [a.dim] },
    ];
  },
  flops(xs, a) {
    return widths(xs).reduce((s, n) => s + 2 * (n + 1) * a.rank * a.dim, 0) + 2 * xs.length * a.rank * a.dim;
  },
};

/** FiLM: x [b, d] or [b, T, d], cond [b, e] → shape of x; y = (c·W_γ + b_γ) ⊙ x + (c·W_β + b_β). */
export const film: OpDef<'film'> = {
  infer([x, c]) {
    if (x!.dtype !== 'float32')
      return {
        code: 'MMF2005',
        message: `film modulates float features, but its input is integer ids ${formatType(x!)}`,
        hint: 'Add an embedding first.',
        input: 0,
      };
    const rank = x!.shape.length;
    if ((rank !== 2 && rank !== 3) || typeof x!.shape[rank - 1] !== 'number')
      return {
        code: 'MMF2001',
        message: `film modulates a vector [batch, d] or a sequence [batch, time, d] with a known d, but its input is ${formatType(x!)}`,
        hint: rank === 4 ? 'Pool the image first (-> global_avg_pool), or flatten it.' : 'Give it a known feature width, e.g. -> dense(64).',
        input: 0,
      };
    const bad = needVectors('film (the conditioning input)', [c!]);
    if (bad) return { ...bad, message: bad.message.replace('input 1', 'the conditioning input'), input: 1 };
    return x!;
  },
  weights([x, c]) {
    const d = x!.shape[x!.shape.length - 1] as number;
    const e = c!.shape[1] as number;
    return [
      { name: 'gamma_kernel', shape: [e, d] },
      { name: 'gamma_bias', shape: [d] },
      { name: 'beta_kernel', shape: [e, d] },
      { name: 'beta_bias', shape: [d] },
    ];
  },
  flops([x, c]) {
    const d = x!.shape[x!.shape.length - 1] as number;
    const t = x!.shape.length === 3 && typeof x!.shape[1] === 'number' ? x!.shape[1] : 1;
    return 2 * 2 * (c!.shape[1] as number) * d + 2 * t * d;
  },
};
