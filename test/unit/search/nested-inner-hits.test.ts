// Inner hits of nested queries (issue #15), rendered for one shard's hits: _nested field and offset
// (level by level), the nested object as _source (filtered by full paths), best score first, from,
// size, name, totals, and inner hits inside inner hits.
// References: inner-hits.html#nested-inner-hits, rest-api-spec search.inner_hits/10_basic.yml.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeShardStats } from '../../../src/index/engine/index.js';
import { parseQuery, planQuery } from '../../../src/index/query/index.js';
import { visibleEngineMappings } from '../../../src/search/read-restriction.js';
import { engineMappings } from '../../../src/index/searcher/document-input.js';
import { nestedInnerHitsOf, nestedInnerHitsRenderer } from '../../../src/search/nested-inner-hits.js';
import { segmentIndex, throwsEs } from '../query/segment-index.js';

const mapping = {
  properties: {
    comments: {
      type: 'nested',
      properties: { author: { type: 'keyword' }, text: { type: 'text' }, votes: { type: 'nested', properties: { voter: { type: 'keyword' }, value: { type: 'integer' } } } },
    },
  },
};
const documents = [
  {
    title: 'post',
    comments: [
      { author: 'kimchy', text: 'nice nice post', votes: [{ voter: 'a', value: 1 }, { voter: 'b', value: 2 }] },
      { author: 'nik9000', text: 'nice', votes: { voter: 'c', value: 3 } },
      { author: 'other', text: 'meh' },
    ],
  },
];

test('inner hits of a nested query: _nested, _source, order by score, from/size/name, totals (inner-hits.html#nested-inner-hits)', () => {
  const index = segmentIndex(mapping, documents);
  const render = (body: unknown) => {
    const query = parseQuery(body);
    const renderer = nestedInnerHitsRenderer(query, () => ({ stats: computeShardStats([index.segment]), segments: [index.segment], mappings: engineMappings(index.flat), nowMs: 0, indexName: 'idx', defaultFields: ['*'] }), [index.segment], 'idx');
    return renderer?.(0, 0);
  };
  const basic = render({ nested: { path: 'comments', query: { match: { 'comments.text': 'nice' } }, inner_hits: {} } }) as Record<string, any>;
  const hits = basic['comments'].hits;
  assert.deepEqual(hits.total, { value: 2, relation: 'eq' });
  assert.deepEqual(hits.hits.map((hit: any) => [hit._id, hit._nested, hit._source.author]), [
    // BM25: one `nice` in a one-word text outscores two in three words.
    ['1', { field: 'comments', offset: 1 }, 'nik9000'],
    ['1', { field: 'comments', offset: 0 }, 'kimchy'],
  ]);
  assert.ok(hits.hits[0]._score > hits.hits[1]._score);
  assert.equal(hits.max_score, hits.hits[0]._score);
  assert.equal(hits.hits[0]._index, 'idx');

  const paged = render({ nested: { path: 'comments', query: { match_all: {} }, inner_hits: { name: 'c', from: 1, size: 1, _source: ['comments.author'] } } }) as Record<string, any>;
  assert.deepEqual(paged['c'].hits.total, { value: 3, relation: 'eq' });
  assert.deepEqual(paged['c'].hits.hits.map((hit: any) => [hit._nested.offset, hit._source]), [[1, { author: 'nik9000' }]]);
  const noSource = render({ nested: { path: 'comments', query: { match_all: {} }, inner_hits: { _source: false, size: 1 } } }) as Record<string, any>;
  assert.equal(noSource['comments'].hits.hits[0]._source, undefined);
  const none = render({ bool: { should: [{ match_all: {} }, { nested: { path: 'comments', query: { term: { 'comments.author': 'nobody' } }, inner_hits: {} } }] } }) as Record<string, any>;
  assert.deepEqual(none['comments'].hits, { total: { value: 0, relation: 'eq' }, max_score: null, hits: [] });
  assert.equal(render({ nested: { path: 'comments', query: { match_all: {} } } }), undefined);
});

