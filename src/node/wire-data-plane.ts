/**
 * Wiring of the replication data plane on a multi-node node (issue #14, step 1): the
 * ReplicationService with its TransportNodeChannel (other nodes' transport addresses from the
 * applied cluster state, TLS from `xpack.security.transport.ssl`), its internode actions on this
 * node's transport interface, and the history retention floor (peer recovery leases combined with
 * cross-cluster replication's). Loaded only in multi-node mode (node.ts), like wire-coordination.
 *
 * Shard copies follow the applied cluster state (step 2): after each state is applied (and its
 * index metadata mirrored, wire-coordination.ts), the ShardCopiesApplier opens the primaries and
 * replicas the routing table assigns to this node from the IndicesService's shard stores, recovers
 * replicas from their primary and reports copies started or failed to the master. Document writes
 * reach the primaries through wire-documents.ts.
 */
import type { Logger } from 'pino';
import type { IndexHandle, IndicesService } from '../index/index.js';
import { ReplicationService, replicationLimits } from '../index/replication/service.js';
import { TransportNodeChannel } from '../index/replication/node-channel.js';
import { ShardCopiesApplier, type ShardStoreProvider } from '../index/replication/copies-applier.js';
import { REPLICATION_ACTIONS, type ShardTarget } from '../index/replication/actions.js';
import type { ShardStore } from '../index/store/index.js';
import { shardFiles } from '../index/recovery-log.js';
import { internalVersionWriter } from '../index/replication/shard-writer.js';
import type { HandshakeInfo, TransportAddress, TransportHandler } from '../transport/index.js';
import type { TransportClientTlsOptions } from '../transport/tls.js';
import type { CoordinationWiring } from './wire-coordination.js';

export interface DataPlaneWiring {
  readonly replication: ReplicationService;
  /** How this node reaches the other nodes of its cluster (for shard-level requests). */
  readonly channel: TransportNodeChannel;
  /** Takes over `indices:data/write/bulk[s]` (given the replication service's own handler to fall back on). */
  serveShardBulk(handler: (own: TransportHandler) => TransportHandler): void;
  close(): void;
}

export interface DataPlaneOptions {
  readonly nodeId: string;
  readonly coordination: CoordinationWiring;
  /** This node's transport handshake (it carries the cluster's uuid once the node joined). */
  readonly handshake: HandshakeInfo;
  readonly transportTls: TransportClientTlsOptions | undefined;
  readonly addTransportHandlers: (handlers: ReadonlyMap<string, TransportHandler>) => void;
  readonly indices: IndicesService;
  /** Cross-cluster replication's floor (its leader's retention leases). */
  readonly ccrRetentionFloor: (index: IndexHandle, shard: number) => number | undefined;
  /** The node-wide recovery pacer (`indices.recovery.max_bytes_per_sec`). */
  readonly pace: (bytes: number) => Promise<void>;
  /** Work a new primary copy does before it starts (a cross-cluster follower shard's bootstrap); see ShardCopiesApplier. */
  readonly preparePrimary?: (target: ShardTarget, fromStore: 'EMPTY_STORE' | 'EXISTING_STORE') => Promise<void> | undefined;
  readonly log: Logger;
  readonly nowMs: () => number;
}

/** `host:port` or `[v6]:port` as the cluster state publishes transport addresses. */
export function parseTransportAddress(address: string): TransportAddress | undefined {
  const colon = address.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const port = Number(address.slice(colon + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ''), port };
}

/** The lowest of the floors that are set: history any of them still needs is kept (undefined: none). */
export function lowestFloor(...floors: readonly (number | undefined)[]): number | undefined {
  const set = floors.filter((floor): floor is number => floor !== undefined);
  return set.length === 0 ? undefined : Math.min(...set);
}

/**
 * Shard stores for the applier: the IndicesService's store of the shard, once the index with that
 * uuid exists on this node (the metadata mirror creates it with the published uuid).
 */
