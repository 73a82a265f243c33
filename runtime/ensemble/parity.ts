/**
 * The ensemble's ONNX graph against its tfjs run: re-encode the test rows with the saved preprocessing, run the
 * graph on ONNX Runtime, and compare its `probabilities` with those the tfjs members and the combiner saved in
 * `test-predictions.json` (within 1e-4 is the bar; the class must be the same).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { featureRange, loadData, subset } from '../data/index.ts';
import { OnnxPredictor } from '../onnx.ts';
import type { ParityReport } from '../parity.ts';

const BATCH = 256;

/**
 * The per-sample shape to feed: the graph's declared one when it is fully known and holds the same number of values
 * as the data's (a categorical input is `[n]` in the data and `[batch, 1]` in the graph), else the data's.
 */
function sampleShape(declared: readonly (number | string)[] | undefined, data: number[]): number[] {
  const rest = declared?.slice(1);
  if (!rest || !rest.every((d): d is number => typeof d === 'number' && d >= 0)) return data;
  return rest.reduce((a, b) => a * b, 1) === data.reduce((a, b) => a * b, 1) ? rest : data;
}

/**
 * @param dir the trained ensemble folder (preprocess.json, test-predictions.json)
 * @throws Error when a file is missing or a saved test row is no longer in the data
 */
export async function ensembleOnnxParity(dir: string, onnxPath: string): Promise<ParityReport> {
  const pre = JSON.parse(readFileSync(join(dir, 'preprocess.json'), 'utf8')) as { data: Parameters<typeof loadData>[0]; state: Parameters<typeof loadData>[2] };
  const saved = JSON.parse(readFileSync(join(dir, 'test-predictions.json'), 'utf8')) as { keys: string[]; probabilities: number[][]; predictions: number[] };
  const { splits } = loadData(pre.data, process.cwd(), pre.state);
  const where = new Map(splits.test.keys.map((k, i) => [k, i]));
  const test = subset(
    splits.test,
    saved.keys.map((k) => {
      const i = where.get(k);
      if (i === undefined) throw new Error(`test row ${k} of ${dir} is no longer in the data; retrain`);
      return i;
    }),
  );
  const onnx = await OnnxPredictor.load(onnxPath);
  let maxAbsDiff = 0;
  let sameClass = 0;
  try {
    for (let start = 0; start < test.size; start += BATCH) {
      const n = Math.min(BATCH, test.size - start);
      const feeds: Record<string, { data: Int32Array | Float32Array; shape: number[] }> = {};
      for (const name of onnx.inputNames) {
        const f = test.inputs[name];
        if (!f) throw new Error(`the ONNX graph reads input ${name}, which the saved data does not have`);
        feeds[name] = { data: featureRange(f, start, n), shape: [n, ...sampleShape(onnx.inputInfo(name)?.shape, f.shape.slice(1))] };
      }
      const p = await onnx.predict(feeds);
      const K = p.length / n;
      for (let r = 0; r < n; r++) {
        const want = saved.probabilities[start + r]!;
        let best = 0;
        for (let c = 0; c < K; c++) {
          maxAbsDiff = Math.max(maxAbsDiff, Math.abs(p[r * K + c]! - want[c]!));
          if (p[r * K + c]! > p[r * K + best]!) best = c;
        }
        if (best === saved.predictions[start + r]) sameClass++;
      }
    }
  } finally {
    await onnx.release();
  }
  return { rows: test.size, maxAbsDiff, sameClass };
}
