/**
 * The document an ingest pipeline works on (pure; Elasticsearch's IngestDocument): one root map
 * holding the source fields beside the metadata fields a processor may read and change
 * (`_index`, `_id`, `_routing`, `_version`, ...), and the `_ingest` map (`timestamp`, the running
 * `pipeline`, `on_failure_*`). Field paths are dotted (`a.b.0.c`); `_source.` and `_ingest.`
 * prefixes pick the map. Errors carry Elasticsearch's messages, which name Java types.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/accessing-data-in-pipelines.html
 */
import { errors, type EsError } from '../../common/index.js';

export type IngestMap = Record<string, unknown>;

/** The metadata fields that live beside the source fields (never stored as source). */
export const metadataFields = ['_index', '_id', '_routing', '_version', '_version_type', '_if_seq_no', '_if_primary_term', '_dynamic_templates'] as const;
const metadataSet = new Set<string>(metadataFields);

export function isPlainObject(value: unknown): value is IngestMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The Java class Elasticsearch would name for a JSON value (messages quote it). */
export function javaTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return 'java.lang.String';
  if (typeof value === 'boolean') return 'java.lang.Boolean';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'java.lang.Double';
    return value >= -2147483648 && value <= 2147483647 ? 'java.lang.Integer' : 'java.lang.Long';
  }
  if (Array.isArray(value)) return 'java.util.ArrayList';
  return 'java.util.HashMap';
}

/** A deep copy of a JSON value (copy_from, the verbose snapshots, foreach). */
export function deepCopy<T>(value: T): T {
  return value === undefined ? value : (structuredClone(value) as T);
}

export class IngestDocument {
  /** Source fields and metadata fields, as Elasticsearch's `sourceAndMetadata`. */
  readonly root: IngestMap;
  readonly ingest: IngestMap;
  /** Set by the `drop` processor: the document is not written. */
  dropped = false;
  /** Set by the `terminate` processor: the running pipeline stops (its callers and the final pipeline go on). */
  terminated = false;
  /** Ids of the pipelines running, outermost first (cycle detection of the `pipeline` processor). */
  readonly pipelineStack: string[] = [];

  constructor(root: IngestMap, ingest: IngestMap) {
    this.root = root;
    this.ingest = ingest;
  }

  static of(metadata: { readonly _index: string; readonly _id?: string | undefined; readonly _routing?: string | undefined; readonly _version?: number | undefined }, source: IngestMap, timestamp: string): IngestDocument {
    const root: IngestMap = { ...source };
    for (const [key, value] of Object.entries(metadata)) if (value !== undefined) root[key] = value;
    return new IngestDocument(root, { timestamp });
  }

  /** The source fields (root without metadata). */
  source(): IngestMap {
    const source: IngestMap = {};
    for (const [key, value] of Object.entries(this.root)) if (!metadataSet.has(key)) source[key] = value;
    return source;
  }

  metadata(name: (typeof metadataFields)[number]): unknown {
    return this.root[name];
  }

  copy(): IngestDocument {
    const copy = new IngestDocument(deepCopy(this.root), deepCopy(this.ingest));
    copy.dropped = this.dropped;
    return copy;
  }

  /** A copy that also knows which pipelines are running (the verbose cycle check runs on it). */
  copyWithStack(): IngestDocument {
    const copy = this.copy();
    copy.pipelineStack.push(...this.pipelineStack);
    return copy;
  }

  private locate(path: string): { readonly container: IngestMap; readonly segments: string[] } {
    if (path === '') throw errors.illegalArgument('path cannot be null nor empty');
    let container = this.root;
    let rest = path;
    if (path.startsWith('_ingest.')) {
      container = this.ingest;
      rest = path.slice('_ingest.'.length);
    } else if (path.startsWith('_source.')) {
      rest = path.slice('_source.'.length);
    } else if (path === '_ingest' || path === '_source') {
      throw errors.illegalArgument(`path [${path}] is not valid`);
    }
    if (rest === '') throw errors.illegalArgument(`path [${path}] is not valid`);
    return { container, segments: rest.split('.') };
  }

  /** The value at `path`; throws Elasticsearch's error when a part of it is missing. */
  get(path: string): unknown {
    const { container, segments } = this.locate(path);
    let context: unknown = container;
    for (const segment of segments) context = resolveSegment(context, segment, path);
    return context;
  }

  /** The value at `path`, or undefined when it is missing (`ignore_missing` reads). */
  getOptional(path: string): unknown {
    return this.has(path) ? this.get(path) : undefined;
  }

  has(path: string): boolean {
    let located;
    try {
      located = this.locate(path);
    } catch {
      return false;
    }
    let context: unknown = located.container;
    for (const segment of located.segments) {
      if (isPlainObject(context)) {
        if (!Object.hasOwn(context, segment)) return false;
        context = context[segment];
      } else if (Array.isArray(context)) {
        const index = listIndex(segment);
        if (index === undefined || index < 0 || index >= context.length) return false;
        context = context[index];
      } else {
        return false;
      }
    }
    return true;
  }

  /** Sets `path` to `value`, creating the maps along it. */
  set(path: string, value: unknown): void {
    this.write(path, value, false, true);
  }

