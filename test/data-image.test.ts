/**
 * Image inputs (runtime/data/image.ts, media.ts): PNG/JPEG decoding to exact pixel values, channel conversion,
 * bilinear resizing against hand-computed values, normalisation per batch, a folder source, streaming from disk
 * (same batches as in memory), and error messages naming file, row and column.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  convertChannels,
  DataError,
  decodeImage,
  featureRows,
  loadData,
  resizeBilinear,
  stateFromJSON,
  stateToJSON,
  transformRows,
  type DataSpec,
  type RawImage,
} from '../runtime/data/index.ts';

/** A PNG of `w`×`h` RGBA pixels given by `px(x, y)`. */
function png(w: number, h: number, px: (x: number, y: number) => [number, number, number, number]): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) p.data.set(px(x, y), (y * w + x) * 4);
  return PNG.sync.write(p);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mmf-img-'));
  mkdirSync(join(dir, 'imgs'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('decoding', () => {
  it('reads every PNG pixel exactly (RGBA)', () => {
    const bytes = png(3, 2, (x, y) => [10 * x + y, 100 + x, 200 - y, x === 2 ? 128 : 255]);
    const img = decodeImage(bytes);
    expect([img.height, img.width, img.channels]).toEqual([2, 3, 4]);
    expect(Array.from(img.data)).toEqual([0, 100, 200, 255, 10, 101, 200, 255, 20, 102, 200, 128, 1, 100, 199, 255, 11, 101, 199, 255, 21, 102, 199, 128]);
  });

  it('reads a grey JPEG of flat 8×8 blocks exactly (quality 100: only the DC coefficient, quantised by 1)', () => {
    const w = 16;
    const h = 8;
    const data = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(x < 8 ? [64, 64, 64, 255] : [192, 192, 192, 255], (y * w + x) * 4);
    const bytes = jpeg.encode({ width: w, height: h, data }, 100).data;
    const img = decodeImage(bytes);
    expect([img.height, img.width, img.channels]).toEqual([8, 16, 4]);
    const grey = convertChannels(img, 1);
    expect(Array.from(grey.data.subarray(0, 16))).toEqual([64, 64, 64, 64, 64, 64, 64, 64, 192, 192, 192, 192, 192, 192, 192, 192]);
  });

  it('refuses bytes that are neither PNG nor JPEG, and corrupt PNGs', () => {
    expect(() => decodeImage(new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39]))).toThrow('the file is neither PNG nor JPEG (it starts with bytes 47 49 46 38)');
    const bytes = png(4, 4, () => [1, 2, 3, 255]);
    expect(() => decodeImage(bytes.subarray(0, 40))).toThrow(/^the PNG file is corrupt/);
    expect(() => decodeImage(new Uint8Array(0))).toThrow('the image file is empty');
  });
});

describe('channels and size', () => {
  const rgba: RawImage = { height: 1, width: 2, channels: 4, data: Uint8Array.from([255, 0, 0, 7, 10, 20, 30, 40]) };
  it('RGB(A) to grey is the BT.601 luma, rounded; alpha dropped or kept', () => {
    // 0.299·255 = 76.245 → 76; 0.299·10 + 0.587·20 + 0.114·30 = 2.99 + 11.74 + 3.42 = 18.15 → 18
    expect(Array.from(convertChannels(rgba, 1).data)).toEqual([76, 18]);
    expect(Array.from(convertChannels(rgba, 3).data)).toEqual([255, 0, 0, 10, 20, 30]);
    expect(Array.from(convertChannels(rgba, 2).data)).toEqual([76, 7, 18, 40]);
    const grey: RawImage = { height: 1, width: 2, channels: 1, data: Uint8Array.from([9, 200]) };
    expect(Array.from(convertChannels(grey, 4).data)).toEqual([9, 9, 9, 255, 200, 200, 200, 255]);
  });

  it('bilinear resize with half-pixel centres matches hand-computed values', () => {
    // 1×2 → 1×4: source x = (x + 0.5)/2 − 0.5 = −0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1).
    const row: RawImage = { height: 1, width: 2, channels: 1, data: Uint8Array.from([0, 100]) };
    expect(Array.from(resizeBilinear(row, 1, 4).data)).toEqual([0, 25, 75, 100]);
    // 2×2 → 1×1: the centre, the mean of the four.
    const sq: RawImage = { height: 2, width: 2, channels: 1, data: Uint8Array.from([0, 40, 80, 120]) };
    expect(Array.from(resizeBilinear(sq, 1, 1).data)).toEqual([60]);
    // 4×4 → 2×2: each output samples (1.5·k − 0.5 … ) = 0.5 and 2.5: the mean of each 2×2 block.
    const big: RawImage = { height: 4, width: 4, channels: 1, data: Uint8Array.from({ length: 16 }, (_, i) => i * 10) };
    expect(Array.from(resizeBilinear(big, 2, 2).data)).toEqual([25, 45, 105, 125]);
  });
});

