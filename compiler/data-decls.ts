/**
 * Checking `dataset`, `input` and `label` declarations: sources, splits, modality kinds, column bindings.
 * Produces the plans the runtime data pipeline executes.
 */
import type { CallExpr, ColumnRef, DatasetDecl, InputDecl, LabelDecl, Setting } from '../grammar/ast.ts';
import type { Diagnostic, Range } from '../grammar/diagnostic.ts';
import { diagnostic, spanRanges } from '../grammar/diagnostic.ts';
import { bindArgs, type ParamSpec } from './args.ts';
import type { DatasetPlan, IRInput, LabelPlan, SplitPlan } from './ir.ts';
import { BATCH, type TensorType } from './shape.ts';
import { didYouMean } from './suggest.ts';
import { isModalityKind, MODALITY_KINDS, modalityInput } from './modalities.ts';
import type { SymbolTable } from './symbols.ts';

/** Reads a data file for column checks; returns undefined when it does not exist. */
export type ReadFile = (path: string) => string | undefined;

const SOURCES: Record<string, readonly ParamSpec[]> = {
  jsonl: [{ name: 'path', type: { t: 'string' }, doc: 'file path, relative to the .mmf file', positional: true, required: true }],
  json: [{ name: 'path', type: { t: 'string' }, doc: 'file path, relative to the .mmf file', positional: true, required: true }],
  csv: [
    { name: 'path', type: { t: 'string' }, doc: 'file path, relative to the .mmf file', positional: true, required: true },
    { name: 'delimiter', type: { t: 'string' }, doc: 'field separator', default: ',' },
  ],
  folder: [
    {
      name: 'path',
      type: { t: 'string' },
      doc: 'folder of PNG/JPEG/WAV files, one sub-folder per class (columns path, class, name), relative to the .mmf file',
      positional: true,
      required: true,
    },
  ],
  idx: [
    { name: 'images', type: { t: 'string' }, doc: 'IDX images file ([n, rows, cols] bytes; .gz allowed), relative to the .mmf file', positional: true, required: true },
    { name: 'labels', type: { t: 'string' }, doc: 'IDX labels file ([n]; .gz allowed)', positional: true, required: true },
    { name: 'test_images', type: { t: 'string' }, doc: 'a second images file whose rows have part "test"' },
    { name: 'test_labels', type: { t: 'string' }, doc: 'the labels of test_images' },
  ],
};

/** The columns a folder or IDX source provides (they are not read from a file head). */
export const SOURCE_COLUMNS: Record<'folder' | 'idx', readonly string[]> = {
  folder: ['path', 'class', 'name'],
  idx: ['image', 'label', 'part', 'id'],
};

/** Every path of a source resolved against `dir` (for idx: images, labels and the test pair). */
export function resolveSourcePaths(source: DatasetPlan['source'], resolvePath: (p: string) => string): DatasetPlan['source'] {
  if (source.format !== 'idx') return { ...source, path: resolvePath(source.path) };
  return {
    ...source,
    path: resolvePath(source.path),
    labels: resolvePath(source.labels),
    ...(source.testImages !== undefined ? { testImages: resolvePath(source.testImages) } : {}),
    ...(source.testLabels !== undefined ? { testLabels: resolvePath(source.testLabels) } : {}),
  };
}

const RANDOM_SPLIT: readonly ParamSpec[] = [
  { name: 'train', type: { t: 'number' }, doc: 'share of rows for training', required: true, min: 0, max: 1, minExclusive: true },
  { name: 'val', type: { t: 'number' }, doc: 'share of rows for validation', default: 0, min: 0, max: 1 },
  { name: 'test', type: { t: 'number' }, doc: 'share of rows for testing', default: 0, min: 0, max: 1 },
  { name: 'seed', type: { t: 'int' }, doc: 'shuffle seed', default: 42, min: 0 },
];

