// Output paths that cannot be written: one line naming the path and the fix, exit code 1, no file left behind.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOutputFile, checkOutputFolder, describeFsError, OutputPathError } from '../cli/output-path.ts';

const ROOT = join(import.meta.dirname, '..');
const MMFC = join(ROOT, 'bin', 'mmfc.mjs');
const isRoot = process.getuid?.() === 0;

/**
 * Run mmfc in `cwd`. As root, permission bits do not stop writes, so the read-only cases run as user `nobody`
 * (uid 65534, through util-linux setpriv) when `unprivileged` is set: the EACCES they see is real.
 */
function mmfc(args: string[], cwd: string, unprivileged = false) {
  const env = { ...process.env, NO_COLOR: '1' };
  const r =
    unprivileged && isRoot
      ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, MMFC, ...args], { cwd, encoding: 'utf8', env: { ...env, HOME: cwd } })
      : spawnSync(process.execPath, [MMFC, ...args], { cwd, encoding: 'utf8', env });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const VALID = `dataset d from csv("rows.csv") { split(train 0.6, val 0.2, test 0.2, seed 1) }
input x: tabular(normalize zscore) from d[a, b, c]
label y: binary from d.y
encoder e = x -> dense(8, relu)
model Net = e -> classifier(y)
`;

/** A fresh work folder, readable and searchable by everyone (so `nobody` can run in it), with M.mmf. */
function work(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mmfc-outpath-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'M.mmf'), VALID, { mode: 0o644 });
  writeFileSync(join(dir, 'afile'), 'not a folder\n', { mode: 0o644 });
  return dir;
}

describe('mmfc output paths are checked before anything is written', () => {
  it('build and train: --out is a file → "is a file, not a folder", exit 1', () => {
    const w = work();
    const b = mmfc(['build', 'M.mmf', '--target', 'onnx', '--out', 'afile'], w);
    expect(b.err).toBe('mmfc: --out afile is a file, not a folder; choose another --out or remove the file\n');
    expect(b.code).toBe(1);
    const t = mmfc(['train', 'M.mmf', '--out', 'afile'], w);
    expect(t.err).toBe('mmfc: --out afile is a file, not a folder; choose another --out or remove the file\n');
    expect(t.code).toBe(1);
    expect(readdirSync(w).sort()).toEqual(['M.mmf', 'afile']);
  });

  it('build and train: a parent of --out is a file → names that file, exit 1', () => {
    const w = work();
    for (const cmd of [['build', 'M.mmf', '--target', 'tfjs'], ['train', 'M.mmf']]) {
      const r = mmfc([...cmd, '--out', 'afile/sub'], w);
      expect(r.err).toBe(`mmfc: --out afile/sub: a parent of --out, ${join(w, 'afile')}, is a file, not a folder; choose another --out or move that file\n`);
      expect(r.code).toBe(1);
    }
    expect(readdirSync(w).sort()).toEqual(['M.mmf', 'afile']);
  });

  it(`build and train: a read-only folder → "cannot write to FOLDER: permission denied", exit 1 (${isRoot ? 'run as nobody through setpriv' : 'run as this user'})`, () => {
    const w = work();
    const ro = join(w, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    for (const cmd of [['build', 'M.mmf', '--target', 'onnx'], ['build', 'M.mmf', '--target', 'tfjs'], ['train', 'M.mmf']]) {
      const r = mmfc([...cmd, '--out', 'ro/x'], w, true);
      expect(r.err).toBe(`mmfc: cannot write to ${ro}: permission denied — choose another --out or fix its permissions\n`);
      expect(r.code).toBe(1);
    }
    expect(readdirSync(ro)).toEqual([]);
  });

  it('predict --out DIR and eval --report DIR where DIR is a folder → "is a folder; give a file name", exit 1', () => {
    const w = work();
    mkdirSync(join(w, 'dir'));
    writeFileSync(join(w, 'rows.jsonl'), '{"a":1,"b":2,"c":3}\n');
    const p = mmfc(['predict', 'M.mmf', '--model', 'trained', '--input', 'rows.jsonl', '--out', 'dir'], w);
    expect(p.err).toBe('mmfc: --out dir is a folder; give a file name (for example --out dir/out.jsonl)\n');
    expect(p.code).toBe(1);
    const e = mmfc(['eval', 'M.mmf', '--model', 'trained', '--report', 'dir/'], w);
    expect(e.err).toBe('mmfc: --report dir/ is a folder; give a file name (for example --report dir/out.html)\n');
    expect(e.code).toBe(1);
    expect(readdirSync(join(w, 'dir'))).toEqual([]);
    expect(existsSync(join(w, 'trained'))).toBe(false);
  });

  it('checkOutputFolder / checkOutputFile accept writable paths, including folders still to be made', () => {
    const w = work();
    expect(() => checkOutputFolder('--out', join(w, 'new', 'deeper'))).not.toThrow();
    expect(() => checkOutputFile('--out', join(w, 'new', 'p.jsonl'))).not.toThrow();
    expect(() => checkOutputFile('--out', join(w, 'afile'))).not.toThrow(); // an existing file is replaced
    expect(() => checkOutputFolder('--out', join(w, 'afile'))).toThrow(OutputPathError);
  });
});

describe('describeFsError: errno errors left after the checks become one line with the path and the fix', () => {
  /** A synthetic Node errno error, shaped as fs throws it. */
  const errno = (code: string, syscall: string, path: string, dest?: string) =>
    Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path, ...(dest ? { dest } : {}) });

  it('names the file an atomic write stood for, not its temporary sibling', () => {
    expect(describeFsError(errno('EACCES', 'open', 'ro/.M.model.ts.20290.1764456000000.tmp'))).toBe(
      'cannot write ro/M.model.ts: permission denied — fix its permissions or choose another path',
    );
  });

  it('each errno gets its fix', () => {
    expect(describeFsError(errno('EACCES', 'mkdir', 'ro/x'))).toBe('cannot write ro/x: permission denied — fix its permissions or choose another path');
    expect(describeFsError(errno('EPERM', 'rename', 'a', 'b'))).toBe('cannot write a: operation not permitted — fix its permissions or choose another path');
    expect(describeFsError(errno('ENOSPC', 'write', 'out/M.onnx'))).toBe('cannot write out/M.onnx: no space left on the device — free some space or choose another path');
    expect(describeFsError(errno('EROFS', 'mkdir', '/ro/x'))).toBe('cannot write /ro/x: read-only file system — choose another path');
    expect(describeFsError(errno('ENOTDIR', 'mkdir', 'afile/sub'))).toBe(
      'cannot write afile/sub: a part of the path is a file, not a folder — choose another path or move that file',
    );
    expect(describeFsError(errno('EEXIST', 'mkdir', 'afile'))).toBe(
      'cannot write afile: a file is in the way where a folder was expected — choose another path or remove that file',
    );
    // A rename onto a folder: the destination is the path the user gave.
    expect(describeFsError(errno('EISDIR', 'rename', 'd/.p.jsonl.1.2.tmp', 'd/p'))).toBe('cannot write d/p: it is a folder where a file was expected — give a file name');
    // Reading is not writing.
    expect(describeFsError(errno('EACCES', 'open', 'secret.csv'))).toBe('cannot access secret.csv: permission denied — fix its permissions or choose another path');
  });

  it('leaves other errors alone', () => {
    expect(describeFsError(errno('ENOENT', 'open', 'x'))).toBeNull();
    expect(describeFsError(new Error('shape mismatch'))).toBeNull();
    expect(describeFsError('EACCES')).toBeNull();
  });
});

