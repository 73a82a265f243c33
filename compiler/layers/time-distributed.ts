/**
 * `time_distributed(LAYER)`: an image layer applied to every frame of a video [b, T, H, W, C], with one set of
 * weights for all frames (Keras/tfjs `TimeDistributed`). `x -> time_distributed(conv2d(16, 3, relu))` is
 * [b, T, H, W, C] → [b, T, H', W', 16]. The nested layer is bound and checked like a pipeline step on one frame
 * [b, H, W, C]; each image op it expands into becomes a `time_distributed` op (compiler/ops/time-distributed.ts),
 * and ops that already work on the last axis of any rank (dense, dropout, activations, batch_norm, layer_norm) are
 * applied to the video directly.
 */
import { diagnostic } from '../../grammar/diagnostic.ts';
import type { CallExpr } from '../../grammar/ast.ts';
import type { OpAttrs, OpName, TimeDistributedLayer, TimeDistributedOp } from '../ir.ts';
import { frameType } from '../ops/time-distributed.ts';
import type { ExpandCtx, LayerDef, Ref } from './types.ts';

/** The layers (names and aliases) that may be wrapped. */
const WRAPPABLE = new Set([
  'conv2d',
  'max_pool2d',
  'max_pooling2d',
  'avg_pool2d',
  'average_pool2d',
  'avg_pooling2d',
  'global_max_pool2d',
  'global_avg_pool2d',
  'global_average_pool2d',
  'global_max_pool',
  'global_max',
  'global_avg_pool',
  'global_avg',
  'global_average_pool',
  'flatten',
]);

const PER_FRAME = new Set<OpName>(['conv2d', 'max_pool2d', 'avg_pool2d', 'global_max_pool2d', 'global_avg_pool2d', 'reshape'] satisfies TimeDistributedOp[]);
const LAST_AXIS = new Set<OpName>(['dense', 'dropout', 'activation', 'batch_norm', 'layer_norm']);

export const timeDistributed: LayerDef = {
  name: 'time_distributed',
  role: 'layer',
  doc: 'Applies an image layer (conv2d, pooling, flatten) to every frame of a video, one set of weights for all frames (tf.layers.timeDistributed).',
  rule: '[b, T, H, W, C] → [b, T, …out], where the layer maps a frame [b, H, W, C] → [b, …out]',
  params: [{ name: 'layer', type: { t: 'layer' }, doc: 'the image layer applied to each frame, e.g. conv2d(16, 3, relu)', positional: true, required: true }],
  expand(ctx: ExpandCtx, [x]) {
    const calls: CallExpr[] = [];
    for (const a of ctx.call?.args ?? []) {
      if (a.key && a.key.name !== 'layer') continue; // reported by argument binding
      const e = a.value;
      if (e.kind === 'Call') calls.push(e);
      else if (e.kind === 'Name') calls.push({ kind: 'Call', callee: { kind: 'Ident', name: e.name, range: e.range }, args: [], parens: false, range: e.range });
    }
    if (calls.length !== 1 || !ctx.expandCall) {
      ctx.report(
        diagnostic(
          'MMF1007',
          'error',
          `time_distributed wraps exactly one layer, but ${calls.length} are given`,
          ctx.range,
          'Write one layer per time_distributed: -> time_distributed(conv2d(16, 3)) -> time_distributed(max_pool2d(2)).',
        ),
      );
      return null;
    }
    const video = x!;
    const s = video.type.shape;
    if (video.type.dtype !== 'float32' || s.length !== 5 || s.slice(1).some((d) => typeof d !== 'number')) {
      ctx.report(
        diagnostic(
          video.type.dtype === 'int32' ? 'MMF2005' : 'MMF2001',
          'error',
          `time_distributed applies ${calls[0]!.callee.name} to each frame of a video [batch, frames, height, width, channels] of known sizes, but its input is ${
            video.type.dtype
          } [${s.join(', ')}] from ${video.origin}`,
          ctx.range,
          s.length === 4 ? `That is one image: use ${calls[0]!.callee.name} without time_distributed.` : 'Feed it a video input: input NAME: video(frames F, height H, width W, channels C).',
          video.at ? [{ message: `${video.origin} produces [${s.join(', ')}]`, range: video.at }] : undefined,
        ),
      );
      return null;
    }
    // Values the nested layer sees are frames [b, …]; `real` maps each back to the video-shaped value.
    const real = new Map<string, Ref>([[video.id, video]]);
    const asFrame = (r: Ref): Ref => ({ ...r, type: frameType(r.type) });
    const out = ctx.expandCall(calls[0]!, asFrame(video), {
      only: {
        names: WRAPPABLE,
        refuse: 'cannot be applied per frame: time_distributed wraps conv2d, max_pool2d, avg_pool2d, the global pools and flatten',
        hint: 'Layers such as dense or dropout work on videos directly; write them without time_distributed.',
      },
      add:
        (base) =>
        <K extends OpName>(op: K, inputs: Ref[], attrs: OpAttrs[K], hint: string, range?: ExpandCtx['range']) => {
          const ins = inputs.map((i) => real.get(i.id) ?? i);
          let r: Ref | null;
          if (PER_FRAME.has(op)) r = base('time_distributed', ins, { layer: { op, attrs } as TimeDistributedLayer }, `td_${hint}`, range);
          else if (LAST_AXIS.has(op)) r = base(op, ins, attrs, hint, range);
          else {
            ctx.report(diagnostic('MMF1003', 'error', `time_distributed cannot apply ${op} per frame`, range ?? ctx.range, 'Apply it after time_distributed, to the whole video.'));
            return null;
          }
          if (!r) return null;
          real.set(r.id, r);
          return asFrame(r);
        },
    });
    return out ? (real.get(out.id) ?? null) : null;
  },
};
