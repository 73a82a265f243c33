/** Layers over token ids and sequences: embedding, conv1d, lstm, gru, global pooling. */
import { diagnostic } from '../../grammar/diagnostic.ts';
import type { Activation } from '../ir.ts';
import { formatType } from '../shape.ts';
import { activationParam, type LayerDef } from './types.ts';
import { isVideo, poolVideo } from './video.ts';

export const embedding: LayerDef = {
  name: 'embedding',
  role: 'layer',
  doc: 'Learned vector per token id (Bengio et al. 2003). The vocabulary comes from the input.',
  rule: '[b, T] int32 → [b, T, dim]',
  params: [
    { name: 'dim', type: { t: 'int' }, doc: 'embedding width', positional: true, required: true, min: 1 },
    { name: 'vocab', type: { t: 'int' }, doc: 'number of token ids (default: the input vocabulary)', min: 2 },
  ],
  expand(ctx, [x], v) {
    const known = x!.type.maxId;
    let inputDim = (v.vocab as number | undefined) ?? known;
    if (inputDim === undefined) {
      ctx.report(
        diagnostic(
          'MMF2005',
          'error',
          `embedding needs token ids with a known vocabulary, but its input is ${formatType(x!.type)} from ${x!.origin}`,
          ctx.range,
          'Feed it a text or categorical input, or give embedding(dim, vocab N).',
        ),
      );
      return null;
    }
    if (known !== undefined && inputDim < known) {
      ctx.report(
        diagnostic(
          'MMF3001',
          'error',
          `embedding vocab ${inputDim} is smaller than the ${known} token ids ${x!.origin} produces`,
          ctx.args.at.vocab?.range ?? ctx.range,
          `Use vocab ${known} or more, or leave it out.`,
        ),
      );
      return null;
    }
    return ctx.add('embedding', [x!], { inputDim: inputDim!, outputDim: v.dim as number }, 'embedding');
  },
};

export const conv1d: LayerDef = {
  name: 'conv1d',
  role: 'layer',
  doc: '1-D convolution over time (channels last).',
  rule: "[b, T, C] → [b, T', filters]; T' = ⌊(T − d(k−1) − 1)/s⌋ + 1 (valid) or ⌈T/s⌉ (same)",
  params: [
    { name: 'filters', type: { t: 'int' }, doc: 'output channels', positional: true, required: true, min: 1 },
    { name: 'kernel_size', type: { t: 'int' }, doc: 'window length', positional: true, required: true, min: 1, aliases: ['kernel'] },
    { name: 'strides', type: { t: 'int' }, doc: 'step between windows', default: 1, min: 1, aliases: ['stride'] },
    { name: 'padding', type: { t: 'enum', values: ['valid', 'same'] }, doc: 'valid or same', default: 'valid' },
    { name: 'dilation', type: { t: 'int' }, doc: 'dilation rate', default: 1, min: 1 },
    activationParam('linear'),
    { name: 'use_bias', type: { t: 'bool' }, doc: 'add a bias', default: true },
  ],
  expand(ctx, [x], v) {
    if ((v.strides as number) > 1 && (v.dilation as number) > 1) {
      ctx.report(
        diagnostic('MMF3001', 'error', 'conv1d cannot combine strides > 1 with dilation > 1', ctx.range, 'Use one of them.'),
      );
      return null;
    }
    return ctx.add(
      'conv1d',
      [x!],
      {
        filters: v.filters as number,
        kernelSize: v.kernel_size as number,
        strides: v.strides as number,
        padding: v.padding as 'valid' | 'same',
        dilation: v.dilation as number,
        activation: v.activation as Activation,
        useBias: v.use_bias as boolean,
      },
      'conv1d',
    );
  },
};

const rnnParams = [
  { name: 'units', type: { t: 'int' }, doc: 'state width', positional: true, required: true, min: 1 },
  {
    name: 'return_sequences',
    type: { t: 'bool' },
    doc: 'output every step [b, T, u] instead of the last state [b, u]',
    default: false,
    aliases: ['sequences'],
  },
  {
    name: 'bidirectional',
    type: { t: 'bool' },
    doc: 'also read the sequence backwards and concatenate both directions: [b, 2u] or [b, T, 2u]',
    default: false,
  },
] as const;

