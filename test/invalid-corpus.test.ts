/**
 * The invalid-program corpus: every `test/invalid/*.mmf` is one small program with one kind of mistake, named for
 * it. Its first line states the diagnostics the compiler must report, in order, as
 * `// expect: CODE L:C-L:C, CODE L:C-L:C` — 1-based lines and columns as `mmfc check` prints them (the LSP range
 * plus one on both ends; the end column is exclusive, so `3:5-3:9` covers 4 characters). The comment line itself
 * is line 1. Data paths resolve against test/invalid/ (data.csv holds the columns the programs name); files under
 * test/invalid/lib/ are imported by the import cases and are not corpus entries themselves.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import type { Diagnostic } from '../grammar/diagnostic.ts';

const DIR = join(import.meta.dirname, 'invalid');
const files = readdirSync(DIR).filter((f) => f.endsWith('.mmf')).sort();

/** `MMF2002 6:12-6:30` for a diagnostic (1-based). */
export function describeDiagnostic(d: Diagnostic): string {
  const { start, end } = d.range;
  return `${d.code} ${start.line + 1}:${start.character + 1}-${end.line + 1}:${end.character + 1}`;
}

function expected(text: string): string[] {
  const m = /^\/\/ expect: (.*)$/m.exec(text.split('\n')[0] ?? '');
  if (!m) throw new Error('the first line must be // expect: CODE L:C-L:C, …');
  return m[1]!.split(',').map((s) => s.trim()).filter(Boolean);
}

describe('invalid-program corpus', () => {
  it('has at least 60 programs', () => {
    expect(files.length).toBeGreaterThanOrEqual(60);
  });
  for (const f of files)
    it(f, () => {
      const path = join(DIR, f);
      const text = readFileSync(path, 'utf8');
      const r = compile(text, { fileName: path });
      expect(r.diagnostics.map(describeDiagnostic)).toEqual(expected(text));
      expect(r.diagnostics.every((d) => d.message && d.hint)).toBe(true);
    });
});
