/**
 * The checker: from an AST to diagnostics and a typed IR. Never throws for bad input; every problem is a
 * Diagnostic value, and as much of a half-written file is checked as can be.
 */
import { dirname, resolve as resolvePath } from 'node:path';
import type { Decl, Program } from '../grammar/ast.ts';
import type { Diagnostic } from '../grammar/diagnostic.ts';
import { diagnostic } from '../grammar/diagnostic.ts';
import { checkColumnsExist, checkDataset, checkInput, checkLabel, resolveSourcePaths } from './data-decls.ts';
import { columnsOf, readHeadFromDisk, type ReadHead } from './data-columns.ts';
import { GraphBuilder, type Head, type StepType } from './graph.ts';
import { checkDefinitions, isDefinitionDecl } from './definitions.ts';
import { CheckCache } from './check-cache.ts';
import { checkEnsembles, type IREnsemble } from './ensemble.ts';
import { parse } from '../grammar/index.ts';
import type { DatasetPlan, IRInput, IRModel, LabelPlan, TrainPlan } from './ir.ts';
import { checkInputAnnotation } from './modalities.ts';
import { loadImports, readSourceFromDisk, type ImportedDecls, type ReadSource } from './imports.ts';
import { SymbolTable } from './symbols.ts';
import { checkTrain, DEFAULT_TRAIN } from './train-decl.ts';

export interface CheckOptions {
  /** Path of the .mmf file; data paths are relative to its folder. */
  fileName?: string;
  /** How to read the head of a data file (the language server may serve unsaved or cached content). */
  readHead?: ReadHead;
  /** Skip checking column names against data files. */
  skipDataFiles?: boolean;
  /** How to read an imported .mmf file by absolute path (the language server passes unsaved buffers). */
  readFile?: ReadSource;
  /**
   * Results kept from earlier checks of the same document, reused for declarations that did not change
   * (compiler/check-cache.ts; the language server passes one per document). The result is the same without it.
   */
  cache?: CheckCache;
  /** Absolute paths of the files importing this one, outermost first (for import cycles; internal). */
  importStack?: string[];
}

export interface CheckResult {
  diagnostics: Diagnostic[];
  /** Models that checked without errors, ready for the emitters. */
  models: IRModel[];
  symbols: SymbolTable;
  /** The type after every pipeline step, for hovers and inlay hints. */
  stepTypes: StepType[];
  /** Every dataset plan by name (paths resolved against the .mmf file's folder). */
  datasets: Map<string, DatasetPlan>;
  /** Declarations made visible by `import` (compiler/imports.ts), with the file each is written in. */
  imported: ImportedDecls;
  /** Ensembles of this file that checked without errors (compiler/ensemble.ts). */
  ensembles: IREnsemble[];
}

