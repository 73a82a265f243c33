/**
 * Bidirectional LSTM / GRU, 1-D pooling windows, batch_norm and layer_norm through both backends: tfjs (cpu
 * backend; the bidirectional wrapper is runtime/layers Bidirectional around the stock LSTM / GRU) vs ONNX Runtime
 * (LSTM/GRU direction bidirectional, MaxPool / AveragePool, BatchNormalization, LayerNormalization) on the same
 * random weights and inputs, at batch sizes 1, 3 and 8 from one graph, max |difference| ≤ 1e-4.
 * Also: `.mmf` models with these layers through compile(), and the saved tfjs weight names of a bidirectional
 * layer are the IR's (so `readTfjsWeights` finds trained weights).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../compiler/index.ts';
import { emitOnnx, randomWeights, readTfjsWeights } from '../compiler/emit/onnx/index.ts';
import { onnx } from '../compiler/emit/onnx/graph.ts';
import { layers } from '../runtime/layers/index.ts';
import { OnnxPredictor } from '../runtime/onnx.ts';
import { SEQ_CASES } from './helpers/onnx-more-cases.ts';
import { checkParity, makeInputs, parityReport, type ParityMeasure } from './helpers/parity.ts';
import { buildTfjsModel, saveTfjsModel, type CustomLayerClass } from './helpers/tfjs-model.ts';

await tf.setBackend('cpu');
const custom = layers as unknown as Record<string, CustomLayerClass>;
const measured: ParityMeasure[] = [];

describe('ONNX parity with tfjs, sequence layers', () => {
  for (const c of SEQ_CASES) it(c.name, () => checkParity(c, tf, measured, { custom }));
});

const MMF = `dataset d from jsonl("d.jsonl")
input words: text(vocab 300, max_len 15) from d.words
input meta: tabular(normalize none) from d[a, b, c]
label spam: binary from d.spam
encoder bi = words -> embedding(8) -> lstm(5, bidirectional true) -> [batch, 10]
encoder bis = words -> embedding(8) -> conv1d(6, 3, padding same) -> avg_pool1d(3, 2, same) -> [batch, 8, 6] -> batch_norm -> gru(4, return_sequences true, bidirectional true) -> [batch, 8, 8] -> layer_norm -> max_pool1d(2) -> global_max_pool
encoder m = meta -> dense(6) -> batch_norm(epsilon 0.01) -> relu -> layer_norm
model A = bi -> classifier(spam)
model B = bis -> classifier(spam)
model C = m -> classifier(spam)
`;

describe('sequence models written in .mmf, through compile()', () => {
  const r = compile(MMF, { skipDataFiles: true });
  it('check without diagnostics', () => expect(r.diagnostics).toEqual([]));
  for (const name of ['A', 'B', 'C'])
    it(`model ${name} agrees with tfjs`, async () => {
      const model = r.models.find((m) => m.name === name)!;
      expect(model).toBeDefined();
      await checkParity({ name: `.mmf model ${name}`, build: () => model }, tf, measured, { custom });
    });

  it('bidirectional parameters are twice the one-way layer: 2·4u(C + u + 1) for lstm', () => {
    const m = r.models.find((x) => x.name === 'A')!;
    const bi = m.nodes.find((n) => n.op === 'bilstm')!;
    expect(bi.params).toBe(2 * 4 * 5 * (8 + 5 + 1));
    expect(bi.weights.map((w) => w.name)).toEqual([
      'forward_lstm/kernel',
      'forward_lstm/recurrent_kernel',
      'forward_lstm/bias',
      'backward_lstm/kernel',
      'backward_lstm/recurrent_kernel',
      'backward_lstm/bias',
    ]);
  });

  it('a trained bidirectional model saved by tfjs reads back through readTfjsWeights and agrees with ONNX', async () => {
    const model = r.models.find((m) => m.name === 'B')!;
    const tfModel = buildTfjsModel(model, tf, randomWeights(model, 11), custom);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmf-bi-'));
    try {
      await saveTfjsModel(tfModel, tf, dir);
      const weights = readTfjsWeights(dir, model);
      const predictor = await OnnxPredictor.load(emitOnnx(model, weights));
      const inputs = makeInputs(model, 4, 99);
      const tfIn = inputs.map((i) => tf.tensor(i.data, i.shape, i.data instanceof Int32Array ? 'int32' : 'float32'));
      const expected = (tfModel.predict(tfIn) as tf.Tensor).dataSync();
      const got = await predictor.predict(Object.fromEntries(inputs.map((i) => [i.name, { data: i.data, shape: i.shape }])));
      let diff = 0;
      for (let k = 0; k < got.length; k++) diff = Math.max(diff, Math.abs(got[k]! - expected[k]!));
      expect(diff).toBeLessThanOrEqual(1e-4);
      tf.dispose(tfIn);
      await predictor.release();
    } finally {
      tfModel.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ONNX: one LSTM node with direction bidirectional and W [2, 4u, C]; pools are transposed to NCW', () => {
    const m = r.models.find((x) => x.name === 'A')!;
    const g = onnx.ModelProto.decode(emitOnnx(m, randomWeights(m, 1))).graph!;
    const lstm = g.node!.filter((n) => n.opType === 'LSTM');
    expect(lstm).toHaveLength(1);
    expect(Buffer.from(lstm[0]!.attribute!.find((a) => a.name === 'direction')!.s!).toString()).toBe('bidirectional');
    const W = g.initializer!.find((t) => t.name === lstm[0]!.input![1])!;
    expect(W.dims!.map(Number)).toEqual([2, 20, 8]);
  });
});

afterAll(() => {
  if (measured.length) console.log(parityReport(measured));
});