describe('image inputs in loadData', () => {
  const spec = (normalize: 'none' | 'unit' | 'zscore', file = 'manifest.csv'): DataSpec => ({
    dataset: { name: 'pics', source: { format: 'csv', path: file }, split: { kind: 'column', column: 'split', train: ['train'], val: ['val'], test: ['test'] } },
    inputs: [{ name: 'img', kind: 'image', column: 'path', height: 2, width: 2, channels: 1, normalize }],
    label: { name: 'y', kind: 'binary', column: 'y' },
  });
  beforeAll(() => {
    // Three 2×2 grey images (given as RGB with R = G = B) and one 4×4 that is resized.
    const vals = [
      [0, 50, 100, 150],
      [10, 20, 30, 40],
      [255, 255, 0, 0],
    ];
    vals.forEach((v, i) => writeFileSync(join(dir, 'imgs', `${i}.png`), png(2, 2, (x, y) => [v[y * 2 + x], v[y * 2 + x], v[y * 2 + x], 255])));
    writeFileSync(join(dir, 'imgs', 'big.png'), png(4, 4, (x, y) => { const g = (y * 4 + x) * 10; return [g, g, g, 255]; }));
    writeFileSync(join(dir, 'manifest.csv'), 'path,y,split\nimgs/0.png,0,train\nimgs/1.png,1,train\nimgs/big.png,1,val\nimgs/2.png,0,test\n');
    writeFileSync(join(dir, 'missing.csv'), 'path,y,split\nimgs/0.png,0,train\nimgs/nope.png,1,train\n');
    writeFileSync(join(dir, 'imgs', 'bad.png'), Buffer.from('not a png at all'));
    writeFileSync(join(dir, 'corrupt.csv'), 'path,y,split\nimgs/0.png,0,train\nimgs/bad.png,1,train\n');
    writeFileSync(join(dir, 'empty.csv'), 'path,y,split\nimgs/0.png,0,train\n,1,train\n');
  });

  it('unit: pixels / 255, resized bilinearly, NHWC float32', () => {
    const { splits, report } = loadData(spec('unit'), dir);
    const f = splits.train.inputs.img;
    expect(f.shape).toEqual([2, 2, 2, 1]);
    expect(Array.from(featureRows(f, [0, 1]))).toEqual([0, 50, 100, 150, 10, 20, 30, 40].map((v) => Math.fround(v / 255)));
    // big.png 4×4 → 2×2: block means 25, 45, 105, 125.
    expect(Array.from(featureRows(splits.val.inputs.img, [0]))).toEqual([25, 45, 105, 125].map((v) => Math.fround(v / 255)));
    expect(report.inputs.img).toMatchObject({ kind: 'image', splits: { train: { images: 2, resized: 0, storage: 'memory' }, val: { resized: 1 } } });
  });

  it('zscore: per-channel train mean and deviation, saved in the state and applied to other splits', () => {
    const { splits, state } = loadData(spec('zscore'), dir);
    const train = [0, 50, 100, 150, 10, 20, 30, 40];
    const mean = train.reduce((a, b) => a + b, 0) / 8; // 50
    const std = Math.sqrt(train.reduce((a, b) => a + (b - mean) ** 2, 0) / 8);
    expect(state.inputs.img).toMatchObject({ kind: 'image', normalize: 'zscore', mean: [mean] });
    expect((state.inputs.img as { std: number[] }).std[0]).toBeCloseTo(std, 10);
    const got = Array.from(featureRows(splits.test.inputs.img, [0]));
    [255, 255, 0, 0].forEach((v, k) => expect(got[k]).toBeCloseTo((v - mean) / std, 5));
    // The saved state applied to new rows gives the same values (what eval and predict do).
    const again = transformRows([{ path: 'imgs/2.png' }], spec('zscore'), stateFromJSON(stateToJSON(state)), { baseDir: dir });
    expect(Array.from(featureRows(again.inputs.img, [0]))).toEqual(got);
  });

  it('streams from disk above the memory budget, with the same batches', () => {
    const mem = loadData(spec('unit'), dir);
    const disk = loadData(spec('unit'), dir, undefined, { memoryBytes: 4 });
    expect(disk.report.inputs.img).toMatchObject({ splits: { train: { storage: 'disk' } } });
    expect(Array.from(featureRows(disk.splits.train.inputs.img, [1, 0]))).toEqual(Array.from(featureRows(mem.splits.train.inputs.img, [1, 0])));
  });

  it('names file, row and column for a missing, corrupt or empty image path', () => {
    const err = (file: string) => {
      try {
        loadData(spec('unit', file), dir);
      } catch (e) {
        return e as DataError;
      }
      throw new Error('no error');
    };
    const m = err('missing.csv');
    expect(m).toBeInstanceOf(DataError);
    expect([m.file, m.where, m.column]).toEqual(['missing.csv', 'row 2 (line 3)', 'path']);
    expect(m.message).toContain(`missing.csv, row 2 (line 3), column "path": image "imgs/nope.png" not found (looked for ${join(dir, 'imgs', 'nope.png')}). Fix:`);
    const c = err('corrupt.csv');
    expect([c.where, c.column]).toEqual(['row 2 (line 3)', 'path']);
    expect(c.problem).toBe('image "imgs/bad.png": the file is neither PNG nor JPEG (it starts with bytes 6e 6f 74 20)');
    const e = err('empty.csv');
    expect(e.message).toBe('empty.csv, row 2 (line 3), column "path": image input "img" has no value here. Fix: give every row a PNG/JPEG path, or remove the row');
  });

  it('reads a folder source: one sub-folder per class, rows sorted by path', () => {
    const root = join(dir, 'shirts');
    for (const c of ['plain', 'striped']) mkdirSync(join(root, c), { recursive: true });
    writeFileSync(join(root, 'striped', 'b.png'), png(2, 2, () => [200, 200, 200, 255]));
    writeFileSync(join(root, 'plain', 'a.png'), png(2, 2, () => [5, 5, 5, 255]));
    writeFileSync(join(root, 'striped', 'a.png'), png(2, 2, () => [100, 100, 100, 255]));
    writeFileSync(join(root, 'notes.txt'), 'ignored');
    const fs: DataSpec = {
      dataset: { name: 'shirts', source: { format: 'folder', path: 'shirts' }, split: { kind: 'random', train: 1, val: 0, test: 0, seed: 1 }, idColumn: 'path' },
      inputs: [{ name: 'img', kind: 'image', column: 'path', height: 1, width: 1, channels: 1, normalize: 'none' }],
      label: { name: 'kind', kind: 'multiclass', column: 'class', numClasses: 2 },
    };
    const { splits, report } = loadData(fs, dir);
    expect(report.columns).toEqual(['path', 'class', 'name']);
    expect(splits.train.keys).toEqual(['plain/a.png', 'striped/a.png', 'striped/b.png']);
    expect(Array.from(splits.train.labels)).toEqual([0, 1, 1]);
    expect(Array.from(featureRows(splits.train.inputs.img, [0, 1, 2]))).toEqual([5, 100, 200]);
  });
});
