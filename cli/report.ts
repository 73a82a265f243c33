/** Printing diagnostics for people (a code frame) and for machines (JSON). */
import type { Diagnostic } from '../grammar/diagnostic.ts';

export interface FileDiagnostic extends Diagnostic {
  file: string;
}

/** The JSON shape of `mmfc check --json`: one object per diagnostic. */
export function toJson(diags: FileDiagnostic[]): string {
  return JSON.stringify(
    diags.map((d) => ({
      file: d.file,
      code: d.code,
      severity: d.severity,
      message: d.message,
      range: d.range,
      hint: d.hint ?? null,
    })),
    null,
    2,
  );
}

const useColor = () => process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string, s: string) => (useColor() ? `\x1b[${code}m${s}\x1b[0m` : s);

const FRAME = 160;

/**
 * A source excerpt safe to print: control characters (escape sequences!) become `�` and tabs a space, one
 * character each, so the underline below stays aligned.
 */
export function printable(text: string): string {
  return text.replace(/\t/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '\ufffd');
}

/**
 * `file:line:col - error MMF2002: message`, the offending line with a caret underline, and the hint.
 * Lines and columns are printed 1-based, as editors show them.
 */
export function formatHuman(d: FileDiagnostic, source: string | undefined): string {
  const { start, end } = d.range;
  const sev = d.severity === 'error' ? paint('31', 'error') : d.severity === 'warning' ? paint('33', 'warning') : paint('36', 'info');
  const out = [`${d.file}:${start.line + 1}:${start.character + 1} - ${sev} ${paint('90', d.code)}: ${printable(d.message)}`];
  const lines = source?.split(/\r\n|\r|\n/);
  const text = lines?.[start.line];
  if (text !== undefined) {
    const gutter = String(start.line + 1);
    const to = end.line === start.line ? end.character : text.length;
    // Show at most FRAME characters around the range, so a 200,000-character line prints as one short line.
    const from = Math.max(0, Math.min(start.character - 20, text.length - FRAME));
    const shown = printable(text.slice(from, from + FRAME));
    const lead = from > 0 ? '…' : '';
    const tail = from + FRAME < text.length ? '…' : '';
    const width = Math.max(1, Math.min(to, from + FRAME) - start.character);
    out.push(`  ${paint('90', gutter)} | ${lead}${shown}${tail}`);
    out.push(`  ${' '.repeat(gutter.length)} | ${' '.repeat(lead.length + start.character - from)}${paint('31', '~'.repeat(width))}`);
  }
  for (const r of d.related ?? []) out.push(`  ${paint('90', `note: ${r.message} (${r.file ?? d.file}:${r.range.start.line + 1}:${r.range.start.character + 1})`)}`);
  if (d.hint) out.push(`  ${paint('32', 'hint')}: ${d.hint}`);
  return out.join('\n');
}
