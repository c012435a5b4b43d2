/**
 * The final reduce step (Elasticsearch's "final reduce"): it runs once, on the coordinating node,
 * after every shard's and cluster's partials were merged. Histograms get their empty buckets and
 * their order here, then pipeline aggregations run over the reduced buckets in the order they were
 * declared: parent pipelines (derivative, cumulative_sum, serial_diff, bucket_sort) on their
 * parent's bucket list, sibling pipelines (avg_bucket, max_bucket, ...) on a sibling's buckets.
 * Nothing here runs per shard, so results are the same with one shard, many, or many clusters.
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-pipeline.html
 */
import { errors } from '../../common/errors.js';
import { formatDate } from '../query/date-math.js';
import { formatDateValue } from './date-value-format.js';
import { type AggregationNode, type CollectedAggregationNode, type PipelineAggregationNode, isPipeline } from './ast.js';
import type { AggregationPartial, PartialMap } from './partials.js';
import { type BucketsPath, type GapPolicy, type PathElement, type SiblingPipelineKind, siblingPipelineKinds } from './pipeline-ast.js';

type SiblingPipelineNode = Extract<PipelineAggregationNode, { readonly kind: SiblingPipelineKind }>;

function isSiblingPipeline(node: AggregationNode): node is SiblingPipelineNode {
  return siblingPipelineKinds.has(node.kind);
}
import { JDouble, compileScript, fault, fromJson, wallClock, type Value } from '../script/index.js';
import { JavaArray, asNumber, javaClassName } from '../script/values.js';
import { movingFunctionsObject } from './moving-functions.js';
import { emptyPartial, fillHistogram, javaDoubleString, percentileValue, reduceAggregations, termKeyString } from './reduce.js';
import { finalAutoBuckets } from './auto-date-histogram.js';
import { mergeClusters } from './variable-width.js';

/** Applies the final-reduce steps to a reduced partial map (pure; returns a new map). */
export function finalizeAggregations(nodes: readonly AggregationNode[], reduced: PartialMap): PartialMap {
  const result: Record<string, AggregationPartial> = { ...reduced };
  for (const node of nodes) {
    if (isPipeline(node)) continue;
    result[node.name] = finalizeOne(node, result[node.name] ?? emptyPartial(node));
  }
  for (const node of nodes) {
    if (isSiblingPipeline(node)) result[node.name] = runSiblingPipeline(node, nodes, result);
  }
  return result;
}

function finalizeOne(node: CollectedAggregationNode, input: AggregationPartial): AggregationPartial {
  let partial = input;
  if (partial.type === 'histogram' && (node.kind === 'histogram' || node.kind === 'date_histogram')) {
    const buckets = fillHistogram(node, partial.buckets);
    if (node.order[0]?.key === '_count') {
      const direction = node.order[0].direction === 'asc' ? 1 : -1;
      buckets.sort((left, right) => direction * (left.docCount - right.docCount) || left.key - right.key);
    } else if (node.order[0]?.direction === 'desc') buckets.reverse();
    partial = { type: 'histogram', buckets, ...(partial.format === undefined ? {} : { format: partial.format }) };
  }
  if (partial.type === 'auto_date_histogram' && node.kind === 'auto_date_histogram' && partial.innerInterval === undefined) {
    const merge = (parts: readonly PartialMap[]): PartialMap => reduceAggregations(node.subAggregations, parts);
    const final = finalAutoBuckets(partial.buckets, partial.roundingIndex, node.buckets, node.timeZone, merge);
    partial = { type: 'auto_date_histogram', roundingIndex: final.roundingIndex, innerInterval: final.innerInterval, buckets: final.buckets };
  }
  partial = applyFinalCuts(node, partial);
  if (partial.type === 'variable_width_histogram' && node.kind === 'variable_width_histogram') partial = { type: 'variable_width_histogram', clusters: mergeClusters(partial.clusters, node.buckets) };
  if (partial.type === 'single_bucket') return { ...partial, aggs: finalizeAggregations(node.subAggregations, partial.aggs) };
  // No sub-aggregation: no bucket has anything to finalize and no parent pipeline runs, so the
  // views below would rebuild the same buckets (after formatting every key once more for nothing).
  if (node.subAggregations.length === 0) return partial;
  const views = bucketViews(node, partial);
  if (views === undefined) return partial;
  let buckets: BucketView[] = views.map((view) => ({ ...view, aggs: finalizeAggregations(node.subAggregations, view.aggs) }));
  for (const sub of node.subAggregations) {
    if (!isPipeline(sub)) continue;
    buckets = runParentPipeline(sub, node, buckets);
  }
  return rebuildBuckets(partial, buckets);
}

