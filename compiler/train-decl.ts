/** Checking `train MODEL { ... }` blocks into a TrainPlan. */
import type { Setting, TrainDecl } from '../grammar/ast.ts';
import type { Diagnostic } from '../grammar/diagnostic.ts';
import { diagnostic } from '../grammar/diagnostic.ts';
import { bindArgs, type ParamSpec } from './args.ts';
import type { TrainPlan } from './ir.ts';
import { didYouMean } from './suggest.ts';

/** Used for any setting a train block leaves out (and for models without a train block). */
export const DEFAULT_TRAIN: TrainPlan = { optimizer: { name: 'adam', lr: 1e-3 }, epochs: 10, batchSize: 32, seed: 42 };

const LR: ParamSpec = { name: 'lr', type: { t: 'number' }, doc: 'learning rate', min: 0, minExclusive: true, aliases: ['learning_rate'] };

const OPTIMIZERS: Record<string, readonly ParamSpec[]> = {
  adam: [{ ...LR, positional: true, default: 1e-3 }],
  sgd: [
    { ...LR, positional: true, default: 1e-2 },
    { name: 'momentum', type: { t: 'number' }, doc: 'momentum', default: 0, min: 0, max: 1, maxExclusive: true },
  ],
  rmsprop: [{ ...LR, positional: true, default: 1e-3 }],
  adagrad: [{ ...LR, positional: true, default: 1e-2 }],
};

const SCALARS: Record<string, ParamSpec> = {
  epochs: { name: 'epochs', type: { t: 'int' }, doc: 'passes over the training split', min: 1, max: 100000 },
  batch: { name: 'batch', type: { t: 'int' }, doc: 'samples per batch', min: 1, max: 1 << 20, aliases: ['batch_size'] },
  seed: { name: 'seed', type: { t: 'int' }, doc: 'seed for shuffling and initialisation', min: 0 },
  lr: LR,
  // `class_weights balanced` is handled before these: weights n / (k · n_c) from the training split.
  class_weights: { name: 'class_weights', type: { t: 'number-list' }, doc: 'loss weight of each class, or balanced', min: 0 },
};

const EARLY_STOP: readonly ParamSpec[] = [
  { name: 'monitor', type: { t: 'enum', values: ['val_loss', 'val_accuracy'] }, doc: 'what to watch', positional: true, default: 'val_loss' },
  { name: 'patience', type: { t: 'int' }, doc: 'epochs without improvement before stopping', positional: true, default: 3, min: 1 },
];

/** Learning-rate schedules (runtime/train/schedule.ts has the formulas). */
const SCHEDULES: Record<string, readonly ParamSpec[]> = {
  step: [
    { name: 'every', type: { t: 'int' }, doc: 'epochs between two reductions', positional: true, required: true, min: 1 },
    { name: 'factor', type: { t: 'number' }, doc: 'multiplies the learning rate every `every` epochs', positional: true, default: 0.5, min: 0, minExclusive: true, max: 1 },
  ],
  exponential: [{ name: 'factor', type: { t: 'number' }, doc: 'multiplies the learning rate after every epoch', positional: true, default: 0.9, min: 0, minExclusive: true, max: 1 }],
  cosine: [{ name: 'min_lr', type: { t: 'number' }, doc: 'learning rate reached at the last epoch', positional: true, default: 0, min: 0 }],
  reduce_on_plateau: [
    { name: 'patience', type: { t: 'int' }, doc: 'epochs without improvement before the learning rate is reduced', positional: true, default: 2, min: 1 },
    { name: 'factor', type: { t: 'number' }, doc: 'multiplies the learning rate at each reduction', positional: true, default: 0.5, min: 0, minExclusive: true, max: 1, maxExclusive: true },
    { name: 'monitor', type: { t: 'enum', values: ['val_loss', 'val_accuracy', 'loss'] }, doc: 'what to watch', default: 'val_loss' },
    { name: 'min_lr', type: { t: 'number' }, doc: 'the learning rate is never reduced below this', default: 0, min: 0 },
  ],
};

const KNOWN = ['optimizer', 'early_stop', 'epochs', 'batch', 'batch_size', 'seed', 'lr', 'lr_schedule', 'class_weights'];

