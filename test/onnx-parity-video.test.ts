/**
 * Shape-level modalities through both backends: models over video [b, F, H, W, C], audio frames and a multichannel
 * signal, written in `.mmf`, compiled, then run by tfjs (cpu) and ONNX Runtime (CPU) on the same random weights and
 * inputs at batch sizes 1, 3 and 8: max |difference| ≤ 1e-4. Global pooling of a video is reshape [b, F·H·W, C]
 * then the 1-D global pool; conv3d is tf.layers.conv3d and ONNX Conv on NCDHW (compiler/layers/video.ts), with valid
 * and same padding (odd padding at the end: SAME_UPPER) and per-axis strides.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../compiler/index.ts';
import { checkParity, type ParityMeasure } from './helpers/parity.ts';

await tf.setBackend('cpu');
const measured: ParityMeasure[] = [];

const MMF = `dataset d from jsonl("d.jsonl")
input clip: video(frames 3, height 5, width 4, channels 2) from d.frames
input speech: audio(sample_rate 8000, clip 0.1, window 0.025, hop 0.01, mels 6) from d.wav
input ecg: signal(channels 3, length 16, rate 100) from d.ecg
label kind: classes(3) from d.kind
encoder look = clip -> dense(4, relu) -> global_avg_pool -> [batch, 4]
encoder peak = clip -> global_max_pool -> [batch, 2]
encoder hear = speech -> conv1d(4, 3, activation relu) -> global_max_pool
encoder beat = ecg -> conv1d(4, 5, strides 2) -> gru(4)
encoder motion = clip -> conv3d(3, [2, 3, 2], relu) -> [batch, 2, 3, 3, 3] -> conv3d(4, [2, 2, 3], activation tanh, strides [1, 2, 2], padding same) -> [batch, 2, 2, 2, 4] -> global_avg_pool
model Video = look -> classifier(kind)
model All = concat(look, peak, hear, beat) -> classifier(kind, hidden [8])
model Motion = motion -> classifier(kind)
`;

describe('video, audio and signal models: tfjs and ONNX agree', () => {
  const r = compile(MMF, { skipDataFiles: true });
  it('check without diagnostics', () => {
    expect(r.diagnostics).toEqual([]);
    expect(r.models.find((m) => m.name === 'Video')!.nodes.map((n) => `${n.op} [${n.out.shape.join(', ')}]`)).toEqual([
      'dense [batch, 3, 5, 4, 4]',
      'reshape [batch, 60, 4]',
      'global_avg_pool1d [batch, 4]',
      'dense [batch, 3]',
    ]);
  });
  for (const name of ['Video', 'All', 'Motion'])
    it(`model ${name}`, async () => {
      const model = r.models.find((m) => m.name === name)!;
      expect(model).toBeDefined();
      await checkParity({ name: `.mmf model ${name}`, build: () => model }, tf, measured);
    });
});
