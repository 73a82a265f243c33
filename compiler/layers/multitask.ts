/**
 * `heads(HEAD, HEAD, …, weights [w1, w2, …])`: a multi-task model — several heads on the same features, each with
 * its own label and output (named after the label), trained on the total loss Σ_i w_i · loss_i (tfjs
 * `model.compile({loss: [...], lossWeights: [...]})`). Each head is bound and checked as it would be alone.
 */
import type { CallExpr } from '../../grammar/ast.ts';
import { diagnostic } from '../../grammar/diagnostic.ts';
import type { LayerDef, Ref } from './types.ts';

const HEAD_NAMES = new Set(['classifier', 'regression']);

export const heads: LayerDef = {
  name: 'heads',
  aliases: ['multitask'],
  role: 'head',
  doc: 'Multi-task heads: several classifier/regression heads on the same features, one output per label; total loss Σ w_i · loss_i.',
  rule: '[b, d] → one output per head, each by its own rule ([b, 1], [b, K] …)',
  params: [
    { name: 'heads', type: { t: 'layer' }, doc: 'the heads, e.g. classifier(genre), regression(price)', positional: true, variadic: true },
    { name: 'weights', type: { t: 'number-list' }, doc: 'loss weight of each head, ≥ 0 (default 1 each)', min: 0, aliases: ['loss_weights'] },
  ],
  expand(ctx, [x], v) {
    const calls: CallExpr[] = [];
    for (const a of ctx.call?.args ?? []) {
      if (a.key) continue; // `weights`, or reported by argument binding
      if (a.value.kind === 'Call') calls.push(a.value);
      else if (a.value.kind === 'Name')
        calls.push({ kind: 'Call', callee: { kind: 'Ident', name: a.value.name, range: a.value.range }, args: [], parens: false, range: a.value.range });
    }
    if (calls.length < 2 || !ctx.expandCall || !ctx.weighHeads) {
      ctx.report(
        diagnostic(
          'MMF1006',
          'error',
          `heads makes a multi-task model of two or more heads, but ${calls.length === 0 ? 'none is' : 'only one is'} given`,
          ctx.range,
          calls.length === 1 ? `End the model with the head alone: -> ${calls[0]!.callee.name}(…).` : 'Write heads(classifier(A), regression(B), weights [1, 0.5]).',
        ),
      );
      return null;
    }
    const weights = (v.weights as number[] | undefined) ?? calls.map(() => 1);
    const wAt = ctx.args.at.weights?.range ?? ctx.range;
    if (weights.length !== calls.length) {
      ctx.report(
        diagnostic(
          'MMF3001',
          'error',
          `heads has ${calls.length} heads but ${weights.length} loss weights`,
          wAt,
          `Give one weight per head, in order: weights [${calls.map(() => 1).join(', ')}].`,
        ),
      );
      return null;
    }
    if (!weights.some((w) => w > 0)) {
      ctx.report(diagnostic('MMF3001', 'error', 'every loss weight of heads is 0: nothing would be trained', wAt, 'Give at least one head a weight > 0.'));
      return null;
    }
    const seen = new Map<string, CallExpr>();
    let ok = true;
    for (const c of calls) {
      const label = c.args.find((a) => !a.key || a.key.name === 'label')?.value;
      const name = label?.kind === 'Name' ? label.name : undefined;
      const prev = name !== undefined ? seen.get(name) : undefined;
      if (prev && label) {
        ctx.report(
          diagnostic(
            'MMF1007',
            'error',
            `label ${name} has two heads in heads(…); each output is named after its label`,
            label.range,
            `Predict each label once (remove one head, or declare a second label).`,
            [{ message: `first head on ${name}`, range: prev.range }],
          ),
        );
        ok = false;
      } else if (name !== undefined) seen.set(name, c);
    }
    if (!ok) return null;
    let last: Ref | null = null;
    for (const c of calls) {
      const out = ctx.expandCall(c, x!, {
        roles: ['head'],
        only: {
          names: HEAD_NAMES,
          refuse: 'cannot be nested in heads(…): it takes classifier and regression heads',
          hint: 'List the heads themselves: heads(classifier(A), regression(B)).',
        },
      });
      if (!out) ok = false;
      else last = out;
    }
    if (!ok || !last) return null;
    ctx.weighHeads(weights);
    return last;
  },
};
