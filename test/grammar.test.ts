import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lex, parse, type Decl, type Diagnostic, type Range } from '../grammar/index.ts';

// ------------------------------------------------------------------------------------------------
// helpers

/** A range from 0-based (line, character) pairs; end exclusive. */
function r(l1: number, c1: number, l2: number, c2: number): Range {
  return { start: { line: l1, character: c1 }, end: { line: l2, character: c2 } };
}

/** Deep copy without `range` properties, to compare the shape of a tree. */
function strip<T>(x: T): T {
  return JSON.parse(JSON.stringify(x, (k, v) => (k === 'range' ? undefined : v)));
}

/** Codes and ranges of diagnostics, the way tests assert them. */
function codes(ds: Diagnostic[]): [string, Range][] {
  return ds.map((d) => [d.code, d.range]);
}

const id = (name: string) => ({ kind: 'Ident', name });
const num = (value: number, text = String(value)) => ({ kind: 'Number', value, text });
const str = (value: string) => ({ kind: 'String', value });
const name = (n: string) => ({ kind: 'Name', name: n });
const list = (...items: unknown[]) => ({ kind: 'List', items });
const call = (callee: string, args: unknown[] | null = null) => ({ kind: 'Call', callee: id(callee), args: args ?? [], parens: args !== null });
const pos = (value: unknown) => ({ value });
const kw = (key: string, value: unknown) => ({ key: id(key), value });
const col = (n: string, quoted = false) => ({ name: n, quoted });
const shape = (...dims: (number | string)[]) => ({
  kind: 'Shape',
  dims: dims.map((d) =>
    typeof d === 'number' ? { kind: 'DimNumber', value: d } : d === '_' ? { kind: 'DimWildcard' } : { kind: 'DimName', name: d },
  ),
});
const pipe = (...steps: unknown[]) => ({ kind: 'Pipeline', steps });

const TOUR = `// Spam filter: subject, body and header numbers
dataset emails from jsonl("data/spam.jsonl") {
  split(by split)
}
input subject: text(vocab 5000, max_len 24) from emails.subject
input body:    text(vocab 20000, max_len 256, lowercase true) from emails.body -> [batch, 256]
input headers: tabular(normalize zscore, impute mean) from emails[received, links, html, caps, "hour sent", size]
label spam:    binary from emails.is_spam

encoder subj = subject -> embedding(64) -> gru(64)                    /* [batch, 64] */
encoder text = body -> embedding(64) -> conv1d(128, 5, activation relu) -> global_max_pool -> [batch, 128]
encoder meta = headers -> dense(32, activation relu)
fusion joint = attention(subj, text, meta, dim 64, heads 4)
model SpamNet = joint -> classifier(spam, hidden [64], dropout 0.2)
train SpamNet {
  optimizer adam(lr 1e-3)
  epochs 10
  batch 64
  early_stop(val_loss, patience 3)
  seed 42
  weights [1, -2.5e-1]
}
import "common.mmf"
`;

// ------------------------------------------------------------------------------------------------

