// geo_point values, the geo_distance and geo_bounding_box queries and the _geo_distance sort end
// to end over real segments (serialized and merged), as Elasticsearch's docs and REST tests say.
// References: geo-point.html, query-dsl-geo-distance-query.html, query-dsl-geo-bounding-box-query.html,
// sort-search-results.html#geo-sorting, api-conventions.html#distance-units;
// rest-api-spec search/400_geo_bounding_box_query.yml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import { decodeLatitude, decodeLongitude, encodeLatitude, encodeLongitude } from '../../../src/index/engine/geo-encoding.js';
import { parseDocument, parseMapping } from '../../../src/index/mapping/index.js';
import { geohashCell, normalizeGeoPoint, parseGeoPoint } from '../../../src/index/mapping/geo-point.js';
import { arcDistanceMeters, parseDistance, planeDistanceMeters } from '../../../src/index/query/geo.js';
import { segmentIndex, throwsEs } from './segment-index.js';

const index = (definition: unknown, sources: readonly Record<string, unknown>[]) => segmentIndex(definition, sources, { split: true });

// 400_geo_bounding_box_query.yml's documents.
const yamlPoints = [
  { location: '34.5, 60.5' },
  { location: { lat: -34.5, lon: 60.5 } },
  { location: [-60.5, 34.5] },
  { location: 'POINT(-60.5 -34.5)' },
  { location: { type: 'Point', coordinates: [0, 0] } },
];

test('geo_point: every input format Elasticsearch accepts; range checks; ignore_malformed normalizes out-of-range points (geo-point.html)', () => {
  assert.deepEqual(parseGeoPoint({ lat: 41.12, lon: -71.34 }), { lat: 41.12, lon: -71.34 });
  assert.deepEqual(parseGeoPoint({ lat: '41.12', lon: '-71.34' }), { lat: 41.12, lon: -71.34 });
  assert.deepEqual(parseGeoPoint([-71.34, 41.12]), { lat: 41.12, lon: -71.34 });
  assert.deepEqual(parseGeoPoint('41.12,-71.34'), { lat: 41.12, lon: -71.34 });
  assert.deepEqual(parseGeoPoint('POINT (-71.34 41.12)'), { lat: 41.12, lon: -71.34 });
  assert.deepEqual(parseGeoPoint({ type: 'Point', coordinates: [-71.34, 41.12] }), { lat: 41.12, lon: -71.34 });
  // A geohash stands for the centre of its cell.
  const drm3 = parseGeoPoint('drm3btev3e86');
  assert.ok(Math.abs(drm3.lat - 41.12) < 1e-6 && Math.abs(drm3.lon + 71.34) < 1e-6, JSON.stringify(drm3));
  assert.deepEqual(geohashCell('s'), { top: 45, bottom: 0, left: 0, right: 45 });
  // A z value is dropped unless ignore_z_value is false.
  assert.deepEqual(parseDocument(parseMapping({ properties: { p: { type: 'geo_point' } } }), { p: [1, 2, 3] }, '1').fields['p'], [{ lat: 2, lon: 1 }]);
  throwsEs(() => parseDocument(parseMapping({ properties: { p: { type: 'geo_point', ignore_z_value: false } } }), { p: [1, 2, 3] }, '1'), 'document_parsing_exception', /of type \[geo_point\]/);
  const strict = parseMapping({ properties: { location: { type: 'geo_point' } } });
  assert.throws(
    () => parseDocument(strict, { location: { lat: 91, lon: 0 } }, '1'),
    (error: unknown) => error instanceof EsError && error.causedBy?.message === 'illegal latitude value [91.0] for location',
  );
  throwsEs(() => parseDocument(strict, { location: 'not a geohash!' }, '1'), 'document_parsing_exception', /failed to parse field \[location\] of type \[geo_point\]/);
  // ignore_malformed: an unreadable value is ignored (and named in _ignored), an out-of-range one normalized.
  const lenient = parseMapping({ properties: { location: { type: 'geo_point', ignore_malformed: true } } });
  assert.deepEqual(parseDocument(lenient, { location: 'not a geohash!' }, '1').fields, { _ignored: ['location'] });
  assert.deepEqual(parseDocument(lenient, { location: { lat: 91, lon: 0 } }, '1').fields['location'], [{ lat: 89, lon: 180 }]);
  assert.deepEqual(normalizeGeoPoint({ lat: 0, lon: 190 }), { lat: 0, lon: -170 });
});

