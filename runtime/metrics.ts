/**
 * Classification metrics for the mmf runtime: pure functions on typed arrays (or any `ArrayLike<number>`).
 *
 * Conventions, shared by every function here:
 * - Labels and predictions are class indices `0..k-1` (binary: 0 = negative, 1 = positive).
 * - Binary probabilities are P(class 1), one number per sample. A binary prediction is `p > threshold`
 *   (default 0.5), strictly greater, as tfjs-layers' `binaryAccuracy` and Keras do.
 * - Multiclass probabilities are row-major `[n, k]` in a flat array; a prediction is the row's argmax
 *   (first maximum on ties, as `tf.argMax`).
 * - A ratio whose denominator is 0 (precision with no positive predictions, recall with no positive samples,
 *   F1 with precision = recall = 0) is reported as 0 **and** flagged (`precisionUndefined`, …), never NaN,
 *   so results serialise to JSON unchanged. This is scikit-learn's `zero_division=0` behaviour.
 * - ROC-AUC with only one class present is undefined: `rocAuc` returns `null`.
 *
 * Nothing here allocates tensors; everything runs in O(n) or O(n log n) on the CPU.
 */

/** Anything indexable by sample: Int32Array, Float32Array, number[] … */
export type NumArray = ArrayLike<number>;

function checkSameLength(a: NumArray, b: NumArray, what: string): void {
  if (a.length !== b.length) {
    throw new Error(`${what}: yTrue has ${a.length} samples but the other argument has ${b.length}`);
  }
}

function checkClassIndex(v: number, numClasses: number, what: string, i: number): void {
  if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
    throw new Error(`${what}: sample ${i} has class ${v}, expected an integer in [0, ${numClasses - 1}]`);
  }
}

/**
 * Fraction of samples whose prediction equals the label: `#{i : yTrue[i] = yPred[i]} / n`.
 * Returns 0 for an empty input (there is nothing to be right about); throws if the lengths differ.
 */
export function accuracy(yTrue: NumArray, yPred: NumArray): number {
  checkSameLength(yTrue, yPred, 'accuracy');
  const n = yTrue.length;
  if (n === 0) return 0;
  let ok = 0;
  for (let i = 0; i < n; i++) if (yTrue[i] === yPred[i]) ok++;
  return ok / n;
}

/**
 * Confusion matrix `m[t][p]` = number of samples of true class `t` predicted as class `p`
 * (rows: truth, columns: prediction, as scikit-learn's `confusion_matrix`). Shape `[numClasses, numClasses]`.
 * Throws if a label or prediction is not an integer in `[0, numClasses)`.
 */
export function confusionMatrix(yTrue: NumArray, yPred: NumArray, numClasses: number): number[][] {
  checkSameLength(yTrue, yPred, 'confusionMatrix');
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`confusionMatrix: numClasses must be ≥ 1, got ${numClasses}`);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    checkClassIndex(t, numClasses, 'confusionMatrix (yTrue)', i);
    checkClassIndex(p, numClasses, 'confusionMatrix (yPred)', i);
    m[t][p]++;
  }
  return m;
}

/** Precision, recall and F1 of one class, with flags for the ratios whose denominator was 0. */
export interface ClassScores {
  /** TP / (TP + FP); 0 when nothing was predicted as this class (then `precisionUndefined`). */
  precision: number;
  /** TP / (TP + FN); 0 when the class has no samples (then `recallUndefined`). */
  recall: number;
  /** 2PR / (P + R); 0 when P + R = 0 (then `f1Undefined`). */
  f1: number;
  /** Number of samples whose true class is this one (TP + FN). */
  support: number;
  /** Number of samples predicted as this class (TP + FP). */
  predicted: number;
  truePositives: number;
  precisionUndefined: boolean;
  recallUndefined: boolean;
  f1Undefined: boolean;
}

function scoresFromCounts(tp: number, fp: number, fn: number): ClassScores {
  const predicted = tp + fp;
  const support = tp + fn;
  const precisionUndefined = predicted === 0;
  const recallUndefined = support === 0;
  const precision = precisionUndefined ? 0 : tp / predicted;
  const recall = recallUndefined ? 0 : tp / support;
  const f1Undefined = precision + recall === 0;
  const f1 = f1Undefined ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, support, predicted, truePositives: tp, precisionUndefined, recallUndefined, f1Undefined };
}

/** Unweighted means over classes (scikit-learn `average='macro'`). */
export interface MacroScores {
  precision: number;
  recall: number;
  f1: number;
  /** Indices of the classes averaged over: those present in yTrue or in yPred (as scikit-learn's default labels). */
  classesAveraged: number[];
}

/**
 * Per-class precision, recall and F1 from a confusion matrix (see {@link confusionMatrix}), plus their macro
 * averages. The macro average is taken over the classes that occur in the truth or in the predictions
 * (scikit-learn's default `labels`); a class absent from both is reported per class but left out of the mean.
 * F1 per class is the harmonic mean of that class's P and R; macro-F1 is the mean of the per-class F1s
 * (scikit-learn's definition, not the harmonic mean of macro-P and macro-R).
 */