describe('parse: the syntax tour', () => {
  const { program, diagnostics } = parse(TOUR);

  it('has no diagnostics', () => {
    expect(diagnostics).toEqual([]);
  });

  it('produces the full AST', () => {
    expect(strip(program)).toEqual({
      kind: 'Program',
      decls: [
        { kind: 'Dataset', name: id('emails'), source: call('jsonl', [pos(str('data/spam.jsonl'))]), settings: [{ kind: 'Setting', key: id('split'), args: [kw('by', name('split'))] }] },
        {
          kind: 'Input',
          name: id('subject'),
          type: call('text', [kw('vocab', num(5000)), kw('max_len', num(24))]),
          source: { kind: 'Columns', dataset: id('emails'), columns: [col('subject')], bracketed: false },
        },
        {
          kind: 'Input',
          name: id('body'),
          type: call('text', [kw('vocab', num(20000)), kw('max_len', num(256)), kw('lowercase', name('true'))]),
          source: { kind: 'Columns', dataset: id('emails'), columns: [col('body')], bracketed: false },
          annotation: shape('batch', 256),
        },
        {
          kind: 'Input',
          name: id('headers'),
          type: call('tabular', [kw('normalize', name('zscore')), kw('impute', name('mean'))]),
          source: {
            kind: 'Columns',
            dataset: id('emails'),
            columns: [col('received'), col('links'), col('html'), col('caps'), col('hour sent', true), col('size')],
            bracketed: true,
          },
        },
        { kind: 'Label', name: id('spam'), type: call('binary'), source: { kind: 'Columns', dataset: id('emails'), columns: [col('is_spam')], bracketed: false } },
        { kind: 'Encoder', name: id('subj'), pipeline: pipe(call('subject'), call('embedding', [pos(num(64))]), call('gru', [pos(num(64))])) },
        {
          kind: 'Encoder',
          name: id('text'),
          pipeline: pipe(
            call('body'),
            call('embedding', [pos(num(64))]),
            call('conv1d', [pos(num(128)), pos(num(5)), kw('activation', name('relu'))]),
            call('global_max_pool'),
            shape('batch', 128),
          ),
        },
        { kind: 'Encoder', name: id('meta'), pipeline: pipe(call('headers'), call('dense', [pos(num(32)), kw('activation', name('relu'))])) },
        {
          kind: 'Fusion',
          name: id('joint'),
          pipeline: pipe(call('attention', [pos(name('subj')), pos(name('text')), pos(name('meta')), kw('dim', num(64)), kw('heads', num(4))])),
        },
        {
          kind: 'Model',
          name: id('SpamNet'),
          pipeline: pipe(call('joint'), call('classifier', [pos(name('spam')), kw('hidden', list(num(64))), kw('dropout', num(0.2))])),
        },
        {
          kind: 'Train',
          model: id('SpamNet'),
          settings: [
            { kind: 'Setting', key: id('optimizer'), value: call('adam', [kw('lr', num(0.001, '1e-3'))]) },
            { kind: 'Setting', key: id('epochs'), value: num(10) },
            { kind: 'Setting', key: id('batch'), value: num(64) },
            { kind: 'Setting', key: id('early_stop'), args: [pos(name('val_loss')), kw('patience', num(3))] },
            { kind: 'Setting', key: id('seed'), value: num(42) },
            { kind: 'Setting', key: id('weights'), value: list(num(1), num(-0.25, '-2.5e-1')) },
          ],
        },
        { kind: 'Import', path: str('common.mmf') },
      ],
      comments: [{ text: '// Spam filter: subject, body and header numbers' }, { text: '/* [batch, 64] */' }],
    });
  });

  it('gives every node the exact range of its text', () => {
    const [dataset, subject, body, headers, label, subj, text, , , model, train, imp] = program.decls as any[];
    expect(program.range).toEqual(r(0, 0, 23, 0));
    // a multi-line declaration
    expect(dataset.range).toEqual(r(1, 0, 3, 1));
    expect(dataset.source.range).toEqual(r(1, 20, 1, 44));
    expect(dataset.settings[0].range).toEqual(r(2, 2, 2, 17));
    // input subject: text(vocab 5000, max_len 24) from emails.subject
    expect(subject.range).toEqual(r(4, 0, 4, 63));
    expect(subject.name.range).toEqual(r(4, 6, 4, 13));
    expect(subject.type.range).toEqual(r(4, 15, 4, 43));
    expect(subject.type.args[0].range).toEqual(r(4, 20, 4, 30));
    expect(subject.type.args[0].key.range).toEqual(r(4, 20, 4, 25));
    expect(subject.type.args[0].value.range).toEqual(r(4, 26, 4, 30));
    expect(subject.source.range).toEqual(r(4, 49, 4, 63));
    expect(subject.source.columns[0].range).toEqual(r(4, 56, 4, 63));
    // the shape annotation and its dims
    expect(body.annotation.range).toEqual(r(5, 82, 5, 94));
    expect(body.annotation.dims.map((d: any) => d.range)).toEqual([r(5, 83, 5, 88), r(5, 90, 5, 93)]);
    // a quoted column: the range includes the quotes
    expect(headers.source.columns[4].range).toEqual(r(6, 95, 6, 106));
    expect(headers.source.range).toEqual(r(6, 59, 6, 113));
    expect(label.type.range).toEqual(r(7, 15, 7, 21));
    // pipelines and steps
    expect(subj.pipeline.range).toEqual(r(9, 15, 9, 50));
    expect(subj.pipeline.steps.map((s: any) => s.range)).toEqual([r(9, 15, 9, 22), r(9, 26, 9, 39), r(9, 43, 9, 50)]);
    expect(text.pipeline.steps[4].range).toEqual(r(10, 94, 10, 106));
    expect(model.pipeline.steps[1].args[1].value.range).toEqual(r(13, 49, 13, 53));
    // the train block spans lines; the negative literal covers its minus sign
    expect(train.range).toEqual(r(14, 0, 21, 1));
    expect(train.settings[3].range).toEqual(r(18, 2, 18, 34));
    expect(train.settings[5].value.items[1].range).toEqual(r(20, 14, 20, 21));
    expect(imp.range).toEqual(r(22, 0, 22, 19));
    expect(imp.path.range).toEqual(r(22, 7, 22, 19));
  });

  it('collects comments with their ranges', () => {
    expect(program.comments).toEqual([
      { text: '// Spam filter: subject, body and header numbers', range: r(0, 0, 0, 48) },
      { text: '/* [batch, 64] */', range: r(9, 70, 9, 87) },
    ]);
  });
});

