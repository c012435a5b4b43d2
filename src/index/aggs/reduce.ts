/**
 * The pure, order-independent reduce of aggregation partials (style P8) and the rendering of
 * reduced results in Elasticsearch's response shape. Reducing partials from shards in any order
 * (or from remote clusters) yields the same result: merges are sums/min/max/unions keyed by
 * bucket key, and every sort has a total tie-break.
 */
import { assert } from '../../common/assert.js';
import { errors } from '../../common/errors.js';
import { limits } from '../../common/limits.js';
import { formatDate, parseDate } from '../query/date-math.js';
import { type AggregationNode, type CollectedAggregationNode, isPipeline } from './ast.js';
import { type DecimalFormat, formatDecimal, parseDecimalFormat } from './decimal-format.js';
import { formatDateValue } from './date-value-format.js';
import { finalizeAggregations, percentileOfBuckets } from './pipeline.js';
import { cdf, emptyDigest, mergeDigests, quantile } from './tdigest.js';
import { type CompositeBucketPartial, compareCompositeKeys, renderKeyValue } from './composite.js';
import { reroundBuckets, roundingFor, roundingInfos } from './auto-date-histogram.js';
import { mergeClusters } from './variable-width.js';
import { compareHits } from '../query/sort.js';
import { metricValue, significanceScore, sortTermsBuckets, sortTupleBuckets } from './aggregators.js';
import { createDateRounding } from './date-rounding.js';
import { compareGridBuckets, emptyGeoBounds, mergeGeoBounds, renderGeoBounds, renderGeoCentroid } from './geo-aggs.js';
import type { AggregationPartial, PartialMap, TermsBucketPartial, TermsValueType, TopHitPartial } from './partials.js';

/** Merges partial maps (one per shard) into one partial map. */
export function reduceAggregations(nodes: readonly AggregationNode[], parts: readonly PartialMap[]): PartialMap {
  const result: Record<string, AggregationPartial> = {};
  for (const node of nodes) {
    const partials = parts.map((part) => part[node.name]).filter((partial): partial is AggregationPartial => partial !== undefined);
    if (partials.length > 0) result[node.name] = reduceOne(node, partials);
  }
  return result;
}

