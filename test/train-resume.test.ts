/**
 * Checkpoints and resume, in process: a run interrupted after an epoch and resumed from its checkpoint ends with
 * exactly the weights, history and test predictions of the uninterrupted run (Adam moments, dropout masks,
 * early stopping and learning-rate schedule included); checkpoints that do not fit are refused.
 * The real `kill -9` through `mmfc train` is in train-kill.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { runTraining, type DataSpec, type HeadSpec, type TrainSpec } from '../runtime/index.ts';
import { CHECKPOINT_FILE, decodeCheckpoint, encodeCheckpoint, loadCheckpoint } from '../runtime/train/checkpoint.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'train');
const data: DataSpec = {
  dataset: { name: 'mails', source: { format: 'jsonl', path: 'spam.jsonl' }, split: { kind: 'random', train: 0.6, val: 0.2, test: 0.2, seed: 7 } },
  inputs: [
    { name: 'text', kind: 'text', column: 'text', vocab: 40, maxLen: 8, lowercase: true, tokenizer: 'words' },
    { name: 'nums', kind: 'tabular', columns: ['links', 'caps'], normalize: 'zscore', impute: 'mean' },
  ],
  label: { name: 'spam', kind: 'binary', column: 'spam' },
};
const head: HeadSpec = { label: 'spam', kind: 'binary', units: 1, activation: 'sigmoid', loss: 'binaryCrossentropy' };

function build(): tf.LayersModel {
  const text = tf.input({ name: 'text', shape: [8], dtype: 'int32' });
  const nums = tf.input({ name: 'nums', shape: [2] });
  let x = tf.layers.embedding({ inputDim: 40, outputDim: 8 }).apply(text) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling1d().apply(x) as tf.SymbolicTensor;
  x = tf.layers.concatenate().apply([x, nums]) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 8, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.3 }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: [text, nums], outputs: out });
}

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'mmf-resume-'));
const read = (dir: string, f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));

class Interrupt extends Error {}

async function full(train: TrainSpec) {
  const outDir = tmp();
  const r = await runTraining({ modelName: 'R', build, data, train, head, baseDir: FIXTURES, outDir, quiet: true });
  r.model.dispose();
  return outDir;
}

/** Train, stop (by throwing) once epoch `after` has been checkpointed, then resume in a fresh runTraining. */
async function interrupted(train: TrainSpec, after: number) {
  const outDir = tmp();
  const ck = path.join(outDir, 'ck');
  await expect(
    runTraining({
      modelName: 'R', build, data, train, head, baseDir: FIXTURES, outDir, quiet: true,
      checkpoint: { dir: ck },
      // Thrown before epoch after+1's checkpoint is written: the file holds epoch `after`.
      onEpochEnd: (r) => {
        if (r.epoch === after + 1) throw new Interrupt('stop');
      },
    }),
  ).rejects.toBeInstanceOf(Interrupt);
  const saved = await loadCheckpoint(ck);
  expect(saved!.epochsDone).toBe(after);
  const r = await runTraining({ modelName: 'R', build, data, train, head, baseDir: FIXTURES, outDir, quiet: true, checkpoint: { dir: ck, resume: true } });
  r.model.dispose();
  expect(r.resumedAfter).toBe(after);
  expect(existsSync(path.join(ck, CHECKPOINT_FILE))).toBe(false); // removed after success
  return outDir;
}