/**
 * terms, multi_terms and significant_terms: min_doc_count, then size, after the last reduce (a
 * bucket cut by size counts in sum_other_doc_count). Their reduce keeps every merged bucket, in order.
 */
function applyFinalCuts(node: CollectedAggregationNode, partial: AggregationPartial): AggregationPartial {
  if (partial.type === 'terms' && node.kind === 'terms') {
    const eligible = partial.buckets.filter((bucket) => bucket.docCount >= node.minDocCount);
    const kept = eligible.slice(0, node.size);
    const cut = eligible.slice(kept.length).reduce((sum, bucket) => sum + bucket.docCount, 0);
    return { ...partial, buckets: kept, otherDocCount: partial.otherDocCount + cut };
  }
  if (partial.type === 'multi_terms' && node.kind === 'multi_terms') {
    const eligible = partial.buckets.filter((bucket) => bucket.docCount >= node.minDocCount);
    const kept = eligible.slice(0, node.size);
    const cut = eligible.slice(kept.length).reduce((sum, bucket) => sum + bucket.docCount, 0);
    return { ...partial, buckets: kept, otherDocCount: partial.otherDocCount + cut };
  }
  if (partial.type === 'significant_terms' && node.kind === 'significant_terms') {
    return { ...partial, buckets: partial.buckets.filter((bucket) => bucket.docCount >= node.minDocCount).slice(0, node.size) };
  }
  if (partial.type === 'geo_grid' && (node.kind === 'geohash_grid' || node.kind === 'geotile_grid')) return { ...partial, buckets: partial.buckets.slice(0, node.size) };
  return partial;
}

// ---------------------------------------------------------------------------------------------
// A uniform view over the buckets of multi-bucket partials

interface BucketView {
  /** Position in the partial's bucket list (rebuildBuckets keeps or reorders by it). */
  readonly index: number;
  readonly key: string | number;
  /** Elasticsearch's getKeyAsString(): the keys max_bucket and min_bucket report. */
  readonly keyString: string;
  readonly docCount: number;
  readonly aggs: PartialMap;
}

