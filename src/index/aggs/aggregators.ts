/**
 * Shard-level aggregation collectors (Elasticsearch's Aggregator model): one aggregator per
 * request node lives for the whole shard; `collect(doc, bucket, score)` receives each matching
 * doc of the current segment in ascending doc order together with its owning bucket ordinal
 * (always 0 at the top level, a parent's bucket ordinal below a bucket aggregation). Counting
 * uses typed arrays indexed by segment ordinals or bucket table indexes where it can.
 */
import { assert } from '../../common/assert.js';
import { type EsError, errors } from '../../common/errors.js';
import { type FieldMapping, type FieldMappings, type KeywordDocValues, type NumericDocValues, type Segment, isLive, numericFieldTypes } from '../engine/segment.js';
import type { ShardStats } from '../engine/shard-stats.js';
import { type Weight, planQuery } from '../query/plan.js';
import type { QueryNode } from '../query/ast.js';
import type { Scorer } from '../query/scorers.js';

const noMoreDocs = 0x7fffffff; // scorers.noMoreDocs
import { type SortSpec, type SortValue, compareHits, fielddataDisabled, fieldSortValue, resolveSortAliases } from '../query/sort.js';
import { DateParseError, evaluateDateMath } from '../query/date-math.js';
import { type AggregationNode, type BucketOrder, type CollectedAggregationNode, isPipeline } from './ast.js';
import { type DateRounding, createDateRounding } from './date-rounding.js';
import { GeoDistanceAggregator } from './geo-distance.js';
import { GeoBoundsAggregator, GeoCentroidAggregator, GeoGridAggregator } from './geo-aggs.js';
import type { AggregationPartial, PartialMap, TermsBucketPartial, TermsValueType, TopHitPartial } from './partials.js';
import { type TDigest, digestOfValues, emptyDigest, mergeDigests } from './tdigest.js';
import { clustersOfValues, mergeClusters } from './variable-width.js';
import { chooseRoundingIndex, reroundBuckets, roundingFor } from './auto-date-histogram.js';
import { reduceAggregations } from './reduce.js';
import { type CompositeBucketPartial, type CompositeKeyValue, CompositeSourceReader, compareCompositeKeys } from './composite.js';
import { limits } from '../../common/limits.js';
import { mappingWithAggregationFormat } from './value-format.js';
import { type ScriptedSegment, type ValueScript, resolvedValueType, scriptedMappings, segmentWithScripts } from './value-scripts.js';
import { type NestedAggregationLevel, createNestedAggregator, createReverseNestedAggregator } from './nested-aggs.js';
import { nestedScopeOf } from '../query/nested.js';

export interface AggregationContext {
  readonly mappings: FieldMappings;
  readonly indexName: string;
  readonly nowMs: number;
  readonly stats: ShardStats;
  readonly segments: readonly Segment[];
  readonly shardKey: string;
  /** How many shards the request targets: with one, terms uses shard_size = size (as Elasticsearch). */
  readonly shardCount: number;
  /** The filter of the filtered aliases the search came through: it bounds significant_terms' background too. */
  readonly aliasFilter?: QueryNode | undefined;
  /** Inside a `nested` aggregation: the nested level the segments hold (nested-aggs.ts). */
  readonly nested?: NestedAggregationLevel;
  /** The index's `index.query.default_field` entries, for the queries of filter(s) aggregations (PlanContext). */
  readonly defaultFields: readonly string[];
}

export abstract class Aggregator {
  constructor(readonly name: string) {}
  abstract setSegment(segment: Segment, segmentIndex: number, docBase: number): void;
  abstract collect(doc: number, bucket: number, score: number): void;
  abstract partial(bucket: number): AggregationPartial;
  /** Called once after the last segment. */
  finish(): void {}
  /**
   * Collects every doc of the current segment at the top level (match_all without deletes).
   * Aggregators override this with column-at-a-time loops; the default visits each doc.
   */
  collectAllDocs(maxDoc: number, score: number): void {
    for (let doc = 0; doc < maxDoc; doc++) this.collect(doc, 0, score);
  }
}

/** Pipeline aggregations collect nothing: they run at the final reduce (pipeline.ts). */
export function createAggregators(nodes: readonly AggregationNode[], context: AggregationContext): Aggregator[] {
  return nodes.filter((node): node is CollectedAggregationNode => !isPipeline(node)).map((node) => createAggregator(node, context));
}

/** Aggregations that read a geo_point field's points (engine/geo-encoding.ts `docGeoPoints`). */
const geoPointAggregations: ReadonlySet<string> = new Set(['value_count', 'geo_distance', 'geohash_grid', 'geotile_grid', 'geohex_grid', 'geo_bounds', 'geo_centroid']);

function mappingFor(field: string, context: AggregationContext, kind: string): FieldMapping | undefined {
  const mapping = context.mappings[field];
  if (mapping?.type === 'text') throw fielddataDisabled(field, context.indexName);
  // geo_point doc values hold encoded (latitude, longitude) pairs: only geo-aware aggregations read them.
  if (mapping?.type === 'geo_point' && !geoPointAggregations.has(kind)) {
    throw errors.illegalArgument(`Field [${field}] of type [geo_point] is not supported for aggregation [${kind}]`);
  }
  return mapping;
}

