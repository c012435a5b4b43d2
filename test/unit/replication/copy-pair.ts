/**
 * Shared setup of the replication unit tests: ReplicationServices of cluster `strait`/`cu` talking
 * through an in-process channel, and a primary on one with an in-sync replica on another.
 */
import pino from 'pino';
import { ReplicationService, type AppliedShardState, type ReplicationServiceOptions } from '../../../src/index/replication/service.js';
import { internalVersionWriter } from '../../../src/index/replication/shard-writer.js';
import type { ShardTarget } from '../../../src/index/replication/actions.js';
import type { ShardStore } from '../../../src/index/store/shard-store.js';
import { inProcessChannel } from './in-process-channel.js';

type ServiceOverrides = Partial<Omit<ReplicationServiceOptions, 'nodeId' | 'channel'>>;

/** One ReplicationService per id in `services` (which the channel reads), each with `overrides`. */
export function replicationServices(services: Map<string, ReplicationService>, ids: readonly string[], overrides: ServiceOverrides = {}): void {
  const channel = inProcessChannel(services);
  for (const id of ids) services.set(id, replicationService(id, channel, overrides));
}

/** One ReplicationService of node `id` on `channel`. */
export function replicationService(id: string, channel: ReplicationServiceOptions['channel'], overrides: ServiceOverrides = {}): ReplicationService {
  return new ReplicationService({
    nodeId: id,
    cluster: { clusterName: 'strait', clusterUuid: 'cu' },
    channel,
    logger: pino({ level: 'silent' }),
    writer: internalVersionWriter,
    masterNodeId: () => undefined,
    reportShard: async () => undefined,
    nowMs: () => Date.now(),
    ...overrides,
  });
}

/** The primary `pa` on node a, the replica `rb` on node b recovered from it, both applying `applied`. */
export async function startPrimaryAndReplica(services: ReadonlyMap<string, ReplicationService>, target: ShardTarget, primaryStore: ShardStore, replicaStore: ShardStore, applied: AppliedShardState): Promise<void> {
  services.get('a')!.openPrimary(target, primaryStore, 'pa', applied);
  services.get('b')!.openReplica(target, replicaStore, 'rb', 1, () => replicaStore);
  await services.get('b')!.recover(target, 'a');
  services.get('a')!.applyShardState(target, applied);
  services.get('b')!.applyShardState(target, applied);
}
