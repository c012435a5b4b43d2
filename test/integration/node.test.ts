// One real node process, HTTPS with certutil-made certificates, driven by the official clients:
// the node APIs of issue 2 (info, nodes, health, cat, indices, mappings, documents, bulk) and
// durability of acknowledged writes across kill -9.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { errors as clientErrors } from '@elastic/elasticsearch';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;
before(async () => {
  node = await startNode({ clusterName: 'basics', nodeName: 'n1' });
});
after(async () => {
  await node?.destroy();
});

async function statusOf(promise: Promise<unknown>): Promise<{ status: number; body: { error: { type: string; reason: string } } }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof clientErrors.ResponseError, String(error));
    return { status: error.meta.statusCode ?? 0, body: error.meta.body as { error: { type: string; reason: string } } };
  }
  assert.fail('expected an error response');
}

test('GET /, HEAD /, _nodes and cluster health through both clients', async () => {
  const info = await node.client().info();
  assert.equal(info.cluster_name, 'basics');
  assert.equal(info.name, 'n1');
  assert.match(info.version.number, /^9\./);
  assert.equal(await node.client().ping(), true);
  const info8 = await node.client8().info();
  assert.equal(info8.cluster_name, 'basics');
  const nodes = await node.client().nodes.info();
  const [only] = Object.values(nodes.nodes);
  assert.equal(only!.name, 'n1');
  assert.match(String(only!.http?.publish_address), /127\.0\.0\.1:\d+/);
  const health = await node.client().cluster.health();
  assert.equal(health.cluster_name, 'basics');
  assert.equal(health.status, 'green');
});

test('indices: create with mappings, get, mapping, settings, aliases, close/open, delete', async () => {
  const client = node.client();
  const created = await client.indices.create({
    index: 'books',
    settings: { number_of_replicas: 0 },
    mappings: { properties: { title: { type: 'text' }, year: { type: 'integer' } } },
  });
  assert.deepEqual(created, { acknowledged: true, shards_acknowledged: true, index: 'books' });
  assert.equal(await client.indices.exists({ index: 'books' }), true);
  assert.equal(await client.indices.exists({ index: 'nope' }), false);
  const again = await statusOf(client.indices.create({ index: 'books' }));
  assert.equal(again.status, 400);
  assert.equal(again.body.error.type, 'resource_already_exists_exception');
  const bad = await statusOf(client.indices.create({ index: 'Books' }));
  assert.equal(bad.body.error.type, 'invalid_index_name_exception');
  // Dynamic mapping: string → text + keyword, long, boolean, date; objects flattened.
  await client.index({ index: 'books', id: '1', document: { title: 'Dune', author: 'Herbert', pages: 412, classic: true, published: '1965-08-01', meta: { isbn: 'x' } }, refresh: 'wait_for' });
  const mapping = await client.indices.getMapping({ index: 'books' });
  const properties = mapping['books']!.mappings.properties as Record<string, { type?: string; fields?: Record<string, { type: string }>; properties?: unknown }>;
  assert.equal(properties['title']!.type, 'text');
  assert.equal(properties['author']!.type, 'text');
  assert.equal(properties['author']!.fields!['keyword']!.type, 'keyword');
  assert.equal(properties['pages']!.type, 'long');
  assert.equal(properties['classic']!.type, 'boolean');
  assert.equal(properties['published']!.type, 'date');
  const conflict = await statusOf(client.index({ index: 'books', id: '2', document: { year: 'not a number' } }));
  assert.equal(conflict.status, 400);
  assert.equal(conflict.body.error.type, 'document_parsing_exception');
  await client.indices.putSettings({ index: 'books', settings: { 'index.blocks.write': true } });
  const blocked = await statusOf(client.index({ index: 'books', id: '3', document: { title: 'x' } }));
  assert.equal(blocked.status, 403);
  assert.equal(blocked.body.error.type, 'cluster_block_exception');
  await client.indices.putSettings({ index: 'books', settings: { 'index.blocks.write': false } });
  await client.indices.putAlias({ index: 'books', name: 'library' });
  assert.equal((await client.get({ index: 'library', id: '1' })).found, true);
  await client.indices.close({ index: 'books' });
  assert.equal((await statusOf(client.get({ index: 'books', id: '1' }))).body.error.type, 'index_closed_exception');
  await client.indices.open({ index: 'books' });
  assert.equal((await client.get({ index: 'books', id: '1' })).found, true);
  const cat = await client.cat.indices({ index: 'books', format: 'json' });
  assert.equal(cat[0]!.index, 'books');
  assert.equal(cat[0]!['docs.count'], '1');
  const text = await rawRequest(node, 'GET', '/_cat/indices/books?v');
  assert.match(text.text, /^health status index/);
  await client.indices.delete({ index: 'books' });
  assert.equal(await client.indices.exists({ index: 'books' }), false);
});

