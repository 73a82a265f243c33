/**
 * Stacking (Wolpert, "Stacked generalization", Neural Networks 5, 1992) as scikit-learn's `StackingClassifier`
 * (sklearn/ensemble/_stacking.py): the meta-learner's features are the members' out-of-fold class
 * probabilities (`stack_method='predict_proba'`), with the first column of each member dropped when there are
 * two classes (sklearn `_concatenate_predictions`: the two columns are collinear), followed by the raw
 * passthrough features when `passthrough=True`.
 *
 * The meta-learners are small dense networks trained here on host arrays (they see a few numbers per row):
 * - `logistic`: scikit-learn's `LogisticRegression()` objective, C·Σ_i CE_i + ½‖W‖² (L2, C = 1, intercept not
 *   penalised), divided by C·n: one sigmoid output for two classes, a softmax (multinomial) otherwise. Minimised
 *   by full-batch Adam until the largest gradient entry is below 1e-6 or 5,000 steps (sklearn uses L-BFGS with
 *   tol 1e-4; both reach the same convex optimum).
 * - `mlp`: scikit-learn's `MLPClassifier` model: ReLU hidden layers, a sigmoid (two classes) or softmax output,
 *   loss mean CE + α/(2n)·‖W‖² with α = 1e-4, Adam (lr 1e-3, β 0.9/0.999, ε 1e-8), mini-batches of min(200, n),
 *   Glorot-uniform initial weights (sklearn's `_init_coef`, bound √(6/(fan_in+fan_out)), ×√2 for sigmoid layers
 *   omitted), 200 epochs, seeded shuffling.
 */
import { mulberry32, permutation } from '../data/split.ts';

/** One dense layer: y = x·W + b, W row-major [inputs, outputs]. */
export interface DenseLayer {
  inputs: number;
  outputs: number;
  W: number[];
  b: number[];
}

/** A trained meta-learner, JSON-serialisable (stored in the ensemble's `ensemble.json`). */
export interface MetaModel {
  kind: 'logistic' | 'mlp';
  /** Hidden layers use ReLU; the last layer has one sigmoid unit (2 classes) or K softmax units. */
  layers: DenseLayer[];
  numClasses: number;
}

/**
 * The meta-learner's feature matrix [n, F], row-major: per member its K probability columns (only column 1 when
 * K = 2), members in order, then the passthrough features.
 * @param memberProbs per member [n, K] aligned to the ensemble's classes
 * @param passthrough [n, d] raw features, or undefined
 * @returns the matrix and its width F
 */
export function stackFeatures(memberProbs: ArrayLike<number>[], numClasses: number, passthrough?: { values: ArrayLike<number>; width: number }): { x: Float64Array; width: number } {
  const K = numClasses;
  const n = memberProbs[0].length / K;
  const per = K === 2 ? 1 : K;
  const d = passthrough?.width ?? 0;
  const width = memberProbs.length * per + d;
  const x = new Float64Array(n * width);
  for (let i = 0; i < n; i++) {
    let col = 0;
    for (const p of memberProbs) {
      if (p.length !== n * K) throw new Error(`stackFeatures: a member gives ${p.length} values for ${n} rows × ${K} classes`);
      for (let c = K - per; c < K; c++) x[i * width + col++] = p[i * K + c];
    }
    for (let j = 0; j < d; j++) x[i * width + col++] = passthrough!.values[i * d + j];
  }
  return { x, width };
}

/** Options of {@link fitMeta}. */
export interface MetaOptions {
  kind: 'logistic' | 'mlp';
  /** Hidden layer widths for `mlp` (e.g. [16]); ignored for `logistic`. */
  hidden?: number[];
  seed?: number;
}

/**
 * Train a meta-learner on features `x` [n, F] and class indices `y` (0..K−1).
 * @throws Error for empty data, a label out of range or non-finite features
 */