describe('mmfc check --json on a file it cannot read', () => {
  it('prints one MMF0008 object on stdout, the message on stderr, exit 2; readable files are still reported', () => {
    const w = work();
    writeFileSync(join(w, 'bin.mmf'), Buffer.from([0x6d, 0x00, 0x01]));
    mkdirSync(join(w, 'folder.mmf'));
    const cases: [string, string][] = [
      ['missing.mmf', 'cannot read missing.mmf: no such file'],
      ['bin.mmf', 'bin.mmf is not a text file (it contains NUL bytes); .mmf files are UTF-8 text'],
      ['folder.mmf', 'cannot read folder.mmf: it is a folder, not a .mmf file'],
    ];
    for (const [file, message] of cases) {
      const r = mmfc(['check', '--json', file], w);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`mmfc: ${message}\n`);
      expect(JSON.parse(r.out)).toEqual([
        {
          file,
          code: 'MMF0008',
          severity: 'error',
          message,
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          hint: 'give the path of an existing .mmf file (UTF-8 text) that this user may read',
        },
      ]);
    }
    // With a readable file too: its diagnostics and the unreadable one's, in argument order, still exit 2.
    const both = mmfc(['check', '--json', 'M.mmf', 'missing.mmf'], w);
    expect(both.code).toBe(2);
    const diags = JSON.parse(both.out) as { file: string; code: string }[];
    expect(diags.at(-1)).toMatchObject({ file: 'missing.mmf', code: 'MMF0008' });
    expect(diags.filter((d) => d.code === 'MMF0008')).toHaveLength(1);
    // Without --json nothing changes: the message alone, on stderr.
    const plain = mmfc(['check', 'missing.mmf'], w);
    expect(plain).toEqual({ code: 2, out: '', err: 'mmfc: cannot read missing.mmf: no such file\n' });
  });
});
