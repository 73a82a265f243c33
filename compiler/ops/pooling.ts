import type { OpDef, OpError } from './types.ts';
import { needSequence } from './conv.ts';
import { perSample } from './types.ts';
import { formatType, type TensorType } from '../shape.ts';

/**
 * The rank check of a 1-D global pool. The surface names `global_max_pool` / `global_avg_pool` also take images
 * (they pick the 2-D op for rank 4), so a float input of another rank gets a message naming both shapes they take.
 */
function needPoolable(surface: string, x: TensorType): OpError | undefined {
  const bad = needSequence(surface, x);
  if (!bad || bad.code !== 'MMF2001') return bad;
  // Only `global_…_pool1d` sends an image here.
  if (x.shape.length === 4) return { ...bad, hint: `That is an image: write ${surface} (or ${surface}2d), which pools over height and width.` };
  return {
    ...bad,
    message: `${surface} expects a sequence [batch, time, channels] or an image [batch, height, width, channels], but its input has rank ${x.shape.length}: ${formatType(x)}`,
    hint:
      x.shape.length === 2
        ? `Its input is already a vector: remove ${surface}, or apply it before the layer that removed the time axis.`
        : 'Reshape or pool the input to [batch, time, channels] first.',
  };
}

/** Maximum over the time axis: [b, T, C] → [b, C]. */
export const global_max_pool1d: OpDef<'global_max_pool1d'> = {
  infer([x]) {
    return needPoolable('global_max_pool', x!) ?? { shape: [x!.shape[0]!, x!.shape[2]!], dtype: 'float32' };
  },
  weights: () => [],
  flops: ([x]) => perSample(x!.shape),
};

/** Mean over the time axis: [b, T, C] → [b, C]. */
export const global_avg_pool1d: OpDef<'global_avg_pool1d'> = {
  infer([x]) {
    return needPoolable('global_avg_pool', x!) ?? { shape: [x!.shape[0]!, x!.shape[2]!], dtype: 'float32' };
  },
  weights: () => [],
  flops: ([x]) => perSample(x!.shape),
};
