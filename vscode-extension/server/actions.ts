import type { CodeAction, Diagnostic, Range } from 'vscode-languageserver/node.js';
import type { Analysis } from './analysis.ts';
export function codeActions(_a: Analysis, _r: Range, _d: Diagnostic[]): CodeAction[] { return []; }
