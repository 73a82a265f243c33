/**
 * The mmf language server, driven as an editor drives it: a spawned process, JSON-RPC over stdio.
 * One server serves every test of this file (start-up is the slow part); each test uses its own documents.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CodeAction,
  CompletionItem,
  CompletionList,
  Diagnostic,
  DocumentSymbol,
  FoldingRange,
  Hover,
  InlayHint,
  Location,
  Position,
  Range,
  SemanticTokens,
  TextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { LspClient } from '../vscode-extension/test/client.ts';

export const MODEL = `dataset emails from jsonl("mail.jsonl") {
  split(by split)  // a column
}

input subject: text(vocab 4000, max_len 20) from emails.subject
input body:    text(vocab 20000, max_len 200) from emails.body
input headers: tabular(normalize zscore) from emails[links, caps, hour]
label spam:    binary from emails.is_spam

encoder subj = subject -> embedding(32) -> gru(32)
encoder text = body -> embedding(32) -> conv1d(64, 5, activation relu) -> global_max_pool
encoder meta = headers -> mlp([16])

fusion joint = concat(subj, text, meta)

model SpamNet = joint -> classifier(spam, hidden [64], dropout 0.2)

train SpamNet { optimizer adam(lr 1e-3) epochs 8 batch 64 }
`;

const ROWS = [
  { subject: 'hi', body: 'hello there', links: 1, caps: 0.1, hour: 9, is_spam: 0, split: 'train' },
  { subject: 'WIN', body: 'cheap pills', links: 7, caps: 0.9, hour: 3, is_spam: 1, split: 'test' },
];

let dir: string;
let server: LspClient;
let docs = 0;

/** Open `text` as a new document in the fixture folder; resolves to its URI and first diagnostics. */
async function openDoc(text: string, name = `doc${++docs}.mmf`): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
  const uri = pathToFileURL(join(dir, name)).href;
  await server.open(uri, text, 1);
  const p = await server.diagnosticsFor(uri, 1);
  return { uri, diagnostics: p.diagnostics };
}

/** The position of the `nth` occurrence (0-based) of `needle` in `text`, plus `offset` characters. */
export function posOf(text: string, needle: string, offset = 0, nth = 0): Position {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`'${needle}' not found`);
  }
  i += offset;
  const before = text.slice(0, i).split('\n');
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

function textAt(text: string, r: Range): string {
  const lines = text.split('\n');
  if (r.start.line !== r.end.line) throw new Error('multi-line range');
  return lines[r.start.line]!.slice(r.start.character, r.end.character);
}

function hoverText(h: Hover | null): string {
  expect(h).not.toBeNull();
  const c = h!.contents as { value: string };
  return c.value;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mmf-lsp-'));
  writeFileSync(join(dir, 'mail.jsonl'), ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n');
  server = await LspClient.start();
});

