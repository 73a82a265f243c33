/**
 * `mmfc train` on images, WAV audio and a time series joined by sample key (three files, rows in different orders,
 * one sample without audio): the model trains, the saved preprocess.json holds each input's fitted state, ONNX agrees
 * with tfjs, and `mmfc predict` finds the media files relative to its --input file from another working directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import wavefile from 'wavefile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const MMFC = join(ROOT, 'bin', 'mmfc.mjs');

const MMF = `dataset pics from csv("images.csv") { key id  split(by split) }
dataset sounds from csv("audio.csv") { key id }
dataset motion from jsonl("motion.jsonl") { key id }
input pic: image(8, 8, 1) from pics.path
input voice: audio(sample_rate 8000, clip 0.5, window 0.032, hop 0.016, mels 16, features mfcc, mfcc 8) from sounds.wav
input imu: timeseries(channels 2, length 4) from motion.xy
label tone: classes(2) from pics.tone
encoder a = pic -> flatten -> dense(8, activation relu)
encoder b = voice -> conv1d(8, 3, activation relu) -> global_avg_pool
encoder c = imu -> flatten
fusion f = concat(a, b, c)
model AV = f -> classifier(tone)
train AV { epochs 3 batch 8 seed 5 }
`;

describe('mmfc train: image + audio + time series joined by key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmf-media-'));
  const out = join(dir, 'out');
  let run: ReturnType<typeof spawnSync>;
  beforeAll(() => {
    mkdirSync(join(dir, 'img'));
    mkdirSync(join(dir, 'wav'));
    const img = ['id,path,tone,split'];
    const aud = ['id,wav'];
    const mot: string[] = [];
    for (let i = 0; i < 40; i++) {
      const cls = i % 2;
      const w = new wavefile.WaveFile();
      w.fromScratch(1, 8000, '16', Array.from({ length: 4000 }, (_, n) => Math.round(12000 * Math.sin((2 * Math.PI * (cls ? 880 : 330) * n) / 8000))));
      writeFileSync(join(dir, 'wav', `${i}.wav`), w.toBuffer());
      const png = new PNG({ width: 8, height: 8 });
      for (let p = 0; p < 64; p++) png.data.set([cls * 200 + (p % 7), cls * 200, cls * 200, 255], p * 4);
      writeFileSync(join(dir, 'img', `${i}.png`), PNG.sync.write(png));
      img.push(`k${i},img/${i}.png,${cls ? 'high' : 'low'},${i < 28 ? 'train' : i < 34 ? 'val' : 'test'}`);
      const j = (i * 7) % 40; // another order
      if (j !== 5) aud.push(`k${j},wav/${j}.wav`);
      mot.push(JSON.stringify({ id: `k${39 - i}`, xy: [[i, 1], [2, 3], [4, 5], [6, (39 - i) % 2]] }));
    }
    writeFileSync(join(dir, 'images.csv'), img.join('\n') + '\n');
    writeFileSync(join(dir, 'audio.csv'), aud.join('\n') + '\n');
    writeFileSync(join(dir, 'motion.jsonl'), mot.join('\n') + '\n');
    writeFileSync(join(dir, 'av.mmf'), MMF);
    run = spawnSync(process.execPath, [MMFC, 'train', join(dir, 'av.mmf'), '--out', out], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trains (MMF4002 lifted), reports the join and the media, and ONNX agrees', () => {
    expect(run.status).toBe(0);
    const stdout = String(run.stdout);
    expect(stdout).toContain('split (column): train 27, val 6, test 6'); // k5 (train) has no audio
    expect(stdout).toContain('warning: dataset sounds has no row for 1 sample (dropped): keys "k5"');
    expect(stdout).toContain('image pic: train 27, val 6, test 6 images; resized 0/0/0; kept in memory as bytes');
    expect(stdout).toContain('audio voice: train 27, val 6, test 6 clips; resampled 0/0/0, trimmed 0/0/0, padded 0/0/0');
    const m = stdout.match(/ONNX .*AV\.onnx: (\d+) test rows, max \|Δp\| vs tfjs ([\d.e+-]+), same class on (\d+)\/(\d+)/);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(6);
    expect(Number(m![2])).toBeLessThanOrEqual(1e-4);
  });

  it('saves every input’s fitted state and the joined spec in preprocess.json', () => {
    const pre = JSON.parse(readFileSync(join(out, 'preprocess.json'), 'utf8'));
    expect(pre.inputs.map((i: { name: string; shape: number[] }) => [i.name, i.shape])).toEqual([
      ['pic', [8, 8, 1]],
      ['voice', [30, 8]],
      ['imu', [4, 2]],
    ]);
    expect(pre.state.inputs.pic).toEqual({ kind: 'image', height: 8, width: 8, channels: 1, normalize: 'unit', mean: [0], std: [255] });
    expect(pre.state.inputs.voice).toMatchObject({ kind: 'audio', sampleRate: 8000, features: 'mfcc', mfcc: 8, normalize: 'zscore' });
    expect(pre.state.inputs.voice.mean).toHaveLength(8);
    expect(pre.state.inputs.imu).toMatchObject({ kind: 'timeseries', channels: 2, length: 4, normalize: 'zscore' });
    expect(pre.data.joins.map((j: { name: string; idColumn: string }) => [j.name, j.idColumn])).toEqual([
      ['sounds', 'id'],
      ['motion', 'id'],
    ]);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.samples).toEqual({ train: 27, val: 6, test: 6 });
    const preds = JSON.parse(readFileSync(join(out, 'test-predictions.json'), 'utf8'));
    expect(preds.keys).toEqual(['k34', 'k35', 'k36', 'k37', 'k38', 'k39']);
  });

  it('mmfc predict resolves media paths against the --input file, from another working directory', () => {
    writeFileSync(join(dir, 'new.jsonl'), JSON.stringify({ id: 'n1', path: 'img/1.png', wav: 'wav/1.wav', xy: [[0, 1], [2, 3], [4, 5], [6, 1]] }) + '\n');
    const r = spawnSync(process.execPath, [MMFC, 'predict', join(dir, 'av.mmf'), '--model', out, '--input', join(dir, 'new.jsonl')], { cwd: tmpdir(), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const line = JSON.parse(r.stdout.trim());
    expect(line.key).toBe('n1');
    expect(line.probabilities).toHaveLength(2);
    expect(['high', 'low']).toContain(line.class);
  });
});