function bucketViews(node: CollectedAggregationNode, partial: AggregationPartial): BucketView[] | undefined {
  switch (partial.type) {
    case 'terms':
      return partial.buckets.map((bucket, index) => ({
        index,
        key: bucket.key,
        keyString:
          partial.valueType === 'boolean'
            ? bucket.key === 1 ? 'true' : 'false'
            : partial.valueType === 'date'
              ? formatDateValue(bucket.key as number, partial.format)
              : partial.valueType === 'double'
                ? javaDoubleString(bucket.key as number)
                : String(bucket.key),
        docCount: bucket.docCount,
        aggs: bucket.aggs,
      }));
    case 'histogram':
      return partial.buckets.map((bucket, index) => ({
        index,
        key: bucket.key,
        keyString: node.kind === 'date_histogram' ? formatDate(bucket.key, node.timeZone, node.format ?? partial.format) : javaDoubleString(bucket.key),
        docCount: bucket.docCount,
        aggs: bucket.aggs,
      }));
    case 'range':
      return partial.buckets.map((bucket, index) => {
        const range = node.kind === 'range' || node.kind === 'date_range' || node.kind === 'geo_distance' ? node.ranges[index] : undefined;
        const bound = (value: number): string =>
          !Number.isFinite(value) ? '*' : node.kind === 'date_range' ? formatDate(value, node.timeZone, node.format ?? partial.format) : javaDoubleString(value);
        const key = range?.key ?? `${bound(bucket.from)}-${bound(bucket.to)}`;
        return { index, key, keyString: key, docCount: bucket.docCount, aggs: bucket.aggs };
      });
    case 'filters':
    case 'geo_grid':
      return partial.buckets.map((bucket, index) => ({ index, key: bucket.key, keyString: bucket.key, docCount: bucket.docCount, aggs: bucket.aggs }));
    case 'composite':
      // Pipelines cannot name composite buckets (request validation); the view lets the final reduce reach their sub-aggregations.
      return partial.buckets.map((bucket, index) => ({ index, key: JSON.stringify(bucket.key), keyString: JSON.stringify(bucket.key), docCount: bucket.docCount, aggs: bucket.aggs }));
    case 'variable_width_histogram':
      return partial.clusters.map((cluster, index) => ({ index, key: cluster.centroid, keyString: javaDoubleString(cluster.centroid), docCount: cluster.docCount, aggs: {} }));
    case 'auto_date_histogram':
      return partial.buckets.map((bucket, index) => ({
        index,
        key: bucket.key,
        keyString: node.kind === 'auto_date_histogram' ? formatDate(bucket.key, node.timeZone, node.format) : String(bucket.key),
        docCount: bucket.docCount,
        aggs: bucket.aggs,
      }));
    case 'rare_terms':
    case 'significant_terms':
      return partial.buckets.map((bucket, index) => ({ index, key: bucket.key, keyString: termKeyString(bucket.key, partial.valueType, partial.format), docCount: bucket.docCount, aggs: bucket.aggs }));
    case 'multi_terms':
      return partial.buckets.map((bucket, index) => {
        const keyString = bucket.key.map((value, position) => termKeyString(value, partial.valueTypes[position] ?? 'string', partial.formats?.[position])).join('|');
        return { index, key: keyString, keyString, docCount: bucket.docCount, aggs: bucket.aggs };
      });
    default:
      return undefined;
  }
}

/** The partial with `buckets` (a subset of its buckets, in their new order, with new sub-results). */
function rebuildBuckets(partial: AggregationPartial, buckets: readonly BucketView[]): AggregationPartial {
  switch (partial.type) {
    case 'terms':
      return { ...partial, buckets: buckets.map((view) => ({ ...partial.buckets[view.index]!, aggs: view.aggs })) };
    case 'histogram':
      return { ...partial, buckets: buckets.map((view) => ({ ...partial.buckets[view.index]!, aggs: view.aggs })) };
    case 'range':
      return { ...partial, buckets: buckets.map((view) => ({ ...partial.buckets[view.index]!, aggs: view.aggs })) };
    case 'filters':
      return { ...partial, buckets: buckets.map((view) => ({ ...partial.buckets[view.index]!, aggs: view.aggs })) };
    case 'geo_grid':
      return { ...partial, buckets: buckets.map((view) => ({ ...partial.buckets[view.index]!, aggs: view.aggs })) };
    case 'rare_terms':
      return { ...partial, buckets: buckets.map((view) => ({ ...partial.buckets[view.index]!, aggs: view.aggs })) };
    case 'significant_terms':
      return { ...partial, buckets: buckets.map((view) => ({ ...partial.buckets[view.index]!, aggs: view.aggs })) };
    case 'auto_date_histogram':
      return { ...partial, buckets: buckets.map((view) => ({ ...partial.buckets[view.index]!, aggs: view.aggs })) };
    case 'variable_width_histogram':
      return { ...partial, clusters: buckets.map((view) => partial.clusters[view.index]!) };
    case 'composite':
      return { ...partial, buckets: buckets.map((view) => ({ ...partial.buckets[view.index]!, aggs: view.aggs })) };
    case 'multi_terms':
      return { ...partial, buckets: buckets.map((view) => ({ ...partial.buckets[view.index]!, aggs: view.aggs })) };
    default:
      return partial;
  }
}

// ---------------------------------------------------------------------------------------------
// buckets_path resolution (Elasticsearch's BucketHelpers.resolveBucketValue)

const mustReference = (got: string, at: string): Error =>
  errors.aggregationExecution(`buckets_path must reference either a number value or a single value numeric metric aggregation, got: [${got}] at aggregation [${at}]`);

