// The shard store's persisted local checkpoint (Elasticsearch's, elastic/elasticsearch#43205):
// operations count once committed and fsynced. Commits that fsync themselves (and every commit
// under `async` durability, which never waits for one) move it at once; a bulk's deferred commits
// move it when `syncDeferred`'s fsync covers them. Cross-cluster replication reads up to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ShardStore } from '../../../src/index/index.js';

function tempFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-persisted-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'shard-0.db');
}

test('deferred commits are persisted at their fsync; other commits at once', async (t) => {
  const file = tempFile(t);
  const keepAlive = setInterval(() => undefined, 50); // the store's wait timers do not hold a node open
  t.after(() => clearInterval(keepAlive));
  const store = ShardStore.open(file, { indexUuid: 'u1', durability: 'request' });
  assert.equal(store.persistedLocalCheckpoint, -1);
  store.index('a', '{}', 1);
  assert.equal(store.persistedLocalCheckpoint, 0, 'a commit that fsyncs itself');
  store.begin({ deferSync: true });
  store.index('b', '{}', 1);
  store.index('c', '{}', 1);
  store.commit();
  assert.equal(store.maxSeqNo, 2);
  assert.equal(store.persistedLocalCheckpoint, 0, 'committed without its fsync');
  const waiting = store.waitForPersisted(2, 30_000);
  store.begin({ deferSync: true });
  store.index('d', '{}', 1);
  store.rollback();
  assert.equal(store.persistedLocalCheckpoint, 0);
  await store.syncDeferred();
  assert.equal(await waiting, true);
  assert.equal(store.persistedLocalCheckpoint, 2);
  assert.equal(await store.waitForPersisted(3, 10), false, 'nothing to persist: the wait times out');
  // Replicated operations applied in one commit (a follower's batch, a replica's) count at once.
  store.applyOperations([{ seqNo: 3, op: 'index', id: 'e', source: '{}', primaryTerm: 1, version: 1, routing: null }]);
  assert.equal(store.persistedLocalCheckpoint, 3);
  store.close();
  const reopened = ShardStore.open(file, { indexUuid: 'u1', durability: 'request' });
  t.after(() => reopened.close());
  assert.equal(reopened.persistedLocalCheckpoint, 3, 'what the file holds on open survived');
});

test('under async durability commits count at once, deferred or not; closing settles waiters', async (t) => {
  const store = ShardStore.open(tempFile(t), { indexUuid: 'u1', durability: 'async' });
  store.begin({ deferSync: true });
  store.index('a', '{}', 1);
  store.commit();
  assert.equal(store.persistedLocalCheckpoint, 0);
  const other = ShardStore.open(tempFile(t), { indexUuid: 'u2', durability: 'request' });
  other.begin({ deferSync: true });
  other.index('a', '{}', 1);
  other.commit();
  const waiting = other.waitForPersisted(0, 30_000);
  other.close();
  assert.equal(await waiting, false);
  store.close();
});
