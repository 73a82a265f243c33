/** Heads: what a model predicts. */
import { diagnostic } from '../../grammar/diagnostic.ts';
import type { Activation } from '../ir.ts';
import { formatType } from '../shape.ts';
import { activationParam, type ExpandCtx, type LayerDef, type Ref } from './types.ts';

/** Parameters every head takes: the label, then optional hidden layers. */
export const headParams = (labelDoc: string): LayerDef['params'] => [
  { name: 'label', type: { t: 'ref' }, doc: labelDoc, positional: true, required: true },
  { name: 'hidden', type: { t: 'int-or-list' }, doc: 'hidden layer widths', default: [], min: 1 },
  { name: 'dropout', type: { t: 'number' }, doc: 'dropout before each dense layer', default: 0, min: 0, max: 1, maxExclusive: true },
  activationParam('relu'),
];

/**
 * The part every head shares: its input must be a feature vector [b, d] (MMF2004 otherwise), then the hidden
 * dense layers (each preceded by dropout when `dropout` > 0) and a last dropout. Returns the value the output layer
 * reads, or null after a diagnostic.
 */
export function headBody(ctx: ExpandCtx, head: string, x: Ref, v: Record<string, unknown>): Ref | null {
  if (x.type.shape.length !== 2 || x.type.dtype !== 'float32') {
    ctx.report(
      diagnostic(
        'MMF2004',
        'error',
        `${head} needs a feature vector [batch, features], but its input is ${formatType(x.type)} from ${x.origin}`,
        ctx.range,
        x.type.shape.length === 3
          ? 'Reduce the sequence first: add -> global_max_pool (or use an RNN without return_sequences).'
          : x.type.shape.length === 4
            ? 'Reduce the image first: add -> global_avg_pool (or -> flatten).'
            : x.type.dtype === 'int32'
              ? 'Encode the ids first (embedding, then pooling).'
              : 'Flatten or pool the input to [batch, features].',
      ),
    );
    return null;
  }
  let cur: Ref | null = x;
  const rate = v.dropout as number;
  for (const units of v.hidden as number[]) {
    if (rate > 0) cur = ctx.add('dropout', [cur!], { rate }, 'head_dropout');
    cur = cur && ctx.add('dense', [cur], { units, activation: v.activation as Activation, useBias: true }, 'head_dense');
    if (!cur) return null;
  }
  if (rate > 0) cur = ctx.add('dropout', [cur!], { rate }, 'head_dropout');
  return cur;
}

export const classifier: LayerDef = {
  name: 'classifier',
  role: 'head',
  doc: 'Classification head for a label: optional hidden layers, then sigmoid (binary), softmax (multi-class) or one sigmoid per target (multi-label) probabilities.',
  rule: '[b, d] → [b, 1] for a binary label, [b, classes] for a multi-class label, [b, K] (K sigmoids) for a multi-label label',
  params: headParams('the label to predict'),
  expand(ctx, [x], v) {
    const label = ctx.label(v.label as string, ctx.args.at.label?.range ?? ctx.range);
    if (!label) return null;
    if (label.kind === 'number') {
      ctx.report(
        diagnostic(
          'MMF2004',
          'error',
          `classifier(${label.name}) predicts classes, but ${label.name} is a number label`,
          ctx.args.at.label?.range ?? ctx.range,
          `Use regression(${label.name}) for a number label.`,
        ),
      );
      return null;
    }
    const cur = headBody(ctx, `classifier(${label.name})`, x!, v);
    // binary: one sigmoid unit; multi-label: one independent sigmoid unit per target; multi-class: a softmax.
    const units = label.kind === 'binary' ? 1 : label.kind === 'multilabel' ? label.names.length : label.numClasses;
    const activation = label.kind === 'multiclass' ? 'softmax' : 'sigmoid';
    const out = cur && ctx.add('dense', [cur], { units, activation, useBias: true }, label.name);
    if (!out) return null;
    ctx.setHead({ label, output: out, units, activation });
    return out;
  },
};
