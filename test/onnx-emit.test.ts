/**
 * The ONNX backend's contracts beyond numeric parity: names, opsets, weight reading and its errors,
 * atomic writes, and OnnxPredictor's feed checking.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { emitOnnx, randomWeights, readTfjsWeights, writeOnnx } from '../compiler/emit/onnx/index.ts';
import { onnx } from '../compiler/emit/onnx/graph.ts';
import type { onnx as OnnxNs } from 'onnx-proto';
import { gatesToOnnx, LSTM_KERAS_GATE_OF_ONNX, conv1dKernelToOnnx } from '../compiler/emit/onnx/layout.ts';
import { OnnxPredictor } from '../runtime/onnx.ts';
import { buildTfjsModel, saveTfjsModel } from './helpers/tfjs-model.ts';
import { MODEL_CASES, OP_CASES } from './helpers/onnx-cases.ts';
import { irModel } from './helpers/ir-builder.ts';
import { loadRuntimeLayers } from './helpers/runtime-layers.ts';
import { saveModel } from '../runtime/io.ts';

await tf.setBackend('cpu');
const custom = await loadRuntimeLayers();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mmf-onnx-emit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const byName = (cases: typeof MODEL_CASES, name: string) => cases.find((c) => c.name === name)!;
const concat3 = byName(MODEL_CASES, '3 inputs → concat → classifier');

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe('layout conversions', () => {
  it('reorders LSTM gates i,f,c,o → i,o,f,c and transposes', () => {
    // kernel [rows 2, 4 gates × 1 unit]: value = 10·gate + row
    const k = Float32Array.from([0, 10, 20, 30, 1, 11, 21, 31]);
    expect([...gatesToOnnx(k, 2, 1, LSTM_KERAS_GATE_OF_ONNX)]).toEqual([0, 1, 30, 31, 10, 11, 20, 21]);
  });
  it('transposes a conv1d kernel [k, C, F] → [F, C, k]', () => {
    const k = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i); // [j][c][f] = 12j + 4c + f
    const w = conv1dKernelToOnnx(k, 2, 3, 4);
    for (let f = 0; f < 4; f++) for (let c = 0; c < 3; c++) for (let j = 0; j < 2; j++) expect(w[(f * 3 + c) * 2 + j]).toBe(12 * j + 4 * c + f);
  });
});

describe('emitOnnx', () => {
  it('names nodes <nodeId>/<OnnxOp>, initializers <nodeId>/<weight>, and the output after the label', () => {
    const model = concat3.build();
    const m = onnx.ModelProto.decode(emitOnnx(model, randomWeights(model, 1), { docString: 'hello' }));
    expect(m.producerName).toBe('mmfc');
    expect(Number(m.irVersion)).toBe(8);
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    expect(m.docString).toBe('hello');
    const graph = m.graph as OnnxNs.GraphProto;
    const ids = new Set(model.nodes.map((n) => n.id));
    for (const n of graph.node as OnnxNs.NodeProto[]) {
      const [id, op] = n.name.split('/');
      expect(ids.has(id!), n.name).toBe(true);
      expect(op, n.name).toMatch(new RegExp(`^${n.opType}(_\\d+)?$`));
    }
    for (const t of graph.initializer as OnnxNs.TensorProto[]) {
      const [id, w] = t.name.split('/');
      expect(ids.has(id!), t.name).toBe(true);
      expect(w).toBeTruthy();
    }
    for (const node of model.nodes) for (const w of node.weights) expect(graph.initializer.some((t) => t.name === `${node.id}/${w.name}`)).toBe(true);
    expect(graph.output.map((o) => o.name)).toEqual(['spam']);
    expect(graph.output[0]!.type!.tensorType!.shape!.dim!.map((d: OnnxNs.TensorShapeProto.IDimension) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 1]);
    const elem = Object.fromEntries(graph.input.map((i) => [i.name, i.type!.tensorType!.elemType]));
    expect(elem).toEqual({ subject: onnx.TensorProto.DataType.INT64, body: onnx.TensorProto.DataType.INT64, headers: onnx.TensorProto.DataType.FLOAT });
    // dropout is identity at inference: no node
    expect(graph.node.some((n) => n.name!.startsWith('head_dropout/'))).toBe(false);
  });

  it('throws naming the node and weight when a weight is missing or mis-sized', () => {
    const model = concat3.build();
    const w = randomWeights(model, 1);
    w.delete('subj_gru');
    expect(() => emitOnnx(model, w)).toThrow(/subj_gru.*gru/);
    const w2 = randomWeights(model, 1);
    w2.get('head')![0] = new Float32Array(5);
    expect(() => emitOnnx(model, w2)).toThrow(/head\/kernel.*\[12, 1\].*5 values/);
  });

  it('rejects opsets below 17', () => {
    const model = concat3.build();
    expect(() => emitOnnx(model, randomWeights(model, 1), { opset: 16 })).toThrow(/opset 16/);
  });

  it('randomWeights is deterministic per seed and differs across seeds', () => {
    const model = concat3.build();
    const a = randomWeights(model, 5).get('head_hidden')![0]!;
    expect([...randomWeights(model, 5).get('head_hidden')![0]!]).toEqual([...a]);
    expect([...randomWeights(model, 6).get('head_hidden')![0]!]).not.toEqual([...a]);
  });

  // Opset 18 moves ReduceMax/ReduceMean axes to an input; opset 20 adds Gelu; opset 21 needs IR version 10.
  for (const opset of [18, 21])
    it(`agrees with tfjs at opset ${opset}`, async () => {
      const cases = [
        byName(OP_CASES, 'global_max_pool1d'),
        byName(OP_CASES, 'global_avg_pool1d'),
        byName(OP_CASES, 'activation gelu'),
        byName(MODEL_CASES, 'text → embedding → lstm → dense'),
      ];
      for (const c of cases) {
        const model = c.build();
        const w = randomWeights(model, 2);
        const bytes = emitOnnx(model, w, { opset });
        const p = await OnnxPredictor.load(bytes);
        const tfm = buildTfjsModel(model, tf, w);
        const input = model.inputs[0]!;
        const shape = [3, ...input.out.shape.slice(1).map(Number)];
        const n = shape.reduce((a, b) => a * b, 1);
        const data =
          input.out.dtype === 'int32'
            ? Int32Array.from({ length: n }, (_, i) => (i * 7) % 50)
            : Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 4);
        const x = tf.tensor(data, shape, input.out.dtype);
        const y = tfm.predict(x) as tf.Tensor;
        expect(maxDiff(await p.predict({ [input.name]: { data, shape } }), y.dataSync()), `${c.name} @ opset ${opset}`).toBeLessThanOrEqual(1e-4);
        tf.dispose([x, y]);
        tfm.dispose();
        await p.release();
      }
    });
});

describe('readTfjsWeights', () => {
  it('reads a saved tfjs model into the node weights, and the graph agrees with tfjs', async () => {
    const model = concat3.build();
    const w = randomWeights(model, 11);
    const tfm = buildTfjsModel(model, tf, w);
    const dir = path.join(tmp, 'saved');
    await saveTfjsModel(tfm, tf, dir);
    const read = readTfjsWeights(dir, model);
    for (const node of model.nodes) {
      if (!node.weights.length) continue;
      expect(read.get(node.id)!.map((a) => [...a])).toEqual(w.get(node.id)!.map((a) => [...a]));
    }
    const p = await OnnxPredictor.load(emitOnnx(model, read));
    const feeds = {
      subject: { data: Int32Array.from({ length: 16 }, (_, i) => (i * 5) % 60), shape: [2, 8] },
      body: { data: Int32Array.from({ length: 40 }, (_, i) => (i * 13) % 120), shape: [2, 20] },
      headers: { data: Float32Array.from({ length: 12 }, (_, i) => i / 6 - 1), shape: [2, 6] },
    };
    const xs = model.inputs.map((i) => {
      const f = feeds[i.name as keyof typeof feeds];
      return tf.tensor(f.data, f.shape, i.out.dtype);
    });
    const y = tfm.predict(xs) as tf.Tensor;
    expect(maxDiff(await p.predict(feeds), y.dataSync())).toBeLessThanOrEqual(1e-4);
    tf.dispose([...xs, y]);
    tfm.dispose();
    await p.release();
  });

  for (const name of ['3 inputs → weighted_sum → classifier', 'attention over sequences'])
    it.skipIf(custom.layers === null && process.env.CI !== 'true')(`reads the runtime layers' weights saved by runtime/io saveModel: ${name}${custom.layers ? '' : ` (skipped: ${custom.reason})`}`, async () => {
      const model = byName(MODEL_CASES, name).build();
      const w = randomWeights(model, 12);
      const tfm = buildTfjsModel(model, tf, w, custom.layers ?? {});
      const dir = path.join(tmp, `saved-${model.name}`);
      await saveModel(tfm, dir); // what generated training code calls
      tfm.dispose();
      const read = readTfjsWeights(dir, model);
      for (const node of model.nodes.filter((n) => n.op === 'mha' || n.op === 'weighted_sum'))
        expect(read.get(node.id)!.map((a) => [...a])).toEqual(w.get(node.id)!.map((a) => [...a]));
    });

  it('names the node, the weight and both shapes when a weight is mis-shaped or missing', () => {
    const dir = path.join(tmp, 'saved');
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const b = irModel('Other');
    const e = b.node('embedding', 'subj_embedding', [b.text('subject', 8, 61)], { inputDim: 61, outputDim: 8 });
    const wrongShape = b.build(e);
    expect(() => readTfjsWeights(dir, wrongShape)).toThrow(/node 'subj_embedding': weight 'embeddings' should be \[61, 8\] but subj_embedding\/embeddings .* is \[60, 8\]/);

    const b2 = irModel('Missing');
    const d = b2.node('dense', 'nowhere', [b2.tabular('x', 3)], { units: 2, activation: 'linear', useBias: true });
    expect(() => readTfjsWeights(dir, b2.build(d))).toThrow(/node 'nowhere': weight 'kernel' \[3, 2\] is missing/);
    expect(json.weightsManifest[0].weights.length).toBeGreaterThan(0);
  });
});

describe('writeOnnx', () => {
  it('writes atomically and leaves no temporary file', () => {
    const file = path.join(tmp, 'out', 'm.onnx');
    writeOnnx(file, new Uint8Array([1, 2, 3]));
    expect([...fs.readFileSync(file)]).toEqual([1, 2, 3]);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['m.onnx']);
  });
  it('throws and leaves nothing behind when the target cannot be written', () => {
    const dirAsFile = path.join(tmp, 'out', 'taken');
    fs.mkdirSync(dirAsFile);
    expect(() => writeOnnx(dirAsFile, new Uint8Array([1]))).toThrow();
    expect(fs.readdirSync(path.join(tmp, 'out')).sort()).toEqual(['m.onnx', 'taken']);
  });
});

describe('OnnxPredictor', () => {
  const model = concat3.build();
  const file = path.join(tmp, 'p.onnx');
  const good = () => ({
    subject: { data: new Int32Array(8), shape: [1, 8] },
    body: { data: new Int32Array(20), shape: [1, 20] },
    headers: { data: new Float32Array(6), shape: [1, 6] },
  });

  it('loads from a path and accepts int32, int64 and float ids alike', async () => {
    writeOnnx(file, emitOnnx(model, randomWeights(model, 1)));
    const p = await OnnxPredictor.load(file);
    expect(p.outputNames).toEqual(['spam']);
    const a = await p.predict(good());
    const b = await p.predict({ ...good(), subject: { data: new BigInt64Array(8), shape: [1, 8] } });
    expect([...b]).toEqual([...a]);
    await p.release();
  });

  it('names the input that is missing, mis-shaped or unknown', async () => {
    const p = await OnnxPredictor.load(file);
    const { subject: _s, ...noSubject } = good();
    await expect(p.predict(noSubject as never)).rejects.toThrow(/'subject' is missing/);
    await expect(p.predict({ ...good(), body: { data: new Int32Array(19), shape: [1, 19] } })).rejects.toThrow(/'body'.*\[batch, 20\].*\[1, 19\]/);
    await expect(p.predict({ ...good(), body: { data: new Int32Array(20), shape: [2, 20] } })).rejects.toThrow(/'body'.*needs 40 values, got 20/);
    await expect(p.predict({ ...good(), extra: { data: new Float32Array(1), shape: [1, 1] } })).rejects.toThrow(/'extra' is not an input/);
    await p.release();
  });
});
