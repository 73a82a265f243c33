/**
 * `mmfc predict FILE --model DIR --input DATA [--runtime tfjs|onnx] [--out FILE]`
 *
 * DATA (.jsonl, .json or .csv) holds the model's input columns; the label column may be there or not. Rows are
 * preprocessed with DIR/preprocess.json exactly as in training and predicted by the tfjs model (default) or by
 * DIR/<Model>.onnx on ONNX Runtime. One JSON line per row: `{key, probabilities, prediction, class}` where
 * `probabilities` has one entry per class (binary: [P(class 0), P(class 1)]), `prediction` is the class index
 * (binary: P(class 1) > 0.5; multiclass: argmax) and `class` its name. Printed, or written atomically to --out.
 */
import { existsSync } from 'node:fs';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import { checkOutputFile } from './output-path.ts';
import { InputError, oneLine, trainedModelOf } from './eval.ts';
import { readSource, UsageError } from './main.ts';

const FORMATS: Record<string, 'jsonl' | 'json' | 'csv'> = { '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'json', '.csv': 'csv' };
const BATCH = 256;

/** Per-row predictions of either runtime: class probabilities `[n, k]` row-major, k ≥ 2. */
export interface RowPredictions {
  keys: string[];
  classes: string[];
  /** One array of class probabilities per row. */
  probabilities: number[][];
}

export async function predictCommand(
  file: string,
  o: { model: string; input: string; runtime?: string; out?: string },
): Promise<number> {
  const runtime = o.runtime ?? 'tfjs';
  if (runtime !== 'tfjs' && runtime !== 'onnx') throw new UsageError(`--runtime must be tfjs or onnx, not '${o.runtime}'`);
  const format = FORMATS[extname(o.input).toLowerCase()];
  if (!format) throw new UsageError(`--input ${o.input}: give a .jsonl, .json or .csv file`);
  const text = readSource(file);
  // An --out that cannot be written fails now, before any model is loaded.
  if (o.out) checkOutputFile('--out', o.out);
  try {
    const found = trainedModelOf(file, text, o.model);
    if (!found) return 1;
    const { readTable } = await import('../runtime/data/index.ts');
    if (!existsSync(o.input)) throw new InputError(`--input ${o.input}: no such file`);
    const table = readTable({ format, path: o.input }, process.cwd());
    const rows = await mediaPathsFrom(table.rows, table.dir ?? process.cwd(), o.model);
    const preds = runtime === 'tfjs' ? await predictRowsTfjs(o.model, rows) : await predictRowsOnnx(o.model, found.modelName, rows);
    const lines = preds.probabilities.map((p, i) => {
      const prediction = p.length === 2 ? (p[1]! > 0.5 ? 1 : 0) : p.indexOf(Math.max(...p));
      return JSON.stringify({ key: preds.keys[i], probabilities: p, prediction, class: preds.classes[prediction] ?? String(prediction) });
    });
    const out = lines.map((l) => l + '\n').join('');
    if (o.out) {
      writeFileAtomic(o.out, out);
      process.stderr.write(`wrote ${lines.length} predictions to ${o.out}\n`);
    } else process.stdout.write(out);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    process.stderr.write(`mmfc: ${oneLine(e)}\n`);
    return 1;
  }
}

/**
 * Image and WAV paths in `--input` are relative to that file (as in training data): the cells of the columns the
 * model's image and audio inputs read become absolute paths, so the runtime finds them from any working directory.
 */
async function mediaPathsFrom(rows: Record<string, unknown>[], dir: string, modelDir: string): Promise<Record<string, unknown>[]> {
  const { readPreprocess } = await import('../runtime/index.ts');
  const pre = await readPreprocess(modelDir);
  const columns = pre.data.inputs.filter((i) => i.kind === 'image' || i.kind === 'audio').map((i) => (i as { column: string }).column);
  if (columns.length === 0) return rows;
  return rows.map((r) => {
    const out = { ...r };
    for (const c of columns) {
      const v = Object.prototype.hasOwnProperty.call(r, c) ? r[c] : undefined;
      if (typeof v === 'string' && v.trim() !== '' && !isAbsolute(v.trim())) out[c] = resolve(dir, v.trim());
    }
    return out;
  });
}

/** Class probabilities as rows of k ≥ 2 numbers: a binary head's P(positive) p becomes [1 − p, p]. */
function toRows(flat: ArrayLike<number>, n: number): number[][] {
  const k = n === 0 ? 1 : flat.length / n;
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (k === 1) rows.push([1 - flat[i]!, flat[i]!]);
    else rows.push(Array.from({ length: k }, (_, c) => flat[i * k + c]!));
  }
  return rows;
}

/** Predict raw rows with the tfjs model saved in `modelDir` (TrainedModel.predict). */
export async function predictRowsTfjs(modelDir: string, rows: Record<string, unknown>[]): Promise<RowPredictions> {
  const { TrainedModel } = await import('../runtime/index.ts');
  const tm = await TrainedModel.load(modelDir);
  try {
    const p = await tm.predict(rows);
    return { keys: p.keys, classes: p.classes, probabilities: toRows(p.probabilities, p.keys.length) };
  } finally {
    tm.dispose();
  }
}

/**
 * Predict raw rows with `<modelDir>/<modelName>.onnx` on ONNX Runtime: the rows are preprocessed with the saved
 * spec and state (transformRows) and fed with the per-sample shapes of preprocess.json, in batches of 256.
 */
export async function predictRowsOnnx(modelDir: string, modelName: string, rows: Record<string, unknown>[]): Promise<RowPredictions> {
  const onnxPath = join(modelDir, `${modelName}.onnx`);
  if (!existsSync(onnxPath)) throw new InputError(`--model ${modelDir} has no ${modelName}.onnx (mmfc train exports it)`);
  const { readPreprocess, transformRows, OnnxPredictor } = await import('../runtime/index.ts');
  const { featureRange } = await import('../runtime/data/index.ts');
  const pre = await readPreprocess(modelDir);
  const split = transformRows(rows, pre.data, pre.state);
  const onnx = await OnnxPredictor.load(onnxPath);
  const flat: number[] = [];
  try {
    for (let start = 0; start < split.size; start += BATCH) {
      const n = Math.min(BATCH, split.size - start);
      const feeds: Record<string, { data: Int32Array | Float32Array; shape: number[] }> = {};
      for (const inp of pre.inputs) {
        const f = split.inputs[inp.name]!;
        const width = inp.shape.reduce((a, b) => a * b, 1);
        feeds[inp.name] = { data: featureRange(f, start, n), shape: [n, ...inp.shape] };
      }
      const p = await onnx.predict(feeds);
      for (const v of p) flat.push(v);
    }
  } finally {
    await onnx.release();
  }
  return { keys: split.keys, classes: pre.classes, probabilities: toRows(flat, split.size) };
}
