import type { Logger } from 'pino';
import type { SqlDatabase } from '../common/index.js';
import type { NodeConfig } from '../config/types.js';
import type { Route } from '../http/route.js';
import { catRoutes, countThroughSearch } from '../http/routes/cat.js';
import { clusterHealthRoutes, type ClusterHealthOptions } from '../http/routes/cluster-health.js';
import { documentRoutes } from '../http/routes/documents.js';
import { indicesRoutes } from '../http/routes/indices.js';
import { searchRoutes } from '../http/routes/search.js';
import { asyncSearchRoutes } from '../http/routes/async-search.js';
import { pitRoutes } from '../http/routes/pit.js';
import { explainRoutes } from '../http/routes/explain.js';
import { ingestRoutes } from '../http/routes/ingest.js';
import { IngestService, SqlPipelineStore } from '../index/ingest/index.js';
import { scriptRoutes } from '../http/routes/scripts.js';
import { reindexRoutes } from '../http/routes/reindex.js';
import { wireReindex } from './wire-reindex.js';
import { templateRoutes } from '../http/routes/templates.js';
import { dataStreamRoutes } from '../http/routes/data-streams.js';
import { clusterStateRoutes } from '../http/routes/cluster-state.js';
import { indexStatsRoutes } from '../http/routes/index-stats.js';
import { forceMergeRoutes } from '../http/routes/force-merge.js';
import type { NodeIdentity } from '../http/routes/node-info.js';
import { ClusterStateVersions } from '../index/cluster-state.js';
import { TemplateService } from '../index/template-service.js';
import { DataStreamService } from '../index/data-stream-service.js';
import { ExplainService } from '../search/explain.js';
import { AsyncSearchStore } from '../search/async-search.js';
import { SqlAsyncSearchResults } from '../search/async-search-results.js';
import { randomBytes } from 'node:crypto';
import { openIndicesService, type IndicesService } from '../index/index.js';
import { WalCheckpointer } from '../index/store/wal-checkpointer.js';
import { SearcherService } from '../index/searcher/index.js';
import { SearchPool, searchPoolSize } from '../index/searcher/search-pool.js';
import { SearchService, type RemoteClusters } from '../search/index.js';
import { parseTimeValueMs } from '../search/time-value.js';
import type { FlatSettings } from '../cluster/settings.js';
import { catMoreRoutes, type CatNodeIdentity } from '../http/routes/cat-more.js';
import type { NodeFigures } from '../http/routes/node-figures.js';
import { RecoveryLog } from '../index/recovery-log.js';

/** The node id node.ts keeps in node.db (`node_meta`), for `_node` in search answers; the node name before it exists. */
function readNodeId(nodeDb: SqlDatabase, fallback: string): string {
  try {
    const row = nodeDb.prepare("SELECT value FROM node_meta WHERE key = 'node_id'").get() as { value: string } | undefined;
    return row?.value ?? fallback;
  } catch {
    return fallback;
  }
}

