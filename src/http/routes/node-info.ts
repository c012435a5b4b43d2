import {
  BUILD_FLAVOR,
  BUILD_TYPE,
  ES_API_VERSION,
  LUCENE_VERSION_REPORTED,
  MINIMUM_INDEX_COMPATIBILITY_VERSION,
  MINIMUM_WIRE_COMPATIBILITY_VERSION,
} from '../../common/index.js';
import type { Route } from '../route.js';
import { nestFlatSettings, parseTimeMs, renderFlatSettingValues } from '../../index/index.js';
import { errors } from '../../common/index.js';
import { transportStats } from '../../transport/index.js';
import { hostOf } from '../../common/index.js';
import type { NodeFigures } from './node-figures.js';
import { selectsNode } from './tasks.js';
import { booleanParam } from '../request.js';

/** What the info routes need to know about the node; filled in by node wiring. */
export interface NodeIdentity {
  readonly nodeId: string;
  readonly nodeName: string;
  readonly clusterName: string;
  readonly clusterUuid: string;
  readonly roles: readonly string[];
  readonly buildHash: string;
  readonly buildDate: string;
  readonly httpAddress: () => string;
  readonly transportAddress: () => string | undefined;
  readonly httpBodyBytesMax: number;
  readonly settings: Readonly<Record<string, string | readonly string[]>>;
  /** The API level this node reports (ES_API_VERSION unless the test-only `strait.test.version` says otherwise). */
  readonly version?: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly remoteClusterAddress?: () => string | undefined;
  /** The `ingest` section of `GET /_nodes/stats` (src/index/ingest). */
  readonly ingestStats?: () => Record<string, unknown>;
  /** The ingest processor types this node runs (`ingest` of `GET /_nodes`). */
  readonly ingestProcessors?: readonly string[];
  /** What this process and machine measure now (`os`, `process`, `jvm`, `fs` of `GET /_nodes/stats`). */
  readonly figures?: () => NodeFigures;
  /** `path.data` (the `fs` section names it). */
  readonly dataPath?: string;
  /** The shard copies this node holds now, measured (the `indices` section of `GET /_nodes/stats`). */
  readonly shardCopies?: () => readonly NodeShardCopy[];
}

/** The metrics `GET /_nodes/{node_id}/{metric}` knows. */
export const NODE_INFO_METRICS: ReadonlySet<string> = new Set([
  'settings', 'os', 'process', 'jvm', 'thread_pool', 'transport', 'http', 'plugins', 'ingest',
  'aggregations', 'indices', 'remote_cluster_server', '_all', '_none',
]);

function versionBody(identity: NodeIdentity): Record<string, unknown> {
  return {
    number: identity.version ?? ES_API_VERSION,
    build_flavor: BUILD_FLAVOR,
    build_type: BUILD_TYPE,
    build_hash: identity.buildHash,
    build_date: identity.buildDate,
    build_snapshot: false,
    lucene_version: LUCENE_VERSION_REPORTED,
    minimum_wire_compatibility_version: MINIMUM_WIRE_COMPATIBILITY_VERSION,
    minimum_index_compatibility_version: MINIMUM_INDEX_COMPATIBILITY_VERSION,
  };
}

/** Settings as `GET /_nodes` nests them: `{"cluster":{"name":"x"}}`. Secure settings never appear here. */
export const nestSettings = nestFlatSettings;

/** What a `GET /_nodes` request asks besides the nodes and metrics: settings printed flat (`flat_settings`). */
interface NodeInfoOptions {
  readonly flatSettings: boolean;
}

