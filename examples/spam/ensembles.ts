/**
 * Trains every ensemble of examples/spam/ensembles.mmf with `mmfc train --model NAME` into out/spam-ensembles/NAME
 * (each also exported as one ONNX graph and checked against tfjs), then prints the table published in
 * examples/spam/README.md and docs/ensembles.md: each ensemble, its members and the best single model on the test
 * split. Usage: npx tsx examples/spam/ensembles.ts [--table-only] [other mmfc train options, e.g. --resume]
 * Takes about half an hour on 2 busy cores (a few epochs per member, early stopping).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';

const FILE = 'examples/spam/ensembles.mmf';
const ENSEMBLES = ['SoftVote', 'HardVote', 'BodyBag', 'HeaderBoost', 'Stack'];
const OUT = 'out/spam-ensembles';
const args = process.argv.slice(2);
const tableOnly = args.includes('--table-only');
const pass = args.filter((a) => a !== '--table-only');

if (!tableOnly) {
  for (const e of ENSEMBLES) {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['bin/mmfc.mjs', 'train', FILE, '--model', e, '--out', `${OUT}/${e}`, ...pass], { stdio: 'inherit' });
    if (r.status !== 0) {
      process.stderr.write(`ensembles.ts: training ${e} failed (exit ${r.status}); rerun with --resume to continue\n`);
      process.exit(r.status ?? 1);
    }
    process.stdout.write(`${e}: ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  }
}

interface Scored { id: string; model: string; test: { accuracy: number; f1: number; rocAuc: number | null } }
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const auc = (x: number | null) => (x === null || x === undefined ? '–' : x.toFixed(3));
const lines: string[] = [];
lines.push('| ensemble | kind | members (test accuracy) | accuracy | F1 | ROC-AUC | best single member | ensemble − best single |');
lines.push('|---|---|---|---:|---:|---:|---|---:|');
const singles = new Map<string, Scored>();
for (const e of ENSEMBLES) {
  const f = `${OUT}/${e}/metrics.json`;
  if (!existsSync(f)) {
    lines.push(`| ${e} | | not trained yet (${f} missing) | | | | | |`);
    continue;
  }
  const m = JSON.parse(readFileSync(f, 'utf8'));
  const members = (m.members as Scored[]).map((s) => `${s.id === 'base' ? 'base (all rows)' : s.id.replace(/^member-\d+-/, '')} ${pct(s.test.accuracy)}`).join(', ');
  const kind = m.kind === 'boosting' ? `boosting (SAMME, ${m.boosting.rounds.length} rounds kept)` : m.kind;
  const best = m.bestSingle;
  lines.push(`| ${e} | ${kind} | ${members} | ${pct(m.test.accuracy)} | ${pct(m.test.f1)} | ${auc(m.test.rocAuc)} | ${best.model} (${best.id}) ${pct(best.accuracy)} | ${((m.test.accuracy - best.accuracy) * 100).toFixed(1)} pp |`);
  for (const s of m.members as Scored[]) if (/^member-/.test(s.id) || s.id === 'base') {
    const prev = singles.get(s.model);
    if (!prev || s.test.accuracy > prev.test.accuracy) singles.set(s.model, s);
  }
}
const best = [...singles.values()].sort((a, b) => b.test.accuracy - a.test.accuracy)[0];
if (best) lines.push(`\nBest single model across the runs: ${best.model}, ${pct(best.test.accuracy)} accuracy, F1 ${pct(best.test.f1)}, ROC-AUC ${auc(best.test.rocAuc)}.`);
const table = lines.join('\n');
mkdirSync(OUT, { recursive: true });
writeFileSync(`${OUT}/table.md`, table + '\n');
console.log('\n' + table);
