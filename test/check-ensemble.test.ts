// The checker's view of ensemble declarations (compiler/ensemble.ts): the IR of each kind, imported members, and
// the diagnostics that need more than one file or line. The one-mistake programs are in test/invalid/ensemble-*.
import { describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';

const BASE = `dataset d from csv("d.csv")
input x: tabular from d[a, b]
input t: text(vocab 100, max_len 8) from d.s
label y: classes("cat", "dog", "eel") from d.y
model A = x -> dense(8) -> classifier(y)
model B = x -> dense(4) -> classifier(y)
train A { epochs 3 seed 5 }
`;
const check = (text: string, files: Record<string, string> = {}) =>
  compile(text, { skipDataFiles: true, fileName: '/virtual/main.mmf', readFile: (p) => files[p] });
const strip = (r: ReturnType<typeof check>) => r.ensembles.map(({ models, range: _r, ...e }) => ({ ...e, models: models.map((m) => m.name) }));

describe('ensemble declarations', () => {
  it('each kind checks into its IR with defaults filled in', () => {
    const r = check(
      BASE +
        `ensemble V = voting([A, B], soft, weights [2, 1])
ensemble H = voting([A, B])
ensemble G = bagging(A, members 5, fraction 0.8, seed 1)
ensemble O = boosting(B, rounds 10, lr 0.5)
ensemble S = stacking([A, B], meta mlp(hidden [16, 8]), folds 3, stratified false, passthrough [x])
ensemble L = stacking([B, A])
`,
    );
    expect(r.diagnostics).toEqual([]);
    const base = { label: 'y', classes: ['cat', 'dog', 'eel'] };
    expect(strip(r)).toEqual([
      { ...base, name: 'V', kind: 'voting', members: ['A', 'B'], models: ['A', 'B'], voting: { mode: 'soft', weights: [2, 1] } },
      { ...base, name: 'H', kind: 'voting', members: ['A', 'B'], models: ['A', 'B'], voting: { mode: 'hard' } },
      { ...base, name: 'G', kind: 'bagging', members: ['A'], models: ['A'], bagging: { members: 5, fraction: 0.8, seed: 1 } },
      { ...base, name: 'O', kind: 'boosting', members: ['B'], models: ['B'], boosting: { rounds: 10, lr: 0.5 } },
      {
        ...base,
        name: 'S',
        kind: 'stacking',
        members: ['A', 'B'],
        models: ['A', 'B'],
        stacking: { meta: { kind: 'mlp', hidden: [16, 8] }, folds: 3, stratified: false, passthrough: [expect.objectContaining({ name: 'x', plan: expect.objectContaining({ kind: 'tabular', columns: ['a', 'b'] }) })] },
      },
      { ...base, name: 'L', kind: 'stacking', members: ['B', 'A'], models: ['B', 'A'], stacking: { meta: { kind: 'logistic', hidden: [] }, folds: 5, stratified: true, passthrough: [] } },
    ]);
    // members carry their own train plans
    expect(r.ensembles[2].models[0].train).toMatchObject({ epochs: 3, seed: 5 });
  });

  it('imported members are built from their file, with their train block unless this file has one', () => {
    const lib = `dataset d from csv("d.csv")
input x: tabular from d[a, b]
label y: binary from d.y
model P = x -> dense(8) -> classifier(y)
model Q = x -> classifier(y)
train P { epochs 7 }
train Q { epochs 9 }
`;
    const r = check('import "lib.mmf"\nmodel R = x -> dense(2) -> classifier(y)\ntrain Q { epochs 2 }\nensemble E = voting([P, Q, R], soft)\n', { '/virtual/lib.mmf': lib });
    expect(r.diagnostics).toEqual([]);
    expect(r.ensembles[0].models.map((m) => [m.name, m.train.epochs])).toEqual([['P', 7], ['Q', 2], ['R', 10]]);
    expect(r.ensembles[0].models[0].nodes.length).toBeGreaterThan(0);
  });

  it('an ensemble name cannot be trained or used as a layer input', () => {
    const r = check(BASE + 'ensemble V = voting([A, B])\ntrain V { epochs 2 }\n');
    expect(r.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character, d.range.end.character])).toEqual([['MMF1003', 8, 6, 7]]);
    expect(r.diagnostics[0].message).toBe("'V' is an ensemble, but the target of train must be a model");
  });

  it('a syntax error drops the ensembles, like the models', () => {
    const r = check(BASE + 'ensemble V = voting([A, B])\nmodel Z = x -> @\n');
    expect(r.ensembles).toEqual([]);
  });
});
