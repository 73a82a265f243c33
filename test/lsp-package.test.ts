/**
 * The packaged extension: esbuild bundles of the server and client, the .vsix that `npm run package:vscode`
 * makes with @vscode/vsce (offline), and the bundled server answering over stdio from another folder.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Hover } from 'vscode-languageserver-protocol';
import { bundle, packageVsix } from '../vscode-extension/build.ts';
import { LspClient } from '../vscode-extension/test/client.ts';

let built: { server: string; client: string; vsix: string };

beforeAll(async () => {
  const b = await bundle();
  built = { ...b, vsix: packageVsix() };
});

describe('npm run package:vscode', () => {
  it('makes a .vsix with the manifest, grammar, configuration and both bundles', () => {
    const zip = readFileSync(built.vsix).toString('latin1');
    for (const entry of [
      'extension/package.json',
      'extension/dist/server.mjs',
      'extension/dist/client.cjs',
      'extension/syntaxes/mmf.tmLanguage.json',
      'extension/language-configuration.json',
      'extension.vsixmanifest',
    ])
      expect(zip, entry).toContain(entry);
    expect(zip).not.toContain('extension/server/');
    expect(zip).not.toContain('node_modules');
  });

  it('the bundled server runs alone, from any folder, over stdio', async () => {
    const client = await LspClient.start({ args: [built.server, '--stdio'] });
    try {
      const uri = pathToFileURL(join(tmpdir(), 'bundle-check.mmf')).href;
      const text = 'input x: tabular from d[a, b]\nencoder e = x -> dense(4)\nfusion j = concat(e, x) -> dense(3)\n';
      await client.open(uri, text);
      const diags = await client.diagnosticsFor(uri, 1);
      expect(diags.diagnostics.map((d) => d.code)).toEqual(['MMF1001']); // the undeclared dataset d
      const h = await client.request<Hover>('textDocument/hover', { textDocument: { uri }, position: { line: 2, character: 12 } });
      expect((h.contents as { value: string }).value).toContain('concat → [batch, 6] float32');
    } finally {
      expect(await client.shutdown()).toBe(0);
    }
  });

  it('the client bundle loads with only vscode external and exports activate/deactivate', () => {
    const req = createRequire(import.meta.url);
    const Module = req('node:module') as { _load: (r: string, ...rest: unknown[]) => unknown };
    const load = Module._load;
    // A stand-in for the vscode API: any property is a constructible stand-in too (the client extends its classes).
    const stub = (): unknown => new Proxy(function () {}, { get: (_t, k) => (k === Symbol.toPrimitive ? () => '' : stub()), construct: () => ({}) });
    const vscode = stub();
    Module._load = (r: string, ...rest: unknown[]) => (r === 'vscode' ? vscode : load(r, ...rest));
    try {
      const m = req(built.client) as { activate: unknown; deactivate: unknown };
      expect(typeof m.activate).toBe('function');
      expect(typeof m.deactivate).toBe('function');
    } finally {
      Module._load = load;
    }
    expect(readFileSync(built.client, 'utf8')).not.toMatch(/compiler\/|grammar\//);
  });
});