afterAll(async () => {
  if (server) expect(await server.shutdown()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

describe('initialize', () => {
  it('announces every feature', () => {
    const caps = server.initializeResult!.capabilities;
    expect(caps.hoverProvider).toBe(true);
    expect(caps.completionProvider).toBeDefined();
    expect(caps.definitionProvider).toBe(true);
    expect(caps.referencesProvider).toBe(true);
    expect(caps.documentHighlightProvider).toBe(true);
    expect(caps.renameProvider).toEqual({ prepareProvider: true });
    expect(caps.documentFormattingProvider).toBe(true);
    expect(caps.documentSymbolProvider).toBe(true);
    expect(caps.foldingRangeProvider).toBe(true);
    expect(caps.codeActionProvider).toBeDefined();
    expect(caps.inlayHintProvider).toBe(true);
    expect(caps.semanticTokensProvider?.legend.tokenTypes.length).toBeGreaterThan(5);
  });
});

describe('diagnostics', () => {
  it('a clean file has none', async () => {
    const { diagnostics } = await openDoc(MODEL);
    expect(diagnostics).toEqual([]);
  });

  it('reports syntax, name and shape errors of one file at once, with codes, hints and related locations', async () => {
    const text = MODEL.replace('concat(subj, text, meta)', 'weighted_sum(subj, text)')
      .replace('encoder meta = headers -> mlp([16])', 'encoder meta = headers -> mlp([16]) -> dense(')
      .replace('label spam:    binary from emails.is_spam', 'label spam:    binary from emails.is_spma');
    const { diagnostics } = await openDoc(text);
    const byCode = new Map(diagnostics.map((d) => [d.code, d]));
    // MMF0001: the unfinished `dense(`; MMF1006: its missing width; MMF1008: the column; MMF2002: the widths.
    expect([...byCode.keys()].sort()).toEqual(['MMF0001', 'MMF1006', 'MMF1008', 'MMF2002']);
    const shape = byCode.get('MMF2002')!;
    expect(shape.severity).toBe(1);
    expect(shape.source).toBe('mmf');
    expect(textAt(text, shape.range)).toBe('weighted_sum(subj, text)');
    expect(shape.message).toMatch(/\[batch, 64\].*\[batch, 32\]/);
    expect(shape.message).toMatch(/\nhint: .*dense\(32\)/);
    expect((shape.data as { hint: string }).hint).toMatch(/dense\(32\)/);
    expect(shape.relatedInformation?.[0]?.message).toMatch(/encoder text/);
    expect(textAt(text, shape.relatedInformation![0]!.location.range)).toBe('text');
    const column = byCode.get('MMF1008')!;
    expect(textAt(text, column.range)).toBe('is_spma');
    expect(column.message).toMatch(/Did you mean 'is_spam'/);
  });

  it('debounces edits: a burst is checked once after its last change (and its first change at once); a change after a pause at once', async () => {
    // A server of its own with a long debounce, so the test does not depend on how fast this machine is.
    const slow = await LspClient.start({ initializationOptions: { debounceMs: 1500 } });
    try {
      const uri = pathToFileURL(join(dir, 'burst.mmf')).href;
      await slow.open(uri, MODEL, 1);
      await slow.diagnosticsFor(uri, 1); // on open: at once
      const sends = [];
      for (let v = 2; v <= 6; v++) sends.push(slow.change(uri, v, MODEL.replace('gru(32)', `gru(${v === 6 ? 'x' : v})`)));
      await Promise.all(sends);
      const lastSent = performance.now();
      const last = await slow.diagnosticsFor(uri, 6);
      expect(last.diagnostics.map((d) => d.code)).toEqual(['MMF3002']);
      // version 2 came after a pause and was checked at once unless version 3 cancelled it first; 3 to 5 never
      const versions = slow.published.get(uri)!.map((p) => p.version);
      expect(versions.filter((v) => v !== 2)).toEqual([1, 6]);
      // after a pause longer than the debounce, a change is checked at once, not 1500 ms later
      await new Promise((r) => setTimeout(r, Math.max(0, lastSent + 1600 - performance.now())));
      const t0 = performance.now();
      await slow.change(uri, 7, MODEL);
      expect((await slow.diagnosticsFor(uri, 7)).diagnostics).toEqual([]);
      expect(performance.now() - t0).toBeLessThan(1500);
    } finally {
      await slow.shutdown();
    }
  });

  it('follows incremental edits', async () => {
    const { uri } = await openDoc(MODEL);
    const at = posOf(MODEL, 'gru(32)', 4);
    await server.change(uri, 2, [{ range: { start: at, end: { ...at, character: at.character + 2 } }, text: 'q' }]);
    const p = await server.diagnosticsFor(uri, 2);
    expect(p.diagnostics.map((d) => d.code)).toEqual(['MMF3002']);
    await server.change(uri, 3, [{ range: { start: at, end: { ...at, character: at.character + 1 } }, text: '32' }]);
    expect((await server.diagnosticsFor(uri, 3)).diagnostics).toEqual([]);
  });

  it('clears diagnostics on close', async () => {
    const { uri } = await openDoc('model M = nothing -> classifier(x)\n');
    await server.close(uri);
    await server.diagnostics(uri, (p) => p.diagnostics.length === 0 && p.version === undefined);
  });

  it('survives any input', async () => {
    for (const junk of ['', '\u0000\uffff', '(((((((((((', 'model = -> -> ->', '"unterminated', '/* open', 'input x: text( from']) {
      const { diagnostics } = await openDoc(junk);
      expect(Array.isArray(diagnostics)).toBe(true);
    }
  });
});

describe('hover', () => {
  let uri: string;
  const hoverAt = (p: Position) => server.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: p });
  beforeAll(async () => {
    uri = (await openDoc(MODEL)).uri;
  });

  it('an encoder: kind, shape, parameters, where it is defined', async () => {
    const h = hoverText(await hoverAt(posOf(MODEL, 'text, meta)', 1)));
    expect(h).toContain('encoder text: [batch, 64] float32');
    expect(h).toContain('650,304'); // 20000·32 + 5·32·64 + 64
    expect(h).toContain('line 11');
  });

  it('an ensemble: its declaration, kind, members and label; outline entry', async () => {
    const text = MODEL + '\nmodel Other = meta -> classifier(spam)\nensemble Vote = voting([SpamNet, Other], soft)\n';
    const doc = await openDoc(text);
    expect(doc.diagnostics).toEqual([]);
    const h = hoverText(await server.request<Hover>('textDocument/hover', { textDocument: { uri: doc.uri }, position: posOf(text, 'Vote', 1) }));
    expect(h).toContain('ensemble Vote = voting([SpamNet, Other], soft)');
    expect(h).toContain('Ensemble (voting) of `SpamNet`, `Other`, predicting `spam`');
    const symbols = await server.request<{ name: string; detail?: string }[]>('textDocument/documentSymbol', { textDocument: { uri: doc.uri } });
    expect(symbols.find((x) => x.name === 'Vote')?.detail).toBe('voting([SpamNet, Other], soft)');
  });

  it('an input, a label, a dataset, a model', async () => {
    expect(hoverText(await hoverAt(posOf(MODEL, 'subject ->')))).toContain('input subject: [batch, 20] int32');
    expect(hoverText(await hoverAt(posOf(MODEL, 'headers ->')))).toContain('[batch, 3] float32');
    expect(hoverText(await hoverAt(posOf(MODEL, 'spam, hidden')))).toMatch(/label spam[\s\S]*\[batch, 1\]/);
    const ds = hoverText(await hoverAt(posOf(MODEL, 'emails.body', 2)));
    expect(ds).toContain('mail.jsonl');
    expect(ds).toContain('`is_spam`');
    const m = hoverText(await hoverAt(posOf(MODEL, 'SpamNet', 1, 1)));
    expect(m).toContain('model SpamNet: [batch, 1] float32');
    expect(m).toMatch(/\*\*\d{3},\d{3}\*\* parameters/);
  });

  it('a layer: its doc, shape rule and the type it produces here', async () => {
    const h = hoverText(await hoverAt(posOf(MODEL, 'conv1d', 2)));
    expect(h).toContain('layer conv1d → [batch, 196, 64] float32');
    expect(h).toContain('`[batch, 200, 32] float32` → `[batch, 196, 64] float32`');
    expect(h).toContain('10,304 parameters');
    expect(h).toContain('convolution');
    expect(h).toContain('**Shape:**');
    expect(h).toContain('`filters`');
  });

  it('a fusion operator and a head', async () => {
    expect(hoverText(await hoverAt(posOf(MODEL, 'concat', 1)))).toContain('fusion operator concat → [batch, 112] float32');
    expect(hoverText(await hoverAt(posOf(MODEL, 'classifier', 1)))).toContain('head classifier → [batch, 1] float32');
  });

  it('an argument key and a column', async () => {
    expect(hoverText(await hoverAt(posOf(MODEL, 'activation relu', 1)))).toContain('activation function');
    expect(hoverText(await hoverAt(posOf(MODEL, 'is_spam', 1)))).toContain('mail.jsonl');
  });

  it('an input kind, a data source, an optimizer, a setting', async () => {
    expect(hoverText(await hoverAt(posOf(MODEL, 'text(vocab 4000')))).toMatch(/text\(vocab 4000, max_len 20\)[\s\S]*`max_len`/);
    expect(hoverText(await hoverAt(posOf(MODEL, 'jsonl')))).toContain('One JSON object per line');
    expect(hoverText(await hoverAt(posOf(MODEL, 'adam')))).toContain('`lr`');
    expect(hoverText(await hoverAt(posOf(MODEL, 'epochs')))).toContain('Passes over the training split');
    expect(hoverText(await hoverAt(posOf(MODEL, 'max_len 20')))).toContain('tokens kept per sample');
  });

  it('nothing on a keyword or a number', async () => {
    expect(await hoverAt(posOf(MODEL, 'encoder', 1))).toBeNull();
    expect(await hoverAt(posOf(MODEL, '4000', 1))).toBeNull();
  });
});

describe('inlay hints', () => {
  it('show the output shape after each encoder, fusion and head', async () => {
    const { uri } = await openDoc(MODEL);
    const hints = await server.request<InlayHint[]>('textDocument/inlayHint', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } },
    });
    const lines = MODEL.split('\n');
    const shown = hints.map((h) => `${lines[h.position.line]!.slice(0, h.position.character).split(' ')[1]} ${h.label}`);
    expect(shown).toEqual(['subj [batch, 32]', 'text [batch, 64]', 'meta [batch, 16]', 'joint [batch, 112]', 'SpamNet [batch, 1]']);
    expect(hints[0]!.position).toEqual(posOf(MODEL, 'gru(32)', 7));
  });
});


