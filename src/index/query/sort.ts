/**
 * Sort specifications (`sort` in a search body) and the per-document sort keys built from doc
 * values. https://www.elastic.co/guide/en/elasticsearch/reference/current/sort-search-results.html
 */
import { errors } from '../../common/errors.js';
import type { FieldMappings, Segment } from '../engine/segment.js';
import { epochNanosString } from './date-math.js';
import type { ScriptSpec } from '../script/index.js';
import { parseScriptSort, scriptSortValue } from './script-sort.js';
import type { QueryNode } from './ast.js';
import { parseQuery } from './parse.js';
import { checkGeoDistanceSort, geoDistanceSortValue, geoSortField, parseGeoDistanceSort, type GeoDistanceSortSpec } from './geo.js';

export type SortOrder = 'asc' | 'desc';

export type SortSpec =
  | { readonly kind: 'score'; readonly order: SortOrder }
  | {
      readonly kind: 'doc';
      readonly order: SortOrder;
      /** `_shard_doc`: a point in time's tiebreaker, the document within its shard after the shard's ordinal in the point in time. */
      readonly shardDoc?: true;
      /** The shard's ordinal shifted left 32 bits (Elasticsearch's `_shard_doc` long), set per shard by the search. */
      readonly base?: number;
    }
  | {
      readonly kind: 'field';
      readonly field: string;
      readonly order: SortOrder;
      /** `_last` (default), `_first`, or a replacement value. */
      readonly missing: '_first' | '_last' | string | number;
      readonly mode: 'min' | 'max' | undefined;
      readonly unmappedType: string | undefined;
      readonly format: string | undefined;
      /**
       * `numeric_type`: the resolution keys are compared in across indices (`date` and
       * `date_nanos` convert dates of the other resolution; `long` truncates, `double` keeps).
       */
      readonly numericType?: NumericType;
      /** `nested`: the key comes from the parent's nested documents at `path` that match `filter` (nested.ts). */
      readonly nested?: NestedSortSpec;
    }
  /** `_script`: a script computes each document's key (a double for `number`, a string for `string`). */
  | { readonly kind: 'script'; readonly order: SortOrder; readonly type: 'number' | 'string'; readonly script: ScriptSpec }
  /** `_geo_distance`: each document's distance from the sort points (geo.ts). */
  | GeoDistanceSortSpec;

export interface NestedSortSpec {
  readonly path: string;
  readonly filter: QueryNode | undefined;
}

export type NumericType = 'long' | 'double' | 'date' | 'date_nanos';
const numericTypes: readonly NumericType[] = ['long', 'double', 'date', 'date_nanos'];

/**
 * A sort key: numbers (numeric, date millis, boolean 0/1, score, doc), strings (keyword), null
 * (missing). Nanosecond dates are exact epoch nanoseconds as 19 zero-padded decimal digits, so
 * string order is time order (a number would lose up to 128 ns at today's instants).
 */
export type SortValue = number | string | null;

/** Exact epoch nanoseconds as a sort key (instants before 1970 clamp to 0, as Elasticsearch's nanosecond sorts). */
export function nanoSortKey(millis: number, nanos: number): string {
  if (millis < 0) return '0'.padStart(19, '0');
  return epochNanosString({ millis, nanos }).padStart(19, '0');
}

