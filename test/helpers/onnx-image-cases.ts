/**
 * Hand-built IR models for the image ops (conv2d, max/avg pooling, global pooling over height and width,
 * flatten of an NHWC tensor) and whole image models, shared by the image parity and checker tests.
 *
 * Sizes are chosen to hit TensorFlow's padding corners: odd and even sides with stride 2 and `same` padding
 * (the odd pad goes at the end: SAME_UPPER), rectangular windows and strides, dilation with `same` (explicit pads
 * in ONNX), windows that do not tile the image (trailing rows dropped with `valid`).
 */
import type { Activation, IRModel, OpAttrs } from '../../compiler/ir.ts';
import { irModel } from './ir-builder.ts';
import type { OnnxCase } from './onnx-cases.ts';

type Pair = [number, number];
const conv = (
  filters: number,
  kernelSize: Pair,
  o: { strides?: Pair; padding?: 'valid' | 'same'; dilation?: Pair; activation?: Activation; useBias?: boolean } = {},
): OpAttrs['conv2d'] => ({
  filters,
  kernelSize,
  strides: o.strides ?? [1, 1],
  padding: o.padding ?? 'valid',
  dilation: o.dilation ?? [1, 1],
  activation: o.activation ?? 'linear',
  useBias: o.useBias ?? true,
});
const win = (poolSize: Pair, strides: Pair = poolSize, padding: 'valid' | 'same' = 'valid'): OpAttrs['max_pool2d'] => ({
  poolSize,
  strides,
  padding,
});

/** One image input [b, h, w, c] → one op. */
function single<K extends 'conv2d' | 'max_pool2d' | 'avg_pool2d'>(name: string, op: K, attrs: OpAttrs[K], h = 9, w = 8, c = 3): OnnxCase {
  return {
    name,
    build: () => {
      const b = irModel(name.replace(/[^A-Za-z0-9]/g, '_'));
      return b.build(b.node(op, 'op', [b.image('pixels', h, w, c)], attrs as never));
    },
  };
}

export const IMAGE_OP_CASES: OnnxCase[] = [
  single('conv2d valid 3×3 s1 relu', 'conv2d', conv(5, [3, 3], { activation: 'relu' })),
  single('conv2d same 3×3 s2 (9×8: pads 1/1 rows, 0/1 columns)', 'conv2d', conv(4, [3, 3], { strides: [2, 2], padding: 'same' })),
  single('conv2d same 4×4 s2 (odd total pad 3: 1 before, 2 after)', 'conv2d', conv(4, [4, 4], { strides: [2, 2], padding: 'same', activation: 'tanh' })),
  single('conv2d same 2×4 strides [1, 2]', 'conv2d', conv(3, [2, 4], { strides: [1, 2], padding: 'same' })),
  single('conv2d same 3×3 dilation 2, no bias (explicit pads)', 'conv2d', conv(4, [3, 3], { padding: 'same', dilation: [2, 2], useBias: false })),
  single('conv2d same 3×2 dilation [2, 1] (explicit pads)', 'conv2d', conv(4, [3, 2], { padding: 'same', dilation: [2, 1], activation: 'sigmoid' })),
  single('conv2d valid 3×1 strides [2, 3]', 'conv2d', conv(6, [3, 1], { strides: [2, 3] })),
  single('conv2d valid 2×2 dilation 3', 'conv2d', conv(2, [2, 2], { dilation: [3, 3], activation: 'elu' })),
  single('conv2d valid 1×1 (pointwise)', 'conv2d', conv(7, [1, 1])),
  single('max_pool2d 2×2 valid (9×8: last row dropped)', 'max_pool2d', win([2, 2])),
  single('max_pool2d 3×3 s2 same', 'max_pool2d', win([3, 3], [2, 2], 'same')),
  single('max_pool2d 2×3 strides [1, 2] valid', 'max_pool2d', win([2, 3], [1, 2])),
  single('avg_pool2d 2×2 valid', 'avg_pool2d', win([2, 2])),
  single('avg_pool2d 3×3 s2 same (padded cells not counted)', 'avg_pool2d', win([3, 3], [2, 2], 'same')),
  single('avg_pool2d 3×2 s1 same', 'avg_pool2d', win([3, 2], [1, 1], 'same')),
  ...(['global_max_pool2d', 'global_avg_pool2d'] as const).map(
    (op): OnnxCase => ({
      name: op,
      build: () => {
        const b = irModel(op);
        return b.build(b.node(op, 'pool', [b.image('pixels', 5, 7, 4)], {}));
      },
    }),
  ),
  {
    name: 'flatten of [b, 4, 3, 2] (reshape, NHWC order, no transpose)',
    build: () => {
      const b = irModel('Flatten');
      return b.build(b.node('reshape', 'flat', [b.image('pixels', 4, 3, 2)], { targetShape: [24] }));
    },
  },
  {
    name: 'conv2d → flatten → dense (the order flatten sees matters to dense)',
    build: () => {
      const b = irModel('ConvFlattenDense');
      const c = b.node('conv2d', 'conv', [b.image('pixels', 6, 5, 2)], conv(3, [3, 3], { activation: 'relu' }));
      const f = b.node('reshape', 'flat', [c], { targetShape: [4 * 3 * 3] });
      return b.build(b.node('dense', 'head', [f], { units: 4, activation: 'softmax', useBias: true }), { name: 'y', classes: 4 });
    },
  },
];

