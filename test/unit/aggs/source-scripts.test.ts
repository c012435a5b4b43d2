// Scripts in the aggregations that refused them before: rare_terms, significant_terms,
// auto_date_histogram, variable_width_histogram, multi_terms terms and composite sources, with
// `value_type` and `missing` as Elasticsearch treats them (a script alone gives KEYWORD values to
// the terms family, DATE to auto_date_histogram and date_histogram sources, NUMERIC to the
// histograms; `missing` fills documents whose script gives no value).
// References: search-aggregations.html#use-scripts-in-an-aggregation, search-aggregations-bucket-
// multi-terms-aggregation.html ("script"), search-aggregations-bucket-composite-aggregation.html
// ("Script"), ValuesSourceAggregationBuilder#declareFields (script is declared for each of these).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EsError } from '../../../src/common/index.js';
import type { FieldMappings } from '../../../src/index/engine/index.js';
import { parseSearchRequest } from '../../../src/index/query/index.js';
import { searchAggs } from './agg-harness.js';

const mappings: FieldMappings = { value: { type: 'long' }, tag: { type: 'keyword' }, day: { type: 'date' } };
const docs = Array.from({ length: 12 }, (_, index) => ({
  value: index + 1,
  tag: ['Red', 'Blue', 'Red', 'Green'][index % 4]!,
  day: `2024-01-${String(1 + Math.floor(index / 4)).padStart(2, '0')}T12:00:00Z`,
}));

for (const shards of [1, 3]) {
  test(`rare_terms and significant_terms with a script alone: KEYWORD values, background counted from the script too (shards=${shards})`, () => {
    const aggs = searchAggs(docs, mappings, {
      query: { range: { value: { lte: 4 } } },
      aggs: {
        rare: { rare_terms: { script: "doc['tag'].value.toLowerCase()", max_doc_count: 1 } },
        significant: { significant_terms: { script: "doc['value'].value <= 2 ? 'low' : 'high'", min_doc_count: 1 } },
      },
    }, shards);
    assert.deepEqual(aggs['rare'].buckets, [{ key: 'blue', doc_count: 1 }, { key: 'green', doc_count: 1 }]);
    const low = aggs['significant'].buckets.find((bucket: { key: string }) => bucket.key === 'low');
    assert.deepEqual([low.doc_count, low.bg_count], [2, 2]);
    assert.equal(aggs['significant'].bg_count, 12);
    // Without the scripted background, 'low' would have bg_count 0.
    assert.ok(aggs['significant'].buckets[0].key === 'low' && aggs['significant'].buckets[0].score > 0);
  });

  test(`auto_date_histogram and variable_width_histogram with scripts (shards=${shards})`, () => {
    const aggs = searchAggs(docs, mappings, {
      aggs: {
        days: { auto_date_histogram: { script: "doc['day'].value.toInstant().toEpochMilli() + 86400000L", buckets: 3 } },
        shifted: { auto_date_histogram: { field: 'day', script: '_value - 43200000L', buckets: 3 } },
        widths: { variable_width_histogram: { script: "doc['value'].value * 10", buckets: 2 } },
      },
    }, shards);
    assert.deepEqual(aggs['days'].buckets.map((bucket: { key_as_string: string; doc_count: number }) => [bucket.key_as_string, bucket.doc_count]), [
      ['2024-01-02T00:00:00.000Z', 4], ['2024-01-03T00:00:00.000Z', 4], ['2024-01-04T00:00:00.000Z', 4],
    ]);
    assert.equal(aggs['days'].interval, '1d');
    assert.deepEqual(aggs['shifted'].buckets.map((bucket: { key_as_string: string }) => bucket.key_as_string), ['2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z', '2024-01-03T00:00:00.000Z']);
    const widths = aggs['widths'].buckets as { min: number; max: number; doc_count: number }[];
    assert.equal(widths.reduce((sum, bucket) => sum + bucket.doc_count, 0), 12);
    assert.equal(widths[0]!.min, 10);
    assert.equal(widths[widths.length - 1]!.max, 120);
  });

  test(`multi_terms with a scripted term beside a field term (shards=${shards})`, () => {
    const aggs = searchAggs(docs, mappings, {
      aggs: { pairs: { multi_terms: { terms: [{ field: 'tag' }, { script: "doc['value'].value % 2 == 0 ? 'even' : 'odd'" }] } } },
    }, shards);
    assert.deepEqual(aggs['pairs'].buckets.map((bucket: { key: unknown[]; doc_count: number }) => [bucket.key, bucket.doc_count]), [
      [['Red', 'odd'], 6], [['Blue', 'even'], 3], [['Green', 'even'], 3],
    ]);
  });

  test(`composite sources with scripts: terms (KEYWORD), histogram (NUMERIC), value_type, paging with after (shards=${shards})`, () => {
    const body = (after?: Record<string, unknown>) => ({
      aggs: {
        groups: {
          composite: {
            size: 2,
            sources: [
              { color: { terms: { script: "doc['tag'].value.toLowerCase()" } } },
              { band: { histogram: { script: "doc['value'].value", interval: 6 } } },
              { parity: { terms: { script: "doc['value'].value % 2", value_type: 'long' } } },
            ],
            ...(after === undefined ? {} : { after }),
          },
        },
      },
    });
    const first = searchAggs(docs, mappings, body(), shards)['groups'];
    assert.deepEqual(first.buckets, [
      { key: { color: 'blue', band: 0, parity: 0 }, doc_count: 1 },
      { key: { color: 'blue', band: 6, parity: 0 }, doc_count: 2 },
    ]);
    const second = searchAggs(docs, mappings, body(first.after_key), shards)['groups'];
    assert.deepEqual(second.buckets[0], { key: { color: 'green', band: 0, parity: 0 }, doc_count: 1 });
  });
}