export function indicesShardStores(indices: IndicesService): ShardStoreProvider {
  const handleOf = (target: ShardTarget): IndexHandle | undefined => {
    const handle = indices.get(target.index);
    return handle === undefined || handle.uuid !== target.indexUuid || handle.shards === undefined ? undefined : handle;
  };
  return {
    open: (target): ShardStore | undefined => {
      const handle = handleOf(target);
      if (handle === undefined) return undefined;
      const store = indices.openShardOf(handle, target.shard);
      // A shard whose data this node deleted has no file: a copy given to this node makes it again.
      return store.onDisk ? store : indices.resetShard(handle, target.shard, 'made the store file of a shard copy assigned to this node');
    },
    reset: (target): ShardStore => {
      const handle = handleOf(target);
      if (handle === undefined) throw new Error(`index [${target.index}] with uuid [${target.indexUuid}] is not open on this node`);
      return indices.resetShard(handle, target.shard);
    },
    deleteData: (target): boolean => {
      const handle = handleOf(target);
      const store = handle?.shards?.[target.shard];
      if (handle === undefined || store === undefined || !store.onDisk) return false;
      indices.releaseShard(handle, target.shard, 'deleted the files of a shard copy no longer assigned to this node');
      return true;
    },
  };
}

export function startDataPlane(options: DataPlaneOptions): DataPlaneWiring {
  const { coordinator } = options.coordination;
  const log = options.log.child({ layer: 'data-plane' });
  const channel = new TransportNodeChannel({
    local: options.handshake,
    logger: log,
    tls: options.transportTls,
    addressOf: (nodeId) => {
      const node = coordinator.state().nodes[nodeId];
      return node === undefined ? undefined : parseTransportAddress(node.transport_address);
    },
  });
  const replication = new ReplicationService({
    nodeId: options.nodeId,
    cluster: { clusterName: coordinator.state().cluster_name, clusterUuid: coordinator.clusterUuid },
    channel,
    logger: log,
    writer: internalVersionWriter,
    masterNodeId: () => coordinator.state().master_node ?? undefined,
    reportShard: (report) => options.coordination.reportShard(report),
    nowMs: options.nowMs,
    pace: options.pace,
    recovered: async (target) => {
      const handle = options.indices.get(target.index);
      if (handle !== undefined && handle.uuid === target.indexUuid) await options.indices.refreshStepwise(handle);
    },
    awaitStateVersion: (version, timeoutMs) => coordinator.waitForState((state) => state.version >= version, timeoutMs),
    recoveryStateVersion: async (target) => {
      await options.coordination.publishMapping(target.index, replicationLimits.stateWaitMs);
      return coordinator.state().version;
    },
  });
  // `indices:data/write/bulk[s]` is also what coordinating nodes send primaries (wire-documents.ts
  // takes it over once wired); the replication service's own format stays its fallback.
  const handlers = replication.handlers();
  const ownShardBulk = handlers.get(REPLICATION_ACTIONS.bulkShard)!;
  let shardBulk: TransportHandler = ownShardBulk;
  handlers.set(REPLICATION_ACTIONS.bulkShard, (request) => shardBulk(request));
  options.addTransportHandlers(handlers);
  // Shard copies follow every applied state (listeners run in registration order: the metadata
  // mirror registered first, so an index exists here before its copies open).
  const applier = new ShardCopiesApplier({
    nodeId: options.nodeId,
    service: replication,
    stores: indicesShardStores(options.indices),
    report: (report) => options.coordination.reportShard(report),
    logger: log,
    ...(options.preparePrimary !== undefined ? { preparePrimary: options.preparePrimary } : {}),
    storeFiles: (target) => shardFiles(options.indices.indexDirectory(target.indexUuid), target.shard),
    nowMs: options.nowMs,
  });
  const apply = (state: Parameters<typeof applier.apply>[0]): void => {
    try {
      applier.apply(state);
    } catch (error) {
      log.error({ err: error, version: state.version }, 'cannot apply the shard copies of a published state');
    }
  };
  coordinator.onApplied(apply);
  apply(coordinator.state());
  // Operations a recovering copy still needs are kept as long as a cross-cluster follower's are.
  options.indices.setRetentionFloor((index, shard) =>
    lowestFloor(options.ccrRetentionFloor(index, shard), replication.retentionFloor({ indexUuid: index.uuid, index: index.name, shard })),
  );
  return {
    replication,
    channel,
    serveShardBulk: (handler) => {
      shardBulk = handler(ownShardBulk);
    },
    close: () => {
      applier.close();
      options.indices.setRetentionFloor(options.ccrRetentionFloor);
      replication.close();
      channel.close();
    },
  };
}
