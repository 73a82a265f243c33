/**
 * Shared by examples/<name>/ensembles.ts: train each ensemble of a .mmf file with `mmfc train --model NAME` into
 * OUT/NAME (each also exported as one ONNX graph and checked against tfjs), then print (and write to OUT/table.md)
 * a Markdown table: each ensemble, its kind, its members' and its own test metrics, and the best single member.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

interface Scored {
  id: string;
  model: string;
  test: { kind?: 'binary' | 'multiclass'; accuracy: number; f1: number; rocAuc?: number | null; macro?: { f1: number } };
}

/**
 * @param args extra `mmfc train` options (`--resume`, `--max-rows N`); `--table-only` skips training
 * @returns the table
 */
export function trainAndTabulate(file: string, ensembles: string[], out: string, args: string[]): string {
  const tableOnly = args.includes('--table-only');
  const pass = args.filter((a) => a !== '--table-only');
  if (!tableOnly) {
    for (const e of ensembles) {
      const t0 = Date.now();
      const r = spawnSync(process.execPath, ['bin/mmfc.mjs', 'train', file, '--model', e, '--out', `${out}/${e}`, ...pass], { stdio: 'inherit' });
      if (r.status !== 0) {
        process.stderr.write(`training ${e} failed (exit ${r.status}); rerun with --resume to continue\n`);
        process.exit(r.status ?? 1);
      }
      process.stdout.write(`${e}: ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    }
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const auc = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));
  // binary: F1 of the positive class; more classes: macro F1
  const f1 = (t: Scored['test']) => pct(t.kind === 'binary' ? t.f1 : (t.macro?.f1 ?? t.f1));
  const lines: string[] = [];
  lines.push('| ensemble | kind | members (test accuracy) | accuracy | F1 | ROC-AUC | best single member | ensemble − best single | train time |');
  lines.push('|---|---|---|---:|---:|---:|---|---:|---:|');
  const singles = new Map<string, Scored>();
  for (const e of ensembles) {
    const f = `${out}/${e}/metrics.json`;
    if (!existsSync(f)) {
      lines.push(`| ${e} | | not trained yet (${f} missing) | | | | | | |`);
      continue;
    }
    const m = JSON.parse(readFileSync(f, 'utf8'));
    const members = (m.members as Scored[]).map((s) => `${s.id === 'base' ? 'base (all rows)' : s.id.replace(/^member-\d+-/, '')} ${pct(s.test.accuracy)}`).join(', ');
    const kind = m.kind === 'boosting' ? `boosting (SAMME, ${m.boosting.rounds.length} rounds kept)` : m.kind;
    const best = m.bestSingle;
    lines.push(
      `| ${e} | ${kind} | ${members} | ${pct(m.test.accuracy)} | ${f1(m.test)} | ${auc(m.test.rocAuc)} | ${best.model} (${best.id}) ${pct(best.accuracy)} | ${((m.test.accuracy - best.accuracy) * 100).toFixed(1)} pp | ${m.seconds.toFixed(0)} s |`,
    );
    for (const s of m.members as Scored[])
      if (/^member-/.test(s.id) || s.id === 'base') {
        const prev = singles.get(s.model);
        if (!prev || s.test.accuracy > prev.test.accuracy) singles.set(s.model, s);
      }
  }
  const best = [...singles.values()].sort((a, b) => b.test.accuracy - a.test.accuracy)[0];
  if (best) lines.push(`\nBest single model in these runs: ${best.model}, ${pct(best.test.accuracy)} accuracy, F1 ${f1(best.test)}, ROC-AUC ${auc(best.test.rocAuc)}.`);
  const table = lines.join('\n');
  mkdirSync(out, { recursive: true });
  writeFileSync(`${out}/table.md`, table + '\n');
  return table;
}
