/**
 * Index stats, `_cat/indices` and flush across the nodes of a multi-node cluster (issue #14: "the
 * stats APIs reflect the whole cluster"). The coordinating node resolves and authorizes the indices
 * (as a single node does), asks every node holding a started copy of them for that copy's figures
 * (`indices:monitor/stats[n]`, Elasticsearch's node-level stats action) or to flush it
 * (`indices:admin/flush[n]`), and sums them (`_cat/shards` prints each copy's own figures): `primaries` over primary copies, `total` over every
 * copy, `_shards` counting copies (a node that does not answer fails its copies, listed in
 * `_shards.failures`). Both actions are served to nodes of this cluster only. Without it, each node
 * reported and flushed its own copies only. Force merge fans out the same way
 * (`indices:admin/forcemerge[n]`): each node merges the copies it holds. `_cat/segments` and
 * `_cat/recovery` ask each node for the rows of the copies it holds (`indices:monitor/segments[n]`,
 * `indices:monitor/recovery[n]`: the latest recovery of each copy, recorded by the replication
 * service, index/replication/copy-recovery.ts).
 * Loaded only in multi-node mode (node.ts).
 */
import type { Logger } from 'pino';
import type { ClusterState, ShardRouting } from '../cluster/state.js';
import { healthStatusOf } from '../cluster/master.js';
import { EsError, errors } from '../common/index.js';
import { parseIndicesOptions, parseExpandWildcards, settingInteger, type IndexHandle, type IndicesService } from '../index/index.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../http/route.js';
import { catIndexRow, indicesColumns } from '../http/routes/cat.js';
import { formatBytes, renderCat, type CatRow } from '../http/routes/cat-table.js';
import { shardsColumns } from '../http/routes/cluster-state.js';
import { hostOf } from '../common/index.js';
import { FLUSH_ACTION, STATS_ACTION, parseStatsRequest, render, sum, type ShardFigures } from '../http/routes/index-stats.js';
import { resolveForRoute } from '../http/routes/indices.js';
import { segmentCount } from '../http/routes/cluster-stats.js';
import type { NodeShardCopy } from '../http/routes/node-info.js';
import { copyRecoveryRow, copySegmentRows, recoveryColumns, segmentsColumns, type RecoveryNode } from '../http/routes/cat-more.js';
import { FORCE_MERGE_ACTION, parseForceMergeRequest } from '../http/routes/force-merge.js';
import type { ForceMergeRequest, SearcherService } from '../index/searcher/index.js';
import type { ShardStore } from '../index/store/index.js';
import { booleanParam } from '../http/request.js';
import type { TransportHandler } from '../transport/index.js';
import type { CoordinationWiring } from './wire-coordination.js';
import type { DataPlaneWiring } from './wire-data-plane.js';
import { askEachNode } from './ask-nodes.js';
import { documentBytesOfShard, maximumTimestampOfShard, type DataStreamService, type MeasuredRolloverStats } from '../index/data-stream-service.js';
import { TIMESTAMP_FIELD } from '../index/data-streams.js';
import { resolveStreamsForStats, rolloverHandler } from '../http/routes/data-streams.js';
import type { MultiNodeWiringOptions } from './multi-node-wiring.js';

export const STATS_NODE_ACTIONS = {
  stats: 'indices:monitor/stats[n]',
  flush: 'indices:admin/flush[n]',
  forceMerge: 'indices:admin/forcemerge[n]',
  segments: 'indices:monitor/segments[n]',
  recovery: 'indices:monitor/recovery[n]',
} as const;

/** Elasticsearch's RecoveryAction, which `_cat/recovery` runs. */
const RECOVERY_ACTION = 'indices:monitor/recovery';

/** Elasticsearch's IndicesSegmentsAction, which `_cat/segments` runs. */
const SEGMENTS_ACTION = 'indices:monitor/segments';

/** How long the coordinating node waits for each node's answer. */
const nodeRequestTimeoutMs = 30_000;

