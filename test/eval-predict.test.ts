/**
 * `mmfc eval` and `mmfc predict` on a model trained once on a tiny slice of the spam example (as train-e2e does):
 * eval reproduces metrics.json, predict matches predictTfjs, and the ONNX runtime agrees with tfjs within 1e-4.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepare } from '../examples/spam/prepare.ts';
import { predictTfjs } from '../runtime/train/predict.ts';

const ROOT = join(import.meta.dirname, '..');
const MMFC = join(ROOT, 'bin', 'mmfc.mjs');

function mmfc(args: string[]) {
  const r = spawnSync(process.execPath, [MMFC, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('mmfc eval and mmfc predict (spam example, tiny slice)', () => {
  const work = mkdtempSync(join(tmpdir(), 'mmf-evalpred-'));
  const mmf = join(work, 'spam.mmf');
  const out = join(work, 'out');
  const five = join(work, 'five.jsonl');

  beforeAll(() => {
    copyFileSync(join(ROOT, 'examples/spam/spam.mmf'), mmf);
    prepare({ outPath: join(work, 'data/spam.jsonl') });
    const r = mmfc(['train', mmf, '--out', out, '--epochs', '1', '--max-rows', '160']);
    expect(r.err).not.toMatch(/Error|failed/);
    expect(r.code).toBe(0);
    // Five rows without their label column: predict needs only the inputs.
    const rows = readFileSync(join(work, 'data/spam.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, 5).map((l) => JSON.parse(l));
    writeFileSync(five, rows.map(({ is_spam: _label, ...rest }) => JSON.stringify(rest)).join('\n') + '\n');
  }, 120_000);

  it('eval --json on the test split gives the accuracy of metrics.json', () => {
    const r = mmfc(['eval', mmf, '--model', out, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const got = JSON.parse(r.out);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(got.split).toBe('test');
    expect(got.rows).toBe(160);
    expect(got.accuracy).toBe(metrics.test.accuracy);
    expect(got.rocAuc).toBe(metrics.test.rocAuc);
    expect(got.confusionMatrix).toEqual(metrics.test.confusionMatrix);
    expect(got.perClass).toHaveLength(2);
    for (const k of ['precision', 'recall', 'f1']) expect(got.perClass[1][k]).toBe(metrics.test.perClass[1][k]);
  });

  it('eval prints accuracy, per-class scores, the confusion matrix and ROC-AUC', () => {
    const r = mmfc(['eval', mmf, '--model', out]);
    expect(r.code).toBe(0);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(r.out).toContain(`accuracy ${(100 * metrics.test.accuracy).toFixed(2)}%`);
    expect(r.out).toContain(`ROC-AUC ${metrics.test.rocAuc.toFixed(4)}`);
    expect(r.out).toMatch(/class\s+precision\s+recall\s+F1\s+support/);
    expect(r.out).toContain('confusion matrix (rows: true class, columns: predicted class)');
    const v = mmfc(['eval', mmf, '--model', out, '--split', 'val', '--json']);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.out).split).toBe('val');
  });

  it('predict on 5 JSONL rows prints 5 lines with the probabilities of predictTfjs', async () => {
    const r = mmfc(['predict', mmf, '--model', out, '--input', five]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    const rows = readFileSync(five, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const want = await predictTfjs(out, rows);
    lines.forEach((l, i) => {
      expect(Object.keys(l)).toEqual(['key', 'probabilities', 'prediction', 'class']);
      expect(l.key).toBe(want.keys[i]);
      expect(l.probabilities[1]).toBe(want.probabilities[i]);
      expect(l.probabilities[0]).toBeCloseTo(1 - want.probabilities[i]!, 12);
      expect(l.prediction).toBe(want.predictions[i]);
      expect(l.class).toBe(want.classes[want.predictions[i]!]);
    });
  });

  it('--runtime onnx agrees with tfjs within 1e-4 on the same rows, and --out writes the same lines', () => {
    const t = mmfc(['predict', mmf, '--model', out, '--input', five]);
    const o = mmfc(['predict', mmf, '--model', out, '--input', five, '--runtime', 'onnx']);
    expect(o.code).toBe(0);
    const a = t.out.trim().split('\n').map((l) => JSON.parse(l));
    const b = o.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(b).toHaveLength(5);
    let maxDiff = 0;
    a.forEach((row, i) => {
      expect(b[i].key).toBe(row.key);
      expect(b[i].prediction).toBe(row.prediction);
      row.probabilities.forEach((p: number, c: number) => (maxDiff = Math.max(maxDiff, Math.abs(p - b[i].probabilities[c]))));
    });
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    const file = join(work, 'preds', 'p.jsonl');
    const w = mmfc(['predict', mmf, '--model', out, '--input', five, '--runtime', 'onnx', '--out', file]);
    expect(w.code).toBe(0);
    expect(w.out).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(o.out);
  });

  it('errors are one line with exit 1, usage errors exit 2', () => {
    const missing = mmfc(['eval', mmf, '--model', join(work, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(`mmfc: --model ${join(work, 'nope')}: no such folder\n`);

    const empty = join(work, 'empty');
    mkdirSync(empty);
    const notModel = mmfc(['predict', mmf, '--model', empty, '--input', five]);
    expect(notModel.code).toBe(1);
    expect(notModel.err).toBe(`mmfc: --model ${empty} is not a trained model folder (it has no preprocess.json; mmfc train writes one)\n`);

    const other = join(work, 'other.mmf');
    writeFileSync(other, readFileSync(mmf, 'utf8').replaceAll('SpamNet', 'OtherNet'));
    const wrong = mmfc(['eval', other, '--model', out]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toBe(`mmfc: ${other} has no model named 'SpamNet', the model in ${out} (it has: OtherNet)\n`);

    const noInput = mmfc(['predict', mmf, '--model', out, '--input', join(work, 'none.jsonl')]);
    expect(noInput.code).toBe(1);
    expect(noInput.err).toBe(`mmfc: --input ${join(work, 'none.jsonl')}: no such file\n`);

    const split = mmfc(['eval', mmf, '--model', out, '--split', 'dev']);
    expect(split.code).toBe(2);
    expect(split.err).toBe(`mmfc: --split must be test, val or train, not 'dev'\n`);
    const rt = mmfc(['predict', mmf, '--model', out, '--input', five, '--runtime', 'torch']);
    expect(rt.code).toBe(2);
    expect(rt.err).toBe(`mmfc: --runtime must be tfjs or onnx, not 'torch'\n`);
    const ext = mmfc(['predict', mmf, '--model', out, '--input', join(work, 'x.txt')]);
    expect(ext.code).toBe(2);
    expect(ext.err).toBe(`mmfc: --input ${join(work, 'x.txt')}: give a .jsonl, .json or .csv file\n`);
    expect(mmfc(['eval', mmf]).code).toBe(2);
    expect(mmfc(['predict', mmf, '--model', out]).code).toBe(2);
    for (const r of [missing, notModel, wrong, noInput]) expect(r.err).not.toMatch(/\n\s+at /);
  });
});
