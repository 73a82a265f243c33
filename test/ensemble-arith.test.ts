// The ensemble arithmetic on small hand-made cases (runtime/ensemble): SAMME, folds, bootstrap, voting, alignment, stacking.
import { describe, expect, it } from 'vitest';
import {
  alignClasses,
  alignProbabilities,
  bootstrapIndices,
  classPermutations,
  fitMeta,
  hardVote,
  kFolds,
  memberSeed,
  predictMeta,
  sammeAlpha,
  sammeCombine,
  sammeRound,
  softVote,
  stackFeatures,
  stratifiedTestFolds,
  toProbabilityRows,
  weightedError,
} from '../runtime/ensemble/index.ts';

describe('SAMME (AdaBoost, Zhu et al. 2009; sklearn algorithm=SAMME)', () => {
  it('member weight for a known error rate', () => {
    // K = 3, err = 0.25: log(0.75/0.25) + log(2) = log 6
    expect(sammeAlpha(0.25, 3)).toBeCloseTo(Math.log(6), 12);
    expect(sammeAlpha(0.25, 3, 0.5)).toBeCloseTo(0.5 * Math.log(6), 12);
    // K = 2 reduces to AdaBoost.M1: log((1 − err)/err)
    expect(sammeAlpha(0.1, 2)).toBeCloseTo(Math.log(9), 12);
    // exactly at chance the weight is 0
    expect(sammeAlpha(2 / 3, 3)).toBeCloseTo(0, 12);
    expect(() => sammeAlpha(0, 2)).toThrow(/\(0, 1\)/);
    expect(() => sammeAlpha(0.2, 1)).toThrow(/at least 2 classes/);
  });

  it('a round re-weights the misclassified rows by exp(α) and normalises', () => {
    const r = sammeRound([1, 0, 0, 0], [0.25, 0.25, 0.25, 0.25], 2, 1);
    expect(r.action).toBe('keep');
    if (r.action !== 'keep') return;
    expect(r.err).toBeCloseTo(0.25, 12);
    expect(r.alpha).toBeCloseTo(Math.log(3), 12);
    // [0.75, 0.25, 0.25, 0.25] / 1.5
    expect(Array.from(r.weights)).toEqual([0.5, 1 / 6, 1 / 6, 1 / 6].map((x) => expect.closeTo(x, 12)));
    // the last round keeps the weights (sklearn skips the update)
    const last = sammeRound([1, 0, 0, 0], [0.25, 0.25, 0.25, 0.25], 2, 1, true);
    expect(last.action === 'keep' && Array.from(last.weights)).toEqual([0.25, 0.25, 0.25, 0.25]);
    // rows with weight 0 stay at 0
    const z = sammeRound([1, 1, 0, 0], [0, 0.5, 0.25, 0.25], 3, 1);
    expect(z.action === 'keep' && z.weights[0]).toBe(0);
  });

  it('a member no better than chance is discarded; a perfect one stops boosting with weight 1', () => {
    // K = 2: err 0.5 is chance
    expect(sammeRound([1, 0], [0.5, 0.5], 2, 1)).toEqual({ action: 'discard', err: 0.5 });
    // K = 3: err 0.75 ≥ 1 − 1/3 (worse than guessing among 3)
    expect(sammeRound([1, 1, 1, 0], [1, 1, 1, 1], 3, 1)).toEqual({ action: 'discard', err: 0.75 });
    // K = 3: err 0.6 is still better than chance (1/3 accuracy): kept with a small positive weight
    const ok = sammeRound([1, 1, 1, 0, 0], [0.2, 0.2, 0.2, 0.2, 0.2], 3, 1);
    expect(ok.action === 'keep' && ok.alpha).toBeCloseTo(Math.log(0.4 / 0.6) + Math.log(2), 12);
    expect(sammeRound([0, 0, 0], [1, 1, 1], 3, 1)).toEqual({ action: 'perfect', err: 0, alpha: 1 });
    expect(weightedError([true, false], [3, 1])).toBe(0.75);
    expect(() => weightedError([true], [0])).toThrow(/sum to 0/);
  });

  it('combines members by α-weighted votes; probabilities are softmax(votes/(K−1))', () => {
    const { votes, probabilities, classes } = sammeCombine([[0, 2], [1, 2]], [1, 2], 3);
    expect(Array.from(votes)).toEqual([1 / 3, 2 / 3, 0, 0, 0, 1].map((x) => expect.closeTo(x, 12)));
    expect(Array.from(classes)).toEqual([1, 2]);
    const e = [1 / 6, 1 / 3, 0].map(Math.exp);
    const s = e[0] + e[1] + e[2];
    expect(probabilities[0]).toBeCloseTo(e[0] / s, 12);
    expect(probabilities[1]).toBeCloseTo(e[1] / s, 12);
    // binary: sklearn's softmax([−d/2, d/2]) with d = v1 − v0
    const b = sammeCombine([[1], [0], [1]], [0.5, 1, 0.25], 2);
    const d = (0.75 - 1) / 1.75;
    expect(b.probabilities[1]).toBeCloseTo(1 / (1 + Math.exp(-d)), 12);
    expect(b.classes[0]).toBe(0);
    // an α tie goes to the lowest class index
    expect(sammeCombine([[1], [0]], [1, 1], 2).classes[0]).toBe(0);
  });
});

