// geohash_grid, geotile_grid, geo_bounds and geo_centroid over geo_point doc values, from
// Elasticsearch's REST tests (rest-api-spec search.aggregation/280_geohash_grid.yml,
// 290_geotile_grid.yml, 390_geo_bounds_centroid.yml: their documents and expected keys and
// values) and search-aggregations-bucket-geohashgrid-aggregation.html, -geotilegrid-aggregation.html.
// Cases run on two or three shards (and as two clusters): grids are cut to size after the final reduce.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/errors.js';
import type { FieldMappings } from '../../../src/index/engine/index.js';
import { geohashLevelForDistance } from '../../../src/index/aggs/geo-aggs.js';
import { type Doc, searchAggs, searchAggsTwoClusters } from './agg-harness.js';

const mappings: FieldMappings = { location: { type: 'geo_point' }, tag: { type: 'keyword' }, n: { type: 'long' } };
const points: [number, number][] = [
  [52.374081, 4.91235],
  [52.369219, 4.901618],
  [52.371667, 4.914722],
  [51.2229, 4.4052],
  [48.861111, 2.336389],
  [48.86, 2.327],
];
const docs: Doc[] = points.map(([lat, lon], index) => ({ location: { lat, lon }, n: index + 1 }));
const buckets = (result: any): [string, number][] => result.buckets.map((bucket: any) => [bucket.key, bucket.doc_count]);

test('geohash_grid: geohash keys by doc count (280_geohash_grid.yml), size, sub-aggregations, two clusters', () => {
  const body = { aggs: { grid: { geohash_grid: { field: 'location', precision: 3 }, aggs: { total: { sum: { field: 'n' } } } } } };
  const result = searchAggs(docs, mappings, body, 3)['grid'];
  assert.deepEqual(buckets(result), [['u17', 3], ['u09', 2], ['u15', 1]]);
  assert.deepEqual(result.buckets.map((bucket: any) => bucket.total.value), [6, 11, 4]);
  assert.deepEqual(buckets(searchAggsTwoClusters(docs, mappings, body, 3)['grid']), [['u17', 3], ['u09', 2], ['u15', 1]]);
  assert.deepEqual(buckets(searchAggs(docs, mappings, { aggs: { grid: { geohash_grid: { field: 'location', precision: 3, size: 2 } } } }, 2)['grid']), [['u17', 3], ['u09', 2]]);
  // Amsterdam's first point at the longest precision.
  assert.deepEqual(buckets(searchAggs(docs.slice(0, 1), mappings, { aggs: { grid: { geohash_grid: { field: 'location', precision: 12 } } } })['grid'])[0]![0].slice(0, 5), 'u173z');
  assert.deepEqual(searchAggs([{ n: 1 }], mappings, { aggs: { grid: { geohash_grid: { field: 'location' } } } })['grid'], { buckets: [] });
});

test('geotile_grid: z/x/y keys (290_geotile_grid.yml); ties rank by the larger cell first; bounds keep the cells they meet', () => {
  assert.deepEqual(buckets(searchAggs(docs, mappings, { aggs: { grid: { geotile_grid: { field: 'location', precision: 8 } } } }, 2)['grid']), [['8/131/84', 3], ['8/129/88', 2], ['8/131/85', 1]]);
  assert.deepEqual(buckets(searchAggs(docs, mappings, { aggs: { grid: { geotile_grid: { field: 'location', precision: 0 } } } }, 2)['grid']), [['0/0/0', 6]]);
  // One document per tile: equal counts, so the order is x then y, largest first.
  const ties = searchAggs(docs.slice(3, 5), mappings, { aggs: { grid: { geotile_grid: { field: 'location', precision: 8 } } } }, 2)['grid'];
  assert.deepEqual(buckets(ties), [['8/131/85', 1], ['8/129/88', 1]]);
  // A box around Amsterdam (and not Paris nor Antwerp).
  const bounds = { top_left: { lat: 53, lon: 4.5 }, bottom_right: { lat: 52.1, lon: 5.5 } };
  assert.deepEqual(buckets(searchAggs(docs, mappings, { aggs: { grid: { geotile_grid: { field: 'location', precision: 8, bounds } } } }, 2)['grid']), [['8/131/84', 3]]);
  assert.deepEqual(buckets(searchAggs(docs, mappings, { aggs: { grid: { geohash_grid: { field: 'location', precision: 3, bounds } } } }, 2)['grid']), [['u17', 3]]);
  // The cells are what bounds filter: Antwerp lies outside a box reaching down to 52.0, but its cell u15 (to 52.03) meets it.
  const lower = { top_left: { lat: 53, lon: 4.5 }, bottom_right: { lat: 52, lon: 5.5 } };
  assert.deepEqual(buckets(searchAggs(docs, mappings, { aggs: { grid: { geohash_grid: { field: 'location', precision: 3, bounds: lower } } } }, 2)['grid']), [['u17', 3], ['u15', 1]]);
});

