import type { DocumentSymbol, FoldingRange } from 'vscode-languageserver/node.js';
import type { Analysis } from './analysis.ts';
export function documentSymbols(_a: Analysis): DocumentSymbol[] { return []; }
export function foldingRanges(_a: Analysis): FoldingRange[] { return []; }
