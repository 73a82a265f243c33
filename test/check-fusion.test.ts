/**
 * The checker on the fusion operators gmu, tensor_fusion, low_rank_fusion and film, bidirectional lstm / gru,
 * max_pool1d / avg_pool1d, batch_norm, layer_norm, the `number` label and the regression head: shapes and
 * parameter counts of valid models (including docs/language.md's examples), every diagnostic with its exact code
 * and range, and `mmfc train` refusing a regression model (MMF4001) before writing anything.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compile, trainingDiagnostics } from '../compiler/index.ts';
import type { Range } from '../grammar/diagnostic.ts';
import { trainCommand } from '../cli/train.ts';

/** The range of the n-th occurrence (0-based) of `needle` in `src`. */
function rangeOf(src: string, needle: string, n = 0): Range {
  let at = -1;
  for (let i = 0; i <= n; i++) {
    at = src.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' #${n} not in source`);
  }
  return span(src, at, needle.length);
}

/** The range of `part` inside the first occurrence of `context`. */
function within(src: string, context: string, part: string): Range {
  const at = src.indexOf(context);
  if (at < 0) throw new Error(`'${context}' not in source`);
  return span(src, at + context.indexOf(part), part.length);
}

function span(src: string, off: number, len: number): Range {
  const pos = (o: number) => {
    const before = src.slice(0, o).split('\n');
    return { line: before.length - 1, character: before[before.length - 1]!.length };
  };
  return { start: pos(off), end: pos(off + len) };
}

const HEADER = `dataset d from jsonl("d.jsonl")
input subject: text(vocab 5000, max_len 24) from d.subject
input body: text(vocab 20000, max_len 256) from d.body
input headers: tabular(normalize zscore) from d[a, b, c, e, f, g]
input big: tabular from d[h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, h12, h13, h14, h15, h16]
label spam: binary from d.is_spam
label price: number from d.price
`;

function diags(body: string) {
  const src = HEADER + body;
  const r = compile(src, { skipDataFiles: true });
  return { src, r, list: r.diagnostics.map((d) => [d.code, d.range] as const) };
}

/** Step types of one declaration, each step once (a fusion re-records the encoders it uses). */
function steps(r: ReturnType<typeof compile>, decl: string) {
  const seen = new Set<string>();
  return r.stepTypes
    .filter((s) => s.decl === decl && !seen.has(JSON.stringify(s.range)) && seen.add(JSON.stringify(s.range)))
    .map((s) => [s.label, s.type.shape, s.params] as const);
}

