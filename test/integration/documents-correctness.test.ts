// Issue #9 ("Correctness first"), document and search items, on one real node process (HTTPS,
// security on), raw HTTP so every status, error type and reason is checked as sent:
// - versions: the whole version / version_type / if_seq_no / if_primary_term surface of index,
//   create, delete, update, get, mget and bulk, as Elasticsearch validates it (DocWriteRequest,
//   IndexRequest, DeleteRequest, UpdateRequest, GetRequest, BulkRequest validate; VersionType);
//   external versions may be 0; no input reaches a 5xx.
//   Reference: docs-index_.html#index-versioning, docs-bulk.html, docs-get.html.
// - routing: stored per document, shown as `_routing` by get, mget and search hits, kept by
//   updates, required by `_routing: {required: true}` (routing_missing_exception), durable across
//   a restart. Reference: mapping-routing-field.html.
// - clear scroll: a body's scroll ids take precedence over the path's (RestClearScrollAction).
// - _count: only `query` in the body (RestActions.getQueryContent); `q` and its companion
//   parameters as RestCountAction reads them. Reference: search-count.html.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { jsonCall, type JsonAnswer } from '../harness/json-call.js';

let node: StartedNode;
before(async () => {
  node = await startNode({ clusterName: 'docs-correctness', nodeName: 'd1' });
});
after(async () => {
  await node?.destroy();
});

type Answer = JsonAnswer;

const call = (method: string, path: string, body?: unknown): Promise<Answer> => jsonCall(node, method, path, body);

function assertError(answer: Answer, status: number, type: string, reason: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body.error.type, type, JSON.stringify(answer.body));
  assert.equal(answer.body.error.reason, reason);
  assert.equal(answer.body.status, status);
  assert.ok(Array.isArray(answer.body.error.root_cause));
}

const internalVersioning = 'internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead';

// ---------------------------------------------------------------- versions

