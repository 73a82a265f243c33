/**
 * Source positions and diagnostics shared by every stage.
 *
 * Positions follow the Language Server Protocol: 0-based line, 0-based UTF-16
 * character offset; a range's end is exclusive.
 */

/** A 0-based LSP position. */
export interface Position {
  line: number;
  character: number;
}

/** A half-open source range [start, end). */
export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'info';

/** Extra location that helps explain a diagnostic (for example, where the other shape came from). */
export interface RelatedInfo {
  message: string;
  range: Range;
  /** The file the range is in, when it is not the diagnostic's own file (a declaration in an imported file). */
  file?: string;
}

/**
 * A problem found in a `.mmf` file. Stages return diagnostics as values; they never throw for bad input.
 *
 * `code` is stable across releases (`MMF` + 4 digits; see docs/diagnostics.md).
 * `hint` says how to fix it, in the user's terms.
 */
export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  range: Range;
  hint?: string;
  related?: RelatedInfo[];
}

/** A range covering nothing at the start of a file: for problems that have no better location. */
export const FILE_START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** The smallest range covering both `a` and `b`. */
export function spanRanges(a: Range, b: Range): Range {
  const before = (p: Position, q: Position) => p.line < q.line || (p.line === q.line && p.character <= q.character);
  return { start: before(a.start, b.start) ? a.start : b.start, end: before(a.end, b.end) ? b.end : a.end };
}

/** Build a diagnostic; `hint` is optional but every user-facing error should carry one. */
export function diagnostic(
  code: string,
  severity: Severity,
  message: string,
  range: Range,
  hint?: string,
  related?: RelatedInfo[],
): Diagnostic {
  const d: Diagnostic = { code, severity, message, range };
  if (hint !== undefined) d.hint = hint;
  if (related && related.length) d.related = related;
  return d;
}
