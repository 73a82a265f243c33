/**
 * Column names of a data file, read from its first bytes, so the checker can flag a misspelt column
 * before training starts. Only the head of the file is read: checking must stay fast on large files.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';

/** Reads up to `bytes` bytes from the start of a file; undefined when it cannot be read. */
export type ReadHead = (absPath: string, bytes: number) => string | undefined;

export const readHeadFromDisk: ReadHead = (absPath, bytes) => {
  let fd: number | undefined;
  try {
    fd = openSync(absPath, 'r');
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
};

const HEAD_BYTES = 256 * 1024;

/**
 * The columns of a JSONL/JSON/CSV file, or undefined when the file is missing or its head cannot be parsed
 * (the runtime reports data errors precisely at load time).
 */
export function columnsOf(format: 'jsonl' | 'json' | 'csv' | 'folder' | 'idx', absPath: string, readHead: ReadHead, delimiter = ','): string[] | undefined {
  // Folder and IDX sources have fixed columns (runtime/data/sources.ts).
  if (format === 'folder') return existsSync(absPath) ? ['path', 'class', 'name'] : undefined;
  if (format === 'idx') return readHead(absPath, 1) !== undefined ? ['image', 'label', 'part', 'id'] : undefined;
  const head = readHead(absPath, HEAD_BYTES);
  if (head === undefined) return undefined;
  const cols = new Set<string>();
  if (format === 'jsonl') {
    const lines = head.split('\n');
    if (head.length === HEAD_BYTES) lines.pop(); // the last line may be cut off
    for (const line of lines.slice(0, 200)) {
      if (!line.trim()) continue;
      try {
        const row = JSON.parse(line) as unknown;
        if (row && typeof row === 'object' && !Array.isArray(row)) for (const k of Object.keys(row)) cols.add(k);
      } catch {
        return undefined;
      }
    }
    return cols.size ? [...cols] : undefined;
  }
  if (format === 'csv') {
    try {
      const rows = parseCsv(head, { delimiter, to_line: 1, relax_column_count: true }) as string[][];
      return rows[0]?.map((c) => c.trim());
    } catch {
      return undefined;
    }
  }
  try {
    const rows = JSON.parse(head) as unknown;
    if (!Array.isArray(rows)) return undefined;
    for (const row of rows.slice(0, 200)) if (row && typeof row === 'object') for (const k of Object.keys(row)) cols.add(k);
    return cols.size ? [...cols] : undefined;
  } catch {
    return undefined; // a large JSON array does not fit the head; skip the check
  }
}
