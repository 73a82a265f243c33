/**
 * Named, parameterised encoder definitions (`encoder Tower(width) = embedding(width) -> gru(width)`): applying them
 * with arguments, shapes and parameter counts, weights shared with `shared ENC` (one tfjs layer object applied twice,
 * one ONNX initializer read twice, parameters counted once), every diagnostic with its exact code and range, and
 * parity: tfjs (cpu) and ONNX Runtime (CPU) on the same random weights at batch sizes 1, 3 and 8 within 1e-4.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../compiler/index.ts';
import { emitOnnx, randomWeights } from '../compiler/emit/onnx/index.ts';
import { onnx } from '../compiler/emit/onnx/graph.ts';
import { emitTfjs, printModelBuilder } from '../compiler/emit/tfjs/program.ts';
import { format } from '../grammar/format.ts';
import { summaryTable } from '../cli/summary.ts';
import { analyse } from '../vscode-extension/server/analysis.ts';
import { completion } from '../vscode-extension/server/completion.ts';
import { hover } from '../vscode-extension/server/hover.ts';
import { documentSymbols } from '../vscode-extension/server/outline.ts';
import { checkParity, parityReport, type ParityMeasure } from './helpers/parity.ts';
import { buildTfjsModel } from './helpers/tfjs-model.ts';
import { rangeOf, within } from './helpers/ranges.ts';

await tf.setBackend('cpu');
const measured: ParityMeasure[] = [];

const MMF = `dataset d from jsonl("d.jsonl")
input left: text(vocab 60, max_len 7) from d.left
input right: text(vocab 60, max_len 5) from d.right
input meta: tabular from d[a, b, c]
input more: tabular from d[e, f, g]
label same: binary from d.same
encoder Tower(width, act) = embedding(width) -> conv1d(width, 3, padding same, activation act) -> gru(width) -> [batch, width]
encoder Block(n) = dense(n, relu) -> dropout(0.1) -> dense(n)
encoder l = left -> Tower(8, relu)
encoder r = right -> Tower(8, relu, shared l)
encoder r2 = right -> Tower(width 8, act tanh)
encoder m1 = meta -> Block(4)
encoder m2 = more -> Block(4, shared m1)
model Pair = concat(l, r, r2, m1, m2) -> classifier(same, hidden [8])
`;

describe('encoder definitions: checker', () => {
  const r = compile(MMF, { skipDataFiles: true });
  const m = r.models[0]!;
  const n = (id: string) => m.nodes.find((x) => x.id === id)!;

  it("apply with arguments; shared layers read their owner's weights and count no parameters", () => {
    expect(r.diagnostics).toEqual([]);
    expect(m.nodes.map((x) => `${x.id} ${x.op} [${x.out.shape.join(', ')}] ${x.params}${x.sharedWith ? ` ← ${x.sharedWith}` : ''}`)).toEqual([
      'l_embedding embedding [batch, 7, 8] 480',
      'l_conv1d conv1d [batch, 7, 8] 200',
      'l_gru gru [batch, 8] 408',
      'r_embedding embedding [batch, 5, 8] 0 ← l_embedding',
      'r_conv1d conv1d [batch, 5, 8] 0 ← l_conv1d',
      'r_gru gru [batch, 8] 0 ← l_gru',
      'r2_embedding embedding [batch, 5, 8] 480',
      'r2_conv1d conv1d [batch, 5, 8] 200',
      'r2_gru gru [batch, 8] 408',
      'm1_dense dense [batch, 4] 16',
      'm1_dropout dropout [batch, 4] 0',
      'm1_dense_2 dense [batch, 4] 20',
      'm2_dense dense [batch, 4] 0 ← m1_dense',
      'm2_dropout dropout [batch, 4] 0',
      'm2_dense_2 dense [batch, 4] 0 ← m1_dense_2',
      'Pair_concat concat [batch, 32] 0',
      'Pair_head_dense dense [batch, 8] 264',
      'Pair_same dense [batch, 1] 9',
    ]);
    expect(n('r_conv1d').attrs).toEqual(n('l_conv1d').attrs);
    expect(n('r2_conv1d').attrs).toMatchObject({ activation: 'tanh' });
    // parameters: each set once — two towers of 1,088 (l's, shared by r; r2's own), one block of 36, the head 264 + 9
    expect(m.nodes.reduce((s, x) => s + x.params, 0)).toBe(2 * 1088 + 36 + 273);
    // the node ranges are the calls
    expect(n('r_gru').range).toEqual(rangeOf(MMF, 'Tower(8, relu, shared l)'));
    // hover types: one per call, with the parameters it adds
    const t = r.stepTypes.find((x) => x.decl === 'l' && x.label === 'Tower')!;
    expect(t).toMatchObject({ params: 1088, range: rangeOf(MMF, 'Tower(8, relu)') });
  });

  it('mmfc check --summary: shared layers name their owner, the total counts each weight once', () => {
    const table = summaryTable(m);
    expect(table).toMatch(/\nr_gru +gru \(weights of l_gru\) +\[batch, 8\] +0 /);
    expect(table).toContain(`total: ${(2 * 1088 + 36 + 273).toLocaleString('en-US')} parameters`);
  });

  it('the definition line is formatted like any declaration', () => {
    expect(format('encoder Tower( width,act ) = embedding(width)->gru(width)\n')).toEqual({ ok: true, text: 'encoder Tower(width, act) = embedding(width) -> gru(width)\n' });
  });

  const bad = (body: string) => {
    const src = `dataset d from jsonl("d.jsonl")
input left: text(vocab 60, max_len 7) from d.left
input other: text(vocab 90, max_len 7) from d.other
input pic: image(8, 8, 1) from d.pic
encoder Tower(width) = embedding(width) -> gru(width)
encoder l = left -> Tower(8)
${body}`;
    return { src, r: compile(src, { skipDataFiles: true }) };
  };
  /** [declarations, code, context, the culprit inside the context] */
  it.each([
    ['encoder e = left -> Towr(8)\n', 'MMF1004', 'Towr(8)', 'Towr'],
    ['encoder e = left -> Tower(8, 9)\n', 'MMF1007', 'Tower(8, 9)', '9'],
    ['encoder e = left -> Tower()\n', 'MMF1006', 'Tower()', 'Tower()'],
    ['encoder e = left -> Tower(widht 8)\n', 'MMF1005', 'widht', 'widht'],
    ['encoder e = left -> Tower(8, width 9)\n', 'MMF1007', 'width 9', 'width 9'],
    ['encoder e = left -> Tower("wide")\n', 'MMF3002', '"wide"', '"wide"'],
    ['encoder e = pic -> Tower(8)\n', 'MMF2005', 'pic -> Tower(8)', 'Tower(8)'],
    ['encoder e = other -> Tower(8, shared l)\n', 'MMF2008', 'shared l', 'l'],
    ['encoder e = left -> Tower(8, shared nobody)\n', 'MMF1001', 'nobody', 'nobody'],
    ['encoder k = left -> dense(3)\nencoder e = left -> Tower(8, shared k)\n', 'MMF1003', 'shared k', 'k'],
    ['encoder e = left -> Tower(8, shared e)\n', 'MMF1010', 'shared e', 'e'],
    ['encoder Loop(w) = dense(w) -> Back(w)\nencoder Back(w) = Loop(w)\n', 'MMF1010', '-> Back', 'Back'], // once per cycle
    ['encoder Twice(w, w) = dense(w)\n', 'MMF1002', 'w, w', 'w'],
    ['encoder Odd(w) = dense(w) -> nonesuch(w)\n', 'MMF1004', 'nonesuch', 'nonesuch'],
    ['encoder e = Tower -> dense(3)\n', 'MMF1003', 'Tower -> dense', 'Tower'],
    ['encoder Wrong(w) = left -> dense(w)\n', 'MMF1003', 'left -> dense(w)', 'left'],
  ])('%s → %s', (body, code, context, culprit) => {
    const { src, r } = bad(body);
    const c = within(src, body, context);
    const start = { line: c.start.line, character: c.start.character + context.lastIndexOf(culprit) };
    const list = r.diagnostics.map((d) => [d.code, d.range]);
    expect(list).toContainEqual([code, { start, end: { line: start.line, character: start.character + culprit.length } }]);
    expect(list.filter(([c2]) => c2 === code).length).toBe(1);
    expect(r.diagnostics.every((d) => d.hint)).toBe(true);
  });

  it('a problem inside the body is reported at the call, pointing into the definition', () => {
    const { src, r } = bad('encoder e = pic -> Tower(8)\n');
    const d = r.diagnostics.find((x) => x.code === 'MMF2005')!;
    expect(d.message).toMatch(/^in Tower \(line 5\), applied here: embedding/);
    expect(d.related?.[0]).toEqual({ message: 'inside the definition of Tower', range: rangeOf(src, 'encoder Tower(width) = embedding(width) -> gru(width)') });
  });
});

