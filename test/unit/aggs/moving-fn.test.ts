// moving_fn and the MovingFunctions helpers, from Elasticsearch's REST test
// modules/aggregations/src/yamlRestTest/.../aggregations/moving_fn.yml (its documents and expected
// values) and https://www.elastic.co/guide/en/elasticsearch/reference/current/search-aggregations-pipeline-movfn-aggregation.html.
// Every case runs on two shards: the pipeline runs after the final reduce.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/errors.js';
import type { FieldMappings } from '../../../src/index/engine/index.js';
import { ewma, holt, holtWinters, linearWeightedAvg, movingMax, movingMin, movingSum, stdDev, unweightedAvg } from '../../../src/index/aggs/moving-functions.js';
import { type Doc, searchAggs } from './agg-harness.js';

const mappings: FieldMappings = { '@timestamp': { type: 'date' }, v: { type: 'long' }, n: { type: 'long' } };
const noGaps: Doc[] = [1, 2, 1, 4, 5, 9].map((v, hour) => ({ n: (hour + 1) * 10, '@timestamp': `2022-01-01T0${hour}:00:00`, v }));
const gaps: Doc[] = [1, 2, 1, undefined, 5, 9].flatMap((v, hour) => (v === undefined ? [] : [{ '@timestamp': `2022-01-01T0${hour}:00:00`, v }]));

