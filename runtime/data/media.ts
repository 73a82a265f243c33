/**
 * Inputs read from media and arrays: images (PNG/JPEG paths, IDX pixels, pixel arrays), audio (WAV paths, sample
 * arrays) and time series / signals (numeric arrays). Fitting happens on the train rows only; the fitted state is
 * plain JSON saved with the model (preprocess.json), so eval and predict apply the same transform.
 *
 * Memory: images are kept as bytes and normalised per batch; when the decoded data of an input would exceed the
 * memory budget, nothing is kept and every batch decodes its files from disk again (see {@link MediaOptions}).
 */
import { isAbsolute, resolve } from 'node:path';
import { AudioDecodeError, AudioFeaturizer, readWavFile, type DecodedAudio } from './audio.ts';
import { DataError, show } from './errors.ts';
import { ImageDecodeError, prepareImage, readImageFile, type RawImage } from './image.ts';
import { isMissing, type RowContext } from './preprocess.ts';
import { cell, type Row } from './readers.ts';
import type { AudioInputSpec, ImageInputSpec, SeriesInputSpec } from './spec.ts';

/** Fitted state of an image input: per-channel shift and scale, in pixel units (x − mean_c) / std_c. */
export interface ImageState {
  kind: 'image';
  height: number;
  width: number;
  channels: number;
  normalize: 'none' | 'unit' | 'zscore';
  mean: number[];
  std: number[];
}

/**
 * State of an audio input: the settings its features were computed with, and per feature (mel band or MFCC) the
 * train mean and population deviation over all frames (zscore; 0 and 1 with normalize none).
 */
export interface AudioState {
  kind: 'audio';
  sampleRate: number;
  clip: number;
  features: 'log_mel' | 'mfcc';
  window: number;
  hop: number;
  mels: number;
  mfcc: number;
  normalize: 'zscore' | 'none';
  mean: number[];
  std: number[];
}

/** Fitted state of a time series / signal input: per-channel train mean and population deviation (finite values). */
export interface SeriesState {
  kind: 'timeseries' | 'signal';
  channels: number;
  length: number;
  normalize: 'zscore' | 'none';
  mean: number[];
  std: number[];
}

export type MediaState = ImageState | AudioState | SeriesState;

/**
 * A feature computed per batch instead of stored as one dense array: `rows(idx)` returns the values of rows `idx`
 * (row-major, `[idx.length, ...shape.slice(1)]`) as a fresh Float32Array. Its `data` is a getter that computes
 * every row at each access (float32, for code written for dense features); batch code must use `rows` (through
 * runtime/data `featureRows`) so the whole set is never one array.
 */
export interface ComputedFeature {
  shape: number[];
  dtype: 'float32';
  readonly data: Float32Array;
  rows: (idx: ArrayLike<number>) => Float32Array;
  /** `memory`: bytes held (images); `disk`: decoded from the files at every batch. */
  storage: 'memory' | 'disk';
  /** Bytes held in memory by this feature. */
  bytes: number;
}

/** A dense feature (as in runtime/data/index.ts Feature). */
export interface DenseValues {
  data: Float32Array;
  shape: number[];
  dtype: 'float32';
}

/** A {@link ComputedFeature} from its parts (adds the materialising `data` getter). */
export function computedFeature(shape: number[], rows: (idx: ArrayLike<number>) => Float32Array, storage: 'memory' | 'disk', bytes: number): ComputedFeature {
  return {
    shape,
    dtype: 'float32',
    rows,
    storage,
    bytes,
    get data(): Float32Array {
      return rows(Int32Array.from({ length: shape[0] }, (_, i) => i));
    },
  };
}

/** Memory limits of the media readers. */
export interface MediaOptions {
  /**
   * Most bytes one input may keep in memory (images as bytes, audio as float32 features) over all splits; above
   * it the input streams from disk. Default: env MMF_DATA_MEMORY_MB (MiB), else 2048 MiB.
   */
  memoryBytes?: number;
}

