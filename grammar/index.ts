/**
 * The grammar stage of mmf: `.mmf` text → AST with LSP ranges, plus diagnostics.
 *
 * ```ts
 * import { parse } from 'mmf/grammar';
 * const { program, diagnostics } = parse(text);
 * ```
 *
 * Diagnostic codes produced here:
 * - MMF0001 unexpected token ("Expected ':' after input name 'subject' but found 'text'")
 * - MMF0002 unterminated string
 * - MMF0003 unexpected character(s)
 * - MMF0004 unterminated block comment
 * - MMF0005 invalid escape in a string
 * - MMF0006 a declaration was expected at top level (stray text; skipped to the next declaration)
 * - MMF0007 parentheses/brackets nested too deep
 * - MMF0000 internal error (a bug: parse caught an exception it did not expect)
 */
import type { Comment, Program } from './ast.ts';
import { diagnostic, type Diagnostic } from './diagnostic.ts';
import { lexText, tokenRange } from './lexer.ts';
import { parseErrorDiagnostics, strayDiagnostics } from './messages.ts';
import { parseSegments } from './parser.ts';
import { LineMap } from './positions.ts';
import { cstToAst } from './to-ast.ts';

export * from './ast.ts';
export * from './diagnostic.ts';
export { lex, type LexResult, type LexToken, type TokenCategory } from './lexer.ts';
export { LineMap } from './positions.ts';

/** Result of {@link parse}. */
export interface ParseResult {
  program: Program;
  /** Lexical and syntax diagnostics, sorted by position. */
  diagnostics: Diagnostic[];
}

function comparePos(a: Diagnostic, b: Diagnostic): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;
}

/**
 * Parse a `.mmf` text. Never throws: syntax errors come back as diagnostics, and the program holds
 * every declaration that could be represented (including the complete prefix of a half-written one).
 */
export function parse(text: string): ParseResult {
  if (typeof text !== 'string') text = String(text ?? '');
  const lines = new LineMap(text);
  try {
    const lexed = lexText(text);
    const { decls, strays, errors } = cstToAst(parseSegments(lexed.tokens), lexed.lineMap);
    const comments: Comment[] = lexed.comments.map((c) => ({ text: c.image, range: tokenRange(lexed.lineMap, c) }));
    const diagnostics = [...lexed.diagnostics, ...parseErrorDiagnostics(errors, lexed), ...strayDiagnostics(strays, lexed)].sort(comparePos);
    return { program: { kind: 'Program', decls, comments, range: lines.range(0, text.length) }, diagnostics };
  } catch (e) {
    return {
      program: { kind: 'Program', decls: [], comments: [], range: lines.range(0, text.length) },
      diagnostics: [
        diagnostic(
          'MMF0000',
          'error',
          `Internal error in the mmf parser: ${e instanceof Error ? e.message : String(e)}`,
          lines.range(0, 0),
          'This is a bug in mmf; please report it with the file that caused it',
        ),
      ],
    };
  }
}