test('external versions may be 0 (index, external_gte, get, delete); the store keeps them', async () => {
  const created = await call('PUT', '/vbooks/_doc/9?version=0&version_type=external', { title: 'zero' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body._version, 0);
  assert.equal(created.body.result, 'created');

  const gte = await call('PUT', '/vbooks/_doc/10?version=0&version_type=external_gte', { title: 'zero too' });
  assert.equal(gte.status, 201, JSON.stringify(gte.body));
  assert.equal(gte.body._version, 0);
  // external_gte accepts the same version again; external does not.
  const again = await call('PUT', '/vbooks/_doc/10?version=0&version_type=external_gte', { title: 'zero again' });
  assert.equal(again.status, 200);
  assert.equal(again.body._version, 0);
  assertError(
    await call('PUT', '/vbooks/_doc/9?version=0&version_type=external', { title: 'stale' }),
    409,
    'version_conflict_engine_exception',
    '[9]: version conflict, current version [0] is higher or equal to the one provided [0]',
  );

  const got = await call('GET', '/vbooks/_doc/9');
  assert.equal(got.body._version, 0);
  const gotWithVersion = await call('GET', '/vbooks/_doc/9?version=0&version_type=external');
  assert.equal(gotWithVersion.status, 200);
  assert.equal(gotWithVersion.body._source.title, 'zero');

  // A delete with external version 0 on a missing id records a tombstone at version 0.
  const deletedMissing = await call('DELETE', '/vbooks/_doc/11?version=0&version_type=external');
  assert.equal(deletedMissing.status, 404);
  assert.equal(deletedMissing.body.result, 'not_found');
  assert.equal(deletedMissing.body._version, 0);
  const deleted = await call('DELETE', '/vbooks/_doc/9?version=5&version_type=external');
  assert.equal(deleted.status, 200);
  assert.equal(deleted.body._version, 5);
  // The tombstone's version still counts: an older external version conflicts.
  assert.equal((await call('PUT', '/vbooks/_doc/9?version=4&version_type=external', { title: 'old' })).status, 409);
  assert.equal((await call('PUT', '/vbooks/_doc/9?version=6&version_type=external', { title: 'new' })).body._version, 6);
});

test('invalid versioning parameters on index, create and delete: Elasticsearch validation errors, never a 5xx', async () => {
  await call('PUT', '/vparams/_doc/1', { a: 1 });
  const cases: [string, string, number, string, string][] = [
    ['PUT', '/vparams/_doc/1?version=-5&version_type=external', 400, 'action_request_validation_exception', 'Validation Failed: 1: illegal version value [-5] for version type [EXTERNAL];'],
    ['PUT', '/vparams/_doc/1?version_type=external', 400, 'action_request_validation_exception', 'Validation Failed: 1: illegal version value [-3] for version type [EXTERNAL];'],
    ['PUT', '/vparams/_doc/1?version=-1&version_type=external_gte', 400, 'action_request_validation_exception', 'Validation Failed: 1: illegal version value [-1] for version type [EXTERNAL_GTE];'],
    ['PUT', '/vparams/_doc/1?version=2', 400, 'action_request_validation_exception', `Validation Failed: 1: ${internalVersioning};`],
    ['PUT', '/vparams/_doc/1?version=0', 400, 'action_request_validation_exception', `Validation Failed: 1: illegal version value [0] for version type [INTERNAL];2: ${internalVersioning};`],
    ['PUT', '/vparams/_doc/1?version=abc', 400, 'illegal_argument_exception', 'Failed to parse long parameter [version] with value [abc]'],
    ['PUT', '/vparams/_doc/1?version=9223372036854775808&version_type=external', 400, 'illegal_argument_exception', 'Failed to parse long parameter [version] with value [9223372036854775808]'],
    ['PUT', '/vparams/_doc/1?version=9007199254740993&version_type=external', 400, 'illegal_argument_exception', '[version] value [9007199254740993] is beyond the largest value Strait stores exactly [9007199254740991]'],
    ['PUT', '/vparams/_doc/1?version_type=force&version=3', 400, 'illegal_argument_exception', 'version type [force] may no longer be used'],
    ['PUT', '/vparams/_doc/1?version_type=bogus', 400, 'illegal_argument_exception', 'No version type match [bogus]'],
    ['PUT', '/vparams/_doc/1?if_seq_no=-1&if_primary_term=1', 400, 'illegal_argument_exception', 'sequence numbers must be non negative. got [-1].'],
    ['PUT', '/vparams/_doc/1?if_seq_no=0&if_primary_term=-1', 400, 'illegal_argument_exception', 'primary term must be non negative. got [-1]'],
    ['PUT', '/vparams/_doc/1?if_seq_no=0', 400, 'action_request_validation_exception', 'Validation Failed: 1: ifSeqNo is set, but primary term is [0];'],
    ['PUT', '/vparams/_doc/1?if_primary_term=1', 400, 'action_request_validation_exception', 'Validation Failed: 1: ifSeqNo is unassigned, but primary term is [1];'],
    ['PUT', '/vparams/_doc/1?if_seq_no=0&if_primary_term=1&version=3&version_type=external', 400, 'action_request_validation_exception', 'Validation Failed: 1: compare and write operations can not use versioning;'],
    ['PUT', '/vparams/_create/2?version=3&version_type=external', 400, 'action_request_validation_exception', 'Validation Failed: 1: create operations only support internal versioning. use index instead;'],
    ['PUT', '/vparams/_create/2?version=3', 400, 'action_request_validation_exception', 'Validation Failed: 1: create operations do not support explicit versions. use index instead;'],
    ['PUT', '/vparams/_create/2?if_seq_no=0&if_primary_term=1', 400, 'action_request_validation_exception', 'Validation Failed: 1: create operations do not support compare and set. use index instead;'],
    // Without an id the write is a create (RestIndexAction's AutoIdHandler) unless op_type says index.
    ['POST', '/vparams/_doc?version=3&version_type=external', 400, 'action_request_validation_exception', 'Validation Failed: 1: create operations only support internal versioning. use index instead;'],
    ['POST', '/vparams/_doc?op_type=index&version=3&version_type=external', 400, 'action_request_validation_exception', 'Validation Failed: 1: an id must be provided if version type or value are set;'],
    ['DELETE', '/vparams/_doc/1?version=-1&version_type=external', 400, 'action_request_validation_exception', 'Validation Failed: 1: illegal version value [-1] for version type [EXTERNAL];'],
    ['DELETE', '/vparams/_doc/1?version=1', 400, 'action_request_validation_exception', `Validation Failed: 1: ${internalVersioning};`],
    ['POST', '/vparams/_update/1?version=1', 400, 'action_request_validation_exception', `Validation Failed: 1: ${internalVersioning};`],
    ['POST', '/vparams/_update/1?version_type=external', 400, 'action_request_validation_exception', `Validation Failed: 1: ${internalVersioning};`],
  ];
  for (const [method, path, status, type, reason] of cases) {
    const body = method === 'DELETE' ? undefined : method === 'POST' && path.includes('_update') ? { doc: { a: 2 } } : { a: 2 };
    const answer = await call(method, path, body);
    assert.ok(answer.status < 500, `${method} ${path}: ${answer.status}`);
    assertError(answer, status, type, reason);
  }
  // The reserved "any version" (-3) is accepted with internal versioning, and if_seq_no=-2 means unset.
  const any = await call('PUT', '/vparams/_doc/1?version=-3&if_seq_no=-2', { a: 3 });
  assert.equal(any.status, 200, JSON.stringify(any.body));
  // The reserved "must not exist" (-4) with internal versioning conflicts with a live document.
  assertError(
    await call('PUT', '/vparams/_doc/1?version=-4', { a: 4 }),
    409,
    'version_conflict_engine_exception',
    `[1]: version conflict, document already exists (current version [${any.body._version}])`,
  );
});

test('get and mget versions: reads compare for equality; invalid read versions are refused', async () => {
  await call('PUT', '/vget/_doc/1?version=7&version_type=external', { a: 1 });
  assertError(await call('GET', '/vget/_doc/1?version=0'), 400, 'action_request_validation_exception', 'Validation Failed: 1: illegal version value [0] for version type [INTERNAL];');
  assertError(await call('GET', '/vget/_doc/1?version=-1&version_type=external'), 400, 'action_request_validation_exception', 'Validation Failed: 1: illegal version value [-1] for version type [EXTERNAL];');
  assertError(await call('GET', '/vget/_doc/1?version=x'), 400, 'illegal_argument_exception', 'Failed to parse long parameter [version] with value [x]');
  // Elasticsearch compares read versions for equality whatever the version type.
  assertError(
    await call('GET', '/vget/_doc/1?version=8&version_type=external'),
    409,
    'version_conflict_engine_exception',
    '[1]: version conflict, current version [7] is different than the one provided [8]',
  );
  assert.equal((await call('GET', '/vget/_doc/1?version=7')).status, 200);
  assert.equal((await call('GET', '/vget/_doc/1?version=-3')).status, 200);

  const mget = await call('POST', '/_mget', { docs: [{ _index: 'vget', _id: '1', version: 7 }, { _index: 'vget', _id: '1', version: 3 }] });
  assert.equal(mget.status, 200);
  assert.equal(mget.body.docs[0].found, true);
  assert.equal(mget.body.docs[1].error.type, 'version_conflict_engine_exception');
});

test('bulk: versioning problems of any item fail the whole request as Elasticsearch validates it; external version 0 works', async () => {
  const invalid = [
    JSON.stringify({ index: { _index: 'vbulk', _id: '1', version: -1, version_type: 'external' } }),
    JSON.stringify({ a: 1 }),
    JSON.stringify({ delete: { _index: 'vbulk' } }),
    JSON.stringify({ create: { _index: 'vbulk', _id: '2', version: 5 } }),
    JSON.stringify({ a: 1 }),
    '',
  ].join('\n');
  assertError(
    await call('POST', '/_bulk', invalid),
    400,
    'action_request_validation_exception',
    'Validation Failed: 1: illegal version value [-1] for version type [EXTERNAL];2: id is missing;3: create operations do not support explicit versions. use index instead;',
  );
  assertError(
    await call('POST', '/_bulk', `${JSON.stringify({ index: { _index: 'vbulk', _id: '1', version: 'x' } })}\n{}\n`),
    400,
    'illegal_argument_exception',
    'Failed to parse long parameter [version] with value [x]',
  );

  assertError(
    await call('POST', '/_bulk', `${JSON.stringify({ index: { _index: 'vbulk', _id: '1', routing: { a: 1 } } })}\n{}\n`),
    400,
    'illegal_argument_exception',
    'Malformed action/metadata line [1], expected a simple value for field [routing] but found [START_OBJECT]',
  );
  assertError(
    await call('POST', '/_bulk', `${JSON.stringify({ delete: { _index: 'vbulk', _id: '1', version: [1] } })}\n`),
    400,
    'illegal_argument_exception',
    'Malformed action/metadata line [1], expected a simple value for field [version] but found [START_ARRAY]',
  );

  const valid = [
    JSON.stringify({ index: { _index: 'vbulk', _id: '1', version: 0, version_type: 'external' } }),
    JSON.stringify({ a: 1 }),
    JSON.stringify({ index: { _index: 'vbulk', _id: '1', version: 0, version_type: 'external' } }),
    JSON.stringify({ a: 2 }),
    JSON.stringify({ delete: { _index: 'vbulk', _id: '1', version: 3, version_type: 'external_gte' } }),
    '',
  ].join('\n');
  const answer = await call('POST', '/_bulk', valid);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.body.errors, true);
  assert.equal(answer.body.items[0].index.status, 201);
  assert.equal(answer.body.items[0].index._version, 0);
  assert.equal(answer.body.items[1].index.status, 409);
  assert.equal(answer.body.items[1].index.error.type, 'version_conflict_engine_exception');
  assert.equal(answer.body.items[2].delete.status, 200);
  assert.equal(answer.body.items[2].delete._version, 3);
});

