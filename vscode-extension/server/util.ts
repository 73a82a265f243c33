/** Small helpers over LSP positions and ranges (0-based lines, UTF-16 columns, end exclusive). */
import type { Position, Range } from '../../grammar/diagnostic.ts';

/** Negative when `a` comes before `b`, zero when equal, positive after. */
export function comparePositions(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

/** True when `p` lies in `r`, both ends included (a cursor right after a name still "touches" it). */
export function touches(r: Range, p: Position): boolean {
  return comparePositions(r.start, p) <= 0 && comparePositions(p, r.end) <= 0;
}

/** True when `inner` lies within `outer`. */
export function rangeWithin(inner: Range, outer: Range): boolean {
  return comparePositions(outer.start, inner.start) <= 0 && comparePositions(inner.end, outer.end) <= 0;
}

/** True when the two ranges share at least one position. */
export function rangesOverlap(a: Range, b: Range): boolean {
  return comparePositions(a.start, b.end) <= 0 && comparePositions(b.start, a.end) <= 0;
}

/** A stable string key for a range, for de-duplication. */
export function rangeKey(r: Range): string {
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

/** A stable string key for a position. */
export function positionKey(p: Position): string {
  return `${p.line}:${p.character}`;
}

/** The number of UTF-16 columns a range spans when it is on one line; Infinity otherwise. */
export function rangeWidth(r: Range): number {
  return r.start.line === r.end.line ? r.end.character - r.start.character : Infinity;
}

/** `1234567` → `1,234,567`. */
export function thousands(n: number): string {
  return n.toLocaleString('en-US');
}

/** A FLOP count in words: `4.34 M`, `512`. */
export function humanCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toPrecision(3)} G`;
  if (n >= 1e6) return `${(n / 1e6).toPrecision(3)} M`;
  if (n >= 1e4) return `${(n / 1e3).toPrecision(3)} k`;
  return String(n);
}

/** The names a declaration may take: an identifier. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The UTF-16 offset of an LSP position in `text` (clamped to the line and the text). */
export function offsetAt(text: string, p: { line: number; character: number }): number {
  let line = 0;
  let i = 0;
  while (line < p.line) {
    const n = text.indexOf('\n', i);
    const r = text.indexOf('\r', i);
    if (n < 0 && r < 0) return text.length;
    const next = r >= 0 && (n < 0 || r < n) ? (text[r + 1] === '\n' ? r + 2 : r + 1) : n + 1;
    i = next;
    line++;
  }
  let end = i;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
  return Math.min(i + Math.max(0, p.character), end);
}
