/**
 * Ingest pipelines (pure; time arrives as an input): parsing a pipeline definition into processors,
 * and running them over an IngestDocument with Elasticsearch's semantics: `on_failure` (per
 * processor and per pipeline, with `_ingest.on_failure_message`, `on_failure_processor_type`,
 * `on_failure_processor_tag`, `on_failure_pipeline`), `ignore_failure`, `drop`, nested pipelines
 * with cycle detection, the verbose trace of `_simulate` and the counters of `_nodes/stats/ingest`.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/ingest.html,
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/handling-pipeline-failures.html
 */
import { errors, EsError, limits } from '../../common/index.js';
import { compileScript, fromJson, parseScriptSpec, type CompiledScript, type ScriptClock, type StoredScriptLookup } from '../script/index.js';
import { IngestDocument, isPlainObject, javaTypeName } from './document.js';

// ---------------------------------------------------------------- configuration reading

/**
 * One processor's options, consumed as they are read: what is left at the end is refused, as
 * Elasticsearch's ConfigurationUtils does. Errors carry the processor type, tag and property.
 */
export class ProcessorConfig {
  private readonly remaining: Record<string, unknown>;

  constructor(
    readonly type: string,
    readonly tag: string | undefined,
    config: Record<string, unknown>,
  ) {
    this.remaining = { ...config };
  }

  /** Elasticsearch's newConfigurationException: a reason about a property starts with `[property] `. */
  error(property: string | undefined, reason: string): EsError {
    const message = property === undefined || reason.startsWith(`[${property}] `) ? reason : `[${property}] ${reason}`;
    return errors.ingestConfiguration(message, this.type, this.tag, property);
  }

  private take(name: string): unknown {
    const value = this.remaining[name];
    delete this.remaining[name];
    return value;
  }

  has(name: string): boolean {
    return this.remaining[name] !== undefined && this.remaining[name] !== null;
  }

  /** A required option's raw value. */
  required(name: string): unknown {
    const value = this.take(name);
    if (value === undefined || value === null) throw this.error(name, `[${name}] required property is missing`);
    return value;
  }

  optional(name: string): unknown {
    const value = this.take(name);
    return value === null ? undefined : value;
  }

  string(name: string): string;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string {
    const value = fallback === undefined ? this.required(name) : this.optional(name);
    if (value === undefined) return fallback!;
    if (typeof value !== 'string') throw this.error(name, `[${name}] property isn't a string, but of type [${javaTypeName(value)}]`);
    return value;
  }

  optionalString(name: string): string | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw this.error(name, `[${name}] property isn't a string, but of type [${javaTypeName(value)}]`);
    return value;
  }

  /** A string option that also takes a number or boolean (Elasticsearch's readStringOrIntProperty and the like). */
  scalarString(name: string, fallback?: string): string | undefined {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw this.error(name, `[${name}] property isn't a string, but of type [${javaTypeName(value)}]`);
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    throw this.error(name, `[${name}] property isn't a boolean, but of type [${javaTypeName(value)}]`);
  }

  stringList(name: string, required: boolean): string[] | undefined {
    const value = required ? this.required(name) : this.optional(name);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw this.error(name, `[${name}] property isn't a list, but of type [${javaTypeName(value)}]`);
    return value.map((item) => {
      if (typeof item !== 'string') throw this.error(name, `[${name}] property isn't a list of strings`);
      return item;
    });
  }

  /** A string or a list of strings (remove's `field`, `keep`). */
  stringOrList(name: string, required: boolean): string[] | undefined {
    const value = required ? this.required(name) : this.optional(name);
    if (value === undefined) return undefined;
    if (typeof value === 'string') return [value];
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
    throw this.error(name, `[${name}] property isn't a list or string, but of type [${javaTypeName(value)}]`);
  }

  map(name: string): Record<string, unknown> | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    if (!isPlainObject(value)) throw this.error(name, `[${name}] property isn't a map, but of type [${javaTypeName(value)}]`);
    return value;
  }

  /** Refuses options nobody read. */
  finish(): void {
    const left = Object.keys(this.remaining);
    if (left.length > 0) throw this.error(undefined, `processor [${this.type}] doesn't support one or more provided configuration parameters [${left.join(', ')}]`);
  }
}

// ---------------------------------------------------------------- processors

