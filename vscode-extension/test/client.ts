/**
 * A minimal LSP client for tests and benchmarks: spawns the real mmf language server as a child process and
 * talks JSON-RPC to it over stdio, as an editor would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node.js';

/** The repository root. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The `file:` URI of a path relative to the repository root (or absolute). */
export function uriOf(path: string): string {
  return pathToFileURL(path.startsWith('/') ? path : join(REPO_ROOT, path)).href;
}

export interface StartOptions {
  /** The command that runs the server (default: node with tsx on vscode-extension/server/main.ts --stdio). */
  command?: string;
  args?: string[];
  /** Sent as `initializationOptions` (e.g. `{ debounceMs: 0 }`). */
  initializationOptions?: object;
  /** Absolute paths of the workspace folders, searched by references and rename across files (default: none). */
  workspaceFolders?: string[];
}

type Waiter = { uri: string; pred: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void };

/** A spawned language server and the JSON-RPC connection to it. */
export class LspClient {
  /** Every publishDiagnostics received, per URI, oldest first. */
  readonly published = new Map<string, PublishDiagnosticsParams[]>();
  /** What the server wrote to stderr (for failure messages). */
  stderr = '';
  initializeResult: InitializeResult | undefined;
  private waiters: Waiter[] = [];
  private exited: Promise<number | null>;

  private constructor(
    readonly process: ChildProcess,
    readonly connection: ProtocolConnection,
  ) {
    this.exited = new Promise((resolve) => process.on('exit', (code) => resolve(code)));
    process.stderr!.on('data', (b: Buffer) => (this.stderr += b.toString()));
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      let list = this.published.get(p.uri);
      if (!list) this.published.set(p.uri, (list = []));
      list.push(p);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri !== p.uri || !w.pred(p)) return true;
        w.resolve(p);
        return false;
      });
    });
    connection.listen();
  }

  /** Spawn the server and run the initialize handshake. */
  static async start(opts: StartOptions = {}): Promise<LspClient> {
    const command = opts.command ?? process.execPath;
    const args = opts.args ?? ['--import', 'tsx', join(REPO_ROOT, 'vscode-extension', 'server', 'main.ts'), '--stdio'];
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new LspClient(child, connection);
    client.initializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: opts.workspaceFolders?.[0] ? pathToFileURL(opts.workspaceFolders[0]).href : null,
      capabilities: {
        textDocument: {
          hover: { contentFormat: ['markdown', 'plaintext'] },
          completion: { completionItem: { snippetSupport: true } },
          publishDiagnostics: { relatedInformation: true, versionSupport: true },
          rename: { prepareSupport: true },
        },
      },
      initializationOptions: opts.initializationOptions ?? {},
      workspaceFolders: opts.workspaceFolders ? opts.workspaceFolders.map((f) => ({ uri: pathToFileURL(f).href, name: f })) : null,
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  /** Open a document. */
  async open(uri: string, text: string, version = 1): Promise<void> {
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'mmf', version, text },
    });
  }

  /** Change a document: a whole new text, or incremental edits. */
  async change(uri: string, version: number, change: string | TextDocumentContentChangeEvent[]): Promise<void> {
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: typeof change === 'string' ? [{ text: change }] : change,
    });
  }

  /** Close a document. */
  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  /**
   * The first publishDiagnostics for `uri` (already received or still to come) that satisfies `pred`
   * (default: any). Rejects after `timeoutMs`.
   */
  diagnostics(uri: string, pred: (p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = 15_000): Promise<PublishDiagnosticsParams> {
    const got = this.published.get(uri)?.find(pred);
    if (got) return Promise.resolve(got);
    return new Promise((resolve, reject) => {
      const w: Waiter = { uri, pred, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        if (!this.waiters.includes(w)) return;
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; server stderr:\n${this.stderr}`));
      }, timeoutMs).unref();
    });
  }

  /** Wait for the diagnostics of one document version. */
  diagnosticsFor(uri: string, version: number, timeoutMs?: number): Promise<PublishDiagnosticsParams> {
    return this.diagnostics(uri, (p) => p.version === version, timeoutMs);
  }

  /** Send a request by method name. */
  request<R>(method: string, params: object): Promise<R> {
    return this.connection.sendRequest(method, params) as Promise<R>;
  }

  /** shutdown, exit, and wait for the process to end; resolves to its exit code. */
  async shutdown(): Promise<number | null> {
    await this.connection.sendRequest(ShutdownRequest.type);
    await this.connection.sendNotification(ExitNotification.type);
    const timer = setTimeout(() => this.process.kill(), 5_000);
    const code = await this.exited;
    clearTimeout(timer);
    this.connection.dispose();
    return code;
  }
}
