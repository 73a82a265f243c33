/**
 * Preprocessing fitted on the train split and applied identically everywhere: text
 * vocabularies, tabular imputation and normalisation, categorical vocabularies, label
 * mapping. The fitted state is plain JSON (see {@link PreprocessorState}).
 */
import { DataError, show } from './errors.ts';
import { cell, type Row } from './readers.ts';
import type { InputSpec, LabelSpec } from './spec.ts';

/** Padding id of text sequences. */
export const PAD_ID = 0;
/** Out-of-vocabulary id of text sequences. */
export const OOV_ID = 1;
/** Unknown / missing id of categorical inputs. */
export const UNKNOWN_ID = 0;

/** Where the rows being processed come from, for error messages. */
export interface RowContext {
  file?: string;
  /** Row position (in the array being processed) → human location, e.g. `line 7`. */
  where: (i: number) => string;
}

/** Fitted state of a text input: `vocab[i]` has id `i + 2` (0 = padding, 1 = out of vocabulary). */
export interface TextState {
  kind: 'text';
  vocab: string[];
}

/** Train statistics of one tabular column (raw units). `fill` is the imputed value (null with impute 'error'). */
export interface ColumnState {
  name: string;
  /** Number of finite train values the statistics come from. */
  count: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  median: number;
  min: number;
  max: number;
  fill: number | null;
}

/** Fitted state of a tabular input. */
export interface TabularState {
  kind: 'tabular';
  normalize: 'zscore' | 'minmax' | 'none';
  impute: 'mean' | 'median' | 'zero' | 'error';
  columns: ColumnState[];
}

/** Fitted state of a categorical input: `values[i]` has id `i + 1` (0 = unknown or missing). */
export interface CategoricalState {
  kind: 'categorical';
  values: string[];
}

export type InputState = TextState | TabularState | CategoricalState | import('./media.ts').MediaState;

/** Fitted label mapping: binary (optionally by a positive value) or the ordered class list. */
export type LabelState = { kind: 'binary'; positive?: string } | { kind: 'multiclass'; classes: string[] };

/**
 * Everything fitted on the train split. Plain JSON: `JSON.stringify` it to save,
 * {@link stateFromJSON} to load; passing it to `loadData` / `transformRows` applies the
 * exact same preprocessing to other data.
 */
export interface PreprocessorState {
  version: 1;
  /** Dataset name the state was fitted on. */
  dataset: string;
  inputs: Record<string, InputState>;
  label: LabelState;
}

/** True for null, undefined, and strings that are empty, "NA" or "?" after trimming. */
export function isMissing(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' || t === 'NA' || t === '?';
  }
  return false;
}

// ---------------------------------------------------------------- text

const WORD_SPLIT = /[^\p{L}\p{N}']+/u;
/** The maximal runs WORD_SPLIT leaves between separators: splitting on it and dropping empty pieces yields exactly these. */
const WORD = /[\p{L}\p{N}']+/gu;

/**
 * The first `limit` tokens of a text (same tokens as {@link tokenize}), without
 * tokenizing the rest; `more` tells whether further tokens follow.
 */
export function firstTokens(text: string, tokenizer: 'words' | 'chars', lowercase: boolean, limit: number): { tokens: string[]; more: boolean } {
  const s = lowercase ? text.toLowerCase() : text;
  const tokens: string[] = [];
  if (tokenizer === 'chars') {
    for (const ch of s) {
      if (tokens.length === limit) return { tokens, more: true };
      tokens.push(ch);
    }
    return { tokens, more: false };
  }
  const re = new RegExp(WORD);
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    if (tokens.length === limit) return { tokens, more: true };
    tokens.push(m[0]);
  }
  return { tokens, more: false };
}

/**
 * Splits a text into tokens. `words`: lower-case (if asked) then split on
 * `/[^\p{L}\p{N}']+/u`, empty pieces dropped. `chars`: lower-case (if asked) then one
 * token per Unicode code point (whitespace included).
 */
export function tokenize(text: string, tokenizer: 'words' | 'chars', lowercase: boolean): string[] {
  const s = lowercase ? text.toLowerCase() : text;
  if (tokenizer === 'chars') return Array.from(s);
  return s.split(WORD_SPLIT).filter((t) => t.length > 0);
}

type TextSpec = Extract<InputSpec, { kind: 'text' }>;
type TabularSpec = Extract<InputSpec, { kind: 'tabular' }>;
type CategoricalSpec = Extract<InputSpec, { kind: 'categorical' }>;

function textValue(v: unknown, spec: TextSpec, ctx: RowContext, i: number): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new DataError({
    file: ctx.file,
    where: ctx.where(i),
    column: spec.column,
    problem: `text input "${spec.name}" expects a string but found ${show(v)}`,
    hint: 'store the text as a JSON string (or choose another column)',
  });
}

