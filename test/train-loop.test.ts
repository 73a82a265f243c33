/**
 * The training loop on hand-built typed-array splits (no data loading): tensor counts, early stopping,
 * non-finite loss detection, class weights, batch building.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../runtime/backend.ts';
import type { SplitData } from '../runtime/data/index.ts';
import { batchInputs, batchTargets, bindInputs, gatherRows } from '../runtime/train/batch.ts';
import { epochSeed, fitModel, makeOptimizer, validateTrainSpec } from '../runtime/train/fit.ts';
import { TrainingProgress } from '../runtime/train/progress.ts';
import { NonFiniteLossError, type HeadSpec, type TrainSpec } from '../runtime/train/types.ts';

const T = 6;
const VOCAB = 20;

/** n rows: tokens [n, T] int32, meta [n, 2] float32, label = meta[0] > 0. Deterministic. */
function makeSplit(n: number, seed: number): SplitData {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const tokens = new Int32Array(n * T);
  const meta = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    meta[2 * i] = rnd() * 2 - 1;
    meta[2 * i + 1] = rnd() * 2 - 1;
    labels[i] = meta[2 * i] > 0 ? 1 : 0;
    for (let t = 0; t < T; t++) tokens[i * T + t] = 2 + Math.floor(rnd() * (VOCAB - 2)) - (labels[i] && t === 0 ? 1 : 0);
  }
  return {
    size: n,
    inputs: {
      text: { data: tokens, shape: [n, T], dtype: 'int32' },
      meta: { data: meta, shape: [n, 2], dtype: 'float32' },
    },
    labels,
    keys: Array.from({ length: n }, (_, i) => `r${i}`),
  } as unknown as SplitData;
}

/** An optional extra layer inserted after the concatenation (to inject NaN). */
type Extra = (x: tf.SymbolicTensor) => tf.SymbolicTensor;

function buildModel(extra?: Extra): tf.LayersModel {
  const text = tf.input({ name: 'text', shape: [T], dtype: 'int32' });
  const meta = tf.input({ name: 'meta', shape: [2] });
  const e = tf.layers.embedding({ inputDim: VOCAB, outputDim: 4 }).apply(text) as tf.SymbolicTensor;
  const p = tf.layers.globalAveragePooling1d().apply(e) as tf.SymbolicTensor;
  const d = tf.layers.dense({ units: 4, activation: 'relu' }).apply(meta) as tf.SymbolicTensor;
  let c = tf.layers.concatenate().apply([p, d]) as tf.SymbolicTensor;
  if (extra) c = extra(c);
  const out = tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(c) as tf.SymbolicTensor;
  return tf.model({ inputs: [text, meta], outputs: out });
}

