/**
 * Command-line arguments of a generated training program:
 * `[OUT_DIR] [--epochs N] [--max-rows N] [--checkpoint DIR] [--resume] [--keep-checkpoint]`.
 */

/** A bad command line for a generated program (printed without a stack trace). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface TrainArgs {
  outDir?: string;
  epochs?: number;
  maxRows?: number;
  /** Folder of the per-epoch checkpoint (default: the output folder). */
  checkpoint?: string;
  /** Continue from the checkpoint when there is one. */
  resume?: boolean;
  /** Leave the checkpoint in place after a successful run (mmfc removes it after publishing the outputs). */
  keepCheckpoint?: boolean;
}

/**
 * Parse a generated `<Model>.train.ts`'s arguments.
 * @throws Error naming the flag when a value is missing or not a whole number ≥ 1, or a flag is unknown.
 */
export function parseTrainArgs(argv: readonly string[]): TrainArgs {
  const out: TrainArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--epochs' || a === '--max-rows') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new UsageError(`${a} takes a whole number ≥ 1, got '${argv[i] ?? ''}'`);
      if (a === '--epochs') out.epochs = v;
      else out.maxRows = v;
    } else if (a === '--checkpoint') {
      const v = argv[++i];
      if (v === undefined || v === '' || v.startsWith('--')) throw new UsageError(`--checkpoint takes a folder`);
      out.checkpoint = v;
    } else if (a === '--resume') out.resume = true;
    else if (a === '--keep-checkpoint') out.keepCheckpoint = true;
    else if (a.startsWith('--'))
      throw new UsageError(`unknown option ${a}; expected [OUT_DIR] [--epochs N] [--max-rows N] [--checkpoint DIR] [--resume] [--keep-checkpoint]`);
    else if (out.outDir === undefined) out.outDir = a;
    else throw new UsageError(`unexpected argument '${a}'`);
  }
  return out;
}