function reduceOne(node: AggregationNode, partials: readonly AggregationPartial[]): AggregationPartial {
  const first = partials[0]!;
  switch (first.type) {
    case 'simple_value':
    case 'derivative':
    case 'bucket_metric_value':
    case 'stats_bucket':
    case 'percentiles_bucket':
      // Pipelines run after the final reduce only (pipeline.ts); shards never send their results.
      throw new Error(`pipeline result [${node.name}] reached a reduce`);
    case 'stats': {
      let count = 0;
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      let sumOfSquares = 0;
      // Sum in a canonical order so the float result does not depend on shard order.
      const sorted = [...(partials as Extract<AggregationPartial, { type: 'stats' }>[])].sort((left, right) => left.sum - right.sum || left.count - right.count);
      for (const partial of sorted) {
        count += partial.count;
        sum += partial.sum;
        sumOfSquares += partial.sumOfSquares;
        min = Math.min(min, partial.min);
        max = Math.max(max, partial.max);
      }
      const format = sorted.find((partial) => partial.format !== undefined)?.format;
      return { type: 'stats', metric: first.metric, count, sum, min, max, sumOfSquares, isDate: sorted.some((partial) => partial.isDate), ...(format === undefined ? {} : { format }) };
    }
    case 'cardinality': {
      const set = new Set<string | number>();
      for (const partial of partials as Extract<AggregationPartial, { type: 'cardinality' }>[]) for (const value of partial.values) set.add(value);
      return { type: 'cardinality', values: [...set] };
    }
    case 'percentiles': {
      assert(node.kind === 'percentiles' || node.kind === 'percentile_ranks', 'percentiles partial belongs to a percentiles node');
      const digests = (partials as Extract<AggregationPartial, { type: 'percentiles' }>[]).map((partial) => partial.digest);
      return { type: 'percentiles', digest: mergeDigests(digests, node.compression) };
    }
    case 'terms': {
      assert(node.kind === 'terms', 'terms partial belongs to a terms node');
      const terms = partials as Extract<AggregationPartial, { type: 'terms' }>[];
      const merged = new Map<string | number, { key: string | number; docCount: number; errorBound: number; parts: PartialMap[] }>();
      let otherDocCount = 0;
      let errorBound = 0;
      for (const partial of terms) {
        otherDocCount += partial.otherDocCount;
        errorBound += partial.errorBound;
      }
      for (const partial of terms) {
        for (const bucket of partial.buckets) {
          let entry = merged.get(bucket.key);
          if (entry === undefined) merged.set(bucket.key, (entry = { key: bucket.key, docCount: 0, errorBound: 0, parts: [] }));
          entry.docCount += bucket.docCount;
          entry.errorBound += bucket.errorBound;
          entry.parts.push(bucket.aggs);
        }
      }
      // A shard that did not return a key may hold up to its last returned count of it.
      for (const entry of merged.values()) {
        for (const partial of terms) if (!partial.buckets.some((bucket) => bucket.key === entry.key)) entry.errorBound += partial.errorBound;
      }
      const buckets: TermsBucketPartial[] = [...merged.values()].map((entry) => ({
        key: entry.key,
        docCount: entry.docCount,
        errorBound: entry.errorBound,
        aggs: reduceAggregations(node.subAggregations, entry.parts),
      }));
      // min_doc_count and size apply after the last reduce (finalizeAggregations): a term under
      // min_doc_count in every part may be over it in all of them.
      sortTermsBuckets(buckets as { key: string | number; docCount: number; aggs: PartialMap }[], node.order);
      const format = terms.find((partial) => partial.format !== undefined)?.format;
      return { type: 'terms', valueType: terms.find((partial) => partial.buckets.length > 0)?.valueType ?? first.valueType, ...(format === undefined ? {} : { format }), buckets, otherDocCount, errorBound };
    }
    case 'histogram': {
      const merged = new Map<number, { docCount: number; parts: PartialMap[] }>();
      for (const partial of partials as Extract<AggregationPartial, { type: 'histogram' }>[]) {
        for (const bucket of partial.buckets) {
          let entry = merged.get(bucket.key);
          if (entry === undefined) merged.set(bucket.key, (entry = { docCount: 0, parts: [] }));
          entry.docCount += bucket.docCount;
          entry.parts.push(bucket.aggs);
        }
      }
      const buckets = [...merged.entries()]
        .sort((left, right) => left[0] - right[0])
        .map(([key, entry]) => ({ key, docCount: entry.docCount, aggs: reduceAggregations(node.subAggregations, entry.parts) }));
      const format = (partials as Extract<AggregationPartial, { type: 'histogram' }>[]).find((partial) => partial.format !== undefined)?.format;
      return { type: 'histogram', buckets, ...(format === undefined ? {} : { format }) };
    }
    case 'range': {
      const ranges = partials as Extract<AggregationPartial, { type: 'range' }>[];
      const format = ranges.find((partial) => partial.format !== undefined)?.format;
      return {
        ...(format === undefined ? {} : { format }),
        type: 'range',
        buckets: first.buckets.map((bucket, index) => ({
          from: bucket.from,
          to: bucket.to,
          docCount: ranges.reduce((sum, partial) => sum + partial.buckets[index]!.docCount, 0),
          aggs: reduceAggregations(node.subAggregations, ranges.map((partial) => partial.buckets[index]!.aggs)),
        })),
      };
    }
    case 'multi_terms': {
      assert(node.kind === 'multi_terms', 'multi_terms partial belongs to a multi_terms node');
      const multis = partials as Extract<AggregationPartial, { type: 'multi_terms' }>[];
      const merged = new Map<string, { key: readonly (string | number)[]; docCount: number; errorBound: number; parts: PartialMap[] }>();
      let otherDocCount = 0;
      let errorBound = 0;
      for (const partial of multis) {
        otherDocCount += partial.otherDocCount;
        errorBound += partial.errorBound;
        for (const bucket of partial.buckets) {
          const id = JSON.stringify(bucket.key);
          let entry = merged.get(id);
          if (entry === undefined) merged.set(id, (entry = { key: bucket.key, docCount: 0, errorBound: 0, parts: [] }));
          entry.docCount += bucket.docCount;
          entry.errorBound += bucket.errorBound;
          entry.parts.push(bucket.aggs);
        }
      }
      const buckets = [...merged.values()].map((entry) => ({ key: entry.key, docCount: entry.docCount, errorBound: entry.errorBound, aggs: reduceAggregations(node.subAggregations, entry.parts) }));
      sortTupleBuckets(buckets, node.order);
      const valueTypes = multis.find((partial) => partial.buckets.length > 0)?.valueTypes ?? first.valueTypes;
      // min_doc_count and size apply after the last reduce (finalizeAggregations).
      const formats = multis.find((partial) => partial.formats !== undefined)?.formats;
      return { type: 'multi_terms', valueTypes, ...(formats === undefined ? {} : { formats }), buckets, otherDocCount, errorBound };
    }
    case 'variable_width_histogram': {
      assert(node.kind === 'variable_width_histogram', 'variable_width_histogram partial belongs to its node');
      const clusters = (partials as Extract<AggregationPartial, { type: 'variable_width_histogram' }>[]).flatMap((partial) => partial.clusters);
      // Down to shard_size only: a later reduce may bring more clusters; the final reduce merges to `buckets`.
      return { type: 'variable_width_histogram', clusters: mergeClusters(clusters, node.shardSize) };
    }
    case 'auto_date_histogram': {
      assert(node.kind === 'auto_date_histogram', 'auto_date_histogram partial belongs to an auto_date_histogram node');
      const autos = partials as Extract<AggregationPartial, { type: 'auto_date_histogram' }>[];
      const roundingIndex = Math.max(...autos.map((partial) => partial.roundingIndex));
      const merge = (parts: readonly PartialMap[]): PartialMap => reduceAggregations(node.subAggregations, parts);
      const buckets = reroundBuckets(autos.flatMap((partial) => partial.buckets), roundingFor(roundingIndex, node.timeZone), merge);
      return { type: 'auto_date_histogram', roundingIndex, innerInterval: undefined, buckets };
    }
    case 'significant_terms': {
      assert(node.kind === 'significant_terms', 'significant_terms partial belongs to a significant_terms node');
      const parts = partials as Extract<AggregationPartial, { type: 'significant_terms' }>[];
      let subsetSize = 0;
      let supersetSize = 0;
      const merged = new Map<string | number, { key: string | number; docCount: number; bgCount: number; parts: PartialMap[] }>();
      for (const partial of parts) {
        subsetSize += partial.subsetSize;
        supersetSize += partial.supersetSize;
        for (const bucket of partial.buckets) {
          let entry = merged.get(bucket.key);
          if (entry === undefined) merged.set(bucket.key, (entry = { key: bucket.key, docCount: 0, bgCount: 0, parts: [] }));
          entry.docCount += bucket.docCount;
          entry.bgCount += bucket.bgCount;
          entry.parts.push(bucket.aggs);
        }
      }
      // min_doc_count and size apply after the last reduce (finalizeAggregations).
      const buckets = [...merged.values()]
        .map((entry) => ({ key: entry.key, docCount: entry.docCount, bgCount: entry.bgCount, score: significanceScore(node.heuristic, entry.docCount, subsetSize, entry.bgCount, supersetSize), parts: entry.parts }))
        .sort((left, right) => right.score - left.score || (left.key < right.key ? -1 : left.key > right.key ? 1 : 0))
        .map((entry) => ({ key: entry.key, docCount: entry.docCount, bgCount: entry.bgCount, score: entry.score, aggs: reduceAggregations(node.subAggregations, entry.parts) }));
      const valueType = parts.find((partial) => partial.buckets.length > 0)?.valueType ?? first.valueType;
      const format = parts.find((partial) => partial.format !== undefined)?.format;
      return { type: 'significant_terms', valueType, ...(format === undefined ? {} : { format }), subsetSize, supersetSize, buckets };
    }
    case 'rare_terms': {
      assert(node.kind === 'rare_terms', 'rare_terms partial belongs to a rare_terms node');
      const rares = partials as Extract<AggregationPartial, { type: 'rare_terms' }>[];
      const frequent = new Set<string | number>();
      for (const partial of rares) for (const key of partial.frequentKeys) frequent.add(key);
      const merged = new Map<string | number, { key: string | number; docCount: number; parts: PartialMap[] }>();
      for (const partial of rares) {
        for (const bucket of partial.buckets) {
          let entry = merged.get(bucket.key);
          if (entry === undefined) merged.set(bucket.key, (entry = { key: bucket.key, docCount: 0, parts: [] }));
          entry.docCount += bucket.docCount;
          entry.parts.push(bucket.aggs);
        }
      }
      const buckets: TermsBucketPartial[] = [];
      for (const entry of merged.values()) {
        if (frequent.has(entry.key) || entry.docCount > node.maxDocCount) frequent.add(entry.key);
        else buckets.push({ key: entry.key, docCount: entry.docCount, errorBound: 0, aggs: reduceAggregations(node.subAggregations, entry.parts) });
      }
      // Elasticsearch orders rare terms by count, then key, ascending.
      sortTermsBuckets(buckets as { key: string | number; docCount: number; aggs: PartialMap }[], [{ key: '_count', direction: 'asc' }, { key: '_key', direction: 'asc' }]);
      const valueType = rares.find((partial) => partial.buckets.length > 0 || partial.frequentKeys.length > 0)?.valueType ?? first.valueType;
      const format = rares.find((partial) => partial.format !== undefined)?.format;
      return { type: 'rare_terms', valueType, ...(format === undefined ? {} : { format }), buckets, frequentKeys: [...frequent].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0)) };
    }
    case 'composite': {
      assert(node.kind === 'composite', 'composite partial belongs to a composite node');
      const composites = partials as Extract<AggregationPartial, { type: 'composite' }>[];
      const merged = new Map<string, { key: CompositeBucketPartial['key']; docCount: number; parts: PartialMap[] }>();
      for (const partial of composites) {
        for (const bucket of partial.buckets) {
          const id = JSON.stringify(bucket.key);
          let entry = merged.get(id);
          if (entry === undefined) merged.set(id, (entry = { key: bucket.key, docCount: 0, parts: [] }));
          entry.docCount += bucket.docCount;
          entry.parts.push(bucket.aggs);
        }
      }
      const buckets = [...merged.values()]
        .sort((left, right) => compareCompositeKeys(node.sources, left.key, right.key))
        .slice(0, node.size)
        .map((entry) => ({ key: entry.key, docCount: entry.docCount, aggs: reduceAggregations(node.subAggregations, entry.parts) }));
      // A source is boolean when any shard read it from a boolean field (an unmapped shard cannot tell).
      const booleans = node.sources.map((_, index) => composites.some((partial) => partial.booleans[index] === true));
      return { type: 'composite', buckets, booleans };
    }
    case 'single_bucket': {
      const singles = partials as Extract<AggregationPartial, { type: 'single_bucket' }>[];
      return {
        type: 'single_bucket',
        docCount: singles.reduce((sum, partial) => sum + partial.docCount, 0),
        aggs: reduceAggregations(node.subAggregations, singles.map((partial) => partial.aggs)),
      };
    }
    case 'filters': {
      const filters = partials as Extract<AggregationPartial, { type: 'filters' }>[];
      return {
        type: 'filters',
        buckets: first.buckets.map((bucket, index) => ({
          key: bucket.key,
          docCount: filters.reduce((sum, partial) => sum + partial.buckets[index]!.docCount, 0),
          aggs: reduceAggregations(node.subAggregations, filters.map((partial) => partial.buckets[index]!.aggs)),
        })),
      };
    }
    case 'geo_grid': {
      // Merged by cell, every cell kept and ordered; the final reduce cuts to size (pipeline.ts).
      const merged = new Map<string, { docCount: number; parts: PartialMap[] }>();
      for (const partial of partials as Extract<AggregationPartial, { type: 'geo_grid' }>[]) {
        for (const bucket of partial.buckets) {
          const entry = merged.get(bucket.key) ?? { docCount: 0, parts: [] };
          entry.docCount += bucket.docCount;
          entry.parts.push(bucket.aggs);
          merged.set(bucket.key, entry);
        }
      }
      const buckets = [...merged].map(([key, entry]) => ({ key, docCount: entry.docCount, aggs: reduceAggregations(node.subAggregations, entry.parts) }));
      return { type: 'geo_grid', buckets: buckets.sort(compareGridBuckets) };
    }
    case 'geo_bounds':
      return { type: 'geo_bounds', ...mergeGeoBounds(partials as Extract<AggregationPartial, { type: 'geo_bounds' }>[]) };
    case 'geo_centroid': {
      // Summed in a canonical order so the float result does not depend on shard order.
      const sorted = [...(partials as Extract<AggregationPartial, { type: 'geo_centroid' }>[])].sort((left, right) => left.latSum - right.latSum || left.lonSum - right.lonSum);
      return {
        type: 'geo_centroid',
        count: sorted.reduce((sum, partial) => sum + partial.count, 0),
        latSum: sorted.reduce((sum, partial) => sum + partial.latSum, 0),
        lonSum: sorted.reduce((sum, partial) => sum + partial.lonSum, 0),
      };
    }
    case 'top_hits': {
      assert(node.kind === 'top_hits', 'top_hits partial belongs to a top_hits node');
      const tops = partials as Extract<AggregationPartial, { type: 'top_hits' }>[];
      const hits: TopHitPartial[] = tops.flatMap((partial) => partial.hits).sort((left, right) => compareHits(left, right, node.sort));
      const scores = tops.map((partial) => partial.maxScore).filter((score) => !Number.isNaN(score));
      return { type: 'top_hits', total: tops.reduce((sum, partial) => sum + partial.total, 0), maxScore: scores.length === 0 ? NaN : Math.max(...scores), hits: hits.slice(0, node.from + node.size) };
    }
  }
}

