/**
 * Batched inference and evaluation of a tfjs model on a split of typed arrays.
 */
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { tf as getTf } from '../backend.ts';
import type { SplitData } from '../data/index.ts';
import { classificationReport, type ClassificationReport } from '../metrics.ts';
import { batchInputs, bindInputs, sequentialBatches, type InputBinding } from './batch.ts';
import type { HeadSpec } from './types.ts';

/** Batch size used for inference when none is given. */
export const EVAL_BATCH_SIZE = 256;

/**
 * Model outputs for every row of `split`, in row order: a Float32Array of `split.size × units` values
 * (row-major), computed `batchSize` rows at a time in inference mode (dropout off). No tensor outlives the call.
 */
export async function predictSplit(
  model: LayersModel,
  split: SplitData,
  batchSize = EVAL_BATCH_SIZE,
  bindings: InputBinding[] = bindInputs(model, split),
): Promise<Float32Array> {
  const tf = getTf();
  const units = model.outputs[0].shape[model.outputs[0].shape.length - 1] ?? 1;
  const out = new Float32Array(split.size * units);
  let offset = 0;
  for (const idx of sequentialBatches(split.size, batchSize)) {
    const xs = batchInputs(split, bindings, idx);
    const y = tf.tidy(() => model.predict(xs, { batchSize: idx.length }) as Tensor);
    try {
      const v = (await y.data()) as Float32Array;
      if (v.length !== idx.length * units) throw new Error(`model output has ${v.length} values for ${idx.length} rows × ${units} units`);
      out.set(v, offset);
      offset += v.length;
    } finally {
      y.dispose();
      tf.dispose(xs);
    }
  }
  return out;
}

/**
 * The head's class probabilities in the layout the metrics expect: for a binary head, one P(positive) per row
 * (a 2-unit softmax binary head gives column 1); otherwise the raw `[n, units]` rows.
 */
export function headProbabilities(outputs: Float32Array, head: HeadSpec): Float32Array {
  if (head.kind === 'binary' && head.units === 2) {
    const p = new Float32Array(outputs.length / 2);
    for (let i = 0; i < p.length; i++) p[i] = outputs[2 * i + 1];
    return p;
  }
  return outputs;
}

/** Number of classes the metrics see: 2 for a binary head, `units` otherwise. */
export function headClasses(head: HeadSpec): number {
  return head.kind === 'binary' ? 2 : head.units;
}

/** Sum of the model's regulariser penalties at its current weights (0 when it has none). */
export function regularizationPenalty(model: LayersModel): number {
  const tf = getTf();
  const losses = model.calculateLosses();
  if (losses.length === 0) return 0;
  const total = tf.tidy(() => tf.addN(losses.map((l) => l.reshape([]))));
  const v = total.dataSync()[0];
  total.dispose();
  tf.dispose(losses);
  return v;
}

/** Probabilities and full metrics of one split. */
export interface SplitEvaluation {
  /** As {@link headProbabilities}: P(positive) per row for binary heads, `[n, k]` row-major otherwise. */
  probabilities: Float32Array;
  report: ClassificationReport;
}

/** Predict a whole split in batches and compute its {@link ClassificationReport} (threshold 0.5 for binary heads). */
export async function evaluateSplit(
  model: LayersModel,
  split: SplitData,
  head: HeadSpec,
  batchSize = EVAL_BATCH_SIZE,
  bindings?: InputBinding[],
): Promise<SplitEvaluation> {
  const probabilities = headProbabilities(await predictSplit(model, split, batchSize, bindings), head);
  return { probabilities, report: classificationReport(split.labels, probabilities, headClasses(head)) };
}
