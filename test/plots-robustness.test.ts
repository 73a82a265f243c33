/**
 * Figures (runtime/plots.ts): the SVGs are well-formed XML (parsed strictly by sax), hold one point per series
 * and epoch and one cell per (true, predicted) pair, and escape class names. Robustness (runtime/robustness.ts):
 * what drop and noise do to each kind of input, exactly where it is defined exactly, statistically for Gaussian
 * noise, and the same whatever the batching.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { confusionMatrixSvg, escapeXml, htmlReport, learningCurvesSvg, robustnessSvg } from '../runtime/plots.ts';
import { featureStd, parseNoise, perturbSplit } from '../runtime/robustness.ts';
import { classificationReport } from '../runtime/metrics.ts';
import type { EpochRecord } from '../runtime/train/types.ts';
import type { SplitData } from '../runtime/data/index.ts';

const sax = createRequire(import.meta.url)('sax') as {
  parser: (strict: boolean) => {
    onopentag: (t: { name: string; attributes: Record<string, string> }) => void;
    ontext: (t: string) => void;
    onerror: (e: Error) => void;
    write: (s: string) => { close: () => void };
  };
};

/** Parse strictly; returns every element (name, attributes) and the text content. Throws on malformed XML. */
function parseXml(xml: string) {
  const p = sax.parser(true);
  const elements: { name: string; attributes: Record<string, string> }[] = [];
  const texts: string[] = [];
  p.onopentag = (t) => elements.push(t);
  p.ontext = (t) => texts.push(t);
  p.onerror = (e) => {
    throw e;
  };
  p.write(xml).close();
  return { elements, texts };
}

const rec = (epoch: number, val: boolean): EpochRecord => ({
  epoch,
  loss: 1 / epoch,
  accuracy: 0.5 + epoch / 20,
  val_loss: val ? 1.2 / epoch : null,
  val_accuracy: val ? 0.45 + epoch / 20 : null,
  best: true,
  seconds: 1,
  batches: 2,
  samples: 10,
  numTensors: 3,
  lr: 0.01,
});

