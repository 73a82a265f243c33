/**
 * ONNX emitters of the fusion operators gmu, tensor_fusion, low_rank_fusion and film, the bidirectional LSTM / GRU,
 * 1-D pooling windows and normalisation, spread into ONNX_OPS (ops.ts). Standard operators only (opset 17:
 * MatMul, Gemm, Tanh, Sigmoid, Softmax, Pad, Unsqueeze, Reshape with 0 for the batch, ReduceSum, LSTM/GRU with
 * direction bidirectional, MaxPool, AveragePool, BatchNormalization, LayerNormalization); no batch size is baked in.
 * Each emitter reproduces the runtime layer's math step by step (runtime/layers/*.ts), written up in docs/onnx.md.
 *
 * Operator semantics: https://onnx.ai/onnx/operators/ (Pad-13 with constant_value as an input, Unsqueeze-13 and
 * ReduceSum-13 with axes as an input, LSTM-14 / GRU-14 with 2 directions, LayerNormalization-17).
 */
import type { IRNode } from '../../ir.ts';
import type { OnnxEmit, OnnxEmitContext } from './ops.ts';
import { gatesToOnnx, GRU_KERAS_GATE_OF_ONNX, LSTM_KERAS_GATE_OF_ONNX, recurrentBiasToOnnx } from './layout.ts';

type MoreOps = 'gmu' | 'tensor_fusion' | 'low_rank_fusion' | 'film' | 'bilstm' | 'bigru' | 'max_pool1d' | 'avg_pool1d' | 'batch_norm' | 'layer_norm';

/** Index of a weight by its tfjs name. */
function wi(node: IRNode, name: string): number {
  const i = node.weights.findIndex((w) => w.name === name);
  if (i < 0) throw new Error(`ONNX export: node '${node.id}' (${node.op}) has no weight '${name}'`);
  return i;
}

/** Initializer `<nodeId>/<weight name>` from the tfjs tensor (dims default to the tfjs shape). */
function init(ctx: OnnxEmitContext, node: IRNode, name: string, dims?: number[]): string {
  const i = wi(node, name);
  return ctx.g.addFloat(`${node.id}/${name}`, dims ?? node.weights[i]!.shape, ctx.weights[i]!);
}

/** Unsqueeze `axes` (an input since opset 13). */
function unsqueeze(ctx: OnnxEmitContext, scope: string, x: string, axes: number[]): string {
  return ctx.g.op(scope, 'Unsqueeze', [x, ctx.g.constInt64(scope, `axes_${axes.join('_')}`, axes)]);
}

/** [x; 1]: Pad(x [b, d], pads [0, 0, 0, 1], constant_value 1) → [b, d + 1], with no batch-sized constant. */
function appendOne(ctx: OnnxEmitContext, scope: string, x: string): string {
  const { g } = ctx;
  return g.op(scope, 'Pad', [x, g.constInt64(scope, 'pad_one', [0, 0, 0, 1]), g.constFloat(scope, 'one', [1])], { mode: 'constant' });
}

const width = (ctx: OnnxEmitContext, k: number): number => ctx.inputTypes[k]!.shape[1] as number;

/**
 * Bidirectional LSTM / GRU: Transpose to [T, b, C] → LSTM/GRU(direction bidirectional) with W, R, B stacked
 * [forward; backward] (each converted as for lstm / gru) → last states Y_h [2, b, u] → Transpose(1, 0, 2) →
 * Reshape [0, 2u]; or sequences Y [T, 2, b, u] → Transpose(2, 0, 1, 3) → Reshape [0, 0, 2u]. Forward units first,
 * as tfjs' concat; ONNX's reverse direction is already aligned with the input time steps, as tfjs re-aligns it.
 */
