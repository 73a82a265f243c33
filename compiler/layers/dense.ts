/** Layers on feature vectors: dense, mlp, dropout, activations, flatten. */
import { diagnostic } from '../../grammar/diagnostic.ts';
import type { Activation } from '../ir.ts';
import { featureSize, formatType } from '../shape.ts';
import { ACTIVATIONS, activationParam, type LayerDef, type Ref } from './types.ts';

export const dense: LayerDef = {
  name: 'dense',
  role: 'layer',
  doc: 'Fully connected layer on the last axis: act(x·W + b).',
  rule: '[b, …, C] → [b, …, units]',
  params: [
    { name: 'units', type: { t: 'int' }, doc: 'output width', positional: true, required: true, min: 1 },
    { ...activationParam('linear'), positional: true },
    { name: 'use_bias', type: { t: 'bool' }, doc: 'add a bias', default: true },
  ],
  expand: (ctx, [x], v) =>
    ctx.add(
      'dense',
      [x!],
      { units: v.units as number, activation: v.activation as Activation, useBias: v.use_bias as boolean },
      'dense',
    ),
};

export const mlp: LayerDef = {
  name: 'mlp',
  role: 'layer',
  doc: 'A stack of dense layers with an activation and optional dropout after each.',
  rule: '[b, C] → [b, last of hidden]',
  params: [
    {
      name: 'hidden',
      type: { t: 'int-or-list' },
      doc: 'width of each layer, e.g. [64, 32]',
      positional: true,
      required: true,
      min: 1,
    },
    { ...activationParam('relu') },
    { name: 'dropout', type: { t: 'number' }, doc: 'dropout rate after each layer', default: 0, min: 0, max: 1, maxExclusive: true },
  ],
  expand(ctx, [x], v) {
    let cur: Ref | null = x!;
    for (const units of v.hidden as number[]) {
      cur = ctx.add('dense', [cur], { units, activation: v.activation as Activation, useBias: true }, 'mlp_dense');
      if (!cur) return null;
      if ((v.dropout as number) > 0) cur = ctx.add('dropout', [cur], { rate: v.dropout as number }, 'mlp_dropout');
      if (!cur) return null;
    }
    return cur;
  },
};

export const dropout: LayerDef = {
  name: 'dropout',
  role: 'layer',
  doc: 'Randomly zeroes a fraction of values while training (Srivastava et al. 2014); identity at inference.',
  rule: 'shape unchanged',
  params: [
    { name: 'rate', type: { t: 'number' }, doc: 'fraction dropped', positional: true, required: true, min: 0, max: 1, maxExclusive: true },
  ],
  expand: (ctx, [x], v) => ctx.add('dropout', [x!], { rate: v.rate as number }, 'dropout'),
};

export const activation: LayerDef = {
  name: 'activation',
  role: 'layer',
  doc: 'Element-wise activation function.',
  rule: 'shape unchanged',
  params: [{ ...activationParam('linear'), positional: true, required: true }],
  expand: (ctx, [x], v) => ctx.add('activation', [x!], { fn: v.activation as Activation }, v.activation as string),
};

/** `-> relu` is shorthand for `-> activation(relu)`. */
export const activationShorthands: LayerDef[] = ACTIVATIONS.filter((a) => a !== 'linear').map((fn) => ({
  name: fn,
  role: 'layer' as const,
  doc: `Element-wise ${fn}.`,
  rule: 'shape unchanged',
  params: [],
  expand: (ctx, [x]) => ctx.add('activation', [x!], { fn }, fn),
}));

export const flatten: LayerDef = {
  name: 'flatten',
  role: 'layer',
  doc: 'Flattens every axis after the batch into one.',
  rule: '[b, d1, d2, …] → [b, d1·d2·…]',
  params: [],
  expand(ctx, [x]) {
    const n = featureSize(x!.type.shape);
    if (n === undefined) {
      ctx.report(
        diagnostic(
          'MMF2001',
          'error',
          `flatten needs known dimensions, but its input is ${formatType(x!.type)}`,
          ctx.range,
          'Pool over the symbolic axis first (global_max_pool).',
        ),
      );
      return null;
    }
    return ctx.add('reshape', [x!], { targetShape: [n] }, 'flatten');
  },
};
