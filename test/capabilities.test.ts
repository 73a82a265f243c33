/**
 * Backend capabilities (compiler/capabilities.ts): what a backend cannot emit is a diagnostic at the construct
 * (MMF4003 ONNX, MMF4004 tfjs), `mmfc build` prints it and writes nothing, and the emitters never throw for a
 * model that compiles without errors.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IRModel } from '../compiler/ir.ts';
import { targetDiagnostics } from '../compiler/capabilities.ts';
import { emitOnnx, randomWeights } from '../compiler/emit/onnx/index.ts';
import { tfjsLayer } from '../compiler/emit/tfjs/layers.ts';
import { printModelBuilder } from '../compiler/emit/tfjs/program.ts';
import { LAYERS } from '../compiler/layers/index.ts';
import { rangeOf } from './helpers/ranges.ts';

/** When set, models compiled through compiler/index.ts (also by cli/build.ts) are passed through it. */
const hook: { patch?: (m: IRModel) => void } = {};
vi.mock('../compiler/index.ts', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../compiler/index.ts')>();
  return {
    ...orig,
    compile: (text: string, opts?: Parameters<typeof orig.compile>[1]) => {
      const r = orig.compile(text, opts);
      if (hook.patch) r.models.forEach(hook.patch);
      return r;
    },
  };
});
const { compile } = await import('../compiler/index.ts');
const { buildCommand } = await import('../cli/build.ts');

afterEach(() => {
  hook.patch = undefined;
});

const HEAD = `dataset d from jsonl("d.jsonl")
input x: timeseries(channels 3, length 20) from d.x
input pic: image(height 12, width 10, channels 3) from d.pic
label y: binary from d.y
`;

const SEQ = `${HEAD}encoder e = x -> conv1d(8, 3, padding same, dilation 2) -> global_max_pool
model M = e -> classifier(y)
`;
const IMG = `${HEAD}encoder e = pic -> conv2d(4, 3, padding same, dilation 2) -> global_avg_pool
model M = e -> classifier(y)
`;
const STRIDED = `${HEAD}encoder s = x -> conv1d(8, 3, strides 2) -> global_max_pool
encoder p = pic -> conv2d(4, 3, strides 2) -> global_avg_pool
fusion j = concat(s, p)
model M = j -> classifier(y)
`;

function model(src: string): IRModel {
  const r = compile(src, { fileName: '/nonexistent/cap.mmf' });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.models[0]!;
}

/** Make the output of the node feeding `op` (or the input it reads) have symbolic dims at `axes`. */
function unknownDims(m: IRModel, op: string, axes: number[]): void {
  const node = m.nodes.find((n) => n.op === op)!;
  const src = node.inputs[0]!;
  const t = m.nodes.find((n) => n.id === src)?.out ?? m.inputs.find((i) => i.name === src)!.out;
  for (const a of axes) t.shape[a] = a === 1 ? 'T' : 'W';
}

const brief = (ds: ReturnType<typeof targetDiagnostics>) => ds.map((d) => ({ code: d.code, severity: d.severity, range: d.range }));

