/**
 * Multi-label classifier heads (`label tags: multilabel(...)`) and multi-task models (`heads(...)`): shapes,
 * outputs, parameter counts, every diagnostic with its exact code and range, and `mmfc train` refusing both
 * (MMF4001 at the head) before writing anything.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compile, trainingDiagnostics } from '../compiler/index.ts';
import { trainCommand } from '../cli/train.ts';
import { printModelBuilder } from '../compiler/emit/tfjs/program.ts';
import { rangeOf, within } from './helpers/ranges.ts';

const HEADER = `dataset d from jsonl("d.jsonl")
input x: tabular from d[a, b, c]
label tags: multilabel("drama", "comedy", "action") from d.genres
label flags: multilabel from d[f1, f2]
label spam: binary from d.is_spam
label genre: classes("a", "b", "c", "e") from d.genre
label price: number from d.price
`;

function check(body: string) {
  const src = HEADER + body;
  const r = compile(src, { skipDataFiles: true });
  return { src, r, list: r.diagnostics.map((d) => [d.code, d.range]) };
}

describe('multi-label labels and heads', () => {
  it('classifier on a multi-label label: K sigmoid units, binary cross-entropy', () => {
    const { r } = check('model M = x -> classifier(tags, hidden [8])\nmodel N = x -> classifier(flags)\n');
    expect(r.diagnostics).toEqual([]);
    const m = r.models.find((x) => x.name === 'M')!;
    expect(m.head).toMatchObject({ output: 'M_tags', units: 3, activation: 'sigmoid', loss: 'binaryCrossentropy' });
    expect(m.head.label).toEqual({ name: 'tags', kind: 'multilabel', columns: ['genres'], names: ['drama', 'comedy', 'action'], separator: '|' });
    expect(m.nodes.map((n) => `${n.op} [${n.out.shape.join(', ')}] ${n.params}`)).toEqual(['dense [batch, 8] 32', 'dense [batch, 3] 27']);
    const n = r.models.find((x) => x.name === 'N')!;
    expect(n.head.label).toEqual({ name: 'flags', kind: 'multilabel', columns: ['f1', 'f2'], names: ['f1', 'f2'], separator: '|' });
    expect(n.head.units).toBe(2);
  });

  it('names per column and a separator', () => {
    const src = `dataset d from jsonl("d.jsonl")
input x: tabular from d[a, b]
label t: multilabel("x", "y", separator ",") from d.tags
label u: multilabel("p", "q") from d[c1, c2]
model M = x -> classifier(t)
model N = x -> classifier(u)
`;
    const r = compile(src, { skipDataFiles: true });
    expect(r.diagnostics).toEqual([]);
    expect(r.models[0]!.head.label).toMatchObject({ columns: ['tags'], names: ['x', 'y'], separator: ',' });
    expect(r.models[1]!.head.label).toMatchObject({ columns: ['c1', 'c2'], names: ['p', 'q'] });
  });

  /** [declaration, code, text before the culprit (within the declaration), the culprit] */
  it.each([
    ['label l: multilabel from d.tags\n', 'MMF3005', '', 'd.tags'],
    ['label l: multilabel("a", "b", "c") from d[p, q]\n', 'MMF3005', '', 'd[p, q]'],
    ['label l: multilabel("a") from d.tags\n', 'MMF3001', '', 'multilabel("a")'],
    ['label l: multilabel("a", "a") from d.tags\n', 'MMF1007', '"a", ', '"a"'],
    ['label l: multilabel(3) from d.tags\n', 'MMF3002', '', '3'],
    ['label l: multilabel("a", "b", seperator ",") from d.tags\n', 'MMF1005', '', 'seperator'],
    ['label l: multilabel("a", "b", separator "") from d.tags\n', 'MMF3002', 'separator ', '""'],
    ['label l: multilabel from d[p, p]\n', 'MMF1007', 'p, ', 'p'],
    ['label l: multilabl from d.tags\n', 'MMF1004', '', 'multilabl'],
  ])('%s → %s', (decl, code, before, part) => {
    const { src, list } = check(decl);
    const r = within(src, decl, before + part);
    expect(list).toEqual([[code, { start: { line: r.start.line, character: r.start.character + before.length }, end: r.end }]]);
  });

  it('a regression on a multi-label label is MMF2004 at the label', () => {
    const { src, list } = check('model M = x -> regression(tags)\n');
    expect(list).toEqual([['MMF2004', within(src, 'regression(tags)', 'tags')]]);
    expect(check('model M = x -> regression(tags)\n').r.diagnostics[0]!.message).toContain('multi-label');
  });

  it('MMF4001: mmfc train refuses a multi-label model at its head', () => {
    const { src, r } = check('model M = x -> classifier(tags)\n');
    const d = trainingDiagnostics(r.models[0]!);
    expect(d.map((x) => [x.code, x.range])).toEqual([['MMF4001', rangeOf(src, 'classifier(tags)')]]);
    expect(d[0]!.message).toContain('multi-label');
  });
});

