/**
 * Learning-rate schedules of a `train` block, applied once per epoch (the learning rate is constant within an
 * epoch). Formulas:
 * - `step(every N, factor F)`: lr_e = lr0 · F^⌊(e − 1) / N⌋ (Keras `ExponentialDecay(staircase=True)` per epoch,
 *   PyTorch `StepLR(step_size=N, gamma=F)`).
 * - `exponential(factor F)`: lr_e = lr0 · F^(e − 1) (PyTorch `ExponentialLR(gamma=F)`).
 * - `cosine(min_lr m)`: lr_e = m + (lr0 − m) · (1 + cos(π (e − 1) / E)) / 2 over the E epochs of the run
 *   (Loshchilov & Hutter 2017, SGDR without restarts; PyTorch `CosineAnnealingLR(T_max=E, eta_min=m)`).
 * - `reduce_on_plateau(monitor, patience P, factor F, min_lr m)`: Keras `ReduceLROnPlateau` with min_delta 0 and
 *   cooldown 0: after each epoch, a strict improvement of the monitored value resets the wait; otherwise the
 *   wait grows, and when it reaches P the learning rate becomes max(lr · F, m) and the wait restarts.
 * Epochs `e` are 1-based; lr0 is the optimizer's learning rate.
 */
import type { EpochRecord } from './types.ts';

/** A learning-rate schedule (see the module comment for each formula). */
export type LrSchedule =
  | { kind: 'step'; every: number; factor: number }
  | { kind: 'exponential'; factor: number }
  | { kind: 'cosine'; minLr: number }
  | { kind: 'reduce_on_plateau'; monitor: 'val_loss' | 'val_accuracy' | 'loss'; patience: number; factor: number; minLr: number };

/** What a plateau schedule remembers between epochs (saved in checkpoints). */
export interface SchedulerState {
  lr: number;
  best: number | null;
  wait: number;
}

/** Check a schedule's numbers; throws a message naming the field. */
export function validateSchedule(s: LrSchedule): void {
  const bad = (what: string, v: unknown) => {
    throw new Error(`train.lrSchedule (${s.kind}): ${what}, got ${String(v)}`);
  };
  switch (s.kind) {
    case 'step':
      if (!Number.isInteger(s.every) || s.every < 1) bad('every must be an integer ≥ 1', s.every);
      if (!(s.factor > 0 && s.factor <= 1)) bad('factor must be in (0, 1]', s.factor);
      return;
    case 'exponential':
      if (!(s.factor > 0 && s.factor <= 1)) bad('factor must be in (0, 1]', s.factor);
      return;
    case 'cosine':
      if (!(Number.isFinite(s.minLr) && s.minLr >= 0)) bad('min_lr must be ≥ 0', s.minLr);
      return;
    case 'reduce_on_plateau':
      if (!['val_loss', 'val_accuracy', 'loss'].includes(s.monitor)) bad('monitor must be val_loss, val_accuracy or loss', s.monitor);
      if (!Number.isInteger(s.patience) || s.patience < 1) bad('patience must be an integer ≥ 1', s.patience);
      if (!(s.factor > 0 && s.factor < 1)) bad('factor must be in (0, 1)', s.factor);
      if (!(Number.isFinite(s.minLr) && s.minLr >= 0)) bad('min_lr must be ≥ 0', s.minLr);
      return;
    default:
      bad('unknown schedule', (s as { kind: unknown }).kind);
  }
}

/** The learning rate of each epoch of one run. */
export class LrScheduler {
  private st: SchedulerState;
  /**
   * @param lr0 the optimizer's learning rate (≥ 0)
   * @param epochs E, the number of epochs of the run (cosine spans them)
   * @param schedule none: lr0 every epoch
   */
  constructor(
    private readonly lr0: number,
    private readonly epochs: number,
    private readonly schedule?: LrSchedule,
  ) {
    if (schedule) validateSchedule(schedule);
    this.st = { lr: lr0, best: null, wait: 0 };
  }

  /** Learning rate of epoch `epoch` (1-based). For a plateau schedule: the current rate. */
  lrFor(epoch: number): number {
    const s = this.schedule;
    if (!s) return this.lr0;
    switch (s.kind) {
      case 'step':
        return this.lr0 * Math.pow(s.factor, Math.floor((epoch - 1) / s.every));
      case 'exponential':
        return this.lr0 * Math.pow(s.factor, epoch - 1);
      case 'cosine':
        return s.minLr + ((this.lr0 - s.minLr) * (1 + Math.cos((Math.PI * (epoch - 1)) / this.epochs))) / 2;
      case 'reduce_on_plateau':
        return this.st.lr;
    }
  }

  /**
   * After an epoch: a plateau schedule looks at the monitored value of `record` (nothing happens when it is
   * null, i.e. no val split). Returns the new learning rate when it was reduced, else null.
   */
  afterEpoch(record: EpochRecord): number | null {
    const s = this.schedule;
    if (!s || s.kind !== 'reduce_on_plateau') return null;
    const v = s.monitor === 'loss' ? record.loss : s.monitor === 'val_loss' ? record.val_loss : record.val_accuracy;
    if (v === null || !Number.isFinite(v)) return null;
    const better = this.st.best === null || (s.monitor === 'val_accuracy' ? v > this.st.best : v < this.st.best);
    if (better) {
      this.st.best = v;
      this.st.wait = 0;
      return null;
    }
    this.st.wait++;
    if (this.st.wait < s.patience) return null;
    this.st.wait = 0;
    const next = Math.max(this.st.lr * s.factor, s.minLr);
    if (next >= this.st.lr) return null;
    this.st.lr = next;
    return next;
  }

  /** A copy of the state (for checkpoints). */
  state(): SchedulerState {
    return { ...this.st };
  }

  /** Restore a state saved by {@link state}. */
  restore(st: SchedulerState): void {
    this.st = { lr: st.lr, best: st.best, wait: st.wait };
  }
}

/** A one-line description of a schedule, for the console and reports. */
export function describeSchedule(s: LrSchedule | undefined): string {
  if (!s) return 'constant';
  switch (s.kind) {
    case 'step':
      return `step(every ${s.every}, factor ${s.factor})`;
    case 'exponential':
      return `exponential(factor ${s.factor})`;
    case 'cosine':
      return `cosine(min_lr ${s.minLr})`;
    case 'reduce_on_plateau':
      return `reduce_on_plateau(${s.monitor}, patience ${s.patience}, factor ${s.factor}, min_lr ${s.minLr})`;
  }
}

/**
 * Set a tfjs optimizer's learning rate for the next steps. SGD and momentum keep a pre-negated constant
 * (`setLearningRate` updates it); Adam, RMSProp and Adagrad read their `learningRate` field at each step.
 */
export function setOptimizerLr(optimizer: object, lr: number): void {
  const o = optimizer as { learningRate?: number; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}
