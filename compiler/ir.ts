/**
 * The typed model IR: what the checker builds from the AST and what both emitters consume.
 *
 * A model is a DAG of primitive ops in topological order. Each node has a unique, readable id built from the
 * `.mmf` names (`text_conv1d`, `joint_query_proj`): it is the tfjs layer name, the ONNX node-name prefix, and the
 * key that ties trained weights to the node. Surface syntax that expands to several ops (`mlp`, `classifier`,
 * `attention`) is already expanded here.
 */
import type { Range } from '../grammar/diagnostic.ts';
import type { DType, Shape, TensorType } from './shape.ts';

export type Activation =
  | 'linear'
  | 'relu'
  | 'relu6'
  | 'elu'
  | 'selu'
  | 'gelu'
  | 'tanh'
  | 'sigmoid'
  | 'softmax'
  | 'softplus'
  | 'softsign'
  | 'swish';

/**
 * Attributes of each primitive op. Axes count the batch as axis 0. Every field is explicit (no defaults left
 * to a backend), so the two emitters cannot disagree about a default.
 */
export interface OpAttrs {
  /** [b, T] int32 → [b, T, outputDim]. Weights: embeddings [inputDim, outputDim]. */
  embedding: { inputDim: number; outputDim: number };
  /** [b, T, C] → [b, T', filters] (NWC, as tfjs). Weights: kernel [kernelSize, C, filters], bias [filters]. */
  conv1d: {
    filters: number;
    kernelSize: number;
    strides: number;
    padding: 'valid' | 'same';
    dilation: number;
    activation: Activation;
    useBias: boolean;
  };
  /**
   * [b, T, C] → [b, units] (last state) or [b, T, units] (returnSequences).
   * Weights (tfjs order): kernel [C, 4u] (gates i, f, c, o), recurrent_kernel [u, 4u], bias [4u].
   */
  lstm: { units: number; returnSequences: boolean; activation: 'tanh'; recurrentActivation: 'sigmoid' };
  /**
   * [b, T, C] → [b, units] or [b, T, units]. The reset gate applies before the recurrent matmul (Cho et al. 2014;
   * Keras reset_after=False, ONNX linear_before_reset=0): tfjs-layers 4.x rejects reset_after=True.
   * Weights: kernel [C, 3u] (gates z, r, h), recurrent_kernel [u, 3u], bias [3u] (input bias only).
   */
  gru: { units: number; returnSequences: boolean; activation: 'tanh'; recurrentActivation: 'sigmoid'; resetAfter: false };
  /** [b, T, C] → [b, C]: maximum over time. */
  global_max_pool1d: Record<string, never>;
  /** [b, T, C] → [b, C]: mean over time. */
  global_avg_pool1d: Record<string, never>;
  /** [..., C] → [..., units] on the last axis. Weights: kernel [C, units], bias [units]. */
  dense: { units: number; activation: Activation; useBias: boolean };
  /** Identity at inference; drops a `rate` fraction in training. */
  dropout: { rate: number };
  /** Element-wise activation (softmax over the last axis). */
  activation: { fn: Activation };
  /** Join inputs along `axis`; all other dimensions must agree. */
  concat: { axis: number };
  /** y = Σ softmax(w)_k x_k over K same-shape inputs. Weights: w [K] (runtime layer MmfWeightedSum). */
  weighted_sum: { count: number };
  /**
   * Multi-head attention, runtime layer MmfMultiHeadAttention: inputs query [b, Tq, D], value [b, Tk, D], and
   * optionally a padding mask [b, Tk] float (1 keep, 0 pad; a `padding_mask` node).
   * Weights: wq [D,D], bq [D], wk [D,D], bk [D], wv [D,D], bv [D], wo [D,D], bo [D]. Output [b, Tq, D].
   */
  mha: { numHeads: number; dim: number };
  /** Reshape the non-batch dimensions to `targetShape` (no batch entry). */
  reshape: { targetShape: number[] };
  /**
   * 2-D convolution, NHWC as tfjs: [b, H, W, C] → [b, H', W', filters]. Pairs are [height, width].
   * Weights: kernel [kh, kw, C, filters], bias [filters]. strides > 1 and dilation > 1 never occur together
   * (tfjs refuses the combination).
   */
  conv2d: {
    filters: number;
    kernelSize: [number, number];
    strides: [number, number];
    padding: 'valid' | 'same';
    dilation: [number, number];
    activation: Activation;
    useBias: boolean;
  };
  /** Max over each window, NHWC: [b, H, W, C] → [b, H', W', C]. Pairs are [height, width]. */
  max_pool2d: { poolSize: [number, number]; strides: [number, number]; padding: 'valid' | 'same' };
  /**
   * Mean over each window, NHWC: [b, H, W, C] → [b, H', W', C]. With `same` padding the padded cells are not
   * counted (TensorFlow's avg_pool; ONNX AveragePool count_include_pad = 0).
   */
  avg_pool2d: { poolSize: [number, number]; strides: [number, number]; padding: 'valid' | 'same' };
  /** [b, H, W, C] → [b, C]: maximum over height and width. */
  global_max_pool2d: Record<string, never>;
  /** [b, H, W, C] → [b, C]: mean over height and width. */
  global_avg_pool2d: Record<string, never>;
  // --- fusion operators beyond concat / weighted_sum / attention (compiler/ops/fusion-advanced.ts) ---
  /**
   * Gated multimodal unit (Arevalo et al. 2017), runtime layer MmfGMU: x_1 … x_K, [b, d_k] each → [b, dim].
   * h_k = tanh(x_k·w_k); K = 2: z = σ([x_1; x_2]·w_z), y = z ⊙ h_1 + (1 − z) ⊙ h_2 (the paper);
   * K > 2: z = softmax over k of reshape([x_1; …; x_K]·w_z, [b, K, dim]), y = Σ_k z_k ⊙ h_k (our generalisation).
   * Weights: w_1 [d_1, dim] … w_K [d_K, dim], w_z [Σd, dim] (K = 2) or [Σd, K·dim] (K > 2); no biases, as the paper.
   */
  gmu: { dim: number; count: number };
  /**
   * Tensor fusion (Zadeh et al. 2017), runtime layer MmfTensorFusion: x_1 … x_K, [b, d_k] each →
   * [b, Π(d_k + 1)], the flattened outer product of the [x_k; 1] (row-major, x_1 the slowest index). No weights.
   */
  tensor_fusion: { count: number };
  /**
   * Low-rank multimodal fusion (Liu et al. 2018), runtime layer MmfLowRankFusion: x_1 … x_K → [b, dim],
   * y = Σ_r λ_r Π_k ([x_k; 1]·factor_k[r]) + bias.
   * Weights: factor_1 [rank, d_1 + 1, dim] … factor_K, fusion_weights λ [rank], bias [dim].
   */
  low_rank_fusion: { dim: number; rank: number; count: number };
  /**
   * FiLM (Perez et al. 2018), runtime layer MmfFiLM: inputs x [b, d] or [b, T, d] and cond c [b, e] → shape of x;
   * γ = c·gamma_kernel + gamma_bias, β = c·beta_kernel + beta_bias, y = γ ⊙ x + β (γ, β broadcast over time).
   * Weights: gamma_kernel [e, d], gamma_bias [d], beta_kernel [e, d], beta_bias [d].
   */
  film: Record<string, never>;
  // --- sequences (compiler/ops/bidirectional.ts, pool1d.ts, normalization.ts) ---
  /**
   * Bidirectional LSTM (tfjs Bidirectional, mergeMode concat): [b, T, C] → [b, 2u] or [b, T, 2u], forward then
   * backward units. Weights: forward_lstm/{kernel, recurrent_kernel, bias}, then backward_lstm/… as `lstm`.
   */
  bilstm: OpAttrs['lstm'];
  /** Bidirectional GRU, as `bilstm`. Weights: forward_gru/{kernel, recurrent_kernel, bias}, backward_gru/… as `gru`. */
  bigru: OpAttrs['gru'];
  /** Max over windows of time: [b, T, C] → [b, T', C]; T' as conv1d with kernel poolSize. */
  max_pool1d: { poolSize: number; strides: number; padding: 'valid' | 'same' };
  /** Mean over windows of time: [b, T, C] → [b, T', C]; with `same` the padded cells are not counted. */
  avg_pool1d: { poolSize: number; strides: number; padding: 'valid' | 'same' };
  /**
   * Batch normalisation on the last axis (Ioffe & Szegedy 2015), inference form:
   * y = (x − moving_mean) / √(moving_variance + epsilon) · gamma + beta. Shape unchanged.
   * Weights (tfjs order): gamma [C], beta [C], moving_mean [C], moving_variance [C] (the last two not trained).
   */
  batch_norm: { epsilon: number; momentum: number };
  /**
   * Layer normalisation over the last axis (Ba et al. 2016): y = (x − mean) / √(var + epsilon) · gamma + beta,
   * mean and (population) variance per sample and position. Shape unchanged. Weights: gamma [C], beta [C].
   */
  layer_norm: { epsilon: number };
  // --- videos [b, F, H, W, C] (compiler/ops/video.ts) ---
  /**
   * 3-D convolution, channels last as tfjs: [b, F, H, W, C] → [b, F', H', W', filters]; triples are
   * [frames, height, width]. Weights: kernel [kf, kh, kw, C, filters], bias [filters].
   */
  conv3d: {
    filters: number;
    kernelSize: [number, number, number];
    strides: [number, number, number];
    padding: 'valid' | 'same';
    activation: Activation;
    useBias: boolean;
  };
  /**
   * An image op applied to every frame of a video (compiler/ops/time-distributed.ts): x [b, T, H, W, C] →
   * [b, T, …out], where `layer` maps one frame [b, H, W, C] to [b, …out]. One set of weights for all frames: the
   * inner op's weights (tfjs `timeDistributed` names them `<node id>/kernel`, …).
   */
  time_distributed: { layer: TimeDistributedLayer };
  // --- padding masks, residuals, Transformer encoder blocks (compiler/ops/transformer.ts) ---
  /** y = x_1 + x_2 + … element-wise; every input the same shape (residual connections, fusion `add`). */
  add: Record<string, never>;
  /**
   * Positions added to a sequence x [b, T, D] → [b, T, D]: `learned` y = x + embeddings (weight [length, dim]);
   * `sinusoidal` y = x + PE, PE[t, 2i] = sin(t / 10000^(2i/D)), PE[t, 2i+1] = cos(t / 10000^(2i/D)) (Vaswani et al.
   * 2017 §3.5), a constant, no weights. length = T, dim = D.
   */
  positions: { kind: 'learned' | 'sinusoidal'; length: number; dim: number };
  /**
   * A float mask [b, T] for attention keys (1 keep, 0 pad), runtime layer MmfPaddingMask: `ids` from token ids
   * [b, T] int32 (ids ≠ 0; text inputs pad with id 0); `ones` all ones [b, T] from any x [b, T, …] (tokens that are
   * never padding: vector tokens, sequences without a text source).
   */
  padding_mask: { from: 'ids' | 'ones' };
}

