/**
 * The `.mmf` files of the workspace folders, for references and rename across files. Folders are walked on
 * each request (no watcher to go stale); `node_modules`, hidden folders and build outputs are skipped, and the
 * walk stops after {@link MAX_FILES} files.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The most files one walk returns (a workspace of more `.mmf` files than this is searched in part). */
export const MAX_FILES = 5000;
const SKIP = new Set(['node_modules', 'dist', 'out', 'build', 'coverage']);

/** Absolute paths of the `.mmf` files under `roots`, in a stable order (each root in turn, sorted by name). */
export function mmfFilesUnder(roots: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (dir: string, depth: number) => {
    if (out.length >= MAX_FILES || depth > 32) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // unreadable or gone: nothing to search there
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (out.length >= MAX_FILES) return;
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP.has(e.name)) walk(p, depth + 1);
      } else if (e.isFile() && e.name.endsWith('.mmf') && !seen.has(p)) {
        seen.add(p);
        out.push(p);
      }
    }
  };
  for (const r of roots) walk(r, 0);
  return out;
}

/** True when `text` contains `name` as a whole word (not inside a longer name). `name` is an identifier. */
export function mentions(text: string, name: string): boolean {
  for (let i = text.indexOf(name); i >= 0; i = text.indexOf(name, i + 1)) {
    const before = i > 0 ? text.charCodeAt(i - 1) : 32;
    const after = i + name.length < text.length ? text.charCodeAt(i + name.length) : 32;
    if (!isWordChar(before) && !isWordChar(after)) return true;
  }
  return false;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
