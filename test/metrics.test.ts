import { describe, expect, it } from 'vitest';
import {
  accuracy,
  argmaxRows,
  binaryScores,
  classificationReport,
  confusionMatrix,
  logLoss,
  perClassScores,
  rocAuc,
  thresholdBinary,
} from '../runtime/metrics.ts';

describe('accuracy and confusion matrix', () => {
  it('counts matches', () => {
    expect(accuracy(Int32Array.from([0, 1, 1, 0]), Int32Array.from([0, 1, 0, 0]))).toBe(0.75);
    expect(accuracy([], [])).toBe(0);
    expect(() => accuracy([1], [1, 0])).toThrow(/1 samples.*2/);
  });

  it('rows are the truth, columns the prediction', () => {
    // truth:      0 0 1 1 2 2 2
    // prediction: 0 1 1 1 2 0 1
    const m = confusionMatrix([0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 0, 1], 3);
    expect(m).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 1, 1],
    ]);
    expect(() => confusionMatrix([0, 3], [0, 0], 3)).toThrow(/sample 1 has class 3/);
  });
});

describe('precision / recall / F1', () => {
  it('per class and macro, by hand', () => {
    const m = [
      [1, 1, 0],
      [0, 2, 0],
      [1, 1, 1],
    ];
    const { perClass, macro } = perClassScores(m);
    // class 0: TP 1, FP 1 (col 0 minus diag), FN 1 → P 1/2, R 1/2, F1 1/2
    expect(perClass[0]).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2, predicted: 2 });
    // class 1: TP 2, FP 2, FN 0 → P 1/2, R 1, F1 2/3
    expect(perClass[1].precision).toBe(0.5);
    expect(perClass[1].recall).toBe(1);
    expect(perClass[1].f1).toBeCloseTo(2 / 3, 12);
    // class 2: TP 1, FP 0, FN 2 → P 1, R 1/3, F1 1/2
    expect(perClass[2].precision).toBe(1);
    expect(perClass[2].recall).toBeCloseTo(1 / 3, 12);
    expect(perClass[2].f1).toBeCloseTo(0.5, 12);
    expect(macro.precision).toBeCloseTo((0.5 + 0.5 + 1) / 3, 12);
    expect(macro.recall).toBeCloseTo((0.5 + 1 + 1 / 3) / 3, 12);
    expect(macro.f1).toBeCloseTo((0.5 + 2 / 3 + 0.5) / 3, 12);
    expect(macro.classesAveraged).toEqual([0, 1, 2]);
  });

  it('binary positive class', () => {
    // truth 1 1 1 0 0 0 ; pred 1 0 1 1 0 0 → TP 2, FP 1, FN 1
    const s = binaryScores([1, 1, 1, 0, 0, 0], [1, 0, 1, 1, 0, 0]);
    expect(s.precision).toBeCloseTo(2 / 3, 12);
    expect(s.recall).toBeCloseTo(2 / 3, 12);
    expect(s.f1).toBeCloseTo(2 / 3, 12);
    expect(s.precisionUndefined || s.recallUndefined || s.f1Undefined).toBe(false);
  });

  it('no positive predictions: precision 0 with a flag, not NaN', () => {
    const s = binaryScores([1, 0, 1, 0], [0, 0, 0, 0]);
    expect(s.precision).toBe(0);
    expect(s.precisionUndefined).toBe(true);
    expect(s.recall).toBe(0);
    expect(s.recallUndefined).toBe(false);
    expect(s.f1).toBe(0);
    expect(s.f1Undefined).toBe(true);
  });

  it('no positive samples: recall 0 with a flag', () => {
    const s = binaryScores([0, 0, 0], [1, 0, 0]);
    expect(s).toMatchObject({ precision: 0, precisionUndefined: false, recall: 0, recallUndefined: true, f1: 0 });
  });

  it('a class absent from truth and predictions is left out of the macro mean', () => {
    const { perClass, macro } = perClassScores(confusionMatrix([0, 1], [0, 1], 3));
    expect(perClass[2]).toMatchObject({ precision: 0, recall: 0, precisionUndefined: true, recallUndefined: true });
    expect(macro.classesAveraged).toEqual([0, 1]);
    expect(macro.f1).toBe(1);
  });
});

