/**
 * Padding masks, Transformer encoder blocks, residual blocks, `add` and `reshape` through both backends: tfjs
 * (cpu backend; runtime MmfPaddingMask, MmfPositions, MmfMultiHeadAttention with a mask, tf.layers.add) vs ONNX
 * Runtime (Equal/Not/Cast masks, Add of a position table, the masked attention scores), from `.mmf` source through
 * compile(): max |difference| ≤ 1e-4 at batch 1, 3 and 8 (test/helpers/parity.ts), and on token ids padded with
 * 0 at the start, as the data pipeline pads them.
 *
 * "attention with padded tokens masked": replacing the embedding of the pad id 0 (and the learned positions of
 * padded steps) leaves the outputs of the unpadded steps unchanged in both backends, while changing a real
 * token's embedding does change them (so the check is not vacuous).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../compiler/index.ts';
import type { IRModel, WeightMap } from '../compiler/ir.ts';
import { emitOnnx, randomWeights, readTfjsWeights } from '../compiler/emit/onnx/index.ts';
import { onnx } from '../compiler/emit/onnx/graph.ts';
import { layers } from '../runtime/layers/index.ts';
import { sinusoidalPositions } from '../runtime/layers/padding_mask.ts';
import { sinusoidalTable } from '../compiler/ops/transformer.ts';
import { OnnxPredictor } from '../runtime/onnx.ts';
import { checkParity, parityReport, type ParityInput, type ParityMeasure } from './helpers/parity.ts';
import { buildTfjsModel, saveTfjsModel, type CustomLayerClass } from './helpers/tfjs-model.ts';

await tf.setBackend('cpu');
const custom = layers as unknown as Record<string, CustomLayerClass>;
const measured: ParityMeasure[] = [];

const T = 10;
const MMF = `dataset d from jsonl("d.jsonl")
input body: text(vocab 50, max_len ${T}) from d.body
input meta: tabular(normalize none) from d[a, b, c]
label spam: binary from d.spam
encoder words = body -> embedding(16) -> dense(16, tanh)
encoder m = meta -> dense(8, tanh)
fusion cross = attention(m, words, m, dim 16, heads 4)
model Cross = cross -> classifier(spam)
encoder enc = body -> embedding(16) -> transformer(4, 32, dropout 0.1, positions learned) -> transformer(2, ff 24, positions sinusoidal)
model Enc = enc -> global_avg_pool -> classifier(spam)
encoder selfq = body -> embedding(8) -> lstm(8, return_sequences true) -> layer_norm
fusion seqq = attention(selfq, words, dim 8, heads 2)
model SeqQ = seqq -> global_max_pool -> classifier(spam)
encoder r = meta -> dense(8) -> residual(dense(16, relu), dropout(0.2), dense(8)) -> reshape([2, 4]) -> flatten
fusion summed = add(m, r)
model Res = summed -> classifier(spam)
encoder conv = body -> embedding(8) -> conv1d(8, 3, padding valid) -> transformer(2, 16)
model NoMask = conv -> global_max_pool -> classifier(spam)
`;

const r = compile(MMF, { skipDataFiles: true });
const model = (name: string): IRModel => {
  const m = r.models.find((x) => x.name === name);
  if (!m) throw new Error(`no model ${name}: ${JSON.stringify(r.diagnostics)}`);
  return m;
};

describe('ONNX parity with tfjs: masks, transformer, residual, add, reshape (.mmf through compile())', () => {
  it('checks without diagnostics', () => expect(r.diagnostics).toEqual([]));
  for (const name of ['Cross', 'Enc', 'SeqQ', 'Res', 'NoMask'])
    it(`model ${name} agrees with tfjs at batch 1, 3, 8`, () => checkParity({ name: `.mmf model ${name}`, build: () => model(name) }, tf, measured, { custom }));

  it('masks go where the brief says: text-derived keys get padding_mask(ids), vector tokens ones, valid conv1d none', () => {
    const cross = model('Cross');
    const mha = cross.nodes.find((n) => n.op === 'mha')!;
    expect(mha.inputs).toHaveLength(3);
    const mask = cross.nodes.find((n) => n.id === mha.inputs[2])!;
    expect(mask.op).toBe('concat');
    expect(mask.inputs.map((id) => cross.nodes.find((n) => n.id === id)!.attrs)).toEqual([{ from: 'ids' }, { from: 'ones' }]);
    expect(cross.nodes.find((n) => n.id === mask.inputs[0])!.inputs).toEqual(['body']);
    // conv1d valid changes the time axis: no step-for-step mask, no mask input
    expect(model('NoMask').nodes.filter((n) => n.op === 'mha').every((n) => n.inputs.length === 2)).toBe(true);
    // a transformer block expands into existing ops only
    expect([...new Set(model('Enc').nodes.map((n) => n.op))].sort()).toEqual(
      ['activation', 'add', 'dense', 'dropout', 'embedding', 'global_avg_pool1d', 'layer_norm', 'mha', 'padding_mask', 'positions'].sort(),
    );
  });

  it('ONNX: the mask is Cast(Not(Equal(ids, 0))) and enters the scores before Softmax', () => {
    const g = onnx.ModelProto.decode(emitOnnx(model('Cross'), randomWeights(model('Cross'), 1))).graph!;
    const ops = g.node!.map((n) => n.opType);
    for (const op of ['Equal', 'Not', 'Cast', 'Expand', 'Unsqueeze', 'Softmax']) expect(ops).toContain(op);
  });
});

/** Ids [batch, T] with `pads[i]` zeros at the start of row i, then ids in [1, 50). */
function paddedIds(pads: number[], seed: number): ParityInput {
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const data = new Int32Array(pads.length * T);
  pads.forEach((p, i) => {
    for (let t = p; t < T; t++) data[i * T + t] = 1 + Math.floor(rand() * 49);
  });
  return { name: 'body', shape: [pads.length, T], data };
}

