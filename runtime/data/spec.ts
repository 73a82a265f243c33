/**
 * The data specification the compiler emits as a JSON literal into generated training
 * code. The runtime (runtime/data) reads, splits and preprocesses data from it; nothing
 * in a spec is ever evaluated as code.
 */

/** Where rows come from. `path` is relative to the `baseDir` given to `loadData`. */
export interface SourceSpec {
  format: 'jsonl' | 'json' | 'csv';
  path: string;
  /** CSV field delimiter (default `,`). Ignored for JSON/JSONL. */
  delimiter?: string;
}

/**
 * How rows are assigned to train / val / test.
 * - `random`: fractions (summing to 1) of a permutation of row indices drawn with a
 *   mulberry32 PRNG seeded by `seed` (Fisher–Yates shuffle).
 * - `column`: the value of `column` (as a string) decides; each list holds the values
 *   that mean that split. Rows whose value is in no list are left out and counted.
 */
export type SplitSpec =
  | { kind: 'random'; train: number; val: number; test: number; seed: number }
  | { kind: 'column'; column: string; train: string[]; val: string[]; test: string[] }; // values that mean each split

export interface DatasetSpec {
  name: string;
  source: SourceSpec;
  split: SplitSpec;
  /**
   * Column whose value identifies a row (becomes `SplitData.keys`). Default: `id` when
   * the data has such a column, else the 1-based data row number.
   */
  idColumn?: string;
}

/**
 * One model input.
 * - `text`: `vocab` counts the padding id 0 and the out-of-vocabulary id 1; sequences
 *   are cut to the first `maxLen` tokens and pre-padded with 0. Output int32 [n, maxLen].
 * - `tabular`: numeric columns, imputed then normalised with train statistics. Output float32 [n, columns.length].
 * - `categorical`: `vocab` counts the unknown/missing id 0. Output int32 [n].
 */
export type InputSpec =
  | { name: string; kind: 'text'; column: string; vocab: number; maxLen: number; lowercase: boolean; tokenizer: 'words' | 'chars' }
  | { name: string; kind: 'tabular'; columns: string[]; normalize: 'zscore' | 'minmax' | 'none'; impute: 'mean' | 'median' | 'zero' | 'error' }
  | { name: string; kind: 'categorical'; column: string; vocab: number };

/**
 * The prediction target.
 * - `binary`: 0/1, true/false, "0"/"1", "true"/"false"; or `positive` names the value meaning 1 (every other value is 0).
 * - `multiclass`: index into `classes` (given, or the sorted distinct train values); `numClasses` must match.
 */
export type LabelSpec =
  | { name: string; kind: 'binary'; column: string; positive?: string }
  | { name: string; kind: 'multiclass'; column: string; classes?: string[]; numClasses: number };

export interface DataSpec {
  dataset: DatasetSpec;
  inputs: InputSpec[];
  label: LabelSpec;
}