test('update: compare-and-write limits and body combinations validated as UpdateRequest.validate; bulk updates refuse versioning', async () => {
  await call('PUT', '/vupdate/_doc/1', { a: 1 });
  const cases: [string, unknown, string][] = [
    ['/vupdate/_update/1?if_seq_no=0&if_primary_term=1&retry_on_conflict=2', { doc: { a: 2 } }, 'Validation Failed: 1: compare and write operations can not be retried;'],
    ['/vupdate/_update/1?if_seq_no=0&if_primary_term=1', { doc: { a: 2 }, doc_as_upsert: true }, 'Validation Failed: 1: compare and write operations can not be used with upsert;'],
    ['/vupdate/_update/1?if_seq_no=0&if_primary_term=1', { doc: { a: 2 }, upsert: { a: 0 } }, "Validation Failed: 1: upsert requests don't support `if_seq_no` and `if_primary_term`;"],
    ['/vupdate/_update/1', { doc_as_upsert: true }, 'Validation Failed: 1: script or doc is missing;2: doc must be specified if doc_as_upsert is enabled;'],
    ['/vupdate/_update/1', { doc: { a: 2 }, script: { source: 'x' } }, "Validation Failed: 1: can't provide both script and doc;"],
    ['/vupdate/_update/1?if_seq_no=0', { doc: { a: 2 } }, 'Validation Failed: 1: ifSeqNo is set, but primary term is [0];'],
  ];
  for (const [path, body, reason] of cases) assertError(await call('POST', path, body), 400, 'action_request_validation_exception', reason);

  const versioned = `${JSON.stringify({ update: { _index: 'vupdate', _id: '1', version: 2 } })}\n${JSON.stringify({ doc: { a: 3 } })}\n`;
  assertError(await call('POST', '/_bulk', versioned), 400, 'illegal_argument_exception', 'Update requests do not support versioning. Please use `if_seq_no` and `if_primary_term` instead');
  const invalid = `${JSON.stringify({ update: { _index: 'vupdate', _id: '1', if_seq_no: 0, if_primary_term: 1, retry_on_conflict: 1 } })}\n${JSON.stringify({ doc: { a: 3 } })}\n`;
  assertError(await call('POST', '/_bulk', invalid), 400, 'action_request_validation_exception', 'Validation Failed: 1: compare and write operations can not be retried;');
  const valid = `${JSON.stringify({ update: { _index: 'vupdate', _id: '1', version_type: 'internal', retry_on_conflict: 3 } })}\n${JSON.stringify({ doc: { a: 4 } })}\n`;
  const answer = await call('POST', '/_bulk', valid);
  assert.equal(answer.body.errors, false, JSON.stringify(answer.body));
  assert.equal(answer.body.items[0].update.result, 'updated');
});

