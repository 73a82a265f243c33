/**
 * One analysed version of a document: the compiler's result plus an index of what sits where (names,
 * references, layer calls, columns), built lazily for the editor features.
 */
import { statSync } from 'node:fs';
import { basename, dirname, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile, type CompileResult } from '../../compiler/index.ts';
import type { IncrementalCompiler } from '../../compiler/incremental.ts';
import { columnsOf, readHeadFromDisk, type ReadHead } from '../../compiler/data-columns.ts';
import type { ReadSource } from '../../compiler/imports.ts';
import type { DatasetPlan } from '../../compiler/ir.ts';
import type { SymbolInfo } from '../../compiler/symbols.ts';
import type { Decl } from '../../grammar/ast.ts';
import { SourceIndex } from './source-index.ts';

/** A compiled document version. */
export class Analysis {
  private indexCache: SourceIndex | undefined;

  constructor(
    readonly uri: string,
    readonly version: number,
    readonly text: string,
    /** The file's path on disk, when the document is a `file:` URI. */
    readonly fileName: string | undefined,
    readonly result: CompileResult,
    private readonly readHead: ReadHead,
  ) {}

  /** Names, references, calls and step types by position (built on first use). */
  get index(): SourceIndex {
    return (this.indexCache ??= new SourceIndex(this.result, this.text));
  }

  /** The absolute path of the .mmf file a declaration is written in, when it comes from an `import`. */
  importedFrom(decl: Decl): string | undefined {
    return this.result.imported?.fileOf.get(decl);
  }

  /** The URI of the document a symbol is declared in: this one, or the imported file. */
  uriOf(s: SymbolInfo): string {
    const file = this.importedFrom(s.decl);
    return file ? pathToFileURL(file).href : this.uri;
  }

  /** Where a symbol is declared, in words: `line 12` or `other.mmf, line 3`. */
  whereDeclared(s: SymbolInfo): string {
    const file = this.importedFrom(s.decl);
    return `${file ? `${basename(file)}, ` : ''}line ${s.range.start.line + 1}`;
  }

  /** The absolute path of a dataset's file (relative paths are relative to the .mmf file that declares it). */
  datasetPath(plan: DatasetPlan): string {
    const decl = this.result.symbols.byName.get(plan.name)?.decl;
    const declaredIn = decl ? this.importedFrom(decl) : undefined;
    const dir = declaredIn ? dirname(declaredIn) : this.fileName ? dirname(this.fileName) : process.cwd();
    return resolvePath(dir, plan.source.path);
  }

  /** The column names of a dataset's file, or undefined when the file cannot be read. */
  columns(dataset: string): string[] | undefined {
    const plan = this.result.datasets.get(dataset);
    if (!plan) return undefined;
    return columnsOf(plan.source.format, this.datasetPath(plan), this.readHead, 'delimiter' in plan.source ? plan.source.delimiter : undefined);
  }
}

/** The path of a `file:` URI; undefined for other schemes (`untitled:`). */
export function fileNameOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/**
 * A ReadHead that keeps what it read, keyed by path and checked against the file's size and modification
 * time, so checking on every keystroke does not re-read the data files.
 */
export function cachedReadHead(): ReadHead {
  const cache = new Map<string, { mtimeMs: number; size: number; bytes: number; text: string | undefined }>();
  return (absPath, bytes) => {
    let st: { mtimeMs: number; size: number };
    try {
      const s = statSync(absPath);
      if (!s.isFile()) return undefined;
      st = { mtimeMs: s.mtimeMs, size: s.size };
    } catch {
      cache.delete(absPath);
      return undefined;
    }
    const hit = cache.get(absPath);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size && (hit.bytes >= bytes || hit.bytes >= st.size)) {
      return hit.text === undefined ? undefined : hit.text.slice(0, bytes);
    }
    const text = readHeadFromDisk(absPath, bytes);
    cache.set(absPath, { ...st, bytes, text });
    return text;
  };
}

/**
 * Compile one document version; imported files are read through `readFile` (the server passes the text of open
 * documents, so unsaved edits count). With `compiler` (the document's IncrementalCompiler), only what changed
 * since its last compile is reparsed and re-checked; the result is the same. Never throws: an unexpected compiler exception becomes an MMF0000 diagnostic. */
export function analyse(uri: string, version: number, text: string, readHead: ReadHead, readFile?: ReadSource, compiler?: IncrementalCompiler): Analysis {
  const fileName = fileNameOf(uri);
  let result: CompileResult;
  try {
    const opts = { fileName, readHead, skipDataFiles: fileName === undefined, ...(readFile ? { readFile } : {}) };
    result = compiler ? compiler.compile(text, opts) : compile(text, opts);
  } catch (e) {
    const empty = compile('', { skipDataFiles: true });
    result = {
      ...empty,
      diagnostics: [
        {
          code: 'MMF0000',
          severity: 'error',
          message: `Internal error in the mmf compiler: ${e instanceof Error ? e.message : String(e)}`,
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          hint: 'This is a bug in mmf; please report it with the file that caused it.',
        },
      ],
    };
  }
  return new Analysis(uri, version, text, fileName, result, readHead);
}