/** The memory budget in bytes from the options or the environment. */
export function memoryBudget(opts: MediaOptions = {}): number {
  if (opts.memoryBytes !== undefined) return opts.memoryBytes;
  const env = Number(process.env.MMF_DATA_MEMORY_MB);
  return Number.isFinite(env) && env > 0 ? env * 1024 * 1024 : 2048 * 1024 * 1024;
}

/** Where the rows of one dataset come from, for messages and relative paths. */
export interface MediaContext extends RowContext {
  /** Absolute folder that relative file paths in cells are resolved against. */
  dir: string;
}

function fileError(ctx: MediaContext, i: number, column: string, what: string, value: string, abs: string, e: unknown): DataError {
  const code = (e as NodeJS.ErrnoException).code;
  if (e instanceof ImageDecodeError || e instanceof AudioDecodeError) {
    return new DataError({ file: ctx.file, where: ctx.where(i), column, problem: `${what} ${JSON.stringify(value)}: ${e.message}`, hint: e.hint, cause: e });
  }
  if (code === 'ENOENT') {
    return new DataError({ file: ctx.file, where: ctx.where(i), column, problem: `${what} ${JSON.stringify(value)} not found (looked for ${abs})`, hint: 'fix the path (it is relative to the data file), or remove the row' });
  }
  if (code === 'EISDIR') {
    return new DataError({ file: ctx.file, where: ctx.where(i), column, problem: `${what} ${JSON.stringify(value)} is a folder (${abs})`, hint: 'name a file' });
  }
  return new DataError({ file: ctx.file, where: ctx.where(i), column, problem: `${what} ${JSON.stringify(value)} cannot be read (${(e as Error).message})`, hint: 'check the file and its permissions', cause: e });
}

function missingCell(ctx: MediaContext, i: number, column: string, input: string, kind: string): DataError {
  return new DataError({ file: ctx.file, where: ctx.where(i), column, problem: `${kind} input "${input}" has no value here`, hint: `give every row a ${kind === 'image' ? 'PNG/JPEG path' : kind === 'audio' ? 'WAV path' : 'value'}, or remove the row` });
}

function resolveCell(ctx: MediaContext, value: string): string {
  return isAbsolute(value) ? value : resolve(ctx.dir, value);
}

function isRawImage(v: unknown): v is RawImage {
  return typeof v === 'object' && v !== null && (v as RawImage).data instanceof Uint8Array && typeof (v as RawImage).height === 'number';
}

// ---------------------------------------------------------------- images

/** One sample's 8-bit pixels [height, width, channels] for an image input, from whatever its cell holds. Also tells whether it was resized. */
export function imageCell(spec: ImageInputSpec, v: unknown, ctx: MediaContext, i: number): { pixels: Uint8Array; resized: boolean } {
  const { height: H, width: W, channels: C } = spec;
  if (isMissing(v)) throw missingCell(ctx, i, spec.column, spec.name, 'image');
  let img: RawImage;
  if (typeof v === 'string') {
    const abs = resolveCell(ctx, v.trim());
    try {
      img = readImageFile(abs);
    } catch (e) {
      throw fileError(ctx, i, spec.column, 'image', v, abs, e);
    }
  } else if (isRawImage(v)) {
    img = v;
  } else if (Array.isArray(v)) {
    if (v.length !== H * W * C || !v.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) {
      throw new DataError({
        file: ctx.file,
        where: ctx.where(i),
        column: spec.column,
        problem: `image input "${spec.name}" expects ${H}·${W}·${C} = ${H * W * C} integers 0…255 (row-major HWC) but found an array of ${v.length} values${v.length === H * W * C ? ' that are not all integers 0…255' : ''}`,
        hint: 'store the pixels as bytes 0…255, or store a PNG/JPEG path instead',
      });
    }
    return { pixels: Uint8Array.from(v as number[]), resized: false };
  } else {
    throw new DataError({ file: ctx.file, where: ctx.where(i), column: spec.column, problem: `image input "${spec.name}" expects a PNG/JPEG path or a pixel array, found ${show(v)}`, hint: 'store the image file path (relative to the data file) in this column' });
  }
  let pixels: Uint8Array;
  try {
    pixels = prepareImage(img, H, W, C);
  } catch (e) {
    throw new DataError({ file: ctx.file, where: ctx.where(i), column: spec.column, problem: `image has ${img.channels} channels and cannot become ${C}: ${(e as Error).message}`, hint: 'declare channels 1 (grey), 3 (RGB) or 4 (RGBA)' });
  }
  return { pixels, resized: img.height !== H || img.width !== W };
}

