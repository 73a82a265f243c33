/**
 * A voting ensemble's member is trained exactly like the same model trained alone (`mmfc train FILE --model M`,
 * i.e. runTraining): same rows, same seed, same initial weights and dropout masks, same class weights. On a tiny
 * 3-class table (90 rows, written by the test) with two models on different inputs, both with dropout, different
 * seeds, one with `class_weights balanced` and early stopping, each member's saved weights equal the stand-alone
 * run's within 1e-6, and so do its test accuracy and its test probabilities.
 *
 * Regressions this guards against: runtime/io's atomic writes drew their temporary names from `Math.random`, which
 * training replaces by the seeded generator of initial weights and dropout masks, so the stand-alone run (which
 * writes log.jsonl every epoch) and the member (which does not) drew different dropout masks from the same seed;
 * and `class_weights balanced` was ignored for ensemble members. Also: the ensemble's data spec carries every
 * member's joined datasets (it had only the first member's, so a later member's joined input failed to load).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compile, type IREnsemble, type IRModel } from '../compiler/index.ts';
import { ensembleDataSpec } from '../compiler/emit/tfjs/ensemble.ts';
import { runtimeSpecs } from '../compiler/emit/tfjs/program.ts';
import { getTf, initBackend, loadData, loadModel, predictSplit, runEnsembleTraining, runTraining, type DataSpec, type EnsembleSpec, type HeadSpec, type TrainSpec } from '../runtime/index.ts';
import { buildTfjsModel } from './helpers/tfjs-model.ts';

const SOURCE = `dataset d from jsonl("rows.jsonl") {
  split(train 0.6, val 0.2, test 0.2, seed 5)
}
input left:  tabular(normalize zscore) from d[a, b]
input right: tabular(normalize zscore) from d[c, e]
label y: classes("k0", "k1", "k2") from d.y

model L = left -> mlp([8]) -> classifier(y, hidden [8], dropout 0.3)
train L { optimizer adam(lr 1e-2) epochs 6 batch 8 seed 7 class_weights balanced early_stop(val_loss, patience 2) }
model R = right -> mlp([8]) -> classifier(y, hidden [8], dropout 0.3)
train R { optimizer adam(lr 1e-2) epochs 6 batch 8 seed 9 }
ensemble V = voting([L, R], soft)
`;

let dir: string;
let models: IRModel[];
let ensemble: IREnsemble;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mmf-voting-parity-'));
  // deterministic rows, unbalanced classes (k0 half of them) so that balanced class weights differ from 1
  let s = 5;
  const r = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows: string[] = [];
  for (let i = 0; i < 90; i++) {
    const c = i % 4 === 3 ? 2 : i % 4 === 2 ? 1 : 0;
    rows.push(JSON.stringify({ a: +(c + r() * 1.5).toFixed(4), b: +(r() - c * 0.5).toFixed(4), c: +(r() * 2 + c).toFixed(4), e: +r().toFixed(4), y: `k${c}` }));
  }
  writeFileSync(path.join(dir, 'rows.jsonl'), rows.join('\n') + '\n');
  const c = compile(SOURCE, { fileName: path.join(dir, 'v.mmf') });
  expect(c.diagnostics).toEqual([]);
  models = c.models;
  ensemble = c.ensembles[0]!;
  await initBackend({ quiet: true });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const specsOf = (m: IRModel) => {
  const { data, train, head } = runtimeSpecs(m);
  return { data: data as DataSpec, train: train as TrainSpec, head: head as HeadSpec };
};

describe('voting member = stand-alone model', () => {
  it('gives every member the stand-alone run’s weights, test accuracy and test probabilities (within 1e-6)', async () => {
    const tf = getTf();
    expect(models.map((m) => m.name)).toEqual(['L', 'R']);
    expect(specsOf(models[0]!).train.balancedClassWeights).toBe(true);

    // each model alone, as `mmfc train v.mmf --model M` runs it (log.jsonl written every epoch)
    const alone = [];
    for (const m of models) {
      const { data, train, head } = specsOf(m);
      const res = await runTraining({ modelName: m.name, build: () => buildTfjsModel(m, tf), data, train, head, baseDir: dir, outDir: path.join(dir, 'alone', m.name), quiet: true });
      alone.push(res);
    }

    const spec: EnsembleSpec = {
      name: ensemble.name,
      kind: 'voting',
      data: ensembleDataSpec(ensemble) as EnsembleSpec['data'],
      members: ensemble.models.map((m) => {
        const { train, head } = specsOf(m);
        return { name: m.name, build: () => buildTfjsModel(m, tf), train, head };
      }),
      voting: ensemble.voting!,
    };
    const ens = await runEnsembleTraining({ spec, baseDir: dir, outDir: path.join(dir, 'V'), quiet: true });
    expect(ens.members.map((s) => s.id)).toEqual(['member-0-L', 'member-1-R']);
    const testSplit = (await loadData(spec.data, dir)).splits.test;
    expect(testSplit.size).toBe(ens.test.samples);

    for (let i = 0; i < models.length; i++) {
      const a = alone[i]!;
      expect(ens.members[i]!.test.samples).toBe(a.test.samples);
      expect(ens.members[i]!.test.accuracy).toBeCloseTo(a.test.accuracy, 12);

      const member = await loadModel(path.join(dir, 'V', 'members', ens.members[i]!.id));
      const mw = member.getWeights().map((w) => Array.from(w.dataSync()));
      const aw = a.model.getWeights().map((w) => Array.from(w.dataSync()));
      expect(mw.map((w) => w.length)).toEqual(aw.map((w) => w.length));
      let maxDiff = 0;
      for (let t = 0; t < aw.length; t++) for (let j = 0; j < aw[t]!.length; j++) maxDiff = Math.max(maxDiff, Math.abs(mw[t]![j]! - aw[t]![j]!));
      expect(maxDiff).toBeLessThanOrEqual(1e-6);

      // the member's test probabilities, from its saved model on the ensemble's test rows, equal the stand-alone
      // run's test-predictions.json row for row (same keys in the same order)
      const saved = JSON.parse(readFileSync(a.files.testPredictions, 'utf8')) as { keys: string[]; probabilities: number[][] };
      expect(saved.keys).toEqual(testSplit.keys);
      const p = await predictSplit(member, testSplit);
      expect(p.length).toBe(saved.probabilities.length * 3);
      let maxP = 0;
      saved.probabilities.forEach((row, r) => row.forEach((v, c) => (maxP = Math.max(maxP, Math.abs(v - p[r * 3 + c]!)))));
      expect(maxP).toBeLessThanOrEqual(1e-6);
      member.dispose();
      a.model.dispose();
    }
  }, 120_000);

  it('loads the joined datasets of every member, not only of the first (ensembleDataSpec)', () => {
    const src = `dataset m from jsonl("main.jsonl") { key id  split(train 0.6, val 0.2, test 0.2, seed 5) }
dataset x from jsonl("extra.jsonl") { key id }
input left:  tabular from m[a, b]
input right: tabular from x[c, d]
label y: classes("k0", "k1", "k2") from m.y
model L = left -> classifier(y)
model R = right -> classifier(y)
ensemble V1 = voting([L, R], soft)
ensemble V2 = voting([R, L], soft)
`;
    writeFileSync(path.join(dir, 'main.jsonl'), '{"id":"r1","a":1,"b":2,"y":"k0"}\n{"id":"r2","a":2,"b":1,"y":"k1"}\n');
    writeFileSync(path.join(dir, 'extra.jsonl'), '{"id":"r1","c":1,"d":2}\n');
    const c = compile(src, { fileName: path.join(dir, 'j.mmf') });
    expect(c.diagnostics).toEqual([]);
    for (const e of c.ensembles) {
      const data = ensembleDataSpec(e)!;
      expect(data.dataset.name).toBe('m');
      expect((data.joins ?? []).map((j) => [j.name, j.idColumn])).toEqual([['x', 'id']]);
      expect(data.inputs.map((i) => i.name).sort()).toEqual(['left', 'right']);
    }
  });
});