// ---------------------------------------------------------------- routing

test('routing is stored per document and shown as _routing by get, mget and search hits; updates keep it', async () => {
  const indexed = await call('PUT', '/rbooks/_doc/1?routing=user1&refresh=true', { title: 'routed' });
  assert.equal(indexed.status, 201, JSON.stringify(indexed.body));
  await call('PUT', '/rbooks/_doc/2?refresh=true', { title: 'plain' });

  const got = await call('GET', '/rbooks/_doc/1?stored_fields=_routing');
  assert.equal(got.status, 200);
  assert.equal(got.body._routing, 'user1');
  // Metadata fields sit between _primary_term and found, as in Elasticsearch's GetResult.
  assert.deepEqual(Object.keys(got.body), ['_index', '_id', '_version', '_seq_no', '_primary_term', '_routing', 'found']);
  const full = await call('GET', '/rbooks/_doc/1');
  assert.equal(full.body._routing, 'user1');
  assert.equal(full.body._source.title, 'routed');
  // One shard holds the id whatever routing a get names.
  assert.equal((await call('GET', '/rbooks/_doc/1?routing=other')).body._routing, 'user1');
  assert.equal((await call('GET', '/rbooks/_doc/2')).body._routing, undefined);

  // The official client reads it as GetResponse._routing.
  const viaClient = await node.client().get({ index: 'rbooks', id: '1' });
  assert.equal(viaClient._routing, 'user1');

  const mget = await call('POST', '/rbooks/_mget', { ids: ['1', '2'] });
  assert.equal(mget.body.docs[0]._routing, 'user1');
  assert.equal(mget.body.docs[1]._routing, undefined);

  const searched = await call('POST', '/rbooks/_search', { query: { match_all: {} }, sort: [{ _doc: 'asc' }] });
  const hit = searched.body.hits.hits.find((candidate: { _id: string }) => candidate._id === '1');
  assert.equal(hit._routing, 'user1');
  assert.deepEqual(Object.keys(hit), ['_index', '_id', '_score', '_routing', '_source', 'sort']);
  assert.equal(searched.body.hits.hits.find((candidate: { _id: string }) => candidate._id === '2')._routing, undefined);

  // A partial update without routing keeps the stored one; with routing it replaces it.
  await call('POST', '/rbooks/_update/1', { doc: { year: 1 } });
  assert.equal((await call('GET', '/rbooks/_doc/1')).body._routing, 'user1');
  await call('POST', '/rbooks/_update/1?routing=user2', { doc: { year: 2 } });
  assert.equal((await call('GET', '/rbooks/_doc/1')).body._routing, 'user2');
  // Update by query re-indexes a document with its routing.
  await call('POST', '/rbooks/_refresh');
  const byQuery = await call('POST', '/rbooks/_update_by_query?refresh=true', { query: { ids: { values: ['1'] } } });
  assert.equal(byQuery.body.updated, 1, JSON.stringify(byQuery.body));
  assert.equal((await call('GET', '/rbooks/_doc/1')).body._routing, 'user2');
  // Indexing again without routing replaces the document, routing included.
  await call('PUT', '/rbooks/_doc/1', { title: 'unrouted' });
  assert.equal((await call('GET', '/rbooks/_doc/1')).body._routing, undefined);

  // Bulk items take their own routing or the request's.
  const bulk = [
    JSON.stringify({ index: { _index: 'rbooks', _id: '3', routing: 'r3' } }),
    JSON.stringify({ t: 3 }),
    JSON.stringify({ index: { _index: 'rbooks', _id: '4' } }),
    JSON.stringify({ t: 4 }),
    '',
  ].join('\n');
  assert.equal((await call('POST', '/_bulk?routing=default', bulk)).body.errors, false);
  assert.equal((await call('GET', '/rbooks/_doc/3')).body._routing, 'r3');
  assert.equal((await call('GET', '/rbooks/_doc/4')).body._routing, 'default');
  // A delete with another routing deletes the id (one shard).
  assert.equal((await call('DELETE', '/rbooks/_doc/3?routing=elsewhere')).body.result, 'deleted');
});

