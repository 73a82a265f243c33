/** The .mmf formatter (grammar/format.ts), its prettier plugin and `mmfc fmt`. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as prettier from 'prettier';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../cli/main.ts';
import { format, prettierPlugin } from '../grammar/format.ts';
import { lex } from '../grammar/index.ts';

const ROOT = join(import.meta.dirname, '..');

/** Every .mmf file of the repository's examples and benchmarks. */
function exampleFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules' || e.name === 'data') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.mmf')) out.push(p);
    }
  };
  walk(join(ROOT, 'examples'));
  walk(join(ROOT, 'bench'));
  return out;
}

const ok = (text: string): string => {
  const r = format(text);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
  return r.text;
};

/** The tokens (comments included) as written: formatting may only change the whitespace between them. */
const tokenTexts = (text: string) => lex(text).tokens.map((t) => t.text);
const comments = (text: string) => lex(text).tokens.filter((t) => t.category === 'comment').map((t) => t.text);

const MESSY = `

/* header
   block */
dataset   emails from jsonl( "data/spam.jsonl" ){split(by split)}   // trailing
input subject:text(vocab 4000,max_len 20)from emails.subject
input body : text( vocab 20000 , max_len 200 ) from emails . body -> [ batch , 200 ]
input headers: tabular(normalize zscore) from emails [received, links,
      html]
label spam: binary from emails.is_spam // label



// own line before encoder
encoder subj = subject->embedding(32)->gru(32)   // a
encoder text = body
    -> embedding(32)  // emb
    // between steps
    -> conv1d(64, 5, activation relu)
        -> global_max_pool // pool
fusion joint = attention(subj, text, dim 64, heads 4) /* inline */ -> [batch, 64]
model SpamNet = joint -> classifier(spam, hidden [64, 32], dropout 0.2) model Other = subj -> classifier(spam)
train SpamNet {
    optimizer adam(lr 1e-3)   epochs 8

    batch 64 // big
  early_stop(val_loss,
    patience 2)
    class_weights [1, - 2]
}
train Other { epochs 1 }
// end
`;

const MESSY_FORMATTED = `/* header
   block */
dataset emails from jsonl("data/spam.jsonl") { split(by split) }    // trailing
input subject: text(vocab 4000, max_len 20) from emails.subject
input body:    text(vocab 20000, max_len 200) from emails.body -> [batch, 200]
input headers: tabular(normalize zscore) from emails[received, links,
  html]
label spam: binary from emails.is_spam // label

// own line before encoder
encoder subj = subject -> embedding(32) -> gru(32) // a
encoder text = body
  -> embedding(32)    // emb
  // between steps
  -> conv1d(64, 5, activation relu)
  -> global_max_pool       // pool
fusion joint = attention(subj, text, dim 64, heads 4) /* inline */ -> [batch, 64]
model SpamNet = joint -> classifier(spam, hidden [64, 32], dropout 0.2)
model Other = subj -> classifier(spam)
train SpamNet {
  optimizer adam(lr 1e-3)
  epochs 8

  batch 64   // big
  early_stop(val_loss,
    patience 2)
  class_weights [1, -2]
}
train Other { epochs 1 }
// end
`;


