/**
 * Shape-level modalities (compiler/modalities.ts): audio, timeseries, signal and video inputs — their per-sample
 * types, plans and parameter diagnostics — and MMF4002, the refusal to train them.
 */
import { describe, expect, it } from 'vitest';
import { compile, trainingDiagnostics } from '../compiler/index.ts';
import { audioFrames } from '../compiler/modalities.ts';
import { rangeOf, within } from './helpers/ranges.ts';

const HEADER = `dataset clips from jsonl("clips.jsonl") { split(train 0.8, val 0.1, test 0.1, seed 7) }
label emotion: classes(4) from clips.label
`;

function check(body: string) {
  const src = HEADER + body;
  const r = compile(src, { skipDataFiles: true });
  return { src, r, list: r.diagnostics.map((d) => [d.code, d.range] as const) };
}

describe('audio frames', () => {
  it('follows librosa center=False / Kaldi snip_edges: 1 + ⌊(N − n_win) / n_hop⌋', () => {
    expect(audioFrames(16000, 1, 0.025, 0.01)).toBe(98);
    expect(audioFrames(22050, 2, 0.04644, 0.01161)).toBe(1 + Math.floor((44100 - 1024) / 256));
    expect(audioFrames(16000, 0.01, 0.025, 0.01)).toBe(0);
  });
});

describe('modality inputs that check', () => {
  const { r } = check(`input speech: audio(sample_rate 16000, clip 1.0, features log_mel, window 0.025, hop 0.010, mels 40) from clips.wav -> [batch, 98, 40]
input cep: audio(features mfcc, mfcc 20, mels 64) from clips.wav -> [batch, 98, 20]
input sensors: timeseries(channels 6, length 128) from clips.imu -> [batch, 128, 6]
input ecg: signal(channels 12, length 5000, rate 500) from clips.ecg -> [batch, 5000, 12]
input face: video(frames 8, height 32, width 32, channels 3) from clips.frames -> [batch, 8, 32, 32, 3]
encoder voice = speech -> conv1d(32, 5, activation relu) -> global_avg_pool
encoder heart = ecg -> conv1d(16, 7, strides 2, activation relu) -> max_pool1d(4) -> gru(16)
encoder motion = sensors -> lstm(16)
encoder look = face -> dense(4, relu) -> flatten -> [batch, 32768] -> dense(16)
fusion all = concat(voice, heart, motion, look)
model M = all -> classifier(emotion)
`);
  it('has no diagnostics and builds the model', () => {
    expect(r.diagnostics).toEqual([]);
    expect(r.models.map((m) => m.name)).toEqual(['M']);
  });
  it('records each plan', () => {
    const plans = Object.fromEntries(r.models[0]!.inputs.map((i) => [i.name, i.plan]));
    expect(plans.speech).toMatchObject({ kind: 'audio', sampleRate: 16000, frames: 98, featureCount: 40, features: 'log_mel' });
    expect(plans.ecg).toMatchObject({ kind: 'signal', channels: 12, length: 5000, rate: 500, normalize: 'zscore' });
    expect(plans.face).toMatchObject({ kind: 'video', frames: 8, height: 32, width: 32, channels: 3, normalize: 'unit' });
  });
  it('mmfc train refuses the model with MMF4002 at the video input only (audio, series and signals are read)', () => {
    const m = r.models[0]!;
    const t = trainingDiagnostics(m);
    expect(t.map((d) => d.code)).toEqual(['MMF4002']);
    expect(t[0]!.message).toMatch(/^video inputs cannot be trained yet/);
    expect(t[0]!.range).toEqual(m.inputs.find((i) => i.name === 'face')!.range);
  });
});

describe('modality diagnostics', () => {
  it('MMF2006: a window longer than the clip', () => {
    const { src, list } = check(`input a: audio(clip 0.02, window 0.025) from clips.wav\n`);
    expect(list).toEqual([['MMF2006', within(src, 'window 0.025', '0.025')]]);
  });
  it('MMF3001: more MFCCs than mel bands, a hop under one sample, channels 0', () => {
    const { src, list } = check(
      `input a: audio(features mfcc, mels 20, mfcc 30) from clips.wav\ninput b: audio(hop 0.00001) from clips.wav\ninput c: timeseries(channels 0, length 10) from clips.x\n`,
    );
    expect(list).toEqual([
      ['MMF3001', within(src, 'mfcc 30', '30')],
      ['MMF3001', within(src, 'hop 0.00001', '0.00001')],
      ['MMF3001', within(src, 'channels 0', '0')],
    ]);
  });
  it('MMF1006: signal without a rate; MMF3003: an unknown feature kind', () => {
    const { src, list } = check(`input a: signal(channels 12, length 500) from clips.ecg\ninput b: audio(features mel) from clips.wav\n`);
    expect(list.map((x) => x[0])).toEqual(['MMF1006', 'MMF3003']);
    expect(list[1]![1]).toEqual(within(src, 'features mel)', 'mel'));
    expect(list[0]![1]).toEqual(rangeOf(src, 'signal(channels 12, length 500)'));
  });
  it('MMF2001: a 1-D layer on a video', () => {
    const { list } = check(`input v: video(frames 4, height 8, width 8) from clips.v\nencoder e = v -> conv1d(4, 3)\n`);
    expect(list.map((x) => x[0])).toEqual(['MMF2001']);
  });
});

describe('input shape annotations', () => {
  it('MMF2003 when an input annotation does not match its type', () => {
    const { src, list } = check(`input a: audio(clip 1.0) from clips.wav -> [batch, 99, 40]\ninput t: timeseries(channels 3, length 8) from clips.x -> [batch, _, 3]\n`);
    expect(list).toEqual([['MMF2003', rangeOf(src, '[batch, 99, 40]')]]);
  });
});