export type OpName = keyof OpAttrs;

/** The per-frame ops `time_distributed` can wrap. */
export type TimeDistributedOp = 'conv2d' | 'max_pool2d' | 'avg_pool2d' | 'global_max_pool2d' | 'global_avg_pool2d' | 'reshape';
/** One per-frame op with its attributes (attributes as for the op on an image [b, H, W, C]). */
export type TimeDistributedLayer = { [K in TimeDistributedOp]: { op: K; attrs: OpAttrs[K] } }[TimeDistributedOp];

/** One trained tensor of a node, in the order tfjs `layer.getWeights()` returns them. */
export interface WeightSpec {
  /** tfjs weight name suffix: `kernel`, `bias`, `embeddings`, `recurrent_kernel`, … */
  name: string;
  shape: number[];
}

interface NodeBase {
  id: string;
  /** Ids of the nodes or model inputs feeding this node, in order. */
  inputs: string[];
  out: TensorType;
  weights: WeightSpec[];
  /** Trainable parameter count (sum of weight sizes). */
  params: number;
  /** Multiply–accumulate count ×2 per sample (batch 1), an estimate for the summary table. */
  flops: number;
  /** Where in the source this node came from (the pipeline step). */
  range: Range;
  /** The declaration that produced the node (`text`, `joint`, `SpamNet`). */
  decl: string;
  /**
   * For a layer of a shared encoder definition (`Tower(64, shared a)`, compiler/definitions.ts): the id of the node
   * whose weights this one uses. Its `weights` list the same specs, its `params` are 0 (counted at the owner), and
   * weight maps hold no entry for it: tfjs applies the owner's layer object again, ONNX reads the owner's initializers.
   */
  sharedWith?: string;
}

