/**
 * The checker on `transformer`, `residual`, `add`, `reshape` and padding masks: shapes and parameter counts of
 * docs/language.md's example, which ops carry a text input's padding mask, and every diagnostic with its exact
 * code and range.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import { rangeOf, within } from './helpers/ranges.ts';

const HEADER = `dataset emails from jsonl("d.jsonl")
input body: text(vocab 20000, max_len 64) from emails.body
input headers: tabular(normalize zscore) from emails[a, b, c, e, f, g]
label spam: binary from emails.is_spam
`;

function diags(body: string) {
  const src = HEADER + body;
  const r = compile(src, { skipDataFiles: true });
  return { src, r, list: r.diagnostics.map((d) => [d.code, d.range] as const) };
}

/** Step types of one declaration, each step once. */
function steps(r: ReturnType<typeof compile>, decl: string) {
  const seen = new Set<string>();
  return r.stepTypes
    .filter((s) => s.decl === decl && !seen.has(JSON.stringify(s.range)) && seen.add(JSON.stringify(s.range)))
    .map((s) => [s.label, s.type.shape, s.params] as const);
}

describe("docs/language.md's example", () => {
  const { r } = diags(`encoder enc = body -> embedding(64)
  -> transformer(4, 128, dropout 0.1, positions sinusoidal)
  -> transformer(heads 4, ff 128)
  -> global_avg_pool
encoder deep = headers -> dense(64, relu)
  -> residual(dense(64, relu), dropout(0.1), dense(64))
encoder grid = deep -> reshape([4, 16])
fusion both = add(deep, enc)
model M = both -> classifier(spam)
model G = grid -> flatten -> classifier(spam)
`);
  it('checks', () => expect(r.diagnostics).toEqual([]));
  it('shapes and parameters per step', () => {
    const block = 4 * (64 * 64 + 64) + 2 * 64 * 128 + 128 + 64 + 4 * 64;
    expect(block).toBe(33_472);
    expect(steps(r, 'enc')).toEqual([
      ['body', ['batch', 64], 0],
      ['embedding', ['batch', 64, 64], 20000 * 64],
      ['transformer', ['batch', 64, 64], block],
      ['transformer', ['batch', 64, 64], block],
      ['global_avg_pool', ['batch', 64], 0],
    ]);
    expect(steps(r, 'deep')).toEqual([
      ['headers', ['batch', 6], 0],
      ['dense', ['batch', 64], 6 * 64 + 64],
      ['residual', ['batch', 64], 8_320],
    ]);
    expect(steps(r, 'grid').at(-1)).toEqual(['reshape', ['batch', 4, 16], 0]);
    // (a fusion's step also counts the encoders it compiles first, so only its shape here)
    expect(steps(r, 'both').map(([l, shape]) => [l, shape])).toEqual([['add', ['batch', 64]]]);
    expect(r.models[0]!.nodes.find((n) => n.op === 'add' && n.decl === 'both')!.params).toBe(0);
  });
  it('learned positions add T·D parameters', () => {
    const { r: r2 } = diags('encoder e = body -> embedding(8) -> transformer(2, 16, positions learned)\n');
    expect(steps(r2, 'e').at(-1)).toEqual(['transformer', ['batch', 64, 8], 4 * (64 + 8) + 2 * 8 * 16 + 16 + 8 + 4 * 8 + 64 * 8]);
  });
});

describe('padding masks follow the time axis', () => {
  /** For each mha of model M: does it take a mask? */
  const masked = (enc: string) => {
    const { r } = diags(`encoder e = ${enc}\nmodel M = e -> global_max_pool -> classifier(spam)\n`);
    expect(r.diagnostics).toEqual([]);
    return r.models[0]!.nodes.filter((n) => n.op === 'mha').map((n) => n.inputs.length === 3);
  };
  it('kept by embedding, dense, layer_norm, conv1d same stride 1, recurrent return_sequences, transformer, residual', () => {
    expect(masked('body -> embedding(8) -> dense(8) -> layer_norm -> dropout(0.1) -> conv1d(8, 3, padding same) -> transformer(2, 8)')).toEqual([true]);
    expect(masked('body -> embedding(8) -> gru(4, return_sequences true, bidirectional true) -> transformer(2, 8) -> residual(dense(8)) -> transformer(2, 8)')).toEqual([true, true]);
  });
  it('kept by concat of features of one text; dropped when the texts differ', () => {
    const { r } = diags(`input title: text(vocab 100, max_len 64) from emails.title
encoder c3 = body -> embedding(8) -> conv1d(8, 3, padding same)
encoder c5 = body -> embedding(8) -> conv1d(8, 5, padding same)
encoder t5 = title -> embedding(8) -> conv1d(8, 5, padding same)
fusion same = concat(c3, c5) -> transformer(2, 8)
fusion other = concat(c3, t5) -> transformer(2, 8)
model S = same -> global_max_pool -> classifier(spam)
model O = other -> global_max_pool -> classifier(spam)
`);
    expect(r.diagnostics).toEqual([]);
    expect(r.models.map((m) => m.nodes.find((n) => n.op === 'mha')!.inputs.length)).toEqual([3, 2]);
  });
  it('dropped by pooling windows, valid or strided convolutions and reshape', () => {
    expect(masked('body -> embedding(8) -> max_pool1d(2) -> transformer(2, 8)')).toEqual([false]);
    expect(masked('body -> embedding(8) -> conv1d(8, 3) -> transformer(2, 8)')).toEqual([false]);
    expect(masked('body -> embedding(8) -> conv1d(8, 3, padding same, strides 2) -> transformer(2, 8)')).toEqual([false]);
    expect(masked('body -> embedding(8) -> reshape([32, 16]) -> transformer(2, 16)')).toEqual([false]);
  });
  it('attention over a text sequence and a vector joins (ids ≠ 0) and ones', () => {
    const { r } = diags(`encoder w = body -> embedding(8)
encoder h = headers -> dense(8)
fusion x = attention(h, w, h, dim 8, heads 2)
fusion v = attention(h, h, dim 8, heads 2)
model M = x -> classifier(spam)
model V = v -> classifier(spam)
`);
    expect(r.diagnostics).toEqual([]);
    const m = r.models[0]!;
    const mha = m.nodes.find((n) => n.op === 'mha')!;
    const mask = m.nodes.find((n) => n.id === mha.inputs[2])!;
    expect([mask.op, mask.out.shape]).toEqual(['concat', ['batch', 65]]);
    expect(r.models[1]!.nodes.find((n) => n.op === 'mha')!.inputs).toHaveLength(2); // vectors only: no mask
  });
});