describe('format', () => {
  const files = exampleFiles();

  it('finds the examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files.map((f) => [f.slice(ROOT.length + 1), f]))('%s: idempotent, every token and comment kept', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const once = ok(text);
    expect(ok(once)).toBe(once);
    expect(tokenTexts(once)).toEqual(tokenTexts(text));
    expect(comments(once)).toEqual(comments(text));
    expect(comments(text).length).toBeGreaterThan(0);
  });

  it('the single-input spam examples are already formatted', () => {
    for (const f of ['subject', 'body', 'headers']) {
      const text = readFileSync(join(ROOT, 'examples', 'spam', `${f}.mmf`), 'utf8');
      expect(ok(text)).toBe(text);
    }
  });

  it('lays out a messy file canonically', () => {
    expect(ok(MESSY)).toBe(MESSY_FORMATTED);
    expect(ok(MESSY_FORMATTED)).toBe(MESSY_FORMATTED);
  });

  it('aligns kinds the author began to align, and moves comments that no longer clear the code together', () => {
    const text = `input a:  text(vocab 5, max_len 2) from d.a
input longer: tabular from d[b]
label y: binary from d.y
encoder e = x->dense(4)  // c
encoder f = x->relu      // d
encoder g = x -> dense(8)        // kept where it was
`;
    expect(ok(text)).toBe(`input a:      text(vocab 5, max_len 2) from d.a
input longer: tabular from d[b]
label y:      binary from d.y
encoder e = x -> dense(4) // c
encoder f = x -> relu     // d
encoder g = x -> dense(8)        // kept where it was
`);
  });

  it('keeps what the author aligned, and one space after colons where the author wrote one', () => {
    const text = `input body:    text(vocab 5, max_len 2) from d.a
label spam:    binary from d.y

input x: tabular from d[a]
label z: binary from d.z
encoder e = body -> embedding(4)    // shapes
  -> global_max_pool                // [batch, 4]
`;
    expect(ok(text)).toBe(text);
  });

  it('every example and benchmark file is formatted already (mmfc fmt --check passes on them)', () => {
    for (const f of files) expect(ok(readFileSync(f, 'utf8')), f).toBe(readFileSync(f, 'utf8'));
  });

  it('keeps CRLF line endings, drops trailing whitespace, ends with one newline', () => {
    expect(ok('encoder e = a -> b   \r\n\r\n\r\n\r\nencoder f = a\r\n\r\n')).toBe('encoder e = a -> b\r\n\r\nencoder f = a\r\n');
    expect(ok('')).toBe('');
    expect(ok('// only a comment')).toBe('// only a comment\n');
  });

  it('the invalid-input corpus (test/invalid): formatted idempotently with every token kept, or refused for syntax errors', () => {
    const dir = join(ROOT, 'test', 'invalid');
    let refused = 0;
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.mmf'))) {
      const text = readFileSync(join(dir, name), 'utf8');
      const r = format(text);
      if (!r.ok) {
        refused++;
        expect(r.diagnostics.every((d) => d.code.startsWith('MMF000')), name).toBe(true);
        continue;
      }
      expect(ok(r.text), name).toBe(r.text);
      expect(tokenTexts(r.text), name).toEqual(tokenTexts(text));
    }
    expect(refused).toBeGreaterThan(0);
  });

  it('refuses a file with syntax errors and says why', () => {
    const r = format('encoder e = a -> (\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0]!.code).toMatch(/^MMF000/);
  });

  it('any spacing of an example formats idempotently and keeps every token (property)', () => {
    const sources = files.map((f) => readFileSync(f, 'utf8'));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sources.length - 1 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 400, maxLength: 400 }), (which, spaces) => {
        // Re-space the tokens within lines: 0–3 spaces between tokens (1 at least where two would merge).
        const src = sources[which]!;
        let out = '';
        let pos = 0;
        lex(src).tokens.forEach((t, i) => {
          const gap = src.slice(pos, t.offset);
          let n = spaces[i % spaces.length]!;
          if (n === 0 && /[\w.]$/.test(out) && /^[\w.]/.test(t.text)) n = 1;
          out += /[\r\n]/.test(gap) || pos === 0 ? gap : ' '.repeat(n);
          out += t.text;
          pos = t.offset + t.length;
        });
        out += src.slice(pos);
        const once = ok(out);
        expect(ok(once)).toBe(once);
        expect(tokenTexts(once)).toEqual(tokenTexts(src));
      }),
      { numRuns: 40, seed: 7 },
    );
  });

  it('runs as a prettier plugin', async () => {
    const text = readFileSync(join(ROOT, 'examples', 'spam', 'spam.mmf'), 'utf8');
    const viaPrettier = await prettier.format(text, { parser: 'mmf', plugins: [prettierPlugin as prettier.Plugin] });
    expect(viaPrettier).toBe(ok(text));
    await expect(prettier.format('model = ->', { parser: 'mmf', plugins: [prettierPlugin as prettier.Plugin] })).rejects.toThrow(/MMF0001/);
  });
});

describe('mmfc fmt', () => {
  /** Run mmfc in this process; returns its exit code and what it printed. */
  async function mmfc(args: string[]) {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    try {
      return { code: await main(args), out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it('--check lists unformatted files and exits 1; fmt rewrites them; then --check exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmf-fmt-'));
    writeFileSync(join(dir, 'a.mmf'), MESSY);
    writeFileSync(join(dir, 'b.mmf'), MESSY_FORMATTED);
    const check = await mmfc(['fmt', '--check', dir]);
    expect(check.code).toBe(1);
    expect(check.out.trim().split('\n')).toEqual([join(dir, 'a.mmf')]);
    expect(check.err).toContain('1 of 2 files not formatted');
    expect(readFileSync(join(dir, 'a.mmf'), 'utf8')).toBe(MESSY);
    const fix = await mmfc(['fmt', join(dir, 'a.mmf'), join(dir, 'b.mmf')]);
    expect(fix.code).toBe(0);
    expect(readFileSync(join(dir, 'a.mmf'), 'utf8')).toBe(MESSY_FORMATTED);
    expect((await mmfc(['fmt', '--check', dir])).code).toBe(0);
  });

  it('leaves a file with syntax errors alone and exits 1; a missing file is a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmf-fmt-'));
    writeFileSync(join(dir, 'bad.mmf'), 'model = ->\n');
    const r = await mmfc(['fmt', join(dir, 'bad.mmf')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('MMF0001');
    expect(readFileSync(join(dir, 'bad.mmf'), 'utf8')).toBe('model = ->\n');
    expect((await mmfc(['fmt', join(dir, 'missing.mmf')])).code).toBe(2);
  });

  it('runs from the command line (bin/mmfc.mjs)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmf-fmt-'));
    writeFileSync(join(dir, 'a.mmf'), MESSY);
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'mmfc.mjs'), 'fmt', '--check', join(dir, 'a.mmf')], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout.trim()).toBe(join(dir, 'a.mmf'));
  });
});
