/**
 * `mmfc build FILE --model ENSEMBLE --target tfjs --out DIR`: the members' model files and `<Ensemble>.ensemble.ts`.
 * `mmfc build FILE --model ENSEMBLE --target onnx --weights TRAINED_DIR --out DIR`: the ensemble's one ONNX graph
 * from a folder `mmfc train --model ENSEMBLE` wrote (the combiner — vote weights, α, meta-learner — is learnt, so an
 * ensemble has no random-weights ONNX build).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { emitEnsembleOnnx, type OnnxEnsembleDescription } from '../compiler/emit/onnx/ensemble.ts';
import { readTfjsWeights } from '../compiler/emit/onnx/index.ts';
import { emitEnsembleTfjs } from '../compiler/emit/tfjs/ensemble.ts';
import { compile } from '../compiler/index.ts';
import { writeFileAtomic } from './atomic.ts';
import { backendAccepts } from './build.ts';
import { linkRuntime } from './link-runtime.ts';
import { UsageError } from './main.ts';
import { formatHuman } from './report.ts';
import { VERSION } from './version.ts';

/** When `--model` names an ensemble, build it and return the exit code; otherwise undefined. */
export async function maybeBuildEnsemble(file: string, text: string, o: { target: string; out: string; weights?: string; model?: string }): Promise<number | undefined> {
  if (!o.model) return undefined;
  const r = compile(text, { fileName: file });
  if (!r.program.decls.some((d) => d.kind === 'Ensemble' && d.name.name === o.model)) return undefined;
  for (const d of r.diagnostics) process.stderr.write(formatHuman({ ...d, file }, text) + '\n\n');
  const ens = r.ensembles.find((e) => e.name === o.model);
  if (r.diagnostics.some((d) => d.severity === 'error') || !ens) {
    process.stderr.write(`${file}: ensemble ${o.model} not built because of the errors above\n`);
    return 1;
  }
  if (!backendAccepts(file, text, ens.models, o.target === 'onnx' ? 'onnx' : 'tfjs', 'built')) return 1;
  if (o.target === 'tfjs') {
    const files = await emitEnsembleTfjs(ens, { sourceName: relative(process.cwd(), file) || file, sourceText: text, version: VERSION });
    for (const f of files) writeFileAtomic(join(o.out, f.path), f.contents);
    linkRuntime(o.out);
    process.stdout.write(`wrote ${files.map((f) => join(o.out, f.path)).join(', ')}\n`);
    return 0;
  }
  if (!o.weights) throw new UsageError(`ensemble ${ens.name}: its ONNX graph needs the trained folder (mmfc train --model ${ens.name}): add --weights DIR`);
  const descPath = join(o.weights, 'ensemble.json');
  if (!existsSync(descPath)) throw new UsageError(`${o.weights} holds no ensemble.json: pass the folder mmfc train --model ${ens.name} wrote`);
  const desc = JSON.parse(readFileSync(descPath, 'utf8')) as OnnxEnsembleDescription;
  if (desc.name !== ens.name || desc.kind !== ens.kind) throw new UsageError(`${o.weights} holds ensemble ${desc.name} (${desc.kind}), not ${ens.name} (${ens.kind})`);
  let bytes: Uint8Array;
  try {
    bytes = emitEnsembleOnnx(
      desc,
      desc.units.map((u) => {
        const model = ens.models.find((m) => m.name === u.model);
        if (!model) throw new Error(`unit ${u.id} was trained from ${u.model}, which is not a member of ${ens.name} any more; retrain`);
        return { model, weights: readTfjsWeights(join(o.weights!, 'members', u.id), model) };
      }),
      { docString: `ensemble ${ens.name} from ${file}` },
    );
  } catch (e) {
    process.stderr.write(`${file}: error: ensemble ${ens.name} could not be exported to ONNX: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  }
  const path = join(o.out, `${ens.name}.onnx`);
  writeFileAtomic(path, bytes);
  process.stdout.write(`wrote ${path} (${desc.units.length} members and the combiner, weights from ${o.weights})\n`);
  return 0;
}
