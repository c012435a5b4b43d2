import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHarness } from './harness.js';

// Reference: docs-index_.html, docs-get.html, docs-delete.html, docs-update.html (and the YAML
// client tests in shared/conformance/clients-tests/{index,create,get,delete,update}).

test('index with id: 201 created then 200 updated; versions, seq_no from 0, _shards total 1 + replicas', async (t) => {
  const h = openHarness(t);
  const first = await h.call('PUT', '/:index/_doc/:id', { params: { index: 'books', id: '1' }, body: { title: 'a' } });
  assert.equal(first.status, 201);
  assert.deepEqual(first.body, {
    _index: 'books',
    _id: '1',
    _version: 1,
    result: 'created',
    _shards: { total: 2, successful: 1, failed: 0 },
    _seq_no: 0,
    _primary_term: 1,
  });
  const second = await h.call('PUT', '/:index/_doc/:id', { params: { index: 'books', id: '1' }, body: { title: 'b' }, query: { refresh: 'true' } });
  assert.equal(second.status, 200);
  assert.equal(second.body.result, 'updated');
  assert.equal(second.body._version, 2);
  assert.equal(second.body._seq_no, 1);
  assert.equal(second.body.forced_refresh, true);
  const got = await h.call('GET', '/:index/_doc/:id', { params: { index: 'books', id: '1' } });
  assert.deepEqual(got.body, { _index: 'books', _id: '1', _version: 2, _seq_no: 1, _primary_term: 1, found: true, _source: { title: 'b' } });
  // Auto-created with dynamic mapping.
  const mapping = await h.call('GET', '/:index/_mapping', { params: { index: 'books' } });
  assert.deepEqual(mapping.body.books.mappings.properties.title.type, 'text');
});

test('POST /{index}/_doc auto-generates a 20-character id', async (t) => {
  const h = openHarness(t);
  const response = await h.call('POST', '/:index/_doc', { params: { index: 'logs' }, body: { m: 1 } });
  assert.equal(response.status, 201);
  assert.match(response.body._id, /^[A-Za-z0-9_-]{20}$/);
});

test('_create on an existing id → 409 version_conflict_engine_exception', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index/_create/:id', { params: { index: 'i', id: '1' }, body: { a: 1 } });
  const conflict = await h.call('PUT', '/:index/_create/:id', { params: { index: 'i', id: '1' }, body: { a: 1 } });
  assert.equal(conflict.status, 409);
  assert.equal(conflict.body.error.type, 'version_conflict_engine_exception');
  assert.equal(conflict.body.error.reason, '[1]: version conflict, document already exists (current version [1])');
  const opType = await h.call('PUT', '/:index/_doc/:id', { params: { index: 'i', id: '1' }, query: { op_type: 'create' }, body: { a: 1 } });
  assert.equal(opType.status, 409);
});

test('if_seq_no/if_primary_term and external versions', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index/_doc/:id', { params: { index: 'i', id: '1' }, body: { a: 1 } });
  const stale = await h.call('PUT', '/:index/_doc/:id', { params: { index: 'i', id: '1' }, query: { if_seq_no: '5', if_primary_term: '1' }, body: { a: 2 } });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.error.reason, '[1]: version conflict, required seqNo [5], primary term [1]. current document has seqNo [0] and primary term [1]');
  const fresh = await h.call('PUT', '/:index/_doc/:id', { params: { index: 'i', id: '1' }, query: { if_seq_no: '0', if_primary_term: '1' }, body: { a: 2 } });
  assert.equal(fresh.status, 200);
  const external = await h.call('PUT', '/:index/_doc/:id', { params: { index: 'i', id: '2' }, query: { version: '10', version_type: 'external' }, body: {} });
  assert.equal(external.body._version, 10);
  const lower = await h.call('PUT', '/:index/_doc/:id', { params: { index: 'i', id: '2' }, query: { version: '10', version_type: 'external' }, body: {} });
  assert.equal(lower.status, 409);
  assert.match(lower.body.error.reason, /current version \[10\] is higher or equal to the one provided \[10\]/);
  const internal = await h.call('PUT', '/:index/_doc/:id', { params: { index: 'i', id: '2' }, query: { version: '3' }, body: {} });
  assert.equal(internal.status, 400);
  assert.equal(internal.body.error.type, 'action_request_validation_exception');
});