/** A nanosecond sort key back to epoch milliseconds (floor). */
export function nanoSortKeyMillis(key: string): number {
  return Number(BigInt(key) / 1_000_000n);
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

function orderOf(value: unknown, field: string): SortOrder {
  if (value === 'asc' || value === 'desc') return value;
  if (typeof value === 'string' && (value.toLowerCase() === 'asc' || value.toLowerCase() === 'desc')) return value.toLowerCase() as SortOrder;
  throw errors.illegalArgument(`Unknown SortOrder [${String(value)}] for [${field}]`); // ES: "Unknown SortOrder [x]"
}

function specFor(field: string, options: Json): SortSpec {
  if (field === '_score') return { kind: 'score', order: options['order'] === undefined ? 'desc' : orderOf(options['order'], field) };
  if (field === '_doc') return { kind: 'doc', order: options['order'] === undefined ? 'asc' : orderOf(options['order'], field) };
  if (field === '_shard_doc') return { kind: 'doc', order: options['order'] === undefined ? 'asc' : orderOf(options['order'], field), shardDoc: true };
  if (field === '_script') return parseScriptSort(options);
  if (field === '_geo_distance' || field === '_geoDistance') return parseGeoDistanceSort(options);
  for (const key of Object.keys(options)) {
    // The forms Elasticsearch 8 removed (nested_path, nested_filter) are refused, not ignored.
    if (key === 'nested_path' || key === 'nested_filter') throw errors.illegalArgument(`[field_sort] option [${key}] is not supported by Strait: use [nested]`);
    if (!['order', 'missing', 'mode', 'unmapped_type', 'format', 'numeric_type', 'nested'].includes(key)) throw errors.parsing(`[field_sort] unknown field [${key}]`);
  }
  const mode = options['mode'];
  if (mode !== undefined && mode !== 'min' && mode !== 'max') throw errors.illegalArgument(`Unsupported sort mode [${String(mode)}]`);
  const missing = options['missing'];
  const numericType = options['numeric_type'];
  if (numericType !== undefined && !(numericTypes as readonly unknown[]).includes(numericType)) {
    throw errors.illegalArgument(`invalid value for [numeric_type], must be [${numericTypes.join(', ')}], got ${String(numericType)}`);
  }
  return {
    ...(numericType === undefined ? {} : { numericType: numericType as NumericType }),
    kind: 'field',
    field,
    order: options['order'] === undefined ? 'asc' : orderOf(options['order'], field),
    missing: missing === undefined || missing === null ? '_last' : (missing as string | number),
    mode: mode as 'min' | 'max' | undefined,
    unmappedType: options['unmapped_type'] as string | undefined,
    format: options['format'] as string | undefined,
    ...(options['nested'] === undefined ? {} : { nested: parseNestedSort(options['nested']) }),
  };
}

/** A field sort's `nested` option: `path` and `filter`; `max_children` and a deeper `nested` are refused (not implemented). */
function parseNestedSort(value: unknown): NestedSortSpec {
  if (!isObject(value)) throw errors.parsing('[nested] failed to parse field [nested]');
  for (const key of Object.keys(value)) {
    if (key === 'max_children' || key === 'nested') throw errors.illegalArgument(`[nested] sort option [${key}] is not supported by Strait`);
    if (key !== 'path' && key !== 'filter') throw errors.parsing(`[nested] unknown field [${key}]`);
  }
  const path = value['path'];
  if (typeof path !== 'string') throw errors.parsing("[nested] requires 'path' field");
  return { path, filter: value['filter'] === undefined ? undefined : parseQuery(value['filter']) };
}

/** Parses `sort` in all its forms: "field", {"field": "desc"}, {"field": {...}}, and arrays of these. */
export function parseSort(json: unknown): readonly SortSpec[] {
  const list = Array.isArray(json) ? json : [json];
  return list.map((item) => {
    if (typeof item === 'string') {
      const [field, order] = item.split(':');
      return specFor(field!, order === undefined ? {} : { order });
    }
    if (!isObject(item) || Object.keys(item).length !== 1) throw errors.parsing(`[sort] malformed sort, expected a field name or an object with one field`);
    const [field, value] = Object.entries(item)[0]!;
    if (typeof value === 'string') return specFor(field, { order: value });
    if (!isObject(value)) throw errors.parsing(`[sort] malformed sort for [${field}]`);
    return specFor(field, value);
  });
}

/** The error Elasticsearch gives for sorting or aggregating on a text field (no fielddata). */
export function fielddataDisabled(field: string, indexName: string): Error {
  return errors.illegalArgument(
    `Fielddata is disabled on [${field}] in [${indexName}]. Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [${field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory.`,
  );
}

/** The sort with each field alias replaced by its target (sorting reads the target's doc values); the same array when none is an alias. */
export function resolveSortAliases(sort: readonly SortSpec[], mappings: FieldMappings): readonly SortSpec[] {
  const targetOf = (spec: SortSpec): string | undefined => (spec.kind === 'field' ? mappings[spec.field]?.aliasOf : undefined);
  if (!sort.some((spec) => targetOf(spec) !== undefined)) return sort;
  return sort.map((spec) => {
    const target = targetOf(spec);
    return target === undefined ? spec : { ...spec, field: target };
  });
}

/** Validates sort fields against mappings (text → fielddata error; unmapped without unmapped_type → error). */
export function checkSortFields(sort: readonly SortSpec[], mappings: FieldMappings, indexName: string): void {
  for (const spec of sort) {
    if (spec.kind === 'geo_distance') checkGeoDistanceSort(spec, mappings, indexName);
    if (spec.kind !== 'field') continue;
    const mapping = mappings[spec.field];
    if (mapping === undefined) {
      if (spec.unmappedType === undefined) throw errors.queryShard(`No mapping found for [${spec.field}] in order to sort on`, indexName);
      continue;
    }
    if (mapping.type === 'text') throw fielddataDisabled(spec.field, indexName);
    if (mapping.type === 'geo_point') throw errors.illegalArgument(`can't sort on geo_point field without using specific sorting feature, like geo_distance`);
    // FieldSortBuilder.validateMissingNestedPath: the value is only in nested documents.
    if (mapping.nestedPath !== undefined && spec.nested === undefined) throw errors.queryShard(`it is mandatory to set the [nested] context on the nested sort field: [${spec.field}].`, indexName);
  }
}

/** The sort key of `doc` in `segment` for a field spec (null when the doc has no value). */
export function fieldSortValue(segment: Segment, spec: Extract<SortSpec, { kind: 'field' | 'script' | 'geo_distance' }>, doc: number, score = 0): SortValue {
  if (spec.kind === 'script') return scriptSortValue(segment, spec, doc, score);
  if (spec.kind === 'geo_distance') return geoDistanceSortValue(segment, spec, geoSortField(spec, segment.mappings), doc);
  const values = segment.docValues.get(spec.field);
  if (values === undefined) return null;
  const from = values.valueStart[doc]!;
  const to = values.valueStart[doc + 1]!;
  if (from === to) return null;
  const useMax = spec.mode === 'max' || (spec.mode === undefined && spec.order === 'desc');
  const index = useMax ? to - 1 : from;
  if (values.kind === 'numeric') {
    const value = values.values[index]!;
    if (values.nanos !== undefined) return spec.numericType === 'date' || spec.numericType === 'long' || spec.numericType === 'double' ? value : nanoSortKey(value, values.nanos[index]!);
    if (spec.numericType === 'date_nanos') return nanoSortKey(value, 0);
    if (spec.numericType === 'long') return Math.trunc(value);
    return value;
  }
  return segment.postings.get(spec.field)!.terms[values.ordinals[index]!]!;
}

/**
 * A `search_after` value in the form of this spec's keys: nanosecond keys (date_nanos fields, or
 * `numeric_type: date_nanos`) accept epoch nanoseconds as a number or as exact digits.
 */
export function normalizeSearchAfter(value: SortValue, spec: SortSpec, mappings: FieldMappings): SortValue {
  if (spec.kind === 'geo_distance' && value !== null) return geoDistanceSearchAfter(value, spec.field);
  if (spec.kind !== 'field' || value === null) return value;
  const type = mappings[spec.field]?.type;
  const nanoKeys = spec.numericType === 'date_nanos' || (type === 'date_nanos' && spec.numericType === undefined);
  if (!nanoKeys) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value < 0 ? nanoSortKey(-1, 0) : BigInt(Math.round(value)).toString().padStart(19, '0');
  if (typeof value === 'string' && /^\d{1,19}$/.test(value)) return value.padStart(19, '0');
  throw errors.illegalArgument(`Failed to parse search_after value for field [${spec.field}].`);
}

/** Java's Double.parseDouble grammar (decimal forms, `Infinity`, `NaN`, an optional d/f suffix). */
const javaDoublePattern = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[dDfF]?)$/;