test('bounds keep cells sharing an interior point with the box: the box of a cell keeps it and none of the neighbours it touches (GeoTileBoundedPredicateTests, GeoHashBoundedPredicateTests)', () => {
  // Tile 4/1/1 spans longitudes -157.5..-135 and latitudes 79.17..74.02 (Web Mercator rows).
  const tileLat = (row: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * row) / 16))) * 180) / Math.PI;
  const tileBox = { top_left: { lat: tileLat(1), lon: -157.5 }, bottom_right: { lat: tileLat(2), lon: -135 } };
  const around: Doc[] = [[1, 1], [2, 1], [0, 1], [1, 0], [1, 2], [2, 2]].map(([x, y]) => ({ location: { lat: (tileLat(y!) + tileLat(y! + 1)) / 2, lon: -180 + (x! + 0.5) * 22.5 } }));
  assert.deepEqual(buckets(searchAggs(around, mappings, { aggs: { g: { geotile_grid: { field: 'location', precision: 4, bounds: tileBox } } } })['g']), [['4/1/1', 1]]);
  // Geohash bch spans longitudes -140.625..-139.21875 and latitudes 50.625..52.03125.
  const hashBox = { top_left: { lat: 52.03125, lon: -140.625 }, bottom_right: { lat: 50.625, lon: -139.21875 } };
  const cells: Doc[] = [[51.3, -139.9], [51.3, -138.5], [51.3, -141.3], [52.7, -139.9], [49.9, -139.9]].map(([lat, lon]) => ({ location: { lat, lon } }));
  assert.deepEqual(buckets(searchAggs(cells, mappings, { aggs: { g: { geohash_grid: { field: 'location', precision: 3, bounds: hashBox } } } })['g']), [['bch', 1]]);
});

test('geohash_grid precision as a distance: the level whose cells are no larger (GeoUtils.geoHashLevelsForPrecision)', () => {
  assert.deepEqual([geohashLevelForDistance(40_000_000), geohashLevelForDistance(5_000_000), geohashLevelForDistance(1000), geohashLevelForDistance(1)], [1, 2, 7, 11]);
  assert.deepEqual(buckets(searchAggs(docs, mappings, { aggs: { grid: { geohash_grid: { field: 'location', precision: '500km' } } } }, 2)['grid']), [['u17', 3], ['u09', 2], ['u15', 1]]);
});

test('geo grids refuse bad precision, size and shard_size, and fields that are not geo_point', () => {
  const refused = (body: Record<string, unknown>, reason: RegExp): void =>
    assert.throws(() => searchAggs(docs, mappings, body), (error: unknown) => error instanceof EsError && error.status === 400 && reason.test(error.message));
  refused({ aggs: { g: { geohash_grid: { field: 'location', precision: 13 } } } }, /Invalid geohash aggregation precision of 13\. Must be between 1 and 12\./);
  refused({ aggs: { g: { geotile_grid: { field: 'location', precision: 30 } } } }, /Invalid geotile_grid precision of 30\. Must be between 0 and 29\./);
  refused({ aggs: { g: { geotile_grid: { field: 'location', size: 0 } } } }, /\[size\] must be greater than 0/);
  refused({ aggs: { g: { geotile_grid: { field: 'location', shard_size: -1 } } } }, /\[shardSize\] must be greater than 0/);
  refused({ aggs: { g: { geohash_grid: { field: 'location', precision: '1cm' } } } }, /precision too high \[1cm\]/);
  refused({ aggs: { g: { geohash_grid: { field: 'tag' } } } }, /Field \[tag\] of type \[keyword\] is not supported for aggregation \[geohash_grid\]/);
  refused({ aggs: { g: { geo_centroid: { field: 'n' } } } }, /Field \[n\] of type \[long\] is not supported for aggregation \[geo_centroid\]/);
});

