/**
 * Parser errors → diagnostics in the user's terms.
 *
 * MMF0001 (unexpected token) messages read "Expected X after Y but found Z": X names what the grammar
 * wanted at that point, Y the token before it in the role it plays ("input name 'subject'"), Z the
 * token found ("end of file" at the end). The hint shows the syntax of the construct being written.
 */
import { EOF, type IRecognitionException, type IToken } from './chevrotain.ts';
import { diagnostic, type Diagnostic, type Range } from './diagnostic.ts';
import {
  Comma,
  Dot,
  LBracket,
  isDeclarationStart,
  LParen,
  quoteSource,
  RParen,
  StringLiteral,
  TooDeep,
  Train,
  UnterminatedString,
  tokenRange,
  type LexedText,
} from './lexer.ts';
import { errorPayload, type ErrorPayload } from './parser.ts';
import type { Stray } from './to-ast.ts';

const DECL_HINTS: Record<string, string> = {
  importDecl: 'Write `import "file.mmf"`',
  datasetDecl: 'Write `dataset NAME from SOURCE("path") { SETTING VALUE ... }`, e.g. `dataset emails from jsonl("spam.jsonl")`',
  inputDecl: 'Write `input NAME: KIND(...) from DATASET.COLUMN`, e.g. `input subject: text(vocab 5000) from emails.subject`',
  labelDecl: 'Write `label NAME: KIND from DATASET.COLUMN`, e.g. `label spam: binary from emails.is_spam`',
  encoderDecl:
    'Write `encoder NAME = INPUT -> LAYER(...) -> ...`, e.g. `encoder subj = subject -> embedding(64) -> gru(64)`, or a definition `encoder Tower(width) = embedding(width) -> gru(width)`',
  fusionDecl: 'Write `fusion NAME = OPERATOR(ENCODER, ...)`, e.g. `fusion joint = concat(subj, meta)`',
  modelDecl: 'Write `model NAME = FUSION -> HEAD(...)`, e.g. `model Net = joint -> classifier(spam)`',
  trainDecl: 'Write `train MODEL { SETTING VALUE ... }`, e.g. `train Net { epochs 10 }`',
  ensembleDecl: 'Write `ensemble NAME = KIND([MODEL, ...], ...)`, e.g. `ensemble Vote = voting([A, B, C], soft)`',
};

const RULE_HINTS: Record<string, string> = {
  args: 'Separate arguments with commas: `conv1d(128, 5, activation relu)`',
  arg: 'An argument is a value or `key value`: `conv1d(128, 5, activation relu)`',
  list: 'Write a list as `[1, 2, 3]`',
  shape: 'Write a shape as `[batch, 128]`; `_` matches any size',
  dims: 'Write a shape as `[batch, 128]`; `_` matches any size',
  columns: 'Write `DATASET.COLUMN` or `DATASET[COLUMN, "other column"]`',
  block: 'Write one setting per line: `epochs 10` or `early_stop(val_loss, patience 3)`, and close the block with `}`',
  setting: 'Write a setting as `NAME VALUE` (`epochs 10`) or `NAME(ARGS)` (`early_stop(val_loss, patience 3)`)',
  pipeline: 'Each step after `->` is a layer such as `dense(64)` or a shape such as `[batch, 64]`',
  expr: 'A value is a number, a "string", a name, a call such as `adam(lr 1e-3)` or a list such as `[1, 2]`',
};

const DECL_NOUN: Record<string, string> = {
  Dataset: 'dataset',
  Input: 'input',
  Label: 'label',
  Encoder: 'encoder',
  Fusion: 'fusion',
  Model: 'model',
  Ensemble: 'ensemble',
};

const PUNCT: Record<string, string> = {
  Colon: "':'",
  Equals: "'='",
  From: "'from'",
  LBrace: "'{'",
  LParen: "'('",
  Dot: "'.'",
  Arrow: "'->'",
  Comma: "','",
  Minus: "'-'",
};

