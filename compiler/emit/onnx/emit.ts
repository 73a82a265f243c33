/**
 * IR model + weights → ONNX ModelProto bytes.
 *
 * The graph: inputs named as in the `.mmf` file with a symbolic batch dimension (`dim_param: "batch"`), token
 * ids (IR int32) declared int64 and float features float32; one output named after the head's label,
 * float32 [batch, units], holding the head's probabilities; trained weights as initializers named
 * `<nodeId>/<weight name>`; nodes named `<nodeId>/<OnnxOp>`; each IR node's output tensor named by the node id.
 *
 * Source: ONNX IR spec (https://onnx.ai/onnx/repo-docs/IR.html), opset/IR-version table
 * (https://onnx.ai/onnx/repo-docs/Versioning.html).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { IRModel, IRNode, TensorType, WeightMap } from '../../ir.ts';
import { DataType, GraphBuilder, onnx, type VDim } from './graph.ts';
import { emitNode, type OnnxEmitContext } from './ops.ts';

export interface EmitOnnxOptions {
  /** ONNX opset of the default domain, ≥ 17 (default 17). */
  opset?: number;
  /** ModelProto doc_string. */
  docString?: string;
}

export const DEFAULT_OPSET = 17;

/** The lowest IR version that allows each opset (ONNX Versioning.md: 1.12 → IR 8 / opset 17, 1.13 → 9 / 18, …). */
export function irVersionForOpset(opset: number): number {
  if (opset <= 17) return 8;
  if (opset <= 19) return 9;
  if (opset <= 21) return 10;
  return 11;
}

