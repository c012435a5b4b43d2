/**
 * The data plane on real multi-node nodes over a real etcd (issue #14, wiring step 1): each node
 * serves the replication and peer-recovery actions on its transport interface
 * (`indices:data/write/bulk[s]`, `internal:index/shard/recovery/start_recovery` ...) to nodes of its
 * own cluster only, and every node names the cluster's uuid: in `GET /` (rest-api/root.html,
 * `cluster_uuid` is the cluster's, the same on every node) and in its transport handshake, which is
 * how the data plane tells its own cluster's nodes from a remote cluster's.
 *
 * Wiring steps 2-3: shard copies follow the published routing table (an index with 3 shards and 1
 * replica goes green on 3 nodes: cluster-health.html), and every document write goes to its
 * shard's primary, which replicates it to each in-sync copy before answering (docs-replication.html:
 * "the primary shard ... forwards the operation to each replica in the current in-sync copies";
 * `_shards.total` counts the copies, docs-index_.html#index-api-response-body). Realtime GET reads
 * the primary; a write with no started primary waits `timeout` then answers 503
 * unavailable_shards_exception (docs-index_.html#index-wait-for-active-shards, `timeout` 1m).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { jsonCall } from '../harness/json-call.js';
import { etcdSkipReason, startEtcd, type RunningEtcd } from '../harness/etcd.js';
import { assertCopiesIdentical as assertIdentical, nodeById, shardLayout } from '../harness/shard-copies.js';
import { connectTransport, TRANSPORT_FORMAT_VERSION, type TransportConnection } from '../../src/transport/index.js';
import { routingLayoutOf, shardNumber } from '../../src/index/routing.js';

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Creates `name` through `through` with these index settings and waits until every copy started. */
async function createGreen(through: StartedNode, name: string, settings: Record<string, unknown>, waitOn: StartedNode = through): Promise<void> {
  const created = await jsonCall(through, 'PUT', `/${name}`, { settings });
  assert.equal(created.status, 200, created.text);
  assert.equal((await jsonCall(waitOn, 'GET', `/_cluster/health/${name}?wait_for_status=green&timeout=60s`)).body.status, 'green');
}

const skip = etcdSkipReason();

