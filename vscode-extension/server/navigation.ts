/** Go to definition, find references, highlights and rename, over the compiler's symbol table. */
import { DocumentHighlightKind, type DocumentHighlight, type Location, type Range, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver/node.js';
import { findLayer } from '../../compiler/layers/index.ts';
import type { Position } from '../../grammar/diagnostic.ts';
import type { Analysis } from './analysis.ts';
import { IDENTIFIER } from './util.ts';

/** Words that cannot name a declaration safely: the declaration keywords, `from` and `ensemble`. */
export const RESERVED = ['import', 'dataset', 'input', 'label', 'encoder', 'fusion', 'model', 'train', 'from', 'ensemble'];

/** Every occurrence in this file of the name under the cursor: its declaration (write) and uses (read). */
export function documentHighlights(a: Analysis, p: Position): DocumentHighlight[] {
  const occ = a.index.symbolAt(p);
  if (!occ) return [];
  return a.index.occurrencesOf(occ.symbol).map((o) => ({ range: o.range, kind: o.isDecl ? DocumentHighlightKind.Write : DocumentHighlightKind.Read }));
}

/** Where the name under the cursor is declared. */
export function definition(a: Analysis, p: Position): Location | null {
  const occ = a.index.symbolAt(p);
  return occ ? { uri: a.uriOf(occ.symbol), range: occ.symbol.range } : null;
}

/** Every use of the name under the cursor (and its declaration when `includeDeclaration`). */
export function references(a: Analysis, p: Position, includeDeclaration: boolean): Location[] {
  const occ = a.index.symbolAt(p);
  if (!occ) return [];
  const here = a.index
    .occurrencesOf(occ.symbol)
    .filter((o) => includeDeclaration || !o.isDecl)
    .map((o) => ({ uri: a.uri, range: o.range }));
  // A name imported from another file: its declaration is there.
  if (includeDeclaration && a.importedFrom(occ.symbol.decl)) here.unshift({ uri: a.uriOf(occ.symbol), range: occ.symbol.range });
  return here;
}

/** The range of the renamable name under the cursor, with the name as placeholder; null where nothing can be renamed. */
export function prepareRename(a: Analysis, p: Position): { range: Range; placeholder: string } | null {
  const occ = a.index.symbolAt(p);
  return occ ? { range: occ.range, placeholder: occ.symbol.name } : null;
}

/** Why `newName` cannot replace `oldName` in this file, or undefined when it can. */
export function renameProblem(a: Analysis, oldName: string, newName: string): string | undefined {
  if (!IDENTIFIER.test(newName)) return `'${newName}' is not a valid name: use letters, digits and _, not starting with a digit.`;
  if (RESERVED.includes(newName)) return `'${newName}' is a keyword of mmf; choose another name.`;
  const clash = a.result.symbols.byName.get(newName);
  if (clash && newName !== oldName) return `'${newName}' is already declared as ${clash.kind} on line ${clash.range.start.line + 1}.`;
  if (findLayer(newName)) return `'${newName}' is the name of a layer; a declaration of that name would be confused with it.`;
  return undefined;
}

/**
 * Rename the declared name under the cursor: its declaration and every use. Returns the edit, null where
 * nothing can be renamed, or a message saying why the new name is refused.
 */
export function rename(a: Analysis, p: Position, newName: string): WorkspaceEdit | string | null {
  const occ = a.index.symbolAt(p);
  if (!occ) return null;
  const elsewhere = a.importedFrom(occ.symbol.decl);
  if (elsewhere) return `'${occ.symbol.name}' is declared in ${a.whereDeclared(occ.symbol)}: rename it there.`;
  if (newName === occ.symbol.name) return { changes: { [a.uri]: [] } };
  const problem = renameProblem(a, occ.symbol.name, newName);
  if (problem) return problem;
  const edits: TextEdit[] = a.index.occurrencesOf(occ.symbol).map((o) => ({ range: o.range, newText: newName }));
  return { changes: { [a.uri]: edits } };
}
