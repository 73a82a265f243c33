/**
 * The `.mmf` formatter: one canonical layout, every comment kept, idempotent.
 *
 * It works on the token stream (comments included) with the AST for structure, so no comment can be lost:
 * the output holds exactly the input's tokens, in order, with the whitespace between them decided here.
 *
 * - Each declaration starts a line at column 0; blank lines between declarations (and between lines of a
 *   block) are kept, at most one in a row; leading and trailing blank lines go.
 * - Inside a line: one space between tokens, none inside `( )` and `[ ]`, before `,` `:` `)` `]`, around
 *   `.`, before a call's `(` or a column list's `[`, nor between `-` and its number; `{ a b }` on one line.
 * - Line breaks the author wrote are kept before `->` and `from`, after `=` and `,`, after an opening and
 *   before a closing bracket; continuation lines are indented 2 (inside brackets: 2 more than the opening
 *   line). A `{ }` block written over several lines gets one setting per line, indented 2.
 * - Comments stay where they were: an own-line comment on its own line (indented as the code it precedes),
 *   a trailing comment on its line. Block comments are copied verbatim.
 * - Alignment: a trailing `//` comment keeps the column the author gave it while that still clears the code;
 *   consecutive lines whose comments shared a column that no longer clears move together, to one space past
 *   their longest line. In groups of consecutive `input`/`label` lines the kinds after `NAME:` keep one space
 *   when the author wrote one on every line, keep the author's column when every line agrees on it, and
 *   otherwise line up one space past the longest `input NAME:`.
 * - Line endings follow the file's first line ending; the output ends with one.
 *
 * A file with syntax errors is not formatted (the result says why): the formatter never guesses structure.
 */
import type { Diagnostic } from './diagnostic.ts';
import { parse } from './index.ts';
import { lex, type LexToken } from './lexer.ts';

/** Result of {@link format}: the formatted text, or the syntax errors that prevent formatting. */
export type FormatResult = { ok: true; text: string } | { ok: false; diagnostics: Diagnostic[] };

const key = (p: { line: number; character: number }) => `${p.line}:${p.character}`;

const OPEN = new Set(['LParen', 'LBracket', 'LBrace']);
const CLOSE = new Set(['RParen', 'RBracket', 'RBrace']);

interface OutLine {
  indent: number;
  text: string;
  /** Index in `text` where an input's or label's kind starts (after `NAME: `), with its column in the source. */
  kindAt?: number;
  kindSrc?: number;
  /** Index in `text` of a trailing `//` comment, with its column in the source. */
  commentAt?: number;
  commentSrc?: number;
}