/** The DecimalFormat of a field aggregation's `format` (checked against the field on the shards). */
function aggregationDecimalFormat(node: AggregationNode): DecimalFormat | undefined {
  return 'format' in node && typeof node.format === 'string' ? parseDecimalFormat(node.format) : undefined;
}

/** A terms key as Elasticsearch formats it (key_as_string, max_bucket keys): dates (with the field's format), booleans, doubles. */
export function termKeyString(key: string | number, valueType: TermsValueType, dateFormat?: string): string {
  if (valueType === 'boolean') return key === 1 ? 'true' : 'false';
  if (valueType === 'date') return formatDateValue(key as number, dateFormat);
  if (valueType === 'double') return javaDoubleString(key as number);
  return String(key);
}

/** Java's Double.toString for the values Elasticsearch prints in range keys ("100.0", "1.5"). */
export function javaDoubleString(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e7) return `${value}.0`;
  if (Math.abs(value) >= 1e7 || (Math.abs(value) < 1e-3 && value !== 0)) {
    const [mantissa, exponent] = value.toExponential().split('e');
    return `${mantissa!.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
  }
  return String(value);
}

/**
 * Renders fully reduced partials as Elasticsearch's `aggregations` object, after the final-reduce
 * step (empty histogram buckets, then pipeline aggregations; see pipeline.ts).
 */
export function renderAggregations(nodes: readonly AggregationNode[], reduced: PartialMap): Record<string, unknown> {
  return renderMap(nodes, finalizeAggregations(nodes, reduced));
}

function renderMap(nodes: readonly AggregationNode[], finalized: PartialMap): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const node of nodes) {
    if (isPipeline(node)) {
      // A parent pipeline may leave a bucket without a value (derivative's first bucket), and
      // bucket_sort has no output of its own.
      const partial = finalized[node.name];
      if (partial !== undefined) result[node.name] = withMeta(node, renderPipeline(node, partial));
      continue;
    }
    result[node.name] = withMeta(node, renderOne(node, finalized[node.name]));
  }
  return result;
}

/** Elasticsearch writes `meta` first in an aggregation's body. */
function withMeta(node: AggregationNode, body: Record<string, unknown>): Record<string, unknown> {
  return node.meta === undefined ? body : { meta: node.meta, ...body };
}

function renderPipeline(node: AggregationNode, partial: AggregationPartial): Record<string, unknown> {
  const format = isPipeline(node) && 'format' in node ? node.format : undefined;
  const asString = (key: string, value: number | null): Record<string, unknown> =>
    format !== undefined && value !== null ? { [key]: value, [`${key}_as_string`]: formatDecimal(format, value) } : { [key]: value };
  switch (partial.type) {
    case 'simple_value':
      return asString('value', partial.value);
    case 'derivative':
      return { ...asString('value', partial.value), ...(partial.normalizedValue === undefined ? {} : asString('normalized_value', partial.normalizedValue)) };
    case 'bucket_metric_value':
      return { ...asString('value', partial.value), keys: partial.keys };
    case 'stats_bucket': {
      const extended = node.kind === 'extended_stats_bucket';
      const stats = { type: 'stats' as const, metric: extended ? ('extended_stats' as const) : ('stats' as const), count: partial.count, sum: partial.sum, min: partial.min ?? Infinity, max: partial.max ?? -Infinity, sumOfSquares: partial.sumOfSquares, isDate: false };
      const rendered = renderStats(extended ? 'extended_stats' : 'stats', 'sigma' in node ? node.sigma : 2, stats);
      if (format !== undefined && partial.count > 0) {
        for (const key of ['min', 'max', 'avg', 'sum']) rendered[`${key}_as_string`] = formatDecimal(format, rendered[key] as number);
      }
      return rendered;
    }
    case 'percentiles_bucket': {
      const percents = 'percents' in node ? node.percents : [];
      const keyed = 'keyed' in node ? node.keyed : true;
      const entries = percents.map((percent) => [javaDoubleString(percent), percentileOfBuckets(partial.sortedValues, percent)] as const);
      if (keyed) return { values: Object.fromEntries(entries) };
      return { values: entries.map(([key, value]) => ({ key: Number(key), value })) };
    }
    default:
      throw new Error(`[${node.name}] is not a pipeline result`);
  }
}

/** The empty result of an aggregation that saw no documents (or no shard answered for it). */
export function emptyPartial(node: CollectedAggregationNode): AggregationPartial {
  switch (node.kind) {
    case 'terms':
      return { type: 'terms', valueType: 'string', buckets: [], otherDocCount: 0, errorBound: 0 };
    case 'cardinality':
      return { type: 'cardinality', values: [] };
    case 'percentiles':
    case 'percentile_ranks':
      return { type: 'percentiles', digest: emptyDigest(node.compression) };
    case 'histogram':
    case 'date_histogram':
      return { type: 'histogram', buckets: [] };
    case 'range':
    case 'date_range':
    case 'geo_distance':
      return { type: 'range', buckets: node.ranges.map((range) => ({ from: typeof range.from === 'number' ? range.from : -Infinity, to: typeof range.to === 'number' ? range.to : Infinity, docCount: 0, aggs: {} })) };
    case 'filter':
    case 'nested':
    case 'reverse_nested':
      return { type: 'single_bucket', docCount: 0, aggs: {} };
    case 'filters':
      return { type: 'filters', buckets: node.filters.map((filter) => ({ key: filter.key, docCount: 0, aggs: {} })) };
    case 'top_hits':
      return { type: 'top_hits', total: 0, maxScore: NaN, hits: [] };
    case 'composite':
      return { type: 'composite', buckets: [], booleans: node.sources.map(() => false) };
    case 'multi_terms':
      return { type: 'multi_terms', valueTypes: node.terms.map(() => 'string'), buckets: [], otherDocCount: 0, errorBound: 0 };
    case 'rare_terms':
      return { type: 'rare_terms', valueType: 'string', buckets: [], frequentKeys: [] };
    case 'significant_terms':
      return { type: 'significant_terms', valueType: 'string', subsetSize: 0, supersetSize: 0, buckets: [] };
    case 'variable_width_histogram':
      return { type: 'variable_width_histogram', clusters: [] };
    case 'auto_date_histogram':
      return { type: 'auto_date_histogram', roundingIndex: node.minimumRoundingIndex, innerInterval: undefined, buckets: [] };
    case 'geohash_grid':
    case 'geotile_grid':
      return { type: 'geo_grid', buckets: [] };
    case 'geo_bounds':
      return { type: 'geo_bounds', ...emptyGeoBounds };
    case 'geo_centroid':
      return { type: 'geo_centroid', count: 0, latSum: 0, lonSum: 0 };
    default:
      return { type: 'stats', metric: node.kind, count: 0, sum: 0, min: Infinity, max: -Infinity, sumOfSquares: 0, isDate: false };
  }
}

function renderOne(node: CollectedAggregationNode, partialOrUndefined: AggregationPartial | undefined): Record<string, unknown> {
  const partial = partialOrUndefined ?? emptyPartial(node);
  const subs = (aggs: PartialMap): Record<string, unknown> => renderMap(node.subAggregations, aggs);
  switch (partial.type) {
    case 'geo_grid':
      return { buckets: partial.buckets.map((bucket) => ({ key: bucket.key, doc_count: bucket.docCount, ...subs(bucket.aggs) })) };
    case 'geo_bounds':
      return renderGeoBounds(partial, node.kind === 'geo_bounds' ? node.wrapLongitude : true);
    case 'geo_centroid':
      return renderGeoCentroid(partial.count, partial.latSum, partial.lonSum);
    case 'stats':
      return renderStats(node.kind, 'sigma' in node ? node.sigma : 2, partial, partial.isDate ? undefined : aggregationDecimalFormat(node));
    case 'cardinality':
      return { value: partial.values.length };
    case 'percentiles': {
      assert(node.kind === 'percentiles' || node.kind === 'percentile_ranks', 'percentiles node');
      // Keys are Java doubles ("99.0"); a value is null when there were no values (NaN in Elasticsearch).
      const entries = node.percents.map((percent) => [javaDoubleString(percent), percentileValue(partial, node, percent)] as const);
      if (node.keyed) return { values: Object.fromEntries(entries) };
      return { values: entries.map(([key, value]) => ({ key: Number(key), value })) };
    }
    case 'terms': {
      assert(node.kind === 'terms', 'terms node');
      const decimal = partial.valueType === 'long' || partial.valueType === 'double' ? aggregationDecimalFormat(node) : undefined;
      return {
        doc_count_error_upper_bound: partial.errorBound,
        sum_other_doc_count: partial.otherDocCount,
        buckets: partial.buckets.map((bucket) => {
          const rendered: Record<string, unknown> = { key: bucket.key };
          if (partial.valueType === 'boolean') rendered['key_as_string'] = bucket.key === 1 ? 'true' : 'false';
          if (partial.valueType === 'date') rendered['key_as_string'] = formatDateValue(bucket.key as number, partial.format);
          if ((partial.valueType === 'long' || partial.valueType === 'double') && decimal !== undefined) rendered['key_as_string'] = formatDecimal(decimal, bucket.key as number);
          rendered['doc_count'] = bucket.docCount;
          if (node.showTermDocCountError) rendered['doc_count_error_upper_bound'] = bucket.errorBound;
          return { ...rendered, ...subs(bucket.aggs) };
        }),
      };
    }
    case 'histogram': {
      assert(node.kind === 'histogram' || node.kind === 'date_histogram', 'histogram node');
      const decimal = node.kind === 'histogram' ? aggregationDecimalFormat(node) : undefined;
      // Empty buckets and the order were applied by the final reduce (finalizeAggregations).
      const rendered = partial.buckets.map((bucket) => {
        const base: Record<string, unknown> =
          node.kind === 'date_histogram'
            ? { key_as_string: formatDate(bucket.key, node.timeZone, node.format ?? partial.format), key: bucket.key, doc_count: bucket.docCount }
            : decimal !== undefined
              ? { key_as_string: formatDecimal(decimal, bucket.key), key: bucket.key, doc_count: bucket.docCount }
              : { key: bucket.key, doc_count: bucket.docCount };
        return { ...base, ...subs(bucket.aggs) };
      });
      if (node.keyed) return { buckets: Object.fromEntries(rendered.map((bucket) => [String(bucket['key_as_string'] ?? javaDoubleString(bucket['key'] as number)), bucket])) };
      return { buckets: rendered };
    }
    case 'range': {
      assert(node.kind === 'range' || node.kind === 'date_range' || node.kind === 'geo_distance', 'range node');
      const isDate = node.kind === 'date_range';
      // A numeric range's `format` (DocValueFormat.Decimal) prints its keys and bounds.
      const decimal = node.kind === 'range' && partial.format === undefined ? aggregationDecimalFormat(node) : undefined;
      const printed = (value: number): string => (isDate ? formatDate(value, node.timeZone, node.format ?? partial.format) : decimal !== undefined ? formatDecimal(decimal, value) : javaDoubleString(value));
      const rendered = node.ranges.map((range, index) => {
        const bucket = partial.buckets[index]!;
        const from = Number.isFinite(bucket.from) ? bucket.from : undefined;
        const to = Number.isFinite(bucket.to) ? bucket.to : undefined;
        const fromText = from === undefined ? '*' : printed(from);
        const toText = to === undefined ? '*' : printed(to);
        const result: Record<string, unknown> = { key: range.key ?? `${fromText}-${toText}` };
        if (from !== undefined) {
          result['from'] = from;
          if (isDate || decimal !== undefined) result['from_as_string'] = fromText;
        }
        if (to !== undefined) {
          result['to'] = to;
          if (isDate || decimal !== undefined) result['to_as_string'] = toText;
        }
        result['doc_count'] = bucket.docCount;
        return { ...result, ...subs(bucket.aggs) };
      });
      if (node.keyed) return { buckets: Object.fromEntries(rendered.map((bucket) => [bucket['key'] as string, bucket])) };
      return { buckets: rendered };
    }
    case 'single_bucket':
      return { doc_count: partial.docCount, ...subs(partial.aggs) };
    case 'multi_terms': {
      assert(node.kind === 'multi_terms', 'multi_terms node');
      return {
        doc_count_error_upper_bound: partial.errorBound,
        sum_other_doc_count: partial.otherDocCount,
        buckets: partial.buckets.map((bucket) => {
          const rendered: Record<string, unknown> = {
            key: bucket.key.map((value, index) => (partial.valueTypes[index] === 'boolean' ? value === 1 : value)),
            key_as_string: bucket.key.map((value, index) => termKeyString(value, partial.valueTypes[index] ?? 'string', partial.formats?.[index])).join('|'),
            doc_count: bucket.docCount,
          };
          if (node.showTermDocCountError) rendered['doc_count_error_upper_bound'] = bucket.errorBound;
          return { ...rendered, ...subs(bucket.aggs) };
        }),
      };
    }
    case 'variable_width_histogram':
      return { buckets: partial.clusters.map((cluster) => ({ min: cluster.min, key: cluster.centroid, max: cluster.max, doc_count: cluster.docCount })) };
    case 'auto_date_histogram': {
      assert(node.kind === 'auto_date_histogram', 'auto_date_histogram node');
      // Buckets are final (finalizeAggregations chose the rounding and inner interval).
      return {
        buckets: partial.buckets.map((bucket) => ({ key_as_string: formatDate(bucket.key, node.timeZone, node.format), key: bucket.key, doc_count: bucket.docCount, ...subs(bucket.aggs) })),
        interval: `${partial.innerInterval ?? 1}${roundingInfos[partial.roundingIndex]!.unit}`,
      };
    }
    case 'significant_terms':
      return {
        doc_count: partial.subsetSize,
        bg_count: partial.supersetSize,
        buckets: partial.buckets.map((bucket) => {
          const rendered: Record<string, unknown> = { key: bucket.key };
          if (partial.valueType === 'boolean' || partial.valueType === 'date') rendered['key_as_string'] = termKeyString(bucket.key, partial.valueType, partial.format);
          return { ...rendered, doc_count: bucket.docCount, score: bucket.score, bg_count: bucket.bgCount, ...subs(bucket.aggs) };
        }),
      };
    case 'rare_terms':
      return {
        buckets: partial.buckets.map((bucket) => {
          const rendered: Record<string, unknown> = { key: bucket.key };
          if (partial.valueType === 'boolean' || partial.valueType === 'date') rendered['key_as_string'] = termKeyString(bucket.key, partial.valueType, partial.format);
          return { ...rendered, doc_count: bucket.docCount, ...subs(bucket.aggs) };
        }),
      };
    case 'composite': {
      assert(node.kind === 'composite', 'composite node');
      const keyOf = (key: CompositeBucketPartial['key']): Record<string, unknown> =>
        Object.fromEntries(node.sources.map((source, index) => [source.name, renderKeyValue(source, key[index]!, partial.booleans[index] === true)]));
      const buckets = partial.buckets.map((bucket) => ({ key: keyOf(bucket.key), doc_count: bucket.docCount, ...subs(bucket.aggs) }));
      // after_key: the last bucket's key, for the next page.
      const last = partial.buckets[partial.buckets.length - 1];
      return last === undefined ? { buckets } : { after_key: keyOf(last.key), buckets };
    }
    case 'filters': {
      assert(node.kind === 'filters', 'filters node');
      const rendered = partial.buckets.map((bucket) => [bucket.key, { doc_count: bucket.docCount, ...subs(bucket.aggs) }] as const);
      if (node.keyed) return { buckets: Object.fromEntries(rendered) };
      return { buckets: rendered.map(([, bucket]) => bucket) };
    }
    case 'top_hits': {
      assert(node.kind === 'top_hits', 'top_hits node');
      const hits = partial.hits.slice(node.from, node.from + node.size).map((hit) => {
        const rendered: Record<string, unknown> = { _index: hit.index, _id: hit.id, ...(hit.nested === undefined ? {} : { _nested: hit.nested }), _score: node.sort === undefined ? hit.score : null };
        if (hit.source !== null) rendered['_source'] = hit.source; // null: the index keeps no `_source`
        if (node.sort !== undefined) rendered['sort'] = hit.sortValues;
        return rendered;
      });
      return {
        hits: {
          total: { value: partial.total, relation: 'eq' },
          max_score: node.sort !== undefined || Number.isNaN(partial.maxScore) ? null : partial.maxScore,
          hits,
        },
      };
    }
    default:
      throw new Error(`[${node.name}] holds a pipeline result`);
  }
}

/**
 * `decimal`: a numeric field's aggregation `format` (value-format.ts): values then print
 * `*_as_string` too, as Elasticsearch's DocValueFormat.Decimal does.
 */
function renderStats(kind: AggregationNode['kind'], sigma: number, partial: Extract<AggregationPartial, { type: 'stats' }>, decimal?: DecimalFormat): Record<string, unknown> {
  const { count, sum, min, max, sumOfSquares } = partial;
  const isDate = partial.isDate;
  const printed = (value: number): string | undefined => (isDate ? formatDateValue(value, partial.format) : decimal === undefined ? undefined : formatDecimal(decimal, value));
  const withString = (key: string, value: number | null): Record<string, unknown> => {
    const text = value === null ? undefined : printed(value);
    return text === undefined ? { [key]: value } : { [key]: value, [`${key}_as_string`]: text };
  };
  switch (kind) {
    case 'value_count':
      return { value: count };
    case 'sum':
      // InternalSum prints value_as_string whenever the format is not RAW (a numeric field's `format`).
      return !isDate && decimal !== undefined ? withString('value', sum) : { value: sum };
    case 'min':
      return withString('value', count === 0 ? null : min);
    case 'max':
      return withString('value', count === 0 ? null : max);
    case 'avg':
      return withString('value', count === 0 ? null : sum / count);
    case 'stats':
      return {
        count,
        min: count === 0 ? null : min,
        max: count === 0 ? null : max,
        avg: count === 0 ? null : sum / count,
        sum,
        ...(count > 0 && printed(min) !== undefined ? { min_as_string: printed(min), max_as_string: printed(max), avg_as_string: printed(sum / count), sum_as_string: printed(sum) } : {}),
      };
    case 'extended_stats': {
      if (count === 0) {
        return {
          count: 0, min: null, max: null, avg: null, sum: 0, sum_of_squares: null, variance: null, variance_population: null, variance_sampling: null,
          std_deviation: null, std_deviation_population: null, std_deviation_sampling: null,
          std_deviation_bounds: { upper: null, lower: null, upper_population: null, lower_population: null, upper_sampling: null, lower_sampling: null },
        };
      }
      const avg = sum / count;
      const variance = Math.max(0, (sumOfSquares - (sum * sum) / count) / count);
      const varianceSampling = count > 1 ? Math.max(0, (sumOfSquares - (sum * sum) / count) / (count - 1)) : Infinity;
      const deviation = Math.sqrt(variance);
      const deviationSampling = Math.sqrt(varianceSampling);
      return {
        count,
        min,
        max,
        avg,
        sum,
        sum_of_squares: sumOfSquares,
        variance,
        variance_population: variance,
        variance_sampling: count > 1 ? varianceSampling : 'Infinity',
        std_deviation: deviation,
        std_deviation_population: deviation,
        std_deviation_sampling: count > 1 ? deviationSampling : 'Infinity',
        std_deviation_bounds: {
          upper: avg + sigma * deviation,
          lower: avg - sigma * deviation,
          upper_population: avg + sigma * deviation,
          lower_population: avg - sigma * deviation,
          upper_sampling: count > 1 ? avg + sigma * deviationSampling : 'Infinity',
          lower_sampling: count > 1 ? avg - sigma * deviationSampling : '-Infinity',
        },
      };
    }
    default:
      return { value: count };
  }
}

/**
 * A reduced percentiles partial read at `percent`: for `percentiles` the t-digest quantile, for
 * `percentile_ranks` the rank (in percent) of the value `percent`. Null without values.
 */
export function percentileValue(partial: Extract<AggregationPartial, { type: 'percentiles' }>, node: CollectedAggregationNode, percent: number): number | null {
  const value = node.kind === 'percentile_ranks' ? cdf(partial.digest, percent) * 100 : quantile(partial.digest, percent / 100);
  return Number.isNaN(value) ? null : value;
}

type HistogramBucket = { key: number; docCount: number; aggs: PartialMap };

/** Applies min_doc_count and, when it is 0, fills empty buckets between the bounds. */
export function fillHistogram(node: Extract<AggregationNode, { kind: 'histogram' | 'date_histogram' }>, buckets: readonly HistogramBucket[]): HistogramBucket[] {
  if (node.minDocCount > 0) return buckets.filter((bucket) => bucket.docCount >= node.minDocCount);
  let next: (key: number) => number;
  let round: (value: number) => number;
  let boundsMin: number | undefined;
  let boundsMax: number | undefined;
  if (node.kind === 'histogram') {
    // Step by bucket index, not by adding the interval: collected keys are index * interval + offset,
    // and repeated addition drifts off them (0.1 ten times is not 1), losing counted buckets.
    next = (key) => (Math.round((key - node.offset) / node.interval) + 1) * node.interval + node.offset;
    round = (value) => Math.floor((value - node.offset) / node.interval) * node.interval + node.offset;
    boundsMin = node.extendedBounds?.min;
    boundsMax = node.extendedBounds?.max;
  } else {
    const rounding = createDateRounding(node, NaN, NaN);
    next = rounding.next;
    round = rounding.round;
    if (node.extendedBounds !== undefined) {
      boundsMin = parseDate(node.extendedBounds.min, node.format, node.timeZone);
      boundsMax = parseDate(node.extendedBounds.max, node.format, node.timeZone);
    }
  }
  if (buckets.length === 0 && boundsMin === undefined) return [];
  const byKey = new Map(buckets.map((bucket) => [bucket.key, bucket]));
  let first = buckets.length > 0 ? buckets[0]!.key : round(boundsMin!);
  let last = buckets.length > 0 ? buckets[buckets.length - 1]!.key : round(boundsMax ?? boundsMin!);
  if (boundsMin !== undefined) first = Math.min(first, round(boundsMin));
  if (boundsMax !== undefined) last = Math.max(last, round(boundsMax));
  const filled: HistogramBucket[] = [];
  const bucketsMax = limits.aggregationBucketsMax;
  for (let key = first; key <= last; key = next(key)) {
    if (filled.length === bucketsMax) throw tooManyHistogramBuckets(bucketsMax, countKeys(key, last, next, node));
    filled.push(byKey.get(key) ?? { key, docCount: 0, aggs: {} });
  }
  return filled;
}

/**
 * Elasticsearch counts every bucket the empty-bucket fill would add against search.max_buckets
 * and refuses the whole search when the total passes it, naming the total.
 */
function tooManyHistogramBuckets(bucketsMax: number, total: number): Error {
  return errors.tooManyBuckets(
    `Trying to create too many buckets. Must be less than or equal to: [${bucketsMax}] but was [${total}]. This limit can be set by changing the [search.max_buckets] cluster level setting.`,
    bucketsMax,
  );
}

/** How many buckets the fill holds in all: those counted so far plus the keys from `key` to `last`. */
function countKeys(key: number, last: number, next: (key: number) => number, node: Extract<AggregationNode, { kind: 'histogram' | 'date_histogram' }>): number {
  // Fixed widths are counted arithmetically (a fine interval over a wide range can mean billions of keys).
  if (node.kind === 'histogram') return limits.aggregationBucketsMax + Math.floor((last - key) / node.interval + 1e-9) + 1;
  if (node.fixedIntervalMs !== undefined && node.timeZone === undefined) return limits.aggregationBucketsMax + Math.floor((last - key) / node.fixedIntervalMs) + 1;
  let count = limits.aggregationBucketsMax;
  for (let at = key; at <= last; at = next(at)) count += 1;
  return count;
}

export { metricValue };