export function wireIndices(options: { config: NodeConfig; nodeDb: SqlDatabase; log: Logger; nowMs: () => number }): {
  routes(identity: ClusterHealthOptions & { readonly node: NodeIdentity }, remotes?: RemoteClusters): Route[];
  /** The search coordinator (cross-cluster search calls `search.searchLocal`). */
  readonly search: SearchService;
  /** This node's async searches (a multi-node cluster submits them across nodes, wire-async-search.ts). */
  readonly asyncSearches: AsyncSearchStore;
  /** `_explain` (a multi-node cluster runs it on a node holding the document's shard, wire-search.ts). */
  readonly explainer: ExplainService;
  /** The shards' searchable segments (a multi-node cluster's stats and force merge read and merge each node's copies, wire-stats.ts). */
  readonly searchers: SearcherService;
  /** The indices service (cross-cluster replication writes followers and reads leaders through it). */
  readonly indices: IndicesService;
  /** Data streams (cross-cluster replication puts follower backing indices into replicated streams). */
  readonly dataStreams: DataStreamService;
  /** Ingest pipelines (`_nodes/stats/ingest` reads their counters). */
  readonly ingest: IngestService;
  /** Index templates (shared with the other nodes in multi-node mode, wire-metadata-sharing.ts). */
  readonly templates: TemplateService;
  /** Makes the dynamic cluster settings of the index and search layers take effect (start and every change). */
  applyClusterSettings(effective: FlatSettings): void;
  /** The node and segment `_cat` APIs; they need the node's identity, known once it listens. */
  /** `figures`: the node's probe, shared with `GET /_nodes/stats` (one CPU sample history). */
  nodeCatRoutes(node: CatNodeIdentity, figures: () => NodeFigures): readonly Route[];
  close(): void;
} {
  const log = options.log.child({ layer: 'index' });
  const storesOpeningMs = options.nowMs();
  // The shard stores' write-ahead log checkpoints run on their own thread, out of the commits.
  const walCheckpointer = new WalCheckpointer(log.child({ component: 'wal-checkpointer' }));
  const service = openIndicesService({
    nodeDb: options.nodeDb,
    pathData: options.config.pathData,
    log,
    nowMs: options.nowMs,
    walCheckpointer,
    // On many nodes a node keeps files only of the shards it holds a copy of (wire-data-plane.ts).
    missingShardFilesStayAbsent: options.config.coordination !== undefined,
  });
  // Each shard store's recovery, for one node's _cat/recovery: those on disk opened just now. On
  // many nodes every copy's recovery is the replication layer's (wire-stats.ts), so none is kept here.
  const recoveries = options.config.coordination === undefined ? new RecoveryLog(service, storesOpeningMs, options.nowMs) : undefined;
  // Templates and data streams hook into index creation before any request can create an index.
  const templates = TemplateService.open(options.nodeDb, log.child({ component: 'templates' }));
  const dataStreams = DataStreamService.open({ nodeDb: options.nodeDb, indices: service, templates, log: log.child({ component: 'data-streams' }) });
  // Shards' query phases run on `thread_pool.search.size` worker threads (default: one per core;
  // 0: on the main thread), which read the segments in shared memory.
  const poolSize = searchPoolSize(options.config.flat['thread_pool.search.size']);
  const poolLog = log.child({ component: 'search-pool' });
  const pool = poolSize === 0 ? undefined : new SearchPool(poolSize, (number, reason) => poolLog.error({ worker: number, reason }, 'a search worker stopped; starting another'));
  // The searchers subscribe to the indices service's refresh hooks before any write can happen.
  const searchers = new SearcherService(service, log.child({ component: 'searcher' }), pool !== undefined);
  const search = new SearchService({
    pool,
    indices: service,
    searchers,
    nowMs: options.nowMs,
    nodeId: readNodeId(options.nodeDb, options.config.nodeName),
  });
  const testShardDelay = options.config.flat['strait.test.search.shard_delay'];
  if (typeof testShardDelay === 'string') {
    search.setTestShardDelay(parseTimeValueMs(testShardDelay, 'strait.test.search.shard_delay'));
    log.warn({ delay: testShardDelay }, 'strait.test.search.shard_delay is set: searches wait before each shard (test-only setting)');
  }
  // Running async searches live in memory, kept results in node.db until their keep-alive passes;
  // expired ones are dropped on use, at start and every 30s.
  const asyncSearches = new AsyncSearchStore(SqlAsyncSearchResults.open(options.nodeDb), options.nowMs, () => randomBytes(15).toString('base64url'));
  const asyncSweep = setInterval(() => asyncSearches.sweep(options.nowMs()), 30_000);
  asyncSweep.unref();
  const clusterStateVersions = new ClusterStateVersions(options.nodeDb, () => randomBytes(16).toString('base64url').slice(0, 22));
  // Stored pipelines live in node.db; the elapsed-time clock only feeds the ingest counters.
  const ingest = new IngestService(SqlPipelineStore.open(options.nodeDb), service, options.nowMs, () => performance.now(), (name) => templates.resolve(name, false)?.content.settings);
  const explainer = new ExplainService({ indices: service, searchers, nowMs: options.nowMs });
  const bulkByScroll = wireReindex({ config: options.config, nodeDb: options.nodeDb, search, indices: service, ingest, log, nowMs: options.nowMs });
  return {
    routes: (identity, remotes) => [
      ...indicesRoutes(service),
      ...templateRoutes(templates),
      ...dataStreamRoutes(dataStreams),
      ...documentRoutes(service, ingest),
      ...ingestRoutes(ingest),
      ...searchRoutes(search, remotes),
      ...reindexRoutes(bulkByScroll),
      ...asyncSearchRoutes(search, asyncSearches, remotes),
      ...pitRoutes(search, remotes),
      ...explainRoutes(explainer),
      ...scriptRoutes(service.storedScripts, service),
      ...catRoutes(service, { clusterName: identity.clusterName, countDocuments: countThroughSearch(search), docsDeleted: (handle, shard) => searchers.docsDeleted(handle, shard) }),
      ...clusterHealthRoutes(service, identity),
      ...clusterStateRoutes(service, identity.node, clusterStateVersions),
      ...indexStatsRoutes(service, () => identity.node.nodeId, (handle, shard) => searchers.docsDeleted(handle, shard)),
      ...forceMergeRoutes(service, searchers),
    ],
    search,
    asyncSearches,
    explainer,
    searchers,
    indices: service,
    dataStreams,
    ingest,
    templates,
    applyClusterSettings: (effective) => {
      service.applyClusterSettings(effective);
      const timeout = effective['search.default_search_timeout'];
      search.setDefaultSearchTimeout(timeout === undefined ? undefined : parseTimeValueMs(String(timeout), 'search.default_search_timeout'));
    },
    nodeCatRoutes: (node, figures) => catMoreRoutes({ indices: service, searchers, node, figures, recoveries, searchPool: pool === undefined ? undefined : () => pool.stats() }),
    close: () => {
      clearInterval(asyncSweep);
      asyncSearches.close();
      bulkByScroll.close();
      search.close();
      void pool?.close();
      searchers.close();
      service.close();
      void walCheckpointer.stop();
    },
  };
}