export const lstm: LayerDef = {
  name: 'lstm',
  role: 'layer',
  doc: 'Long short-term memory (Hochreiter & Schmidhuber 1997), sigmoid gates.',
  rule: '[b, T, C] → [b, units] (last state) or [b, T, units]; bidirectional: [b, 2·units] or [b, T, 2·units]',
  params: rnnParams as unknown as LayerDef['params'],
  expand: (ctx, [x], v) =>
    ctx.add(
      v.bidirectional ? 'bilstm' : 'lstm',
      [x!],
      { units: v.units as number, returnSequences: v.return_sequences as boolean, activation: 'tanh', recurrentActivation: 'sigmoid' },
      v.bidirectional ? 'bilstm' : 'lstm',
    ),
};

export const gru: LayerDef = {
  name: 'gru',
  role: 'layer',
  doc: 'Gated recurrent unit (Cho et al. 2014), sigmoid gates, reset before the recurrent product.',
  rule: '[b, T, C] → [b, units] (last state) or [b, T, units]; bidirectional: [b, 2·units] or [b, T, 2·units]',
  params: rnnParams as unknown as LayerDef['params'],
  expand: (ctx, [x], v) =>
    ctx.add(
      v.bidirectional ? 'bigru' : 'gru',
      [x!],
      {
        units: v.units as number,
        returnSequences: v.return_sequences as boolean,
        activation: 'tanh',
        recurrentActivation: 'sigmoid',
        resetAfter: false,
      },
      v.bidirectional ? 'bigru' : 'gru',
    ),
};

/**
 * `global_max_pool` / `global_avg_pool` pick the op by the input's rank: an image [b, H, W, C] pools over height
 * and width (the 2-D op), anything else goes to the 1-D op over time, whose shape rule reports what is wrong.
 * The `…1d` / `…2d` spellings are separate layers that insist on one rank.
 */
export const globalMaxPool: LayerDef = {
  name: 'global_max_pool',
  aliases: ['global_max'],
  role: 'layer',
  doc: 'Maximum of each channel over time (sequences) or over height and width (images).',
  rule: '[b, T, C] → [b, C]; [b, H, W, C] → [b, C]; video [b, F, H, W, C] → [b, C]',
  params: [],
  expand: (ctx, [x]) =>
    x!.type.shape.length === 4
      ? ctx.add('global_max_pool2d', [x!], {}, 'global_max_pool')
      : isVideo(x!)
        ? poolVideo(ctx, x!, 'global_max_pool1d', 'global_max_pool')
        : ctx.add('global_max_pool1d', [x!], {}, 'global_max_pool'),
};

export const globalAvgPool: LayerDef = {
  name: 'global_avg_pool',
  aliases: ['global_avg', 'global_average_pool'],
  role: 'layer',
  doc: 'Mean of each channel over time (sequences) or over height and width (images).',
  rule: '[b, T, C] → [b, C]; [b, H, W, C] → [b, C]; video [b, F, H, W, C] → [b, C]',
  params: [],
  expand: (ctx, [x]) =>
    x!.type.shape.length === 4
      ? ctx.add('global_avg_pool2d', [x!], {}, 'global_avg_pool')
      : isVideo(x!)
        ? poolVideo(ctx, x!, 'global_avg_pool1d', 'global_avg_pool')
        : ctx.add('global_avg_pool1d', [x!], {}, 'global_avg_pool'),
};

export const globalMaxPool1d: LayerDef = {
  name: 'global_max_pool1d',
  role: 'layer',
  doc: 'Maximum of each channel over time.',
  rule: '[b, T, C] → [b, C]',
  params: [],
  expand: (ctx, [x]) => ctx.add('global_max_pool1d', [x!], {}, 'global_max_pool'),
};

export const globalAvgPool1d: LayerDef = {
  name: 'global_avg_pool1d',
  role: 'layer',
  doc: 'Mean of each channel over time.',
  rule: '[b, T, C] → [b, C]',
  params: [],
  expand: (ctx, [x]) => ctx.add('global_avg_pool1d', [x!], {}, 'global_avg_pool'),
};
