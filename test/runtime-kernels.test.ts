/**
 * mmf's tfjs kernels (runtime/kernels) against tfjs's stock cpu kernels, on random inputs of several
 * shapes: max |ours − stock| ≤ 1e-4 · max(1, max |stock|) (stock cpu accumulates in float32, so large
 * sums are compared relative to their scale). Also the gradient overrides (Tile, dilated Conv2D) and a
 * whole-model gradient on wasm against cpu.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { initBackend } from '../runtime/backend.ts';
import { stockGradient, stockKernel, conv2dBackpropFilterJs, dilateFilter } from '../runtime/kernels/index.ts';

let tf: typeof tfjs;
beforeAll(async () => {
  ({ tf } = await initBackend({ prefer: 'wasm', quiet: true }));
  expect(tf.getBackend()).toBe('wasm');
});

// ---- helpers ---------------------------------------------------------------------------------------
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
type Spec = { shape: number[]; dtype?: 'float32' | 'int32' | 'bool'; values: ArrayLike<number> };
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
function randn(r: () => number, shape: number[]): Spec {
  const v = new Float32Array(size(shape));
  for (let i = 0; i < v.length; i++) v[i] = r() * 2 - 1;
  return { shape, values: v };
}
function randint(r: () => number, shape: number[], lo: number, hi: number): Spec {
  const v = new Int32Array(size(shape));
  for (let i = 0; i < v.length; i++) v[i] = lo + Math.floor(r() * (hi - lo));
  return { shape, dtype: 'int32', values: v };
}
type Out = { shape: number[]; values: Float32Array | Int32Array | Uint8Array; dtype: string };

function make(inputs: Record<string, Spec | Spec[]>) {
  const ts: Record<string, any> = {};
  for (const [k, s] of Object.entries(inputs)) {
    ts[k] = Array.isArray(s) ? s.map((x) => tf.tensor(x.values as any, x.shape, x.dtype ?? 'float32')) : tf.tensor(s.values as any, s.shape, s.dtype ?? 'float32');
  }
  return ts;
}
function collect(r: tfjs.Tensor | tfjs.Tensor[]): Out[] {
  return (Array.isArray(r) ? r : [r]).map((t) => ({ shape: t.shape, values: t.dataSync() as any, dtype: t.dtype }));
}
/** Our kernel through the engine on `backend`. */
async function ours(backend: string, name: string, inputs: Record<string, Spec | Spec[]>, attrs: object): Promise<Out[]> {
  await tf.setBackend(backend);
  const ts = make(inputs);
  const r = tf.engine().runKernel(name, ts as any, attrs as any) as tfjs.Tensor | tfjs.Tensor[];
  const out = collect(r);
  tf.dispose([r as any, ...Object.values(ts).flat()]);
  return out;
}
/** The stock cpu kernel tfjs shipped, called directly. */
async function stock(name: string, inputs: Record<string, Spec | Spec[]>, attrs: object): Promise<Out[]> {
  await tf.setBackend('cpu');
  const cfg = stockKernel(name, 'cpu');
  if (!cfg) throw new Error(`no stock cpu ${name}`);
  const ts = make(inputs);
  const infos = cfg.kernelFunc({ inputs: ts, backend: tf.backend(), attrs } as any);
  const r = (Array.isArray(infos) ? infos : [infos]).map((i) => tf.engine().makeTensorFromTensorInfo(i));
  const out = collect(r);
  tf.dispose([...r, ...Object.values(ts).flat()]);
  await tf.setBackend('wasm');
  return out;
}
function close(a: Out[], b: Out[], tol = 1e-4) {
  expect(a.length).toBe(b.length);
  for (let k = 0; k < a.length; k++) {
    expect(a[k].shape).toEqual(b[k].shape);
    const x = a[k].values;
    const y = b[k].values;
    expect(x.length).toBe(y.length);
    let scale = 1;
    for (let i = 0; i < y.length; i++) scale = Math.max(scale, Math.abs(y[i]));
    let worst = 0;
    for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
    expect(worst / scale).toBeLessThanOrEqual(tol);
  }
}
async function check(name: string, inputs: Record<string, Spec | Spec[]>, attrs: object, backends = ['wasm']) {
  const ref = await stock(name, inputs, attrs);
  for (const b of backends) close(await ours(b, name, inputs, attrs), ref);
}

