/**
 * The `_cat` APIs for indices, count, health and aliases: text tables aligned as Elasticsearch's RestTable
 * (`v` headers, `h` columns, `s` sorting, `help`, `bytes`, `format=json`).
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/cat.html
 */
import {
  clusterHealth,
  parseExpandWildcards,
  parseIndicesOptions,
  settingInteger,
  wildcardMatch,
  type IndexHandle,
  type IndicesService,
} from '../../index/index.js';
import { bytesCell, catColumn, renderCat, type CatColumn, type CatRow } from './cat-table.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../route.js';
import type { SearchService } from '../../search/search-service.js';
import { healthOf } from './cluster-health.js';
import { resolveForRoute } from './indices.js';

export { bytesCell, formatBytes, formatTime, renderCat, timeCell, type CatBytes, type CatCell, type CatColumn, type CatRow, type CatTime } from './cat-table.js';

// Elasticsearch accepts its cat response parameters (ts, bytes, time) on every cat API.
export const CAT_PARAMS = ['format', 'h', 'help', 's', 'v', 'ts', 'bytes', 'time', 'local', 'master_timeout'];

const column = catColumn;

export const indicesColumns: readonly CatColumn[] = [
  column('health', ['h'], 'current health status', true),
  column('status', ['s'], 'open/close status', true),
  column('index', ['i', 'idx'], 'index name', true),
  column('uuid', ['id', 'uuid'], 'index uuid', true),
  column('pri', ['p', 'shards.primary', 'shardsPrimary'], 'number of primary shards', true, true),
  column('rep', ['r', 'shards.replica', 'shardsReplica'], 'number of replica shards', true, true),
  column('docs.count', ['dc', 'docsCount'], 'available docs', true, true),
  column('docs.deleted', ['dd', 'docsDeleted'], 'deleted docs', true, true),
  column('creation.date', ['cd'], 'index creation date (millisecond value)', false),
  column('creation.date.string', ['cds'], 'index creation date (as string)', false),
  column('store.size', ['ss', 'storeSize'], 'store size of primaries & replicas', true, true),
  column('pri.store.size', [], 'store size of primaries', true, true),
  column('dataset.size', [], 'total size of dataset', true, true),
];

const countColumns: readonly CatColumn[] = [
  column('epoch', ['t', 'time'], 'seconds since 1970-01-01 00:00:00', true),
  column('timestamp', ['ts', 'hms', 'hhmmss'], 'time in HH:MM:SS', true),
  column('count', ['dc', 'docs.count', 'docsCount'], 'the document count', true),
];

const healthColumns: readonly CatColumn[] = [
  column('epoch', ['t', 'time'], 'seconds since 1970-01-01 00:00:00', true),
  column('timestamp', ['ts', 'hms', 'hhmmss'], 'time in HH:MM:SS', true),
  column('cluster', ['cl'], 'cluster name', true),
  column('status', ['st'], 'health status', true),
  column('node.total', ['nt', 'nodeTotal'], 'total number of nodes', true, true),
  column('node.data', ['nd', 'nodeData'], 'number of nodes that can store data', true, true),
  column('shards', ['t', 'sh', 'shards.total', 'shardsTotal'], 'total number of shards', true, true),
  column('pri', ['p', 'shards.primary', 'shardsPrimary'], 'number of primary shards', true, true),
  column('relo', ['r', 'shards.relocating', 'shardsRelocating'], 'number of relocating nodes', true, true),
  column('init', ['i', 'shards.initializing', 'shardsInitializing'], 'number of initializing nodes', true, true),
  column('unassign', ['u', 'shards.unassigned', 'shardsUnassigned'], 'number of unassigned shards', true, true),
  column('unassign.pri', ['up', 'shards.unassigned.primary', 'shardsUnassignedPrimary'], 'number of unassigned primary shards', true, true),
  column('pending_tasks', ['pt', 'pendingTasks'], 'number of pending tasks', true, true),
  column('max_task_wait_time', ['mtwt', 'maxTaskWaitTime'], 'wait time of longest task pending', true, true),
  column('active_shards_percent', ['asp', 'activeShardsPercent'], 'active number of shards in percent', true, true),
];

