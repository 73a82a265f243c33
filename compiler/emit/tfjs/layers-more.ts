/**
 * tfjs layers for the fusion operators gmu, tensor_fusion, low_rank_fusion, film (runtime custom layers), the
 * bidirectional LSTM / GRU (runtime `Bidirectional`, a tfjs Bidirectional wrapper built from a plain JSON config),
 * 1-D pooling windows and normalisation (stock layers). Spread into TFJS_LAYERS (layers.ts).
 */
import type { IRNode } from '../../ir.ts';
import type { TfjsLayerDesc } from './layers.ts';

type MoreOps = 'gmu' | 'tensor_fusion' | 'low_rank_fusion' | 'film' | 'bilstm' | 'bigru' | 'max_pool1d' | 'avg_pool1d' | 'batch_norm' | 'layer_norm';
type Emit<K extends MoreOps> = (node: Extract<IRNode, { op: K }>) => TfjsLayerDesc;
const tf = (name: string, config: Record<string, unknown>): TfjsLayerDesc => ({ factory: { ns: 'tf', name }, config });
const mmf = (name: string, config: Record<string, unknown>): TfjsLayerDesc => ({ factory: { ns: 'mmf', name }, config });

/**
 * The wrapped RNN as Keras serialises it ({className, config}); the inner layer is named `lstm` / `gru`, so its
 * weights are `<id>/forward_lstm/kernel` … `<id>/backward_lstm/bias` (the IR's weight names).
 */
function bidirectional(n: Extract<IRNode, { op: 'bilstm' | 'bigru' }>, className: 'LSTM' | 'GRU'): TfjsLayerDesc {
  const a = n.attrs;
  return mmf('Bidirectional', {
    name: n.id,
    mergeMode: 'concat',
    layer: {
      className,
      config: {
        name: className.toLowerCase(),
        units: a.units,
        returnSequences: a.returnSequences,
        activation: a.activation,
        // tfjs defaults to hardSigmoid; mmf says sigmoid so ONNX agrees (as for lstm / gru).
        recurrentActivation: a.recurrentActivation,
      },
    },
  });
}

export const MORE_TFJS_LAYERS: { [K in MoreOps]: Emit<K> } = {
  gmu: (n) => mmf('GatedMultimodalUnit', { name: n.id, dim: n.attrs.dim }),
  tensor_fusion: (n) => mmf('TensorFusion', { name: n.id }),
  low_rank_fusion: (n) => mmf('LowRankFusion', { name: n.id, dim: n.attrs.dim, rank: n.attrs.rank }),
  film: (n) => mmf('FiLM', { name: n.id }),
  bilstm: (n) => bidirectional(n, 'LSTM'),
  bigru: (n) => bidirectional(n, 'GRU'),
  max_pool1d: (n) => tf('maxPooling1d', { name: n.id, poolSize: n.attrs.poolSize, strides: n.attrs.strides, padding: n.attrs.padding }),
  avg_pool1d: (n) => tf('averagePooling1d', { name: n.id, poolSize: n.attrs.poolSize, strides: n.attrs.strides, padding: n.attrs.padding }),
  batch_norm: (n) => tf('batchNormalization', { name: n.id, axis: -1, epsilon: n.attrs.epsilon, momentum: n.attrs.momentum }),
  layer_norm: (n) => tf('layerNormalization', { name: n.id, axis: -1, epsilon: n.attrs.epsilon }),
};
