/**
 * A small builder for ONNX graphs on top of the `onnx-proto` protobuf classes (onnx.proto of ONNX 1.10; every
 * field we write exists unchanged in later IR versions).
 *
 * It names things readably and uniquely — nodes `<nodeId>/<OnnxOp>`, initializers `<nodeId>/<weight name>`,
 * intermediate tensors `<nodeId>/<OnnxOp>_output` — and hides the few operator differences between opsets that
 * matter to us (ReduceMax/ReduceMean take `axes` as an attribute up to opset 17 and as an input from opset 18).
 *
 * Source: https://onnx.ai/onnx/repo-docs/IR.html and https://onnx.ai/onnx/operators/ (per-operator version history).
 */
import { createRequire } from 'node:module';
import type { onnx as OnnxNs } from 'onnx-proto';

/** The `onnx` protobuf namespace of the `onnx-proto` package (a CommonJS module). */
export const onnx: typeof OnnxNs = (createRequire(import.meta.url)('onnx-proto') as { onnx: typeof OnnxNs }).onnx;

export const DataType = onnx.TensorProto.DataType;
export type DataTypeValue = OnnxNs.TensorProto.DataType;

/** One attribute value: numbers that are integers become INT (use {@link float} to force FLOAT). */
export type AttrValue = number | string | number[] | string[] | { float: number } | { floats: number[] };

/** Mark a number as a FLOAT attribute even when it is integral (`alpha: float(1)`). */
export const float = (f: number): { float: number } => ({ float: f });

/** A dimension of a value_info shape: a size, or a symbol such as `batch`. */
export type VDim = number | string;

const utf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');

function attribute(name: string, v: AttrValue): OnnxNs.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number')
    return Number.isInteger(v) ? { name, type: T.INT, i: v } : { name, type: T.FLOAT, f: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: utf8(v) };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { name, type: T.STRINGS, strings: (v as string[]).map(utf8) };
    const nums = v as number[];
    return nums.every(Number.isInteger) ? { name, type: T.INTS, ints: nums } : { name, type: T.FLOATS, floats: nums };
  }
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.FLOATS, floats: v.floats };
}

/** A tensor type for value_info: element type and dims (numbers → dim_value, strings → dim_param). */
export function tensorType(elemType: DataTypeValue, dims: VDim[]): OnnxNs.ITypeProto {
  return {
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  };
}

/** Builds one GraphProto; the emitters of compiler/emit/onnx/ops.ts call it. */
export class GraphBuilder {
  readonly nodes: OnnxNs.INodeProto[] = [];
  readonly initializers: OnnxNs.ITensorProto[] = [];
  readonly inputs: OnnxNs.IValueInfoProto[] = [];
  readonly outputs: OnnxNs.IValueInfoProto[] = [];
  readonly valueInfo: OnnxNs.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  /** While emitting a shared layer: its node id and the owner's, whose initializers it reads (see withSharedWeights). */
  private sharing: { from: string; to: string } | undefined;

  constructor(readonly opset: number) {}

  /**
   * Run `emit` for node `from`, a layer sharing the weights of node `to` (an encoder definition applied with
   * `shared`): every float initializer it would add as `<from>/…` is `<to>/…` instead, and one that exists already
   * is read again rather than added twice. Throws if the existing initializer holds other values (the two layers
   * would then not be one set of weights).
   */
  withSharedWeights<T>(from: string, to: string, emit: () => T): T {
    this.sharing = { from, to };
    try {
      return emit();
    } finally {
      this.sharing = undefined;
    }
  }

