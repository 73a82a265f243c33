/**
 * runtime/backend.ts: backend order (tfjs-node is not installed here, so wasm), MMF_BACKEND override,
 * idempotence, one printed line, and independence from the working directory.
 */
import { describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { initBackend, tf, currentBackend, wasmDistDir } from '../runtime/backend.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const BACKEND = path.join(ROOT, 'runtime/backend.ts');

/** Run a snippet in a fresh process from `cwd`; returns stdout or the error message. */
async function fresh(code: string, env: Record<string, string>, cwd = ROOT): Promise<{ out: string; stderr: string; err: string | null }> {
  const script = `import { initBackend } from ${JSON.stringify(BACKEND)};\n${code}`;
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, ['--eval', script, '--input-type=module'], { cwd, env: { ...process.env, ...env } });
    return { out: stdout, stderr, err: null };
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? e);
    return { out: (e as { stdout?: string }).stdout ?? '', stderr, err: stderr };
  }
}

describe('initBackend', () => {
  it('picks wasm when tfjs-node is absent, prints one line, and is idempotent', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const { MMF_BACKEND, ...rest } = process.env;
    void MMF_BACKEND;
    const saved = process.env;
    process.env = rest;
    try {
      const a = await initBackend();
      const b = await initBackend({ prefer: 'cpu' });
      expect(a).toBe(b);
      expect(a.backend).toBe('wasm');
      expect(a.tf.getBackend()).toBe('wasm');
      expect(tf()).toBe(a.tf);
      expect(currentBackend()).toBe('wasm');
      const lines = log.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('mmf:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/backend 'wasm'.*node unavailable/);
    } finally {
      process.env = saved;
      log.mockRestore();
    }
  });

  it('resolves the wasm binaries from the installed package', async () => {
    const fs = await import('node:fs');
    expect(fs.existsSync(path.join(wasmDistDir(), 'tfjs-backend-wasm-simd.wasm'))).toBe(true);
  });

  it('works from another working directory and honours MMF_BACKEND', async () => {
    const code = `const r = await initBackend(); console.log('RESULT', r.backend, r.tf.getBackend());`;
    const [other, cpu, node] = await Promise.all([
      fresh(code, { MMF_BACKEND: '' }, os.tmpdir()),
      fresh(code, { MMF_BACKEND: 'cpu' }),
      fresh(code, { MMF_BACKEND: 'node' }),
    ]);
    expect(other.err).toBeNull();
    expect(other.out).toMatch(/RESULT wasm wasm/);
    expect(cpu.out).toMatch(/RESULT cpu cpu/);
    expect(cpu.out).toMatch(/mmf: tfjs .* backend 'cpu' \(MMF_BACKEND\)/);
    expect(cpu.stderr + cpu.out).not.toMatch(/Hi, looks like/); // tfjs-backend-cpu's banner is silenced
    expect(node.err).toMatch(/MMF_BACKEND=node: backend could not be started/);
  });
});