describe('language server: completion', () => {
  it('offers definitions after ->, with their parameters, and not as the start of a pipeline', () => {
    const text = `dataset d from jsonl("d.jsonl")\ninput left: text(vocab 60, max_len 7) from d.left\nencoder Tower(width, act) = embedding(width) -> gru(width)\nencoder l = left -> `;
    const a = analyse('untitled:defs.mmf', 1, text, () => undefined);
    const lines = text.split('\n');
    const items = completion(a, { line: lines.length - 1, character: lines[lines.length - 1]!.length }).items;
    const tower = items.find((i) => i.label === 'Tower')!;
    expect(tower.textEdit!.newText).toBe('Tower(${1:width}, ${2:act})');
    expect(items.some((i) => i.label === 'dense')).toBe(true);
    const start = analyse('untitled:defs.mmf', 2, text.replace(/left -> $/, ''), () => undefined);
    const first = completion(start, { line: lines.length - 1, character: 'encoder l = '.length }).items.map((i) => i.label);
    expect(first).toContain('left');
    expect(first).not.toContain('Tower');
  });
});

describe('language server: hover and outline', () => {
  const text = `dataset d from jsonl("d.jsonl")
input left: text(vocab 60, max_len 7) from d.left
input right: text(vocab 60, max_len 5) from d.right
encoder Tower(width) = embedding(width) -> gru(width)
encoder l = left -> Tower(8)
encoder r = right -> Tower(8, shared l)
`;
  const a = analyse('untitled:hover.mmf', 1, text, () => undefined);
  it('hover on a definition: its signature and each application, a shared one adding no parameters', () => {
    const h = hover(a, { line: 3, character: 10 })!;
    const v = (h.contents as { value: string }).value;
    expect(v).toContain('encoder Tower(width) = embedding(width) -> gru(width)');
    expect(v).toContain('- line 5, in `l`: `[batch, 8] float32`, 888 parameters');
    expect(v).toContain('- line 6, in `r`: `[batch, 8] float32`, 0 parameters');
  });
  it('outline: a definition shows its parameters', () => {
    expect(documentSymbols(a).find((x) => x.name === 'Tower')!.detail).toBe('definition (width)');
  });
});

