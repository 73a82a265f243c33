/**
 * Batch tensors built from the typed arrays of a split: only the rows of one batch are ever copied into
 * tensors, so a data set never needs to fit in (device) memory as one tensor. Every tensor returned here is
 * owned by the caller, who disposes it after the step.
 */
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { tf as getTf } from '../backend.ts';
import { featureRows, isComputed, type SplitData } from '../data/index.ts';
import type { HeadSpec } from './types.ts';

type SplitInput = SplitData['inputs'][string];

/**
 * Per-sample shape of an input of a split: its shape `[n, ...]` without the leading row count
 * (`[]` for a categorical input, whose data shape is `[n]`). Throws if the shape does not describe the data.
 */
export function sampleShape(input: SplitInput, size: number): number[] {
  const shape = Array.from(input.shape);
  const count = shape.reduce((a, b) => a * b, 1);
  // A computed feature (images, streamed media) has no stored array: its shape is its length.
  const length = isComputed(input) ? count : input.data.length;
  if (shape.length === 0 || shape[0] !== size || count !== length) {
    throw new Error(`an input of shape [${shape.join(', ')}] with ${length} values does not hold ${size} rows`);
  }
  return shape.slice(1);
}

/** How each model input is fed: data input name, per-sample shape and the dtype the model declares. */
export interface InputBinding {
  /** Name of the model input layer. */
  layer: string;
  /** Name of the data input feeding it. */
  input: string;
  sampleShape: number[];
  /** Values per sample (product of `sampleShape`). */
  width: number;
  dtype: 'float32' | 'int32';
}

/**
 * Match the model's input layers, in the model's order, to the split's inputs by name. Input layers are named
 * after the `.mmf` inputs; a numeric suffix tfjs may add to keep names unique (`subject_1`) is tolerated.
 * Throws naming the missing inputs and the available ones.
 */
export function bindInputs(model: LayersModel, split: SplitData): InputBinding[] {
  const available = Object.keys(split.inputs);
  return model.inputs.map((sym, i) => {
    const layer = model.inputNames[i] ?? sym.name;
    const candidates = [layer, layer.replace(/_\d+$/, ''), sym.name, sym.name.replace(/_\d+$/, '')];
    const input = candidates.find((c) => Object.prototype.hasOwnProperty.call(split.inputs, c));
    if (input === undefined) {
      throw new Error(
        `model input '${layer}' has no data: the data provides ${available.map((a) => `'${a}'`).join(', ') || 'no inputs'}`,
      );
    }
    const data = split.inputs[input];
    let shape = sampleShape(data, split.size);
    const declared = sym.shape.slice(1);
    const width = shape.reduce((a, b) => a * b, 1);
    // Same values, other layout (a categorical input is [n] in the data, [batch, 1] in the model): feed the model's.
    if (declared.every((d) => d != null) && declared.reduce((a, b) => a * (b as number), 1) === width) shape = declared as number[];
    if (declared.length !== shape.length || declared.some((d, k) => d != null && d !== shape[k])) {
      throw new Error(
        `model input '${layer}' expects per-sample shape [${declared.map((d) => d ?? '?').join(', ')}] ` +
          `but data input '${input}' has [${shape.join(', ')}]`,
      );
    }
    const dtype = sym.dtype === 'int32' ? 'int32' : 'float32';
    return { layer, input, sampleShape: shape, width, dtype };
  });
}

/** Copy the rows `idx` of one input into a fresh typed array of the binding's dtype (`[idx.length, ...sampleShape]`, row-major). */
export function gatherRows(src: Int32Array | Float32Array, width: number, idx: ArrayLike<number>, dtype: 'float32' | 'int32'): Int32Array | Float32Array {
  const out = dtype === 'int32' ? new Int32Array(idx.length * width) : new Float32Array(idx.length * width);
  const sameType = (dtype === 'int32') === src instanceof Int32Array;
  for (let r = 0; r < idx.length; r++) {
    const start = idx[r] * width;
    if (sameType) out.set(src.subarray(start, start + width), r * width);
    else for (let k = 0; k < width; k++) out[r * width + k] = src[start + k];
  }
  return out;
}

/** Input tensors of one batch, in model input order. Caller disposes. */
export function batchInputs(split: SplitData, bindings: InputBinding[], idx: ArrayLike<number>): Tensor[] {
  const tf = getTf();
  return bindings.map((b) => {
    const f = split.inputs[b.input];
    // Computed features (images kept as bytes, media streamed from disk) make only this batch's rows.
    const values = isComputed(f) ? featureRows(f, idx, b.dtype) : gatherRows(f.data, b.width, idx, b.dtype);
    return tf.tensor(values, [idx.length, ...b.sampleShape], b.dtype);
  });
}

/** Class indices of the rows `idx`. */
export function gatherLabels(labels: Int32Array, idx: ArrayLike<number>): Int32Array {
  const out = new Int32Array(idx.length);
  for (let r = 0; r < idx.length; r++) out[r] = labels[idx[r]];
  return out;
}

/**
 * Target tensor of a batch: `[b, 1]` float32 0/1 for a one-unit (sigmoid) head, one-hot `[b, units]` float32
 * otherwise. Throws if a label is outside `[0, units)` (or not 0/1 for a one-unit head).
 */
export function batchTargets(labels: Int32Array, head: HeadSpec): Tensor {
  const tf = getTf();
  const depth = head.units === 1 ? 2 : head.units;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < 0 || labels[i] >= depth) {
      throw new Error(`label ${labels[i]} is outside the ${depth} classes of head '${head.label}'`);
    }
  }
  if (head.units === 1) return tf.tensor2d(Float32Array.from(labels), [labels.length, 1], 'float32');
  const y = new Float32Array(labels.length * depth);
  for (let i = 0; i < labels.length; i++) y[i * depth + labels[i]] = 1;
  return tf.tensor2d(y, [labels.length, depth], 'float32');
}

/** Per-sample loss weights `classWeights[label]` of a batch, `[b]` float32. */
export function batchSampleWeights(labels: Int32Array, classWeights: number[]): Tensor {
  const w = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = classWeights[labels[i]];
    if (v === undefined) throw new Error(`no class weight for class ${labels[i]} (classWeights has ${classWeights.length})`);
    w[i] = v;
  }
  return getTf().tensor1d(w, 'float32');
}

/** Consecutive index ranges `[0, n)` in chunks of `batchSize` (evaluation order). */
export function* sequentialBatches(n: number, batchSize: number): Generator<Int32Array> {
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    const idx = new Int32Array(e - s);
    for (let i = 0; i < idx.length; i++) idx[i] = s + i;
    yield idx;
  }
}
