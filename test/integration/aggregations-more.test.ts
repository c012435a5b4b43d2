// Aggregations added for issue #15 on one real node with the official client: `meta`, pipeline
// aggregations (search-aggregations-pipeline.html; rest-api-spec 500_*_bucket.yml,
// 500_serial_diff.yml, 300_pipeline.yml), percentiles and percentile_ranks on a t-digest
// (percentiles_tdigest_metric.yml, percentile_ranks_tdigest_metric.yml) and composite with paging
// (composite.yml), multi_terms, rare_terms, significant_terms, auto_date_histogram,
// variable_width_histogram, bucket_script and bucket_selector (rare_terms.yml, sig_terms.yml,
// auto_date_histogram.yml, variable_width_histogram.yml, bucket_script.yml, bucket_selector.yml).
// Expected values are computed by hand from the documents below.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { rootCauseFailure as failure } from '../harness/wait.js';

let node: StartedNode;


// Hourly readings: v is 1, 2, (no document at 02:00), 1, 4.
const readings = [
  { '@timestamp': '2022-01-01T00:00:00Z', v: 1, host: 'a' },
  { '@timestamp': '2022-01-01T01:00:00Z', v: 2, host: 'b' },
  { '@timestamp': '2022-01-01T03:00:00Z', v: 1, host: 'a' },
  { '@timestamp': '2022-01-01T04:00:00Z', v: 4, host: 'c' },
];

before(async () => {
  node = await startNode({ clusterName: 'aggs-more', nodeName: 'a1' });
  const client = node.client();
  await client.indices.create({ index: 'readings', mappings: { properties: { '@timestamp': { type: 'date' }, v: { type: 'integer' }, host: { type: 'keyword' } } } });
  await client.bulk({ refresh: true, operations: readings.flatMap((doc, index) => [{ index: { _index: 'readings', _id: String(index + 1) } }, doc]) });
  await client.indices.create({ index: 'numbers', mappings: { properties: { n: { type: 'integer' } } } });
  await client.bulk({ refresh: true, operations: [1, 51, 101, 151].flatMap((n, index) => [{ index: { _index: 'numbers', _id: String(index + 1) } }, { n }]) });
});

after(async () => {
  await node?.destroy();
});

test('meta and pipelines over an hourly date_histogram with a gap: derivative, cumulative_sum, serial_diff, max_bucket, stats_bucket', async () => {
  const client = node.client();
  const response = await client.search({
    index: 'readings',
    size: 0,
    aggs: {
      hours: {
        meta: { panel: 7 },
        date_histogram: { field: '@timestamp', fixed_interval: '1h' },
        aggs: {
          v: { avg: { field: 'v' } },
          change: { derivative: { buckets_path: 'v', gap_policy: 'insert_zeros' } },
          running: { cumulative_sum: { buckets_path: 'v' } },
          diff: { serial_diff: { buckets_path: 'v' } },
        },
      },
      peak: { max_bucket: { buckets_path: 'hours>v' } },
      summary: { stats_bucket: { buckets_path: 'hours>v', gap_policy: 'insert_zeros', format: '0.0' } },
    },
  });
  const aggs = response.aggregations as Record<string, any>;
  assert.deepEqual(aggs['hours'].meta, { panel: 7 });
  const buckets = aggs['hours'].buckets;
  assert.deepEqual(buckets.map((bucket: any) => bucket.doc_count), [1, 1, 0, 1, 1]);
  // insert_zeros: the empty 02:00 bucket counts as 0, so the changes are +1, -2, +1, +3.
  assert.deepEqual(buckets.map((bucket: any) => bucket.change?.value), [undefined, 1, -2, 1, 3]);
  assert.deepEqual(buckets.map((bucket: any) => bucket.running.value), [1, 3, 3, 4, 8]);
  // serial_diff skips the gap, and the bucket after it has no previous value either.
  assert.deepEqual(buckets.map((bucket: any) => bucket.diff?.value), [undefined, 1, undefined, undefined, 3]);
  assert.deepEqual(aggs['peak'], { value: 4, keys: ['2022-01-01T04:00:00.000Z'] });
  assert.deepEqual(aggs['summary'], { count: 5, min: 0, max: 4, avg: 1.6, sum: 8, min_as_string: '0.0', max_as_string: '4.0', avg_as_string: '1.6', sum_as_string: '8.0' });
});

