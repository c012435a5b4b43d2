/**
 * The node and shard `_cat` APIs: nodes, master, nodeattrs, plugins, thread_pool, allocation,
 * segments and pending_tasks, rendered by the shared cat table (cat-table.ts: `h`, `s`, `v`,
 * `help`, `bytes`, `time`, `format`), and recovery. Each reports what this one-node cluster really has:
 * - the node's figures come from this process and its machine (node-figures.ts); columns
 *   Elasticsearch fills from the JVM or from caches Strait does not keep are not offered;
 * - `plugins` is empty: Strait has no plugins;
 * - `thread_pool` shows the one pool Strait keeps, `search` (worker threads running shards' query
 *   phases, index/searcher/search-pool.ts), when `thread_pool.search.size` is not 0; every other
 *   request runs on Node's one event loop, which is no pool whose tasks could be counted;
 * - `pending_tasks` is empty: cluster-state changes are applied at once, never queued;
 * - the node is the elected master of its cluster, as `GET /_cluster/state` says;
 * - `recovery` shows each shard's store recovery when it opened (index/recovery-log.ts).
 * Each route is authorized by the actions Elasticsearch's cat action runs (cluster state, nodes
 * info, nodes stats, indices segments, pending tasks).
 * References: cat-nodes.html, cat-master.html, cat-nodeattrs.html, cat-plugins.html,
 * cat-thread-pool.html, cat-allocation.html, cat-segments.html, cat-pending-tasks.html, cat-recovery.html.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { BUILD_FLAVOR, BUILD_TYPE, ES_API_VERSION } from '../../common/index.js';
import { SEGMENT_FORMAT_VERSION } from '../../index/engine/index.js';
import { clusterHealth, parseIndicesOptions, wildcardMatch, type IndexHandle, type IndicesService } from '../../index/index.js';
import { openShardCount, type RecoveryLog } from '../../index/recovery-log.js';
import { recoveryPercents, type CopyRecovery } from '../../index/replication/copy-recovery.js';
import { searcherDirectory, type SearcherService, type ShardSnapshot } from '../../index/searcher/index.js';
import { searchPoolLimits, type SearchPoolStats } from '../../index/searcher/search-pool.js';
import { booleanParam } from '../request.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../route.js';
import { bytesCell, catColumn as column, CAT_COMMON_PARAMS, renderCat, timeCell, type CatColumn, type CatRow } from './cat-table.js';
import { healthOf } from './cluster-health.js';
import { resolveForRoute } from './indices.js';
import { directoryBytes, type NodeFigures } from './node-figures.js';
import { hostOf } from '../../common/index.js';

/** What the node tables need to know about the node (node-info.ts's NodeIdentity has it all). */
export interface CatNodeIdentity {
  readonly nodeId: string;
  readonly nodeName: string;
  readonly roles: readonly string[];
  readonly buildHash: string;
  readonly version?: string;
  readonly httpAddress: () => string;
  readonly transportAddress: () => string | undefined;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface CatMoreOptions {
  readonly indices: IndicesService;
  readonly searchers: SearcherService;
  readonly node: CatNodeIdentity;
  /** The node's figures at the time of the call (node-figures.ts `nodeFiguresProbe`). */
  readonly figures: () => NodeFigures;
  /** How each shard's store was recovered when it opened (`_cat/recovery`); absent on many nodes, whose `_cat/recovery` asks every node (wire-stats.ts). */
  readonly recoveries: RecoveryLog | undefined;
  /** The search thread pool's figures (undefined: `thread_pool.search.size` is 0). */
  readonly searchPool?: (() => SearchPoolStats) | undefined;
}

const STATE_ACTION = 'cluster:monitor/state';
const NODES_INFO_ACTION = 'cluster:monitor/nodes/info';
const NODES_STATS_ACTION = 'cluster:monitor/nodes/stats';
const SEGMENTS_ACTION = 'indices:monitor/segments';
const RECOVERY_ACTION = 'indices:monitor/recovery';
/** Elasticsearch's PendingClusterTasksAction name. */
const PENDING_TASKS_ACTION = 'cluster:monitor/task';

const BASE_PARAMS = [...CAT_COMMON_PARAMS, 'master_timeout', 'local'];

/** Elasticsearch's DiscoveryNodeRole abbreviations (`node.role` column). */
const ROLE_ABBREVIATIONS: Readonly<Record<string, string>> = {
  data: 'd',
  data_cold: 'c',
  data_content: 's',
  data_frozen: 'f',
  data_hot: 'h',
  data_warm: 'w',
  index: 'I',
  ingest: 'i',
  master: 'm',
  ml: 'l',
  remote_cluster_client: 'r',
  search: 'S',
  transform: 't',
  voting_only: 'v',
};

/** `dimr`: the role abbreviations sorted, or `-` for a coordinating-only node. */
export function roleAbbreviations(roles: readonly string[]): string {
  const letters = roles.map((role) => ROLE_ABBREVIATIONS[role]).filter((letter): letter is string => letter !== undefined);
  return letters.length === 0 ? '-' : letters.sort().join('');
}

function portOf(address: string | undefined): number | null {
  if (address === undefined) return null;
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return Number.isInteger(port) ? port : null;
}

/** Integer percent truncated, as Elasticsearch's `(short) (used * 100 / max)`; 0 without a maximum. */
function percentOf(used: number, max: number): number {
  return max <= 0 ? 0 : Math.floor((used * 100) / max);
}

export const nodesColumns: readonly CatColumn[] = [
  column('id', ['id', 'nodeId'], 'unique node id', false),
  column('pid', ['p'], 'process id', false),
  column('ip', ['i'], 'ip address', true),
  column('port', ['po'], 'bound transport port', false),
  column('http_address', ['http'], 'bound http address', false),
  column('version', ['v'], 'es version', false),
  column('flavor', ['f'], 'es distribution flavor', false),
  column('type', ['t'], 'es distribution type', false),
  column('build', ['b'], 'es build hash', false),
  column('disk.total', ['dt', 'diskTotal'], 'total disk space', false, true),
  column('disk.used', ['du', 'diskUsed'], 'used disk space', false, true),
  column('disk.avail', ['d', 'da', 'disk', 'diskAvail'], 'available disk space', false, true),
  column('disk.used_percent', ['dup', 'diskUsedPercent'], 'used disk space percentage', false, true),
  column('heap.current', ['hc', 'heapCurrent'], 'used heap', false, true),
  column('heap.percent', ['hp', 'heapPercent'], 'used heap ratio', true, true),
  column('heap.max', ['hm', 'heapMax'], 'max configured heap', false, true),
  column('ram.current', ['rc', 'ramCurrent'], 'used machine memory', false, true),
  column('ram.percent', ['rp', 'ramPercent'], 'used machine memory ratio', true, true),
  column('ram.max', ['rm', 'ramMax'], 'total machine memory', false, true),
  column('file_desc.current', ['fdc', 'fileDescriptorCurrent'], 'used file descriptors', false, true),
  column('file_desc.percent', ['fdp', 'fileDescriptorPercent'], 'used file descriptor ratio', false, true),
  column('file_desc.max', ['fdm', 'fileDescriptorMax'], 'max file descriptors', false, true),
  column('cpu', ['cpu'], 'recent cpu usage', true, true),
  column('load_1m', ['l'], '1m load avg', true, true),
  column('load_5m', ['l'], '5m load avg', true, true),
  column('load_15m', ['l'], '15m load avg', true, true),
  column('uptime', ['u'], 'node uptime', false, true),
  column('node.role', ['r', 'role', 'nodeRole'], 'm:master eligible node, d:data node, i:ingest node, -:coordinating node only', true),
  column('master', ['m'], '*:current master', true),
  column('name', ['n'], 'node name', true),
];

const masterColumns: readonly CatColumn[] = [
  column('id', [], 'node id', true),
  column('host', ['h'], 'host name', true),
  column('ip', [], 'ip address ', true),
  column('node', ['n'], 'node name', true),
];

/** `_cat/master`'s one row: this node (one node), or the applied state's `master_node` (src/node/wire-coordination.ts). */
export function renderCatMaster(request: RestRequest, master: { readonly id: string; readonly host: string; readonly ip: string; readonly node: string }): RestResponse {
  return renderCat(request, masterColumns, [{ ...master }]);
}

/** The parameters of the node `_cat` APIs (nodes, master, nodeattrs, allocation ...). */
export const CAT_NODE_PARAMS: readonly string[] = [...CAT_COMMON_PARAMS, 'master_timeout', 'local'];

export const nodeattrsColumns: readonly CatColumn[] = [
  column('node', ['name'], 'node name', true),
  column('id', ['id', 'nodeId'], 'unique node id', false),
  column('pid', ['p'], 'process id', false),
  column('host', ['h'], 'host name', true),
  column('ip', ['i'], 'ip address', true),
  column('port', ['po'], 'bound transport port', false),
  column('attr', ['attr.name'], 'attribute description', true),
  column('value', ['attr.value'], 'attribute value', true),
];

const pluginsColumns: readonly CatColumn[] = [
  column('id', [], 'unique node id', false),
  column('name', ['n'], 'node name', true),
  column('component', ['c'], 'component', true),
  column('version', ['v'], 'component version', true),
  column('description', ['d'], 'plugin details', false),
];

const threadPoolColumns: readonly CatColumn[] = [
  column('node_name', ['nn'], 'node name', true),
  column('node_id', ['id'], 'persistent node id', false),
  column('ephemeral_node_id', ['eid'], 'ephemeral node id', false),
  column('pid', ['p'], 'process id', false),
  column('host', ['h'], 'host name', false),
  column('ip', ['i'], 'ip address', false),
  column('port', ['po'], 'bound transport port', false),
  column('name', ['n'], 'thread pool name', true),
  column('type', ['t'], 'thread pool type', false),
  column('active', ['a'], 'number of active threads', true, true),
  column('pool_size', ['psz'], 'number of threads', false, true),
  column('queue', ['q'], 'number of tasks currently in queue', true, true),
  column('queue_size', ['qs'], 'maximum number of tasks permitted in queue', false, true),
  column('rejected', ['r'], 'number of rejected tasks', true, true),
  column('largest', ['l'], 'highest number of seen active threads', false, true),
  column('completed', ['c'], 'number of completed tasks', false, true),
  column('core', ['cr'], 'core number of threads in a scaling thread pool', false, true),
  column('max', ['mx'], 'maximum number of threads in a scaling thread pool', false, true),
  column('size', ['sz'], 'number of threads in a fixed thread pool', false, true),
  column('keep_alive', ['ka'], 'thread keep alive time', false, true),
];

export const allocationColumns: readonly CatColumn[] = [
  column('shards', ['s'], 'number of shards on node', true, true),
  column('disk.indices', ['di', 'diskIndices'], 'disk used by ES indices', true, true),
  column('disk.used', ['du', 'diskUsed'], 'disk used (total, not just ES)', true, true),
  column('disk.avail', ['da', 'diskAvail'], 'disk available', true, true),
  column('disk.total', ['dt', 'diskTotal'], 'total capacity of all volumes', true, true),
  column('disk.percent', ['dp', 'diskPercent'], 'percent disk used', true, true),
  column('host', ['h'], 'host of node', true),
  column('ip', [], 'ip of node', true),
  column('node', ['n'], 'name of node', true),
  column('node.role', ['r', 'role', 'nodeRole'], 'node roles', false),
];

/** `_cat/allocation`'s row of the copies no node holds, as Elasticsearch prints it. */
export function unassignedAllocationRow(shards: number): CatRow {
  return { shards, 'disk.indices': null, 'disk.used': null, 'disk.avail': null, 'disk.total': null, 'disk.percent': null, host: null, ip: null, node: 'UNASSIGNED', 'node.role': null };
}

export const segmentsColumns: readonly CatColumn[] = [
  column('index', ['i', 'idx'], 'index name', true),
  column('shard', ['s', 'sh'], 'shard name', true),
  column('prirep', ['p', 'pr', 'primaryOrReplica'], 'primary or replica', true),
  column('ip', [], 'ip of node where it lives', true),
  column('id', [], 'unique id of node where it lives', false),
  column('segment', ['seg'], 'segment name', true),
  column('generation', ['g', 'gen'], 'segment generation', true, true),
  column('docs.count', ['dc', 'docsCount'], 'number of docs in segment', true, true),
  column('docs.deleted', ['dd', 'docsDeleted'], 'number of deleted docs in segment', true, true),
  column('size', ['si'], 'segment size in bytes', true, true),
  column('size.memory', ['sm', 'sizeMemory'], 'segment memory in bytes', true, true),
  column('committed', ['ic', 'isCommitted'], 'is segment committed', true),
  column('searchable', ['is', 'isSearchable'], 'is segment searched', true),
  column('version', ['v', 'ver'], 'version', true),
  column('compound', ['ico', 'isCompound'], 'is segment compound', true),
];

export const recoveryColumns: readonly CatColumn[] = [
  column('index', ['i', 'idx'], 'index name', true),
  column('shard', ['s', 'sh'], 'shard name', true),
  column('start_time', ['start'], 'recovery start time', false),
  column('start_time_millis', ['start_millis'], 'recovery start time in epoch milliseconds', false),
  column('stop_time', ['stop'], 'recovery stop time', false),
  column('stop_time_millis', ['stop_millis'], 'recovery stop time in epoch milliseconds', false),
  column('time', ['t', 'ti'], 'recovery time', true),
  column('type', ['ty'], 'recovery type', true),
  column('stage', ['st'], 'recovery stage', true),
  column('source_host', ['shost'], 'source host', true),
  column('source_node', ['snode'], 'source node name', true),
  column('target_host', ['thost'], 'target host', true),
  column('target_node', ['tnode'], 'target node name', true),
  column('repository', ['rep'], 'repository', true),
  column('snapshot', ['snap'], 'snapshot', true),
  column('files', ['f'], 'number of files to recover', true),
  column('files_recovered', ['fr'], 'files recovered', true),
  column('files_percent', ['fp'], 'percent of files recovered', true),
  column('files_total', ['tf'], 'total number of files', true),
  column('bytes', ['b'], 'number of bytes to recover', true),
  column('bytes_recovered', ['br'], 'bytes recovered', true),
  column('bytes_percent', ['bp'], 'percent of bytes recovered', true),
  column('bytes_total', ['tb'], 'total number of bytes', true),
  column('translog_ops', ['to'], 'number of translog ops to recover', true),
  column('translog_ops_recovered', ['tor'], 'translog ops recovered', true),
  column('translog_ops_percent', ['top'], 'percent of translog ops recovered', true),
];

/** Where a recovery's copy came from or went to, as `_cat/recovery` names nodes. */
export interface RecoveryNode {
  readonly host: string;
  readonly name: string;
}

/**
 * `_cat/recovery`'s row of one copy's latest recovery on a multi-node node (copy-recovery.ts):
 * `source` is the node a peer recovery copied from (undefined: a store recovery, `n/a`), `target`
 * the node holding the copy. A running recovery's time runs to `nowMs` and its stop time is the
 * epoch, as Elasticsearch prints an unstopped timer.
 */
export function copyRecoveryRow(recovery: CopyRecovery, source: RecoveryNode | undefined, target: RecoveryNode, nowMs: number): CatRow {
  const stopMs = recovery.stopMs ?? 0;
  const percents = recoveryPercents(recovery);
  return {
    index: recovery.index,
    shard: recovery.shard,
    start_time: new Date(recovery.startMs).toISOString(),
    start_time_millis: recovery.startMs,
    stop_time: new Date(stopMs).toISOString(),
    stop_time_millis: stopMs,
    time: timeCell(Math.max(0, (recovery.stopMs ?? nowMs) - recovery.startMs)),
    type: recovery.type,
    stage: recovery.stage,
    source_host: source?.host ?? 'n/a',
    source_node: source?.name ?? 'n/a',
    target_host: target.host,
    target_node: target.name,
    repository: 'n/a',
    snapshot: 'n/a',
    files: recovery.filesToRecover,
    files_recovered: recovery.filesRecovered,
    files_percent: percents.files,
    files_total: recovery.filesToRecover + recovery.filesReused,
    bytes: bytesCell(recovery.bytesToRecover),
    bytes_recovered: bytesCell(recovery.bytesRecovered),
    bytes_percent: percents.bytes,
    bytes_total: bytesCell(recovery.bytesToRecover + recovery.bytesReused),
    translog_ops: recovery.translogOps,
    translog_ops_recovered: recovery.translogOpsRecovered,
    translog_ops_percent: percents.translogOps,
  };
}

const pendingTasksColumns: readonly CatColumn[] = [
  column('insertOrder', ['o'], 'task insertion order', true, true),
  column('timeInQueue', ['t'], 'how long task has been in queue', true, true),
  column('priority', ['p'], 'task priority', true),
  column('source', ['s'], 'task source', true),
];

/** The searchable snapshot of every shard of an open index (shard number = position). */
function shardSnapshots(searchers: SearcherService, handle: IndexHandle): readonly ShardSnapshot[] {
  if (openShardCount(handle) === 0) return [];
  return searchers.snapshots(handle);
}

/** The segment names the shard's last persisted manifest names (Lucene's committed segments). */
function committedSegments(directory: string): ReadonlySet<string> {
  try {
    const manifest = JSON.parse(readFileSync(path.join(directory, 'manifest.json'), 'utf8')) as { segments?: { name?: unknown }[] };
    return new Set((manifest.segments ?? []).map((segment) => String(segment.name)));
  } catch {
    return new Set();
  }
}

function fileBytes(file: string): number | null {
  try {
    return existsSync(file) ? statSync(file).size : null;
  } catch {
    return null;
  }
}

/** `_cat/segments`' rows of one shard copy on this node: one per segment of its searcher. */
export function copySegmentRows(indices: IndicesService, handle: IndexHandle, shard: number, snapshot: ShardSnapshot, copy: { readonly primary: boolean; readonly ip: string; readonly nodeId: string }): CatRow[] {
  const directory = searcherDirectory(indices.indexDirectory(handle.uuid), shard);
  const committed = committedSegments(directory);
  return snapshot.state.segments.map((segment): CatRow => {
    const isCommitted = committed.has(segment.name);
    const segBytes = isCommitted ? fileBytes(path.join(directory, `${segment.name}.seg`)) : null;
    const metaBytes = isCommitted ? fileBytes(path.join(directory, `${segment.name}.meta`)) : null;
    return {
      index: handle.name,
      shard,
      prirep: copy.primary ? 'p' : 'r',
      ip: copy.ip,
      id: copy.nodeId,
      segment: segment.name,
      generation: Number.parseInt(segment.name.slice(1), 36),
      'docs.count': segment.liveDocCount,
      'docs.deleted': segment.maxDoc - segment.liveDocCount,
      // A segment's size is that of its files, known once written; one only in memory shows none.
      size: segBytes === null ? null : bytesCell(segBytes + (metaBytes ?? 0)),
      // Strait does not account the memory a segment holds.
      'size.memory': null,
      committed: isCommitted,
      searchable: true,
      // The Strait segment format version (there is no Lucene version to report).
      version: String(SEGMENT_FORMAT_VERSION),
      // A segment's structures live in one file (its `.seg`), as in a Lucene compound file.
      compound: true,
    };
  });
}

/** `_all`, `_local`, `_master`, `*`, the node's id or name, or a wildcard over them. */
function nodeSelected(node: CatNodeIdentity, expression: string | undefined): boolean {
  if (expression === undefined || expression === '') return true;
  return expression.split(',').some((part) => {
    const name = part.trim();
    if (name === '_all' || name === '_local' || name === '_master' || name === '*') return true;
    return wildcardMatch(name, node.nodeId) || wildcardMatch(name, node.nodeName);
  });
}

/** What `_cat/nodes` asks of its caller (Elasticsearch reads the cluster state, the nodes info and the nodes stats); checks its flags. */
export function authorizeCatNodes(request: RestRequest, context: RequestContext): void {
  context.authorize.cluster(STATE_ACTION);
  context.authorize.cluster(NODES_STATS_ACTION);
  booleanParam(request.query['full_id']);
  booleanParam(request.query['include_unloaded_segments']);
}

/** One `_cat/nodes` row: a node's identity and the figures it measured (this node's, or another's over the transport). */
export function catNodeRow(node: CatNodeIdentity, figures: NodeFigures, fullId: boolean, master: boolean): CatRow {
    const disk = figures.disk;
    const diskUsed = disk === null ? null : disk.totalBytes - disk.availableBytes;
    const load = figures.loadAverage;
    return {
      id: fullId ? node.nodeId : node.nodeId.slice(0, 4),
      pid: figures.pid,
      // Another node's HTTP address is '' until it published one (it binds HTTP after joining).
      ip: hostOf(node.httpAddress() || (node.transportAddress() ?? '')),
      port: portOf(node.transportAddress()),
      http_address: node.httpAddress() || null,
      version: node.version ?? ES_API_VERSION,
      flavor: BUILD_FLAVOR,
      type: BUILD_TYPE,
      build: node.buildHash,
      'disk.total': disk === null ? null : bytesCell(disk.totalBytes),
      'disk.used': diskUsed === null ? null : bytesCell(diskUsed),
      'disk.avail': disk === null ? null : bytesCell(disk.availableBytes),
      'disk.used_percent': disk === null || disk.totalBytes <= 0 ? null : ((100 * diskUsed!) / disk.totalBytes).toFixed(2),
      'heap.current': bytesCell(figures.heapUsedBytes),
      'heap.percent': percentOf(figures.heapUsedBytes, figures.heapMaxBytes),
      'heap.max': bytesCell(figures.heapMaxBytes),
      'ram.current': bytesCell(figures.ramUsedBytes),
      'ram.percent': figures.ramTotalBytes <= 0 ? 0 : Math.round((100 * figures.ramUsedBytes) / figures.ramTotalBytes),
      'ram.max': bytesCell(figures.ramTotalBytes),
      'file_desc.current': figures.openFileDescriptors,
      'file_desc.percent': percentOf(figures.openFileDescriptors, figures.maxFileDescriptors),
      'file_desc.max': figures.maxFileDescriptors,
      cpu: figures.cpuPercent,
      load_1m: load === null ? null : load[0].toFixed(2),
      load_5m: load === null ? null : load[1].toFixed(2),
      load_15m: load === null ? null : load[2].toFixed(2),
      uptime: timeCell(figures.uptimeMs),
      'node.role': roleAbbreviations(node.roles),
      master: master ? '*' : '-',
      name: node.nodeName,
    };
}

export function catMoreRoutes(options: CatMoreOptions): readonly Route[] {
  const { indices, searchers, node } = options;
  const ip = (): string => hostOf(node.httpAddress());

  const nodes = (request: RestRequest, context: RequestContext): RestResponse => {
    authorizeCatNodes(request, context);
    return renderCat(request, nodesColumns, [catNodeRow(node, options.figures(), booleanParam(request.query['full_id']), true)]);
  };

  const master = (request: RestRequest): RestResponse => renderCatMaster(request, { id: node.nodeId, host: ip(), ip: ip(), node: node.nodeName });

  const nodeattrs = (request: RestRequest, context: RequestContext): RestResponse => {
    context.authorize.cluster(STATE_ACTION);
    const pid = options.figures().pid;
    const rows: CatRow[] = Object.entries(node.attributes ?? {}).map(([attr, value]) => ({
      node: node.nodeName,
      id: node.nodeId,
      pid,
      host: ip(),
      ip: ip(),
      port: portOf(node.transportAddress()),
      attr,
      value,
    }));
    return renderCat(request, nodeattrsColumns, rows);
  };

  const plugins = (request: RestRequest, context: RequestContext): RestResponse => {
    context.authorize.cluster(STATE_ACTION);
    booleanParam(request.query['include_bootstrap']);
    return renderCat(request, pluginsColumns, []);
  };

  const threadPool = (request: RestRequest, context: RequestContext): RestResponse => {
    context.authorize.cluster(STATE_ACTION);
    context.authorize.cluster(NODES_STATS_ACTION);
    const patterns = (request.params['thread_pool_patterns'] ?? '*').split(',').map((pattern) => pattern.trim());
    const rows: CatRow[] = [];
    const pool = options.searchPool?.();
    if (pool !== undefined && patterns.some((pattern) => wildcardMatch(pattern, 'search'))) {
      const figures = options.figures();
      rows.push({
        node_name: node.nodeName,
        node_id: node.nodeId,
        ephemeral_node_id: node.nodeId,
        pid: figures.pid,
        host: ip(),
        ip: ip(),
        port: portOf(node.transportAddress()),
        name: 'search',
        type: 'fixed',
        active: pool.active,
        pool_size: pool.threads,
        queue: pool.queue,
        // A shard beyond a worker's queue runs on the main thread: nothing is rejected.
        queue_size: pool.size * searchPoolLimits.jobsPerWorkerMax,
        rejected: 0,
        largest: pool.largest,
        completed: pool.completed,
        core: null,
        max: null,
        size: pool.size,
        keep_alive: null,
      });
    }
    return renderCat(request, threadPoolColumns, rows);
  };

  const allocation = (request: RestRequest, context: RequestContext): RestResponse => {
    context.authorize.cluster(STATE_ACTION);
    const handles = indices.all();
    const summary = clusterHealth(handles.map(healthOf));
    const rows: CatRow[] = [];
    if (nodeSelected(node, request.params['node_id'])) {
      const disk = options.figures().disk;
      const used = disk === null ? null : disk.totalBytes - disk.availableBytes;
      rows.push({
        shards: summary.active_shards,
        'disk.indices': bytesCell(handles.reduce((sum, handle) => sum + directoryBytes(indices.indexDirectory(handle.uuid)), 0)),
        'disk.used': used === null ? null : bytesCell(used),
        'disk.avail': disk === null ? null : bytesCell(disk.availableBytes),
        'disk.total': disk === null ? null : bytesCell(disk.totalBytes),
        'disk.percent': disk === null || used === null || used + disk.availableBytes <= 0 ? null : Math.floor((used * 100) / (used + disk.availableBytes)),
        host: ip(),
        ip: ip(),
        node: node.nodeName,
        'node.role': roleAbbreviations(node.roles),
      });
    }
    // Replica copies this one node cannot hold, as Elasticsearch lists them under UNASSIGNED.
    if (summary.unassigned_shards > 0) rows.push(unassignedAllocationRow(summary.unassigned_shards));
    return renderCat(request, allocationColumns, rows);
  };

  const segments = (request: RestRequest, context: RequestContext): RestResponse => {
    context.authorize.cluster(STATE_ACTION);
    const handles = resolveForRoute(indices, context, SEGMENTS_ACTION, request.params['index'], parseIndicesOptions(request.query));
    const rows: CatRow[] = [];
    for (const handle of handles) {
      shardSnapshots(searchers, handle).forEach((snapshot, shard) => {
        rows.push(...copySegmentRows(indices, handle, shard, snapshot, { primary: true, ip: ip(), nodeId: node.nodeId }));
      });
    }
    return renderCat(request, segmentsColumns, rows);
  };

  const pendingTasks = (request: RestRequest): RestResponse => renderCat(request, pendingTasksColumns, []);

  /**
   * One row per shard of each open index: its store recovery when it opened (recovery-log.ts).
   * Every recovery is done (`active_only` leaves none); nothing is copied from a peer or a
   * snapshot, and the store is the source of truth, so no translog operations are replayed.
   */
  const recovery = (request: RestRequest, context: RequestContext): RestResponse => {
    const handles = resolveForRoute(indices, context, RECOVERY_ACTION, request.params['index'], parseIndicesOptions(request.query));
    const activeOnly = booleanParam(request.query['active_only']);
    booleanParam(request.query['detailed']);
    const rows: CatRow[] = [];
    if (!activeOnly) {
      for (const handle of handles) {
        const recovered = options.recoveries?.of(handle);
        if (recovered === undefined) continue;
        recovered.shards.forEach((files, shard) => {
          rows.push({
            index: handle.name,
            shard,
            start_time: new Date(recovered.startMs).toISOString(),
            start_time_millis: recovered.startMs,
            stop_time: new Date(recovered.stopMs).toISOString(),
            stop_time_millis: recovered.stopMs,
            time: timeCell(recovered.stopMs - recovered.startMs),
            type: recovered.type,
            stage: 'done',
            source_host: 'n/a',
            source_node: 'n/a',
            target_host: ip(),
            target_node: node.nodeName,
            repository: 'n/a',
            snapshot: 'n/a',
            files: 0,
            files_recovered: 0,
            // RecoveryState.Index: no file at all (an empty store) is 0.0%, every file reused 100.0%.
            files_percent: files.files === 0 ? '0.0%' : '100.0%',
            files_total: files.files,
            bytes: bytesCell(0),
            bytes_recovered: bytesCell(0),
            bytes_percent: files.files === 0 ? '0.0%' : '100.0%',
            bytes_total: bytesCell(files.bytes),
            translog_ops: 0,
            translog_ops_recovered: 0,
            translog_ops_percent: '100.0%',
          });
        });
      }
    }
    return renderCat(request, recoveryColumns, rows);
  };

  const route = (path: string, action: string, params: readonly string[], handle: Route['handle'], scope: Route['scope'] = 'cluster'): Route => ({
    method: 'GET',
    path,
    action,
    scope,
    params,
    handle,
  });
  return [
    route('/_cat/nodes', NODES_INFO_ACTION, [...BASE_PARAMS, 'full_id', 'include_unloaded_segments'], nodes),
    route('/_cat/master', STATE_ACTION, BASE_PARAMS, master),
    route('/_cat/nodeattrs', NODES_INFO_ACTION, BASE_PARAMS, nodeattrs),
    route('/_cat/plugins', NODES_INFO_ACTION, [...BASE_PARAMS, 'include_bootstrap'], plugins),
    ...['/_cat/thread_pool', '/_cat/thread_pool/:thread_pool_patterns'].map((path) => route(path, NODES_INFO_ACTION, BASE_PARAMS, threadPool)),
    ...['/_cat/allocation', '/_cat/allocation/:node_id'].map((path) => route(path, NODES_STATS_ACTION, BASE_PARAMS, allocation)),
    ...['/_cat/segments', '/_cat/segments/:index'].map((path) =>
      route(path, SEGMENTS_ACTION, [...BASE_PARAMS, 'expand_wildcards', 'ignore_unavailable', 'allow_no_indices'], segments, 'indices'),
    ),
    route('/_cat/pending_tasks', PENDING_TASKS_ACTION, BASE_PARAMS, pendingTasks),
    ...['/_cat/recovery', '/_cat/recovery/:index'].map((path) =>
      route(path, RECOVERY_ACTION, [...CAT_COMMON_PARAMS, 'active_only', 'detailed', 'expand_wildcards', 'ignore_unavailable', 'allow_no_indices'], recovery, 'indices'),
    ),
  ];
}
