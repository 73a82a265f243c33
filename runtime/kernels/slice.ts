/**
 * Slice, SplitV and Unpack on wasm without copying the whole input.
 *
 * The wasm backend's Slice (src/kernels/Slice.ts) starts with `backend.readSync(x.dataId)`, a copy of the
 * entire input out of the heap (it must read before `makeOutput` may grow the heap), and its SplitV and
 * Unpack call that Slice once per output. tfjs-layers' RNN unstacks a [T, batch, features] sequence into
 * T timesteps (`tf.unstack` → Unpack), so one forward pass copied the whole sequence T times, O(T²).
 * Here every output is allocated first and all reads and writes then go through zero-copy heap views.
 *   Slice:  out[i] = x[begin + i] for i < size (per axis; size −1 = to the end)
 *   SplitV: out_k = x[..., offset_k : offset_k + sizeSplits[k], ...] along `axis`
 *   Unpack: out_k = x[..., k, ...] along `axis`, that axis dropped
 */
import type * as tfjs from '@tensorflow/tfjs';
import { sizeOf, type Arr, type Backend, type TensorInfo } from './util.ts';

/** Copy the box x[begin : begin+size] of a row-major `shape` array into `out` (contiguous). */
export function sliceInto(x: Arr, shape: number[], begin: number[], size: number[], out: Arr, outOffset = 0): void {
  const r = shape.length;
  if (r === 0) {
    out[outOffset] = x[0];
    return;
  }
  if (sizeOf(size) === 0) return;
  // merge trailing axes that are taken whole into one contiguous run
  let last = r - 1;
  let run = size[last];
  while (last > 0 && begin[last] === 0 && size[last] === shape[last]) {
    last--;
    run *= size[last];
  }
  const strides = new Array<number>(r);
  strides[r - 1] = 1;
  for (let i = r - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  let base = 0;
  for (let i = 0; i < r; i++) base += begin[i] * strides[i];
  if (last === 0) {
    out.set(x.subarray(base, base + run), outOffset);
    return;
  }
  const outer = sizeOf(size.slice(0, last));
  const idx = new Array<number>(last).fill(0);
  let off = base;
  let o = outOffset;
  for (let t = 0; t < outer; t++) {
    if (run >= 8) out.set(x.subarray(off, off + run), o);
    else for (let j = 0; j < run; j++) out[o + j] = x[off + j];
    o += run;
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      off += strides[d];
      if (idx[d] < size[d]) break;
      off -= strides[d] * size[d];
      idx[d] = 0;
    }
  }
}

function plainDtype(t: TensorInfo): boolean {
  return t.dtype === 'float32' || t.dtype === 'int32' || t.dtype === 'bool';
}

export function sliceConfig(tf: typeof tfjs, backendName: string, stock: tfjs.KernelConfig | undefined): tfjs.KernelConfig | null {
  if (backendName !== 'wasm' || !stock) return null;
  return {
    ...stock,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as { inputs: { x: TensorInfo }; backend: Backend; attrs: { begin: number[] | number; size: number[] | number } };
      const { x } = inputs;
      if (!plainDtype(x)) return stock.kernelFunc(args);
      const [begin, size] = tf.slice_util.parseSliceParams(x as any, attrs.begin, attrs.size);
      const info = backend.makeOutput(size, x.dtype) as TensorInfo;
      if (sizeOf(size) > 0) sliceInto(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(info));
      return info;
    },
  };
}

export function splitVConfig(tf: typeof tfjs, backendName: string, stock: tfjs.KernelConfig | undefined): tfjs.KernelConfig | null {
  if (backendName !== 'wasm' || !stock) return null;
  return {
    ...stock,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as { inputs: { x: TensorInfo }; backend: Backend; attrs: { numOrSizeSplits: number[] | number; axis: number } };
      const { x } = inputs;
      if (!plainDtype(x)) return stock.kernelFunc(args);
      const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
      const splits = tf.backend_util.prepareSplitSize(x as any, attrs.numOrSizeSplits, axis);
      const outs = splits.map((s: number) => {
        const shape = x.shape.slice();
        shape[axis] = s;
        return backend.makeOutput(shape, x.dtype) as TensorInfo;
      });
      const xv = backend.typedArrayFromHeap(x);
      const begin = new Array<number>(x.shape.length).fill(0);
      outs.forEach((o: TensorInfo) => {
        if (sizeOf(o.shape) > 0) sliceInto(xv, x.shape, begin, o.shape, backend.typedArrayFromHeap(o));
        begin[axis] += o.shape[axis];
      });
      return outs;
    },
  };
}

export function unpackConfig(backendName: string, stock: tfjs.KernelConfig | undefined): tfjs.KernelConfig | null {
  if (backendName !== 'wasm' || !stock) return null;
  return {
    ...stock,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as { inputs: { value: TensorInfo }; backend: Backend; attrs: { axis: number } };
      const { value } = inputs;
      if (!plainDtype(value)) return stock.kernelFunc(args);
      const r = value.shape.length;
      const axis = attrs.axis < 0 ? attrs.axis + r : attrs.axis;
      const n = value.shape[axis];
      const outShape = value.shape.filter((_, i) => i !== axis);
      const outs: TensorInfo[] = [];
      for (let k = 0; k < n; k++) outs.push(backend.makeOutput(outShape, value.dtype) as TensorInfo);
      if (sizeOf(outShape) > 0) {
        const xv = backend.typedArrayFromHeap(value);
        const begin = new Array<number>(r).fill(0);
        const size = value.shape.slice();
        size[axis] = 1;
        for (let k = 0; k < n; k++) {
          begin[axis] = k;
          sliceInto(xv, value.shape, begin, size, backend.typedArrayFromHeap(outs[k]));
        }
      }
      return outs;
    },
  };
}
