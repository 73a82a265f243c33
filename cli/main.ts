/**
 * mmfc: the command-line shell over the compiler (check, build) and the runtime (train, eval, predict).
 * Exit codes: 0 success, 1 errors in the input, 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { VERSION } from './version.ts';

/** Thrown for bad command lines; main() turns it into exit code 2. */
export class UsageError extends Error {}

/** Run mmfc with `argv` (without node and script); resolves to the exit code. Never calls process.exit. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command('mmfc')
    .description('Compiler for mmf, a language for multimodal neural networks: check shapes, build tfjs or ONNX, train.')
    .version(VERSION, '-v, --version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .showHelpAfterError('(run mmfc --help for usage)');

  program
    .command('check')
    .description('Check .mmf files: syntax, names, tensor shapes and hyperparameters')
    .argument('<files...>', '.mmf files to check')
    .option('--json', 'print diagnostics as one JSON array')
    .option('--summary', 'print a table of layers, output shapes, parameters and FLOPs per model')
    .action(async (files: string[], o: { json?: boolean; summary?: boolean }) => {
      code = await (await import('./check.ts')).checkCommand(files, o);
    });

  program
    .command('build')
    .description('Compile a .mmf file to TensorFlow.js TypeScript or to ONNX graphs')
    .argument('<file>', '.mmf file')
    .requiredOption('--target <target>', 'tfjs or onnx')
    .requiredOption('--out <dir>', 'output folder')
    .option('--weights <dir>', 'trained tfjs model folder (model.json) whose weights go into the ONNX graph')
    .option('--model <name>', 'only this model')
    .action(async (file: string, o: { target: string; out: string; weights?: string; model?: string }) => {
      code = await (await import('./build.ts')).buildCommand(file, o);
    });

  program
    .command('fmt')
    .description('Format .mmf files in place (folders are searched for .mmf files); comments are kept')
    .argument('<files...>', '.mmf files or folders')
    .option('--check', 'change nothing: list the files that are not formatted and exit 1 if there are any')
    .action(async (files: string[], o: { check?: boolean }) => {
      code = await (await import('./fmt.ts')).fmtCommand(files, o);
    });

  program
    .command('train')
    .description('Build and train the models of a .mmf file, evaluate them on the test split, export ONNX')
    .argument('<file>', '.mmf file')
    .option('--out <dir>', 'output folder (default: out/<file name>)')
    .option('--model <name>', 'only this model')
    .option('--epochs <n>', 'override the number of epochs', (v) => positiveInt(v, '--epochs'))
    .option('--max-rows <n>', 'train, validate and test on a seeded random sample of at most N rows per split (quick trials)', (v) => positiveInt(v, '--max-rows'))
    .option('--resume', 'continue an interrupted or killed run from its last epoch checkpoint (.<out>.checkpoint beside the output folder)')
    .action(async (file: string, o: { out?: string; model?: string; epochs?: number; maxRows?: number; resume?: boolean }) => {
      // Loaded lazily: the runtime (tfjs) is only needed to train.
      code = await (await import('./train.ts')).trainCommand(file, o);
    });

  program
    .command('eval')
    .description('Evaluate a trained model folder on a split of the dataset the .mmf file names: accuracy, per-class scores, confusion matrix, ROC-AUC')
    .argument('<file>', '.mmf file')
    .requiredOption('--model <dir>', 'trained model folder (as mmfc train wrote it)')
    .option('--split <split>', 'test, val or train', 'test')
    .option('--json', 'print the metrics as JSON')
    .option('--drop <input>', 'robustness: evaluate again with this input removed (text: padding, categorical: unknown, numbers: 0); repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--noise <input:level>', 'robustness: evaluate again with this input noised (numbers: + level × feature std × N(0,1); text/categorical: share of tokens made unknown); repeatable, levels may be listed: body:0.1,0.3', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--seed <n>', 'seed of the noise (default 0)', (v) => nonNegativeInt(v, '--seed'))
    .option('--report <file>', 'write the HTML report here (default: <model>/eval-<split>.html)')
    .action(async (file: string, o: { model: string; split?: string; json?: boolean; drop?: string[]; noise?: string[]; seed?: number; report?: string }) => {
      code = await (await import('./eval.ts')).evalCommand(file, o);
    });

  program
    .command('predict')
    .description('Predict the rows of a JSONL, JSON or CSV file with a trained model folder: one JSON line per row')
    .argument('<file>', '.mmf file')
    .requiredOption('--model <dir>', 'trained model folder (as mmfc train wrote it)')
    .requiredOption('--input <data>', '.jsonl, .json or .csv file with the model\'s input columns')
    .option('--runtime <runtime>', 'tfjs or onnx', 'tfjs')
    .option('--out <file>', 'write the JSON lines to this file (atomically) instead of printing them')
    .action(async (file: string, o: { model: string; input: string; runtime?: string; out?: string }) => {
      code = await (await import('./predict.ts')).predictCommand(file, o);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError) {
      process.stderr.write(`mmfc: ${e.message}\n`);
      return 2;
    }
    // A bad output path, or a filesystem error that got past the up-front checks: one line with the path and the fix.
    const { OutputPathError, describeFsError } = await import('./output-path.ts');
    const fs = e instanceof OutputPathError ? e.message : describeFsError(e);
    process.stderr.write(`mmfc: ${fs ?? (e instanceof Error ? e.message : String(e))}\n`);
    return 1;
  }
}

function nonNegativeInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} takes a whole number ≥ 0, got '${v}'`);
  return n;
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} takes a whole number ≥ 1, got '${v}'`);
  return n;
}

/** Read a source file, or explain why not (a usage error: exit 2). */
export function readSource(file: string): string {
  try {
    const text = readFileSync(file, 'utf8');
    if (text.includes('\u0000')) throw new UsageError(`${file} is not a text file (it contains NUL bytes); .mmf files are UTF-8 text`);
    return text;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder, not a .mmf file' : (e as Error).message;
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
}
