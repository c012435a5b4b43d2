// composite, from what Elasticsearch's REST tests assert (modules/aggregations/.../composite.yml)
// and https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-bucket-composite-aggregation.html
// Cases run on three shards: each returns its first `size` keys and the reduce keeps the first `size`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/errors.js';
import type { FieldMappings } from '../../../src/index/engine/index.js';
import { type Doc, searchAggs } from './agg-harness.js';

const mappings: FieldMappings = { date: { type: 'date' }, keyword: { type: 'keyword' }, long: { type: 'long' }, flag: { type: 'boolean' } };
const docs: Doc[] = [
  { keyword: 'foo', long: [10, 20] },
  { keyword: ['foo', 'bar'] },
  { keyword: 'bar', long: [100, 0] },
  { keyword: 'bar', long: [1000, 0] },
  { date: '2017-10-20T03:08:45' },
  { date: '2017-10-21T07:00:00' },
];
const composite = (body: Record<string, unknown>, extraDocs: Doc[] = [], subs?: Record<string, unknown>) =>
  searchAggs([...docs, ...extraDocs], mappings, { aggs: { test: { composite: body, ...(subs === undefined ? {} : { aggs: subs }) } } }, 3)['test'];
const keys = (result: any) => result.buckets.map((bucket: any) => [bucket.key, bucket.doc_count]);
const kwLong = [{ long: { terms: { field: 'long' } } }, { kw: { terms: { field: 'keyword' } } }];

test('terms sources: one, then two (every value combination of a document), with after_key', () => {
  const simple = composite({ sources: [{ kw: { terms: { field: 'keyword' } } }] });
  assert.deepEqual(simple, { after_key: { kw: 'foo' }, buckets: [{ key: { kw: 'bar' }, doc_count: 3 }, { key: { kw: 'foo' }, doc_count: 2 }] });
  assert.deepEqual(keys(composite({ sources: kwLong })), [
    [{ long: 0, kw: 'bar' }, 2],
    [{ long: 10, kw: 'foo' }, 1],
    [{ long: 20, kw: 'foo' }, 1],
    [{ long: 100, kw: 'bar' }, 1],
    [{ long: 1000, kw: 'bar' }, 1],
  ]);
});

test('after pages past a key, also one that does not exist; size cuts the page', () => {
  assert.deepEqual(keys(composite({ sources: kwLong, after: { long: 20, kw: 'foo' } })), [[{ long: 100, kw: 'bar' }, 1], [{ long: 1000, kw: 'bar' }, 1]]);
  assert.deepEqual(keys(composite({ sources: [{ kw: { terms: { field: 'keyword' } } }], after: { kw: 'delta' } })), [[{ kw: 'foo' }, 2]]);
  const page = composite({ sources: kwLong, size: 2 });
  assert.deepEqual(page.after_key, { long: 10, kw: 'foo' });
  assert.deepEqual(keys(composite({ sources: kwLong, size: 2, after: page.after_key })), [[{ long: 20, kw: 'foo' }, 1], [{ long: 100, kw: 'bar' }, 1]]);
});

test('histogram source, missing_bucket (null first ascending, last descending)', () => {
  assert.deepEqual(keys(composite({ sources: [{ histo: { histogram: { field: 'long', interval: 50 } } }] })), [[{ histo: 0 }, 3], [{ histo: 100 }, 1], [{ histo: 1000 }, 1]]);
  assert.deepEqual(keys(composite({ sources: [{ histo: { histogram: { field: 'long', interval: 50, missing_bucket: true } } }] })), [[{ histo: null }, 3], [{ histo: 0 }, 3], [{ histo: 100 }, 1], [{ histo: 1000 }, 1]]);
  assert.deepEqual(keys(composite({ sources: [{ histo: { histogram: { field: 'long', interval: 50, missing_bucket: true, order: 'desc' } } }] })), [[{ histo: 1000 }, 1], [{ histo: 100 }, 1], [{ histo: 0 }, 3], [{ histo: null }, 3]]);
  assert.deepEqual(keys(composite({ sources: [{ histo: { histogram: { field: 'long', interval: 50, missing_bucket: true, missing_order: 'last' } } }], after: { histo: 1000 } })), [[{ histo: null }, 3]]);
});