function bidirectional(ctx: OnnxEmitContext, node: Extract<IRNode, { op: 'bilstm' | 'bigru' }>, x: string, op: 'LSTM' | 'GRU'): string {
  const { g } = ctx;
  const id = node.id;
  const u = node.attrs.units;
  const c = ctx.inputTypes[0]!.shape[2] as number;
  const inner = op === 'LSTM' ? 'lstm' : 'gru';
  const order = op === 'LSTM' ? LSTM_KERAS_GATE_OF_ONNX : GRU_KERAS_GATE_OF_ONNX;
  const gates = order.length;
  const w = (dir: string, name: string) => ctx.weights[wi(node, `${dir}_${inner}/${name}`)]!;
  const stack = (a: Float32Array, b: Float32Array) => {
    const out = new Float32Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  };
  const dirs = ['forward', 'backward'] as const;
  const [Wf, Wb] = dirs.map((d) => gatesToOnnx(w(d, 'kernel'), c, u, order));
  const [Rf, Rb] = dirs.map((d) => gatesToOnnx(w(d, 'recurrent_kernel'), u, u, order));
  const [Bf, Bb] = dirs.map((d) => recurrentBiasToOnnx(w(d, 'bias'), u, order));
  const W = g.addFloat(`${id}/kernel`, [2, gates * u, c], stack(Wf!, Wb!));
  const R = g.addFloat(`${id}/recurrent_kernel`, [2, gates * u, u], stack(Rf!, Rb!));
  const B = g.addFloat(`${id}/bias`, [2, 2 * gates * u], stack(Bf!, Bb!));
  const act = (a: 'sigmoid' | 'tanh'): string => (a === 'sigmoid' ? 'Sigmoid' : 'Tanh');
  const one =
    op === 'LSTM'
      ? [act(node.attrs.recurrentActivation), act(node.attrs.activation), act(node.attrs.activation)]
      : [act(node.attrs.recurrentActivation), act(node.attrs.activation)];
  const attrs = { hidden_size: u, direction: 'bidirectional', activations: [...one, ...one], ...(op === 'GRU' ? { linear_before_reset: 0 } : {}) };
  const [Y, Yh] = g.addNode(id, op, [g.op(id, 'Transpose', [x], { perm: [1, 0, 2] }), W, R, B], attrs, 2);
  if (!node.attrs.returnSequences)
    return g.op(id, 'Reshape', [g.op(id, 'Transpose', [Yh!], { perm: [1, 0, 2] }), g.constInt64(id, 'shape', [0, 2 * u])]);
  return g.op(id, 'Reshape', [g.op(id, 'Transpose', [Y!], { perm: [2, 0, 1, 3] }), g.constInt64(id, 'shape', [0, 0, 2 * u])]);
}

/** NWC → Transpose(0, 2, 1) → MaxPool / AveragePool(kernel_shape, strides, auto_pad) → Transpose(0, 2, 1). */
function pool1d(ctx: OnnxEmitContext, node: Extract<IRNode, { op: 'max_pool1d' | 'avg_pool1d' }>, x: string, op: 'MaxPool' | 'AveragePool'): string {
  const { g } = ctx;
  const a = node.attrs;
  const y = g.op(node.id, op, [g.op(node.id, 'Transpose', [x], { perm: [0, 2, 1] })], {
    kernel_shape: [a.poolSize],
    strides: [a.strides],
    // TensorFlow's `same` puts the odd padding at the end, as SAME_UPPER does; padded cells never win a max.
    auto_pad: a.padding === 'valid' ? 'VALID' : 'SAME_UPPER',
    ...(op === 'AveragePool' ? { count_include_pad: 0 } : {}),
  });
  return g.op(node.id, 'Transpose', [y], { perm: [0, 2, 1] });
}

