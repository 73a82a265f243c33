/**
 * How each IR op becomes a tfjs layer: a factory and a plain-JSON config. The code printer
 * (model.ts) turns this into readable TypeScript, and tests instantiate the same description directly,
 * so generated code and test harnesses cannot drift apart.
 */
import type { Activation, IRNode, OpName } from '../../ir.ts';
import { MORE_TFJS_LAYERS } from './layers-more.ts';
import { VIDEO_TFJS_LAYERS } from './layers-video.ts';
import { TRANSFORMER_TFJS_LAYERS } from './layers-transformer.ts';

/** `tf.layers.<name>` or a runtime custom layer class exported by `mmf/runtime` as `layers.<name>`. */
export type LayerFactory = { ns: 'tf'; name: string } | { ns: 'mmf'; name: string };

export interface TfjsLayerDesc {
  factory: LayerFactory;
  /** JSON-serialisable layer config, including `name` (the node id). */
  config: Record<string, unknown>;
  /** For a wrapper (tf.layers.timeDistributed): the layer it wraps, passed as the config's `layer` entry. */
  wrapped?: TfjsLayerDesc;
}

/** tfjs activation identifiers for IR activations (tfjs spells a few differently). */
const ACT: Record<Activation, string> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  elu: 'elu',
  selu: 'selu',
  gelu: 'gelu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  softmax: 'softmax',
  softplus: 'softplus',
  softsign: 'softsign',
  swish: 'swish',
};

type Emit<K extends OpName> = (node: Extract<IRNode, { op: K }>) => TfjsLayerDesc;
const tf = (name: string, config: Record<string, unknown>): TfjsLayerDesc => ({ factory: { ns: 'tf', name }, config });
const mmf = (name: string, config: Record<string, unknown>): TfjsLayerDesc => ({ factory: { ns: 'mmf', name }, config });

export const TFJS_LAYERS: { [K in OpName]: Emit<K> } = {
  embedding: (n) => tf('embedding', { name: n.id, inputDim: n.attrs.inputDim, outputDim: n.attrs.outputDim }),
  conv1d: (n) =>
    tf('conv1d', {
      name: n.id,
      filters: n.attrs.filters,
      kernelSize: n.attrs.kernelSize,
      strides: n.attrs.strides,
      padding: n.attrs.padding,
      dilationRate: n.attrs.dilation,
      activation: ACT[n.attrs.activation],
      useBias: n.attrs.useBias,
    }),
  // tfjs defaults recurrentActivation to hardSigmoid; say sigmoid so ONNX and PyTorch agree.
  lstm: (n) =>
    tf('lstm', {
      name: n.id,
      units: n.attrs.units,
      returnSequences: n.attrs.returnSequences,
      activation: n.attrs.activation,
      recurrentActivation: n.attrs.recurrentActivation,
    }),
  gru: (n) =>
    tf('gru', {
      name: n.id,
      units: n.attrs.units,
      returnSequences: n.attrs.returnSequences,
      activation: n.attrs.activation,
      recurrentActivation: n.attrs.recurrentActivation,
    }),
  global_max_pool1d: (n) => tf('globalMaxPooling1d', { name: n.id }),
  global_avg_pool1d: (n) => tf('globalAveragePooling1d', { name: n.id }),
  dense: (n) => tf('dense', { name: n.id, units: n.attrs.units, activation: ACT[n.attrs.activation], useBias: n.attrs.useBias }),
  dropout: (n) => tf('dropout', { name: n.id, rate: n.attrs.rate }),
  activation: (n) => tf('activation', { name: n.id, activation: ACT[n.attrs.fn] }),
  concat: (n) => tf('concatenate', { name: n.id, axis: n.attrs.axis }),
  weighted_sum: (n) => mmf('WeightedSum', { name: n.id }),
  mha: (n) => mmf('MultiHeadAttention', { name: n.id, numHeads: n.attrs.numHeads, dim: n.attrs.dim }),
  reshape: (n) => tf('reshape', { name: n.id, targetShape: n.attrs.targetShape }),
  // Images are NHWC (tfjs' default dataFormat channelsLast, said explicitly); pairs are [height, width].
  conv2d: (n) =>
    tf('conv2d', {
      name: n.id,
      filters: n.attrs.filters,
      kernelSize: n.attrs.kernelSize,
      strides: n.attrs.strides,
      padding: n.attrs.padding,
      dilationRate: n.attrs.dilation,
      activation: ACT[n.attrs.activation],
      useBias: n.attrs.useBias,
      dataFormat: 'channelsLast',
    }),
  max_pool2d: (n) =>
    tf('maxPooling2d', { name: n.id, poolSize: n.attrs.poolSize, strides: n.attrs.strides, padding: n.attrs.padding, dataFormat: 'channelsLast' }),
  avg_pool2d: (n) =>
    tf('averagePooling2d', { name: n.id, poolSize: n.attrs.poolSize, strides: n.attrs.strides, padding: n.attrs.padding, dataFormat: 'channelsLast' }),
  global_max_pool2d: (n) => tf('globalMaxPooling2d', { name: n.id, dataFormat: 'channelsLast' }),
  global_avg_pool2d: (n) => tf('globalAveragePooling2d', { name: n.id, dataFormat: 'channelsLast' }),
  // gmu, tensor_fusion, low_rank_fusion, film, bilstm, bigru, max/avg_pool1d, batch_norm, layer_norm
  ...MORE_TFJS_LAYERS,
  // conv3d, time_distributed
  ...VIDEO_TFJS_LAYERS,
  // add, positions, padding_mask
  ...TRANSFORMER_TFJS_LAYERS,
};

/** Why tfjs-layers cannot build a node: the reason (after "<op> '<id>'") and what to change. */
export interface TfjsEmitProblem {
  reason: string;
  hint: string;
}

/**
 * The conditions under which the layer above would not build in tfjs-layers (undefined when it would): tfjs'
 * Conv layers refuse strides > 1 together with dilation > 1 (the checker rejects it too, MMF3001). `tfjsLayer`
 * refuses with this reason, and compiler/capabilities.ts reports it as MMF4004, so the two cannot drift.
 */
export function tfjsCannotEmit(node: IRNode): TfjsEmitProblem | undefined {
  if (node.op === 'time_distributed') return tfjsCannotEmit({ ...node, op: node.attrs.layer.op, attrs: node.attrs.layer.attrs } as IRNode);
  if (node.op !== 'conv1d' && node.op !== 'conv2d') return undefined;
  const strides = [node.attrs.strides].flat();
  const dilation = [node.attrs.dilation].flat();
  if (Math.max(...strides) > 1 && Math.max(...dilation) > 1)
    return {
      reason: `combines strides ${strides.join('×')} with dilation ${dilation.join('×')}, which tfjs-layers refuses`,
      hint: 'Use one of them: strides 1 with the dilation, or dilation 1 with the strides.',
    };
  return undefined;
}

/** The tfjs layer description of one node. Throws when tfjsCannotEmit says tfjs cannot build it. */
export function tfjsLayer(node: IRNode): TfjsLayerDesc {
  const no = tfjsCannotEmit(node);
  if (no) throw new Error(`tfjs export: ${node.op} '${node.id}' ${no.reason}`);
  return (TFJS_LAYERS[node.op] as Emit<OpName>)(node as never);
}
