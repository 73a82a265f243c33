/**
 * Semantic tokens: the lexer's tokens (grammar `lex`), with names told apart by what they mean — a dataset,
 * an input, a label, an encoder, a model, a layer, an argument key, a column.
 */
import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver/node.js';
import type { CallExpr, Expr } from '../../grammar/ast.ts';
import { lex } from '../../grammar/index.ts';
import type { SymbolKind } from '../../compiler/symbols.ts';
import type { Analysis } from './analysis.ts';
import { positionKey } from './util.ts';

const TYPES = ['keyword', 'namespace', 'type', 'class', 'function', 'variable', 'parameter', 'property', 'enumMember', 'number', 'string', 'comment', 'operator'] as const;
const MODIFIERS = ['declaration', 'defaultLibrary'] as const;
type TokenType = (typeof TYPES)[number];

/** The token types and modifiers the server uses, announced in `initialize`. */
export const SEMANTIC_LEGEND: SemanticTokensLegend = { tokenTypes: [...TYPES], tokenModifiers: [...MODIFIERS] };

const BY_KIND: Record<SymbolKind, TokenType> = {
  dataset: 'namespace',
  input: 'parameter',
  label: 'enumMember',
  encoder: 'variable',
  fusion: 'variable',
  model: 'class',
  ensemble: 'class',
};

const DECLARATION = 1 << MODIFIERS.indexOf('declaration');
const LIBRARY = 1 << MODIFIERS.indexOf('defaultLibrary');

/** Classify the names of the file by position: `line:character` → [type, modifiers]. */
function classifyNames(a: Analysis): Map<string, [TokenType, number]> {
  const out = new Map<string, [TokenType, number]>();
  const ix = a.index;
  const keysOf = (c: CallExpr) => {
    for (const arg of c.args) {
      if (arg.key) out.set(positionKey(arg.key.range.start), ['property', 0]);
      visitExpr(arg.value);
    }
  };
  const visitExpr = (e: Expr) => {
    if (e.kind === 'Call') {
      keysOf(e);
    } else if (e.kind === 'List') e.items.forEach(visitExpr);
  };
  for (const site of ix.calls) {
    const lib = site.role === 'step' ? (site.layer ? LIBRARY : 0) : LIBRARY;
    out.set(positionKey(site.call.callee.range.start), [site.role === 'step' ? 'function' : 'type', lib]);
    keysOf(site.call);
  }
  for (const { setting } of ix.settings) {
    out.set(positionKey(setting.key.range.start), ['property', 0]);
    for (const arg of setting.args ?? []) {
      if (arg.key) out.set(positionKey(arg.key.range.start), ['property', 0]);
      visitExpr(arg.value);
    }
  }
  for (const c of ix.columns) if (!c.column.quoted) out.set(positionKey(c.column.range.start), ['property', 0]);
  for (const o of ix.occurrences) out.set(positionKey(o.range.start), [BY_KIND[o.symbol.kind], o.isDecl ? DECLARATION : 0]);
  return out;
}

/** The semantic tokens of the whole document, relative-encoded as LSP requires. */
export function semanticTokens(a: Analysis): SemanticTokens {
  const names = classifyNames(a);
  const data: number[] = [];
  let prevLine = 0;
  let prevChar = 0;
  const push = (line: number, char: number, length: number, type: TokenType, mods: number) => {
    if (length <= 0) return;
    data.push(line - prevLine, line === prevLine ? char - prevChar : char, length, TYPES.indexOf(type), mods);
    prevLine = line;
    prevChar = char;
  };
  for (const t of lex(a.text).tokens) {
    let type: TokenType | undefined;
    let mods = 0;
    switch (t.category) {
      case 'keyword':
        type = 'keyword';
        break;
      case 'number':
        type = 'number';
        break;
      case 'string':
        type = 'string';
        break;
      case 'comment':
        type = 'comment';
        break;
      case 'operator':
        type = 'operator';
        break;
      case 'name': {
        const c = names.get(positionKey(t.range.start));
        if (c) [type, mods] = c;
        break;
      }
      default:
        break;
    }
    if (!type) continue;
    if (t.range.start.line === t.range.end.line) {
      push(t.range.start.line, t.range.start.character, t.length, type, mods);
      continue;
    }
    // Tokens may not span lines (clients need multilineTokenSupport): one piece per line.
    const pieces = t.text.split(/\r\n|\r|\n/);
    pieces.forEach((piece, i) => push(t.range.start.line + i, i === 0 ? t.range.start.character : 0, piece.length, type!, mods));
  }
  return { data };
}
