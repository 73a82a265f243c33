/**
 * Atomic writes of the training outputs, on top of runtime/io's `writeFileAtomic` (temporary file in the same
 * directory, then rename), so a reader (or a crash) never sees half a file.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic as writeAtomic } from '../io.ts';

/** Write `content` to `file` atomically, creating its directory if needed. */
export async function writeFileAtomic(file: string, content: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeAtomic(file, content);
}

/** `JSON.stringify(value, null, 2)` plus a newline, written atomically. Typed arrays must be converted by the caller. */
export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
