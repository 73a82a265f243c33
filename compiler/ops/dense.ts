import type { OpDef } from './types.ts';
import { formatType } from '../shape.ts';
import { perSample } from './types.ts';

/** Fully connected on the last axis: [..., C] → [..., units]; y = act(x·kernel + bias). */
export const dense: OpDef<'dense'> = {
  infer([x], a) {
    if (x!.dtype === 'int32')
      return {
        code: 'MMF2005',
        message: `dense expects float features, but its input is integer ids ${formatType(x!)}`,
        hint: 'Add an embedding before dense for text or categorical inputs.',
        input: 0,
      };
    if (x!.shape.length < 2 || typeof x!.shape[x!.shape.length - 1] !== 'number')
      return {
        code: 'MMF2001',
        message: `dense needs a known feature width on the last axis, but its input is ${formatType(x!)}`,
        hint: 'Pool or flatten the input first.',
        input: 0,
      };
    return { shape: [...x!.shape.slice(0, -1), a.units], dtype: 'float32' };
  },
  weights([x], a) {
    const c = x!.shape[x!.shape.length - 1] as number;
    return a.useBias
      ? [{ name: 'kernel', shape: [c, a.units] }, { name: 'bias', shape: [a.units] }]
      : [{ name: 'kernel', shape: [c, a.units] }];
  },
  flops([x], a) {
    const c = x!.shape[x!.shape.length - 1] as number;
    return 2 * (perSample(x!.shape) / c) * c * a.units;
  },
};

/** Identity at inference. */
export const dropout: OpDef<'dropout'> = {
  infer: ([x]) => x!,
  weights: () => [],
  flops: () => 0,
};

/** Element-wise activation; softmax normalises the last axis. */
export const activation: OpDef<'activation'> = {
  infer([x]) {
    if (x!.dtype === 'int32')
      return {
        code: 'MMF2005',
        message: `an activation expects float values, but its input is integer ids ${formatType(x!)}`,
        hint: 'Add an embedding first.',
        input: 0,
      };
    return x!;
  },
  weights: () => [],
  flops: ([x]) => perSample(x!.shape),
};
