/**
 * Audio inputs (runtime/data/audio.ts, media.ts): WAV decoding to exact sample values, mixing to mono, resampling
 * against an analytic sine, padding/trimming, log-mel and MFCC frames against a NumPy reference
 * (test/fixtures/audio/reference.py → reference.json), a WAV manifest through loadData, and error messages.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioFrames } from '../compiler/modalities.ts';
import {
  AudioFeaturizer,
  DataError,
  decodeWav,
  featureRows,
  hzToMel,
  loadData,
  melFilterbank,
  melToHz,
  mixToMono,
  padOrTrim,
  resample,
  type AudioInputSpec,
  type DataSpec,
} from '../runtime/data/index.ts';

const REF = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'audio', 'reference.json'), 'utf8')) as {
  frames: number;
  filterbankRow5: number[];
  logmel: number[][];
  mfcc: number[][];
};

/** 16-bit PCM WAV bytes of the given channels (integer samples). */
function wav16(rate: number, channels: number[][]): Uint8Array {
  const w = new wavefile.WaveFile();
  w.fromScratch(channels.length, rate, '16', channels.length === 1 ? channels[0]! : channels);
  return w.toBuffer();
}

/** The reference signal of reference.py at 16 kHz. */
function refSignal(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    const t = i / 16000;
    return 0.5 * Math.sin(2 * Math.PI * 440 * t) + 0.3 * Math.sin(2 * Math.PI * 1250 * t + 0.3) + 0.1 * Math.sin(2 * Math.PI * (200 + 3000 * t) * t);
  });
}

const settings = { sampleRate: 16000, clip: 0.25, window: 0.025, hop: 0.01, mels: 40, mfcc: 13 };

describe('WAV decoding', () => {
  it('gives every 16-bit sample as s / 32768, per channel, at the file rate', () => {
    const a = decodeWav(wav16(22050, [[0, 16384, -32768, 32767], [100, -100, 0, 8192]]));
    expect(a.sampleRate).toBe(22050);
    expect(a.channels.map((c) => Array.from(c))).toEqual([
      [0, 0.5, -1, 32767 / 32768],
      [100 / 32768, -100 / 32768, 0, 0.25],
    ]);
    expect(Array.from(mixToMono(a.channels))).toEqual([50 / 32768, (0.5 - 100 / 32768) / 2, -0.5, (32767 / 32768 + 0.25) / 2]);
  });

  it('refuses a file that is not WAV and a corrupt WAV', () => {
    expect(() => decodeWav(new TextEncoder().encode('ID3 mp3 bytes'))).toThrow('the file is not a WAV file (it does not start with RIFF)');
    const good = wav16(8000, [[1, 2, 3, 4]]);
    expect(() => decodeWav(good.subarray(0, 20))).toThrow(/^the WAV file is corrupt/);
  });
});

describe('resampling, padding, trimming', () => {
  it('a 440 Hz sine at 22.05 kHz resampled to 16 kHz matches sin(2π·440·n/16000) within 2e-3 away from the ends', () => {
    const x = Float64Array.from({ length: 22050 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / 22050));
    const y = resample(x, 22050, 16000);
    expect(y.length).toBe(16000);
    let worst = 0;
    for (let n = 200; n < 15800; n++) worst = Math.max(worst, Math.abs(y[n]! - Math.sin((2 * Math.PI * 440 * n) / 16000)));
    expect(worst).toBeLessThan(2e-3);
  });

  it('removes a tone above the new Nyquist frequency when downsampling (7 kHz → 8 kHz rate: attenuated below 1%)', () => {
    const x = Float64Array.from({ length: 16000 }, (_, i) => Math.sin((2 * Math.PI * 7000 * i) / 16000));
    const y = resample(x, 16000, 8000);
    let rms = 0;
    for (let n = 100; n < 7900; n++) rms += y[n]! ** 2;
    expect(Math.sqrt(rms / 7800)).toBeLessThan(0.01);
  });

  it('pads with zeros at the end or keeps the first samples', () => {
    expect(Array.from(padOrTrim(Float64Array.from([1, 2, 3]), 5))).toEqual([1, 2, 3, 0, 0]);
    expect(Array.from(padOrTrim(Float64Array.from([1, 2, 3]), 2))).toEqual([1, 2]);
  });
});

