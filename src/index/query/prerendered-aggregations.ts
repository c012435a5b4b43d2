/**
 * Aggregations a search worker has already reduced and rendered, for a search of one shard: the
 * final reduce and rendering of a large aggregation (a date_histogram's hundreds of buckets, each
 * with its formatted key) is the largest part of such a search's work on the thread that answers
 * every request, and with one shard it needs nothing but that shard's partial, which the worker
 * has. `mergeShardResults` takes the rendered aggregations instead of rendering them again when
 * it merges exactly that one result with exactly the aggregation nodes the worker rendered with
 * (the same array, by identity), so its answer is the one it would have computed itself.
 */
import type { AggregationNode } from '../aggs/ast.js';
import type { PartialMap } from '../aggs/partials.js';
import { reduceAggregations, renderAggregations } from '../aggs/reduce.js';

/** Shard result object -> what the worker rendered for it (and with which nodes). */
const rendered = new WeakMap<object, { readonly nodes: readonly AggregationNode[]; readonly aggregations: Record<string, unknown> }>();

/** The final reduce and rendering of shard partials (what `mergeShardResults` answers as `aggregations`). */
export function renderShardAggregations(nodes: readonly AggregationNode[], partials: readonly PartialMap[]): Record<string, unknown> {
  return renderAggregations(nodes, reduceAggregations(nodes, partials));
}

/** Records the aggregations a worker rendered from `result`'s partial with `nodes` (the main thread's own array). */
export function rememberRenderedAggregations(result: object, nodes: readonly AggregationNode[], aggregations: Record<string, unknown>): void {
  rendered.set(result, { nodes, aggregations });
}

/**
 * The rendered aggregations of a merge of `results` with `nodes`, when a worker rendered them for
 * exactly that (one result, the same nodes); taken once (a second merge renders its own copy, so
 * no two answers share objects).
 */
export function takeRenderedAggregations(results: readonly object[], nodes: readonly AggregationNode[]): Record<string, unknown> | undefined {
  if (results.length !== 1) return undefined;
  const entry = rendered.get(results[0]!);
  if (entry === undefined || entry.nodes !== nodes) return undefined;
  rendered.delete(results[0]!);
  return entry.aggregations;
}
