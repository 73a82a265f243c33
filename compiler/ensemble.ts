/**
 * Checking `ensemble NAME = KIND(...)` declarations into {@link IREnsemble}s.
 *
 * ```
 * ensemble Vote  = voting([A, B, C], soft, weights [2, 1, 1])      // hard (default) or soft
 * ensemble Bag   = bagging(A, members 5, fraction 0.8, seed 1)
 * ensemble Boost = boosting(A, rounds 10, lr 0.5)
 * ensemble Stack = stacking([A, B], meta mlp(hidden [16]), folds 5, passthrough [headers])
 * ```
 * Members are models declared in the file or imported. Semantics follow scikit-learn (docs/ensembles.md).
 *
 * Diagnostics: MMF5001 unknown ensemble kind; MMF1001/MMF1003 an unknown member or one that is not a model
 * (also for passthrough inputs); MMF5002 a member position that is not a list of model names / a model name;
 * MMF5003 members predicting different label sets; MMF5004 soft voting or stacking over a head without class
 * probabilities; MMF5005 a passthrough input that is not a tabular input of the members' dataset; MMF5006
 * boosting, bagging or hard voting over a head that is not a classifier; MMF5007 a weights count that differs
 * from the member count; MMF5008 members that read different datasets or splits; MMF5009 an unknown
 * meta-learner; MMF1006 fewer than two members; MMF3001 out-of-range values (folds < 2, fraction ∉ (0, 1]).
 */
import type { Arg, EnsembleDecl, Expr, Program } from '../grammar/ast.ts';
import type { Diagnostic, Range } from '../grammar/diagnostic.ts';
import { diagnostic } from '../grammar/diagnostic.ts';
import { bindArgs, exprText, type ParamSpec } from './args.ts';
import type { IRInput, IRModel, LabelPlan, TrainPlan } from './ir.ts';
import { didYouMean } from './suggest.ts';
import type { SymbolTable } from './symbols.ts';

/** The ensemble kinds, with their scikit-learn counterparts. */
export const ENSEMBLE_KINDS = ['voting', 'bagging', 'boosting', 'stacking'] as const;
export type EnsembleKind = (typeof ENSEMBLE_KINDS)[number];

/** A checked ensemble, ready for training and the emitters. */
export interface IREnsemble {
  name: string;
  kind: EnsembleKind;
  /** Member model names in the order written (bagging and boosting: the one base model). */
  members: string[];
  /** The member models (with their train plans; a `train` block in this file overrides an imported one). */
  models: IRModel[];
  /** The label all members predict. */
  label: string;
  /** Class names when the label declares them (`classes("a", "b")`); else they come from the data. */
  classes: string[];
  voting?: { mode: 'hard' | 'soft'; weights?: number[] };
  bagging?: { members: number; fraction: number; seed: number };
  boosting?: { rounds: number; lr: number };
  stacking?: {
    meta: { kind: 'logistic' | 'mlp'; hidden: number[] };
    folds: number;
    stratified: boolean;
    /** Tabular inputs appended to the meta-learner's features (sklearn passthrough=True, restricted to named inputs). */
    passthrough: IRInput[];
  };
  range: Range;
}

/** What {@link checkEnsembles} needs from the checker. */
export interface EnsembleEnv {
  symbols: SymbolTable;
  /** Models of this file that checked without errors. */
  models: IRModel[];
  /** Train blocks of this file, by model name. */
  trains: Map<string, TrainPlan>;
  inputs: Map<string, IRInput & { dataset?: string }>;
  /** Absolute path of the file each imported declaration comes from. */
  fileOf: (decl: unknown) => string | undefined;
  /** Checks an imported file on its own and returns its models (memoised by the caller). */
  modelsOf: (absPath: string) => IRModel[];
  diags: Diagnostic[];
}

