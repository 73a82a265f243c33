/**
 * Gradient overrides (backend-independent: they only compose stock ops and kernels, so they hold on
 * tfjs-node as well as on wasm and cpu).
 *
 *  - Tile. Stock (tfjs-core gradients/Tile_grad.ts) adds one slice of dy per repetition: reps[0]·…·reps[r]
 *    slice+add ops, and none at all for rank > 4. tfjs-layers' LayerNormalization tiles γ and β to
 *    [batch, time, 1] (layers/normalization.ts), so its gradient costs batch·time ops (16 384 ops a step at
 *    batch 64 × 256 steps). Here: dx = Σ over the rep axes of reshape(dy, [r0, s0, r1, s1, …]), which
 *    is exact because out[q·s + j] = x[j] along every axis.
 *  - Conv2D with dilation > 1. Stock asserts "dilation rates greater than 1 are not yet supported in
 *    gradients", so a dilated conv1d/conv2d cannot train. A conv with dilation d equals a conv with the
 *    zero-inserted filter F_d of size (F−1)·d+1 (same padding, since tfjs derives 'same' padding from that
 *    effective size), so dx = Conv2DBackpropInput(dy, F_d) and dF = Conv2DBackpropFilter(x, dy, |F_d|)[::d].
 *    Cost: the gradient does the work of the effective (undilated) filter.
 *  - fused.conv2d with dilation > 1 while recording gradients. tfjs-layers' Conv2D layer calls
 *    `tf.fused.conv2d`, whose private custom gradient repeats the assertion above and which the gradient
 *    registry cannot reach; with dilation > 1 under a tape we evaluate conv2d + bias + activation unfused
 *    (the path tfjs itself takes for non-linear activations, ops/fused/conv2d.ts `shouldFuse`), so the
 *    Conv2D gradient above applies. Forward results are unchanged.
 */
import type * as tfjs from '@tensorflow/tfjs';

type Tf = typeof tfjs;
type T = tfjs.Tensor;

function pair(v: number | number[] | undefined): [number, number] {
  if (v == null) return [1, 1];
  if (typeof v === 'number') return [v, v];
  return [v[0], v[1] ?? v[0]];
}

/** Gradient of Tile by reshape + sum (any rank). */
export function tileGradConfig(tf: Tf): tfjs.GradConfig {
  return {
    kernelName: 'Tile',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const reps = (attrs as unknown as { reps: number[] }).reps;
      return {
        x: () => {
          const inter: number[] = [];
          x.shape.forEach((s, i) => inter.push(reps[i], s));
          const axes = reps.map((_, i) => 2 * i);
          return tf.tidy(() => tf.reshape(tf.sum(tf.reshape(dy as T, inter), axes), x.shape));
        },
      };
    },
  };
}

/** Zero-insert a [FH, FW, Ci, Co] filter to [(FH−1)·dh+1, (FW−1)·dw+1, Ci, Co]. */
export function dilateFilter(tf: Tf, f: T, dh: number, dw: number): T {
  return tf.tidy(() => {
    const [fh, fw, ci, co] = f.shape;
    let r = f;
    if (dh > 1) {
      r = tf.reshape(r, [fh, 1, fw * ci * co]);
      r = tf.pad(r, [
        [0, 0],
        [0, dh - 1],
        [0, 0],
      ]);
      r = tf.reshape(r, [fh * dh, fw, ci, co]);
    }
    if (dw > 1) {
      const h = r.shape[0];
      r = tf.reshape(r, [h * fw, 1, ci * co]);
      r = tf.pad(r, [
        [0, 0],
        [0, dw - 1],
        [0, 0],
      ]);
      r = tf.reshape(r, [h, fw * dw, ci, co]);
    }
    return tf.slice(r, [0, 0, 0, 0], [(fh - 1) * dh + 1, (fw - 1) * dw + 1, ci, co]);
  });
}

/** Conv2D gradient: stock for dilation 1, zero-inserted filter for dilation > 1. */
export function conv2dGradConfig(tf: Tf): tfjs.GradConfig {
  return {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dyIn, saved, attrs) => {
      const dy = dyIn as T;
      const [x, filter] = saved;
      const a = attrs as Record<string, any>;
      const [dh, dw] = pair(a.dilations);
      const common = { strides: a.strides, pad: a.pad, dataFormat: a.dataFormat ?? 'NHWC', dimRoundingMode: a.dimRoundingMode };
      const e = tf.engine();
      const run = (name: string, inputs: Record<string, T>, at: Record<string, unknown>): T =>
        e.runKernel(name, inputs as any, at as any) as unknown as T;
      if (dh === 1 && dw === 1) {
        return {
          x: () => run('Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: x.shape }),
          filter: () => run('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: filter.shape }),
        };
      }
      return {
        x: () =>
          tf.tidy(() => {
            const fd = dilateFilter(tf, filter, dh, dw);
            return run('Conv2DBackpropInput', { dy, filter: fd }, { ...common, inputShape: x.shape });
          }),
        filter: () =>
          tf.tidy(() => {
            const [fh, fw, ci, co] = filter.shape;
            const big = [(fh - 1) * dh + 1, (fw - 1) * dw + 1, ci, co];
            const g = run('Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: big });
            return tf.stridedSlice(g, [0, 0, 0, 0], big, [dh, dw, 1, 1]);
          }),
      };
    },
  };
}

const ACT: Record<string, (tf: Tf, y: T, alpha?: T, leak?: number) => T> = {
  linear: (_tf, y) => y,
  relu: (tf, y) => tf.relu(y),
  relu6: (tf, y) => tf.relu6(y),
  elu: (tf, y) => tf.elu(y),
  sigmoid: (tf, y) => tf.sigmoid(y),
  prelu: (tf, y, a) => tf.prelu(y, a as T),
  leakyrelu: (tf, y, _a, leak) => tf.leakyRelu(y, leak ?? 0.2),
};

/**
 * Route `tf.fused.conv2d` with dilation > 1 to unfused ops while a gradient tape is recording.
 * Mutates the shared `tf.fused` object (a plain, writable object in tfjs-core 4.x); idempotent.
 */
export function patchFusedConv2dDilation(tf: Tf): boolean {
  const fused = tf.fused as unknown as Record<string, any>;
  if (!fused || typeof fused.conv2d !== 'function' || fused.conv2d.__mmfPatched) return false;
  const original = fused.conv2d;
  const patched = (args: Record<string, any>) => {
    const [dh, dw] = pair(args.dilations);
    const recording = ((tf.engine() as any).state?.gradientDepth ?? 0) > 0;
    if ((dh === 1 && dw === 1) || !recording) return original(args);
    const act = ACT[args.activation ?? 'linear'];
    if (!act) return original(args);
    let y = tf.conv2d(args.x, args.filter, args.strides, args.pad, args.dataFormat ?? 'NHWC', args.dilations, args.dimRoundingMode);
    if (args.bias != null) y = tf.add(y, args.bias);
    return act(tf, y, args.preluActivationWeights, args.leakyreluAlpha);
  };
  (patched as any).__mmfPatched = true;
  try {
    fused.conv2d = patched;
  } catch {
    return false;
  }
  return fused.conv2d === patched;
}
