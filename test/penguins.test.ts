/**
 * examples/penguins end to end on a few epochs: `mmfc train` on the real Palmer penguins file (npm vega-datasets,
 * read from node_modules) with its missing values, the files it writes (figures and report included), and
 * `mmfc eval` with robustness flags and a report.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const MMFC = join(ROOT, 'bin', 'mmfc.mjs');
const MMF = join(ROOT, 'examples/penguins/penguins.mmf');

const mmfc = (args: string[]) => spawnSync(process.execPath, [MMFC, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

describe('examples/penguins (3 epochs)', () => {
  const work = mkdtempSync(join(tmpdir(), 'mmf-penguins-'));
  const out = join(work, 'out');
  let run: ReturnType<typeof mmfc>;

  beforeAll(() => {
    run = mmfc(['train', MMF, '--out', out, '--epochs', '3']);
  }, 300_000);

  it('trains, reporting the gaps in the data and how they were filled', () => {
    expect(run.stderr).not.toMatch(/error|failed/i);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('dataset penguins: 344 rows');
    expect(run.stdout).toContain('split (random): train 206, val 69, test 69');
    // 2 penguins without measurements (both in train), imputed with the training median.
    expect(run.stdout).toContain('missing or non-finite (train/val/test): Beak Length (mm) 2/0/0, Beak Depth (mm) 2/0/0, Flipper Length (mm) 2/0/0, Body Mass (g) 2/0/0');
    // Sex: null in 10 rows (8 train, 2 test) → unknown id; one '.' in train is not among the 2 kept values → unknown.
    expect(run.stdout).toContain('categorical sex: 3 ids; unknown train 1, val 0, test 0; missing 8/0/2');
    expect(run.stdout).toMatch(/test \(69 rows\): accuracy \d+\.\d\d%/);
  });

  it('writes the model, metrics, a log line per epoch with its lr, the figures and the report', () => {
    for (const f of ['model.json', 'weights.bin', 'preprocess.json', 'metrics.json', 'test-predictions.json', 'log.jsonl', 'curves.svg', 'confusion.svg', 'report.html', 'Penguins.onnx'])
      expect(existsSync(join(out, f)), f).toBe(true);
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(m.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(m.test.samples).toBe(69);
    expect(m.test.accuracy).toBeGreaterThanOrEqual(0.8);
    const log = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((l) => l.epoch)).toEqual([1, 2, 3]);
    // cosine(min_lr 1e-3) from 1e-2 over the 3 epochs of this run: m + (lr0 − m)(1 + cos(π(e − 1)/3))/2.
    const want = [0.01, 0.001 + 0.009 * 0.75, 0.001 + 0.009 * 0.25];
    log.forEach((l, i) => expect(l.lr).toBeCloseTo(want[i]!, 12));
    const curves = readFileSync(join(out, 'curves.svg'), 'utf8');
    expect(curves.match(/<circle class="pt"/g)).toHaveLength(12);
    const confusion = readFileSync(join(out, 'confusion.svg'), 'utf8');
    expect(confusion.match(/<rect class="cell"/g)).toHaveLength(9);
    const cells = [...confusion.matchAll(/data-count="(\d+)"/g)].map((x) => Number(x[1]));
    expect(cells).toEqual(m.test.confusionMatrix.flat());
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('Penguins: training report');
    expect(html.match(/<svg /g)).toHaveLength(2);
  });

  it('mmfc eval --drop/--noise: a table per input and level, deterministic, also in --json, and a report', () => {
    const args = ['eval', MMF, '--model', out, '--drop', 'body', '--drop', 'sex', '--noise', 'body:0.5,2', '--noise', 'island:1', '--json', '--report', join(work, 'r.html')];
    const a = mmfc(args);
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    const ja = JSON.parse(a.stdout);
    const rows = ja.robustness.rows as { input: string | null; kind: string | null; perturbation: string; level: number | null; accuracy: number; deltaAccuracy: number }[];
    expect(rows.map((r) => [r.input, r.kind, r.perturbation, r.level])).toEqual([
      [null, null, 'none', null],
      ['body', 'tabular', 'drop', null],
      ['sex', 'categorical', 'drop', null],
      ['body', 'tabular', 'noise', 0.5],
      ['body', 'tabular', 'noise', 2],
      ['island', 'categorical', 'noise', 1],
    ]);
    expect(rows[0]!.accuracy).toBe(ja.accuracy);
    for (const r of rows) expect(r.deltaAccuracy).toBeCloseTo(r.accuracy - ja.accuracy, 12);
    expect(JSON.parse(mmfc(args).stdout)).toEqual(ja); // seeded: the same numbers again
    const html = readFileSync(join(work, 'r.html'), 'utf8');
    expect(html).toContain('robustness (seed 0)');
    expect(html.match(/<rect class="cell"/g)).toHaveLength(9);
    // Text output: the table, and the report next to the model by default.
    const t = mmfc(['eval', MMF, '--model', out, '--drop', 'island']);
    expect(t.status).toBe(0);
    expect(t.stdout).toMatch(/input\s+kind\s+perturbation\s+level\s+accuracy/);
    expect(t.stdout).toMatch(/\nisland\s+categorical\s+drop\s+-\s+\d+\.\d\d%/);
    expect(t.stdout).toContain(`report: ${join(out, 'eval-test.html')}`);
    expect(existsSync(join(out, 'eval-test.html'))).toBe(true);
  });

  it('eval refuses an input the model does not have, or a token share above 1 (exit 2, one line)', () => {
    const a = mmfc(['eval', MMF, '--model', out, '--drop', 'beak']);
    expect(a.status).toBe(2);
    expect(a.stderr).toBe("mmfc: --drop beak: model Penguins has no input 'beak'; its inputs are body, island, sex\n");
    const b = mmfc(['eval', MMF, '--model', out, '--noise', 'sex:2']);
    expect(b.status).toBe(2);
    expect(b.stderr).toBe('mmfc: --noise sex:2: for a categorical input the level is the share of tokens replaced, from 0 to 1\n');
    const c = mmfc(['eval', MMF, '--model', out, '--noise', 'sex']);
    expect(c.status).toBe(2);
    expect(c.stderr).toContain("--noise takes INPUT:LEVEL (for example body:0.2), got 'sex'");
  });

  it('eval fails (exit 1, one line) when the --report asked for cannot be written', () => {
    writeFileSync(join(work, 'a-file'), 'x');
    const target = join(work, 'a-file', 'r.html');
    const r = mmfc(['eval', MMF, '--model', out, '--report', target]);
    expect(r.status).toBe(1);
    // Checked before the evaluation runs (cli/output-path.ts).
    expect(r.stderr).toBe(`mmfc: --report ${target}: a parent of --report, ${join(work, 'a-file')}, is a file, not a folder; choose another --report or move that file\n`);
  });
});