const DECLARATION_LIST = 'import, dataset, input, label, encoder, fusion, model, train or ensemble';

/** Finds tokens around an error in the parser's token vector. */
class TokenIndex {
  constructor(private readonly tokens: IToken[]) {}

  /** Index of `t` in the vector, or the vector's length for EOF. */
  indexOf(t: IToken): number {
    if (t.tokenType === EOF || !Number.isFinite(t.startOffset)) return this.tokens.length;
    let lo = 0;
    let hi = this.tokens.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const o = this.tokens[mid].startOffset;
      if (o === t.startOffset) return mid;
      if (o < t.startOffset) lo = mid + 1;
      else hi = mid - 1;
    }
    return lo;
  }

  at(i: number): IToken | undefined {
    return i >= 0 && i < this.tokens.length ? this.tokens[i] : undefined;
  }
}

/** How the token before an error reads in a message: `after input name 'subject'`, `after 'text(...)'`. */
function describePrevious(idx: TokenIndex, i: number): string {
  const prev = idx.at(i - 1);
  if (!prev) return '';
  if (isDeclarationStart(prev)) return ` after '${prev.image}'`;
  const before = idx.at(i - 2);
  if (before && isDeclarationStart(before)) {
    const noun = DECL_NOUN[before.tokenType.name];
    if (noun) return ` after ${noun} name ${quoteSource(prev.image)}`;
    if (before.tokenType === Train) return ` after ${quoteSource('train ' + prev.image)}`;
  }
  if (prev.tokenType === RParen) {
    // find the matching '(' and name the call: after 'text(...)'
    let depth = 0;
    for (let k = i - 1; k >= 0 && k >= i - 10_000; k--) {
      const t = idx.at(k)!;
      if (t.tokenType === RParen) depth++;
      else if (t.tokenType === LParen && --depth === 0) {
        const callee = idx.at(k - 1);
        if (callee && /^[A-Za-z_]/.test(callee.image) && !isDeclarationStart(callee)) return ` after ${quoteSource(callee.image + '(...)')}`;
        break;
      }
    }
  }
  return ` after ${quoteSource(prev.image)}`;
}

/** How the offending token reads in a message. */
function describeFound(t: IToken): string {
  if (t.tokenType === EOF) return 'end of file';
  if (isDeclarationStart(t)) return `${quoteSource(t.image)}, which starts a new declaration`;
  return quoteSource(t.image);
}

/** What the parser expected, in the user's terms; `prev` is the token before the error. */
function describeExpected(p: ErrorPayload, stack: string[], prev: IToken | undefined): string {
  const decl = stack[1] ?? '';
  const rule = p.rule;
  if (p.kind === 'mismatch') {
    switch (p.expected) {
      case 'Name':
      case 'PlainName':
        if (rule === 'trainDecl') return 'the name of the model to train';
        if (rule in DECL_HINTS) return `a name for the ${rule.replace('Decl', '')}`;
        if (rule === 'kind') return `the ${decl === 'labelDecl' ? 'label' : 'input'} kind (such as \`text(...)\`)`;
        if (rule === 'columns') return 'a dataset name';
        return 'a name';
      case 'String':
        return rule === 'importDecl' ? 'a file path in double quotes' : 'a string';
      case 'Number':
        return 'a number';
      case 'RBrace':
        return "a setting or '}'";
      case 'RParen':
        return prev?.tokenType === LParen || prev?.tokenType === Comma ? "an argument or ')'" : "',' or ')'";
      case 'RBracket':
        if (prev?.tokenType === LBracket || prev?.tokenType === Comma) {
          return rule === 'columns' ? "a column name or ']'" : rule === 'list' ? "a value or ']'" : "a dimension (a number, a name or '_')";
        }
        return "',' or ']'";
      case 'LBracket':
        return rule === 'shape' ? 'a shape such as [batch, 64]' : "'['";
      default:
        return PUNCT[p.expected] ?? `'${p.expected}'`;
    }
  }
  switch (rule) {
    case 'pipeline':
      return 'a layer name or a shape';
    case 'expr':
      return 'a value (a number, string, name, call or list)';
    case 'arg':
      return 'an argument';
    case 'columns':
      // the choice of '.' or '[' after the dataset, or a column name after one of them
      return prev && (prev.tokenType === Dot || prev.tokenType === LBracket || prev.tokenType === Comma)
        ? 'a column name (a name or a "quoted string")'
        : "'.COLUMN' or '[COLUMNS]'";
    case 'dims':
      return "a dimension (a number, a name or '_')";
    case 'setting':
      return "a value or '('";
    default:
      return 'a declaration';
  }
}