test('get: 404 found:false, _source filtering, HEAD, _source endpoint, missing index', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index/_doc/:id', { params: { index: 'i', id: '1' }, body: { a: 1, b: { c: 2, d: 3 } } });
  const missing = await h.call('GET', '/:index/_doc/:id', { params: { index: 'i', id: 'nope' } });
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, { _index: 'i', _id: 'nope', found: false });
  const filtered = await h.call('GET', '/:index/_doc/:id', { params: { index: 'i', id: '1' }, query: { _source_includes: 'b.*', _source_excludes: 'b.d' } });
  assert.deepEqual(filtered.body._source, { b: { c: 2 } });
  const noSource = await h.call('GET', '/:index/_doc/:id', { params: { index: 'i', id: '1' }, query: { _source: 'false' } });
  assert.equal('_source' in noSource.body, false);
  assert.equal((await h.call('HEAD', '/:index/_doc/:id', { params: { index: 'i', id: '1' } })).status, 200);
  const source = await h.call('GET', '/:index/_source/:id', { params: { index: 'i', id: '1' }, query: { _source_includes: 'a' } });
  assert.deepEqual(source.body, { a: 1 });
  assert.equal((await h.call('GET', '/:index/_source/:id', { params: { index: 'i', id: 'x' } })).status, 404);
  const noIndex = await h.call('GET', '/:index/_doc/:id', { params: { index: 'nothing', id: '1' } });
  assert.equal(noIndex.status, 404);
  assert.equal(noIndex.body.error.type, 'index_not_found_exception');
});

test('delete: deleted, then not_found 404 with body; re-index continues the version', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index/_doc/:id', { params: { index: 'i', id: '1' }, body: { a: 1 } });
  const deleted = await h.call('DELETE', '/:index/_doc/:id', { params: { index: 'i', id: '1' } });
  assert.equal(deleted.status, 200);
  assert.equal(deleted.body.result, 'deleted');
  assert.equal(deleted.body._version, 2);
  const again = await h.call('DELETE', '/:index/_doc/:id', { params: { index: 'i', id: '1' } });
  assert.equal(again.status, 404);
  assert.equal(again.body.result, 'not_found');
  const reindexed = await h.call('PUT', '/:index/_doc/:id', { params: { index: 'i', id: '1' }, body: { a: 1 } });
  assert.equal(reindexed.body.result, 'created');
  assert.equal(reindexed.body._version, 4);
  const noIndex = await h.call('DELETE', '/:index/_doc/:id', { params: { index: 'other', id: '1' } });
  assert.equal(noIndex.status, 404);
  assert.equal(noIndex.body.error.type, 'index_not_found_exception');
  assert.equal(h.service.get('other'), undefined, 'deletes never auto-create');
});

