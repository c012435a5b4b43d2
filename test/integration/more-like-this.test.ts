// The more_like_this query end to end on one node through the official client (issue #15): like
// texts, like a stored document (excluded from its own hits unless include), artificial documents,
// unlike, minimum_should_match, documents of another index, and the 400s for bad input.
// References: query-dsl-mlt-query.html; rest-api-spec search/mlt tests (like a document by id with
// include false returns the other documents; an unsupported field fails the search).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { jsonCall } from '../harness/json-call.js';
import type { estypes } from '@elastic/elasticsearch';

let node: StartedNode;
const ids = (response: { hits: { hits: { _id?: string | null }[] } }): string[] => response.hits.hits.map((hit) => String(hit._id)).sort();

before(async () => {
  node = await startNode({ clusterName: 'mlt', nodeName: 'n1' });
  const client = node.client();
  await client.indices.create({ index: 'books', mappings: { properties: { title: { type: 'text' }, body: { type: 'text' }, tag: { type: 'keyword' }, year: { type: 'integer' } } } });
  await client.indices.create({ index: 'other', mappings: { properties: { body: { type: 'text' } } } });
  await client.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'books', _id: '1' } }, { title: 'quick brown fox', body: 'the quick brown fox jumps over the lazy dog', tag: 'animal', year: 2001 },
      { index: { _index: 'books', _id: '2' } }, { title: 'brown fox again', body: 'a brown fox is quick and the dog is lazy', tag: 'animal', year: 2002 },
      { index: { _index: 'books', _id: '3' } }, { title: 'cooking pasta', body: 'boil water and cook the pasta with salt', tag: 'food', year: 2003 },
      { index: { _index: 'books', _id: '4' } }, { title: 'pasta sauce', body: 'tomato sauce for the pasta with basil', tag: 'food', year: 2004 },
      { index: { _index: 'books', _id: '5' } }, { title: 'lazy dog days', body: 'a lazy dog sleeps all day', tag: 'animal', year: 2005 },
      { index: { _index: 'other', _id: 'x' } }, { body: 'pasta with tomato sauce' },
    ],
  });
});

after(async () => {
  await node?.destroy();
});

const mlt = (query: Partial<estypes.QueryDslMoreLikeThisQuery>) =>
  node.client().search({ index: 'books', query: { more_like_this: { min_term_freq: 1, min_doc_freq: 1, ...query } as estypes.QueryDslMoreLikeThisQuery } });

test('like a text finds the documents sharing its terms', async () => {
  const response = await mlt({ fields: ['title', 'body'], like: 'pasta tomato sauce' });
  assert.deepEqual(ids(response), ['3', '4']);
  assert.equal(response.hits.hits[0]!._id, '4'); // shares more (and rarer) terms
});

test('defaults min_term_freq 2 and min_doc_freq 5 select nothing from a short text on a small index', async () => {
  const response = await node.client().search({ index: 'books', query: { more_like_this: { fields: ['body'], like: 'pasta pasta' } } });
  assert.deepEqual(ids(response), []);
});

test('like a stored document excludes it from hits unless include is true', async () => {
  const excluded = await mlt({ fields: ['body'], like: [{ _index: 'books', _id: '1' }], minimum_should_match: 1 });
  assert.ok(!ids(excluded).includes('1'));
  assert.ok(ids(excluded).includes('2'));
  const included = await mlt({ fields: ['body'], like: [{ _id: '1' }], include: true, minimum_should_match: 1 });
  assert.equal(included.hits.hits[0]!._id, '1');
});

test('like a document of another index and an artificial document', async () => {
  const other = await mlt({ fields: ['body'], like: [{ _index: 'other', _id: 'x' }], minimum_should_match: 1 });
  assert.deepEqual(ids(other), ['3', '4']);
  const artificial = await mlt({ fields: ['body'], like: [{ doc: { body: 'sleeps all day' } }], minimum_should_match: 1 });
  assert.deepEqual(ids(artificial), ['5']);
});

test('unlike drops the terms of unliked texts', async () => {
  const liked = await mlt({ fields: ['body'], like: 'lazy dog pasta', minimum_should_match: 1 });
  assert.deepEqual(ids(liked), ['1', '2', '3', '4', '5']);
  const unliked = await mlt({ fields: ['body'], like: 'lazy dog pasta', unlike: 'pasta', minimum_should_match: 1 });
  assert.deepEqual(ids(unliked), ['1', '2', '5']);
});

test('minimum_should_match counts the selected terms', async () => {
  const any = await mlt({ fields: ['body'], like: 'fox sleeps basil', minimum_should_match: 1 });
  assert.deepEqual(ids(any), ['1', '2', '4', '5']);
  const all = await mlt({ fields: ['body'], like: 'brown fox quick', minimum_should_match: '100%' });
  assert.deepEqual(ids(all), ['1', '2']);
  const two = await mlt({ fields: ['body'], like: 'brown sleeps basil', minimum_should_match: 2 });
  assert.deepEqual(ids(two), []);
});

test('max_query_terms keeps the best tf * idf terms; boost_terms weighs them by that score', async () => {
  // basil (in one document) scores above pasta (in two): with one query term only basil is asked for.
  const one = await mlt({ fields: ['body'], like: 'pasta basil', max_query_terms: 1 });
  assert.deepEqual(ids(one), ['4']);
  const both = await mlt({ fields: ['body'], like: 'pasta basil', max_query_terms: 2 });
  assert.deepEqual(ids(both), ['3', '4']);
  const boosted = await mlt({ fields: ['body'], like: 'pasta basil', boost_terms: 1, minimum_should_match: 1 });
  const plain = await mlt({ fields: ['body'], like: 'pasta basil', minimum_should_match: 1 });
  assert.deepEqual(ids(boosted), ['3', '4']);
  assert.notEqual(boosted.hits.max_score, plain.hits.max_score);
});

