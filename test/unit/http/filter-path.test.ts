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

// Issue #9 item 4: every recursive walk stays bounded for bodies up to the 1000-level JSON limit.
const deepBody = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = { a: value, n: level };
  return value;
};

test('filter_path with many `**` on a 1000-level body does not multiply its work', () => {
  const body = deepBody(999);
  const started = Date.now();
  assert.deepEqual(filterPath(body, '**.**.**.**.**.**.**.**.missing'), {});
  assert.equal(JSON.stringify(filterPath(body, '**.n')).split('"n"').length - 1, 999);
  assert.ok(JSON.stringify(filterPath(body, '**.**.**.**.**.**.n')).split('"n"').length - 1 >= 990);
  assert.ok(Date.now() - started < 5_000, 'bounded by the number of pattern segments, not exponential');
});

test('filter_path follows an exact path 999 levels deep, and `-**.n` excludes at every level', () => {
  const body = deepBody(999);
  let expected: unknown = 'leaf';
  for (let level = 0; level < 999; level++) expected = { a: expected };
  assert.deepEqual(filterPath(body, Array.from({ length: 999 }, () => 'a').join('.')), expected);
  assert.deepEqual(filterPath(body, '-**.n'), expected);
});
