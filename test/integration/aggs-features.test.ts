// Aggregation features on one real node with the official client: significant_terms through a
// filtered alias (sig_terms.yml "Test alias background filter": the background set is the alias's
// filtered documents), moving_fn (moving_fn.yml), and geohash_grid, geotile_grid, geo_bounds and
// geo_centroid (search.aggregation/280_geohash_grid.yml, 290_geotile_grid.yml, 390_geo_bounds_centroid.yml).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;

before(async () => {
  node = await startNode({ clusterName: 'aggs-features', nodeName: 'a1' });
  const client = node.client();
  await client.indices.create({ index: 'sig', mappings: { properties: { field1: { type: 'keyword' }, field2: { type: 'keyword' } } } });
  await client.indices.putAlias({ index: 'sig', name: 'sig_alias', filter: { bool: { filter: [{ term: { field2: 'foo' } }] } } });
  const docs = [{ field1: '1', field2: 'foo' }, { field1: '2', field2: 'bar' }, { field1: '3', field2: 'foo' }];
  await client.bulk({ refresh: true, operations: docs.flatMap((doc, index) => [{ index: { _index: 'sig', _id: String(index + 1) } }, doc]) });
  // moving_fn.yml's no_gaps index (dynamic mappings, as the YAML test leaves them).
  const noGaps = [1, 2, 1, 4, 5, 9].map((v, hour) => ({ n: (hour + 1) * 10, '@timestamp': `2022-01-01T0${hour}:00:00`, v }));
  await client.bulk({ index: 'no_gaps', refresh: true, operations: noGaps.flatMap((doc) => [{ index: {} }, doc]) });
  await client.indices.create({ index: 'geo', mappings: { properties: { location: { type: 'geo_point' } } } });
  const locations = ['52.374081,4.912350', '52.369219,4.901618', '52.371667,4.914722', '51.222900,4.405200', '48.861111,2.336389', '48.860000,2.327000'];
  await client.bulk({ index: 'geo', refresh: true, operations: locations.flatMap((location, index) => [{ index: { _id: String(index + 1) } }, { location }]) });
});

after(async () => {
  await node?.destroy();
});

test('significant_terms through a filtered alias: the background is the alias filter\'s documents (sig_terms.yml)', async () => {
  const client = node.client();
  const viaAlias = await client.search({ index: 'sig_alias', size: 0, aggs: { sig_terms: { significant_terms: { field: 'field1' } } } });
  assert.equal((viaAlias.aggregations!['sig_terms'] as { bg_count: number }).bg_count, 2);
  assert.equal((viaAlias.aggregations!['sig_terms'] as { doc_count: number }).doc_count, 2);
  // With a background_filter too, the background is both: field2:foo and field1 in [1, 2].
  const both = await client.search({ index: 'sig_alias', size: 0, aggs: { sig_terms: { significant_terms: { field: 'field1', background_filter: { terms: { field1: ['1', '2'] } } } } } });
  assert.equal((both.aggregations!['sig_terms'] as { bg_count: number }).bg_count, 1);
  // By the index's own name there is no alias filter: all three documents.
  const direct = await client.search({ index: 'sig', size: 0, aggs: { sig_terms: { significant_terms: { field: 'field1' } } } });
  assert.equal((direct.aggregations!['sig_terms'] as { bg_count: number }).bg_count, 3);
});

test('moving_fn over a date_histogram: MovingFunctions helpers, format, typed_keys (moving_fn.yml)', async () => {
  const client = node.client();
  const search = (movFn: Record<string, unknown>) =>
    client.search({ index: 'no_gaps', size: 0, typed_keys: true, aggs: { '@timestamp': { date_histogram: { field: '@timestamp', fixed_interval: '1h' }, aggs: { v: { avg: { field: 'v' } }, d: { moving_fn: movFn } } } } });
  const response = await search({ buckets_path: 'v', window: 2, script: 'MovingFunctions.min(values)', format: '0.00' });
  const buckets = (response.aggregations!['date_histogram#@timestamp'] as { buckets: Record<string, { value: number | null; value_as_string?: string }>[] }).buckets;
  assert.equal(buckets.length, 6);
  assert.deepEqual(buckets.map((bucket) => bucket['simple_value#d']!.value), [null, 1, 1, 1, 1, 4]);
  assert.equal(buckets[5]!['simple_value#d']!.value_as_string, '4.00');
  const holt = await search({ buckets_path: 'v', window: 3, script: { source: 'MovingFunctions.holt(values, params.alpha, params.beta)', params: { alpha: 0.3, beta: 0.1 } } });
  const values = (holt.aggregations!['date_histogram#@timestamp'] as { buckets: Record<string, { value: number | null }>[] }).buckets.map((bucket) => bucket['simple_value#d']!.value);
  assert.deepEqual(values.map((value) => (value === null ? null : Math.round(value * 1000) / 1000)), [null, 1, 1.3, 1.231, 2.369, 2.893]);
});

test('geohash_grid, geotile_grid, geo_bounds and geo_centroid over geo_point fields (280, 290, 390 YAML tests)', async () => {
  const client = node.client();
  const response = await client.search({
    index: 'geo',
    size: 0,
    typed_keys: true,
    aggs: {
      hash: { geohash_grid: { field: 'location', precision: 3 } },
      tile: { geotile_grid: { field: 'location', precision: 8 } },
      view_port: { geo_bounds: { field: 'location', wrap_longitude: true } },
      centroid: { geo_centroid: { field: 'location' } },
    },
  });
  const aggs = response.aggregations as Record<string, any>;
  const keys = (name: string) => aggs[name].buckets.map((bucket: { key: string; doc_count: number }) => [bucket.key, bucket.doc_count]);
  assert.deepEqual(keys('geohash_grid#hash'), [['u17', 3], ['u09', 2], ['u15', 1]]);
  assert.deepEqual(keys('geotile_grid#tile'), [['8/131/84', 3], ['8/129/88', 2], ['8/131/85', 1]]);
  const close = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 0.00001, `${actual} ~ ${expected}`);
  const bounds = aggs['geo_bounds#view_port'].bounds;
  close(bounds.top_left.lat, 52.374081);
  close(bounds.top_left.lon, 2.327);
  close(bounds.bottom_right.lat, 48.86);
  close(bounds.bottom_right.lon, 4.914722);
  close(aggs['geo_centroid#centroid'].location.lat, 51.00982967);
  close(aggs['geo_centroid#centroid'].location.lon, 3.966213167);
  assert.equal(aggs['geo_centroid#centroid'].count, 6);
});