/** Elasticsearch's class names, which its buckets_path errors quote. */
function internalName(node: CollectedAggregationNode, partial: AggregationPartial): string {
  switch (partial.type) {
    case 'terms':
      return partial.valueType === 'string' ? 'StringTerms' : partial.valueType === 'double' ? 'DoubleTerms' : 'LongTerms';
    case 'histogram':
      return node.kind === 'date_histogram' ? 'InternalDateHistogram' : 'InternalHistogram';
    case 'range':
      return node.kind === 'date_range' ? 'InternalDateRange' : node.kind === 'geo_distance' ? 'InternalGeoDistance' : 'InternalRange';
    case 'filters':
      return 'InternalFilters';
    case 'multi_terms':
      return 'InternalMultiTerms';
    case 'rare_terms':
      return partial.valueType === 'string' ? 'StringRareTerms' : 'LongRareTerms';
    case 'top_hits':
      return 'InternalTopHits';
    case 'stats':
      return node.kind === 'extended_stats' ? 'InternalExtendedStats' : 'InternalStats';
    default:
      return partial.type;
  }
}

/** The numeric value `path` names in `bucket` (NaN when the aggregation has none, e.g. an empty avg). */
function rawValue(elements: readonly PathElement[], metric: string | undefined, bucket: { key: string | number; docCount: number; aggs: PartialMap }, subs: readonly AggregationNode[], pathText: string): number {
  const element = elements[0]!;
  const last = elements.length === 1;
  if (element.name === '_count' && last) return bucket.docCount;
  if (element.name === '_key' && last) {
    if (typeof bucket.key !== 'number') throw mustReference('String', '_key');
    return bucket.key;
  }
  const node = subs.find((candidate) => candidate.name === element.name);
  if (node === undefined) throw errors.aggregationExecution(`No aggregation found for path [${pathText}]`);
  if (isPipeline(node)) {
    const partial = bucket.aggs[node.name];
    if (partial === undefined) return NaN; // e.g. no derivative in the first bucket
    return pipelineValue(partial, metric, node.name);
  }
  const partial = bucket.aggs[node.name] ?? emptyPartial(node);
  if (partial.type === 'single_bucket') {
    if (last) return metric === undefined || metric === '_count' || metric === 'doc_count' ? partial.docCount : NaN;
    return rawValue(elements.slice(1), metric, { key: element.name, docCount: partial.docCount, aggs: partial.aggs }, node.subAggregations, pathText);
  }
  const views = bucketViews(node, partial);
  if (views !== undefined) {
    if (element.key === undefined) throw mustReference(last ? internalName(node, partial) : 'Object[]', node.name);
    const selected = views.find((view) => String(view.key) === element.key || view.keyString === element.key);
    if (selected === undefined) throw errors.aggregationExecution(`No bucket with key [${element.key}] in aggregation [${node.name}] for path [${pathText}]`);
    if (last) return metric === undefined || metric === '_count' ? selected.docCount : NaN;
    return rawValue(elements.slice(1), metric, selected, node.subAggregations, pathText);
  }
  if (!last) throw mustReference(internalName(node, partial), node.name);
  switch (partial.type) {
    case 'stats':
      return statsValue(node, partial, metric ?? element.key);
    case 'cardinality':
      if (metric !== undefined && metric !== 'value') throw errors.aggregationExecution(`Unknown value key [${metric}] for aggregation [${node.name}]`);
      return partial.values.length;
    case 'percentiles': {
      if (node.kind !== 'percentiles' && node.kind !== 'percentile_ranks') return NaN;
      const requested = metric ?? element.key;
      const percent = requested === undefined ? node.percents[0]! : Number(requested);
      if (!Number.isFinite(percent)) throw errors.aggregationExecution(`Invalid percentile [${requested}] in buckets_path [${pathText}]`);
      return percentileValue(partial, node, percent) ?? NaN;
    }
    default:
      throw mustReference(internalName(node, partial), node.name);
  }
}

