import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHarness } from './harness.js';

// version_conflict_engine_exception and document_missing_exception name the shard the document
// routes to (Elasticsearch builds them from the ShardId of the operation: docs-index_.html,
// docs-update.html). With 2 shards (1024 routing shards) the id "hell" lands on shard 1 and
// "hello" on shard 0 (Murmur3HashFunctionTests' known hashes, as test/integration/ccr-shards.test.ts).

test('version conflicts and missing documents name the shard the document is on', async (t) => {
  const h = openHarness(t);
  const created = await h.call('PUT', '/:index', { params: { index: 'two' }, body: { settings: { number_of_shards: 2 } } });
  assert.equal(created.status, 200);
  for (const id of ['hell', 'hello']) {
    assert.equal((await h.call('PUT', '/:index/_doc/:id', { params: { index: 'two', id }, body: { a: 1 } })).status, 201);
  }
  const shardOf = async (id: string, call: () => Promise<{ status: number; body: any }>, status: number, type: string): Promise<string> => {
    const response = await call();
    assert.equal(response.status, status, `${id}: ${JSON.stringify(response.body)}`);
    assert.equal(response.body.error.type, type);
    assert.equal(response.body.error.index, 'two');
    return response.body.error.shard;
  };
  for (const [id, shard] of [['hell', '1'], ['hello', '0']] as const) {
    const conflict = () => h.call('PUT', '/:index/_create/:id', { params: { index: 'two', id }, body: { a: 1 } });
    assert.equal(await shardOf(id, conflict, 409, 'version_conflict_engine_exception'), shard);
    const seqNo = () => h.call('PUT', '/:index/_doc/:id', { params: { index: 'two', id }, query: { if_seq_no: '99', if_primary_term: '1' }, body: { a: 1 } });
    assert.equal(await shardOf(id, seqNo, 409, 'version_conflict_engine_exception'), shard);
    const external = () => h.call('PUT', '/:index/_doc/:id', { params: { index: 'two', id }, query: { version: '0', version_type: 'external' }, body: { a: 1 } });
    assert.equal(await shardOf(id, external, 409, 'version_conflict_engine_exception'), shard);
    const get = () => h.call('GET', '/:index/_doc/:id', { params: { index: 'two', id }, query: { version: '7' } });
    assert.equal(await shardOf(id, get, 409, 'version_conflict_engine_exception'), shard);
  }
  // A missing document: the shard its id (or routing) would live on.
  const missing = (id: string, query: Record<string, string> = {}) => () => h.call('POST', '/:index/_update/:id', { params: { index: 'two', id }, query, body: { doc: { a: 2 } } });
  assert.equal(await shardOf('hell', missing('nope-hell', { routing: 'hell' }), 404, 'document_missing_exception'), '1');
  assert.equal(await shardOf('hello', missing('nope-hello', { routing: 'hello' }), 404, 'document_missing_exception'), '0');
  const scripted = () => h.call('POST', '/:index/_update/:id', { params: { index: 'two', id: 'gone' }, query: { routing: 'hell' }, body: { script: { source: 'ctx._source.a = 3' } } });
  assert.equal(await shardOf('gone', scripted, 404, 'document_missing_exception'), '1');
});
