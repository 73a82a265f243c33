/**
 * Language server latency on a 2,000-line .mmf file: the time from an edit (didChange sent) to its
 * diagnostics (publishDiagnostics for that version received), through the real server process over stdio,
 * with the default 50 ms debounce and with none; beside it, compile() of the same text in this process,
 * and hover and completion round trips.
 *
 *     npx tsx bench/lsp.ts [--edits N]
 *
 * Prints a table; asserts nothing (no timed tests).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../compiler/index.ts';
import { LspClient } from '../vscode-extension/test/client.ts';

const EDITS = Number(process.argv[process.argv.indexOf('--edits') + 1]) || 30;

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

function stats(xs: number[]): { median: number; p90: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { median: at(0.5), p90: at(0.9), min: s[0]!, max: s[s.length - 1]! };
}

const ms = (x: number) => x.toFixed(1).padStart(7);

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

  // compile() in this process, for reference.
  const inproc: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const r = compile(text, { fileName: file });
    inproc.push(performance.now() - t0);
    if (i === 0 && r.diagnostics.length) throw new Error(`the generated file has diagnostics: ${r.diagnostics[0]!.message}`);
  }

  const results: [string, number[]][] = [['compile() in process', inproc.slice(2)]];
  for (const debounceMs of [50, 0]) {
    const server = await LspClient.start({ initializationOptions: { debounceMs } });
    await server.open(uri, text, 1);
    await server.diagnosticsFor(uri, 1, 60_000);
    const times: number[] = [];
    for (let v = 2; v < EDITS + 2; v++) {
      const width = v % 2 ? '32' : '33';
      const t0 = performance.now();
      await server.change(uri, v, [{ range: { start: { line: target, character: col }, end: { line: target, character: col + 2 } }, text: width }]);
      await server.diagnosticsFor(uri, v, 60_000);
      times.push(performance.now() - t0);
    }
    results.push([`edit → diagnostics, debounce ${debounceMs} ms`, times.slice(2)]);
    if (debounceMs === 0) {
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
      results.push(['hover round trip', hover.slice(2)], ['completion round trip (after ->)', completion.slice(2)]);
    }
    await server.shutdown();
  }
  rmSync(dir, { recursive: true, force: true });

  console.log(`mmf language server on a ${lineCount}-line file (${text.length.toLocaleString('en-US')} characters), ${EDITS} edits; node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`);
  console.log(`${'what'.padEnd(40)} ${'median'.padStart(7)} ${'p90'.padStart(7)} ${'min'.padStart(7)} ${'max'.padStart(7)}  (ms)`);
  for (const [what, xs] of results) {
    const s = stats(xs);
    console.log(`${what.padEnd(40)} ${ms(s.median)} ${ms(s.p90)} ${ms(s.min)} ${ms(s.max)}`);
  }
}

await main();
