/**
 * Ops for residual connections, position encodings and attention padding masks (the pieces a Transformer
 * encoder block expands into, with dense, mha and layer_norm): `add`, `positions`, `padding_mask`.
 *
 * Sources: Vaswani et al. 2017, "Attention Is All You Need" (§3.1 residual + layer norm, §3.5 sinusoidal
 * positions); He et al. 2016 (residual connections).
 */
import type { OpDef } from './types.ts';
import { perSample } from './types.ts';
import { formatShape, formatType, shapeEquals } from '../shape.ts';

/** y = x_1 + … + x_K element-wise: [b, …S] × K → [b, …S]; every input the same shape (MMF2002). */
export const add: OpDef<'add'> = {
  infer(xs) {
    const first = xs[0]!;
    for (let i = 1; i < xs.length; i++) {
      const x = xs[i]!;
      if (!shapeEquals(x.shape, first.shape))
        return {
          code: 'MMF2002',
          message: `add sums tensors of one shape, but input ${i + 1} is ${formatShape(x.shape)} and input 1 is ${formatShape(first.shape)}`,
          hint: `Project it to the same shape, e.g. end it with dense(${first.shape[first.shape.length - 1]}).`,
          input: i,
        };
      if (x.dtype !== 'float32' || first.dtype !== 'float32')
        return {
          code: 'MMF2005',
          message: `add sums float tensors, but got ${formatType(first)} and ${formatType(x)}`,
          hint: 'Encode token ids with an embedding first.',
          input: x.dtype !== 'float32' ? i : 0,
        };
    }
    return { shape: [...first.shape], dtype: 'float32' };
  },
  weights: () => [],
  flops: (xs, _a, out) => (xs.length - 1) * perSample(out.shape),
};

/**
 * x [b, T, D] → x + P, P [T, D]: learned (weight `embeddings` [T, D]) or sinusoidal (a constant). Needs T and D
 * known and equal to the attributes (MMF2001).
 */
export const positions: OpDef<'positions'> = {
  infer([x], a) {
    const s = x!.shape;
    if (x!.dtype !== 'float32' || s.length !== 3 || s[1] !== a.length || s[2] !== a.dim)
      return {
        code: x!.dtype !== 'float32' ? 'MMF2005' : 'MMF2001',
        message: `positions expect a sequence [batch, ${a.length}, ${a.dim}] float32, but the input is ${formatType(x!)}`,
        hint: x!.dtype !== 'float32' ? 'Add an embedding first.' : 'Positions need a sequence of known length; use positions none otherwise.',
        input: 0,
      };
    return { shape: [...s], dtype: 'float32' };
  },
  weights: (_x, a) => (a.kind === 'learned' ? [{ name: 'embeddings', shape: [a.length, a.dim] }] : []),
  flops: (_x, a) => a.length * a.dim,
};

/**
 * The sinusoidal table of Vaswani et al. 2017 §3.5, row-major [length, dim]:
 * PE[t, 2i] = sin(t / 10000^(2i/dim)), PE[t, 2i + 1] = cos(t / 10000^(2i/dim)). Both backends use this table
 * (tfjs as a layer constant, ONNX as an initializer), so they add the same float32 numbers.
 */
export function sinusoidalTable(length: number, dim: number): Float32Array {
  const pe = new Float32Array(length * dim);
  for (let t = 0; t < length; t++)
    for (let j = 0; j < dim; j++) {
      const angle = t / Math.pow(10000, (2 * Math.floor(j / 2)) / dim);
      pe[t * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  return pe;
}

/** ids [b, T] int32 → (ids ≠ 0) as float [b, T]; or x [b, T, …] → ones [b, T]. */
export const padding_mask: OpDef<'padding_mask'> = {
  infer([x], a) {
    const s = x!.shape;
    const ok = a.from === 'ids' ? x!.dtype === 'int32' && s.length === 2 : s.length >= 2;
    if (!ok)
      return {
        code: a.from === 'ids' ? 'MMF2005' : 'MMF2001',
        message: `a padding mask is made from ${a.from === 'ids' ? 'token ids [batch, time] int32' : 'a sequence [batch, time, …]'}, but the input is ${formatType(x!)}`,
        hint: 'Masks come from text inputs.',
        input: 0,
      };
    return { shape: [s[0]!, s[1]!], dtype: 'float32' };
  },
  weights: () => [],
  flops: () => 0,
};