/** Per-split image statistics. */
export interface ImageStats {
  images: number;
  /** Images whose stored size differed from the declared height × width (resized bilinearly). */
  resized: number;
  storage: 'memory' | 'disk';
}

/**
 * Fits an image input's normalisation: `zscore` → per-channel mean and population standard deviation of the
 * train pixels after decoding and resizing (deviation 0 → 1); `unit` → mean 0, std 255; `none` → mean 0, std 1.
 * @throws DataError for an unreadable file or a bad cell (file, row and column named).
 */
export function fitImage(spec: ImageInputSpec, rows: Row[], ctx: MediaContext): ImageState {
  const C = spec.channels;
  const base = { kind: 'image' as const, height: spec.height, width: spec.width, channels: C, normalize: spec.normalize };
  if (spec.normalize !== 'zscore') return { ...base, mean: new Array(C).fill(0), std: new Array(C).fill(spec.normalize === 'unit' ? 255 : 1) };
  const sum = new Float64Array(C);
  const sq = new Float64Array(C);
  let pixels = 0;
  for (let i = 0; i < rows.length; i++) {
    const { pixels: px } = imageCell(spec, cell(rows[i], spec.column), ctx, i);
    for (let k = 0; k < px.length; k++) {
      sum[k % C] += px[k];
      sq[k % C] += px[k] * px[k];
    }
    pixels += px.length / C;
  }
  const mean = Array.from(sum, (s) => (pixels ? s / pixels : 0));
  const std = Array.from(sq, (s, c) => {
    const v = pixels ? s / pixels - mean[c] * mean[c] : 0;
    return v > 1e-12 ? Math.sqrt(v) : 1;
  });
  return { ...base, mean, std };
}

/** Normalises bytes [rows, H, W, C] into float32: (x − mean_c) / std_c. */
function normaliseBytes(src: Uint8Array, state: ImageState, out: Float32Array, outOffset: number): void {
  const C = state.channels;
  const inv = state.std.map((s) => 1 / s);
  for (let k = 0; k < src.length; k++) {
    const c = k % C;
    out[outOffset + k] = (src[k] - state.mean[c]) * inv[c];
  }
}

/**
 * Encodes an image input for all `rows`: bytes in memory when n·H·W·C ≤ `budget`, else a disk-backed feature
 * that decodes its rows' files at every batch (every file is decoded once here all the same, so a bad file is
 * reported at load time, not in epoch 3). Either way `rows(idx)` returns normalised float32 [idx.length, H, W, C].
 */
