// `nested` fields end to end on one real node through the official client (issue #15): mapping
// (explicit, dynamic template, include_in_parent), the nested query (parents only, each object on
// its own, score modes, multi-level), updates and deletes of parents, inner_hits, the nested and
// reverse_nested aggregations, the limits, and bad input answered with Elasticsearch's errors.
// References: nested.html, query-dsl-nested-query.html, inner-hits.html,
// search-aggregations-bucket-nested-aggregation.html, search-aggregations-bucket-reverse-nested-aggregation.html,
// mapping-settings-limit.html; rest-api-spec search.inner_hits/10_basic.yml.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { jsonCall } from '../harness/json-call.js';

let node: StartedNode;
before(async () => {
  node = await startNode({ clusterName: 'nested', nodeName: 'n1' });
  const client = node.client();
  await client.indices.create({
    index: 'posts',
    mappings: {
      properties: {
        title: { type: 'text' },
        tags: { type: 'keyword' },
        comments: {
          type: 'nested',
          properties: {
            author: { type: 'keyword' },
            text: { type: 'text' },
            stars: { type: 'integer' },
            votes: { type: 'nested', properties: { voter: { type: 'keyword' }, value: { type: 'integer' } } },
          },
        },
      },
    },
  });
  await client.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'posts', _id: '1' } },
      {
        title: 'first post',
        tags: ['news'],
        comments: [
          { author: 'kimchy', text: 'great post', stars: 5, votes: [{ voter: 'a', value: 1 }, { voter: 'b', value: 2 }] },
          { author: 'nik9000', text: 'not so great', stars: 2 },
        ],
      },
      { index: { _index: 'posts', _id: '2' } },
      { title: 'second post', tags: ['news', 'tech'], comments: { author: 'kimchy', text: 'meh', stars: 2, votes: { voter: 'c', value: 3 } } },
      { index: { _index: 'posts', _id: '3' } },
      { title: 'no comments', tags: ['tech'] },
    ],
  });
});
after(async () => {
  await node?.destroy();
});

const ids = (response: { hits: { hits: readonly { _id?: string | null }[] } }): string[] => response.hits.hits.map((hit) => String(hit._id));
const total = (response: { hits: { total?: number | { value: number } } }): number => {
  const value = response.hits.total;
  return typeof value === 'number' ? value : (value?.value ?? -1);
};
const both = (author: string, stars: number) => ({ bool: { must: [{ term: { 'comments.author': author } }, { term: { 'comments.stars': stars } }] } });

test('GET mapping shows type nested; a nested field matches only through a nested query, each object on its own (nested.html)', async () => {
  const client = node.client();
  const mapping = await client.indices.getMapping({ index: 'posts' });
  assert.equal(mapping['posts']!.mappings.properties!['comments']!.type, 'nested');
  assert.equal((mapping['posts']!.mappings.properties!['comments'] as any).properties.votes.type, 'nested');
  const nested = await client.search({ index: 'posts', query: { nested: { path: 'comments', query: both('kimchy', 2) } } });
  assert.deepEqual(ids(nested), ['2']);
  assert.equal(total(nested), 1);
  // kimchy (5 stars) and nik9000 (2 stars) are two objects of post 1: no single one matches.
  assert.deepEqual(ids(await client.search({ index: 'posts', query: { nested: { path: 'comments', query: both('nik9000', 5) } } })), []);
  // Without the nested query, nested fields match nothing.
  assert.equal(total(await client.search({ index: 'posts', query: { term: { 'comments.author': 'kimchy' } } })), 0);
  // Hits are parents: every comment matches, two posts are hits.
  const all = await client.search({ index: 'posts', query: { nested: { path: 'comments', query: { match_all: {} } } }, sort: ['_doc'] });
  assert.deepEqual(ids(all), ['1', '2']);
  assert.equal(total(all), 2);
  const votes = await client.search({ index: 'posts', query: { nested: { path: 'comments', query: { nested: { path: 'comments.votes', query: { term: { 'comments.votes.voter': 'c' } } } } } } });
  assert.deepEqual(ids(votes), ['2']);
  const scored = await client.search({ index: 'posts', query: { nested: { path: 'comments', score_mode: 'sum', query: { constant_score: { filter: { exists: { field: 'comments.author' } }, boost: 2 } } } }, sort: ['_doc'], track_scores: true });
  assert.deepEqual(scored.hits.hits.map((hit) => hit._score), [4, 2]);
  // With runtime fields in the search (their segments are views over the same sources).
  const runtime = await client.search({
    index: 'posts',
    runtime_mappings: { loud: { type: 'keyword', script: { source: "emit(doc['tags'].value.toUpperCase())" } } },
    query: { bool: { filter: [{ term: { loud: 'NEWS' } }, { nested: { path: 'comments', query: both('kimchy', 5) } }] } },
  });
  assert.deepEqual(ids(runtime), ['1']);
});