/** Format a `.mmf` text. Never throws. */
export function format(text: string): FormatResult {
  const parsed = parse(text);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) return { ok: false, diagnostics: errors };
  const tokens = lex(text).tokens;
  const eol = /\r\n|\r|\n/.exec(text)?.[0] ?? '\n';

  // Structure from the AST, keyed by the position of the token it starts at.
  const indexAt = new Map<string, number>();
  tokens.forEach((t, i) => indexAt.set(key(t.range.start), i));
  const declStarts = new Set<string>();
  const settingStarts = new Set<string>();
  const columnBrackets = new Set<string>();
  const kinds = new Set<string>();
  for (const d of parsed.program.decls) {
    declStarts.add(key(d.range.start));
    if (d.kind === 'Dataset' || d.kind === 'Train') for (const s of d.settings) settingStarts.add(key(s.range.start));
    if (d.kind === 'Input' || d.kind === 'Label') {
      kinds.add(key(d.type.callee.range.start));
      if (d.source.bracketed) {
        let k = indexAt.get(key(d.source.dataset.range.start))! + 1;
        while (tokens[k]?.category === 'comment') k++;
        if (tokens[k]?.type === 'LBracket') columnBrackets.add(key(tokens[k]!.range.start));
      }
    }
  }

  // Matching brackets, and which `{ }` blocks span lines.
  const partner = new Map<number, number>();
  const stack: number[] = [];
  tokens.forEach((t, i) => {
    if (OPEN.has(t.type)) stack.push(i);
    else if (CLOSE.has(t.type) && stack.length) {
      const j = stack.pop()!;
      partner.set(i, j);
      partner.set(j, i);
    }
  });
  const multiline = (i: number) => {
    const j = partner.get(i);
    return j !== undefined && tokens[i]!.range.start.line !== tokens[j]!.range.start.line;
  };
  const nextCode = (i: number) => {
    for (let k = i + 1; k < tokens.length; k++) if (tokens[k]!.category !== 'comment') return tokens[k];
    return undefined;
  };

  const lines: OutLine[] = [];
  let line: OutLine | undefined;
  /** Open brackets: the token index and the indent of the line it opened on. */
  const open: { at: number; indent: number; block: boolean }[] = [];
  let inDecl = false;

  const newLine = (indent: number, blank: boolean) => {
    if (blank && lines.length && lines[lines.length - 1]!.text !== '') lines.push({ indent: 0, text: '' });
    line = { indent, text: '' };
    lines.push(line);
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = i > 0 ? tokens[i - 1] : undefined;
    const breaks = prev ? t.range.start.line - prev.range.end.line : 0;
    const inner = open[open.length - 1];
    const isDeclStart = declStarts.has(key(t.range.start));
    if (isDeclStart) inDecl = true;

    // Does a line break come before this token?
    let br = false;
    if (!prev) br = true;
    else if (isDeclStart || prev.type === 'LineComment') br = true;
    else if (t.category === 'comment') br = breaks > 0;
    else if (inner?.block && (settingStarts.has(key(t.range.start)) || t.type === 'RBrace' || prev.type === 'LBrace')) br = true;
    else if (breaks > 0) {
      br =
        t.type === 'Arrow' ||
        t.type === 'From' ||
        CLOSE.has(t.type) ||
        prev.type === 'Equals' ||
        prev.type === 'Comma' ||
        OPEN.has(prev.type) ||
        (prev.category === 'comment' && prev.range.end.line < t.range.start.line);
    }

    if (br) {
      // Blank lines: kept (one at most), but not at the start, nor just inside or before a bracket.
      const blank = breaks >= 2 && !!prev && !OPEN.has(prev.type) && !CLOSE.has(t.type);
      let indent: number;
      const atTop = !inner && (isDeclStart || (t.category === 'comment' && (!nextCode(i) || declStarts.has(key(nextCode(i)!.range.start)))));
      if (atTop || !inDecl) indent = 0;
      else if (inner) indent = CLOSE.has(t.type) && partner.get(i) === inner.at ? inner.indent : inner.indent + 2;
      else indent = 2;
      newLine(indent, blank);
    }
    const ln = line!;

    // The space before the token, when it shares a line with the previous one.
    if (ln.text !== '') {
      ln.text += spaceBetween(prev!, t, columnBrackets) ? ' ' : '';
    }
    if (kinds.has(key(t.range.start)) && prev?.type === 'Colon' && ln.text !== '') {
      ln.kindAt = ln.text.length;
      ln.kindSrc = t.range.start.character;
    }
    if (t.type === 'LineComment' && ln.text !== '') {
      ln.commentAt = ln.text.length;
      ln.commentSrc = t.range.start.character;
    }
    ln.text += t.text;

    if (OPEN.has(t.type)) open.push({ at: i, indent: ln.indent, block: t.type === 'LBrace' && multiline(i) });
    else if (CLOSE.has(t.type) && open.length && partner.get(i) === open[open.length - 1]!.at) open.pop();
    if (!open.length && t.category !== 'comment') {
      const next = nextCode(i);
      if (!next || declStarts.has(key(next.range.start))) inDecl = false;
    }
  }

  alignKinds(lines);
  alignComments(lines);
  const out = lines.map((l) => (l.text === '' ? '' : ' '.repeat(l.indent) + l.text).replace(/[ \t]+$/, ''));
  while (out.length && out[out.length - 1] === '') out.pop();
  return { ok: true, text: out.length ? out.join(eol) + eol : '' };
}