describe('completion', () => {
  /** Labels offered at the end of MODEL + `tail` (or at `|` in it). */
  async function complete(tail: string): Promise<CompletionItem[]> {
    const full = MODEL + tail;
    const at = full.includes('|') ? full.indexOf('|') : full.length;
    const text = full.replace('|', '');
    const { uri } = await openDoc(text);
    const before = text.slice(0, at).split('\n');
    const list = await server.request<CompletionList>('textDocument/completion', {
      textDocument: { uri },
      position: { line: before.length - 1, character: before[before.length - 1]!.length },
    });
    return list.items;
  }
  const labels = (items: CompletionItem[]) => items.map((i) => i.label);

  it('after -> : layers with their parameters as snippets (heads only in a model)', async () => {
    const items = await complete('encoder e2 = subject -> ');
    const conv = items.find((i) => i.label === 'conv1d')!;
    expect(conv.textEdit?.newText).toBe('conv1d(${1:filters}, ${2:kernel_size})');
    expect(conv.insertTextFormat).toBe(2);
    expect(conv.detail).toContain('filters');
    expect((conv.documentation as { value: string }).value).toContain('`kernel_size`');
    expect(labels(items)).toContain('embedding');
    expect(labels(items)).toContain('global_max_pool');
    expect(labels(items)).not.toContain('classifier');
    expect(labels(items)).not.toContain('concat');
    expect(labels(items)).not.toContain('subj');
    expect(labels(await complete('model M2 = joint -> '))).toContain('classifier');
  });

  it('the word being typed is replaced', async () => {
    const items = await complete('encoder e2 = subject -> emb');
    const e = items.find((i) => i.label === 'embedding')!;
    const r = (e.textEdit as TextEdit).range;
    expect(r.end.character - r.start.character).toBe(3);
    expect(r.start).toEqual({ line: MODEL.split('\n').length - 1, character: 'encoder e2 = subject -> '.length });
  });

  it('at the start of a pipeline: inputs, encoders and fusions, and the fusion operators', async () => {
    const l = labels(await complete('encoder e2 = '));
    expect(l).toEqual(expect.arrayContaining(['subject', 'body', 'headers', 'subj', 'text', 'meta', 'joint', 'concat', 'attention']));
    expect(l).not.toContain('spam');
    expect(l).not.toContain('emails');
    expect(l).not.toContain('SpamNet');
    expect(l).not.toContain('conv1d');
  });

  it('fusion operands: encodings but not labels, nor the fusion itself', async () => {
    const l = labels(await complete('fusion f2 = concat(subj, '));
    expect(l).toEqual(expect.arrayContaining(['subj', 'text', 'meta', 'joint', 'subject']));
    expect(l).not.toContain('spam');
    expect(l).not.toContain('f2');
    const att = labels(await complete('fusion f3 = attention(subj, text, '));
    expect(att).toEqual(expect.arrayContaining(['dim', 'heads', 'meta']));
  });

  it('classifier( : labels', async () => {
    const l = labels(await complete('model M2 = joint -> classifier('));
    expect(l).toContain('spam');
    expect(l).not.toContain('subj');
    expect(l).toContain('hidden');
  });

  it('ensembles: kinds after =, member models in the list, settings and their values', async () => {
    expect(labels(await complete('ensemble E = '))).toEqual(['voting', 'bagging', 'boosting', 'stacking']);
    expect(labels(await complete('ensemble E = voting(['))).toEqual(['SpamNet']);
    expect(labels(await complete('ensemble E = bagging('))).toEqual(['SpamNet']);
    expect(labels(await complete('ensemble E = stacking([SpamNet, SpamNet], '))).toEqual(['meta', 'folds', 'stratified', 'passthrough']);
    expect(labels(await complete('ensemble E = stacking([SpamNet, SpamNet], meta '))).toEqual(['logistic', 'mlp']);
    expect(labels(await complete('ensemble E = voting([SpamNet, SpamNet], voting '))).toEqual(['hard', 'soft']);
    expect(labels(await complete('ensemble E = stacking([SpamNet, SpamNet], passthrough ['))).toEqual(expect.arrayContaining(['subject', 'headers']));
  });

  it('argument keys and their values', async () => {
    const keys = labels(await complete('encoder e2 = text -> dense(64, '));
    expect(keys).toEqual(expect.arrayContaining(['activation', 'use_bias']));
    const values = labels(await complete('encoder e2 = text -> dense(64, activation '));
    expect(values).toEqual(expect.arrayContaining(['relu', 'tanh', 'sigmoid']));
    expect(labels(await complete('input x: text(vocab 10, max_len 4, tokenizer ) from emails.body'.replace('tokenizer )', 'tokenizer |)')))).toEqual(['words', 'chars']);
  });

  it("columns from the dataset's file, after DATASET. and in DATASET[", async () => {
    const l = labels(await complete('input x: text(vocab 10, max_len 4) from emails.'));
    expect(l.sort()).toEqual(['body', 'caps', 'hour', 'is_spam', 'links', 'split', 'subject']);
    expect(labels(await complete('input y: tabular from emails[links, '))).toContain('hour');
    expect(labels(await complete('input z: text(vocab 10, max_len 4) from '))).toEqual(['emails']);
  });

  it('keywords at the start of a line, kinds after a colon, models after train, settings in blocks', async () => {
    const kw = await complete('enc');
    expect(labels(kw)).toEqual(['dataset', 'input', 'label', 'encoder', 'fusion', 'model', 'train', 'ensemble', 'import']);
    expect(kw.find((i) => i.label === 'encoder')!.textEdit!.newText).toMatch(/^encoder \$\{1:name\} = /);
    expect(labels(await complete('input x: '))).toEqual(expect.arrayContaining(['text', 'tabular', 'categorical', 'image', 'audio', 'video']));
    expect(labels(await complete('label y: '))).toEqual(['binary', 'classes', 'multilabel']);
    expect(labels(await complete('train '))).toEqual(['SpamNet']);
    expect(labels(await complete('train SpamNet {\n  epochs 3\n  '))).toEqual(expect.arrayContaining(['optimizer', 'batch', 'early_stop', 'seed']));
    expect(labels(await complete('train SpamNet { optimizer '))).toEqual(['adam', 'sgd', 'rmsprop', 'adagrad']);
  });

  it('nothing inside a comment or a string', async () => {
    expect(await complete('// encoder x = subject -> ')).toEqual([]);
    expect(await complete('dataset d2 from jsonl("a -> ')).toEqual([]);
  });
});


