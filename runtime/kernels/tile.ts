/**
 * Tile on wasm: out[i₀, …, i_r] = x[i₀ mod s₀, …, i_r mod s_r], out shape sₖ·repsₖ.
 *
 * The wasm backend's Tile (src/cc/kernels/Tile.cc) converts every output index to coordinates and back,
 * ~50–90 ns an element. tfjs-layers' LayerNormalization tiles mean, variance, γ and β to the full input
 * shape in every forward pass, and the BatchNormalization gradient (tfjs-core FusedBatchNorm_grad.ts)
 * tiles too, so that cost is paid several times a step. This kernel copies contiguous blocks
 * (TypedArray.set / copyWithin / fill) instead. Any rank, dtypes float32 / int32 / bool.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { sizeOf, type Arr, type Backend, type TensorInfo } from './util.ts';

/** Tile `x` of `shape` by `reps` into `out` (already sized). */
export function tileInto(x: Arr, shape: number[], reps: number[], out: Arr): void {
  const r = shape.length;
  if (r === 0) {
    out[0] = x[0];
    return;
  }
  const outShape = shape.map((s, i) => s * reps[i]);
  const xStr = new Array<number>(r);
  const oStr = new Array<number>(r);
  xStr[r - 1] = 1;
  oStr[r - 1] = 1;
  for (let i = r - 2; i >= 0; i--) {
    xStr[i] = xStr[i + 1] * shape[i + 1];
    oStr[i] = oStr[i + 1] * outShape[i + 1];
  }
  const rec = (d: number, xo: number, oo: number): void => {
    const n = shape[d];
    if (d === r - 1) {
      const k = reps[d];
      if (n === 1) {
        out.fill(x[xo], oo, oo + k);
      } else if (n < 16) {
        for (let q = 0; q < k; q++) for (let j = 0; j < n; j++) out[oo + q * n + j] = x[xo + j];
      } else {
        const src = x.subarray(xo, xo + n);
        for (let q = 0; q < k; q++) out.set(src, oo + q * n);
      }
      return;
    }
    for (let i = 0; i < n; i++) rec(d + 1, xo + i * xStr[d], oo + i * oStr[d]);
    const blk = n * oStr[d];
    for (let q = 1; q < reps[d]; q++) out.copyWithin(oo + q * blk, oo, oo + blk);
  };
  rec(0, 0, 0);
}

export function tileConfig(backendName: string, stock: tfjs.KernelConfig | undefined): tfjs.KernelConfig | null {
  if (backendName !== 'wasm' || !stock) return null;
  return {
    ...stock,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as { inputs: { x: TensorInfo }; backend: Backend; attrs: { reps: number[] } };
      const { x } = inputs;
      if (x.dtype === 'string' || x.dtype === 'complex64') return stock.kernelFunc(args);
      const outShape = x.shape.map((s, i) => s * attrs.reps[i]);
      const info = backend.makeOutput(outShape, x.dtype) as TensorInfo;
      if (sizeOf(outShape) > 0) {
        const out = backend.typedArrayFromHeap(info) as Arr;
        tileInto(backend.typedArrayFromHeap(x) as Arr, x.shape, attrs.reps, out);
      }
      return info;
    },
  };
}
