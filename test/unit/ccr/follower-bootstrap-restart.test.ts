// A follower shard's bootstrap that did not finish (the node crashed, or the copy failed midway)
// is redone from a fresh snapshot of the leader shard. What the first attempt copied goes first:
// a document the leader deleted between the two snapshots must not stay on the follower.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSearchHarness } from '../search-api/harness.js';

const doc = (id: string, seqNo: number) => ({ id, source: JSON.stringify({ id }), seqNo, primaryTerm: 1, version: 1 });

test('a bootstrap started again after an unfinished one copies the new snapshot exactly: nothing of the first attempt is left', async (t) => {
  const h = openSearchHarness(t);
  assert.equal((await h.call('PUT', '/:index', { params: { index: 'copy' } })).status, 200);
  let handle = h.service.get('copy')!;
  // First attempt: part of the leader's snapshot, then the copy stops before finishing.
  h.service.beginFollowerImport(handle, 0);
  h.service.importFollowerDocuments(handle, 0, [doc('a', 0), doc('gone', 1)]);
  assert.equal(h.service.openShardOf(handle, 0).docCount(), 2);
  // Second attempt, of a newer snapshot in which the leader deleted [gone].
  h.service.beginFollowerImport(handle, 0);
  handle = h.service.get('copy')!;
  assert.equal(h.service.openShardOf(handle, 0).docCount(), 0, 'the unfinished copy is dropped');
  h.service.importFollowerDocuments(handle, 0, [doc('a', 0), doc('b', 2)]);
  await h.service.finishFollowerImport(handle, 0, 3);
  const store = h.service.openShardOf(handle, 0);
  assert.equal(store.get('gone'), undefined, 'a document the leader deleted is not kept');
  assert.deepEqual([store.get('a') !== undefined, store.get('b') !== undefined, store.maxSeqNo, store.bootstrapped], [true, true, 3, true]);
  // A finished bootstrap is never copied over again.
  assert.throws(() => h.service.beginFollowerImport(handle, 0));
});
