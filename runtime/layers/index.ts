/**
 * mmf's custom tfjs-layers layers. Importing this module registers them with
 * `tf.serialization.registerClass`, so `tf.loadLayersModel` (and runtime/io `loadModel`) can rebuild
 * models that use them. Generated code constructs them as `new layers.WeightedSum({...})`.
 *
 *   WeightedSum         className 'MmfWeightedSum'         weighted_sum.ts
 *   MultiHeadAttention  className 'MmfMultiHeadAttention'  attention.ts
 *   GRU (resetAfter)    className 'MmfGRU' / 'MmfGRUCell'  gru.ts   (tfjs-layers' GRU rejects resetAfter)
 *   GatedMultimodalUnit className 'MmfGMU'                 gmu.ts
 *   TensorFusion        className 'MmfTensorFusion'        tensor_fusion.ts
 *   LowRankFusion       className 'MmfLowRankFusion'       low_rank_fusion.ts
 *   FiLM                className 'MmfFiLM'                film.ts
 *   Bidirectional       className 'MmfBidirectional'       bidirectional.ts (tfjs' wrapper, built from JSON)
 *   PaddingMask         className 'MmfPaddingMask'         padding_mask.ts (attention masks from token ids)
 *   Positions           className 'MmfPositions'           padding_mask.ts (learned / sinusoidal positions)
 */
import { WeightedSum } from './weighted_sum.ts';
import { MultiHeadAttention, type MultiHeadAttentionArgs } from './attention.ts';
import { GRU, GRUCell, type GRUArgs } from './gru.ts';
import { GatedMultimodalUnit, type GatedMultimodalUnitArgs } from './gmu.ts';
import { TensorFusion } from './tensor_fusion.ts';
import { LowRankFusion, type LowRankFusionArgs } from './low_rank_fusion.ts';
import { FiLM } from './film.ts';
import { Bidirectional, type BidirectionalArgs } from './bidirectional.ts';
import { PaddingMask, Positions, type PaddingMaskArgs, type PositionsArgs } from './padding_mask.ts';

export { WeightedSum, MultiHeadAttention, GRU, GRUCell, type MultiHeadAttentionArgs, type GRUArgs };
export { GatedMultimodalUnit, TensorFusion, LowRankFusion, FiLM, Bidirectional };
export type { GatedMultimodalUnitArgs, LowRankFusionArgs, BidirectionalArgs };
export { PaddingMask, Positions, type PaddingMaskArgs, type PositionsArgs };

/** The custom layer classes by the name generated code uses (`layers.<Name>`). */
export const layers = { WeightedSum, MultiHeadAttention, GRU, GatedMultimodalUnit, TensorFusion, LowRankFusion, FiLM, Bidirectional, PaddingMask, Positions };

/** className → class, for tests and tools. */
export const CUSTOM_LAYER_CLASSES = {
  [WeightedSum.className]: WeightedSum,
  [MultiHeadAttention.className]: MultiHeadAttention,
  [GRU.className]: GRU,
  [GRUCell.className]: GRUCell,
  [GatedMultimodalUnit.className]: GatedMultimodalUnit,
  [TensorFusion.className]: TensorFusion,
  [LowRankFusion.className]: LowRankFusion,
  [FiLM.className]: FiLM,
  [Bidirectional.className]: Bidirectional,
  [PaddingMask.className]: PaddingMask,
  [Positions.className]: Positions,
} as const;
