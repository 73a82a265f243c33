/**
 * Comparison kernels on wasm (Equal, NotEqual, Greater, GreaterEqual, Less, LessEqual), with NumPy
 * broadcasting; output bool (1/0 bytes).
 *
 * The wasm backend implements them in C++ with an index→coordinates→index conversion per element when
 * the shapes differ (src/cc/binary.h), 100–250 ns an element. The gradient of every max/min reduction
 * (tfjs-core gradients/min_max_grad_util.ts: dy·cast(x == broadcast(max))) — so global max pooling —
 * runs one broadcast Equal over the whole activation per step. Here: one pass with per-axis strides
 * (0 on broadcast axes), innermost axis in a tight loop.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { sizeOf, type Arr, type Backend, type TensorInfo } from './util.ts';

export const COMPARE_KERNELS = ['Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual'] as const;
export type CompareKernel = (typeof COMPARE_KERNELS)[number];

function broadcastShape(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`Operands could not be broadcast together with shapes ${a} and ${b}.`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

function bstrides(shape: number[], outShape: number[]): number[] {
  const r = outShape.length;
  const full = new Array<number>(r).fill(1);
  for (let i = 0; i < shape.length; i++) full[r - shape.length + i] = shape[i];
  const st = new Array<number>(r);
  let acc = 1;
  for (let i = r - 1; i >= 0; i--) {
    st[i] = full[i] === 1 ? 0 : acc;
    acc *= full[i];
  }
  return st;
}

/** Write op(a, b) with broadcasting into out (Uint8Array of the broadcast size). */
export function compareInto(op: CompareKernel, a: Arr, aShape: number[], b: Arr, bShape: number[], out: Uint8Array): number[] {
  const outShape = broadcastShape(aShape, bShape);
  const r = outShape.length;
  const code = COMPARE_KERNELS.indexOf(op);
  if (r === 0) {
    out[0] = cmp(code, a[0], b[0]) ? 1 : 0;
    return outShape;
  }
  const sa = bstrides(aShape, outShape);
  const sb = bstrides(bShape, outShape);
  const n = outShape[r - 1];
  const ia = sa[r - 1];
  const ib = sb[r - 1];
  const outer = sizeOf(outShape) / Math.max(n, 1);
  const idx = new Array<number>(Math.max(r - 1, 0)).fill(0);
  let oa = 0;
  let ob = 0;
  let o = 0;
  for (let t = 0; t < outer; t++) {
    switch (code) {
      case 0: for (let j = 0; j < n; j++) out[o + j] = a[oa + j * ia] === b[ob + j * ib] ? 1 : 0; break;
      case 1: for (let j = 0; j < n; j++) out[o + j] = a[oa + j * ia] !== b[ob + j * ib] ? 1 : 0; break;
      case 2: for (let j = 0; j < n; j++) out[o + j] = a[oa + j * ia] > b[ob + j * ib] ? 1 : 0; break;
      case 3: for (let j = 0; j < n; j++) out[o + j] = a[oa + j * ia] >= b[ob + j * ib] ? 1 : 0; break;
      case 4: for (let j = 0; j < n; j++) out[o + j] = a[oa + j * ia] < b[ob + j * ib] ? 1 : 0; break;
      default: for (let j = 0; j < n; j++) out[o + j] = a[oa + j * ia] <= b[ob + j * ib] ? 1 : 0;
    }
    o += n;
    // advance the outer multi-index (odometer), updating the a/b offsets incrementally
    for (let d = r - 2; d >= 0; d--) {
      idx[d]++;
      oa += sa[d];
      ob += sb[d];
      if (idx[d] < outShape[d]) break;
      oa -= sa[d] * outShape[d];
      ob -= sb[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return outShape;
}

function cmp(code: number, x: number, y: number): boolean {
  switch (code) {
    case 0: return x === y;
    case 1: return x !== y;
    case 2: return x > y;
    case 3: return x >= y;
    case 4: return x < y;
    default: return x <= y;
  }
}

export function compareConfig(op: CompareKernel, backendName: string, stock: tfjs.KernelConfig | undefined): tfjs.KernelConfig | null {
  if (backendName !== 'wasm' || !stock) return null;
  return {
    ...stock,
    kernelFunc: (args) => {
      const { inputs, backend } = args as unknown as { inputs: { a: TensorInfo; b: TensorInfo }; backend: Backend };
      const { a, b } = inputs;
      if (a.dtype === 'string' || b.dtype === 'string' || a.dtype === 'complex64') return stock.kernelFunc(args);
      const outShape = broadcastShape(a.shape, b.shape);
      const info = backend.makeOutput(outShape, 'bool') as TensorInfo;
      if (sizeOf(outShape) > 0) {
        const out = backend.typedArrayFromHeap(info) as Uint8Array;
        compareInto(op, backend.typedArrayFromHeap(a) as Arr, a.shape, backend.typedArrayFromHeap(b) as Arr, b.shape, out);
      }
      return info;
    },
  };
}
