/**
 * Small hand-built IR models covering every op and a few whole models, shared by the ONNX parity and
 * checker tests. `custom` marks models that need the runtime's custom layers (WeightedSum, MultiHeadAttention).
 */
import type { Activation, IRModel } from '../../compiler/ir.ts';
import { irModel } from './ir-builder.ts';

export interface OnnxCase {
  name: string;
  /** Needs runtime custom layers in tfjs. */
  custom?: boolean;
  /** Float inputs are drawn uniformly from (−floatRange, floatRange); default 2. */
  floatRange?: number;
  build(): IRModel;
}

const ACTIVATIONS: Activation[] = ['linear', 'relu', 'relu6', 'elu', 'selu', 'gelu', 'tanh', 'sigmoid', 'softmax', 'softplus', 'softsign', 'swish'];

const rnn = { activation: 'tanh', recurrentActivation: 'sigmoid' } as const;

/** text [b, T] → embedding [b, T, D]. */
function embedded(name: string, t = 7, vocab = 50, d = 8) {
  const b = irModel(name);
  const x = b.text('tokens', t, vocab);
  const e = b.node('embedding', 'tokens_embedding', [x], { inputDim: vocab, outputDim: d });
  return { b, e };
}

export const OP_CASES: OnnxCase[] = [
  {
    name: 'embedding',
    build: () => {
      const { b, e } = embedded('Embedding');
      return b.build(e);
    },
  },
  ...(
    [
      ['valid k3 s1 relu', { kernelSize: 3, strides: 1, padding: 'valid', dilation: 1, activation: 'relu', useBias: true }],
      ['same k4 s2 (odd padding at the end)', { kernelSize: 4, strides: 2, padding: 'same', dilation: 1, activation: 'linear', useBias: true }],
      ['same k3 dilation 2, no bias', { kernelSize: 3, strides: 1, padding: 'same', dilation: 2, activation: 'tanh', useBias: false }],
      ['valid k2 s3', { kernelSize: 2, strides: 3, padding: 'valid', dilation: 1, activation: 'linear', useBias: true }],
    ] as const
  ).map(([label, a]): OnnxCase => ({
    name: `conv1d ${label}`,
    build: () => {
      const { b, e } = embedded('Conv1d', 9);
      return b.build(b.node('conv1d', 'conv', [e], { filters: 6, ...a }));
    },
  })),
  ...[false, true].map(
    (seq): OnnxCase => ({
      name: `lstm${seq ? ' returnSequences' : ''}`,
      build: () => {
        const { b, e } = embedded('Lstm');
        return b.build(b.node('lstm', 'lstm', [e], { units: 5, returnSequences: seq, ...rnn }));
      },
    }),
  ),
  ...[false, true].map(
    (seq): OnnxCase => ({
      name: `gru${seq ? ' returnSequences' : ''}`,
      build: () => {
        const { b, e } = embedded('Gru');
        return b.build(b.node('gru', 'gru', [e], { units: 5, returnSequences: seq, ...rnn, resetAfter: false }));
      },
    }),
  ),
  {
    name: 'global_max_pool1d',
    build: () => {
      const { b, e } = embedded('MaxPool');
      return b.build(b.node('global_max_pool1d', 'pool', [e], {}));
    },
  },
  {
    name: 'global_avg_pool1d',
    build: () => {
      const { b, e } = embedded('AvgPool');
      return b.build(b.node('global_avg_pool1d', 'pool', [e], {}));
    },
  },
  {
    name: 'dense rank 2 (Gemm)',
    build: () => {
      const b = irModel('Dense2');
      return b.build(b.node('dense', 'dense', [b.tabular('features', 6)], { units: 4, activation: 'linear', useBias: true }));
    },
  },
  {
    name: 'dense rank 2 without bias',
    build: () => {
      const b = irModel('Dense2NoBias');
      return b.build(b.node('dense', 'dense', [b.tabular('features', 6)], { units: 4, activation: 'relu', useBias: false }));
    },
  },
  {
    name: 'dense rank 3 (MatMul + Add)',
    build: () => {
      const { b, e } = embedded('Dense3');
      return b.build(b.node('dense', 'dense', [e], { units: 3, activation: 'sigmoid', useBias: true }));
    },
  },
  {
    name: 'dropout',
    build: () => {
      const b = irModel('Dropout');
      const d = b.node('dense', 'dense', [b.tabular('features', 6)], { units: 4, activation: 'linear', useBias: true });
      return b.build(b.node('dropout', 'drop', [d], { rate: 0.5 }));
    },
  },
  ...ACTIVATIONS.map(
    (fn): OnnxCase => ({
      name: `activation ${fn}`,
      // ±8 reaches every regime: relu6's clip at 6, elu/selu's negative branch, softplus' large-x branch.
      floatRange: 8,
      build: () => {
        const b = irModel(`Act_${fn}`);
        return b.build(b.node('activation', 'act', [b.tabular('features', 6)], { fn }));
      },
    }),
  ),
  {
    name: 'concat of vectors (axis 1)',
    build: () => {
      const b = irModel('ConcatVec');
      const a = b.tabular('a', 3);
      const c = b.tabular('c', 5);
      return b.build(b.node('concat', 'cat', [a, c], { axis: 1 }));
    },
  },
  {
    name: 'concat of sequences (time axis 1, channel axis 2)',
    build: () => {
      const { b, e } = embedded('ConcatSeq');
      const d = b.node('dense', 'proj', [e], { units: 8, activation: 'tanh', useBias: true });
      const time = b.node('concat', 'cat_time', [e, d], { axis: 1 });
      const proj = b.node('dense', 'proj2', [time], { units: 8, activation: 'linear', useBias: true });
      return b.build(b.node('concat', 'cat_chan', [time, proj], { axis: 2 }));
    },
  },
  {
    name: 'weighted_sum',
    custom: true,
    build: () => {
      const b = irModel('WSum');
      const xs = ['a', 'c', 'd'].map((n) => b.tabular(n, 4));
      return b.build(b.node('weighted_sum', 'wsum', xs, { count: 3 }));
    },
  },
  {
    name: 'mha (sequences, Tq ≠ Tk)',
    custom: true,
    build: () => {
      const b = irModel('Mha');
      const q = b.node('embedding', 'q_emb', [b.text('q', 5, 30)], { inputDim: 30, outputDim: 8 });
      const v = b.node('embedding', 'v_emb', [b.text('v', 7, 30)], { inputDim: 30, outputDim: 8 });
      return b.build(b.node('mha', 'att', [q, v], { numHeads: 2, dim: 8 }));
    },
  },
  {
    name: 'reshape',
    build: () => {
      const b = irModel('Reshape');
      return b.build(b.node('reshape', 'reshape', [b.tabular('features', 12)], { targetShape: [3, 4] }));
    },
  },
];