export function fitMeta(x: ArrayLike<number>, width: number, y: ArrayLike<number>, numClasses: number, opts: MetaOptions): MetaModel {
  const n = y.length;
  if (n === 0) throw new Error('the meta-learner has no training rows');
  if (x.length !== n * width) throw new Error(`fitMeta: ${x.length} features for ${n} rows × ${width}`);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) throw new Error(`fitMeta: feature ${i % width} of row ${Math.floor(i / width)} is ${x[i]}`);
  for (let i = 0; i < n; i++) if (!(y[i] >= 0 && y[i] < numClasses)) throw new Error(`fitMeta: label ${y[i]} out of range 0..${numClasses - 1}`);
  const outUnits = numClasses === 2 ? 1 : numClasses;
  const widths = [width, ...(opts.kind === 'mlp' ? (opts.hidden ?? [16]) : []), outUnits];
  const rand = mulberry32(opts.seed ?? 0);
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const fi = widths[l];
    const fo = widths[l + 1];
    const bound = Math.sqrt(6 / (fi + fo));
    layers.push({
      inputs: fi,
      outputs: fo,
      W: Array.from({ length: fi * fo }, () => (opts.kind === 'logistic' ? 0 : (2 * rand() - 1) * bound)),
      b: Array.from({ length: fo }, () => (opts.kind === 'logistic' ? 0 : (2 * rand() - 1) * bound)),
    });
  }
  const model: MetaModel = { kind: opts.kind, layers, numClasses };
  const xs = Float64Array.from(x as ArrayLike<number>);
  const ys = Int32Array.from(y as ArrayLike<number>);
  if (opts.kind === 'logistic') {
    // C = 1: the L2 term of sklearn's objective divided by C·n
    adam(model, xs, ys, { lr: 0.05, l2: 1 / n, steps: 5000, batch: n, tol: 1e-6, seed: opts.seed ?? 0 });
  } else {
    const batch = Math.min(200, n);
    adam(model, xs, ys, { lr: 1e-3, l2: 1e-4 / n, steps: 200 * Math.ceil(n / batch), batch, tol: 0, seed: opts.seed ?? 0 });
  }
  return model;
}

/** Class probabilities [n, K] of a meta-learner for features [n, F]. */
export function predictMeta(model: MetaModel, x: ArrayLike<number>): Float64Array {
  const n = x.length / model.layers[0].inputs;
  const acts = forward(model, x, n);
  return outputProbabilities(acts[acts.length - 1], n, model.numClasses);
}

function outputProbabilities(z: Float64Array, n: number, K: number): Float64Array {
  const out = new Float64Array(n * K);
  if (K === 2) {
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-z[i]));
      out[2 * i] = 1 - p;
      out[2 * i + 1] = p;
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < K; c++) max = Math.max(max, z[i * K + c]);
    let s = 0;
    for (let c = 0; c < K; c++) s += out[i * K + c] = Math.exp(z[i * K + c] - max);
    for (let c = 0; c < K; c++) out[i * K + c] /= s;
  }
  return out;
}

/** Activations of every layer for rows x [n, F]: [x, h1, …, logits]; hidden layers after ReLU. */
function forward(model: MetaModel, x: ArrayLike<number>, n: number): Float64Array[] {
  const acts: Float64Array[] = [Float64Array.from(x as ArrayLike<number>)];
  model.layers.forEach((L, l) => {
    const a = acts[acts.length - 1];
    const z = new Float64Array(n * L.outputs);
    for (let i = 0; i < n; i++)
      for (let o = 0; o < L.outputs; o++) {
        let s = L.b[o];
        for (let k = 0; k < L.inputs; k++) s += a[i * L.inputs + k] * L.W[k * L.outputs + o];
        z[i * L.outputs + o] = l < model.layers.length - 1 ? Math.max(0, s) : s;
      }
    acts.push(z);
  });
  return acts;
}

