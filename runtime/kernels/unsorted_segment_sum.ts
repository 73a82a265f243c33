/**
 * UnsortedSegmentSum — the gradient of `tf.gather` (GatherV2_grad.ts in tfjs-core), hence of every
 * Embedding layer.
 *
 * Inputs: x [...S, ...I] (S = segmentIds.shape), segmentIds int32 with shape S; attr numSegments = N.
 * Output [N, ...I]:  out[n, i] = Σ_{s : segmentIds[s] = n} x[s, i]; ids outside [0, N) are dropped
 * (TensorFlow's `tf.math.unsorted_segment_sum` semantics).
 *
 * Why: the wasm backend has no such kernel, and the cpu one (tfjs-backend-cpu UnsortedSegmentSum.ts)
 * builds one equal/mul/sum op chain per segment, O(N · |x|): 5.3 s per batch for a 1000-word
 * vocabulary (shared/bench/reference/README.md). This is a single O(|x|) scatter-add pass.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { jsKernel, sizeOf, type Backend, type TensorInfo } from './util.ts';

export function unsortedSegmentSumConfig(backendName: string): tfjs.KernelConfig {
  return {
    kernelName: 'UnsortedSegmentSum',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
      const numSegments = (attrs as { numSegments: number }).numSegments;
      const segRank = segmentIds.shape.length;
      const m = sizeOf(segmentIds.shape);
      const innerShape = x.shape.slice(segRank);
      const inner = sizeOf(innerShape);
      const dtype = x.dtype === 'int32' ? 'int32' : 'float32';
      return jsKernel(backend as Backend, [numSegments, ...innerShape], dtype, [x, segmentIds], (out, [xv, ids]) => {
        for (let i = 0; i < m; i++) {
          const s = ids[i];
          if (s < 0 || s >= numSegments) continue;
          const o = s * inner;
          const xi = i * inner;
          for (let j = 0; j < inner; j++) out[o + j] += xv[xi + j];
        }
      });
    },
  };
}
