/** The regression head: one linear unit predicting a number label, trained on mean squared error. */
import { diagnostic } from '../../grammar/diagnostic.ts';
import type { Activation } from '../ir.ts';
import { formatType } from '../shape.ts';
import { activationParam, type LayerDef, type Ref } from './types.ts';

export const regression: LayerDef = {
  name: 'regression',
  role: 'head',
  doc: 'Regression head for a number label: optional hidden layers, then one linear unit (mean squared error).',
  rule: '[b, d] → [b, 1]',
  params: [
    { name: 'label', type: { t: 'ref' }, doc: 'the number label to predict', positional: true, required: true },
    { name: 'hidden', type: { t: 'int-or-list' }, doc: 'hidden layer widths', default: [], min: 1 },
    { name: 'dropout', type: { t: 'number' }, doc: 'dropout before each dense layer', default: 0, min: 0, max: 1, maxExclusive: true },
    activationParam('relu'),
  ],
  expand(ctx, [x], v) {
    const at = ctx.args.at.label?.range ?? ctx.range;
    const label = ctx.label(v.label as string, at);
    if (!label) return null;
    if (label.kind !== 'number') {
      ctx.report(
        diagnostic(
          'MMF2004',
          'error',
          `regression(${label.name}) predicts a number, but ${label.name} is a ${label.kind === 'binary' ? 'binary' : 'multi-class'} label`,
          at,
          `Use classifier(${label.name}), or declare the label as number: label ${label.name}: number from …`,
        ),
      );
      return null;
    }
    if (x!.type.shape.length !== 2 || x!.type.dtype !== 'float32') {
      ctx.report(
        diagnostic(
          'MMF2004',
          'error',
          `regression(${label.name}) needs a feature vector [batch, features], but its input is ${formatType(x!.type)} from ${x!.origin}`,
          ctx.range,
          x!.type.shape.length === 3
            ? 'Reduce the sequence first: add -> global_max_pool (or use an RNN without return_sequences).'
            : x!.type.shape.length === 4
              ? 'Reduce the image first: add -> global_avg_pool (or -> flatten).'
              : x!.type.dtype === 'int32'
                ? 'Encode the ids first (embedding, then pooling).'
                : 'Flatten or pool the input to [batch, features].',
        ),
      );
      return null;
    }
    let cur: Ref | null = x!;
    const rate = v.dropout as number;
    for (const units of v.hidden as number[]) {
      if (rate > 0) cur = ctx.add('dropout', [cur!], { rate }, 'head_dropout');
      cur = cur && ctx.add('dense', [cur], { units, activation: v.activation as Activation, useBias: true }, 'head_dense');
      if (!cur) return null;
    }
    if (rate > 0) cur = ctx.add('dropout', [cur!], { rate }, 'head_dropout');
    const out = cur && ctx.add('dense', [cur], { units: 1, activation: 'linear', useBias: true }, label.name);
    if (!out) return null;
    ctx.setHead({ label, output: out, units: 1, activation: 'linear' });
    return out;
  },
};
