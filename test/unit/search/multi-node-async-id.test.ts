/**
 * The multi-node async search id (src/search/multi-node-async-id.ts): it names the node that
 * coordinated the search with that node's own id, as Elasticsearch's async search id encodes the
 * coordinating node's task (async-search.html). An id we could not have issued is Elasticsearch's
 * 400 "invalid id: [..]", never a 5xx.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/errors.js';
import { decodeMultiNodeAsyncId, encodeMultiNodeAsyncId } from '../../../src/search/multi-node-async-id.js';
import { encodeAsyncId } from '../../../src/search/async-search.js';
import { encodeOpaqueId } from '../../../src/search/scroll.js';

test('a multi-node async search id round-trips its node and the node\'s own id', () => {
  const id = { node: 'RmLpkyJLbEbkX8QwNk5smQ', local: encodeAsyncId('abc123') };
  assert.deepEqual(decodeMultiNodeAsyncId(encodeMultiNodeAsyncId(id)), id);
  assert.match(encodeMultiNodeAsyncId(id), /^[A-Za-z0-9_-]+$/, 'safe in a URL path');
});

test('a single node\'s async search id and garbage are not multi-node ids', () => {
  assert.equal(decodeMultiNodeAsyncId(encodeAsyncId('abc')), undefined);
  assert.equal(decodeMultiNodeAsyncId('not-an-id'), undefined);
});

test('a forged multi-node async search id is a 400 invalid id', () => {
  for (const body of ['nope', '[]', '["n1"]', '["", "x"]', '["n1", 3]', '["n1", "not-a-local-id"]', '{"node":"n1"}']) {
    const id = encodeOpaqueId('strait-mn-async:', body);
    assert.throws(() => decodeMultiNodeAsyncId(id), (error: unknown) => error instanceof EsError && error.status === 400 && error.reason === `invalid id: [${id}]`, body);
  }
});
