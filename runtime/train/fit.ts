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
  if (train.classWeights) {
    const k = headClasses(head);
    if (train.classWeights.length !== k) throw new Error(`train.classWeights has ${train.classWeights.length} entries for ${k} classes`);
    if (train.classWeights.some((w) => !Number.isFinite(w) || w < 0)) throw new Error(`train.classWeights must be finite and ≥ 0`);
  }
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

/** Options of {@link fitModel}. */
export interface FitOptions {
  train: TrainSpec;
  head: HeadSpec;
  progress: TrainingProgress;
  /** Rewritten atomically after each epoch with one JSON line per epoch so far. */
  logFile?: string;
  onEpochEnd?: (record: EpochRecord) => void | Promise<void>;
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

  for (let epoch = 1; epoch <= train.epochs; epoch++) {
    const t0 = performance.now();
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
      const w = train.classWeights ? batchSampleWeights(labels, train.classWeights) : null;
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
      lr: train.optimizer.lr,
    };
    history.push(record);
    logLines.push(JSON.stringify(record));
    if (opts.logFile) await writeFileAtomic(opts.logFile, logLines.join('\n') + '\n');
    const note = stoppedEarly ? `early stop: no ${monitor!.monitor} improvement for ${monitor!.patience} epoch(s), best epoch ${bestEpoch}` : '';
    progress.endEpoch(record, note);
    if (opts.onEpochEnd) await opts.onEpochEnd(record);
    if (stoppedEarly) break;
  }

  const epochsRun = history.length;
  if (monitor && bestSnap && bestEpoch !== epochsRun) {
    restoreWeights(model, bestSnap);
    progress.log(`restored the weights of epoch ${bestEpoch} (${monitor.monitor} ${best!.toFixed(4)})`);
  }
  return { history, bestEpoch, epochsRun, stoppedEarly };
}
