/**
 * compiler/incremental.ts: after any sequence of edits, the incremental compile of a document equals the full
 * compile of its text (diagnostics, step types, models, references, datasets), and it re-checks only the
 * declarations an edit touches. Property tests with fast-check over the examples, the invalid corpus (with its
 * imports and data file) and a generated file.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile, type CompileResult } from '../compiler/index.ts';
import { IncrementalCompiler } from '../compiler/incremental.ts';
import { applyEdit, editArb, seedFiles, type Edit } from './helpers/edits.ts';

const ROOT = join(import.meta.dirname, '..');

/** What the editor and the emitters read from a compile. */
function view(r: CompileResult) {
  return {
    diagnostics: r.diagnostics,
    stepTypes: r.stepTypes,
    models: r.models,
    ensembles: r.ensembles,
    references: r.symbols.references.map((x) => ({ name: x.name, range: x.range, target: x.target.decl })),
    symbols: [...r.symbols.byName.values()].map((s) => ({ name: s.name, kind: s.kind, range: s.range })),
    datasets: [...r.datasets],
    program: r.program,
  };
}

/** A small model zoo like bench/lsp.ts's, with a shared encoder and a typo-prone vocabulary. */
function zoo(blocks: number): string {
  const out = ['dataset d from jsonl("rows.jsonl") { split(train 0.8, val 0.1, test 0.1, seed 1) }', 'label y: binary from d.y', ''];
  for (let i = 0; i < blocks; i++)
    out.push(
      `input t${i}: text(vocab 500, max_len 16) from d.text`,
      `input n${i}: tabular(normalize zscore) from d[a, b, c]`,
      `encoder et${i} = t${i} -> embedding(8) -> conv1d(16, 3, activation relu) -> global_max_pool`,
      `encoder en${i} = n${i} -> mlp([8, 4])`,
      `fusion f${i} = concat(et${i}, en${i}) -> dense(8, relu)`,
      `model M${i} = f${i} -> classifier(y, hidden [4], dropout 0.1)`,
      `train M${i} { optimizer adam(lr 1e-3) epochs 5 batch 64 }`,
      '',
    );
  return out.join('\n');
}

/** Edits that keep the text parseable more often: replace a word by another word of the file, change a number, move lines. */
const semanticEdit = fc.oneof(
  fc.record({ kind: fc.constant('word' as const), which: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constant('number' as const), which: fc.nat(), value: fc.integer({ min: 0, max: 300 }) }),
  fc.record({ kind: fc.constant('line' as const), which: fc.nat(), op: fc.constantFrom('delete', 'duplicate', 'blank') }),
);
type SemanticEdit = typeof semanticEdit extends fc.Arbitrary<infer T> ? T : never;

function applySemantic(text: string, e: SemanticEdit): string {
  if (e.kind === 'line') {
    const lines = text.split('\n');
    const i = e.which % lines.length;
    if (e.op === 'delete') lines.splice(i, 1);
    else if (e.op === 'duplicate') lines.splice(i, 0, lines[i]!);
    else lines.splice(i, 0, '');
    return lines.join('\n');
  }
  const re = e.kind === 'word' ? /[A-Za-z_][A-Za-z0-9_]*/g : /\d+/g;
  const hits = [...text.matchAll(re)];
  if (!hits.length) return text;
  const h = hits[e.which % hits.length]!;
  const replacement = e.kind === 'word' ? hits[e.other % hits.length]![0] : String(e.value);
  return text.slice(0, h.index) + replacement + text.slice(h.index! + h[0].length);
}

const anyEdit = fc.oneof(
  editArb.map((e) => ({ raw: e as Edit })),
  semanticEdit.map((e) => ({ semantic: e })),
);

