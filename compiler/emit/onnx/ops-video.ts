/**
 * ONNX emission of video ops (compiler/ops/video.ts). conv3d: NDHWC → Transpose(0,4,1,2,3) → NCDHW →
 * Conv(W [F, C, kf, kh, kw], B [F], kernel_shape, strides, auto_pad VALID | SAME_UPPER) → Transpose(0,2,3,4,1) →
 * activation. TensorFlow's `same` puts the odd padding at the end of each axis, which is ONNX's SAME_UPPER.
 */
import type { IRNode } from '../../ir.ts';
import { frameType } from '../../ops/time-distributed.ts';
import type { OnnxEmit } from './ops.ts';
import { emitActivation, emitNode } from './ops.ts';

/** tfjs conv3d kernel [kf, kh, kw, C, F] → ONNX Conv weight [F, C, kf, kh, kw]. */
export function conv3dKernelToOnnx(kernel: Float32Array, k: readonly [number, number, number], c: number, f: number): Float32Array {
  const [kd, kh, kw] = k;
  if (kernel.length !== kd * kh * kw * c * f) throw new Error(`conv3dKernelToOnnx: expected ${kd}×${kh}×${kw}×${c}×${f} values, got ${kernel.length}`);
  const out = new Float32Array(kernel.length);
  for (let d = 0; d < kd; d++)
    for (let h = 0; h < kh; h++)
      for (let w = 0; w < kw; w++)
        for (let ci = 0; ci < c; ci++)
          for (let fo = 0; fo < f; fo++)
            out[((((fo * c + ci) * kd + d) * kh + h) * kw) + w] = kernel[((((d * kh + h) * kw + w) * c + ci) * f) + fo]!;
  return out;
}

const conv3d: OnnxEmit<'conv3d'> = (ctx, node, [x]) => {
  const { g } = ctx;
  const a = node.attrs;
  const c = ctx.inputTypes[0]!.shape[4] as number;
  const W = g.addFloat(`${node.id}/kernel`, [a.filters, c, ...a.kernelSize], conv3dKernelToOnnx(ctx.weights[0]!, a.kernelSize, c, a.filters));
  const inputs = [g.op(node.id, 'Transpose', [x!], { perm: [0, 4, 1, 2, 3] }), W];
  if (a.useBias) inputs.push(g.addFloat(`${node.id}/bias`, [a.filters], ctx.weights[1]!));
  const y = g.op(node.id, 'Conv', inputs, {
    kernel_shape: a.kernelSize,
    strides: a.strides,
    auto_pad: a.padding === 'same' ? 'SAME_UPPER' : 'VALID',
  });
  return emitActivation(g, node.id, g.op(node.id, 'Transpose', [y], { perm: [0, 2, 3, 4, 1] }), a.activation);
};

/** The per-frame op of a time_distributed node as a node of its own: same id (so the same initializer names), frame types. */
export function frameNode(node: Extract<IRNode, { op: 'time_distributed' }>): IRNode {
  return { ...node, op: node.attrs.layer.op, attrs: node.attrs.layer.attrs, out: frameType(node.out) } as IRNode;
}

/**
 * time_distributed: x [b, T, H, W, C] → Reshape [b·T, H, W, C] → the frame op (its own emitter, weights named
 * `<node id>/…` as tfjs names the wrapper's) → Reshape [b, T, …out]. Both shapes use −1 for the unknown batch; T and
 * the frame sizes are known (the checker requires a video of known sizes).
 */
const time_distributed: OnnxEmit<'time_distributed'> = (ctx, node, [x]) => {
  const { g } = ctx;
  const input = ctx.inputTypes[0]!;
  const [, frames, ...rest] = input.shape as number[];
  const flat = g.op(node.id, 'Reshape', [x!, g.constInt64(node.id, 'frames_shape', [-1, ...rest])]);
  const y = emitNode({ ...ctx, inputTypes: [frameType(input)] }, frameNode(node), [flat]);
  return g.op(node.id, 'Reshape', [y, g.constInt64(node.id, 'video_shape', [-1, frames!, ...(node.out.shape.slice(2) as number[])])]);
};

export const VIDEO_ONNX_OPS = { conv3d, time_distributed };