const aliasesColumns: readonly CatColumn[] = [
  column('alias', ['a'], 'alias name', true),
  column('index', ['i', 'idx'], 'index alias points to', true),
  column('filter', ['f', 'fi'], 'filter', true),
  column('routing.index', ['ri', 'routingIndex'], 'index routing', true),
  column('routing.search', ['rs', 'routingSearch'], 'search routing', true),
  column('is_write_index', ['w', 'isWriteIndex'], 'write index', true),
];

/** The action `_cat/aliases` performs (Elasticsearch runs a get-aliases request). */
const GET_ALIASES_ACTION = 'indices:admin/aliases/get';

/**
 * Whether an alias name answers a get-aliases name list, read left to right as Elasticsearch's
 * metadata lookup does: no names (or `_all`) match every alias; a name or wildcard adds what it
 * matches; `-pattern` removes what it matches from what the names before it added.
 */
export function aliasNameMatches(alias: string, patterns: readonly string[]): boolean {
  let matched = patterns.length === 0;
  for (const pattern of patterns) {
    if (pattern.startsWith('-')) {
      if (matched) matched = !wildcardMatch(pattern.slice(1), alias);
    } else if (!matched) {
      matched = pattern === '_all' || wildcardMatch(pattern, alias);
    }
  }
  return matched;
}

function clock(nowMs: number): { epoch: number; timestamp: string } {
  return { epoch: Math.floor(nowMs / 1000), timestamp: new Date(nowMs).toISOString().slice(11, 19) };
}

/** `_cat/count`'s answer for a count made elsewhere (the cross-node count of a multi-node cluster, src/node/wire-search.ts). */
export function renderCatCount(request: RestRequest, nowMs: number, count: number): RestResponse {
  return renderCat(request, countColumns, [{ ...clock(nowMs), count }]);
}

/** The figures of `_cat/health`'s one row (those of `_cluster/health`). */
export interface CatHealthFigures {
  readonly clusterName: string;
  readonly status: string;
  readonly nodes: number;
  readonly dataNodes: number;
  readonly activeShards: number;
  readonly activePrimaryShards: number;
  readonly relocatingShards: number;
  readonly initializingShards: number;
  readonly unassignedShards: number;
  readonly unassignedPrimaryShards: number;
  readonly activeShardsPercent: number;
}

/** `_cat/health` of a health computed here (one node) or from the applied cluster state (src/node/wire-coordination.ts). */
export function renderCatHealth(request: RestRequest, nowMs: number, figures: CatHealthFigures): RestResponse {
  // `ts=false` hides epoch and timestamp in the renderer; they stay sort keys, as in Elasticsearch.
  const row: CatRow = {
    ...clock(nowMs),
    cluster: figures.clusterName,
    status: figures.status,
    'node.total': figures.nodes,
    'node.data': figures.dataNodes,
    shards: figures.activeShards,
    pri: figures.activePrimaryShards,
    relo: figures.relocatingShards,
    init: figures.initializingShards,
    unassign: figures.unassignedShards,
    'unassign.pri': figures.unassignedPrimaryShards,
    // Strait applies cluster changes at once: no task waits.
    pending_tasks: 0,
    max_task_wait_time: '-',
    active_shards_percent: `${figures.activeShardsPercent.toFixed(1)}%`,
  };
  return renderCat(request, healthColumns, [row]);
}

/** What `_cat/indices` shows of an open index's copies (undefined for a closed index: empty cells). */
export interface CatIndexFigures {
  readonly primaryDocs: number;
  /** Deleted documents the primaries' segments still hold (index-stats.ts `docs.deleted`). */
  readonly primaryDocsDeleted: number;
  readonly primaryBytes: number;
  readonly totalBytes: number;
}

