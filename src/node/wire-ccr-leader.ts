/**
 * Cross-cluster replication's leader side on a multi-node cluster (issues #10 and #14). A follower
 * cluster reaches one node of this cluster (its gateway: the node its connection landed on) with
 * the leader actions; the gateway authorizes the request as on one node (either security model),
 * then each shard-level action runs where Elasticsearch runs it: shard_changes, retention leases and
 * the bootstrap's restore session on the node holding the shard's primary
 * (ShardChangesAction, RetentionLeaseActions and PutCcrRestoreSessionAction are single-shard
 * actions on the primary), a restore session's chunks on the node holding that session. The
 * routed request travels over this cluster's internal transport (nodes of this cluster only, by
 * handshake) under the gateway's authorization: the follower's credentials never leave the
 * gateway. Index-level answers (settings, mappings, metadata version) come from the gateway's copy
 * of the published cluster state.
 *
 * On the primary, shard_changes hands out only operations at or below the shard's global
 * checkpoint (every in-sync copy holds them), so a follower never applies an operation a
 * failover could lose; a shard's retention leases are copied to its other copies whenever they
 * change (add, renew every 30 s, remove), so a promoted replica keeps the follower's lease and the
 * history it retains. A fence (Strait's fenced promotion) puts the write block through the master,
 * as a settings update does, then asks each primary for its max_seq_no once its node applied the
 * block. Loaded only in multi-node mode (node.ts).
 */
import type { Logger } from 'pino';
import { allShardRoutings, shardCopiesOf, type ClusterState } from '../cluster/state.js';
import { errors, isEsError } from '../common/errors.js';
import { RETENTION_LEASE_SYNC_ACTION, ROUTED_LEADER_ACTIONS, type CcrLeaderService, type LeaderShardRouter } from '../ccr/leader.js';
import type { IndexHandle, IndicesService } from '../index/index.js';
import type { ShardTarget } from '../index/replication/actions.js';
import type { TransportHandler } from '../transport/index.js';
import type { CoordinationWiring } from './wire-coordination.js';
import type { DataPlaneWiring } from './wire-data-plane.js';
import { shardRetriableTypes, startedPrimaryNode } from './wire-documents.js';

/** Ours: how long a gateway waits for a shard to have a started primary again (a failover takes a few seconds) before the follower retries. */
const primaryWaitMs = 15_000;
/** Ours: after a retriable failure, how long the gateway waits for a newer cluster state before trying again. */
const retryStateWaitMs = 500;
/** Ours: how long a primary waits for a copy to store the shard's leases. */
const leaseSyncTimeoutMs = 10_000;
/** `index.soft_deletes.retention_lease.sync_interval` default (30s): the primaries' background lease sync. */
const leaseBackgroundSyncMs = 30_000;

export interface CcrLeaderWiringOptions {
  readonly nodeId: string;
  readonly leader: CcrLeaderService;
  readonly indices: IndicesService;
  readonly coordination: CoordinationWiring;
  readonly dataPlane: DataPlaneWiring;
  readonly addTransportHandlers: (handlers: ReadonlyMap<string, TransportHandler>) => void;
  readonly log: Logger;
  readonly nowMs: () => number;
}

/** The routed form of a leader action: `[s]` on a shard's primary, `[n]` on a session's node. */
export function routedActionName(action: string, to: 'shard' | 'node'): string {
  return `${action}${to === 'shard' ? '[s]' : '[n]'}`;
}

function indexGone(state: ClusterState, target: ShardTarget): boolean {
  return state.metadata.indices[target.index]?.settings['index.uuid'] !== target.indexUuid;
}

