/**
 * Conv2DBackpropInput on wasm — the gradient of a 2-D convolution with respect to its input.
 *
 * tfjs-backend-wasm's kernel (src/cc/kernels/Conv2DBackpropInput.cc) is a scalar six-deep loop, about 3×
 * slower than the XNNPACK forward convolution it is the adjoint of. With y = conv(x, F; stride s,
 * dilation d, padding (pt, pl)):
 *   dx[b, i, j, c] = Σ_{oh, ow, fh, fw, k} [i = oh·sh + fh·dh − pt][j = ow·sw + fw·dw − pl] dy[b, oh, ow, k] F[fh, fw, c, k]
 * Writing dyₛ for dy with sh−1 (sw−1) zeros inserted between rows (columns), and F̃[fh, fw, k, c] =
 * F[FH−1−fh, FW−1−fw, c, k] (the filter rotated by 180° with its channel axes swapped), this is
 *   dx = conv2d(dyₛ, F̃; stride 1, dilation d, explicit padding top (FH−1)·dh − pt, left (FW−1)·dw − pl,
 *               bottom H − OHₛ + pt, right W − OWₛ + pl),   OHₛ = (OH−1)·sh + 1,
 * the standard "transposed convolution as a convolution" identity (Dumoulin & Visin 2016, "A guide to
 * convolution arithmetic for deep learning", §4), run on the backend's XNNPACK Conv2D. For stride > 1 the
 * inserted zeros waste work (a factor sh·sw), so strided cases use this path only when it measured faster.
 * Cases with a negative padding above (explicit padding wider than the kernel) go to the stock kernel.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { callKernel, disposeInfo, jsKernel, type Backend, type TensorInfo } from './util.ts';

interface Attrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | number[][];
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
  dilations?: number | [number, number];
}

/** dy [B, OH, OW, C] → [B, (OH−1)·sh+1, (OW−1)·sw+1, C] with zeros between rows/columns. */
function zeroInsert(backend: Backend, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  const [B, OH, OW, C] = dy.shape;
  const OHs = (OH - 1) * sh + 1;
  const OWs = (OW - 1) * sw + 1;
  return jsKernel(backend, [B, OHs, OWs, C], 'float32', [dy], (out, [v]) => {
    for (let b = 0; b < B; b++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          const src = ((b * OH + i) * OW + j) * C;
          out.set(v.subarray(src, src + C), ((b * OHs + i * sh) * OWs + j * sw) * C);
        }
  });
}

/** F [FH, FW, CI, CO] → F̃ [FH, FW, CO, CI], F̃[i, j, k, c] = F[FH−1−i, FW−1−j, c, k]. */
function rotateFilter(backend: Backend, f: TensorInfo): TensorInfo {
  const [FH, FW, CI, CO] = f.shape;
  return jsKernel(backend, [FH, FW, CO, CI], 'float32', [f], (out, [v]) => {
    for (let i = 0; i < FH; i++)
      for (let j = 0; j < FW; j++) {
        const src = ((FH - 1 - i) * FW + (FW - 1 - j)) * CI * CO;
        const dst = (i * FW + j) * CO * CI;
        for (let c = 0; c < CI; c++) for (let k = 0; k < CO; k++) out[dst + k * CI + c] = v[src + c * CO + k];
      }
  });
}

/**
 * dx through Conv2D, or null when the case is not handled (NCHW, negative padding) so the caller can
 * use the stock kernel.
 */
export function conv2dBackpropInputByConv(
  tf: typeof tfjs,
  backendName: string,
  backend: Backend,
  dy: TensorInfo,
  filter: TensorInfo,
  a: Attrs,
  allowStrided = true,
): TensorInfo | null {
  if (a.dataFormat === 'NCHW') return null;
  const ci = tf.backend_util.computeConv2DInfo(
    a.inputShape,
    filter.shape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad as any,
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW } = ci;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = ci;
  if (!allowStrided && (sh > 1 || sw > 1)) return null;
  const OHs = (OH - 1) * sh + 1;
  const OWs = (OW - 1) * sw + 1;
  const pt = (FH - 1) * dh - ci.padInfo.top;
  const pl = (FW - 1) * dw - ci.padInfo.left;
  const pb = H - OHs + ci.padInfo.top;
  const pr = W - OWs + ci.padInfo.left;
  if (pt < 0 || pl < 0 || pb < 0 || pr < 0) return null;
  const temps: TensorInfo[] = [];
  try {
    const dyS = sh > 1 || sw > 1 ? zeroInsert(backend, dy, sh, sw) : dy;
    if (dyS !== dy) temps.push(dyS);
    const fr = rotateFilter(backend, filter);
    temps.push(fr);
    const dx = callKernel(
      tf,
      backendName,
      backend,
      'Conv2D',
      { x: dyS, filter: fr },
      {
        strides: [1, 1],
        dilations: [dh, dw],
        pad: [
          [0, 0],
          [pt, pb],
          [pl, pr],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
    );
    return dx;
  } finally {
    for (const t of temps) disposeInfo(backend, t);
  }
}

export function conv2dBackpropInputConfig(
  tf: typeof tfjs,
  backendName: string,
  stock: tfjs.KernelConfig | undefined,
): tfjs.KernelConfig | null {
  if (backendName !== 'wasm' || !stock) return null;
  const allowStrided = process.env.MMF_CONV_INPUT_GRAD_STRIDED !== '0';
  return {
    ...stock,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as any;
      const r = conv2dBackpropInputByConv(tf, backendName, backend, inputs.dy, inputs.filter, attrs, allowStrided);
      return r ?? stock.kernelFunc(args);
    },
  };
}
