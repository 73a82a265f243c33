/** The regression head: one linear unit predicting a number label, trained on mean squared error. */
import { diagnostic } from '../../grammar/diagnostic.ts';
import { headBody, headParams } from './heads.ts';
import type { LayerDef } from './types.ts';

export const regression: LayerDef = {
  name: 'regression',
  role: 'head',
  doc: 'Regression head for a number label: optional hidden layers, then one linear unit (mean squared error).',
  rule: '[b, d] → [b, 1]',
  params: headParams('the number label to predict'),
  expand(ctx, [x], v) {
    const at = ctx.args.at.label?.range ?? ctx.range;
    const label = ctx.label(v.label as string, at);
    if (!label) return null;
    if (label.kind !== 'number') {
      ctx.report(
        diagnostic(
          'MMF2004',
          'error',
          `regression(${label.name}) predicts a number, but ${label.name} is a ${label.kind === 'binary' ? 'binary' : label.kind === 'multilabel' ? 'multi-label' : 'multi-class'} label`,
          at,
          `Use classifier(${label.name}), or declare the label as number: label ${label.name}: number from …`,
        ),
      );
      return null;
    }
    const cur = headBody(ctx, `regression(${label.name})`, x!, v);
    const out = cur && ctx.add('dense', [cur], { units: 1, activation: 'linear', useBias: true }, label.name);
    if (!out) return null;
    ctx.setHead({ label, output: out, units: 1, activation: 'linear' });
    return out;
  },
};
