/**
 * MaxPoolGrad and AvgPoolGrad (2-D, NHWC; 1-D pooling reaches them as [b, 1, T, C]).
 *
 * With tfjs's window geometry (`backend_util.computePool2DInfo`): window (oh, ow) covers input rows
 * oh·sh − padTop … + FH − 1 and columns likewise, clipped to the input (padding is never a candidate).
 *
 * MaxPoolGrad:  dx[p] = Σ_{windows w} dy[w] · [p = first argmax of x over w]   (scan order row, column)
 *   — the subgradient tfjs-backend-cpu and TensorFlow pick. The wasm kernel (src/cc/kernels/MaxPoolGrad.cc)
 *   breaks ties at the last maximum instead and costs ~17× the forward pass; this is one JS pass with
 *   per-channel running maxima.
 * AvgPoolGrad:  dx[p] = Σ_{windows w ∋ p} dy[w] / |w ∩ input|
 *   — the exact gradient of tfjs's AvgPool forward, which divides each window by the number of input
 *   elements it covers (padding excluded; cpu pool_utils and XNNPACK alike). The stock AvgPoolGrad kernels
 *   (cpu AvgPoolGrad.ts, wasm AvgPoolGrad.cc) divide by FH·FW everywhere, so with padding 'same' the
 *   gradient of edge windows was wrong (too small); with 'valid' padding both agree. TensorFlow (tfjs-node)
 *   excludes padding, as here.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { jsKernel, type Backend, type TensorInfo } from './util.ts';

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | 'explicit';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function info(tf: typeof tfjs, shape: number[], a: PoolAttrs) {
  return tf.backend_util.computePool2DInfo(shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad as any, a.dimRoundingMode);
}

export function maxPoolGradConfig(tf: typeof tfjs, backendName: string): tfjs.KernelConfig {
  return {
    kernelName: 'MaxPoolGrad',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
      const ci = info(tf, input.shape, attrs as unknown as PoolAttrs);
      const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = ci;
      const FH = ci.effectiveFilterHeight;
      const FW = ci.effectiveFilterWidth;
      const top = ci.padInfo.top;
      const left = ci.padInfo.left;
      return jsKernel(backend as Backend, input.shape, 'float32', [dy, input], (dx, [dyv, x]) => {
        const best = new Float64Array(C);
        const pos = new Int32Array(C);
        for (let b = 0; b < B; b++)
          for (let oh = 0; oh < OH; oh++) {
            const r0 = oh * sh - top;
            const rS = Math.max(0, r0);
            const rE = Math.min(H, r0 + FH);
            for (let ow = 0; ow < OW; ow++) {
              const c0 = ow * sw - left;
              const cS = Math.max(0, c0);
              const cE = Math.min(W, c0 + FW);
              best.fill(-Infinity);
              pos.fill(-1);
              for (let r = rS; r < rE; r++)
                for (let c = cS; c < cE; c++) {
                  const base = ((b * H + r) * W + c) * C;
                  for (let d = 0; d < C; d++) {
                    const v = x[base + d];
                    if (v > best[d]) {
                      best[d] = v;
                      pos[d] = base + d;
                    }
                  }
                }
              const yb = ((b * OH + oh) * OW + ow) * C;
              for (let d = 0; d < C; d++) if (pos[d] >= 0) dx[pos[d]] += dyv[yb + d];
            }
          }
      });
    },
  };
}

export function avgPoolGradConfig(tf: typeof tfjs, backendName: string): tfjs.KernelConfig {
  return {
    kernelName: 'AvgPoolGrad',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
      const ci = info(tf, input.shape, attrs as unknown as PoolAttrs);
      const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = ci;
      const FH = ci.effectiveFilterHeight;
      const FW = ci.effectiveFilterWidth;
      const top = ci.padInfo.top;
      const left = ci.padInfo.left;
      return jsKernel(backend as Backend, input.shape, 'float32', [dy], (dx, [dyv]) => {
        const g = new Float64Array(C);
        for (let b = 0; b < B; b++)
          for (let oh = 0; oh < OH; oh++) {
            const r0 = oh * sh - top;
            const rS = Math.max(0, r0);
            const rE = Math.min(H, r0 + FH);
            for (let ow = 0; ow < OW; ow++) {
              const c0 = ow * sw - left;
              const cS = Math.max(0, c0);
              const cE = Math.min(W, c0 + FW);
              const count = (rE - rS) * (cE - cS);
              if (count <= 0) continue;
              const yb = ((b * OH + oh) * OW + ow) * C;
              for (let d = 0; d < C; d++) g[d] = dyv[yb + d] / count;
              for (let r = rS; r < rE; r++)
                for (let c = cS; c < cE; c++) {
                  const base = ((b * H + r) * W + c) * C;
                  for (let d = 0; d < C; d++) dx[base + d] += g[d];
                }
            }
          }
      });
    },
  };
}

/** Identity on wasm without a copy: the output shares the input's data (refcount +1), like cpu's Identity. */
export function identityConfig(backendName: string, stock: tfjs.KernelConfig | undefined): tfjs.KernelConfig | null {
  if (backendName !== 'wasm' || !stock) return null;
  return {
    ...stock,
    kernelFunc: (args) => {
      const { inputs, backend } = args as unknown as { inputs: { x: TensorInfo }; backend: Backend };
      const { x } = inputs;
      if (x.dtype === 'string' || x.dtype === 'complex64') return stock.kernelFunc(args);
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}
