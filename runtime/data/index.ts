/**
 * The runtime data pipeline that generated training code calls: read a file, split it,
 * fit preprocessing on the train split, and turn every split into plain typed arrays.
 *
 * No tfjs here: batching into tensors happens elsewhere, from {@link SplitData} and
 * the index arrays {@link batches} yields.
 */
import { closest, DataError } from './errors.ts';
import {
  checkStateMatches,
  encodeCategorical,
  encodeLabel,
  encodeTabular,
  encodeText,
  fitCategorical,
  fitLabel,
  fitTabular,
  fitText,
  isMissing,
  type CategoricalStats,
  type InputState,
  type PreprocessorState,
  type RowContext,
  type TabularStats,
  type TextStats,
} from './preprocess.ts';
import { cell, readTable, rowWhere, type Row, type Table } from './readers.ts';
import { assignSplits, SPLITS, type SplitName } from './split.ts';
import type { DataSpec, DatasetSpec, InputSpec } from './spec.ts';
import {
  computedFeature,
  encodeAudio,
  encodeImage,
  encodeSeries,
  fitAudio,
  fitImage,
  fitSeries,
  memoryBudget,
  type AudioState,
  type AudioStats,
  type ComputedFeature,
  type ImageState,
  type ImageStats,
  type MediaContext,
  type MediaOptions,
  type SeriesState,
  type SeriesStats,
} from './media.ts';

export * from './spec.ts';
export { DataError } from './errors.ts';
export { readTable, parseTable, rowWhere, cell, type Row, type Table } from './readers.ts';
export { readFolderSource, readIdxSource, parseIdx, idxValue, MEDIA_EXTENSIONS, type IdxArray } from './sources.ts';
export { decodeImage, readImageFile, convertChannels, resizeBilinear, prepareImage, imageFormat, ImageDecodeError, type RawImage } from './image.ts';
export { decodeWav, readWavFile, mixToMono, resample, padOrTrim, hzToMel, melToHz, melFilterbank, AudioFeaturizer, AudioDecodeError, type DecodedAudio, type AudioSettings } from './audio.ts';
export {
  memoryBudget,
  type MediaOptions,
  type MediaState,
  type ImageState,
  type AudioState,
  type SeriesState,
  type ComputedFeature,
  type ImageStats,
  type AudioStats,
  type SeriesStats,
} from './media.ts';
export { mulberry32, permutation, assignSplits, batches, SPLITS, type SplitName, type SplitAssignment } from './split.ts';
export {
  tokenize,
  isMissing,
  toNumber,
  stateFromJSON,
  stateToJSON,
  checkStateMatches,
  PAD_ID,
  OOV_ID,
  UNKNOWN_ID,
  type PreprocessorState,
  type InputState,
  type TextState,
  type TabularState,
  type ColumnState,
  type CategoricalState,
  type LabelState,
  type TextStats,
  type TabularStats,
  type CategoricalStats,
} from './preprocess.ts';

/**
 * One input's values for all rows of a split, row-major. Dense features hold `data`; computed features
 * ({@link ComputedFeature}: images kept as bytes, media streamed from disk) also have `rows(idx)`, and their `data`
 * computes every row at each access. Read batches with {@link featureRows}, which uses `rows` when present.
 */
export interface Feature {
  data: Int32Array | Float32Array;
  /** text [n, maxLen]; tabular [n, columns]; categorical [n]; image [n, H, W, C]; audio [n, frames, features]; series [n, length, channels]. */
  shape: number[];
  dtype: 'int32' | 'float32';
  /** Computed features only: the values of rows idx (see ComputedFeature). */
  rows?: (idx: ArrayLike<number>) => Float32Array;
}

/** True for a feature computed per batch (its `data` is computed at each access). */
export function isComputed(f: Feature): f is ComputedFeature {
  return typeof f.rows === 'function';
}

/**
 * The values of rows `idx` of a feature as a fresh typed array of `dtype` (default the feature's), row-major
 * `[idx.length, ...shape.slice(1)]`.
 * @throws RangeError for a row outside the feature.
 */
