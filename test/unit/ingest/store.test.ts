/** The node.db pipeline store: definitions kept as put, removed in one commit, its format version claimed (style P12). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { SqlDatabase } from '../../../src/common/index.js';
import { INGEST_PIPELINES_FORMAT_VERSION, SqlPipelineStore } from '../../../src/index/ingest/index.js';

test('pipelines are stored as put, replaced by id, removed, and read back in id order', () => {
  const db = new Database(':memory:') as unknown as SqlDatabase;
  const store = SqlPipelineStore.open(db);
  store.put('b', { processors: [] });
  store.put('a', { description: 'x', processors: [{ set: { field: 'f', value: 1 } }] });
  store.put('b', { description: 'replaced', processors: [] });
  assert.deepEqual(store.all(), [
    { id: 'a', definition: { description: 'x', processors: [{ set: { field: 'f', value: 1 } }] } },
    { id: 'b', definition: { description: 'replaced', processors: [] } },
  ]);
  store.remove(['a']);
  assert.deepEqual(SqlPipelineStore.open(db).all().map((stored) => stored.id), ['b']);
});

test('a store of another format version is refused', () => {
  const db = new Database(':memory:') as unknown as SqlDatabase;
  SqlPipelineStore.open(db);
  db.prepare("UPDATE ingest_meta SET value = ? WHERE key = 'format_version'").run(String(INGEST_PIPELINES_FORMAT_VERSION + 1));
  assert.throws(() => SqlPipelineStore.open(db), /ingest pipelines have format version \[2\], this node reads \[1\]/);
});
