/**
 * Runtime fields of a search (`runtime_mappings`), pure: each field's script runs per document
 * and `emit`s its values (without a script, the values are `_source`'s field of the same name).
 * For the query phase the values become doc values and postings of a segment built beside the
 * real one, so queries, aggregations and sorts read them as any field; they score a constant, as
 * Elasticsearch's runtime field queries do. The fetch phase computes them per hit for `fields`.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/runtime-search-request.html
 */
import { errors } from '../../common/index.js';
import { buildSegment } from '../engine/segment-builder.js';
import type { FieldMapping, FieldMappings, Segment } from '../engine/segment.js';
import { segmentDocLookup } from './doc.js';
import { checkCompiles, compileScript, parseScriptSpec, wallClock, type ScriptSpec } from './index.js';
import { JavaFault, ParamsWithSource, asNumber, fromJson, javaClassName, numericKind, type Value } from './values.js';
import { nestedScopeOf, registerNestedScope } from '../query/nested.js';

export type RuntimeFieldType = 'keyword' | 'long' | 'double' | 'date' | 'boolean';

export interface RuntimeField {
  readonly name: string;
  readonly type: RuntimeFieldType;
  /** undefined: the values come from `_source`. */
  readonly script: ScriptSpec | undefined;
}

const runtimeTypes: readonly RuntimeFieldType[] = ['keyword', 'long', 'double', 'date', 'boolean'];
/** Elasticsearch's limit of values one document's runtime field may emit (AbstractFieldScript). */
const EMITTED_VALUES_MAX = 100;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses `runtime_mappings`; types Strait does not compute (ip, geo_point, composite, lookup) are refused. */
export function parseRuntimeMappings(value: unknown): readonly RuntimeField[] | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw errors.parsing('Expected [START_OBJECT] in [runtime_mappings]');
  return Object.entries(value).map(([name, definition]): RuntimeField => {
    if (!isObject(definition)) throw errors.mapperParsing(`Expected map for runtime field [${name}] definition but got a ${typeof definition}`);
    let type: RuntimeFieldType | undefined;
    let script: ScriptSpec | undefined;
    for (const [key, item] of Object.entries(definition)) {
      if (key === 'type') {
        if (typeof item !== 'string') throw errors.mapperParsing(`No type specified for field [${name}]`);
        if (!runtimeTypes.includes(item as RuntimeFieldType)) {
          if (['ip', 'geo_point', 'geo_shape', 'composite', 'lookup'].includes(item)) throw errors.illegalArgument(`runtime fields of type [${item}] are not supported by Strait (field [${name}])`);
          throw errors.mapperParsing(`No handler for type [${item}] declared on runtime field [${name}]`);
        }
        type = item as RuntimeFieldType;
      } else if (key === 'script') script = parseScriptSpec(item);
      else if (key === 'format' || key === 'locale') throw errors.illegalArgument(`runtime field option [${key}] is not supported by Strait (field [${name}])`);
      else throw errors.mapperParsing(`unknown parameter [${key}] on runtime field [${name}] of type [${String(definition['type'])}]`);
    }
    if (type === undefined) throw errors.mapperParsing(`No type specified for field [${name}]`);
    return { name, type, script };
  });
}

/** The engine mapping of a runtime field: queries on it score a constant. */
function mappingOf(field: RuntimeField): FieldMapping {
  return { type: field.type, constantScore: true };
}

/** Checks one emitted value against the field's type and returns it as the builder indexes it. */
function indexedValue(field: RuntimeField, value: Value): unknown {
  switch (field.type) {
    case 'keyword':
      if (typeof value === 'string') return value;
      break;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      break;
    case 'long':
    case 'date':
      if (numericKind(value) === 'int' || numericKind(value) === 'long') return asNumber(value);
      break;
    case 'double':
      if (numericKind(value) !== undefined) return asNumber(value);
      break;
  }
  const expected = { keyword: 'java.lang.String', boolean: 'boolean', long: 'long', date: 'long', double: 'double' }[field.type];
  throw new JavaFault('class_cast_exception', `Cannot cast from [${javaClassName(value)}] to [${expected}]`);
}

/** A field's values for one document: its script's emits, or `_source`'s values at its name. */
export function runtimeValues(field: RuntimeField, segment: Segment, mappings: FieldMappings, indexName: string, doc: number, source: () => unknown): unknown[] {
  if (field.script === undefined) {
    const found = valueAtPath(source(), field.name);
    const list = found === undefined || found === null ? [] : Array.isArray(found) ? found : [found];
    return list.flatMap((item) => {
      try {
        if (field.type === 'date' && typeof item === 'string') {
          const millis = Date.parse(item);
          return Number.isNaN(millis) ? [] : [millis];
        }
        return [indexedValue(field, fromJson(item))];
      } catch {
        return []; // a source value of another type is left out, as a malformed value is ignored
      }
    });
  }
  const script = compileScript(field.script, 'runtime_field');
  const emitted: unknown[] = [];
  const params = new ParamsWithSource(fromJson(field.script.params) as Map<unknown, Value>, source);
  script.execute({ doc: segmentDocLookup(segment, mappings, indexName, doc), params }, wallClock, {
    emit: (args) => {
      if (emitted.length >= EMITTED_VALUES_MAX) {
        throw new JavaFault('illegal_argument_exception', `Runtime field [${field.name}] is emitting [${emitted.length + 1}] values while the maximum number of values allowed is [${EMITTED_VALUES_MAX}]`);
      }
      if (args[0] === null || args[0] === undefined) throw new JavaFault('null_pointer_exception', `Cannot emit a null value for runtime field [${field.name}]`);
      emitted.push(indexedValue(field, args[0]));
      return null;
    },
  });
  return emitted;
}

