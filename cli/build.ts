/** `mmfc build FILE --target tfjs|onnx --out DIR [--weights DIR] [--model NAME]` */
import { join, relative } from 'node:path';
import { compile, type IRModel } from '../compiler/index.ts';
import { targetDiagnostics, type Target } from '../compiler/capabilities.ts';
import { emitOnnx, randomWeights, readTfjsWeights } from '../compiler/emit/onnx/index.ts';
import { emitTfjs } from '../compiler/emit/tfjs/program.ts';
import { writeFileAtomic } from './atomic.ts';
import { checkOutputFolder } from './output-path.ts';
import { linkRuntime } from './link-runtime.ts';
import { readSource, UsageError } from './main.ts';
import { formatHuman } from './report.ts';
import { VERSION } from './version.ts';

/**
 * Check `file`, then write the chosen target. Nothing is written when the file has errors.
 * Returns the exit code.
 */
export async function buildCommand(file: string, o: { target: string; out: string; weights?: string; model?: string }): Promise<number> {
  if (o.target !== 'tfjs' && o.target !== 'onnx') throw new UsageError(`--target must be tfjs or onnx, not '${o.target}'`);
  if (o.weights && o.target !== 'onnx') throw new UsageError('--weights applies to --target onnx only');
  const text = readSource(file);
  // An --out that cannot be written fails now, before anything is emitted.
  checkOutputFolder('--out', o.out);
  // `--model ENSEMBLE` builds an ensemble (cli/build-ensemble.ts).
  const ensembleCode = await (await import('./build-ensemble.ts')).maybeBuildEnsemble(file, text, o);
  if (ensembleCode !== undefined) return ensembleCode;
  const models = checkedModels(file, text, o.model);
  if (!models) return 1;
  // What the backend cannot emit (MMF4003/MMF4004), before anything is written.
  if (!backendAccepts(file, text, models, o.target, 'built')) return 1;
  // Everything is emitted in memory first, so a failure leaves no file behind (and no half of a multi-model build).
  if (o.target === 'tfjs') {
    const tfjsOpts = { sourceName: relative(process.cwd(), file) || file, sourceText: text, version: VERSION };
    let files: Awaited<ReturnType<typeof emitTfjs>>;
    try {
      files = await emitTfjs(models, tfjsOpts);
    } catch (e) {
      // Name the model that fails on its own (emitTfjs prints all of them together).
      let culprit = models.map((m) => m.name).join(', ');
      for (const m of models) {
        try {
          await emitTfjs([m], tfjsOpts);
        } catch {
          culprit = m.name;
          break;
        }
      }
      return emitFailed(file, culprit, 'tfjs', e);
    }
    for (const f of files) writeFileAtomic(join(o.out, f.path), f.contents);
    linkRuntime(o.out); // so `npx tsx <Model>.train.ts` runs in the output folder as its header says
    process.stdout.write(`wrote ${files.map((f) => join(o.out, f.path)).join(', ')}\n`);
    return 0;
  }
  const built: { path: string; bytes: Uint8Array }[] = [];
  for (const m of models) {
    const weights = o.weights ? loadWeights(o.weights, m) : randomWeights(m, 0);
    if (!weights) continue;
    try {
      built.push({ path: join(o.out, `${m.name}.onnx`), bytes: emitOnnx(m, weights, { docString: `${m.name} from ${file}` }) });
    } catch (e) {
      return emitFailed(file, m.name, 'ONNX', e);
    }
  }
  for (const { path, bytes } of built) {
    writeFileAtomic(path, bytes);
    process.stdout.write(`wrote ${path} (${o.weights ? `weights from ${o.weights}` : 'random weights, seed 0'})\n`);
  }
  return 0;
}

/**
 * Print the diagnostics of what `target` cannot emit in `models` (compiler/capabilities.ts) like check does;
 * true when there are none. Shared by build and train (`verb`: "built" / "trained").
 */
export function backendAccepts(file: string, text: string, models: IRModel[], target: Target, verb: string): boolean {
  const refused = models.flatMap((m) => targetDiagnostics(m, target));
  if (refused.length === 0) return true;
  for (const d of refused) process.stderr.write(formatHuman({ ...d, file }, text) + '\n\n');
  process.stderr.write(`${file}: not ${verb} because of the errors above\n`);
  return false;
}

/** The last line of defence: an exception while emitting is an error naming the model (exit 1), not a crash. */
function emitFailed(file: string, model: string, backend: string, e: unknown): number {
  process.stderr.write(
    `${file}: error: model ${model} could not be emitted to ${backend}: ${(e as Error)?.message ?? String(e)}\n` +
      `(this is a bug in mmf: mmfc check found no problem; please report it)\n${file}: nothing was written\n`,
  );
  return 1;
}

function loadWeights(dir: string, m: IRModel) {
  try {
    return readTfjsWeights(dir, m);
  } catch (e) {
    throw new UsageError(`--weights ${dir}: ${(e as Error).message}`);
  }
}

/**
 * Compile and print diagnostics; the models to build, or undefined when there are errors.
 * Shared by build and train.
 */
export function checkedModels(file: string, text: string, only?: string): IRModel[] | undefined {
  const r = compile(text, { fileName: file });
  for (const d of r.diagnostics) process.stderr.write(formatHuman({ ...d, file }, text) + '\n\n');
  if (r.diagnostics.some((d) => d.severity === 'error')) {
    process.stderr.write(`${file}: not built because of the errors above\n`);
    return undefined;
  }
  const models = only ? r.models.filter((m) => m.name === only) : r.models;
  if (only && models.length === 0)
    throw new UsageError(`${file} has no model named '${only}' (it has: ${r.models.map((m) => m.name).join(', ') || 'none'})`);
  if (models.length === 0) {
    process.stderr.write(`${file}: declares no model; nothing to build\n`);
    return undefined;
  }
  return models;
}
