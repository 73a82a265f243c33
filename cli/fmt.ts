/**
 * `mmfc fmt [--check] FILE|DIR...`: format .mmf files in place with the canonical layout (grammar/format.ts).
 * Folders are searched for .mmf files (node_modules and dot-folders skipped).
 *
 * Exit codes: 0 when every file is (now) formatted; 1 when `--check` finds unformatted files (listed on
 * stdout, one per line) or a file has syntax errors (printed, file left untouched); 2 for usage errors.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { format } from '../grammar/format.ts';
import { writeFileAtomic } from './atomic.ts';
import { readSource, UsageError } from './main.ts';
import { formatHuman } from './report.ts';

/** The .mmf files named by `paths`: files as given, folders searched recursively, in a stable order. */
export function mmfFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.mmf')) out.push(p);
    }
  };
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new UsageError(`cannot read ${p}: no such file or folder`);
    }
    if (isDir) walk(p);
    else out.push(p);
  }
  return out;
}

/** Run `mmfc fmt`; resolves to the exit code. */
export async function fmtCommand(paths: string[], o: { check?: boolean }): Promise<number> {
  const files = mmfFiles(paths);
  let unformatted = 0;
  let broken = 0;
  let written = 0;
  for (const file of files) {
    const text = readSource(file);
    const r = format(text);
    if (!r.ok) {
      broken++;
      for (const d of r.diagnostics) process.stderr.write(formatHuman({ ...d, file }, text) + '\n');
      process.stderr.write(`${file}: not formatted (syntax errors)\n`);
      continue;
    }
    if (r.text === text) continue;
    if (o.check) {
      unformatted++;
      process.stdout.write(`${file}\n`);
    } else {
      writeFileAtomic(file, r.text);
      written++;
      process.stdout.write(`formatted ${file}\n`);
    }
  }
  const n = files.length;
  const of = `${n} file${n === 1 ? '' : 's'}`;
  if (o.check) {
    process.stderr.write(unformatted ? `${unformatted} of ${of} not formatted (run mmfc fmt to fix)\n` : broken ? '' : `${of} formatted\n`);
  } else if (!written && !broken) process.stdout.write(`${of} already formatted\n`);
  return unformatted || broken ? 1 : 0;
}
