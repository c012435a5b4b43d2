/**
 * `GET [/{index}]/_stats[/{metric}]` and `POST [/{index}]/_flush`, shard by shard.
 *
 * Stats report the metrics Strait keeps per shard: `docs` (`count`: live documents; `deleted`:
 * documents its searchable segments still hold deleted until a merge drops them, as
 * `_cat/segments` shows them, src/index/searcher/docs-deleted.ts) and `store` (the shard store's bytes on disk), at `level`
 * `cluster`, `indices` (default) or `shards` (each copy with its routing and sequence numbers).
 * Elasticsearch's other metrics (indexing, search, merges, caches...) are counters Strait does not
 * keep: naming one is a 400 that says so, rather than zeros that would be wrong.
 * References: indices-stats.html, indices-flush.html, rest-api-spec indices.stats.json and
 * indices.flush.json, IndicesStatsResponse / ShardStats.toXContent.
 */
import { errors } from '../../common/index.js';
import { parseIndicesOptions, settingInteger, type IndexHandle, type IndicesService } from '../../index/index.js';
import { shardCopies } from '../../index/cluster-state.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../route.js';
import { healthOf } from './cluster-health.js';
import { resolveForRoute } from './indices.js';

export const STATS_ACTION = 'indices:monitor/stats';
export const FLUSH_ACTION = 'indices:admin/flush';
export const INDICES_OPTIONS = ['ignore_unavailable', 'allow_no_indices', 'expand_wildcards'];

/** The metrics of Elasticsearch's indices stats (CommonStatsFlags.Flag), and the ones Strait reports. */
const knownMetrics = new Set([
  'completion', 'docs', 'fielddata', 'flush', 'get', 'indexing', 'merge', 'query_cache', 'refresh', 'request_cache', 'search',
  'segments', 'store', 'translog', 'warmer', 'bulk', 'shard_stats', 'dense_vector', 'sparse_vector', 'mappings',
]);
const reportedMetrics = ['docs', 'store'] as const;
export type Metric = (typeof reportedMetrics)[number];

export function parseMetrics(value: string | undefined, path: string): Set<Metric> {
  if (value === undefined || value === '_all') return new Set(reportedMetrics);
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !knownMetrics.has(name) && name !== '_all');
  if (unknown.length > 0) throw errors.illegalArgument(`request [${path}] contains unrecognized metric${unknown.length > 1 ? 's' : ''}: [${unknown.join(', ')}]`);
  if (names.includes('_all')) return new Set(reportedMetrics);
  const unsupported = names.filter((name) => !(reportedMetrics as readonly string[]).includes(name));
  if (unsupported.length > 0) {
    throw errors.illegalArgument(`index stats metric [${unsupported.join(', ')}] is not kept by Strait; it reports [${reportedMetrics.join(', ')}]`);
  }
  return new Set(names as Metric[]);
}

export interface ShardFigures {
  readonly docs: number;
  readonly deleted: number;
  readonly bytes: number;
}

export function render(metrics: ReadonlySet<Metric>, figures: ShardFigures): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (metrics.has('docs')) body['docs'] = { count: figures.docs, deleted: figures.deleted };
  if (metrics.has('store')) body['store'] = { size_in_bytes: figures.bytes, total_data_set_size_in_bytes: figures.bytes, reserved_in_bytes: 0 };
  return body;
}

export function sum(figures: readonly ShardFigures[]): ShardFigures {
  return figures.reduce((total, shard) => ({ docs: total.docs + shard.docs, deleted: total.deleted + shard.deleted, bytes: total.bytes + shard.bytes }), { docs: 0, deleted: 0, bytes: 0 });
}

/** The metrics and `level` of a stats request (400s for unknown ones). */
export function parseStatsRequest(request: RestRequest): { metrics: Set<Metric>; level: 'cluster' | 'indices' | 'shards' } {
  const index = request.params['index'];
  const metric = request.params['metric'];
  const metrics = parseMetrics(metric, `${index === undefined ? '' : `/${index}`}/_stats/${metric ?? ''}`);
  const level = request.query['level'] ?? 'indices';
  if (level !== 'cluster' && level !== 'indices' && level !== 'shards') throw errors.illegalArgument(`level parameter must be one of [cluster] or [indices] or [shards] but was [${level}]`);
  return { metrics, level };
}

