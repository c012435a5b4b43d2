// Multi-node `_cat/shards` rows (issue #14): a relocating shard is one row, the source's, in state
// RELOCATING with the node column `A -> ip id B`, as Elasticsearch's RestShardsAction prints it
// (its routing table lists the relocation target apart from the shard's copies).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterState, ShardRouting } from '../../../src/cluster/state.js';
import type { IndexHandle } from '../../../src/index/index.js';
import { catShardRows } from '../../../src/node/wire-stats.js';

const node = (name: string, port: number) => ({ name, ephemeral_id: `e-${name}`, transport_address: `127.0.0.${port}:9300`, external_id: name, attributes: {}, roles: ['data'], version: '9.1.0' });
const copy = (fields: Partial<ShardRouting>): ShardRouting => ({ state: 'STARTED', primary: true, node: 'a', relocating_node: null, shard: 0, index: 'logs', ...fields });

test('a relocation is one RELOCATING row naming the target as ip, id and name; the target gets no row of its own', () => {
  const state = {
    nodes: { a: node('node-a', 1), b: node('node-b', 2) },
    metadata: { indices: { logs: { settings: { 'index.uuid': 'u1' } } } },
    routing_table: {
      indices: {
        logs: {
          shards: {
            '0': [copy({ state: 'RELOCATING', relocating_node: 'b' }), copy({ state: 'INITIALIZING', node: 'b', relocating_node: 'a' })],
            '1': [copy({ shard: 1, node: 'b' }), copy({ shard: 1, primary: false, state: 'UNASSIGNED', node: null, unassigned_info: { reason: 'NODE_LEFT', at: '2026-12-07T00:00:00.000Z', last_allocation_status: 'no_attempt' } as never })],
          },
        },
      },
    },
  } as unknown as ClusterState;
  const handle = { name: 'logs', uuid: 'u1', metadata: { state: 'open' } } as unknown as IndexHandle;
  const figures = [{ index: 'logs', shard: 0, primary: true, node: 'a', docs: 7, bytes: 2048, maxSeqNo: 6, localCheckpoint: 6, globalCheckpoint: 6 }];
  const rows = catShardRows(state, [handle], figures, 'b');
  assert.deepEqual(
    rows.map((row) => [row['shard'], row['prirep'], row['state'], row['node'], row['docs']]),
    [
      [0, 'p', 'RELOCATING', 'node-a -> 127.0.0.2 b node-b', 7],
      [1, 'p', 'STARTED', 'node-b', null],
      [1, 'r', 'UNASSIGNED', null, null],
    ],
  );
  assert.equal(rows[0]!['store'], '2048');
  assert.equal(rows[2]!['unassigned.reason'], 'NODE_LEFT');
});
