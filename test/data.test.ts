import { describe, expect, it } from 'vitest';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assignSplits,
  batches,
  DataError,
  loadData,
  mulberry32,
  permutation,
  parseTable,
  readTable,
  stateFromJSON,
  subset,
  tokenize,
  transformRows,
  formatReport,
  type DataSpec,
  type InputSpec,
  type LabelSpec,
  type PreprocessorState,
} from '../runtime/data/index.ts';

const BASE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'data');

const TEXT: InputSpec = { name: 'text', kind: 'text', column: 'text', vocab: 6, maxLen: 3, lowercase: true, tokenizer: 'words' };
const NUMS: InputSpec = { name: 'nums', kind: 'tabular', columns: ['age', 'score'], normalize: 'zscore', impute: 'mean' };
const COLOR: InputSpec = { name: 'color', kind: 'categorical', column: 'color', vocab: 3 };
const LABEL: LabelSpec = { name: 'y', kind: 'binary', column: 'label' };

/** tiny.csv with the split taken from its `part` column. */
function tinySpec(inputs: InputSpec[] = [TEXT, NUMS, COLOR], label: LabelSpec = LABEL): DataSpec {
  return {
    dataset: { name: 'tiny', source: { format: 'csv', path: 'tiny.csv' }, split: { kind: 'column', column: 'part', train: ['train'], val: ['val'], test: ['test'] } },
    inputs,
    label,
  };
}

/** Runs fn, expects a DataError, returns it. */
function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

const rows = (f: { data: Int32Array | Float32Array; shape: number[] }): number[][] => {
  const w = f.shape[1] ?? 1;
  const out: number[][] = [];
  for (let i = 0; i < f.shape[0]; i++) out.push(Array.from(f.data.subarray(i * w, (i + 1) * w)));
  return out;
};

// Hand-computed train statistics of tiny.csv (rows a–d): age 30, _, 40, 80; score 1.5, 2.5, 3.5, _.
const AGE_MEAN = 50;
const AGE_STD = Math.sqrt((400 + 100 + 900) / 3); // 21.6024…
const SCORE_MEAN = 2.5;
const SCORE_STD = Math.sqrt(2 / 3); // 0.8164…

