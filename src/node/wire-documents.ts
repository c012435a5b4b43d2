/**
 * Document APIs on a multi-node node (issue #14, wiring step 3). Any node coordinates: it runs what
 * Elasticsearch runs on the coordinating node (authorization, ingest pipelines, the write index
 * and its auto-creation through the master, auto-generated ids, routing), groups the items by
 * shard and sends each group to the node holding the shard's primary as
 * `indices:data/write/bulk[s]`. The primary runs the items with the single-node document code
 * (versions, update scripts, dynamic mappings) in one synchronous step, replicates the operations
 * it wrote to every in-sync copy (`[s][r]`, ReplicationService.writeWith) and answers once they
 * all wrote; a dynamic mapping change goes to the master before the answer. Each item then
 * carries the true `_shards` counts. Realtime GET reads the primary (`indices:data/read/get[s]`).
 *
 * A write whose shard has no started primary waits for one up to its `timeout` (1m, as
 * Elasticsearch's replication timeout), then answers 503 unavailable_shards_exception; a primary
 * lost mid-request (its node left, or it was demoted) is retried on the next one within that time.
 * `_mget` reads each document on its shard's primary (the documents of one node in one
 * `indices:data/read/mget[shard][s]`). Reindex and by-query write through `bulkAs`
 * (wire-reindex-multi-node.ts); cross-cluster followers through their primaries
 * (wire-ccr-follower.ts). Loaded only in multi-node mode (node.ts).
 */
import { ALLOW_ALL, SYSTEM_AUTHENTICATION } from './system-context.js';
import type { Logger } from 'pino';
import { allShardRoutings, primaryOf, shardCopiesOf, type ClusterState, type ShardRouting } from '../cluster/state.js';
import { parseIndicesOptions } from '../index/expression.js';
import { errors, EsError, isEsError } from '../common/errors.js';
import { parseTimeValueMs } from '../common/time-value.js';
import { DynamicMappingUpdateRequired, type IndicesService, type IndexHandle } from '../index/index.js';
import {
  bulkActions,
  executeBulk,
  executeMget,
  parseBulkBody,
  parseMgetBody,
  parseRefresh,
  parseRouting,
  pipelineNotSupported,
  readRestrictionFor,
  resolveRouting,
  type BulkItem,
  type MgetDoc,
} from '../index/documents.js';
import type { IngestService } from '../index/ingest/index.js';
import { routingLayoutOf, shardNumber } from '../index/routing.js';
import { settingInteger } from '../index/settings.js';
import { sourceFilterFromQuery } from '../index/source-filter.js';
import { REPLICATION_ACTIONS, type ShardTarget } from '../index/replication/actions.js';
import { booleanParam, createRestRequest } from '../http/request.js';
import type { HttpMethod, RequestAuthorizer, RequestContext, RestRequest, RestResponse, Route } from '../http/route.js';
import { documentRoutes, isScriptedUpsert, listExecutedPipelines } from '../http/routes/documents.js';
import type { TransportHandler } from '../transport/index.js';
import type { CoordinationWiring } from './wire-coordination.js';
import type { DataPlaneWiring } from './wire-data-plane.js';
import { restrictionFromWire, restrictionToWire, type TravellingRestriction } from './travelling-restriction.js';
import { mappingAdditions } from './published-mappings.js';

/** Elasticsearch's shard-level write action (TransportShardBulkAction): every document write goes through it. */
const SHARD_WRITE_ACTION = REPLICATION_ACTIONS.bulkShard;
/** The shard-level realtime GET (TransportGetAction's shard action). */
const SHARD_GET_ACTION = 'indices:data/read/get[s]';
/** The shard-level part of a multi-get (TransportShardMultiGetAction): one node's documents. */
const SHARD_MGET_ACTION = 'indices:data/read/mget[shard][s]';

/** A refresh of a replica's copy after a write with `refresh=true|wait_for` (TransportShardRefreshAction's replica action). */
const REPLICA_REFRESH_ACTION = 'indices:admin/refresh[s][r]';

/** ReplicationRequest's default `timeout` (1m): how long a write waits for a started primary. */
const writeTimeoutDefaultMs = 60_000;
/** Ours: how long a copy's node waits to apply the state a refreshing primary published (its mapping) before it refreshes anyway. */
const replicaStateWaitMs = 30_000;
/**
 * Ours: when a document still needs a mapping update after the master answered it (this node has
 * not applied a state holding it yet, or the master is busy with other nodes' updates), the primary
 * waits for a newer cluster state before it asks again, from mappingRetryWaitMsMin doubling up to
 * mappingRetryWaitMsMax, until the request's `timeout`, then fails it with 503
 * process_cluster_event_timeout_exception, as Elasticsearch's primary waits out contention on its
 * master; load alone never fails a write with a 5xx of its own.
 */
const mappingRetryWaitMsMin = 10;
const mappingRetryWaitMsMax = 1_000;

/** How long the `repeat`-th request for one document's mapping update waits for a newer state first (none for the first). Pure. */
export function mappingRetryWaitMs(repeat: number): number {
  if (repeat <= 1) return 0;
  return Math.min(mappingRetryWaitMsMax, mappingRetryWaitMsMin * 2 ** Math.min(repeat - 2, 16));
}
/** Ours: after a retriable failure, how long the coordinator waits for a newer cluster state before trying again. */
const retryStateWaitMs = 500;

/** Errors after which the same write is retried on the shard's (new) primary, as ReplicationOperation's reroute phase does. */
export const shardRetriableTypes: ReadonlySet<string> = new Set([
  'node_disconnected_exception',
  'node_not_connected_exception',
  'connect_transport_exception',
  'node_closed_exception',
  'shard_not_found_exception',
  'shard_not_in_primary_mode_exception',
  'no_longer_primary_shard_exception',
]);

/** What a coordinating node sends the primary's node for one shard. */
type ShardRequest =
  | { readonly kind: 'bulk'; readonly ndjson: string; readonly query: Readonly<Record<string, string>> }
  | {
      readonly kind: 'doc';
      readonly method: HttpMethod;
      readonly path: string;
      readonly params: Readonly<Record<string, string>>;
      readonly query: Readonly<Record<string, string>>;
      readonly body: unknown;
      /** A read's caller's document and field level security on `params.index` (src/node/travelling-restriction.ts). */
      readonly read_restriction?: TravellingRestriction;
    };

/** The copies of `index` on a node that can refresh them (started or relocating; none of a closed index). */
function activeCopiesOf(state: ClusterState, index: string): ShardRouting[] {
  if (state.metadata.indices[index]?.state !== 'open') return [];
  return allShardRoutings(state).filter((copy) => copy.index === index && (copy.state === 'STARTED' || copy.state === 'RELOCATING') && copy.node !== null);
}

/** The shard's started primary's node in `state` (undefined: none, or the index is another incarnation). */
export function startedPrimaryNode(state: ClusterState, target: ShardTarget): string | undefined {
  if (state.metadata.indices[target.index]?.settings['index.uuid'] !== target.indexUuid) return undefined;
  const primary = primaryOf(state, target.index, target.shard);
  return primary !== undefined && (primary.state === 'STARTED' || primary.state === 'RELOCATING') && primary.node !== null ? primary.node : undefined;
}