describe('log-mel and MFCC against the NumPy reference (reference.py)', () => {
  it('Slaney mel scale: 1000 Hz is mel 15, inverse round-trips', () => {
    expect(hzToMel(1000)).toBeCloseTo(15, 12);
    expect(hzToMel(500)).toBeCloseTo(7.5, 12);
    expect(melToHz(hzToMel(3456.7))).toBeCloseTo(3456.7, 9);
  });

  it('filterbank row 5 equals librosa-style filters.mel(norm="slaney") within 1e-9', () => {
    const fb = melFilterbank(16000, 512, 40);
    expect(fb.length).toBe(40);
    expect(fb[5]!.length).toBe(257);
    fb[5]!.forEach((v, k) => expect(Math.abs(v - REF.filterbankRow5[k]!)).toBeLessThan(1e-9));
  });

  it('log-mel frames [23, 40] within 1e-3 (float32 output), MFCC [23, 13] within 1e-3', () => {
    const x = refSignal(4000);
    const lm = new AudioFeaturizer({ ...settings, features: 'log_mel' });
    expect([lm.frames, lm.featureCount, lm.nFft]).toEqual([REF.frames, 40, 512]);
    expect(lm.frames).toBe(audioFrames(16000, 0.25, 0.025, 0.01));
    const got = lm.features(x);
    let worst = 0;
    REF.logmel.forEach((row, f) => row.forEach((v, m) => (worst = Math.max(worst, Math.abs(got[f * 40 + m]! - v)))));
    expect(worst).toBeLessThan(1e-3);
    const mf = new AudioFeaturizer({ ...settings, features: 'mfcc' });
    const c = mf.features(x);
    expect(c.length).toBe(23 * 13);
    let worstC = 0;
    REF.mfcc.forEach((row, f) => row.forEach((v, k) => (worstC = Math.max(worstC, Math.abs(c[f * 13 + k]! - v)))));
    expect(worstC).toBeLessThan(1e-3);
  });

  it('a long recording gives the same features as resampling all of it then cutting (only the needed part is resampled)', () => {
    const long = Float64Array.from({ length: 3 * 22050 }, (_, i) => Math.sin((2 * Math.PI * 523 * i) / 22050) * Math.cos(i / 900));
    const fz = new AudioFeaturizer({ ...settings, features: 'log_mel' });
    const fast = fz.fromDecoded({ sampleRate: 22050, channels: [long] });
    const slow = fz.features(padOrTrim(resample(long, 22050, 16000), 4000));
    expect(Array.from(fast)).toEqual(Array.from(slow));
  });

  it('silence gives ln(1e-6) in every band', () => {
    const lm = new AudioFeaturizer({ ...settings, features: 'log_mel' });
    const z = lm.features(new Float64Array(4000));
    expect(z.every((v) => Math.abs(v - Math.log(1e-6)) < 1e-5)).toBe(true);
  });
});