/** Check one train block. */
export function checkTrain(t: TrainDecl, diags: Diagnostic[]): TrainPlan {
  const plan: TrainPlan = { ...DEFAULT_TRAIN, optimizer: { ...DEFAULT_TRAIN.optimizer }, range: t.range };
  const seen = new Set<string>();
  for (const s of t.settings) {
    const key = s.key.name === 'batch_size' ? 'batch' : s.key.name;
    if (seen.has(key)) {
      diags.push(diagnostic('MMF1007', 'error', `${key} is set twice in train ${t.model.name}`, s.key.range, 'Keep one value.'));
      continue;
    }
    seen.add(key);
    if (key === 'optimizer') optimizer(s, plan, diags);
    else if (key === 'lr_schedule') lrSchedule(s, plan, diags);
    else if (key === 'class_weights' && s.value?.kind === 'Name' && s.value.name === 'balanced') plan.balancedClassWeights = true;
    else if (key === 'early_stop') {
      const b = bindArgs('early_stop', EARLY_STOP, s.args ?? (s.value ? [{ value: s.value, range: s.value.range }] : []), s.range, diags);
      if (b.ok) plan.earlyStop = { monitor: b.values.monitor as 'val_loss' | 'val_accuracy', patience: b.values.patience as number };
    } else if (SCALARS[key]) {
      if (!s.value) {
        diags.push(diagnostic('MMF3002', 'error', `${key} takes a value, not parentheses`, s.range, `Write ${key} VALUE.`));
        continue;
      }
      const b = bindArgs('train', [SCALARS[key]!], [{ key: s.key, value: s.value, range: s.range }], s.range, diags);
      if (!b.ok) continue;
      const v = b.values[SCALARS[key]!.name];
      if (key === 'epochs') plan.epochs = v as number;
      else if (key === 'batch') plan.batchSize = v as number;
      else if (key === 'seed') plan.seed = v as number;
      else if (key === 'lr') plan.optimizer.lr = v as number;
      else if (key === 'class_weights') plan.classWeights = v as number[];
    } else {
      const g = didYouMean(s.key.name, KNOWN);
      diags.push(
        diagnostic(
          'MMF1005',
          'error',
          `train has no setting '${s.key.name}'`,
          s.key.range,
          g ? `Did you mean '${g}'?` : `Known settings: ${KNOWN.join(', ')}.`,
        ),
      );
    }
  }
  return plan;
}

function optimizer(s: Setting, plan: TrainPlan, diags: Diagnostic[]): void {
  const call = s.value;
  if (!call || (call.kind !== 'Call' && call.kind !== 'Name')) {
    diags.push(diagnostic('MMF3002', 'error', 'optimizer takes a name like adam(lr 1e-3)', s.range, `Write optimizer adam(lr 1e-3).`));
    return;
  }
  const name = call.kind === 'Call' ? call.callee.name : call.name;
  const spec = OPTIMIZERS[name];
  if (!spec) {
    const g = didYouMean(name, Object.keys(OPTIMIZERS));
    diags.push(
      diagnostic(
        'MMF1004',
        'error',
        `Unknown optimizer '${name}'; mmf has ${Object.keys(OPTIMIZERS).join(', ')}`,
        call.kind === 'Call' ? call.callee.range : call.range,
        g ? `Did you mean '${g}'?` : 'Use adam(lr 1e-3).',
      ),
    );
    return;
  }
  const b = bindArgs(name, spec, call.kind === 'Call' ? call.args : [], call.range, diags);
  if (!b.ok) return;
  plan.optimizer = { name: name as TrainPlan['optimizer']['name'], lr: b.values.lr as number };
  if (name === 'sgd') plan.optimizer.momentum = b.values.momentum as number;
}

/** `lr_schedule step(every 5, factor 0.5)` | `exponential(0.9)` | `cosine(min_lr 1e-5)` | `reduce_on_plateau(3, 0.5)`. */
function lrSchedule(s: Setting, plan: TrainPlan, diags: Diagnostic[]): void {
  const call = s.value;
  const names = Object.keys(SCHEDULES);
  if (!call || (call.kind !== 'Call' && call.kind !== 'Name')) {
    diags.push(diagnostic('MMF3002', 'error', `lr_schedule takes a schedule: ${names.join(', ')}`, s.range, 'Write lr_schedule step(every 5, factor 0.5).'));
    return;
  }
  const name = call.kind === 'Call' ? call.callee.name : call.name;
  const spec = SCHEDULES[name];
  if (!spec) {
    const g = didYouMean(name, names);
    diags.push(
      diagnostic(
        'MMF1004',
        'error',
        `Unknown learning-rate schedule '${name}'; mmf has ${names.join(', ')}`,
        call.kind === 'Call' ? call.callee.range : call.range,
        g ? `Did you mean '${g}'?` : 'Use step(every 5, factor 0.5), exponential(0.9), cosine or reduce_on_plateau(patience 3, factor 0.5).',
      ),
    );
    return;
  }
  const b = bindArgs(name, spec, call.kind === 'Call' ? call.args : [], call.range, diags);
  if (!b.ok) return;
  const v = b.values;
  switch (name) {
    case 'step':
      plan.lrSchedule = { kind: 'step', every: v.every as number, factor: v.factor as number };
      break;
    case 'exponential':
      plan.lrSchedule = { kind: 'exponential', factor: v.factor as number };
      break;
    case 'cosine':
      plan.lrSchedule = { kind: 'cosine', minLr: v.min_lr as number };
      break;
    default:
      plan.lrSchedule = {
        kind: 'reduce_on_plateau',
        monitor: v.monitor as 'val_loss' | 'val_accuracy' | 'loss',
        patience: v.patience as number,
        factor: v.factor as number,
        minLr: v.min_lr as number,
      };
  }
}
