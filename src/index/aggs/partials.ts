/**
 * Per-shard aggregation results ("partials", style P8): plain data, reduced by a pure,
 * order-independent merge (`reduceAggregations`) so results from several shards or clusters
 * combine the same way in any order.
 */
import type { SortValue } from '../query/sort.js';
import type { TDigest } from './tdigest.js';
import type { CompositeBucketPartial } from './composite.js';
import type { Cluster } from './variable-width.js';
import type { GeoBoundsState, GeoGridBucketPartial } from './geo-aggs.js';

export type PartialMap = Readonly<Record<string, AggregationPartial>>;

export type TermsValueType = 'string' | 'long' | 'double' | 'boolean' | 'date';

export interface TermsBucketPartial {
  readonly key: string | number;
  readonly docCount: number;
  /** Upper bound of this bucket's missed count (shards that did not return it). */
  readonly errorBound: number;
  readonly aggs: PartialMap;
}

export interface TopHitPartial {
  readonly index: string;
  readonly id: string;
  readonly score: number;
  readonly sortValues: readonly SortValue[] | undefined;
  readonly shardKey: string;
  readonly globalDoc: number;
  readonly source: unknown;
  /** Under a `nested` aggregation: the hit's `_nested` (its path and offset, level by level). */
  readonly nested?: Readonly<Record<string, unknown>>;
}

export type AggregationPartial =
  | {
      readonly type: 'terms';
      readonly valueType: TermsValueType;
      /** A date field's mapped format: it prints key_as_string (date-value-format.ts). */
      readonly format?: string;
      readonly buckets: readonly TermsBucketPartial[];
      readonly otherDocCount: number;
      /** The count of the last returned bucket when the shard cut its list (0 when complete). */
      readonly errorBound: number;
    }
  | { readonly type: 'stats'; readonly metric: 'value_count' | 'min' | 'max' | 'avg' | 'sum' | 'stats' | 'extended_stats'; readonly count: number; readonly sum: number; readonly min: number; readonly max: number; readonly sumOfSquares: number; readonly isDate: boolean; /** A date field's mapped format, for the *_as_string values. */ readonly format?: string }
  | { readonly type: 'cardinality'; readonly values: readonly (string | number)[] }
  /** A t-digest (tdigest.ts) of the values, for percentiles and percentile_ranks. */
  | { readonly type: 'percentiles'; readonly digest: TDigest }
  // `format`: a date field's mapped format, which renders key_as_string / from_as_string / to_as_string
  // when the aggregation names none (the field's DocValueFormat in Elasticsearch).
  | { readonly type: 'histogram'; readonly buckets: readonly { readonly key: number; readonly docCount: number; readonly aggs: PartialMap }[]; readonly format?: string }
  | { readonly type: 'range'; readonly buckets: readonly { readonly from: number; readonly to: number; readonly docCount: number; readonly aggs: PartialMap }[]; readonly format?: string }
  | { readonly type: 'single_bucket'; readonly docCount: number; readonly aggs: PartialMap }
  /** multi_terms: like terms, keyed by a tuple of values (one per `terms` entry). */
  | {
      readonly type: 'multi_terms';
      readonly valueTypes: readonly TermsValueType[];
      /** Per term: a date field's mapped format. */
      readonly formats?: readonly (string | undefined)[];
      readonly buckets: readonly { readonly key: readonly (string | number)[]; readonly docCount: number; readonly errorBound: number; readonly aggs: PartialMap }[];
      readonly otherDocCount: number;
      readonly errorBound: number;
    }
  /**
   * rare_terms: the terms in at most max_doc_count documents of this shard, and the keys seen more
   * often (exact, where Elasticsearch keeps a cuckoo filter), so the reduce drops a term rare on one
   * shard but frequent on another.
   */
  | { readonly type: 'rare_terms'; readonly valueType: TermsValueType; readonly format?: string; readonly buckets: readonly TermsBucketPartial[]; readonly frequentKeys: readonly (string | number)[] }
  /**
   * significant_terms: the foreground (subset: the parent bucket's documents) and background
   * (superset: the index, or background_filter) sizes, and per candidate term both frequencies;
   * scores are computed from the summed counts at the reduce.
   */
  | {
      readonly type: 'significant_terms';
      readonly valueType: TermsValueType;
      readonly format?: string;
      readonly subsetSize: number;
      readonly supersetSize: number;
      readonly buckets: readonly { readonly key: string | number; readonly docCount: number; readonly bgCount: number; readonly score: number; readonly aggs: PartialMap }[];
    }
  /**
   * auto_date_histogram: buckets keyed by the start of a `roundingIndex` bucket (auto-date-histogram.ts);
   * after the final reduce, `innerInterval` is set and buckets are the final ones.
   */
  | {
      readonly type: 'auto_date_histogram';
      readonly roundingIndex: number;
      readonly innerInterval: number | undefined;
      readonly buckets: readonly { readonly key: number; readonly docCount: number; readonly aggs: PartialMap }[];
    }
  /** variable_width_histogram: clusters (variable-width.ts), at most shard_size of them from a shard. */
  | { readonly type: 'variable_width_histogram'; readonly clusters: readonly Cluster[] }
  /** composite: the shard's first `size` keys after `after`, in key order. */
  | { readonly type: 'composite'; readonly buckets: readonly CompositeBucketPartial[]; /** Per source: a boolean field (keys 0/1 print as false/true). */ readonly booleans: readonly boolean[] }
  | { readonly type: 'filters'; readonly buckets: readonly { readonly key: string; readonly docCount: number; readonly aggs: PartialMap }[] }
  | { readonly type: 'top_hits'; readonly total: number; readonly maxScore: number; readonly hits: readonly TopHitPartial[] }
  /** geohash_grid and geotile_grid (geo-aggs.ts): cells by key, in bucket order, at most shard_size from a shard. */
  | { readonly type: 'geo_grid'; readonly buckets: readonly GeoGridBucketPartial[] }
  | ({ readonly type: 'geo_bounds' } & GeoBoundsState)
  | { readonly type: 'geo_centroid'; readonly count: number; readonly latSum: number; readonly lonSum: number }
  | PipelinePartial;

/**
 * Results of pipeline aggregations. They exist only after the final reduce (pipeline.ts), so they
 * are never merged; a value Elasticsearch holds as NaN is null here (JSON-safe).
 */
export type PipelinePartial =
  | { readonly type: 'simple_value'; readonly value: number | null }
  | { readonly type: 'derivative'; readonly value: number | null; readonly normalizedValue: number | null | undefined }
  | { readonly type: 'bucket_metric_value'; readonly value: number | null; readonly keys: readonly string[] }
  | { readonly type: 'stats_bucket'; readonly count: number; readonly sum: number; readonly min: number | null; readonly max: number | null; readonly sumOfSquares: number }
  | { readonly type: 'percentiles_bucket'; readonly sortedValues: readonly number[] };