test('update: deep merge, noop, upsert, doc_as_upsert, missing document, script refused, _source in response', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index/_doc/:id', { params: { index: 'u', id: '1' }, body: { foo: 'bar', count: 1, nested: { one: 1, two: 2 } } });
  const updated = await h.call('POST', '/:index/_update/:id', { params: { index: 'u', id: '1' }, body: { doc: { foo: 'baz', nested: { one: 3 } } } });
  assert.equal(updated.status, 200);
  assert.equal(updated.body._version, 2);
  assert.equal(updated.body.result, 'updated');
  const got = await h.call('GET', '/:index/_doc/:id', { params: { index: 'u', id: '1' } });
  assert.deepEqual(got.body._source, { foo: 'baz', count: 1, nested: { one: 3, two: 2 } });
  const noop = await h.call('POST', '/:index/_update/:id', { params: { index: 'u', id: '1' }, body: { doc: { foo: 'baz' } } });
  assert.equal(noop.body.result, 'noop');
  assert.equal(noop.body._version, 2);
  assert.deepEqual(noop.body._shards, { total: 0, successful: 0, failed: 0 });
  const missing = await h.call('POST', '/:index/_update/:id', { params: { index: 'u', id: '2' }, body: { doc: { a: 1 } } });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.type, 'document_missing_exception');
  assert.equal(missing.body.error.reason, '[2]: document missing');
  const upsert = await h.call('POST', '/:index/_update/:id', { params: { index: 'u', id: '2' }, body: { doc: { a: 1 }, upsert: { a: 0 } } });
  assert.equal(upsert.status, 201);
  assert.equal(upsert.body.result, 'created');
  assert.deepEqual((await h.call('GET', '/:index/_source/:id', { params: { index: 'u', id: '2' } })).body, { a: 0 });
  const asUpsert = await h.call('POST', '/:index/_update/:id', { params: { index: 'u', id: '3' }, body: { doc: { a: 5 }, doc_as_upsert: true }, query: { _source: 'true' } });
  assert.equal(asUpsert.status, 201);
  assert.deepEqual(asUpsert.body.get, { _seq_no: asUpsert.body._seq_no, _primary_term: 1, found: true, _source: { a: 5 } });
  // A scripted update runs Painless on ctx._source (docs-update.html; test/integration/scripts.test.ts covers the rest).
  const script = await h.call('POST', '/:index/_update/:id', { params: { index: 'u', id: '1' }, body: { script: { source: 'ctx._source.x = 1' } } });
  assert.equal(script.status, 200);
  assert.equal(script.body.result, 'updated');
  assert.equal((await h.call('GET', '/:index/_source/:id', { params: { index: 'u', id: '1' } })).body.x, 1);
});

test('bad value → 400 document_parsing_exception; pipeline → 400; closed index → 400 index_closed_exception', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index', { params: { index: 'typed' }, body: { mappings: { properties: { n: { type: 'long' } } } } });
  const bad = await h.call('PUT', '/:index/_doc/:id', { params: { index: 'typed', id: '1' }, body: { n: 'abc' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.type, 'document_parsing_exception');
  assert.equal(bad.body.error.caused_by.type, 'number_format_exception');
  const pipeline = await h.call('PUT', '/:index/_doc/:id', { params: { index: 'typed', id: '1' }, query: { pipeline: 'p' }, body: { n: 1 } });
  assert.equal(pipeline.status, 400);
  await h.call('POST', '/:index/_close', { params: { index: 'typed' } });
  const closed = await h.call('PUT', '/:index/_doc/:id', { params: { index: 'typed', id: '1' }, body: { n: 1 } });
  assert.equal(closed.status, 400);
  assert.equal(closed.body.error.type, 'index_closed_exception');
});

test('bulk: mixed items, per-item errors, errors flag, one 403 item, malformed line fails the request', async (t) => {
  const h = openHarness(t);
  const text =
    [
      { index: { _index: 'bulk_test', _id: 'test_id' } },
      { f1: 'a value', f2: 'another value' },
      { create: { _index: 'bulk_test', _id: 'test_id' } },
      { f1: 'dup' },
      { update: { _index: 'bulk_test', _id: 'test_id' } },
      { doc: { f1: 'changed' } },
      { delete: { _index: 'bulk_test', _id: 'missing' } },
      { index: { _index: 'secret', _id: '1' } },
      { x: 1 },
      { index: { _id: 'default' } },
      { y: 1 },
    ]
      .map((line) => JSON.stringify(line))
      .join('\n') + '\n';
  const response = await h.call('POST', '/:index/_bulk', { params: { index: 'bulk_test' }, text, query: { refresh: 'true' }, denied: ['secret'] });
  assert.equal(response.status, 200);
  assert.equal(response.body.errors, true);
  const items = response.body.items as Record<string, any>[];
  assert.deepEqual(items.map((item) => Object.keys(item)[0]), ['index', 'create', 'update', 'delete', 'index', 'index']);
  assert.equal(items[0]!.index.status, 201);
  assert.equal(items[0]!.index._seq_no, 0);
  assert.equal(items[1]!.create.status, 409);
  assert.equal(items[1]!.create.error.type, 'version_conflict_engine_exception');
  assert.equal(items[2]!.update.status, 200);
  assert.equal(items[2]!.update._version, 2);
  assert.equal(items[3]!.delete.status, 404);
  assert.equal(items[3]!.delete.result, 'not_found');
  assert.equal(items[4]!.index.status, 403);
  assert.equal(items[4]!.index.error.type, 'security_exception');
  assert.equal(items[5]!.index._index, 'bulk_test');
  assert.equal(h.service.get('secret'), undefined);
  const count = await h.call('GET', '/:index/_count', { params: { index: 'bulk_test' } });
  assert.deepEqual(count.body, { count: 2, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } });

  const malformed = await h.call('POST', '/_bulk', { text: '"oops"\n' });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.error.reason, 'Malformed action/metadata line [1], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]');
  const unknownAction = await h.call('POST', '/_bulk', { text: '{"upsert":{"_index":"a"}}\n{}\n' });
  assert.match(unknownAction.body.error.reason, /expected field \[create\], \[delete\], \[index\] or \[update\] but found \[upsert\]/);
  const noNewline = await h.call('POST', '/_bulk', { text: '{"delete":{"_index":"a","_id":"1"}}' });
  assert.equal(noNewline.status, 400);
});