test('sorting posts by their comments: the nested sort option with path and filter (sort-search-results.html#nested-sorting)', async () => {
  const client = node.client();
  const byStars = await client.search({ index: 'posts', sort: [{ 'comments.stars': { order: 'desc', nested: { path: 'comments' } } }] });
  assert.deepEqual(ids(byStars), ['1', '2', '3']);
  assert.deepEqual(byStars.hits.hits.slice(0, 2).map((hit) => hit.sort), [[5], [2]]);
  const kimchyOnly = await client.search({ index: 'posts', sort: [{ 'comments.stars': { order: 'asc', nested: { path: 'comments', filter: { term: { 'comments.author': 'kimchy' } } } } }] });
  assert.deepEqual(ids(kimchyOnly), ['2', '1', '3']);
  assert.deepEqual(kimchyOnly.hits.hits.slice(0, 2).map((hit) => hit.sort), [[2], [5]]);
});

test('inner_hits: the matching comments of each post with _nested, _source, name, size and totals (search.inner_hits/10_basic.yml)', async () => {
  const client = node.client();
  const response = await client.search({
    index: 'posts',
    query: { nested: { path: 'comments', query: { match: { 'comments.text': 'great' } }, inner_hits: { name: 'best', size: 1, _source: ['comments.author'] } } },
  });
  assert.deepEqual(ids(response), ['1']);
  const inner = (response.hits.hits[0] as any).inner_hits.best.hits;
  assert.equal(inner.total.value, 2);
  assert.equal(inner.hits.length, 1);
  assert.equal(inner.hits[0]._index, 'posts');
  assert.equal(inner.hits[0]._id, '1');
  assert.equal(inner.hits[0]._nested.field, 'comments');
  assert.equal(typeof inner.hits[0]._nested.offset, 'number');
  assert.ok(inner.hits[0]._source.author === 'kimchy' || inner.hits[0]._source.author === 'nik9000');
  assert.deepEqual(Object.keys(inner.hits[0]._source), ['author']);
  assert.equal(inner.max_score, inner.hits[0]._score);
  const basic = await client.search({ index: 'posts', query: { nested: { path: 'comments.votes', query: { match_all: {} }, inner_hits: {} } }, sort: ['_doc'] });
  const first = (basic.hits.hits[0] as any).inner_hits['comments.votes'].hits;
  assert.deepEqual(first.hits.map((hit: any) => hit._nested), [
    { field: 'comments', offset: 0, _nested: { field: 'votes', offset: 0 } },
    { field: 'comments', offset: 0, _nested: { field: 'votes', offset: 1 } },
  ]);
  assert.deepEqual(first.hits[1]._source, { voter: 'b', value: 2 });
  // version and seq_no_primary_term: the parent document's (10_basic.yml "Nested doc version and seqIDs").
  const versioned = await client.search({ index: 'posts', version: true, seq_no_primary_term: true, query: { nested: { path: 'comments', query: both('kimchy', 2), inner_hits: { version: true, seq_no_primary_term: true } } } });
  const hit = versioned.hits.hits[0] as any;
  const innerHit = hit.inner_hits.comments.hits.hits[0];
  assert.deepEqual([innerHit._version, innerHit._seq_no, innerHit._primary_term], [hit._version, hit._seq_no, hit._primary_term]);
  assert.deepEqual(Object.keys(innerHit), ['_index', '_id', '_nested', '_version', '_seq_no', '_primary_term', '_score', '_source']);
  const asInt = await jsonCall(node, 'POST', '/posts/_search?rest_total_hits_as_int=true', { query: { nested: { path: 'comments', query: { match_all: {} }, inner_hits: {} } }, sort: ['_doc'] });
  assert.equal(asInt.body.hits.total, 2);
  assert.equal(asInt.body.hits.hits[0].inner_hits.comments.hits.total, 2);
});