function createAggregator(original: CollectedAggregationNode, context: AggregationContext): Aggregator {
  if (original.valueScript !== undefined || original.valueScripts !== undefined) {
    return createScriptedAggregator(original, [...(original.valueScript === undefined ? [] : [original.valueScript]), ...(original.valueScripts ?? [])], context);
  }
  // An aggregation on a field alias reads its target's values.
  const aliasOf = 'field' in original ? context.mappings[original.field]?.aliasOf : undefined;
  const node = aliasOf === undefined ? original : ({ ...original, field: aliasOf } as CollectedAggregationNode);
  const subs = () => createAggregators(node.subAggregations, context);
  switch (node.kind) {
    case 'terms': {
      const mapping = mappingWithAggregationFormat(node.format, mappingFor(node.field, context, node.kind), node.field, node.name);
      return new TermsAggregator({ ...node, ...keyedTermFilters(node, mapping, context) }, mapping, context, subs());
    }
    case 'value_count':
    case 'cardinality':
    case 'min':
    case 'max':
    case 'avg':
    case 'sum':
    case 'stats':
    case 'extended_stats': {
      const fieldMapping = mappingFor(node.field, context, node.kind);
      if (fieldMapping?.type === 'keyword' && node.kind !== 'value_count' && node.kind !== 'cardinality') {
        throw errors.illegalArgument(`Field [${node.field}] of type [keyword] is not supported for aggregation [${node.kind}]`);
      }
      const mapping = mappingWithAggregationFormat(node.format, fieldMapping, node.field, node.name);
      // Elasticsearch prints every extended_stats value with the format too; Strait does not yet, so it refuses one.
      if (node.kind === 'extended_stats' && node.format !== undefined) throw errors.illegalArgument(`[format] is not supported for [extended_stats] aggregation [${node.name}]`);
      if (node.kind === 'cardinality') return new CardinalityAggregator(node.name, node.field, mapping);
      return new StatsAggregator(node.name, node.kind, node.field, mapping, missingNumber(node.missing, mapping, context));
    }
    case 'percentiles':
    case 'percentile_ranks': {
      const mapping = mappingFor(node.field, context, node.kind);
      if (mapping?.type === 'keyword') throw errors.illegalArgument(`Field [${node.field}] of type [keyword] is not supported for aggregation [${node.kind}]`);
      return new PercentilesAggregator(node.name, node.field, node.compression, missingNumber(node.missing, mapping, context));
    }
    case 'histogram':
    case 'date_histogram': {
      const mapping = mappingFor(node.field, context, node.kind);
      if (mapping?.type === 'keyword') throw errors.illegalArgument(`Field [${node.field}] of type [keyword] is not supported for aggregation [${node.kind}]`);
      // date_histogram's format on a date field: the same check (a date format Strait prints).
      if (node.kind === 'histogram' || isDateField(mapping)) mappingWithAggregationFormat(node.format, mapping, node.field, node.name);
      return new HistogramAggregator(node, context, subs());
    }
    case 'range':
    case 'date_range': {
      const mapping = mappingFor(node.field, context, node.kind);
      if (mapping?.type === 'keyword') throw errors.illegalArgument(`Field [${node.field}] of type [keyword] is not supported for aggregation [${node.kind}]`);
      if (node.kind === 'range' || isDateField(mapping)) mappingWithAggregationFormat(node.format, mapping, node.field, node.name);
      const bounds = node.ranges.map((range) => ({
        // Text bounds parse with the aggregation's format, else the field's (`epoch_second`,
        // `yyyy-MM-dd||epoch_millis`); JSON numbers are epoch milliseconds, as Elasticsearch reads them.
        from: range.from === undefined ? -Infinity : rangeBound(range.from, node.kind === 'date_range' || isDateField(mapping), typeof range.from === 'string' ? (node.format ?? mapping?.format) : node.format, node.timeZone, context),
        to: range.to === undefined ? Infinity : rangeBound(range.to, node.kind === 'date_range' || isDateField(mapping), typeof range.to === 'string' ? (node.format ?? mapping?.format) : node.format, node.timeZone, context),
      }));
      return new RangeAggregator(node.name, node.field, bounds, subs(), isDateField(mapping) ? mapping?.format : undefined);
    }
    case 'geo_distance': {
      const mapping = mappingFor(node.field, context, node.kind);
      if (mapping !== undefined && mapping.type !== 'geo_point') {
        throw errors.illegalArgument(`Field [${node.field}] of type [${mapping.mappedType ?? mapping.type}] is not supported for aggregation [geo_distance]`);
      }
      return new GeoDistanceAggregator(node.name, node, subs());
    }
    case 'filter':
      return new FiltersAggregator(node.name, [{ key: '', weight: planQuery(node.filter, { ...context }) }], undefined, true, subs);
    case 'nested':
      return createNestedAggregator(node.name, node.path, context, (inner) => createAggregators(node.subAggregations, inner));
    case 'reverse_nested':
      return createReverseNestedAggregator(node.name, node.path, context, (inner) => createAggregators(node.subAggregations, inner));
    case 'filters':
      return new FiltersAggregator(
        node.name,
        node.filters.map((filter) => ({ key: filter.key, weight: planQuery(filter.query, { ...context }) })),
        node.otherBucketKey,
        false,
        subs,
      );
    case 'multi_terms': {
      const readers = node.terms.map((term, index) => {
        const field = context.mappings[term.field]?.aliasOf ?? term.field;
        const mapping = mappingFor(field, context, node.kind);
        if (mapping !== undefined && !numericFieldTypes.has(mapping.type) && mapping.type !== 'keyword') throw fielddataDisabled(field, context.indexName);
        const source = { name: String(index), field, direction: 'asc', missingBucket: false, missingOrder: 'default', type: 'terms' } as const;
        const valueType = termsValueType(mapping);
        const missing = term.missing === undefined ? undefined : termsKeyOf(term.missing, valueType, context);
        return { reader: new CompositeSourceReader(source, mapping, context.segments), valueType, format: valueType === 'date' ? mapping?.format : undefined, missing };
      });
      return new MultiTermsAggregator(node, readers, context, subs());
    }
    case 'rare_terms': {
      const mapping = mappingFor(node.field, context, node.kind);
      const inner = everyTermNode(node, 'asc', node.missing, keyedTermFilters(node, mapping, context));
      return new RareTermsAggregator(node.maxDocCount, new TermsAggregator(inner, mapping, { ...context, shardCount: 1 }, subs()));
    }
    case 'significant_terms': {
      const mapping = mappingFor(node.field, context, node.kind);
      const inner = everyTermNode(node, 'desc', undefined, keyedTermFilters(node, mapping, context));
      // The background set is what the index shows through the search's aliases (Elasticsearch
      // builds it with the alias filter added: sig_terms.yml "Test alias background filter").
      const filters = [node.backgroundFilter, context.aliasFilter].filter((filter) => filter !== undefined);
      const backgroundQuery: QueryNode | undefined =
        filters.length <= 1 ? filters[0] : { kind: 'bool', must: [], should: [], filter: filters, mustNot: [], minimumShouldMatch: undefined, boost: 1 };
      const background = backgroundQuery === undefined ? undefined : planQuery(backgroundQuery, { ...context });
      return new SignificantTermsAggregator(node, new TermsAggregator(inner, mapping, { ...context, shardCount: 1 }, subs()), background, context);
    }
    case 'variable_width_histogram': {
      const mapping = mappingFor(node.field, context, node.kind);
      if (mapping !== undefined && !numericFieldTypes.has(mapping.type)) throw errors.illegalArgument(`Field [${node.field}] of type [${mapping.type}] is not supported for aggregation [variable_width_histogram]`);
      return new VariableWidthAggregator(node);
    }
    case 'auto_date_histogram': {
      const mapping = mappingFor(node.field, context, node.kind);
      if (mapping !== undefined && !isDateField(mapping) && !numericFieldTypes.has(mapping.type)) {
        throw errors.illegalArgument(`Field [${node.field}] of type [${mapping.type}] is not supported for aggregation [auto_date_histogram]`);
      }
      return new AutoDateHistogramAggregator(node, subs());
    }
    case 'composite': {
      const readers = node.sources.map((source) => {
        const aliasTarget = context.mappings[source.field]?.aliasOf;
        const resolved = aliasTarget === undefined ? source : { ...source, field: aliasTarget };
        const mapping = mappingFor(resolved.field, context, node.kind);
        if (resolved.type !== 'terms' && mapping !== undefined && !numericFieldTypes.has(mapping.type)) {
          throw errors.illegalArgument(`Field [${resolved.field}] of type [${mapping.type}] is not supported for composite source [${resolved.name}] of type [${resolved.type}]`);
        }
        if (mapping !== undefined && !numericFieldTypes.has(mapping.type) && mapping.type !== 'keyword') throw fielddataDisabled(resolved.field, context.indexName);
        return new CompositeSourceReader(resolved, mapping, context.segments);
      });
      return new CompositeAggregator(node, readers, subs());
    }
    case 'geohash_grid':
    case 'geotile_grid':
    case 'geo_bounds':
    case 'geo_centroid': {
      const mapping = mappingFor(node.field, context, node.kind);
      if (mapping !== undefined && mapping.type !== 'geo_point') {
        throw errors.illegalArgument(`Field [${node.field}] of type [${mapping.mappedType ?? mapping.type}] is not supported for aggregation [${node.kind}]`);
      }
      if (node.kind === 'geo_bounds') return new GeoBoundsAggregator(node.name, node.field);
      if (node.kind === 'geo_centroid') return new GeoCentroidAggregator(node.name, node.field);
      return new GeoGridAggregator(node.name, node, context.shardCount, subs());
    }
    case 'top_hits': {
      const sort = node.sort === undefined ? undefined : resolveSortAliases(node.sort, context.mappings);
      return new TopHitsAggregator(node.name, node.from + node.size, sort, context);
    }
  }
}

/**
 * date and date_nanos fields aggregate alike: in epoch milliseconds (a date_nanos field's doc values
 * hold its milliseconds next to the nanoseconds, and Elasticsearch's aggregations read milliseconds).
 */
/**
 * An aggregation with a `script`: the aggregator made for its synthetic field, fed segments that
 * carry the script's values as that field's doc values (value-scripts.ts).
 */
function createScriptedAggregator(node: CollectedAggregationNode, scripts: readonly ValueScript[], context: AggregationContext): Aggregator {
  const valueTypes = scripts.map((script) => resolvedValueType(script, script.field === undefined ? undefined : mappingFor(script.field, context, node.kind)));
  let mappings = context.mappings;
  scripts.forEach((script, index) => (mappings = scriptedMappings(mappings, script, valueTypes[index]!)));
  const scriptedOf = (segment: Segment): ScriptedSegment => segmentWithScripts(segment, scripts, valueTypes, context.mappings, context.indexName);
  // These read every segment of the shard, not only the one collected (significant_terms'
  // background frequencies, the multi_terms and composite readers' value ranges): they get all
  // segments with the scripts' values up front; other kinds script one segment at a time.
  const everySegment = kindsReadingEverySegment.has(node.kind) ? new Map(context.segments.map((segment) => [segment, scriptedOf(segment)] as const)) : undefined;
  const segments = everySegment === undefined ? context.segments : [...everySegment.values()].map((scripted) => scripted.segment);
  const { valueScript: _script, valueScripts: _scripts, ...plain } = node;
  const inner = createAggregator(plain as CollectedAggregationNode, { ...context, mappings, segments });
  return new ScriptValuesAggregator(inner, (segment) => everySegment?.get(segment) ?? scriptedOf(segment));
}

const kindsReadingEverySegment: ReadonlySet<string> = new Set(['significant_terms', 'multi_terms', 'composite']);

class ScriptValuesAggregator extends Aggregator {
  private failures: ReadonlyMap<number, EsError> = new Map();
  constructor(
    private readonly inner: Aggregator,
    private readonly scriptedOf: (segment: Segment) => ScriptedSegment,
  ) {
    super(inner.name);
  }
  setSegment(segment: Segment, segmentIndex: number, docBase: number): void {
    const scripted = this.scriptedOf(segment);
    this.failures = scripted.failures;
    this.inner.setSegment(scripted.segment, segmentIndex, docBase);
  }
  collect(doc: number, bucket: number, score: number): void {
    const failure = this.failures.get(doc);
    if (failure !== undefined) throw failure;
    this.inner.collect(doc, bucket, score);
  }
  override collectAllDocs(maxDoc: number, score: number): void {
    if (this.failures.size > 0) throw this.failures.values().next().value!;
    this.inner.collectAllDocs(maxDoc, score);
  }
  partial(bucket: number): AggregationPartial {
    return this.inner.partial(bucket);
  }
  override finish(): void {
    this.inner.finish();
  }
}