/** Check a parsed program. */
export function checkProgram(program: Program, opts: CheckOptions = {}): CheckResult {
  const diags: Diagnostic[] = [];
  const readFile = opts.readFile ?? readSourceFromDisk;
  // Imported files are checked on their own; their declarations join this file's names (compiler/imports.ts).
  const imported = loadImports(program, opts.fileName, opts.importStack ?? [], readFile, (p, abs, stack) => {
    const r = checkProgram(p, { ...opts, fileName: abs, importStack: stack });
    return { diagnostics: r.diagnostics, imported: r.imported };
  }, diags, opts.cache?.parseImported);
  if (imported.decls.length) program = { ...program, decls: [...imported.decls, ...program.decls] };
  /** Imported declarations: already checked in their file, so their own diagnostics are dropped here. */
  const foreign = (d: Decl) => imported.fileOf.has(d);
  const symbols = SymbolTable.build(program, diags);
  const baseDir = opts.fileName ? dirname(resolvePath(opts.fileName)) : process.cwd();
  const dirOf = (d: Decl) => (foreign(d) ? dirname(imported.fileOf.get(d)!) : baseDir);
  const datasetDirs = new Map<string, string>();
  const readHead = opts.readHead ?? readHeadFromDisk;

  const datasets = new Map<string, DatasetPlan>();
  const inputs = new Map<string, IRInput & { dataset?: string }>();
  const labels = new Map<string, LabelPlan & { dataset?: string }>();
  const trains = new Map<string, TrainPlan>();
  const columns = new Map<string, string[] | undefined>();
  // Each declaration's check runs in a region the cache can reuse (compiler/check-cache.ts). A region reads the
  // symbol, input, label and dataset tables only through its argument `t` (so its lookups are recorded); anything
  // else it reads must follow from its declaration alone.
  const session = CheckCache.session(opts.cache, opts.fileName ?? '', { symbols, inputs, labels, datasets }, (d) => foreign(d as Decl));
  const sink = (d: Decl) => (foreign(d) ? [] : diags);
  const slot = (d: Decl, what: string) => (foreign(d) ? `${what} (imported)` : what);

  for (const d of program.decls) {
    if (d.kind === 'Dataset' && symbols.byName.get(d.name.name)?.decl === d) {
      const out = sink(d);
      const plan = session.memo(d, slot(d, 'dataset'), { diags: out }, () => checkDataset(d, out));
      if (!plan) continue;
      datasets.set(d.name.name, plan);
      datasetDirs.set(d.name.name, dirOf(d));
      if (!opts.skipDataFiles && !foreign(d)) {
        const abs = resolvePath(baseDir, plan.source.path);
        const cols = columnsOf(plan.source.format, abs, readHead, 'delimiter' in plan.source ? plan.source.delimiter : undefined);
        columns.set(d.name.name, cols);
        if (!cols && readHead(abs, 1) === undefined)
          diags.push(
            diagnostic(
              'MMF1009',
              'warning',
              `Data file ${plan.source.path} was not found (looked in ${abs}); column names are not checked`,
              d.source.range,
              'Create the file (for the examples, run their prepare script) or fix the path; it is relative to the .mmf file.',
            ),
          );
        if (cols && plan.split.kind === 'column' && !cols.includes(plan.split.column))
          diags.push(
            diagnostic('MMF1008', 'error', `Split column '${plan.split.column}' is not in ${plan.source.path}`, d.range, `Its columns are: ${cols.slice(0, 20).join(', ')}.`),
          );
        if (cols && plan.key !== undefined && !cols.includes(plan.key))
          diags.push(
            diagnostic('MMF1008', 'error', `Key column '${plan.key}' is not in ${plan.source.path}`, d.range, `Its columns are: ${cols.slice(0, 20).join(', ')}.`),
          );
      }
    }
  }
  const fileOf = (ds: string | undefined) => (ds ? datasets.get(ds)?.source.path ?? ds : '');
  for (const d of program.decls) {
    if (d.kind === 'Input' && symbols.byName.get(d.name.name)?.decl === d) {
      const out = sink(d);
      const inp = session.memo(d, slot(d, 'input'), { diags: out }, (t) => checkInput(d, t.symbols, out));
      if (inp) inputs.set(inp.name, inp);
      if (inp && d.annotation && !foreign(d)) checkInputAnnotation(inp.name, inp.out, d.annotation, diags);
      if (!foreign(d) && columns.has(d.source.dataset.name)) checkColumnsExist(d.source, columns.get(d.source.dataset.name), fileOf(d.source.dataset.name), diags);
    } else if (d.kind === 'Label' && symbols.byName.get(d.name.name)?.decl === d) {
      const out = sink(d);
      const l = session.memo(d, slot(d, 'label'), { diags: out }, (t) => checkLabel(d, t.symbols, out));
      if (l) labels.set(l.name, l);
      if (!foreign(d) && columns.has(d.source.dataset.name)) checkColumnsExist(d.source, columns.get(d.source.dataset.name), fileOf(d.source.dataset.name), diags);
    } else if (d.kind === 'Train') {
      const sym = symbols.resolve(d.model.name, d.model.range, ['model'], 'the target of train', diags);
      const plan = session.memo(d, 'train', { diags }, () => checkTrain(d, diags));
      if (!sym) continue;
      if (trains.has(sym.name)) {
        diags.push(diagnostic('MMF1002', 'error', `model ${sym.name} already has a train block`, d.model.range, 'Merge the two train blocks.'));
        continue;
      }
      trains.set(sym.name, plan);
    }
  }

  const stepTypes: StepType[] = [];
  const env = { symbols, inputs, labels, diags, stepTypes };
  const models: IRModel[] = [];
  const compiled = new Set<string>();

  // Encoder definitions: their parameters, names and recursion, once each (shapes are checked where applied).
  checkDefinitions(program, symbols, diags, (d) => foreign(d));
  // Encoders and fusions alone first: their diagnostics and hover types, once each, in source order.
  for (const d of program.decls) {
    if ((d.kind === 'Encoder' || d.kind === 'Fusion') && !isDefinitionDecl(d) && !foreign(d) && symbols.byName.get(d.name.name)?.decl === d) {
      session.memo(d, 'graph', { diags, stepTypes }, (t) => {
        const g = new GraphBuilder({ ...env, ...t }, (decl) => decl === d.name.name); // each declaration records its own steps once
        g.ref(t.symbols.byName.get(d.name.name)!, d.name.range);
      });
      compiled.add(d.name.name);
    }
  }
  for (const d of program.decls) {
    // Imported models are visible names, built from their own file.
    if (d.kind !== 'Model' || foreign(d) || symbols.byName.get(d.name.name)?.decl !== d) continue;
    const built = session.memo(d, 'model', { diags, stepTypes }, (t) => {
      const before = diags.length;
      // Encoder types are already recorded; record only the model's own steps.
      const modelDiags: Diagnostic[] = [];
      const own = new GraphBuilder({ ...env, ...t, diags: modelDiags }, (decl) => decl === d.name.name);
      own.reserveWhere((n) => t.inputs.has(n));
      own.reserve(d.name.name);
      const out = own.pipeline(d.name.name, d.pipeline, 'model');
      diags.push(...modelDiags);
      // Warnings (a missing data file, say) do not stop a model from being built; errors do.
      if (!out || !own.head || modelDiags.some((x) => x.severity === 'error')) return undefined;
      const ds = consistentDataset(d.name.name, own.usedInputs, own.labelsUsed, d.range, diags, t.datasets);
      if (diags.slice(before).some((x) => x.severity === 'error')) return undefined;
      // What the IR needs of the builder, as plain data: a model that only moved keeps it, moved (check-cache.ts).
      // (the label's own range is not part of the IR: stripDataset drops it)
      const heads = own.heads.map((h) => ({ ...h, label: stripDataset(h.label), output: { id: h.output.id } }));
      return { own: { usedInputs: own.usedInputs, nodes: own.nodes, heads, head: heads[0]!, multitask: own.multitask }, ds };
    });
    if (!built) continue;
    const { own, ds } = built;
    const dsPlan = ds ? datasets.get(ds) : undefined;
    // Inputs read from other datasets than the label's are joined to it by sample key (MMF1012 checked the keys).
    const joined = [...new Set(own.usedInputs.map((i) => i.dataset).filter((x): x is string => x !== undefined && x !== ds))];
    const located = (name: string) => {
      const p = datasets.get(name)!;
      return { ...p, source: resolveSourcePaths(p.source, (q) => resolvePath(datasetDirs.get(name) ?? baseDir, q)) };
    };
    models.push({
      name: d.name.name,
      inputs: own.usedInputs.map(({ dataset: dsName, ...rest }) => (joined.length && dsName ? { ...rest, dataset: dsName } : rest)),
      ...(joined.length ? { joins: joined.map(located) } : {}),
      nodes: own.nodes,
      head: irHead(own.head),
      ...(own.multitask && own.heads.length > 1
        ? { multitask: { heads: own.heads.map((h, i) => ({ ...irHead(h), weight: own.multitask!.weights[i] ?? 1 })), range: own.multitask.range } }
        : {}),
      ...(dsPlan ? { dataset: located(ds!) } : {}),
      train: trains.get(d.name.name) ?? { ...DEFAULT_TRAIN },
      range: d.range,
      declRanges: Object.fromEntries(
        [...new Set(own.nodes.map((n) => n.decl))].flatMap((name) => {
          const sym = symbols.byName.get(name);
          return sym ? [[name, sym.decl.range]] : [];
        }),
      ),
      ...declFilesOf(own.nodes.map((n) => n.decl)),
    });
  }
  for (const [name, plan] of trains) {
    if (plan.classWeights) {
      const m = models.find((x) => x.name === name);
      if (m?.head.label.kind === 'number' && plan.range)
        diags.push(
          diagnostic('MMF3001', 'error', `class_weights apply to classifiers, but ${name} predicts the number ${m.head.label.name}`, plan.range, 'Remove class_weights.'),
        );
      const n = m ? (m.head.label.kind === 'binary' ? 2 : m.head.label.kind === 'multiclass' ? m.head.label.numClasses : undefined) : undefined;
      if (n !== undefined && plan.classWeights.length !== n && plan.range)
        diags.push(
          diagnostic(
            'MMF3001',
            'error',
            `class_weights has ${plan.classWeights.length} values, but ${m!.head.label.name} has ${n} classes`,
            plan.range,
            `Give one weight per class (${n}).`,
          ),
        );
    }
  }
  // Ensembles: members are this file's models or imported ones (checked again in their own file for their IR).
  const importedModels = new Map<string, IRModel[]>();
  const ensembles = checkEnsembles(program, {
    symbols,
    models,
    trains,
    inputs,
    fileOf: (decl) => imported.fileOf.get(decl as Decl),
    modelsOf: (abs) => {
      let ms = importedModels.get(abs);
      if (!ms) {
        const text = readFile(abs);
        const here = opts.fileName ? [resolvePath(opts.fileName)] : [];
        ms = text === undefined ? [] : checkProgram(parse(text).program, { ...opts, fileName: abs, importStack: [...(opts.importStack ?? []), ...here] }).models;
        importedModels.set(abs, ms);
      }
      return ms;
    },
    diags,
  });
  return { diagnostics: dedupe(diags), models, symbols, stepTypes, datasets, imported, ensembles };

  /** `declFiles` for the declarations of a model that come from imported files (their ranges are in those files). */
  function declFilesOf(names: string[]): { declFiles?: Record<string, string> } {
    const files = [...new Set(names)].flatMap((n) => {
      const decl = symbols.byName.get(n)?.decl;
      return decl && foreign(decl) ? [[n, imported.fileOf.get(decl)!] as const] : [];
    });
    return files.length ? { declFiles: Object.fromEntries(files) } : {};
  }
}

