/** The same train seed gives the same initial weights, dropout masks and therefore the same metrics. */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { runTraining, type DataSpec, type HeadSpec, type TrainSpec } from '../runtime/index.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'train');
const data: DataSpec = {
  dataset: { name: 'mails', source: { format: 'jsonl', path: 'spam.jsonl' }, split: { kind: 'random', train: 0.6, val: 0.2, test: 0.2, seed: 7 } },
  inputs: [{ name: 'text', kind: 'text', column: 'text', vocab: 40, maxLen: 8, lowercase: true, tokenizer: 'words' }],
  label: { name: 'spam', kind: 'binary', column: 'spam' },
};
const head: HeadSpec = { label: 'spam', kind: 'binary', units: 1, activation: 'sigmoid', loss: 'binaryCrossentropy' };

function build(): tf.LayersModel {
  const text = tf.input({ name: 'text', shape: [8], dtype: 'int32' });
  let x = tf.layers.embedding({ inputDim: 40, outputDim: 8 }).apply(text) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling1d().apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.3 }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: text, outputs: out });
}

async function trainOnce(seed: number) {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'mmf-seed-'));
  const train: TrainSpec = { optimizer: { name: 'adam', lr: 0.05 }, epochs: 2, batchSize: 8, seed };
  const r = await runTraining({ modelName: 'Seeded', build, data, train, head, baseDir: FIXTURES, outDir, quiet: true });
  r.model.dispose();
  return JSON.parse(readFileSync(path.join(outDir, 'test-predictions.json'), 'utf8')).probabilities as number[];
}

describe('seeded training', () => {
  it('repeats exactly with the same seed and differs with another', async () => {
    const a = await trainOnce(11);
    const b = await trainOnce(11);
    const c = await trainOnce(12);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('restores Math.random afterwards', async () => {
    const before = Math.random;
    await trainOnce(5);
    expect(Math.random).toBe(before);
  });
});
