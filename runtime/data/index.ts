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
import { cell, readTable, rowWhere, type Row } from './readers.ts';
import { assignSplits, SPLITS, type SplitName } from './split.ts';
import type { DataSpec, InputSpec } from './spec.ts';

export * from './spec.ts';
export { DataError } from './errors.ts';
export { readTable, parseTable, rowWhere, cell, type Row, type Table } from './readers.ts';
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

/** One input's values for all rows of a split, row-major. */
export interface Feature {
  data: Int32Array | Float32Array;
  /** text [n, maxLen]; tabular [n, columns]; categorical [n]. */
  shape: number[];
  dtype: 'int32' | 'float32';
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
  | { kind: 'categorical'; vocabSize: number; splits: Record<SplitName, CategoricalStats> };

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
  /** False when a given state was applied instead of fitting one. */
  fitted: boolean;
  warnings: string[];
  /** Wall time in milliseconds. */
  ms: number;
}

/** The id column: dataset.idColumn, else `id` when the data has one, else none. */
function idColumnOf(spec: DataSpec, columns: string[]): string | undefined {
  return spec.dataset.idColumn ?? (columns.includes('id') ? 'id' : undefined);
}

/** Every column the spec reads, with who reads it. */
function namedColumns(spec: DataSpec, forPredict: boolean): [string, string][] {
  const out: [string, string][] = [];
  if (!forPredict && spec.dataset.split.kind === 'column') out.push([spec.dataset.split.column, 'the split']);
  for (const inp of spec.inputs) {
    if (inp.kind === 'tabular') for (const c of inp.columns) out.push([c, `tabular input "${inp.name}"`]);
    else out.push([inp.column, `${inp.kind} input "${inp.name}"`]);
  }
  if (!forPredict) out.push([spec.label.column, `label "${spec.label.name}"`]);
  if (spec.dataset.idColumn !== undefined) out.push([spec.dataset.idColumn, 'the id column']);
  return out;
}