/** Multiplies by NaN on its `after`-th training call and later ones (inference calls pass through). */
class NanAfter extends tf.layers.Layer {
  static className = 'TestNanAfter';
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

const head: HeadSpec = { label: 'y', kind: 'binary', units: 1, activation: 'sigmoid', loss: 'binaryCrossentropy' };
const quiet = new TrainingProgress(1, true);

function trainSpec(over: Partial<TrainSpec> = {}): TrainSpec {
  return { optimizer: { name: 'adam', lr: 0.05 }, epochs: 3, batchSize: 8, seed: 1, ...over };
}

async function fit(model: tf.LayersModel, train: TrainSpec, n = 40) {
  model.compile({ optimizer: makeOptimizer(train.optimizer), loss: head.loss });
  try {
    return await fitModel(model, { train: makeSplit(n, 3), val: makeSplit(16, 4) }, { train, head, progress: quiet });
  } finally {
    model.optimizer.dispose();
  }
}

beforeAll(async () => {
  await initBackend({ quiet: true });
});

describe('batches from typed arrays', () => {
  it('gathers rows in index order and binds inputs by name', () => {
    const split = makeSplit(5, 1);
    const rows = gatherRows(split.inputs.meta.data, 2, [3, 0], 'float32');
    expect(Array.from(rows)).toEqual([...split.inputs.meta.data.subarray(6, 8), ...split.inputs.meta.data.subarray(0, 2)]);
    const model = buildModel();
    const b = bindInputs(model, split);
    expect(b.map((x) => [x.layer, x.input, x.sampleShape, x.dtype])).toEqual([
      ['text', 'text', [T], 'int32'],
      ['meta', 'meta', [2], 'float32'],
    ]);
    const xs = batchInputs(split, b, Int32Array.from([4, 1]));
    expect(xs.map((x) => x.shape)).toEqual([
      [2, T],
      [2, 2],
    ]);
    tf.dispose(xs);
    model.dispose();
  });

  it('names the missing input', () => {
    const split = makeSplit(3, 1);
    delete (split.inputs as Record<string, unknown>).meta;
    const model = buildModel();
    expect(() => bindInputs(model, split)).toThrow(/model input 'meta' has no data.*'text'/);
    model.dispose();
  });

  it('targets: [b,1] float for one unit, one-hot otherwise', () => {
    const y1 = batchTargets(Int32Array.from([1, 0]), head);
    expect(y1.shape).toEqual([2, 1]);
    expect(y1.dtype).toBe('float32');
    const y3 = batchTargets(Int32Array.from([2, 0]), { ...head, kind: 'multiclass', units: 3, activation: 'softmax', loss: 'categoricalCrossentropy' });
    expect(y3.arraySync()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
    ]);
    expect(() => batchTargets(Int32Array.from([2]), head)).toThrow(/label 2 is outside the 2 classes/);
    tf.dispose([y1, y3]);
  });

  it('epoch seeds differ per epoch and are stable', () => {
    expect(epochSeed(7, 1)).not.toBe(epochSeed(7, 2));
    expect(epochSeed(7, 2)).toBe(epochSeed(7, 2));
  });
});

