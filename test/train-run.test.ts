/**
 * runTraining end to end on a 60-row JSONL fixture with a hand-written 2-input model (no generated code):
 * files written and their fields, metrics consistent with the saved predictions, flat tensor count,
 * early stopping, non-finite loss detection, and reloading for predict/evaluate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import {
  accuracy,
  binaryScores,
  evaluateModel,
  initBackend,
  NonFiniteLossError,
  predictTfjs,
  rocAuc,
  runTraining,
  TrainedModel,
  type DataSpec,
  type EpochRecord,
  type HeadSpec,
  type TrainSpec,
} from '../runtime/index.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'train');
const VOCAB = 40;
const MAX_LEN = 8;

const data: DataSpec = {
  dataset: { name: 'mails', source: { format: 'jsonl', path: 'spam.jsonl' }, split: { kind: 'random', train: 0.6, val: 0.2, test: 0.2, seed: 7 } },
  inputs: [
    { name: 'text', kind: 'text', column: 'text', vocab: VOCAB, maxLen: MAX_LEN, lowercase: true, tokenizer: 'words' },
    { name: 'meta', kind: 'tabular', columns: ['links', 'caps'], normalize: 'zscore', impute: 'mean' },
  ],
  label: { name: 'spam', kind: 'binary', column: 'spam' },
};

const head: HeadSpec = { label: 'spam', kind: 'binary', units: 1, activation: 'sigmoid', loss: 'binaryCrossentropy' };

function trainSpec(over: Partial<TrainSpec> = {}): TrainSpec {
  return { optimizer: { name: 'adam', lr: 0.05 }, epochs: 2, batchSize: 8, seed: 3, ...over };
}

/** text tokens → embedding → global average pooling; tabular → dense; concatenated → dense sigmoid. */
function buildTiny(extra?: (x: tf.SymbolicTensor) => tf.SymbolicTensor): tf.LayersModel {
  const text = tf.input({ name: 'text', shape: [MAX_LEN], dtype: 'int32' });
  const meta = tf.input({ name: 'meta', shape: [2] });
  const e = tf.layers.embedding({ inputDim: VOCAB, outputDim: 8 }).apply(text) as tf.SymbolicTensor;
  const p = tf.layers.globalAveragePooling1d().apply(e) as tf.SymbolicTensor;
  const d = tf.layers.dense({ units: 4, activation: 'relu' }).apply(meta) as tf.SymbolicTensor;
  let c = tf.layers.concatenate().apply([p, d]) as tf.SymbolicTensor;
  if (extra) c = extra(c);
  const out = tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(c) as tf.SymbolicTensor;
  return tf.model({ name: 'Tiny', inputs: [text, meta], outputs: out });
}

/** Multiplies by NaN from its `after`-th training call on. */
class NanAfter extends tf.layers.Layer {
  static className = 'TestRunNanAfter';
  calls = 0;
  constructor(private readonly after: number) {
    super({});
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs.training) this.calls++;
    return kwargs.training && this.calls >= this.after ? tf.mul(x, NaN) : tf.clone(x);
  }
}

