/**
 * Aggregation requests parsed into a frozen tree (style P7). Names follow Elasticsearch.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations.html
 */
import { errors } from '../../common/errors.js';
import { utf16EditDistance } from '../../common/edit-distance.js';
import { checkAggregationKeys } from './known-keys.js';
import { type QueryNode, deepFreeze } from '../query/ast.js';
import { parseNode } from '../query/parse.js';
import { isValidTimeZone } from '../query/date-math.js';
import type { SortSpec } from '../query/sort.js';
import { parseSort } from '../query/sort.js';
import { type CompositeSpec, parseComposite } from './composite.js';
import { type GeoDistanceSpec, parseGeoDistanceAggregation } from './geo-distance.js';
import { type GeoGridSpec, parseGeoBounds, parseGeoCentroid, parseGeoGrid } from './geo-aggs.js';
import { autoBucketCeiling, roundingIndexOf } from './auto-date-histogram.js';
import { compressionDefault } from './tdigest.js';
import { type PipelineNode, parentPipelineKinds, parsePipelineBody, pipelineKinds, siblingPipelineKinds } from './pipeline-ast.js';
import { type ValueScript, splitSourceScripts, splitValueScript } from './value-scripts.js';

export type CalendarUnit = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';

export interface BucketOrder {
  /** `_count`, `_key`, or a single-value metric sub-aggregation name (`avg_price`, `stats.max`). */
  readonly key: string;
  readonly direction: 'asc' | 'desc';
}

export interface RangeSpec {
  readonly key: string | undefined;
  readonly from: number | string | undefined;
  readonly to: number | string | undefined;
}

export type AggregationNode = {
  readonly name: string;
  readonly subAggregations: readonly AggregationNode[];
  /** `meta`: an object Elasticsearch echoes back unchanged in the aggregation's result. */
  readonly meta: Readonly<Record<string, unknown>> | undefined;
  /** A `script` (alone or beside `field`): the node's `field` is then synthetic (value-scripts.ts). */
  readonly valueScript?: ValueScript;
  /** Scripts of multi_terms terms and composite sources, each on its own synthetic field (value-scripts.ts). */
  readonly valueScripts?: readonly ValueScript[];
} & (
  | {
      readonly kind: 'terms';
      readonly field: string;
      readonly size: number;
      readonly shardSize: number | undefined;
      readonly minDocCount: number;
      readonly order: readonly BucketOrder[];
      readonly missing: string | number | boolean | undefined;
      readonly showTermDocCountError: boolean;
      /** `include`/`exclude`: a regular expression (whole-term match, Lucene syntax approximated by JS) or exact values. */
      readonly include: RegExp | readonly string[] | undefined;
      readonly exclude: RegExp | readonly string[] | undefined;
      /** `format`: the field's DocValueFormat from it (value-format.ts). */
      readonly format?: string | undefined;
    }
  | { readonly kind: 'value_count' | 'cardinality' | 'min' | 'max' | 'avg' | 'sum' | 'stats' | 'extended_stats'; readonly field: string; readonly missing: number | string | undefined; readonly sigma: number; readonly format?: string | undefined }
  | {
      readonly kind: 'percentiles' | 'percentile_ranks';
      readonly field: string;
      /** The percents of `percentiles`, or the values of `percentile_ranks`. */
      readonly percents: readonly number[];
      readonly keyed: boolean;
      readonly missing: number | string | undefined;
      /** `tdigest.compression`. */
      readonly compression: number;
    }
  | {
      readonly kind: 'histogram';
      readonly field: string;
      readonly interval: number;
      readonly offset: number;
      readonly minDocCount: number;
      readonly extendedBounds: { readonly min: number; readonly max: number } | undefined;
      readonly order: readonly BucketOrder[];
      readonly keyed: boolean;
      readonly format?: string | undefined;
    }
  | {
      readonly kind: 'date_histogram';
      readonly field: string;
      readonly calendarInterval: CalendarUnit | undefined;
      readonly fixedIntervalMs: number | undefined;
      readonly timeZone: string | undefined;
      readonly offsetMs: number;
      readonly minDocCount: number;
      readonly extendedBounds: { readonly min: number | string; readonly max: number | string } | undefined;
      readonly format: string | undefined;
      readonly order: readonly BucketOrder[];
      readonly keyed: boolean;
    }
  | { readonly kind: 'range' | 'date_range'; readonly field: string; readonly ranges: readonly RangeSpec[]; readonly keyed: boolean; readonly format: string | undefined; readonly timeZone: string | undefined }
  | GeoDistanceSpec
  | { readonly kind: 'filter'; readonly filter: QueryNode }
  /** Single bucket: the nested documents of `path` (nested-aggs.ts). */
  | { readonly kind: 'nested'; readonly path: string }
  /** Single bucket, inside `nested`: the parents at `path` (undefined: the root documents). */
  | { readonly kind: 'reverse_nested'; readonly path: string | undefined }
  | { readonly kind: 'filters'; readonly filters: readonly { readonly key: string; readonly query: QueryNode }[]; readonly keyed: boolean; readonly otherBucketKey: string | undefined }
  | { readonly kind: 'top_hits'; readonly size: number; readonly from: number; readonly sort: readonly SortSpec[] | undefined; readonly source: unknown }
  | ({ readonly kind: 'composite' } & CompositeSpec)
  | { readonly kind: 'variable_width_histogram'; readonly field: string; readonly buckets: number; readonly shardSize: number }
  | {
      readonly kind: 'auto_date_histogram';
      readonly field: string;
      /** The target (maximum) number of buckets. */
      readonly buckets: number;
      /** Index in auto-date-histogram.ts roundingInfos of the finest rounding allowed. */
      readonly minimumRoundingIndex: number;
      readonly timeZone: string | undefined;
      readonly format: string | undefined;
    }
  | {
      readonly kind: 'significant_terms';
      readonly field: string;
      readonly size: number;
      readonly shardSize: number | undefined;
      readonly minDocCount: number;
      readonly shardMinDocCount: number;
      readonly include: RegExp | readonly string[] | undefined;
      readonly exclude: RegExp | readonly string[] | undefined;
      /** The background set: the whole index by default. */
      readonly backgroundFilter: QueryNode | undefined;
      readonly heuristic: 'jlh' | 'percentage';
    }
  | {
      readonly kind: 'multi_terms';
      readonly terms: readonly { readonly field: string; readonly missing: string | number | boolean | undefined }[];
      readonly size: number;
      readonly shardSize: number | undefined;
      readonly minDocCount: number;
      readonly order: readonly BucketOrder[];
      readonly showTermDocCountError: boolean;
    }
  | {
      readonly kind: 'rare_terms';
      readonly field: string;
      /** Terms in at most this many documents are rare (Elasticsearch allows 1 to 100). */
      readonly maxDocCount: number;
      readonly missing: string | number | boolean | undefined;
      readonly include: RegExp | readonly string[] | undefined;
      readonly exclude: RegExp | readonly string[] | undefined;
    }
  | GeoGridSpec
  | { readonly kind: 'geo_bounds'; readonly field: string; readonly wrapLongitude: boolean }
  | { readonly kind: 'geo_centroid'; readonly field: string }
  | PipelineNode
);