describe('navigation', () => {
  let uri: string;
  beforeAll(async () => {
    uri = (await openDoc(MODEL)).uri;
  });
  const at = (p: Position) => ({ textDocument: { uri }, position: p });

  it('go to definition from a use, a fusion operand, a classifier label, a dataset, a train target', async () => {
    for (const [use, decl] of [
      [posOf(MODEL, 'subject ->'), posOf(MODEL, 'subject:')],
      [posOf(MODEL, 'meta)'), posOf(MODEL, 'meta =')],
      [posOf(MODEL, 'spam,'), posOf(MODEL, 'spam:')],
      [posOf(MODEL, 'emails.subject'), posOf(MODEL, 'emails from')],
      [posOf(MODEL, 'SpamNet {'), posOf(MODEL, 'SpamNet =')],
    ] as const) {
      const loc = await server.request<Location>('textDocument/definition', at(use));
      expect(loc.uri).toBe(uri);
      expect(loc.range.start).toEqual(decl);
    }
    expect(await server.request('textDocument/definition', at(posOf(MODEL, 'embedding')))).toBeNull();
  });

  it('find references: every use, with or without the declaration', async () => {
    const refs = await server.request<Location[]>('textDocument/references', { ...at(posOf(MODEL, 'emails', 0, 1)), context: { includeDeclaration: true } });
    expect(refs.map((r) => r.range.start.line)).toEqual([0, 4, 5, 6, 7]);
    const uses = await server.request<Location[]>('textDocument/references', { ...at(posOf(MODEL, 'text =')), context: { includeDeclaration: false } });
    expect(uses.map((r) => textAt(MODEL, r.range))).toEqual(['text']);
    expect(uses[0]!.range.start).toEqual(posOf(MODEL, 'text, meta'));
  });

  it('highlights: the declaration (write) and every use (read)', async () => {
    const hs = await server.request<{ range: Range; kind: number }[]>('textDocument/documentHighlight', at(posOf(MODEL, 'joint', 0, 1)));
    expect(hs.map((h) => [h.range.start.line, h.kind])).toEqual([
      [13, 3],
      [15, 2],
    ]);
  });

  it('rename: the declaration and every use', async () => {
    const prep = await server.request<{ range: Range; placeholder: string }>('textDocument/prepareRename', at(posOf(MODEL, 'subj,')));
    expect(prep.placeholder).toBe('subj');
    const edit = await server.request<WorkspaceEdit>('textDocument/rename', { ...at(posOf(MODEL, 'subj,')), newName: 'title' });
    const edits = edit.changes![uri]!;
    expect(edits.map((e) => e.range.start.line)).toEqual([9, 13]);
    expect(edits.every((e) => e.newText === 'title' && textAt(MODEL, e.range) === 'subj')).toBe(true);
    const labelEdit = await server.request<WorkspaceEdit>('textDocument/rename', { ...at(posOf(MODEL, 'spam:')), newName: 'junk' });
    expect(labelEdit.changes![uri]!.length).toBe(2);
  });

  it('rename refuses invalid identifiers, keywords, layer names and names already declared', async () => {
    for (const [newName, why] of [
      ['2fast', /not a valid name/],
      ['a-b', /not a valid name/],
      ['model', /keyword/],
      ['dense', /layer/],
      ['meta', /already declared as encoder on line 12/],
    ] as const) {
      await expect(server.request('textDocument/rename', { ...at(posOf(MODEL, 'subj,')), newName })).rejects.toThrow(why);
    }
    expect(await server.request('textDocument/prepareRename', at(posOf(MODEL, 'conv1d')))).toBeNull();
  });
});

