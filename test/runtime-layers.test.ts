/**
 * runtime/layers (WeightedSum, MultiHeadAttention) against hand-written tf-ops references, and
 * runtime/io: a model with both custom layers + embedding + conv1d + gru trains on wasm with mmf's
 * kernels, leaks no tensors between epochs, saves, and predicts identically after loading in a fresh
 * process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type * as tfjs from '@tensorflow/tfjs';
import { initBackend } from '../runtime/backend.ts';
import { MultiHeadAttention, WeightedSum, layers as mmfLayers } from '../runtime/layers/index.ts';
import { loadModel, saveModel } from '../runtime/io.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let tf: typeof tfjs;
let tmp: string;
beforeAll(async () => {
  ({ tf } = await initBackend({ prefer: 'wasm', quiet: true }));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mmf-layers-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function maxDiff(a: tfjs.Tensor, b: tfjs.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('WeightedSum', () => {
  it('y = Σ softmax(w)_k x_k, w starts at zeros (the mean)', () => {
    const xs = [0, 1, 2].map((s) => tf.randomNormal([4, 5, 6], 0, 1, 'float32', s));
    const inputs = xs.map(() => tf.input({ shape: [5, 6] }));
    const layer = new WeightedSum({ name: 'ws' });
    const m = tf.model({ inputs, outputs: layer.apply(inputs) as tfjs.SymbolicTensor });
    expect(layer.getWeights().map((w) => w.shape)).toEqual([[3]]);
    expect(Array.from(layer.getWeights()[0].dataSync())).toEqual([0, 0, 0]);
    const mean = tf.div(tf.addN(xs), 3);
    expect(maxDiff(m.predict(xs) as tfjs.Tensor, mean)).toBeLessThan(1e-5);
    const w = tf.tensor1d([0.3, -1.2, 2.0]);
    layer.setWeights([w]);
    // reference: explicit exponentials
    const e = Array.from(w.dataSync()).map(Math.exp);
    const z = e.reduce((a, b) => a + b, 0);
    const ref = tf.addN(xs.map((x, k) => tf.mul(x, e[k] / z)));
    expect(maxDiff(m.predict(xs) as tfjs.Tensor, ref)).toBeLessThan(1e-5);
  });
  it('rejects inputs of different shapes', () => {
    const a = tf.input({ shape: [4] });
    const b = tf.input({ shape: [5] });
    expect(() => new WeightedSum().apply([a, b])).toThrow(/same shape/);
  });
});

/** Reference MHA written head by head with explicit slices, einsum and per-head softmax (run on cpu: wasm has no Einsum). */
function mhaReference(q: tfjs.Tensor, v: tfjs.Tensor, w: tfjs.Tensor[], h: number, mask?: tfjs.Tensor): tfjs.Tensor {
  return tf.tidy(() => {
    const [wq, bq, wk, bk, wv, bv, wo, bo] = w;
    const [b, tq, d] = q.shape as number[];
    const tk = v.shape[1] as number;
    const dh = d / h;
    const proj = (x: tfjs.Tensor, W: tfjs.Tensor, B: tfjs.Tensor) => tf.add(tf.einsum('btd,de->bte', x, W), B);
    const Q = proj(q, wq, bq);
    const K = proj(v, wk, bk);
    const V = proj(v, wv, bv);
    const outs: tfjs.Tensor[] = [];
    for (let i = 0; i < h; i++) {
      const Qi = tf.slice(Q, [0, 0, i * dh], [b, tq, dh]);
      const Ki = tf.slice(K, [0, 0, i * dh], [b, tk, dh]);
      const Vi = tf.slice(V, [0, 0, i * dh], [b, tk, dh]);
      let s = tf.div(tf.einsum('bqd,bkd->bqk', Qi, Ki), Math.sqrt(dh));
      if (mask) s = tf.add(s, tf.mul(tf.sub(1, tf.expandDims(mask, 1)), -1e9));
      const ex = tf.exp(tf.sub(s, tf.max(s, -1, true)));
      const a = tf.div(ex, tf.sum(ex, -1, true));
      outs.push(tf.einsum('bqk,bkd->bqd', a, Vi));
    }
    return proj(tf.concat(outs, -1), wo, bo);
  });
}

