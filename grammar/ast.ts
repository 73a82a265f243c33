/**
 * The abstract syntax tree of a `.mmf` file. Every node carries the source range it was parsed from,
 * so the compiler can point diagnostics, hovers and renames at exact text.
 *
 * The tree is deliberately uniform: layer calls, modality kinds, optimizers and data sources are all
 * `Call` nodes; what a call *means* is decided by the compiler, not the parser. That keeps the grammar
 * small and lets the checker give precise messages ("conv1d has no argument 'filter'; did you mean 'filters'?").
 */
import type { Range } from './diagnostic.ts';

/** A name as written, with its range. */
export interface Ident {
  kind: 'Ident';
  name: string;
  range: Range;
}

export interface NumberLit {
  kind: 'Number';
  value: number;
  /** The literal as written (`1e-3`), for the formatter. */
  text: string;
  range: Range;
}

export interface StringLit {
  kind: 'String';
  /** The unescaped value. */
  value: string;
  range: Range;
}

/** A bare name used as a value: `relu`, `val_loss`, `zscore`, or a reference to a declaration. */
export interface NameExpr {
  kind: 'Name';
  name: string;
  range: Range;
}

/** `[64, 32]` */
export interface ListExpr {
  kind: 'List';
  items: Expr[];
  range: Range;
}

/**
 * `callee(arg, key value, ...)` or a bare `callee` (then `parens` is false and `args` empty).
 * Used for layers (`conv1d(128, 5)`), modality kinds (`text(vocab 5000)`), data sources (`jsonl("a.jsonl")`),
 * optimizers (`adam(lr 1e-3)`), heads (`classifier(spam)`) and fusion operators (`concat(a, b)`).
 */
export interface CallExpr {
  kind: 'Call';
  callee: Ident;
  args: Arg[];
  parens: boolean;
  range: Range;
}

/** One argument: positional when `key` is undefined, else `key value`. */
export interface Arg {
  key?: Ident;
  value: Expr;
  range: Range;
}

/** One dimension in a shape annotation. */
export type DimExpr =
  | { kind: 'DimNumber'; value: number; range: Range }
  | { kind: 'DimName'; name: string; range: Range }
  | { kind: 'DimWildcard'; range: Range };

/** A shape annotation `[batch, 24, 64]`; `_` matches any dimension. */
export interface ShapeLit {
  kind: 'Shape';
  dims: DimExpr[];
  range: Range;
}

export type Expr = NumberLit | StringLit | NameExpr | ListExpr | CallExpr;

/** A column name: `subject` or `"Received Count"`. */
export interface ColumnName {
  name: string;
  quoted: boolean;
  range: Range;
}

/** `emails.subject`, `emails["x y"]` or `emails[a, b, "c d"]`. */
export interface ColumnRef {
  kind: 'Columns';
  dataset: Ident;
  columns: ColumnName[];
  /** True for the bracket form, which always means a list of columns (even of one). */
  bracketed: boolean;
  range: Range;
}

/**
 * A setting inside a `{ ... }` block: `epochs 10`, `optimizer adam(lr 1e-3)`,
 * `split(train 0.8, val 0.1, test 0.1, seed 7)` or `early_stop(val_loss, patience 3)`.
 * Exactly one of `value` / `args` is set: `args` for the parenthesised form.
 */
export interface Setting {
  kind: 'Setting';
  key: Ident;
  value?: Expr;
  args?: Arg[];
  range: Range;
}

/** One step of a pipeline: a layer or operator call, or a shape annotation the checker verifies. */
export type Step = CallExpr | ShapeLit;

/** `a -> b(1) -> [batch, 64] -> c` */
export interface Pipeline {
  kind: 'Pipeline';
  steps: Step[];
  range: Range;
}

export interface ImportDecl {
  kind: 'Import';
  path: StringLit;
  range: Range;
}

/** `dataset emails from jsonl("spam.jsonl") { split(by split) }` */
export interface DatasetDecl {
  kind: 'Dataset';
  name: Ident;
  source: CallExpr;
  settings: Setting[];
  range: Range;
}

/** `input subject: text(vocab 5000, max_len 24) from emails.subject -> [batch, 24]` */
export interface InputDecl {
  kind: 'Input';
  name: Ident;
  type: CallExpr;
  source: ColumnRef;
  annotation?: ShapeLit;
  range: Range;
}

/** `label spam: binary from emails.is_spam` */
export interface LabelDecl {
  kind: 'Label';
  name: Ident;
  type: CallExpr;
  source: ColumnRef;
  range: Range;
}

/**
 * `encoder subj = subject -> embedding(64) -> gru(64)`, or with a parameter list a named, parameterised definition
 * applied like a layer: `encoder Tower(width) = embedding(width) -> gru(width)`, then `left -> Tower(64)`.
 */
export interface EncoderDecl {
  kind: 'Encoder';
  name: Ident;
  /** Present (possibly empty) for a definition: the parameter names its pipeline may use as values. */
  params?: Ident[];
  pipeline: Pipeline;
  range: Range;
}

/** `fusion joint = concat(subj, text, meta) -> dense(64)` */
export interface FusionDecl {
  kind: 'Fusion';
  name: Ident;
  pipeline: Pipeline;
  range: Range;
}

/** `model SpamNet = joint -> classifier(spam, hidden [64], dropout 0.2)` */
export interface ModelDecl {
  kind: 'Model';
  name: Ident;
  pipeline: Pipeline;
  range: Range;
}

/** `train SpamNet { optimizer adam(lr 1e-3) epochs 10 batch 64 }` */
export interface TrainDecl {
  kind: 'Train';
  model: Ident;
  settings: Setting[];
  range: Range;
}

/**
 * `ensemble Vote = voting([A, B, C], soft, weights [2, 1, 1])`: a named combination of trained models. The
 * right-hand side is one call whose callee is the ensemble kind (`voting`, `bagging`, `boosting`, `stacking`);
 * the compiler (compiler/ensemble.ts) gives its arguments their meaning.
 */
export interface EnsembleDecl {
  kind: 'Ensemble';
  name: Ident;
  spec: CallExpr;
  range: Range;
}

export type Decl = ImportDecl | DatasetDecl | InputDecl | LabelDecl | EncoderDecl | FusionDecl | ModelDecl | TrainDecl | EnsembleDecl;

/** A comment with its text (including `//` or `/* *\/`), kept for the formatter. */
export interface Comment {
  text: string;
  range: Range;
}

export interface Program {
  kind: 'Program';
  decls: Decl[];
  comments: Comment[];
  range: Range;
}
