/**
 * runtime/layers GatedMultimodalUnit, TensorFusion, LowRankFusion, FiLM and Bidirectional against references
 * written from the papers with plain loops (so a mistake shared by the tfjs layer and the ONNX emitter — which
 * agree with each other in test/onnx-parity-fusion.test.ts — would still be caught), low-rank fusion against the
 * tensor fusion it decomposes (Liu et al. 2018, eq. 7), and a model with all of them training on wasm, saving and
 * reloading through the serialisation registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { initBackend } from '../runtime/backend.ts';
import { Bidirectional, FiLM, GatedMultimodalUnit, LowRankFusion, TensorFusion } from '../runtime/layers/index.ts';
import { loadModel, saveModel } from '../runtime/io.ts';

let tf: typeof tfjs;
let tmp: string;
beforeAll(async () => {
  ({ tf } = await initBackend({ prefer: 'wasm', quiet: true }));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mmf-fusion-layers-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Seeded uniform values in (−1, 1). */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1);
}

/** Row-major matrix helpers on plain arrays. */
const row = (m: number[], cols: number, r: number) => m.slice(r * cols, (r + 1) * cols);
const matvec = (x: number[], w: number[], cols: number) =>
  Array.from({ length: cols }, (_, j) => x.reduce((s, xi, i) => s + xi * w[i * cols + j]!, 0));
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Apply `layer` to float inputs of the given per-sample widths (batch B), with weights `ws`; returns rows. */
function run(layer: tfjs.layers.Layer, widths: number[][], data: number[][], ws: number[][], B: number): number[][] {
  const inputs = widths.map((w) => tf.input({ shape: w }));
  const m = tf.model({ inputs, outputs: layer.apply(inputs.length === 1 ? inputs[0]! : inputs) as tfjs.SymbolicTensor });
  layer.setWeights(layer.getWeights().map((w, i) => tf.tensor(ws[i]!, w.shape)));
  const xs = data.map((d, k) => tf.tensor(d, [B, ...widths[k]!]));
  const y = m.predict(xs.length === 1 ? xs[0]! : xs) as tfjs.Tensor;
  const flat = Array.from(y.dataSync());
  const per = flat.length / B;
  tf.dispose([...xs, y]);
  return Array.from({ length: B }, (_, b) => flat.slice(b * per, (b + 1) * per));
}

const close = (got: number[][], want: number[][]) => {
  expect(got.length).toBe(want.length);
  let d = 0;
  got.forEach((r, b) => r.forEach((v, j) => (d = Math.max(d, Math.abs(v - want[b]![j]!)))));
  expect(d).toBeLessThan(1e-5);
};

describe('GatedMultimodalUnit (Arevalo et al. 2017)', () => {
  it('K = 2: h_k = tanh(x_k W_k), z = σ([x1; x2] W_z), y = z h1 + (1 − z) h2; weights w_1, w_2, w_z', () => {
    const [B, d1, d2, D] = [3, 4, 2, 5];
    const layer = new GatedMultimodalUnit({ dim: D });
    const x1 = values(B * d1, 1);
    const x2 = values(B * d2, 2);
    const ws = [values(d1 * D, 3), values(d2 * D, 4), values((d1 + d2) * D, 5)];
    const got = run(layer, [[d1], [d2]], [x1, x2], ws, B);
    expect(layer.weights.map((w) => w.name)).toEqual(['gmu/w_1', 'gmu/w_2', 'gmu/w_z'].map((n) => n.replace('gmu', layer.name)));
    const want = Array.from({ length: B }, (_, b) => {
      const a = row(x1, d1, b);
      const c = row(x2, d2, b);
      const h1 = matvec(a, ws[0]!, D).map(Math.tanh);
      const h2 = matvec(c, ws[1]!, D).map(Math.tanh);
      const z = matvec([...a, ...c], ws[2]!, D).map(sigmoid);
      return z.map((zi, j) => zi * h1[j]! + (1 - zi) * h2[j]!);
    });
    close(got, want);
  });

  it('K = 3: a softmax over modalities of the gate logits (modality k in columns k·D …), y = Σ z_k h_k', () => {
    const [B, D] = [2, 3];
    const d = [2, 3, 1];
    const layer = new GatedMultimodalUnit({ dim: D });
    const xs = d.map((n, k) => values(B * n, 10 + k));
    const total = d.reduce((a, b) => a + b, 0);
    const ws = [...d.map((n, k) => values(n * D, 20 + k)), values(total * 3 * D, 30)];
    const got = run(layer, d.map((n) => [n]), xs, ws, B);
    const want = Array.from({ length: B }, (_, b) => {
      const rows = xs.map((x, k) => row(x, d[k]!, b));
      const hs = rows.map((r, k) => matvec(r, ws[k]!, D).map(Math.tanh));
      const g = matvec(rows.flat(), ws[3]!, 3 * D);
      return Array.from({ length: D }, (_, j) => {
        const e = [0, 1, 2].map((k) => Math.exp(g[k * D + j]!));
        const s = e.reduce((a, c) => a + c, 0);
        return e.reduce((acc, ek, k) => acc + (ek / s) * hs[k]![j]!, 0);
      });
    });
    close(got, want);
  });
});