/** One started copy's figures, as a node reports them. */
export interface CopyFigures {
  readonly index: string;
  readonly shard: number;
  readonly primary: boolean;
  readonly node: string;
  readonly docs: number;
  /** Absent from a node of an older Strait: counted as 0. */
  readonly deleted?: number;
  readonly bytes: number;
  readonly maxSeqNo: number;
  readonly localCheckpoint: number;
  /** The global checkpoint the copy knows (absent from a node of an older Strait: its local checkpoint is shown). */
  readonly globalCheckpoint?: number;
  /** The newest value of the request's `timestamp_field` in the copy (data stream stats ask for it), 0 without documents. */
  readonly maximumTimestamp?: number;
  /** The bytes of the copy's live documents, when the request asks (`document_bytes`: a rollover's `max_size`). */
  readonly documentBytes?: number;
  /** Segments the copy's searcher holds, when the request asks (`segments`: `_cluster/stats`). */
  readonly segments?: number;
}

/** RestStatus names of the statuses a node's failure carries (DefaultShardOperationFailedException `status`). */
function restStatusName(status: number): string {
  return status === 502 ? 'BAD_GATEWAY' : status === 503 ? 'SERVICE_UNAVAILABLE' : status === 429 ? 'TOO_MANY_REQUESTS' : 'INTERNAL_SERVER_ERROR';
}

interface IndexRef {
  readonly name: string;
  readonly uuid: string;
}

/**
 * The active copies of `indices` that `state` places on `nodeId`: started ones and the sources of
 * relocations (still serving until the target started), as Elasticsearch's stats read them.
 */
function startedCopiesOn(state: ClusterState, indices: readonly IndexRef[], nodeId: string | undefined): ShardRouting[] {
  const copies: ShardRouting[] = [];
  for (const ref of indices) {
    if (state.metadata.indices[ref.name]?.settings['index.uuid'] !== ref.uuid) continue;
    for (const shardCopies of Object.values(state.routing_table.indices[ref.name]?.shards ?? {})) {
      for (const copy of shardCopies) if ((copy.state === 'STARTED' || copy.state === 'RELOCATING') && copy.node !== null && (nodeId === undefined || copy.node === nodeId)) copies.push(copy);
    }
  }
  return copies;
}

function parseIndexRefs(body: unknown): IndexRef[] {
  const list = (body as { indices?: unknown } | null)?.indices;
  if (!Array.isArray(list) || !list.every((ref) => typeof ref?.name === 'string' && typeof ref?.uuid === 'string')) throw errors.illegalArgument('a node stats or flush request names its indices as [{name, uuid}]');
  return list as IndexRef[];
}

export interface StatsWiringOptions extends MultiNodeWiringOptions {
  readonly indices: IndicesService;
  readonly searchers: SearcherService;
  readonly dataStreams: DataStreamService;
  /** The clock a running recovery's time is measured on. */
  readonly nowMs: () => number;
}

export interface StatsWiring {
  applyTo(routes: readonly Route[]): Route[];
  /** Every started copy of `handles`, as the node holding it reports it (with its segment count), and the nodes that did not answer. */
  gatherCopies(handles: readonly IndexHandle[]): Promise<{ readonly state: ClusterState; readonly answers: ReadonlyMap<string, unknown>; readonly copies: readonly CopyFigures[] }>;
  /** The active copies of open indices the applied state places on this node, measured (`indices` of `GET /_nodes/stats`). */
  localShardCopies(): NodeShardCopy[];
}

/**
 * The rows of multi-node `_cat/shards` (pure): one per copy of `handles` in the published routing
 * table, a relocation as one row (the source's, RELOCATING, `A -> ip id B`: Elasticsearch's
 * routing table lists the target apart from the shard's copies); docs, store and `seq_no.*` from
 * `copies`, the figures each node reported for its own copies.
 */
