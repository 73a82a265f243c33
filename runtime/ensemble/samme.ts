/**
 * AdaBoost with the SAMME rule (Zhu, Zou, Rosset & Hastie, "Multi-class AdaBoost", Statistics and Its Interface
 * 2(3), 2009, Algorithm 2), exactly as scikit-learn's `AdaBoostClassifier(algorithm='SAMME')` implements it
 * (sklearn/ensemble/_weight_boosting.py, `_boost_discrete`, `decision_function`, `predict_proba`).
 *
 * Pure arithmetic on host arrays; the training loop (runtime/ensemble/train.ts) supplies each round's
 * predictions.
 */

/**
 * The weighted training error of one member: err = Σ_i w_i·[ŷ_i ≠ y_i] / Σ_i w_i.
 * @param incorrect one flag per training row (true where the member's class differs from the label)
 * @param weights the current sample weights (≥ 0, not all 0), same length
 * @throws Error on a length mismatch or a zero/negative/non-finite total weight
 */
export function weightedError(incorrect: ArrayLike<boolean | number>, weights: ArrayLike<number>): number {
  if (incorrect.length !== weights.length) throw new Error(`weightedError: ${incorrect.length} flags for ${weights.length} weights`);
  let total = 0;
  let wrong = 0;
  for (let i = 0; i < weights.length; i++) {
    total += weights[i];
    if (incorrect[i]) wrong += weights[i];
  }
  if (!(total > 0) || !Number.isFinite(total)) throw new Error(`weightedError: the sample weights sum to ${total}; they must sum to a positive finite number`);
  return wrong / total;
}

/**
 * The SAMME weight of a member with weighted error `err` among `numClasses` classes (Zhu et al. 2009, eq. in
 * Algorithm 2 step (c); sklearn `_boost_discrete`):
 *
 *     α = lr · ( log((1 − err) / err) + log(K − 1) )
 *
 * α > 0 exactly when err < 1 − 1/K (better than chance). For K = 2 this is AdaBoost.M1's log((1 − err)/err).
 * @param err weighted error in (0, 1)
 * @param numClasses K ≥ 2
 * @param learningRate lr > 0 (sklearn's `learning_rate`, default 1)
 * @throws RangeError for err outside (0, 1), K < 2 or lr ≤ 0
 */
export function sammeAlpha(err: number, numClasses: number, learningRate = 1): number {
  if (!(err > 0 && err < 1)) throw new RangeError(`sammeAlpha: the error must be in (0, 1), got ${err}`);
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new RangeError(`sammeAlpha: need at least 2 classes, got ${numClasses}`);
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new RangeError(`sammeAlpha: the learning rate must be > 0, got ${learningRate}`);
  return learningRate * (Math.log((1 - err) / err) + Math.log(numClasses - 1));
}

/** What one boosting round decided (see {@link sammeRound}). */
export type SammeRound =
  /** Keep the member with weight `alpha`; `weights` are the normalised sample weights for the next round. */
  | { action: 'keep'; err: number; alpha: number; weights: Float64Array }
  /**
   * err = 0: the member fits the weighted training set perfectly. Kept with weight 1 and boosting stops
   * (sklearn returns `estimator_weight = 1.0` and breaks).
   */
  | { action: 'perfect'; err: 0; alpha: 1 }
  /**
   * err ≥ 1 − 1/K: no better than chance. The member is discarded and boosting stops (sklearn pops the
   * estimator; with no member kept at all it raises "worse than random, ensemble can not be fit").
   */
  | { action: 'discard'; err: number };

/**
 * One SAMME round (sklearn `_boost_discrete` followed by the normalisation in `fit`):
 * 1. err = weighted error of the member;
 * 2. err ≤ 0 → `perfect`; err ≥ 1 − 1/K → `discard`;
 * 3. α = {@link sammeAlpha}(err, K, lr); unless this is the last round, w_i ← w_i · exp(α·[ŷ_i ≠ y_i]) for
 *    w_i > 0 (weights of 0 stay 0), then w ← w / Σw.
 * @param weights current sample weights (not modified)
 * @param last true for the final round (sklearn leaves the weights as they are then)
 */
