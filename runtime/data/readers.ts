/**
 * Readers for JSONL, JSON (an array of objects) and CSV (csv-parse). Every problem with
 * the file or its contents becomes a {@link DataError} naming the file and line.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseCsv, CsvError } from 'csv-parse/sync';
import { DataError } from './errors.ts';
import type { SourceSpec } from './spec.ts';
import { readFolderSource, readIdxSource } from './sources.ts';

/** One data row: column name → raw cell value (strings for CSV; any JSON value for JSON/JSONL). */
export type Row = Record<string, unknown>;

/**
 * The value of `column` in a row, or undefined when the row has no such own key (so a
 * column named `constructor` or `toString` never reads Object.prototype).
 */
export function cell(row: Row, column: string): unknown {
  return Object.prototype.hasOwnProperty.call(row, column) ? row[column] : undefined;
}

/** Rows read from one file, with where each came from. */
export interface Table {
  /** The path as the spec wrote it (used in messages). */
  file: string;
  format: SourceSpec['format'];
  rows: Row[];
  /** Column names: the CSV header, or every key seen in JSON/JSONL rows, in first-seen order. */
  columns: string[];
  /** Per row: the 1-based line where it starts (CSV, JSONL) or its 0-based index (JSON, folder, IDX). */
  lines: Int32Array;
  /** Absolute folder that file paths in cells are relative to (the data file's folder, or the folder source). */
  dir?: string;
}

/** Human location of row `i`: `row 3 (line 4)` for CSV, `line 7` for JSONL, `element 2` for JSON. */
export function rowWhere(table: Pick<Table, 'format' | 'lines'> & { rows?: Row[] }, i: number): string {
  if (table.format === 'csv') return `row ${i + 1} (line ${table.lines[i]})`;
  if (table.format === 'jsonl') return `line ${table.lines[i]}`;
  if (table.format === 'folder') return `file ${JSON.stringify(String(table.rows?.[i]?.path ?? i))}`;
  if (table.format === 'idx') return `sample ${String(table.rows?.[i]?.id ?? i)}`;
  return `element ${table.lines[i]}`;
}

/**
 * Reads the file a source names, relative to `baseDir` (absolute paths are kept).
 * @throws DataError when the file is missing, unreadable, malformed, or has no rows.
 */
