/**
 * Ensembles of trained models (voting, bagging, boosting, stacking) with scikit-learn's semantics: the pure
 * arithmetic (this folder's modules) and the training/prediction orchestration (train.ts, predict.ts).
 * docs/ensembles.md states the semantics and their sources.
 */
export * from './samme.ts';
export * from './folds.ts';
export * from './bootstrap.ts';
export * from './voting.ts';
export * from './align.ts';
export * from './meta.ts';
