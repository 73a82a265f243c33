/**
 * Reproducible randomness for tfjs. tfjs draws every unseeded initializer and dropout mask from a seed it takes
 * from `Math.random()` (tfjs-core `rand_util`), so replacing `Math.random` with a seeded generator while a model
 * is built and trained makes the initial weights and dropout masks a function of the `train` seed.
 *
 * The generator is mulberry32 (the same sequence as runtime/data's `mulberry32`), whose whole state is one
 * 32-bit integer: {@link randomState} reads it and {@link setRandomState} sets it, so a checkpoint can store it
 * and a resumed run draws exactly the dropout masks the uninterrupted run would have drawn.
 */

/** mulberry32 with an inspectable state (one uint32). */
export class SeededRandom {
  /** The generator's state, a uint32; the next value is a function of it alone. */
  state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform float in [0, 1); advances the state (mulberry32, Tommy Ettinger). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Standard normal N(0, 1) by the Box–Muller transform (two uniforms per value; the second is not cached). */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

let current: SeededRandom | null = null;

/**
 * Run `fn` with `Math.random` replaced by mulberry32(`seed`); the original is restored afterwards, also when
 * `fn` throws.
 */
export async function withSeededRandom<T>(seed: number, fn: () => Promise<T>): Promise<T> {
  const original = Math.random;
  const previous = current;
  const rng = new SeededRandom(seed);
  current = rng;
  Math.random = () => rng.next();
  try {
    return await fn();
  } finally {
    Math.random = original;
    current = previous;
  }
}

/** State of the generator behind `Math.random` inside {@link withSeededRandom}; null outside it. */
export function randomState(): number | null {
  return current ? current.state : null;
}

/**
 * Set the state of the generator behind `Math.random` (inside {@link withSeededRandom}). Throws outside it, or
 * for a value that is not a uint32.
 */
export function setRandomState(state: number): void {
  if (!current) throw new Error('setRandomState: no seeded generator is active (call it inside withSeededRandom)');
  if (!Number.isInteger(state) || state < 0 || state > 0xffffffff) throw new Error(`setRandomState: ${state} is not a uint32`);
  current.state = state;
}