test('nested and reverse_nested aggregations: doc_count counts nested documents, then parents (nested-aggregation.html)', async () => {
  const client = node.client();
  const response = await client.search({
    index: 'posts',
    size: 0,
    aggs: {
      comments: {
        nested: { path: 'comments' },
        aggs: {
          stars: { avg: { field: 'comments.stars' } },
          authors: { terms: { field: 'comments.author' }, aggs: { posts: { reverse_nested: {}, aggs: { tags: { terms: { field: 'tags' } } } } } },
        },
      },
    },
  });
  const comments = (response.aggregations as any).comments;
  assert.equal(comments.doc_count, 3);
  assert.equal(comments.stars.value, 3);
  assert.deepEqual(comments.authors.buckets.map((bucket: any) => [bucket.key, bucket.doc_count, bucket.posts.doc_count]), [
    ['kimchy', 2, 2],
    ['nik9000', 1, 1],
  ]);
  assert.deepEqual(comments.authors.buckets[0].posts.tags.buckets, [{ key: 'news', doc_count: 2 }, { key: 'tech', doc_count: 1 }]);
  const typed = await jsonCall(node, 'POST', '/posts/_search?typed_keys=true&size=0', { aggs: { c: { nested: { path: 'comments' }, aggs: { r: { reverse_nested: {} } } } } });
  assert.equal(typed.status, 200);
  assert.equal(typed.body.aggregations['nested#c']['reverse_nested#r'].doc_count, 2);
});

test('updating or deleting a parent updates its nested documents (nested.html)', async () => {
  const client = node.client();
  await client.indices.create({ index: 'changing', mappings: { properties: { items: { type: 'nested', properties: { k: { type: 'keyword' } } } } } });
  await client.index({ index: 'changing', id: '1', document: { items: [{ k: 'a' }, { k: 'b' }] }, refresh: true });
  await client.index({ index: 'changing', id: '2', document: { items: [{ k: 'a' }] }, refresh: true });
  const withK = async (k: string) => ids(await client.search({ index: 'changing', query: { nested: { path: 'items', query: { term: { 'items.k': k } } } }, sort: ['_doc'] }));
  assert.deepEqual(await withK('a'), ['1', '2']);
  await client.index({ index: 'changing', id: '1', document: { items: [{ k: 'c' }] }, refresh: true });
  assert.deepEqual(await withK('a'), ['2']);
  assert.deepEqual(await withK('c'), ['1']);
  await client.delete({ index: 'changing', id: '2', refresh: true });
  assert.deepEqual(await withK('a'), []);
  assert.equal((await client.count({ index: 'changing', query: { nested: { path: 'items', query: { term: { 'items.k': 'c' } } } } })).count, 1);
  await client.index({ index: 'changing', id: '3', document: { items: [{ k: 'gone' }] }, refresh: true });
  const deleted = await client.deleteByQuery({ index: 'changing', refresh: true, query: { nested: { path: 'items', query: { term: { 'items.k': 'gone' } } } } });
  assert.equal(deleted.deleted, 1);
  const agg = await client.search({ index: 'changing', size: 0, aggs: { items: { nested: { path: 'items' } } } });
  assert.equal((agg.aggregations as any).items.doc_count, 1);
});

