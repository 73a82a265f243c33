/**
 * `mmfc train FILE [--out DIR] [--model NAME] [--epochs N] [--max-rows N] [--resume]`
 *
 * Checkpoints: the training child writes one after every epoch into `.<DIR name>.checkpoint/` next to DIR (not
 * into the staging folder, whose name holds a process id and which a later run removes). A run that fails or is
 * killed leaves it there; `--resume` continues from it; a run without `--resume` discards it; a published run
 * removes it.
 *
 * For each model: writes the generated tfjs program into DIR/src, runs it in a fresh Node process (so what
 * trains is exactly the code `mmfc build --target tfjs` gives users), then exports the trained weights as
 * DIR/<model>.onnx and checks that ONNX Runtime reproduces the tfjs test-split predictions.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { emitOnnx, readTfjsWeights } from '../compiler/emit/onnx/index.ts';
import { emitTfjs } from '../compiler/emit/tfjs/program.ts';
import { trainingDiagnostics, type IRModel } from '../compiler/index.ts';
import { onnxParity } from '../runtime/index.ts';
import { writeFileAtomic } from './atomic.ts';
import { checkOutputFolder } from './output-path.ts';
import { linkRuntime } from './link-runtime.ts';
import { backendAccepts, checkedModels } from './build.ts';
import { formatHuman } from './report.ts';
import { readSource } from './main.ts';
import { VERSION } from './version.ts';
import { publish, run } from './train-child.ts';
import { CHECKPOINT_FILE } from '../runtime/train/checkpoint.ts';


export async function trainCommand(
  file: string,
  o: { out?: string; model?: string; epochs?: number; maxRows?: number; resume?: boolean },
): Promise<number> {
  const text = readSource(file);
  // An --out (or the default out/<file name>) that cannot be written fails now, before anything is trained.
  checkOutputFolder('--out', o.out ?? join('out', basename(file, extname(file))));
  // `--model ENSEMBLE` trains an ensemble (cli/train-ensemble.ts).
  const ensembleCode = await (await import('./train-ensemble.ts')).maybeTrainEnsemble(file, text, o);
  if (ensembleCode !== undefined) return ensembleCode;
  const models = checkedModels(file, text, o.model);
  if (!models) return 1;
  const trainable = models.filter((m) => m.dataset);
  if (trainable.length === 0) {
    process.stderr.write(`${file}: no model reads a dataset; declare one with dataset NAME from jsonl("…")\n`);
    return 1;
  }
  // Refuse what the training loop cannot train (MMF4001) before anything is written or run.
  const refused = trainable.flatMap((m) => trainingDiagnostics(m));
  if (refused.length) {
    for (const d of refused) process.stderr.write(formatHuman({ ...d, file }, text) + '\n\n');
    process.stderr.write(`${file}: not trained because of the errors above\n`);
    return 1;
  }
  // Train runs the tfjs program and exports ONNX: refuse what either backend cannot emit (MMF4004, MMF4003).
  if (!backendAccepts(file, text, trainable, 'tfjs', 'trained') || !backendAccepts(file, text, trainable, 'onnx', 'trained')) return 1;
  const root = o.out ?? join('out', basename(file, extname(file)));
  for (const m of trainable) {
    const dir = trainable.length === 1 ? root : join(root, m.name);
    const code = await trainOne(file, text, m, dir, o);
    if (code !== 0) return code;
  }
  return 0;
}

/**
 * Train one model into a hidden staging folder next to `dir` and move it into place only when training, the
 * ONNX export and the parity check all succeed: a failed or interrupted run leaves `dir` as it was.
 */
async function trainOne(file: string, text: string, m: IRModel, dir: string, o: { epochs?: number; maxRows?: number; resume?: boolean }): Promise<number> {
  checkOutputFolder('--out', dir); // each model's own folder under --out, when there are several
  const ck = checkpointDir(dir);
  const owner = checkpointOwner(ck);
  if (owner !== null) {
    process.stderr.write(`mmfc: another mmfc (process ${owner}) is training into ${dir}; wait for it to finish or stop it first\n`);
    return 1;
  }
  removeStaleStages(dir);
  const ckFile = join(ck, CHECKPOINT_FILE);
  if (!o.resume && existsSync(ckFile)) {
    process.stdout.write(`discarding the checkpoint of an unfinished run in ${ck} (mmfc train --resume would have continued it)\n`);
    rmSync(ck, { recursive: true, force: true });
  }
  if (o.resume && !existsSync(ckFile)) process.stdout.write(`--resume: no checkpoint in ${ck}; training ${m.name} from the start\n`);
  mkdirSync(ck, { recursive: true });
  writeFileSync(join(ck, OWNER_FILE), String(process.pid));
  const stage = join(dirname(dir), `.${basename(dir)}.partial-${process.pid}`);
  rmSync(stage, { recursive: true, force: true });
  let code = 1;
  try {
    code = await trainInto(file, text, m, stage, dir, { ...o, checkpoint: ck });
    if (code === 0) {
      publish(stage, dir);
      rmSync(ck, { recursive: true, force: true });
      if (existsSync(join(dir, 'report.html'))) process.stdout.write(`report: ${join(dir, 'report.html')} (learning curves, confusion matrix, metrics)\n`);
    }
    return code;
  } finally {
    rmSync(stage, { recursive: true, force: true });
    rmSync(join(ck, OWNER_FILE), { force: true });
    if (code !== 0 && existsSync(ckFile)) {
      process.stderr.write(`${m.name}: the checkpoint of its last finished epoch is in ${ck}; add --resume to the same command to continue from it\n`);
    } else if (code !== 0) rmSync(ck, { recursive: true, force: true });
  }
}

