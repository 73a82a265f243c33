/**
 * End to end through the CLI on real emails: `mmfc train examples/spam/spam.mmf` on a small seeded slice,
 * then the files it writes, the ONNX parity it reports, and `mmfc build --target onnx --weights`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../examples/spam/prepare.ts';
import { OnnxPredictor } from '../runtime/onnx.ts';

const ROOT = join(import.meta.dirname, '..');
const MMFC = join(ROOT, 'bin', 'mmfc.mjs');

describe('mmfc train on the spam example (tiny slice)', () => {
  const work = mkdtempSync(join(tmpdir(), 'mmf-e2e-'));
  const out = join(work, 'out');
  let run: { status: number | null; stdout: string; stderr: string };

  beforeAll(() => {
    // The example reads data/spam.jsonl next to the .mmf file: prepare it into a scratch copy of the example.
    copyFileSync(join(ROOT, 'examples/spam/spam.mmf'), join(work, 'spam.mmf'));
    prepare({ outPath: join(work, 'data/spam.jsonl') });
    run = spawnSync(process.execPath, [MMFC, 'train', join(work, 'spam.mmf'), '--out', out, '--epochs', '1', '--max-rows', '160'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
  }, 300_000);

  it('exits 0 and reports test metrics and ONNX parity on every test row', () => {
    expect(run.stderr).not.toMatch(/Error|failed/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/test \(160 rows\): accuracy \d+\.\d\d%/);
    const m = run.stdout.match(/ONNX .*SpamNet\.onnx: (\d+) test rows, max \|Δp\| vs tfjs ([\d.e+-]+), same class on (\d+)\/(\d+)/);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(160);
    expect(Number(m![2])).toBeLessThanOrEqual(1e-4);
    expect(m![3]).toBe(m![4]);
  });

  it('writes the tfjs model, the ONNX graph, metrics and generated sources', () => {
    const files = readdirSync(out).sort();
    for (const f of ['SpamNet.onnx', 'log.jsonl', 'metrics.json', 'model.json', 'preprocess.json', 'src', 'test-predictions.json', 'weights.bin'])
      expect(files).toContain(f);
    expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.modelName).toBe('SpamNet');
    for (const k of ['accuracy', 'precision', 'recall', 'f1']) {
      expect(metrics.test[k]).toBeGreaterThanOrEqual(0);
      expect(metrics.test[k]).toBeLessThanOrEqual(1);
    }
    expect(metrics.history).toHaveLength(1);
    expect(existsSync(join(out, 'src', 'SpamNet.model.ts'))).toBe(true);
  });

  it('accuracy in metrics.json is recomputed exactly from the saved predictions', () => {
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    const preds = JSON.parse(readFileSync(join(out, 'test-predictions.json'), 'utf8'));
    const right = preds.predictions.filter((p: number, i: number) => p === preds.labels[i]).length;
    expect(metrics.test.accuracy).toBeCloseTo(right / preds.labels.length, 12);
  });

  it('mmfc build --target onnx --weights gives the same graph outputs as the trained export', async () => {
    const rebuilt = join(work, 'rebuilt');
    const r = spawnSync(process.execPath, [MMFC, 'build', join(work, 'spam.mmf'), '--target', 'onnx', '--out', rebuilt, '--weights', out], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const a = await OnnxPredictor.load(join(out, 'SpamNet.onnx'));
    const b = await OnnxPredictor.load(join(rebuilt, 'SpamNet.onnx'));
    const n = 3;
    const feeds = {
      subject: { data: Int32Array.from({ length: n * 20 }, (_, i) => (i * 7) % 4000), shape: [n, 20] },
      body: { data: Int32Array.from({ length: n * 200 }, (_, i) => (i * 13) % 20000), shape: [n, 200] },
      headers: { data: Float32Array.from({ length: n * 7 }, (_, i) => Math.sin(i)), shape: [n, 7] },
    };
    const pa = await a.predict(feeds);
    const pb = await b.predict(feeds);
    expect(Array.from(pb)).toEqual(Array.from(pa));
    await a.release();
    await b.release();
  });

  it('SIGINT to mmfc alone stops the training child and leaves the output folder untouched', async () => {
    const target = join(work, 'interrupted');
    const p = spawn(process.execPath, [MMFC, 'train', join(work, 'spam.mmf'), '--out', target, '--epochs', '5'], { cwd: ROOT });
    let out = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (out += b));
    await new Promise<void>((ok) => {
      const t = setInterval(() => {
        if (/epoch 1\/5 /.test(out)) {
          clearInterval(t);
          ok();
        }
      }, 100);
    });
    p.kill('SIGINT'); // the parent only, as `kill -INT <pid>` does
    const code = await new Promise<number | null>((ok) => p.on('exit', (c) => ok(c)));
    expect(code).toBe(130);
    expect(out).toContain('SpamNet: interrupted');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('.partial-'))).toEqual([]);
    const children = spawnSync('pgrep', ['-f', '.interrupted.partial-'], { encoding: 'utf8' }).stdout.trim();
    expect(children).toBe('');
  }, 120_000);
});