function nodeInfo(identity: NodeIdentity, metrics: ReadonlySet<string> | undefined, options: NodeInfoOptions): Record<string, unknown> {
  const wants = (metric: string): boolean => metrics === undefined || metrics.has(metric) || metrics.has('_all');
  const httpAddress = identity.httpAddress();
  const transportAddress = identity.transportAddress() ?? httpAddress;
  const info: Record<string, unknown> = {
    name: identity.nodeName,
    transport_address: transportAddress,
    host: hostOf(httpAddress),
    ip: hostOf(httpAddress),
    version: identity.version ?? ES_API_VERSION,
    build_flavor: BUILD_FLAVOR,
    build_type: BUILD_TYPE,
    build_hash: identity.buildHash,
    roles: [...identity.roles].sort(),
    attributes: { ...(identity.attributes ?? {}) },
  };
  // Settings.toXContent: nested by default, one key per setting with `flat_settings=true`.
  if (wants('settings')) info['settings'] = options.flatSettings ? renderFlatSettingValues(Object.fromEntries(Object.entries(identity.settings).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0)))) : nestSettings(identity.settings);
  if (wants('os')) info['os'] = { name: process.platform, arch: process.arch };
  if (wants('process')) info['process'] = { id: process.pid, mlockall: false };
  if (wants('http')) {
    info['http'] = {
      bound_address: [httpAddress],
      publish_address: httpAddress,
      max_content_length_in_bytes: identity.httpBodyBytesMax,
    };
  }
  if (wants('transport') && identity.transportAddress() !== undefined) {
    info['transport'] = { bound_address: [transportAddress], publish_address: transportAddress, profiles: {} };
  }
  const remoteClusterAddress = identity.remoteClusterAddress?.();
  if (wants('remote_cluster_server') && remoteClusterAddress !== undefined) {
    info['remote_cluster_server'] = { bound_address: [remoteClusterAddress], publish_address: remoteClusterAddress };
  }
  if (wants('plugins')) info['plugins'] = [];
  if (wants('ingest') && identity.ingestProcessors !== undefined) info['ingest'] = { processors: identity.ingestProcessors.map((type) => ({ type })) };
  return info;
}

function nodesInfoBody(identity: NodeIdentity, nodeFilter: string | undefined, metrics: ReadonlySet<string> | undefined, options: NodeInfoOptions): unknown {
  const selected =
    nodeFilter === undefined ||
    nodeFilter.split(',').some((part) => ['_all', '_local', '_master', identity.nodeId, identity.nodeName, '*'].includes(part));
  const nodes: Record<string, unknown> = {};
  if (selected) nodes[identity.nodeId] = nodeInfo(identity, metrics, options);
  const count = selected ? 1 : 0;
  return { _nodes: { total: count, successful: count, failed: 0 }, cluster_name: identity.clusterName, nodes };
}

function parseMetrics(value: string): Set<string> {
  return new Set(value.split(',').map((metric) => metric.trim()));
}

/** The sections `GET /_nodes/stats` reports (Elasticsearch has more: breaker, thread_pool, http ...). */
export const NODE_STATS_METRICS: readonly string[] = ['indices', 'os', 'process', 'jvm', 'fs', 'transport', 'ingest'];

/** The metrics `/_nodes/stats/{metric}` names: Elasticsearch's (NodesStatsRequest.Metric and `indices`); Strait reports NODE_STATS_METRICS of them. */
const NODE_STATS_KNOWN_METRICS: ReadonlySet<string> = new Set([
  ...NODE_STATS_METRICS, 'thread_pool', 'http', 'breaker', 'script', 'discovery', 'adaptive_selection', 'script_cache', 'indexing_pressure', 'repositories', 'allocations',
]);

/** The index metrics (CommonStatsFlags.Flag rest names) of `/_nodes/stats/indices/{index_metric}`. */
const INDEX_METRICS_KNOWN: ReadonlySet<string> = new Set([
  'store', 'indexing', 'get', 'search', 'merge', 'flush', 'refresh', 'query_cache', 'fielddata', 'docs', 'warmer', 'completion', 'segments',
  'translog', 'request_cache', 'recovery', 'bulk', 'shard_stats', 'mappings', 'dense_vector', 'sparse_vector',
]);

/**
 * The index metrics Strait measures per shard copy: `docs` (live and deleted documents), `store`
 * (the copy's bytes on disk), `segments` (how many its searcher holds) and `shard_stats` (how many
 * copies). Elasticsearch's others (indexing, search, get, merges, refresh, flush, caches...) are
 * counters Strait does not keep: naming one is a 400, rather than zeros that would be wrong.
 */
export const NODE_INDEX_METRICS = ['docs', 'store', 'segments', 'shard_stats'] as const;
export type NodeIndexMetric = (typeof NODE_INDEX_METRICS)[number];

/** NodeStatsLevel: `node` (the sums), `indices` (per index too) or `shards` (per copy too). */
export type NodeStatsLevel = 'node' | 'indices' | 'shards';

/** What the `indices` section of a node's stats shows: which index metrics, at which level. */
export interface NodeIndicesRequest {
  readonly metrics: readonly NodeIndexMetric[];
  readonly level: NodeStatsLevel;
}

/** A `GET /_nodes/stats` request once parsed: the sections, and the shape of `indices` (when asked). */
export interface NodeStatsRequest {
  readonly metrics: readonly string[];
  readonly indices: NodeIndicesRequest;
}

