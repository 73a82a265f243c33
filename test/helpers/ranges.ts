/** Expected source ranges for diagnostic tests, computed from the text itself (0-based LSP positions). */
import type { Range } from '../../grammar/diagnostic.ts';

function position(src: string, offset: number) {
  const before = src.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

/** The range of the n-th occurrence (0-based) of `needle` in `src`. */
export function rangeOf(src: string, needle: string, n = 0): Range {
  let at = -1;
  for (let i = 0; i <= n; i++) {
    at = src.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' #${n} not in source`);
  }
  return { start: position(src, at), end: position(src, at + needle.length) };
}

/** The range of `part` inside the first occurrence of `context` (e.g. the `1` of `dropout(1)`). */
export function within(src: string, context: string, part: string): Range {
  const at = src.indexOf(context);
  if (at < 0) throw new Error(`'${context}' not in source`);
  const off = at + context.indexOf(part);
  return { start: position(src, off), end: position(src, off + part.length) };
}