/** A node of the graph: the op name selects the attribute type. */
export type IRNode = { [K in OpName]: NodeBase & { op: K; attrs: OpAttrs[K] } }[OpName];

/** Preprocessing of one input, as the runtime data pipeline expects it (mirrors runtime/data/spec.ts InputSpec). */
export type InputPlan =
  | { name: string; kind: 'text'; column: string; vocab: number; maxLen: number; lowercase: boolean; tokenizer: 'words' | 'chars' }
  | {
      name: string;
      kind: 'tabular';
      columns: string[];
      normalize: 'zscore' | 'minmax' | 'none';
      impute: 'mean' | 'median' | 'zero' | 'error';
    }
  | { name: string; kind: 'categorical'; column: string; vocab: number }
  /**
   * An image, float32 [b, height, width, channels] (NHWC, as tfjs). The column holds a PNG/JPEG path (relative to
   * the data file), the pixels of an `idx(...)` source, or a flat array of height·width·channels integers 0…255 in
   * row-major HWC order (runtime/data/image.ts, media.ts). normalize: `none` keeps the values, `unit`
   * divides by 255, `zscore` subtracts each channel's training-split mean and divides by its standard deviation.
   */
  | {
      name: string;
      kind: 'image';
      column: string;
      height: number;
      width: number;
      channels: number;
      normalize: 'none' | 'unit' | 'zscore';
    }
  /** audio, timeseries, signal, video (shape-level; compiler/modalities.ts). */
  | import('./modalities.ts').ModalityPlan;