describe('ROC-AUC', () => {
  it('perfect, inverted and hand-computed', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(rocAuc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1])).toBe(0);
    // scikit-learn's doc example: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
  });

  it('ties count one half (trapezoid)', () => {
    // pairs (pos, neg): (0.5, 0.5) tie → ½, (0.5, 0.2) → 1, (0.9, 0.5) → 1, (0.9, 0.2) → 1 : 3.5 / 4
    expect(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.2])).toBe(0.875);
    // all scores equal → 0.5
    expect(rocAuc([1, 0, 1, 0, 0], [0.3, 0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });

  it('agrees with the pairwise definition on random data', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const y = Array.from({ length: 200 }, () => (rnd() < 0.3 ? 1 : 0));
    const s = y.map((t) => Math.round((rnd() + 0.3 * t) * 20) / 20); // rounded: many ties
    let num = 0;
    let den = 0;
    for (let i = 0; i < y.length; i++)
      for (let j = 0; j < y.length; j++)
        if (y[i] === 1 && y[j] === 0) {
          den++;
          num += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
        }
    expect(rocAuc(y, s)).toBeCloseTo(num / den, 12);
  });

  it('one class only → null; NaN score throws', () => {
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNull();
    expect(rocAuc([0, 0], [0.2, 0.3])).toBeNull();
    expect(() => rocAuc([0, 1], [NaN, 0.3])).toThrow(/NaN/);
  });
});

describe('log loss', () => {
  it('binary by hand', () => {
    // −(ln 0.9 + ln 0.8 + ln(1−0.3)) / 3
    expect(logLoss([1, 1, 0], [0.9, 0.8, 0.3])).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.7)) / 3, 12);
  });

  it('clips to stay finite', () => {
    const v = logLoss([1, 0], [0, 1]);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeCloseTo(-Math.log(1e-7), 6);
  });

  it('multiclass rows, renormalised', () => {
    const probs = Float32Array.from([0.7, 0.2, 0.1, 0.1, 0.1, 0.8]);
    expect(logLoss([0, 2], probs, 3)).toBeCloseTo(-(Math.log(0.7) + Math.log(0.8)) / 2, 6);
    // rows summing to 2 are divided by 2
    expect(logLoss([0], [1, 1], 2)).toBeCloseTo(Math.log(2), 12);
    expect(() => logLoss([0, 1], [0.5, 0.5, 0.5], 3)).toThrow(/6 probabilities/);
  });
});

