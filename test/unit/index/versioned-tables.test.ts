/**
 * The node.db stores' shared shape (style P6, P12): a versioned JSON-document table opens a
 * database written before it existed (same table, same columns), keeps documents by key, and
 * refuses another format version naming the store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { JsonDocumentTable } from '../../../src/index/store/versioned-tables.js';
import { StoreFormatError } from '../../../src/index/store/index.js';
import { DataStreamStore } from '../../../src/index/store/data-stream-store.js';

const spec = { metaTable: 'things_meta', version: 1, subject: 'things have', table: 'things', keyColumn: 'name', valueColumn: 'definition' } as const;

test('documents are kept by key, listed in key order, replaced and removed', () => {
  const db = new Database(':memory:');
  const table = JsonDocumentTable.open<{ n: number }>(db, spec);
  table.put('b', { n: 1 });
  table.put('a', { n: 2 });
  table.put('b', { n: 3 });
  assert.deepEqual(table.entries(), [['a', { n: 2 }], ['b', { n: 3 }]]);
  assert.deepEqual(table.get('b'), { n: 3 });
  assert.equal(table.get('c'), undefined);
  assert.equal(table.remove('a'), true);
  assert.equal(table.remove('a'), false);
  table.put('c', { n: 4 });
  table.removeAll(['b', 'c']);
  assert.deepEqual(JsonDocumentTable.open(db, spec).entries(), []);
});

test('a database whose data streams were written by the hand-written SQL before still opens, with its rows', () => {
  const db = new Database(':memory:');
  db.exec(`
    CREATE TABLE data_stream_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE data_streams (name TEXT PRIMARY KEY, definition TEXT NOT NULL);
    INSERT INTO data_stream_meta VALUES ('format_version', '1');
  `);
  const stream = { name: 'logs', indices: ['.ds-logs-000001'], generation: 1, template: 't', hidden: false, meta: undefined, timestampField: '@timestamp', replicated: false };
  db.prepare('INSERT INTO data_streams (name, definition) VALUES (?, ?)').run('logs', JSON.stringify(stream));
  const store = DataStreamStore.open(db);
  assert.deepEqual(store.loadAll().map((row) => row.indices), [['.ds-logs-000001']]);
  const columns = (db.prepare('PRAGMA table_info(data_streams)').all() as { name: string; type: string; pk: number }[]).map((column) => [column.name, column.type, column.pk]);
  assert.deepEqual(columns, [['name', 'TEXT', 1], ['definition', 'TEXT', 0]]);
});

test('another format version is refused with a StoreFormatError naming the store', () => {
  const db = new Database(':memory:');
  JsonDocumentTable.open(db, spec);
  db.prepare("UPDATE things_meta SET value = '2' WHERE key = 'format_version'").run();
  assert.throws(() => JsonDocumentTable.open(db, spec), (error: Error) => error instanceof StoreFormatError && error.message === 'things have format version [2], this node reads [1]');
});
