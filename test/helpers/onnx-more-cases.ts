/**
 * Hand-built IR models for the fusion operators gmu, tensor_fusion, low_rank_fusion, film (FUSION_CASES) and for
 * bidirectional LSTM / GRU, 1-D pooling windows, batch_norm and layer_norm (SEQ_CASES), shared by the parity tests
 * test/onnx-parity-fusion.test.ts and test/onnx-parity-seq.test.ts.
 */
import type { OpAttrs } from '../../compiler/ir.ts';
import { irModel } from './ir-builder.ts';
import type { OnnxCase } from './onnx-cases.ts';

const rnn = { activation: 'tanh', recurrentActivation: 'sigmoid' } as const;

/** Tabular inputs of the given widths, each through tanh(dense) so the fused vectors are not raw inputs. */
function vectors(name: string, widths: number[]) {
  const b = irModel(name);
  const xs = widths.map((w, i) => b.tabular(`m${i + 1}`, w));
  return { b, xs };
}

/** text [b, T] → embedding [b, T, D]. */
function embedded(name: string, t = 7, vocab = 50, d = 8) {
  const b = irModel(name);
  const e = b.node('embedding', 'tokens_embedding', [b.text('tokens', t, vocab)], { inputDim: vocab, outputDim: d });
  return { b, e };
}

export const FUSION_CASES: OnnxCase[] = [
  ...([
    [[3, 5], 4],
    [[3, 5, 2], 6],
    [[4, 4, 4, 4], 3],
  ] as const).map(
    ([widths, dim]): OnnxCase => ({
      name: `gmu of ${widths.length} (${widths.join(', ')} → ${dim})${widths.length === 2 ? ', sigmoid gate' : ', softmax gate'}`,
      build: () => {
        const { b, xs } = vectors('Gmu', [...widths]);
        return b.build(b.node('gmu', 'gmu', xs, { dim, count: xs.length }));
      },
    }),
  ),
  ...([[3, 4], [2, 3, 4], [1, 1]] as const).map(
    (widths): OnnxCase => ({
      name: `tensor_fusion of ${widths.join(', ')} → ${widths.reduce((p: number, d) => p * (d + 1), 1)}`,
      build: () => {
        const { b, xs } = vectors('TensorFusion', [...widths]);
        return b.build(b.node('tensor_fusion', 'tf', xs, { count: xs.length }));
      },
    }),
  ),
  ...([
    [[3, 5], 4, 3],
    [[3, 5, 2], 6, 1],
    [[6, 2, 3], 5, 8],
  ] as const).map(
    ([widths, dim, rank]): OnnxCase => ({
      name: `low_rank_fusion of ${widths.join(', ')} → ${dim}, rank ${rank}`,
      build: () => {
        const { b, xs } = vectors('Lmf', [...widths]);
        return b.build(b.node('low_rank_fusion', 'lmf', xs, { dim, rank, count: xs.length }));
      },
    }),
  ),
  {
    name: 'film of a vector [b, 6] by [b, 3]',
    build: () => {
      const { b, xs } = vectors('FilmVec', [6, 3]);
      return b.build(b.node('film', 'film', xs, {}));
    },
  },
  {
    name: 'film of a sequence [b, 7, 8] by [b, 4] (broadcast over time)',
    build: () => {
      const { b, e } = embedded('FilmSeq');
      return b.build(b.node('film', 'film', [e, b.tabular('cond', 4)], {}));
    },
  },
  {
    name: 'model: text lstm + tabular → gmu → low_rank_fusion with a third → film → dense softmax',
    build: () => {
      const { b, e } = embedded('FusionModel', 9, 60, 8);
      const l = b.node('lstm', 'text_lstm', [e], { units: 6, returnSequences: false, ...rnn });
      const t = b.node('dense', 'meta_dense', [b.tabular('meta', 5)], { units: 4, activation: 'relu', useBias: true });
      const g = b.node('gmu', 'joint_gmu', [l, t], { dim: 6, count: 2 });
      const extra = b.tabular('extra', 3);
      const f = b.node('low_rank_fusion', 'lmf', [g, t, extra], { dim: 5, rank: 2, count: 3 });
      const m = b.node('film', 'film', [f, extra], {});
      return b.build(b.node('dense', 'head', [m], { units: 3, activation: 'softmax', useBias: true }), { name: 'cls', classes: 3 });
    },
  },
];

