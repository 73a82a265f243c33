/**
 * Reproducible randomness for tfjs. tfjs draws every unseeded initializer and dropout mask from a seed it takes
 * from `Math.random()` (tfjs-core `rand_util`), so replacing `Math.random` with a seeded generator while a model
 * is built and trained makes the initial weights and dropout masks a function of the `train` seed.
 */
import { mulberry32 } from '../data/split.ts';

/**
 * Run `fn` with `Math.random` replaced by mulberry32(`seed`); the original is restored afterwards, also when
 * `fn` throws.
 */
export async function withSeededRandom<T>(seed: number, fn: () => Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = mulberry32(seed >>> 0);
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}
