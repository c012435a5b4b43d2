/**
 * `GET /_nodes/stats` and `_cat/nodes` across the nodes of a multi-node cluster (issue #14: "the
 * stats APIs reflect the whole cluster"). As Elasticsearch's TransportNodesStatsAction does, the
 * coordinating node selects the nodes the filter names (selectTaskNodes) in the cluster state it applied, asks each for its own
 * figures (`cluster:monitor/nodes/stats[n]`, served to nodes of this cluster only), and lists a node
 * that does not answer under `_nodes.failures`. `_cat/nodes` fills every node's row from the same
 * answers (heap, memory, CPU, load, file descriptors, disk), where it had only the cluster state's
 * columns for the other nodes. Loaded only in multi-node mode (node.ts).
 */
import { healthStatusOf } from '../cluster/master.js';
import { allShardRoutings, isDataNode, type ClusterState } from '../cluster/state.js';
import { EsError, ES_API_VERSION, errors, hostOf } from '../common/index.js';
import type { IndicesService } from '../index/index.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../http/route.js';
import { allocationColumns, authorizeCatNodes, nodeattrsColumns, catNodeRow, nodesColumns, roleAbbreviations, unassignedAllocationRow } from '../http/routes/cat-more.js';
import { bytesCell, renderCat, type CatRow } from '../http/routes/cat-table.js';
import { CLUSTER_STATS_ACTION, CLUSTER_STATS_NODE_METRICS, CLUSTER_STATS_PATHS, clusterStatsBody, nodePlatform, type ClusterStatsNode, type NodePlatform } from '../http/routes/cluster-stats.js';
import type { StatsWiring } from './wire-stats.js';
import type { NodeFigures } from '../http/routes/node-figures.js';
import { NODES_STATS_ACTION, NODES_STATS_PATHS, nodeStatsEntry, nodesRequestTimeoutMs, parseNodeIndexMetrics, parseNodeStatsLevel, parseNodeStatsMetrics, parseNodeStatsRequest, type NodeIdentity, type NodeIndicesRequest } from '../http/routes/node-info.js';
import { booleanParam } from '../http/request.js';
import type { TransportHandler } from '../transport/index.js';
import { askEachNode } from './ask-nodes.js';
import type { MultiNodeWiringOptions } from './multi-node-wiring.js';
import { selectTaskNodes } from './wire-tasks-multi-node.js';

export const NODES_STATS_NODE_ACTION = `${NODES_STATS_ACTION}[n]`;

/** How long the coordinating node waits for each node's figures. */
const nodeRequestTimeoutMs = 10_000;

export interface NodesStatsWiring {
  applyTo(routes: readonly Route[]): Route[];
}

interface NodeAnswer {
  readonly stats: Record<string, unknown>;
  readonly figures: NodeFigures | null;
  /** Absent from a node of an older Strait. */
  readonly platform?: NodePlatform;
}

export interface NodesStatsWiringOptions extends MultiNodeWiringOptions {
  readonly identity: () => NodeIdentity;
  readonly indices: IndicesService;
  /** Every started copy of the indices and its figures, from the node holding it (wire-stats.ts). */
  readonly gatherCopies: StatsWiring['gatherCopies'];
  readonly nowMs: () => number;
}

