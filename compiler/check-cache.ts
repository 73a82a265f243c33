/**
 * Incremental checking: what the checker computed for a declaration is kept and reused while nothing it read
 * has changed, so re-checking a file after a one-line edit costs only the declarations that edit touches.
 *
 * The unit is one call of a checker function on one declaration (`checkInput` on an input, building a model's
 * graph, ...), a *region*. A region is keyed by the declaration's AST object: the incremental parser
 * (grammar/incremental.ts) hands back the very same object for a declaration whose text and line did not
 * change, so identity means same text at the same place. While a region runs, every lookup it makes in the
 * symbol table and in the maps of checked inputs, labels and datasets is recorded (the name and what it found: the
 * declaration object, or the checked input object, which is itself reused). The region's effects are recorded
 * too: the diagnostics and step types it pushed and the references it noted in the symbol table. Next time,
 * when each recorded lookup finds the same thing, the region's result is returned and its effects are pushed
 * again, in the same order, instead of running it. A region that enumerates the symbol table (a did-you-mean
 * over every name) depends on the whole table: on every name and what it declares.
 *
 * The result is identical to a check without a cache (test/incremental-check.test.ts checks that after random
 * edit sequences). Without a cache, regions just run.
 *
 * A declaration that only moved (a line inserted above it) is a new object; its kept result is moved with it
 * when everything it read moved alike and no message it reported names a line (see CachedSession.reuseMoved).
 * The parser moves such a declaration in place (the same object, its positions changed), and the kept result
 * is moved in place with it; kept results hold copies of their positions so that nothing else moves with them.
 */
import type { Diagnostic, Range } from '../grammar/diagnostic.ts';
import type { ParseResult } from '../grammar/index.ts';
import { IncrementalParser, shiftLinesInPlace, type DeclMoves } from '../grammar/incremental.ts';
import type { StepType } from './graph.ts';
import type { SymbolInfo, SymbolTable } from './symbols.ts';

/** The tables a region reads; inside a region they are tracking views of the checker's own. */
export interface Tables<I, L, D = unknown> {
  symbols: SymbolTable;
  inputs: Map<string, I>;
  labels: Map<string, L>;
  /** Dataset plans by name (each reused while its declaration is unchanged, like inputs). */
  datasets: Map<string, D>;
}

/** Where a region's effects go: the diagnostics list it reports to, and the step types list (if it records any). */
export interface Sinks {
  diags: Diagnostic[];
  stepTypes?: StepType[];
}

const SYMBOLS = 0;
const INPUTS = 1;
const LABELS = 2;
const DATASETS = 3;
type Source = typeof SYMBOLS | typeof INPUTS | typeof LABELS | typeof DATASETS;

/** A lookup a region made: in `src`, `key` found `value` (a declaration, a checked input, or undefined); `key` null: the whole table, `value` its version. */
interface Dep {
  src: Source;
  key: string | null;
  value: unknown;
  /** How many times `value` had been moved in place when it was read (see CheckCache.shiftOf). */
  shift: number;
}

interface Entry {
  /** How many times the declaration had been moved in place when this was computed or last moved with it. */
  declShift: number;
  deps: Dep[];
  result: unknown;
  /** The result is plain data (objects, arrays, primitives), so a moved copy of it can be made. */
  plain: boolean;
  diags: Diagnostic[];
  stepTypes: StepType[];
  refs: { name: string; range: Range }[];
}

/** What identifies a symbol-table entry: its declaration (the same object means the same text at the same place). */
const symbolIdentity = (s: SymbolInfo | undefined): unknown => s?.decl;

/**
 * Kept between checks of one document (the language server holds one per open document). Entries live as long
 * as their declaration objects (a WeakMap), so memory follows the parser's cache.
 */
export class CheckCache {
  private readonly entries = new WeakMap<object, Map<string, Entry>>();
  /** The last snapshot of each program's symbol table (by file), and its version, for whole-table dependencies. */
  private readonly tableVersions = new Map<string, { snapshot: unknown[]; version: number }>();
  private nextVersion = 1;
  /** Regions run, reused, and reused moved by the last session of each program (for benchmarks and tests). */
  stats = { run: 0, reused: 0, moved: 0 };
  /** An incremental parser per imported file, so an imported file's declarations stay the same objects while it is unchanged. */
  private readonly importParsers = new Map<string, IncrementalParser>();
  /**
   * Declarations that only moved in this compile's parses (their text is the same, on other lines), and the
   * results made by moving a kept result: both map the new object to the old one and the lines it moved.
   * Fresh for every compile ({@link beginCompile}).
   */
  moves: DeclMoves = new WeakMap();
  moved: DeclMoves = new WeakMap();
  /**
   * How many times each declaration or kept result has been moved in place (its positions changed, the object
   * stayed): identity alone no longer means "same place", identity and this count do. Absent: 0.
   */
  private readonly shifts = new WeakMap<object, number>();

