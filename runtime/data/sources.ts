/**
 * Data sources that are not one table file: a folder of media files (one sub-folder per class) and IDX files
 * (the MNIST / Fashion-MNIST format). Each becomes a {@link Table} of rows, so splitting, labels and inputs work
 * as for CSV.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from './errors.ts';
import type { RawImage } from './image.ts';
import type { Row, Table } from './readers.ts';
import type { SourceSpec } from './spec.ts';

/** File extensions a folder source lists (lower case): PNG/JPEG images and WAV audio. */
export const MEDIA_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.wav'];

function absPath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function notFound(path: string, abs: string, what: string): DataError {
  return new DataError({
    file: path,
    problem: `${what} not found (looked for ${abs})`,
    hint: `check the dataset's path (relative to the .mmf file), or run the example's data preparation script first`,
  });
}

/**
 * Lists a folder source: every PNG/JPEG/WAV file directly in `path` or in its sub-folders (any depth), sorted by
 * path (code-unit order) so the row order never depends on the file system. Columns: `path` (relative to the
 * folder, `/`-separated), `class` (the first sub-folder's name; null for files directly in the folder) and `name`
 * (the file name without extension). Hidden entries (starting with `.`) are skipped.
 * @throws DataError when the folder is missing, is a file, or holds no media file.
 */
export function readFolderSource(source: Extract<SourceSpec, { format: 'folder' }>, baseDir: string): Table {
  const root = absPath(source.path, baseDir);
  let st;
  try {
    st = statSync(root);
  } catch {
    throw notFound(source.path, root, 'data folder');
  }
  if (!st.isDirectory()) {
    throw new DataError({ file: source.path, problem: `folder(...) names a file, not a folder (${root})`, hint: 'name the folder whose sub-folders hold the files of each class, or read a manifest with csv(...)' });
  }
  const found: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(dir, e.name), r);
      else if (e.isFile() && MEDIA_EXTENSIONS.includes(extname(e.name).toLowerCase())) found.push(r);
    }
  };
  walk(root, '');
  found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (found.length === 0) {
    throw new DataError({ file: source.path, problem: `the folder holds no ${MEDIA_EXTENSIONS.join(', ')} file`, hint: 'put the files of each class in a sub-folder named after the class (imgs/cat/1.png, imgs/dog/2.png)' });
  }
  const rows: Row[] = found.map((p) => {
    const slash = p.indexOf('/');
    const base = p.slice(p.lastIndexOf('/') + 1);
    return { path: p, class: slash < 0 ? null : p.slice(0, slash), name: base.slice(0, base.length - extname(base).length) };
  });
  return { file: source.path, format: 'folder', rows, columns: ['path', 'class', 'name'], lines: Int32Array.from(rows, (_, i) => i), dir: root };
}

/** IDX element types (LeCun's format, third magic byte) → bytes per value. */
const IDX_TYPES: Record<number, { name: string; bytes: number; read: (v: DataView, o: number) => number }> = {
  0x08: { name: 'unsigned byte', bytes: 1, read: (v, o) => v.getUint8(o) },
  0x09: { name: 'signed byte', bytes: 1, read: (v, o) => v.getInt8(o) },
  0x0b: { name: 'short', bytes: 2, read: (v, o) => v.getInt16(o, false) },
  0x0c: { name: 'int', bytes: 4, read: (v, o) => v.getInt32(o, false) },
  0x0d: { name: 'float', bytes: 4, read: (v, o) => v.getFloat32(o, false) },
  0x0e: { name: 'double', bytes: 8, read: (v, o) => v.getFloat64(o, false) },
};

/** A parsed IDX file: dimensions, element type code, and the raw big-endian payload. */
export interface IdxArray {
  dims: number[];
  type: number;
  /** Payload bytes (for unsigned bytes: the values themselves). */
  data: Uint8Array;
}

