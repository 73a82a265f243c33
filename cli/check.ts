/** `mmfc check FILE... [--json] [--summary]` */
import { compile } from '../compiler/index.ts';
import { readSource } from './main.ts';
import { formatHuman, toJson, type FileDiagnostic } from './report.ts';
import { summaryTable } from './summary.ts';

export async function checkCommand(files: string[], o: { json?: boolean; summary?: boolean }): Promise<number> {
  const all: FileDiagnostic[] = [];
  const sources = new Map<string, string>();
  const summaries: string[] = [];
  for (const file of files) {
    const text = readSource(file);
    sources.set(file, text);
    const r = compile(text, { fileName: file });
    all.push(...r.diagnostics.map((d) => ({ ...d, file })));
    if (o.summary) for (const m of r.models) summaries.push(summaryTable(m));
  }
  const errors = all.filter((d) => d.severity === 'error').length;
  if (o.json) process.stdout.write(toJson(all) + '\n');
  else {
    for (const d of all) process.stdout.write(formatHuman(d, sources.get(d.file)) + '\n\n');
    for (const s of summaries) process.stdout.write(s + '\n\n');
    const warnings = all.filter((d) => d.severity === 'warning').length;
    process.stdout.write(
      errors || warnings
        ? `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}\n`
        : `${files.length} file${files.length === 1 ? '' : 's'} checked: no problems\n`,
    );
  }
  return errors ? 1 : 0;
}