export function encodeImage(spec: ImageInputSpec, state: ImageState, rows: Row[], ctx: MediaContext, budget: number): { feature: ComputedFeature; stats: ImageStats } {
  const n = rows.length;
  const width = spec.height * spec.width * spec.channels;
  const shape = [n, spec.height, spec.width, spec.channels];
  const inMemory = n * width <= budget;
  let resized = 0;
  if (inMemory) {
    const bytes = new Uint8Array(n * width);
    for (let i = 0; i < n; i++) {
      const r = imageCell(spec, cell(rows[i], spec.column), ctx, i);
      bytes.set(r.pixels, i * width);
      if (r.resized) resized++;
    }
    const rowsOf = (idx: ArrayLike<number>): Float32Array => {
      const out = new Float32Array(idx.length * width);
      for (let r = 0; r < idx.length; r++) normaliseBytes(bytes.subarray(idx[r] * width, (idx[r] + 1) * width), state, out, r * width);
      return out;
    };
    return { feature: computedFeature(shape, rowsOf, 'memory', bytes.byteLength), stats: { images: n, resized, storage: 'memory' } };
  }
  for (let i = 0; i < n; i++) if (imageCell(spec, cell(rows[i], spec.column), ctx, i).resized) resized++;
  const rowsOf = (idx: ArrayLike<number>): Float32Array => {
    const out = new Float32Array(idx.length * width);
    for (let r = 0; r < idx.length; r++) normaliseBytes(imageCell(spec, cell(rows[idx[r]], spec.column), ctx, idx[r]).pixels, state, out, r * width);
    return out;
  };
  return { feature: computedFeature(shape, rowsOf, 'disk', 0), stats: { images: n, resized, storage: 'disk' } };
}

// ---------------------------------------------------------------- audio

/**
 * The state of an audio input: its settings (checked against the spec when a saved state is applied) and, for
 * zscore, each feature's mean and population deviation over every frame of the train clips (deviation 0 → 1).
 * @throws DataError for a missing or undecodable file (file, row and column named).
 */
export function fitAudio(spec: AudioInputSpec, rows: Row[], ctx: MediaContext): AudioState {
  const { sampleRate, clip, features, window, hop, mels, mfcc } = spec;
  const normalize = spec.normalize ?? 'none';
  const fz = new AudioFeaturizer(spec);
  const F = fz.featureCount;
  const base = { kind: 'audio' as const, sampleRate, clip, features, window, hop, mels, mfcc, normalize };
  if (normalize !== 'zscore') return { ...base, mean: new Array(F).fill(0), std: new Array(F).fill(1) };
  const sum = new Float64Array(F);
  const sq = new Float64Array(F);
  let frames = 0;
  const buf = new Float32Array(fz.frames * F);
  for (let i = 0; i < rows.length; i++) {
    const a = audioCell(spec, cell(rows[i], spec.column), ctx, i);
    for (const ch of a.channels) for (let k = 0; k < ch.length; k++) if (!Number.isFinite(ch[k])) ch[k] = 0;
    fz.fromDecoded(a, buf, 0);
    for (let k = 0; k < buf.length; k++) {
      sum[k % F] += buf[k];
      sq[k % F] += buf[k] * buf[k];
    }
    frames += fz.frames;
  }
  const mean = Array.from(sum, (v) => (frames ? v / frames : 0));
  const std = Array.from(sq, (v, c) => {
    const d = frames ? v / frames - mean[c] * mean[c] : 0;
    return d > 1e-12 ? Math.sqrt(d) : 1;
  });
  return { ...base, mean, std };
}

/** Standardises features [.., F] in place: (x − mean_f) / std_f. */
function standardise(x: Float32Array, from: number, to: number, state: AudioState): void {
  const F = state.mean.length;
  for (let k = from; k < to; k++) {
    const f = (k - from) % F;
    x[k] = (x[k] - state.mean[f]) / state.std[f];
  }
}

/** Per-split audio statistics. */
export interface AudioStats {
  clips: number;
  /** Clips recorded at another rate (resampled). */
  resampled: number;
  /** Clips longer than the clip length (cut) / shorter (zero-padded). */
  trimmed: number;
  padded: number;
  /** Channels mixed down (clips with more than one channel). */
  mixed: number;
  /** Non-finite samples found in the files (replaced by 0). */
  nonFinite: number;
  storage: 'memory' | 'disk';
}