function statsValue(node: CollectedAggregationNode, partial: Extract<AggregationPartial, { type: 'stats' }>, metric: string | undefined): number {
  const { count, sum, min, max, sumOfSquares } = partial;
  const avg = count === 0 ? NaN : sum / count;
  const single: Record<string, number> = { value_count: count, min, max, sum, avg };
  if (node.kind in single) {
    if (metric !== undefined && metric !== 'value') throw errors.aggregationExecution(`Unknown value key [${metric}] for aggregation [${node.name}]`);
    return single[node.kind]!;
  }
  if (metric === undefined) throw mustReference(internalName(node, partial), node.name);
  const variance = count === 0 ? NaN : Math.max(0, (sumOfSquares - (sum * sum) / count) / count);
  const varianceSampling = count > 1 ? Math.max(0, (sumOfSquares - (sum * sum) / count) / (count - 1)) : NaN;
  const sigma = 'sigma' in node ? node.sigma : 2;
  const values: Record<string, number> = {
    count, min: count === 0 ? NaN : min, max: count === 0 ? NaN : max, avg, sum,
    sum_of_squares: sumOfSquares, variance, variance_population: variance, variance_sampling: varianceSampling,
    std_deviation: Math.sqrt(variance), std_deviation_population: Math.sqrt(variance), std_deviation_sampling: Math.sqrt(varianceSampling),
    std_upper: avg + sigma * Math.sqrt(variance), std_lower: avg - sigma * Math.sqrt(variance),
  };
  const value = values[metric];
  if (value === undefined || (node.kind === 'stats' && !['count', 'min', 'max', 'avg', 'sum'].includes(metric))) {
    throw errors.aggregationExecution(`Unknown value key [${metric}] for aggregation [${node.name}]`);
  }
  return value;
}

function pipelineValue(partial: AggregationPartial, metric: string | undefined, name: string): number {
  switch (partial.type) {
    case 'simple_value':
    case 'derivative':
    case 'bucket_metric_value':
      if (metric !== undefined && metric !== 'value') throw errors.aggregationExecution(`Unknown value key [${metric}] for aggregation [${name}]`);
      return partial.value ?? NaN;
    case 'stats_bucket': {
      const values: Record<string, number> = { count: partial.count, sum: partial.sum, min: partial.min ?? NaN, max: partial.max ?? NaN, avg: partial.count === 0 ? NaN : partial.sum / partial.count };
      if (metric === undefined || values[metric] === undefined) throw mustReference('InternalStatsBucket', name);
      return values[metric]!;
    }
    default:
      throw mustReference(partial.type, name);
  }
}

/**
 * A bucket's value with the gap policy applied: a missing or non-finite value, or any value of an
 * empty bucket (except `_count`), is a gap; `skip` makes it NaN, `insert_zeros` 0, and
 * `keep_values` keeps a finite value.
 */
function bucketValue(path: BucketsPath, bucket: BucketView, subs: readonly AggregationNode[], gapPolicy: GapPolicy): number {
  const value = rawValue(path.elements, path.metric, bucket, subs, path.text);
  const isCount = path.elements.length === 1 && path.elements[0]!.name === '_count';
  if (!Number.isFinite(value) || (bucket.docCount === 0 && !isCount)) {
    if (gapPolicy === 'insert_zeros') return 0;
    if (gapPolicy === 'keep_values' && Number.isFinite(value)) return value;
    return NaN;
  }
  return value;
}

const orNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

// ---------------------------------------------------------------------------------------------
// Parent pipelines: they read and write the buckets of their parent

function withResult(bucket: BucketView, name: string, partial: AggregationPartial): BucketView {
  return { ...bucket, aggs: { ...bucket.aggs, [name]: partial } };
}