describe('parse: lexical details', () => {
  it('reads number forms', () => {
    const { program, diagnostics } = parse('model M = f(64, 0.2, 1e-3, .5, 2.5E+4, -7, - 3)');
    expect(diagnostics).toEqual([]);
    const args = (program.decls[0] as any).pipeline.steps[0].args.map((a: any) => a.value);
    expect(args.map((a: any) => [a.value, a.text])).toEqual([
      [64, '64'],
      [0.2, '0.2'],
      [0.001, '1e-3'],
      [0.5, '.5'],
      [25000, '2.5E+4'],
      [-7, '-7'],
      [-3, '-3'],
    ]);
    // a negative literal's range covers the minus and the number, even with a space between
    expect(args[5].range).toEqual(r(0, 39, 0, 41));
    expect(args[6].range).toEqual(r(0, 43, 0, 46));
  });

  it('decodes JSON escapes in strings', () => {
    const { program, diagnostics } = parse('import "a\\"b\\\\c\\/d\\n\\t\\u00e9\\ud83d\\ude00"');
    expect(diagnostics).toEqual([]);
    expect((program.decls[0] as any).path.value).toBe('a"b\\c/d\n\té\u{1f600}');
  });

  it('counts characters in UTF-16 code units and lines after \\r\\n and \\r', () => {
    const { program, diagnostics } = parse('// 😀\r\nmodel M = a\rmodel N = f("é😀") -> b');
    expect(diagnostics).toEqual([]);
    expect(program.comments[0].range).toEqual(r(0, 0, 0, 5));
    expect(program.decls.map((d) => d.range)).toEqual([r(1, 0, 1, 11), r(2, 0, 2, 23)]);
    // "é😀" is 4 UTF-16 code units (the emoji is a surrogate pair)
    expect((program.decls[1] as any).pipeline.steps[0].args[0].range).toEqual(r(2, 12, 2, 17));
    expect((program.decls[1] as any).pipeline.steps[1].range).toEqual(r(2, 22, 2, 23));
  });

  it('accepts keywords as argument keys, column names, declaration names and values', () => {
    const src = [
      'dataset d from csv("x.csv") { split(train 0.8, val 0.1, model 0.1) }',
      'input model: text from d.model',
      'label train: binary from d[input, label, from, "encoder"]',
      'encoder encoder = model -> dense(64, fusion relu) -> import',
      'train dataset { model big }',
    ].join('\n');
    const { program, diagnostics } = parse(src);
    expect(diagnostics).toEqual([]);
    expect(strip(program.decls)).toEqual([
      {
        kind: 'Dataset',
        name: id('d'),
        source: call('csv', [pos(str('x.csv'))]),
        settings: [{ kind: 'Setting', key: id('split'), args: [kw('train', num(0.8)), kw('val', num(0.1)), kw('model', num(0.1))] }],
      },
      { kind: 'Input', name: id('model'), type: call('text'), source: { kind: 'Columns', dataset: id('d'), columns: [col('model')], bracketed: false } },
      {
        kind: 'Label',
        name: id('train'),
        type: call('binary'),
        source: { kind: 'Columns', dataset: id('d'), columns: [col('input'), col('label'), col('from'), col('encoder', true)], bracketed: true },
      },
      { kind: 'Encoder', name: id('encoder'), pipeline: pipe(call('model'), call('dense', [pos(num(64)), kw('fusion', name('relu'))]), call('import')) },
      { kind: 'Train', model: id('dataset'), settings: [{ kind: 'Setting', key: id('model'), value: name('big') }] },
    ]);
  });

  it('tells keyed from positional arguments by what follows the name', () => {
    const { program } = parse('model M = f(relu, act relu, g(1), k g(1), l [1], m -1, s "x", e)');
    const args = (program.decls[0] as any).pipeline.steps[0].args;
    expect(strip(args)).toEqual([
      pos(name('relu')),
      kw('act', name('relu')),
      pos(call('g', [pos(num(1))])),
      kw('k', call('g', [pos(num(1))])),
      kw('l', list(num(1))),
      kw('m', num(-1, '-1')),
      kw('s', str('x')),
      pos(name('e')),
    ]);
  });

  it('reads shapes with wildcards and trailing commas in lists', () => {
    const { program, diagnostics } = parse('model M = a -> [batch, _, 3] -> f([1, 2,], [])');
    expect(diagnostics).toEqual([]);
    expect(strip((program.decls[0] as any).pipeline.steps)).toEqual([call('a'), shape('batch', '_', 3), call('f', [pos(list(num(1), num(2))), pos(list())])]);
  });
});

