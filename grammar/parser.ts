/**
 * The mmf parser: a chevrotain CstParser with error recovery, built once per process.
 *
 * The grammar follows docs/language.md. Recovery strategy:
 * - The token vector is cut before every declaration keyword (the lexer has already turned keywords
 *   used as names into identifiers), and each declaration is parsed on its own with the `declaration`
 *   rule. An error can therefore never swallow the next declaration.
 * - A missing or extra single token (`input x text(...)`, `f(1 2)`) is repaired in place by
 *   chevrotain's single-token insertion / deletion; the declaration is still parsed whole.
 * - Any other error abandons the rest of the declaration; its partial parse tree is kept.
 * - Tokens after a complete declaration, or before the first one, are strays (MMF0006).
 *
 * Error messages are produced later (see messages.ts): the error message provider only records a
 * machine-readable description of what was expected.
 */
import { CstParser, EOF, type CstNode, type IOrAlt, type IParserErrorMessageProvider, type IRecognitionException, type IToken, type TokenType } from './chevrotain.ts';
import {
  allTokens,
  Arrow,
  Colon,
  Comma,
  Dataset,
  Dot,
  Encoder,
  Ensemble,
  Equals,
  From,
  Fusion,
  Import,
  Input,
  isDeclarationStart,
  Label,
  LBrace,
  LBracket,
  LParen,
  Minus,
  Model,
  Name,
  NumberLiteral,
  PlainName,
  RBrace,
  RBracket,
  RParen,
  StringLiteral,
  TooDeep,
  Train,
} from './lexer.ts';

/** The machine-readable payload each parser error message carries (JSON in `error.message`). */
export type ErrorPayload =
  | { kind: 'mismatch'; expected: string; rule: string }
  | { kind: 'noViableAlt'; rule: string }
  | { kind: 'earlyExit'; rule: string }
  | { kind: 'notAllInput'; rule: string };

const payloadProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, ruleName }) =>
    JSON.stringify({ kind: 'mismatch', expected: expected.name, rule: ruleName } satisfies ErrorPayload),
  buildNotAllInputParsedMessage: ({ ruleName }) => JSON.stringify({ kind: 'notAllInput', rule: ruleName } satisfies ErrorPayload),
  buildNoViableAltMessage: ({ ruleName }) => JSON.stringify({ kind: 'noViableAlt', rule: ruleName } satisfies ErrorPayload),
  buildEarlyExitMessage: ({ ruleName }) => JSON.stringify({ kind: 'earlyExit', rule: ruleName } satisfies ErrorPayload),
};

