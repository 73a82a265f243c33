/**
 * ONNX emission of video ops (compiler/ops/video.ts). conv3d: NDHWC → Transpose(0,4,1,2,3) → NCDHW →
 * Conv(W [F, C, kf, kh, kw], B [F], kernel_shape, strides, auto_pad VALID | SAME_UPPER) → Transpose(0,2,3,4,1) →
 * activation. TensorFlow's `same` puts the odd padding at the end of each axis, which is ONNX's SAME_UPPER.
 */
import type { OnnxEmit } from './ops.ts';
import { emitActivation } from './ops.ts';

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

export const VIDEO_ONNX_OPS = { conv3d };
