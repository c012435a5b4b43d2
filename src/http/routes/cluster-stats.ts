/**
 * `GET /_cluster/stats[/nodes/{node_filter}]` (Elasticsearch's ClusterStatsAction,
 * `cluster:monitor/stats`): the cluster's indices summed over the active copies on the selected
 * nodes, and the selected nodes' figures summed over the nodes. The body is built here from what
 * the caller gathered (pure); one node gathers from itself (this file's route), many nodes from
 * every node (src/node/wire-nodes-stats.ts).
 *
 * What Strait fills, as Elasticsearch computes it: `indices.count` (indices with a copy on the
 * selected nodes), `indices.shards` (total, primaries, replication, per-index min/max/avg),
 * `indices.docs` (primaries only, as Elasticsearch adds docs of primary copies), `indices.store`
 * (every copy), `indices.segments.count` (every copy), `nodes.count` by role, `nodes.versions`,
 * `nodes.os` (processors, names, architectures, memory), `nodes.process` (CPU, file descriptors),
 * `nodes.jvm` (V8's heap and the process uptime, where Elasticsearch reports the JVM's),
 * `nodes.fs`, `nodes.plugins` (none), `nodes.discovery_types`, `nodes.packaging_types`,
 * `nodes.ingest`. Left out, having no meaning or no measure here: fielddata, query_cache,
 * completion, mappings, analysis, versions and search of `indices`, the segment memory figures,
 * the JVM's versions and threads, `os.pretty_names`, `network_types` (Strait's transport and HTTP
 * are no Netty types) and `indexing_pressure`.
 */
import os from 'node:os';
import { BUILD_FLAVOR, BUILD_TYPE, ES_API_VERSION } from '../../common/index.js';
import { clusterHealth, type IndicesService } from '../../index/index.js';
import { openShardCount } from '../../index/recovery-log.js';
import type { SearcherService } from '../../index/searcher/index.js';
import type { Route } from '../route.js';
import { healthOf } from './cluster-health.js';
import { nodeStatsEntry, nodesRequestTimeoutMs, type NodeIdentity, type NodeShardCopy } from './node-info.js';
import { selectsNode } from './tasks.js';

export const CLUSTER_STATS_ACTION = 'cluster:monitor/stats';
export const CLUSTER_STATS_PATHS: readonly string[] = ['/_cluster/stats', '/_cluster/stats/nodes/:node_filter'];
/** Elasticsearch's RestClusterStatsAction parameters (`include_remotes` is refused: Strait has no remote cluster stats). */
export const CLUSTER_STATS_PARAMS: readonly string[] = ['timeout', 'flat_settings'];

/** One active copy's figures (the node holding it measured them). */
export interface ClusterStatsCopy {
  readonly index: string;
  readonly shard: number;
  readonly primary: boolean;
  readonly docs: number;
  readonly deleted: number;
  readonly bytes: number;
  /** Segments the copy's searcher holds; absent from a node of an older Strait. */
  readonly segments?: number;
}

/** What a node's process and machine are (the parts of NodeInfo cluster stats counts). */
export interface NodePlatform {
  /** The OS name, as Java's `os.name` (`Linux`). */
  readonly name: string;
  readonly arch: string;
  readonly availableProcessors: number;
}

/** This process's platform. */
export function nodePlatform(): NodePlatform {
  return { name: os.type(), arch: process.arch, availableProcessors: os.availableParallelism() };
}

/** One selected node that answered. */
export interface ClusterStatsNode {
  readonly roles: readonly string[];
  readonly version: string;
  /** Its `GET /_nodes/stats` entry with `os`, `process`, `jvm`, `fs` and `ingest` (node-info.ts nodeStatsEntry). */
  readonly stats: Record<string, unknown>;
  readonly platform: NodePlatform;
}