test('multi-level inner hits: inside the outer inner hits, or beside them with a _nested chain (10_basic.yml)', () => {
  const index = segmentIndex(mapping, documents);
  const render = (body: unknown) =>
    nestedInnerHitsRenderer(parseQuery(body), () => ({ stats: computeShardStats([index.segment]), segments: [index.segment], mappings: engineMappings(index.flat), nowMs: 0, indexName: 'idx', defaultFields: ['*'] }), [index.segment], 'idx')!(0, 0) as Record<string, any>;
  const votes = { nested: { path: 'comments.votes', query: { range: { 'comments.votes.value': { gte: 2 } } }, inner_hits: {} } };
  const inside = render({ nested: { path: 'comments', query: votes, inner_hits: {} } });
  assert.equal(inside['comments'].hits.total.value, 2);
  const first = inside['comments'].hits.hits.find((hit: any) => hit._nested.offset === 0);
  assert.deepEqual(first.inner_hits['comments.votes'].hits.hits.map((hit: any) => [hit._nested, hit._source]), [[{ field: 'comments', offset: 0, _nested: { field: 'votes', offset: 1 } }, { voter: 'b', value: 2 }]]);
  const beside = render({ nested: { path: 'comments', query: votes } });
  assert.deepEqual(
    beside['comments.votes'].hits.hits.map((hit: any) => hit._nested),
    [
      { field: 'comments', offset: 0, _nested: { field: 'votes', offset: 1 } },
      { field: 'comments', offset: 1, _nested: { field: 'votes', offset: 0 } },
    ],
  );
});

test('inner hits: one name twice, a window over 100, and options not implemented are refused', () => {
  throwsEs(
    () => nestedInnerHitsOf(parseQuery({ bool: { should: [{ nested: { path: 'comments', query: { match_all: {} }, inner_hits: {} } }, { nested: { path: 'comments', query: { match_all: {} }, inner_hits: {} } }] } })),
    'illegal_argument_exception',
    '[inner_hits] already contains an entry for key [comments]',
  );
  throwsEs(
    () => parseQuery({ nested: { path: 'comments', query: { match_all: {} }, inner_hits: { from: 90, size: 20 } } }),
    'illegal_argument_exception',
    "Inner result window is too large, the inner hit definition's [comments]'s from + size must be less than or equal to: [100] but was [110]. This limit can be set by changing the [index.max_inner_result_window] index level setting.",
  );
  throwsEs(() => parseQuery({ nested: { path: 'comments', query: { match_all: {} }, inner_hits: { highlight: {} } } }), 'illegal_argument_exception', '[inner_hits] option [highlight] of a [nested] query is not supported by Strait');
  throwsEs(() => parseQuery({ nested: { path: 'comments', query: { match_all: {} }, inner_hits: { sort: [{ 'comments.author': 'asc' }] } } }), 'illegal_argument_exception', '[inner_hits] of a [nested] query: only sorting by [_score] is supported by Strait');
});

test('under field level security, nested queries are refused with a 400 rather than derived with every field (read-restriction.ts)', () => {
  const index = segmentIndex(mapping, documents);
  const visible = visibleEngineMappings(engineMappings(index.flat), (path) => path !== 'comments.text');
  const context = { stats: computeShardStats([index.segment]), segments: [index.segment], mappings: visible, nowMs: 0, indexName: 'idx', defaultFields: ['*'] };
  throwsEs(() => planQuery(parseQuery({ nested: { path: 'comments', query: { match_all: {} } } }), context), 'illegal_argument_exception', '[nested] queries and aggregations under field level security are not supported by Strait');
  throwsEs(() => planQuery(parseQuery({ nested: { path: 'title', query: { match_all: {} } } }), context), 'query_shard_exception', '[nested] failed to find nested object under path [title]');
});
