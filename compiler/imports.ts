/**
 * `import "other.mmf"`: the imported file's declarations (datasets, inputs, labels, encoders, fusions, models —
 * and, transitively, what it imports) become visible in the importing file.
 *
 * Paths are relative to the importing file's folder. Each imported file is parsed and checked on its own (its
 * data paths stay relative to its own folder); its errors are reported at the `import` string of the importing
 * file, with the real location as related information (`file` set). Problems:
 * - MMF1013: the file cannot be read (at the string);
 * - MMF1014: an import cycle, naming the chain `a.mmf → b.mmf → a.mmf` (at the string that closes it);
 * - MMF1002: a name declared in two files: at this file's declaration when one of them is here, else at the
 *   second import, with the other declaration as related information.
 * Imported `train` blocks stay with their file; imported models are visible names but are built from their own
 * file (`mmfc build other.mmf`), not again by the importer.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, relative, resolve as resolvePath } from 'node:path';
import type { Decl, Program } from '../grammar/ast.ts';
import type { Diagnostic } from '../grammar/diagnostic.ts';
import { diagnostic } from '../grammar/diagnostic.ts';
import { parse, type ParseResult } from '../grammar/index.ts';
import type { NamedDecl } from './symbols.ts';

/** Reads an imported file by absolute path; undefined when it cannot be read. The language server passes unsaved buffers. */
export type ReadSource = (absPath: string) => string | undefined;

export const readSourceFromDisk: ReadSource = (p) => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
};

/** What the imports of one file make visible. */
export interface ImportedDecls {
  /** Declarations from imported files (transitively), in import order, duplicates across files removed. */
  decls: NamedDecl[];
  /** The absolute path of the file each imported declaration is written in. */
  fileOf: Map<Decl, string>;
}

/** Checks one imported file; returns its diagnostics and the declarations it makes visible (its own and imported). */
export type CheckImported = (
  program: Program,
  absPath: string,
  stack: string[],
) => { diagnostics: Diagnostic[]; imported: ImportedDecls };

const isNamed = (d: Decl): d is NamedDecl => d.kind !== 'Import' && d.kind !== 'Train';

/**
 * Load every `import` of `program` (written in `fileName`, or in the working directory when unnamed).
 * `stack` holds the absolute paths of the files being imported above this one (for cycles).
 */
export function loadImports(
  program: Program,
  fileName: string | undefined,
  stack: readonly string[],
  readSource: ReadSource,
  checkImported: CheckImported,
  diags: Diagnostic[],
  /** How to parse an imported file (the language server keeps an incremental parser per file); parse() by default. */
  parseSource: (text: string, absPath: string) => ParseResult = (text) => parse(text),
): ImportedDecls {
  const out: ImportedDecls = { decls: [], fileOf: new Map() };
  const imports = program.decls.filter((d) => d.kind === 'Import');
  if (!imports.length) return out;
  const here = fileName ? resolvePath(fileName) : undefined;
  const baseDir = here ? dirname(here) : process.cwd();
  const show = (p: string) => relative(baseDir, p) || basename(p);
  // Names declared in this file win; names from imports are claimed by the first file that brings them.
  const local = new Map<string, NamedDecl>();
  for (const d of program.decls) if (isNamed(d) && !local.has(d.name.name)) local.set(d.name.name, d);
  const claimed = new Map<string, { decl: NamedDecl; file: string }>();
  const seen = new Set<string>();
  for (const imp of imports) {
    const abs = resolvePath(baseDir, imp.path.value);
    const chainStart = here ? [...stack, here] : [...stack];
    if (chainStart.includes(abs)) {
      const chain = [...chainStart.slice(chainStart.indexOf(abs)), abs].map(show);
      diags.push(
        diagnostic(
          'MMF1014',
          'error',
          `import cycle: ${chain.join(' → ')}`,
          imp.path.range,
          'Move the shared declarations into a third file that both import, and remove one of these imports.',
        ),
      );
      continue;
    }
    if (seen.has(abs)) continue;
    seen.add(abs);
    const text = readSource(abs);
    if (text === undefined) {
      diags.push(
        diagnostic(
          'MMF1013',
          'error',
          `cannot read the imported file "${imp.path.value}" (looked for ${abs})`,
          imp.path.range,
          'Fix the path: it is relative to the folder of the file that imports it.',
        ),
      );
      continue;
    }
    const parsed = parseSource(text, abs);
    const sub = checkImported(parsed.program, abs, chainStart);
    const errors = [...parsed.diagnostics, ...sub.diagnostics].filter((d) => d.severity === 'error');
    for (const e of errors)
      diags.push(
        diagnostic(
          e.code,
          'error',
          `in ${show(abs)}:${e.range.start.line + 1}:${e.range.start.character + 1}: ${e.message}`,
          imp.path.range,
          e.hint,
          [{ message: e.message, range: e.range, file: abs }, ...(e.related ?? []).map((r) => ({ ...r, file: r.file ?? abs }))],
        ),
      );
    const visible: { decl: NamedDecl; file: string }[] = [
      ...sub.imported.decls.map((decl) => ({ decl, file: sub.imported.fileOf.get(decl)! })),
      ...parsed.program.decls.filter(isNamed).map((decl) => ({ decl, file: abs })),
    ];
    for (const v of visible) {
      const name = v.decl.name.name;
      const mine = local.get(name);
      if (mine) {
        diags.push(
          diagnostic(
            'MMF1002',
            'error',
            `'${name}' is declared here and in ${show(v.file)} (imported at line ${imp.range.start.line + 1})`,
            mine.name.range,
            'Rename one of them; every name has one meaning across a file and its imports.',
            [{ message: `'${name}' declared in ${show(v.file)}`, range: v.decl.name.range, file: v.file }],
          ),
        );
        continue;
      }
      const prev = claimed.get(name);
      if (prev) {
        if (prev.file !== v.file)
          diags.push(
            diagnostic(
              'MMF1002',
              'error',
              `'${name}' is declared in both ${show(prev.file)} and ${show(v.file)}`,
              imp.path.range,
              'Rename one of them, or import only one of the files.',
              [
                { message: `'${name}' declared in ${show(prev.file)}`, range: prev.decl.name.range, file: prev.file },
                { message: `'${name}' declared in ${show(v.file)}`, range: v.decl.name.range, file: v.file },
              ],
            ),
          );
        continue;
      }
      claimed.set(name, v);
      out.decls.push(v.decl);
      out.fileOf.set(v.decl, v.file);
    }
  }
  return out;
}
