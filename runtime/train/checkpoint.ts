/**
 * Training checkpoints: everything a run needs to continue after a crash or a `kill -9` exactly where it was,
 * in one file, `<dir>/checkpoint.mmfckpt`, replaced atomically after every epoch.
 *
 * What is saved: the model's weights (all of them, trainable or not), the optimizer's slot variables and step
 * count (Adam's first and second moments, its β1ᵗ/β2ᵗ accumulators; momentum buffers; RMSProp and Adagrad
 * accumulators), the number of finished epochs, the history, the early-stopping state (best value, best epoch,
 * wait, best weights), the learning-rate schedule's state, and the state of the seeded generator behind
 * `Math.random` (dropout masks). Shuffling needs no state: epoch e's order depends on (seed, e) only.
 *
 * File layout (little-endian): the 8 bytes `MMFCKPT\n`, a uint32 header length, the header (UTF-8 JSON), zero
 * padding to a multiple of 4, the tensor payload (float32 or int32 values, each tensor at the offset the header
 * gives), then the SHA-256 of everything before it (32 bytes). A file whose digest does not match is refused.
 *
 * Atomicity: the file is written to a temporary sibling, flushed to disk (fsync), renamed over the old one, and
 * the folder is fsynced: a reader sees the previous checkpoint or the new one, never a mixture, also after a
 * power cut. The writer does not call `Math.random` (it would shift the seeded sequence).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { EpochRecord } from './types.ts';
import type { SchedulerState } from './schedule.ts';

/** File name of the checkpoint in its folder. */
export const CHECKPOINT_FILE = 'checkpoint.mmfckpt';
const MAGIC = Buffer.from('MMFCKPT\n', 'latin1');
export const CHECKPOINT_FORMAT = 'mmf-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** One saved tensor: its values as a host copy. */
export interface SavedTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

/** The state of a run after `epochsDone` epochs. */
export interface CheckpointState {
  modelName: string;
  /**
   * SHA-256 (hex) of what the run depends on besides its own progress: data spec and split contents, the train
   * and head specs (epochs excepted), maxRows, and the model's weight shapes. A checkpoint whose fingerprint
   * differs from the new run's is refused.
   */
  fingerprint: string;
  /** Epochs finished (≥ 1). */
  epochsDone: number;
  /** Early stopping has fired: no further epoch is run on resume. */
  stoppedEarly: boolean;
  history: EpochRecord[];
  early: { best: number | null; bestEpoch: number; wait: number };
  scheduler: SchedulerState;
  /** Seeded `Math.random` generator state (uint32), or null if none was active. */
  rngState: number | null;
  optimizer: {
    name: string;
    /** Optimizer steps taken. */
    iterations: number;
    /** Adam's β1ᵗ and β2ᵗ accumulators as the optimizer holds them (float32 values). */
    accBeta1?: number;
    accBeta2?: number;
    /** Slot variables in `optimizer.getWeights()` order, without the leading iteration count. */
    slots: SavedTensor[];
  };
  /** `model.getWeights()` order. */
  weights: SavedTensor[];
  /** The best epoch's weights (early stopping), when they differ from `weights`' epoch. */
  bestWeights: SavedTensor[] | null;
  /** ISO time of writing. */
  savedAt: string;
}

interface TensorEntry {
  group: 'weights' | 'best' | 'slots';
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** Byte offset in the payload. */
  offset: number;
  /** Number of values. */
  length: number;
}

type Header = Omit<CheckpointState, 'weights' | 'bestWeights' | 'optimizer'> & {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  optimizer: Omit<CheckpointState['optimizer'], 'slots'>;
  hasBest: boolean;
  tensors: TensorEntry[];
};

/** Serialise a checkpoint to bytes (layout in the module comment). */
export function encodeCheckpoint(state: CheckpointState): Buffer {
  const entries: TensorEntry[] = [];
  const parts: SavedTensor[] = [];
  let offset = 0;
  const add = (group: TensorEntry['group'], ts: SavedTensor[]) => {
    for (const t of ts) {
      entries.push({ group, name: t.name, shape: t.shape, dtype: t.dtype, offset, length: t.values.length });
      parts.push(t);
      offset += t.values.length * 4;
    }
  };
  add('weights', state.weights);
  if (state.bestWeights) add('best', state.bestWeights);
  add('slots', state.optimizer.slots);
  const { weights: _w, bestWeights, optimizer, ...rest } = state;
  const { slots: _s, ...opt } = optimizer;
  const header: Header = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, ...rest, optimizer: opt, hasBest: bestWeights !== null, tensors: entries };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headLen = 8 + 4 + json.length;
  const pad = (4 - (headLen % 4)) % 4;
  const body = Buffer.alloc(headLen + pad + offset + 32);
  MAGIC.copy(body, 0);
  body.writeUInt32LE(json.length, 8);
  json.copy(body, 12);
  const payloadStart = headLen + pad;
  for (let i = 0; i < parts.length; i++) {
    const v = parts[i]!.values;
    Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(body, payloadStart + entries[i]!.offset);
  }
  const digestAt = body.length - 32;
  createHash('sha256').update(body.subarray(0, digestAt)).digest().copy(body, digestAt);
  return body;
}

