import type { CompletionItem } from 'vscode-languageserver/node.js';
import type { Position } from '../../grammar/diagnostic.ts';
import type { Analysis } from './analysis.ts';
export const COMPLETION_TRIGGERS = ['>', '(', ',', '.', '[', ' ', ':'];
export function completion(_a: Analysis, _p: Position): CompletionItem[] { return []; }
