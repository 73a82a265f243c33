/**
 * Weights for the ONNX emitter, in tfjs layout (node id → tensors in WeightSpec order):
 * deterministic random weights for untrained graphs and parity tests, and the weights of a saved tfjs model.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { IRModel, WeightMap, WeightSpec } from '../../ir.ts';

/** FNV-1a, 32 bits. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform(−limit, limit) values from `rand`. */
function uniform(n: number, limit: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rand() - 1) * limit;
  return out;
}

/**
 * The half-width of the uniform range for one weight: glorot-uniform √(6 / (fanIn + fanOut)) for kernels
 * (rank 2: [in, out]; rank 3 conv kernels [k, C, F]: fanIn = k·C, fanOut = k·F), ±0.5 for embedding tables
 * (glorot over a large vocabulary would make every vector nearly zero), ±1 for the weighted-sum logits and
 * ±0.1 for biases.
 */
function limitFor(op: string, spec: WeightSpec): number {
  const s = spec.shape;
  if (op === 'embedding') return 0.5;
  if (op === 'weighted_sum') return 1;
  if (s.length === 1) return 0.1;
  const receptive = s.slice(0, -2).reduce((p, d) => p * d, 1);
  const fanIn = s[s.length - 2]! * receptive;
  const fanOut = s[s.length - 1]! * receptive;
  return Math.sqrt(6 / (fanIn + fanOut));
}

/**
 * Deterministic random weights for every node of `model`, in tfjs layout and WeightSpec order.
 * Each tensor has its own PRNG stream seeded from (`seed`, node id, weight name), so adding a node does not
 * change the weights of the others. Kernels are glorot-uniform-like and biases small but non-zero, so an
 * untrained graph still exercises every term of every op.
 */
export function randomWeights(model: IRModel, seed: number): WeightMap {
  const map: WeightMap = new Map();
  for (const node of model.nodes) {
    if (node.weights.length === 0 || node.sharedWith) continue; // a shared layer reads its owner's weights
    map.set(
      node.id,
      node.weights.map((spec) => {
        const rand = mulberry32(hash32(`${seed}\u0000${node.id}\u0000${spec.name}`));
        const n = spec.shape.reduce((p, d) => p * d, 1);
        const values = uniform(n, limitFor(node.op, spec), rand);
        // Normalisation scales and variances near 1, in (0.5, 1.5): a variance must be positive.
        if ((node.op === 'batch_norm' || node.op === 'layer_norm') && (spec.name === 'gamma' || spec.name === 'moving_variance'))
          for (let i = 0; i < n; i++) values[i] = 1 + 5 * values[i]!;
        return values;
      }),
    );
  }
  return map;
}

/** One entry of a tfjs weightsManifest group (tfjs-core io/types.ts WeightsManifestEntry). */
interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

interface ModelJson {
  weightsManifest?: Array<{ paths: string[]; weights: ManifestEntry[] }>;
}

/**
 * Read the weights of a tfjs model saved in `dir` (model.json with a `weightsManifest`, and its .bin shards) and
 * map them to the nodes of `model`: node `id`'s weight `name` is the manifest entry `<id>/<name>`, or else the
 * only entry that starts with `<id>/` and ends with `/<name>` (tfjs may scope cell weights, e.g.
 * `<id>/lstm_cell/kernel`). Returns tensors in WeightSpec order (tfjs layout, ready for `emitOnnx`).
 *
 * Each group's shards are concatenated and its entries read in order (tfjs-core io/weights_loader.ts).
 * float32 and int32 entries are read; quantised entries are rejected.
 * Throws an Error naming the node, the weight and both shapes when a weight is missing or mis-shaped.
 */
export function readTfjsWeights(dir: string, model: IRModel): WeightMap {
  const jsonPath = path.join(dir, 'model.json');
  let json: ModelJson;
  try {
    json = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as ModelJson;
  } catch (e) {
    throw new Error(`cannot read tfjs model ${jsonPath}: ${(e as Error).message}`);
  }
  if (!Array.isArray(json.weightsManifest)) throw new Error(`${jsonPath} has no weightsManifest`);

  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of json.weightsManifest) {
    const buffers = group.paths.map((p) => fs.readFileSync(path.join(dir, p)));
    const all = Buffer.concat(buffers);
    let offset = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((p, d) => p * d, 1);
      if (w.quantization) throw new Error(`tfjs weight '${w.name}' is quantised; mmf reads float32 weights only`);
      if (w.dtype !== 'float32' && w.dtype !== 'int32') throw new Error(`tfjs weight '${w.name}' has dtype ${w.dtype}; expected float32`);
      if (offset + 4 * n > all.length)
        throw new Error(`tfjs weight '${w.name}' [${w.shape.join(', ')}] runs past the end of its weight files (${group.paths.join(', ')})`);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = w.dtype === 'float32' ? all.readFloatLE(offset + 4 * i) : all.readInt32LE(offset + 4 * i);
      offset += 4 * n;
      tensors.set(w.name, { shape: w.shape, data });
    }
  }

  const map: WeightMap = new Map();
  for (const node of model.nodes) {
    if (node.weights.length === 0 || node.sharedWith) continue; // a shared layer reads its owner's weights
    const prefix = `${node.id}/`;
    const own = [...tensors.keys()].filter((k) => k.startsWith(prefix));
    map.set(
      node.id,
      node.weights.map((spec) => {
        const want = `[${spec.shape.join(', ')}]`;
        let key = tensors.has(prefix + spec.name) ? prefix + spec.name : undefined;
        if (!key) {
          const cands = own.filter((k) => k.endsWith(`/${spec.name}`));
          if (cands.length > 1)
            throw new Error(`node '${node.id}': weight '${spec.name}' ${want} is ambiguous in ${jsonPath}: ${cands.join(', ')}`);
          key = cands[0];
        }
        if (!key)
          throw new Error(
            `node '${node.id}': weight '${spec.name}' ${want} is missing from ${jsonPath}` +
              (own.length ? ` (it has ${own.map((k) => `${k} [${tensors.get(k)!.shape.join(', ')}]`).join(', ')})` : ` (it has no weights named '${prefix}…')`),
          );
        const t = tensors.get(key)!;
        if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i]))
          throw new Error(`node '${node.id}': weight '${spec.name}' should be ${want} but ${key} in ${jsonPath} is [${t.shape.join(', ')}]`);
        return t.data;
      }),
    );
  }
  return map;
}
