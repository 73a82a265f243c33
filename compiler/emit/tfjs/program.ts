/**
 * The tfjs backend's code printer: readable, prettier-formatted TypeScript that builds each model from
 * tf.layers (and mmf's runtime layers), and a training program that loads the data the file names.
 *
 * Safety: nothing from the .mmf source becomes code except identifiers the lexer has already restricted to
 * [A-Za-z_][A-Za-z0-9_]*; every string (paths, column and class names) is printed through JSON.stringify,
 * and comments that quote the source are single-line `//` comments with line breaks removed.
 */
import { format } from 'prettier';
import type { IRModel, IRNode } from '../../ir.ts';
import { formatType } from '../../shape.ts';
import { tfjsLayer, type TfjsLayerDesc } from './layers.ts';
import { trainingDiagnostics } from '../../trainable.ts';

export interface EmitTfjsOptions {
  /** The .mmf file's path as shown in headers (relative to the project is friendliest). */
  sourceName: string;
  /** The .mmf text, for quoting each declaration in comments. */
  sourceText: string;
  /** mmfc version for the header. */
  version: string;
}

export interface EmittedFile {
  /** Path relative to the output folder. */
  path: string;
  contents: string;
}

const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield let static ' +
    'implements interface package private protected public await async of tf mmf model inputs outputs undefined NaN Infinity'
  ).split(' '),
);

/** A JS identifier for an IR id (ids are already [A-Za-z0-9_]; this only dodges reserved words). */
export function jsName(id: string): string {
  return RESERVED.has(id) ? `${id}_` : id;
}

/** One source line quoted in a comment, with anything that could end the comment removed. */
function quote(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
}

function sourceOf(text: string, range: IRNode['range']): string {
  const lines = text.split(/\r?\n/);
  const { start, end } = range;
  if (start.line === end.line) return quote((lines[start.line] ?? '').slice(start.character, end.character));
  return quote([lines[start.line]?.slice(start.character), ...lines.slice(start.line + 1, end.line), lines[end.line]?.slice(0, end.character)].join(' '));
}

/** The builder function's name for a model: `buildSpamNet`. */
export function builderName(model: IRModel): string {
  return `build${model.name[0]!.toUpperCase()}${model.name.slice(1)}`;
}

/** The expression constructing a layer: `tf.layers.dense({...})`, and a wrapper's layer as its `layer` entry. */
function printCtor(d: TfjsLayerDesc): string {
  const ctor = d.factory.ns === 'tf' ? `tf.layers.${d.factory.name}` : `new mmf.${d.factory.name}`;
  if (!d.wrapped) return `${ctor}(${JSON.stringify(d.config)})`;
  const entries = Object.entries(d.config).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `${ctor}({ ${[...entries, `layer: ${printCtor(d.wrapped)}`].join(', ')} })`;
}

/** The variable holding a layer object applied more than once (`$` cannot occur in node ids or input names). */
const layerVar = (id: string) => `${id}$layer`;

/**
 * One node as TypeScript. A layer of a shared encoder definition applies its owner's layer object again (one set of
 * weights); an owner that others share is kept in a variable first (`owners`).
 */
function printLayer(node: IRNode, owners: ReadonlySet<string>): string {
  const args = node.inputs.map(jsName);
  const input = args.length === 1 ? args[0] : `[${args.join(', ')}]`;
  if (node.sharedWith) return `const ${jsName(node.id)} = ${layerVar(node.sharedWith)}.apply(${input}) as tf.SymbolicTensor; // shares ${node.sharedWith}'s weights`;
  const d = tfjsLayer(node);
  if (owners.has(node.id))
    return `const ${layerVar(node.id)} = ${printCtor(d)};\nconst ${jsName(node.id)} = ${layerVar(node.id)}.apply(${input}) as tf.SymbolicTensor;`;
  return `const ${jsName(node.id)} = ${printCtor(d)}.apply(${input}) as tf.SymbolicTensor;`;
}

