/**
 * `mmfc train FILE --model ENSEMBLE [--out DIR] [--epochs N] [--max-rows N] [--resume]`
 *
 * Writes the generated tfjs program (members' model files and `<Ensemble>.ensemble.ts`) into a staging folder
 * `.<DIR name>.ensemble-partial` beside DIR, runs it in a fresh Node process (progress per member, fold and round),
 * exports ONE ONNX graph with every unit and the combiner, checks that ONNX Runtime reproduces the tfjs ensemble's
 * test probabilities within 1e-4, and only then moves the folder to DIR.
 *
 * The staging folder is stable (no process id): a run that fails or is interrupted leaves its finished units and
 * `ensemble-state.json` there, and `--resume` continues from them; a run without `--resume` starts afresh.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { emitEnsembleOnnx, type OnnxEnsembleDescription } from '../compiler/emit/onnx/ensemble.ts';
import { readTfjsWeights } from '../compiler/emit/onnx/index.ts';
import { emitEnsembleTfjs } from '../compiler/emit/tfjs/ensemble.ts';
import { compile, trainingDiagnostics, type IREnsemble } from '../compiler/index.ts';
import { ensembleOnnxParity } from '../runtime/ensemble/parity.ts';
import { writeFileAtomic } from './atomic.ts';
import { backendAccepts } from './build.ts';
import { linkRuntime } from './link-runtime.ts';
import { formatHuman } from './report.ts';
import { VERSION } from './version.ts';
import { publish, run } from './train-child.ts';

type Options = { out?: string; model?: string; epochs?: number; maxRows?: number; resume?: boolean };

/**
 * When `--model` names an ensemble of `file`, train it and return the exit code; otherwise undefined (the caller
 * trains models as usual). Compile errors are printed and give exit code 1.
 */
export async function maybeTrainEnsemble(file: string, text: string, o: Options): Promise<number | undefined> {
  if (!o.model) return trainAll(file, text, o);
  const r = compile(text, { fileName: file });
  const isEnsemble = r.program.decls.some((d) => d.kind === 'Ensemble' && d.name.name === o.model);
  if (!isEnsemble) return undefined;
  for (const d of r.diagnostics) process.stderr.write(formatHuman({ ...d, file }, text) + '\n\n');
  const ens = r.ensembles.find((e) => e.name === o.model);
  if (r.diagnostics.some((d) => d.severity === 'error') || !ens) {
    process.stderr.write(`${file}: ensemble ${o.model} not trained because of the errors above\n`);
    return 1;
  }
  const refused = ens.models.flatMap((m) => trainingDiagnostics(m));
  if (refused.length) {
    for (const d of refused) process.stderr.write(formatHuman({ ...d, file }, text) + '\n\n');
    process.stderr.write(`${file}: ensemble ${ens.name} not trained because of the errors above\n`);
    return 1;
  }
  if (!backendAccepts(file, text, ens.models, 'tfjs', 'trained') || !backendAccepts(file, text, ens.models, 'onnx', 'trained')) return 1;
  const dir = o.out ?? join('out', basename(file, extname(file)), ens.name);
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    process.stderr.write(`mmfc: --out ${dir} is a file, not a folder\n`);
    return 2;
  }
  return trainEnsemble(file, text, ens, dir, o);
}

/**
 * Without `--model`, a file that declares ensembles trains its own models (each into DIR/<Model>) and then every
 * ensemble (into DIR/<Ensemble>, or DIR itself when the file has one ensemble and no model of its own, as
 * `late.mmf`-style files that only combine imported models). Files without ensembles: undefined (trained as before).
 */
async function trainAll(file: string, text: string, o: Options): Promise<number | undefined> {
  const r = compile(text, { fileName: file });
  const names = r.program.decls.flatMap((d) => (d.kind === 'Ensemble' ? [d.name.name] : []));
  if (names.length === 0 || r.diagnostics.some((d) => d.severity === 'error')) return undefined;
  const root = o.out ?? join('out', basename(file, extname(file)));
  const own = r.models.filter((m) => m.dataset);
  const { trainCommand } = await import('./train.ts');
  for (const m of own) {
    const code = await trainCommand(file, { ...o, model: m.name, out: join(root, m.name) });
    if (code !== 0) return code;
  }
  for (const name of names) {
    const code = await maybeTrainEnsemble(file, text, { ...o, model: name, out: own.length === 0 && names.length === 1 ? root : join(root, name) });
    if (code !== 0) return code ?? 1;
  }
  return 0;
}

