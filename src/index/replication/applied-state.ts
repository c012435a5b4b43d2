/**
 * From the applied cluster state (src/cluster/state.ts, Elasticsearch's shapes) to the data plane
 * (pure, style P1): the view of one shard a ReplicationService needs, the started copies a search
 * picks from, and what this node must do with its shard copies when a new state is applied
 * (Elasticsearch's IndicesClusterStateService): open an assigned primary from its store, open an
 * assigned replica and recover it from the primary's node, hand every open copy the new view of
 * its shard (which is how a replica learns of its promotion), close copies no longer assigned
 * here (every copy of a closed index), and report copies the state says are started here but that
 * this node does not hold.
 */
import { activeCopiesOf, inSyncAllocationIdsOf, primaryOf, primaryTermOf, routingsOnNode, shardCopiesOf, type ClusterState } from '../../cluster/state.js';
import type { AppliedShardState } from './service.js';

export function appliedShardStateOf(state: ClusterState, index: string, shard: number): AppliedShardState {
  const copies: Record<string, string> = {};
  for (const copy of shardCopiesOf(state, index, shard)) if (copy.node !== null && copy.allocation_id !== undefined) copies[copy.allocation_id.id] = copy.node;
  const primary = primaryOf(state, index, shard);
  return {
    primaryTerm: primaryTermOf(state, index, shard),
    primaryAllocationId: primary?.node !== null ? primary?.allocation_id?.id : undefined,
    inSync: [...inSyncAllocationIdsOf(state, index, shard)],
    copies,
  };
}

/** A shard and the nodes of its started copies, primary first (the search layer's ShardCopies). */
export interface SearchableShard {
  readonly index: string;
  readonly shard: number;
  readonly nodes: readonly string[];
}

/**
 * Every shard of `index` with the nodes of its started copies (for src/search/shard-search.ts);
 * none for a closed index, whose listed copies are closed on their nodes.
 */
export function searchableCopiesOf(state: ClusterState, index: string): SearchableShard[] {
  const table = state.routing_table.indices[index];
  if (table === undefined || state.metadata.indices[index]?.state !== 'open') return [];
  return Object.keys(table.shards)
    .map(Number)
    .sort((a, b) => a - b)
    .map((shard) => {
      const active = activeCopiesOf(state, index, shard).filter((copy) => copy.node !== null);
      const ordered = [...active.filter((copy) => copy.primary), ...active.filter((copy) => !copy.primary)];
      return { index, shard, nodes: ordered.map((copy) => copy.node!) };
    });
}

/** A shard of an open index, named by index name and uuid. */
export interface ShardRef {
  readonly index: string;
  readonly indexUuid: string;
  readonly shard: number;
}

/**
 * Shards whose local data `nodeId` may delete (Elasticsearch's IndicesStore.shardCanBeDeleted):
 * every copy the routing table lists is started on another node of the state, none relocating, so
 * the shard is whole elsewhere and no copy of it is assigned here. A shard with an unassigned or
 * initializing copy keeps whatever this node holds (it may be the copy that comes back).
 */
export function deletableShards(state: ClusterState, nodeId: string): ShardRef[] {
  const deletable: ShardRef[] = [];
  for (const [index, table] of Object.entries(state.routing_table.indices)) {
    const metadata = state.metadata.indices[index];
    const indexUuid = metadata?.settings['index.uuid'];
    if (metadata === undefined || metadata.state !== 'open' || indexUuid === undefined) continue;
    for (const [shard, copies] of Object.entries(table.shards)) {
      const whole =
        copies.length > 0 &&
        copies.every((copy) => copy.state === 'STARTED' && copy.node !== null && copy.node !== nodeId && copy.relocating_node === null && state.nodes[copy.node] !== undefined);
      if (whole) deletable.push({ index, indexUuid, shard: Number(shard) });
    }
  }
  return deletable;
}

/** A shard copy open on this node. */
export interface LocalCopy {
  readonly index: string;
  readonly shard: number;
  readonly allocationId: string;
}

