/**
 * Index close and open in a multi-node cluster (issue #14; Elasticsearch 7.2+'s
 * MetadataIndexStateService). The coordinating node resolves and authorizes the indices as one node
 * does (`expand_wildcards`, `ignore_unavailable`, `allow_no_indices`,
 * `action.destructive_requires_name` for a close), refuses a data stream's write index, and sends
 * one `close_indices` or `open_indices` event to the master (src/cluster/master.ts), which flips the
 * indices' state in the published cluster state. Every node applies it: the metadata mirror
 * (wire-coordination.ts) closes or reopens its local index, and the data plane closes the shard
 * copies of a closed index (no searcher, no writes: `index_closed_exception`) or opens them again
 * from their files (a primary from its store, a replica recovering from the primary).
 *
 * `acknowledged` says every node of the cluster applied the new state within `timeout`
 * (`internal:cluster/coordination/applied_version`, asked of each node, this cluster's nodes only),
 * as Elasticsearch's acknowledgement of a published state; `shards_acknowledged` says the indices
 * had `wait_for_active_shards` active copies of each shard within `timeout`.
 *
 * A close needs each shard's primary active: an index with an inactive primary is not closed and is
 * answered `closed: false` with the shard's failure (Elasticsearch verifies each shard on its
 * primary before it closes the index). Writes are fenced by the close itself: a primary refuses a
 * write once its node applied the close, and a write it was replicating then fails unacknowledged
 * (its copies' pending writes are failed as the copy closes); an acknowledged write was written by
 * every in-sync copy, whose files a reopen opens again.
 * Loaded only in multi-node mode (node.ts).
 */
import type { Logger } from 'pino';
import type { ClusterState } from '../cluster/state.js';
import { activeCopiesOf, shardCopiesOf } from '../cluster/state.js';
import { errors } from '../common/index.js';
import { parseTimeValueMs } from '../common/time-value.js';
import { parseIndicesOptions, strictExpandOpen, type IndexHandle, type IndicesOptions, type IndicesService } from '../index/index.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../http/route.js';
import { resolveForRoute } from '../http/routes/indices.js';
import type { TransportHandler } from '../transport/index.js';
import { askEachNode } from './ask-nodes.js';
import { masterTimeoutOf, type CoordinationWiring } from './wire-coordination.js';
import type { DataPlaneWiring } from './wire-data-plane.js';
import { parseActiveShardCount } from './wire-documents.js';
import type { MultiNodeWiringOptions } from './multi-node-wiring.js';

export const APPLIED_VERSION_ACTION = 'internal:cluster/coordination/applied_version';

/** Elasticsearch's ack timeout default (`timeout`, 30s). */
const ackTimeoutMsDefault = 30_000;
const timerMaxMs = 2 ** 31 - 1;

const expandClosed: IndicesOptions = { ignoreUnavailable: false, allowNoIndices: true, expandWildcards: new Set(['closed']) };

export interface IndexStateWiringOptions extends MultiNodeWiringOptions {
  readonly indices: IndicesService;
}

export interface IndexStateWiring {
  applyTo(routes: readonly Route[]): Route[];
}

/** The request's `timeout` (the acknowledgement and active shard wait), else 30s; `-1` without bound. */
function ackTimeoutOf(request: RestRequest): number {
  const raw = request.query['timeout'];
  if (raw === undefined || raw === '') return ackTimeoutMsDefault;
  const ms = parseTimeValueMs(raw, 'timeout');
  return ms < 0 ? timerMaxMs : Math.min(ms, timerMaxMs);
}

/** Whether every shard of `names` has `wanted` active copies in `state` (ActiveShardCount.enoughShardsActive). */
export function enoughShardsActive(state: ClusterState, names: readonly string[], wanted: number | 'all'): boolean {
  for (const name of names) {
    const table = state.routing_table.indices[name];
    if (table === undefined) return wanted === 0;
    for (const shard of Object.keys(table.shards).map(Number)) {
      const needed = wanted === 'all' ? shardCopiesOf(state, name, shard).length : wanted;
      if (activeCopiesOf(state, name, shard).length < needed) return false;
    }
  }
  return true;
}

/** The shards of `name` whose primary is not active (a close cannot verify them), in shard order. */
export function inactivePrimaries(state: ClusterState, name: string): number[] {
  const table = state.routing_table.indices[name];
  if (table === undefined) return [];
  return Object.keys(table.shards)
    .map(Number)
    .sort((a, b) => a - b)
    .filter((shard) => !activeCopiesOf(state, name, shard).some((copy) => copy.primary));
}