function inputsFor(m: IRModel, pads: number[]): ParityInput[] {
  return m.inputs.map((i) =>
    i.name === 'body'
      ? paddedIds(pads, 5)
      : { name: i.name, shape: [pads.length, 3], data: Float32Array.from({ length: pads.length * 3 }, (_, k) => Math.sin(k + 1)) },
  );
}

/** Outputs of `m` (head pointed at `output`) in tfjs and ONNX Runtime. */
async function run(m: IRModel, output: string, weights: WeightMap, inputs: ParityInput[]): Promise<{ tfjs: Float32Array; ort: Float32Array }> {
  const out = m.nodes.find((n) => n.id === output)!;
  const mm: IRModel = { ...m, head: { ...m.head, output, units: out.out.shape[out.out.shape.length - 1] as number } };
  const tfModel = buildTfjsModel(mm, tf, weights, custom);
  const predictor = await OnnxPredictor.load(emitOnnx(mm, weights));
  try {
    const tfIn = inputs.map((i) => tf.tensor(i.data, i.shape, i.data instanceof Int32Array ? 'int32' : 'float32'));
    const y = tfModel.predict(tfIn) as tf.Tensor;
    const a = y.dataSync() as Float32Array;
    tf.dispose([...tfIn, y]);
    const b = await predictor.predict(Object.fromEntries(inputs.map((i) => [i.name, { data: i.data, shape: i.shape }])));
    return { tfjs: Float32Array.from(a), ort: b };
  } finally {
    tfModel.dispose();
    await predictor.release();
  }
}

/** max |a − b| over the entries `keep(k)` selects. */
function maxDiff(a: Float32Array, b: Float32Array, keep: (k: number) => boolean = () => true): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let k = 0; k < a.length; k++) if (keep(k)) d = Math.max(d, Math.abs(a[k]! - b[k]!));
  return d;
}

/** Copy of `w` with node `id`'s weight `index` rows `rows` (of width `width`) replaced by other numbers. */
function perturbRows(w: WeightMap, id: string, index: number, rows: number[], width: number): WeightMap {
  const out: WeightMap = new Map([...w].map(([k, v]) => [k, v.map((x) => Float32Array.from(x))]));
  const t = out.get(id)![index]!;
  for (const r of rows) for (let j = 0; j < width; j++) t[r * width + j] = 3 * Math.cos(7 * r + j);
  return out;
}

const figures: string[] = [];

