/**
 * The language server repeats the compiler's tables of input and label kinds, data sources, optimizers and block
 * settings (for completion and hover): every snippet it inserts must compile, and every kind the compiler knows
 * must be offered.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import { ENSEMBLE_KINDS, INPUT_KINDS, LABEL_KINDS, OPTIMIZERS, SETTINGS, SOURCES } from '../vscode-extension/server/builtins.ts';
import { ENSEMBLE_KINDS as COMPILER_ENSEMBLE_KINDS, ENSEMBLE_PARAMS } from '../compiler/index.ts';

/** A snippet as a user would leave it: each placeholder's default text (the first choice of a choice). */
function expand(snippet: string, fill: Record<string, string> = {}): string {
  return snippet
    .replace(/\$\{\d+\|([^|]*?)(?<!\\),.*?\|\}/g, (_m, first: string) => first.replace(/\\,/g, ','))
    .replace(/\$\{\d+\|([^|]*)\|\}/g, (_m, only: string) => only)
    .replace(/\$\{\d+:([^}]*)\}/g, (_m, name: string) => fill[name] ?? name)
    .replace(/\$0/g, '')
    .replace(/\\,/g, ',');
}

const codes = (text: string) => compile(text, { skipDataFiles: true }).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`);

const NUMBERS: Record<string, string> = { filters: '4', kernel_size: '3', frames: '4', height: '8', width: '8', channels: '3', length: '16', rate: '100', label: 'y' };

describe('builtins used by completion and hover', () => {
  it('every input kind snippet compiles, and every kind the compiler knows is there', () => {
    for (const [kind, info] of Object.entries(INPUT_KINDS)) {
      const text = `dataset d from csv("d.csv")\ninput x: ${expand(info.snippet, NUMBERS)} from d${kind === 'tabular' ? '[a, b]' : '.a'}\n`;
      expect(codes(text), `${kind}: ${text}`).toEqual([]);
    }
    const r = compile('dataset d from csv("d.csv")\ninput x: nonesuch from d.a\n', { skipDataFiles: true });
    const known = /supports (.*)$/.exec(r.diagnostics.find((d) => d.code === 'MMF1004')!.message)![1]!.split(', ');
    expect(Object.keys(INPUT_KINDS).sort()).toEqual(known.sort());
  });

  it('label kinds, data sources, optimizers and settings compile', () => {
    for (const info of Object.values(LABEL_KINDS)) expect(codes(`dataset d from csv("d.csv")\nlabel y: ${expand(info.snippet)} from d.y\n`)).toEqual([]);
    for (const info of Object.values(SOURCES)) expect(codes(`dataset d from ${expand(info.snippet)}\n`)).toEqual([]);
    for (const [name, info] of Object.entries(SETTINGS.Dataset!)) expect(codes(`dataset d from csv("d.csv") { ${expand(info.snippet)} }\n`), name).toEqual([]);
    const model = 'dataset d from csv("d.csv")\ninput x: tabular from d[a]\nlabel y: binary from d.y\nmodel M = x -> classifier(y)\n';
    for (const info of Object.values(OPTIMIZERS)) expect(codes(`${model}train M { optimizer ${expand(info.snippet)} }\n`)).toEqual([]);
    for (const [name, info] of Object.entries(SETTINGS.Train!)) expect(codes(`${model}train M { ${expand(info.snippet)} }\n`), name).toEqual([]);
  });

  it('every ensemble kind snippet compiles, and the kinds and their parameters are the compiler\'s', () => {
    const models = 'dataset d from csv("d.csv")\ninput x: tabular from d[a]\nlabel y: binary from d.y\nmodel A = x -> classifier(y)\nmodel B = x -> dense(4) -> classifier(y)\n';
    for (const [kind, info] of Object.entries(ENSEMBLE_KINDS)) expect(codes(`${models}ensemble E = ${expand(info.snippet)}\n`), kind).toEqual([]);
    expect(Object.keys(ENSEMBLE_KINDS).sort()).toEqual([...COMPILER_ENSEMBLE_KINDS].sort());
    for (const [kind, info] of Object.entries(ENSEMBLE_KINDS)) expect(info.params.map((p) => p.name), kind).toEqual(ENSEMBLE_PARAMS[kind as keyof typeof ENSEMBLE_PARAMS]);
  });
});
