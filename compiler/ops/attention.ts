import type { OpDef } from './types.ts';
import { formatShape, formatType } from '../shape.ts';

/**
 * Multi-head attention (Vaswani et al. 2017, "Attention is all you need", §3.2):
 * query [b, Tq, D], value [b, Tk, D], optional padding mask [b, Tk] (1 keep, 0 pad) → [b, Tq, D]; D must divide
 * by numHeads.
 */
export const mha: OpDef<'mha'> = {
  infer(xs, a) {
    const [q, v] = xs;
    for (const [i, x] of [q!, v!].entries())
      if (x.shape.length !== 3 || x.shape[2] !== a.dim)
        return {
          code: 'MMF2002',
          message: `attention expects [batch, tokens, ${a.dim}], but its ${i === 0 ? 'query' : 'key/value'} input is ${formatShape(x.shape)}`,
          hint: `Project it to ${a.dim} with dense(${a.dim}).`,
          input: i,
        };
    const m = xs[2];
    if (m && (m.dtype !== 'float32' || m.shape.length !== 2 || m.shape[1] !== v!.shape[1]))
      return {
        code: 'MMF2002',
        message: `attention's padding mask must be [batch, ${v!.shape[1]}] float32 (one entry per key), but it is ${formatType(m)}`,
        hint: 'The mask comes from the key/value tokens; this is a compiler bug if you see it.',
        input: 2,
      };
    return { shape: [q!.shape[0]!, q!.shape[1]!, a.dim], dtype: 'float32' };
  },
  weights(_x, a) {
    const m = [a.dim, a.dim];
    return [
      { name: 'wq', shape: m },
      { name: 'bq', shape: [a.dim] },
      { name: 'wk', shape: m },
      { name: 'bk', shape: [a.dim] },
      { name: 'wv', shape: m },
      { name: 'bv', shape: [a.dim] },
      { name: 'wo', shape: m },
      { name: 'bo', shape: [a.dim] },
    ];
  },
  flops([q, v], a) {
    const tq = typeof q!.shape[1] === 'number' ? q!.shape[1] : 1;
    const tk = typeof v!.shape[1] === 'number' ? v!.shape[1] : 1;
    const d = a.dim;
    return 2 * (tq * d * d * 2 + tk * d * d * 2 + 2 * tq * tk * d);
  },
};