test('include_in_parent and a nested dynamic template (nested.html#nested-params, dynamic-templates.html)', async () => {
  const client = node.client();
  await client.indices.create({
    index: 'dynamic_nested',
    mappings: {
      dynamic_templates: [{ nested_objects: { match: 'n_*', match_mapping_type: 'object', mapping: { type: 'nested' } } }],
      properties: { users: { type: 'nested', include_in_parent: true, properties: { first: { type: 'keyword' }, last: { type: 'keyword' } } } },
    },
  });
  await client.index({ index: 'dynamic_nested', id: '1', document: { users: [{ first: 'John', last: 'Smith' }, { first: 'Alice', last: 'White' }], n_pairs: [{ a: 'x', b: 'y' }, { a: 'z', b: 'w' }] }, refresh: true });
  const mapping = await client.indices.getMapping({ index: 'dynamic_nested' });
  assert.equal(mapping['dynamic_nested']!.mappings.properties!['n_pairs']!.type, 'nested');
  const crossed = { bool: { must: [{ term: { 'users.first': 'Alice' } }, { term: { 'users.last': 'Smith' } }] } };
  assert.equal(total(await client.search({ index: 'dynamic_nested', query: crossed })), 1);
  assert.equal(total(await client.search({ index: 'dynamic_nested', query: { nested: { path: 'users', query: crossed } } })), 0);
  const pairs = (a: string, b: string) => ({ nested: { path: 'n_pairs', query: { bool: { must: [{ match: { 'n_pairs.a': a } }, { match: { 'n_pairs.b': b } }] } } } });
  assert.equal(total(await client.search({ index: 'dynamic_nested', query: pairs('x', 'y') })), 1);
  assert.equal(total(await client.search({ index: 'dynamic_nested', query: pairs('x', 'w') })), 0);
});

