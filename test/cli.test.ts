import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const MMFC = join(ROOT, 'bin', 'mmfc.mjs');

function mmfc(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [MMFC, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'mmfc-cli-'));

const VALID = `dataset d from csv("rows.csv") { split(train 0.6, val 0.2, test 0.2, seed 1) }
input x: tabular(normalize zscore) from d[a, b, c]
input words: text(vocab 50, max_len 6) from d.note
label y: binary from d.y
encoder e = x -> dense(8, relu)
encoder w = words -> embedding(4) -> global_avg_pool
fusion j = concat(e, w)
model Net = j -> classifier(y)
`;

// Three different mistakes on three lines: an unknown layer, a width mismatch, a learning rate ≤ 0.
const THREE = `dataset d from csv("rows.csv") { split(train 0.6, val 0.2, test 0.2, seed 1) }
input x: tabular(normalize zscore) from d[a, b, c]
label y: binary from d.y
encoder e = x -> dense(8) -> drop(0.5)
encoder f = x -> dense(4)
fusion j = weighted_sum(f, x)
model Net = f -> classifier(y)
train Net { optimizer adam(lr 0) }
`;

describe('mmfc', () => {
  it('--version and --help exit 0', () => {
    const v = mmfc(['--version']);
    expect(v.code).toBe(0);
    expect(v.out.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    const h = mmfc(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('check');
    expect(h.out).toContain('build');
    expect(h.out).toContain('train');
    const hc = mmfc(['build', '--help']);
    expect(hc.code).toBe(0);
    expect(hc.out).toContain('--target <target>');
  });

  it('usage errors exit 2', () => {
    expect(mmfc([]).code).toBe(2);
    expect(mmfc(['frobnicate']).code).toBe(2);
    expect(mmfc(['check']).code).toBe(2);
    expect(mmfc(['check', '/no/such/file.mmf']).code).toBe(2);
    const dir = tmp();
    writeFileSync(join(dir, 'ok.mmf'), VALID);
    const bad = mmfc(['build', join(dir, 'ok.mmf'), '--target', 'pytorch', '--out', dir]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--target must be tfjs or onnx');
  });

  it('check exits 0 on a valid file and 1 on errors', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'ok.mmf'), VALID);
    writeFileSync(join(dir, 'rows.csv'), 'a,b,c,note,y\n1,2,3,hi there,1\n');
    const ok = mmfc(['check', join(dir, 'ok.mmf')]);
    expect(ok.out).toContain('no problems');
    expect(ok.code).toBe(0);
    writeFileSync(join(dir, 'three.mmf'), THREE);
    expect(mmfc(['check', join(dir, 'three.mmf')]).code).toBe(1);
  });

  it('check --json reports three mistakes with codes and ranges', () => {
    const dir = tmp();
    const file = join(dir, 'three.mmf');
    writeFileSync(file, THREE);
    writeFileSync(join(dir, 'rows.csv'), 'a,b,c,y\n1,2,3,1\n');
    const r = mmfc(['check', '--json', file]);
    expect(r.code).toBe(1);
    const list = JSON.parse(r.out) as { file: string; code: string; severity: string; range: unknown; hint: string }[];
    expect(list.map((d) => [d.code, d.range])).toEqual([
      ['MMF1004', { start: { line: 3, character: 29 }, end: { line: 3, character: 33 } }],
      ['MMF2002', { start: { line: 5, character: 11 }, end: { line: 5, character: 29 } }],
      ['MMF3001', { start: { line: 7, character: 30 }, end: { line: 7, character: 31 } }],
    ]);
    expect(list.every((d) => d.file === file && d.severity === 'error' && d.hint.length > 0)).toBe(true);
    expect(list[0]!.hint).toBe("Did you mean 'dropout'?");
  });

  it('the human report shows a code frame and the hint', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'three.mmf'), THREE);
    const r = mmfc(['check', join(dir, 'three.mmf')]);
    expect(r.out).toContain(`three.mmf:4:30 - error MMF1004: Unknown layer 'drop'`);
    expect(r.out).toContain('  4 | encoder e = x -> dense(8) -> drop(0.5)');
    expect(r.out).toContain('    |                              ~~~~');
    expect(r.out).toContain("hint: Did you mean 'dropout'?");
    expect(r.out).toContain('3 errors, 1 warning in 1 file');
    expect(r.out).toContain('warning MMF1009: Data file rows.csv was not found');
  });

  it('build --target tfjs writes formatted TypeScript; nothing on errors', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'ok.mmf'), VALID);
    const out = join(dir, 'gen');
    const r = mmfc(['build', join(dir, 'ok.mmf'), '--target', 'tfjs', '--out', out]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['Net.model.ts', 'Net.train.ts', 'node_modules', 'package.json']);
    // node_modules/mmf links to this package, so the generated program runs where it was written.
    expect(JSON.parse(readFileSync(join(out, 'node_modules', 'mmf', 'package.json'), 'utf8')).name).toBe('mmf');
    const src = readFileSync(join(out, 'Net.model.ts'), 'utf8');
    expect(src).toContain('export function buildNet(): tf.LayersModel {');
    expect(src).toContain("const x = tf.input({ name: 'x', shape: [3], dtype: 'float32' });");
    expect(src).toContain('// fusion j = concat(e, w)');
    const bad = join(dir, 'three.mmf');
    writeFileSync(bad, THREE);
    const out2 = join(dir, 'gen2');
    expect(mmfc(['build', bad, '--target', 'tfjs', '--out', out2]).code).toBe(1);
    expect(existsSync(out2)).toBe(false);
  });

  it('build --target onnx writes <model>.onnx', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'ok.mmf'), VALID);
    const r = mmfc(['build', join(dir, 'ok.mmf'), '--target', 'onnx', '--out', dir]);
    expect(r.code).toBe(0);
    const bytes = readFileSync(join(dir, 'Net.onnx'));
    expect(bytes.length).toBeGreaterThan(1000);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a column name can never become code in generated TypeScript', () => {
    const dir = tmp();
    const evil = `dataset d from csv("x.csv") { split(train 0.5, test 0.5) }
input x: tabular from d["a'); process.exit(3); ('", "b\\n// */"]
label y: binary from d["y\`\${1}\`"]
model M = x -> dense(2) -> classifier(y)
`;
    writeFileSync(join(dir, 'evil.mmf'), evil);
    const out = join(dir, 'gen');
    expect(mmfc(['build', join(dir, 'evil.mmf'), '--target', 'tfjs', '--out', out]).code).toBe(0);
    const train = readFileSync(join(out, 'M.train.ts'), 'utf8');
    expect(train).toContain(`"a'); process.exit(3); ('"`);
    expect(train).not.toMatch(/^\s*process\.exit/m);
  });

  it('train reports bad data by file, row and column, without a stack trace', () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'x.mmf'),
      `dataset d from csv("rows.csv") { split(train 0.6, val 0.2, test 0.2, seed 1) }
input x: tabular(normalize zscore) from d[a, b]
label y: binary from d.y
model M = x -> dense(4) -> classifier(y)
`,
    );
    writeFileSync(join(dir, 'rows.csv'), 'a,b,y\n1,2,1\n3,x,0\n');
    // left by an mmfc killed while training or publishing (pid 4194305 is above Linux's pid_max: never alive)
    for (const stale of ['.out.partial-4194305', '.out.old-4194305']) mkdirSync(join(dir, stale, 'src'), { recursive: true });
    const r = mmfc(['train', join(dir, 'x.mmf'), '--out', join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('rows.csv, row 2 (line 3), column "b": "x" is not a number.');
    expect(r.err).not.toMatch(/^\s+at /m);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.partial-') || f.includes('.old-'))).toEqual([]);
  });

  it('binary input is refused in one line; control characters never reach the terminal raw', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bin.mmf'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0x1b, 0x5b]));
    const b = mmfc(['check', join(dir, 'bin.mmf')]);
    expect(b.code).toBe(2);
    expect(b.err).toContain('is not a text file (it contains NUL bytes)');
    writeFileSync(join(dir, 'esc.mmf'), 'encoder x = y -> dense(8)\t-> \u001b[31mred\n');
    const e = mmfc(['check', join(dir, 'esc.mmf')]);
    expect(e.code).toBe(1);
    expect(e.out).not.toContain('\u001b');
    expect(e.out).toContain('  1 | encoder x = y -> dense(8) -> \ufffd[31mred');
  });
});