function valueAtPath(source: unknown, path: string): unknown {
  if (!isObject(source)) return undefined;
  if (Object.hasOwn(source, path)) return source[path];
  // `a.b` may be an object `a` holding `b` (or any split of the dotted path).
  for (let split = path.indexOf('.'); split > 0; split = path.indexOf('.', split + 1)) {
    const head = path.slice(0, split);
    if (!Object.hasOwn(source, head)) continue;
    const found = valueAtPath(source[head], path.slice(split + 1));
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The segments with the runtime fields' doc values and postings beside their own, and the
 * mappings with the runtime fields (a runtime field shadows a mapped field of the same name, as
 * in Elasticsearch).
 */
export function withRuntimeFields(
  segments: readonly Segment[],
  mappings: FieldMappings,
  fields: readonly RuntimeField[],
  indexName: string,
): { segments: Segment[]; mappings: FieldMappings } {
  const runtimeMappings: Record<string, FieldMapping> = {};
  for (const field of fields) runtimeMappings[field.name] = mappingOf(field);
  const augmented = segments.map((segment) => {
    const built = buildSegment(
      {
        length: segment.maxDoc,
        at: (docId) => {
          const fieldValues: Record<string, unknown[]> = {};
          let parsed: unknown;
          const source = (): unknown => (parsed ??= JSON.parse(segment.sources.text(docId)) as unknown);
          for (const field of fields) fieldValues[field.name] = runtimeValues(field, segment, mappings, indexName, docId, source);
          return { docId, id: segment.ids[docId]!, source: '{}', fields: fieldValues };
        },
      },
      runtimeMappings,
      { name: `${segment.name}-runtime`, maxSeqNo: segment.maxSeqNo },
    );
    const docValues = new Map(segment.docValues);
    const postings = new Map(segment.postings);
    for (const field of fields) {
      docValues.delete(field.name);
      postings.delete(field.name);
      const values = built.docValues.get(field.name);
      if (values !== undefined) docValues.set(field.name, values);
      const terms = built.postings.get(field.name);
      if (terms !== undefined) postings.set(field.name, terms);
    }
    return { ...segment, mappings: { ...segment.mappings, ...runtimeMappings }, docValues, postings };
  });
  const augmentedMappings = { ...mappings, ...runtimeMappings };
  // The segments keep their `_source` texts: nested queries derive the same nested documents.
  const scope = nestedScopeOf(mappings);
  if (scope !== undefined) registerNestedScope(augmentedMappings, scope);
  return { segments: augmented, mappings: augmentedMappings };
}

/** Renders a runtime field's values for `fields` in a hit (dates as ISO 8601, as Elasticsearch's default format). */
export function renderRuntimeValues(field: RuntimeField, values: readonly unknown[]): unknown[] {
  if (field.type === 'date') return values.map((millis) => new Date(millis as number).toISOString());
  return [...values];
}

/**
 * The `runtime` section of an index mapping, checked when the mapping is put: definitions as in
 * `runtime_mappings`, and inline scripts that compile (as Elasticsearch compiles them then).
 */
export function validateRuntimeSection(value: unknown): void {
  for (const field of parseRuntimeMappings(withoutRemovals(value)) ?? []) {
    if (field.script?.source !== undefined) checkCompiles(field.script.source, 'runtime_field');
  }
}

/**
 * A mapping's `runtime` section without its `null` entries: in a mapping (unlike a search's
 * `runtime_mappings`) Elasticsearch reads `null` as the removal of that runtime field.
 */
function withoutRemovals(value: unknown): unknown {
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, definition]) => definition !== null));
}

/** The runtime fields of a search on one index: the mapping's `runtime` section, overridden by name by the request's. */
export function effectiveRuntimeFields(indexMappings: Readonly<Record<string, unknown>>, request: readonly RuntimeField[] | undefined): readonly RuntimeField[] | undefined {
  const fromIndex = indexMappings['runtime'] === undefined ? [] : (parseRuntimeMappings(withoutRemovals(indexMappings['runtime'])) ?? []);
  if (fromIndex.length === 0) return request;
  const byName = new Map<string, RuntimeField>();
  for (const field of [...fromIndex, ...(request ?? [])]) byName.set(field.name, field);
  return [...byName.values()];
}