describe('incremental compile', () => {
  const seeds = [...seedFiles(), { name: 'zoo.mmf', text: zoo(6) }];

  it('equals compile() after random edit sequences (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(anyEdit, { minLength: 1, maxLength: 6 }), (seed, edits) => {
        const opts = { fileName: join(ROOT, seed.name) };
        const c = new IncrementalCompiler();
        let text = seed.text;
        expect(view(c.compile(text, opts))).toEqual(view(compile(text, opts)));
        for (const e of edits) {
          text = 'raw' in e ? applyEdit(text, e.raw) : applySemantic(text, e.semantic);
          expect(view(c.compile(text, opts))).toEqual(view(compile(text, opts)));
        }
      }),
      { numRuns: 150, seed: 6 },
    );
  });

  it('equals compile() when an imported file changes too (property)', () => {
    const lib = zoo(3).replace(/^model .*$|^train .*$/gm, '');
    const main = ['import "lib.mmf"', 'encoder mine = t1 -> embedding(4) -> global_max_pool', 'fusion both = concat(mine, en2, f0)', 'model Main = both -> classifier(y)', 'train Main { epochs 2 }', ''].join('\n');
    const dir = join(ROOT, 'test/fixtures/incremental');
    fc.assert(
      fc.property(fc.array(fc.record({ inLib: fc.boolean(), edit: anyEdit }), { minLength: 1, maxLength: 6 }), (edits) => {
        const files = { main, lib };
        const opts = { fileName: join(dir, 'main.mmf'), skipDataFiles: true, readFile: (p: string) => (p === join(dir, 'lib.mmf') ? files.lib : undefined) };
        const c = new IncrementalCompiler();
        expect(view(c.compile(files.main, opts))).toEqual(view(compile(files.main, opts)));
        for (const { inLib, edit } of edits) {
          const key = inLib ? 'lib' : 'main';
          files[key] = 'raw' in edit ? applyEdit(files[key], edit.raw) : applySemantic(files[key], edit.semantic);
          expect(view(c.compile(files.main, opts))).toEqual(view(compile(files.main, opts)));
        }
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it('re-checks only the declarations an edit touches', () => {
    const opts = { fileName: join(ROOT, 'test/fixtures/zoo.mmf'), skipDataFiles: true };
    const text = zoo(20);
    const c = new IncrementalCompiler();
    c.compile(text, opts);
    // 1 dataset, 1 label, 20 × (2 inputs, 2 encoders, 1 fusion, 1 model, 1 train)
    expect(c.lastTimings!.regions).toEqual({ run: 142, reused: 0, moved: 0 });
    // a width in fusion f7: the fusion alone, and the model built on it
    const edited = text.replace('fusion f7 = concat(et7, en7) -> dense(8, relu)', 'fusion f7 = concat(et7, en7) -> dense(9, relu)');
    const r = c.compile(edited, opts);
    expect(view(r)).toEqual(view(compile(edited, opts)));
    expect(c.lastTimings!.regions).toEqual({ run: 2, reused: 140, moved: 0 });
    expect(c.lastTimings!.chunks.parsed).toBe(1);
    // an unknown name: reported once (the fusion alone and the model built on it find it; dedupe keeps one)
    const broken = edited.replace('concat(et7, en7)', 'concat(et7, en77)');
    const b = c.compile(broken, opts);
    expect(b.diagnostics.map((d) => [d.code, d.range.start.line])).toEqual([['MMF1001', 63]]);
    const elsewhere = broken.replace('dense(8, relu)', 'dense(10, relu)');
    expect(view(c.compile(elsewhere, opts))).toEqual(view(compile(elsewhere, opts)));
    // f0 and M0 changed; f7 and M7 looked for a did-you-mean among all names, so any change of a declaration re-runs them
    expect(c.lastTimings!.regions).toEqual({ run: 4, reused: 138, moved: 0 });
    // a line inserted above block 10 moves the declarations below it: their results move with them (not
    // what reports an unknown name: its did-you-mean reads every name)
    const lines = elsewhere.split('\n');
    lines.splice(3 + 8 * 10, 0, '// a new line');
    const inserted = lines.join('\n');
    expect(view(c.compile(inserted, opts))).toEqual(view(compile(inserted, opts)));
    // below: 10 blocks × (2 inputs, 2 encoders, 1 fusion, 1 model, 1 train) moved; above: train M9 runs (the
    // comment joined its chunk), and f7 and M7 (their did-you-mean read every name)
    expect(c.lastTimings!.regions).toEqual({ run: 3, reused: 69, moved: 70 });
  });
});

/**
 * A zoo whose blocks report problems: an unknown name in a fusion (MMF1001, with a did-you-mean), a layer
 * used wrongly in an encoder (its message names the input's line), a model over a missing fusion, a width and a
 * dropout out of range (MMF3001: messages without lines, moved with their declarations); other blocks are clean.
 */
function brokenZoo(blocks: number): string {
  return zoo(blocks)
    .replace('fusion f1 = concat(et1, en1)', 'fusion f1 = concat(et1, enn1)')
    .replace('encoder en3 = n3 -> mlp([8, 4])', 'encoder en3 = n3 -> conv2d(8, 3)')
    .replace('model M4 = f4 ->', 'model M4 = f44 ->')
    .replace('fusion f5 = concat(et5, en5) -> dense(8, relu)', 'fusion f5 = concat(et5, en5) -> dense(0, relu)')
    .replace('model M6 = f6 -> classifier(y, hidden [4], dropout 0.1)', 'model M6 = f6 -> classifier(y, hidden [4], dropout 1.5)');
}

/** Line edits that move every declaration below them: insert a blank or comment line, delete or duplicate a line. */
const lineEdit = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('blank', 'comment', 'delete', 'duplicate', 'blankThenUndo'),
});

describe('incremental compile, lines inserted and deleted', () => {
  const opts = { fileName: join(ROOT, 'test/fixtures/zoo.mmf'), skipDataFiles: true };

  it('equals compile() after line insertions and deletions above declarations with and without diagnostics (property)', () => {
    const seeds = [brokenZoo(6), zoo(6)];
    expect(compile(seeds[0]!, opts).diagnostics.length).toBeGreaterThanOrEqual(3);
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(lineEdit, { minLength: 1, maxLength: 8 }), (seed, edits) => {
        const c = new IncrementalCompiler();
        let text = seed;
        expect(view(c.compile(text, opts))).toEqual(view(compile(text, opts)));
        for (const e of edits) {
          const lines = text.split('\n');
          const i = e.at % lines.length;
          const steps: string[] = [];
          if (e.op === 'blank') lines.splice(i, 0, '');
          else if (e.op === 'comment') lines.splice(i, 0, '// moved');
          else if (e.op === 'delete') lines.splice(i, 1);
          else if (e.op === 'duplicate') lines.splice(i, 0, lines[i]!);
          else {
            // the benchmark's edit: a blank line in, compiled, then out again
            const inserted = [...lines];
            inserted.splice(i, 0, '');
            steps.push(inserted.join('\n'));
          }
          steps.push(lines.join('\n'));
          for (const t of steps) {
            text = t;
            expect(view(c.compile(text, opts))).toEqual(view(compile(text, opts)));
          }
        }
      }),
      { numRuns: 60, seed: 11 },
    );
  });

  it('moves the declarations below a new line in place, again and again, with diagnostics that name no line', () => {
    const text = brokenZoo(12);
    const c = new IncrementalCompiler();
    const first = c.compile(text, opts);
    expect(first.diagnostics.map((d) => d.code)).toEqual(compile(text, opts).diagnostics.map((d) => d.code));
    const lines = text.split('\n');
    // a blank line above block 1 (line 11): every block below moves, the five broken ones among them
    const inserted = [...lines.slice(0, 11), '', ...lines.slice(11)].join('\n');
    for (let round = 0; round < 3; round++) {
      const a = c.compile(inserted, opts);
      expect(view(a)).toEqual(view(compile(inserted, opts)));
      // the blank line joins the first chunk (dataset, label): that one chunk is parsed again, or found kept
      expect(c.lastTimings!.chunks.parsed).toBeLessThanOrEqual(1);
      // 86 regions (dataset, label, 12 blocks × 7): the 8 above stay; 71 move with their declarations, f5, M5
      // and M6 with their out-of-range diagnostics; 7 run again: train M0 (the blank line joins its chunk),
      // f1, M1 and M4 (a did-you-mean reads every name), en3, f3 and M3 (the conv2d message names a line)
      expect(c.lastTimings!.regions).toEqual({ run: 7, reused: 8, moved: 71 });
      const b = c.compile(text, opts);
      expect(view(b)).toEqual(view(compile(text, opts)));
      expect(c.lastTimings!.regions).toEqual({ run: 7, reused: 8, moved: 71 });
      // the same declaration objects, back on their lines
      expect(b.program.decls[30]).toBe(first.program.decls[30]);
      expect(b.program.decls[30]!.range).toEqual(compile(text, opts).program.decls[30]!.range);
    }
  });
});