/**
 * One shard copy this node holds, with what Strait measures of it (the `indices` section of
 * `GET /_nodes/stats`, per node: the copies on that node).
 */
export interface NodeShardCopy {
  readonly index: string;
  readonly shard: number;
  readonly primary: boolean;
  /** Its routing: `STARTED`, or `RELOCATING` to `relocatingNode` (a relocation's source serves until the target started). */
  readonly state: 'STARTED' | 'RELOCATING';
  readonly relocatingNode: string | null;
  readonly docs: number;
  readonly deleted: number;
  readonly bytes: number;
  readonly segments: number;
  readonly maxSeqNo: number;
  readonly localCheckpoint: number;
  readonly globalCheckpoint: number;
}

/** The metrics of `/_nodes/stats/{metric}` (all when absent or `_all`); an unknown one is a 400 naming those reported. */
export function parseNodeStatsMetrics(metric: string | undefined): string[] {
  if (metric === undefined || metric === '_all') return [...NODE_STATS_METRICS];
  const metrics = metric.split(',').map((name) => name.trim());
  if (metrics.includes('_all')) throw errors.illegalArgument(`request [/_nodes/stats/${metric}] contains _all and individual metrics [${metric}]`);
  const unknown = metrics.filter((name) => !NODE_STATS_KNOWN_METRICS.has(name));
  if (unknown.length > 0) {
    throw errors.illegalArgument(`request [/_nodes/stats/${metric}] contains unrecognized metric: [${unknown.join(', ')}]; this node reports [${NODE_STATS_METRICS.join(', ')}]`);
  }
  const unreported = metrics.filter((name) => !NODE_STATS_METRICS.includes(name));
  if (unreported.length > 0) {
    throw errors.illegalArgument(`nodes stats metric [${unreported.join(', ')}] is not reported by Strait; it reports [${NODE_STATS_METRICS.join(', ')}]`);
  }
  return metrics;
}

/** The index metrics of `/_nodes/stats/indices/{index_metric}` (those Strait measures when absent or `_all`). */
export function parseNodeIndexMetrics(value: string | undefined, path: string): NodeIndexMetric[] {
  if (value === undefined || value === '_all') return [...NODE_INDEX_METRICS];
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !INDEX_METRICS_KNOWN.has(name));
  if (unknown.length > 0) throw errors.illegalArgument(`request [${path}] contains unrecognized index metric: [${unknown.join(', ')}]`);
  const unkept = names.filter((name) => !(NODE_INDEX_METRICS as readonly string[]).includes(name));
  if (unkept.length > 0) throw errors.illegalArgument(`index metric [${unkept.join(', ')}] is not kept by Strait; the nodes stats indices metric reports [${NODE_INDEX_METRICS.join(', ')}]`);
  return names as NodeIndexMetric[];
}

/** NodeStatsLevel.of: any case; anything else is a 400 in Elasticsearch's words. */
export function parseNodeStatsLevel(value: string | undefined): NodeStatsLevel {
  if (value === undefined) return 'node';
  const level = value.toLowerCase();
  if (level === 'node' || level === 'indices' || level === 'shards') return level;
  throw errors.illegalArgument(`level parameter must be one of [node] or [indices] or [shards] but was [${value}]`);
}

/**
 * The parameters that shape sections of the `indices` metric Strait does not produce: `fields`,
 * `fielddata_fields` and `completion_fields` (the fielddata and completion sections), `groups`
 * (search groups) and `types` (indexing per type). Elasticsearch reads each only when its section
 * is asked; Strait has none of those sections, so naming one is a 400 rather than a silent no-op.
 */
const UNPRODUCED_SECTION_PARAMS: readonly (readonly [string, string])[] = [
  ['fields', 'fielddata and completion'],
  ['fielddata_fields', 'fielddata'],
  ['completion_fields', 'completion'],
  ['groups', 'search'],
  ['types', 'indexing'],
];

/**
 * A `GET /_nodes/stats[/{metric}[/{index_metric}]]` request (RestNodesStatsAction): the metrics,
 * the index metrics and `level` of the `indices` section, and the refusal of what Strait cannot
 * honour; 400s in Elasticsearch's words otherwise.
 */
