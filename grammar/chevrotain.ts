/**
 * chevrotain, loaded from its single-file ES bundle.
 *
 * The package entry point pulls in lodash-es file by file (hundreds of modules): about 0.8–2 s of start-up
 * per `mmfc` run. The bundle that ships in the same package loads in well under 0.1 s. Its exports are the
 * same API, so the package's own types describe it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Chevrotain = typeof import('chevrotain');

async function load(): Promise<Chevrotain> {
  try {
    const entry = createRequire(import.meta.url).resolve('chevrotain'); // …/chevrotain/lib/src/api.js
    return (await import(pathToFileURL(join(dirname(entry), '..', 'chevrotain.mjs')).href)) as Chevrotain;
  } catch {
    return await import('chevrotain'); // a layout without the bundle: the slower entry point still works
  }
}

const chevrotain = await load();

export const { createToken, Lexer, CstParser, EOF, tokenMatcher } = chevrotain;
export type { CstElement, CstNode, ILexingError, IOrAlt, IParserErrorMessageProvider, IRecognitionException, IToken, TokenType } from 'chevrotain';
