// Pipeline aggregations and `meta`, from what Elasticsearch's REST tests assert
// (rest-api-spec/test/search.aggregation/300_pipeline.yml, 500_*_bucket.yml, 500_serial_diff.yml)
// and https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-pipeline.html.
// Every case runs on two shards: pipelines must run after the reduce, never per shard.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/errors.js';
import type { FieldMappings } from '../../../src/index/engine/index.js';
import { type Doc, searchAggs } from './agg-harness.js';

const mappings: FieldMappings = { '@timestamp': { type: 'date' }, v: { type: 'long' }, t: { type: 'keyword' }, int_field: { type: 'integer' } };
const noGaps: Doc[] = [
  { '@timestamp': '2022-01-01T00:00:00', v: 1 },
  { '@timestamp': '2022-01-01T01:00:00', v: 2 },
  { '@timestamp': '2022-01-01T02:00:00', v: 1 },
];
const gaps: Doc[] = [
  { '@timestamp': '2022-01-01T00:00:00', v: 1 },
  { '@timestamp': '2022-01-01T02:00:00', v: 2 },
  { '@timestamp': '2022-01-01T03:00:00', v: 1 },
];
const hourly = (pipelines: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  aggs: { '@timestamp': { date_histogram: { field: '@timestamp', fixed_interval: '1h' }, aggs: { v: { avg: { field: 'v' } }, ...extra } }, ...pipelines },
});
const run = (docs: Doc[], body: Record<string, unknown>) => searchAggs(docs, mappings, body, 2);
function refused(body: Record<string, unknown>, type: string, reason: RegExp): void {
  assert.throws(() => run(noGaps, body), (error: unknown) => error instanceof EsError && error.status === 400 && error.type === type && reason.test(error.message));
}

test('meta is echoed first in the body of every aggregation, pipelines and sub-aggregations included', () => {
  const result = run(noGaps, {
    aggs: {
      h: { meta: { owner: 'ops', n: [1, 2] }, date_histogram: { field: '@timestamp', fixed_interval: '1h' }, aggs: { v: { meta: { x: true }, avg: { field: 'v' } } } },
      total: { meta: { k: 'v' }, sum_bucket: { buckets_path: 'h>v' } },
    },
  });
  assert.deepEqual(Object.keys(result['h']), ['meta', 'buckets']);
  assert.deepEqual(result['h'].meta, { owner: 'ops', n: [1, 2] });
  assert.deepEqual(result['h'].buckets[0].v, { meta: { x: true }, value: 1 });
  assert.deepEqual(result['total'], { meta: { k: 'v' }, value: 4 });
  refused({ aggs: { a: { meta: 'x', max: { field: 'v' } } } }, 'parsing_exception', /Expected \[START_OBJECT\] under \[meta\]/);
});

test('max_bucket and min_bucket: value, keys, format, and each gap_policy (500_max_bucket.yml, 500_min_bucket.yml)', () => {
  assert.deepEqual(run(noGaps, hourly({ d: { max_bucket: { buckets_path: '@timestamp>v' } } }))['d'], { value: 2, keys: ['2022-01-01T01:00:00.000Z'] });
  assert.deepEqual(run(noGaps, hourly({ d: { max_bucket: { buckets_path: '@timestamp>v', format: '0.00' } } }))['d'], { value: 2, value_as_string: '2.00', keys: ['2022-01-01T01:00:00.000Z'] });
  const negative = gaps.map((doc) => ({ ...doc, v: -(doc['v'] as number) }));
  assert.equal(run(negative, hourly({ d: { max_bucket: { buckets_path: '@timestamp>v', gap_policy: 'skip' } } }))['d'].value, -1);
  assert.equal(run(negative, hourly({ d: { max_bucket: { buckets_path: '@timestamp>v', gap_policy: 'insert_zeros' } } }))['d'].value, 0);
  assert.equal(run(negative, hourly({ d: { max_bucket: { buckets_path: '@timestamp>v', gap_policy: 'keep_values' } } }))['d'].value, -1);
  // Two buckets share the minimum: both keys are reported.
  assert.deepEqual(run(noGaps, hourly({ d: { min_bucket: { buckets_path: '@timestamp>v' } } }))['d'], { value: 1, keys: ['2022-01-01T00:00:00.000Z', '2022-01-01T02:00:00.000Z'] });
  assert.equal(run(gaps, hourly({ d: { min_bucket: { buckets_path: '@timestamp>v', gap_policy: 'insert_zeros' } } }))['d'].value, 0);
});

