/**
 * The checker on images: the `image(...)` input kind, conv2d, max/avg_pool2d, global pooling over height and
 * width, flatten of an image; shapes, parameter counts and FLOPs of a valid model, and every image diagnostic
 * with its exact code and range.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import type { Range } from '../grammar/diagnostic.ts';
import { rangeOf, within } from './helpers/ranges.ts';


const HEADER = `dataset pics from jsonl("pics.jsonl") { split(train 0.8, val 0.1, test 0.1, seed 7) }
input digit: image(height 28, width 28, channels 1, normalize unit) from pics.pixels
input photo: image(32, 24, 3) from pics.path
input caption: text(vocab 1000, max_len 20) from pics.caption
label cls: classes(10) from pics.label
`;

/** Compile without touching data files; returns [code, range] pairs. */
function diags(body: string) {
  const src = HEADER + body;
  const r = compile(src, { skipDataFiles: true });
  return { src, r, list: r.diagnostics.map((d) => [d.code, d.range] as const) };
}

describe('image models that check', () => {
  const src =
    HEADER +
    `encoder vision = digit -> conv2d(16, 3, relu) -> max_pool2d(2) -> conv2d(32, [3, 3], activation relu) -> global_avg_pool -> [batch, 32]
encoder words = caption -> embedding(32) -> lstm(32)
fusion joint = concat(vision, words)
model Reference = joint -> classifier(cls, hidden [64])
encoder strided = photo -> conv2d(8, [5, 3], strides 2, padding same) -> [batch, 16, 12, 8] -> avg_pool2d(3, strides 2, padding same) -> [batch, 8, 6, 8] -> flatten -> [batch, 384]
model Flat = strided -> classifier(cls)
encoder dilated = photo -> conv2d(4, 3, dilation 2) -> [batch, 28, 20, 4] -> global_max_pool2d
model Dilated = dilated -> classifier(cls)
`;
  const r = compile(src, { skipDataFiles: true });
  const nodes = (model: string) => Object.fromEntries(r.models.find((m) => m.name === model)!.nodes.map((n) => [n.id, n]));

  it('has no diagnostics', () => {
    expect(r.diagnostics).toEqual([]);
    expect(r.models.map((m) => m.name)).toEqual(['Reference', 'Flat', 'Dilated']);
  });

  it('image inputs are float32 [batch, H, W, C] with their plan', () => {
    const m = r.models.find((x) => x.name === 'Reference')!;
    expect(m.inputs.map((i) => [i.name, i.out.shape, i.out.dtype])).toEqual([
      ['digit', ['batch', 28, 28, 1], 'float32'],
      ['caption', ['batch', 20], 'int32'],
    ]);
    expect(m.inputs[0]!.plan).toEqual({ name: 'digit', kind: 'image', column: 'pixels', height: 28, width: 28, channels: 1, normalize: 'unit' });
    const flat = r.models.find((x) => x.name === 'Flat')!;
    // positional height, width, channels; normalize defaults to unit
    expect(flat.inputs[0]!.plan).toEqual({ name: 'photo', kind: 'image', column: 'path', height: 32, width: 24, channels: 3, normalize: 'unit' });
  });

  it('infers conv/pool shapes, parameters and FLOPs (the reference model of shared/bench/reference)', () => {
    const n = nodes('Reference');
    expect(n.vision_conv2d!.out.shape).toEqual(['batch', 26, 26, 16]);
    expect(n.vision_conv2d!.params).toBe(3 * 3 * 1 * 16 + 16);
    expect(n.vision_conv2d!.weights).toEqual([
      { name: 'kernel', shape: [3, 3, 1, 16] },
      { name: 'bias', shape: [16] },
    ]);
    expect(n.vision_conv2d!.flops).toBe(2 * 26 * 26 * 9 * 16);
    expect(n.vision_max_pool2d!).toMatchObject({ op: 'max_pool2d', attrs: { poolSize: [2, 2], strides: [2, 2], padding: 'valid' } });
    expect(n.vision_max_pool2d!.out.shape).toEqual(['batch', 13, 13, 16]);
    expect(n.vision_conv2d_2!.out.shape).toEqual(['batch', 11, 11, 32]);
    expect(n.vision_conv2d_2!.params).toBe(3 * 3 * 16 * 32 + 32);
    expect(n.vision_global_avg_pool!).toMatchObject({ op: 'global_avg_pool2d', out: { shape: ['batch', 32] } });
    expect(n.joint_concat!.out.shape).toEqual(['batch', 64]);
    const total = r.models.find((x) => x.name === 'Reference')!.nodes.reduce((s, x) => s + x.params, 0);
    expect(total).toBe(160 + 4640 + 32000 + 8320 + 4160 + 650);
  });

  it('same padding with strides rounds up; pooling strides may differ from the window; dilation widens the kernel', () => {
    const f = nodes('Flat');
    expect(f.strided_conv2d!).toMatchObject({ attrs: { kernelSize: [5, 3], strides: [2, 2], dilation: [1, 1], padding: 'same' } });
    expect(f.strided_flatten!).toMatchObject({ op: 'reshape', attrs: { targetShape: [384] } });
    const d = nodes('Dilated');
    expect(d.dilated_conv2d!.out.shape).toEqual(['batch', 28, 20, 4]);
    expect(d.dilated_global_max_pool!.op).toBe('global_max_pool2d');
  });

  it('global_max_pool still picks the 1-D op for sequences', () => {
    const { r: r2 } = diags(`encoder seq = caption -> embedding(8) -> global_max_pool\nmodel S = seq -> classifier(cls)\n`);
    expect(r2.diagnostics).toEqual([]);
    expect(r2.models[0]!.nodes.map((x) => x.op)).toEqual(['embedding', 'global_max_pool1d', 'dense']);
  });

  it('records the type of every step for hovers', () => {
    // (A fusion checked on its own re-records the encoders it uses, so each step may appear twice: keep the first.)
    const seen = new Set<string>();
    const t = r.stepTypes
      .filter((s) => s.decl === 'vision' && !seen.has(JSON.stringify(s.range)) && seen.add(JSON.stringify(s.range)))
      .map((s) => [s.label, s.type.shape]);
    expect(t).toEqual([
      ['digit', ['batch', 28, 28, 1]],
      ['conv2d', ['batch', 26, 26, 16]],
      ['max_pool2d', ['batch', 13, 13, 16]],
      ['conv2d', ['batch', 11, 11, 32]],
      ['global_avg_pool', ['batch', 32]],
      ['annotation', ['batch', 32]],
    ]);
  });
});