/** A pipeline aggregation: computed at the final reduce from other aggregations, never collected on a shard. */
export type PipelineAggregationNode = Extract<AggregationNode, { readonly kind: PipelineNode['kind'] }>;
export type CollectedAggregationNode = Exclude<AggregationNode, PipelineAggregationNode>;

export function isPipeline(node: AggregationNode): node is PipelineAggregationNode {
  return pipelineKinds.has(node.kind);
}

export type AggregationKind = AggregationNode['kind'];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

const metricKinds = new Set(['value_count', 'cardinality', 'min', 'max', 'avg', 'sum', 'stats', 'extended_stats']);
const knownKinds = new Set([...metricKinds, ...pipelineKinds, 'terms', 'multi_terms', 'rare_terms', 'significant_terms', 'auto_date_histogram', 'variable_width_histogram', 'composite', 'percentiles', 'percentile_ranks', 'histogram', 'date_histogram', 'range', 'date_range', 'geo_distance', 'filter', 'filters', 'top_hits', 'geohash_grid', 'geotile_grid', 'geo_bounds', 'geo_centroid', 'nested', 'reverse_nested']);
const calendarNames: Readonly<Record<string, CalendarUnit>> = {
  minute: 'minute', '1m': 'minute', hour: 'hour', '1h': 'hour', day: 'day', '1d': 'day', week: 'week', '1w': 'week',
  month: 'month', '1M': 'month', quarter: 'quarter', '1q': 'quarter', year: 'year', '1y': 'year',
};

export function parseAggregations(json: unknown): readonly AggregationNode[] {
  const nodes = parseAggregationMap(json, 0, undefined);
  const problems: string[] = [];
  validatePipelines(nodes, undefined, problems);
  if (problems.length > 0) throw errors.actionRequestValidation(problems);
  return deepFreeze(nodes);
}

