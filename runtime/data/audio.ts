/**
 * Audio inputs: WAV decoding (npm `wavefile`), mixing to mono, band-limited resampling, padding or trimming to the
 * clip length, and frame features — log-mel energies or MFCCs — computed with npm `fft.js`.
 *
 * The feature recipe, for a clip of N samples at the declared rate sr:
 * 1. frames of `win = round(window·sr)` samples every `hop = round(hop·sr)` samples, without centring or padding
 *    (librosa `stft(center=False)`; Kaldi `snip_edges=true`): `1 + ⌊(N − win) / hop⌋` frames;
 * 2. each frame times a periodic Hann window of length win (scipy `get_window("hann", win)`, librosa's default),
 *    zero-padded to n_fft = the smallest power of two ≥ win, and its power spectrum |X_k|², k = 0 … n_fft/2;
 * 3. mel energies E_m = Σ_k F[m, k]·|X_k|² with the Slaney mel filterbank as librosa
 *    `filters.mel(sr, n_fft, n_mels, fmin=0, fmax=sr/2, htk=False, norm="slaney")`: the Slaney (Auditory Toolbox)
 *    mel scale — linear below 1 kHz (mel = 3·f/200), logarithmic above (mel = 15 + 27·ln(f/1000)/ln 6.4) —
 *    n_mels + 2 points equally spaced in mel between fmin and fmax, triangles between neighbours, each triangle
 *    scaled by 2 / (f_{m+2} − f_m) (equal area);
 * 4. log-mel = ln(E_m + 1e-6) (natural logarithm, floor 1e-6 so silence stays finite);
 * 5. MFCC_c = DCT-II of the log-mel vector with orthonormal scaling (scipy `dct(type=2, norm="ortho")`, as librosa
 *    `feature.mfcc`): MFCC_c = s_c · Σ_m logmel_m · cos(π·c·(m + ½)/M), s_0 = √(1/M), s_c = √(2/M); the first
 *    `mfcc` coefficients are kept. (librosa applies it to dB values, 10·log10; ours uses the natural log above.)
 */
import { readFileSync } from 'node:fs';
import FFT from 'fft.js';
import wavefile from 'wavefile';

/** Audio settings of an input (runtime/data/spec.ts `audio` InputSpec fields). */
export interface AudioSettings {
  sampleRate: number;
  clip: number;
  features: 'log_mel' | 'mfcc';
  window: number;
  hop: number;
  mels: number;
  mfcc: number;
}

/** Why a WAV file could not be decoded (turned into a DataError naming file, row and column by the caller). */
export class AudioDecodeError extends Error {
  override readonly name = 'AudioDecodeError';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** Decoded audio: one Float64Array of samples in [-1, 1] per channel, and the file's sample rate in Hz. */
export interface DecodedAudio {
  sampleRate: number;
  channels: Float64Array[];
}

/**
 * Decodes a WAV file's bytes (PCM 8/16/24/32-bit, IEEE float 32/64-bit, A-law, µ-law, IMA ADPCM; RIFF, RIFX, RF64)
 * to float samples per channel: signed b-bit integers divided by 2^(b−1), 8-bit (unsigned) as (v − 128)/128, floats
 * as stored — the convention of soundfile, scipy and torchaudio.
 * @throws AudioDecodeError when the bytes are not a WAV file wavefile can read, or hold no samples.
 */
export function decodeWav(bytes: Uint8Array): DecodedAudio {
  const wav = new wavefile.WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (e) {
    const riff = bytes.length >= 4 ? String.fromCharCode(...bytes.subarray(0, 4)) : '';
    throw new AudioDecodeError(
      /^(RIFF|RIFX|RF64)$/.test(riff) ? `the WAV file is corrupt (${(e as Error).message})` : `the file is not a WAV file (it does not start with RIFF)`,
      'convert the recording to a PCM WAV file (e.g. sox in.mp3 -b 16 out.wav)',
    );
  }
  // Copied: conversions below replace wav.fmt.
  const fmt = { ...(wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number }) };
  try {
    if (fmt.audioFormat === 6) wav.fromALaw();
    else if (fmt.audioFormat === 7) wav.fromMuLaw();
    else if (fmt.audioFormat === 17) wav.fromIMAADPCM();
  } catch (e) {
    throw new AudioDecodeError(`the WAV encoding (format ${fmt.audioFormat}, ${wav.bitDepth} bits) cannot be decoded (${(e as Error).message})`, 'convert it to 16-bit PCM WAV (sox in.wav -b 16 -e signed-integer out.wav)');
  }
  const raw = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
  const channels = fmt.numChannels > 1 ? (raw as Float64Array[]) : [raw as Float64Array];
  // Integers to [-1, 1) as soundfile, scipy and torchaudio do: signed b-bit PCM / 2^(b−1); 8-bit is unsigned, (v − 128) / 128.
  if (wav.bitDepth !== '32f' && wav.bitDepth !== '64') {
    const bits = parseInt(wav.bitDepth, 10);
    if (!(bits >= 2 && bits <= 32)) throw new AudioDecodeError(`the WAV sample format (${wav.bitDepth} bits) is not supported`, 'convert it to 16-bit PCM WAV (sox in.wav -b 16 -e signed-integer out.wav)');
    const offset = bits === 8 ? 128 : 0;
    const scale = 1 / 2 ** (bits - 1);
    for (const c of channels) for (let i = 0; i < c.length; i++) c[i] = (c[i] - offset) * scale;
  }
  if (!(fmt.sampleRate > 0) || channels.length === 0) throw new AudioDecodeError(`the WAV header says ${fmt.numChannels} channels at ${fmt.sampleRate} Hz`, 're-export the file');
  return { sampleRate: fmt.sampleRate, channels };
}