// ---- kernels ---------------------------------------------------------------------------------------
describe('UnsortedSegmentSum', () => {
  const r = rng(1);
  it.each([
    [[40, 8], 10],
    [[64 * 5, 32], 50],
    [[7], 3],
    [[12, 3, 4], 5],
  ])('x %j, %i segments (wasm, cpu)', async (shape, n) => {
    const ids = randint(r, [shape[0]], -1, n + 1); // includes out-of-range ids, which are dropped
    await check('UnsortedSegmentSum', { x: randn(r, shape), segmentIds: ids }, { numSegments: n }, ['wasm', 'cpu']);
  });
  it('int32 values', async () => {
    await check('UnsortedSegmentSum', { x: randint(r, [30, 4], -5, 5), segmentIds: randint(r, [30], 0, 6) }, { numSegments: 6 }, ['wasm', 'cpu']);
  });
});

const convCases: Array<{ x: number[]; f: number[]; strides: number | [number, number]; pad: any; note: string }> = [
  { x: [2, 9, 9, 3], f: [3, 3, 3, 4], strides: 1, pad: 'valid', note: '3x3 valid' },
  { x: [2, 9, 9, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same', note: '3x3 same' },
  { x: [2, 10, 9, 3], f: [3, 3, 3, 5], strides: 2, pad: 'same', note: 'stride 2 same' },
  { x: [2, 11, 10, 2], f: [3, 2, 2, 3], strides: [2, 3], pad: 'valid', note: 'stride (2,3) valid, uneven' },
  { x: [3, 1, 30, 8], f: [1, 5, 8, 6], strides: 1, pad: 'valid', note: 'conv1d-like' },
  { x: [3, 1, 30, 8], f: [1, 5, 8, 6], strides: [1, 2], pad: 'same', note: 'conv1d-like stride 2 same' },
  { x: [1, 8, 8, 2], f: [3, 3, 2, 2], strides: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]], note: 'explicit padding' },
  { x: [2, 7, 7, 1], f: [2, 2, 1, 3], strides: 1, pad: 1, note: 'numeric padding' },
];

function outShape(c: (typeof convCases)[number]) {
  return tf.backend_util.computeConv2DInfo(c.x as any, c.f as any, c.strides, 1, c.pad).outShape;
}

describe('Conv2DBackpropFilter', () => {
  const r = rng(2);
  it.each(convCases)('$note (wasm transpose trick, cpu JS)', async (c) => {
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f };
    await check('Conv2DBackpropFilter', { x: randn(r, c.x), dy: randn(r, outShape(c)) }, attrs, ['wasm', 'cpu']);
  });
  it('plain-JS path on the wasm heap', async () => {
    const c = convCases[2];
    const inputs = { x: randn(r, c.x), dy: randn(r, outShape(c)) };
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' as const, filterShape: c.f as any };
    const ref = await stock('Conv2DBackpropFilter', inputs, attrs);
    await tf.setBackend('wasm');
    const ts = make(inputs);
    const info = conv2dBackpropFilterJs(tf, tf.backend() as any, ts.x, ts.dy, attrs);
    const t = tf.engine().makeTensorFromTensorInfo(info);
    close(collect(t), ref);
    tf.dispose([t, ts.x, ts.dy]);
  });
  it('NCHW (JS path)', async () => {
    const x = [2, 3, 8, 7];
    const f = [3, 3, 3, 4];
    const oshape = tf.backend_util.computeConv2DInfo(x as any, f as any, 1, 1, 'same', undefined, false, 'channelsFirst').outShape;
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: f };
    await check('Conv2DBackpropFilter', { x: randn(r, x), dy: randn(r, oshape) }, attrs, ['wasm', 'cpu']);
  });
});

describe('Conv2DBackpropInput (wasm)', () => {
  const r = rng(3);
  it.each(convCases)('$note', async (c) => {
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
    await check('Conv2DBackpropInput', { dy: randn(r, outShape(c)), filter: randn(r, c.f) }, attrs);
  });
});

