/**
 * Seeded randomness and train/val/test assignment.
 *
 * The PRNG is mulberry32 (Tommy Ettinger's 32-bit generator): tiny, fast, and the same
 * sequence on every platform. Permutations are Fisher–Yates shuffles driven by it.
 */
import { DataError, show } from './errors.ts';
import { cell, type Row } from './readers.ts';
import type { SplitSpec } from './spec.ts';

/** Names of the three splits, in order. */
export const SPLITS = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLITS)[number];

/** mulberry32 PRNG: returns a function giving uniform floats in [0, 1). `seed` is taken modulo 2^32. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A permutation of 0..n-1: Fisher–Yates with mulberry32(seed). Same seed, same permutation. */
export function permutation(n: number, seed: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** Row indices per split, each in file order, plus rows a column split left out. */
export interface SplitAssignment {
  indices: Record<SplitName, number[]>;
  /** Rows whose split-column value is in none of the lists (column splits only). */
  unassigned: number;
  /** Up to 10 distinct unassigned values, for the report. */
  unassignedValues: string[];
}

/**
 * Assigns rows to splits.
 * - random: permutation(n, seed); the first round(train·n) positions are train, the next
 *   round(val·n) val, the rest test. Fractions must be ≥ 0 and sum to 1 (±1e-6).
 * - column: String(value) looked up in the lists (missing values read as ""); then, with `valShare`, the first
 *   round(valShare·n_train) positions of permutation(n_train, seed) over the train rows move to val.
 * Each split's indices are returned sorted (file order).
 * @throws DataError for invalid fractions, a value listed for two splits, or a missing split column.
 */
export function assignSplits(rows: Row[], spec: SplitSpec, file: string): SplitAssignment {
  const indices: Record<SplitName, number[]> = { train: [], val: [], test: [] };
  const n = rows.length;
  if (spec.kind === 'random') {
    const fr = [spec.train, spec.val, spec.test];
    if (fr.some((f) => !Number.isFinite(f) || f < 0) || Math.abs(fr[0] + fr[1] + fr[2] - 1) > 1e-6) {
      throw new DataError({
        file,
        problem: `split fractions train ${spec.train}, val ${spec.val}, test ${spec.test} do not add up to 1`,
        hint: 'give fractions between 0 and 1 whose sum is 1, e.g. train 0.8 val 0.1 test 0.1',
      });
    }
    const perm = permutation(n, spec.seed);
    const nTrain = Math.round(spec.train * n);
    const nVal = Math.min(n - nTrain, Math.round(spec.val * n));
    for (let k = 0; k < n; k++) {
      const s: SplitName = k < nTrain ? 'train' : k < nTrain + nVal ? 'val' : 'test';
      indices[s].push(perm[k]);
    }
    for (const s of SPLITS) indices[s].sort((a, b) => a - b);
    return { indices, unassigned: 0, unassignedValues: [] };
  }
  const lookup = new Map<string, SplitName>();
  for (const s of SPLITS) {
    for (const v of spec[s]) {
      const prev = lookup.get(v);
      if (prev !== undefined && prev !== s) {
        throw new DataError({
          file,
          column: spec.column,
          problem: `split value ${show(v)} is listed for both ${prev} and ${s}`,
          hint: 'list each value under one split only',
        });
      }
      lookup.set(v, s);
    }
  }
  let unassigned = 0;
  const unassignedValues = new Set<string>();
  for (let i = 0; i < n; i++) {
    const raw = cell(rows[i], spec.column);
    const key = raw === undefined || raw === null ? '' : String(raw);
    const s = lookup.get(key);
    if (s === undefined) {
      unassigned++;
      if (unassignedValues.size < 10) unassignedValues.add(key);
    } else indices[s].push(i);
  }
  const share = spec.valShare ?? 0;
  if (!(share >= 0 && share < 1)) {
    throw new DataError({ file, problem: `val share ${share} is not in [0, 1)`, hint: 'give the share of train rows to hold out for validation, e.g. val_share 0.1' });
  }
  if (share > 0) {
    const train = indices.train;
    const perm = permutation(train.length, spec.seed ?? 42);
    const nVal = Math.round(share * train.length);
    const moved = new Set<number>();
    for (let k = 0; k < nVal; k++) moved.add(train[perm[k]]);
    indices.train = train.filter((i) => !moved.has(i));
    indices.val = [...indices.val, ...moved].sort((a, b) => a - b);
  }
  return { indices, unassigned, unassignedValues: [...unassignedValues] };
}

/**
 * Mini-batches of row positions for one pass over a split: a permutation of 0..size-1
 * drawn with mulberry32(seed), cut into consecutive chunks of `batchSize` (the last one
 * may be smaller unless `dropLast`). Use the same index array for every input and the
 * labels so all modalities stay aligned; pass a different seed per epoch (e.g. seed + epoch).
 * @throws RangeError when batchSize is not a positive integer.
 */
export function* batches(split: { size: number }, batchSize: number, seed: number, dropLast = false): Generator<Int32Array> {
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const perm = permutation(split.size, seed);
  for (let start = 0; start < perm.length; start += batchSize) {
    const end = Math.min(start + batchSize, perm.length);
    if (dropLast && end - start < batchSize) return;
    yield perm.subarray(start, end);
  }
}