describe('targetDiagnostics', () => {
  it('a model every backend can emit has none', () => {
    for (const src of [SEQ, IMG, STRIDED]) {
      const m = model(src);
      expect(targetDiagnostics(m, 'onnx')).toEqual([]);
      expect(targetDiagnostics(m, 'tfjs')).toEqual([]);
    }
  });

  it('MMF4003: a dilated same conv1d on a sequence of unknown length, at the step', () => {
    const m = model(SEQ);
    unknownDims(m, 'conv1d', [1]);
    const ds = targetDiagnostics(m, 'onnx');
    expect(brief(ds)).toEqual([{ code: 'MMF4003', severity: 'error', range: rangeOf(SEQ, 'conv1d(8, 3, padding same, dilation 2)') }]);
    expect(ds[0]!.message).toMatch(/^conv1d \(e_conv1d in model M\) cannot be emitted to ONNX: it uses padding same with dilation 2, which needs a known sequence length/);
    expect(ds[0]!.hint).toMatch(/known length/);
    expect(targetDiagnostics(m, 'tfjs')).toEqual([]);
    // The emitter refuses with the same reason (never a crash deeper in).
    expect(() => emitOnnx(m, randomWeights(m, 0))).toThrow(/conv1d 'e_conv1d' uses padding same with dilation 2, which needs a known sequence length/);
  });

  it('MMF4003: a dilated same conv2d on an image of unknown size, at the step', () => {
    const m = model(IMG);
    unknownDims(m, 'conv2d', [2]);
    const ds = targetDiagnostics(m, 'onnx');
    expect(brief(ds)).toEqual([{ code: 'MMF4003', severity: 'error', range: rangeOf(IMG, 'conv2d(4, 3, padding same, dilation 2)') }]);
    expect(ds[0]!.message).toContain('cannot be emitted to ONNX: it uses padding same with dilation 2×2, which needs a known image size');
    expect(() => emitOnnx(m, randomWeights(m, 0))).toThrow(/needs a known image size/);
  });

  it('MMF4003: an opset below 17, at the model', () => {
    const m = model(SEQ);
    const ds = targetDiagnostics(m, 'onnx', { opset: 16 });
    expect(brief(ds)).toEqual([{ code: 'MMF4003', severity: 'error', range: rangeOf(SEQ, 'model M = e -> classifier(y)') }]);
    expect(ds[0]!.message).toBe('model M cannot be emitted to ONNX: opset 16 is not supported (17 or later)');
    expect(targetDiagnostics(m, 'onnx', { opset: 18 })).toEqual([]);
    expect(() => emitOnnx(m, randomWeights(m, 0), { opset: 16 })).toThrow(/opset 16 is not supported/);
  });

  it('MMF4003: a label named like an input or another node, at the head', () => {
    const head = rangeOf(SEQ, 'classifier(y)');
    for (const name of ['x', 'e_conv1d']) {
      const m = model(SEQ);
      m.head.label = { ...m.head.label, name };
      const ds = targetDiagnostics(m, 'onnx');
      expect(brief(ds)).toEqual([{ code: 'MMF4003', severity: 'error', range: head }]);
      expect(ds[0]!.message).toContain(`the output would be named after the label '${name}'`);
      expect(() => emitOnnx(m, randomWeights(m, 0))).toThrow(/the output would be named after the label/);
    }
  });

  it('MMF4004: strides > 1 with dilation > 1 (conv1d and conv2d), at the step', () => {
    // The checker rejects these (MMF3001); the backend check is the second line of defence.
    const m = model(STRIDED);
    const c1 = m.nodes.find((n) => n.op === 'conv1d')!;
    const c2 = m.nodes.find((n) => n.op === 'conv2d')!;
    if (c1.op === 'conv1d') c1.attrs.dilation = 2;
    if (c2.op === 'conv2d') c2.attrs.dilation = [1, 2];
    const ds = targetDiagnostics(m, 'tfjs');
    expect(brief(ds)).toEqual([
      { code: 'MMF4004', severity: 'error', range: rangeOf(STRIDED, 'conv1d(8, 3, strides 2)') },
      { code: 'MMF4004', severity: 'error', range: rangeOf(STRIDED, 'conv2d(4, 3, strides 2)') },
    ]);
    expect(ds[0]!.message).toBe('conv1d (s_conv1d in model M) cannot be emitted to tfjs: it combines strides 2 with dilation 2, which tfjs-layers refuses');
    expect(ds[1]!.message).toContain('combines strides 2×2 with dilation 1×2');
    expect(() => tfjsLayer(c1)).toThrow(/tfjs-layers refuses/);
    expect(() => printModelBuilder(m, { sourceName: 'cap.mmf', sourceText: STRIDED, version: '0' })).toThrow(/tfjs-layers refuses/);
  });
});

