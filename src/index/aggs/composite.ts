/**
 * The `composite` aggregation: buckets keyed by a tuple of source values (terms, histogram,
 * date_histogram), returned in key order a page at a time (`size`, `after`, `after_key`).
 * Each shard returns its first `size` keys after `after`; the reduce merges them by key and keeps
 * the first `size` again, which is exact: the global first `size` keys are among the union.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-bucket-composite-aggregation.html
 */
import { errors } from '../../common/errors.js';
import type { FieldMapping, KeywordDocValues, NumericDocValues, Segment } from '../engine/segment.js';
import { DateParseError, formatDate, isValidTimeZone, parseDate } from '../query/date-math.js';
import type { CalendarUnit } from './ast.js';
import { type DateRounding, createDateRounding } from './date-rounding.js';
import type { PartialMap } from './partials.js';

export type CompositeKeyValue = string | number | null;

export type CompositeSource = {
  readonly name: string;
  readonly field: string;
  readonly direction: 'asc' | 'desc';
  readonly missingBucket: boolean;
  /** Where the null (missing) key sorts: `first`/`last`, or `default` (first when ascending). */
  readonly missingOrder: 'first' | 'last' | 'default';
} & (
  | { readonly type: 'terms' }
  | { readonly type: 'histogram'; readonly interval: number }
  | {
      readonly type: 'date_histogram';
      readonly calendarInterval: CalendarUnit | undefined;
      readonly fixedIntervalMs: number | undefined;
      readonly timeZone: string | undefined;
      readonly offsetMs: number;
      readonly format: string | undefined;
    }
);

export interface CompositeSpec {
  readonly sources: readonly CompositeSource[];
  readonly size: number;
  /** The `after` key, one value per source (already parsed: dates to epoch millis). */
  readonly after: readonly CompositeKeyValue[] | undefined;
}