function isDateField(mapping: FieldMapping | undefined): boolean {
  return mapping?.type === 'date' || mapping?.type === 'date_nanos';
}

function missingNumber(missing: number | string | undefined, mapping: FieldMapping | undefined, context: AggregationContext): number | undefined {
  if (missing === undefined) return undefined;
  if (isDateField(mapping)) return rangeBound(missing, true, undefined, undefined, context);
  if (mapping?.type === 'boolean') return (missing as unknown) === true || missing === 'true' ? 1 : 0;
  const number = Number(missing);
  if (!Number.isFinite(number)) throw errors.illegalArgument(`Cannot parse missing value [${missing}] as a number`);
  return number;
}

function rangeBound(value: number | string, isDate: boolean, format: string | undefined, timeZone: string | undefined, context: AggregationContext): number {
  if (isDate) {
    try {
      return evaluateDateMath(value, { nowMs: context.nowMs, roundUp: false, format, timeZone });
    } catch (error) {
      if (error instanceof DateParseError) throw errors.parse(error.message);
      throw error;
    }
  }
  const number = Number(value);
  if (!Number.isFinite(number)) throw errors.numberFormat(`For input string: "${value}"`);
  return number;
}

// ---------------------------------------------------------------------------------------------
// Growable per-bucket arrays

class GrowableFloat64 {
  array: Float64Array;
  constructor(initial = 8, private readonly fillValue = 0) {
    this.array = new Float64Array(initial).fill(fillValue);
  }
  ensure(index: number): Float64Array {
    if (index >= this.array.length) {
      const grown = new Float64Array(Math.max(index + 1, this.array.length * 2)).fill(this.fillValue);
      grown.set(this.array);
      this.array = grown;
    }
    return this.array;
  }
  get(index: number): number {
    return index < this.array.length ? this.array[index]! : this.fillValue;
  }
}

// ---------------------------------------------------------------------------------------------
// Metrics

class StatsAggregator extends Aggregator {
  private readonly counts = new GrowableFloat64();
  private readonly sums = new GrowableFloat64();
  private readonly sumsOfSquares = new GrowableFloat64();
  private readonly mins = new GrowableFloat64(8, Infinity);
  private readonly maxs = new GrowableFloat64(8, -Infinity);
  private numeric: NumericDocValues | undefined;
  private keyword: KeywordDocValues | undefined;
  private readonly countOnly: boolean;
  constructor(
    name: string,
    private readonly metric: 'value_count' | 'min' | 'max' | 'avg' | 'sum' | 'stats' | 'extended_stats',
    private readonly field: string,
    private readonly mapping: FieldMapping | undefined,
    private readonly missing: number | undefined,
  ) {
    super(name);
    this.countOnly = metric === 'value_count';
  }
  setSegment(segment: Segment): void {
    const values = segment.docValues.get(this.field);
    this.numeric = values?.kind === 'numeric' ? values : undefined;
    this.keyword = values?.kind === 'keyword' ? values : undefined;
  }
  collect(doc: number, bucket: number): void {
    if (this.keyword !== undefined) {
      const count = this.keyword.valueStart[doc + 1]! - this.keyword.valueStart[doc]!;
      if (count > 0) this.counts.ensure(bucket)[bucket]! += count;
      return;
    }
    const values = this.numeric;
    let from = 0;
    let to = 0;
    if (values !== undefined) {
      from = values.valueStart[doc]!;
      to = values.valueStart[doc + 1]!;
    }
    if (from === to) {
      if (this.missing !== undefined) this.add(bucket, this.missing);
      return;
    }
    for (let index = from; index < to; index++) this.add(bucket, values!.values[index]!);
  }
  private add(bucket: number, value: number): void {
    this.counts.ensure(bucket)[bucket]!++;
    if (this.countOnly) return;
    this.sums.ensure(bucket)[bucket]! += value;
    this.sumsOfSquares.ensure(bucket)[bucket]! += value * value;
    const mins = this.mins.ensure(bucket);
    if (value < mins[bucket]!) mins[bucket] = value;
    const maxs = this.maxs.ensure(bucket);
    if (value > maxs[bucket]!) maxs[bucket] = value;
  }
  partial(bucket: number): AggregationPartial {
    return {
      type: 'stats',
      metric: this.metric,
      count: this.counts.get(bucket),
      sum: this.sums.get(bucket),
      min: this.mins.get(bucket),
      max: this.maxs.get(bucket),
      sumOfSquares: this.sumsOfSquares.get(bucket),
      isDate: isDateField(this.mapping),
      ...(isDateField(this.mapping) && this.mapping?.format !== undefined ? { format: this.mapping.format } : {}),
    };
  }
}

/** Exact distinct count (a Set per bucket); Elasticsearch uses HyperLogLog++ (exact below its precision threshold, 3000 by default). */
class CardinalityAggregator extends Aggregator {
  private readonly sets: Set<string | number>[] = [];
  private segment: Segment | undefined;
  constructor(name: string, private readonly field: string, private readonly mapping: FieldMapping | undefined) {
    super(name);
  }
  setSegment(segment: Segment): void {
    this.segment = segment;
  }
  collect(doc: number, bucket: number): void {
    const values = this.segment!.docValues.get(this.field);
    if (values === undefined) return;
    let set = this.sets[bucket];
    if (set === undefined) this.sets[bucket] = set = new Set();
    const from = values.valueStart[doc]!;
    const to = values.valueStart[doc + 1]!;
    if (values.kind === 'keyword') {
      const terms = this.segment!.postings.get(this.field)!.terms;
      for (let index = from; index < to; index++) set.add(terms[values.ordinals[index]!]!);
    } else for (let index = from; index < to; index++) set.add(values.values[index]!);
    void this.mapping;
  }
  partial(bucket: number): AggregationPartial {
    return { type: 'cardinality', values: [...(this.sets[bucket] ?? [])] };
  }
}

/**
 * percentiles and percentile_ranks: a bucket's values are buffered, and folded into its t-digest
 * each time the buffer fills and at partial(); the partial is the digest (tdigest.ts).
 */
class PercentilesAggregator extends Aggregator {
  private readonly values: number[][] = [];
  private readonly digests: TDigest[] = [];
  private numeric: NumericDocValues | undefined;
  constructor(name: string, private readonly field: string, private readonly compression: number, private readonly missing: number | undefined) {
    super(name);
  }
  setSegment(segment: Segment): void {
    const values = segment.docValues.get(this.field);
    this.numeric = values?.kind === 'numeric' ? values : undefined;
  }
  collect(doc: number, bucket: number): void {
    const values = this.numeric;
    let list = this.values[bucket];
    if (list === undefined) this.values[bucket] = list = [];
    const from = values === undefined ? 0 : values.valueStart[doc]!;
    const to = values === undefined ? 0 : values.valueStart[doc + 1]!;
    if (from === to) {
      if (this.missing !== undefined) list.push(this.missing);
    } else for (let index = from; index < to; index++) list.push(values!.values[index]!);
    if (list.length >= limits.percentilesBufferValuesMax) this.fold(bucket);
  }
  private fold(bucket: number): TDigest {
    const list = this.values[bucket] ?? [];
    const previous = this.digests[bucket] ?? emptyDigest(this.compression);
    const digest = list.length === 0 ? previous : mergeDigests([previous, digestOfValues(list, this.compression)], this.compression);
    this.digests[bucket] = digest;
    this.values[bucket] = [];
    return digest;
  }
  partial(bucket: number): AggregationPartial {
    return { type: 'percentiles', digest: this.fold(bucket) };
  }
}

// ---------------------------------------------------------------------------------------------
// Bucket ordinals shared by bucket aggregations: (owning bucket, key) → dense ordinal.

class BucketOrdinals<Key extends string | number> {
  private readonly topLevel = new Map<Key, number>();
  private readonly nested = new Map<string, number>();
  readonly owners: number[] = [];
  readonly keys: Key[] = [];
  readonly docCounts = new GrowableFloat64();
  readonly byOwner = new Map<number, number[]>();
  ordinal(owner: number, key: Key): number {
    let ordinal = owner === 0 ? this.topLevel.get(key) : this.nested.get(`${owner}\u0000${String(key)}`);
    if (ordinal === undefined) {
      ordinal = this.keys.length;
      this.keys.push(key);
      this.owners.push(owner);
      if (owner === 0) this.topLevel.set(key, ordinal);
      else this.nested.set(`${owner}\u0000${String(key)}`, ordinal);
      let list = this.byOwner.get(owner);
      if (list === undefined) this.byOwner.set(owner, (list = []));
      list.push(ordinal);
    }
    return ordinal;
  }
}

function subPartials(subs: readonly Aggregator[], ordinal: number): PartialMap {
  const result: Record<string, AggregationPartial> = {};
  for (const sub of subs) result[sub.name] = sub.partial(ordinal);
  return result;
}

// ---------------------------------------------------------------------------------------------
// terms