describe('mmfc build refuses what the backend cannot emit', () => {
  function build(src: string, target: string) {
    const dir = mkdtempSync(join(tmpdir(), 'mmfc-cap-'));
    const file = join(dir, 'cap.mmf');
    writeFileSync(file, src);
    const out = join(dir, 'out');
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    return buildCommand(file, { target, out })
      .then((code) => ({ code, err, out, file }))
      .finally(() => {
        spy.mockRestore();
        outSpy.mockRestore();
      });
  }

  it('--target onnx: the diagnostic at the step, exit 1, no file', async () => {
    hook.patch = (m) => unknownDims(m, 'conv1d', [1]);
    const r = await build(SEQ, 'onnx');
    expect(r.code).toBe(1);
    const at = rangeOf(SEQ, 'conv1d(8, 3, padding same, dilation 2)').start;
    expect(r.err).toContain(`${r.file}:${at.line + 1}:${at.character + 1} - error MMF4003: conv1d (e_conv1d in model M) cannot be emitted to ONNX`);
    expect(r.err).toContain('hint: Give the sequence a known length');
    expect(r.err).toContain(`${r.file}: not built because of the errors above`);
    expect(existsSync(r.out)).toBe(false);
  });

  it('--target tfjs: the diagnostic at the step, exit 1, no file', async () => {
    hook.patch = (m) => {
      for (const n of m.nodes) if (n.op === 'conv1d') n.attrs.dilation = 2;
    };
    const r = await build(STRIDED, 'tfjs');
    expect(r.code).toBe(1);
    expect(r.err).toContain('error MMF4004: conv1d (s_conv1d in model M) cannot be emitted to tfjs');
    expect(existsSync(r.out)).toBe(false);
  });

  it('an exception while emitting is an error naming the model, exit 1, no file', async () => {
    // A node reading a tensor that does not exist slips past every check: the emitter throws, build reports it.
    hook.patch = (m) => {
      const pool = m.nodes.find((x) => x.op === 'global_max_pool1d' || x.weights.length === 0)!;
      m.nodes.push({ ...pool, id: 'stray', inputs: ['nowhere'] });
    };
    const r = await build(SEQ, 'onnx');
    expect(r.code).toBe(1);
    expect(r.err).toContain("error: model M could not be emitted to ONNX: ONNX export: node 'stray' reads 'nowhere'");
    expect(r.err).toContain('nothing was written');
    expect(existsSync(r.out)).toBe(false);
  });
});

// ---- Property: the emitters never throw for a model that compiles without errors. ----

const ROOT = join(import.meta.dirname, '..');

function mmfFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(e.parentPath ?? dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'data' ? [] : mmfFiles(p);
    return e.name.endsWith('.mmf') ? [p] : [];
  });
}

/** Call variants of every layer in the registry (a test below checks the table covers LAYERS). */
const LAYER_CALLS: Record<string, string[]> = {
  embedding: ['embedding(8)'],
  conv1d: ['conv1d(8, 3)', 'conv1d(8, 3, padding same, dilation 2)', 'conv1d(8, 2, strides 2, padding same)'],
  lstm: ['lstm(8)', 'lstm(8, return_sequences true)', 'lstm(4, bidirectional true)'],
  gru: ['gru(8)', 'gru(8, return_sequences true, bidirectional true)'],
  global_max_pool: ['global_max_pool'],
  global_avg_pool: ['global_avg_pool'],
  global_max_pool1d: ['global_max_pool1d'],
  global_avg_pool1d: ['global_avg_pool1d'],
  conv2d: ['conv2d(4, 3)', 'conv2d(4, 3, padding same, dilation 2)', 'conv2d(4, [3, 2], strides 2, padding same)', 'conv2d(4, 3, dilation [1, 2])'],
  max_pool2d: ['max_pool2d(2)', 'max_pool2d(3, strides 2, padding same)'],
  avg_pool2d: ['avg_pool2d(2)', 'avg_pool2d(3, strides 2, padding same)'],
  global_max_pool2d: ['global_max_pool2d'],
  global_avg_pool2d: ['global_avg_pool2d'],
  dense: ['dense(8, relu)', 'dense(8, use_bias false)'],
  mlp: ['mlp([8, 4])'],
  dropout: ['dropout(0.5)'],
  activation: ['activation(tanh)'],
  flatten: ['flatten'],
  max_pool1d: ['max_pool1d(2)', 'max_pool1d(3, 1, same)'],
  avg_pool1d: ['avg_pool1d(2)', 'avg_pool1d(3, 2, same)'],
  batch_norm: ['batch_norm'],
  layer_norm: ['layer_norm'],
  conv3d: ['conv3d(4, 3)', 'conv3d(4, [1, 3, 3], strides [1, 2, 2], padding same)'],
  transformer: ['transformer(2, 16)', 'transformer(2, 16, positions sinusoidal)'],
  reshape: ['reshape([4, 2])'],
  residual: ['residual(dense(8))', 'residual(dense(8), layer_norm)'],
  time_distributed: ['time_distributed(conv2d(4, 3, padding same, strides 2))', 'time_distributed(max_pool2d(2))', 'time_distributed(flatten)'],
};
for (const l of LAYERS) if (l.role === 'layer' && !LAYER_CALLS[l.name] && l.params.length === 0) LAYER_CALLS[l.name] = [l.name];

const FUSIONS = [
  'concat(a, b)',
  'weighted_sum(a, b)',
  'attention(a, s, dim 8)',
  'attention(s, a, dim 8, heads 2)',
  'gmu(a, b, dim 8)',
  'tensor_fusion(a, b)',
  'low_rank_fusion(a, b, dim 8)',
  'film(s, a)',
  'film(a, b)',
  'add(a, b)',
];
const HEADS = ['classifier(y)', 'classifier(k, hidden [8])', 'regression(price)', 'heads(classifier(y), regression(price), weights [1, 0.5])'];