export function featureRows(f: Feature, idx: ArrayLike<number>, dtype: 'int32' | 'float32' = f.dtype): Int32Array | Float32Array {
  const n = f.shape[0];
  for (let r = 0; r < idx.length; r++) if (!(idx[r] >= 0 && idx[r] < n)) throw new RangeError(`row ${idx[r]} is outside 0..${n - 1}`);
  const width = f.shape.slice(1).reduce((a, b) => a * b, 1);
  if (isComputed(f)) {
    const v = f.rows(idx);
    return dtype === 'float32' ? v : Int32Array.from(v);
  }
  const out = dtype === 'int32' ? new Int32Array(idx.length * width) : new Float32Array(idx.length * width);
  const sameType = (dtype === 'int32') === f.data instanceof Int32Array;
  for (let r = 0; r < idx.length; r++) {
    const start = idx[r] * width;
    if (sameType) out.set(f.data.subarray(start, start + width), r * width);
    else for (let k = 0; k < width; k++) out[r * width + k] = f.data[start + k];
  }
  return out;
}

/** Rows `start … start + count − 1` of a feature (a view for dense features, computed otherwise). */
export function featureRange(f: Feature, start: number, count: number): Int32Array | Float32Array {
  const width = f.shape.slice(1).reduce((a, b) => a * b, 1);
  if (!isComputed(f)) return f.data.subarray(start * width, (start + count) * width);
  return f.rows(Int32Array.from({ length: count }, (_, k) => start + k));
}

/** One split, ready for batching. */
export interface SplitData {
  size: number;
  /** By input name. */
  inputs: Record<string, Feature>;
  /** int32 [n]: 0/1 (binary) or class index (multiclass); -1 only from transformRows for rows without a label. */
  labels: Int32Array;
  /** Row ids: the id column's value, or the 1-based data row number in the file. */
  keys: string[];
}

export type InputReport =
  | { kind: 'text'; vocabSize: number; splits: Record<SplitName, TextStats> }
  | { kind: 'tabular'; splits: Record<SplitName, TabularStats> }
  | { kind: 'categorical'; vocabSize: number; splits: Record<SplitName, CategoricalStats> }
  | { kind: 'image'; splits: Record<SplitName, ImageStats> }
  | { kind: 'audio'; splits: Record<SplitName, AudioStats> }
  | { kind: 'timeseries' | 'signal'; splits: Record<SplitName, SeriesStats> };

type AnyStats = TextStats | TabularStats | CategoricalStats | ImageStats | AudioStats | SeriesStats;

/** A joined dataset in the report: its file, rows, and the samples dropped because it had no row for them. */
export interface JoinReport {
  dataset: string;
  file: string;
  rows: number;
  /** Samples of the main dataset (with a label) this dataset has no row for. */
  missing: number;
  /** Up to 10 of their keys. */
  missingKeys: string[];
  /** Rows of this dataset whose key no labelled sample of the main dataset has (left out). */
  unmatched: number;
  unmatchedKeys: string[];
}

/** What loadData did, for printing ({@link formatReport}) and for tests. */
export interface DataReport {
  dataset: string;
  file: string;
  format: string;
  /** Rows in the file. */
  rows: number;
  columns: string[];
  split: {
    kind: 'random' | 'column';
    /** Rows per split after dropping missing labels. */
    counts: Record<SplitName, number>;
    /** Column splits: rows whose value is in no list (left out), with up to 10 of those values. */
    unassigned: number;
    unassignedValues: string[];
  };
  /** Rows dropped because their label is missing (null, undefined, "", "NA", "?"). */
  droppedMissingLabel: Record<SplitName, number> & { total: number };
  label: { name: string; kind: 'binary' | 'multiclass'; classes: string[]; counts: Record<SplitName, number[]> };
  inputs: Record<string, InputReport>;
  /** Datasets joined by key (DataSpec.joins), when any. */
  joins?: JoinReport[];
  /** False when a given state was applied instead of fitting one. */
  fitted: boolean;
  warnings: string[];
  /** Wall time in milliseconds. */
  ms: number;
}

/** The id column: dataset.idColumn, else `id` when the data has one, else none. */
function idColumnOf(ds: DatasetSpec, columns: string[]): string | undefined {
  return ds.idColumn ?? (columns.includes('id') ? 'id' : undefined);
}

