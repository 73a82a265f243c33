/** "Did you mean …?" suggestions by edit distance. */

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and transpositions of two
 * adjacent characters each cost 1 (Damerau 1964), so `rleu` is one edit from `relu`.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  const at = (i: number, j: number) => d[i * cols + j]!;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      d[i * cols + j] = v;
    }
  }
  return at(a.length, b.length);
}

/**
 * The closest candidate within a distance that scales with the word's length
 * (1 for short words, up to a third of the length), or undefined. Ties go to the alphabetically first.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of list) {
    if (c === word) continue;
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD || (d === bestD && best !== undefined && c < best)) {
      best = c;
      bestD = d;
    }
  }
  if (bestD <= limit) return best;
  // A truncated name (`drop` for `dropout`) is a common slip too.
  if (word.length >= 3) {
    const prefixed = list.filter((c) => c.toLowerCase().startsWith(word.toLowerCase())).sort();
    if (prefixed.length) return prefixed[0];
  }
  return undefined;
}