const COLUMN_SPLIT: readonly ParamSpec[] = [
  { name: 'by', type: { t: 'ref' }, doc: 'the column holding each row’s split', required: true },
  { name: 'train', type: { t: 'string-list' }, doc: 'values meaning train', default: ['train'] },
  { name: 'val', type: { t: 'string-list' }, doc: 'values meaning validation', default: ['val'] },
  { name: 'test', type: { t: 'string-list' }, doc: 'values meaning test', default: ['test'] },
  { name: 'val_share', type: { t: 'number' }, doc: 'share of the train rows held out (seeded) for validation', default: 0, min: 0, max: 1, maxExclusive: true },
  { name: 'seed', type: { t: 'int' }, doc: 'seed of the val_share draw', default: 42, min: 0 },
];

/** Check a dataset declaration; returns its plan or undefined when it is unusable. */
export function checkDataset(d: DatasetDecl, diags: Diagnostic[]): DatasetPlan | undefined {
  const spec = SOURCES[d.source.callee.name];
  if (!spec) {
    const s = didYouMean(d.source.callee.name, Object.keys(SOURCES));
    diags.push(
      diagnostic(
        'MMF1004',
        'error',
        `Unknown data source '${d.source.callee.name}'; mmf reads ${Object.keys(SOURCES).join(', ')}`,
        d.source.callee.range,
        s ? `Did you mean '${s}'?` : 'Write jsonl("file.jsonl"), json("file.json"), csv("file.csv"), folder("images") or idx("images.gz", "labels.gz").',
      ),
    );
    return undefined;
  }
  const b = bindArgs(d.source.callee.name, spec, d.source.args, d.source.range, diags);
  let split: SplitPlan | undefined;
  let key: string | undefined;
  let missing: 'drop' | 'error' | undefined;
  for (const s of d.settings) {
    if (s.key.name === 'key' || s.key.name === 'missing') {
      const v = s.value;
      const word = v && !s.args ? (v.kind === 'Name' ? v.name : v.kind === 'String' ? v.value : undefined) : undefined;
      if (s.key.name === 'key') {
        if (word === undefined) diags.push(diagnostic('MMF3002', 'error', 'key takes the name of the column that identifies a sample', s.range, 'Write key id (or key "sample id").'));
        else if (key !== undefined) diags.push(diagnostic('MMF1007', 'error', 'key is given twice', s.range, 'Keep one key setting.'));
        else key = word;
      } else if (word !== 'drop' && word !== 'error') {
        diags.push(diagnostic('MMF3002', 'error', 'missing takes drop or error', s.range, 'Write missing drop (leave out samples without this dataset\'s row, reported by key) or missing error (refuse them).'));
      } else if (missing !== undefined) diags.push(diagnostic('MMF1007', 'error', 'missing is given twice', s.range, 'Keep one missing setting.'));
      else missing = word;
      continue;
    }
    if (s.key.name !== 'split') {
      diags.push(
        diagnostic('MMF1005', 'error', `dataset has no setting '${s.key.name}'`, s.key.range, settingHint(s.key.name, ['split', 'key', 'missing'])),
      );
      continue;
    }
    if (split) {
      diags.push(diagnostic('MMF1007', 'error', 'split is given twice', s.range, 'Keep one split setting.'));
      continue;
    }
    split = checkSplit(s, diags);
  }
  if (!b.ok) return undefined;
  const format = d.source.callee.name as 'jsonl' | 'json' | 'csv' | 'folder' | 'idx';
  let source: DatasetPlan['source'];
  if (format === 'idx') {
    const [ti, tl] = [b.values.test_images as string | undefined, b.values.test_labels as string | undefined];
    if ((ti === undefined) !== (tl === undefined)) {
      diags.push(diagnostic('MMF3002', 'error', 'idx(...) needs test_images and test_labels together', d.source.range, 'Give both test files, or neither.'));
      return undefined;
    }
    source = { format, path: b.values.images as string, labels: b.values.labels as string, ...(ti !== undefined ? { testImages: ti, testLabels: tl! } : {}) };
  } else if (format === 'folder') source = { format, path: b.values.path as string };
  else source = { format, path: b.values.path as string, ...(format === 'csv' ? { delimiter: b.values.delimiter as string } : {}) };
  return {
    name: d.name.name,
    source,
    split: split ?? { kind: 'random', train: 0.8, val: 0.1, test: 0.1, seed: 42 },
    ...(key !== undefined ? { key } : {}),
    ...(missing !== undefined ? { missing } : {}),
    range: d.range,
  };
}

