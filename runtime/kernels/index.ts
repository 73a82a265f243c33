/**
 * mmf's training kernels for tfjs: registration entry point.
 *
 * `registerMmfKernels(tf)` registers, for the wasm and cpu backends, kernels that tfjs-backend-wasm lacks
 * or that tfjs 4.22 implements too slowly (or wrongly) for training, and overrides two gradients that are
 * slow or unsupported in tfjs-core. Found by training small tfjs-layers models of every layer kind mmf
 * emits on wasm with per-kernel timers. The stock kernel configs it replaces are kept (see
 * {@link stockKernel}) so that tests and benchmarks can compare against them.
 *
 *   kernel                 wasm        cpu         why                                           file
 *   UnsortedSegmentSum     added       replaced    Embedding gradient; missing / O(vocab) ops      unsorted_segment_sum.ts
 *   Conv2DBackpropFilter   added       replaced    conv filter gradient; missing / TensorBuffer    conv2d_backprop_filter.ts
 *   Conv2DBackpropInput    replaced    —           conv input gradient; scalar C++ loop            conv2d_backprop_input.ts
 *   BatchMatMul, _FusedMatMul  wrapped —           transposed operands hit a scalar loop; bias bug matmul.ts
 *   Tile                   replaced    —           LayerNorm forward, BatchNorm gradient           tile.ts
 *   Equal … LessEqual      replaced    —           broadcast compares (max/min gradients)          compare.ts
 *   Slice, SplitV, Unpack  replaced    —           each copied the whole input (RNN unstack O(T²)) slice.ts
 *   GatherV2               replaced    —           Embedding forward                               gather.ts
 *   Reverse                replaced    —           Bidirectional RNNs                              reverse.ts
 *   MaxPoolGrad            replaced    replaced    pooling gradient, 17× the forward              pool_grad.ts
 *   AvgPoolGrad            replaced    replaced    exact gradient with 'same' padding              pool_grad.ts
 *   Identity               replaced    —           zero-copy, as on cpu                           pool_grad.ts
 *   gradient of Tile       reshape+sum (all backends): LayerNormalization                          gradients.ts
 *   gradient of Conv2D     dilation > 1 supported (all backends)                                   gradients.ts
 *   fused.conv2d           dilation > 1 computed unfused while recording gradients                 gradients.ts
 * Every replacement is measured against the stock kernel in bench/kernels.ts and compared with the stock
 * cpu kernel in test/runtime-kernels.test.ts.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d_backprop_filter.ts';
import { unsortedSegmentSumConfig } from './unsorted_segment_sum.ts';
import { conv2dGradConfig, patchFusedConv2dDilation, tileGradConfig } from './gradients.ts';
import { matMulConfig } from './matmul.ts';
import { conv2dBackpropInputConfig } from './conv2d_backprop_input.ts';
import { tileConfig } from './tile.ts';
import { COMPARE_KERNELS, compareConfig } from './compare.ts';
import { sliceConfig, splitVConfig, unpackConfig } from './slice.ts';
import { gatherV2Config } from './gather.ts';
import { reverseConfig } from './reverse.ts';
import { avgPoolGradConfig, identityConfig, maxPoolGradConfig } from './pool_grad.ts';

type Tf = typeof tfjs;

type Factory = (backendName: string, stock: tfjs.KernelConfig | undefined) => tfjs.KernelConfig | null;

function factories(tf: Tf): Array<[string, Factory]> {
  return [
    ['UnsortedSegmentSum', (b) => unsortedSegmentSumConfig(b)],
    ['Conv2DBackpropFilter', (b) => conv2dBackpropFilterConfig(tf, b)],
    ['Conv2DBackpropInput', (b, s) => conv2dBackpropInputConfig(tf, b, s)],
    ['BatchMatMul', (b, s) => matMulConfig(tf, 'BatchMatMul', b, s)],
    ['_FusedMatMul', (b, s) => matMulConfig(tf, '_FusedMatMul', b, s)],
    ['Tile', (b, s) => tileConfig(b, s)],
    ...COMPARE_KERNELS.map((k): [string, Factory] => [k, (b, s) => compareConfig(k, b, s)]),
    ['Slice', (b, s) => sliceConfig(tf, b, s)],
    ['SplitV', (b, s) => splitVConfig(tf, b, s)],
    ['Unpack', (b, s) => unpackConfig(b, s)],
    ['GatherV2', (b, s) => gatherV2Config(tf, b, s)],
    ['Reverse', (b, s) => reverseConfig(tf, b, s)],
    ['MaxPoolGrad', (b) => maxPoolGradConfig(tf, b)],
    ['AvgPoolGrad', (b) => avgPoolGradConfig(tf, b)],
    ['Identity', (b, s) => identityConfig(b, s)],
  ];
}

/** Kernels mmf registers on wasm; UnsortedSegmentSum, Conv2DBackpropFilter, MaxPoolGrad and AvgPoolGrad on cpu too. */
export const MMF_KERNELS = [
  'UnsortedSegmentSum',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'BatchMatMul',
  '_FusedMatMul',
  'Tile',
  ...COMPARE_KERNELS,
  'Slice',
  'SplitV',
  'Unpack',
  'GatherV2',
  'Reverse',
  'MaxPoolGrad',
  'AvgPoolGrad',
  'Identity',
] as const;
/** Backends that get mmf's JS kernels. tfjs-node ('tensorflow') has native ones. */
export const MMF_KERNEL_BACKENDS = ['wasm', 'cpu'] as const;
/** Gradients mmf overrides in the (global) gradient registry. */
export const MMF_GRADIENTS = ['Tile', 'Conv2D'] as const;

