/**
 * Tokens of the mmf language and the lexer (chevrotain).
 *
 * Besides the chevrotain lexer proper, this module runs two cheap passes over the token vector before
 * the parser sees it:
 *
 * 1. **Keyword classification.** A declaration keyword (`import dataset input label encoder fusion
 *    model train ensemble`) is a keyword only where it starts a declaration; anywhere else it is retyped to an
 *    `Identifier` (so `split(train 0.8)`, `emails.model` and `input model: ...` work). A keyword starts a
 *    declaration when it is followed by the shape of one (`input NAME :`, `encoder NAME =`,
 *    `ensemble NAME =`, `dataset NAME from`, `train NAME {`, `import "…"`), or when it is the first token on its line,
 *    outside a `{ }` block and not right after a connector such as `->`, `,` or `(` (that catches
 *    half-typed declarations). `from` stays a keyword but belongs to the `Name` category,
 *    so they are accepted wherever a name is. Error recovery resynchronises only at real declaration
 *    starts, so a keyword used as a name never causes a cascade of errors.
 * 2. **Nesting guard.** A region of parentheses and brackets nested deeper than {@link MAX_NESTING} is
 *    folded into one `TooDeep` token (and one diagnostic, MMF0007), which keeps the recursive parser far
 *    from the stack limit, and fast, on inputs such as a megabyte of `[`.
 */
import { createToken, Lexer, type IToken, type TokenType } from './chevrotain.ts';
import { diagnostic, type Diagnostic, type Range } from './diagnostic.ts';
import { LineMap } from './positions.ts';

// ---------------------------------------------------------------------------------------------------
// Categories (no pattern of their own)

/** Anything accepted where the grammar says NAME: identifiers, `from`, and declaration keywords retyped to identifiers. */
export const Name = createToken({ name: 'Name', pattern: Lexer.NA });
/** A NAME other than `from`: used for declaration names and the kind of an input or label. */
export const PlainName = createToken({ name: 'PlainName', pattern: Lexer.NA, categories: [Name] });

// ---------------------------------------------------------------------------------------------------
// Tokens

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[\s\S]*?\*\//,
  group: 'comments',
  line_breaks: true,
});
export const UnterminatedBlockComment = createToken({
  name: 'UnterminatedBlockComment',
  pattern: /\/\*[\s\S]*/,
  group: 'comments',
  line_breaks: true,
});
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\r\n]*/, group: 'comments' });

/** A double-quoted string on one line. The parser matches this type, which also covers unterminated strings. */
export const StringLiteral = createToken({
  name: 'String',
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/,
});
/** A string without its closing quote: runs to the end of the line (MMF0002). Parsed as a string. */
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/,
  categories: [StringLiteral],
});
export const NumberLiteral = createToken({
  name: 'Number',
  pattern: /(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/,
});
export const Arrow = createToken({ name: 'Arrow', pattern: '->' });
export const Minus = createToken({ name: 'Minus', pattern: '-' });
export const LBrace = createToken({ name: 'LBrace', pattern: '{' });
export const RBrace = createToken({ name: 'RBrace', pattern: '}' });
export const LParen = createToken({ name: 'LParen', pattern: '(' });
export const RParen = createToken({ name: 'RParen', pattern: ')' });
export const LBracket = createToken({ name: 'LBracket', pattern: '[' });
export const RBracket = createToken({ name: 'RBracket', pattern: ']' });
export const Comma = createToken({ name: 'Comma', pattern: ',' });
export const Colon = createToken({ name: 'Colon', pattern: ':' });
export const Equals = createToken({ name: 'Equals', pattern: '=' });
export const Dot = createToken({ name: 'Dot', pattern: '.' });

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  categories: [PlainName],
});

function declKeyword(word: string): TokenType {
  const name = word[0].toUpperCase() + word.slice(1);
  return createToken({ name, pattern: new RegExp(word), longer_alt: Identifier });
}
export const Import = declKeyword('import');
export const Dataset = declKeyword('dataset');
export const Input = declKeyword('input');
export const Label = declKeyword('label');
export const Encoder = declKeyword('encoder');
export const Fusion = declKeyword('fusion');
export const Model = declKeyword('model');
export const Train = declKeyword('train');
/** `from` separates a declaration's kind or name from its source; it is also accepted as a name (a column called `from`). */
export const From = createToken({
  name: 'From',
  pattern: /from/,
  longer_alt: Identifier,
  categories: [Name],
});
/** `ensemble NAME = KIND(...)`: a declaration keyword like the others (a name where no declaration starts). */
export const Ensemble = declKeyword('ensemble');