describe('audio inputs in loadData', () => {
  let dir: string;
  const input: AudioInputSpec = { name: 'voice', kind: 'audio', column: 'wav', ...settings, features: 'log_mel', frames: 23, featureCount: 40 };
  const spec = (file: string): DataSpec => ({
    dataset: { name: 'clips', source: { format: 'csv', path: file }, split: { kind: 'random', train: 1, val: 0, test: 0, seed: 1 }, idColumn: 'id' },
    inputs: [input],
    label: { name: 'y', kind: 'binary', column: 'y' },
  });
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mmf-wav-'));
    const x = refSignal(4000);
    // a.wav: the reference signal at 16 kHz, as 16-bit PCM; b.wav: stereo, half as long (padded); c.wav: 8 kHz, 0.5 s (trimmed).
    writeFileSync(join(dir, 'a.wav'), wav16(16000, [Array.from(x, (v) => Math.round(v * 32768))]));
    writeFileSync(join(dir, 'b.wav'), wav16(16000, [Array(2000).fill(1000), Array(2000).fill(3000)]));
    writeFileSync(join(dir, 'c.wav'), wav16(8000, [Array(4000).fill(0)]));
    writeFileSync(join(dir, 'bad.wav'), 'RIFF????WAVEjunk');
    writeFileSync(join(dir, 'clips.csv'), 'id,wav,y\nk1,a.wav,1\nk2,b.wav,0\nk3,c.wav,1\n');
    writeFileSync(join(dir, 'broken.csv'), 'id,wav,y\nk1,a.wav,1\nk2,bad.wav,0\nk3,gone.wav,1\n');
    writeFileSync(join(dir, 'gone.csv'), 'id,wav,y\nk1,a.wav,1\nk3,gone.wav,1\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('features [n, 23, 40]: the 16-bit reference signal within 5e-3 of NumPy (16-bit quantisation noise in the weakest bands); stats count padding, mixing, resampling', () => {
    const { splits, report } = loadData(spec('clips.csv'), dir);
    const f = splits.train.inputs.voice;
    expect(f.shape).toEqual([3, 23, 40]);
    const a = featureRows(f, [0]);
    let worst = 0;
    REF.logmel.forEach((row, fr) => row.forEach((v, m) => (worst = Math.max(worst, Math.abs(a[fr * 40 + m]! - v)))));
    expect(worst).toBeLessThan(5e-3); // the unquantised signal matches within 1e-3 (test above)
    expect(report.inputs.voice).toMatchObject({ kind: 'audio', splits: { train: { clips: 3, resampled: 1, padded: 1, trimmed: 1, mixed: 1, nonFinite: 0, storage: 'memory' } } });
    // Streaming from disk gives the same rows.
    const disk = loadData(spec('clips.csv'), dir, undefined, { memoryBytes: 16 });
    expect(Array.from(featureRows(disk.splits.train.inputs.voice, [2, 0]))).toEqual(Array.from(featureRows(f, [2, 0])));
  });

  it('zscore: every feature has mean 0 and deviation 1 over the train frames; the state keeps the statistics', () => {
    const z = loadData({ ...spec('clips.csv'), inputs: [{ ...input, normalize: 'zscore' }] }, dir);
    const raw = loadData(spec('clips.csv'), dir);
    const st = z.state.inputs.voice as { kind: string; normalize: string; mean: number[]; std: number[] };
    expect([st.kind, st.normalize, st.mean.length, st.std.length]).toEqual(['audio', 'zscore', 40, 40]);
    const x = featureRows(z.splits.train.inputs.voice, [0, 1, 2]);
    const r = featureRows(raw.splits.train.inputs.voice, [0, 1, 2]);
    const rows = 3 * 23;
    for (const f of [0, 7, 39]) {
      let s1 = 0;
      let s2 = 0;
      for (let k = 0; k < rows; k++) {
        s1 += x[k * 40 + f]!;
        s2 += x[k * 40 + f]! ** 2;
        expect(x[k * 40 + f]!).toBeCloseTo((r[k * 40 + f]! - st.mean[f]!) / st.std[f]!, 4);
      }
      expect(s1 / rows).toBeCloseTo(0, 4);
      expect(Math.sqrt(s2 / rows)).toBeCloseTo(1, 3);
    }
  });

  it('names file, row and column for a corrupt and for a missing WAV', () => {
    const err = (file: string): DataError => {
      try {
        loadData(spec(file), dir);
      } catch (e) {
        return e as DataError;
      }
      throw new Error('no error');
    };
    const b = err('broken.csv');
    expect([b.file, b.where, b.column]).toEqual(['broken.csv', 'row 2 (line 3)', 'wav']);
    expect(b.problem).toMatch(/^audio file "bad.wav": the WAV file is corrupt/);
    const g = err('gone.csv');
    expect(g.message).toBe(`gone.csv, row 2 (line 3), column "wav": audio file "gone.wav" not found (looked for ${join(dir, 'gone.wav')}). Fix: fix the path (it is relative to the data file), or remove the row`);
  });
});