test('bad input: a path that is not nested, sorting on a nested field, the limits; nothing changes (NestedQueryBuilder, mapping-settings-limit.html)', async () => {
  const notNested = await jsonCall(node, 'POST', '/posts/_search', { query: { nested: { path: 'title', query: { match_all: {} } } } });
  assert.equal(notNested.status, 400);
  assert.equal(notNested.body.error.root_cause[0].type, 'query_shard_exception');
  assert.equal(notNested.body.error.root_cause[0].reason, '[nested] failed to find nested object under path [title]');
  const ignored = await jsonCall(node, 'POST', '/posts/_search', { query: { nested: { path: 'title', ignore_unmapped: true, query: { match_all: {} } } } });
  assert.equal(ignored.status, 200);
  assert.equal(ignored.body.hits.total.value, 0);
  const sorted = await jsonCall(node, 'POST', '/posts/_search', { sort: [{ 'comments.stars': 'asc' }] });
  assert.equal(sorted.status, 400);
  assert.equal(sorted.body.error.root_cause[0].type, 'query_shard_exception');
  assert.equal(sorted.body.error.root_cause[0].reason, 'it is mandatory to set the [nested] context on the nested sort field: [comments.stars].');
  const maxChildren = await jsonCall(node, 'POST', '/posts/_search', { sort: [{ 'comments.stars': { order: 'asc', nested: { path: 'comments', max_children: 1 } } }] });
  assert.equal(maxChildren.status, 400);
  assert.equal(maxChildren.body.error.type, 'illegal_argument_exception');
  const badAgg = await jsonCall(node, 'POST', '/posts/_search', { aggs: { r: { reverse_nested: {} } } });
  assert.equal(badAgg.status, 400);
  assert.equal(badAgg.body.error.root_cause[0].type, 'illegal_argument_exception');

  // Nested documents are derived from _source: an index that does not keep all of it refuses, clearly.
  assert.equal((await jsonCall(node, 'PUT', '/no_source', { mappings: { _source: { enabled: false }, properties: { n: { type: 'nested' } } } })).status, 200);
  assert.equal((await jsonCall(node, 'PUT', '/no_source/_doc/1?refresh=true', { n: [{ a: 1 }] })).status, 201);
  const noSource = await jsonCall(node, 'POST', '/no_source/_search', { query: { nested: { path: 'n', query: { match_all: {} } } } });
  assert.equal(noSource.status, 400);
  assert.equal(noSource.body.error.root_cause[0].type, 'illegal_argument_exception');
  assert.match(noSource.body.error.root_cause[0].reason, /need the whole _source/);
  const fields = await jsonCall(node, 'PUT', '/too_many_nested', { settings: { 'index.mapping.nested_fields.limit': 1 }, mappings: { properties: { a: { type: 'nested' }, b: { type: 'nested' } } } });
  assert.equal(fields.status, 400);
  assert.equal(fields.body.error.type, 'illegal_argument_exception');
  assert.equal(fields.body.error.reason, 'Limit of nested fields [1] has been exceeded');
  assert.equal((await jsonCall(node, 'HEAD', '/too_many_nested')).status, 404);
  const created = await jsonCall(node, 'PUT', '/few_objects', { settings: { 'index.mapping.nested_objects.limit': 2 }, mappings: { properties: { a: { type: 'nested' } } } });
  assert.equal(created.status, 200);
  const objects = await jsonCall(node, 'PUT', '/few_objects/_doc/1', { a: [{ x: 1 }, { x: 2 }, { x: 3 }] });
  assert.equal(objects.status, 400);
  assert.equal(objects.body.error.type, 'document_parsing_exception');
  assert.equal(objects.body.error.reason, 'The number of nested documents has exceeded the allowed limit of [2]. This limit can be set by changing the [index.mapping.nested_objects.limit] index level setting.');
  assert.equal((await jsonCall(node, 'GET', '/few_objects/_doc/1')).status, 404);
  assert.equal((await jsonCall(node, 'PUT', '/few_objects/_doc/1?refresh=true', { a: [{ x: 1 }, { x: 2 }] })).status, 201);
  // The limit of nested fields holds for mapping updates too.
  const limited = await jsonCall(node, 'PUT', '/few_objects/_settings', { 'index.mapping.nested_fields.limit': 1 });
  assert.equal(limited.status, 200);
  const update = await jsonCall(node, 'PUT', '/few_objects/_mapping', { properties: { b: { type: 'nested' } } });
  assert.equal(update.status, 400);
  assert.equal(update.body.error.reason, 'Limit of nested fields [1] has been exceeded');
  const mapping = await jsonCall(node, 'GET', '/few_objects/_mapping');
  assert.deepEqual(Object.keys(mapping.body.few_objects.mappings.properties), ['a']);
});

test('explain: the score of a parent from its matching nested documents (ToParentBlockJoinQuery explanation)', async () => {
  const client = node.client();
  const query = { nested: { path: 'comments', score_mode: 'max' as const, query: { constant_score: { filter: { term: { 'comments.author': 'kimchy' } }, boost: 3 } } } };
  const response = await client.search({ index: 'posts', query, explain: true, sort: ['_doc'], track_scores: true });
  const first = response.hits.hits[0] as any;
  assert.equal(first._explanation.value, 3);
  assert.match(first._explanation.description, /^Score based on 1 child docs in range from \d+ to \d+, using score mode Max$/);
  assert.equal(first._explanation.details[0].value, 3);
  const explained = await client.explain({ index: 'posts', id: '3', query });
  assert.equal(explained.matched, false);
});

test('after a flush and a restart, nested documents are derived again from the persisted segments (style P12)', async () => {
  assert.equal((await jsonCall(node, 'POST', '/posts/_flush')).status, 200);
  node = await node.restart();
  const client = node.client();
  const response = await client.search({ index: 'posts', query: { nested: { path: 'comments', query: both('kimchy', 2), inner_hits: {} } } });
  assert.deepEqual(ids(response), ['2']);
  assert.equal((response.hits.hits[0] as any).inner_hits.comments.hits.hits[0]._source.text, 'meh');
  const agg = await client.search({ index: 'posts', size: 0, aggs: { comments: { nested: { path: 'comments' } } } });
  assert.equal((agg.aggregations as any).comments.doc_count, 3);
});
