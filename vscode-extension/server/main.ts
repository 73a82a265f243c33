/**
 * Entry point of the mmf language server. Runs alone over stdio for any LSP client:
 *
 *     npx tsx vscode-extension/server/main.ts --stdio
 *
 * `--node-ipc`, `--socket=PORT` and `--pipe=NAME` work too (the VS Code client uses node-ipc); with no
 * transport flag the server talks over stdio.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node.js';
import { startServer } from './server.ts';

const TRANSPORTS = ['--stdio', '--node-ipc', '--socket', '--pipe'];
if (!process.argv.some((a) => TRANSPORTS.some((t) => a === t || a.startsWith(`${t}=`)))) process.argv.push('--stdio');

const connection = createConnection(ProposedFeatures.all);
startServer(connection);
connection.listen();