describe('SVG figures', () => {
  it('escapeXml', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
  });

  it('learning curves: one point per series and epoch, train and val for loss and accuracy', () => {
    const svg = learningCurvesSvg([1, 2, 3, 4, 5].map((e) => rec(e, true)), 'run <1>');
    const { elements, texts } = parseXml(svg);
    expect(elements[0]!.name).toBe('svg');
    const pts = elements.filter((e) => e.name === 'circle' && e.attributes.class === 'pt');
    expect(pts).toHaveLength(20); // (loss, accuracy) × (train, val) × 5 epochs
    expect(pts.filter((p) => p.attributes['data-series'] === 'val')).toHaveLength(10);
    expect(pts.filter((p) => p.attributes['data-epoch'] === '3')).toHaveLength(4);
    expect(elements.filter((e) => e.name === 'polyline')).toHaveLength(4);
    expect(texts).toContain('run <1>'); // escaped in the file, the same text once parsed
    expect(svg).not.toContain('run <1>');
    // Points lie inside the plot: accuracy 0.55 … 0.75 on a fixed [0, 1] axis means y between the frame's edges.
    for (const p of pts) expect(Number(p.attributes.cy)).toBeGreaterThan(0);
  });

  it('learning curves without a val split: train series only', () => {
    const { elements } = parseXml(learningCurvesSvg([1, 2, 3].map((e) => rec(e, false))));
    expect(elements.filter((e) => e.attributes.class === 'pt')).toHaveLength(6);
    expect(elements.filter((e) => e.attributes['data-series'] === 'val')).toHaveLength(0);
    // One epoch: the points still parse (a single point, no line).
    const one = parseXml(learningCurvesSvg([rec(1, true)]));
    expect(one.elements.filter((e) => e.attributes.class === 'pt')).toHaveLength(4);
    expect(one.elements.filter((e) => e.name === 'polyline')).toHaveLength(0);
  });

  it('confusion matrix: k × k cells with their counts, class names escaped', () => {
    const m = [
      [5, 1, 0],
      [2, 7, 1],
      [0, 0, 9],
    ];
    const names = ['<b>&"x"', "a'b", 'plain'];
    const svg = confusionMatrixSvg(m, names);
    const { elements, texts } = parseXml(svg);
    const cells = elements.filter((e) => e.name === 'rect' && e.attributes.class === 'cell');
    expect(cells).toHaveLength(9);
    for (const c of cells) expect(Number(c.attributes['data-count'])).toBe(m[Number(c.attributes['data-true'])]![Number(c.attributes['data-pred'])]);
    expect(texts.filter((t) => t === '<b>&"x"')).toHaveLength(2); // row and column label
    expect(texts.filter((t) => t === "a'b")).toHaveLength(2);
    expect(svg).toContain('&lt;b&gt;&amp;&quot;x&quot;');
    expect(svg).not.toContain('<b>');
    expect(() => confusionMatrixSvg([[1, 2]], ['a'])).toThrow(/not square/);
  });

  it('robustness bars: one bar per condition, width proportional to accuracy, labels escaped', () => {
    const svg = robustnessSvg([
      { label: 'clean', accuracy: 0.9 },
      { label: 'a<b> drop', accuracy: 0.45 },
      { label: 'body noise 1', accuracy: 0 },
    ]);
    const { elements, texts } = parseXml(svg);
    const bars = elements.filter((e) => e.name === 'rect' && e.attributes.class === 'bar');
    expect(bars.map((b) => Number(b.attributes['data-accuracy']))).toEqual([0.9, 0.45, 0]);
    expect(bars.map((b) => Number(b.attributes.width))).toEqual([324, 162, 0]); // of 360 px
    expect(texts).toContain('a<b> drop');
    expect(svg).not.toContain('a<b>');
  });

  it('the HTML report inlines both figures and the metrics, escaping names', () => {
    const report = classificationReport([0, 1, 2, 2], [0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.1, 0.1, 0.8, 0.5, 0.3, 0.2], 3);
    const html = htmlReport({ title: 'T <x>', classes: ['<cat>', 'dog', 'emu'], metrics: report, history: [rec(1, true), rec(2, true)], tables: [{ caption: 'extra', head: ['a'], rows: [['<y>']] }] });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('<td>75.00%</td>'); // accuracy 3/4
    expect(html).toContain('&lt;cat&gt;');
    expect(html).toContain('&lt;y&gt;');
    expect(html).not.toMatch(/<cat>|<y>|<x>/);
  });
});

/** A split of 4 rows: text [4, 4] (0 pads), categorical [4], tabular [4, 2]. */
function split(): SplitData {
  return {
    size: 4,
    inputs: {
      words: { data: Int32Array.from([0, 0, 5, 6, 0, 7, 8, 9, 2, 3, 4, 5, 0, 0, 0, 1]), shape: [4, 4], dtype: 'int32' },
      cat: { data: Int32Array.from([1, 2, 0, 3]), shape: [4], dtype: 'int32' },
      nums: { data: Float32Array.from([1, 2, 3, 6, 1, 2, 3, 6]), shape: [4, 2], dtype: 'float32' },
    },
    labels: Int32Array.from([0, 1, 0, 1]),
    keys: ['a', 'b', 'c', 'd'],
  } as SplitData;
}
const dataOf = (s: SplitData, k: string) => Array.from((s.inputs[k] as unknown as { data: ArrayLike<number> }).data);