test('mget: docs and ids forms, per-doc errors, missing index per doc', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index/_doc/:id', { params: { index: 'm', id: '1' }, body: { a: 1, b: 2 } });
  const byDocs = await h.call('POST', '/_mget', {
    body: { docs: [{ _index: 'm', _id: '1', _source: ['a'] }, { _index: 'm', _id: '2' }, { _index: 'none', _id: '1' }, { _index: 'hidden', _id: '1' }] },
    denied: ['hidden'],
  });
  assert.equal(byDocs.status, 200);
  const docs = byDocs.body.docs as any[];
  assert.deepEqual(docs[0]._source, { a: 1 });
  assert.deepEqual(docs[1], { _index: 'm', _id: '2', found: false });
  assert.equal(docs[2].error.type, 'index_not_found_exception');
  assert.equal(docs[3].error.type, 'security_exception');
  const byIds = await h.call('GET', '/:index/_mget', { params: { index: 'm' }, body: { ids: ['1', 'x'] } });
  assert.deepEqual(
    (byIds.body.docs as any[]).map((doc) => doc.found),
    [true, false],
  );
  const noIndex = await h.call('POST', '/_mget', { body: { ids: ['1'] } });
  assert.equal(noIndex.status, 400);
  assert.equal(noIndex.body.error.type, 'action_request_validation_exception');
});

test('_count with a query counts what the query matches', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index/_doc/:id', { params: { index: 'c', id: '1' }, query: { refresh: 'true' }, body: { a: 1 } });
  await h.call('PUT', '/:index/_doc/:id', { params: { index: 'c', id: '2' }, query: { refresh: 'true' }, body: { a: 2 } });
  assert.equal((await h.call('POST', '/_count', { body: { query: { match_all: {} } } })).body.count, 2);
  const one = await h.call('POST', '/:index/_count', { params: { index: 'c' }, body: { query: { term: { a: 1 } } } });
  assert.equal(one.status, 200);
  assert.equal(one.body.count, 1);
});

test('bulk: an index item with op_type create answers under create, as Elasticsearch names it by the op type', async (t) => {
  const h = openHarness(t);
  const text = [
    JSON.stringify({ index: { _index: 'optype', _id: '1', op_type: 'create' } }),
    JSON.stringify({ a: 1 }),
    JSON.stringify({ index: { _index: 'optype', _id: '1', op_type: 'create' } }),
    JSON.stringify({ a: 2 }),
    '',
  ].join('\n');
  const response = await h.call('POST', '/_bulk', { text });
  assert.equal(response.status, 200);
  const items = response.body.items as Record<string, { status: number; result?: string; error?: { type: string } }>[];
  assert.deepEqual(items.map((item) => Object.keys(item)), [['create'], ['create']]);
  assert.equal(items[0]!['create']!.status, 201);
  assert.equal(items[0]!['create']!.result, 'created');
  assert.equal(items[1]!['create']!.status, 409);
  assert.equal(items[1]!['create']!.error!.type, 'version_conflict_engine_exception');
});

