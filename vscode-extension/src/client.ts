/**
 * The VS Code side of mmf: starts the bundled language server (dist/server.mjs) and connects to it over
 * node IPC. Everything else (diagnostics, hover, completion, formatting, …) is the server's; this file imports
 * nothing of mmf's own.
 */
import * as path from 'node:path';
import { workspace, type ExtensionContext } from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node.js';

let client: LanguageClient | undefined;

/** Called by VS Code when the first .mmf file opens. */
export async function activate(context: ExtensionContext): Promise<void> {
  const configured = workspace.getConfiguration('mmf').get<string>('server.path');
  const module = configured ? configured : context.asAbsolutePath(path.join('dist', 'server.mjs'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'mmf' },
      { scheme: 'untitled', language: 'mmf' },
    ],
  };
  client = new LanguageClient('mmf', 'mmf language server', serverOptions, clientOptions);
  await client.start();
  context.subscriptions.push(client);
}

/** Called by VS Code on shutdown. */
export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
