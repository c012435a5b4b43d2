// Response filtering: https://www.elastic.co/guide/en/elasticsearch/reference/current/common-options.html#common-options-response-filtering
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterPath } from '../../../src/http/filter-path.js';

const body = {
  took: 3,
  hits: { total: { value: 2, relation: 'eq' }, hits: [{ _id: '1', _source: { a: 1, b: 2 } }, { _id: '2', _source: { a: 3 } }] },
  _shards: { total: 1, successful: 1 },
};

test('filter_path keeps the named leaves through arrays', () => {
  assert.deepEqual(filterPath(body, 'took,hits.hits._id'), { took: 3, hits: { hits: [{ _id: '1' }, { _id: '2' }] } });
});

test('filter_path `*` matches one key and `**` any depth', () => {
  assert.deepEqual(filterPath(body, 'hits.*.value'), { hits: { total: { value: 2 } } });
  assert.deepEqual(filterPath(body, '**.a'), { hits: { hits: [{ _source: { a: 1 } }, { _source: { a: 3 } }] } });
});

test('filter_path exclusions remove keys and keep the rest', () => {
  assert.deepEqual(filterPath(body, '-hits,-_shards.total'), { took: 3, _shards: { successful: 1 } });
});

test('filter_path that matches nothing gives an empty object', () => {
  assert.deepEqual(filterPath(body, 'nothing.here'), {});
});

test('filter_path on a whole object keeps it', () => {
  assert.deepEqual(filterPath(body, '_shards'), { _shards: { total: 1, successful: 1 } });
});
