/**
 * mmf's custom tfjs-layers layers. Importing this module registers them with
 * `tf.serialization.registerClass`, so `tf.loadLayersModel` (and runtime/io `loadModel`) can rebuild
 * models that use them. Generated code constructs them as `new layers.WeightedSum({...})`.
 *
 *   WeightedSum         className 'MmfWeightedSum'         weighted_sum.ts
 *   MultiHeadAttention  className 'MmfMultiHeadAttention'  attention.ts
 *   GRU (resetAfter)    className 'MmfGRU' / 'MmfGRUCell'  gru.ts   (tfjs-layers' GRU rejects resetAfter)
 */
import { WeightedSum } from './weighted_sum.ts';
import { MultiHeadAttention, type MultiHeadAttentionArgs } from './attention.ts';
import { GRU, GRUCell, type GRUArgs } from './gru.ts';

export { WeightedSum, MultiHeadAttention, GRU, GRUCell, type MultiHeadAttentionArgs, type GRUArgs };

/** The custom layer classes by the name generated code uses (`layers.<Name>`). */
export const layers = { WeightedSum, MultiHeadAttention, GRU };

/** className → class, for tests and tools. */
export const CUSTOM_LAYER_CLASSES = {
  [WeightedSum.className]: WeightedSum,
  [MultiHeadAttention.className]: MultiHeadAttention,
  [GRU.className]: GRU,
  [GRUCell.className]: GRUCell,
} as const;
