// From the applied cluster state (src/cluster/state.ts) to the data plane: the shard view a
// ReplicationService gets, the started copies a search picks from, and what a node does with its
// copies when a state is applied (Elasticsearch IndicesClusterStateService: open assigned
// primaries, recover assigned replicas from a started primary, close unassigned copies).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyClusterState, type ClusterState, type ShardRouting } from '../../../src/cluster/state.js';
import { appliedShardStateOf, deletableShards, reconcileLocalCopies, searchableCopiesOf } from '../../../src/index/replication/applied-state.js';

function routing(shard: number, primary: boolean, node: string | null, state: ShardRouting['state'], id?: string, source?: 'EMPTY_STORE' | 'EXISTING_STORE' | 'PEER'): ShardRouting {
  return {
    state,
    primary,
    node,
    relocating_node: null,
    shard,
    index: 'logs',
    ...(id !== undefined ? { allocation_id: { id } } : {}),
    ...(source !== undefined ? { recovery_source: { type: source } } : {}),
  };
}

function clusterState(shards: Record<string, ShardRouting[]>, terms: Record<string, number>, inSync: Record<string, string[]>): ClusterState {
  const empty = emptyClusterState('strait', 'uuid');
  return {
    ...empty,
    version: 7,
    metadata: {
      ...empty.metadata,
      indices: {
        logs: {
          version: 1,
          mapping_version: 1,
          settings_version: 1,
          aliases_version: 1,
          routing_num_shards: 1024,
          state: 'open',
          settings: { 'index.number_of_shards': '2', 'index.uuid': 'logs-uuid' },
          mappings: {},
          aliases: {},
          primary_terms: terms,
          in_sync_allocations: inSync,
        },
      },
    },
    routing_table: { indices: { logs: { shards } } },
  };
}

const state = clusterState(
  {
    '0': [routing(0, true, 'a', 'STARTED', 'p0'), routing(0, false, 'b', 'STARTED', 'r0'), routing(0, false, 'c', 'INITIALIZING', 'q0', 'PEER')],
    '1': [routing(1, true, 'b', 'INITIALIZING', 'p1', 'EXISTING_STORE'), routing(1, false, 'c', 'INITIALIZING', 'r1', 'PEER'), routing(1, false, null, 'UNASSIGNED')],
  },
  { '0': 2, '1': 1 },
  { '0': ['p0', 'r0'], '1': ['p1'] },
);

test('appliedShardStateOf: primary term, primary allocation, in-sync ids and assigned copies of one shard', () => {
  assert.deepEqual(appliedShardStateOf(state, 'logs', 0), { primaryTerm: 2, primaryAllocationId: 'p0', inSync: ['p0', 'r0'], copies: { p0: 'a', r0: 'b', q0: 'c' } });
  assert.deepEqual(appliedShardStateOf(state, 'logs', 1), { primaryTerm: 1, primaryAllocationId: 'p1', inSync: ['p1'], copies: { p1: 'b', r1: 'c' } });
  assert.deepEqual(appliedShardStateOf(state, 'missing', 0), { primaryTerm: 0, primaryAllocationId: undefined, inSync: [], copies: {} });
});

test('searchableCopiesOf: started copies only, primary first; a shard without one has no nodes', () => {
  assert.deepEqual(searchableCopiesOf(state, 'logs'), [
    { index: 'logs', shard: 0, nodes: ['a', 'b'] },
    { index: 'logs', shard: 1, nodes: [] },
  ]);
  assert.deepEqual(searchableCopiesOf(state, 'missing'), []);
});

test('reconcileLocalCopies: open assigned primaries from their store, recover replicas only from a started primary, hand open copies their view', () => {
  assert.deepEqual(
    reconcileLocalCopies(state, 'b', [{ index: 'logs', shard: 0, allocationId: 'r0' }]).map((action) => `${action.kind} ${action.index}/${action.shard}${'allocationId' in action ? ` ${action.allocationId}` : ''}${action.kind === 'open_primary' ? ` ${action.fromStore}` : ''}`),
    ['apply logs/0', 'open_primary logs/1 p1 EXISTING_STORE'],
  );
  // c: shard 0's replica recovers from a (started primary); shard 1's waits for its primary to start.
  assert.deepEqual(reconcileLocalCopies(state, 'c', []), [{ kind: 'open_replica', index: 'logs', shard: 0, allocationId: 'q0', primaryTerm: 2, primaryNodeId: 'a' }]);
});

