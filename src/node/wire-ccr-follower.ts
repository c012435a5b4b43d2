/**
 * Cross-cluster replication's follower side on a multi-node cluster (issues #10 and #14), as
 * Elasticsearch runs it:
 *
 * - The follower index is made through the master (with the leader's settings and mappings, its
 *   own `number_of_replicas`), after its follow record reached etcd.
 * - Follow records (leader, parameters, status, the identity tasks run as) are shared by every
 *   node through etcd (`<prefix>ccr/followers/<follower uuid>`, Elasticsearch keeps them in the
 *   index metadata and the persistent tasks of the cluster state); each node mirrors them into its
 *   node.db, so a restarted node has them before etcd answers, and etcd's copy wins once it does.
 * - A follower shard's primary copies its leader shard before it reports itself started (as a
 *   follower shard recovers from the leader in Elasticsearch); its replicas are assigned only
 *   then, and recover the copied documents from it.
 * - Each shard's follow task runs on the node holding the shard's started primary
 *   (ShardFollowTasksExecutor assigns the persistent task there): after every applied state a node
 *   starts the tasks of the primaries it holds and stops the others, so a promoted replica's node
 *   resumes from its own copy's checkpoint. The task writes through the primary, which replicates
 *   the operations (`indices:data/write/bulk[s][r]`) to every in-sync copy before the task's
 *   checkpoint moves (TransportBulkShardOperationsAction is a replication action).
 * - `_ccr/stats` through any node asks every node for the tasks it runs
 *   (`cluster:monitor/ccr/follow_stats[n]`, this cluster's nodes only).
 *
 * - Fenced promotion (`_ccr/promote`, Strait's): the leader is fenced first; the follower follows
 *   (again, if paused) until each shard's primary holds its fenced leader shard's last seq_no
 *   (`indices:monitor/ccr/follower_checkpoints[n]` asks every node for its primaries'); the
 *   record, paused, stops the task on every node; the follower marker leaves the index metadata
 *   through the master, so every copy takes writes; the record keeps every shard's checkpoint.
 * - Auto-follow patterns are the cluster's (Elasticsearch's AutoFollowMetadata in the cluster
 *   state): one etcd key per pattern (`<prefix>ccr/auto_follow/<name>`, the leader uuids it
 *   handled included), mirrored by every node into its node.db; a put, delete, pause or resume
 *   through any node, and the coordinator's record of a handled index, change it there by
 *   compare-and-swap on the key's mod revision (re-applied to the newer record on a lost race),
 *   so concurrent changes through several nodes all stay. One coordinator polls the leaders and follows, on the
 *   elected master (as Elasticsearch runs the AutoFollowCoordinator); a new master reads what the
 *   patterns handled from the shared records, so no index is followed twice.
 *   `auto_follow_stats` through any node are the master's (`cluster:monitor/ccr/auto_follow_stats[m]`).
 *
 * Loaded only in multi-node mode (node.ts).
 */
import type { Logger } from 'pino';
import { EtcdMetadataRange } from '../cluster/etcd-metadata-range.js';
import { primaryOf, type ClusterState } from '../cluster/state.js';
import { EsError, limits } from '../common/index.js';
import type { CcrCluster, CcrService, ShardTaskStats } from '../ccr/service.js';
import type { AutoFollowPatternRecord, AutoFollowService, PatternChange } from '../ccr/auto-follow.js';
import type { FollowerRecord } from '../ccr/follower-records.js';
import type { IndexHandle, IndicesService } from '../index/index.js';
import type { ShardTarget } from '../index/replication/actions.js';
import type { TransportHandler } from '../transport/index.js';
import { askEachNode } from './ask-nodes.js';
import type { CoordinationWiring } from './wire-coordination.js';
import type { DataPlaneWiring } from './wire-data-plane.js';
import { activeShardsShortfall } from './wire-documents.js';
import type { MultiNodeWiringOptions } from './multi-node-wiring.js';