/** One `_cat/indices` row. */
export function catIndexRow(handle: IndexHandle, health: string, figures: CatIndexFigures | undefined): CatRow {
  return {
    health,
    status: handle.metadata.state,
    index: handle.name,
    uuid: handle.uuid,
    pri: settingInteger(handle.metadata.settings, 'index.number_of_shards'),
    rep: settingInteger(handle.metadata.settings, 'index.number_of_replicas'),
    'docs.count': figures === undefined ? null : figures.primaryDocs,
    'docs.deleted': figures === undefined ? null : figures.primaryDocsDeleted,
    'creation.date': handle.metadata.creationDateMs,
    'creation.date.string': new Date(handle.metadata.creationDateMs).toISOString(),
    'store.size': figures === undefined ? null : bytesCell(figures.totalBytes),
    'pri.store.size': figures === undefined ? null : bytesCell(figures.primaryBytes),
    'dataset.size': figures === undefined ? null : bytesCell(figures.totalBytes),
  };
}

export interface CatOptions {
  readonly clusterName: string;
  /**
   * `_cat/count`: how many documents of the request's indices the caller's search would count
   * (a size-0 search, as Elasticsearch's RestCountAction does: refreshed documents only, through
   * alias filters and the caller's document level security).
   */
  readonly countDocuments: (request: RestRequest, context: RequestContext) => number;
  /** `docs.deleted` of one shard of an open index (SearcherService.docsDeleted). */
  readonly docsDeleted: (handle: IndexHandle, shard: number) => number;
}

/** `_cat/count` through the search service's `_count` (the request's index options only). */
export function countThroughSearch(search: Pick<SearchService, 'count'>): CatOptions['countDocuments'] {
  return (request, context) => {
    const params: Record<string, string> = {};
    for (const name of ['ignore_unavailable', 'allow_no_indices', 'expand_wildcards']) if (request.query[name] !== undefined) params[name] = request.query[name]!;
    return search.count({ expression: request.params['index'], params, body: undefined }, context.authorize)['count'] as number;
  };
}