test('avg_bucket and sum_bucket, with _count and gap policies (500_avg_bucket.yml, 500_sum_bucket.yml)', () => {
  assert.deepEqual(run(noGaps, hourly({ d: { avg_bucket: { buckets_path: '@timestamp>v', format: '0.00' } } }))['d'], { value: 4 / 3, value_as_string: '1.33' });
  assert.equal(run(gaps, hourly({ d: { avg_bucket: { buckets_path: '@timestamp>v' } } }))['d'].value, 4 / 3);
  assert.equal(run(gaps, hourly({ d: { avg_bucket: { buckets_path: '@timestamp>v', gap_policy: 'insert_zeros' } } }))['d'].value, 1);
  assert.deepEqual(run(gaps, hourly({ d: { sum_bucket: { buckets_path: '@timestamp>v' } } }))['d'], { value: 4 });
  // _count is never a gap: the empty 01:00 bucket counts 0 documents.
  assert.equal(run(gaps, hourly({ d: { avg_bucket: { buckets_path: '@timestamp>_count' } } }))['d'].value, 3 / 4);
});

test('stats_bucket and extended_stats_bucket (500_stats_bucket.yml)', () => {
  assert.deepEqual(run(noGaps, hourly({ d: { stats_bucket: { buckets_path: '@timestamp>v', format: '0.00' } } }))['d'], {
    count: 3, min: 1, max: 2, avg: 4 / 3, sum: 4, min_as_string: '1.00', max_as_string: '2.00', avg_as_string: '1.33', sum_as_string: '4.00',
  });
  assert.deepEqual(run(gaps, hourly({ d: { stats_bucket: { buckets_path: '@timestamp>v', gap_policy: 'insert_zeros' } } }))['d'], { count: 4, min: 0, max: 2, avg: 1, sum: 4 });
  assert.deepEqual(run(gaps, hourly({ d: { stats_bucket: { buckets_path: '@timestamp>v', gap_policy: 'keep_values' } } }))['d'], { count: 3, min: 1, max: 2, avg: 4 / 3, sum: 4 });
  const extended = run(noGaps, hourly({ d: { extended_stats_bucket: { buckets_path: '@timestamp>v', sigma: 1 } } }))['d'];
  // Values 1, 2, 1: mean 4/3, population variance (1/9 + 4/9 + 1/9) / 3 = 2/9.
  assert.equal(extended.count, 3);
  assert.equal(extended.sum_of_squares, 6);
  assert.ok(Math.abs(extended.variance - 2 / 9) < 1e-12);
  assert.ok(Math.abs(extended.std_deviation_bounds.upper - (4 / 3 + Math.sqrt(2 / 9))) < 1e-12);
  assert.deepEqual(run([], hourly({ d: { stats_bucket: { buckets_path: '@timestamp>v' } } }))['d'], { count: 0, min: null, max: null, avg: null, sum: 0 });
});

test('percentiles_bucket: nearest rank over the bucket values, keyed or not', () => {
  const docs = [1, 2, 3, 4, 5].map((v, index) => ({ '@timestamp': `2022-01-01T0${index}:00:00`, v }));
  assert.deepEqual(run(docs, hourly({ p: { percentiles_bucket: { buckets_path: '@timestamp>v', percents: [0, 25, 50, 60, 100] } } }))['p'], {
    values: { '0.0': 1, '25.0': 2, '50.0': 3, '60.0': 3, '100.0': 5 },
  });
  assert.deepEqual(run(docs, hourly({ p: { percentiles_bucket: { buckets_path: '@timestamp>v', percents: [50], keyed: false } } }))['p'], { values: [{ key: 50, value: 3 }] });
});