describe('image diagnostics: code and exact range', () => {
  it('MMF2001: conv2d fed a sequence [batch, time, channels], with a hint to conv1d', () => {
    const { src, r, list } = diags(`encoder e = caption -> embedding(16) -> conv2d(8, 3)\n`);
    expect(list).toEqual([['MMF2001', rangeOf(src, 'conv2d(8, 3)')]]);
    const d = r.diagnostics[0]!;
    expect(d.message).toContain('[batch, 20, 16] float32');
    expect(d.message).toContain('rank 4');
    expect(d.hint).toContain('conv1d');
  });

  it('MMF2005: conv2d fed token ids', () => {
    const { src, list } = diags(`encoder e = caption -> conv2d(8, 3)\n`);
    expect(list).toEqual([['MMF2005', rangeOf(src, 'conv2d(8, 3)')]]);
  });

  it('MMF2001: conv2d after global pooling (a vector)', () => {
    const { src, r, list } = diags(`encoder e = digit -> global_avg_pool -> conv2d(8, 3)\n`);
    expect(list).toEqual([['MMF2001', rangeOf(src, 'conv2d(8, 3)')]]);
    expect(r.diagnostics[0]!.message).toContain('[batch, 1]');
  });

  it('MMF2006: a kernel bigger than the image with valid padding; same padding fits', () => {
    const { src, r, list } = diags(
      `encoder e = digit -> max_pool2d(4) -> conv2d(8, 9)\nencoder ok = digit -> max_pool2d(4) -> conv2d(8, 9, padding same) -> [batch, 7, 7, 8]\n`,
    );
    expect(list).toEqual([['MMF2006', rangeOf(src, 'conv2d(8, 9)')]]);
    expect(r.diagnostics[0]!.message).toContain('kernel 9×9');
    expect(r.diagnostics[0]!.message).toContain('7×7 image');
    expect(r.diagnostics[0]!.hint).toContain('padding same');
  });

  it('MMF2006: a dilated kernel that spans more than the image', () => {
    const { src, r, list } = diags(`encoder e = digit -> max_pool2d(4) -> conv2d(8, [2, 3], dilation [1, 4])\n`);
    expect(list).toEqual([['MMF2006', rangeOf(src, 'conv2d(8, [2, 3], dilation [1, 4])')]]);
    expect(r.diagnostics[0]!.message).toContain('spanning 2×9');
  });

  it('MMF2006: a pool window bigger than the image', () => {
    const { src, list } = diags(`encoder e = digit -> conv2d(4, 3, strides 9) -> max_pool2d(4)\n`);
    expect(list).toEqual([['MMF2006', rangeOf(src, 'max_pool2d(4)')]]);
  });

  it('MMF2001: max_pool2d and global_avg_pool2d fed a sequence', () => {
    const { src, list } = diags(`encoder e = caption -> embedding(8) -> max_pool2d(2)\nencoder f = caption -> embedding(8) -> global_avg_pool2d\n`);
    expect(list).toEqual([
      ['MMF2001', rangeOf(src, 'max_pool2d(2)')],
      ['MMF2001', rangeOf(src, 'global_avg_pool2d')],
    ]);
  });

  it('MMF2001: global_max_pool fed a vector names both shapes it takes; global_max_pool1d fed an image points to global_max_pool', () => {
    const { src, r, list } = diags(`encoder e = digit -> global_max_pool -> global_max_pool\nencoder f = digit -> global_max_pool1d\n`);
    expect(list).toEqual([
      ['MMF2001', rangeOf(src, 'global_max_pool', 1)],
      ['MMF2001', rangeOf(src, 'global_max_pool1d')],
    ]);
    expect(r.diagnostics[0]!.message).toContain('[batch, height, width, channels]');
    expect(r.diagnostics[1]!.hint).toContain('global_max_pool2d');
  });

  it('MMF2004: a classifier fed an image, with a hint to pool it', () => {
    const { src, r, list } = diags(`encoder e = digit -> conv2d(4, 3)\nmodel M = e -> classifier(cls)\n`);
    expect(list).toEqual([['MMF2004', rangeOf(src, 'classifier(cls)')]]);
    expect(r.diagnostics[0]!.hint).toContain('global_avg_pool');
  });

  it('MMF2003: a wrong shape annotation after conv2d', () => {
    const { src, r, list } = diags(`encoder e = digit -> conv2d(4, 3) -> [batch, 28, 28, 4]\n`);
    expect(list).toEqual([['MMF2003', rangeOf(src, '[batch, 28, 28, 4]')]]);
    expect(r.diagnostics[0]!.hint).toContain('[batch, 26, 26, 4]');
  });

  it('MMF3002: a window pair of the wrong length, at the list', () => {
    const { src, list } = diags(`encoder e = digit -> conv2d(4, [3, 3, 3])\nencoder f = digit -> max_pool2d(strides [])\n`);
    expect(list).toEqual([
      ['MMF3002', rangeOf(src, '[3, 3, 3]')],
      ['MMF3002', within(src, 'max_pool2d(strides [])', '[]')],
    ]);
  });

  it('MMF3001: sizes out of range, at the value; strides with dilation, at the dilation', () => {
    const { src, list } = diags(
      `encoder e = digit -> conv2d(0, 3)\nencoder f = digit -> conv2d(4, [3, 0])\nencoder g = digit -> conv2d(4, 3, strides 2, dilation 2)\n`,
    );
    expect(list).toEqual([
      ['MMF3001', within(src, 'conv2d(0, 3)', '0')],
      ['MMF3001', rangeOf(src, '[3, 0]')],
      ['MMF3001', within(src, 'dilation 2)', '2')],
    ]);
  });

  it('MMF3003: a misspelt padding, with a did-you-mean', () => {
    const { src, r, list } = diags(`encoder e = digit -> avg_pool2d(2, padding sme)\n`);
    expect(list).toEqual([['MMF3003', rangeOf(src, 'sme')]]);
    expect(r.diagnostics[0]!.hint).toBe("Did you mean 'same'?");
  });

  it('MMF1005: an unknown conv2d argument, with a did-you-mean', () => {
    const { src, r, list } = diags(`encoder e = digit -> conv2d(4, 3, kernal_size 5)\n`);
    expect(list).toEqual([['MMF1005', rangeOf(src, 'kernal_size')]]);
    expect(r.diagnostics[0]!.hint).toBe("Did you mean 'kernel_size'?");
  });
});

