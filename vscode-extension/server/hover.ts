/**
 * Hover: on a declared name, its kind, type (shape and dtype), parameter count and where it is defined; on a
 * layer, operator or head, its doc, shape rule and the type it produces here; on an argument key, the
 * parameter's doc; on a column, the dataset file it comes from; on an input or label kind, a data source, an
 * optimizer or a block setting, its doc and parameters.
 */
import { MarkupKind, type Hover } from 'vscode-languageserver/node.js';
import { checkInput, checkLabel } from '../../compiler/data-decls.ts';
import { formatType, type StepType } from '../../compiler/index.ts';
import { SymbolTable, type SymbolInfo } from '../../compiler/symbols.ts';
import type { Position } from '../../grammar/diagnostic.ts';
import type { Analysis } from './analysis.ts';
import { callText, layerDoc, paramLine } from './describe.ts';
import { isDefinitionDecl } from '../../compiler/definitions.ts';
import { INPUT_KINDS, LABEL_KINDS, OPTIMIZERS, SETTINGS, SOURCES, type CallInfo } from './builtins.ts';
import type { CallSite } from './source-index.ts';
import { humanCount, thousands } from './util.ts';

const fence = (s: string) => '```mmf\n' + s + '\n```';

/** The hover at `p`, or null when there is nothing to say. */
export function hover(a: Analysis, p: Position): Hover | null {
  const ix = a.index;
  const occ = ix.symbolAt(p);
  if (occ) return md(symbolHover(a, occ.symbol, occ.isDecl), occ.range);
  const key = ix.argKeyAt(p);
  if (key) {
    const params = key.site.layer?.params ?? builtinFor(key.site)?.params ?? [];
    const param = params.find((q) => q.name === key.arg.key!.name || q.aliases?.includes(key.arg.key!.name));
    if (param) return md(`${fence(`${key.site.call.callee.name}(… ${key.arg.key!.name} …)`)}\n${paramLine(param)}`, key.arg.key!.range);
  }
  const call = ix.calleeAt(p);
  if (call?.layer) return md(layerHover(a, call), call.call.callee.range);
  const builtin = call && builtinFor(call);
  if (call && builtin) return md([fence(callText(call.call)), builtin.doc, ...(builtin.params.length ? [`**Parameters**\n${builtin.params.map(paramLine).join('\n')}`] : [])].join('\n\n'), call.call.callee.range);
  const setting = ix.settingKeyAt(p);
  const info = setting && SETTINGS[setting.decl.kind]?.[setting.setting.key.name];
  if (setting && info) return md([fence(setting.setting.key.name), info.doc, ...(info.params.length ? [`**Parameters**\n${info.params.map(paramLine).join('\n')}`] : [])].join('\n\n'), setting.setting.key.range);
  const col = ix.columnAt(p);
  if (col) {
    const plan = a.result.datasets.get(col.ref.dataset.name);
    const where = plan ? ` of \`${plan.source.path}\`` : '';
    return md(`${fence(`column ${col.column.quoted ? JSON.stringify(col.column.name) : col.column.name}`)}\nColumn${where}, read through dataset \`${col.ref.dataset.name}\`.`, col.column.range);
  }
  return null;
}

function md(value: string, range: Hover['range']): Hover {
  return { contents: { kind: MarkupKind.Markdown, value }, ...(range ? { range } : {}) };
}

function line(s: SymbolInfo): number {
  return s.range.start.line + 1;
}

