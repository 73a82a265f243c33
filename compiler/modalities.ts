/**
 * Modalities beyond text, tabular, categorical and image: `audio`, `timeseries`, `signal`, `video`.
 *
 * The compiler knows each one's parameters (with ranges), its per-sample tensor type and the preprocessing plan
 * the runtime executes (runtime/data/media.ts reads audio, time series and signals). Video stays shape-level: the
 * data pipeline does not read it yet, so `mmfc train` refuses a model that uses one (MMF4002,
 * compiler/trainable.ts); `mmfc check` and `mmfc build` handle it fully.
 *
 * | kind | per-sample type |
 * |---|---|
 * | `audio(sample_rate, clip, features, window, hop, mels, mfcc)` | float32 `[batch, frames, mels or mfcc]` |
 * | `timeseries(channels C, length L)` | float32 `[batch, L, C]` |
 * | `signal(channels C, length L, rate R)` | float32 `[batch, L, C]` (physiological: ECG, EEG; R in Hz) |
 * | `video(frames F, height H, width W, channels C)` | float32 `[batch, F, H, W, C]` (frames, then NHWC) |
 */
import type { Diagnostic } from '../grammar/diagnostic.ts';
import { diagnostic } from '../grammar/diagnostic.ts';
import type { Bound, ParamSpec } from './args.ts';
import { BATCH, type TensorType } from './shape.ts';

/** Preprocessing of a shape-level modality input (a variant of ir.ts InputPlan). */
export type ModalityPlan =
  /**
   * A mono clip resampled to `sampleRate`, cut or zero-padded to `clip` seconds, framed with a Hann window of
   * `window` seconds every `hop` seconds (no centring), then log-mel energies (`mels` bands) or the first `mfcc`
   * cepstral coefficients of them. The column holds a WAV path or an array of samples.
   */
  | {
      name: string;
      kind: 'audio';
      column: string;
      sampleRate: number;
      clip: number;
      features: 'log_mel' | 'mfcc';
      window: number;
      hop: number;
      mels: number;
      mfcc: number;
      /** zscore: each feature (mel band or coefficient) standardised with its mean and deviation over the train frames. */
      normalize: 'zscore' | 'none';
      /** Derived: frames and features per frame (the input is [b, frames, featureCount]). */
      frames: number;
      featureCount: number;
    }
  /** A multichannel series of `length` steps; the column holds an array of `length` rows of `channels` numbers. */
  | { name: string; kind: 'timeseries'; column: string; channels: number; length: number; normalize: 'zscore' | 'none' }
  /** A physiological signal sampled at `rate` Hz (12-lead ECG: channels 12, rate 500), laid out as a time series. */
  | { name: string; kind: 'signal'; column: string; channels: number; length: number; rate: number; normalize: 'zscore' | 'none' }
  /** `frames` images of height × width × channels; the column holds a folder of frames or a nested array. */
  | {
      name: string;
      kind: 'video';
      column: string;
      frames: number;
      height: number;
      width: number;
      channels: number;
      normalize: 'none' | 'unit';
    };

const SERIES: readonly ParamSpec[] = [
  { name: 'channels', type: { t: 'int' }, doc: 'values per time step (leads, sensors)', required: true, min: 1, max: 4096 },
  { name: 'length', type: { t: 'int' }, doc: 'time steps per sample', required: true, min: 1, max: 10_000_000 },
  {
    name: 'normalize',
    type: { t: 'enum', values: ['zscore', 'none'] },
    doc: 'zscore: per-channel mean and deviation of the training split; none: values as stored',
    default: 'zscore',
  },
];

