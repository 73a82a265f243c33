/**
 * fitModel's per-sample loss weights (boosting's sample weights): the training loss is mean(w_i · loss_i), they
 * multiply class weights, and bad weights are refused with a message.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../runtime/backend.ts';
import type { SplitData } from '../runtime/data/index.ts';
import { fitModel } from '../runtime/train/fit.ts';
import { TrainingProgress } from '../runtime/train/progress.ts';
import type { HeadSpec, TrainSpec } from '../runtime/train/types.ts';
import { withSeededRandom } from '../runtime/train/seed.ts';

const N = 12;
const head: HeadSpec = { label: 'y', kind: 'binary', units: 1, activation: 'sigmoid', loss: 'binaryCrossentropy' };

function split(): SplitData {
  const x = Float32Array.from({ length: N * 2 }, (_, i) => Math.sin(i + 1));
  const labels = Int32Array.from({ length: N }, (_, i) => (x[2 * i]! > 0 ? 1 : 0));
  return { size: N, inputs: { x: { data: x, shape: [N, 2], dtype: 'float32' } }, labels, keys: Array.from({ length: N }, (_, i) => `r${i}`) } as unknown as SplitData;
}

/** A fixed model (seeded init), trained one epoch in one batch with lr 0: the epoch loss is the weighted loss at the initial weights. */
async function epochLoss(opts: { sampleWeights?: number[]; classWeights?: number[] }): Promise<number> {
  return withSeededRandom(3, async () => {
    const inp = tf.input({ name: 'x', shape: [2] });
    const out = tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(inp) as tf.SymbolicTensor;
    const model = tf.model({ inputs: inp, outputs: out });
    const train: TrainSpec = { optimizer: { name: 'sgd', lr: 0 }, epochs: 1, batchSize: N, seed: 1, ...(opts.classWeights ? { classWeights: opts.classWeights } : {}) };
    model.compile({ optimizer: tf.train.sgd(0), loss: 'binaryCrossentropy' });
    const r = await fitModel(model, { train: split(), val: { ...split(), size: 0 } as SplitData }, {
      train,
      head,
      progress: new TrainingProgress(1, true),
      ...(opts.sampleWeights ? { sampleWeights: opts.sampleWeights } : {}),
    });
    model.dispose();
    return r.history[0]!.loss;
  });
}

describe('fitModel sample weights', () => {
  beforeAll(async () => {
    await initBackend({ quiet: true });
  });

  it('scale the loss row by row: mean(w_i · loss_i)', async () => {
    const plain = await epochLoss({});
    expect(await epochLoss({ sampleWeights: new Array(N).fill(2) })).toBeCloseTo(2 * plain, 5);
    // all weight on the rows of one class equals class weights [0, 2] (labels are fixed by the data)
    const labels = split().labels;
    const onPositives = Array.from(labels, (y) => (y === 1 ? 2 : 0));
    expect(await epochLoss({ sampleWeights: onPositives })).toBeCloseTo(await epochLoss({ classWeights: [0, 2] }), 5);
    // and they multiply class weights
    expect(await epochLoss({ sampleWeights: new Array(N).fill(0.5), classWeights: [0, 2] })).toBeCloseTo(0.5 * (await epochLoss({ classWeights: [0, 2] })), 5);
  });

  it('refuses a wrong count or a negative weight', async () => {
    await expect(epochLoss({ sampleWeights: [1, 2] })).rejects.toThrow(`sampleWeights has 2 entries for ${N} training rows`);
    await expect(epochLoss({ sampleWeights: [-1, ...new Array(N - 1).fill(1)] })).rejects.toThrow('sampleWeights[0] is -1; sample weights must be finite and ≥ 0');
  });
});
