/**
 * Bootstrap samples for bagging (Breiman, "Bagging predictors", Machine Learning 24, 1996), as scikit-learn's
 * `BaggingClassifier(bootstrap=True, max_samples=fraction)`: each member trains on ⌊fraction·n⌋ rows drawn
 * uniformly with replacement (sklearn `_generate_bagging_indices` → `random_state.randint(0, n, max_samples)`).
 * Randomness is mulberry32 (runtime/data/split.ts), one stream per member seeded from the ensemble seed and the
 * member number, so member i's sample does not depend on how many members there are.
 */
import { mulberry32 } from '../data/split.ts';

/** Seed of bagging member `member` (0-based) of an ensemble seeded `seed`: distinct per member, reproducible. */
export function memberSeed(seed: number, member: number): number {
  return (Math.imul((seed | 0) ^ 0x27d4eb2f, 0x165667b1) + Math.imul(member + 1, 0x9e3779b1)) >>> 0;
}

/**
 * ⌊fraction·n⌋ row indices in [0, n), drawn with replacement, in draw order.
 * @param fraction in (0, 1] (sklearn also allows > 1 with replacement; we cap at 1 as the language does)
 * @throws RangeError for n < 1, a fraction outside (0, 1] or a sample of 0 rows
 */
export function bootstrapIndices(n: number, fraction: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`bootstrap: need at least one row, got ${n}`);
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`bootstrap: the fraction must be in (0, 1], got ${fraction}`);
  const m = Math.floor(fraction * n);
  if (m < 1) throw new RangeError(`bootstrap: a fraction of ${fraction} of ${n} rows is no row at all`);
  const rand = mulberry32(seed);
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) out[i] = Math.floor(rand() * n);
  return out;
}