export function sammeRound(
  incorrect: ArrayLike<boolean | number>,
  weights: ArrayLike<number>,
  numClasses: number,
  learningRate: number,
  last = false,
): SammeRound {
  const err = weightedError(incorrect, weights);
  if (err <= 0) return { action: 'perfect', err: 0, alpha: 1 };
  if (err >= 1 - 1 / numClasses) return { action: 'discard', err };
  const alpha = sammeAlpha(err, numClasses, learningRate);
  const next = Float64Array.from(weights);
  if (!last) for (let i = 0; i < next.length; i++) if (incorrect[i] && next[i] > 0) next[i] *= Math.exp(alpha);
  let sum = 0;
  for (let i = 0; i < next.length; i++) sum += next[i];
  for (let i = 0; i < next.length; i++) next[i] /= sum;
  return { action: 'keep', err, alpha, weights: next };
}

/**
 * SAMME's decision and probabilities for `n` rows from the members' predicted classes (sklearn
 * `decision_function` and `predict_proba` with algorithm='SAMME'):
 *
 *     votes_c = Σ_m α_m·[ŷ_m = c] / Σ_m α_m        p = softmax(votes / (K − 1))
 *
 * The predicted class is argmax votes (ties → the lowest class index, as numpy's argmax). For K = 2 the
 * softmax equals sklearn's binary form softmax([−d/2, d/2]) with d = votes_1 − votes_0.
 * @param predictions one Int32Array of n class indices per member, aligned to the ensemble's class order
 * @param alphas one weight per member
 * @returns votes and probabilities, row-major [n, K], and the decided class per row
 */
export function sammeCombine(predictions: ArrayLike<number>[], alphas: number[], numClasses: number): { votes: Float64Array; probabilities: Float64Array; classes: Int32Array } {
  if (predictions.length !== alphas.length || predictions.length === 0) throw new Error(`sammeCombine: ${predictions.length} members for ${alphas.length} weights`);
  const n = predictions[0].length;
  const K = numClasses;
  let total = 0;
  for (const a of alphas) total += a;
  const votes = new Float64Array(n * K);
  for (let m = 0; m < predictions.length; m++) {
    const p = predictions[m];
    if (p.length !== n) throw new Error(`sammeCombine: member ${m} predicts ${p.length} rows, member 0 ${n}`);
    for (let i = 0; i < n; i++) {
      const c = p[i];
      if (!(c >= 0 && c < K)) throw new RangeError(`sammeCombine: class index ${c} out of range 0..${K - 1}`);
      votes[i * K + c] += alphas[m] / total;
    }
  }
  const probabilities = softmaxRows(votes, K, 1 / (K - 1));
  return { votes, probabilities, classes: argmaxRows(votes, K) };
}

/** Row-wise softmax of `x` ([n, K] row-major) after multiplying by `scale`, stabilised by the row maximum. */
export function softmaxRows(x: ArrayLike<number>, K: number, scale = 1): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / K; r++) {
    let max = -Infinity;
    for (let c = 0; c < K; c++) max = Math.max(max, x[r * K + c] * scale);
    let sum = 0;
    for (let c = 0; c < K; c++) sum += out[r * K + c] = Math.exp(x[r * K + c] * scale - max);
    for (let c = 0; c < K; c++) out[r * K + c] /= sum;
  }
  return out;
}

/** Per row of `x` ([n, K] row-major): the index of the largest value, the lowest index among equals (numpy argmax). */
export function argmaxRows(x: ArrayLike<number>, K: number): Int32Array {
  const n = x.length / K;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < K; c++) if (x[r * K + c] > x[r * K + best]) best = c;
    out[r] = best;
  }
  return out;
}