/** Whether two tokens on one line are separated by a space. */
function spaceBetween(a: LexToken, b: LexToken, columnBrackets: Set<string>): boolean {
  if (b.type === 'RParen' || b.type === 'RBracket' || b.type === 'Comma' || b.type === 'Dot' || b.type === 'Colon') return false;
  if (a.type === 'LParen' || a.type === 'LBracket' || a.type === 'Dot') return false;
  if (b.type === 'LParen') return false;
  if (b.type === 'LBracket' && columnBrackets.has(key(b.range.start))) return false;
  if (a.type === 'Minus' && b.type === 'Number') return false;
  if (a.type === 'LBrace' && b.type === 'RBrace') return false;
  return true;
}

/** Runs of consecutive lines that all have `has`. */
function runs(lines: OutLine[], has: (l: OutLine) => boolean): OutLine[][] {
  const out: OutLine[][] = [];
  let cur: OutLine[] = [];
  for (const l of lines) {
    if (has(l)) cur.push(l);
    else if (cur.length) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

/** The column a group aligns to: the author's, when every line agrees on it and it is at least `min`; else `min`. */
function target(src: (number | undefined)[], min: number): number {
  const first = src[0];
  return first !== undefined && first >= min && src.every((s) => s === first) ? first : min;
}

function alignKinds(lines: OutLine[]): void {
  for (const group of runs(lines, (l) => l.kindAt !== undefined)) {
    // Written with one space after every colon: left so (the author did not align them).
    if (group.every((l) => l.kindSrc === l.indent + l.kindAt!)) continue;
    const col = target(
      group.map((l) => l.kindSrc),
      Math.max(...group.map((l) => l.indent + l.kindAt!)),
    );
    for (const l of group) {
      const pad = col - (l.indent + l.kindAt!);
      if (pad <= 0) continue;
      l.text = l.text.slice(0, l.kindAt) + ' '.repeat(pad) + l.text.slice(l.kindAt);
      if (l.commentAt !== undefined) l.commentAt += pad;
    }
  }
}

function alignComments(lines: OutLine[]): void {
  for (const run of runs(lines, (l) => l.commentAt !== undefined)) {
    // Lines the author aligned together (same column) move together.
    for (let i = 0; i < run.length; ) {
      let j = i + 1;
      while (j < run.length && run[j]!.commentSrc === run[i]!.commentSrc) j++;
      const group = run.slice(i, j);
      const code = group.map((l) => l.text.slice(0, l.commentAt).trimEnd());
      const col = target(
        group.map((l) => l.commentSrc),
        Math.max(...group.map((l, k) => l.indent + code[k]!.length)) + 1,
      );
      group.forEach((l, k) => {
        l.text = code[k]! + ' '.repeat(col - l.indent - code[k]!.length) + l.text.slice(l.commentAt);
      });
      i = j;
    }
  }
}

/** Format, or return the text unchanged when it has syntax errors. */
export function formatOrKeep(text: string): string {
  const r = format(text);
  return r.ok ? r.text : text;
}

/**
 * A prettier 3 plugin for `.mmf` files over {@link format}: `prettier --plugin=<this module> file.mmf` or
 * `prettier.format(text, { parser: 'mmf', plugins: [prettierPlugin] })`. A file with syntax errors makes
 * prettier report the first one.
 */
export const prettierPlugin = {
  languages: [{ name: 'mmf', parsers: ['mmf'], extensions: ['.mmf'] }],
  parsers: {
    mmf: {
      astFormat: 'mmf-text',
      parse(text: string): { type: 'mmf'; text: string } {
        const r = format(text);
        if (!r.ok) {
          const d = r.diagnostics[0]!;
          const err = new SyntaxError(`${d.code}: ${d.message} (${d.range.start.line + 1}:${d.range.start.character + 1})`);
          Object.assign(err, { loc: { start: { line: d.range.start.line + 1, column: d.range.start.character + 1 } } });
          throw err;
        }
        return { type: 'mmf', text: r.text };
      },
      locStart: () => 0,
      locEnd: (node: { text: string }) => node.text.length,
    },
  },
  printers: {
    'mmf-text': {
      print(path: { node: { text: string } }): string {
        return path.node.text;
      },
    },
  },
};

/** The plugin's parts as this module's own exports, so the module itself loads as a prettier plugin. */
export const { languages, parsers, printers } = prettierPlugin;
