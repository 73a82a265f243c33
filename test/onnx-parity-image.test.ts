/**
 * Image ops through both backends: tfjs (cpu backend) vs ONNX Runtime (CPU) on the same random weights and
 * inputs, at batch sizes 1, 3 and 8 from one graph, max |difference| ≤ 1e-4 (DESIGN.md, "Backends"). Images are
 * NHWC in the IR and in tfjs; the ONNX graph transposes to NCHW around Conv / MaxPool / AveragePool and must
 * agree exactly on TensorFlow's `same` padding (odd padding at the end, SAME_UPPER; explicit pads when dilated).
 *
 * Also: every image graph passes onnx.checker full_check (Debian python3-onnx; strict shape inference against
 * the value_info we declare, so our conv/pool output sizes are checked against ONNX's), and a model written in
 * `.mmf` goes through compile() to the same agreement.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../compiler/index.ts';
import { emitOnnx, randomWeights, writeOnnx } from '../compiler/emit/onnx/index.ts';
import { onnx } from '../compiler/emit/onnx/graph.ts';
import { IMAGE_MODEL_CASES, IMAGE_OP_CASES } from './helpers/onnx-image-cases.ts';
import { checkParity, parityReport, type ParityMeasure } from './helpers/parity.ts';

await tf.setBackend('cpu');

const measured: ParityMeasure[] = [];

describe('ONNX parity with tfjs, image ops', () => {
  for (const c of IMAGE_OP_CASES) it(c.name, () => checkParity(c, tf, measured));
});

describe('ONNX parity with tfjs, image models', () => {
  for (const c of IMAGE_MODEL_CASES) it(c.name, () => checkParity(c, tf, measured));
});

const MMF = `dataset d from jsonl("d.jsonl")
input photo: image(height 15, width 12, channels 3, normalize none) from d.photo
label kind: classes(4) from d.kind
encoder vision = photo -> conv2d(6, [3, 2], relu, strides 2, padding same) -> max_pool2d(2, padding same) -> conv2d(8, 3, activation tanh, padding same, dilation 2) -> avg_pool2d([2, 1])
encoder flat = vision -> flatten
model A = vision -> global_max_pool -> classifier(kind, hidden [8])
model B = flat -> classifier(kind)
`;

describe('image models written in .mmf, through compile()', () => {
  const r = compile(MMF, { skipDataFiles: true });
  it('check without diagnostics', () => expect(r.diagnostics).toEqual([]));
  for (const name of ['A', 'B'])
    it(`model ${name} agrees with tfjs`, async () => {
      const model = r.models.find((m) => m.name === name)!;
      expect(model).toBeDefined();
      await checkParity({ name: `.mmf model ${name}`, build: () => model }, tf, measured);
    });
  it('NHWC in, channels-first only inside the graph: Conv/pool inputs are transposed, global pooling reduces axes 1, 2', () => {
    const model = r.models.find((m) => m.name === 'A')!;
    const g = onnx.ModelProto.decode(emitOnnx(model, randomWeights(model, 1))).graph!;
    const input = g.input!.find((i) => i.name === 'photo')!;
    expect(input.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 15, 12, 3]);
    const byOut = new Map(g.node!.flatMap((n) => n.output!.map((o) => [o, n] as const)));
    for (const n of g.node!.filter((n) => ['Conv', 'MaxPool', 'AveragePool'].includes(n.opType!))) {
      const t = byOut.get(n.input![0]!)!;
      expect(t.opType, n.name!).toBe('Transpose');
      expect(t.attribute![0]!.ints!.map(Number)).toEqual([0, 3, 1, 2]);
    }
    const reduce = g.node!.find((n) => n.opType === 'ReduceMax')!;
    expect(reduce.attribute!.find((a) => a.name === 'axes')!.ints!.map(Number)).toEqual([1, 2]);
    const dilated = g.node!.filter((n) => n.opType === 'Conv')[1]!;
    expect(dilated.attribute!.find((a) => a.name === 'auto_pad')).toBeUndefined();
    // 4×3 input (15×12 after conv s2 same → 8×6, pool 2 same → 4×3), k3, d2: span 5, total pad 4 on both axes → 2 before, 2 after.
    expect(dilated.attribute!.find((a) => a.name === 'pads')!.ints!.map(Number)).toEqual([2, 2, 2, 2]);
  });
});

// --- onnx.checker (as test/onnx-checker.test.ts; skipped outside CI when python3-onnx is missing) ---
const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' });
const hasOnnx = probe.status === 0;
const skipChecker = !hasOnnx && process.env.CI !== 'true';
const CHECK_SCRIPT = `
import json, sys, onnx
for f in sys.argv[1:]:
    try:
        onnx.checker.check_model(onnx.load(f), full_check=True)
        print(json.dumps({"file": f, "ok": True}))
    except Exception as e:
        print(json.dumps({"file": f, "ok": False, "error": f"{type(e).__name__}: {e}"}))
`;

describe(`image graphs pass onnx.checker.check_model(full_check=True)${skipChecker ? ' (skipped: /usr/bin/python3 cannot import onnx)' : ''}`, () => {
  it.skipIf(skipChecker)('every image case', () => {
    expect(hasOnnx, 'CI=true and python3-onnx is missing').toBe(true);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmf-onnx-image-'));
    try {
      const cases = [...IMAGE_OP_CASES, ...IMAGE_MODEL_CASES];
      const files = cases.map((c, i) => {
        const m = c.build();
        const f = path.join(dir, `case${i}.onnx`);
        writeOnnx(f, emitOnnx(m, randomWeights(m, 3)));
        return f;
      });
      const run = spawnSync(PYTHON, ['-c', CHECK_SCRIPT, ...files], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const failures = run.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { file: string; ok: boolean; error?: string })
        .filter((r) => !r.ok)
        .map((r) => `${cases[files.indexOf(r.file)]!.name}: ${r.error}`);
      expect(failures).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

afterAll(() => {
  if (measured.length) console.log(parityReport(measured));
});
