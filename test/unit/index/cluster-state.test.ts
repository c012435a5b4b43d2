/**
 * Cluster state rendering (src/index/cluster-state.ts): metrics as ClusterState.Metric.parseString
 * reads them (unknown ignored, `_all` is every one), ShardRouting.toXContent's fields, and a
 * one-node routing table: each primary started here, each replica unassigned.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocationId, parseClusterStateMetrics, renderClusterState, renderShardCopy, shardCopies } from '../../../src/index/cluster-state.js';
import type { IndexHandle } from '../../../src/index/index.js';

const handle = {
  name: 'logs',
  uuid: 'u1',
  metadata: { name: 'logs', uuid: 'u1', creationDateMs: 0, state: 'open', settings: { 'index.number_of_shards': '2', 'index.number_of_replicas': '1' }, mappings: {}, aliases: { all: {} }, version: 3 },
  shards: undefined,
  mapping: undefined,
} as unknown as IndexHandle;

test('metrics: _all or none is every metric; unknown names are ignored', () => {
  assert.equal(parseClusterStateMetrics(undefined).size, 8);
  assert.equal(parseClusterStateMetrics('_all').size, 8);
  assert.deepEqual([...parseClusterStateMetrics('metadata,nope,version')].sort(), ['metadata', 'version']);
});

test('one node: primaries started here, replicas unassigned', () => {
  const copies = shardCopies(handle, 'n1');
  assert.deepEqual(copies.map((copy) => [copy.shard, copy.primary, copy.state, copy.node]), [[0, true, 'STARTED', 'n1'], [0, false, 'UNASSIGNED', null], [1, true, 'STARTED', 'n1'], [1, false, 'UNASSIGNED', null]]);
  assert.deepEqual(renderShardCopy(copies[0]!), { state: 'STARTED', primary: true, node: 'n1', relocating_node: null, shard: 0, index: 'logs', allocation_id: { id: allocationId('u1', 0, true) } });
  assert.equal((renderShardCopy(copies[1]!)['unassigned_info'] as { reason: string }).reason, 'INDEX_CREATED');
  assert.equal(allocationId('u1', 0, true), allocationId('u1', 0, true), 'stable');
  assert.notEqual(allocationId('u1', 0, true), allocationId('u1', 1, true));
});

test('the rendered state holds only the requested metrics', () => {
  const node = { id: 'n1', name: 'node-1', ephemeralId: 'e', transportAddress: '127.0.0.1:9300', ip: '127.0.0.1', roles: ['master', 'data'], attributes: {}, version: '9.0.0' };
  const body = renderClusterState({ clusterName: 'c', clusterUuid: 'cu', version: 4, stateUuid: 's', node, indices: [handle], metrics: parseClusterStateMetrics('routing_table'), flatSettings: false });
  assert.deepEqual(Object.keys(body), ['cluster_name', 'cluster_uuid', 'routing_table']);
  const all = renderClusterState({ clusterName: 'c', clusterUuid: 'cu', version: 4, stateUuid: 's', node, indices: [handle], metrics: parseClusterStateMetrics(undefined), flatSettings: true });
  const metadata = (all['metadata'] as { indices: Record<string, Record<string, unknown>> }).indices['logs']!;
  assert.equal(metadata['routing_num_shards'], 1024);
  assert.deepEqual(metadata['aliases'], ['all']);
  assert.equal((metadata['settings'] as Record<string, string>)['index.number_of_shards'], '2');
  assert.equal(all['master_node'], 'n1');
  assert.deepEqual((all['routing_nodes'] as { unassigned: unknown[] }).unassigned.length, 2);
});
