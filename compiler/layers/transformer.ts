/**
 * `transformer` (a Transformer encoder block, Vaswani et al. 2017 §3.1), the `add` fusion operator and the
 * `reshape` layer. The block expands into existing ops — positions, mha (self-attention with the padding mask
 * of layers/mask.ts), add, layer_norm, dense — so both emitters need nothing block-specific.
 */
import { diagnostic } from '../../grammar/diagnostic.ts';
import { featureSize, formatType } from '../shape.ts';
import type { LayerDef, Ref } from './types.ts';
import { keyMask } from './mask.ts';

/**
 * Post-norm encoder block, as the paper: given x [b, T, D],
 *   p  = x (+ positions, learned [T, D] or sinusoidal §3.5) (→ dropout)
 *   h  = layer_norm(p + dropout(mha(p, p, mask)))         self-attention, H heads of width D/H
 *   y  = layer_norm(h + dropout(dense(D)(dense(F, relu)(h))))
 * The mask drops padded key steps (token id 0) when x comes from a text input step for step.
 * Parameters: 4(D² + D) attention + 2(F·D) + F + D feed-forward + 4D layer norms (+ T·D learned positions).
 */
export const transformer: LayerDef = {
  name: 'transformer',
  aliases: ['transformer_encoder'],
  role: 'layer',
  doc: 'Transformer encoder block (Vaswani et al. 2017): self-attention and a feed-forward network, each with a residual connection and layer norm (post-norm).',
  rule: '[b, T, D] → [b, T, D]; H must divide D; learned or sinusoidal positions need a known T',
  params: [
    { name: 'heads', type: { t: 'int' }, doc: 'attention heads (must divide the width D)', positional: true, default: 4, min: 1 },
    { name: 'ff', type: { t: 'int' }, doc: 'width of the feed-forward layer', positional: true, required: true, min: 1, aliases: ['ff_dim', 'ffn'] },
    { name: 'dropout', type: { t: 'number' }, doc: 'dropout on the attention and feed-forward outputs (and on the positions)', default: 0, min: 0, max: 1, maxExclusive: true },
    {
      name: 'positions',
      type: { t: 'enum', values: ['none', 'learned', 'sinusoidal'] },
      doc: 'positions added before the block: none, learned (a weight [T, D]) or sinusoidal (Vaswani et al. §3.5)',
      default: 'none',
    },
    { name: 'epsilon', type: { t: 'number' }, doc: 'layer norm epsilon', default: 1e-3, min: 0, minExclusive: true },
  ],
  expand(ctx, [x], v) {
    const t = x!.type;
    const d = t.shape[2];
    if (t.dtype !== 'float32' || t.shape.length !== 3 || typeof d !== 'number') {
      const ids = t.dtype !== 'float32';
      ctx.report(
        diagnostic(
          ids ? 'MMF2005' : 'MMF2001',
          'error',
          `transformer takes a sequence [batch, time, D] of floats with a known width D, but its input is ${formatType(t)} from ${x!.origin}`,
          ctx.range,
          ids ? 'Add an embedding first: -> embedding(64) -> transformer(...).' : 'Feed it a sequence, e.g. the output of embedding or conv1d.',
        ),
      );
      return null;
    }
    const heads = v.heads as number;
    if (d % heads !== 0) {
      let h = heads;
      while (d % h !== 0) h--;
      ctx.report(
        diagnostic(
          'MMF3001',
          'error',
          `transformer: the width ${d} does not divide into ${heads} heads`,
          ctx.args.at.heads?.range ?? ctx.range,
          `Use heads ${h}, or project the sequence to a multiple of ${heads} first (dense(${Math.ceil(d / heads) * heads})).`,
        ),
      );
      return null;
    }
    const kind = v.positions as 'none' | 'learned' | 'sinusoidal';
    const len = t.shape[1];
    if (kind !== 'none' && typeof len !== 'number') {
      ctx.report(
        diagnostic(
          'MMF2001',
          'error',
          `transformer: positions ${kind} need a known sequence length, but the input is ${formatType(t)}`,
          ctx.args.at.positions?.range ?? ctx.range,
          'Use positions none, or give the sequence a fixed length.',
        ),
      );
      return null;
    }
    const rate = v.dropout as number;
    const eps = v.epsilon as number;
    const drop = (r: Ref | null, hint: string): Ref | null => (r && rate > 0 ? ctx.add('dropout', [r], { rate }, hint) : r);
    let p: Ref | null = x!;
    if (kind !== 'none') p = drop(ctx.add('positions', [x!], { kind, length: len as number, dim: d }, 'transformer_positions'), 'transformer_positions_dropout');
    if (!p) return null;
    const mask = keyMask(ctx, [p], 'transformer');
    if (mask === null) return null;
    // Keys and values are an identity copy of p (activation linear: no ONNX node): tfjs-layers 4's executor
    // disposes a tensor that one layer takes twice while another layer (the residual add) still needs it.
    const kv = ctx.add('activation', [p], { fn: 'linear' }, 'transformer_keys');
    if (!kv) return null;
    const a = drop(ctx.add('mha', mask ? [p, kv, mask] : [p, kv], { numHeads: heads, dim: d }, 'transformer_attention'), 'transformer_attention_dropout');
    const s1 = a && ctx.add('add', [p, a], {}, 'transformer_residual');
    const h = s1 && ctx.add('layer_norm', [s1], { epsilon: eps }, 'transformer_norm');
    const f1 = h && ctx.add('dense', [h], { units: v.ff as number, activation: 'relu', useBias: true }, 'transformer_ff');
    const f2 = drop(f1 && ctx.add('dense', [f1], { units: d, activation: 'linear', useBias: true }, 'transformer_ff_out'), 'transformer_ff_dropout');
    const s2 = f2 && ctx.add('add', [h!, f2], {}, 'transformer_residual');
    return s2 && ctx.add('layer_norm', [s2], { epsilon: eps }, 'transformer_norm');
  },
};

