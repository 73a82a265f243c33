/**
 * time_distributed on videos [b, T, H, W, C]: the checker (shapes, parameters counted once for all frames, FLOPs
 * times T, diagnostics with code and range), the generated tfjs code (tf.layers.timeDistributed wrapping the frame
 * layer), and parity — tfjs (cpu) and ONNX Runtime (CPU, Reshape [b·T, H, W, C] → frame op → Reshape back) on the
 * same random weights and inputs at batch sizes 1, 3 and 8 agree within 1e-4, including conv2d with `same` padding
 * and stride 2, pooling, global pooling and flatten per frame.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { compile } from '../compiler/index.ts';
import { emitOnnx, randomWeights } from '../compiler/emit/onnx/index.ts';
import { onnx } from '../compiler/emit/onnx/graph.ts';
import { printModelBuilder } from '../compiler/emit/tfjs/program.ts';
import { checkParity, parityReport, type ParityMeasure } from './helpers/parity.ts';
import { rangeOf, within } from './helpers/ranges.ts';

await tf.setBackend('cpu');
const measured: ParityMeasure[] = [];

const MMF = `dataset d from jsonl("d.jsonl")
input clip: video(frames 3, height 9, width 7, channels 2) from d.frames
label kind: classes(3) from d.kind
encoder frames = clip -> time_distributed(conv2d(4, 3, relu, padding same, strides 2)) -> [batch, 3, 5, 4, 4]
  -> time_distributed(max_pool2d(2)) -> [batch, 3, 2, 2, 4] -> time_distributed(flatten) -> [batch, 3, 16] -> gru(5)
encoder means = clip -> time_distributed(conv2d(3, [2, 3], activation tanh)) -> time_distributed(global_avg_pool) -> [batch, 3, 3] -> flatten
encoder peaks = clip -> time_distributed(avg_pool2d(2, padding same)) -> time_distributed(global_max_pool2d) -> dense(4) -> flatten
model Frames = concat(frames, means, peaks) -> classifier(kind, hidden [8])
`;

describe('time_distributed: checker', () => {
  const r = compile(MMF, { skipDataFiles: true });
  it('shapes, one set of weights for all frames, FLOPs times T', () => {
    expect(r.diagnostics).toEqual([]);
    const m = r.models[0]!;
    const n = (id: string) => m.nodes.find((x) => x.id === id)!;
    expect(n('frames_td_conv2d')).toMatchObject({ op: 'time_distributed', params: 3 * 3 * 2 * 4 + 4 });
    expect(n('frames_td_conv2d').out.shape).toEqual(['batch', 3, 5, 4, 4]);
    expect(n('frames_td_conv2d').weights).toEqual([
      { name: 'kernel', shape: [3, 3, 2, 4] },
      { name: 'bias', shape: [4] },
    ]);
    // per frame: 5·4 outputs × 3·3·2·4 MACs × 2, times 3 frames
    expect(n('frames_td_conv2d').flops).toBe(3 * 2 * 5 * 4 * 3 * 3 * 2 * 4);
    expect(n('means_td_global_avg_pool').out.shape).toEqual(['batch', 3, 3]);
    expect(n('peaks_td_global_max_pool').out.shape).toEqual(['batch', 3, 2]);
    expect(n('peaks_dense').op).toBe('dense');
  });

  const bad = (body: string) => {
    const src = `dataset d from jsonl("d.jsonl")
input clip: video(frames 3, height 9, width 7, channels 2) from d.frames
input pic: image(9, 7, 2) from d.pic
input words: text(vocab 10, max_len 4) from d.words
${body}`;
    return { src, list: compile(src, { skipDataFiles: true }).diagnostics.map((d) => [d.code, d.range]) };
  };
  it.each([
    ['encoder e = clip -> time_distributed(gru(3))\n', 'MMF1003', 'gru'],
    ['encoder e = pic -> time_distributed(conv2d(2, 3))\n', 'MMF2001', 'time_distributed(conv2d(2, 3))'],
    ['encoder e = words -> time_distributed(conv2d(2, 3))\n', 'MMF2005', 'time_distributed(conv2d(2, 3))'],
    ['encoder e = clip -> time_distributed(conv2d(2, 30))\n', 'MMF2006', 'conv2d(2, 30)'],
    ['encoder e = clip -> time_distributed(conv2d(2, 3), max_pool2d(2))\n', 'MMF1007', 'max_pool2d(2)'],
    ['encoder e = clip -> time_distributed(conv2d(2))\n', 'MMF1006', 'conv2d(2)'],
    ['encoder e = clip -> time_distributed(conv2e(2, 3))\n', 'MMF1004', 'conv2e'],
  ])('%s → %s', (body, code, at) => {
    const { src, list } = bad(body);
    expect(list).toEqual([[code, at === 'gru' || at === 'conv2e' ? within(src, body, at) : rangeOf(src, at)]]);
  });

  it('tfjs code wraps the frame layer in tf.layers.timeDistributed', () => {
    const code = printModelBuilder(r.models[0]!, { sourceName: 'x.mmf', sourceText: MMF, version: '0.0.0' });
    expect(code).toContain(
      'const frames_td_conv2d = tf.layers.timeDistributed({ "name": "frames_td_conv2d", layer: tf.layers.conv2d({"name":"frames_td_conv2d_frame","filters":4,"kernelSize":[3,3],"strides":[2,2],"padding":"same","dilationRate":[1,1],"activation":"relu","useBias":true,"dataFormat":"channelsLast"}) }).apply(clip) as tf.SymbolicTensor;',
    );
  });

  it('ONNX: Reshape to frames, the frame op, Reshape back; weights named after the node', () => {
    const m = r.models[0]!;
    const proto = onnx.ModelProto.decode(emitOnnx(m, randomWeights(m, 7)));
    const ops = proto.graph!.node!.filter((x) => x.name!.startsWith('frames_td_conv2d/')).map((x) => x.opType);
    expect(ops).toEqual(['Reshape', 'Transpose', 'Conv', 'Transpose', 'Relu', 'Reshape']);
    expect(proto.graph!.initializer!.map((t) => t.name).filter((x) => x!.startsWith('frames_td_conv2d/'))).toEqual([
      'frames_td_conv2d/frames_shape',
      'frames_td_conv2d/kernel',
      'frames_td_conv2d/bias',
      'frames_td_conv2d/video_shape',
    ]);
  });
});

describe('time_distributed: tfjs and ONNX agree', () => {
  it('model Frames', async () => {
    const r = compile(MMF, { skipDataFiles: true });
    await checkParity({ name: 'time_distributed conv2d same/stride 2, pools, flatten', build: () => r.models[0]! }, tf, measured);
    console.log(parityReport(measured));
  });
});
