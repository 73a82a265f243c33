/**
 * Image decoding and resampling for image inputs: PNG (npm `pngjs`) and JPEG (npm `jpeg-js`) files, detected by
 * their signature bytes, converted to the declared number of channels and resized (bilinear) to the declared
 * height × width. Pixels stay 8-bit (Uint8, HWC row-major) until a batch is built, so a data set in memory takes
 * one byte per value (normalisation is applied per batch, see runtime/data/media.ts).
 */
import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** An 8-bit image in memory: `data` is height·width·channels bytes, row-major HWC (as tfjs NHWC without the batch). */
export interface RawImage {
  height: number;
  width: number;
  channels: number;
  data: Uint8Array;
}

/** Why a file could not be read or decoded (turned into a DataError naming file, row and column by the caller). */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** 'png', 'jpeg' or undefined, from the first bytes of a file. */
export function imageFormat(bytes: Uint8Array): 'png' | 'jpeg' | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/**
 * Decodes PNG or JPEG bytes to RGBA (4 channels; grey and palette PNGs are expanded by pngjs, 16-bit PNGs are
 * scaled to 8 bits, a PNG without alpha gets alpha 255; jpeg-js replicates grey JPEGs into R, G and B).
 * @param maxPixels refuse images with more pixels than this (default 64 megapixels) before allocating them.
 * @throws ImageDecodeError when the bytes are neither format or the decoder rejects them.
 */
export function decodeImage(bytes: Uint8Array, maxPixels = 64 * 1024 * 1024): RawImage {
  const format = imageFormat(bytes);
  if (format === 'png') {
    let png: { width: number; height: number; data: Buffer };
    try {
      png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (e) {
      throw new ImageDecodeError(`the PNG file is corrupt (${(e as Error).message})`, 're-export the image, or remove this row');
    }
    if (png.width * png.height > maxPixels) throw new ImageDecodeError(`the image has ${png.width}×${png.height} pixels, more than the limit of ${maxPixels}`, 'shrink the image first');
    return { height: png.height, width: png.width, channels: 4, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
  }
  if (format === 'jpeg') {
    let img: { width: number; height: number; data: Uint8Array };
    try {
      img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: maxPixels / (1024 * 1024), maxMemoryUsageInMB: 1024 });
    } catch (e) {
      throw new ImageDecodeError(`the JPEG file is corrupt or unsupported (${(e as Error).message})`, 're-export the image as a baseline or progressive JPEG, or as PNG');
    }
    return { height: img.height, width: img.width, channels: 4, data: img.data };
  }
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new ImageDecodeError(
    bytes.length === 0 ? 'the image file is empty' : `the file is neither PNG nor JPEG (it starts with bytes ${head})`,
    'convert the image to PNG or JPEG',
  );
}

/**
 * Reads and decodes an image file (see {@link decodeImage}).
 * @throws NodeJS.ErrnoException when the file cannot be read; ImageDecodeError when it cannot be decoded.
 */
export function readImageFile(absPath: string): RawImage {
  return decodeImage(readFileSync(absPath));
}

/**
 * Converts an image to `channels` values per pixel:
 * - to 1 (grey): from RGB(A), the ITU-R BT.601 luma Y = 0.299 R + 0.587 G + 0.114 B rounded to the nearest integer
 *   (as PIL's `convert("L")`); alpha is dropped; from grey + alpha, the grey value.
 * - to 3 (RGB): alpha dropped (not composited); grey replicated into R, G, B.
 * - to 4 (RGBA): alpha kept, or 255 when the source has none.
 * - to 2 (grey + alpha): grey as above, alpha kept or 255.
 * @throws RangeError for other channel counts.
 */
export function convertChannels(img: RawImage, channels: number): RawImage {
  const { height, width, channels: c0, data } = img;
  if (c0 === channels) return img;
  if (![1, 2, 3, 4].includes(channels) || ![1, 2, 3, 4].includes(c0)) throw new RangeError(`cannot convert ${c0} channels to ${channels}; images have 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA)`);
  const n = height * width;
  const out = new Uint8Array(n * channels);
  for (let p = 0; p < n; p++) {
    const s = p * c0;
    let r: number, g: number, b: number, a: number;
    if (c0 >= 3) {
      r = data[s];
      g = data[s + 1];
      b = data[s + 2];
      a = c0 === 4 ? data[s + 3] : 255;
    } else {
      r = g = b = data[s];
      a = c0 === 2 ? data[s + 1] : 255;
    }
    const o = p * channels;
    if (channels === 1 || channels === 2) {
      out[o] = c0 >= 3 ? Math.round(0.299 * r + 0.587 * g + 0.114 * b) : r;
      if (channels === 2) out[o + 1] = a;
    } else {
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      if (channels === 4) out[o + 3] = a;
    }
  }
  return { height, width, channels, data: out };
}

/**
 * Bilinear resize to height × width with half-pixel centres: output pixel (y, x) samples the source at
 * ((y + 0.5)·H/h − 0.5, (x + 0.5)·W/w − 0.5), clamped to the edges — the convention of OpenCV's `INTER_LINEAR`,
 * TensorFlow's `resize_bilinear(half_pixel_centers=True)` and PyTorch's `interpolate(mode="bilinear",
 * align_corners=False)` (no anti-aliasing when shrinking). Results are rounded to the nearest integer (8 bits).
 * Returns the image itself when the size already matches.
 */
export function resizeBilinear(img: RawImage, height: number, width: number): RawImage {
  const { height: H, width: W, channels: C, data } = img;
  if (H === height && W === width) return img;
  const out = new Uint8Array(height * width * C);
  const sy = H / height;
  const sx = W / width;
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  const fxs = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), W - 1);
    x0s[x] = Math.floor(fx);
    x1s[x] = Math.min(x0s[x] + 1, W - 1);
    fxs[x] = fx - x0s[x];
  }
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), H - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, H - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const wx = fxs[x];
      const a = (y0 * W + x0s[x]) * C;
      const b = (y0 * W + x1s[x]) * C;
      const c = (y1 * W + x0s[x]) * C;
      const d = (y1 * W + x1s[x]) * C;
      const o = (y * width + x) * C;
      for (let k = 0; k < C; k++) {
        const top = data[a + k] + (data[b + k] - data[a + k]) * wx;
        const bottom = data[c + k] + (data[d + k] - data[c + k]) * wx;
        out[o + k] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return { height, width, channels: C, data: out };
}

/** Decode (if needed), convert channels and resize: the 8-bit pixels an image input stores for one sample. */
export function prepareImage(img: RawImage, height: number, width: number, channels: number): Uint8Array {
  return resizeBilinear(convertChannels(img, channels), height, width).data;
}
