/**
 * Incremental parsing for the editor: {@link IncrementalParser.parse} returns exactly what {@link parse}
 * returns for the same text (the same declarations, comments and diagnostics, deep-equal), but reparses only
 * the parts of the file that changed since the previous call.
 *
 * How. The text is cut into chunks at lines that certainly start a declaration in a full parse: a line whose
 * first characters are `KEYWORD NAME THIRD` with the token the lexer's keyword classification requires
 * (`input x :`, `encoder x =`, `dataset x from`, `train x {`, `import "`), outside any block comment. Such a
 * keyword is a declaration start whatever precedes it (the lexer's "strong" rule), and the lexer resets its
 * brace and nesting state there, and the parser cuts its token vector there (grammar/parser.ts), so what
 * lies before the line cannot change how the rest is lexed or parsed. What follows can, in two places only:
 * the lexer looks two tokens ahead to classify a keyword, and a declaration cut short by the next one reports
 * "found 'model'" at that keyword. So each chunk is lexed with the next chunk's `KEYWORD NAME THIRD` appended
 * (those three tokens are all the lexer can look at, and make the keyword a declaration start there too), and
 * parsed with that keyword as its last token (whose own one-token declaration is dropped). A chunk's result
 * depends only on its text and those tokens; it is kept, keyed by them, and moved to its line in the file
 * by adding a line offset to every range (chunks start at column 0, so characters never change).
 *
 * Declarations of chunks that did not change and did not move are the very objects of the previous parse,
 * so later stages can reuse what they computed from them by object identity (compiler/check-cache.ts). For the
 * incremental compiler, chunks that only moved are the previous parse's objects too, moved in place (see
 * DeclMoves), so a line inserted above a thousand declarations copies none of them.
 *
 * Not splitting is always safe (a chunk may hold several declarations), so lines the detector is unsure
 * of (a keyword it does not know, comments between the tokens) simply do not start a chunk.
 */
import type { Comment, Decl } from './ast.ts';
import type { IToken } from './chevrotain.ts';
import type { Diagnostic } from './diagnostic.ts';
import { parse, type ParseResult } from './index.ts';
import { lexText, LParen, RParen, type LexedText } from './lexer.ts';
import { parseErrorDiagnostics, strayDiagnostics } from './messages.ts';
import { parseSegments } from './parser.ts';
import { cstToAst } from './to-ast.ts';

/** Words that may not be the NAME of a chunk-starting line (keywords; a name token, but kept out to stay safe). */
const KEYWORDS = 'import|dataset|input|label|encoder|fusion|model|train|from|ensemble';
/**
 * `KEYWORD NAME THIRD` at the start of a line, with THIRD the token grammar/lexer.ts requires after each
 * keyword for its strong rule (`THIRD_TOKEN` there), or `import "`.
 */
const CHUNK_START = new RegExp(
  `(?:dataset[ \\t]+(?!(?:${KEYWORDS})(?![A-Za-z0-9_]))[A-Za-z_][A-Za-z0-9_]*[ \\t]*from(?![A-Za-z0-9_])` +
    `|(?:input|label)[ \\t]+(?!(?:${KEYWORDS})(?![A-Za-z0-9_]))[A-Za-z_][A-Za-z0-9_]*[ \\t]*:` +
    `|(?:encoder|fusion|model)[ \\t]+(?!(?:${KEYWORDS})(?![A-Za-z0-9_]))[A-Za-z_][A-Za-z0-9_]*[ \\t]*=` +
    `|train[ \\t]+(?!(?:${KEYWORDS})(?![A-Za-z0-9_]))[A-Za-z_][A-Za-z0-9_]*[ \\t]*\\{` +
    `|import[ \\t]+"(?:[^"\\\\\\r\\n]|\\\\[^\\r\\n])*")`,
  'y',
);

