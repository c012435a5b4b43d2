/**
 * Scripts: Strait's Painless subset (pure core; the caller passes the clock). Other layers use
 * only this module:
 * - `parseScriptSpec(value)`: the `script` object of a request (or its string shorthand) to a spec,
 *   with Elasticsearch's 400s for a bad shape or a language other than painless;
 * - `compileScript(spec, context, stored)`: resolves a stored script, compiles (cached) and
 *   returns a `CompiledScript`, or throws Elasticsearch's `script_exception` (compile error);
 * - `CompiledScript.execute(variables, clock)`: one bounded run; Java exceptions become
 *   `script_exception` (runtime error) with the statement and position;
 * - context helpers: `runWriteScript` (update, update by query, reindex: `ctx._source`, `ctx.op`
 *   and the metadata) and `runIngestScript` (ingest: `ctx` is the document);
 * - `segmentDocLookup` (`doc['f']` over a segment) for search-side scripts, and `wallClock` for
 *   callers that hold no clock.
 * Scripted queries live in query/script-queries.ts and script-sort.ts, runtime fields in
 * runtime-fields.ts, script_fields in search/script-fields.ts, stored scripts in stored.ts.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/modules-scripting-using.html
 */
import { EsError, errors, limits } from '../../common/index.js';
import type { Program } from './ast.js';
import { compileProgram, type CompileEnvironment, type CompiledProgram, type Frame } from './compile.js';
import { ScriptCompileError } from './lexer.js';
import { parseScript } from './parser.js';
import { scoreFunctionArities, scoreFunctions } from './score-functions.js';
import { JavaFault, fromJson, isObjectLike, javaClassName, javaString, toJson, type ScriptObject, type Value } from './values.js';

export { fromJson, toJson, javaString, type Value, type ScriptObject } from './values.js';
export { JDouble, JFloat, JChar, JavaFault, ParamsWithSource, fault, asNumber, numericKind } from './values.js';
export { docLookup, segmentDocLookup, type DocFieldValues } from './doc.js';

/** The script contexts Strait runs, each with the variables and functions Elasticsearch gives it. */
export type ScriptContext = 'update' | 'update_by_query' | 'reindex' | 'ingest' | 'score' | 'filter' | 'field' | 'sort' | 'runtime_field' | 'aggs' | 'bucket_aggregation' | 'aggregation_selector' | 'moving_function' | 'painless_test';

const environments: Record<ScriptContext, CompileEnvironment> = {
  update: { variables: ['ctx', 'params'], functions: {} },
  update_by_query: { variables: ['ctx', 'params'], functions: {} },
  reindex: { variables: ['ctx', 'params'], functions: {} },
  ingest: { variables: ['ctx', 'params'], functions: {} },
  score: { variables: ['doc', 'params', '_score'], functions: scoreFunctionArities },
  filter: { variables: ['doc', 'params'], functions: {} },
  field: { variables: ['doc', 'params', '_score'], functions: {} },
  sort: { variables: ['doc', 'params', '_score'], functions: {} },
  runtime_field: { variables: ['doc', 'params'], functions: { emit: [1] } },
  // Aggregation scripts (aggs/value-scripts.ts): `_value` is the field value a value script maps.
  aggs: { variables: ['doc', 'params', '_value'], functions: {} },
  // The execute API's default context: params only.
  painless_test: { variables: ['params'], functions: {} },
  // Pipeline aggregations (bucket_script, bucket_selector): the buckets_path values arrive in params.
  bucket_aggregation: { variables: ['params'], functions: {} },
  aggregation_selector: { variables: ['params'], functions: {} },
  // moving_fn: the window as a double[] `values`, and the MovingFunctions helpers (aggs/moving-functions.ts).
  moving_function: { variables: ['params', 'values', 'MovingFunctions'], functions: {} },
};

/** A `script` as a request gives it: inline source or a stored script's id, and params. */
export interface ScriptSpec {
  readonly source: string | undefined;
  readonly id: string | undefined;
  readonly lang: string | undefined;
  readonly params: Readonly<Record<string, unknown>>;
}

