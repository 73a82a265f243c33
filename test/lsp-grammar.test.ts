/** The VS Code extension's static parts: manifest, TextMate grammar, language configuration. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (p: string) => JSON.parse(readFileSync(new URL(`../vscode-extension/${p}`, import.meta.url), 'utf8'));

describe('vscode-extension manifest', () => {
  const manifest = read('package.json');

  it('contributes the mmf language, its grammar and configuration, and activates on it', () => {
    expect(manifest.contributes.languages[0]).toMatchObject({ id: 'mmf', extensions: ['.mmf'], configuration: './language-configuration.json' });
    expect(manifest.contributes.grammars[0]).toMatchObject({ language: 'mmf', scopeName: 'source.mmf', path: './syntaxes/mmf.tmLanguage.json' });
    expect(manifest.activationEvents).toContain('onLanguage:mmf');
    expect(manifest.main).toBe('./dist/client.cjs');
    expect(manifest.engines.vscode).toMatch(/^\^1\./);
  });
});

describe('TextMate grammar', () => {
  const g = read('syntaxes/mmf.tmLanguage.json');

  it('has the scope name the manifest names, and every include resolves', () => {
    expect(g.scopeName).toBe('source.mmf');
    const includes: string[] = [];
    (function walk(o: unknown): void {
      if (Array.isArray(o)) o.forEach(walk);
      else if (o && typeof o === 'object') {
        for (const [k, v] of Object.entries(o)) if (k === 'include') includes.push(v as string);
        Object.values(o).forEach(walk);
      }
    })(g);
    for (const inc of includes) expect(g.repository[inc.slice(1)], inc).toBeDefined();
  });

  it('every regular expression compiles', () => {
    const res: string[] = [];
    (function walk(o: unknown): void {
      if (Array.isArray(o)) o.forEach(walk);
      else if (o && typeof o === 'object') {
        for (const k of ['match', 'begin', 'end']) if (typeof (o as Record<string, unknown>)[k] === 'string') res.push((o as Record<string, string>)[k]!);
        Object.values(o).forEach(walk);
      }
    })(g);
    expect(res.length).toBeGreaterThan(20);
    for (const r of res) expect(() => new RegExp(r)).not.toThrow();
  });

  it('matches declarations, comments, strings and numbers', () => {
    const decl = g.repository.declarations.patterns.map((p: { match: string }) => new RegExp(p.match));
    expect(decl.some((r: RegExp) => r.exec('encoder subj = subject -> gru(32)')?.[2] === 'subj')).toBe(true);
    expect(decl.some((r: RegExp) => r.exec('input body:    text(vocab 10)')?.[4] === 'text')).toBe(true);
    expect(new RegExp(g.repository.numbers.match).exec('lr 1e-3')?.[0]).toBe('1e-3');
    expect(new RegExp(g.repository.comments.patterns[1].begin).test('// x')).toBe(true);
    expect(new RegExp(g.repository.columns.match).exec('from emails.subject')?.slice(1)).toEqual(['emails', '.', 'subject']);
  });
});

describe('language configuration', () => {
  const c = read('language-configuration.json');
  it('comments and brackets', () => {
    expect(c.comments).toEqual({ lineComment: '//', blockComment: ['/*', '*/'] });
    expect(c.brackets).toEqual([
      ['{', '}'],
      ['[', ']'],
      ['(', ')'],
    ]);
  });
});
