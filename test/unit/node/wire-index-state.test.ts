// The pure checks of index close and open in a multi-node cluster (src/node/wire-index-state.ts):
// a close needs each shard's primary active (Elasticsearch verifies every shard on its primary
// before it closes the index, indices-close.html), and `wait_for_active_shards` counts active
// copies per shard (ActiveShardCount.enoughShardsActive, indices-open-close.html).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyClusterState, type ClusterState, type ShardRouting } from '../../../src/cluster/state.js';
import { enoughShardsActive, inactivePrimaries } from '../../../src/node/wire-index-state.js';

function copy(shard: number, primary: boolean, node: string | null, state: ShardRouting['state']): ShardRouting {
  return { state, primary, node, relocating_node: null, shard, index: 'logs', ...(node !== null ? { allocation_id: { id: `${node}-${shard}` } } : {}) };
}

const empty = emptyClusterState('strait', 'uuid');
const state: ClusterState = {
  ...empty,
  routing_table: {
    indices: {
      logs: {
        shards: {
          '0': [copy(0, true, 'a', 'STARTED'), copy(0, false, 'b', 'STARTED')],
          '1': [copy(1, true, 'b', 'STARTED'), copy(1, false, null, 'UNASSIGNED')],
          '2': [copy(2, true, null, 'UNASSIGNED'), copy(2, false, 'c', 'INITIALIZING')],
        },
      },
    },
  },
};

test('inactivePrimaries: the shards a close cannot verify, in shard order; none for an index without a routing table', () => {
  assert.deepEqual(inactivePrimaries(state, 'logs'), [2]);
  assert.deepEqual(inactivePrimaries(state, 'other'), []);
});

test('enoughShardsActive: every shard needs that many active copies; all counts every listed copy', () => {
  assert.equal(enoughShardsActive(state, ['logs'], 0), true);
  assert.equal(enoughShardsActive(state, ['logs'], 1), false, 'shard 2 has no active copy');
  const healed: ClusterState = { ...state, routing_table: { indices: { logs: { shards: { ...state.routing_table.indices['logs']!.shards, '2': [copy(2, true, 'c', 'STARTED')] } } } } };
  assert.equal(enoughShardsActive(healed, ['logs'], 1), true);
  assert.equal(enoughShardsActive(healed, ['logs'], 2), false, 'shard 1 and 2 have one active copy');
  assert.equal(enoughShardsActive(healed, ['logs'], 'all'), false, 'shard 1 has an unassigned replica');
  assert.equal(enoughShardsActive(healed, ['missing'], 1), false);
});