describe('models that check, with the shapes and parameter counts of docs/language.md', () => {
  const { r } = diags(`encoder subj = subject -> embedding(32) -> gru(32)
encoder meta = headers -> dense(8, relu)
encoder words = body -> embedding(16)
fusion gated = gmu(subj, meta, dim 64)
fusion gated3 = gmu(subj, meta, words2, dim 16)
encoder words2 = body -> embedding(16) -> global_avg_pool
fusion outer = tensor_fusion(subj, meta)
fusion lmf = low_rank_fusion(subj, meta, dim 64, rank 4)
fusion cond = film(words, meta)
fusion cond_vec = film(subj, meta)
encoder seq = body -> embedding(32) -> conv1d(64, 5, padding same, activation relu) -> max_pool1d(4) -> batch_norm -> lstm(32, return_sequences true, bidirectional true) -> layer_norm -> gru(16, bidirectional true)
encoder pools = body -> embedding(4) -> avg_pool1d(3, 2, same) -> max_pool1d(pool_size 5, strides 1) -> avg_pool1d(size 2, padding same)
model Gated = gated -> classifier(spam)
model Gated3 = gated3 -> classifier(spam)
model Outer = outer -> classifier(spam)
model Cond = cond -> global_max_pool -> classifier(spam)
model CondVec = cond_vec -> classifier(spam)
model Price = lmf -> regression(price, hidden [16], dropout 0.1)
model Seq = seq -> classifier(spam)
`);

  it('has no diagnostics', () => {
    expect(r.diagnostics).toEqual([]);
    expect(r.models.map((m) => m.name)).toEqual(['Gated', 'Gated3', 'Outer', 'Cond', 'CondVec', 'Price', 'Seq']);
  });

  it('fusion operators: shapes and parameters', () => {
    // (A fusion's step also counts the encoders it compiles on first use, so parameters come from its node.)
    const node = (model: string, op: string) => r.models.find((m) => m.name === model)!.nodes.find((n) => n.op === op)!;
    const shape = (decl: string) => steps(r, decl).map(([label, sh]) => [label, sh]);
    expect(shape('gated')).toEqual([['gmu', ['batch', 64]]]);
    expect(node('Gated', 'gmu').params).toBe(32 * 64 + 8 * 64 + 40 * 64);
    expect(node('Gated', 'gmu').weights.map((w) => [w.name, w.shape])).toEqual([
      ['w_1', [32, 64]],
      ['w_2', [8, 64]],
      ['w_z', [40, 64]],
    ]);
    expect(shape('gated3')).toEqual([['gmu', ['batch', 16]]]);
    expect(node('Gated3', 'gmu').params).toBe((32 + 8 + 16) * 16 + 56 * 3 * 16);
    expect(shape('outer')).toEqual([['tensor_fusion', ['batch', 297]]]);
    expect(node('Outer', 'tensor_fusion').params).toBe(0);
    expect(shape('lmf')).toEqual([['low_rank_fusion', ['batch', 64]]]);
    expect(node('Price', 'low_rank_fusion').params).toBe(10_820);
    expect(shape('cond')).toEqual([['film', ['batch', 256, 16]]]);
    expect(node('Cond', 'film').params).toBe(2 * (8 * 16 + 16));
    expect(shape('cond_vec')).toEqual([['film', ['batch', 32]]]);
    expect(node('CondVec', 'film').params).toBe(2 * (8 * 32 + 32));
  });

  it('sequence layers: shapes and parameters', () => {
    expect(steps(r, 'seq')).toEqual([
      ['body', ['batch', 256], 0],
      ['embedding', ['batch', 256, 32], 20000 * 32],
      ['conv1d', ['batch', 256, 64], 5 * 32 * 64 + 64],
      ['max_pool1d', ['batch', 64, 64], 0],
      ['batch_norm', ['batch', 64, 64], 4 * 64],
      ['lstm', ['batch', 64, 64], 2 * 4 * 32 * (64 + 32 + 1)],
      ['layer_norm', ['batch', 64, 64], 2 * 64],
      ['gru', ['batch', 32], 2 * 3 * 16 * (64 + 16 + 1)],
    ]);
    // 256 → same, stride 2: 128 → valid k5 s1: 124 → same k2 s2: 62
    expect(steps(r, 'pools').slice(2).map((s) => s[1])).toEqual([
      ['batch', 128, 4],
      ['batch', 124, 4],
      ['batch', 62, 4],
    ]);
    const seq = r.models.find((m) => m.name === 'Seq')!;
    expect(seq.nodes.map((n) => n.op)).toEqual(['embedding', 'conv1d', 'max_pool1d', 'batch_norm', 'bilstm', 'layer_norm', 'bigru', 'dense']);
    expect(seq.nodes.find((n) => n.op === 'batch_norm')!.attrs).toEqual({ epsilon: 1e-3, momentum: 0.99 });
  });

  it('regression: hidden layers, dropout, one linear unit; label plan kind number', () => {
    const m = r.models.find((x) => x.name === 'Price')!;
    expect(m.nodes.slice(-4).map((n) => [n.op, n.out.shape])).toEqual([
      ['dropout', ['batch', 64]],
      ['dense', ['batch', 16]],
      ['dropout', ['batch', 16]],
      ['dense', ['batch', 1]],
    ]);
    expect(m.head).toMatchObject({ units: 1, activation: 'linear', loss: 'meanSquaredError', label: { name: 'price', kind: 'number', column: 'price' } });
    expect(trainingDiagnostics(r.models.find((x) => x.name === 'Gated')!)).toEqual([]);
  });
});