test('bucket_sort on terms, and typed_keys names pipeline results by their result type', async () => {
  const client = node.client();
  const response = await client.search({
    index: 'readings',
    size: 0,
    typed_keys: true,
    aggs: {
      hosts: { terms: { field: 'host' }, aggs: { total: { sum: { field: 'v' } }, top: { bucket_sort: { sort: [{ total: { order: 'desc' } }], size: 2 } } } },
      average: { avg_bucket: { buckets_path: 'hosts>total' } },
    },
  });
  const aggs = response.aggregations as Record<string, any>;
  // Sums: a 2, b 2, c 4; sorted desc with ties in the terms order (a before b), cut to 2.
  assert.deepEqual(aggs['sterms#hosts'].buckets.map((bucket: any) => [bucket.key, bucket['sum#total'].value]), [['c', 4], ['a', 2]]);
  assert.deepEqual(aggs['simple_value#average'], { value: 3 });
});

test('percentiles and percentile_ranks of 1, 51, 101, 151 are exact', async () => {
  const client = node.client();
  const response = await client.search({
    index: 'numbers',
    size: 0,
    aggs: {
      p: { percentiles: { field: 'n', percents: [5, 25, 50, 75, 99] } },
      r: { percentile_ranks: { field: 'n', values: [50, 100, 150, 200], keyed: false } },
    },
  });
  const aggs = response.aggregations as Record<string, any>;
  assert.deepEqual(aggs['p'], { values: { '5.0': 1, '25.0': 51, '50.0': 101, '75.0': 151, '99.0': 151 } });
  assert.deepEqual(aggs['r'], { values: [{ key: 50, value: 25 }, { key: 100, value: 50 }, { key: 150, value: 75 }, { key: 200, value: 100 }] });
});

test('composite pages through every (host, hour) key with after_key', async () => {
  const client = node.client();
  const sources = [{ host: { terms: { field: 'host' } } }, { hour: { date_histogram: { field: '@timestamp', calendar_interval: '1h', format: 'yyyy-MM-dd HH:mm' } } }];
  const seen: unknown[] = [];
  let afterKey: Record<string, unknown> | undefined;
  for (let page = 0; page < 5; page++) {
    const aggs: Record<string, any> = { pages: { composite: { size: 3, sources, ...(afterKey === undefined ? {} : { after: afterKey }) } } };
    const response = await client.search({ index: 'readings', size: 0, aggs });
    const result = (response.aggregations as Record<string, any>)['pages'];
    if (result.buckets.length === 0) break;
    seen.push(...result.buckets.map((bucket: any) => [bucket.key.host, bucket.key.hour, bucket.doc_count]));
    afterKey = result.after_key;
  }
  assert.deepEqual(seen, [['a', '2022-01-01 00:00', 1], ['a', '2022-01-01 03:00', 1], ['b', '2022-01-01 01:00', 1], ['c', '2022-01-01 04:00', 1]]);
});

test('multi_terms, rare_terms and significant_terms with typed_keys', async () => {
  const client = node.client();
  const response = await client.search({
    index: 'readings',
    size: 0,
    typed_keys: true,
    aggs: {
      pairs: { multi_terms: { terms: [{ field: 'host' }, { field: 'v' }] } },
      rare: { rare_terms: { field: 'host' } },
      // Foreground: readings with v = 1 (hosts a, a). "a" is in both of them and in 2 of the 4
      // readings: JLH (1 - 1/2) × (1 / (1/2)) = 1.
      ones: { filter: { term: { v: 1 } }, aggs: { sig: { significant_terms: { field: 'host', min_doc_count: 1 } } } },
    },
  });
  const aggs = response.aggregations as Record<string, any>;
  assert.deepEqual(aggs['multi_terms#pairs'].buckets.map((bucket: any) => [bucket.key, bucket.key_as_string, bucket.doc_count]), [
    [['a', 1], 'a|1', 2],
    [['b', 2], 'b|2', 1],
    [['c', 4], 'c|4', 1],
  ]);
  assert.deepEqual(aggs['srareterms#rare'].buckets, [{ key: 'b', doc_count: 1 }, { key: 'c', doc_count: 1 }]);
  assert.deepEqual(aggs['filter#ones']['sigsterms#sig'], { doc_count: 2, bg_count: 4, buckets: [{ key: 'a', doc_count: 2, score: 1, bg_count: 2 }] });
});

