/**
 * Prints the README's results table from the metrics.json files that `npm run example:av-digits:all` writes
 * (out/av-image, out/av-audio, out/av-early, out/av-late, out/av-attention, out/av-tensor).
 * Usage: npx tsx examples/av-digits/results.ts
 */
import { existsSync, readFileSync } from 'node:fs';

/** [output folder, .mmf file, what the model sees and how it fuses]. */
export const RUNS = [
  ['out/av-image', 'image.mmf', 'image only'],
  ['out/av-audio', 'audio.mmf', 'audio only'],
  ['out/av-early', 'early.mmf', 'early fusion: log-mel on the image grid as a second channel, one CNN'],
  ['out/av-late', 'late.mmf', 'late fusion: soft vote of the image-only and audio-only models'],
  ['out/av-attention', 'attention.mmf', 'attention fusion: cross-modal attention both ways'],
  ['out/av-tensor', 'tensor.mmf', 'tensor fusion: outer product of the two encodings'],
] as const;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** What the table reads from a model's metrics.json (mmfc train) or an ensemble's (its `seconds` and `members`). */
interface Metrics {
  test: { accuracy: number; samples: number; macro?: { f1: number }; logLoss?: number | null };
  parameters?: number;
  epochsRun?: number;
  bestEpoch?: number;
  timings?: { total: number };
  seconds?: number;
  members?: { model: string; test: { accuracy: number } }[];
}

/** One Markdown table row per run; a run without metrics.json says so. */
export function table(): string {
  const rows: string[] = [
    '| file | inputs and fusion | parameters | test accuracy | macro F1 | log loss | epochs | time |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [dir, file, what] of RUNS) {
    const f = `${dir}/metrics.json`;
    if (!existsSync(f)) {
      rows.push(`| ${file} | ${what} | not trained yet (${f} missing) | | | | | |`);
      continue;
    }
    const m = JSON.parse(readFileSync(f, 'utf8')) as Metrics;
    const t = m.test;
    const members = m.members ? ` (its members alone: ${m.members.map((x) => `${x.model} ${pct(x.test.accuracy)}`).join(', ')})` : '';
    const seconds = m.timings?.total ?? m.seconds;
    rows.push(
      `| ${file} | ${what}${members} | ${m.parameters?.toLocaleString('en-US') ?? '–'} | ${pct(t.accuracy)} | ${t.macro ? pct(t.macro.f1) : '–'} | ${t.logLoss?.toFixed(3) ?? '–'} | ${m.epochsRun !== undefined ? `${m.epochsRun} (best ${m.bestEpoch})` : '–'} | ${seconds !== undefined ? `${seconds.toFixed(0)} s` : '–'} |`,
    );
  }
  return rows.join('\n');
}

console.log(table());
