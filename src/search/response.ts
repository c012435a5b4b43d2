/**
 * Search responses in Elasticsearch's shape (pure): `took`, `timed_out`, `terminated_early`,
 * `_shards`, `hits` (`total` as `{value, relation}`, or a number with `rest_total_hits_as_int`),
 * `aggregations` (names prefixed by their type with `typed_keys`).
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/search-search.html#search-api-response-body
 */
import { errors, type EsError } from '../common/index.js';
import type { AggregationNode, FieldMappings } from '../index/searcher/index.js';

export interface ShardFailure {
  /** Null when the failure belongs to no known shard (a missing scroll context). */
  readonly index: string | null;
  readonly shard: number;
  readonly node: string | undefined;
  readonly cause: EsError;
}

export interface ShardsSummary {
  readonly total: number;
  readonly successful: number;
  readonly skipped: number;
  readonly failed: number;
  readonly failures: readonly ShardFailure[];
}

export function renderShards(shards: ShardsSummary): Record<string, unknown> {
  const rendered: Record<string, unknown> = { total: shards.total, successful: shards.successful, skipped: shards.skipped, failed: shards.failed };
  if (shards.failures.length > 0) rendered['failures'] = shards.failures.map(renderShardFailure);
  return rendered;
}

export function renderShardFailure(failure: ShardFailure): Record<string, unknown> {
  const rendered: Record<string, unknown> = { shard: failure.shard, index: failure.index };
  if (failure.node !== undefined) rendered['node'] = failure.node;
  rendered['reason'] = failure.cause.toCause();
  return rendered;
}

/**
 * The error when every shard failed: 400 `search_phase_execution_exception` "all shards failed"
 * whose root causes are the shard causes; its status is the first failure's, or a 5xx if any
 * failure is one (SearchPhaseExecutionException.status).
 */
export function allShardsFailed(failures: readonly ShardFailure[], phase = 'query'): EsError {
  const first = failures[0]!;
  const status = shardFailuresStatus(failures);
  const causes = dedupeCauses(failures.map((failure) => failure.cause));
  return errors.searchPhaseFailed(status, 'all shards failed', phase, causes, first.cause, failures.map(renderShardFailure));
}

/**
 * The status of a search failed by its shards (all of them, or some with
 * `allow_partial_search_results=false`): the first failure's, unless a later one is a 5xx (the last
 * such), as Elasticsearch's SearchPhaseExecutionException reports it; 503 when no shard failed.
 */
export function shardFailuresStatus(failures: readonly { readonly cause: { readonly status: number } }[]): number {
  let status = failures[0]?.cause.status ?? 503;
  for (const failure of failures) if (failure.cause.status >= 500) status = failure.cause.status;
  return status;
}

/** The causes without repeats (same type and reason), as `root_cause` lists them. */
export function dedupeCauses(causes: readonly EsError[]): EsError[] {
  const seen = new Set<string>();
  return causes.filter((cause) => {
    const key = `${cause.type}\u0000${cause.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface SearchResponseParts {
  readonly tookMs: number;
  readonly scrollId?: string;
  readonly terminatedEarly: boolean | undefined;
  readonly shards: ShardsSummary;
  readonly total: { readonly value: number; readonly relation: 'eq' | 'gte' } | undefined;
  readonly maxScore: number | null;
  readonly hits: readonly Record<string, unknown>[];
  readonly aggregations: Record<string, unknown> | undefined;
  readonly restTotalHitsAsInt: boolean;
  /** A shard hit the request's `timeout` and answered with partial results. */
  readonly timedOut?: boolean;
}

export function renderSearchResponse(parts: SearchResponseParts): Record<string, unknown> {
  const response: Record<string, unknown> = {};
  if (parts.scrollId !== undefined) response['_scroll_id'] = parts.scrollId;
  response['took'] = parts.tookMs;
  response['timed_out'] = parts.timedOut === true;
  if (parts.terminatedEarly !== undefined) response['terminated_early'] = parts.terminatedEarly;
  response['_shards'] = renderShards(parts.shards);
  const hits: Record<string, unknown> = {};
  if (parts.total !== undefined) hits['total'] = parts.restTotalHitsAsInt ? parts.total.value : { value: parts.total.value, relation: parts.total.relation };
  hits['max_score'] = parts.maxScore;
  hits['hits'] = parts.hits;
  response['hits'] = hits;
  if (parts.aggregations !== undefined) response['aggregations'] = parts.aggregations;
  return response;
}

const numericTermsTypes: Readonly<Record<string, string>> = {
  long: 'lterms', integer: 'lterms', short: 'lterms', byte: 'lterms', date: 'lterms', boolean: 'lterms', double: 'dterms', float: 'dterms',
};

/** The type name `typed_keys` puts before an aggregation's name (InternalAggregation.getType). */
export function aggregationTypeName(node: AggregationNode, mappings: FieldMappings): string {
  switch (node.kind) {
    case 'terms':
      return numericTermsTypes[mappings[node.field]?.type ?? ''] ?? 'sterms';
    case 'percentiles':
      return 'tdigest_percentiles';
    case 'percentile_ranks':
      return 'tdigest_percentile_ranks';
    case 'rare_terms':
      return (mappings[node.field]?.type ?? 'keyword') === 'keyword' ? 'srareterms' : 'lrareterms';
    case 'significant_terms':
      return (mappings[node.field]?.type ?? 'keyword') === 'keyword' ? 'sigsterms' : 'siglterms';
    // Pipeline results are named by the result class Elasticsearch renders.
    case 'avg_bucket':
    case 'sum_bucket':
    case 'bucket_script':
    case 'cumulative_sum':
    case 'serial_diff':
    case 'moving_fn':
      return 'simple_value';
    case 'max_bucket':
    case 'min_bucket':
      return 'bucket_metric_value';
    default:
      return node.kind;
  }
}

/** Renames rendered aggregations to `type#name`, recursively through buckets (`typed_keys=true`). */
export function typedKeys(rendered: Record<string, unknown>, nodes: readonly AggregationNode[], mappings: FieldMappings): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(rendered)) {
    const node = nodes.find((candidate) => candidate.name === name);
    if (node === undefined || value === null || typeof value !== 'object') {
      result[name] = value;
      continue;
    }
    result[`${aggregationTypeName(node, mappings)}#${name}`] = typedBody(value as Record<string, unknown>, node, mappings);
  }
  return result;
}

function typedBody(body: Record<string, unknown>, node: AggregationNode, mappings: FieldMappings): Record<string, unknown> {
  if (node.subAggregations.length === 0) return body;
  const retype = (bucket: unknown): unknown => (bucket !== null && typeof bucket === 'object' ? typedKeys(bucket as Record<string, unknown>, node.subAggregations, mappings) : bucket);
  const buckets = body['buckets'];
  if (Array.isArray(buckets)) return { ...body, buckets: buckets.map(retype) };
  if (buckets !== null && typeof buckets === 'object') {
    return { ...body, buckets: Object.fromEntries(Object.entries(buckets as Record<string, unknown>).map(([key, bucket]) => [key, retype(bucket)])) };
  }
  // Single-bucket aggregations (filter) hold their sub-aggregations inline.
  return typedKeys(body, node.subAggregations, mappings);
}