function runParentPipeline(node: PipelineAggregationNode, parent: CollectedAggregationNode, buckets: readonly BucketView[]): BucketView[] {
  const subs = parent.subAggregations;
  switch (node.kind) {
    case 'cumulative_sum': {
      let sum = 0;
      return buckets.map((bucket) => {
        const value = bucketValue(node.bucketsPath, bucket, subs, 'insert_zeros');
        if (Number.isFinite(value)) sum += value;
        return withResult(bucket, node.name, { type: 'simple_value', value: sum });
      });
    }
    case 'derivative': {
      let lastValue: number | undefined;
      let lastKey = 0;
      return buckets.map((bucket) => {
        const value = bucketValue(node.bucketsPath, bucket, subs, node.gapPolicy);
        const key = typeof bucket.key === 'number' ? bucket.key : NaN;
        let result = bucket;
        if (lastValue !== undefined) {
          const gradient = value - lastValue;
          const normalizedValue = node.unitMs === undefined ? undefined : orNull(gradient / ((key - lastKey) / node.unitMs));
          result = withResult(bucket, node.name, { type: 'derivative', value: orNull(gradient), normalizedValue });
        }
        lastValue = value;
        lastKey = key;
        return result;
      });
    }
    case 'serial_diff': {
      // A gap enters the window too, so the bucket `lag` later has no difference either.
      const window: number[] = [];
      return buckets.map((bucket) => {
        const value = bucketValue(node.bucketsPath, bucket, subs, node.gapPolicy);
        let result = bucket;
        if (!Number.isNaN(value) && window.length === node.lag) {
          const difference = value - window[0]!;
          if (!Number.isNaN(difference)) result = withResult(bucket, node.name, { type: 'simple_value', value: orNull(difference) });
        }
        window.push(value);
        if (window.length > node.lag) window.shift();
        return result;
      });
    }
    case 'moving_fn':
      return runMovingFunction(node, buckets, subs);
    case 'bucket_script':
    case 'bucket_selector': {
      const script = compileScript(node.script, node.kind === 'bucket_script' ? 'bucket_aggregation' : 'aggregation_selector');
      const result: BucketView[] = [];
      for (const bucket of buckets) {
        const params = fromJson(node.script.params) as Map<unknown, Value>;
        let skip = false;
        for (const { name, path } of node.bucketsPaths) {
          const value = bucketValue(path, bucket, subs, node.gapPolicy);
          // bucket_script leaves a bucket with a skipped gap alone; bucket_selector's script sees NaN.
          if (node.kind === 'bucket_script' && node.gapPolicy === 'skip' && Number.isNaN(value)) skip = true;
          params.set(name, new JDouble(value));
        }
        if (skip) {
          result.push(bucket);
          continue;
        }
        const returned = script.execute({ params }, wallClock);
        if (node.kind === 'bucket_selector') {
          if (typeof returned !== 'boolean') throw script.runtimeFailure(fault('class_cast_exception', `Cannot cast ${returned === null ? 'null' : 'the returned value'} to boolean`));
          if (returned) result.push(bucket);
          continue;
        }
        if (returned === null) {
          result.push(bucket);
          continue;
        }
        let number: number;
        try {
          number = asNumber(returned);
        } catch {
          throw errors.aggregationExecution(`series_arithmetic script for reducer [${node.name}] must return a Number`);
        }
        result.push(withResult(bucket, node.name, { type: 'simple_value', value: orNull(number) }));
      }
      return result;
    }
    case 'bucket_sort': {
      const keyed = buckets.map((bucket) => ({
        bucket,
        values: node.sort.map((sort): number | string => {
          const only = sort.path.elements.length === 1 && sort.path.metric === undefined ? sort.path.elements[0]!.name : undefined;
          if (only === '_key') return bucket.key;
          return bucketValue(sort.path, bucket, subs, node.gapPolicy);
        }),
      }));
      const kept = node.gapPolicy === 'skip' ? keyed.filter((entry) => !entry.values.some((value) => typeof value === 'number' && Number.isNaN(value))) : keyed;
      if (node.sort.length > 0) {
        kept.sort((left, right) => {
          for (let index = 0; index < node.sort.length; index++) {
            const a = left.values[index]!;
            const b = right.values[index]!;
            const compared = a < b ? -1 : a > b ? 1 : 0;
            if (compared !== 0) return node.sort[index]!.direction === 'asc' ? compared : -compared;
          }
          return 0; // a stable sort keeps the parent's order for ties
        });
      }
      const end = node.size === undefined ? kept.length : node.from + node.size;
      return kept.slice(node.from, end).map((entry) => entry.bucket);
    }
    default:
      return [...buckets];
  }
}

/**
 * moving_fn: each bucket with a value gets the script's result over the window of the values
 * before it (`window` of them, moved `shift` later), as Elasticsearch's MovFnPipelineAggregator:
 * buckets whose value is a gap are left alone and do not enter the windows.
 */
