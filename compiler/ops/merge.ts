import type { OpDef } from './types.ts';
import { formatShape, shapeEquals } from '../shape.ts';
import type { Dim } from '../shape.ts';

/** Join along `axis` (batch = 0); every other dimension must agree; the joined axis sums. */
export const concat: OpDef<'concat'> = {
  infer(xs, a) {
    const first = xs[0]!;
    for (let i = 1; i < xs.length; i++) {
      const x = xs[i]!;
      if (x.shape.length !== first.shape.length)
        return {
          code: 'MMF2001',
          message: `concat joins tensors of the same rank, but input ${i + 1} is ${formatShape(x.shape)} and input 1 is ${formatShape(first.shape)}`,
          hint: 'Pool sequences to vectors (global_max_pool) before concatenating them with vectors.',
          input: i,
        };
      for (let d = 0; d < x.shape.length; d++)
        if (d !== a.axis && x.shape[d] !== first.shape[d])
          return {
            code: 'MMF2002',
            message: `concat on axis ${a.axis} needs every other axis to agree, but axis ${d} is ${x.shape[d]} in input ${i + 1} (${formatShape(x.shape)}) and ${first.shape[d]} in input 1 (${formatShape(first.shape)})`,
            hint: `Make axis ${d} agree (for example pad or pool to the same length).`,
            input: i,
          };
      if (x.dtype !== first.dtype)
        return {
          code: 'MMF2005',
          message: `concat cannot join ${first.dtype} and ${x.dtype} tensors`,
          hint: 'Encode integer ids with an embedding first.',
          input: i,
        };
    }
    const shape = [...first.shape];
    let sum: Dim = 0;
    for (const x of xs) {
      const d = x.shape[a.axis]!;
      sum = typeof sum === 'number' && typeof d === 'number' ? sum + d : `${sum}+${d}`;
    }
    shape[a.axis] = sum;
    return { shape, dtype: first.dtype };
  },
  weights: () => [],
  flops: () => 0,
};

/** y = Σ_k softmax(w)_k · x_k: every input has the same shape. */
export const weighted_sum: OpDef<'weighted_sum'> = {
  infer(xs) {
    const first = xs[0]!;
    for (let i = 1; i < xs.length; i++)
      if (!shapeEquals(xs[i]!.shape, first.shape))
        return {
          code: 'MMF2002',
          message: `weighted_sum adds inputs of one shape, but input ${i + 1} is ${formatShape(xs[i]!.shape)} and input 1 is ${formatShape(first.shape)}`,
          hint: `Project both to the same width, e.g. add -> dense(${first.shape[first.shape.length - 1]}) to the narrower encoder.`,
          input: i,
        };
    return first;
  },
  weights: (xs) => [{ name: 'w', shape: [xs.length] }],
  flops: (xs, _a, out) => 2 * xs.length * out.shape.slice(1).reduce<number>((n, d) => n * (typeof d === 'number' ? d : 1), 1),
};
