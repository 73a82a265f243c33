/**
 * The data specification the compiler emits as a JSON literal into generated training
 * code. The runtime (runtime/data) reads, splits and preprocesses data from it; nothing
 * in a spec is ever evaluated as code.
 */

/**
 * Where rows come from. Every path is relative to the `baseDir` given to `loadData` (absolute paths are kept).
 * - `jsonl` / `json` / `csv`: a table; a cell may hold a file path (image, WAV), relative to the data file's folder.
 * - `folder`: one row per PNG/JPEG/WAV file under `path`: columns `path` (relative to the folder), `class` (the
 *   first sub-folder, null for files directly in the folder) and `name` (the file name without its extension).
 * - `idx`: IDX files (LeCun's MNIST format, gzipped or not): `path` the images (idx3 [n, rows, cols] or idx4
 *   [n, rows, cols, channels], unsigned bytes), `labels` the idx1 labels; optionally a second pair
 *   `testImages`/`testLabels`. Columns `image` (the pixels), `label` (a number), `part` ("train" or "test") and
 *   `id` ("train-0", "test-41", …).
 */
export type SourceSpec =
  | {
      format: 'jsonl' | 'json' | 'csv';
      path: string;
      /** CSV field delimiter (default `,`). Ignored for JSON/JSONL. */
      delimiter?: string;
    }
  | { format: 'folder'; path: string }
  | { format: 'idx'; path: string; labels: string; testImages?: string; testLabels?: string };

/**
 * How rows are assigned to train / val / test.
 * - `random`: fractions (summing to 1) of a permutation of row indices drawn with a
 *   mulberry32 PRNG seeded by `seed` (Fisher–Yates shuffle).
 * - `column`: the value of `column` (as a string) decides; each list holds the values
 *   that mean that split. Rows whose value is in no list are left out and counted.
 */
export type SplitSpec =
  | { kind: 'random'; train: number; val: number; test: number; seed: number }
  | {
      kind: 'column';
      column: string;
      train: string[];
      val: string[];
      test: string[];
      /** A seeded random share of the train rows moved to val (e.g. a validation set out of a fixed train file). */
      valShare?: number;
      seed?: number;
    };

export interface DatasetSpec {
  name: string;
  source: SourceSpec;
  split: SplitSpec;
  /**
   * Column whose value identifies a row (becomes `SplitData.keys`). Default: `id` when
   * the data has such a column, else the 1-based data row number.
   */
  idColumn?: string;
  /**
   * Joined datasets only: what to do with a sample that lacks this dataset's row (a missing modality) or, for
   * the label's dataset, a row whose key no other dataset has. `drop` (default): report the keys and leave the
   * sample out; `error`: refuse to load, naming the keys.
   */
  missing?: 'drop' | 'error';
}

/**
 * One model input.
 * - `text`: `vocab` counts the padding id 0 and the out-of-vocabulary id 1; sequences
 *   are cut to the first `maxLen` tokens and pre-padded with 0. Output int32 [n, maxLen].
 * - `tabular`: numeric columns, imputed then normalised with train statistics. Output float32 [n, columns.length].
 * - `categorical`: `vocab` counts the unknown/missing id 0. Output int32 [n].
 */
export type InputSpec = (
  | { name: string; kind: 'text'; column: string; vocab: number; maxLen: number; lowercase: boolean; tokenizer: 'words' | 'chars' }
  | { name: string; kind: 'tabular'; columns: string[]; normalize: 'zscore' | 'minmax' | 'none'; impute: 'mean' | 'median' | 'zero' | 'error' }
  | { name: string; kind: 'categorical'; column: string; vocab: number }
  | ImageInputSpec
  | AudioInputSpec
  | SeriesInputSpec
) & {
  /** The dataset the input reads, when the data spec joins several (`DataSpec.joins`); default the main dataset. */
  dataset?: string;
};

/**
 * An image, float32 [n, height, width, channels]. The column holds a PNG/JPEG path (relative to the data file),
 * IDX pixels, or a flat array of height·width·channels integers 0…255 (row-major HWC). Decoded, converted to
 * `channels`, resized bilinearly (runtime/data/image.ts), kept as bytes; per batch: `none` the values 0…255,
 * `unit` divided by 255, `zscore` (x − mean_c) / std_c with per-channel train statistics.
 */
export interface ImageInputSpec {
  name: string;
  kind: 'image';
  column: string;
  height: number;
  width: number;
  channels: number;
  normalize: 'none' | 'unit' | 'zscore';
}

/**
 * Audio, float32 [n, frames, featureCount]: the column holds a WAV path (relative to the data file) or an array
 * of samples at `sampleRate`. Mixed to mono, resampled, cut or zero-padded to `clip` seconds, then log-mel or
 * MFCC frames (runtime/data/audio.ts names every formula), standardised per feature with train statistics (zscore).
 */
export interface AudioInputSpec {
  name: string;
  kind: 'audio';
  column: string;
  sampleRate: number;
  clip: number;
  features: 'log_mel' | 'mfcc';
  window: number;
  hop: number;
  mels: number;
  mfcc: number;
  /** zscore (default when absent: none): each feature standardised with its train mean and deviation over all frames. */
  normalize?: 'zscore' | 'none';
  frames: number;
  featureCount: number;
}

/**
 * A multichannel series, float32 [n, length, channels]. The column holds a JSON array (or a CSV cell with JSON
 * text) of `length` rows of `channels` numbers, or, with one channel, `length` numbers. `zscore` standardises each
 * channel with train statistics (finite values only); non-finite and missing values are counted and replaced by
 * the channel's train mean (0 after standardisation).
 */
export interface SeriesInputSpec {
  name: string;
  kind: 'timeseries' | 'signal';
  column: string;
  channels: number;
  length: number;
  normalize: 'zscore' | 'none';
  /** signal only: samples per second (informative). */
  rate?: number;
}

/**
 * The prediction target.
 * - `binary`: 0/1, true/false, "0"/"1", "true"/"false"; or `positive` names the value meaning 1 (every other value is 0).
 * - `multiclass`: index into `classes` (given, or the sorted distinct train values); `numClasses` must match.
 */
export type LabelSpec =
  | { name: string; kind: 'binary'; column: string; positive?: string }
  | { name: string; kind: 'multiclass'; column: string; classes?: string[]; numClasses: number };

export interface DataSpec {
  /** The dataset holding the label: its split decides train/val/test for every joined dataset. */
  dataset: DatasetSpec;
  /**
   * Further datasets whose rows are joined to the main one by sample key (`idColumn`, which every dataset then
   * declares): a sample is a key of the main dataset, and each input reads the row of its own dataset with that
   * key — never by file order. Missing rows are handled as each dataset's `missing` says.
   */
  joins?: DatasetSpec[];
  inputs: InputSpec[];
  label: LabelSpec;
}