const INPUTS = `dataset d from jsonl("d.jsonl")
input words: text(vocab 50, max_len 12) from d.words
input v: tabular from d[a, b, c]
input site: categorical(vocab 10) from d.site
input pic: image(height 12, width 10, channels 3) from d.pic
input series: timeseries(channels 3, length 16) from d.series
input sound: audio(clip 0.2) from d.sound
input clip: video(frames 4, height 8, width 8, channels 1) from d.clip
label y: binary from d.y
label k: classes("a", "b", "c") from d.k
label price: number from d.price
`;
const KINDS = ['words', 'v', 'site', 'pic', 'series', 'sound', 'clip'];
const PRE = ['', 'embedding(8)', 'dense(8)'];
const POST = ['', 'flatten', 'global_avg_pool'];

/** Valid programs assembled from the registry: each layer on each input kind it accepts, each fusion, each head. */
function registryPrograms(): { src: string; uses: string }[] {
  const out: { src: string; uses: string }[] = [];
  for (const [name, calls] of Object.entries(LAYER_CALLS))
    for (const call of calls)
      for (const kind of KINDS)
        for (const pre of PRE)
          for (const post of POST) {
            const steps = [kind, pre, call, post].filter(Boolean).join(' -> ');
            out.push({ src: `${INPUTS}encoder e = ${steps}\nmodel M = e -> classifier(y)\n`, uses: name });
          }
  const enc = 'encoder a = v -> dense(8)\nencoder b = words -> embedding(8) -> global_avg_pool\nencoder s = words -> embedding(8)\n';
  for (const f of FUSIONS)
    for (const post of ['', ' -> global_avg_pool'])
      out.push({ src: `${INPUTS}${enc}fusion j = ${f}\nmodel M = j${post} -> classifier(y)\n`, uses: f.slice(0, f.indexOf('(')) });
  for (const h of HEADS) out.push({ src: `${INPUTS}${enc}fusion j = concat(a, b)\nmodel M = j -> ${h}\n`, uses: h.slice(0, h.indexOf('(')) });
  return out;
}

function emitsWithoutThrowing(m: IRModel, src: string, where: string): void {
  expect(targetDiagnostics(m, 'onnx'), where).toEqual([]);
  expect(targetDiagnostics(m, 'tfjs'), where).toEqual([]);
  expect(() => emitOnnx(m, randomWeights(m, 0)), `${where}: emitOnnx`).not.toThrow();
  expect(() => printModelBuilder(m, { sourceName: 'p.mmf', sourceText: src, version: '0' }), `${where}: tfjs printer`).not.toThrow();
}

describe('the emitters never throw for a model that compiles', () => {
  it('every .mmf under examples/ and bench/', () => {
    const files = [...mmfFiles(join(ROOT, 'examples')), ...mmfFiles(join(ROOT, 'bench'))];
    let built = 0;
    for (const file of files) {
      const src = readFileSync(file, 'utf8');
      const r = compile(src, { fileName: file });
      if (r.diagnostics.some((d) => d.severity === 'error')) continue;
      for (const m of r.models) {
        emitsWithoutThrowing(m, src, `${file} ${m.name}`);
        built++;
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(6);
    expect(built).toBeGreaterThanOrEqual(5);
  });

  it('the table covers every layer of the registry', () => {
    for (const l of LAYERS) if (l.role === 'layer') expect(LAYER_CALLS[l.name], l.name).toBeDefined();
  });

  it('every valid program assembled from the layer registry', { timeout: 120_000 }, () => {
    const compiled = new Set<string>();
    let n = 0;
    for (const { src, uses } of registryPrograms()) {
      const r = compile(src, { fileName: '/nonexistent/p.mmf' });
      if (r.diagnostics.some((d) => d.severity === 'error') || r.models.length === 0) continue;
      const m = r.models[0]!;
      emitsWithoutThrowing(m, src, src.slice(INPUTS.length));
      compiled.add(uses);
      n++;
    }
    // Every layer, fusion and head compiled in at least one program (else the table above went stale).
    const names = [...LAYERS.map((l) => l.name)];
    expect(names.filter((x) => !compiled.has(x))).toEqual([]);
    expect(n).toBeGreaterThan(200);
  });
});
