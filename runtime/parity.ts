/**
 * Backend agreement check after training: the exported ONNX graph, run on ONNX Runtime, must reproduce the
 * tfjs probabilities saved for the test split (test-predictions.json) within 1e-4 and predict the same class.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { featureRange, loadData, subset } from './data/index.ts';
import { OnnxPredictor } from './onnx.ts';

export interface ParityReport {
  rows: number;
  /** Largest |p_onnx − p_tfjs| over every row and class. */
  maxAbsDiff: number;
  /** Rows whose predicted class is the same in both backends. */
  sameClass: number;
}

interface SavedPreprocess {
  inputs: { name: string; shape: number[] }[];
  data: Parameters<typeof loadData>[0];
  state: Parameters<typeof loadData>[2];
}

interface SavedPredictions {
  kind: 'binary' | 'multiclass';
  keys: string[];
  threshold: number | null;
  probabilities: number[] | number[][];
}

const BATCH = 256;

/**
 * Re-encode the test rows with the saved preprocessing, run `onnxPath` on them in batches of 256 and
 * compare with the tfjs probabilities stored in `modelDir/test-predictions.json`.
 * @throws Error when the model folder lacks preprocess.json or test-predictions.json, or a saved test key
 *   is no longer in the data.
 */
export async function onnxParity(modelDir: string, onnxPath: string): Promise<ParityReport> {
  const pre = JSON.parse(readFileSync(join(modelDir, 'preprocess.json'), 'utf8')) as SavedPreprocess;
  const saved = JSON.parse(readFileSync(join(modelDir, 'test-predictions.json'), 'utf8')) as SavedPredictions;
  const { splits } = loadData(pre.data, process.cwd(), pre.state);
  const where = new Map(splits.test.keys.map((k, i) => [k, i]));
  const positions = saved.keys.map((k) => {
    const i = where.get(k);
    if (i === undefined) throw new Error(`test row ${k} of ${modelDir} is no longer in the data; retrain`);
    return i;
  });
  const test = subset(splits.test, positions);
  const onnx = await OnnxPredictor.load(onnxPath);
  const expected = saved.probabilities.flat();
  const k = expected.length / Math.max(1, test.size);
  let maxAbsDiff = 0;
  let sameClass = 0;
  try {
    for (let start = 0; start < test.size; start += BATCH) {
      const n = Math.min(BATCH, test.size - start);
      const feeds: Record<string, { data: Int32Array | Float32Array; shape: number[] }> = {};
      for (const inp of pre.inputs) {
        const f = test.inputs[inp.name]!;
        const width = inp.shape.reduce((a, b) => a * b, 1);
        feeds[inp.name] = { data: featureRange(f, start, n), shape: [n, ...inp.shape] };
      }
      const p = await onnx.predict(feeds);
      for (let r = 0; r < n; r++) {
        const got = Array.from(p.subarray(r * k, (r + 1) * k));
        const want = expected.slice((start + r) * k, (start + r + 1) * k);
        for (let c = 0; c < k; c++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[c]! - want[c]!));
        const cls = (v: number[]) => (k === 1 ? (v[0]! > (saved.threshold ?? 0.5) ? 1 : 0) : v.indexOf(Math.max(...v)));
        if (cls(got) === cls(want)) sameClass++;
      }
    }
  } finally {
    await onnx.release();
  }
  return { rows: test.size, maxAbsDiff, sameClass };
}
