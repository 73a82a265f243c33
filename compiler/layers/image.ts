/**
 * Layers on images [b, H, W, C] (NHWC, channels last as tfjs): conv2d, max_pool2d, avg_pool2d and the strict
 * global_max_pool2d / global_avg_pool2d (`global_max_pool` / `global_avg_pool` in sequence.ts take both ranks).
 * Window sizes, strides and dilations are written as one int (both axes) or a [height, width] pair.
 */
import { diagnostic } from '../../grammar/diagnostic.ts';
import type { Activation } from '../ir.ts';
import type { ParamSpec } from '../args.ts';
import { activationParam, type ExpandCtx, type LayerDef } from './types.ts';

/** An `int-or-list` parameter holding a size per spatial axis. */
const pairParam = (name: string, doc: string, extra: Partial<ParamSpec> = {}): ParamSpec => ({
  name,
  type: { t: 'int-or-list' },
  doc: `${doc}: one int for both axes, or [height, width]`,
  min: 1,
  ...extra,
});

const paddingParam: ParamSpec = {
  name: 'padding',
  type: { t: 'enum', values: ['valid', 'same'] },
  doc: 'valid (no padding) or same (output ⌈size/stride⌉, extra padding at the end as TensorFlow)',
  default: 'valid',
};

/**
 * The [height, width] pair of an `int-or-list` value (`3` → [3, 3], `[3, 5]` → [3, 5]); reports MMF3002 at the
 * argument and returns null for a list of another length.
 */
function pair(ctx: ExpandCtx, layer: string, name: string, v: unknown): [number, number] | null {
  const xs = v as number[];
  if (xs.length === 1) return [xs[0]!, xs[0]!];
  if (xs.length === 2) return [xs[0]!, xs[1]!];
  ctx.report(
    diagnostic(
      'MMF3002',
      'error',
      `${layer}: '${name}' takes one size or a [height, width] pair, but got ${xs.length} values`,
      ctx.args.at[name]?.range ?? ctx.range,
      `Write ${name} ${xs[0] ?? 3} or ${name} [${xs[0] ?? 3}, ${xs[1] ?? xs[0] ?? 3}].`,
    ),
  );
  return null;
}

export const conv2d: LayerDef = {
  name: 'conv2d',
  role: 'layer',
  doc: '2-D convolution over height and width (channels last), as tf.layers.conv2d.',
  rule: "[b, H, W, C] → [b, H', W', filters]; per axis H' = ⌊(H − d(k−1) − 1)/s⌋ + 1 (valid) or ⌈H/s⌉ (same)",
  params: [
    { name: 'filters', type: { t: 'int' }, doc: 'output channels', positional: true, required: true, min: 1 },
    pairParam('kernel_size', 'window size', { positional: true, required: true, aliases: ['kernel'] }),
    { ...activationParam('linear'), positional: true },
    pairParam('strides', 'step between windows', { default: [1], aliases: ['stride'] }),
    paddingParam,
    pairParam('dilation', 'dilation rate', { default: [1], aliases: ['dilation_rate'] }),
    { name: 'use_bias', type: { t: 'bool' }, doc: 'add a bias', default: true },
  ],
  expand(ctx, [x], v) {
    const kernelSize = pair(ctx, 'conv2d', 'kernel_size', v.kernel_size);
    const strides = pair(ctx, 'conv2d', 'strides', v.strides);
    const dilation = pair(ctx, 'conv2d', 'dilation', v.dilation);
    if (!kernelSize || !strides || !dilation) return null;
    if (Math.max(...strides) > 1 && Math.max(...dilation) > 1) {
      ctx.report(
        diagnostic(
          'MMF3001',
          'error',
          'conv2d cannot combine strides > 1 with dilation > 1 (tfjs refuses it)',
          ctx.args.at.dilation?.range ?? ctx.range,
          'Use one of them: strides 1 with the dilation, or dilation 1 with the strides.',
        ),
      );
      return null;
    }
    return ctx.add(
      'conv2d',
      [x!],
      {
        filters: v.filters as number,
        kernelSize,
        strides,
        padding: v.padding as 'valid' | 'same',
        dilation,
        activation: v.activation as Activation,
        useBias: v.use_bias as boolean,
      },
      'conv2d',
    );
  },
};

function poolLayer(name: 'max_pool2d' | 'avg_pool2d', aliases: string[], doc: string): LayerDef {
  return {
    name,
    aliases,
    role: 'layer',
    doc,
    rule: "[b, H, W, C] → [b, H', W', C]; per axis H' = ⌊(H − k)/s⌋ + 1 (valid) or ⌈H/s⌉ (same); strides default to pool_size",
    params: [
      pairParam('pool_size', 'window size', { positional: true, default: [2], aliases: ['pool', 'size'] }),
      pairParam('strides', 'step between windows (default: pool_size)', { aliases: ['stride'] }),
      paddingParam,
    ],
    expand(ctx, [x], v) {
      const poolSize = pair(ctx, name, 'pool_size', v.pool_size);
      const strides = v.strides === undefined ? poolSize : pair(ctx, name, 'strides', v.strides);
      if (!poolSize || !strides) return null;
      return ctx.add(name, [x!], { poolSize, strides, padding: v.padding as 'valid' | 'same' }, name);
    },
  };
}

export const maxPool2d = poolLayer('max_pool2d', ['max_pooling2d'], 'Maximum over each window of height × width (as tf.layers.maxPooling2d).');
export const avgPool2d = poolLayer(
  'avg_pool2d',
  ['average_pool2d', 'avg_pooling2d'],
  'Mean over each window of height × width; with padding same, padded cells are not counted (as tf.layers.averagePooling2d).',
);

export const globalMaxPool2d: LayerDef = {
  name: 'global_max_pool2d',
  role: 'layer',
  doc: 'Maximum of each channel over height and width.',
  rule: '[b, H, W, C] → [b, C]',
  params: [],
  expand: (ctx, [x]) => ctx.add('global_max_pool2d', [x!], {}, 'global_max_pool'),
};

export const globalAvgPool2d: LayerDef = {
  name: 'global_avg_pool2d',
  aliases: ['global_average_pool2d'],
  role: 'layer',
  doc: 'Mean of each channel over height and width.',
  rule: '[b, H, W, C] → [b, C]',
  params: [],
  expand: (ctx, [x]) => ctx.add('global_avg_pool2d', [x!], {}, 'global_avg_pool'),
};