export function catRoutes(service: IndicesService, options: CatOptions): readonly Route[] {
  const indices = (request: RestRequest, context: RequestContext): RestResponse => {
    const expandWildcards = parseExpandWildcards(request.query['expand_wildcards'] ?? 'all');
    const handles = resolveForRoute(service, context, 'indices:monitor/stats', request.params['index'], {
      ...parseIndicesOptions(request.query),
      expandWildcards,
    });
    const wantedHealth = request.query['health'];
    const rows: CatRow[] = [];
    for (const handle of handles) {
      const health = healthOf(handle).status;
      if (wantedHealth !== undefined && health !== wantedHealth) continue;
      const shards = handle.metadata.state === 'open' ? handle.shards : undefined;
      // One copy of each shard on one node: the primaries are the whole index.
      const size = shards === undefined ? 0 : shards.reduce((sum, shard) => sum + shard.sizeBytes(), 0);
      const docs = shards === undefined ? 0 : shards.reduce((sum, shard) => sum + shard.docCount(), 0);
      const deleted = shards === undefined ? 0 : shards.reduce((sum, _, shard) => sum + options.docsDeleted(handle, shard), 0);
      rows.push(catIndexRow(handle, health, shards === undefined ? undefined : { primaryDocs: docs, primaryDocsDeleted: deleted, primaryBytes: size, totalBytes: size }));
    }
    return renderCat(request, indicesColumns, rows);
  };

  const count = (request: RestRequest, context: RequestContext): RestResponse =>
    renderCat(request, countColumns, [{ ...clock(service.nowMs()), count: options.countDocuments(request, context) }]);

  const health = (request: RestRequest): RestResponse => {
    const summary = clusterHealth(service.all().map(healthOf));
    return renderCatHealth(request, service.nowMs(), {
      clusterName: options.clusterName,
      status: summary.status,
      nodes: 1,
      dataNodes: 1,
      activeShards: summary.active_shards,
      activePrimaryShards: summary.active_primary_shards,
      relocatingShards: 0,
      initializingShards: 0,
      unassignedShards: summary.unassigned_shards,
      unassignedPrimaryShards: 0,
      activeShardsPercent: summary.active_shards_percent_as_number,
    });
  };

  /**
   * One row per (alias, index) pair, as Elasticsearch's cat aliases over a get-aliases request:
   * indices expand as `expand_wildcards` says (default `all`, so aliases of closed and hidden
   * indices show), only indices the caller may run the action on count, and, as Elasticsearch's
   * security narrows a get-aliases request to authorized aliases, an alias matched by a wildcard
   * (or by no name at all) shows only when the caller may use the alias name too. A name that
   * matches nothing gives an empty table, not a 404 (unlike `GET /_alias/{name}`).
   */
  const aliases = (request: RestRequest, context: RequestContext): RestResponse => {
    const expandWildcards = parseExpandWildcards(request.query['expand_wildcards'] ?? 'all');
    const handles = resolveForRoute(service, context, GET_ALIASES_ACTION, undefined, { ignoreUnavailable: false, allowNoIndices: true, expandWildcards });
    const patterns = (request.params['name'] ?? '').split(',').filter((pattern) => pattern !== '');
    const byName = (left: string, right: string): number => (left < right ? -1 : left > right ? 1 : 0);
    const rows: CatRow[] = [];
    for (const handle of [...handles].sort((left, right) => byName(left.name, right.name))) {
      for (const alias of Object.keys(handle.metadata.aliases).sort(byName)) {
        if (!aliasNameMatches(alias, patterns)) continue;
        const namedLiterally = patterns.includes(alias);
        if (!namedLiterally && !context.authorize.allowsIndex(GET_ALIASES_ACTION, alias)) continue;
        const definition = handle.metadata.aliases[alias]!;
        rows.push({
          alias,
          index: handle.name,
          filter: definition.filter !== undefined ? '*' : '-',
          'routing.index': definition.index_routing !== undefined && definition.index_routing !== '' ? definition.index_routing : '-',
          'routing.search': definition.search_routing !== undefined && definition.search_routing !== '' ? definition.search_routing : '-',
          is_write_index: definition.is_write_index === undefined ? '-' : String(definition.is_write_index),
        });
      }
    }
    return renderCat(request, aliasesColumns, rows);
  };

  return [
    ...['/_cat/aliases', '/_cat/aliases/:name'].map(
      (path): Route => ({
        method: 'GET',
        path,
        action: GET_ALIASES_ACTION,
        scope: 'indices',
        // Elasticsearch 9 removed `local` from this API (a no-op since 8.12); it is refused as unrecognized.
        params: ['format', 'h', 'help', 's', 'v', 'ts', 'bytes', 'time', 'expand_wildcards', 'master_timeout'],
        handle: aliases,
      }),
    ),
    ...['/_cat/indices', '/_cat/indices/:index'].map(
      (path): Route => ({
        method: 'GET',
        path,
        action: 'indices:monitor/stats',
        scope: 'indices',
        params: [...CAT_PARAMS, 'bytes', 'expand_wildcards', 'health', 'include_unloaded_segments', 'pri', 'time', 'ignore_unavailable', 'allow_no_indices'],
        handle: indices,
      }),
    ),
    ...['/_cat/count', '/_cat/count/:index'].map(
      (path): Route => ({
        method: 'GET',
        path,
        action: 'indices:data/read/search',
        scope: 'indices',
        params: [...CAT_PARAMS, 'ignore_unavailable', 'allow_no_indices', 'expand_wildcards'],
        handle: count,
      }),
    ),
    {
      method: 'GET',
      path: '/_cat/health',
      action: 'cluster:monitor/health',
      scope: 'cluster',
      params: [...CAT_PARAMS, 'ts', 'time'],
      handle: health,
    },
  ];
}
