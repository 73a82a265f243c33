/**
 * GatherV2 on wasm: the Embedding layer's forward pass (and tfjs-layers' batch selection in `fit`).
 *
 * With tfjs's own shape bookkeeping (`backend_util.segment_util.collectGatherOpShapeInfo`), x is viewed
 * as [batch, outer, dim, slice] and indices as [batch, n]:
 *   out[b, o, i, s] = x[b, o, indices[b, i], s]
 * Out-of-range indices throw, as in the stock kernel. The stock C++ kernel converts every element's
 * index to coordinates and back (~60 ns an element: 60 ms for a batch of 64 × 256 tokens × 64 dims);
 * this one copies whole `slice` rows with TypedArray.set.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { sizeOf, type Arr, type Backend, type TensorInfo } from './util.ts';

export function gatherInto(x: Arr, idx: Arr, batch: number, outer: number, dim: number, slice: number, out: Arr): void {
  const n = idx.length / Math.max(batch, 1);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let q = 0; q < outer; q++) {
      const xBase = (b * outer + q) * dim * slice;
      for (let i = 0; i < n; i++) {
        const src = xBase + idx[b * n + i] * slice;
        if (slice >= 8) out.set(x.subarray(src, src + slice), o);
        else for (let s = 0; s < slice; s++) out[o + s] = x[src + s];
        o += slice;
      }
    }
  }
}

export function gatherV2Config(tf: typeof tfjs, backendName: string, stock: tfjs.KernelConfig | undefined): tfjs.KernelConfig | null {
  if (backendName !== 'wasm' || !stock) return null;
  return {
    ...stock,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as { inputs: { x: TensorInfo; indices: TensorInfo }; backend: Backend; attrs: { axis: number; batchDims: number } };
      const { x, indices } = inputs;
      if (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') return stock.kernelFunc(args);
      const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
      const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(x as any, indices as any, axis, attrs.batchDims ?? 0);
      const out = backend.makeOutput(info.outputShape, x.dtype) as TensorInfo;
      const iv = backend.typedArrayFromHeap(indices) as Arr;
      const dimSize = x.shape[axis];
      for (let i = 0; i < iv.length; i++) {
        if (!(iv[i] >= 0 && iv[i] <= dimSize - 1)) throw new Error(`GatherV2: the index value ${iv[i]} is not in [0, ${dimSize - 1}]`);
      }
      if (sizeOf(info.outputShape) > 0 && sizeOf(x.shape) > 0) {
        gatherInto(backend.typedArrayFromHeap(x), iv, info.batchSize, info.outerSize, info.dimSize, info.sliceSize, backend.typedArrayFromHeap(out));
      }
      return out;
    },
  };
}
