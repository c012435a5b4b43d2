// The bulk-by-scroll routes over real index and search services, called without sockets:
// validation that depends on the indices (modules/reindex/src/yamlRestTest: update_by_query/20_validation.yml,
// delete_by_query/20_validation.yml, reindex/20_validation.yml), and the by-query counters.
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-update-by-query.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSearchHarness } from './harness.js';

test('by-query URL validation: scroll_size, size as max_docs, stored_fields, remote indices (update_by_query/20_validation.yml, delete_by_query/20_validation.yml)', async (t) => {
  const h = openSearchHarness(t);
  await h.index('test', { '1': { text: 'test' } });
  const scrollSize = await h.call('POST', '/:index/_update_by_query', { params: { index: 'test' }, query: { scroll_size: 'asdf' } });
  assert.deepEqual([scrollSize.status, scrollSize.body.error.reason], [400, 'Failed to parse int parameter [scroll_size] with value [asdf]']);
  const negative = await h.call('POST', '/:index/_update_by_query', { params: { index: 'test' }, query: { size: '-4' } });
  assert.match(negative.body.error.reason, /\[max_docs\] parameter cannot be negative, found \[-4\]/);
  const twoValues = await h.call('POST', '/:index/_delete_by_query', { params: { index: 'test' }, query: { size: '4', max_docs: '5' }, body: { query: { match_all: {} } } });
  assert.match(twoValues.body.error.reason, /\[max_docs\] set to two different values \[4\] and \[5\]/);
  const bodyAndUrl = await h.call('POST', '/:index/_delete_by_query', { params: { index: 'test' }, query: { max_docs: '5' }, body: { max_docs: 4, query: { match_all: {} } } });
  assert.match(bodyAndUrl.body.error.reason, /\[max_docs\] set to two different values \[4\] and \[5\]/);
  const storedFields = await h.call('POST', '/:index/_update_by_query', { params: { index: 'test' }, body: { stored_fields: ['_id'] } });
  assert.match(storedFields.body.error.reason, /stored_fields is not supported in this context/);
  const remote = await h.call('POST', '/:index/_delete_by_query', { params: { index: 'remote:test' }, body: { query: { match_all: {} } } });
  assert.deepEqual([remote.status, remote.body.error.type], [400, 'action_request_validation_exception']);
  assert.equal(remote.body.error.reason, 'Validation Failed: 1: Cross-cluster calls are not supported in this context but remote indices were requested: [remote:test];');
  const noQuery = await h.call('POST', '/:index/_delete_by_query', { params: { index: 'test' }, body: {} });
  assert.match(noQuery.body.error.reason, /query is missing/);
  // Nothing was touched by the refused requests.
  assert.equal((await h.call('GET', '/:index/_doc/:id', { params: { index: 'test', id: '1' } })).body._version, 1);
});

test('delete by query counts deleted documents only; denied indices are refused before anything is deleted (docs-delete-by-query.html)', async (t) => {
  const h = openSearchHarness(t);
  await h.index('books', { '1': { genre: 'fable' }, '2': { genre: 'fable' }, '3': { genre: 'cooking' } });
  await h.index('secret', { s: { genre: 'fable' } });
  const denied = await h.call('POST', '/:index/_delete_by_query', { params: { index: 'books,secret' }, denied: ['secret'], body: { query: { match_all: {} } } });
  assert.equal(denied.status, 403);
  assert.equal((await h.call('GET', '/_count', {})).body.count, 4);
  const deleted = await h.call('POST', '/:index/_delete_by_query', { params: { index: 'books' }, query: { refresh: 'true', q: 'genre:fable' }, body: undefined });
  assert.deepEqual([deleted.status, deleted.body.deleted, deleted.body.total, 'updated' in deleted.body, 'created' in deleted.body], [200, 2, 2, false, false]);
  const wildcard = await h.call('POST', '/:index/_delete_by_query', { params: { index: '*' }, denied: ['secret'], query: { refresh: 'true' }, body: { query: { match_all: {} } } });
  assert.deepEqual([wildcard.status, wildcard.body.deleted], [200, 1]); // the wildcard expands to readable indices only
  assert.equal((await h.call('GET', '/:index/_doc/:id', { params: { index: 'secret', id: 's' } })).body.found, true);
});

test('an unthrottled reindex reports throttled_millis 0 however slow the clock between batches (a 1 was seen on a loaded machine)', async (t) => {
  // Every read of this clock moves it 5 ms on, as a busy event loop would between two reads.
  let ms = 1_700_000_000_000;
  const clock = {
    get now() {
      return (ms += 5);
    },
    set now(value: number) {
      ms = value;
    },
  };
  const h = openSearchHarness(t, { clock });
  await h.index('src', { '1': { a: 1 }, '2': { a: 2 }, '3': { a: 3 } });
  const reindex = await h.call('POST', '/_reindex', { query: { refresh: 'true' }, body: { source: { index: 'src', size: 1 }, dest: { index: 'dest' } } });
  assert.deepEqual([reindex.status, reindex.body.created, reindex.body.batches, reindex.body.requests_per_second], [200, 3, 3, -1]);
  assert.equal(reindex.body.throttled_millis, 0);
});