/** Markdown for a declared name. */
export function symbolHover(a: Analysis, s: SymbolInfo, atDecl: boolean): string {
  const ix = a.index;
  const where = atDecl ? `Declared here, line ${line(s)}.` : a.importedFrom(s.decl) ? `Defined in ${a.whereDeclared(s)} (imported).` : `Defined on line ${line(s)}.`;
  const d = s.decl;
  switch (d.kind) {
    case 'Dataset': {
      const plan = a.result.datasets.get(s.name);
      const lines = [fence(`dataset ${s.name} from ${callText(d.source)}`)];
      if (plan) {
        const cols = a.columns(s.name);
        lines.push(`Reads \`${a.datasetPath(plan)}\` (${plan.source.format}).`);
        lines.push(
          plan.split.kind === 'column'
            ? `Split by column \`${plan.split.column}\`.`
            : `Random split: train ${plan.split.train}, val ${plan.split.val}, test ${plan.split.test}, seed ${plan.split.seed}.`,
        );
        if (cols) lines.push(`Columns (${cols.length}): ${cols.slice(0, 30).map((c) => `\`${c}\``).join(', ')}${cols.length > 30 ? ', …' : ''}`);
        else lines.push('The file cannot be read: column names are not checked.');
      }
      lines.push(where);
      return lines.join('\n\n');
    }
    case 'Input': {
      const type = inputType(a, s);
      const header = `input ${s.name}: ${type ? formatType(type) : '(unknown type)'}`;
      const src = `${d.source.dataset.name}${d.source.bracketed ? `[${d.source.columns.map((c) => c.name).join(', ')}]` : `.${d.source.columns[0]?.name ?? ''}`}`;
      const lines = [fence(header), `Input, \`${callText(d.type)}\` from \`${src}\`. No parameters.`];
      if (type?.maxId !== undefined) lines.push(`Token ids in [0, ${type.maxId}).`);
      lines.push(where);
      return lines.join('\n\n');
    }
    case 'Label': {
      const plan = checkLabel(d, SymbolTable.build(a.result.program, []), []);
      let what = `Label, \`${callText(d.type)}\`.`;
      if (plan?.kind === 'binary') what += ' A classifier on it outputs `[batch, 1]`: the probability of the positive class (sigmoid).';
      else if (plan?.kind === 'multiclass') what += ` A classifier on it outputs \`[batch, ${plan.numClasses}]\`: a softmax over ${plan.numClasses} classes.`;
      else if (plan?.kind === 'multilabel')
        what += ` A classifier on it outputs \`[batch, ${plan.names.length}]\`: ${plan.names.length} independent probabilities (sigmoid), one per target.`;
      return [fence(`label ${s.name}: ${callText(d.type)}`), what, where].join('\n\n');
    }
    case 'Encoder':
    case 'Fusion':
    case 'Model': {
      if (isDefinitionDecl(d)) {
        // a definition has no value of its own: show its signature and where it is applied (compiler/definitions.ts)
        const uses = a.result.stepTypes.filter((x) => x.label === s.name && x.decl !== s.name);
        const lines = [fence(`encoder ${s.name}(${d.params.map((p) => p.name).join(', ')}) = ${d.pipeline.steps.map((x) => (x.kind === 'Call' ? callText(x) : '[…]')).join(' -> ')}`)];
        lines.push(`Encoder definition: applied like a layer, \`X -> ${s.name}(…)\`; each application has its own weights unless it says \`shared ENCODER\`.`);
        if (uses.length)
          lines.push(uses.map((u) => `- line ${u.range.start.line + 1}, in \`${u.decl}\`: \`${formatType(u.type)}\`, ${thousands(u.params)} parameters`).join('\n'));
        lines.push(where);
        return lines.join('\n\n');
      }
      const out = ix.outputOf(s.name);
      const model = d.kind === 'Model' ? a.result.models.find((m) => m.name === s.name) : undefined;
      const total = model ? model.nodes.reduce((n, x) => n + x.params, 0) : ix.totalParams(s.name);
      const own = ix.ownParams(s.name);
      const header = `${s.kind} ${s.name}: ${out ? formatType(out.type.type) : '(type unknown)'}`;
      const lines = [fence(header)];
      const steps = ix.stepTypesOf(s.name);
      if (steps.length || !a.importedFrom(d)) {
        const ps = [`**${thousands(total)}** parameters${total !== own && s.kind !== 'model' ? ` (${thousands(own)} in its own layers)` : ''}`];
        const flops = ix.ownFlops(s.name);
        if (flops) ps.push(`${humanCount(flops)}FLOPs per sample in its own layers`);
        lines.push(ps.join(' · '));
      } else lines.push('Parameters and steps: see its file.');
      if (out && !out.complete) lines.push('_Checking stopped at an error: the type shown is the last one known._');
      if (steps.length) lines.push(stepTable(steps));
      if (model) lines.push(`Trains ${model.train.epochs} epochs, batch ${model.train.batchSize}, ${model.train.optimizer.name}(lr ${model.train.optimizer.lr}).`);
      lines.push(where);
      return lines.join('\n\n');
    }
    case 'Ensemble': {
      const e = a.result.ensembles?.find((x) => x.name === s.name);
      const lines = [fence(`ensemble ${s.name} = ${callText(d.spec)}`)];
      if (e) lines.push(`Ensemble (${e.kind}) of ${e.members.map((m) => `\`${m}\``).join(', ')}, predicting \`${e.label}\` (classes ${e.classes.length ? e.classes.map((c) => `\`${c}\``).join(', ') : 'from the data'}).`);
      lines.push(where);
      return lines.join('\n\n');
    }
  }
}

function stepTable(steps: StepType[]): string {
  const rows = steps.map((s) => `| ${s.label === 'annotation' ? '(annotation)' : `\`${s.label}\``} | \`${formatType(s.type)}\` | ${s.params ? thousands(s.params) : ''} |`);
  return ['| step | output | parameters |', '|---|---|---|', ...rows].join('\n');
}