export function wireNodesStats(options: NodesStatsWiringOptions): NodesStatsWiring {
  const { nodeId, dataPlane } = options;
  const { coordinator } = options.coordination;

  const local = (body: unknown): NodeAnswer => {
    const metrics = (body as { metrics?: unknown } | null)?.metrics;
    if (!Array.isArray(metrics) || !metrics.every((metric) => typeof metric === 'string')) throw errors.illegalArgument(`a [${NODES_STATS_NODE_ACTION}] request names its [metrics]`);
    const identity = options.identity();
    const parsed = metrics.length === 0 ? [] : parseNodeStatsMetrics(metrics.join(','));
    return { stats: nodeStatsEntry(identity, parsed, parseIndicesRequest((body as { indices?: unknown }).indices)), figures: identity.figures?.() ?? null, platform: nodePlatform() };
  };
  options.addTransportHandlers(new Map<string, TransportHandler>([[NODES_STATS_NODE_ACTION, dataPlane.replication.internalHandler(local)]]));

  const ask = (state: ClusterState, nodes: readonly string[], metrics: readonly string[], timeoutMs = nodeRequestTimeoutMs, indices?: NodeIndicesRequest): Promise<Map<string, NodeAnswer | EsError>> =>
    askEachNode({ nodeId, channel: dataPlane.channel, log: options.log }, nodes, NODES_STATS_NODE_ACTION, { metrics, ...(indices === undefined ? {} : { indices }) }, timeoutMs, local, (answer, node) => {
      if (answer === null || typeof answer !== 'object' || typeof answer.stats !== 'object' || answer.stats === null) throw errors.illegalArgument(`node [${node}] (${state.nodes[node]?.name ?? '?'}) answered without its [stats]`);
      return answer;
    });

  const nodesStats = async (request: RestRequest): Promise<RestResponse> => {
    const parsed = parseNodeStatsRequest(request);
    const state = coordinator.state();
    // Each node measures the copies it holds (its `indices` section), at the level asked.
    const answers = await ask(state, selectTaskNodes(request.params['nodeId'], state, nodeId), parsed.metrics, nodesRequestTimeoutMs(request, nodeRequestTimeoutMs), parsed.indices);
    const nodes: Record<string, unknown> = {};
    const failures: Record<string, unknown>[] = [];
    for (const [node, answer] of answers) {
      if (answer instanceof EsError) failures.push(failureOf(node, answer));
      else nodes[node] = answer.stats;
    }
    return {
      status: 200,
      body: {
        _nodes: { total: answers.size, successful: answers.size - failures.length, failed: failures.length, ...(failures.length === 0 ? {} : { failures }) },
        cluster_name: state.cluster_name,
        nodes,
      },
    };
  };

  /** Every node's row; a node that did not answer keeps the cluster state's columns, its figures empty. */
  const catNodes = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    authorizeCatNodes(request, context);
    const state = coordinator.state();
    const answers = await ask(state, Object.keys(state.nodes), []);
    const fullId = booleanParam(request.query['full_id']);
    const rows = Object.entries(state.nodes).map(([id, node]) => {
      const answer = answers.get(id);
      const identity = { nodeId: id, nodeName: node.name, roles: node.roles, buildHash: options.identity().buildHash, version: node.version, httpAddress: () => node.http_address ?? '', transportAddress: () => node.transport_address };
      const figures = answer === undefined || answer instanceof EsError ? null : answer.figures;
      if (figures !== null) return catNodeRow(identity, figures, fullId, id === state.master_node);
      // No figures: the identity columns only, as Elasticsearch leaves a node's missing stats empty.
      const row: Record<string, unknown> = { ...catNodeRow(identity, emptyFigures, fullId, id === state.master_node) };
      for (const column of figureColumns) row[column] = null;
      return row as CatRow;
    });
    return renderCat(request, nodesColumns, rows);
  };

  const failureOf = (node: string, answer: EsError): Record<string, unknown> => ({ type: 'failed_node_exception', reason: `Failed node [${node}]`, node_id: node, caused_by: { type: answer.type, reason: answer.message } });

  /**
   * `GET /_cluster/stats[/nodes/{node_filter}]`: the selected nodes' figures (each node's own,
   * `cluster:monitor/nodes/stats[n]`) and the indices' active copies on those nodes (each copy's
   * figures from the node holding it, `indices:monitor/stats[n]`), summed (cluster-stats.ts).
   */
  const clusterStats = async (request: RestRequest): Promise<RestResponse> => {
    const state = coordinator.state();
    const selected = selectTaskNodes(request.params['node_filter'], state, nodeId);
    const [answers, gathered] = await Promise.all([ask(state, selected, CLUSTER_STATS_NODE_METRICS, nodesRequestTimeoutMs(request, nodeRequestTimeoutMs)), options.gatherCopies(options.indices.all())]);
    const nodes: ClusterStatsNode[] = [];
    const failures: Record<string, unknown>[] = [];
    for (const [node, answer] of answers) {
      if (answer instanceof EsError) failures.push(failureOf(node, answer));
      else nodes.push({ roles: state.nodes[node]?.roles ?? [], version: state.nodes[node]?.version ?? ES_API_VERSION, stats: answer.stats, platform: answer.platform ?? unknownPlatform });
    }
    const wanted = new Set(selected);
    const copies = gathered.copies.filter((copy) => wanted.has(copy.node)).map((copy) => ({ ...copy, deleted: copy.deleted ?? 0 }));
    const body = clusterStatsBody({
      clusterName: state.cluster_name,
      clusterUuid: state.metadata.cluster_uuid,
      timestampMs: options.nowMs(),
      status: healthStatusOf(state),
      nodesSelected: answers.size,
      failures,
      nodes,
      copies,
      discoveryType: 'multi-node',
    });
    return { status: 200, body };
  };

  /**
   * `GET /_cat/allocation[/{node_id}]`: per data node, the copies the routing table places on it
   * (initializing and relocating ones too, as Elasticsearch's routing nodes count them), the bytes
   * of its started copies (`disk.indices`, each from the node holding it) and its disk (from the
   * node); then an `UNASSIGNED` row while copies have no node.
   */
  const catAllocation = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    context.authorize.cluster('cluster:monitor/state');
    const state = coordinator.state();
    const selected = selectTaskNodes(request.params['node_id'], state, nodeId).filter((id) => state.nodes[id] !== undefined && isDataNode(state.nodes[id]!));
    const [answers, gathered] = await Promise.all([ask(state, selected, []), options.gatherCopies(options.indices.all())]);
    const routings = allShardRoutings(state);
    const rows: CatRow[] = selected.map((id) => {
      const node = state.nodes[id]!;
      const answer = answers.get(id);
      const disk = answer === undefined || answer instanceof EsError ? null : (answer.figures?.disk ?? null);
      const used = disk === null ? null : disk.totalBytes - disk.availableBytes;
      const host = hostOf(node.http_address || node.transport_address);
      const reported = answer !== undefined && !(answer instanceof EsError);
      return {
        shards: routings.filter((copy) => copy.node === id).length,
        'disk.indices': reported ? bytesCell(gathered.copies.filter((copy) => copy.node === id).reduce((total, copy) => total + copy.bytes, 0)) : null,
        'disk.used': used === null ? null : bytesCell(used),
        'disk.avail': disk === null ? null : bytesCell(disk.availableBytes),
        'disk.total': disk === null ? null : bytesCell(disk.totalBytes),
        'disk.percent': disk === null || used === null || used + disk.availableBytes <= 0 ? null : Math.floor((used * 100) / (used + disk.availableBytes)),
        host,
        ip: host,
        node: node.name,
        'node.role': roleAbbreviations(node.roles),
      };
    });
    const unassigned = routings.filter((copy) => copy.state === 'UNASSIGNED').length;
    if (unassigned > 0) rows.push(unassignedAllocationRow(unassigned));
    return renderCat(request, allocationColumns, rows);
  };

  /** `GET /_cat/nodeattrs`: every node's attributes from the applied state; its pid from the node (empty if it did not answer). */
  const catNodeattrs = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    context.authorize.cluster('cluster:monitor/state');
    const state = coordinator.state();
    const answers = await ask(state, Object.keys(state.nodes), []);
    const rows = Object.entries(state.nodes).flatMap(([id, node]) => {
      const answer = answers.get(id);
      const pid = answer === undefined || answer instanceof EsError ? null : (answer.figures?.pid ?? null);
      const host = hostOf(node.http_address || node.transport_address);
      const port = Number(node.transport_address.slice(node.transport_address.lastIndexOf(':') + 1));
      return Object.entries(node.attributes).map(([attr, value]): CatRow => ({ node: node.name, id, pid, host, ip: host, port: Number.isInteger(port) ? port : null, attr, value }));
    });
    return renderCat(request, nodeattrsColumns, rows);
  };

  return {
    applyTo: (routes) =>
      routes.map((route): Route => {
        if (route.action === NODES_STATS_ACTION && NODES_STATS_PATHS.includes(route.path)) return { ...route, handle: nodesStats };
        if (route.action === CLUSTER_STATS_ACTION && CLUSTER_STATS_PATHS.includes(route.path)) return { ...route, handle: clusterStats };
        if (route.path === '/_cat/allocation' || route.path === '/_cat/allocation/:node_id') return { ...route, handle: catAllocation };
        if (route.path === '/_cat/nodes') return { ...route, handle: catNodes };
        if (route.path === '/_cat/nodeattrs') return { ...route, handle: catNodeattrs };
        return route;
      }),
  };
}

