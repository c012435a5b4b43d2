/**
 * `_shard_doc` (point-in-time-api.html, "tiebreaker"; paginate-search-results.html#search-after):
 * the sort of a point in time's documents by shard ordinal then document, and Elasticsearch's
 * SearchRequest#validate refusal of it without a point in time (400
 * `action_request_validation_exception`, "[_shard_doc] sort field cannot be used without [point in time]").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/errors.js';
import { parseSort } from '../../../src/index/query/sort.js';
import { parseSearch } from '../../../src/search/request.js';

test('_shard_doc parses as a document sort marked as the point in time tiebreaker, ascending by default', () => {
  assert.deepEqual(parseSort(['_shard_doc']), [{ kind: 'doc', order: 'asc', shardDoc: true }]);
  assert.deepEqual(parseSort([{ n: 'asc' }, { _shard_doc: 'desc' }])[1], { kind: 'doc', order: 'desc', shardDoc: true });
  assert.deepEqual(parseSort([{ _shard_doc: { order: 'desc' } }]), [{ kind: 'doc', order: 'desc', shardDoc: true }]);
  assert.deepEqual(parseSort(['_doc']), [{ kind: 'doc', order: 'asc' }], '_doc stays the plain document order');
});

test('_shard_doc without a point in time is refused; with one it is accepted', () => {
  assert.throws(
    () => parseSearch({}, { sort: [{ _shard_doc: 'asc' }] }),
    (error: unknown) => error instanceof EsError && error.status === 400 && error.type === 'action_request_validation_exception' && error.reason === 'Validation Failed: 1: [_shard_doc] sort field cannot be used without [point in time];',
  );
  assert.equal(parseSearch({}, { pit: { id: 'x' }, sort: [{ _shard_doc: 'asc' }] }).request.sort?.[0]?.kind, 'doc');
});