export interface CompositeBucketPartial {
  readonly key: readonly CompositeKeyValue[];
  readonly docCount: number;
  readonly aggs: PartialMap;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

const calendarNames: Readonly<Record<string, CalendarUnit>> = {
  minute: 'minute', '1m': 'minute', hour: 'hour', '1h': 'hour', day: 'day', '1d': 'day', week: 'week', '1w': 'week',
  month: 'month', '1M': 'month', quarter: 'quarter', '1q': 'quarter', year: 'year', '1y': 'year',
};

function fixedIntervalMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/u.exec(text);
  if (match === null || Number(match[1]) === 0) throw errors.illegalArgument(`failed to parse setting [date_histogram.fixedInterval] with value [${text}] as a time value: unit is missing or unrecognized`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms'];
}

/** The search.max_buckets default: a composite `size` above it is refused before any work. */
export const compositeSizeMax = 65_536;

export function parseComposite(body: Json, name: string): CompositeSpec {
  for (const key of Object.keys(body)) {
    if (!['sources', 'size', 'after'].includes(key)) throw errors.parsing(`[composite] unknown field [${key}]`);
  }
  const sourcesRaw = body['sources'];
  if (sourcesRaw === undefined) throw errors.illegalArgument('Required [sources]');
  if (!Array.isArray(sourcesRaw) || sourcesRaw.length === 0) throw errors.illegalArgument('Composite [sources] cannot be null or empty');
  const sources = sourcesRaw.map((item) => parseSource(item));
  const names = sources.map((source) => source.name);
  const duplicates = [...new Set(names.filter((source, index) => names.indexOf(source) !== index))];
  if (duplicates.length > 0) throw errors.illegalArgument(`Composite source names must be unique, found duplicates: [${duplicates.join(', ')}]`);
  const sizeRaw = body['size'] ?? 10;
  if (typeof sizeRaw !== 'number' || !Number.isInteger(sizeRaw)) throw errors.parsing(`[composite] failed to parse field [size]`);
  if (sizeRaw <= 0) throw errors.illegalArgument(`[size] must be greater than 0. Found [${sizeRaw}] in [${name}]`);
  if (sizeRaw > compositeSizeMax) {
    throw errors.tooManyBuckets(`Trying to create too many buckets. Must be less than or equal to: [${compositeSizeMax}] but was [${sizeRaw}]. This limit can be set by changing the [search.max_buckets] cluster level setting.`, compositeSizeMax);
  }
  const afterRaw = body['after'];
  let after: CompositeKeyValue[] | undefined;
  if (afterRaw !== undefined) {
    if (!isObject(afterRaw)) throw errors.parsing('[after] must be an object');
    if (Object.keys(afterRaw).length !== sources.length) {
      throw errors.illegalArgument(`[after] has ${Object.keys(afterRaw).length} value(s) but [sources] has ${sources.length}`);
    }
    after = sources.map((source) => {
      if (!(source.name in afterRaw)) throw errors.illegalArgument(`Missing value for [after.${source.name}]`);
      return parseAfterValue(source, afterRaw[source.name]);
    });
  }
  return { sources, size: sizeRaw, after };
}

function parseSource(item: unknown): CompositeSource {
  if (!isObject(item) || Object.keys(item).length !== 1) throw errors.parsing('[composite] each source must be an object with a single name');
  const [name, definition] = Object.entries(item)[0]!;
  if (!isObject(definition) || Object.keys(definition).length !== 1) throw errors.parsing(`[composite] source [${name}] must name exactly one source type`);
  const [type, bodyRaw] = Object.entries(definition)[0]!;
  if (!isObject(bodyRaw)) throw errors.parsing(`[composite] source [${name}] of type [${type}] must be an object`);
  const body = bodyRaw;
  if (type !== 'terms' && type !== 'histogram' && type !== 'date_histogram') {
    if (type === 'geotile_grid') throw errors.illegalArgument(`[geotile_grid] composite source [${name}] is not supported: geo_point fields are not implemented`);
    throw errors.parsing(`Unknown value source type [${type}] for composite source [${name}]`);
  }
  const field = body['field'];
  // A source's script was moved to a synthetic field before parsing (value-scripts.ts splitSourceScripts).
  if (body['script'] !== undefined) throw errors.illegalArgument(`scripts are not supported in composite source [${name}]`);
  if (typeof field !== 'string') {
    throw errors.illegalArgument(`Required one of fields [field, script], but none were specified. `);
  }
  const order = body['order'] ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw errors.illegalArgument(`Unknown order [${String(order)}] in composite source [${name}]`);
  const missingOrder = body['missing_order'] ?? 'default';
  if (missingOrder !== 'first' && missingOrder !== 'last' && missingOrder !== 'default') throw errors.illegalArgument(`Unknown MissingOrder [${String(missingOrder)}]`);
  const missingBucketRaw = body['missing_bucket'] ?? false;
  // a boolean field of Elasticsearch's source parser: true/false or their strings only
  if (missingBucketRaw !== true && missingBucketRaw !== false && missingBucketRaw !== 'true' && missingBucketRaw !== 'false') {
    throw errors.xContentParse(`[${type}] failed to parse field [missing_bucket]: Failed to parse value [${String(missingBucketRaw)}] as only [true] or [false] are allowed.`);
  }
  const missingBucket = missingBucketRaw === true || missingBucketRaw === 'true';
  if (missingOrder !== 'default' && !missingBucket) throw errors.illegalArgument(`missingOrder can only be set if missingBucket is true`);
  const base = { name, field, direction: order, missingBucket, missingOrder } as const;
  if (type === 'terms') return { ...base, type };
  if (type === 'histogram') {
    const interval = Number(body['interval']);
    if (!(interval > 0)) throw errors.illegalArgument(`[interval] must be greater than 0 for histogram source [${name}]`);
    return { ...base, type, interval };
  }
  let calendarInterval: CalendarUnit | undefined;
  let fixed: number | undefined;
  if (body['calendar_interval'] !== undefined) {
    calendarInterval = calendarNames[String(body['calendar_interval'])];
    if (calendarInterval === undefined) throw errors.illegalArgument(`The supplied interval [${String(body['calendar_interval'])}] could not be parsed as a calendar interval.`);
  } else if (body['fixed_interval'] !== undefined) fixed = fixedIntervalMs(String(body['fixed_interval']));
  else throw errors.illegalArgument('Invalid interval specified, must be non-null and non-empty');
  const timeZone = body['time_zone'];
  if (timeZone !== undefined && (typeof timeZone !== 'string' || !isValidTimeZone(timeZone))) throw errors.illegalArgument(`Unknown time-zone ID: ${String(timeZone)}`);
  const offsetRaw = body['offset'];
  let offsetMs = 0;
  if (typeof offsetRaw === 'string') offsetMs = fixedIntervalMs(offsetRaw.replace(/^[+-]/u, '')) * (offsetRaw.startsWith('-') ? -1 : 1);
  else if (typeof offsetRaw === 'number') offsetMs = offsetRaw;
  const format = body['format'];
  if (format !== undefined && typeof format !== 'string') throw errors.parsing(`[format] must be a string in composite source [${name}]`);
  return { ...base, type, calendarInterval, fixedIntervalMs: fixed, timeZone: timeZone as string | undefined, offsetMs, format };
}

function parseAfterValue(source: CompositeSource, value: unknown): CompositeKeyValue {
  if (value === null) {
    if (!source.missingBucket) throw errors.illegalArgument(`Invalid null value in [after.${source.name}]: missing_bucket is not set`);
    return null;
  }
  if (source.type === 'date_histogram') {
    if (typeof value !== 'string' && typeof value !== 'number') throw errors.illegalArgument(`Invalid value for [after.${source.name}]`);
    try {
      return parseDate(value, source.format, source.timeZone);
    } catch (error) {
      if (error instanceof DateParseError) throw errors.parse(error.message);
      throw error;
    }
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'string' && typeof value !== 'number') throw errors.illegalArgument(`Invalid value for [after.${source.name}]`);
  return value;
}

/** Compares composite keys in the sources' orders; null (missing) sorts per `missing_order`. */
export function compareCompositeKeys(sources: readonly CompositeSource[], left: readonly CompositeKeyValue[], right: readonly CompositeKeyValue[]): number {
  for (let index = 0; index < sources.length; index++) {
    const source = sources[index]!;
    const a = left[index]!;
    const b = right[index]!;
    if (a === b) continue;
    if (a === null || b === null) {
      const nullFirst = source.missingOrder === 'first' || (source.missingOrder === 'default' && source.direction === 'asc');
      return (a === null) === nullFirst ? -1 : 1;
    }
    // Mixed kinds (a numeric after on a keyword field): numbers first, as a total order.
    const compared = typeof a === typeof b ? (a < b ? -1 : a > b ? 1 : 0) : typeof a === 'number' ? -1 : 1;
    if (compared !== 0) return source.direction === 'asc' ? compared : -compared;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Per-segment value reading

/** Reads the distinct values of one source for one document (empty when it has none). */
export class CompositeSourceReader {
  private keyword: KeywordDocValues | undefined;
  private numeric: NumericDocValues | undefined;
  private terms: readonly string[] = [];
  private readonly rounding: DateRounding | undefined;
  readonly isBoolean: boolean;
  constructor(
    readonly source: CompositeSource,
    mapping: FieldMapping | undefined,
    segments: readonly Segment[],
  ) {
    this.isBoolean = mapping?.type === 'boolean';
    if (source.type === 'date_histogram') {
      let valueMin = Infinity;
      let valueMax = -Infinity;
      for (const segment of segments) {
        const values = segment.docValues.get(source.field);
        if (values?.kind !== 'numeric' || values.pointValues.length === 0) continue;
        valueMin = Math.min(valueMin, values.pointValues[0]!);
        valueMax = Math.max(valueMax, values.pointValues[values.pointValues.length - 1]!);
      }
      this.rounding = createDateRounding(source, valueMin, valueMax);
    }
  }
  setSegment(segment: Segment): void {
    const values = segment.docValues.get(this.source.field);
    this.keyword = values?.kind === 'keyword' ? values : undefined;
    this.numeric = values?.kind === 'numeric' ? values : undefined;
    this.terms = this.keyword !== undefined ? segment.postings.get(this.source.field)!.terms : [];
  }
  values(doc: number): CompositeKeyValue[] {
    const result: CompositeKeyValue[] = [];
    if (this.keyword !== undefined) {
      for (let index = this.keyword.valueStart[doc]!; index < this.keyword.valueStart[doc + 1]!; index++) result.push(this.terms[this.keyword.ordinals[index]!]!);
      return result;
    }
    const numeric = this.numeric;
    if (numeric === undefined) return result;
    const source = this.source;
    for (let index = numeric.valueStart[doc]!; index < numeric.valueStart[doc + 1]!; index++) {
      const value = numeric.values[index]!;
      const key = source.type === 'histogram' ? Math.floor(value / source.interval) * source.interval : source.type === 'date_histogram' ? this.rounding!.round(value) : value;
      if (result[result.length - 1] !== key) result.push(key); // values ascend per doc, so equal keys are adjacent
    }
    return result;
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** A source's key as Elasticsearch prints it: a formatted date when a `format` is set. */
export function renderKeyValue(source: CompositeSource, value: CompositeKeyValue, isBoolean: boolean): unknown {
  if (value === null) return null;
  if (isBoolean && source.type === 'terms') return value === 1;
  if (source.type !== 'date_histogram' || source.format === undefined || typeof value !== 'number') return value;
  const text = formatDate(value, source.timeZone, source.format);
  // Elasticsearch refuses a format whose output it cannot parse back to the same key: the
  // after_key it prints must page correctly.
  let parsed: number | undefined;
  try {
    parsed = parseDate(text, source.format, source.timeZone);
  } catch {
    parsed = undefined;
  }
  if (parsed !== value) {
    throw errors.illegalArgument(`Format [${source.format}] created output it couldn't parse for value [${value}] of type [class java.lang.Long]. parsed value: [${parsed ?? text}]`);
  }
  return text;
}