test('serial_diff: lag, and a gap that removes the difference of the gap and of the bucket after (500_serial_diff.yml)', () => {
  const plain = run(noGaps, hourly({}, { d: { serial_diff: { buckets_path: 'v' } } }))['@timestamp'].buckets;
  assert.deepEqual(plain.map((bucket: any) => bucket.d), [undefined, { value: 1 }, { value: -1 }]);
  const lagged = [1, 2, 3, 1].map((v, index) => ({ '@timestamp': `2022-01-01T0${index}:00:00`, v }));
  assert.deepEqual(run(lagged, hourly({}, { d: { serial_diff: { buckets_path: 'v', lag: 2 } } }))['@timestamp'].buckets.map((bucket: any) => bucket.d), [undefined, undefined, { value: 2 }, { value: -1 }]);
  const withGap = [{ '@timestamp': '2022-01-01T00:00:00', v: 1 }, { '@timestamp': '2022-01-01T01:00:00', v: 2 }, { '@timestamp': '2022-01-01T03:00:00', v: 1 }];
  const gapped = run(withGap, hourly({}, { d: { serial_diff: { buckets_path: 'v' } } }))['@timestamp'].buckets;
  assert.equal(gapped.length, 4);
  assert.deepEqual(gapped.map((bucket: any) => bucket.d), [undefined, { value: 1 }, undefined, undefined]);
  assert.equal(gapped[2].v.value, null);
  const minDocCount = run(withGap, { aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1h', min_doc_count: 1 }, aggs: { v: { avg: { field: 'v' } }, d: { serial_diff: { buckets_path: 'v' } } } } } })['h'].buckets;
  assert.deepEqual(minDocCount.map((bucket: any) => bucket.d), [undefined, { value: 1 }, { value: -1 }]);
});

test('cumulative_sum through terms > date_histogram, on three shards (300_pipeline.yml "deep cumulative sum")', () => {
  const docs: Doc[] = [
    { t: 'a', v: 1, '@timestamp': '2020-07-16T00:00:00.000Z' },
    { t: 'a', v: 50, '@timestamp': '2020-07-17T00:00:00.000Z' },
    { t: 'a', v: 99, '@timestamp': '2020-07-18T00:00:00.000Z' },
    { t: 'b', v: 1, '@timestamp': '2020-07-16T00:00:00.000Z' },
    { t: 'b', v: 99, '@timestamp': '2020-07-17T00:00:00.000Z' },
  ];
  const result = searchAggs(docs, mappings, { aggs: { t: { terms: { field: 't' }, aggs: { by_date: { date_histogram: { field: '@timestamp', fixed_interval: '1d' }, aggs: { avg: { avg: { field: 'v' } }, sum: { cumulative_sum: { buckets_path: 'avg.value' } } } } } } } }, 3)['t'];
  const sums = result.buckets.map((bucket: any) => [bucket.key, bucket.by_date.buckets.map((day: any) => [day.key_as_string, day.avg.value, day.sum.value])]);
  assert.deepEqual(sums, [
    ['a', [['2020-07-16T00:00:00.000Z', 1, 1], ['2020-07-17T00:00:00.000Z', 50, 51], ['2020-07-18T00:00:00.000Z', 99, 150]]],
    ['b', [['2020-07-16T00:00:00.000Z', 1, 1], ['2020-07-17T00:00:00.000Z', 99, 100]]],
  ]);
});

test('derivative: none in the first bucket, unit gives normalized_value, a skipped gap gives null (search-aggregations-pipeline-derivative-aggregation)', () => {
  const docs = [{ '@timestamp': '2022-01-01T00:00:00', v: 1 }, { '@timestamp': '2022-01-01T02:00:00', v: 4 }, { '@timestamp': '2022-01-01T02:30:00', v: 10 }];
  const buckets = run(docs, { aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '2h' }, aggs: { s: { sum: { field: 'v' } }, d: { derivative: { buckets_path: 's', unit: '1h' } }, c: { derivative: { buckets_path: '_count' } } } } } })['h'].buckets;
  assert.equal(buckets[0].d, undefined);
  // sum 1 then 14 two hours later: 13 per bucket, 6.5 per hour.
  assert.deepEqual(buckets[1].d, { value: 13, normalized_value: 6.5 });
  assert.deepEqual(buckets[1].c, { value: 1 });
  const gapped = run(gaps, hourly({}, { d: { derivative: { buckets_path: 'v' } }, z: { derivative: { buckets_path: 'v', gap_policy: 'insert_zeros' } } }))['@timestamp'].buckets;
  assert.deepEqual(gapped.map((bucket: any) => bucket.d?.value), [undefined, null, null, -1]);
  assert.deepEqual(gapped.map((bucket: any) => bucket.z?.value), [undefined, -1, 2, -1]);
});

