// An explained hit names its shard (`_shard: [index][n]`, search-request-body explain: "the
// shard the hit came from"); every hit said shard 0, whatever shard held it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSearchHarness } from './harness.js';

test('explained hits name the shard that holds them', async (t) => {
  const h = openSearchHarness(t);
  const created = await h.call('PUT', '/:index', { params: { index: 'spread' }, body: { settings: { number_of_shards: 3 } } });
  assert.equal(created.status, 200);
  await h.index('spread', Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`d${i}`, { n: i }])));
  const seen = new Set<string>();
  for (const shard of [0, 1, 2]) {
    const answer = await h.call('POST', '/:index/_search', { params: { index: 'spread' }, query: { preference: `_shards:${shard}` }, body: { explain: true, size: 30 } });
    assert.equal(answer.status, 200);
    assert.ok(answer.body.hits.hits.length > 0, `shard ${shard} holds documents`);
    for (const hit of answer.body.hits.hits) {
      assert.equal(hit._shard, `[spread][${shard}]`);
      seen.add(hit._id);
    }
  }
  assert.equal(seen.size, 30, 'each document on one shard');
});
