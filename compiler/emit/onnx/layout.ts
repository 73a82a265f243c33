/**
 * Weight-layout conversions from tfjs (Keras) to ONNX. Pure functions on row-major Float32Arrays.
 *
 * Sources:
 *  - ONNX Conv: W is [M, C/group, kW] or [M, C/group, kH, kW] (https://onnx.ai/onnx/operators/onnx__Conv.html);
 *    tfjs conv1d kernel is [kernelSize, C, filters], conv2d kernel [kh, kw, C, filters].
 *  - ONNX LSTM: W [num_directions, 4·hidden, input] with gates concatenated i, o, f, c; R [num_directions, 4·hidden,
 *    hidden]; B [num_directions, 8·hidden] = [Wb, Rb] (https://onnx.ai/onnx/operators/onnx__LSTM.html). Keras/tfjs
 *    LSTM kernel is [input, 4·units] with gates i, f, c, o and x·kernel (so ONNX W is the transpose).
 *  - ONNX GRU: W [num_directions, 3·hidden, input] gates z, r, h; B [num_directions, 6·hidden] = [Wb, Rb]
 *    (https://onnx.ai/onnx/operators/onnx__GRU.html). Keras/tfjs GRU kernel is [input, 3·units] with gates z, r, h.
 */

/** Keras LSTM gate index (i=0, f=1, c=2, o=3) of each ONNX gate in ONNX order i, o, f, c. */
export const LSTM_KERAS_GATE_OF_ONNX = [0, 3, 1, 2] as const;
/** GRU gates are z, r, h in both. */
export const GRU_KERAS_GATE_OF_ONNX = [0, 1, 2] as const;

/**
 * tfjs conv1d kernel [k, C, F] → ONNX Conv weight [F, C, k].
 */
export function conv1dKernelToOnnx(kernel: Float32Array, k: number, c: number, f: number): Float32Array {
  const out = new Float32Array(k * c * f);
  for (let j = 0; j < k; j++)
    for (let ci = 0; ci < c; ci++)
      for (let fi = 0; fi < f; fi++) out[(fi * c + ci) * k + j] = kernel[(j * c + ci) * f + fi]!;
  return out;
}

/**
 * tfjs conv2d kernel [kh, kw, C, F] (HWIO) → ONNX Conv weight [F, C, kh, kw] (OIHW):
 * W[f, c, i, j] = kernel[i, j, c, f].
 */
export function conv2dKernelToOnnx(kernel: Float32Array, kh: number, kw: number, c: number, f: number): Float32Array {
  if (kernel.length !== kh * kw * c * f) throw new Error(`conv2dKernelToOnnx: expected ${kh}×${kw}×${c}×${f} values, got ${kernel.length}`);
  const out = new Float32Array(kh * kw * c * f);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let ci = 0; ci < c; ci++)
        for (let fi = 0; fi < f; fi++) out[((fi * c + ci) * kh + i) * kw + j] = kernel[((i * kw + j) * c + ci) * f + fi]!;
  return out;
}

/**
 * A Keras gate-concatenated matrix [rows, gates·units] (x·K) → an ONNX recurrent weight [gates·units, rows]
 * (the transpose), with the gate blocks reordered: ONNX gate g takes Keras gate `kerasGateOf[g]`.
 * For the kernel rows = input size (→ W), for the recurrent kernel rows = units (→ R); add the leading
 * num_directions = 1 axis in the dims.
 */
export function gatesToOnnx(k: Float32Array, rows: number, units: number, kerasGateOf: readonly number[]): Float32Array {
  const gates = kerasGateOf.length;
  const cols = gates * units;
  if (k.length !== rows * cols) throw new Error(`gatesToOnnx: expected ${rows}×${cols} values, got ${k.length}`);
  const out = new Float32Array(rows * cols);
  for (let g = 0; g < gates; g++) {
    const src = kerasGateOf[g]! * units;
    for (let r = 0; r < units; r++) {
      const o = (g * units + r) * rows;
      for (let c = 0; c < rows; c++) out[o + c] = k[c * cols + src + r]!;
    }
  }
  return out;
}

/**
 * A Keras bias [gates·units] (input bias only) → ONNX B [1, 2·gates·units] = [Wb (reordered), Rb = 0].
 * Keras adds one bias per gate; ONNX adds Wb + Rb, so Rb = 0 gives the same sums (for the GRU with
 * linear_before_reset = 0, Rbh sits outside the reset product, so zero is exact there too).
 */
export function recurrentBiasToOnnx(bias: Float32Array | undefined, units: number, kerasGateOf: readonly number[]): Float32Array {
  const gates = kerasGateOf.length;
  const out = new Float32Array(2 * gates * units);
  if (bias)
    for (let g = 0; g < gates; g++)
      for (let r = 0; r < units; r++) out[g * units + r] = bias[kerasGateOf[g]! * units + r]!;
  return out;
}