test('missing fills the documents a script gives no value; value_type long keys rare_terms numerically', () => {
  const sparse = [{ value: 1, tag: 'a' }, { value: 2 }, { value: 3 }];
  const aggs = searchAggs(sparse, mappings, {
    aggs: {
      tags: { terms: { script: "doc['tag'].size() == 0 ? null : doc['tag'].value", missing: 'none' } },
      pairs: { multi_terms: { terms: [{ script: "doc['tag'].size() == 0 ? null : doc['tag'].value", missing: 'none' }, { field: 'value' }] } },
      numbers: { rare_terms: { script: "doc['value'].value * 2", value_type: 'long' } },
    },
  });
  assert.deepEqual(aggs['tags'].buckets, [{ key: 'none', doc_count: 2 }, { key: 'a', doc_count: 1 }]);
  assert.deepEqual(aggs['pairs'].buckets.map((bucket: { key: unknown[] }) => bucket.key), [['a', 1], ['none', 2], ['none', 3]]);
  assert.deepEqual(aggs['numbers'].buckets.map((bucket: { key: unknown }) => bucket.key), [2, 4, 6]);
});

test('bad scripts in the new places are 400s when the request is parsed', () => {
  const parse = (aggs: unknown): unknown => parseSearchRequest({ aggs });
  const scriptError = (error: unknown) => error instanceof EsError && error.status === 400 && error.type === 'script_exception';
  assert.throws(() => parse({ a: { rare_terms: { script: 'doc[' } } }), scriptError);
  assert.throws(() => parse({ a: { multi_terms: { terms: [{ field: 'tag' }, { script: 'doc[' }] } } }), scriptError);
  assert.throws(() => parse({ a: { composite: { sources: [{ s: { terms: { script: 'doc[' } } }] } } }), scriptError);
  assert.throws(
    () => parse({ a: { composite: { sources: [{ s: { terms: { script: '1', value_type: 'nope' } } }] } } }),
    (error: unknown) => error instanceof EsError && error.message === 'Unknown value type [nope]',
  );
  assert.throws(() => parse({ a: { significant_terms: { script: '_score' } } }), (error: unknown) => error instanceof EsError && error.status === 400 && /_score/.test(error.message));
});
