/**
 * Output paths checked before a command computes or writes anything, and filesystem errors (errno) turned into
 * one-line messages that say what went wrong, where, and how to fix it. Both end the command with exit code 1.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A bad output path or a failed write, with a message for users; main() prints it after `mmfc: ` and exits 1. */
export class OutputPathError extends Error {}

/** What exists at `path`: 'file', 'folder', or null when nothing does (or it cannot be seen). */
function kindOf(path: string): 'file' | 'folder' | null {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file';
  } catch {
    return null;
  }
}

/**
 * Check that the folders that will hold `path` can be made and written: walks up from `dirname(path)` (or from
 * `path` itself when `self` is true) to the nearest thing that exists. Throws OutputPathError when that is a file
 * ("a parent of --out is a file") or a folder this process may not write into ("permission denied").
 */
function checkParents(flag: string, path: string, from: string): void {
  let p = resolve(from);
  for (;;) {
    const k = kindOf(p);
    if (k === 'file') throw new OutputPathError(`${flag} ${path}: a parent of ${flag}, ${p}, is a file, not a folder; choose another ${flag} or move that file`);
    if (k === 'folder') break;
    const up = dirname(p);
    if (up === p) return; // nothing exists up to the root: mkdir will report it
    p = up;
  }
  try {
    accessSync(p, constants.W_OK | constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EROFS') throw new OutputPathError(`cannot write to ${p}: read-only file system — choose another ${flag}`);
    throw new OutputPathError(`cannot write to ${p}: permission denied — choose another ${flag} or fix its permissions`);
  }
}

/**
 * Check an output folder (`mmfc build --out DIR`, `mmfc train --out DIR`) before anything is computed.
 * Throws OutputPathError when DIR is a file, when a parent of DIR is a file, or when the nearest existing folder
 * at or above DIR is not writable. `flag` names the option in messages (e.g. '--out').
 */
export function checkOutputFolder(flag: string, dir: string): void {
  if (kindOf(dir) === 'file') throw new OutputPathError(`${flag} ${dir} is a file, not a folder; choose another ${flag} or remove the file`);
  checkParents(flag, dir, dir);
}

/**
 * Check an output file (`mmfc predict --out FILE`, `mmfc eval --report FILE`) before anything is computed.
 * Throws OutputPathError when FILE is an existing folder, when a parent of FILE is a file, or when the folder that
 * will hold FILE is not writable.
 */
export function checkOutputFile(flag: string, file: string): void {
  if (kindOf(file) === 'folder') throw new OutputPathError(`${flag} ${file} is a folder; give a file name (for example ${flag} ${file.replace(/[\\/]+$/, '')}/out.${flag === '--report' ? 'html' : 'jsonl'})`);
  checkParents(flag, file, dirname(file));
}

const FS_CODES: Record<string, string> = {
  EACCES: 'permission denied — fix its permissions or choose another path',
  EPERM: 'operation not permitted — fix its permissions or choose another path',
  ENOSPC: 'no space left on the device — free some space or choose another path',
  EROFS: 'read-only file system — choose another path',
  EISDIR: 'it is a folder where a file was expected — give a file name',
  ENOTDIR: 'a part of the path is a file, not a folder — choose another path or move that file',
  EEXIST: 'a file is in the way where a folder was expected — choose another path or remove that file',
};

/** System calls that create or change files: their errors are reported as 'cannot write'. */
const WRITES = new Set(['mkdir', 'rename', 'write', 'unlink', 'rmdir', 'rm', 'copyfile', 'symlink', 'link', 'ftruncate']);

/**
 * One line for a filesystem error `e` (a Node errno error with `code`, `path` and perhaps `dest`), naming the path
 * and the fix, or null when `e` is not one of EACCES, EPERM, ENOSPC, EROFS, EISDIR, ENOTDIR, EEXIST.
 * A temporary file of an atomic write (`.NAME.PID.TIME.tmp`) is reported as the file it stands for.
 */
export function describeFsError(e: unknown): string | null {
  const err = e as NodeJS.ErrnoException & { dest?: string };
  if (!err || typeof err !== 'object' || typeof err.code !== 'string' || !(err.code in FS_CODES)) return null;
  // For a rename, the destination is what the user named; for anything else, the path.
  let where = err.code === 'EISDIR' && err.dest ? err.dest : (err.path ?? err.dest);
  const tmp = /(^|[\\/])\.([^\\/]+)\.\d+\.\d+\.tmp$/;
  const writing = (where !== undefined && tmp.test(where)) || WRITES.has(err.syscall ?? '');
  if (where) where = where.replace(tmp, '$1$2');
  const verb = writing ? 'cannot write' : 'cannot access';
  return where ? `${verb} ${where}: ${FS_CODES[err.code]}` : `${err.code}: ${FS_CODES[err.code]}`;
}
