/**
 * Completion, by what fits where the cursor is:
 * - at the start of a line: the declaration keywords (as snippets);
 * - after `->`: layers (and heads in a model), with their parameters as snippet tab stops;
 * - after `encoder|fusion|model NAME =`: inputs, encoders and fusions, and the fusion operators;
 * - in a fusion operator's parentheses: inputs, encoders and fusions; in `classifier(`: labels;
 * - after an argument key: its values (`activation ` → relu, tanh, …); at an argument: the call's keys;
 * - after `from`: datasets (or data sources); after `DATASET.` or in `DATASET[`: the columns of its file;
 * - after `input NAME:` / `label NAME:`: input or label kinds; after `train`: models; in blocks: settings.
 *
 * The context is read from the tokens before the cursor (grammar `lex`), so it works on half-written text.
 */
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type CompletionList } from 'vscode-languageserver/node.js';
import type { ParamSpec } from '../../compiler/args.ts';
import { findLayer, LAYERS, type LayerDef } from '../../compiler/layers/index.ts';
import { formatType } from '../../compiler/index.ts';
import type { SymbolKind } from '../../compiler/symbols.ts';
import { isDefinition } from '../../compiler/definitions.ts';
import type { Position, Range } from '../../grammar/diagnostic.ts';
import { lex, type LexToken } from '../../grammar/index.ts';
import type { Analysis } from './analysis.ts';
import { ENSEMBLE_KINDS, INPUT_KINDS, LABEL_KINDS, OPTIMIZERS, SETTINGS, SOURCES, type CallInfo } from './builtins.ts';
import { layerDoc, layerSnippet, paramLine } from './describe.ts';
import { comparePositions, IDENTIFIER, offsetAt } from './util.ts';

/** Characters after which the client should ask for completions. */
export const COMPLETION_TRIGGERS = ['>', '(', ',', '.', '[', ':', ' '];

const DECL_TYPES = new Set(['Import', 'Dataset', 'Input', 'Label', 'Encoder', 'Fusion', 'Model', 'Train', 'Ensemble']);

/** Declaration keywords and the snippets they insert. */
const KEYWORDS: [string, string, string][] = [
  ['dataset', 'dataset ${1:name} from ${2|jsonl,json,csv|}("${3:data.jsonl}")', 'where samples come from'],
  ['input', 'input ${1:name}: ${2|text,tabular,categorical,image|}($3) from ${4:dataset}.${5:column}', 'a modality read from a dataset'],
  ['label', 'label ${1:name}: ${2|binary,classes|} from ${3:dataset}.${4:column}', 'what a model predicts'],
  ['encoder', 'encoder ${1:name} = ${2:input} -> $0', 'a network for one modality'],
  ['fusion', 'fusion ${1:name} = ${2|concat,weighted_sum,attention|}(${3:a}, ${4:b})', 'joins encodings'],
  ['model', 'model ${1:Name} = ${2:fusion} -> classifier(${3:label})', 'encodings and a head'],
  ['train', 'train ${1:Model} {\n\toptimizer adam(lr ${2:1e-3})\n\tepochs ${3:10}\n\tbatch ${4:32}\n}', 'how a model trains'],
  ['ensemble', 'ensemble ${1:Name} = ${2|voting,stacking|}([${3:A}, ${4:B}])', 'combines trained models'],
  ['import', 'import "${1:other.mmf}"', 'declarations of another file (not supported yet)'],
];

const KIND_OF_SYMBOL: Record<SymbolKind, CompletionItemKind> = {
  dataset: CompletionItemKind.Module,
  input: CompletionItemKind.Variable,
  label: CompletionItemKind.EnumMember,
  encoder: CompletionItemKind.Function,
  fusion: CompletionItemKind.Function,
  model: CompletionItemKind.Class,
  ensemble: CompletionItemKind.Module,
};

