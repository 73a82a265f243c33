/** Normalisation layers (`batch_norm`, `layer_norm`) and pooling windows over time (`max_pool1d`, `avg_pool1d`). */
import type { LayerDef } from './types.ts';

/** tfjs-layers' default epsilon for both normalisations (Keras uses 1e-3 for both as well). */
const epsilonParam = { name: 'epsilon', type: { t: 'number' }, doc: 'added to the variance', default: 1e-3, min: 0, minExclusive: true } as const;

export const batchNorm: LayerDef = {
  name: 'batch_norm',
  aliases: ['batch_normalization'],
  role: 'layer',
  doc:
    'Batch normalisation on the last axis (Ioffe & Szegedy 2015): batch statistics while training, moving averages at ' +
    'inference, y = (x − mean)/√(var + ε)·γ + β.',
  rule: 'shape unchanged ([b, …, C]); parameters 4·C (γ, β trained; moving mean and variance not)',
  params: [
    epsilonParam,
    { name: 'momentum', type: { t: 'number' }, doc: 'moving-average momentum', default: 0.99, min: 0, max: 1, maxExclusive: true },
  ],
  expand: (ctx, [x], v) => ctx.add('batch_norm', [x!], { epsilon: v.epsilon as number, momentum: v.momentum as number }, 'batch_norm'),
};

export const layerNorm: LayerDef = {
  name: 'layer_norm',
  aliases: ['layer_normalization'],
  role: 'layer',
  doc: 'Layer normalisation over the last axis (Ba et al. 2016): each sample and position normalised by its own mean and variance, then y·γ + β.',
  rule: 'shape unchanged ([b, …, C]); parameters 2·C',
  params: [epsilonParam],
  expand: (ctx, [x], v) => ctx.add('layer_norm', [x!], { epsilon: v.epsilon as number }, 'layer_norm'),
};

function pool1dLayer(name: 'max_pool1d' | 'avg_pool1d', aliases: string[], doc: string): LayerDef {
  return {
    name,
    aliases,
    role: 'layer',
    doc,
    rule: "[b, T, C] → [b, T', C]; T' = ⌊(T − k)/s⌋ + 1 (valid) or ⌈T/s⌉ (same); strides default to pool_size",
    params: [
      { name: 'pool_size', type: { t: 'int' }, doc: 'window length', positional: true, default: 2, min: 1, aliases: ['pool', 'size'] },
      { name: 'strides', type: { t: 'int' }, doc: 'step between windows (default: pool_size)', positional: true, min: 1, aliases: ['stride'] },
      { name: 'padding', type: { t: 'enum', values: ['valid', 'same'] }, doc: 'valid or same', positional: true, default: 'valid' },
    ],
    expand(ctx, [x], v) {
      const poolSize = v.pool_size as number;
      return ctx.add(name, [x!], { poolSize, strides: (v.strides as number | undefined) ?? poolSize, padding: v.padding as 'valid' | 'same' }, name);
    },
  };
}

export const maxPool1d = pool1dLayer('max_pool1d', ['max_pooling1d'], 'Maximum over each window of time steps (as tf.layers.maxPooling1d).');
export const avgPool1d = pool1dLayer(
  'avg_pool1d',
  ['average_pool1d', 'avg_pooling1d'],
  'Mean over each window of time steps; with padding same, padded steps are not counted (as tf.layers.averagePooling1d).',
);