  /** Start a compile of the document: forget the moves of the previous one. */
  beginCompile(): DeclMoves {
    // a Map, not a WeakMap: it lives for one compile, and weak maps cost the garbage collector more
    const map = new Map<object, { from: object; delta: number }>();
    this.moves = {
      get: (d) => map.get(d),
      set: (d, m) => {
        map.set(d, m);
        if (m.from === d) this.bumpShift(d);
        return undefined;
      },
      inPlace: true,
    };
    this.moved = new WeakMap();
    return this.moves;
  }

  /** How many times `v` (a declaration or kept result) has been moved in place; 0 for anything else. */
  shiftOf(v: unknown): number {
    return typeof v === 'object' && v !== null ? (this.shifts.get(v) ?? 0) : 0;
  }

  /** @internal Count one more in-place move of `v`. */
  bumpShift(v: object): void {
    this.shifts.set(v, (this.shifts.get(v) ?? 0) + 1);
  }

  /** Parse an imported file (by absolute path) incrementally: the same result as parse(text). */
  readonly parseImported = (text: string, absPath: string): ParseResult => {
    let p = this.importParsers.get(absPath);
    if (!p) this.importParsers.set(absPath, (p = new IncrementalParser()));
    return p.parse(text, this.moves);
  };

  /**
   * Start checking one program (`file` tells programs apart: a file and the files it imports share a cache;
   * `foreign` tells the declarations imported from other files).
   * Without a cache the returned session runs every region directly.
   */
  static session<I, L, D>(cache: CheckCache | undefined, file: string, tables: Tables<I, L, D>, foreign: (decl: object) => boolean = () => false): CheckSession<I, L, D> {
    return cache ? new CachedSession(cache, file, tables, foreign) : new DirectSession(tables);
  }

  /** @internal */
  lookup(decl: object, slot: string): Entry | undefined {
    return this.entries.get(decl)?.get(slot);
  }

  /** @internal */
  store(decl: object, slot: string, e: Entry): void {
    let m = this.entries.get(decl);
    if (!m) this.entries.set(decl, (m = new Map()));
    m.set(slot, e);
  }

  /** @internal The version of a program's symbol table: the same number while every name declares the same object. */
  tableVersion(file: string, symbols: SymbolTable): number {
    const snapshot: unknown[] = [];
    for (const [k, v] of symbols.byName) snapshot.push(k, v.decl, this.shiftOf(v.decl));
    const prev = this.tableVersions.get(file);
    if (prev && prev.snapshot.length === snapshot.length && prev.snapshot.every((x, i) => x === snapshot[i])) return prev.version;
    const version = this.nextVersion++;
    this.tableVersions.set(file, { snapshot, version });
    return version;
  }
}

/** One check of one program: runs regions, or reuses them from the cache. */
export interface CheckSession<I, L, D> {
  /**
   * Run `run` for declaration `decl` (its `slot` names which check: 'input', 'model', …), or reuse what it
   * returned and pushed last time when nothing it read has changed. `run` must read the tables only through
   * its argument, and report only to `sinks`.
   */
  memo<R>(decl: object, slot: string, sinks: Sinks, run: (t: Tables<I, L, D>) => R): R;
}

class DirectSession<I, L, D> implements CheckSession<I, L, D> {
  constructor(private readonly tables: Tables<I, L, D>) {}
  memo<R>(_decl: object, _slot: string, _sinks: Sinks, run: (t: Tables<I, L, D>) => R): R {
    return run(this.tables);
  }
}

class CachedSession<I, L, D> implements CheckSession<I, L, D> {
  private version: number | undefined;

  constructor(
    private readonly cache: CheckCache,
    private readonly file: string,
    private readonly tables: Tables<I, L, D>,
    /** Whether a declaration comes from an imported file (its positions are in that file). */
    private readonly foreign: (decl: object) => boolean,
  ) {
    cache.stats = { run: 0, reused: 0, moved: 0 };
  }

  /** The symbol table's version (computed once per session: the table is complete before any region runs). */
  private tableVersion(): number {
    return (this.version ??= this.cache.tableVersion(this.file, this.tables.symbols));
  }

