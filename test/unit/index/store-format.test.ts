// The shard store's format history (style P12: versioned formats, frozen fixtures) and what
// format 2 added: the routing of each document (Elasticsearch's `_routing` stored field,
// mapping-routing-field.html) and external versions from 0 (docs-index_.html#index-versioning).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDatabase } from '../../../src/common/index.js';
import { MetadataStore, ShardStore, STORE_FORMAT_VERSION, StoreFormatError } from '../../../src/index/index.js';
import { decodeDocMetadata, encodeDocMetadata } from '../../../src/index/searcher/index.js';
import { repoRoot } from '../../harness/cluster.js';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'store-v1');

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-store-format-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function formatVersionOf(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT value FROM store_meta WHERE key = ?').get('format_version') as { value: string }).value;
  } finally {
    db.close();
  }
}

test('a format-1 shard store (frozen fixture) opens, is migrated to the current format and keeps every document, tombstone and operation', (t) => {
  const file = path.join(tempDir(t), 'shard-0.db');
  copyFileSync(path.join(fixtures, 'shard-0.db'), file);
  assert.equal(formatVersionOf(file), '1');

  const store = ShardStore.open(file, { indexUuid: 'fixture-uuid-v1', durability: 'request' });
  assert.equal(store.maxSeqNo, 4);
  assert.deepEqual(store.get('1'), { id: '1', source: '{"title":"one again"}', seqNo: 2, primaryTerm: 1, version: 2 });
  assert.deepEqual(store.get('3'), { id: '3', source: '{"title":"three"}', seqNo: 4, primaryTerm: 1, version: 7 });
  assert.equal(store.get('2'), undefined);
  assert.deepEqual(store.versionInfo('2'), { seqNo: 3, primaryTerm: 1, version: 2, deleted: true });
  assert.deepEqual(
    store.readOps(0, 10).map((op) => [op.seqNo, op.op, op.id, op.version, op.routing]),
    [
      [0, 'index', '1', 1, null],
      [1, 'index', '2', 1, null],
      [2, 'index', '1', 2, null],
      [3, 'delete', '2', 2, null],
      [4, 'index', '3', 7, null],
    ],
  );
  // The migrated store takes routing like a new one.
  assert.deepEqual(store.index('4', '{"title":"four"}', 1, 'user-4'), { seqNo: 5, primaryTerm: 1 });
  assert.equal(store.get('4')!.routing, 'user-4');
  store.close();
  assert.equal(formatVersionOf(file), String(STORE_FORMAT_VERSION));

  const reopened = ShardStore.open(file, { indexUuid: 'fixture-uuid-v1', durability: 'request' });
  assert.equal(reopened.get('4')!.routing, 'user-4');
  assert.equal(reopened.get('1')!.routing, undefined);
  assert.deepEqual(
    [...reopened.scan()].map((document) => [document.id, document.routing]),
    [
      ['1', undefined],
      ['3', undefined],
      ['4', 'user-4'],
    ],
  );
  reopened.close();
});

test('a shard store of a newer format is refused, not misread', (t) => {
  const file = path.join(tempDir(t), 'shard-0.db');
  ShardStore.open(file, { indexUuid: 'u', durability: 'request' }).close();
  const db = new Database(file);
  db.prepare('UPDATE store_meta SET value = ? WHERE key = ?').run(String(STORE_FORMAT_VERSION + 1), 'format_version');
  db.close();
  assert.throws(() => ShardStore.open(file, { indexUuid: 'u', durability: 'request' }), StoreFormatError);
});

test('routing: stored with index operations and documents, replaced by a write without one, absent from deletes', (t) => {
  const store = ShardStore.open(path.join(tempDir(t), 'shard-0.db'), { indexUuid: 'u', durability: 'request' });
  t.after(() => store.close());
  store.index('a', '{}', 1, 'r1');
  assert.equal(store.get('a')!.routing, 'r1');
  store.index('a', '{}', 2);
  assert.equal(store.get('a')!.routing, undefined);
  store.index('a', '{}', 3, 'r2');
  store.delete('a', 4);
  assert.deepEqual(
    store.readOps(0, 10).map((op) => [op.op, op.routing]),
    [
      ['index', 'r1'],
      ['index', null],
      ['index', 'r2'],
      ['delete', null],
    ],
  );
});

