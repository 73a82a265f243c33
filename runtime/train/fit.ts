/**
 * The training loop: one gradient step per batch built from typed arrays, validation after each epoch,
 * early stopping with best-weight restore, a JSONL log, and a stop with {@link NonFiniteLossError} as soon as
 * a batch loss is NaN or infinite (before that batch's update is applied).
 */
import type { LayersModel, Optimizer, Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import { tf as getTf } from '../backend.ts';
import type { SplitData } from '../data/index.ts';
import { batches } from '../data/split.ts';
import { logLoss } from '../metrics.ts';
import { batchInputs, batchSampleWeights, batchTargets, bindInputs, gatherLabels, type InputBinding } from './batch.ts';
import { evaluateSplit, headClasses, regularizationPenalty } from './evaluate.ts';
import { writeFileAtomic } from './files.ts';
import { TrainingProgress } from './progress.ts';
import { saveCheckpoint, type CheckpointState, type SavedTensor } from './checkpoint.ts';
import { LrScheduler, setOptimizerLr, validateSchedule } from './schedule.ts';
import { randomState, setRandomState } from './seed.ts';
import { NonFiniteLossError, type EpochRecord, type HeadSpec, type TrainSpec } from './types.ts';

/** Build the tfjs optimiser a {@link TrainSpec} names. Throws on an unknown name or a negative/non-finite lr. */
export function makeOptimizer(spec: TrainSpec['optimizer']): Optimizer {
  const tf = getTf();
  const { name, lr } = spec;
  if (!Number.isFinite(lr) || lr < 0) throw new Error(`optimizer ${name}: learning rate must be a finite number ≥ 0, got ${lr}`);
  const momentum = spec.momentum ?? 0;
  switch (name) {
    case 'adam':
      return tf.train.adam(lr);
    case 'sgd':
      return momentum > 0 ? tf.train.momentum(lr, momentum) : tf.train.sgd(lr);
    case 'rmsprop':
      return tf.train.rmsprop(lr, 0.9, momentum);
    case 'adagrad':
      return tf.train.adagrad(lr);
    default:
      throw new Error(`unknown optimizer '${String(name)}' (expected adam, sgd, rmsprop or adagrad)`);
  }
}

/**
 * Class weights n / (k · n_c) from class indices (scikit-learn `compute_class_weight('balanced')`): the mean
 * weight per sample is 1 and every class weighs the same in total. A class with no rows gets 0.
 * @param labels class index per row, each in [0, k)
 * @param k number of classes (2 for binary)
 */
export function balancedClassWeights(labels: ArrayLike<number>, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (!(c >= 0 && c < k)) throw new Error(`balancedClassWeights: label ${c} of row ${i} is not a class index below ${k}`);
    counts[c]!++;
  }
  return counts.map((n) => (n === 0 ? 0 : labels.length / (k * n)));
}

/** Check a TrainSpec against the head; throws a message naming the field. */
export function validateTrainSpec(train: TrainSpec, head: HeadSpec): void {
  const int = (v: number, what: string) => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`train.${what} must be an integer ≥ 1, got ${v}`);
  };
  int(train.epochs, 'epochs');
  int(train.batchSize, 'batchSize');
  if (train.earlyStop) {
    if (train.earlyStop.monitor !== 'val_loss' && train.earlyStop.monitor !== 'val_accuracy') {
      throw new Error(`train.earlyStop.monitor must be val_loss or val_accuracy, got ${String(train.earlyStop.monitor)}`);
    }
    if (!Number.isInteger(train.earlyStop.patience) || train.earlyStop.patience < 0) {
      throw new Error(`train.earlyStop.patience must be an integer ≥ 0, got ${train.earlyStop.patience}`);
    }
  }
  if (train.classWeights && train.balancedClassWeights) throw new Error('train: give classWeights or balancedClassWeights, not both');
  if (train.classWeights) {
    const k = headClasses(head);
    if (train.classWeights.length !== k) throw new Error(`train.classWeights has ${train.classWeights.length} entries for ${k} classes`);
    if (train.classWeights.some((w) => !Number.isFinite(w) || w < 0)) throw new Error(`train.classWeights must be finite and ≥ 0`);
  }
  if (train.lrSchedule) validateSchedule(train.lrSchedule);
  if (head.units < 1 || (head.kind === 'binary' && head.units > 2)) throw new Error(`head '${head.label}': ${head.kind} head with ${head.units} units`);
}