/** A model input: one modality. */
export interface IRInput {
  name: string;
  out: TensorType;
  plan: InputPlan;
  range: Range;
  /** The dataset it reads; set only when the model joins several datasets by key (IRModel.joins). */
  dataset?: string;
}

export type LabelPlan =
  | { name: string; kind: 'binary'; column: string; positive?: string }
  | { name: string; kind: 'multiclass'; column: string; classes?: string[]; numClasses: number }
  /** A real number (regression): `label price: number from d.price`. */
  | { name: string; kind: 'number'; column: string }
  /**
   * Several independent binary targets (multi-label), `names` in output order. With one column, the column holds
   * each row's set of names (a JSON array, or a string split on `separator`); with K columns, column k holds target
   * k as 0/1 (or false/true), and `names` defaults to the column names.
   */
  | { name: string; kind: 'multilabel'; columns: string[]; names: string[]; separator: string };

/**
 * The prediction head. Binary labels end in one sigmoid unit ([b, 1] = P(positive));
 * multi-class labels in a softmax over numClasses ([b, numClasses]); multi-label labels in K independent sigmoid
 * units ([b, K], unit k = P(target k), binary cross-entropy averaged over the units); number labels in one
 * linear unit.
 */
export interface IRHead {
  label: LabelPlan;
  /** Node id whose output is the probabilities. */
  output: string;
  units: number;
  /** `linear` for a regression head (one unit, the predicted number). */
  activation: 'sigmoid' | 'softmax' | 'linear';
  loss: 'binaryCrossentropy' | 'categoricalCrossentropy' | 'meanSquaredError';
  range: Range;
  /** Loss weight in a multi-task model (`heads(…, weights [..])`): the total loss is Σ weight_i · loss_i. */
  weight?: number;
}