/** A stored script as `PUT _scripts/{id}` keeps it. */
export interface StoredScript {
  readonly lang: string;
  readonly source: string;
  readonly options?: Readonly<Record<string, string>>;
}

export interface StoredScriptLookup {
  get(id: string): StoredScript | undefined;
}

/** The clock and randomness a run uses; the I/O shell passes real ones. */
export interface ScriptClock {
  readonly nowMs: () => number;
  readonly random?: () => number;
}

/**
 * The node's wall clock and randomness, for the script runs deep inside a search (queries, sorts,
 * script and runtime fields) whose callers hold no clock: it bounds their time budget and answers
 * `System.currentTimeMillis()` and `Math.random()`.
 */
export const wallClock: ScriptClock = { nowMs: () => Date.now(), random: Math.random };

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Elasticsearch's Script parser: a string is an inline painless source; an object holds `source`
 * (or `inline`) or `id`, `lang`, `params` and `options`.
 */
export function parseScriptSpec(value: unknown, field = 'script'): ScriptSpec {
  if (typeof value === 'string') return { source: value, id: undefined, lang: undefined, params: {} };
  if (!isPlainObject(value)) throw errors.parsing(`[${field}] unknown token [${Array.isArray(value) ? 'START_ARRAY' : 'VALUE'}] while parsing a script`);
  let source: string | undefined;
  let id: string | undefined;
  let lang: string | undefined;
  let params: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    switch (key) {
      case 'source':
      case 'inline':
        if (source !== undefined || id !== undefined) throw errors.illegalArgument('must specify either [source] for an inline script or [id] for a stored script');
        if (isPlainObject(item)) throw errors.illegalArgument('a script source must be a string; JSON sources are for search templates, which Strait does not support');
        if (typeof item !== 'string') throw errors.parsing(`[${field}] failed to parse field [source]`);
        source = item;
        break;
      case 'id':
        if (source !== undefined || id !== undefined) throw errors.illegalArgument('must specify either [source] for an inline script or [id] for a stored script');
        if (typeof item !== 'string') throw errors.parsing(`[${field}] failed to parse field [id]`);
        id = item;
        break;
      case 'lang':
        if (typeof item !== 'string') throw errors.parsing(`[${field}] failed to parse field [lang]`);
        lang = item;
        break;
      case 'params':
        if (item === null) break;
        if (!isPlainObject(item)) throw errors.parsing(`[${field}] failed to parse field [params]`);
        params = item;
        break;
      case 'options':
        if (item !== null && !isPlainObject(item)) throw errors.parsing(`[${field}] failed to parse field [options]`);
        break;
      default:
        throw errors.parsing(`[${field}] unknown field [${key}]`);
    }
  }
  if (source === undefined && id === undefined) throw errors.illegalArgument('must specify either [source] for an inline script or [id] for a stored script');
  if (id !== undefined && lang !== undefined) throw errors.illegalArgument('lang cannot be specified for stored scripts');
  if (source !== undefined) checkLang(lang ?? 'painless');
  return { source, id, lang, params };
}

/** Strait runs painless only; Elasticsearch answers other languages with this 400. */
export function checkLang(lang: string): void {
  if (lang !== 'painless') throw errors.illegalArgument(`script_lang not supported [${lang}]`);
}

export interface CompiledScript {
  readonly context: ScriptContext;
  readonly source: string;
  /** The request's params as script values (a fresh copy each run, so a run cannot leak into the next). */
  readonly params: Readonly<Record<string, unknown>>;
  /** One bounded run with the context's variables (besides `params`); the value the script returns. */
  execute(variables: Readonly<Record<string, Value>>, clock: ScriptClock, functions?: Readonly<Record<string, (args: readonly Value[]) => Value>>): Value;
  /** A run-time error of this script that its caller detected (a score that is not a number, say). */
  runtimeFailure(fault: JavaFault): EsError;
}

interface CacheEntry {
  readonly program: Program;
  readonly compiled: CompiledProgram;
}

/** Compiled programs by context and source, least recently used dropped first (Elasticsearch's script cache). */
const cache = new Map<string, CacheEntry>();