describe('readers', () => {
  it('reads CSV with a quoted comma, keeps cells as strings, records start lines', () => {
    const t = readTable({ format: 'csv', path: 'tiny.csv' }, BASE);
    expect(t.rows).toHaveLength(6);
    expect(t.columns).toEqual(['id', 'text', 'age', 'score', 'color', 'animal', 'label', 'part']);
    expect(t.rows[0].text).toBe('Hello, world');
    expect(t.rows[4].text).toBe('the end, again');
    expect(t.rows[1].age).toBe('');
    expect(Array.from(t.lines)).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('reads CSV with another delimiter, JSON arrays, and JSONL skipping blank lines', () => {
    expect(readTable({ format: 'csv', path: 'semicolon.csv', delimiter: ';' }, BASE).rows).toEqual([
      { x: '1', y: '2' },
      { x: '3', y: '4' },
    ]);
    expect(readTable({ format: 'json', path: 'good.json' }, BASE).rows[1]).toEqual({ a: 2, t: 'y' });
    const l = readTable({ format: 'jsonl', path: 'labels.jsonl' }, BASE);
    expect(l.rows).toHaveLength(10);
    expect(Array.from(l.lines.slice(0, 4))).toEqual([1, 2, 4, 5]);
  });
});

describe('text', () => {
  it('tokenizes words and characters', () => {
    expect(tokenize("Don't STOP—now, 42x!", 'words', true)).toEqual(["don't", 'stop', 'now', '42x']);
    expect(tokenize('Ab c', 'chars', true)).toEqual(['a', 'b', ' ', 'c']);
    expect(tokenize('Ab', 'chars', false)).toEqual(['A', 'b']);
  });

  it('builds the vocabulary by frequency then token, pre-pads, marks OOV', () => {
    const { state, splits, report } = loadData(tinySpec([TEXT]), BASE);
    // train counts: hello 2, world 2, words 2, then here/new/of/there 1 → 6 − 2 = 4 entries.
    expect(state.inputs.text).toEqual({ kind: 'text', vocab: ['hello', 'words', 'world', 'here'] });
    const f = splits.train.inputs.text;
    expect(f.dtype).toBe('int32');
    expect(f.shape).toEqual([4, 3]);
    expect(f.data).toBeInstanceOf(Int32Array);
    expect(rows(f)).toEqual([
      [0, 2, 4], // hello world
      [0, 2, 1], // hello there(OOV)
      [4, 1, 3], // world of(OOV) words
      [1, 3, 5], // new(OOV) words here
    ]);
    expect(rows(splits.val.inputs.text)).toEqual([[1, 1, 1]]); // the end again: all OOV
    expect(rows(splits.test.inputs.text)).toEqual([[0, 2, 2]]);
    const r = report.inputs.text;
    expect(r.kind).toBe('text');
    if (r.kind !== 'text') return;
    expect(r.vocabSize).toBe(6);
    expect(r.splits.train).toEqual({ tokens: 10, oov: 3, oovRate: 0.3, truncated: 0, empty: 0 });
    expect(r.splits.val.oovRate).toBe(1);
    expect(r.splits.test.oovRate).toBe(0);
  });

  it('keeps the FIRST maxLen tokens and counts truncation', () => {
    const { splits, report } = loadData(tinySpec([{ ...TEXT, maxLen: 2 }]), BASE);
    expect(rows(splits.train.inputs.text)).toEqual([
      [2, 4],
      [2, 1],
      [4, 1], // world of | words cut
      [1, 3], // new words | here cut
    ]);
    const r = report.inputs.text;
    if (r.kind === 'text') expect(r.splits.train.truncated).toBe(2);
  });

  it('without lowercasing, ties break by code units (upper case first)', () => {
    const { state } = loadData(tinySpec([{ ...TEXT, lowercase: false }]), BASE);
    expect(state.inputs.text).toEqual({ kind: 'text', vocab: ['words', 'Hello', 'New', 'World'] });
  });
});

describe('tabular', () => {
  it('zscore with train mean/std and mean imputation', () => {
    const { state, splits, report } = loadData(tinySpec([NUMS]), BASE);
    const st = state.inputs.nums;
    if (st.kind !== 'tabular') throw new Error('kind');
    expect(st.columns[0]).toMatchObject({ name: 'age', count: 3, mean: AGE_MEAN, median: 40, min: 30, max: 80, fill: AGE_MEAN });
    expect(st.columns[0].std).toBeCloseTo(AGE_STD, 12);
    expect(st.columns[1]).toMatchObject({ name: 'score', count: 3, mean: SCORE_MEAN, median: 2.5, fill: SCORE_MEAN });
    const f = splits.train.inputs.nums;
    expect(f.dtype).toBe('float32');
    expect(f.data).toBeInstanceOf(Float32Array);
    expect(f.shape).toEqual([4, 2]);
    const expected = [
      [(30 - 50) / AGE_STD, (1.5 - 2.5) / SCORE_STD],
      [0, 0], // age missing → mean → 0
      [(40 - 50) / AGE_STD, (3.5 - 2.5) / SCORE_STD],
      [(80 - 50) / AGE_STD, 0], // score missing
    ];
    rows(f).forEach((r, i) => r.forEach((x, j) => expect(x).toBeCloseTo(expected[i][j], 5)));
    expect(rows(f)[0][0]).toBeCloseTo(-0.9258201, 5);
    expect(rows(splits.val.inputs.nums)[0][0]).toBeCloseTo(-1.3887301, 5);
    expect(rows(splits.val.inputs.nums)[0][1]).toBeCloseTo(3.6742346, 5);
    expect(rows(splits.test.inputs.nums)[0]).toEqual([0, expect.closeTo(4.8989795, 5)]); // "NA" → mean
    const r = report.inputs.nums;
    if (r.kind !== 'tabular') throw new Error('kind');
    expect(r.splits.train).toEqual({ age: { missing: 1, nonFinite: 0 }, score: { missing: 1, nonFinite: 0 } });
    expect(r.splits.test.age).toEqual({ missing: 1, nonFinite: 0 });
  });

  it('median imputation, minmax, zero imputation without normalisation', () => {
    const med = loadData(tinySpec([{ ...NUMS, impute: 'median' }]), BASE).splits.train.inputs.nums;
    expect(rows(med)[1][0]).toBeCloseTo((40 - 50) / AGE_STD, 5);
    const mm = loadData(tinySpec([{ ...NUMS, normalize: 'minmax' }]), BASE).splits;
    expect(rows(mm.train.inputs.nums).map((r) => r[0])).toEqual([0, expect.closeTo(0.4, 6), expect.closeTo(0.2, 6), 1]);
    expect(rows(mm.val.inputs.nums)[0][0]).toBeCloseTo(-0.2, 6); // outside the train range: not clipped
    const zero = loadData(tinySpec([{ ...NUMS, normalize: 'none', impute: 'zero' }]), BASE).splits.train.inputs.nums;
    expect(rows(zero)).toEqual([
      [30, 1.5],
      [0, 2.5],
      [40, 3.5],
      [80, 0],
    ]);
  });

  it('counts non-finite values and imputes them; booleans are 0/1; std 0 divides by 1', () => {
    const spec = tinySpec([{ name: 'v', kind: 'tabular', columns: ['v', 'b'], normalize: 'zscore', impute: 'mean' }]);
    const state: PreprocessorState = {
      version: 1,
      dataset: 'x',
      inputs: {
        v: {
          kind: 'tabular',
          normalize: 'zscore',
          impute: 'mean',
          columns: [
            { name: 'v', count: 2, mean: 1, std: 0, median: 1, min: 1, max: 1, fill: 1 },
            { name: 'b', count: 2, mean: 0.5, std: 0.5, median: 0.5, min: 0, max: 1, fill: 0.5 },
          ],
        },
      },
      label: { kind: 'binary' },
    };
    const out = transformRows(
      [
        { v: 'NaN', b: true },
        { v: Infinity, b: 'false' },
        { v: '-inf', b: false },
        { v: ' 3 ', b: null },
      ],
      spec,
      state,
    );
    expect(rows(out.inputs.v)).toEqual([
      [0, 1],
      [0, -1],
      [0, -1],
      [2, 0],
    ]);
  });

  it('reports missing and non-finite counts per column', () => {
    const spec: DataSpec = {
      dataset: { name: 'nf', source: { format: 'csv', path: 'nonfinite.csv' }, split: { kind: 'random', train: 1, val: 0, test: 0, seed: 0 } },
      inputs: [{ name: 'v', kind: 'tabular', columns: ['v'], normalize: 'zscore', impute: 'mean' }],
      label: { name: 'y', kind: 'binary', column: 'y' },
    };
    const { state, splits, report } = loadData(spec, BASE);
    const r = report.inputs.v;
    if (r.kind !== 'tabular') throw new Error('kind');
    expect(r.splits.train.v).toEqual({ missing: 1, nonFinite: 2 });
    // finite train values 1 and 3: mean 2, std 1.
    expect(state.inputs.v).toMatchObject({ columns: [{ count: 2, mean: 2, std: 1 }] });
    expect(Array.from(splits.train.inputs.v.data)).toEqual([-1, 0, 0, 1, 0]);
    const e = dataError(() => loadData({ ...spec, inputs: [{ name: 'v', kind: 'tabular', columns: ['v'], normalize: 'zscore', impute: 'error' }] }, BASE));
    expect(e.message).toContain('nonfinite.csv, row 2 (line 3), column "v": non-finite value NaN');
  });
});

describe('categorical', () => {
  it('gives the most frequent train values ids 1.., 0 to unknown and missing', () => {
    const { state, splits, report } = loadData(tinySpec([COLOR]), BASE);
    expect(state.inputs.color).toEqual({ kind: 'categorical', values: ['red', 'blue'] });
    expect(splits.train.inputs.color).toEqual({ data: Int32Array.from([1, 2, 1, 0]), shape: [4], dtype: 'int32' });
    expect(Array.from(splits.val.inputs.color.data)).toEqual([1]);
    expect(Array.from(splits.test.inputs.color.data)).toEqual([0]);
    const r = report.inputs.color;
    if (r.kind !== 'categorical') throw new Error('kind');
    expect(r.splits.train).toEqual({ missing: 0, unknown: 1 });
    expect(r.splits.test).toEqual({ missing: 1, unknown: 0 });
  });
});

describe('column names', () => {
  it('a column named like an Object.prototype key reads only own values', () => {
    const spec: DataSpec = { ...tinySpec([{ name: 'c', kind: 'categorical', column: 'constructor', vocab: 3 }]) };
    const state: PreprocessorState = { version: 1, dataset: 'x', inputs: { c: { kind: 'categorical', values: ['x'] } }, label: { kind: 'binary' } };
    const out = transformRows([{ constructor: 'x' }, {}], spec, state);
    expect(Array.from(out.inputs.c.data)).toEqual([1, 0]);
  });
});

describe('labels', () => {
  it('maps binary "0"/"1" and keys come from the id column', () => {
    const { splits } = loadData(tinySpec([COLOR]), BASE);
    expect(Array.from(splits.train.labels)).toEqual([1, 0, 1, 0]);
    expect(Array.from(splits.val.labels)).toEqual([1]);
    expect(Array.from(splits.test.labels)).toEqual([0]);
    expect(splits.train.keys).toEqual(['a', 'b', 'c', 'd']);
  });

  it('maps a binary label by its positive value', () => {
    const { splits } = loadData(tinySpec([COLOR], { name: 'y', kind: 'binary', column: 'animal', positive: 'cat' }), BASE);
    expect(Array.from(splits.train.labels)).toEqual([1, 0, 1, 0]);
    expect(Array.from(splits.test.labels)).toEqual([1]);
  });

  it('maps multiclass to sorted train classes, or to given classes', () => {
    const mc = loadData(tinySpec([COLOR], { name: 'a', kind: 'multiclass', column: 'animal', numClasses: 3 }), BASE);
    expect(mc.state.label).toEqual({ kind: 'multiclass', classes: ['bird', 'cat', 'dog'] });
    expect(Array.from(mc.splits.train.labels)).toEqual([1, 2, 1, 0]);
    expect(Array.from(mc.splits.val.labels)).toEqual([2]);
    expect(mc.report.label.counts.train).toEqual([1, 2, 1]);
    const given = loadData(tinySpec([COLOR], { name: 'a', kind: 'multiclass', column: 'animal', numClasses: 3, classes: ['dog', 'cat', 'bird'] }), BASE);
    expect(Array.from(given.splits.train.labels)).toEqual([1, 0, 1, 2]);
  });

  it('drops rows with a missing label and counts them; accepts true/false, 0/1, "0"/"1"', () => {
    const spec: DataSpec = {
      dataset: { name: 'l', source: { format: 'jsonl', path: 'labels.jsonl' }, split: { kind: 'random', train: 1, val: 0, test: 0, seed: 1 } },
      inputs: [{ name: 'n', kind: 'tabular', columns: ['n'], normalize: 'none', impute: 'error' }],
      label: { name: 'y', kind: 'binary', column: 'y' },
    };
    const { splits, report } = loadData(spec, BASE);
    expect(report.droppedMissingLabel).toEqual({ train: 2, val: 0, test: 0, total: 2 });
    expect(splits.train.keys).toEqual(['1', '2', '4', '6', '7', '8', '9', '10']);
    expect(Array.from(splits.train.labels)).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);
    expect(report.warnings).toContain('the val split is empty');
  });
});

describe('splits and batches', () => {
  /** Reference mulberry32, as published (Tommy Ettinger). */
  function reference(a: number): () => number {
    return () => {
      let t = (a += 0x6d2b79f5);
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('mulberry32 matches the reference implementation', () => {
    for (const seed of [0, 1, 7, 42, 123456789]) {
      const a = mulberry32(seed);
      const b = reference(seed);
      for (let i = 0; i < 5; i++) expect(a()).toBe(b());
    }
  });

  it('random splits are reproducible from the seed and have the asked sizes', () => {
    const rowsData = Array.from({ length: 10 }, (_, i) => ({ i }));
    const spec = { kind: 'random' as const, train: 0.6, val: 0.2, test: 0.2, seed: 42 };
    const a = assignSplits(rowsData, spec, 'f');
    const b = assignSplits(rowsData, spec, 'f');
    expect(a).toEqual(b);
    expect([a.indices.train.length, a.indices.val.length, a.indices.test.length]).toEqual([6, 2, 2]);
    const all = [...a.indices.train, ...a.indices.val, ...a.indices.test].sort((x, y) => x - y);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The first 6 positions of the seed-42 Fisher–Yates permutation are train.
    const perm = Array.from(permutation(10, 42));
    expect(a.indices.train).toEqual(perm.slice(0, 6).sort((x, y) => x - y));
    const c = assignSplits(rowsData, { ...spec, seed: 43 }, 'f');
    expect(c.indices.train).not.toEqual(a.indices.train);
  });

  it('loadData with a random split gives the same rows every time', () => {
    const spec: DataSpec = {
      dataset: { name: 'l', source: { format: 'jsonl', path: 'labels.jsonl' }, split: { kind: 'random', train: 0.6, val: 0.2, test: 0.2, seed: 7 } },
      inputs: [{ name: 't', kind: 'text', column: 'text', vocab: 10, maxLen: 2, lowercase: true, tokenizer: 'chars' }],
      label: { name: 'y', kind: 'binary', column: 'y' },
    };
    const one = loadData(spec, BASE);
    const two = loadData(spec, BASE);
    for (const s of ['train', 'val', 'test'] as const) expect(two.splits[s]).toEqual(one.splits[s]);
    const total = one.report.split.counts.train + one.report.split.counts.val + one.report.split.counts.test;
    expect(total + one.report.droppedMissingLabel.total).toBe(10);
  });

  it('column splits leave out and count unlisted values', () => {
    const spec = tinySpec([COLOR]);
    if (spec.dataset.split.kind !== 'column') throw new Error('kind');
    spec.dataset.split.test = [];
    const { report } = loadData(spec, BASE);
    expect(report.split.unassigned).toBe(1);
    expect(report.split.unassignedValues).toEqual(['test']);
    expect(report.split.counts).toEqual({ train: 4, val: 1, test: 0 });
    expect(formatReport(report)).toContain('left out');
  });

  it('batches: one seeded permutation cut into batches', () => {
    const got = [...batches({ size: 10 }, 4, 3)].map((b) => Array.from(b));
    expect(got.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(got.flat().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(got.flat()).toEqual(Array.from(permutation(10, 3)));
    expect([...batches({ size: 10 }, 4, 3)].map((b) => Array.from(b))).toEqual(got);
    expect([...batches({ size: 10 }, 4, 3, true)].map((b) => b.length)).toEqual([4, 4]);
    expect(() => [...batches({ size: 10 }, 0, 3)]).toThrow(RangeError);
  });

  it('subset gathers rows of every input in the given order', () => {
    const { splits } = loadData(tinySpec(), BASE);
    const s = subset(splits.train, [3, 0]);
    expect(s.size).toBe(2);
    expect(s.keys).toEqual(['d', 'a']);
    expect(Array.from(s.labels)).toEqual([0, 1]);
    expect(rows(s.inputs.text)).toEqual([
      [1, 3, 5],
      [0, 2, 4],
    ]);
    expect(s.inputs.nums.shape).toEqual([2, 2]);
    expect(s.inputs.color.shape).toEqual([2]);
  });
});

describe('state', () => {
  it('round-trips through JSON and reproduces every split exactly', () => {
    const spec = tinySpec([TEXT, NUMS, COLOR], { name: 'a', kind: 'multiclass', column: 'animal', numClasses: 3 });
    const first = loadData(spec, BASE);
    const json = JSON.stringify(first.state);
    expect(json).not.toMatch(/NaN|Infinity/);
    const again = loadData(spec, BASE, stateFromJSON(json));
    expect(again.report.fitted).toBe(false);
    expect(again.state).toEqual(first.state);
    for (const s of ['train', 'val', 'test'] as const) expect(again.splits[s]).toEqual(first.splits[s]);
  });

  it('transformRows applies a state to new rows for predict', () => {
    const spec = tinySpec();
    const { state } = loadData(spec, BASE);
    const out = transformRows([{ text: 'Hello WORLD', age: '35', score: 2, color: 'blue' }], spec, stateFromJSON(JSON.stringify(state)));
    expect(out.size).toBe(1);
    expect(rows(out.inputs.text)).toEqual([[0, 2, 4]]);
    expect(rows(out.inputs.nums)[0][0]).toBeCloseTo((35 - 50) / AGE_STD, 5);
    expect(rows(out.inputs.nums)[0][1]).toBeCloseTo((2 - 2.5) / SCORE_STD, 5);
    expect(Array.from(out.inputs.color.data)).toEqual([2]);
    expect(Array.from(out.labels)).toEqual([-1]); // no label column: not dropped
    expect(out.keys).toEqual(['1']);
  });
});

describe('DataError messages name file, row and column and say how to fix', () => {
  it('missing file', () => {
    const e = dataError(() => loadData({ ...tinySpec(), dataset: { ...tinySpec().dataset, source: { format: 'csv', path: 'nope.csv' } } }, BASE));
    expect(e.message).toContain('nope.csv');
    expect(e.message).toContain('not found');
    expect(e.message).toContain('Fix:');
  });

  it('unreadable file (a folder)', () => {
    const e = dataError(() => readTable({ format: 'csv', path: '.' }, BASE));
    expect(e.message).toMatch(/folder/);
  });

  it('malformed JSONL line', () => {
    const e = dataError(() => readTable({ format: 'jsonl', path: 'bad.jsonl' }, BASE));
    expect(e.message).toMatch(/^bad\.jsonl, line 3: not valid JSON/);
    expect(e.where).toBe('line 3');
    expect(e.hint).toMatch(/line 3/);
  });

  it('malformed CSV: wrong field count, unclosed quote', () => {
    const a = dataError(() => readTable({ format: 'csv', path: 'bad-fields.csv' }, BASE));
    expect(a.message).toContain('bad-fields.csv, line 3: this row has 2 fields but the header has 3');
    const b = dataError(() => readTable({ format: 'csv', path: 'bad-quote.csv' }, BASE));
    expect(b.message).toMatch(/^bad-quote\.csv, line \d: .*quote/);
  });

  it('CSV header with a repeated name', () => {
    const e = dataError(() => parseTable('a,a\n1,2\n', 'csv', 'dup.csv'));
    expect(e.message).toContain('dup.csv, line 1, column "a": the header names this column twice');
  });

  it('malformed JSON: not an array, not an object, bad syntax', () => {
    expect(dataError(() => readTable({ format: 'json', path: 'not-array.json' }, BASE)).message).toContain('not-array.json: expected a JSON array of objects but the file holds an object');
    expect(dataError(() => readTable({ format: 'json', path: 'bad-element.json' }, BASE)).message).toContain('bad-element.json, element 1: expected an object but found a number');
    expect(dataError(() => readTable({ format: 'json', path: 'bad-syntax.json' }, BASE)).message).toMatch(/^bad-syntax\.json, line 3: not valid JSON/);
  });

  it('a column no row has, with a suggestion', () => {
    const e = dataError(() => loadData(tinySpec([TEXT], { name: 'y', kind: 'binary', column: 'lable' }), BASE));
    expect(e.message).toContain('tiny.csv, every row, column "lable": label "y" reads this column but no row has it');
    expect(e.message).toContain('did you mean "label"?');
    expect(e.column).toBe('lable');
  });

  it('impute error names the row and column of the missing value', () => {
    const e = dataError(() => loadData(tinySpec([{ ...NUMS, impute: 'error' }]), BASE));
    expect(e.message).toContain('tiny.csv, row 2 (line 3), column "age": missing value in tabular input "nums"');
    expect(e.message).toContain('set impute to mean, median or zero');
  });

  it('a value that is not a number', () => {
    const e = dataError(() => loadData(tinySpec([{ ...NUMS, columns: ['age', 'color'] }]), BASE));
    expect(e.message).toContain('tiny.csv, row 1 (line 2), column "color": "red" is not a number');
    expect(e.message).toContain('categorical input');
    const f = dataError(() => transformRows([{ text: 'x', age: 1, score: 'abc', color: 'red' }], tinySpec(), loadData(tinySpec(), BASE).state, { file: 'new.jsonl' }));
    expect(f.message).toContain('new.jsonl, row 1, column "score": "abc" is not a number');
  });

  it('a binary label that is not 0/1 suggests positive', () => {
    const e = dataError(() => loadData(tinySpec([COLOR], { name: 'y', kind: 'binary', column: 'animal' }), BASE));
    expect(e.message).toContain('tiny.csv, row 1 (line 2), column "animal": binary label "y" must be 0/1 or true/false, found "cat"');
    expect(e.message).toContain('positive "cat"');
  });

  it('multiclass: numClasses mismatch, value outside the given classes', () => {
    const a = dataError(() => loadData(tinySpec([COLOR], { name: 'a', kind: 'multiclass', column: 'animal', numClasses: 4 }), BASE));
    expect(a.message).toContain('tiny.csv, column "animal": label "a" declares 4 classes but the train split has 3: "bird", "cat", "dog"');
    expect(a.message).toContain('set the number of classes to 3');
    const b = dataError(() => loadData(tinySpec([COLOR], { name: 'a', kind: 'multiclass', column: 'animal', numClasses: 2, classes: ['cat', 'dog'] }), BASE));
    expect(b.message).toContain('tiny.csv, row 4 (line 5), column "animal": label value "bird" is not one of the 2 classes');
  });

  it('spec problems: fractions, empty train split, state mismatch, duplicate input names', () => {
    const frac = dataError(() => assignSplits([{}], { kind: 'random', train: 0.8, val: 0.3, test: 0.1, seed: 1 }, 'f.csv'));
    expect(frac.message).toContain('do not add up to 1');
    const spec = tinySpec([COLOR]);
    if (spec.dataset.split.kind === 'column') spec.dataset.split.train = ['training'];
    const empty = dataError(() => loadData(spec, BASE));
    expect(empty.message).toContain('tiny.csv: the train split is empty');
    expect(empty.message).toContain('column "part"');
    const { state } = loadData(tinySpec([COLOR]), BASE);
    expect(dataError(() => loadData(tinySpec([TEXT]), BASE, state)).message).toContain('input "text" has no fitted state');
    expect(dataError(() => stateFromJSON('{"version": 2}')).message).toContain('not a version-1 preprocessor state');
    expect(dataError(() => loadData(tinySpec([COLOR, COLOR]), BASE)).message).toContain('two inputs are named "color"');
  });
});
