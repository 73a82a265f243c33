import type { OpDef } from './types.ts';
import { featureSize, formatShape } from '../shape.ts';

/** Reshape the per-sample dimensions; the element count must be preserved. */
export const reshape: OpDef<'reshape'> = {
  infer([x], a) {
    const n = featureSize(x!.shape);
    const m = a.targetShape.reduce((p, d) => p * d, 1);
    if (n !== undefined && n !== m)
      return {
        code: 'MMF2003',
        message: `cannot reshape ${formatShape(x!.shape)} (${n} values per sample) to [batch, ${a.targetShape.join(', ')}] (${m} values)`,
        hint: 'The product of the new dimensions must equal the old one.',
        input: 0,
      };
    return { ...x!, shape: [x!.shape[0]!, ...a.targetShape] };
  },
  weights: () => [],
  flops: () => 0,
};
