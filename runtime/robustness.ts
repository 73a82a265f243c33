/**
 * Robustness to missing and noisy modalities, as MultiBench (Liang et al. 2021) measures it: evaluate a trained
 * model on the same split with one input removed or corrupted, at several noise levels.
 *
 * - `drop`: the input carries no information. Text becomes all padding (id 0), a categorical input the
 *   unknown id (0), numbers, images, audio and series zeros (after preprocessing: for z-scored columns this is
 *   the training mean).
 * - `noise` at level L: numeric inputs (tabular, image, audio, series) get x + L·σ_f·ε with ε ~ N(0, 1) drawn per
 *   value, σ_f the standard deviation of feature f over the evaluated split (a feature is an index of the last
 *   axis: a column, a colour channel, a mel band or MFCC coefficient, a signal channel). Text: every non-padding
 *   token independently becomes the out-of-vocabulary id (1) with probability L; categorical: the value becomes
 *   unknown (0) with probability L. So L is a probability in [0, 1] for them.
 *
 * Randomness is seeded per (seed, input, level, row): the same call gives the same result however the rows are
 * batched, and a row's noise does not depend on the other rows.
 */
import type { SplitData } from './data/index.ts';
import { SeededRandom } from './train/seed.ts';

/** One way to perturb an input. */
export type Perturbation = { kind: 'drop'; input: string } | { kind: 'noise'; input: string; level: number };

/** How an input's values are perturbed: token ids (text), category ids (categorical), or numbers. */
export type PerturbKind = 'text' | 'categorical' | 'numeric';

/** The perturbation kind of a data input kind (`text`, `categorical`, `tabular`, `image`, `audio`, …). */
export function perturbKindOf(inputKind: string): PerturbKind {
  return inputKind === 'text' ? 'text' : inputKind === 'categorical' ? 'categorical' : 'numeric';
}

/** Padding (text) and unknown (categorical) id, and the text out-of-vocabulary id (runtime/data/preprocess). */
const EMPTY_ID = 0;
const OOV = 1;

interface FeatureLike {
  data?: Int32Array | Float32Array;
  shape: number[];
  dtype: 'int32' | 'float32';
  rows?: (idx: ArrayLike<number>) => Float32Array;
}

