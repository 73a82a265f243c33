/**
 * One ONNX graph for a trained ensemble: every unit's graph (emitOnnx, with its trained weights) merged under a
 * prefix, and the combiner as ONNX nodes (the arithmetic of runtime/ensemble/combine.ts).
 *
 * - Graph inputs are shared by name (members read the same preprocessed features); stacking passthrough inputs
 *   that no member reads are added as float32 [batch, width] inputs.
 * - Every other tensor, node and initializer of unit `u` is renamed `<u.id>/<name>`.
 * - Each unit's head becomes [batch, K] probabilities in the ensemble's class order: a sigmoid head's p becomes
 *   Concat(1 − p, p); columns are permuted by class name with Gather.
 * - Combiner: soft voting / bagging Σ_k (w_k/Σw)·P_k; hard voting Σ_k (w_k/Σw)·OneHot(ArgMax P_k); boosting the
 *   same with α, then Softmax(votes/(K − 1)); stacking the meta-learner's MatMul/Add/Relu layers on
 *   Concat(P_k (column 1 only for two classes) …, passthrough …), ending in Sigmoid → Concat(1 − p, p) or Softmax.
 * - Outputs: `probabilities` float32 [batch, K] (first) and `class` int64 [batch] (ArgMax, the first maximum).
 *
 * Sources: ONNX operator specs (https://onnx.ai/onnx/operators/): ArgMax (select_last_index 0 keeps the first
 * maximum, as numpy), OneHot, Gather, Concat, Slice, Softmax (opset 13: along one axis).
 */
import type { onnx as OnnxNs } from 'onnx-proto';
import type { IRModel, WeightMap } from '../../ir.ts';
import { emitOnnx, irVersionForOpset, DEFAULT_OPSET } from './emit.ts';
import { DataType, GraphBuilder, onnx } from './graph.ts';

/** What the combiner needs: the shape of runtime/ensemble/combine.ts EnsembleDescription (the compiler cannot import the runtime). */
export interface OnnxEnsembleDescription {
  name: string;
  kind: 'voting' | 'bagging' | 'boosting' | 'stacking';
  classes: string[];
  units: { id: string; model: string; classes: string[]; units: number; alpha?: number }[];
  voting?: { mode: 'hard' | 'soft'; weights?: number[] };
  meta?: { kind: 'logistic' | 'mlp'; layers: { inputs: number; outputs: number; W: number[]; b: number[] }[]; numClasses: number };
  passthrough?: { name: string; width: number }[];
}

/**
 * Build the ensemble's ModelProto bytes. `units[i]` is the IR model and trained weights of `desc.units[i]`.
 * @throws Error when a unit's graph cannot be emitted, two units declare one input differently, or the
 *   description is inconsistent (names the unit)
 */
