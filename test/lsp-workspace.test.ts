/**
 * References and rename across files, through the real language server over JSON-RPC (a spawned process on
 * stdio): a name declared in an imported `.mmf` file, renamed or looked up from either side, reaches every file
 * of the workspace folder that sees it (open documents with their unsaved text, other files from disk,
 * importers of importers), and no file that declares its own name of the same spelling.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Location, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { LspClient } from '../vscode-extension/test/client.ts';

const SHARED = `dataset emails from jsonl("mail.jsonl") { split(by split) }
input body: text(vocab 2000, max_len 50) from emails.body
label spam: binary from emails.is_spam
encoder words = body -> embedding(16) -> global_max_pool
`;
const A = `import "lib/shared.mmf"

model A = words -> classifier(spam)
`;
const B = `import "lib/shared.mmf"

encoder more = words -> dense(8)
model B = more -> classifier(spam)
`;
/** Sees `words` through b.mmf. */
const D = `import "b.mmf"

fusion both = concat(words, more)
model D = both -> classifier(spam)
`;
/** Its own `words`, unrelated. */
const C = `dataset d from jsonl("x.jsonl")
input words: text(vocab 10, max_len 4) from d.t
label y: binary from d.y
model C = words -> embedding(4) -> global_max_pool -> classifier(y)
`;

let ws: string;
let server: LspClient;
const uri = (f: string) => pathToFileURL(join(ws, f)).href;
const range = (line: number, character: number, length: number) => ({ start: { line, character }, end: { line, character: character + length } });
/** Position of the `nth` occurrence of `needle` in `text`, plus `offset` characters. */
function posOf(text: string, needle: string, offset = 0) {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`${needle} not found`);
  const before = text.slice(0, i + offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'mmf-lsp-ws-'));
  mkdirSync(join(ws, 'lib'));
  writeFileSync(join(ws, 'lib', 'shared.mmf'), SHARED);
  writeFileSync(join(ws, 'a.mmf'), A);
  writeFileSync(join(ws, 'b.mmf'), B);
  writeFileSync(join(ws, 'c.mmf'), C);
  writeFileSync(join(ws, 'd.mmf'), D);
  server = await LspClient.start({ initializationOptions: { debounceMs: 0 }, workspaceFolders: [ws] });
});

afterAll(async () => {
  await server?.shutdown();
  rmSync(ws, { recursive: true, force: true });
});

/** The edits every rename of `words` (the one of lib/shared.mmf) must make: declaration, and uses in a, b and d. */
function expectedWordsEdits(newText: string) {
  return {
    [uri('lib/shared.mmf')]: [{ range: range(3, 8, 5), newText }],
    [uri('a.mmf')]: [{ range: range(2, 10, 5), newText }],
    [uri('b.mmf')]: [{ range: range(2, 15, 5), newText }],
    [uri('d.mmf')]: [{ range: range(2, 21, 5), newText }],
  };
}

describe('across files', () => {
  it('rename from an importing file renames the declaration in the imported file and the uses in every importer', async () => {
    await server.open(uri('a.mmf'), A, 1);
    await server.diagnosticsFor(uri('a.mmf'), 1);
    const edit = await server.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: uri('a.mmf') }, position: posOf(A, 'words', 2), newName: 'tokens' });
    // c.mmf declares a `words` of its own, and imports nothing: untouched
    expect(edit.changes).toEqual(expectedWordsEdits('tokens'));
  });

  it('rename from the declaring file gives the same edit, with unsaved text of open documents', async () => {
    await server.open(uri('lib/shared.mmf'), SHARED, 1);
    await server.diagnosticsFor(uri('lib/shared.mmf'), 1);
    const edit = await server.request<WorkspaceEdit>('textDocument/rename', {
      textDocument: { uri: uri('lib/shared.mmf') },
      position: posOf(SHARED, 'encoder words', 9),
      newName: 'toks',
    });
    expect(edit.changes).toEqual(expectedWordsEdits('toks'));
    // an unsaved edit of an open importer counts: a second use in a.mmf (not on disk) is renamed too
    const A2 = A + 'model A2 = words -> classifier(spam)\n';
    await server.change(uri('a.mmf'), 2, A2);
    await server.diagnosticsFor(uri('a.mmf'), 2);
    const edit2 = await server.request<WorkspaceEdit>('textDocument/rename', {
      textDocument: { uri: uri('lib/shared.mmf') },
      position: posOf(SHARED, 'encoder words', 9),
      newName: 'toks',
    });
    expect(edit2.changes![uri('a.mmf')]).toEqual([
      { range: range(2, 10, 5), newText: 'toks' },
      { range: range(3, 11, 5), newText: 'toks' },
    ]);
    await server.change(uri('a.mmf'), 3, A);
    await server.diagnosticsFor(uri('a.mmf'), 3);
  });

  it('references from any file: the declaration first, then the uses in every file that sees it', async () => {
    const refs = await server.request<Location[]>('textDocument/references', {
      textDocument: { uri: uri('a.mmf') },
      position: posOf(A, 'words', 1),
      context: { includeDeclaration: true },
    });
    expect(refs).toEqual([
      { uri: uri('lib/shared.mmf'), range: range(3, 8, 5) },
      { uri: uri('a.mmf'), range: range(2, 10, 5) },
      { uri: uri('b.mmf'), range: range(2, 15, 5) },
      { uri: uri('d.mmf'), range: range(2, 21, 5) },
    ]);
    const uses = await server.request<Location[]>('textDocument/references', {
      textDocument: { uri: uri('lib/shared.mmf') },
      position: posOf(SHARED, 'encoder words', 9),
      context: { includeDeclaration: false },
    });
    expect(uses.map((l) => l.uri)).toEqual([uri('a.mmf'), uri('b.mmf'), uri('d.mmf')]);
    // the unrelated `words` of c.mmf: only c.mmf
    await server.open(uri('c.mmf'), C, 1);
    await server.diagnosticsFor(uri('c.mmf'), 1);
    const own = await server.request<Location[]>('textDocument/references', {
      textDocument: { uri: uri('c.mmf') },
      position: posOf(C, 'input words', 7),
      context: { includeDeclaration: true },
    });
    expect(own).toEqual([
      { uri: uri('c.mmf'), range: range(1, 6, 5) },
      { uri: uri('c.mmf'), range: range(3, 10, 5) },
    ]);
  });

  it('refuses a new name that any file seeing the declaration already declares, and says which file', async () => {
    await expect(
      server.request('textDocument/rename', { textDocument: { uri: uri('a.mmf') }, position: posOf(A, 'words', 2), newName: 'more' }),
    ).rejects.toThrow("In b.mmf: 'more' is already declared as encoder on line 3.");
    // a name only c.mmf declares is free: c.mmf does not see this `words`
    const edit = await server.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: uri('a.mmf') }, position: posOf(A, 'words', 2), newName: 'y' });
    expect(Object.keys(edit.changes!).sort()).toEqual([uri('a.mmf'), uri('b.mmf'), uri('d.mmf'), uri('lib/shared.mmf')].sort());
  });
});