const leafKinds = new Set([...metricKinds, 'percentiles', 'percentile_ranks', 'top_hits', 'geo_bounds', 'geo_centroid']);
const multiBucketKinds = new Set(['terms', 'multi_terms', 'rare_terms', 'significant_terms', 'auto_date_histogram', 'variable_width_histogram', 'histogram', 'date_histogram', 'range', 'date_range', 'geo_distance', 'filters', 'geohash_grid', 'geotile_grid']);
const histogramKinds = new Set(['histogram', 'date_histogram', 'auto_date_histogram']);
/** Parent pipelines that need their parent's buckets in key order. */
const sequential = new Set(['derivative', 'cumulative_sum', 'serial_diff', 'moving_fn']);

/**
 * Elasticsearch's request validation of pipelines (AggregatorFactories#validate): a parent
 * pipeline needs a parent of the right kind, and a sibling's buckets_path must start at a
 * multi-bucket sibling. Problems are collected and reported together as a validation failure.
 */
function validatePipelines(nodes: readonly AggregationNode[], parent: AggregationNode | undefined, problems: string[]): void {
  for (const node of nodes) {
    if (!isPipeline(node)) {
      validatePipelines(node.subAggregations, node, problems);
      continue;
    }
    if (parentPipelineKinds.has(node.kind)) {
      if (parent === undefined) {
        // ValidationContext#validateParentAggSequentiallyOrdered words it so for the sequential kinds.
        problems.push(
          sequential.has(node.kind)
            ? `${node.kind} aggregation [${node.name}] must have a histogram, date_histogram or auto_date_histogram as parent but doesn't have a parent`
            : `${node.kind} aggregation [${node.name}] must be declared inside of another aggregation`,
        );
      } else if (sequential.has(node.kind) && !histogramKinds.has(parent.kind)) {
        problems.push(`${node.kind} aggregation [${node.name}] must have a histogram, date_histogram or auto_date_histogram as parent`);
      } else if (!sequential.has(node.kind) && !multiBucketKinds.has(parent.kind)) {
        problems.push(`${node.kind} aggregation [${node.name}] must be declared inside a multi-bucket aggregation`);
      }
      const paths = 'sort' in node ? node.sort.map((sort) => sort.path) : 'bucketsPaths' in node ? node.bucketsPaths.map((entry) => entry.path) : 'bucketsPath' in node ? [node.bucketsPath] : [];
      for (const path of paths) {
        const first = path.elements[0]!.name;
        if (first === '_count' || first === '_key') continue;
        if (!nodes.some((sibling) => sibling.name === first)) problems.push(`No aggregation found for path [${path.text}]`);
      }
      continue;
    }
    if (siblingPipelineKinds.has(node.kind)) {
      const path = (node as Extract<AggregationNode, { bucketsPath: unknown }>).bucketsPath;
      const first = nodes.find((sibling) => sibling.name === path.elements[0]!.name);
      if (first === undefined) problems.push(`No aggregation found for path [${path.text}]`);
      else if (!multiBucketKinds.has(first.kind)) {
        problems.push(`The first aggregation in buckets_path must be a multi-bucket aggregation for aggregation [${node.name}] found :${first.kind} for buckets path: ${path.text}`);
      }
    }
  }
}

const aggregationDepthMax = 20;

const significanceHeuristics = ['jlh', 'percentage', 'mutual_information', 'chi_square', 'gnd', 'script_heuristic'];

/** Within `edits` by Levenshtein distance (no transpositions) over UTF-16 code units, for Elasticsearch's "did you mean" on a misspelled field. */
function withinEdits(left: string, right: string, edits: number): boolean {
  return utf16EditDistance(left, right, edits, { transpositions: false }) <= edits;
}

/** Elasticsearch's factory class name for an aggregation kind, as its parent errors quote it. */
function factoryName(kind: string): string {
  return `${kind.split('_').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('')}AggregatorFactory`;
}

