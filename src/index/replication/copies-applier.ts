/**
 * The shell that carries out reconcileLocalCopies (applied-state.ts) on a node each time a cluster
 * state is applied (Elasticsearch's IndicesClusterStateService): opens assigned primaries from
 * their store, opens assigned replicas and recovers them from the primary's node, hands every open
 * copy the new view of its shard, closes copies no longer assigned here, and reports to the master
 * what started or failed. Stores come from a provider (the IndicesService's shard stores in a node).
 */
import type { Logger } from 'pino';
import { primaryTermOf, shardCopiesOf, type ClusterState, type ShardStateReport } from '../../cluster/state.js';
import { isEsError } from '../../common/errors.js';
import type { ShardStore } from '../store/shard-store.js';
import { shardKey, type ShardTarget } from './actions.js';
import { deletableShards, reconcileLocalCopies, type LocalCopy } from './applied-state.js';
import type { ReplicationService } from './service.js';
import type { StoreFiles } from './copy-recovery.js';

export interface ShardStoreProvider {
  /** The store of shard `shard` of the index with uuid `indexUuid` on this node; undefined while the node does not have the index yet. */
  open(target: ShardTarget): ShardStore | undefined;
  /** Closes the shard's store, deletes its files and opens an empty one (a full copy follows). */
  reset(target: ShardTarget): ShardStore;
  /**
   * Deletes this node's files of a shard it holds no copy of (database, write-ahead log and segment
   * files; an empty store in memory stands in, and `open` makes the file again); false when there
   * was nothing to delete.
   */
  deleteData?(target: ShardTarget): boolean;
}

/**
 * Ours: how long after a state shows a shard whole elsewhere this node deletes its data of it, so
 * that requests routed to the closed copy just before (a query or fetch phase) end first.
 * Elasticsearch asks the nodes of the started copies first (ShardActiveRequest).
 */
export const shardDataDeleteDelayMs = 1_000;

/** Ours: how long a primary waits before it tries again the preparation (`preparePrimary`) that failed. */
export const preparePrimaryRetryMs = 2_000;

/** Ours: how long a replica retries a recovery its primary is not ready for yet, and how often. */
export const recoveryRetry = { delayMs: 500, attemptsMax: 60 } as const;

/**
 * A recovery the primary's node refused because it is not ready for it yet (it has not applied the
 * state that assigns this copy, or not opened its primary yet): Elasticsearch's DelayRecoveryException
 * and the shard-not-ready answers, which the target retries rather than failing the copy.
 */
export function recoveryIsRetryable(error: unknown): boolean {
  if (!isEsError(error) || error.type !== 'recovery_failed_exception' || error.causedBy === undefined) return false;
  const cause = error.causedBy;
  return (
    (cause.type === 'illegal_state_exception' && cause.message.startsWith('delaying recovery')) ||
    cause.type === 'shard_not_found_exception' ||
    cause.type === 'shard_not_in_primary_mode_exception' ||
    cause.type === 'node_disconnected_exception' ||
    cause.type === 'node_not_connected_exception' ||
    cause.type === 'connect_transport_exception'
  );
}