describe('data plane on three Strait nodes over etcd', { skip }, () => {
  let etcd: RunningEtcd;
  const nodes: StartedNode[] = [];
  before(async () => {
    etcd = await startEtcd();
    for (const name of ['data-a', 'data-b', 'data-c']) {
      nodes.push(await startNode({ security: false, clusterName: 'wired', nodeName: name, yaml: ['discovery.type: multi-node', `cluster.coordination.etcd.endpoints: ${etcd.endpoint}`].join('\n') }));
    }
    const health = await jsonCall(nodes[0]!, 'GET', '/_cluster/health?wait_for_nodes=3&timeout=30s');
    assert.equal(health.status, 200, health.text);
  });
  after(async () => {
    for (const node of nodes) await node.destroy();
    await etcd?.destroy();
  });

  test('every node names the cluster uuid of the published state in GET /', async () => {
    const state = await jsonCall(nodes[0]!, 'GET', '/_cluster/state/master_node');
    assert.equal(typeof state.body.cluster_uuid, 'string');
    for (const node of nodes) {
      const root = await jsonCall(node, 'GET', '/');
      assert.equal(root.status, 200);
      assert.equal(root.body.cluster_name, 'wired');
      assert.equal(root.body.cluster_uuid, state.body.cluster_uuid);
    }
  });

  test('the replication and recovery actions are served on the transport interface to nodes of this cluster only', async () => {
    const state = await jsonCall(nodes[1]!, 'GET', '/_cluster/state/nodes');
    const info = await jsonCall(nodes[1]!, 'GET', '/_nodes/_local');
    const [nodeId] = Object.keys(info.body.nodes);
    const address = String(info.body.nodes[nodeId!].transport.publish_address);
    const port = Number(address.slice(address.lastIndexOf(':') + 1));
    const connect = (clusterUuid: string): Promise<TransportConnection> =>
      connectTransport({
        address: { host: '127.0.0.1', port },
        local: { clusterName: 'wired', clusterUuid, nodeId: 'probe-node', nodeName: 'probe', version: String(state.body.nodes[nodeId!].version), roles: ['data'], attributes: {}, transportFormatVersion: TRANSPORT_FORMAT_VERSION },
        logger: pino({ level: 'silent' }),
      });
    const recovery = { index_uuid: 'no-such-uuid', index: 'missing', shard: 0, target_allocation_id: 'a1', target_node_id: 'probe-node', local_checkpoint: -1, last_operation_term: null };
    // The handshake answers with the cluster's uuid, not the node's own.
    const own = await connect(String(state.body.cluster_uuid));
    try {
      assert.equal(own.remote.clusterUuid, state.body.cluster_uuid);
      assert.equal(own.remote.nodeId, nodeId);
      // A node of this cluster reaches the service: no copy of that shard is open on the node.
      await assert.rejects(own.request('internal:index/shard/recovery/start_recovery', recovery, { timeoutMs: 10_000 }), (error: any) => error.type === 'shard_not_found_exception');
      await assert.rejects(
        own.request('indices:data/write/bulk[s]', { index_uuid: 'no-such-uuid', index: 'missing', shard: 0, items: [{ op: 'index', id: '1', source: '{}', routing: null, if_seq_no: null, if_primary_term: null }] }, { timeoutMs: 10_000 }),
        (error: any) => error.type === 'shard_not_found_exception',
      );
    } finally {
      own.close();
    }
    // A node of another cluster with the same name (a remote cluster's node) is refused the internal actions.
    const foreign = await connect('another-cluster-uuid');
    try {
      await assert.rejects(foreign.request('internal:index/shard/recovery/start_recovery', recovery, { timeoutMs: 10_000 }), (error: any) => error.type === 'security_exception' && /start_recovery\] is unauthorized/.test(error.message));
    } finally {
      foreign.close();
    }
  });

  /** The started node whose node id is `id`. */
  const byId = (id: string): Promise<StartedNode> => nodeById(nodes, id);
  const assertCopiesIdentical = (index: string): ReturnType<typeof assertIdentical> => assertIdentical(nodes, index);

  test('an index with 3 shards and 1 replica goes green; writes through any node reach the primary and its replica, and every node finds them by GET', async () => {
    const created = await jsonCall(nodes[0]!, 'PUT', '/books', { settings: { number_of_shards: 3, number_of_replicas: 1 } });
    assert.equal(created.status, 200, created.text);
    const health = await jsonCall(nodes[1]!, 'GET', '/_cluster/health/books?wait_for_status=green&timeout=60s');
    assert.equal(health.status, 200, health.text);
    assert.equal(health.body.status, 'green');
    assert.equal(health.body.active_shards, 6);
    const { shards } = await shardLayout(nodes[0]!, 'books');
    for (const { primary, replicas } of Object.values(shards)) assert.deepEqual(replicas.filter((replica) => replica === primary), [], 'never two copies of a shard on one node');

    for (let i = 0; i < 12; i++) {
      const answer = await jsonCall(nodes[i % 3]!, 'PUT', `/books/_doc/b${i}`, { title: `book ${i}`, n: i });
      assert.equal(answer.status, 201, answer.text);
      assert.equal(answer.body.result, 'created');
      assert.deepEqual(answer.body._shards, { total: 2, successful: 2, failed: 0 });
      assert.equal(answer.body._version, 1);
    }
    const lines = Array.from({ length: 9 }, (_, i) => `${JSON.stringify({ index: { _index: 'books', _id: `bulk${i}` } })}\n${JSON.stringify({ title: `bulk ${i}`, n: 100 + i })}\n`).join('');
    const bulk = await jsonCall(nodes[1]!, 'POST', '/_bulk', lines);
    assert.equal(bulk.status, 200, bulk.text);
    assert.equal(bulk.body.errors, false, bulk.text);
    assert.equal(bulk.body.items.length, 9);
    for (const item of bulk.body.items) {
      assert.equal(item.index.status, 201);
      assert.deepEqual(item.index._shards, { total: 2, successful: 2, failed: 0 });
    }
    // An auto-generated id and an update and a delete, each through another node.
    const auto = await jsonCall(nodes[2]!, 'POST', '/books/_doc', { title: 'no id' });
    assert.equal(auto.status, 201, auto.text);
    assert.equal(auto.body.result, 'created');
    const updated = await jsonCall(nodes[2]!, 'POST', '/books/_update/b1', { doc: { title: 'book one' } });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.result, 'updated');
    assert.equal(updated.body._version, 2);
    assert.deepEqual(updated.body._shards, { total: 2, successful: 2, failed: 0 });
    const deleted = await jsonCall(nodes[0]!, 'DELETE', '/books/_doc/b2');
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal(deleted.body.result, 'deleted');
    // A create of an existing id is the primary's version conflict, answered through any node.
    const conflict = await jsonCall(nodes[1]!, 'PUT', '/books/_create/b3', { title: 'again' });
    assert.equal(conflict.status, 409, conflict.text);
    assert.equal(conflict.body.error.type, 'version_conflict_engine_exception');

    for (const node of nodes) {
      for (let i = 0; i < 12; i++) {
        const got = await jsonCall(node, 'GET', `/books/_doc/b${i}`);
        if (i === 2) {
          assert.equal(got.status, 404, got.text);
          continue;
        }
        assert.equal(got.status, 200, got.text);
        assert.equal(got.body._source.title, i === 1 ? 'book one' : `book ${i}`);
      }
      const bulkDoc = await jsonCall(node, 'GET', `/books/_doc/bulk4`);
      assert.equal(bulkDoc.body._source.n, 104);
      const autoDoc = await jsonCall(node, 'GET', `/books/_doc/${auto.body._id}`);
      assert.equal(autoDoc.body._source.title, 'no id');
      // A multi-get reads each document on its shard's primary, in the order asked.
      const ids = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'bulk7', 'missing'];
      const mget = await jsonCall(node, 'POST', '/books/_mget', { ids });
      assert.equal(mget.status, 200, mget.text);
      assert.deepEqual(mget.body.docs.map((doc: any) => [doc._id, doc.found]), ids.map((id) => [id, id !== 'b2' && id !== 'missing']));
      assert.equal(mget.body.docs[1]._source.title, 'book one');
      const other = await jsonCall(node, 'POST', '/_mget', { docs: [{ _index: 'books', _id: 'b3', _source: false }, { _index: 'no-such-index', _id: 'x' }] });
      assert.equal(other.body.docs[0].found, true);
      assert.equal(other.body.docs[0]._source, undefined);
      assert.equal(other.body.docs[1].error.type, 'index_not_found_exception');
    }
    // refresh=true makes the write searchable on both copies before it answers, under the mapping its
    // new field added (each node searches its own copies here).
    const refreshed = await jsonCall(nodes[0]!, 'PUT', '/books/_doc/fresh?refresh=true', { title: 'fresh', shelf: 'top' });
    assert.equal(refreshed.body.forced_refresh, true);
    let holders = 0;
    for (const [shard, { primary, replicas }] of Object.entries(shards)) {
      for (const id of [primary, ...replicas]) holders += (await jsonCall(await byId(id), 'GET', `/books/_search?preference=_shards:${shard}|_only_local&q=shelf:top`)).body.hits.total.value;
    }
    assert.equal(holders, 2, 'the primary and the replica both found it');
    const all = await assertCopiesIdentical('books');
    assert.equal(all.size, 12 - 1 + 9 + 1 + 1);
    assert.equal(all.get('b1')?.version, 2);
  });

  test('a search through any node reads one copy of every shard on the nodes holding them and merges them: hits, _shards, aggregations, _count', async () => {
    const expected = (await assertCopiesIdentical('books')).size;
    for (const node of nodes) {
      for (let round = 0; round < 2; round++) {
        // Two rounds: round robin picks other copies the second time.
        const answer = await jsonCall(node, 'POST', '/books/_search', { size: 100, query: { match_all: {} }, aggs: { many: { range: { field: 'n', ranges: [{ from: 100 }] } } } });
        assert.equal(answer.status, 200, answer.text);
        assert.deepEqual(answer.body._shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
        assert.equal(answer.body.hits.total.value, expected);
        assert.equal(answer.body.hits.hits.length, expected);
        assert.equal(answer.body.aggregations.many.buckets[0].doc_count, 9, 'the nine bulk documents, from every shard');
      }
      const count = await jsonCall(node, 'GET', '/books/_count?q=title:bulk');
      assert.equal(count.status, 200, count.text);
      assert.deepEqual(count.body, { count: 9, _shards: { total: 3, successful: 3, skipped: 0, failed: 0 } });
      // Routing selects the shard: one shard searched.
      const routed = await jsonCall(node, 'GET', '/books/_search?routing=b5&q=title:book');
      assert.equal(routed.body._shards.total, 1);
      assert.ok(routed.body.hits.hits.some((hit: any) => hit._id === 'b5'));
    }
    // Scroll and `_msearch` are carried across nodes too (multi-node-search.test.ts compares them with one node).
    const scroll = await jsonCall(nodes[0]!, 'GET', '/books/_search?scroll=1m');
    assert.equal(scroll.status, 200, scroll.text);
    assert.equal(typeof scroll.body._scroll_id, 'string');
    const msearch = await jsonCall(nodes[1]!, 'POST', '/_msearch', `{"index":"books"}\n{}\n`);
    assert.equal(msearch.status, 200, msearch.text);
    assert.deepEqual(msearch.body.responses[0]._shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
  });

  test('index stats, _cat/indices and flush through any node cover every copy on every node', async () => {
    const count = (await jsonCall(nodes[0]!, 'GET', '/books/_count')).body.count as number;
    assert.ok(count > 0);
    for (const node of nodes) {
      const stats = await jsonCall(node, 'GET', '/books/_stats?level=shards');
      assert.equal(stats.status, 200, stats.text);
      assert.deepEqual(stats.body._shards, { total: 6, successful: 6, failed: 0 });
      assert.equal(stats.body._all.primaries.docs.count, count);
      assert.equal(stats.body._all.total.docs.count, 2 * count, 'the replicas count in total');
      assert.equal(stats.body.indices.books.health, 'green');
      for (const copies of Object.values(stats.body.indices.books.shards) as any[][]) {
        assert.equal(copies.length, 2);
        assert.deepEqual(copies.map((copy) => copy.routing.primary), [true, false]);
        assert.notEqual(copies[0].routing.node, copies[1].routing.node);
        assert.equal(copies[0].docs.count, copies[1].docs.count);
      }
      const cat = await jsonCall(node, 'GET', '/_cat/indices/books?format=json&bytes=b');
      assert.equal(cat.status, 200, cat.text);
      assert.equal(Number(cat.body[0]['docs.count']), count);
      assert.equal(cat.body[0].health, 'green');
      assert.ok(Number(cat.body[0]['store.size']) > Number(cat.body[0]['pri.store.size']));
      // _cat/shards (cat-shards.html): each row is one copy, its docs, store and seq_no.* that copy's
      // own as the node holding it reports them, the same figures _stats?level=shards gives.
      const rows = (await jsonCall(node, 'GET', '/_cat/shards/books?format=json&bytes=b&h=shard,prirep,state,id,docs,store,seq_no.max,seq_no.local_checkpoint,seq_no.global_checkpoint')).body as Record<string, string>[];
      assert.equal(rows.length, 6, JSON.stringify(rows));
      for (const row of rows) {
        const copy = (stats.body.indices.books.shards[row.shard!] as any[]).find((entry) => entry.routing.node === row.id);
        assert.ok(copy !== undefined && row.state === 'STARTED', JSON.stringify(row));
        assert.equal(row.prirep, copy.routing.primary ? 'p' : 'r');
        assert.deepEqual([row.docs, row['seq_no.max'], row['seq_no.local_checkpoint'], row['seq_no.global_checkpoint']].map(Number), [copy.docs.count, copy.seq_no.max_seq_no, copy.seq_no.local_checkpoint, copy.seq_no.global_checkpoint], JSON.stringify(row));
        assert.ok(Number(row.store) > 0 && Number(row['seq_no.max']) >= 0, JSON.stringify(row));
      }
    }
    const flushed = await jsonCall(nodes[1]!, 'POST', '/books/_flush');
    assert.equal(flushed.status, 200, flushed.text);
    assert.deepEqual(flushed.body._shards, { total: 6, successful: 6, failed: 0 });
  });

  test('docs.deleted counts every copy\'s deleted documents; _forcemerge through any node merges every copy (indices-stats.html, indices-forcemerge.html)', async () => {
    // No scheduled refresh: each copy makes the bulk one segment (cat.test.ts says why).
    await createGreen(nodes[0]!, 'purge', { number_of_shards: 1, number_of_replicas: 1, refresh_interval: '-1' });
    const lines = Array.from({ length: 10 }, (_, i) => `${JSON.stringify({ index: { _index: 'purge', _id: `p${i}` } })}\n{"p":${i}}\n`).join('');
    assert.equal((await jsonCall(nodes[1]!, 'POST', '/_bulk?refresh=true', lines)).body.errors, false);
    for (const id of ['p1', 'p2', 'p3']) assert.equal((await jsonCall(nodes[2]!, 'DELETE', `/purge/_doc/${id}`)).status, 200);
    assert.equal((await jsonCall(nodes[0]!, 'POST', '/purge/_refresh')).status, 200);
    const docs = async (node: StartedNode) => {
      const stats = await jsonCall(node, 'GET', '/purge/_stats/docs');
      const cat = await jsonCall(node, 'GET', '/_cat/indices/purge?format=json&h=docs.count,docs.deleted');
      return { primaries: stats.body._all.primaries.docs, total: stats.body._all.total.docs, cat: cat.body[0] };
    };
    for (const node of nodes) assert.deepEqual(await docs(node), { primaries: { count: 7, deleted: 3 }, total: { count: 14, deleted: 6 }, cat: { 'docs.count': '7', 'docs.deleted': '3' } });
    const merged = await jsonCall(nodes[2]!, 'POST', '/purge/_forcemerge?max_num_segments=1');
    assert.equal(merged.status, 200, merged.text);
    assert.deepEqual(merged.body._shards, { total: 2, successful: 2, failed: 0 });
    assert.deepEqual(await docs(nodes[1]!), { primaries: { count: 7, deleted: 0 }, total: { count: 14, deleted: 0 }, cat: { 'docs.count': '7', 'docs.deleted': '0' } });
    const both = await jsonCall(nodes[0]!, 'POST', '/purge/_forcemerge?max_num_segments=1&only_expunge_deletes=true');
    assert.equal(both.status, 400, both.text);
    assert.equal(both.body.error.type, 'action_request_validation_exception');
  });

  test('the refresh API refreshes every copy on every node (refresh_interval -1: nothing else does)', async () => {
    await createGreen(nodes[0]!, 'quiet', { number_of_shards: 2, number_of_replicas: 1, refresh_interval: '-1' });
    const lines = Array.from({ length: 10 }, (_, i) => `${JSON.stringify({ index: { _index: 'quiet', _id: `q${i}` } })}\n{"q":${i}}\n`).join('');
    assert.equal((await jsonCall(nodes[1]!, 'POST', '/_bulk', lines)).body.errors, false);
    assert.equal((await jsonCall(nodes[1]!, 'GET', '/quiet/_count')).body.count, 0, 'not searchable before a refresh');
    const refreshed = await jsonCall(nodes[2]!, 'POST', '/quiet/_refresh');
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.deepEqual(refreshed.body._shards, { total: 4, successful: 4, failed: 0 });
    const { shards } = await shardLayout(nodes[0]!, 'quiet');
    let found = 0;
    for (const [shard, { primary, replicas }] of Object.entries(shards)) {
      for (const id of [primary, ...replicas]) found += (await jsonCall(await byId(id), 'GET', `/quiet/_search?preference=_shards:${shard}|_only_local`)).body.hits.total.value;
    }
    assert.equal(found, 20, 'every copy of both shards holds the ten documents searchable');
  });

  test('primaries on different nodes adding different dynamic fields at once: the published mapping keeps every field, on every node', async () => {
    await createGreen(nodes[0]!, 'fields', { number_of_shards: 3, number_of_replicas: 0 });
    // Six writes at once, through every node, each adding its own field (ids spread over the three shards).
    const writes = Array.from({ length: 6 }, (_, i) => jsonCall(nodes[i % 3]!, 'PUT', `/fields/_doc/f${i}`, { [`field_${i}`]: i }));
    for (const answer of await Promise.all(writes)) assert.equal(answer.status, 201, answer.text);
    const expected = Array.from({ length: 6 }, (_, i) => `field_${i}`);
    for (const node of nodes) {
      let fields: string[] = [];
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
        fields = Object.keys((await jsonCall(node, 'GET', '/fields/_mapping')).body.fields.mappings.properties ?? {}).sort();
        if (fields.length === expected.length) break;
      }
      assert.deepEqual(fields, expected);
    }
    const state = await jsonCall(nodes[2]!, 'GET', '/_cluster/state/metadata/fields');
    assert.deepEqual(Object.keys(state.body.metadata.indices.fields.mappings._doc.properties).sort(), expected);
  });

  test('many bulk requests at once through every node, each adding its own new fields to one index: every item succeeds (contention on the master is waited out, never a 5xx) and the published mapping has every field, on every node', async () => {
    // Elasticsearch's master queues mapping updates and batches them; a primary waits for its
    // update up to the request's timeout (docs-bulk.html `timeout`, 1m), so load alone never fails a write.
    await createGreen(nodes[0]!, 'churn', { number_of_shards: 3, number_of_replicas: 1 });
    const requests = 9;
    const documentsPerRequest = 3;
    const fieldsPerDocument = 3;
    const fieldOf = (request: number, document: number, field: number): string => `r${request}_d${document}_f${field}`;
    // Beside them, explicit mapping updates through every node, each adding its own field.
    const putMappings = Array.from({ length: requests / 3 }, (_, request) => nodes[(request + 1) % 3]!.client().indices.putMapping({ index: 'churn', properties: { [`put_${request}`]: { type: 'keyword' } } }));
    const answers = await Promise.all(
      Array.from({ length: requests }, (_, request) =>
        nodes[request % 3]!.client().bulk({
          operations: Array.from({ length: documentsPerRequest }, (_, document) => [
            { index: { _index: 'churn', _id: `r${request}-d${document}` } },
            Object.fromEntries(Array.from({ length: fieldsPerDocument }, (_, field) => [fieldOf(request, document, field), request * 100 + document])),
          ]).flat(),
        }),
      ),
    );
    for (const answer of await Promise.all(putMappings)) assert.equal(answer.acknowledged, true);
    for (const answer of answers) {
      assert.equal(answer.errors, false, JSON.stringify(answer.items.filter((item) => item.index?.error !== undefined)));
      assert.deepEqual(answer.items.map((item) => item.index?.status), Array(documentsPerRequest).fill(201));
    }
    const expected = Array.from({ length: requests }, (_, request) => Array.from({ length: documentsPerRequest }, (_, document) => Array.from({ length: fieldsPerDocument }, (_, field) => fieldOf(request, document, field)))).flat(2).concat(Array.from({ length: requests / 3 }, (_, request) => `put_${request}`)).sort();
    // Each primary answered once the master published its fields: every node holds them all already.
    for (const node of nodes) {
      const mapping = await node.client().indices.getMapping({ index: 'churn' });
      assert.deepEqual(Object.keys(mapping.churn!.mappings.properties ?? {}).sort(), expected, `the mapping through ${node.url}`);
    }
    await nodes[1]!.client().indices.refresh({ index: 'churn' });
    const count = await nodes[1]!.client().count({ index: 'churn' });
    assert.equal(count.count, requests * documentsPerRequest);
  });

  test('mapping updates through two nodes at once that together pass index.mapping.total_fields.limit: the master refuses the one that would pass it (400), every node keeps the published mapping, and writes adding fields go on (never a 5xx)', async () => {
    // Elasticsearch's master checks the limit when it merges a mapping update into the published
    // mapping (mapping-settings-limit.html), whatever each node checked against its own copy.
    const limit = 10;
    await createGreen(nodes[0]!, 'limited', { number_of_shards: 3, number_of_replicas: 1, 'mapping.total_fields.limit': limit });
    const fieldsOf = (prefix: string): Record<string, { type: string }> => Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`${prefix}_${i}`, { type: 'keyword' }]));
    const [first, second] = await Promise.all([
      jsonCall(nodes[0]!, 'PUT', '/limited/_mapping', { properties: fieldsOf('a') }),
      jsonCall(nodes[1]!, 'PUT', '/limited/_mapping', { properties: fieldsOf('b') }),
    ]);
    assert.deepEqual([first.status, second.status].sort(), [200, 400], `${first.text} / ${second.text}`);
    const [accepted, refused] = first.status === 200 ? ['a', second] : ['b', first];
    assert.equal(refused.body.error.type, 'illegal_argument_exception', refused.text);
    assert.match(refused.body.error.reason, /Limit of total fields \[10\] has been exceeded/);
    const expected = Object.keys(fieldsOf(accepted)).sort();
    for (const node of nodes) {
      const properties = (await eventually(() => jsonCall(node, 'GET', '/limited/_mapping'), (answer) => Object.keys(answer.body.limited?.mappings?.properties ?? {}).length === expected.length, 10_000)).body.limited.mappings.properties;
      assert.deepEqual(Object.keys(properties).sort(), expected, `the mapping through ${node.url}`);
    }
    // Each node applied the published mapping, so documents adding fields are indexed up to the limit, then refused with a 400.
    const writes = await Promise.all(Array.from({ length: 6 }, (_, i) => jsonCall(nodes[i % 3]!, 'PUT', `/limited/_doc/l${i}`, { [`doc_${i}`]: i })));
    for (const answer of writes) {
      if (answer.status === 201) continue;
      assert.equal(answer.status, 400, answer.text);
      // Refused by the master's merge, or by this node's check against the mapping it applied.
      assert.ok(['illegal_argument_exception', 'document_parsing_exception'].includes(answer.body.error.type), answer.text);
    }
    assert.equal(writes.filter((answer) => answer.status === 201).length, limit - expected.length, writes.map((answer) => answer.text).join('\n'));
  });

  test('a mapping change the master refuses undoes only its own request: put-mappings and dynamic fields in flight on the same node at once are published and answered 200, never dropped', async () => {
    // Each round: through node 0, (a) a put-mapping that together with (b), through node 1, passes
    // the limit, beside (c) small put-mappings on the same index and on another one, and a bulk adding
    // one dynamic field to each. Acknowledged means published: every 200's fields are in the mapping
    // on every node afterwards, the refused request's are on none.
    const limit = 10;
    const fieldsOf = (prefix: string, count: number): Record<string, { type: string }> => Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}_${i}`, { type: 'keyword' }]));
    // The primaries on node 0, so the bulk's dynamic updates are made there too.
    const nodeZero = Object.keys((await jsonCall(nodes[0]!, 'GET', '/_nodes/_local')).body.nodes)[0]!;
    for (let round = 0; round < 2; round++) {
      const [crowded, other] = [`crowded-${round}`, `roomy-${round}`];
      const settings = { number_of_shards: 1, number_of_replicas: 0, 'routing.allocation.require._id': nodeZero };
      await Promise.all([createGreen(nodes[0]!, crowded, { ...settings, 'mapping.total_fields.limit': limit }), createGreen(nodes[0]!, other, settings)]);
      const requests = [
        { name: 'a', through: nodes[0]!, index: crowded, fields: fieldsOf('a', 6) },
        { name: 'b', through: nodes[1]!, index: crowded, fields: fieldsOf('b', 6) },
        { name: 'c', through: nodes[0]!, index: crowded, fields: fieldsOf('c', 1) },
        { name: 'c_other', through: nodes[0]!, index: other, fields: fieldsOf('c_other', 1) },
      ];
      const [answers, bulk] = await Promise.all([
        Promise.all(requests.map((request) => jsonCall(request.through, 'PUT', `/${request.index}/_mapping`, { properties: request.fields }))),
        nodes[0]!.client().bulk({ operations: [{ index: { _index: crowded, _id: 'd' } }, { dyn_0: 'x' }, { index: { _index: other, _id: 'd' } }, { dyn_other: 'x' }] }),
      ]);
      const text = answers.map((answer, i) => `${requests[i]!.name}: ${answer.status} ${answer.text}`).join('\n');
      // (a) and (b) cannot both be published; every other change fits whichever is.
      assert.deepEqual([answers[0]!.status, answers[1]!.status].sort(), [200, 400], text);
      assert.equal(answers[2]!.status, 200, text);
      assert.equal(answers[3]!.status, 200, text);
      for (const answer of answers) if (answer.status === 400) assert.match(answer.body.error.reason, /Limit of total fields \[10\] has been exceeded/, text);
      assert.deepEqual(bulk.items.map((item) => item.index?.status), [201, 201], JSON.stringify(bulk.items));
      const expected: Record<string, string[]> = { [crowded]: ['dyn_0'], [other]: ['dyn_other'] };
      const refused: string[] = [];
      requests.forEach((request, i) => (answers[i]!.status === 200 ? expected[request.index]!.push(...Object.keys(request.fields)) : refused.push(...Object.keys(request.fields))));
      for (const node of nodes) {
        for (const index of [crowded, other]) {
          const want = expected[index]!.sort();
          const answer = await eventually(() => jsonCall(node, 'GET', `/${index}/_mapping`), (mapping) => Object.keys(mapping.body[index]?.mappings?.properties ?? {}).length >= want.length, 2_000);
          const fields = Object.keys(answer.body[index]?.mappings?.properties ?? {}).sort();
          assert.deepEqual(fields, want, `round ${round}, ${index} through ${node.url}\n${text}`);
          for (const field of refused) assert.ok(!fields.includes(field), field);
        }
      }
      for (const name of [crowded, other]) assert.equal((await jsonCall(nodes[0]!, 'DELETE', `/${name}`)).status, 200);
    }
  });

  test('two primaries on two nodes adding one dynamic field with conflicting types at once: one type is published, the other document is refused with a 400 and kept on no copy, every node answers the same mapping', async () => {
    // Elasticsearch's primary asks the master to publish a document's dynamic mapping update before
    // it indexes the document, and fails the document when the master refuses the update
    // (docs-index_.html, "Automatically create data streams and indices"; dynamic-mapping.html).
    await createGreen(nodes[0]!, 'clash', { number_of_shards: 2, number_of_replicas: 1 });
    const { shards } = await shardLayout(nodes[0]!, 'clash');
    assert.notEqual(shards['0']!.primary, shards['1']!.primary, 'the two primaries are on two nodes');
    const primaryNode = async (shard: string): Promise<StartedNode> => nodeById(nodes, shards[shard]!.primary);
    const [first, second] = [await primaryNode('0'), await primaryNode('1')];
    const layout = routingLayoutOf({ 'index.number_of_shards': '2' });
    const idOn = (shard: number, round: number): string => {
      for (let n = 0; ; n++) if (shardNumber(layout, `r${round}-${n}`) === shard) return `r${round}-${n}`;
    };
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      const field = `clash_${round}`;
      // A number on one primary, an object on the other: each is refused under the other's type.
      const [asNumber, asObject] = await Promise.all([
        jsonCall(first, 'PUT', `/clash/_doc/${idOn(0, round)}`, { [field]: round }),
        jsonCall(second, 'PUT', `/clash/_doc/${idOn(1, round)}`, { [field]: { inner: round } }),
      ]);
      const statuses = [asNumber.status, asObject.status].sort();
      assert.deepEqual(statuses, [201, 400], `round ${round}: exactly one document is indexed (${asNumber.text} / ${asObject.text})`);
      const [winner, loser, loserId, loserNode] = asNumber.status === 201 ? [asNumber, asObject, idOn(1, round), second] : [asObject, asNumber, idOn(0, round), first];
      assert.equal(winner.body.result, 'created');
      // Refused by the master (its merge), or parsed under the type this node applied already.
      assert.ok(['illegal_argument_exception', 'document_parsing_exception'].includes(loser.body.error.type), loser.text);
      assert.equal((await jsonCall(loserNode, 'GET', `/clash/_doc/${loserId}`)).status, 404, 'the refused document is not on its primary');
      const expected = asNumber.status === 201 ? { type: 'long' } : { properties: { inner: { type: 'long' } } };
      for (const node of nodes) {
        const mapping = await eventually(
          () => jsonCall(node, 'GET', '/clash/_mapping'),
          (answer) => answer.body.clash?.mappings?.properties?.[field] !== undefined,
          10_000,
        );
        assert.deepEqual(mapping.body.clash.mappings.properties[field], expected, `round ${round}: the mapping through ${node.url}`);
      }
    }
    // One bulk on one primary: each new field is published before its item is written, and an
    // item refused under the published mapping fails alone.
    const published = (await jsonCall(first, 'GET', '/clash/_mapping')).body.clash.mappings.properties.clash_0;
    const bulk = await jsonCall(second, 'POST', '/clash/_bulk', [
      { index: { _id: idOn(1, 100) } }, { bulk_a: 1 },
      { index: { _id: idOn(1, 101) } }, { clash_0: published.type === 'long' ? { inner: 1 } : 1 },
      { index: { _id: idOn(1, 102) } }, { bulk_b: 'two' },
    ].map((line) => JSON.stringify(line)).join('\n') + '\n');
    assert.equal(bulk.status, 200, bulk.text);
    assert.deepEqual(bulk.body.items.map((item: any) => item.index.status), [201, 400, 201], bulk.text);
    assert.equal(bulk.body.items[1].index.error.type, 'document_parsing_exception');
    for (const node of nodes) {
      const properties = (await eventually(() => jsonCall(node, 'GET', '/clash/_mapping'), (answer) => answer.body.clash.mappings.properties.bulk_b !== undefined, 10_000)).body.clash.mappings.properties;
      assert.equal(properties.bulk_a.type, 'long');
      assert.equal(properties.bulk_b.type, 'text');
      assert.deepEqual(properties.clash_0, published);
    }
    const state = await jsonCall(nodes[2]!, 'GET', '/_cluster/state/metadata/clash');
    assert.equal(Object.keys(state.body.metadata.indices.clash.mappings._doc.properties).length, rounds + 2);
    // Every copy holds only the indexed documents: one per round, two of the bulk.
    const documents = await assertIdentical(nodes, 'clash');
    assert.equal(documents.size, rounds + 2);
  });

  test('dynamic index settings updated through one node apply on every node: refresh_interval, a write block, a default pipeline', async () => {
    await createGreen(nodes[0]!, 'tuned', { number_of_shards: 3, number_of_replicas: 1 });
    const updated = await jsonCall(nodes[1]!, 'PUT', '/tuned/_settings', { index: { refresh_interval: '7s', 'blocks.write': true } });
    assert.equal(updated.status, 200, updated.text);
    for (const node of nodes) {
      let settings: any;
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
        settings = (await jsonCall(node, 'GET', '/tuned/_settings?flat_settings=true')).body.tuned.settings;
        if (settings['index.blocks.write'] === 'true') break;
      }
      assert.equal(settings['index.refresh_interval'], '7s');
      assert.equal(settings['index.blocks.write'], 'true');
    }
    // The block holds on every primary, whichever node the write goes through.
    for (let i = 0; i < 6; i++) {
      const refused = await jsonCall(nodes[i % 3]!, 'PUT', `/tuned/_doc/t${i}`, { i });
      assert.equal(refused.status, 403, refused.text);
      assert.equal(refused.body.error.type, 'cluster_block_exception');
    }
    assert.equal((await jsonCall(nodes[2]!, 'PUT', '/tuned/_settings', { index: { 'blocks.write': null } })).status, 200);
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
      const answers = await Promise.all(nodes.map((node) => jsonCall(node, 'GET', '/tuned/_settings?flat_settings=true')));
      if (answers.every((answer) => answer.body.tuned.settings['index.blocks.write'] === undefined)) break;
    }
    for (let i = 0; i < 6; i++) assert.equal((await jsonCall(nodes[i % 3]!, 'PUT', `/tuned/_doc/t${i}`, { i })).status, 201);
  });

  test('a write whose shard has no started primary waits its timeout, then answers 503 unavailable_shards_exception', async () => {
    const created = await jsonCall(nodes[0]!, 'PUT', '/nowhere', { settings: { number_of_shards: 1, number_of_replicas: 0, 'index.routing.allocation.require._name': 'no-such-node' } });
    assert.equal(created.status, 200, created.text);
    const started = Date.now();
    const answer = await jsonCall(nodes[1]!, 'PUT', '/nowhere/_doc/1?timeout=1s', { a: 1 });
    assert.equal(answer.status, 503, answer.text);
    assert.equal(answer.body.error.type, 'unavailable_shards_exception');
    assert.match(answer.body.error.reason, /^\[nowhere\]\[0\] primary shard is not active Timeout: \[1s\]/);
    assert.ok(Date.now() - started >= 900, 'it waited the timeout');
    const bulk = await jsonCall(nodes[2]!, 'POST', '/_bulk?timeout=500ms', `${JSON.stringify({ index: { _index: 'nowhere', _id: '2' } })}\n{"a":2}\n`);
    assert.equal(bulk.status, 200, bulk.text);
    assert.equal(bulk.body.errors, true);
    assert.equal(bulk.body.items[0].index.status, 503);
    assert.equal(bulk.body.items[0].index.error.type, 'unavailable_shards_exception');
    assert.equal((await jsonCall(nodes[0]!, 'DELETE', '/nowhere')).status, 200);
  });

  test('wait_for_active_shards: a write waits for that many active copies, then 503; by default one (the primary) is enough and _shards counts the unassigned replica', async () => {
    // Both copies may only live on data-a: the replica stays unassigned (yellow).
    const created = await jsonCall(nodes[0]!, 'PUT', '/halfway', { settings: { number_of_shards: 1, number_of_replicas: 1, 'index.routing.allocation.require._name': 'data-a' } });
    assert.equal(created.status, 200, created.text);
    assert.equal((await jsonCall(nodes[0]!, 'GET', '/_cluster/health/halfway?wait_for_status=yellow&timeout=30s')).body.status, 'yellow');
    const written = await jsonCall(nodes[1]!, 'PUT', '/halfway/_doc/1', { a: 1 });
    assert.equal(written.status, 201, written.text);
    assert.deepEqual(written.body._shards, { total: 2, successful: 1, failed: 0 });
    const all = await jsonCall(nodes[2]!, 'PUT', '/halfway/_doc/2?wait_for_active_shards=all&timeout=500ms', { a: 2 });
    assert.equal(all.status, 503, all.text);
    assert.equal(all.body.error.type, 'unavailable_shards_exception');
    assert.match(all.body.error.reason, /^\[halfway\]\[0\] Not enough active copies to meet shard count of \[ALL\] \(have 1, needed 2\)\. Timeout: \[500ms\]/);
    const two = await jsonCall(nodes[2]!, 'POST', '/_bulk?wait_for_active_shards=2&timeout=200ms', `${JSON.stringify({ index: { _index: 'halfway', _id: '3' } })}\n{"a":3}\n`);
    assert.equal(two.body.items[0].index.status, 503, two.text);
    assert.match(two.body.items[0].index.error.reason, /shard count of \[2\] \(have 1, needed 2\)/);
    const bad = await jsonCall(nodes[2]!, 'PUT', '/halfway/_doc/4?wait_for_active_shards=many', { a: 4 });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.body.error.reason, 'cannot parse ActiveShardCount[many]');
    assert.equal((await jsonCall(nodes[2]!, 'GET', '/halfway/_doc/2')).status, 404, 'the refused write wrote nothing');
    assert.equal((await jsonCall(nodes[0]!, 'DELETE', '/halfway')).status, 200);
  });

  test('number_of_replicas 0 to 1 at runtime: the new replica recovers from the primary and holds the same documents', async () => {
    await createGreen(nodes[2]!, 'grow', { number_of_shards: 2, number_of_replicas: 0 }, nodes[0]!);
    const lines = Array.from({ length: 40 }, (_, i) => `${JSON.stringify({ index: { _index: 'grow', _id: `g${i}` } })}\n${JSON.stringify({ n: i })}\n`).join('');
    const bulk = await jsonCall(nodes[0]!, 'POST', '/_bulk', lines);
    assert.equal(bulk.body.errors, false, bulk.text);
    assert.deepEqual(bulk.body.items[0].index._shards, { total: 1, successful: 1, failed: 0 });
    const changed = await jsonCall(nodes[1]!, 'PUT', '/grow/_settings', { index: { number_of_replicas: 1 } });
    assert.equal(changed.status, 200, changed.text);
    const health = await jsonCall(nodes[2]!, 'GET', '/_cluster/health/grow?wait_for_status=green&timeout=60s');
    assert.equal(health.body.status, 'green', health.text);
    assert.equal(health.body.active_shards, 4);
    const all = await assertCopiesIdentical('grow');
    assert.equal(all.size, 40);
    // _cat/recovery (cat-recovery.html, RestCatRecoveryAction): through every node, one row per
    // copy from the node holding it: each primary's store recovery, each replica's peer recovery
    // from its primary's node, matching _cat/shards.
    const layout = (await jsonCall(nodes[0]!, 'GET', '/_cat/shards/grow?format=json&h=shard,prirep,node,docs')).body as Record<string, string>[];
    const holder = (shard: number, prirep: string): Record<string, string> => layout.find((row) => Number(row['shard']) === shard && row['prirep'] === prirep)!;
    const columns = 'index,shard,type,stage,source_node,source_host,target_node,target_host,files,files_recovered,files_percent,files_total,bytes,bytes_recovered,bytes_total,translog_ops,translog_ops_recovered,translog_ops_percent,start_time_millis,stop_time_millis';
    for (const node of nodes) {
      const listed = await jsonCall(node, 'GET', `/_cat/recovery/grow?format=json&bytes=b&h=${columns}`);
      assert.equal(listed.status, 200, listed.text);
      const rows = listed.body as Record<string, string>[];
      assert.equal(rows.length, 4, listed.text);
      for (const shard of [0, 1]) {
        const primary = holder(shard, 'p');
        const replica = holder(shard, 'r');
        const own = rows.filter((row) => Number(row['shard']) === shard);
        const store = own.find((row) => row['type'] === 'empty_store');
        const peer = own.find((row) => row['type'] === 'peer');
        assert.ok(store !== undefined && peer !== undefined, listed.text);
        assert.deepEqual([store['stage'], store['source_node'], store['target_node'], store['files'], store['translog_ops']], ['done', 'n/a', primary['node'], '0', '0']);
        assert.deepEqual([peer['stage'], peer['source_node'], peer['target_node']], ['done', primary['node'], replica['node']]);
        assert.notEqual(peer['source_host'], 'n/a');
        assert.ok(Number(peer['stop_time_millis']) >= Number(peer['start_time_millis']) && Number(peer['start_time_millis']) >= Number(store['stop_time_millis']), listed.text);
        assert.equal(peer['translog_ops_recovered'], peer['translog_ops']);
        assert.equal(peer['translog_ops_percent'], '100.0%');
        if (peer['files'] === '1') {
          // A full copy: the primary's documents, every byte of them.
          assert.deepEqual([peer['files_recovered'], peer['files_percent'], peer['bytes_recovered']], ['1', '100.0%', peer['bytes']], listed.text);
          assert.ok(Number(peer['bytes']) > 0, listed.text);
        } else {
          // The primary retained its history: every document came as a replayed operation.
          assert.deepEqual([peer['files'], peer['bytes'], peer['translog_ops']], ['0', '0', primary['docs']], listed.text);
        }
      }
      const active = await jsonCall(node, 'GET', '/_cat/recovery/grow?format=json&active_only=true&detailed=true');
      assert.deepEqual(active.body, [], active.text);
    }
    const after = await jsonCall(nodes[1]!, 'PUT', '/grow/_doc/g0', { n: -1 });
    assert.deepEqual(after.body._shards, { total: 2, successful: 2, failed: 0 });
  });

  /** `call` is refused with this status and error type (the official client's ResponseError). */
  const refused = async (call: Promise<unknown>, status: number, type: string): Promise<void> => {
    await assert.rejects(call, (error: any) => {
      assert.equal(error.meta?.statusCode, status, JSON.stringify(error.meta?.body));
      assert.equal(error.meta.body.error.type, type, JSON.stringify(error.meta.body));
      return true;
    });
  };

  test('close and open through any node (indices-close.html, indices-open-close.html): closed on every node, searches and writes 400 index_closed_exception, no acknowledged write lost, every copy whole after the reopen', async () => {
    await createGreen(nodes[0]!, 'shelf', { number_of_shards: 2, number_of_replicas: 1 });
    const client = (i: number) => nodes[i]!.client();
    const operations = Array.from({ length: 30 }, (_, i) => [{ index: { _index: 'shelf', _id: `s${i}` } }, { n: i }]).flat();
    const bulk = await client(1).bulk({ operations, refresh: true });
    assert.equal(bulk.errors, false);
    // Two writers through two nodes while the index closes: a write is acknowledged, or refused.
    const acknowledged = new Set<string>();
    const refusals = new Set<string>();
    let stop = false;
    const writer = async (k: number): Promise<void> => {
      for (let n = 0; !stop; n++) {
        try {
          await client(k).index({ index: 'shelf', id: `w${k}-${n}`, document: { writer: k, n } });
          acknowledged.add(`w${k}-${n}`);
        } catch (error: any) {
          refusals.add(`${error.meta?.statusCode} ${error.meta?.body?.error?.type}`);
        }
      }
    };
    const writers = [writer(0), writer(2)];
    await new Promise((resolve) => setTimeout(resolve, 500));
    const closed = await client(1).indices.close({ index: 'shelf' });
    assert.deepEqual(closed, { acknowledged: true, shards_acknowledged: true, indices: { shelf: { closed: true } } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop = true;
    await Promise.all(writers);
    assert.ok(acknowledged.size > 0, 'writes were acknowledged before the close');
    for (const refusal of refusals) assert.equal(refusal, '400 index_closed_exception', 'a write racing the close is refused as closed');
    for (let i = 0; i < nodes.length; i++) {
      // Every node applied the close before it was acknowledged: the state, the block, the refusals.
      const state = await client(i).cluster.state({ metric: ['metadata', 'blocks', 'routing_table'], index: 'shelf' });
      assert.equal((state.metadata as any).indices.shelf.state, 'close');
      assert.deepEqual((state.blocks as any).indices.shelf['4'], { description: 'index closed', retryable: false, levels: ['read', 'write'] });
      assert.equal(Object.keys((state.routing_table as any).indices.shelf.shards).length, 2, 'a closed index keeps its routing table');
      await refused(client(i).search({ index: 'shelf', query: { match_all: {} } }), 400, 'index_closed_exception');
      await refused(client(i).search({ index: 'shelf', preference: '_shards:0|_only_local' }), 400, 'index_closed_exception');
      await refused(client(i).count({ index: 'shelf' }), 400, 'index_closed_exception');
      await refused(client(i).index({ index: 'shelf', id: 'late', document: { n: -1 } }), 400, 'index_closed_exception');
      await refused(client(i).bulk({ operations: [{ index: { _index: 'shelf', _id: 'late' } }, { n: -1 }] }).then((answer) => {
        if (answer.errors) throw { meta: { statusCode: answer.items[0]!.index!.status, body: { error: answer.items[0]!.index!.error } } };
        return answer;
      }), 400, 'index_closed_exception');
    }
    // Health and _cat/indices count a closed index's copies (Elasticsearch 7.2+ replicates closed indices).
    const health = await client(2).cluster.health({ index: 'shelf' });
    assert.equal(health.status, 'green');
    assert.equal(health.active_shards, 4);
    const cat = await client(0).cat.indices({ index: 'shelf', format: 'json', h: ['health', 'status', 'index'] });
    assert.deepEqual(cat, [{ health: 'green', status: 'close', index: 'shelf' }]);
    // Opened through another node: green again, every document indexed before the close on every copy.
    const opened = await client(2).indices.open({ index: 'shelf', wait_for_active_shards: 'all' });
    assert.deepEqual(opened, { acknowledged: true, shards_acknowledged: true });
    assert.equal((await client(0).cluster.health({ index: 'shelf', wait_for_status: 'green', timeout: '60s' })).status, 'green');
    const all = await assertCopiesIdentical('shelf');
    for (const id of acknowledged) assert.ok(all.has(id), `acknowledged [${id}] is missing after the reopen`);
    // A write the close refused may still have reached the primary's files (unacknowledged, as in
    // Elasticsearch); after the reopen every copy holds it alike.
    for (const id of all.keys()) assert.match(id, /^(s\d+|w[02]-\d+)$/);
    assert.ok(all.size >= 30 + acknowledged.size);
    const after = await client(1).index({ index: 'shelf', id: 'after', document: { n: 99 }, refresh: true });
    assert.deepEqual(after._shards, { total: 2, successful: 2, failed: 0 });
    const found = await client(0).count({ index: 'shelf' });
    assert.equal(found.count, all.size + 1);
  });

  test('close and open refusals as on one node: a missing index 404 (ignore_unavailable skips it), a wildcard close under action.destructive_requires_name 400, expand_wildcards, an index whose primary is not active stays open', async () => {
    await createGreen(nodes[0]!, 'lid-a', { number_of_shards: 1, number_of_replicas: 1 });
    await createGreen(nodes[0]!, 'lid-b', { number_of_shards: 1, number_of_replicas: 0 });
    const client = nodes[1]!.client();
    await refused(client.indices.close({ index: 'lid-missing' }), 404, 'index_not_found_exception');
    await refused(client.indices.close({ index: 'lid-a,lid-missing' }), 404, 'index_not_found_exception');
    assert.equal((await client.cluster.state({ metric: ['metadata'], index: 'lid-a' }) as any).metadata.indices['lid-a'].state, 'open', 'nothing was closed');
    assert.deepEqual(await client.indices.close({ index: 'lid-a,lid-missing', ignore_unavailable: true }), { acknowledged: true, shards_acknowledged: true, indices: { 'lid-a': { closed: true } } });
    await refused(client.indices.close({ index: 'lid-*' }), 400, 'illegal_argument_exception');
    await refused(client.indices.open({ index: 'lid-missing' }), 404, 'index_not_found_exception');
    // expand_wildcards=open finds no closed index to open: nothing happens.
    assert.deepEqual(await client.indices.open({ index: 'lid-*', expand_wildcards: 'open' }), { acknowledged: true, shards_acknowledged: true });
    assert.equal((await client.cluster.state({ metric: ['metadata'], index: 'lid-a' }) as any).metadata.indices['lid-a'].state, 'close');
    assert.deepEqual(await client.indices.open({ index: 'lid-*' }), { acknowledged: true, shards_acknowledged: true });
    assert.equal((await nodes[2]!.client().cluster.health({ index: 'lid-*', wait_for_status: 'green', timeout: '60s' })).status, 'green');
    // A primary that is not active cannot be verified before the close: that index stays open and
    // is answered `closed: false` with the shard's failure, the others close.
    await client.indices.create({ index: 'lid-nowhere', settings: { number_of_shards: 1, number_of_replicas: 0, 'index.routing.allocation.require._name': 'no-such-node' }, wait_for_active_shards: 0 });
    const partly = await client.indices.close({ index: 'lid-a,lid-nowhere' });
    assert.equal(partly.acknowledged, false);
    assert.deepEqual(partly.indices['lid-a'], { closed: true });
    assert.equal(partly.indices['lid-nowhere']!.closed, false);
    assert.equal((partly.indices['lid-nowhere'] as any).failedShards['0'].failures[0].reason.type, 'unavailable_shards_exception');
    const states = (await client.cluster.state({ metric: ['metadata'], index: 'lid-a,lid-nowhere' }) as any).metadata.indices;
    assert.deepEqual([states['lid-a'].state, states['lid-nowhere'].state], ['close', 'open']);
  });

  test('a node stopped during a close has its copy closed when it returns; the reopen recovers every copy with all its documents', async () => {
    await createGreen(nodes[0]!, 'nap', { number_of_shards: 2, number_of_replicas: 1 });
    const operations = Array.from({ length: 20 }, (_, i) => [{ index: { _index: 'nap', _id: `n${i}` } }, { n: i }]).flat();
    assert.equal((await nodes[0]!.client().bulk({ operations, refresh: true })).errors, false);
    const sleeper = nodes[2]!;
    await sleeper.stop();
    assert.equal((await jsonCall(nodes[0]!, 'GET', '/_cluster/health?wait_for_nodes=2&timeout=60s')).status, 200);
    const closed = await nodes[1]!.client().indices.close({ index: 'nap' });
    assert.equal(closed.acknowledged, true);
    assert.deepEqual(closed.indices, { nap: { closed: true } });
    const back = await sleeper.restart();
    nodes[2] = back;
    assert.equal((await jsonCall(nodes[0]!, 'GET', '/_cluster/health?wait_for_nodes=3&timeout=60s')).status, 200);
    // The returning node closed its own copy of the index (it had it open when it stopped).
    await eventually(() => jsonCall(back, 'GET', '/_cat/indices/nap?format=json&h=status'), (answer) => answer.body?.[0]?.status === 'close');
    await refused(back.client().search({ index: 'nap', preference: '_shards:0|_only_local' }), 400, 'index_closed_exception');
    await refused(back.client().index({ index: 'nap', id: 'late', document: {} }), 400, 'index_closed_exception');
    const opened = await back.client().indices.open({ index: 'nap' });
    assert.deepEqual(opened, { acknowledged: true, shards_acknowledged: true });
    assert.equal((await nodes[0]!.client().cluster.health({ index: 'nap', wait_for_status: 'green', timeout: '60s' })).status, 'green');
    const all = await assertCopiesIdentical('nap');
    assert.equal(all.size, 20);
  });

  test('kill -9 of the node holding the most primaries while 4 writers index through the others (2 by id, 2 by generated id): no acknowledged write is lost, none twice, each at its acknowledged seq_no and version, every copy identical after recovery', async () => {
    await createGreen(nodes[0]!, 'ledger', { number_of_shards: 3, number_of_replicas: 1 });
    const { shards } = await shardLayout(nodes[0]!, 'ledger');
    const primaries = new Map<string, number>();
    for (const { primary } of Object.values(shards)) primaries.set(primary, (primaries.get(primary) ?? 0) + 1);
    const victimId = [...primaries.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const victim = await byId(victimId);
    const survivors = nodes.filter((node) => node !== victim);
    // The ledger: what each acknowledgement said. Writers 0 and 1 choose the ids (a write applied
    // twice would show a higher _version or another _seq_no than acknowledged); writers 2 and 3 let
    // the primary generate them (a write applied twice would be two documents with one source).
    const acknowledged = new Map<string, { seqNo: number; version: number; source: string }>();
    let stop = false;
    const writer = async (k: number): Promise<void> => {
      for (let n = 0; !stop; n++) {
        const through = survivors[(k + n) % survivors.length]!;
        try {
          const answer = k < 2 ? await jsonCall(through, 'PUT', `/ledger/_doc/w${k}-${n}?timeout=20s`, { writer: k, n }) : await jsonCall(through, 'POST', '/ledger/_doc?timeout=20s', { writer: k, n });
          if (answer.status === 201 || answer.status === 200) acknowledged.set(answer.body._id, { seqNo: answer.body._seq_no, version: answer.body._version, source: JSON.stringify({ writer: k, n }) });
        } catch {
          // Not acknowledged: the ledger does not count it.
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const beforeKill = acknowledged.size;
    await victim.kill9();
    await new Promise((resolve) => setTimeout(resolve, 6000));
    stop = true;
    await Promise.all(writers);
    nodes.splice(nodes.indexOf(victim), 1);
    await victim.destroy();
    assert.ok(beforeKill > 0, 'writes were acknowledged before the kill');
    assert.ok(acknowledged.size > beforeKill, 'writes were acknowledged after the kill');
    const health = await jsonCall(survivors[0]!, 'GET', '/_cluster/health/ledger?wait_for_status=green&wait_for_nodes=2&timeout=60s');
    assert.equal(health.body.status, 'green', health.text);
    for (const [id] of acknowledged) {
      for (const node of survivors) {
        const got = await jsonCall(node, 'GET', `/ledger/_doc/${id}`);
        assert.equal(got.status, 200, `acknowledged [${id}] is lost: ${got.text}`);
      }
    }
    const all = await assertCopiesIdentical('ledger');
    for (const [id, ack] of acknowledged) {
      const doc = all.get(id);
      assert.ok(doc !== undefined, `acknowledged [${id}] is missing from the copies`);
      // Every copy holds it as acknowledged: once, at the acknowledged seq_no and version.
      assert.deepEqual({ seqNo: doc.seqNo, version: doc.version, source: doc.source }, ack, `[${id}] differs from its acknowledgement`);
    }
    const sources = new Set<string>();
    for (const [id, doc] of all) {
      const source = JSON.parse(doc.source) as { writer: number; n: number };
      const named = /^w(\d)-(\d+)$/.exec(id);
      if (named !== null) assert.deepEqual(source, { writer: Number(named[1]), n: Number(named[2]) });
      else assert.ok(source.writer >= 2, `[${id}] has a generated id but came from writer ${source.writer}`);
      assert.ok(!sources.has(doc.source), `${doc.source} was written twice (the second time as [${id}])`);
      sources.add(doc.source);
    }
    assert.ok([...acknowledged.keys()].filter((id) => !id.startsWith('w')).length > 0, 'auto-id writes were acknowledged');
  });
});