test('bucket_sort: sort by a metric path then from and size; size alone truncates (search-aggregations-pipeline-bucket-sort-aggregation)', () => {
  const docs: Doc[] = [
    { t: 'a', v: 5 }, { t: 'a', v: 1 }, { t: 'b', v: 9 }, { t: 'c', v: 2 }, { t: 'c', v: 2 }, { t: 'c', v: 2 }, { t: 'd' },
  ];
  const sorted = run(docs, { aggs: { t: { terms: { field: 't' }, aggs: { total: { sum: { field: 'v' } }, top: { bucket_sort: { sort: [{ total: { order: 'desc' } }], from: 1, size: 2 } } } } } })['t'];
  // Terms order: c (3 docs), a (2), b, d. Sums: c 6, a 6, b 9, d 0 (no values, but a document: not a
  // gap). Sorted by sum desc, ties in the parent's order: b, c, a, d; from 1, size 2: c, a.
  assert.deepEqual(sorted.buckets.map((bucket: any) => [bucket.key, bucket.total.value]), [['c', 6], ['a', 6]]);
  assert.equal(sorted.buckets[0].top, undefined);
  const truncated = run(docs, { aggs: { t: { terms: { field: 't' }, aggs: { top: { bucket_sort: { size: 1 } } } } } })['t'];
  assert.deepEqual(truncated.buckets.map((bucket: any) => bucket.key), ['c']);
  const byKey = run(docs, { aggs: { t: { terms: { field: 't' }, aggs: { top: { bucket_sort: { sort: [{ _key: { order: 'desc' } }] } } } } } })['t'];
  assert.deepEqual(byKey.buckets.map((bucket: any) => bucket.key), ['d', 'c', 'b', 'a']);
  // On a histogram, a removed empty bucket stays removed (the final reduce fills gaps before pipelines).
  const hist = run(gaps, hourly({}, { top: { bucket_sort: { sort: ['_count'], size: 1 } } }))['@timestamp'];
  assert.deepEqual(hist.buckets.map((bucket: any) => bucket.doc_count), [0]);
});

test('buckets_path errors and placement rules are 400s with Elasticsearch\'s messages (300_pipeline.yml)', () => {
  const nested = (pipeline: string, deep: boolean) => ({
    aggs: {
      the_terms: { terms: { field: 'int_field' }, aggs: { the_terms_2: { terms: { field: 'int_field' }, ...(deep ? { aggs: { the_max: { max: { field: 'int_field' } } } } : {}) } } },
      the_bad_max: { max_bucket: { buckets_path: pipeline } },
    },
  });
  const docs = [1, 2, 3, 4].map((value) => ({ int_field: value }));
  const fails = (body: Record<string, unknown>, reason: RegExp) =>
    assert.throws(() => run(docs, body), (error: unknown) => error instanceof EsError && error.status === 400 && error.type === 'aggregation_execution_exception' && reason.test(error.message));
  fails(nested('the_terms>the_terms_2>the_max', true), /\[Object\[\]\] at aggregation \[the_terms_2\]/);
  fails(nested('the_terms>the_terms_2', false), /\[LongTerms\] at aggregation \[the_terms_2\]/);
  refused({ aggs: { the_terms: { terms: { field: 'int_field' }, aggs: { the_max: { max: { field: 'int_field' } } } }, the_bad_bucket_sort: { bucket_sort: { sort: ['the_terms>the_max'] } } } }, 'action_request_validation_exception', /bucket_sort aggregation \[the_bad_bucket_sort\] must be declared inside of another aggregation/);
  refused({ aggs: { t: { terms: { field: 't' }, aggs: { d: { derivative: { buckets_path: '_count' } } } } } }, 'action_request_validation_exception', /must have a histogram, date_histogram or auto_date_histogram as parent/);
  refused({ aggs: { d: { max_bucket: { buckets_path: 'missing>v' } } } }, 'action_request_validation_exception', /No aggregation found for path \[missing>v\]/);
  refused(hourly({ d: { max_bucket: { buckets_path: '@timestamp>v', gap_policy: 'sometimes' } } }), 'illegal_argument_exception', /gap_policy/);
  refused(hourly({ d: { max_bucket: { buckets_path: '@timestamp>v' }, aggs: { x: { max: { field: 'v' } } } } }), 'illegal_argument_exception', /cannot accept sub-aggregations/);
});