describe('parse: diagnostics', () => {
  it('MMF0001: names what was expected and what was found', () => {
    const { program, diagnostics } = parse('input subject text(vocab 5000) from emails.subject');
    expect(diagnostics).toEqual([
      {
        code: 'MMF0001',
        severity: 'error',
        message: "Expected ':' after input name 'subject' but found 'text'",
        range: r(0, 14, 0, 18),
        hint: 'Write `input NAME: KIND(...) from DATASET.COLUMN`, e.g. `input subject: text(vocab 5000) from emails.subject`',
      },
    ]);
    // the missing ':' is repaired: the declaration is still there
    expect(strip(program.decls)).toEqual([
      { kind: 'Input', name: id('subject'), type: call('text', [kw('vocab', num(5000))]), source: { kind: 'Columns', dataset: id('emails'), columns: [col('subject')], bracketed: false } },
    ]);
  });

  it('MMF0001 at the end of the file: a zero-width range at the end', () => {
    const { diagnostics } = parse('encoder x = subject ->\n');
    expect(diagnostics).toEqual([
      {
        code: 'MMF0001',
        severity: 'error',
        message: "Expected a layer name or a shape after '->' but found end of file",
        range: r(1, 0, 1, 0),
        hint: 'Each step after `->` is a layer such as `dense(64)` or a shape such as `[batch, 64]`',
      },
    ]);
  });

  it('MMF0001 messages for other positions', () => {
    const msg = (src: string) => parse(src).diagnostics.map((d) => [d.code, d.message]);
    expect(msg('encoder e = a -> conv1d(128 5 6)')).toEqual([['MMF0001', "Expected ',' or ')' after '128' but found '5'"]]);
    expect(msg('train M { epochs }')).toEqual([['MMF0001', "Expected a value or '(' after setting 'epochs' but found '}'"]]);
    expect(msg('input x: text from emails')).toEqual([['MMF0001', "Expected '.COLUMN' or '[COLUMNS]' after 'emails' but found end of file"]]);
    expect(msg('model M = f(a) -> [batch, 2.5 3]')).toEqual([['MMF0001', "Expected ',' or ']' after '2.5' but found '3'"]]);
    expect(msg('input x: text(vocab 5) emails.x')).toEqual([['MMF0001', "Expected 'from' after 'text(...)' but found 'emails'"]]);
    expect(msg('train { epochs 1 }')).toEqual([['MMF0001', "Expected the name of the model to train after 'train' but found '{'"]]);
    expect(msg('import common')).toEqual([['MMF0001', "Expected a file path in double quotes after 'import' but found 'common'"]]);
    expect(msg('encoder\nmodel M = x')).toEqual([['MMF0001', "Expected a name for the encoder after 'encoder' but found 'model', which starts a new declaration"]]);
    expect(msg('model M = f(1, ,)')).toEqual([['MMF0001', "Expected an argument or ')' after ',' but found ','"]]);
    expect(msg('input i: t from d[a, ,]')).toEqual([['MMF0001', "Expected a column name or ']' after ',' but found ','"]]);
    expect(msg('input i: t from d.')).toEqual([['MMF0001', 'Expected a column name (a name or a "quoted string") after \'.\' but found end of file']]);
    expect(msg('model M = a -> [1, ]')).toEqual([['MMF0001', "Expected a dimension (a number, a name or '_') after ',' but found ']'"]]);
  });

  it('MMF0002: unterminated string, from the quote to the end of the line', () => {
    const { program, diagnostics } = parse('import "common.mmf\nmodel M = a');
    expect(codes(diagnostics)).toEqual([['MMF0002', r(0, 7, 0, 18)]]);
    expect(diagnostics[0].message).toBe('Unterminated string: it has no closing \'"\' on this line');
    // no follow-on error: the string is still a string, and the next line parses
    expect(strip(program.decls)).toEqual([
      { kind: 'Import', path: str('common.mmf') },
      { kind: 'Model', name: id('M'), pipeline: pipe(call('a')) },
    ]);
  });

  it('MMF0003: one diagnostic per run of unexpected characters', () => {
    const { program, diagnostics } = parse('encoder e = a @$ -> b;\nmodel é = x');
    expect(codes(diagnostics)).toEqual([
      ['MMF0003', r(0, 14, 0, 16)],
      ['MMF0003', r(0, 21, 0, 22)],
      ['MMF0003', r(1, 6, 1, 7)],
      // with 'é' dropped the model has no name
      ['MMF0001', r(1, 8, 1, 9)],
    ]);
    expect(diagnostics[0].message).toBe("Unexpected characters '@$'");
    expect(diagnostics[2].hint).toMatch(/ASCII/);
    expect(strip(program.decls[0])).toEqual({ kind: 'Encoder', name: id('e'), pipeline: pipe(call('a'), call('b')) });
  });

  it('MMF0004: unterminated block comment, at its opening', () => {
    const { program, diagnostics } = parse('model M = a\n  /* never closed\nmodel N = b');
    expect(codes(diagnostics)).toEqual([['MMF0004', r(1, 2, 1, 4)]]);
    expect(program.decls).toHaveLength(1);
    expect(program.comments).toEqual([{ text: '/* never closed\nmodel N = b', range: r(1, 2, 2, 11) }]);
    // a declaration cut short by the comment gets no second diagnostic
    expect(codes(parse('encoder e = a -> /* oops').diagnostics)).toEqual([['MMF0004', r(0, 17, 0, 19)]]);
  });

  it('MMF0005: invalid escapes, each with its range', () => {
    const { program, diagnostics } = parse('dataset d from csv("a\\qb\\u12g\\x")');
    expect(codes(diagnostics)).toEqual([
      ['MMF0005', r(0, 21, 0, 23)],
      ['MMF0005', r(0, 24, 0, 28)],
      ['MMF0005', r(0, 29, 0, 31)],
    ]);
    expect(diagnostics[0].message).toBe("Invalid escape '\\q' in string");
    // the value keeps invalid escapes as written
    expect((program.decls[0] as any).source.args[0].value.value).toBe('a\\qb\\u12g\\x');
  });

  it('MMF0006: stray text at top level, skipped to the next declaration', () => {
    const { program, diagnostics } = parse('foo = 3\nmodel M = a -> b\n"common.mmf"\nencoder e = x -> dense(3) relu\nfusion f = e');
    expect(codes(diagnostics)).toEqual([
      ['MMF0006', r(0, 0, 0, 7)],
      ['MMF0006', r(2, 0, 2, 12)],
      ['MMF0006', r(3, 26, 3, 30)],
    ]);
    expect(diagnostics[0].message).toBe(
      "Expected a declaration (import, dataset, input, label, encoder, fusion, model, train or ensemble) but found 'foo'",
    );
    expect(diagnostics[1].hint).toMatch(/import "file\.mmf"/);
    // after a complete declaration the hint says how it could have gone on
    expect(diagnostics[2].hint).toMatch(/continue a pipeline with `->`/);
    expect(program.decls.map((d) => d.kind)).toEqual(['Model', 'Encoder', 'Fusion']);
  });

  it('parses an ensemble declaration: a name and one call; `ensemble` elsewhere is a name', () => {
    const { program, diagnostics } = parse('ensemble S = stacking([a, b], meta mlp(hidden [16]), folds 3)\nmodel M = x -> ensemble(2)\ninput ensemble: tabular from d.ensemble');
    expect(codes(diagnostics)).toEqual([]);
    expect(program.decls.map((d) => d.kind)).toEqual(['Ensemble', 'Model', 'Input']);
    const e = program.decls[0];
    if (e.kind !== 'Ensemble') throw new Error('not an ensemble');
    expect(e.name).toMatchObject({ name: 'S', range: r(0, 9, 0, 10) });
    expect(e.spec.callee.name).toBe('stacking');
    expect(e.spec.args.map((a) => a.key?.name ?? '(positional)')).toEqual(['(positional)', 'meta', 'folds']);
    expect(e.range).toEqual(r(0, 0, 0, 61));
  });

  it('MMF0001 for an ensemble without its call', () => {
    const { program, diagnostics } = parse('ensemble S =\nmodel M = x');
    expect(codes(diagnostics).map((c) => c[0])).toEqual(['MMF0001']);
    expect(diagnostics[0].hint).toMatch(/ensemble NAME = KIND/);
    expect(program.decls.map((d) => d.kind)).toEqual(['Model']);
  });

  it('MMF0007: nesting too deep', () => {
    const src = 'model M = f(' + '['.repeat(70) + ']'.repeat(70) + ')\nmodel N = a';
    const { program, diagnostics } = parse(src);
    // the 64th '[' is the 65th level (with the parenthesis)
    expect(codes(diagnostics)).toEqual([['MMF0007', r(0, 75, 0, 76)]]);
    expect(program.decls.map((d) => d.kind)).toEqual(['Model', 'Model']);
    // the too-deep region is left out of the tree; what surrounds it is kept
    let depth = 0;
    for (let v = (program.decls[0] as any).pipeline.steps[0].args[0].value; v.kind === 'List'; v = v.items[0]) {
      depth++;
      if (!v.items.length) break;
    }
    expect(depth).toBe(63);
  });

  it('every diagnostic has a code, severity, message, range and hint', () => {
    const { diagnostics } = parse('foo\ninput x text\n"a\\q\n@\n/* x');
    expect(diagnostics.length).toBeGreaterThan(3);
    for (const d of diagnostics) {
      expect(d).toMatchObject({ code: expect.stringMatching(/^MMF\d{4}$/), severity: 'error', message: expect.any(String), hint: expect.any(String) });
      expect(d.message.length).toBeGreaterThan(10);
    }
  });
});

