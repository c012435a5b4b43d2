import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHarness } from './harness.js';

// A fetch phase failure names the shard whose hit failed (search_phase_execution_exception's
// failed_shards carry the ShardId: search-search.html). With 2 shards (1024 routing shards) the id
// "hell" lands on shard 1 (Murmur3HashFunctionTests' known hashes, as document-error-shards.test.ts).

test('a fetch failure names the shard of the failing hit', async (t) => {
  const h = openHarness(t);
  const created = await h.call('PUT', '/:index', { params: { index: 'two' }, body: { settings: { number_of_shards: 2 }, mappings: { properties: { t: { type: 'text' } } } } });
  assert.equal(created.status, 200);
  assert.equal((await h.call('PUT', '/:index/_doc/:id', { params: { index: 'two', id: 'hell' }, query: { refresh: 'true' }, body: { t: 'x' } })).status, 201);
  const response = await h.call('POST', '/:index/_search', { params: { index: 'two' }, body: { docvalue_fields: ['t'] } });
  assert.equal(response.status, 400, JSON.stringify(response.body));
  assert.equal(response.body.error.type, 'search_phase_execution_exception');
  assert.equal(response.body.error.phase, 'fetch');
  assert.deepEqual(response.body.error.failed_shards.map((failure: { shard: number; index: string }) => [failure.index, failure.shard]), [['two', 1]]);
});
