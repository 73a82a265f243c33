/**
 * Prediction and evaluation with a model saved by {@link runTraining}: the model comes back through
 * runtime/io `loadModel`, and the data through the exact preprocessing fitted at training time
 * (`preprocess.json`: data spec + fitted state), applied by the data module (`transformRows` for raw rows,
 * `loadData(spec, baseDir, state)` for a data set).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs';
import { initBackend } from '../backend.ts';
import { loadData, stateFromJSON, transformRows, type DataSpec, type PreprocessorState, type Row, type SplitData, type SplitName } from '../data/index.ts';
import { loadModel } from '../io.ts';
import { argmaxRows, thresholdBinary, type ClassificationReport } from '../metrics.ts';
import { bindInputs } from './batch.ts';
import { evaluateSplit, headClasses, headProbabilities, predictSplit, EVAL_BATCH_SIZE } from './evaluate.ts';
import { OUTPUT_FILES, PREPROCESS_FORMAT, PREPROCESS_VERSION } from './run.ts';
import type { HeadSpec } from './types.ts';

/** Contents of `preprocess.json`: everything needed to turn raw rows into the model's inputs and read its output. */
export interface PreprocessFile {
  format: typeof PREPROCESS_FORMAT;
  version: typeof PREPROCESS_VERSION;
  modelName: string;
  /** Model inputs in the model's order: data input name, input layer name, dtype, per-sample shape. */
  inputs: { name: string; layer: string; dtype: 'int32' | 'float32'; shape: number[] }[];
  head: HeadSpec;
  /** Class names by index (binary: the data module's ['0', '1'] unless the head names them). */
  classes: string[];
  /** The data spec the model was trained with. */
  data: DataSpec;
  /** Preprocessing fitted on the training split (runtime/data PreprocessorState). */
  state: PreprocessorState;
}

/** Read and check `<dir>/preprocess.json`. Throws naming the file when it is missing or not an mmf preprocess file. */
export async function readPreprocess(modelDir: string): Promise<PreprocessFile> {
  const file = path.join(modelDir, OUTPUT_FILES.preprocess);
  let json: PreprocessFile;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8')) as PreprocessFile;
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (json?.format !== PREPROCESS_FORMAT || json.version !== PREPROCESS_VERSION) {
    throw new Error(`${file} is not an ${PREPROCESS_FORMAT} version ${PREPROCESS_VERSION} file`);
  }
  json.state = stateFromJSON(json.state);
  return json;
}

/** Predictions for a set of rows. */
export interface Predictions {
  kind: 'binary' | 'multiclass';
  /** Row ids (the id column, else 1-based row numbers). */
  keys: string[];
  /** Binary: P(positive) per row. Multiclass: `[n, k]` row-major class probabilities. */
  probabilities: Float32Array;
  /** Class index per row (binary: `p > 0.5`; multiclass: argmax). */
  predictions: Int32Array;
  classes: string[];
}

/** A saved model and its preprocessing, loaded once for many calls. Call {@link TrainedModel.dispose} when done. */
export class TrainedModel {
  private constructor(
    readonly model: LayersModel,
    readonly preprocess: PreprocessFile,
    readonly dir: string,
  ) {}

  /** Load `<dir>/model.json` + weights and `<dir>/preprocess.json`; starts the tfjs backend if needed. */
  static async load(dir: string): Promise<TrainedModel> {
    await initBackend({ quiet: true });
    const preprocess = await readPreprocess(dir);
    const model = await loadModel(dir);
    return new TrainedModel(model, preprocess, dir);
  }

  /** Model outputs (as {@link headProbabilities}) for an already transformed split, checking its inputs match training. */
  private async probabilitiesOf(split: SplitData, batchSize: number): Promise<Float32Array> {
    const bindings = bindInputs(this.model, split);
    for (const b of bindings) {
      const saved = this.preprocess.inputs.find((i) => i.layer === b.layer);
      if (saved && (saved.name !== b.input || saved.shape.join(',') !== b.sampleShape.join(','))) {
        throw new Error(`model input '${b.layer}': trained on '${saved.name}' [${saved.shape}], now fed '${b.input}' [${b.sampleShape}]`);
      }
    }
    return headProbabilities(await predictSplit(this.model, split, batchSize, bindings), this.preprocess.head);
  }

  /**
   * Predict raw rows (objects keyed by column name, values as in the data file), preprocessed exactly as in
   * training (`transformRows` with the saved spec and state). A label column, if present, is ignored.
   * Throws the data module's DataError for missing input columns or bad values (row and column named).
   */
  async predict(rows: Row[], batchSize = EVAL_BATCH_SIZE): Promise<Predictions> {
    const { data, state, head, classes } = this.preprocess;
    const split = transformRows(rows, data, state);
    const probabilities = await this.probabilitiesOf(split, batchSize);
    const binary = head.kind === 'binary';
    return {
      kind: head.kind,
      keys: split.keys,
      probabilities,
      predictions: binary ? thresholdBinary(probabilities) : argmaxRows(probabilities, headClasses(head)),
      classes,
    };
  }

  /**
   * Evaluate on one split of a data set: `data` (default: the training spec) is loaded relative to `baseDir`
   * (default: the current directory) with the saved state applied — nothing is refitted — and split as the spec
   * says. Returns the metrics, probabilities and keys of that split.
   */
  async evaluate(
    data: DataSpec = this.preprocess.data,
    opts: { baseDir?: string; split?: SplitName; batchSize?: number } = {},
  ): Promise<{ split: SplitName; report: ClassificationReport; probabilities: Float32Array; keys: string[] }> {
    const which = opts.split ?? 'test';
    const loaded = loadData(data, opts.baseDir ?? process.cwd(), this.preprocess.state);
    const split = loaded.splits[which];
    const bindings = bindInputs(this.model, split);
    const { probabilities, report } = await evaluateSplit(this.model, split, this.preprocess.head, opts.batchSize ?? EVAL_BATCH_SIZE, bindings);
    return { split: which, report, probabilities, keys: split.keys };
  }

  /** Free the model's tensors. */
  dispose(): void {
    this.model.dispose();
  }
}

/**
 * Load the model saved in `modelDir`, predict `rows` (raw records) with the training-time preprocessing, and free
 * the model. For many calls, load once with {@link TrainedModel.load}.
 */
export async function predictTfjs(modelDir: string, rows: Row[]): Promise<Predictions> {
  const m = await TrainedModel.load(modelDir);
  try {
    return await m.predict(rows);
  } finally {
    m.dispose();
  }
}

/**
 * Load the model saved in `modelDir` and evaluate it on a split (default `test`) of `data` (default: the data spec it
 * was trained with), loaded relative to `opts.baseDir` (default cwd) with the saved preprocessing state.
 */
export async function evaluateModel(
  modelDir: string,
  data?: DataSpec,
  opts: { baseDir?: string; split?: SplitName; batchSize?: number } = {},
): Promise<{ split: SplitName; report: ClassificationReport; probabilities: Float32Array; keys: string[] }> {
  const m = await TrainedModel.load(modelDir);
  try {
    return await m.evaluate(data, opts);
  } finally {
    m.dispose();
  }
}