/** @throws DataError for a named column that no row has. */
function checkColumns(spec: DataSpec, columns: string[], file: string | undefined, forPredict: boolean): void {
  const have = new Set(columns);
  for (const [col, who] of namedColumns(spec, forPredict)) {
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

/** Fits every input's state on train rows. */
function fitInputs(inputs: InputSpec[], rows: Row[], ctx: RowContext): Record<string, InputState> {
  const out: Record<string, InputState> = {};
  for (const inp of inputs) {
    out[inp.name] = inp.kind === 'text' ? fitText(inp, rows, ctx) : inp.kind === 'tabular' ? fitTabular(inp, rows, ctx) : fitCategorical(inp, rows, ctx);
  }
  return out;
}

/** Encodes every input; returns features and per-input statistics. */
function encodeInputs(
  inputs: InputSpec[],
  state: PreprocessorState,
  rows: Row[],
  ctx: RowContext,
): { features: Record<string, Feature>; stats: Record<string, TextStats | TabularStats | CategoricalStats> } {
  const features: Record<string, Feature> = {};
  const stats: Record<string, TextStats | TabularStats | CategoricalStats> = {};
  const n = rows.length;
  for (const inp of inputs) {
    const st = state.inputs[inp.name];
    if (inp.kind === 'text') {
      const r = encodeText(inp, st as Extract<InputState, { kind: 'text' }>, rows, ctx);
      features[inp.name] = { data: r.data, shape: [n, inp.maxLen], dtype: 'int32' };
      stats[inp.name] = r.stats;
    } else if (inp.kind === 'tabular') {
      const r = encodeTabular(inp, st as Extract<InputState, { kind: 'tabular' }>, rows, ctx);
      features[inp.name] = { data: r.data, shape: [n, inp.columns.length], dtype: 'float32' };
      stats[inp.name] = r.stats;
    } else {
      const r = encodeCategorical(inp, st as Extract<InputState, { kind: 'categorical' }>, rows, ctx);
      features[inp.name] = { data: r.data, shape: [n], dtype: 'int32' };
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

/**
 * Reads, splits and preprocesses the data a spec names.
 *
 * Steps: read `dataset.source` relative to `baseDir`; check every named column exists;
 * assign rows to splits (see SplitSpec); drop rows whose label is missing (counted per
 * split); fit preprocessing on the train rows — unless `state` is given, which is then
 * applied as is; encode every split.
 *
 * @param spec the data spec (as emitted by the compiler).
 * @param baseDir folder that `dataset.source.path` is relative to.
 * @param state a previously fitted state to apply instead of fitting (e.g. to evaluate a saved model).
 * @returns the (fitted or given) state, the three splits as typed arrays, and a report.
 * @throws DataError for a missing/unreadable/malformed file, a column no row has, bad
 *   values (file, row and column named), an empty train split, or a state that does not fit the spec.
 */
export function loadData(
  spec: DataSpec,
  baseDir: string,
  state?: PreprocessorState,
): { state: PreprocessorState; splits: Record<SplitName, SplitData>; report: DataReport } {
  const t0 = performance.now();
  checkInputNames(spec.inputs);
  const table = readTable(spec.dataset.source, baseDir);
  const file = table.file;
  checkColumns(spec, table.columns, file, false);
  if (state) checkStateMatches(state, spec.inputs, spec.label);
  const assignment = assignSplits(table.rows, spec.dataset.split, file);
  const idColumn = idColumnOf(spec, table.columns);
  const warnings: string[] = [];

  // Rows with a missing label are dropped, per split.
  const kept = {} as Record<SplitName, number[]>;
  const dropped = { train: 0, val: 0, test: 0, total: 0 };
  for (const s of SPLITS) {
    kept[s] = assignment.indices[s].filter((i) => !isMissing(cell(table.rows[i], spec.label.column)));
    dropped[s] = assignment.indices[s].length - kept[s].length;
    dropped.total += dropped[s];
  }
  const ctxOf = (idx: number[]): RowContext => ({ file, where: (k) => rowWhere(table, idx[k]) });
  const rowsOf = (idx: number[]): Row[] => idx.map((i) => table.rows[i]);

  let fitted = false;
  if (!state) {
    if (kept.train.length === 0) {
      throw new DataError({
        file,
        problem: `the train split is empty (${assignment.indices.train.length} rows assigned, ${dropped.train} without a label)`,
        hint:
          spec.dataset.split.kind === 'column'
            ? `check the values listed for train against the values of column "${spec.dataset.split.column}"`
            : 'give train a larger fraction, or check the label column',
      });
    }
    const trainRows = rowsOf(kept.train);
    const ctx = ctxOf(kept.train);
    state = { version: 1, dataset: spec.dataset.name, inputs: fitInputs(spec.inputs, trainRows, ctx), label: fitLabel(spec.label, trainRows, ctx) };
    fitted = true;
  }
  const st = state;

  const splits = {} as Record<SplitName, SplitData>;
  const inputStats: Record<string, Partial<Record<SplitName, TextStats | TabularStats | CategoricalStats>>> = {};
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
    const { features, stats } = encodeInputs(spec.inputs, st, rows, ctx);
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
        : inp.kind === 'tabular'
          ? { kind: 'tabular', splits: per }
          : { kind: 'categorical', vocabSize: (stI as Extract<InputState, { kind: 'categorical' }>).values.length + 1, splits: per };
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
    fitted,
    warnings,
    ms: performance.now() - t0,
  };
  return { state: st, splits, report };
}

/**
 * Applies a fitted state to new rows (e.g. for predict). Every row is kept; the label is
 * encoded when the label column is present in a row, else -1.
 * @param rows plain objects keyed by column name (strings as in CSV, or JSON values).
 * @param opts.file name used in error messages; opts.where row index → location (default `row i+1`).
 * @throws DataError for an input column no row has, a bad value (row and column named),
 *   or a state that does not fit the spec.
 */
export function transformRows(
  rows: Row[],
  spec: DataSpec,
  state: PreprocessorState,
  opts: { file?: string; where?: (i: number) => string } = {},
): SplitData {
  checkInputNames(spec.inputs);
  checkStateMatches(state, spec.inputs, spec.label);
  const columns = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) columns.add(k);
  if (rows.length > 0) checkColumns(spec, [...columns], opts.file, true);
  const ctx: RowContext = { file: opts.file, where: opts.where ?? ((i) => `row ${i + 1}`) };
  const labels = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) labels[i] = encodeLabel(spec.label, state.label, cell(rows[i], spec.label.column), ctx, i);
  const { features } = encodeInputs(spec.inputs, state, rows, ctx);
  const idColumn = idColumnOf(spec, [...columns]);
  return { size: rows.length, inputs: features, labels, keys: rows.map((r, i) => keyOf(r, idColumn, i + 1)) };
}

/**
 * The rows of a split at the given positions (e.g. a bootstrap sample or a fold), copied
 * into new typed arrays in that order.
 * @throws RangeError for a position outside 0..size-1.
 */
export function subset(split: SplitData, positions: ArrayLike<number>): SplitData {
  const m = positions.length;
  for (let k = 0; k < m; k++) {
    const p = positions[k];
    if (!Number.isInteger(p) || p < 0 || p >= split.size) throw new RangeError(`position ${p} is outside 0..${split.size - 1}`);
  }
  const inputs: Record<string, Feature> = {};
  for (const [name, f] of Object.entries(split.inputs)) {
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
    } else {
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
  for (const w of r.warnings) out.push(`  warning: ${w}`);
  return out.join('\n');
}
