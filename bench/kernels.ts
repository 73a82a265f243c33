/**
 * mmf's tfjs training kernels, side by side with stock tfjs, in one run.
 *
 *   npx tsx bench/kernels.ts [--cpu-batches 3] [--epochs 2] [--no-models] [--no-micro]
 *
 * Part 1 trains the reference model of ../shared/bench/reference/README.md (image conv2d ×2 + max-pool +
 * global average pool ‖ embedding + LSTM(sigmoid), concat, dense ×2; 2,048 samples from its gen_data.js,
 * batch 64, Adam 1e-3) in separate child processes, one per configuration:
 *   wasm + mmf kernels         (what initBackend gives without tfjs-node)
 *   wasm + README's 2 kernels  (only UnsortedSegmentSum + Conv2DBackpropFilter: the README's 528–574 samples/s setup)
 *   cpu  + mmf kernels
 *   cpu  stock                 (MMF_STOCK_KERNELS=1: tfjs 4.22 as shipped; only --cpu-batches batches, it is slow)
 *   wasm stock                 (fails: no Conv2DBackpropFilter / UnsortedSegmentSum kernels)
 * and prints samples/s (the first batch, which includes warm-up, excluded) and predict latency at batch 64.
 * Part 2 trains one small model per layer kind on wasm with the README's two kernels and with all of
 * mmf's. Part 3 times each replaced kernel against the stock one at the shapes training hits.
 * Takes about 4 minutes on 2 cores (the stock cpu batches alone take ~40 s).
 * Data: $REF_DIR/data (default /tmp/mmf-ref/data), written by gen_data.js if missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REF_DIR = process.env.REF_DIR || '/tmp/mmf-ref';
const args = process.argv.slice(2);
const flag = (name: string, def: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};

// ---------------------------------------------------------------------------------------------------
// child: train the reference model under one configuration and print one JSON line
// ---------------------------------------------------------------------------------------------------
async function child(config: string, maxBatches: number, epochs: number): Promise<void> {
  const [backendName, kernels] = config.split(':') as ['wasm' | 'cpu', 'mmf' | 'readme' | 'stock'];
  if (kernels === 'stock') process.env.MMF_STOCK_KERNELS = '1';
  process.env.MMF_BACKEND = backendName;
  const { registerMmfKernels } = await import('../runtime/kernels/index.ts');
  const tfjs = await import('@tensorflow/tfjs');
  if (kernels === 'readme') {
    createRequire(import.meta.url)('@tensorflow/tfjs-backend-wasm'); // its kernels first, then ours
    registerMmfKernels(tfjs, { only: ['UnsortedSegmentSum', 'Conv2DBackpropFilter'] });
  }
  const { initBackend } = await import('../runtime/backend.ts');
  const { tf } = await initBackend({ quiet: true });
  const rd = (f: string) => {
    const b = fs.readFileSync(path.join(REF_DIR, 'data', f));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  };
  const N = 2048;
  const B = 64;
  const img = new Float32Array(rd('img.f32'));
  const tok = new Int32Array(rd('tok.i32'));
  const lab = new Int32Array(rd('lab.i32'));
  const X = [tf.tensor4d(img.subarray(0, N * 784), [N, 28, 28, 1]), tf.tensor2d(tok.subarray(0, N * 20), [N, 20], 'int32')];
  const Y = tf.tidy(() => tf.oneHot(tf.tensor1d(lab.subarray(0, N), 'int32'), 10).toFloat());
  // the model of tfjs_handwritten.js, layer for layer
  const L = tf.layers;
  const imgIn = tf.input({ shape: [28, 28, 1], name: 'image' });
  let x = L.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }).apply(imgIn) as any;
  x = L.maxPooling2d({ poolSize: 2 }).apply(x);
  x = L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }).apply(x);
  x = L.globalAveragePooling2d({}).apply(x);
  const tokIn = tf.input({ shape: [20], name: 'tokens', dtype: 'int32' });
  let y = L.embedding({ inputDim: 1000, outputDim: 32 }).apply(tokIn) as any;
  y = L.lstm({ units: 32, recurrentActivation: 'sigmoid' }).apply(y);
  let z = L.concatenate().apply([x, y]) as any;
  z = L.dense({ units: 64, activation: 'relu' }).apply(z);
  z = L.dense({ units: 10, activation: 'softmax' }).apply(z);
  const model = tf.model({ inputs: [imgIn, tokIn], outputs: z });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });

  const stamps: number[] = [];
  let error: string | null = null;
  const samples = Math.min(N, maxBatches * B);
  const t0 = performance.now();
  try {
    await model.fit(
      X.map((t) => t.slice(0, samples)),
      Y.slice(0, samples),
      { batchSize: B, epochs, shuffle: true, verbose: 0, callbacks: { onBatchEnd: async () => void stamps.push(performance.now()) } },
    );
  } catch (e) {
    error = (e as Error).message.split('\n')[0];
  }
  const total = (performance.now() - t0) / 1000;
  let sps: number | null = null;
  let spsAll: number | null = null;
  if (!error && stamps.length > 1) {
    sps = ((stamps.length - 1) * B) / ((stamps[stamps.length - 1] - stamps[0]) / 1000);
    spsAll = (stamps.length * B) / total;
  }
  // inference at batch 64
  const xb = [X[0].slice([0, 0, 0, 0], [64, 28, 28, 1]), X[1].slice([0, 0], [64, 20])];
  let predictMs: number | null = null;
  try {
    for (let i = 0; i < 3; i++) tf.dispose(await (model.predict(xb) as any).data());
    const reps = backendName === 'cpu' ? 5 : 30;
    const lat: number[] = [];
    for (let i = 0; i < reps; i++) {
      const s = performance.now();
      const p = model.predict(xb) as any;
      await p.data();
      p.dispose();
      lat.push(performance.now() - s);
    }
    lat.sort((a, b) => a - b);
    predictMs = lat[Math.floor(lat.length / 2)];
  } catch (e) {
    error ??= (e as Error).message.split('\n')[0];
  }
  console.log(JSON.stringify({ config, backend: tf.getBackend(), batches: stamps.length, sps, spsAll, total, predictMs, error }));
}

// ---------------------------------------------------------------------------------------------------
// part 2 (child): one small model per layer kind mmf emits, ms per training batch of 64
// ---------------------------------------------------------------------------------------------------
async function modelsChild(config: string): Promise<void> {
  const kernels = config.split(':')[1];
  process.env.MMF_BACKEND = 'wasm';
  const { registerMmfKernels } = await import('../runtime/kernels/index.ts');
  const tfjs = await import('@tensorflow/tfjs');
  if (kernels === 'readme') {
    createRequire(import.meta.url)('@tensorflow/tfjs-backend-wasm');
    registerMmfKernels(tfjs, { only: ['UnsortedSegmentSum', 'Conv2DBackpropFilter'] });
  }
  const { initBackend } = await import('../runtime/backend.ts');
  const { tf } = await initBackend({ quiet: true });
  const L = tf.layers;
  const B = 64;
  const NB = 3;
  const mk = (inShape: number[], vocab: number, body: (x: any) => any) => {
    const inp = vocab ? tf.input({ shape: inShape, dtype: 'int32' }) : tf.input({ shape: inShape });
    let y = body(inp);
    if (y.shape.length > 2) y = L.flatten().apply(y);
    y = L.dense({ units: 5, activation: 'softmax' }).apply(y);
    const m = tf.model({ inputs: inp, outputs: y });
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    return { m, vocab };
  };
  const emb = (x: any) => L.embedding({ inputDim: 5000, outputDim: 64 }).apply(x);
  const models: Record<string, () => { m: any; vocab: number }> = {
    'text 256: embedding → conv1d(128,5) → global max': () => mk([256], 5000, (x) => L.globalMaxPooling1d().apply(L.conv1d({ filters: 128, kernelSize: 5, activation: 'relu' }).apply(emb(x)))),
    'text 256: embedding → conv1d(64,3, dilation 4) → max-pool → global max': () => mk([256], 5000, (x) => L.globalMaxPooling1d().apply(L.maxPooling1d({ poolSize: 2 }).apply(L.conv1d({ filters: 64, kernelSize: 3, dilationRate: 4 }).apply(emb(x))))),
    'text 256: embedding → dense → layer norm → global avg': () => mk([256], 5000, (x) => L.globalAveragePooling1d().apply(L.layerNormalization().apply(L.dense({ units: 64 }).apply(emb(x))))),
    'text 24: embedding → gru(64)': () => mk([24], 5000, (x) => L.gru({ units: 64, recurrentActivation: 'sigmoid' }).apply(emb(x))),
    'text 24: embedding → lstm(64)': () => mk([24], 5000, (x) => L.lstm({ units: 64, recurrentActivation: 'sigmoid' }).apply(emb(x))),
    'text 256: embedding → gru(64)': () => mk([256], 5000, (x) => L.gru({ units: 64, recurrentActivation: 'sigmoid' }).apply(emb(x))),
    'text 256: embedding → bidirectional lstm(32) seq → global avg': () => mk([256], 5000, (x) => L.globalAveragePooling1d().apply(L.bidirectional({ layer: L.lstm({ units: 32, recurrentActivation: 'sigmoid', returnSequences: true }) as any }).apply(emb(x)))),
    'image 28²: conv2d → batch norm → max-pool → conv2d s2 → avg-pool → global max': () =>
      mk([28, 28, 1], 0, (x) => {
        let y = L.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
        y = L.batchNormalization().apply(y);
        y = L.maxPooling2d({ poolSize: 2 }).apply(y);
        y = L.conv2d({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(y);
        y = L.averagePooling2d({ poolSize: 2 }).apply(y);
        return L.globalMaxPooling2d({}).apply(y);
      }),
    'image 28²: conv2d → conv2d dilation 2 → global avg': () => mk([28, 28, 1], 0, (x) => L.globalAveragePooling2d({}).apply(L.conv2d({ filters: 32, kernelSize: 3, dilationRate: 2 }).apply(L.conv2d({ filters: 16, kernelSize: 3 }).apply(x)))),
  };
  for (const [name, build] of Object.entries(models)) {
    let ms: number | null = null;
    let error: string | null = null;
    try {
      const { m, vocab } = build();
      const shape = m.inputs[0].shape.slice(1);
      const x = vocab ? tf.randomUniform([B * NB, ...shape], 0, vocab, 'int32') : tf.randomNormal([B * NB, ...shape]);
      const y = tf.oneHot(tf.randomUniform([B * NB], 0, 5, 'int32'), 5).toFloat();
      await m.fit(x.slice(0, B), y.slice(0, B), { batchSize: B, epochs: 1, verbose: 0 }); // warm-up
      const t0 = performance.now();
      await m.fit(x, y, { batchSize: B, epochs: 1, verbose: 0 });
      ms = (performance.now() - t0) / NB;
      tf.dispose([x, y]);
      m.dispose();
    } catch (e) {
      error = (e as Error).message.split('\n')[0];
    }
    console.log(JSON.stringify({ name, ms, error }));
  }
}

// ---------------------------------------------------------------------------------------------------
// part 3: per-kernel stock vs mmf
// ---------------------------------------------------------------------------------------------------
async function micro(): Promise<void> {
  const { initBackend } = await import('../runtime/backend.ts');
  const { stockKernel } = await import('../runtime/kernels/index.ts');
  const { tf } = await initBackend({ prefer: 'wasm', quiet: true });
  type Case = { kernel: string; what: string; inputs: () => Record<string, any>; attrs: Record<string, unknown>; backends: string[] };
  const conv = (x: number[], f: number[], strides: any, pad: any) => ({
    x,
    f,
    dy: tf.backend_util.computeConv2DInfo(x as any, f as any, strides, 1, pad).outShape,
  });
  const c1 = conv([64, 28, 28, 1], [3, 3, 1, 16], 1, 'valid');
  const c2 = conv([64, 13, 13, 16], [3, 3, 16, 32], 1, 'valid');
  const ct = conv([64, 1, 256, 64], [1, 5, 64, 128], 1, 'valid');
  const cs = conv([64, 14, 14, 32], [3, 3, 32, 64], 2, 'same');
  const rn = (s: number[]) => tf.randomNormal(s);
  const cases: Case[] = [
    { kernel: 'UnsortedSegmentSum', what: 'reference embedding grad [1280,32], 1000 ids', inputs: () => ({ x: rn([1280, 32]), segmentIds: tf.randomUniform([1280], 0, 1000, 'int32') }), attrs: { numSegments: 1000 }, backends: ['wasm', 'cpu'] },
    { kernel: 'UnsortedSegmentSum', what: 'text embedding grad [16384,64], 5000 ids', inputs: () => ({ x: rn([16384, 64]), segmentIds: tf.randomUniform([16384], 0, 5000, 'int32') }), attrs: { numSegments: 5000 }, backends: ['wasm'] },
    ...[
      ['reference conv1 28×28×1→16', c1, 1, 'valid'],
      ['reference conv2 13×13×16→32', c2, 1, 'valid'],
      ['text conv1d 256×64→128 k5', ct, 1, 'valid'],
      ['conv 14×14×32→64 stride 2 same', cs, 2, 'same'],
    ].flatMap(([what, c, strides, pad]: any): Case[] => [
      { kernel: 'Conv2DBackpropFilter', what, inputs: () => ({ x: rn(c.x), dy: rn(c.dy) }), attrs: { strides, pad, dataFormat: 'NHWC', filterShape: c.f }, backends: what.startsWith('reference') ? ['wasm', 'cpu'] : ['wasm'] },
      { kernel: 'Conv2DBackpropInput', what, inputs: () => ({ dy: rn(c.dy), filter: rn(c.f) }), attrs: { strides, pad, dataFormat: 'NHWC', inputShape: c.x }, backends: ['wasm'] },
    ]),
    { kernel: 'BatchMatMul', what: 'LSTM dW = xᵀ·dy [64,32]ᵀ[64,128]', inputs: () => ({ a: rn([1, 64, 32]), b: rn([1, 64, 128]) }), attrs: { transposeA: true, transposeB: false }, backends: ['wasm'] },
    { kernel: 'BatchMatMul', what: 'LSTM dx = dy·Wᵀ [64,128][32,128]ᵀ', inputs: () => ({ a: rn([1, 64, 128]), b: rn([1, 32, 128]) }), attrs: { transposeA: false, transposeB: true }, backends: ['wasm'] },
    { kernel: 'BatchMatMul', what: 'sequence dense dW [16384,64]ᵀ[16384,64]', inputs: () => ({ a: rn([1, 16384, 64]), b: rn([1, 16384, 64]) }), attrs: { transposeA: true, transposeB: false }, backends: ['wasm'] },
    { kernel: 'Tile', what: 'layer-norm γ [1,1,64]→[64,256,64]', inputs: () => ({ x: rn([1, 1, 64]) }), attrs: { reps: [64, 256, 1] }, backends: ['wasm'] },
    { kernel: 'Equal', what: 'global-max grad [64,252,128] vs [64,1,128]', inputs: () => ({ a: rn([64, 252, 128]), b: rn([64, 1, 128]) }), attrs: {}, backends: ['wasm'] },
    { kernel: 'Unpack', what: 'RNN unstack [256,64,64] → 256 steps', inputs: () => ({ value: rn([256, 64, 64]) }), attrs: { axis: 0 }, backends: ['wasm'] },
    { kernel: 'Slice', what: '[64,256,64] → [64,256,32]', inputs: () => ({ x: rn([64, 256, 64]) }), attrs: { begin: [0, 0, 0], size: [64, 256, 32] }, backends: ['wasm'] },
    { kernel: 'GatherV2', what: 'embedding lookup [5000,64] × 16384 ids', inputs: () => ({ x: rn([5000, 64]), indices: tf.randomUniform([16384], 0, 5000, 'int32') }), attrs: { axis: 0, batchDims: 0 }, backends: ['wasm'] },
    ...(() => {
      const mk = (x: number[], fs: any, st: any, what: string): Case[] => {
        const o = tf.backend_util.computePool2DInfo(x as any, fs, st, 1, 'valid').outShape;
        return [
          { kernel: 'MaxPoolGrad', what, inputs: () => { const xi = rn(x); return { dy: rn(o), input: xi, output: tf.maxPool(xi as any, fs, st, 'valid') }; }, attrs: { filterSize: fs, strides: st, pad: 'valid' }, backends: ['wasm', 'cpu'] },
          { kernel: 'AvgPoolGrad', what, inputs: () => ({ dy: rn(o), input: rn(x) }), attrs: { filterSize: fs, strides: st, pad: 'valid' }, backends: ['wasm', 'cpu'] },
        ];
      };
      return [...mk([64, 26, 26, 16], 2, 2, 'reference pool 26×26×16, 2×2'), ...mk([64, 1, 252, 128], [1, 2], [1, 2], 'pool1d 252×128, 2')];
    })(),
    { kernel: 'Identity', what: 'clone [64,256,64]', inputs: () => ({ x: rn([64, 256, 64]) }), attrs: {}, backends: ['wasm'] },
    { kernel: 'Reverse', what: 'bidirectional [64,256,64] along time', inputs: () => ({ x: rn([64, 256, 64]) }), attrs: { dims: [1] }, backends: ['wasm'] },
  ];
  const time = (f: () => any, budgetMs = 1500, maxReps = 30) => {
    const one = () => {
      const s = performance.now();
      const r = f();
      const e = performance.now() - s;
      tf.dispose(r);
      return e;
    };
    one(); // warm-up
    const ts: number[] = [];
    const start = performance.now();
    while (ts.length < maxReps && (ts.length < 3 || performance.now() - start < budgetMs)) ts.push(one());
    ts.sort((a, b) => a - b);
    return ts[Math.floor(ts.length / 2)];
  };
  console.log('\n## Part 3: kernels, stock tfjs 4.22 vs mmf (median ms per call; one process, inputs shared)\n');
  console.log('| kernel | shape | backend | stock ms | mmf ms | speed-up |');
  console.log('|---|---|---|---:|---:|---:|');
  for (const c of cases) {
    for (const b of c.backends) {
      await tf.setBackend(b);
      const inputs = c.inputs();
      const st = stockKernel(c.kernel, b);
      const ours = () => tf.engine().runKernel(c.kernel, inputs, c.attrs as any);
      const stock = st ? () => {
        const out = st.kernelFunc({ inputs, backend: tf.backend(), attrs: c.attrs } as any);
        return (Array.isArray(out) ? out : [out]).map((i) => tf.engine().makeTensorFromTensorInfo(i));
      } : null;
      const tStock = stock ? time(stock, b === 'cpu' ? 20000 : 1500, b === 'cpu' ? 3 : 30) : null;
      const tOurs = time(ours);
      const fmt = (v: number | null) => (v == null ? 'missing' : v < 10 ? v.toFixed(2) : v.toFixed(0));
      console.log(`| ${c.kernel} | ${c.what} | ${b} | ${fmt(tStock)} | ${fmt(tOurs)} | ${tStock ? (tStock / tOurs).toFixed(1) + '×' : '—'} |`);
      tf.dispose(Object.values(inputs));
    }
  }
  await tf.setBackend('wasm');
}

// ---------------------------------------------------------------------------------------------------
async function main(): Promise<void> {
  if (args[0] === '--child') return child(args[1], Number(args[2]), Number(args[3]));
  if (args[0] === '--models-child') return modelsChild(args[1]);
  const cpuBatches = flag('--cpu-batches', 3);
  const epochs = flag('--epochs', 2);
  if (!fs.existsSync(path.join(REF_DIR, 'data', 'lab.i32'))) {
    const gen = path.resolve(ROOT, '../shared/bench/reference/gen_data.js');
    if (!fs.existsSync(gen)) throw new Error(`no reference data in ${REF_DIR}/data and no ${gen}`);
    execFileSync(process.execPath, [gen], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, REF_DIR } });
  }
  const configs: Array<[string, string, number, number]> = [
    ['wasm:mmf', 'wasm + mmf kernels', 32, epochs],
    ['wasm:readme', "wasm + README's 2 kernels", 32, epochs],
    ['cpu:mmf', 'cpu + mmf kernels', 8, 1],
    ['cpu:stock', 'cpu, stock tfjs', cpuBatches, 1],
    ['wasm:stock', 'wasm, stock tfjs', 2, 1],
  ];
  console.log(`# mmf kernels benchmark — ${new Date().toISOString()}, node ${process.version}, reference model of shared/bench/reference`);
  console.log('\n## Part 1: training the reference model (batch 64; samples/s over batches 2…n)\n');
  console.log('| configuration | batches | samples/s | predict b64 (ms) | note |');
  console.log('|---|---:|---:|---:|---|');
  const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
  for (const [cfg, label, batches, ep] of configs) {
    const r = spawnSync(tsx, [fileURLToPath(import.meta.url), '--child', cfg, String(batches), String(ep)], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, REF_DIR } });
    const line = (r.stdout || '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
    if (!line) {
      console.log(`| ${label} | — | — | — | child failed: ${(r.stderr || '').trim().split('\n').pop()} |`);
      continue;
    }
    const j = JSON.parse(line);
    const f = (v: number | null, d = 1) => (v == null ? '—' : v.toFixed(d));
    console.log(`| ${label} | ${j.batches} | ${f(j.sps)} | ${f(j.predictMs)} | ${j.error ? 'fails: ' + j.error : `backend ${j.backend}, ${j.total.toFixed(1)} s total`} |`);
  }
  if (!args.includes('--no-models')) {
    console.log("\n## Part 2: one model per layer kind, wasm, ms per training batch of 64 (mean of 3 after a warm-up batch)\n");
    const rows = new Map<string, Record<string, string>>();
    for (const cfg of ['wasm:readme', 'wasm:mmf']) {
      const r = spawnSync(tsx, [fileURLToPath(import.meta.url), '--models-child', cfg], { cwd: ROOT, encoding: 'utf8' });
      for (const line of (r.stdout || '').split('\n').filter((l) => l.startsWith('{'))) {
        const j = JSON.parse(line);
        const row = rows.get(j.name) ?? {};
        row[cfg] = j.error ? `fails: ${j.error}` : j.ms.toFixed(0);
        rows.set(j.name, row);
      }
    }
    console.log("| model | README's 2 kernels (ms) | all mmf kernels (ms) | speed-up |");
    console.log('|---|---:|---:|---:|');
    for (const [name, row] of rows) {
      const a = Number(row['wasm:readme']);
      const b = Number(row['wasm:mmf']);
      console.log(`| ${name} | ${row['wasm:readme'] ?? '—'} | ${row['wasm:mmf'] ?? '—'} | ${a > 0 && b > 0 ? (a / b).toFixed(1) + '×' : '—'} |`);
    }
  }
  if (!args.includes('--no-micro')) await micro();
}

await main();
