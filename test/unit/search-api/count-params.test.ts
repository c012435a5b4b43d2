// `_count` request reading, as Elasticsearch's RestCountAction does it: the body holds only
// `query` (RestActions.getQueryContent), `q` and its companion parameters apply without a body,
// min_score and terminate_after are read as a float and an int.
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/search-count.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEsError } from '../../../src/common/index.js';
import { checkCountQueryParams, checkQueryStringParams, parseCount } from '../../../src/search/index.js';

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isEsError(error));
    assert.equal(error.status, 400);
    return `${error.type}: ${error.message}`;
  }
  return 'no error';
}

test('_count body: [query] only; stats, size and the rest are refused as Elasticsearch refuses them', () => {
  assert.equal(failure(() => parseCount({}, { query: { match_all: {} } })), 'no error');
  assert.equal(failure(() => parseCount({}, { stats: ['group'] })), 'parsing_exception: request does not support [stats]');
  assert.equal(failure(() => parseCount({}, { size: 0 })), 'parsing_exception: request does not support [size]');
});

test('_count parameters: q companions without q, q next to a body, min_score and terminate_after values', () => {
  assert.equal(failure(() => checkCountQueryParams({ q: 'a:b', df: 'a' }, false, '/i/_count')), 'no error');
  assert.equal(failure(() => checkCountQueryParams({}, true, '/i/_count')), 'no error');
  assert.equal(
    failure(() => checkCountQueryParams({ analyzer: 'standard', default_operator: 'AND' }, false, '/i/_count')),
    "illegal_argument_exception: request [/i/_count] contains parameters [analyzer, default_operator] but missing query string parameter 'q'.",
  );
  assert.equal(
    failure(() => checkCountQueryParams({ q: 'a:b', df: 'a' }, true, '/i/_count')),
    'illegal_argument_exception: request [/i/_count] contains unrecognized parameters: [q], [df]',
  );
  assert.equal(failure(() => parseCount({ terminate_after: '-1' }, undefined)), 'illegal_argument_exception: terminateAfter must be > 0');
  assert.equal(failure(() => parseCount({ terminate_after: '2147483648' }, undefined)), 'illegal_argument_exception: Failed to parse int parameter [terminate_after] with value [2147483648]');
  assert.equal(failure(() => parseCount({ min_score: '' }, undefined)), 'illegal_argument_exception: Failed to parse float parameter [min_score] with value []');
  assert.equal(failure(() => parseCount({ min_score: 'x' }, undefined)), 'illegal_argument_exception: Failed to parse float parameter [min_score] with value [x]');
  assert.equal(parseCount({ terminate_after: '0', min_score: '0.5' }, undefined).terminateAfter, undefined);
  assert.equal(parseCount({ terminate_after: '3', min_score: '0.5' }, undefined).minScore, 0.5);
});

test('_search parameters: a companion of q without q is refused (RestActions.urlParamsToQueryBuilder)', () => {
  assert.equal(failure(() => checkQueryStringParams({ q: 'x', lenient: 'true' }, '/i/_search')), 'no error');
  assert.equal(failure(() => checkQueryStringParams({ size: '1' }, '/i/_search')), 'no error');
  assert.equal(
    failure(() => checkQueryStringParams({ analyze_wildcard: 'true' }, '/_search')),
    "illegal_argument_exception: request [/_search] contains parameters [analyze_wildcard] but missing query string parameter 'q'.",
  );
});
