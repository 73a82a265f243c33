/** tfjs layers for video ops (compiler/ops/video.ts): conv3d as tf.layers.conv3d, channels last (NDHWC). */
import type { IRNode } from '../../ir.ts';
import type { TfjsLayerDesc } from './layers.ts';

type Node<K extends IRNode['op']> = Extract<IRNode, { op: K }>;

export const VIDEO_TFJS_LAYERS = {
  conv3d: (n: Node<'conv3d'>): TfjsLayerDesc => ({
    factory: { ns: 'tf', name: 'conv3d' },
    config: {
      name: n.id,
      filters: n.attrs.filters,
      kernelSize: n.attrs.kernelSize,
      strides: n.attrs.strides,
      padding: n.attrs.padding,
      activation: n.attrs.activation, // tfjs spells every IR activation the same (layers.ts ACT)
      useBias: n.attrs.useBias,
      dataFormat: 'channelsLast',
    },
  }),
};
