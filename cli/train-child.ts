/**
 * What `mmfc train` does around a training child process, for single models and ensembles alike: run it with
 * signals forwarded, and publish its staging folder in place of the output folder.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export /** Replace `dir` by `stage` (two renames; the old folder is removed last). */
function publish(stage: string, dir: string): void {
  mkdirSync(dirname(dir), { recursive: true });
  const old = join(dirname(dir), `.${basename(dir)}.old-${process.pid}`);
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(stage, dir);
  rmSync(old, { recursive: true, force: true });
  process.stdout.write(`wrote ${dir}\n`);
}

/**
 * Run the training program. SIGINT and SIGTERM sent to mmfc are passed on to it, and it has an IPC channel
 * whose closing (mmfc killed) makes it stop, so it never trains on as an orphan.
 */
export function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((done) => {
    const p = spawn(cmd, args, { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
    const forward = (signal: NodeJS.Signals) => p.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const finish = (code: number) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      done(code);
    };
    p.on('exit', (code, signal) => finish(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 128)));
    p.on('error', () => finish(127));
  });
}
