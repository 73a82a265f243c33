import type { Location, Range, WorkspaceEdit } from 'vscode-languageserver/node.js';
import type { Position } from '../../grammar/diagnostic.ts';
import type { Analysis } from './analysis.ts';
export function definition(_a: Analysis, _p: Position): Location | null { return null; }
export function references(_a: Analysis, _p: Position, _d: boolean): Location[] { return []; }
export function prepareRename(_a: Analysis, _p: Position): Range | null { return null; }
export function rename(_a: Analysis, _p: Position, _n: string): WorkspaceEdit | string | null { return null; }