export function catShardRows(state: ClusterState, handles: readonly IndexHandle[], copies: readonly CopyFigures[], bytesUnit: string | undefined): CatRow[] {
  const figuresOf = new Map(copies.map((copy) => [`${copy.index}/${copy.shard}/${copy.node}`, copy]));
  const rows: CatRow[] = [];
  for (const handle of handles) {
    if (state.metadata.indices[handle.name]?.settings['index.uuid'] !== handle.uuid) continue; // not published yet, or replaced
    for (const shardCopies of Object.values(state.routing_table.indices[handle.name]?.shards ?? {})) {
      for (const copy of shardCopies) {
        // A relocation is one row, the source's (RELOCATING, `A -> ip id B`): Elasticsearch's
        // routing table lists the target apart from the shard's copies.
        if (copy.state === 'INITIALIZING' && copy.relocating_node !== null) continue;
        const node = copy.node === null ? undefined : state.nodes[copy.node];
        const target = copy.relocating_node === null ? undefined : state.nodes[copy.relocating_node];
        const figures = copy.node === null || handle.metadata.state !== 'open' ? undefined : figuresOf.get(`${copy.index}/${copy.shard}/${copy.node}`);
        rows.push({
          index: copy.index,
          shard: copy.shard,
          prirep: copy.primary ? 'p' : 'r',
          state: copy.state,
          docs: figures === undefined ? null : figures.docs,
          store: figures === undefined ? null : formatBytes(figures.bytes, bytesUnit),
          ip: node === undefined ? null : hostOf(node.transport_address),
          id: copy.node,
          node: node === undefined ? null : copy.relocating_node === null ? node.name : `${node.name} -> ${target === undefined ? '' : hostOf(target.transport_address)} ${copy.relocating_node} ${target?.name ?? ''}`,
          sync_id: null,
          'unassigned.reason': copy.unassigned_info?.reason ?? null,
          'unassigned.at': copy.unassigned_info?.at ?? null,
          'seq_no.max': figures === undefined ? null : figures.maxSeqNo,
          'seq_no.local_checkpoint': figures === undefined ? null : figures.localCheckpoint,
          'seq_no.global_checkpoint': figures === undefined ? null : (figures.globalCheckpoint ?? figures.localCheckpoint),
        });
      }
    }
  }
  return rows;
}

