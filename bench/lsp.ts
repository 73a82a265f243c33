/**
 * Language server latency on a 2,000-line .mmf file: the time from an edit (didChange sent) to its
 * diagnostics (publishDiagnostics for that version received), through the real server process over stdio.
 *
 * Two kinds of edit, both in the middle of the file: a width changed inside a line (32 ↔ 33, what most
 * keystrokes are), and a blank line inserted and removed (which moves every declaration below it). Edits are
 * sent as typing would send them (a pause of --pause ms, default 150, between edits: the server then checks
 * each at once) and back to back (each edit right after the previous one's diagnostics: the server's 50 ms
 * debounce then holds each check back). Beside it: compile() of the whole text and the IncrementalCompiler in
 * this process, the phases of the server's own check (its `mmf/checkTimings` request), and hover and
 * completion round trips.
 *
 *     npx tsx bench/lsp.ts [--edits N] [--pause MS] [--reference DIR]
 *
 * --reference DIR runs the same edits through the language server of another checkout (DIR holds a copy of
 * the repository, e.g. `git archive COMMIT | tar -x -C DIR` with node_modules linked), side by side in the
 * same run. Prints tables and the machine's load; asserts nothing (no timed tests).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadavg } from 'node:os';
import { compile } from '../compiler/index.ts';
import { IncrementalCompiler } from '../compiler/incremental.ts';
import { LspClient } from '../vscode-extension/test/client.ts';
import type { CheckTimingsResult } from '../vscode-extension/server/server.ts';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const EDITS = Number(arg('--edits')) || 30;
const PAUSE = Number(arg('--pause') ?? 150);
const REFERENCE = arg('--reference');

/** A realistic file of `lines` lines: one dataset and blocks of inputs, encoders, a fusion, a model, a train block. */
export function bigFile(lines: number): string {
  const out = ['// bench/lsp.ts: a generated model zoo', 'dataset d from jsonl("rows.jsonl") { split(train 0.8, val 0.1, test 0.1, seed 1) }', 'label y: binary from d.y', ''];
  for (let i = 0; out.length < lines; i++) {
    out.push(
      `// block ${i}`,
      `input t${i}: text(vocab 5000, max_len 64) from d.text${i % 5}`,
      `input n${i}: tabular(normalize zscore) from d[a, b, c]`,
      `encoder et${i} = t${i} -> embedding(32) -> conv1d(64, 5, activation relu) -> global_max_pool`,
      `encoder en${i} = n${i} -> mlp([32, 16])`,
      `fusion f${i} = concat(et${i}, en${i}) -> dense(32, relu)`,
      `model M${i} = f${i} -> classifier(y, hidden [16], dropout 0.1)`,
      `train M${i} { optimizer adam(lr 1e-3) epochs 5 batch 64 }`,
      '',
    );
  }
  return out.slice(0, lines).join('\n') + '\n';
}

function stats(xs: number[]): { median: number; p95: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p95: at(0.95), min: s[0]!, max: s[s.length - 1]! };
}

const ms = (x: number) => x.toFixed(1).padStart(7);
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

type Edit = { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string };

/** The edits of one run: `n` edits that alternate between two texts, as LSP changes. */
function inLineEdits(target: number, col: number, n: number): Edit[] {
  return Array.from({ length: n }, (_, i) => ({ range: { start: { line: target, character: col }, end: { line: target, character: col + 2 } }, text: i % 2 ? '32' : '33' }));
}
function newLineEdits(target: number, n: number): Edit[] {
  return Array.from({ length: n }, (_, i) =>
    i % 2
      ? { range: { start: { line: target, character: 0 }, end: { line: target + 1, character: 0 } }, text: '' }
      : { range: { start: { line: target, character: 0 }, end: { line: target, character: 0 } }, text: '\n' },
  );
}

/** Apply LSP edits to a text (for the in-process rows). */
function applyEdit(text: string, e: Edit): string {
  const lines = text.split('\n');
  const off = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(0, off(e.range.start)) + e.text + text.slice(off(e.range.end));
}