function parseAggregationMap(json: unknown, depth: number, parentKind: string | undefined): AggregationNode[] {
  if (!isObject(json)) throw errors.parsing('Aggregation definitions must be an object');
  if (depth > aggregationDepthMax) throw errors.illegalArgument(`aggregations nested deeper than ${aggregationDepthMax}`);
  const result: AggregationNode[] = [];
  for (const [name, definition] of Object.entries(json)) {
    if (!isObject(definition)) throw errors.parsing(`Aggregation definition for [${name}] starts with a [${Array.isArray(definition) ? 'START_ARRAY' : 'VALUE_STRING'}], expected a [START_OBJECT].`);
    let kind: string | undefined;
    let body: Json | undefined;
    let subAggregations: AggregationNode[] = [];
    let meta: Json | undefined;
    for (const [key, value] of Object.entries(definition)) {
      if (key === 'aggs' || key === 'aggregations') {
        subAggregations = parseAggregationMap(value, depth + 1, Object.keys(definition).find((other) => knownKinds.has(other)));
        continue;
      }
      if (key === 'meta') {
        if (!isObject(value)) throw errors.parsing(`Expected [START_OBJECT] under [meta], but got a [${Array.isArray(value) ? 'START_ARRAY' : 'VALUE_STRING'}] in [${name}]`);
        meta = value;
        continue;
      }
      if (!knownKinds.has(key)) throw errors.parsing(`Unknown aggregation type [${key}]`);
      if (kind !== undefined) throw errors.parsing(`Found two aggregation type definitions in [${name}]: [${kind}] and [${key}]`);
      if (!isObject(value)) throw errors.parsing(`Expected [START_OBJECT] under [${key}], but got a [VALUE_STRING] in [${name}]`);
      kind = key;
      body = value;
    }
    if (kind === undefined || body === undefined) throw errors.parsing(`Missing definition for aggregation [${name}]`);
    if (kind === 'variable_width_histogram' && subAggregations.length > 0) {
      throw errors.illegalArgument(`sub-aggregations of [variable_width_histogram] aggregation [${name}] are not supported`);
    }
    // Leaf aggregations (Elasticsearch's LeafOnly builders, top_hits) take no sub-aggregations.
    if ((pipelineKinds.has(kind) || leafKinds.has(kind)) && subAggregations.length > 0) {
      throw errors.illegalArgument(`Aggregator [${name}] of type [${kind}] cannot accept sub-aggregations`);
    }
    if (kind === 'composite' && parentKind !== undefined) {
      throw errors.illegalArgument(`[composite] aggregation cannot be used with a parent aggregation of type: [${factoryName(parentKind)}]`);
    }
    checkAggregationKeys(kind, body, name);
    const scripted = splitValueScript(kind, body, name, depth);
    const sourced = splitSourceScripts(kind, scripted.body, name, depth);
    const parsed = pipelineKinds.has(kind) ? parsePipelineBody(kind, body, name) : kind === 'composite' ? { kind, ...parseComposite(sourced.body, name) } : parseBody(kind, sourced.body, name);
    const scripts = { ...(scripted.script === undefined ? {} : { valueScript: scripted.script }), ...(sourced.scripts.length === 0 ? {} : { valueScripts: sourced.scripts }) };
    result.push({ name, subAggregations, meta, ...parsed, ...scripts } as unknown as AggregationNode);
  }
  return result;
}

function termFilter(value: unknown, name: string): RegExp | readonly string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map((item) => String(item));
  if (typeof value === 'string') {
    try {
      return new RegExp(`^(?:${value})$`, 'u');
    } catch {
      throw errors.illegalArgument(`invalid regular expression [${value}] in [${name}]`);
    }
  }
  throw errors.parsing(`Unsupported [${name}] value; partitions are not supported`);
}

function checkTimeZone(value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !isValidTimeZone(value)) throw errors.illegalArgument(`Unknown time-zone ID: ${String(value)}`); // Java's ZoneId.of message
}

function requireField(body: Json, kind: string, name: string): string {
  const field = body['field'];
  // Kinds without script support (value-scripts.ts scriptableKinds) refuse one rather than run without it.
  if (body['script'] !== undefined) throw errors.illegalArgument(`scripts are not supported in [${kind}] aggregation [${name}]`);
  if (typeof field !== 'string') {
    throw errors.illegalArgument(`Required one of fields [field, script], but none were specified. `);
  }
  return field;
}

/** multi_terms `min_doc_count`: MultiTermsAggregationBuilder#minDocCount refuses values under 1. */
function multiTermsMinDocCount(value: unknown, name: string): number {
  const minDocCount = numberOf(value, 'min_doc_count', 1);
  if (minDocCount < 1) throw errors.illegalArgument(`[minDocCount] must be greater than or equal to 1. Found [${minDocCount}] in [${name}]`);
  return minDocCount;
}

/** multi_terms `shard_size`: MultiTermsAggregationBuilder#shardSize refuses values under 1. */
function multiTermsShardSize(value: unknown, size: number, name: string): number | undefined {
  if (value === undefined) return undefined;
  const shardSize = numberOf(value, 'shard_size', size);
  if (shardSize <= 0) throw errors.illegalArgument(`[shardSize] must be greater than 0. Found [${shardSize}] in [${name}]`);
  return shardSize;
}

/** significant_terms `shard_size`: SignificantTermsAggregationBuilder#shardSize refuses values under 1 (its message has two spaces). */
function significantTermsShardSize(value: unknown, size: number, name: string): number | undefined {
  if (value === undefined) return undefined;
  const shardSize = numberOf(value, 'shard_size', size);
  if (shardSize <= 0) throw errors.illegalArgument(`[shardSize] must be greater than  0. Found [${shardSize}] in [${name}]`);
  return shardSize;
}

