// Every aggregation added for issue #15 reduced in two stages, as cross-cluster search with
// minimized round trips does (each cluster reduces its shards to partials, the coordinator reduces
// those and renders): the result equals the one-stage reduce over the same shards, and pipelines
// run once, after the last reduce (style P8; search-aggregations.html, "ccs_minimize_roundtrips").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FieldMappings } from '../../../src/index/engine/index.js';
import { type Doc, searchAggs, searchAggsTwoClusters } from './agg-harness.js';

const mappings: FieldMappings = { t: { type: 'keyword' }, g: { type: 'keyword' }, n: { type: 'long' }, date: { type: 'date' } };
const docs: Doc[] = Array.from({ length: 60 }, (_, index) => ({
  t: ['red', 'green', 'blue', 'black'][index % 4]!,
  g: index % 7 === 0 ? 'rare' : ['x', 'y'][index % 2]!,
  n: (index * 37) % 101,
  date: Date.UTC(2024, 0, 1 + (index % 20), index % 24),
}));

const body = {
  aggs: {
    p: { percentiles: { field: 'n', percents: [10, 50, 90] } },
    r: { percentile_ranks: { field: 'n', values: [20, 80] } },
    c: { composite: { size: 5, sources: [{ t: { terms: { field: 't' } } }, { h: { histogram: { field: 'n', interval: 25 } } }] } },
    m: { multi_terms: { terms: [{ field: 't' }, { field: 'g' }], size: 4 } },
    rare: { rare_terms: { field: 'g', max_doc_count: 9 } },
    byT: { terms: { field: 't' }, aggs: { sig: { significant_terms: { field: 'g', min_doc_count: 1 } } } },
    auto: { auto_date_histogram: { field: 'date', buckets: 4 }, aggs: { s: { sum: { field: 'n' } }, d: { derivative: { buckets_path: 's' } } } },
    w: { variable_width_histogram: { field: 'n', buckets: 3 } },
    days: { date_histogram: { field: 'date', calendar_interval: 'day' }, aggs: { s: { sum: { field: 'n' } }, c: { cumulative_sum: { buckets_path: 's' } }, top: { bucket_sort: { sort: [{ s: { order: 'desc' } }], size: 3 } } } },
    best: { max_bucket: { buckets_path: 'days>s' } },
    spread: { extended_stats_bucket: { buckets_path: 'days>s' } },
  },
};

test('two-stage reduce (two clusters of two shards) equals the one-stage reduce of the same four shards', () => {
  const oneStage = searchAggs(docs, mappings, body, 4);
  const twoStage = searchAggsTwoClusters(docs, mappings, body, 4);
  // Sums of floats may differ in their last bits with the merge order.
  const rounded = (value: unknown) => JSON.parse(JSON.stringify(value, (_, item) => (typeof item === 'number' ? Number(item.toPrecision(12)) : item)));
  assert.deepEqual(rounded(twoStage), rounded(oneStage));
  assert.equal(oneStage['days'].buckets.length, 3);
  assert.ok(oneStage['auto'].buckets.length <= 4);
});

test('min_doc_count applies after the last reduce: a term under it in each cluster but over it in all is kept', () => {
  // Four shards (round robin), two clusters of two: "a" has 2 documents in each cluster, 4 in all.
  const split: Doc[] = [{ t: 'a', g: 'x' }, { t: 'a', g: 'x' }, { t: 'a', g: 'x' }, { t: 'a', g: 'x' }, { t: 'b', g: 'y' }, { t: 'b', g: 'y' }];
  const request = {
    aggs: {
      terms: { terms: { field: 't', min_doc_count: 3 } },
      multi: { multi_terms: { terms: [{ field: 't' }, { field: 'g' }], min_doc_count: 3 } },
      sig: { filter: { term: { g: 'x' } }, aggs: { s: { significant_terms: { field: 't' } } } },
    },
  };
  const twoStage = searchAggsTwoClusters(split, mappings, request, 4);
  assert.deepEqual(twoStage['terms'].buckets, [{ key: 'a', doc_count: 4 }]);
  assert.deepEqual(twoStage['multi'].buckets.map((bucket: any) => [bucket.key_as_string, bucket.doc_count]), [['a|x', 4]]);
  assert.deepEqual(twoStage['sig'].s.buckets.map((bucket: any) => [bucket.key, bucket.doc_count, bucket.bg_count]), [['a', 4, 4]]);
  assert.deepEqual(twoStage, searchAggs(split, mappings, request, 4));
});
