/**
 * `kill -9` and `mmfc train --resume`, for real: a `mmfc train` process group (mmfc and its training child) is
 * killed with SIGKILL once the first epoch checkpoint exists; `--resume` then finishes the run, and its metrics,
 * history and test predictions equal those of an uninterrupted run with the same seed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_FILE, loadCheckpoint } from '../runtime/train/checkpoint.ts';

const ROOT = join(import.meta.dirname, '..');
const MMFC = join(ROOT, 'bin', 'mmfc.mjs');
const EPOCHS = 8;

/** 1,200 rows: label from a word, a number and a category, with some noise (deterministic). */
function writeData(file: string): void {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'eps', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu'];
  let s = 12345;
  const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const lines: string[] = [];
  for (let i = 0; i < 1200; i++) {
    const text = Array.from({ length: 3 + Math.floor(r() * 5) }, () => words[Math.floor(r() * words.length)]).join(' ');
    const a = Math.round(r() * 1000) / 100;
    const b = r() < 0.05 ? null : Math.round(r() * 100) / 10;
    const kind = ['x', 'y', 'z', 'w'][Math.floor(r() * 4)];
    const score = (text.includes('alpha') ? 1 : 0) + (a > 5 ? 1 : 0) + (kind === 'z' ? 1 : 0) + (r() < 0.1 ? 1 : 0);
    lines.push(JSON.stringify({ id: `r${i}`, text, a, b, kind, y: score >= 2 ? 1 : 0 }));
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

const work = mkdtempSync(join(tmpdir(), 'mmf-kill-'));
const mmf = join(work, 'tiny.mmf');
const read = (dir: string, f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
const strip = (h: { seconds: number; numTensors: number }[]) => h.map(({ seconds: _s, numTensors: _n, ...r }) => r);

function train(out: string, ...extra: string[]) {
  return spawnSync(process.execPath, [MMFC, 'train', mmf, '--out', out, ...extra], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
}

describe('kill -9 during mmfc train, then --resume', () => {
  const killedOut = join(work, 'killed');
  const ckDir = join(work, '.killed.checkpoint');
  const fullOut = join(work, 'full');
  let killedAfter = 0;
  let resumed: ReturnType<typeof train>;
  let full: ReturnType<typeof train>;

  beforeAll(async () => {
    copyFileSync(join(ROOT, 'test/fixtures/resume/tiny.mmf'), mmf);
    writeData(join(work, 'data.jsonl'));
    // detached: mmfc leads a process group, so one kill reaches it and its training child at once.
    const p = spawn(process.execPath, [MMFC, 'train', mmf, '--out', killedOut], { cwd: ROOT, detached: true, stdio: 'ignore' });
    const ck = join(ckDir, CHECKPOINT_FILE);
    await new Promise<void>((ok, fail) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        if (existsSync(ck)) {
          clearInterval(poll);
          process.kill(-p.pid!, 'SIGKILL');
          ok();
        } else if (Date.now() - t0 > 180_000) {
          clearInterval(poll);
          process.kill(-p.pid!, 'SIGKILL');
          fail(new Error('no checkpoint within 180 s'));
        }
      }, 5);
    });
    await new Promise((ok) => (p.exitCode !== null || p.signalCode !== null ? ok(null) : p.on('exit', ok)));
    killedAfter = (await loadCheckpoint(ckDir))!.epochsDone;
    resumed = train(killedOut, '--resume');
    full = train(fullOut);
  }, 600_000);

  it('the kill left no output folder and a checkpoint of an unfinished run', () => {
    expect(killedAfter).toBeGreaterThanOrEqual(1);
    expect(killedAfter).toBeLessThan(EPOCHS);
  });

  it('--resume continues after the checkpointed epoch and publishes the model', () => {
    expect(resumed.stderr).not.toMatch(/error|failed/i);
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toContain(`resumed from ${ckDir}: ${killedAfter} of ${EPOCHS} epoch(s) done`);
    // Only the epochs after the checkpoint ran in the resumed process.
    const ran = [...resumed.stdout.matchAll(/^epoch (\d+)\/8 {2}loss/gm)].map((m) => Number(m[1]));
    expect(ran[0]).toBe(killedAfter + 1);
    expect(existsSync(ckDir)).toBe(false); // removed once published
    expect(readdirSync(work).filter((f) => f.includes('.partial-'))).toEqual([]);
    for (const f of ['model.json', 'weights.bin', 'metrics.json', 'log.jsonl', 'report.html', 'curves.svg', 'confusion.svg', 'Tiny.onnx']) expect(existsSync(join(killedOut, f))).toBe(true);
  });

  it('ends with the metrics, history and predictions of an uninterrupted run with the same seed', () => {
    expect(full.status).toBe(0);
    const a = read(fullOut, 'metrics.json');
    const b = read(killedOut, 'metrics.json');
    expect(b.epochsRun).toBe(a.epochsRun);
    expect(b.bestEpoch).toBe(a.bestEpoch);
    expect(strip(b.history)).toEqual(strip(a.history));
    expect(b.history.map((h: { lr: number }) => h.lr)).toEqual([0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.0025, 0.0025]);
    for (const k of ['accuracy', 'precision', 'recall', 'f1', 'rocAuc', 'logLoss']) expect(Math.abs(b.test[k] - a.test[k])).toBeLessThanOrEqual(1e-9);
    expect(b.test.confusionMatrix).toEqual(a.test.confusionMatrix);
    const pa = read(fullOut, 'test-predictions.json').probabilities as number[];
    const pb = read(killedOut, 'test-predictions.json').probabilities as number[];
    expect(pb.length).toBe(pa.length);
    expect(Math.max(...pa.map((v, i) => Math.abs(v - pb[i]!)))).toBeLessThanOrEqual(1e-6);
    // The log of the resumed run holds every epoch, the killed ones included.
    const log = readFileSync(join(killedOut, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(strip(log)).toEqual(strip(a.history));
  });

  it('a run without --resume discards a leftover checkpoint and says so', () => {
    const out = join(work, 'again');
    const ck = join(work, '.again.checkpoint');
    mkdirSync(ck, { recursive: true });
    writeFileSync(join(ck, CHECKPOINT_FILE), 'not a checkpoint');
    const r = train(out, '--epochs', '1');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`discarding the checkpoint of an unfinished run in ${ck}`);
    expect(existsSync(ck)).toBe(false);
  });
});