export function parseNodeStatsRequest(request: { readonly params: Readonly<Record<string, string | undefined>>; readonly query: Readonly<Record<string, string | undefined>> }): NodeStatsRequest {
  const metric = request.params['metric'];
  const indexMetric = request.params['index_metric'];
  const nodeId = request.params['nodeId'];
  const path = `/_nodes${nodeId === undefined ? '' : `/${nodeId}`}/stats${metric === undefined ? '' : `/${metric}`}${indexMetric === undefined ? '' : `/${indexMetric}`}`;
  // Checked first, whatever else the request names, as RestNodesStatsAction does.
  const level = parseNodeStatsLevel(request.query['level']);
  const metrics = parseNodeStatsMetrics(metric);
  if (indexMetric !== undefined) {
    if (metric === undefined || metric === '_all') throw errors.illegalArgument(`request [${path}] contains index metrics [${indexMetric}] but all stats requested`);
    if (!metrics.includes('indices')) throw errors.illegalArgument(`request [${path}] contains index metrics [${indexMetric}] but indices stats not requested`);
  }
  const indexMetrics = parseNodeIndexMetrics(indexMetric, path);
  for (const [name, section] of UNPRODUCED_SECTION_PARAMS) {
    if (request.query[name] !== undefined) throw errors.illegalArgument(`request [${path}] contains parameter [${name}], which shapes the ${section} stats of the indices metric; Strait does not keep them (it reports [${NODE_INDEX_METRICS.join(', ')}])`);
  }
  // `include_segment_file_sizes` adds each segment file's size under `segments`: Strait's segments
  // are not Lucene files, there is no per-extension size to give.
  if (booleanParam(request.query['include_segment_file_sizes'])) {
    throw errors.illegalArgument(`request [${path}] contains [include_segment_file_sizes=true]; Strait's segments have no per-file sizes to report`);
  }
  // `include_unloaded_segments` adds segments that are not loaded in memory (frozen indices in
  // Elasticsearch): Strait never unloads a segment, so the counts already include every one.
  booleanParam(request.query['include_unloaded_segments']);
  return { metrics, indices: { metrics: indexMetrics, level } };
}

/** The `indices` section's figures over `copies` (CommonStats.toXContent, for the metrics Strait measures). */
function copiesStats(metrics: readonly NodeIndexMetric[], copies: readonly NodeShardCopy[]): Record<string, unknown> {
  const total = (pick: (copy: NodeShardCopy) => number): number => copies.reduce((sum, copy) => sum + pick(copy), 0);
  const body: Record<string, unknown> = {};
  if (metrics.includes('docs')) body['docs'] = { count: total((copy) => copy.docs), deleted: total((copy) => copy.deleted) };
  if (metrics.includes('shard_stats')) body['shard_stats'] = { total_count: copies.length };
  if (metrics.includes('store')) {
    const bytes = total((copy) => copy.bytes);
    body['store'] = { size_in_bytes: bytes, total_data_set_size_in_bytes: bytes, reserved_in_bytes: 0 };
  }
  if (metrics.includes('segments')) body['segments'] = { count: total((copy) => copy.segments) };
  return body;
}

/**
 * The `indices` section of one node's stats (NodeIndicesStats.toXContent): the sums over the copies
 * it holds; with `level=indices` per index under `indices`, with `level=shards` per copy under
 * `shards` (`{index: [{shard: {routing, ...stats, seq_no}}]}`).
 */
export function nodeIndicesSection(nodeId: string, request: NodeIndicesRequest, copies: readonly NodeShardCopy[]): Record<string, unknown> {
  const section = copiesStats(request.metrics, copies);
  const byIndex = new Map<string, NodeShardCopy[]>();
  for (const copy of [...copies].sort((left, right) => left.index.localeCompare(right.index) || left.shard - right.shard)) {
    const list = byIndex.get(copy.index);
    if (list === undefined) byIndex.set(copy.index, [copy]);
    else list.push(copy);
  }
  if (request.level === 'indices') {
    section['indices'] = Object.fromEntries([...byIndex].map(([index, own]) => [index, copiesStats(request.metrics, own)]));
  }
  if (request.level === 'shards') {
    section['shards'] = Object.fromEntries(
      [...byIndex].map(([index, own]) => [
        index,
        own.map((copy) => ({
          [String(copy.shard)]: {
            routing: { state: copy.state, primary: copy.primary, node: nodeId, relocating_node: copy.relocatingNode },
            ...copiesStats(request.metrics, [copy]),
            seq_no: { max_seq_no: copy.maxSeqNo, local_checkpoint: copy.localCheckpoint, global_checkpoint: copy.globalCheckpoint },
          },
        })),
      ]),
    );
  }
  return section;
}