describe('MultiHeadAttention', () => {
  const D = 8;
  const H = 2;
  const b = 3;
  it('weights in order wq bq wk bk wv bv wo bo, glorotUniform / zeros', () => {
    const q = tf.input({ shape: [4, D] });
    const v = tf.input({ shape: [6, D] });
    const layer = new MultiHeadAttention({ numHeads: H, dim: D, name: 'att' });
    const y = layer.apply([q, v]) as tfjs.SymbolicTensor;
    expect(y.shape).toEqual([null, 4, D]);
    expect(layer.weights.map((w) => w.name)).toEqual(['wq', 'bq', 'wk', 'bk', 'wv', 'bv', 'wo', 'bo'].map((n) => `att/${n}`));
    expect(layer.getWeights().map((w) => w.shape)).toEqual([[D, D], [D], [D, D], [D], [D, D], [D], [D, D], [D]]);
    const ws = layer.getWeights();
    for (const i of [1, 3, 5, 7]) expect(tf.max(tf.abs(ws[i])).dataSync()[0]).toBe(0);
    const limit = Math.sqrt(6 / (D + D));
    for (const i of [0, 2, 4, 6]) expect(tf.max(tf.abs(ws[i])).dataSync()[0]).toBeLessThanOrEqual(limit);
  });

  for (const withMask of [false, true]) {
    it(`forward pass equals the head-by-head reference${withMask ? ' with a key mask' : ''}`, async () => {
      const tq = 4;
      const tk = 6;
      const inputs = [tf.input({ shape: [tq, D] }), tf.input({ shape: [tk, D] })];
      if (withMask) inputs.push(tf.input({ shape: [tk] }));
      const layer = new MultiHeadAttention({ numHeads: H, dim: D });
      const m = tf.model({ inputs, outputs: layer.apply(inputs) as tfjs.SymbolicTensor });
      // non-zero biases so that every weight matters
      layer.setWeights(layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 100 + i)));
      const q = tf.randomNormal([b, tq, D], 0, 1, 'float32', 1);
      const v = tf.randomNormal([b, tk, D], 0, 1, 'float32', 2);
      const mask = tf.tensor2d([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0], [1, 0, 1, 0, 1, 0]]);
      const feed = withMask ? [q, v, mask] : [q, v];
      const y = m.predict(feed) as tfjs.Tensor;
      await tf.setBackend('cpu');
      const ref = mhaReference(q, v, layer.getWeights(), H, withMask ? mask : undefined);
      const refValues = tf.tensor(ref.dataSync(), ref.shape);
      await tf.setBackend('wasm');
      expect(maxDiff(y, refValues)).toBeLessThan(1e-5);
      if (withMask) {
        // masked keys really do not matter: change them and the output stays put
        const v2 = tf.where(tf.expandDims(tf.cast(mask, 'bool'), 2).tile([1, 1, D]), v, tf.mul(v, 7));
        expect(maxDiff(m.predict([q, v2, mask]) as tfjs.Tensor, y)).toBeLessThan(1e-5);
      }
    });
  }

  it('rejects dim not divisible by heads and mismatched widths', () => {
    expect(() => new MultiHeadAttention({ numHeads: 3, dim: 8 })).toThrow(/divisible/);
    const q = tf.input({ shape: [4, 6] });
    expect(() => new MultiHeadAttention({ numHeads: 2, dim: 8 }).apply([q, q])).toThrow(/must equal dim 8/);
  });

  it('getConfig round-trips through the serialization registry', () => {
    const l = new MultiHeadAttention({ numHeads: 4, dim: 16, name: 'x' });
    const cfg = l.getConfig();
    expect(cfg).toMatchObject({ numHeads: 4, dim: 16, name: 'x' });
    const back = tf.layers.Layer.fromConfig(MultiHeadAttention as any, cfg) as MultiHeadAttention;
    expect(back).toBeInstanceOf(MultiHeadAttention);
    expect(back.numHeads).toBe(4);
  });
});