/** `docs.deleted` of one shard of an open index (SearcherService.docsDeleted). */
export type DocsDeletedOf = (handle: IndexHandle, shard: number) => number;

export function indexStatsRoutes(service: IndicesService, nodeId: () => string, docsDeleted: DocsDeletedOf): readonly Route[] {
  const stats = (request: RestRequest, context: RequestContext): RestResponse => {
    const { metrics, level } = parseStatsRequest(request);
    const handles = resolveForRoute(service, context, STATS_ACTION, request.params['index'], parseIndicesOptions(request.query));
    let total = 0;
    let successful = 0;
    const all: ShardFigures[] = [];
    const indices: Record<string, unknown> = {};
    for (const handle of handles) {
      const stores = handle.metadata.state === 'open' ? handle.shards : undefined;
      if (stores === undefined) continue; // a closed index has no started shards to report
      total += stores.length * (1 + settingInteger(handle.metadata.settings, 'index.number_of_replicas'));
      successful += stores.length;
      const figures = stores.map((store, shard) => ({ docs: store.docCount(), deleted: docsDeleted(handle, shard), bytes: store.sizeBytes() }));
      all.push(...figures);
      const entry: Record<string, unknown> = {
        uuid: handle.uuid,
        health: healthOf(handle).status,
        status: handle.metadata.state,
        // One copy of each shard exists (replicas cannot be allocated on one node): total = primaries.
        primaries: render(metrics, sum(figures)),
        total: render(metrics, sum(figures)),
      };
      if (level === 'shards') entry['shards'] = shardsOf(handle, metrics, nodeId());
      indices[handle.name] = entry;
    }
    const body: Record<string, unknown> = {
      _shards: { total, successful, failed: 0 },
      _all: { primaries: render(metrics, sum(all)), total: render(metrics, sum(all)) },
    };
    if (level !== 'cluster') body['indices'] = indices;
    return { status: 200, body };
  };

  const shardsOf = (handle: IndexHandle, metrics: ReadonlySet<Metric>, node: string): Record<string, unknown[]> => {
    const shards: Record<string, unknown[]> = {};
    for (const copy of shardCopies(handle, node)) {
      const store = handle.shards?.[copy.shard];
      if (!copy.primary || store === undefined) continue; // unassigned replicas report nothing
      (shards[String(copy.shard)] ??= []).push({
        routing: { state: copy.state, primary: copy.primary, node: copy.node, relocating_node: null },
        ...render(metrics, { docs: store.docCount(), deleted: docsDeleted(handle, copy.shard), bytes: store.sizeBytes() }),
        seq_no: { max_seq_no: store.maxSeqNo, local_checkpoint: store.localCheckpoint, global_checkpoint: store.localCheckpoint },
      });
    }
    return shards;
  };

  const flush = (request: RestRequest, context: RequestContext): RestResponse => {
    const handles = resolveForRoute(service, context, FLUSH_ACTION, request.params['index'], parseIndicesOptions(request.query));
    let total = 0;
    let successful = 0;
    for (const handle of handles) {
      const stores = service.openShardsOf(handle);
      total += stores.length * (1 + settingInteger(handle.metadata.settings, 'index.number_of_replicas'));
      for (const store of stores) {
        store.flush();
        successful++;
      }
    }
    return { status: 200, body: { _shards: { total, successful, failed: 0 } } };
  };

  const statsParams = [...INDICES_OPTIONS, 'level'];
  return [
    ...['/_stats', '/_stats/:metric', '/:index/_stats', '/:index/_stats/:metric'].map(
      (path): Route => ({ method: 'GET', path, action: STATS_ACTION, scope: 'indices', params: statsParams, handle: stats }),
    ),
    ...['/_flush', '/:index/_flush'].map(
      // `force` and `wait_if_ongoing` change nothing here: a flush is one synchronous checkpoint per shard, never skipped or queued.
      (path): Route => ({ method: ['POST', 'GET'], path, action: FLUSH_ACTION, scope: 'indices', params: [...INDICES_OPTIONS, 'force', 'wait_if_ongoing'], handle: flush }),
    ),
  ];
}