export function wireCcrLeader(options: CcrLeaderWiringOptions): { close(): void } {
  const { leader, nodeId } = options;
  const { coordinator } = options.coordination;
  const { replication, channel } = options.dataPlane;
  const log = options.log.child({ layer: 'ccr', side: 'leader' });
  const targetOf = (handle: IndexHandle, shard: number): ShardTarget => ({ indexUuid: handle.uuid, index: handle.name, shard });

  const router: LeaderShardRouter = {
    nodeId,
    onPrimary: async (action, handle, shard, body, local, timeoutMs) => {
      const target = targetOf(handle, shard);
      const deadline = options.nowMs() + primaryWaitMs;
      for (;;) {
        const state = coordinator.state();
        if (indexGone(state, target)) throw errors.indexNotFound(target.index);
        const primary = startedPrimaryNode(state, target);
        if (primary === undefined) {
          const remaining = deadline - options.nowMs();
          if (remaining <= 0 || !(await coordinator.waitForState((next) => startedPrimaryNode(next, target) !== undefined || indexGone(next, target), remaining))) {
            throw errors.noShardAvailable(target.index, target.shard);
          }
          continue;
        }
        try {
          if (primary === nodeId) {
            if (!replication.isPrimaryHere(target)) throw errors.shardNotFound(target.index, target.shard);
            return await local();
          }
          return await channel.request(primary, routedActionName(action, 'shard'), { index_uuid: target.indexUuid, index: target.index, shard, body }, timeoutMs);
        } catch (error) {
          if (!isEsError(error) || !shardRetriableTypes.has(error.type) || options.nowMs() >= deadline) throw error;
          log.debug({ err: error, action, index: target.index, shard, primary }, 'retrying a routed leader action on the next cluster state');
          const version = state.version;
          await coordinator.waitForState((next) => next.version > version, Math.max(1, Math.min(retryStateWaitMs, deadline - options.nowMs())));
        }
      }
    },
    onNode: async (target, action, body, local) => {
      if (target === nodeId) return local();
      if (coordinator.state().nodes[target] === undefined) throw errors.resourceNotFound(`restore session [${String(body['session_uuid'])}] not found: its node [${target}] left the cluster`);
      return channel.request(target, routedActionName(action, 'node'), { body }, primaryWaitMs);
    },
    globalCheckpoint: (handle, shard) => replication.primaryState(targetOf(handle, shard))?.globalCheckpoint,
    publishSettings: async (handle, settings, timeoutMs) => {
      options.indices.updateSettings([handle], settings);
      // As a settings update through this node: the master publishes it, every node applies it.
      await options.coordination.publishLocalChanges(new Set(options.indices.all().map((index) => index.name)), timeoutMs);
    },
    syncLeases: async (handle, shard, leases) => {
      const state = coordinator.state();
      const others = shardCopiesOf(state, handle.name, shard).filter((copy) => copy.node !== null && copy.node !== nodeId && copy.state !== 'UNASSIGNED');
      await Promise.all(
        others.map((copy) =>
          channel.request(copy.node!, RETENTION_LEASE_SYNC_ACTION, { index_uuid: handle.uuid, index: handle.name, shard, leases }, leaseSyncTimeoutMs).catch((error: unknown) => {
            // The copy gets the whole set again at the next renewal; a copy that cannot store it is
            // the replication layer's to fail, not this lease change's.
            log.warn({ err: error, index: handle.name, shard, node: copy.node }, 'a shard copy did not take the retention leases');
          }),
        ),
      );
    },
  };

  const readRouted = (action: string, raw: unknown): { target: ShardTarget | undefined; body: Record<string, unknown> } => {
    const object = (raw ?? {}) as Record<string, unknown>;
    const body = object['body'];
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.illegalArgument(`malformed [${action}] request: [body] must be an object`);
    const { index_uuid: indexUuid, index, shard } = object;
    const target = typeof indexUuid === 'string' && typeof index === 'string' && typeof shard === 'number' ? { indexUuid, index, shard } : undefined;
    return { target, body: body as Record<string, unknown> };
  };
  const handlers = new Map<string, TransportHandler>();
  for (const { action, to } of ROUTED_LEADER_ACTIONS) {
    const name = routedActionName(action, to);
    handlers.set(
      name,
      replication.internalHandler(async (raw) => {
        const { target, body } = readRouted(name, raw);
        if (to === 'shard') {
          // Still this shard's primary (a gateway with an older state retries on the next one).
          if (target === undefined) throw errors.illegalArgument(`malformed [${name}] request: [index_uuid], [index] and [shard] are required`);
          if (!replication.isPrimaryHere(target)) throw errors.shardNotFound(target.index, target.shard);
        }
        return leader.serveRouted(action, body);
      }),
    );
  }
  handlers.set(
    RETENTION_LEASE_SYNC_ACTION,
    replication.internalHandler((raw) => leader.replaceLeases((raw ?? {}) as Record<string, unknown>)),
  );
  options.addTransportHandlers(handlers);
  leader.setRouter(router);

  // A copy made after a lease changed (a replica recovered onto a node, after a failover or a
  // rebalance) gets the lease set as soon as it is assigned, and every copy again every 30 s
  // (Elasticsearch's background retention lease sync): a copy without the follower's lease would
  // trim the history the follower still needs, and could be promoted.
  const copiesSeen = new Map<string, string>();
  const syncPrimaries = (state: ClusterState, onlyChanged: boolean): void => {
    const seen = new Set<string>();
    for (const routing of allShardRoutings(state)) {
      if (!routing.primary || routing.node !== nodeId || routing.state !== 'STARTED') continue;
      const key = `${routing.index}/${routing.shard}`;
      seen.add(key);
      const copies = shardCopiesOf(state, routing.index, routing.shard)
        .filter((copy) => copy.node !== null && copy.node !== nodeId && copy.state !== 'UNASSIGNED')
        .map((copy) => `${copy.node}:${copy.allocation_id?.id ?? ''}`)
        .sort()
        .join(',');
      const changed = copiesSeen.get(key) !== copies;
      copiesSeen.set(key, copies);
      if ((onlyChanged && !changed) || copies === '') continue;
      const handle = options.indices.get(routing.index);
      if (handle === undefined || handle.uuid !== state.metadata.indices[routing.index]?.settings['index.uuid']) continue;
      const leases = leader.storedLeases(handle, routing.shard);
      if (leases.length > 0) void router.syncLeases(handle, routing.shard, leases);
    }
    for (const key of [...copiesSeen.keys()]) if (!seen.has(key)) copiesSeen.delete(key);
  };
  coordinator.onApplied((state) => syncPrimaries(state, true));
  const background = setInterval(() => syncPrimaries(coordinator.state(), false), leaseBackgroundSyncMs);
  background.unref();
  return {
    close: () => {
      clearInterval(background);
      // Closing: this node no longer serves shards; the remote interfaces close after it.
      leader.setRouter(unjoinedRouter(nodeId));
    },
  };
}

/**
 * The router of a multi-node node that has not joined its cluster yet (its transport interface is
 * up before): no shard is known to be anywhere, so shard-level leader actions fail with an error
 * the follower retries, instead of reading this node's copies, which may be stale or empty.
 */
export function unjoinedRouter(nodeId: string): LeaderShardRouter {
  const refuse = (index: string, shard: number): never => {
    throw errors.noShardAvailable(index, shard);
  };
  return {
    nodeId,
    onPrimary: (_action, handle, shard) => refuse(handle.name, shard),
    onNode: (_target, _action, body) => refuse(String(body['index']), 0),
    globalCheckpoint: () => undefined,
    syncLeases: async () => undefined,
    publishSettings: async (handle) => refuse(handle.name, 0),
  };
}