function compiledFor(source: string, context: ScriptContext): CacheEntry {
  const key = `${context}\u0000${source}`;
  const cached = cache.get(key);
  if (cached !== undefined) {
    cache.delete(key);
    cache.set(key, cached);
    return cached;
  }
  if (source.length > limits.scriptSourceCharsMax) {
    throw errors.illegalArgument(`exceeded max allowed inline script size in bytes [${limits.scriptSourceCharsMax}] with size [${Buffer.byteLength(source, 'utf8')}] for script [${source.slice(0, 64)}]`);
  }
  let entry: CacheEntry;
  try {
    const program = parseScript(source);
    entry = { program, compiled: compileProgram(program, environments[context]) };
  } catch (error) {
    if (error instanceof ScriptCompileError) throw compileError(source, error);
    // The nesting limit keeps the stack within bounds; should it not, the script is still a 400.
    if (error instanceof RangeError) throw compileError(source, new ScriptCompileError(0, 'the script is too deeply nested to compile'));
    throw error;
  }
  cache.set(key, entry);
  if (cache.size > limits.scriptCacheEntriesMax) cache.delete(cache.keys().next().value as string);
  return entry;
}

/** Checks that `source` compiles in `context` (stored scripts are compiled when they are put, as Elasticsearch does). */
export function checkCompiles(source: string, context: ScriptContext): void {
  compiledFor(source, context);
}

/**
 * Resolves and compiles a script for `context`. A stored script must exist (404 otherwise) and be
 * painless; `mustache` search templates are refused.
 */
/**
 * The node's stored scripts, for the callers that have no handle on them (scripted queries and
 * sorts, planned deep inside a shard search). A node has one store; SqlStoredScripts.open sets it.
 */
let nodeStoredScripts: StoredScriptLookup | undefined;

export function setNodeStoredScripts(lookup: StoredScriptLookup): void {
  nodeStoredScripts = lookup;
}

export function compileScript(spec: ScriptSpec, context: ScriptContext, stored: StoredScriptLookup | undefined = nodeStoredScripts): CompiledScript {
  let source = spec.source;
  if (spec.id !== undefined) {
    const found = stored?.get(spec.id);
    if (found === undefined) throw errors.resourceNotFound(`unable to find script [${spec.id}] in cluster state`);
    checkLang(found.lang);
    source = found.source;
  }
  if (source === undefined) throw errors.illegalArgument('must specify either [source] for an inline script or [id] for a stored script');
  const entry = compiledFor(source, context);
  const scriptSource = source;
  return {
    context,
    source: scriptSource,
    params: spec.params,
    runtimeFailure: (fault) => runtimeError(entry.program, fault),
    execute(variables, clock, functions = {}) {
      const frame: Frame = {
        locals: new Array<Value>(entry.compiled.localCount).fill(null),
        // Callers that add `params._source` pass their own fresh `params`; build one only when they do not.
        variables: variables.params === undefined ? { params: fromJson(spec.params), ...variables } : variables,
        functions: context === 'score' ? { ...scoreFunctions, ...functions } : functions,
        budget: { loop: limits.scriptLoopStatementsMax, ticks: 0, depth: 0 },
        deadlineMs: clock.nowMs() + limits.scriptRunMsMax,
        nowMs: clock.nowMs,
        random:
          clock.random ??
          (() => {
            throw new JavaFault('unsupported_operation_exception', 'Math.random() is not available to scripts in this context');
          }),
        stringCharsMax: limits.scriptStringCharsMax,
        returned: null,
      };
      try {
        return entry.compiled.run(frame);
      } catch (error) {
        if (error instanceof JavaFault) throw runtimeError(entry.program, error);
        if (error instanceof RangeError) throw runtimeError(entry.program, Object.assign(new JavaFault('painless_error', 'The script ran out of stack or memory.'), { offset: undefined }));
        throw error;
      }
    },
  };
}

// ---------------------------------------------------------------- errors as Elasticsearch renders them