/** Where the cursor is, read from the tokens before it. */
interface Context {
  /** The word being typed (replaced by the completion), if any. */
  word?: LexToken;
  /** The declaration keyword that starts the current declaration. */
  decl?: LexToken;
  /** Significant tokens of the current declaration before the cursor (after the keyword). */
  tokens: LexToken[];
  /** Open brackets, innermost last: the bracket token and where it is in `tokens`. */
  open: { tok: LexToken; at: number }[];
  /** The range the completion replaces. */
  replace: Range;
  atLineStart: boolean;
}

function readContext(a: Analysis, p: Position): Context | undefined {
  const text = a.text;
  // The context never reaches before the declaration the cursor is in: lex from the start of the line of the
  // last declaration that starts before the cursor (fast on long files).
  let baseLine = 0;
  for (const d of a.result.program.decls) if (comparePositions(d.range.start, p) < 0) baseLine = Math.max(baseLine, d.range.start.line);
  const base = offsetAt(text, { line: baseLine, character: 0 });
  const offset = offsetAt(text, p) - base;
  const all = lex(text.slice(base, base + offset)).tokens;
  let last = all[all.length - 1];
  if (last && last.offset + last.length >= offset) {
    // Inside a comment or a string, or right after a number: nothing to complete.
    if (last.category === 'comment' || last.category === 'string' || last.category === 'number' || last.category === 'invalid') return undefined;
  }
  let word: LexToken | undefined;
  if (last && last.offset + last.length === offset && (last.category === 'name' || last.category === 'keyword')) {
    word = last;
    all.pop();
    last = all[all.length - 1];
  }
  const sig = all.filter((t) => t.category !== 'comment');
  let start = -1;
  for (let i = sig.length - 1; i >= 0; i--) {
    if (DECL_TYPES.has(sig[i]!.type)) {
      start = i;
      break;
    }
  }
  const tokens = sig.slice(start + 1);
  const open: Context['open'] = [];
  tokens.forEach((t, i) => {
    if (t.type === 'LParen' || t.type === 'LBracket' || t.type === 'LBrace') open.push({ tok: t, at: i });
    else if (t.type === 'RParen' || t.type === 'RBracket' || t.type === 'RBrace') open.pop();
  });
  const end = base + offset;
  const wordStart = word ? base + word.offset : end;
  const lineStart = text.lastIndexOf('\n', end - 1) + 1;
  const before = text.slice(lineStart, wordStart);
  const shift = (q: Position): Position => ({ line: q.line + baseLine, character: q.character });
  return {
    word,
    decl: start >= 0 ? sig[start] : undefined,
    tokens,
    open,
    replace: word ? { start: shift(word.range.start), end: shift(word.range.end) } : { start: p, end: p },
    atLineStart: before.trim() === '' && (before.length === 0 || open.length === 0),
  };
}

/** Completion items at `p`. */
export function completion(a: Analysis, p: Position): CompletionList {
  const ctx = readContext(a, p);
  const items = ctx ? itemsFor(a, ctx) : [];
  if (ctx) {
    for (const it of items) {
      const newText = it.insertText ?? it.label;
      it.textEdit = { range: ctx.replace, newText };
      delete it.insertText;
    }
  }
  return { isIncomplete: false, items };
}

