/**
 * mmf's custom tfjs-layers layers. Importing this module registers them with
 * `tf.serialization.registerClass`, so `tf.loadLayersModel` (and runtime/io `loadModel`) can rebuild
 * models that use them. Generated code constructs them as `new layers.WeightedSum({...})`.
 *
 *   WeightedSum         className 'MmfWeightedSum'         weighted_sum.ts
 *   MultiHeadAttention  className 'MmfMultiHeadAttention'  attention.ts
 */
import { WeightedSum } from './weighted_sum.ts';
import { MultiHeadAttention, type MultiHeadAttentionArgs } from './attention.ts';

export { WeightedSum, MultiHeadAttention, type MultiHeadAttentionArgs };

/** The custom layer classes by the name generated code uses (`layers.<Name>`). */
export const layers = { WeightedSum, MultiHeadAttention };

/** className → class, for tests and tools. */
export const CUSTOM_LAYER_CLASSES = {
  [WeightedSum.className]: WeightedSum,
  [MultiHeadAttention.className]: MultiHeadAttention,
} as const;
