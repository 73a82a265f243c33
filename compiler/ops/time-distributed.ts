/**
 * `time_distributed`: one image op applied to every frame of a video, with one set of weights for all frames
 * (Keras/tfjs `TimeDistributed`). Shape rule: x [b, T, H, W, C] → [b, T, …out], where the inner op maps a frame
 * [b, H, W, C] to [b, …out]; its weights are the inner op's; its FLOPs the inner op's times T.
 */
import type { OpDef, OpError } from './types.ts';
import { isOpError } from './types.ts';
import type { OpName, TimeDistributedLayer } from '../ir.ts';
import { formatType, type TensorType } from '../shape.ts';
import { conv2d, max_pool2d, avg_pool2d, global_max_pool2d, global_avg_pool2d } from './image.ts';
import { reshape } from './reshape.ts';

/** The inner ops' shape rules (a table of its own: importing ./index.ts here would be an import cycle). */
const INNER: { [K in TimeDistributedLayer['op']]: OpDef<K> } = { conv2d, max_pool2d, avg_pool2d, global_max_pool2d, global_avg_pool2d, reshape };

/** The type of one frame of `x` [b, T, …] → [b, …]. */
export function frameType(x: TensorType): TensorType {
  return { ...x, shape: [x.shape[0]!, ...x.shape.slice(2)] };
}

function innerDef(layer: TimeDistributedLayer): OpDef<OpName> {
  return INNER[layer.op] as unknown as OpDef<OpName>;
}

export const time_distributed: OpDef<'time_distributed'> = {
  infer([x], { layer }) {
    const t = x!;
    if (t.dtype === 'int32')
      return {
        code: 'MMF2005',
        message: `time_distributed(${layer.op}) expects float frames [batch, frames, height, width, channels], but its input is integer ids ${formatType(t)}`,
        hint: 'Feed it a video input (input NAME: video(frames F, height H, width W, channels C)).',
        input: 0,
      };
    if (t.shape.length !== 5 || t.shape.slice(1).some((d) => typeof d !== 'number'))
      return {
        code: 'MMF2001',
        message: `time_distributed(${layer.op}) applies an image layer to each frame of a video [batch, frames, height, width, channels] of known sizes, but its input is ${formatType(t)}`,
        hint:
          t.shape.length === 4 ? `That is one image: use ${layer.op} without time_distributed.` : t.shape.length === 3 ? 'That is a sequence: use conv1d.' : 'Feed it a video input.',
        input: 0,
      };
    const out = innerDef(layer).infer([frameType(t)], layer.attrs as never);
    if (isOpError(out)) return { ...out, message: `time_distributed: ${(out as OpError).message} (each frame of ${formatType(t)})` };
    return { shape: [t.shape[0]!, t.shape[1]!, ...out.shape.slice(1)], dtype: out.dtype };
  },
  weights([x], { layer }) {
    return innerDef(layer).weights([frameType(x!)], layer.attrs as never);
  },
  flops([x], { layer }, out) {
    const frames = typeof x!.shape[1] === 'number' ? x!.shape[1] : 1;
    return frames * innerDef(layer).flops([frameType(x!)], layer.attrs as never, frameType(out));
  },
};
