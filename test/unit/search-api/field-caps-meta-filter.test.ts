// `_field_caps` with `meta` merged across indices and with `index_filter`: rest-api-spec
// field_caps/20_meta.yml and field_caps/30_index_filter.yml.
// https://www.elastic.co/guide/en/elasticsearch/reference/current/search-field-caps.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSearchHarness, type SearchHarness } from './harness.js';

async function fieldCaps(harness: SearchHarness, index: string, fields: string, body?: unknown): Promise<{ status: number; body: any }> {
  return harness.call('POST', '/:index/_field_caps', { params: { index }, query: { fields }, ...(body !== undefined ? { body } : {}) });
}

async function create(harness: SearchHarness, index: string, body: unknown): Promise<void> {
  assert.equal((await harness.call('PUT', '/:index', { params: { index }, body })).status, 200);
}

test('field_caps meta: each key lists the distinct values over the indices (20_meta.yml)', async (t) => {
  const harness = openSearchHarness(t);
  await create(harness, 'test1', { mappings: { properties: { latency: { type: 'long', meta: { unit: 'ms', metric_type: 'gauge' } } } } });
  await create(harness, 'test2', { mappings: { properties: { latency: { type: 'long', meta: { unit: 'ns', metric_type: 'gauge' } } } } });
  await create(harness, 'test3', {});
  assert.equal((await fieldCaps(harness, 'test3', 'latency')).body.fields.latency, undefined);
  assert.deepEqual((await fieldCaps(harness, 'test1', 'latency')).body.fields.latency.long.meta, { metric_type: ['gauge'], unit: ['ms'] });
  assert.deepEqual((await fieldCaps(harness, 'test1,test3', 'latency')).body.fields.latency.long.meta, { metric_type: ['gauge'], unit: ['ms'] });
  assert.deepEqual((await fieldCaps(harness, 'test1,test2,test3', 'latency')).body.fields.latency.long.meta, { metric_type: ['gauge'], unit: ['ms', 'ns'] });
});

test('field_caps index_filter: only indices with a matching document (30_index_filter.yml)', async (t) => {
  const harness = openSearchHarness(t);
  await create(harness, 'test-1', { mappings: { properties: { timestamp: { type: 'date' }, field1: { type: 'keyword' }, field2: { type: 'long' } } } });
  await create(harness, 'test-2', { mappings: { properties: { timestamp: { type: 'date' }, field1: { type: 'long' } } } });
  await create(harness, 'test-3', {});
  await harness.index('test-1', { a: { timestamp: '2015-01-02', field1: '404' }, b: { timestamp: '2018-10-02', field1: '404' } });
  await harness.index('test-2', { a: { timestamp: '2019-10-04', field1: '403' }, b: { timestamp: '2020-03-04', field1: '200' } });
  await harness.index('test-3', { a: { timestamp: '2022-01-01', field1: '500' } });
  const all = await fieldCaps(harness, 'test-*', '*');
  assert.deepEqual(all.body.indices, ['test-1', 'test-2', 'test-3']);
  assert.deepEqual(Object.keys(all.body.fields.field1).sort(), ['keyword', 'long', 'text']);
  const since2010 = await fieldCaps(harness, 'test-*', '*', { index_filter: { range: { timestamp: { gte: '2010' } } } });
  assert.deepEqual(since2010.body.indices, ['test-1', 'test-2', 'test-3']);
  const since2019 = await fieldCaps(harness, 'test-*', '*', { index_filter: { range: { timestamp: { gte: '2019' } } } });
  assert.equal(since2019.status, 200, JSON.stringify(since2019.body));
  assert.deepEqual(since2019.body.indices, ['test-2', 'test-3']);
  assert.deepEqual(since2019.body.fields.field1.long.indices, ['test-2']);
  assert.deepEqual(since2019.body.fields.field1.text.indices, ['test-3']);
  assert.equal(since2019.body.fields.field1.keyword, undefined);
  const before2019 = await fieldCaps(harness, 'test-*', '*', { index_filter: { range: { timestamp: { lt: '2019' } } } });
  assert.deepEqual(before2019.body.indices, ['test-1']);
  assert.deepEqual(Object.keys(before2019.body.fields.field1), ['keyword']);
  const none = await fieldCaps(harness, 'test-*', '*', { index_filter: { match_none: {} } });
  assert.deepEqual(none.body, { indices: [], fields: {} });
  const bad = await fieldCaps(harness, 'test-*', '*', { index_filter: { bogus: {} } });
  assert.equal(bad.status, 400);
});