function itemsFor(a: Analysis, ctx: Context): CompletionItem[] {
  const { tokens, open } = ctx;
  const declType = ctx.decl?.type;
  const prev = tokens[tokens.length - 1];
  const prev2 = tokens[tokens.length - 2];
  if (ctx.atLineStart && (ctx.replace.start.character === 0 || !ctx.decl) && !isConnector(prev)) return keywordItems();
  if (!ctx.decl) return ctx.atLineStart ? keywordItems() : [];
  const self = tokens[0]?.category === 'name' ? tokens[0].text : undefined;
  const inner = open[open.length - 1];

  if (inner?.tok.type === 'LParen') {
    const calleeTok = tokens[inner.at - 1];
    const callee = calleeTok?.category === 'name' || calleeTok?.category === 'keyword' ? calleeTok.text : '';
    // Tokens of the current argument (after the last top-level comma of this call).
    let argStart = inner.at + 1;
    let depth = 0;
    for (let i = inner.at + 1; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.type === 'LParen' || t.type === 'LBracket') depth++;
      else if (t.type === 'RParen' || t.type === 'RBracket') depth--;
      else if (t.type === 'Comma' && depth === 0) argStart = i + 1;
    }
    const arg = tokens.slice(argStart);
    const firstArg = argStart === inner.at + 1;
    if (declType === 'Ensemble') return ensembleArgItems(a, callee, arg, firstArg);
    return argItems(a, declType!, self, callee, arg, firstArg, tokens.slice(inner.at + 1, argStart));
  }
  if (inner?.tok.type === 'LBracket') {
    const before = tokens[inner.at - 1];
    // `voting([` / `stacking([`: member models; `passthrough [`: inputs
    if (declType === 'Ensemble') return before?.text === 'passthrough' ? symbolItems(a, ['input']) : symbolItems(a, ['model']);
    if ((declType === 'Input' || declType === 'Label') && before && isDataset(a, before.text) && prev?.type !== 'String') return columnItems(a, before.text, false);
    if (before?.type === 'Arrow') return [{ label: 'batch', kind: CompletionItemKind.Constant, detail: 'the batch dimension' }, { label: '_', kind: CompletionItemKind.Constant, detail: 'any size' }];
    return [];
  }
  if (inner?.tok.type === 'LBrace') {
    const settings = SETTINGS[declType!] ?? {};
    if (prev?.text === 'optimizer' && declType === 'Train') return callItems(OPTIMIZERS, CompletionItemKind.Function);
    if (prev && prev.category === 'name' && settings[prev.text]) return [];
    return Object.entries(settings).map(([name, info]) => ({
      label: name,
      kind: CompletionItemKind.Property,
      documentation: info.doc,
      insertText: info.snippet,
      insertTextFormat: InsertTextFormat.Snippet,
    }));
  }

  // Outside brackets: by the token before the cursor.
  if (!prev) {
    if (declType === 'Train') return symbolItems(a, ['model']);
    return [];
  }
  switch (prev.type) {
    case 'Arrow':
      if (declType === 'Encoder' || declType === 'Fusion' || declType === 'Model') return [...layerItems(declType === 'Model'), ...definitionItems(a, self)];
      return [];
    case 'Equals':
      if (declType === 'Encoder' || declType === 'Fusion' || declType === 'Model')
        return [
          // an encoder definition is applied after `->`, never the start of a pipeline
          ...symbolItems(a, ['input', 'encoder', 'fusion'], self).filter((it) => !isDefinition(a.result.symbols.byName.get(it.label))),
          ...LAYERS.filter((l) => l.role === 'fusion').map(layerItem),
        ];
      if (declType === 'Ensemble') return callItems(ENSEMBLE_KINDS, CompletionItemKind.Function);
      return [];
    case 'Colon':
      if (declType === 'Input') return callItems(INPUT_KINDS, CompletionItemKind.TypeParameter);
      if (declType === 'Label') return callItems(LABEL_KINDS, CompletionItemKind.TypeParameter);
      return [];
    case 'From':
      if (declType === 'Input' || declType === 'Label') return symbolItems(a, ['dataset']);
      if (declType === 'Dataset') return callItems(SOURCES, CompletionItemKind.Function);
      return [];
    case 'Dot':
      if (prev2 && isDataset(a, prev2.text)) return columnItems(a, prev2.text, true);
      return [];
    case 'RParen':
      if (declType === 'Input' || declType === 'Label') return fromItem(tokens);
      return [];
    default:
      if ((declType === 'Input' || declType === 'Label') && prev2?.type === 'Colon') return fromItem(tokens);
      if (declType === 'Dataset' && tokens.length === 1) return [{ label: 'from', kind: CompletionItemKind.Keyword }];
      return [];
  }
}

