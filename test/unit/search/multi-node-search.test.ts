/**
 * Pure helpers of searches across nodes (src/search/multi-node-search.ts): `_msearch`'s default
 * concurrency (search-multi-search.html, `max_concurrent_searches`) and the copy a single-shard
 * read picks for a `preference` (search-search.html#search-preference).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultMaxConcurrentSearches, pickCopy } from '../../../src/search/multi-node-search.js';

describe('defaultMaxConcurrentSearches', () => {
  test('data nodes times the default search pool size (processors * 3 / 2 + 1), at least 1', () => {
    assert.equal(defaultMaxConcurrentSearches(3, 2), 12);
    assert.equal(defaultMaxConcurrentSearches(1, 1), 2);
    assert.equal(defaultMaxConcurrentSearches(0, 8), 1);
  });
});

describe('pickCopy', () => {
  const nodes = ['n1', 'n2', 'n3'];
  test('round robin without a preference', () => {
    assert.deepEqual([0, 1, 2, 3].map((cursor) => pickCopy(nodes, 'n2', undefined, cursor)), ['n1', 'n2', 'n3', 'n1']);
    assert.equal(pickCopy([], 'n2', undefined, 0), undefined);
  });
  test('_local and _only_local prefer (or require) this node', () => {
    assert.equal(pickCopy(nodes, 'n3', '_local', 0), 'n3');
    assert.equal(pickCopy(['n1'], 'n3', '_local', 0), 'n1');
    assert.equal(pickCopy(nodes, 'n3', '_only_local', 0), 'n3');
    assert.equal(pickCopy(['n1'], 'n3', '_only_local', 0), undefined);
  });
  test('_prefer_nodes and _only_nodes', () => {
    assert.equal(pickCopy(nodes, 'n1', '_prefer_nodes:x,n3', 0), 'n3');
    assert.equal(pickCopy(nodes, 'n1', '_prefer_nodes:x', 1), 'n2');
    assert.equal(pickCopy(nodes, 'n1', '_only_nodes:n2', 0), 'n2');
    assert.equal(pickCopy(nodes, 'n1', '_only_nodes:x', 0), undefined);
  });
  test('a custom string picks the same copy whatever the cursor', () => {
    const picked = pickCopy(nodes, 'n1', 'my-session', 0);
    for (let cursor = 1; cursor < 5; cursor++) assert.equal(pickCopy(nodes, 'n1', 'my-session', cursor), picked);
  });
  test('an unknown preference type is refused as Elasticsearch refuses it', () => {
    assert.throws(() => pickCopy(nodes, 'n1', '_primary', 0), (error: any) => error.status === 400 && /no Preference for \[_primary\]/.test(error.message));
    assert.throws(() => pickCopy(nodes, 'n1', '_shards:0', 0), (error: any) => error.status === 400);
  });
});
