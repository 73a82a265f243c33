/** Random edits for the incremental parser and checker tests (test/incremental-*.test.ts). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';

const ROOT = join(import.meta.dirname, '..', '..');

/** Every .mmf file of the examples and the invalid corpus. */
export function seedFiles(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const dir of ['examples', 'test/invalid']) {
    const walk = (d: string) => {
      for (const e of readdirSync(join(ROOT, d), { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.endsWith('.mmf')) out.push({ name: join(d, e.name), text: readFileSync(join(ROOT, d, e.name), 'utf8') });
      }
    };
    walk(dir);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Text fragments an edit inserts: tokens that change chunking and recovery (keywords at line starts, comments, strings, brackets). */
export const FRAGMENTS = [
  '\n',
  '\r\n',
  '\r',
  ' ',
  'model M = f -> classifier(y)\n',
  '\nencoder e = x -> dense(4)',
  '\ninput q: text(vocab 10, max_len 4) from d.a\n',
  'input ',
  'train ',
  'model',
  'dataset d from csv("a.csv")\n',
  'import "lib/a.mmf"\n',
  'import "x',
  '/*',
  '*/',
  '//',
  '"',
  '\\',
  '(',
  ')',
  ')))',
  '[',
  ']',
  '{',
  '}',
  '->',
  ',',
  ':',
  '=',
  'dense(32)',
  'from',
  'x',
  '7',
  '@',
  'ensemble E = voting([A, B])\n',
];

export type Edit = { at: number; del: number; ins: string };

/** An arbitrary edit: a position and deletion length as fractions of the text, and a fragment or two to insert. */
export const editArb = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  del: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40 })),
  ins: fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 2 }).map((xs) => xs.join('')),
});

export function applyEdit(text: string, e: { at: number; del: number; ins: string }): string {
  const at = Math.floor(e.at * text.length);
  return text.slice(0, at) + e.ins + text.slice(at + e.del);
}