/** The characters chunksOf stops at, and a line break. */
const SPECIAL = /[\n\r/"]/g;
const LINE_END = /[\n\r]/g;

/** What a chunk parses to, with ranges relative to the chunk's first line. */
interface ChunkResult {
  decls: Decl[];
  comments: Comment[];
  lexDiagnostics: Diagnostic[];
  parseDiagnostics: Diagnostic[];
  strayDiagnostics: Diagnostic[];
  /**
   * True when a message depends on tokens before the chunk: an error right after a `)` whose `(` is not in
   * the chunk (messages.ts then looks further back for the call's name). Such a text is parsed whole.
   */
  needsContext: boolean;
}

/** A chunk as placed by a parse: its text and next keyword, its key, its result at line 0 and where it is. */
interface Placed {
  key: string;
  body: string;
  next: string | undefined;
  local: ChunkResult;
  result: ChunkResult;
}

/** One chunk of the text: [start, end) offsets, its first line, and the first line of the next chunk. */
interface Chunk {
  start: number;
  end: number;
  line: number;
  /** How the next chunk starts (`KEYWORD NAME THIRD`, as matched); undefined for the last chunk. */
  next: string | undefined;
}

/**
 * Cut `text` into chunks (see the module comment). Line breaks are `\n`, `\r\n` and `\r`, as in LineMap.
 * Strings never span lines; block comments may, so line starts inside one are never chunk starts.
 */
export function chunksOf(text: string): Chunk[] {
  const starts: { offset: number; line: number; head?: string }[] = [{ offset: 0, line: 0 }];
  const n = text.length;
  let line = 0;
  let i = 0;
  const atLineStart = (offset: number) => {
    line++;
    if (offset < n) {
      CHUNK_START.lastIndex = offset;
      const m = CHUNK_START.exec(text);
      if (m) starts.push({ offset, line, head: m[0] });
    }
  };
  while (i < n) {
    // jump to the next character that matters: a line break, a '/' or a '"'
    SPECIAL.lastIndex = i;
    if (!SPECIAL.test(text)) break;
    i = SPECIAL.lastIndex - 1;
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */) {
      atLineStart(++i);
    } else if (c === 13 /* \r */) {
      i += i + 1 < n && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      atLineStart(i);
    } else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) break; // an unterminated block comment runs to the end of the file
      // count the line breaks inside the comment; none of those lines starts a chunk
      for (let k = i + 2; k < close; k++) {
        const d = text.charCodeAt(k);
        if (d === 10) line++;
        else if (d === 13) {
          if (text.charCodeAt(k + 1) === 10) k++;
          line++;
        }
      }
      i = close + 2;
    } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
      LINE_END.lastIndex = i + 2;
      i = LINE_END.test(text) ? LINE_END.lastIndex - 1 : n;
    } else if (c === 34 /* " */) {
      // a string: to its closing quote, or to the end of the line (unterminated); `\x` skips x unless x ends the line
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 10 || d === 13) break;
        if (d === 34) {
          i++;
          break;
        }
        if (d === 92 /* \ */) {
          const e = text.charCodeAt(i + 1);
          i += e === 10 || e === 13 || i + 1 >= n ? 1 : 2;
        } else i++;
      }
    } else i++;
  }
  const chunks: Chunk[] = [];
  for (let k = 0; k < starts.length; k++) {
    const s = starts[k]!;
    const nextStart = starts[k + 1];
    chunks.push({ start: s.offset, end: nextStart ? nextStart.offset : n, line: s.line, next: nextStart?.head });
  }
  return chunks;
}

/** Parse one chunk on its own (ranges relative to its start); `next` is how the next chunk starts. */
function parseChunk(chunk: string, next: string | undefined): ChunkResult {
  const lexed = lexText(next === undefined ? chunk : chunk + next);
  let tokens = lexed.tokens;
  let lines = Infinity;
  if (next !== undefined) {
    const end = chunk.length;
    lines = lexed.lineMap.position(end).line;
    // keep the next declaration's keyword (the parser cuts the chunk's last declaration there) and no more
    let k = 0;
    while (k < tokens.length && tokens[k]!.startOffset < end) k++;
    tokens = tokens.slice(0, k + 1);
  }
  const segments = [...parseSegments(tokens)];
  if (next !== undefined) segments.pop(); // the next keyword's own (one-token) declaration
  const within = (d: Diagnostic) => d.range.start.line < lines;
  const lx: LexedText = {
    ...lexed,
    tokens,
    comments: next === undefined ? lexed.comments : lexed.comments.filter((c) => c.startOffset < chunk.length),
    diagnostics: lexed.diagnostics.filter(within),
  };
  const { decls, strays, errors } = cstToAst(segments, lexed.lineMap);
  const needsContext = errors.some((e) => unmatchedParenBefore(tokens, e.token));
  return {
    needsContext,
    decls,
    comments: lx.comments.map((c) => ({ text: c.image, range: lexed.lineMap.range(c.startOffset, c.startOffset + c.image.length) })),
    lexDiagnostics: lx.diagnostics,
    parseDiagnostics: parseErrorDiagnostics(errors, lx),
    strayDiagnostics: strayDiagnostics(strays, lx),
  };
}

/**
 * Whether messages.ts, naming the call before an error after `)` (`after 'dense(...)'`), would look past the
 * start of `tokens` for the matching `(`: it scans back at most 10,000 tokens.
 */