/** The node-level part of `GET [/{index}]/_ccr/stats` (FollowStatsAction's tasks, asked node by node). */
export const FOLLOW_STATS_NODE_ACTION = 'cluster:monitor/ccr/follow_stats[n]';
/** Each follower shard's max_seq_no on the node holding its started primary (a promotion's catch-up and record). */
export const FOLLOWER_CHECKPOINTS_NODE_ACTION = 'indices:monitor/ccr/follower_checkpoints[n]';
/** Ours: how long a node waits for another's task stats. */
const statsTimeoutMs = 10_000;
const rangeName = 'ccr/followers';
const patternRangeName = 'ccr/auto_follow';
/** The master's auto-follow coordinator's counters, asked by another node for `GET /_ccr/stats`. */
export const AUTO_FOLLOW_STATS_MASTER_ACTION = 'cluster:monitor/ccr/auto_follow_stats[m]';

export interface CcrFollowerWiringOptions extends MultiNodeWiringOptions {
  readonly ccr: CcrService;
  readonly autoFollow: AutoFollowService;
  readonly indices: IndicesService;
  /** `cluster.coordination.etcd.prefix` (ends with `/`). */
  readonly prefix: string;
}

export interface CcrFollowerWiring {
  close(): Promise<void>;
}

function decodePattern(name: string, value: string): AutoFollowPatternRecord | undefined {
  try {
    const record = JSON.parse(value) as AutoFollowPatternRecord;
    return record.name === name && typeof record.remoteCluster === 'string' && Array.isArray(record.followedLeaderUuids) ? record : undefined;
  } catch {
    return undefined;
  }
}

/** A pattern change as a change of its etcd value (null: no key); an unchanged record keeps the value read. */
export function patternTextChange(name: string, change: PatternChange): (text: string | null) => string | null {
  return (text) => {
    const current = text === null ? undefined : decodePattern(name, text);
    const next = change(current);
    if (next === current) return text;
    return next === undefined ? null : JSON.stringify(next);
  };
}

