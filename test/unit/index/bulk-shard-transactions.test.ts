// A bulk into an index of several shards: items alternate between shards (routing by _id), and
// each shard's transaction stays open for the whole slice, committed once at its end. A commit at
// every alternation made a 3-shard bulk about 13 times slower than a 1-shard one (issue #14's
// "indexing throughput" row; shards are separate stores, docs-replication.html).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShardStore } from '../../../src/index/store/shard-store.js';
import { openSearchHarness } from '../search-api/harness.js';

test('a bulk into 3 shards commits each shard once per slice, and every item lands', async (t) => {
  const h = openSearchHarness(t);
  assert.equal((await h.call('PUT', '/:index', { params: { index: 'three' }, body: { settings: { number_of_shards: 3 } } })).status, 200);
  const commit = ShardStore.prototype.commit;
  let commits = 0;
  ShardStore.prototype.commit = function (this: ShardStore): void {
    commits += 1;
    commit.call(this);
  };
  t.after(() => {
    ShardStore.prototype.commit = commit;
  });
  const lines = Array.from({ length: 300 }, (_, i) => [JSON.stringify({ index: { _index: 'three', _id: `d${i}` } }), JSON.stringify({ n: i })]).flat();
  const answer = await h.call('POST', '/_bulk', { text: `${lines.join('\n')}\n`, query: { refresh: 'true' } });
  assert.equal(answer.status, 200);
  assert.equal(answer.body.errors, false);
  // Three per slice (a slice runs about 4 ms, bulk-slices.ts sliceMs; a loaded machine needs more slices), not one per item (about 200 here before).
  // Bounded well below one per item so that a slow machine cannot fail it.
  assert.ok(commits < 100, `commits per shard and slice, not per item (${commits})`);
  const shards = new Set(answer.body.items.map((item: { index: { _seq_no: number } }) => item.index._seq_no));
  assert.ok(shards.size < 300, 'seq_nos are per shard');
  const count = await h.call('POST', '/:index/_search', { params: { index: 'three' }, body: { size: 0, track_total_hits: true } });
  assert.equal(count.body.hits.total.value, 300);
});
