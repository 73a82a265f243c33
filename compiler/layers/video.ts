/**
 * Layers on videos [b, F, H, W, C] (compiler/modalities.ts `video`): conv3d, and global pooling.
 *
 * Global pooling of a video [b, F, H, W, C] (compiler/modalities.ts `video`): the mean (or maximum) of each channel
 * over frames, height and width → [b, C]. Expanded into ops both backends already build and check for parity:
 * `reshape` to [b, F·H·W, C] (row-major, so every pixel of every frame is one step), then the 1-D global pool over
 * those steps. Pooling each frame and then over time gives the same numbers (a mean of equal-sized means, a
 * maximum of maxima).
 */
import { diagnostic } from '../../grammar/diagnostic.ts';
import type { Activation } from '../ir.ts';
import { activationParam, type ExpandCtx, type LayerDef, type Ref } from './types.ts';

/** Whether `x` is a video-shaped float tensor with known frames, height, width and channels. */
export function isVideo(x: Ref): boolean {
  const s = x.type.shape;
  return s.length === 5 && x.type.dtype === 'float32' && s.slice(1).every((d) => typeof d === 'number');
}

/** [b, F, H, W, C] → reshape [b, F·H·W, C] → global_{max,avg}_pool1d → [b, C]. */
export function poolVideo(ctx: ExpandCtx, x: Ref, op: 'global_max_pool1d' | 'global_avg_pool1d', name: string): Ref | null {
  const [, f, h, w, c] = x.type.shape as [unknown, number, number, number, number];
  const steps = ctx.add('reshape', [x], { targetShape: [f * h * w, c] }, `${name}_steps`);
  return steps && ctx.add(op, [steps], {}, name);
}

/** The [frames, height, width] triple of an `int-or-list` value; MMF3002 at the argument for another length. */
function triple(ctx: ExpandCtx, name: string, v: unknown): [number, number, number] | null {
  const xs = v as number[];
  if (xs.length === 1) return [xs[0]!, xs[0]!, xs[0]!];
  if (xs.length === 3) return [xs[0]!, xs[1]!, xs[2]!];
  ctx.report(
    diagnostic(
      'MMF3002',
      'error',
      `conv3d: '${name}' takes one size or a [frames, height, width] triple, but got ${xs.length} values`,
      ctx.args.at[name]?.range ?? ctx.range,
      `Write ${name} ${xs[0] ?? 3} or ${name} [${xs[0] ?? 3}, ${xs[1] ?? 3}, ${xs[2] ?? 3}].`,
    ),
  );
  return null;
}

/** 3-D convolution over frames, height and width of a video (channels last), as tf.layers.conv3d. */
export const conv3d: LayerDef = {
  name: 'conv3d',
  role: 'layer',
  doc: '3-D convolution over frames, height and width of a video (channels last), as tf.layers.conv3d.',
  rule: "[b, F, H, W, C] → [b, F', H', W', filters]; per axis n' = ⌊(n − k)/s⌋ + 1 (valid) or ⌈n/s⌉ (same)",
  params: [
    { name: 'filters', type: { t: 'int' }, doc: 'output channels', positional: true, required: true, min: 1 },
    {
      name: 'kernel_size',
      type: { t: 'int-or-list' },
      doc: 'window: one int for all axes, or [frames, height, width]',
      positional: true,
      required: true,
      min: 1,
      aliases: ['kernel'],
    },
    { ...activationParam('linear'), positional: true },
    { name: 'strides', type: { t: 'int-or-list' }, doc: 'step: one int or [frames, height, width]', default: [1], min: 1, aliases: ['stride'] },
    {
      name: 'padding',
      type: { t: 'enum', values: ['valid', 'same'] },
      doc: 'valid (no padding) or same (output ⌈size/stride⌉, extra padding at the end as TensorFlow)',
      default: 'valid',
    },
    { name: 'use_bias', type: { t: 'bool' }, doc: 'add a bias', default: true },
  ],
  expand(ctx, [x], v) {
    const kernelSize = triple(ctx, 'kernel_size', v.kernel_size);
    const strides = triple(ctx, 'strides', v.strides);
    if (!kernelSize || !strides) return null;
    return ctx.add(
      'conv3d',
      [x!],
      {
        filters: v.filters as number,
        kernelSize,
        strides,
        padding: v.padding as 'valid' | 'same',
        activation: v.activation as Activation,
        useBias: v.use_bias as boolean,
      },
      'conv3d',
    );
  },
};