describe('decisions and the report', () => {
  it('argmax and threshold', () => {
    expect(Array.from(argmaxRows([0.1, 0.9, 0.5, 0.5, 0.2, 0.1], 2))).toEqual([1, 0, 0]);
    expect(Array.from(thresholdBinary([0.5, 0.51, 0.1]))).toEqual([0, 1, 0]);
  });

  it('binary report', () => {
    const r = classificationReport(Int32Array.from([1, 1, 0, 0]), Float32Array.from([0.9, 0.4, 0.6, 0.1]), 2);
    expect(r.kind).toBe('binary');
    expect(r.accuracy).toBe(0.5);
    expect(r.precision).toBe(0.5);
    expect(r.recall).toBe(0.5);
    expect(r.f1).toBe(0.5);
    expect(r.rocAuc).toBe(0.75);
    expect(r.confusionMatrix).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(r.undefinedMetrics).toEqual([]);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('binary report with no positive predictions flags instead of NaN', () => {
    const r = classificationReport([1, 0, 0], [0.2, 0.1, 0.3], 2);
    expect(r.precision).toBe(0);
    expect(r.undefinedMetrics).toContain('precision');
    expect(r.undefinedMetrics).toContain('f1');
    expect(JSON.stringify(r)).not.toMatch(/NaN|null,"logLoss"/);
  });

  it('multiclass report uses macro averages and no AUC', () => {
    const probs = [0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8, 0.8, 0.1, 0.1];
    const r = classificationReport([0, 1, 2, 2], probs, 3);
    expect(r.kind).toBe('multiclass');
    expect(r.accuracy).toBe(0.75);
    expect(r.rocAuc).toBeNull();
    // class 0: P 1/2 R 1; class 1: 1, 1; class 2: 1, 1/2
    expect(r.precision).toBeCloseTo((0.5 + 1 + 1) / 3, 12);
    expect(r.recall).toBeCloseTo((1 + 1 + 0.5) / 3, 12);
  });
});

describe('whole reports against hand-computed values', () => {
  it('4 classes, one of them predicted but never true: per class, macro (scikit-learn labels), log loss', () => {
    // truth 0 0 0 1 1 2 2 2 2; predicted 0 0 1 1 3 2 2 0 2 (probability 0.7 on the prediction, 0.1 elsewhere)
    const truth = [0, 0, 0, 1, 1, 2, 2, 2, 2];
    const pred = [0, 0, 1, 1, 3, 2, 2, 0, 2];
    const probs = pred.flatMap((p) => [0, 1, 2, 3].map((c) => (c === p ? 0.7 : 0.1)));
    const r = classificationReport(truth, probs, 4);
    expect(r.kind).toBe('multiclass');
    expect(r.confusionMatrix).toEqual([
      [2, 1, 0, 0],
      [0, 1, 0, 1],
      [1, 0, 3, 0],
      [0, 0, 0, 0],
    ]);
    expect(r.accuracy).toBeCloseTo(6 / 9, 12);
    // class 0: TP 2, FP 1, FN 1; class 1: TP 1, FP 1, FN 1; class 2: TP 3, FP 0, FN 1; class 3: TP 0, FP 1, FN 0
    const want = [
      { p: 2 / 3, r: 2 / 3, f: 2 / 3, support: 3 },
      { p: 1 / 2, r: 1 / 2, f: 1 / 2, support: 2 },
      { p: 1, r: 3 / 4, f: 6 / 7, support: 4 },
      { p: 0, r: 0, f: 0, support: 0 },
    ];
    want.forEach((w, c) => {
      expect(r.perClass[c]!.precision).toBeCloseTo(w.p, 12);
      expect(r.perClass[c]!.recall).toBeCloseTo(w.r, 12);
      expect(r.perClass[c]!.f1).toBeCloseTo(w.f, 12);
      expect(r.perClass[c]!.support).toBe(w.support);
    });
    expect(r.perClass[3]).toMatchObject({ predicted: 1, precisionUndefined: false, recallUndefined: true, f1Undefined: true });
    expect(r.undefinedMetrics).toEqual(['class 3 recall', 'class 3 f1']);
    // Class 3 was predicted, so it is averaged (scikit-learn: labels = union of y_true and y_pred).
    expect(r.macro.classesAveraged).toEqual([0, 1, 2, 3]);
    expect(r.precision).toBeCloseTo(13 / 24, 12);
    expect(r.recall).toBeCloseTo(23 / 48, 12);
    expect(r.f1).toBeCloseTo(85 / 168, 12);
    expect(r.logLoss).toBeCloseTo(-(6 * Math.log(0.7) + 3 * Math.log(0.1)) / 9, 6);
  });

  it('binary with tied scores: decisions at p > 0.5, P/R/F1 of each class, ROC-AUC with ties counting ½', () => {
    // positives score 0.8, 0.6, 0.4, 0.2; negatives 0.6, 0.4, 0.4, 0.2.
    // AUC by pairs (16): 0.8 beats 4 → 4; 0.6 beats 3, ties 1 → 3.5; 0.4 beats 1, ties 2 → 2; 0.2 ties 1 → 0.5; 10/16.
    const y = Int32Array.from([1, 1, 0, 1, 0, 0, 1, 0]);
    const s = Float32Array.from([0.8, 0.6, 0.6, 0.4, 0.4, 0.4, 0.2, 0.2]);
    const r = classificationReport(y, s, 2);
    expect(r.rocAuc).toBe(0.625);
    // decisions 1 1 1 0 0 0 0 0 → TP 2, FP 1, FN 2, TN 3
    expect(r.confusionMatrix).toEqual([
      [3, 1],
      [2, 2],
    ]);
    expect(r.accuracy).toBe(5 / 8);
    expect(r.precision).toBeCloseTo(2 / 3, 12);
    expect(r.recall).toBe(1 / 2);
    expect(r.f1).toBeCloseTo(4 / 7, 12);
    // class 0 seen as its own class: TP 3, FP 2, FN 1 → P 3/5, R 3/4, F1 2/3; macro F1 (2/3 + 4/7) / 2
    expect(r.perClass[0]!.precision).toBeCloseTo(3 / 5, 12);
    expect(r.perClass[0]!.recall).toBe(3 / 4);
    expect(r.perClass[0]!.f1).toBeCloseTo(2 / 3, 12);
    expect(r.macro.f1).toBeCloseTo(13 / 21, 12);
    expect(r.threshold).toBe(0.5);
  });
});
