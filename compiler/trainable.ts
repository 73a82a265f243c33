/**
 * What the runtime's training loop can train. `mmfc train` asks before generating and running a training
 * program, so a model the loop cannot handle is refused with a diagnostic at its head instead of a crash in the
 * child process. (`mmfc build` compiles such models to tfjs and ONNX all the same.)
 */
import type { Diagnostic } from '../grammar/diagnostic.ts';
import { diagnostic } from '../grammar/diagnostic.ts';
import type { IRModel } from './ir.ts';

/**
 * Diagnostics (MMF4001, errors) for the parts of `model` that runtime/train cannot train yet: today, a regression
 * head (a `number` label) — the training loop's heads are binary and multi-class. Empty when the model trains.
 */
export function trainingDiagnostics(model: IRModel): Diagnostic[] {
  if (model.head.label.kind !== 'number') return [];
  return [
    diagnostic(
      'MMF4001',
      'error',
      `model ${model.name} cannot be trained yet: its head regression(${model.head.label.name}) predicts a number, and mmf's training loop trains binary and multi-class classifiers only`,
      model.head.range,
      `mmfc build --target onnx and --target tfjs still compile ${model.name} (train the generated model with your own tfjs loop and meanSquaredError), or predict a binned label with classifier(...).`,
    ),
  ];
}
