/**
 * The training runtime: `runTraining` (data → train → evaluate → save), the loop and evaluation pieces it is
 * made of, and prediction/evaluation helpers for saved models.
 */
export { runTraining, sampleRows, OUTPUT_FILES, PREPROCESS_FORMAT, PREPROCESS_VERSION } from './run.ts';
export { fitModel, makeOptimizer, validateTrainSpec, epochSeed, balancedClassWeights, type FitOptions, type FitResult } from './fit.ts';
export { predictSplit, evaluateSplit, headProbabilities, headClasses, EVAL_BATCH_SIZE, type SplitEvaluation } from './evaluate.ts';
export { bindInputs, batchInputs, batchTargets, type InputBinding } from './batch.ts';
export { TrainedModel, predictTfjs, evaluateModel, readPreprocess, type PreprocessFile, type Predictions } from './predict.ts';
export { TrainingProgress } from './progress.ts';
export {
  saveCheckpoint,
  loadCheckpoint,
  removeCheckpoint,
  encodeCheckpoint,
  decodeCheckpoint,
  CHECKPOINT_FILE,
  type CheckpointState,
  type SavedTensor,
} from './checkpoint.ts';
export { LrScheduler, validateSchedule, describeSchedule, setOptimizerLr, type LrSchedule, type SchedulerState } from './schedule.ts';
export { withSeededRandom, randomState, setRandomState, SeededRandom } from './seed.ts';
export {
  NonFiniteLossError,
  type TrainSpec,
  type HeadSpec,
  type RunTrainingOptions,
  type TrainingResult,
  type EpochRecord,
  type Timings,
} from './types.ts';