test('geo encoding: doc values keep Lucene\'s 32-bit steps of latitude and longitude', () => {
  assert.equal(encodeLatitude(90), 2 ** 31 - 1);
  assert.equal(encodeLatitude(-90), -(2 ** 31));
  assert.equal(encodeLongitude(180), 2 ** 31 - 1);
  assert.ok(Math.abs(decodeLatitude(encodeLatitude(41.12)) - 41.12) < 180 / 2 ** 32);
  assert.ok(Math.abs(decodeLongitude(encodeLongitude(-71.34)) + 71.34) < 360 / 2 ** 32);
});

test('distances: haversine on the mean earth radius; plane; every distance unit (api-conventions.html#distance-units)', () => {
  // A quarter of a great circle is π/2 × 6371008.7714 m.
  assert.ok(Math.abs(arcDistanceMeters(0, 0, 0, 90) - (Math.PI / 2) * 6_371_008.7714) < 1e-6);
  assert.ok(Math.abs(arcDistanceMeters(90, 0, -90, 0) - Math.PI * 6_371_008.7714) < 1e-6);
  assert.equal(arcDistanceMeters(10, 10, 10, 10), 0);
  // Plane and arc agree on short distances near the equator.
  assert.ok(Math.abs(planeDistanceMeters(0, 0, 0.01, 0.01) - arcDistanceMeters(0, 0, 0.01, 0.01)) < 0.01);
  assert.equal(parseDistance('12km'), 12_000);
  assert.equal(parseDistance('1mi'), 1609.344);
  assert.equal(parseDistance('2nmi'), 3704);
  assert.equal(parseDistance('1NM'), 1852);
  assert.equal(parseDistance('3ft'), 3 * 0.3048);
  assert.equal(parseDistance('10in'), 0.254);
  assert.equal(parseDistance('1yd'), 0.9144);
  assert.equal(parseDistance('5cm'), 0.05);
  assert.equal(parseDistance('5mm'), 0.005);
  assert.equal(parseDistance('200'), 200);
  assert.equal(parseDistance(200), 200);
  assert.equal(parseDistance('1.5kilometers'), 1500);
  throwsEs(() => parseDistance('12parsecs'), 'number_format_exception', 'For input string: "12parsecs"');
});

test('geo_bounding_box: corners, top/left/bottom/right, wkt BBOX, geohash and geotile (400_geo_bounding_box_query.yml)', () => {
  const { search } = index({ properties: { location: { type: 'geo_point' } } }, yamlPoints);
  const count = (box: unknown) => search({ query: { geo_bounding_box: { location: box } } }).total;
  assert.equal(count({ top_left: [-180, 90], bottom_right: [0, 0] }), 2);
  assert.equal(count({ top_left: { lat: 90, lon: -180 }, bottom_right: { lat: 0, lon: 0 } }), 2);
  assert.equal(count({ top: 90, left: -180, bottom: 0, right: 0 }), 2);
  assert.equal(count({ top_right: '90, 0', bottom_left: 'POINT (-180 0)' }), 2);
  assert.equal(count({ wkt: 'BBOX (0, -180, 90, 0)' }), 2);
  assert.equal(count({ geohash: 's' }), 1);
  assert.equal(count({ top_left: 's', bottom_right: 's' }), 1);
  assert.equal(count({ geotile: '1/0/0' }), 2);
  // A box whose left is east of its right crosses the dateline.
  assert.deepEqual(search({ query: { geo_bounding_box: { location: { top: 40, left: 60, bottom: -40, right: -60 } } }, sort: ['_doc'] }).ids, ['1', '2', '3', '4']);
  assert.deepEqual(search({ query: { geo_bounding_box: { location: { top: 40, left: 60, bottom: -40, right: 61 } } }, sort: ['_doc'] }).ids, ['1', '2']);
});