export interface ClusterStatsInput {
  readonly clusterName: string;
  readonly clusterUuid: string;
  readonly timestampMs: number;
  readonly status: 'green' | 'yellow' | 'red';
  /** How many nodes were selected; those that did not answer are `failures`. */
  readonly nodesSelected: number;
  readonly failures: readonly Record<string, unknown>[];
  readonly nodes: readonly ClusterStatsNode[];
  readonly copies: readonly ClusterStatsCopy[];
  /** `discovery.type` of the nodes (every node of a cluster has the same). */
  readonly discoveryType: string;
}

function minMaxAvg(values: readonly number[]): { min: number; max: number; avg: number } {
  if (values.length === 0) return { min: 0, max: 0, avg: 0 };
  return { min: Math.min(...values), max: Math.max(...values), avg: values.reduce((total, value) => total + value, 0) / values.length };
}

/** Replicas per primary, as Elasticsearch's `(total - primaries) / primaries` (0 without primaries). */
function replication(total: number, primaries: number): number {
  return primaries === 0 ? 0 : (total - primaries) / primaries;
}

function indicesSection(copies: readonly ClusterStatsCopy[]): Record<string, unknown> {
  const perIndex = new Map<string, { total: number; primaries: number }>();
  for (const copy of copies) {
    const entry = perIndex.get(copy.index) ?? { total: 0, primaries: 0 };
    perIndex.set(copy.index, { total: entry.total + 1, primaries: entry.primaries + (copy.primary ? 1 : 0) });
  }
  const counts = [...perIndex.values()];
  const total = copies.length;
  const primaries = copies.filter((copy) => copy.primary).length;
  // Elasticsearch prints the shard figures only when some index has a copy.
  const shards =
    counts.length === 0
      ? {}
      : {
          total,
          primaries,
          replication: replication(total, primaries),
          index: {
            shards: minMaxAvg(counts.map((entry) => entry.total)),
            primaries: minMaxAvg(counts.map((entry) => entry.primaries)),
            replication: minMaxAvg(counts.map((entry) => replication(entry.total, entry.primaries))),
          },
        };
  const primaryCopies = copies.filter((copy) => copy.primary);
  const bytes = copies.reduce((sum, copy) => sum + copy.bytes, 0);
  return {
    count: perIndex.size,
    shards,
    docs: { count: primaryCopies.reduce((sum, copy) => sum + copy.docs, 0), deleted: primaryCopies.reduce((sum, copy) => sum + copy.deleted, 0) },
    store: { size_in_bytes: bytes, total_data_set_size_in_bytes: bytes },
    segments: { count: copies.reduce((sum, copy) => sum + (copy.segments ?? 0), 0) },
  };
}

const objectAt = (value: unknown, ...path: string[]): Record<string, unknown> | undefined => {
  let current: unknown = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current !== null && typeof current === 'object' ? (current as Record<string, unknown>) : undefined;
};
const numberAt = (value: unknown, ...path: string[]): number => {
  const key = path[path.length - 1]!;
  const parent = objectAt(value, ...path.slice(0, -1));
  const found = parent?.[key];
  return typeof found === 'number' && Number.isFinite(found) ? found : 0;
};

/** `[{key: value, count}]` of how many nodes have each value, in first-seen order. */
function countedBy(values: readonly string[], key: string): Record<string, unknown>[] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, count]) => ({ [key]: value, count }));
}

/** Elasticsearch's ClusterStatsNodes.Counts: `total`, `coordinating_only`, then one count per role. */
const COUNTED_ROLES = ['data', 'data_cold', 'data_content', 'data_frozen', 'data_hot', 'data_warm', 'index', 'ingest', 'master', 'ml', 'remote_cluster_client', 'search', 'transform', 'voting_only'];

