/**
 * The compiler's public API: text in, diagnostics and typed IR out. The CLI and the language server are thin
 * shells over these functions.
 */
import { parse, type ParseResult } from '../grammar/index.ts';
import type { Program } from '../grammar/ast.ts';
import type { Diagnostic } from '../grammar/diagnostic.ts';
import { checkProgram, type CheckOptions, type CheckResult } from './check.ts';

export interface CompileResult extends CheckResult {
  program: Program;
  /** Syntax and semantic diagnostics, sorted by position. */
  diagnostics: Diagnostic[];
}

/**
 * Parse and check a `.mmf` source. Never throws on bad input: problems come back as diagnostics,
 * and only models without errors appear in `models`.
 */
export function compile(text: string, opts: CheckOptions = {}): CompileResult {
  return compileParsed(parse(text), opts);
}

/**
 * Check what {@link parse} (or grammar/incremental.ts's IncrementalParser, which returns the same) made of a
 * source: `compile(text)` is `compileParsed(parse(text))`.
 */
export function compileParsed(parsed: ParseResult, opts: CheckOptions = {}): CompileResult {
  const checked = checkProgram(parsed.program, opts);
  const diagnostics = [...parsed.diagnostics, ...checked.diagnostics].sort(
    (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
  );
  // A model built from a file with syntax errors may miss declarations the user meant to write.
  const syntaxErrors = parsed.diagnostics.some((d) => d.severity === 'error');
  const models = syntaxErrors ? [] : checked.models;
  const ensembles = syntaxErrors ? [] : checked.ensembles;
  return { ...checked, program: parsed.program, diagnostics, models, ensembles };
}

export type { CheckOptions, CheckResult } from './check.ts';
export type * from './ir.ts';
export { formatShape, formatType } from './shape.ts';
export type { StepType } from './graph.ts';
export { trainingDiagnostics } from './trainable.ts';
export { ENSEMBLE_KINDS, ENSEMBLE_PARAMS, type IREnsemble, type EnsembleKind } from './ensemble.ts';
