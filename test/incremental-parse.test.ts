/**
 * grammar/incremental.ts: the incremental parser returns exactly what parse() returns, after any sequence of
 * edits (property tests with fast-check over the examples, the invalid corpus and generated files), and reuses
 * the declarations of the chunks an edit did not touch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from '../grammar/index.ts';
import { chunksOf, IncrementalParser } from '../grammar/incremental.ts';
import { applyEdit, editArb, seedFiles } from './helpers/edits.ts';

describe('incremental parser', () => {
  const seeds = seedFiles();

  it('cuts files into chunks at declaration lines only', () => {
    const text = 'dataset d from csv("a.csv")\ninput a: text(vocab 5, max_len 2) from d.a\n/* x\nmodel M = a -> dense(2)\n*/\nmodel N = a -> dense(2)\n';
    expect(chunksOf(text).map((c) => [c.line, c.next])).toEqual([
      [0, 'input a:'],
      [1, 'model N ='],
      [5, undefined],
    ]);
    // a keyword that continues the line before, or inside a string, starts nothing
    expect(chunksOf('encoder e = x ->\nmodel\ninput "a\ninput b: x from d.b\n').map((c) => c.line)).toEqual([0, 3]);
    expect(chunksOf('import "a.mmf"\nimport "b\nimport "c.mmf"\n').map((c) => c.line)).toEqual([0, 2]);
  });

  it('equals parse() on every example and corpus file', () => {
    for (const s of seeds) expect(new IncrementalParser().parse(s.text), s.name).toEqual(parse(s.text));
  });

  it('equals parse() after random edit sequences (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(editArb, { minLength: 1, maxLength: 8 }), (seed, edits) => {
        const p = new IncrementalParser();
        let text = seed.text;
        expect(p.parse(text)).toEqual(parse(text));
        for (const e of edits) {
          text = applyEdit(text, e);
          expect(p.parse(text)).toEqual(parse(text));
        }
      }),
      { numRuns: 300, seed: 6 },
    );
  });

  it('reparses only the edited chunk and keeps the other declarations as the same objects', () => {
    const lines = ['dataset d from jsonl("rows.jsonl")', 'label y: binary from d.y'];
    for (let i = 0; i < 50; i++) lines.push(`input t${i}: text(vocab 50, max_len 4) from d.a`, `encoder e${i} = t${i} -> embedding(8) -> global_max_pool`);
    const text = lines.join('\n') + '\n';
    const p = new IncrementalParser();
    const before = p.parse(text);
    expect(p.lastStats).toEqual({ chunks: 102, parsed: 102, moved: 0, reused: 0 });
    const edited = text.replace('embedding(8) -> global_max_pool\ninput t30', 'embedding(9) -> global_max_pool\ninput t30');
    const after = p.parse(edited);
    expect(after).toEqual(parse(edited));
    // the edited encoder's chunk only: the chunk before depends on the first three tokens of this one
    expect(p.lastStats).toEqual({ chunks: 102, parsed: 1, moved: 0, reused: 101 });
    const changed = after.program.decls.filter((d, i) => d !== before.program.decls[i]).map((d) => ('name' in d ? d.name.name : d.kind));
    expect(changed).toEqual(['e29']);
    // a new line above moves the chunks below it: moved, not reparsed
    const shifted = p.parse('\n' + edited);
    expect(shifted).toEqual(parse('\n' + edited));
    expect(p.lastStats.parsed).toBe(1);
    expect(p.lastStats.moved).toBe(102); // the blank first line is a chunk of its own; every declaration moved
  });

  it('parses the whole text when an error message needs the tokens before a chunk', () => {
    // the error after `)` names the call whose `(` is in the declaration before
    const text = 'encoder a = x -> dense(\nmodel M = f -> y) z\n';
    expect(new IncrementalParser().parse(text)).toEqual(parse(text));
  });
});
