/**
 * `runTraining`: the whole life of one model, as generated `train.ts` calls it — load and preprocess the data
 * (fitted on the training split only), train, evaluate on the test split, and save everything predict needs.
 */
import { withSeededRandom } from './seed.ts';
import path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs';
import { initBackend } from '../backend.ts';
import { formatReport, loadData, permutation, subset, type SplitData } from '../data/index.ts';
import { saveModel } from '../io.ts';
import { evaluateSplit, headClasses } from './evaluate.ts';
import { writeFileAtomic, writeJsonAtomic } from './files.ts';
import { balancedClassWeights, fitModel, makeOptimizer, validateTrainSpec } from './fit.ts';
import { bindInputs } from './batch.ts';
import { TrainingProgress } from './progress.ts';
import { fingerprintOf, loadCheckpoint, removeCheckpoint, CHECKPOINT_FILE } from './checkpoint.ts';
import { confusionMatrixSvg, htmlReport, learningCurvesSvg } from '../plots.ts';
import { describeSchedule } from './schedule.ts';
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
  curves: 'curves.svg',
  confusion: 'confusion.svg',
  report: 'report.html',
} as const;

/**
 * At most `m` rows of a split, drawn without replacement by the data module's seeded `permutation` and kept
 * in file order (a copy, via `subset`); the split itself when it has no more than `m` rows. A random draw, not
 * the first rows, because data files are often sorted by label.
 */
export function sampleRows(split: SplitData, m: number, seed: number): SplitData {
  if (!Number.isInteger(m) || m < 1) throw new Error(`maxRows must be an integer ≥ 1, got ${m}`);
  if (m >= split.size) return split;
  const picked = permutation(split.size, seed).slice(0, m).sort();
  return subset(split, picked);
}

/**
 * What a checkpoint must agree with to be resumed: model name, data spec, train spec (the epoch count only for
 * a cosine schedule, which spans it), head, maxRows, every split's labels, keys and input values, and the
 * model's weight shapes (SHA-256, hex).
 */