/** TypeScript source of `build<Model>(): tf.LayersModel`. */
export function printModelBuilder(model: IRModel, opts: EmitTfjsOptions): string {
  const lines: string[] = [];
  const params = model.nodes.reduce((n, x) => n + x.params, 0);
  const heads = model.multitask?.heads ?? [model.head];
  lines.push('/**');
  lines.push(` * ${model.name} (${quote(opts.sourceName).replace(/\*\//g, "*\\/")}, line ${model.range.start.line + 1}): ${model.nodes.length} layers, ${params.toLocaleString('en-US')} parameters.`);
  for (const i of model.inputs) lines.push(` * input ${i.name}: ${formatType(i.out)}`);
  for (const head of heads)
    lines.push(
      ` * output ${head.label.name}: [batch, ${head.units}] ${head.label.kind === 'multilabel' ? `probability of each target (${quote(head.label.names.map((n) => JSON.stringify(n)).join(', ')).replace(/\*\//g, '*\\/')})` : head.activation === 'sigmoid' ? 'probability of the positive class' : head.activation === 'linear' ? 'predicted value' : 'class probabilities'}${model.multitask ? `, loss weight ${head.weight ?? 1}` : ''}`,
    );
  if (model.multitask)
    lines.push(` * Multi-task: the outputs are in this order; train on the total loss Σ weight_i · loss_i (model.compile({ loss: [...], lossWeights: [...] })).`);
  lines.push(' */');
  lines.push(`export function ${builderName(model)}(): tf.LayersModel {`);
  for (const i of model.inputs)
    lines.push(
      `const ${jsName(i.name)} = tf.input(${JSON.stringify({ name: i.name, shape: i.out.shape.slice(1), dtype: i.out.dtype })});`,
    );
  let lastDecl = '';
  const owners = new Set(model.nodes.flatMap((n) => (n.sharedWith ? [n.sharedWith] : [])));
  for (const n of model.nodes) {
    if (n.decl !== lastDecl) {
      lines.push('');
      const file = model.declFiles?.[n.decl];
      lines.push(`// ${file ? `${n.decl}: imported from ${quote(file.split(/[\\/]/).pop()!)}` : sourceOf(opts.sourceText, model.declRanges[n.decl] ?? n.range)}`);
      lastDecl = n.decl;
    }
    lines.push(printLayer(n, owners));
  }
  lines.push('');
  lines.push(
    `return tf.model({ name: ${JSON.stringify(model.name)}, inputs: [${model.inputs.map((i) => jsName(i.name)).join(', ')}], outputs: ${model.multitask ? `[${heads.map((h) => jsName(h.output)).join(', ')}]` : jsName(model.head.output)} });`,
  );
  lines.push('}');
  return lines.join('\n');
}

/** The data, training and head settings the runtime needs, as plain JSON. */
export function runtimeSpecs(model: IRModel) {
  const ds = model.dataset;
  // runtime/data/spec.ts DatasetSpec: the key becomes idColumn (sample keys for joins and predictions).
  const dsSpec = (p: NonNullable<IRModel['dataset']>) => ({
    name: p.name,
    source: p.source,
    split: p.split,
    ...(p.key !== undefined ? { idColumn: p.key } : {}),
    ...(p.missing !== undefined ? { missing: p.missing } : {}),
  });
  const data = ds
    ? {
        dataset: dsSpec(ds),
        ...(model.joins?.length ? { joins: model.joins.map(dsSpec) } : {}),
        inputs: model.inputs.map((i) => (i.dataset !== undefined ? { ...i.plan, dataset: i.dataset } : i.plan)),
        label: model.head.label,
      }
    : undefined;
  const { range: _r, ...train } = model.train;
  const head = {
    label: model.head.label.name,
    kind: model.head.label.kind,
    units: model.head.units,
    activation: model.head.activation,
    loss: model.head.loss,
    ...(model.head.label.kind === 'multiclass' && model.head.label.classes ? { classes: model.head.label.classes } : {}),
  };
  return { data, train, head };
}

const HEADER = (opts: EmitTfjsOptions) =>
  `// Generated by mmfc ${opts.version} from ${quote(opts.sourceName)}. Edit the .mmf file and rebuild instead of editing this file.\n`;

/**
 * Every file of the tfjs target for `models`: `<Model>.model.ts`, `<Model>.train.ts` (for models with a
 * dataset), and a package.json that makes the folder a runnable ES module package.
 */
export async function emitTfjs(models: IRModel[], opts: EmitTfjsOptions): Promise<EmittedFile[]> {
  const files: EmittedFile[] = [];
  for (const m of models) {
    const modelSrc = `${HEADER(opts)}import { layers as mmf, tf } from 'mmf/runtime';\n\n${printModelBuilder(m, opts)}\n`;
    files.push({ path: `${m.name}.model.ts`, contents: await pretty(modelSrc) });
    const { data, train, head } = runtimeSpecs(m);
    // The runtime's training loop has no regression head yet (compiler/trainable.ts, MMF4001): no train program.
    // Nor for inputs the data pipeline cannot read yet (audio, timeseries, signal, video: MMF4002).
    if (!data || m.head.label.kind === 'number' || trainingDiagnostics(m).length) continue;
    const trainSrc = `${HEADER(opts)}// Trains ${m.name}: npx tsx ${m.name}.train.ts [OUT_DIR] [--epochs N] [--max-rows N] [--resume]
// A checkpoint is written after every epoch (to OUT_DIR, or --checkpoint DIR); --resume continues from it.
import { initBackend, parseTrainArgs, runProgram, runTraining, type DataSpec, type HeadSpec, type TrainSpec } from 'mmf/runtime';
import { ${builderName(m)} } from './${m.name}.model.ts';

/** Where the samples come from and how each input is preprocessed (fitted on the training split only). */
const data: DataSpec = ${JSON.stringify(data)};

const train: TrainSpec = ${JSON.stringify(train)};

const head: HeadSpec = ${JSON.stringify(head)};

await runProgram(async () => {
  const args = parseTrainArgs(process.argv.slice(2));
  await initBackend();
  await runTraining({
    modelName: ${JSON.stringify(m.name)},
    build: ${builderName(m)},
    data,
    train: { ...train, epochs: args.epochs ?? train.epochs },
    head,
    baseDir: process.cwd(),
    outDir: args.outDir ?? ${JSON.stringify(`out/${m.name}`)},
    maxRows: args.maxRows,
    checkpoint: { dir: args.checkpoint ?? args.outDir ?? ${JSON.stringify(`out/${m.name}`)}, resume: args.resume, keep: args.keepCheckpoint },
  });
});
`;
    files.push({ path: `${m.name}.train.ts`, contents: await pretty(trainSrc) });
  }
  files.push({
    path: 'package.json',
    contents:
      JSON.stringify(
        { name: 'mmf-generated', private: true, type: 'module', dependencies: { mmf: `^${opts.version}` } },
        null,
        2,
      ) + '\n',
  });
  return files;
}

async function pretty(src: string): Promise<string> {
  return format(src, { parser: 'typescript', singleQuote: true, printWidth: 110 });
}
