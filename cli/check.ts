/** `mmfc check FILE... [--json] [--summary]` */
import { compile } from '../compiler/index.ts';
import { readSource, UsageError } from './main.ts';
import { formatHuman, toJson, type FileDiagnostic } from './report.ts';
import { summaryTable } from './summary.ts';

const MAX_PER_FILE = 50;

export async function checkCommand(files: string[], o: { json?: boolean; summary?: boolean }): Promise<number> {
  const all: FileDiagnostic[] = [];
  const sources = new Map<string, string>();
  const summaries: string[] = [];
  let unreadable = false;
  for (const file of files) {
    let text: string;
    try {
      text = readSource(file);
    } catch (e) {
      // With --json, a file that cannot be read is still reported on stdout (MMF0008), so tools always get JSON.
      if (o.json && e instanceof UsageError) {
        const at = { line: 0, character: 0 };
        const d: FileDiagnostic = {
          file,
          code: 'MMF0008',
          severity: 'error',
          message: e.message,
          range: { start: at, end: at },
          hint: 'give the path of an existing .mmf file (UTF-8 text) that this user may read',
        };
        all.push(d);
        process.stderr.write(`mmfc: ${e.message}\n`);
        unreadable = true;
        continue;
      }
      throw e;
    }
    sources.set(file, text);
    const r = compile(text, { fileName: file });
    all.push(...r.diagnostics.map((d) => ({ ...d, file })));
    if (o.summary) for (const m of r.models) summaries.push(summaryTable(m));
  }
  const errors = all.filter((d) => d.severity === 'error').length;
  if (o.json) process.stdout.write(toJson(all) + '\n');
  else {
    // Past MAX_PER_FILE problems in one file, the rest are counted, not printed (a binary file gives hundreds).
    const shown = new Map<string, number>();
    for (const d of all) {
      const n = (shown.get(d.file) ?? 0) + 1;
      shown.set(d.file, n);
      if (n <= MAX_PER_FILE) process.stdout.write(formatHuman(d, sources.get(d.file)) + '\n\n');
    }
    for (const [file, n] of shown)
      if (n > MAX_PER_FILE) process.stdout.write(`${file}: ${n - MAX_PER_FILE} more problems not shown (--json lists them all)\n\n`);
    for (const s of summaries) process.stdout.write(s + '\n\n');
    const warnings = all.filter((d) => d.severity === 'warning').length;
    process.stdout.write(
      errors || warnings
        ? `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}\n`
        : `${files.length} file${files.length === 1 ? '' : 's'} checked: no problems\n`,
    );
  }
  // A file that could not be read is a usage error (exit 2), as without --json.
  return unreadable ? 2 : errors ? 1 : 0;
}
