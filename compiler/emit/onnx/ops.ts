/**
 * How each IR op becomes ONNX nodes: one table keyed by op name, so an op without an ONNX emitter is a
 * TypeScript error. Each emitter takes the input tensor names (in `node.inputs` order) and returns the name of
 * the tensor holding the node's output; the caller renames that tensor to the node id.
 *
 * Layouts: IR tensors are batch-first and channels-last (as tfjs). ONNX Conv and pooling want NCW / NCHW and ONNX LSTM/GRU want
 * time-major [T, b, C] (onnxruntime rejects `layout = 1`), so those emitters transpose in and out. Nothing here
 * knows the batch size: shapes given to Reshape use 0 ("copy this dimension") for batch and time.
 *
 * Operator semantics from the ONNX operator specs, https://onnx.ai/onnx/operators/ (opset 17 versions unless noted).
 * The full op → node mapping is written up in docs/onnx.md.
 */
import type { Activation, IRNode, OpName, TensorType } from '../../ir.ts';
import type { AttrValue, GraphBuilder } from './graph.ts';
import { float } from './graph.ts';
import {
  conv1dKernelToOnnx,
  conv2dKernelToOnnx,
  gatesToOnnx,
  GRU_KERAS_GATE_OF_ONNX,
  LSTM_KERAS_GATE_OF_ONNX,
  recurrentBiasToOnnx,
} from './layout.ts';
import { MORE_ONNX_OPS } from './ops-more.ts';
import { frameNode, VIDEO_ONNX_OPS } from './ops-video.ts';
import { frameType } from '../../ops/time-distributed.ts';
import { TRANSFORMER_ONNX_OPS } from './ops-transformer.ts';

/** What an op emitter may use besides its node and input names. */
export interface OnnxEmitContext {
  g: GraphBuilder;
  /** IR types of the node's inputs, in `node.inputs` order. */
  inputTypes: TensorType[];
  /** The node's weights, in WeightSpec (tfjs getWeights) order, already checked against the specs. */
  weights: Float32Array[];
}

export type OnnxEmit<K extends OpName> = (ctx: OnnxEmitContext, node: Extract<IRNode, { op: K }>, inputs: string[]) => string;

/** Initializer `<nodeId>/<weight name>` holding `data` (defaults to the tfjs tensor as is) with ONNX dims `dims`. */
function init(ctx: OnnxEmitContext, node: IRNode, index: number, dims?: number[], data?: Float32Array): string {
  const spec = node.weights[index]!;
  return ctx.g.addFloat(`${node.id}/${spec.name}`, dims ?? spec.shape, data ?? ctx.weights[index]!);
}

/** Index of a weight by its tfjs name, or -1. */
const weightIndex = (node: IRNode, name: string): number => node.weights.findIndex((w) => w.name === name);

/**
 * An element-wise activation as ONNX nodes (tfjs-layers activations.js is the reference for each formula):
 * relu6 = Clip(x, 0, 6); elu = Elu(alpha 1); selu = Selu with tfjs' constants; gelu (exact, erf-based) as
 * x·0.5·(1 + Erf(x/√2)) below opset 20 and Gelu from opset 20; swish = x·Sigmoid(x); softmax on the last axis.
 */
