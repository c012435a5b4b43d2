/**
 * The fetch phase (pure): renders the hits of a merged page in Elasticsearch's shape, reading
 * `_source` and doc values from the very segments the query phase searched (so a hit shows the
 * document version it matched, never a newer one).
 *
 * Hit keys in Elasticsearch's order: `_shard`, `_node` (explain only), `_index`, `_id`,
 * `_version`, `_seq_no`, `_primary_term`, `_score`, `_routing` (metadata fields come before the
 * source in Elasticsearch's SearchHit), `_source`, `fields`, `highlight`, `sort`, `_explanation`.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/search-fields.html
 */
import { errors } from '../common/index.js';
import { filterSource, filterSourceFields, indexableValue, wildcardMatch, type FlattenedMapping, type MappedField, type SourceFilter } from '../index/index.js';
import { formatDateNanos, parseDateNanos } from '../index/query/date-math.js';
import { normalizeIp } from '../index/query/ip.js';
import { normalizeKeyword, parseDate, sourceOf, type DocMetadata, type FieldMappings, type Segment, type ShardHit, type QueryNode, type SortSpec, type SortValue } from '../index/searcher/index.js';
import { highlightHit, type HighlightSpec } from './highlight.js';
import type { Explanation } from './explain.js';
import { mergeRuntimeFields, renderRuntimeFields, renderScriptFields, type ScriptField } from './script-fields.js';
import type { RuntimeField } from '../index/script/runtime-fields.js';
import { flattenedFetchObject, flattenedKeyFetchValues, flattenedRootField } from '../index/mapping/flattened.js';
import { parseGeoPoint } from '../index/mapping/geo-point.js';
import { docGeoPoints } from '../index/engine/geo-encoding.js';

/** One entry of `fields` or `docvalue_fields`. */
export interface FieldRequest {
  readonly pattern: string;
  readonly format: string | undefined;
}

export interface FetchOptions {
  readonly source: SourceFilter;
  /** `stored_fields: _none_`: neither `_source` nor `_id`. */
  readonly storedFieldsNone: boolean;
  /** `stored_fields` given (without `_source`): no `_source` unless `_source` was asked explicitly. */
  readonly storedFieldsOnly: boolean;
  readonly fields: readonly FieldRequest[];
  readonly docvalueFields: readonly FieldRequest[];
  readonly highlight: HighlightSpec | undefined;
  readonly explain: boolean;
  readonly version: boolean;
  readonly seqNoPrimaryTerm: boolean;
  /** The request sorted explicitly by `_score` alone: hits still carry `sort: [score]`, as in Elasticsearch. */
  readonly scoreSortValues: boolean;
  /** `include_named_queries_score`: `matched_queries` maps names to scores instead of listing names. */
  readonly namedQueriesScore?: boolean;
  /** `stored_fields` names or patterns: the values of matching fields mapped with `store: true` go into `fields`. */
  readonly storedFields?: readonly string[];
  /** `script_fields`: scripts run per hit, rendered in `fields` (script-fields.ts). */
  readonly scriptFields?: readonly ScriptField[] | undefined;
  /** `runtime_mappings`: runtime fields that `fields` patterns name are computed per hit. */
  readonly runtimeFields?: readonly RuntimeField[];
}

/** What the fetch phase needs of one searched shard. */
export interface FetchTarget {
  /** `_index` as rendered (with a `cluster:` prefix for remote results). */
  readonly indexName: string;
  readonly segments: readonly Segment[];
  readonly metadata: readonly DocMetadata[];
  readonly mapping: FlattenedMapping;
  readonly mappings: FieldMappings;
  /** The index's `index.query.default_field` the query phase read: highlighting follows it for queries without fields. */
  readonly defaultFields: readonly string[];
  /** The query as written (before alias filters), for highlighting and explanations. */
  readonly query: QueryNode;
  /** Field level security: `_source` loses the fields this predicate hides (`mapping` already has). */
  readonly fieldVisibility?: (path: string) => boolean;
  readonly nodeId: string;
  /** The shard number (`_shard` in explained hits). */
  readonly shard: number;
  /** The hit's `_explanation`: the query (with alias filters) explained for its document (see explain.ts). */
  explain(hit: ShardHit): Explanation;
  /** The index mapping's runtime fields (`runtime`); the request's `runtime_mappings` override them by name. */
  readonly runtimeFields?: readonly RuntimeField[] | undefined;
  /** The named clauses the hit's document matches, with their scores (undefined: the query names none). */
  matchedQueries?(hit: ShardHit): ReadonlyMap<string, number> | undefined;
  /** The hit's `inner_hits` of nested queries (search/nested-inner-hits.ts; undefined: none asked). */
  nestedInnerHits?(hit: ShardHit): Json | undefined;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A `fields` or `docvalue_fields` list (of the search body or an inner hit): names or `{field, format}` objects. */
export function parseFieldRequests(value: unknown, name: string): FieldRequest[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (typeof item === 'string') return { pattern: item, format: undefined };
    if (isObject(item) && typeof item['field'] === 'string') {
      return { pattern: item['field'], format: typeof item['format'] === 'string' ? item['format'] : undefined };
    }
    throw errors.parsing(`[${name}] expected a field name or an object with [field]`);
  });
}

