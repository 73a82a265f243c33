/** Document formatting over the `.mmf` formatter (grammar/format.ts), as one minimal edit. */
import type { FormattingOptions, TextEdit } from 'vscode-languageserver/node.js';
import { format } from '../../grammar/format.ts';
import { LineMap } from '../../grammar/index.ts';
import type { Analysis } from './analysis.ts';

/**
 * The edit that formats the whole document: the changed middle between the unchanged start and end, so the
 * cursor and undo history stay put. No edit when the file is formatted or has syntax errors (the diagnostics
 * already say where). The layout is mmf's own (2-space indentation), whatever the editor's tab options.
 */
export function formatDocument(a: Analysis, _options: FormattingOptions): TextEdit[] {
  const r = format(a.text);
  if (!r.ok || r.text === a.text) return [];
  const before = a.text;
  const after = r.text;
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  // Do not split a CRLF pair or a surrogate pair.
  while (start > 0 && /[\r\uD800-\uDBFF]/.test(before[start - 1]!)) start--;
  while (end > 0 && /[\n\uDC00-\uDFFF]/.test(before[before.length - end]!) && before.length - end - 1 >= start) end--;
  const lines = new LineMap(before);
  return [{ range: lines.range(start, before.length - end), newText: after.slice(start, after.length - end) }];
}