function numberOf(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(number)) throw errors.parsing(`[${name}] failed to parse field [${name}]`);
  return number;
}

function parseOrder(value: unknown, defaults: readonly BucketOrder[]): readonly BucketOrder[] {
  if (value === undefined) return defaults;
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (!isObject(item) || Object.keys(item).length !== 1) throw errors.parsing('Invalid terms order');
    const [key, direction] = Object.entries(item)[0]!;
    if (direction !== 'asc' && direction !== 'desc') throw errors.parsing(`Unknown order direction [${String(direction)}]`);
    return { key: key === '_term' ? '_key' : key, direction };
  });
}

function parseFixedInterval(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (match === null) throw errors.illegalArgument(`failed to parse setting [date_histogram.fixedInterval] with value [${text}] as a time value: unit is missing or unrecognized`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms'];
  return Number(match[1]) * unit;
}

/**
 * percentiles and percentile_ranks: `percents` (or `values`), `keyed`, `missing`, and the t-digest
 * `compression`. The HDR histogram method is refused: it is not implemented.
 */
function parsePercentiles(kind: 'percentiles' | 'percentile_ranks', body: Json, name: string): Record<string, unknown> {
  const listName = kind === 'percentiles' ? 'percents' : 'values';
  // Elasticsearch prints each percentile with the format too (`99.0_as_string`); Strait does not yet, so it refuses one.
  if (body['format'] !== undefined) throw errors.illegalArgument(`[format] is not supported for [${kind}] aggregation [${name}]`);
  const listRaw = body[listName];
  let percents: number[];
  if (listRaw === undefined && kind === 'percentiles') percents = [1, 5, 25, 50, 75, 95, 99];
  else {
    if (listRaw === null || listRaw === undefined) throw errors.illegalArgument(`[${listName}] must not be null: [${name}]`);
    if (!Array.isArray(listRaw)) throw errors.parsing(`[${kind}] [${listName}] must be an array in [${name}]`);
    percents = listRaw.map((item) => {
      if (typeof item !== 'number' || !Number.isFinite(item)) throw errors.parsing(`[${kind}] failed to parse field [${listName}] in [${name}]`);
      return item;
    });
    if (percents.length === 0) throw errors.illegalArgument(`[${listName}] must not be empty: [${name}]`);
  }
  if (kind === 'percentiles') {
    for (const percent of percents) if (percent < 0 || percent > 100) throw errors.illegalArgument(`percent must be in [0,100], got [${percent}]: [${name}]`);
  }
  if (body['hdr'] !== undefined || body['method'] === 'hdr') throw errors.illegalArgument(`the [hdr] method of [${kind}] is not supported: [${name}]; use the default tdigest method`);
  const tdigest = body['tdigest'];
  if (tdigest !== undefined && !isObject(tdigest)) throw errors.parsing(`[tdigest] must be an object in [${name}]`);
  for (const key of Object.keys(tdigest ?? {})) {
    if (key !== 'compression' && key !== 'execution_hint') throw errors.parsing(`[tdigest] unknown field [${key}]`);
  }
  const hint = tdigest?.['execution_hint'];
  if (hint === 'high_accuracy') throw errors.illegalArgument(`[tdigest.execution_hint] [high_accuracy] is not supported: [${name}]`);
  if (hint !== undefined && hint !== 'default') throw errors.illegalArgument(`Invalid execution_hint [${String(hint)}], valid values are [default, high_accuracy]`);
  const compression = numberOf(tdigest?.['compression'], 'compression', compressionDefault);
  if (compression < 0) throw errors.illegalArgument(`[compression] must be greater than or equal to 0. Found [${javaDouble(compression)}] in [${name}]`);
  const missing = body['missing'];
  if (missing !== undefined && typeof missing !== 'number' && typeof missing !== 'string') throw errors.parsing(`[missing] must be a number or a string in [${name}]`);
  const keyed = body['keyed'] ?? true;
  // Elasticsearch reads `keyed` as a boolean (its parser takes true/false or their strings only)
  if (keyed !== true && keyed !== false && keyed !== 'true' && keyed !== 'false') throw errors.xContentParse(`[${kind}] failed to parse field [keyed]: Failed to parse value [${String(keyed)}] as only [true] or [false] are allowed.`);
  return { kind, field: requireField(body, kind, name), percents, keyed: keyed !== false && keyed !== 'false', missing, compression };
}

/** Java's Double.toString for the plain numbers error messages quote ("-1.0", "0.5"). */
function javaDouble(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

function parseBody(kind: string, body: Json, name: string): Record<string, unknown> {
  switch (kind) {
    case 'geohash_grid':
    case 'geotile_grid':
      return parseGeoGrid(kind, body, name, requireField(body, kind, name));
    case 'geo_bounds':
      return parseGeoBounds(body, requireField(body, kind, name));
    case 'geo_centroid':
      return parseGeoCentroid(body, requireField(body, kind, name));
    case 'terms': {
      const size = numberOf(body['size'], 'size', 10);
      if (size < 1) throw errors.illegalArgument(`[size] must be greater than 0. Found [${size}] in [${name}]`);
      return {
        kind,
        field: requireField(body, kind, name),
        size,
        shardSize: body['shard_size'] === undefined ? undefined : numberOf(body['shard_size'], 'shard_size', size),
        minDocCount: numberOf(body['min_doc_count'], 'min_doc_count', 1),
        order: parseOrder(body['order'], [
          { key: '_count', direction: 'desc' },
          { key: '_key', direction: 'asc' },
        ]),
        missing: body['missing'] as string | number | boolean | undefined,
        showTermDocCountError: body['show_term_doc_count_error'] === true,
        include: termFilter(body['include'], 'include'),
        exclude: termFilter(body['exclude'], 'exclude'),
        format: body['format'] as string | undefined,
      };
    }
    case 'percentiles':
    case 'percentile_ranks':
      return parsePercentiles(kind, body, name);
    case 'multi_terms': {
      const termsRaw = body['terms'];
      if (!Array.isArray(termsRaw)) throw errors.illegalArgument(`Required [terms]`);
      if (termsRaw.length < 2) throw errors.illegalArgument(`The [terms] parameter in the aggregation [${name}] must be present and have at least 2 fields or scripts.`);
      const terms = termsRaw.map((item: unknown) => {
        if (!isObject(item)) throw errors.parsing(`[multi_terms] [terms] must hold objects in [${name}]`);
        for (const key of Object.keys(item)) if (key !== 'field' && key !== 'missing') throw errors.parsing(`[multi_terms] [terms] unknown field [${key}]`);
        return { field: requireField(item, kind, name), missing: item['missing'] as string | number | boolean | undefined };
      });
      const size = numberOf(body['size'], 'size', 10);
      if (size < 1) throw errors.illegalArgument(`[size] must be greater than 0. Found [${size}] in [${name}]`);
      return {
        kind,
        terms,
        size,
        shardSize: multiTermsShardSize(body['shard_size'], size, name),
        minDocCount: multiTermsMinDocCount(body['min_doc_count'], name),
        order: parseOrder(body['order'], [
          { key: '_count', direction: 'desc' },
          { key: '_key', direction: 'asc' },
        ]),
        showTermDocCountError: body['show_term_doc_count_error'] === true,
      };
    }
    case 'significant_terms': {
      const known = ['field', 'size', 'shard_size', 'min_doc_count', 'shard_min_doc_count', 'include', 'exclude', 'background_filter', 'execution_hint', ...significanceHeuristics];
      for (const key of Object.keys(body)) {
        if (known.includes(key)) continue;
        const suggestion = known.find((candidate) => withinEdits(candidate, key, 2));
        throw errors.parsing(`[significant_terms] unknown field [${key}]${suggestion === undefined ? '' : ` did you mean [${suggestion}]?`}`);
      }
      const named = significanceHeuristics.filter((heuristic) => body[heuristic] !== undefined);
      if (named.length > 1) throw errors.parsing(`[significant_terms] accepts one significance heuristic, found [${named.join(', ')}]`);
      const heuristic = named[0] ?? 'jlh';
      if (heuristic !== 'jlh' && heuristic !== 'percentage') throw errors.illegalArgument(`the [${heuristic}] significance heuristic is not supported: [${name}]; use [jlh] or [percentage]`);
      if (!isObject(body[heuristic] ?? {}) || Object.keys((body[heuristic] ?? {}) as Json).length > 0) throw errors.parsing(`[${heuristic}] takes no parameters`);
      const size = numberOf(body['size'], 'size', 10);
      if (size < 1) throw errors.illegalArgument(`[size] must be greater than 0. Found [${size}] in [${name}]`);
      return {
        kind,
        field: requireField(body, kind, name),
        size,
        shardSize: significantTermsShardSize(body['shard_size'], size, name),
        minDocCount: numberOf(body['min_doc_count'], 'min_doc_count', 3),
        shardMinDocCount: numberOf(body['shard_min_doc_count'], 'shard_min_doc_count', 0),
        include: termFilter(body['include'], 'include'),
        exclude: termFilter(body['exclude'], 'exclude'),
        backgroundFilter: body['background_filter'] === undefined ? undefined : parseNode(body['background_filter']),
        heuristic,
      };
    }
    case 'variable_width_histogram': {
      for (const key of Object.keys(body)) {
        if (!['field', 'buckets', 'shard_size', 'initial_buffer'].includes(key)) throw errors.parsing(`[variable_width_histogram] unknown field [${key}]`);
      }
      const target = numberOf(body['buckets'], 'buckets', 10);
      if (!Number.isInteger(target) || target < 1) throw errors.illegalArgument(`[buckets] must be greater than 0 in [${name}]`);
      const shardSize = numberOf(body['shard_size'], 'shard_size', target * 50);
      if (!Number.isInteger(shardSize) || shardSize < target) throw errors.illegalArgument(`shard_size must be greater than or equal to buckets in [${name}]`);
      // initial_buffer tunes Elasticsearch's streaming clustering; every value is kept here, so it has no effect on results.
      numberOf(body['initial_buffer'], 'initial_buffer', 0);
      return { kind, field: requireField(body, kind, name), buckets: target, shardSize };
    }
    case 'auto_date_histogram': {
      for (const key of Object.keys(body)) {
        if (!['field', 'buckets', 'minimum_interval', 'time_zone', 'format', 'missing'].includes(key)) throw errors.parsing(`[auto_date_histogram] unknown field [${key}]`);
      }
      if (body['missing'] !== undefined) throw errors.illegalArgument(`[missing] is not supported in [auto_date_histogram] aggregation [${name}]`);
      const target = numberOf(body['buckets'], 'buckets', 10);
      if (!Number.isInteger(target) || target < 1) throw errors.illegalArgument(`[buckets] must be greater than 0 in [${name}]`);
      const minimum = body['minimum_interval'];
      const minimumRoundingIndex = minimum === undefined ? 0 : roundingIndexOf(String(minimum));
      if (minimumRoundingIndex < 0) throw errors.illegalArgument(`minimum_interval must be one of [second, minute, hour, day, month, year]`);
      const ceiling = autoBucketCeiling(minimumRoundingIndex);
      if (target > ceiling) throw errors.illegalArgument(`buckets must be less than ${ceiling}`);
      checkTimeZone(body['time_zone']);
      return { kind, field: requireField(body, kind, name), buckets: target, minimumRoundingIndex, timeZone: body['time_zone'] as string | undefined, format: body['format'] as string | undefined };
    }
    case 'rare_terms': {
      const maxDocCount = numberOf(body['max_doc_count'], 'max_doc_count', 1);
      if (!Number.isInteger(maxDocCount) || maxDocCount < 1 || maxDocCount > 100) {
        throw errors.illegalArgument(`[max_doc_count] must be greater than 0 and less than or equal to 100. Found [${maxDocCount}] in [${name}]`);
      }
      for (const key of Object.keys(body)) {
        if (!['field', 'max_doc_count', 'missing', 'include', 'exclude', 'precision', 'value_type'].includes(key)) throw errors.parsing(`[rare_terms] unknown field [${key}]`);
      }
      // precision tunes Elasticsearch's cuckoo filters (every term is counted exactly here), but its floor is still enforced
      if (numberOf(body['precision'], 'precision', 0.001) < 0.00001) throw errors.illegalArgument('[precision] must be greater than 0.00001');
      return { kind, field: requireField(body, kind, name), maxDocCount, missing: body['missing'] as string | number | boolean | undefined, include: termFilter(body['include'], 'include'), exclude: termFilter(body['exclude'], 'exclude') };
    }
    case 'histogram': {
      const interval = numberOf(body['interval'], 'interval', NaN);
      if (!(interval > 0)) throw errors.illegalArgument(`[interval] must be >0 for histogram aggregation [${name}]`);
      const bounds = body['extended_bounds'] as Json | undefined;
      return {
        kind,
        field: requireField(body, kind, name),
        interval,
        offset: numberOf(body['offset'], 'offset', 0),
        minDocCount: numberOf(body['min_doc_count'], 'min_doc_count', 0),
        extendedBounds: bounds === undefined ? undefined : { min: numberOf(bounds['min'], 'min', 0), max: numberOf(bounds['max'], 'max', 0) },
        order: parseOrder(body['order'], [{ key: '_key', direction: 'asc' }]),
        keyed: body['keyed'] === true,
        format: body['format'] as string | undefined,
      };
    }
    case 'date_histogram': {
      let calendarInterval: CalendarUnit | undefined;
      let fixedIntervalMs: number | undefined;
      if (body['calendar_interval'] !== undefined) {
        calendarInterval = calendarNames[String(body['calendar_interval'])];
        if (calendarInterval === undefined) throw errors.illegalArgument(`The supplied interval [${String(body['calendar_interval'])}] could not be parsed as a calendar interval.`);
      } else if (body['fixed_interval'] !== undefined) {
        fixedIntervalMs = parseFixedInterval(String(body['fixed_interval']));
      } else if (body['interval'] !== undefined) {
        const text = String(body['interval']);
        calendarInterval = calendarNames[text];
        if (calendarInterval === undefined) fixedIntervalMs = parseFixedInterval(text);
      } else {
        throw errors.illegalArgument('Invalid interval specified, must be non-null and non-empty');
      }
      const bounds = body['extended_bounds'] as Json | undefined;
      checkTimeZone(body['time_zone']);
      const offsetText = body['offset'];
      let offsetMs = 0;
      if (typeof offsetText === 'string') {
        const negative = offsetText.startsWith('-');
        offsetMs = parseFixedInterval(offsetText.replace(/^[+-]/, '')) * (negative ? -1 : 1);
      } else if (typeof offsetText === 'number') offsetMs = offsetText;
      return {
        kind,
        field: requireField(body, kind, name),
        calendarInterval,
        fixedIntervalMs,
        timeZone: body['time_zone'] as string | undefined,
        offsetMs,
        minDocCount: numberOf(body['min_doc_count'], 'min_doc_count', 0),
        extendedBounds: bounds === undefined ? undefined : { min: bounds['min'] as number | string, max: bounds['max'] as number | string },
        format: body['format'] as string | undefined,
        order: parseOrder(body['order'], [{ key: '_key', direction: 'asc' }]),
        keyed: body['keyed'] === true,
      };
    }
    case 'range':
    case 'date_range': {
      const ranges = body['ranges'];
      if (!Array.isArray(ranges)) throw errors.parsing(`[${kind}] requires [ranges]`);
      checkTimeZone(body['time_zone']);
      return {
        kind,
        field: requireField(body, kind, name),
        ranges: ranges.map((range: Json) => ({ key: range['key'] as string | undefined, from: (range['from'] ?? undefined) as number | string | undefined, to: (range['to'] ?? undefined) as number | string | undefined })),
        keyed: body['keyed'] === true,
        format: body['format'] as string | undefined,
        timeZone: body['time_zone'] as string | undefined,
      };
    }
    case 'geo_distance':
      return { ...parseGeoDistanceAggregation(body, requireField(body, kind, name), name) };
    case 'filter':
      return { kind, filter: parseNode(body) };
    case 'nested': {
      // NestedAggregationBuilder.parse: `path`, a string, required.
      const path = body['path'];
      if (typeof path !== 'string') throw errors.parsing(`Missing [path] field for nested aggregation [${name}]`);
      return { kind, path };
    }
    case 'reverse_nested': {
      const path = body['path'];
      if (path !== undefined && typeof path !== 'string') throw errors.parsing(`Unexpected token ${Array.isArray(path) ? 'START_ARRAY' : path === null ? 'VALUE_NULL' : typeof path === 'object' ? 'START_OBJECT' : typeof path === 'number' ? 'VALUE_NUMBER' : 'VALUE_BOOLEAN'} [path] in [${name}]`);
      return { kind, path };
    }
    case 'filters': {
      const filters = body['filters'];
      const otherBucket = body['other_bucket'] === true || body['other_bucket_key'] !== undefined;
      const otherBucketKey = otherBucket ? String(body['other_bucket_key'] ?? '_other_') : undefined;
      if (Array.isArray(filters)) return { kind, filters: filters.map((query, index) => ({ key: String(index), query: parseNode(query) })), keyed: false, otherBucketKey };
      if (!isObject(filters)) throw errors.parsing('[filters] requires [filters]');
      return { kind, filters: Object.entries(filters).map(([key, query]) => ({ key, query: parseNode(query) })), keyed: body['keyed'] !== false, otherBucketKey };
    }
    case 'top_hits':
      return {
        kind,
        size: numberOf(body['size'], 'size', 3),
        from: numberOf(body['from'], 'from', 0),
        sort: body['sort'] === undefined ? undefined : parseSort(body['sort']),
        source: body['_source'],
      };
    default:
      if (metricKinds.has(kind)) {
        return { kind, field: requireField(body, kind, name), missing: body['missing'] as number | string | undefined, sigma: numberOf(body['sigma'], 'sigma', 2), format: body['format'] as string | undefined };
      }
      throw errors.parsing(`Unknown aggregation type [${kind}]`);
  }
}
