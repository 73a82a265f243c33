/** `mmfc build FILE --target tfjs|onnx --out DIR [--weights DIR] [--model NAME]` */
import { join, relative } from 'node:path';
import { compile, type IRModel } from '../compiler/index.ts';
import { emitOnnx, randomWeights, readTfjsWeights } from '../compiler/emit/onnx/index.ts';
import { emitTfjs } from '../compiler/emit/tfjs/program.ts';
import { writeFileAtomic } from './atomic.ts';
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
  const models = checkedModels(file, text, o.model);
  if (!models) return 1;
  if (o.target === 'tfjs') {
    const files = await emitTfjs(models, { sourceName: relative(process.cwd(), file) || file, sourceText: text, version: VERSION });
    for (const f of files) writeFileAtomic(join(o.out, f.path), f.contents);
    process.stdout.write(`wrote ${files.map((f) => join(o.out, f.path)).join(', ')}\n`);
    return 0;
  }
  for (const m of models) {
    const weights = o.weights ? loadWeights(o.weights, m) : randomWeights(m, 0);
    if (!weights) continue;
    const path = join(o.out, `${m.name}.onnx`);
    writeFileAtomic(path, emitOnnx(m, weights, { docString: `${m.name} from ${file}` }));
    process.stdout.write(`wrote ${path} (${o.weights ? `weights from ${o.weights}` : 'random weights, seed 0'})\n`);
  }
  return 0;
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