function runFingerprint(opts: RunTrainingOptions, splits: { train: SplitData; val: SplitData; test: SplitData }, model: LayersModel): string {
  const { epochs, ...train } = opts.train;
  const parts: (string | ArrayBufferView)[] = [
    opts.modelName,
    JSON.stringify(opts.data),
    JSON.stringify(train.lrSchedule?.kind === 'cosine' ? { ...train, epochs } : train),
    JSON.stringify(opts.head),
    String(opts.maxRows ?? ''),
    JSON.stringify(model.getWeights().map((w) => w.shape)),
  ];
  for (const name of ['train', 'val', 'test'] as const) {
    const sp = splits[name];
    parts.push(name, String(sp.size), sp.labels, JSON.stringify(sp.keys));
    for (const k of Object.keys(sp.inputs).sort()) {
      // Features computed per batch (decoded from files on access) are fingerprinted by key and shape only.
      const f = sp.inputs[k] as { shape: number[]; rows?: unknown; data?: ArrayBufferView };
      parts.push(k, JSON.stringify(f.shape));
      if (typeof f.rows !== 'function' && f.data) parts.push(f.data);
    }
  }
  return fingerprintOf(parts);
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
 *    `preprocess.json`, `metrics.json`, `test-predictions.json`, `log.jsonl` (written during training), and
 *    unless `report: false` the figures `curves.svg` (learning curves), `confusion.svg` (test confusion matrix)
 *    and `report.html` (both, with the metrics tables).
 *
 * With `checkpoint`, a checkpoint is written after every epoch and `resume` continues one (see
 * {@link RunTrainingOptions.checkpoint}): the resumed run ends with the weights, history and metrics the
 * uninterrupted run would have had.
 *
 * Errors: invalid specs (message names the field), model inputs without data, an empty training split,
 * {@link NonFiniteLossError} (epoch and batch); data errors propagate from the data module. On error nothing but
 * `log.jsonl` may have been written.
 */
export async function runTraining(opts: RunTrainingOptions): Promise<TrainingResult> {
  // Initial weights and dropout masks follow train.seed: the same seed gives the same model on one backend.
  return withSeededRandom(opts.train.seed, () => trainAndSave(opts));
}

async function trainAndSave(opts: RunTrainingOptions): Promise<TrainingResult> {
  const tStart = performance.now();
  const { head } = opts;
  let { train } = opts;
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
  const splits =
    m !== undefined
      ? { train: sampleRows(loaded.splits.train, m, train.seed), val: sampleRows(loaded.splits.val, m, train.seed + 1), test: sampleRows(loaded.splits.test, m, train.seed + 2) }
      : loaded.splits;
  const dataSeconds = (performance.now() - tData) / 1000;
  progress.log(formatReport(loaded.report));
  if (m !== undefined) progress.log(`  using a random sample of at most ${m} rows per split (maxRows): train ${splits.train.size}, val ${splits.val.size}, test ${splits.test.size}`);
  const classes = head.classes ?? loaded.report.label.classes;
  if (opts.train.balancedClassWeights) {
    // scikit-learn's 'balanced' weights, from the (sampled) training split; the rest of the run sees plain weights.
    const w = balancedClassWeights(splits.train.labels, headClasses(head));
    progress.log(`class weights (balanced, from the training split): ${w.map((v, c) => `${classes[c] ?? c} ${v.toFixed(4)}`).join(', ')}`);
    train = { ...train, classWeights: w };
  }

  // 2. model and training
  const model = opts.build();
  try {
    const bindings = bindInputs(model, splits.train);
    model.compile({ optimizer: makeOptimizer(train.optimizer), loss: head.loss, metrics: ['accuracy'] });
    progress.log(
      `model ${opts.modelName}: ${countParams(model).toLocaleString('en-US')} parameters; ` +
        `${train.optimizer.name}(lr ${train.optimizer.lr}), ${train.epochs} epochs, batch ${train.batchSize}` +
        (train.lrSchedule ? `, lr schedule ${describeSchedule(train.lrSchedule)}` : ''),
    );
    await writeFileAtomic(files.log, '');
    const ckDir = opts.checkpoint ? path.resolve(opts.checkpoint.dir) : null;
    let resumeFrom = null;
    if (ckDir && opts.checkpoint!.resume) {
      resumeFrom = await loadCheckpoint(ckDir);
      if (!resumeFrom) progress.log(`no checkpoint in ${ckDir} (${CHECKPOINT_FILE}): training from epoch 1`);
    }
    const fingerprint = ckDir ? runFingerprint(opts, splits, model) : '';
    const tTrain = performance.now();
    const fit = await fitModel(model, { train: splits.train, val: splits.val }, {
      train,
      head,
      progress,
      logFile: files.log,
      onEpochEnd: opts.onEpochEnd,
      checkpoint: ckDir ? { dir: ckDir, modelName: opts.modelName, fingerprint, resumeFrom } : undefined,
    });
    const trainSeconds = (performance.now() - tTrain) / 1000;

    // 3. test evaluation
    const tEval = performance.now();
    const { probabilities, report: test } = await evaluateSplit(model, splits.test, head);
    const evalSeconds = (performance.now() - tEval) / 1000;
    const pct = (v: number) => (100 * v).toFixed(2) + '%';
    if (test.samples === 0) progress.log('test split is empty: no test metrics (they are reported as 0)');
    else progress.log(
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
      classes,
      data: opts.data,
      state: loaded.state,
    });
    const k = headClasses(head);
    const decisions = test.kind === 'binary' ? Array.from(probabilities, (p) => (p > 0.5 ? 1 : 0)) : null;
    const rows: number[][] = [];
    if (!decisions) for (let i = 0; i < splits.test.size; i++) rows.push(Array.from(probabilities.subarray(i * k, (i + 1) * k)));
    // Compact: this file grows with the test split.
    await writeFileAtomic(files.testPredictions, JSON.stringify({
      modelName: opts.modelName,
      kind: test.kind,
      classes,
      threshold: test.kind === 'binary' ? 0.5 : null,
      keys: splits.test.keys,
      labels: Array.from(splits.test.labels),
      probabilities: decisions ? Array.from(probabilities) : rows,
      predictions: decisions ?? rows.map((r) => r.indexOf(Math.max(...r))),
    }) + '\n');
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
      classes,
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
    let reportFile: string | undefined;
    if (opts.report !== false) {
      await writeFileAtomic(path.join(outDir, OUTPUT_FILES.curves), learningCurvesSvg(fit.history, `${opts.modelName}: learning curves`));
      await writeFileAtomic(path.join(outDir, OUTPUT_FILES.confusion), confusionMatrixSvg(test.confusionMatrix, classes, `${opts.modelName}: test confusion matrix`));
      reportFile = path.join(outDir, OUTPUT_FILES.report);
      await writeFileAtomic(
        reportFile,
        htmlReport({
          title: `${opts.modelName}: training report`,
          subtitle: [
            `test split: ${test.samples} rows; train ${samples.train}, val ${samples.val}`,
            `${fit.epochsRun} epoch(s)${fit.stoppedEarly ? ' (stopped early)' : ''}, weights of epoch ${fit.bestEpoch}; ${train.optimizer.name}(lr ${train.optimizer.lr}), ` +
              `schedule ${describeSchedule(train.lrSchedule)}, batch ${train.batchSize}, seed ${train.seed}; backend ${backend}`,
          ],
          classes,
          metrics: test,
          history: fit.history,
          tables: [
            {
              caption: 'epochs',
              head: ['epoch', 'lr', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'seconds'],
              rows: fit.history.map((h) => [h.epoch, h.lr.toPrecision(3), h.loss.toFixed(4), h.accuracy.toFixed(4), h.val_loss?.toFixed(4) ?? '-', h.val_accuracy?.toFixed(4) ?? '-', h.seconds.toFixed(1)]),
            },
          ],
        }),
      );
    }
    if (ckDir && !opts.checkpoint!.keep) await removeCheckpoint(ckDir);
    progress.log(`saved ${opts.modelName} to ${outDir}`);
    // The optimiser (and its slot variables) is ours, not the model's: free it; recompile to train further.
    model.optimizer?.dispose();
    return {
      modelName: opts.modelName,
      test,
      history: fit.history,
      bestEpoch: fit.bestEpoch,
      epochsRun: fit.epochsRun,
      stoppedEarly: fit.stoppedEarly,
      backend,
      samples,
      timings,
      outDir,
      files: reportFile ? { ...files, report: reportFile } : files,
      model,
      ...(resumeFrom ? { resumedAfter: resumeFrom.epochsDone } : {}),
    };
  } catch (e) {
    model.optimizer?.dispose();
    model.dispose();
    throw e;
  }
}
