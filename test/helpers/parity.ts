/**
 * The tfjs-vs-ONNX Runtime parity check of test/onnx-parity.test.ts as a reusable helper (for the image tests
 * and any later parity file): build the IR model in tfjs from `tfjsLayer(node)` and in ONNX Runtime from
 * `emitOnnx`, feed both the same seeded inputs at several batch sizes from one graph, and compare outputs.
 */
import { expect } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import type { IRModel } from '../../compiler/ir.ts';
import { emitOnnx, randomWeights } from '../../compiler/emit/onnx/index.ts';
import { OnnxPredictor } from '../../runtime/onnx.ts';
import { buildTfjsModel, type CustomLayerClass } from './tfjs-model.ts';
import type { OnnxCase } from './onnx-cases.ts';

export interface ParityInput {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

/**
 * Seeded inputs (an LCG): token ids uniform in [0, vocab) (2 for plans without a vocabulary), floats — tabular
 * features and image pixels alike, [batch, …] in the input's NHWC layout — uniform in (−floatRange, floatRange).
 */
export function makeInputs(model: IRModel, batch: number, seed: number, floatRange = 2): ParityInput[] {
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
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

/** One measurement: the largest |tfjs − ORT| and the spread of the tfjs outputs at one batch size. */
export interface ParityMeasure {
  name: string;
  batch: number;
  diff: number;
  spread: number;
}

/**
 * Check one case at each of `batches` (default 1, 3, 8) with random weights (seed 7): same output size,
 * max |difference| ≤ `tol` (default 1e-4), and a non-constant output at batch > 1. Pushes one measurement per
 * batch to `measured`. `model` overrides `c.build()` (e.g. a model from `compile()`).
 */
export async function checkParity(
  c: OnnxCase,
  tf: typeof tfjs,
  measured: ParityMeasure[],
  opts: { custom?: Record<string, CustomLayerClass>; batches?: number[]; tol?: number; model?: IRModel } = {},
): Promise<void> {
  const tol = opts.tol ?? 1e-4;
  const model = opts.model ?? c.build();
  const weights = randomWeights(model, 7);
  const predictor = await OnnxPredictor.load(emitOnnx(model, weights));
  const tfModel = buildTfjsModel(model, tf, weights, opts.custom ?? {});
  try {
    expect(predictor.outputNames).toEqual([model.head.label.name]);
    expect([...predictor.inputNames].sort()).toEqual(model.inputs.map((i) => i.name).sort());
    for (const batch of opts.batches ?? [1, 3, 8]) {
      const inputs = makeInputs(model, batch, 1000 + batch, c.floatRange);
      const tfIn = inputs.map((i) => tf.tensor(i.data, i.shape, i.data instanceof Int32Array ? 'int32' : 'float32'));
      const tfOut = tfModel.predict(tfIn) as tfjs.Tensor;
      const expected = tfOut.dataSync() as Float32Array;
      const expectedShape = tfOut.shape;
      tf.dispose([...tfIn, tfOut]);
      const got = await predictor.predict(Object.fromEntries(inputs.map((i) => [i.name, { data: i.data, shape: i.shape }])));
      expect(got.length, `${c.name}, batch ${batch}: output size (tfjs shape [${expectedShape.join(', ')}])`).toBe(expected.length);
      let diff = 0;
      for (let k = 0; k < got.length; k++) diff = Math.max(diff, Math.abs(got[k]! - expected[k]!));
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of expected) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      measured.push({ name: c.name, batch, diff, spread: hi - lo });
      expect(Number.isFinite(diff)).toBe(true);
      expect(diff, `${c.name}, batch ${batch}`).toBeLessThanOrEqual(tol);
      // Not vacuous: the outputs vary (a graph stuck at a constant would agree with anything constant).
      if (batch > 1) expect(hi - lo, `${c.name}: output spread`).toBeGreaterThan(1e-3);
    }
  } finally {
    tfModel.dispose();
    await predictor.release();
  }
}

/** `max |tfjs − ONNX Runtime|` per case, the largest over its batches, one line each. */
export function parityReport(measured: ParityMeasure[]): string {
  const byCase = new Map<string, { diff: number; spread: number; batches: number[] }>();
  for (const m of measured) {
    const prev = byCase.get(m.name) ?? { diff: 0, spread: 0, batches: [] };
    byCase.set(m.name, { diff: Math.max(prev.diff, m.diff), spread: Math.max(prev.spread, m.spread), batches: [...prev.batches, m.batch] });
  }
  const batches = [...new Set(measured.map((m) => m.batch))].join(', ');
  const lines = [...byCase].map(([name, r]) => `  ${r.diff.toExponential(2)}  (output range ${r.spread.toFixed(3)})  ${name}`);
  return `max |tfjs − ONNX Runtime| over batches ${batches}:\n${lines.join('\n')}`;
}