  /** Appends to the list at `path` (a single value becomes a list), as the append processor does. */
  append(path: string, value: unknown, allowDuplicates: boolean): void {
    this.write(path, value, true, allowDuplicates);
  }

  private write(path: string, value: unknown, append: boolean, allowDuplicates: boolean): void {
    const { container, segments } = this.locate(path);
    let context: unknown = container;
    for (const segment of segments.slice(0, -1)) {
      if (context === null || context === undefined) throw errors.illegalArgument(`cannot resolve [${segment}] from null as part of path [${path}]`);
      if (isPlainObject(context)) {
        if (!Object.hasOwn(context, segment) || context[segment] === undefined) context[segment] = {};
        context = context[segment];
      } else if (Array.isArray(context)) {
        context = context[checkedIndex(context, segment, path)];
      } else {
        throw errors.illegalArgument(`cannot resolve [${segment}] from object of type [${javaTypeName(context)}] as part of path [${path}]`);
      }
    }
    const leaf = segments[segments.length - 1]!;
    if (context === null || context === undefined) throw errors.illegalArgument(`cannot set [${leaf}] with null parent as part of path [${path}]`);
    if (isPlainObject(context)) {
      if (append && Object.hasOwn(context, leaf)) context[leaf] = appendValues(context[leaf], value, allowDuplicates);
      else context[leaf] = append ? appendValues(undefined, value, allowDuplicates) : value;
    } else if (Array.isArray(context)) {
      const index = checkedIndex(context, leaf, path);
      context[index] = append ? appendValues(context[index], value, allowDuplicates) : value;
    } else {
      throw errors.illegalArgument(`cannot set [${leaf}] with parent object of type [${javaTypeName(context)}] as part of path [${path}]`);
    }
  }

  /** Removes `path`; throws when it is missing. */
  remove(path: string): void {
    const { container, segments } = this.locate(path);
    let context: unknown = container;
    for (const segment of segments.slice(0, -1)) context = resolveSegment(context, segment, path);
    const leaf = segments[segments.length - 1]!;
    if (isPlainObject(context)) {
      if (!Object.hasOwn(context, leaf)) throw errors.illegalArgument(`field [${leaf}] not present as part of path [${path}]`);
      delete context[leaf];
    } else if (Array.isArray(context)) {
      context.splice(checkedIndex(context, leaf, path), 1);
    } else if (context === null || context === undefined) {
      throw errors.illegalArgument(`cannot remove [${leaf}] from null as part of path [${path}]`);
    } else {
      throw errors.illegalArgument(`cannot remove [${leaf}] from object of type [${javaTypeName(context)}] as part of path [${path}]`);
    }
  }

  /** The document as `_simulate` shows it: metadata, `_source`, `_ingest`. */
  toSimulateJson(): IngestMap {
    const json: IngestMap = {};
    for (const name of metadataFields) {
      const value = this.root[name];
      if (value !== undefined && value !== null) json[name] = name === '_version' ? String(value) : value;
    }
    json['_source'] = this.source();
    json['_ingest'] = { ...this.ingest };
    return deepCopy(json);
  }
}

function listIndex(segment: string): number | undefined {
  return /^-?\d+$/.test(segment) ? Number(segment) : undefined;
}

function checkedIndex(list: readonly unknown[], segment: string, path: string): number {
  const index = listIndex(segment);
  if (index === undefined) throw errors.illegalArgument(`[${segment}] is not an integer, cannot be used as an index as part of path [${path}]`);
  if (index < 0 || index >= list.length) throw errors.illegalArgument(`[${index}] is out of bounds for array with length [${list.length}] as part of path [${path}]`);
  return index;
}

function resolveSegment(context: unknown, segment: string, path: string): unknown {
  if (context === null || context === undefined) throw errors.illegalArgument(`cannot resolve [${segment}] from null as part of path [${path}]`);
  if (isPlainObject(context)) {
    if (!Object.hasOwn(context, segment)) throw errors.illegalArgument(`field [${segment}] not present as part of path [${path}]`);
    return context[segment];
  }
  if (Array.isArray(context)) return context[checkedIndex(context, segment, path)];
  throw errors.illegalArgument(`cannot resolve [${segment}] from object of type [${javaTypeName(context)}] as part of path [${path}]`);
}

function sameValue(left: unknown, right: unknown): boolean {
  return left === right || (typeof left === 'object' && typeof right === 'object' && JSON.stringify(left) === JSON.stringify(right));
}

/** Elasticsearch's IngestDocument.appendValues: lists are flattened one level into the target list. */
function appendValues(existing: unknown, value: unknown, allowDuplicates: boolean): unknown[] {
  const list: unknown[] = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  const values = Array.isArray(value) ? value : [value];
  for (const item of values) {
    if (allowDuplicates || !list.some((present) => sameValue(present, item))) list.push(item);
  }
  return list;
}

/** `field [x] of type [T] cannot be cast to [U]`, as IngestDocument.cast words it. */
export function castError(path: string, value: unknown, target: string): EsError {
  return errors.illegalArgument(`field [${path}] of type [${javaTypeName(value)}] cannot be cast to [${target}]`);
}
