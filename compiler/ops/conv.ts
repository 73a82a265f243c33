import type { OpDef, OpError } from './types.ts';
import { convOutputLength, formatType } from '../shape.ts';
import type { TensorType } from '../shape.ts';

/** Rank check shared by sequence ops: they need [batch, time, channels]. */
export function needSequence(op: string, x: TensorType): OpError | undefined {
  if (x.shape.length === 3 && x.dtype === 'float32') return undefined;
  if (x.dtype === 'int32' && x.shape.length === 2)
    return {
      code: 'MMF2005',
      message: `${op} expects float features [batch, time, channels], but its input is token ids ${formatType(x)}`,
      hint: `Add an embedding first: -> embedding(64) -> ${op}(...)`,
      input: 0,
    };
  return {
    code: 'MMF2001',
    message: `${op} expects a sequence of rank 3 [batch, time, channels], but its input has rank ${x.shape.length}: ${formatType(x)}`,
    hint:
      x.shape.length === 2
        ? `${op} needs a time axis. Apply it before pooling, or feed it a text input after an embedding.`
        : `Reshape or pool the input to [batch, time, channels] first.`,
    input: 0,
  };
}

/**
 * 1-D convolution over time, NWC: [b, T, C] → [b, T', filters],
 * T' = floor((T − d(k−1) − 1)/s) + 1 (valid) or ceil(T/s) (same).
 */
export const conv1d: OpDef<'conv1d'> = {
  infer([x], a) {
    const bad = needSequence('conv1d', x!);
    if (bad) return bad;
    const t = convOutputLength(x!.shape[1]!, a.kernelSize, a.strides, a.padding, a.dilation);
    if (typeof t === 'number' && t < 1)
      return {
        code: 'MMF2006',
        message: `conv1d with kernel ${a.kernelSize}${a.dilation > 1 ? ` and dilation ${a.dilation}` : ''} does not fit a sequence of length ${x!.shape[1]} (${formatType(x!)}): the output would have length ${t}`,
        hint: `Use padding same, a smaller kernel, or a longer max_len.`,
        input: 0,
      };
    return { shape: [x!.shape[0]!, t, a.filters], dtype: 'float32' };
  },
  weights([x], a) {
    const c = x!.shape[2] as number;
    return a.useBias
      ? [{ name: 'kernel', shape: [a.kernelSize, c, a.filters] }, { name: 'bias', shape: [a.filters] }]
      : [{ name: 'kernel', shape: [a.kernelSize, c, a.filters] }];
  },
  flops([x], a, out) {
    const t = typeof out.shape[1] === 'number' ? out.shape[1] : 1;
    return 2 * t * a.kernelSize * (x!.shape[2] as number) * a.filters;
  },
};