/** Decode the payload of a parser error (see {@link ErrorPayload}); undefined for a foreign message. */
export function errorPayload(e: IRecognitionException): ErrorPayload | undefined {
  try {
    const p = JSON.parse(e.message) as ErrorPayload;
    return typeof p === 'object' && p !== null && typeof p.kind === 'string' ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The CST parser. Use the shared instance through {@link parseTokens}.
 *
 * Every closure handed to the chevrotain DSL (`OR` alternatives, `MANY` / `OPTION` bodies) is created
 * once, as a field, instead of on every rule invocation: this halves the garbage and the time of a parse
 * (tsx also wraps each inline arrow function in a naming helper).
 */
export class MmfParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: true, maxLookahead: 3, errorMessageProvider: payloadProvider, nodeLocationTracking: 'onlyOffset' });
    this.performSelfAnalysis();
  }

  // ------------------------------------------------------------------ declarations

  private readonly declAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.SUBRULE(this.importDecl) },
    { ALT: () => this.SUBRULE(this.datasetDecl) },
    { ALT: () => this.SUBRULE(this.inputDecl) },
    { ALT: () => this.SUBRULE(this.labelDecl) },
    { ALT: () => this.SUBRULE(this.encoderDecl) },
    { ALT: () => this.SUBRULE(this.fusionDecl) },
    { ALT: () => this.SUBRULE(this.modelDecl) },
    { ALT: () => this.SUBRULE(this.trainDecl) },
    { ALT: () => this.SUBRULE(this.ensembleDecl) },
  ];
  /**
   * declaration := import | dataset | input | label | encoder | fusion | model | train | ensemble
   *
   * The top rule: {@link parseTokens} parses each declaration on its own (the token vector is cut at
   * every declaration keyword), so error recovery never crosses into the next declaration.
   */
  declaration = this.RULE('declaration', () => {
    this.OR(this.declAlts);
  });

  /** import := 'import' STRING */
  importDecl = this.RULE('importDecl', () => {
    this.CONSUME(Import);
    this.CONSUME(StringLiteral, { LABEL: 'path' });
  });

  private readonly optBlock = () => this.SUBRULE(this.block);
  /** dataset := 'dataset' NAME 'from' call block? */
  datasetDecl = this.RULE('datasetDecl', () => {
    this.CONSUME(Dataset);
    this.CONSUME(PlainName, { LABEL: 'name' });
    this.CONSUME(From);
    this.SUBRULE(this.call, { LABEL: 'source' });
    this.OPTION(this.optBlock);
  });

  private readonly optAnnotation = () => {
    this.CONSUME(Arrow);
    this.SUBRULE(this.shape);
  };
  /** input := 'input' NAME ':' call 'from' columns ('->' shape)? */
  inputDecl = this.RULE('inputDecl', () => {
    this.CONSUME(Input);
    this.CONSUME(PlainName, { LABEL: 'name' });
    this.CONSUME(Colon);
    this.SUBRULE(this.kind, { LABEL: 'type' });
    this.CONSUME(From);
    this.SUBRULE(this.columns);
    this.OPTION(this.optAnnotation);
  });

  /** label := 'label' NAME ':' call 'from' columns */
  labelDecl = this.RULE('labelDecl', () => {
    this.CONSUME(Label);
    this.CONSUME(PlainName, { LABEL: 'name' });
    this.CONSUME(Colon);
    this.SUBRULE(this.kind, { LABEL: 'type' });
    this.CONSUME(From);
    this.SUBRULE(this.columns);
  });

  /** encoder := 'encoder' NAME ('(' (NAME (',' NAME)*)? ')')? '=' pipeline   — with parentheses, a definition */
  encoderDecl = this.RULE('encoderDecl', () => {
    this.CONSUME(Encoder);
    this.CONSUME(PlainName, { LABEL: 'name' });
    this.OPTION(this.optParams);
    this.CONSUME(Equals);
    this.SUBRULE(this.pipeline);
  });

  private readonly paramsBody = () => {
    this.CONSUME2(Comma);
    this.CONSUME3(PlainName, { LABEL: 'param' });
  };
  private readonly paramList = () => {
    this.CONSUME2(PlainName, { LABEL: 'param' });
    this.MANY(this.paramsBody);
  };
  /** The parameter list of an encoder definition: '(' (NAME (',' NAME)*)? ')'. */
  private readonly optParams = () => {
    this.CONSUME(LParen);
    this.OPTION2(this.paramList);
    this.CONSUME(RParen);
  };

  /** fusion := 'fusion' NAME '=' pipeline */
  fusionDecl = this.RULE('fusionDecl', () => {
    this.CONSUME(Fusion);
    this.CONSUME(PlainName, { LABEL: 'name' });
    this.CONSUME(Equals);
    this.SUBRULE(this.pipeline);
  });

  /** model := 'model' NAME '=' pipeline */
  modelDecl = this.RULE('modelDecl', () => {
    this.CONSUME(Model);
    this.CONSUME(PlainName, { LABEL: 'name' });
    this.CONSUME(Equals);
    this.SUBRULE(this.pipeline);
  });

  /** train := 'train' NAME block */
  trainDecl = this.RULE('trainDecl', () => {
    this.CONSUME(Train);
    this.CONSUME(PlainName, { LABEL: 'name' });
    this.SUBRULE(this.block);
  });

  /** ensemble := 'ensemble' NAME '=' call   e.g. `ensemble V = voting([A, B], soft)` */
  ensembleDecl = this.RULE('ensembleDecl', () => {
    this.CONSUME(Ensemble);
    this.CONSUME(PlainName, { LABEL: 'name' });
    this.CONSUME(Equals);
    this.SUBRULE(this.call, { LABEL: 'spec' });
  });

  // ------------------------------------------------------------------ blocks

  /** block := '{' setting* '}' */
  block = this.RULE('block', () => {
    this.CONSUME(LBrace);
    this.SUBRULE(this.settings);
    this.CONSUME(RBrace);
  });

  private readonly settingsBody = () => this.SUBRULE(this.setting);
  /**
   * setting*  — a rule of its own so that the repetition ends its rule: chevrotain then does not try
   * "in-repetition" recovery here, which re-enters the loop recursively once per error and can exhaust
   * the stack on a block with thousands of errors. An error ends the declaration instead.
   */
  settings = this.RULE('settings', () => {
    this.MANY(this.settingsBody);
  });

  private readonly settingAlts: IOrAlt<unknown>[] = [
    {
      ALT: () => {
        this.CONSUME(LParen);
        this.OPTION(this.optArgs);
        this.CONSUME(RParen);
      },
    },
    { ALT: () => this.SUBRULE(this.expr) },
  ];
  /** setting := NAME '(' args? ')' | NAME expr */
  setting = this.RULE('setting', () => {
    this.CONSUME(Name, { LABEL: 'key' });
    this.OR(this.settingAlts);
  });

  // ------------------------------------------------------------------ pipelines and calls

  // The steps are alternatives inlined here (no `step` node per step): the CST has `call` and `shape`
  // children, ordered by offset.
  private readonly firstStep: IOrAlt<unknown>[] = [{ ALT: () => this.SUBRULE(this.call) }, { ALT: () => this.SUBRULE(this.shape) }];
  private readonly nextStep: IOrAlt<unknown>[] = [{ ALT: () => this.SUBRULE2(this.call) }, { ALT: () => this.SUBRULE2(this.shape) }];
  private readonly pipelineBody = () => {
    this.CONSUME(Arrow);
    this.OR2(this.nextStep);
  };
  /** pipeline := step ('->' step)*   with step := call | shape */
  pipeline = this.RULE('pipeline', () => {
    this.OR(this.firstStep);
    this.MANY(this.pipelineBody);
  });

  private readonly optArgs = () => this.SUBRULE(this.args);
  private readonly optCallParens = () => {
    this.CONSUME(LParen);
    this.OPTION2(this.optArgs);
    this.CONSUME(RParen);
  };
  /** call := NAME ('(' args? ')')? */
  call = this.RULE('call', () => {
    this.CONSUME(Name, { LABEL: 'callee' });
    this.OPTION(this.optCallParens);
  });

  /** The kind of an input or label: a call whose name is not `from` (so `input x: from ...` reports the missing kind). */
  kind = this.RULE('kind', () => {
    this.CONSUME(PlainName, { LABEL: 'callee' });
    this.OPTION(this.optCallParens);
  });

  private readonly argsBody = () => {
    this.CONSUME(Comma);
    this.SUBRULE2(this.arg);
  };
  private readonly optComma = () => this.CONSUME2(Comma);
  /** args := arg (',' arg)* ','? */
  args = this.RULE('args', () => {
    this.SUBRULE(this.arg);
    this.MANY(this.argsBody);
    this.OPTION(this.optComma);
  });

  private readonly argAlts: IOrAlt<unknown>[] = [
    {
      ALT: () => {
        this.CONSUME(Name, { LABEL: 'key' });
        this.SUBRULE(this.expr);
      },
    },
    { ALT: () => this.SUBRULE2(this.expr) },
  ];
  /** arg := NAME expr | expr   (keyed when the name is directly followed by the start of an expression) */
  arg = this.RULE('arg', () => {
    this.OR(this.argAlts);
  });

  private readonly exprAlts: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME(NumberLiteral) },
    {
      ALT: () => {
        this.CONSUME(Minus);
        this.CONSUME2(NumberLiteral);
      },
    },
    { ALT: () => this.CONSUME(StringLiteral) },
    { ALT: () => this.SUBRULE(this.list) },
    { ALT: () => this.SUBRULE(this.call) },
    // a region nested too deep (MMF0007) stands for one value, so the brackets around it still balance
    { ALT: () => this.CONSUME(TooDeep) },
  ];
  /** expr := NUMBER | '-' NUMBER | STRING | list | call   (or a TooDeep region, left out of the AST) */
  expr = this.RULE('expr', () => {
    this.OR(this.exprAlts);
  });

  private readonly listBody = () => {
    this.CONSUME(Comma);
    this.SUBRULE2(this.expr);
  };
  private readonly listItems = () => {
    this.SUBRULE(this.expr);
    this.MANY(this.listBody);
    this.OPTION2(this.optComma);
  };
  /** list := '[' (expr (',' expr)* ','?)? ']' */
  list = this.RULE('list', () => {
    this.CONSUME(LBracket);
    this.OPTION(this.listItems);
    this.CONSUME(RBracket);
  });

  // ------------------------------------------------------------------ columns and shapes

  // colname := NAME | STRING is inlined: every column is a `column` child (a Name or String token)
  private readonly firstColumn: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME(Name, { LABEL: 'column' }) },
    { ALT: () => this.CONSUME(StringLiteral, { LABEL: 'column' }) },
  ];
  private readonly nextColumn: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME2(Name, { LABEL: 'column' }) },
    { ALT: () => this.CONSUME2(StringLiteral, { LABEL: 'column' }) },
  ];
  private readonly dotColumn: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME3(Name, { LABEL: 'column' }) },
    { ALT: () => this.CONSUME3(StringLiteral, { LABEL: 'column' }) },
  ];
  private readonly columnsBody = () => {
    this.CONSUME(Comma);
    this.OR3(this.nextColumn);
  };
  private readonly columnsAlts: IOrAlt<unknown>[] = [
    {
      ALT: () => {
        this.CONSUME(Dot);
        this.OR4(this.dotColumn);
      },
    },
    {
      ALT: () => {
        this.CONSUME(LBracket);
        this.OR2(this.firstColumn);
        this.MANY(this.columnsBody);
        this.OPTION(this.optComma);
        this.CONSUME(RBracket);
      },
    },
  ];
  /** columns := NAME '.' colname | NAME '[' colname (',' colname)* ','? ']'   with colname := NAME | STRING */
  columns = this.RULE('columns', () => {
    this.CONSUME4(Name, { LABEL: 'dataset' });
    this.OR(this.columnsAlts);
  });

  /** shape := '[' dim (',' dim)* ']' */
  shape = this.RULE('shape', () => {
    this.CONSUME(LBracket);
    this.SUBRULE(this.dims);
    this.CONSUME(RBracket);
  });

  // dim := NUMBER | NAME is inlined: every dimension is a `dim` child (a Number or Name token);
  // `_` is a NAME, turned into a wildcard by the AST builder
  private readonly firstDim: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME(NumberLiteral, { LABEL: 'dim' }) },
    { ALT: () => this.CONSUME(Name, { LABEL: 'dim' }) },
  ];
  private readonly nextDim: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME2(NumberLiteral, { LABEL: 'dim' }) },
    { ALT: () => this.CONSUME2(Name, { LABEL: 'dim' }) },
  ];
  private readonly dimsBody = () => {
    this.CONSUME(Comma);
    this.OR2(this.nextDim);
  };
  /** dim (',' dim)*  — its own rule for the same reason as `settings`. */
  dims = this.RULE('dims', () => {
    this.OR(this.firstDim);
    this.MANY(this.dimsBody);
  });

  /** Never delete a too-deep token to repair an error (MMF0007 reports it). */
  protected override canTokenTypeBeDeletedInRecovery(_expected: TokenType): boolean {
    const next = this.LA(1);
    return next.tokenType !== TooDeep && next.tokenType !== EOF;
  }
}