const VOTING: readonly ParamSpec[] = [
  { name: 'voting', type: { t: 'enum', values: ['hard', 'soft'] }, doc: 'hard: majority of predicted classes; soft: mean of probabilities', positional: true, default: 'hard' },
  { name: 'weights', type: { t: 'number-list' }, doc: 'one weight ≥ 0 per member', min: 0 },
];
const BAGGING: readonly ParamSpec[] = [
  { name: 'members', type: { t: 'int' }, doc: 'number of bootstrap members (sklearn n_estimators)', default: 10, min: 1, max: 1000 },
  { name: 'fraction', type: { t: 'number' }, doc: 'share of training rows drawn with replacement per member (sklearn max_samples)', default: 1, min: 0, minExclusive: true, max: 1 },
  { name: 'seed', type: { t: 'int' }, doc: 'seed of the bootstrap draws', default: 0, min: 0 },
];
const BOOSTING: readonly ParamSpec[] = [
  { name: 'rounds', type: { t: 'int' }, doc: 'maximum number of boosting rounds (sklearn n_estimators)', default: 50, min: 1, max: 1000 },
  { name: 'lr', type: { t: 'number' }, doc: 'shrinks each member weight (sklearn learning_rate)', default: 1, min: 0, minExclusive: true, aliases: ['learning_rate'] },
];
const STACKING: readonly ParamSpec[] = [
  { name: 'folds', type: { t: 'int' }, doc: 'k of the k-fold cross-validation giving out-of-fold predictions (sklearn cv)', default: 5, min: 2, max: 100 },
  { name: 'stratified', type: { t: 'bool' }, doc: 'keep class proportions in every fold (sklearn StratifiedKFold)', default: true },
];
const MLP_META: readonly ParamSpec[] = [{ name: 'hidden', type: { t: 'int-or-list' }, doc: 'hidden layer widths', positional: true, default: [16], min: 1, max: 4096 }];

/** Parameters of each kind besides the members (for completion and docs), keyed like {@link ENSEMBLE_KINDS}. */
export const ENSEMBLE_PARAMS: Record<EnsembleKind, readonly string[]> = {
  voting: ['voting', 'weights'],
  bagging: BAGGING.map((p) => p.name),
  boosting: BOOSTING.map((p) => p.name),
  stacking: ['meta', 'folds', 'stratified', 'passthrough'],
};

/**
 * Check every ensemble declaration of `program` (imported ensembles are visible names only). Never throws;
 * problems go to `env.diags`.
 */
export function checkEnsembles(program: Program, env: EnsembleEnv): IREnsemble[] {
  const out: IREnsemble[] = [];
  for (const d of program.decls) {
    if (d.kind !== 'Ensemble' || env.fileOf(d) !== undefined || env.symbols.byName.get(d.name.name)?.decl !== d) continue;
    const e = checkOne(d, env);
    if (e) out.push(e);
  }
  return out;
}

