import type { FormattingOptions, TextEdit } from 'vscode-languageserver/node.js';
import type { Analysis } from './analysis.ts';
export function formatDocument(_a: Analysis, _o: FormattingOptions): TextEdit[] { return []; }