export function wireStats(options: StatsWiringOptions): StatsWiring {
  const { indices, nodeId, dataPlane } = options;
  const { coordinator } = options.coordination;

  /** This node's started copies of `refs`, each through `visit` (its store, on this node's index of that uuid). */
  const localCopies = <T>(refs: readonly IndexRef[], visit: (copy: ShardRouting, handle: IndexHandle) => T): T[] => {
    const results: T[] = [];
    for (const copy of startedCopiesOn(coordinator.state(), refs, nodeId)) {
      const handle = indices.get(copy.index);
      if (handle === undefined || handle.shards?.[copy.shard] === undefined || handle.metadata.state !== 'open') continue;
      if (handle.uuid !== refs.find((ref) => ref.name === copy.index)?.uuid) continue;
      results.push(visit(copy, handle));
    }
    return results;
  };
  /** What this node's copy knows: the open copy's tracked global checkpoint, else the one its store persisted. */
  const knownGlobalCheckpoint = (handle: IndexHandle, shard: number, store: ShardStore): number => {
    const target = { indexUuid: handle.uuid, index: handle.name, shard };
    return dataPlane.replication.primaryState(target)?.globalCheckpoint ?? dataPlane.replication.replicaState(target)?.globalCheckpoint ?? store.globalCheckpoint;
  };
  const nodeStats = (body: unknown): { copies: CopyFigures[] } => {
    const field = (body as { timestamp_field?: unknown } | null)?.timestamp_field;
    if (field !== undefined && typeof field !== 'string') throw errors.illegalArgument('a node stats request names its [timestamp_field] as a string');
    const withDocumentBytes = (body as { document_bytes?: unknown } | null)?.document_bytes === true;
    const withSegments = (body as { segments?: unknown } | null)?.segments === true;
    return {
      copies: localCopies(parseIndexRefs(body), (copy, handle) => {
        const store = handle.shards![copy.shard]!;
        const figures: CopyFigures = { index: copy.index, shard: copy.shard, primary: copy.primary, node: nodeId, docs: store.docCount(), deleted: options.searchers.docsDeleted(handle, copy.shard), bytes: store.sizeBytes(), maxSeqNo: store.maxSeqNo, localCheckpoint: store.localCheckpoint, globalCheckpoint: knownGlobalCheckpoint(handle, copy.shard, store) };
        return {
          ...figures,
          ...(field === undefined ? {} : { maximumTimestamp: maximumTimestampOfShard(store, field) }),
          ...(withDocumentBytes ? { documentBytes: documentBytesOfShard(store) } : {}),
          ...(withSegments ? { segments: segmentCount(options.searchers, handle, copy.shard) } : {}),
        };
      }),
    };
  };
  const localShardCopies = (): NodeShardCopy[] => {
    const refs = indices.all().filter((handle) => handle.metadata.state === 'open').map((handle) => ({ name: handle.name, uuid: handle.uuid }));
    return localCopies(refs, (copy, handle) => {
      const store = handle.shards![copy.shard]!;
      return {
        index: copy.index, shard: copy.shard, primary: copy.primary, state: copy.state === 'RELOCATING' ? 'RELOCATING' : 'STARTED', relocatingNode: copy.relocating_node,
        docs: store.docCount(), deleted: options.searchers.docsDeleted(handle, copy.shard), bytes: store.sizeBytes(), segments: segmentCount(options.searchers, handle, copy.shard), maxSeqNo: store.maxSeqNo, localCheckpoint: store.localCheckpoint, globalCheckpoint: knownGlobalCheckpoint(handle, copy.shard, store),
      };
    });
  };
  const nodeFlush = (body: unknown): { flushed: number } => ({
    flushed: localCopies(parseIndexRefs(body), (copy, handle) => handle.shards![copy.shard]!.flush()).length,
  });
  /** Merges this node's copies as asked, one after the other, then flushes each unless told not to. */
  const nodeForceMerge = async (body: unknown): Promise<{ flushed: number }> => {
    const { merge, flush } = (body ?? {}) as { merge?: ForceMergeRequest; flush?: boolean };
    if (merge === undefined || typeof merge.onlyExpungeDeletes !== 'boolean') throw errors.illegalArgument('a node force merge request names its merge');
    const copies = localCopies(parseIndexRefs(body), (copy, handle) => ({ copy, handle }));
    for (const { copy, handle } of copies) {
      await options.searchers.forceMergeShard(handle, copy.shard, { maxNumSegments: merge.maxNumSegments ?? undefined, onlyExpungeDeletes: merge.onlyExpungeDeletes });
      const store = handle.metadata.state === 'open' ? handle.shards?.[copy.shard] : undefined;
      if (flush !== false) store?.flush();
    }
    return { flushed: copies.length };
  };
  /** `_cat/segments`' rows of this node's started copies of the asked indices. */
  const nodeSegments = (body: unknown): { rows: CatRow[] } => {
    const own = coordinator.state().nodes[nodeId];
    const ip = own === undefined ? '' : hostOf(own.http_address || own.transport_address);
    return {
      rows: localCopies(parseIndexRefs(body), (copy, handle) => copySegmentRows(indices, handle, copy.shard, options.searchers.snapshot(handle, copy.shard), { primary: copy.primary, ip, nodeId })).flat(),
    };
  };
  /**
   * `_cat/recovery`'s rows of the latest recovery of every copy of the asked indices this node
   * holds, started or recovering (`active_only`: the running ones only).
   */
  const nodeRecovery = (body: unknown): { rows: CatRow[] } => {
    const refs = parseIndexRefs(body);
    const activeOnly = (body as { active_only?: unknown }).active_only === true;
    const state = coordinator.state();
    const describe = (id: string): RecoveryNode => {
      const node = state.nodes[id];
      // A source node that left the cluster since: only its id is left to name it.
      return node === undefined ? { host: 'n/a', name: id } : { host: hostOf(node.http_address || node.transport_address), name: node.name };
    };
    const target = describe(nodeId);
    const nowMs = options.nowMs();
    const rows = dataPlane.replication
      .copyRecoveries()
      .filter((recovery) => refs.some((ref) => ref.name === recovery.index && ref.uuid === recovery.indexUuid) && !(activeOnly && recovery.stage === 'done'))
      .map((recovery) => copyRecoveryRow(recovery, recovery.sourceNodeId === undefined ? undefined : describe(recovery.sourceNodeId), target, nowMs));
    return { rows };
  };
  options.addTransportHandlers(
    new Map<string, TransportHandler>([
      [STATS_NODE_ACTIONS.recovery, dataPlane.replication.internalHandler(nodeRecovery)],
      [STATS_NODE_ACTIONS.segments, dataPlane.replication.internalHandler(nodeSegments)],
      [STATS_NODE_ACTIONS.stats, dataPlane.replication.internalHandler(nodeStats)],
      [STATS_NODE_ACTIONS.flush, dataPlane.replication.internalHandler(nodeFlush)],
      [STATS_NODE_ACTIONS.forceMerge, dataPlane.replication.internalHandler(nodeForceMerge)],
    ]),
  );

  /**
   * Asks every node holding a started copy of `handles`; per node, its answer or the reason it
   * failed. This node answers for itself without the transport.
   */
  const askNodes = async <T>(action: string, handles: readonly IndexHandle[], local: (body: unknown) => T | Promise<T>, extra: Record<string, unknown> = {}): Promise<{ state: ClusterState; answers: Map<string, T | EsError> }> => {
    const state = coordinator.state();
    const refs = handles.filter((handle) => handle.metadata.state === 'open').map((handle) => ({ name: handle.name, uuid: handle.uuid }));
    const nodes = new Set(startedCopiesOn(state, refs, undefined).map((copy) => copy.node!));
    const answers = await askEachNode({ nodeId, channel: dataPlane.channel, log: options.log }, nodes, action, { ...extra, indices: refs }, nodeRequestTimeoutMs, local);
    return { state, answers };
  };

  /** `_shards` over the copies of `handles` (total: every copy the settings ask for), with failures of nodes that did not answer. */
  const shardsHeader = (state: ClusterState, handles: readonly IndexHandle[], answers: ReadonlyMap<string, unknown>, successful: number): Record<string, unknown> => {
    let total = 0;
    for (const handle of handles) if (handle.metadata.state === 'open') total += settingInteger(handle.metadata.settings, 'index.number_of_shards') * (1 + settingInteger(handle.metadata.settings, 'index.number_of_replicas'));
    const refs = handles.map((handle) => ({ name: handle.name, uuid: handle.uuid }));
    const failures: Record<string, unknown>[] = [];
    for (const [node, answer] of answers) {
      if (!(answer instanceof EsError)) continue;
      for (const copy of startedCopiesOn(state, refs, node)) {
        failures.push({ shard: copy.shard, index: copy.index, status: restStatusName(answer.status), reason: { type: answer.type, reason: answer.message } });
      }
    }
    return failures.length === 0 ? { total, successful, failed: 0 } : { total, successful, failed: failures.length, failures };
  };

  /** Every copy reported by the nodes that answered. */
  const gatherCopies = async (handles: readonly IndexHandle[], extra: Record<string, unknown> = {}) => {
    const { state, answers } = await askNodes<{ copies: CopyFigures[] }>(STATS_NODE_ACTIONS.stats, handles, nodeStats, extra);
    const copies = [...answers.values()].flatMap((answer) => (answer instanceof EsError ? [] : answer.copies));
    return { state, answers, copies };
  };

  const stats = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const { metrics, level } = parseStatsRequest(request);
    const handles = resolveForRoute(indices, context, STATS_ACTION, request.params['index'], parseIndicesOptions(request.query));
    const { state, answers, copies } = await gatherCopies(handles);
    const figures = (list: readonly CopyFigures[]): ShardFigures => sum(list.map((copy) => ({ docs: copy.docs, deleted: copy.deleted ?? 0, bytes: copy.bytes })));
    const body: Record<string, unknown> = {
      _shards: shardsHeader(state, handles, answers, copies.length),
      _all: { primaries: render(metrics, figures(copies.filter((copy) => copy.primary))), total: render(metrics, figures(copies)) },
    };
    if (level !== 'cluster') {
      const entries: Record<string, unknown> = {};
      for (const handle of handles) {
        if (handle.metadata.state !== 'open') continue; // a closed index has no started shards to report
        const own = copies.filter((copy) => copy.index === handle.name);
        const entry: Record<string, unknown> = {
          uuid: handle.uuid,
          health: healthStatusOf(state, [handle.name]),
          status: handle.metadata.state,
          primaries: render(metrics, figures(own.filter((copy) => copy.primary))),
          total: render(metrics, figures(own)),
        };
        if (level === 'shards') {
          const shards: Record<string, unknown[]> = {};
          for (const copy of [...own].sort((a, b) => a.shard - b.shard || Number(b.primary) - Number(a.primary))) {
            (shards[String(copy.shard)] ??= []).push({
              routing: { state: 'STARTED', primary: copy.primary, node: copy.node, relocating_node: null },
              ...render(metrics, { docs: copy.docs, deleted: copy.deleted ?? 0, bytes: copy.bytes }),
              seq_no: { max_seq_no: copy.maxSeqNo, local_checkpoint: copy.localCheckpoint, global_checkpoint: copy.globalCheckpoint ?? copy.localCheckpoint },
            });
          }
          entry['shards'] = shards;
        }
        entries[handle.name] = entry;
      }
      body['indices'] = entries;
    }
    return { status: 200, body };
  };

  const catIndices = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const handles = resolveForRoute(indices, context, STATS_ACTION, request.params['index'], {
      ...parseIndicesOptions(request.query),
      expandWildcards: parseExpandWildcards(request.query['expand_wildcards'] ?? 'all'),
    });
    const { state, copies } = await gatherCopies(handles);
    const wantedHealth = request.query['health'];
    const rows: CatRow[] = [];
    for (const handle of handles) {
      // A closed index keeps its routing table in the published state (closed copies are counted, as
      // Elasticsearch 7.2+ replicates closed indices); one without it has no health to give.
      const health = state.routing_table.indices[handle.name] !== undefined ? healthStatusOf(state, [handle.name]) : 'red';
      if (wantedHealth !== undefined && health !== wantedHealth) continue;
      const own = copies.filter((copy) => copy.index === handle.name);
      const primaries = own.filter((copy) => copy.primary);
      rows.push(
        catIndexRow(
          handle,
          health,
          handle.metadata.state !== 'open'
            ? undefined
            : { primaryDocs: primaries.reduce((total, copy) => total + copy.docs, 0), primaryDocsDeleted: primaries.reduce((total, copy) => total + (copy.deleted ?? 0), 0), primaryBytes: primaries.reduce((total, copy) => total + copy.bytes, 0), totalBytes: own.reduce((total, copy) => total + copy.bytes, 0) },
        ),
      );
    }
    return renderCat(request, indicesColumns, rows);
  };

  /**
   * `GET /_cat/shards[/{index}]` (RestShardsAction: the cluster state, then the indices stats): the
   * copies' figures as the nodes holding them report them (`indices:monitor/stats[n]`), empty for a
   * copy that is not active or whose node did not answer; rows by `catShardRows`.
   */
  const catShards = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const handles = resolveForRoute(indices, context, STATS_ACTION, request.params['index'], {
      ...parseIndicesOptions(request.query),
      expandWildcards: parseExpandWildcards(request.query['expand_wildcards'] ?? 'all'),
    });
    const { state, copies } = await gatherCopies(handles);
    return renderCat(request, shardsColumns, catShardRows(state, handles, copies, request.query['bytes']));
  };

  /**
   * `GET /_cat/segments[/{index}]` (RestSegmentsAction: the cluster state, then the indices
   * segments of every copy): each node lists the segments of the started copies it holds
   * (`indices:monitor/segments[n]`); a node that does not answer leaves its copies out.
   */
  const catSegments = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    context.authorize.cluster('cluster:monitor/state');
    const handles = resolveForRoute(indices, context, SEGMENTS_ACTION, request.params['index'], parseIndicesOptions(request.query));
    const { answers } = await askNodes<{ rows: CatRow[] }>(STATS_NODE_ACTIONS.segments, handles, nodeSegments);
    const order = new Map(handles.map((handle, position) => [handle.name, position]));
    const rows = [...answers.values()]
      .flatMap((answer) => (answer instanceof EsError ? [] : answer.rows))
      .sort((left, right) => (order.get(String(left['index'])) ?? 0) - (order.get(String(right['index'])) ?? 0) || Number(left['shard']) - Number(right['shard']) || String(left['prirep']).localeCompare(String(right['prirep'])) || String(left['id']).localeCompare(String(right['id'])) || Number(left['generation']) - Number(right['generation']));
    return renderCat(request, segmentsColumns, rows);
  };

  /**
   * `GET /_cat/recovery[/{index}]` (RestCatRecoveryAction: the recovery of every copy): each node
   * lists the latest recovery of the copies it holds, recovering ones included
   * (`indices:monitor/recovery[n]`); a node that does not answer leaves its copies out. Rows in
   * the order of the resolved indices, then by shard and start time.
   */
  const catRecovery = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const handles = resolveForRoute(indices, context, RECOVERY_ACTION, request.params['index'], parseIndicesOptions(request.query));
    const activeOnly = booleanParam(request.query['active_only']);
    // `detailed` adds per-file details to the JSON recovery API only; the table is the same.
    booleanParam(request.query['detailed']);
    const state = coordinator.state();
    const refs = handles.filter((handle) => handle.metadata.state === 'open').map((handle) => ({ name: handle.name, uuid: handle.uuid }));
    const holders = new Set<string>();
    for (const ref of refs) {
      if (state.metadata.indices[ref.name]?.settings['index.uuid'] !== ref.uuid) continue;
      for (const shardCopies of Object.values(state.routing_table.indices[ref.name]?.shards ?? {})) for (const copy of shardCopies) {
        // A relocation's target recovers on the node the source names too.
        if (copy.node !== null) holders.add(copy.node);
        if (copy.relocating_node !== null) holders.add(copy.relocating_node);
      }
    }
    const answers = await askEachNode({ nodeId, channel: dataPlane.channel, log: options.log }, holders, STATS_NODE_ACTIONS.recovery, { indices: refs, active_only: activeOnly }, nodeRequestTimeoutMs, nodeRecovery);
    const order = new Map(handles.map((handle, position) => [handle.name, position]));
    const rows = [...answers.values()]
      .flatMap((answer) => (answer instanceof EsError ? [] : (answer as { rows: CatRow[] }).rows))
      .sort((left, right) => (order.get(String(left['index'])) ?? 0) - (order.get(String(right['index'])) ?? 0) || Number(left['shard']) - Number(right['shard']) || Number(left['start_time_millis']) - Number(right['start_time_millis']) || String(left['target_node']).localeCompare(String(right['target_node'])));
    return renderCat(request, recoveryColumns, rows);
  };

  const flush = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const handles = resolveForRoute(indices, context, FLUSH_ACTION, request.params['index'], parseIndicesOptions(request.query));
    for (const handle of handles) indices.openShardsOf(handle); // a closed index: 400, as on one node
    const { state, answers } = await askNodes<{ flushed: number }>(STATS_NODE_ACTIONS.flush, handles, nodeFlush);
    const successful = [...answers.values()].reduce((total, answer) => total + (answer instanceof EsError ? 0 : answer.flushed), 0);
    return { status: 200, body: { _shards: shardsHeader(state, handles, answers, successful) } };
  };

  const forceMerge = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const merge = parseForceMergeRequest(request.query);
    const flush = booleanParam(request.query['flush'], true);
    const handles = resolveForRoute(indices, context, FORCE_MERGE_ACTION, request.params['index'], parseIndicesOptions(request.query));
    for (const handle of handles) indices.openShardsOf(handle); // a closed index: 400, as on one node
    // JSON has no undefined: "not set" travels as null.
    const { state, answers } = await askNodes<{ flushed: number }>(STATS_NODE_ACTIONS.forceMerge, handles, nodeForceMerge, { merge: { maxNumSegments: merge.maxNumSegments ?? null, onlyExpungeDeletes: merge.onlyExpungeDeletes }, flush });
    const successful = [...answers.values()].reduce((total, answer) => total + (answer instanceof EsError ? 0 : answer.flushed), 0);
    return { status: 200, body: { _shards: shardsHeader(state, handles, answers, successful) } };
  };

  /**
   * `GET /_data_stream[/{name}]/_stats` (DataStreamsStatsAction): every started copy of every
   * backing index, on the node holding it; `store_size_bytes` sums every copy, `maximum_timestamp`
   * is the newest `@timestamp` any copy holds, `_shards` counts the copies.
   */
  const dataStreamStats = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const streams = resolveStreamsForStats(options.dataStreams, request, context);
    const handlesOf = (stream: (typeof streams)[number]): IndexHandle[] => stream.indices.map((name) => indices.get(name)).filter((handle): handle is IndexHandle => handle !== undefined);
    const handles = streams.flatMap(handlesOf);
    const { state, answers, copies } = await gatherCopies(handles, { timestamp_field: TIMESTAMP_FIELD });
    const entries = streams.map((stream) => {
      const own = new Set(handlesOf(stream).map((handle) => handle.name));
      const streamCopies = copies.filter((copy) => own.has(copy.index));
      return {
        data_stream: stream.name,
        backing_indices: own.size,
        store_size_bytes: streamCopies.reduce((total, copy) => total + copy.bytes, 0),
        maximum_timestamp: streamCopies.reduce((maximum, copy) => Math.max(maximum, copy.maximumTimestamp ?? 0), 0),
      };
    });
    const header = shardsHeader(state, handles, answers, copies.length);
    return {
      status: 200,
      body: {
        _shards: header,
        data_stream_count: streams.length,
        backing_indices: entries.reduce((total, entry) => total + entry.backing_indices, 0),
        total_store_size_bytes: entries.reduce((total, entry) => total + entry.store_size_bytes, 0),
        data_streams: entries,
      },
    };
  };

  /**
   * A rollover's figures of the old write index (RolloverAction's conditions read primaries'
   * docs stats): every primary on the node holding it. A node that does not answer fails the
   * rollover rather than letting it compare part of the index.
   */
  const measureRollover = async (oldIndex: IndexHandle, documentBytes: boolean): Promise<MeasuredRolloverStats> => {
    const { answers, copies } = await gatherCopies([oldIndex], documentBytes ? { document_bytes: true } : {});
    const failed = [...answers.values()].find((answer): answer is EsError => answer instanceof EsError);
    if (failed !== undefined) throw failed;
    const primaries = copies.filter((copy) => copy.primary);
    return {
      docs: primaries.reduce((total, copy) => total + copy.docs, 0),
      sizeBytes: primaries.reduce((total, copy) => total + (copy.documentBytes ?? 0), 0),
      primaryShardDocsMax: primaries.reduce((maximum, copy) => Math.max(maximum, copy.docs), 0),
      primaryShardSizeBytesMax: primaries.reduce((maximum, copy) => Math.max(maximum, copy.bytes), 0),
    };
  };
  const rollover = rolloverHandler(options.dataStreams, measureRollover);

  return {
    gatherCopies: (handles) => gatherCopies(handles, { segments: true }),
    localShardCopies,
    applyTo: (routes) =>
      routes.map((route): Route => {
        if (route.action === 'indices:monitor/data_stream/stats') return { ...route, handle: dataStreamStats };
        if (route.action === 'indices:admin/rollover') return { ...route, handle: rollover };
        if (route.action === STATS_ACTION && route.path.includes('/_stats')) return { ...route, handle: stats };
        if (route.action === FLUSH_ACTION) return { ...route, handle: flush };
        if (route.action === FORCE_MERGE_ACTION) return { ...route, handle: forceMerge };
        if (route.path === '/_cat/indices' || route.path === '/_cat/indices/:index') return { ...route, handle: catIndices };
        if (route.path === '/_cat/shards' || route.path === '/_cat/shards/:index') return { ...route, handle: catShards };
        if (route.path === '/_cat/segments' || route.path === '/_cat/segments/:index') return { ...route, handle: catSegments };
        if (route.path === '/_cat/recovery' || route.path === '/_cat/recovery/:index') return { ...route, handle: catRecovery };
        return route;
      }),
  };
}