class TermsAggregator extends Aggregator {
  private readonly ordinals = new BucketOrdinals<string | number>();
  private readonly valueType: TermsValueType;
  private keyword: KeywordDocValues | undefined;
  private numeric: NumericDocValues | undefined;
  private terms: readonly string[] = [];
  /** Top-level fast path without sub-aggregations: counts per segment ordinal. */
  private segmentCounts: Int32Array | null = null;
  private segmentToBucket: Int32Array | null = null;
  private postingsStart: Int32Array | null = null;
  private readonly missingKey: string | number | undefined;
  /** A date field's mapped format: it prints key_as_string. */
  private readonly dateFormat: string | undefined;
  constructor(
    private readonly node: Extract<AggregationNode, { kind: 'terms' }>,
    mapping: FieldMapping | undefined,
    private readonly context: AggregationContext,
    private readonly subs: readonly Aggregator[],
  ) {
    super(node.name);
    const type = mapping?.type;
    this.valueType =
      type === undefined || type === 'keyword' || type === 'constant_keyword'
        ? 'string'
        : type === 'boolean'
          ? 'boolean'
          : type === 'date' || type === 'date_nanos'
            ? 'date'
            : type === 'double' || type === 'float'
              ? 'double'
              : 'long';
    this.dateFormat = this.valueType === 'date' ? mapping?.format : undefined;
    const missing = node.missing;
    if (missing === undefined) this.missingKey = undefined;
    else if (this.valueType === 'string') this.missingKey = String(missing);
    else if (this.valueType === 'boolean') this.missingKey = missing === true || missing === 'true' ? 1 : 0;
    else if (this.valueType === 'date') this.missingKey = rangeBound(missing as string | number, true, undefined, undefined, context);
    else this.missingKey = Number(missing);
    // constant_keyword has no doc values: every document falls in the one bucket of its value.
    if (mapping?.type === 'constant_keyword') this.missingKey = mapping.constantValue;
    if (mapping !== undefined && !numericFieldTypes.has(mapping.type) && mapping.type !== 'keyword' && mapping.type !== 'constant_keyword') {
      throw fielddataDisabled(node.field, context.indexName);
    }
  }
  setSegment(segment: Segment, segmentIndex: number, docBase: number): void {
    this.flushSegmentCounts();
    const values = segment.docValues.get(this.node.field);
    this.keyword = values?.kind === 'keyword' ? values : undefined;
    this.numeric = values?.kind === 'numeric' ? values : undefined;
    this.terms = this.keyword !== undefined ? segment.postings.get(this.node.field)!.terms : [];
    this.postingsStart = this.keyword !== undefined ? segment.postings.get(this.node.field)!.postingsStart : null;
    if (this.keyword !== undefined) {
      this.segmentToBucket = new Int32Array(this.terms.length).fill(-1);
      this.segmentCounts = this.subs.length === 0 ? new Int32Array(this.terms.length) : null;
    } else {
      this.segmentToBucket = null;
      this.segmentCounts = null;
    }
    if (this.node.minDocCount === 0 && this.keyword !== undefined) for (const term of this.terms) this.ordinals.ordinal(0, term);
    for (const sub of this.subs) sub.setSegment(segment, segmentIndex, docBase);
  }
  private flushSegmentCounts(): void {
    const counts = this.segmentCounts;
    if (counts === null) return;
    for (let ordinal = 0; ordinal < counts.length; ordinal++) {
      const count = counts[ordinal]!;
      if (count === 0) continue;
      const bucket = this.ordinals.ordinal(0, this.terms[ordinal]!);
      this.ordinals.docCounts.ensure(bucket)[bucket]! += count;
    }
    counts.fill(0);
  }
  collect(doc: number, owner: number, score: number): void {
    const keyword = this.keyword;
    if (keyword !== undefined) {
      const from = keyword.valueStart[doc]!;
      const to = keyword.valueStart[doc + 1]!;
      if (from === to) return this.collectMissing(doc, owner, score);
      if (owner === 0 && this.segmentCounts !== null) {
        const counts = this.segmentCounts;
        for (let index = from; index < to; index++) counts[keyword.ordinals[index]!]!++;
        return;
      }
      for (let index = from; index < to; index++) {
        const segmentOrdinal = keyword.ordinals[index]!;
        let bucket: number;
        if (owner === 0) {
          bucket = this.segmentToBucket![segmentOrdinal]!;
          if (bucket < 0) this.segmentToBucket![segmentOrdinal] = bucket = this.ordinals.ordinal(0, this.terms[segmentOrdinal]!);
        } else bucket = this.ordinals.ordinal(owner, this.terms[segmentOrdinal]!);
        this.ordinals.docCounts.ensure(bucket)[bucket]!++;
        for (const sub of this.subs) sub.collect(doc, bucket, score);
      }
      return;
    }
    const numeric = this.numeric;
    if (numeric === undefined) return this.collectMissing(doc, owner, score);
    const from = numeric.valueStart[doc]!;
    const to = numeric.valueStart[doc + 1]!;
    if (from === to) return this.collectMissing(doc, owner, score);
    for (let index = from; index < to; index++) {
      const value = numeric.values[index]!;
      if (index > from && value === numeric.values[index - 1]) continue; // a doc counts once per term
      const bucket = this.ordinals.ordinal(owner, value);
      this.ordinals.docCounts.ensure(bucket)[bucket]!++;
      for (const sub of this.subs) sub.collect(doc, bucket, score);
    }
  }
  override collectAllDocs(maxDoc: number, score: number): void {
    // Without sub-aggregations or `missing`, a term's doc count is its postings length.
    if (this.keyword !== undefined && this.segmentCounts !== null && this.missingKey === undefined) {
      const postingsStart = this.postingsStart!;
      const counts = this.segmentCounts;
      for (let ordinal = 0; ordinal < counts.length; ordinal++) counts[ordinal]! += postingsStart[ordinal + 1]! - postingsStart[ordinal]!;
      return;
    }
    super.collectAllDocs(maxDoc, score);
  }
  private collectMissing(doc: number, owner: number, score: number): void {
    if (this.missingKey === undefined) return;
    const bucket = this.ordinals.ordinal(owner, this.missingKey);
    this.ordinals.docCounts.ensure(bucket)[bucket]!++;
    for (const sub of this.subs) sub.collect(doc, bucket, score);
  }
  override finish(): void {
    this.flushSegmentCounts();
    for (const sub of this.subs) sub.finish();
  }
  partial(owner: number): AggregationPartial {
    const ordinals = this.ordinals.byOwner.get(owner) ?? [];
    const buckets: TermsBucketPartial[] = ordinals
      .map((ordinal) => ({ key: this.ordinals.keys[ordinal]!, docCount: this.ordinals.docCounts.get(ordinal), errorBound: 0, aggs: subPartials(this.subs, ordinal) }))
      .filter((bucket) => bucket.docCount >= Math.min(1, this.node.minDocCount) || this.node.minDocCount === 0)
      .filter((bucket) => acceptsTerm(bucket.key, this.node.include, true) && !acceptsTerm(bucket.key, this.node.exclude, false));
    sortTermsBuckets(buckets, this.node.order);
    return { type: 'terms', valueType: this.valueType, ...(this.dateFormat === undefined ? {} : { format: this.dateFormat }), ...shardCut(buckets, this.node, this.context.shardCount) };
  }
}

/** The terms value type a field's keys have. */
function termsValueType(mapping: FieldMapping | undefined): TermsValueType {
  const type = mapping?.type;
  if (type === undefined || type === 'keyword' || type === 'constant_keyword') return 'string';
  if (type === 'boolean') return 'boolean';
  if (type === 'date' || type === 'date_nanos') return 'date';
  if (type === 'double' || type === 'float') return 'double';
  return 'long';
}

/**
 * A terms or multi_terms shard's cut of its sorted buckets: the top `shard_size` (at least `size`;
 * just `size` on a lone shard), the doc count of the rest, and the error bound (the last kept
 * count when buckets were cut under a descending count order).
 */
function shardCut<B extends { readonly docCount: number }>(
  buckets: readonly B[],
  node: { readonly size: number; readonly shardSize: number | undefined; readonly order: readonly BucketOrder[] },
  shardCount: number,
): { buckets: B[]; otherDocCount: number; errorBound: number } {
  const shardSize = shardCount <= 1 ? node.size : (node.shardSize ?? Math.floor(node.size * 1.5 + 10));
  const kept = buckets.slice(0, Math.max(shardSize, node.size));
  let otherDocCount = 0;
  for (let index = kept.length; index < buckets.length; index++) otherDocCount += buckets[index]!.docCount;
  const countOrdered = node.order[0]?.key === '_count' && node.order[0].direction === 'desc';
  // One shard: its counts are final, so Elasticsearch reports no error.
  const errorBound = shardCount > 1 && buckets.length > kept.length && countOrdered ? kept[kept.length - 1]!.docCount : 0;
  return { buckets: kept, otherDocCount, errorBound };
}

/**
 * The terms node rare_terms and significant_terms collect through: every term of the shard (no
 * size cut, min_doc_count 1), ordered by count (`countDirection`) then key.
 */