function checkOne(d: EnsembleDecl, env: EnsembleEnv): IREnsemble | undefined {
  const { diags } = env;
  const spec = d.spec;
  const kind = spec.callee.name as EnsembleKind;
  if (!ENSEMBLE_KINDS.includes(kind)) {
    const s = didYouMean(spec.callee.name, ENSEMBLE_KINDS);
    diags.push(
      diagnostic(
        'MMF5001',
        'error',
        `Unknown ensemble kind '${spec.callee.name}'; mmf has ${ENSEMBLE_KINDS.join(', ')}`,
        spec.callee.range,
        s ? `Did you mean '${s}'?` : `Write e.g. \`ensemble ${d.name.name} = voting([A, B], soft)\`.`,
      ),
    );
    return undefined;
  }
  const before = diags.length;
  const single = kind === 'bagging' || kind === 'boosting';
  const [first, ...rest] = spec.args;
  if (!first || first.key) {
    diags.push(
      diagnostic(
        'MMF1006',
        'error',
        `${kind} needs its ${single ? 'base model' : 'member models'} first`,
        spec.range,
        single ? `Write \`${kind}(MODEL, …)\`.` : `Write \`${kind}([MODEL_A, MODEL_B], …)\`.`,
      ),
    );
    return undefined;
  }
  const memberRefs = memberNames(first.value, single, kind, diags);
  if (!memberRefs) return undefined;
  if (!single && memberRefs.length < 2) {
    diags.push(diagnostic('MMF1006', 'error', `${kind} needs at least two member models, got ${memberRefs.length}`, first.value.range, 'List two or more models: `[A, B]`.'));
  }

  // members
  const models: IRModel[] = [];
  const modelRanges: Range[] = [];
  for (const ref of memberRefs) {
    const sym = env.symbols.resolve(ref.name, ref.range, ['model'], `a member of ${kind}`, diags);
    if (!sym) continue;
    const file = env.fileOf(sym.decl);
    let m = file ? env.modelsOf(file).find((x) => x.name === ref.name) : env.models.find((x) => x.name === ref.name);
    if (!m) continue; // the model has errors of its own, reported at it (or in its file)
    const local = env.trains.get(ref.name);
    if (local && file) m = { ...m, train: local };
    models.push(m);
    modelRanges.push(ref.range);
  }

  // settings of the kind
  const manual = new Map<string, Arg>();
  const bindable: Arg[] = [];
  for (const a of rest) {
    if (kind === 'stacking' && a.key && (a.key.name === 'meta' || a.key.name === 'passthrough')) {
      if (manual.has(a.key.name)) diags.push(diagnostic('MMF1007', 'error', `stacking: '${a.key.name}' is given twice`, a.range, `Keep one value for ${a.key.name}.`));
      else manual.set(a.key.name, a);
    } else bindable.push(a);
  }
  const params = kind === 'voting' ? VOTING : kind === 'bagging' ? BAGGING : kind === 'boosting' ? BOOSTING : STACKING;
  const bound = bindArgs(kind, kind === 'stacking' ? [...params, ...STACK_KEYS_FOR_HINTS] : params, bindable, spec.range, diags);
  const v = bound.values;

  // heads
  const softish = (kind === 'voting' && v.voting === 'soft') || kind === 'stacking';
  const classifier = (m: IRModel) => m.head.label.kind === 'binary' || m.head.label.kind === 'multiclass';
  models.forEach((m, i) => {
    const l = m.head.label;
    if (classifier(m)) return;
    const what = l.kind === 'number' ? `a number (regression head)` : `${l.kind} targets`;
    diags.push(
      softish
        ? diagnostic(
            'MMF5004',
            'error',
            `${kind === 'stacking' ? 'stacking' : 'soft voting'} combines class probabilities, but member ${m.name} predicts ${what} of ${l.name}`,
            modelRanges[i],
            'Use members that end in classifier(LABEL) on a binary or classes(...) label.',
          )
        : diagnostic(
            'MMF5006',
            'error',
            `${kind === 'voting' ? 'hard voting' : kind} needs a classification head, but ${m.name} predicts ${what} of ${l.name}`,
            modelRanges[i],
            'Use a model that ends in classifier(LABEL) on a binary or classes(...) label.',
          ),
    );
  });

  // one label set, one dataset
  const ref = models[0];
  for (let i = 1; i < models.length; i++) {
    const m = models[i];
    // a member without a classifier head is reported above (MMF5004/MMF5006), once
    const why = classifier(ref) && classifier(m) ? labelDifference(ref.head.label, m.head.label) : undefined;
    if (why)
      diags.push(
        diagnostic(
          'MMF5003',
          'error',
          `members predict different label sets: ${ref.name} predicts ${describeLabel(ref.head.label)}, ${m.name} ${describeLabel(m.head.label)} (${why})`,
          modelRanges[i],
          'Every member must predict the same label with the same classes; compare models of one label.',
          [{ message: `${ref.name} is the first member`, range: modelRanges[0] }],
        ),
      );
    const dsWhy = datasetDifference(ref, m);
    if (dsWhy)
      diags.push(
        diagnostic(
          'MMF5008',
          'error',
          `members read different data: ${dsWhy}`,
          modelRanges[i],
          'Members are trained and combined on the same rows: read every member from one dataset with one split.',
        ),
      );
  }

  // weights
  if (kind === 'voting' && bound.at.weights) {
    const w = v.weights as number[];
    if (w.length !== memberRefs.length)
      diags.push(
        diagnostic(
          'MMF5007',
          'error',
          `voting has ${memberRefs.length} members but ${w.length} weight${w.length === 1 ? '' : 's'}`,
          bound.at.weights.range,
          `Give one weight per member, in member order: weights [${memberRefs.map(() => 1).join(', ')}].`,
        ),
      );
    else if (!w.some((x) => x > 0)) diags.push(diagnostic('MMF3001', 'error', 'voting: the weights are all 0', bound.at.weights.range, 'Give at least one member a weight > 0.'));
  }

  // stacking: meta-learner and passthrough
  let meta: { kind: 'logistic' | 'mlp'; hidden: number[] } = { kind: 'logistic', hidden: [] };
  const passthrough: IRInput[] = [];
  if (kind === 'stacking') {
    const ma = manual.get('meta');
    if (ma) meta = checkMeta(ma.value, diags) ?? meta;
    const pa = manual.get('passthrough');
    if (pa) {
      const names = pa.value.kind === 'List' ? pa.value.items : [pa.value];
      for (const item of names) {
        if (item.kind !== 'Name') {
          diags.push(diagnostic('MMF3002', 'error', `stacking: passthrough lists input names, but got ${exprText(item)}`, item.range, 'Write passthrough [INPUT, …] with declared input names.'));
          continue;
        }
        const sym = env.symbols.resolve(item.name, item.range, ['input'], 'a passthrough of stacking', diags);
        if (!sym) continue;
        const inp = env.inputs.get(item.name);
        const file = env.fileOf(sym.decl);
        const inFile = inp ?? (file ? env.modelsOf(file).flatMap((m) => m.inputs).find((x) => x.name === item.name) : undefined);
        if (!inFile) continue;
        if (inFile.plan.kind !== 'tabular') {
          diags.push(
            diagnostic(
              'MMF5005',
              'error',
              `stacking: passthrough input ${item.name} is ${inFile.plan.kind}; only tabular inputs (numbers) can join the meta-learner's features`,
              item.range,
              'Pass through a tabular input, e.g. passthrough [headers], or leave it out.',
            ),
          );
          continue;
        }
        const ds = inp?.dataset;
        if (ref?.dataset && ds && ds !== ref.dataset.name) {
          diags.push(
            diagnostic('MMF5005', 'error', `stacking: passthrough input ${item.name} reads dataset ${ds}, the members read ${ref.dataset.name}`, item.range, 'Pass through an input of the members\' dataset.'),
          );
          continue;
        }
        if (passthrough.some((p) => p.name === inFile.name)) continue;
        passthrough.push({ name: inFile.name, out: inFile.out, plan: inFile.plan, range: inFile.range });
      }
    }
  }

  if (diags.slice(before).some((x) => x.severity === 'error') || !bound.ok || models.length !== memberRefs.length || !ref) return undefined;
  const label = ref.head.label;
  const e: IREnsemble = {
    name: d.name.name,
    kind,
    members: memberRefs.map((r) => r.name),
    models,
    label: label.name,
    classes: label.kind === 'multiclass' ? (label.classes ?? []) : [],
    range: d.range,
  };
  if (kind === 'voting') e.voting = { mode: v.voting as 'hard' | 'soft', ...(bound.at.weights ? { weights: v.weights as number[] } : {}) };
  if (kind === 'bagging') e.bagging = { members: v.members as number, fraction: v.fraction as number, seed: v.seed as number };
  if (kind === 'boosting') e.boosting = { rounds: v.rounds as number, lr: v.lr as number };
  if (kind === 'stacking') e.stacking = { meta, folds: v.folds as number, stratified: v.stratified as boolean, passthrough };
  return e;
}

