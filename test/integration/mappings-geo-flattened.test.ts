// object enabled: false (root and object), flattened and geo_point on one real node, through the
// official client (and raw HTTP where the exact error shape is checked).
// References: enabled.html, flattened.html, geo-point.html, query-dsl-geo-distance-query.html,
// query-dsl-geo-bounding-box-query.html, sort-search-results.html#geo-sorting;
// rest-api-spec search/340_flattened.yml, search/600_flattened_ignore_above.yml,
// search/400_geo_bounding_box_query.yml.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { jsonCall } from '../harness/json-call.js';

let node: StartedNode;
before(async () => {
  node = await startNode({ clusterName: 'mappings-geo-flattened', nodeName: 'g1' });
});
after(async () => {
  await node?.destroy();
});

const total = (response: { hits: { total?: number | { value: number } } }): number => {
  const value = response.hits.total;
  return typeof value === 'number' ? value : (value?.value ?? -1);
};

test('enabled: false on an object and on the root: any value kept in _source, nothing indexed or mapped (enabled.html)', async () => {
  const client = node.client();
  await client.indices.create({ index: 'disabled', mappings: { properties: { session: { type: 'object', enabled: false }, user: { type: 'keyword' } } } });
  await client.index({ index: 'disabled', id: '1', document: { user: 'a', session: { id: 1, nested: { deep: [1, 'x'] } } } });
  await client.index({ index: 'disabled', id: '2', document: { user: 'b', session: 'a plain string' }, refresh: true });
  const mapping = await client.indices.getMapping({ index: 'disabled' });
  assert.deepEqual(mapping['disabled']!.mappings.properties!['session'], { type: 'object', enabled: false });
  assert.equal(total(await client.search({ index: 'disabled', query: { exists: { field: 'session.id' } } })), 0);
  assert.deepEqual((await client.get({ index: 'disabled', id: '2' }))._source, { user: 'b', session: 'a plain string' });

  await client.indices.create({ index: 'root_disabled', mappings: { enabled: false } });
  await client.index({ index: 'root_disabled', id: '1', document: { title: 'hello', count: 5 }, refresh: true });
  const rootMapping = await client.indices.getMapping({ index: 'root_disabled' });
  assert.deepEqual(rootMapping['root_disabled']!.mappings, { enabled: false });
  assert.equal(total(await client.search({ index: 'root_disabled', query: { match: { title: 'hello' } } })), 0);
  const all = await client.search({ index: 'root_disabled' });
  assert.deepEqual(all.hits.hits[0]!._source, { title: 'hello', count: 5 });
  const update = await jsonCall(node, 'PUT', '/root_disabled/_mapping', { enabled: true });
  assert.equal(update.status, 400);
  assert.equal(update.body.error.type, 'illegal_argument_exception');
  assert.equal(update.body.error.reason, "the [enabled] parameter can't be updated for the object mapping [_doc]");
});

test('flattened: exists, term, query_string, terms aggregation, sort and fields on the field and its keys (340_flattened.yml)', async () => {
  const client = node.client();
  await client.indices.create({ index: 'flat', mappings: { properties: { headers: { type: 'flattened' }, flat: { type: 'flattened', ignore_above: 5 } } } });
  await client.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'flat', _id: '1' } },
      { headers: { 'content-type': 'application/javascript', origin: 'elastic.co' }, flat: { value: 'foo', key: 'foo key' } },
      { index: { _index: 'flat', _id: '2' } },
      { headers: { 'content-type': 'text/plain', origin: 'elastic.co' }, flat: { value: 'foo bar', key: 'foo bar key' } },
    ],
  });
  const mapping = await client.indices.getMapping({ index: 'flat' });
  assert.deepEqual(mapping['flat']!.mappings.properties!['headers'], { type: 'flattened' });
  assert.equal(total(await client.search({ index: 'flat', query: { exists: { field: 'headers' } } })), 2);
  assert.equal(total(await client.search({ index: 'flat', query: { exists: { field: 'headers.origin' } } })), 2);
  assert.equal(total(await client.search({ index: 'flat', query: { exists: { field: 'headers.nonexistent_key' } } })), 0);
  const plain = await client.search({ index: 'flat', query: { query_string: { query: 'headers:text\\/plain' } } });
  assert.deepEqual(plain.hits.hits.map((hit) => hit._id), ['2']);
  const both = await client.search({ index: 'flat', query: { query_string: { query: 'application\\/javascript AND headers.origin:elastic.co' } } });
  assert.deepEqual(both.hits.hits.map((hit) => hit._id), ['1']);
  const aggs = await client.search({ index: 'flat', size: 0, aggs: { origins: { terms: { field: 'headers.origin' } } } });
  assert.deepEqual((aggs.aggregations!['origins'] as { buckets: unknown[] }).buckets, [{ key: 'elastic.co', doc_count: 2 }]);
  const sorted = await client.search({ index: 'flat', sort: [{ 'headers.content-type': 'desc' }] });
  assert.deepEqual(sorted.hits.hits.map((hit) => [hit._id, hit.sort]), [['2', ['text/plain']], ['1', ['application/javascript']]]);
  const fields = await client.search({ index: 'flat', sort: [{ 'headers.content-type': 'asc' }], fields: ['flat', 'headers.origin'] });
  assert.deepEqual(fields.hits.hits.map((hit) => hit.fields), [
    { flat: [{ value: 'foo' }], 'headers.origin': ['elastic.co'] },
    { 'headers.origin': ['elastic.co'] },
  ]);
  assert.deepEqual(fields.hits.hits[1]!._source, { headers: { 'content-type': 'text/plain', origin: 'elastic.co' }, flat: { value: 'foo bar', key: 'foo bar key' } });
  // A concrete value where the object belongs is refused with Elasticsearch's error.
  const bad = await jsonCall(node, 'PUT', '/flat/_doc/3', { headers: 'oops' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.type, 'document_parsing_exception');
});

