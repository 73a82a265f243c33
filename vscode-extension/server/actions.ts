/**
 * Quick fixes, read from the diagnostics' hints:
 * - "Did you mean 'X'?" → replace the misspelt name, layer, key, value or column with X;
 * - "add -> dense(N) to the narrower encoder" (a width mismatch between fusion operands) → append
 *   `-> dense(N)` to the encoder or fusion the diagnostic's related location names;
 * - "add -> LAYER" at a pipeline step (a projection before a shape annotation, a pooling before a head) →
 *   insert `LAYER ->` before that step;
 * - "Change the annotation to [..]" → rewrite the shape annotation.
 */
import { CodeActionKind, type CodeAction, type Diagnostic as LspDiagnostic, type Range, type TextEdit } from 'vscode-languageserver/node.js';
import type { Step } from '../../grammar/ast.ts';
import type { Analysis } from './analysis.ts';
import type { DiagnosticData } from './diagnostics.ts';
import { pipelineOf } from './source-index.ts';
import { comparePositions, IDENTIFIER, offsetAt, rangesOverlap } from './util.ts';

/** The quick fixes for the diagnostics the client sends (those under the cursor or selection). */
export function codeActions(a: Analysis, range: Range, diagnostics: LspDiagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.source !== 'mmf' || !rangesOverlap(d.range, range)) continue;
    const hint = (d.data as DiagnosticData | undefined)?.hint ?? /\nhint: (.*)$/s.exec(d.message)?.[1] ?? '';
    out.push(...didYouMean(a, d, hint), ...projection(a, d, hint), ...annotation(a, d, hint));
  }
  return out;
}

function fix(a: Analysis, title: string, d: LspDiagnostic, edits: TextEdit[], preferred = false): CodeAction {
  return { title, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: preferred, edit: { changes: { [a.uri]: edits } } };
}

function textOf(a: Analysis, r: Range): string {
  return a.text.slice(offsetAt(a.text, r.start), offsetAt(a.text, r.end));
}

function didYouMean(a: Analysis, d: LspDiagnostic, hint: string): CodeAction[] {
  const m = /did you mean '([^']+)'\?/i.exec(hint);
  if (!m || d.range.start.line !== d.range.end.line) return [];
  const wanted = m[1]!;
  const written = textOf(a, d.range);
  let newText: string;
  if (IDENTIFIER.test(written)) {
    if (IDENTIFIER.test(wanted)) newText = wanted;
    else if (a.text[offsetAt(a.text, d.range.start) - 1] !== '.') newText = JSON.stringify(wanted);
    else return []; // `ds.col` cannot name a column that is not an identifier
  } else if (/^"(?:[^"\\]|\\.)*"$/.test(written)) newText = JSON.stringify(wanted);
  else return [];
  return [fix(a, `Change to '${wanted}'`, d, [{ range: d.range, newText }], true)];
}

/** The pipeline step (not the first) that starts where `r` starts. */
function stepAt(a: Analysis, r: Range): Step | undefined {
  for (const decl of a.result.program.decls) {
    const p = pipelineOf(decl);
    const step = p?.steps.find((s, i) => i > 0 && comparePositions(s.range.start, r.start) === 0);
    if (step) return step;
  }
  return undefined;
}

function projection(a: Analysis, d: LspDiagnostic, hint: string): CodeAction[] {
  const m = /(?:add |e\.g\. )?-> ([a-z_][a-z0-9_]*(?:\([^()]*\))?)/i.exec(hint);
  if (!m || !/\badd\b/.test(hint)) return [];
  const layer = m[1]!;
  // A width mismatch between operands: project the operand the related location names.
  for (const rel of d.relatedInformation ?? []) {
    if (rel.location.uri !== a.uri) continue;
    const occ = a.index.symbolAt(rel.location.range.start);
    const p = occ ? pipelineOf(occ.symbol.decl) : undefined;
    if (!occ || !p || !/to the narrower|project/i.test(hint)) continue;
    const last = p.steps[p.steps.length - 1]!;
    return [fix(a, `Add -> ${layer} to ${occ.symbol.kind} ${occ.symbol.name}`, d, [{ range: { start: last.range.end, end: last.range.end }, newText: ` -> ${layer}` }], true)];
  }
  // A step that needs its input changed first: insert the layer before it.
  const step = stepAt(a, d.range);
  if (!step) return [];
  return [fix(a, `Insert ${layer} -> before ${step.kind === 'Shape' ? 'the annotation' : step.callee.name}`, d, [{ range: { start: step.range.start, end: step.range.start }, newText: `${layer} -> ` }])];
}

function annotation(a: Analysis, d: LspDiagnostic, hint: string): CodeAction[] {
  const m = /Change the annotation to (\[[^\]]*\])/.exec(hint);
  const step = m ? stepAt(a, d.range) : undefined;
  if (!m || step?.kind !== 'Shape') return [];
  return [fix(a, `Change the annotation to ${m[1]}`, d, [{ range: step.range, newText: m[1]! }])];
}