function audioCell(spec: AudioInputSpec, v: unknown, ctx: MediaContext, i: number): DecodedAudio {
  if (isMissing(v)) throw missingCell(ctx, i, spec.column, spec.name, 'audio');
  if (typeof v === 'string') {
    const abs = resolveCell(ctx, v.trim());
    try {
      return readWavFile(abs);
    } catch (e) {
      throw fileError(ctx, i, spec.column, 'audio file', v, abs, e);
    }
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return { sampleRate: spec.sampleRate, channels: [Float64Array.from(v as number[])] };
  throw new DataError({ file: ctx.file, where: ctx.where(i), column: spec.column, problem: `audio input "${spec.name}" expects a WAV path or an array of samples, found ${show(v)}`, hint: 'store the WAV file path (relative to the data file) in this column' });
}

/**
 * Encodes an audio input for all `rows`: float32 [n, frames, featureCount] features (runtime/data/audio.ts),
 * standardised with the state's per-feature mean and deviation. Dense
 * in memory when they fit the budget; otherwise computed from the files at every batch (each file is decoded
 * once here too, so bad files are reported at load time).
 */
export function encodeAudio(spec: AudioInputSpec, state: AudioState, rows: Row[], ctx: MediaContext, budget: number): { feature: DenseValues | ComputedFeature; stats: AudioStats } {
  const fz = new AudioFeaturizer(spec);
  const n = rows.length;
  const width = fz.frames * fz.featureCount;
  const shape = [n, fz.frames, fz.featureCount];
  const stats: AudioStats = { clips: n, resampled: 0, trimmed: 0, padded: 0, mixed: 0, nonFinite: 0, storage: n * width * 4 <= budget ? 'memory' : 'disk' };
  const decode = (i: number, count: boolean): DecodedAudio => {
    const a = audioCell(spec, cell(rows[i], spec.column), ctx, i);
    for (const ch of a.channels) for (let k = 0; k < ch.length; k++) if (!Number.isFinite(ch[k])) {
      ch[k] = 0;
      if (count) stats.nonFinite++;
    }
    if (count) {
      if (a.sampleRate !== spec.sampleRate) stats.resampled++;
      if (a.channels.length > 1) stats.mixed++;
      const len = Math.round((a.channels[0].length * spec.sampleRate) / a.sampleRate);
      if (len > fz.samples) stats.trimmed++;
      else if (len < fz.samples) stats.padded++;
    }
    return a;
  };
  if (stats.storage === 'memory') {
    const data = new Float32Array(n * width);
    for (let i = 0; i < n; i++) {
      fz.fromDecoded(decode(i, true), data, i * width);
      standardise(data, i * width, (i + 1) * width, state);
    }
    return { feature: { data, shape, dtype: 'float32' }, stats };
  }
  for (let i = 0; i < n; i++) decode(i, true);
  const rowsOf = (idx: ArrayLike<number>): Float32Array => {
    const out = new Float32Array(idx.length * width);
    for (let r = 0; r < idx.length; r++) {
      fz.fromDecoded(decode(idx[r], false), out, r * width);
      standardise(out, r * width, (r + 1) * width, state);
    }
    return out;
  };
  return { feature: computedFeature(shape, rowsOf, 'disk', 0), stats };
}

// ---------------------------------------------------------------- time series / signals

/** Per-split series statistics: missing or non-finite values per channel (replaced by the train mean). */
export interface SeriesStats {
  series: number;
  nonFinite: number[];
}

/**
 * One sample of a series input as [length·channels] float64, row-major (time, then channel): from an array of
 * `length` arrays of `channels` numbers, or (one channel) `length` numbers; a string cell is parsed as JSON
 * first (CSV). Missing entries (null) become NaN, counted later as non-finite.
 * @throws DataError for a cell that is not such an array (file, row and column named).
 */
export function seriesCell(spec: SeriesInputSpec, v: unknown, ctx: MediaContext, i: number): Float64Array {
  const { length: L, channels: C } = spec;
  const bad = (what: string): never => {
    throw new DataError({
      file: ctx.file,
      where: ctx.where(i),
      column: spec.column,
      problem: `${spec.kind} input "${spec.name}" expects ${L} time steps of ${C} number${C > 1 ? 's' : ''} but ${what}`,
      hint: C === 1 ? `store a JSON array of ${L} numbers` : `store a JSON array of ${L} arrays of ${C} numbers each`,
    });
  };
  if (isMissing(v)) bad('the cell is empty');
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      bad(`found the text ${show(v)}, which is not a JSON array`);
    }
  }
  if (!Array.isArray(v)) bad(`found ${show(v)}`);
  const arr = v as unknown[];
  if (arr.length !== L) bad(`found ${arr.length} time steps`);
  const out = new Float64Array(L * C);
  const num = (x: unknown, t: number): number => {
    if (x === null) return NaN;
    if (typeof x === 'number') return x;
    if (typeof x === 'string' && /^\s*[+-]?(nan|inf(inity)?)\s*$/i.test(x)) return Number(x.trim().replace(/^([+-]?)inf$/i, '$1Infinity').replace(/nan/i, 'NaN'));
    return bad(`step ${t + 1} holds ${show(x)}, not a number`);
  };
  for (let t = 0; t < L; t++) {
    const step = arr[t];
    if (C === 1 && !Array.isArray(step)) out[t] = num(step, t);
    else {
      if (!Array.isArray(step) || step.length !== C) bad(`step ${t + 1} holds ${show(step)}`);
      for (let c = 0; c < C; c++) out[t * C + c] = num((step as unknown[])[c], t);
    }
  }
  return out;
}