/** Every column the spec reads in the dataset `dsName` (the main one when `main`), with who reads it. */
function namedColumns(spec: DataSpec, forPredict: boolean, dsName?: string): [string, string][] {
  const out: [string, string][] = [];
  const main = dsName === undefined || dsName === spec.dataset.name;
  const ds = main ? spec.dataset : spec.joins?.find((j) => j.name === dsName);
  if (main && !forPredict && spec.dataset.split.kind === 'column') out.push([spec.dataset.split.column, 'the split']);
  for (const inp of spec.inputs) {
    if (dsName !== undefined && (inp.dataset ?? spec.dataset.name) !== dsName) continue;
    if (inp.kind === 'tabular') for (const c of inp.columns) out.push([c, `tabular input "${inp.name}"`]);
    else out.push([inp.column, `${inp.kind} input "${inp.name}"`]);
  }
  if (main && !forPredict) out.push([spec.label.column, `label "${spec.label.name}"`]);
  if (ds?.idColumn !== undefined && !forPredict) out.push([ds.idColumn, spec.joins?.length ? 'the sample key' : 'the id column']);
  return out;
}

/** @throws DataError for a named column that no row has. */
function checkColumns(spec: DataSpec, columns: string[], file: string | undefined, forPredict: boolean, dsName?: string): void {
  const have = new Set(columns);
  for (const [col, who] of namedColumns(spec, forPredict, dsName)) {
    if (have.has(col)) continue;
    const guess = closest(col, columns);
    const list = columns.slice(0, 20).join(', ') + (columns.length > 20 ? ', ...' : '');
    throw new DataError({
      file,
      where: 'every row',
      column: col,
      problem: `${who} reads this column but no row has it (columns: ${list})`,
      hint: guess !== undefined ? `did you mean "${guess}"?` : 'name one of the columns listed, or add the column to the data',
    });
  }
}

function checkInputNames(inputs: InputSpec[]): void {
  const seen = new Set<string>();
  for (const inp of inputs) {
    if (seen.has(inp.name)) {
      throw new DataError({ problem: `two inputs are named "${inp.name}"`, hint: 'give every input its own name' });
    }
    seen.add(inp.name);
  }
}

/** The rows an input reads for a list of samples, and where they come from. */
interface InputRows {
  rows: Row[];
  ctx: MediaContext;
}

/** Fits every input's state on train rows. */
function fitInputs(inputs: InputSpec[], rowsOf: (inp: InputSpec) => InputRows): Record<string, InputState> {
  const out: Record<string, InputState> = {};
  for (const inp of inputs) {
    const { rows, ctx } = rowsOf(inp);
    out[inp.name] =
      inp.kind === 'text'
        ? fitText(inp, rows, ctx)
        : inp.kind === 'tabular'
          ? fitTabular(inp, rows, ctx)
          : inp.kind === 'categorical'
            ? fitCategorical(inp, rows, ctx)
            : inp.kind === 'image'
              ? fitImage(inp, rows, ctx)
              : inp.kind === 'audio'
                ? fitAudio(inp, rows, ctx)
                : fitSeries(inp, rows, ctx);
  }
  return out;
}

/** Encodes every input; returns features and per-input statistics. */
function encodeInputs(
  inputs: InputSpec[],
  state: PreprocessorState,
  rowsOf: (inp: InputSpec) => InputRows,
  n: number,
  budget: number,
): { features: Record<string, Feature>; stats: Record<string, AnyStats> } {
  const features: Record<string, Feature> = {};
  const stats: Record<string, AnyStats> = {};
  for (const inp of inputs) {
    const st = state.inputs[inp.name];
    const { rows, ctx } = rowsOf(inp);
    if (inp.kind === 'text') {
      const r = encodeText(inp, st as Extract<InputState, { kind: 'text' }>, rows, ctx);
      features[inp.name] = { data: r.data, shape: [n, inp.maxLen], dtype: 'int32' };
      stats[inp.name] = r.stats;
    } else if (inp.kind === 'tabular') {
      const r = encodeTabular(inp, st as Extract<InputState, { kind: 'tabular' }>, rows, ctx);
      features[inp.name] = { data: r.data, shape: [n, inp.columns.length], dtype: 'float32' };
      stats[inp.name] = r.stats;
    } else if (inp.kind === 'categorical') {
      const r = encodeCategorical(inp, st as Extract<InputState, { kind: 'categorical' }>, rows, ctx);
      features[inp.name] = { data: r.data, shape: [n], dtype: 'int32' };
      stats[inp.name] = r.stats;
    } else if (inp.kind === 'image') {
      const r = encodeImage(inp, st as ImageState, rows, ctx, budget);
      features[inp.name] = r.feature;
      stats[inp.name] = r.stats;
    } else if (inp.kind === 'audio') {
      const r = encodeAudio(inp, st as AudioState, rows, ctx, budget);
      features[inp.name] = r.feature;
      stats[inp.name] = r.stats;
    } else {
      const r = encodeSeries(inp, st as SeriesState, rows, ctx);
      features[inp.name] = r.feature;
      stats[inp.name] = r.stats;
    }
  }
  return { features, stats };
}