test('reconcileLocalCopies: closes replaced, unassigned and deleted copies first; reports a started copy it does not hold', () => {
  const actions = reconcileLocalCopies(state, 'a', [
    { index: 'logs', shard: 1, allocationId: 'old' },
    { index: 'gone', shard: 0, allocationId: 'g' },
  ]);
  assert.deepEqual(actions, [
    { kind: 'close', index: 'logs', shard: 1, allocationId: 'old', reason: 'the copy is no longer assigned to this node' },
    { kind: 'close', index: 'gone', shard: 0, allocationId: 'g', reason: 'the index was deleted' },
    { kind: 'report_failed', index: 'logs', shard: 0, allocationId: 'p0', reason: 'the cluster state has a [STARTED] copy on this node that the node does not hold' },
  ]);
  const replaced = reconcileLocalCopies(state, 'c', [{ index: 'logs', shard: 0, allocationId: 'stale' }]);
  assert.deepEqual(replaced.map((action) => action.kind), ['close', 'open_replica']);
});

test('reconcileLocalCopies: a closed index keeps its routing table, and each node closes the copies it holds of it, reporting nothing (indices-close.html)', () => {
  const closed: ClusterState = { ...state, metadata: { ...state.metadata, indices: { logs: { ...state.metadata.indices['logs']!, state: 'close' } } } };
  // Node b held the replica of shard 0 and the primary of shard 1: both close, neither is reported failed.
  assert.deepEqual(reconcileLocalCopies(closed, 'b', [{ index: 'logs', shard: 0, allocationId: 'r0' }, { index: 'logs', shard: 1, allocationId: 'p1' }]), [
    { kind: 'close', index: 'logs', shard: 0, allocationId: 'r0', reason: 'the index was closed' },
    { kind: 'close', index: 'logs', shard: 1, allocationId: 'p1', reason: 'the index was closed' },
  ]);
  // A node holding nothing of it (it was away during the close) opens nothing and reports nothing.
  assert.deepEqual(reconcileLocalCopies(closed, 'a', []), []);
  // No search is routed to a closed copy.
  assert.deepEqual(searchableCopiesOf(closed, 'logs'), []);
});

test('deletableShards: a node deletes its data of a shard only once every listed copy is started on other nodes of the state (IndicesStore.shardCanBeDeleted)', () => {
  const nodes = (...ids: string[]): ClusterState['nodes'] =>
    Object.fromEntries(ids.map((id) => [id, { name: id, ephemeral_id: id, transport_address: '127.0.0.1:9300', external_id: id, attributes: {}, roles: ['data'], version: '9.1.0' }]));
  const whole = {
    ...clusterState(
      { '0': [routing(0, true, 'a', 'STARTED', 'p0'), routing(0, false, 'b', 'STARTED', 'r0')], '1': [routing(1, true, 'b', 'STARTED', 'p1'), routing(1, false, 'c', 'INITIALIZING', 'r1', 'PEER')] },
      { '0': 1, '1': 1 },
      { '0': ['p0', 'r0'], '1': ['p1'] },
    ),
    nodes: nodes('a', 'b', 'c'),
  };
  assert.deepEqual(deletableShards(whole, 'c'), [{ index: 'logs', indexUuid: 'logs-uuid', shard: 0 }], 'shard 1 still initializes (on c itself)');
  assert.deepEqual(deletableShards(whole, 'a'), [], 'a holds a copy of shard 0; shard 1 is not whole');
  assert.deepEqual(deletableShards({ ...whole, nodes: nodes('a', 'c') }, 'c'), [], "a copy on a node that left the state does not count");
  const unassigned = clusterState({ '0': [routing(0, true, 'a', 'STARTED', 'p0'), routing(0, false, null, 'UNASSIGNED')] }, { '0': 1 }, { '0': ['p0'] });
  assert.deepEqual(deletableShards({ ...unassigned, nodes: nodes('a', 'c') }, 'c'), [], 'an unassigned copy may be the one this node brings back');
  const closed = { ...whole, metadata: { ...whole.metadata, indices: { logs: { ...whole.metadata.indices['logs']!, state: 'close' as const } } } };
  assert.deepEqual(deletableShards(closed, 'c'), [], 'a closed index keeps its files');
});
