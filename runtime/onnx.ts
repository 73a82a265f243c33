/**
 * Run an exported mmf ONNX graph on ONNX Runtime (onnxruntime-node, CPU execution provider).
 *
 * Feeds are converted to the element type the graph declares for each input: mmf declares token ids int64
 * (ONNX Gather indices), so Int32Array ids become BigInt64Array; float features stay float32. Shapes are
 * checked against the graph's declared shape (symbolic dimensions such as `batch` accept any size), and a
 * missing or mis-shaped feed is an Error that names the input.
 *
 * API reference: onnxruntime-common InferenceSession (create, run, inputNames, inputMetadata).
 */
import * as ort from 'onnxruntime-node';

/** One input: row-major data and its shape, batch first. */
export interface OnnxFeed {
  data: Int32Array | Float32Array | BigInt64Array;
  shape: number[];
}

type Declared = { type: string; shape: ReadonlyArray<number | string> };

const fmt = (s: ReadonlyArray<number | string>): string => `[${s.join(', ')}]`;

/** Predict with an exported mmf graph on ONNX Runtime's CPU provider. */
export class OnnxPredictor {
  private readonly declared = new Map<string, Declared>();

  private constructor(private readonly session: ort.InferenceSession) {
    for (const m of session.inputMetadata)
      if (m.isTensor) this.declared.set(m.name, { type: m.type, shape: m.shape });
  }

  /** Open a graph from a `.onnx` file path or its bytes. */
  static async load(pathOrBytes: string | Uint8Array): Promise<OnnxPredictor> {
    const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'] };
    const session =
      typeof pathOrBytes === 'string'
        ? await ort.InferenceSession.create(pathOrBytes, options)
        : await ort.InferenceSession.create(pathOrBytes, options);
    return new OnnxPredictor(session);
  }

  /** Graph input names (the `.mmf` input names). */
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /** Graph output names (the label name). */
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** The element type and shape the graph declares for an input (`batch` and other symbols are strings). */
  inputInfo(name: string): Declared | undefined {
    return this.declared.get(name);
  }

  private tensorFor(name: string, feed: OnnxFeed): ort.Tensor {
    const d = this.declared.get(name);
    const { data, shape } = feed;
    if (!Array.isArray(shape) || shape.some((s) => !Number.isInteger(s) || s < 0))
      throw new Error(`ONNX input '${name}': shape ${JSON.stringify(shape)} is not a list of sizes`);
    const n = shape.reduce((p, s) => p * s, 1);
    if (data.length !== n) throw new Error(`ONNX input '${name}': shape ${fmt(shape)} needs ${n} values, got ${data.length}`);
    if (d && d.shape.length > 0) {
      const bad =
        d.shape.length !== shape.length ||
        d.shape.some((want, i) => typeof want === 'number' && want >= 0 && want !== shape[i]);
      if (bad) throw new Error(`ONNX input '${name}': the graph expects shape ${fmt(d.shape)}, got ${fmt(shape)}`);
    }
    const type = d?.type ?? (data instanceof Float32Array ? 'float32' : data instanceof BigInt64Array ? 'int64' : 'int32');
    switch (type) {
      case 'int64': {
        if (data instanceof BigInt64Array) return new ort.Tensor('int64', data, shape);
        if (data instanceof Float32Array && !data.every(Number.isInteger))
          throw new Error(`ONNX input '${name}' holds integer ids (int64), but the feed has non-integer values`);
        return new ort.Tensor('int64', BigInt64Array.from(data as ArrayLike<number>, (v) => BigInt(v)), shape);
      }
      case 'int32': {
        if (data instanceof Int32Array) return new ort.Tensor('int32', data, shape);
        return new ort.Tensor('int32', Int32Array.from(data as ArrayLike<number | bigint>, (v) => Number(v)), shape);
      }
      case 'float32': {
        if (data instanceof Float32Array) return new ort.Tensor('float32', data, shape);
        return new ort.Tensor('float32', Float32Array.from(data as ArrayLike<number | bigint>, (v) => Number(v)), shape);
      }
      default:
        throw new Error(`ONNX input '${name}' has element type ${type}, which mmf does not feed`);
    }
  }

  /**
   * Run the graph and return its first output (the head's probabilities, [batch, units], row-major).
   * `inputs` maps every graph input name to its data; extra names are an error too (a typo would otherwise
   * pass silently).
   */
  async predict(inputs: Record<string, OnnxFeed>): Promise<Float32Array> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of this.session.inputNames) {
      const feed = inputs[name];
      if (!feed) throw new Error(`ONNX input '${name}' is missing (the graph takes ${this.session.inputNames.join(', ')})`);
      feeds[name] = this.tensorFor(name, feed);
    }
    for (const name of Object.keys(inputs))
      if (!this.session.inputNames.includes(name))
        throw new Error(`'${name}' is not an input of this graph (it takes ${this.session.inputNames.join(', ')})`);
    const out = await this.session.run(feeds);
    const first = out[this.session.outputNames[0]!]!;
    const data = first.data;
    if (data instanceof Float32Array) return data;
    return Float32Array.from(data as ArrayLike<number>);
  }

  /** Free the native session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
