/**
 * Shard allocation health of a one-node cluster (pure). Primaries are always assigned to the one
 * node; replicas can never be (Elasticsearch never puts a replica beside its primary), so any
 * index with number_of_replicas > 0 is yellow, as a one-node Elasticsearch reports. An index with
 * `index.auto_expand_replicas` has the count it implies written into number_of_replicas (see
 * withAutoExpandedReplicas in settings.ts), so `0-1` and `0-all` are green and `1-all` is yellow.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/cluster-health.html
 */
export type HealthStatus = 'green' | 'yellow' | 'red';

export interface IndexShape {
  readonly name: string;
  readonly numberOfShards: number;
  readonly numberOfReplicas: number;
}

export interface IndexHealth {
  readonly status: HealthStatus;
  readonly number_of_shards: number;
  readonly number_of_replicas: number;
  readonly active_primary_shards: number;
  readonly active_shards: number;
  readonly relocating_shards: number;
  readonly initializing_shards: number;
  readonly unassigned_shards: number;
  readonly unassigned_primary_shards: number;
}

export function indexHealth(index: IndexShape): IndexHealth {
  const unassigned = index.numberOfShards * index.numberOfReplicas;
  return {
    status: unassigned > 0 ? 'yellow' : 'green',
    number_of_shards: index.numberOfShards,
    number_of_replicas: index.numberOfReplicas,
    active_primary_shards: index.numberOfShards,
    active_shards: index.numberOfShards,
    relocating_shards: 0,
    initializing_shards: 0,
    unassigned_shards: unassigned,
    unassigned_primary_shards: 0,
  };
}

const rank: Readonly<Record<HealthStatus, number>> = { green: 0, yellow: 1, red: 2 };

export function worstStatus(statuses: readonly HealthStatus[]): HealthStatus {
  return statuses.reduce<HealthStatus>((worst, status) => (rank[status] > rank[worst] ? status : worst), 'green');
}

/** True when `status` is at least as good as `wanted` (wait_for_status). */
export function statusSatisfies(status: HealthStatus, wanted: HealthStatus): boolean {
  return rank[status] <= rank[wanted];
}

/**
 * Cluster or index health under Strait's cross-cluster replication lag objective (beyond
 * Elasticsearch): while any follower it covers is past its `max_lag`, the status is at best
 * yellow (red stays red). One rule for one node and for many: the status reported and the status
 * `wait_for_status` waits for are both this one.
 */
export function statusWithLagObjective(shardStatus: HealthStatus, followersPastMaxLag: readonly string[]): HealthStatus {
  return followersPastMaxLag.length > 0 ? worstStatus([shardStatus, 'yellow']) : shardStatus;
}

export interface ClusterHealthSummary {
  readonly status: HealthStatus;
  readonly active_primary_shards: number;
  readonly active_shards: number;
  readonly unassigned_shards: number;
  readonly active_shards_percent_as_number: number;
}

export function clusterHealth(indices: readonly IndexHealth[]): ClusterHealthSummary {
  let primaries = 0;
  let active = 0;
  let unassigned = 0;
  for (const index of indices) {
    primaries += index.active_primary_shards;
    active += index.active_shards;
    unassigned += index.unassigned_shards;
  }
  const total = active + unassigned;
  return {
    status: worstStatus(indices.map((index) => index.status)),
    active_primary_shards: primaries,
    active_shards: active,
    unassigned_shards: unassigned,
    active_shards_percent_as_number: total === 0 ? 100 : (active / total) * 100,
  };
}
