// `_ignored` on realtime get and mget, as Elasticsearch's GetResult renders it (the metadata
// fields between `_primary_term` and `found`, with or without `_source`), the names a search hit
// of the same document shows (mapping-ignored-field.html).
// https://www.elastic.co/guide/en/elasticsearch/reference/current/mapping-ignored-field.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSearchHarness } from './harness.js';

test('get and mget show _ignored for fields ignore_malformed and ignore_above dropped (also without _source); FLS hides hidden names', async (t) => {
  const harness = openSearchHarness(t);
  const created = await harness.call('PUT', '/:index', {
    params: { index: 'ig' },
    body: { mappings: { properties: { n: { type: 'long', ignore_malformed: true }, code: { type: 'keyword', ignore_above: 3 }, d: { type: 'date' } } } },
  });
  assert.equal(created.status, 200);
  await harness.index('ig', { 1: { n: 'x', code: 'toolong' }, 2: { n: 5, code: 'ok' } }, { refresh: false });
  const get = async (id: string, query: Record<string, string> = {}) => harness.call('GET', '/:index/_doc/:id', { params: { index: 'ig', id }, query });
  const one = await get('1');
  assert.equal(one.status, 200);
  assert.deepEqual(one.body._ignored, ['code', 'n']);
  assert.deepEqual(Object.keys(one.body), ['_index', '_id', '_version', '_seq_no', '_primary_term', '_ignored', 'found', '_source']);
  assert.deepEqual((await get('1', { _source: 'false' })).body._ignored, ['code', 'n']);
  assert.equal((await get('2')).body._ignored, undefined);
  const mget = await harness.call('POST', '/_mget', { body: { docs: [{ _index: 'ig', _id: '1' }, { _index: 'ig', _id: '2' }] } });
  assert.deepEqual(mget.body.docs.map((doc: any) => doc._ignored), [['code', 'n'], undefined]);
  // Index-wide index.mapping.ignore_malformed is honoured as the write honoured it.
  await harness.call('PUT', '/:index', { params: { index: 'ig2' }, body: { settings: { 'index.mapping.ignore_malformed': true }, mappings: { properties: { n: { type: 'integer' } } } } });
  await harness.index('ig2', { a: { n: 'nope' } }, { refresh: false });
  assert.deepEqual((await harness.call('GET', '/:index/_doc/:id', { params: { index: 'ig2', id: 'a' } })).body._ignored, ['n']);
  // The same names a search hit shows.
  await harness.call('POST', '/:index/_refresh', { params: { index: 'ig' } });
  const hit = await harness.call('POST', '/:index/_search', { params: { index: 'ig' }, body: { query: { ids: { values: ['1'] } } } });
  assert.deepEqual(hit.body.hits.hits[0]._ignored, one.body._ignored);
  // Field level security: names of hidden fields are left out.
  const { getDocument } = await import('../../../src/index/documents.js');
  const restricted = getDocument(harness.service, { index: 'ig', id: '1', sourceFilter: { fetch: true, includes: [], excludes: [] } as never, restriction: { fields: (path: string) => path !== 'n' } as never });
  assert.deepEqual(restricted.body['_ignored'], ['code']);
});
