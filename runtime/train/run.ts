/**
 * `runTraining`: the whole life of one model, as generated `train.ts` calls it — load and preprocess the data
 * (fitted on the training split only), train, evaluate on the test split, and save everything predict needs.
 */
import path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs';
import { initBackend } from '../backend.ts';
import { loadData, type SplitData } from '../data/index.ts';
import { saveModel } from '../io.ts';
import { evaluateSplit, headClasses } from './evaluate.ts';
import { writeFileAtomic, writeJsonAtomic } from './files.ts';
import { fitModel, makeOptimizer, validateTrainSpec } from './fit.ts';
import { bindInputs, sampleShape } from './batch.ts';
import { TrainingProgress } from './progress.ts';
import type { HeadSpec, RunTrainingOptions, TrainingResult } from './types.ts';

/** Format tag and version of `preprocess.json`. */
export const PREPROCESS_FORMAT = 'mmf-preprocess';
export const PREPROCESS_VERSION = 1;

/** Names of the files {@link runTraining} writes in `outDir`. */
export const OUTPUT_FILES = {
  model: 'model.json',
  preprocess: 'preprocess.json',
  metrics: 'metrics.json',
  testPredictions: 'test-predictions.json',
  log: 'log.jsonl',
} as const;

/** First `m` rows of a split (views, no copy). */
export function headRows(split: SplitData, m: number): SplitData {
  if (m >= split.size) return split;
  const inputs: SplitData['inputs'] = {};
  for (const [name, inp] of Object.entries(split.inputs)) {
    const s = sampleShape(inp, split.size);
    const width = s.reduce((a, b) => a * b, 1);
    const fullShape = inp.shape.length === s.length + 1;
    inputs[name] = { ...inp, data: inp.data.subarray(0, m * width), shape: fullShape ? [m, ...s] : inp.shape };
  }
  return { ...split, size: m, inputs, labels: split.labels.subarray(0, m), keys: split.keys.slice(0, m) };
}

/** Count of each class among `labels` (length `k`). */
export function labelCounts(labels: Int32Array, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  for (const l of labels) if (l >= 0 && l < k) c[l]++;
  return c;
}

function className(head: HeadSpec, c: number): string {
  return head.classes?.[c] ?? String(c);
}

/** Human-readable data report: rows per split, label balance, plus what the data module reports (e.g. OOV rates). */
export function formatDataReport(splits: Record<'train' | 'val' | 'test', SplitData>, head: HeadSpec, report: unknown): string {
  const k = headClasses(head);
  const lines = ['data:'];
  for (const name of ['train', 'val', 'test'] as const) {
    const s = splits[name];
    const counts = labelCounts(s.labels, k);
    const balance = counts.map((n, c) => `${className(head, c)} ${n} (${s.size ? ((100 * n) / s.size).toFixed(1) : '0.0'}%)`).join(', ');
    lines.push(`  ${name.padEnd(5)} ${String(s.size).padStart(7)} rows   ${head.label}: ${balance}`);
  }
  const extra = describeReport(report);
  if (extra) lines.push(...extra.split('\n').map((l) => '  ' + l));
  return lines.join('\n');
}

/** The data module's own report as text: its `text`/`toString()` if it has one, else its OOV rates if any. */
function describeReport(report: unknown): string {
  if (report == null) return '';
  if (typeof report === 'string') return report;
  const r = report as Record<string, unknown>;
  if (typeof r.text === 'string') return r.text;
  if (typeof r.format === 'function') return String((r.format as () => unknown).call(r));
  const parts: string[] = [];
  const visit = (obj: unknown, prefix: string) => {
    if (!obj || typeof obj !== 'object') return;
    for (const [key, v] of Object.entries(obj as Record<string, unknown>)) {
      if (/oov/i.test(key) && typeof v === 'number') parts.push(`${prefix}${key} ${(100 * v).toFixed(2)}%`);
      else if (v && typeof v === 'object' && !ArrayBuffer.isView(v) && !Array.isArray(v)) visit(v, `${prefix}${key}.`);
    }
  };
  visit(r, '');
  return parts.length ? `OOV rate: ${parts.join(', ')}` : '';
}

function countParams(model: LayersModel): number {
  return model.countParams();
}

/**
 * Train one model end to end.
 *
 * 1. `initBackend()` (idempotent); `loadData(data, baseDir)` fits preprocessing (vocabularies, scalers…) on
 *    the training split only and applies it to all splits; the data report is printed.
 * 2. `build()` makes the model; it is compiled with the optimiser and loss of `train`/`head` and trained by
 *    {@link fitModel} (custom loop, batch tensors from typed arrays, early stopping, JSONL log, non-finite stop).
 * 3. The test split is evaluated with the kept weights; accuracy, precision, recall, F1 (and ROC-AUC for
 *    binary heads) are printed.
 * 4. Written to `outDir`, each file atomically: `model.json` + weights (runtime/io `saveModel`),
 *    `preprocess.json`, `metrics.json`, `test-predictions.json`, and `log.jsonl` (written during training).
 *
 * Errors: invalid specs (message names the field), model inputs without data, an empty training split,
 * {@link NonFiniteLossError} (epoch and batch); data errors propagate from the data module. On error nothing but
 * `log.jsonl` may have been written.
 */