test('documents: versions, seq_no, conflicts, update, bulk, mget, count (8.x client too)', async () => {
  const client = node.client();
  const first = await client.index({ index: 'docs', id: 'a', document: { n: 1 } });
  assert.equal(first.result, 'created');
  assert.equal(first._version, 1);
  assert.equal(first._seq_no, 0);
  assert.equal(first._primary_term, 1);
  const second = await client.index({ index: 'docs', id: 'a', document: { n: 2 } });
  assert.equal(second.result, 'updated');
  assert.equal(second._version, 2);
  const stale = await statusOf(client.index({ index: 'docs', id: 'a', document: { n: 3 }, if_seq_no: 0, if_primary_term: 1 }));
  assert.equal(stale.status, 409);
  assert.equal(stale.body.error.type, 'version_conflict_engine_exception');
  const exists = await statusOf(client.create({ index: 'docs', id: 'a', document: { n: 9 } }));
  assert.equal(exists.status, 409);
  const updated = await client.update({ index: 'docs', id: 'a', doc: { extra: true } });
  assert.equal(updated.result, 'updated');
  assert.deepEqual((await client.get({ index: 'docs', id: 'a' }))._source, { n: 2, extra: true });
  const upserted = await client.update({ index: 'docs', id: 'b', doc: { n: 5 }, doc_as_upsert: true });
  assert.equal(upserted.result, 'created');
  const bulk = await node.client8().bulk({
    refresh: true,
    operations: [
      { index: { _index: 'docs', _id: 'c' } }, { n: 6 },
      { create: { _index: 'docs', _id: 'a' } }, { n: 7 },
      { update: { _index: 'docs', _id: 'b' } }, { doc: { n: 8 } },
      { delete: { _index: 'docs', _id: 'zz' } },
    ],
  });
  assert.equal(bulk.errors, true);
  assert.deepEqual(bulk.items.map((item) => Object.values(item)[0]!.status), [201, 409, 200, 404]);
  const mget = await client.mget({ index: 'docs', ids: ['a', 'c', 'missing'] });
  assert.deepEqual(mget.docs.map((doc) => ('found' in doc ? doc.found : 'error')), [true, true, false]);
  const count = await client.count({ index: 'docs' });
  assert.equal(count.count, 3);
  const deleted = await client.delete({ index: 'docs', id: 'c' });
  assert.equal(deleted.result, 'deleted');
});

test('bad input: malformed JSON and NDJSON, unknown parameters, wrong content type; the node keeps serving', async () => {
  const json = await rawRequest(node, 'PUT', '/bad/_doc/1', { body: '{"a": ', headers: { 'content-type': 'application/json' } });
  assert.equal(json.status, 400);
  assert.equal((json.json() as { error: { type: string } }).error.type, 'x_content_parse_exception');
  const ndjson = await rawRequest(node, 'POST', '/_bulk', { body: '{"index":{"_index":"bad"}}\n{nope\n', headers: { 'content-type': 'application/x-ndjson' } });
  assert.equal(ndjson.status, 400);
  const unknown = await rawRequest(node, 'GET', '/_cluster/health?colour=blue');
  assert.equal(unknown.status, 400);
  assert.match((unknown.json() as { error: { reason: string } }).error.reason, /unrecognized parameter: \[colour\]/);
  const unknownField = await rawRequest(node, 'PUT', '/bad2', { body: '{"setings":{}}', headers: { 'content-type': 'application/json' } });
  assert.equal(unknownField.status, 400);
  const typeless = await rawRequest(node, 'PUT', '/bad/_doc/1', { body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(typeless.status, 406);
  assert.equal(await node.client().indices.exists({ index: 'bad' }), false);
  assert.notEqual((await node.client().cluster.health()).status, 'red');
});

test('acknowledged writes survive kill -9', async () => {
  const client = node.client();
  for (let i = 0; i < 50; i++) await client.index({ index: 'durable', id: String(i), document: { i } });
  await client.bulk({ operations: Array.from({ length: 100 }, (_, i) => [{ index: { _index: 'durable', _id: `b${i}` } }, { i }]).flat() });
  await client.delete({ index: 'durable', id: '0' });
  await node.kill9();
  node = await node.restart();
  const restarted = node.client();
  assert.equal((await restarted.count({ index: 'durable' })).count, 149);
  assert.equal((await restarted.get({ index: 'durable', id: '49' }))._source !== undefined, true);
  const gone = await restarted.get({ index: 'durable', id: '0' }, { ignore: [404] });
  assert.equal(gone.found, false);
  const next = await restarted.index({ index: 'durable', id: 'after', document: { i: -1 } });
  assert.equal(next._seq_no, 151, 'sequence numbers continue after the last acknowledged operation');
});