test('geo_bounding_box: validation_method strict refuses, coerce normalizes; bad bodies and fields get Elasticsearch\'s errors', () => {
  const { search } = index({ properties: { location: { type: 'geo_point' }, name: { type: 'keyword' } } }, yamlPoints);
  assert.throws(
    () => search({ query: { geo_bounding_box: { location: { top: 91, left: 0, bottom: 0, right: 190 } } } }),
    (error: unknown) =>
      error instanceof EsError &&
      error.type === 'query_shard_exception' &&
      error.message === "couldn't validate latitude/ longitude values" &&
      error.causedBy?.type === 'validation_exception' &&
      error.causedBy.message === 'Validation Failed: 1: top latitude is invalid: 91.0;2: right longitude is invalid: 190.0;',
  );
  // ignore_malformed takes the box as given.
  assert.equal(search({ query: { geo_bounding_box: { location: { top: 91, left: -180, bottom: 0, right: 0 }, validation_method: 'ignore_malformed' } } }).total, 2);
  throwsEs(() => search({ query: { geo_bounding_box: { location: { top: 10, left: 0, bottom: 20, right: 10 } } } }), 'illegal_argument_exception', 'top is below bottom corner: 10.0 vs. 20.0');
  throwsEs(() => search({ query: { geo_bounding_box: { location: { top: 10, left: 0, bottom: 10, right: 10 } } } }), 'illegal_argument_exception', 'top cannot be the same as bottom: 10.0 == 10.0');
  throwsEs(() => search({ query: { geo_bounding_box: { location: { top: 10, left: 5, bottom: 0, right: 5 } } } }), 'illegal_argument_exception', 'left cannot be the same as right: 5.0 == 5.0');
  // A complete longitude range stays complete under coerce.
  assert.equal(search({ query: { geo_bounding_box: { location: { top: 90, left: -180, bottom: -90, right: 180 }, validation_method: 'coerce' } } }).total, 5);
  assert.equal(search({ query: { geo_bounding_box: { location: { top: 90, left: -540, bottom: 0, right: 0 }, validation_method: 'COERCE' } } }).total, 2);
  throwsEs(() => search({ query: { geo_bounding_box: { location: { top: 1, left: 0, bottom: 0 } } } }), 'illegal_argument_exception', 'right longitude is invalid: NaN');
  throwsEs(() => search({ query: { geo_bounding_box: { location: { top_left: [0, 1], bottom_right: [1, 0], front: 3 } } } }), 'parse_exception', 'failed to parse [geo_bounding_box] query. [failed to parse bounding box. unexpected field [front]]');
  throwsEs(() => search({ query: { geo_bounding_box: { validation_method: 'strict' } } }), 'parse_exception', 'failed to parse [geo_bounding_box] query. bounding box not provided');
  throwsEs(() => search({ query: { geo_bounding_box: { location: { top_left: [0, 1], bottom_right: [1, 0] }, front: 3 } } }), 'parsing_exception', 'failed to parse [geo_bounding_box] query. unexpected field [front]');
  throwsEs(() => search({ query: { geo_bounding_box: { name: { top_left: [0, 1], bottom_right: [1, 0] } } } }), 'query_shard_exception', 'Field [name] is of unsupported type [keyword] for [geo_bounding_box] query');
  throwsEs(() => search({ query: { geo_bounding_box: { missing: { top_left: [0, 1], bottom_right: [1, 0] } } } }), 'query_shard_exception', 'failed to find geo field [missing]');
  assert.equal(search({ query: { geo_bounding_box: { missing: { top_left: [0, 1], bottom_right: [1, 0] }, ignore_unmapped: true } } }).total, 0);
  throwsEs(() => search({ query: { term: { location: 'x' } } }), 'query_shard_exception', /Geometry fields do not support exact searching/);
  assert.equal(search({ query: { exists: { field: 'location' } } }).total, 5);
});