const pool = (poolSize: number, strides: number, padding: 'valid' | 'same'): OpAttrs['max_pool1d'] => ({ poolSize, strides, padding });

export const SEQ_CASES: OnnxCase[] = [
  ...(['bilstm', 'bigru'] as const).flatMap((op) =>
    [false, true].map(
      (seq): OnnxCase => ({
        name: `${op}${seq ? ' returnSequences [b, T, 2u]' : ' last states [b, 2u]'}`,
        build: () => {
          const { b, e } = embedded(op);
          const attrs = { units: 5, returnSequences: seq, ...rnn };
          const n = op === 'bilstm' ? b.node('bilstm', 'bi', [e], attrs) : b.node('bigru', 'bi', [e], { ...attrs, resetAfter: false });
          return b.build(n);
        },
      }),
    ),
  ),
  ...(
    [
      ['valid k3 s2', pool(3, 2, 'valid')],
      ['valid k2 s2 (odd length drops a step)', pool(2, 2, 'valid')],
      ['same k3 s2 (padding 1/1)', pool(3, 2, 'same')],
      ['same k4 s3 (padding 1 before, 2 after)', pool(4, 3, 'same')],
      ['same k2 s1 (padding 0/1)', pool(2, 1, 'same')],
    ] as const
  ).flatMap(([label, a]) =>
    (['max_pool1d', 'avg_pool1d'] as const).map(
      (op): OnnxCase => ({
        name: `${op} ${label}`,
        build: () => {
          const { b, e } = embedded(op);
          return b.build(b.node(op, 'pool', [e], a));
        },
      }),
    ),
  ),
  {
    name: 'batch_norm of a vector [b, 6]',
    build: () => {
      const b = irModel('BatchNorm2');
      return b.build(b.node('batch_norm', 'bn', [b.tabular('features', 6)], { epsilon: 1e-3, momentum: 0.99 }));
    },
  },
  {
    name: 'batch_norm of a sequence [b, 7, 8] (Transpose to channels first)',
    build: () => {
      const { b, e } = embedded('BatchNorm3');
      return b.build(b.node('batch_norm', 'bn', [e], { epsilon: 1e-3, momentum: 0.99 }));
    },
  },
  {
    name: 'layer_norm of a vector [b, 6]',
    build: () => {
      const b = irModel('LayerNorm2');
      return b.build(b.node('layer_norm', 'ln', [b.tabular('features', 6)], { epsilon: 1e-3 }));
    },
  },
  {
    name: 'layer_norm of a sequence [b, 7, 8]',
    build: () => {
      const { b, e } = embedded('LayerNorm3');
      return b.build(b.node('layer_norm', 'ln', [e], { epsilon: 1e-3 }));
    },
  },
  {
    name: 'model: embedding → conv1d → max_pool1d → batch_norm → bilstm sequences → layer_norm → bigru → dense',
    build: () => {
      const { b, e } = embedded('SeqModel', 16, 80, 8);
      const c = b.node('conv1d', 'conv', [e], { filters: 6, kernelSize: 3, strides: 1, padding: 'same', dilation: 1, activation: 'relu', useBias: true });
      const p = b.node('max_pool1d', 'pool', [c], pool(2, 2, 'valid'));
      const n = b.node('batch_norm', 'bn', [p], { epsilon: 1e-3, momentum: 0.99 });
      const l = b.node('bilstm', 'bilstm', [n], { units: 4, returnSequences: true, ...rnn });
      const ln = b.node('layer_norm', 'ln', [l], { epsilon: 1e-3 });
      const g = b.node('bigru', 'bigru', [ln], { units: 3, returnSequences: false, ...rnn, resetAfter: false });
      return b.build(b.node('dense', 'head', [g], { units: 1, activation: 'sigmoid', useBias: true }), { name: 'spam' });
    },
  },
];