function nodesSection(input: ClusterStatsInput): Record<string, unknown> {
  const nodes = input.nodes;
  const count: Record<string, number> = { total: nodes.length, coordinating_only: nodes.filter((node) => node.roles.length === 0).length };
  for (const role of COUNTED_ROLES) count[role] = nodes.filter((node) => node.roles.includes(role)).length;
  const memTotal = nodes.reduce((sum, node) => sum + numberAt(node.stats, 'os', 'mem', 'total_in_bytes'), 0);
  const memFree = nodes.reduce((sum, node) => sum + numberAt(node.stats, 'os', 'mem', 'free_in_bytes'), 0);
  const percent = (part: number, whole: number): number => (whole > 0 ? Math.round((100 * part) / whole) : 0);
  const processors = nodes.reduce((sum, node) => sum + node.platform.availableProcessors, 0);
  const descriptors = nodes.map((node) => numberAt(node.stats, 'process', 'open_file_descriptors')).filter((open) => open >= 0);
  const descriptorFigures = minMaxAvg(descriptors);
  // Per processor type, the counters of every node's pipelines (ClusterStatsNodes.IngestStats).
  const pipelines = new Set<string>();
  const processorStats = new Map<string, { count: number; failed: number; current: number; time_in_millis: number }>();
  for (const node of nodes) {
    for (const [id, pipeline] of Object.entries(objectAt(node.stats, 'ingest', 'pipelines') ?? {})) {
      pipelines.add(id);
      const processors = (pipeline as { processors?: unknown }).processors;
      for (const entry of Array.isArray(processors) ? processors : []) {
        for (const processor of Object.values(entry as Record<string, unknown>)) {
          const type = (processor as { type?: unknown }).type;
          if (typeof type !== 'string') continue;
          const figures = processorStats.get(type) ?? { count: 0, failed: 0, current: 0, time_in_millis: 0 };
          processorStats.set(type, {
            count: figures.count + numberAt(processor, 'stats', 'count'),
            failed: figures.failed + numberAt(processor, 'stats', 'failed'),
            current: figures.current + numberAt(processor, 'stats', 'current'),
            time_in_millis: figures.time_in_millis + numberAt(processor, 'stats', 'time_in_millis'),
          });
        }
      }
    }
  }
  const sortedKeys = [...processorStats.keys()].sort();
  return {
    count,
    versions: [...new Set(nodes.map((node) => node.version))],
    os: {
      available_processors: processors,
      allocated_processors: processors,
      names: countedBy(nodes.map((node) => node.platform.name), 'name'),
      architectures: countedBy(nodes.map((node) => node.platform.arch), 'arch'),
      mem: { total_in_bytes: memTotal, adjusted_total_in_bytes: memTotal, free_in_bytes: memFree, used_in_bytes: memTotal - memFree, free_percent: percent(memFree, memTotal), used_percent: percent(memTotal - memFree, memTotal) },
    },
    process: {
      cpu: { percent: nodes.reduce((sum, node) => sum + numberAt(node.stats, 'process', 'cpu', 'percent'), 0) },
      open_file_descriptors: { min: descriptorFigures.min, max: descriptorFigures.max, avg: Math.round(descriptorFigures.avg) },
    },
    jvm: {
      max_uptime_in_millis: nodes.reduce((maximum, node) => Math.max(maximum, numberAt(node.stats, 'jvm', 'uptime_in_millis')), 0),
      mem: {
        heap_used_in_bytes: nodes.reduce((sum, node) => sum + numberAt(node.stats, 'jvm', 'mem', 'heap_used_in_bytes'), 0),
        heap_max_in_bytes: nodes.reduce((sum, node) => sum + numberAt(node.stats, 'jvm', 'mem', 'heap_max_in_bytes'), 0),
      },
    },
    fs: {
      total_in_bytes: nodes.reduce((sum, node) => sum + numberAt(node.stats, 'fs', 'total', 'total_in_bytes'), 0),
      free_in_bytes: nodes.reduce((sum, node) => sum + numberAt(node.stats, 'fs', 'total', 'free_in_bytes'), 0),
      available_in_bytes: nodes.reduce((sum, node) => sum + numberAt(node.stats, 'fs', 'total', 'available_in_bytes'), 0),
    },
    plugins: [],
    discovery_types: nodes.length === 0 ? {} : { [input.discoveryType]: nodes.length },
    packaging_types: nodes.length === 0 ? [] : [{ flavor: BUILD_FLAVOR, type: BUILD_TYPE, count: nodes.length }],
    ingest: { number_of_pipelines: pipelines.size, processor_stats: Object.fromEntries(sortedKeys.map((type) => [type, processorStats.get(type)!])) },
  };
}