/**
 * Fits a text vocabulary on train rows: the (vocab − 2) most frequent tokens over all
 * tokens of every train text, ties broken by the token string (code-unit order).
 * @throws DataError when vocab < 3 or maxLen < 1, or a value is not text.
 */
export function fitText(spec: TextSpec, rows: Row[], ctx: RowContext): TextState {
  if (!Number.isInteger(spec.vocab) || spec.vocab < 3 || !Number.isInteger(spec.maxLen) || spec.maxLen < 1) {
    throw new DataError({
      file: ctx.file,
      column: spec.column,
      problem: `text input "${spec.name}" has vocab ${spec.vocab} and max length ${spec.maxLen}`,
      hint: 'use a vocab of at least 3 (ids 0 and 1 are padding and out-of-vocabulary) and a max length of at least 1',
    });
  }
  const counts = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) {
    for (const t of tokenize(textValue(cell(rows[i], spec.column), spec, ctx, i), spec.tokenizer, spec.lowercase)) {
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { kind: 'text', vocab: sorted.slice(0, spec.vocab - 2).map((e) => e[0]) };
}

/** Per-split text statistics: kept tokens, how many were out of vocabulary, rows cut at maxLen, rows without tokens. */
export interface TextStats {
  tokens: number;
  oov: number;
  oovRate: number;
  truncated: number;
  empty: number;
}

/**
 * Encodes texts as int32 [n, maxLen]: the FIRST maxLen tokens, each mapped to its id
 * (1 when out of vocabulary), pre-padded with 0 so the last positions hold real tokens.
 */
export function encodeText(spec: TextSpec, state: TextState, rows: Row[], ctx: RowContext): { data: Int32Array; stats: TextStats } {
  const ids = new Map<string, number>();
  state.vocab.forEach((t, i) => ids.set(t, i + 2));
  const L = spec.maxLen;
  const data = new Int32Array(rows.length * L);
  let tokens = 0;
  let oov = 0;
  let truncated = 0;
  let empty = 0;
  for (let i = 0; i < rows.length; i++) {
    const { tokens: toks, more } = firstTokens(textValue(cell(rows[i], spec.column), spec, ctx, i), spec.tokenizer, spec.lowercase, L);
    if (more) truncated++;
    if (toks.length === 0) empty++;
    const k = toks.length;
    const off = i * L + (L - k);
    for (let j = 0; j < k; j++) {
      const id = ids.get(toks[j]) ?? OOV_ID;
      if (id === OOV_ID) oov++;
      data[off + j] = id;
    }
    tokens += k;
  }
  return { data, stats: { tokens, oov, oovRate: tokens === 0 ? 0 : oov / tokens, truncated, empty } };
}

// ---------------------------------------------------------------- tabular

/**
 * A cell as a number: numbers as they are (NaN, ±Infinity included), booleans 0/1,
 * strings trimmed and parsed ("true"/"false" → 1/0, "NaN", "Inf", "-Infinity" accepted);
 * null for a missing value (see {@link isMissing}).
 * @throws DataError for a string that is not a number, or an object/array.
 */
export function toNumber(v: unknown, column: string, ctx: RowContext, i: number): number | null {
  if (isMissing(v)) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const t = v.trim();
    const lower = t.toLowerCase();
    if (lower === 'true') return 1;
    if (lower === 'false') return 0;
    if (lower === 'nan') return NaN;
    const inf = /^([+-]?)inf(inity)?$/.exec(lower);
    if (inf) return inf[1] === '-' ? -Infinity : Infinity;
    const x = Number(t);
    if (!Number.isNaN(x)) return x;
  }
  throw new DataError({
    file: ctx.file,
    where: ctx.where(i),
    column,
    problem: `${show(v)} is not a number`,
    hint: 'fix the value, leave it empty to mark it missing, or use a categorical input for this column',
  });
}

/**
 * Fits per-column statistics on the finite train values (missing and non-finite values
 * are skipped) and the fill value: train mean, median, 0, or null for impute 'error'.
 * @throws DataError when mean/median imputation is asked for a column with no finite train value.
 */
