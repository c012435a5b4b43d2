import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import type { SqlDatabase } from '../../../src/common/index.js';
import { openIndicesService, ShardStore, StoreFormatError } from '../../../src/index/index.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('shard store: seq_no from 0, versions, tombstones, ops history, reopen keeps everything', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'shard-0.db');
  const store = ShardStore.open(file, { indexUuid: 'u1', durability: 'request' });
  assert.equal(store.maxSeqNo, -1);
  assert.deepEqual(store.index('a', '{"x":1}', 1), { seqNo: 0, primaryTerm: 1 });
  assert.deepEqual(store.index('a', '{"x":2}', 2), { seqNo: 1, primaryTerm: 1 });
  assert.deepEqual(store.index('b', '{"y":1}', 1), { seqNo: 2, primaryTerm: 1 });
  assert.deepEqual(store.delete('b', 2), { seqNo: 3, primaryTerm: 1 });
  assert.equal(store.get('b'), undefined);
  assert.deepEqual(store.versionInfo('b'), { seqNo: 3, primaryTerm: 1, version: 2, deleted: true });
  assert.equal(store.docCount(), 1);
  assert.equal(store.get('a')!.source, '{"x":2}');
  store.close();

  const reopened = ShardStore.open(file, { indexUuid: 'u1', durability: 'async' });
  assert.equal(reopened.maxSeqNo, 3);
  assert.equal(reopened.localCheckpoint, 3);
  assert.deepEqual(reopened.get('a'), { id: 'a', source: '{"x":2}', seqNo: 1, primaryTerm: 1, version: 2 });
  assert.deepEqual(
    reopened.readOps(1, 10).map((op) => [op.seqNo, op.op, op.id, op.version]),
    [
      [1, 'index', 'a', 2],
      [2, 'index', 'b', 1],
      [3, 'delete', 'b', 2],
    ],
  );
  assert.deepEqual([...reopened.scan()].map((doc) => doc.id), ['a']);
  assert.equal(reopened.index('c', '{}', 1).seqNo, 4);
  assert.equal(reopened.trimOpsBelow(2), 2);
  assert.deepEqual(reopened.opsRetained(), { count: 3, minSeqNo: 2 });
  reopened.close();
  assert.throws(() => ShardStore.open(file, { indexUuid: 'other', durability: 'request' }), StoreFormatError);
});

test('shard store: begin/rollback forgets writes and their seq_nos; begin/commit keeps them', (t) => {
  const dir = tempDir(t);
  const store = ShardStore.open(path.join(dir, 'shard-0.db'), { indexUuid: 'u', durability: 'request' });
  t.after(() => store.close());
  store.begin();
  store.index('a', '{}', 1);
  store.index('b', '{}', 1);
  store.rollback();
  assert.equal(store.maxSeqNo, -1);
  assert.equal(store.get('a'), undefined);
  store.begin();
  store.index('a', '{}', 1);
  store.commit();
  assert.equal(store.maxSeqNo, 0);
  assert.equal(store.docCount(), 1);
});

test('indices service: metadata in node.db tables prefixed index_, files under indices/<uuid>/shard-0.db, survives restart, delete removes files', (t) => {
  const dir = tempDir(t);
  const nodeDbFile = path.join(dir, 'node.db');
  const log = pino({ level: 'silent' });
  let clock = 1_700_000_000_000;
  const open = () => {
    const nodeDb = new Database(nodeDbFile) as unknown as SqlDatabase;
    return { nodeDb, service: openIndicesService({ nodeDb, pathData: dir, log, nowMs: () => clock, refreshTickMs: 0 }) };
  };
  const first = open();
  const handle = first.service.createIndex('books', { settings: { number_of_replicas: 0 }, mappings: { properties: { title: { type: 'text' } } }, aliases: { library: {} } });
  const shardFile = path.join(dir, 'indices', handle.uuid, 'shard-0.db');
  assert.ok(existsSync(shardFile));
  handle.shard!.index('1', '{"title":"x"}', 1);
  const tables = (first.nodeDb.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'index_%'").all() as { name: string }[]).map((row) => row.name);
  assert.deepEqual(tables.sort(), ['index_metadata', 'index_store_meta']);
  first.service.close();
  first.nodeDb.close();

  clock += 1000;
  const second = open();
  const again = second.service.get('books')!;
  assert.equal(again.uuid, handle.uuid);
  assert.equal(again.metadata.creationDateMs, 1_700_000_000_000);
  assert.equal(again.metadata.settings['index.number_of_replicas'], '0');
  assert.deepEqual(Object.keys(again.metadata.aliases), ['library']);
  assert.equal(again.shard!.get('1')!.version, 1);
  assert.equal(again.mapping.fields.get('title')!.type, 'text');
  second.service.deleteIndices([again]);
  assert.equal(existsSync(path.join(dir, 'indices', handle.uuid)), false);
  second.service.close();
  second.nodeDb.close();
});
