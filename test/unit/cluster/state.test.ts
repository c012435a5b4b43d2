/**
 * The cluster state contract (src/cluster/state.ts): lookups the data plane uses and the invariants
 * a master checks before it publishes. Shapes follow Elasticsearch's cluster-state.html
 * (routing_table shard routings, metadata.indices primary_terms / in_sync_allocations).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  activeCopiesOf,
  clusterStateViolation,
  emptyClusterState,
  inSyncAllocationIdsOf,
  primaryOf,
  primaryTermOf,
  replicationTargetsOf,
  routingsOnNode,
  type ClusterState,
  type DiscoveryNode,
} from '../../../src/cluster/state.js';

const node = (name: string): DiscoveryNode => ({
  name, ephemeral_id: `${name}-e`, transport_address: '127.0.0.1:9300', external_id: name, attributes: {}, roles: ['data', 'master'], version: '9.1.0',
});

function twoNodeState(): ClusterState {
  const empty = emptyClusterState('c', 'cu');
  return {
    ...empty,
    version: 3,
    state_uuid: 's3',
    term: 2,
    master_node: 'n1',
    nodes: { n1: node('n1'), n2: node('n2') },
    metadata: {
      ...empty.metadata,
      cluster_coordination: { term: 2 },
      indices: {
        logs: {
          version: 1, mapping_version: 1, settings_version: 1, aliases_version: 1, routing_num_shards: 1024, state: 'open',
          settings: { 'index.number_of_shards': '1', 'index.number_of_replicas': '1', 'index.uuid': 'u' },
          mappings: {}, aliases: {}, primary_terms: { '0': 1 }, in_sync_allocations: { '0': ['a1'] },
        },
      },
    },
    routing_table: {
      indices: {
        logs: {
          shards: {
            '0': [
              { state: 'STARTED', primary: true, node: 'n1', relocating_node: null, shard: 0, index: 'logs', allocation_id: { id: 'a1' } },
              { state: 'INITIALIZING', primary: false, node: 'n2', relocating_node: null, shard: 0, index: 'logs', allocation_id: { id: 'a2' }, recovery_source: { type: 'PEER' } },
            ],
          },
        },
      },
    },
  };
}

test('lookups: primary, term, in-sync set, replication targets, copies per node, active copies', () => {
  const state = twoNodeState();
  assert.equal(clusterStateViolation(state), undefined);
  assert.equal(primaryOf(state, 'logs', 0)?.node, 'n1');
  assert.equal(primaryTermOf(state, 'logs', 0), 1);
  assert.deepEqual(inSyncAllocationIdsOf(state, 'logs', 0), ['a1']);
  assert.deepEqual(replicationTargetsOf(state, 'logs', 0).map((t) => [t.routing.node, t.inSync]), [['n2', false]]);
  assert.deepEqual(routingsOnNode(state, 'n2').map((r) => r.allocation_id?.id), ['a2']);
  assert.deepEqual(activeCopiesOf(state, 'logs', 0).map((r) => r.node), ['n1']);
  assert.equal(primaryOf(state, 'nope', 0), undefined);
});

test('invariants: two copies of one shard on one node are refused', () => {
  const state = twoNodeState();
  const copies = state.routing_table.indices['logs']!.shards['0']!;
  const bad: ClusterState = { ...state, routing_table: { indices: { logs: { shards: { '0': [copies[0]!, { ...copies[1]!, node: 'n1' }] } } } } };
  assert.match(clusterStateViolation(bad) ?? '', /two copies on node \[n1\]/);
});

test('invariants: a started primary outside the in-sync set, an unknown master, a term mismatch', () => {
  const state = twoNodeState();
  const logs = state.metadata.indices['logs']!;
  assert.match(clusterStateViolation({ ...state, metadata: { ...state.metadata, indices: { logs: { ...logs, in_sync_allocations: { '0': [] } } } } }) ?? '', /not in sync/);
  assert.match(clusterStateViolation({ ...state, master_node: 'n9' }) ?? '', /master \[n9\]/);
  assert.match(clusterStateViolation({ ...state, term: 3 }) ?? '', /term/);
});