export interface ProcessorContext {
  /** The ingest clock (ms since the epoch) and an elapsed-time reader for stats. */
  readonly nowMs: number;
  elapsedMs(): number;
  /** A stored pipeline by id (the `pipeline` processor). */
  pipeline(id: string): Pipeline | undefined;
  /** The verbose `_simulate` trace, when asked for. */
  readonly trace: ProcessorResult[] | undefined;
  /** The `_nodes/stats/ingest` counters (undefined in `_simulate`, which Elasticsearch does not count). */
  readonly stats: IngestStats | undefined;
}

/** What a processor type does to a document; options were read when the pipeline was parsed. */
export type ProcessorBody = (document: IngestDocument, context: ProcessorContext) => void;

export interface Processor {
  readonly type: string;
  readonly tag: string | undefined;
  readonly description: string | undefined;
  readonly ignoreFailure: boolean;
  readonly onFailure: readonly Processor[];
  /** The `if` condition (a Painless script in the ingest context), when there is one. */
  readonly condition?: { readonly source: string; readonly script: CompiledScript };
  readonly body: ProcessorBody;
  /**
   * Set for the `pipeline` processor, whose nested run the engine performs (and traces) itself:
   * the pipeline to run, or undefined to do nothing (`ignore_missing_pipeline`).
   */
  readonly callsPipeline?: (document: IngestDocument, context: ProcessorContext) => Pipeline | undefined;
  /** The pipeline processor's `name` as configured (stats name it). */
  readonly pipelineName?: string;
}

/** What a processor type's factory gets: its options, and a parser for nested processors (foreach). */
export interface FactoryContext {
  parseProcessor(definition: unknown): Processor;
  /** Stored scripts, for `if` and the script processor naming a script by `id`. */
  readonly scripts: StoredScriptLookup | undefined;
}

export type ProcessorFactory = (
  config: ProcessorConfig,
  context: FactoryContext,
) => ProcessorBody | { readonly body: ProcessorBody; readonly callsPipeline: NonNullable<Processor['callsPipeline']>; readonly pipelineName: string };

/**
 * A processor failure on its way out of a pipeline: the innermost processor's type, tag and
 * pipeline stay with it, as Elasticsearch's IngestProcessorException headers do.
 */
export class ProcessorFailure extends Error {
  constructor(
    override readonly cause: EsError,
    readonly processorType: string,
    readonly processorTag: string | undefined,
    readonly pipelineId: string | undefined,
  ) {
    super(cause.message);
  }
}

/** One entry of a verbose `_simulate` answer (Elasticsearch's SimulateProcessorResult). */
export interface ProcessorResult {
  readonly processor_type: string;
  readonly status: 'success' | 'error' | 'error_ignored' | 'skipped' | 'dropped';
  readonly description?: string;
  readonly tag?: string;
  readonly if?: { readonly condition: string; readonly result: boolean };
  readonly ignored_error?: { readonly error: Record<string, unknown> };
  readonly error?: Record<string, unknown>;
  readonly doc?: Record<string, unknown>;
}

export function errorBody(error: EsError): Record<string, unknown> {
  return error.toBody().error;
}

function asEsError(error: unknown): EsError {
  if (error instanceof EsError) return error;
  if (error instanceof ProcessorFailure) return error.cause;
  throw error;
}

// ---------------------------------------------------------------- stats

interface Counters {
  count: number;
  timeMs: number;
  current: number;
  failed: number;
}

const newCounters = (): Counters => ({ count: 0, timeMs: 0, current: 0, failed: 0 });
const countersJson = (counters: Counters): Record<string, number> => ({
  count: counters.count,
  time_in_millis: Math.round(counters.timeMs),
  current: counters.current,
  failed: counters.failed,
});

/**
 * How `_nodes/stats/ingest` names a processor and its type, as Elasticsearch does (300_stats.yml):
 * `type[:pipeline name][:tag]`; a processor with an `if` has the type `conditional`; one with an
 * `if` and `ignore_failure`, or with `on_failure`, is Elasticsearch's compound wrapper,
 * `compound:CompoundProcessor-<tag>`.
 */
export function processorStatsName(processor: Processor): { readonly key: string; readonly type: string } {
  const wrapped = processor.onFailure.length > 0 || (processor.condition !== undefined && processor.ignoreFailure);
  const type = processor.condition !== undefined ? 'conditional' : wrapped ? 'compound' : processor.type;
  if (wrapped) return { key: `compound:CompoundProcessor-${processor.tag ?? 'null'}`, type };
  const pipeline = processor.pipelineName === undefined ? '' : `:${processor.pipelineName}`;
  const tag = processor.tag === undefined || processor.tag === '' ? '' : `:${processor.tag}`;
  return { key: `${processor.type}${pipeline}${tag}`, type };
}

