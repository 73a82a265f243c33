/**
 * Name resolution: the table of declared names, duplicate detection, and references for the editor
 * (hover, go to definition, find references, rename).
 */
import type { Decl, Program } from '../grammar/ast.ts';
import type { Diagnostic, Range } from '../grammar/diagnostic.ts';
import { diagnostic } from '../grammar/diagnostic.ts';
import { didYouMean } from './suggest.ts';

export type SymbolKind = 'dataset' | 'input' | 'label' | 'encoder' | 'fusion' | 'model' | 'ensemble';

export type NamedDecl = Exclude<Decl, { kind: 'Import' } | { kind: 'Train' }>;

export interface SymbolInfo {
  name: string;
  kind: SymbolKind;
  decl: NamedDecl;
  /** The range of the name in its declaration. */
  range: Range;
}

/** A use of a declared name somewhere in the file. */
export interface Reference {
  name: string;
  range: Range;
  target: SymbolInfo;
}

const KIND: Record<NamedDecl['kind'], SymbolKind> = {
  Dataset: 'dataset',
  Input: 'input',
  Label: 'label',
  Encoder: 'encoder',
  Fusion: 'fusion',
  Model: 'model',
  Ensemble: 'ensemble',
};

export class SymbolTable {
  readonly byName = new Map<string, SymbolInfo>();
  readonly references: Reference[] = [];

  /** Declare every named declaration; the second of two equal names is an MMF1002 error. */
  static build(program: Program, diags: Diagnostic[]): SymbolTable {
    const t = new SymbolTable();
    for (const d of program.decls) {
      if (d.kind === 'Import' || d.kind === 'Train') continue;
      const prev = t.byName.get(d.name.name);
      if (prev) {
        diags.push(
          diagnostic(
            'MMF1002',
            'error',
            `'${d.name.name}' is already declared as ${prev.kind} on line ${prev.range.start.line + 1}`,
            d.name.range,
            `Rename this ${KIND[d.kind]}; every name in a file has one meaning.`,
            [{ message: `first declaration of '${d.name.name}'`, range: prev.range }],
          ),
        );
        continue;
      }
      t.byName.set(d.name.name, { name: d.name.name, kind: KIND[d.kind], decl: d, range: d.name.range });
    }
    return t;
  }

  /**
   * Resolve a name used at `range`. Unknown names get MMF1001 with a did-you-mean among `preferKinds`
   * (or all names); names of another kind get MMF1003 explaining what was expected.
   */
  resolve(
    name: string,
    range: Range,
    expect: readonly SymbolKind[],
    what: string,
    diags: Diagnostic[],
    extraCandidates: readonly string[] = [],
  ): SymbolInfo | undefined {
    const s = this.byName.get(name);
    if (!s) {
      const candidates = [...[...this.byName.values()].filter((x) => expect.includes(x.kind)).map((x) => x.name), ...extraCandidates];
      const guess = didYouMean(name, candidates);
      diags.push(
        diagnostic(
          'MMF1001',
          'error',
          `Unknown name '${name}': no ${expect.join(' or ')} is declared with that name`,
          range,
          guess ? `Did you mean '${guess}'?` : `Declare it first, e.g. ${example(expect[0]!, name)}.`,
        ),
      );
      return undefined;
    }
    this.references.push({ name, range, target: s });
    if (!expect.includes(s.kind)) {
      diags.push(
        diagnostic(
          'MMF1003',
          'error',
          `'${name}' is ${article(s.kind)} ${s.kind}, but ${what} must be ${expect.map((k) => `${article(k)} ${k}`).join(' or ')}`,
          range,
          kindHint(s.kind, name),
          [{ message: `'${name}' is declared here`, range: s.range }],
        ),
      );
      return undefined;
    }
    return s;
  }

  /** Record a use without checking its kind (for editor features). */
  note(name: string, range: Range): void {
    const s = this.byName.get(name);
    if (s) this.references.push({ name, range, target: s });
  }
}

/** `an input`, `a model`. */
function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function example(kind: SymbolKind, name: string): string {
  switch (kind) {
    case 'dataset':
      return `dataset ${name} from jsonl("data.jsonl")`;
    case 'input':
      return `input ${name}: text(vocab 5000, max_len 64) from DATASET.COLUMN`;
    case 'label':
      return `label ${name}: binary from DATASET.COLUMN`;
    case 'encoder':
      return `encoder ${name} = INPUT -> dense(32)`;
    case 'fusion':
      return `fusion ${name} = concat(A, B)`;
    case 'model':
      return `model ${name} = ENCODER -> classifier(LABEL)`;
    case 'ensemble':
      return `ensemble ${name} = voting([MODEL_A, MODEL_B], soft)`;
  }
}

function kindHint(kind: SymbolKind, name: string): string {
  switch (kind) {
    case 'label':
      return `Labels are predicted, not encoded: end a model with classifier(${name}).`;
    case 'dataset':
      return `Name a column of it instead: ${name}.COLUMN.`;
    case 'model':
      return `Models cannot be fed into other models; reuse its encoders or fusion instead.`;
    case 'ensemble':
      return `An ensemble combines trained models; it cannot be a layer, a member of another ensemble or a train target.`;
    default:
      return `Use a name of the expected kind.`;
  }
}