  private current(d: Dep): unknown {
    if (d.key === null) return this.tableVersion();
    if (d.src === SYMBOLS) return symbolIdentity(this.tables.symbols.byName.get(d.key));
    return (d.src === INPUTS ? this.tables.inputs : d.src === LABELS ? this.tables.labels : this.tables.datasets).get(d.key);
  }

  /** True when every recorded lookup finds the same thing now, in the same place. */
  private unchanged(deps: Dep[]): boolean {
    for (let i = 0; i < deps.length; i++) {
      const d = deps[i]!;
      const now = this.current(d);
      if (now !== d.value || (d.key !== null && this.cache.shiftOf(now) !== d.shift)) return false;
    }
    return true;
  }

  /**
   * A declaration that only moved (same text, `delta` lines away) whose kept result depended only on
   * declarations that moved by the same `delta` (and on inputs, labels and datasets whose results were moved
   * so too): its result, diagnostics, step types and references are the kept ones with every line moved by
   * `delta`. A region whose diagnostics name a line in their text (see {@link movable}) runs again instead.
   *
   * Two ways: when the parser moved the declaration in place (`from === decl`, see DeclMoves), the kept entry
   * is moved in place too (it holds copies of its positions, shared with nothing); when the
   * declaration is a moved copy, a copy of the kept result is made, sharing every part without positions.
   * Either way nothing changes unless every check passes first.
   */
  private reuseMoved<R>(decl: object, slot: string, sinks: Sinks): { result: R } | undefined {
    const cache = this.cache;
    const mv = cache.moves.get(decl);
    if (!mv) return undefined;
    const inPlace = mv.from === decl;
    const old = cache.lookup(mv.from, slot);
    if (!old || !old.plain || (old.diags.length && !old.diags.every(movable))) return undefined;
    // in place: the entry must be as the declaration was just before this move
    if (inPlace && old.declShift + 1 !== cache.shiftOf(decl)) return undefined;
    const { delta } = mv;
    const deps: Dep[] = [];
    // Declarations it read that did not move: allowed when they are in this file and nothing it produced
    // lies in them (no position of theirs would wrongly move with the rest).
    const still: Range[] = [];
    let stillNames: Set<string> | undefined;
    for (const pass of PASSES) {
      for (const d of old.deps) {
        if ((d.src === SYMBOLS) !== (pass === SYMBOLS)) continue;
        if (d.key === null) return undefined;
        const now = this.current(d);
        const nowShift = cache.shiftOf(now);
        if (now === d.value && nowShift === d.shift) {
          if (now !== undefined) {
            if (d.src === SYMBOLS) {
              const range = (now as { range?: Range }).range;
              if (this.foreign(now as object) || !range) return undefined;
              still.push(range);
              (stillNames ??= new Set()).add(d.key);
            } else if (!stillNames?.has(d.key)) return undefined;
          }
        } else {
          const m = (d.src === SYMBOLS ? cache.moves : cache.moved).get(now as object);
          if (!m || m.from !== d.value || m.delta !== delta) return undefined;
          // moved in place: exactly once since it was read
          if (m.from === now && nowShift !== d.shift + 1) return undefined;
        }
        deps.push({ src: d.src, key: d.key, value: now, shift: nowShift });
      }
    }
    let result: unknown, stepTypes: StepType[], refs: Entry['refs'], diags: Diagnostic[];
    if (inPlace) {
      const parts = [old.result, old.stepTypes, old.refs, old.diags];
      if (!still.length) shiftLinesInPlace(parts, delta);
      else if (shiftAndTest(parts, delta, still, 0)) {
        // a position lay in a declaration that did not move: undo, and run the region
        shiftLinesInPlace(parts, -delta);
        return undefined;
      }
      diags = old.diags;
      ({ result, stepTypes, refs } = old);
      old.deps = deps;
      old.declShift = cache.shiftOf(decl);
      if (result !== null && typeof result === 'object') {
        cache.bumpShift(result);
        cache.moved.set(result, { from: result, delta });
      }
    } else {
      const r = moveLines(old.result, delta, still, 0);
      const st = moveLines(old.stepTypes, delta, still, 0);
      const rf = moveLines(old.refs, delta, still, 0);
      const dg = moveLines(old.diags, delta, still, 0);
      if (r === LIES_IN_STILL || st === LIES_IN_STILL || rf === LIES_IN_STILL || dg === LIES_IN_STILL) return undefined;
      diags = dg;
      result = r;
      stepTypes = st;
      refs = rf;
      if (result !== null && typeof result === 'object') cache.moved.set(result, { from: old.result as object, delta });
      cache.store(decl, slot, { declShift: cache.shiftOf(decl), deps, result, plain: true, diags, stepTypes, refs });
    }
    cache.stats.moved++;
    const { symbols } = this.tables;
    sinks.diags.push(...diags);
    if (sinks.stepTypes) sinks.stepTypes.push(...stepTypes);
    for (const r of refs) symbols.references.push({ name: r.name, range: r.range, target: symbols.byName.get(r.name)! });
    return { result: result as R };
  }

