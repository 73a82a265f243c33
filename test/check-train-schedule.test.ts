/** `lr_schedule` in train blocks: the plan each schedule gives, and the diagnostics (code and exact range) for mistakes. */
import { describe, expect, it } from 'vitest';
import { compile } from '../compiler/index.ts';
import { runtimeSpecs } from '../compiler/emit/tfjs/program.ts';
import { rangeOf, within } from './helpers/ranges.ts';
import { LrScheduler } from '../runtime/train/schedule.ts';

const HEADER = `dataset emails from jsonl("emails.jsonl") { split(train 0.8, val 0.1, test 0.1, seed 7) }
input headers: tabular(normalize zscore, impute mean) from emails[received, links]
label spam: binary from emails.is_spam
model M = headers -> classifier(spam)
`;
const compileTrain = (setting: string) => {
  const src = HEADER + `train M { ${setting} }\n`;
  const r = compile(src, { skipDataFiles: true });
  return { src, r, list: r.diagnostics.map((d) => [d.code, d.range] as const) };
};

describe('lr_schedule', () => {
  it.each([
    ['step(every 5, factor 0.5)', { kind: 'step', every: 5, factor: 0.5 }],
    ['step(3)', { kind: 'step', every: 3, factor: 0.5 }],
    ['exponential(0.95)', { kind: 'exponential', factor: 0.95 }],
    ['cosine', { kind: 'cosine', minLr: 0 }],
    ['cosine(min_lr 1e-5)', { kind: 'cosine', minLr: 1e-5 }],
    ['reduce_on_plateau(3, 0.2, monitor val_accuracy)', { kind: 'reduce_on_plateau', monitor: 'val_accuracy', patience: 3, factor: 0.2, minLr: 0 }],
    ['reduce_on_plateau', { kind: 'reduce_on_plateau', monitor: 'val_loss', patience: 2, factor: 0.5, minLr: 0 }],
  ])('lr_schedule %s', (text, plan) => {
    const { r } = compileTrain(`lr_schedule ${text}`);
    expect(r.diagnostics).toEqual([]);
    expect(r.models[0]!.train.lrSchedule).toEqual(plan);
    // The generated training program receives it as the runtime's TrainSpec.lrSchedule.
    expect(runtimeSpecs(r.models[0]!).train.lrSchedule).toEqual(plan);
  });

  it('an unknown schedule is MMF1004 at its name, with a did-you-mean', () => {
    const { src, r, list } = compileTrain('lr_schedule cosin');
    expect(list).toEqual([['MMF1004', within(src, 'lr_schedule cosin', 'cosin')]]);
    expect(r.diagnostics[0]!.hint).toBe("Did you mean 'cosine'?");
  });

  it('a missing required argument is MMF1006, an out-of-range one MMF3001 at the value, a stray one MMF1005', () => {
    let c = compileTrain('lr_schedule step(factor 0.5)');
    expect(c.list).toEqual([['MMF1006', rangeOf(c.src, 'step(factor 0.5)')]]);
    c = compileTrain('lr_schedule step(every 0)');
    expect(c.list).toEqual([['MMF3001', within(c.src, 'every 0', '0')]]);
    c = compileTrain('lr_schedule reduce_on_plateau(factor 1)');
    expect(c.list).toEqual([['MMF3001', within(c.src, 'factor 1', '1')]]);
    expect(c.r.diagnostics[0]!.message).toBe('reduce_on_plateau: factor 1 is out of range; it must be > 0 and < 1');
    c = compileTrain('lr_schedule step(every 2, gamma 0.5)');
    expect(c.list).toEqual([['MMF1005', rangeOf(c.src, 'gamma')]]);
  });

  it('a value that is not a schedule is MMF3002', () => {
    const c = compileTrain('lr_schedule 3');
    expect(c.list).toEqual([['MMF3002', rangeOf(c.src, 'lr_schedule 3')]]);
  });
});

describe('LrScheduler (formulas of runtime/train/schedule.ts)', () => {
  const rec = (epoch: number, val_loss: number) => ({ epoch, loss: 1, accuracy: 0.5, val_loss, val_accuracy: 0.5, best: false, seconds: 1, batches: 1, samples: 1, numTensors: 0, lr: 0 });

  it('step, exponential and cosine, epoch by epoch', () => {
    const step = new LrScheduler(0.1, 6, { kind: 'step', every: 2, factor: 0.5 });
    expect([1, 2, 3, 4, 5, 6].map((e) => step.lrFor(e))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    const exp = new LrScheduler(1, 4, { kind: 'exponential', factor: 0.5 });
    expect([1, 2, 3, 4].map((e) => exp.lrFor(e))).toEqual([1, 0.5, 0.25, 0.125]);
    // E = 4: (1 + cos(π·k/4)) / 2 for k = 0..3, scaled into [0.1, 1.1].
    const cos = new LrScheduler(1.1, 4, { kind: 'cosine', minLr: 0.1 });
    const want = [1.1, 0.1 + (1 + Math.SQRT1_2) / 2, 0.6, 0.1 + (1 - Math.SQRT1_2) / 2];
    [1, 2, 3, 4].forEach((e, i) => expect(cos.lrFor(e)).toBeCloseTo(want[i]!, 12));
    expect(new LrScheduler(0.3, 4).lrFor(3)).toBe(0.3);
  });

  it('reduce_on_plateau: patience 2, factor 0.5, floor min_lr', () => {
    const s = new LrScheduler(0.4, 20, { kind: 'reduce_on_plateau', monitor: 'val_loss', patience: 2, factor: 0.5, minLr: 0.15 });
    const losses = [1.0, 0.9, 0.95, 0.92, 0.85, 0.9, 0.9, 0.9, 0.9];
    const lrs: number[] = [];
    const cuts: (number | null)[] = [];
    losses.forEach((l, i) => {
      lrs.push(s.lrFor(i + 1));
      cuts.push(s.afterEpoch(rec(i + 1, l)));
    });
    // epochs 3, 4 do not improve on 0.9 → cut after epoch 4; 0.85 improves; 6, 7 do not → cut to max(0.1, 0.15).
    expect(cuts).toEqual([null, null, null, 0.2, null, null, 0.15, null, null]);
    expect(lrs).toEqual([0.4, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.15, 0.15]);
    expect(s.state()).toEqual({ lr: 0.15, best: 0.85, wait: 0 });
  });
});

describe('class_weights balanced', () => {
  it('compiles to balancedClassWeights and reaches the runtime spec', () => {
    const { r } = compileTrain('class_weights balanced');
    expect(r.diagnostics).toEqual([]);
    expect(r.models[0]!.train.balancedClassWeights).toBe(true);
    expect(r.models[0]!.train.classWeights).toBeUndefined();
    expect(runtimeSpecs(r.models[0]!).train.balancedClassWeights).toBe(true);
  });

  it('another word is still a wrong type (MMF3002 at the value)', () => {
    const c = compileTrain('class_weights even');
    expect(c.list).toEqual([['MMF3002', rangeOf(c.src, 'even')]]);
  });
});
