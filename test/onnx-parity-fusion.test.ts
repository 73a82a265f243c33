/**
 * The fusion operators gmu, tensor_fusion, low_rank_fusion and film through both backends: tfjs (cpu backend, the
 * runtime custom layers of runtime/layers/) vs ONNX Runtime (CPU, standard ops only) on the same random weights and
 * inputs, at batch sizes 1, 3 and 8 from one graph, max |difference| ≤ 1e-4 (DESIGN.md, "Backends").
 * Also: the graphs hold no batch-sized constant (every Reshape starts with 0), and `.mmf` models with these
 * operators go through compile() to the same agreement.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../compiler/index.ts';
import { emitOnnx, randomWeights } from '../compiler/emit/onnx/index.ts';
import { onnx } from '../compiler/emit/onnx/graph.ts';
import { layers } from '../runtime/layers/index.ts';
import { OnnxPredictor } from '../runtime/onnx.ts';
import { FUSION_CASES, SEQ_CASES } from './helpers/onnx-more-cases.ts';
import { checkParity, makeInputs, parityReport, type ParityMeasure } from './helpers/parity.ts';
import type { CustomLayerClass } from './helpers/tfjs-model.ts';

await tf.setBackend('cpu');
const custom = layers as unknown as Record<string, CustomLayerClass>;
const measured: ParityMeasure[] = [];

describe('ONNX parity with tfjs, fusion operators', () => {
  for (const c of FUSION_CASES) it(c.name, () => checkParity(c, tf, measured, { custom }));
});

const MMF = `dataset d from jsonl("d.jsonl")
input words: text(vocab 300, max_len 12) from d.words
input meta: tabular(normalize none) from d[a, b, c, e]
input extra: tabular(normalize none) from d[f, g]
label kind: classes(3) from d.kind
label price: number from d.price
encoder text = words -> embedding(8) -> gru(6)
encoder seq = words -> embedding(6)
encoder m = meta -> dense(5, tanh)
fusion gated = gmu(text, m, dim 8)
fusion gated3 = gmu(text, m, extra, dim 4)
fusion outer = tensor_fusion(m, extra) -> dense(6, relu)
fusion lmf = low_rank_fusion(text, m, extra, dim 7, rank 3)
fusion mod = film(seq, extra) -> global_avg_pool
model G = gated -> classifier(kind)
model G3 = gated3 -> classifier(kind, hidden [5])
model T = outer -> classifier(kind)
model L = lmf -> regression(price)
model F = mod -> regression(price, hidden [4])
`;

describe('fusion models written in .mmf, through compile()', () => {
  const r = compile(MMF, { skipDataFiles: true });
  it('check without diagnostics', () => expect(r.diagnostics).toEqual([]));
  for (const name of ['G', 'G3', 'T', 'L', 'F'])
    it(`model ${name} agrees with tfjs`, async () => {
      const model = r.models.find((m) => m.name === name)!;
      expect(model).toBeDefined();
      await checkParity({ name: `.mmf model ${name}`, build: () => model }, tf, measured, { custom });
    });
  it('a regression head is one linear unit named after the label, with mean squared error', () => {
    const m = r.models.find((x) => x.name === 'L')!;
    expect(m.head).toMatchObject({ units: 1, activation: 'linear', loss: 'meanSquaredError', label: { name: 'price', kind: 'number', column: 'price' } });
    const last = m.nodes[m.nodes.length - 1]!;
    expect(last).toMatchObject({ op: 'dense', attrs: { units: 1, activation: 'linear' } });
    const g = onnx.ModelProto.decode(emitOnnx(m, randomWeights(m, 1))).graph!;
    expect(g.output!.map((o) => o.name)).toEqual(['price']);
  });
});

describe('fusion graphs have a dynamic batch', () => {
  it('declare batch as a dim_param and bake no batch size into Reshape, Pad or any other constant', () => {
    for (const c of FUSION_CASES) {
      const m = onnx.ModelProto.decode(emitOnnx(c.build(), randomWeights(c.build(), 1)));
      for (const v of [...m.graph!.input!, ...m.graph!.output!]) expect(v.type!.tensorType!.shape!.dim![0]!.dimParam, `${c.name}: ${v.name}`).toBe('batch');
      const inits = new Map(m.graph!.initializer!.map((t) => [t.name, t]));
      for (const n of m.graph!.node!.filter((n) => n.opType === 'Reshape')) {
        const shape = inits.get(n.input![1]!)!;
        expect(Buffer.from(shape.rawData!).readBigInt64LE(0), `${c.name}: ${n.name}`).toBe(0n);
      }
      // Only standard ops of the default domain.
      for (const n of m.graph!.node!) expect(n.domain ?? '', n.name!).toBe('');
    }
  });
});

describe('opsets 18 and 21', () => {
  it('give the outputs of opset 17 for every fusion and sequence case (ReduceSum, Pad, Unsqueeze take inputs since 13)', async () => {
    for (const c of [...FUSION_CASES, ...SEQ_CASES]) {
      const m = c.build();
      const w = randomWeights(m, 7);
      const feed = Object.fromEntries(makeInputs(m, 3, 5).map((i) => [i.name, { data: i.data, shape: i.shape }]));
      const ref = await OnnxPredictor.load(emitOnnx(m, w));
      const want = await ref.predict(feed);
      await ref.release();
      for (const opset of [18, 21]) {
        const p = await OnnxPredictor.load(emitOnnx(m, w, { opset }));
        const got = await p.predict(feed);
        await p.release();
        expect(Array.from(got), `${c.name}, opset ${opset}`).toEqual(Array.from(want));
      }
    }
  });
});

afterAll(() => {
  if (measured.length) console.log(parityReport(measured));
});
