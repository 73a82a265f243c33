/**
 * tfjs layers for residual sums (`add`: stock tf.layers.add), positions (runtime MmfPositions) and attention
 * padding masks (runtime MmfPaddingMask). Spread into TFJS_LAYERS (layers.ts).
 */
import type { IRNode } from '../../ir.ts';
import type { TfjsLayerDesc } from './layers.ts';

type TransformerOps = 'add' | 'positions' | 'padding_mask';
type Emit<K extends TransformerOps> = (node: Extract<IRNode, { op: K }>) => TfjsLayerDesc;

export const TRANSFORMER_TFJS_LAYERS: { [K in TransformerOps]: Emit<K> } = {
  add: (n) => ({ factory: { ns: 'tf', name: 'add' }, config: { name: n.id } }),
  positions: (n) => ({ factory: { ns: 'mmf', name: 'Positions' }, config: { name: n.id, kind: n.attrs.kind, length: n.attrs.length, dim: n.attrs.dim } }),
  padding_mask: (n) => ({ factory: { ns: 'mmf', name: 'PaddingMask' }, config: { name: n.id, from: n.attrs.from } }),
};
