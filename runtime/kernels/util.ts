/**
 * Helpers shared by mmf's JavaScript kernels: read inputs and write outputs on either the wasm or the
 * cpu backend without going through the engine (kernels must not call `tf.*` ops on themselves).
 *
 * wasm: tensors live in the WebAssembly heap. `backend.makeOutput(shape, dtype)` mallocs the output;
 * `backend.typedArrayFromHeap(info)` returns a zero-copy view. A malloc may grow (and so detach) the heap,
 * so views are taken only after every output has been allocated — the pattern of the wasm backend's own
 * JS kernels (tfjs-backend-wasm/src/kernels/*.ts, e.g. SparseSegmentReduction, Unique).
 * cpu: `backend.readSync(dataId)` returns the stored typed array (no copy); outputs are made with
 * `backend.makeTensorInfo(shape, dtype, values)` (tfjs-backend-cpu/src/backend_cpu.ts).
 */
import type * as tfjs from '@tensorflow/tfjs';

export type TensorInfo = tfjs.TensorInfo;
export type Arr = Float32Array | Int32Array | Uint8Array;
export type Backend = tfjs.KernelBackend & Record<string, any>;

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function isWasm(backend: Backend): boolean {
  return typeof backend.typedArrayFromHeap === 'function' && typeof backend.makeOutput === 'function';
}

function newArray(dtype: string, size: number): Arr {
  if (dtype === 'float32') return new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  if (dtype === 'bool') return new Uint8Array(size);
  throw new Error(`mmf kernel: unsupported dtype ${dtype}`);
}

/**
 * Run a JS computation `compute(out, ins)` producing one tensor of `shape`/`dtype` from `inputs`.
 * `out` is zero-filled. On wasm it is a view into the heap (no copy), on cpu a fresh typed array.
 */
export function jsKernel(
  backend: Backend,
  shape: number[],
  dtype: 'float32' | 'int32',
  inputs: TensorInfo[],
  compute: (out: Arr, ins: Arr[]) => void,
): TensorInfo {
  if (isWasm(backend)) {
    const info = backend.makeOutput(shape, dtype) as TensorInfo;
    const out = backend.typedArrayFromHeap(info) as Arr; // views taken after the only malloc
    out.fill(0); // malloc'd memory is not zeroed
    const ins = inputs.map((t) => backend.typedArrayFromHeap(t) as Arr);
    compute(out, ins);
    return info;
  }
  const ins = inputs.map((t) => backend.readSync(t.dataId) as Arr);
  const out = newArray(dtype, sizeOf(shape));
  compute(out, ins);
  return backend.makeTensorInfo(shape, dtype, out) as TensorInfo;
}

/** Run another kernel of the same backend directly (as the backends' own kernels do). */
export function callKernel(
  tf: typeof tfjs,
  backendName: string,
  backend: Backend,
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown>,
): TensorInfo {
  const k = tf.getKernel(name, backendName);
  if (!k) throw new Error(`mmf kernel: no '${name}' kernel on backend '${backendName}'`);
  return k.kernelFunc({ inputs, backend, attrs } as any) as TensorInfo;
}

/** Release an intermediate made by {@link callKernel}. */
export function disposeInfo(backend: Backend, info: TensorInfo): void {
  backend.disposeData(info.dataId);
}
