/** Words for hovers and completion details: layers with their parameters, declarations with their types. */
import type { ParamSpec, ParamType, Value } from '../../compiler/args.ts';
import type { LayerDef } from '../../compiler/layers/index.ts';
import type { CallExpr, Expr } from '../../grammar/ast.ts';

/** `int`, `relu | tanh | …`, `[int]`. */
export function typeName(t: ParamType): string {
  switch (t.t) {
    case 'enum':
      return t.values.length > 6 ? `${t.values.slice(0, 6).join(' | ')} | …` : t.values.join(' | ');
    case 'ref':
      return 'name';
    case 'int-list':
      return '[int]';
    case 'number-list':
      return '[number]';
    case 'string-list':
      return '[string]';
    case 'int-or-list':
      return 'int | [int]';
    default:
      return t.t;
  }
}

/** A default value as mmf source. */
export function valueText(v: Value): string {
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? JSON.stringify(x) : String(x))).join(', ')}]`;
  return typeof v === 'string' && !/^[A-Za-z_]\w*$/.test(v) ? JSON.stringify(v) : String(v);
}

/** One parameter as a markdown list item: name, type, default or required, doc. */
export function paramLine(p: ParamSpec): string {
  const bits = [typeName(p.type)];
  if (p.required) bits.push('required');
  else if (p.default !== undefined) bits.push(`default ${valueText(p.default)}`);
  if (p.positional) bits.push('positional');
  const aliases = p.aliases?.length ? ` (alias ${p.aliases.map((a) => `\`${a}\``).join(', ')})` : '';
  return `- \`${p.name}\`${aliases}: ${bits.join(', ')} — ${p.doc}`;
}

/** The markdown documentation of a layer, operator or head: doc, shape rule, parameters. */
export function layerDoc(l: LayerDef): string {
  const parts = [l.doc, `**Shape:** \`${l.rule}\``];
  if (l.aliases?.length) parts.push(`Also written ${l.aliases.map((a) => `\`${a}\``).join(', ')}.`);
  if (l.params.length) parts.push(`**Parameters**\n${l.params.map(paramLine).join('\n')}`);
  return parts.join('\n\n');
}

/** The source text of an expression, compactly (`[64, 32]`, `relu`, `adam(lr 0.001)`). */
export function exprText(e: Expr): string {
  switch (e.kind) {
    case 'Number':
      return e.text;
    case 'String':
      return JSON.stringify(e.value);
    case 'Name':
      return e.name;
    case 'List':
      return `[${e.items.map(exprText).join(', ')}]`;
    case 'Call':
      return callText(e);
  }
}

/** A call as mmf source: `conv1d(64, 5, activation relu)`. */
export function callText(c: CallExpr): string {
  if (!c.parens) return c.callee.name;
  return `${c.callee.name}(${c.args.map((a) => (a.key ? `${a.key.name} ${exprText(a.value)}` : exprText(a.value))).join(', ')})`;
}

/** The snippet a completion inserts for a layer: its required positional parameters as tab stops. */
export function layerSnippet(l: LayerDef): string {
  const required = l.params.filter((p) => p.required);
  if (!required.length) return l.params.length ? `${l.name}($0)` : l.name;
  const parts = required.map((p, i) => (p.positional ? `\${${i + 1}:${p.name}}` : `${p.name} \${${i + 1}:${p.name}}`));
  return `${l.name}(${parts.join(', ')})`;
}