export function emitActivation(g: GraphBuilder, scope: string, x: string, act: Activation): string {
  switch (act) {
    case 'linear':
      return x;
    case 'relu':
      return g.op(scope, 'Relu', [x]);
    case 'relu6':
      return g.op(scope, 'Clip', [x, g.constFloat(scope, 'zero', [0]), g.constFloat(scope, 'six', [6])]);
    case 'elu':
      return g.op(scope, 'Elu', [x], { alpha: float(1) });
    case 'selu':
      // tfjs: scale·x for x > 0, scale·alpha·(eˣ − 1) otherwise, with alpha = 1.6732632…, scale = 1.0507009…
      return g.op(scope, 'Selu', [x], { alpha: float(1.6732632423543772), gamma: float(1.0507009873554805) });
    case 'gelu': {
      if (g.opset >= 20) return g.op(scope, 'Gelu', [x], { approximate: 'none' });
      const erf = g.op(scope, 'Erf', [g.op(scope, 'Div', [x, g.constFloat(scope, 'sqrt2', [Math.SQRT2])])]);
      const cdf = g.op(scope, 'Mul', [g.constFloat(scope, 'half', [0.5]), g.op(scope, 'Add', [g.constFloat(scope, 'one', [1]), erf])]);
      return g.op(scope, 'Mul', [x, cdf]);
    }
    case 'tanh':
      return g.op(scope, 'Tanh', [x]);
    case 'sigmoid':
      return g.op(scope, 'Sigmoid', [x]);
    case 'softmax':
      return g.op(scope, 'Softmax', [x], { axis: -1 });
    case 'softplus':
      return g.op(scope, 'Softplus', [x]);
    case 'softsign':
      return g.op(scope, 'Softsign', [x]);
    case 'swish':
      return g.op(scope, 'Mul', [x, g.op(scope, 'Sigmoid', [x])]);
  }
}

/** x·W + b on the last axis: Gemm for rank-2 x, MatMul (+ Add) otherwise (MatMul broadcasts like numpy.matmul). */
function affine(ctx: OnnxEmitContext, scope: string, x: string, rank: number, w: string, b: string | undefined): string {
  const { g } = ctx;
  if (rank === 2) return g.op(scope, 'Gemm', b ? [x, w, b] : [x, w]);
  const y = g.op(scope, 'MatMul', [x, w]);
  return b ? g.op(scope, 'Add', [y, b]) : y;
}

/**
 * ONNX LSTM / GRU on a batch-first sequence: Transpose to [T, b, C], run, then either Y_h [1, b, u] → Squeeze →
 * [b, u], or Y [T, 1, b, u] → Squeeze → [T, b, u] → Transpose → [b, T, u].
 */
function recurrent(
  ctx: OnnxEmitContext,
  node: Extract<IRNode, { op: 'lstm' | 'gru' }>,
  x: string,
  op: 'LSTM' | 'GRU',
): string {
  const { g } = ctx;
  const id = node.id;
  const u = node.attrs.units;
  const c = ctx.inputTypes[0]!.shape[2] as number;
  const order = op === 'LSTM' ? LSTM_KERAS_GATE_OF_ONNX : GRU_KERAS_GATE_OF_ONNX;
  const gates = order.length;
  const iK = weightIndex(node, 'kernel');
  const iR = weightIndex(node, 'recurrent_kernel');
  const iB = weightIndex(node, 'bias');
  const W = init(ctx, node, iK, [1, gates * u, c], gatesToOnnx(ctx.weights[iK]!, c, u, order));
  const R = init(ctx, node, iR, [1, gates * u, u], gatesToOnnx(ctx.weights[iR]!, u, u, order));
  const Bdata = recurrentBiasToOnnx(iB >= 0 ? ctx.weights[iB] : undefined, u, order);
  const B = iB >= 0 ? init(ctx, node, iB, [1, 2 * gates * u], Bdata) : g.addFloat(`${id}/bias`, [1, 2 * gates * u], Bdata);
  const xt = g.op(id, 'Transpose', [x], { perm: [1, 0, 2] });
  const act = (a: 'sigmoid' | 'tanh'): string => (a === 'sigmoid' ? 'Sigmoid' : 'Tanh');
  const activations =
    op === 'LSTM'
      ? [act(node.attrs.recurrentActivation), act(node.attrs.activation), act(node.attrs.activation)]
      : [act(node.attrs.recurrentActivation), act(node.attrs.activation)];
  const attrs = { hidden_size: u, direction: 'forward', activations, ...(op === 'GRU' ? { linear_before_reset: 0 } : {}) };
  const [Y, Yh] = g.addNode(id, op, [xt, W, R, B], attrs, 2);
  if (!node.attrs.returnSequences) return g.squeeze(id, Yh!, [0]);
  return g.op(id, 'Transpose', [g.squeeze(id, Y!, [1])], { perm: [1, 0, 2] });
}

