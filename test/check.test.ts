import { describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import type { Range } from '../grammar/diagnostic.ts';
import { rangeOf, within } from './helpers/ranges.ts';


const HEADER = `dataset emails from jsonl("emails.jsonl") { split(train 0.8, val 0.1, test 0.1, seed 7) }
input subject: text(vocab 5000, max_len 24) from emails.subject
input body: text(vocab 20000, max_len 256) from emails.body
input headers: tabular(normalize zscore, impute mean) from emails[received, links, html, caps, hour, size]
input sender: categorical(vocab 50) from emails.domain
label spam: binary from emails.is_spam
label topic: classes("work", "family", "ads") from emails.topic
`;

/** Compile without touching data files; returns [code, range] pairs. */
function diags(body: string) {
  const src = HEADER + body;
  const r = compile(src, { skipDataFiles: true });
  return { src, r, list: r.diagnostics.map((d) => [d.code, d.range] as const) };
}

describe('shape inference on a valid model', () => {
  const src =
    HEADER +
    `encoder subj = subject -> embedding(64) -> gru(64)
encoder text = body -> embedding(64) -> conv1d(128, 5, activation relu) -> global_max_pool -> [batch, 128]
encoder meta = headers -> mlp([32])
fusion joint = attention(subj, text, meta, dim 64, heads 4)
model SpamNet = joint -> classifier(spam, hidden [64], dropout 0.2)
train SpamNet { optimizer adam(lr 1e-3) epochs 10 batch 64 early_stop(val_loss, patience 3) seed 42 }
`;
  const r = compile(src, { skipDataFiles: true });

  it('has no diagnostics and one model', () => {
    expect(r.diagnostics).toEqual([]);
    expect(r.models.map((m) => m.name)).toEqual(['SpamNet']);
  });

  it('infers every node shape and parameter count', () => {
    const m = r.models[0]!;
    const byId = Object.fromEntries(m.nodes.map((n) => [n.id, n]));
    expect(byId.subj_embedding!.out.shape).toEqual(['batch', 24, 64]);
    expect(byId.subj_embedding!.params).toBe(5000 * 64);
    expect(byId.subj_gru!.out.shape).toEqual(['batch', 64]);
    expect(byId.subj_gru!.params).toBe(64 * 192 + 64 * 192 + 192);
    expect(byId.text_conv1d!.out.shape).toEqual(['batch', 252, 128]);
    expect(byId.text_conv1d!.params).toBe(5 * 64 * 128 + 128);
    expect(byId.text_global_max_pool!.out.shape).toEqual(['batch', 128]);
    expect(byId.meta_mlp_dense!.out.shape).toEqual(['batch', 32]);
    expect(byId.joint_context!.out.shape).toEqual(['batch', 2, 64]);
    expect(byId.joint_attention!.out.shape).toEqual(['batch', 1, 64]);
    expect(byId.joint_attention!.params).toBe(4 * (64 * 64 + 64));
    expect(byId.SpamNet_spam!.out.shape).toEqual(['batch', 1]);
    expect(m.head).toMatchObject({ output: 'SpamNet_spam', units: 1, activation: 'sigmoid', loss: 'binaryCrossentropy' });
    expect(m.inputs.map((i) => [i.name, i.out.shape, i.out.dtype])).toEqual([
      ['subject', ['batch', 24], 'int32'],
      ['body', ['batch', 256], 'int32'],
      ['headers', ['batch', 6], 'float32'],
    ]);
  });

  it('reads the train block', () => {
    expect(r.models[0]!.train).toMatchObject({
      optimizer: { name: 'adam', lr: 1e-3 },
      epochs: 10,
      batchSize: 64,
      seed: 42,
      earlyStop: { monitor: 'val_loss', patience: 3 },
    });
  });

  it('records the type after each step for hovers', () => {
    const t = r.stepTypes.find((s) => s.label === 'conv1d');
    expect(t?.type.shape).toEqual(['batch', 252, 128]);
    expect(t?.range).toEqual(rangeOf(src, 'conv1d(128, 5, activation relu)'));
  });

  it('concat widths add up; a softmax head has one unit per class', () => {
    const { r: r2 } = diags(`encoder a = headers -> dense(16)
encoder b = sender -> embedding(8) -> flatten
fusion j = concat(a, b)
model Topic = j -> classifier(topic)
`);
    expect(r2.diagnostics).toEqual([]);
    const m = r2.models[0]!;
    expect(m.nodes.find((n) => n.op === 'concat')!.out.shape).toEqual(['batch', 24]);
    expect(m.head).toMatchObject({ units: 3, activation: 'softmax', loss: 'categoricalCrossentropy' });
  });
});

describe('diagnostics', () => {
  it('MMF1001 unknown name with did-you-mean', () => {
    const { src, r, list } = diags(`encoder subj = subjcet -> embedding(8) -> gru(8)\n`);
    expect(list).toEqual([['MMF1001', rangeOf(src, 'subjcet')]]);
    expect(r.diagnostics[0]!.hint).toBe("Did you mean 'subject'?");
  });

  it('MMF1002 duplicate name, with the first declaration as related info', () => {
    const { src, r, list } = diags(`encoder meta = headers -> dense(8)\nencoder meta = headers -> dense(4)\n`);
    expect(list).toEqual([['MMF1002', rangeOf(src, 'meta', 1)]]);
    expect(r.diagnostics[0]!.related?.[0]?.range).toEqual(rangeOf(src, 'meta', 0));
  });

  it('MMF1003 a label used as an encoder input', () => {
    const { src, list } = diags(`encoder e = spam -> dense(8)\n`);
    expect(list).toEqual([['MMF1003', within(src, 'spam ->', 'spam')]]);
  });

  it('MMF1004 unknown layer with did-you-mean', () => {
    const { src, r, list } = diags(`encoder e = body -> embeding(8) -> gru(8)\n`);
    expect(list).toEqual([['MMF1004', rangeOf(src, 'embeding')]]);
    expect(r.diagnostics[0]!.hint).toBe("Did you mean 'embedding'?");
  });

  it('MMF1005 unknown argument with did-you-mean', () => {
    const { src, r, list } = diags(`encoder e = body -> embedding(8) -> conv1d(16, 3, activaton relu)\n`);
    expect(list).toEqual([['MMF1005', rangeOf(src, 'activaton')]]);
    expect(r.diagnostics[0]!.hint).toBe("Did you mean 'activation'?");
  });

  it('MMF1006 missing required argument', () => {
    const { src, list } = diags(`encoder e = body -> embedding(8) -> conv1d(16)\n`);
    expect(list).toEqual([['MMF1006', rangeOf(src, 'conv1d(16)')]]);
  });

  it('MMF1010 a cycle between encoders', () => {
    const { src, list } = diags(`fusion a = concat(b, subject)\nfusion b = concat(a, subject)\n`);
    // Each fusion, compiled on its own, finds the cycle where it re-enters itself.
    expect(list).toEqual([
      ['MMF1010', within(src, '(a, subject)', 'a')],
      ['MMF1010', within(src, '(b, subject)', 'b')],
    ].sort((x, y) => (x[1] as Range).start.line - (y[1] as Range).start.line));
  });

  it('MMF2001 rank mismatch: conv1d fed a vector, naming both shapes', () => {
    const { src, r, list } = diags(`encoder e = headers -> conv1d(16, 3)\n`);
    expect(list).toEqual([['MMF2001', rangeOf(src, 'conv1d(16, 3)')]]);
    expect(r.diagnostics[0]!.message).toContain('[batch, 6] float32');
    expect(r.diagnostics[0]!.related?.[0]?.message).toBe('input headers (line 4) produces [batch, 6] float32');
  });

  it('MMF2002 width mismatch in a weighted sum, with a projection hint', () => {
    const { src, r, list } = diags(`encoder a = headers -> dense(32)\nencoder b = headers -> dense(16)\nfusion j = weighted_sum(a, b)\n`);
    expect(list).toEqual([['MMF2002', rangeOf(src, 'weighted_sum(a, b)')]]);
    expect(r.diagnostics[0]!.message).toBe('weighted_sum adds inputs of one shape, but input 2 is [batch, 16] and input 1 is [batch, 32]');
    expect(r.diagnostics[0]!.hint).toBe('Project both to the same width, e.g. add -> dense(32) to the narrower encoder.');
  });

  it('MMF2003 shape annotation mismatch', () => {
    const { src, r, list } = diags(`encoder a = headers -> dense(32) -> [batch, 64]\n`);
    expect(list).toEqual([['MMF2003', rangeOf(src, '[batch, 64]')]]);
    expect(r.diagnostics[0]!.hint).toBe('Change the annotation to [batch, 32], or add -> dense(64) before it.');
  });

  it('MMF2004 a head that does not fit: a sequence into a classifier', () => {
    const { src, r, list } = diags(`model M = body -> embedding(8) -> classifier(spam)\n`);
    expect(list).toEqual([['MMF2004', rangeOf(src, 'classifier(spam)')]]);
    expect(r.diagnostics[0]!.message).toContain('[batch, 256, 8] float32');
  });

  it('MMF2004 a model without a head', () => {
    const { src, list } = diags(`model M = headers -> dense(8)\n`);
    expect(list).toEqual([['MMF2004', rangeOf(src, 'dense(8)')]]);
  });

  it('MMF2005 token ids into dense', () => {
    const { src, list } = diags(`encoder e = body -> dense(8)\n`);
    expect(list).toEqual([['MMF2005', rangeOf(src, 'dense(8)')]]);
  });

  it('MMF3001 out-of-range hyperparameters: units ≤ 0, dropout ≥ 1, learning rate ≤ 0', () => {
    const { src, list } = diags(`encoder e = headers -> dense(0) -> dropout(1) -> dense(4)
model M = e -> classifier(spam)
train M { optimizer adam(lr 0) }
`);
    expect(list).toEqual([
      ['MMF3001', within(src, 'dense(0)', '0')],
      ['MMF3001', within(src, 'dropout(1)', '1')],
      ['MMF3001', within(src, 'lr 0', '0')],
    ]);
  });

  it('MMF3001 attention heads must divide dim', () => {
    const { src, r, list } = diags(`encoder a = headers -> dense(8)\nencoder b = headers -> dense(8)\nfusion j = attention(a, b, dim 30, heads 4)\n`);
    expect(list).toEqual([['MMF3001', within(src, 'heads 4', '4')]]);
    expect(r.diagnostics[0]!.hint).toBe('Use heads 3 or a dim that is a multiple of 4 (e.g. 32).');
  });

  it('MMF3006 sizes no backend can hold are refused before anything is allocated', () => {
    const { src, r, list } = diags(`encoder a = headers -> dense(1e12)\nencoder b = body -> embedding(64, vocab 100000000)\n`);
    expect(list).toEqual([
      ['MMF3006', rangeOf(src, 'dense(1e12)')],
      ['MMF3006', rangeOf(src, 'embedding(64, vocab 100000000)')],
    ]);
    expect(r.diagnostics[0]!.message).toBe(
      'dense would need a kernel of [6, 1000000000000] = 6.00e+12 values (22351.7 GiB of float32), more than the 268,435,456 values one weight may hold',
    );
  });

  it('MMF3003 invalid choice with did-you-mean', () => {
    const { src, r, list } = diags(`encoder e = headers -> dense(8, rleu)\n`);
    expect(list).toEqual([['MMF3003', rangeOf(src, 'rleu')]]);
    expect(r.diagnostics[0]!.hint).toBe("Did you mean 'relu'?");
  });

  it('MMF3004 split shares must sum to 1', () => {
    const src = `dataset d from csv("x.csv") { split(train 0.8, val 0.3) }\n`;
    const r = compile(src, { skipDataFiles: true });
    expect(r.diagnostics.map((d) => [d.code, d.range])).toEqual([['MMF3004', rangeOf(src, 'split(train 0.8, val 0.3)')]]);
  });

  it('reports several independent mistakes in one file, in source order', () => {
    const { src, list } = diags(`encoder a = headers -> dense(-3)
encoder b = body -> embedding(8) -> lstm(8) -> conv1d(4, 2)
encoder c = sender -> embeddin(4)
`);
    expect(list).toEqual([
      ['MMF3001', rangeOf(src, '-3')],
      ['MMF2001', rangeOf(src, 'conv1d(4, 2)')],
      ['MMF1004', within(src, 'embeddin(4)', 'embeddin')],
    ]);
  });

  it('a warning (missing data file, MMF1009) does not stop the model from being built', () => {
    const src = HEADER + `model M = headers -> dense(4) -> classifier(spam)\n`;
    const r = compile(src, { readHead: () => undefined });
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.range])).toEqual([['MMF1009', 'warning', rangeOf(src, 'jsonl("emails.jsonl")')]]);
    expect(r.models.map((m) => m.name)).toEqual(['M']);
  });

  it('never throws on garbage and half-written files', () => {
    for (const text of ['', 'model', 'encoder x = ', 'encoder x = subject ->', HEADER + 'fusion f = concat(', '\u0000\uffff{{{]]]']) {
      expect(() => compile(text, { skipDataFiles: true })).not.toThrow();
    }
  });
});
