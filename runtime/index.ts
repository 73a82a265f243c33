/**
 * `mmf/runtime`: everything generated code (and the CLI) imports from the runtime, and nothing else.
 *
 * Generated `<Model>.model.ts` uses `tf` as the tfjs namespace (`tf.input`, `tf.layers.dense`, the type
 * `tf.LayersModel`) and `layers.<Name>` for mmf's custom layers; generated `<Model>.train.ts` uses
 * `initBackend`, `parseTrainArgs`, `runTraining` and the `DataSpec`/`TrainSpec`/`HeadSpec` types.
 *
 * `tf` here is the `@tensorflow/tfjs` namespace itself — the very module instance runtime/backend.ts drives —
 * so it is usable as a value and as a type namespace. The function form lives on as `getTf()`.
 */
export * as tf from '@tensorflow/tfjs';
export { initBackend, tf as getTf, currentBackend, type BackendInfo, type BackendName, type InitBackendOptions, type Tf } from './backend.ts';
export { parseTrainArgs, type TrainArgs } from './cli-args.ts';
export * from './metrics.ts';
export * from './train/index.ts';
export * from './ensemble/index.ts';
export {
  loadData,
  transformRows,
  subset,
  batches,
  formatReport,
  stateFromJSON,
  stateToJSON,
  DataError,
  type DataSpec,
  type DatasetSpec,
  type SourceSpec,
  type SplitSpec,
  type InputSpec,
  type LabelSpec,
  type SplitData,
  type SplitName,
  type Feature,
  type DataReport,
  type PreprocessorState,
  type Row,
} from './data/index.ts';
export { OnnxPredictor, type OnnxFeed } from './onnx.ts';
export { layers, CUSTOM_LAYER_CLASSES, type MultiHeadAttentionArgs } from './layers/index.ts';
export { saveModel, loadModel, loadModelArtifacts, MODEL_JSON, WEIGHTS_BIN } from './io.ts';
export { onnxParity, type ParityReport } from './parity.ts';
export { runProgram } from './program.ts';
export { learningCurvesSvg, confusionMatrixSvg, robustnessSvg, htmlReport, escapeXml, type ReportContent, type ReportTable } from './plots.ts';
export { perturbSplit, parseNoise, featureStd, perturbKindOf, type Perturbation, type PerturbKind } from './robustness.ts';