/**
 * Conv padding for tfjs `valid` / `same`. `same` is SAME_UPPER (TensorFlow puts the odd padding at the end,
 * as SAME_UPPER does). onnxruntime's CPU Conv refuses SAME_UPPER with dilation > 1, so a dilated `same` conv gets
 * TensorFlow's explicit pads instead (total = max((⌈T/s⌉ − 1)·s + (k − 1)·d + 1 − T, 0), ⌊total/2⌋ before), which
 * needs a known length T.
 */
function convPadding(node: Extract<IRNode, { op: 'conv1d' }>, t: number | string): Record<string, AttrValue> {
  const a = node.attrs;
  if (a.padding === 'valid') return { auto_pad: 'VALID' };
  if (a.dilation === 1) return { auto_pad: 'SAME_UPPER' };
  if (typeof t !== 'number')
    throw new Error(`ONNX export: conv1d '${node.id}' with padding same and dilation ${a.dilation} needs a known sequence length, but its input length is '${t}'`);
  const out = Math.ceil(t / a.strides);
  const total = Math.max((out - 1) * a.strides + (a.kernelSize - 1) * a.dilation + 1 - t, 0);
  const before = Math.floor(total / 2);
  return { pads: [before, total - before] };
}

/** NHWC → NCHW and back (ONNX Conv and pooling want channels first). */
const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

/**
 * Padding of a 2-D window op (conv2d, max/avg pooling) for tfjs `valid` / `same`. `same` is SAME_UPPER
 * (TensorFlow's rule: total = max((⌈n/s⌉ − 1)·s + (k − 1)·d + 1 − n, 0) per axis, ⌊total/2⌋ before, the rest after,
 * which is ONNX's SAME_UPPER). onnxruntime refuses SAME_UPPER with dilation > 1, so a dilated `same` conv gets
 * the same explicit `pads` [top, left, bottom, right] instead, which needs known height and width.
 */
