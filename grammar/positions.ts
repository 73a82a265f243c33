/**
 * Offset → LSP position mapping.
 *
 * LSP positions are 0-based lines and 0-based UTF-16 code-unit columns. JavaScript string offsets are
 * already UTF-16 code units, so only line breaks need work. Line terminators are `\n`, `\r\n` and `\r`,
 * as in the LSP specification (U+2028 and U+2029 are not line breaks).
 */
import type { Position, Range } from './diagnostic.ts';

/** Maps string offsets of one text to LSP positions in O(log lines). */
export class LineMap {
  /** Offset of the first character of each line; `lineStarts[0]` is 0. */
  private readonly lineStarts: number[];
  /** The length of the text this map was built for. */
  readonly length: number;
  /** The line of the last lookup: lookups mostly move forward, so it is checked first. */
  private hint = 0;

  /** Build the map for `text` (one pass over the text). */
  constructor(text: string) {
    const starts = [0];
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 /* \n */) starts.push(i + 1);
      else if (c === 13 /* \r */) {
        if (i + 1 < n && text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.lineStarts = starts;
    this.length = n;
  }

  /** The position of `offset` (clamped to the text). */
  position(offset: number): Position {
    if (!(offset > 0)) return { line: 0, character: 0 }; // also catches NaN
    if (offset > this.length) offset = this.length;
    const starts = this.lineStarts;
    const h = this.hint;
    if (starts[h] <= offset && (h + 1 === starts.length || offset < starts[h + 1])) return { line: h, character: offset - starts[h] };
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    this.hint = lo;
    return { line: lo, character: offset - starts[lo] };
  }

  /** The range covering offsets [start, end). */
  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }

  /** A zero-width range at the end of the text. */
  endRange(): Range {
    const p = this.position(this.length);
    return { start: p, end: { ...p } };
  }
}