/** The body of `GET /_cluster/stats`. */
export function clusterStatsBody(input: ClusterStatsInput): Record<string, unknown> {
  const failed = input.failures.length;
  return {
    _nodes: { total: input.nodesSelected, successful: input.nodesSelected - failed, failed, ...(failed === 0 ? {} : { failures: input.failures }) },
    cluster_name: input.clusterName,
    cluster_uuid: input.clusterUuid,
    timestamp: input.timestampMs,
    status: input.status,
    indices: indicesSection(input.copies),
    nodes: nodesSection(input),
  };
}

/** The metrics of `GET /_nodes/stats` a node's cluster stats entry reads. */
export const CLUSTER_STATS_NODE_METRICS: readonly string[] = ['os', 'process', 'jvm', 'fs', 'ingest'];

/** Segments the searcher of one shard store of an open index holds (opening it, as `_cat/segments` does). */
export function segmentCount(searchers: SearcherService, handle: Parameters<SearcherService['snapshot']>[0], shard: number): number {
  return searchers.snapshot(handle, shard).state.segments.length;
}

/**
 * The shard copies one node holds, measured (`indices` of `GET /_nodes/stats`): every shard of an
 * open index is a started primary here (replicas cannot be allocated on one node).
 */
export function singleNodeShardCopies(indices: IndicesService, searchers: SearcherService): NodeShardCopy[] {
  const copies: NodeShardCopy[] = [];
  for (const handle of indices.all()) {
    if (openShardCount(handle) === 0) continue;
    handle.shards!.forEach((store, shard) => {
      copies.push({
        index: handle.name, shard, primary: true, state: 'STARTED', relocatingNode: null, docs: store.docCount(), deleted: searchers.docsDeleted(handle, shard), bytes: store.sizeBytes(), segments: segmentCount(searchers, handle, shard),
        maxSeqNo: store.maxSeqNo, localCheckpoint: store.localCheckpoint, globalCheckpoint: store.localCheckpoint,
      });
    });
  }
  return copies;
}

/** One node's `GET /_cluster/stats`: its own copies (every copy is a primary) and its own figures. */
export function clusterStatsRoutes(options: { readonly identity: NodeIdentity; readonly indices: IndicesService; readonly searchers: SearcherService; readonly nowMs: () => number }): readonly Route[] {
  const { identity, indices, searchers } = options;
  return CLUSTER_STATS_PATHS.map(
    (path): Route => ({
      method: 'GET',
      path,
      action: CLUSTER_STATS_ACTION,
      scope: 'cluster',
      params: CLUSTER_STATS_PARAMS,
      handle: (request) => {
        nodesRequestTimeoutMs(request, 0);
        const selected = selectsNode(request.params['node_filter'], identity);
        const copies: readonly ClusterStatsCopy[] = selected ? singleNodeShardCopies(indices, searchers) : [];
        const body = clusterStatsBody({
          clusterName: identity.clusterName,
          clusterUuid: identity.clusterUuid,
          timestampMs: options.nowMs(),
          status: clusterHealth(indices.all().map(healthOf)).status,
          nodesSelected: selected ? 1 : 0,
          failures: [],
          nodes: selected ? [{ roles: identity.roles, version: identity.version ?? ES_API_VERSION, stats: nodeStatsEntry(identity, CLUSTER_STATS_NODE_METRICS), platform: nodePlatform() }] : [],
          copies,
          discoveryType: 'single-node',
        });
        return { status: 200, body };
      },
    }),
  );
}