export async function runTraining(opts: RunTrainingOptions): Promise<TrainingResult> {
  const tStart = performance.now();
  const { head, train } = opts;
  validateTrainSpec(train, head);
  const { tf, backend } = await initBackend({ quiet: opts.quiet });
  const progress = new TrainingProgress(train.epochs, Boolean(opts.quiet));
  const outDir = path.resolve(opts.outDir);
  const files = {
    model: path.join(outDir, OUTPUT_FILES.model),
    preprocess: path.join(outDir, OUTPUT_FILES.preprocess),
    metrics: path.join(outDir, OUTPUT_FILES.metrics),
    testPredictions: path.join(outDir, OUTPUT_FILES.testPredictions),
    log: path.join(outDir, OUTPUT_FILES.log),
  };

  // 1. data
  const tData = performance.now();
  const loaded = await loadData(opts.data, opts.baseDir);
  const m = opts.maxRows;
  const splits = m !== undefined ? { train: headRows(loaded.splits.train, m), val: headRows(loaded.splits.val, m), test: headRows(loaded.splits.test, m) } : loaded.splits;
  const dataSeconds = (performance.now() - tData) / 1000;
  progress.log(formatDataReport(splits, head, loaded.report));

  // 2. model and training
  const model = opts.build();
  try {
    const bindings = bindInputs(model, splits.train);
    model.compile({ optimizer: makeOptimizer(train.optimizer), loss: head.loss, metrics: ['accuracy'] });
    progress.log(
      `model ${opts.modelName}: ${countParams(model).toLocaleString('en-US')} parameters; ` +
        `${train.optimizer.name}(lr ${train.optimizer.lr}), ${train.epochs} epochs, batch ${train.batchSize}`,
    );
    await writeFileAtomic(files.log, '');
    const tTrain = performance.now();
    const fit = await fitModel(model, { train: splits.train, val: splits.val }, {
      train,
      head,
      progress,
      logFile: files.log,
      onEpochEnd: opts.onEpochEnd,
    });
    const trainSeconds = (performance.now() - tTrain) / 1000;

    // 3. test evaluation
    const tEval = performance.now();
    const { probabilities, report: test } = await evaluateSplit(model, splits.test, head);
    const evalSeconds = (performance.now() - tEval) / 1000;
    const pct = (v: number) => (100 * v).toFixed(2) + '%';
    progress.log(
      `test (${test.samples} rows): accuracy ${pct(test.accuracy)}  precision ${pct(test.precision)}  recall ${pct(test.recall)}  ` +
        `F1 ${pct(test.f1)}` +
        (test.kind === 'binary' ? `  ROC-AUC ${test.rocAuc === null ? 'undefined (one class)' : test.rocAuc.toFixed(4)}` : '') +
        (test.undefinedMetrics.length ? `  (zero denominators, reported as 0: ${test.undefinedMetrics.join(', ')})` : ''),
    );

    // 4. files
    const tSave = performance.now();
    await saveModel(model, outDir);
    await writeJsonAtomic(files.preprocess, {
      format: PREPROCESS_FORMAT,
      version: PREPROCESS_VERSION,
      modelName: opts.modelName,
      inputs: bindings.map((b) => ({ name: b.input, layer: b.layer, dtype: b.dtype, shape: b.sampleShape })),
      head,
      data: opts.data,
      state: loaded.state,
    });
    const k = headClasses(head);
    const decisions = test.kind === 'binary' ? Array.from(probabilities, (p) => (p > 0.5 ? 1 : 0)) : null;
    const rows: number[][] = [];
    if (!decisions) for (let i = 0; i < splits.test.size; i++) rows.push(Array.from(probabilities.subarray(i * k, (i + 1) * k)));
    await writeJsonAtomic(files.testPredictions, {
      modelName: opts.modelName,
      kind: test.kind,
      classes: head.classes ?? null,
      threshold: test.kind === 'binary' ? 0.5 : null,
      keys: Array.from(splits.test.keys as ArrayLike<unknown>),
      labels: Array.from(splits.test.labels),
      probabilities: decisions ? Array.from(probabilities) : rows,
      predictions: decisions ?? rows.map((r) => r.indexOf(Math.max(...r))),
    });
    const saveSeconds = (performance.now() - tSave) / 1000;
    const timings = {
      data: dataSeconds,
      train: trainSeconds,
      evaluate: evalSeconds,
      save: saveSeconds,
      total: (performance.now() - tStart) / 1000,
      epochs: fit.history.map((h) => h.seconds),
    };
    const samples = { train: splits.train.size, val: splits.val.size, test: splits.test.size };
    await writeJsonAtomic(files.metrics, {
      modelName: opts.modelName,
      head: head.label,
      kind: test.kind,
      test,
      history: fit.history,
      bestEpoch: fit.bestEpoch,
      epochsRun: fit.epochsRun,
      stoppedEarly: fit.stoppedEarly,
      train,
      parameters: countParams(model),
      backend,
      tfjsVersion: tf.version.tfjs,
      timings,
      samples,
      createdAt: new Date().toISOString(),
    });
    progress.log(`saved ${opts.modelName} to ${outDir}`);
    // The optimiser (and its slot variables) is ours, not the model's: free it; recompile to train further.
    model.optimizer?.dispose();
    return { modelName: opts.modelName, test, history: fit.history, bestEpoch: fit.bestEpoch, epochsRun: fit.epochsRun, stoppedEarly: fit.stoppedEarly, backend, samples, timings, outDir, files, model };
  } catch (e) {
    model.optimizer?.dispose();
    model.dispose();
    throw e;
  }
}