const STATE_KEY = Symbol.for('mmf.kernels.state');
interface State {
  stock: Map<string, tfjs.KernelConfig | undefined>;
  stockGrad: Map<string, tfjs.GradConfig | undefined>;
  registered: boolean;
}
function state(): State {
  const g = globalThis as any;
  if (!g[STATE_KEY]) g[STATE_KEY] = { stock: new Map(), stockGrad: new Map(), registered: false } satisfies State;
  return g[STATE_KEY];
}

/**
 * Register mmf's kernels and gradient overrides. Idempotent. Call after the wasm backend package has
 * been loaded (its import registers its own kernels, which would otherwise replace ours) — `initBackend`
 * does. `MMF_STOCK_KERNELS=1` skips everything (for before/after measurements); `opts.only` limits the
 * kernels (not the gradient overrides) to the names given (bench/kernels.ts).
 */
export function registerMmfKernels(tf: Tf, opts: { only?: readonly string[] } = {}): void {
  const st = state();
  if (st.registered || process.env.MMF_STOCK_KERNELS === '1') return;
  for (const backendName of MMF_KERNEL_BACKENDS) {
    for (const [kernelName, make] of factories(tf)) {
      if (opts.only && !opts.only.includes(kernelName)) continue;
      const key = `${backendName}_${kernelName}`;
      const existing = tf.getKernel(kernelName, backendName);
      if (!st.stock.has(key)) st.stock.set(key, existing);
      const made = make(backendName, existing);
      if (!made) continue;
      // Keep the stock kernel's setup (it binds the wasm function its kernelFunc calls) so the stock
      // kernel stays callable through stockKernel() after a full replacement.
      const cfg = !made.setupFunc && existing?.setupFunc ? { ...made, setupFunc: existing.setupFunc } : made;
      if (existing) tf.unregisterKernel(kernelName, backendName);
      tf.registerKernel(cfg);
    }
  }
  // registerGradient silently replaces (it warns only with the DEBUG flag on).
  for (const g of [tileGradConfig(tf), conv2dGradConfig(tf)]) {
    if (!st.stockGrad.has(g.kernelName)) st.stockGrad.set(g.kernelName, tf.getGradient(g.kernelName));
    tf.registerGradient(g);
  }
  patchFusedConv2dDilation(tf);
  st.registered = true;
}

/**
 * The kernel config that tfjs shipped for `kernelName` on `backendName` before mmf replaced it, or
 * undefined if there was none (e.g. UnsortedSegmentSum on wasm). Only meaningful after registration.
 */
export function stockKernel(kernelName: string, backendName: string): tfjs.KernelConfig | undefined {
  return state().stock.get(`${backendName}_${kernelName}`);
}

/** The gradient config tfjs-core shipped for `kernelName` before mmf replaced it (Tile, Conv2D). */
export function stockGradient(kernelName: string): tfjs.GradConfig | undefined {
  return state().stockGrad.get(kernelName);
}

export { conv2dBackpropFilterConfig, conv2dBackpropFilterJs, conv2dBackpropFilterByConv } from './conv2d_backprop_filter.ts';
export { unsortedSegmentSumConfig } from './unsorted_segment_sum.ts';
export { tileGradConfig, conv2dGradConfig, dilateFilter, patchFusedConv2dDilation } from './gradients.ts';
export { matMulConfig } from './matmul.ts';
export { conv2dBackpropInputConfig, conv2dBackpropInputByConv } from './conv2d_backprop_input.ts';
export { tileConfig, tileInto } from './tile.ts';
export { COMPARE_KERNELS, compareConfig, compareInto } from './compare.ts';
export { sliceConfig, splitVConfig, unpackConfig, sliceInto } from './slice.ts';
export { gatherV2Config, gatherInto } from './gather.ts';
export { reverseConfig, reverseInto } from './reverse.ts';
export { maxPoolGradConfig, avgPoolGradConfig, identityConfig } from './pool_grad.ts';
