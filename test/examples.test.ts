/**
 * Every example (`examples/<app>/*.mmf`) checks without errors and builds to both targets: the tfjs program
 * (model builder and, for trainable models, the training program) and an ONNX graph with random weights.
 * The shape-only examples (no data ships with them: emotion, avsr, driving, ecg) check with no diagnostics at all.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import { emitOnnx, randomWeights } from '../compiler/emit/onnx/index.ts';
import { emitTfjs } from '../compiler/emit/tfjs/program.ts';
import { emitEnsembleTfjs } from '../compiler/emit/tfjs/ensemble.ts';

const ROOT = join(import.meta.dirname, '..', 'examples');
const files = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(ROOT, d.name)).filter((f) => f.endsWith('.mmf')).map((f) => join(d.name, f)));
const SHAPE_ONLY = ['emotion/emotion.mmf', 'avsr/avsr.mmf', 'driving/driving.mmf', 'ecg/ecg.mmf'];
/** Files other examples import (`import "common.mmf"`): shared declarations, which need not declare a model. */
const IMPORTED = new Set(
  files.flatMap((f) => [...readFileSync(join(ROOT, f), 'utf8').matchAll(/^import\s+"([^"]+)"/gm)].map((m) => join(dirname(f), m[1]!))),
);

describe('examples', () => {
  it('include the shape-only applications', () => {
    expect(files).toEqual(expect.arrayContaining(SHAPE_ONLY));
  });
  for (const f of files)
    it(`${f} checks and builds to tfjs and ONNX`, async () => {
      const path = join(ROOT, f);
      const text = readFileSync(path, 'utf8');
      const r = compile(text, { fileName: path });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      if (SHAPE_ONLY.includes(f)) expect(r.diagnostics).toEqual([]);
      // a file may only combine imported models into ensembles (late fusion by voting, say)
      if (!IMPORTED.has(f)) expect(r.models.length + r.ensembles.length).toBeGreaterThan(0);
      const tfjs = await emitTfjs(r.models, { sourceName: f, sourceText: text, version: 'test' });
      for (const m of r.models) expect(tfjs.map((x) => x.path)).toContain(`${m.name}.model.ts`);
      for (const m of r.models) expect(emitOnnx(m, randomWeights(m, 0)).length).toBeGreaterThan(1000);
      for (const e of r.ensembles) {
        const files = await emitEnsembleTfjs(e, { sourceName: f, sourceText: text, version: 'test' });
        expect(files.map((x) => x.path)).toEqual(expect.arrayContaining([`${e.name}.ensemble.ts`, ...e.models.map((m) => `${m.name}.model.ts`)]));
        for (const m of e.models) expect(emitOnnx(m, randomWeights(m, 0)).length).toBeGreaterThan(1000);
      }
    }, 60_000);
});
