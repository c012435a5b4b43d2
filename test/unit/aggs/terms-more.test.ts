// multi_terms and rare_terms, from Elasticsearch's REST tests (modules/aggregations/.../rare_terms.yml)
// and https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-bucket-multi-terms-aggregation.html,
// search-aggregations-bucket-rare-terms-aggregation.html. Cases run on two or three shards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/errors.js';
import type { FieldMappings } from '../../../src/index/engine/index.js';
import { type Doc, searchAggs } from './agg-harness.js';

const mappings: FieldMappings = { str: { type: 'keyword' }, genre: { type: 'keyword' }, year: { type: 'long' }, flag: { type: 'boolean' }, date: { type: 'date' }, number: { type: 'long' }, v: { type: 'long' } };

test('rare_terms: terms in at most max_doc_count documents, count then key ascending, sub-aggregations, avg_bucket (rare_terms.yml)', () => {
  const docs: Doc[] = [{ str: 'abc', number: 1 }, { str: 'abc', number: 2 }, { str: 'bcd', number: 3 }];
  const basic = searchAggs(docs, mappings, { aggs: { t: { rare_terms: { field: 'str', max_doc_count: 1 }, aggs: { max_n: { max: { field: 'number' } } } } } }, 2)['t'];
  assert.deepEqual(basic, { buckets: [{ key: 'bcd', doc_count: 1, max_n: { value: 3 } }] });
  const more: Doc[] = [1, 2, 3].map((v) => ({ str: 'foo', v })).concat([4, 5].map((v) => ({ str: 'bar', v })), [{ str: 'baz', v: 6 }]);
  const result = searchAggs(more, mappings, { aggs: { t: { rare_terms: { field: 'str', max_doc_count: 2 }, aggs: { v: { sum: { field: 'v' } } } }, avg: { avg_bucket: { buckets_path: 't.v' } } } }, 3);
  assert.deepEqual(result['t'].buckets.map((bucket: any) => [bucket.key, bucket.doc_count, bucket.v.value]), [['baz', 1, 6], ['bar', 2, 9]]);
  assert.deepEqual(result['avg'], { value: 7.5 });
});

test('rare_terms: a term rare on each shard but frequent overall is not rare', () => {
  // Round robin over two shards: "common" lands once on each shard (and three times in all).
  const docs: Doc[] = [{ str: 'common' }, { str: 'common' }, { str: 'once' }, { str: 'common' }];
  assert.deepEqual(searchAggs(docs, mappings, { aggs: { t: { rare_terms: { field: 'str', max_doc_count: 2 } } } }, 2)['t'].buckets, [{ key: 'once', doc_count: 1 }]);
});

test('rare_terms on booleans, longs and dates; include/exclude by value; a regexp on a non-string field is refused', () => {
  const flags = searchAggs([{ flag: true }, { flag: false }, { flag: true }], mappings, { aggs: { t: { rare_terms: { field: 'flag' } } } })['t'];
  assert.deepEqual(flags.buckets, [{ key: 0, key_as_string: 'false', doc_count: 1 }]);
  const longs = searchAggs([{ number: 1234 }, { number: 5678 }, { number: 1234 }], mappings, { aggs: { t: { rare_terms: { field: 'number' } } } })['t'];
  assert.deepEqual(longs.buckets, [{ key: 5678, doc_count: 1 }]);
  const dates: Doc[] = [{ date: '2016-05-03' }, { date: '2014-09-01' }, { date: '2016-05-03' }];
  assert.deepEqual(searchAggs(dates, mappings, { aggs: { t: { rare_terms: { field: 'date' } } } })['t'].buckets, [{ key: 1409529600000, key_as_string: '2014-09-01T00:00:00.000Z', doc_count: 1 }]);
  assert.deepEqual(searchAggs(dates, mappings, { aggs: { t: { rare_terms: { field: 'date', include: ['2014-09-01'] } } } })['t'].buckets.length, 1);
  assert.deepEqual(searchAggs(dates, mappings, { aggs: { t: { rare_terms: { field: 'date', exclude: ['2014-09-01'] } } } })['t'].buckets, []);
  assert.deepEqual(searchAggs([{}], mappings, { aggs: { t: { rare_terms: { field: 'unmapped' } } } })['t'], { buckets: [] });
  assert.throws(
    () => searchAggs(dates, mappings, { aggs: { ip_terms: { rare_terms: { field: 'number', exclude: '127.*' } } } }),
    (error: unknown) => error instanceof EsError && error.status === 400 && /cannot support regular expression style include\/exclude settings/.test(error.message),
  );
  assert.throws(() => searchAggs(dates, mappings, { aggs: { t: { rare_terms: { field: 'str', max_doc_count: 101 } } } }), (error: unknown) => error instanceof EsError && error.status === 400);
});

test('multi_terms: tuple keys and key_as_string, count order with key tie-break, size and sum_other_doc_count, missing, order by _key', () => {
  const docs: Doc[] = [
    { genre: 'rock', year: 2020 },
    { genre: 'rock', year: 2020 },
    { genre: 'rock', year: 2021 },
    { genre: 'jazz', year: 2020 },
    { genre: ['jazz', 'rock'], year: 2021 },
    { genre: 'pop' },
  ];
  const result = searchAggs(docs, mappings, { aggs: { m: { multi_terms: { terms: [{ field: 'genre' }, { field: 'year' }], size: 3 } } } }, 3)['m'];
  assert.equal(result.doc_count_error_upper_bound, 0);
  // Keys: rock|2020 2, rock|2021 2, jazz|2020 1, jazz|2021 1; the last is cut by size 3.
  assert.deepEqual(result.buckets, [
    { key: ['rock', 2020], key_as_string: 'rock|2020', doc_count: 2 },
    { key: ['rock', 2021], key_as_string: 'rock|2021', doc_count: 2 },
    { key: ['jazz', 2020], key_as_string: 'jazz|2020', doc_count: 1 },
  ]);
  assert.equal(result.sum_other_doc_count, 1);
  const withMissing = searchAggs(docs, mappings, { aggs: { m: { multi_terms: { terms: [{ field: 'genre' }, { field: 'year', missing: 1999 }], order: { _key: 'asc' } } } } })['m'];
  assert.deepEqual(withMissing.buckets.map((bucket: any) => bucket.key_as_string), ['jazz|2020', 'jazz|2021', 'pop|1999', 'rock|2020', 'rock|2021']);
  const withSub = searchAggs(docs, mappings, { aggs: { m: { multi_terms: { terms: [{ field: 'genre' }, { field: 'year' }], order: { n: 'desc' } }, aggs: { n: { value_count: { field: 'genre' } } } } } })['m'];
  // value_count counts values: rock|2021 holds a one-genre and a two-genre document, so 3.
  assert.deepEqual(withSub.buckets.map((bucket: any) => [bucket.key_as_string, bucket.n.value]).slice(0, 2), [['rock|2021', 3], ['jazz|2021', 2]]);
  assert.throws(() => searchAggs(docs, mappings, { aggs: { m: { multi_terms: { terms: [{ field: 'genre' }] } } } }), (error: unknown) => error instanceof EsError && error.status === 400 && /at least 2 fields/.test(error.message));
});