async function trainEnsemble(file: string, text: string, ens: IREnsemble, dir: string, o: Options): Promise<number> {
  const stage = join(dirname(dir), `.${basename(dir)}.ensemble-partial`);
  if (!o.resume && existsSync(stage)) {
    process.stdout.write(`discarding the unfinished ensemble run in ${stage} (mmfc train --resume would have continued it)\n`);
    rmSync(stage, { recursive: true, force: true });
  }
  if (o.resume && !existsSync(join(stage, 'ensemble-state.json'))) process.stdout.write(`--resume: nothing to resume in ${stage}; training ${ens.name} from the start\n`);
  const src = join(stage, 'src');
  let files;
  try {
    files = await emitEnsembleTfjs(ens, { sourceName: relative(process.cwd(), file) || file, sourceText: text, version: VERSION });
  } catch (e) {
    process.stderr.write(`${file}: error: ensemble ${ens.name} could not be emitted to tfjs: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  }
  for (const f of files) writeFileAtomic(join(src, f.path), f.contents);
  linkRuntime(src);
  const what = ens.kind === 'bagging' ? `${ens.bagging!.members} bootstrap members of ${ens.members[0]}` : ens.kind === 'boosting' ? `up to ${ens.boosting!.rounds} rounds of ${ens.members[0]}` : ens.members.join(', ');
  process.stdout.write(`\n== ${ens.name} (${ens.kind}): ${what}; training into ${dir}\n`);
  const args = [join(src, `${ens.name}.ensemble.ts`), stage];
  if (o.epochs) args.push('--epochs', String(o.epochs));
  if (o.maxRows) args.push('--max-rows', String(o.maxRows));
  if (o.resume) args.push('--resume');
  const code = await run(process.execPath, ['--import', import.meta.resolve('tsx'), ...args]);
  if (code !== 0) {
    process.stderr.write(
      `${ens.name}: ${code === 130 || code === 143 ? 'interrupted' : `training failed (exit ${code})`}; ${dir} was left as it was. ` +
        `The finished members are in ${stage}: add --resume to the same command to continue.\n`,
    );
    return code === 130 || code === 143 ? code : 1;
  }
  const desc = JSON.parse(readFileSync(join(stage, 'ensemble.json'), 'utf8')) as OnnxEnsembleDescription;
  const onnxPath = join(stage, `${ens.name}.onnx`);
  try {
    const units = desc.units.map((u) => {
      const model = ens.models.find((m) => m.name === u.model);
      if (!model) throw new Error(`unit ${u.id} was trained from ${u.model}, which is not a member any more; retrain`);
      return { model, weights: readTfjsWeights(join(stage, 'members', u.id), model) };
    });
    writeFileAtomic(onnxPath, emitEnsembleOnnx(desc, units, { docString: `ensemble ${ens.name} from ${file}, trained by mmfc ${VERSION}` }));
  } catch (e) {
    process.stderr.write(`${file}: error: ensemble ${ens.name} could not be exported to ONNX: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  }
  const p = await ensembleOnnxParity(stage, onnxPath);
  process.stdout.write(`ONNX ${join(dir, `${ens.name}.onnx`)} (${desc.units.length} members and the combiner in one graph): ${p.rows} test rows, max |Δp| vs tfjs ${p.maxAbsDiff.toExponential(2)}, same class on ${p.sameClass}/${p.rows}\n`);
  if (p.maxAbsDiff > 1e-4 || p.sameClass !== p.rows) {
    process.stderr.write(`${ens.name}: ONNX Runtime disagrees with tfjs beyond 1e-4; please report this as a bug\n`);
    return 1;
  }
  publish(stage, dir);
  return 0;
}

