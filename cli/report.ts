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

/**
 * `file:line:col - error MMF2002: message`, the offending line with a caret underline, and the hint.
 * Lines and columns are printed 1-based, as editors show them.
 */
export function formatHuman(d: FileDiagnostic, source: string | undefined): string {
  const { start, end } = d.range;
  const sev = d.severity === 'error' ? paint('31', 'error') : d.severity === 'warning' ? paint('33', 'warning') : paint('36', 'info');
  const out = [`${d.file}:${start.line + 1}:${start.character + 1} - ${sev} ${paint('90', d.code)}: ${d.message}`];
  const lines = source?.split(/\r?\n/);
  const text = lines?.[start.line];
  if (text !== undefined) {
    const gutter = String(start.line + 1);
    const width = Math.max(1, (end.line === start.line ? end.character : text.length) - start.character);
    out.push(`  ${paint('90', gutter)} | ${text}`);
    out.push(`  ${' '.repeat(gutter.length)} | ${' '.repeat(start.character)}${paint('31', '~'.repeat(width))}`);
  }
  for (const r of d.related ?? []) out.push(`  ${paint('90', `note: ${r.message} (${r.file ?? d.file}:${r.range.start.line + 1}:${r.range.start.character + 1})`)}`);
  if (d.hint) out.push(`  ${paint('32', 'hint')}: ${d.hint}`);
  return out.join('\n');
}
