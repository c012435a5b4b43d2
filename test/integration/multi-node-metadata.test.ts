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
      const alias = await eventually(() => jsonCall(node(index), 'GET', '/_alias/books'), (value) => value.status === 200);
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
    const gone = await eventually(() => jsonCall(node(0), 'GET', '/_alias/books'), (value) => value.status === 404);
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
    const onC = await eventually(() => jsonCall(node(2), 'GET', '/logs-1/_alias'), (value) => value.status === 200);
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
      const aliases = await eventually(() => jsonCall(node(index), 'GET', '/logs-*/_alias'), (value) => value.body['logs-2']?.aliases?.errors !== undefined);
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
  test('alias requests made at once through all three nodes all land, on every node', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `many-${i}`);
    const answers = await Promise.all(names.map((alias, i) => jsonCall(node(i % 3), 'PUT', `/logs-1/_alias/${alias}`)));
    for (const answer of answers) assert.equal(answer.status, 200, answer.text);
    for (const index of [0, 1, 2]) {
      const aliases = await eventually(() => jsonCall(node(index), 'GET', '/logs-1/_alias/many-*'), (value) => Object.keys(value.body['logs-1']?.aliases ?? {}).length === names.length);
      assert.deepEqual(Object.keys(aliases.body['logs-1'].aliases).sort(), [...names].sort(), `node ${index}`);
    }
    const removed = await Promise.all(names.map((alias, i) => jsonCall(node((i + 1) % 3), 'DELETE', `/logs-1/_alias/${alias}`)));
    for (const answer of removed) assert.equal(answer.status, 200, answer.text);
    for (const index of [0, 1, 2]) {
      // A wildcard that matches no alias: 200 with nothing (RestGetAliasesAction answers 404 only for a missing named alias).
      const gone = await eventually(() => jsonCall(node(index), 'GET', '/_alias/many-*'), (value) => value.status === 200 && Object.keys(value.body).length === 0);
      assert.deepEqual(gone.body, {}, `node ${index}: ${gone.text}`);
    }
  });

  test('a rollover of an alias through B moves the write alias to the new index on every node', async () => {
    const rolled = await jsonCall(node(1), 'POST', '/logs/_rollover');
    assert.equal(rolled.status, 200, rolled.text);
    assert.equal(rolled.body.new_index, 'logs-000003');
    assert.equal(rolled.body.rolled_over, true);
    for (const index of [0, 2]) {
      const aliases = await eventually(() => jsonCall(node(index), 'GET', '/_alias/logs'), (value) => value.body['logs-000003'] !== undefined);
      assert.equal(aliases.status, 200, aliases.text);
      assert.deepEqual(aliases.body['logs-2'], { aliases: { logs: { is_write_index: false } } });
      assert.deepEqual(aliases.body['logs-000003'], { aliases: { logs: { is_write_index: true } } });
    }
    const written = await jsonCall(node(2), 'POST', '/logs/_doc?refresh=true', { level: 'warn' });
    assert.equal(written.status, 201, written.text);
    assert.equal(written.body._index, 'logs-000003');
  });

  test('a component and a composable template put through A apply to an index created through B, as GET on C shows', async () => {
    const component = await jsonCall(node(0), 'PUT', '/_component_template/shop-mappings', { template: { mappings: { properties: { sku: { type: 'keyword' }, price: { type: 'double' } } } } });
    assert.equal(component.status, 200, component.text);
    const composable = await jsonCall(node(0), 'PUT', '/_index_template/shop', {
      index_patterns: ['shop-*'],
      priority: 10,
      composed_of: ['shop-mappings'],
      template: { settings: { number_of_shards: 2, number_of_replicas: 1 }, aliases: { shop: {} } },
    });
    assert.equal(composable.status, 200, composable.text);
    for (const index of [1, 2]) {
      const got = await eventually(() => jsonCall(node(index), 'GET', '/_index_template/shop'), (value) => value.status === 200);
      assert.equal(got.status, 200, got.text);
      assert.deepEqual(got.body.index_templates[0].index_template.composed_of, ['shop-mappings']);
    }
    const created = await jsonCall(node(1), 'PUT', '/shop-eu');
    assert.equal(created.status, 200, created.text);
    const onC = await eventually(() => jsonCall(node(2), 'GET', '/shop-eu'), (value) => value.status === 200);
    assert.equal(onC.status, 200, onC.text);
    const index = onC.body['shop-eu'];
    assert.deepEqual(index.aliases, { shop: {} });
    assert.deepEqual(index.mappings, { properties: { price: { type: 'double' }, sku: { type: 'keyword' } } });
    assert.equal(index.settings.index.number_of_shards, '2');
    assert.equal(index.settings.index.number_of_replicas, '1');
    // A legacy template put through C applies to an index auto-created by a write through A.
    const legacy = await jsonCall(node(2), 'PUT', '/_template/audit', { index_patterns: ['audit-*'], settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { properties: { who: { type: 'keyword' } } } });
    assert.equal(legacy.status, 200, legacy.text);
    const written = await jsonCall(node(0), 'PUT', '/audit-1/_doc/1?refresh=true', { who: 'ann' });
    assert.equal(written.status, 201, written.text);
    const mapping = await eventually(() => jsonCall(node(1), 'GET', '/audit-1/_mapping'), (value) => value.status === 200);
    assert.deepEqual(mapping.body['audit-1'].mappings.properties.who, { type: 'keyword' });
  });

  test('a pipeline put through B runs for writes through C (?pipeline= and index.default_pipeline)', async () => {
    const put = await jsonCall(node(1), 'PUT', '/_ingest/pipeline/tag', { description: 'tags documents', processors: [{ set: { field: 'tagged_by', value: 'tag' } }, { uppercase: { field: 'name' } }] });
    assert.equal(put.status, 200, put.text);
    for (const index of [0, 2]) {
      const got = await eventually(() => jsonCall(node(index), 'GET', '/_ingest/pipeline/tag'), (value) => value.status === 200);
      assert.equal(got.body.tag.description, 'tags documents');
    }
    const created = await jsonCall(node(2), 'PUT', '/people', { settings: { number_of_shards: 1, number_of_replicas: 1, 'index.default_pipeline': 'tag' } });
    assert.equal(created.status, 200, created.text);
    const byDefault = await jsonCall(node(2), 'PUT', '/people/_doc/1?refresh=true', { name: 'ada' });
    assert.equal(byDefault.status, 201, byDefault.text);
    const plain = await jsonCall(node(2), 'PUT', '/books-1/_doc/3?refresh=true&pipeline=tag', { name: 'bob' });
    assert.equal(plain.status, 201, plain.text);
    for (const [target, id, name] of [['people', '1', 'ADA'], ['books-1', '3', 'BOB']] as const) {
      const doc = await jsonCall(node(0), 'GET', `/${target}/_doc/${id}`);
      assert.deepEqual(doc.body._source, { name, tagged_by: 'tag' });
    }
    // A scripted upsert through a node holding no copy: the script makes the document, then the
    // index's default pipeline runs on it (as Elasticsearch's non-bulk update does), on the primary.
    for (const via of [0, 1, 2]) {
      const upserted = await jsonCall(node(via), 'POST', `/people/_update/s${via}?refresh=true`, { scripted_upsert: true, script: { source: 'ctx._source.name = params.n', params: { n: `eve${via}` } }, upsert: {} });
      assert.equal(upserted.status, 201, upserted.text);
      const doc = await jsonCall(node((via + 1) % 3), 'GET', `/people/_doc/s${via}`);
      assert.deepEqual(doc.body._source, { name: `EVE${via}`, tagged_by: 'tag' });
    }
    // A pipeline an index uses as its default cannot be deleted, on any node (the single-node rule, every node holding the index).
    const inUse = await jsonCall(node(0), 'DELETE', '/_ingest/pipeline/tag');
    assert.equal(inUse.status, 400, inUse.text);
  });

  test('a stored script put through C is used by a search and an update through A', async () => {
    const put = await jsonCall(node(2), 'PUT', '/_scripts/double-price', { script: { lang: 'painless', source: "doc['price'].value * params.factor" } });
    assert.equal(put.status, 200, put.text);
    const update = await jsonCall(node(2), 'PUT', '/_scripts/raise', { script: { lang: 'painless', source: 'ctx._source.price += params.by' } });
    assert.equal(update.status, 200, update.text);
    // Every node holds them (the search and the update run on the nodes holding the shard copies).
    for (const id of ['double-price', 'raise']) {
      for (const index of [0, 1]) {
        const got = await eventually(() => jsonCall(node(index), 'GET', `/_scripts/${id}`), (value) => value.status === 200);
        assert.equal(got.status, 200, got.text);
      }
    }
    const written = await jsonCall(node(0), 'PUT', '/shop-eu/_doc/1?refresh=true', { sku: 'a', price: 10 });
    assert.equal(written.status, 201, written.text);
    const search = await jsonCall(node(0), 'POST', '/shop-eu/_search', { script_fields: { doubled: { script: { id: 'double-price', params: { factor: 2 } } } } });
    assert.equal(search.status, 200, search.text);
    assert.deepEqual(search.body.hits.hits[0].fields.doubled, [20]);
    const updated = await jsonCall(node(0), 'POST', '/shop-eu/_update/1', { script: { id: 'raise', params: { by: 5 } } });
    assert.equal(updated.status, 200, updated.text);
    const doc = await jsonCall(node(1), 'GET', '/shop-eu/_doc/1');
    assert.equal(doc.body._source.price, 15);
  });

  test('cluster settings put through A hold on B and C (cluster-update-settings.html: "cluster-wide"): persistent and transient, honoured there, reset with null', async () => {
    const put = await jsonCall(node(0), 'PUT', '/_cluster/settings', { persistent: { 'action.auto_create_index': 'false' }, transient: { 'search.default_search_timeout': '30s' } });
    assert.equal(put.status, 200, put.text);
    for (const index of [1, 2]) {
      const settings = await eventually(() => jsonCall(node(index), 'GET', '/_cluster/settings?flat_settings=true'), (value) => value.body.persistent?.['action.auto_create_index'] === 'false');
      assert.deepEqual(settings.body, { persistent: { 'action.auto_create_index': 'false' }, transient: { 'search.default_search_timeout': '30s' } }, `node ${index}`);
      // Honoured on that node: a write to a missing index no longer creates it.
      const refused = await jsonCall(node(index), 'PUT', `/not-auto-${index}/_doc/1`, { a: 1 });
      assert.equal(refused.status, 404, refused.text);
      assert.equal(refused.body.error.type, 'index_not_found_exception');
    }
    // An update through C that leaves the other scope alone, then a reset of both through B.
    assert.equal((await jsonCall(node(2), 'PUT', '/_cluster/settings', { persistent: { 'cluster.max_shards_per_node': 500 } })).status, 200);
    const onA = await eventually(() => jsonCall(node(0), 'GET', '/_cluster/settings?flat_settings=true'), (value) => value.body.persistent?.['cluster.max_shards_per_node'] === '500');
    assert.deepEqual(onA.body, { persistent: { 'action.auto_create_index': 'false', 'cluster.max_shards_per_node': '500' }, transient: { 'search.default_search_timeout': '30s' } });
    const reset = await jsonCall(node(1), 'PUT', '/_cluster/settings', { persistent: { 'action.auto_create_index': null, 'cluster.max_shards_per_node': null }, transient: { 'search.default_search_timeout': null } });
    assert.equal(reset.status, 200, reset.text);
    for (const index of [0, 2]) {
      // Both scopes travel as one shared entry: once persistent is empty, transient is too.
      const settings = await eventually(() => jsonCall(node(index), 'GET', '/_cluster/settings'), (value) => Object.keys(value.body.persistent ?? {}).length === 0);
      assert.deepEqual(settings.body, { persistent: {}, transient: {} }, `node ${index}`);
    }
    const created = await jsonCall(node(0), 'PUT', '/auto-again/_doc/1', { a: 1 });
    assert.equal(created.status, 201, created.text);
    // A bad setting is a 400 and reaches no node.
    const bad = await jsonCall(node(0), 'PUT', '/_cluster/settings', { persistent: { 'no.such.setting': 1 } });
    assert.equal(bad.status, 400, bad.text);
  });

  test('a cluster settings update of both scopes applies on another node as one change (one cluster state update in Elasticsearch): B never shows one scope changed and not the other', async () => {
    const writer = node(0).client();
    const reader = node(1).client();
    // Round i sets persistent cluster.max_shards_per_node to 1000 + i and transient
    // search.default_search_timeout to (i + 1)s: a consistent view holds the same i in both.
    const roundsOf = (settings: { persistent?: Record<string, unknown>; transient?: Record<string, unknown> }): [number | undefined, number | undefined] => {
      const shards = settings.persistent?.['cluster.max_shards_per_node'];
      const timeout = settings.transient?.['search.default_search_timeout'];
      return [shards === undefined ? undefined : Number(shards) - 1000, timeout === undefined ? undefined : Number(String(timeout).slice(0, -1)) - 1];
    };
    const rounds = 30;
    let writing = true;
    const mixed: string[] = [];
    let reads = 0;
    const polling = (async () => {
      while (writing) {
        const settings = await reader.cluster.getSettings({ flat_settings: true });
        reads++;
        const [persistentRound, transientRound] = roundsOf(settings);
        if (persistentRound !== transientRound) mixed.push(JSON.stringify(settings));
      }
    })();
    try {
      for (let round = 0; round < rounds; round++) {
        const answer = await writer.cluster.putSettings({ persistent: { 'cluster.max_shards_per_node': 1000 + round }, transient: { 'search.default_search_timeout': `${round + 1}s` } });
        assert.equal(answer.acknowledged, true);
        assert.deepEqual(answer.persistent, { cluster: { max_shards_per_node: String(1000 + round) } });
        assert.deepEqual(answer.transient, { search: { default_search_timeout: `${round + 1}s` } });
      }
      const last = await eventually(() => reader.cluster.getSettings({ flat_settings: true }), (settings) => roundsOf(settings)[0] === rounds - 1);
      assert.deepEqual(roundsOf(last), [rounds - 1, rounds - 1]);
    } finally {
      writing = false;
      await polling;
    }
    assert.ok(reads > rounds, `B read the settings ${reads} times`);
    assert.deepEqual(mixed, [], `B showed a mixed state ${mixed.length} times in ${reads} reads`);
    const reset = await writer.cluster.putSettings({ persistent: { 'cluster.max_shards_per_node': null }, transient: { 'search.default_search_timeout': null } });
    assert.equal(reset.acknowledged, true);
  });

  test('deletions propagate: template, component, pipeline and script deleted through one node are gone on the others', async () => {
    const put = await jsonCall(node(0), 'PUT', '/_ingest/pipeline/short-lived', { processors: [{ set: { field: 'x', value: 1 } }] });
    assert.equal(put.status, 200, put.text);
    for (const [via, path] of [[1, '/_index_template/shop'], [2, '/_component_template/shop-mappings'], [0, '/_template/audit'], [2, '/_ingest/pipeline/short-lived'], [1, '/_scripts/raise']] as const) {
      const deleted = await jsonCall(node(via), 'DELETE', path);
      assert.equal(deleted.status, 200, `${path}: ${deleted.text}`);
      for (const index of [0, 1, 2]) {
        const gone = await eventually(() => jsonCall(node(index), 'GET', path), (value) => value.status === 404);
        assert.equal(gone.status, 404, `${path} on node ${index}: ${gone.text}`);
      }
    }
    // An index created now gets no template.
    const created = await jsonCall(node(2), 'PUT', '/shop-us', { settings: { number_of_replicas: 0 } });
    assert.equal(created.status, 200, created.text);
    const onA = await eventually(() => jsonCall(node(0), 'GET', '/shop-us'), (value) => value.status === 200);
    assert.deepEqual(onA.body['shop-us'].aliases, {});
  });

  test('bad input stays a 400 and publishes nothing; a record too large for etcd is refused before anything is written', async () => {
    const client = cluster.etcd.client();
    const prefix = '/strait/shared-meta/metadata/';
    const sharedKeys = async (): Promise<string[]> => Object.keys(await client.getAll().prefix(prefix).strings()).map((key) => key.slice(prefix.length)).sort();
    try {
      const keys = await sharedKeys();
      assert.ok(keys.includes('pipelines/tag') && keys.includes('scripts/double-price'), keys.join(','));
      const badTemplate = await jsonCall(node(0), 'PUT', '/_index_template/bad', { index_patterns: ['bad-*'], composed_of: ['no-such-component'] });
      assert.equal(badTemplate.status, 400, badTemplate.text);
      const badPipeline = await jsonCall(node(1), 'PUT', '/_ingest/pipeline/bad', { processors: [{ no_such_processor: {} }] });
      assert.equal(badPipeline.status, 400, badPipeline.text);
      const badScript = await jsonCall(node(2), 'PUT', '/_scripts/bad', { script: { lang: 'painless', source: 'ctx._source.x +' } });
      assert.equal(badScript.status, 400, badScript.text);
      const huge = await jsonCall(node(0), 'PUT', '/_component_template/huge', { template: { settings: { number_of_replicas: 0 } }, _meta: { blob: 'x'.repeat(1_600_000) } });
      assert.equal(huge.status, 400, huge.text);
      assert.equal(huge.body.error.type, 'illegal_argument_exception');
      assert.match(huge.body.error.reason, /bytes a multi-node cluster can share through etcd/);
      assert.equal((await jsonCall(node(0), 'GET', '/_component_template/huge')).status, 404);
      assert.deepEqual(await sharedKeys(), keys);
    } finally {
      client.close();
    }
  });

  // Data streams live in the cluster state's metadata (data-streams.html; GET /_cluster/state shows
  // `metadata.data_stream.data_stream`): the master creates a stream with its first backing index,
  // rolls it over and deletes it, one step each, and every node applies them in version order.
  test('a data stream made through A takes writes through B, auto-creates through C, rolls over and is deleted through one node, as every node sees', async () => {
    const template = await node(0).client().indices.putIndexTemplate({ name: 'logs-ds', index_patterns: ['logs-ds-*'], data_stream: {}, template: { settings: { number_of_shards: 2, number_of_replicas: 1 } } });
    assert.equal(template.acknowledged, true);
    for (const index of [1, 2]) await eventually(() => jsonCall(node(index), 'GET', '/_index_template/logs-ds'), (value) => value.status === 200);
    assert.deepEqual(await node(0).client().indices.createDataStream({ name: 'logs-ds-api' }), { acknowledged: true });
    // Answered once published: B writes through the stream at once, to its first backing index.
    const first = await node(1).client().index({ index: 'logs-ds-api', document: { '@timestamp': '2026-12-07T01:00:00Z', message: 'one' }, refresh: true });
    assert.equal(first.result, 'created');
    assert.match(first._index, /^\.ds-logs-ds-api-\d{4}\.\d{2}\.\d{2}-000001$/);
    // The stream's rules hold on any node: op_type create only, and an @timestamp.
    const byIndex = await jsonCall(node(2), 'PUT', '/logs-ds-api/_doc/1', { '@timestamp': '2026-12-07T01:00:00Z' });
    assert.equal(byIndex.status, 400, byIndex.text);
    assert.equal(byIndex.body.error.reason, 'only write ops with an op_type of create are allowed in data streams');
    const noTimestamp = await jsonCall(node(2), 'POST', '/logs-ds-api/_doc', { message: 'no time' });
    assert.equal(noTimestamp.status, 400, noTimestamp.text);
    // A first write through C auto-creates a stream through the template; A and B see it.
    const auto = await node(2).client().bulk({ refresh: true, operations: [{ create: { _index: 'logs-ds-auto' } }, { '@timestamp': '2026-12-07T01:00:00Z', n: 1 }] });
    assert.equal(auto.errors, false, JSON.stringify(auto.items));
    // Three nodes auto-creating one stream at the same moment (two by index, one by bulk): the
    // master takes one request's stream, and every write lands in it.
    const [raceA, raceB, raceC] = await Promise.all([
      ...[0, 1].map((index) => node(index).client().index({ index: 'logs-ds-race', document: { '@timestamp': '2026-12-07T01:00:00Z', by: index }, refresh: true })),
      node(2).client().bulk({ refresh: true, operations: [{ create: { _index: 'logs-ds-race' } }, { '@timestamp': '2026-12-07T01:00:00Z', by: 2 }] }),
    ]);
    assert.equal((raceA as { result: string }).result, 'created');
    assert.equal((raceB as { result: string }).result, 'created');
    const raceBulk = raceC as { errors: boolean; items: { create?: { _index: string } }[] };
    assert.equal(raceBulk.errors, false, JSON.stringify(raceBulk.items));
    assert.equal((raceA as { _index: string })._index, (raceB as { _index: string })._index);
    assert.equal(raceBulk.items[0]!.create!._index, (raceA as { _index: string })._index);
    for (const index of [0, 1, 2]) {
      const client = node(index).client();
      assert.equal((await client.count({ index: 'logs-ds-api' })).count, 1, `node ${index}`);
      assert.equal((await client.count({ index: 'logs-ds-auto' })).count, 1, `node ${index}`);
      assert.equal((await client.count({ index: 'logs-ds-race' })).count, 3, `node ${index}`);
      const race = await client.indices.getDataStream({ name: 'logs-ds-race' });
      assert.equal(race.data_streams[0]!.indices.length, 1, `node ${index}`);
    }
    // Rollover through A; C keeps writing, now to the second backing index; B finds both documents.
    const rolled = await node(0).client().indices.rollover({ alias: 'logs-ds-api' });
    assert.equal(rolled.rolled_over, true);
    assert.equal(rolled.old_index, first._index);
    assert.match(rolled.new_index, /^\.ds-logs-ds-api-\d{4}\.\d{2}\.\d{2}-000002$/);
    const second = await node(2).client().index({ index: 'logs-ds-api', document: { '@timestamp': '2026-12-07T02:00:00Z', message: 'two' }, refresh: true });
    assert.equal(second._index, rolled.new_index);
    const found = await node(1).client().search({ index: 'logs-ds-api', sort: [{ '@timestamp': 'asc' }] });
    assert.deepEqual(found.hits.hits.map((hit) => hit._index), [first._index, rolled.new_index]);
    // Rollover conditions compare the write index's primaries wherever they are, through any node
    // (its one document sits on two of the three nodes only).
    for (const index of [0, 1, 2]) {
      const dry = await node(index).client().indices.rollover({ alias: 'logs-ds-api', dry_run: true, conditions: { max_docs: 1 } });
      assert.deepEqual([dry.rolled_over, dry.dry_run, dry.conditions], [false, true, { '[max_docs: 1]': true }], `node ${index}`);
      const unmet = await node(index).client().indices.rollover({ alias: 'logs-ds-api', conditions: { max_docs: 2 } });
      assert.deepEqual([unmet.rolled_over, unmet.conditions], [false, { '[max_docs: 2]': false }], `node ${index}`);
    }
    // GET /_data_stream is the same on every node once green, and the cluster state holds the streams.
    const health = await node(0).client().cluster.health({ wait_for_status: 'green', timeout: '30s' });
    assert.equal(health.status, 'green');
    const views = await Promise.all([0, 1, 2].map((index) => node(index).client().indices.getDataStream({ name: 'logs-ds-*' })));
    assert.deepEqual(views[0]!.data_streams.map((stream) => [stream.name, stream.generation, stream.status, stream.indices.length]), [['logs-ds-api', 2, 'GREEN', 2], ['logs-ds-auto', 1, 'GREEN', 1], ['logs-ds-race', 1, 'GREEN', 1]]);
    assert.deepEqual(views[1], views[0]);
    assert.deepEqual(views[2], views[0]);
    // _data_stream/_stats through any node counts every copy on every node (2 backing indices, 2 shards, 1 replica).
    for (const index of [0, 1, 2]) {
      const stats = await node(index).client().indices.dataStreamsStats({ name: 'logs-ds-api' });
      assert.deepEqual(stats._shards, { total: 8, successful: 8, failed: 0 }, `node ${index}`);
      assert.equal(stats.backing_indices, 2);
      assert.equal(stats.data_streams[0]!.maximum_timestamp, Date.parse('2026-12-07T02:00:00Z'), `node ${index}`);
      assert.ok(stats.data_streams[0]!.store_size_bytes > 0);
    }
    const state = await node(2).client().cluster.state({ metric: 'metadata' });
    const published = (state.metadata as any).data_stream.data_stream['logs-ds-api'];
    assert.equal(published.generation, 2);
    assert.deepEqual(published.indices.map((index: { index_name: string }) => index.index_name), [first._index, rolled.new_index]);
    // The write index cannot be deleted (through any node); the stream's delete through B removes every backing index everywhere.
    const writeIndex = await jsonCall(node(1), 'DELETE', `/${rolled.new_index}`);
    assert.equal(writeIndex.status, 400, writeIndex.text);
    assert.match(writeIndex.body.error.reason, /is the write index for data stream \[logs-ds-api\] and cannot be deleted/);
    assert.deepEqual(await node(1).client().indices.deleteDataStream({ name: 'logs-ds-*' }), { acknowledged: true });
    for (const index of [0, 1, 2]) {
      const streams = await eventually(() => jsonCall(node(index), 'GET', '/_data_stream/logs-ds-*'), (value) => value.body.data_streams?.length === 0);
      assert.deepEqual(streams.body.data_streams, [], streams.text);
      const backing = await eventually(() => jsonCall(node(index), 'GET', '/_cat/indices/.ds-logs-ds-*?format=json&expand_wildcards=all'), (value) => Array.isArray(value.body) && value.body.length === 0);
      assert.deepEqual(backing.body, [], backing.text);
    }
    assert.equal((await jsonCall(node(0), 'DELETE', '/_index_template/logs-ds')).status, 200);
  });

  test('a node stopped while metadata changes catches up when it starts again', async () => {
    await node(2).stop();
    const steps: [string, string, unknown?][] = [
      ['PUT', '/_index_template/late', { index_patterns: ['late-*'], template: { settings: { number_of_replicas: 0 }, mappings: { properties: { at: { type: 'date' } } } } }],
      ['PUT', '/_ingest/pipeline/late', { processors: [{ set: { field: 'late', value: true } }] }],
      ['PUT', '/_scripts/late', { script: { lang: 'painless', source: 'params.a + 1' } }],
      ['DELETE', '/_scripts/double-price'],
      ['PUT', '/books-1/_alias/late-books'],
    ];
    for (const [method, path, body] of steps) {
      const answer = await jsonCall(node(0), method, path, body);
      assert.equal(answer.status, 200, `${method} ${path}: ${answer.text}`);
    }
    const restarted = await cluster.restart(2);
    // Loaded before the node served its first request.
    assert.equal((await jsonCall(restarted, 'GET', '/_index_template/late')).status, 200);
    assert.equal((await jsonCall(restarted, 'GET', '/_ingest/pipeline/late')).status, 200);
    assert.equal((await jsonCall(restarted, 'GET', '/_scripts/late')).status, 200);
    assert.equal((await jsonCall(restarted, 'GET', '/_scripts/double-price')).status, 404);
    const alias = await eventually(() => jsonCall(restarted, 'GET', '/_alias/late-books'), (value) => value.status === 200);
    assert.deepEqual(alias.body, { 'books-1': { aliases: { 'late-books': {} } } });
    const created = await jsonCall(restarted, 'PUT', '/late-1');
    assert.equal(created.status, 200, created.text);
    const mapping = await eventually(() => jsonCall(node(0), 'GET', '/late-1/_mapping'), (value) => value.status === 200);
    assert.deepEqual(mapping.body['late-1'].mappings.properties.at, { type: 'date' });
  });

  test('while etcd is away a template put answers 503 and is undone once etcd is back', async () => {
    await cluster.etcd.stop();
    try {
      const during = await jsonCall(node(0), 'PUT', '/_index_template/never', { index_patterns: ['never-*'] });
      assert.equal(during.status, 503, during.text);
      assert.equal(during.body.error.type, 'cluster_block_exception');
    } finally {
      await cluster.etcd.start();
    }
    const undone = await eventually(() => jsonCall(node(0), 'GET', '/_index_template/never'), (value) => value.status === 404, 30_000);
    assert.equal(undone.status, 404, 'the write etcd never accepted is gone again');
    const again = await eventually(() => jsonCall(node(1), 'PUT', '/_scripts/after', { script: { lang: 'painless', source: 'params.a' } }), (value) => value.status === 200, 30_000);
    assert.equal(again.status, 200, again.text);
    const onC = await eventually(() => jsonCall(node(2), 'GET', '/_scripts/after'), (value) => value.status === 200, 30_000);
    assert.equal(onC.status, 200, onC.text);
  });
});
