/**
 * Backend selection for the mmf runtime.
 *
 * One tfjs namespace for the whole runtime: this module imports `@tensorflow/tfjs` exactly once and
 * every other runtime file gets the namespace through {@link tf} (or imports `@tensorflow/tfjs`
 * itself, which Node resolves to the very same CommonJS module instance, `dist/tf.node.js`).
 *
 * Order of preference (DESIGN.md, "Backends"):
 *   1. `@tensorflow/tfjs-node` (backend name `tensorflow`), an optional dependency that links libtensorflow.
 *      tfjs-node 4.22.0 depends on `@tensorflow/tfjs` "4.22.0" exactly and `require`s it; with our
 *      `@tensorflow/tfjs` at that same version npm installs one hoisted copy, so tfjs-node registers its
 *      backend and `file://` IO handlers on the very module instance imported here (Node resolves both
 *      the CommonJS `require` and our ESM import to `@tensorflow/tfjs/dist/tf.node.js`). Keep the two
 *      versions equal when adding tfjs-node: otherwise npm nests a second tfjs under tfjs-node. Even then
 *      tfjs-core keeps its engine and kernel registry on process-wide globals (`_tfengine`,
 *      `kernelRegistry`), so the backend would still be found, but Tensor classes would differ.
 *   2. `@tensorflow/tfjs` on the WebAssembly backend (`@tensorflow/tfjs-backend-wasm`, XNNPACK, SIMD,
 *      one thread under Node), with the fast training kernels of `runtime/kernels/` registered.
 *   3. The pure-JS cpu backend (slow; its slowest gradient kernels are replaced by ours as well).
 *
 * The environment variable `MMF_BACKEND=node|wasm|cpu` forces one backend and fails loudly if it cannot
 * be started; `opts.prefer` only moves the starting point of the order above.
 */
import * as tfjs from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { registerMmfKernels } from './kernels/index.ts';

/** The tfjs namespace type used throughout the runtime. */
export type Tf = typeof tfjs;
/** Backend names as tfjs reports them (`tf.getBackend()`). */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface InitBackendOptions {
  /** Where to start in the order node → wasm → cpu. Ignored when `MMF_BACKEND` is set. */
  prefer?: 'node' | 'wasm' | 'cpu';
  /** Do not print the "mmf: backend ..." line. */
  quiet?: boolean;
}

export interface BackendInfo {
  tf: Tf;
  backend: BackendName;
}

let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

const requireHere = createRequire(import.meta.url);

/** Directory (with trailing slash) holding the installed wasm binaries, whatever the cwd is. */
export function wasmDistDir(): string {
  const main = requireHere.resolve('@tensorflow/tfjs-backend-wasm'); // .../dist/tf-backend-wasm.node.js
  return path.dirname(main) + path.sep;
}

async function tryNode(): Promise<boolean> {
  // A variable specifier keeps TypeScript and bundlers from resolving the optional package.
  const spec = '@tensorflow/tfjs-node';
  await import(spec);
  // Importing tfjs-node registers the 'tensorflow' backend with priority 3 on the shared engine.
  const ok = await tfjs.setBackend('tensorflow');
  if (!ok) throw new Error('tfjs-node loaded but the tensorflow backend failed to initialise');
  return true;
}

async function tryWasm(): Promise<boolean> {
  const wasm = requireHere('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(wasmDistDir());
  const ok = await tfjs.setBackend('wasm');
  if (!ok) throw new Error('the wasm backend failed to initialise');
  return true;
}

async function tryCpu(): Promise<boolean> {
  const ok = await tfjs.setBackend('cpu');
  if (!ok) throw new Error('the cpu backend failed to initialise');
  return true;
}

const ORDER: Array<['node' | 'wasm' | 'cpu', BackendName, () => Promise<boolean>]> = [
  ['node', 'tensorflow', tryNode],
  ['wasm', 'wasm', tryWasm],
  ['cpu', 'cpu', tryCpu],
];

async function doInit(opts: InitBackendOptions): Promise<BackendInfo> {
  // The wasm package registers its kernels when first loaded: load it before ours go in, so that ours
  // are the ones left in the registry. Kernels are registered before any backend is initialised.
  try {
    requireHere('@tensorflow/tfjs-backend-wasm');
  } catch {
    /* not installed: wasm is simply unavailable */
  }
  registerMmfKernels(tfjs);
  const forced = process.env.MMF_BACKEND?.trim().toLowerCase();
  const failures: string[] = [];
  let chosen: BackendName | null = null;
  if (forced) {
    const entry = ORDER.find(([k, name]) => k === forced || name === forced);
    if (!entry) throw new Error(`MMF_BACKEND=${forced}: expected one of node, wasm, cpu`);
    try {
      await entry[2]();
      chosen = entry[1];
    } catch (e) {
      throw new Error(`MMF_BACKEND=${forced}: backend could not be started: ${(e as Error).message}`);
    }
  } else {
    const start = Math.max(0, ORDER.findIndex(([k]) => k === (opts.prefer ?? 'node')));
    for (const [key, name, attempt] of ORDER.slice(start)) {
      try {
        await attempt();
        chosen = name;
        break;
      } catch (e) {
        failures.push(`${key}: ${((e as Error).message ?? String(e)).split('\n')[0]}`);
      }
    }
    if (!chosen) throw new Error(`no tfjs backend could be started (${failures.join('; ')})`);
  }
  await tfjs.ready();
  // tfjs-backend-cpu prints a "Hi, looks like you are running TensorFlow.js in Node.js…" banner the first
  // time it stores a tensor; the line below already says which backend runs.
  try {
    const cpu = tfjs.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
    if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
  } catch {
    /* no cpu backend */
  }
  const info: BackendInfo = { tf: tfjs, backend: chosen };
  if (!opts.quiet) {
    const why = failures.length && !forced ? ` (${failures.map((f) => f.split(':')[0] + ' unavailable').join(', ')})` : '';
    const how = forced ? ' (MMF_BACKEND)' : '';
    console.log(`mmf: tfjs ${tfjs.version.tfjs} on backend '${chosen}'${how}${why}`);
  }
  return info;
}

/**
 * Start the best available tfjs backend (tfjs-node → wasm → cpu) and register mmf's fast kernels.
 * Idempotent: later calls return the first result (concurrent calls share one initialisation).
 * `MMF_BACKEND=node|wasm|cpu` forces a backend and throws if it cannot start.
 * Prints one line naming the backend unless `opts.quiet`.
 */
export function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  if (current) return Promise.resolve(current);
  if (!pending) {
    pending = doInit(opts).then(
      (info) => {
        current = info;
        return info;
      },
      (err) => {
        pending = null;
        throw err;
      },
    );
  }
  return pending;
}

/**
 * The tfjs namespace shared by the whole runtime. Usable before {@link initBackend} (e.g. to build
 * layers), but ops then run on whatever backend tfjs picked by default.
 */
export function tf(): Tf {
  return tfjs;
}

/** The backend chosen by {@link initBackend}, or null before it has finished. */
export function currentBackend(): BackendName | null {
  return current?.backend ?? null;
}
