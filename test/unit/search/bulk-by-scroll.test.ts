// The pure core of _reindex, _update_by_query and _delete_by_query: request validation as
// Elasticsearch's rest-api-spec tests assert it (modules/reindex/src/yamlRestTest:
// reindex/20_validation.yml, update_by_query/20_validation.yml), the status JSON, throttling,
// slicing and the remote whitelist.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/index.js';
import {
  checkRemoteWhitelisted,
  describeRemote,
  inSlice,
  newWorkerStatus,
  parseByQueryRequest,
  parseRemote,
  parseReindexRequest,
  renderResponse,
  renderStatus,
  sliceRate,
  sumStatuses,
  throttleWaitMs,
  warningHeader,
} from '../../../src/search/bulk-by-scroll.js';

function failure(run: () => unknown): { status: number; type: string; reason: string } {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof EsError, String(error));
    return { status: error.status, type: error.type, reason: error.message };
  }
  assert.fail('expected an error');
}

const ok = { source: { index: 'test' }, dest: { index: 'dest' } };

test('reindex validation messages (reindex/20_validation.yml)', () => {
  assert.match(failure(() => parseReindexRequest({ junk: { more_junk: null } }, {})).reason, /unknown field \[junk\]/);
  assert.match(failure(() => parseReindexRequest({ source: { junk: {} }, dest: { index: 'd' } }, {})).reason, /Unknown key for a START_OBJECT in \[junk\]\./);
  assert.match(failure(() => parseReindexRequest({ dest: { junk: {} } }, {})).reason, /unknown field \[junk\]/);
  assert.match(failure(() => parseReindexRequest({ dest: {} }, {})).reason, /index must be specified/);
  const size = failure(() => parseReindexRequest({ source: { size: 'cat' }, dest: { index: 'dest' } }, {}));
  assert.equal(size.type, 'number_format_exception');
  assert.match(size.reason, /For input string: "cat"/);
  assert.match(failure(() => parseReindexRequest({ source: { from: 1 }, dest: { index: 'dest' } }, {})).reason, /from is not supported in this context/);
  assert.match(failure(() => parseReindexRequest({ dest: { version: 10 } }, {})).reason, /\[dest\] unknown field \[version\]/);
  assert.match(failure(() => parseReindexRequest({ conflicts: 'cat' }, {})).reason, /conflicts may only be "proceed" or "abort" but was \[cat\]/);
  assert.match(failure(() => parseReindexRequest({ ...ok, size: -4 }, {})).reason, /\[max_docs\] parameter cannot be negative, found \[-4\]/);
  assert.match(failure(() => parseReindexRequest({ ...ok, max_docs: -4 }, {})).reason, /\[max_docs\] parameter cannot be negative, found \[-4\]/);
  assert.match(failure(() => parseReindexRequest(ok, { max_docs: '-4' })).reason, /\[max_docs\] parameter cannot be negative, found \[-4\]/);
  assert.match(failure(() => parseReindexRequest(ok, { max_docs: '1', slices: '2' })).reason, /\[max_docs\] should be >= \[slices\]/);
  assert.match(failure(() => parseReindexRequest({ ...ok, size: 4, max_docs: 5 }, {})).reason, /\[max_docs\] set to two different values \[4\] and \[5\]/);
  assert.match(failure(() => parseReindexRequest({ ...ok, max_docs: 4 }, { max_docs: '5' })).reason, /\[max_docs\] set to two different values \[4\] and \[5\]/);
  for (const rps of ['', '-12', '0', 'unlimited']) {
    assert.match(failure(() => parseReindexRequest(ok, { requests_per_second: rps })).reason, /\[requests_per_second\] must be a float greater than 0\. Use -1 to disable throttling\./);
  }
  assert.match(failure(() => parseReindexRequest({ source: { index: 'test', stored_fields: ['_id'] }, dest: { index: 'dest' } }, {})).reason, /stored_fields is not supported in this context/);
  for (const slices of ['junk', '0']) assert.match(failure(() => parseReindexRequest(ok, { slices })).reason, /\[slices\] must be a positive integer or the string "auto"/);
  assert.match(failure(() => parseReindexRequest({ source: { index: 'source', _source: false }, dest: { index: 'dest' } }, {})).reason, /_source:false is not supported in this context/);
  assert.match(failure(() => parseReindexRequest(ok, { refresh: 'wait_for' })).reason, /Failed to parse value \[wait_for\] as only \[true\] or \[false\] are allowed\./);
  const noBody = failure(() => parseReindexRequest(undefined, {}));
  assert.equal(noBody.status, 400);
});