/** The counters of `GET /_nodes/stats/ingest`: in total, per pipeline, per top-level processor. */
export class IngestStats {
  readonly total = newCounters();
  private readonly pipelines = new Map<string, { counters: Counters; processors: Map<number, { key: string; type: string; counters: Counters; processor: Processor }> }>();

  private entry(id: string): { counters: Counters; processors: Map<number, { key: string; type: string; counters: Counters; processor: Processor }> } {
    let entry = this.pipelines.get(id);
    if (entry === undefined) this.pipelines.set(id, (entry = { counters: newCounters(), processors: new Map() }));
    return entry;
  }

  pipeline(id: string): Counters {
    return this.entry(id).counters;
  }

  /**
   * The counters of the processor at `position` (called per document and processor). The name is
   * built only when the processor object changes: a replaced pipeline keeps the counters of a
   * processor whose name stays the same, as Elasticsearch carries them over.
   */
  processor(pipelineId: string, position: number, processor: Processor): Counters {
    const processors = this.entry(pipelineId).processors;
    let entry = processors.get(position);
    if (entry?.processor === processor) return entry.counters;
    const { key, type } = processorStatsName(processor);
    if (entry === undefined || entry.key !== key) processors.set(position, (entry = { key, type, counters: newCounters(), processor }));
    else entry.processor = processor;
    return entry.counters;
  }

  /** Forgets a deleted (or replaced) pipeline's counters, as Elasticsearch does. */
  forget(id: string): void {
    this.pipelines.delete(id);
  }

  toJson(pipelines: ReadonlyMap<string, Pipeline>): Record<string, unknown> {
    const perPipeline: Record<string, unknown> = {};
    for (const [id, pipeline] of [...pipelines].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))) {
      const entry = this.pipelines.get(id);
      perPipeline[id] = {
        ...countersJson(entry?.counters ?? newCounters()),
        processors: pipeline.processors.map((processor, position) => {
          const { key, type } = processorStatsName(processor);
          const stored = entry?.processors.get(position);
          return { [key]: { type, stats: countersJson(stored?.key === key ? stored.counters : newCounters()) } };
        }),
      };
    }
    return { total: countersJson(this.total), pipelines: perPipeline };
  }
}

// ---------------------------------------------------------------- pipelines

export interface Pipeline {
  readonly id: string;
  readonly description: string | undefined;
  readonly version: number | undefined;
  readonly processors: readonly Processor[];
  readonly onFailure: readonly Processor[];
}

/** Parses one `{type: {options}}` entry (Elasticsearch's ConfigurationUtils.readProcessor). */
export function parseProcessor(definition: unknown, registry: ReadonlyMap<string, ProcessorFactory>, scripts?: StoredScriptLookup): Processor {
  if (!isPlainObject(definition)) throw errors.ingestConfiguration(`processor definition isn't a map, but of type [${javaTypeName(definition)}]`);
  const entries = Object.entries(definition);
  if (entries.length !== 1) throw errors.ingestConfiguration(`processor definition must have exactly one processor type, found [${entries.map(([type]) => type).join(', ')}]`);
  const [type, given] = entries[0]!;
  // A script processor may be given as its source alone (Elasticsearch's ConfigurationUtils.readProcessor).
  const options = type === 'script' && typeof given === 'string' ? { source: given } : given;
  const factory = registry.get(type);
  const tag = isPlainObject(options) && typeof options['tag'] === 'string' ? options['tag'] : undefined;
  if (factory === undefined) throw errors.ingestConfiguration(`No processor type exists with name [${type}]`, type, tag);
  if (!isPlainObject(options)) throw errors.ingestConfiguration(`property isn't a map, but of type [${javaTypeName(options)}]`, type, tag);
  const config = new ProcessorConfig(type, tag, options);
  const description = config.optionalString('description');
  config.optionalString('tag');
  const conditionDefinition = config.optional('if');
  const condition = conditionDefinition === undefined ? undefined : compileCondition(conditionDefinition, scripts);
  const ignoreFailure = config.boolean('ignore_failure', false);
  const onFailureDefinitions = config.optional('on_failure');
  let onFailure: Processor[] = [];
  if (onFailureDefinitions !== undefined) {
    if (!Array.isArray(onFailureDefinitions)) throw config.error('on_failure', `[on_failure] property isn't a list, but of type [${javaTypeName(onFailureDefinitions)}]`);
    if (onFailureDefinitions.length === 0) throw config.error('on_failure', '[on_failure] processors list cannot be empty');
    onFailure = onFailureDefinitions.map((item) => parseProcessor(item, registry, scripts));
  }
  const made = factory(config, { parseProcessor: (item) => parseProcessor(item, registry, scripts), scripts });
  config.finish();
  const body = typeof made === 'function' ? made : made.body;
  return {
    type,
    tag,
    description,
    ignoreFailure,
    onFailure,
    ...(condition !== undefined ? { condition } : {}),
    body,
    ...(typeof made === 'function' ? {} : { callsPipeline: made.callsPipeline, pipelineName: made.pipelineName }),
  };
}