export function fitTabular(spec: TabularSpec, rows: Row[], ctx: RowContext): TabularState {
  const columns: ColumnState[] = spec.columns.map((name) => {
    const xs: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const x = toNumber(cell(rows[i], name), name, ctx, i);
      if (x !== null && Number.isFinite(x)) xs.push(x);
    }
    if (xs.length === 0 && (spec.impute === 'mean' || spec.impute === 'median')) {
      throw new DataError({
        file: ctx.file,
        column: name,
        problem: `tabular input "${spec.name}" cannot impute the ${spec.impute}: the train split has no numeric value in this column`,
        hint: 'use impute zero, drop the column from the input, or check the column name',
      });
    }
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const x of xs) {
      sum += x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    const n = xs.length;
    const mean = n === 0 ? 0 : sum / n;
    let ss = 0;
    for (const x of xs) ss += (x - mean) * (x - mean);
    const std = n === 0 ? 0 : Math.sqrt(ss / n);
    const sorted = Float64Array.from(xs).sort();
    const median = n === 0 ? 0 : n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    const fill = spec.impute === 'mean' ? mean : spec.impute === 'median' ? median : spec.impute === 'zero' ? 0 : null;
    return { name, count: n, mean, std, median, min: n === 0 ? 0 : min, max: n === 0 ? 0 : max, fill };
  });
  return { kind: 'tabular', normalize: spec.normalize, impute: spec.impute, columns };
}

/** Per-split, per-column counts of missing and non-finite (NaN, ±Infinity) values, before imputation. */
export type TabularStats = Record<string, { missing: number; nonFinite: number }>;

/**
 * Encodes rows as float32 [n, columns]: missing and non-finite values replaced by the
 * fill value (raw units), then normalised: zscore (x − mean) / std (std 0 → 1), minmax
 * (x − min) / (max − min) (range 0 → 1; values outside the train range are not clipped), or none.
 * @throws DataError with impute 'error' on the first missing or non-finite value (file, row, column).
 */
export function encodeTabular(spec: TabularSpec, state: TabularState, rows: Row[], ctx: RowContext): { data: Float32Array; stats: TabularStats } {
  const C = state.columns.length;
  const data = new Float32Array(rows.length * C);
  const stats: TabularStats = {};
  state.columns.forEach((col, c) => {
    let missing = 0;
    let nonFinite = 0;
    const shift = state.normalize === 'zscore' ? col.mean : state.normalize === 'minmax' ? col.min : 0;
    const scale = state.normalize === 'zscore' ? col.std || 1 : state.normalize === 'minmax' ? col.max - col.min || 1 : 1;
    for (let i = 0; i < rows.length; i++) {
      let x = toNumber(cell(rows[i], col.name), col.name, ctx, i);
      if (x === null || !Number.isFinite(x)) {
        if (x === null) missing++;
        else nonFinite++;
        if (col.fill === null) {
          throw new DataError({
            file: ctx.file,
            where: ctx.where(i),
            column: col.name,
            problem: x === null ? `missing value in tabular input "${spec.name}"` : `non-finite value ${x} in tabular input "${spec.name}"`,
            hint: 'fill in the value, or set impute to mean, median or zero so missing values are imputed',
          });
        }
        x = col.fill;
      }
      data[i * C + c] = (x - shift) / scale;
    }
    stats[col.name] = { missing, nonFinite };
  });
  return { data, stats };
}

// ---------------------------------------------------------------- categorical

function categoryKey(v: unknown, column: string, ctx: RowContext, i: number): string | null {
  if (isMissing(v)) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new DataError({
    file: ctx.file,
    where: ctx.where(i),
    column,
    problem: `a category must be a string, number or boolean, found ${show(v)}`,
    hint: 'store one category value per cell',
  });
}

/**
 * Fits a categorical vocabulary: the (vocab − 1) most frequent non-missing train values
 * (compared as strings), ties broken by the value string; they get ids 1, 2, …
 * @throws DataError when vocab < 2.
 */