function keyOf(row: Row, idColumn: string | undefined, rowNumber: number): string {
  if (idColumn !== undefined) {
    const v = cell(row, idColumn);
    if (v !== undefined && v !== null && v !== '') return typeof v === 'string' ? v : JSON.stringify(v);
  }
  return String(rowNumber);
}

/** Key → row index of a table whose key column is `column`. @throws DataError for a missing or repeated key. */
function keyIndex(table: Table, column: string, dataset: string): Map<string, number> {
  const map = new Map<string, number>();
  for (let i = 0; i < table.rows.length; i++) {
    const v = cell(table.rows[i], column);
    if (isMissing(v)) {
      throw new DataError({ file: table.file, where: rowWhere(table, i), column, problem: `dataset ${dataset}: this row has no sample key`, hint: 'give every row a key: rows of different datasets are joined by it' });
    }
    const k = typeof v === 'string' ? v : JSON.stringify(v);
    const prev = map.get(k);
    if (prev !== undefined) {
      throw new DataError({
        file: table.file,
        where: rowWhere(table, i),
        column,
        problem: `dataset ${dataset}: key ${JSON.stringify(k)} is used again (first at ${rowWhere(table, prev)})`,
        hint: 'keys identify samples: each must appear once per dataset',
      });
    }
    map.set(k, i);
  }
  return map;
}

const listKeys = (keys: string[], total: number): string => keys.map((k) => JSON.stringify(k)).join(', ') + (total > keys.length ? `, … (${total} in all)` : '');

/**
 * Reads, splits and preprocesses the data a spec names.
 *
 * Steps: read `dataset.source` relative to `baseDir` (and every joined dataset); check every named column exists;
 * assign rows of the main dataset to splits (see SplitSpec); drop rows whose label is missing (counted per split);
 * with joins, match each remaining sample to the row with its key in every joined dataset — samples a dataset
 * lacks are dropped and reported by key, or refused, as that dataset's `missing` says; fit preprocessing on the
 * train rows — unless `state` is given, which is then applied as is; encode every split (media: see media.ts).
 *
 * @param spec the data spec (as emitted by the compiler).
 * @param baseDir folder that `dataset.source.path` is relative to.
 * @param state a previously fitted state to apply instead of fitting (e.g. to evaluate a saved model).
 * @param opts memory budget of media inputs (above it they stream from disk).
 * @returns the (fitted or given) state, the three splits, and a report.
 * @throws DataError for a missing/unreadable/malformed file, a column no row has, bad
 *   values (file, row and column named), an empty train split, missing modalities with `missing error`, or a
 *   state that does not fit the spec.
 */