/** The `indices` shape a `cluster:monitor/nodes/stats[n]` request carries (absent: every index metric, node level). */
function parseIndicesRequest(value: unknown): NodeIndicesRequest | undefined {
  if (value === undefined) return undefined;
  const { metrics, level } = (value ?? {}) as { metrics?: unknown; level?: unknown };
  if (!Array.isArray(metrics) || metrics.length === 0 || !metrics.every((metric) => typeof metric === 'string') || typeof level !== 'string') {
    throw errors.illegalArgument(`a [${NODES_STATS_NODE_ACTION}] request names its [indices] as {metrics, level}`);
  }
  return { metrics: parseNodeIndexMetrics(metrics.join(','), NODES_STATS_NODE_ACTION), level: parseNodeStatsLevel(level) };
}

/** A node of an older Strait does not say its platform: nothing is counted for it. */
const unknownPlatform: NodePlatform = { name: 'unknown', arch: 'unknown', availableProcessors: 0 };

const figureColumns = [
  'pid', 'disk.total', 'disk.used', 'disk.avail', 'disk.used_percent', 'heap.current', 'heap.percent', 'heap.max', 'ram.current', 'ram.percent', 'ram.max',
  'file_desc.current', 'file_desc.percent', 'file_desc.max', 'cpu', 'load_1m', 'load_5m', 'load_15m', 'uptime',
] as const;

const emptyFigures: NodeFigures = {
  pid: 0, uptimeMs: 0, heapUsedBytes: 0, heapMaxBytes: 0, ramTotalBytes: 0, ramUsedBytes: 0, cpuPercent: 0, loadAverage: null,
  openFileDescriptors: 0, maxFileDescriptors: 0, disk: null, processCpuTotalMs: 0, processCpuPercent: 0, heapCommittedBytes: 0, nonHeapBytes: 0, residentBytes: 0,
};