function windowPadding2d(
  id: string,
  what: string,
  a: { padding: 'valid' | 'same'; strides: [number, number] },
  k: [number, number],
  dilation: [number, number],
  input: TensorType,
): Record<string, AttrValue> {
  if (a.padding === 'valid') return { auto_pad: 'VALID' };
  if (dilation[0] === 1 && dilation[1] === 1) return { auto_pad: 'SAME_UPPER' };
  const before: number[] = [];
  const after: number[] = [];
  for (const axis of [0, 1]) {
    const n = input.shape[axis + 1]!;
    if (typeof n !== 'number')
      throw new Error(`ONNX export: ${what} '${id}' with padding same and dilation ${dilation.join('×')} needs a known image size, but its input is [${input.shape.join(', ')}]`);
    const s = a.strides[axis]!;
    const total = Math.max((Math.ceil(n / s) - 1) * s + (k[axis]! - 1) * dilation[axis]! + 1 - n, 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  return { pads: [...before, ...after] };
}

/** Why the ONNX emitters cannot emit a node: the reason (after "<op> '<id>'") and what to change. */
export interface OnnxEmitProblem {
  reason: string;
  hint: string;
}

/**
 * The conditions under which the emitters above cannot emit `node` fed `inputTypes` (undefined when they can).
 * `emitNode` refuses with this reason before emitting, and compiler/capabilities.ts reports it as MMF4003, so
 * the two cannot drift. Today: a dilated `same` conv needs known spatial sizes for its explicit pads
 * (see convPadding and windowPadding2d).
 */
export function onnxCannotEmit(node: IRNode, inputTypes: readonly TensorType[]): OnnxEmitProblem | undefined {
  const input = inputTypes[0];
  if (!input) return undefined;
  if (node.op === 'time_distributed') return onnxCannotEmit(frameNode(node), [frameType(input)]);
  if (node.op === 'conv1d' && node.attrs.padding === 'same' && node.attrs.dilation !== 1 && typeof input.shape[1] !== 'number')
    return {
      reason: `uses padding same with dilation ${node.attrs.dilation}, which needs a known sequence length, but its input length is '${input.shape[1]}'`,
      hint: 'Give the sequence a known length, or use padding valid, or dilation 1.',
    };
  if (
    node.op === 'conv2d' &&
    node.attrs.padding === 'same' &&
    node.attrs.dilation.some((d) => d !== 1) &&
    (typeof input.shape[1] !== 'number' || typeof input.shape[2] !== 'number')
  )
    return {
      reason: `uses padding same with dilation ${node.attrs.dilation.join('×')}, which needs a known image size, but its input is [${input.shape.join(', ')}]`,
      hint: 'Give the image a known height and width, or use padding valid, or dilation 1.',
    };
  return undefined;
}

/** A pooling window op on NHWC: Transpose → MaxPool / AveragePool on NCHW → Transpose. */
function pool2d(ctx: OnnxEmitContext, node: Extract<IRNode, { op: 'max_pool2d' | 'avg_pool2d' }>, x: string, op: 'MaxPool' | 'AveragePool'): string {
  const { g } = ctx;
  const a = node.attrs;
  const y = g.op(node.id, op, [g.op(node.id, 'Transpose', [x], { perm: NHWC_TO_NCHW })], {
    kernel_shape: a.poolSize,
    strides: a.strides,
    ...windowPadding2d(node.id, node.op, a, a.poolSize, [1, 1], ctx.inputTypes[0]!),
    ...(op === 'AveragePool' ? { count_include_pad: 0 } : {}),
  });
  return g.op(node.id, 'Transpose', [y], { perm: NCHW_TO_NHWC });
}

/** The ONNX emitter of every IR op. */
export const ONNX_OPS: { [K in OpName]: OnnxEmit<K> } = {
  /** Gather(embeddings [V, D], ids int64 [b, T], axis 0) → [b, T, D]. */
  embedding: (ctx, node, [ids]) => ctx.g.op(node.id, 'Gather', [init(ctx, node, 0), ids!], { axis: 0 }),

  /**
   * NWC → Transpose → NCW → Conv(W [F, C, k], B [F], strides, dilations, auto_pad SAME_UPPER | VALID) →
   * Transpose → NWC → activation. TensorFlow's `same` puts the odd padding at the end, as SAME_UPPER does.
   */
  conv1d: (ctx, node, [x]) => {
    const { g } = ctx;
    const a = node.attrs;
    const c = ctx.inputTypes[0]!.shape[2] as number;
    const W = init(ctx, node, 0, [a.filters, c, a.kernelSize], conv1dKernelToOnnx(ctx.weights[0]!, a.kernelSize, c, a.filters));
    const inputs = [g.op(node.id, 'Transpose', [x!], { perm: [0, 2, 1] }), W];
    if (a.useBias) inputs.push(init(ctx, node, 1));
    const y = g.op(node.id, 'Conv', inputs, {
      kernel_shape: [a.kernelSize],
      strides: [a.strides],
      dilations: [a.dilation],
      ...convPadding(node, ctx.inputTypes[0]!.shape[1]!),
    });
    return emitActivation(g, node.id, g.op(node.id, 'Transpose', [y], { perm: [0, 2, 1] }), a.activation);
  },

  lstm: (ctx, node, [x]) => recurrent(ctx, node, x!, 'LSTM'),
  gru: (ctx, node, [x]) => recurrent(ctx, node, x!, 'GRU'),

  /** ReduceMax over the time axis 1, keepdims 0. */
  global_max_pool1d: (ctx, node, [x]) => ctx.g.reduce(node.id, 'ReduceMax', x!, [1], 0),
  /** ReduceMean over the time axis 1, keepdims 0. */
  global_avg_pool1d: (ctx, node, [x]) => ctx.g.reduce(node.id, 'ReduceMean', x!, [1], 0),

  /** Gemm (rank 2) or MatMul + Add with kernel [C, units] as is, then the activation. */
  dense: (ctx, node, [x]) => {
    const W = init(ctx, node, 0);
    const b = node.attrs.useBias ? init(ctx, node, 1) : undefined;
    const y = affine(ctx, node.id, x!, ctx.inputTypes[0]!.shape.length, W, b);
    return emitActivation(ctx.g, node.id, y, node.attrs.activation);
  },

  /** Identity at inference: no node at all. */
  dropout: (_ctx, _node, [x]) => x!,

  activation: (ctx, node, [x]) => emitActivation(ctx.g, node.id, x!, node.attrs.fn),

  concat: (ctx, node, xs) => ctx.g.op(node.id, 'Concat', xs, { axis: node.attrs.axis }),

  /**
   * y = Σ_k softmax(w)_k · x_k: Softmax(w [K], axis 0), Gather the k-th weight as a scalar, Mul, then Sum.
   */
  weighted_sum: (ctx, node, xs) => {
    const { g } = ctx;
    const sm = g.op(node.id, 'Softmax', [init(ctx, node, 0)], { axis: 0 });
    const terms = xs.map((x, k) => g.op(node.id, 'Mul', [x, g.op(node.id, 'Gather', [sm, g.constInt64(node.id, `k${k}`, [k], [])], { axis: 0 })]));
    return g.op(node.id, 'Sum', terms);
  },

  /**
   * Multi-head attention (as runtime/layers MultiHeadAttention): Q = q·wq + bq, K = v·wk + bk, V = v·wv + bv
   * ([b, T, D]); Reshape [0, 0, h, D/h] and Transpose to heads [b, h, T, D/h] (K to [b, h, D/h, Tk]);
   * softmax(Q·Kᵀ / √(D/h)) · V; Transpose back and Reshape [0, 0, D]; ·wo + bo. With a padding mask m [b, Tk]
   * (third input): scores + (1 − m)·(−1e9), m unsqueezed to [b, 1, 1, Tk], before the softmax.
   */
  mha: (ctx, node, [q, v, m]) => {
    const { g } = ctx;
    const id = node.id;
    const { dim: d, numHeads: h } = node.attrs;
    const dh = d / h;
    const rank = 3;
    const w = (name: string): string => init(ctx, node, weightIndex(node, name));
    const Q = affine(ctx, id, q!, rank, w('wq'), w('bq'));
    const K = affine(ctx, id, v!, rank, w('wk'), w('bk'));
    const V = affine(ctx, id, v!, rank, w('wv'), w('bv'));
    const split = g.constInt64(id, 'heads_shape', [0, 0, h, dh]);
    const heads = (t: string, perm: number[]): string => g.op(id, 'Transpose', [g.op(id, 'Reshape', [t, split])], { perm });
    const Qh = heads(Q, [0, 2, 1, 3]); // [b, h, Tq, dh]
    const Kt = heads(K, [0, 2, 3, 1]); // [b, h, dh, Tk]
    const Vh = heads(V, [0, 2, 1, 3]); // [b, h, Tk, dh]
    let scores = g.op(id, 'Div', [g.op(id, 'MatMul', [Qh, Kt]), g.constFloat(id, 'sqrt_head_dim', [Math.sqrt(dh)])]);
    if (m) {
      const m4 = g.op(id, 'Unsqueeze', [m, g.constInt64(id, 'mask_axes', [1, 2])]); // [b, 1, 1, Tk]
      const pad = g.op(id, 'Sub', [g.constFloat(id, 'one', [1]), m4]);
      scores = g.op(id, 'Add', [scores, g.op(id, 'Mul', [pad, g.constFloat(id, 'mask_value', [-1e9])])]);
    }
    const attn = g.op(id, 'Softmax', [scores], { axis: -1 });
    const ctxh = g.op(id, 'Transpose', [g.op(id, 'MatMul', [attn, Vh])], { perm: [0, 2, 1, 3] }); // [b, Tq, h, dh]
    const merged = g.op(id, 'Reshape', [ctxh, g.constInt64(id, 'merge_shape', [0, 0, d])]);
    return affine(ctx, id, merged, rank, w('wo'), w('bo'));
  },

  /** Reshape with shape [0, ...targetShape]: 0 copies the batch dimension (allowzero = 0). */
  reshape: (ctx, node, [x]) => ctx.g.op(node.id, 'Reshape', [x!, ctx.g.constInt64(node.id, 'shape', [0, ...node.attrs.targetShape])]),

  /**
   * NHWC → Transpose(0,3,1,2) → NCHW → Conv(W [F, C, kh, kw], B [F], kernel_shape, strides, dilations,
   * auto_pad VALID | SAME_UPPER, or explicit pads when dilated) → Transpose(0,2,3,1) → NHWC → activation.
   */
  conv2d: (ctx, node, [x]) => {
    const { g } = ctx;
    const a = node.attrs;
    const [kh, kw] = a.kernelSize;
    const c = ctx.inputTypes[0]!.shape[3] as number;
    const W = init(ctx, node, 0, [a.filters, c, kh, kw], conv2dKernelToOnnx(ctx.weights[0]!, kh, kw, c, a.filters));
    const inputs = [g.op(node.id, 'Transpose', [x!], { perm: NHWC_TO_NCHW }), W];
    if (a.useBias) inputs.push(init(ctx, node, 1));
    const y = g.op(node.id, 'Conv', inputs, {
      kernel_shape: [kh, kw],
      strides: a.strides,
      dilations: a.dilation,
      ...windowPadding2d(node.id, 'conv2d', a, a.kernelSize, a.dilation, ctx.inputTypes[0]!),
    });
    return emitActivation(g, node.id, g.op(node.id, 'Transpose', [y], { perm: NCHW_TO_NHWC }), a.activation);
  },

  /** Transpose → MaxPool(kernel_shape, strides, auto_pad VALID | SAME_UPPER) → Transpose. */
  max_pool2d: (ctx, node, [x]) => pool2d(ctx, node, x!, 'MaxPool'),
  /** Transpose → AveragePool(…, count_include_pad 0: padded cells not counted, as TensorFlow) → Transpose. */
  avg_pool2d: (ctx, node, [x]) => pool2d(ctx, node, x!, 'AveragePool'),

  /** ReduceMax over height and width (axes 1, 2 of NHWC), keepdims 0: no transpose needed. */
  global_max_pool2d: (ctx, node, [x]) => ctx.g.reduce(node.id, 'ReduceMax', x!, [1, 2], 0),
  /** ReduceMean over axes 1, 2 of NHWC, keepdims 0. */
  global_avg_pool2d: (ctx, node, [x]) => ctx.g.reduce(node.id, 'ReduceMean', x!, [1, 2], 0),

  /** gmu, tensor_fusion, low_rank_fusion, film, bilstm, bigru, max/avg_pool1d, batch_norm, layer_norm: ops-more.ts. */
  ...MORE_ONNX_OPS,
  /** conv3d: ops-video.ts. */
  ...VIDEO_ONNX_OPS,
  /** add, positions, padding_mask: ops-transformer.ts. */
  ...TRANSFORMER_ONNX_OPS,
};

/** Emit one node through the table. */
export function emitNode(ctx: OnnxEmitContext, node: IRNode, inputs: string[]): string {
  const no = onnxCannotEmit(node, ctx.inputTypes);
  if (no) throw new Error(`ONNX export: ${node.op} '${node.id}' ${no.reason}`);
  return (ONNX_OPS[node.op] as OnnxEmit<OpName>)(ctx, node as never, inputs);
}