/** Parses a pipeline definition (`description`, `version`, `_meta`, `processors`, `on_failure`, `deprecated`). */
export function parsePipeline(id: string, definition: unknown, registry: ReadonlyMap<string, ProcessorFactory>, scripts?: StoredScriptLookup): Pipeline {
  if (!isPlainObject(definition)) throw errors.ingestConfiguration('pipeline definition must be an object');
  const remaining = { ...definition };
  const description = remaining['description'];
  const version = remaining['version'];
  const meta = remaining['_meta'];
  const processors = remaining['processors'];
  const onFailure = remaining['on_failure'];
  const deprecated = remaining['deprecated'];
  for (const key of ['description', 'version', '_meta', 'processors', 'on_failure', 'deprecated']) delete remaining[key];
  if (description !== undefined && description !== null && typeof description !== 'string') {
    throw errors.ingestConfiguration(`[description] property isn't a string, but of type [${javaTypeName(description)}]`, undefined, undefined, 'description');
  }
  if (version !== undefined && version !== null && !(typeof version === 'number' && Number.isSafeInteger(version)) && !(typeof version === 'string' && /^-?\d+$/.test(version))) {
    throw errors.ingestConfiguration(`Failed to parse property [version] with value [${String(version)}]`, undefined, undefined, 'version');
  }
  if (meta !== undefined && meta !== null && !isPlainObject(meta)) throw errors.ingestConfiguration(`[_meta] property isn't a map, but of type [${javaTypeName(meta)}]`, undefined, undefined, '_meta');
  if (deprecated !== undefined && deprecated !== null && typeof deprecated !== 'boolean') {
    throw errors.ingestConfiguration(`[deprecated] property isn't a boolean, but of type [${javaTypeName(deprecated)}]`, undefined, undefined, 'deprecated');
  }
  if (processors === undefined || processors === null) throw errors.ingestConfiguration('[processors] required property is missing', undefined, undefined, 'processors');
  if (!Array.isArray(processors)) throw errors.ingestConfiguration(`[processors] property isn't a list, but of type [${javaTypeName(processors)}]`, undefined, undefined, 'processors');
  if (onFailure !== undefined && onFailure !== null && !Array.isArray(onFailure)) {
    throw errors.ingestConfiguration(`[on_failure] property isn't a list, but of type [${javaTypeName(onFailure)}]`, undefined, undefined, 'on_failure');
  }
  if (Array.isArray(onFailure) && onFailure.length === 0) throw errors.ingestConfiguration('pipeline [' + id + '] cannot have an empty on_failure option defined');
  const left = Object.keys(remaining);
  if (left.length > 0) throw errors.ingestConfiguration(`pipeline [${id}] doesn't support one or more provided configuration parameters [${left.join(', ')}]`);
  return {
    id,
    description: typeof description === 'string' ? description : undefined,
    version: version === undefined || version === null ? undefined : Number(version),
    processors: processors.map((item) => parseProcessor(item, registry, scripts)),
    onFailure: Array.isArray(onFailure) ? onFailure.map((item) => parseProcessor(item, registry, scripts)) : [],
  };
}

// ---------------------------------------------------------------- execution

const onFailureKeys = ['on_failure_message', 'on_failure_processor_type', 'on_failure_processor_tag', 'on_failure_pipeline'] as const;

function snapshot(document: IngestDocument): Record<string, unknown> {
  return document.toSimulateJson();
}

function traceEntry(processor: Processor, status: ProcessorResult['status'], extra: Partial<ProcessorResult>): ProcessorResult {
  return {
    processor_type: processor.type,
    status,
    ...(processor.description !== undefined ? { description: processor.description } : {}),
    ...(processor.tag !== undefined ? { tag: processor.tag } : {}),
    ...extra,
  };
}

