/**
 * Every emitted graph passes the reference ONNX checker of Debian's python3-onnx:
 * onnx.checker.check_model(onnx.load(file), full_check=True) — structure, opset/IR versions, and strict shape
 * inference against the value_info we declare.
 *
 * Without python3-onnx the tests fail in CI (CI=true) and are skipped elsewhere, saying why.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitOnnx, randomWeights, writeOnnx } from '../compiler/emit/onnx/index.ts';
import { MODEL_CASES, OP_CASES } from './helpers/onnx-cases.ts';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import onnx; print(onnx.__version__)'], { encoding: 'utf8' });
const hasOnnx = probe.status === 0;
const inCI = process.env.CI === 'true';
const reason = `${PYTHON} cannot import onnx (apt-get install python3-onnx)${probe.stderr ? `: ${probe.stderr.trim().split('\n').pop()}` : ''}`;
/** Skip only outside CI; in CI a missing checker is a failure. */
const skip = !hasOnnx && !inCI;

/** Runs check_model(full_check=True) on each file in one interpreter; prints one JSON line per file. */
const CHECK_SCRIPT = `
import json, sys, onnx
for f in sys.argv[1:]:
    try:
        onnx.checker.check_model(onnx.load(f), full_check=True)
        print(json.dumps({"file": f, "ok": True}))
    except Exception as e:
        print(json.dumps({"file": f, "ok": False, "error": f"{type(e).__name__}: {e}"}))
`;

const cases = [...OP_CASES, ...MODEL_CASES];
let dir = '';
const results = new Map<string, { ok: boolean; error?: string }>();
const fileOf = (i: number) => path.join(dir, `case${i}.onnx`);

beforeAll(() => {
  if (!hasOnnx) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmf-onnx-check-'));
  cases.forEach((c, i) => {
    const model = c.build();
    writeOnnx(fileOf(i), emitOnnx(model, randomWeights(model, 3), { docString: `mmf test case: ${c.name}` }));
  });
  const run = spawnSync(PYTHON, ['-c', CHECK_SCRIPT, ...cases.map((_, i) => fileOf(i))], { encoding: 'utf8' });
  for (const line of run.stdout.split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as { file: string; ok: boolean; error?: string };
    results.set(r.file, r);
  }
  if (run.status !== 0) throw new Error(`the checker script failed: ${run.stderr}`);
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe(`onnx.checker.check_model(full_check=True)${skip ? ` (skipped: ${reason})` : ''}`, () => {
  cases.forEach((c, i) =>
    it.skipIf(skip)(c.name, () => {
      if (!hasOnnx) throw new Error(`CI=true and ${reason}`);
      const r = results.get(fileOf(i));
      expect(r, `no checker result for ${c.name}`).toBeDefined();
      expect(r!.error ?? '').toBe('');
      expect(r!.ok).toBe(true);
    }),
  );
});