describe('image input declarations', () => {
  const one = (decl: string) => {
    const src = `dataset pics from jsonl("pics.jsonl")\n${decl}\n`;
    const r = compile(src, { skipDataFiles: true });
    return { src, r, list: r.diagnostics.map((d) => [d.code, d.range] as const) };
  };

  it('MMF1006: height is required', () => {
    const { src, list } = one('input x: image(width 28) from pics.p');
    expect(list).toEqual([['MMF1006', rangeOf(src, 'image(width 28)')]]);
  });

  it('MMF3001: a zero size, at the value', () => {
    const { src, list } = one('input x: image(height 0, width 28) from pics.p');
    expect(list).toEqual([['MMF3001', within(src, 'height 0', '0')]]);
  });

  it('MMF3003: an unknown normalisation, with a did-you-mean', () => {
    const { src, r, list } = one('input x: image(28, 28, normalize zcore) from pics.p');
    expect(list).toEqual([['MMF3003', rangeOf(src, 'zcore')]]);
    expect(r.diagnostics[0]!.hint).toBe("Did you mean 'zscore'?");
  });

  it('MMF3005: an image reads one column', () => {
    const { src, list } = one('input x: image(28, 28) from pics[a, b]');
    expect(list).toEqual([['MMF3005', rangeOf(src, 'pics[a, b]')]]);
  });

  it('MMF1004: a misspelt kind suggests image', () => {
    const { src, r, list } = one('input x: imag(28, 28) from pics.p');
    expect(list).toEqual([['MMF1004', rangeOf(src, 'imag')]]);
    expect(r.diagnostics[0]!.hint).toBe("Did you mean 'image'?");
  });
});