function everyTermNode(
  node: { readonly name: string; readonly subAggregations: readonly AggregationNode[]; readonly field: string },
  countDirection: 'asc' | 'desc',
  missing: string | number | boolean | undefined,
  filters: { include: RegExp | readonly string[] | undefined; exclude: RegExp | readonly string[] | undefined },
): Extract<AggregationNode, { kind: 'terms' }> {
  return {
    kind: 'terms',
    name: node.name,
    subAggregations: node.subAggregations,
    meta: undefined,
    field: node.field,
    size: Number.MAX_SAFE_INTEGER,
    shardSize: Number.MAX_SAFE_INTEGER,
    minDocCount: 1,
    order: [
      { key: '_count', direction: countDirection },
      { key: '_key', direction: 'asc' },
    ],
    missing,
    showTermDocCountError: false,
    include: filters.include,
    exclude: filters.exclude,
  };
}

/**
 * include/exclude of terms, rare_terms and significant_terms as the keys of the field: a value list
 * is read with the field's type (a date parses to its epoch milliseconds, `true` to 1), as
 * Elasticsearch's IncludeExclude parses values through the field's DocValueFormat, so that
 * acceptsTerm compares like with like; a regular expression applies to string fields only.
 */
function keyedTermFilters(
  node: { readonly name: string; readonly include: RegExp | readonly string[] | undefined; readonly exclude: RegExp | readonly string[] | undefined },
  mapping: FieldMapping | undefined,
  context: AggregationContext,
): { include: RegExp | readonly string[] | undefined; exclude: RegExp | readonly string[] | undefined } {
  const valueType = termsValueType(mapping);
  if (valueType !== 'string' && (node.include instanceof RegExp || node.exclude instanceof RegExp)) {
    throw errors.aggregationExecution(`Aggregation [${node.name}] cannot support regular expression style include/exclude settings as they can only be applied to string fields. Use an array of values for include/exclude clauses`);
  }
  const asKeys = (filter: RegExp | readonly string[] | undefined): RegExp | readonly string[] | undefined =>
    filter === undefined || filter instanceof RegExp ? filter : filter.map((value) => String(termsKeyOf(value, valueType, context, mapping?.format)));
  return { include: asKeys(node.include), exclude: asKeys(node.exclude) };
}

/** A request value (`missing`, an include/exclude entry) as the key of a field of `valueType`. */
function termsKeyOf(value: string | number | boolean, valueType: TermsValueType, context: AggregationContext, dateFormat?: string): string | number {
  if (valueType === 'string') return String(value);
  if (valueType === 'boolean') return value === true || value === 'true' ? 1 : 0;
  // A date in text is read with the field's format (its DocValueFormat), as Elasticsearch parses include/exclude values.
  if (valueType === 'date') return rangeBound(value as string | number, true, typeof value === 'string' ? dateFormat : undefined, undefined, context);
  const number = Number(value);
  if (!Number.isFinite(number)) throw errors.numberFormat(`For input string: "${String(value)}"`);
  return number;
}

function acceptsTerm(key: string | number, filter: RegExp | readonly string[] | undefined, absent: boolean): boolean {
  if (filter === undefined) return absent;
  const text = String(key);
  return filter instanceof RegExp ? filter.test(text) : filter.includes(text);
}

/** Sorts terms buckets by the requested order, then by key ascending as a total tie-break. */
export function sortTermsBuckets(buckets: { key: string | number; docCount: number; aggs: PartialMap }[], order: readonly BucketOrder[]): void {
  buckets.sort((left, right) => {
    for (const criterion of order) {
      let compared: number;
      if (criterion.key === '_count') compared = left.docCount - right.docCount;
      else if (criterion.key === '_key') compared = left.key < right.key ? -1 : left.key > right.key ? 1 : 0;
      else compared = metricValue(left.aggs, criterion.key) - metricValue(right.aggs, criterion.key);
      if (compared !== 0) return criterion.direction === 'asc' ? compared : -compared;
    }
    return left.key < right.key ? -1 : left.key > right.key ? 1 : 0;
  });
}

/** A single-value metric of a bucket's sub-aggregations for ordering (`avg_price`, `stats.max`). */
export function metricValue(aggs: PartialMap, path: string): number {
  const [name, metric] = path.split('.');
  const partial = aggs[name!];
  if (partial === undefined) throw errors.illegalArgument(`Invalid aggregator order path [${path}]. Unknown aggregation [${name}]`);
  if (partial.type === 'stats') {
    const which = metric ?? (partial.metric === 'value_count' ? 'count' : partial.metric === 'stats' || partial.metric === 'extended_stats' ? 'avg' : partial.metric);
    if (partial.count === 0 && which !== 'count' && which !== 'sum') return -Infinity;
    switch (which) {
      case 'min':
        return partial.min;
      case 'max':
        return partial.max;
      case 'sum':
        return partial.sum;
      case 'count':
        return partial.count;
      case 'avg':
        return partial.sum / partial.count;
      default:
        throw errors.illegalArgument(`Invalid aggregation order path [${path}]. Unknown value key [${which}] for metrics aggregation [${name}]`);
    }
  }
  if (partial.type === 'cardinality') return partial.values.length;
  if (partial.type === 'single_bucket') return partial.docCount;
  throw errors.illegalArgument(`Invalid aggregation order path [${path}]. Buckets can only be sorted on a sub-aggregator path that is built out of zero or more single-bucket aggregations within the path and a final single-bucket or a metrics aggregation at the path end.`);
}

// ---------------------------------------------------------------------------------------------
// histogram / date_histogram

class HistogramAggregator extends Aggregator {
  private readonly ordinals = new BucketOrdinals<number>();
  private numeric: NumericDocValues | undefined;
  private readonly rounding: DateRounding | null;
  private readonly interval: number;
  private readonly offset: number;
  /** Top-level fast path: counts per rounding-table index, without sub-aggregations. */
  private readonly tableCounts: Float64Array | null;
  /** The date field's mapped format (renders key_as_string when the aggregation has no `format`). */
  private readonly fieldFormat: string | undefined;
  constructor(private readonly node: Extract<AggregationNode, { kind: 'histogram' | 'date_histogram' }>, context: AggregationContext, private readonly subs: readonly Aggregator[]) {
    super(node.name);
    const mapping = context.mappings[node.field];
    this.fieldFormat = node.kind === 'date_histogram' && isDateField(mapping) ? mapping?.format : undefined;
    if (node.kind === 'date_histogram') {
      let valueMin = Infinity;
      let valueMax = -Infinity;
      for (const segment of context.segments) {
        const values = segment.docValues.get(node.field);
        if (values?.kind !== 'numeric' || values.pointValues.length === 0) continue;
        valueMin = Math.min(valueMin, values.pointValues[0]!);
        valueMax = Math.max(valueMax, values.pointValues[values.pointValues.length - 1]!);
      }
      this.rounding = createDateRounding(node, valueMin, valueMax);
      this.interval = 0;
      this.offset = 0;
      this.tableCounts = this.rounding.starts !== null && subs.length === 0 ? new Float64Array(this.rounding.starts.length) : null;
    } else {
      this.rounding = null;
      this.interval = node.interval;
      this.offset = node.offset;
      this.tableCounts = null;
    }
  }
  setSegment(segment: Segment, segmentIndex: number, docBase: number): void {
    const values = segment.docValues.get(this.node.field);
    this.numeric = values?.kind === 'numeric' ? values : undefined;
    for (const sub of this.subs) sub.setSegment(segment, segmentIndex, docBase);
  }
  private keyOf(value: number): number {
    if (this.rounding !== null) return this.rounding.round(value);
    return Math.floor((value - this.offset) / this.interval) * this.interval + this.offset;
  }
  collect(doc: number, owner: number, score: number): void {
    const numeric = this.numeric;
    if (numeric === undefined) return;
    const from = numeric.valueStart[doc]!;
    const to = numeric.valueStart[doc + 1]!;
    if (from === to) return;
    if (owner === 0 && this.tableCounts !== null && from + 1 === to) {
      const index = this.rounding!.indexOf(numeric.values[from]!);
      if (index >= 0) {
        this.tableCounts[index]!++;
        return;
      }
    }
    let previousKey = NaN;
    for (let index = from; index < to; index++) {
      const key = this.keyOf(numeric.values[index]!);
      if (key === previousKey) continue; // a doc counts once per bucket
      previousKey = key;
      const bucket = this.ordinals.ordinal(owner, key);
      this.ordinals.docCounts.ensure(bucket)[bucket]!++;
      for (const sub of this.subs) sub.collect(doc, bucket, score);
    }
  }
  override collectAllDocs(maxDoc: number, score: number): void {
    // Single-valued dates over every doc: count each bucket from the sorted points by binary search.
    const numeric = this.numeric;
    if (numeric !== undefined && numeric.singleValued && this.tableCounts !== null) {
      const starts = this.rounding!.starts!;
      const points = numeric.pointValues;
      let previous = lowerBound(points, starts[0]!);
      for (let index = 0; index + 1 < starts.length; index++) {
        const next = lowerBound(points, starts[index + 1]!);
        this.tableCounts[index]! += next - previous;
        previous = next;
      }
      if (previous === points.length && lowerBound(points, starts[0]!) === 0) return;
      // Values outside the table (not expected: the table spans all values) go the slow way.
      this.tableCounts.fill(0);
    }
    super.collectAllDocs(maxDoc, score);
  }
  override finish(): void {
    if (this.tableCounts !== null) {
      const starts = this.rounding!.starts!;
      for (let index = 0; index < this.tableCounts.length; index++) {
        const count = this.tableCounts[index]!;
        if (count === 0) continue;
        const bucket = this.ordinals.ordinal(0, starts[index]!);
        this.ordinals.docCounts.ensure(bucket)[bucket]! += count;
      }
      this.tableCounts.fill(0);
    }
    for (const sub of this.subs) sub.finish();
  }
  partial(owner: number): AggregationPartial {
    const ordinals = this.ordinals.byOwner.get(owner) ?? [];
    const buckets = ordinals.map((ordinal) => ({ key: this.ordinals.keys[ordinal]!, docCount: this.ordinals.docCounts.get(ordinal), aggs: subPartials(this.subs, ordinal) }));
    buckets.sort((left, right) => left.key - right.key);
    return { type: 'histogram', buckets, ...(this.fieldFormat === undefined ? {} : { format: this.fieldFormat }) };
  }
}