function hintFor(p: ErrorPayload, stack: string[], prev: IToken | undefined): string {
  if (p.kind === 'mismatch' && p.expected === 'RParen') return RULE_HINTS.args;
  for (let k = stack.length - 1; k >= 2; k--) {
    const h = RULE_HINTS[stack[k]];
    if (h) return h;
  }
  return DECL_HINTS[stack[1] ?? ''] ?? `Start each declaration with its keyword (${DECLARATION_LIST})`;
}

/**
 * Turn parser errors (the first of each declaration, see `cstToAst`) into MMF0001 diagnostics, leaving
 * out those that follow from a problem the lexer already reported (an unterminated string or comment,
 * too deep nesting).
 */
export function parseErrorDiagnostics(errors: IRecognitionException[], lexed: LexedText): Diagnostic[] {
  const idx = new TokenIndex(lexed.tokens);
  const out: Diagnostic[] = [];
  for (const e of errors) {
    const t = e.token;
    const i = idx.indexOf(t);
    const prev = idx.at(i - 1);
    if (t.tokenType === TooDeep) continue;
    if (t.tokenType === EOF && lexed.unterminatedComment) continue;
    if (prev?.tokenType === UnterminatedString) continue;
    const range: Range = t.tokenType === EOF ? lexed.lineMap.endRange() : tokenRange(lexed.lineMap, t);
    const p = errorPayload(e);
    const stack = e.context?.ruleStack ?? [];
    if (!p || p.kind === 'notAllInput' || p.kind === 'earlyExit') {
      out.push(strayDiagnostic(t, t, lexed));
      continue;
    }
    const expected = describeExpected(p, stack, prev);
    const where = p.kind === 'noViableAlt' && p.rule === 'setting' && prev ? ` after setting ${quoteSource(prev.image)}` : describePrevious(idx, i);
    out.push(diagnostic('MMF0001', 'error', `Expected ${expected}${where} but found ${describeFound(t)}`, range, hintFor(p, stack, prev)));
  }
  return out;
}

function strayDiagnostic(first: IToken, last: IToken, lexed: LexedText, afterDecl = false): Diagnostic {
  const range = first.tokenType === EOF ? lexed.lineMap.endRange() : lexed.lineMap.range(first.startOffset, last.startOffset + last.image.length);
  return diagnostic(
    'MMF0006',
    'error',
    `Expected a declaration (${DECLARATION_LIST}) but found ${describeFound(first)}`,
    range,
    afterDecl
      ? 'The declaration before ends just before this; to go on, continue a pipeline with `->` or separate arguments with commas; otherwise delete this text'
      : 'Start each declaration with its keyword, e.g. `encoder NAME = INPUT -> LAYER(...)`, or delete this text',
  );
}

/** MMF0006 for each top-level stray. */
export function strayDiagnostics(strays: Stray[], lexed: LexedText): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const s of strays) {
    if (s.first.tokenType === TooDeep) continue;
    if (s.first.tokenType === StringLiteral || s.first.tokenType === UnterminatedString) {
      // `"path.mmf"` alone most likely lacks its `import`
      const d = strayDiagnostic(s.first, s.last, lexed);
      d.hint = 'To import another file write `import "file.mmf"`; otherwise start each declaration with its keyword';
      out.push(d);
      continue;
    }
    out.push(strayDiagnostic(s.first, s.last, lexed, s.afterDecl));
  }
  return out;
}