  memo<R>(decl: object, slot: string, sinks: Sinks, run: (t: Tables<I, L, D>) => R): R {
    const { symbols } = this.tables;
    const hit = this.cache.lookup(decl, slot);
    if (hit && hit.declShift === this.cache.shiftOf(decl) && this.unchanged(hit.deps)) {
      this.cache.stats.reused++;
      sinks.diags.push(...hit.diags);
      if (sinks.stepTypes) sinks.stepTypes.push(...hit.stepTypes);
      for (const r of hit.refs) symbols.references.push({ name: r.name, range: r.range, target: symbols.byName.get(r.name)! });
      return hit.result as R;
    }
    const moved = this.reuseMoved<R>(decl, slot, sinks);
    if (moved) return moved.result;
    this.cache.stats.run++;
    const deps: Dep[] = [];
    let cacheable = true;
    // Each lookup once (a region asks the same names many times).
    const asked = [new Set<string>(), new Set<string>(), new Set<string>(), new Set<string>()];
    const record = (src: Source, key: string, value: unknown) => {
      const seen = asked[src]!;
      if (seen.has(key)) return;
      seen.add(key);
      deps.push({ src, key, value, shift: this.cache.shiftOf(value) });
    };
    const whole = (src: Source) => {
      // Enumerating the symbol table depends on all of it; the inputs and labels are still being filled
      // while some regions run, so a region that enumerates them is not kept.
      if (src === SYMBOLS) deps.push({ src, key: null, value: this.tableVersion(), shift: 0 });
      else cacheable = false;
    };
    const byName = tracked(symbols.byName, SYMBOLS, symbolIdentity, record, whole);
    const view: Tables<I, L, D> = {
      // Resolving and noting names go through the view's byName; references still land in the real table.
      symbols: Object.create(symbols, { byName: { value: byName } }) as SymbolTable,
      inputs: tracked(this.tables.inputs, INPUTS, (v) => v, record, whole),
      labels: tracked(this.tables.labels, LABELS, (v) => v, record, whole),
      datasets: tracked(this.tables.datasets, DATASETS, (v) => v, record, whole),
    };
    const d0 = sinks.diags.length;
    const s0 = sinks.stepTypes?.length ?? 0;
    const r0 = symbols.references.length;
    const declShift = this.cache.shiftOf(decl);
    let result = run(view);
    if (cacheable) {
      let plain = isPlain(result, 0);
      let stepTypes = sinks.stepTypes ? sinks.stepTypes.slice(s0) : [];
      let refs = symbols.references.slice(r0).map((r) => ({ name: r.name, range: r.range }));
      let diags = sinks.diags.slice(d0);
      if (plain) {
        // A kept result that may be moved in place (reuseMoved) owns its positions: copies, shared with no
        // syntax tree (the parser moves those in place) and no other entry; the copy is returned from now on.
        const r = moveLines(result, 0, [], 0);
        const st = moveLines(stepTypes, 0, [], 0);
        const rf = moveLines(refs, 0, [], 0);
        const dg = moveLines(diags, 0, [], 0);
        if (r === LIES_IN_STILL || st === LIES_IN_STILL || rf === LIES_IN_STILL || dg === LIES_IN_STILL) plain = false;
        else {
          result = r;
          stepTypes = st;
          refs = rf;
          diags = dg;
        }
      }
      this.cache.store(decl, slot, { declShift, deps, result, plain, diags, stepTypes, refs });
    }
    return result;
  }
}

/** The order reuseMoved checks a region's lookups in: names first (their declarations' ranges), then the rest. */
const PASSES = [SYMBOLS, -1] as const;

/**
 * Add `delta` to the line of every position in `v`, in place (as shiftLinesInPlace), and say whether any of
 * them lay, before, in one of the ranges `still` (or `v` is deeper than any result). The whole of `v` is moved
 * either way, so `shiftLinesInPlace(v, -delta)` undoes it.
 */
