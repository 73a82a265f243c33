/**
 * Ensembles trained end to end on a small 3-class table (180 rows, written by the test): every kind through
 * runEnsembleTraining, the saved files and metrics, ONE ONNX graph per ensemble agreeing with the tfjs ensemble
 * within 1e-4 on ONNX Runtime, a member whose label lists the classes in another order (aligned by name), SAMME
 * weights as recorded, and resuming an interrupted run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compile, type IREnsemble } from '../compiler/index.ts';
import { emitEnsembleOnnx, type OnnxEnsembleDescription } from '../compiler/emit/onnx/ensemble.ts';
import { readTfjsWeights } from '../compiler/emit/onnx/index.ts';
import { ensembleDataSpec } from '../compiler/emit/tfjs/ensemble.ts';
import { runtimeSpecs } from '../compiler/emit/tfjs/program.ts';
import { ensembleOnnxParity, getTf, initBackend, runEnsembleTraining, sammeAlpha, type EnsembleResult, type EnsembleSpec } from '../runtime/index.ts';
import { ENSEMBLE_STATE_FILE } from '../runtime/ensemble/index.ts';
import { buildTfjsModel } from './helpers/tfjs-model.ts';

const NAMES = ['cat', 'dog', 'eel'];
let dir: string;
let ensembles: IREnsemble[];

const SOURCE = `dataset d from jsonl("pets.jsonl") {
  split(by split)
}
input x: tabular from d[a, b]
label y: classes("cat", "dog", "eel") from d.y
label y2: classes("eel", "cat", "dog") from d.y
model A = x -> dense(8, activation relu) -> classifier(y)
model B = x -> classifier(y2)
train A { epochs 8 batch 16 optimizer adam(lr 0.03) seed 1 }
train B { epochs 8 batch 16 optimizer adam(lr 0.03) seed 2 }
ensemble Soft = voting([A, B], soft, weights [2, 1])
ensemble Hard = voting([A, B, A])
ensemble Bag = bagging(A, members 3, fraction 0.8, seed 1)
ensemble Boost = boosting(B, rounds 3, lr 0.5)
ensemble Stack = stacking([A, B], meta logistic, folds 3, passthrough [x])
ensemble StackMlp = stacking([B, A], meta mlp(hidden [8]), folds 2)
`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mmf-ensemble-'));
  // deterministic rows: class c has a ≈ c + U(0, 1.6), b ≈ U(0, 2) + [c = dog]
  let s = 7;
  const r = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows: string[] = [];
  for (let i = 0; i < 180; i++) {
    const c = i % 3;
    rows.push(JSON.stringify({ id: `r${i}`, a: +(c + r() * 1.6).toFixed(3), b: +(r() * 2 + (c === 1 ? 1 : 0)).toFixed(3), y: NAMES[c], split: i < 120 ? 'train' : i < 150 ? 'val' : 'test' }));
  }
  writeFileSync(path.join(dir, 'pets.jsonl'), rows.join('\n') + '\n');
  writeFileSync(path.join(dir, 'pets.mmf'), SOURCE);
  const c = compile(SOURCE, { fileName: path.join(dir, 'pets.mmf') });
  expect(c.diagnostics).toEqual([]);
  ensembles = c.ensembles;
  await initBackend({ quiet: true });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The runtime spec of an ensemble, built from its IR as the generated program does (members via the test harness). */
function specOf(e: IREnsemble): EnsembleSpec {
  const tf = getTf();
  return {
    name: e.name,
    kind: e.kind,
    data: ensembleDataSpec(e) as EnsembleSpec['data'],
    members: e.models.map((m) => {
      const { train, head } = runtimeSpecs(m);
      return { name: m.name, build: () => buildTfjsModel(m, tf), train: train as EnsembleSpec['members'][number]['train'], head: head as EnsembleSpec['members'][number]['head'] };
    }),
    ...(e.voting ? { voting: e.voting } : {}),
    ...(e.bagging ? { bagging: e.bagging } : {}),
    ...(e.boosting ? { boosting: e.boosting } : {}),
    ...(e.stacking ? { stacking: { ...e.stacking, passthrough: e.stacking.passthrough.map((p) => p.name) } } : {}),
  };
}

const results = new Map<string, EnsembleResult>();
async function trained(name: string): Promise<EnsembleResult> {
  if (!results.has(name)) {
    const e = ensembles.find((x) => x.name === name)!;
    results.set(name, await runEnsembleTraining({ spec: specOf(e), baseDir: dir, outDir: path.join(dir, 'out', name), quiet: true }));
  }
  return results.get(name)!;
}

/** Export the trained ensemble as one ONNX graph and compare it with the saved tfjs test probabilities. */
async function onnxAgreement(name: string) {
  const e = ensembles.find((x) => x.name === name)!;
  const out = path.join(dir, 'out', name);
  const desc = JSON.parse(readFileSync(path.join(out, 'ensemble.json'), 'utf8')) as OnnxEnsembleDescription;
  const bytes = emitEnsembleOnnx(
    desc,
    desc.units.map((u) => {
      const model = e.models.find((m) => m.name === u.model)!;
      return { model, weights: readTfjsWeights(path.join(out, 'members', u.id), model) };
    }),
  );
  const file = path.join(out, `${name}.onnx`);
  writeFileSync(file, bytes);
  const cwd = process.cwd();
  return { desc, parity: await ensembleOnnxParity(out, file).finally(() => process.chdir(cwd)) };
}