/** Per-sample loss `[b]` of the head's loss function (tfjs-layers/Keras definitions, probabilities clipped to 1e-7). */
function perSampleLoss(head: HeadSpec, y: Tensor, pred: Tensor): Tensor {
  const tf = getTf();
  return head.loss === 'binaryCrossentropy' ? tf.metrics.binaryCrossentropy(y, pred) : tf.metrics.categoricalCrossentropy(y, pred);
}

/** Number of rows of `pred` (`[b, units]`) whose decision equals the label. */
function countCorrect(pred: Float32Array | Int32Array | Uint8Array, labels: Int32Array, units: number): number {
  let ok = 0;
  for (let i = 0; i < labels.length; i++) {
    let cls: number;
    if (units === 1) cls = pred[i] > 0.5 ? 1 : 0;
    else {
      cls = 0;
      for (let c = 1; c < units; c++) if (pred[i * units + c] > pred[i * units + cls]) cls = c;
    }
    if (cls === labels[i]) ok++;
  }
  return ok;
}

/** Index of the first NaN/±Infinity value, or -1. */
function firstNonFinite(v: ArrayLike<number>): number {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return i;
  return -1;
}

/** Scalar bool tensor: true iff every gradient value is finite (exact: no overflow of a sum). Caller disposes. */
function gradientsFinite(grads: Record<string, Tensor>): Tensor {
  const tf = getTf();
  return tf.tidy(() => {
    const gs = Object.values(grads);
    if (gs.length === 0) return tf.scalar(true, 'bool');
    return tf.all(tf.stack(gs.map((g) => tf.all(tf.isFinite(g)))));
  });
}

/** Seed of epoch `epoch` (1-based) of a run seeded `seed`: distinct per epoch, reproducible. */
export function epochSeed(seed: number, epoch: number): number {
  return (Math.imul((seed | 0) ^ 0x5bd1e995, 0x01000193) + Math.imul(epoch, 0x9e3779b1)) >>> 0;
}

/** Weights of all layers as host copies (no tensors kept). */
interface WeightSnapshot {
  values: Float32Array[];
  shapes: number[][];
}

async function snapshotWeights(model: LayersModel): Promise<WeightSnapshot> {
  const ws = model.getWeights();
  const values = await Promise.all(ws.map(async (w) => Float32Array.from((await w.data()) as Float32Array)));
  return { values, shapes: ws.map((w) => w.shape.slice()) };
}

function restoreWeights(model: LayersModel, snap: WeightSnapshot): void {
  const tf = getTf();
  const ts = snap.values.map((v, i) => tf.tensor(v, snap.shapes[i], 'float32'));
  try {
    model.setWeights(ts);
  } finally {
    tf.dispose(ts);
  }
}

function toSaved(snap: WeightSnapshot, names: string[]): SavedTensor[] {
  return snap.values.map((values, i) => ({ name: names[i] ?? `w${i}`, shape: snap.shapes[i]!, dtype: 'float32', values }));
}

/** A saved weight list as a snapshot, checked against the shapes the model has. Throws naming `what`. */
function fromSaved(saved: SavedTensor[], what: string, shapes: number[][]): WeightSnapshot {
  if (saved.length !== shapes.length || saved.some((t, i) => t.shape.join(',') !== shapes[i]!.join(','))) {
    throw new Error(`the checkpoint's ${what} (${saved.length} tensors) do not fit this model (${shapes.length} tensors); train without --resume`);
  }
  return { values: saved.map((t) => t.values as Float32Array), shapes: saved.map((t) => t.shape) };
}

/** The optimizer's step count and slot variables (host copies), and Adam's β powers. */
async function saveOptimizer(optimizer: Optimizer, name: string): Promise<CheckpointState['optimizer']> {
  const named = await optimizer.getWeights();
  const [iter, ...slots] = named;
  const iterations = (await iter!.tensor.data())[0]!;
  iter!.tensor.dispose(); // a fresh scalar made by saveIterations()
  const saved: SavedTensor[] = await Promise.all(
    slots.map(async (s) => ({
      name: s.name,
      shape: s.tensor.shape.slice(),
      dtype: (s.tensor.dtype === 'int32' ? 'int32' : 'float32') as 'int32' | 'float32',
      values: s.tensor.dtype === 'int32' ? Int32Array.from((await s.tensor.data()) as Int32Array) : Float32Array.from((await s.tensor.data()) as Float32Array),
    })),
  );
  const adam = optimizer as unknown as { accBeta1?: Tensor; accBeta2?: Tensor };
  const out: CheckpointState['optimizer'] = { name, iterations, slots: saved };
  if (adam.accBeta1 && adam.accBeta2) {
    out.accBeta1 = (await adam.accBeta1.data())[0];
    out.accBeta2 = (await adam.accBeta2.data())[0];
  }
  return out;
}

