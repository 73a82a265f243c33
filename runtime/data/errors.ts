/**
 * The one error type the data pipeline throws for bad data or a spec that does not fit
 * the data. Its message is meant to be printed as is (no stack trace needed): it names
 * the file, the line or row, the column, what is wrong, and how to fix it.
 */
export class DataError extends Error {
  override readonly name = 'DataError';
  /** The data file, as the spec names it (or the resolved path when it cannot be found). */
  readonly file?: string;
  /** Where in the file: `line 7`, `row 3 (line 4)`, `element 2`. */
  readonly where?: string;
  /** The column concerned, if any. */
  readonly column?: string;
  /** What to do about it. */
  readonly hint: string;
  /** The problem alone, without location and hint. */
  readonly problem: string;

  constructor(opts: { file?: string; where?: string; column?: string; problem: string; hint: string; cause?: unknown }) {
    super(formatDataError(opts), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.file = opts.file;
    this.where = opts.where;
    this.column = opts.column;
    this.hint = opts.hint;
    this.problem = opts.problem;
  }
}

/** `file, line 7, column "age": problem. Fix: hint` — parts that are unknown are left out. */
function formatDataError(o: { file?: string; where?: string; column?: string; problem: string; hint: string }): string {
  const loc = [o.file, o.where, o.column === undefined ? undefined : `column "${o.column}"`].filter((x) => x !== undefined);
  return `${loc.length > 0 ? loc.join(', ') + ': ' : ''}${o.problem}. Fix: ${o.hint}`;
}

/** A short, printable rendering of a cell value for messages (quoted, at most 40 characters). */
export function show(value: unknown): string {
  let s: string;
  if (typeof value === 'string') s = JSON.stringify(value);
  else if (value === undefined) s = 'undefined';
  else {
    try {
      s = JSON.stringify(value) ?? String(value);
    } catch {
      s = String(value);
    }
  }
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/** The candidate closest to `name` (case-insensitive match or edit distance ≤ 2), for "did you mean". */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase(), bestD);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/** Levenshtein distance, stopping early once it exceeds `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      rowMin = Math.min(rowMin, cur[j]);
    }
    if (rowMin >= limit) return limit;
    prev = cur;
  }
  return prev[b.length];
}