function unmatchedParenBefore(tokens: IToken[], t: IToken): boolean {
  let i = tokens.length;
  if (Number.isFinite(t.startOffset)) {
    i = tokens.findIndex((x) => x.startOffset >= t.startOffset);
    if (i < 0) i = tokens.length;
  }
  if (tokens[i - 1]?.tokenType !== RParen) return false;
  let depth = 0;
  for (let k = i - 1; k >= 0 && k >= i - 10_000; k--) {
    const tt = tokens[k]!.tokenType;
    if (tt === RParen) depth++;
    else if (tt === LParen && --depth === 0) return false;
  }
  return i <= 10_000;
}

/** A deep copy of an AST or diagnostic value with `delta` added to the line of every position in it. */
export function shiftLines<T>(v: T, delta: number): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = shiftLines(v[i], delta);
    return out as T;
  }
  const o = v as Record<string, unknown>;
  if (typeof o.line === 'number' && typeof o.character === 'number') return { ...o, line: o.line + delta } as T;
  const out: Record<string, unknown> = {};
  for (const k in o) {
    const x = o[k];
    out[k] = typeof x === 'object' && x !== null ? shiftLines(x, delta) : x;
  }
  return out as T;
}

/**
 * Declarations that moved in the last parse: the new declaration → the old one and how many lines it moved.
 * A WeakMap will do. When `inPlace` is true, a chunk that only moved is moved in place: its kept declarations,
 * comments and diagnostics (the objects of the previous parse) get `delta` added to the line of every
 * position, and each declaration is entered as moved from itself (`from === decl`). Results of earlier parses
 * then change: ask for it only when nobody reads an earlier result any more (the incremental compiler: one
 * result per document version), and never keep a position object of the syntax tree elsewhere (it would move
 * too; compiler/check-cache.ts keeps copies).
 */
export interface DeclMoves {
  get(decl: object): { from: object; delta: number } | undefined;
  set(decl: object, move: { from: object; delta: number }): unknown;
  readonly inPlace?: boolean;
}

/**
 * Add `delta` to the line of every position (an object with numeric `line` and `character`) in `v`, in place.
 * `v` must hold no cycles and no position object twice (each would move twice): a result of
 * {@link shiftLines}, or a kept check result (compiler/check-cache.ts copies those), has neither.
 */
export function shiftLinesInPlace(v: unknown, delta: number): void {
  if (typeof v !== 'object' || v === null) return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x === 'object' && x !== null) shiftLinesInPlace(x, delta);
    }
    return;
  }
  const o = v as Record<string, unknown>;
  if (typeof o.line === 'number' && typeof o.character === 'number') {
    o.line += delta;
    return;
  }
  for (const k in o) {
    const x = o[k];
    if (typeof x === 'object' && x !== null) shiftLinesInPlace(x, delta);
  }
}

/** Thrown when a chunk cannot be parsed on its own (see ChunkResult.needsContext). */
class NeedsWholeText extends Error {}

function comparePos(a: Diagnostic, b: Diagnostic): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;
}

/**
 * A parser that remembers the chunks of the texts it parsed. One per document; not shared between threads.
 * Memory: the chunks of the last two parses.
 */
export class IncrementalParser {
  /** Chunk results relative to line 0, by chunk text and next line. */
  private local = new Map<string, ChunkResult>();
  private localPrev = new Map<string, ChunkResult>();
  /** Chunk results placed at a line, by line (with their text and key): reused as the same objects while the chunk stays put. */
  private placed = new Map<number, Placed>();
  /** How many chunks the last parse reparsed, moved and reused (for benchmarks and tests). */
  lastStats = { chunks: 0, parsed: 0, moved: 0, reused: 0 };

  /**
   * Parse `text`; the result deep-equals `parse(text)`. Never throws. When `moves` is given, each declaration of
   * a chunk that only moved (same text, another line) is entered there with the declaration it was in the
   * previous parse and the number of lines it moved (so later stages can move what they computed from it).
   * With `moves.inPlace`, such chunks are moved in place (see {@link DeclMoves}): the result of the previous
   * call changes, and only the latest result is valid.
   */
  parse(text: string, moves?: DeclMoves): ParseResult {
    if (typeof text !== 'string') return parse(text);
    try {
      return this.parseChunks(text, moves);
    } catch (e) {
      // chunks moved in place before the throw are no longer where this.placed says: forget the placement
      if (e instanceof NeedsWholeText) {
        if (moves?.inPlace) this.placed.clear();
        return parse(text);
      }
      this.local.clear();
      this.localPrev.clear();
      this.placed.clear();
      return parse(text);
    }
  }

