/**
 * CST → AST with exact LSP ranges.
 *
 * Every node's range is the span of the source tokens it was parsed from (tokens inserted by error
 * recovery have no text and are ignored). A node whose required parts are missing after error recovery
 * is dropped, never produced half-filled: a declaration without its name, an input without its column,
 * an argument without its value. What is complete is kept, so the editor sees every valid declaration
 * of a half-written file, and the valid prefix of the one being typed (`encoder x = subject -> `
 * gives an encoder whose pipeline is `subject`).
 */
import type { CstNode, IRecognitionException, IToken } from './chevrotain.ts';
import type {
  Arg,
  CallExpr,
  ColumnName,
  ColumnRef,
  Decl,
  DimExpr,
  Expr,
  Ident,
  ListExpr,
  NameExpr,
  NumberLit,
  Pipeline,
  Setting,
  ShapeLit,
  Step,
  StringLit,
} from './ast.ts';
import type { Range } from './diagnostic.ts';
import { decodeString, NumberLiteral, StringLiteral, UnterminatedString } from './lexer.ts';
import type { Segment } from './parser.ts';
import type { LineMap } from './positions.ts';

type Child = CstNode | IToken;

/** A run of top-level tokens that belongs to no declaration (MMF0006). */
export interface Stray {
  first: IToken;
  last: IToken;
  /** True when the run follows a complete declaration (rather than starting the file). */
  afterDecl: boolean;
}

/** Result of {@link cstToAst}. */
export interface AstBuild {
  decls: Decl[];
  strays: Stray[];
  /** The first parser error of each declaration that has one. */
  errors: IRecognitionException[];
}

function isToken(c: Child): c is IToken {
  return (c as IToken).image !== undefined;
}

/** A token that exists in the source (not one invented by single-token insertion). */
function isReal(t: IToken | undefined): t is IToken {
  return t !== undefined && t.isInsertedInRecovery !== true && Number.isFinite(t.startOffset);
}

const NO_SPAN: [number, number] = [Infinity, -Infinity];

/**
 * The offset span [start, end) of all real tokens under node `c` (NO_SPAN if there are none), skipping
 * tokens inserted by error recovery. Spans are memoised in `cache`.
 */
function nodeSpan(c: CstNode, cache: Map<CstNode, [number, number]>): [number, number] {
  let span = cache.get(c);
  if (span !== undefined) return span;
  let start = Infinity;
  let end = -Infinity;
  const children = c.children;
  for (const key in children) {
    const list = children[key];
    for (let i = 0; i < list.length; i++) {
      const child = list[i];
      if (isToken(child)) {
        if (!isReal(child)) continue;
        if (child.startOffset < start) start = child.startOffset;
        const e = child.startOffset + child.image.length;
        if (e > end) end = e;
      } else {
        const sp = nodeSpan(child, cache);
        if (sp[0] < start) start = sp[0];
        if (sp[1] > end) end = sp[1];
      }
    }
  }
  span = start === Infinity ? NO_SPAN : [start, end];
  cache.set(c, span);
  return span;
}

class Builder {
  private readonly spans = new Map<CstNode, [number, number]>();
  /**
   * True while building a declaration that had parse errors. Chevrotain's own node offsets
   * (`nodeLocationTracking: 'onlyOffset'`) are exact for error-free input and cost nothing extra; after
   * an error repair they can include a deleted token or lack an end, so ranges are then computed from
   * the node's real tokens.
   */
  exact = false;

  constructor(private readonly lines: LineMap) {}

  /** The range of a real token, or of a node's text. */
  range(c: Child): Range {
    if (isToken(c)) return this.lines.range(c.startOffset, c.startOffset + c.image.length);
    const loc = c.location;
    if (!this.exact && loc && Number.isFinite(loc.startOffset) && Number.isFinite(loc.endOffset)) {
      return this.lines.range(loc.startOffset, loc.endOffset! + 1);
    }
    const s = nodeSpan(c, this.spans);
    // callers only ask for the range of nodes that contain a real token
    return s === NO_SPAN ? this.lines.range(0, 0) : this.lines.range(s[0], s[1]);
  }

  /** The range from real token `a` to real token `b`. */
  rangeOf(a: IToken, b: IToken): Range {
    return this.lines.range(a.startOffset, b.startOffset + b.image.length);
  }

  tok(node: CstNode, key: string, i = 0): IToken | undefined {
    const t = node.children[key]?.[i];
    return t && isToken(t) && isReal(t) ? t : undefined;
  }

  node(node: CstNode, key: string, i = 0): CstNode | undefined {
    const n = node.children[key]?.[i];
    return n && !isToken(n) ? n : undefined;
  }

  nodes(node: CstNode, key: string): CstNode[] {
    return (node.children[key] ?? []).filter((n): n is CstNode => !isToken(n));
  }