/** Put saved slot variables, step count and Adam's β powers back into a freshly made optimizer of the same kind. */
async function restoreOptimizer(optimizer: Optimizer, saved: CheckpointState['optimizer']): Promise<void> {
  const tf = getTf();
  if (saved.slots.length === 0 && saved.iterations === 0) return;
  const tensors = [
    { name: 'iter', tensor: tf.scalar(saved.iterations, 'int32') },
    ...saved.slots.map((s) => ({ name: s.name, tensor: tf.tensor(s.values, s.shape, s.dtype) })),
  ];
  try {
    await optimizer.setWeights(tensors);
  } finally {
    tf.dispose(tensors.map((t) => t.tensor)); // the optimizer's variables hold their own references
  }
  const adam = optimizer as unknown as { accBeta1?: Variable; accBeta2?: Variable };
  if (adam.accBeta1 && adam.accBeta2 && saved.accBeta1 !== undefined && saved.accBeta2 !== undefined) {
    // setWeights recomputes β^(t+1) with pow; the uninterrupted run holds the running float32 product: keep it.
    tf.tidy(() => {
      adam.accBeta1!.assign(tf.scalar(saved.accBeta1!));
      adam.accBeta2!.assign(tf.scalar(saved.accBeta2!));
    });
  }
}

/** Options of {@link fitModel}. */
export interface FitOptions {
  train: TrainSpec;
  head: HeadSpec;
  progress: TrainingProgress;
  /** Rewritten atomically after each epoch with one JSON line per epoch so far. */
  logFile?: string;
  onEpochEnd?: (record: EpochRecord) => void | Promise<void>;
  /**
   * Write a checkpoint to `dir` after every epoch (runtime/train/checkpoint.ts), and, with `resumeFrom`, continue
   * from that checkpoint's state instead of from epoch 1 (the model and optimizer must be freshly built and
   * compiled as for the original run; `fingerprint` must equal the checkpoint's).
   */
  checkpoint?: { dir: string; modelName: string; fingerprint: string; resumeFrom?: CheckpointState | null };
  /**
   * One loss weight ≥ 0 per row of `splits.train` (boosting's sample weights): the training loss becomes
   * mean(sampleWeight_i · classWeight[y_i] · loss_i), as Keras' `sample_weight` and scikit-learn's `sample_weight`.
   * Validation and test losses stay unweighted. Weights averaging 1 keep the loss on its usual scale.
   */
  sampleWeights?: ArrayLike<number>;
}

/** What {@link fitModel} did. */
export interface FitResult {
  history: EpochRecord[];
  /** 1-based epoch whose weights the model holds on return. */
  bestEpoch: number;
  epochsRun: number;
  stoppedEarly: boolean;
}

/**
 * Train a compiled model (`model.optimizer` set) on `splits.train`, validating on `splits.val` after each epoch.
 *
 * Each step: the batch's rows are copied from the typed arrays into fresh tensors, the loss
 * mean(classWeight[y] · crossentropy) + regulariser penalties is differentiated w.r.t. the trainable weights,
 * the loss is read back and checked (NaN/±Inf → {@link NonFiniteLossError} naming epoch and batch, the update is
 * not applied), then the optimiser applies the gradients and every batch tensor is disposed. Shuffling per
 * epoch comes from the data module's `batches(split, batchSize, epochSeed(seed, epoch))`.
 *
 * Early stopping (if `train.earlyStop` and the val split has rows) follows Keras' EarlyStopping with
 * `restore_best_weights=True`: the first epoch is always an improvement; after `patience` consecutive epochs
 * without a strict improvement, training stops and the best epoch's weights are restored.
 */
