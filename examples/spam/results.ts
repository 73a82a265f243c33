/**
 * Prints the README's results table from the metrics.json files that `npm run example:spam:all` writes
 * (out/spam, out/spam-subject, out/spam-body, out/spam-headers). Usage: npx tsx examples/spam/results.ts
 */
import { existsSync, readFileSync } from 'node:fs';

const RUNS = [
  ['out/spam', 'spam.mmf', 'subject + body + headers, attention fusion'],
  ['out/spam-subject', 'subject.mmf', 'subject only'],
  ['out/spam-body', 'body.mmf', 'body only'],
  ['out/spam-headers', 'headers.mmf', 'header numbers only'],
] as const;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const rows: string[] = [];
for (const [dir, file, what] of RUNS) {
  const f = `${dir}/metrics.json`;
  if (!existsSync(f)) {
    rows.push(`| ${file} | ${what} | not trained yet (${f} missing) | | | | | | |`);
    continue;
  }
  const m = JSON.parse(readFileSync(f, 'utf8'));
  const t = m.test;
  rows.push(
    `| ${file} | ${what} | ${m.parameters.toLocaleString('en-US')} | ${pct(t.accuracy)} | ${pct(t.precision)} | ${pct(t.recall)} | ${pct(t.f1)} | ${t.rocAuc?.toFixed(3) ?? '–'} | ${m.epochsRun} (best ${m.bestEpoch}) | ${m.timings.total.toFixed(0)} s |`,
  );
}
console.log('| file | inputs | parameters | accuracy | precision | recall | F1 | ROC-AUC | epochs | time |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(r);