/**
 * Runs `processors` in order with on_failure handling (Elasticsearch's CompoundProcessor); the
 * list's own `onFailure` applies when one fails without its own. Stops at a dropped document.
 */
function runCompound(
  processors: readonly Processor[],
  onFailure: readonly Processor[],
  document: IngestDocument,
  context: ProcessorContext,
  pipelineId: string | undefined,
  statsOf: ((position: number, processor: Processor) => Counters) | undefined,
): void {
  for (let position = 0; position < processors.length; position++) {
    if (document.dropped || document.terminated) return;
    const processor = processors[position]!;
    try {
      runProcessor(processor, document, context, pipelineId, statsOf?.(position, processor));
    } catch (error) {
      if (onFailure.length === 0) throw error;
      runOnFailure(onFailure, error, processor, document, context, pipelineId);
      return;
    }
  }
}

function failureOf(error: unknown, processor: Processor, pipelineId: string | undefined): ProcessorFailure {
  if (error instanceof ProcessorFailure) return error;
  return new ProcessorFailure(asEsError(error), processor.type, processor.tag, pipelineId);
}

/** Runs on_failure processors with the failure described in `_ingest`, then restores what was there. */
function runOnFailure(handlers: readonly Processor[], error: unknown, processor: Processor, document: IngestDocument, context: ProcessorContext, pipelineId: string | undefined): void {
  const failure = failureOf(error, processor, pipelineId);
  const saved = onFailureKeys.map((key) => [key, document.ingest[key]] as const);
  document.ingest['on_failure_message'] = failure.cause.message;
  document.ingest['on_failure_processor_type'] = failure.processorType;
  if (failure.processorTag !== undefined) document.ingest['on_failure_processor_tag'] = failure.processorTag;
  else delete document.ingest['on_failure_processor_tag'];
  if (failure.pipelineId !== undefined) document.ingest['on_failure_pipeline'] = failure.pipelineId;
  try {
    runCompound(handlers, [], document, context, pipelineId, undefined);
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete document.ingest[key];
      else document.ingest[key] = value;
    }
  }
}

function runProcessor(processor: Processor, document: IngestDocument, context: ProcessorContext, pipelineId: string | undefined, counters: Counters | undefined): void {
  let conditionTrace: { if: { condition: string; result: boolean } } | undefined;
  if (processor.condition !== undefined) {
    let result: boolean;
    try {
      result = testCondition(processor.condition.script, document, context);
    } catch (error) {
      // A condition that fails is the processor's failure (Elasticsearch's ConditionalProcessor).
      context.trace?.push(traceEntry(processor, 'error', { error: errorBody(asEsError(error)) }));
      if (processor.ignoreFailure) return;
      if (processor.onFailure.length === 0) throw failureOf(error, processor, pipelineId);
      runOnFailure(processor.onFailure, error, processor, document, context, pipelineId);
      return;
    }
    conditionTrace = { if: { condition: processor.condition.source, result } };
    if (!result) {
      context.trace?.push(traceEntry(processor, 'skipped', conditionTrace));
      return;
    }
  }
  const entry = (status: ProcessorResult['status'], extra: Partial<ProcessorResult>): ProcessorResult => traceEntry(processor, status, { ...conditionTrace, ...extra });
  const started = counters === undefined ? 0 : context.elapsedMs();
  if (counters !== undefined) (counters.count += 1), (counters.current += 1);
  try {
    if (processor.callsPipeline !== undefined) runPipelineProcessor(entry, processor.callsPipeline(document, context), document, context);
    else {
      processor.body(document, context);
      context.trace?.push(document.dropped ? entry('dropped', {}) : entry('success', { doc: snapshot(document) }));
    }
  } catch (error) {
    const cause = error instanceof ProcessorFailure ? error.cause : asEsError(error);
    if (counters !== undefined) counters.failed += 1;
    if (processor.ignoreFailure) {
      context.trace?.push(entry('error_ignored', { ignored_error: { error: errorBody(cause) }, doc: snapshot(document) }));
      return;
    }
    // A nested pipeline traced its own failing processor already.
    if (!(error instanceof ProcessorFailure && processor.callsPipeline !== undefined)) context.trace?.push(entry('error', { error: errorBody(cause) }));
    if (processor.onFailure.length === 0) throw failureOf(error, processor, pipelineId);
    runOnFailure(processor.onFailure, error, processor, document, context, pipelineId);
  } finally {
    if (counters !== undefined) (counters.current -= 1), (counters.timeMs += context.elapsedMs() - started);
  }
}