/**
 * `wait_for_active_shards` (Elasticsearch's ActiveShardCount.parseString): `all`, a count of at
 * least 0, or `default` / absent, which is the index's `index.write.wait_for_active_shards` (1).
 */
export function parseActiveShardCount(raw: string | undefined, indexSetting: string | undefined): number | 'all' {
  const value = raw === undefined || raw === 'default' ? (indexSetting ?? '1') : raw;
  if (value === 'all') return 'all';
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw errors.illegalArgument(`cannot parse ActiveShardCount[${value}]`);
  if (Number(value) < 0) throw errors.illegalArgument('shard count cannot be a negative value');
  return Number(value);
}

/**
 * Why a write may not start yet on `target` (ReplicationOperation.checkActiveShardCount): fewer
 * active copies than it waits for; undefined when there are enough.
 */
export function activeShardsShortfall(state: ClusterState, target: ShardTarget, wanted: number | 'all'): string | undefined {
  const copies = shardCopiesOf(state, target.index, target.shard);
  const active = copies.filter((copy) => copy.state === 'STARTED' || copy.state === 'RELOCATING').length;
  const needed = wanted === 'all' ? copies.length : wanted;
  if (active >= needed) return undefined;
  return `Not enough active copies to meet shard count of [${wanted === 'all' ? 'ALL' : wanted}] (have ${active}, needed ${needed}).`;
}

/** True when the published state no longer has the index (or has another index of that name). */
function indexGone(state: ClusterState, target: ShardTarget): boolean {
  return state.metadata.indices[target.index]?.settings['index.uuid'] !== target.indexUuid;
}

/** True when the published state has the index closed. */
function indexClosedIn(state: ClusterState, target: ShardTarget): boolean {
  return state.metadata.indices[target.index]?.state === 'close';
}

/**
 * An item's true `_shards` (ReplicationResponse.ShardInfo): how many copies the shard has and how
 * many wrote the operation; a noop wrote nothing and keeps its zeros.
 */
export function withShardCounts(
  body: Record<string, unknown>,
  shards: { readonly total: number; readonly successful: number; readonly failed: number; readonly failures: readonly { readonly allocationId: string; readonly reason: string }[] },
  target: ShardTarget,
  copiesInTable: number,
): Record<string, unknown> {
  const current = body['_shards'] as { total?: number } | undefined;
  if (current === undefined || current.total === 0 || body['error'] !== undefined) return body;
  return {
    ...body,
    _shards: {
      // Unassigned copies count in `total` (ReplicationOperation adds the skipped shards): a yellow index answers total 2, successful 1.
      total: Math.max(shards.total, copiesInTable),
      successful: shards.successful,
      failed: shards.failed,
      ...(shards.failures.length > 0
        ? { failures: shards.failures.map((failure) => ({ _index: target.index, _shard: target.shard, _node: null, reason: { type: 'replication_failure', reason: failure.reason }, status: 'INTERNAL_SERVER_ERROR', primary: false })) }
        : {}),
    },
  };
}

/** Copies of each shard of the index: the primary and its replicas, assigned or not. */
function copiesInTable(handle: IndexHandle): number {
  return 1 + settingInteger(handle.metadata.settings, 'index.number_of_replicas');
}

/** Bulk metadata the coordinating node resolved: the primary runs the item against the concrete index. */
const coordinatorOnlyMetadata = new Set(['pipeline', 'require_alias', 'require_data_stream', 'list_executed_pipelines']);

/** One item of a shard's bulk, as NDJSON lines (the concrete index, id and routing resolved). */
export function shardBulkLines(item: BulkItem, index: string, id: string | undefined, routing: string | undefined): string {
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item.metadata)) if (!coordinatorOnlyMetadata.has(key) && key !== 'routing') metadata[key] = value;
  metadata['_index'] = index;
  if (id !== undefined) metadata['_id'] = id;
  if (routing !== undefined) metadata['routing'] = routing;
  const action = `${JSON.stringify({ [item.operation]: metadata })}\n`;
  return item.operation === 'delete' ? action : `${action}${JSON.stringify(item.payload)}\n`;
}


export interface DocumentsWiringOptions {
  readonly nodeId: string;
  readonly coordination: CoordinationWiring;
  readonly dataPlane: DataPlaneWiring;
  readonly indices: IndicesService;
  readonly ingest: IngestService | undefined;
  readonly addTransportHandlers: (handlers: ReadonlyMap<string, TransportHandler>) => void;
  readonly log: Logger;
  readonly nowMs: () => number;
}

export interface DocumentsWiring {
  /** The node's routes with the document APIs routed to primaries and the unrouted writers refused. */
  applyTo(routes: readonly Route[]): Route[];
  /**
   * The coordinating bulk path (`POST /_bulk`) for a caller named by its authorizer and user name:
   * a reindex's batches (wire-reindex-multi-node.ts).
   */
  bulkAs(ndjson: string, query: Readonly<Record<string, string>>, authorize: Pick<RequestAuthorizer, 'allowsIndex' | 'readRestriction'>, username: string): Promise<RestResponse>;
  /** Refreshes every started copy of these indices, on every node holding one (after it applied this node's state). */
  refreshCopies(names: readonly string[]): Promise<void>;
}