/** Painless shows 25 characters each side of a compile error's offset. */
const COMPILE_SNIPPET_CHARS = 25;

export function compileError(source: string, error: ScriptCompileError): EsError {
  const offset = Math.min(Math.max(0, error.offset), source.length);
  const start = Math.max(0, offset - COMPILE_SNIPPET_CHARS);
  const end = Math.min(source.length, offset + COMPILE_SNIPPET_CHARS);
  const snippet = `${start > 0 ? '... ' : ''}${source.slice(start, end)}${end < source.length ? ' ...' : ''}`;
  const pointer = `${start > 0 ? '    ' : ''}${' '.repeat(offset - start)}^---- HERE`;
  return errors.script('compile error', { script_stack: [snippet, pointer], script: source, lang: 'painless', position: { offset, start, end } }, { type: error.esType, reason: error.message });
}

/** A run-time error shows the statement that failed, from its start to the next statement's. */
export function runtimeError(program: Program, error: JavaFault): EsError {
  const source = program.source;
  const cause = { type: error.esType, reason: error.message };
  if (error.offset === undefined) {
    return errors.script('runtime error', { script_stack: ['<<< unknown portion of script >>>'], script: source, lang: 'painless' }, cause);
  }
  const offset = error.offset;
  let start = 0;
  let end = source.length;
  for (const statementStart of program.statementStarts) {
    if (statementStart <= offset) start = statementStart;
    else {
      end = statementStart;
      break;
    }
  }
  const snippet = source.slice(start, end);
  const pointer = `${' '.repeat(offset - start)}^---- HERE`;
  return errors.script('runtime error', { script_stack: [snippet, pointer], script: source, lang: 'painless', position: { offset, start, end } }, cause);
}

// ---------------------------------------------------------------- update, update by query, reindex

export type UpdateOp = 'index' | 'noop' | 'delete' | 'create';

/** The document a write script sees and may change. */
export interface WriteScriptInput {
  readonly source: Record<string, unknown>;
  readonly index: string;
  readonly id: string | null;
  readonly version: number | undefined;
  readonly routing: string | null | undefined;
  /** The op the script starts with: 'index' for an update, 'create' for a scripted upsert. */
  readonly op: UpdateOp;
}

export interface WriteScriptResult {
  /** What the script asked for; an unknown op is a noop, as Elasticsearch's getOp treats it. */
  readonly op: UpdateOp;
  readonly source: Record<string, unknown>;
  readonly index: string;
  readonly id: string | null;
  readonly routing: string | null | undefined;
  /** `ctx._version` after the script (reindex may set it; null asks for an unversioned write). */
  readonly version: number | null;
}

/** Which metadata keys a write context may change (Elasticsearch's UpdateMetadata and ReindexMetadata). */
const writableMetadata: Record<'update' | 'update_by_query' | 'reindex', readonly string[]> = {
  update: ['op'],
  update_by_query: ['op'],
  reindex: ['op', '_index', '_id', '_routing', '_version'],
};

const validOps: Record<'update' | 'update_by_query' | 'reindex', readonly string[]> = {
  update: ['noop', 'index', 'delete', 'create'],
  update_by_query: ['noop', 'index', 'delete'],
  reindex: ['noop', 'index', 'delete'],
};

/**
 * The `ctx` of write scripts (Elasticsearch's CtxMap): `_source` and the metadata keys; metadata
 * outside the writable set cannot be changed, nor other keys added.
 */
class CtxMap implements ScriptObject {
  readonly javaType = 'org.elasticsearch.script.CtxMap';
  constructor(
    readonly map: Map<unknown, Value>,
    private readonly writable: readonly string[],
  ) {}

  field(name: string): Value {
    return this.map.get(name) ?? null;
  }

  setField(name: string, value: Value): void {
    this.put(name, value);
  }