export class ShardCopiesApplier {
  private readonly local = new Map<string, LocalCopy & { readonly target: ShardTarget }>();
  /** Copies ready to serve whose `shard_started` the master has not applied yet (re-sent at each state until it is). */
  private readonly started = new Set<string>();
  private readonly reporting = new Set<string>();
  /** Primaries being prepared (`preparePrimary`) before they open, by shard key. */
  private readonly preparing = new Set<string>();
  private lastState: ClusterState | undefined;
  private closed = false;
  private deleteTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: {
      readonly nodeId: string;
      readonly service: ReplicationService;
      readonly stores: ShardStoreProvider;
      /** Delivers a report to the master (resolves once applied). */
      readonly report: (report: ShardStateReport) => Promise<void>;
      readonly logger: Logger;
      /**
       * Work a new primary copy does before it opens and reports itself started (a cross-cluster
       * follower shard copies its leader shard, as Elasticsearch's follower shards recover from
       * the leader); undefined when there is none. Replicas are assigned only once it started, so
       * they recover what it prepared. Tried again after a failure.
       */
      readonly preparePrimary?: (target: ShardTarget, fromStore: 'EMPTY_STORE' | 'EXISTING_STORE') => Promise<void> | undefined;
      /** The files a primary opened from its store holds (`_cat/recovery`'s reused files); absent: none counted. */
      readonly storeFiles?: (target: ShardTarget) => StoreFiles;
      readonly nowMs?: () => number;
    },
  ) {}

  /** The copies open on this node. */
  copies(): LocalCopy[] {
    return [...this.local.values()].map(({ index, shard, allocationId }) => ({ index, shard, allocationId }));
  }

  /** Stops retrying preparations (node stop). */
  close(): void {
    this.closed = true;
    if (this.deleteTimer !== undefined) clearTimeout(this.deleteTimer);
  }

  apply(state: ClusterState): void {
    this.lastState = state;
    this.reconcile(state);
    if (this.options.stores.deleteData !== undefined && this.deleteTimer === undefined && deletableShards(state, this.options.nodeId).length > 0) {
      this.deleteTimer = setTimeout(() => {
        this.deleteTimer = undefined;
        if (!this.closed && this.lastState !== undefined) this.deleteMovedData(this.lastState);
      }, shardDataDeleteDelayMs);
      this.deleteTimer.unref();
    }
    // A started report lost on its way (the master changed, etcd was briefly unreachable) is made
    // again while the state still shows the copy initializing; without it the copy would stay
    // INITIALIZING for good.
    for (const copy of this.local.values()) {
      if (!this.started.has(copy.allocationId) || this.reporting.has(copy.allocationId)) continue;
      const routing = shardCopiesOf(state, copy.index, copy.shard).find((candidate) => candidate.allocation_id?.id === copy.allocationId);
      if (routing === undefined || routing.state !== 'INITIALIZING') {
        this.started.delete(copy.allocationId);
        continue;
      }
      this.sendStarted({ kind: 'shard_started', index: copy.index, shard: copy.shard, allocationId: copy.allocationId, primaryTerm: primaryTermOf(state, copy.index, copy.shard) });
    }
  }

  /** Deletes the local data of the shards `state` shows whole on other nodes (checked again on the newest state). */
  private deleteMovedData(state: ClusterState): void {
    for (const ref of deletableShards(state, this.options.nodeId)) {
      const target: ShardTarget = { indexUuid: ref.indexUuid, index: ref.index, shard: ref.shard };
      const key = shardKey(target);
      if (this.local.has(key) || this.preparing.has(key)) continue;
      try {
        this.options.stores.deleteData?.(target);
      } catch (error) {
        this.options.logger.warn({ err: error, index: ref.index, shard: ref.shard }, 'cannot delete the data of a shard copy that moved off this node');
      }
    }
  }

  private reconcile(state: ClusterState): void {
    const { service, stores, nodeId } = this.options;
    for (const action of reconcileLocalCopies(state, nodeId, this.copies())) {
      const indexUuid = state.metadata.indices[action.index]?.settings['index.uuid'];
      const held = [...this.local.values()].find((copy) => copy.index === action.index && copy.shard === action.shard);
      const target: ShardTarget = held?.target ?? { indexUuid: indexUuid ?? '_na_', index: action.index, shard: action.shard };
      switch (action.kind) {
        case 'close':
          service.closeCopy(target);
          this.local.delete(shardKey(target));
          this.started.delete(action.allocationId);
          break;
        case 'apply':
          service.applyShardState(target, action.applied);
          break;
        case 'report_failed':
          this.send({ kind: 'shard_failed', index: action.index, shard: action.shard, allocationId: action.allocationId, primaryTerm: 0, message: action.reason, markAsStale: true });
          break;
        case 'open_primary': {
          const openingMs = this.options.nowMs?.() ?? 0;
          const store = indexUuid === undefined ? undefined : stores.open(target);
          if (store === undefined) break; // the index metadata is not applied here yet: a later state opens it
          const key = shardKey(target);
          if (this.preparing.has(key)) break;
          const preparation = this.options.preparePrimary?.(target, action.fromStore);
          if (preparation !== undefined) {
            // Opened (and reported started) by the reconcile that follows the preparation.
            this.preparing.add(key);
            preparation.then(
              () => {
                this.preparing.delete(key);
                if (!this.closed && this.lastState !== undefined) this.reconcile(this.lastState);
              },
              (error: unknown) => {
                this.preparing.delete(key);
                this.options.logger.warn({ err: error, index: action.index, shard: action.shard }, 'preparing a new primary copy failed; trying again');
                setTimeout(() => {
                  if (!this.closed && this.lastState !== undefined) this.reconcile(this.lastState);
                }, preparePrimaryRetryMs).unref();
              },
            );
            break;
          }
          service.openPrimary(target, store, action.allocationId, action.applied);
          service.recordStoreRecovery(target, action.allocationId, action.fromStore === 'EMPTY_STORE' ? 'empty_store' : 'existing_store', this.options.storeFiles?.(target) ?? { files: 0, bytes: 0 }, this.options.nowMs === undefined ? undefined : openingMs);
          this.local.set(shardKey(target), { index: action.index, shard: action.shard, allocationId: action.allocationId, target });
          this.started.add(action.allocationId);
          this.sendStarted({ kind: 'shard_started', index: action.index, shard: action.shard, allocationId: action.allocationId, primaryTerm: action.applied.primaryTerm });
          break;
        }
        case 'open_replica': {
          const store = indexUuid === undefined ? undefined : stores.open(target);
          if (store === undefined) break;
          service.openReplica(target, store, action.allocationId, action.primaryTerm, () => stores.reset(target));
          this.local.set(shardKey(target), { index: action.index, shard: action.shard, allocationId: action.allocationId, target });
          // recover() reports the copy started itself; a failed recovery fails the copy, and the
          // master allocates it again. A primary not ready for it yet is asked again a little later;
          // a recovery that succeeded but whose report was lost is reported again at the next state.
          const held = (): boolean => this.local.get(shardKey(target))?.allocationId === action.allocationId;
          const attempt = (left: number): void => {
            this.reporting.add(action.allocationId);
            service.recover(target, action.primaryNodeId).then(
              () => this.reporting.delete(action.allocationId),
              (error: unknown) => {
                this.reporting.delete(action.allocationId);
                if (!held()) return;
                if (isEsError(error) && error.type !== 'recovery_failed_exception') {
                  this.options.logger.warn({ err: error, index: action.index, shard: action.shard }, 'a recovered copy could not report itself started; reporting again at the next state');
                  this.started.add(action.allocationId);
                  return;
                }
                if (recoveryIsRetryable(error) && left > 0) {
                  setTimeout(() => {
                    if (held()) attempt(left - 1);
                  }, recoveryRetry.delayMs).unref();
                  return;
                }
                this.options.logger.warn({ err: error, index: action.index, shard: action.shard }, 'peer recovery failed');
                service.closeCopy(target);
                this.local.delete(shardKey(target));
                this.send({ kind: 'shard_failed', index: action.index, shard: action.shard, allocationId: action.allocationId, primaryTerm: 0, message: `failed recovery: ${isEsError(error) ? `${error.type}: ${error.message}` : String(error)}`, markAsStale: true });
              },
            );
          };
          attempt(recoveryRetry.attemptsMax);
          break;
        }
      }
    }
  }

  private sendStarted(report: ShardStateReport): void {
    this.reporting.add(report.allocationId);
    this.options.report(report).then(
      () => this.reporting.delete(report.allocationId),
      (error: unknown) => {
        this.reporting.delete(report.allocationId);
        this.options.logger.warn({ err: error, index: report.index, shard: report.shard }, 'cannot deliver a shard started report to the master; reporting again at the next state');
      },
    );
  }

  private send(report: ShardStateReport): void {
    this.options.report(report).catch((error: unknown) => {
      // The next applied state reconciles again; a report lost now is made again then, or moot.
      this.options.logger.warn({ err: error, index: report.index, shard: report.shard, kind: report.kind }, 'cannot deliver a shard report to the master');
    });
  }
}
