/**
 * No input makes a language server feature throw: every handler, in process, on random half-written text
 * built from mmf's own fragments, at every position.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeActions } from '../vscode-extension/server/actions.ts';
import { analyse, cachedReadHead } from '../vscode-extension/server/analysis.ts';
import { completion } from '../vscode-extension/server/completion.ts';
import { toLspDiagnostic } from '../vscode-extension/server/diagnostics.ts';
import { formatDocument } from '../vscode-extension/server/formatting.ts';
import { hover } from '../vscode-extension/server/hover.ts';
import { inlayHints } from '../vscode-extension/server/inlay.ts';
import { definition, prepareRename, references, rename } from '../vscode-extension/server/navigation.ts';
import { documentSymbols, foldingRanges } from '../vscode-extension/server/outline.ts';
import { semanticTokens } from '../vscode-extension/server/semantic.ts';

const FRAGMENTS = [
  'dataset d from jsonl("x.jsonl") { split(by s) }\n',
  'input t: text(vocab 50, max_len 8) from d.a\n',
  'input n: tabular from d[a, b]\n',
  'label y: binary from d.y\n',
  'encoder e = t -> embedding(8) -> gru(8)\n',
  'encoder m = n -> mlp([4])\n',
  'fusion j = concat(e, m)\n',
  'fusion w = weighted_sum(e, m) -> [batch, 8]\n',
  'model M = j -> classifier(y, hidden [4])\n',
  'train M { optimizer adam(lr 1e-3) epochs 2 }\n',
  'dataset', 'input', 'label', 'encoder', 'fusion', 'model', 'train', 'from', 'import "a.mmf"',
  ' ', ' ', '\n', '\r\n', 'x', 'e', 'j', 'y', 'd.', 'd[', '(', ')', '[', ']', '{', '}', ',', ':', '=', '->', '-', '.',
  '"s"', '"', '// c\n', '/*', '*/', '64', '1e-3', 'dense(', 'classifier(', 'concat(', 'attention(e, m, dim 8, heads 3)', '@', 'é',
];

const readHead = cachedReadHead();

/** Call every feature at position `p` (and the whole-document ones once). */
function exercise(text: string): void {
  const a = analyse('file:///tmp/robust.mmf', 1, text, readHead);
  const lines = text.split(/\r\n|\r|\n/);
  const whole = { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } };
  documentSymbols(a);
  foldingRanges(a);
  semanticTokens(a);
  inlayHints(a, whole);
  formatDocument(a, { tabSize: 2, insertSpaces: true });
  codeActions(a, whole, a.result.diagnostics.map((d) => toLspDiagnostic(d, a.uri)));
  lines.forEach((l, line) => {
    for (let character = 0; character <= l.length; character += 2) {
      const p = { line, character };
      hover(a, p);
      completion(a, p);
      definition(a, p);
      references(a, p, true);
      prepareRename(a, p);
      rename(a, p, 'renamed');
    }
  });
}

describe('language server features on any text', () => {
  it('never throw (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }), (parts) => {
        expect(() => exercise(parts.join(''))).not.toThrow();
      }),
      { numRuns: 150, seed: 11 },
    );
  });

  it('never throw on the invalid-input corpus (test/invalid)', () => {
    const dir = join(import.meta.dirname, 'invalid');
    const files = readdirSync(dir).filter((n) => n.endsWith('.mmf'));
    for (const f of files) expect(() => exercise(readFileSync(join(dir, f), 'utf8')), f).not.toThrow();
  });

  it('never throw on control characters, lone surrogates and deep nesting', () => {
    for (const text of ['\u0000\u0001\uffff', '\ud800 encoder', '('.repeat(500), '['.repeat(200) + ']'.repeat(200), 'encoder e = x ->' + ' -> dense(1)'.repeat(300)]) {
      expect(() => exercise(text)).not.toThrow();
    }
  });
});