test('external versions may be 0 in the store; a negative version is a bug the store asserts on', (t) => {
  const store = ShardStore.open(path.join(tempDir(t), 'shard-0.db'), { indexUuid: 'u', durability: 'request' });
  t.after(() => store.close());
  store.index('zero', '{}', 0);
  assert.equal(store.get('zero')!.version, 0);
  store.delete('zero', 0);
  assert.deepEqual(store.versionInfo('zero'), { seqNo: 1, primaryTerm: 1, version: 0, deleted: true });
  assert.throws(() => store.index('negative', '{}', -1), /versions are non-negative integers/);
});

test('index metadata keeps its own format version (1): a node database of the first release still opens', () => {
  const db = new Database(':memory:');
  db.exec("CREATE TABLE index_store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO index_store_meta VALUES ('format_version', '1');");
  assert.doesNotThrow(() => MetadataStore.open(db as unknown as SqlDatabase));
  db.close();
});

test('searcher doc metadata: format 1 files (frozen fixture) still load without routings; format 2 keeps routings', () => {
  const v1 = decodeDocMetadata(readFileSync(path.join(fixtures, '_0.meta')));
  assert.deepEqual([...v1.seqNos], [0, 4]);
  assert.deepEqual([...v1.versions], [1, 7]);
  assert.deepEqual([...v1.primaryTerms], [1, 1]);
  assert.equal(v1.routings, undefined);

  const withRoutings = { seqNos: Float64Array.from([0, 1]), versions: Float64Array.from([0, 3]), primaryTerms: Float64Array.from([1, 1]), routings: ['r', null] };
  const decoded = decodeDocMetadata(encodeDocMetadata(withRoutings));
  assert.deepEqual(decoded.routings, ['r', null]);
  assert.deepEqual([...decoded.versions], [0, 3]);
  const without = decodeDocMetadata(encodeDocMetadata({ seqNos: Float64Array.from([5]), versions: Float64Array.from([1]), primaryTerms: Float64Array.from([1]) }));
  assert.equal(without.routings, undefined);

  const corrupt = encodeDocMetadata(withRoutings);
  corrupt[corrupt.length - 3] ^= 0xff;
  assert.throws(() => decodeDocMetadata(corrupt), /checksum/);
});

// Format 3 (issue 10, cross-cluster replication lag): operations keep when they were acknowledged.
test('a format-2 shard store (frozen fixture) opens, is migrated to format 3, and new operations carry their acknowledgement time', (t) => {
  const file = path.join(tempDir(t), 'shard-0.db');
  copyFileSync(path.join(repoRoot, 'test', 'fixtures', 'store-v2', 'shard-0.db'), file);
  assert.equal(formatVersionOf(file), '2');
  const store = ShardStore.open(file, { indexUuid: 'fixture-uuid-v2', durability: 'request' });
  assert.equal(store.maxSeqNo, 4);
  assert.equal(store.get('1')!.routing, 'user-1');
  assert.equal(store.get('3')!.version, 0);
  assert.deepEqual(
    store.readOps(0, 10).map((op) => [op.seqNo, op.op, op.id, op.version, op.routing, op.timestampMs]),
    [
      [0, 'index', '1', 1, 'user-1', undefined],
      [1, 'index', '2', 1, null, undefined],
      [2, 'index', '1', 2, 'user-1', undefined],
      [3, 'delete', '2', 2, null, undefined],
      [4, 'index', '3', 0, null, undefined],
    ],
  );
  const before = Date.now();
  store.index('5', '{"title":"five"}', 1);
  const [written] = store.readOps(5, 1);
  assert.ok(written!.timestampMs! >= before && written!.timestampMs! <= Date.now());
  store.close();
  assert.equal(formatVersionOf(file), '3');
});