/** Inside `ensemble E = KIND(`: the base model first (bagging, boosting), then the kind's settings as `key value` snippets. */
function ensembleArgItems(a: Analysis, kind: string, arg: LexToken[], firstArg: boolean): CompletionItem[] {
  const info = ENSEMBLE_KINDS[kind];
  if (!info) return [];
  if (firstArg) return kind === 'bagging' || kind === 'boosting' ? symbolItems(a, ['model']) : [];
  if (arg.length > 0) {
    const key = arg[0]!.text;
    if (key === 'meta') return [{ label: 'logistic', kind: CompletionItemKind.EnumMember }, { label: 'mlp', kind: CompletionItemKind.Function, insertText: 'mlp(hidden [${1:16}])', insertTextFormat: InsertTextFormat.Snippet }];
    const p = info.params.find((x) => x.name === key);
    if (p?.type.t === 'enum') return p.type.values.map((v) => ({ label: v, kind: CompletionItemKind.EnumMember }));
    return [];
  }
  return info.params.map((p) => ({ label: p.name, kind: CompletionItemKind.Property, detail: p.doc }));
}

function isConnector(t: LexToken | undefined): boolean {
  return !!t && ['Arrow', 'Equals', 'Colon', 'Comma', 'From', 'Dot', 'Minus', 'LParen', 'LBracket'].includes(t.type);
}

function isDataset(a: Analysis, name: string): boolean {
  return a.result.symbols.byName.get(name)?.kind === 'dataset';
}

function fromItem(tokens: LexToken[]): CompletionItem[] {
  return tokens.some((t) => t.type === 'From') ? [] : [{ label: 'from', kind: CompletionItemKind.Keyword }];
}

function keywordItems(): CompletionItem[] {
  return KEYWORDS.map(([label, snippet, doc], i) => ({
    label,
    kind: CompletionItemKind.Keyword,
    detail: doc,
    insertText: snippet,
    insertTextFormat: InsertTextFormat.Snippet,
    sortText: String(i).padStart(2, '0'),
  }));
}

/** A layer, operator or head with its parameters as a snippet. */
function layerItem(l: LayerDef): CompletionItem {
  const snippet = l.role === 'fusion' ? fusionSnippet(l) : layerSnippet(l);
  return {
    label: l.name,
    kind: l.role === 'head' ? CompletionItemKind.Class : l.role === 'fusion' ? CompletionItemKind.Operator : CompletionItemKind.Function,
    detail: l.rule,
    documentation: { kind: MarkupKind.Markdown, value: layerDoc(l) },
    insertText: snippet,
    insertTextFormat: InsertTextFormat.Snippet,
  };
}

function fusionSnippet(l: LayerDef): string {
  const keys = l.params.filter((p) => p.required && !p.positional).map((p, i) => `${p.name} \${${i + 3}:${p.name}}`);
  return `${l.name}(\${1:a}, \${2:b}${keys.length ? `, ${keys.join(', ')}` : ''})`;
}

/** The file's encoder definitions, offered after `->` like layers: `Tower(${1:width}, ${2:act})`. */
function definitionItems(a: Analysis, self?: string): CompletionItem[] {
  return [...a.result.symbols.byName.values()]
    .filter(isDefinition)
    .filter((s) => s.name !== self)
    .map((s) => {
      const params = s.decl.params.map((p) => p.name);
      return {
        label: s.name,
        kind: CompletionItemKind.Function,
        detail: `encoder ${s.name}(${params.join(', ')})`,
        documentation: { kind: MarkupKind.Markdown, value: `Encoder definition (line ${s.range.start.line + 1}); add \`shared ENCODER\` to reuse that encoder's weights.` },
        insertText: `${s.name}(${params.map((p, i) => `\${${i + 1}:${p}}`).join(', ')})`,
        insertTextFormat: InsertTextFormat.Snippet,
        sortText: `2${s.name}`,
      };
    });
}

function layerItems(heads: boolean): CompletionItem[] {
  const out = LAYERS.filter((l) => l.role === 'layer' || (heads && l.role === 'head')).map(layerItem);
  // In a model the head comes first: it is what a model must end with.
  for (const it of out) it.sortText = `${it.kind === CompletionItemKind.Class ? '0' : '1'}${it.label}`;
  return out;
}

function callItems(table: Record<string, CallInfo>, kind: CompletionItemKind): CompletionItem[] {
  return Object.entries(table).map(([name, info]) => ({
    label: name,
    kind,
    documentation: { kind: MarkupKind.Markdown, value: [info.doc, ...info.params.map(paramLine)].join('\n') },
    insertText: info.snippet,
    insertTextFormat: InsertTextFormat.Snippet,
  }));
}