/** The type of an input: as recorded where a pipeline uses it, else by checking its declaration alone. */
function inputType(a: Analysis, s: SymbolInfo) {
  for (const t of a.result.stepTypes) if (t.label === s.name) return t.type;
  if (s.decl.kind !== 'Input') return undefined;
  return checkInput(s.decl, SymbolTable.build(a.result.program, []), [])?.out;
}

/** Markdown for a layer, operator or head call: doc, rule, the types in and out here. */
export function layerHover(a: Analysis, site: CallSite): string {
  const l = site.layer!;
  const ix = a.index;
  const decl = site.decl.kind === 'Encoder' || site.decl.kind === 'Fusion' || site.decl.kind === 'Model' ? site.decl.name.name : '';
  const here = decl ? ix.stepType(decl, site.call.range) : undefined;
  const lines = [fence(`${l.role === 'layer' ? 'layer' : l.role === 'fusion' ? 'fusion operator' : 'head'} ${l.name}${here ? ` → ${formatType(here.type)}` : ''}`)];
  if (here) {
    const steps = ix.stepTypesOf(decl);
    const i = steps.indexOf(here);
    const input = l.role === 'fusion' ? undefined : steps[i - 1];
    const bits = [input ? `\`${formatType(input.type)}\` → \`${formatType(here.type)}\`` : `→ \`${formatType(here.type)}\``];
    bits.push(`${thousands(here.params)} parameters`);
    if (here.flops) bits.push(`${humanCount(here.flops)}FLOPs per sample`);
    lines.push(`**Here:** ${bits.join(' · ')}`);
  } else if (decl) {
    lines.push('_No type here: an earlier step has an error, or this one does._');
  }
  lines.push(layerDoc(l));
  return lines.join('\n\n');
}

/** What a call that is not a layer is: an input or label kind, a data source, an optimizer, a block setting. */
function builtinFor(site: CallSite): CallInfo | undefined {
  const name = site.call.callee.name;
  const own = <T>(table: Record<string, T>) => (Object.hasOwn(table, name) ? table[name] : undefined);
  if (site.role === 'kind') return site.decl.kind === 'Input' ? own(INPUT_KINDS) : own(LABEL_KINDS);
  if (site.role === 'source') return own(SOURCES);
  if (site.role === 'value' && site.decl.kind === 'Train') return own(OPTIMIZERS);
  return undefined;
}
