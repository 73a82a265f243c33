/**
 * Fusion operators with learned interactions: `gmu` (gated multimodal unit, Arevalo et al. 2017), `tensor_fusion`
 * (Zadeh et al. 2017), `low_rank_fusion` (Liu et al. 2018) and `film` (Perez et al. 2018). Operands are names of
 * inputs, encoders or fusions, written positionally; each operator takes feature vectors [b, d_i] (film's first
 * operand may also be a sequence). Shape rules in compiler/ops/fusion-advanced.ts.
 */
import { diagnostic } from '../../grammar/diagnostic.ts';
import type { ExpandCtx, LayerDef, Ref } from './types.ts';

const operands = { name: 'inputs', type: { t: 'ref' }, doc: 'encodings to fuse', positional: true, variadic: true } as const;

/** At least two operands (MMF1006), and, with `exactly`, no more (MMF1007). */
function count(ctx: ExpandCtx, name: string, xs: Ref[], example: string, exactly?: number): boolean {
  if (xs.length < 2) {
    ctx.report(
      diagnostic(
        'MMF1006',
        'error',
        `${name} fuses ${exactly ? 'exactly' : 'at least'} two encodings, but ${xs.length === 0 ? 'none were' : 'only one was'} given`,
        ctx.range,
        `Name ${exactly ? 'both' : 'two or more'}: ${example}.`,
      ),
    );
    return false;
  }
  if (exactly !== undefined && xs.length > exactly) {
    ctx.report(
      diagnostic('MMF1007', 'error', `${name} takes exactly ${exactly} encodings, but ${xs.length} were given`, ctx.range, `Write ${example}.`),
    );
    return false;
  }
  return true;
}

export const gmu: LayerDef = {
  name: 'gmu',
  aliases: ['gated'],
  role: 'fusion',
  doc:
    'Gated multimodal unit (Arevalo et al. 2017): h_i = tanh(W_i x_i); a learned gate from all inputs mixes the h_i. ' +
    'Two inputs: z = σ(W_z[x1; x2]), h = z·h1 + (1 − z)·h2; more: a softmax over modalities.',
  rule: '[b, d1], …, [b, dK] → [b, dim]',
  params: [operands, { name: 'dim', type: { t: 'int' }, doc: 'output width', required: true, min: 1 }],
  expand(ctx, xs, v) {
    if (!count(ctx, 'gmu', xs, 'gmu(a, b, dim 64)')) return null;
    return ctx.add('gmu', xs, { dim: v.dim as number, count: xs.length }, 'gmu');
  },
};

export const tensorFusion: LayerDef = {
  name: 'tensor_fusion',
  role: 'fusion',
  doc: 'Tensor fusion (Zadeh et al. 2017): the outer product of the [x_i; 1], flattened; every cross-modal product of features.',
  rule: '[b, d1], …, [b, dK] → [b, (d1 + 1)·…·(dK + 1)] (at most 2^20 values per sample)',
  params: [operands],
  expand(ctx, xs) {
    if (!count(ctx, 'tensor_fusion', xs, 'tensor_fusion(a, b)')) return null;
    return ctx.add('tensor_fusion', xs, { count: xs.length }, 'tensor_fusion');
  },
};

export const lowRankFusion: LayerDef = {
  name: 'low_rank_fusion',
  aliases: ['lmf'],
  role: 'fusion',
  doc:
    'Low-rank multimodal fusion (Liu et al. 2018): tensor fusion followed by a dense layer whose weight tensor has rank R, ' +
    'computed without the outer product: h = Σ_r λ_r Π_i ([x_i; 1]·W_i^r) + b.',
  rule: '[b, d1], …, [b, dK] → [b, dim]; parameters rank·Σ(d_i + 1)·dim + rank + dim',
  params: [
    operands,
    { name: 'dim', type: { t: 'int' }, doc: 'output width', required: true, min: 1 },
    { name: 'rank', type: { t: 'int' }, doc: 'rank of the weight decomposition', default: 4, min: 1 },
  ],
  expand(ctx, xs, v) {
    if (!count(ctx, 'low_rank_fusion', xs, 'low_rank_fusion(a, b, dim 64, rank 4)')) return null;
    return ctx.add('low_rank_fusion', xs, { dim: v.dim as number, rank: v.rank as number, count: xs.length }, 'low_rank_fusion');
  },
};

export const film: LayerDef = {
  name: 'film',
  role: 'fusion',
  doc: 'Feature-wise linear modulation (Perez et al. 2018): the second encoding sets a scale γ and a shift β for each feature of the first: y = γ ⊙ x + β.',
  rule: 'x [b, d] or [b, T, d], cond [b, e] → shape of x (γ, β broadcast over time)',
  params: [operands],
  expand(ctx, xs) {
    if (!count(ctx, 'film', xs, 'film(features, condition)', 2)) return null;
    return ctx.add('film', xs, {}, 'film');
  },
};