/** The IR head of a head the graph builder recorded; the loss follows from the output activation. */
function irHead(h: Omit<Head, 'output'> & { output: Pick<Head['output'], 'id'> }): IRModel['head'] {
  return {
    label: stripDataset(h.label),
    output: h.output.id,
    units: h.units,
    activation: h.activation,
    loss: h.activation === 'sigmoid' ? 'binaryCrossentropy' : h.activation === 'linear' ? 'meanSquaredError' : 'categoricalCrossentropy',
    range: h.range,
  };
}

function stripDataset(l: LabelPlan & { dataset?: string; range?: unknown }): LabelPlan {
  const { dataset: _d, range: _r, ...rest } = l;
  return rest as LabelPlan;
}

/**
 * The dataset a model's label comes from (its split is the model's). Inputs may read other datasets only when every
 * dataset involved declares a sample `key`: rows are then joined by key (runtime/data loadData), never by order.
 * MMF1012 names the datasets without a key.
 */
function consistentDataset(
  model: string,
  inputs: { name: string; dataset?: string }[],
  labels: { name: string; dataset?: string }[],
  range: IRModel['range'],
  diags: Diagnostic[],
  plans: Map<string, DatasetPlan>,
): string | undefined {
  const all = [...inputs, ...labels].filter((x) => x.dataset);
  const ds = new Set(all.map((x) => x.dataset!));
  const main = labels.find((l) => l.dataset)?.dataset ?? [...ds][0];
  if (ds.size > 1) {
    const keyless = [...ds].filter((n) => plans.get(n) && plans.get(n)!.key === undefined);
    if (keyless.length === 0 && labels.every((l) => !l.dataset || l.dataset === main)) return main;
    diags.push(
      diagnostic(
        'MMF1012',
        'error',
        `model ${model} mixes datasets (${all.map((x) => `${x.name} from ${x.dataset}`).join(', ')}) ${keyless.length ? `but ${keyless.join(', ')} declare${keyless.length === 1 ? 's' : ''} no sample key to join them by` : 'with labels from two datasets'}`,
        range,
        keyless.length
          ? `Add key COLUMN to dataset${keyless.length === 1 ? '' : 's'} ${keyless.join(', ')} (e.g. dataset ${keyless[0]} from csv("...") { key id }): samples are joined by key, never by row order.`
          : 'Read the label from one dataset.',
      ),
    );
    return undefined;
  }
  return main;
}

/** Drop exact repeats (the same problem found through two models). */
function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of diags) {
    const k = `${d.code}|${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}|${d.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(d);
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