function settingHint(key: string, known: string[]): string {
  const s = didYouMean(key, known);
  return s ? `Did you mean '${s}'?` : `Known settings: ${known.join(', ')}.`;
}

function checkSplit(s: Setting, diags: Diagnostic[]): SplitPlan | undefined {
  const args = s.args ?? [];
  if (!s.args) {
    diags.push(
      diagnostic(
        'MMF3002',
        'error',
        'split takes its parts in parentheses',
        s.range,
        'Write split(train 0.8, val 0.1, test 0.1, seed 7) or split(by COLUMN).',
      ),
    );
    return undefined;
  }
  if (args.some((a) => a.key?.name === 'by')) {
    const b = bindArgs('split', COLUMN_SPLIT, args, s.range, diags);
    if (!b.ok) return undefined;
    const share = b.values.val_share as number;
    return {
      kind: 'column',
      column: b.values.by as string,
      train: b.values.train as string[],
      val: b.values.val as string[],
      test: b.values.test as string[],
      ...(share > 0 ? { valShare: share, seed: b.values.seed as number } : {}),
    };
  }
  const b = bindArgs('split', RANDOM_SPLIT, args, s.range, diags);
  if (!b.ok) return undefined;
  const [tr, va, te] = [b.values.train as number, b.values.val as number, b.values.test as number];
  if (Math.abs(tr + va + te - 1) > 1e-6) {
    diags.push(
      diagnostic(
        'MMF3004',
        'error',
        `split shares add up to ${+(tr + va + te).toFixed(6)}, not 1 (train ${tr} + val ${va} + test ${te})`,
        s.range,
        `Make them sum to 1, e.g. test ${+(1 - tr - va).toFixed(6)}.`,
      ),
    );
    return undefined;
  }
  return { kind: 'random', train: tr, val: va, test: te, seed: b.values.seed as number };
}

const INPUT_KINDS: Record<string, readonly ParamSpec[]> = {
  text: [
    { name: 'vocab', type: { t: 'int' }, doc: 'vocabulary size, padding and unknown ids included', required: true, min: 3 },
    { name: 'max_len', type: { t: 'int' }, doc: 'tokens kept per sample', required: true, min: 1, aliases: ['length'] },
    { name: 'lowercase', type: { t: 'bool' }, doc: 'lower-case before tokenizing', default: true },
    { name: 'tokenizer', type: { t: 'enum', values: ['words', 'chars'] }, doc: 'words or chars', default: 'words' },
  ],
  tabular: [
    {
      name: 'normalize',
      type: { t: 'enum', values: ['zscore', 'minmax', 'none'] },
      doc: 'scaling fitted on the training split',
      default: 'zscore',
    },
    {
      name: 'impute',
      type: { t: 'enum', values: ['mean', 'median', 'zero', 'error'] },
      doc: 'what replaces a missing value',
      default: 'mean',
    },
  ],
  categorical: [{ name: 'vocab', type: { t: 'int' }, doc: 'number of categories kept, unknown included', required: true, min: 2 }],
  image: [
    { name: 'height', type: { t: 'int' }, doc: 'rows of pixels', positional: true, required: true, min: 1, max: 16384 },
    { name: 'width', type: { t: 'int' }, doc: 'columns of pixels', positional: true, required: true, min: 1, max: 16384 },
    { name: 'channels', type: { t: 'int' }, doc: 'values per pixel (1 grey, 3 RGB, 4 RGBA)', positional: true, default: 1, min: 1, max: 1024 },
    {
      name: 'normalize',
      type: { t: 'enum', values: ['none', 'unit', 'zscore'] },
      doc: 'none: values as stored; unit: divided by 255; zscore: per-channel mean and deviation of the training split',
      default: 'unit',
    },
  ],
  // audio, timeseries, signal, video: shape-level (compiler/modalities.ts).
  ...MODALITY_KINDS,
};

