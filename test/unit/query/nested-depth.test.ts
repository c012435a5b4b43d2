// Queries inside queries stop at `indices.query.bool.max_nested_depth` (default 30), as in
// Elasticsearch's AbstractQueryBuilder.parseTopLevelQuery: "The nested depth of the query exceeds
// the maximum nested depth for queries set in [indices.query.bool.max_nested_depth]" (400).
// https://www.elastic.co/guide/en/elasticsearch/reference/current/search-settings.html
// Issue #9 item 4: no recursive walk of a request may overflow the stack.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError, limits } from '../../../src/common/index.js';
import { parseAggregations } from '../../../src/index/aggs/ast.js';
import { parseQuery } from '../../../src/index/query/index.js';
import { compileQuery, type QuerySchema } from '../../../src/http/routes/security-query.js';

/** `depth` queries, each the only clause of the one around it: bools around a match_all. */
const nestedBool = (depth: number): unknown => {
  let query: unknown = { match_all: {} };
  for (let level = 1; level < depth; level++) query = { bool: { must: [query] } };
  return query;
};

const isDepthError = (error: unknown): boolean =>
  error instanceof EsError &&
  error.status === 400 &&
  error.type === 'illegal_argument_exception' &&
  error.message === 'The nested depth of the query exceeds the maximum nested depth for queries set in [indices.query.bool.max_nested_depth]';

test('30 nested queries parse, the 31st is refused with Elasticsearch’s error', () => {
  assert.equal(limits.queryNestedDepthMax, 30);
  assert.equal(parseQuery(nestedBool(30)).kind, 'bool');
  assert.throws(() => parseQuery(nestedBool(31)), isDepthError);
});

test('every compound query counts, not only bool', () => {
  let query: unknown = { match_all: {} };
  for (let level = 1; level <= 30; level++) query = level % 2 === 0 ? { constant_score: { filter: query } } : { dis_max: { queries: [query] } };
  assert.throws(() => parseQuery(query), isDepthError);
});

test('a query as deep as the JSON limit allows is refused, and the counter resets after the error', () => {
  assert.throws(() => parseQuery(nestedBool(490)), isDepthError);
  assert.equal(parseQuery(nestedBool(30)).kind, 'bool'); // the failed parse left no depth behind
});

test('filter aggregations count their query depth on their own', () => {
  const aggregations = parseAggregations({ only: { filter: nestedBool(30) } });
  assert.equal(aggregations.length, 1);
  assert.throws(() => parseAggregations({ only: { filter: nestedBool(31) } }), isDepthError);
});

test('the security query APIs (_query/api_key, user, role) apply the same limit', () => {
  const schema: QuerySchema<string> = { what: 'test', field: (name) => name, value: (item) => item, id: (item) => item };
  assert.equal(compileQuery(schema, nestedBool(30), 0)('x'), true);
  assert.throws(() => compileQuery(schema, nestedBool(31), 0), isDepthError);
  assert.throws(() => compileQuery(schema, nestedBool(300), 0), isDepthError);
});