function shiftAndTest(v: unknown, delta: number, still: Range[], depth: number): boolean {
  if (typeof v !== 'object' || v === null) return false;
  let hit = depth > 64;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (shiftAndTest(v[i], delta, still, depth + 1)) hit = true;
    return hit;
  }
  const o = v as Record<string, unknown>;
  if (typeof o.line === 'number' && typeof o.character === 'number') {
    const line = o.line;
    const character = o.character;
    o.line = line + delta;
    for (const r of still)
      if ((r.start.line < line || (r.start.line === line && r.start.character <= character)) && (line < r.end.line || (line === r.end.line && character <= r.end.character)))
        return true;
    return hit;
  }
  for (const k in o) {
    const x = o[k];
    if (typeof x === 'object' && x !== null && shiftAndTest(x, delta, still, depth + 1)) hit = true;
  }
  return hit;
}

/**
 * Whether a kept diagnostic can move with its declaration: none of its texts names a line or a `line:column`
 * place (`… (line 12)`, `on line 3`, `in a.mmf:4:2`: those lines would have to change too; see
 * compiler/graph.ts, symbols.ts, definitions.ts, imports.ts) and none of its related locations is in another file.
 */
function movable(d: Diagnostic): boolean {
  const names = (t: string | undefined) => t !== undefined && NAMES_A_LINE.test(t);
  if (names(d.message) || names(d.hint)) return false;
  for (const r of d.related ?? []) if (r.file !== undefined || names(r.message)) return false;
  return true;
}
const NAMES_A_LINE = /\blines?\s+\d|:\d+:\d+/i;

/** Returned by {@link moveLines} when a position lies in a declaration that did not move. */
const LIES_IN_STILL = Symbol('lies in a declaration that did not move');

/**
 * `v` with `delta` added to the line of every position in it (an object with `line` and `character`), sharing
 * every part that holds no position; every position is a new object (one per place it is reached from), so
 * the copy can be moved in place later. LIES_IN_STILL when a position lies in one of the ranges `still`.
 */
function moveLines<T>(v: T, delta: number, still: Range[], depth: number): T | typeof LIES_IN_STILL {
  if (typeof v !== 'object' || v === null) return v;
  if (depth > 64) return LIES_IN_STILL; // deeper than any result: do not move it
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      const y = moveLines(x, delta, still, depth + 1);
      if (y === LIES_IN_STILL) return y;
      if (y !== x && !out) out = v.slice(0, i);
      if (out) out.push(y);
    }
    return (out ?? v) as T;
  }
  const o = v as Record<string, unknown>;
  if (typeof o.line === 'number' && typeof o.character === 'number') {
    const line = o.line;
    const character = o.character;
    for (const r of still)
      if ((r.start.line < line || (r.start.line === line && r.start.character <= character)) && (line < r.end.line || (line === r.end.line && character <= r.end.character)))
        return LIES_IN_STILL;
    return { ...o, line: line + delta } as T;
  }
  let out: Record<string, unknown> | undefined;
  for (const k in o) {
    const x = o[k];
    const y = moveLines(x, delta, still, depth + 1);
    if (y === LIES_IN_STILL) return y;
    if (y !== x && !out) {
      out = {};
      for (const k2 in o) {
        if (k2 === k) break;
        out[k2] = o[k2];
      }
    }
    if (out) out[k] = y;
  }
  return (out ?? o) as T;
}

/** True when `v` is plain data (no class instances, maps or functions) that {@link shiftLines} copies faithfully. */
function isPlain(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object') return typeof v !== 'function' && typeof v !== 'symbol';
  if (depth > 64) return false;
  if (Array.isArray(v)) return v.every((x) => isPlain(x, depth + 1));
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const k in v) if (!isPlain((v as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

/** A read-only view of `map` that records each lookup (`record`) and each enumeration (`whole`). */
function tracked<V>(
  map: Map<string, V>,
  src: Source,
  identity: (v: V | undefined) => unknown,
  record: (src: Source, key: string, value: unknown) => void,
  whole: (src: Source) => void,
): Map<string, V> {
  const get = (k: string): V | undefined => {
    const v = map.get(k);
    record(src, k, identity(v));
    return v;
  };
  const view: Record<string | symbol, unknown> = {
    get,
    has: (k: string) => get(k) !== undefined,
    get size() {
      whole(src);
      return map.size;
    },
    keys: () => (whole(src), map.keys()),
    values: () => (whole(src), map.values()),
    entries: () => (whole(src), map.entries()),
    forEach: (f: (v: V, k: string, m: Map<string, V>) => void) => (whole(src), map.forEach(f)),
    [Symbol.iterator]: () => (whole(src), map[Symbol.iterator]()),
    // A region that writes to a table is not kept (none does; the write still happens).
    set: (k: string, v: V) => (whole(-1 as Source), map.set(k, v), view),
  };
  return view as unknown as Map<string, V>;
}