test('date_histogram source: format, after in that format, offset, time_zone, epoch_second', () => {
  const daily = { date: { date_histogram: { field: 'date', calendar_interval: '1d', format: 'yyyy-MM-dd' } } };
  assert.deepEqual(keys(composite({ sources: [daily] })), [[{ date: '2017-10-20' }, 1], [{ date: '2017-10-21' }, 1]]);
  assert.deepEqual(keys(composite({ sources: [daily], after: { date: '2017-10-20' } })), [[{ date: '2017-10-21' }, 1]]);
  const offset = composite({ sources: [{ date: { date_histogram: { field: 'date', calendar_interval: '1d', offset: '4h', format: 'iso8601' } } }] });
  assert.deepEqual(keys(offset), [[{ date: '2017-10-19T04:00:00.000Z' }, 1], [{ date: '2017-10-21T04:00:00.000Z' }, 1]]);
  const extra = [{ date: '2017-10-22T01:00:00' }];
  const zoned = { date: { date_histogram: { field: 'date', calendar_interval: '1d', time_zone: '-02:00', format: 'iso8601' } } };
  assert.deepEqual(keys(composite({ sources: [zoned] }, extra)), [[{ date: '2017-10-20T00:00:00.000-02:00' }, 1], [{ date: '2017-10-21T00:00:00.000-02:00' }, 2]]);
  assert.deepEqual(keys(composite({ sources: [zoned], after: { date: '2017-10-20' } }, extra)), [[{ date: '2017-10-21T00:00:00.000-02:00' }, 2]]);
  const epoch = { date: { date_histogram: { field: 'date', calendar_interval: '1d', time_zone: '-02:00', format: 'epoch_second' } } };
  assert.deepEqual(keys(composite({ sources: [epoch] }, extra)), [[{ date: '1508464800' }, 1], [{ date: '1508551200' }, 2]]);
  assert.deepEqual(keys(composite({ sources: [epoch], after: { date: '1508464800' } }, extra)), [[{ date: '1508551200' }, 2]]);
  // Without a format the key is epoch milliseconds; a fixed interval rounds arithmetically.
  assert.deepEqual(keys(composite({ sources: [{ d: { date_histogram: { field: 'date', fixed_interval: '12h' } } }] })), [[{ d: Date.UTC(2017, 9, 20) }, 1], [{ d: Date.UTC(2017, 9, 21) }, 1]]);
});

test('sub-aggregations per composite bucket, and booleans print as true/false', () => {
  const withMax = composite({ sources: [{ kw: { terms: { field: 'keyword' } } }] }, [], { top: { max: { field: 'long' } } });
  assert.deepEqual(withMax.buckets.map((bucket: any) => [bucket.key.kw, bucket.top.value]), [['bar', 1000], ['foo', 20]]);
  const flags = composite({ sources: [{ f: { terms: { field: 'flag' } } }] }, [{ flag: true }, { flag: false }, { flag: true }]);
  assert.deepEqual(keys(flags), [[{ f: false }, 1], [{ f: true }, 2]]);
});

test('bad composite requests are 400s with Elasticsearch\'s messages', () => {
  const refused = (aggs: Record<string, unknown>, type: string, reason: RegExp) =>
    assert.throws(() => searchAggs(docs, mappings, { aggs }), (error: unknown) => error instanceof EsError && error.status === 400 && error.type === type && reason.test(error.message));
  refused({ t: { terms: { field: 'long' }, aggs: { c: { composite: { sources: [{ kw: { terms: { field: 'keyword' } } }] } } } } }, 'illegal_argument_exception', /\[composite\] aggregation cannot be used with a parent aggregation of type: \[TermsAggregatorFactory\]/);
  refused({ c: { composite: { sources: [] } } }, 'illegal_argument_exception', /Composite \[sources\] cannot be null or empty/);
  refused({ c: { composite: { size: 1 } } }, 'illegal_argument_exception', /Required \[sources\]/);
  refused({ c: { composite: { sources: [{ keyword: { terms: { field: 'keyword' } } }, { keyword: { terms: { field: 'keyword' } } }] } } }, 'illegal_argument_exception', /Composite source names must be unique, found duplicates: \[keyword\]/);
  refused({ c: { composite: { size: 1_000_000_000, sources: [{ keyword: { terms: { field: 'keyword' } } }] } } }, 'too_many_buckets_exception', /Trying to create too many buckets/);
  refused({ c: { composite: { sources: [{ d: { date_histogram: { field: 'date', calendar_interval: '1d', format: 'yyyy-MM' } } }] } } }, 'illegal_argument_exception', /created output it couldn't parse/);
  refused({ c: { composite: { sources: [{ g: { geotile_grid: { field: 'location', precision: 12 } } }] } } }, 'illegal_argument_exception', /geotile_grid/);
});

test('sub-aggregations of composite buckets get the final reduce too: empty histogram buckets, terms size', () => {
  const extra: Doc[] = [{ keyword: 'baz', long: 1 }, { keyword: 'baz', long: 21 }];
  const result = composite({ sources: [{ kw: { terms: { field: 'keyword' } } }], after: { kw: 'bar' } }, extra, { h: { histogram: { field: 'long', interval: 10 } }, t: { terms: { field: 'long', size: 1 } } });
  const baz = result.buckets[0];
  assert.deepEqual(baz.key, { kw: 'baz' });
  assert.deepEqual(baz.h.buckets.map((bucket: any) => [bucket.key, bucket.doc_count]), [[0, 1], [10, 0], [20, 1]]);
  assert.equal(baz.t.buckets.length, 1);
});