  private put(key: Value, value: Value): Value {
    const name = javaString(key);
    if (name === '_source') {
      if (!(value instanceof Map)) throw new JavaFault('illegal_argument_exception', `Expected [_source] to be a Map, not [${javaString(value)}] with type [${javaClassName(value)}]`);
    } else if (this.map.has(name) || ['_index', '_id', '_version', '_routing', '_now', '_type', 'op'].includes(name)) {
      if (!this.writable.includes(name)) throw new JavaFault('illegal_argument_exception', `${name} cannot be updated`);
      if (value !== null && (name === '_version' ? typeof value !== 'number' && typeof value !== 'bigint' : typeof value !== 'string')) {
        throw new JavaFault('illegal_argument_exception', `${name} [${javaString(value)}] is wrong type, expected assignable to [${name === '_version' ? 'java.lang.Number' : 'java.lang.String'}], not [${javaClassName(value)}]`);
      }
    } else {
      throw new JavaFault('illegal_argument_exception', `Cannot put key [${name}] with value [${javaString(value)}] into ctx`);
    }
    const previous = this.map.get(name) ?? null;
    this.map.set(name, value);
    return previous;
  }

  call(name: string, args: readonly Value[]): Value {
    const [a, b] = args as [Value, Value];
    switch (`${name}/${args.length}`) {
      case 'get/1':
        return this.map.get(javaString(a)) ?? null;
      case 'put/2':
        return this.put(a, b);
      case 'containsKey/1':
        return this.map.has(javaString(a));
      case 'getOrDefault/2':
        return this.map.has(javaString(a)) ? this.map.get(javaString(a))! : b;
      case 'keySet/0':
        return [...this.map.keys()] as Value[];
      case 'size/0':
        return this.map.size;
      case 'isEmpty/0':
        return this.map.size === 0;
      case 'remove/1':
        throw new JavaFault('illegal_argument_exception', `${javaString(a)} cannot be removed`);
      case 'toString/0':
        return javaString(this.map);
      case 'toJson/0':
        return this.map;
    }
    throw new JavaFault('illegal_argument_exception', `dynamic method [${this.javaType}, ${name}/${args.length}] not found`);
  }
}

/**
 * Runs a write script (`update`, `update_by_query` or `reindex` context) over one document: the
 * script sees `ctx._source`, `ctx.op` and the read-only metadata (`_index`, `_id`, `_version`,
 * `_routing`, `_now`), and returns what to do with the document.
 */
export function runWriteScript(script: CompiledScript, input: WriteScriptInput, clock: ScriptClock): WriteScriptResult {
  const context = script.context === 'reindex' || script.context === 'update_by_query' ? script.context : 'update';
  const map = new Map<unknown, Value>([
    ['_index', input.index],
    ['_id', input.id],
    ['_version', input.version === undefined ? null : BigInt(input.version)],
    ['_routing', input.routing ?? null],
    ['op', input.op],
    ['_now', BigInt(Math.trunc(clock.nowMs()))],
    ['_source', fromJson(input.source)],
  ]);
  if (context === 'update') map.set('_type', '_doc');
  const ctx = new CtxMap(map, writableMetadata[context]);
  script.execute({ ctx }, clock);
  const op = map.get('op');
  const source = map.get('_source');
  const routing = map.get('_routing');
  const version = map.get('_version');
  return {
    op: typeof op === 'string' && validOps[context].includes(op) ? (op as UpdateOp) : 'noop',
    source: source instanceof Map ? (toJson(source) as Record<string, unknown>) : {},
    index: String(map.get('_index')),
    id: map.get('_id') === null ? null : javaString(map.get('_id')!),
    routing: routing === null ? null : typeof routing === 'string' ? routing : undefined,
    version: typeof version === 'bigint' || typeof version === 'number' ? Number(version) : null,
  };
}

/**
 * Runs an ingest script: `ctx` is the document itself (its fields beside `_index`, `_id` and the
 * other metadata), changed in place; returns the document after the script.
 */
export function runIngestScript(script: CompiledScript, document: Record<string, unknown>, clock: ScriptClock): Record<string, unknown> {
  const ctx = fromJson(document);
  script.execute({ ctx }, clock);
  return toJson(ctx) as Record<string, unknown>;
}

/** Whether a value is a host object (tests and callers telling doc accessors apart). */
export const isScriptObject = isObjectLike;
