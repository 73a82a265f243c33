/**
 * Members are combined by class NAME, never by output column: a member trained with classes [cat, dog] and
 * one trained with [dog, cat] agree on "dog". The ensemble's class order is the first member's; every other
 * member's columns are permuted into it (scikit-learn avoids the problem by fitting one LabelEncoder for all
 * members; ours are trained separately, so the alignment is explicit).
 */

/**
 * For each member, `perm[j]` = the member's column holding the ensemble's class j.
 * @param memberClasses each member's class names in its output order
 * @param reference the ensemble's class order (default: the first member's)
 * @throws Error naming the member and the classes when a member's class set differs from the reference
 */
export function classPermutations(memberClasses: string[][], reference: string[] = memberClasses[0]): Int32Array[] {
  return memberClasses.map((classes, m) => {
    const at = new Map(classes.map((c, i) => [c, i] as const));
    const missing = reference.filter((c) => !at.has(c));
    const extra = classes.filter((c) => !reference.includes(c));
    if (missing.length || extra.length || classes.length !== reference.length) {
      throw new Error(
        `member ${m} predicts classes [${classes.join(', ')}] but the ensemble's are [${reference.join(', ')}]` +
          (missing.length ? `; missing ${missing.join(', ')}` : '') +
          (extra.length ? `; extra ${extra.join(', ')}` : ''),
      );
    }
    return Int32Array.from(reference, (c) => at.get(c)!);
  });
}

/** Probabilities [n, K] in a member's column order → [n, K] in the ensemble's order (`perm` from {@link classPermutations}). */
export function alignProbabilities(probs: ArrayLike<number>, perm: Int32Array): Float64Array {
  const K = perm.length;
  const out = new Float64Array(probs.length);
  for (let r = 0; r < probs.length / K; r++) for (let j = 0; j < K; j++) out[r * K + j] = probs[r * K + perm[j]];
  return out;
}

/** Class indices in a member's order → indices in the ensemble's order. */
export function alignClasses(classes: ArrayLike<number>, perm: Int32Array): Int32Array {
  const inverse = new Int32Array(perm.length);
  perm.forEach((memberCol, j) => (inverse[memberCol] = j));
  return Int32Array.from(classes as ArrayLike<number>, (c) => inverse[c]);
}

/**
 * A head's outputs as full probability rows [n, K]: a sigmoid head's [n, 1] P(positive) becomes [1 − p, p]
 * (classes [negative, positive]); a softmax head's rows are returned as they are.
 */
export function toProbabilityRows(outputs: ArrayLike<number>, units: number): Float64Array {
  if (units !== 1) return Float64Array.from(outputs as ArrayLike<number>);
  const out = new Float64Array(outputs.length * 2);
  for (let i = 0; i < outputs.length; i++) {
    out[2 * i] = 1 - outputs[i];
    out[2 * i + 1] = outputs[i];
  }
  return out;
}
