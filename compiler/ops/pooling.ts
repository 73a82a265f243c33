import type { OpDef } from './types.ts';
import { needSequence } from './conv.ts';
import { perSample } from './types.ts';

/** Maximum over the time axis: [b, T, C] → [b, C]. */
export const global_max_pool1d: OpDef<'global_max_pool1d'> = {
  infer([x]) {
    return needSequence('global_max_pool', x!) ?? { shape: [x!.shape[0]!, x!.shape[2]!], dtype: 'float32' };
  },
  weights: () => [],
  flops: ([x]) => perSample(x!.shape),
};

/** Mean over the time axis: [b, T, C] → [b, C]. */
export const global_avg_pool1d: OpDef<'global_avg_pool1d'> = {
  infer([x]) {
    return needSequence('global_avg_pool', x!) ?? { shape: [x!.shape[0]!, x!.shape[2]!], dtype: 'float32' };
  },
  weights: () => [],
  flops: ([x]) => perSample(x!.shape),
};
