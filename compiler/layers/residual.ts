/**
 * `residual(LAYER, …)`: y = x + f(x), where f is the stack of layers written as arguments
 * (`x -> residual(dense(64, relu), dense(64))`), as He et al. 2016 ("Deep Residual Learning"). Each nested call
 * is bound and checked like a pipeline step (through ExpandCtx.expandCall); f(x) must have x's shape (MMF2002,
 * with a hint to end the block with dense(D)).
 */
import type { CallExpr } from '../../grammar/ast.ts';
import { diagnostic } from '../../grammar/diagnostic.ts';
import { formatShape, shapeEquals } from '../shape.ts';
import type { LayerDef, Ref } from './types.ts';

export const residual: LayerDef = {
  name: 'residual',
  role: 'layer',
  doc: 'Residual block (He et al. 2016): y = x + f(x), f the layers given as arguments, applied in order.',
  rule: '[b, …, D] → [b, …, D]; f(x) must have the shape of x',
  params: [{ name: 'layers', type: { t: 'layer' }, doc: 'the layers of f, e.g. dense(64, relu), dense(64)', positional: true, variadic: true }],
  expand(ctx, [x]) {
    const calls: CallExpr[] = [];
    for (const a of ctx.call?.args ?? []) {
      if (a.key) continue; // reported by argument binding
      const e = a.value;
      if (e.kind === 'Call') calls.push(e);
      else if (e.kind === 'Name') calls.push({ kind: 'Call', callee: { kind: 'Ident', name: e.name, range: e.range }, args: [], parens: false, range: e.range });
    }
    if (calls.length === 0 || !ctx.expandCall) {
      ctx.report(
        diagnostic('MMF1006', 'error', 'residual needs at least one layer to wrap', ctx.range, 'Write the block as residual(dense(64, relu), dense(64)).'),
      );
      return null;
    }
    let cur: Ref | null = x!;
    for (const c of calls) {
      cur = ctx.expandCall(c, cur);
      if (!cur) return null;
    }
    if (!shapeEquals(cur.type.shape, x!.type.shape)) {
      const d = x!.type.shape[x!.type.shape.length - 1];
      ctx.report(
        diagnostic(
          'MMF2002',
          'error',
          `residual adds its input ${formatShape(x!.type.shape)} to the block's output ${formatShape(cur.type.shape)}, but the shapes differ`,
          ctx.range,
          typeof d === 'number' ? `End the block with dense(${d}) so its output has the input's shape.` : "End the block with a layer that restores the input's shape.",
          x!.at ? [{ message: `${x!.origin} produces ${formatShape(x!.type.shape)}`, range: x!.at }] : undefined,
        ),
      );
      return null;
    }
    return ctx.add('add', [x!, cur], {}, 'residual');
  },
};
