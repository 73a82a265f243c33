/**
 * tfjs (cpu backend) vs ONNX Runtime (CPU) on the same random weights and inputs: every op and a few whole
 * models, at batch sizes 1, 3 and 8 from one graph file, max |difference| ≤ 1e-4 (DESIGN.md, "Backends").
 * Token ids go to tfjs as int32 and reach ONNX Runtime as int64 (OnnxPredictor converts them).
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { IRModel } from '../compiler/ir.ts';
import { emitOnnx, randomWeights } from '../compiler/emit/onnx/index.ts';
import { OnnxPredictor } from '../runtime/onnx.ts';
import { buildTfjsModel } from './helpers/tfjs-model.ts';
import { MODEL_CASES, OP_CASES, type OnnxCase } from './helpers/onnx-cases.ts';
import { loadRuntimeLayers } from './helpers/runtime-layers.ts';

await tf.setBackend('cpu');
const custom = await loadRuntimeLayers();

const TOL = 1e-4;
const BATCHES = [1, 3, 8];

/** Seeded inputs: token ids uniform in [0, vocab), floats uniform in (−floatRange, floatRange). */
function makeInputs(model: IRModel, batch: number, seed: number, floatRange = 2) {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  return model.inputs.map((input) => {
    const shape = [batch, ...input.out.shape.slice(1).map((d) => d as number)];
    const n = shape.reduce((p, d) => p * d, 1);
    if (input.out.dtype === 'int32') {
      const vocab = 'vocab' in input.plan ? input.plan.vocab : 2;
      return { name: input.name, shape, data: Int32Array.from({ length: n }, () => Math.floor(rand() * vocab)) };
    }
    return { name: input.name, shape, data: Float32Array.from({ length: n }, () => (2 * rand() - 1) * floatRange) };
  });
}

const measured: Array<{ name: string; batch: number; diff: number; spread: number }> = [];

async function checkParity(c: OnnxCase): Promise<void> {
  const model = c.build();
  const weights = randomWeights(model, 7);
  const bytes = emitOnnx(model, weights);
  const predictor = await OnnxPredictor.load(bytes);
  const tfModel = buildTfjsModel(model, tf, weights, custom.layers ?? {});
  try {
    expect(predictor.outputNames).toEqual([model.head.label.name]);
    expect([...predictor.inputNames].sort()).toEqual(model.inputs.map((i) => i.name).sort());
    for (const ids of model.inputs.filter((i) => i.out.dtype === 'int32')) expect(predictor.inputInfo(ids.name)?.type).toBe('int64');
    for (const batch of BATCHES) {
      const inputs = makeInputs(model, batch, 1000 + batch, c.floatRange);
      const tfIn = inputs.map((i) => tf.tensor(i.data, i.shape, i.data instanceof Int32Array ? 'int32' : 'float32'));
      const tfOut = tfModel.predict(tfIn) as tf.Tensor;
      const expected = tfOut.dataSync() as Float32Array;
      const expectedShape = tfOut.shape;
      tf.dispose([...tfIn, tfOut]);
      const got = await predictor.predict(Object.fromEntries(inputs.map((i) => [i.name, { data: i.data, shape: i.shape }])));
      expect(got.length, `${c.name}, batch ${batch}: output size (tfjs shape [${expectedShape.join(', ')}])`).toBe(expected.length);
      let diff = 0;
      for (let k = 0; k < got.length; k++) diff = Math.max(diff, Math.abs(got[k]! - expected[k]!));
      measured.push({ name: c.name, batch, diff, spread: Math.max(...expected) - Math.min(...expected) });
      expect(Number.isFinite(diff)).toBe(true);
      expect(diff, `${c.name}, batch ${batch}`).toBeLessThanOrEqual(TOL);
      // Not vacuous: the outputs vary (a graph stuck at a constant would agree with anything constant).
      if (batch > 1) expect(Math.max(...expected) - Math.min(...expected), `${c.name}: output spread`).toBeGreaterThan(1e-3);
    }
  } finally {
    tfModel.dispose();
    await predictor.release();
  }
}

// Outside CI, cases that need runtime/layers are skipped (saying why) until those layers exist; in CI they fail.
const skipCustom = custom.layers === null && process.env.CI !== 'true';

describe('ONNX parity with tfjs, per op', () => {
  for (const c of OP_CASES) it.skipIf(c.custom && skipCustom)(c.name + (c.custom && skipCustom ? ` (skipped: ${custom.reason})` : ''), () => checkParity(c));
});

describe('ONNX parity with tfjs, whole models', () => {
  for (const c of MODEL_CASES) it.skipIf(c.custom && skipCustom)(c.name + (c.custom && skipCustom ? ` (skipped: ${custom.reason})` : ''), () => checkParity(c));
});

describe('ONNX graph has a dynamic batch', () => {
  it('declares batch as a dim_param and bakes no batch size into any Reshape', async () => {
    const { onnx } = await import('../compiler/emit/onnx/graph.ts');
    for (const c of [...OP_CASES, ...MODEL_CASES]) {
      const m = onnx.ModelProto.decode(emitOnnx(c.build(), randomWeights(c.build(), 1)));
      for (const v of [...m.graph!.input!, ...m.graph!.output!]) expect(v.type!.tensorType!.shape!.dim![0]!.dimParam, `${c.name}: ${v.name}`).toBe('batch');
      const inits = new Map(m.graph!.initializer!.map((t) => [t.name, t]));
      for (const n of m.graph!.node!.filter((n) => n.opType === 'Reshape')) {
        const shape = inits.get(n.input![1]!)!;
        const first = Buffer.from(shape.rawData!).readBigInt64LE(0);
        expect(first, `${c.name}: ${n.name}`).toBe(0n);
      }
    }
  });
});

afterAll(() => {
  if (!measured.length) return;
  const byCase = new Map<string, { diff: number; spread: number }>();
  for (const m of measured) {
    const prev = byCase.get(m.name) ?? { diff: 0, spread: 0 };
    byCase.set(m.name, { diff: Math.max(prev.diff, m.diff), spread: Math.max(prev.spread, m.spread) });
  }
  const lines = [...byCase].map(([name, r]) => `  ${r.diff.toExponential(2)}  (output range ${r.spread.toFixed(3)})  ${name}`);
  console.log(`max |tfjs − ONNX Runtime| over batches ${BATCHES.join(', ')}:\n${lines.join('\n')}`);
});