  ident(t: IToken | undefined): Ident | undefined {
    return isReal(t) ? { kind: 'Ident', name: t.image, range: this.range(t) } : undefined;
  }

  // ------------------------------------------------------------------ declarations

  decl(n: CstNode): Decl | undefined {
    switch (n.name) {
      case 'importDecl': {
        const path = this.tok(n, 'path');
        return path ? { kind: 'Import', path: this.string(path), range: this.range(n) } : undefined;
      }
      case 'datasetDecl': {
        const name = this.ident(this.tok(n, 'name'));
        const sourceNode = this.node(n, 'source');
        const source = sourceNode && this.call(sourceNode);
        if (!name || !source) return undefined;
        const block = this.node(n, 'block');
        return { kind: 'Dataset', name, source, settings: block ? this.block(block) : [], range: this.range(n) };
      }
      case 'inputDecl':
      case 'labelDecl': {
        const name = this.ident(this.tok(n, 'name'));
        const typeNode = this.node(n, 'type');
        const type = typeNode && this.call(typeNode);
        const colsNode = this.node(n, 'columns');
        const source = colsNode && this.columns(colsNode);
        if (!name || !type || !source) return undefined;
        if (n.name === 'labelDecl') return { kind: 'Label', name, type, source, range: this.range(n) };
        const shapeNode = this.node(n, 'shape');
        const annotation = shapeNode && this.shape(shapeNode);
        return annotation
          ? { kind: 'Input', name, type, source, annotation, range: this.range(n) }
          : { kind: 'Input', name, type, source, range: this.range(n) };
      }
      case 'encoderDecl':
      case 'fusionDecl':
      case 'modelDecl': {
        const name = this.ident(this.tok(n, 'name'));
        const pipeNode = this.node(n, 'pipeline');
        const pipeline = pipeNode && this.pipeline(pipeNode);
        if (!name || !pipeline) return undefined;
        const kind = n.name === 'encoderDecl' ? 'Encoder' : n.name === 'fusionDecl' ? 'Fusion' : 'Model';
        if (kind === 'Encoder' && n.children.LParen) {
          const params = (n.children.param ?? []).map((t) => this.ident(t as IToken)).filter((x): x is Ident => x !== undefined);
          return { kind, name, params, pipeline, range: this.range(n) };
        }
        return { kind, name, pipeline, range: this.range(n) };
      }
      case 'ensembleDecl': {
        const name = this.ident(this.tok(n, 'name'));
        const specNode = this.node(n, 'spec');
        const spec = specNode && this.call(specNode);
        if (!name || !spec) return undefined;
        return { kind: 'Ensemble', name, spec, range: this.range(n) };
      }
      case 'trainDecl': {
        const model = this.ident(this.tok(n, 'name'));
        if (!model) return undefined;
        const block = this.node(n, 'block');
        return { kind: 'Train', model, settings: block ? this.block(block) : [], range: this.range(n) };
      }
      default:
        return undefined;
    }
  }

  block(n: CstNode): Setting[] {
    const out: Setting[] = [];
    const list = this.node(n, 'settings');
    for (const s of list ? this.nodes(list, 'setting') : []) {
      const setting = this.setting(s);
      if (setting) out.push(setting);
    }
    return out;
  }

  setting(n: CstNode): Setting | undefined {
    const key = this.ident(this.tok(n, 'key'));
    if (!key) return undefined;
    if (this.tok(n, 'LParen')) {
      const argsNode = this.node(n, 'args');
      return { kind: 'Setting', key, args: argsNode ? this.args(argsNode) : [], range: this.range(n) };
    }
    const exprNode = this.node(n, 'expr');
    const value = exprNode && this.expr(exprNode);
    return value ? { kind: 'Setting', key, value, range: this.range(n) } : undefined;
  }

  // ------------------------------------------------------------------ pipelines and calls

  pipeline(n: CstNode): Pipeline | undefined {
    // steps are `call` and `shape` children; restore their source order
    const parts = [...this.nodes(n, 'call'), ...this.nodes(n, 'shape')];
    if (parts.length > 1) parts.sort((a, b) => this.startOf(a) - this.startOf(b));
    const steps: Step[] = [];
    for (const p of parts) {
      const step = p.name === 'call' ? this.call(p) : this.shape(p);
      if (step) steps.push(step);
    }
    return steps.length ? { kind: 'Pipeline', steps, range: this.range(n) } : undefined;
  }

  /** Offset of the first real token of a node (Infinity if none). */
  private startOf(n: CstNode): number {
    const loc = n.location;
    if (!this.exact && loc && Number.isFinite(loc.startOffset)) return loc.startOffset;
    return nodeSpan(n, this.spans)[0];
  }

