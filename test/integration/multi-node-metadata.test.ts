/**
 * Cluster-wide metadata of a multi-node cluster (issue #14), three real nodes on a real etcd.
 * In Elasticsearch aliases are index metadata the master changes (indices-aliases.html,
 * indices-add-alias.html), and index templates, ingest pipelines and stored scripts live in the
 * cluster state (index-templates.html, put-pipeline-api.html, create-stored-script-api.html): one
 * put through any node applies on every node.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StartedNode } from '../harness/cluster.js';
import { etcdSkipReason } from '../harness/etcd.js';
import { jsonCall } from '../harness/json-call.js';
import { startMultiNodeCluster, type MultiNodeCluster } from '../harness/multi-node-cluster.js';

const skip = etcdSkipReason();

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('cluster-wide metadata on three nodes', { skip }, () => {
  let cluster: MultiNodeCluster;
  const node = (index: number): StartedNode => cluster.nodes[index]!;

  before(async () => {
    cluster = await startMultiNodeCluster({ clusterName: 'shared-meta', nodes: 3, yaml: 'cluster.coordination.etcd.connect_timeout: 3s' });
  });
  after(async () => {
    await cluster?.destroy();
  });

  test('an alias added through A searches and writes through B and C; removed through C it is gone on A', async () => {
    const created = await jsonCall(node(0), 'PUT', '/books-1', { settings: { number_of_shards: 2, number_of_replicas: 1 } });
    assert.equal(created.status, 200, created.text);
    const added = await jsonCall(node(0), 'PUT', '/books-1/_alias/books', { is_write_index: true });
    assert.equal(added.status, 200, added.text);
    assert.equal(added.body.acknowledged, true);
    // Answered once published: every node already holds the alias.
    for (const index of [1, 2]) {
      const alias = await jsonCall(node(index), 'GET', '/_alias/books');
      assert.equal(alias.status, 200, alias.text);
      assert.deepEqual(alias.body, { 'books-1': { aliases: { books: { is_write_index: true } } } });
    }
    const written = await jsonCall(node(1), 'PUT', '/books/_doc/1?refresh=true', { title: 'Dune' });
    assert.equal(written.status, 201, written.text);
    assert.equal(written.body._index, 'books-1');
    const second = await jsonCall(node(2), 'PUT', '/books/_doc/2?refresh=true', { title: 'Emma' });
    assert.equal(second.status, 201, second.text);
    for (const index of [1, 2]) {
      const found = await jsonCall(node(index), 'POST', '/books/_search', { query: { match_all: {} } });
      assert.equal(found.status, 200, found.text);
      assert.equal(found.body.hits.total.value, 2);
      assert.deepEqual(found.body.hits.hits.map((hit: { _index: string }) => hit._index), ['books-1', 'books-1']);
    }
    const removed = await jsonCall(node(2), 'DELETE', '/books-1/_alias/books');
    assert.equal(removed.status, 200, removed.text);
    const gone = await jsonCall(node(0), 'GET', '/_alias/books');
    assert.equal(gone.status, 404, gone.text);
    const search = await jsonCall(node(0), 'POST', '/books/_search', {});
    assert.equal(search.status, 404);
    assert.equal(search.body.error.type, 'index_not_found_exception');
  });

  test('_aliases with several actions applies as one change on every node; a refused one changes nothing anywhere', async () => {
    for (const name of ['logs-1', 'logs-2']) {
      const created = await jsonCall(node(1), 'PUT', `/${name}`, { settings: { number_of_shards: 1, number_of_replicas: 0 }, aliases: name === 'logs-1' ? { logs: { is_write_index: true } } : {} });
      assert.equal(created.status, 200, created.text);
    }
    const onC = await jsonCall(node(2), 'GET', '/logs-1/_alias');
    assert.deepEqual(onC.body, { 'logs-1': { aliases: { logs: { is_write_index: true } } } });
    // Rollover by hand: the write index moves, a filtered alias and a routed alias are added.
    const moved = await jsonCall(node(1), 'POST', '/_aliases', {
      actions: [
        { add: { index: 'logs-1', alias: 'logs', is_write_index: false } },
        { add: { index: 'logs-2', alias: 'logs', is_write_index: true } },
        { add: { index: 'logs-2', alias: 'errors', filter: { term: { level: 'error' } } } },
        { add: { index: 'logs-1', alias: 'routed', routing: '7' } },
      ],
    });
    assert.equal(moved.status, 200, moved.text);
    for (const index of [0, 2]) {
      const aliases = await jsonCall(node(index), 'GET', '/logs-*/_alias');
      assert.deepEqual(aliases.body, {
        'logs-1': { aliases: { logs: { is_write_index: false }, routed: { index_routing: '7', search_routing: '7' } } },
        'logs-2': { aliases: { errors: { filter: { term: { level: 'error' } } }, logs: { is_write_index: true } } },
      });
    }
    const written = await jsonCall(node(0), 'POST', '/logs/_doc?refresh=true', { level: 'info' });
    assert.equal(written.status, 201, written.text);
    assert.equal(written.body._index, 'logs-2');
    // A second write index for `logs` is refused (the one a single node gives) and nothing of the request applies.
    const refused = await jsonCall(node(2), 'POST', '/_aliases', {
      actions: [{ add: { index: 'logs-2', alias: 'extra' } }, { add: { index: 'logs-1', alias: 'logs', is_write_index: true } }],
    });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.body.error.type, 'illegal_argument_exception');
    for (const index of [0, 1, 2]) {
      const extra = await jsonCall(node(index), 'GET', '/_alias/extra');
      assert.equal(extra.status, 404, `node ${index}: ${extra.text}`);
    }
  });
});