describe('outline, folding, semantic tokens', () => {
  it('document symbols: one per declaration, with types and steps', async () => {
    const { uri } = await openDoc(MODEL);
    const syms = await server.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
    expect(syms.map((s) => s.name)).toEqual(['emails', 'subject', 'body', 'headers', 'spam', 'subj', 'text', 'meta', 'joint', 'SpamNet', 'train SpamNet']);
    const text = syms.find((s) => s.name === 'text')!;
    expect(text.detail).toBe('[batch, 64] float32 · 650,304 parameters');
    expect(text.children!.map((c) => `${c.name} ${c.detail}`)).toEqual([
      'embedding [batch, 200, 32] float32',
      'conv1d [batch, 196, 64] float32',
      'global_max_pool [batch, 64] float32',
    ]);
    expect(syms.find((s) => s.name === 'subject')!.detail).toBe('[batch, 20] int32');
    expect(syms.at(-1)!.children!.map((c) => c.name)).toEqual(['optimizer', 'epochs', 'batch']);
  });

  it('folding ranges: blocks, multi-line declarations and comments', async () => {
    const text = `/* a comment
   over lines */
// one
// two
dataset d from jsonl("x.jsonl") {
  split(by s)
}
encoder e = x
  -> dense(4)
  -> relu
`;
    const { uri } = await openDoc(text);
    const ranges = await server.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri } });
    expect(ranges.map((r) => [r.startLine, r.endLine, r.kind ?? ''])).toEqual([
      [0, 1, 'comment'],
      [2, 3, 'comment'],
      [4, 5, ''],
      [7, 9, ''],
    ]);
  });

  it('semantic tokens tell names apart by what they name', async () => {
    const { uri } = await openDoc(MODEL);
    const legend = server.initializeResult!.capabilities.semanticTokensProvider!.legend;
    const tokens = await server.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri } });
    const lines = MODEL.split('\n');
    const decoded: string[] = [];
    let line = 0;
    let char = 0;
    for (let i = 0; i < tokens.data.length; i += 5) {
      const [dl, dc, len, type, mods] = tokens.data.slice(i, i + 5) as [number, number, number, number, number];
      line += dl;
      char = dl ? dc : char + dc;
      const m = legend.tokenModifiers.filter((_, k) => mods & (1 << k));
      decoded.push(`${lines[line]!.slice(char, char + len)}:${legend.tokenTypes[type]}${m.length ? '.' + m.join('.') : ''}`);
    }
    expect(decoded).toEqual(expect.arrayContaining(['dataset:keyword', 'emails:namespace.declaration', 'jsonl:type.defaultLibrary', '"mail.jsonl":string', '// a column:comment']));
    expect(decoded).toEqual(expect.arrayContaining(['subj:variable.declaration', 'subject:parameter', 'conv1d:function.defaultLibrary', 'activation:property', '64:number', '->:operator']));
    expect(decoded).toEqual(expect.arrayContaining(['spam:enumMember', 'SpamNet:class.declaration', 'SpamNet:class', 'is_spam:property']));
  });
});


