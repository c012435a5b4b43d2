import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import type { SqlDatabase } from '../../../src/common/index.js';
import { openIndicesService, ShardStore, StoreFormatError } from '../../../src/index/index.js';
import { recentOperationsLimits } from '../../../src/index/store/shard-store.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

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
  handle.shards![0]!.index('1', '{"title":"x"}', 1);
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
  assert.equal(again.shards![0]!.get('1')!.version, 1);
  assert.equal(again.mapping.fields.get('title')!.type, 'text');
  second.service.deleteIndices([again]);
  assert.equal(existsSync(path.join(dir, 'indices', handle.uuid)), false);
  second.service.close();
  second.nodeDb.close();
});

const recentSeed = Number(process.env['SEED'] ?? Math.floor(Math.random() * 2 ** 31));
test(`shard store: recent operations read from memory equal the database's, through commits, rollbacks, replicated batches and trims (seed=${recentSeed})`, async (t) => {
  const { createRandom } = await import('../../harness/random.js');
  const random = createRandom(recentSeed);
  const dir = tempDir(t);
  const file = path.join(dir, 'shard-0.db');
  const store = ShardStore.open(file, { indexUuid: 'u1', durability: 'async' });
  const leaderFile = path.join(dir, 'leader.db');
  const leader = ShardStore.open(leaderFile, { indexUuid: 'u2', durability: 'async' });
  t.after(() => {
    store.close();
    leader.close();
  });
  const fromDatabase = (from: number, limit: number): unknown => {
    // A second connection sees only committed rows and has no memory of its own.
    const reader = ShardStore.open(file, { indexUuid: 'u1', durability: 'async' });
    try {
      return reader.readOps(from, limit);
    } finally {
      reader.close();
    }
  };
  let trimmedTo = 0;
  for (let step = 0; step < 150; step++) {
    const id = `d${Math.floor(random() * 20)}`;
    const roll = random();
    if (roll < 0.35) store.index(id, JSON.stringify({ n: step }), step + 1, random() < 0.3 ? 'r1' : undefined);
    else if (roll < 0.45) store.delete(id, step + 1);
    else if (roll < 0.6) {
      store.begin();
      store.index(id, '{"bulk":1}', step + 1);
      store.index(`${id}x`, '{"bulk":2}', step + 1);
      if (random() < 0.5) store.commit();
      else store.rollback();
    } else if (roll < 0.7) {
      assert.throws(() =>
        store.transaction(() => {
          store.index(id, '{"lost":1}', step + 1);
          throw new Error('rolled back');
        }),
      );
    } else if (roll < 0.85) {
      // A replicated batch, as a follower applies it (acknowledgement times included).
      const written = leader.maxSeqNo;
      while (leader.maxSeqNo < store.maxSeqNo) leader.index(`l${leader.maxSeqNo}`, '{}', 1);
      const batch = [leader.index(id, `{"leader":${step}}`, 7), leader.delete(`${id}y`, 3)].map((result) => result.seqNo);
      void written;
      store.applyOperations(leader.readOps(batch[0]!, 2).map((op) => ({ ...op, seqNo: store.maxSeqNo + 1 + (op.seqNo - batch[0]!) })));
    } else if (roll < 0.9 && store.maxSeqNo > trimmedTo + 5) {
      trimmedTo = store.maxSeqNo - 5;
      store.trimOpsBelow(trimmedTo);
    }
    const from = Math.max(0, store.maxSeqNo - Math.floor(random() * 12));
    const limit = 1 + Math.floor(random() * 8);
    assert.deepEqual(store.readOps(from, limit), fromDatabase(from, limit), `step ${step}: readOps(${from}, ${limit})`);
    assert.deepEqual(store.readOps(trimmedTo - 1 < 0 ? 0 : trimmedTo - 1, 3), fromDatabase(trimmedTo - 1 < 0 ? 0 : trimmedTo - 1, 3), `step ${step}: around the trim point`);
  }
});

test('shard store: an operation dropped from the recent ones in memory is no longer held (issue 13: it kept its _source in the heap until a compaction)', async (t) => {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  const dir = tempDir(t);
  const store = ShardStore.open(path.join(dir, 'shard-0.db'), { indexUuid: 'u1', durability: 'async' });
  t.after(() => store.close());
  // Sources of an eighth of the character bound: the ninth write drops the first from memory.
  const large = JSON.stringify({ text: 'x'.repeat(recentOperationsLimits.chars / 8) });
  store.index('first', large, 1);
  const first = new WeakRef(store.readOps(0, 1)[0]!);
  for (let n = 0; n < 12; n++) store.index(`d${n}`, large, 1);
  await new Promise((resolve) => setImmediate(resolve));
  collect();
  assert.equal(first.deref(), undefined, 'the dropped operation was collected');
  // Reads still answer from the database for what memory dropped, and from memory for the rest.
  assert.equal(store.readOps(0, 1)[0]!.id, 'first');
  assert.deepEqual(store.readOps(12, 1).map((op) => op.id), ['d11']);
});