test('geo_distance: distance in any unit, arc and plane, validation_method (query-dsl-geo-distance-query.html)', () => {
  const { search } = index({ properties: { location: { type: 'geo_point' } } }, [
    { location: { lat: 40.715, lon: -73.988 } }, // New York
    { location: 'dr5regw3pg6f' }, // New York too (geohash)
    { location: 'POINT (-0.1278 51.5074)' }, // London
    { location: [[2.3522, 48.8566], [-0.1278, 51.5074]] }, // Paris and London
    { name: 'nowhere' },
  ]);
  const ids = (query: Record<string, unknown>) => search({ query: { geo_distance: query }, sort: ['_doc'] }).ids;
  assert.deepEqual(ids({ distance: '10km', location: { lat: 40.7, lon: -74 } }), ['1', '2']);
  assert.deepEqual(ids({ distance: 10_000, location: '40.7,-74' }), ['1', '2']);
  assert.deepEqual(ids({ distance: '400km', location: [2.3522, 48.8566] }), ['3', '4']);
  assert.deepEqual(ids({ distance: '350km', location: [2.3522, 48.8566], distance_type: 'plane' }), ['3', '4']);
  // Paris-London is about 343.6 km.
  assert.deepEqual(ids({ distance: '343km', location: [-0.1278, 51.5074] }), ['3', '4']);
  assert.deepEqual(ids({ distance: '343km', location: [2.3522, 48.8566] }), ['4']);
  assert.deepEqual(ids({ distance: '344km', location: [2.3522, 48.8566] }), ['3', '4']);
  assert.throws(
    () => ids({ distance: '10km', location: { lat: 91, lon: 0 } }),
    (error: unknown) =>
      error instanceof EsError && error.type === 'query_shard_exception' && error.message === "couldn't validate latitude/ longitude values" && error.causedBy?.message === 'Validation Failed: 1: center point latitude is invalid: 91.0;',
  );
  assert.deepEqual(ids({ distance: '10km', location: { lat: 40.7, lon: 286 }, validation_method: 'coerce' }), ['1', '2']);
  // `unit` for a bare number, and the field.lat / field.lon form.
  assert.deepEqual(ids({ distance: 10, unit: 'km', 'location.lat': 40.7, 'location.lon': -74 }), ['1', '2']);
  throwsEs(() => ids({ location: { lat: 40.7, lon: -74 } }), 'parsing_exception', "geo_distance requires 'distance' to be specified");
  throwsEs(() => ids({ distance: '0km', location: { lat: 40.7, lon: -74 } }), 'illegal_argument_exception', 'distance must be greater than zero');
  throwsEs(() => ids({ distance: '1km', location: { lat: 40.7, lon: -74 }, distance_type: 'curved' }), 'illegal_argument_exception', /No geo distance for \[curved\]/);
  throwsEs(() => ids({ distance: '1km', location: { lat: 40.7, lon: -74 }, other: { lat: 1, lon: 2 } }), 'parsing_exception', "[geo_distance] query doesn't support multiple fields, found [location] and [other]");
  throwsEs(() => ids({ distance: '1km', location: { lat: 40.7, lon: -74 }, other: 'x' }), 'parsing_exception', 'failed to parse [geo_distance] query. unexpected field [other]');
  // distance_type does not change which documents match (Elasticsearch's query is an arc circle).
  assert.deepEqual(ids({ distance: '343km', location: [2.3522, 48.8566], distance_type: 'plane' }), ids({ distance: '343km', location: [2.3522, 48.8566] }));
});