describe('BatchMatMul / _FusedMatMul (wasm)', () => {
  const r = rng(4);
  const cases: Array<[number[], number[], boolean, boolean]> = [
    [[1, 7, 5], [1, 5, 9], false, false],
    [[1, 5, 7], [1, 5, 9], true, false],
    [[1, 7, 5], [1, 9, 5], false, true],
    [[1, 5, 7], [1, 9, 5], true, true],
    [[3, 5, 7], [3, 9, 5], true, true], // batched: stock path
    [[1, 64, 33], [1, 64, 17], true, false],
  ];
  it.each(cases)('a %j b %j tA %s tB %s', async (a, b, transposeA, transposeB) => {
    await check('BatchMatMul', { a: randn(r, a), b: randn(r, b) }, { transposeA, transposeB });
    const n = transposeB ? b[1] : b[2];
    await check('_FusedMatMul', { a: randn(r, a), b: randn(r, b), bias: randn(r, [n]) }, { transposeA, transposeB, activation: 'relu' });
  });
});

describe('Tile (wasm)', () => {
  const r = rng(5);
  it.each([
    [[3], [4]],
    [[2, 3], [3, 2]],
    [[1, 1, 5], [4, 6, 1]],
    [[4, 6, 1], [1, 1, 5]],
    [[2, 1, 3, 2], [2, 3, 1, 2]],
    [[2, 2, 1, 2, 3], [1, 2, 3, 1, 2]],
    [[2, 20], [3, 2]],
  ])('x %j reps %j', async (shape, reps) => {
    await check('Tile', { x: randn(r, shape) }, { reps });
    await check('Tile', { x: randint(r, shape, -9, 9) }, { reps });
  });
});

describe('comparisons (wasm)', () => {
  const r = rng(6);
  const shapes: Array<[number[], number[]]> = [
    [[4, 5], [4, 5]],
    [[4, 5, 6], [4, 1, 6]],
    [[4, 5, 6], [6]],
    [[4, 5, 6], [4, 5, 1]],
    [[3, 1], [1, 7]],
    [[2, 3], []],
  ];
  for (const op of ['Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual']) {
    it.each(shapes)(`${op} %j vs %j`, async (sa, sb) => {
      // small integers so that equality actually occurs
      const a = randint(r, sa, -2, 3);
      const b = randint(r, sb, -2, 3);
      await check(op, { a, b }, {});
      await check(op, { a: { ...a, dtype: 'float32', values: Float32Array.from(a.values) }, b: { ...b, dtype: 'float32', values: Float32Array.from(b.values) } }, {});
    });
  }
});

describe('Slice / SplitV / Unpack (wasm)', () => {
  const r = rng(7);
  it.each([
    [[10], [3], [4]],
    [[6, 7], [1, 2], [3, -1]],
    [[4, 5, 6], [0, 1, 0], [4, 3, 6]],
    [[4, 5, 6], [1, 0, 2], [2, 5, 3]],
    [[3, 4, 5, 6], [1, 1, 1, 1], [2, 2, 2, 2]],
    [[2, 3, 4, 5, 6], [0, 1, 2, 0, 3], [2, 2, 1, 5, 2]],
  ])('Slice %j begin %j size %j', async (shape, begin, sz) => {
    await check('Slice', { x: randn(r, shape) }, { begin, size: sz });
    await check('Slice', { x: randint(r, shape, 0, 100) }, { begin, size: sz });
  });
  it.each([
    [[6, 9], [2, 3, 4], 1],
    [[6, 9], 3, 0],
    [[4, 5, 6], [1, 4], 1],
    [[4, 5, 6], [3, 3], -1],
  ])('SplitV %j by %j along %i', async (shape, numOrSizeSplits, axis) => {
    await check('SplitV', { x: randn(r, shape) }, { numOrSizeSplits, axis });
  });
  it.each([
    [[5, 3, 4], 0],
    [[5, 3, 4], 1],
    [[5, 3, 4], 2],
    [[5, 3, 4], -1],
  ])('Unpack %j axis %i', async (shape, axis) => {
    await check('Unpack', { value: randn(r, shape) }, { axis });
  });
});

describe('GatherV2 (wasm)', () => {
  const r = rng(8);
  it.each([
    [[50, 16], [7, 20], 0, 0],
    [[50, 3], [13], 0, 0],
    [[4, 9, 5], [6], 1, 0],
    [[4, 9, 5], [4, 6], 1, 1],
    [[4, 9], [2, 3], 1, 0],
  ])('x %j indices %j axis %i batchDims %i', async (shape, ishape, axis, batchDims) => {
    await check('GatherV2', { x: randn(r, shape), indices: randint(r, ishape, 0, shape[axis]) }, { axis, batchDims });
  });
  it('throws on an out-of-range index, like the stock kernel', async () => {
    await expect(ours('wasm', 'GatherV2', { x: randn(r, [5, 2]), indices: { shape: [2], dtype: 'int32', values: Int32Array.from([1, 5]) } }, { axis: 0, batchDims: 0 })).rejects.toThrow(/not in \[0, 4\]/);
  });
});