  /** A `call` or `kind` node as a CallExpr (`parens` false for a bare name). */
  call(n: CstNode): CallExpr | undefined {
    const callee = this.ident(this.tok(n, 'callee'));
    if (!callee) return undefined;
    const parens = this.tok(n, 'LParen') !== undefined;
    const argsNode = this.node(n, 'args');
    return { kind: 'Call', callee, args: argsNode ? this.args(argsNode) : [], parens, range: this.range(n) };
  }

  args(n: CstNode): Arg[] {
    const out: Arg[] = [];
    for (const a of this.nodes(n, 'arg')) {
      const exprNode = this.node(a, 'expr');
      const value = exprNode && this.expr(exprNode);
      if (!value) continue;
      const keyTok = a.children.key?.[0] as IToken | undefined;
      if (keyTok !== undefined && !isReal(keyTok)) continue;
      const key = this.ident(keyTok);
      out.push(key ? { key, value, range: this.range(a) } : { value, range: this.range(a) });
    }
    return out;
  }

  expr(n: CstNode): Expr | undefined {
    const num = this.tok(n, 'Number');
    const minus = n.children.Minus?.[0] as IToken | undefined;
    if (minus !== undefined) {
      if (!isReal(minus) || !num) return undefined;
      return { kind: 'Number', value: -Number(num.image), text: '-' + num.image, range: this.rangeOf(minus, num) } satisfies NumberLit;
    }
    if (num) return this.number(num);
    const str = this.tok(n, 'String');
    if (str) return this.string(str);
    const list = this.node(n, 'list');
    if (list) return this.list(list);
    const call = this.node(n, 'call');
    if (call) {
      const c = this.call(call);
      if (!c) return undefined;
      return c.parens ? c : ({ kind: 'Name', name: c.callee.name, range: c.range } satisfies NameExpr);
    }
    return undefined;
  }

  number(t: IToken): NumberLit {
    return { kind: 'Number', value: Number(t.image), text: t.image, range: this.range(t) };
  }

  string(t: IToken): StringLit {
    return { kind: 'String', value: decodeString(t.image).value, range: this.range(t) };
  }

  list(n: CstNode): ListExpr {
    const items: Expr[] = [];
    for (const e of this.nodes(n, 'expr')) {
      const item = this.expr(e);
      if (item) items.push(item);
    }
    return { kind: 'List', items, range: this.range(n) };
  }

  // ------------------------------------------------------------------ shapes and columns

  shape(n: CstNode): ShapeLit | undefined {
    const dims: DimExpr[] = [];
    const list = this.node(n, 'dims');
    for (const t of list?.children.dim ?? []) {
      if (!isToken(t) || !isReal(t)) continue;
      if (t.tokenType === NumberLiteral) dims.push({ kind: 'DimNumber', value: Number(t.image), range: this.range(t) });
      else if (t.image === '_') dims.push({ kind: 'DimWildcard', range: this.range(t) });
      else dims.push({ kind: 'DimName', name: t.image, range: this.range(t) });
    }
    return dims.length ? { kind: 'Shape', dims, range: this.range(n) } : undefined;
  }

  columns(n: CstNode): ColumnRef | undefined {
    const dataset = this.ident(this.tok(n, 'dataset'));
    if (!dataset) return undefined;
    const columns: ColumnName[] = [];
    for (const t of n.children.column ?? []) {
      if (!isToken(t) || !isReal(t)) continue;
      if (t.tokenType === StringLiteral || t.tokenType === UnterminatedString) {
        columns.push({ name: decodeString(t.image).value, quoted: true, range: this.range(t) });
      } else columns.push({ name: t.image, quoted: false, range: this.range(t) });
    }
    if (!columns.length) return undefined;
    return { kind: 'Columns', dataset, columns, bracketed: this.tok(n, 'LBracket') !== undefined, range: this.range(n) };
  }
}

/**
 * Build the AST from the parsed segments of a file (see `parseSegments`), consuming them one at a
 * time. Returns the declarations that could be represented, in source order, the top-level strays, and
 * the first parser error of each declaration, for the caller to report.
 */
export function cstToAst(segments: Iterable<Segment>, lines: LineMap): AstBuild {
  const b = new Builder(lines);
  const decls: Decl[] = [];
  const strays: Stray[] = [];
  const errors: IRecognitionException[] = [];
  for (const s of segments) {
    if (s.kind === 'stray') {
      strays.push({ first: s.first, last: s.last, afterDecl: false });
      continue;
    }
    b.exact = s.errors.length > 0 || s.recovered;
    const d = s.cst && b.decl(s.cst);
    if (d) decls.push(d);
    // One diagnostic per declaration: after its first error the parser's recovery may misread the
    // rest (a cascade), so only the first error of each declaration is kept.
    if (s.errors.length) errors.push(s.errors[0]);
    // tokens left after a declaration that needed an error repair are most likely a result of that
    // repair (one mistake, one diagnostic); report them only after a clean declaration
    else if (s.leftover) strays.push({ ...s.leftover, afterDecl: true });
  }
  return { decls, strays, errors };
}
