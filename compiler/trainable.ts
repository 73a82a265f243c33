/**
 * What the runtime's training loop can train. `mmfc train` asks before generating and running a training
 * program, so a model the loop cannot handle is refused with a diagnostic at its head instead of a crash in the
 * child process. (`mmfc build` compiles such models to tfjs and ONNX all the same.)
 */
import type { Diagnostic } from '../grammar/diagnostic.ts';
import { diagnostic } from '../grammar/diagnostic.ts';
import type { IRModel } from './ir.ts';

/** Input kinds the compiler checks but runtime/data cannot read yet (images, audio, series: runtime/data/media.ts). */
const UNREAD_KINDS = new Set(['video']);

/**
 * Diagnostics (MMF4001, errors) for the parts of `model` that runtime/train cannot train yet: today, a regression
 * head (a `number` label) — the training loop's heads are binary and multi-class. Empty when the model trains.
 */
export function trainingDiagnostics(model: IRModel): Diagnostic[] {
  // Shape-level modalities (compiler/modalities.ts): the data pipeline has no reader for them yet (MMF4002).
  const unread = model.inputs
    .filter((i) => UNREAD_KINDS.has(i.plan.kind))
    .map((i) =>
      diagnostic(
        'MMF4002',
        'error',
        `${i.plan.kind} inputs cannot be trained yet: the data pipeline reads text, tabular, categorical, image, audio, time series and signal inputs, so model ${model.name} cannot read input ${i.name}`,
        i.range,
        `mmfc check and mmfc build --target tfjs|onnx still compile ${model.name}; feed the generated model your own ${i.plan.kind} tensors (${JSON.stringify(i.out.shape)}).`,
      ),
    );
  if (model.multitask)
    return [
      ...unread,
      diagnostic(
        'MMF4001',
        'error',
        `model ${model.name} cannot be trained yet: it is multi-task (${model.multitask.heads.map((h) => h.label.name).join(', ')}), and mmf's training loop trains one binary or multi-class classifier`,
        model.multitask.range,
        `mmfc build --target onnx and --target tfjs still compile ${model.name} with one output per head (train it with your own tfjs loop: loss per output, lossWeights [${model.multitask.heads.map((h) => h.weight ?? 1).join(', ')}]), or train one model per label.`,
      ),
    ];
  if (model.head.label.kind === 'multilabel')
    return [
      ...unread,
      diagnostic(
        'MMF4001',
        'error',
        `model ${model.name} cannot be trained yet: its head classifier(${model.head.label.name}) predicts ${model.head.units} independent targets (multi-label), and mmf's training loop trains binary and multi-class classifiers only`,
        model.head.range,
        `mmfc build --target onnx and --target tfjs still compile ${model.name} (train the generated model with your own tfjs loop and binaryCrossentropy), or train one binary classifier per target.`,
      ),
    ];
  if (model.head.label.kind !== 'number') return unread;
  return [
    ...unread,
    diagnostic(
      'MMF4001',
      'error',
      `model ${model.name} cannot be trained yet: its head regression(${model.head.label.name}) predicts a number, and mmf's training loop trains binary and multi-class classifiers only`,
      model.head.range,
      `mmfc build --target onnx and --target tfjs still compile ${model.name} (train the generated model with your own tfjs loop and meanSquaredError), or predict a binned label with classifier(...).`,
    ),
  ];
}