/**
 * Values at a dotted path of a source document, arrays flattened, nulls dropped. Both object
 * nesting (`{"user":{"name":..}}`) and dotted keys (`{"user.name":..}`) are followed.
 */
export function sourceValues(source: unknown, path: string): unknown[] {
  const values: unknown[] = [];
  const walk = (value: unknown, rest: string): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, rest);
      return;
    }
    if (rest === '') {
      if (value !== null && value !== undefined) values.push(value);
      return;
    }
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if (rest === key) walk(child, '');
      else if (rest.startsWith(`${key}.`)) walk(child, rest.slice(key.length + 1));
    }
  };
  walk(source, path);
  return values;
}

/** The shortest decimal that reads back as the same float32 (how Java prints a float). */
export function floatString(value: number): number {
  if (!Number.isFinite(value)) return value;
  for (let precision = 1; precision <= 9; precision++) {
    const candidate = Number(value.toPrecision(precision));
    if (Math.fround(candidate) === Math.fround(value)) return candidate;
  }
  return value;
}

function firstFormat(format: string | undefined): string | undefined {
  return format?.split('||')[0];
}

/** A `_source` value as the `fields` option renders it for this field type; undefined to leave it out. */
function fieldValue(field: MappedField, value: unknown, format: string | undefined): unknown {
  switch (field.type) {
    case 'ip':
      return typeof value === 'string' ? normalizeIp(value) : undefined;
    case 'text':
    case 'keyword':
    case 'wildcard':
    case 'match_only_text':
    case 'binary': {
      if (isObject(value)) return undefined;
      const text = String(value);
      if ((field.type === 'keyword' || field.type === 'wildcard') && field.ignoreAbove !== undefined && text.length > field.ignoreAbove) return undefined;
      // Elasticsearch's keyword value fetcher returns the normalized value.
      return field.normalizer === undefined ? text : normalizeKeyword(field.normalizer, text);
    }
    case 'scaled_float': {
      const number = Number(value);
      const factor = field.scalingFactor ?? 1;
      return Number.isFinite(number) ? Math.round(number * factor) / factor : undefined;
    }
    case 'token_count': {
      if (isObject(value)) return undefined;
      return indexableValue({ type: 'token_count', analyzer: field.analyzer }, value);
    }
    case 'date_nanos': {
      if (typeof value !== 'string' && typeof value !== 'number') return undefined;
      try {
        return formatDateNanos(parseDateNanos(value, field.format, undefined), undefined, format ?? firstFormat(field.format));
      } catch {
        return undefined;
      }
    }
    case 'long':
    case 'integer':
    case 'short':
    case 'byte': {
      const number = Number(value);
      return Number.isFinite(number) ? Math.trunc(number) : undefined;
    }
    case 'double': {
      const number = Number(value);
      return Number.isFinite(number) ? number : undefined;
    }
    case 'float':
    case 'half_float': {
      const number = Number(value);
      return Number.isFinite(number) ? floatString(number) : undefined;
    }
    case 'boolean':
      return value === true || value === 'true' ? true : value === false || value === 'false' || value === '' ? false : undefined;
    case 'date': {
      if (typeof value !== 'string' && typeof value !== 'number') return undefined;
      try {
        return formatDateNanos({ millis: parseDate(value, field.format, undefined), nanos: 0 }, undefined, format ?? firstFormat(field.format));
      } catch {
        return undefined;
      }
    }
    case 'geo_point': {
      // Every input format (geohash and WKT too), as GeoJSON unless the request asks for wkt.
      let point: { lat: number; lon: number };
      try {
        point = parseGeoPoint(value);
      } catch {
        return undefined;
      }
      if (format === 'wkt') return `POINT (${point.lon} ${point.lat})`;
      return { type: 'Point', coordinates: [point.lon, point.lat] };
    }
    case 'completion':
      // As Elasticsearch's completion value fetcher: the source values as written (strings or input objects).
      if (format !== undefined) throw errors.illegalArgument(`Field [${field.path}] of type [completion] doesn't support formats.`);
      return value;
    default:
      return undefined;
  }
}

