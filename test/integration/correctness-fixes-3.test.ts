// Differences from Elasticsearch checked against its source, docs and REST tests, on one real node
// process, raw HTTP so every field is checked as sent:
// - a mapping error at index creation is wrapped once: MapperService.parseMapping answers
//   "Failed to parse mapping: <cause>" with the cause as the root cause, never the prefix twice;
// - runtime fields count against `index.mapping.total_fields.limit` (mapping-settings-limit.html:
//   "Mapped runtime fields count towards this limit"; MappingLookup counts each runtime entry);
// - the update API's `get` section is the source the update wrote (UpdateHelper.extractGetResult
//   returns the index request's source, filtered only by the request's `_source`), the stored
//   source read before it being the one the `_source` mapping keeps.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { jsonCall, type JsonAnswer } from '../harness/json-call.js';

let node: StartedNode;
before(async () => {
  node = await startNode({ clusterName: 'correctness-fixes-3', nodeName: 'n1' });
});
after(async () => {
  await node?.destroy();
});

const call = (method: string, path: string, body?: unknown): Promise<JsonAnswer> => jsonCall(node, method, path, body);

async function ok(method: string, path: string, body?: unknown): Promise<any> {
  const answer = await call(method, path, body);
  assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${answer.text}`);
  return answer.body;
}

async function fails(method: string, path: string, body: unknown, status: number, type: string, reason?: string | RegExp): Promise<any> {
  const answer = await call(method, path, body);
  assert.equal(answer.status, status, `${method} ${path}: ${answer.text}`);
  assert.equal(answer.body.status, status);
  assert.equal(answer.body.error.type, type, answer.text);
  if (typeof reason === 'string') assert.equal(answer.body.error.reason, reason);
  else if (reason !== undefined) assert.match(answer.body.error.reason, reason);
  return answer.body;
}

// ---------------------------------------------------------------- item 2: one prefix

test('index creation: a mapping refusal says "Failed to parse mapping:" once, its cause is the root cause', async () => {
  const inner = '[similarity] value [boolean] on mapper [f] is not supported by Strait (only [BM25] is supported)';
  const body = await fails('PUT', '/prefix-once', { mappings: { properties: { f: { type: 'text', similarity: 'boolean' } } } }, 400, 'mapper_parsing_exception', `Failed to parse mapping: ${inner}`);
  assert.deepEqual(body.error.root_cause, [{ type: 'mapper_parsing_exception', reason: inner }]);
  assert.equal(body.error.caused_by.reason, inner);
  // An error raised without the prefix keeps Elasticsearch's shape too.
  const unknown = await fails('PUT', '/prefix-once', { mappings: { properties: { f: { type: 'no_such_type' } } } }, 400, 'mapper_parsing_exception', 'Failed to parse mapping: No handler for type [no_such_type] declared on field [f]');
  assert.equal(unknown.error.root_cause[0].reason, 'No handler for type [no_such_type] declared on field [f]');
  assert.equal((await call('HEAD', '/prefix-once')).status, 404);
});

// ---------------------------------------------------------------- item 3: runtime fields counted

test('runtime fields count against index.mapping.total_fields.limit, at creation and on put mapping', async () => {
  const settings = { 'index.mapping.total_fields.limit': 2 };
  await fails('PUT', '/runtime-limit-a', { settings, mappings: { properties: { a: { type: 'keyword' }, b: { type: 'keyword' } }, runtime: { r: { type: 'keyword' } } } },
    400, 'illegal_argument_exception', 'Limit of total fields [2] has been exceeded');
  await ok('PUT', '/runtime-limit-b', { settings, mappings: { properties: { a: { type: 'keyword' } }, runtime: { r: { type: 'keyword' } } } });
  await fails('PUT', '/runtime-limit-b/_mapping', { runtime: { s: { type: 'long' } } }, 400, 'illegal_argument_exception', 'Limit of total fields [2] has been exceeded');
  const mapping = await ok('GET', '/runtime-limit-b/_mapping');
  assert.deepEqual(Object.keys(mapping['runtime-limit-b'].mappings.runtime), ['r']);
  // Removing a runtime field (null) frees its place.
  await ok('PUT', '/runtime-limit-b/_mapping', { runtime: { r: null, s: { type: 'long' } } });
  const freed = await ok('GET', '/runtime-limit-b/_mapping');
  assert.deepEqual(freed['runtime-limit-b'].mappings.runtime, { s: { type: 'long' } });
});

// ---------------------------------------------------------------- item 4: update get section

test('update with _source: the get section is the written source; the stored one read first is what the mapping keeps', async () => {
  await ok('PUT', '/update-get', { mappings: { _source: { excludes: ['secret'] }, properties: { a: { type: 'long' }, b: { type: 'long' }, secret: { type: 'keyword' } } } });
  await ok('PUT', '/update-get/_doc/1?refresh=true', { a: 1, secret: 'x' });
  assert.deepEqual((await ok('GET', '/update-get/_doc/1'))._source, { a: 1 });
  const updated = await ok('POST', '/update-get/_update/1?_source=true', { doc: { b: 2 } });
  assert.deepEqual(updated.get._source, { a: 1, b: 2 });
  // The request's own fields are in it, as the update wrote them, even an excluded one.
  const withSecret = await ok('POST', '/update-get/_update/1?_source=true', { doc: { secret: 'y' } });
  assert.deepEqual(withSecret.get._source, { a: 1, b: 2, secret: 'y' });
  assert.deepEqual((await ok('GET', '/update-get/_doc/1'))._source, { a: 1, b: 2 });
  // The request's `_source` filter applies on top.
  const filtered = await ok('POST', '/update-get/_update/1', { doc: { b: 3 }, _source: { includes: ['b', 'secret'] } });
  assert.deepEqual(filtered.get._source, { b: 3 });
  const noop = await ok('POST', '/update-get/_update/1?_source=true', { doc: { b: 3 } });
  assert.equal(noop.result, 'noop');
  assert.deepEqual(noop.get._source, { a: 1, b: 3 });
});
