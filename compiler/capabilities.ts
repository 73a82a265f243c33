/**
 * What each backend can emit. `mmfc build --target X` and `mmfc train` ask before emitting, so a construct a
 * backend cannot express is refused with a diagnostic at that construct instead of an exception during build.
 *
 * The conditions themselves live next to each emitter (onnxCannotEmit in emit/onnx/ops.ts, onnxModelCannotEmit in
 * emit/onnx/emit.ts, tfjsCannotEmit in emit/tfjs/layers.ts), and the emitters refuse with the same reasons, so
 * this pass and the emitters cannot drift apart.
 *
 * Not re-exported from compiler/index.ts: it loads the ONNX emitter (and onnx-proto), which the language server's
 * bundle does without. Import it from here.
 */
import type { Diagnostic } from '../grammar/diagnostic.ts';
import { diagnostic } from '../grammar/diagnostic.ts';
import type { IRModel, TensorType } from './ir.ts';
import { DEFAULT_OPSET, onnxModelCannotEmit } from './emit/onnx/emit.ts';
import { onnxCannotEmit } from './emit/onnx/ops.ts';
import { tfjsCannotEmit } from './emit/tfjs/layers.ts';

export type Target = 'tfjs' | 'onnx';

export interface TargetOptions {
  /** ONNX opset the model would be emitted at (default 17). */
  opset?: number;
}

/**
 * Diagnostics (errors; MMF4003 for ONNX, MMF4004 for tfjs) for every part of `model` that the `target` backend
 * cannot emit, each at the construct's source range. Empty when the backend can emit the whole model.
 */
export function targetDiagnostics(model: IRModel, target: Target, opts: TargetOptions = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (target === 'onnx') {
    for (const p of onnxModelCannotEmit(model, opts.opset ?? DEFAULT_OPSET))
      out.push(
        diagnostic(
          'MMF4003',
          'error',
          `model ${model.name} cannot be emitted to ONNX: ${p.reason}`,
          p.at === 'head' ? (model.multitask?.heads[p.head ?? 0] ?? model.head).range : model.range,
          p.hint,
        ),
      );
  }
  const types = new Map<string, TensorType>(model.inputs.map((i) => [i.name, i.out]));
  for (const node of model.nodes) {
    const inputTypes = node.inputs.map((id) => types.get(id)).filter((t): t is TensorType => t !== undefined);
    types.set(node.id, node.out);
    const p = target === 'onnx' ? onnxCannotEmit(node, inputTypes) : tfjsCannotEmit(node);
    if (!p) continue;
    const backend = target === 'onnx' ? 'ONNX' : 'tfjs';
    out.push(
      diagnostic(
        target === 'onnx' ? 'MMF4003' : 'MMF4004',
        'error',
        `${node.op} (${node.id} in model ${model.name}) cannot be emitted to ${backend}: it ${p.reason}`,
        node.range,
        p.hint,
      ),
    );
  }
  return out;
}