export function emitEnsembleOnnx(desc: OnnxEnsembleDescription, units: { model: IRModel; weights: WeightMap }[], opts: { docString?: string } = {}): Uint8Array {
  if (units.length !== desc.units.length) throw new Error(`ONNX export of ${desc.name}: ${units.length} models for ${desc.units.length} units`);
  const K = desc.classes.length;
  const g = new GraphBuilder(DEFAULT_OPSET);
  const inputTypes = new Map<string, string>();
  const probs: string[] = [];

  desc.units.forEach((u, k) => {
    const proto = onnx.ModelProto.decode(emitOnnx(units[k].model, units[k].weights));
    const graph = proto.graph!;
    const shared = new Set<string>();
    for (const inp of graph.input ?? []) {
      const key = JSON.stringify(inp.type);
      const prev = inputTypes.get(inp.name!);
      if (prev === undefined) {
        g.addInput(inp.name!, inp.type!.tensorType!.elemType as number, (inp.type!.tensorType!.shape!.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue))));
        inputTypes.set(inp.name!, key);
      } else if (prev !== key) throw new Error(`ONNX export of ${desc.name}: unit ${u.id} declares input ${inp.name} with another type or shape`);
      shared.add(inp.name!);
    }
    const prefix = `${u.id}/`;
    const rn = (name: string) => (name === '' || shared.has(name) ? name : prefix + name);
    for (const init of graph.initializer ?? []) {
      g.reserve(rn(init.name!));
      g.initializers.push({ ...init, name: rn(init.name!) });
    }
    for (const n of graph.node ?? []) {
      for (const o of n.output ?? []) g.reserve(rn(o));
      g.nodes.push({ ...n, name: rn(n.name ?? ''), input: (n.input ?? []).map(rn), output: (n.output ?? []).map(rn) });
    }
    const out = rn(graph.output![0]!.name!);
    probs.push(alignedProbabilities(g, u, out, desc.classes));
  });

  let final: string;
  const scope = `${desc.name}/combine`;
  const scaled = (xs: string[], ws: number[], what: string) => {
    const total = ws.reduce((a, b) => a + b, 0);
    const terms = xs.map((x, k) => g.op(scope, 'Mul', [x, g.constFloat(scope, `${what}_${k}`, [ws[k]! / total])]));
    return terms.length === 1 ? terms[0]! : g.op(scope, 'Sum', terms);
  };
  const votes = (ws: number[]) =>
    scaled(
      probs.map((p) => {
        const idx = g.op(scope, 'ArgMax', [p], { axis: 1, keepdims: 0, select_last_index: 0 });
        return g.op(scope, 'OneHot', [idx, g.constInt64(scope, 'depth', [K], []), g.constFloat(scope, 'off_on', [0, 1])], { axis: -1 });
      }),
      ws,
      'vote_weight',
    );
  switch (desc.kind) {
    case 'voting': {
      const w = desc.voting?.weights ?? desc.units.map(() => 1);
      final = desc.voting?.mode === 'soft' ? scaled(probs, w, 'weight') : votes(w);
      break;
    }
    case 'bagging':
      final = scaled(probs, desc.units.map(() => 1), 'weight');
      break;
    case 'boosting': {
      const v = votes(desc.units.map((u) => u.alpha ?? 1));
      final = g.op(scope, 'Softmax', [g.op(scope, 'Mul', [v, g.constFloat(scope, 'inv_k_minus_1', [1 / (K - 1)])])], { axis: 1 });
      break;
    }
    case 'stacking': {
      if (!desc.meta) throw new Error(`ONNX export of ${desc.name}: stacking without a meta-learner`);
      const parts = probs.map((p) =>
        K === 2 ? g.op(scope, 'Slice', [p, g.constInt64(scope, 'col1_start', [1]), g.constInt64(scope, 'col1_end', [2]), g.constInt64(scope, 'axis1', [1])]) : p,
      );
      for (const pt of desc.passthrough ?? []) {
        if (!inputTypes.has(pt.name)) {
          g.addInput(pt.name, DataType.FLOAT, ['batch', pt.width]);
          inputTypes.set(pt.name, 'float');
        }
        parts.push(pt.name);
      }
      let x = parts.length === 1 ? parts[0]! : g.op(scope, 'Concat', parts, { axis: 1 });
      desc.meta.layers.forEach((L, l) => {
        const W = g.addFloat(`${scope}/meta_${l}/W`, [L.inputs, L.outputs], Float32Array.from(L.W));
        const b = g.addFloat(`${scope}/meta_${l}/b`, [L.outputs], Float32Array.from(L.b));
        x = g.op(`${scope}/meta_${l}`, 'Add', [g.op(`${scope}/meta_${l}`, 'MatMul', [x, W]), b]);
        if (l < desc.meta!.layers.length - 1) x = g.op(`${scope}/meta_${l}`, 'Relu', [x]);
      });
      if (K === 2) {
        const p = g.op(scope, 'Sigmoid', [x]);
        final = g.op(scope, 'Concat', [g.op(scope, 'Sub', [g.constFloat(scope, 'one', [1]), p]), p], { axis: 1 });
      } else final = g.op(scope, 'Softmax', [x], { axis: 1 });
      break;
    }
  }
  g.rename(final, 'probabilities');
  g.nodes.push({ name: g.unique(`${scope}/ArgMax_class`), opType: 'ArgMax', input: ['probabilities'], output: ['class'], attribute: [
    { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
    { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 },
  ] });
  g.reserve('class');
  g.addOutput('probabilities', DataType.FLOAT, ['batch', K]);
  g.addOutput('class', DataType.INT64, ['batch']);
  const proto = onnx.ModelProto.create({
    irVersion: irVersionForOpset(DEFAULT_OPSET),
    opsetImport: [{ domain: '', version: DEFAULT_OPSET }],
    producerName: 'mmfc',
    docString: opts.docString ?? '',
    graph: g.build(desc.name),
    metadataProps: [
      { key: 'mmf.ensemble', value: desc.name },
      { key: 'mmf.ensemble.kind', value: desc.kind },
      { key: 'mmf.classes', value: JSON.stringify(desc.classes) },
      { key: 'mmf.units', value: JSON.stringify(desc.units.map((u) => ({ id: u.id, model: u.model, ...(u.alpha !== undefined ? { alpha: u.alpha } : {}) }))) },
    ],
  });
  return onnx.ModelProto.encode(proto as OnnxNs.ModelProto).finish();
}

/** A unit's head output → [batch, K] probabilities in the ensemble's class order. */
function alignedProbabilities(g: GraphBuilder, u: OnnxEnsembleDescription['units'][number], out: string, classes: string[]): string {
  const scope = `${u.id}/align`;
  let p = out;
  if (u.units === 1) p = g.op(scope, 'Concat', [g.op(scope, 'Sub', [g.constFloat(scope, 'one', [1]), out]), out], { axis: 1 });
  const perm = classes.map((c) => {
    const j = u.classes.indexOf(c);
    if (j < 0) throw new Error(`ONNX export: unit ${u.id} has no class ${c} (its classes: ${u.classes.join(', ')})`);
    return j;
  });
  if (perm.some((j, i) => j !== i)) p = g.op(scope, 'Gather', [p, g.constInt64(scope, 'class_order', perm)], { axis: 1 });
  return p;
}
