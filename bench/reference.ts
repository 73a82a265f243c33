/**
 * The reference benchmark, side by side in one run: the model of ../shared/bench/reference/README.md written in
 * mmf (bench/reference.mmf), compiled, trained and run by mmf — tfjs code from the compiler's printer on the
 * runtime's backend with mmf's kernels, then the exported ONNX graph with the trained weights on onnxruntime-node —
 * beside the hand-written references of ../shared/bench/reference (tfjs cpu and wasm, PyTorch, onnxruntime-node on
 * the torch.onnx graph), run as child processes from the project root.
 *
 *   npx tsx bench/reference.ts [--cpu-n 256] [--no-refs]      (npm run bench:reference)
 *
 * Data: $REF_DIR (default /tmp/mmf-ref), written by gen_data.js: 2,048 seeded random samples; 2 epochs at batch 64,
 * Adam 1e-3, categorical cross-entropy. Training is timed over model.fit on tensors built from the .f32/.i32 files,
 * exactly as tfjs_handwritten.js does; inference is batch 64, 5 warm-up runs (10 for ONNX Runtime, as
 * ort_reference.js), then mean and median of 50.
 * Output: a markdown table on stdout (also bench/.out/reference-table.md), with the command that made it.
 * --cpu-n: samples for the hand-written tfjs cpu run (it trains at about 5 samples/s); --no-refs: mmf only.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import type * as tfjs from '@tensorflow/tfjs';
import { compile } from '../compiler/index.ts';
import { builderName, emitTfjs } from '../compiler/emit/tfjs/program.ts';
import { emitOnnx, readTfjsWeights, writeOnnx } from '../compiler/emit/onnx/index.ts';
import { initBackend } from '../runtime/backend.ts';
import { saveModel } from '../runtime/io.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'bench/.out');
const REF_SRC = path.resolve(ROOT, '../shared/bench/reference');
const REF_DIR = process.env.REF_DIR || '/tmp/mmf-ref';
const N = 2048;
const B = 64;
const EPOCHS = 2;
const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const CPU_N = opt('--cpu-n', 256);
const RUN_REFS = !args.includes('--no-refs');
const PYTHON = '/usr/bin/python3';
const require = createRequire(import.meta.url);

function read(file: string): ArrayBuffer {
  const b = fs.readFileSync(path.join(REF_DIR, 'data', file));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
}

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  return { mean: s.reduce((a, b) => a + b, 0) / s.length, median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]! };
}

/** Run a reference script from the project root; every JSON line of its stdout merged, plus any TRAIN ERROR. */
function runRef(label: string, cmd: string, argv: string[], env: Record<string, string> = {}) {
  const shown = `${Object.entries(env).map(([k, v]) => `${k}=${v} `).join('')}${cmd === process.execPath ? 'node' : cmd} ${argv.map((a) => path.relative(ROOT, a) || a).join(' ')}`;
  process.stderr.write(`[bench] ${label}: ${shown}\n`);
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, REF_DIR, ...env }, maxBuffer: 64 << 20 });
  const out: Record<string, unknown> = {};
  for (const line of (r.stdout ?? '').split('\n')) {
    const t = line.trim();
    if (t.startsWith('{'))
      try {
        Object.assign(out, JSON.parse(t));
      } catch {
        /* not JSON */
      }
    if (t.startsWith('TRAIN ERROR')) out.trainError = t.slice('TRAIN ERROR:'.length).trim();
  }
  if (r.status !== 0) out.failed = `exit ${r.status}: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' ')}`;
  process.stderr.write(`[bench]   ${((performance.now() - t0) / 1000).toFixed(1)} s ${JSON.stringify(out).slice(0, 300)}\n`);
  return { shown, out };
}