  /** A fresh name based on `base` (`base`, `base_1`, `base_2`, …) across nodes, tensors and initializers. */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Reserve a name (a graph input) so nothing else takes it. */
  reserve(name: string): void {
    if (this.names.has(name)) throw new Error(`ONNX graph: the name '${name}' is used twice`);
    this.names.add(name);
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  /**
   * Add a node named `<scope>/<op>` with one output (or `nOutputs`), returning the output tensor names.
   * Empty strings in `inputs` are ONNX's "optional input omitted".
   */
  addNode(scope: string, op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, nOutputs = 1): string[] {
    const name = this.unique(`${scope}/${op}`);
    const outputs = Array.from({ length: nOutputs }, (_, i) => this.unique(nOutputs === 1 ? `${name}_output` : `${name}_output_${i}`));
    this.nodes.push({
      name,
      opType: op,
      input: inputs,
      output: outputs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }

  /** Add a one-output node and return its output name. */
  op(scope: string, op: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    return this.addNode(scope, op, inputs, attrs, 1)[0]!;
  }

  /** A float32 initializer named `name` exactly (it must be new), stored as raw little-endian bytes. */
  addFloat(name: string, dims: number[], data: Float32Array): string {
    const n = dims.reduce((p, d) => p * d, 1);
    if (n !== data.length) throw new Error(`ONNX initializer '${name}': shape [${dims.join(', ')}] holds ${n} values, got ${data.length}`);
    if (this.sharing && name.startsWith(`${this.sharing.from}/`)) {
      name = `${this.sharing.to}/${name.slice(this.sharing.from.length + 1)}`;
      const existing = this.initializers.find((t) => t.name === name);
      if (existing) {
        const bytes = littleEndianBytes(data);
        const same = existing.rawData!.length === bytes.length && existing.rawData!.every((b, i) => b === bytes[i]);
        if (!same) throw new Error(`ONNX export: '${this.sharing.from}' shares the weights of '${this.sharing.to}', but its ${name} differs`);
        return name;
      }
    }
    this.reserve(name);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, rawData: littleEndianBytes(data) });
    return name;
  }

  /** An int64 initializer (shapes, axes, indices). */
  addInt64(name: string, dims: number[], values: number[]): string {
    this.reserve(name);
    this.initializers.push({ name, dims, dataType: DataType.INT64, rawData: littleEndianBytes(BigInt64Array.from(values.map(BigInt))) });
    return name;
  }

  /** A float32 constant named `<scope>/<what>`, shared if the same one was made before. */
  constFloat(scope: string, what: string, values: number[], dims: number[] = values.length === 1 ? [] : [values.length]): string {
    const name = `${scope}/${what}`;
    return this.names.has(name) ? name : this.addFloat(name, dims, Float32Array.from(values));
  }

  /** An int64 constant named `<scope>/<what>` (1-D unless `dims` says otherwise). */
  constInt64(scope: string, what: string, values: number[], dims: number[] = [values.length]): string {
    const name = `${scope}/${what}`;
    return this.names.has(name) ? name : this.addInt64(name, dims, values);
  }

  /** Reduce (ReduceMax, ReduceMean) over `axes`: an attribute up to opset 17, an input from opset 18. */
  reduce(scope: string, op: 'ReduceMax' | 'ReduceMean', x: string, axes: number[], keepdims: 0 | 1): string {
    if (this.opset >= 18) return this.op(scope, op, [x, this.constInt64(scope, `axes_${axes.join('_')}`, axes)], { keepdims });
    return this.op(scope, op, [x], { axes, keepdims });
  }

  /** Squeeze `axes` (an input since opset 13). */
  squeeze(scope: string, x: string, axes: number[]): string {
    return this.op(scope, 'Squeeze', [x, this.constInt64(scope, `axes_${axes.join('_')}`, axes)]);
  }

  /** Rename a tensor everywhere (node inputs and outputs); the new name must be free. */
  rename(from: string, to: string): void {
    if (from === to) return;
    this.reserve(to);
    for (const n of this.nodes) {
      n.output = n.output!.map((o) => (o === from ? to : o));
      n.input = n.input!.map((i) => (i === from ? to : i));
    }
  }

  /** True when `tensor` is the output of a node of this graph (not a graph input or an initializer). */
  isNodeOutput(tensor: string): boolean {
    return this.nodes.some((n) => n.output!.includes(tensor));
  }

  addInput(name: string, elemType: DataTypeValue, dims: VDim[]): void {
    this.reserve(name);
    this.inputs.push({ name, type: tensorType(elemType, dims) });
  }

  addOutput(name: string, elemType: DataTypeValue, dims: VDim[]): void {
    this.outputs.push({ name, type: tensorType(elemType, dims) });
  }

  addValueInfo(name: string, elemType: DataTypeValue, dims: VDim[]): void {
    this.valueInfo.push({ name, type: tensorType(elemType, dims) });
  }

  build(name: string, docString?: string): OnnxNs.IGraphProto {
    return {
      name,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
      valueInfo: this.valueInfo,
      ...(docString ? { docString } : {}),
    };
  }
}

/** The bytes of a typed array in little-endian order (ONNX raw_data is little-endian), copied. */
export function littleEndianBytes(a: Float32Array | BigInt64Array): Uint8Array {
  const out = new Uint8Array(a.byteLength);
  const view = new DataView(out.buffer);
  if (a instanceof Float32Array) for (let i = 0; i < a.length; i++) view.setFloat32(i * 4, a[i]!, true);
  else for (let i = 0; i < a.length; i++) view.setBigInt64(i * 8, a[i]!, true);
  return out;
}