export type CopyAction =
  | { readonly kind: 'open_primary'; readonly index: string; readonly shard: number; readonly allocationId: string; readonly fromStore: 'EMPTY_STORE' | 'EXISTING_STORE'; readonly applied: AppliedShardState }
  | { readonly kind: 'open_replica'; readonly index: string; readonly shard: number; readonly allocationId: string; readonly primaryTerm: number; readonly primaryNodeId: string }
  | { readonly kind: 'apply'; readonly index: string; readonly shard: number; readonly applied: AppliedShardState }
  | { readonly kind: 'close'; readonly index: string; readonly shard: number; readonly allocationId: string; readonly reason: string }
  /** The state has a started copy here that this node does not hold: `internal:cluster/shard/failure` (primary term 0: the copy failed itself). */
  | { readonly kind: 'report_failed'; readonly index: string; readonly shard: number; readonly allocationId: string; readonly reason: string };

function closeReason(state: ClusterState, index: string): string {
  const metadata = state.metadata.indices[index];
  if (metadata === undefined) return 'the index was deleted';
  return metadata.state === 'close' ? 'the index was closed' : 'the copy is no longer assigned to this node';
}

/**
 * What `nodeId` does with its copies once `state` is applied; `local` is what it holds now.
 * Closes come first (a new allocation of a shard replaces the old copy), then opens and views,
 * in index and shard order.
 */
export function reconcileLocalCopies(state: ClusterState, nodeId: string, local: readonly LocalCopy[]): CopyAction[] {
  const closes: CopyAction[] = [];
  const rest: CopyAction[] = [];
  // A closed index's copies stay in the routing table but hold nothing open: this node closes them.
  const assigned = routingsOnNode(state, nodeId).filter((copy) => copy.node === nodeId && copy.allocation_id !== undefined && state.metadata.indices[copy.index]?.state === 'open');
  const held = new Map(local.map((copy) => [`${copy.index}\u0000${copy.shard}`, copy]));
  const wanted = new Set<string>();
  for (const routing of assigned) {
    const key = `${routing.index}\u0000${routing.shard}`;
    wanted.add(key);
    const allocationId = routing.allocation_id!.id;
    const applied = appliedShardStateOf(state, routing.index, routing.shard);
    const current = held.get(key);
    if (current !== undefined && current.allocationId === allocationId) {
      rest.push({ kind: 'apply', index: routing.index, shard: routing.shard, applied });
      continue;
    }
    if (current !== undefined) closes.push({ kind: 'close', index: routing.index, shard: routing.shard, allocationId: current.allocationId, reason: `replaced by allocation [${allocationId}]` });
    if (routing.state !== 'INITIALIZING') {
      rest.push({ kind: 'report_failed', index: routing.index, shard: routing.shard, allocationId, reason: `the cluster state has a [${routing.state}] copy on this node that the node does not hold` });
      continue;
    }
    if (routing.primary) {
      const fromStore = routing.recovery_source?.type === 'EXISTING_STORE' ? 'EXISTING_STORE' : 'EMPTY_STORE';
      rest.push({ kind: 'open_primary', index: routing.index, shard: routing.shard, allocationId, fromStore, applied });
      continue;
    }
    // A replica recovers from a started (or relocating) primary; until there is one, it waits for a later state.
    const primary = primaryOf(state, routing.index, routing.shard);
    if ((primary?.state === 'STARTED' || primary?.state === 'RELOCATING') && primary.node !== null) {
      rest.push({ kind: 'open_replica', index: routing.index, shard: routing.shard, allocationId, primaryTerm: applied.primaryTerm, primaryNodeId: primary.node });
    }
  }
  for (const copy of local) {
    const key = `${copy.index}\u0000${copy.shard}`;
    if (!wanted.has(key)) closes.push({ kind: 'close', index: copy.index, shard: copy.shard, allocationId: copy.allocationId, reason: closeReason(state, copy.index) });
  }
  return [...closes, ...rest];
}