describe('TensorFusion (Zadeh et al. 2017)', () => {
  it('the row-major flattened outer product of [x_k; 1], x_1 the slowest index; the last entry is 1', () => {
    const B = 2;
    const d = [2, 1, 3];
    const xs = d.map((n, k) => values(B * n, 40 + k));
    const got = run(new TensorFusion({}), d.map((n) => [n]), xs, [], B);
    const want = Array.from({ length: B }, (_, b) => {
      const z = xs.map((x, k) => [...row(x, d[k]!, b), 1]);
      const out: number[] = [];
      for (const a of z[0]!) for (const c of z[1]!) for (const e of z[2]!) out.push(a * c * e);
      return out;
    });
    expect(got[0]!.length).toBe(3 * 2 * 4);
    close(got, want);
    expect(got[1]![got[1]!.length - 1]).toBeCloseTo(1, 6);
  });
});

describe('LowRankFusion (Liu et al. 2018)', () => {
  it('equals tensor fusion followed by the rank-R weight W = Σ_r λ_r ⊗_k factor_k[r], plus bias', () => {
    const [B, R, D] = [3, 3, 4];
    const d = [2, 3];
    const n = d.map((x) => x + 1);
    const xs = d.map((w, k) => values(B * w, 50 + k));
    const factors = n.map((nk, k) => values(R * nk * D, 60 + k));
    const lambda = values(R, 70);
    const bias = values(D, 71);
    const layer = new LowRankFusion({ dim: D, rank: R });
    const got = run(layer, d.map((w) => [w]), xs, [...factors, lambda, bias], B);
    expect(layer.weights.map((w) => w.name.split('/').pop())).toEqual(['factor_1', 'factor_2', 'fusion_weights', 'bias']);
    // W[(i·n2 + j), o] = Σ_r λ_r f1[r, i, o] f2[r, j, o]
    const f = (k: number, r: number, i: number, o: number) => factors[k]![(r * n[k]! + i) * D + o]!;
    const want = Array.from({ length: B }, (_, b) => {
      const z1 = [...row(xs[0]!, d[0]!, b), 1];
      const z2 = [...row(xs[1]!, d[1]!, b), 1];
      return Array.from({ length: D }, (_, o) => {
        let s = bias[o]!;
        for (let i = 0; i < n[0]!; i++)
          for (let j = 0; j < n[1]!; j++) {
            let w = 0;
            for (let r = 0; r < R; r++) w += lambda[r]! * f(0, r, i, o) * f(1, r, j, o);
            s += z1[i]! * z2[j]! * w;
          }
        return s;
      });
    });
    close(got, want);
  });
});

describe('FiLM (Perez et al. 2018)', () => {
  it('y = (c W_γ + b_γ) ⊙ x + (c W_β + b_β), the same γ, β at every time step; γ bias starts at 1', () => {
    const [B, T, dd, e] = [2, 3, 4, 2];
    const x = values(B * T * dd, 80);
    const c = values(B * e, 81);
    const ws = [values(e * dd, 82), values(dd, 83), values(e * dd, 84), values(dd, 85)];
    const fresh = new FiLM({});
    fresh.apply([tf.input({ shape: [dd] }), tf.input({ shape: [e] })]);
    expect(Array.from(fresh.getWeights()[1]!.dataSync())).toEqual([1, 1, 1, 1]);
    const got = run(new FiLM({}), [[T, dd], [e]], [x, c], ws, B);
    const want = Array.from({ length: B }, (_, b) => {
      const cb = row(c, e, b);
      const g = matvec(cb, ws[0]!, dd).map((v, j) => v + ws[1]![j]!);
      const be = matvec(cb, ws[2]!, dd).map((v, j) => v + ws[3]![j]!);
      return Array.from({ length: T * dd }, (_, k) => g[k % dd]! * x[b * T * dd + k]! + be[k % dd]!);
    });
    close(got, want);
  });
});

