/**
 * IDX sources (exact parsing of hand-made files, gzipped or not; split by part with val_share), joining modalities
 * by sample key (order-independent, missing rows dropped and reported by key, or refused), time series from numeric
 * arrays with non-finite counts, and the compiler side: MMF1012, the data spec a keyed model emits.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import { runtimeSpecs } from '../compiler/emit/tfjs/program.ts';
import { DataError, featureRows, formatReport, idxValue, loadData, parseIdx, type DataSpec, type RawImage } from '../runtime/data/index.ts';
import { rangeOf } from './helpers/ranges.ts';

/** IDX bytes: magic 0 0 type ndims, big-endian uint32 dims, then the payload. */
function idx(type: number, dims: number[], payload: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(payload)]);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmf-src-'));
  // 5 training images of 2×3 bytes (image i has pixel k = 10·i + k) and 2 test images; labels 0..2.
  const imgs = (n: number, base: number) => Array.from({ length: n * 6 }, (_, j) => base + 10 * Math.floor(j / 6) + (j % 6));
  writeFileSync(join(dir, 'train-images.gz'), gzipSync(idx(0x08, [5, 2, 3], imgs(5, 0))));
  writeFileSync(join(dir, 'train-labels'), idx(0x08, [5], [0, 1, 2, 1, 0]));
  writeFileSync(join(dir, 'test-images'), idx(0x08, [2, 2, 3], imgs(2, 100)));
  writeFileSync(join(dir, 'test-labels.gz'), gzipSync(idx(0x08, [2], [2, 2])));
  writeFileSync(join(dir, 'short-labels'), idx(0x08, [4], [0, 1, 2, 1]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('IDX', () => {
  it('parses a hand-made file exactly: dims, big-endian values of every type', () => {
    const a = parseIdx(idx(0x08, [2, 2], [1, 2, 3, 255]), 'x');
    expect(a.dims).toEqual([2, 2]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 255]);
    const s = parseIdx(idx(0x0b, [2], [0xff, 0xfe, 0x01, 0x00]), 'x'); // int16 big-endian: -2, 256
    expect([idxValue(s, 0), idxValue(s, 1)]).toEqual([-2, 256]);
    const gz = parseIdx(gzipSync(idx(0x08, [3], [7, 8, 9])), 'x');
    expect(Array.from(gz.data)).toEqual([7, 8, 9]);
  });

  it('refuses a bad magic, an unknown type and a truncated payload, naming the file', () => {
    expect(() => parseIdx(Buffer.from([1, 0, 8, 1, 0, 0, 0, 1, 5]), 'a.idx')).toThrow(/^a\.idx: not an IDX file/);
    expect(() => parseIdx(Buffer.from([0, 0, 0x42, 1, 0, 0, 0, 1, 5]), 'b.idx')).toThrow('b.idx: unknown IDX element type 0x42');
    expect(() => parseIdx(idx(0x08, [2, 3], [1, 2, 3]), 'c.idx')).toThrow('c.idx: the IDX header announces dimensions [2, 3] of unsigned bytes (6 bytes) but 3 bytes follow');
  });

  const spec = (labels = 'train-labels'): DataSpec => ({
    dataset: {
      name: 'f',
      source: { format: 'idx', path: 'train-images.gz', labels, testImages: 'test-images', testLabels: 'test-labels.gz' },
      split: { kind: 'column', column: 'part', train: ['train'], val: ['val'], test: ['test'], valShare: 0.4, seed: 3 },
    },
    inputs: [{ name: 'img', kind: 'image', column: 'image', height: 2, width: 3, channels: 1, normalize: 'none' }],
    label: { name: 'y', kind: 'multiclass', column: 'label', classes: ['0', '1', '2'], numClasses: 3 },
  });

  it('gives image, label, part and id columns; split by part with a seeded val share of train', () => {
    const { splits, report } = loadData(spec(), dir);
    expect(report.columns).toEqual(['image', 'label', 'part', 'id']);
    expect(report.rows).toBe(7);
    expect(report.split.counts).toEqual({ train: 3, val: 2, test: 2 });
    expect([...splits.train.keys, ...splits.val.keys].sort()).toEqual(['train-0', 'train-1', 'train-2', 'train-3', 'train-4']);
    expect(splits.test.keys).toEqual(['test-0', 'test-1']);
    expect(Array.from(splits.test.labels)).toEqual([2, 2]);
    expect(Array.from(featureRows(splits.test.inputs.img, [1]))).toEqual([110, 111, 112, 113, 114, 115]);
    const k = Number(splits.train.keys[0]!.slice(6));
    expect(Array.from(featureRows(splits.train.inputs.img, [0]))).toEqual([0, 1, 2, 3, 4, 5].map((p) => 10 * k + p));
    // Same seed, same val rows.
    expect(loadData(spec(), dir).splits.val.keys).toEqual(splits.val.keys);
  });

  it('refuses labels that do not pair with the images', () => {
    expect(() => loadData(spec('short-labels'), dir)).toThrow('short-labels: 4 labels for 5 images in train-images.gz');
  });

  it('names a missing IDX file and a missing folder, with where it looked', () => {
    expect(() => loadData(spec('no-labels.gz'), dir)).toThrow(`no-labels.gz: IDX file not found (looked for ${join(dir, 'no-labels.gz')}). Fix:`);
    const f: DataSpec = { ...spec(), dataset: { ...spec().dataset, source: { format: 'folder', path: 'no-such-folder' } } };
    expect(() => loadData(f, dir)).toThrow(`no-such-folder: data folder not found (looked for ${join(dir, 'no-such-folder')}). Fix:`);
  });
});

describe('joining modalities by sample key', () => {
  const spec = (missing: 'drop' | 'error' = 'drop', mainMissing: 'drop' | 'error' = 'drop'): DataSpec => ({
    dataset: { name: 'main', source: { format: 'csv', path: 'main.csv' }, split: { kind: 'column', column: 'split', train: ['train'], val: [], test: ['test'] }, idColumn: 'id', missing: mainMissing },
    joins: [{ name: 'side', source: { format: 'jsonl', path: 'side.jsonl' }, split: { kind: 'random', train: 1, val: 0, test: 0, seed: 1 }, idColumn: 'key', missing }],
    inputs: [
      { name: 'num', kind: 'tabular', columns: ['x'], normalize: 'none', impute: 'error' },
      { name: 'seq', kind: 'timeseries', column: 'series', channels: 2, length: 2, normalize: 'none', dataset: 'side' },
    ],
    label: { name: 'y', kind: 'binary', column: 'y' },
  });
  beforeAll(() => {
    writeFileSync(join(dir, 'main.csv'), 'id,x,y,split\na,1,0,train\nb,2,1,train\nc,3,0,test\nd,4,1,train\n');
    // Another order, one key (c) missing, one extra key (z) without a label.
    writeFileSync(
      join(dir, 'side.jsonl'),
      ['{"key":"d","series":[[40,41],[42,43]]}', '{"key":"z","series":[[0,0],[0,0]]}', '{"key":"a","series":[[10,11],[12,null]]}', '{"key":"b","series":"[[20,21],[22,\\"NaN\\"]]"}'].join('\n'),
    );
    writeFileSync(join(dir, 'dupe.jsonl'), '{"key":"a","series":[[1,1],[1,1]]}\n{"key":"a","series":[[2,2],[2,2]]}\n');
  });

  it('matches rows by key, not by order; drops and reports the samples a dataset lacks', () => {
    const { splits, report } = loadData(spec(), dir);
    expect(splits.train.keys).toEqual(['a', 'b', 'd']);
    expect(Array.from(featureRows(splits.train.inputs.num, [0, 1, 2]))).toEqual([1, 2, 4]);
    // a: [[10, 11], [12, null→0]]; b from a JSON string with "NaN" → 0; d: as stored.
    expect(Array.from(featureRows(splits.train.inputs.seq, [0, 1, 2]))).toEqual([10, 11, 12, 0, 20, 21, 22, 0, 40, 41, 42, 43]);
    expect(report.split.counts).toEqual({ train: 3, val: 0, test: 0 });
    expect(report.joins).toEqual([{ dataset: 'side', file: 'side.jsonl', rows: 4, missing: 1, missingKeys: ['c'], unmatched: 1, unmatchedKeys: ['z'] }]);
    expect(report.warnings).toContain('dataset side has no row for 1 sample (dropped): keys "c"');
    expect(report.warnings).toContain('1 row of dataset side match no labelled sample (left out): keys "z"');
    expect(report.inputs.seq).toEqual({ kind: 'timeseries', splits: { train: { series: 3, nonFinite: [0, 2] }, val: { series: 0, nonFinite: [0, 0] }, test: { series: 0, nonFinite: [0, 0] } } });
    expect(formatReport(report)).toContain('timeseries seq: missing or non-finite values (train/val/test): 2/0/0 (per channel in train: 0, 2), replaced by the train mean');
  });

  it('missing error refuses, naming the keys; a repeated key names both rows', () => {
    expect(() => loadData(spec('error'), dir)).toThrow('side.jsonl, column "key": dataset side has no row for 1 labelled sample of main: keys "c". Fix: add the missing rows, or declare missing drop on dataset side to leave those samples out');
    expect(() => loadData(spec('drop', 'error'), dir)).toThrow('main.csv, column "id": 1 sample of dataset side have no labelled row in main: keys "z"');
    const d = spec();
    d.joins![0]!.source = { format: 'jsonl', path: 'dupe.jsonl' };
    expect(() => loadData(d, dir)).toThrow('dupe.jsonl, line 2, column "key": dataset side: key "a" is used again (first at line 1)');
  });

  it('a series of the wrong length names file, row and column', () => {
    writeFileSync(join(dir, 'short.jsonl'), '{"key":"a","series":[[1,2]]}\n');
    const d = spec();
    d.joins![0]!.source = { format: 'jsonl', path: 'short.jsonl' };
    let e: unknown;
    try {
      loadData(d, dir);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toBe('short.jsonl, line 1, column "series": timeseries input "seq" expects 2 time steps of 2 numbers but found 1 time steps. Fix: store a JSON array of 2 arrays of 2 numbers each');
  });
});

describe('compiler: keyed datasets', () => {
  const base = `dataset pics from csv("p.csv") { key id  split(by split) }
dataset sounds from csv("s.csv") { key id  missing error }
input pic: image(8, 8, 1) from pics.path
input voice: audio(clip 0.1, window 0.02, hop 0.01, mels 8) from sounds.wav
label digit: classes(10) from pics.digit
encoder a = pic -> flatten
encoder b = voice -> global_avg_pool
fusion f = concat(a, b)
model M = f -> classifier(digit)
`;
  it('a model joins datasets that declare keys; the emitted data spec names the joins and each input’s dataset', () => {
    const r = compile(base, { skipDataFiles: true });
    expect(r.diagnostics).toEqual([]);
    const data = runtimeSpecs(r.models[0]!).data!;
    expect(data.dataset).toMatchObject({ name: 'pics', idColumn: 'id', split: { kind: 'column', column: 'split' } });
    expect(data.joins).toHaveLength(1);
    expect(data.joins![0]).toMatchObject({ name: 'sounds', idColumn: 'id', missing: 'error', source: { format: 'csv' } });
    expect(data.inputs.map((i) => [i.name, (i as { dataset?: string }).dataset])).toEqual([
      ['pic', 'pics'],
      ['voice', 'sounds'],
    ]);
  });

  it('MMF1012 at the model when a dataset has no key, naming it', () => {
    const src = base.replace('{ key id  missing error }', '{ missing error }');
    const r = compile(src, { skipDataFiles: true });
    expect(r.diagnostics.map((d) => [d.code, d.range])).toEqual([['MMF1012', rangeOf(src, 'model M = f -> classifier(digit)')]]);
    expect(r.diagnostics[0]!.message).toBe('model M mixes datasets (pic from pics, voice from sounds, digit from pics) but sounds declares no sample key to join them by');
  });

  it('MMF1008 for a key column the data file does not have', () => {
    writeFileSync(join(dir, 'p.csv'), 'id,path,digit,split\n');
    writeFileSync(join(dir, 's.csv'), 'ident,wav\n');
    const r = compile(base, { fileName: join(dir, 'm.mmf') });
    expect(r.diagnostics.map((d) => [d.code, d.range, d.message])).toEqual([
      ['MMF1008', rangeOf(base, 'dataset sounds from csv("s.csv") { key id  missing error }'), "Key column 'id' is not in s.csv"],
    ]);
  });

  it('folder and idx sources check; test_images without test_labels is MMF3002', () => {
    const ok = compile(`dataset s from folder("imgs")\ndataset f from idx("a.gz", "b.gz", test_images "c.gz", test_labels "d.gz") { split(by part, val_share 0.1) }\n`, { skipDataFiles: true });
    expect(ok.diagnostics).toEqual([]);
    expect(ok.datasets.get('f')!.source).toEqual({ format: 'idx', path: 'a.gz', labels: 'b.gz', testImages: 'c.gz', testLabels: 'd.gz' });
    expect(ok.datasets.get('f')!.split).toMatchObject({ kind: 'column', column: 'part', valShare: 0.1, seed: 42 });
    const src = `dataset f from idx("a.gz", "b.gz", test_images "c.gz")\n`;
    const bad = compile(src, { skipDataFiles: true });
    expect(bad.diagnostics.map((d) => [d.code, d.range])).toEqual([['MMF3002', rangeOf(src, 'idx("a.gz", "b.gz", test_images "c.gz")')]]);
  });
});