/** Declared names of the given kinds, with their type as detail (`self` is left out: no cycles). */
function symbolItems(a: Analysis, kinds: SymbolKind[], self?: string): CompletionItem[] {
  const out: CompletionItem[] = [];
  for (const s of a.result.symbols.byName.values()) {
    if (!kinds.includes(s.kind) || s.name === self) continue;
    const t = a.index.outputOf(s.name)?.type.type ?? a.result.stepTypes.find((x) => x.label === s.name)?.type;
    out.push({
      label: s.name,
      kind: KIND_OF_SYMBOL[s.kind],
      detail: `${s.kind}${t ? ` ${formatType(t)}` : ''}`,
      sortText: `${kinds.indexOf(s.kind)}${s.name}`,
    });
  }
  return out;
}

function columnItems(a: Analysis, dataset: string, afterDot: boolean): CompletionItem[] {
  const cols = a.columns(dataset) ?? [];
  const plan = a.result.datasets.get(dataset);
  return cols
    .filter((c) => !afterDot || IDENTIFIER.test(c))
    .map((c) => ({
      label: c,
      kind: CompletionItemKind.Field,
      detail: `column of ${plan?.source.path ?? dataset}`,
      insertText: IDENTIFIER.test(c) ? c : JSON.stringify(c),
    }));
}

/** Items inside a call's parentheses: operands, labels, keys, or the values of the key just written. */
function argItems(a: Analysis, declType: string, self: string | undefined, callee: string, arg: LexToken[], firstArg: boolean, earlier: LexToken[]): CompletionItem[] {
  const layer = findLayer(callee);
  const other =
    declType === 'Input' ? INPUT_KINDS[callee] : declType === 'Label' ? LABEL_KINDS[callee] : declType === 'Dataset' ? (SOURCES[callee] ?? SETTINGS.Dataset![callee]) : declType === 'Train' ? (OPTIMIZERS[callee] ?? SETTINGS.Train![callee]) : undefined;
  const params: readonly ParamSpec[] = layer?.params ?? other?.params ?? [];
  const used = new Set(earlier.filter((t, i) => t.category === 'name' && (i === 0 || earlier[i - 1]!.type === 'Comma')).map((t) => t.text));
  const keyItems = () =>
    params
      .filter((p) => !p.variadic && !used.has(p.name) && p.type.t !== 'ref')
      .map((p) => ({ label: p.name, kind: CompletionItemKind.Property, detail: paramLine(p).replace(/^- /, ''), insertText: `${p.name} `, sortText: `1${p.name}` }));
  if (arg.length === 0) {
    if (layer?.role === 'fusion') return [...symbolItems(a, ['input', 'encoder', 'fusion'], self), ...keyItems()];
    if (layer?.role === 'head' && firstArg) return [...symbolItems(a, ['label']), ...keyItems()];
    if (callee === 'early_stop' && firstArg) return [...valueItems(params[0]!), ...keyItems()];
    return keyItems();
  }
  if (arg.length === 1 && arg[0]!.category === 'name') {
    const key = arg[0]!.text;
    if (callee === 'split' && key === 'by' && declType === 'Dataset') {
      const ds = a.result.program.decls.find((d) => d.kind === 'Dataset' && d.name.name === self);
      return ds ? columnItems(a, self!, false) : [];
    }
    const p = params.find((q) => q.name === key || q.aliases?.includes(key));
    if (!p) return [];
    if (p.type.t === 'ref' && layer?.role === 'head') return symbolItems(a, ['label']);
    return valueItems(p);
  }
  return [];
}

function valueItems(p: ParamSpec): CompletionItem[] {
  const values = p.type.t === 'enum' ? [...p.type.values] : p.type.t === 'bool' ? ['true', 'false'] : [];
  return values.map((v) => ({ label: v, kind: CompletionItemKind.EnumMember, detail: `${p.name}${p.default === v ? ' (default)' : ''}` }));
}
