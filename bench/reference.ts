/**
 * The reference benchmark, side by side in one run: the model of ../shared/bench/reference/README.md written in
 * mmf (bench/reference.mmf), compiled, trained and run by mmf — tfjs code from the compiler's printer on the
 * runtime's backend with mmf's kernels, then the exported ONNX graph with the trained weights on onnxruntime-node —
 * beside the hand-written references of ../shared/bench/reference (tfjs cpu and wasm, PyTorch, onnxruntime-node on
 * the torch.onnx graph), run as child processes from the project root.
 *
 *   npx tsx bench/reference.ts [--runs 3] [--cpu-n 256] [--no-refs]      (npm run bench:reference)
 *
 * Data: $REF_DIR (default /tmp/mmf-ref), written by gen_data.js: 2,048 seeded random samples; 2 epochs at batch 64,
 * Adam 1e-3, categorical cross-entropy. Training is timed over model.fit on tensors built from the .f32/.i32 files,
 * exactly as tfjs_handwritten.js does; inference is batch 64, 5 warm-up runs (10 for ONNX Runtime, as
 * ort_reference.js), then mean and median of 50.
 * Each mmf run is a child process of this script (`--mmf-child`; a tfjs backend initialises once per process).
 * The fast rows run --runs times, interleaved (run k of each before run k + 1 of any); the hand-written cpu one once.
 * Output: a markdown table on stdout (also bench/.out/reference-table.md) with min–max ranges over runs, the
 * machine's load average, and the commands that made it.
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
const RUNS = Math.max(1, opt('--runs', 3));
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

/** `a–b` over runs (one value when they agree at the shown precision); `—` when no run produced it. */
function range(vals: unknown[], digits: number | 'exp'): string {
  const xs = vals.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (!xs.length) return '—';
  const fmt = (v: number) =>
    digits === 'exp' ? v.toExponential(1) : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const [lo, hi] = [fmt(Math.min(...xs)), fmt(Math.max(...xs))];
  return lo === hi ? lo : `${lo}–${hi}`;
}

/** 1-minute load average, to show how busy the machine was (others may share it). */
const load = () => os.loadavg()[0]!.toFixed(2);

type Out = Record<string, any>;

/** One mmf run in a fresh process (a backend initialises once per process), its result as one JSON line. */
function mmfChild(): Out {
  process.stderr.write('[bench] mmf: compile bench/reference.mmf, train, infer, export ONNX (child process)\n');
  const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
  const r = spawnSync(tsx, [fileURLToPath(import.meta.url), '--mmf-child'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, REF_DIR }, maxBuffer: 64 << 20 });
  const line = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('{"mmf"')).pop();
  if (r.status !== 0 || !line) throw new Error(`the mmf run failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-5).join('\n')}`);
  const out = JSON.parse(line) as Out;
  process.stderr.write(`[bench]   ${JSON.stringify({ ...out, predict: out.predict.median, ort: out.ort.median })}\n`);
  return out;
}

