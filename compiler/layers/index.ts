/** The registry of every name a pipeline step may call. */
import type { LayerDef } from './types.ts';
import { conv1d, embedding, globalAvgPool, globalAvgPool1d, globalMaxPool, globalMaxPool1d, gru, lstm } from './sequence.ts';
import { avgPool2d, conv2d, globalAvgPool2d, globalMaxPool2d, maxPool2d } from './image.ts';
import { activation, activationShorthands, dense, dropout, flatten, mlp } from './dense.ts';
import { attention, concat, weightedSum } from './fusion.ts';
import { classifier } from './heads.ts';
import { film, gmu, lowRankFusion, tensorFusion } from './fusion-advanced.ts';
import { avgPool1d, batchNorm, layerNorm, maxPool1d } from './normalization.ts';
import { regression } from './regression.ts';
import { conv3d } from './video.ts';
import { add, reshape, transformer } from './transformer.ts';
import { residual } from './residual.ts';
import { timeDistributed } from './time-distributed.ts';
import { heads } from './multitask.ts';

export const LAYERS: readonly LayerDef[] = [
  embedding,
  conv1d,
  lstm,
  gru,
  globalMaxPool,
  globalAvgPool,
  globalMaxPool1d,
  globalAvgPool1d,
  conv2d,
  maxPool2d,
  avgPool2d,
  globalMaxPool2d,
  globalAvgPool2d,
  dense,
  mlp,
  dropout,
  activation,
  ...activationShorthands,
  flatten,
  concat,
  weightedSum,
  attention,
  classifier,
  gmu,
  tensorFusion,
  lowRankFusion,
  film,
  maxPool1d,
  avgPool1d,
  batchNorm,
  layerNorm,
  regression,
  conv3d,
  transformer,
  add,
  reshape,
  residual,
  timeDistributed,
  heads,
];

const BY_NAME = new Map<string, LayerDef>();
for (const l of LAYERS) for (const n of [l.name, ...(l.aliases ?? [])]) BY_NAME.set(n, l);

/** Look up a layer, fusion operator or head by name or alias. */
export function findLayer(name: string): LayerDef | undefined {
  return BY_NAME.get(name);
}

/** Every callable name (for completion and did-you-mean). */
export function layerNames(): string[] {
  return [...BY_NAME.keys()];
}

export type { LayerDef, Ref, ExpandCtx, NestedHooks } from './types.ts';