describe('Bidirectional built from JSON', () => {
  it('equals tf.layers.bidirectional around the same LSTM, weights forward_lstm/… then backward_lstm/…', () => {
    const cfg = { units: 3, returnSequences: true, recurrentActivation: 'sigmoid' } as const;
    const ours = new Bidirectional({ name: 'bi', mergeMode: 'concat', layer: { className: 'LSTM', config: { name: 'lstm', ...cfg } } });
    const stock = tf.layers.bidirectional({ layer: tf.layers.lstm({ name: 'lstm', ...cfg }) as tfjs.RNN, mergeMode: 'concat' });
    const x = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 3);
    const a = ours.apply(x) as tfjs.Tensor;
    stock.apply(x);
    stock.setWeights(ours.getWeights());
    const b = stock.apply(x) as tfjs.Tensor;
    expect(a.shape).toEqual([2, 5, 6]);
    expect(Math.max(...Array.from(tf.abs(tf.sub(a, b)).dataSync()))).toBeLessThan(1e-6);
    expect(ours.weights.map((w) => w.name)).toEqual(
      ['forward_lstm', 'backward_lstm'].flatMap((d) => ['kernel', 'recurrent_kernel', 'bias'].map((n) => `bi/${d}/${n}`)),
    );
  });
});

describe('a model with every new layer', () => {
  it('trains on wasm, saves, and reloads through the serialisation registry with identical predictions', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const seq = tf.input({ shape: [6, 3] });
    const vec = tf.input({ shape: [4] });
    const bi = new Bidirectional({ name: 'bi', layer: { className: 'GRU', config: { name: 'gru', units: 3, recurrentActivation: 'sigmoid' } } }).apply(seq) as tfjs.SymbolicTensor;
    const g = new GatedMultimodalUnit({ name: 'gmu', dim: 5 }).apply([bi, vec]) as tfjs.SymbolicTensor;
    const t = new TensorFusion({ name: 'tf' }).apply([g, vec]) as tfjs.SymbolicTensor;
    const l = new LowRankFusion({ name: 'lmf', dim: 4, rank: 2 }).apply([t, bi, vec]) as tfjs.SymbolicTensor;
    const f = new FiLM({ name: 'film' }).apply([l, vec]) as tfjs.SymbolicTensor;
    const out = tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(f) as tfjs.SymbolicTensor;
    const model = tf.model({ inputs: [seq, vec], outputs: out });
    model.compile({ optimizer: tf.train.adam(0.02), loss: 'binaryCrossentropy' });
    const xs = tf.randomNormal([48, 6, 3], 0, 1, 'float32', 1);
    const xv = tf.randomNormal([48, 4], 0, 1, 'float32', 2);
    const y = tf.cast(tf.greater(tf.add(tf.sum(xv, 1, true), tf.sum(tf.slice(xs, [0, 0, 0], [48, 1, 3]), [1, 2]).reshape([48, 1])), 0), 'float32');
    const hist = await model.fit([xs, xv], y, { epochs: 8, batchSize: 16, verbose: 0 });
    const losses = hist.history.loss as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    const dir = path.join(tmp, 'model');
    await saveModel(model, dir);
    const topology = fs.readFileSync(path.join(dir, 'model.json'), 'utf8');
    for (const c of ['MmfGMU', 'MmfTensorFusion', 'MmfLowRankFusion', 'MmfFiLM', 'MmfBidirectional']) expect(topology).toContain(`"${c}"`);
    const again = await loadModel(dir);
    const probe = [xs.slice([0, 0, 0], [5, 6, 3]), xv.slice([0, 0], [5, 4])];
    expect(Array.from((again.predict(probe) as tfjs.Tensor).dataSync())).toEqual(Array.from((model.predict(probe) as tfjs.Tensor).dataSync()));
  });
});