const DEFAULT_INDICES_REQUEST: NodeIndicesRequest = { metrics: NODE_INDEX_METRICS, level: 'node' };

/** This node's entry of `GET /_nodes/stats` for `metrics` (Elasticsearch's NodeStats sections, from Node's probes). */
export function nodeStatsEntry(identity: NodeIdentity, metrics: readonly string[], indices: NodeIndicesRequest = DEFAULT_INDICES_REQUEST): Record<string, unknown> {
  const timestamp = Date.now();
  const node: Record<string, unknown> = {
    timestamp,
    name: identity.nodeName,
    transport_address: identity.transportAddress() ?? identity.httpAddress(),
    host: hostOf(identity.httpAddress()),
    ip: hostOf(identity.httpAddress()),
    roles: [...identity.roles].sort(),
    attributes: { ...(identity.attributes ?? {}) },
  };
  if (metrics.includes('indices') && identity.shardCopies !== undefined) node['indices'] = nodeIndicesSection(identity.nodeId, indices, identity.shardCopies());
  const figures = identity.figures?.();
  if (figures !== undefined) {
    const percent = (part: number, whole: number): number => (whole > 0 ? Math.round((100 * part) / whole) : 0);
    if (metrics.includes('os')) {
      const free = figures.ramTotalBytes - figures.ramUsedBytes;
      node['os'] = {
        timestamp,
        cpu: { percent: figures.cpuPercent, ...(figures.loadAverage === null ? {} : { load_average: { '1m': figures.loadAverage[0], '5m': figures.loadAverage[1], '15m': figures.loadAverage[2] } }) },
        mem: { total_in_bytes: figures.ramTotalBytes, adjusted_total_in_bytes: figures.ramTotalBytes, free_in_bytes: free, used_in_bytes: figures.ramUsedBytes, free_percent: percent(free, figures.ramTotalBytes), used_percent: percent(figures.ramUsedBytes, figures.ramTotalBytes) },
      };
    }
    if (metrics.includes('process')) {
      node['process'] = {
        timestamp,
        open_file_descriptors: figures.openFileDescriptors,
        max_file_descriptors: figures.maxFileDescriptors,
        cpu: { percent: figures.processCpuPercent, total_in_millis: figures.processCpuTotalMs },
        mem: { resident_in_bytes: figures.residentBytes },
      };
    }
    if (metrics.includes('jvm')) {
      // Node's V8 heap stands where Elasticsearch reports the JVM's.
      node['jvm'] = {
        timestamp,
        uptime_in_millis: figures.uptimeMs,
        mem: {
          heap_used_in_bytes: figures.heapUsedBytes,
          heap_used_percent: percent(figures.heapUsedBytes, figures.heapMaxBytes),
          heap_committed_in_bytes: figures.heapCommittedBytes,
          heap_max_in_bytes: figures.heapMaxBytes,
          non_heap_used_in_bytes: figures.nonHeapBytes,
          non_heap_committed_in_bytes: figures.nonHeapBytes,
        },
      };
    }
    if (metrics.includes('fs') && figures.disk !== null) {
      const disk = { total_in_bytes: figures.disk.totalBytes, free_in_bytes: figures.disk.freeBytes, available_in_bytes: figures.disk.availableBytes };
      node['fs'] = { timestamp, total: disk, data: [{ ...(identity.dataPath === undefined ? {} : { path: identity.dataPath }), ...disk }] };
    }
  }
  if (metrics.includes('transport')) {
    node['transport'] = {
      server_open: transportStats.inboundConnections,
      total_outbound_connections: transportStats.outboundConnections,
      tls_handshakes_outbound: transportStats.outboundTlsHandshakes,
      rx_count: transportStats.requestsReceived,
      tx_count: transportStats.requestsSent,
    };
  }
  if (metrics.includes('ingest') && identity.ingestStats !== undefined) node['ingest'] = identity.ingestStats();
  return node;
}

function nodeStats(identity: NodeIdentity, filter: string | undefined, request: NodeStatsRequest): Record<string, unknown> {
  const selected = selectsNode(filter, identity);
  return {
    _nodes: { total: selected ? 1 : 0, successful: selected ? 1 : 0, failed: 0 },
    cluster_name: identity.clusterName,
    nodes: selected ? { [identity.nodeId]: nodeStatsEntry(identity, request.metrics, request.indices) } : {},
  };
}

