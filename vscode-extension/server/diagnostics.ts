/** The compiler's diagnostics as LSP diagnostics. */
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from 'vscode-languageserver/node.js';
import { pathToFileURL } from 'node:url';
import type { Diagnostic } from '../../grammar/diagnostic.ts';

/** What the server keeps in `Diagnostic.data`: the hint alone, for quick fixes. */
export interface DiagnosticData {
  hint?: string;
}

const SEVERITY: Record<Diagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/**
 * Convert one compiler diagnostic: the code and `mmf` as source, the hint appended to the message (editors
 * show no separate hint field) and kept in `data`, related locations as relatedInformation (in this file, or in the imported file they name).
 */
export function toLspDiagnostic(d: Diagnostic, uri: string): LspDiagnostic {
  const out: LspDiagnostic = {
    range: d.range,
    severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Error,
    code: d.code,
    source: 'mmf',
    message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
    data: { hint: d.hint } satisfies DiagnosticData,
  };
  if (d.related?.length)
    out.relatedInformation = d.related.map((r) => ({ location: { uri: r.file ? pathToFileURL(r.file).href : uri, range: r.range }, message: r.message }));
  return out;
}
