// Aggregation scripts: a `script` alone (values from `doc` and `params`) or beside a `field` (a
// value script over `_value`), in metric, terms, histogram and range aggregations, across shards.
// References: search-aggregations.html#use-scripts-in-an-aggregation; Elasticsearch's
// aggregation integration tests (MaxIT/SumIT/ExtendedStatsIT/RangeIT/DoubleTermsIT
// "...WithValueScript": `_value + 1` over 1..10; "Scripts force the results to doubles").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import type { FieldMappings } from '../../../src/index/engine/index.js';
import { parseSearchRequest } from '../../../src/index/query/index.js';
import { searchAggs } from './agg-harness.js';

const mappings: FieldMappings = { value: { type: 'long' }, price: { type: 'double' }, tag: { type: 'keyword' } };
const docs = Array.from({ length: 10 }, (_, index) => ({ value: index + 1, price: (index + 1) / 2, tag: index % 2 === 0 ? 'Even' : 'Odd' }));

for (const shards of [1, 3]) {
  test(`metric value scripts: _value + 1 over 1..10 (shards=${shards})`, () => {
    const aggs = searchAggs(docs, mappings, {
      aggs: {
        max: { max: { field: 'value', script: '_value + 1' } },
        min: { min: { field: 'value', script: { source: '_value * params.k', params: { k: 3 } } } },
        sum: { sum: { field: 'value', script: '_value + 1' } },
        avg: { avg: { field: 'value', script: '_value + 1' } },
        stats: { stats: { field: 'value', script: '_value + 1' } },
        extended: { extended_stats: { field: 'value', script: '_value + 1' } },
        count: { value_count: { field: 'value', script: '_value + 1' } },
        distinct: { cardinality: { field: 'value', script: '_value % 3' } },
        percentiles: { percentiles: { field: 'value', script: '_value * 10', percents: [50] } },
        plain: { percentiles: { field: 'value', percents: [50] } },
      },
    }, shards);
    assert.equal(aggs['max'].value, 11);
    assert.equal(aggs['min'].value, 3);
    assert.equal(aggs['sum'].value, 65);
    assert.equal(aggs['avg'].value, 6.5);
    assert.deepEqual([aggs['stats'].count, aggs['stats'].min, aggs['stats'].max, aggs['stats'].sum], [10, 2, 11, 65]);
    assert.equal(aggs['extended'].sum_of_squares, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11].reduce((sum, value) => sum + value * value, 0));
    assert.equal(aggs['count'].value, 10);
    assert.equal(aggs['distinct'].value, 3);
    assert.equal(aggs['percentiles'].values['50.0'], aggs['plain'].values['50.0'] * 10);
  });

  test(`scripts alone read doc[...] and params (shards=${shards})`, () => {
    const aggs = searchAggs(docs, mappings, {
      aggs: {
        total: { sum: { script: { source: "doc['value'].value * doc['price'].value", params: {} } } },
        tags: { terms: { script: "doc['tag'].value.toLowerCase()" } },
        numbers: { terms: { script: "doc['value'].value % 2", size: 5 } },
        typed: { terms: { script: "doc['value'].value % 2", value_type: 'long' } },
      },
    }, shards);
    assert.equal(aggs['total'].value, docs.reduce((sum, doc) => sum + doc.value * doc.price, 0));
    assert.deepEqual(aggs['tags'].buckets, [{ key: 'even', doc_count: 5 }, { key: 'odd', doc_count: 5 }]);
    // A script alone gives strings to terms (Elasticsearch's KEYWORD default): the long 1 is "1".
    assert.deepEqual(aggs['numbers'].buckets.map((bucket: { key: unknown }) => bucket.key), ['0', '1']);
    assert.deepEqual(aggs['typed'].buckets.map((bucket: { key: unknown }) => bucket.key), [0, 1]);
  });

  test(`terms, histogram and range with value scripts, sub-aggregations included (shards=${shards})`, () => {
    const aggs = searchAggs(docs, mappings, {
      aggs: {
        tags: { terms: { field: 'tag', script: "_value + '!'" }, aggs: { top: { max: { field: 'value' } } } },
        shifted: { terms: { field: 'value', script: '_value + 1', size: 2, order: { _key: 'asc' } } },
        histogram: { histogram: { field: 'value', script: '_value * 2', interval: 10 } },
        range: { range: { field: 'value', script: '_value + 1', ranges: [{ to: 3 }, { from: 3, to: 6 }, { from: 6 }] } },
      },
    }, shards);
    assert.deepEqual(aggs['tags'].buckets, [{ key: 'Even!', doc_count: 5, top: { value: 9 } }, { key: 'Odd!', doc_count: 5, top: { value: 10 } }]);
    assert.deepEqual(aggs['shifted'].buckets.map((bucket: { key: unknown }) => bucket.key), [2, 3]);
    assert.deepEqual(aggs['histogram'].buckets.map((bucket: { key: number; doc_count: number }) => [bucket.key, bucket.doc_count]), [[0, 4], [10, 5], [20, 1]]);
    assert.deepEqual(aggs['range'].buckets.map((bucket: { doc_count: number }) => bucket.doc_count), [1, 3, 6]);
  });
}