interface ServerRun {
  latency: number[];
  phases: CheckTimingsResult[];
}

/** Open `text` in `server`, then send `edits` one by one, waiting `pause` ms before each; time each to its diagnostics. */
async function runEdits(server: LspClient, uri: string, text: string, edits: Edit[], pause: number, firstVersion: number): Promise<ServerRun> {
  const latency: number[] = [];
  const phases: CheckTimingsResult[] = [];
  let v = firstVersion;
  for (const e of edits) {
    if (pause) await sleep(pause);
    v++;
    const t0 = performance.now();
    await server.change(uri, v, [e]);
    await server.diagnosticsFor(uri, v, 60_000);
    latency.push(performance.now() - t0);
    const t = (await server.request('mmf/checkTimings', { uri }).catch(() => null)) as CheckTimingsResult | null;
    if (t && t.version === v) phases.push(t);
  }
  void text;
  return { latency: latency.slice(2), phases: phases.slice(2) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mmf-bench-lsp-'));
  const rows = [{ y: 1, a: 1, b: 2, c: 3, text0: 'a', text1: 'b', text2: 'c', text3: 'd', text4: 'e' }];
  writeFileSync(join(dir, 'rows.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const text = bigFile(2000);
  const file = join(dir, 'zoo.mmf');
  writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  const lineCount = text.split('\n').length - 1;
  // The line to edit: a fusion in the middle of the file; the edit toggles its width (32 ↔ 33).
  const lines = text.split('\n');
  const target = lines.findIndex((l, i) => i > lineCount / 2 && l.startsWith('fusion '));
  const col = lines[target]!.indexOf('dense(32') + 'dense('.length;
  const load0 = loadavg();

  const table: [string, number[]][] = [];
  const phaseTable: [string, { total: number[]; parse: number[]; check: number[]; publish: number[] }][] = [];
  /** CPU time (user + system) per check: less sensitive to the machine's load than wall time. */
  const cpuTable: [string, number[]][] = [];
  const cpuOf = (f: () => void) => {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };

  // In this process: compile() of the whole text, and the IncrementalCompiler after each kind of edit.
  const full: number[] = [];
  const fullCpu: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    let r: ReturnType<typeof compile> | undefined;
    fullCpu.push(cpuOf(() => (r = compile(text, { fileName: file }))));
    full.push(performance.now() - t0);
    if (i === 0 && r!.diagnostics.length) throw new Error(`the generated file has diagnostics: ${r!.diagnostics[0]!.message}`);
  }
  table.push(['compile() of the whole file, in process', full.slice(2)]);
  cpuTable.push(['compile() of the whole file, in process', fullCpu.slice(2)]);
  for (const [what, edits] of [
    ['edit in a line', inLineEdits(target, col, EDITS)],
    ['new line', newLineEdits(target, EDITS)],
  ] as const) {
    const c = new IncrementalCompiler();
    let t = text;
    c.compile(t, { fileName: file });
    const total: number[] = [];
    const parse: number[] = [];
    const check: number[] = [];
    const cpu: number[] = [];
    for (const e of edits) {
      t = applyEdit(t, e);
      const t0 = performance.now();
      const next = t;
      cpu.push(cpuOf(() => c.compile(next, { fileName: file })));
      total.push(performance.now() - t0);
      parse.push(c.lastTimings!.parse);
      check.push(c.lastTimings!.check);
    }
    table.push([`incremental compile, ${what}, in process`, total.slice(2)]);
    cpuTable.push([`incremental compile, ${what}, in process`, cpu.slice(2)]);
    phaseTable.push([`in process, ${what}`, { total: total.slice(2), parse: parse.slice(2), check: check.slice(2), publish: [] }]);
  }

  const servers: [string, string | undefined][] = [['this server', undefined]];
  if (REFERENCE) servers.push([`reference (${REFERENCE})`, REFERENCE]);
  for (const [name, root] of servers) {
    const start = (debounceMs: number) =>
      LspClient.start({
        initializationOptions: { debounceMs },
        ...(root ? { args: ['--import', 'tsx', join(root, 'vscode-extension', 'server', 'main.ts'), '--stdio'] } : {}),
      });
    const server = await start(50);
    await server.open(uri, text, 1);
    await server.diagnosticsFor(uri, 1, 60_000);
    let v = 1;
    const runs: [string, Edit[], number][] = [
      [`edit in a line, typing (${PAUSE} ms apart)`, inLineEdits(target, col, EDITS), PAUSE],
      ['edit in a line, back to back', inLineEdits(target, col, EDITS), 0],
      [`new line, typing (${PAUSE} ms apart)`, newLineEdits(target, EDITS), PAUSE],
    ];
    for (const [what, edits, pause] of runs) {
      const r = await runEdits(server, uri, text, edits, pause, v);
      v += edits.length;
      table.push([`${name}: ${what}`, r.latency]);
      if (r.phases.length) cpuTable.push([`${name}: ${what} (whole check)`, r.phases.map((p) => p.cpuMs)]);
      if (r.phases.length)
        phaseTable.push([
          `${name}: ${what}`,
          {
            total: r.phases.map((p) => p.totalMs),
            parse: r.phases.map((p) => p.phases?.parse ?? NaN),
            check: r.phases.map((p) => p.phases?.check ?? NaN),
            publish: r.phases.map((p) => p.publishMs),
          },
        ]);
    }
    if (!root) {
      const hover: number[] = [];
      const completion: number[] = [];
      for (let i = 0; i < 20; i++) {
        let t0 = performance.now();
        await server.request('textDocument/hover', { textDocument: { uri }, position: { line: target, character: 8 } });
        hover.push(performance.now() - t0);
        t0 = performance.now();
        await server.request('textDocument/completion', { textDocument: { uri }, position: { line: target, character: lines[target]!.indexOf('->') + 3 } });
        completion.push(performance.now() - t0);
      }
      table.push([`${name}: hover round trip`, hover.slice(2)], [`${name}: completion round trip (after ->)`, completion.slice(2)]);
    }
    await server.shutdown();
  }
  rmSync(dir, { recursive: true, force: true });
  const load1 = loadavg();

  console.log(`mmf language server on a ${lineCount}-line file (${text.length.toLocaleString('en-US')} characters), ${EDITS} edits per row (the first 2 dropped); node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`);
  console.log(`load average (1 min) ${load0[0]!.toFixed(1)} at the start, ${load1[0]!.toFixed(1)} at the end`);
  console.log(`\n${'edit → diagnostics (ms)'.padEnd(58)} ${'median'.padStart(7)} ${'p95'.padStart(7)} ${'min'.padStart(7)} ${'max'.padStart(7)}`);
  for (const [what, xs] of table) {
    const s = stats(xs);
    console.log(`${what.padEnd(58)} ${ms(s.median)} ${ms(s.p95)} ${ms(s.min)} ${ms(s.max)}`);
  }
  console.log(`\n${'phases of one check, median (p95) ms'.padEnd(58)} ${'check'.padStart(13)} ${'parse'.padStart(13)} ${'semantic'.padStart(13)} ${'publish'.padStart(13)}`);
  const cell = (xs: number[]) => (xs.length && !xs.some(Number.isNaN) ? `${stats(xs).median.toFixed(1)} (${stats(xs).p95.toFixed(1)})` : '—').padStart(13);
  for (const [what, p] of phaseTable) console.log(`${what.padEnd(58)} ${cell(p.total)} ${cell(p.parse)} ${cell(p.check)} ${cell(p.publish)}`);
  console.log(`\n${'CPU time of one check (ms, user + system)'.padEnd(58)} ${'median'.padStart(7)} ${'p95'.padStart(7)} ${'min'.padStart(7)} ${'max'.padStart(7)}`);
  for (const [what, xs] of cpuTable) {
    const s = stats(xs);
    console.log(`${what.padEnd(58)} ${ms(s.median)} ${ms(s.p95)} ${ms(s.min)} ${ms(s.max)}`);
  }
}

await main();
