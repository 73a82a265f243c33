/**
 * Incremental compiling for the editor: one {@link IncrementalCompiler} per open document. Its `compile(text)`
 * returns what `compile(text)` returns (compiler/index.ts), but reparses only the declarations an edit changed
 * (grammar/incremental.ts) and re-checks only the declarations whose text, place or dependencies changed
 * (compiler/check-cache.ts). Tested against the full compile after random edit sequences
 * (test/incremental-check.test.ts).
 *
 * Declarations that only moved (lines inserted or deleted above them) are moved in place: the same syntax-tree
 * objects and kept check results get new line numbers, so nothing is copied. Hence a result is valid until the
 * next `compile` call on the same compiler (the positions of an earlier result may change then); read what you
 * need of it before compiling the next version, as the language server does (one result per document version).
 */
import { IncrementalParser } from '../grammar/incremental.ts';
import { CheckCache } from './check-cache.ts';
import { compileParsed, type CheckOptions, type CompileResult } from './index.ts';

/** How long the phases of the last compile took, in milliseconds, and how much was reused. */
export interface CompileTimings {
  parse: number;
  check: number;
  chunks: { total: number; parsed: number; moved: number; reused: number };
  regions: { run: number; reused: number; moved: number };
}

export class IncrementalCompiler {
  private readonly parser = new IncrementalParser();
  private readonly cache = new CheckCache();
  /** Phase times of the last {@link compile}. */
  lastTimings: CompileTimings | undefined;

  /**
   * Parse and check `text` like `compile(text, opts)`, reusing what earlier calls computed. Never throws on bad
   * input. The result stays valid until the next call (see the module comment).
   */
  compile(text: string, opts: Omit<CheckOptions, 'cache'> = {}): CompileResult {
    const t0 = performance.now();
    const parsed = this.parser.parse(text, this.cache.beginCompile());
    const t1 = performance.now();
    const result = compileParsed(parsed, { ...opts, cache: this.cache });
    const t2 = performance.now();
    const s = this.parser.lastStats;
    this.lastTimings = {
      parse: t1 - t0,
      check: t2 - t1,
      chunks: { total: s.chunks, parsed: s.parsed, moved: s.moved, reused: s.reused },
      regions: { ...this.cache.stats },
    };
    return result;
  }
}