describe.each(['Soft', 'Hard', 'Bag', 'Boost', 'Stack', 'StackMlp'])('%s', (name) => {
  it('trains, scores every member and the ensemble, and exports one ONNX graph agreeing with tfjs within 1e-4', { timeout: 240_000 }, async () => {
    const r = await trained(name);
    const out = path.join(dir, 'out', name);
    const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8'));
    const saved = JSON.parse(readFileSync(path.join(out, 'test-predictions.json'), 'utf8'));
    // the ensemble's class order is its first member's (B's label lists eel, cat, dog)
    expect(saved.classes).toEqual(name === 'Boost' || name === 'StackMlp' ? ['eel', 'cat', 'dog'] : NAMES);
    expect(saved.keys).toHaveLength(30);
    // the ensemble's test accuracy is that of its saved decisions
    const acc = saved.predictions.filter((p: number, i: number) => p === saved.labels[i]).length / 30;
    expect(metrics.test.accuracy).toBeCloseTo(acc, 12);
    expect(r.test.accuracy).toBeCloseTo(acc, 12);
    // rows of probabilities sum to 1 (hard voting: vote shares)
    for (const p of saved.probabilities) expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 6);
    const expectedMembers = { Soft: 2, Hard: 3, Bag: 4, Boost: 4, Stack: 2, StackMlp: 2 }[name]!;
    if (name !== 'Boost') expect(metrics.members).toHaveLength(expectedMembers);
    expect(metrics.bestSingle.accuracy).toBe(Math.max(...metrics.members.map((m: { test: { accuracy: number } }) => m.test.accuracy)));
    // the data is easy: every trained model beats chance by far
    for (const m of metrics.members) expect(m.test.accuracy).toBeGreaterThan(0.8);
    expect(metrics.test.accuracy).toBeGreaterThan(0.8);

    const { desc, parity } = await onnxAgreement(name);
    expect(parity.rows).toBe(30);
    expect(parity.maxAbsDiff).toBeLessThan(1e-4);
    expect(parity.sameClass).toBe(30);
    expect(desc.units.length).toBe(name === 'Boost' ? r.boosting!.rounds.length : expectedMembers - (name === 'Bag' ? 1 : 0));
  });
});

describe('semantics on the trained ensembles', () => {
  it('a member whose label lists the classes in another order is aligned by name', { timeout: 120_000 }, async () => {
    await trained('Soft');
    const desc = JSON.parse(readFileSync(path.join(dir, 'out', 'Soft', 'ensemble.json'), 'utf8'));
    expect(desc.units.map((u: { id: string; classes: string[] }) => [u.id, u.classes])).toEqual([
      ['member-0-A', ['cat', 'dog', 'eel']],
      ['member-1-B', ['eel', 'cat', 'dog']],
    ]);
    // B alone, scored against the ensemble's labels after alignment: as good as A (misaligned it would be near 0)
    const b = results.get('Soft')!.members.find((m) => m.id === 'member-1-B')!;
    expect(b.test.accuracy).toBeGreaterThan(0.8);
  });

  it('boosting records SAMME weights α = lr·(log((1 − err)/err) + log(K − 1)) per round', { timeout: 120_000 }, async () => {
    const r = await trained('Boost');
    expect(r.boosting!.rounds.length).toBeGreaterThan(0);
    for (const round of r.boosting!.rounds) expect(round.alpha).toBeCloseTo(sammeAlpha(round.err, 3, 0.5), 12);
    const desc = r.description;
    expect(desc.units.map((u) => u.alpha)).toEqual(r.boosting!.rounds.map((x) => x.alpha));
  });

  it('an interrupted stacking run resumes where it stopped and ends as the uninterrupted one', { timeout: 240_000 }, async () => {
    const first = await trained('Stack');
    const out = path.join(dir, 'out', 'Stack');
    const firstPreds = JSON.parse(readFileSync(path.join(out, 'test-predictions.json'), 'utf8'));
    // as if killed during member B: its last fold and its refit are not done
    const statePath = path.join(out, ENSEMBLE_STATE_FILE);
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    delete state.units['fold-1-B-2'];
    delete state.units['member-1-B'];
    writeFileSync(statePath, JSON.stringify(state));
    rmSync(path.join(out, 'members', 'member-1-B'), { recursive: true });
    const e = ensembles.find((x) => x.name === 'Stack')!;
    const again = await runEnsembleTraining({ spec: specOf(e), baseDir: dir, outDir: out, quiet: true, resume: true });
    expect(again.resumedUnits).toEqual(['fold-0-A-0', 'fold-0-A-1', 'fold-0-A-2', 'member-0-A', 'fold-1-B-0', 'fold-1-B-1']);
    expect(existsSync(path.join(out, 'members', 'member-1-B', 'model.json'))).toBe(true);
    const preds = JSON.parse(readFileSync(path.join(out, 'test-predictions.json'), 'utf8'));
    expect(preds.predictions).toEqual(firstPreds.predictions);
    const flat = (p: number[][]) => p.flat();
    const d = flat(preds.probabilities).map((v: number, i: number) => Math.abs(v - flat(firstPreds.probabilities)[i]));
    expect(Math.max(...d)).toBeLessThan(1e-6);
    expect(again.test.accuracy).toBe(first.test.accuracy);
    // without resume everything is trained again
    const fresh = await runEnsembleTraining({ spec: specOf(e), baseDir: dir, outDir: out, quiet: true });
    expect(fresh.resumedUnits).toEqual([]);
  });
});