/** First index whose value is >= bound. */
function lowerBound(values: Float64Array, bound: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! < bound) low = middle + 1;
    else high = middle;
  }
  return low;
}

// ---------------------------------------------------------------------------------------------
// range / date_range

class RangeAggregator extends Aggregator {
  private readonly docCounts = new GrowableFloat64();
  private numeric: NumericDocValues | undefined;
  constructor(
    name: string,
    private readonly field: string,
    private readonly bounds: readonly { from: number; to: number }[],
    private readonly subs: readonly Aggregator[],
    private readonly fieldFormat: string | undefined,
  ) {
    super(name);
  }
  setSegment(segment: Segment, segmentIndex: number, docBase: number): void {
    const values = segment.docValues.get(this.field);
    this.numeric = values?.kind === 'numeric' ? values : undefined;
    for (const sub of this.subs) sub.setSegment(segment, segmentIndex, docBase);
  }
  collect(doc: number, owner: number, score: number): void {
    const numeric = this.numeric;
    if (numeric === undefined) return;
    const from = numeric.valueStart[doc]!;
    const to = numeric.valueStart[doc + 1]!;
    for (let range = 0; range < this.bounds.length; range++) {
      const bound = this.bounds[range]!;
      for (let index = from; index < to; index++) {
        const value = numeric.values[index]!;
        if (value >= bound.from && value < bound.to) {
          const bucket = owner * this.bounds.length + range;
          this.docCounts.ensure(bucket)[bucket]!++;
          for (const sub of this.subs) sub.collect(doc, bucket, score);
          break;
        }
      }
    }
  }
  override finish(): void {
    for (const sub of this.subs) sub.finish();
  }
  partial(owner: number): AggregationPartial {
    return {
      type: 'range',
      buckets: this.bounds.map((_, range) => {
        const bucket = owner * this.bounds.length + range;
        return { from: this.bounds[range]!.from, to: this.bounds[range]!.to, docCount: this.docCounts.get(bucket), aggs: subPartials(this.subs, bucket) };
      }),
      ...(this.fieldFormat === undefined ? {} : { format: this.fieldFormat }),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// filter / filters

class FiltersAggregator extends Aggregator {
  private readonly docCounts = new GrowableFloat64();
  private scorers: (Scorer | null)[] = [];
  private readonly subs: readonly Aggregator[];
  private readonly bucketCount: number;
  constructor(
    name: string,
    private readonly filters: readonly { key: string; weight: Weight }[],
    private readonly otherBucketKey: string | undefined,
    private readonly single: boolean,
    createSubs: () => Aggregator[],
  ) {
    super(name);
    this.subs = createSubs();
    this.bucketCount = filters.length + (otherBucketKey === undefined ? 0 : 1);
  }
  setSegment(segment: Segment, segmentIndex: number, docBase: number): void {
    this.scorers = this.filters.map((filter) => filter.weight.scorer(segment));
    for (const sub of this.subs) sub.setSegment(segment, segmentIndex, docBase);
  }
  collect(doc: number, owner: number, score: number): void {
    let matchedAny = false;
    for (let index = 0; index < this.scorers.length; index++) {
      const scorer = this.scorers[index];
      if (scorer === null || scorer === undefined) continue;
      let current = scorer.doc;
      if (current < doc) current = scorer.advance(doc);
      if (current !== doc || current === noMoreDocs) continue;
      matchedAny = true;
      this.hit(doc, owner * this.bucketCount + index, score);
    }
    if (!matchedAny && this.otherBucketKey !== undefined) this.hit(doc, owner * this.bucketCount + this.filters.length, score);
  }
  private hit(doc: number, bucket: number, score: number): void {
    this.docCounts.ensure(bucket)[bucket]!++;
    for (const sub of this.subs) sub.collect(doc, bucket, score);
  }
  override finish(): void {
    for (const sub of this.subs) sub.finish();
  }
  partial(owner: number): AggregationPartial {
    if (this.single) return { type: 'single_bucket', docCount: this.docCounts.get(owner * this.bucketCount), aggs: subPartials(this.subs, owner * this.bucketCount) };
    const keys = [...this.filters.map((filter) => filter.key), ...(this.otherBucketKey === undefined ? [] : [this.otherBucketKey])];
    return {
      type: 'filters',
      buckets: keys.map((key, index) => ({ key, docCount: this.docCounts.get(owner * this.bucketCount + index), aggs: subPartials(this.subs, owner * this.bucketCount + index) })),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// top_hits

class TopHitsAggregator extends Aggregator {
  private readonly perBucket: TopHitPartial[][] = [];
  private readonly totals = new GrowableFloat64();
  private readonly maxScores = new GrowableFloat64(8, -Infinity);
  private segment: Segment | undefined;
  private docBase = 0;
  constructor(name: string, private readonly count: number, private readonly sort: readonly SortSpec[] | undefined, private readonly context: AggregationContext) {
    super(name);
  }
  setSegment(segment: Segment, _segmentIndex: number, docBase: number): void {
    this.segment = segment;
    this.docBase = docBase;
  }
  collect(doc: number, bucket: number, score: number): void {
    this.totals.ensure(bucket)[bucket]!++;
    const maxScores = this.maxScores.ensure(bucket);
    if (score > maxScores[bucket]!) maxScores[bucket] = score;
    let list = this.perBucket[bucket];
    if (list === undefined) this.perBucket[bucket] = list = [];
    const segment = this.segment!;
    const sortValues = this.sort?.map((spec): SortValue => (spec.kind === 'score' ? score : spec.kind === 'doc' ? this.docBase + doc : fieldSortValue(segment, spec, doc)));
    const nested = this.context.nested === undefined ? undefined : nestedScopeOf(this.context.mappings)?.identity?.(segment, doc);
    const hit: TopHitPartial = { index: this.context.indexName, id: segment.ids[doc]!, score, sortValues, shardKey: this.context.shardKey, globalDoc: this.docBase + doc, source: segment.sources.text(doc), ...(nested === undefined ? {} : { nested }) };
    // The source stays text until the bucket's hits are chosen (partial()): only those are parsed.
    list.push(hit);
    if (list.length > this.count * 4 + 16) {
      list.sort((left, right) => compareHits(left, right, this.sort));
      list.length = this.count;
    }
  }
  partial(bucket: number): AggregationPartial {
    const list = [...(this.perBucket[bucket] ?? [])].sort((left, right) => compareHits(left, right, this.sort)).slice(0, this.count);
    const maxScore = this.maxScores.get(bucket);
    const hits = list.map((hit) => (typeof hit.source === 'string' ? { ...hit, source: JSON.parse(hit.source) as unknown } : hit));
    return { type: 'top_hits', total: this.totals.get(bucket), maxScore: maxScore === -Infinity ? NaN : maxScore, hits };
  }
}


// ---------------------------------------------------------------------------------------------
// composite

/**
 * composite on one shard: each document adds one bucket per combination of its sources' values
 * (a multi-valued field yields several), keys at or before `after` are skipped, and only the first
 * `size` keys can matter: when many keys are held, all but the first `size` are dropped and any
 * later key beyond the last kept one is ignored, as Elasticsearch's bounded queue does.
 */
class CompositeAggregator extends Aggregator {
  private readonly ordinalsByKey = new Map<string, number>();
  private readonly keys: (readonly CompositeKeyValue[])[] = [];
  private readonly docCounts = new GrowableFloat64();
  /** After a prune: keys ordered after this one cannot reach the first `size`. */
  private bound: readonly CompositeKeyValue[] | undefined;
  constructor(
    private readonly node: Extract<AggregationNode, { kind: 'composite' }>,
    private readonly readers: readonly CompositeSourceReader[],
    private readonly subs: readonly Aggregator[],
  ) {
    super(node.name);
  }
  setSegment(segment: Segment, segmentIndex: number, docBase: number): void {
    for (const reader of this.readers) reader.setSegment(segment);
    for (const sub of this.subs) sub.setSegment(segment, segmentIndex, docBase);
  }
  collect(doc: number, owner: number, score: number): void {
    let combinations: CompositeKeyValue[][] = [[]];
    for (const reader of this.readers) {
      let values = reader.values(doc);
      if (values.length === 0) {
        if (!reader.source.missingBucket) return;
        values = [null];
      }
      if (values.length === 1) {
        // Single-valued (the usual case): extend each combination in place, no copies.
        for (const prefix of combinations) prefix.push(values[0]!);
        continue;
      }
      const next: CompositeKeyValue[][] = [];
      for (const prefix of combinations) for (const value of values) next.push([...prefix, value]);
      combinations = next;
    }
    const sources = this.node.sources;
    for (const key of combinations) {
      if (this.node.after !== undefined && compareCompositeKeys(sources, key, this.node.after) <= 0) continue;
      if (this.bound !== undefined && compareCompositeKeys(sources, key, this.bound) > 0) continue;
      const id = JSON.stringify(key);
      let ordinal = this.ordinalsByKey.get(id);
      if (ordinal === undefined) {
        ordinal = this.keys.length;
        this.keys.push(key);
        this.ordinalsByKey.set(id, ordinal);
      }
      this.docCounts.ensure(ordinal)[ordinal]!++;
      for (const sub of this.subs) sub.collect(doc, ordinal, score);
    }
    void owner; // composite is top-level only (the parser refuses a parent), so owner is 0
    if (this.ordinalsByKey.size > this.node.size * 2 + 1024) this.prune();
  }
  private prune(): void {
    const kept = [...this.ordinalsByKey.values()].sort((left, right) => compareCompositeKeys(this.node.sources, this.keys[left]!, this.keys[right]!)).slice(0, this.node.size);
    this.ordinalsByKey.clear();
    for (const ordinal of kept) this.ordinalsByKey.set(JSON.stringify(this.keys[ordinal]), ordinal);
    this.bound = this.keys[kept[kept.length - 1]!];
  }
  override finish(): void {
    for (const sub of this.subs) sub.finish();
  }
  partial(): AggregationPartial {
    const ordinals = [...this.ordinalsByKey.values()].sort((left, right) => compareCompositeKeys(this.node.sources, this.keys[left]!, this.keys[right]!)).slice(0, this.node.size);
    const buckets: CompositeBucketPartial[] = ordinals.map((ordinal) => ({ key: this.keys[ordinal]!, docCount: this.docCounts.get(ordinal), aggs: subPartials(this.subs, ordinal) }));
    return { type: 'composite', buckets, booleans: this.readers.map((reader) => reader.isBoolean) };
  }
}

// ---------------------------------------------------------------------------------------------
// multi_terms and rare_terms

/** Orders tuple keys element by element (numbers numerically, strings by code unit). */
export function compareTupleKeys(left: readonly (string | number)[], right: readonly (string | number)[]): number {
  for (let index = 0; index < Math.min(left.length, right.length); index++) {
    const a = left[index]!;
    const b = right[index]!;
    if (a === b) continue;
    if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
    return a < b ? -1 : 1;
  }
  return left.length - right.length;
}

/** Sorts multi_terms buckets by the request's order, then by key ascending (a total tie-break). */
export function sortTupleBuckets(buckets: { key: readonly (string | number)[]; docCount: number; aggs: PartialMap }[], order: readonly BucketOrder[]): void {
  buckets.sort((left, right) => {
    for (const criterion of order) {
      const compared =
        criterion.key === '_count' ? left.docCount - right.docCount : criterion.key === '_key' ? compareTupleKeys(left.key, right.key) : metricValue(left.aggs, criterion.key) - metricValue(right.aggs, criterion.key);
      if (compared !== 0) return criterion.direction === 'asc' ? compared : -compared;
    }
    return compareTupleKeys(left.key, right.key);
  });
}

/** multi_terms: one bucket per combination of the documents' values of the `terms` fields. */
class MultiTermsAggregator extends Aggregator {
  private readonly ordinals = new BucketOrdinals<string>();
  private readonly tuples = new Map<number, readonly (string | number)[]>();
  constructor(
    private readonly node: Extract<AggregationNode, { kind: 'multi_terms' }>,
    private readonly readers: readonly { reader: CompositeSourceReader; valueType: TermsValueType; format: string | undefined; missing: string | number | undefined }[],
    private readonly context: AggregationContext,
    private readonly subs: readonly Aggregator[],
  ) {
    super(node.name);
  }
  setSegment(segment: Segment, segmentIndex: number, docBase: number): void {
    for (const { reader } of this.readers) reader.setSegment(segment);
    for (const sub of this.subs) sub.setSegment(segment, segmentIndex, docBase);
  }
  collect(doc: number, owner: number, score: number): void {
    let combinations: (string | number)[][] = [[]];
    for (const { reader, missing } of this.readers) {
      let values = reader.values(doc) as (string | number)[];
      if (values.length === 0) {
        if (missing === undefined) return;
        values = [missing];
      }
      if (values.length === 1) {
        // Single-valued (the usual case): extend each combination in place, no copies.
        for (const prefix of combinations) prefix.push(values[0]!);
        continue;
      }
      const next: (string | number)[][] = [];
      for (const prefix of combinations) for (const value of values) next.push([...prefix, value]);
      combinations = next;
    }
    for (const key of combinations) {
      const bucket = this.ordinals.ordinal(owner, JSON.stringify(key));
      if (!this.tuples.has(bucket)) this.tuples.set(bucket, key);
      this.ordinals.docCounts.ensure(bucket)[bucket]!++;
      for (const sub of this.subs) sub.collect(doc, bucket, score);
    }
  }
  override finish(): void {
    for (const sub of this.subs) sub.finish();
  }
  partial(owner: number): AggregationPartial {
    const buckets = (this.ordinals.byOwner.get(owner) ?? [])
      .map((ordinal) => ({ key: this.tuples.get(ordinal)!, docCount: this.ordinals.docCounts.get(ordinal), errorBound: 0, aggs: subPartials(this.subs, ordinal) }))
      .filter((bucket) => bucket.docCount >= Math.min(1, this.node.minDocCount));
    sortTupleBuckets(buckets, this.node.order);
    return { type: 'multi_terms', valueTypes: this.readers.map((reader) => reader.valueType), formats: this.readers.map((reader) => reader.format), ...shardCut(buckets, this.node, this.context.shardCount) };
  }
}

/**
 * rare_terms: every term of the shard is counted (by an inner terms aggregator, count ascending);
 * the partial keeps the rare ones with their sub-aggregations and lists the others' keys.
 */
class RareTermsAggregator extends Aggregator {
  constructor(
    private readonly maxDocCount: number,
    private readonly inner: TermsAggregator,
  ) {
    super(inner.name);
  }
  setSegment(segment: Segment, segmentIndex: number, docBase: number): void {
    this.inner.setSegment(segment, segmentIndex, docBase);
  }
  collect(doc: number, owner: number, score: number): void {
    this.inner.collect(doc, owner, score);
  }
  override collectAllDocs(maxDoc: number, score: number): void {
    this.inner.collectAllDocs(maxDoc, score);
  }
  override finish(): void {
    this.inner.finish();
  }
  partial(owner: number): AggregationPartial {
    const terms = this.inner.partial(owner);
    assert(terms.type === 'terms', 'rare_terms counts with a terms aggregator');
    return {
      type: 'rare_terms',
      valueType: terms.valueType,
      ...(terms.format === undefined ? {} : { format: terms.format }),
      buckets: terms.buckets.filter((bucket) => bucket.docCount <= this.maxDocCount),
      frequentKeys: terms.buckets.filter((bucket) => bucket.docCount > this.maxDocCount).map((bucket) => bucket.key),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// significant_terms

/**
 * Elasticsearch's significance heuristics. JLH (the default): the absolute change of a term's
 * probability from background to foreground times its relative change, 0 when it does not rise.
 * percentage: the share of the term's background documents that are in the foreground.
 */
export function significanceScore(heuristic: 'jlh' | 'percentage', subsetFreq: number, subsetSize: number, supersetFreq: number, supersetSize: number): number {
  if (heuristic === 'percentage') return supersetFreq === 0 ? 0 : subsetFreq / supersetFreq;
  if (subsetSize === 0 || supersetSize === 0) return 0;
  const subsetProbability = subsetFreq / subsetSize;
  const supersetProbability = (supersetFreq === 0 ? 1 : supersetFreq) / supersetSize;
  const absoluteChange = subsetProbability - supersetProbability;
  if (absoluteChange <= 0) return 0;
  return absoluteChange * (subsetProbability / supersetProbability);
}

/**
 * significant_terms on one shard: foreground counts come from an inner terms aggregator; the
 * background is this shard's live documents (or those matching background_filter), and a
 * candidate's background frequency is counted from its postings (keyword) or points (numbers).
 */
class SignificantTermsAggregator extends Aggregator {
  private readonly subsetSizes = new GrowableFloat64();
  /** Per segment: background_filter matches as a bitset (computed once, at the first partial). */
  private backgroundDocs: Uint8Array[] | undefined;
  private supersetSize: number | undefined;
  constructor(
    private readonly node: Extract<AggregationNode, { kind: 'significant_terms' }>,
    private readonly inner: TermsAggregator,
    private readonly background: Weight | undefined,
    private readonly context: AggregationContext,
  ) {
    super(node.name);
  }
  setSegment(segment: Segment, segmentIndex: number, docBase: number): void {
    this.inner.setSegment(segment, segmentIndex, docBase);
  }
  collect(doc: number, owner: number, score: number): void {
    this.subsetSizes.ensure(owner)[owner]!++;
    this.inner.collect(doc, owner, score);
  }
  override collectAllDocs(maxDoc: number, score: number): void {
    this.subsetSizes.ensure(0)[0]! += maxDoc;
    this.inner.collectAllDocs(maxDoc, score);
  }
  override finish(): void {
    this.inner.finish();
  }
  private prepareBackground(): void {
    if (this.supersetSize !== undefined) return;
    if (this.background === undefined) {
      this.supersetSize = this.context.segments.reduce((sum, segment) => sum + segment.liveDocCount, 0);
      return;
    }
    let size = 0;
    this.backgroundDocs = this.context.segments.map((segment) => {
      const matches = new Uint8Array(segment.maxDoc);
      const scorer = this.background!.scorer(segment);
      if (scorer === null) return matches;
      for (let doc = scorer.advance(0); doc !== noMoreDocs; doc = scorer.advance(doc + 1)) {
        if (!isLive(segment, doc)) continue;
        matches[doc] = 1;
        size++;
      }
      return matches;
    });
    this.supersetSize = size;
  }
  /** Live background documents holding `key` in this shard. */
  private backgroundFrequency(key: string | number): number {
    let count = 0;
    this.context.segments.forEach((segment, segmentIndex) => {
      const inBackground = (doc: number): boolean => isLive(segment, doc) && (this.backgroundDocs === undefined || this.backgroundDocs[segmentIndex]![doc] === 1);
      if (typeof key === 'string') {
        const postings = segment.postings.get(this.node.field);
        const ordinal = postings?.termOrdinals.get(key);
        if (postings === undefined || ordinal === undefined) return;
        for (let index = postings.postingsStart[ordinal]!; index < postings.postingsStart[ordinal + 1]!; index++) if (inBackground(postings.docs[index]!)) count++;
        return;
      }
      const values = segment.docValues.get(this.node.field);
      if (values?.kind !== 'numeric') return;
      // Points are sorted by value then doc: a doc repeating the value is adjacent, counted once.
      let previousDoc = -1;
      for (let index = lowerBound(values.pointValues, key); index < values.pointValues.length && values.pointValues[index] === key; index++) {
        const doc = values.pointDocs[index]!;
        if (doc !== previousDoc && inBackground(doc)) count++;
        previousDoc = doc;
      }
    });
    return count;
  }
  partial(owner: number): AggregationPartial {
    this.prepareBackground();
    const terms = this.inner.partial(owner);
    assert(terms.type === 'terms', 'significant_terms counts with a terms aggregator');
    const subsetSize = this.subsetSizes.get(owner);
    const supersetSize = this.supersetSize!;
    const scored = terms.buckets
      .filter((bucket) => bucket.docCount >= this.node.shardMinDocCount)
      .map((bucket) => {
        const bgCount = this.backgroundFrequency(bucket.key);
        return { key: bucket.key, docCount: bucket.docCount, bgCount, score: significanceScore(this.node.heuristic, bucket.docCount, subsetSize, bgCount, supersetSize), aggs: bucket.aggs };
      });
    scored.sort((left, right) => right.score - left.score || (left.key < right.key ? -1 : left.key > right.key ? 1 : 0));
    const shardSize = this.context.shardCount <= 1 ? Number.MAX_SAFE_INTEGER : (this.node.shardSize ?? Math.floor(this.node.size * 1.5 + 10));
    return { type: 'significant_terms', valueType: terms.valueType, ...(terms.format === undefined ? {} : { format: terms.format }), subsetSize, supersetSize, buckets: scored.slice(0, Math.max(shardSize, this.node.size)) };
  }
}

// ---------------------------------------------------------------------------------------------
// auto_date_histogram

/** Distinct buckets held before an aggregator without sub-aggregations coarsens its rounding. */
const autoDateBucketsMax = 50_000;

/**
 * auto_date_histogram on one shard: documents are bucketed by the finest rounding allowed (or a
 * coarser one once too many buckets are held and nothing below needs per-bucket state); the
 * partial coarsens to the rounding this shard's data needs (auto-date-histogram.ts).
 */
class AutoDateHistogramAggregator extends Aggregator {
  private ordinals = new BucketOrdinals<number>();
  private numeric: NumericDocValues | undefined;
  private roundingIndex: number;
  private rounding: DateRounding;
  constructor(
    private readonly node: Extract<AggregationNode, { kind: 'auto_date_histogram' }>,
    private readonly subs: readonly Aggregator[],
  ) {
    super(node.name);
    this.roundingIndex = node.minimumRoundingIndex;
    this.rounding = roundingFor(this.roundingIndex, node.timeZone);
  }
  setSegment(segment: Segment, segmentIndex: number, docBase: number): void {
    const values = segment.docValues.get(this.node.field);
    this.numeric = values?.kind === 'numeric' ? values : undefined;
    for (const sub of this.subs) sub.setSegment(segment, segmentIndex, docBase);
  }
  collect(doc: number, owner: number, score: number): void {
    const numeric = this.numeric;
    if (numeric === undefined) return;
    let previousKey = NaN;
    for (let index = numeric.valueStart[doc]!; index < numeric.valueStart[doc + 1]!; index++) {
      const key = this.rounding.round(numeric.values[index]!);
      if (key === previousKey) continue; // a doc counts once per bucket
      previousKey = key;
      const bucket = this.ordinals.ordinal(owner, key);
      this.ordinals.docCounts.ensure(bucket)[bucket]!++;
      for (const sub of this.subs) sub.collect(doc, bucket, score);
    }
    if (this.subs.length === 0 && this.ordinals.keys.length > autoDateBucketsMax && this.roundingIndex < 5) this.coarsen();
  }
  /** Without sub-aggregations, buckets are only counts: re-round them all one rounding coarser. */
  private coarsen(): void {
    this.roundingIndex++;
    this.rounding = roundingFor(this.roundingIndex, this.node.timeZone);
    const previous = this.ordinals;
    this.ordinals = new BucketOrdinals<number>();
    for (let ordinal = 0; ordinal < previous.keys.length; ordinal++) {
      const bucket = this.ordinals.ordinal(previous.owners[ordinal]!, this.rounding.round(previous.keys[ordinal]!));
      this.ordinals.docCounts.ensure(bucket)[bucket]! += previous.docCounts.get(ordinal);
    }
  }
  override finish(): void {
    for (const sub of this.subs) sub.finish();
  }
  partial(owner: number): AggregationPartial {
    const ordinals = this.ordinals.byOwner.get(owner) ?? [];
    const buckets = ordinals.map((ordinal) => ({ key: this.ordinals.keys[ordinal]!, docCount: this.ordinals.docCounts.get(ordinal), aggs: subPartials(this.subs, ordinal) }));
    buckets.sort((left, right) => left.key - right.key);
    const index = chooseRoundingIndex(buckets.map((bucket) => bucket.key), this.roundingIndex, this.node.buckets, this.node.timeZone);
    const merge = (parts: readonly PartialMap[]): PartialMap => reduceAggregations(this.node.subAggregations, parts);
    const coarse = index === this.roundingIndex ? buckets : reroundBuckets(buckets, roundingFor(index, this.node.timeZone), merge);
    return { type: 'auto_date_histogram', roundingIndex: index, innerInterval: undefined, buckets: coarse };
  }
}

// ---------------------------------------------------------------------------------------------
// variable_width_histogram

/** Keeps every value of each bucket; the partial clusters them down to shard_size clusters. */
class VariableWidthAggregator extends Aggregator {
  private readonly values: number[][] = [];
  private numeric: NumericDocValues | undefined;
  constructor(private readonly node: Extract<AggregationNode, { kind: 'variable_width_histogram' }>) {
    super(node.name);
  }
  setSegment(segment: Segment): void {
    const values = segment.docValues.get(this.node.field);
    this.numeric = values?.kind === 'numeric' ? values : undefined;
  }
  collect(doc: number, owner: number): void {
    const numeric = this.numeric;
    if (numeric === undefined) return;
    let list = this.values[owner];
    if (list === undefined) this.values[owner] = list = [];
    for (let index = numeric.valueStart[doc]!; index < numeric.valueStart[doc + 1]!; index++) list.push(numeric.values[index]!);
  }
  partial(owner: number): AggregationPartial {
    return { type: 'variable_width_histogram', clusters: mergeClusters(clustersOfValues(this.values[owner] ?? []), this.node.shardSize) };
  }
}