/**
 * A run of characters that cannot start any token (`@`, `$`, `é`, a control character): MMF0003.
 * Not given to the parser. Spelled as a positive class (everything but whitespace, letters, digits,
 * `_` and the punctuation mmf uses) so chevrotain's first-character optimisation stays on.
 */
export const Unknown = createToken({
  name: 'Unknown',
  pattern:
    /[\x00-\x08\x0e-\x1f!#$%&'*+;<>?@\\^`|~\x7f-\x9f\xa1-\u167f\u1681-\u1fff\u200b-\u2027\u202a-\u202e\u2030-\u205e\u2060-\u2fff\u3001-\ufefe\uff00-\uffff]+/,
  group: 'errors',
});
/** A `/` that does not start a comment: invalid (MMF0003), like {@link Unknown}. */
export const Slash = createToken({ name: 'Slash', pattern: '/', group: 'errors' });

/** One token standing for a region nested deeper than {@link MAX_NESTING}: from the opening bracket past its closing one. */
export const TooDeep = createToken({ name: 'TooDeep', pattern: Lexer.NA });

/** The keywords that start a declaration, in the order of the grammar. */
export const DECLARATION_KEYWORDS: readonly TokenType[] = [Import, Dataset, Input, Label, Encoder, Fusion, Model, Train, Ensemble];

/** Every token type, in lexing priority order (categories included, as chevrotain requires). */
export const allTokens: TokenType[] = [
  WhiteSpace,
  BlockComment,
  UnterminatedBlockComment,
  LineComment,
  StringLiteral,
  UnterminatedString,
  NumberLiteral,
  Arrow,
  Minus,
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Colon,
  Equals,
  Dot,
  ...DECLARATION_KEYWORDS,
  From,
  Identifier,
  Unknown,
  Slash,
  TooDeep,
  Name,
  PlainName,
];

/** Deepest nesting of `(` and `[` the parser accepts (real files use 3 or 4 levels). */
export const MAX_NESTING = 64;

const chevrotainLexer = new Lexer(allTokens, {
  positionTracking: 'onlyOffset',
  ensureOptimizations: true,
});

// ---------------------------------------------------------------------------------------------------
// Strings

/** A malformed escape sequence inside a string, as offsets into the source text. */
export interface EscapeError {
  start: number;
  end: number;
  text: string;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * Decode the image of a string token (with its opening quote and, when terminated, its closing quote)
 * using JSON escapes. An invalid escape keeps its characters as written and is reported in `errors`
 * with offsets relative to `startOffset`, the offset of the opening quote.
 */
export function decodeString(image: string, startOffset = 0): { value: string; errors: EscapeError[] } {
  const terminated = image.length >= 2 && image.endsWith('"') && !isEscapedQuoteAtEnd(image);
  const end = terminated ? image.length - 1 : image.length;
  const errors: EscapeError[] = [];
  let value = '';
  let i = 1;
  let runStart = 1;
  while (i < end) {
    if (image.charCodeAt(i) !== 92 /* \ */) {
      i++;
      continue;
    }
    value += image.slice(runStart, i);
    if (i + 1 >= end) {
      // a backslash at the very end of an unterminated string: MMF0002 covers it
      value += '\\';
      i++;
      runStart = i;
      continue;
    }
    const c = image[i + 1];
    if (c in SIMPLE_ESCAPES) {
      value += SIMPLE_ESCAPES[c];
      i += 2;
    } else if (c === 'u') {
      let j = i + 2;
      while (j < end && j < i + 6 && isHex(image.charCodeAt(j))) j++;
      if (j === i + 6) {
        value += String.fromCharCode(parseInt(image.slice(i + 2, i + 6), 16));
      } else {
        errors.push({ start: startOffset + i, end: startOffset + j, text: image.slice(i, j) });
        value += image.slice(i, j);
      }
      i = j;
    } else {
      // keep a surrogate pair together so the error range never splits one
      const w = isHighSurrogate(image.charCodeAt(i + 1)) && i + 2 < end && isLowSurrogate(image.charCodeAt(i + 2)) ? 3 : 2;
      errors.push({ start: startOffset + i, end: startOffset + i + w, text: image.slice(i, i + w) });
      value += image.slice(i, i + w);
      i += w;
    }
    runStart = i;
  }
  value += image.slice(runStart, end);
  return { value, errors };
}

function isEscapedQuoteAtEnd(image: string): boolean {
  // `"abc\"` (unterminated): the final quote is escaped when preceded by an odd run of backslashes
  let n = 0;
  for (let k = image.length - 2; k >= 1 && image.charCodeAt(k) === 92; k--) n++;
  return n % 2 === 1;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/**
 * Quote a piece of source text for a message: at most `max` characters, with control characters,
 * lone surrogates and quotes shown as escapes so a message is always valid, printable text.
 */
export function quoteSource(text: string, max = 40): string {
  let s = text.length > max ? text.slice(0, max) : text;
  // do not cut a surrogate pair in half
  if (s.length && isHighSurrogate(s.charCodeAt(s.length - 1)) && text.length > s.length) s = s.slice(0, -1);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isHighSurrogate(c) && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      out += s[i] + s[i + 1];
      i++;
    } else if (c < 0x20 || c === 0x7f || isHighSurrogate(c) || isLowSurrogate(c) || (c >= 0x80 && c < 0xa0)) {
      out += '\\u' + c.toString(16).padStart(4, '0');
    } else if (c === 39 /* ' */) {
      out += "\\'";
    } else out += s[i];
  }
  return `'${out}${text.length > s.length ? '…' : ''}'`;
}

// ---------------------------------------------------------------------------------------------------
// Lexing

/** Everything the parser needs from the lexer. */
export interface LexedText {
  /** Tokens for the parser, in order, with keywords classified and deep nesting replaced. */
  tokens: IToken[];
  /** Comment tokens (`//`, `/* *\/`, unterminated `/*`), in order. */
  comments: IToken[];
  /** Unknown-character tokens (MMF0003), in order. */
  unknown: IToken[];
  /** MMF0002 – MMF0005 and MMF0007. */
  diagnostics: Diagnostic[];
  lineMap: LineMap;
  /** True when an unterminated block comment swallowed the end of the file. */
  unterminatedComment: boolean;
}

/** Range of a token with a real position (not one inserted by error recovery). */
export function tokenRange(lineMap: LineMap, t: IToken): Range {
  return lineMap.range(t.startOffset, t.startOffset + t.image.length);
}

/** What must follow `KEYWORD NAME` for the keyword to start a declaration for sure. */
const THIRD_TOKEN = new Map<TokenType, TokenType>([
  [Dataset, From],
  [Input, Colon],
  [Label, Colon],
  [Encoder, Equals],
  [Fusion, Equals],
  [Model, Equals],
  [Train, LBrace],
  [Ensemble, Equals],
]);
const DECL_KEYWORD_SET = new Set<TokenType>(DECLARATION_KEYWORDS);
/** Tokens after which a keyword on the next line continues the declaration rather than starting one. */
const CONNECTORS = new Set<TokenType>([Arrow, Equals, Colon, Dot, Comma, LParen, LBracket, Minus, From]);

function retype(t: IToken, type: TokenType): void {
  t.tokenType = type;
  t.tokenTypeIdx = type.tokenTypeIdx!;
}

function isNameToken(t: IToken | undefined): boolean {
  if (!t) return false;
  const tt = t.tokenType;
  return tt === Identifier || tt === From || DECL_KEYWORD_SET.has(tt);
}

function newlineBetween(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
  }
  return false;
}

