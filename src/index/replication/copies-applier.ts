/**
 * The shell that carries out reconcileLocalCopies (applied-state.ts) on a node each time a cluster
 * state is applied (Elasticsearch's IndicesClusterStateService): opens assigned primaries from
 * their store, opens assigned replicas and recovers them from the primary's node, hands every open
 * copy the new view of its shard, closes copies no longer assigned here, and reports to the master
 * what started or failed. Stores come from a provider (the IndicesService's shard stores in a node).
 */
import type { Logger } from 'pino';
import type { ClusterState, ShardStateReport } from '../../cluster/state.js';
import { isEsError } from '../../common/errors.js';
import type { ShardStore } from '../store/shard-store.js';
import { shardKey, type ShardTarget } from './actions.js';
import { reconcileLocalCopies, type LocalCopy } from './applied-state.js';
import type { ReplicationService } from './service.js';

export interface ShardStoreProvider {
  /** The store of shard `shard` of the index with uuid `indexUuid` on this node; undefined while the node does not have the index yet. */
  open(target: ShardTarget): ShardStore | undefined;
  /** Closes the shard's store, deletes its files and opens an empty one (a full copy follows). */
  reset(target: ShardTarget): ShardStore;
}

export class ShardCopiesApplier {
  private readonly local = new Map<string, LocalCopy & { readonly target: ShardTarget }>();

  constructor(
    private readonly options: {
      readonly nodeId: string;
      readonly service: ReplicationService;
      readonly stores: ShardStoreProvider;
      /** Delivers a report to the master (resolves once applied). */
      readonly report: (report: ShardStateReport) => Promise<void>;
      readonly logger: Logger;
    },
  ) {}

  /** The copies open on this node. */
  copies(): LocalCopy[] {
    return [...this.local.values()].map(({ index, shard, allocationId }) => ({ index, shard, allocationId }));
  }

  apply(state: ClusterState): void {
    const { service, stores, nodeId } = this.options;
    for (const action of reconcileLocalCopies(state, nodeId, this.copies())) {
      const indexUuid = state.metadata.indices[action.index]?.settings['index.uuid'];
      const held = [...this.local.values()].find((copy) => copy.index === action.index && copy.shard === action.shard);
      const target: ShardTarget = held?.target ?? { indexUuid: indexUuid ?? '_na_', index: action.index, shard: action.shard };
      switch (action.kind) {
        case 'close':
          service.closeCopy(target);
          this.local.delete(shardKey(target));
          break;
        case 'apply':
          service.applyShardState(target, action.applied);
          break;
        case 'report_failed':
          this.send({ kind: 'shard_failed', index: action.index, shard: action.shard, allocationId: action.allocationId, primaryTerm: 0, message: action.reason, markAsStale: true });
          break;
        case 'open_primary': {
          const store = indexUuid === undefined ? undefined : stores.open(target);
          if (store === undefined) break; // the index metadata is not applied here yet: a later state opens it
          service.openPrimary(target, store, action.allocationId, action.applied);
          this.local.set(shardKey(target), { index: action.index, shard: action.shard, allocationId: action.allocationId, target });
          this.send({ kind: 'shard_started', index: action.index, shard: action.shard, allocationId: action.allocationId, primaryTerm: action.applied.primaryTerm });
          break;
        }
        case 'open_replica': {
          const store = indexUuid === undefined ? undefined : stores.open(target);
          if (store === undefined) break;
          service.openReplica(target, store, action.allocationId, action.primaryTerm, () => stores.reset(target));
          this.local.set(shardKey(target), { index: action.index, shard: action.shard, allocationId: action.allocationId, target });
          // recover() reports the copy started itself; a failed recovery fails the copy, and the
          // master allocates it again.
          service.recover(target, action.primaryNodeId).catch((error: unknown) => {
            this.options.logger.warn({ err: error, index: action.index, shard: action.shard }, 'peer recovery failed');
            if (this.local.get(shardKey(target))?.allocationId !== action.allocationId) return;
            service.closeCopy(target);
            this.local.delete(shardKey(target));
            this.send({ kind: 'shard_failed', index: action.index, shard: action.shard, allocationId: action.allocationId, primaryTerm: 0, message: `failed recovery: ${isEsError(error) ? `${error.type}: ${error.message}` : String(error)}`, markAsStale: true });
          });
          break;
        }
      }
    }
  }

  private send(report: ShardStateReport): void {
    this.options.report(report).catch((error: unknown) => {
      // The next applied state reconciles again; a report lost now is made again then, or moot.
      this.options.logger.warn({ err: error, index: report.index, shard: report.shard, kind: report.kind }, 'cannot deliver a shard report to the master');
    });
  }
}