export function perClassScores(matrix: number[][]): { perClass: ClassScores[]; macro: MacroScores } {
  const k = matrix.length;
  const perClass: ClassScores[] = [];
  for (let c = 0; c < k; c++) {
    let fp = 0;
    let fn = 0;
    for (let o = 0; o < k; o++) {
      if (o === c) continue;
      fp += matrix[o][c];
      fn += matrix[c][o];
    }
    perClass.push(scoresFromCounts(matrix[c][c], fp, fn));
  }
  const used = perClass.map((s, c) => (s.support > 0 || s.predicted > 0 ? c : -1)).filter((c) => c >= 0);
  const mean = (f: (s: ClassScores) => number) => (used.length === 0 ? 0 : used.reduce((a, c) => a + f(perClass[c]), 0) / used.length);
  return {
    perClass,
    macro: { precision: mean((s) => s.precision), recall: mean((s) => s.recall), f1: mean((s) => s.f1), classesAveraged: used },
  };
}

/**
 * Binary precision, recall and F1 for the positive class (`positive`, default 1) — scikit-learn's
 * `average='binary'`. Labels and predictions are 0/1 (any value ≠ `positive` counts as negative).
 * No positive predictions → precision 0 with `precisionUndefined: true`; no positive samples → recall 0 with
 * `recallUndefined: true`; P = R = 0 → F1 0 with `f1Undefined: true`.
 */
export function binaryScores(yTrue: NumArray, yPred: NumArray, positive = 1): ClassScores {
  checkSameLength(yTrue, yPred, 'binaryScores');
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i] === positive;
    const p = yPred[i] === positive;
    if (t && p) tp++;
    else if (p) fp++;
    else if (t) fn++;
  }
  return scoresFromCounts(tp, fp, fn);
}

/**
 * Area under the ROC curve for a binary problem, from scores (any real numbers, higher = more positive).
 *
 * Computed as the Mann–Whitney U statistic normalised by n₊·n₋, with mid-ranks for tied scores:
 *   AUC = (R₊ − n₊(n₊+1)/2) / (n₊ · n₋),
 * where R₊ is the sum of the (1-based, tie-averaged) ranks of the positive samples among all scores.
 * This equals the probability that a random positive scores above a random negative, ties counting ½
 * (Hanley & McNeil 1982, "The meaning and use of the area under a ROC curve", Radiology 143:29–36, eq. 2),
 * and equals the trapezoidal area under the empirical ROC curve (Fawcett 2006, "An introduction to ROC
 * analysis", Pattern Recognition Letters 27:861–874, §7 and Algorithm 3), hence scikit-learn's `roc_auc_score`.
 *
 * `yTrue` holds 0/1 (value === `positive` is positive). Returns `null` when only one class is present
 * (the curve is undefined). Throws on NaN scores or mismatched lengths. O(n log n).
 */
export function rocAuc(yTrue: NumArray, scores: NumArray, positive = 1): number | null {
  checkSameLength(yTrue, scores, 'rocAuc');
  const n = yTrue.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new Error(`rocAuc: score of sample ${i} is NaN`);
    if (yTrue[i] === positive) nPos++;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && scores[order[j]] === scores[order[i]]) j++;
    // Samples order[i..j-1] are tied; their 1-based ranks i+1..j average to (i+1+j)/2.
    const midRank = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) if (yTrue[order[t]] === positive) rankSumPos += midRank;
    i = j;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Clipping bound of {@link logLoss}: Keras' and tfjs-layers' `epsilon()`, so log loss matches the training loss. */
export const LOG_LOSS_EPS = 1e-7;

/**
 * Mean negative log-likelihood of the true classes (cross-entropy, in nats per sample).
 *
 * - `numClasses` 1 or 2 with `probs.length === n`: binary; `probs[i]` = P(y=1), and
 *   loss = −mean(y·log p + (1−y)·log(1−p)).
 * - otherwise `probs` is row-major `[n, numClasses]`; each row is divided by its sum (as tfjs' and
 *   scikit-learn's categorical cross-entropy do) and loss = −mean(log p[i, yTrue[i]]).
 * Probabilities are clipped to `[eps, 1 − eps]` first (default {@link LOG_LOSS_EPS}), so the result is finite.
 * Returns 0 for an empty input; throws on shape mismatch.
 */
