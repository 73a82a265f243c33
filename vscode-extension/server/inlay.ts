/** Inlay hints: the output type after every encoder, fusion and model head. */
import { InlayHintKind, type InlayHint } from 'vscode-languageserver/node.js';
import { formatShape, formatType } from '../../compiler/index.ts';
import type { Range } from '../../grammar/diagnostic.ts';
import type { Analysis } from './analysis.ts';
import { pipelineOf } from './source-index.ts';
import { rangesOverlap, thousands } from './util.ts';

/**
 * One hint at the end of each encoder, fusion and model pipeline in `range`: `[batch, 64]` (the model's is
 * the head's output). Pipelines that end in a shape annotation already show it and get none, and so do
 * pipelines whose checking stopped at an error.
 */
export function inlayHints(a: Analysis, range: Range): InlayHint[] {
  const out: InlayHint[] = [];
  for (const d of a.result.program.decls) {
    const p = pipelineOf(d);
    if (!p || d.kind === 'Train' || d.kind === 'Import' || !rangesOverlap(p.range, range)) continue;
    const last = p.steps[p.steps.length - 1];
    if (!last || last.kind === 'Shape') continue;
    const sym = a.result.symbols.byName.get(d.name.name);
    if (sym?.decl !== d) continue;
    const outType = a.index.outputOf(d.name.name);
    if (!outType?.complete) continue;
    const params = d.kind === 'Model' ? a.index.totalParams(d.name.name) : a.index.ownParams(d.name.name);
    out.push({
      position: last.range.end,
      label: formatShape(outType.type.type.shape),
      kind: InlayHintKind.Type,
      paddingLeft: true,
      tooltip: `${d.kind.toLowerCase()} ${d.name.name}: ${formatType(outType.type.type)}, ${thousands(params)} parameters`,
    });
  }
  return out;
}