export function loadData(
  spec: DataSpec,
  baseDir: string,
  state?: PreprocessorState,
  opts: MediaOptions = {},
): { state: PreprocessorState; splits: Record<SplitName, SplitData>; report: DataReport } {
  const t0 = performance.now();
  checkInputNames(spec.inputs);
  const budget = memoryBudget(opts);
  const table = readTable(spec.dataset.source, baseDir);
  const file = table.file;
  const joins = spec.joins ?? [];
  checkColumns(spec, table.columns, file, false, joins.length ? spec.dataset.name : undefined);
  const joinTables = new Map<string, Table>();
  for (const j of joins) {
    const t = readTable(j.source, baseDir);
    checkColumns(spec, t.columns, t.file, false, j.name);
    joinTables.set(j.name, t);
  }
  for (const inp of spec.inputs) {
    if (inp.dataset !== undefined && inp.dataset !== spec.dataset.name && !joinTables.has(inp.dataset)) {
      throw new DataError({ problem: `input "${inp.name}" reads dataset ${inp.dataset}, which the data spec does not join`, hint: 'add the dataset to joins, or read the input from the main dataset' });
    }
  }
  if (state) checkStateMatches(state, spec.inputs, spec.label);
  const assignment = assignSplits(table.rows, spec.dataset.split, file);
  const idColumn = idColumnOf(spec.dataset, table.columns);
  const warnings: string[] = [];

  // Rows with a missing label are dropped, per split.
  const kept = {} as Record<SplitName, number[]>;
  const dropped = { train: 0, val: 0, test: 0, total: 0 };
  for (const s of SPLITS) {
    kept[s] = assignment.indices[s].filter((i) => !isMissing(cell(table.rows[i], spec.label.column)));
    dropped[s] = assignment.indices[s].length - kept[s].length;
    dropped.total += dropped[s];
  }

  // Joins: the row of each joined dataset for every main row, matched by key.
  const matched = new Map<string, Int32Array>();
  const joinReports: JoinReport[] = [];
  if (joins.length) {
    if (spec.dataset.idColumn === undefined) {
      throw new DataError({ file, problem: `dataset ${spec.dataset.name} is joined with ${joins.map((j) => j.name).join(', ')} but declares no key`, hint: 'declare the key column of every joined dataset: key COLUMN' });
    }
    const mainKeys = keyIndex(table, spec.dataset.idColumn, spec.dataset.name);
    const labelled = new Set<number>(SPLITS.flatMap((s) => kept[s]));
    for (const j of joins) {
      const t = joinTables.get(j.name)!;
      if (j.idColumn === undefined) {
        throw new DataError({ file: t.file, problem: `dataset ${j.name} is joined by key but declares no key`, hint: 'declare its key column: key COLUMN' });
      }
      const idx = keyIndex(t, j.idColumn, j.name);
      const m = new Int32Array(table.rows.length).fill(-1);
      const missingKeys: string[] = [];
      let missing = 0;
      for (const i of labelled) {
        const k = keyOf(table.rows[i], spec.dataset.idColumn, i + 1);
        const r = idx.get(k);
        if (r === undefined) {
          missing++;
          if (missingKeys.length < 10) missingKeys.push(k);
        } else m[i] = r;
      }
      const unmatchedKeys: string[] = [];
      let unmatched = 0;
      for (const [k] of idx) {
        const i = mainKeys.get(k);
        if (i === undefined || !labelled.has(i)) {
          unmatched++;
          if (unmatchedKeys.length < 10) unmatchedKeys.push(k);
        }
      }
      if (missing > 0 && (j.missing ?? 'drop') === 'error') {
        throw new DataError({
          file: t.file,
          column: j.idColumn,
          problem: `dataset ${j.name} has no row for ${missing} labelled sample${missing > 1 ? 's' : ''} of ${spec.dataset.name}: keys ${listKeys(missingKeys, missing)}`,
          hint: `add the missing rows, or declare missing drop on dataset ${j.name} to leave those samples out`,
        });
      }
      if (unmatched > 0 && (spec.dataset.missing ?? 'drop') === 'error') {
        throw new DataError({
          file,
          column: spec.dataset.idColumn,
          problem: `${unmatched} sample${unmatched > 1 ? 's' : ''} of dataset ${j.name} have no labelled row in ${spec.dataset.name}: keys ${listKeys(unmatchedKeys, unmatched)}`,
          hint: `add their labels, or declare missing drop on dataset ${spec.dataset.name} to leave them out`,
        });
      }
      if (missing > 0) warnings.push(`dataset ${j.name} has no row for ${missing} sample${missing > 1 ? 's' : ''} (dropped): keys ${listKeys(missingKeys, missing)}`);
      if (unmatched > 0) warnings.push(`${unmatched} row${unmatched > 1 ? 's' : ''} of dataset ${j.name} match no labelled sample (left out): keys ${listKeys(unmatchedKeys, unmatched)}`);
      matched.set(j.name, m);
      joinReports.push({ dataset: j.name, file: t.file, rows: t.rows.length, missing, missingKeys, unmatched, unmatchedKeys });
    }
    for (const s of SPLITS) kept[s] = kept[s].filter((i) => [...matched.values()].every((m) => m[i] >= 0));
  }

  /** The rows (and their origin) input `inp` reads for the main rows `idx`. */
  const rowsFor = (idx: number[]) => (inp: InputSpec): InputRows => {
    const ds = inp.dataset ?? spec.dataset.name;
    const m = ds === spec.dataset.name ? undefined : matched.get(ds);
    const t = m ? joinTables.get(ds)! : table;
    const at = m ? idx.map((i) => m[i]) : idx;
    return { rows: at.map((i) => t.rows[i]), ctx: { file: t.file, where: (k) => rowWhere(t, at[k]), dir: t.dir ?? baseDir } };
  };
  const ctxOf = (idx: number[]): RowContext => ({ file, where: (k) => rowWhere(table, idx[k]) });
  const rowsOf = (idx: number[]): Row[] => idx.map((i) => table.rows[i]);

  let fitted = false;
  if (!state) {
    if (kept.train.length === 0) {
      throw new DataError({
        file,
        problem: `the train split is empty (${assignment.indices.train.length} rows assigned, ${dropped.train} without a label${joins.length ? ', or without a row in a joined dataset' : ''})`,
        hint:
          spec.dataset.split.kind === 'column'
            ? `check the values listed for train against the values of column "${spec.dataset.split.column}"`
            : 'give train a larger fraction, or check the label column',
      });
    }
    const trainRows = rowsOf(kept.train);
    const ctx = ctxOf(kept.train);
    state = { version: 1, dataset: spec.dataset.name, inputs: fitInputs(spec.inputs, rowsFor(kept.train)), label: fitLabel(spec.label, trainRows, ctx) };
    fitted = true;
  }
  const st = state;

  const splits = {} as Record<SplitName, SplitData>;
  const inputStats: Record<string, Partial<Record<SplitName, AnyStats>>> = {};
  const classes = st.label.kind === 'multiclass' ? st.label.classes : ['0', '1'];
  const labelCounts = {} as Record<SplitName, number[]>;
  for (const s of SPLITS) {
    const idx = kept[s];
    const rows = rowsOf(idx);
    const ctx = ctxOf(idx);
    const labels = new Int32Array(rows.length);
    const counts = new Array<number>(classes.length).fill(0);
    for (let k = 0; k < rows.length; k++) {
      labels[k] = encodeLabel(spec.label, st.label, cell(rows[k], spec.label.column), ctx, k);
      counts[labels[k]]++;
    }
    labelCounts[s] = counts;
    const { features, stats } = encodeInputs(spec.inputs, st, rowsFor(idx), rows.length, budget);
    for (const [name, v] of Object.entries(stats)) (inputStats[name] ??= {})[s] = v;
    splits[s] = { size: rows.length, inputs: features, labels, keys: idx.map((i) => keyOf(table.rows[i], idColumn, i + 1)) };
  }

  // Warnings worth a look.
  if (spec.label.kind === 'binary' && spec.label.positive !== undefined) {
    const values = new Set<string>();
    for (const i of kept.train) values.add(String(cell(table.rows[i], spec.label.column)));
    if (values.size > 2) warnings.push(`binary label "${spec.label.name}" has ${values.size} distinct train values; all but ${JSON.stringify(spec.label.positive)} count as 0`);
    if (!values.has(spec.label.positive)) warnings.push(`binary label "${spec.label.name}": no train row has the positive value ${JSON.stringify(spec.label.positive)}`);
  }
  if (assignment.unassigned > 0) warnings.push(`${assignment.unassigned} rows have a split value in no list (${assignment.unassignedValues.map((v) => JSON.stringify(v)).join(', ')}) and were left out`);
  for (const s of ['val', 'test'] as const) if (kept[s].length === 0) warnings.push(`the ${s} split is empty`);

  const inputs: Record<string, InputReport> = {};
  for (const inp of spec.inputs) {
    const per = inputStats[inp.name] as Record<SplitName, never>;
    const stI = st.inputs[inp.name];
    inputs[inp.name] =
      inp.kind === 'text'
        ? { kind: 'text', vocabSize: (stI as Extract<InputState, { kind: 'text' }>).vocab.length + 2, splits: per }
        : inp.kind === 'categorical'
          ? { kind: 'categorical', vocabSize: (stI as Extract<InputState, { kind: 'categorical' }>).values.length + 1, splits: per }
          : { kind: inp.kind, splits: per } as InputReport;
  }

  const report: DataReport = {
    dataset: spec.dataset.name,
    file,
    format: table.format,
    rows: table.rows.length,
    columns: table.columns,
    split: {
      kind: spec.dataset.split.kind,
      counts: { train: kept.train.length, val: kept.val.length, test: kept.test.length },
      unassigned: assignment.unassigned,
      unassignedValues: assignment.unassignedValues,
    },
    droppedMissingLabel: dropped,
    label: { name: spec.label.name, kind: spec.label.kind, classes, counts: labelCounts },
    inputs,
    ...(joinReports.length ? { joins: joinReports } : {}),
    fitted,
    warnings,
    ms: performance.now() - t0,
  };
  return { state: st, splits, report };
}