test('keyword fields and the default fields', async () => {
  const keyword = await mlt({ fields: ['tag'], like: 'food' });
  assert.deepEqual(ids(keyword), ['3', '4']);
  // No fields: the index's index.query.default_field, `*` by default, under which Elasticsearch
  // refuses free text (which field's analyzer would read it?); default-field.test.ts has the rest.
  const defaults = await jsonCall(node, 'POST', '/books/_search', { query: { more_like_this: { like: 'basil', min_term_freq: 1, min_doc_freq: 1 } } });
  assert.equal(defaults.status, 400, defaults.text);
  assert.equal(defaults.body.error.root_cause[0].type, 'query_shard_exception');
  assert.match(defaults.body.error.root_cause[0].reason, /^failed to create query: \[more_like_this\] query cannot infer the field to analyze the free text/);
});

test('count, highlight and explain with more_like_this', async () => {
  const query = { more_like_this: { fields: ['body'], like: 'pasta', min_term_freq: 1, min_doc_freq: 1 } };
  const count = await jsonCall(node, 'POST', '/books/_count', { query });
  assert.equal(count.status, 200);
  assert.equal(count.body.count, 2);
  const highlighted = await jsonCall(node, 'POST', '/books/_search', { query, highlight: { fields: { body: {} } } });
  assert.equal(highlighted.status, 200);
  assert.equal(highlighted.body.hits.hits.length, 2);
  const byDocument = await jsonCall(node, 'POST', '/books/_count', { query: { more_like_this: { like: [{ _id: '3' }], min_term_freq: 1, min_doc_freq: 1 } } });
  assert.equal(byDocument.status, 200, JSON.stringify(byDocument.body));
  assert.equal(byDocument.body.count, 1); // document 4 (the liked 3 itself is excluded)
  const explained = await jsonCall(node, 'POST', '/books/_explain/3', { query });
  assert.ok(explained.status === 200, JSON.stringify(explained.body));
});

test('dynamic mappings: every text field and its keyword sub-field are liked by default', async () => {
  // As rest-api-spec mlt/20_docs and mlt/30_unlike assert: a mix of artificial and stored items, and
  // unlike removing the shared terms (from `foo` and `foo.keyword`) so that only the liked document is left.
  const client = node.client();
  await client.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'dyn', _id: '1' } }, { foo: 'bar baz selected' },
      { index: { _index: 'dyn', _id: '2' } }, { foo: 'bar' },
      { index: { _index: 'dyn', _id: '3' } }, { foo: 'bar baz' },
    ],
  });
  const mixed = await client.search({
    index: 'dyn',
    query: { more_like_this: { like: [{ _index: 'dyn', doc: { foo: 'selected' } }, { _index: 'dyn', _id: '2' }, { _id: '3' }], include: true, min_doc_freq: 0, min_term_freq: 0 } },
  });
  assert.deepEqual(ids(mixed), ['1', '2', '3']);
  const unliked = await client.search({
    index: 'dyn',
    query: { more_like_this: { like: { _index: 'dyn', _id: '1' }, unlike: { _index: 'dyn', _id: '3' }, include: true, min_doc_freq: 0, min_term_freq: 0 } },
  });
  assert.deepEqual(ids(unliked), ['1']);
});

test('bad input is a 400 with Elasticsearch error types', async () => {
  const noLike = await jsonCall(node, 'POST', '/books/_search', { query: { more_like_this: { fields: ['body'] } } });
  assert.equal(noLike.status, 400);
  assert.equal(noLike.body.error.root_cause[0].type, 'parsing_exception');
  const unknown = await jsonCall(node, 'POST', '/books/_search', { query: { more_like_this: { like: 'x', colour: 'red' } } });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.root_cause[0].type, 'parsing_exception');
  const numeric = await jsonCall(node, 'POST', '/books/_search', { query: { more_like_this: { like: '2001', fields: ['year'] } } });
  assert.equal(numeric.status, 400);
  assert.match(JSON.stringify(numeric.body), /more_like_this only supports text\/keyword fields: \[year\]/);
  const missingIndex = await jsonCall(node, 'POST', '/books/_search', { query: { more_like_this: { like: [{ _index: 'nope', _id: '1' }] } } });
  assert.ok(missingIndex.status >= 400 && missingIndex.status < 500, JSON.stringify(missingIndex.body));
  assert.equal(missingIndex.body.error.root_cause[0].type, 'index_not_found_exception');
  const missingDocument = await jsonCall(node, 'POST', '/books/_search', { query: { more_like_this: { like: [{ _id: 'nope' }] } } });
  assert.equal(missingDocument.status, 200);
  assert.equal(missingDocument.body.hits.hits.length, 0);
  const numberLike = await jsonCall(node, 'POST', '/books/_search', { query: { more_like_this: { like: 5 } } });
  assert.equal(numberLike.status, 400);
  const lenient = await jsonCall(node, 'POST', '/books/_search', { query: { more_like_this: { like: 'fox', fields: ['year', 'title'], fail_on_unsupported_field: false, min_term_freq: 1, min_doc_freq: 1 } } });
  assert.equal(lenient.status, 200);
  assert.deepEqual(lenient.body.hits.hits.map((hit: { _id: string }) => hit._id).sort(), ['1', '2']);
});