/**
 * Parse and verify checkpoint bytes. Throws naming `where` when the file is not a checkpoint, is of another
 * version, is truncated, or its SHA-256 does not match (a corrupted file).
 */
export function decodeCheckpoint(buf: Buffer, where: string): CheckpointState {
  if (buf.length < 12 + 32 || !buf.subarray(0, 8).equals(MAGIC)) throw new Error(`${where} is not an mmf checkpoint`);
  const digestAt = buf.length - 32;
  const digest = createHash('sha256').update(buf.subarray(0, digestAt)).digest();
  if (!digest.equals(buf.subarray(digestAt))) throw new Error(`${where} is corrupted (its SHA-256 does not match); delete it and train from the start`);
  const len = buf.readUInt32LE(8);
  const header = JSON.parse(buf.subarray(12, 12 + len).toString('utf8')) as Header;
  if (header.format !== CHECKPOINT_FORMAT || header.version !== CHECKPOINT_VERSION) {
    throw new Error(`${where} is a checkpoint of another format or version (${String(header.format)} ${String(header.version)}); train from the start`);
  }
  const headLen = 12 + len;
  const payloadStart = headLen + ((4 - (headLen % 4)) % 4);
  const groups: Record<TensorEntry['group'], SavedTensor[]> = { weights: [], best: [], slots: [] };
  for (const e of header.tensors) {
    const start = payloadStart + e.offset;
    if (start + e.length * 4 > digestAt) throw new Error(`${where} is truncated`);
    const bytes = new Uint8Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + start + e.length * 4));
    const values = e.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    groups[e.group].push({ name: e.name, shape: e.shape, dtype: e.dtype, values });
  }
  const { format: _f, version: _v, tensors: _t, hasBest, optimizer, ...rest } = header;
  return { ...rest, optimizer: { ...optimizer, slots: groups.slots }, weights: groups.weights, bestWeights: hasBest ? groups.best : null };
}

let writes = 0;

/** Write `state` to `<dir>/checkpoint.mmfckpt` atomically and durably (module comment). Creates `dir`. */
export async function saveCheckpoint(dir: string, state: CheckpointState): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, CHECKPOINT_FILE);
  // No Math.random here: the name is unique by pid and a counter.
  const tmp = path.join(dir, `.${CHECKPOINT_FILE}.${process.pid}.${++writes}.tmp`);
  const bytes = encodeCheckpoint(state);
  try {
    const fh = await fs.open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  try {
    const d = await fs.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    /* fsync of a folder is not supported everywhere (Windows); the rename is still atomic */
  }
  return file;
}

/** Read `<dir>/checkpoint.mmfckpt`; null when there is none. Throws (see {@link decodeCheckpoint}) when it is unusable. */
export async function loadCheckpoint(dir: string): Promise<CheckpointState | null> {
  const file = path.join(dir, CHECKPOINT_FILE);
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  return decodeCheckpoint(buf, file);
}

/** Remove the checkpoint file and leftover temporary files of `dir` (the folder itself if it is then empty). */
export async function removeCheckpoint(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const n of names) if (n === CHECKPOINT_FILE || (n.startsWith(`.${CHECKPOINT_FILE}.`) && n.endsWith('.tmp'))) await fs.rm(path.join(dir, n), { force: true });
  try {
    await fs.rmdir(dir);
  } catch {
    /* not empty: other files live there (the output folder itself) */
  }
}

/** SHA-256 (hex) of a sequence of strings and typed arrays, for {@link CheckpointState.fingerprint}. */
export function fingerprintOf(parts: (string | ArrayBufferView)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    if (typeof p === 'string') h.update(p, 'utf8');
    else h.update(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
    h.update('\u0000');
  }
  return h.digest('hex');
}