/**
 * Applies a fitted state to new rows (e.g. for predict). Every row is kept; the label is
 * encoded when the label column is present in a row, else -1. Inputs of joined datasets read the same rows
 * (a row then holds every modality's columns).
 * @param rows plain objects keyed by column name (strings as in CSV, or JSON values).
 * @param opts.file name used in error messages; opts.where row index → location (default `row i+1`);
 *   opts.baseDir the folder relative media paths in cells are resolved against (default the working directory).
 * @throws DataError for an input column no row has, a bad value (row and column named),
 *   or a state that does not fit the spec.
 */
export function transformRows(
  rows: Row[],
  spec: DataSpec,
  state: PreprocessorState,
  opts: { file?: string; where?: (i: number) => string; baseDir?: string } & MediaOptions = {},
): SplitData {
  checkInputNames(spec.inputs);
  checkStateMatches(state, spec.inputs, spec.label);
  const columns = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) columns.add(k);
  if (rows.length > 0) checkColumns(spec, [...columns], opts.file, true);
  const ctx: MediaContext = { file: opts.file, where: opts.where ?? ((i) => `row ${i + 1}`), dir: opts.baseDir ?? process.cwd() };
  const labels = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) labels[i] = encodeLabel(spec.label, state.label, cell(rows[i], spec.label.column), ctx, i);
  const { features } = encodeInputs(spec.inputs, state, () => ({ rows, ctx }), rows.length, memoryBudget(opts));
  const idColumn = idColumnOf(spec.dataset, [...columns]);
  return { size: rows.length, inputs: features, labels, keys: rows.map((r, i) => keyOf(r, idColumn, i + 1)) };
}