export const IMAGE_MODEL_CASES: OnnxCase[] = [
  {
    name: 'reference: image → conv2d → max_pool2d → conv2d → global avg ‖ tokens → embedding → lstm → concat → dense → softmax',
    build: (): IRModel => {
      const b = irModel('Reference');
      const c1 = b.node('conv2d', 'vision_conv2d', [b.image('image', 28, 28, 1)], conv(16, [3, 3], { activation: 'relu' }));
      const p = b.node('max_pool2d', 'vision_max_pool2d', [c1], win([2, 2]));
      const c2 = b.node('conv2d', 'vision_conv2d_2', [p], conv(32, [3, 3], { activation: 'relu' }));
      const g = b.node('global_avg_pool2d', 'vision_global_avg_pool', [c2], {});
      const e = b.node('embedding', 'words_embedding', [b.text('tokens', 20, 1000)], { inputDim: 1000, outputDim: 32 });
      const l = b.node('lstm', 'words_lstm', [e], { units: 32, returnSequences: false, activation: 'tanh', recurrentActivation: 'sigmoid' });
      const j = b.node('concat', 'joint_concat', [g, l], { axis: 1 });
      const h = b.node('dense', 'head_dense', [j], { units: 64, activation: 'relu', useBias: true });
      return b.build(b.node('dense', 'digit', [h], { units: 10, activation: 'softmax', useBias: true }), { name: 'digit', classes: 10 });
    },
  },
  {
    name: 'cnn: conv2d same s2 → avg_pool2d same → conv2d dilated same → max → flatten → dense',
    build: () => {
      const b = irModel('Cnn');
      const c1 = b.node('conv2d', 'c1', [b.image('rgb', 13, 11, 3)], conv(8, [3, 3], { strides: [2, 2], padding: 'same', activation: 'relu' }));
      const p1 = b.node('avg_pool2d', 'p1', [c1], win([2, 2], [1, 1], 'same'));
      const c2 = b.node('conv2d', 'c2', [p1], conv(6, [3, 3], { padding: 'same', dilation: [2, 2], activation: 'swish' }));
      const p2 = b.node('max_pool2d', 'p2', [c2], win([2, 2]));
      const t = b.type(p2).shape;
      const f = b.node('reshape', 'flat', [p2], { targetShape: [(t[1] as number) * (t[2] as number) * (t[3] as number)] });
      return b.build(b.node('dense', 'head', [f], { units: 3, activation: 'softmax', useBias: true }), { name: 'kind', classes: 3 });
    },
  },
  {
    name: 'two images → global max ‖ global avg → concat → dense',
    build: () => {
      const b = irModel('TwoImages');
      const a = b.node('conv2d', 'a_conv', [b.image('left', 8, 8, 1)], conv(4, [3, 3], { activation: 'relu' }));
      const ga = b.node('global_max_pool2d', 'a_pool', [a], {});
      const c = b.node('conv2d', 'b_conv', [b.image('right', 10, 6, 2)], conv(4, [2, 2], { strides: [2, 2] }));
      const gb = b.node('global_avg_pool2d', 'b_pool', [c], {});
      const j = b.node('concat', 'joint', [ga, gb], { axis: 1 });
      return b.build(b.node('dense', 'head', [j], { units: 1, activation: 'sigmoid', useBias: true }), { name: 'same' });
    },
  },
];
