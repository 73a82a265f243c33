/**
 * Pooling windows over time, NWC as tfjs: [b, T, C] → [b, T', C] with T' from TensorFlow's
 * `conv_output_length` (compiler/shape.ts `convOutputLength`, kernel = pool size, dilation 1).
 */
import type { OpDef } from './types.ts';
import { perSample } from './types.ts';
import { needSequence } from './conv.ts';
import { convOutputLength, formatType } from '../shape.ts';

function pool(surface: string): OpDef<'max_pool1d' | 'avg_pool1d'> {
  return {
    infer([x], a) {
      const bad = needSequence(surface, x!);
      if (bad) return bad;
      const t = convOutputLength(x!.shape[1]!, a.poolSize, a.strides, a.padding);
      if (typeof t === 'number' && t < 1)
        return {
          code: 'MMF2006',
          message: `${surface} with pool_size ${a.poolSize} does not fit a sequence of length ${x!.shape[1]} (${formatType(x!)}): the output would have length ${t}`,
          hint: `Use padding same or a pool_size of at most ${x!.shape[1]}.`,
          input: 0,
        };
      return { shape: [x!.shape[0]!, t, x!.shape[2]!], dtype: 'float32' };
    },
    weights: () => [],
    flops: ([x], a) => perSample(x!.shape) * Math.max(1, a.poolSize / a.strides),
  };
}

/** Maximum of each window of `poolSize` steps, every `strides` steps. */
export const max_pool1d = pool('max_pool1d') as OpDef<'max_pool1d'>;
/** Mean of each window; with `same` padding the padded steps are not counted (TensorFlow). */
export const avg_pool1d = pool('avg_pool1d') as OpDef<'avg_pool1d'>;
