/**
 * k-fold cross-validation indices for stacking, as scikit-learn's `KFold` and `StratifiedKFold`
 * (sklearn/model_selection/_split.py). `StackingClassifier(cv=k)` uses `StratifiedKFold(k)` without shuffling
 * for classifiers (`check_cv(cv, y, classifier=True)`), and `cross_val_predict` to collect each training row's
 * out-of-fold prediction.
 */
import { mulberry32 } from '../data/split.ts';

/** One fold: rows the member trains on, and the held-out rows it predicts (both ascending). */
export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

/**
 * The test-fold number of every row for stratified k-fold, scikit-learn's `StratifiedKFold._make_test_folds`:
 * classes are numbered by first appearance; the labels sorted by that number are dealt round-robin to the k
 * folds (`allocation[i] = bincount(y_sorted[i::k])`), and within each class the rows, in order, receive fold
 * numbers 0,0,…,1,1,… as allocated (shuffled with a seeded mulberry32 when `shuffleSeed` is given, where sklearn
 * uses numpy's generator). Every fold gets ⌊n_c/k⌋ or ⌈n_c/k⌉ rows of each class c.
 * @throws RangeError when k < 2 or k > n (sklearn: "Cannot have number of splits n_splits greater than the number of samples")
 */
export function stratifiedTestFolds(labels: ArrayLike<number>, k: number, shuffleSeed?: number): Int32Array {
  const n = labels.length;
  checkK(k, n);
  const code = new Map<number, number>();
  const encoded = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let c = code.get(labels[i]);
    if (c === undefined) code.set(labels[i], (c = code.size));
    encoded[i] = c;
  }
  const nc = code.size;
  const sorted = Int32Array.from(encoded).sort();
  // allocation[f][c]: rows of class c in test fold f
  const allocation: number[][] = [];
  for (let f = 0; f < k; f++) {
    const counts = new Array<number>(nc).fill(0);
    for (let i = f; i < n; i += k) counts[sorted[i]]++;
    allocation.push(counts);
  }
  const folds = new Int32Array(n);
  const rand = shuffleSeed === undefined ? undefined : mulberry32(shuffleSeed);
  for (let c = 0; c < nc; c++) {
    const forClass: number[] = [];
    for (let f = 0; f < k; f++) for (let j = 0; j < allocation[f][c]; j++) forClass.push(f);
    if (rand) {
      for (let i = forClass.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [forClass[i], forClass[j]] = [forClass[j], forClass[i]];
      }
    }
    let next = 0;
    for (let i = 0; i < n; i++) if (encoded[i] === c) folds[i] = forClass[next++];
  }
  return folds;
}

/**
 * The test-fold number of every row for plain k-fold without shuffling (sklearn `KFold`): consecutive blocks,
 * the first n mod k folds one row longer.
 */
export function plainTestFolds(n: number, k: number): Int32Array {
  checkK(k, n);
  const folds = new Int32Array(n);
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    folds.fill(f, start, start + size);
    start += size;
  }
  return folds;
}

/**
 * The k folds of `labels` (stratified unless `stratified` is false): fold f holds out the rows whose test-fold
 * number is f and trains on all the others. Every row is held out exactly once.
 */
export function kFolds(labels: ArrayLike<number>, k: number, opts: { stratified?: boolean; shuffleSeed?: number } = {}): Fold[] {
  const n = labels.length;
  const testFold = opts.stratified === false ? plainTestFolds(n, k) : stratifiedTestFolds(labels, k, opts.shuffleSeed);
  const out: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (testFold[i] === f ? test : train).push(i);
    out.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  return out;
}

function checkK(k: number, n: number): void {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`k-fold needs at least 2 folds, got ${k}`);
  if (k > n) throw new RangeError(`cannot make ${k} folds of ${n} rows: use at most ${n} folds`);
}