/** `meta` and `passthrough` are read by hand (never bound); listed so an unknown key's did-you-mean offers them. */
const STACK_KEYS_FOR_HINTS: readonly ParamSpec[] = [
  { name: 'meta', type: { t: 'layer' }, doc: 'the meta-learner: logistic or mlp(hidden [16])' },
  { name: 'passthrough', type: { t: 'ref' }, doc: 'tabular inputs added to the meta-learner\'s features' },
];

/** The member position: `[A, B]` (or one `A` for bagging/boosting). */
function memberNames(e: Expr, single: boolean, kind: string, diags: Diagnostic[]): { name: string; range: Range }[] | undefined {
  if (single) {
    if (e.kind === 'Name') return [{ name: e.name, range: e.range }];
    diags.push(
      diagnostic(
        'MMF5002',
        'error',
        `${kind} takes one base model, but got ${exprText(e)}`,
        e.range,
        e.kind === 'List' ? `${kind} trains copies of one model: write \`${kind}(MODEL, …)\`; to combine different models use voting or stacking.` : `Write \`${kind}(MODEL, …)\` with a model name.`,
      ),
    );
    return undefined;
  }
  if (e.kind !== 'List' || e.items.some((x) => x.kind !== 'Name')) {
    const bad = e.kind === 'List' ? e.items.find((x) => x.kind !== 'Name')! : e;
    diags.push(
      diagnostic(
        'MMF5002',
        'error',
        `${kind} takes a list of member model names, but got ${exprText(bad)}`,
        bad.range,
        `Write \`${kind}([MODEL_A, MODEL_B], …)\`.`,
      ),
    );
    return undefined;
  }
  return e.items.map((x) => ({ name: (x as { name: string }).name, range: x.range }));
}