export type SplitPlan =
  | { kind: 'random'; train: number; val: number; test: number; seed: number }
  | { kind: 'column'; column: string; train: string[]; val: string[]; test: string[]; valShare?: number; seed?: number };

/** A dataset (mirrors runtime/data/spec.ts SourceSpec; the runtime documents each format's columns). */
export interface DatasetPlan {
  name: string;
  source:
    | { format: 'jsonl' | 'json' | 'csv'; path: string; delimiter?: string }
    | { format: 'folder'; path: string }
    | { format: 'idx'; path: string; labels: string; testImages?: string; testLabels?: string };
  split: SplitPlan;
  /** `key COLUMN`: the column identifying a sample, by which a model joins this dataset's rows to another's. */
  key?: string;
  /** `missing drop|error`: what a join does with samples this dataset has no row for. */
  missing?: 'drop' | 'error';
  range: Range;
}

export interface TrainPlan {
  optimizer: { name: 'adam' | 'sgd' | 'rmsprop' | 'adagrad'; lr: number; momentum?: number };
  epochs: number;
  batchSize: number;
  seed: number;
  earlyStop?: { monitor: 'val_loss' | 'val_accuracy'; patience: number };
  /** Per-class loss weights, indexed like the label's classes. */
  classWeights?: number[];
  /** `class_weights balanced`: weights n / (k · n_c) computed from the training split at training time (scikit-learn's 'balanced'). */
  balancedClassWeights?: boolean;
  /** Learning rate per epoch; the same shape as the runtime's `LrSchedule` (runtime/train/schedule.ts has the formulas). */
  lrSchedule?:
    | { kind: 'step'; every: number; factor: number }
    | { kind: 'exponential'; factor: number }
    | { kind: 'cosine'; minLr: number }
    | { kind: 'reduce_on_plateau'; monitor: 'val_loss' | 'val_accuracy' | 'loss'; patience: number; factor: number; minLr: number };
  range?: Range;
}

export interface IRModel {
  name: string;
  inputs: IRInput[];
  /** Topologically ordered. */
  nodes: IRNode[];
  /** The head; for a multi-task model, the first of `multitask.heads`. */
  head: IRHead;
  /**
   * A multi-task model (`-> heads(classifier(a), regression(b), weights [1, 0.5])`): every head in order (two or
   * more, each with its loss weight), and the range of the `heads(…)` step. The model has one output per head,
   * named after its label; training minimises Σ weight_i · loss_i. Absent for a single-head model.
   */
  multitask?: { heads: IRHead[]; range: Range };
  dataset?: DatasetPlan;
  /** Datasets some inputs read besides the label's `dataset`, joined to it by sample key (every one has a key). */
  joins?: DatasetPlan[];
  train: TrainPlan;
  range: Range;
  /** Source range of every declaration the model's nodes come from (for comments in generated code). */
  declRanges: Record<string, Range>;
  /** For declarations from imported files: the absolute path of their file (their declRanges are in it). */
  declFiles?: Record<string, string>;
}

/** Everything a file defines that the backends can build. */
export interface IRProgram {
  models: IRModel[];
}

/** Trained (or random) weights: node id → tensors in the node's `weights` order. */
export type WeightMap = Map<string, Float32Array[]>;

export type { DType, Shape, TensorType };