/**
 * A nodes request's `timeout` (BaseNodesRequest): how long each node may take to answer, in ms;
 * `fallback` when absent; a 400 for a malformed one. One node answers at once, but checks it.
 */
export function nodesRequestTimeoutMs(request: { readonly query: Readonly<Record<string, string | undefined>> }, fallback: number): number {
  const value = request.query['timeout'];
  if (value === undefined) return fallback;
  if (value.trim() === '-1') return 0x7fffffff; // no timeout (as long as a timer can wait)
  const ms = parseTimeMs(value);
  if (ms < 0) throw errors.illegalArgument(`failed to parse setting [timeout] with value [${value}] as a time value: unit is missing or unrecognized`);
  return ms;
}

export const NODES_STATS_ACTION = 'cluster:monitor/nodes/stats';
export const NODES_STATS_PATHS: readonly string[] = [
  '/_nodes/stats', '/_nodes/stats/:metric', '/_nodes/:nodeId/stats', '/_nodes/:nodeId/stats/:metric', '/_nodes/stats/:metric/:index_metric', '/_nodes/:nodeId/stats/:metric/:index_metric',
];
const NODES_STATS_PARAMS = ['timeout', 'level', 'types', 'completion_fields', 'fielddata_fields', 'fields', 'groups', 'include_segment_file_sizes', 'include_unloaded_segments'];

export function nodeInfoRoutes(identity: NodeIdentity): readonly Route[] {
  // `master_timeout` is not among them: Elasticsearch's RestNodesInfoAction reads `timeout` and the
  // settings format params only (nodes info never goes through the master), so it answers
  // `master_timeout` with "contains unrecognized parameter"; the official client's nodes.info
  // sends `flat_settings` and `timeout` only.
  const nodesParams = ['timeout', 'flat_settings'] as const;
  /** A nodes info request's options; `timeout` is checked (one node answers at once, nothing to wait for). */
  const infoOptions = (request: { readonly query: Readonly<Record<string, string | undefined>> }): NodeInfoOptions => {
    nodesRequestTimeoutMs(request, 0);
    return { flatSettings: booleanParam(request.query['flat_settings']) };
  };
  return [
    {
      method: 'GET',
      path: '/',
      action: 'cluster:monitor/main',
      scope: 'cluster',
      handle: () => ({
        status: 200,
        body: {
          name: identity.nodeName,
          cluster_name: identity.clusterName,
          cluster_uuid: identity.clusterUuid,
          version: versionBody(identity),
          tagline: 'You Know, for Search',
        },
      }),
    },
    { method: 'HEAD', path: '/', action: 'cluster:monitor/main', scope: 'cluster', handle: () => ({ status: 200 }) },
    {
      method: 'GET',
      path: '/_nodes',
      action: 'cluster:monitor/nodes/info',
      scope: 'cluster',
      params: nodesParams,
      handle: (request) => ({ status: 200, body: nodesInfoBody(identity, undefined, undefined, infoOptions(request)) }),
    },
    {
      // `/_nodes/{node_id}` and `/_nodes/{metric}` share a shape: known metric names decide.
      method: 'GET',
      path: '/_nodes/:target',
      action: 'cluster:monitor/nodes/info',
      scope: 'cluster',
      params: nodesParams,
      handle: (request) => {
        const options = infoOptions(request);
        const target = request.params['target']!;
        const metrics = parseMetrics(target);
        const isMetric = [...metrics].every((metric) => NODE_INFO_METRICS.has(metric));
        return {
          status: 200,
          body: isMetric ? nodesInfoBody(identity, undefined, metrics, options) : nodesInfoBody(identity, target, undefined, options),
        };
      },
    },
    {
      method: 'GET',
      path: '/_nodes/:nodeId/:metric',
      action: 'cluster:monitor/nodes/info',
      scope: 'cluster',
      params: nodesParams,
      handle: (request) => ({
        status: 200,
        body: nodesInfoBody(identity, request.params['nodeId'], parseMetrics(request.params['metric']!), infoOptions(request)),
      }),
    },
    ...NODES_STATS_PATHS.map(
      (path): Route => ({
        method: 'GET',
        path,
        action: NODES_STATS_ACTION,
        scope: 'cluster',
        params: NODES_STATS_PARAMS,
        handle: (request) => {
          nodesRequestTimeoutMs(request, 0);
          return { status: 200, body: nodeStats(identity, request.params['nodeId'], parseNodeStatsRequest(request)) };
        },
      }),
    ),
  ];
}