function checkMeta(e: Expr, diags: Diagnostic[]): { kind: 'logistic' | 'mlp'; hidden: number[] } | undefined {
  const name = e.kind === 'Name' ? e.name : e.kind === 'Call' ? e.callee.name : undefined;
  if (name === 'logistic' && (e.kind === 'Name' || (e.kind === 'Call' && e.args.length === 0))) return { kind: 'logistic', hidden: [] };
  if (name === 'mlp') {
    const b = bindArgs('mlp', MLP_META, e.kind === 'Call' ? e.args : [], e.range, diags);
    return b.ok ? { kind: 'mlp', hidden: b.values.hidden as number[] } : undefined;
  }
  const s = name ? didYouMean(name, ['logistic', 'mlp']) : undefined;
  diags.push(
    diagnostic(
      'MMF5009',
      'error',
      name === 'logistic' ? 'stacking: meta logistic takes no arguments' : `stacking: unknown meta-learner ${exprText(e)}; expected logistic or mlp(hidden [..])`,
      e.range,
      s && s !== name ? `Did you mean '${s}'?` : 'Write meta logistic, or meta mlp(hidden [16]).',
    ),
  );
  return undefined;
}

function describeLabel(l: LabelPlan): string {
  if (l.kind === 'binary') return `${l.name} (binary, column ${l.column})`;
  if (l.kind === 'multiclass') return `${l.name} (${l.classes ? l.classes.join(', ') : `${l.numClasses} classes`}, column ${l.column})`;
  return `${l.name} (${l.kind})`;
}

/** The column(s) a label reads. */
function labelColumns(l: LabelPlan): string {
  return 'column' in l ? l.column : 'columns' in l ? (l as { columns: string[] }).columns.join(', ') : '';
}

/** Why two labels are not the same label set, or undefined when they are. */
function labelDifference(a: LabelPlan, b: LabelPlan): string | undefined {
  if (a.kind !== b.kind) return `${a.kind} vs ${b.kind}`;
  if (labelColumns(a) !== labelColumns(b)) return `column ${labelColumns(a)} vs ${labelColumns(b)}`;
  if (a.kind === 'binary' && b.kind === 'binary' && (a.positive ?? '') !== (b.positive ?? '')) return `positive class ${a.positive ?? '(default)'} vs ${b.positive ?? '(default)'}`;
  if (a.kind === 'multiclass' && b.kind === 'multiclass') {
    if (a.numClasses !== b.numClasses) return `${a.numClasses} vs ${b.numClasses} classes`;
    if (a.classes && b.classes) {
      const sa = new Set(a.classes);
      const diff = b.classes.filter((c) => !sa.has(c));
      if (diff.length) return `classes ${diff.join(', ')} only in the second`;
    }
  }
  return undefined;
}

function datasetDifference(a: IRModel, b: IRModel): string | undefined {
  if (!a.dataset || !b.dataset) return undefined;
  const file = (m: IRModel) => m.dataset!.source.path.split(/[\\/]/).pop();
  if (a.dataset.source.path !== b.dataset.source.path) return `${a.name} reads ${file(a)} (dataset ${a.dataset.name}), ${b.name} reads ${file(b)} (dataset ${b.dataset.name})`;
  if (JSON.stringify(a.dataset.split) !== JSON.stringify(b.dataset.split))
    return `${a.name} (dataset ${a.dataset.name}) and ${b.name} (dataset ${b.dataset.name}) split ${file(a)} differently`;
  return undefined;
}