test('geo_point: bounding box in every form, distance, the _geo_distance sort (400_geo_bounding_box_query.yml)', async () => {
  const client = node.client();
  await client.indices.create({ index: 'geo', mappings: { properties: { location: { type: 'geo_point' }, name: { type: 'keyword' } } } });
  await client.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'geo', _id: 'u1' } },
      { location: '34.5, 60.5' },
      { index: { _index: 'geo', _id: 'u2' } },
      { location: { lat: -34.5, lon: 60.5 } },
      { index: { _index: 'geo', _id: 'u3' } },
      { location: [-60.5, 34.5] },
      { index: { _index: 'geo', _id: 'u4' } },
      { location: 'POINT(-60.5 -34.5)' },
      { index: { _index: 'geo', _id: 'u5' } },
      { location: { type: 'Point', coordinates: [0, 0] } },
      { index: { _index: 'geo', _id: 'u6' } },
      { name: 'no location' },
    ],
  });
  const count = async (box: Record<string, unknown>): Promise<number> => total(await client.search({ index: 'geo', query: { geo_bounding_box: { location: box } } as never }));
  assert.equal(await count({ top_left: [-180, 90], bottom_right: [0, 0] }), 2);
  assert.equal(await count({ top_left: { lat: 90, lon: -180 }, bottom_right: { lat: 0, lon: 0 } }), 2);
  assert.equal(await count({ wkt: 'BBOX (0, -180, 90, 0)' }), 2);
  assert.equal(await count({ geohash: 's' }), 1);
  assert.equal(await count({ top_left: 's', bottom_right: 's' }), 1);
  assert.equal(await count({ geotile: '1/0/0' }), 2);
  const near = await client.search({ index: 'geo', query: { geo_distance: { distance: '4000km', location: { lat: 34.5, lon: 60.5 } } } });
  assert.deepEqual(near.hits.hits.map((hit) => hit._id), ['u1']);
  const sorted = await client.search({ index: 'geo', sort: [{ _geo_distance: { location: { lat: 34.5, lon: 60.5 }, unit: 'km', order: 'asc' } }] });
  assert.deepEqual(sorted.hits.hits.map((hit) => hit._id).slice(0, 1), ['u1']);
  assert.equal(sorted.hits.hits.at(-1)!._id, 'u6');
  assert.deepEqual(sorted.hits.hits.at(-1)!.sort, ['Infinity']);
  assert.ok((sorted.hits.hits[0]!.sort![0] as number) < 0.001);
  const rings = await client.search({ index: 'geo', size: 0, aggs: { rings: { geo_distance: { field: 'location', origin: '0, 0', unit: 'km', ranges: [{ to: 1 }, { from: 1 }] } } } });
  assert.deepEqual((rings.aggregations!['rings'] as { buckets: unknown[] }).buckets, [
    { key: '*-1.0', to: 1, doc_count: 1 },
    { key: '1.0-*', from: 1, doc_count: 4 },
  ]);
  const invalid = await jsonCall(node, 'POST', '/geo/_search', { query: { geo_bounding_box: { location: { top: 91, left: 0, bottom: 0, right: 10 } } } });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.error.root_cause[0].type, 'query_shard_exception');
  assert.equal(invalid.body.error.root_cause[0].reason, "couldn't validate latitude/ longitude values");
  const malformed = await jsonCall(node, 'PUT', '/geo/_doc/bad', { location: { lat: 95, lon: 0 } });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.error.type, 'document_parsing_exception');
  assert.equal(malformed.body.error.caused_by.reason, 'illegal latitude value [95.0] for location');
});