/** Reads and decodes a WAV file ({@link decodeWav}). @throws ErrnoException (unreadable) or AudioDecodeError. */
export function readWavFile(absPath: string): DecodedAudio {
  return decodeWav(readFileSync(absPath));
}

/** The mean of the channels, sample by sample (mono input is returned as is). */
export function mixToMono(channels: Float64Array[]): Float64Array {
  if (channels.length === 1) return channels[0];
  const n = Math.min(...channels.map((c) => c.length));
  const out = new Float64Array(n);
  for (const c of channels) for (let i = 0; i < n; i++) out[i] += c[i];
  for (let i = 0; i < n; i++) out[i] /= channels.length;
  return out;
}

/** Zero crossings of the sinc on each side of the resampling kernel. */
const SINC_ZEROS = 16;

/**
 * Band-limited resampling by a Hann-windowed sinc kernel (Smith, "Digital Audio Resampling", CCRMA):
 * y[n] = Σ_k x[k] · fc·sinc(fc·(t_n − k)) · w((t_n − k)·fc / Z), t_n = n·from/to, fc = min(1, to/from) (the
 * cut-off, so shrinking the rate also filters out what would alias), sinc(u) = sin(πu)/(πu),
 * w(u) = ½(1 + cos(πu)) for |u| ≤ 1 and 0 beyond, Z = 16 zero crossings; samples outside the signal are 0.
 * Output length round(x.length · to / from). Equal rates return the input.
 */
export function resample(x: Float64Array, from: number, to: number): Float64Array {
  if (from === to) return x;
  const m = Math.round((x.length * to) / from);
  const y = new Float64Array(m);
  const fc = Math.min(1, to / from);
  const half = SINC_ZEROS / fc; // kernel half-width in input samples
  const step = from / to;
  for (let n = 0; n < m; n++) {
    const t = n * step;
    const k0 = Math.max(0, Math.ceil(t - half));
    const k1 = Math.min(x.length - 1, Math.floor(t + half));
    let acc = 0;
    for (let k = k0; k <= k1; k++) {
      const d = t - k;
      const u = fc * d;
      const sinc = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
      const w = 0.5 * (1 + Math.cos((Math.PI * u) / SINC_ZEROS));
      acc += x[k] * fc * sinc * w;
    }
    y[n] = acc;
  }
  return y;
}

/** The first `n` samples of x, zero-padded at the end when x is shorter. */
export function padOrTrim(x: Float64Array, n: number): Float64Array {
  if (x.length === n) return x;
  const out = new Float64Array(n);
  out.set(x.length > n ? x.subarray(0, n) : x);
  return out;
}

/** Slaney mel scale (Auditory Toolbox; librosa `hz_to_mel(htk=False)`): linear below 1 kHz, logarithmic above. */
export function hzToMel(f: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return f >= minLogHz ? minLogMel + Math.log(f / minLogHz) / logStep : f / fSp;
}

/** Inverse of {@link hzToMel}. */
export function melToHz(m: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return m >= minLogMel ? minLogHz * Math.exp(logStep * (m - minLogMel)) : fSp * m;
}

/**
 * Slaney-normalised mel filterbank, [nMels][nFft/2 + 1], as librosa `filters.mel(sr=sr, n_fft=nFft,
 * n_mels=nMels, fmin=0, fmax=sr/2, htk=False, norm="slaney")` (see the module comment).
 */
export function melFilterbank(sr: number, nFft: number, nMels: number): Float64Array[] {
  const bins = nFft / 2 + 1;
  const fftFreqs = Float64Array.from({ length: bins }, (_, k) => (k * sr) / nFft);
  const mMin = hzToMel(0);
  const mMax = hzToMel(sr / 2);
  const pts = Float64Array.from({ length: nMels + 2 }, (_, i) => melToHz(mMin + ((mMax - mMin) * i) / (nMels + 1)));
  const out: Float64Array[] = [];
  for (let m = 0; m < nMels; m++) {
    const row = new Float64Array(bins);
    const [lo, mid, hi] = [pts[m], pts[m + 1], pts[m + 2]];
    const enorm = 2 / (hi - lo);
    for (let k = 0; k < bins; k++) {
      const lower = (fftFreqs[k] - lo) / (mid - lo);
      const upper = (hi - fftFreqs[k]) / (hi - mid);
      row[k] = Math.max(0, Math.min(lower, upper)) * enorm;
    }
    out.push(row);
  }
  return out;
}