test('max_bucket on a one-percent percentiles takes that percentile; a terms key is the key as a string (300_pipeline.yml)', () => {
  const docs = [1, 2, 3, 4].map((value) => ({ int_field: value }));
  const result = run(docs, {
    aggs: { the_terms: { terms: { field: 'int_field' }, aggs: { the_percentiles: { percentiles: { field: 'int_field', keyed: false, percents: [99] } } } }, the_max: { max_bucket: { buckets_path: 'the_terms>the_percentiles' } } },
  });
  assert.deepEqual(result['the_terms'].buckets.map((bucket: any) => bucket.the_percentiles.values), [1, 2, 3, 4].map((value) => [{ key: 99, value }]));
  assert.deepEqual(result['the_max'], { value: 4, keys: ['4'] });
  const byBracket = run(docs, { aggs: { the_terms: { terms: { field: 'int_field' }, aggs: { p: { percentiles: { field: 'int_field', percents: [50, 99] } } } }, m: { min_bucket: { buckets_path: 'the_terms>p[99.0]' } } } });
  assert.deepEqual(byBracket['m'], { value: 1, keys: ['1'] });
});

test('a filter in the path, and a bucket picked by key', () => {
  const docs: Doc[] = [{ t: 'a', v: 5 }, { t: 'b', v: 7 }, { t: 'a', v: 1, int_field: 3 }];
  const result = run(docs, {
    aggs: {
      h: { histogram: { field: 'v', interval: 5 }, aggs: { only_a: { filter: { term: { t: 'a' } }, aggs: { s: { sum: { field: 'v' } } } }, by_t: { terms: { field: 't' } } } },
      a_sums: { sum_bucket: { buckets_path: 'h>only_a>s' } },
      a_counts: { max_bucket: { buckets_path: "h>by_t['a']>_count" } },
    },
  });
  assert.deepEqual(result['a_sums'], { value: 6 });
  assert.deepEqual(result['a_counts'], { value: 1, keys: ['0.0', '5.0'] });
});

// bucket_script and bucket_selector (modules/aggregations/.../bucket_script.yml, bucket_selector.yml).
const abc: Doc[] = [
  { a: 2, b: 12, c: 21, gappy: 99 },
  { a: 3, b: 56, c: 12 },
  { a: 4, b: 82, c: 13, gappy: 98 },
  { a: 5, b: 12, c: 54 },
];
const abcMappings: FieldMappings = { a: { type: 'long' }, b: { type: 'long' }, c: { type: 'long' }, gappy: { type: 'long' } };
function byA(metrics: Record<string, unknown>, pipeline: Record<string, unknown>): any[] {
  return searchAggs(abc, abcMappings, { aggs: { a: { histogram: { field: 'a', interval: 1 }, aggs: { ...metrics, ...pipeline } } } }, 2)['a'].buckets;
}
const sums = (...fields: string[]) => Object.fromEntries(fields.map((field) => [field, { sum: { field } }]));

test('bucket_script: a value per bucket from named paths, script params, gap policies, format (bucket_script.yml)', () => {
  const values = (buckets: any[]) => buckets.map((bucket) => bucket.d?.value);
  assert.deepEqual(values(byA(sums('b', 'c'), { d: { bucket_script: { buckets_path: { b: 'b', c: 'c' }, script: 'params.b + params.c' } } })), [33, 68, 95, 66]);
  assert.deepEqual(values(byA(sums('b', 'unmapped'), { d: { bucket_script: { buckets_path: { b: 'b', unmapped: 'unmapped' }, script: 'params.b + params.unmapped' } } })), [12, 56, 82, 12]);
  const avgs = { b: { avg: { field: 'b' } }, unmapped: { avg: { field: 'unmapped' } } };
  assert.deepEqual(values(byA(avgs, { d: { bucket_script: { buckets_path: { b: 'b', unmapped: 'unmapped' }, script: 'params.b + params.unmapped' } } })), [undefined, undefined, undefined, undefined]);
  assert.deepEqual(values(byA(sums('b', 'c'), { d: { bucket_script: { buckets_path: { b: 'b' }, script: { source: 'params.b + params.extra', params: { extra: 1 } } } } })), [13, 57, 83, 13]);
  for (const gapPolicy of ['skip', 'insert_zeros', 'keep_values']) {
    assert.deepEqual(values(byA(sums('b', 'gappy'), { d: { bucket_script: { gap_policy: gapPolicy, buckets_path: { b: 'b', gappy: 'gappy' }, script: 'params.b + params.gappy' } } })), [111, 56, 180, 12]);
  }
  const formatted = byA(sums('b', 'gappy'), { d: { bucket_script: { format: '000.00', buckets_path: { b: 'b', gappy: 'gappy' }, script: 'params.b + params.gappy' } } });
  assert.deepEqual(formatted.map((bucket) => bucket.d.value_as_string), ['111.00', '056.00', '180.00', '012.00']);
});