test('auto_date_histogram, variable_width_histogram, bucket_script and bucket_selector', async () => {
  const client = node.client();
  const response = await client.search({
    index: 'readings',
    size: 0,
    aggs: {
      // Five hourly buckets (00:00 to 04:00) do not fit 2: 3-hour runs from 00:00.
      auto: { auto_date_histogram: { field: '@timestamp', buckets: 2 }, aggs: { v: { sum: { field: 'v' } }, double: { bucket_script: { buckets_path: { v: 'v' }, script: 'params.v * 2' } } } },
      // v = 1, 2, 1, 4: the closest clusters (1, 1) then (1, 2) merge first.
      widths: { variable_width_histogram: { field: 'v', buckets: 2 } },
      busy: { terms: { field: 'host' }, aggs: { total: { sum: { field: 'v' } }, keep: { bucket_selector: { buckets_path: { t: 'total' }, script: 'params.t > 2' } } } },
    },
  });
  const aggs = response.aggregations as Record<string, any>;
  assert.equal(aggs['auto'].interval, '3h');
  assert.deepEqual(aggs['auto'].buckets.map((bucket: any) => [bucket.key_as_string, bucket.doc_count, bucket.v.value, bucket.double.value]), [
    ['2022-01-01T00:00:00.000Z', 2, 3, 6],
    ['2022-01-01T03:00:00.000Z', 2, 5, 10],
  ]);
  assert.deepEqual(aggs['widths'].buckets, [{ min: 1, key: 4 / 3, max: 2, doc_count: 3 }, { min: 4, key: 4, max: 4, doc_count: 1 }]);
  // Sums: a 2, b 2, c 4; only c passes t > 2.
  assert.deepEqual(aggs['busy'].buckets.map((bucket: any) => [bucket.key, bucket.total.value]), [['c', 4]]);
});

test('bad aggregation requests are 400s with Elasticsearch\'s error types', async () => {
  const client = node.client();
  const throughTerms = await failure(client.search({ index: 'readings', size: 0, aggs: { t: { terms: { field: 'host' }, aggs: { t2: { terms: { field: 'host' } } } }, bad: { max_bucket: { buckets_path: 't>t2' } } } }));
  assert.equal(throughTerms.status, 400);
  assert.equal(throughTerms.type, 'aggregation_execution_exception');
  assert.match(throughTerms.reason, /\[StringTerms\] at aggregation \[t2\]/);
  const topLevelSort = await failure(client.search({ index: 'readings', size: 0, aggs: { s: { bucket_sort: { size: 1 } } } }));
  assert.deepEqual([topLevelSort.status, topLevelSort.type], [400, 'action_request_validation_exception']);
  const nestedComposite = await failure(client.search({ index: 'readings', size: 0, aggs: { t: { terms: { field: 'host' }, aggs: { c: { composite: { sources: [{ h: { terms: { field: 'host' } } }] } } } } } }));
  assert.equal(nestedComposite.status, 400);
  assert.match(nestedComposite.reason, /\[composite\] aggregation cannot be used with a parent aggregation/);
  const compression = await failure(client.search({ index: 'numbers', size: 0, aggs: { p: { percentiles: { field: 'n', tdigest: { compression: -1 } } } } }));
  assert.equal(compression.status, 400);
  assert.match(compression.reason, /\[compression\] must be greater than or equal to 0/);
  const badScript = await failure(client.search({ index: 'readings', size: 0, aggs: { h: { terms: { field: 'host' }, aggs: { s: { bucket_selector: { buckets_path: { c: '_count' }, script: 'params.c >' } } } } } }));
  assert.deepEqual([badScript.status, badScript.type], [400, 'script_exception']);
});
