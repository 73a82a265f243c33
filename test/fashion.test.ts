/**
 * The Fashion-MNIST example end to end on a tiny slice: `mmfc train examples/fashion/fashion.mmf --epochs 1
 * --max-rows 256` reads the IDX files of Debian's dataset-fashion-mnist (installed on the development and CI
 * machines; `examples/fashion/prepare.ts` installs it elsewhere), trains the CNN and writes every output file.
 * Checks shapes, the saved preprocessing, the split sizes and that the metrics agree with the saved predictions.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const MMFC = join(ROOT, 'bin', 'mmfc.mjs');

describe('mmfc train examples/fashion/fashion.mmf (tiny slice)', () => {
  const work = mkdtempSync(join(tmpdir(), 'mmf-fashion-'));
  const out = join(work, 'out');
  let run: { status: number | null; stdout: string; stderr: string };
  beforeAll(() => {
    run = spawnSync(process.execPath, [MMFC, 'train', join(ROOT, 'examples/fashion/fashion.mmf'), '--out', out, '--epochs', '1', '--max-rows', '256'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('reads 54,000 / 6,000 / 10,000 images from the IDX files and trains on 256 of each', () => {
    expect(run.stderr).not.toMatch(/Error|failed/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('dataset fashion: 70000 rows from /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz (idx)');
    expect(run.stdout).toContain('split (column): train 54000, val 6000, test 10000');
    expect(run.stdout).toContain('image photo: train 54000, val 6000, test 10000 images; resized 0/0/0; kept in memory as bytes');
    expect(run.stdout).toMatch(/test \(256 rows\): accuracy \d+\.\d\d%/);
    const m = run.stdout.match(/ONNX .*FashionCNN\.onnx: (\d+) test rows, max \|Δp\| vs tfjs ([\d.e+-]+), same class on (\d+)\/(\d+)/);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(256);
    expect(Number(m![2])).toBeLessThanOrEqual(1e-4);
  });

  it('writes the model, preprocess.json with the image settings, metrics and predictions', () => {
    const files = readdirSync(out);
    for (const f of ['FashionCNN.onnx', 'log.jsonl', 'metrics.json', 'model.json', 'preprocess.json', 'test-predictions.json', 'weights.bin']) expect(files).toContain(f);
    const pre = JSON.parse(readFileSync(join(out, 'preprocess.json'), 'utf8'));
    expect(pre.inputs).toEqual([{ name: 'photo', layer: 'photo', dtype: 'float32', shape: [28, 28, 1] }]);
    expect(pre.state.inputs.photo).toEqual({ kind: 'image', height: 28, width: 28, channels: 1, normalize: 'unit', mean: [0], std: [255] });
    expect(pre.data.dataset.source).toMatchObject({ format: 'idx', labels: '/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz' });
    expect(pre.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.samples).toEqual({ train: 256, val: 256, test: 256 });
    expect(metrics.history).toHaveLength(1);
    expect(metrics.parameters).toBe(56714);
    const preds = JSON.parse(readFileSync(join(out, 'test-predictions.json'), 'utf8'));
    expect(preds.probabilities).toHaveLength(256);
    expect(preds.probabilities[0]).toHaveLength(10);
    expect(preds.keys.every((k: string) => /^test-\d+$/.test(k))).toBe(true);
    const right = preds.predictions.filter((p: number, i: number) => p === preds.labels[i]).length;
    expect(metrics.test.accuracy).toBeCloseTo(right / 256, 12);
  });
});
