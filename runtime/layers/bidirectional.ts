/**
 * Bidirectional — tfjs-layers' `Bidirectional` wrapper (Schuster & Paliwal 1997) that can be built from a plain
 * JSON config, as generated code and the test harness build every layer: `layer` may be a Layer instance or the
 * wrapped layer as Keras serialises it, `{className: 'LSTM' | 'GRU' | …, config: {...}}` (any registered class).
 * className 'MmfBidirectional'; everything else is the stock wrapper, so save/load, training and masking work as
 * for `tf.layers.bidirectional`.
 *
 * mmf uses it for `lstm(u, bidirectional true)` / `gru(…)` with mergeMode 'concat':
 *   forward = RNN(x), backward = RNN(reverse(x over time)); output [forward; backward] on the last axis:
 *   [b, 2u] (both final states; the backward one is its state after reading x_0), or with returnSequences
 *   [b, T, 2u] where the backward outputs are reversed back so step t of both halves belongs to input step t.
 * Weights (getWeights order): the forward layer's, then the backward layer's, named
 * `<name>/forward_<inner name>/kernel`, …, `<name>/backward_<inner name>/bias`.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { tf as getTf } from '../backend.ts';
import type { LayerArgs } from './weighted_sum.ts';

const tf = getTf();

/** The wrapped layer: an instance, or its Keras serialisation. */
export type WrappedLayer = tfjs.layers.Layer | { className: string; config: Record<string, unknown> };

export interface BidirectionalArgs extends LayerArgs {
  layer: WrappedLayer;
  /** How the two directions are joined (default 'concat', the only mode mmf emits). */
  mergeMode?: 'concat' | 'sum' | 'mul' | 'ave';
}

// tfjs-layers does not export its Bidirectional class; take it from an instance.
const BidirectionalBase = Object.getPrototypeOf(tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 1 }) as tfjs.RNN })).constructor as new (
  args: any,
) => tfjs.layers.Layer;

/** A Layer from an instance or from `{className, config}` through tfjs' serialisation registry. */
function toLayer(l: WrappedLayer): tfjs.layers.Layer {
  if (l instanceof tf.layers.Layer) return l;
  if (!l || typeof l.className !== 'string') throw new Error(`MmfBidirectional: layer must be a Layer or {className, config}, got ${JSON.stringify(l)}`);
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[l.className];
  if (!entry) throw new Error(`MmfBidirectional: unknown layer class '${l.className}'`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, { ...(l.config ?? {}) } as tfjs.serialization.ConfigDict) as unknown as tfjs.layers.Layer;
}

export class Bidirectional extends BidirectionalBase {
  static className = 'MmfBidirectional';

  constructor(args: BidirectionalArgs) {
    super({ ...args, layer: toLayer(args.layer), mergeMode: args.mergeMode ?? 'concat' });
  }

  override getClassName(): string {
    return Bidirectional.className;
  }
}

tf.serialization.registerClass(Bidirectional as any);
