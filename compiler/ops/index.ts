/** Registry of primitive ops: shape rule, weights and FLOPs, one module per family. */
import type { OpName } from '../ir.ts';
import type { OpDef } from './types.ts';
import { embedding } from './embedding.ts';
import { conv1d } from './conv.ts';
import { lstm, gru } from './recurrent.ts';
import { global_max_pool1d, global_avg_pool1d } from './pooling.ts';
import { dense, dropout, activation } from './dense.ts';
import { concat, weighted_sum } from './merge.ts';
import { mha } from './attention.ts';
import { reshape } from './reshape.ts';
import { conv2d, max_pool2d, avg_pool2d, global_max_pool2d, global_avg_pool2d } from './image.ts';
import { gmu, tensor_fusion, low_rank_fusion, film } from './fusion-advanced.ts';
import { bilstm, bigru } from './bidirectional.ts';
import { max_pool1d, avg_pool1d } from './pool1d.ts';
import { batch_norm, layer_norm } from './normalization.ts';
import { conv3d } from './video.ts';
import { add, positions, padding_mask } from './transformer.ts';
import { time_distributed } from './time-distributed.ts';

export const OPS: { [K in OpName]: OpDef<K> } = {
  embedding,
  conv1d,
  lstm,
  gru,
  global_max_pool1d,
  global_avg_pool1d,
  dense,
  dropout,
  activation,
  concat,
  weighted_sum,
  mha,
  reshape,
  conv2d,
  max_pool2d,
  avg_pool2d,
  global_max_pool2d,
  global_avg_pool2d,
  gmu,
  tensor_fusion,
  low_rank_fusion,
  film,
  bilstm,
  bigru,
  max_pool1d,
  avg_pool1d,
  batch_norm,
  layer_norm,
  conv3d,
  add,
  positions,
  padding_mask,
  time_distributed,
};

export type { OpDef, OpError } from './types.ts';
export { isOpError } from './types.ts';
