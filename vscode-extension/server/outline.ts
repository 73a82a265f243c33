/** The outline (document symbols) and folding ranges. */
import { FoldingRangeKind, SymbolKind, type DocumentSymbol, type FoldingRange } from 'vscode-languageserver/node.js';
import { formatType } from '../../compiler/index.ts';
import type { Decl } from '../../grammar/ast.ts';
import { lex } from '../../grammar/index.ts';
import type { Analysis } from './analysis.ts';
import { callText, exprText } from './describe.ts';
import { thousands } from './util.ts';
import { isDefinitionDecl } from '../../compiler/definitions.ts';

const KIND: Record<Decl['kind'], SymbolKind> = {
  Import: SymbolKind.File,
  Dataset: SymbolKind.Module,
  Input: SymbolKind.Variable,
  Label: SymbolKind.EnumMember,
  Encoder: SymbolKind.Function,
  Fusion: SymbolKind.Operator,
  Model: SymbolKind.Class,
  Train: SymbolKind.Event,
  Ensemble: SymbolKind.Package,
};

/** One symbol per declaration, with its type as detail and its steps or settings as children. */
export function documentSymbols(a: Analysis): DocumentSymbol[] {
  const ix = a.index;
  return a.result.program.decls.map((d): DocumentSymbol => {
    switch (d.kind) {
      case 'Import':
        return { name: `import ${JSON.stringify(d.path.value)}`, kind: KIND.Import, range: d.range, selectionRange: d.path.range };
      case 'Dataset':
        return {
          name: d.name.name,
          detail: callText(d.source),
          kind: KIND.Dataset,
          range: d.range,
          selectionRange: d.name.range,
          children: d.settings.map((s) => ({
            name: s.key.name,
            detail: s.args ? `(${s.args.map((x) => (x.key ? `${x.key.name} ${exprText(x.value)}` : exprText(x.value))).join(', ')})` : s.value ? exprText(s.value) : '',
            kind: SymbolKind.Property,
            range: s.range,
            selectionRange: s.key.range,
          })),
        };
      case 'Input':
      case 'Label': {
        const t = d.kind === 'Input' ? a.result.stepTypes.find((x) => x.label === d.name.name)?.type : undefined;
        return { name: d.name.name, detail: t ? formatType(t) : callText(d.type), kind: KIND[d.kind], range: d.range, selectionRange: d.name.range };
      }
      case 'Encoder':
      case 'Fusion':
      case 'Model': {
        const out = ix.symbolAt(d.name.range.start)?.symbol.decl === d ? ix.outputOf(d.name.name) : undefined;
        const params = d.kind === 'Model' ? ix.totalParams(d.name.name) : ix.ownParams(d.name.name);
        const children: DocumentSymbol[] = [];
        for (const step of d.pipeline.steps) {
          if (step.kind !== 'Call' || !ix.calls.some((c) => c.call === step)) continue;
          const t = ix.stepType(d.name.name, step.range);
          children.push({ name: step.callee.name, detail: t ? formatType(t.type) : '', kind: SymbolKind.Field, range: step.range, selectionRange: step.callee.range });
        }
        return {
          name: d.name.name,
          // an encoder definition has no value of its own: its parameter list (compiler/definitions.ts)
          detail: isDefinitionDecl(d) ? `definition (${d.params.map((p) => p.name).join(', ')})` : out ? `${formatType(out.type.type)} · ${thousands(params)} parameters` : '',
          kind: KIND[d.kind],
          range: d.range,
          selectionRange: d.name.range,
          children,
        };
      }
      case 'Ensemble':
        return { name: d.name.name, detail: callText(d.spec), kind: KIND.Ensemble, range: d.range, selectionRange: d.name.range };
      case 'Train':
        return {
          name: `train ${d.model.name}`,
          kind: KIND.Train,
          range: d.range,
          selectionRange: d.model.range,
          children: d.settings.map((s) => ({
            name: s.key.name,
            detail: s.value ? exprText(s.value) : s.args ? `(${s.args.map((x) => (x.key ? `${x.key.name} ${exprText(x.value)}` : exprText(x.value))).join(', ')})` : '',
            kind: SymbolKind.Property,
            range: s.range,
            selectionRange: s.key.range,
          })),
        };
    }
  });
}

/**
 * Folding: declarations over several lines, `{ }` blocks and bracketed lists over several lines (up to the
 * line before the closing bracket), block comments and runs of line comments.
 */
export function foldingRanges(a: Analysis): FoldingRange[] {
  const byStart = new Map<number, FoldingRange>();
  const add = (r: FoldingRange) => {
    if (r.endLine <= r.startLine) return;
    const old = byStart.get(r.startLine);
    if (!old || old.endLine < r.endLine) byStart.set(r.startLine, r);
  };
  const tokens = lex(a.text).tokens;
  const stack: { line: number }[] = [];
  let commentRun: { start: number; end: number } | undefined;
  let lastCodeLine = -1;
  for (const t of tokens) {
    if (t.type === 'LBrace' || t.type === 'LParen' || t.type === 'LBracket') stack.push({ line: t.range.start.line });
    else if (t.type === 'RBrace' || t.type === 'RParen' || t.type === 'RBracket') {
      const open = stack.pop();
      if (open) add({ startLine: open.line, endLine: t.range.start.line - 1 });
    }
    if (t.type === 'BlockComment' || t.type === 'UnterminatedBlockComment') add({ startLine: t.range.start.line, endLine: t.range.end.line, kind: FoldingRangeKind.Comment });
    if (t.type === 'LineComment' && t.range.start.line !== lastCodeLine) {
      if (commentRun && commentRun.end === t.range.start.line - 1) commentRun.end = t.range.start.line;
      else {
        if (commentRun) add({ startLine: commentRun.start, endLine: commentRun.end, kind: FoldingRangeKind.Comment });
        commentRun = { start: t.range.start.line, end: t.range.start.line };
      }
    } else if (t.category !== 'comment') lastCodeLine = t.range.end.line;
  }
  if (commentRun) add({ startLine: commentRun.start, endLine: commentRun.end, kind: FoldingRangeKind.Comment });
  for (const d of a.result.program.decls) if (!byStart.has(d.range.start.line)) add({ startLine: d.range.start.line, endLine: d.range.end.line });
  return [...byStart.values()].sort((x, y) => x.startLine - y.startLine);
}