/** Parameter lists of the modality kinds, keyed by kind (merged into data-decls.ts INPUT_KINDS). */
export const MODALITY_KINDS: Record<ModalityPlan['kind'], readonly ParamSpec[]> = {
  audio: [
    { name: 'sample_rate', type: { t: 'int' }, doc: 'samples per second after resampling', default: 16000, min: 1000, max: 384000, aliases: ['sr', 'rate'] },
    { name: 'clip', type: { t: 'number' }, doc: 'seconds per sample (cut or zero-padded)', default: 1, min: 0, max: 3600, minExclusive: true },
    {
      name: 'features',
      type: { t: 'enum', values: ['log_mel', 'mfcc'] },
      doc: 'log_mel: log mel-band energies; mfcc: their first cepstral coefficients',
      default: 'log_mel',
    },
    { name: 'window', type: { t: 'number' }, doc: 'analysis window in seconds', default: 0.025, min: 0, max: 1, minExclusive: true },
    { name: 'hop', type: { t: 'number' }, doc: 'seconds between window starts', default: 0.01, min: 0, max: 1, minExclusive: true },
    { name: 'mels', type: { t: 'int' }, doc: 'mel bands', default: 40, min: 1, max: 512 },
    { name: 'mfcc', type: { t: 'int' }, doc: 'cepstral coefficients kept (features mfcc), at most mels', default: 13, min: 1, max: 512 },
    {
      name: 'normalize',
      type: { t: 'enum', values: ['zscore', 'none'] },
      doc: 'zscore: each feature standardised with its mean and deviation over the training frames; none: as computed',
      default: 'zscore',
    },
  ],
  timeseries: SERIES,
  signal: [...SERIES, { name: 'rate', type: { t: 'number' }, doc: 'samples per second (Hz)', required: true, min: 0, max: 1e6, minExclusive: true }],
  video: [
    { name: 'frames', type: { t: 'int' }, doc: 'frames per clip', required: true, min: 1, max: 100_000 },
    { name: 'height', type: { t: 'int' }, doc: 'rows of pixels', required: true, min: 1, max: 16384 },
    { name: 'width', type: { t: 'int' }, doc: 'columns of pixels', required: true, min: 1, max: 16384 },
    { name: 'channels', type: { t: 'int' }, doc: 'values per pixel (1 grey, 3 RGB)', default: 3, min: 1, max: 1024 },
    { name: 'normalize', type: { t: 'enum', values: ['none', 'unit'] }, doc: 'none: as stored; unit: divided by 255', default: 'unit' },
  ],
};

export function isModalityKind(kind: string): kind is ModalityPlan['kind'] {
  return Object.hasOwn(MODALITY_KINDS, kind);
}

/**
 * Frames of a clip, framed without centring (librosa `stft(center=False)`; Kaldi/HTK `snip_edges=true`):
 * `1 + ⌊(N − n_win) / n_hop⌋` with N = round(clip·sr), n_win = round(window·sr), n_hop = round(hop·sr) samples.
 * 1 s at 16 kHz, 25 ms windows every 10 ms: N = 16000, n_win = 400, n_hop = 160 → 1 + ⌊15600/160⌋ = 98 frames.
 * Returns 0 when the window is longer than the clip.
 */
export function audioFrames(sampleRate: number, clip: number, window: number, hop: number): number {
  const n = Math.round(clip * sampleRate);
  const win = Math.round(window * sampleRate);
  const step = Math.max(1, Math.round(hop * sampleRate));
  return n < win ? 0 : 1 + Math.floor((n - win) / step);
}

/**
 * The type and plan of a modality input from its bound arguments; reports MMF3001 (a window or hop shorter than
 * one sample, more MFCCs than mel bands) and MMF2006 (a window longer than the clip) at the argument.
 */