export async function fitModel(model: LayersModel, splits: { train: SplitData; val: SplitData }, opts: FitOptions): Promise<FitResult> {
  const tf = getTf();
  const { train, head, progress } = opts;
  const optimizer = model.optimizer;
  if (!optimizer) throw new Error('fitModel: the model is not compiled (no optimizer)');
  if (splits.train.size === 0) throw new Error('the training split is empty');
  if (opts.sampleWeights) {
    const sw = opts.sampleWeights;
    if (sw.length !== splits.train.size) throw new Error(`sampleWeights has ${sw.length} entries for ${splits.train.size} training rows`);
    for (let i = 0; i < sw.length; i++) if (!Number.isFinite(sw[i]) || sw[i] < 0) throw new Error(`sampleWeights[${i}] is ${sw[i]}; sample weights must be finite and ≥ 0`);
  }
  const bindings: InputBinding[] = bindInputs(model, splits.train);
  const hasVal = splits.val.size > 0;
  const valBindings = hasVal ? bindInputs(model, splits.val) : bindings;
  const units = head.units;
  const vars = model.trainableWeights.map((w) => w.read() as Variable);
  const monitor = train.earlyStop && hasVal ? train.earlyStop : null;
  if (train.earlyStop && !hasVal) progress.log(`warning: early stopping on ${train.earlyStop.monitor} disabled: the val split is empty`);

  const history: EpochRecord[] = [];
  const logLines: string[] = [];
  let best: number | null = null;
  let bestEpoch = 0;
  let bestSnap: WeightSnapshot | null = null;
  let wait = 0;
  let stoppedEarly = false;
  const scheduler = new LrScheduler(train.optimizer.lr, train.epochs, train.lrSchedule);
  const plateau = train.lrSchedule?.kind === 'reduce_on_plateau' ? train.lrSchedule : null;
  if (plateau && plateau.monitor !== 'loss' && !hasVal) progress.log(`warning: reduce_on_plateau on ${plateau.monitor} does nothing: the val split is empty`);
  const ck = opts.checkpoint;
  let first = 1;

  const resume = ck?.resumeFrom ?? null;
  if (resume) {
    if (resume.fingerprint !== ck!.fingerprint) {
      throw new Error(
        `the checkpoint in ${ck!.dir} was written for other data, model or train settings than this run has; ` +
          `train without --resume to start over`,
      );
    }
    restoreWeights(model, fromSaved(resume.weights, 'model weights', model.getWeights().map((w) => w.shape)));
    await restoreOptimizer(optimizer, resume.optimizer);
    history.push(...resume.history);
    logLines.push(...resume.history.map((r) => JSON.stringify(r)));
    ({ best, bestEpoch, wait } = resume.early);
    bestSnap = resume.bestWeights ? { values: resume.bestWeights.map((t) => t.values as Float32Array), shapes: resume.bestWeights.map((t) => t.shape) } : null;
    stoppedEarly = resume.stoppedEarly;
    scheduler.restore(resume.scheduler);
    first = resume.epochsDone + 1;
    if (opts.logFile) await writeFileAtomic(opts.logFile, logLines.length ? logLines.join('\n') + '\n' : '');
    const why = stoppedEarly ? ' (early stopping had fired)' : first > train.epochs ? ' (all epochs done)' : '';
    progress.log(`resumed from ${ck!.dir}: ${resume.epochsDone} of ${train.epochs} epoch(s) done${why}`);
    // Last, so nothing above can move it: the saved generator state continues the seeded sequence.
    if (resume.rngState !== null) setRandomState(resume.rngState);
  }

  for (let epoch = first; epoch <= train.epochs && !stoppedEarly; epoch++) {
    const t0 = performance.now();
    const lr = scheduler.lrFor(epoch);
    setOptimizerLr(optimizer, lr);
    const order = Array.from(batches(splits.train, train.batchSize, epochSeed(train.seed, epoch)));
    const nb = order.length;
    progress.startEpoch(epoch, nb);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let b = 0; b < nb; b++) {
      const idx = order[b];
      const labels = gatherLabels(splits.train.labels, idx);
      const xs = batchInputs(splits.train, bindings, idx);
      const y = batchTargets(labels, head);
      let w = train.classWeights ? batchSampleWeights(labels, train.classWeights) : null;
      if (opts.sampleWeights) {
        const sw = tf.tensor1d(Float32Array.from(idx, (i) => opts.sampleWeights![i]));
        if (w) {
          const both = tf.mul(w, sw);
          tf.dispose([w, sw]);
          w = both;
        } else w = sw;
      }
      let pred: Tensor | null = null;
      let value: Scalar | null = null;
      let grads: Record<string, Tensor> | null = null;
      try {
        ({ value, grads } = optimizer.computeGradients(() => {
          const out = model.apply(xs, { training: true }) as Tensor;
          pred = tf.keep(out);
          let l = perSampleLoss(head, y, out);
          if (w) l = tf.mul(l, w);
          let total = tf.mean(l) as Scalar;
          for (const r of model.calculateLosses()) total = tf.add(total, r);
          return total;
        }, vars));
        const gradsOk = gradientsFinite(grads);
        const [lv, pv, gv] = await Promise.all([value.data(), (pred as unknown as Tensor).data(), gradsOk.data()]);
        gradsOk.dispose();
        const loss = lv[0];
        const badOutput = Number.isFinite(loss) ? firstNonFinite(pv) : -1;
        if (!Number.isFinite(loss) || badOutput >= 0 || gv[0] === 0) {
          progress.stopBar();
          const what = !Number.isFinite(loss) ? 'loss' : badOutput >= 0 ? 'output' : 'gradient';
          throw new NonFiniteLossError(epoch, b + 1, nb, what === 'output' ? pv[badOutput] : what === 'loss' ? loss : NaN, what, loss);
        }
        optimizer.applyGradients(grads);
        lossSum += loss * idx.length;
        correct += countCorrect(pv as Float32Array, labels, units);
        seen += idx.length;
      } finally {
        tf.dispose([...xs, y]);
        if (w) w.dispose();
        if (pred) (pred as Tensor).dispose();
        if (value) value.dispose();
        if (grads) tf.dispose(Object.values(grads));
      }
      progress.batch(b + 1, lossSum / seen, correct / seen);
    }
    progress.stopBar();

    let valLoss: number | null = null;
    let valAcc: number | null = null;
    if (hasVal) {
      const { probabilities, report } = await evaluateSplit(model, splits.val, head, undefined, valBindings);
      valLoss = logLoss(splits.val.labels, probabilities, headClasses(head)) + regularizationPenalty(model);
      valAcc = report.accuracy;
    }

    let improved = false;
    if (monitor) {
      const current = (monitor.monitor === 'val_loss' ? valLoss : valAcc) as number;
      improved = best === null || (monitor.monitor === 'val_loss' ? current < best : current > best);
      if (improved) {
        best = current;
        bestEpoch = epoch;
        wait = 0;
        bestSnap = await snapshotWeights(model);
      } else {
        wait++;
        if (wait >= monitor.patience) stoppedEarly = true;
      }
    } else {
      bestEpoch = epoch;
      improved = true;
    }

    const record: EpochRecord = {
      epoch,
      loss: lossSum / seen,
      accuracy: correct / seen,
      val_loss: valLoss,
      val_accuracy: valAcc,
      best: improved,
      seconds: (performance.now() - t0) / 1000,
      batches: nb,
      samples: seen,
      numTensors: tf.memory().numTensors,
      lr,
    };
    history.push(record);
    logLines.push(JSON.stringify(record));
    if (opts.logFile) await writeFileAtomic(opts.logFile, logLines.join('\n') + '\n');
    const reduced = scheduler.afterEpoch(record);
    const notes: string[] = [];
    if (reduced !== null) notes.push(`${plateau!.monitor} did not improve for ${plateau!.patience} epoch(s): lr → ${reduced.toPrecision(3)}`);
    if (stoppedEarly) notes.push(`early stop: no ${monitor!.monitor} improvement for ${monitor!.patience} epoch(s), best epoch ${bestEpoch}`);
    progress.endEpoch(record, notes.join('; '));
    if (opts.onEpochEnd) await opts.onEpochEnd(record);
    if (ck) {
      await saveCheckpoint(ck.dir, {
        modelName: ck.modelName,
        fingerprint: ck.fingerprint,
        epochsDone: epoch,
        stoppedEarly,
        history,
        early: { best, bestEpoch, wait },
        scheduler: scheduler.state(),
        rngState: randomState(),
        optimizer: await saveOptimizer(optimizer, train.optimizer.name),
        weights: toSaved(await snapshotWeights(model), model.weights.map((w) => w.originalName)),
        bestWeights: bestSnap ? toSaved(bestSnap, model.weights.map((w) => w.originalName)) : null,
        savedAt: new Date().toISOString(),
      });
    }
  }

  const epochsRun = history.length;
  if (monitor && bestSnap && bestEpoch !== epochsRun) {
    restoreWeights(model, bestSnap);
    progress.log(`restored the weights of epoch ${bestEpoch} (${monitor.monitor} ${best!.toFixed(4)})`);
  }
  return { history, bestEpoch, epochsRun, stoppedEarly };
}
