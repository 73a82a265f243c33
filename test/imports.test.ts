/**
 * `import "other.mmf"` (compiler/imports.ts): visible declarations, data paths relative to the imported file,
 * unreadable files (MMF1013), cycles (MMF1014), names declared in two files (MMF1002 with related info in the
 * other file), errors inside an imported file, and a host that serves unsaved buffers.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import { rangeOf } from './helpers/ranges.ts';

const dir = mkdtempSync(join(tmpdir(), 'mmf-imports-'));
function file(name: string, text: string) {
  mkdirSync(join(dir, name, '..'), { recursive: true });
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}
const COMMON = `dataset d from jsonl("data/rows.jsonl")
input t: text(vocab 100, max_len 10) from d.text
label y: binary from d.y
encoder e = t -> embedding(8) -> gru(8)
`;
file('lib/common.mmf', COMMON);
file('lib/data/rows.jsonl', '{"text": "hi", "y": 1}\n');

/** The range of the last character of `needle` (a one-letter name after its keyword). */
function lastChar(src: string, needle: string) {
  const r = rangeOf(src, needle);
  return { start: { line: r.end.line, character: r.end.character - 1 }, end: r.end };
}

function check(name: string, text: string, readFile?: (p: string) => string | undefined) {
  const path = file(name, text);
  const r = compile(text, { fileName: path, ...(readFile ? { readFile } : {}) });
  return { r, list: r.diagnostics.map((d) => [d.code, d.range] as const) };
}

describe('imports', () => {
  it('makes the imported declarations visible; data paths stay relative to the imported file', () => {
    const { r } = check('main.mmf', `import "lib/common.mmf"\nmodel M = e -> classifier(y)\n`);
    expect(r.diagnostics).toEqual([]);
    expect(r.models.map((m) => m.name)).toEqual(['M']);
    expect(r.models[0]!.dataset!.source.path).toBe(join(dir, 'lib/data/rows.jsonl'));
    expect(r.models[0]!.declFiles).toEqual({ e: join(dir, 'lib/common.mmf') });
  });

  it('imports transitively, and a file imported twice counts once', () => {
    file('lib/more.mmf', `import "common.mmf"\nencoder f = e -> dense(4)\n`);
    const { r } = check('main2.mmf', `import "lib/common.mmf"\nimport "lib/more.mmf"\nmodel M = f -> classifier(y)\n`);
    expect(r.diagnostics).toEqual([]);
    expect(r.models[0]!.nodes.map((n) => n.decl)).toContain('f');
  });

  it('MMF1013: a file that cannot be read, at the string', () => {
    const src = `import "lib/comon.mmf"\n`;
    const { list, r } = check('missing.mmf', src);
    expect(list).toEqual([['MMF1013', rangeOf(src, '"lib/comon.mmf"')]]);
    expect(r.diagnostics[0]!.message).toContain(join(dir, 'lib/comon.mmf'));
  });

  it('MMF1014: an import cycle names the chain', () => {
    file('b.mmf', `import "cycle.mmf"\n`);
    const src = `import "b.mmf"\n`;
    const { list, r } = check('cycle.mmf', src);
    expect(list).toEqual([['MMF1014', rangeOf(src, '"b.mmf"')]]);
    expect(r.diagnostics[0]!.message).toContain('import cycle: cycle.mmf → b.mmf → cycle.mmf');
    const self = `import "self.mmf"\n`;
    const s = check('self.mmf', self);
    expect(s.list).toEqual([['MMF1014', rangeOf(self, '"self.mmf"')]]);
    expect(s.r.diagnostics[0]!.message).toBe('import cycle: self.mmf → self.mmf');
  });

  it('MMF1002: a name declared here and in an imported file, with related info in that file', () => {
    const src = `import "lib/common.mmf"\nencoder e = t -> embedding(3)\n`;
    const { list, r } = check('dupe.mmf', src);
    expect(list).toEqual([['MMF1002', lastChar(src, 'encoder e')]]);
    expect(r.diagnostics[0]!.related).toEqual([
      { message: "'e' declared in lib/common.mmf", range: lastChar(COMMON, 'encoder e'), file: join(dir, 'lib/common.mmf') },
    ]);
  });

  it('MMF1002: a name declared in two imported files, at the second import', () => {
    file('other.mmf', `label y: binary from z.y\ndataset z from jsonl("z.jsonl")\n`);
    const src = `import "lib/common.mmf"\nimport "other.mmf"\n`;
    const { list } = check('two.mmf', src);
    expect(list).toEqual([['MMF1002', rangeOf(src, '"other.mmf"')]]);
  });

  it('relays errors inside an imported file to the import string, the real place as related info', () => {
    file('bad.mmf', `input q: text(vocab 10, max_len 4) from nowhere.col\n`);
    const src = `import "bad.mmf"\n`;
    const { list, r } = check('usesbad.mmf', src);
    expect(list).toEqual([['MMF1001', rangeOf(src, '"bad.mmf"')]]);
    expect(r.diagnostics[0]!.message).toMatch(/^in bad\.mmf:1:41: Unknown name 'nowhere'/);
    expect(r.diagnostics[0]!.related![0]!.file).toBe(join(dir, 'bad.mmf'));
  });

  it('reads imported files through the host (unsaved buffers)', () => {
    const buffers = new Map([[join(dir, 'unsaved.mmf'), `import "lib/common.mmf"\nencoder h = t -> embedding(2) -> global_avg_pool\n`]]);
    const host = (p: string) => buffers.get(p) ?? (p.endsWith('common.mmf') ? COMMON : undefined);
    const { r } = check('host.mmf', `import "lib/common.mmf"\nimport "unsaved.mmf"\nmodel H = h -> classifier(y)\n`, host);
    expect(r.diagnostics).toEqual([]);
    expect(r.models.map((m) => m.name)).toEqual(['H']);
  });
});

describe('imports in the CLI report', () => {
  it('prints related locations in the imported file with that file name', async () => {
    const { formatHuman } = await import('../cli/report.ts');
    const src = `import "lib/common.mmf"\nencoder e = t -> embedding(3)\n`;
    const { r } = check('cli-dupe.mmf', src);
    const text = formatHuman({ ...r.diagnostics[0]!, file: 'cli-dupe.mmf' }, src);
    expect(text).toContain(`note: 'e' declared in lib/common.mmf (${join(dir, 'lib/common.mmf')}:4:9)`);
  });
});