/** Marks a checkpoint folder as in use by a running mmfc (its process id). */
const OWNER_FILE = 'owner.pid';

/** The checkpoint folder of output folder `dir`: `.<name>.checkpoint` beside it (stable across runs, unlike the stage). */
export function checkpointDir(dir: string): string {
  return join(dirname(dir), `.${basename(dir)}.checkpoint`);
}

/** The process id of a live mmfc using checkpoint folder `ck`, or null (none, itself, or a dead one). */
function checkpointOwner(ck: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(join(ck, OWNER_FILE), 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/**
 * Remove staging folders (`.<out>.partial-<pid>`) and half-removed previous outputs (`.<out>.old-<pid>`, left when
 * an mmfc is killed while publishing) of mmf processes that are no longer alive.
 */
function removeStaleStages(dir: string): void {
  const parent = dirname(dir);
  if (!existsSync(parent)) return;
  const prefixes = [`.${basename(dir)}.partial-`, `.${basename(dir)}.old-`];
  for (const name of readdirSync(parent)) {
    const prefix = prefixes.find((p) => name.startsWith(p));
    if (!prefix) continue;
    const pid = Number(name.slice(prefix.length));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      /* no such process */
    }
    if (!alive) rmSync(join(parent, name), { recursive: true, force: true });
  }
}


async function trainInto(
  file: string,
  text: string,
  m: IRModel,
  work: string,
  dir: string,
  o: { epochs?: number; maxRows?: number; resume?: boolean; checkpoint: string },
): Promise<number> {
  const src = join(work, 'src');
  let files: Awaited<ReturnType<typeof emitTfjs>>;
  try {
    files = await emitTfjs([m], { sourceName: relative(process.cwd(), file) || file, sourceText: text, version: VERSION });
  } catch (e) {
    process.stderr.write(`${file}: error: model ${m.name} could not be emitted to tfjs: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  }
  for (const f of files) writeFileAtomic(join(src, f.path), f.contents);
  linkRuntime(src);
  process.stdout.write(`\n== ${m.name}: ${m.nodes.reduce((n, x) => n + x.params, 0).toLocaleString('en-US')} parameters, training into ${dir}\n`);
  const args = [join(src, `${m.name}.train.ts`), work];
  if (o.epochs) args.push('--epochs', String(o.epochs));
  if (o.maxRows) args.push('--max-rows', String(o.maxRows));
  args.push('--checkpoint', o.checkpoint, '--keep-checkpoint');
  if (o.resume) args.push('--resume');
  const code = await run(process.execPath, ['--import', import.meta.resolve('tsx'), ...args]);
  if (code === 130 || code === 143) {
    process.stderr.write(`${m.name}: interrupted; ${dir} was left as it was\n`);
    return code;
  }
  if (code !== 0) {
    process.stderr.write(`${m.name}: training failed (exit ${code}); ${dir} was left as it was\n`);
    return 1;
  }
  const onnxPath = join(work, `${m.name}.onnx`);
  let bytes: Uint8Array;
  try {
    bytes = emitOnnx(m, readTfjsWeights(work, m), { docString: `${m.name} from ${file}, trained by mmfc ${VERSION}` });
  } catch (e) {
    process.stderr.write(`${file}: error: model ${m.name} could not be exported to ONNX: ${(e as Error)?.message ?? String(e)}\n`);
    return 1;
  }
  writeFileAtomic(onnxPath, bytes);
  const p = await onnxParity(work, onnxPath);
  process.stdout.write(
    `ONNX ${join(dir, `${m.name}.onnx`)}: ${p.rows} test rows, max |Δp| vs tfjs ${p.maxAbsDiff.toExponential(2)}, same class on ${p.sameClass}/${p.rows}\n`,
  );
  if (p.maxAbsDiff > 1e-4 || p.sameClass !== p.rows) {
    process.stderr.write(`${m.name}: ONNX Runtime disagrees with tfjs beyond 1e-4; please report this as a bug\n`);
    return 1;
  }
  return 0;
}

