import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAYERS } from '../compiler/layers/index.ts';

const ROOT = join(import.meta.dirname, '..');
const doc = readFileSync(join(ROOT, 'docs/language.md'), 'utf8');
const codes = readFileSync(join(ROOT, 'docs/diagnostics.md'), 'utf8');

describe('documentation stays in step with the compiler', () => {
  it('docs/language.md documents every layer, fusion operator and head', () => {
    const missing = LAYERS.map((l) => l.name).filter((n) => !doc.includes('`' + n));
    expect(missing).toEqual([]);
  });

  it('docs/diagnostics.md lists every diagnostic code the grammar and compiler can emit', () => {
    const { execSync } = require('node:child_process') as typeof import('node:child_process');
    const used = new Set(execSync(`grep -rhoE "'MMF[0-9]{4}'" grammar compiler`, { cwd: ROOT, encoding: 'utf8' }).match(/MMF\d{4}/g));
    const missing = [...used].filter((c) => !codes.includes(`| ${c} |`)).sort();
    expect(missing).toEqual([]);
  });
});