async function main(): Promise<void> {
  if (args.includes('--mmf-child')) {
    console.log(JSON.stringify({ mmf: true, ...(await runMmf()) }));
    return;
  }
  const started = new Date();
  const loads = [load()];
  process.stderr.write(`[bench] data: node ${path.relative(ROOT, path.join(REF_SRC, 'gen_data.js'))} (REF_DIR=${REF_DIR})\n`);
  const gen = spawnSync(process.execPath, [path.join(REF_SRC, 'gen_data.js')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, REF_DIR } });
  if (gen.status !== 0) throw new Error(`gen_data.js failed: ${gen.stderr}`);

  // Interleaved: run k of every fast configuration before run k + 1 of any, so a busy spell hits all alike.
  const torchOk = RUN_REFS && spawnSync(PYTHON, ['-c', 'import torch, onnx'], { encoding: 'utf8' }).status === 0;
  if (RUN_REFS && !torchOk) process.stderr.write(`[bench] ${PYTHON} cannot import torch and onnx (apt-get install python3-torch python3-onnx): PyTorch rows skipped\n`);
  const runs: Record<'mmf' | 'torch' | 'ort' | 'wasm' | 'cpu', Out[]> = { mmf: [], torch: [], ort: [], wasm: [], cpu: [] };
  const shown: Record<string, string> = {};
  for (let k = 0; k < RUNS; k++) {
    process.stderr.write(`[bench] run ${k + 1} of ${RUNS}\n`);
    runs.mmf.push(mmfChild());
    if (torchOk) {
      const t = runRef('PyTorch', PYTHON, [path.join(REF_SRC, 'torch_reference.py')]);
      runs.torch.push(t.out);
      shown.torch = t.shown;
      const o = runRef('onnxruntime on torch.onnx', process.execPath, [path.join(REF_SRC, 'ort_reference.js')]);
      runs.ort.push(o.out);
      shown.ort = o.shown;
    }
    if (RUN_REFS) {
      const w = runRef('hand-written tfjs wasm', process.execPath, [path.join(REF_SRC, 'tfjs_handwritten.js'), 'wasm']);
      runs.wasm.push(w.out);
      shown.wasm = w.shown;
    }
    loads.push(load());
  }
  if (RUN_REFS) {
    // Once: it trains at a few samples/s.
    const c = runRef('hand-written tfjs cpu', process.execPath, [path.join(REF_SRC, 'tfjs_handwritten.js'), 'cpu'], { N: String(CPU_N) });
    runs.cpu.push(c.out);
    shown.cpu = c.shown;
    loads.push(load());
  }

  const col = (rs: Out[], key: string, digits: number) => range(rs.map((r) => r[key]), digits);
  const trainErr = (rs: Out[]) => rs.map((r) => r.trainError ?? r.failed).find(Boolean) as string | undefined;
  const m0 = runs.mmf[0]!;
  const lines: string[] = [];
  lines.push(
    `Reference model of shared/bench/reference (${m0.params.toLocaleString('en-US')} parameters in tfjs), ${N.toLocaleString('en-US')} samples, batch ${B}, ${EPOCHS} epochs, Adam 1e-3; ${RUNS} run${RUNS === 1 ? '' : 's'} of each row (ranges are min–max over runs; the hand-written cpu row: one run of ${CPU_N} samples).`,
  );
  const t0 = runs.torch[0];
  lines.push(
    `Run ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), node ${process.version}, tfjs ${m0.tfjs}, onnxruntime-node ${m0.ortVersion}${t0?.torch ? `, torch ${t0.torch} (${t0.threads} thread${t0.threads === 1 ? '' : 's'})` : ''}; 1-minute load average ${loads.join(' → ')} (before, after each round).`,
  );
  lines.push(`Command: \`npx tsx bench/reference.ts${RUNS !== 3 ? ` --runs ${RUNS}` : ''}${CPU_N !== 256 ? ` --cpu-n ${CPU_N}` : ''}\` from the project root; the references run as child processes from it.`);
  lines.push('');
  lines.push('| implementation | backend | training samples/s, epoch 2 | training samples/s, both epochs | inference batch 64, median ms | mean ms | notes |');
  lines.push('|---|---|---:|---:|---:|---:|---|');
  const med = (rs: Out[], k: 'predict' | 'ort') => rs.map((r) => r[k].median);
  const mean = (rs: Out[], k: 'predict' | 'ort') => rs.map((r) => r[k].mean);
  lines.push(
    `| **mmf**: bench/reference.mmf → generated tfjs | ${m0.backend} + mmf kernels | **${col(runs.mmf, 'spsEpoch2', 0)}** | ${col(runs.mmf, 'spsTotal', 0)} | **${range(med(runs.mmf, 'predict'), 1)}** | ${range(mean(runs.mmf, 'predict'), 1)} | final loss ${col(runs.mmf, 'lastLoss', 3)} (random labels: ln 10 = 2.303); compile ${col(runs.mmf, 'compileMs', 0)} ms |`,
  );
  lines.push(
    `| **mmf**: ONNX export with the trained weights | onnxruntime-node, CPU | — | — | **${range(med(runs.mmf, 'ort'), 2)}** | ${range(mean(runs.mmf, 'ort'), 2)} | ${m0.onnxNodes} nodes; max \\|tfjs − ORT\\| on the same batch ${range(runs.mmf.map((r) => r.maxDiff), 'exp')} |`,
  );
  if (runs.torch.length)
    lines.push(
      `| PyTorch, hand-written | CPU, eager | ${col(runs.torch, 'samples_per_s_epoch2', 0)} | ${col(runs.torch, 'samples_per_s_total', 0)} | ${col(runs.torch, 'median_ms', 1)} | ${col(runs.torch, 'torch_infer_b64_mean_ms', 1)} | ${t0?.params?.toLocaleString('en-US') ?? '?'} parameters (two LSTM biases) |`,
    );
  if (runs.ort.length)
    lines.push(
      `| torch.onnx export | onnxruntime-node, CPU | — | — | ${col(runs.ort, 'median_ms', 2)} | ${col(runs.ort, 'ort_b64_mean_ms', 2)} | ${t0?.nodes ?? '?'} nodes${trainErr(runs.ort) ? `; ${trainErr(runs.ort)}` : ''} |`,
    );
  const fails = (rs: Out[]) => (trainErr(rs) ? `fails: ${trainErr(rs)!.slice(0, 80)}` : undefined);
  if (runs.wasm.length) {
    const w = runs.wasm[0]!;
    lines.push(
      `| tfjs, hand-written | wasm, stock kernels | ${fails(runs.wasm) ?? col(runs.wasm, 'samples_per_s_epoch2', 0)} | ${fails(runs.wasm) ? '—' : col(runs.wasm, 'samples_per_s_total', 0)} | ${col(runs.wasm, 'median_ms', 1)} | ${col(runs.wasm, 'predict_b64_mean_ms', 1)} | SIMD ${w.WASM_HAS_SIMD_SUPPORT ?? '?'}, ${w.threadsCount ?? '?'} thread |`,
    );
  }
  if (runs.cpu.length)
    lines.push(
      `| tfjs, hand-written | cpu, stock kernels | ${fails(runs.cpu) ?? col(runs.cpu, 'samples_per_s_epoch2', 1)} | ${fails(runs.cpu) ? '—' : col(runs.cpu, 'samples_per_s_total', 1)} | ${col(runs.cpu, 'median_ms', 0)} | ${col(runs.cpu, 'predict_b64_mean_ms', 0)} | ${CPU_N} samples |`,
    );
  lines.push('');
  lines.push('The references, as run (cwd = project root):');
  lines.push('```');
  lines.push(`node ${path.relative(ROOT, path.join(REF_SRC, 'gen_data.js'))}`);
  for (const v of Object.values(shown)) lines.push(v);
  lines.push('```');
  const table = lines.join('\n');
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'reference-table.md'), table + '\n');
  console.log(table);
}

await main();