/** Resolve a column binding's dataset; returns its name. */
function resolveColumns(c: ColumnRef, symbols: SymbolTable, what: string, diags: Diagnostic[]): string | undefined {
  const s = symbols.resolve(c.dataset.name, c.dataset.range, ['dataset'], what, diags);
  return s?.name;
}

/** Check column names against the data file's columns when the file can be read. */
export function checkColumnsExist(
  c: ColumnRef,
  known: readonly string[] | undefined,
  file: string,
  diags: Diagnostic[],
): void {
  if (!known) return;
  for (const col of c.columns) {
    if (known.includes(col.name)) continue;
    const s = didYouMean(col.name, known);
    diags.push(
      diagnostic(
        'MMF1008',
        'error',
        `Column '${col.name}' is not in ${file}`,
        col.range,
        s ? `Did you mean '${s}'?` : `Its columns are: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''}.`,
      ),
    );
  }
}

/** Check an input declaration; returns the model input or undefined. */
export function checkInput(d: InputDecl, symbols: SymbolTable, diags: Diagnostic[]): (IRInput & { dataset?: string }) | undefined {
  const kind = d.type.callee.name;
  const spec = INPUT_KINDS[kind];
  const dataset = resolveColumns(d.source, symbols, `the source of input ${d.name.name}`, diags);
  if (!spec) {
    const s = didYouMean(kind, Object.keys(INPUT_KINDS));
    diags.push(
      diagnostic(
        'MMF1004',
        'error',
        `Unknown input kind '${kind}'; this version supports ${Object.keys(INPUT_KINDS).join(', ')}`,
        d.type.callee.range,
        s ? `Did you mean '${s}'?` : 'Use text(...), tabular(...), categorical(...) or image(...).',
      ),
    );
    return undefined;
  }
  const b = bindArgs(kind, spec, d.type.args, d.type.range, diags);
  const cols = d.source.columns;
  if (kind !== 'tabular' && (cols.length !== 1 || d.source.bracketed && cols.length !== 1)) {
    diags.push(
      diagnostic(
        'MMF3005',
        'error',
        `a ${kind} input reads exactly one column, but ${cols.length} are named`,
        d.source.range,
        `Bind it to one column: ${d.source.dataset.name}.COLUMN.`,
      ),
    );
    return undefined;
  }
  const dupe = cols.find((c, i) => cols.findIndex((o) => o.name === c.name) !== i);
  if (dupe) {
    diags.push(diagnostic('MMF1007', 'error', `column '${dupe.name}' is listed twice`, dupe.range, 'List each column once.'));
    return undefined;
  }
  if (!b.ok) return undefined;
  const v = b.values;
  let out: TensorType;
  let plan: IRInput['plan'];
  const name = d.name.name;
  if (kind === 'text') {
    out = { shape: [BATCH, v.max_len as number], dtype: 'int32', maxId: v.vocab as number };
    plan = {
      name,
      kind: 'text',
      column: cols[0]!.name,
      vocab: v.vocab as number,
      maxLen: v.max_len as number,
      lowercase: v.lowercase as boolean,
      tokenizer: v.tokenizer as 'words' | 'chars',
    };
  } else if (kind === 'tabular') {
    out = { shape: [BATCH, cols.length], dtype: 'float32' };
    plan = {
      name,
      kind: 'tabular',
      columns: cols.map((c) => c.name),
      normalize: v.normalize as 'zscore' | 'minmax' | 'none',
      impute: v.impute as 'mean' | 'median' | 'zero' | 'error',
    };
  } else if (kind === 'image') {
    const [height, width, channels] = [v.height as number, v.width as number, v.channels as number];
    out = { shape: [BATCH, height, width, channels], dtype: 'float32' };
    plan = {
      name,
      kind: 'image',
      column: cols[0]!.name,
      height,
      width,
      channels,
      normalize: v.normalize as 'none' | 'unit' | 'zscore',
    };
  } else if (isModalityKind(kind)) {
    const m = modalityInput(kind, b, name, cols[0]!.name, d.type.range, diags);
    if (!m) return undefined;
    ({ out, plan } = m);
  } else {
    out = { shape: [BATCH, 1], dtype: 'int32', maxId: v.vocab as number };
    plan = { name, kind: 'categorical', column: cols[0]!.name, vocab: v.vocab as number };
  }
  return { name, out, plan, range: d.range, ...(dataset ? { dataset } : {}) };
}