const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
/** test-predictions.json of the full end-to-end run. */
const result0Predictions = () => path.join(tmpRoot, 'tiny', 'test-predictions.json');
const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'mmf-train-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('runTraining end to end', () => {
  const outDir = path.join(tmpRoot, 'tiny');
  let result: Awaited<ReturnType<typeof runTraining>>;
  const tensorsAtEpochEnd: number[] = [];

  beforeAll(async () => {
    result = await runTraining({
      modelName: 'Tiny',
      build: () => buildTiny(),
      data,
      train: trainSpec(),
      head,
      baseDir: FIXTURES,
      outDir,
      quiet: true,
      onEpochEnd: (r: EpochRecord) => {
        tensorsAtEpochEnd.push(tf.memory().numTensors);
      },
    });
  });
  afterAll(() => result?.model.dispose());

  it('writes every file, atomically (no temporary files left)', () => {
    expect(readdirSync(outDir).sort()).toEqual(['confusion.svg', 'curves.svg', 'log.jsonl', 'metrics.json', 'model.json', 'preprocess.json', 'report.html', 'test-predictions.json', 'weights.bin']);
    for (const f of Object.values(result.files)) expect(existsSync(f)).toBe(true);
  });

  it('keeps the tensor count flat across epochs', () => {
    expect(tensorsAtEpochEnd).toHaveLength(2);
    expect(tensorsAtEpochEnd[1]).toBe(tensorsAtEpochEnd[0]);
    expect(result.history.map((h) => h.numTensors)).toEqual(tensorsAtEpochEnd);
  });

  it('metrics.json: test metrics in [0, 1], history, backend, timings, sample counts', () => {
    const m = readJson(result.files.metrics);
    expect(m.modelName).toBe('Tiny');
    expect(m.kind).toBe('binary');
    expect(m.samples).toEqual({ train: 36, val: 12, test: 12 });
    expect(m.samples).toEqual(result.samples);
    expect(m.epochsRun).toBe(2);
    expect(m.bestEpoch).toBe(2);
    expect(m.stoppedEarly).toBe(false);
    expect(m.history).toHaveLength(2);
    expect(m.backend).toBe(tf.getBackend());
    expect(typeof m.tfjsVersion).toBe('string');
    expect(m.parameters).toBe(VOCAB * 8 + (2 * 4 + 4) + (12 + 1));
    for (const k of ['data', 'train', 'evaluate', 'save', 'total']) expect(m.timings[k]).toBeGreaterThanOrEqual(0);
    expect(m.timings.epochs).toHaveLength(2);
    for (const k of ['accuracy', 'precision', 'recall', 'f1', 'rocAuc'] as const) {
      expect(m.test[k]).toBeGreaterThanOrEqual(0);
      expect(m.test[k]).toBeLessThanOrEqual(1);
    }
    expect(m.test.samples).toBe(12);
    expect(Number.isFinite(m.test.logLoss)).toBe(true);
    expect(m.test.confusionMatrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(12);
    expect(m.train).toEqual(trainSpec());
    for (const h of m.history) {
      expect(Number.isFinite(h.loss) && Number.isFinite(h.val_loss)).toBe(true);
      expect(h.batches).toBe(5); // 36 rows / 8
      expect(h.samples).toBe(36);
    }
    expect(m.test).toEqual(JSON.parse(JSON.stringify(result.test)));
  });

  it('log.jsonl holds one line per epoch, equal to the history', () => {
    const lines = readFileSync(result.files.log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual(JSON.parse(JSON.stringify(result.history)));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2]);
  });

  it('test-predictions.json agrees exactly with the reported metrics', () => {
    const p = readJson(result.files.testPredictions);
    const m = readJson(result.files.metrics);
    expect(p.kind).toBe('binary');
    expect(p.threshold).toBe(0.5);
    expect(p.classes).toEqual(['0', '1']);
    expect(p.keys).toHaveLength(12);
    expect(p.keys.every((k: string) => /^m\d{3}$/.test(k))).toBe(true);
    expect(p.probabilities).toHaveLength(12);
    const labels: number[] = p.labels;
    const preds = p.probabilities.map((q: number) => (q > 0.5 ? 1 : 0));
    expect(p.predictions).toEqual(preds);
    expect(accuracy(labels, preds)).toBe(m.test.accuracy);
    const s = binaryScores(labels, preds);
    expect([s.precision, s.recall, s.f1]).toEqual([m.test.precision, m.test.recall, m.test.f1]);
    expect(rocAuc(labels, p.probabilities)).toBe(m.test.rocAuc);
    // labels are the fixture's: spam = 1 exactly for ids divisible by 3
    for (let i = 0; i < labels.length; i++) expect(labels[i]).toBe(Number(p.keys[i].slice(1)) % 3 === 0 ? 1 : 0);
  });

  it('preprocess.json holds the spec, the fitted state, the input order and the head', () => {
    const pp = readJson(result.files.preprocess);
    expect(pp.format).toBe('mmf-preprocess');
    expect(pp.version).toBe(1);
    expect(pp.modelName).toBe('Tiny');
    expect(pp.inputs).toEqual([
      { name: 'text', layer: 'text', dtype: 'int32', shape: [MAX_LEN] },
      { name: 'meta', layer: 'meta', dtype: 'float32', shape: [2] },
    ]);
    expect(pp.head).toEqual(head);
    expect(pp.data).toEqual(data);
    expect(pp.state.inputs.text.kind).toBe('text');
    expect(pp.state.inputs.meta.columns.map((c: { name: string }) => c.name)).toEqual(['links', 'caps']);
  });

  it('predictTfjs on raw rows reproduces the saved test probabilities', async () => {
    const p = readJson(result.files.testPredictions);
    const byId = new Map(
      readFileSync(path.join(FIXTURES, 'spam.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((r) => [r.id, r]),
    );
    const rows = p.keys.map((k: string) => {
      const { spam: _drop, ...rest } = byId.get(k);
      return rest;
    });
    const before = tf.memory().numTensors;
    const out = await predictTfjs(outDir, rows);
    expect(tf.memory().numTensors).toBe(before);
    expect(out.keys).toEqual(p.keys);
    expect(out.kind).toBe('binary');
    const diff = Math.max(...Array.from(out.probabilities, (q, i) => Math.abs(q - p.probabilities[i])));
    expect(diff).toBeLessThan(1e-6);
    expect(Array.from(out.predictions)).toEqual(p.predictions);
  });

  it('evaluateModel reloads and scores the test split the same way', async () => {
    const m = readJson(result.files.metrics);
    const ev = await evaluateModel(outDir, undefined, { baseDir: FIXTURES });
    expect(ev.split).toBe('test');
    expect(ev.report.accuracy).toBe(m.test.accuracy);
    expect(ev.report.confusionMatrix).toEqual(m.test.confusionMatrix);
    expect(ev.report.rocAuc).toBeCloseTo(m.test.rocAuc, 9);
    const tm = await TrainedModel.load(outDir);
    const val = await tm.evaluate(undefined, { baseDir: FIXTURES, split: 'val' });
    expect(val.report.samples).toBe(12);
    tm.dispose();
  });
});