describe('parse: recovery', () => {
  it('three mistakes in three declarations give exactly three diagnostics', () => {
    const src = [
      'input subject text(vocab 5000) from emails.subject', // missing ':'
      'label spam: binary from emails.is_spam',
      'encoder subj = subject -> embedding(64) -> gru(64 64)', // missing ','
      'fusion joint = concat(subj, meta)',
      'model Net = joint -> classifier(spam, hidden [64) -> x', // ')' instead of ']'
      'train Net { epochs 10 }',
    ].join('\n');
    const { program, diagnostics } = parse(src);
    expect(diagnostics.map((d) => [d.code, d.range, d.message])).toEqual([
      ['MMF0001', r(0, 14, 0, 18), "Expected ':' after input name 'subject' but found 'text'"],
      ['MMF0001', r(2, 50, 2, 52), "Expected ',' or ')' after '64' but found '64'"],
      ['MMF0001', r(4, 48, 4, 49), "Expected ',' or ']' after '64' but found ')'"],
    ]);
    expect(program.decls.map((d) => `${d.kind} ${'name' in d ? d.name.name : ''}`)).toEqual([
      'Input subject',
      'Label spam',
      'Encoder subj',
      'Fusion joint',
      'Model Net',
      'Train ',
    ]);
    // the declarations between the mistakes are whole
    expect(strip(program.decls[3])).toEqual({ kind: 'Fusion', name: id('joint'), pipeline: pipe(call('concat', [pos(name('subj')), pos(name('meta'))])) });
    expect(strip(program.decls[5])).toEqual({ kind: 'Train', model: id('Net'), settings: [{ kind: 'Setting', key: id('epochs'), value: num(10) }] });
  });

  it('a missing closing bracket is inserted, and the declaration goes on', () => {
    const { program } = parse('model Net = joint -> classifier(spam, hidden [64) -> x');
    expect(strip(program.decls)).toEqual([
      { kind: 'Model', name: id('Net'), pipeline: pipe(call('joint'), call('classifier', [pos(name('spam')), kw('hidden', list(num(64)))]), call('x')) },
    ]);
    // ranges of a repaired node cover its real tokens only
    const classifier = (program.decls[0] as any).pipeline.steps[1];
    expect(classifier.range).toEqual(r(0, 21, 0, 49));
    expect(classifier.args[1].value.range).toEqual(r(0, 45, 0, 48));
  });

  it('an unrepairable error gives one diagnostic and keeps the valid prefix', () => {
    const { program, diagnostics } = parse('model Net = joint -> classifier(spam, hidden [64 ->) -> x\nmodel M = a');
    // one mistake, one diagnostic: the rest of the declaration is skipped
    expect(codes(diagnostics)).toEqual([['MMF0001', r(0, 49, 0, 51)]]);
    expect(strip(program.decls)).toEqual([
      { kind: 'Model', name: id('Net'), pipeline: pipe(call('joint'), call('classifier', [pos(name('spam')), kw('hidden', list(num(64)))])) },
      { kind: 'Model', name: id('M'), pipeline: pipe(call('a')) },
    ]);
    // the declaration's range ends at the last token the parser took (here the '->' it stumbled on)
    expect(program.decls[0].range).toEqual(r(0, 0, 0, 51));
    // ranges of a recovered node cover its real tokens only
    expect((program.decls[0] as any).pipeline.steps[1].range).toEqual(r(0, 21, 0, 48));
  });

  it('gives the valid declarations and the typed prefix of a half-written file', () => {
    const src = 'input subject: text(vocab 5000) from emails.subject\nencoder x = subject -> ';
    const { program, diagnostics } = parse(src);
    expect(codes(diagnostics)).toEqual([['MMF0001', r(1, 23, 1, 23)]]);
    expect(strip(program.decls[1])).toEqual({ kind: 'Encoder', name: id('x'), pipeline: pipe(call('subject')) });
    expect(program.decls[1].range).toEqual(r(1, 0, 1, 22));
  });

  it('half-written declarations of each kind', () => {
    const decls = (src: string) => strip(parse(src).program.decls);
    expect(decls('encoder x = subject -> embedding(64')).toEqual([
      { kind: 'Encoder', name: id('x'), pipeline: pipe(call('subject'), call('embedding', [pos(num(64))])) },
    ]);
    expect(decls('train M {\n  epochs 10\n  optimizer adam(lr')).toEqual([
      { kind: 'Train', model: id('M'), settings: [{ kind: 'Setting', key: id('epochs'), value: num(10) }, { kind: 'Setting', key: id('optimizer'), value: call('adam', [pos(name('lr'))]) }] },
    ]);
    expect(decls('train M')).toEqual([{ kind: 'Train', model: id('M'), settings: [] }]);
    expect(decls('input x: text from emails[a, "b c"')).toEqual([
      { kind: 'Input', name: id('x'), type: call('text'), source: { kind: 'Columns', dataset: id('emails'), columns: [col('a'), col('b c', true)], bracketed: true } },
    ]);
    expect(decls('input x: text from emails.a -> [batch,')).toEqual([
      { kind: 'Input', name: id('x'), type: call('text'), source: { kind: 'Columns', dataset: id('emails'), columns: [col('a')], bracketed: false }, annotation: shape('batch') },
    ]);
    // too broken to represent: no name, no source, no kind
    expect(decls('encoder = a -> b')).toEqual([]);
    expect(decls('input x: text from')).toEqual([]);
    expect(decls('dataset d from')).toEqual([]);
    expect(decls('label y:')).toEqual([]);
  });

  it('one extra token is deleted, one missing token inserted: one diagnostic each', () => {
    const a = parse('encoder e = a -> conv1d(128 5) -> dense(3)');
    expect(codes(a.diagnostics)).toEqual([['MMF0001', r(0, 28, 0, 29)]]);
    expect(strip(a.program.decls[0])).toEqual({ kind: 'Encoder', name: id('e'), pipeline: pipe(call('a'), call('conv1d', [pos(num(128))]), call('dense', [pos(num(3))])) });
    const b = parse('model M joint -> head(spam)');
    expect(codes(b.diagnostics)).toEqual([['MMF0001', r(0, 8, 0, 13)]]);
    expect(strip(b.program.decls[0])).toEqual({ kind: 'Model', name: id('M'), pipeline: pipe(call('joint'), call('head', [pos(name('spam'))])) });
  });

  it('a keyword used as a name never splits a declaration', () => {
    // the error is before `train`, which is only an argument key here
    const { program, diagnostics } = parse('dataset d from csv("x" { split(train 0.8) }\nmodel M = a');
    expect(codes(diagnostics)).toEqual([['MMF0001', r(0, 23, 0, 24)]]);
    expect(strip(program.decls)).toEqual([
      { kind: 'Dataset', name: id('d'), source: call('csv', [pos(str('x'))]), settings: [{ kind: 'Setting', key: id('split'), args: [kw('train', num(0.8))] }] },
      { kind: 'Model', name: id('M'), pipeline: pipe(call('a')) },
    ]);
    const broken = parse('dataset d from csv("x" 1 { split(train 0.8) }\nmodel M = a');
    expect(codes(broken.diagnostics)).toEqual([['MMF0001', r(0, 23, 0, 24)]]);
    // recovery resumes at the block, not at `train`
    expect(strip(broken.program.decls)).toEqual(strip(program.decls));
  });
});

