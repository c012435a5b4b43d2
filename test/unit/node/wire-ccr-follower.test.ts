/**
 * Cross-cluster replication into a cluster of many nodes (spec ccr.md §3.6, ccr-get-follow-stats.html:
 * one entry per follower shard): each node reports the tasks it runs; while a primary moves two
 * nodes may report one shard for a moment, and `_ccr/stats` lists it once, the report further along.
 * Unfollow (ccr-post-unfollow.html) removes the follower marker through the master: the marker is
 * the one static setting whose change travels with the dynamic ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeShardStats } from '../../../src/node/wire-ccr-follower.js';
import { dynamicSettingChanges } from '../../../src/node/wire-coordination.js';

const entry = (shard: number, checkpoint: number) => ({ shard, stats: { follower_global_checkpoint: checkpoint }, lag: { millis: 0, operations: 0 } });

test('every node\'s follow task stats merge into one entry per shard, sorted, the one further along kept', () => {
  const merged = mergeShardStats([{ a: [entry(2, 5), entry(0, 9)] }, { a: [entry(1, 4), entry(2, 7)], b: [entry(0, -1)] }, {}]);
  assert.deepEqual(merged.get('a')!.map((stats) => [stats.shard, stats.stats['follower_global_checkpoint']]), [[0, 9], [1, 4], [2, 7]]);
  assert.deepEqual(merged.get('b')!.map((stats) => stats.shard), [0]);
  assert.equal(merged.has('c'), false);
});

test('the follower marker\'s removal travels to the master; other static settings never do', () => {
  const from = { 'index.xpack.ccr.following_index': 'true', 'index.number_of_shards': '3', 'index.number_of_replicas': '1' };
  assert.deepEqual(dynamicSettingChanges(from, { 'index.number_of_shards': '3', 'index.number_of_replicas': '1' }), { 'index.xpack.ccr.following_index': null });
  assert.deepEqual(dynamicSettingChanges(from, { ...from, 'index.number_of_shards': '5', 'index.number_of_replicas': '2' }), { 'index.number_of_replicas': '2' });
});
