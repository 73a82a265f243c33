/**
 * Voting and averaging of member predictions, as scikit-learn's `VotingClassifier` (`_predict` /
 * `predict_proba` in sklearn/ensemble/_voting.py) and `BaggingClassifier.predict_proba` (mean of the members'
 * probabilities).
 *
 * All arrays are row-major [n, K] in the ensemble's class order (align members first: align.ts).
 */
import { argmaxRows } from './samme.ts';

/**
 * Hard voting: per row, argmax_c Σ_m w_m·[ŷ_m = c] (sklearn `np.argmax(np.bincount(x, weights=w))`); ties go to
 * the lowest class index.
 * @param predictions one Int32Array of n class indices per member
 * @param weights one weight ≥ 0 per member (default: all 1)
 * @returns the class index per row and the weighted vote counts [n, K]
 */
export function hardVote(predictions: ArrayLike<number>[], numClasses: number, weights?: number[]): { classes: Int32Array; votes: Float64Array } {
  const w = checkWeights(predictions.length, weights);
  const n = predictions[0].length;
  const votes = new Float64Array(n * numClasses);
  predictions.forEach((p, m) => {
    if (p.length !== n) throw new Error(`hardVote: member ${m} predicts ${p.length} rows, member 0 ${n}`);
    for (let i = 0; i < n; i++) {
      const c = p[i];
      if (!(c >= 0 && c < numClasses)) throw new RangeError(`hardVote: class index ${c} out of range 0..${numClasses - 1}`);
      votes[i * numClasses + c] += w[m];
    }
  });
  return { classes: argmaxRows(votes, numClasses), votes };
}

/**
 * Soft voting: the weighted mean of the members' probabilities, Σ_m w_m·P_m / Σ_m w_m (numpy `average` with
 * weights, as sklearn), and its argmax (ties → lowest class index).
 * @param probabilities one array [n, K] per member
 */
export function softVote(probabilities: ArrayLike<number>[], numClasses: number, weights?: number[]): { classes: Int32Array; probabilities: Float64Array } {
  const w = checkWeights(probabilities.length, weights);
  const len = probabilities[0].length;
  let total = 0;
  for (const x of w) total += x;
  const out = new Float64Array(len);
  probabilities.forEach((p, m) => {
    if (p.length !== len) throw new Error(`softVote: member ${m} gives ${p.length} values, member 0 ${len}`);
    for (let i = 0; i < len; i++) out[i] += (w[m] / total) * p[i];
  });
  return { classes: argmaxRows(out, numClasses), probabilities: out };
}

/** Weights must be one per member, finite, ≥ 0 and not all 0. */
function checkWeights(members: number, weights?: number[]): number[] {
  if (members === 0) throw new Error('voting needs at least one member');
  const w = weights ?? new Array<number>(members).fill(1);
  if (w.length !== members) throw new Error(`${w.length} voting weights for ${members} members`);
  if (w.some((x) => !Number.isFinite(x) || x < 0) || !w.some((x) => x > 0)) throw new Error(`voting weights must be finite, ≥ 0 and not all 0, got [${w.join(', ')}]`);
  return w;
}