describe('docs/language.md example', () => {
  it('compiles with the parameter counts the docs give', () => {
    const src = `dataset pairs from jsonl("p.jsonl")
input question: text(vocab 8000, max_len 24) from pairs.question
input answer:   text(vocab 8000, max_len 64) from pairs.answer
input other:    text(vocab 8000, max_len 64) from pairs.other
label match: binary from pairs.match
encoder Tower(width, act) = embedding(width) -> conv1d(width, 3, padding same, activation act) -> gru(width)
encoder q = question -> Tower(64, relu)
encoder a = answer   -> Tower(64, relu, shared q)
encoder o = other    -> Tower(width 64, act tanh)
fusion pair = concat(q, a, o)
model M = pair -> classifier(match)
`;
    const r = compile(src, { skipDataFiles: true });
    expect(r.diagnostics).toEqual([]);
    const per = (decl: string) => r.models[0]!.nodes.filter((n) => n.decl === decl).reduce((s, n) => s + n.params, 0);
    expect([per('q'), per('a'), per('o')]).toEqual([549_120, 0, 549_120]);
    expect(r.models[0]!.nodes.find((n) => n.id === 'pair_concat')!.out.shape).toEqual(['batch', 192]);
  });
});

describe('encoder definitions: backends', () => {
  const r = compile(MMF, { skipDataFiles: true });
  const m = r.models[0]!;

  it('ONNX: one initializer per shared weight, read by both layers', () => {
    const proto = onnx.ModelProto.decode(emitOnnx(m, randomWeights(m, 7)));
    const inits = proto.graph!.initializer!.map((t) => t.name!);
    expect(inits.filter((x) => x.startsWith('r_') && !x.includes('axes') && !x.includes('shape'))).toEqual([]);
    expect(inits.filter((x) => x === 'l_embedding/embeddings')).toHaveLength(1);
    const readers = (name: string) => proto.graph!.node!.filter((x) => x.input!.includes(name)).map((x) => x.name!.split('/')[0]);
    expect(readers('l_embedding/embeddings')).toEqual(['l_embedding', 'r_embedding']);
    expect(readers('m1_dense/kernel')).toEqual(['m1_dense', 'm2_dense']);
    // every trained weight is one initializer, named after the node owning it
    const weightInits = inits.filter((x) => /\/(kernel|bias|embeddings|recurrent_kernel)$/.test(x)).sort();
    expect(weightInits).toEqual(m.nodes.filter((x) => !x.sharedWith).flatMap((x) => x.weights.map((w) => `${x.id}/${w.name}`)).sort());
  });

  it('tfjs: the same layer object applied twice; the model holds each weight once', async () => {
    const model = buildTfjsModel(m, tf, randomWeights(m, 7));
    try {
      const names = model.layers.map((l) => l.name);
      expect(names).toContain('l_embedding');
      expect(names).not.toContain('r_embedding');
      expect(model.countParams()).toBe(m.nodes.reduce((s, x) => s + x.params, 0));
      expect(model.getLayer('l_gru').inboundNodes.length).toBe(2);
    } finally {
      model.dispose();
    }
    const code = printModelBuilder(m, { sourceName: 'p.mmf', sourceText: MMF, version: '0' });
    // the whole generated module goes through prettier (a TypeScript parse) without complaint
    const files = await emitTfjs([m], { sourceName: 'p.mmf', sourceText: MMF, version: '0.0.0' });
    expect(files.find((f) => f.path === 'Pair.model.ts')!.contents).toContain('l_embedding$layer.apply(right)');
    expect(code).toContain('const l_embedding$layer = tf.layers.embedding(');
    expect(code).toContain("const r_embedding = l_embedding$layer.apply(right) as tf.SymbolicTensor; // shares l_embedding's weights");
  });

  it('tfjs and ONNX Runtime agree (shared towers and blocks)', async () => {
    await checkParity({ name: 'shared encoder definitions', build: () => m }, tf, measured);
    console.log(parityReport(measured));
  });
});
