import {
  BUILD_FLAVOR,
  BUILD_TYPE,
  ES_API_VERSION,
  LUCENE_VERSION_REPORTED,
  MINIMUM_INDEX_COMPATIBILITY_VERSION,
  MINIMUM_WIRE_COMPATIBILITY_VERSION,
} from '../../common/index.js';
import type { Route } from '../route.js';
import { nestFlatSettings, parseTimeMs } from '../../index/index.js';
import { errors } from '../../common/index.js';
import { transportStats } from '../../transport/index.js';
import { hostOf } from '../../common/index.js';
import type { NodeFigures } from './node-figures.js';
import { selectsNode } from './tasks.js';

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

function nodeInfo(identity: NodeIdentity, metrics: ReadonlySet<string> | undefined): Record<string, unknown> {
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
  if (wants('settings')) info['settings'] = nestSettings(identity.settings);
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

function nodesInfoBody(identity: NodeIdentity, nodeFilter: string | undefined, metrics: ReadonlySet<string> | undefined): unknown {
  const selected =
    nodeFilter === undefined ||
    nodeFilter.split(',').some((part) => ['_all', '_local', '_master', identity.nodeId, identity.nodeName, '*'].includes(part));
  const nodes: Record<string, unknown> = {};
  if (selected) nodes[identity.nodeId] = nodeInfo(identity, metrics);
  const count = selected ? 1 : 0;
  return { _nodes: { total: count, successful: count, failed: 0 }, cluster_name: identity.clusterName, nodes };
}

function parseMetrics(value: string): Set<string> {
  return new Set(value.split(',').map((metric) => metric.trim()));
}

/** `GET /_nodes/stats[/transport,ingest]`: the transport section (connection reuse is visible here) and the ingest counters. */
/** The sections `GET /_nodes/stats` reports (Elasticsearch has more: breaker, indices, thread_pool ...). */
export const NODE_STATS_METRICS: readonly string[] = ['os', 'process', 'jvm', 'fs', 'transport', 'ingest'];

/** The metrics of `/_nodes/stats/{metric}` (all when absent or `_all`); an unknown one is a 400 naming those reported. */
export function parseNodeStatsMetrics(metric: string | undefined): string[] {
  if (metric === undefined || metric === '_all') return [...NODE_STATS_METRICS];
  const metrics = metric.split(',').map((name) => name.trim());
  const unknown = metrics.filter((name) => !NODE_STATS_METRICS.includes(name));
  if (unknown.length > 0) {
    throw errors.illegalArgument(`request [/_nodes/stats/${metric}] contains unrecognized metric: [${unknown.join(', ')}]; this node reports [${NODE_STATS_METRICS.join(', ')}]`);
  }
  return metrics;
}

/** This node's entry of `GET /_nodes/stats` for `metrics` (Elasticsearch's NodeStats sections, from Node's probes). */
export function nodeStatsEntry(identity: NodeIdentity, metrics: readonly string[]): Record<string, unknown> {
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

function nodeStats(identity: NodeIdentity, filter: string | undefined, metric: string | undefined): Record<string, unknown> {
  const metrics = parseNodeStatsMetrics(metric);
  const selected = selectsNode(filter, identity);
  return {
    _nodes: { total: selected ? 1 : 0, successful: selected ? 1 : 0, failed: 0 },
    cluster_name: identity.clusterName,
    nodes: selected ? { [identity.nodeId]: nodeStatsEntry(identity, metrics) } : {},
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
export const NODES_STATS_PATHS: readonly string[] = ['/_nodes/stats', '/_nodes/stats/:metric', '/_nodes/:nodeId/stats', '/_nodes/:nodeId/stats/:metric'];
const NODES_STATS_PARAMS = ['timeout', 'level', 'types', 'completion_fields', 'fielddata_fields', 'fields', 'groups', 'include_segment_file_sizes', 'include_unloaded_segments'];

export function nodeInfoRoutes(identity: NodeIdentity): readonly Route[] {
  const nodesParams = ['timeout', 'flat_settings', 'master_timeout'] as const;
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
      handle: () => ({ status: 200, body: nodesInfoBody(identity, undefined, undefined) }),
    },
    {
      // `/_nodes/{node_id}` and `/_nodes/{metric}` share a shape: known metric names decide.
      method: 'GET',
      path: '/_nodes/:target',
      action: 'cluster:monitor/nodes/info',
      scope: 'cluster',
      params: nodesParams,
      handle: (request) => {
        const target = request.params['target']!;
        const metrics = parseMetrics(target);
        const isMetric = [...metrics].every((metric) => NODE_INFO_METRICS.has(metric));
        return {
          status: 200,
          body: isMetric ? nodesInfoBody(identity, undefined, metrics) : nodesInfoBody(identity, target, undefined),
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
        body: nodesInfoBody(identity, request.params['nodeId'], parseMetrics(request.params['metric']!)),
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
          return { status: 200, body: nodeStats(identity, request.params['nodeId'], request.params['metric']) };
        },
      }),
    ),
  ];
}
