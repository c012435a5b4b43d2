// percentiles and percentile_ranks on a t-digest, from what Elasticsearch's REST tests assert
// (modules/aggregations/.../percentiles_tdigest_metric.yml and percentile_ranks_tdigest_metric.yml,
// the 9.x versions) and
// https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-metrics-percentile-aggregation.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/errors.js';
import type { FieldMappings } from '../../../src/index/engine/index.js';
import { cdf, digestOfValues, mergeDigests, quantile } from '../../../src/index/aggs/tdigest.js';
import { type Doc, searchAggs } from './agg-harness.js';

const mappings: FieldMappings = { int_field: { type: 'integer' }, double_field: { type: 'double' }, string_field: { type: 'keyword' } };
const docs: Doc[] = [1, 51, 101, 151].map((value) => ({ int_field: value, double_field: value, string_field: 'foo' }));

test('percentiles of 1, 51, 101, 151 (default percents, keyed, on one and on three shards) are the exact values the REST test expects', () => {
  const expected = { '1.0': 1, '5.0': 1, '25.0': 51, '50.0': 101, '75.0': 151, '95.0': 151, '99.0': 151 };
  for (const shards of [1, 3]) {
    const result = searchAggs(docs, mappings, { aggs: { p: { percentiles: { field: 'int_field' } }, d: { percentiles: { field: 'double_field', tdigest: { compression: 200 } } } } }, shards);
    assert.deepEqual(result['p'], { values: expected });
    assert.deepEqual(result['d'], { values: expected });
  }
});

test('percentiles filtered to 51, 101, 151; non-keyed; missing; no values gives nulls', () => {
  const filtered = searchAggs(docs, mappings, { query: { range: { int_field: { gte: 50 } } }, aggs: { p: { percentiles: { field: 'int_field', percents: [1, 25, 50, 75, 99] } } } }, 2);
  assert.deepEqual(filtered['p'].values, { '1.0': 51, '25.0': 51, '50.0': 101, '75.0': 151, '99.0': 151 });
  const plain = searchAggs(docs, mappings, { aggs: { p: { percentiles: { field: 'int_field', percents: [5, 25, 50, 100], keyed: false } } } });
  assert.deepEqual(plain['p'].values, [{ key: 5, value: 1 }, { key: 25, value: 51 }, { key: 50, value: 101 }, { key: 100, value: 151 }]);
  const missing = searchAggs(docs, mappings, { aggs: { p: { percentiles: { field: 'missing_field', missing: 1, percents: [50, 99] } } } });
  assert.deepEqual(missing['p'].values, { '50.0': 1, '99.0': 1 });
  const none = searchAggs(docs, mappings, { aggs: { p: { meta: { foo: 'bar' }, percentiles: { field: 'missing_field', percents: [50] } } } });
  assert.deepEqual(none['p'], { meta: { foo: 'bar' }, values: { '50.0': null } });
});

test('percentile_ranks of 50, 100, 150, 200 (percentile_ranks_tdigest_metric.yml)', () => {
  const ranks = searchAggs(docs, mappings, { aggs: { r: { percentile_ranks: { field: 'int_field', values: [50, 100, 150, 200] } } } }, 2);
  assert.deepEqual(ranks['r'], { values: { '50.0': 25, '100.0': 50, '150.0': 75, '200.0': 100 } });
  const filtered = searchAggs(docs, mappings, { query: { range: { int_field: { gte: 50 } } }, aggs: { r: { percentile_ranks: { field: 'double_field', values: [50, 100, 150, 200], keyed: false } } } });
  assert.deepEqual(filtered['r'].values.map((entry: any) => [entry.key, Math.round(entry.value * 10) / 10]), [[50, 0], [100, 33.3], [150, 66.7], [200, 100]]);
  const missing = searchAggs(docs, mappings, { aggs: { r: { percentile_ranks: { field: 'missing', missing: 1, values: [50, 99] } } } });
  assert.deepEqual(missing['r'].values, { '50.0': 100, '99.0': 100 });
});

test('bad percentiles and percentile_ranks requests are 400s (the "Invalid params" REST tests)', () => {
  const refused = (body: Record<string, unknown>, reason: RegExp) =>
    assert.throws(() => searchAggs(docs, mappings, { aggs: { p: body } }), (error: unknown) => error instanceof EsError && error.status === 400 && reason.test(error.message));
  refused({ percentiles: { field: 'int_field', tdigest: { compression: -1 } } }, /\[compression\] must be greater than or equal to 0. Found \[-1.0\]/);
  refused({ percentiles: { field: 'int_field', percents: [] } }, /must not be empty/);
  refused({ percentiles: { field: 'int_field', percents: null } }, /must not be null/);
  refused({ percentiles: { field: 'int_field', percents: ['foo'] } }, /failed to parse/);
  refused({ percentiles: { field: 'string_field' } }, /keyword/);
  refused({ percentile_ranks: { field: 'int_field', values: [] } }, /must not be empty/);
  refused({ percentile_ranks: { field: 'int_field' } }, /must not be null/);
  refused({ percentiles: { field: 'int_field', hdr: { number_of_significant_value_digits: 3 } } }, /hdr/);
});

test('t-digest: small sets stay exact; large sets compress and stay close; merging ignores part order (seed-free)', () => {
  const values = Array.from({ length: 20_000 }, (_, index) => (index * 7919) % 20_000);
  const whole = digestOfValues(values, 100);
  assert.ok(whole.means.length < 2_000, `compressed to ${whole.means.length} centroids`);
  assert.equal(whole.min, 0);
  assert.equal(whole.max, 19_999);
  for (const q of [0.01, 0.25, 0.5, 0.75, 0.99]) assert.ok(Math.abs(quantile(whole, q) - q * 20_000) < 20_000 * 0.005, `q=${q}: ${quantile(whole, q)}`);
  assert.ok(Math.abs(cdf(whole, 5_000) - 0.25) < 0.005);
  const parts = [values.slice(0, 7_000), values.slice(7_000, 12_000), values.slice(12_000)].map((part) => digestOfValues(part, 100));
  assert.deepEqual(mergeDigests(parts, 100), mergeDigests([...parts].reverse(), 100));
  assert.deepEqual(mergeDigests([parts[1]!, parts[0]!, parts[2]!], 100), mergeDigests(parts, 100));
});
