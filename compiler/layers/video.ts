/**
 * Global pooling of a video [b, F, H, W, C] (compiler/modalities.ts `video`): the mean (or maximum) of each channel
 * over frames, height and width → [b, C]. Expanded into ops both backends already build and check for parity:
 * `reshape` to [b, F·H·W, C] (row-major, so every pixel of every frame is one step), then the 1-D global pool over
 * those steps. Pooling each frame and then over time gives the same numbers (a mean of equal-sized means, a
 * maximum of maxima).
 */
import type { ExpandCtx, Ref } from './types.ts';

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