/** The `fields` section: mapped leaf fields matching the requested patterns, values from `_source`. */
export function renderFields(source: unknown, mapping: FlattenedMapping, requests: readonly FieldRequest[]): Json | undefined {
  const result: Json = {};
  for (const request of requests) {
    for (const [path, field] of mapping.fields) {
      if (result[path] !== undefined || !wildcardMatch(request.pattern, path)) continue;
      // Geo points arrive as arrays [lon, lat]: one value, not two.
      // A field alias shows its target's values under the alias name.
      const target = field.aliasPath === undefined ? field : mapping.fields.get(field.aliasPath);
      if (target === undefined) continue;
      if (target.type === 'constant_keyword') {
        // Every document has the constant, whether or not its source holds it.
        if (target.constantValue !== undefined) result[path] = [target.constantValue];
        continue;
      }
      if (target.type === 'flattened') {
        const objects = sourceValues(source, target.path).map((value) => flattenedFetchObject(value, target.ignoreAbove)).filter((value) => value !== undefined);
        if (objects.length > 0) result[path] = objects;
        continue;
      }
      const sourcePath = target.parentPath ?? target.path;
      const raw = target.type === 'geo_point' ? sourceGeoValues(source, sourcePath) : sourceValues(source, sourcePath);
      const values = raw.map((value) => fieldValue(target, value, request.format)).filter((value) => value !== undefined);
      if (values.length > 0) result[path] = values;
    }
    // A flattened field's key path (named exactly, never by a wildcard) shows the values under it.
    const flattenedRoot = request.pattern.includes('*') || result[request.pattern] !== undefined ? undefined : flattenedRootField(mapping.fields, request.pattern);
    if (flattenedRoot !== undefined) {
      const values = flattenedKeyFetchValues(sourceValues(source, request.pattern), flattenedRoot.ignoreAbove);
      if (values.length > 0) result[request.pattern] = values;
    }
  }
  return Object.keys(result).length === 0 ? undefined : result;
}

/**
 * `stored_fields`: the values of the named fields mapped with `store: true` (metadata names such
 * as `_id` and `_source` are answered elsewhere). Strait keeps no separate stored copy: the values
 * are read from `_source`, as the store holds them, and rendered as the `fields` option renders them.
 */
function renderStoredFields(source: unknown, mapping: FlattenedMapping, names: readonly string[]): Json | undefined {
  const stored = storedFieldsMapping(mapping);
  if (stored === undefined) return undefined;
  const requests = names.filter((name) => !name.startsWith('_')).map((pattern) => ({ pattern, format: undefined }));
  return renderFields(source, stored, requests);
}

/** Per (immutable) mapping, the mapping of its `store: true` fields alone (undefined: none), built once rather than per hit. */
const storedMappings = new WeakMap<FlattenedMapping, FlattenedMapping | null>();

function storedFieldsMapping(mapping: FlattenedMapping): FlattenedMapping | undefined {
  let stored = storedMappings.get(mapping);
  if (stored === undefined) {
    const fields = new Map([...mapping.fields].filter(([, field]) => field.stored === true));
    stored = fields.size === 0 ? null : { ...mapping, fields };
    storedMappings.set(mapping, stored);
  }
  return stored ?? undefined;
}

function sourceGeoValues(source: unknown, path: string): unknown[] {
  const values: unknown[] = [];
  const walk = (value: unknown, rest: string): void => {
    if (rest === '') {
      if (Array.isArray(value) && value.length === 2 && value.every((item) => typeof item === 'number')) values.push(value);
      else if (Array.isArray(value)) for (const item of value) walk(item, '');
      else if (value !== null && value !== undefined) values.push(value);
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) walk(item, rest);
      return;
    }
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if (rest === key) walk(child, '');
      else if (rest.startsWith(`${key}.`)) walk(child, rest.slice(key.length + 1));
    }
  };
  walk(source, path);
  return values;
}

