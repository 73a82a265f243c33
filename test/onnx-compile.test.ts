/**
 * End to end through the real compiler: the spam example's `.mmf` files → IR → ONNX (random weights) agrees
 * with the tfjs model built from the same IR, at batch sizes 1, 3 and 8, and passes the ONNX checker.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../compiler/index.ts';
import { emitOnnx, randomWeights, writeOnnx } from '../compiler/emit/onnx/index.ts';
import { OnnxPredictor } from '../runtime/onnx.ts';
import { buildTfjsModel } from './helpers/tfjs-model.ts';
import { loadRuntimeLayers } from './helpers/runtime-layers.ts';

await tf.setBackend('cpu');
const custom = await loadRuntimeLayers();
const root = fileURLToPath(new URL('..', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mmf-onnx-compile-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const probe = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' });
const hasChecker = probe.status === 0;
const inCI = process.env.CI === 'true';

const FILES = ['subject', 'body', 'headers', 'spam'].map((f) => path.join(root, 'examples', 'spam', `${f}.mmf`));

describe('examples/spam through compile() → ONNX', () => {
  for (const file of FILES) {
    const exists = fs.existsSync(file);
    const models = exists ? compile(fs.readFileSync(file, 'utf8')).models : [];
    const usesCustom = models.some((m) => m.nodes.some((n) => n.op === 'mha' || n.op === 'weighted_sum'));
    const skip = !exists || (usesCustom && custom.layers === null && !inCI);
    const why = !exists ? ' (skipped: file missing)' : skip ? ` (skipped: ${custom.reason})` : '';
    it.skipIf(skip)(`${path.basename(file)}: tfjs and ONNX Runtime agree at batch 1, 3, 8${why}`, async () => {
      expect(models.length).toBeGreaterThan(0);
      for (const model of models) {
        const weights = randomWeights(model, 13);
        const bytes = emitOnnx(model, weights);
        const p = await OnnxPredictor.load(bytes);
        const tfm = buildTfjsModel(model, tf, weights, custom.layers ?? {});
        for (const batch of [1, 3, 8]) {
          const feeds = Object.fromEntries(
            model.inputs.map((i, k) => {
              const shape = [batch, ...i.out.shape.slice(1).map(Number)];
              const n = shape.reduce((a, b) => a * b, 1);
              const vocab = 'vocab' in i.plan ? i.plan.vocab : 1;
              const data =
                i.out.dtype === 'int32'
                  ? Int32Array.from({ length: n }, (_, j) => (j * 7919 + k * 31 + batch) % vocab)
                  : Float32Array.from({ length: n }, (_, j) => Math.sin(j * 1.3 + k + batch) * 2);
              return [i.name, { data, shape }];
            }),
          );
          const xs = model.inputs.map((i) => tf.tensor(feeds[i.name]!.data, feeds[i.name]!.shape, i.out.dtype));
          const y = tfm.predict(xs) as tf.Tensor;
          const want = y.dataSync();
          const got = await p.predict(feeds);
          expect(got.length).toBe(want.length);
          let diff = 0;
          for (let k = 0; k < got.length; k++) diff = Math.max(diff, Math.abs(got[k]! - want[k]!));
          expect(diff, `${model.name} batch ${batch}`).toBeLessThanOrEqual(1e-4);
          tf.dispose([...xs, y]);
        }
        tfm.dispose();
        await p.release();
        if (hasChecker) {
          const f = path.join(tmp, `${model.name}.onnx`);
          writeOnnx(f, bytes);
          const r = spawnSync('/usr/bin/python3', ['-c', 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', f], { encoding: 'utf8' });
          expect(r.stderr, `${model.name}: onnx.checker`).toBe('');
          expect(r.status).toBe(0);
        } else if (inCI) throw new Error('CI=true and /usr/bin/python3 cannot import onnx');
      }
    });
  }
});
