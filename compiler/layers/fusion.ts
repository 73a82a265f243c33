/**
 * Fusion operators: they join the encodings of several modalities. Operands are names of inputs, encoders
 * or other fusions, written positionally: `concat(subj, text, meta)`.
 */
import { diagnostic } from '../../grammar/diagnostic.ts';
import { formatType } from '../shape.ts';
import type { LayerDef, Ref } from './types.ts';
import { keyMask } from './mask.ts';

const operands = { name: 'inputs', type: { t: 'ref' }, doc: 'encodings to fuse', positional: true, variadic: true } as const;

function needTwo(ctx: Parameters<LayerDef['expand']>[0], name: string, xs: Ref[]): boolean {
  if (xs.length >= 2) return true;
  ctx.report(
    diagnostic(
      'MMF1006',
      'error',
      `${name} fuses at least two encodings, but ${xs.length === 0 ? 'none were' : 'only one was'} given`,
      ctx.range,
      `Name two or more encoders: ${name}(a, b).`,
    ),
  );
  return false;
}

export const concat: LayerDef = {
  name: 'concat',
  role: 'fusion',
  doc: 'Concatenates encodings along the feature axis; widths add up.',
  rule: '[b, d1], [b, d2], … → [b, d1 + d2 + …] (all axes but the last must agree)',
  params: [operands],
  expand(ctx, xs) {
    if (!needTwo(ctx, 'concat', xs)) return null;
    return ctx.add('concat', xs, { axis: xs[0]!.type.shape.length - 1 }, 'concat');
  },
};

export const weightedSum: LayerDef = {
  name: 'weighted_sum',
  role: 'fusion',
  doc: 'Learned convex combination: Σ softmax(w)_k · x_k, one learned weight per modality.',
  rule: '[b, d] × K → [b, d] (every input the same shape)',
  params: [operands],
  expand(ctx, xs) {
    if (!needTwo(ctx, 'weighted_sum', xs)) return null;
    return ctx.add('weighted_sum', xs, { count: xs.length }, 'weighted_sum');
  },
};

export const attention: LayerDef = {
  name: 'attention',
  aliases: ['cross_attention'],
  role: 'fusion',
  doc: 'Cross-modal multi-head attention: the first encoding (query) attends to the others (Vaswani et al. 2017; Tsai et al. 2019).',
  rule: 'each input projected to dim; query [b, d_q] or [b, T_q, d_q], others as tokens → [b, dim] (or [b, T_q, dim])',
  params: [
    operands,
    { name: 'dim', type: { t: 'int' }, doc: 'attention width', required: true, min: 1 },
    { name: 'heads', type: { t: 'int' }, doc: 'number of heads (must divide dim)', default: 4, min: 1 },
  ],
  expand(ctx, xs, v) {
    if (!needTwo(ctx, 'attention', xs)) return null;
    const dim = v.dim as number;
    const heads = v.heads as number;
    if (dim % heads !== 0) {
      let h = heads;
      while (dim % h !== 0) h--;
      ctx.report(
        diagnostic(
          'MMF3001',
          'error',
          `attention dim ${dim} does not divide into ${heads} heads`,
          ctx.args.at.heads?.range ?? ctx.args.at.dim?.range ?? ctx.range,
          `Use heads ${h} or a dim that is a multiple of ${heads} (e.g. ${Math.ceil(dim / heads) * heads}).`,
        ),
      );
      return null;
    }
    const tokens: Ref[] = [];
    for (const [i, x] of xs.entries()) {
      const rank = x.type.shape.length;
      if (x.type.dtype !== 'float32' || (rank !== 2 && rank !== 3)) {
        ctx.report(
          diagnostic(
            x.type.dtype !== 'float32' ? 'MMF2005' : 'MMF2001',
            'error',
            `attention takes vectors [batch, d] or sequences [batch, time, d], but ${x.origin} is ${formatType(x.type)}`,
            ctx.range,
            x.type.dtype !== 'float32' ? 'Encode token ids with an embedding first.' : 'Pool or flatten it first.',
          ),
        );
        return null;
      }
      const name = x.id;
      const proj = ctx.add('dense', [x], { units: dim, activation: 'linear', useBias: true }, `proj_${name}`);
      if (!proj) return null;
      tokens.push(rank === 2 ? ctx.add('reshape', [proj], { targetShape: [1, dim] }, `tokens_${name}`)! : proj);
      if (i === 0) void 0;
    }
    const [query, ...rest] = tokens as [Ref, ...Ref[]];
    const kv = rest.length === 1 ? rest[0]! : ctx.add('concat', rest, { axis: 1 }, 'context');
    if (!kv) return null;
    // Padded steps of text sequences are masked out of the keys; vector tokens are always kept (layers/mask.ts).
    const mask = keyMask(ctx, rest, 'attention');
    if (mask === null) return null;
    const out = ctx.add('mha', mask ? [query, kv, mask] : [query, kv], { numHeads: heads, dim }, 'attention');
    if (!out) return null;
    return xs[0]!.type.shape.length === 2 ? ctx.add('reshape', [out], { targetShape: [dim] }, 'attention_vector') : out;
  },
};