const LABEL_KINDS = ['binary', 'classes', 'number', 'multilabel'];

/** Check a label declaration. */
export function checkLabel(d: LabelDecl, symbols: SymbolTable, diags: Diagnostic[]): (LabelPlan & { dataset?: string; range: Range }) | undefined {
  const dataset = resolveColumns(d.source, symbols, `the source of label ${d.name.name}`, diags);
  const t: CallExpr = d.type;
  if (t.callee.name === 'multilabel') return checkMultilabel(d, dataset, diags);
  if (d.source.columns.length !== 1) {
    diags.push(
      diagnostic(
        'MMF3005',
        'error',
        `a label reads exactly one column, but ${d.source.columns.length} are named`,
        d.source.range,
        `Bind it to one column: ${d.source.dataset.name}.COLUMN.`,
      ),
    );
    return undefined;
  }
  const column = d.source.columns[0]!.name;
  const base = { name: d.name.name, column, range: d.range, ...(dataset ? { dataset } : {}) };
  if (t.callee.name === 'binary') {
    const b = bindArgs(
      'binary',
      [{ name: 'positive', type: { t: 'string' }, doc: 'the value meaning the positive class' }],
      t.args,
      t.range,
      diags,
    );
    if (!b.ok) return undefined;
    return { ...base, kind: 'binary', ...(b.values.positive !== undefined ? { positive: b.values.positive as string } : {}) };
  }
  if (t.callee.name === 'number') {
    // A real-valued target (regression): no arguments.
    const b = bindArgs('number', [], t.args, t.range, diags);
    if (!b.ok) return undefined;
    return { ...base, kind: 'number' };
  }
  if (t.callee.name === 'classes') {
    if (t.args.length === 1 && t.args[0]!.value.kind === 'Number' && !t.args[0]!.key) {
      const n = t.args[0]!.value.value;
      if (!Number.isInteger(n) || n < 2) {
        diags.push(
          diagnostic('MMF3001', 'error', `classes(${n}): a label needs 2 or more whole classes`, t.args[0]!.range, 'Use classes(2) or more; for two classes, binary is simpler.'),
        );
        return undefined;
      }
      return { ...base, kind: 'multiclass', numClasses: n };
    }
    const names: string[] = [];
    for (const a of t.args) {
      if (a.key || a.value.kind !== 'String') {
        diags.push(
          diagnostic('MMF3002', 'error', 'classes takes a count, classes(3), or class names, classes("cat", "dog")', a.range, 'Write the class names as strings.'),
        );
        return undefined;
      }
      if (names.includes(a.value.value)) {
        diags.push(diagnostic('MMF1007', 'error', `class "${a.value.value}" is listed twice`, a.range, 'List each class once.'));
        return undefined;
      }
      names.push(a.value.value);
    }
    if (names.length < 2) {
      diags.push(diagnostic('MMF3001', 'error', 'a label needs at least 2 classes', t.range, 'Name two or more classes.'));
      return undefined;
    }
    return { ...base, kind: 'multiclass', classes: names, numClasses: names.length };
  }
  const s = didYouMean(t.callee.name, LABEL_KINDS);
  diags.push(
    diagnostic(
      'MMF1004',
      'error',
      `Unknown label kind '${t.callee.name}'; use binary, classes(...), multilabel(...) or number`,
      t.callee.range,
      s ? `Did you mean '${s}'?` : 'Write binary, classes(3), classes("a", "b", "c"), multilabel("a", "b") or number.',
    ),
  );
  return undefined;
}

