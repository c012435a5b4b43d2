// Scroll contexts (paginate-search-results.html#scroll-search-results): keep-alive, owners, limits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeScrollId, encodeScrollId, ScrollRegistry } from '../../../src/search/index.js';

const alice = { username: 'alice', realm: 'native' };
const bob = { username: 'bob', realm: 'native' };

test('contexts expire after their keep-alive without use; each use renews it', () => {
  const registry = new ScrollRegistry<string>(10);
  registry.open('c1', alice, 'state', 60_000, 0);
  assert.equal(registry.use('c1', alice, undefined, 59_000), 'state');
  assert.equal(registry.use('c1', alice, 10_000, 118_000), 'state'); // renewed at 59s for 60s
  assert.equal(registry.use('c1', alice, undefined, 128_001), undefined); // 10s keep-alive from 118s
  assert.equal(registry.size, 0);
});

test('a context belongs to its owner; the limit of open contexts answers 429; keep-alive is bounded', () => {
  const registry = new ScrollRegistry<number>(2);
  registry.open('a', alice, 1, 1000, 0);
  registry.open('b', alice, 2, 1000, 0);
  assert.throws(() => registry.open('c', alice, 3, 1000, 0), { status: 429, type: 'too_many_scroll_contexts_exception' });
  assert.equal(registry.use('a', bob, undefined, 1), undefined);
  assert.equal(registry.free('a', bob), false);
  assert.equal(registry.free('a', alice), true);
  registry.open('c', alice, 3, 1000, 500); // room again
  assert.equal(registry.freeAll(), 2);
  assert.throws(() => registry.open('d', alice, 4, 2 * 86_400_000, 0), /Keep alive for request \(2d\) is too large. It must be less than \(1d\)/);
});

test('scroll ids round-trip; foreign ids are refused with 400', () => {
  assert.equal(decodeScrollId(encodeScrollId('abc123')), 'abc123');
  assert.throws(() => decodeScrollId('DXF1ZXJ5QW5kRmV0Y2gBAAAAAAAAAD4WYm9laVYtZndUQlNsdDcwakFMNjU1QQ=='), { status: 400, message: 'Cannot parse scroll id' });
  assert.throws(() => decodeScrollId('%%%'), { message: 'Cannot parse scroll id' });
});
