import type { OpDef } from './types.ts';
import { formatType } from '../shape.ts';

/** Embedding lookup: [b, T] int32 → [b, T, outputDim]. Ids ≥ inputDim are an error at run time. */
export const embedding: OpDef<'embedding'> = {
  infer([x], a) {
    if (x!.dtype !== 'int32')
      return {
        code: 'MMF2005',
        message: `embedding expects integer token ids, but its input is ${formatType(x!)}`,
        hint: 'Feed embedding a text or categorical input; use dense for numeric features.',
        input: 0,
      };
    return { shape: [...x!.shape, a.outputDim], dtype: 'float32' };
  },
  weights: (_i, a) => [{ name: 'embeddings', shape: [a.inputDim, a.outputDim] }],
  flops: () => 0,
};
