// Parsing a search request from URL parameters and body (search-search.html#search-search-api-query-params).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResultWindow, parseCount, parseSearch, parseTimeValueMs } from '../../../src/search/index.js';

test('URL parameters override the body; defaults from 0, size 10, track_total_hits 10000', () => {
  const defaults = parseSearch({}, undefined);
  assert.deepEqual([defaults.request.from, defaults.request.size, defaults.request.trackTotalHits], [0, 10, 10_000]);
  assert.equal(defaults.request.query.kind, 'match_all');
  const parsed = parseSearch({ from: '5', size: '2', sort: 'year:desc,_score', track_total_hits: 'false', q: 'title:dune' }, { from: 1, size: 1, query: { match_all: {} } });
  assert.deepEqual([parsed.request.from, parsed.request.size, parsed.request.trackTotalHits], [5, 2, false]);
  assert.deepEqual(parsed.request.sort?.map((spec) => spec.kind), ['field', 'score']);
  assert.notEqual(parsed.request.query.kind, 'match_all');
  assert.equal(parseSearch({ rest_total_hits_as_int: 'true' }, {}).request.trackTotalHits, true);
});

test('fetch options: _source, stored_fields, docvalue_fields, version, highlight', () => {
  const parsed = parseSearch({ _source_includes: 'a,b', version: 'true' }, { _source: false, stored_fields: ['x'], docvalue_fields: [{ field: 'd', format: 'epoch_millis' }], highlight: { fields: { t: {} } } });
  assert.deepEqual(parsed.fetch.source, { fetch: true, includes: ['a', 'b'], excludes: [] });
  assert.equal(parsed.fetch.version, true);
  assert.equal(parsed.fetch.storedFieldsOnly, false); // _source was asked explicitly
  assert.deepEqual(parsed.fetch.docvalueFields, [{ pattern: 'd', format: 'epoch_millis' }]);
  assert.equal(parsed.fetch.highlight?.fields[0]?.pattern, 't');
  assert.equal(parseSearch({}, { stored_fields: '_none_' }).fetch.storedFieldsNone, true);
});

test('bad input: unknown and unsupported keys, negative size, bad integers, search_after with from', () => {
  assert.throws(() => parseSearch({}, { quer: {} }), { type: 'parsing_exception', message: 'Unknown key for a START_OBJECT in [quer].' });
  assert.throws(() => parseSearch({}, { size: 'x' }), { type: 'parsing_exception' });
  assert.throws(() => parseSearch({}, { knn: {} }), { type: 'illegal_argument_exception', message: '[knn] is not supported by Strait' });
  // A URL size of -1 means "not set" (search/260_parameter_validation.yml); other negatives are refused.
  assert.equal(parseSearch({ size: '-1' }, {}).request.size, 10);
  assert.throws(() => parseSearch({ size: '-5' }, {}), { message: '[size] parameter cannot be negative, found [-5]' });
  assert.throws(() => parseSearch({ size: 'ten' }, {}), { message: 'Failed to parse int parameter [size] with value [ten]' });
  assert.throws(() => parseSearch({}, { from: 2, sort: ['n'], search_after: [1] }), { message: '[from] parameter must be set to 0 when [search_after] is used' });
  assert.throws(() => parseSearch({ search_type: 'scan' }, {}), { message: 'No search type for [scan]' });
  assert.throws(() => parseSearch({ rest_total_hits_as_int: 'true', track_total_hits: '100' }, {}), /rest_total_hits_as_int/);
});

test('scroll requests: keep-alive parsed; from, search_after and untracked totals refused (paginate-search-results.html)', () => {
  assert.equal(parseSearch({ scroll: '1m' }, {}, { scroll: true }).scrollKeepAliveMs, 60_000);
  assert.equal(parseSearch({ scroll: '1m' }, {}, { scroll: true }).request.trackTotalHits, true);
  assert.throws(() => parseSearch({ scroll: '1m' }, { from: 3 }, { scroll: true }), { type: 'action_request_validation_exception', message: 'Validation Failed: 1: using [from] is not allowed in a scroll context;' });
  assert.throws(() => parseSearch({ scroll: 'soon' }, {}, { scroll: true }), { type: 'illegal_argument_exception' });
});

test('result window per index; scroll batches checked by size alone', () => {
  const request = parseSearch({}, { from: 8, size: 3 }).request;
  assert.doesNotThrow(() => checkResultWindow(request, 11, false));
  assert.throws(() => checkResultWindow(request, 10, false), /from \+ size must be less than or equal to: \[10\] but was \[11\]/);
  assert.doesNotThrow(() => checkResultWindow(request, 3, true));
  assert.throws(() => checkResultWindow(request, 2, true), /Batch size is too large/);
});

test('_count takes only a query; q builds a query_string query', () => {
  assert.equal(parseCount({ q: 'a:b' }, undefined).query.kind !== 'match_all', true);
  assert.equal(parseCount({}, { query: { term: { a: 1 } } }).query.kind, 'term');
  assert.equal(parseCount({ terminate_after: '5' }, undefined).terminateAfter, 5);
  assert.throws(() => parseCount({}, { aggs: {} }), { message: 'request does not support [aggs]' });
});

test('time values: units required except 0 and -1 (api-conventions.html#time-units)', () => {
  assert.equal(parseTimeValueMs('90s', 'scroll'), 90_000);
  assert.equal(parseTimeValueMs('1H', 'scroll'), 3_600_000);
  assert.equal(parseTimeValueMs('-1', 'x'), -1);
  assert.throws(() => parseTimeValueMs('10', 'scroll'), { message: 'failed to parse setting [scroll] with value [10] as a time value: unit is missing or unrecognized' });
});