  private parseChunks(text: string, moves: DeclMoves | undefined): ParseResult {
    let byKey: Map<string, { line: number; placed: Placed }> | undefined;
    const chunks = chunksOf(text);
    const local = new Map<string, ChunkResult>();
    const placed = new Map<number, Placed>();
    const stats = { chunks: chunks.length, parsed: 0, moved: 0, reused: 0 };
    const decls: Decl[] = [];
    const comments: Comment[] = [];
    const lexDiags: Diagnostic[] = [];
    const parseDiags: Diagnostic[] = [];
    const strayDiags: Diagnostic[] = [];
    const pushAll = (r: ChunkResult) => {
      for (const d of r.decls) decls.push(d);
      for (const x of r.comments) comments.push(x);
      for (const x of r.lexDiagnostics) lexDiags.push(x);
      for (const x of r.parseDiagnostics) parseDiags.push(x);
      for (const x of r.strayDiagnostics) strayDiags.push(x);
    };
    /** Placed chunks of the previous parse already used by this one (each may be used once: it may be moved in place). */
    const claimed = new Set<Placed>();
    const inPlace = moves?.inPlace === true;
    /** How many lines the last chunk moved in place went (0: none yet). */
    let lastDelta = 0;
    for (const c of chunks) {
      const body = text.slice(c.start, c.end);
      const here = this.placed.get(c.line);
      if (here && here.body === body && here.next === c.next && !claimed.has(here)) {
        // unchanged and in place: the same objects (no key to build)
        claimed.add(here);
        stats.reused++;
        local.set(here.key, here.local);
        placed.set(c.line, here);
        pushAll(here.result);
        continue;
      }
      if (inPlace && lastDelta !== 0 && c.line !== 0) {
        // most likely moved as the chunk before it did: look there first (no key to build or look up)
        const g = this.placed.get(c.line - lastDelta);
        if (g && g.body === body && g.next === c.next && !claimed.has(g) && g.result !== g.local) {
          if (c.start > 0 && g.local.needsContext) throw new NeedsWholeText();
          claimed.add(g);
          stats.moved++;
          local.set(g.key, g.local);
          shiftLinesInPlace(g.result, lastDelta);
          for (const d of g.result.decls) moves!.set(d, { from: d, delta: lastDelta });
          g.body = body;
          placed.set(c.line, g);
          pushAll(g.result);
          continue;
        }
      }
      const key = c.next === undefined ? `${body}\u0000` : `${body}\u0001${c.next}`;
      const parsedBefore = stats.parsed;
      let l = this.local.get(key) ?? this.localPrev.get(key) ?? local.get(key);
      if (l) stats.moved++;
      else {
        l = parseChunk(body, c.next);
        stats.parsed++;
      }
      local.set(key, l);
      if (c.start > 0 && l.needsContext) throw new NeedsWholeText();
      let r: ChunkResult | undefined;
      if (moves && stats.parsed === parsedBefore) {
        // moved: pair its declarations with those of the same chunk in the previous parse
        if (!byKey) {
          byKey = new Map();
          for (const [line, p] of this.placed) byKey.set(p.key, { line, placed: p });
        }
        const old = byKey.get(key);
        if (old && !claimed.has(old.placed)) {
          const delta = c.line - old.line;
          const prev = old.placed.result;
          claimed.add(old.placed);
          if (inPlace && prev !== old.placed.local && c.line !== 0) {
            // move the previous parse's objects in place (a copy made by shiftLines: no position twice; never
            // the line-0 results kept by text)
            shiftLinesInPlace(prev, delta);
            lastDelta = delta;
            r = prev;
            for (const d of r.decls) moves.set(d, { from: d, delta });
          } else {
            r = c.line === 0 ? l : shiftLines(l, c.line);
            if (prev.decls.length === r.decls.length) r.decls.forEach((d, i) => moves.set(d, { from: prev.decls[i]!, delta }));
          }
        }
      }
      r ??= c.line === 0 ? l : shiftLines(l, c.line);
      placed.set(c.line, { key, body, next: c.next, local: l, result: r });
      pushAll(r);
    }
    this.localPrev = this.local;
    this.local = local;
    this.placed = placed;
    this.lastStats = stats;
    const diagnostics = [...lexDiags, ...parseDiags, ...strayDiags].sort(comparePos);
    return { program: { kind: 'Program', decls, comments, range: programRange(text) }, diagnostics };
  }
}

/** The range of the whole text, as LineMap computes it: from 0:0 to the position of the end. */
function programRange(text: string): ParseResult['program']['range'] {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      lineStart = i + 1;
    } else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      line++;
      lineStart = i + 1;
    }
  }
  return { start: { line: 0, character: 0 }, end: { line, character: text.length - lineStart } };
}