/** True when the token is a declaration keyword (after classification, i.e. it starts a declaration). */
export function isDeclarationStart(t: IToken): boolean {
  return DECL_KEYWORD_SET.has(t.tokenType);
}

/**
 * Lex `text` for the parser: chevrotain lexing, keyword classification, nesting guard and the lexical
 * diagnostics. Never throws for any string.
 */
export function lexText(text: string): LexedText {
  const lineMap = new LineMap(text);
  const result = chevrotainLexer.tokenize(text);
  const tokens = result.tokens;
  const comments = (result.groups.comments as IToken[] | undefined) ?? [];
  const unknown = (result.groups.errors as IToken[] | undefined) ?? [];
  const diagnostics: Diagnostic[] = [];
  let unterminatedComment = false;

  for (const c of comments) {
    if (c.tokenType === UnterminatedBlockComment) {
      unterminatedComment = true;
      diagnostics.push(
        diagnostic(
          'MMF0004',
          'error',
          "Unterminated block comment: this '/*' has no closing '*/', so the rest of the file is a comment",
          lineMap.range(c.startOffset, c.startOffset + 2),
          'Close the comment with `*/`, or use `//` for a one-line comment',
        ),
      );
    }
  }
  // one diagnostic per run of adjacent invalid characters (`@/` is an Unknown and a Slash token)
  for (let k = 0; k < unknown.length; ) {
    const start = unknown[k].startOffset;
    let end = start + unknown[k].image.length;
    for (k++; k < unknown.length && unknown[k].startOffset === end; k++) end += unknown[k].image.length;
    const run = text.slice(start, end);
    diagnostics.push(
      diagnostic(
        'MMF0003',
        'error',
        `Unexpected character${run.length > 1 ? 's' : ''} ${quoteSource(run)}`,
        lineMap.range(start, end),
        /[^\x00-\x7f]/.test(run)
          ? 'Names may only use ASCII letters, digits and `_`; write other text as a "quoted string"'
          : 'Remove it: mmf uses only letters, digits, `_`, strings, comments and the punctuation `{ } ( ) [ ] , : = . ->`',
      ),
    );
  }
  // chevrotain lexer errors cannot happen (Unknown matches everything else), but never lose one
  for (const e of result.errors) {
    diagnostics.push(
      diagnostic(
        'MMF0003',
        'error',
        `Unexpected character${e.length > 1 ? 's' : ''} ${quoteSource(text.slice(e.offset, e.offset + e.length))}`,
        lineMap.range(e.offset, e.offset + e.length),
        'Remove it',
      ),
    );
  }

  const out: IToken[] = [];
  let braceDepth = 0;
  let nesting = 0;
  let deep: IToken | undefined; // the TooDeep token of the current too-deep region
  let deepFrom = 0; // nesting level at which that region started
  const closeDeep = (endOffset: number) => {
    if (deep) {
      deep.image = text.slice(deep.startOffset, endOffset);
      deep.endOffset = endOffset - 1;
    }
    deep = undefined;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const tt = t.tokenType;
    // the parser's node location tracking needs each token's (inclusive) end offset
    t.endOffset = t.startOffset + t.image.length - 1;

    if (tt === StringLiteral || tt === UnterminatedString) stringDiagnostics(t, lineMap, diagnostics);

    if (DECL_KEYWORD_SET.has(tt)) {
      const next = tokens[i + 1];
      const third = tokens[i + 2];
      const prev = tokens[i - 1];
      const strong =
        tt === Import
          ? next !== undefined && next.tokenType === StringLiteral
          : isNameToken(next) && third !== undefined && third.tokenType === THIRD_TOKEN.get(tt);
      const firstOnLine = prev === undefined || newlineBetween(text, prev.startOffset + prev.image.length, t.startOffset);
      const weak = firstOnLine && braceDepth === 0 && (prev === undefined || !CONNECTORS.has(prev.tokenType));
      if (strong || weak) {
        if (deep) closeDeep(prev.startOffset + prev.image.length);
        braceDepth = 0;
        nesting = 0;
        out.push(t);
        continue;
      }
      retype(t, Identifier);
    }

    if (deep) {
      // inside a too-deep region: fold the token into the region's single TooDeep token
      if (tt === LParen || tt === LBracket) nesting++;
      else if (tt === RParen || tt === RBracket) nesting--;
      if (nesting < deepFrom) closeDeep(t.startOffset + t.image.length);
      continue;
    }
    if (tt === LBrace) braceDepth++;
    else if (tt === RBrace) braceDepth = braceDepth > 0 ? braceDepth - 1 : 0;
    else if (tt === LParen || tt === LBracket) {
      nesting++;
      if (nesting > MAX_NESTING) {
        deep = t;
        deepFrom = nesting;
        retype(t, TooDeep);
        diagnostics.push(
          diagnostic(
            'MMF0007',
            'error',
            `Nesting too deep: more than ${MAX_NESTING} levels of parentheses and brackets`,
            tokenRange(lineMap, t),
            'Flatten the expression; mmf values are rarely nested more than a few levels',
          ),
        );
      }
    } else if (tt === RParen || tt === RBracket) nesting = nesting > 0 ? nesting - 1 : 0;
    out.push(t);
  }
  if (deep) {
    const last = tokens[tokens.length - 1];
    closeDeep(last.startOffset + last.image.length);
  }

  return { tokens: out, comments, unknown, diagnostics, lineMap, unterminatedComment };
}

