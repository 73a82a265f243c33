/**
 * The calls of mmf that are not layers — data sources, input and label kinds, optimizers, block settings — with
 * their parameters, for completion and hover. The compiler keeps these tables private (compiler/data-decls.ts,
 * compiler/train-decl.ts); they are repeated here, and test/lsp.test.ts checks each snippet against the compiler.
 */
import type { ParamSpec } from '../../compiler/args.ts';
import { MODALITY_KINDS } from '../../compiler/modalities.ts';

const enumP = (name: string, values: string[], doc: string, dflt?: string): ParamSpec => ({
  name,
  type: { t: 'enum', values },
  doc,
  ...(dflt ? { default: dflt } : {}),
});
const intP = (name: string, doc: string, required = false): ParamSpec => ({ name, type: { t: 'int' }, doc, ...(required ? { required } : {}) });
const numP = (name: string, doc: string): ParamSpec => ({ name, type: { t: 'number' }, doc });

/** A call that is not a layer: its parameters, the snippet completion inserts, one line of doc. */
export interface CallInfo {
  params: ParamSpec[];
  snippet: string;
  doc: string;
}
const OWN_INPUT_KINDS: Record<string, CallInfo> = {
  text: {
    params: [
      intP('vocab', 'vocabulary size', true),
      intP('max_len', 'tokens kept per sample', true),
      { name: 'lowercase', type: { t: 'bool' }, doc: 'lower-case before tokenizing', default: true },
      enumP('tokenizer', ['words', 'chars'], 'words or chars', 'words'),
    ],
    snippet: 'text(vocab ${1:5000}, max_len ${2:64})',
    doc: 'Text: `[batch, max_len] int32` token ids.',
  },
  tabular: {
    params: [enumP('normalize', ['zscore', 'minmax', 'none'], 'scaling', 'zscore'), enumP('impute', ['mean', 'median', 'zero', 'error'], 'missing values', 'mean')],
    snippet: 'tabular(normalize ${1|zscore,minmax,none|})',
    doc: 'Numbers: `[batch, columns] float32`.',
  },
  categorical: { params: [intP('vocab', 'categories kept, unknown included', true)], snippet: 'categorical(vocab ${1:50})', doc: 'One category: `[batch, 1] int32`.' },
  image: {
    params: [intP('height', 'rows of pixels', true), intP('width', 'columns of pixels', true), intP('channels', 'values per pixel'), enumP('normalize', ['none', 'unit', 'zscore'], 'scaling', 'unit')],
    snippet: 'image(height ${1:28}, width ${2:28}, channels ${3:1})',
    doc: 'An image: `[batch, height, width, channels] float32`.',
  },
};
export const LABEL_KINDS: Record<string, CallInfo> = {
  binary: { params: [{ name: 'positive', type: { t: 'string' }, doc: 'the value meaning the positive class' }], snippet: 'binary', doc: 'Two classes: a sigmoid output `[batch, 1]`.' },
  classes: { params: [], snippet: 'classes(${1:3})', doc: 'K classes: a softmax output `[batch, K]`. `classes(10)` or `classes("a", "b")`.' },
  multilabel: {
    params: [{ name: 'separator', type: { t: 'string' }, doc: 'splits a one-column set of names', default: '|' }],
    snippet: 'multilabel("${1:a}", "${2:b}")',
    doc: 'K independent yes/no targets: K sigmoid outputs `[batch, K]`, binary cross-entropy per unit. `multilabel("a", "b") from d.tags` (a column holding each row\'s names) or `multilabel from d[a, b]` (one 0/1 column per target).',
  },
};
/** Ensemble kinds (compiler/ensemble.ts), for completion after `ensemble NAME =`. */
export const ENSEMBLE_KINDS: Record<string, CallInfo> = {
  voting: {
    params: [enumP('voting', ['hard', 'soft'], 'hard: majority of classes; soft: mean of probabilities', 'hard'), { name: 'weights', type: { t: 'number-list' }, doc: 'one weight per member' }],
    snippet: 'voting([${1:A}, ${2:B}], ${3|soft,hard|})',
    doc: 'Members vote (sklearn VotingClassifier): hard counts predicted classes, soft averages probabilities.',
  },
  bagging: {
    params: [intP('members', 'bootstrap members (default 10)'), numP('fraction', 'rows drawn with replacement per member, in (0, 1]'), intP('seed', 'seed of the draws')],
    snippet: 'bagging(${1:A}, members ${2:5}, fraction ${3:0.8}, seed ${4:1})',
    doc: 'Copies of one model, each trained on a bootstrap sample; probabilities averaged (sklearn BaggingClassifier).',
  },
  boosting: {
    params: [intP('rounds', 'maximum boosting rounds (default 50)'), numP('lr', 'learning rate shrinking each member weight (default 1)')],
    snippet: 'boosting(${1:A}, rounds ${2:10}, lr ${3:0.5})',
    doc: 'AdaBoost with the SAMME rule: each round re-weights the rows the last member got wrong (sklearn AdaBoostClassifier).',
  },
  stacking: {
    params: [
      { name: 'meta', type: { t: 'layer' }, doc: 'logistic or mlp(hidden [16])', default: 'logistic' },
      intP('folds', 'k of the k-fold out-of-fold predictions (≥ 2, default 5)'),
      { name: 'stratified', type: { t: 'bool' }, doc: 'keep class proportions in every fold', default: true },
      { name: 'passthrough', type: { t: 'ref' }, doc: 'tabular inputs added to the meta-learner\'s features' },
    ],
    snippet: 'stacking([${1:A}, ${2:B}], meta ${3|logistic,mlp(hidden [16])|}, folds ${4:5})',
    doc: 'A meta-learner trained on the members\' out-of-fold probabilities (sklearn StackingClassifier).',
  },
};
export const SOURCES: Record<string, CallInfo> = {
  jsonl: { params: [], snippet: 'jsonl("${1:data.jsonl}")', doc: 'One JSON object per line.' },
  json: { params: [], snippet: 'json("${1:data.json}")', doc: 'A JSON array of objects.' },
  csv: { params: [{ name: 'delimiter', type: { t: 'string' }, doc: 'field separator', default: ',' }], snippet: 'csv("${1:data.csv}")', doc: 'Comma-separated values with a header row.' },
  folder: { params: [], snippet: 'folder("${1:images}")', doc: 'Every PNG/JPEG/WAV file under a folder, one sub-folder per class: columns path, class, name.' },
  idx: {
    params: [
      { name: 'test_images', type: { t: 'string' }, doc: 'a second IDX images file (rows with part "test")' },
      { name: 'test_labels', type: { t: 'string' }, doc: 'its labels' },
    ],
    snippet: 'idx("${1:train-images-idx3-ubyte.gz}", "${2:train-labels-idx1-ubyte.gz}")',
    doc: 'IDX images and labels (the MNIST format, gzipped or not): columns image, label, part, id.',
  },
};
const LR = numP('lr', 'learning rate (> 0)');
export const OPTIMIZERS: Record<string, CallInfo> = {
  adam: { params: [LR], snippet: 'adam(lr ${1:1e-3})', doc: 'Adam (Kingma & Ba 2015).' },
  sgd: { params: [LR, numP('momentum', 'momentum in [0, 1)')], snippet: 'sgd(lr ${1:0.01})', doc: 'Stochastic gradient descent.' },
  rmsprop: { params: [LR], snippet: 'rmsprop(lr ${1:1e-3})', doc: 'RMSprop.' },
  adagrad: { params: [LR], snippet: 'adagrad(lr ${1:0.01})', doc: 'Adagrad.' },
};
export const SETTINGS: Record<string, Record<string, CallInfo>> = {
  Train: {
    optimizer: { params: [], snippet: 'optimizer ${1|adam,sgd,rmsprop,adagrad|}(lr ${2:1e-3})', doc: 'The optimizer and its learning rate.' },
    epochs: { params: [], snippet: 'epochs ${1:10}', doc: 'Passes over the training split.' },
    batch: { params: [], snippet: 'batch ${1:32}', doc: 'Samples per batch.' },
    early_stop: {
      params: [enumP('monitor', ['val_loss', 'val_accuracy'], 'what to watch', 'val_loss'), intP('patience', 'epochs without improvement')],
      snippet: 'early_stop(${1|val_loss,val_accuracy|}, patience ${2:3})',
      doc: 'Stop when the monitored value stops improving; restores the best weights.',
    },
    class_weights: { params: [], snippet: 'class_weights [${1:1}, ${2:1}]', doc: 'One loss weight per class.' },
    lr_schedule: {
      params: [],
      snippet: 'lr_schedule ${1|step(every 5\\, factor 0.5),cosine(min_lr 0),exponential(0.9),reduce_on_plateau(patience 3\\, factor 0.5)|}',
      doc: 'Learning rate per epoch: step(every N, factor F), exponential(F), cosine(min_lr m) or reduce_on_plateau(patience P, factor F, monitor val_loss).',
    },
    seed: { params: [], snippet: 'seed ${1:42}', doc: 'Seed for shuffling and initialisation.' },
  },
  Dataset: {
    split: {
      params: [
        { name: 'by', type: { t: 'ref' }, doc: 'the column holding each row’s split' },
        numP('train', 'share of rows for training'),
        numP('val', 'share of rows for validation'),
        numP('test', 'share of rows for testing'),
        intP('seed', 'shuffle seed'),
        numP('val_share', 'with by: share of the train rows held out for validation (seeded)'),
      ],
      snippet: 'split(${1|by split,train 0.8\\, val 0.1\\, test 0.1\\, seed 42|})',
      doc: 'A column naming each row’s split, or a seeded random split.',
    },
    key: { params: [], snippet: 'key ${1:id}', doc: 'The column identifying a sample: models join the rows of datasets with keys by it, never by row order.' },
    missing: { params: [], snippet: 'missing ${1|drop,error|}', doc: 'When joined by key: leave out (drop, reported by key) or refuse (error) samples this dataset has no row for.' },
  },
};


/** A snippet for a call from its parameters: required ones as tab stops (`video(frames ${1:frames}, …)`). */
export function callSnippet(name: string, params: readonly ParamSpec[]): string {
  const required = params.filter((p) => p.required);
  if (!required.length) return name;
  return `${name}(${required.map((p, i) => (p.positional ? `\${${i + 1}:${p.name}}` : `${p.name} \${${i + 1}:${p.name}}`)).join(', ')})`;
}

/** Input kinds: the ones above, and the compiler's shape-level modalities (compiler/modalities.ts). */
export const INPUT_KINDS: Record<string, CallInfo> = {
  ...OWN_INPUT_KINDS,
  ...Object.fromEntries(
    Object.entries(MODALITY_KINDS)
      .filter(([k]) => !OWN_INPUT_KINDS[k])
      .map(([k, params]) => [k, { params: [...params], snippet: callSnippet(k, params), doc: `A ${k} input (see docs/language.md).` }]),
  ),
};