test('reindex from remote: host form, unknown fields, timeouts, whitelist (reindex/20_validation.yml)', () => {
  const remote = (value: unknown) => parseReindexRequest({ source: { index: 'test', remote: value }, dest: { index: 'dest' } }, {});
  assert.match(failure(() => remote({ host: 'badremote', weird: 'stuff', badkey: 'is bad' })).reason, /\[host\] must be of the form \[scheme\]:\/\/\[host\]:\[port\]/);
  assert.match(failure(() => remote({ host: 'http://okremote:9200', weird: 'stuff', badkey: 'is bad' })).reason, /Unsupported fields in \[remote\]: \[weird,badkey\]/);
  assert.equal(failure(() => remote({ host: 'http://okremote:9200', socket_timeout: 'borked' })).type, 'number_format_exception');
  assert.equal(failure(() => remote({ host: 'http://okremote:9200', connect_timeout: 'borked' })).type, 'number_format_exception');
  assert.match(failure(() => parseReindexRequest({ source: { index: 't', remote: { host: 'http://r:9200' } }, dest: { index: 'd' } }, { slices: '2' })).reason, /doesn't support slices > 1 but was \[2\]/);
  const parsed = parseRemote({ host: 'https://127.0.0.1:9201/prefix/', username: 'bob', password: 'secret', headers: { Authorization: 'ApiKey abc' }, socket_timeout: '1m' });
  assert.deepEqual([parsed.scheme, parsed.host, parsed.port, parsed.pathPrefix, parsed.socketTimeoutMs], ['https', '127.0.0.1', 9201, '/prefix', 60_000]);
  // Credentials never reach a description.
  assert.equal(describeRemote(parsed), 'scheme=https host=127.0.0.1 port=9201 pathPrefix=/prefix');
  const denied = failure(() => checkRemoteWhitelisted(parseRemote({ host: 'http://badremote:9200' }), []));
  assert.deepEqual([denied.status, denied.type, denied.reason], [400, 'illegal_argument_exception', '[badremote:9200] not whitelisted in reindex.remote.whitelist']);
  checkRemoteWhitelisted(parseRemote({ host: 'http://127.0.0.1:9201' }), ['otherhost:9200', '127.0.0.1:*']);
  checkRemoteWhitelisted(parseRemote({ host: 'https://a.example.com:443' }), ['*.example.com:443']);
  assert.throws(() => checkRemoteWhitelisted(parseRemote({ host: 'https://a.example.com:444' }), ['*.example.com:443']));
});

test('by-query validation (update_by_query/20_validation.yml, delete_by_query/20_validation.yml)', () => {
  assert.match(failure(() => parseByQueryRequest('update_by_query', 'test', { junk: 1 }, {})).reason, /unknown field \[junk\]/);
  assert.match(failure(() => parseByQueryRequest('update_by_query', 'test', undefined, { conflicts: 'cat' })).reason, /conflicts may only be "proceed" or "abort" but was \[cat\]/);
  assert.match(failure(() => parseByQueryRequest('update_by_query', 'test', undefined, { max_docs: '-4' })).reason, /\[max_docs\] parameter cannot be negative, found \[-4\]/);
  assert.match(failure(() => parseByQueryRequest('delete_by_query', 'test', { query: { match_all: {} } }, { requests_per_second: '0' })).reason, /must be a float greater than 0/);
  assert.match(failure(() => parseByQueryRequest('delete_by_query', 'test', undefined, {})).reason, /query is missing/);
  assert.match(failure(() => parseByQueryRequest('update_by_query', 'test', { _source: false }, {})).reason, /_source:false is not supported in this context/);
  assert.match(failure(() => parseByQueryRequest('update_by_query', 'test', undefined, { from: '1' })).reason, /from is not supported in this context/);
  // A script is read with the script parser (a language other than painless is refused); delete by query takes none.
  assert.equal(parseByQueryRequest('update_by_query', 'test', { script: { source: 'ctx._source.x = 1' } }, {}).script?.source, 'ctx._source.x = 1');
  assert.equal(parseReindexRequest({ ...ok, script: 'ctx._source.x = 1' }, {}).script?.source, 'ctx._source.x = 1');
  assert.equal(failure(() => parseReindexRequest({ ...ok, script: { source: 'x', lang: 'expression' } }, {})).status, 400);
  assert.match(failure(() => parseByQueryRequest('delete_by_query', 'test', { query: { match_all: {} }, script: 'x' }, {})).reason, /unknown field \[script\]/);
  const spec = parseByQueryRequest('update_by_query', 'a,b', { query: { match_all: {} } }, { q: 'x:1', search_timeout: '1s', scroll_size: '10', routing: 'r' });
  assert.deepEqual(spec.source.indices, ['a', 'b']);
  assert.deepEqual(spec.params, { q: 'x:1', routing: 'r', timeout: '1s' });
  assert.equal(spec.source.batchSize, 10);
});

test('status and response JSON: field order, -1 for unthrottled, sliced sums (docs-reindex.html response body)', () => {
  const status = newWorkerStatus(undefined, Infinity);
  status.total = 2;
  status.created = 2;
  status.batches = 1;
  assert.deepEqual(Object.keys(renderStatus(status, { created: true, updated: true })), [
    'total', 'updated', 'created', 'deleted', 'batches', 'version_conflicts', 'noops', 'retries', 'throttled_millis', 'requests_per_second', 'throttled_until_millis',
  ]);
  const response = renderResponse('reindex', 3, false, status, undefined, []);
  assert.equal(response.status, 200);
  assert.deepEqual(response.body, {
    took: 3, timed_out: false, total: 2, updated: 0, created: 2, deleted: 0, batches: 1, version_conflicts: 0, noops: 0,
    retries: { bulk: 0, search: 0 }, throttled_millis: 0, requests_per_second: -1, throttled_until_millis: 0, failures: [],
  });
  // Delete by query does not show created or updated; update by query does not show created.
  assert.equal('created' in renderResponse('delete_by_query', 0, false, status, undefined, []).body, false);
  assert.equal('updated' in renderResponse('delete_by_query', 0, false, status, undefined, []).body, false);
  assert.equal('created' in renderResponse('update_by_query', 0, false, status, undefined, []).body, false);
  const conflict = renderResponse('reindex', 0, false, status, undefined, [{ kind: 'bulk', index: 'dest', id: '1', cause: { type: 'version_conflict_engine_exception', reason: 'x' }, status: 409 }]);
  assert.equal(conflict.status, 409);
  assert.deepEqual(conflict.body['failures'], [{ index: 'dest', id: '1', cause: { type: 'version_conflict_engine_exception', reason: 'x' }, status: 409 }]);
  const slices = [0, 1].map((id) => ({ ...newWorkerStatus(id, 2), created: id + 1, total: id + 1 }));
  const summed = sumStatuses(slices, 4);
  const sliced = renderResponse('reindex', 0, false, summed, slices, []).body;
  assert.equal(sliced['created'], 3);
  assert.equal(sliced['requests_per_second'], 4);
  assert.deepEqual((sliced['slices'] as Record<string, unknown>[]).map((slice) => [slice['slice_id'], slice['created'], slice['requests_per_second']]), [[0, 1, 2], [1, 2, 2]]);
});

test('throttle: a batch of n documents at r per second takes n/r seconds, the batch time counted (docs-reindex.html#docs-reindex-throttle)', () => {
  assert.equal(throttleWaitMs(Infinity, 1000, 0, 10), 0);
  assert.equal(throttleWaitMs(1, 1, 1000, 1000), 1000);
  assert.equal(throttleWaitMs(500, 1000, 0, 500), 1500); // 2 s for the batch, 0.5 s already spent
  assert.equal(throttleWaitMs(10, 1, 0, 5000), 0);
  assert.equal(sliceRate(10, 4), 2.5);
  assert.equal(sliceRate(Infinity, 4), Infinity);
});

test('slices split documents by _id: disjoint, and together every document (docs-reindex.html#docs-reindex-slice)', () => {
  const ids = Array.from({ length: 500 }, (_, index) => `doc-${index}`);
  const max = 5;
  const counts = Array.from({ length: max }, (_, id) => ids.filter((docId) => inSlice(docId, { id, max })).length);
  assert.equal(counts.reduce((sum, count) => sum + count, 0), ids.length);
  for (const docId of ids) assert.equal(Array.from({ length: max }, (_, id) => inSlice(docId, { id, max })).filter(Boolean).length, 1);
  assert.ok(counts.every((count) => count > 50), `uneven slices: ${counts.join(',')}`);
});

test('deprecation warnings use the Warning header form (RFC 7234 code 299)', () => {
  const spec = parseReindexRequest({ size: 1, source: { index: 'test', sort: 'order' }, dest: { index: 'target' } }, {});
  assert.deepEqual(spec.warnings, ['Deprecated field [size] used, expected [max_docs] instead', 'The sort option in reindex is deprecated. Instead consider using query filtering to find the desired subset of data.']);
  assert.match(warningHeader('a "b"'), /^299 Elasticsearch-\d+\.\d+\.\d+ "a \\"b\\""$/);
});
