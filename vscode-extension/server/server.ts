/**
 * The mmf language server: a thin shell over the compiler's public API (compile, lex, the layer registry).
 * It imports the compiler and the grammar, never the runtime.
 *
 * Documents are compiled on open at once and on every change: at once after a pause in typing, else after a
 * short debounce (`debounceMs`, 50 ms by default, settable in `initializationOptions`); a newer change cancels
 * the pending check, and diagnostics computed for a version that is no longer current are dropped. Each open
 * document has an IncrementalCompiler (compiler/incremental.ts): an edit reparses and re-checks only the
 * declarations it touched, with the same result as a full compile. Requests (hover, completion, …)
 * always see the current text: they compile it on demand when the debounced check has not run yet.
 *
 * `import`ed files are read from the open documents when they are open (unsaved edits count), else from disk;
 * a change to any open document re-checks the open documents that import files.
 */
import {
  CodeActionKind,
  ErrorCodes,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver/node.js';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { readSourceFromDisk, type ReadSource } from '../../compiler/imports.ts';
import { IncrementalCompiler, type CompileTimings } from '../../compiler/incremental.ts';
import { analyse, cachedReadHead, fileNameOf, type Analysis } from './analysis.ts';
import { codeActions } from './actions.ts';
import { completion, COMPLETION_TRIGGERS } from './completion.ts';
import { toLspDiagnostic } from './diagnostics.ts';
import { formatDocument } from './formatting.ts';
import { hover } from './hover.ts';
import { inlayHints } from './inlay.ts';
import { definition, documentHighlights, prepareRename, references, rename, type WorkspaceFiles } from './navigation.ts';
import { mentions, mmfFilesUnder } from './workspace.ts';
import { pathToFileURL } from 'node:url';
import { documentSymbols, foldingRanges } from './outline.ts';
import { SEMANTIC_LEGEND, semanticTokens } from './semantic.ts';

/** Options a client may pass in `initializationOptions`. */
export interface ServerOptions {
  /**
   * Changes less than this many milliseconds apart are checked together, this long after the last of them
   * (default 50); a change after a longer pause is checked at once.
   */
  debounceMs?: number;
}

/** The answer to the `mmf/checkTimings` request: how the last published check of a document went. */
export interface CheckTimingsResult {
  version: number;
  /** From the start of the check to the diagnostics handed to the connection, in milliseconds. */
  totalMs: number;
  /** Compiling (parse and check), and the phases inside it. */
  compileMs: number;
  phases: CompileTimings | undefined;
  /** Converting the diagnostics to LSP and handing them to the connection. */
  publishMs: number;
  /** CPU time the server process used for the whole check (user + system, all threads): unlike the times above, barely affected by other load on the machine. */
  cpuMs: number;
}

/** Register every handler of the mmf language server on `connection` (the caller calls `listen()`). */
export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const readHead = cachedReadHead();
  const analyses = new Map<string, { analysis: Analysis; generation: number }>();
  const pending = new Map<string, ReturnType<typeof setTimeout>>();
  let debounceMs = 50;
  /** Counts changes to any open document: a file that imports others is stale when any of them changed. */
  let generation = 0;
  /** The analysis whose diagnostics were published last, per document. */
  const sent = new Map<string, Analysis>();
  /** One incremental compiler per open document: an edit reparses and re-checks only what it changed. */
  const compilers = new Map<string, IncrementalCompiler>();
  /** When each document last changed (performance.now()), for the debounce. */
  const lastChange = new Map<string, number>();
  /** How the last published check of each document went (the `mmf/checkTimings` request). */
  const timings = new Map<string, CheckTimingsResult>();
  type LastCompile = { uri: string; version: number; compileMs: number; phases: CompileTimings | undefined };
  let lastCompile: LastCompile | undefined;

  /** Imported files are read from the open documents when they are open (unsaved edits count), else from disk. */
  const openText = new Map<string, () => string>();
  const readFile: ReadSource = (absPath) => openText.get(absPath)?.() ?? readSourceFromDisk(absPath);

  /** The workspace folders (absolute paths), searched by references and rename across files. */
  let roots: string[] = [];

  /**
   * Analyses of the documents that may mention `name`: every open document (its current text), and every
   * `.mmf` file of the workspace folders that is not open and whose text has `name` as a word (from disk,
   * compiled now; its imports are read like an open document's, so unsaved imported files count).
   */
  const workspaceFiles: WorkspaceFiles = (name) => {
    const out: Analysis[] = [];
    const open = new Set<string>();
    for (const doc of documents.all()) {
      const a = current(doc.uri);
      if (!a) continue;
      out.push(a);
      if (a.fileName) open.add(a.fileName);
    }
    for (const file of mmfFilesUnder(roots)) {
      if (open.has(file)) continue;
      const text = readSourceFromDisk(file);
      if (text === undefined || !mentions(text, name)) continue;
      out.push(analyse(pathToFileURL(file).href, 0, text, readHead, readFile));
    }
    return out;
  };

  const hasImports = (a: Analysis) => a.result.program.decls.some((d) => d.kind === 'Import');

  /** The analysis of the document's current version (compiled now when missing or stale). */
  function current(uri: string): Analysis | undefined {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const cached = analyses.get(uri);
    if (cached && cached.analysis.version === doc.version && (cached.generation === generation || !hasImports(cached.analysis))) return cached.analysis;
    let compiler = compilers.get(uri);
    if (!compiler) compilers.set(uri, (compiler = new IncrementalCompiler()));
    const t0 = performance.now();
    const a = analyse(uri, doc.version, doc.getText(), readHead, readFile, compiler);
    lastCompile = { uri, version: doc.version, compileMs: performance.now() - t0, phases: compiler.lastTimings };
    // An internal error may leave the compiler's caches half-updated: start the next check afresh.
    if (a.result.diagnostics.some((d) => d.code === 'MMF0000')) compilers.delete(uri);
    analyses.set(uri, { analysis: a, generation });
    return a;
  }

  /** After a change to `uri`, re-check the other open documents that import files (they may import it). */
  function scheduleDependents(uri: string): void {
    for (const [other, c] of analyses) if (other !== uri && hasImports(c.analysis)) schedule(other, debounceMs);
  }

  function validate(uri: string): void {
    pending.delete(uri);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    lastCompile = undefined;
    const a = current(uri);
    if (!a) return;
    if (documents.get(uri)?.version !== a.version) return; // a newer version arrived meanwhile
    if (sent.get(uri) === a) return; // already published (a dependent re-check found nothing new)
    sent.set(uri, a);
    const t1 = performance.now();
    void connection.sendDiagnostics({ uri, version: a.version, diagnostics: a.result.diagnostics.map((d) => toLspDiagnostic(d, uri)) });
    const t2 = performance.now();
    const lc = lastCompile as LastCompile | undefined; // set by current() when it compiled
    const compiled = lc?.uri === uri && lc.version === a.version ? lc : undefined;
    const cpu = process.cpuUsage(cpu0);
    timings.set(uri, {
      version: a.version,
      totalMs: t2 - t0,
      compileMs: compiled?.compileMs ?? 0,
      phases: compiled?.phases,
      publishMs: t2 - t1,
      cpuMs: (cpu.user + cpu.system) / 1000,
    });
  }

  function schedule(uri: string, delay: number): void {
    const t = pending.get(uri);
    if (t) clearTimeout(t);
    pending.set(
      uri,
      setTimeout(() => guard('validate', () => validate(uri), undefined), delay),
    );
  }

  /** Run a handler; an exception is logged and answered with `fallback`, never crashes the server. */
  function guard<T>(what: string, f: () => T, fallback: T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      connection.console.error(`mmf: ${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return fallback;
    }
  }

  /** A request handler over the current analysis of its document; cancelled requests answer null. */
  function onDoc<P extends { textDocument: { uri: string } }, R>(what: string, f: (a: Analysis, p: P) => R, fallback: R) {
    return (p: P, token?: CancellationToken): R => {
      if (token?.isCancellationRequested) throw new ResponseError(-32800 /* RequestCancelled */, 'request cancelled');
      const a = current(p.textDocument.uri);
      if (!a) return fallback;
      return guard(what, () => f(a, p), fallback);
    };
  }

  connection.onInitialize((params): InitializeResult => {
    const opts = (params.initializationOptions ?? {}) as ServerOptions;
    if (typeof opts.debounceMs === 'number' && opts.debounceMs >= 0) debounceMs = opts.debounceMs;
    const folders = params.workspaceFolders?.length ? params.workspaceFolders.map((f) => f.uri) : params.rootUri ? [params.rootUri] : [];
    roots = folders.map((u) => fileNameOf(u)).filter((f): f is string => f !== undefined);
    if (!roots.length && params.rootPath) roots = [params.rootPath];
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        completionProvider: { triggerCharacters: COMPLETION_TRIGGERS, resolveProvider: false },
        definitionProvider: true,
        referencesProvider: true,
        documentHighlightProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        documentFormattingProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        inlayHintProvider: true,
        semanticTokensProvider: { legend: SEMANTIC_LEGEND, full: true },
      },
      serverInfo: { name: 'mmf-language-server', version: '0.1.0' },
    };
  });

  const track = (uri: string) => {
    const file = fileNameOf(uri);
    if (file) openText.set(file, () => documents.get(uri)?.getText() ?? readSourceFromDisk(file) ?? '');
  };
  documents.onDidOpen((e) => {
    generation++;
    track(e.document.uri);
    guard('open', () => validate(e.document.uri), undefined);
    scheduleDependents(e.document.uri);
  });
  documents.onDidChangeContent((e) => {
    // onDidChangeContent also fires on open, which onDidOpen has checked already.
    if (analyses.get(e.document.uri)?.analysis.version === e.document.version) return;
    generation++;
    // A change after a pause is checked at once; one that follows another within debounceMs waits for the pause.
    const now = performance.now();
    const last = lastChange.get(e.document.uri);
    lastChange.set(e.document.uri, now);
    schedule(e.document.uri, last === undefined || now - last >= debounceMs ? 0 : debounceMs);
    scheduleDependents(e.document.uri);
  });
  documents.onDidClose((e) => {
    const uri = e.document.uri;
    const t = pending.get(uri);
    if (t) clearTimeout(t);
    pending.delete(uri);
    analyses.delete(uri);
    sent.delete(uri);
    compilers.delete(uri);
    lastChange.delete(uri);
    timings.delete(uri);
    const file = fileNameOf(uri);
    if (file) openText.delete(file);
    generation++;
    scheduleDependents(uri);
    void connection.sendDiagnostics({ uri, diagnostics: [] });
  });

  connection.onHover(onDoc('hover', (a, p) => hover(a, p.position), null));
  connection.onCompletion(onDoc('completion', (a, p) => completion(a, p.position), { isIncomplete: false, items: [] }));
  connection.onDefinition(onDoc('definition', (a, p) => definition(a, p.position), null));
  connection.onReferences(onDoc('references', (a, p) => references(a, p.position, p.context.includeDeclaration, workspaceFiles), []));
  connection.onDocumentHighlight(onDoc('documentHighlight', (a, p) => documentHighlights(a, p.position), []));
  connection.onPrepareRename(onDoc('prepareRename', (a, p) => prepareRename(a, p.position), null));
  connection.onRenameRequest((p, token) => {
    if (token.isCancellationRequested) throw new ResponseError(-32800, 'request cancelled');
    const a = current(p.textDocument.uri);
    if (!a) return null;
    const r = guard('rename', () => rename(a, p.position, p.newName, workspaceFiles), null);
    if (typeof r === 'string') throw new ResponseError(ErrorCodes.InvalidRequest, r);
    return r;
  });
  connection.onDocumentSymbol(onDoc('documentSymbol', (a) => documentSymbols(a), []));
  connection.onFoldingRanges(onDoc('foldingRange', (a) => foldingRanges(a), []));
  connection.onDocumentFormatting(onDoc('formatting', (a, p) => formatDocument(a, p.options), []));
  connection.onCodeAction(onDoc('codeAction', (a, p) => codeActions(a, p.range, p.context.diagnostics), []));
  connection.languages.inlayHint.on(onDoc('inlayHint', (a, p) => inlayHints(a, p.range), []));
  connection.languages.semanticTokens.on(onDoc('semanticTokens', (a) => semanticTokens(a), { data: [] }));

  /** `mmf/checkTimings {uri}`: how the last published check of a document went (for bench/lsp.ts); null when none. */
  connection.onRequest('mmf/checkTimings', (p: { uri: string }) => timings.get(p?.uri) ?? null);

  documents.listen(connection);
}