function movingFn(docs: Doc[], movFn: Record<string, unknown>, metric: Record<string, unknown> = { avg: { field: 'v' } }): any[] {
  const result = searchAggs(docs, mappings, { aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1h' }, aggs: { v: metric, d: { moving_fn: movFn } } } } }, 2);
  return result['h'].buckets.map((bucket: any) => bucket.d);
}
const values = (docs: Doc[], script: string, window = 2, extra: Record<string, unknown> = {}): (number | null | undefined)[] =>
  movingFn(docs, { buckets_path: 'v', window, script, ...extra }).map((d) => (d === undefined ? undefined : d.value === null ? null : Math.round(d.value * 1000) / 1000));

test('moving_fn over a date_histogram and a histogram: min, max, sum (moving_fn.yml)', () => {
  assert.deepEqual(values(noGaps, 'MovingFunctions.min(values)'), [null, 1, 1, 1, 1, 4]);
  assert.deepEqual(values(noGaps, 'MovingFunctions.max(values)'), [null, 1, 2, 2, 4, 5]);
  assert.deepEqual(values(noGaps, 'MovingFunctions.sum(values)'), [0, 1, 3, 3, 5, 9]);
  const histogram = searchAggs(noGaps, mappings, { aggs: { n: { histogram: { field: 'n', interval: 10 }, aggs: { v: { avg: { field: 'v' } }, d: { moving_fn: { buckets_path: 'v', window: 2, script: 'MovingFunctions.min(values)' } } } } } }, 2);
  assert.deepEqual(histogram['n'].buckets.map((bucket: any) => bucket.d.value), [null, 1, 1, 1, 1, 4]);
});

test('moving_fn: stdDev, unweightedAvg, linearWeightedAvg, ewma, holt with windows of 2 and 3 (moving_fn.yml)', () => {
  assert.deepEqual(values(noGaps, 'MovingFunctions.stdDev(values, MovingFunctions.unweightedAvg(values))'), [null, 0, 0.5, 0.5, 1.5, 0.5]);
  assert.deepEqual(values(noGaps, 'MovingFunctions.unweightedAvg(values)'), [null, 1, 1.5, 1.5, 2.5, 4.5]);
  assert.deepEqual(values(noGaps, 'MovingFunctions.linearWeightedAvg(values)'), [null, 0.5, 1.25, 1, 2.25, 3.5]);
  assert.deepEqual(values(noGaps, 'MovingFunctions.linearWeightedAvg(values)', 3), [null, 0.5, 1.25, 1.143, 2.286, 3.429]);
  assert.deepEqual(values(noGaps, 'MovingFunctions.ewma(values, 0.3)'), [null, 1, 1.3, 1.7, 1.9, 4.3]);
  assert.deepEqual(values(noGaps, 'MovingFunctions.ewma(values, 0.3)', 3), [null, 1, 1.3, 1.21, 2.39, 2.83]);
  assert.deepEqual(values(noGaps, 'MovingFunctions.holt(values, 0.3, 0.1)'), [null, 1, 1.3, 1.7, 1.9, 4.3]);
  assert.deepEqual(values(noGaps, 'MovingFunctions.holt(values, 0.3, 0.1)', 3), [null, 1, 1.3, 1.231, 2.369, 2.893]);
});

test('moving_fn: holtWinters once the window holds two periods; a script path that returns nothing gives 0 (moving_fn.yml)', () => {
  assert.deepEqual(values(noGaps, 'if (values.length > 4) {MovingFunctions.holtWinters(values, 0.3, 0.1, 0.1, 2, false)}', 5), [0, 0, 0, 0, 0, 4.028]);
  assert.throws(() => values(noGaps, 'MovingFunctions.holtWinters(values, 0.3, 0.1, 0.1, 2, false)', 5), (error: unknown) => error instanceof EsError && error.status === 400 && error.type === 'script_exception');
});

test('moving_fn: math on results, shift, format, dotted names and percentiles paths, params (moving_fn.yml)', () => {
  assert.deepEqual(values(noGaps, 'MovingFunctions.max(values) - MovingFunctions.min(values)'), [null, 0, 1, 1, 3, 1]);
  assert.deepEqual(values(noGaps, 'MovingFunctions.min(values)', 2, { shift: 1 }), [1, 1, 1, 1, 4, 5]);
  const formatted = movingFn(noGaps, { buckets_path: 'v', window: 2, script: 'MovingFunctions.min(values)', format: '0.00' });
  assert.deepEqual(formatted[0], { value: null });
  assert.deepEqual(formatted.slice(1).map((d) => d.value_as_string), ['1.00', '1.00', '1.00', '1.00', '4.00']);
  const dotted = searchAggs(noGaps, mappings, { aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1h' }, aggs: { 'v.v': { avg: { field: 'v' } }, d: { moving_fn: { buckets_path: 'v.v.value', window: 2, script: 'MovingFunctions.min(values)' } } } } } }, 2);
  assert.deepEqual(dotted['h'].buckets.map((bucket: any) => bucket.d.value), [null, 1, 1, 1, 1, 4]);
  const percentiles = movingFn(noGaps, { buckets_path: 'v[99.9]', window: 2, script: 'MovingFunctions.min(values)' }, { percentiles: { field: 'v', percents: [50, 99.9] } });
  assert.deepEqual(percentiles.map((d) => d.value), [null, 1, 1, 1, 1, 4]);
  assert.deepEqual(values(noGaps, 'MovingFunctions.sum(values) * params.k', 2, { script: { source: 'MovingFunctions.sum(values) * params.k', params: { k: 2 } } }), [0, 2, 6, 6, 10, 18]);
});

test('moving_fn gap policies: skip leaves the gap bucket alone, insert_zeros puts 0 in the window, keep_values (moving_fn.yml)', () => {
  assert.deepEqual(values(gaps, 'MovingFunctions.max(values)', 2, { gap_policy: 'skip' }), [null, 1, 2, undefined, 2, 5]);
  assert.deepEqual(values(gaps, 'MovingFunctions.max(values)', 2, { gap_policy: 'insert_zeros' }), [null, 1, 2, 2, 1, 5]);
  assert.deepEqual(values(gaps, 'MovingFunctions.max(values)', 2, { gap_policy: 'keep_values' }), [null, 1, 2, undefined, 2, 5]);
});

test('moving_fn refusals: bad path, bad window, no histogram parent, a script that does not compile, unknown fields', () => {
  const refused = (body: Record<string, unknown>, type: string, reason: RegExp): void =>
    assert.throws(() => searchAggs(noGaps, mappings, body), (error: unknown) => error instanceof EsError && error.status === 400 && error.type === type && reason.test(error.message));
  const under = (movFn: Record<string, unknown>) => ({ aggs: { h: { date_histogram: { field: '@timestamp', fixed_interval: '1h' }, aggs: { v: { avg: { field: 'v' } }, d: { moving_fn: movFn } } } } });
  refused(under({ buckets_path: 'missing', window: 2, script: 'MovingFunctions.min(values)' }), 'action_request_validation_exception', /No aggregation found for path \[missing\]/);
  refused(under({ buckets_path: 'v', window: -1, script: 'MovingFunctions.max(values)' }), 'illegal_argument_exception', /\[window\] must be a positive, non-zero integer\./);
  refused(under({ buckets_path: 'v', window: 2, script: 'MovingFunctions.max(values' }), 'script_exception', /compile error/);
  refused(under({ buckets_path: 'v', window: 2, script: 'MovingFunctions.max(values)', lag: 1 }), 'x_content_parse_exception', /\[moving_fn\] unknown field \[lag\]/);
  refused(
    { aggs: { the_avg: { avg: { field: 'v' } }, the_mov_fn: { moving_fn: { buckets_path: 'the_avg', window: 1, script: 'MovingFunctions.max(values)' } } } },
    'action_request_validation_exception',
    /moving_fn aggregation \[the_mov_fn\] must have a histogram, date_histogram or auto_date_histogram as parent but doesn't have a parent/,
  );
});

test('MovingFunctions formulas: empty windows, NaN left out', () => {
  assert.ok(Number.isNaN(movingMax([])) && Number.isNaN(movingMin([])) && Number.isNaN(unweightedAvg([NaN])) && Number.isNaN(linearWeightedAvg([])));
  assert.equal(movingSum([]), 0);
  assert.equal(movingSum([1, NaN, 2]), 3);
  assert.equal(unweightedAvg([1, NaN, 3]), 2);
  assert.ok(Number.isNaN(stdDev([1, 2], NaN)));
  assert.ok(Number.isNaN(ewma([], 0.5)) && Number.isNaN(holt([], 0.5, 0.5)));
  // Multiplicative Holt-Winters over two seasons of period 2.
  assert.ok(Math.abs(holtWinters([1, 2, 1, 4, 5], 0.3, 0.1, 0.1, 2, true) - holtWinters([1, 2, 1, 4, 5], 0.3, 0.1, 0.1, 2, true)) === 0);
});
