/**
 * The ONNX backend: IR model + weights → ONNX ModelProto (opset ≥ 17), weights from tfjs or at random.
 * See docs/onnx.md for the op → node mapping and the weight-layout conversions.
 */
export { emitOnnx, writeOnnx, irVersionForOpset, nodeWeights, onnxModelCannotEmit, DEFAULT_OPSET } from './emit.ts';
export type { EmitOnnxOptions, OnnxModelProblem } from './emit.ts';
export { randomWeights, readTfjsWeights } from './weights.ts';
export { ONNX_OPS, emitActivation, onnxCannotEmit } from './ops.ts';
export type { OnnxEmit, OnnxEmitContext, OnnxEmitProblem } from './ops.ts';