/**
 * `multilabel` — several independent binary targets:
 * - `multilabel("drama", "comedy") from movies.genres`: one column holding each row's set of names (a JSON array,
 *   or a string split on `separator`, default "|"); the names are required.
 * - `multilabel from movies[is_drama, is_comedy]` (or with names, one per column): K columns of 0/1 (or
 *   false/true); the names default to the column names.
 * Diagnostics: MMF3002 for a value that is not a string name, MMF1005 for an unknown key, MMF1007 for a name listed
 * twice, MMF3001 for fewer than 2 targets, MMF3005 when the names and columns do not pair up.
 */
function checkMultilabel(d: LabelDecl, dataset: string | undefined, diags: Diagnostic[]): (LabelPlan & { dataset?: string; range: Range }) | undefined {
  const t = d.type;
  const names: string[] = [];
  let separator = '|';
  for (const a of t.args) {
    if (a.key) {
      if (a.key.name !== 'separator') {
        const s = didYouMean(a.key.name, ['separator']);
        diags.push(
          diagnostic('MMF1005', 'error', `multilabel has no argument '${a.key.name}'`, a.key.range, s ? `Did you mean '${s}'?` : 'multilabel takes the target names and separator "|".'),
        );
        return undefined;
      }
      if (a.value.kind !== 'String' || a.value.value.length === 0) {
        diags.push(diagnostic('MMF3002', 'error', 'separator must be a non-empty string', a.value.range, 'Write separator "|" (or ",", ";").'));
        return undefined;
      }
      separator = a.value.value;
      continue;
    }
    if (a.value.kind !== 'String') {
      diags.push(
        diagnostic(
          'MMF3002',
          'error',
          'multilabel takes the names of its targets as strings, multilabel("drama", "comedy")',
          a.range,
          'Write each target name in double quotes, or leave them out to use the column names: multilabel from d[a, b].',
        ),
      );
      return undefined;
    }
    if (names.includes(a.value.value)) {
      diags.push(diagnostic('MMF1007', 'error', `target "${a.value.value}" is listed twice`, a.range, 'List each target once.'));
      return undefined;
    }
    names.push(a.value.value);
  }
  const columns = d.source.columns.map((c) => c.name);
  const dupe = d.source.columns.find((c, i) => columns.indexOf(c.name) !== i);
  if (dupe) {
    diags.push(diagnostic('MMF1007', 'error', `column '${dupe.name}' is listed twice`, dupe.range, 'List each column once: each column is one target.'));
    return undefined;
  }
  if (columns.length === 1 && names.length === 0) {
    diags.push(
      diagnostic(
        'MMF3005',
        'error',
        `multilabel from one column needs the names of its targets: the column holds each row's set of names`,
        d.source.range,
        `Name the targets, multilabel("a", "b", "c") from ${d.source.dataset.name}.${columns[0]}, or read one 0/1 column per target: multilabel from ${d.source.dataset.name}[a, b, c].`,
      ),
    );
    return undefined;
  }
  if (columns.length > 1 && names.length > 0 && names.length !== columns.length) {
    diags.push(
      diagnostic(
        'MMF3005',
        'error',
        `multilabel names ${names.length} targets but reads ${columns.length} columns; each column is one target`,
        d.source.range,
        `Give one name per column (${columns.length}), or leave the names out to use the column names.`,
      ),
    );
    return undefined;
  }
  const targets = names.length ? names : columns;
  if (targets.length < 2) {
    diags.push(
      diagnostic('MMF3001', 'error', `a multi-label label needs at least 2 targets, but ${targets.length} is given`, t.range, 'For one yes/no target, use binary.'),
    );
    return undefined;
  }
  return { name: d.name.name, kind: 'multilabel', columns, names: targets, separator, range: d.range, ...(dataset ? { dataset } : {}) };
}

/** The smallest range covering a column binding's columns (for messages about the whole binding). */
export function columnsRange(c: ColumnRef): Range {
  return c.columns.length ? spanRanges(c.columns[0]!.range, c.columns[c.columns.length - 1]!.range) : c.range;
}