test('_geo_distance sort: values in the unit asked, mode over every (point, value) pair, missing at Infinity (sort-search-results.html#geo-sorting)', () => {
  const { search } = index({ properties: { location: { type: 'geo_point' }, name: { type: 'keyword' } } }, [
    { location: 'POINT (-0.1278 51.5074)' }, // London
    { location: [[2.3522, 48.8566], [-73.988, 40.715]] }, // Paris and New York
    { name: 'no location' },
    { location: { lat: 48.8566, lon: 2.3522 } }, // Paris
  ]);
  const paris = { lat: 48.8566, lon: 2.3522 };
  const result = search({ sort: [{ _geo_distance: { location: paris, order: 'asc', unit: 'km' } }] });
  assert.deepEqual(result.ids, ['2', '4', '1', '3']);
  const sorts = result.sorts.map((values) => values[0]);
  assert.ok((sorts[0] as number) < 0.001 && (sorts[1] as number) < 0.001, JSON.stringify(sorts));
  assert.ok(Math.abs((sorts[2] as number) - 343.56) < 0.05, JSON.stringify(sorts));
  assert.equal(sorts[3], 'Infinity');
  // The sort value is the arc distance from the stored (quantized) point, in the unit.
  const stored = { lat: decodeLatitude(encodeLatitude(51.5074)), lon: decodeLongitude(encodeLongitude(-0.1278)) };
  assert.equal(sorts[2], arcDistanceMeters(paris.lat, paris.lon, stored.lat, stored.lon) / 1000);
  // desc takes each document's farthest point by default; missing documents (Infinity) come first.
  assert.deepEqual(search({ sort: [{ _geo_distance: { location: [paris.lon, paris.lat], order: 'desc' } }] }).ids, ['3', '2', '1', '4']);
  // mode min against several sort points; plane distances; unit in miles.
  const many = search({ sort: [{ _geo_distance: { location: ['51.5074,-0.1278', [-73.988, 40.715]], mode: 'min', unit: 'mi', distance_type: 'plane' } }, '_doc'] });
  assert.deepEqual(many.ids, ['1', '2', '4', '3']);
  assert.equal(many.sorts[0]![0], 0 / 1609.344 + planeDistanceMeters(51.5074, -0.1278, decodeLatitude(encodeLatitude(51.5074)), decodeLongitude(encodeLongitude(-0.1278))) / 1609.344);
  const avg = search({ sort: [{ _geo_distance: { location: paris, mode: 'avg', unit: 'km' } }] });
  assert.deepEqual(avg.ids, ['4', '1', '2', '3']);
  throwsEs(() => search({ sort: [{ _geo_distance: { location: paris, mode: 'sum' } }] }), 'illegal_argument_exception', "sort_mode [sum] isn't supported for sorting by geo distance");
  throwsEs(() => search({ sort: [{ _geo_distance: { location: paris, unit: 'parsecs' } }] }), 'illegal_argument_exception', 'No distance unit match [parsecs]');
  throwsEs(() => search({ sort: [{ _geo_distance: { name: paris } }] }), 'illegal_argument_exception', 'field [name] is not a geo_point field');
  throwsEs(() => search({ sort: [{ _geo_distance: { missing: paris } }] }), 'illegal_argument_exception', 'failed to find mapper for [missing] for geo distance based sort');
  assert.equal(search({ sort: [{ _geo_distance: { missing: paris, ignore_unmapped: true } }] }).total, 4);
  throwsEs(() => search({ sort: [{ location: 'asc' }] }), 'illegal_argument_exception', "can't sort on geo_point field without using specific sorting feature, like geo_distance");
});

test('geo_point fetch: fields as GeoJSON (or wkt) from every input format; docvalue_fields as the stored points, printed "lat, lon"', () => {
  const { search } = index({ properties: { location: { type: 'geo_point' } } }, [{ location: 's' }, { location: 'POINT (1.5 2.5)' }]);
  const result = search({ sort: ['_doc'] });
  assert.deepEqual(result.fields('location'), [{ location: [{ type: 'Point', coordinates: [22.5, 22.5] }] }, { location: [{ type: 'Point', coordinates: [1.5, 2.5] }] }]);
  assert.deepEqual(result.fields('location', 'wkt'), [{ location: ['POINT (22.5 22.5)'] }, { location: ['POINT (1.5 2.5)'] }]);
  const docValues = result.docValues('location') as { location: string[] }[];
  const [lat, lon] = docValues[1]!.location[0]!.split(', ').map(Number);
  assert.ok(Math.abs(lat! - 2.5) < 1e-7 && Math.abs(lon! - 1.5) < 1e-7, docValues[1]!.location[0]);
  assert.equal(docValues[1]!.location[0], `${decodeLatitude(encodeLatitude(2.5))}, ${decodeLongitude(encodeLongitude(1.5))}`);
});