/**
 * Parses IDX bytes (gunzipped first when they start with the gzip magic 1f 8b): magic 0x00 0x00, type, number of
 * dimensions; then each dimension as a big-endian uint32; then the values, big-endian, row-major.
 * @throws DataError (naming `file`) for a bad magic number, unknown type, or a payload of the wrong size.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new DataError({ file, problem: `the gzip data is corrupt (${(e as Error).message})`, hint: 'download or copy the file again' });
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError({ file, problem: 'not an IDX file (it must start with two zero bytes, a type byte and the number of dimensions)', hint: 'point idx(...) at the *-idx3-ubyte / *-idx1-ubyte files (gzipped or not)' });
  }
  const type = bytes[2];
  const t = IDX_TYPES[type];
  if (!t) throw new DataError({ file, problem: `unknown IDX element type 0x${type.toString(16).padStart(2, '0')}`, hint: 'IDX types are 0x08 (unsigned byte), 0x09, 0x0B, 0x0C, 0x0D and 0x0E' });
  const nd = bytes[3];
  const header = 4 + 4 * nd;
  if (nd === 0 || bytes.length < header) throw new DataError({ file, problem: `the IDX header is cut off (${nd} dimensions, ${bytes.length} bytes)`, hint: 'the file is truncated: copy it again' });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: nd }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1) * t.bytes;
  if (bytes.length - header !== expected) {
    throw new DataError({ file, problem: `the IDX header announces dimensions [${dims.join(', ')}] of ${t.name}s (${expected} bytes) but ${bytes.length - header} bytes follow`, hint: 'the file is truncated or not an IDX file: copy it again' });
  }
  return { dims, type, data: bytes.subarray(header) };
}

/** Value `i` (row-major) of an IDX array as a number. */
export function idxValue(a: IdxArray, i: number): number {
  const t = IDX_TYPES[a.type];
  return t.read(new DataView(a.data.buffer, a.data.byteOffset, a.data.byteLength), i * t.bytes);
}

function readIdxFile(path: string, baseDir: string): IdxArray {
  const abs = absPath(path, baseDir);
  let bytes: Buffer;
  try {
    bytes = readFileSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(path, abs, 'IDX file');
    throw new DataError({ file: path, problem: `cannot read the IDX file (${(e as Error).message})`, hint: 'check the path and permissions' });
  }
  return parseIdx(bytes, path);
}

/** Images [n, rows, cols(, channels)] of unsigned bytes and their labels [n], as rows of one part. */
function idxRows(imagesPath: string, labelsPath: string, part: 'train' | 'test', baseDir: string, rows: Row[]): void {
  const images = readIdxFile(imagesPath, baseDir);
  const labels = readIdxFile(labelsPath, baseDir);
  if (images.type !== 0x08 || (images.dims.length !== 3 && images.dims.length !== 4)) {
    throw new DataError({ file: imagesPath, problem: `IDX images must be unsigned bytes of 3 or 4 dimensions [n, rows, cols(, channels)], found ${IDX_TYPES[images.type].name}s [${images.dims.join(', ')}]`, hint: 'use the *-images-idx3-ubyte file as images and the *-labels-idx1-ubyte file as labels' });
  }
  if (labels.dims.length !== 1) {
    throw new DataError({ file: labelsPath, problem: `IDX labels must have 1 dimension [n], found [${labels.dims.join(', ')}]`, hint: 'use the *-labels-idx1-ubyte file as labels' });
  }
  const [n, h, w, c = 1] = images.dims;
  if (labels.dims[0] !== n) {
    throw new DataError({ file: labelsPath, problem: `${labels.dims[0]} labels for ${n} images in ${imagesPath}`, hint: 'pair each images file with its own labels file' });
  }
  const size = h * w * c;
  for (let i = 0; i < n; i++) {
    const image: RawImage = { height: h, width: w, channels: c, data: images.data.subarray(i * size, (i + 1) * size) };
    rows.push({ image, label: idxValue(labels, i), part, id: `${part}-${i}` });
  }
}

/**
 * Reads an IDX source (see SourceSpec): the train pair, then the optional test pair. Columns `image` (a
 * RawImage, pixels shared with the file buffer), `label` (number), `part` ("train" / "test") and `id`.
 * @throws DataError for a missing or malformed file, or counts that do not match.
 */
export function readIdxSource(source: Extract<SourceSpec, { format: 'idx' }>, baseDir: string): Table {
  if ((source.testImages === undefined) !== (source.testLabels === undefined)) {
    throw new DataError({ file: source.path, problem: 'idx(...) names test images without test labels, or the reverse', hint: 'give both test_images and test_labels, or neither' });
  }
  const rows: Row[] = [];
  idxRows(source.path, source.labels, 'train', baseDir, rows);
  if (source.testImages !== undefined) idxRows(source.testImages, source.testLabels!, 'test', baseDir, rows);
  if (rows.length === 0) throw new DataError({ file: source.path, problem: 'the IDX file holds no images', hint: 'check that the file is the right one' });
  return { file: source.path, format: 'idx', rows, columns: ['image', 'label', 'part', 'id'], lines: Int32Array.from(rows, (_, i) => i), dir: baseDir };
}
