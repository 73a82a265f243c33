/**
 * ONNX emitters of `add`, `positions` and `padding_mask` (spread into ONNX_OPS, ops.ts). Standard opset-17
 * operators only; no batch size is baked in. Each reproduces runtime/layers/padding_mask.ts (and tf.layers.add).
 *
 *   add:          Add(x1, x2) (Sum for more than two inputs)
 *   positions:    Add(x [b, T, D], P [T, D]) — P the learned weight `<id>/embeddings`, or the sinusoidal table
 *                 (compiler/ops/transformer.ts sinusoidalTable) as the initializer `<id>/positions`
 *   padding_mask: ids → Cast(Not(Equal(ids, 0)), FLOAT) [b, T];
 *                 ones → Expand(1 [1, 1], Shape(x, start 0, end 2)) [b, T]  (Shape-15 start/end attributes)
 *
 * Operator semantics: https://onnx.ai/onnx/operators/ (Equal-13, Not-1, Cast-13, Shape-15, Expand-13).
 */
import type { OnnxEmit } from './ops.ts';
import { DataType } from './graph.ts';
import { sinusoidalTable } from '../../ops/transformer.ts';

type TransformerOps = 'add' | 'positions' | 'padding_mask';

export const TRANSFORMER_ONNX_OPS: { [K in TransformerOps]: OnnxEmit<K> } = {
  add: (ctx, node, xs) => ctx.g.op(node.id, xs.length === 2 ? 'Add' : 'Sum', xs),

  positions: (ctx, node, [x]) => {
    const { length: t, dim: d, kind } = node.attrs;
    const p =
      kind === 'learned'
        ? ctx.g.addFloat(`${node.id}/embeddings`, [t, d], ctx.weights[0]!)
        : ctx.g.addFloat(`${node.id}/positions`, [t, d], sinusoidalTable(t, d));
    return ctx.g.op(node.id, 'Add', [x!, p]);
  },

  padding_mask: (ctx, node, [x]) => {
    const { g } = ctx;
    if (node.attrs.from === 'ids') {
      const pad = g.op(node.id, 'Equal', [x!, g.constInt64(node.id, 'pad_id', [0], [])]);
      return g.op(node.id, 'Cast', [g.op(node.id, 'Not', [pad])], { to: DataType.FLOAT });
    }
    const shape = g.op(node.id, 'Shape', [x!], { start: 0, end: 2 });
    return g.op(node.id, 'Expand', [g.constFloat(node.id, 'one', [1], [1, 1]), shape]);
  },
};