export const MORE_ONNX_OPS: { [K in MoreOps]: OnnxEmit<K> } = {
  /**
   * h_k = Tanh(MatMul(x_k, w_k)); g = MatMul(Concat(x_1 … x_K, axis 1), w_z).
   * K = 2: z = Sigmoid(g), y = z·h_1 + (1 − z)·h_2. K > 2: z = Softmax(Reshape(g, [0, K, D]), axis 1),
   * y = Sum_k Gather(z, k, axis 1)·h_k.
   */
  gmu: (ctx, node, xs) => {
    const { g } = ctx;
    const id = node.id;
    const K = xs.length;
    const D = node.attrs.dim;
    const hs = xs.map((x, k) => g.op(id, 'Tanh', [g.op(id, 'MatMul', [x, init(ctx, node, `w_${k + 1}`)])]));
    const logits = g.op(id, 'MatMul', [g.op(id, 'Concat', xs, { axis: 1 }), init(ctx, node, 'w_z')]);
    if (K === 2) {
      const z = g.op(id, 'Sigmoid', [logits]);
      const rest = g.op(id, 'Sub', [g.constFloat(id, 'one', [1]), z]);
      return g.op(id, 'Add', [g.op(id, 'Mul', [z, hs[0]!]), g.op(id, 'Mul', [rest, hs[1]!])]);
    }
    const z = g.op(id, 'Softmax', [g.op(id, 'Reshape', [logits, g.constInt64(id, 'gate_shape', [0, K, D])])], { axis: 1 });
    const terms = hs.map((h, k) => g.op(id, 'Mul', [g.op(id, 'Gather', [z, g.constInt64(id, `k${k}`, [k], [])], { axis: 1 }), h]));
    return g.op(id, 'Sum', terms);
  },

  /**
   * z_k = Pad(x_k, [0, 0, 0, 1], 1) = [x_k; 1]; acc = z_1; for each next z: acc = Reshape(Mul(Unsqueeze(acc, 2),
   * Unsqueeze(z, 1)), [0, n·m]) — the row-major flattened outer product, x_1 the slowest index.
   */
  tensor_fusion: (ctx, node, xs) => {
    const { g } = ctx;
    const id = node.id;
    let acc = appendOne(ctx, id, xs[0]!);
    let n = width(ctx, 0) + 1;
    for (let k = 1; k < xs.length; k++) {
      const m = width(ctx, k) + 1;
      const outer = g.op(id, 'Mul', [unsqueeze(ctx, id, acc, [2]), unsqueeze(ctx, id, appendOne(ctx, id, xs[k]!), [1])]);
      n *= m;
      acc = g.op(id, 'Reshape', [outer, g.constInt64(id, `shape_${k}`, [0, n])]);
    }
    return acc;
  },

  /**
   * f_k = MatMul([x_k; 1] [b, n_k], factor_k [R, n_k, D]) → [R, b, D] (MatMul broadcasts the 2-D operand);
   * y = ReduceSum(Mul(f_1 ⊙ … ⊙ f_K, λ as [R, 1, 1]), axes [0], keepdims 0) + bias → [b, D].
   */
  low_rank_fusion: (ctx, node, xs) => {
    const { g } = ctx;
    const id = node.id;
    const R = node.attrs.rank;
    const fs = xs.map((x, k) => g.op(id, 'MatMul', [appendOne(ctx, id, x), init(ctx, node, `factor_${k + 1}`)]));
    let prod = fs[0]!;
    for (const f of fs.slice(1)) prod = g.op(id, 'Mul', [prod, f]);
    const weighted = g.op(id, 'Mul', [prod, init(ctx, node, 'fusion_weights', [R, 1, 1])]);
    const sum = g.op(id, 'ReduceSum', [weighted, g.constInt64(id, 'axes_0', [0])], { keepdims: 0 });
    return g.op(id, 'Add', [sum, init(ctx, node, 'bias')]);
  },

  /** γ = Gemm(c, gamma_kernel, gamma_bias), β = Gemm(c, beta_kernel, beta_bias) ([b, d]; Unsqueeze(·, 1) for a sequence x); y = x·γ + β. */
  film: (ctx, node, [x, c]) => {
    const { g } = ctx;
    const id = node.id;
    let gamma = g.op(id, 'Gemm', [c!, init(ctx, node, 'gamma_kernel'), init(ctx, node, 'gamma_bias')]);
    let beta = g.op(id, 'Gemm', [c!, init(ctx, node, 'beta_kernel'), init(ctx, node, 'beta_bias')]);
    if (ctx.inputTypes[0]!.shape.length === 3) {
      gamma = unsqueeze(ctx, id, gamma, [1]);
      beta = unsqueeze(ctx, id, beta, [1]);
    }
    return g.op(id, 'Add', [g.op(id, 'Mul', [x!, gamma]), beta]);
  },

  bilstm: (ctx, node, [x]) => bidirectional(ctx, node, x!, 'LSTM'),
  bigru: (ctx, node, [x]) => bidirectional(ctx, node, x!, 'GRU'),
  max_pool1d: (ctx, node, [x]) => pool1d(ctx, node, x!, 'MaxPool'),
  avg_pool1d: (ctx, node, [x]) => pool1d(ctx, node, x!, 'AveragePool'),

  /**
   * BatchNormalization(X, gamma, beta, moving_mean, moving_variance, epsilon) (inference mode) wants channels on
   * axis 1: a vector [b, C] goes straight in; [b, …, C] is transposed to [b, C, …] and back.
   */
  batch_norm: (ctx, node, [x]) => {
    const { g } = ctx;
    const id = node.id;
    const rank = ctx.inputTypes[0]!.shape.length;
    const params = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((n) => init(ctx, node, n));
    const attrs = { epsilon: { float: node.attrs.epsilon } };
    if (rank === 2) return g.op(id, 'BatchNormalization', [x!, ...params], attrs);
    const middle = Array.from({ length: rank - 2 }, (_, i) => i + 1);
    const cf = g.op(id, 'Transpose', [x!], { perm: [0, rank - 1, ...middle] });
    const y = g.op(id, 'BatchNormalization', [cf, ...params], attrs);
    return g.op(id, 'Transpose', [y], { perm: [0, ...middle.map((i) => i + 1), 1] });
  },

  /** LayerNormalization(X, gamma, beta, axis −1, epsilon) (opset 17). */
  layer_norm: (ctx, node, [x]) =>
    ctx.g.op(node.id, 'LayerNormalization', [x!, init(ctx, node, 'gamma'), init(ctx, node, 'beta')], {
      axis: -1,
      epsilon: { float: node.attrs.epsilon },
    }),
};