export const MODEL_CASES: OnnxCase[] = [
  {
    name: 'text → embedding → conv1d → global_max_pool → dense',
    build: () => {
      const b = irModel('TextCnn');
      const e = b.node('embedding', 'body_embedding', [b.text('body', 24, 200)], { inputDim: 200, outputDim: 16 });
      const c = b.node('conv1d', 'body_conv1d', [e], { filters: 12, kernelSize: 5, strides: 1, padding: 'valid', dilation: 1, activation: 'relu', useBias: true });
      const p = b.node('global_max_pool1d', 'body_pool', [c], {});
      return b.build(b.node('dense', 'head', [p], { units: 1, activation: 'sigmoid', useBias: true }), { name: 'spam' });
    },
  },
  {
    name: 'text → embedding → lstm → dense',
    build: () => {
      const b = irModel('TextLstm');
      const e = b.node('embedding', 'subject_embedding', [b.text('subject', 12, 100)], { inputDim: 100, outputDim: 16 });
      const l = b.node('lstm', 'subject_lstm', [e], { units: 10, returnSequences: false, ...rnn });
      return b.build(b.node('dense', 'head', [l], { units: 3, activation: 'softmax', useBias: true }), { name: 'topic', classes: 3 });
    },
  },
  {
    name: 'text → embedding → gru → dense',
    build: () => {
      const b = irModel('TextGru');
      const e = b.node('embedding', 'subject_embedding', [b.text('subject', 12, 100)], { inputDim: 100, outputDim: 16 });
      const l = b.node('gru', 'subject_gru', [e], { units: 10, returnSequences: false, ...rnn, resetAfter: false });
      return b.build(b.node('dense', 'head', [l], { units: 1, activation: 'sigmoid', useBias: true }), { name: 'spam' });
    },
  },
  {
    name: 'tabular → dense → dense',
    build: () => {
      const b = irModel('Mlp');
      const h = b.node('dense', 'meta_dense', [b.tabular('meta', 6)], { units: 16, activation: 'relu', useBias: true });
      return b.build(b.node('dense', 'head', [h], { units: 4, activation: 'softmax', useBias: true }), { name: 'species', classes: 4 });
    },
  },
  {
    name: '3 inputs → concat → classifier',
    build: () => {
      const b = irModel('Concat3');
      const s = b.node('embedding', 'subj_embedding', [b.text('subject', 8, 60)], { inputDim: 60, outputDim: 8 });
      const sg = b.node('gru', 'subj_gru', [s], { units: 8, returnSequences: false, ...rnn, resetAfter: false });
      const t = b.node('embedding', 'text_embedding', [b.text('body', 20, 120)], { inputDim: 120, outputDim: 8 });
      const tc = b.node('conv1d', 'text_conv1d', [t], { filters: 10, kernelSize: 3, strides: 1, padding: 'same', dilation: 1, activation: 'relu', useBias: true });
      const tp = b.node('global_max_pool1d', 'text_pool', [tc], {});
      const m = b.node('dense', 'meta_dense', [b.tabular('headers', 6)], { units: 6, activation: 'relu', useBias: true });
      const j = b.node('concat', 'joint', [sg, tp, m], { axis: 1 });
      const h = b.node('dense', 'head_hidden', [j], { units: 12, activation: 'relu', useBias: true });
      const d = b.node('dropout', 'head_dropout', [h], { rate: 0.2 });
      return b.build(b.node('dense', 'head', [d], { units: 1, activation: 'sigmoid', useBias: true }), { name: 'spam' });
    },
  },
  {
    name: '3 inputs → weighted_sum → classifier',
    custom: true,
    build: () => {
      const b = irModel('WeightedSum3');
      const s = b.node('embedding', 'subj_embedding', [b.text('subject', 8, 60)], { inputDim: 60, outputDim: 8 });
      const sl = b.node('lstm', 'subj_lstm', [s], { units: 8, returnSequences: false, ...rnn });
      const t = b.node('embedding', 'text_embedding', [b.text('body', 20, 120)], { inputDim: 120, outputDim: 8 });
      const tp = b.node('global_avg_pool1d', 'text_pool', [t], {});
      const m = b.node('dense', 'meta_dense', [b.tabular('headers', 6)], { units: 8, activation: 'tanh', useBias: true });
      const j = b.node('weighted_sum', 'joint', [sl, tp, m], { count: 3 });
      return b.build(b.node('dense', 'head', [j], { units: 3, activation: 'softmax', useBias: true }), { name: 'topic', classes: 3 });
    },
  },
  {
    name: 'attention over projected vectors [b, 1, D]',
    custom: true,
    build: () => {
      const b = irModel('AttnVectors');
      const s = b.node('embedding', 'subj_embedding', [b.text('subject', 8, 60)], { inputDim: 60, outputDim: 8 });
      const sg = b.node('gru', 'subj_gru', [s], { units: 8, returnSequences: false, ...rnn, resetAfter: false });
      const m = b.node('dense', 'meta_dense', [b.tabular('headers', 6)], { units: 8, activation: 'relu', useBias: true });
      const qp = b.node('dense', 'joint_query_proj', [sg], { units: 16, activation: 'linear', useBias: true });
      const vp = b.node('dense', 'joint_value_proj', [m], { units: 16, activation: 'linear', useBias: true });
      const q = b.node('reshape', 'joint_query', [qp], { targetShape: [1, 16] });
      const v = b.node('reshape', 'joint_value', [vp], { targetShape: [1, 16] });
      const a = b.node('mha', 'joint_attention', [q, v], { numHeads: 4, dim: 16 });
      const f = b.node('reshape', 'joint', [a], { targetShape: [16] });
      return b.build(b.node('dense', 'head', [f], { units: 1, activation: 'sigmoid', useBias: true }), { name: 'spam' });
    },
  },
  {
    name: 'attention over sequences',
    custom: true,
    build: () => {
      const b = irModel('AttnSeq');
      const s = b.node('embedding', 'subj_embedding', [b.text('subject', 6, 60)], { inputDim: 60, outputDim: 12 });
      const sl = b.node('lstm', 'subj_lstm', [s], { units: 12, returnSequences: true, ...rnn });
      const t = b.node('embedding', 'text_embedding', [b.text('body', 15, 120)], { inputDim: 120, outputDim: 12 });
      const tc = b.node('conv1d', 'text_conv1d', [t], { filters: 12, kernelSize: 3, strides: 1, padding: 'same', dilation: 1, activation: 'relu', useBias: true });
      const a = b.node('mha', 'joint_attention', [sl, tc], { numHeads: 3, dim: 12 });
      const p = b.node('global_avg_pool1d', 'joint', [a], {});
      return b.build(b.node('dense', 'head', [p], { units: 3, activation: 'softmax', useBias: true }), { name: 'topic', classes: 3 });
    },
  },
];