/** Adam on mean CE + l2/2·‖W‖² (biases not penalised), mini-batches shuffled per epoch. */
function adam(model: MetaModel, x: Float64Array, y: Int32Array, o: { lr: number; l2: number; steps: number; batch: number; tol: number; seed: number }): void {
  const n = y.length;
  const F = model.layers[0].inputs;
  const K = model.numClasses;
  const params = model.layers.flatMap((L) => [L.W, L.b]);
  const m = params.map((p) => new Float64Array(p.length));
  const v = params.map((p) => new Float64Array(p.length));
  const b1 = 0.9;
  const b2 = 0.999;
  let order: Int32Array = Int32Array.from({ length: n }, (_, i) => i);
  let pos = n;
  let epoch = 0;
  for (let t = 1; t <= o.steps; t++) {
    if (pos >= n) {
      order = o.batch >= n ? order : permutation(n, o.seed + epoch++);
      pos = 0;
    }
    const idx = order.subarray(pos, Math.min(n, pos + o.batch));
    pos += o.batch;
    const bs = idx.length;
    const xb = new Float64Array(bs * F);
    for (let i = 0; i < bs; i++) for (let k = 0; k < F; k++) xb[i * F + k] = x[idx[i] * F + k];
    const acts = forward(model, xb, bs);
    const probs = outputProbabilities(acts[acts.length - 1], bs, K);
    // dL/dlogits for mean CE: (p − onehot)/bs; the sigmoid head's single logit gets p1 − y
    const outUnits = model.layers[model.layers.length - 1].outputs;
    let delta = new Float64Array(bs * outUnits);
    for (let i = 0; i < bs; i++) {
      const yi = y[idx[i]];
      if (K === 2) delta[i] = (probs[2 * i + 1] - (yi === 1 ? 1 : 0)) / bs;
      else for (let c = 0; c < K; c++) delta[i * K + c] = (probs[i * K + c] - (c === yi ? 1 : 0)) / bs;
    }
    const grads: Float64Array[] = new Array(params.length);
    for (let l = model.layers.length - 1; l >= 0; l--) {
      const L = model.layers[l];
      const a = acts[l];
      const gW = new Float64Array(L.W.length);
      const gb = new Float64Array(L.outputs);
      for (let i = 0; i < bs; i++)
        for (let q = 0; q < L.outputs; q++) {
          const d = delta[i * L.outputs + q];
          if (d === 0) continue;
          gb[q] += d;
          for (let k = 0; k < L.inputs; k++) gW[k * L.outputs + q] += a[i * L.inputs + k] * d;
        }
      for (let k = 0; k < gW.length; k++) gW[k] += o.l2 * L.W[k];
      grads[2 * l] = gW;
      grads[2 * l + 1] = gb;
      if (l > 0) {
        const prev = new Float64Array(bs * L.inputs);
        for (let i = 0; i < bs; i++)
          for (let k = 0; k < L.inputs; k++) {
            if (a[i * L.inputs + k] <= 0) continue; // ReLU'
            let s = 0;
            for (let q = 0; q < L.outputs; q++) s += delta[i * L.outputs + q] * L.W[k * L.outputs + q];
            prev[i * L.inputs + k] = s;
          }
        delta = prev;
      }
    }
    let gmax = 0;
    for (let p = 0; p < params.length; p++) {
      const g = grads[p];
      const P = params[p];
      for (let k = 0; k < P.length; k++) {
        gmax = Math.max(gmax, Math.abs(g[k]));
        m[p][k] = b1 * m[p][k] + (1 - b1) * g[k];
        v[p][k] = b2 * v[p][k] + (1 - b2) * g[k] * g[k];
        const mh = m[p][k] / (1 - Math.pow(b1, t));
        const vh = v[p][k] / (1 - Math.pow(b2, t));
        P[k] -= (o.lr * mh) / (Math.sqrt(vh) + 1e-8);
      }
    }
    if (o.tol > 0 && gmax < o.tol) break;
  }
}
