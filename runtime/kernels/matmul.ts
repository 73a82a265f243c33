/**
 * BatchMatMul / _FusedMatMul on wasm with transposed operands.
 *
 * tfjs-backend-wasm (src/cc/batch_mat_mul_impl.cc) uses XNNPACK's fully-connected operator only when
 * neither operand is transposed and the batch is 1; any transposeA/transposeB falls back to a scalar
 * blocked triple loop. Every dense/recurrent gradient asks for a transpose (dX = dY·Wᵀ, dW = Xᵀ·dY),
 * so training ran 4–10× slower than the forward pass. Here a transposed operand of a batch-1 product
 * is materialised with the backend's own Transpose kernel and the product goes to the stock kernel
 * without transposes (same math: (Aᵀ)B computed as (transpose(A))·B). Batched products (batch > 1) are
 * left to the stock kernel.
 *
 * Correctness fix: on that scalar fallback path the stock _FusedMatMul adds bias[min(i·N + j, |bias| − 1)]
 * instead of bias[j] (batch_mat_mul_impl.cc, `bias_index`), i.e. every row after the first gets the last
 * bias entry. For batched fused products with a bias we therefore run the product without bias and
 * activation, then the backend's Add and activation kernels: y = act(A·B + bias).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { callKernel, disposeInfo, sizeOf, type Backend, type TensorInfo } from './util.ts';

function swapLast(rank: number): number[] {
  const p = Array.from({ length: rank }, (_, i) => i);
  [p[rank - 2], p[rank - 1]] = [p[rank - 1], p[rank - 2]];
  return p;
}

const ACTIVATION_KERNEL: Record<string, string> = { relu: 'Relu', relu6: 'Relu6', elu: 'Elu', sigmoid: 'Sigmoid', leakyrelu: 'LeakyRelu', prelu: 'Prelu' };

/** act(A·B + bias) as three kernels (stock product without bias, Add, activation). */
function fusedUnfused(
  tf: typeof tfjs,
  backendName: string,
  backend: Backend,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, any>,
  stockFunc: tfjs.KernelFunc,
): TensorInfo {
  const temps: TensorInfo[] = [];
  try {
    const prod = stockFunc({ inputs: { a: inputs.a, b: inputs.b }, backend, attrs: { ...attrs, activation: 'linear' } } as any) as TensorInfo;
    temps.push(prod);
    const sum = callKernel(tf, backendName, backend, 'Add', { a: prod, b: inputs.bias }, {});
    const act = attrs.activation ?? 'linear';
    if (act === 'linear') return sum;
    temps.push(sum);
    const name = ACTIVATION_KERNEL[act];
    if (!name) throw new Error(`_FusedMatMul: unknown activation ${act}`);
    if (act === 'prelu') return callKernel(tf, backendName, backend, name, { x: sum, alpha: inputs.preluActivationWeights }, {});
    return callKernel(tf, backendName, backend, name, { x: sum }, act === 'leakyrelu' ? { alpha: attrs.leakyreluAlpha ?? 0.2 } : {});
  } finally {
    for (const t of temps) disposeInfo(backend, t);
  }
}

export function matMulConfig(
  tf: typeof tfjs,
  kernelName: 'BatchMatMul' | '_FusedMatMul',
  backendName: string,
  stock: tfjs.KernelConfig | undefined,
): tfjs.KernelConfig | null {
  if (backendName !== 'wasm' || !stock) return null;
  const stockFunc = stock.kernelFunc;
  return {
    ...stock,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args as unknown as {
        inputs: Record<string, TensorInfo>;
        backend: Backend;
        attrs: Record<string, any>;
      };
      const { a, b } = inputs;
      const tA = !!attrs.transposeA;
      const tB = !!attrs.transposeB;
      const batch1 = sizeOf(a.shape.slice(0, -2)) === 1 && sizeOf(b.shape.slice(0, -2)) === 1;
      if (!batch1 && kernelName === '_FusedMatMul' && inputs.bias != null) return fusedUnfused(tf, backendName, backend, inputs, attrs, stockFunc);
      if ((!tA && !tB) || !batch1 || a.dtype !== 'float32' || b.dtype !== 'float32') return stockFunc(args);
      const temps: TensorInfo[] = [];
      try {
        const a2 = tA ? callKernel(tf, backendName, backend, 'Transpose', { x: a }, { perm: swapLast(a.shape.length) }) : a;
        if (tA) temps.push(a2);
        const b2 = tB ? callKernel(tf, backendName, backend, 'Transpose', { x: b }, { perm: swapLast(b.shape.length) }) : b;
        if (tB) temps.push(b2);
        return stockFunc({
          inputs: { ...inputs, a: a2, b: b2 },
          backend,
          attrs: { ...attrs, transposeA: false, transposeB: false },
        } as any);
      } finally {
        for (const t of temps) disposeInfo(backend, t);
      }
    },
  };
}