describe('robustness perturbations', () => {
  it('drop: text all padding, categorical unknown, numbers 0; other inputs untouched', () => {
    const s = split();
    expect(dataOf(perturbSplit(s, 'text', { kind: 'drop', input: 'words' }), 'words')).toEqual(Array(16).fill(0));
    expect(dataOf(perturbSplit(s, 'categorical', { kind: 'drop', input: 'cat' }), 'cat')).toEqual([0, 0, 0, 0]);
    const d = perturbSplit(s, 'tabular', { kind: 'drop', input: 'nums' });
    expect(dataOf(d, 'nums')).toEqual(Array(8).fill(0));
    expect(d.inputs.words).toBe(s.inputs.words);
    expect(dataOf(s, 'nums')).toEqual([1, 2, 3, 6, 1, 2, 3, 6]); // the original is not modified
  });

  it('text/categorical noise: level 1 makes every token unknown (padding stays), level 0 nothing', () => {
    const s = split();
    expect(dataOf(perturbSplit(s, 'text', { kind: 'noise', input: 'words', level: 1 }), 'words')).toEqual([0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1]);
    expect(dataOf(perturbSplit(s, 'text', { kind: 'noise', input: 'words', level: 0 }), 'words')).toEqual(dataOf(s, 'words'));
    expect(dataOf(perturbSplit(s, 'categorical', { kind: 'noise', input: 'cat', level: 1 }), 'cat')).toEqual([0, 0, 0, 0]);
    expect(() => perturbSplit(s, 'text', { kind: 'noise', input: 'words', level: 1.5 })).toThrow(/share of tokens replaced, in \[0, 1\]; got 1.5/);
    expect(() => perturbSplit(s, 'tabular', { kind: 'noise', input: 'nope', level: 1 })).toThrow(/no input named 'nope' \(inputs: words, cat, nums\)/);
  });

  it('a fraction of tokens: about `level` of the non-padding tokens become OOV', () => {
    const n = 2000;
    const data = Int32Array.from({ length: n * 10 }, (_, i) => 2 + (i % 50));
    const s = { size: n, inputs: { t: { data, shape: [n, 10], dtype: 'int32' } }, labels: new Int32Array(n), keys: [] } as unknown as SplitData;
    const out = dataOf(perturbSplit(s, 'text', { kind: 'noise', input: 't', level: 0.3 }), 't');
    const share = out.filter((v) => v === 1).length / out.length;
    expect(Math.abs(share - 0.3)).toBeLessThan(0.01); // 20,000 Bernoulli(0.3): sd 0.0032
  });

  it('featureStd is the population std per last-axis index', () => {
    expect(Array.from(featureStd(split().inputs.nums as never))).toEqual([1, 2]);
  });

  it('Gaussian noise: mean 0, std level × feature std per column; seeded; independent of batching', () => {
    const n = 20000;
    const data = Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 ? 10 * Math.sin(i) : Math.cos(i)));
    const f = { data, shape: [n, 2], dtype: 'float32' as const };
    const s = { size: n, inputs: { x: f }, labels: new Int32Array(n), keys: [] } as unknown as SplitData;
    const std = featureStd(f);
    const p = { kind: 'noise' as const, input: 'x', level: 0.5 };
    const out = dataOf(perturbSplit(s, 'tabular', p, 7), 'x');
    for (const c of [0, 1]) {
      const d: number[] = [];
      for (let i = c; i < out.length; i += 2) d.push(out[i]! - data[i]!);
      const mean = d.reduce((a, b) => a + b, 0) / d.length;
      const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
      expect(Math.abs(mean)).toBeLessThan(0.03 * 0.5 * std[c]!);
      expect(Math.abs(sd / (0.5 * std[c]!) - 1)).toBeLessThan(0.03);
    }
    expect(dataOf(perturbSplit(s, 'tabular', p, 7), 'x')).toEqual(out);
    expect(dataOf(perturbSplit(s, 'tabular', p, 8), 'x')).not.toEqual(out);
    // A feature computed per batch (as images streamed from disk): rows read in any order get the same noise.
    const computed = { shape: [n, 2], dtype: 'float32' as const, rows: (idx: ArrayLike<number>) => Float32Array.from(Array.from(idx).flatMap((r) => [data[2 * r]!, data[2 * r + 1]!])) };
    const cs = { ...s, inputs: { x: computed } } as unknown as SplitData;
    const got = (perturbSplit(cs, 'image', p, 7).inputs.x as unknown as { rows: (i: ArrayLike<number>) => Float32Array }).rows([5, 2, 19999]);
    expect(Array.from(got)).toEqual([out[10], out[11], out[4], out[5], out[39998], out[39999]]);
  });

  it('parseNoise: INPUT:LEVEL with several levels', () => {
    expect(parseNoise('body:0.1,0.5')).toEqual([
      { kind: 'noise', input: 'body', level: 0.1 },
      { kind: 'noise', input: 'body', level: 0.5 },
    ]);
    expect(() => parseNoise('body')).toThrow(/--noise takes INPUT:LEVEL/);
    expect(() => parseNoise('body:-1')).toThrow(/the level '-1' is not a number ≥ 0/);
  });
});