test('a script error is raised for a collected document only; a document the query skips cannot fail the search', () => {
  const sparse = [{ value: 1 }, { value: 2 }, { tag: 'x' }];
  const body = (query: unknown) => ({ query, aggs: { s: { sum: { script: "doc['value'].value" } } } });
  assert.equal(searchAggs(sparse, mappings, body({ exists: { field: 'value' } }))['s'].value, 3);
  assert.throws(
    () => searchAggs(sparse, mappings, body({ match_all: {} })),
    (error: unknown) => error instanceof EsError && error.status === 400 && error.type === 'script_exception',
  );
});

test('bad scripts are 400s when the request is parsed; kinds without script support still refuse one', () => {
  const parse = (aggs: unknown): unknown => parseSearchRequest({ aggs });
  assert.throws(() => parse({ a: { avg: { field: 'value', script: '_value +' } } }), (error: unknown) => error instanceof EsError && error.type === 'script_exception');
  assert.throws(() => parse({ a: { avg: { script: '_score * 2' } } }), (error: unknown) => error instanceof EsError && error.status === 400 && /_score/.test(error.message));
  assert.throws(() => parse({ a: { terms: { script: 'x', value_type: 'nope' } } }), (error: unknown) => error instanceof EsError && error.message === 'Unknown value type [nope]');
  assert.throws(() => parse({ a: { avg: { script: { source: '1', lang: 'expression' } } } }), (error: unknown) => error instanceof EsError && error.message === 'script_lang not supported [expression]');
  assert.throws(
    () => parse({ a: { geo_centroid: { field: 'd', script: '_value' } } }),
    (error: unknown) => error instanceof EsError && error.message === 'scripts are not supported in [geo_centroid] aggregation [a]',
  );
  assert.throws(
    () => searchAggs(docs, mappings, { aggs: { a: { sum: { script: "doc['tag'].value" } } } }),
    (error: unknown) => error instanceof EsError && error.status === 400 && /Unsupported script value \[Even\]/.test(error.message),
  );
});

test('date_histogram and date_range: a script alone gives dates, a value script on a date field maps epoch milliseconds', () => {
  const dates: FieldMappings = { d: { type: 'date' } };
  const days = [{ d: '2024-01-01T10:00:00Z' }, { d: '2024-01-01T23:00:00Z' }, { d: '2024-01-02T05:00:00Z' }];
  const aggs = searchAggs(days, dates, {
    aggs: {
      alone: { date_histogram: { script: "doc['d'].value", calendar_interval: 'day' } },
      shifted: { date_histogram: { field: 'd', script: { source: '_value + params.hours * 3600000L', params: { hours: 2 } }, calendar_interval: 'day' } },
      ranges: { date_range: { field: 'd', script: '_value + 86400000L', ranges: [{ to: '2024-01-03' }, { from: '2024-01-03' }] } },
      latest: { max: { field: 'd', script: '_value + 1000' } },
    },
  });
  const counts = (name: string): [string, number][] => aggs[name].buckets.map((bucket: { key_as_string: string; doc_count: number }) => [bucket.key_as_string, bucket.doc_count]);
  assert.deepEqual(counts('alone'), [['2024-01-01T00:00:00.000Z', 2], ['2024-01-02T00:00:00.000Z', 1]]);
  assert.deepEqual(counts('shifted'), [['2024-01-01T00:00:00.000Z', 1], ['2024-01-02T00:00:00.000Z', 2]]);
  assert.deepEqual(aggs['ranges'].buckets.map((bucket: { doc_count: number }) => bucket.doc_count), [2, 1]);
  assert.equal(aggs['latest'].value_as_string, '2024-01-02T05:00:01.000Z');
});