const PRODUCER_VERSION: string = (() => {
  try {
    return (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
  } catch {
    return '';
  }
})();

const elemTypeOf = (t: TensorType) => (t.dtype === 'int32' ? DataType.INT64 : DataType.FLOAT);

/** IR dims → value_info dims: numbers stay, `batch` and other symbols become dim_params. */
const vdims = (t: TensorType): VDim[] => t.shape.map((d) => d);

/** True when every dimension after the batch is a number (only then do we declare an intermediate's shape). */
const fullyKnown = (t: TensorType): boolean => t.shape.slice(1).every((d) => typeof d === 'number');

/**
 * Check that `weights` holds every tensor `node.weights` lists, with the right number of values.
 * Throws an Error naming the node, the weight and both sizes.
 */
export function nodeWeights(node: IRNode, weights: WeightMap): Float32Array[] {
  if (node.weights.length === 0) return [];
  // A layer of a shared encoder definition reads the weights of the node it shares them with.
  const ws = weights.get(node.sharedWith ?? node.id);
  if (!ws) throw new Error(`ONNX export: no weights for node '${node.id}' (${node.op}), which needs ${node.weights.map((w) => `${w.name} [${w.shape.join(', ')}]`).join(', ')}`);
  if (ws.length !== node.weights.length)
    throw new Error(`ONNX export: node '${node.id}' (${node.op}) needs ${node.weights.length} weight tensors (${node.weights.map((w) => w.name).join(', ')}), got ${ws.length}`);
  node.weights.forEach((spec, i) => {
    const n = spec.shape.reduce((p, d) => p * d, 1);
    if (ws[i]!.length !== n)
      throw new Error(`ONNX export: weight '${node.id}/${spec.name}' should be [${spec.shape.join(', ')}] (${n} values), got ${ws[i]!.length} values`);
  });
  return ws;
}

/** A model-level reason emitOnnx refuses (`at`: the model declaration or its head; `head`: which, in multi-task). */
export interface OnnxModelProblem {
  at: 'model' | 'head';
  /** Index into `model.multitask.heads` (0 for a single-head model). */
  head?: number;
  reason: string;
  hint: string;
}

/** The heads of a model in output order: `multitask.heads`, or the one head. */
export function modelHeads(model: IRModel): IRModel['head'][] {
  return model.multitask?.heads ?? [model.head];
}

/**
 * The model-level conditions under which emitOnnx cannot emit `model` at `opset` (empty when it can): an opset
 * below 17, or a label whose name (the graph output's) is already an input's or another node's tensor name.
 * emitOnnx refuses with the first of these; compiler/capabilities.ts reports them all as MMF4003.
 */
export function onnxModelCannotEmit(model: IRModel, opset: number = DEFAULT_OPSET): OnnxModelProblem[] {
  const out: OnnxModelProblem[] = [];
  if (!Number.isInteger(opset) || opset < 17)
    out.push({ at: 'model', reason: `opset ${opset} is not supported (17 or later)`, hint: `Use opset ${DEFAULT_OPSET} or later.` });
  modelHeads(model).forEach((head, i) => {
    const label = head.label.name;
    if (model.inputs.some((x) => x.name === label))
      out.push({ at: 'head', head: i, reason: `the output would be named after the label '${label}', but an input has that name`, hint: 'Rename the label or the input.' });
    else if (model.nodes.some((n) => n.id === label && n.id !== head.output))
      out.push({
        at: 'head',
        head: i,
        reason: `the output would be named after the label '${label}', but a tensor of the graph has that name`,
        hint: 'Rename the label.',
      });
  });
  return out;
}

/**
 * Build the ONNX ModelProto of `model` with `weights` (tfjs layout, node id → tensors in WeightSpec order) and
 * return its serialised bytes. Opset 17 by default (IR version 8), producer "mmfc".
 * Throws an Error when a weight is missing or mis-sized, or when the opset is below 17.
 */
export function emitOnnx(model: IRModel, weights: WeightMap, opts: EmitOnnxOptions = {}): Uint8Array {
  const opset = opts.opset ?? DEFAULT_OPSET;
  const no = onnxModelCannotEmit(model, opset)[0];
  if (no) throw new Error(`ONNX export: ${no.reason}`);
  if (!Number.isInteger(opset) || opset < 17) throw new Error(`ONNX export: opset ${opset} is not supported (17 or later)`);
  const g = new GraphBuilder(opset);
  /** IR value id (input name or node id) → ONNX tensor name and IR type. */
  const tensors = new Map<string, { name: string; type: TensorType }>();

  for (const input of model.inputs) {
    g.addInput(input.name, elemTypeOf(input.out), vdims(input.out));
    tensors.set(input.name, { name: input.name, type: input.out });
  }
  const heads = modelHeads(model);
  for (const h of heads)
    if (tensors.has(h.label.name))
      throw new Error(`ONNX export: the output would be named after the label '${h.label.name}', but an input has that name`);

  const produced: string[] = [];
  for (const node of model.nodes) {
    const inputs = node.inputs.map((id) => {
      const t = tensors.get(id);
      if (!t) throw new Error(`ONNX export: node '${node.id}' reads '${id}', which is neither an input nor an earlier node`);
      return t;
    });
    const ctx: OnnxEmitContext = { g, inputTypes: inputs.map((t) => t.type), weights: nodeWeights(node, weights) };
    const before = g.nodes.length;
    // A shared layer's initializers are its owner's: `<owner>/kernel` is read again, not written twice.
    let out = node.sharedWith
      ? g.withSharedWeights(node.id, node.sharedWith, () => emitNode(ctx, node, inputs.map((t) => t.name)))
      : emitNode(ctx, node, inputs.map((t) => t.name));
    const fresh = g.nodes.slice(before).some((n) => n.output!.includes(out));
    if (fresh && !g.has(node.id)) {
      g.rename(out, node.id);
      out = node.id;
      produced.push(node.id);
    }
    tensors.set(node.id, { name: out, type: node.out });
  }

  // One output per head, named after its label (a multi-task model has several, in order).
  const outputNames = new Set<string>();
  for (const h of heads) {
    const label = h.label.name;
    const head = tensors.get(h.output);
    if (!head) throw new Error(`ONNX export: the head reads '${h.output}', which is not a node of the model`);
    if (g.isNodeOutput(head.name) && !model.inputs.some((i) => i.name === head.name)) {
      if (head.name !== label) {
        if (g.has(label)) throw new Error(`ONNX export: the output would be named after the label '${label}', but a tensor of the graph has that name`);
        g.rename(head.name, label);
        tensors.set(h.output, { ...head, name: label });
      }
    } else {
      g.reserve(label);
      g.nodes.push({ name: g.unique(`${h.output}/Identity`), opType: 'Identity', input: [head.name], output: [label] });
    }
    // [batch, units] for a real head; tests also point the head at inner nodes of any rank.
    g.addOutput(label, elemTypeOf(head.type), vdims(head.type));
    outputNames.add(head.name).add(label);
  }
  for (const id of produced) {
    const t = tensors.get(id)!;
    if (!outputNames.has(id) && !outputNames.has(t.name) && fullyKnown(t.type)) g.addValueInfo(t.name, elemTypeOf(t.type), vdims(t.type));
  }

  const proto = onnx.ModelProto.create({
    irVersion: irVersionForOpset(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'mmfc',
    producerVersion: PRODUCER_VERSION,
    docString: opts.docString ?? '',
    graph: g.build(model.name),
    metadataProps: [
      { key: 'mmf.model', value: model.name },
      { key: 'mmf.head', value: JSON.stringify({ label: model.head.label, units: model.head.units, activation: model.head.activation }) },
      ...(model.multitask
        ? [
            {
              key: 'mmf.heads',
              value: JSON.stringify(model.multitask.heads.map((h) => ({ label: h.label, units: h.units, activation: h.activation, loss: h.loss, weight: h.weight ?? 1 }))),
            },
          ]
        : []),
    ],
  });
  return onnx.ModelProto.encode(proto).finish();
}

/**
 * Write `bytes` to `file` atomically: a temporary file in the same directory, then rename, so a reader never
 * sees half a model. Creates the directory if needed.
 */
export function writeOnnx(file: string, bytes: Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
