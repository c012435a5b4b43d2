// Search response rendering (search-search.html#search-api-response-body) and typed_keys.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors } from '../../../src/common/index.js';
import { parseAggregations } from '../../../src/index/searcher/index.js';
import { allShardsFailed, renderSearchResponse, typedKeys } from '../../../src/search/index.js';

test('response keys in Elasticsearch order; totals as objects or numbers', () => {
  const parts = { tookMs: 3, terminatedEarly: true, shards: { total: 1, successful: 1, skipped: 0, failed: 0, failures: [] }, total: { value: 2, relation: 'eq' as const }, maxScore: 1.5, hits: [], aggregations: { a: { value: 1 } } };
  const rendered = renderSearchResponse({ ...parts, scrollId: 'id', restTotalHitsAsInt: false });
  assert.deepEqual(Object.keys(rendered), ['_scroll_id', 'took', 'timed_out', 'terminated_early', '_shards', 'hits', 'aggregations']);
  assert.deepEqual((rendered['hits'] as Record<string, unknown>)['total'], { value: 2, relation: 'eq' });
  assert.equal((renderSearchResponse({ ...parts, restTotalHitsAsInt: true })['hits'] as Record<string, unknown>)['total'], 2);
});

test('all shards failed: root causes deduplicated, status from the causes', () => {
  const cause = errors.illegalArgument('bad');
  const error = allShardsFailed([
    { index: 'a', shard: 0, node: 'n', cause },
    { index: 'b', shard: 0, node: 'n', cause: errors.illegalArgument('bad') },
  ]);
  const body = error.toBody();
  assert.equal(body.status, 400);
  assert.equal(body.error['type'], 'search_phase_execution_exception');
  assert.equal((body.error['root_cause'] as unknown[]).length, 1);
  assert.equal((body.error['failed_shards'] as unknown[]).length, 2);
  assert.equal(allShardsFailed([{ index: 'a', shard: 0, node: 'n', cause: errors.internal('boom') }]).status, 500);
});

test('typed_keys prefixes names by type, through buckets and single-bucket aggregations', () => {
  const nodes = parseAggregations({ t: { terms: { field: 'n' }, aggs: { m: { max: { field: 'n' } } } }, f: { filter: { match_all: {} }, aggs: { p: { percentiles: { field: 'n' } } } } });
  const rendered = { t: { buckets: [{ key: 1, doc_count: 1, m: { value: 1 } }] }, f: { doc_count: 1, p: { values: {} } } };
  assert.deepEqual(typedKeys(rendered, nodes, { n: { type: 'long' } }), {
    'lterms#t': { buckets: [{ key: 1, doc_count: 1, 'max#m': { value: 1 } }] },
    'filter#f': { doc_count: 1, 'tdigest_percentiles#p': { values: {} } },
  });
});