function stringDiagnostics(t: IToken, lineMap: LineMap, diagnostics: Diagnostic[]): void {
  if (t.tokenType === UnterminatedString) {
    diagnostics.push(
      diagnostic(
        'MMF0002',
        'error',
        'Unterminated string: it has no closing \'"\' on this line',
        tokenRange(lineMap, t),
        'Add a closing `"`; strings cannot span lines (write `\\n` for a line break)',
      ),
    );
  }
  for (const e of decodeString(t.image, t.startOffset).errors) {
    diagnostics.push(
      diagnostic(
        'MMF0005',
        'error',
        `Invalid escape ${quoteSource(e.text)} in string`,
        lineMap.range(e.start, e.end),
        'Use a JSON escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX (four hex digits); write \\\\ for a backslash',
      ),
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// Public token stream (for semantic highlighting)

/** What a token is, for syntax highlighting. */
export type TokenCategory = 'keyword' | 'name' | 'number' | 'string' | 'comment' | 'operator' | 'punctuation' | 'invalid';

/** One token of a `.mmf` text with its LSP range. */
export interface LexToken {
  /**
   * The token type name: `Import`, `Dataset`, `Input`, `Label`, `Encoder`, `Fusion`, `Model`, `Train`,
   * `Ensemble` (only where they start a declaration), `From`, `Identifier`, `Number`, `String`,
   * `UnterminatedString`, `LineComment`, `BlockComment`, `UnterminatedBlockComment`, `Arrow`, `Minus`,
   * `LBrace`, `RBrace`, `LParen`, `RParen`, `LBracket`, `RBracket`, `Comma`, `Colon`, `Equals`, `Dot`,
   * `Unknown` and `Slash` (characters that cannot start a token) or `TooDeep` (a region beyond the
   * nesting limit).
   */
  type: string;
  category: TokenCategory;
  /** The source text of the token. */
  text: string;
  /** UTF-16 offset of the first character. */
  offset: number;
  /** Length in UTF-16 code units. */
  length: number;
  range: Range;
}

/** Result of {@link lex}. */
export interface LexResult {
  /** All tokens including comments and invalid characters, sorted by offset; whitespace is left out. */
  tokens: LexToken[];
  /** Lexical diagnostics: MMF0002, MMF0003, MMF0004, MMF0005, MMF0007. */
  diagnostics: Diagnostic[];
}

function categoryOf(t: IToken): TokenCategory {
  const tt = t.tokenType;
  if (DECL_KEYWORD_SET.has(tt) || tt === From) return 'keyword';
  if (tt === Identifier) return 'name';
  if (tt === NumberLiteral) return 'number';
  if (tt === StringLiteral || tt === UnterminatedString) return 'string';
  if (tt === LineComment || tt === BlockComment || tt === UnterminatedBlockComment) return 'comment';
  if (tt === Arrow || tt === Minus || tt === Equals || tt === Colon || tt === Dot) return 'operator';
  if (tt === Unknown || tt === Slash) return 'invalid';
  return tt === TooDeep ? 'invalid' : 'punctuation';
}

/**
 * Tokenize `text` for editors: every token (comments and invalid characters included) with its type
 * name, highlighting category and LSP range. A declaration keyword used as a name (`split(train 0.8)`)
 * comes out as an `Identifier`. Never throws.
 */
export function lex(text: string): LexResult {
  const lexed = lexText(text);
  const all = [...lexed.tokens, ...lexed.comments, ...lexed.unknown].sort((a, b) => a.startOffset - b.startOffset);
  const tokens = all.map(
    (t): LexToken => ({
      type: t.tokenType.name,
      category: categoryOf(t),
      text: t.image,
      offset: t.startOffset,
      length: t.image.length,
      range: tokenRange(lexed.lineMap, t),
    }),
  );
  return { tokens, diagnostics: lexed.diagnostics };
}
