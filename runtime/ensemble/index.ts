/**
 * Ensembles of trained models (voting, bagging, boosting, stacking) with scikit-learn's semantics: the pure
 * arithmetic (this folder's modules) and the training/prediction orchestration (train.ts, predict.ts).
 * docs/ensembles.md states the semantics and their sources.
 */
export { weightedError, sammeAlpha, sammeRound, sammeCombine, softmaxRows, type SammeRound } from './samme.ts';
export * from './folds.ts';
export * from './bootstrap.ts';
export * from './voting.ts';
export * from './align.ts';
export * from './meta.ts';
export * from './combine.ts';
export { runEnsembleTraining, passthroughMatrix, ENSEMBLE_STATE_FILE, type EnsembleSpec, type EnsembleMemberSpec, type RunEnsembleOptions, type EnsembleResult, type ScoredModel } from './train.ts';
export { ensembleOnnxParity } from './parity.ts';