describe('diagnostics', () => {
  const cases: [string, string, (src: string) => [string, ReturnType<typeof rangeOf>][]][] = [
    ['transformer on token ids', 'encoder e = body -> transformer(4, 32)\n', (s) => [['MMF2005', rangeOf(s, 'transformer(4, 32)')]]],
    ['transformer on a vector', 'encoder e = headers -> dense(8) -> transformer(2, 8)\n', (s) => [['MMF2001', rangeOf(s, 'transformer(2, 8)')]]],
    ['heads that do not divide the width', 'encoder e = body -> embedding(30) -> transformer(4, 8)\n', (s) => [['MMF3001', within(s, 'transformer(4, 8)', '4')]]],
    ['transformer without ff', 'encoder e = body -> embedding(8) -> transformer(2)\n', (s) => [['MMF1006', rangeOf(s, 'transformer(2)')]]],
    ['unknown positions', 'encoder e = body -> embedding(8) -> transformer(2, 8, positions learnt)\n', (s) => [['MMF3003', rangeOf(s, 'learnt')]]],
    ['residual whose block changes the width', 'encoder e = headers -> dense(8) -> residual(dense(16, relu))\n', (s) => [['MMF2002', rangeOf(s, 'residual(dense(16, relu))')]]],
    ['residual with an unknown layer', 'encoder e = headers -> dense(8) -> residual(dense(8), densee(8))\n', (s) => [['MMF1004', rangeOf(s, 'densee')]]],
    ['residual with a bad argument inside', 'encoder e = headers -> dense(8) -> residual(dense(0))\n', (s) => [['MMF3001', within(s, 'residual(dense(0))', '0')]]],
    ['residual around a head', 'encoder e = headers -> dense(8) -> residual(classifier(spam))\n', (s) => [['MMF1003', rangeOf(s, 'classifier')]]],
    ['residual around nothing', 'encoder e = headers -> dense(8) -> residual()\n', (s) => [['MMF1006', rangeOf(s, 'residual()')]]],
    ['residual of a number', 'encoder e = headers -> dense(8) -> residual(64)\n', (s) => [['MMF3002', within(s, 'residual(64)', '64')]]],
    ['add of different widths', 'encoder a = headers -> dense(8)\nencoder b = headers -> dense(16)\nfusion s = add(a, b)\n', (s) => [['MMF2002', rangeOf(s, 'add(a, b)')]]],
    ['add of one operand', 'encoder a = headers -> dense(8)\nfusion s = add(a)\n', (s) => [['MMF1006', rangeOf(s, 'add(a)')]]],
    ['reshape that changes the count', 'encoder e = headers -> dense(8) -> reshape([3, 3])\n', (s) => [['MMF2003', rangeOf(s, 'reshape([3, 3])')]]],
    ['reshape to nothing', 'encoder e = headers -> dense(8) -> reshape([])\n', (s) => [['MMF3001', rangeOf(s, '[]')]]],
  ];
  for (const [name, body, expected] of cases)
    it(name, () => {
      const { src, list } = diags(body);
      expect(list).toEqual(expected(src));
    });

  it('the residual hint says how to fix it', () => {
    const { r } = diags('encoder e = headers -> dense(8) -> residual(dense(16, relu))\n');
    expect(r.diagnostics[0]!.hint).toBe('End the block with dense(8) so its output has the input\'s shape.');
    expect(r.diagnostics[0]!.message).toContain('[batch, 8]');
    expect(r.diagnostics[0]!.message).toContain('[batch, 16]');
  });
  it('the heads hint names a divisor', () => {
    const { r } = diags('encoder e = body -> embedding(30) -> transformer(4, 8)\n');
    expect(r.diagnostics[0]!.hint).toContain('heads 3');
  });
});
