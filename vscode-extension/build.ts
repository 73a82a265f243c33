/**
 * Build the VS Code extension: bundle the language server (ESM, with the compiler and chevrotain inside)
 * and the client (CommonJS, `vscode` left external) with esbuild into dist/, then, with `--package`,
 * package dist/ and the static files into a .vsix with @vscode/vsce (offline; no dependency scan, the
 * bundles hold everything).
 *
 *     npx tsx vscode-extension/build.ts             # dist/server.mjs, dist/client.cjs
 *     npx tsx vscode-extension/build.ts --package   # … and mmf-language-<version>.vsix
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** chevrotain's package entry pulls in lodash-es module by module; bundle its single-file ES build instead. */
const chevrotainBundle: Plugin = {
  name: 'chevrotain-bundle',
  setup(b) {
    b.onResolve({ filter: /^chevrotain$/ }, () => ({ path: join(dirname(require.resolve('chevrotain')), '..', 'chevrotain.mjs') }));
  },
};

/** Bundle the server and the client into dist/. Returns their paths. */
export async function bundle(): Promise<{ server: string; client: string }> {
  const dist = join(HERE, 'dist');
  rmSync(dist, { recursive: true, force: true });
  const server = join(dist, 'server.mjs');
  const client = join(dist, 'client.cjs');
  await build({
    entryPoints: [join(HERE, 'server', 'main.ts')],
    outfile: server,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    plugins: [chevrotainBundle],
    // CommonJS packages inside an ES bundle still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __mmfCreateRequire } from 'node:module'; const require = __mmfCreateRequire(import.meta.url);" },
    minify: true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
    logOverride: { 'unsupported-dynamic-import': 'silent' },
  });
  await build({
    entryPoints: [join(HERE, 'src', 'client.ts')],
    outfile: client,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['vscode'],
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return { server, client };
}

/** Package the extension into a .vsix next to its manifest; returns its path. */
export function packageVsix(): string {
  const manifest = JSON.parse(readFileSync(join(HERE, 'package.json'), 'utf8')) as { name: string; version: string };
  const out = join(HERE, `${manifest.name}-${manifest.version}.vsix`);
  const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
  const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--out', out], { cwd: HERE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`vsce package failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { server, client } = await bundle();
  console.log(`bundled ${server}\nbundled ${client}`);
  if (process.argv.includes('--package')) console.log(`packaged ${packageVsix()}`);
}
