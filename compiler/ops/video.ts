/**
 * Ops on videos [b, F, H, W, C] (frames, then NHWC; compiler/modalities.ts `video`): conv3d, a 3-D convolution over
 * frames, height and width (tf.layers.conv3d, channels last; ONNX Conv on NCDHW). Output sizes follow TensorFlow's
 * `conv_utils.conv_output_length` per axis (compiler/shape.ts `convOutputLength`), without dilation.
 */
import type { OpDef } from './types.ts';
import { convOutputLength, formatType } from '../shape.ts';
import type { Dim } from '../shape.ts';

const AXES = ['frames', 'height', 'width'] as const;

/**
 * [b, F, H, W, C] → [b, F', H', W', filters]; per axis n' = ⌊(n − k)/s⌋ + 1 (valid) or ⌈n/s⌉ (same).
 * Weights kernel [kf, kh, kw, C, filters] and bias [filters] (tfjs layout).
 */
export const conv3d: OpDef<'conv3d'> = {
  infer([x], a) {
    const t = x!;
    if (t.dtype === 'int32')
      return {
        code: 'MMF2005',
        message: `conv3d expects float frames [batch, frames, height, width, channels], but its input is integer ids ${formatType(t)}`,
        hint: 'Feed it a video input (input NAME: video(frames F, height H, width W, channels C)).',
        input: 0,
      };
    if (t.shape.length !== 5 || typeof t.shape[4] !== 'number')
      return {
        code: 'MMF2001',
        message: `conv3d expects a video of rank 5 [batch, frames, height, width, channels] with known channels, but its input is ${formatType(t)}`,
        hint: t.shape.length === 4 ? 'That is an image: use conv2d.' : t.shape.length === 3 ? 'That is a sequence: use conv1d.' : 'Feed conv3d a video input.',
        input: 0,
      };
    const out: Dim[] = [];
    for (let i = 0; i < 3; i++) {
      const n = convOutputLength(t.shape[i + 1]!, a.kernelSize[i]!, a.strides[i]!, a.padding);
      if (typeof n === 'number' && n < 1)
        return {
          code: 'MMF2006',
          message: `conv3d with kernel ${a.kernelSize.join('×')} does not fit ${AXES[i]} ${t.shape[i + 1]} of ${formatType(t)} with padding valid`,
          hint: `Use padding same, or a kernel of at most ${t.shape[i + 1]} ${AXES[i]}.`,
          input: 0,
        };
      out.push(n);
    }
    return { shape: [t.shape[0]!, ...out, a.filters], dtype: 'float32' };
  },
  weights([x], a) {
    const kernel = { name: 'kernel', shape: [...a.kernelSize, x!.shape[4] as number, a.filters] };
    return a.useBias ? [kernel, { name: 'bias', shape: [a.filters] }] : [kernel];
  },
  flops([x], a, out) {
    const cells = out.shape.slice(1, 4).reduce<number>((p, d) => p * (typeof d === 'number' ? d : 1), 1);
    return 2 * cells * a.kernelSize[0] * a.kernelSize[1] * a.kernelSize[2] * (x!.shape[4] as number) * a.filters;
  },
};
