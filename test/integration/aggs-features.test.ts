// Aggregation features on one real node with the official client: significant_terms through a
// filtered alias (sig_terms.yml "Test alias background filter": the background set is the alias's
// filtered documents) and moving_fn (moving_fn.yml).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;

before(async () => {
  node = await startNode({ clusterName: 'aggs-features', nodeName: 'a1' });
  const client = node.client();
  await client.indices.create({ index: 'sig', mappings: { properties: { field1: { type: 'keyword' }, field2: { type: 'keyword' } } } });
  await client.indices.putAlias({ index: 'sig', name: 'sig_alias', filter: { bool: { filter: [{ term: { field2: 'foo' } }] } } });
  const docs = [{ field1: '1', field2: 'foo' }, { field1: '2', field2: 'bar' }, { field1: '3', field2: 'foo' }];
  await client.bulk({ refresh: true, operations: docs.flatMap((doc, index) => [{ index: { _index: 'sig', _id: String(index + 1) } }, doc]) });
  // moving_fn.yml's no_gaps index (dynamic mappings, as the YAML test leaves them).
  const noGaps = [1, 2, 1, 4, 5, 9].map((v, hour) => ({ n: (hour + 1) * 10, '@timestamp': `2022-01-01T0${hour}:00:00`, v }));
  await client.bulk({ index: 'no_gaps', refresh: true, operations: noGaps.flatMap((doc) => [{ index: {} }, doc]) });
});

after(async () => {
  await node?.destroy();
});

test('significant_terms through a filtered alias: the background is the alias filter\'s documents (sig_terms.yml)', async () => {
  const client = node.client();
  const viaAlias = await client.search({ index: 'sig_alias', size: 0, aggs: { sig_terms: { significant_terms: { field: 'field1' } } } });
  assert.equal((viaAlias.aggregations!['sig_terms'] as { bg_count: number }).bg_count, 2);
  assert.equal((viaAlias.aggregations!['sig_terms'] as { doc_count: number }).doc_count, 2);
  // With a background_filter too, the background is both: field2:foo and field1 in [1, 2].
  const both = await client.search({ index: 'sig_alias', size: 0, aggs: { sig_terms: { significant_terms: { field: 'field1', background_filter: { terms: { field1: ['1', '2'] } } } } } });
  assert.equal((both.aggregations!['sig_terms'] as { bg_count: number }).bg_count, 1);
  // By the index's own name there is no alias filter: all three documents.
  const direct = await client.search({ index: 'sig', size: 0, aggs: { sig_terms: { significant_terms: { field: 'field1' } } } });
  assert.equal((direct.aggregations!['sig_terms'] as { bg_count: number }).bg_count, 3);
});

test('moving_fn over a date_histogram: MovingFunctions helpers, format, typed_keys (moving_fn.yml)', async () => {
  const client = node.client();
  const search = (movFn: Record<string, unknown>) =>
    client.search({ index: 'no_gaps', size: 0, typed_keys: true, aggs: { '@timestamp': { date_histogram: { field: '@timestamp', fixed_interval: '1h' }, aggs: { v: { avg: { field: 'v' } }, d: { moving_fn: movFn } } } } });
  const response = await search({ buckets_path: 'v', window: 2, script: 'MovingFunctions.min(values)', format: '0.00' });
  const buckets = (response.aggregations!['date_histogram#@timestamp'] as { buckets: Record<string, { value: number | null; value_as_string?: string }>[] }).buckets;
  assert.equal(buckets.length, 6);
  assert.deepEqual(buckets.map((bucket) => bucket['simple_value#d']!.value), [null, 1, 1, 1, 1, 4]);
  assert.equal(buckets[5]!['simple_value#d']!.value_as_string, '4.00');
  const holt = await search({ buckets_path: 'v', window: 3, script: { source: 'MovingFunctions.holt(values, params.alpha, params.beta)', params: { alpha: 0.3, beta: 0.1 } } });
  const values = (holt.aggregations!['date_histogram#@timestamp'] as { buckets: Record<string, { value: number | null }>[] }).buckets.map((bucket) => bucket['simple_value#d']!.value);
  assert.deepEqual(values.map((value) => (value === null ? null : Math.round(value * 1000) / 1000)), [null, 1, 1.3, 1.231, 2.369, 2.893]);
});