describe('attention with padded tokens masked', () => {
  const pads = [3, 0, 6, 9];

  it('cross-modal attention (vector query over text tokens and a vector): pad embeddings do not matter', async () => {
    const m = model('Cross');
    const w = randomWeights(m, 3);
    const emb = m.nodes.find((n) => n.op === 'embedding')!;
    const inputs = inputsFor(m, pads);
    const base = await run(m, m.head.output, w, inputs);
    const padChanged = await run(m, m.head.output, perturbRows(w, emb.id, 0, [0], 16), inputs);
    const realChanged = await run(m, m.head.output, perturbRows(w, emb.id, 0, [inputs.find((i) => i.name === 'body')!.data[T - 1]!], 16), inputs);
    const parity = Math.max(maxDiff(base.tfjs, base.ort), maxDiff(padChanged.tfjs, padChanged.ort));
    const invTf = maxDiff(base.tfjs, padChanged.tfjs);
    const invOrt = maxDiff(base.ort, padChanged.ort);
    const control = maxDiff(base.tfjs, realChanged.tfjs);
    figures.push(`Cross: tfjs vs ORT ${parity.toExponential(2)}; pad embedding changed: tfjs ${invTf.toExponential(2)}, ORT ${invOrt.toExponential(2)}; real token changed: ${control.toExponential(2)}`);
    expect(parity).toBeLessThanOrEqual(1e-4);
    expect(invTf).toBeLessThanOrEqual(1e-6);
    expect(invOrt).toBeLessThanOrEqual(1e-6);
    expect(control).toBeGreaterThan(1e-4);
  });

  it('transformer self-attention: pad embeddings and learned positions of padded steps leave unpadded steps unchanged', async () => {
    const m = model('Enc');
    const w = randomWeights(m, 4);
    const emb = m.nodes.find((n) => n.op === 'embedding')!;
    const pos = m.nodes.find((n) => n.op === 'positions' && n.attrs.kind === 'learned')!;
    const last = m.nodes.filter((n) => n.op === 'layer_norm').at(-1)!;
    const p2 = [3, 4, 6, 9];
    const inputs = inputsFor(m, p2);
    const d = 16;
    // entry k of [b, T, D] belongs to step t = ⌊k / D⌋ mod T of sample ⌊k / (T·D)⌋
    const unpadded = (k: number) => Math.floor(k / d) % T >= p2[Math.floor(k / (T * d))]!;
    const base = await run(m, last.id, w, inputs);
    let changed = perturbRows(w, emb.id, 0, [0], d);
    changed = perturbRows(changed, pos.id, 0, [0, 1, 2], d); // steps 0..2 are padding in every row
    const after = await run(m, last.id, changed, inputs);
    const realChanged = await run(m, last.id, perturbRows(w, emb.id, 0, [inputs.find((i) => i.name === 'body')!.data[T - 1]!], d), inputs);
    const parity = Math.max(maxDiff(base.tfjs, base.ort), maxDiff(after.tfjs, after.ort));
    const invTf = maxDiff(base.tfjs, after.tfjs, unpadded);
    const invOrt = maxDiff(base.ort, after.ort, unpadded);
    const control = maxDiff(base.tfjs, realChanged.tfjs, unpadded);
    figures.push(`Enc: tfjs vs ORT ${parity.toExponential(2)}; pads changed, unpadded steps: tfjs ${invTf.toExponential(2)}, ORT ${invOrt.toExponential(2)}; real token changed: ${control.toExponential(2)}`);
    expect(parity).toBeLessThanOrEqual(1e-4);
    expect(invTf).toBeLessThanOrEqual(1e-5);
    expect(invOrt).toBeLessThanOrEqual(1e-5);
    expect(control).toBeGreaterThan(1e-3);
    // the padded steps themselves do change (their queries see the new embedding): the mask is about keys
    expect(maxDiff(base.tfjs, after.tfjs, (k) => !unpadded(k))).toBeGreaterThan(1e-3);
  });
});

describe('weights and opsets', () => {
  it('a transformer model saved by tfjs reads back through readTfjsWeights (positions, attention) and agrees with ONNX', async () => {
    const m = model('Enc');
    const tfModel = buildTfjsModel(m, tf, randomWeights(m, 11), custom);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmf-tr-'));
    try {
      await saveTfjsModel(tfModel, tf, dir);
      const weights = readTfjsWeights(dir, m);
      const pos = m.nodes.find((n) => n.op === 'positions' && n.attrs.kind === 'learned')!;
      expect(weights.get(pos.id)![0]).toEqual(randomWeights(m, 11).get(pos.id)![0]);
      const inputs = inputsFor(m, [2, 0, 5]);
      const out = await run(m, m.head.output, weights, inputs);
      const tfIn = inputs.map((i) => tf.tensor(i.data, i.shape, i.data instanceof Int32Array ? 'int32' : 'float32'));
      const saved = (tfModel.predict(tfIn) as tf.Tensor).dataSync() as Float32Array;
      tf.dispose(tfIn);
      expect(maxDiff(saved, out.ort)).toBeLessThanOrEqual(1e-4);
    } finally {
      tfModel.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the sinusoidal table is Vaswani et al. §3.5, the same float32 numbers in the compiler and the runtime', () => {
    const pe = sinusoidalTable(12, 16);
    expect(Array.from(sinusoidalPositions(12, 16))).toEqual(Array.from(pe));
    expect(pe[0 * 16 + 0]).toBe(0); // sin(0)
    expect(pe[0 * 16 + 1]).toBe(1); // cos(0)
    expect(pe[1 * 16 + 0]).toBe(Math.fround(Math.sin(1)));
    expect(pe[1 * 16 + 1]).toBe(Math.fround(Math.cos(1)));
    expect(pe[5 * 16 + 6]).toBe(Math.fround(Math.sin(5 / Math.pow(10000, 6 / 16)))); // 2i = 6
    expect(pe[5 * 16 + 7]).toBe(Math.fround(Math.cos(5 / Math.pow(10000, 6 / 16))));
  });

  it('opsets 18 and 21 give the outputs of opset 17 (masks, positions, residual sums)', async () => {
    for (const name of ['Cross', 'Enc', 'Res']) {
      const m = model(name);
      const w = randomWeights(m, 2);
      const feeds = Object.fromEntries(inputsFor(m, [3, 0, 7]).map((i) => [i.name, { data: i.data, shape: i.shape }]));
      const p17 = await OnnxPredictor.load(emitOnnx(m, w));
      const want = await p17.predict(feeds);
      await p17.release();
      for (const opset of [18, 21]) {
        const p = await OnnxPredictor.load(emitOnnx(m, w, { opset }));
        expect(Array.from(await p.predict(feeds)), `${name}, opset ${opset}`).toEqual(Array.from(want));
        await p.release();
      }
    }
  });
});

afterAll(() => {
  if (measured.length) console.log(parityReport(measured));
  if (figures.length) console.log(figures.join('\n'));
});
