/**
 * Conv2DBackpropFilter — the gradient of a 2-D convolution with respect to its filter, used by the
 * Conv2D and fused-Conv2D gradients (tfjs-core gradients/Conv2D_grad.ts, ops/fused/conv2d.ts), so by
 * every conv1d (tfjs runs it as a conv2d of height 1) and conv2d layer.
 *
 * Inputs x [B, H, W, Ci] (NHWC; NCHW also accepted), dy [B, OH, OW, Co]; attrs strides (sh, sw), pad
 * ('same' | 'valid' | number | explicit), filterShape [FH, FW, Ci, Co], optional dilations (dh, dw).
 *   dW[fh, fw, c, k] = Σ_{b, oh, ow} x[b, oh·sh + fh·dh − padTop, ow·sw + fw·dw − padLeft, c] · dy[b, oh, ow, k]
 * (out-of-range x reads are zero padding). Padding is computed by tfjs's own `computeConv2DInfo`.
 *
 * Two implementations:
 *  - wasm, "transpose trick": the sum above is itself a convolution in which Ci plays the batch, B the
 *    input channels, dy the filter, with the roles of stride and dilation swapped:
 *      dWᵀ[c, fh, fw, k] = conv2d(xᵀ = x.transpose(3,1,2,0) [Ci, H, W, B],
 *                                  dyᵀ = dy.transpose(1,2,0,3) [OH, OW, B, Co],
 *                                  strides (dh, dw), dilations (sh, sw), explicit pad (padTop, ·, padLeft, ·))
 *    cropped to FH×FW, then transposed (1,2,0,3). It runs on the backend's XNNPACK Conv2D.
 *  - plain JS loops over typed arrays (cpu backend, and NCHW on wasm). The stock cpu kernel
 *    (tfjs-backend-cpu Conv2DBackpropFilter.ts) indexes through TensorBuffer.get/set and takes 6.6 s a
 *    batch on the reference model (shared/bench/reference/README.md).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { callKernel, disposeInfo, jsKernel, type Backend, type TensorInfo } from './util.ts';

interface Attrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | number[][];
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
  dilations?: number | [number, number];
}

function convInfo(tf: typeof tfjs, xShape: number[], a: Attrs) {
  const fmt = a.dataFormat === 'NCHW' ? 'channelsFirst' : 'channelsLast';
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    a.filterShape,
    a.strides,
    a.dilations ?? 1,
    a.pad as any,
    a.dimRoundingMode,
    false,
    fmt,
  );
}

/** Plain-JS filter gradient (any backend, NHWC or NCHW); accumulates in float64. */
export function conv2dBackpropFilterJs(tf: typeof tfjs, backend: Backend, x: TensorInfo, dy: TensorInfo, a: Attrs): TensorInfo {
  const ci = convInfo(tf, x.shape, a);
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO } = ci;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  const last = ci.dataFormat === 'channelsLast';
  // element strides of (batch, row, col, channel)
  const xs = last ? [H * W * CI, W * CI, CI, 1] : [CI * H * W, W, 1, H * W];
  const ys = last ? [OH * OW * CO, OW * CO, CO, 1] : [CO * OH * OW, OW, 1, OH * OW];
  return jsKernel(backend, [FH, FW, CI, CO], 'float32', [x, dy], (out, [xv, dyv]) => {
    const acc = new Float64Array(FH * FW * CI * CO);
    const dyRow = new Float64Array(CO);
    for (let b = 0; b < B; b++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const yBase = b * ys[0] + oh * ys[1] + ow * ys[2];
          for (let k = 0; k < CO; k++) dyRow[k] = dyv[yBase + k * ys[3]];
          for (let fh = 0; fh < FH; fh++) {
            const ih = oh * sh + fh * dh - top;
            if (ih < 0 || ih >= H) continue;
            for (let fw = 0; fw < FW; fw++) {
              const iw = ow * sw + fw * dw - left;
              if (iw < 0 || iw >= W) continue;
              const xBase = b * xs[0] + ih * xs[1] + iw * xs[2];
              const wBase = (fh * FW + fw) * CI * CO;
              for (let c = 0; c < CI; c++) {
                const xval = xv[xBase + c * xs[3]];
                if (xval === 0) continue;
                const o = wBase + c * CO;
                for (let k = 0; k < CO; k++) acc[o + k] += xval * dyRow[k];
              }
            }
          }
        }
      }
    }
    (out as Float32Array).set(acc);
  });
}

/** Filter gradient through the backend's own Transpose and Conv2D kernels (NHWC only). */
export function conv2dBackpropFilterByConv(
  tf: typeof tfjs,
  backendName: string,
  backend: Backend,
  x: TensorInfo,
  dy: TensorInfo,
  a: Attrs,
): TensorInfo {
  const ci = convInfo(tf, x.shape, a);
  const { inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO } = ci;
  const { filterHeight: FH, filterWidth: FW, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = ci;
  const top = ci.padInfo.top;
  const left = ci.padInfo.left;
  // Padding after the input so that the "convolution" yields exactly FH × FW outputs; when negative
  // (rows the forward conv never read) pad nothing and crop the extra outputs instead.
  const bottom = Math.max(0, (FH - 1) * dh + (OH - 1) * sh + 1 - H - top);
  const right = Math.max(0, (FW - 1) * dw + (OW - 1) * sw + 1 - W - left);
  const temps: TensorInfo[] = [];
  try {
    const xT = callKernel(tf, backendName, backend, 'Transpose', { x }, { perm: [3, 1, 2, 0] });
    temps.push(xT);
    const dyT = callKernel(tf, backendName, backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    temps.push(dyT);
    let r = callKernel(
      tf,
      backendName,
      backend,
      'Conv2D',
      { x: xT, filter: dyT },
      {
        strides: [dh, dw],
        dilations: [sh, sw],
        pad: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
    );
    temps.push(r);
    if (r.shape[1] !== FH || r.shape[2] !== FW) {
      r = callKernel(tf, backendName, backend, 'Slice', { x: r }, { begin: [0, 0, 0, 0], size: [CI, FH, FW, CO] });
      temps.push(r);
    }
    return callKernel(tf, backendName, backend, 'Transpose', { x: r }, { perm: [1, 2, 0, 3] });
  } finally {
    for (const t of temps) disposeInfo(backend, t);
  }
}

/** Kernel config: transpose trick on wasm for NHWC, plain JS otherwise. */
export function conv2dBackpropFilterConfig(tf: typeof tfjs, backendName: string): tfjs.KernelConfig {
  const useConv = backendName === 'wasm' && process.env.MMF_CONV_FILTER_GRAD !== 'js';
  return {
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const a = attrs as unknown as Attrs;
      if (useConv && a.dataFormat !== 'NCHW') return conv2dBackpropFilterByConv(tf, backendName, backend as Backend, x, dy, a);
      return conv2dBackpropFilterJs(tf, backend as Backend, x, dy, a);
    },
  };
}