export function wireDocuments(options: DocumentsWiringOptions): DocumentsWiring {
  const { indices, ingest, coordination, dataPlane, nodeId } = options;
  const { coordinator } = coordination;
  const { replication, channel } = dataPlane;
  const log = options.log.child({ layer: 'documents' });
  // The single-node handlers, run on the primary's node as they run on a single node (authorization,
  // ingest and index resolution already done by the coordinating node).
  const local = documentRoutes(indices);
  // A scripted upsert is the exception: the coordinating node cannot ingest a document the script
  // has not made yet, so the primary runs the index's pipelines on it after the script, as a
  // single node (and Elasticsearch's non-bulk update) does.
  const localIngesting = ingest === undefined ? undefined : documentRoutes(indices, ingest);
  const localRoute = (method: HttpMethod, path: string, routes: readonly Route[] = local): Route => {
    const route = routes.find((candidate) => candidate.path === path && (typeof candidate.method === 'string' ? candidate.method === method : candidate.method.includes(method)));
    if (route === undefined) throw errors.illegalArgument(`malformed [${SHARD_WRITE_ACTION}] request: no document route [${method} ${path}]`);
    return route;
  };
  const internalContext = (authentication: RequestContext['authentication']): RequestContext => ({ authentication, authorize: ALLOW_ALL });
  const systemAuthentication = SYSTEM_AUTHENTICATION;
  const restRequestOf = (method: HttpMethod, params: Readonly<Record<string, string>>, query: Readonly<Record<string, string>>, body: string | undefined): RestRequest =>
    createRestRequest({ method, rawPath: '', params: { ...params }, query: { ...query }, headers: {}, body: body === undefined ? undefined : Buffer.from(body, 'utf8') });

  // ------------------------------------------------------------------ primary side

  /**
   * Asks the master to publish a document's dynamic mapping update and resolves once this node
   * applied the state holding it; rejects with the master's EsError when it refuses (a field type
   * another primary published first: illegal_argument_exception), which fails that document.
   */
  const publishDynamicUpdate = async (update: DynamicMappingUpdateRequired, timeoutMs: number): Promise<void> => {
    // Only what the document adds: the local mapping may hold a put-mapping of this node the master
    // has not answered, whose refusal must not fail this document nor its publication carry it.
    await coordinator.submit({ kind: 'put_mapping', name: update.index, mappings: { _doc: mappingAdditions(update.base, update.mappings) } }, timeoutMs);
  };

  /**
   * The `repeat`-th mapping update one document needs (see mappingRetryWaitMs): after the first, it
   * waits for a newer cluster state (or the backoff) before asking again; past the request's
   * deadline it fails with 503 process_cluster_event_timeout_exception.
   */
  const awaitMappingUpdate = async (update: DynamicMappingUpdateRequired, repeat: number, deadlineMs: number, timeoutMs: number): Promise<void> => {
    const timedOut = (): EsError => errors.processClusterEventTimeout(`put-mapping [${update.index}]`, timeoutMs);
    if (options.nowMs() >= deadlineMs) throw timedOut();
    const waitMs = Math.min(mappingRetryWaitMs(repeat), deadlineMs - options.nowMs());
    if (waitMs > 0) {
      const seen = coordinator.state().version;
      await coordinator.waitForState((state) => state.version > seen, waitMs);
    }
    const remainingMs = deadlineMs - options.nowMs();
    if (remainingMs <= 0) throw timedOut();
    await publishDynamicUpdate(update, remainingMs);
  };

  /**
   * Runs one shard's request on the local primary and answers once every in-sync copy wrote it.
   * Dynamic mapping updates are held while a write runs (IndicesService.holdingDynamicMappings):
   * a document that would add to the mapping stops before it is written, the master publishes the
   * update (or refuses it: that document fails with its error), and the document runs again under
   * the mapping this node then applied, as Elasticsearch's primary does. So no copy ever holds a
   * field type the published mapping lacks.
   */
  const executeOnPrimary = async (target: ShardTarget, request: ShardRequest, timeoutMs: number): Promise<RestResponse> => {
    const handle = indices.get(target.index);
    if (handle === undefined || handle.uuid !== target.indexUuid) throw errors.shardNotFound(target.index, target.shard);
    // The state the other copies must apply before they take a write's operations: the one this
    // node applied (it holds the mapping the documents were parsed against, the published one). A
    // copy indexing them without it never finds them by a new field, whatever refreshes later.
    const mappingState = (): Promise<number> => coordination.publishMapping(handle.name, timeoutMs).then(() => coordinator.state().version);
    // Mapping updates are waited for up to the request's timeout, from now.
    const deadlineMs = options.nowMs() + timeoutMs;
    let response: RestResponse;
    if (request.kind === 'doc') {
      const ingesting = localIngesting !== undefined && request.path === '/:index/_update/:id' && isScriptedUpsert(request.body);
      const route = localRoute(request.method, request.path, ingesting ? localIngesting : local);
      const rest = restRequestOf(request.method, request.params, request.query, request.body === undefined ? undefined : JSON.stringify(request.body));
      const run = (): RestResponse =>
        indices.holdingDynamicMappings(() => {
          const answer = indices.writeCheckedByCoordinatingNode(() => route.handle(rest, internalContext(systemAuthentication)));
          if (answer instanceof Promise) throw errors.illegalState(`document route [${request.method} ${request.path}] is not synchronous`);
          return answer;
        });
      let written: Awaited<ReturnType<typeof replication.writeWith<RestResponse>>> | undefined;
      for (let repeat = 1; written === undefined; repeat++) {
        try {
          written = await replication.writeWith(target, run, mappingState);
        } catch (error) {
          if (!(error instanceof DynamicMappingUpdateRequired)) throw error;
          await awaitMappingUpdate(error, repeat, deadlineMs, timeoutMs);
        }
      }
      response = { ...written.result, body: withShardCounts(written.result.body as Record<string, unknown>, written.shards, target, copiesInTable(handle)) };
    } else {
      const query = request.query;
      const hasSourceParams = ['_source', '_source_includes', '_source_excludes'].some((name) => query[name] !== undefined);
      const defaults = { index: undefined, requireAlias: false, requireDataStream: false, sourceFilter: hasSourceParams ? sourceFilterFromQuery(query) : undefined, routing: undefined };
      const items = parseBulkBody(request.ndjson, defaults);
      const rendered: Record<string, unknown>[] = [];
      const touched = new Map<string, IndexHandle>();
      // Runs from the first item not yet answered; stops at an item needing a mapping update.
      let from = 0;
      // How many times in a row the item at `from` needed a mapping update.
      let repeat = 0;
      while (from < items.length) {
        const remaining = from === 0 ? items : items.slice(from);
        const written = await replication.writeWith(target, () => indices.holdingDynamicMappings(() => indices.writeCheckedByCoordinatingNode(() => executeBulk(indices, remaining, defaults, { allowsIndex: () => true, username: '_system' }, options.nowMs))), mappingState);
        for (const index of written.result.touched) touched.set(index.name, index);
        for (const item of written.result.body['items'] as Record<string, Record<string, unknown>>[]) {
          rendered.push(Object.fromEntries(Object.entries(item).map(([operation, body]) => [operation, withShardCounts(body, written.shards, target, copiesInTable(handle))])));
        }
        const required = written.result.mappingUpdateRequired;
        if (required === undefined) break;
        const position = from + required.position;
        repeat = position === from ? repeat + 1 : 1;
        try {
          await awaitMappingUpdate(required.update, repeat, deadlineMs, timeoutMs);
          from = position;
        } catch (error) {
          if (!isEsError(error)) throw error;
          // The master refused it (or did not answer in time): this item fails, the next ones run.
          const item = items[position]!;
          rendered.push({ [item.operation]: { _index: required.update.index, _id: item.id ?? null, status: error.status, error: error.toCause() } });
          from = position + 1;
          repeat = 0;
        }
      }
      if (parseRefresh(query['refresh']) !== 'false') for (const index of touched.values()) indices.refresh(index);
      response = { status: 200, body: { items: rendered } };
    }
    // Dynamic mapping updates were published before the documents were written; a local mapping
    // change of another kind (none expected) still goes to the master before the answer.
    await coordination.publishMapping(handle.name, timeoutMs);
    // `refresh=true|wait_for` makes the write searchable on every copy, not only here, under the
    // mapping just published (each copy's node applies that state first).
    if (parseRefresh(request.query['refresh']) !== 'false') await refreshReplicas(target, coordinator.state().version);
    return response;
  };

  /**
   * Asks the other nodes holding a copy of `target` to refresh it (they hold what was acknowledged)
   * once they applied state `version`.
   */
  const refreshReplicas = async (target: ShardTarget, version: number): Promise<void> => {
    const state = coordinator.state();
    const others = shardCopiesOf(state, target.index, target.shard).filter((copy) => copy.node !== null && copy.node !== nodeId && copy.state !== 'UNASSIGNED');
    await Promise.all(
      others.map((copy) =>
        channel.request(copy.node!, REPLICA_REFRESH_ACTION, { index_uuid: target.indexUuid, index: target.index, shard: target.shard, state_version: version }, writeTimeoutDefaultMs).catch((error: unknown) => {
          log.warn({ err: error, index: target.index, shard: target.shard, node: copy.node }, 'a copy did not refresh after a write asking for it');
        }),
      ),
    );
  };

  /** The access a data node reads with for a coordinating node: authorized there, restricted as the caller is on `index`. */
  const restrictedContext = (index: string | undefined, travelling: unknown): RequestContext => {
    const restriction = restrictionFromWire(travelling);
    if (restriction === undefined) return internalContext(systemAuthentication);
    return { authentication: systemAuthentication, authorize: { ...ALLOW_ALL, readRestriction: (_action, name) => (name === index ? restriction : undefined) } };
  };

  const readOnPrimary = (request: ShardRequest): RestResponse => {
    if (request.kind !== 'doc') throw errors.illegalArgument(`malformed [${SHARD_GET_ACTION}] request`);
    const route = localRoute(request.method, request.path);
    const answer = route.handle(restRequestOf(request.method, request.params, request.query, undefined), restrictedContext(request.params['index'], request.read_restriction));
    if (answer instanceof Promise) throw errors.illegalState(`document route [${request.method} ${request.path}] is not synchronous`);
    return answer;
  };

  const readShardRequest = (action: string, body: unknown): { target: ShardTarget; request: ShardRequest; timeoutMs: number } => {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.illegalArgument(`malformed [${action}] request`);
    const object = body as Record<string, unknown>;
    const { index_uuid: indexUuid, index, shard, request, timeout_ms: timeoutMs } = object;
    if (typeof indexUuid !== 'string' || typeof index !== 'string' || typeof shard !== 'number' || !Number.isSafeInteger(shard) || shard < 0 || request === null || typeof request !== 'object') {
      throw errors.illegalArgument(`malformed [${action}] request`);
    }
    const kind = (request as Record<string, unknown>)['kind'];
    if (kind !== 'bulk' && kind !== 'doc') throw errors.illegalArgument(`malformed [${action}] request: unknown kind`);
    return { target: { indexUuid, index, shard }, request: request as ShardRequest, timeoutMs: typeof timeoutMs === 'number' && timeoutMs > 0 ? timeoutMs : writeTimeoutDefaultMs };
  };

  // The replication service's own `bulk[s]` format (items of ShardWriteItem) stays served; a
  // coordinating node's request carries `request`.
  dataPlane.serveShardBulk((own) => {
    const routed = replication.internalHandler(async (raw) => {
      const { target, request, timeoutMs } = readShardRequest(SHARD_WRITE_ACTION, raw);
      return executeOnPrimary(target, request, timeoutMs);
    });
    return (transportRequest) => {
      const body = transportRequest.body as Record<string, unknown> | null;
      return body !== null && typeof body === 'object' && body['request'] !== undefined ? routed(transportRequest) : own(transportRequest);
    };
  });
  options.addTransportHandlers(
    new Map<string, TransportHandler>([
      [
        REPLICA_REFRESH_ACTION,
        replication.internalHandler(async (raw) => {
          const { index_uuid: indexUuid, index, state_version: version } = (raw ?? {}) as Record<string, unknown>;
          if (typeof version === 'number') await coordinator.waitForState((state) => state.version >= version, replicaStateWaitMs);
          const handle = typeof index === 'string' ? indices.get(index) : undefined;
          if (handle !== undefined && handle.uuid === indexUuid && handle.shards !== undefined) indices.refresh(handle);
          return {};
        }),
      ],
      [
        SHARD_MGET_ACTION,
        replication.internalHandler((raw) => {
          const object = (raw ?? {}) as Record<string, unknown>;
          const docs = object['docs'];
          if (!Array.isArray(docs)) throw errors.illegalArgument(`malformed [${SHARD_MGET_ACTION}] request: [docs] must be an array`);
          if (object['refresh'] === true) for (const name of new Set((docs as MgetDoc[]).map((doc) => doc.index))) {
            const handle = indices.get(name);
            if (handle?.shards !== undefined) indices.refresh(handle);
          }
          // Each index's travelling restriction (the caller's document and field level security there).
          const travelling = object['read_restrictions'];
          if (travelling !== undefined && (travelling === null || typeof travelling !== 'object' || Array.isArray(travelling))) throw errors.illegalArgument(`malformed [${SHARD_MGET_ACTION}] request: [read_restrictions] must be an object`);
          const restrictions = new Map(Object.entries((travelling ?? {}) as Record<string, unknown>).map(([index, wire]) => [index, restrictionFromWire(wire)]));
          return executeMget(indices, docs as MgetDoc[], { allowsIndex: () => true, readRestriction: (_action, name) => restrictions.get(name), username: '_system' });
        }),
      ],
      [
        SHARD_GET_ACTION,
        replication.internalHandler((raw) => {
          const { target, request } = readShardRequest(SHARD_GET_ACTION, raw);
          const handle = indices.get(target.index);
          if (handle === undefined || handle.uuid !== target.indexUuid || !replication.isPrimaryHere(target)) throw errors.shardNotFound(target.index, target.shard);
          return readOnPrimary(request);
        }),
      ],
    ]),
  );

  // ------------------------------------------------------------------ coordinating side

  const timeoutOf = (request: RestRequest): number => {
    const raw = request.query['timeout'];
    if (raw === undefined || raw === '') return writeTimeoutDefaultMs;
    const ms = parseTimeValueMs(raw, 'timeout');
    return ms < 0 ? writeTimeoutDefaultMs : ms;
  };

  const unavailable = (target: ShardTarget, timeoutMs: number, count: number, reason = 'primary shard is not active'): EsError =>
    new EsError(503, 'unavailable_shards_exception', `[${target.index}][${target.shard}] ${reason} Timeout: [${formatTimeout(timeoutMs)}], request: [BulkShardRequest [[${target.index}][${target.shard}]] containing [${count}] requests]`, {
      extra: { index: target.index, shard: String(target.shard), index_uuid: target.indexUuid },
    });

  /** Sends one shard's request to its started primary (waiting for one up to `timeoutMs`), retrying on a lost primary. */
  const toPrimary = async (action: string, target: ShardTarget, request: ShardRequest, timeoutMs: number, count: number, activeShards?: string): Promise<RestResponse> => {
    const deadline = options.nowMs() + timeoutMs;
    const wanted = action === SHARD_WRITE_ACTION ? parseActiveShardCount(activeShards, indices.get(target.index)?.metadata.settings['index.write.wait_for_active_shards']) : 0;
    for (;;) {
      const state = coordinator.state();
      if (indexGone(state, target)) throw errors.indexNotFound(target.index);
      // A closed index keeps its routing table (its copies stay listed, closed): nothing to wait for.
      if (indexClosedIn(state, target)) throw errors.indexClosed(target.index, target.indexUuid);
      const settled = (next: ClusterState): boolean => indexGone(next, target) || indexClosedIn(next, target);
      const primary = startedPrimaryNode(state, target);
      const remaining = deadline - options.nowMs();
      if (primary === undefined) {
        if (action === SHARD_GET_ACTION) throw errors.noShardAvailable(target.index, target.shard);
        if (remaining <= 0 || !(await coordinator.waitForState((next) => startedPrimaryNode(next, target) !== undefined || settled(next), remaining))) throw unavailable(target, timeoutMs, count);
        continue;
      }
      // `wait_for_active_shards`: the write starts once that many copies of the shard are active.
      const shortfall = activeShardsShortfall(state, target, wanted);
      if (shortfall !== undefined) {
        const enough = (next: ClusterState): boolean => settled(next) || activeShardsShortfall(next, target, wanted) === undefined;
        if (remaining <= 0 || !(await coordinator.waitForState(enough, remaining))) throw unavailable(target, timeoutMs, count, shortfall);
        continue;
      }
      try {
        if (primary === nodeId) return action === SHARD_GET_ACTION ? readOnPrimaryChecked(target, request) : await executeOnPrimary(target, request, timeoutMs);
        const answer = (await channel.request(primary, action, { index_uuid: target.indexUuid, index: target.index, shard: target.shard, timeout_ms: Math.max(1, remaining), request }, Math.max(1, remaining))) as RestResponse;
        return { status: answer.status, body: answer.body };
      } catch (error) {
        if (!isEsError(error) || !shardRetriableTypes.has(error.type) || options.nowMs() >= deadline) throw error;
        log.debug({ err: error, index: target.index, shard: target.shard, primary }, 'retrying a shard request on the next cluster state');
        const version = state.version;
        await coordinator.waitForState((next) => next.version > version, Math.max(1, Math.min(retryStateWaitMs, deadline - options.nowMs())));
      }
    }
  };

  const readOnPrimaryChecked = (target: ShardTarget, request: ShardRequest): RestResponse => {
    if (!replication.isPrimaryHere(target)) throw errors.shardNotFound(target.index, target.shard);
    return readOnPrimary(request);
  };

  const shardOf = (handle: IndexHandle, id: string, routing: string | undefined): ShardTarget => ({
    indexUuid: handle.uuid,
    index: handle.name,
    shard: shardNumber(routingLayoutOf(handle.metadata.settings), routing ?? id),
  });

  /** The write index of `target` (auto-created locally, then through the master, as the create index API). */
  const writeIndexOf = async (target: string, flags: { requireAlias: boolean; requireDataStream: boolean; authorizeCreate?: (index: string) => void }, timeoutMs: number): Promise<IndexHandle> => {
    const before = new Set(indices.all().map((handle) => handle.name));
    const handle = indices.writeIndex(target, { requireAlias: flags.requireAlias, requireDataStream: flags.requireDataStream, ...(flags.authorizeCreate !== undefined ? { authorizeCreate: flags.authorizeCreate } : {}) });
    if (before.has(handle.name) && indices.all().length === before.size) return handle;
    await publishCreated(before, timeoutMs);
    return indices.get(handle.name) ?? handle;
  };

  /**
   * Indices this request auto-created go to the master. Another node may have created one of them
   * meanwhile (the master answers that it exists): the write then goes to the published index,
   * which this node mirrors once it applies that state.
   */
  const publishCreated = async (before: ReadonlySet<string>, timeoutMs: number): Promise<void> => {
    const created = indices.all().filter((handle) => !before.has(handle.name)).map((handle) => handle.name);
    try {
      await coordination.publishLocalChanges(before, timeoutMs);
    } catch (error) {
      if (!isEsError(error) || error.type !== 'resource_already_exists_exception') throw error;
      const mirrored = (state: ClusterState): boolean => created.every((name) => state.metadata.indices[name] !== undefined && indices.get(name)?.uuid === state.metadata.indices[name]!.settings['index.uuid']);
      if (!(await coordinator.waitForState(mirrored, timeoutMs))) throw error;
    }
  };

  /** Queries the primary's handler sees: what the coordinator resolved is removed or replaced. */
  const forwardedQuery = (query: Readonly<Record<string, string>>, routing: string | undefined, extra: Record<string, string> = {}): Record<string, string> => {
    const forwarded: Record<string, string> = {};
    for (const [key, value] of Object.entries(query)) if (!['pipeline', 'require_alias', 'require_data_stream', 'routing', 'list_executed_pipelines', 'timeout', 'wait_for_active_shards'].includes(key)) forwarded[key] = value;
    if (routing !== undefined) forwarded['routing'] = routing;
    return { ...forwarded, ...extra };
  };

  const indexWrite = async (request: RestRequest, context: RequestContext, opType: 'index' | 'create' | undefined): Promise<RestResponse> => {
    const target = request.params['index']!;
    const requested = request.query['op_type'];
    if (requested !== undefined && requested !== 'index' && requested !== 'create') throw errors.illegalArgument(`opType must be 'create' or 'index', found: [${requested}]`);
    const creates = (opType ?? requested) === 'create' || request.params['id'] === undefined;
    const action = creates ? 'indices:data/write/index:op_type/create' : 'indices:data/write/index';
    context.authorize.indices(action, [target]);
    const pipeline = request.query['pipeline'];
    if (ingest === undefined && pipeline !== undefined && pipeline !== '_none') throw pipelineNotSupported(pipeline);
    parseRefresh(request.query['refresh']);
    const timeoutMs = timeoutOf(request);
    if (request.query['wait_for_active_shards'] !== undefined) parseActiveShardCount(request.query['wait_for_active_shards'], undefined);
    const requestSource = request.json();
    if (requestSource === undefined) throw errors.bodyRequired();
    const requestRouting = parseRouting(request.query['routing']);
    const ingested = ingest?.applyPipelines({ index: target, id: request.params['id'], routing: requestRouting, source: requestSource, pipeline });
    if (ingested?.kind === 'dropped') return { status: 200, body: ingested.body };
    if (ingested?.kind === 'failed') throw ingested.error;
    const write = ingested?.kind === 'write' ? ingested : undefined;
    if (write !== undefined && write.index !== target) context.authorize.indices(action, [write.index]);
    const writeTarget = write?.index ?? target;
    const handle = await writeIndexOf(writeTarget, {
      requireAlias: booleanParam(request.query['require_alias']),
      requireDataStream: booleanParam(request.query['require_data_stream']),
      authorizeCreate: (name) => context.authorize.indices('indices:admin/auto_create', [name]),
    }, timeoutMs);
    const givenId = write !== undefined ? write.id : request.params['id'];
    const effectiveOpType = opType ?? (requested as 'index' | 'create' | undefined) ?? (givenId === undefined ? 'create' : 'index');
    const source = write?.source ?? requestSource;
    indices.checkDocumentWrite({ target: writeTarget, index: handle, opType: effectiveOpType, source, conditional: request.query['if_seq_no'] !== undefined });
    const id = givenId ?? indices.newDocumentId();
    const routing = resolveRouting(handle, writeTarget, id, write !== undefined ? write.routing : requestRouting);
    const shard = shardOf(handle, id, routing);
    const response = await toPrimary(SHARD_WRITE_ACTION, shard, { kind: 'doc', method: 'PUT', path: '/:index/_doc/:id', params: { index: handle.name, id }, query: forwardedQuery(request.query, routing, { op_type: effectiveOpType }), body: source }, timeoutMs, 1, request.query['wait_for_active_shards']);
    if (!booleanParam(request.query['list_executed_pipelines'])) return response;
    return { ...response, body: { ...(response.body as Record<string, unknown>), executed_pipelines: write?.pipelines ?? [] } };
  };

  const deleteWrite = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const target = request.params['index']!;
    context.authorize.indices('indices:data/write/delete', [target]);
    parseRefresh(request.query['refresh']);
    const timeoutMs = timeoutOf(request);
    if (request.query['wait_for_active_shards'] !== undefined) parseActiveShardCount(request.query['wait_for_active_shards'], undefined);
    const id = request.params['id']!;
    // Deletes never auto-create an index.
    if (indices.get(target) === undefined && !indices.isAliasOrDataStream(target)) throw errors.indexNotFound(target);
    const handle = indices.writeIndex(target);
    indices.checkDocumentWrite({ target, index: handle, opType: 'delete', conditional: request.query['if_seq_no'] !== undefined });
    const routing = resolveRouting(handle, target, id, parseRouting(request.query['routing']));
    return toPrimary(SHARD_WRITE_ACTION, shardOf(handle, id, routing), { kind: 'doc', method: 'DELETE', path: '/:index/_doc/:id', params: { index: handle.name, id }, query: forwardedQuery(request.query, routing), body: undefined }, timeoutMs, 1, request.query['wait_for_active_shards']);
  };

  const updateWrite = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const target = request.params['index']!;
    context.authorize.indices('indices:data/write/update', [target]);
    if (readRestrictionFor(indices, context.authorize, 'indices:data/write/update', target) !== undefined) throw errors.updateWithDocumentFieldSecurity();
    parseRefresh(request.query['refresh']);
    if (request.query['version'] !== undefined || request.query['version_type'] !== undefined) {
      throw errors.actionRequestValidation(['internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead']);
    }
    const timeoutMs = timeoutOf(request);
    if (request.query['wait_for_active_shards'] !== undefined) parseActiveShardCount(request.query['wait_for_active_shards'], undefined);
    const id = request.params['id']!;
    const routingParam = parseRouting(request.query['routing']);
    const requestBody = request.json();
    // A scripted upsert's pipelines run on the primary, after the script (executeOnPrimary).
    const ingested = isScriptedUpsert(requestBody) ? undefined : ingest?.applyPipelines({ index: target, id, routing: routingParam, source: requestBody, pipeline: undefined, update: true });
    if (ingested?.kind === 'dropped') return { status: 200, body: ingested.body };
    if (ingested?.kind === 'failed') throw ingested.error;
    const handle = await writeIndexOf(target, { requireAlias: booleanParam(request.query['require_alias']), requireDataStream: false, authorizeCreate: (name) => context.authorize.indices('indices:admin/auto_create', [name]) }, timeoutMs);
    indices.checkDocumentWrite({ target, index: handle, opType: 'update', conditional: request.query['if_seq_no'] !== undefined });
    const routing = resolveRouting(handle, target, id, routingParam);
    const body = ingested?.kind === 'write' ? ingested.source : requestBody;
    return toPrimary(SHARD_WRITE_ACTION, shardOf(handle, id, routing), { kind: 'doc', method: 'POST', path: '/:index/_update/:id', params: { index: handle.name, id }, query: forwardedQuery(request.query, routing), body }, timeoutMs, 1, request.query['wait_for_active_shards']);
  };

  const getRead = async (request: RestRequest, context: RequestContext, path: string): Promise<RestResponse> => {
    const name = request.params['index']!;
    context.authorize.indices('indices:data/read/get', [name]);
    const id = request.params['id']!;
    const handle = indices.singleIndex(name);
    const routing = resolveRouting(handle, name, id, parseRouting(request.query['routing']));
    const target = shardOf(handle, id, routing);
    const primary = startedPrimaryNode(coordinator.state(), target);
    const restriction = readRestrictionFor(indices, context.authorize, 'indices:data/read/get', name);
    if (primary === nodeId) return localRoute(request.method, path).handle(request, context);
    const params = { index: handle.name, id };
    // The caller's restriction travels with the read; the primary's node applies it as this node would.
    const travelling = restriction === undefined ? {} : { read_restriction: restrictionToWire(restriction, name) };
    return toPrimary(SHARD_GET_ACTION, target, { kind: 'doc', method: request.method === 'HEAD' ? 'HEAD' : 'GET', path, params, query: forwardedQuery(request.query, routing), body: undefined, ...travelling }, writeTimeoutDefaultMs, 1);
  };

  const bulk = (request: RestRequest, context: RequestContext): Promise<RestResponse> => bulkAs(request, context.authorize, context.authentication.user.username);

  const bulkAs = async (request: RestRequest, authorize: Pick<RequestAuthorizer, 'allowsIndex' | 'readRestriction'>, username: string): Promise<RestResponse> => {
    const started = options.nowMs();
    const pipelineParam = request.query['pipeline'];
    if (ingest === undefined && pipelineParam !== undefined && pipelineParam !== '_none') throw pipelineNotSupported(pipelineParam);
    parseRefresh(request.query['refresh']);
    const timeoutMs = timeoutOf(request);
    if (request.query['wait_for_active_shards'] !== undefined) parseActiveShardCount(request.query['wait_for_active_shards'], undefined);
    const querySource = ['_source', '_source_includes', '_source_excludes'].some((name) => request.query[name] !== undefined) ? sourceFilterFromQuery(request.query) : undefined;
    const defaults = {
      requireDataStream: booleanParam(request.query['require_data_stream']),
      index: request.params['index'],
      requireAlias: booleanParam(request.query['require_alias']),
      sourceFilter: querySource,
      routing: parseRouting(request.query['routing']),
    };
    const text = request.text();
    if (text.trim() === '') throw errors.bodyRequired();
    const items = parseBulkBody(text, defaults);
    if (ingest !== undefined && (pipelineParam === '' || items.some((item) => item.operation !== 'delete' && item.metadata['pipeline'] === ''))) {
      throw errors.actionRequestValidation(['pipeline cannot be an empty string']);
    }
    const results: Record<string, Record<string, unknown>>[] = new Array(items.length);
    const executedPipelines: (readonly string[])[] = [];
    let ingestTookMs: number | undefined;
    const groups = new Map<string, { target: ShardTarget; lines: string[]; positions: number[] }>();
    const before = new Set(indices.all().map((handle) => handle.name));
    const failItem = (position: number, item: BulkItem, index: string, error: EsError): void => {
      results[position] = { [item.operation]: { _index: index, _id: item.id ?? null, status: error.status, error: error.toCause() } };
    };
    items.forEach((requested, position) => {
      // Ingest runs on the coordinating node before the item is routed (it may change index, id and routing).
      let item: BulkItem = requested;
      if (ingest !== undefined && requested.operation !== 'delete') {
        const itemPipeline = requested.metadata['pipeline'];
        const ingestStarted = options.nowMs();
        const outcome = ingest.applyPipelines({
          index: requested.index,
          id: requested.id,
          routing: requested.routing,
          source: requested.payload,
          pipeline: itemPipeline === undefined || itemPipeline === null ? pipelineParam : String(itemPipeline),
          update: requested.operation === 'update',
        });
        if (outcome.kind !== 'unchanged') ingestTookMs = (ingestTookMs ?? 0) + options.nowMs() - ingestStarted;
        executedPipelines.push(outcome.kind === 'write' ? outcome.pipelines : []);
        if (outcome.kind === 'dropped') {
          results[position] = { [requested.operation]: { ...outcome.body, status: 200 } };
          return;
        }
        if (outcome.kind === 'failed') {
          results[position] = { [requested.operation]: { _index: outcome.index, _id: outcome.id, status: outcome.error.status, error: outcome.error.toCause() } };
          return;
        }
        if (outcome.kind === 'write') item = requested.operation === 'update' ? { ...requested, payload: outcome.source } : { ...requested, index: outcome.index, id: outcome.id, routing: outcome.routing, payload: outcome.source };
      }
      const action = bulkActions[item.operation];
      if (!authorize.allowsIndex(action, item.index)) {
        failItem(position, item, item.index, errors.actionDenied(action.replace(/:op_type\/create$/, ''), username, ` on indices [${item.index}]`));
        return;
      }
      try {
        const itemPipeline = item.metadata['pipeline'];
        if (ingest === undefined && itemPipeline !== undefined && itemPipeline !== null && itemPipeline !== '_none' && item.operation !== 'delete') throw pipelineNotSupported(String(itemPipeline));
        if (item.operation === 'delete' && indices.get(item.index) === undefined && !indices.isAliasOrDataStream(item.index)) throw errors.indexNotFound(item.index);
        const requireDataStream = item.operation === 'update' || item.operation === 'delete' ? false : item.metadata['require_data_stream'] === undefined || item.metadata['require_data_stream'] === null ? defaults.requireDataStream : item.metadata['require_data_stream'] === true || item.metadata['require_data_stream'] === 'true';
        const handle = indices.writeIndex(item.index, {
          requireAlias: item.metadata['require_alias'] === true || defaults.requireAlias,
          requireDataStream,
          authorizeCreate: (index) => {
            if (!authorize.allowsIndex('indices:admin/auto_create', index)) throw errors.actionDenied('indices:admin/auto_create', username, ` on indices [${index}]`);
          },
        });
        if (item.operation === 'update' && readRestrictionFor(indices, authorize, action, item.index) !== undefined) {
          throw errors.updateWithDocumentFieldSecurity();
        }
        const opType = item.operation === 'index' && item.metadata['op_type'] === 'create' ? 'create' : item.operation;
        indices.checkDocumentWrite({ target: item.index, index: handle, opType, ...(item.operation === 'delete' ? {} : { source: item.payload }), conditional: item.concurrency.ifSeqNo !== undefined });
        const id = item.id ?? (item.operation === 'index' || item.operation === 'create' ? indices.newDocumentId() : undefined);
        const routing = resolveRouting(handle, item.index, id ?? '', item.routing);
        const target = shardOf(handle, id ?? '', routing);
        const key = `${target.indexUuid}/${target.shard}`;
        let group = groups.get(key);
        if (group === undefined) groups.set(key, (group = { target, lines: [], positions: [] }));
        group.lines.push(shardBulkLines(item, handle.name, id, routing));
        group.positions.push(position);
      } catch (error) {
        if (!isEsError(error)) throw error;
        failItem(position, item, indices.get(item.index)?.name ?? item.index, error);
      }
    });
    // Indices auto-created by this request exist for the whole cluster before any item is sent.
    if (indices.all().some((handle) => !before.has(handle.name))) {
      await publishCreated(before, timeoutMs);
      // Another node created one of them first (an index, or a data stream's backing index): the
      // items go to the published index, which this node now holds under that index's uuid (same
      // name, settings and so shard numbers).
      for (const group of groups.values()) {
        const published = indices.get(group.target.index);
        if (published !== undefined && published.uuid !== group.target.indexUuid) group.target = { ...group.target, indexUuid: published.uuid };
      }
    }
    const query: Record<string, string> = {};
    for (const name of ['refresh', '_source', '_source_includes', '_source_excludes']) if (request.query[name] !== undefined) query[name] = request.query[name]!;
    await Promise.all(
      [...groups.values()].map(async (group) => {
        try {
          const answer = await toPrimary(SHARD_WRITE_ACTION, group.target, { kind: 'bulk', ndjson: group.lines.join(''), query }, timeoutMs, group.lines.length, request.query['wait_for_active_shards']);
          const answered = (answer.body as { items: Record<string, Record<string, unknown>>[] }).items;
          group.positions.forEach((position, index) => {
            results[position] = answered[index]!;
          });
        } catch (error) {
          const failure = isEsError(error) ? error : errors.internal(String(error));
          group.positions.forEach((position) => {
            const item = items[position]!;
            failItem(position, item, group.target.index, failure);
          });
        }
      }),
    );
    const errorsSeen = results.some((result) => Object.values(result)[0]?.['error'] !== undefined);
    const body: Record<string, unknown> = { errors: errorsSeen, took: Math.max(0, Math.round(options.nowMs() - started)) };
    if (ingestTookMs !== undefined) body['ingest_took'] = Math.max(0, Math.round(ingestTookMs));
    body['items'] = results;
    listExecutedPipelines(request, items, results, executedPipelines);
    return { status: 200, body };
  };

  const mget = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const body = request.json();
    if (body === undefined) throw errors.bodyRequired();
    const storedFields = request.query['stored_fields']?.split(',').filter((field) => field !== '');
    const explicitSource = request.query['_source'] !== undefined || request.query['_source_includes'] !== undefined;
    const docs = parseMgetBody(body, request.params['index'], sourceFilterFromQuery(request.query), explicitSource, parseRouting(request.query['routing'])).map((doc) =>
      storedFields !== undefined && doc.storedFields === undefined ? { ...doc, storedFields } : doc,
    );
    const refresh = booleanParam(request.query['refresh']);
    const authorize = context.authorize;
    const authorizer = { allowsIndex: (action: string, name: string) => authorize.allowsIndex(action, name), ...(authorize.readRestriction !== undefined ? { readRestriction: (action: string, name: string, aliases?: readonly string[]) => authorize.readRestriction!(action, name, aliases) } : {}), username: context.authentication.user.username };
    const results: Record<string, unknown>[] = new Array(docs.length);
    const local: number[] = [];
    const remote = new Map<string, { docs: MgetDoc[]; positions: number[]; restrictions: Record<string, TravellingRestriction> }>();
    const state = coordinator.state();
    docs.forEach((doc, position) => {
      // What fails before a store is read (a missing index, no permission, a bad routing) is answered as a single node answers it.
      const resolved = ((): { handle: IndexHandle; routing: string | undefined } | undefined => {
        if (!authorize.allowsIndex('indices:data/read/mget[shard]', doc.index)) return undefined;
        try {
          const handle = indices.singleIndex(doc.index);
          return { handle, routing: resolveRouting(handle, doc.index, doc.id, doc.routing) };
        } catch (error) {
          if (isEsError(error)) return undefined;
          throw error;
        }
      })();
      if (resolved === undefined) {
        local.push(position);
        return;
      }
      const { handle, routing } = resolved;
      const target = shardOf(handle, doc.id, routing);
      const primary = startedPrimaryNode(state, target);
      if (primary === nodeId || primary === undefined) {
        if (primary === undefined) results[position] = { _index: handle.name, _id: doc.id, error: errors.noShardAvailable(target.index, target.shard).toBody().error };
        else local.push(position);
        return;
      }
      let part = remote.get(primary);
      if (part === undefined) remote.set(primary, (part = { docs: [], positions: [], restrictions: {} }));
      // The caller's document and field level security on the index travels with its documents.
      const restriction = readRestrictionFor(indices, authorizer, 'indices:data/read/mget[shard]', doc.index);
      if (restriction !== undefined) {
        try {
          part.restrictions[handle.name] = restrictionToWire(restriction, doc.index);
        } catch (error) {
          if (!isEsError(error)) throw error;
          results[position] = { _index: handle.name, _id: doc.id, error: error.toBody().error };
          return;
        }
      }
      part.docs.push({ ...doc, index: handle.name, ...(routing !== undefined ? { routing } : {}) });
      part.positions.push(position);
    });
    if (refresh) {
      for (const name of new Set(local.map((position) => docs[position]!.index))) {
        const handle = indices.get(name);
        if (handle?.shards !== undefined && authorize.allowsIndex('indices:data/read/mget[shard]', name)) indices.refresh(handle);
      }
    }
    const answered = (executeMget(indices, local.map((position) => docs[position]!), authorizer)['docs'] as Record<string, unknown>[]);
    local.forEach((position, i) => {
      results[position] = answered[i]!;
    });
    await Promise.all(
      [...remote].map(async ([node, part]) => {
        try {
          const answer = (await channel.request(node, SHARD_MGET_ACTION, { docs: part.docs, refresh, read_restrictions: part.restrictions }, writeTimeoutDefaultMs)) as { docs: Record<string, unknown>[] };
          part.positions.forEach((position, i) => {
            results[position] = answer.docs[i]!;
          });
        } catch (error) {
          const failure = isEsError(error) ? error : errors.internal(String(error));
          part.positions.forEach((position, i) => {
            results[position] = { _index: part.docs[i]!.index, _id: part.docs[i]!.id, error: failure.toBody().error };
          });
        }
      }),
    );
    return { status: 200, body: { docs: results } };
  };

  const replacements = new Map<string, (request: RestRequest, context: RequestContext) => Promise<RestResponse>>([
    ['PUT /:index/_doc/:id', (request, context) => indexWrite(request, context, undefined)],
    ['POST /:index/_doc/:id', (request, context) => indexWrite(request, context, undefined)],
    ['POST /:index/_doc', (request, context) => indexWrite(request, context, undefined)],
    ['PUT /:index/_create/:id', (request, context) => indexWrite(request, context, 'create')],
    ['POST /:index/_create/:id', (request, context) => indexWrite(request, context, 'create')],
    ['DELETE /:index/_doc/:id', deleteWrite],
    ['POST /:index/_update/:id', updateWrite],
    ['GET /:index/_doc/:id', (request, context) => getRead(request, context, '/:index/_doc/:id')],
    ['HEAD /:index/_doc/:id', (request, context) => getRead(request, context, '/:index/_doc/:id')],
    ['GET /:index/_source/:id', (request, context) => getRead(request, context, '/:index/_source/:id')],
    ['HEAD /:index/_source/:id', (request, context) => getRead(request, context, '/:index/_source/:id')],
    ['POST /_bulk', bulk],
    ['PUT /_bulk', bulk],
    ['POST /:index/_bulk', bulk],
    ['PUT /:index/_bulk', bulk],
    ['GET /_mget', mget],
    ['POST /_mget', mget],
    ['GET /:index/_mget', mget],
    ['POST /:index/_mget', mget],
  ]);

  /**
   * The refresh API refreshes every copy of the indices (Elasticsearch's broadcast refresh): this
   * node's as a single node does, then every other node holding a copy; `_shards.successful`
   * counts the active copies refreshed.
   */
  const refreshRoute = (original: Route): Route => ({
    ...original,
    handle: async (request, context) => {
      const local = await original.handle(request, context);
      const handles = indices.resolve(request.params['index'], parseIndicesOptions(request.query), {
        allows: (name) => context.authorize.allowsIndex('indices:admin/refresh', name),
        authorizeLiterals: () => undefined, // the local refresh authorized them
      });
      const state = coordinator.state();
      const byNode = new Map<string, IndexHandle[]>();
      let active = 0;
      for (const handle of handles) {
        if (state.metadata.indices[handle.name]?.settings['index.uuid'] !== handle.uuid) continue;
        const copies = activeCopiesOf(state, handle.name);
        active += copies.length;
        for (const node of new Set(copies.map((copy) => copy.node!))) if (node !== nodeId) byNode.set(node, [...(byNode.get(node) ?? []), handle]);
      }
      let failedCopies = 0;
      const failures: Record<string, unknown>[] = [];
      await Promise.all(
        [...byNode].map(async ([node, held]) => {
          for (const handle of held) {
            try {
              await channel.request(node, REPLICA_REFRESH_ACTION, { index_uuid: handle.uuid, index: handle.name }, writeTimeoutDefaultMs);
            } catch (error) {
              const copies = activeCopiesOf(state, handle.name).filter((copy) => copy.node === node);
              failedCopies += copies.length;
              for (const copy of copies) failures.push({ shard: copy.shard, index: handle.name, status: 'INTERNAL_SERVER_ERROR', reason: (isEsError(error) ? error : errors.internal(String(error))).toCause() });
            }
          }
        }),
      );
      const shards = (local.body as { _shards: { total: number } })._shards;
      return { status: 200, body: { _shards: { total: shards.total, successful: active - failedCopies, failed: failedCopies, ...(failures.length > 0 ? { failures } : {}) } } };
    },
  });

  const refreshCopies = async (names: readonly string[]): Promise<void> => {
    const version = coordinator.state().version;
    await Promise.all(
      names.map(async (name) => {
        const handle = indices.get(name);
        if (handle === undefined) return;
        if (handle.shards !== undefined) indices.refresh(handle);
        const state = coordinator.state();
        if (state.metadata.indices[handle.name]?.settings['index.uuid'] !== handle.uuid) return;
        const nodes = new Set(activeCopiesOf(state, handle.name).map((copy) => copy.node!).filter((node) => node !== nodeId));
        await Promise.all(
          [...nodes].map((node) =>
            channel.request(node, REPLICA_REFRESH_ACTION, { index_uuid: handle.uuid, index: handle.name, state_version: version }, writeTimeoutDefaultMs).catch((error: unknown) => {
              log.warn({ err: error, index: handle.name, node }, 'a node did not refresh its copies after a bulk-by-scroll request asking for it');
            }),
          ),
        );
      }),
    );
  };

  return {
    bulkAs: (ndjson, query, authorize, username) => bulkAs(restRequestOf('POST', {}, query, ndjson), authorize, username),
    refreshCopies,
    applyTo: (routes) =>
      routes.flatMap((route): Route[] => {
        if (route.path === '/_refresh' || route.path === '/:index/_refresh') return [refreshRoute(route)];
        const methods = typeof route.method === 'string' ? [route.method] : [...route.method];
        if (!methods.some((method) => replacements.has(`${method} ${route.path}`))) return [route];
        // One route per method, so each method gets its replacement.
        return methods.map((method): Route => {
          const replacement = replacements.get(`${method} ${route.path}`);
          return replacement === undefined ? { ...route, method } : { ...route, method, handle: replacement };
        });
      }),
  };
}

/** A timeout as Elasticsearch prints a TimeValue (`1m`, `30s`, `500ms`). */
export function formatTimeout(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms > 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