/** Fits per-channel mean and population deviation over the finite train values (deviation 0 → 1; none → 0 and 1). */
export function fitSeries(spec: SeriesInputSpec, rows: Row[], ctx: MediaContext): SeriesState {
  const C = spec.channels;
  const sum = new Float64Array(C);
  const sq = new Float64Array(C);
  const cnt = new Float64Array(C);
  for (let i = 0; i < rows.length; i++) {
    const x = seriesCell(spec, cell(rows[i], spec.column), ctx, i);
    for (let k = 0; k < x.length; k++) {
      if (!Number.isFinite(x[k])) continue;
      const c = k % C;
      sum[c] += x[k];
      sq[c] += x[k] * x[k];
      cnt[c]++;
    }
  }
  const mean = Array.from(sum, (s, c) => (cnt[c] ? s / cnt[c] : 0));
  const std = Array.from(sq, (s, c) => {
    const v = cnt[c] ? s / cnt[c] - mean[c] * mean[c] : 0;
    return v > 1e-12 ? Math.sqrt(v) : 1;
  });
  const base = { kind: spec.kind, channels: C, length: spec.length, normalize: spec.normalize };
  return spec.normalize === 'zscore' ? { ...base, mean, std } : { ...base, mean: new Array(C).fill(0), std: new Array(C).fill(1) };
}

/**
 * Encodes a series input as float32 [n, length, channels]: (x − mean_c) / std_c; a missing or non-finite value
 * becomes 0 (the train mean after standardisation; with normalize none, 0) and is counted per channel.
 */
export function encodeSeries(spec: SeriesInputSpec, state: SeriesState, rows: Row[], ctx: MediaContext): { feature: DenseValues; stats: SeriesStats } {
  const { length: L, channels: C } = spec;
  const data = new Float32Array(rows.length * L * C);
  const nonFinite = new Array<number>(C).fill(0);
  for (let i = 0; i < rows.length; i++) {
    const x = seriesCell(spec, cell(rows[i], spec.column), ctx, i);
    for (let k = 0; k < x.length; k++) {
      const c = k % C;
      if (!Number.isFinite(x[k])) {
        nonFinite[c]++;
        data[i * L * C + k] = 0;
      } else data[i * L * C + k] = (x[k] - state.mean[c]) / state.std[c];
    }
  }
  return { feature: { data, shape: [rows.length, L, C], dtype: 'float32' }, stats: { series: rows.length, nonFinite } };
}