export function logLoss(yTrue: NumArray, probs: NumArray, numClasses = 2, eps = LOG_LOSS_EPS): number {
  const n = yTrue.length;
  if (n === 0) return 0;
  const clip = (p: number) => Math.min(1 - eps, Math.max(eps, p));
  let sum = 0;
  if (probs.length === n && numClasses <= 2) {
    for (let i = 0; i < n; i++) {
      const p = clip(probs[i]);
      sum += yTrue[i] === 1 ? -Math.log(p) : -Math.log(1 - p);
    }
    return sum / n;
  }
  if (probs.length !== n * numClasses) {
    throw new Error(`logLoss: expected ${n}×${numClasses} = ${n * numClasses} probabilities, got ${probs.length}`);
  }
  for (let i = 0; i < n; i++) {
    const t = yTrue[i];
    checkClassIndex(t, numClasses, 'logLoss (yTrue)', i);
    let rowSum = 0;
    for (let c = 0; c < numClasses; c++) rowSum += probs[i * numClasses + c];
    const p = clip(rowSum > 0 ? probs[i * numClasses + t] / rowSum : 0);
    sum += -Math.log(p);
  }
  return sum / n;
}

/** Row-wise argmax of a row-major `[n, numClasses]` array (first maximum on ties). Returns `n` class indices. */
export function argmaxRows(probs: NumArray, numClasses: number): Int32Array {
  if (numClasses < 1 || probs.length % numClasses !== 0) {
    throw new Error(`argmaxRows: ${probs.length} values do not form rows of ${numClasses}`);
  }
  const n = probs.length / numClasses;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestV = probs[i * numClasses];
    for (let c = 1; c < numClasses; c++) {
      const v = probs[i * numClasses + c];
      if (v > bestV) {
        bestV = v;
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Binary decisions `p > threshold ? 1 : 0` (strict, as tfjs' binaryAccuracy). */
export function thresholdBinary(probs: NumArray, threshold = 0.5): Int32Array {
  const out = new Int32Array(probs.length);
  for (let i = 0; i < probs.length; i++) out[i] = probs[i] > threshold ? 1 : 0;
  return out;
}

/** Everything `evaluate` reports about one split. Plain JSON (no NaN: undefined ratios are 0 + flag, AUC null). */
export interface ClassificationReport {
  kind: 'binary' | 'multiclass';
  samples: number;
  accuracy: number;
  /** Binary: of the positive class. Multiclass: macro average. */
  precision: number;
  recall: number;
  f1: number;
  /** Binary only: ROC-AUC of P(positive); null when a class is missing (or for multiclass). */
  rocAuc: number | null;
  /** Mean cross-entropy in nats, probabilities clipped to [1e-7, 1 − 1e-7]. */
  logLoss: number;
  /** `[true][predicted]`. */
  confusionMatrix: number[][];
  perClass: ClassScores[];
  macro: MacroScores;
  /** Names of the ratios that had a zero denominator (reported as 0), e.g. `precision` or `class 2 precision`. */
  undefinedMetrics: string[];
  /** Binary only: the decision threshold used (`p > threshold`). */
  threshold?: number;
}

/**
 * All metrics of one split from labels and predicted probabilities.
 * Binary (`numClasses` 2 and one probability per sample): P(class 1), thresholded at `threshold` (default 0.5),
 * precision/recall/F1 of class 1 and ROC-AUC. Multiclass: row-major `[n, numClasses]` probabilities, argmax
 * decisions, macro precision/recall/F1.
 */
export function classificationReport(yTrue: NumArray, probs: NumArray, numClasses: number, threshold = 0.5): ClassificationReport {
  const n = yTrue.length;
  const binary = numClasses <= 2 && probs.length === n;
  const k = binary ? 2 : numClasses;
  const yPred = binary ? thresholdBinary(probs, threshold) : argmaxRows(probs, numClasses);
  checkSameLength(yTrue, yPred, 'classificationReport');
  const matrix = confusionMatrix(yTrue, yPred, k);
  const { perClass, macro } = perClassScores(matrix);
  const undefinedMetrics: string[] = [];
  const main = binary ? perClass[1] : null;
  if (main) {
    if (main.precisionUndefined) undefinedMetrics.push('precision');
    if (main.recallUndefined) undefinedMetrics.push('recall');
    if (main.f1Undefined) undefinedMetrics.push('f1');
  }
  perClass.forEach((s, c) => {
    if (s.precisionUndefined) undefinedMetrics.push(`class ${c} precision`);
    if (s.recallUndefined) undefinedMetrics.push(`class ${c} recall`);
    if (s.f1Undefined) undefinedMetrics.push(`class ${c} f1`);
  });
  const auc = binary ? rocAuc(yTrue, probs) : null;
  if (binary && auc === null) undefinedMetrics.push('rocAuc');
  return {
    kind: binary ? 'binary' : 'multiclass',
    samples: n,
    accuracy: accuracy(yTrue, yPred),
    precision: main ? main.precision : macro.precision,
    recall: main ? main.recall : macro.recall,
    f1: main ? main.f1 : macro.f1,
    rocAuc: auc,
    logLoss: logLoss(yTrue, probs, k),
    confusionMatrix: matrix,
    perClass,
    macro,
    undefinedMetrics,
    ...(binary ? { threshold } : {}),
  };
}
