/**
 * `runEnsembleTraining`: train every model of an ensemble, combine them, evaluate members and ensemble on the test
 * split, and save everything `predict` and the ONNX export need. Generated `<Ensemble>.ensemble.ts` calls it.
 *
 * The data is loaded once (preprocessing fitted on the whole training split, as a single model's run) and every
 * unit trains on rows of it with the runtime's training loop (runtime/train fitModel):
 * - voting: each member on all training rows;
 * - bagging: member b on a bootstrap sample (bootstrap.ts) with seed train.seed + b;
 * - boosting: round r on all rows with SAMME sample weights (samme.ts; passed to fitModel scaled to mean 1);
 * - stacking: for each member, one model per fold on the other folds, predicting the held-out fold (the
 *   out-of-fold matrix, folds.ts); then each member refit on all rows, and the meta-learner (meta.ts) fitted on the
 *   out-of-fold probabilities (+ passthrough features).
 * For bagging and boosting the base model is also trained once on all rows (`base`), the single model to beat.
 *
 * A unit trains as the same model alone does (runtime/train/run.ts): its own train block, seed (initial weights
 * and dropout masks from the seeded `Math.random`, batch order from (seed, epoch)), class weights (`balanced`:
 * from the unit's own training rows) and early stopping. So a voting member (and `base`) ends with the weights of
 * `mmfc train FILE --model M` when both see the same rows (test/ensemble-voting-parity.test.ts); docs/ensembles.md
 * says when they do not (joined datasets, --max-rows with members of different seeds).
 *
 * Checkpoints: after each unit (a member, a fold, a round) its result is recorded in `ensemble-state.json`
 * (atomically) and its weights saved under `members/<id>/`; with `resume`, a run whose state matches the same
 * ensemble, data and settings skips the units already done and continues where it stopped.
 */
import path from 'node:path';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { LayersModel } from '@tensorflow/tfjs';
import { initBackend } from '../backend.ts';
import { formatReport, loadData, subset, type DataSpec, type SplitData } from '../data/index.ts';
import { loadModel, saveModel } from '../io.ts';
import '../layers/index.ts';
import { classificationReport, type ClassificationReport } from '../metrics.ts';
import { headClasses, predictSplit } from '../train/evaluate.ts';
import { balancedClassWeights, fitModel, makeOptimizer, validateTrainSpec } from '../train/fit.ts';
import { writeJsonAtomic } from '../train/files.ts';
import { TrainingProgress } from '../train/progress.ts';
import { sampleRows } from '../train/run.ts';
import { withSeededRandom } from '../train/seed.ts';
import { fingerprintOf, loadCheckpoint, removeCheckpoint } from '../train/checkpoint.ts';
import type { HeadSpec, TrainSpec } from '../train/types.ts';
import { bootstrapIndices, memberSeed } from './bootstrap.ts';
import { combineEnsemble, ENSEMBLE_FILE, ENSEMBLE_FORMAT, ENSEMBLE_VERSION, unitProbabilities, type EnsembleDescription, type EnsembleUnit } from './combine.ts';
import { kFolds } from './folds.ts';
import { fitMeta, stackFeatures } from './meta.ts';
import { sammeRound } from './samme.ts';

/** One distinct model of the ensemble, as the generated program passes it. */
export interface EnsembleMemberSpec {
  name: string;
  /** Builds a fresh, uncompiled model (the generated `build<Model>`). */
  build: () => LayersModel;
  train: TrainSpec;
  head: HeadSpec;
}

/** What the generated `<Ensemble>.ensemble.ts` passes. */
export interface EnsembleSpec {
  name: string;
  kind: 'voting' | 'bagging' | 'boosting' | 'stacking';
  /** Every input any member or the passthrough reads, and the label (one dataset). */
  data: DataSpec;
  /** Voting and stacking: the members in order; bagging and boosting: the one base model. */
  members: EnsembleMemberSpec[];
  voting?: { mode: 'hard' | 'soft'; weights?: number[] };
  bagging?: { members: number; fraction: number; seed: number };
  boosting?: { rounds: number; lr: number };
  stacking?: { meta: { kind: 'logistic' | 'mlp'; hidden: number[] }; folds: number; stratified: boolean; passthrough: string[] };
}

