/**
 * Heads through both backends: a multi-label classifier ([b, K] independent sigmoids) written in `.mmf`, compiled,
 * then run by tfjs (cpu) and ONNX Runtime (CPU) on the same random weights and inputs at batch sizes 1, 3 and 8:
 * max |difference| ≤ 1e-4, and every output a probability in (0, 1) whose rows do not sum to 1 (not a softmax).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../compiler/index.ts';
import { emitOnnx, randomWeights } from '../compiler/emit/onnx/index.ts';
import { OnnxPredictor } from '../runtime/onnx.ts';
import { checkParity, makeInputs, parityReport, type ParityMeasure } from './helpers/parity.ts';

await tf.setBackend('cpu');
const measured: ParityMeasure[] = [];

const MMF = `dataset d from jsonl("d.jsonl")
input x: tabular from d[a, b, c, e]
input words: text(vocab 50, max_len 6) from d.words
label tags: multilabel("drama", "comedy", "action", "horror") from d.genres
encoder w = words -> embedding(8) -> gru(6)
model Tags = concat(x, w) -> classifier(tags, hidden [12], dropout 0.1)
`;

describe('multi-label head: tfjs and ONNX agree', () => {
  const r = compile(MMF, { skipDataFiles: true });
  it('checks', () => {
    expect(r.diagnostics).toEqual([]);
  });
  it('model Tags', async () => {
    const model = r.models.find((m) => m.name === 'Tags')!;
    await checkParity({ name: 'multi-label classifier(tags), 4 sigmoids', build: () => model }, tf, measured);
  });
  it('outputs four independent probabilities per row', async () => {
    const model = r.models.find((m) => m.name === 'Tags')!;
    const predictor = await OnnxPredictor.load(emitOnnx(model, randomWeights(model, 7)));
    try {
      const inputs = makeInputs(model, 5, 99);
      const got = await predictor.predict(Object.fromEntries(inputs.map((i) => [i.name, { data: i.data, shape: i.shape }])));
      expect(got.length).toBe(20);
      expect([...got].every((p) => p > 0 && p < 1)).toBe(true);
      const sums = Array.from({ length: 5 }, (_, i) => got[4 * i]! + got[4 * i + 1]! + got[4 * i + 2]! + got[4 * i + 3]!);
      expect(sums.some((s) => Math.abs(s - 1) > 1e-3)).toBe(true);
    } finally {
      await predictor.release();
    }
    console.log(parityReport(measured));
  });
});
