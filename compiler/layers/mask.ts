/**
 * Padding masks through a pipeline. Text inputs pad with token id 0 at the start (runtime/data), so a sequence
 * that comes from a text input has padded steps; attention must not attend to them. Each compile-time value
 * (`Ref`) may carry `mask`: the token-id value [b, T] int32 whose zeros mark its padded steps. It starts at a text
 * input, survives the ops that keep the time axis step for step, and is dropped by everything else; attention
 * (`attention(...)`, `transformer`) turns it into a `padding_mask` node, the mha op's third input.
 */
import type { IRNode, OpAttrs, OpName } from '../ir.ts';
import type { TensorType } from '../shape.ts';
import type { ExpandCtx, MaskSource, Ref } from './types.ts';

/**
 * The mask of an op's output, from its inputs (`undefined`: no padded steps known). Kept, from the first input
 * (the query for mha, x for film and positions), by: embedding; conv1d with padding same and stride 1; dense,
 * dropout, activation, layer_norm, batch_norm (per step); lstm / gru / bilstm / bigru with return_sequences;
 * mha (the query's steps); add; positions; film; concat on the last axis of sequences that share one mask.
 * Only when the output is a sequence whose time axis equals the input's. Everything else (pooling, valid or
 * strided convolutions, reshape, concat along time, …) drops it.
 */
export function outputMask<K extends OpName>(op: K, attrs: OpAttrs[K], inputs: Ref[], out: TensorType): MaskSource | undefined {
  const x = inputs[0];
  const m = x?.mask;
  if (!x || !m) return undefined;
  const keeps = (() => {
    switch (op) {
      case 'embedding':
      case 'dense':
      case 'dropout':
      case 'activation':
      case 'layer_norm':
      case 'batch_norm':
      case 'mha':
      case 'add':
      case 'positions':
      case 'film':
        return true;
      case 'concat': {
        // features of one sequence joined on the last axis (`concat(conv3, conv5)`): same steps, same mask
        const last = out.shape.length - 1;
        return (attrs as OpAttrs['concat']).axis === last && inputs.every((i) => i.mask?.id === m.id && i.type.shape[1] === out.shape[1]);
      }
      case 'conv1d': {
        const a = attrs as OpAttrs['conv1d'];
        return a.padding === 'same' && a.strides === 1;
      }
      case 'lstm':
      case 'gru':
      case 'bilstm':
      case 'bigru':
        return (attrs as OpAttrs['lstm']).returnSequences;
      default:
        return false;
    }
  })();
  if (!keeps || out.shape.length < 3) return undefined;
  return out.shape[1] === x.type.shape[1] ? m : undefined;
}

/** Every node's op, for the type of `outputMask`'s callers. */
export type MaskOp = IRNode['op'];

/**
 * The float mask [b, Tk] of the keys `tokens` (each [b, T_k, D], joined along time in this order), or undefined
 * when none of them has padded steps (the mha then has no mask input, as before masks existed). Tokens with a
 * mask get `padding_mask(ids)`, the others `padding_mask(ones)`; several are concatenated on axis 1.
 */
export function keyMask(ctx: ExpandCtx, tokens: Ref[], hint: string): Ref | null | undefined {
  if (!tokens.some((t) => t.mask)) return undefined;
  const parts: Ref[] = [];
  for (const t of tokens) {
    const m = t.mask
      ? ctx.add('padding_mask', [{ id: t.mask.id, type: t.mask.type, origin: 'token ids' }], { from: 'ids' }, `${hint}_mask`)
      : ctx.add('padding_mask', [t], { from: 'ones' }, `${hint}_ones`);
    if (!m) return null;
    parts.push(m);
  }
  return parts.length === 1 ? parts[0]! : ctx.add('concat', parts, { axis: 1 }, `${hint}_mask`);
}
