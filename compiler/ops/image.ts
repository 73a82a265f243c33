/**
 * Ops on images, NHWC as tfjs (batch, height, width, channels): conv2d, max/avg pooling with a window, and
 * global pooling over height and width. Output sizes follow TensorFlow's `conv_utils.conv_output_length`
 * (compiler/shape.ts `convOutputLength`), per spatial axis.
 */
import type { OpDef, OpError } from './types.ts';
import { perSample } from './types.ts';
import { convOutputLength, formatType } from '../shape.ts';
import type { Dim, TensorType } from '../shape.ts';

/** `3×3`, or `3` when both entries agree. */
export function pairText([h, w]: readonly [number, number]): string {
  return h === w ? `${h}` : `${h}×${w}`;
}

/**
 * Rank check shared by image ops: they need float [batch, height, width, channels] with a known channel count.
 * `surface` is the name the user wrote (for messages); `sequenceAlt` names the 1-D layer to suggest for a
 * sequence input.
 */
export function needImage(surface: string, x: TensorType, sequenceAlt?: string): OpError | undefined {
  const rank = x.shape.length;
  if (rank === 4 && x.dtype === 'float32' && typeof x.shape[3] === 'number') return undefined;
  if (x.dtype === 'int32')
    return {
      code: 'MMF2005',
      message: `${surface} expects float pixels [batch, height, width, channels], but its input is integer ids ${formatType(x)}`,
      hint: 'Feed it an image input (input NAME: image(height H, width W, channels C)).',
      input: 0,
    };
  if (rank === 4)
    return {
      code: 'MMF2001',
      message: `${surface} needs a known channel count, but its input is ${formatType(x)}`,
      hint: 'Give the image input a channels count.',
      input: 0,
    };
  return {
    code: 'MMF2001',
    message: `${surface} expects an image of rank 4 [batch, height, width, channels], but its input has rank ${rank}: ${formatType(x)}`,
    hint:
      rank === 3
        ? `That is a sequence [batch, time, channels]: use ${sequenceAlt ?? 'a 1-D layer'} for sequences, or feed ${surface} an image input.`
        : `Feed ${surface} an image input: input NAME: image(height H, width W, channels C).`,
    input: 0,
  };
}

/** Spatial output size of a window op on each axis, or an error when the window does not fit (valid padding). */
function windowOut(
  surface: string,
  what: string,
  x: TensorType,
  k: readonly [number, number],
  s: readonly [number, number],
  padding: 'valid' | 'same',
  d: readonly [number, number] = [1, 1],
): [Dim, Dim] | OpError {
  const h = convOutputLength(x.shape[1]!, k[0], s[0], padding, d[0]);
  const w = convOutputLength(x.shape[2]!, k[1], s[1], padding, d[1]);
  if ((typeof h === 'number' && h < 1) || (typeof w === 'number' && w < 1)) {
    const eff: [number, number] = [d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1];
    const dil = d[0] > 1 || d[1] > 1 ? ` and dilation ${pairText(d as [number, number])} (spanning ${eff[0]}×${eff[1]})` : '';
    return {
      code: 'MMF2006',
      message: `${surface} with ${what} ${k[0]}×${k[1]}${dil} does not fit a ${x.shape[1]}×${x.shape[2]} image (${formatType(x)}) with padding valid: the output would be ${h}×${w}`,
      hint: `Use padding same, a ${what} of at most ${x.shape[1]}×${x.shape[2]}, or a larger image.`,
      input: 0,
    };
  }
  return [h, w];
}

/**
 * 2-D convolution, NHWC: [b, H, W, C] → [b, H', W', filters] with, per axis,
 * H' = ⌊(H − d(k−1) − 1)/s⌋ + 1 (valid) or ⌈H/s⌉ (same). Weights kernel [kh, kw, C, F] and bias [F] (tfjs layout).
 */
export const conv2d: OpDef<'conv2d'> = {
  infer([x], a) {
    const bad = needImage('conv2d', x!, 'conv1d');
    if (bad) return bad;
    const hw = windowOut('conv2d', 'kernel', x!, a.kernelSize, a.strides, a.padding, a.dilation);
    if (!Array.isArray(hw)) return hw;
    return { shape: [x!.shape[0]!, hw[0], hw[1], a.filters], dtype: 'float32' };
  },
  weights([x], a) {
    const c = x!.shape[3] as number;
    const kernel = { name: 'kernel', shape: [a.kernelSize[0], a.kernelSize[1], c, a.filters] };
    return a.useBias ? [kernel, { name: 'bias', shape: [a.filters] }] : [kernel];
  },
  flops([x], a, out) {
    const hw = (typeof out.shape[1] === 'number' ? out.shape[1] : 1) * (typeof out.shape[2] === 'number' ? out.shape[2] : 1);
    return 2 * hw * a.kernelSize[0] * a.kernelSize[1] * (x!.shape[3] as number) * a.filters;
  },
};

function pool(surface: string): OpDef<'max_pool2d' | 'avg_pool2d'> {
  return {
    infer([x], a) {
      const bad = needImage(surface, x!, surface === 'max_pool2d' ? 'global_max_pool' : 'global_avg_pool');
      if (bad) return bad;
      const hw = windowOut(surface, 'pool window', x!, a.poolSize, a.strides, a.padding);
      if (!Array.isArray(hw)) return hw;
      return { shape: [x!.shape[0]!, hw[0], hw[1], x!.shape[3]!], dtype: 'float32' };
    },
    weights: () => [],
    flops: (_x, a, out) => perSample(out.shape) * a.poolSize[0] * a.poolSize[1],
  };
}

/** Max over each pool window: [b, H, W, C] → [b, H', W', C] (sizes as conv2d with the pool window as kernel). */
export const max_pool2d: OpDef<'max_pool2d'> = pool('max_pool2d');

/** Mean over each pool window (padded cells not counted): [b, H, W, C] → [b, H', W', C]. */
export const avg_pool2d: OpDef<'avg_pool2d'> = pool('avg_pool2d');

/** Maximum over height and width: [b, H, W, C] → [b, C]. */
export const global_max_pool2d: OpDef<'global_max_pool2d'> = {
  infer([x]) {
    return needImage('global_max_pool2d', x!, 'global_max_pool') ?? { shape: [x!.shape[0]!, x!.shape[3]!], dtype: 'float32' };
  },
  weights: () => [],
  flops: ([x]) => perSample(x!.shape),
};

/** Mean over height and width: [b, H, W, C] → [b, C]. */
export const global_avg_pool2d: OpDef<'global_avg_pool2d'> = {
  infer([x]) {
    return needImage('global_avg_pool2d', x!, 'global_avg_pool') ?? { shape: [x!.shape[0]!, x!.shape[3]!], dtype: 'float32' };
  },
  weights: () => [],
  flops: ([x]) => perSample(x!.shape),
};