// rest-api-spec bulk/11_dynamic_templates.yml: a bulk item's dynamic_templates names the template
// a new field uses, whatever the template's match conditions.
test('bulk: per-document dynamic_templates map new fields with the named template (bulk/11_dynamic_templates.yml)', async (t) => {
  const h = openHarness(t);
  const mappings = {
    dynamic_templates: [
      { location: { mapping: { type: 'geo_point' } } },
      { my_location: { match: 'my*', mapping: { type: 'geo_point' } } },
      { string: { mapping: { type: 'keyword' } } },
    ],
  };
  assert.equal((await h.call('PUT', '/:index', { params: { index: 'dt' }, body: { mappings } })).status, 200);
  const lines = (items: readonly unknown[]): string => items.map((item) => JSON.stringify(item)).join('\n') + '\n';
  const first = await h.call('POST', '/_bulk', {
    query: { refresh: 'true' },
    text: lines([
      { create: { _index: 'dt', _id: 'id_1', dynamic_templates: { location: 'location' } } }, { location: '41.12,-71.34' },
      { index: { _index: 'dt', _id: 'id_2', dynamic_templates: { location: 'location' } } }, { location: [-71.34, 41.12] },
    ]),
  });
  assert.equal(first.body.errors, false, JSON.stringify(first.body));
  const mapping = await h.call('GET', '/:index/_mapping', { params: { index: 'dt' } });
  assert.deepEqual(mapping.body.dt.mappings.properties.location, { type: 'geo_point' });
  const found = await h.call('POST', '/:index/_search', {
    params: { index: 'dt' },
    body: { query: { geo_bounding_box: { location: { top_left: { lat: 42, lon: -72 }, bottom_right: { lat: 40, lon: -74 } } } } },
  });
  assert.equal(found.body.hits.total.value, 2);

  const second = await h.call('POST', '/_bulk', {
    text: lines([
      { index: { _index: 'dt', _id: 'id_5', dynamic_templates: { location: 'foo_bar' } } }, { location: [-71.34, 41.12] },
      { index: { _index: 'dt', _id: 'id_8', dynamic_templates: { foo_location: 'bar_foo' } } }, { foo_location: [-71.34, 41.12] },
      { index: { _index: 'dt', _id: 'id_11', dynamic_templates: { foo: 'string' } } }, { 'foo.bar': 'hello world' },
      { index: { _index: 'dt', _id: 'id_12', dynamic_templates: { 'foo.bar': 'string' } } }, { 'foo.bar': 'hello world' },
    ]),
  });
  const items = second.body.items as Record<string, { status: number; error?: { type: string; reason: string } }>[];
  // A name no template has is an error only for a field that is new.
  assert.equal(items[0]!['index']!.status, 201);
  assert.equal(items[1]!['index']!.status, 400);
  assert.equal(items[1]!['index']!.error!.type, 'document_parsing_exception');
  assert.equal(items[1]!['index']!.error!.reason, "failed to parse: Can't find dynamic template for dynamic template name [bar_foo] of field [foo_location]");
  assert.equal(items[2]!['index']!.status, 400);
  assert.equal(items[2]!['index']!.error!.reason, "failed to parse field [foo] of type [keyword] in document with id 'id_11'. Preview of field's value: '{bar=hello world}'");
  assert.equal(items[3]!['index']!.status, 201, JSON.stringify(items[3]));

  const update = await h.call('POST', '/_bulk', { text: lines([{ update: { _index: 'dt', _id: 'id_1', dynamic_templates: { a: 'string' } } }, { doc: { a: 'x' } }]) });
  assert.equal(update.status, 400);
  assert.equal(update.body.error.reason, 'Update request in line [1] does not accept dynamic_templates');
});