function isCycle(error: EsError): boolean {
  return error.type === 'graph_structure_exception';
}

/** The `pipeline` processor: runs another stored pipeline on the same document. */
function runPipelineProcessor(
  entry: (status: ProcessorResult['status'], extra: Partial<ProcessorResult>) => ProcessorResult,
  pipeline: Pipeline | undefined,
  document: IngestDocument,
  context: ProcessorContext,
): void {
  if (pipeline === undefined) {
    context.trace?.push(entry('success', { doc: snapshot(document) }));
    return;
  }
  if (context.trace !== undefined) {
    // Elasticsearch first runs the pipeline on a copy to find cycles, so a cycle is reported on the calling processor.
    if (document.pipelineStack.includes(pipeline.id)) throw errors.pipelineGraph(`Cycle detected for pipeline: ${pipeline.id}`);
    try {
      executePipeline(pipeline, document.copyWithStack(), { ...context, trace: undefined, stats: undefined });
    } catch (error) {
      const cause = error instanceof ProcessorFailure ? error.cause : error instanceof EsError ? error : undefined;
      if (cause !== undefined && isCycle(cause)) throw cause;
    }
    context.trace.push(entry('success', {}));
  }
  executePipeline(pipeline, document, context);
}

/**
 * Runs one pipeline over the document (sets `_ingest.pipeline` while it runs). Throws a
 * ProcessorFailure when a processor fails and no on_failure handles it.
 */
export function executePipeline(pipeline: Pipeline, document: IngestDocument, context: ProcessorContext): void {
  // Elasticsearch's IngestDocument.executePipeline returns at once for a pipeline without processors.
  if (pipeline.processors.length === 0) return;
  if (document.pipelineStack.length >= limits.ingestNestedPipelinesMax) {
    throw errors.pipelineGraph(`Too many nested pipelines. Cannot have more than ${limits.ingestNestedPipelinesMax} nested pipelines`);
  }
  if (document.pipelineStack.includes(pipeline.id)) throw errors.pipelineGraph(`Cycle detected for pipeline: ${pipeline.id}`);
  const counters = context.stats?.pipeline(pipeline.id);
  const started = counters === undefined ? 0 : context.elapsedMs();
  if (counters !== undefined) (counters.count += 1), (counters.current += 1);
  const previous = document.ingest['pipeline'];
  document.ingest['pipeline'] = pipeline.id;
  document.pipelineStack.push(pipeline.id);
  try {
    const stats = context.stats;
    runCompound(pipeline.processors, pipeline.onFailure, document, context, pipeline.id, stats === undefined ? undefined : (position, processor) => stats.processor(pipeline.id, position, processor));
  } catch (error) {
    if (counters !== undefined) counters.failed += 1;
    throw error;
  } finally {
    document.terminated = false;
    document.pipelineStack.pop();
    if (previous === undefined) delete document.ingest['pipeline'];
    else document.ingest['pipeline'] = previous;
    if (counters !== undefined) (counters.current -= 1), (counters.timeMs += context.elapsedMs() - started);
  }
}

/** Runs one processor as a nested step (the foreach processor's inner processor). */
export function runNestedProcessor(processor: Processor, document: IngestDocument, context: ProcessorContext): void {
  runProcessor(processor, document, context, document.pipelineStack[document.pipelineStack.length - 1], undefined);
}

/** A processor's `if`: a Painless script (string or script object) compiled in the ingest context when the pipeline is parsed. */
function compileCondition(definition: unknown, scripts: StoredScriptLookup | undefined): { readonly source: string; readonly script: CompiledScript } {
  const spec = parseScriptSpec(definition, 'if');
  const script = compileScript(spec, 'ingest', scripts);
  return { source: script.source, script };
}

/** A script clock over the ingest context: the ingest time advanced by the real elapsed time (the script's time budget needs it to move). */
export function scriptClock(context: ProcessorContext): ScriptClock {
  const base = context.elapsedMs();
  return { nowMs: () => context.nowMs + (context.elapsedMs() - base) };
}

/** Runs an `if` condition over a copy of the document (the condition sees `ctx` read-only). */
function testCondition(script: CompiledScript, document: IngestDocument, context: ProcessorContext): boolean {
  const result = script.execute({ ctx: fromJson(document.root) }, scriptClock(context));
  if (typeof result !== 'boolean') throw errors.illegalArgument(`the [if] condition [${script.source}] must return a boolean, it returned [${String(result)}]`);
  return result;
}
