// auto_date_histogram (modules/aggregations/.../auto_date_histogram.yml and
// https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-bucket-autodatehistogram-aggregation.html);
// cases run on one and on two shards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/errors.js';
import type { FieldMappings } from '../../../src/index/engine/index.js';
import { type Doc, searchAggs } from './agg-harness.js';

const mappings: FieldMappings = { date: { type: 'date' }, v: { type: 'long' } };
const march: Doc[] = [
  { date: '2020-03-01', v: 1 },
  { date: '2020-03-02', v: 2 },
  { date: '2020-03-08', v: 3 },
  { date: '2020-03-09', v: 4 },
];

test('auto_date_histogram: 9 daily buckets do not fit 2, so 7-day runs from the first day (auto_date_histogram.yml "basic", "avg_bucket")', () => {
  for (const shards of [1, 2]) {
    const result = searchAggs(march, mappings, { aggs: { histo: { auto_date_histogram: { field: 'date', buckets: 2 }, aggs: { v: { sum: { field: 'v' } } } }, avg: { avg_bucket: { buckets_path: 'histo.v' } } } }, shards);
    assert.deepEqual(result['histo'], {
      buckets: [
        { key_as_string: '2020-03-01T00:00:00.000Z', key: Date.UTC(2020, 2, 1), doc_count: 2, v: { value: 3 } },
        { key_as_string: '2020-03-08T00:00:00.000Z', key: Date.UTC(2020, 2, 8), doc_count: 2, v: { value: 7 } },
      ],
      interval: '7d',
    });
    assert.deepEqual(result['avg'], { value: 5 });
  }
});

test('auto_date_histogram: hours for two readings an hour apart; 3h runs for one bucket; empty buckets are filled; minimum_interval', () => {
  const two: Doc[] = [{ date: '2017-10-20T03:08:45' }, { date: '2017-10-20T04:10:15' }];
  const hourly = searchAggs(two, mappings, { aggs: { h: { auto_date_histogram: { field: 'date', buckets: 2 } } } }, 2)['h'];
  assert.deepEqual(hourly.buckets.map((bucket: any) => [bucket.key, bucket.doc_count]), [[1508468400000, 1], [1508472000000, 1]]);
  assert.equal(hourly.interval, '1h');
  const single = searchAggs(two, mappings, { aggs: { h: { auto_date_histogram: { field: 'date', buckets: 1 } } } })['h'];
  assert.deepEqual([single.buckets.map((bucket: any) => [bucket.key_as_string, bucket.doc_count]), single.interval], [[['2017-10-20T03:00:00.000Z', 2]], '3h']);
  // Default 10 buckets: days 1, 2, 8, 9 of March span 9 days, empty days included.
  const daily = searchAggs(march, mappings, { aggs: { h: { auto_date_histogram: { field: 'date' } } } })['h'];
  assert.deepEqual(daily.buckets.map((bucket: any) => bucket.doc_count), [1, 1, 0, 0, 0, 0, 0, 1, 1]);
  assert.equal(daily.interval, '1d');
  const monthly = searchAggs(march, mappings, { aggs: { h: { auto_date_histogram: { field: 'date', minimum_interval: 'month' } } } })['h'];
  assert.deepEqual([monthly.buckets.map((bucket: any) => [bucket.key_as_string, bucket.doc_count]), monthly.interval], [[['2020-03-01T00:00:00.000Z', 4]], '1M']);
  assert.throws(() => searchAggs(march, mappings, { aggs: { h: { auto_date_histogram: { field: 'date', minimum_interval: 'fortnight' } } } }), (error: unknown) => error instanceof EsError && error.status === 400);
});

test('auto_date_histogram: derivative runs over the final buckets', () => {
  const result = searchAggs(march, mappings, { aggs: { h: { auto_date_histogram: { field: 'date', buckets: 2 }, aggs: { v: { sum: { field: 'v' } }, d: { derivative: { buckets_path: 'v' } } } } } }, 2)['h'];
  assert.deepEqual(result.buckets.map((bucket: any) => bucket.d?.value), [undefined, 4]);
});

// variable_width_histogram (modules/aggregations/.../variable_width_histogram.yml).
const numbers: Doc[] = [-3, -2, 1, 4, 5, 6, 7, 8, 9, 10, 11].map((number) => ({ number }));
const numberMappings: FieldMappings = { number: { type: 'integer' } };

test('variable_width_histogram: closest clusters merge until `buckets` remain (defaults, buckets 3 and 2, shard_size, initial_buffer)', () => {
  for (const shards of [1, 3]) {
    const run = (body: Record<string, unknown>) => searchAggs(numbers, numberMappings, { aggs: { histo: { variable_width_histogram: { field: 'number', ...body } } } }, shards)['histo'].buckets;
    const defaults = run({});
    assert.equal(defaults.length, 10);
    assert.deepEqual(defaults[0], { min: -3, key: -2.5, max: -2, doc_count: 2 });
    assert.deepEqual(defaults.slice(1).map((bucket: any) => [bucket.min, bucket.key, bucket.max, bucket.doc_count]), [1, 4, 5, 6, 7, 8, 9, 10, 11].map((value) => [value, value, value, 1]));
    assert.deepEqual(run({ buckets: 3 }), [
      { min: -3, key: -1.3333333333333333, max: 1, doc_count: 3 },
      { min: 4, key: 5.5, max: 7, doc_count: 4 },
      { min: 8, key: 9.5, max: 11, doc_count: 4 },
    ]);
    const two = [
      { min: -3, key: -1.3333333333333333, max: 1, doc_count: 3 },
      { min: 4, key: 7.5, max: 11, doc_count: 8 },
    ];
    assert.deepEqual(run({ buckets: 2, shard_size: 10_000 }), two);
    assert.deepEqual(run({ buckets: 2, initial_buffer: 10_000 }), two);
  }
  assert.throws(() => searchAggs(numbers, numberMappings, { aggs: { h: { variable_width_histogram: { field: 'number' }, aggs: { m: { max: { field: 'number' } } } } } }), (error: unknown) => error instanceof EsError && error.status === 400);
});

test('histogram empty-bucket fill keeps every counted bucket when the interval is not a binary fraction (keys are index * interval + offset, as collected)', () => {
  // 0.1 added ten times is 0.9999999999999999, not 1: stepping by addition missed the bucket holding v = 1 and 3
  const docs: Doc[] = [{ v: 0 }, { v: 1 }, { v: 3 }];
  for (const shards of [1, 2]) {
    const buckets = searchAggs(docs, mappings, { aggs: { h: { histogram: { field: 'v', interval: 0.1 } } } }, shards)['h'].buckets as { key: number; doc_count: number }[];
    assert.equal(buckets.length, 31);
    assert.equal(buckets.reduce((sum, bucket) => sum + bucket.doc_count, 0), 3);
    assert.deepEqual(buckets.filter((bucket) => bucket.doc_count > 0).map((bucket) => bucket.doc_count), [1, 1, 1]);
  }
});
