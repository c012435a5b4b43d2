// shard_changes hands a follower only persisted operations: committed and fsynced on the leader, as
// Elasticsearch's global checkpoint counts only fsynced operations ("Advance checkpoints only after
// persisting ops", elastic/elasticsearch#43205: otherwise "follower clusters [risk] going out of
// sync"). A bulk commits its slices without an fsync and fsyncs once before it answers; its
// operations become readable at that fsync, together (issue #10: one follower batch per bulk, not
// one per slice).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leaderLimits, type LeaderAuthorizer } from '../../../src/ccr/leader.js';
import { decodeOperationColumns } from '../../../src/ccr/operation-columns.js';
import type { ShardChangesResponse } from '../../../src/ccr/types.js';
import type { SearchHarness } from '../search-api/harness.js';
import { openLeaderHarness } from './leader-harness.js';

const access: LeaderAuthorizer = { allowsIndex: () => true, model: 'none' };
const request = (fromSeqNo: number, pollTimeoutMs: number) => ({ index: 'leader', shard: 0, from_seq_no: fromSeqNo, max_operation_count: 100, poll_timeout_ms: pollTimeoutMs, max_batch_size: 1_000_000 });

/** A bulk's slice: committed without its fsync (the bulk fsyncs once before it answers). */
function commitSlice(h: SearchHarness, ids: readonly string[]): void {
  const handle = h.service.get('leader')!;
  const store = h.service.openShardOf(handle, 0);
  store.begin({ deferSync: true });
  for (const id of ids) store.index(id, JSON.stringify({ id }), 1);
  store.commit();
  h.service.noteWrite(handle, store.maxSeqNo, 0);
}

test('shard_changes returns committed operations only once their fsync made them durable', async (t) => {
  const { h, leader } = openLeaderHarness(t);
  assert.equal((await h.call('PUT', '/:index', { params: { index: 'leader' } })).status, 200);
  const store = h.service.openShardOf(h.service.get('leader')!, 0);
  commitSlice(h, ['a', 'b']);
  assert.equal(store.maxSeqNo, 1);
  assert.equal(store.persistedLocalCheckpoint, -1, 'committed, not fsynced');
  const before = await leader.shardChanges(request(0, 0), access);
  assert.deepEqual(before.operations, []);
  assert.equal(before.globalCheckpoint, -1);
  assert.equal(before.maxSeqNo, 1);
  // A long poll started now answers at the fsync, with every operation it covered.
  const polling = leader.shardChanges(request(0, 30_000), access);
  commitSlice(h, ['c']);
  await store.syncDeferred();
  assert.equal(store.persistedLocalCheckpoint, 2);
  const after: ShardChangesResponse = await polling;
  assert.deepEqual(after.operations.map((operation) => [operation.seqNo, operation.id]), [[0, 'a'], [1, 'b'], [2, 'c']]);
  assert.equal(after.globalCheckpoint, 2);
});

test('a write that never fsyncs its slices (a failed bulk) still reaches the follower: shard_changes fsyncs them after a wait', async (t) => {
  const { h, leader } = openLeaderHarness(t);
  assert.equal((await h.call('PUT', '/:index', { params: { index: 'leader' } })).status, 200);
  const store = h.service.openShardOf(h.service.get('leader')!, 0);
  commitSlice(h, ['a']);
  const started = Date.now();
  const keepAlive = setInterval(() => undefined, 100); // the leader's timers do not hold a node open
  const response = await leader.shardChanges(request(0, 30_000), access).finally(() => clearInterval(keepAlive));
  assert.deepEqual(response.operations.map((operation) => operation.id), ['a']);
  assert.ok(Date.now() - started >= leaderLimits.persistWaitMs - 50, 'it waited for the write to fsync first');
  assert.equal(store.unsyncedCommits, 0);
  assert.equal(store.persistedLocalCheckpoint, 0);
});

test('a follower that asks for operation columns gets them; one that does not (older) gets operations', async (t) => {
  const { h, leader } = openLeaderHarness(t);
  assert.equal((await h.call('PUT', '/:index', { params: { index: 'leader' } })).status, 200);
  const store = h.service.openShardOf(h.service.get('leader')!, 0);
  store.index('a', '{"n":1}', 1, 'r');
  store.delete('a', 2);
  store.index('b', '{"n":2}', 1);
  const plain = await leader.shardChanges(request(0, 0), access);
  assert.equal(plain.operationColumns, undefined);
  assert.deepEqual(plain.operations.map((operation) => [operation.seqNo, operation.op, operation.id, operation.source, operation.version, operation.routing]), [
    [0, 'index', 'a', '{"n":1}', 1, 'r'],
    [1, 'delete', 'a', null, 2, undefined],
    [2, 'index', 'b', '{"n":2}', 1, undefined],
  ]);
  const columns = await leader.shardChanges({ ...request(0, 0), operation_columns: true }, access);
  assert.deepEqual(columns.operations, []);
  assert.deepEqual(
    decodeOperationColumns(columns.operationColumns).map((operation) => [operation.seqNo, operation.op, operation.id, operation.source, operation.version, operation.routing, operation.timestampMs]),
    plain.operations.map((operation) => [operation.seqNo, operation.op, operation.id, operation.source, operation.version, operation.routing, operation.timestampMs]),
  );
  assert.equal(columns.globalCheckpoint, 2);
});

// The leader index's info (ccr/leader_info) named its max_seq_no as its global checkpoint, though
// committed operations not yet fsynced are past it; it now counts as shard_changes does.
test('leader info reports the persisted global checkpoint, not the max_seq_no', async (t) => {
  const { h, leader } = openLeaderHarness(t);
  assert.equal((await h.call('PUT', '/:index', { params: { index: 'leader' } })).status, 200);
  const store = h.service.openShardOf(h.service.get('leader')!, 0);
  commitSlice(h, ['a', 'b']);
  const info = await leader.leaderInfo({ index: 'leader' }, access);
  assert.equal(info.max_seq_no, 1);
  assert.equal(info.global_checkpoint, -1, 'nothing fsynced yet');
  await store.syncDeferred();
  const after = await leader.leaderInfo({ index: 'leader' }, access);
  assert.equal(after.global_checkpoint, 1);
});
