// auto_date_histogram's `buckets` ceiling: Elasticsearch's AutoDateHistogramAggregationBuilder
// refuses a target above search.max_buckets (65,536) over the largest inner interval of every
// rounding but the last ("buckets must be less than 2184" with the default roundings). Without it a
// huge target over a wide date range walked billions of seconds filling empty buckets and hung the node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/errors.js';
import type { FieldMappings } from '../../../src/index/engine/index.js';
import { type Doc, searchAggs } from './agg-harness.js';

const mappings: FieldMappings = { date: { type: 'date' } };
const wide: Doc[] = [{ date: '1970-01-01T00:00:00Z' }, { date: '2024-01-01T00:00:00Z' }];

function refused(body: Record<string, unknown>, reason: string): void {
  assert.throws(
    () => searchAggs(wide, mappings, { aggs: { a: { auto_date_histogram: { field: 'date', ...body } } } }),
    (error: unknown) => error instanceof EsError && error.status === 400 && error.type === 'illegal_argument_exception' && error.message.includes(reason),
  );
}

test('a target above the ceiling is refused before any bucket is made, whatever its size', () => {
  refused({ buckets: 2185 }, 'buckets must be less than 2184');
  refused({ buckets: 2_000_000_000 }, 'buckets must be less than 2184');
  refused({ buckets: 1e12 }, 'buckets must be less than 2184');
});

test('the ceiling follows minimum_interval: months leave 65536 / 3, years their own largest interval', () => {
  refused({ buckets: 21_846, minimum_interval: 'month' }, 'buckets must be less than 21845');
  refused({ buckets: 656, minimum_interval: 'year' }, 'buckets must be less than 655');
});

test('the ceiling itself is allowed and answers over 54 years', () => {
  const result = searchAggs(wide, mappings, { aggs: { a: { auto_date_histogram: { field: 'date', buckets: 2184 } } } })['a'];
  assert.ok(result.buckets.length <= 2184);
  assert.equal(result.buckets.reduce((sum: number, bucket: { doc_count: number }) => sum + bucket.doc_count, 0), 2);
});