describe('a model with custom layers, embedding, conv1d and gru', () => {
  const VOCAB = 40;
  const T = 10;
  const N = 48;
  function build(): tfjs.LayersModel {
    const L = tf.layers;
    const tok = tf.input({ shape: [T], dtype: 'int32', name: 'tokens' });
    const e = L.embedding({ inputDim: VOCAB, outputDim: 16 }).apply(tok) as tfjs.SymbolicTensor;
    const c = L.conv1d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(e) as tfjs.SymbolicTensor;
    const g = L.gru({ units: 16, recurrentActivation: 'sigmoid' }).apply(e) as tfjs.SymbolicTensor;
    const a = new mmfLayers.MultiHeadAttention({ numHeads: 4, dim: 16 }).apply([c, c]) as tfjs.SymbolicTensor;
    const p = L.globalAveragePooling1d().apply(a) as tfjs.SymbolicTensor;
    const w = new mmfLayers.WeightedSum({}).apply([g, p]) as tfjs.SymbolicTensor;
    const y = L.dense({ units: 3, activation: 'softmax' }).apply(w) as tfjs.SymbolicTensor;
    const m = tf.model({ inputs: tok, outputs: y });
    m.compile({ optimizer: tf.train.adam(1e-2), loss: 'categoricalCrossentropy' });
    return m;
  }
  const data = () => {
    const ids = tf.randomUniform([N, T], 0, VOCAB, 'int32', 5);
    // a learnable label: the class of the first token
    const y = tf.oneHot(tf.cast(tf.floorDiv(tf.slice(ids, [0, 0], [N, 1]).reshape([N]), Math.ceil(VOCAB / 3)), 'int32'), 3);
    return { ids, y };
  };

  it('trains, keeps the tensor count flat across epochs, saves and reloads in a fresh process', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const model = build();
    const { ids, y } = data();
    const counts: number[] = [];
    const hist = await model.fit(ids, y, {
      batchSize: 16,
      epochs: 3,
      verbose: 0,
      callbacks: { onEpochEnd: async () => void counts.push(tf.memory().numTensors) },
    });
    const losses = hist.history.loss as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[2]).toBeLessThan(losses[0]);
    expect(counts[1]).toBe(counts[0]);
    expect(counts[2]).toBe(counts[1]);

    const dir = path.join(tmp, 'model');
    await saveModel(model, dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const classNames = JSON.stringify(json.modelTopology);
    expect(classNames).toContain('"MmfMultiHeadAttention"');
    expect(classNames).toContain('"MmfWeightedSum"');

    const probe = tf.randomUniform([5, T], 0, VOCAB, 'int32', 9);
    const expected = Array.from((model.predict(probe) as tfjs.Tensor).dataSync());

    // same process
    const again = await loadModel(dir);
    expect(Array.from((again.predict(probe) as tfjs.Tensor).dataSync())).toEqual(expected);

    // fresh process
    const input = path.join(tmp, 'probe.json');
    fs.writeFileSync(input, JSON.stringify({ shape: probe.shape, ids: Array.from(probe.dataSync()) }));
    const script = path.join(tmp, 'predict.mts');
    fs.writeFileSync(
      script,
      [
        `import fs from 'node:fs';`,
        `import { initBackend } from ${JSON.stringify(path.join(ROOT, 'runtime/backend.ts'))};`,
        `import { loadModel } from ${JSON.stringify(path.join(ROOT, 'runtime/io.ts'))};`,
        `const { tf } = await initBackend({ prefer: 'wasm', quiet: true });`,
        `const p = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));`,
        `const m = await loadModel(process.argv[3]);`,
        `const out = m.predict(tf.tensor(p.ids, p.shape, 'int32'));`,
        `console.log(JSON.stringify({ backend: tf.getBackend(), out: Array.from(out.dataSync()) }));`,
      ].join('\n'),
    );
    const { stdout } = await promisify(execFile)('npx', ['tsx', script, input, dir], { cwd: ROOT, env: { ...process.env, MMF_BACKEND: 'wasm' } });
    const res = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(res.backend).toBe('wasm');
    expect(res.out).toEqual(expected);
  });
});