describe('Reverse (wasm)', () => {
  const r = rng(9);
  it.each([
    [[7], [0]],
    [[4, 5], [1]],
    [[4, 5, 6], [1]],
    [[4, 5, 6], [0, 2]],
    [[3, 4, 5, 6], [0, 1, 2, 3]],
    [[2, 9, 3], [-2]],
  ])('x %j dims %j', async (shape, dims) => {
    await check('Reverse', { x: randn(r, shape) }, { dims });
  });
});

// ---- gradient overrides -----------------------------------------------------------------------------
describe('gradient overrides', () => {
  const r = rng(10);
  it.each([
    [[3], [4]],
    [[2, 3], [3, 2]],
    [[1, 1, 5], [4, 6, 1]],
    [[2, 1, 3, 2], [2, 3, 1, 2]],
  ])('Tile gradient matches stock: x %j reps %j', async (shape, reps) => {
    await tf.setBackend('cpu');
    const x = tf.tensor(randn(r, shape).values as Float32Array, shape);
    const outS = shape.map((s, i) => s * reps[i]);
    const dy = tf.tensor(randn(r, outS).values as Float32Array, outS);
    const ourGrad = tf.grad((t: tfjs.Tensor) => tf.sum(tf.mul(tf.tile(t, reps), dy)))(x);
    const stockGrad = stockGradient('Tile')!.gradFunc(dy, [x], { reps } as any).x() as tfjs.Tensor;
    close(collect(ourGrad), collect(stockGrad), 1e-5);
    tf.dispose([x, dy, ourGrad, stockGrad]);
    await tf.setBackend('wasm');
  });
  it('Tile gradient works for rank 5 (stock throws)', async () => {
    const x = tf.ones([1, 2, 1, 2, 1]);
    const g = tf.grad((t: tfjs.Tensor) => tf.sum(tf.tile(t, [2, 1, 3, 1, 2])))(x);
    expect(Array.from(g.dataSync())).toEqual([12, 12, 12, 12]);
    tf.dispose([x, g]);
  });

  for (const backend of ['wasm', 'cpu']) {
    it.each([
      [[2, 12, 12, 3], [3, 3, 3, 4], [2, 2], 'valid'],
      [[2, 12, 11, 3], [3, 2, 3, 4], [2, 3], 'same'],
      [[3, 1, 40, 5], [1, 3, 5, 6], [1, 4], 'valid'],
      [[3, 1, 40, 5], [1, 3, 5, 6], [1, 2], 'same'],
    ])(`dilated Conv2D gradient on ${backend}: x %j f %j dilation %j %s`, async (xs, fs, dil, pad) => {
      await tf.setBackend(backend);
      const x = tf.tensor(randn(r, xs).values as Float32Array, xs as any);
      const f = tf.tensor(randn(r, fs).values as Float32Array, fs as any);
      const loss = (a: tfjs.Tensor4D, b: tfjs.Tensor4D) => tf.sum(tf.square(tf.conv2d(a, b, 1, pad as any, 'NHWC', dil as any)));
      // reference: the same convolution written with an explicitly zero-inserted filter (dilation 1)
      const lossRef = (a: tfjs.Tensor4D, b: tfjs.Tensor4D) => tf.sum(tf.square(tf.conv2d(a, dilateFilter(tf, b, dil[0], dil[1]) as tfjs.Tensor4D, 1, pad as any)));
      const [gx, gf] = tf.grads(loss as any)([x, f]);
      const [rx, rf] = tf.grads(lossRef as any)([x, f]);
      close(collect(gx), collect(rx));
      close(collect(gf), collect(rf));
      tf.dispose([x, f, gx, gf, rx, rf]);
      await tf.setBackend('wasm');
    });
  }

  it('fused conv2d with dilation trains (tfjs-layers conv2d, linear activation)', async () => {
    const x = tf.tensor(randn(r, [2, 10, 10, 2]).values as Float32Array, [2, 10, 10, 2]);
    const f = tf.variable(tf.tensor(randn(r, [3, 3, 2, 3]).values as Float32Array, [3, 3, 2, 3]));
    const b = tf.variable(tf.zeros([3]));
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.fused.conv2d({ x: x as tfjs.Tensor4D, filter: f as any, strides: 1, pad: 'same', dilations: 2, bias: b }))) as tfjs.Scalar, [f, b]);
    const { grads: ref } = tf.variableGrads(() => tf.sum(tf.square(tf.add(tf.conv2d(x as tfjs.Tensor4D, dilateFilter(tf, f, 2, 2) as tfjs.Tensor4D, 1, 'same'), b))) as tfjs.Scalar, [f, b]);
    close(collect(grads[f.name]), collect(ref[f.name]));
    close(collect(grads[b.name]), collect(ref[b.name]));
    tf.dispose([x, f, b, ...Object.values(grads), ...Object.values(ref)]);
  });
});