test('bucket_selector: keeps the buckets whose script is true; NaN inputs compare false (bucket_selector.yml)', () => {
  const keys = (buckets: any[]) => buckets.map((bucket) => bucket.key);
  assert.deepEqual(keys(byA(sums('b', 'c'), { s: { bucket_selector: { buckets_path: { b: 'b', c: 'c' }, script: 'params.b > params.c' } } })), [3, 4]);
  assert.deepEqual(keys(byA(sums('b', 'c'), { s: { bucket_selector: { buckets_path: { b: 'b' }, script: 'params.b > 0' } } })), [2, 3, 4, 5]);
  assert.deepEqual(keys(byA(sums('b', 'c'), { s: { bucket_selector: { buckets_path: { b: 'b' }, script: 'params.b < 0' } } })), []);
  const avgs = { b: { avg: { field: 'b' } }, unmapped: { avg: { field: 'unmapped' } } };
  assert.deepEqual(keys(byA(avgs, { s: { bucket_selector: { buckets_path: { b: 'b', unmapped: 'unmapped' }, script: 'params.b > params.unmapped' } } })), []);
  assert.deepEqual(keys(byA(sums('b'), { s: { bucket_selector: { buckets_path: { b: 'b' }, script: { source: 'params.b > params.min', params: { min: 1000 } } } } })), []);
  assert.deepEqual(keys(byA(sums('b', 'gappy'), { s: { bucket_selector: { buckets_path: { b: 'b', gappy: 'gappy' }, script: 'params.b < params.gappy' } } })), [2, 4]);
  assert.deepEqual(keys(byA(sums('b', 'gappy'), { s: { bucket_selector: { gap_policy: 'insert_zeros', buckets_path: { b: 'b', gappy: 'gappy' }, script: 'params.b > params.gappy' } } })), [3, 5]);
});

test('bucket_script and bucket_selector errors: a script failing at run time, a missing path, top level, a script that does not compile', () => {
  const fails = (body: Record<string, unknown>, type: string, reason: RegExp) =>
    assert.throws(() => searchAggs(abc, abcMappings, body), (error: unknown) => error instanceof EsError && error.status === 400 && error.type === type && reason.test(`${error.message} ${error.causedBy?.type ?? ''} ${error.causedBy?.message ?? ''}`));
  const inHistogram = (pipeline: Record<string, unknown>, metrics: Record<string, unknown> = sums('b')) => ({ aggs: { a: { histogram: { field: 'a', interval: 1 }, aggs: { ...metrics, ...pipeline } } } });
  fails(inHistogram({ s: { bucket_selector: { buckets_path: { b: 'b' }, script: 'params.garbage > 0' } } }), 'script_exception', /null_pointer_exception/);
  fails(inHistogram({ d: { bucket_script: { buckets_path: { missing: 'missing' }, script: 'params.missing + 12' } } }, {}), 'action_request_validation_exception', /No aggregation found for path \[missing\]/);
  fails({ aggs: { b: { sum: { field: 'b' } }, selector: { bucket_selector: { buckets_path: { b: 'b' }, script: 'params.b > 0' } } } }, 'action_request_validation_exception', /bucket_selector aggregation \[selector\] must be declared inside of another aggregation/);
  fails(inHistogram({ d: { bucket_script: { buckets_path: { b: 'b' }, script: 'params.b +' } } }), 'script_exception', /compile/);
});