/**
 * A `_geo_distance` search_after value as the double key it sorts by. Elasticsearch reads the
 * double sort type from a number or from text through Double.parseDouble, so the `"Infinity"` a
 * document without a point renders as comes back as +∞; anything else is refused.
 */
function geoDistanceSearchAfter(value: Exclude<SortValue, null>, field: string): number {
  if (typeof value === 'number') return value;
  const text = String(value).trim();
  if (typeof value === 'string' && javaDoublePattern.test(text)) return text.endsWith('NaN') ? Number.NaN : Number.parseFloat(text.replace(/[dDfF]$/, ''));
  throw errors.illegalArgument(`Failed to parse search_after value for field [${field}].`);
}

/** Compares two keys for one spec in that spec's order, placing missing values as asked. */
export function compareSortValues(left: SortValue, right: SortValue, spec: SortSpec): number {
  if (left === right) return 0;
  if (spec.kind === 'field' && (left === null || right === null)) {
    const missingFirst = spec.missing === '_first';
    if (left === null) return missingFirst ? -1 : 1;
    return missingFirst ? 1 : -1;
  }
  if (left === null) return 1;
  if (right === null) return -1;
  const ascending = left < right ? -1 : left > right ? 1 : 0;
  return spec.order === 'asc' ? ascending : -ascending;
}

/** Replaces a missing key by the `missing` value when one is given. */
export function applyMissing(value: SortValue, spec: SortSpec): SortValue {
  if (value !== null || spec.kind !== 'field' || spec.missing === '_first' || spec.missing === '_last') return value;
  return spec.missing;
}

/** What orders a hit among others: its score or sort values, then its shard and doc. */
export interface OrderedHit {
  readonly score: number;
  readonly sortValues: readonly SortValue[] | undefined;
  readonly shardKey: string;
  readonly globalDoc: number;
}

/**
 * The one hit order, for merging shards and clusters and for `top_hits`: by score (or the sort
 * values), then shard key, then doc position, so that any merge order gives the same answer.
 */
export function compareHits(left: OrderedHit, right: OrderedHit, sort: readonly SortSpec[] | undefined): number {
  if (sort === undefined) {
    if (left.score !== right.score) return right.score - left.score;
  } else {
    for (let index = 0; index < sort.length; index++) {
      const compared = compareSortValues(left.sortValues![index]!, right.sortValues![index]!, sort[index]!);
      if (compared !== 0) return compared;
    }
  }
  if (left.shardKey !== right.shardKey) return left.shardKey < right.shardKey ? -1 : 1;
  return left.globalDoc - right.globalDoc;
}