export function fitCategorical(spec: CategoricalSpec, rows: Row[], ctx: RowContext): CategoricalState {
  if (!Number.isInteger(spec.vocab) || spec.vocab < 2) {
    throw new DataError({
      file: ctx.file,
      column: spec.column,
      problem: `categorical input "${spec.name}" has vocab ${spec.vocab}`,
      hint: 'use a vocab of at least 2 (id 0 is unknown/missing)',
    });
  }
  const counts = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) {
    const k = categoryKey(cell(rows[i], spec.column), spec.column, ctx, i);
    if (k !== null) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { kind: 'categorical', values: sorted.slice(0, spec.vocab - 1).map((e) => e[0]) };
}

/** Per-split categorical statistics: missing values, and present values outside the vocabulary. */
export interface CategoricalStats {
  missing: number;
  unknown: number;
}

/** Encodes rows as int32 [n]: the value's id, 0 when missing or not in the vocabulary. */
export function encodeCategorical(spec: CategoricalSpec, state: CategoricalState, rows: Row[], ctx: RowContext): { data: Int32Array; stats: CategoricalStats } {
  const ids = new Map<string, number>();
  state.values.forEach((v, i) => ids.set(v, i + 1));
  const data = new Int32Array(rows.length);
  let missing = 0;
  let unknown = 0;
  for (let i = 0; i < rows.length; i++) {
    const k = categoryKey(cell(rows[i], spec.column), spec.column, ctx, i);
    if (k === null) {
      missing++;
      continue;
    }
    const id = ids.get(k);
    if (id === undefined) unknown++;
    else data[i] = id;
  }
  return { data, stats: { missing, unknown } };
}

// ---------------------------------------------------------------- labels

const BINARY: Record<string, number> = { '0': 0, '1': 1, false: 0, true: 1 };

/**
 * Fits the label mapping. Binary: nothing to fit. Multiclass: `classes` as given, or the
 * distinct non-missing train values sorted (numerically when all are numbers, else by
 * code units); their number must equal numClasses.
 * @throws DataError when the class count does not match numClasses.
 */
export function fitLabel(spec: LabelSpec, rows: Row[], ctx: RowContext): LabelState {
  if (spec.kind === 'binary') return spec.positive === undefined ? { kind: 'binary' } : { kind: 'binary', positive: spec.positive };
  let classes: string[];
  if (spec.classes && spec.classes.length > 0) {
    classes = [...spec.classes];
    if (new Set(classes).size !== classes.length) {
      throw new DataError({ file: ctx.file, column: spec.column, problem: `label "${spec.name}" lists a class twice`, hint: 'list each class once' });
    }
  } else {
    const seen = new Set<string>();
    for (let i = 0; i < rows.length; i++) {
      const v = cell(rows[i], spec.column);
      if (!isMissing(v)) seen.add(labelKey(v, spec, ctx, i));
    }
    classes = [...seen];
    const numeric = classes.every((c) => c.trim() !== '' && Number.isFinite(Number(c)));
    classes.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  if (classes.length !== spec.numClasses) {
    const list = classes.slice(0, 12).map((c) => show(c)).join(', ') + (classes.length > 12 ? ', ...' : '');
    throw new DataError({
      file: ctx.file,
      column: spec.column,
      problem: `label "${spec.name}" declares ${spec.numClasses} classes but ${spec.classes?.length ? 'lists' : 'the train split has'} ${classes.length}: ${list}`,
      hint: `set the number of classes to ${classes.length}, or list the classes explicitly`,
    });
  }
  return { kind: 'multiclass', classes };
}

function labelKey(v: unknown, spec: LabelSpec, ctx: RowContext, i: number): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new DataError({
    file: ctx.file,
    where: ctx.where(i),
    column: spec.column,
    problem: `label "${spec.name}" must be a string, number or boolean, found ${show(v)}`,
    hint: 'store one label value per row',
  });
}

/**
 * The label of one row: 0/1 for binary, the class index for multiclass, or -1 when missing.
 * @throws DataError for a binary value that is not 0/1/true/false (and no `positive` is set),
 *   or a multiclass value outside the classes.
 */
export function encodeLabel(spec: LabelSpec, state: LabelState, v: unknown, ctx: RowContext, i: number): number {
  if (isMissing(v)) return -1;
  const key = labelKey(v, spec, ctx, i);
  if (state.kind === 'binary') {
    if (state.positive !== undefined) return key === state.positive ? 1 : 0;
    const b = BINARY[key.trim().toLowerCase()];
    if (b === undefined) {
      throw new DataError({
        file: ctx.file,
        where: ctx.where(i),
        column: spec.column,
        problem: `binary label "${spec.name}" must be 0/1 or true/false, found ${show(v)}`,
        hint: `name the value that means 1, e.g. positive ${show(key)}, or use a multiclass label`,
      });
    }
    return b;
  }
  const idx = state.classes.indexOf(key);
  if (idx < 0) {
    throw new DataError({
      file: ctx.file,
      where: ctx.where(i),
      column: spec.column,
      problem: `label value ${show(v)} is not one of the ${state.classes.length} classes (${state.classes.slice(0, 12).map((c) => show(c)).join(', ')})`,
      hint: 'list every class explicitly in the label, or make sure the train split contains this class',
    });
  }
  return idx;
}