function decodeRecord(value: string): FollowerRecord | undefined {
  try {
    const record = JSON.parse(value) as FollowerRecord;
    return typeof record.followerUuid === 'string' && typeof record.followerIndex === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Each follower shard's task stats once: during a failover two nodes may report one shard; the one further along wins. */
export function mergeShardStats(parts: readonly Readonly<Record<string, readonly ShardTaskStats[]>>[]): Map<string, ShardTaskStats[]> {
  const merged = new Map<string, Map<number, ShardTaskStats>>();
  for (const part of parts) {
    for (const [uuid, entries] of Object.entries(part)) {
      const shards = merged.get(uuid) ?? new Map<number, ShardTaskStats>();
      merged.set(uuid, shards);
      for (const entry of entries) {
        const held = shards.get(entry.shard);
        const checkpoint = (stats: ShardTaskStats): number => Number(stats.stats['follower_global_checkpoint'] ?? -1);
        if (held === undefined || checkpoint(entry) > checkpoint(held)) shards.set(entry.shard, entry);
      }
    }
  }
  return new Map([...merged].map(([uuid, shards]) => [uuid, [...shards.values()].sort((a, b) => a.shard - b.shard)]));
}

export async function wireCcrFollower(options: CcrFollowerWiringOptions): Promise<CcrFollowerWiring> {
  const { ccr, indices, coordination, dataPlane, nodeId } = options;
  const { coordinator } = coordination;
  const { replication, channel } = dataPlane;
  const log = options.log.child({ layer: 'ccr', side: 'follower' });
  const targetOf = (handle: IndexHandle, shard: number): ShardTarget => ({ indexUuid: handle.uuid, index: handle.name, shard });
  const published = (state: ClusterState, handle: IndexHandle): boolean => state.metadata.indices[handle.name]?.settings['index.uuid'] === handle.uuid;
  const shardCount = (handle: IndexHandle): number => Number(handle.metadata.settings['index.number_of_shards'] ?? '1');

  const range = new EtcdMetadataRange({
    client: coordinator.etcdClient(),
    prefix: `${options.prefix}${rangeName}/`,
    target: {
      // etcd holds the cluster's records: one this node has and etcd does not was removed meanwhile.
      load: (entries) => {
        const shared = new Set<string>();
        for (const [uuid, { value }] of entries) {
          const record = decodeRecord(value);
          if (record === undefined) {
            log.error({ key: uuid }, 'skipping a shared follow record this node cannot read');
            continue;
          }
          shared.add(uuid);
          ccr.applySharedRecord(uuid, record);
        }
        for (const record of ccr.allRecords()) if (!shared.has(record.followerUuid)) ccr.applySharedRecord(record.followerUuid, undefined);
        return [];
      },
      apply: (uuid, value) => {
        if (value === null) {
          ccr.applySharedRecord(uuid, undefined);
          return;
        }
        const record = decodeRecord(value);
        if (record === undefined) log.error({ key: uuid }, 'skipping a shared follow record this node cannot read');
        else ccr.applySharedRecord(uuid, record);
      },
    },
    log,
    retryMs: limits.sharedMetadataReloadRetryMs,
  });

  /** This node's started primaries of the follower `indexUuid`: shard number → max_seq_no. */
  const localCheckpoints = (raw: unknown): Record<string, number> => {
    const indexUuid = (raw as { index_uuid?: unknown } | undefined)?.index_uuid;
    const handle = indices.all().find((index) => index.uuid === indexUuid);
    if (handle === undefined) return {};
    const out: Record<string, number> = {};
    for (const shard of cluster.primaryShardsHere(handle)) out[String(shard)] = indices.openShardOf(handle, shard).maxSeqNo;
    return out;
  };
  const cluster: CcrCluster = {
    primaryCheckpoints: async (handle) => {
      const answers = await askEachNode({ nodeId, channel, log }, Object.keys(coordinator.state().nodes), FOLLOWER_CHECKPOINTS_NODE_ACTION, { index_uuid: handle.uuid }, statsTimeoutMs, localCheckpoints);
      const checkpoints = new Array<number>(shardCount(handle)).fill(-1);
      for (const answer of answers.values()) {
        if (answer instanceof EsError) continue;
        for (const [shard, seqNo] of Object.entries(answer)) {
          const at = Number(shard);
          if (at >= 0 && at < checkpoints.length) checkpoints[at] = Math.max(checkpoints[at]!, seqNo);
        }
      }
      return checkpoints;
    },
    publishCreated: (before, timeoutMs) => coordination.publishLocalChanges(before, timeoutMs),
    publishMetadata: (handle, timeoutMs) => coordination.publishLocalChanges(new Set(indices.all().map((index) => index.name)), timeoutMs),
    primaryShardsHere: (handle) => {
      const state = coordinator.state();
      if (!published(state, handle)) return [];
      const shards: number[] = [];
      for (let shard = 0; shard < shardCount(handle); shard++) {
        const primary = primaryOf(state, handle.name, shard);
        if (primary?.node === nodeId && primary.state === 'STARTED' && replication.isPrimaryHere(targetOf(handle, shard))) shards.push(shard);
      }
      return shards;
    },
    write: async (handle, shard, operations) => {
      const written = await replication.writeWith(
        targetOf(handle, shard),
        (store) => {
          // The copies take a primary's operations as one contiguous seq_no range: a batch after a
          // gap (an earlier batch failed and waits for its retry) waits too.
          const fresh = operations.filter((operation) => operation.seqNo > store.maxSeqNo);
          if (fresh.length === 0) return store.maxSeqNo;
          if (fresh[0]!.seqNo !== store.maxSeqNo + 1) {
            throw new EsError(429, 'es_rejected_execution_exception', `follower shard [${handle.name}][${shard}] holds operations up to [${store.maxSeqNo}]; operations from [${fresh[0]!.seqNo}] wait for the ones before them`);
          }
          indices.applyFollowerOperations(handle, shard, fresh);
          return store.maxSeqNo;
        },
        // The copies take them under the state holding the follower's mapping (published by the metadata sync).
        async () => coordinator.state().version,
      );
      return written.result;
    },
    shareRecord: async (uuid, record) => {
      await range.publish(uuid, record === undefined ? null : JSON.stringify(record));
    },
    waitForActiveShards: (handle, wanted, timeoutMs) =>
      coordinator.waitForState((state) => {
        if (!published(state, handle)) return false;
        for (let shard = 0; shard < shardCount(handle); shard++) {
          const primary = primaryOf(state, handle.name, shard);
          if (primary?.state !== 'STARTED') return false;
          if (activeShardsShortfall(state, targetOf(handle, shard), wanted) !== undefined) return false;
        }
        return true;
      }, timeoutMs),
    shardStatsOfEveryNode: async () => {
      const answers = await askEachNode({ nodeId, channel, log }, Object.keys(coordinator.state().nodes), FOLLOW_STATS_NODE_ACTION, {}, statsTimeoutMs, () => ccr.localShardStats());
      const parts = [...answers.values()].filter((answer): answer is Record<string, ShardTaskStats[]> => !(answer instanceof EsError));
      return mergeShardStats(parts);
    },
  };

  // Auto-follow patterns: shared by every node, followed by the master's coordinator.
  const { autoFollow } = options;
  const patternKey = (name: string): string => encodeURIComponent(name);
  const patternName = (key: string): string | undefined => {
    try {
      return decodeURIComponent(key);
    } catch {
      return undefined;
    }
  };
  const patterns = new EtcdMetadataRange({
    client: coordinator.etcdClient(),
    prefix: `${options.prefix}${patternRangeName}/`,
    target: {
      load: (entries) => {
        const shared = new Set<string>();
        for (const [key, { value }] of entries) {
          const name = patternName(key);
          const record = name === undefined ? undefined : decodePattern(name, value);
          if (name === undefined || record === undefined) {
            log.error({ key }, 'skipping a shared auto-follow pattern this node cannot read');
            continue;
          }
          shared.add(name);
          autoFollow.applyShared(name, record);
        }
        for (const name of autoFollow.names()) if (!shared.has(name)) autoFollow.applyShared(name, undefined);
        return [];
      },
      apply: (key, value) => {
        const name = patternName(key);
        if (name === undefined) return;
        if (value === null) return autoFollow.applyShared(name, undefined);
        const record = decodePattern(name, value);
        if (record === undefined) log.error({ key }, 'skipping a shared auto-follow pattern this node cannot read');
        else autoFollow.applyShared(name, record);
      },
    },
    log,
    retryMs: limits.sharedMetadataReloadRetryMs,
  });
  autoFollow.attachCluster({
    coordinates: () => coordinator.isMaster(),
    // Every change of a pattern is a compare-and-swap on its key, applied again to the newer record
    // when another node wrote it first: a pause through one node and the master's record of a
    // handled leader index at the same moment both stay (Elasticsearch's master applies both).
    change: async (name, change) => {
      const written = await patterns.update(patternKey(name), patternTextChange(name, change));
      return written.value === null ? undefined : decodePattern(name, written.value);
    },
    coordinatorStats: async () => {
      const master = coordinator.state().master_node;
      if (coordinator.isMaster() || master === undefined || master === null || master === nodeId) return autoFollow.localStats();
      return (await channel.request(master, AUTO_FOLLOW_STATS_MASTER_ACTION, {}, statsTimeoutMs)) as Record<string, unknown>;
    },
  });

  options.addTransportHandlers(
    new Map<string, TransportHandler>([
      [FOLLOW_STATS_NODE_ACTION, replication.internalHandler(() => ccr.localShardStats())],
      [FOLLOWER_CHECKPOINTS_NODE_ACTION, replication.internalHandler(localCheckpoints)],
      [AUTO_FOLLOW_STATS_MASTER_ACTION, replication.internalHandler(() => autoFollow.localStats())],
    ]),
  );
  await range.start();
  await patterns.start();
  ccr.attachCluster(cluster);
  // Tasks follow the primaries: every applied state (after the shard copies were opened) reconciles them.
  coordinator.onApplied(() => ccr.reconcile());
  return {
    close: async () => {
      await patterns.close();
      await range.close();
    },
  };
}