export const add: LayerDef = {
  name: 'add',
  role: 'fusion',
  doc: 'Element-wise sum of encodings of one shape (a residual connection between encoders).',
  rule: '[b, …S] × K → [b, …S] (every input the same shape)',
  params: [{ name: 'inputs', type: { t: 'ref' }, doc: 'encodings to add', positional: true, variadic: true }],
  expand(ctx, xs) {
    if (xs.length < 2) {
      ctx.report(
        diagnostic(
          'MMF1006',
          'error',
          `add sums at least two encodings, but ${xs.length === 0 ? 'none were' : 'only one was'} given`,
          ctx.range,
          'Name two or more encoders: add(a, b).',
        ),
      );
      return null;
    }
    return ctx.add('add', xs, {}, 'add');
  },
};

export const reshape: LayerDef = {
  name: 'reshape',
  role: 'layer',
  doc: 'Rearranges the values of each sample into a new shape (row-major, as tfjs and ONNX); the count must stay the same.',
  rule: '[b, d1, …] → [b, e1, …] with d1·… = e1·… (known dimensions only)',
  params: [{ name: 'shape', type: { t: 'int-list' }, doc: 'the new shape without the batch, e.g. [4, 16]', positional: true, required: true, min: 1, aliases: ['target_shape'] }],
  expand(ctx, [x], v) {
    const target = v.shape as number[];
    if (target.length === 0) {
      ctx.report(diagnostic('MMF3001', 'error', 'reshape needs at least one dimension', ctx.args.at.shape?.range ?? ctx.range, 'Write the shape without the batch, e.g. reshape([4, 16]).'));
      return null;
    }
    if (featureSize(x!.type.shape) === undefined) {
      ctx.report(
        diagnostic(
          'MMF2001',
          'error',
          `reshape needs known dimensions, but its input is ${formatType(x!.type)}`,
          ctx.range,
          'Pool over the symbolic axis first (global_max_pool).',
        ),
      );
      return null;
    }
    return ctx.add('reshape', [x!], { targetShape: target }, 'reshape');
  },
};
