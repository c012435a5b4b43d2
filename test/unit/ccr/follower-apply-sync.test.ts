// A follower applies each batch of leader operations in one commit without its fsync, then waits
// for one fsync of the shard's write-ahead log off the event loop before the batch counts as
// written (its checkpoint moves the leader's retention lease): the follower's CPU went to fsyncs
// on the event loop (issue #10, leader throughput with a follower). Operations stay ordered and
// gap-free, and a failed batch leaves nothing behind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSearchHarness } from '../search-api/harness.js';

const FULL = 2;
const op = (seqNo: number, id: string) => ({ seqNo, op: 'index' as const, id, source: JSON.stringify({ id }), primaryTerm: 1, version: 1, routing: null });

test('follower batches commit without their fsync, then one deferred fsync makes them durable', async (t) => {
  const h = openSearchHarness(t);
  assert.equal((await h.call('PUT', '/:index', { params: { index: 'copy' } })).status, 200);
  const handle = h.service.get('copy')!;
  assert.equal(h.service.applyFollowerOperations(handle, 0, [op(0, 'a'), op(1, 'b')], { deferSync: true }), 2);
  assert.equal(h.service.applyFollowerOperations(handle, 0, [op(2, 'c')], { deferSync: true }), 1);
  const store = h.service.openShardOf(handle, 0);
  assert.equal(store.maxSeqNo, 2);
  assert.equal(store.unsyncedCommits, 2, 'committed, not yet fsynced');
  assert.equal(store.synchronousLevel, FULL, 'other writes still fsync');
  await store.syncDeferred();
  assert.equal(store.unsyncedCommits, 0);
  // A batch with a gap fails whole: nothing applied, nothing left to sync, the level restored.
  assert.throws(() => h.service.applyFollowerOperations(handle, 0, [op(3, 'd'), op(5, 'f')], { deferSync: true }));
  assert.equal(store.maxSeqNo, 2);
  assert.equal(store.get('d'), undefined);
  assert.equal(store.unsyncedCommits, 0);
  assert.equal(store.synchronousLevel, FULL);
  // Without the option the commit fsyncs itself.
  h.service.applyFollowerOperations(handle, 0, [op(3, 'd')]);
  assert.equal(store.unsyncedCommits, 0);
  assert.equal(store.maxSeqNo, 3);
});