describe('k-fold out-of-fold indices (sklearn StratifiedKFold / KFold)', () => {
  it('stratified folds of a hand-made label vector, as sklearn deals them', () => {
    // expected values checked with scikit-learn 1.2.1: StratifiedKFold(3).split(zeros(10), y)
    // sorted labels [0×6, 1×4] dealt round-robin to 3 folds: fold 0 gets 2+2, folds 1 and 2 get 2+1
    expect(Array.from(stratifiedTestFolds([0, 0, 0, 0, 0, 0, 1, 1, 1, 1], 3))).toEqual([0, 0, 1, 1, 2, 2, 0, 0, 1, 2]);
    // classes are numbered by first appearance (label 1 first here)
    expect(Array.from(stratifiedTestFolds([1, 1, 0, 0], 2))).toEqual([0, 1, 0, 1]);
  });

  it('every training row is held out exactly once, and each fold trains on all the others', () => {
    const labels = Array.from({ length: 103 }, (_, i) => (i * 7919) % 5 === 0 ? 2 : i % 3 === 0 ? 1 : 0);
    for (const stratified of [true, false]) {
      const folds = kFolds(labels, 5, { stratified });
      const seen = new Array<number>(labels.length).fill(0);
      for (const f of folds) {
        for (const i of f.test) seen[i]++;
        expect(f.train.length + f.test.length).toBe(labels.length);
        const test = new Set(f.test);
        for (const i of f.train) expect(test.has(i)).toBe(false);
      }
      expect(seen.every((c) => c === 1)).toBe(true);
      expect(folds.map((f) => f.test.length).sort()).toEqual(stratified ? expect.any(Array) : [20, 20, 21, 21, 21]);
    }
    // stratified: each class is spread evenly (counts per fold differ by at most one)
    const folds = kFolds(labels, 5);
    for (const c of [0, 1, 2]) {
      const counts = folds.map((f) => Array.from(f.test).filter((i) => labels[i] === c).length);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });

  it('refuses fewer than 2 folds or more folds than rows', () => {
    expect(() => kFolds([0, 1, 0], 1)).toThrow(/at least 2 folds/);
    expect(() => kFolds([0, 1, 0], 4)).toThrow(/cannot make 4 folds of 3 rows/);
  });
});

describe('bootstrap sampling (sklearn BaggingClassifier, bootstrap=True)', () => {
  it('draws floor(fraction·n) rows with replacement, the same for the same seed', () => {
    const a = bootstrapIndices(10, 0.8, memberSeed(1, 0));
    expect(a.length).toBe(8);
    expect(Array.from(a).every((i) => Number.isInteger(i) && i >= 0 && i < 10)).toBe(true);
    expect(Array.from(bootstrapIndices(10, 0.8, memberSeed(1, 0)))).toEqual(Array.from(a));
    expect(Array.from(bootstrapIndices(10, 0.8, memberSeed(1, 1)))).not.toEqual(Array.from(a));
    expect(Array.from(bootstrapIndices(10, 0.8, memberSeed(2, 0)))).not.toEqual(Array.from(a));
    expect(memberSeed(1, 0)).not.toBe(memberSeed(1, 1));
  });

  it('samples with replacement: on 10,000 rows about 1 − 1/e of the rows appear', () => {
    const idx = bootstrapIndices(10000, 1, 42);
    const distinct = new Set(idx).size / 10000;
    expect(distinct).toBeGreaterThan(0.62);
    expect(distinct).toBeLessThan(0.645); // 1 − 1/e = 0.632
  });

  it('refuses an empty sample', () => {
    expect(() => bootstrapIndices(3, 0.2, 1)).toThrow(/no row at all/);
    expect(() => bootstrapIndices(3, 1.5, 1)).toThrow(/\(0, 1\]/);
  });
});

describe('voting (sklearn VotingClassifier)', () => {
  it('hard voting: weighted counts, ties to the lowest class index', () => {
    // row 0: votes 0,1 → tie → 0; row 1: 2,2 → 2
    expect(Array.from(hardVote([[0, 2], [1, 2]], 3).classes)).toEqual([0, 2]);
    // weights [1, 2]: row 0 → class 1
    expect(Array.from(hardVote([[0, 2], [1, 2]], 3, [1, 2]).classes)).toEqual([1, 2]);
    // three members, [2, 1, 1]: member 0 alone ties the other two → lowest index among {0, 1}
    const r = hardVote([[1], [0], [0]], 2, [2, 1, 1]);
    expect(Array.from(r.votes)).toEqual([2, 2]);
    expect(r.classes[0]).toBe(0);
    expect(() => hardVote([[0]], 2, [1, 1])).toThrow(/2 voting weights for 1 members/);
  });

  it('soft voting: weighted mean of probabilities, ties to the lowest class index', () => {
    const s = softVote([[0.8, 0.2], [0.2, 0.8]], 2);
    expect(Array.from(s.probabilities)).toEqual([0.5, 0.5]);
    expect(s.classes[0]).toBe(0);
    const w = softVote([[0.8, 0.2], [0.2, 0.8]], 2, [1, 3]);
    expect(w.probabilities[1]).toBeCloseTo((0.2 + 3 * 0.8) / 4, 12);
    expect(w.classes[0]).toBe(1);
  });
});

describe('members with classes in different orders', () => {
  const a = ['cat', 'dog', 'eel'];
  const b = ['eel', 'cat', 'dog'];

  it('are aligned by class name before voting', () => {
    const perms = classPermutations([a, b]);
    expect(Array.from(perms[1])).toEqual([1, 2, 0]);
    // member A: dog 0.6; member B (eel, cat, dog): cat 0.9
    const pa = [0.3, 0.6, 0.1];
    const pb = [0.05, 0.9, 0.05];
    const soft = softVote([alignProbabilities(pa, perms[0]), alignProbabilities(pb, perms[1])], 3);
    expect(Array.from(soft.probabilities)).toEqual([0.6, 0.325, 0.075].map((x) => expect.closeTo(x, 12)));
    expect(a[soft.classes[0]]).toBe('cat');
    // by column position the vote would have said dog: (0.6 + 0.9)/2 in column 1
    expect(a[softVote([pa, pb], 3).classes[0]]).toBe('dog');
    // hard: A says dog (1), B says its column 1 = cat → aligned class 0
    expect(Array.from(alignClasses([1], perms[1]))).toEqual([0]);
    expect(a[hardVote([[1], alignClasses([1], perms[1])], 3, [1, 2]).classes[0]]).toBe('cat');
  });

  it('are refused when their class sets differ', () => {
    expect(() => classPermutations([a, ['cat', 'dog', 'fox']])).toThrow(/member 1 predicts classes \[cat, dog, fox\].*missing eel; extra fox/);
  });

  it('stack correctly: the meta-learner sees the same features whatever the member order', () => {
    // two binary members, member 1 trained with classes [spam, ham] instead of [ham, spam]
    const classes = [['ham', 'spam'], ['spam', 'ham']];
    const perms = classPermutations(classes);
    const n = 40;
    const y = Array.from({ length: n }, (_, i) => i % 2);
    const p0 = toProbabilityRows(Float64Array.from(y, (c, i) => (c ? 0.7 : 0.3) + ((i % 5) - 2) * 0.02), 1); // [ham, spam]
    const p1raw = new Float64Array(2 * n);
    y.forEach((c, i) => {
      const spam = c ? 0.9 : 0.2;
      p1raw[2 * i] = spam; // member 1's column 0 is spam
      p1raw[2 * i + 1] = 1 - spam;
    });
    const f = stackFeatures([alignProbabilities(p0, perms[0]), alignProbabilities(p1raw, perms[1])], 2);
    expect(f.width).toBe(2); // one column (P(spam)) per member for two classes
    expect([f.x[0], f.x[1], f.x[2], f.x[3]]).toEqual([expect.closeTo(0.26, 12), expect.closeTo(0.2, 12), expect.closeTo(0.68, 12), expect.closeTo(0.9, 12)]);
    const meta = fitMeta(f.x, f.width, y, 2, { kind: 'logistic' });
    const p = predictMeta(meta, f.x);
    for (let i = 0; i < n; i++) expect(p[2 * i + 1] > 0.5 ? 1 : 0).toBe(y[i]);
  });
});

describe('meta-learners', () => {
  it('logistic regression reaches the optimum of sklearn\'s L2 objective (zero gradient)', () => {
    const x = [0, 0.2, 0.4, 0.6, 0.8, 1, 0.1, 0.9, 0.5, 0.3];
    const y = [0, 0, 0, 1, 1, 1, 1, 0, 1, 0];
    const meta = fitMeta(x, 1, y, 2, { kind: 'logistic' });
    const [w] = meta.layers[0].W;
    const [b] = meta.layers[0].b;
    // objective: Σ CE + ½w² (C = 1); gradient: Σ (p − y)·x + w = 0 and Σ (p − y) = 0
    let gw = w;
    let gb = 0;
    x.forEach((xi, i) => {
      const p = 1 / (1 + Math.exp(-(w * xi + b)));
      gw += (p - y[i]) * xi;
      gb += p - y[i];
    });
    expect(Math.abs(gw)).toBeLessThan(1e-4);
    expect(Math.abs(gb)).toBeLessThan(1e-4);
    // scikit-learn 1.2.1: LogisticRegression(tol=1e-10).fit(x, y) → coef 0.4750282, intercept −0.22796409
    expect(w).toBeCloseTo(0.4750282, 4);
    expect(b).toBeCloseTo(-0.22796409, 4);
  });

  it('multinomial logistic and an MLP separate three classes; probabilities sum to 1', () => {
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 60; i++) {
      const c = i % 3;
      x.push(c === 0 ? 1 : 0, c === 1 ? 1 : 0, ((i * 37) % 11) / 11);
      y.push(c);
    }
    for (const kind of ['logistic', 'mlp'] as const) {
      const meta = fitMeta(x, 3, y, 3, { kind, hidden: [8], seed: 3 });
      expect(meta.layers.map((l) => [l.inputs, l.outputs])).toEqual(kind === 'logistic' ? [[3, 3]] : [[3, 8], [8, 3]]);
      const p = predictMeta(meta, x);
      for (let i = 0; i < 60; i++) {
        expect(p[3 * i] + p[3 * i + 1] + p[3 * i + 2]).toBeCloseTo(1, 12);
        const best = [0, 1, 2].reduce((a, c) => (p[3 * i + c] > p[3 * i + a] ? c : a), 0);
        expect(best).toBe(y[i]);
      }
    }
  });
});
