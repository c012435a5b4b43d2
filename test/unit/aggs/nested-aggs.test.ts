// The nested and reverse_nested aggregations over real segments (issue #15): doc_count counts
// nested documents (reverse_nested: parents, once per bucket), sub-aggregations see the nested
// level's fields, multi-level paths, and Elasticsearch's errors.
// References: search-aggregations-bucket-nested-aggregation.html,
// search-aggregations-bucket-reverse-nested-aggregation.html (its issues/comments example).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { segmentIndex, throwsEs } from '../query/segment-index.js';

const mapping = {
  properties: {
    tags: { type: 'keyword' },
    resellers: { type: 'nested', properties: { reseller: { type: 'keyword' }, price: { type: 'double' } } },
    comments: {
      type: 'nested',
      properties: { username: { type: 'keyword' }, comment: { type: 'text' }, replies: { type: 'nested', properties: { by: { type: 'keyword' } } } },
    },
  },
};
const products = [
  { tags: ['tv'], resellers: [{ reseller: 'companyA', price: 350 }, { reseller: 'companyB', price: 500 }], comments: [{ username: 'u1', replies: [{ by: 'x' }, { by: 'y' }] }, { username: 'u2' }] },
  { tags: ['tv', 'sale'], resellers: { reseller: 'companyA', price: 200 }, comments: { username: 'u1', replies: { by: 'x' } } },
  { tags: ['radio'] },
];

test('nested: doc_count counts nested documents, sub-aggregations read their fields (nested-aggregation.html)', () => {
  const { search } = segmentIndex(mapping, products);
  const result = search({ size: 0, aggs: { resellers: { nested: { path: 'resellers' }, aggs: { min_price: { min: { field: 'resellers.price' } }, names: { terms: { field: 'resellers.reseller' } } } } } });
  const resellers = (result.aggregations as Record<string, any>)['resellers'];
  assert.equal(resellers.doc_count, 3);
  assert.equal(resellers.min_price.value, 200);
  assert.deepEqual(resellers.names.buckets, [{ key: 'companyA', doc_count: 2 }, { key: 'companyB', doc_count: 1 }]);
  // Only the query's parents: doc 2 (tag sale).
  const filtered = search({ size: 0, query: { term: { tags: 'sale' } }, aggs: { resellers: { nested: { path: 'resellers' }, aggs: { max_price: { max: { field: 'resellers.price' } } } } } });
  assert.deepEqual((filtered.aggregations as Record<string, any>)['resellers'], { doc_count: 1, max_price: { value: 200 } });
  // At the root, nested fields have no values (they are in the nested documents only).
  const root = search({ size: 0, aggs: { price: { max: { field: 'resellers.price' } } } });
  assert.deepEqual((root.aggregations as Record<string, any>)['price'], { value: null });
  // Under a bucket of the parents.
  const byTag = search({ size: 0, aggs: { tags: { terms: { field: 'tags' }, aggs: { resellers: { nested: { path: 'resellers' } } } } } });
  assert.deepEqual((byTag.aggregations as Record<string, any>)['tags'].buckets.map((bucket: any) => [bucket.key, bucket.doc_count, bucket.resellers.doc_count]), [
    ['tv', 2, 3],
    ['radio', 1, 0],
    ['sale', 1, 1],
  ]);
});

test('reverse_nested: parents of the nested documents in each bucket, to the root or to a nested path (reverse-nested-aggregation.html)', () => {
  const { search } = segmentIndex(mapping, products);
  const body = {
    size: 0,
    aggs: {
      comments: {
        nested: { path: 'comments' },
        aggs: { users: { terms: { field: 'comments.username' }, aggs: { to_root: { reverse_nested: {}, aggs: { tags: { terms: { field: 'tags' } } } } } } },
      },
    },
  };
  const comments = (search(body).aggregations as Record<string, any>)['comments'];
  assert.equal(comments.doc_count, 3);
  const u1 = comments.users.buckets.find((bucket: any) => bucket.key === 'u1');
  assert.equal(u1.doc_count, 2);
  assert.equal(u1.to_root.doc_count, 2);
  assert.deepEqual(u1.to_root.tags.buckets, [{ key: 'tv', doc_count: 2 }, { key: 'sale', doc_count: 1 }]);
  // Two levels down and back to the comments (each comment once per bucket, however many replies).
  const replies = {
    size: 0,
    aggs: {
      comments: {
        nested: { path: 'comments' },
        aggs: { replies: { nested: { path: 'comments.replies' }, aggs: { by: { terms: { field: 'comments.replies.by' }, aggs: { back: { reverse_nested: { path: 'comments' }, aggs: { users: { terms: { field: 'comments.username' } } } }, root: { reverse_nested: {} } } } } } },
      },
    },
  };
  const deep = (search(replies).aggregations as Record<string, any>)['comments'].replies;
  assert.equal(deep.doc_count, 3);
  const x = deep.by.buckets.find((bucket: any) => bucket.key === 'x');
  assert.equal(x.doc_count, 2);
  assert.equal(x.back.doc_count, 2);
  assert.deepEqual(x.back.users.buckets, [{ key: 'u1', doc_count: 2 }]);
  assert.equal(x.root.doc_count, 2);
  const y = deep.by.buckets.find((bucket: any) => bucket.key === 'y');
  assert.deepEqual([y.doc_count, y.back.doc_count, y.root.doc_count], [1, 1, 1]);
});

test('nested aggregation errors: a path that is not nested, a missing path, reverse_nested outside nested; an unmapped path is empty', () => {
  const { search } = segmentIndex({ properties: { ...mapping.properties, plain: { properties: { v: { type: 'long' } } } } }, products);
  throwsEs(() => search({ aggs: { n: { nested: { path: 'plain' } } } }), 'aggregation_execution_exception', '[nested] nested path [plain] is not nested');
  throwsEs(() => search({ aggs: { n: { nested: {} } } }), 'parsing_exception', 'Missing [path] field for nested aggregation [n]');
  throwsEs(() => search({ aggs: { r: { reverse_nested: {} } } }), 'illegal_argument_exception', 'Reverse nested aggregation [r] can only be used inside a [nested] aggregation');
  const unmapped = search({ size: 0, aggs: { n: { nested: { path: 'nope' }, aggs: { m: { max: { field: 'nope.v' } } } } } });
  assert.deepEqual((unmapped.aggregations as Record<string, any>)['n'], { doc_count: 0, m: { value: null } });
});

test('top_hits under nested: the nested objects, each with its _nested (search-aggregations-metrics-top-hits-aggregation.html#_top_hits_support_in_a_nested_or_reverse_nested_aggregator)', () => {
  const { search } = segmentIndex(mapping, products);
  const body = { size: 0, aggs: { comments: { nested: { path: 'comments' }, aggs: { replies: { nested: { path: 'comments.replies' }, aggs: { top: { top_hits: { size: 1, sort: [{ 'comments.replies.by': 'desc' }] } } } }, top: { top_hits: { size: 1 } } } } } };
  const comments = (search(body).aggregations as Record<string, any>)['comments'];
  assert.deepEqual(comments.top.hits.hits[0], { _index: 'idx', _id: '1', _nested: { field: 'comments', offset: 0 }, _score: 1, _source: { username: 'u1', replies: [{ by: 'x' }, { by: 'y' }] } });
  assert.deepEqual(comments.replies.top.hits.hits[0]._nested, { field: 'comments', offset: 0, _nested: { field: 'replies', offset: 1 } });
  assert.deepEqual(comments.replies.top.hits.hits[0]._source, { by: 'y' });
});