// ---------------------------------------------------------------- state

/**
 * Parses and checks a saved state (a JSON string or an already parsed object).
 * @throws DataError when it is not a version-1 preprocessor state.
 */
export function stateFromJSON(json: string | unknown): PreprocessorState {
  let v: unknown = json;
  if (typeof json === 'string') {
    try {
      v = JSON.parse(json);
    } catch (e) {
      throw new DataError({ problem: `preprocessor state is not valid JSON (${(e as Error).message})`, hint: 'use the state file saved with the model, or train again to re-create it' });
    }
  }
  const s = v as PreprocessorState;
  if (typeof s !== 'object' || s === null || s.version !== 1 || typeof s.inputs !== 'object' || s.inputs === null || typeof s.label !== 'object' || s.label === null) {
    throw new DataError({ problem: 'this is not a version-1 preprocessor state', hint: 'use the state file saved with the model, or train again to re-create it' });
  }
  return s;
}

/** Serialises a state to JSON text (stable key order as built, no NaN/Infinity inside). */
export function stateToJSON(state: PreprocessorState): string {
  return JSON.stringify(state);
}

/**
 * Checks that a state fits a spec: every input present with the same kind, tabular
 * columns equal, vocabularies within the spec's sizes, label kind equal.
 * @throws DataError naming the first mismatch.
 */
export function checkStateMatches(state: PreprocessorState, inputs: InputSpec[], label: LabelSpec): void {
  const fail = (problem: string): never => {
    throw new DataError({ problem: `the preprocessor state does not match the data spec: ${problem}`, hint: 'use the state saved with this model, or train again so it is re-fitted' });
  };
  for (const inp of inputs) {
    const st = state.inputs[inp.name];
    if (!st) fail(`input "${inp.name}" has no fitted state`);
    if (st.kind !== inp.kind) fail(`input "${inp.name}" is ${inp.kind} in the spec but ${st.kind} in the state`);
    if (inp.kind === 'text' && (st as TextState).vocab.length > inp.vocab - 2) fail(`text input "${inp.name}" has a vocabulary larger than vocab ${inp.vocab}`);
    if (inp.kind === 'categorical' && (st as CategoricalState).values.length > inp.vocab - 1) fail(`categorical input "${inp.name}" has more values than vocab ${inp.vocab}`);
    if (inp.kind === 'tabular') {
      const names = (st as TabularState).columns.map((c) => c.name);
      if (names.join('\u0000') !== inp.columns.join('\u0000')) fail(`tabular input "${inp.name}" has columns [${names.join(', ')}] in the state but [${inp.columns.join(', ')}] in the spec`);
      const t = st as TabularState;
      if (t.normalize !== inp.normalize || t.impute !== inp.impute) fail(`tabular input "${inp.name}" was fitted with normalize ${t.normalize}, impute ${t.impute} but the spec says normalize ${inp.normalize}, impute ${inp.impute}`);
    }
    if (inp.kind === 'image' || inp.kind === 'timeseries' || inp.kind === 'signal' || inp.kind === 'audio') {
      // Every setting the state records must equal the spec's (audio: rate, clip, window, hop, bands, coefficients).
      const rec = st as unknown as Record<string, unknown>;
      const spec = inp as unknown as Record<string, unknown>;
      for (const k of Object.keys(rec)) {
        if (k === 'kind' || k === 'mean' || k === 'std') continue;
        const want = spec[k] ?? (k === 'normalize' ? 'none' : undefined); // audio specs before normalize existed
        if (rec[k] !== want) fail(`${inp.kind} input "${inp.name}" was prepared with ${k} ${JSON.stringify(rec[k])} but the spec says ${JSON.stringify(want)}`);
      }
    }
  }
  if (state.label.kind !== label.kind) fail(`label is ${label.kind} in the spec but ${state.label.kind} in the state`);
}
