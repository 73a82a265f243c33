/**
 * `mmfc eval FILE --model DIR [--split test|val|train] [--json] [--drop INPUT]… [--noise INPUT:LEVEL]… [--seed N] [--report FILE]`
 *
 * Reloads a model folder written by `mmfc train`, re-reads the dataset FILE names for that model with the
 * preprocessing saved in DIR/preprocess.json (nothing is refitted), and reports accuracy, per-class
 * precision/recall/F1, the confusion matrix and (binary labels) ROC-AUC for one split.
 *
 * The test split: when training evaluated only part of it (`--max-rows`), the rows listed in
 * test-predictions.json are evaluated, so the figures are those of metrics.json.
 *
 * Robustness (MultiBench): each `--drop INPUT` and each `--noise INPUT:LEVEL` (runtime/robustness.ts) evaluates
 * the same rows again with that one input removed or corrupted, seeded by `--seed` (default 0), and a table
 * gives accuracy, macro F1 and (binary) ROC-AUC with the change from the clean rows.
 *
 * An HTML report (metrics, per-class table, confusion matrix, robustness table) is written atomically to
 * `--report FILE`, or by default to `DIR/eval-<split>.html`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeSpecs } from '../compiler/emit/tfjs/program.ts';
import type { IRModel } from '../compiler/index.ts';
import type { DataSpec } from '../runtime/data/index.ts';
import { checkedModels } from './build.ts';
import { readSource, UsageError } from './main.ts';
import { writeFileAtomic } from './atomic.ts';
import { checkOutputFile, describeFsError } from './output-path.ts';
import { parseNoise, perturbKindOf, type Perturbation } from '../runtime/robustness.ts';

export const SPLIT_NAMES = ['test', 'val', 'train'] as const;
export type EvalSplit = (typeof SPLIT_NAMES)[number];

/** Thrown for a model folder or .mmf file that does not fit; printed as one line, exit 1. */
export class InputError extends Error {}

/**
 * Check that `dir` is a trained model folder and that `file` declares the model it holds; returns that model.
 * @throws InputError naming the folder or the model.
 */
export function trainedModelOf(file: string, text: string, dir: string): { model: IRModel; modelName: string } | undefined {
  if (!existsSync(dir)) throw new InputError(`--model ${dir}: no such folder`);
  if (!statSync(dir).isDirectory()) throw new InputError(`--model ${dir} is a file, not a trained model folder`);
  for (const f of ['preprocess.json', 'model.json'])
    if (!existsSync(join(dir, f))) throw new InputError(`--model ${dir} is not a trained model folder (it has no ${f}; mmfc train writes one)`);
  let modelName: unknown;
  try {
    modelName = (JSON.parse(readFileSync(join(dir, 'preprocess.json'), 'utf8')) as { modelName?: unknown }).modelName;
  } catch (e) {
    throw new InputError(`--model ${dir}: preprocess.json is not valid JSON (${(e as Error).message})`);
  }
  if (typeof modelName !== 'string') throw new InputError(`--model ${dir}: preprocess.json names no model; retrain it with mmfc train`);
  const models = checkedModels(file, text);
  if (!models) return undefined;
  const model = models.find((m) => m.name === modelName);
  if (!model)
    throw new InputError(`${file} has no model named '${modelName}', the model in ${dir} (it has: ${models.map((m) => m.name).join(', ')})`);
  if (!model.dataset) throw new InputError(`${file}: model ${modelName} reads no dataset`);
  return { model, modelName };
}

/** Options of {@link evalCommand}. */
export interface EvalOptions {
  model: string;
  split?: string;
  json?: boolean;
  /** Inputs to drop, one evaluation each. */
  drop?: string[];
  /** `INPUT:LEVEL[,LEVEL…]`, one evaluation per level. */
  noise?: string[];
  /** Seed of the noise (default 0). */
  seed?: number;
  /** Where the HTML report goes (default DIR/eval-<split>.html). */
  report?: string;
}

/** One row of the robustness table. */
export interface RobustnessRow {
  input: string | null;
  kind: string | null;
  perturbation: 'none' | 'drop' | 'noise';
  level: number | null;
  accuracy: number;
  macroF1: number;
  rocAuc: number | null;
  /** accuracy − clean accuracy. */
  deltaAccuracy: number;
}

