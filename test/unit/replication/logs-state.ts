/** Cluster states holding index `logs` (uuid logs-uuid) of one shard, for the applier tests. */
import { emptyClusterState, type ClusterState, type ShardRouting } from '../../../src/cluster/state.js';

export function routing(primary: boolean, node: string | null, state: ShardRouting['state'], id?: string, source?: 'EMPTY_STORE' | 'PEER'): ShardRouting {
  return { state, primary, node, relocating_node: null, shard: 0, index: 'logs', ...(id !== undefined ? { allocation_id: { id } } : {}), ...(source !== undefined ? { recovery_source: { type: source } } : {}) };
}

export function clusterState(version: number, copies: ShardRouting[] | undefined, inSync: string[]): ClusterState {
  const empty = emptyClusterState('strait', 'cu');
  if (copies === undefined) return { ...empty, version };
  return {
    ...empty,
    version,
    metadata: {
      ...empty.metadata,
      indices: {
        logs: {
          version: 1, mapping_version: 1, settings_version: 1, aliases_version: 1, routing_num_shards: 1024, state: 'open',
          settings: { 'index.number_of_shards': '1', 'index.uuid': 'logs-uuid' }, mappings: {}, aliases: {},
          primary_terms: { '0': 1 }, in_sync_allocations: { '0': inSync },
        },
      },
    },
    routing_table: { indices: { logs: { shards: { '0': copies } } } },
  };
}
