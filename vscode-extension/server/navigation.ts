/** Go to definition, find references, highlights and rename (across the files of the workspace), over the compiler's symbol table. */
import { DocumentHighlightKind, type DocumentHighlight, type Location, type Range, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver/node.js';
import { basename } from 'node:path';
import { findLayer } from '../../compiler/layers/index.ts';
import type { Position } from '../../grammar/diagnostic.ts';
import type { SymbolInfo } from '../../compiler/symbols.ts';
import type { Analysis } from './analysis.ts';
import { IDENTIFIER, rangeKey } from './util.ts';

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

/**
 * Other documents of the workspace, for references and rename across files: each open document's current
 * analysis and an analysis of each workspace `.mmf` file (from disk) whose text contains the name as a word.
 * The server passes it; without it only this document (and the declaration in an imported file) is searched.
 */
export type WorkspaceFiles = (name: string) => Analysis[];

/** A declared name's occurrence in some document of the workspace. */
export interface FileOccurrence {
  uri: string;
  range: Range;
  isDecl: boolean;
  /** The analysis of that document, and the symbol there. */
  analysis: Analysis;
}

/**
 * Every occurrence of the symbol under the cursor across the workspace: in the file that declares it (its
 * declaration and uses), and in every file that sees it through an `import` (directly or through another
 * file), identified by the file and name of its declaration. Files are visited in `workspace` order;
 * occurrences come in source order per file. Undefined when no declared name is under the cursor.
 */
export function occurrencesAcrossFiles(a: Analysis, p: Position, workspace?: WorkspaceFiles): { name: string; declaredIn: string | undefined; list: FileOccurrence[] } | undefined {
  const occ = a.index.symbolAt(p);
  if (!occ) return undefined;
  const name = occ.symbol.name;
  const declaredIn = a.importedFrom(occ.symbol.decl) ?? a.fileName;
  const files = declaredIn && workspace ? workspace(name) : [a];
  if (!files.includes(a) && !files.some((b) => b.uri === a.uri)) files.unshift(a);
  const list: FileOccurrence[] = [];
  const seen = new Set<string>();
  for (const b of files) {
    const s = b === a ? occ.symbol : sees(b, name, declaredIn);
    if (!s) continue;
    for (const o of b.index.occurrencesOf(s)) {
      const key = `${b.uri}|${rangeKey(o.range)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      list.push({ uri: b.uri, range: o.range, isDecl: o.isDecl, analysis: b });
    }
  }
  return { name, declaredIn, list };
}

/** The symbol `name` of document `b` when it is the declaration made in file `declaredIn` (there, or imported from it). */
function sees(b: Analysis, name: string, declaredIn: string | undefined): SymbolInfo | undefined {
  const s = b.result.symbols.byName.get(name);
  return s && (b.importedFrom(s.decl) ?? b.fileName) === declaredIn ? s : undefined;
}

/** Every use of the name under the cursor (and its declaration when `includeDeclaration`), in every file of the workspace that sees it. */
export function references(a: Analysis, p: Position, includeDeclaration: boolean, workspace?: WorkspaceFiles): Location[] {
  const found = occurrencesAcrossFiles(a, p, workspace);
  if (!found) return [];
  const occ = a.index.symbolAt(p)!;
  const out = found.list.filter((o) => includeDeclaration || !o.isDecl).map((o) => ({ uri: o.uri, range: o.range }));
  // A name imported from a file no document of the workspace holds: its declaration is still there.
  if (includeDeclaration && a.importedFrom(occ.symbol.decl) && !found.list.some((o) => o.isDecl)) out.unshift({ uri: a.uriOf(occ.symbol), range: occ.symbol.range });
  // The declaring file first, then the others in the order found.
  const first = found.list.find((o) => o.isDecl)?.uri;
  return first ? [...out.filter((l) => l.uri === first), ...out.filter((l) => l.uri !== first)] : out;
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
 * Rename the declared name under the cursor: its declaration and every use, in every file of the workspace
 * that sees it (the file that declares it and the files that import it, directly or not; open documents with
 * their unsaved text, other `.mmf` files of the workspace folders from disk). Returns the edit, null where
 * nothing can be renamed, or a message saying why the new name is refused (in which file it would clash).
 */
export function rename(a: Analysis, p: Position, newName: string, workspace?: WorkspaceFiles): WorkspaceEdit | string | null {
  const found = occurrencesAcrossFiles(a, p, workspace);
  if (!found) return null;
  const occ = a.index.symbolAt(p)!;
  if (newName === found.name) return { changes: { [a.uri]: [] } };
  const elsewhere = a.importedFrom(occ.symbol.decl);
  // The declaring file must be among the edited ones, or the uses would be renamed and the declaration not.
  if (elsewhere && !found.list.some((o) => o.isDecl))
    return `'${found.name}' is declared in ${a.whereDeclared(occ.symbol)}, which is not in the workspace: open it, or rename it there.`;
  // Every file that sees the declaration must be free of the new name, used there or not (an importer that
  // declares the new name itself would get a duplicate).
  const files = [...new Set([...found.list.map((o) => o.analysis), ...(workspace && found.declaredIn ? workspace(newName) : [])])];
  for (const b of files) {
    if (b !== a && !sees(b, found.name, found.declaredIn)) continue;
    const problem = renameProblem(b, found.name, newName);
    if (problem) return b.uri !== a.uri ? `In ${basename(b.fileName ?? b.uri)}: ${problem}` : problem;
  }
  const changes: Record<string, TextEdit[]> = {};
  for (const o of found.list) (changes[o.uri] ??= []).push({ range: o.range, newText: newName });
  return { changes };
}
