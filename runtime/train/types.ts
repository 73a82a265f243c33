/**
 * Types of the training runtime: what generated `train.ts` passes to {@link runTraining}, and what comes back.
 */
import type { LayersModel } from '@tensorflow/tfjs';
import type { DataSpec } from '../data/spec.ts';
import type { ClassificationReport } from '../metrics.ts';
import type { LrSchedule } from './schedule.ts';

/** Optimiser and loop settings of one `train` block. */
export interface TrainSpec {
  /**
   * `sgd` with `momentum > 0` is SGD with (heavy-ball) momentum (`tf.train.momentum`); `rmsprop` passes
   * `momentum` through (default 0, decay 0.9 as Keras' rho). `lr` is the learning rate (> 0, or 0 to freeze).
   */
  optimizer: { name: 'adam' | 'sgd' | 'rmsprop' | 'adagrad'; lr: number; momentum?: number };
  /** Maximum number of passes over the training split (≥ 1). */
  epochs: number;
  /** Samples per gradient step (≥ 1); the last batch of an epoch may be smaller. */
  batchSize: number;
  /** Seeds the per-epoch shuffling of the training split (epoch e uses a seed derived from `seed` and e). */
  seed: number;
  /**
   * Keras `EarlyStopping(monitor, patience, restore_best_weights=True)`, min_delta 0: stop after `patience`
   * consecutive epochs without a strict improvement (lower val_loss / higher val_accuracy) and restore the
   * weights of the best epoch.
   */
  earlyStop?: { monitor: 'val_loss' | 'val_accuracy'; patience: number };
  /**
   * Loss weight per class index (length = number of classes; binary: [w0, w1]). The training loss is
   * mean(w[y_i] · loss_i) over the batch, as Keras' `class_weight`; validation and test losses are unweighted.
   */
  classWeights?: number[];
  /**
   * Compute the class weights from the training split instead: w_c = n / (k · n_c) for n training rows, k classes
   * and n_c rows of class c (scikit-learn `class_weight='balanced'`); a class without training rows gets 0 (it
   * never weighs a training sample). Exclusive with `classWeights`.
   */
  balancedClassWeights?: boolean;
  /** Learning rate per epoch (runtime/train/schedule.ts); none: `optimizer.lr` throughout. */
  lrSchedule?: LrSchedule;
}

/** The prediction head the model ends in. */
export interface HeadSpec {
  /** Name of the label (the `.mmf` label declaration). */
  label: string;
  kind: 'binary' | 'multiclass';
  /** Output width: 1 for a sigmoid binary head, k for a softmax over k classes (2 for a softmax binary head). */
  units: number;
  activation: 'sigmoid' | 'softmax';
  loss: 'binaryCrossentropy' | 'categoricalCrossentropy';
  /** Class names by index, when known (binary: [negative, positive]). */
  classes?: string[];
}

/** One epoch of training, as written to `log.jsonl` and `metrics.json#history`. */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  /** Mean training loss over the epoch's batches, weighted by batch size (class weights and regularisers included). */
  loss: number;
  /** Training accuracy over the epoch (dropout active, weights changing: as Keras reports it). */
  accuracy: number;
  /** Unweighted mean cross-entropy on the validation split, plus regulariser penalties (as Keras' val_loss). Null without a val split. */
  val_loss: number | null;
  val_accuracy: number | null;
  /** Whether this epoch became the best one for the early-stopping monitor. */
  best: boolean;
  /** Wall time of the epoch (training + validation), seconds. */
  seconds: number;
  batches: number;
  samples: number;
  /** `tf.memory().numTensors` at the end of the epoch (must stay flat from epoch 1 on). */
  numTensors: number;
  lr: number;
}

/** What {@link runTraining} needs. */
export interface RunTrainingOptions {
  modelName: string;
  /** Builds a fresh, uncompiled model. Input layers are named after the data inputs. */
  build: () => LayersModel;
  data: DataSpec;
  train: TrainSpec;
  head: HeadSpec;
  /** Directory relative paths in `data` are resolved against (the `.mmf` file's directory). */
  baseDir: string;
  /** Where model.json, weights.bin, preprocess.json, metrics.json, test-predictions.json and log.jsonl go. Created if missing. */
  outDir: string;
  /** Print nothing (no data report, no progress, no metrics). */
  quiet?: boolean;
  /** For quick trials and tests: keep a seeded random sample of at most `maxRows` rows of each split after loading (preprocessing is still fitted on the whole training split). */
  maxRows?: number;
  /** Called after each epoch's record is written (after early-stopping bookkeeping). */
  onEpochEnd?: (record: EpochRecord) => void | Promise<void>;
  /**
   * Write `<dir>/checkpoint.mmfckpt` after every epoch (runtime/train/checkpoint.ts). With `resume`, a checkpoint
   * found there is continued (the run must have the same data, model and settings: otherwise an error says so);
   * without one, training starts at epoch 1. The checkpoint is removed once every output is written, unless
   * `keep` (a caller that publishes the outputs itself removes it afterwards). Default: no checkpoints.
   */
  checkpoint?: { dir: string; resume?: boolean; keep?: boolean };
  /** Write the figures (`curves.svg`, `confusion.svg`) and `report.html` into `outDir` (default true). */
  report?: boolean;
}

/** Wall-clock timings of a run, seconds. */
export interface Timings {
  data: number;
  train: number;
  evaluate: number;
  save: number;
  total: number;
  epochs: number[];
}

/** What {@link runTraining} returns. */
export interface TrainingResult {
  modelName: string;
  /** Metrics on the test split, with the (restored) best weights. */
  test: ClassificationReport;
  history: EpochRecord[];
  /** 1-based epoch whose weights were kept (the last one without early stopping). */
  bestEpoch: number;
  epochsRun: number;
  stoppedEarly: boolean;
  backend: string;
  samples: { train: number; val: number; test: number };
  timings: Timings;
  outDir: string;
  /** Absolute paths of the files written. */
  files: { model: string; preprocess: string; metrics: string; testPredictions: string; log: string; report?: string };
  /** The epoch the run continued after, when it resumed from a checkpoint. */
  resumedAfter?: number;
  /** The trained model (best weights). Still holds its tensors: call `model.dispose()` when done with it. */
  model: LayersModel;
}

/**
 * Thrown when a training step produces NaN or ±Infinity, before that step's update is applied. `what` says where
 * it was seen first: the batch `loss`, the model `output` (the cross-entropy clips probabilities, so a NaN
 * output can hide behind a finite loss on some backends), or a `gradient`. Epoch and batch are 1-based.
 */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';
  constructor(
    readonly epoch: number,
    readonly batch: number,
    readonly batches: number,
    /** The offending value (NaN for a gradient). */
    readonly value: number,
    readonly what: 'loss' | 'output' | 'gradient' = 'loss',
    /** The batch loss as computed (may be finite when `what` is not `loss`). */
    readonly loss: number = value,
  ) {
    const subject = what === 'loss' ? `training loss became ${value}` : what === 'output' ? `model output became ${value} (batch loss ${loss})` : `gradients became non-finite (batch loss ${loss})`;
    super(
      `${subject} at epoch ${epoch}, batch ${batch} of ${batches}: ` +
        `lower the learning rate, check the inputs for NaN/Infinity, or add normalisation`,
    );
  }
}