/** Apply LSP text edits to a text (edits must not overlap). */
function applyEdits(text: string, edits: TextEdit[]): string {
  const offset = (p: Position) => {
    const lines = text.split('\n');
    return lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  };
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

describe('formatting', () => {
  const options = { tabSize: 4, insertSpaces: true };

  it('formats the document with the mmfc fmt layout, comments kept', async () => {
    const messy = MODEL.replace('encoder subj = subject -> embedding(32) -> gru(32)', 'encoder subj=subject->embedding( 32 )  // note\n      -> gru(32)');
    const { uri } = await openDoc(messy);
    const edits = await server.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options });
    expect(edits.length).toBe(1);
    const formatted = applyEdits(messy, edits);
    expect(formatted).toBe(MODEL.replace('encoder subj = subject -> embedding(32) -> gru(32)', 'encoder subj = subject -> embedding(32) // note\n  -> gru(32)'));
    await server.change(uri, 2, formatted);
    expect(await server.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options })).toEqual([]);
  });

  it('leaves a file with syntax errors alone', async () => {
    const { uri } = await openDoc('encoder e = a ->   (\n');
    expect(await server.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options })).toEqual([]);
  });
});


describe('quick fixes', () => {
  /** Open `text`, ask for the fixes of its diagnostic with `code`, and return them with the text. */
  async function fixesFor(text: string, code: string): Promise<CodeAction[]> {
    const { uri, diagnostics } = await openDoc(text);
    const d = diagnostics.find((x) => x.code === code);
    expect(d, `${code} in ${JSON.stringify(diagnostics.map((x) => x.code))}`).toBeDefined();
    return server.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d!.range, context: { diagnostics: [d] } });
  }
  const applied = (text: string, action: CodeAction) => applyEdits(text, Object.values(action.edit!.changes!)[0]!);
  const clean = async (text: string) => (await openDoc(text)).diagnostics.filter((d) => d.severity === 1);

  it('a misspelt name, layer or column: the did-you-mean', async () => {
    for (const [wrong, right, code] of [
      ['concat(subj, txt, meta)', 'concat(subj, text, meta)', 'MMF1001'],
      ['embedding(32) -> gru(32)', 'embeding(32) -> gru(32)', 'MMF1004'],
      ['emails.is_spam', 'emails.is_spma', 'MMF1008'],
    ] as const) {
      const text = code === 'MMF1001' ? MODEL.replace(right, wrong) : MODEL.replace(wrong, right);
      const [fix] = await fixesFor(text, code);
      expect(fix!.title).toMatch(/^Change to '/);
      expect(fix!.isPreferred).toBe(true);
      expect(applied(text, fix!)).toBe(MODEL);
    }
  });

  it('a missing projection between mismatched widths: -> dense(N) on the wider encoder', async () => {
    const text = MODEL.replace('concat(subj, text, meta)', 'weighted_sum(subj, text)');
    const [fix] = await fixesFor(text, 'MMF2002');
    expect(fix!.title).toBe('Add -> dense(32) to encoder text');
    const fixed = applied(text, fix!);
    expect(fixed).toContain('-> global_max_pool -> dense(32)\n');
    expect(await clean(fixed)).toEqual([]);
  });

  it('a shape annotation that does not match: project before it, or change it', async () => {
    const text = MODEL.replace('gru(32)', 'gru(32) -> [batch, 48]');
    const fixes = await fixesFor(text, 'MMF2003');
    expect(fixes.map((f) => f.title)).toEqual(['Insert dense(48) -> before the annotation', 'Change the annotation to [batch, 32]']);
    for (const f of fixes) expect(await clean(applied(text, f))).toEqual([]);
  });

  it('a head fed a sequence: pool before it', async () => {
    const text = MODEL.replace('model SpamNet = joint', 'model SpamNet = joint').replace('encoder text = body -> embedding(32) -> conv1d(64, 5, activation relu) -> global_max_pool', 'encoder text = body -> embedding(32) -> conv1d(64, 5, activation relu)\nmodel Seq = text -> classifier(spam)');
    const [fix] = await fixesFor(text, 'MMF2004');
    expect(fix!.title).toBe('Insert global_max_pool -> before classifier');
    expect(applied(text, fix!)).toContain('model Seq = text -> global_max_pool -> classifier(spam)');
  });
});