describe('lex', () => {
  it('returns typed tokens with ranges, comments and invalid characters included', () => {
    const { tokens, diagnostics } = lex('input x: text(vocab 5) from d.model // c\n@');
    expect(tokens.map((t) => [t.type, t.category, t.text])).toEqual([
      ['Input', 'keyword', 'input'],
      ['Identifier', 'name', 'x'],
      ['Colon', 'operator', ':'],
      ['Identifier', 'name', 'text'],
      ['LParen', 'punctuation', '('],
      ['Identifier', 'name', 'vocab'],
      ['Number', 'number', '5'],
      ['RParen', 'punctuation', ')'],
      ['From', 'keyword', 'from'],
      ['Identifier', 'name', 'd'],
      ['Dot', 'operator', '.'],
      // a keyword used as a name is an identifier
      ['Identifier', 'name', 'model'],
      ['LineComment', 'comment', '// c'],
      ['Unknown', 'invalid', '@'],
    ]);
    expect(tokens[11]).toMatchObject({ offset: 30, length: 5, range: r(0, 30, 0, 35) });
    expect(tokens[13].range).toEqual(r(1, 0, 1, 1));
    expect(codes(diagnostics)).toEqual([['MMF0003', r(1, 0, 1, 1)]]);
  });
});

// ------------------------------------------------------------------------------------------------
// parse never throws