export function readTable(source: SourceSpec, baseDir: string): Table {
  if (source.format === 'folder') return readFolderSource(source, baseDir);
  if (source.format === 'idx') return readIdxSource(source, baseDir);
  const abs = isAbsolute(source.path) ? source.path : resolve(baseDir, source.path);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new DataError({
        file: source.path,
        problem: `data file not found (looked for ${abs})`,
        hint: isAbsolute(source.path)
          ? `check the dataset's path in the .mmf file (it is relative to that file), or run the example's data preparation script first`
          : `check the dataset's path (it is relative to ${baseDir}), or run the example's data preparation script first`,
      });
    }
    const why =
      code === 'EISDIR' ? 'is a folder, not a file' : code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? (e as Error).message})`;
    throw new DataError({ file: source.path, problem: `data file ${why} (${abs})`, hint: 'point the dataset at a readable data file' });
  }
  return { ...parseTable(text, source.format, source.path, source.delimiter), dir: dirname(abs) };
}

/**
 * Parses file contents already in memory (`file` is only used in messages).
 * @throws DataError on malformed content or when there are no rows.
 */
export function parseTable(text: string, format: 'jsonl' | 'json' | 'csv', file: string, delimiter?: string): Table {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let table: Table;
  if (format === 'jsonl') table = parseJsonl(text, file);
  else if (format === 'json') table = parseJson(text, file);
  else if (format === 'csv') table = parseCsvText(text, file, delimiter ?? ',');
  else {
    throw new DataError({ file, problem: `unknown data format ${JSON.stringify(format)}`, hint: 'use jsonl, json or csv' });
  }
  if (table.rows.length === 0) {
    throw new DataError({ file, problem: 'the file holds no data rows', hint: 'check that the file is the right one and is not empty' });
  }
  return table;
}

function isPlainObject(v: unknown): v is Row {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonKind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function collectColumns(rows: Row[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

function parseJsonl(text: string, file: string): Table {
  const rows: Row[] = [];
  const lines: number[] = [];
  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const line = text.slice(pos, nl);
    lineNo++;
    pos = nl + 1;
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new DataError({
        file,
        where: `line ${lineNo}`,
        problem: `not valid JSON (${(e as Error).message})`,
        hint: `make line ${lineNo} one complete JSON object such as {"text": "...", "label": 1}, or delete it`,
      });
    }
    if (!isPlainObject(v)) {
      throw new DataError({
        file,
        where: `line ${lineNo}`,
        problem: `expected a JSON object but found ${jsonKind(v)}`,
        hint: 'a JSONL file holds one object per line, its keys being the column names',
      });
    }
    rows.push(v);
    lines.push(lineNo);
  }
  return { file, format: 'jsonl', rows, columns: collectColumns(rows), lines: Int32Array.from(lines) };
}

/** Line (1-based) of a character offset. */
function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function parseJson(text: string, file: string): Table {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const where = pos ? `line ${lineOf(text, Number(pos[1]))}` : /end of JSON/i.test(msg) ? `line ${lineOf(text, text.length)}` : undefined;
    throw new DataError({ file, where, problem: `not valid JSON (${msg})`, hint: 'fix the JSON syntax there (a JSON lint tool shows the exact spot)' });
  }
  if (!Array.isArray(v)) {
    throw new DataError({
      file,
      problem: `expected a JSON array of objects but the file holds ${jsonKind(v)}`,
      hint: 'write the rows as [{"col": value, ...}, ...], or use format jsonl for one object per line',
    });
  }
  const lines = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    lines[i] = i;
    if (!isPlainObject(v[i])) {
      throw new DataError({
        file,
        where: `element ${i}`,
        problem: `expected an object but found ${jsonKind(v[i])}`,
        hint: 'every element of the array must be an object whose keys are the column names',
      });
    }
  }
  return { file, format: 'json', rows: v as Row[], columns: collectColumns(v as Row[]), lines };
}

function parseCsvText(text: string, file: string, delimiter: string): Table {
  let header: string[] = [];
  let records: { record: Row; info: { lines: number }; raw: string }[];
  try {
    records = parseCsv(text, {
      delimiter,
      bom: true,
      skip_empty_lines: true,
      info: true,
      raw: true,
      columns: (names: string[]) => {
        const seen = new Set<string>();
        names.forEach((n, i) => {
          if (n.trim() === '') {
            throw new DataError({ file, where: 'line 1', problem: `header field ${i + 1} is empty`, hint: 'give every column a name in the first line' });
          }
          if (seen.has(n)) {
            throw new DataError({ file, where: 'line 1', column: n, problem: 'the header names this column twice', hint: 'rename one of the two columns' });
          }
          seen.add(n);
        });
        header = names;
        return names;
      },
    }) as typeof records;
  } catch (e) {
    if (e instanceof DataError) throw e;
    if (e instanceof CsvError) {
      const c = e as CsvError & { lines?: number; record?: unknown[] };
      const where = c.lines ? `line ${c.lines}` : undefined;
      const problem =
        c.code === 'CSV_RECORD_INCONSISTENT_COLUMNS'
          ? `this row has ${Array.isArray(c.record) ? c.record.length : 'a different number of'} fields but the header has ${header.length}`
          : c.code === 'CSV_QUOTE_NOT_CLOSED'
            ? 'the file ends inside a quoted field: a quote opened on or before this line is never closed'
            : c.code === 'CSV_INVALID_CLOSING_QUOTE'
              ? 'a quote inside a quoted field is not doubled'
              : `malformed CSV (${c.message})`;
      const hint =
        c.code === 'CSV_RECORD_INCONSISTENT_COLUMNS'
          ? `quote fields that contain "${delimiter}" ("a${delimiter} b"), or fix the number of fields on that line`
          : 'quote fields with "..." and write a quote inside a field as ""';
      throw new DataError({ file, where, problem, hint, cause: e });
    }
    throw new DataError({ file, problem: `cannot parse CSV (${(e as Error).message})`, hint: 'check the file is CSV with a header line' });
  }
  const rows: Row[] = new Array(records.length);
  const lines = new Int32Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    rows[i] = r.record;
    // info.lines is the line where the record ends; a quoted field may span lines.
    let nls = 0;
    const raw = r.raw.replace(/\r?\n$/, '');
    for (let k = 0; k < raw.length; k++) if (raw.charCodeAt(k) === 10) nls++;
    lines[i] = r.info.lines - nls;
  }
  return { file, format: 'csv', rows, columns: header, lines };
}
