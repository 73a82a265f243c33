/**
 * The trained ensemble's description (`ensemble.json`) and the combiner that turns the members' aligned class
 * probabilities into the ensemble's, for every kind. The ONNX backend builds the same arithmetic as graph nodes
 * (compiler/emit/onnx/ensemble.ts); runtime/ensemble/predict.ts runs this one after tfjs members.
 */
import { alignProbabilities, classPermutations } from './align.ts';
import { predictMeta, stackFeatures, type MetaModel } from './meta.ts';
import { argmaxRows, sammeCombine } from './samme.ts';
import { hardVote, softVote } from './voting.ts';

export const ENSEMBLE_FORMAT = 'mmf-ensemble';
export const ENSEMBLE_VERSION = 1;
export const ENSEMBLE_FILE = 'ensemble.json';

/** One trained model of the ensemble (a voting/stacking member, a bootstrap member, a boosting round). */
export interface EnsembleUnit {
  /** `member-0-SpamNet`, `bag-3`, `round-2`: also its folder under `members/`. */
  id: string;
  /** The model declaration it was built from. */
  model: string;
  /** The unit's class names in its output order (aligned to the ensemble's by name). */
  classes: string[];
  /** Output units of its head: 1 (sigmoid P(positive)) or K (softmax). */
  units: number;
  /** SAMME weight α (boosting only). */
  alpha?: number;
}

/** What `ensemble.json` holds: everything the combiner needs besides the units' weights. */
export interface EnsembleDescription {
  format: typeof ENSEMBLE_FORMAT;
  version: number;
  name: string;
  kind: 'voting' | 'bagging' | 'boosting' | 'stacking';
  /** The ensemble's class order (the first member's, from the data). */
  classes: string[];
  units: EnsembleUnit[];
  voting?: { mode: 'hard' | 'soft'; weights?: number[] };
  /** Stacking: the trained meta-learner and the passthrough inputs appended to its features, in order. */
  meta?: MetaModel;
  passthrough?: { name: string; width: number }[];
}

/**
 * Member outputs → the unit's class probabilities [n, K] in the ensemble's class order: a sigmoid head's P(positive)
 * becomes [1 − p, p]; columns are permuted by class name (align.ts).
 */
export function unitProbabilities(outputs: ArrayLike<number>, unit: EnsembleUnit, classes: string[]): Float64Array {
  const K = classes.length;
  const rows = new Float64Array((outputs.length / unit.units) * K);
  if (unit.units === 1) {
    for (let i = 0; i < outputs.length; i++) {
      rows[2 * i] = 1 - outputs[i];
      rows[2 * i + 1] = outputs[i];
    }
  } else rows.set(outputs as ArrayLike<number>);
  const [perm] = classPermutations([unit.classes], classes);
  return alignProbabilities(rows, perm);
}

/**
 * Combine the units' aligned probabilities ([n, K] each, in `desc.units` order):
 * - voting soft: weighted mean of probabilities (sklearn VotingClassifier voting='soft');
 * - voting hard: weighted vote counts of each unit's argmax class, divided by the total weight (sklearn's
 *   `predict`; sklearn has no probabilities for hard voting, these vote shares stand in for them);
 * - bagging: mean of probabilities (sklearn BaggingClassifier.predict_proba);
 * - boosting: SAMME vote shares and softmax(votes/(K−1)) (sklearn AdaBoostClassifier, algorithm='SAMME');
 * - stacking: the meta-learner on [each unit's probabilities (column 1 only for 2 classes), passthrough].
 * The decided class is the argmax (ties → the lowest class index), except for boosting, where it is the argmax of
 * the votes (the same class, as softmax is monotonic).
 * @param passthrough stacking only: [n, Σ widths] raw passthrough features in `desc.passthrough` order
 */
export function combineEnsemble(desc: EnsembleDescription, unitProbs: Float64Array[], passthrough?: Float64Array): { probabilities: Float64Array; classes: Int32Array } {
  const K = desc.classes.length;
  if (unitProbs.length !== desc.units.length) throw new Error(`${desc.name}: ${unitProbs.length} unit predictions for ${desc.units.length} units`);
  switch (desc.kind) {
    case 'voting': {
      const w = desc.voting?.weights;
      if (desc.voting?.mode === 'soft') return softVote(unitProbs, K, w);
      const { votes, classes } = hardVote(unitProbs.map((p) => argmaxRows(p, K)), K, w);
      const total = (w ?? unitProbs.map(() => 1)).reduce((a, b) => a + b, 0);
      return { probabilities: votes.map((v) => v / total), classes };
    }
    case 'bagging':
      return softVote(unitProbs, K);
    case 'boosting': {
      const r = sammeCombine(unitProbs.map((p) => argmaxRows(p, K)), desc.units.map((u) => u.alpha ?? 1), K);
      return { probabilities: r.probabilities, classes: r.classes };
    }
    case 'stacking': {
      if (!desc.meta) throw new Error(`${desc.name}: stacking without a trained meta-learner`);
      const width = (desc.passthrough ?? []).reduce((a, p) => a + p.width, 0);
      const { x } = stackFeatures(unitProbs, K, width ? { values: passthrough!, width } : undefined);
      const probabilities = predictMeta(desc.meta, x);
      return { probabilities, classes: argmaxRows(probabilities, K) };
    }
  }
}