export function modalityInput(
  kind: ModalityPlan['kind'],
  b: Bound,
  name: string,
  column: string,
  fallback: import('../grammar/diagnostic.ts').Range,
  diags: Diagnostic[],
): { out: TensorType; plan: ModalityPlan } | undefined {
  const v = b.values;
  const at = (k: string) => b.at[k]?.range ?? fallback;
  if (kind === 'audio') {
    const [sr, clip, window, hop] = [v.sample_rate as number, v.clip as number, v.window as number, v.hop as number];
    const [mels, mfcc] = [v.mels as number, v.mfcc as number];
    const features = v.features as 'log_mel' | 'mfcc';
    let ok = true;
    for (const [k, s] of [['window', window], ['hop', hop]] as const)
      if (Math.round(s * sr) < 1) {
        diags.push(
          diagnostic('MMF3001', 'error', `audio ${k} ${s} s is shorter than one sample at ${sr} Hz`, at(k), `Use at least ${+(1 / sr).toPrecision(3)} s.`),
        );
        ok = false;
      }
    if (features === 'mfcc' && mfcc > mels) {
      diags.push(
        diagnostic('MMF3001', 'error', `audio asks for ${mfcc} MFCCs from ${mels} mel bands; there can be at most ${mels}`, at('mfcc'), `Use mfcc ${Math.min(13, mels)} or more mels.`),
      );
      ok = false;
    }
    if (!ok) return undefined;
    const frames = audioFrames(sr, clip, window, hop);
    if (frames < 1) {
      diags.push(
        diagnostic(
          'MMF2006',
          'error',
          `audio window ${window} s (${Math.round(window * sr)} samples) is longer than the ${clip} s clip (${Math.round(clip * sr)} samples): no frame fits`,
          at('window'),
          `Use a window of at most ${clip} s or a longer clip.`,
        ),
      );
      return undefined;
    }
    const featureCount = features === 'mfcc' ? mfcc : mels;
    return {
      out: { shape: [BATCH, frames, featureCount], dtype: 'float32' },
      plan: { name, kind, column, sampleRate: sr, clip, features, window, hop, mels, mfcc, normalize: v.normalize as 'zscore' | 'none', frames, featureCount },
    };
  }
  if (kind === 'timeseries' || kind === 'signal') {
    const [channels, length] = [v.channels as number, v.length as number];
    const normalize = v.normalize as 'zscore' | 'none';
    const out: TensorType = { shape: [BATCH, length, channels], dtype: 'float32' };
    return kind === 'signal'
      ? { out, plan: { name, kind, column, channels, length, rate: v.rate as number, normalize } }
      : { out, plan: { name, kind, column, channels, length, normalize } };
  }
  const [frames, height, width, channels] = [v.frames as number, v.height as number, v.width as number, v.channels as number];
  return {
    out: { shape: [BATCH, frames, height, width, channels], dtype: 'float32' },
    plan: { name, kind, column, frames, height, width, channels, normalize: v.normalize as 'none' | 'unit' },
  };
}

/**
 * Verify an input's optional shape annotation (`input s: audio(...) from d.wav -> [batch, 98, 40]`) against its
 * type, by the pipeline rule: numbers match exactly, `_` matches anything, `batch` only the batch, another name
 * any known size. MMF2003 at the annotation on a mismatch.
 */
export function checkInputAnnotation(
  name: string,
  type: TensorType,
  s: import('../grammar/ast.ts').ShapeLit,
  diags: Diagnostic[],
): void {
  const actual = type.shape;
  const ok =
    s.dims.length === actual.length &&
    s.dims.every((d, i) => {
      const a = actual[i]!;
      if (d.kind === 'DimWildcard') return true;
      if (d.kind === 'DimNumber') return a === d.value;
      return typeof a === 'string' ? a === d.name : i !== 0;
    });
  if (ok) return;
  const written = `[${s.dims.map((d) => (d.kind === 'DimNumber' ? d.value : d.kind === 'DimName' ? d.name : '_')).join(', ')}]`;
  const shown = `[${actual.join(', ')}]`;
  diags.push(
    diagnostic('MMF2003', 'error', `Shape annotation ${written} does not match ${shown} ${type.dtype}, the type of input ${name}`, s.range, `Change the annotation to ${shown}.`),
  );
}
