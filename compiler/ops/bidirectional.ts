/**
 * Bidirectional recurrent layers (Schuster & Paliwal 1997), as tfjs' `Bidirectional` wrapper with mergeMode
 * `concat`: a forward RNN and one reading the sequence backwards, their outputs joined on the last axis,
 * forward units first. With return_sequences the backward outputs are re-aligned with the input time steps.
 */
import type { OpDef } from './types.ts';
import type { WeightSpec } from '../ir.ts';
import { lstm, gru } from './recurrent.ts';

/** Weights of a wrapper: the inner layer's, prefixed `forward_<inner>/`, then `backward_<inner>/` (tfjs names). */
function wrapped(inner: WeightSpec[], name: 'lstm' | 'gru'): WeightSpec[] {
  return ['forward', 'backward'].flatMap((dir) => inner.map((w) => ({ name: `${dir}_${name}/${w.name}`, shape: w.shape })));
}

const doubled = <T extends { shape: (number | string)[]; dtype: 'float32' | 'int32' }>(t: T, units: number): T => ({
  ...t,
  shape: [...t.shape.slice(0, -1), 2 * units],
});

/** [b, T, C] → [b, 2u] (both last states) or [b, T, 2u]. Parameters 2 · 4u(C + u + 1). */
export const bilstm: OpDef<'bilstm'> = {
  infer(xs, a) {
    const out = lstm.infer(xs, a);
    return 'code' in out ? { ...out, message: out.message.replace(/^lstm/, 'lstm(bidirectional)') } : doubled(out, a.units);
  },
  weights: (xs, a) => wrapped(lstm.weights(xs, a), 'lstm'),
  flops: (xs, a, out) => 2 * lstm.flops(xs, a, out),
};

/** [b, T, C] → [b, 2u] or [b, T, 2u]. Parameters 2 · 3u(C + u + 1). */
export const bigru: OpDef<'bigru'> = {
  infer(xs, a) {
    const out = gru.infer(xs, a);
    return 'code' in out ? { ...out, message: out.message.replace(/^gru/, 'gru(bidirectional)') } : doubled(out, a.units);
  },
  weights: (xs, a) => wrapped(gru.weights(xs, a), 'gru'),
  flops: (xs, a, out) => 2 * gru.flops(xs, a, out),
};
