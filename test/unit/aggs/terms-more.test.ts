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

// significant_terms: https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-bucket-significantterms-aggregation.html
// and modules/aggregations/.../sig_terms.yml (a keyword field stands in for its fielddata text field).
const goodbad: Doc[] = [
  { word: 'good', class: 'good' },
  { word: 'good', class: 'good' },
  { word: 'bad', class: 'bad' },
  { word: 'bad', class: 'bad' },
  { word: ['good', 'bad'], class: 'good' },
  { word: ['good', 'bad'], class: 'bad' },
  { word: 'bad', class: 'bad' },
];
const sigMappings: FieldMappings = { word: { type: 'keyword' }, class: { type: 'keyword' }, n: { type: 'long' } };

test('significant_terms under terms: JLH against the index as background, min_doc_count 3 by default (sig_terms.yml "Default index")', () => {
  for (const shards of [1, 2]) {
    const result = searchAggs(goodbad, sigMappings, { aggs: { class: { terms: { field: 'class' }, aggs: { sig: { significant_terms: { field: 'word' } } } } } }, shards)['class'];
    // class bad: 4 docs, "bad" in all 4 and in 5 of the 7 documents: (1 - 5/7) × (1 / (5/7)) = 0.4.
    // class good: 3 docs, "good" in all 3 and in 4 of 7: (1 - 4/7) × (7/4) = 0.75. "good" in class bad (1 doc) is under min_doc_count.
    assert.equal(result.buckets[0].key, 'bad');
    const bad = result.buckets[0].sig;
    assert.deepEqual([bad.doc_count, bad.bg_count, bad.buckets.length, bad.buckets[0].key, bad.buckets[0].doc_count, bad.buckets[0].bg_count], [4, 7, 1, 'bad', 4, 5]);
    assert.ok(Math.abs(bad.buckets[0].score - 0.4) < 1e-12);
    const good = result.buckets[1].sig;
    assert.deepEqual([good.doc_count, good.bg_count, good.buckets[0].key, good.buckets[0].doc_count, good.buckets[0].bg_count], [3, 7, 'good', 3, 4]);
    assert.ok(Math.abs(good.buckets[0].score - 0.75) < 1e-12);
  }
});

test('significant_terms: background_filter sets bg_count; percentage heuristic; numbers; misspelled fields and unsupported heuristics are 400s', () => {
  const filtered = searchAggs(goodbad.slice(0, 4).concat([{ class: 'bad' }, { class: 'bad' }]), sigMappings, { aggs: { sig: { significant_terms: { field: 'word', background_filter: { bool: { filter: [{ term: { class: 'good' } }] } } } } } })['sig'];
  assert.deepEqual([filtered.doc_count, filtered.bg_count], [6, 2]);
  const percentage = searchAggs(goodbad, sigMappings, { query: { term: { class: 'good' } }, aggs: { sig: { significant_terms: { field: 'word', min_doc_count: 1, percentage: {} } } } }, 1)['sig'];
  // "good": 3 of its 4 documents are in the foreground; "bad": 1 of 5. (One shard: with several, a
  // term's background counts come from the shards that returned it, as in Elasticsearch.)
  assert.deepEqual(percentage.buckets.map((bucket: any) => [bucket.key, bucket.score]), [['good', 0.75], ['bad', 0.2]]);
  const numbers = searchAggs([{ n: 1 }, { n: 1 }, { n: 2 }, { n: 3 }], sigMappings, { query: { term: { n: 1 } }, aggs: { sig: { significant_terms: { field: 'n', min_doc_count: 1 } } } })['sig'];
  // 1 is in both foreground documents and 2 of 4 overall: (1 - 1/2) × 2 = 1.
  assert.deepEqual(numbers.buckets, [{ key: 1, doc_count: 2, score: 1, bg_count: 2 }]);
  const refused = (body: Record<string, unknown>, reason: RegExp) =>
    assert.throws(() => searchAggs(goodbad, sigMappings, { aggs: { foo: { significant_terms: body } } }), (error: unknown) => error instanceof EsError && error.status === 400 && reason.test(error.message));
  refused({ field: 'word', jlp: {} }, /\[significant_terms\] unknown field \[jlp\] did you mean \[jlh\]\?/);
  refused({ field: 'word', gnd: {} }, /gnd/);
  refused({ field: 'n', exclude: '1.*' }, /cannot support regular expression style include\/exclude settings/);
});