test('geo_point in scripts: doc[field].lat / .lon / .value read the stored points (ScriptDocValues.GeoPoints)', () => {
  const { search } = index({ properties: { location: { type: 'geo_point' } } }, [{ location: { lat: 41.12, lon: -71.34 } }, { location: [10, -20] }]);
  assert.deepEqual(search({ query: { script: { script: "doc['location'].lat > 40 && doc['location'].getLon() < -71" } } }).ids, ['1']);
  assert.deepEqual(search({ query: { script: { script: "doc['location'].value.lon == 10.0 || doc['location'].value.lat < -19.99" } } }).ids, ['2']);
});

// The museums of search-aggregations-bucket-geodistance-aggregation.html and the buckets it shows.
const museums = [
  { location: 'POINT (4.912350 52.374081)', name: 'NEMO Science Museum' },
  { location: 'POINT (4.901618 52.369219)', name: 'Museum Het Rembrandthuis' },
  { location: 'POINT (4.914722 52.371667)', name: 'Nederlands Scheepvaartmuseum' },
  { location: 'POINT (4.405200 51.222900)', name: 'Letterenhuis' },
  { location: 'POINT (2.336389 48.861111)', name: 'Musée du Louvre' },
  { location: 'POINT (2.327000 48.860000)', name: "Musée d'Orsay" },
];

test('geo_distance aggregation: range buckets of the distance from an origin, in metres or the unit asked (geodistance-aggregation.html)', () => {
  const { search } = index({ properties: { location: { type: 'geo_point' }, name: { type: 'keyword' } } }, museums);
  const ranges = [{ to: 100_000 }, { from: 100_000, to: 300_000 }, { from: 300_000 }];
  const result = search({ size: 0, aggs: { rings_around_amsterdam: { geo_distance: { field: 'location', origin: 'POINT (4.894 52.3760)', ranges }, aggs: { names: { terms: { field: 'name', size: 1 } } } } } });
  const rings = result.aggregations!['rings_around_amsterdam'] as { buckets: Record<string, unknown>[] };
  assert.deepEqual(rings.buckets.map(({ names, ...bucket }) => bucket), [
    { key: '*-100000.0', to: 100000, doc_count: 3 },
    { key: '100000.0-300000.0', from: 100000, to: 300000, doc_count: 1 },
    { key: '300000.0-*', from: 300000, doc_count: 2 },
  ]);
  assert.deepEqual((rings.buckets[1]!['names'] as { buckets: unknown[] }).buckets, [{ key: 'Letterenhuis', doc_count: 1 }]);
  const km = search({ size: 0, aggs: { rings: { geo_distance: { field: 'location', origin: { lat: 52.376, lon: 4.894 }, unit: 'km', distance_type: 'plane', keyed: true, ranges: [{ to: 100, key: 'near' }, { from: 100 }] } } } });
  assert.deepEqual(km.aggregations!['rings'], { buckets: { near: { key: 'near', to: 100, doc_count: 3 }, '100.0-*': { key: '100.0-*', from: 100, doc_count: 3 } } });
  throwsEs(() => search({ aggs: { rings: { geo_distance: { field: 'name', origin: '52.376, 4.894', ranges } } } }), 'illegal_argument_exception', 'Field [name] of type [keyword] is not supported for aggregation [geo_distance]');
  throwsEs(() => search({ aggs: { rings: { geo_distance: { field: 'location', ranges } } } }), 'parsing_exception', 'Missing [origin] in geo_distance aggregator [rings]');
  throwsEs(() => search({ aggs: { rings: { geo_distance: { field: 'location', origin: '52.376, 4.894', unit: 'parsecs', ranges } } } }), 'illegal_argument_exception', 'No distance unit match [parsecs]');
  throwsEs(() => search({ aggs: { avg_location: { avg: { field: 'location' } } } }), 'illegal_argument_exception', 'Field [location] of type [geo_point] is not supported for aggregation [avg]');
});