describe('diagnostics: code and exact range', () => {
  it('MMF2001: gmu / tensor_fusion / low_rank_fusion of a sequence, at the operator, with the operand as related information', () => {
    const { src, r, list } = diags(`encoder seq = body -> embedding(8)
fusion a = gmu(seq, headers, dim 8)
fusion b = tensor_fusion(headers, seq)
fusion c = low_rank_fusion(headers, seq, dim 4)
`);
    expect(list).toEqual([
      ['MMF2001', rangeOf(src, 'gmu(seq, headers, dim 8)')],
      ['MMF2001', rangeOf(src, 'tensor_fusion(headers, seq)')],
      ['MMF2001', rangeOf(src, 'low_rank_fusion(headers, seq, dim 4)')],
    ]);
    expect(r.diagnostics[0]!.message).toContain('input 1 is [batch, 256, 8] float32');
    expect(r.diagnostics[0]!.hint).toContain('global_max_pool');
    expect(r.diagnostics[1]!.related?.[0]!.range).toEqual(within(src, 'tensor_fusion(headers, seq)', 'seq'));
  });

  it('MMF2005: fusing token ids', () => {
    const { src, list } = diags(`fusion a = gmu(subject, headers, dim 8)\n`);
    expect(list).toEqual([['MMF2005', rangeOf(src, 'gmu(subject, headers, dim 8)')]]);
  });

  it('MMF2007: tensor fusion above 2^20 values per sample, with a hint to low_rank_fusion; just below is fine', () => {
    const { src, r, list } = diags(`encoder w = big -> dense(127)
encoder v = big -> dense(64)
encoder u = big -> dense(63)
fusion huge = tensor_fusion(w, w, v)
fusion limit = tensor_fusion(w, w, u) -> [batch, 1048576]
`);
    // 128 · 128 · 65 = 1,064,960 > 2^20; 128 · 128 · 64 = 2^20 exactly is allowed.
    expect(list).toEqual([['MMF2007', rangeOf(src, 'tensor_fusion(w, w, v)')]]);
    expect(r.diagnostics[0]!.message).toContain('128 × 128 × 65 = 1,064,960');
    expect(r.diagnostics[0]!.hint).toContain('low_rank_fusion');
  });

  it('MMF1006 / MMF1007: operand counts; dim is required', () => {
    const { src, list } = diags(`fusion f1 = gmu(headers, dim 4)
fusion f2 = film(headers, big, headers)
fusion f3 = gmu(headers, big)
fusion f4 = film(headers)
`);
    expect(list).toEqual([
      ['MMF1006', rangeOf(src, 'gmu(headers, dim 4)')],
      ['MMF1007', rangeOf(src, 'film(headers, big, headers)')],
      ['MMF1006', rangeOf(src, 'gmu(headers, big)')],
      ['MMF1006', rangeOf(src, 'film(headers)')],
    ]);
  });

  it('MMF3001: rank and dim out of range, at the value', () => {
    const { src, list } = diags(`fusion a = low_rank_fusion(headers, big, dim 4, rank 0)\nfusion b = gmu(headers, big, dim 0)\n`);
    expect(list).toEqual([
      ['MMF3001', within(src, 'rank 0', '0')],
      ['MMF3001', within(src, 'dim 0', '0')],
    ]);
  });

  it('MMF2001: film conditioned on a sequence; film of an image-free vector is fine', () => {
    const { src, r, list } = diags(`encoder seq = body -> embedding(8)\nfusion a = film(headers, seq)\n`);
    expect(list).toEqual([['MMF2001', rangeOf(src, 'film(headers, seq)')]]);
    expect(r.diagnostics[0]!.message).toContain('the conditioning input');
    expect(r.diagnostics[0]!.related?.[0]!.range).toEqual(within(src, 'film(headers, seq)', 'seq'));
  });

  it('MMF2001 / MMF2005 / MMF2006: 1-D pools on a vector, on ids, and a window longer than the sequence', () => {
    const { src, r, list } = diags(`encoder a = headers -> max_pool1d(2)
encoder b = subject -> avg_pool1d(2)
encoder c = subject -> embedding(4) -> max_pool1d(25)
encoder ok = subject -> embedding(4) -> max_pool1d(25, padding same) -> [batch, 1, 4]
`);
    expect(list).toEqual([
      ['MMF2001', rangeOf(src, 'max_pool1d(2)')],
      ['MMF2005', rangeOf(src, 'avg_pool1d(2)')],
      ['MMF2006', rangeOf(src, 'max_pool1d(25)')],
    ]);
    expect(r.diagnostics[2]!.message).toContain('pool_size 25');
    expect(r.diagnostics[2]!.hint).toContain('padding same');
  });

  it('MMF2001 / MMF2005 / MMF3001: normalisation on ids, bidirectional lstm on a vector, epsilon 0', () => {
    const { src, r, list } = diags(`encoder a = subject -> batch_norm
encoder b = headers -> lstm(8, bidirectional true)
encoder c = headers -> layer_norm(epsilon 0)
`);
    expect(list).toEqual([
      ['MMF2005', rangeOf(src, 'batch_norm')],
      ['MMF2001', rangeOf(src, 'lstm(8, bidirectional true)')],
      ['MMF3001', within(src, 'epsilon 0', '0')],
    ]);
    expect(r.diagnostics[1]!.message).toMatch(/^lstm\(bidirectional\) expects a sequence/);
  });

  it('MMF2004: regression of a binary label and classifier of a number label, at the label; regression of a sequence', () => {
    const { src, r, list } = diags(`encoder seq = body -> embedding(8)
model A = headers -> regression(spam)
model B = headers -> classifier(price)
model C = seq -> regression(price)
`);
    expect(list).toEqual([
      ['MMF2004', within(src, 'regression(spam)', 'spam')],
      ['MMF2004', within(src, 'classifier(price)', 'price')],
      ['MMF2004', rangeOf(src, 'regression(price)')],
    ]);
    expect(r.diagnostics[0]!.hint).toContain('classifier(spam)');
    expect(r.diagnostics[1]!.hint).toContain('regression(price)');
    expect(r.diagnostics[2]!.hint).toContain('global_max_pool');
  });

  it('MMF1004: a misspelt label kind suggests number; number takes no arguments (MMF1005 / MMF1007)', () => {
    const src = `dataset d from jsonl("d.jsonl")\nlabel a: numbr from d.a\nlabel b: number(3) from d.b\n`;
    const r = compile(src, { skipDataFiles: true });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MMF1004', 'MMF1007']);
    expect(r.diagnostics[0]!.range).toEqual(rangeOf(src, 'numbr'));
    expect(r.diagnostics[0]!.hint).toBe("Did you mean 'number'?");
  });

  it('MMF3001: class_weights on a regression model, at the train block', () => {
    const { src, list } = diags(`model P = headers -> regression(price)\ntrain P { class_weights [1, 2] }\n`);
    expect(list).toEqual([['MMF3001', rangeOf(src, 'train P { class_weights [1, 2] }')]]);
  });

  it('MMF4001: a regression model cannot be trained yet, at its head', () => {
    const { src, r } = diags(`model P = headers -> regression(price)\n`);
    expect(r.diagnostics).toEqual([]);
    const d = trainingDiagnostics(r.models[0]!);
    expect(d.map((x) => [x.code, x.severity, x.range])).toEqual([['MMF4001', 'error', rangeOf(src, 'regression(price)')]]);
    expect(d[0]!.message).toContain('cannot be trained yet');
  });
});

describe('mmfc train refuses a regression model', () => {
  afterEach(() => vi.restoreAllMocks());
  it('exits 1 with MMF4001 and writes nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmf-regression-'));
    try {
      const file = path.join(dir, 'price.mmf');
      fs.writeFileSync(path.join(dir, 'd.jsonl'), '{"a": 1, "b": 2, "price": 3.5}\n');
      fs.writeFileSync(file, `dataset d from jsonl("d.jsonl")\ninput x: tabular from d[a, b]\nlabel price: number from d.price\nmodel P = x -> regression(price)\n`);
      let err = '';
      vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
      const out = path.join(dir, 'out');
      expect(await trainCommand(file, { out })).toBe(1);
      expect(err).toContain('MMF4001');
      expect(err).toContain('cannot be trained yet');
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