export interface RunEnsembleOptions {
  spec: EnsembleSpec;
  /** Relative data paths resolve against it (the .mmf file's folder). */
  baseDir: string;
  outDir: string;
  quiet?: boolean;
  /** Keep a seeded sample of at most this many rows per split (quick trials). */
  maxRows?: number;
  /** Override every member's epochs. */
  epochs?: number;
  /** Continue from `outDir/ensemble-state.json` when it matches this run; otherwise start afresh. */
  resume?: boolean;
}

/** Test-split metrics of one trained model or of the ensemble. */
export interface ScoredModel {
  id: string;
  model: string;
  test: ClassificationReport;
}

export interface EnsembleResult {
  name: string;
  kind: EnsembleSpec['kind'];
  description: EnsembleDescription;
  /** The ensemble on the test split. */
  test: ClassificationReport;
  /** Every unit, plus `base` for bagging/boosting. */
  members: ScoredModel[];
  /** The single model with the best test accuracy among the members (and `base`). */
  bestSingle: ScoredModel;
  /** Units restored from a previous run's checkpoint instead of trained. */
  resumedUnits: string[];
  /** Boosting: each round's weighted error and α, and why it stopped. */
  boosting?: { rounds: { id: string; err: number; alpha: number }[]; stopped: string };
  outDir: string;
  seconds: number;
}

export const ENSEMBLE_STATE_FILE = 'ensemble-state.json';
const STATE_FORMAT = 'mmf-ensemble-state';

interface UnitRecord {
  /** Aligned probabilities on the rows the unit predicted (stacking folds: the held-out rows). */
  oof?: number[];
  /** Boosting: what the round decided, and the weights after it. */
  round?: { action: 'keep' | 'perfect' | 'discard'; err: number; alpha?: number; weights?: number[] };
  saved?: boolean;
}

interface State {
  format: typeof STATE_FORMAT;
  fingerprint: string;
  units: Record<string, UnitRecord>;
}