/** Reference reset_after GRU, one explicit step at a time (Keras GRUCell reset_after=True). */
function gruReference(x: tfjs.Tensor, kernel: tfjs.Tensor, rec: tfjs.Tensor, bias: tfjs.Tensor, units: number, goBackwards = false): tfjs.Tensor[] {
  return tf.tidy(() => {
    const [b, T] = x.shape as number[];
    let h = tf.zeros([b, units]);
    const outs: tfjs.Tensor[] = [];
    const sig = (t: tfjs.Tensor) => tf.div(1, tf.add(1, tf.exp(tf.neg(t))));
    const steps = [...Array(T).keys()];
    if (goBackwards) steps.reverse();
    for (const t of steps) {
      const xt = tf.reshape(tf.slice(x, [0, t, 0], [b, 1, x.shape[2] as number]), [b, x.shape[2] as number]);
      const gx = tf.add(tf.matMul(xt, kernel), tf.reshape(tf.slice(bias, [0, 0], [1, 3 * units]), [3 * units]));
      const gh = tf.add(tf.matMul(h, rec), tf.reshape(tf.slice(bias, [1, 0], [1, 3 * units]), [3 * units]));
      const part = (g: tfjs.Tensor, k: number) => tf.slice(g, [0, k * units], [b, units]);
      const z = sig(tf.add(part(gx, 0), part(gh, 0)));
      const r = sig(tf.add(part(gx, 1), part(gh, 1)));
      const c = tf.tanh(tf.add(part(gx, 2), tf.mul(r, part(gh, 2))));
      h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), c));
      outs.push(h);
    }
    return outs;
  });
}

describe('GRU with resetAfter (MmfGRU)', () => {
  it('forward pass equals the step-by-step reference (last state and sequences, both directions)', async () => {
    const U = 5;
    const x = tf.randomNormal([3, 7, 4], 0, 1, 'float32', 21);
    for (const goBackwards of [false, true]) {
      const inp = tf.input({ shape: [7, 4] });
      const seq = new mmfLayers.GRU({ units: U, recurrentActivation: 'sigmoid', returnSequences: true, goBackwards });
      const m = tf.model({ inputs: inp, outputs: seq.apply(inp) as tfjs.SymbolicTensor });
      expect(seq.getWeights().map((w) => w.shape)).toEqual([[4, 3 * U], [U, 3 * U], [2, 3 * U]]);
      seq.setWeights(seq.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 30 + i)));
      const y = m.predict(x) as tfjs.Tensor;
      const [k, rk, bias] = seq.getWeights();
      await tf.setBackend('cpu');
      const steps = gruReference(x, k, rk, bias, U, goBackwards);
      const ref = tf.stack(steps, 1);
      const refValues = tf.tensor(ref.dataSync(), ref.shape);
      await tf.setBackend('wasm');
      expect(maxDiff(y, refValues)).toBeLessThan(1e-5);
    }
  });

  it('trains on wasm inside Bidirectional, and saves and loads (MmfGRU / MmfGRUCell registered)', async () => {
    const inp = tf.input({ shape: [6, 3] });
    const bi = tf.layers.bidirectional({ layer: new mmfLayers.GRU({ units: 4, recurrentActivation: 'sigmoid' }) as any, mergeMode: 'concat' });
    const out = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(bi.apply(inp)) as tfjs.SymbolicTensor;
    const m = tf.model({ inputs: inp, outputs: out });
    m.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy' });
    const x = tf.randomNormal([32, 6, 3], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.cast(tf.greater(tf.sum(x, [1, 2]), 0), 'int32'), 2);
    const h = await m.fit(x, y, { epochs: 4, batchSize: 8, verbose: 0 });
    const losses = h.history.loss as number[];
    expect(losses[3]).toBeLessThan(losses[0]);
    const dir = path.join(tmp, 'gru');
    await saveModel(m, dir);
    const topo = fs.readFileSync(path.join(dir, 'model.json'), 'utf8');
    expect(topo).toContain('"MmfGRU"');
    expect(topo).toContain('"reset_after":true'); // tfjs writes config keys in snake_case
    const back = await loadModel(dir);
    expect(maxDiff(back.predict(x) as tfjs.Tensor, m.predict(x) as tfjs.Tensor)).toBe(0);
  });

  it('resetAfter: false is the stock tfjs GRU', () => {
    const x = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 8);
    const inp = tf.input({ shape: [5, 3] });
    const a = new mmfLayers.GRU({ units: 4, resetAfter: false });
    const b = tf.layers.gru({ units: 4 });
    const ma = tf.model({ inputs: inp, outputs: a.apply(inp) as tfjs.SymbolicTensor });
    const mb = tf.model({ inputs: inp, outputs: b.apply(inp) as tfjs.SymbolicTensor });
    b.setWeights(a.getWeights());
    expect(maxDiff(ma.predict(x) as tfjs.Tensor, mb.predict(x) as tfjs.Tensor)).toBe(0);
  });
});