// ---- whole model ----------------------------------------------------------------------------------
describe('whole-model gradients, wasm (mmf kernels) vs cpu', () => {
  it('embedding + conv1d + pooling + gru + bidirectional lstm + layer/batch norm', async () => {
    const L = tf.layers;
    const build = () => {
      const tok = tf.input({ shape: [12], dtype: 'int32' });
      let e = L.embedding({ inputDim: 30, outputDim: 8, embeddingsInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 1 }) }).apply(tok) as tfjs.SymbolicTensor;
      const c = L.conv1d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(e) as tfjs.SymbolicTensor;
      const p = L.maxPooling1d({ poolSize: 2 }).apply(c) as tfjs.SymbolicTensor;
      const g = L.gru({ units: 5, recurrentActivation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }), recurrentInitializer: tf.initializers.glorotUniform({ seed: 4 }) }).apply(p) as tfjs.SymbolicTensor;
      const ln = L.layerNormalization().apply(e) as tfjs.SymbolicTensor;
      const bl = L.bidirectional({ layer: L.lstm({ units: 4, recurrentActivation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }), recurrentInitializer: tf.initializers.glorotUniform({ seed: 6 }) }) as any }).apply(ln) as tfjs.SymbolicTensor;
      const gm = L.globalMaxPooling1d().apply(c) as tfjs.SymbolicTensor;
      let z = L.concatenate().apply([g, bl, gm]) as tfjs.SymbolicTensor;
      z = L.batchNormalization().apply(z) as tfjs.SymbolicTensor;
      z = L.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }).apply(z) as tfjs.SymbolicTensor;
      return tf.model({ inputs: tok, outputs: z });
    };
    const r = rng(11);
    const ids = randint(r, [6, 12], 0, 30);
    const lab = randint(r, [6], 0, 3);
    const gradsOn = async (backend: string) => {
      await tf.setBackend(backend);
      const m = build();
      const x = tf.tensor(ids.values as Int32Array, ids.shape, 'int32');
      const y = tf.oneHot(tf.tensor1d(lab.values as Int32Array, 'int32'), 3);
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, m.apply(x, { training: true }) as tfjs.Tensor) as tfjs.Scalar);
      const out = m.trainableWeights.map((w) => collect(grads[(w.read() as tfjs.Variable).name]));
      const loss = value.dataSync()[0];
      tf.dispose([x, y, value, ...Object.values(grads)]);
      m.dispose();
      return { out, loss };
    };
    const w = await gradsOn('wasm');
    const c = await gradsOn('cpu');
    await tf.setBackend('wasm');
    expect(Math.abs(w.loss - c.loss)).toBeLessThan(1e-5);
    expect(w.out.length).toBe(c.out.length);
    for (let i = 0; i < w.out.length; i++) close(w.out[i], c.out[i]);
  });
});