function runMovingFunction(node: Extract<PipelineAggregationNode, { kind: 'moving_fn' }>, buckets: readonly BucketView[], subs: readonly AggregationNode[]): BucketView[] {
  const script = compileScript(node.script, 'moving_function');
  const values = buckets.map((bucket) => bucketValue(node.bucketsPath, bucket, subs, node.gapPolicy));
  const series = values.filter((value) => !Number.isNaN(value));
  const clamp = (index: number): number => Math.min(Math.max(index, 0), series.length);
  let index = 0;
  return buckets.map((bucket, position) => {
    if (Number.isNaN(values[position]!)) return bucket;
    const window = series.slice(clamp(index - node.window + node.shift), clamp(index + node.shift));
    index++;
    const returned = script.execute({ params: fromJson(node.script.params), values: new JavaArray('double', window.map((value) => new JDouble(value))), MovingFunctions: movingFunctionsObject }, wallClock);
    // The script returns a primitive double: a path that returns nothing gives 0.0.
    let result = 0;
    if (returned !== null) {
      try {
        result = asNumber(returned);
      } catch {
        throw script.runtimeFailure(fault('class_cast_exception', `Cannot cast [${javaClassName(returned)}] to [double]`));
      }
    }
    return withResult(bucket, node.name, { type: 'simple_value', value: orNull(result) });
  });
}

// ---------------------------------------------------------------------------------------------
// Sibling pipelines: one result from the buckets of a sibling multi-bucket aggregation

function runSiblingPipeline(node: SiblingPipelineNode, siblings: readonly AggregationNode[], map: PartialMap): AggregationPartial {
  const [first, ...rest] = node.bucketsPath.elements;
  const target = siblings.find((sibling) => sibling.name === first!.name);
  if (target === undefined || isPipeline(target)) throw errors.aggregationExecution(`No aggregation found for path [${node.bucketsPath.text}]`);
  const views = bucketViews(target, map[target.name] ?? emptyPartial(target));
  if (views === undefined) throw errors.aggregationExecution(`buckets_path must reference a multi-bucket aggregation: [${node.bucketsPath.text}]`);
  // `histo._count` names the count of each bucket.
  const path: BucketsPath = rest.length > 0 ? { ...node.bucketsPath, elements: rest } : { ...node.bucketsPath, elements: [{ name: node.bucketsPath.metric ?? '_count', key: undefined }], metric: undefined };
  const values: { value: number; key: string }[] = [];
  for (const view of views) {
    const value = bucketValue(path, view, target.subAggregations, node.gapPolicy);
    if (!Number.isNaN(value)) values.push({ value, key: view.keyString });
  }
  switch (node.kind) {
    case 'avg_bucket':
      return { type: 'simple_value', value: values.length === 0 ? null : values.reduce((sum, entry) => sum + entry.value, 0) / values.length };
    case 'sum_bucket':
      return { type: 'simple_value', value: values.reduce((sum, entry) => sum + entry.value, 0) };
    case 'max_bucket':
    case 'min_bucket': {
      const sign = node.kind === 'max_bucket' ? 1 : -1;
      let best = -Infinity;
      let keys: string[] = [];
      for (const entry of values) {
        if (sign * entry.value > best) {
          best = sign * entry.value;
          keys = [entry.key];
        } else if (sign * entry.value === best) keys.push(entry.key);
      }
      return { type: 'bucket_metric_value', value: orNull(sign * best), keys };
    }
    case 'stats_bucket':
    case 'extended_stats_bucket': {
      let sum = 0;
      let sumOfSquares = 0;
      let min = Infinity;
      let max = -Infinity;
      for (const { value } of values) {
        sum += value;
        sumOfSquares += value * value;
        min = Math.min(min, value);
        max = Math.max(max, value);
      }
      return { type: 'stats_bucket', count: values.length, sum, sumOfSquares, min: orNull(min), max: orNull(max) };
    }
    case 'percentiles_bucket':
      return { type: 'percentiles_bucket', sortedValues: values.map((entry) => entry.value).sort((left, right) => left - right) };
  }
}

/** percentiles_bucket: the nearest-rank value (no interpolation), as Elasticsearch computes it. */
export function percentileOfBuckets(sorted: readonly number[], percent: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.round((percent / 100) * (sorted.length - 1))]!;
}
