/**
 * Heads through both backends, written in `.mmf`, compiled, then run by tfjs (cpu) and ONNX Runtime (CPU) on the same
 * random weights and inputs at batch sizes 1, 3 and 8, max |difference| ≤ 1e-4:
 * - a multi-label classifier ([b, K] independent sigmoids): every output a probability in (0, 1), rows not summing to 1;
 * - a multi-task model (heads(classifier, regression, multi-label classifier)): one ONNX output per head, named after
 *   its label, in order, each agreeing with the matching tfjs output.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { onnx } from '../compiler/emit/onnx/graph.ts';
import { buildTfjsModel } from './helpers/tfjs-model.ts';
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

const MULTITASK = `dataset d from jsonl("d.jsonl")
input x: tabular from d[a, b, c, e]
input words: text(vocab 50, max_len 6) from d.words
label genre: classes("drama", "comedy", "action") from d.genre
label price: number from d.price
label tags: multilabel from d[is_new, is_long]
encoder w = words -> embedding(8) -> gru(6)
fusion joint = concat(x, w) -> dense(10, relu)
model Tasks = joint -> heads(classifier(genre, hidden [6]), regression(price), classifier(tags), weights [1, 0.5, 2])
`;

describe('multi-task model: one output per head, tfjs and ONNX agree', () => {
  const r = compile(MULTITASK, { skipDataFiles: true });
  it('checks', () => {
    expect(r.diagnostics).toEqual([]);
    expect(r.models[0]!.multitask!.heads.map((h) => h.weight)).toEqual([1, 0.5, 2]);
  });
  it('model Tasks at batch sizes 1, 3 and 8', async () => {
    const model = r.models[0]!;
    const weights = randomWeights(model, 7);
    const bytes = emitOnnx(model, weights);
    const proto = onnx.ModelProto.decode(bytes);
    expect(proto.graph!.output!.map((o) => [o.name, o.type!.tensorType!.shape!.dim!.map((d) => d.dimValue?.toString() || d.dimParam)])).toEqual([
      ['genre', ['batch', '3']],
      ['price', ['batch', '1']],
      ['tags', ['batch', '2']],
    ]);
    expect(JSON.parse(proto.metadataProps!.find((p) => p.key === 'mmf.heads')!.value!).map((h: { weight: number; loss: string }) => [h.loss, h.weight])).toEqual([
      ['categoricalCrossentropy', 1],
      ['meanSquaredError', 0.5],
      ['binaryCrossentropy', 2],
    ]);
    const session = await ort.InferenceSession.create(bytes);
    const tfModel = buildTfjsModel(model, tf, weights);
    try {
      expect(session.outputNames).toEqual(['genre', 'price', 'tags']);
      for (const batch of [1, 3, 8]) {
        const inputs = makeInputs(model, batch, 2000 + batch);
        const feeds = Object.fromEntries(
          inputs.map((i) => [i.name, i.data instanceof Int32Array ? new ort.Tensor('int64', BigInt64Array.from(i.data, BigInt), i.shape) : new ort.Tensor('float32', i.data, i.shape)]),
        );
        const ortOut = await session.run(feeds);
        const tfIn = inputs.map((i) => tf.tensor(i.data, i.shape, i.data instanceof Int32Array ? 'int32' : 'float32'));
        const tfOut = tfModel.predict(tfIn) as tf.Tensor[];
        expect(tfOut.length).toBe(3);
        ['genre', 'price', 'tags'].forEach((name, k) => {
          const want = tfOut[k]!.dataSync() as Float32Array;
          const got = ortOut[name]!.data as Float32Array;
          expect(got.length, `${name}, batch ${batch}`).toBe(want.length);
          let diff = 0;
          for (let j = 0; j < got.length; j++) diff = Math.max(diff, Math.abs(got[j]! - want[j]!));
          measured.push({ name: `multi-task output ${name}`, batch, diff, spread: Math.max(...want) - Math.min(...want) });
          expect(diff, `${name}, batch ${batch}`).toBeLessThanOrEqual(1e-4);
          if (batch > 1) expect(Math.max(...want) - Math.min(...want), `${name} spread`).toBeGreaterThan(1e-3);
        });
        tf.dispose([...tfIn, ...tfOut]);
      }
    } finally {
      tfModel.dispose();
      await session.release();
    }
    console.log(parityReport(measured));
  });
});