/** Train, combine, evaluate and save an ensemble. Errors name the unit; on error `outDir` keeps the finished units. */
export async function runEnsembleTraining(opts: RunEnsembleOptions): Promise<EnsembleResult> {
  const t0 = performance.now();
  const { spec } = opts;
  if (spec.members.length === 0) throw new Error(`ensemble ${spec.name} has no members`);
  const members = spec.members.map((m) => ({ ...m, train: { ...m.train, epochs: opts.epochs ?? m.train.epochs } }));
  for (const m of members) validateTrainSpec(m.train, m.head);
  await initBackend({ quiet: opts.quiet });
  const progress = new TrainingProgress(1, Boolean(opts.quiet));
  const outDir = path.resolve(opts.outDir);

  const loaded = await loadData(spec.data, opts.baseDir);
  const seed0 = members[0].train.seed;
  const splits = opts.maxRows !== undefined
    ? { train: sampleRows(loaded.splits.train, opts.maxRows, seed0), val: sampleRows(loaded.splits.val, opts.maxRows, seed0 + 1), test: sampleRows(loaded.splits.test, opts.maxRows, seed0 + 2) }
    : loaded.splits;
  progress.log(formatReport(loaded.report));
  const classes = loaded.report.label.classes;
  const K = classes.length;
  const nTrain = splits.train.size;
  if (nTrain === 0) throw new Error('the training split is empty');

  // checkpoint state
  const fingerprint = JSON.stringify({ spec: { ...spec, members: members.map(({ build: _b, ...m }) => m) }, maxRows: opts.maxRows ?? null, rows: [nTrain, splits.val.size, splits.test.size] });
  const statePath = path.join(outDir, ENSEMBLE_STATE_FILE);
  let state: State = { format: STATE_FORMAT, fingerprint, units: {} };
  const resumed: string[] = [];
  if (opts.resume && existsSync(statePath)) {
    const prev = JSON.parse(readFileSync(statePath, 'utf8')) as State;
    if (prev.format === STATE_FORMAT && prev.fingerprint === fingerprint) {
      state = prev;
      progress.log(`resuming ${spec.name}: ${Object.keys(prev.units).length} unit(s) already trained`);
    } else progress.log(`${statePath} belongs to another ensemble, data or settings: starting afresh`);
  } else if (existsSync(statePath)) rmSync(statePath);
  const saveState = () => writeJsonAtomic(statePath, state);

  /** The member's own class order (its declared classes), and its training labels in that order. */
  const memberClasses = (m: EnsembleMemberSpec) => (m.head.classes && m.head.classes.length === K ? m.head.classes : classes);
  const relabel = (split: SplitData, m: EnsembleMemberSpec): SplitData => {
    const own = memberClasses(m);
    if (own === classes) return split;
    const map = Int32Array.from(classes, (c) => {
      const j = own.indexOf(c);
      if (j < 0) throw new Error(`member ${m.name} has no class ${c}; its classes are ${own.join(', ')}`);
      return j;
    });
    return { ...split, labels: Int32Array.from(split.labels, (y) => map[y]) };
  };
  const unitOf = (id: string, m: EnsembleMemberSpec, alpha?: number): EnsembleUnit => ({ id, model: m.name, classes: memberClasses(m), units: m.head.units, ...(alpha !== undefined ? { alpha } : {}) });

  /** Train one unit (or load it when the checkpoint has it); returns the model (caller disposes). */
  const trainUnit = async (id: string, m: EnsembleMemberSpec, rows: ArrayLike<number> | null, label: string, o: { seed?: number; sampleWeights?: ArrayLike<number>; save?: boolean } = {}): Promise<LayersModel> => {
    const dir = path.join(outDir, 'members', id);
    const done = state.units[id];
    if (done?.saved && existsSync(path.join(dir, 'model.json'))) {
      resumed.push(id);
      progress.log(`[${spec.name}] ${label}: restored from ${path.relative(process.cwd(), dir) || dir}`);
      return loadModel(dir);
    }
    const trainSplit = relabel(rows ? subset(splits.train, rows) : splits.train, m);
    let train = { ...m.train, seed: o.seed ?? m.train.seed };
    // `class_weights balanced`: computed from the rows this unit trains on, in the member's class order, as a
    // stand-alone run computes them from its training split (runtime/train/run.ts); fitModel reads classWeights.
    if (train.balancedClassWeights) train = { ...train, classWeights: balancedClassWeights(trainSplit.labels, headClasses(m.head)) };
    progress.log(`[${spec.name}] ${label}: ${m.name} on ${trainSplit.size.toLocaleString('en-US')} rows, ${train.epochs} epochs`);
    // Within a unit, the training loop's own checkpoint after every epoch (runtime/train/checkpoint.ts), so a
    // resumed ensemble also continues the unit it was in; removed once the unit is done.
    const ckDir = path.join(outDir, 'members', `${id}.checkpoint`);
    const resumeFrom = opts.resume ? await loadCheckpoint(ckDir) : null;
    if (resumeFrom) resumed.push(`${id} (from epoch ${resumeFrom.epochsDone + 1})`);
    const ckFingerprint = fingerprintOf([fingerprint, id, JSON.stringify(train), String(trainSplit.size), ...(o.sampleWeights ? [Float64Array.from(o.sampleWeights)] : [])]);
    const model = await withSeededRandom(train.seed, async () => {
      const model = m.build();
      try {
        model.compile({ optimizer: makeOptimizer(train.optimizer), loss: m.head.loss, metrics: ['accuracy'] });
        await fitModel(model, { train: trainSplit, val: relabel(splits.val, m) }, {
          train,
          head: m.head,
          progress: new TrainingProgress(train.epochs, Boolean(opts.quiet)),
          ...(o.sampleWeights ? { sampleWeights: o.sampleWeights } : {}),
          checkpoint: { dir: ckDir, modelName: id, fingerprint: ckFingerprint, resumeFrom },
        });
        model.optimizer?.dispose();
        return model;
      } catch (e) {
        model.optimizer?.dispose();
        model.dispose();
        throw new Error(`${spec.name}, ${label}: ${(e as Error)?.message ?? String(e)}`);
      }
    });
    if (o.save === false) await removeCheckpoint(ckDir); // the caller records the unit's result right away
    if (o.save !== false) {
      await saveModel(model, dir);
      await removeCheckpoint(ckDir);
      state.units[id] = { ...state.units[id], saved: true };
      await saveState();
    }
    return model;
  };

  const probsOn = async (model: LayersModel, split: SplitData, unit: EnsembleUnit) => unitProbabilities(await predictSplit(model, split), unit, classes);
  const score = (p: Float64Array, labels: Int32Array) => classificationReport(labels, K === 2 ? Float32Array.from({ length: p.length / 2 }, (_, i) => p[2 * i + 1]) : Float32Array.from(p), K);

  const units: EnsembleUnit[] = [];
  const testProbs: Float64Array[] = [];
  const scored: ScoredModel[] = [];
  const keep = async (id: string, m: EnsembleMemberSpec, model: LayersModel, alpha?: number, inEnsemble = true) => {
    const unit = unitOf(id, m, alpha);
    const p = await probsOn(model, splits.test, unit);
    model.dispose();
    scored.push({ id, model: m.name, test: score(p, splits.test.labels) });
    if (inEnsemble) {
      units.push(unit);
      testProbs.push(p);
    }
  };

  let meta: EnsembleDescription['meta'];
  let passthrough: EnsembleDescription['passthrough'];
  let boostingInfo: EnsembleResult['boosting'];

  if (spec.kind === 'voting') {
    for (let i = 0; i < members.length; i++) {
      const id = `member-${i}-${members[i].name}`;
      await keep(id, members[i], await trainUnit(id, members[i], null, `member ${i + 1}/${members.length}`));
    }
  } else if (spec.kind === 'bagging') {
    const b = spec.bagging ?? { members: 10, fraction: 1, seed: 0 };
    const m = members[0];
    await keep('base', m, await trainUnit('base', m, null, 'base model on all rows'), undefined, false);
    for (let k = 0; k < b.members; k++) {
      const rows = bootstrapIndices(nTrain, b.fraction, memberSeed(b.seed, k));
      const id = `bag-${k}`;
      await keep(id, m, await trainUnit(id, m, rows, `bootstrap member ${k + 1}/${b.members} (fraction ${b.fraction})`, { seed: m.train.seed + k + 1 }));
    }
  } else if (spec.kind === 'boosting') {
    const bo = spec.boosting ?? { rounds: 50, lr: 1 };
    const m = members[0];
    await keep('base', m, await trainUnit('base', m, null, 'base model on all rows'), undefined, false);
    let weights: number[] = new Array<number>(nTrain).fill(1 / nTrain);
    const rounds: { id: string; err: number; alpha: number }[] = [];
    let stopped = `all ${bo.rounds} rounds`;
    for (let r = 0; r < bo.rounds; r++) {
      const id = `round-${r}`;
      const model = await trainUnit(id, m, null, `boosting round ${r + 1}/${bo.rounds}`, { seed: m.train.seed + r, sampleWeights: weights.map((w) => w * nTrain) });
      const unit = unitOf(id, m);
      let decided = state.units[id]?.round;
      if (!decided) {
        const p = await probsOn(model, splits.train, unit);
        const pred = new Int32Array(nTrain);
        for (let i = 0; i < nTrain; i++) {
          let best = 0;
          for (let c = 1; c < K; c++) if (p[i * K + c] > p[i * K + best]) best = c;
          pred[i] = best;
        }
        // the unit's predictions are aligned to the ensemble's classes, so compare with the ensemble's labels
        const incorrect = Array.from(pred, (c, i) => c !== splits.train.labels[i]);
        const res = sammeRound(incorrect, weights, K, bo.lr, r === bo.rounds - 1);
        decided = res.action === 'keep' ? { action: 'keep', err: res.err, alpha: res.alpha, weights: Array.from(res.weights) } : res.action === 'perfect' ? { action: 'perfect', err: 0, alpha: 1 } : { action: 'discard', err: res.err };
        state.units[id] = { ...state.units[id], round: decided };
        await saveState();
      }
      if (decided.action === 'discard') {
        model.dispose();
        stopped = `round ${r + 1} was no better than chance (weighted error ${decided.err.toFixed(4)} ≥ ${(1 - 1 / K).toFixed(4)}): discarded, boosting stopped`;
        if (units.length === 0) throw new Error(`${spec.name}: the first boosting round is no better than chance (weighted error ${decided.err.toFixed(4)}); the ensemble cannot be fit (as scikit-learn)`);
        progress.log(`[${spec.name}] ${stopped}`);
        break;
      }
      rounds.push({ id, err: decided.err, alpha: decided.alpha! });
      progress.log(`[${spec.name}] round ${r + 1}: weighted error ${decided.err.toFixed(4)}, α ${decided.alpha!.toFixed(4)}`);
      await keep(id, m, model, decided.alpha);
      if (decided.action === 'perfect') {
        stopped = `round ${r + 1} fits the weighted training rows perfectly: boosting stopped`;
        break;
      }
      weights = decided.weights!;
    }
    boostingInfo = { rounds, stopped };
  } else {
    const st = spec.stacking ?? { meta: { kind: 'logistic' as const, hidden: [] }, folds: 5, stratified: true, passthrough: [] };
    const folds = kFolds(splits.train.labels, st.folds, { stratified: st.stratified });
    const oof: Float64Array[] = [];
    for (let i = 0; i < members.length; i++) {
      const m = members[i];
      const all = new Float64Array(nTrain * K);
      for (let f = 0; f < folds.length; f++) {
        const id = `fold-${i}-${m.name}-${f}`;
        const rec = state.units[id];
        if (rec?.oof) {
          resumed.push(id);
          progress.log(`[${spec.name}] member ${i + 1}/${members.length} (${m.name}) fold ${f + 1}/${folds.length}: restored out-of-fold predictions`);
        } else {
          const model = await trainUnit(id, m, folds[f].train, `member ${i + 1}/${members.length} (${m.name}) fold ${f + 1}/${folds.length}`, { save: false });
          const p = await probsOn(model, subset(splits.train, folds[f].test), unitOf(id, m));
          model.dispose();
          state.units[id] = { oof: Array.from(p) };
          await saveState();
        }
        const p = state.units[id].oof!;
        folds[f].test.forEach((row, k) => {
          for (let c = 0; c < K; c++) all[row * K + c] = p[k * K + c];
        });
      }
      oof.push(all);
      const id = `member-${i}-${m.name}`;
      await keep(id, m, await trainUnit(id, m, null, `member ${i + 1}/${members.length} (${m.name}) refit on all rows`));
    }
    passthrough = st.passthrough.map((name) => {
      const f = splits.train.inputs[name];
      if (!f) throw new Error(`${spec.name}: passthrough input ${name} is not in the data`);
      return { name, width: f.shape.slice(1).reduce((a, b) => a * b, 1) };
    });
    const ptTrain = passthroughMatrix(splits.train, passthrough);
    const width = passthrough.reduce((a, p) => a + p.width, 0);
    const x = stackFeatures(oof, K, width ? { values: ptTrain, width } : undefined);
    progress.log(`[${spec.name}] meta-learner ${st.meta.kind}${st.meta.kind === 'mlp' ? `(hidden [${st.meta.hidden.join(', ')}])` : ''} on ${nTrain} out-of-fold rows × ${x.width} features`);
    meta = fitMeta(x.x, x.width, splits.train.labels, K, { kind: st.meta.kind, hidden: st.meta.hidden, seed: seed0 });
  }

  const description: EnsembleDescription = {
    format: ENSEMBLE_FORMAT,
    version: ENSEMBLE_VERSION,
    name: spec.name,
    kind: spec.kind,
    classes,
    units,
    ...(spec.voting ? { voting: spec.voting } : {}),
    ...(meta ? { meta } : {}),
    ...(passthrough ? { passthrough } : {}),
  };
  const combined = combineEnsemble(description, testProbs, passthrough?.length ? passthroughMatrix(splits.test, passthrough) : undefined);
  const test = score(combined.probabilities, splits.test.labels);
  const bestSingle = scored.reduce((a, b) => (b.test.accuracy > a.test.accuracy ? b : a));
  const pct = (v: number) => (100 * v).toFixed(2) + '%';
  for (const s of scored) progress.log(`  ${s.id.padEnd(28)} test accuracy ${pct(s.test.accuracy)}  F1 ${pct(s.test.f1)}`);
  progress.log(`  ${`${spec.name} (${spec.kind})`.padEnd(28)} test accuracy ${pct(test.accuracy)}  F1 ${pct(test.f1)}   best single: ${bestSingle.id} ${pct(bestSingle.test.accuracy)}`);

  await writeJsonAtomic(path.join(outDir, ENSEMBLE_FILE), description);
  await writeJsonAtomic(path.join(outDir, 'preprocess.json'), { format: 'mmf-preprocess', version: 1, modelName: spec.name, classes, data: spec.data, state: loaded.state });
  await writeJsonAtomic(path.join(outDir, 'test-predictions.json'), {
    ensemble: spec.name,
    classes,
    keys: splits.test.keys,
    labels: Array.from(splits.test.labels),
    probabilities: Array.from({ length: splits.test.size }, (_, i) => Array.from(combined.probabilities.subarray(i * K, (i + 1) * K))),
    predictions: Array.from(combined.classes),
  });
  const seconds = (performance.now() - t0) / 1000;
  await writeJsonAtomic(path.join(outDir, 'metrics.json'), {
    ensemble: spec.name,
    kind: spec.kind,
    classes,
    test,
    members: scored,
    bestSingle: { id: bestSingle.id, model: bestSingle.model, accuracy: bestSingle.test.accuracy, f1: bestSingle.test.f1 },
    ...(boostingInfo ? { boosting: boostingInfo } : {}),
    samples: { train: nTrain, val: splits.val.size, test: splits.test.size },
    resumedUnits: resumed,
    seconds,
    createdAt: new Date().toISOString(),
  });
  progress.log(`saved ${spec.name} to ${outDir}`);
  return { name: spec.name, kind: spec.kind, description, test, members: scored, bestSingle, resumedUnits: resumed, ...(boostingInfo ? { boosting: boostingInfo } : {}), outDir, seconds };
}

/** The passthrough inputs' values of a split as one [n, Σ widths] row-major matrix (float64). */
export function passthroughMatrix(split: SplitData, inputs: { name: string; width: number }[]): Float64Array {
  const width = inputs.reduce((a, p) => a + p.width, 0);
  const out = new Float64Array(split.size * width);
  let col = 0;
  for (const p of inputs) {
    const f = split.inputs[p.name] as { data?: ArrayLike<number> };
    if (!f?.data) throw new Error(`passthrough input ${p.name} has no stored values`);
    for (let i = 0; i < split.size; i++) for (let j = 0; j < p.width; j++) out[i * width + col + j] = f.data[i * p.width + j];
    col += p.width;
  }
  return out;
}