/** Smallest power of two ≥ n (and ≥ 2, fft.js's minimum). */
export function nextPow2(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

/** Precomputed window, filterbank, FFT and DCT for one audio setting; {@link AudioFeaturizer.features} applies them. */
export class AudioFeaturizer {
  readonly samples: number;
  readonly win: number;
  readonly hop: number;
  readonly nFft: number;
  readonly frames: number;
  readonly featureCount: number;
  private readonly window: Float64Array;
  private readonly bank: Float64Array[];
  private readonly fft: FFT;
  private readonly dct?: Float64Array[];

  constructor(readonly s: AudioSettings) {
    this.samples = Math.round(s.clip * s.sampleRate);
    this.win = Math.round(s.window * s.sampleRate);
    this.hop = Math.max(1, Math.round(s.hop * s.sampleRate));
    this.nFft = nextPow2(this.win);
    this.frames = this.samples < this.win ? 0 : 1 + Math.floor((this.samples - this.win) / this.hop);
    this.featureCount = s.features === 'mfcc' ? s.mfcc : s.mels;
    // Periodic Hann (scipy get_window('hann', N, fftbins=True)): 0.5 − 0.5·cos(2πn/N).
    this.window = Float64Array.from({ length: this.win }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / this.win));
    this.bank = melFilterbank(s.sampleRate, this.nFft, s.mels);
    this.fft = new FFT(this.nFft);
    if (s.features === 'mfcc') {
      const M = s.mels;
      this.dct = Array.from({ length: s.mfcc }, (_, c) =>
        Float64Array.from({ length: M }, (_, m) => (c === 0 ? Math.sqrt(1 / M) : Math.sqrt(2 / M)) * Math.cos((Math.PI * c * (m + 0.5)) / M)),
      );
    }
  }

  /** Power spectra [frames][nFft/2 + 1] of a clip of exactly `samples` samples (periodic Hann, no centring). */
  powerSpectra(x: Float64Array): Float64Array[] {
    const bins = this.nFft / 2 + 1;
    const input = new Array<number>(this.nFft).fill(0);
    const out = this.fft.createComplexArray() as number[];
    const spectra: Float64Array[] = [];
    for (let f = 0; f < this.frames; f++) {
      const start = f * this.hop;
      for (let n = 0; n < this.win; n++) input[n] = x[start + n] * this.window[n];
      this.fft.realTransform(out, input);
      const p = new Float64Array(bins);
      for (let k = 0; k < bins; k++) p[k] = out[2 * k] * out[2 * k] + out[2 * k + 1] * out[2 * k + 1];
      spectra.push(p);
    }
    return spectra;
  }

  /**
   * Features of a mono clip already at the declared rate and length: float32 [frames, featureCount], row-major,
   * written into `out` at `offset` (a fresh array when `out` is omitted).
   */
  features(x: Float64Array, out?: Float32Array, offset = 0): Float32Array {
    const F = this.featureCount;
    const dst = out ?? new Float32Array(this.frames * F);
    const M = this.s.mels;
    const logmel = new Float64Array(M);
    const spectra = this.powerSpectra(x);
    for (let f = 0; f < this.frames; f++) {
      const p = spectra[f];
      for (let m = 0; m < M; m++) {
        const row = this.bank[m];
        let e = 0;
        for (let k = 0; k < row.length; k++) if (row[k] !== 0) e += row[k] * p[k];
        logmel[m] = Math.log(e + 1e-6);
      }
      const o = offset + f * F;
      if (this.dct) {
        for (let c = 0; c < F; c++) {
          const basis = this.dct[c];
          let acc = 0;
          for (let m = 0; m < M; m++) acc += basis[m] * logmel[m];
          dst[o + c] = acc;
        }
      } else for (let m = 0; m < M; m++) dst[o + m] = logmel[m];
    }
    return dst;
  }

  /** Decoded audio → mono → resampled to the declared rate → padded/trimmed → features (see {@link features}). */
  fromDecoded(a: DecodedAudio, out?: Float32Array, offset = 0): Float32Array {
    let mono = mixToMono(a.channels);
    // Only the first `samples` output samples are kept: resample just the input they depend on (the kernel reaches
    // SINC_ZEROS / fc input samples past the last one), so a long recording costs no more than a clip.
    const from = a.sampleRate;
    const to = this.s.sampleRate;
    const need = Math.ceil((this.samples * from) / to + SINC_ZEROS / Math.min(1, to / from)) + 1;
    if (mono.length > need) mono = mono.subarray(0, need);
    const resampled = resample(mono, from, to);
    return this.features(padOrTrim(resampled, this.samples), out, offset);
  }
}
