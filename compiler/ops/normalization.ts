/**
 * Normalisation layers on the last (feature) axis, shape unchanged: batch normalisation (Ioffe & Szegedy 2015)
 * with moving statistics at inference, and layer normalisation (Ba, Kiros & Hinton 2016). tfjs-layers 4.x
 * `batchNormalization` / `layerNormalization` are the reference (epsilon 1e-3, as their default).
 */
import type { OpDef, OpError } from './types.ts';
import { perSample } from './types.ts';
import { formatType, type TensorType } from '../shape.ts';

function needFeatures(surface: string, x: TensorType): OpError | undefined {
  if (x.dtype !== 'float32')
    return {
      code: 'MMF2005',
      message: `${surface} normalises float features, but its input is integer ids ${formatType(x)}`,
      hint: 'Add an embedding first.',
      input: 0,
    };
  if (x.shape.length < 2 || typeof x.shape[x.shape.length - 1] !== 'number')
    return {
      code: 'MMF2001',
      message: `${surface} needs a known feature width on the last axis, but its input is ${formatType(x)}`,
      hint: 'Pool or project the input first (-> dense(64)).',
      input: 0,
    };
  return undefined;
}

const channels = (x: TensorType): number => x.shape[x.shape.length - 1] as number;

/** Shape unchanged. Weights gamma, beta, moving_mean, moving_variance, [C] each (4C, of which 2C trained). */
export const batch_norm: OpDef<'batch_norm'> = {
  infer: ([x]) => needFeatures('batch_norm', x!) ?? x!,
  weights: ([x]) => ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((name) => ({ name, shape: [channels(x!)] })),
  flops: ([x]) => 2 * perSample(x!.shape),
};

/** Shape unchanged. Weights gamma, beta, [C] each. */
export const layer_norm: OpDef<'layer_norm'> = {
  infer: ([x]) => needFeatures('layer_norm', x!) ?? x!,
  weights: ([x]) => ['gamma', 'beta'].map((name) => ({ name, shape: [channels(x!)] })),
  flops: ([x]) => 8 * perSample(x!.shape),
};
