/**
 * tfjs layers for video ops (compiler/ops/video.ts, time-distributed.ts): conv3d as tf.layers.conv3d, channels last
 * (NDHWC); time_distributed as tf.layers.timeDistributed wrapping the frame layer (its weights are named after the
 * wrapper, `<node id>/kernel`, so the node id names the wrapper and the wrapped layer is `<node id>_frame`).
 */
import type { IRNode } from '../../ir.ts';
import { tfjsLayer, type TfjsLayerDesc } from './layers.ts';

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
  time_distributed: (n: Node<'time_distributed'>): TfjsLayerDesc => ({
    factory: { ns: 'tf', name: 'timeDistributed' },
    config: { name: n.id },
    wrapped: tfjsLayer({ ...n, id: `${n.id}_frame`, op: n.attrs.layer.op, attrs: n.attrs.layer.attrs } as IRNode),
  }),
};