/** The `docvalue_fields` section, read from the segment's doc values. */
export function renderDocValueFields(segment: Segment, doc: number, mapping: FlattenedMapping, mappings: FieldMappings, requests: readonly FieldRequest[], indexName: string): Json | undefined {
  const result: Json = {};
  for (const request of requests) {
    const paths = request.pattern.includes('*') ? [...mapping.fields.keys()].filter((path) => wildcardMatch(request.pattern, path)) : [request.pattern];
    for (const path of paths) {
      const engineField = mappings[path];
      if (engineField === undefined) continue;
      if (engineField.type === 'text') {
        if (request.pattern.includes('*')) continue;
        throw errors.illegalArgument(
          `Fielddata is disabled on [${path}] in [${indexName}]. Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [${path}] in order to load field data by uninverting the inverted index. Note that this can use significant memory.`,
        );
      }
      if (engineField.type === 'constant_keyword') {
        if (engineField.constantValue !== undefined) result[path] = [engineField.constantValue];
        continue;
      }
      const valuesPath = engineField.aliasOf ?? path;
      const values = segment.docValues.get(valuesPath);
      if (values === undefined) continue;
      if (engineField.type === 'geo_point' && values.kind === 'numeric') {
        // The stored (quantized) points as Elasticsearch prints a GeoPoint: "lat, lon".
        const points = docGeoPoints(values, doc);
        if (points.length > 0) result[path] = points.map((point) => `${point.lat}, ${point.lon}`);
        continue;
      }
      const from = values.valueStart[doc]!;
      const to = values.valueStart[doc + 1]!;
      if (from === to) continue;
      const rendered: unknown[] = [];
      for (let at = from; at < to; at++) {
        if (values.kind === 'keyword') {
          rendered.push(segment.postings.get(valuesPath)!.terms[values.ordinals[at]!]!);
          continue;
        }
        const value = values.values[at]!;
        const type = mapping.fields.get(valuesPath)?.type;
        const dateFormat = request.format === undefined || request.format === 'use_field_mapping' ? firstFormat(engineField.format) : request.format;
        if (engineField.type === 'date_nanos' && values.nanos !== undefined) rendered.push(formatDateNanos({ millis: value, nanos: values.nanos[at]! }, undefined, dateFormat));
        // Millisecond dates print through the nanosecond formatter too: it knows Java patterns
        // such as uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSSX (zero nanoseconds) and defers to formatDate.
        else if (engineField.type === 'date') rendered.push(formatDateNanos({ millis: value, nanos: 0 }, undefined, dateFormat));
        else if (engineField.type === 'boolean') rendered.push(value === 1);
        else if (type === 'float' || type === 'half_float') rendered.push(floatString(value));
        else rendered.push(value);
      }
      result[path] = rendered;
    }
  }
  return Object.keys(result).length === 0 ? undefined : result;
}

/** Sort values as Elasticsearch returns them (dates as millis unless the sort names a format; floats as floats). */
export function renderSortValues(values: readonly SortValue[], sort: readonly SortSpec[] | undefined, mapping: FlattenedMapping): unknown[] {
  return values.map((value, position) => {
    const spec = sort?.[position];
    // A document without a geo point sorts at +Infinity, which Elasticsearch prints as a string.
    if (spec?.kind === 'geo_distance' && typeof value === 'number' && !Number.isFinite(value)) return String(value);
    if (spec === undefined || spec.kind !== 'field' || value === null) return value;
    const field = mapping.fields.get(spec.field);
    const type = field?.aliasPath === undefined ? field?.type : mapping.fields.get(field.aliasPath)?.type;
    if (typeof value === 'string' && (type === 'date_nanos' || spec.numericType === 'date_nanos') && /^\d{19}$/.test(value)) {
      // Exact epoch nanoseconds: Elasticsearch prints a long; JSON.stringify can only print the
      // nearest double (which is also all a JavaScript client can parse it into).
      const nanos = BigInt(value);
      if (spec.format !== undefined) return formatDateNanos({ millis: Number(nanos / 1_000_000n), nanos: Number(nanos % 1_000_000n) }, undefined, spec.format);
      return Number(nanos);
    }
    if (typeof value !== 'number') return value;
    if ((type === 'date' || type === 'date_nanos') && spec.format !== undefined) return formatDateNanos({ millis: value, nanos: 0 }, undefined, spec.format);
    if (type === 'float' || type === 'half_float') return floatString(value);
    if (type === 'boolean') return value;
    return value;
  });
}

function scoreOf(hit: ShardHit): number | null {
  return Number.isNaN(hit.score) ? null : hit.score;
}