describe('multi-task models: heads(...)', () => {
  it('one output per head, named after its label, with loss weights', () => {
    const { src, r } = check('model M = x -> dense(8, relu) -> heads(classifier(genre, hidden [4]), regression(price), classifier(tags), weights [1, 0.5, 2])\n');
    expect(r.diagnostics).toEqual([]);
    const m = r.models[0]!;
    expect(m.multitask!.range).toEqual(rangeOf(src, 'heads(classifier(genre, hidden [4]), regression(price), classifier(tags), weights [1, 0.5, 2])'));
    expect(m.multitask!.heads.map((h) => [h.label.name, h.output, h.units, h.activation, h.loss, h.weight])).toEqual([
      ['genre', 'M_genre', 4, 'softmax', 'categoricalCrossentropy', 1],
      ['price', 'M_price', 1, 'linear', 'meanSquaredError', 0.5],
      ['tags', 'M_tags', 3, 'sigmoid', 'binaryCrossentropy', 2],
    ]);
    expect(m.multitask!.heads.map((h) => h.range)).toEqual([rangeOf(src, 'classifier(genre, hidden [4])'), rangeOf(src, 'regression(price)'), rangeOf(src, 'classifier(tags)')]);
    const { weight: _w, ...first } = m.multitask!.heads[0]!;
    expect(m.head).toEqual(first);
    // the shared trunk is built once; each head adds its own layers: 4·8+8 + (8·4+4) + (4·4+4) + (8·1+1) + (8·3+3)
    expect(m.nodes.map((n) => `${n.id} [${n.out.shape.join(', ')}] ${n.params}`)).toEqual([
      'M_dense [batch, 8] 32',
      'M_head_dense [batch, 4] 36',
      'M_genre [batch, 4] 20',
      'M_price [batch, 1] 9',
      'M_tags [batch, 3] 27',
    ]);
  });

  it('the generated tfjs builder returns one output per head, in order', () => {
    const { src, r } = check('model M = x -> heads(classifier(genre), regression(price), weights [1, 0.5])\n');
    const code = printModelBuilder(r.models[0]!, { sourceName: 'm.mmf', sourceText: src, version: '0' });
    expect(code).toContain('outputs: [M_genre, M_price] });');
    expect(code).toContain(' * output genre: [batch, 4] class probabilities, loss weight 1');
    expect(code).toContain(' * output price: [batch, 1] predicted value, loss weight 0.5');
  });

  it('weights default to 1 each; the alias multitask works', () => {
    const { r } = check('model M = x -> multitask(classifier(spam), regression(price))\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.models[0]!.multitask!.heads.map((h) => h.weight)).toEqual([1, 1]);
  });

  /** [declaration, code, a unique context in the declaration, the culprit inside that context] */
  it.each([
    ['model M = x -> heads(classifier(spam))\n', 'MMF1006', 'heads(classifier(spam))', 'heads(classifier(spam))'],
    ['model M = x -> heads(classifier(spam), regression(price), weights [1])\n', 'MMF3001', '[1]', '[1]'],
    ['model M = x -> heads(classifier(spam), regression(price), weights [0, 0])\n', 'MMF3001', '[0, 0]', '[0, 0]'],
    ['model M = x -> heads(classifier(spam), regression(price), weights [1, -1])\n', 'MMF3001', '[1, -1]', '[1, -1]'],
    ['model M = x -> heads(classifier(spam), classifier(spam, hidden [4]))\n', 'MMF1007', 'spam, hidden', 'spam'],
    ['model M = x -> heads(classifier(spam), dense(4))\n', 'MMF1003', 'dense', 'dense'],
    ['model M = x -> heads(classifier(spam), heads(regression(price), classifier(genre)))\n', 'MMF1003', 'heads(regression', 'heads'],
    ['model M = x -> heads(classifier(spam), regression(spam))\n', 'MMF1007', 'regression(spam', 'spam'],
    ['model M = x -> heads(classifier(spam), regression(genre))\n', 'MMF2004', 'genre', 'genre'],
    ['encoder e = x -> heads(classifier(spam), regression(price))\n', 'MMF2004', 'heads', 'heads'],
    ['model M = x -> heads(classifier(spam), regression(price)) -> dense(3)\n', 'MMF2004', 'heads', 'heads'],
  ])('%s → %s', (decl, code, context, culprit) => {
    const { src, list } = check(decl);
    const c = within(src, decl, context);
    const start = { line: c.start.line, character: c.start.character + context.indexOf(culprit) };
    expect(list).toEqual([[code, { start, end: { line: start.line, character: start.character + culprit.length } }]]);
  });

  it('MMF4001: mmfc train refuses a multi-task model at heads(...)', () => {
    const { src, r } = check('model M = x -> heads(classifier(spam), regression(price), weights [1, 0.5])\n');
    const d = trainingDiagnostics(r.models[0]!);
    expect(d.map((x) => [x.code, x.range])).toEqual([['MMF4001', rangeOf(src, 'heads(classifier(spam), regression(price), weights [1, 0.5])')]]);
    expect(d[0]!.hint).toContain('lossWeights [1, 0.5]');
  });
});

describe('mmfc train refuses what it cannot train', () => {
  afterEach(() => vi.restoreAllMocks());
  async function refuses(mmf: string, data: string): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmf-heads-'));
    try {
      const file = path.join(dir, 'm.mmf');
      fs.writeFileSync(path.join(dir, 'd.jsonl'), data);
      fs.writeFileSync(file, mmf);
      let err = '';
      vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
      const out = path.join(dir, 'out');
      expect(await trainCommand(file, { out })).toBe(1);
      expect(fs.existsSync(out)).toBe(false);
      return err;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  it('a multi-label model: exit 1, MMF4001, nothing written', async () => {
    const err = await refuses(
      `dataset d from jsonl("d.jsonl")\ninput x: tabular from d[a, b]\nlabel t: multilabel("p", "q") from d.tags\nmodel M = x -> classifier(t)\n`,
      '{"a": 1, "b": 2, "tags": ["p"]}\n',
    );
    expect(err).toContain('MMF4001');
    expect(err).toContain('multi-label');
  });
  it('a multi-task model: exit 1, MMF4001, nothing written', async () => {
    const err = await refuses(
      `dataset d from jsonl("d.jsonl")\ninput x: tabular from d[a, b]\nlabel s: binary from d.s\nlabel p: number from d.p\nmodel M = x -> heads(classifier(s), regression(p), weights [1, 0.5])\n`,
      '{"a": 1, "b": 2, "s": 1, "p": 2.5}\n',
    );
    expect(err).toContain('MMF4001');
    expect(err).toContain('multi-task');
  });
});
