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

/**
 * How rendered aggregations travel from the worker: as JSON text when that is lossless (a string
 * crosses threads as one copy, and JSON.parse builds hundreds of buckets several times faster
 * than a structured clone does), else as the object itself.
 */
export type RenderedAggregations = { readonly json: string } | { readonly object: Record<string, unknown> };

/** Shard result object -> what the worker rendered for it (and with which nodes). */
const rendered = new WeakMap<object, { readonly nodes: readonly AggregationNode[]; readonly aggregations: RenderedAggregations }>();

/**
 * True when JSON text holds `value` exactly: strings, booleans, null, finite numbers other than -0,
 * arrays, and plain objects whose values are all such (no undefined, NaN or Infinity, which JSON
 * would turn into null or drop).
 */
export function isJsonExact(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) {
    for (const item of value) if (!isJsonExact(item)) return false;
    return true;
  }
  if (typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const key in value) if (!isJsonExact((value as Record<string, unknown>)[key])) return false;
  return true;
}

/** The form the worker sends rendered aggregations in (see RenderedAggregations). */
export function encodeRenderedAggregations(aggregations: Record<string, unknown>): RenderedAggregations {
  return isJsonExact(aggregations) ? { json: JSON.stringify(aggregations) } : { object: aggregations };
}

/** The final reduce and rendering of shard partials (what `mergeShardResults` answers as `aggregations`). */
export function renderShardAggregations(nodes: readonly AggregationNode[], partials: readonly PartialMap[]): Record<string, unknown> {
  return renderAggregations(nodes, reduceAggregations(nodes, partials));
}

/** Records the aggregations a worker rendered from `result`'s partial with `nodes` (the main thread's own array). */
export function rememberRenderedAggregations(result: object, nodes: readonly AggregationNode[], aggregations: RenderedAggregations): void {
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
  return 'json' in entry.aggregations ? (JSON.parse(entry.aggregations.json) as Record<string, unknown>) : entry.aggregations.object;
}

/**
 * A shard result whose aggregation partials came as JSON text (the worker rendered them already,
 * so they are read only when that rendering is not taken): parsed on first read, once.
 */
export function withLazyPartials<T extends object>(result: T, partialsJson: string): T {
  let partials: unknown;
  Object.defineProperty(result, 'aggregations', {
    configurable: true,
    enumerable: true,
    get: () => (partials ??= JSON.parse(partialsJson)),
  });
  return result;
}
