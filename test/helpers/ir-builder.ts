/**
 * Build IRModels by hand for tests, with the real shape rules and weight specs of compiler/ops
 * (so a hand-built model is exactly what the checker would produce for the same layers).
 */
import { FILE_START } from '../../grammar/diagnostic.ts';
import type { IRHead, IRInput, IRModel, IRNode, OpAttrs, OpName, TensorType } from '../../compiler/ir.ts';
import { OPS, isOpError } from '../../compiler/ops/index.ts';

export interface IrBuilder {
  /** A text input: token ids [batch, maxLen] int32 in [0, vocab). */
  text(name: string, maxLen: number, vocab: number): string;
  /** A tabular input: floats [batch, width]. */
  tabular(name: string, width: number): string;
  /** An image input: floats [batch, height, width, channels] (NHWC). */
  image(name: string, height: number, width: number, channels: number): string;
  /** A node; returns its id. Throws if the op's shape rule rejects the inputs. */
  node<K extends OpName>(op: K, id: string, inputs: string[], attrs: OpAttrs[K]): string;
  /** The type of an input or node. */
  type(id: string): TensorType;
  /** Finish with a head reading node `output`: binary (1 sigmoid unit) or multi-class (softmax). */
  build(output: string, label?: { name: string; classes?: number }): IRModel;
}

/** Start a model named `name`. */
export function irModel(name: string): IrBuilder {
  const inputs: IRInput[] = [];
  const nodes: IRNode[] = [];
  const types = new Map<string, TensorType>();
  const range = FILE_START;
  return {
    text(n, maxLen, vocab) {
      const out: TensorType = { shape: ['batch', maxLen], dtype: 'int32' };
      inputs.push({ name: n, out, range, plan: { name: n, kind: 'text', column: n, vocab, maxLen, lowercase: true, tokenizer: 'words' } });
      types.set(n, out);
      return n;
    },
    tabular(n, width) {
      const out: TensorType = { shape: ['batch', width], dtype: 'float32' };
      const columns = Array.from({ length: width }, (_, i) => `${n}_${i}`);
      inputs.push({ name: n, out, range, plan: { name: n, kind: 'tabular', columns, normalize: 'none', impute: 'zero' } });
      types.set(n, out);
      return n;
    },
    image(n, height, width, channels) {
      const out: TensorType = { shape: ['batch', height, width, channels], dtype: 'float32' };
      inputs.push({ name: n, out, range, plan: { name: n, kind: 'image', column: n, height, width, channels, normalize: 'none' } });
      types.set(n, out);
      return n;
    },
    node(op, id, ins, attrs) {
      const def = OPS[op];
      const inTypes = ins.map((i) => {
        const t = types.get(i);
        if (!t) throw new Error(`irModel: unknown value '${i}'`);
        return t;
      });
      const out = def.infer(inTypes, attrs);
      if (isOpError(out)) throw new Error(`irModel: ${op} '${id}': ${out.message}`);
      const weights = def.weights(inTypes, attrs);
      const node = {
        id,
        op,
        attrs,
        inputs: ins,
        out,
        weights,
        params: weights.reduce((n, w) => n + w.shape.reduce((p, d) => p * d, 1), 0),
        flops: def.flops(inTypes, attrs, out),
        range,
        decl: name,
      } as IRNode;
      nodes.push(node);
      types.set(id, out);
      return id;
    },
    type(id) {
      const t = types.get(id);
      if (!t) throw new Error(`irModel: unknown value '${id}'`);
      return t;
    },
    build(output, label = { name: 'y' }) {
      const t = types.get(output)!;
      const units = t.shape[t.shape.length - 1] as number;
      const multi = label.classes !== undefined;
      const head: IRHead = {
        label: multi
          ? { name: label.name, kind: 'multiclass', column: label.name, numClasses: label.classes! }
          : { name: label.name, kind: 'binary', column: label.name },
        output,
        units,
        activation: multi ? 'softmax' : 'sigmoid',
        loss: multi ? 'categoricalCrossentropy' : 'binaryCrossentropy',
        range,
      };
      return { name, inputs, nodes, head, train: { optimizer: { name: 'adam', lr: 1e-3 }, epochs: 1, batchSize: 8, seed: 1 }, range, declRanges: { [name]: range } };
    },
  };
}