test('_routing required by the mapping: operations without routing get routing_missing_exception', async () => {
  const created = await call('PUT', '/rrequired', { mappings: { _routing: { required: true }, properties: { t: { type: 'keyword' } } } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const missing = (id: string) => `routing is required for [rrequired]/[${id}]`;
  const indexed = await call('PUT', '/rrequired/_doc/1', { t: 'a' });
  assertError(indexed, 400, 'routing_missing_exception', missing('1'));
  assert.equal(indexed.body.error.index, 'rrequired');
  assert.equal((await call('PUT', '/rrequired/_doc/1?routing=k', { t: 'a' })).status, 201);
  assertError(await call('GET', '/rrequired/_doc/1'), 400, 'routing_missing_exception', missing('1'));
  assert.equal((await call('GET', '/rrequired/_doc/1?routing=k')).body._routing, 'k');
  assertError(await call('POST', '/rrequired/_update/1', { doc: { t: 'b' } }), 400, 'routing_missing_exception', missing('1'));
  assertError(await call('DELETE', '/rrequired/_doc/1'), 400, 'routing_missing_exception', missing('1'));

  const mget = await call('POST', '/_mget', { docs: [{ _index: 'rrequired', _id: '1' }, { _index: 'rrequired', _id: '1', routing: 'k' }] });
  assert.equal(mget.body.docs[0].error.type, 'routing_missing_exception');
  assert.equal(mget.body.docs[1].found, true);

  const bulk = [JSON.stringify({ index: { _index: 'rrequired', _id: '2' } }), JSON.stringify({ t: 'c' }), JSON.stringify({ delete: { _index: 'rrequired', _id: '1', routing: 'k' } }), ''].join('\n');
  const answer = await call('POST', '/_bulk', bulk);
  assert.equal(answer.body.items[0].index.status, 400);
  assert.equal(answer.body.items[0].index.error.type, 'routing_missing_exception');
  assert.equal(answer.body.items[0].index.error.reason, missing('2'));
  assert.equal(answer.body.items[1].delete.status, 200);
});

test('an alias with index_routing imposes its routing on writes and reads through it, and refuses another', async () => {
  const created = await call('PUT', '/ralias-1', { aliases: { ralias: { index_routing: 'a1', search_routing: 'a1', is_write_index: true } } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.equal((await call('PUT', '/ralias/_doc/1', { t: 1 })).status, 201);
  assert.equal((await call('GET', '/ralias-1/_doc/1')).body._routing, 'a1');
  assert.equal((await call('PUT', '/ralias/_doc/2?routing=a1', { t: 2 })).status, 201);
  const reason = 'Alias [ralias] has index routing associated with it [a1], and was provided with routing value [other], rejecting operation';
  assertError(await call('PUT', '/ralias/_doc/3?routing=other', { t: 3 }), 400, 'illegal_argument_exception', reason);
  assertError(await call('GET', '/ralias/_doc/1?routing=other'), 400, 'illegal_argument_exception', reason);
  assert.equal((await call('GET', '/ralias/_doc/1')).body._routing, 'a1');
  // The index itself takes any routing.
  assert.equal((await call('PUT', '/ralias-1/_doc/4?routing=other', { t: 4 })).status, 201);
});

// ---------------------------------------------------------------- clear scroll, _count

test('clear_scroll: the body scroll ids take precedence over the path ids, as in Elasticsearch', async () => {
  await call('POST', '/scrolled/_bulk?refresh=true', `${JSON.stringify({ index: { _id: '1' } })}\n{"a":1}\n${JSON.stringify({ index: { _id: '2' } })}\n{"a":2}\n`);
  const opened = await call('POST', '/scrolled/_search?scroll=1m', { size: 1 });
  const scrollId = opened.body._scroll_id as string;
  assert.ok(typeof scrollId === 'string');
  const cleared = await call('DELETE', '/_search/scroll/not-a-scroll-id', { scroll_id: scrollId });
  assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
  assert.deepEqual(cleared.body, { succeeded: true, num_freed: 1 });
  // The body replaces the path's ids even when it names none.
  assertError(await call('DELETE', `/_search/scroll/${encodeURIComponent(scrollId)}`, {}), 400, 'action_request_validation_exception', 'Validation Failed: 1: no scroll ids specified;');
  // The scroll API reads its body the same way: body values first.
  const next = await call('POST', '/scrolled/_search?scroll=1m', { size: 1 });
  const continued = await call('POST', '/_search/scroll/not-a-scroll-id?scroll=bogus', { scroll_id: next.body._scroll_id, scroll: '1m' });
  assert.equal(continued.status, 200, JSON.stringify(continued.body));
  assert.equal(continued.body.hits.hits.length, 1);
  assertError(await call('POST', '/_search/scroll', { scroll_id: next.body._scroll_id, size: 1 }), 400, 'illegal_argument_exception', 'Failed to parse request body');
  const unknown = await call('DELETE', '/_search/scroll', { scroll_id: scrollId, keep: 1 });
  assertError(unknown, 400, 'illegal_argument_exception', 'Failed to parse request body');
  assert.equal(unknown.body.error.caused_by.reason, 'Unknown parameter [keep] in request body or parameter is of the wrong type[VALUE_NUMBER] ');
});

test('_count: only [query] in the body (stats refused as Elasticsearch refuses it); q and its companions as RestCountAction reads them', async () => {
  await call('POST', '/counted/_bulk?refresh=true', `${JSON.stringify({ index: { _id: '1' } })}\n{"a":"x"}\n${JSON.stringify({ index: { _id: '2' } })}\n{"a":"y"}\n`);
  assertError(await call('POST', '/counted/_count', { query: { match_all: {} }, stats: ['group'] }), 400, 'parsing_exception', 'request does not support [stats]');
  assert.equal((await call('POST', '/counted/_count', { query: { term: { a: 'x' } } })).body.count, 1);
  assert.equal((await call('GET', '/counted/_count?q=a:y')).body.count, 1);
  // Next to a body, `q` is not read: Elasticsearch calls it unrecognized.
  assertError(await call('POST', '/counted/_count?q=a:y', { query: { match_all: {} } }), 400, 'illegal_argument_exception', 'request [/counted/_count] contains unrecognized parameter: [q]');
  assertError(
    await call('GET', '/counted/_count?df=a&lenient=true'),
    400,
    'illegal_argument_exception',
    "request [/counted/_count] contains parameters [df, lenient] but missing query string parameter 'q'.",
  );
  // _search reads q with or without a body; its companions alone are refused the same way.
  assertError(
    await call('GET', '/counted/_search?df=a'),
    400,
    'illegal_argument_exception',
    "request [/counted/_search] contains parameters [df] but missing query string parameter 'q'.",
  );
  assert.equal((await call('POST', '/counted/_search?q=x&df=a', { size: 1 })).body.hits.total.value, 1);
  const terminated = await call('GET', '/counted/_count?terminate_after=1');
  assert.equal(terminated.body.terminated_early, true);
});

// ---------------------------------------------------------------- durability (restart last)

test('routing survives a restart (stored in the shard store, not only in memory)', async () => {
  await call('PUT', '/rdurable/_doc/1?routing=kept&refresh=true', { t: 1 });
  node = await node.restart();
  assert.equal((await call('GET', '/rdurable/_doc/1')).body._routing, 'kept');
  const searched = await call('POST', '/rdurable/_search', {});
  assert.equal(searched.body.hits.hits[0]._routing, 'kept');
  assert.equal((await call('GET', '/rbooks/_doc/4')).body._routing, 'default');
});
