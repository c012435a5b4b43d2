// Parameter validation comes before index resolution, as Elasticsearch orders it: a bad `size`,
// `from`, `terminate_after`, `scroll` or `requests_per_second` is a 400 even when the index does
// not exist (rest-api-spec search/260_parameter_validation.yml; the REST actions parse their
// parameters before the transport action resolves indices).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSearchHarness } from './harness.js';

test('bad search parameters are 400 before a missing index is 404; URL size=-1 means unset (260_parameter_validation.yml)', async (t) => {
  const harness = openSearchHarness(t);
  await harness.index('index1', { 1: { foo: 'bar' } });
  const minusOne = await harness.call('POST', '/:index/_search', { params: { index: 'index1' }, query: { size: '-1' } });
  assert.equal(minusOne.status, 200);
  assert.equal(minusOne.body.hits.hits.length, 1);
  const cases: [string, Record<string, string>, unknown, string][] = [
    ['/:index/_search', { size: '-5' }, undefined, '[size] parameter cannot be negative, found [-5]'],
    ['/:index/_search', { from: 'x' }, undefined, 'Failed to parse int parameter [from] with value [x]'],
    ['/:index/_search', {}, { size: -3 }, '[size] parameter cannot be negative, found [-3]'],
    ['/:index/_search', { terminate_after: '-1' }, undefined, 'terminateAfter must be > 0'],
    ['/:index/_count', { terminate_after: '-1' }, undefined, 'terminateAfter must be > 0'],
    ['/:index/_search', {}, { slice: { id: 0, max: 2 } }, '[slice] can only be used with [scroll] or [point-in-time] requests'],
    ['/:index/_search', {}, { rescore: { window_size: 20000, query: { rescore_query: { match_all: {} } } } }, 'Rescore window [20000] is too large'],
    ['/:index/_delete_by_query', { requests_per_second: 'abc' }, { query: { match_all: {} } }, '[requests_per_second] must be a float greater than 0'],
    ['/:index/_update_by_query', { requests_per_second: '0' }, undefined, '[requests_per_second] must be a float greater than 0'],
  ];
  for (const [path, query, body, reason] of cases) {
    const response = await harness.call('POST', path, { params: { index: 'missing' }, query, ...(body !== undefined ? { body } : {}) });
    assert.equal(response.status, 400, `${path} ${JSON.stringify(query)}: ${JSON.stringify(response.body)}`);
    assert.ok(JSON.stringify(response.body).includes(reason.replace(/[[\]]/g, (ch) => ch)), `${path}: ${JSON.stringify(response.body)}`);
  }
  const missing = await harness.call('POST', '/:index/_search', { params: { index: 'missing' }, query: { size: '-1' } });
  assert.equal(missing.status, 404);
});