// ---- pooling gradients, identity ------------------------------------------------------------------
describe('MaxPoolGrad / AvgPoolGrad', () => {
  const r = rng(12);
  const cases: Array<[number[], number | [number, number], number | [number, number], string]> = [
    [[2, 8, 8, 3], 2, 2, 'valid'],
    [[2, 9, 7, 3], 3, 2, 'valid'],
    [[2, 9, 7, 3], 3, 2, 'same'],
    [[3, 1, 20, 5], [1, 2], [1, 2], 'valid'],
    [[3, 1, 21, 5], [1, 3], [1, 1], 'same'],
  ];
  it.each(cases)('MaxPoolGrad x %j pool %j stride %j %s (wasm, cpu)', async (shape, filterSize, strides, pad) => {
    const x = randn(r, shape);
    await tf.setBackend('cpu');
    const xt = tf.tensor(x.values as Float32Array, shape as any);
    const y = tf.maxPool(xt as tfjs.Tensor4D, filterSize, strides, pad as any);
    const ySpec = { shape: y.shape, values: y.dataSync().slice() };
    tf.dispose([xt, y]);
    await check('MaxPoolGrad', { dy: randn(r, ySpec.shape), input: x, output: ySpec }, { filterSize, strides, pad }, ['wasm', 'cpu']);
  });
  it('MaxPoolGrad sends a tie to the first maximum, like stock cpu and TensorFlow', async () => {
    const x = { shape: [1, 3, 3, 1], values: Float32Array.from([1, 5, 2, 3, 7, 0, 4, 4, 6]) };
    const attrs = { filterSize: 2, strides: 1, pad: 'same' };
    const dy = { shape: [1, 3, 3, 1], values: new Float32Array(9).fill(1) };
    const out = { shape: [1, 3, 3, 1], values: Float32Array.from([7, 7, 2, 7, 7, 6, 4, 6, 6]) };
    const [res] = await ours('wasm', 'MaxPoolGrad', { dy, input: x, output: out }, attrs);
    expect(Array.from(res.values)).toEqual([0, 0, 1, 0, 4, 0, 1, 0, 3]);
  });
  it.each(cases.filter((c) => c[3] === 'valid'))('AvgPoolGrad x %j pool %j stride %j %s equals stock (wasm, cpu)', async (shape, filterSize, strides, pad) => {
    const oshape = tf.backend_util.computePool2DInfo(shape as any, filterSize, strides, 1, pad as any).outShape;
    await check('AvgPoolGrad', { dy: randn(r, oshape), input: randn(r, shape) }, { filterSize, strides, pad }, ['wasm', 'cpu']);
  });
  it.each(cases.filter((c) => c[3] === 'same'))("AvgPoolGrad x %j pool %j stride %j 'same' is the exact adjoint of AvgPool", async (shape, filterSize, strides) => {
    // AvgPool is linear: <avgPool(x), dy> = <x, dx> for every x. Check against the forward kernel with
    // one-hot inputs, i.e. build the adjoint column by column.
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const n = size(shape);
      const oshape = tf.backend_util.computePool2DInfo(shape as any, filterSize, strides, 1, 'same').outShape;
      const dy = tf.tensor(randn(r, oshape).values as Float32Array, oshape);
      const dx = tf.engine().runKernel('AvgPoolGrad', { dy, input: tf.zeros(shape) }, { filterSize, strides, pad: 'same' } as any) as tfjs.Tensor;
      const got = dx.dataSync();
      // column by column: dx[i] = <avgPool(e_i), dy>
      const want = new Float32Array(n);
      const dyv = dy.dataSync();
      for (let i = 0; i < n; i++) {
        const e = new Float32Array(n);
        e[i] = 1;
        const p = tf.tidy(() => tf.avgPool(tf.tensor(e, shape as any) as tfjs.Tensor4D, filterSize, strides, 'same').dataSync());
        let s = 0;
        for (let j = 0; j < p.length; j++) s += p[j] * dyv[j];
        want[i] = s;
      }
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      expect(worst).toBeLessThan(1e-5);
      tf.dispose([dy, dx]);
    }
    await tf.setBackend('wasm');
  });
});

describe('Identity (wasm, zero-copy)', () => {
  it('clone shares data safely: disposing either side leaves the other intact', () => {
    const a = tf.tensor([1, 2, 3]);
    const b = tf.clone(a);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    const c = tf.clone(b);
    const d = tf.add(c, 1);
    c.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(d.dataSync())).toEqual([2, 3, 4]);
    tf.dispose([b, d]);
  });
  it('variables assigned from a clone keep their own values', () => {
    const v = tf.variable(tf.tensor([1, 2]));
    const snap = tf.clone(v);
    v.assign(tf.tensor([5, 6]));
    expect(Array.from(snap.dataSync())).toEqual([1, 2]);
    expect(Array.from(v.dataSync())).toEqual([5, 6]);
    tf.dispose([v, snap]);
  });
});