export function wireIndexState(options: IndexStateWiringOptions): IndexStateWiring {
  const { indices, nodeId, dataPlane, log } = options;
  const { coordinator } = options.coordination;

  options.addTransportHandlers(
    new Map<string, TransportHandler>([
      [
        APPLIED_VERSION_ACTION,
        dataPlane.replication.internalHandler(async (body) => {
          const { version, timeout_ms: timeoutMs } = (body ?? {}) as { version?: unknown; timeout_ms?: unknown };
          if (typeof version !== 'number' || typeof timeoutMs !== 'number') throw errors.illegalArgument('an applied version request names its [version] and [timeout_ms]');
          return { applied: await coordinator.waitForState((state) => state.version >= version, Math.min(Math.max(timeoutMs, 0), timerMaxMs)) };
        }),
      ],
    ]),
  );

  /** Whether every node of the state applied `version` within `timeoutMs` (this node answers for itself). */
  const everyNodeApplied = async (state: ClusterState, timeoutMs: number): Promise<boolean> => {
    const local = async (): Promise<{ applied: boolean }> => ({ applied: await coordinator.waitForState((applied) => applied.version >= state.version, timeoutMs) });
    // A node's answer may come a little after its wait ends: the transport waits a second longer.
    const answers = await askEachNode({ nodeId, channel: dataPlane.channel, log }, Object.keys(state.nodes), APPLIED_VERSION_ACTION, { version: state.version, timeout_ms: timeoutMs }, Math.min(timeoutMs + 1000, timerMaxMs), local);
    return [...answers.values()].every((answer) => !(answer instanceof Error) && answer.applied === true);
  };

  /** Waits up to `timeoutMs` for `wanted` active copies of each shard of `names`. */
  const waitForActiveShards = (names: readonly string[], wanted: number | 'all', timeoutMs: number): Promise<boolean> =>
    coordinator.waitForState((state) => enoughShardsActive(state, names, wanted), timeoutMs);

  /** The request's `wait_for_active_shards`, else the first index's `index.write.wait_for_active_shards` (1). */
  const activeShardCountOf = (request: RestRequest, handles: readonly IndexHandle[]): number | 'all' =>
    parseActiveShardCount(request.query['wait_for_active_shards'], handles[0]?.metadata.settings['index.write.wait_for_active_shards']);

  const close = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    indices.checkDestructive(request.params['index']);
    const handles = resolveForRoute(indices, context, 'indices:admin/close', request.params['index'], parseIndicesOptions(request.query, strictExpandOpen));
    const wanted = activeShardCountOf(request, handles);
    const timeoutMs = ackTimeoutOf(request);
    indices.checkCloseAllowed(handles);
    const state = coordinator.state();
    const results: Record<string, unknown> = {};
    const closing: string[] = [];
    for (const handle of handles) {
      const inactive = handle.metadata.state === 'open' ? inactivePrimaries(state, handle.name) : [];
      if (inactive.length === 0) {
        closing.push(handle.name);
        results[handle.name] = { closed: true };
        continue;
      }
      // CloseIndexResponse.IndexResult with shard failures: the index stays open.
      const failedShards: Record<string, unknown> = {};
      for (const shard of inactive) {
        const reason = { type: 'unavailable_shards_exception', reason: `[${handle.name}][${shard}] primary shard is not active`, index_uuid: handle.uuid, shard: String(shard), index: handle.name };
        failedShards[String(shard)] = { failures: [{ node: null, shard, index: handle.name, status: 'SERVICE_UNAVAILABLE', reason }] };
      }
      results[handle.name] = { closed: false, failedShards };
    }
    const refused = closing.length < handles.length;
    if (closing.length === 0) return { status: 200, body: { acknowledged: !refused, shards_acknowledged: false, indices: results } };
    const published = await coordinator.submit({ kind: 'close_indices', names: closing }, masterTimeoutOf(request));
    const acknowledged = await everyNodeApplied(published, timeoutMs);
    const shardsAcknowledged = acknowledged && (await waitForActiveShards(closing, wanted, timeoutMs));
    return { status: 200, body: { acknowledged: acknowledged && !refused, shards_acknowledged: shardsAcknowledged && !refused, indices: results } };
  };

  const open = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const expression = request.params['index']!;
    const handles = resolveForRoute(indices, context, 'indices:admin/open', expression, parseIndicesOptions(request.query, expandClosed));
    if (handles.length === 0 && !expression.includes('*')) throw errors.indexNotFound(expression);
    const wanted = activeShardCountOf(request, handles);
    const timeoutMs = ackTimeoutOf(request);
    if (handles.length === 0) return { status: 200, body: { acknowledged: true, shards_acknowledged: true } };
    const names = handles.map((handle) => handle.name);
    const published = await coordinator.submit({ kind: 'open_indices', names }, masterTimeoutOf(request));
    const acknowledged = await everyNodeApplied(published, timeoutMs);
    const shardsAcknowledged = acknowledged && (await waitForActiveShards(names, wanted, timeoutMs));
    return { status: 200, body: { acknowledged, shards_acknowledged: shardsAcknowledged } };
  };

  return {
    applyTo: (routes) =>
      routes.map((route): Route => {
        if (route.action === 'indices:admin/close' && route.path === '/:index/_close') return { ...route, handle: close };
        if (route.action === 'indices:admin/open' && route.path === '/:index/_open') return { ...route, handle: open };
        return route;
      }),
  };
}
