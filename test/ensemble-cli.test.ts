/**
 * `mmfc train FILE --model ENSEMBLE` through the CLI: a real SIGINT in the middle of a stacking run, then
 * `--resume` continuing from the finished units; the published folder, its one ONNX graph and the parity line;
 * refusal of an ensemble with errors.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxPredictor } from '../runtime/onnx.ts';

const ROOT = join(import.meta.dirname, '..');
const MMFC = join(ROOT, 'bin', 'mmfc.mjs');
let work: string;

const SOURCE = `dataset d from jsonl("pets.jsonl") {
  split(by split)
}
input x: tabular from d[a, b]
label y: classes("cat", "dog", "eel") from d.y
model A = x -> dense(8, activation relu) -> classifier(y)
model B = x -> classifier(y)
train A { epochs 6 batch 16 optimizer adam(lr 0.03) seed 1 }
train B { epochs 6 batch 16 optimizer adam(lr 0.03) seed 2 }
ensemble Stack = stacking([A, B], folds 3)
`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mmf-ens-cli-'));
  const rows: string[] = [];
  let s = 11;
  const r = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const names = ['cat', 'dog', 'eel'];
  for (let i = 0; i < 150; i++) {
    const c = i % 3;
    rows.push(JSON.stringify({ a: +(c + r() * 1.5).toFixed(3), b: +(r() * 2).toFixed(3), y: names[c], k: names[(c + (r() < 0.3 ? 1 : 0)) % 3], split: i < 90 ? 'train' : i < 120 ? 'val' : 'test' }));
  }
  writeFileSync(join(work, 'pets.jsonl'), rows.join('\n') + '\n');
  writeFileSync(join(work, 'pets.mmf'), SOURCE);
  writeFileSync(join(work, 'broken.mmf'), SOURCE + 'ensemble Broken = voting([A, B], weights [1])\n');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('mmfc train --model ENSEMBLE', () => {
  it('stops on SIGINT keeping the finished units, and --resume continues from them to one checked ONNX graph', async () => {
    const out = join(work, 'out', 'Stack');
    const stage = join(work, 'out', '.Stack.ensemble-partial');
    const p = spawn(process.execPath, [MMFC, 'train', join(work, 'pets.mmf'), '--model', 'Stack', '--out', out], { cwd: ROOT });
    let log = '';
    p.stdout.on('data', (b) => (log += b));
    p.stderr.on('data', (b) => (log += b));
    await new Promise<void>((ok) => {
      const t = setInterval(() => {
        // two epochs into member B's first fold: its checkpoint holds one or two of them (the interrupt may land before the second is written)
        if (/member 2\/2 \(B\) fold 1\/3[\s\S]*epoch 2\/6 +loss/.test(log)) {
          clearInterval(t);
          ok();
        }
      }, 50);
    });
    p.kill('SIGINT');
    const code = await new Promise<number | null>((ok) => p.on('exit', (c) => ok(c)));
    expect(code).toBe(130);
    expect(log).toContain('Stack: interrupted');
    expect(log).toContain('add --resume to the same command to continue');
    expect(existsSync(out)).toBe(false);
    const state = JSON.parse(readFileSync(join(stage, 'ensemble-state.json'), 'utf8'));
    // member A's three folds and its refit were finished before the interrupt
    expect(Object.keys(state.units)).toEqual(expect.arrayContaining(['fold-0-A-0', 'fold-0-A-1', 'fold-0-A-2', 'member-0-A']));

    const again = spawnSync(process.execPath, [MMFC, 'train', join(work, 'pets.mmf'), '--model', 'Stack', '--out', out, '--resume'], { cwd: ROOT, encoding: 'utf8' });
    expect(again.stderr).not.toMatch(/Error|failed/);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/resuming Stack: \d+ unit\(s\) already trained/);
    expect(again.stdout).toContain('member 1/2 (A) fold 1/3: restored out-of-fold predictions');
    expect(again.stdout).toMatch(/member 1\/2 \(A\) refit on all rows: restored from/);
    expect(again.stdout).not.toMatch(/\] member 1\/2 \(A\) fold 1\/3: A on/);
    // the unit that was interrupted continues from its last finished epoch
    expect(again.stdout).toMatch(/resumed from .*fold-1-B-0\.checkpoint: [1-6] of 6 epoch\(s\) done/);
    const m = again.stdout.match(/Stack\.onnx \(2 members and the combiner in one graph\): (\d+) test rows, max \|Δp\| vs tfjs ([\d.e+-]+), same class on (\d+)\/(\d+)/);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBe(30);
    expect(Number(m![2])).toBeLessThanOrEqual(1e-4);
    expect(m![3]).toBe(m![4]);
    expect(readdirSync(out).sort()).toEqual(
      ['Stack.onnx', 'ensemble-state.json', 'ensemble.json', 'members', 'metrics.json', 'preprocess.json', 'src', 'test-predictions.json'].sort(),
    );
    expect(existsSync(stage)).toBe(false);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.resumedUnits).toEqual(expect.arrayContaining(['fold-0-A-0', 'member-0-A', expect.stringMatching(/^fold-1-B-0 \(from epoch [3-7]\)$/)]));
    expect(readdirSync(join(out, 'members')).filter((f) => f.endsWith('.checkpoint'))).toEqual([]);
    // the graph has both members' weights and the combiner, and answers probabilities and a class
    const onnx = await OnnxPredictor.load(join(out, 'Stack.onnx'));
    expect([...onnx.inputNames]).toEqual(['x']);
    expect([...onnx.outputNames]).toEqual(['probabilities', 'class']);
    const probs = await onnx.predict({ x: { data: Float32Array.from([0.1, 0.2, 2.5, 1.0]), shape: [2, 2] } });
    expect(probs.length).toBe(6);
    expect(probs[0]! + probs[1]! + probs[2]!).toBeCloseTo(1, 5);
    await onnx.release();
    expect(readFileSync(join(out, 'src', 'Stack.ensemble.ts'), 'utf8')).toContain("kind: 'stacking'");
  }, 300_000);

  it('mmfc build --model ENSEMBLE: the tfjs program, and the ONNX graph rebuilt from the trained folder', async () => {
    const out = join(work, 'out', 'Stack');
    const tfjsDir = join(work, 'built-tfjs');
    const t = spawnSync(process.execPath, [MMFC, 'build', join(work, 'pets.mmf'), '--model', 'Stack', '--target', 'tfjs', '--out', tfjsDir], { cwd: ROOT, encoding: 'utf8' });
    expect(t.status).toBe(0);
    expect(readdirSync(tfjsDir).filter((f) => f.endsWith('.ts')).sort()).toEqual(['A.model.ts', 'B.model.ts', 'Stack.ensemble.ts']);
    const noWeights = spawnSync(process.execPath, [MMFC, 'build', join(work, 'pets.mmf'), '--model', 'Stack', '--target', 'onnx', '--out', join(work, 'x')], { cwd: ROOT, encoding: 'utf8' });
    expect(noWeights.status).toBe(2);
    expect(noWeights.stderr).toContain('its ONNX graph needs the trained folder');
    const onnxDir = join(work, 'built-onnx');
    const o = spawnSync(process.execPath, [MMFC, 'build', join(work, 'pets.mmf'), '--model', 'Stack', '--target', 'onnx', '--weights', out, '--out', onnxDir], { cwd: ROOT, encoding: 'utf8' });
    expect(o.status).toBe(0);
    const a = await OnnxPredictor.load(join(out, 'Stack.onnx'));
    const b = await OnnxPredictor.load(join(onnxDir, 'Stack.onnx'));
    const feeds = { x: { data: Float32Array.from([0.3, 1.2, 1.7, 0.4, 2.9, 1.9]), shape: [3, 2] } };
    expect(Array.from(await b.predict(feeds))).toEqual(Array.from(await a.predict(feeds)));
    await a.release();
    await b.release();
  }, 120_000);

  it('without --model, a file that only combines imported models trains its ensemble into --out', () => {
    writeFileSync(join(work, 'late.mmf'), 'import "pets.mmf"\nensemble Late = voting([A, B], soft)\n');
    const out = join(work, 'late-out');
    const r = spawnSync(process.execPath, [MMFC, 'train', join(work, 'late.mmf'), '--out', out, '--epochs', '2'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Late\.onnx \(2 members and the combiner in one graph\): 30 test rows/);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({ ensemble: 'Late', kind: 'voting' });
    expect(metrics.members.map((m: { id: string }) => m.id)).toEqual(['member-0-A', 'member-1-B']);
  }, 120_000);

  it('an ensemble of members with a categorical input ([n] in the data, [batch, 1] in the graph) passes its ONNX check', () => {
    writeFileSync(
      join(work, 'kinds.mmf'),
      'import "pets.mmf"\ninput kind: categorical(vocab 5) from d.k\nmodel K = kind -> embedding(4) -> flatten -> classifier(y)\n' +
        'train K { epochs 2 batch 16 seed 3 }\nensemble Mixed = voting([A, K], soft, weights [2, 1])\n',
    );
    const out = join(work, 'mixed-out');
    const r = spawnSync(process.execPath, [MMFC, 'train', join(work, 'kinds.mmf'), '--model', 'Mixed', '--out', out, '--epochs', '2'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).not.toContain('graph expects shape');
    expect(r.status).toBe(0);
    const m = r.stdout.match(/Mixed\.onnx \(2 members and the combiner in one graph\): 30 test rows, max \|Δp\| vs tfjs ([\d.e+-]+), same class on 30\/30/);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(1e-4);
  }, 120_000);

  it('refuses an ensemble with errors before training', () => {
    const r = spawnSync(process.execPath, [MMFC, 'train', join(work, 'broken.mmf'), '--model', 'Broken', '--out', join(work, 'out', 'Broken')], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('MMF5007');
    expect(r.stderr).toContain('ensemble Broken not trained because of the errors above');
    expect(existsSync(join(work, 'out', 'Broken'))).toBe(false);
  });
});