/** The invariants of a parse result that must hold for any input; returns the violations. */
function violations(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  const problems: string[] = [];
  const inText = (p: { line: number; character: number }) =>
    Number.isInteger(p.line) && Number.isInteger(p.character) && p.line >= 0 && p.line < lines.length && p.character >= 0 && p.character <= lines[p.line].length;
  const checkRange = (rg: Range, what: string) => {
    if (!rg || !inText(rg.start) || !inText(rg.end)) problems.push(`${what}: range outside the text ${JSON.stringify(rg)}`);
    else if (rg.start.line > rg.end.line || (rg.start.line === rg.end.line && rg.start.character > rg.end.character)) problems.push(`${what}: reversed range`);
  };
  const res = parse(text);
  for (const d of res.diagnostics) {
    if (!/^MMF000[1-7]$/.test(d.code)) problems.push(`unexpected code ${d.code}: ${d.message}`);
    if (d.severity !== 'error' || typeof d.message !== 'string' || typeof d.hint !== 'string') problems.push(`malformed diagnostic ${d.code}`);
    checkRange(d.range, d.code);
  }
  // every node has its required fields, and a range inside the text
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}[${i}]`));
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if ('kind' in o && !o.range) problems.push(`${path}: no range`);
    for (const [k, v] of Object.entries(o)) {
      if (v === undefined || (typeof v === 'number' && Number.isNaN(v) && k !== 'value')) problems.push(`${path}.${k} is ${v}`);
      else if (k === 'range') checkRange(v as Range, path);
      else walk(v, `${path}.${k}`);
    }
  };
  walk(res.program.decls as Decl[], 'decls');
  for (const c of res.program.comments) checkRange(c.range, 'comment');
  checkRange(res.program.range, 'program');
  return problems;
}

/** Assert the invariants of {@link violations}. */
function checkResult(text: string): void {
  expect(violations(text), JSON.stringify(text.slice(0, 200))).toEqual([]);
}

describe('parse never throws', () => {
  const fragments = [
    'import', 'dataset', 'input', 'label', 'encoder', 'fusion', 'model', 'train', 'from', 'ensemble', 'x', 'emails', '_',
    '64', '-', '1e-3', '.5', '"s"', '"a\\q', '"', ':', '=', '->', '.', '(', ')', '[', ']', '{', '}', ',', '//c\n', '/*', '*/',
    '\n', ' ', '@', '\ud800', 'é', '\r',
  ];
  const tokenSoup = fc.array(fc.constantFrom(...fragments), { maxLength: 60 }).map((a) => a.join(' '));
  const anyUtf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 200 });
  const mutatedTour = fc
    .tuple(fc.integer({ min: 0, max: TOUR.length }), fc.integer({ min: 0, max: 40 }), fc.constantFrom(...fragments))
    .map(([at, del, ins]) => TOUR.slice(0, at) + ins + TOUR.slice(at + del));

  it('on token soup', () => {
    fc.assert(fc.property(tokenSoup, (s) => violations(s).length === 0), { numRuns: 500 });
  });

  it('on arbitrary UTF-16 (lone surrogates, control characters)', () => {
    fc.assert(fc.property(anyUtf16, (s) => violations(s).length === 0), { numRuns: 500 });
  });

  it('on edits of a valid file', () => {
    fc.assert(fc.property(mutatedTour, (s) => violations(s).length === 0), { numRuns: 500 });
  });

  it('on every prefix of the syntax tour (typing it from the start)', () => {
    for (let i = 0; i <= TOUR.length; i++) checkResult(TOUR.slice(0, i));
  });

  it('on pathological inputs', () => {
    const MB = 1 << 20;
    const cases = [
      '',
      'model M = f(' + '['.repeat(100_000),
      'train M { ' + 'a 1 = '.repeat(20_000) + '}',
      '/*' + 'x'.repeat(1000),
      '"'.repeat(1000),
      '\ud800\udc00\ud800 encoder x = \udc00 a',
      Array.from({ length: 5000 }, (_, i) => String.fromCharCode((i * 7919) % 65536)).join(''),
    ];
    for (const c of cases) checkResult(c);
    // a megabyte of '(': one stray run, one nesting diagnostic
    const big = parse('('.repeat(MB));
    expect(big.program.decls).toEqual([]);
    expect(codes(big.diagnostics)).toEqual([
      ['MMF0006', r(0, 0, 0, MB)],
      ['MMF0007', r(0, 64, 0, 65)],
    ]);
  });
});