/** The document's `_ignored` field names (a keyword's doc values), those field level security lets the caller see. */
export function ignoredFields(segment: Segment, doc: number, visible: ((path: string) => boolean) | undefined): string[] {
  const values = segment.docValues.get('_ignored');
  const terms = segment.postings.get('_ignored')?.terms;
  if (values === undefined || values.kind !== 'keyword' || terms === undefined) return [];
  const names: string[] = [];
  for (let index = values.valueStart[doc]!; index < values.valueStart[doc + 1]!; index++) {
    const name = terms[values.ordinals[index]!]!;
    if (visible === undefined || visible(name)) names.push(name);
  }
  return names;
}

/** Renders one hit of the merged page. */
export function renderHit(target: FetchTarget, hit: ShardHit, sort: readonly SortSpec[] | undefined, options: FetchOptions): Json {
  const segment = target.segments[hit.segmentIndex]!;
  const metadata = target.metadata[hit.segmentIndex]!;
  const rendered: Json = {};
  if (options.explain) {
    rendered['_shard'] = `[${target.indexName}][${target.shard}]`;
    rendered['_node'] = target.nodeId;
  }
  rendered['_index'] = target.indexName;
  if (!options.storedFieldsNone) rendered['_id'] = segment.ids[hit.doc];
  if (options.version) rendered['_version'] = metadata.versions[hit.doc];
  if (options.seqNoPrimaryTerm) {
    rendered['_seq_no'] = metadata.seqNos[hit.doc];
    rendered['_primary_term'] = metadata.primaryTerms[hit.doc];
  }
  rendered['_score'] = scoreOf(hit);
  const routing = metadata.routings?.[hit.doc];
  if (routing !== undefined && routing !== null && !options.storedFieldsNone) rendered['_routing'] = routing;
  const ignored = target.mappings['_ignored'] === undefined || options.storedFieldsNone ? [] : ignoredFields(segment, hit.doc, target.fieldVisibility);
  if (ignored.length > 0) rendered['_ignored'] = ignored;
  const stored = sourceOf(segment, hit.doc);
  // `null`: the index keeps no `_source` (mapping `_source.enabled: false`, source-mapping.ts).
  const source = target.fieldVisibility === undefined || stored === null ? stored : filterSourceFields(stored, target.fieldVisibility);
  if (options.source.fetch && !options.storedFieldsNone && !options.storedFieldsOnly && source !== null) rendered['_source'] = filterSource(source, options.source);
  const fields: Json = {
    ...(options.storedFields === undefined ? {} : (renderStoredFields(source, target.mapping, options.storedFields) ?? {})),
    ...(renderFields(source, target.mapping, options.fields) ?? {}),
    ...(renderDocValueFields(segment, hit.doc, target.mapping, target.mappings, options.docvalueFields, target.indexName) ?? {}),
    ...(renderScriptFields(options.scriptFields, { segment, doc: hit.doc, score: hit.score, source }, target.mappings, target.indexName) ?? {}),
    ...(renderRuntimeFields(mergeRuntimeFields(target.runtimeFields, options.runtimeFields), options.fields, { segment, doc: hit.doc, source }, target.mappings, target.indexName) ?? {}),
  };
  if (Object.keys(fields).length > 0) rendered['fields'] = fields;
  // The `fields` option also returns, apart, the source values of requested fields that were ignored at index time.
  const ignoredValues: Json = {};
  for (const name of ignored) {
    if (!options.fields.some((request) => wildcardMatch(request.pattern, name))) continue;
    const values = sourceValues(source, name);
    if (values.length > 0) ignoredValues[name] = values;
  }
  if (Object.keys(ignoredValues).length > 0) rendered['ignored_field_values'] = ignoredValues;
  if (options.highlight !== undefined) {
    const highlight = highlightHit(options.highlight, target.query, target.mappings, target.defaultFields, (path) => {
      const field = target.mapping.fields.get(path);
      return sourceValues(source, field?.parentPath ?? path);
    });
    if (highlight !== undefined) rendered['highlight'] = highlight;
  }
  if (hit.sortValues !== undefined) rendered['sort'] = renderSortValues(hit.sortValues, sort, target.mapping);
  else if (options.scoreSortValues) rendered['sort'] = [scoreOf(hit)];
  const matched = target.matchedQueries?.(hit);
  if (matched !== undefined && matched.size > 0) rendered['matched_queries'] = options.namedQueriesScore === true ? Object.fromEntries(matched) : [...matched.keys()];
  if (options.explain) rendered['_explanation'] = target.explain(hit);
  const innerHits = target.nestedInnerHits?.(hit);
  if (innerHits !== undefined) rendered['inner_hits'] = innerHits;
  return rendered;
}
