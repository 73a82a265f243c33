import type { OpDef } from './types.ts';
import { needSequence } from './conv.ts';

function rnnOut(x: { shape: (number | string)[] }, units: number, seq: boolean) {
  return { shape: seq ? [x.shape[0]!, x.shape[1]!, units] : [x.shape[0]!, units], dtype: 'float32' as const };
}

/** LSTM (Hochreiter & Schmidhuber 1997; Keras gate order i, f, c, o): [b, T, C] → [b, u] or [b, T, u]. */
export const lstm: OpDef<'lstm'> = {
  infer([x], a) {
    return needSequence('lstm', x!) ?? rnnOut(x!, a.units, a.returnSequences);
  },
  weights([x], a) {
    const c = x!.shape[2] as number;
    return [
      { name: 'kernel', shape: [c, 4 * a.units] },
      { name: 'recurrent_kernel', shape: [a.units, 4 * a.units] },
      { name: 'bias', shape: [4 * a.units] },
    ];
  },
  flops([x], a) {
    const t = typeof x!.shape[1] === 'number' ? x!.shape[1] : 1;
    return 2 * t * 4 * a.units * ((x!.shape[2] as number) + a.units);
  },
};

/** GRU, reset gate applied before the recurrent matmul (Cho et al. 2014; Keras reset_after=False, as tfjs-layers implements it): [b, T, C] → [b, u] or [b, T, u]. */
export const gru: OpDef<'gru'> = {
  infer([x], a) {
    return needSequence('gru', x!) ?? rnnOut(x!, a.units, a.returnSequences);
  },
  weights([x], a) {
    const c = x!.shape[2] as number;
    return [
      { name: 'kernel', shape: [c, 3 * a.units] },
      { name: 'recurrent_kernel', shape: [a.units, 3 * a.units] },
      { name: 'bias', shape: [3 * a.units] },
    ];
  },
  flops([x], a) {
    const t = typeof x!.shape[1] === 'number' ? x!.shape[1] : 1;
    return 2 * t * 3 * a.units * ((x!.shape[2] as number) + a.units);
  },
};