/**
 * The rows of a split at the given positions (e.g. a bootstrap sample or a fold), in that order: dense features
 * are copied into new typed arrays; computed features (media) read the chosen rows on demand.
 * @throws RangeError for a position outside 0..size-1.
 */
export function subset(split: SplitData, positions: ArrayLike<number>): SplitData {
  const m = positions.length;
  for (let k = 0; k < m; k++) {
    const p = positions[k];
    if (!Number.isInteger(p) || p < 0 || p >= split.size) throw new RangeError(`position ${p} is outside 0..${split.size - 1}`);
  }
  const pos = Int32Array.from(positions);
  const inputs: Record<string, Feature> = {};
  for (const [name, f] of Object.entries(split.inputs)) {
    if (isComputed(f)) {
      inputs[name] = computedFeature([m, ...f.shape.slice(1)], (idx) => f.rows(Array.from(idx, (i) => pos[i])), f.storage, f.bytes);
      continue;
    }
    const width = f.shape.slice(1).reduce((a, b) => a * b, 1);
    const data = f.dtype === 'int32' ? new Int32Array(m * width) : new Float32Array(m * width);
    for (let k = 0; k < m; k++) data.set(f.data.subarray(positions[k] * width, (positions[k] + 1) * width), k * width);
    inputs[name] = { data, shape: [m, ...f.shape.slice(1)], dtype: f.dtype };
  }
  const labels = new Int32Array(m);
  const keys: string[] = new Array(m);
  for (let k = 0; k < m; k++) {
    labels[k] = split.labels[positions[k]];
    keys[k] = split.keys[positions[k]];
  }
  return { size: m, inputs, labels, keys };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** A few human-readable lines summarising a report (split sizes, label shares, OOV rates, missing values, warnings). */
export function formatReport(r: DataReport): string {
  const out: string[] = [];
  out.push(`dataset ${r.dataset}: ${r.rows} rows from ${r.file} (${r.format}), ${r.columns.length} columns, read in ${r.ms.toFixed(0)} ms`);
  const sizes = SPLITS.map((s) => `${s} ${r.split.counts[s]}`).join(', ');
  out.push(`  split (${r.split.kind}): ${sizes}${r.droppedMissingLabel.total > 0 ? `; dropped ${r.droppedMissingLabel.total} rows without a label` : ''}`);
  for (const s of SPLITS) {
    const c = r.label.counts[s];
    const n = c.reduce((a, b) => a + b, 0);
    const shares = r.label.kind === 'binary' ? `positive ${n === 0 ? '-' : pct(c[1] / n)}` : r.label.classes.map((k, i) => `${k} ${n === 0 ? '-' : pct(c[i] / n)}`).join(', ');
    out.push(`  label ${r.label.name} in ${s}: ${shares}`);
  }
  for (const [name, inp] of Object.entries(r.inputs)) {
    if (inp.kind === 'text') {
      out.push(`  text ${name}: vocabulary ${inp.vocabSize}; OOV ` + SPLITS.map((s) => `${s} ${pct(inp.splits[s].oovRate)}`).join(', ') + `; truncated ${SPLITS.map((s) => inp.splits[s].truncated).join('/')}`);
    } else if (inp.kind === 'categorical') {
      out.push(`  categorical ${name}: ${inp.vocabSize} ids; unknown ` + SPLITS.map((s) => `${s} ${inp.splits[s].unknown}`).join(', ') + '; missing ' + SPLITS.map((s) => inp.splits[s].missing).join('/'));
    } else if (inp.kind === 'image') {
      const t = inp.splits.train;
      out.push(`  image ${name}: ${SPLITS.map((s) => `${s} ${inp.splits[s].images}`).join(', ')} images; resized ${SPLITS.map((s) => inp.splits[s].resized).join('/')}; kept ${t.storage === 'memory' ? 'in memory as bytes' : 'on disk (decoded per batch)'}`);
    } else if (inp.kind === 'audio') {
      const c = (k: 'resampled' | 'trimmed' | 'padded' | 'mixed' | 'nonFinite') => SPLITS.map((s) => inp.splits[s][k]).join('/');
      out.push(`  audio ${name}: ${SPLITS.map((s) => `${s} ${inp.splits[s].clips}`).join(', ')} clips; resampled ${c('resampled')}, trimmed ${c('trimmed')}, padded ${c('padded')}, mixed to mono ${c('mixed')}, non-finite samples ${c('nonFinite')}; ${inp.splits.train.storage === 'memory' ? 'in memory' : 'streamed from disk'}`);
    } else if (inp.kind === 'timeseries' || inp.kind === 'signal') {
      const nf = SPLITS.map((s) => inp.splits[s].nonFinite.reduce((a, b) => a + b, 0));
      out.push(`  ${inp.kind} ${name}: missing or non-finite values (train/val/test): ${nf.some((x) => x > 0) ? `${nf.join('/')} (per channel in train: ${inp.splits.train.nonFinite.join(', ')}), replaced by the train mean` : 'none'}`);
    } else if (inp.kind === 'tabular') {
      const cols = Object.keys(inp.splits.train);
      const parts = cols
        .map((c) => {
          const m = SPLITS.map((s) => inp.splits[s][c].missing + inp.splits[s][c].nonFinite);
          return m.some((x) => x > 0) ? `${c} ${m.join('/')}` : null;
        })
        .filter((x) => x !== null);
      out.push(`  tabular ${name}: ${cols.length} columns; missing or non-finite (train/val/test): ${parts.length ? parts.join(', ') : 'none'}`);
    }
  }
  for (const j of r.joins ?? []) out.push(`  joined ${j.dataset}: ${j.rows} rows from ${j.file}; ${j.missing} samples without its row, ${j.unmatched} of its rows without a labelled sample`);
  for (const w of r.warnings) out.push(`  warning: ${w}`);
  return out.join('\n');
}
