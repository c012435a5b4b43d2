/**
 * A `_bulk`'s commits without their fsync (issue 13): each slice of a bulk commits with
 * synchronous=NORMAL and the bulk answers after one fsync of the write-ahead log, run off the event
 * loop, as Elasticsearch fsyncs its translog once per bulk shard request under
 * `index.translog.durability: request` (the default):
 * https://www.elastic.co/guide/en/elasticsearch/reference/current/index-modules-translog.html
 * Every other commit still fsyncs before it returns (synchronous=FULL).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ShardStore } from '../../../src/index/index.js';

function tempFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-deferred-sync-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'shard-0.db');
}

const FULL = 2;
const NORMAL = 1;

test('deferred commits are committed at once, fsynced by syncDeferred, and leave later commits fsyncing', async (t) => {
  const file = tempFile(t);
  const store = ShardStore.open(file, { indexUuid: 'u1', durability: 'request' });
  assert.equal(store.synchronousLevel, FULL);
  for (let slice = 0; slice < 3; slice++) {
    store.begin({ deferSync: true });
    store.index(`d${slice}`, `{"slice":${slice}}`, 1);
    store.commit();
    assert.equal(store.synchronousLevel, FULL, 'the safety level is back once the transaction ends');
  }
  assert.equal(store.unsyncedCommits, 3);
  // Committed: another connection reads them before the fsync (as a refresh or a GET would).
  const reader = new Database(file, { readonly: true });
  t.after(() => reader.close());
  assert.equal((reader.prepare('SELECT COUNT(*) AS n FROM docs').get() as { n: number }).n, 3);
  // Two callers waiting at once share the fsync; both resolve once it covers their commits.
  await Promise.all([store.syncDeferred(), store.syncDeferred()]);
  assert.equal(store.unsyncedCommits, 0);
  await store.syncDeferred(); // nothing left: resolves at once
  store.index('plain', '{}', 1); // an ordinary write: FULL, nothing deferred
  assert.equal(store.unsyncedCommits, 0);
  store.close();
  const reopened = ShardStore.open(file, { indexUuid: 'u1', durability: 'request' });
  assert.equal(reopened.maxSeqNo, 3);
  assert.equal(reopened.get('d2')!.source, '{"slice":2}');
  reopened.close();
});

test('a rolled back deferred transaction restores the safety level and leaves nothing to sync', async (t) => {
  const store = ShardStore.open(tempFile(t), { indexUuid: 'u1', durability: 'request' });
  store.begin({ deferSync: true });
  store.index('gone', '{}', 1);
  store.rollback();
  assert.equal(store.synchronousLevel, FULL);
  assert.equal(store.unsyncedCommits, 0);
  assert.equal(store.get('gone'), undefined);
  await store.syncDeferred();
  store.close();
});

test('under index.translog.durability: async nothing is deferred and the level stays NORMAL', async (t) => {
  const store = ShardStore.open(tempFile(t), { indexUuid: 'u1', durability: 'async' });
  store.begin({ deferSync: true });
  store.index('a', '{}', 1);
  store.commit();
  assert.equal(store.synchronousLevel, NORMAL);
  assert.equal(store.unsyncedCommits, 0);
  store.setDurability('request');
  store.begin({ deferSync: true });
  store.index('b', '{}', 1);
  store.commit();
  assert.equal(store.synchronousLevel, FULL, 'a durability change applies to the next bulk');
  assert.equal(store.unsyncedCommits, 1);
  await store.syncDeferred();
  store.close();
});

test('syncDeferred after the store closed resolves: closing folded the log into the database', async (t) => {
  const file = tempFile(t);
  const store = ShardStore.open(file, { indexUuid: 'u1', durability: 'request' });
  store.begin({ deferSync: true });
  store.index('a', '{}', 1);
  store.commit();
  store.close();
  await store.syncDeferred();
  const reopened = ShardStore.open(file, { indexUuid: 'u1', durability: 'request' });
  assert.equal(reopened.get('a')!.source, '{}');
  reopened.close();
});