test('geo_bounds and geo_centroid (390_geo_bounds_centroid.yml); wrap_longitude picks the narrower box across the dateline', () => {
  const bounds = searchAggs(docs, mappings, { aggs: { view_port: { geo_bounds: { field: 'location', wrap_longitude: true } } } }, 3)['view_port'].bounds;
  const close = (actual: number, expected: number): void => assert.ok(Math.abs(actual - expected) < 0.00001, `${actual} ~ ${expected}`);
  close(bounds.top_left.lat, 52.374081);
  close(bounds.top_left.lon, 2.327);
  close(bounds.bottom_right.lat, 48.86);
  close(bounds.bottom_right.lon, 4.914722);
  const centroid = searchAggs(docs, mappings, { aggs: { centroid: { geo_centroid: { field: 'location' } } } }, 3)['centroid'];
  close(centroid.location.lat, 51.00982967);
  close(centroid.location.lon, 3.966213167);
  assert.equal(centroid.count, 6);
  // As cross-cluster search reduces them: two clusters' partials, merged again.
  const twoClusters = searchAggsTwoClusters(docs, mappings, { aggs: { b: { geo_bounds: { field: 'location' } }, c: { geo_centroid: { field: 'location' } } } }, 3);
  assert.deepEqual(twoClusters['b'].bounds, bounds);
  close(twoClusters['c'].location.lat, 51.00982967);
  assert.equal(twoClusters['c'].count, 6);
  const dateline: Doc[] = [{ location: { lat: 10, lon: 170 } }, { location: { lat: -10, lon: -170 } }];
  const wrapped = searchAggs(dateline, mappings, { aggs: { b: { geo_bounds: { field: 'location' } } } }, 2)['b'].bounds;
  assert.ok(wrapped.top_left.lon > 169 && wrapped.bottom_right.lon < -169);
  const unwrapped = searchAggs(dateline, mappings, { aggs: { b: { geo_bounds: { field: 'location', wrap_longitude: false } } } }, 2)['b'].bounds;
  assert.ok(unwrapped.top_left.lon < -169 && unwrapped.bottom_right.lon > 169);
  assert.deepEqual(searchAggs([{ n: 1 }], mappings, { aggs: { b: { geo_bounds: { field: 'location' } }, c: { geo_centroid: { field: 'location' } } } }), { b: {}, c: { count: 0 } });
});

test('metric aggregations take no sub-aggregations (Elasticsearch: cannot accept sub-aggregations)', () => {
  for (const leaf of [{ geo_bounds: { field: 'location' } }, { geo_centroid: { field: 'location' } }, { avg: { field: 'n' } }, { percentiles: { field: 'n' } }, { top_hits: {} }]) {
    const kind = Object.keys(leaf)[0]!;
    assert.throws(
      () => searchAggs(docs, mappings, { aggs: { viewport: { ...leaf, aggs: { inner: { max: { field: 'n' } } } } } }),
      (error: unknown) => error instanceof EsError && error.status === 400 && error.message === `Aggregator [viewport] of type [${kind}] cannot accept sub-aggregations`,
    );
  }
});

test('a document with several points counts once per grid cell; geo_bounds and geo_centroid keep a state per parent bucket', () => {
  // Two points of one doc in u17 and one in u09: u17 counts the doc once (GeoGridAggregator's per-doc dedupe).
  const multi: Doc[] = [
    { location: [{ lat: 52.374081, lon: 4.91235 }, { lat: 52.369219, lon: 4.901618 }, { lat: 48.861111, lon: 2.336389 }], tag: 'x' },
    { location: { lat: 52.371667, lon: 4.914722 }, tag: 'y' },
  ];
  assert.deepEqual(buckets(searchAggs(multi, mappings, { aggs: { grid: { geohash_grid: { field: 'location', precision: 3 } } } })['grid']), [['u17', 2], ['u09', 1]]);
  const body = { aggs: { tags: { terms: { field: 'tag' }, aggs: { b: { geo_bounds: { field: 'location' } }, c: { geo_centroid: { field: 'location' } } } } } };
  const [x, y] = searchAggs(multi, mappings, body)['tags'].buckets;
  assert.equal(x.key, 'x');
  assert.ok(Math.abs(x.b.bounds.top_left.lat - 52.374081) < 0.00001 && Math.abs(x.b.bounds.bottom_right.lat - 48.861111) < 0.00001);
  assert.ok(Math.abs(x.b.bounds.top_left.lon - 2.336389) < 0.00001 && Math.abs(x.b.bounds.bottom_right.lon - 4.91235) < 0.00001);
  assert.equal(x.c.count, 3);
  assert.equal(y.key, 'y');
  assert.ok(Math.abs(y.b.bounds.top_left.lat - 52.371667) < 0.00001 && Math.abs(y.b.bounds.bottom_right.lon - 4.914722) < 0.00001);
  assert.equal(y.c.count, 1);
});