/** FNV-1a of a string, for per-input seeds. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The seed of row `row` of a perturbation: mixes the run seed, input name, level and row index. */
function rowSeed(seed: number, p: Perturbation, row: number): number {
  const level = p.kind === 'noise' ? Math.round(p.level * 1e6) : 0xd0d0;
  let h = (hashString(p.input) ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ level, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ row, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** All rows of a feature, or rows `idx`, as a typed array of the feature's dtype. */
function valuesOf(f: FeatureLike, idx?: ArrayLike<number>): Int32Array | Float32Array {
  const n = f.shape[0]!;
  const width = f.shape.slice(1).reduce((a, b) => a * b, 1);
  const ids = idx ?? Int32Array.from({ length: n }, (_, i) => i);
  if (typeof f.rows === 'function') {
    const v = f.rows(ids);
    return f.dtype === 'int32' ? Int32Array.from(v) : v;
  }
  if (!f.data) throw new Error('a feature without values');
  if (!idx) return f.data;
  const out = f.dtype === 'int32' ? new Int32Array(ids.length * width) : new Float32Array(ids.length * width);
  for (let r = 0; r < ids.length; r++) out.set(f.data.subarray(ids[r]! * width, (ids[r]! + 1) * width), r * width);
  return out;
}

/**
 * Standard deviation (population) of each feature — each index of the last axis — over all rows of a numeric
 * feature `[n, …, F]`. Read in chunks of 256 rows (features computed from files are decoded once).
 */
export function featureStd(f: FeatureLike): Float64Array {
  const n = f.shape[0]!;
  const F = f.shape.length > 1 ? f.shape[f.shape.length - 1]! : 1;
  const sum = new Float64Array(F);
  const sq = new Float64Array(F);
  let count = 0;
  for (let s = 0; s < n; s += 256) {
    const idx = Int32Array.from({ length: Math.min(256, n - s) }, (_, i) => s + i);
    const v = valuesOf(f, idx);
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      sum[i % F] += x;
      sq[i % F] += x * x;
    }
    count += v.length / F;
  }
  const out = new Float64Array(F);
  for (let j = 0; j < F; j++) {
    const mean = count ? sum[j]! / count : 0;
    out[j] = count ? Math.sqrt(Math.max(0, sq[j]! / count - mean * mean)) : 0;
  }
  return out;
}

/** Perturb the values of rows `idx` (row-major, `width` values each) in place. */
function perturbRows(v: Int32Array | Float32Array, idx: ArrayLike<number>, width: number, kind: PerturbKind, p: Perturbation, seed: number, std: Float64Array | null): void {
  if (p.kind === 'drop') {
    v.fill(EMPTY_ID);
    return;
  }
  const F = std ? std.length : 1;
  for (let r = 0; r < idx.length; r++) {
    const rng = new SeededRandom(rowSeed(seed, p, idx[r]!));
    const base = r * width;
    if (kind === 'text') {
      for (let k = 0; k < width; k++) if (v[base + k] !== EMPTY_ID && rng.next() < p.level) v[base + k] = OOV;
    } else if (kind === 'categorical') {
      for (let k = 0; k < width; k++) if (rng.next() < p.level) v[base + k] = EMPTY_ID;
    } else {
      for (let k = 0; k < width; k++) v[base + k] += p.level * std![k % F]! * rng.normal();
    }
  }
}

/**
 * A copy of `split` in which input `p.input` is dropped or noised (module comment), the other inputs, labels
 * and keys shared with `split`. `inputKind` is the data input's kind (`text`, `categorical`, `tabular`, …).
 * Inputs computed per batch stay computed: their rows are perturbed as they are read.
 * @throws Error naming the input when the split has no such input, or a text/categorical noise level is not in [0, 1]
 *   or a numeric one is negative or not finite.
 */
export function perturbSplit(split: SplitData, inputKind: string, p: Perturbation, seed = 0): SplitData {
  const f = split.inputs[p.input] as FeatureLike | undefined;
  if (!f) throw new Error(`no input named '${p.input}' (inputs: ${Object.keys(split.inputs).join(', ')})`);
  const kind = perturbKindOf(inputKind);
  if (p.kind === 'noise') {
    if (!Number.isFinite(p.level) || p.level < 0) throw new Error(`noise level for '${p.input}' must be a number ≥ 0, got ${p.level}`);
    if (kind !== 'numeric' && p.level > 1)
      throw new Error(`noise level for ${inputKind} input '${p.input}' is the share of tokens replaced, in [0, 1]; got ${p.level}`);
  }
  const width = f.shape.slice(1).reduce((a, b) => a * b, 1);
  const std = kind === 'numeric' && p.kind === 'noise' ? featureStd(f) : null;
  let feature: FeatureLike;
  if (typeof f.rows === 'function') {
    const rows = (idx: ArrayLike<number>) => {
      const v = Float32Array.from(valuesOf(f, idx));
      perturbRows(v, idx, width, kind, p, seed, std);
      return v;
    };
    feature = {
      shape: f.shape,
      dtype: f.dtype,
      rows,
      get data() {
        return rows(Int32Array.from({ length: f.shape[0]! }, (_, i) => i));
      },
    } as FeatureLike;
  } else {
    const all = Int32Array.from({ length: f.shape[0]! }, (_, i) => i);
    const v = f.dtype === 'int32' ? Int32Array.from(valuesOf(f)) : Float32Array.from(valuesOf(f));
    perturbRows(v, all, width, kind, p, seed, std);
    feature = { data: v, shape: f.shape, dtype: f.dtype };
  }
  return { ...split, inputs: { ...split.inputs, [p.input]: feature as SplitData['inputs'][string] } };
}

/**
 * Parse `NAME:LEVEL` (a `--noise` argument). Several levels may be given at once: `body:0.1,0.3`.
 * @throws Error saying what is expected.
 */
export function parseNoise(arg: string): Perturbation[] {
  const at = arg.lastIndexOf(':');
  if (at <= 0 || at === arg.length - 1) throw new Error(`--noise takes INPUT:LEVEL (for example body:0.2), got '${arg}'`);
  const input = arg.slice(0, at);
  return arg
    .slice(at + 1)
    .split(',')
    .map((s) => {
      const level = Number(s);
      if (s.trim() === '' || !Number.isFinite(level) || level < 0) throw new Error(`--noise ${arg}: the level '${s}' is not a number ≥ 0`);
      return { kind: 'noise' as const, input, level };
    });
}