describe('imports', () => {
  const SHARED = `dataset emails from jsonl("mail.jsonl") { split(by split) }
input body: text(vocab 20000, max_len 200) from emails.body
label spam: binary from emails.is_spam
encoder text = body -> embedding(32) -> global_max_pool
`;
  const MAIN = `import "shared.mmf"

model BodyOnly = text -> classifier(spam)
`;
  let mainUri: string;
  let sharedUri: string;
  beforeAll(() => {
    writeFileSync(join(dir, 'shared.mmf'), SHARED);
    mainUri = pathToFileURL(join(dir, 'importer.mmf')).href;
    sharedUri = pathToFileURL(join(dir, 'shared.mmf')).href;
  });

  it('imported names: no errors, hover says where, definition goes to the other file, rename needs the declaring file', async () => {
    await server.open(mainUri, MAIN, 1);
    expect((await server.diagnosticsFor(mainUri, 1)).diagnostics).toEqual([]);
    const at = { textDocument: { uri: mainUri }, position: posOf(MAIN, 'text ->') };
    const h = hoverText(await server.request<Hover>('textDocument/hover', at));
    expect(h).toContain('encoder text: [batch, 32] float32');
    expect(h).toContain('Defined in shared.mmf, line 4 (imported)');
    const def = await server.request<Location>('textDocument/definition', at);
    expect(def).toEqual({ uri: sharedUri, range: { start: { line: 3, character: 8 }, end: { line: 3, character: 12 } } });
    const refs = await server.request<Location[]>('textDocument/references', { ...at, context: { includeDeclaration: true } });
    expect(refs.map((r) => r.uri)).toEqual([sharedUri, mainUri]);
    // shared.mmf is neither open nor in a workspace folder (this server has none): its declaration cannot be renamed
    await expect(server.request('textDocument/rename', { ...at, newName: 'body_enc' })).rejects.toThrow(
      /declared in shared.mmf, line 4, which is not in the workspace: open it, or rename it there/,
    );
    const completion = await server.request<CompletionList>('textDocument/completion', { textDocument: { uri: mainUri }, position: posOf(MAIN, 'classifier(', 11) });
    expect(completion.items.map((i) => i.label)).toContain('spam');
  });

  it('an unsaved edit of an open imported file re-checks the importer', async () => {
    await server.open(sharedUri, SHARED, 1);
    await server.change(sharedUri, 2, SHARED.replace('encoder text', 'encoder words'));
    const p = await server.diagnostics(mainUri, (x) => x.diagnostics.some((d) => d.code === 'MMF1001'));
    expect(p.diagnostics[0]!.message).toContain("'text'");
    await server.change(sharedUri, 3, SHARED.replace('encoder text', 'encoder model_text').replace('label spam', 'label BodyOnly'));
    const dup = await server.diagnostics(mainUri, (x) => x.diagnostics.some((d) => d.code === 'MMF1002'));
    const d = dup.diagnostics.find((x) => x.code === 'MMF1002')!;
    expect(d.relatedInformation![0]!.location.uri).toBe(sharedUri);
    await server.close(sharedUri);
    await server.diagnostics(mainUri, (x) => x.diagnostics.length === 0 && x !== dup && server.published.get(mainUri)!.indexOf(x) > server.published.get(mainUri)!.indexOf(dup));
  });
});

export type { CodeAction, CompletionItem, CompletionList, DocumentSymbol, FoldingRange, Location, SemanticTokens, TextEdit, WorkspaceEdit };