export async function evalCommand(file: string, o: EvalOptions): Promise<number> {
  const split = (o.split ?? 'test') as EvalSplit;
  if (!SPLIT_NAMES.includes(split)) throw new UsageError(`--split must be test, val or train, not '${o.split}'`);
  const perturbations: Perturbation[] = [...(o.drop ?? []).map((input) => ({ kind: 'drop' as const, input }))];
  for (const n of o.noise ?? []) {
    try {
      perturbations.push(...parseNoise(n));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const text = readSource(file);
  // A --report that cannot be written fails now, not after the evaluation.
  if (o.report) checkOutputFile('--report', o.report);
  try {
    const found = trainedModelOf(file, text, o.model);
    if (!found) return 1;
    const { TrainedModel, loadData, subset, evaluateSplit, bindInputs } = await import('../runtime/index.ts');
    const tm = await TrainedModel.load(o.model);
    try {
      // Robustness flags are checked against the model's inputs before any data is read.
      const kinds = new Map(tm.preprocess.data.inputs.map((i) => [i.name, i.kind as string]));
      for (const p of perturbations) {
        if (!kinds.has(p.input)) {
          throw new UsageError(`--${p.kind} ${p.input}: model ${found.modelName} has no input '${p.input}'; its inputs are ${[...kinds.keys()].join(', ')}`);
        }
        if (p.kind === 'noise' && perturbKindOf(kinds.get(p.input)!) !== 'numeric' && p.level > 1) {
          throw new UsageError(`--noise ${p.input}:${p.level}: for a ${kinds.get(p.input)} input the level is the share of tokens replaced, from 0 to 1`);
        }
      }
      // The dataset (file and split) as FILE names it now; inputs and label as the model was trained with.
      const named = runtimeSpecs(found.model).data!.dataset as DataSpec['dataset'];
      const loaded = loadData({ ...tm.preprocess.data, dataset: named }, process.cwd(), tm.preprocess.state);
      let rows = loaded.splits[split];
      let note = '';
      const savedFile = join(o.model, 'test-predictions.json');
      if (split === 'test' && existsSync(savedFile)) {
        const keys = (JSON.parse(readFileSync(savedFile, 'utf8')) as { keys?: string[] }).keys;
        if (Array.isArray(keys) && keys.length < rows.size) {
          const where = new Map(rows.keys.map((k, i) => [k, i]));
          const positions = keys.map((k) => where.get(k)).filter((i): i is number => i !== undefined);
          if (positions.length === keys.length) {
            rows = subset(rows, positions);
            note = ` (the ${keys.length} of ${loaded.splits.test.size} test rows training evaluated, from test-predictions.json)`;
          }
        }
      }
      const bindings = bindInputs(tm.model, rows);
      const { report } = await evaluateSplit(tm.model, rows, tm.preprocess.head, undefined, bindings);
      const classes = tm.preprocess.classes;
      const seed = o.seed ?? 0;
      let robustness: RobustnessRow[] | null = null;
      if (perturbations.length) {
        const { perturbSplit } = await import('../runtime/robustness.ts');
        const row = (p: Perturbation | null, r: typeof report): RobustnessRow => ({
          input: p ? p.input : null,
          kind: p ? kinds.get(p.input)! : null,
          perturbation: p ? p.kind : 'none',
          level: p && p.kind === 'noise' ? p.level : null,
          accuracy: r.accuracy,
          macroF1: r.macro.f1,
          rocAuc: r.rocAuc,
          deltaAccuracy: r.accuracy - report.accuracy,
        });
        robustness = [row(null, report)];
        for (const p of perturbations) {
          const changed = perturbSplit(rows, kinds.get(p.input)!, p, seed);
          const { report: r } = await evaluateSplit(tm.model, changed, tm.preprocess.head, undefined, bindInputs(tm.model, changed));
          robustness.push(row(p, r));
        }
      }
      const reportFile = o.report ?? join(o.model, `eval-${split}.html`);
      let reportNote = '';
      try {
        const { htmlReport, robustnessSvg } = await import('../runtime/plots.ts');
        const label = (r: RobustnessRow) => (r.perturbation === 'none' ? 'clean' : `${r.input} ${r.perturbation}${r.level === null ? '' : ' ' + r.level}`);
        writeFileAtomic(
          reportFile,
          htmlReport({
            title: `${found.modelName}: evaluation on the ${split} split`,
            subtitle: [`${file}, model folder ${o.model}: ${rows.size} rows${note}`],
            classes,
            metrics: report,
            tables: robustness ? [robustnessTable(robustness, seed)] : [],
            figures: robustness ? [robustnessSvg(robustness.map((r) => ({ label: label(r), accuracy: r.accuracy })), `accuracy with one input dropped or noised (seed ${seed})`)] : [],
          }),
        );
      } catch (e) {
        // Asked for with --report: a failure. By default it is a by-product: a read-only model folder must not make eval fail.
        if (o.report) throw new Error(describeFsError(e) ?? `cannot write the report ${reportFile}: ${oneLine(e)}`);
        reportNote = `warning: could not write the report ${reportFile}: ${oneLine(e)}`;
      }
      if (reportNote) process.stderr.write(reportNote + '\n');
      if (o.json) {
        const extra = robustness ? { robustness: { seed, rows: robustness } } : {};
        process.stdout.write(JSON.stringify({ model: found.modelName, split, rows: rows.size, classes, ...report, ...extra, report: reportNote ? null : reportFile }, null, 2) + '\n');
        return 0;
      }
      process.stdout.write(formatEval(found.modelName, split, rows.size, classes, report, note));
      if (robustness) process.stdout.write('\n' + formatRobustness(robustness, seed));
      if (!reportNote) process.stdout.write(`\nreport: ${reportFile}\n`);
      return 0;
    } finally {
      tm.dispose();
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    process.stderr.write(`mmfc: ${oneLine(e)}\n`);
    return 1;
  }
}

/** An error's message, without a stack trace (a filesystem errno error as a line naming the path and the fix). */
export function oneLine(e: unknown): string {
  return describeFsError(e) ?? (e instanceof Error ? e.message : String(e)).trim();
}

const pctOrDash = (v: number | null) => (v === null ? '-' : (100 * v).toFixed(2) + '%');
const signedPts = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(100 * v).toFixed(2)}`;

/** The robustness rows as a report table. */
function robustnessTable(rows: RobustnessRow[], seed: number) {
  return {
    caption: `robustness (seed ${seed}): one input dropped or noised at a time`,
    head: ['input', 'kind', 'perturbation', 'level', 'accuracy', 'Δ accuracy (points)', 'macro F1', 'ROC-AUC'],
    rows: rows.map((r) => [r.input ?? '-', r.kind ?? '-', r.perturbation, r.level === null ? '-' : String(r.level), pctOrDash(r.accuracy), r.perturbation === 'none' ? '-' : signedPts(r.deltaAccuracy), pctOrDash(r.macroF1), r.rocAuc === null ? '-' : r.rocAuc.toFixed(4)]),
  };
}

/** The robustness table as text: one line per input and level, the clean rows first. */
export function formatRobustness(rows: RobustnessRow[], seed: number): string {
  const t = robustnessTable(rows, seed);
  const widths = t.head.map((h, j) => Math.max(h.length, ...t.rows.map((r) => String(r[j]).length)));
  const line = (cells: (string | number)[]) => cells.map((c, j) => (j < 4 ? String(c).padEnd(widths[j]!) : String(c).padStart(widths[j]!))).join('  ').trimEnd();
  return [`robustness (seed ${seed}; noise: numbers + level × feature std × N(0,1); text/categorical: share of tokens made unknown)`, line(t.head), ...t.rows.map(line)].join('\n') + '\n';
}

type Report = Awaited<ReturnType<typeof import('../runtime/index.ts').evaluateSplit>>['report'];

function formatEval(model: string, split: string, n: number, classes: string[], r: Report, note: string): string {
  const pct = (v: number) => (100 * v).toFixed(2) + '%';
  const names = r.perClass.map((_, c) => classes[c] ?? String(c));
  const w = Math.max(5, ...names.map((s) => s.length));
  const out = [`${model}, ${split} split: ${n} rows${note}`, `accuracy ${pct(r.accuracy)}`];
  if (r.kind === 'binary') out.push(`ROC-AUC ${r.rocAuc === null ? 'undefined (one class only)' : r.rocAuc.toFixed(4)}`);
  out.push('', `${'class'.padEnd(w)}  precision     recall         F1  support`);
  r.perClass.forEach((s, c) =>
    out.push(`${names[c]!.padEnd(w)}  ${pct(s.precision).padStart(9)}  ${pct(s.recall).padStart(9)}  ${pct(s.f1).padStart(9)}  ${String(s.support).padStart(7)}`),
  );
  out.push('', 'confusion matrix (rows: true class, columns: predicted class)');
  const cw = Math.max(w, ...r.confusionMatrix.flat().map((v) => String(v).length));
  out.push(`${''.padEnd(w)}  ${names.map((s) => s.padStart(cw)).join('  ')}`);
  r.confusionMatrix.forEach((row, c) => out.push(`${names[c]!.padEnd(w)}  ${row.map((v) => String(v).padStart(cw)).join('  ')}`));
  if (r.undefinedMetrics.length) out.push('', `zero denominators, reported as 0: ${r.undefinedMetrics.join(', ')}`);
  return out.join('\n') + '\n';
}
