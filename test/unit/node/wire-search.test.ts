/**
 * Pure pieces of multi-node search (issue #14, wiring step 4; src/node/wire-search.ts):
 * - `preference=_shards:N|_only_local` (search-search.html#search-preference: `_only_local` runs
 *   on shards of the local node only; `_shards` restricts the shards) is how a node's own copy is read;
 *   any other preference is not parsed as that.
 * - the shards a search reads: every shard with the nodes of its started copies (primary first),
 *   or those the routing values select (OperationRouting: murmur3 of the routing value); nothing for
 *   another incarnation of the index (a uuid the published state does not have).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyClusterState, type ClusterState, type ShardRouting } from '../../../src/cluster/state.js';
import { routingLayoutOf, shardNumber } from '../../../src/index/routing.js';
import { onlyLocalShards, shardsToSearch } from '../../../src/node/wire-search.js';

test('a node reads its own copies with _shards:N|_only_local only', () => {
  assert.deepEqual(onlyLocalShards('_shards:2|_only_local'), [2]);
  assert.deepEqual(onlyLocalShards('_shards:0,2|_only_local'), [0, 2]);
  assert.equal(onlyLocalShards('_only_local'), undefined);
  assert.equal(onlyLocalShards('_shards:1'), undefined);
  assert.equal(onlyLocalShards('_local'), undefined);
  assert.equal(onlyLocalShards(undefined), undefined);
});

const settings = { 'index.number_of_shards': '3', 'index.uuid': 'u1' };
const copy = (shard: number, primary: boolean, node: string | null, state: ShardRouting['state']): ShardRouting => ({ state, primary, node, relocating_node: null, shard, index: 'books', ...(node !== null ? { allocation_id: { id: `${node}-${shard}` } } : {}) });

function state(): ClusterState {
  const empty = emptyClusterState('strait', 'cu');
  return {
    ...empty,
    version: 5,
    metadata: {
      ...empty.metadata,
      indices: {
        books: {
          version: 1, mapping_version: 1, settings_version: 1, aliases_version: 1, routing_num_shards: routingLayoutOf(settings).routingShards, state: 'open',
          settings, mappings: {}, aliases: {}, primary_terms: { '0': 1, '1': 1, '2': 1 }, in_sync_allocations: { '0': [], '1': [], '2': [] },
        },
      },
    },
    routing_table: {
      indices: {
        books: {
          shards: {
            '0': [copy(0, false, 'b', 'STARTED'), copy(0, true, 'a', 'STARTED')],
            '1': [copy(1, true, 'b', 'STARTED'), copy(1, false, 'c', 'INITIALIZING')],
            '2': [copy(2, true, null, 'UNASSIGNED'), copy(2, false, null, 'UNASSIGNED')],
          },
        },
      },
    },
  };
}

test('a search reads every shard on its started copies, primary first; routing selects the shard; another incarnation reads nothing', () => {
  const handle = { name: 'books', uuid: 'u1', metadata: { settings } as any };
  assert.deepEqual(shardsToSearch(state(), handle, undefined), [
    { index: 'books', shard: 0, nodes: ['a', 'b'] },
    { index: 'books', shard: 1, nodes: ['b'] },
    { index: 'books', shard: 2, nodes: [] },
  ]);
  const routed = shardNumber(routingLayoutOf(settings), 'r7');
  assert.deepEqual(shardsToSearch(state(), handle, ['r7'])!.map((shard) => shard.shard), [routed]);
  assert.equal(shardsToSearch(state(), { ...handle, uuid: 'u0' }, undefined), undefined);
});