/** Compile reference.mmf, print its tfjs builder into bench/.out, train, time inference, export and time ONNX. */
async function runMmf() {
  fs.mkdirSync(OUT, { recursive: true });
  const img = new Float32Array(read('img.f32'));
  const tok = new Int32Array(read('tok.i32'));
  const lab = new Int32Array(read('lab.i32'));

  // The file the dataset declaration names: a few rows, so the checker verifies the column names.
  const rows = Array.from({ length: 8 }, (_, i) =>
    JSON.stringify({ image: Array.from(img.subarray(i * 784, (i + 1) * 784), (v) => +v.toFixed(4)), tokens: Array.from(tok.subarray(i * 20, (i + 1) * 20)).join(' '), label: lab[i] }),
  );
  fs.writeFileSync(path.join(OUT, 'reference.jsonl'), rows.join('\n') + '\n');
  const mmfFile = path.join(ROOT, 'bench/reference.mmf');
  const source = fs.readFileSync(mmfFile, 'utf8');
  const tc = performance.now();
  const compiled = compile(source, { fileName: mmfFile });
  const compileMs = performance.now() - tc;
  if (compiled.diagnostics.length) throw new Error(`bench/reference.mmf: ${compiled.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  const ir = compiled.models.find((m) => m.name === 'Reference')!;

  // The tfjs builder exactly as `mmfc build` prints it, imported from the repo (so 'mmf/runtime' resolves by
  // package self-reference). No package.json is written next to it: that would hide the self-reference.
  const version = (require('../package.json') as { version: string }).version;
  const files = await emitTfjs([ir], { sourceName: 'bench/reference.mmf', sourceText: source, version });
  const modelFile = path.join(OUT, `${ir.name}.model.ts`);
  fs.writeFileSync(modelFile, files.find((f) => f.path === `${ir.name}.model.ts`)!.contents);
  const { tf, backend } = await initBackend();
  const mod = (await import(pathToFileURL(modelFile).href)) as Record<string, () => tfjs.LayersModel>;
  const model = mod[builderName(ir)]!();
  model.compile({ optimizer: tf.train.adam(ir.train.optimizer.lr), loss: ir.head.loss, metrics: ['accuracy'] });
  // Inputs in the model's order (image, tokens), as the IR lists them.
  const byName: Record<string, tfjs.Tensor> = {
    image: tf.tensor4d(img.subarray(0, N * 784), [N, 28, 28, 1]),
    tokens: tf.tensor2d(tok.subarray(0, N * 20), [N, 20], 'int32'),
  };
  const X = ir.inputs.map((i) => byName[i.name]!);
  const Y = tf.tidy(() => tf.oneHot(tf.tensor1d(lab.subarray(0, N), 'int32'), 10).toFloat());

  const epochMs: number[] = [];
  let lastLoss = NaN;
  const t0 = performance.now();
  let te = t0;
  await model.fit(X, Y, {
    batchSize: ir.train.batchSize,
    epochs: ir.train.epochs,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochEnd: async (_e, logs) => {
        const now = performance.now();
        epochMs.push(now - te);
        te = now;
        lastLoss = logs?.loss ?? NaN;
      },
    },
  });
  const trainS = (performance.now() - t0) / 1000;

  const xb = X.map((t) => t.slice(0, B));
  for (let i = 0; i < 5; i++) tf.dispose(await (model.predict(xb) as tfjs.Tensor).data());
  const lat: number[] = [];
  for (let i = 0; i < 50; i++) {
    const s = performance.now();
    const p = model.predict(xb) as tfjs.Tensor;
    await p.data();
    p.dispose();
    lat.push(performance.now() - s);
  }
  const tfjsOut = (await (model.predict(xb) as tfjs.Tensor).data()) as Float32Array;

  // Export: trained weights through saveModel → readTfjsWeights (the `mmfc train` path), then emitOnnx.
  const savedDir = path.join(OUT, 'reference-tfjs');
  await saveModel(model, savedDir);
  const weights = readTfjsWeights(savedDir, ir);
  const onnxFile = path.join(OUT, 'reference.onnx');
  const bytes = emitOnnx(ir, weights);
  writeOnnx(onnxFile, bytes);
  const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
  const sess = await ort.InferenceSession.create(onnxFile, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  const feeds = {
    image: new ort.Tensor('float32', img.slice(0, B * 784), [B, 28, 28, 1]),
    tokens: new ort.Tensor('int64', BigInt64Array.from(tok.subarray(0, B * 20), (v) => BigInt(v)), [B, 20]),
  };
  for (let i = 0; i < 10; i++) await sess.run(feeds);
  const olat: number[] = [];
  let res: Awaited<ReturnType<typeof sess.run>> | undefined;
  for (let i = 0; i < 50; i++) {
    const s = performance.now();
    res = await sess.run(feeds);
    olat.push(performance.now() - s);
  }
  const onnxOut = res![ir.head.label.name]!.data as Float32Array;
  let maxDiff = 0;
  for (let i = 0; i < tfjsOut.length; i++) maxDiff = Math.max(maxDiff, Math.abs(tfjsOut[i]! - onnxOut[i]!));
  await sess.release();
  tf.dispose([...X, ...xb, Y]);
  return {
    backend,
    tfjs: tf.version.tfjs,
    params: model.countParams(),
    compileMs,
    trainS,
    spsTotal: (N * EPOCHS) / trainS,
    spsEpoch2: N / (epochMs[1]! / 1000),
    epochS: epochMs.map((m) => m / 1000),
    lastLoss,
    predict: stats(lat),
    ort: stats(olat),
    ortVersion: (require('onnxruntime-node/package.json') as { version: string }).version,
    onnxNodes: (await import('../compiler/emit/onnx/graph.ts')).onnx.ModelProto.decode(bytes).graph!.node!.length,
    onnxBytes: bytes.length,
    maxDiff,
  };
}

const f1 = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 }) : '—');
const f2 = (v: unknown) => (typeof v === 'number' ? (v < 10 ? v.toFixed(2) : v.toFixed(1)) : '—');

/** 1-minute load average, to show how busy the machine was (others may share it). */
const load = () => os.loadavg()[0]!.toFixed(2);

async function main(): Promise<void> {
  const started = new Date();
  const loadStart = load();
  process.stderr.write(`[bench] data: node ${path.relative(ROOT, path.join(REF_SRC, 'gen_data.js'))} (REF_DIR=${REF_DIR})\n`);
  const gen = spawnSync(process.execPath, [path.join(REF_SRC, 'gen_data.js')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, REF_DIR } });
  if (gen.status !== 0) throw new Error(`gen_data.js failed: ${gen.stderr}`);

  process.stderr.write('[bench] mmf: compile bench/reference.mmf, train, infer, export ONNX\n');
  const m = await runMmf();
  process.stderr.write(`[bench]   ${JSON.stringify({ ...m, predict: undefined, ort: undefined })}\n`);

  const refs: Record<string, { shown: string; out: Record<string, any> }> = {};
  if (RUN_REFS) {
    const torchOk = spawnSync(PYTHON, ['-c', 'import torch, onnx'], { encoding: 'utf8' }).status === 0;
    if (torchOk) {
      refs.torch = runRef('PyTorch', PYTHON, [path.join(REF_SRC, 'torch_reference.py')]);
      refs.ort = runRef('onnxruntime on torch.onnx', process.execPath, [path.join(REF_SRC, 'ort_reference.js')]);
    } else process.stderr.write(`[bench] ${PYTHON} cannot import torch and onnx (apt-get install python3-torch python3-onnx): PyTorch rows skipped\n`);
    refs.wasm = runRef('hand-written tfjs wasm', process.execPath, [path.join(REF_SRC, 'tfjs_handwritten.js'), 'wasm']);
    refs.cpu = runRef('hand-written tfjs cpu', process.execPath, [path.join(REF_SRC, 'tfjs_handwritten.js'), 'cpu'], { N: String(CPU_N) });
  }

  const o = (k: string) => refs[k]?.out ?? {};
  const trainCell = (r: Record<string, any>) =>
    r.trainError ? `fails: ${String(r.trainError).slice(0, 90)}` : r.samples_per_s_total !== undefined ? `${f1(r.samples_per_s_total)} / ${f1(r.samples_per_s_epoch2)}` : r.failed ? `fails: ${r.failed.slice(0, 90)}` : '—';
  const lines: string[] = [];
  lines.push(`Reference model of shared/bench/reference (${m.params.toLocaleString('en-US')} parameters in tfjs), ${N.toLocaleString('en-US')} samples, batch ${B}, ${EPOCHS} epochs, Adam 1e-3.`);
  lines.push(`Run ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), node ${process.version}, tfjs ${m.tfjs}, onnxruntime-node ${m.ortVersion}${o('torch').torch ? `, torch ${o('torch').torch} (${o('torch').threads} threads)` : ''}.`);
  lines.push(`1-minute load average ${loadStart} at the start, ${load()} at the end.`);
  lines.push(`Command: \`npx tsx bench/reference.ts${CPU_N !== 256 ? ` --cpu-n ${CPU_N}` : ''}\` (from the project root; the references run as child processes from it).`);
  lines.push('');
  lines.push('| implementation | backend | training samples/s (all / epoch 2) | inference, batch 64: mean / median ms | notes |');
  lines.push('|---|---|---:|---:|---|');
  lines.push(
    `| **mmf** (bench/reference.mmf → generated tfjs) | ${m.backend} + mmf kernels | **${f1(m.spsTotal)} / ${f1(m.spsEpoch2)}** | **${f2(m.predict.mean)} / ${f2(m.predict.median)}** | epochs ${m.epochS.map((s) => s.toFixed(2)).join(' s, ')} s; loss ${m.lastLoss.toFixed(4)}; compile ${m.compileMs.toFixed(0)} ms |`,
  );
  lines.push(
    `| **mmf** ONNX export, trained weights | onnxruntime-node (CPU) | — | **${f2(m.ort.mean)} / ${f2(m.ort.median)}** | ${m.onnxNodes} nodes; max \\|tfjs − ORT\\| ${m.maxDiff.toExponential(1)} on the same batch |`,
  );
  if (RUN_REFS) {
    const t = o('torch');
    if (refs.torch)
      lines.push(`| PyTorch, hand-written | CPU eager | ${trainCell(t)} | ${f2(t.torch_infer_b64_mean_ms)} / ${f2(t.median_ms)} | torch ${t.torch ?? '?'}, ${t.threads ?? '?'} threads |`);
    const ortR = o('ort');
    if (refs.ort)
      lines.push(`| torch.onnx graph | onnxruntime-node (CPU) | — | ${f2(ortR.ort_b64_mean_ms)} / ${f2(ortR.median_ms)} | ${o('torch').nodes ?? '?'} nodes${ortR.failed ? `; ${ortR.failed}` : ''} |`);
    const w = o('wasm');
    lines.push(`| tfjs, hand-written | wasm (stock kernels) | ${trainCell(w)} | ${f2(w.predict_b64_mean_ms)} / ${f2(w.median_ms)} | SIMD ${w.WASM_HAS_SIMD_SUPPORT ?? '?'}, threads ${w.threadsCount ?? '?'} |`);
    const c = o('cpu');
    lines.push(`| tfjs, hand-written | cpu (stock kernels) | ${trainCell(c)} | ${f2(c.predict_b64_mean_ms)} / ${f2(c.median_ms)} | N=${CPU_N} samples (slow) |`);
  }
  lines.push('');
  lines.push('Reference commands (cwd = project root):');
  lines.push('```');
  lines.push(`node ${path.relative(ROOT, path.join(REF_SRC, 'gen_data.js'))}`);
  for (const r of Object.values(refs)) lines.push(r.shown);
  lines.push('```');
  const table = lines.join('\n');
  fs.writeFileSync(path.join(OUT, 'reference-table.md'), table + '\n');
  console.log(table);
}

await main();
