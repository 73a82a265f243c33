/**
 * Parse speed of the grammar stage: prints the time to parse a generated 2,000-line `.mmf` file.
 *
 *   npx tsx bench/parse-speed.ts [lines]
 *
 * The file repeats a realistic multimodal program (datasets, inputs with column lists, encoders with
 * several layers, fusions, models, train blocks, comments) with fresh names until it has the requested
 * number of lines. Reports the first (cold) parse, which includes JIT warm-up, and the median and best
 * of 30 parses after 30 warm-up parses, and the CPU time of a parse (less sensitive to a busy
 * machine than wall-clock time).
 */
import { parse } from '../grammar/index.ts';

/** A realistic `.mmf` text of about `lines` lines. */
export function generateProgram(lines: number): string {
  const out: string[] = [];
  for (let i = 0; out.length < lines; i++) {
    out.push(
      `// block ${i}: subject, body and header numbers`,
      `dataset emails${i} from jsonl("data/spam-${i}.jsonl") {`,
      `  split(train 0.8, val 0.1, test 0.1, seed ${i})`,
      `}`,
      `input subject${i}: text(vocab 5000, max_len 24) from emails${i}.subject`,
      `input body${i}:    text(vocab 20000, max_len 256, lowercase true) from emails${i}.body -> [batch, 256]`,
      `input headers${i}: tabular(normalize zscore, impute mean) from emails${i}[received, links, html, caps, "hour sent", size]`,
      `label spam${i}:    binary from emails${i}.is_spam`,
      `encoder subj${i} = subject${i} -> embedding(64) -> gru(64)                    /* [batch, 64] */`,
      `encoder text${i} = body${i} -> embedding(64) -> conv1d(128, 5, activation relu) -> global_max_pool -> [batch, 128]`,
      `encoder meta${i} = headers${i} -> dense(32, activation relu)`,
      `fusion joint${i} = attention(subj${i}, text${i}, meta${i}, dim 64, heads 4)`,
      `model SpamNet${i} = joint${i} -> classifier(spam${i}, hidden [64], dropout 0.2)`,
      `train SpamNet${i} {`,
      `  optimizer adam(lr 1e-3)`,
      `  epochs 10`,
      `  batch 64`,
      `  early_stop(val_loss, patience 3)`,
      `  weights [1, -2.5e-1]`,
      `}`,
    );
  }
  return out.slice(0, lines).join('\n') + '\n';
}

function main(): void {
  const lines = Number(process.argv[2] ?? 2000);
  const text = generateProgram(lines);
  let t0 = performance.now();
  const first = parse(text);
  const cold = performance.now() - t0;
  for (let i = 0; i < 30; i++) parse(text);
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 30; i++) {
    const c0 = process.cpuUsage();
    t0 = performance.now();
    parse(text);
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const median = times[times.length >> 1];
  console.log(`parse ${lines} lines (${text.length} chars, ${first.program.decls.length} declarations, ${first.diagnostics.length} diagnostics)`);
  console.log(`  first parse (cold): ${cold.toFixed(1)} ms`);
  console.log(`  warm parse: median ${median.toFixed(1)} ms, best ${times[0].toFixed(1)} ms (30 runs after 30 warm-up runs)`);
  console.log(`  CPU time of a warm parse (all threads, includes GC): median ${cpu[cpu.length >> 1].toFixed(1)} ms`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