describe('fitModel', () => {
  it('learns, and the tensor count is flat from epoch to epoch', async () => {
    const before = tf.memory().numTensors;
    const model = buildModel();
    const r = await fit(model, trainSpec({ epochs: 4 }));
    expect(r.epochsRun).toBe(4);
    const counts = r.history.map((h) => h.numTensors);
    expect(new Set(counts).size).toBe(1);
    expect(r.history[3].loss).toBeLessThan(r.history[0].loss);
    for (const h of r.history) {
      expect(h.batches).toBe(5);
      expect(h.samples).toBe(40);
      expect(h.accuracy).toBeGreaterThanOrEqual(0);
      expect(h.val_accuracy).toBeLessThanOrEqual(1);
    }
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('early stopping: lr 0 never improves val_loss, so patience 1 stops after epoch 2 and keeps epoch 1', async () => {
    const model = buildModel();
    const r = await fit(model, trainSpec({ optimizer: { name: 'sgd', lr: 0 }, epochs: 10, earlyStop: { monitor: 'val_loss', patience: 1 } }));
    expect(r.epochsRun).toBe(2);
    expect(r.stoppedEarly).toBe(true);
    expect(r.bestEpoch).toBe(1);
    expect(r.history.map((h) => h.best)).toEqual([true, false]);
    expect(r.history[1].val_loss).toBe(r.history[0].val_loss);
    model.dispose();
  });

  it('early stopping with patience 3 on val_accuracy runs 4 epochs', async () => {
    const model = buildModel();
    const r = await fit(model, trainSpec({ optimizer: { name: 'adam', lr: 0 }, epochs: 10, earlyStop: { monitor: 'val_accuracy', patience: 3 } }));
    expect(r.epochsRun).toBe(4);
    expect(r.bestEpoch).toBe(1);
    model.dispose();
  });

  it('restores the best weights when stopping', async () => {
    // High lr: val loss goes up after a good first epoch on this easy problem is not guaranteed, so check the
    // mechanism directly: the weights on return are those of the best epoch.
    const model = buildModel();
    const snapshots: number[][] = [];
    const train = trainSpec({ optimizer: { name: 'sgd', lr: 0.5 }, epochs: 6, earlyStop: { monitor: 'val_loss', patience: 2 } });
    model.compile({ optimizer: makeOptimizer(train.optimizer), loss: head.loss });
    const r = await fitModel(model, { train: makeSplit(40, 3), val: makeSplit(16, 4) }, {
      train,
      head,
      progress: quiet,
      onEpochEnd: () => {
        snapshots.push(Array.from(model.getWeights()[0].dataSync()));
      },
    });
    model.optimizer.dispose();
    expect(Array.from(model.getWeights()[0].dataSync())).toEqual(snapshots[r.bestEpoch - 1]);
    const bestLoss = Math.min(...r.history.map((h) => h.val_loss!));
    expect(r.history[r.bestEpoch - 1].val_loss).toBe(bestLoss);
    model.dispose();
  });

  it('a NaN loss stops training naming epoch and batch', async () => {
    // 5 batches per epoch: the 8th training call is epoch 2, batch 3.
    const before = tf.memory().numTensors;
    const nan = new NanAfter(8);
    const model = buildModel((x) => nan.apply(x) as tf.SymbolicTensor);
    const err = await fit(model, trainSpec({ epochs: 3 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    // Depending on the backend, clipping inside the cross-entropy may turn NaN probabilities into a finite loss;
    // the output check catches it then.
    expect((err as NonFiniteLossError).message).toMatch(/became NaN.* at epoch 2, batch 3 of 5/);
    expect(err).toMatchObject({ epoch: 2, batch: 3, batches: 5 });
    expect(['loss', 'output']).toContain((err as NonFiniteLossError).what);
    // nothing leaked by the failing step
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('class weights scale the training loss', async () => {
    const base = buildModel();
    const w0 = base.getWeights().map((w) => w.clone());
    const run = async (classWeights?: number[]) => {
      const m = buildModel();
      m.setWeights(w0);
      const r = await fit(m, trainSpec({ optimizer: { name: 'sgd', lr: 0 }, epochs: 1, classWeights }));
      m.dispose();
      return r.history[0].loss;
    };
    const plain = await run();
    const doubled = await run([2, 2]);
    expect(doubled).toBeCloseTo(2 * plain, 5);
    const onlyPos = await run([0, 1]);
    expect(onlyPos).toBeLessThan(plain);
    tf.dispose(w0);
    base.dispose();
  });
});

describe('multiclass heads', () => {
  it('trains a softmax head on one-hot targets and evaluates with macro metrics', async () => {
    const mc: HeadSpec = { label: 'c', kind: 'multiclass', units: 3, activation: 'softmax', loss: 'categoricalCrossentropy', classes: ['a', 'b', 'c'] };
    const split = (n: number, seed: number) => {
      const s = makeSplit(n, seed);
      // class = 0, 1, 2 by the sign pattern of meta
      const m = s.inputs.meta.data;
      for (let i = 0; i < n; i++) s.labels[i] = m[2 * i] > 0 ? 2 : m[2 * i + 1] > 0 ? 1 : 0;
      return s;
    };
    const text = tf.input({ name: 'text', shape: [T], dtype: 'int32' });
    const meta = tf.input({ name: 'meta', shape: [2] });
    const p = tf.layers.globalAveragePooling1d().apply(tf.layers.embedding({ inputDim: VOCAB, outputDim: 4 }).apply(text)) as tf.SymbolicTensor;
    const c = tf.layers.concatenate().apply([p, tf.layers.dense({ units: 8, activation: 'relu' }).apply(meta) as tf.SymbolicTensor]);
    const model = tf.model({ inputs: [text, meta], outputs: tf.layers.dense({ units: 3, activation: 'softmax' }).apply(c) as tf.SymbolicTensor });
    const train = trainSpec({ epochs: 3, classWeights: [1, 1, 2] });
    model.compile({ optimizer: makeOptimizer(train.optimizer), loss: mc.loss });
    const r = await fitModel(model, { train: split(48, 5), val: split(12, 6) }, { train, head: mc, progress: quiet });
    model.optimizer.dispose();
    expect(r.history.every((h) => Number.isFinite(h.loss) && Number.isFinite(h.val_loss!))).toBe(true);
    const { evaluateSplit } = await import('../runtime/train/evaluate.ts');
    const ev = await evaluateSplit(model, split(12, 6), mc);
    expect(ev.report.kind).toBe('multiclass');
    expect(ev.probabilities).toHaveLength(36);
    expect(ev.report.accuracy).toBe(r.history[2].val_accuracy);
    model.dispose();
  });
});

describe('optimizers and specs', () => {
  it('builds each optimizer and rejects bad settings with the field named', () => {
    for (const name of ['adam', 'sgd', 'rmsprop', 'adagrad'] as const) {
      const o = makeOptimizer({ name, lr: 0.01, momentum: name === 'sgd' ? 0.9 : undefined });
      expect(o.getClassName()).toMatch(/Adam|SGD|Momentum|RMSProp|Adagrad/i);
      o.dispose();
    }
    expect(makeOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9 }).getClassName()).toBe('Momentum');
    expect(() => makeOptimizer({ name: 'adam', lr: NaN })).toThrow(/learning rate/);
    expect(() => makeOptimizer({ name: 'nadam' as 'adam', lr: 0.1 })).toThrow(/unknown optimizer 'nadam'/);
    expect(() => validateTrainSpec(trainSpec({ epochs: 0 }), head)).toThrow(/train.epochs/);
    expect(() => validateTrainSpec(trainSpec({ batchSize: 2.5 }), head)).toThrow(/train.batchSize/);
    expect(() => validateTrainSpec(trainSpec({ classWeights: [1, 2, 3] }), head)).toThrow(/3 entries for 2 classes/);
  });
});

describe('progress output', () => {
  /** A writable that records what is written; `isTTY` as asked. */
  function sink(isTTY: boolean) {
    const chunks: string[] = [];
    const s = { isTTY, columns: 120, write: (c: string) => (chunks.push(String(c)), true), cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => s, removeListener: () => s };
    return { stream: s as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
  }
  const rec = { epoch: 1, loss: 0.5, accuracy: 0.75, val_loss: 0.25, val_accuracy: 1, best: true, seconds: 1.5, batches: 3, samples: 24, numTensors: 10, lr: 0.1 };

  it('plain lines when not a TTY, nothing when quiet', () => {
    const out = sink(false);
    const p = new TrainingProgress(2, false, out.stream);
    p.startEpoch(1, 3);
    p.batch(1, 0.7, 0.5);
    p.endEpoch(rec);
    expect(out.text()).toBe('epoch 1/2  loss 0.5000  accuracy 0.7500  val_loss 0.2500  val_accuracy 1.0000  lr 0.1  (1.5s, ETA 1.5s for 1 more) *\n');
    const q = sink(false);
    const pq = new TrainingProgress(2, true, q.stream);
    pq.startEpoch(1, 3);
    pq.endEpoch(rec);
    pq.log('x');
    expect(q.text()).toBe('');
  });

  it('a progress bar with ETA on a TTY', () => {
    const out = sink(true);
    const p = new TrainingProgress(2, false, out.stream);
    p.startEpoch(1, 3);
    p.batch(1, 0.7, 0.5);
    p.batch(3, 0.6, 0.6);
    p.endEpoch(rec);
    expect(out.text()).toMatch(/epoch 1\/2 .*\| 3\/3 batches \| loss 0\.6000 acc 0\.6000 \| ETA/);
    expect(out.text()).toContain('epoch 1/2  loss 0.5000');
  });
});