function sameRun(a: string, b: string) {
  const pa = read(a, 'test-predictions.json').probabilities as number[];
  const pb = read(b, 'test-predictions.json').probabilities as number[];
  expect(pb).toEqual(pa); // same backend, same state: bit for bit
  const ma = read(a, 'metrics.json');
  const mb = read(b, 'metrics.json');
  expect(mb.test).toEqual(ma.test);
  const strip = (h: { seconds: number; numTensors: number }[]) => h.map(({ seconds: _s, numTensors: _n, ...r }) => r);
  expect(strip(mb.history)).toEqual(strip(ma.history));
  const la = readFileSync(path.join(a, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const lb = readFileSync(path.join(b, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(strip(lb)).toEqual(strip(la));
}

describe('resume from a checkpoint', () => {
  it('Adam with dropout: interrupted after epoch 2 of 5, resumed, equals the uninterrupted run exactly', async () => {
    const train: TrainSpec = { optimizer: { name: 'adam', lr: 0.03 }, epochs: 5, batchSize: 8, seed: 3 };
    sameRun(await full(train), await interrupted(train, 2));
  }, 60_000);

  it('SGD with momentum, a step schedule and early stopping on val_loss', async () => {
    const train: TrainSpec = {
      optimizer: { name: 'sgd', lr: 0.2, momentum: 0.9 },
      epochs: 6,
      batchSize: 8,
      seed: 5,
      earlyStop: { monitor: 'val_loss', patience: 2 },
      lrSchedule: { kind: 'step', every: 2, factor: 0.5 },
    };
    const a = await full(train);
    sameRun(a, await interrupted(train, 1));
    expect(read(a, 'metrics.json').history.map((h: { lr: number }) => h.lr).slice(0, 4)).toEqual([0.2, 0.2, 0.1, 0.1]);
  }, 60_000);

  it.each([
    ['rmsprop with momentum', { name: 'rmsprop', lr: 0.01, momentum: 0.5 }],
    ['adagrad, cosine schedule', { name: 'adagrad', lr: 0.1 }],
  ] as const)('%s: resumed equals uninterrupted', async (_name, optimizer) => {
    const train: TrainSpec = { optimizer: { ...optimizer }, epochs: 4, batchSize: 8, seed: 9, ...(optimizer.name === 'adagrad' ? { lrSchedule: { kind: 'cosine', minLr: 0.01 } } : {}) };
    sameRun(await full(train), await interrupted(train, 2));
  }, 60_000);

  it('reduce_on_plateau: the schedule state (best, wait, current lr) survives the interruption', async () => {
    const train: TrainSpec = {
      optimizer: { name: 'adam', lr: 0.05 },
      epochs: 6,
      batchSize: 8,
      seed: 4,
      lrSchedule: { kind: 'reduce_on_plateau', monitor: 'val_accuracy', patience: 1, factor: 0.5, minLr: 0 },
    };
    const a = await full(train);
    const lrs = (read(a, 'metrics.json').history as { lr: number }[]).map((h) => h.lr);
    expect(lrs[0]).toBe(0.05);
    expect(Math.min(...lrs)).toBeLessThan(0.05); // the plateau rule did cut the rate in this run
    sameRun(a, await interrupted(train, 3));
  }, 60_000);

  it('a checkpoint is one verified file: flipping a byte is refused as corrupted', async () => {
    const outDir = tmp();
    const ck = path.join(outDir, 'ck');
    const train: TrainSpec = { optimizer: { name: 'adam', lr: 0.03 }, epochs: 2, batchSize: 8, seed: 3 };
    await expect(
      runTraining({ modelName: 'R', build, data, train, head, baseDir: FIXTURES, outDir, quiet: true, checkpoint: { dir: ck }, onEpochEnd: (r) => { if (r.epoch === 2) throw new Interrupt(); } }),
    ).rejects.toBeInstanceOf(Interrupt);
    const file = path.join(ck, CHECKPOINT_FILE);
    const bytes = readFileSync(file);
    const state = decodeCheckpoint(bytes, file);
    expect(state.epochsDone).toBe(1);
    expect(state.optimizer.iterations).toBe(state.history[0]!.batches);
    // Adam: first and second moment per trainable weight.
    expect(state.optimizer.slots.map((s) => s.name.replace(/.*\//, ''))).toEqual([...Array(5).fill('m'), ...Array(5).fill('v')].map((x) => x));
    expect(state.optimizer.accBeta1).toBeCloseTo(Math.pow(0.9, state.optimizer.iterations + 1), 6);
    expect(encodeCheckpoint(state).equals(bytes)).toBe(true);
    const bad = Buffer.from(bytes);
    bad[bad.length - 100] ^= 1;
    writeFileSync(file, bad);
    await expect(loadCheckpoint(ck)).rejects.toThrow(/is corrupted \(its SHA-256 does not match\)/);
  }, 60_000);

  it('refuses a checkpoint written for other settings', async () => {
    const outDir = tmp();
    const ck = path.join(outDir, 'ck');
    const train: TrainSpec = { optimizer: { name: 'adam', lr: 0.03 }, epochs: 3, batchSize: 8, seed: 3 };
    await expect(
      runTraining({ modelName: 'R', build, data, train, head, baseDir: FIXTURES, outDir, quiet: true, checkpoint: { dir: ck }, onEpochEnd: (r) => { if (r.epoch === 2) throw new Interrupt(); } }),
    ).rejects.toBeInstanceOf(Interrupt);
    await expect(
      runTraining({ modelName: 'R', build, data, train: { ...train, batchSize: 4 }, head, baseDir: FIXTURES, outDir, quiet: true, checkpoint: { dir: ck, resume: true } }),
    ).rejects.toThrow(/written for other data, model or train settings than this run has; train without --resume to start over/);
  }, 60_000);
});

describe('balanced class weights', () => {
  it('n / (k · n_c), as scikit-learn computes them', async () => {
    const { balancedClassWeights } = await import('../runtime/train/fit.ts');
    expect(balancedClassWeights([0, 0, 0, 1], 2)).toEqual([4 / 6, 2]);
    expect(balancedClassWeights([0, 2, 2, 2, 2, 0], 4)).toEqual([6 / 8, 0, 6 / 16, 0]);
    expect(() => balancedClassWeights([0, 5], 2)).toThrow(/label 5 of row 1/);
  });

  it('runTraining computes them from the training split and records them in metrics.json', async () => {
    const { loadData } = await import('../runtime/data/index.ts');
    const labels = loadData(data, FIXTURES).splits.train.labels;
    const n1 = labels.reduce((a, b) => a + b, 0);
    const n = labels.length;
    const outDir = await full({ optimizer: { name: 'adam', lr: 0.03 }, epochs: 1, batchSize: 8, seed: 3, balancedClassWeights: true });
    const w = read(outDir, 'metrics.json').train.classWeights as number[];
    expect(w[0]).toBeCloseTo(n / (2 * (n - n1)), 12);
    expect(w[1]).toBeCloseTo(n / (2 * n1), 12);
    await expect(full({ optimizer: { name: 'adam', lr: 0.03 }, epochs: 1, batchSize: 8, seed: 3, balancedClassWeights: true, classWeights: [1, 2] })).rejects.toThrow(/not both/);
  }, 60_000);
});

describe('arguments of a generated training program', () => {
  it('parses --checkpoint, --resume and --keep-checkpoint, and refuses what it does not know', async () => {
    const { parseTrainArgs } = await import('../runtime/cli-args.ts');
    expect(parseTrainArgs(['out/x', '--epochs', '3', '--checkpoint', 'ck', '--resume', '--keep-checkpoint'])).toEqual({
      outDir: 'out/x',
      epochs: 3,
      checkpoint: 'ck',
      resume: true,
      keepCheckpoint: true,
    });
    expect(parseTrainArgs([])).toEqual({});
    expect(() => parseTrainArgs(['--checkpoint'])).toThrow(/--checkpoint takes a folder/);
    expect(() => parseTrainArgs(['--checkpoint', '--resume'])).toThrow(/--checkpoint takes a folder/);
    expect(() => parseTrainArgs(['--resme'])).toThrow(/unknown option --resme; expected \[OUT_DIR\] \[--epochs N\] \[--max-rows N\] \[--checkpoint DIR\] \[--resume\] \[--keep-checkpoint\]/);
  });
});