/** The shared parser instance (building one takes a few milliseconds, so it is built once). */
export const parser = new MmfParser();

/** One top-level piece of a file: a declaration, or tokens before the first declaration keyword. */
export type Segment =
  | {
      kind: 'decl';
      /** The declaration's CST node (`importDecl`, `datasetDecl`, ...), possibly partial. */
      cst: CstNode | undefined;
      /** True when error recovery had to abandon the declaration before its end. */
      recovered: boolean;
      /** Parser errors inside the declaration, in order. */
      errors: IRecognitionException[];
      /** Tokens after a complete declaration that belong to no declaration (MMF0006). */
      leftover?: { first: IToken; last: IToken };
    }
  | { kind: 'stray'; first: IToken; last: IToken };

/**
 * Parse a classified token vector (from `lexText`). The vector is cut before every declaration keyword
 * (after classification, those only occur where a declaration starts), and each piece is parsed with
 * the `declaration` rule. Yields the pieces in source order, one at a time, so that a caller can turn
 * each parse tree into AST and drop it before the next one is built (less garbage held at once).
 */
export function* parseSegments(tokens: IToken[]): Generator<Segment> {
  try {
    let start = 0;
    while (start < tokens.length) {
      let end = start + 1;
      while (end < tokens.length && !isDeclarationStart(tokens[end])) end++;
      if (!isDeclarationStart(tokens[start])) {
        yield { kind: 'stray', first: tokens[start], last: tokens[end - 1] };
      } else {
        parser.input = tokens.slice(start, end);
        const top = parser.declaration();
        const errors: IRecognitionException[] = [];
        let leftover: { first: IToken; last: IToken } | undefined;
        for (const e of parser.errors) {
          if (e.name === 'NotAllInputParsedException') {
            leftover = { first: e.token, last: tokens[end - 1] };
            continue;
          }
          // the end of this piece is the next declaration's keyword, not the end of the file
          if (e.token.tokenType === EOF && end < tokens.length) e.token = tokens[end];
          errors.push(e);
        }
        let cst: CstNode | undefined;
        for (const key in top.children) {
          const c = top.children[key][0];
          if (c && 'children' in c) cst = c;
        }
        const recovered = top.recoveredNode === true || cst?.recoveredNode === true;
        yield leftover ? { kind: 'decl', cst, recovered, errors, leftover } : { kind: 'decl', cst, recovered, errors };
      }
      start = end;
    }
  } finally {
    parser.input = []; // do not keep the caller's tokens alive
  }
}

/** {@link parseSegments}, collected into an array. */
export function parseTokens(tokens: IToken[]): Segment[] {
  return [...parseSegments(tokens)];
}