describe('runTraining stops', () => {
  it('early: patience 1 with lr 0 (val loss never improves) stops after epoch 2 and keeps epoch 1', async () => {
    const outDir = path.join(tmpRoot, 'early');
    const r = await runTraining({
      modelName: 'Tiny',
      build: () => buildTiny(),
      data,
      train: trainSpec({ optimizer: { name: 'adam', lr: 0 }, epochs: 6, earlyStop: { monitor: 'val_loss', patience: 1 } }),
      head,
      baseDir: FIXTURES,
      outDir,
      quiet: true,
    });
    r.model.dispose();
    expect(r.epochsRun).toBe(2);
    expect(r.stoppedEarly).toBe(true);
    expect(r.bestEpoch).toBe(1);
    const m = readJson(r.files.metrics);
    expect([m.epochsRun, m.bestEpoch, m.stoppedEarly]).toEqual([2, 1, true]);
    expect(readFileSync(r.files.log, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('on a non-finite loss, with an error naming epoch and batch, writing no results', async () => {
    const outDir = path.join(tmpRoot, 'nan');
    const before = tf.memory().numTensors;
    const nan = new NanAfter(7); // 5 batches per epoch: the 7th step is epoch 2, batch 2
    const err = await runTraining({
      modelName: 'Tiny',
      build: () => buildTiny((x) => nan.apply(x) as tf.SymbolicTensor),
      data,
      train: trainSpec({ epochs: 3 }),
      head,
      baseDir: FIXTURES,
      outDir,
      quiet: true,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect(String((err as Error).message)).toMatch(/became NaN.* at epoch 2, batch 2 of 5/);
    expect(existsSync(path.join(outDir, 'metrics.json'))).toBe(false);
    expect(existsSync(path.join(outDir, 'model.json'))).toBe(false);
    expect(readFileSync(path.join(outDir, 'log.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with a clear message for a model input the data lacks', async () => {
    const build = () => {
      const x = tf.input({ name: 'subject', shape: [2] });
      return tf.model({ inputs: x, outputs: tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(x) as tf.SymbolicTensor });
    };
    const before = tf.memory().numTensors;
    await expect(
      runTraining({ modelName: 'Bad', build, data, train: trainSpec(), head, baseDir: FIXTURES, outDir: path.join(tmpRoot, 'bad'), quiet: true }),
    ).rejects.toThrow(/model input 'subject' has no data: the data provides 'text', 'meta'/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('maxRows keeps a seeded sample of each split, in file order', async () => {
    const r = await runTraining({
      modelName: 'Tiny',
      build: () => buildTiny(),
      data,
      train: trainSpec({ epochs: 1 }),
      head,
      baseDir: FIXTURES,
      outDir: path.join(tmpRoot, 'small'),
      quiet: true,
      maxRows: 10,
    });
    r.model.dispose();
    expect(r.samples).toEqual({ train: 10, val: 10, test: 10 });
    expect(r.history[0].batches).toBe(2);
    const keys: string[] = readJson(r.files.testPredictions).keys;
    const full: string[] = readJson(result0Predictions()).keys;
    expect(keys.every((k) => full.includes(k))).toBe(true);
    expect(keys.map((k) => full.indexOf(k))).toEqual(keys.map((k) => full.indexOf(k)).sort((a, b) => a - b));
    expect(keys).not.toEqual(full.slice(0, 10));
  });
});
