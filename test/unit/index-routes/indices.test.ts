import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHarness } from './harness.js';

// Reference: indices-create-index.html, indices-get-index.html, indices-aliases.html,
// indices-update-settings.html, cat-indices.html, cluster-health.html and the YAML client tests
// in shared/conformance/clients-tests/{indices,cat,cluster}.

test('create index: settings nested or flat, get shows string settings, exists, already exists', async (t) => {
  const h = openHarness(t);
  const created = await h.call('PUT', '/:index', {
    params: { index: 'books' },
    body: { settings: { index: { number_of_shards: 1 }, number_of_replicas: 0, 'index.refresh_interval': '5s' }, aliases: { library: {} } },
  });
  assert.deepEqual(created.body, { acknowledged: true, shards_acknowledged: true, index: 'books' });
  const got = await h.call('GET', '/:index', { params: { index: 'books' } });
  const settings = got.body.books.settings.index;
  assert.equal(settings.number_of_shards, '1');
  assert.equal(settings.number_of_replicas, '0');
  assert.equal(settings.refresh_interval, '5s');
  assert.equal(settings.provided_name, 'books');
  assert.equal(settings.creation_date, '1700000000000');
  assert.match(settings.uuid, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(settings.version.created, '9033000');
  assert.deepEqual(got.body.books.aliases, { library: {} });
  assert.deepEqual(got.body.books.mappings, {});
  assert.equal((await h.call('HEAD', '/:index', { params: { index: 'books' } })).status, 200);
  assert.equal((await h.call('HEAD', '/:index', { params: { index: 'nope' } })).status, 404);
  const again = await h.call('PUT', '/:index', { params: { index: 'books' } });
  assert.equal(again.status, 400);
  assert.equal(again.body.error.type, 'resource_already_exists_exception');
  const flat = await h.call('GET', '/:index/_settings', { params: { index: 'books' }, query: { flat_settings: 'true' } });
  assert.equal(flat.body.books.settings['index.number_of_replicas'], '0');
});

test('create index refusals: unknown setting, bad mapping, bad name', async (t) => {
  const h = openHarness(t);
  const unknown = await h.call('PUT', '/:index', { params: { index: 'x' }, body: { settings: { foo: 1 } } });
  assert.equal(unknown.status, 400);
  assert.equal(
    unknown.body.error.reason,
    'unknown setting [index.foo] please check that any required plugins are installed, or check the breaking changes documentation for removed settings',
  );
  const mapping = await h.call('PUT', '/:index', { params: { index: 'x' }, body: { mappings: { properties: { a: { type: 'nope' } } } } });
  assert.equal(mapping.body.error.type, 'mapper_parsing_exception');
  assert.equal(mapping.body.error.reason, 'Failed to parse mapping: No handler for type [nope] declared on field [a]');
  const name = await h.call('PUT', '/:index', { params: { index: 'Upper' } });
  assert.equal(name.body.error.type, 'invalid_index_name_exception');
  assert.equal(h.service.all().length, 0);
});

test('delete index: wildcards refused (destructive_requires_name), missing → 404, names deleted', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index', { params: { index: 'a' } });
  await h.call('PUT', '/:index', { params: { index: 'b' } });
  assert.equal((await h.call('DELETE', '/:index', { params: { index: '*' } })).status, 400);
  const missing = await h.call('DELETE', '/:index', { params: { index: 'zzz' } });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.reason, 'no such index [zzz]');
  assert.deepEqual((await h.call('DELETE', '/:index', { params: { index: 'a,b' } })).body, { acknowledged: true });
  assert.equal(h.service.all().length, 0);
});

test('put mapping merges; type change → 400 illegal_argument_exception', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index', { params: { index: 'm' } });
  const put = await h.call('PUT', '/:index/_mapping', {
    params: { index: 'm' },
    body: { properties: { text1: { type: 'text', analyzer: 'whitespace' }, 'subfield.text3': { type: 'text' } } },
  });
  assert.deepEqual(put.body, { acknowledged: true });
  const got = await h.call('GET', '/:index/_mapping', { params: { index: 'm' } });
  assert.equal(got.body.m.mappings.properties.text1.analyzer, 'whitespace');
  assert.equal(got.body.m.mappings.properties.subfield.properties.text3.type, 'text');
  const change = await h.call('PUT', '/:index/_mapping', { params: { index: 'm' }, body: { properties: { text1: { type: 'long' } } } });
  assert.equal(change.status, 400);
  assert.equal(change.body.error.reason, 'mapper [text1] cannot be changed from type [text] to [long]');
});

test('settings update: dynamic accepted, static refused on open index, blocks.write blocks writes', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index', { params: { index: 's' }, body: { settings: { 'index.blocks.write': false } } });
  const got = await h.call('GET', '/:index/_settings', { params: { index: 's' } });
  assert.equal(got.body.s.settings.index.blocks.write, 'false');
  const staticChange = await h.call('PUT', '/:index/_settings', { params: { index: 's' }, body: { index: { number_of_shards: 2 } } });
  assert.equal(staticChange.status, 400);
  const codec = await h.call('PUT', '/:index/_settings', { params: { index: 's' }, body: { 'index.codec': 'best_compression' } });
  assert.match(codec.body.error.reason, /Can't update non dynamic settings \[\[index.codec\]\] for open indices/);
  assert.deepEqual((await h.call('PUT', '/_settings', { body: { settings: { 'index.blocks.write': true } } })).body, { acknowledged: true });
  const blocked = await h.call('PUT', '/:index/_doc/:id', { params: { index: 's', id: '1' }, body: {} });
  assert.equal(blocked.status, 403);
  assert.equal(blocked.body.error.type, 'cluster_block_exception');
  assert.equal(blocked.body.error.reason, 'index [s] blocked by: [FORBIDDEN/8/index write (api)];');
  const removed = await h.call('DELETE', '/:index/_block/:block', { params: { index: 's', block: 'write' } });
  assert.deepEqual(removed.body, { acknowledged: true, indices: [{ name: 's', unblocked: true }] });
  assert.equal((await h.call('PUT', '/:index/_doc/:id', { params: { index: 's', id: '1' }, body: {} })).status, 201);
  const added = await h.call('PUT', '/:index/_block/:block', { params: { index: 's', block: 'write' } });
  assert.deepEqual(added.body, { acknowledged: true, shards_acknowledged: true, indices: [{ name: 's', blocked: true }] });
});

test('open/close: closed index refuses reads, close answer shape, reopen keeps documents', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index/_doc/:id', { params: { index: 'oc', id: '1' }, body: { a: 1 } });
  const closed = await h.call('POST', '/:index/_close', { params: { index: 'oc' } });
  assert.deepEqual(closed.body, { acknowledged: true, shards_acknowledged: true, indices: { oc: { closed: true } } });
  const read = await h.call('GET', '/:index/_doc/:id', { params: { index: 'oc', id: '1' } });
  assert.equal(read.status, 400);
  assert.equal(read.body.error.type, 'index_closed_exception');
  assert.deepEqual((await h.call('POST', '/:index/_open', { params: { index: 'oc' } })).body, { acknowledged: true, shards_acknowledged: true });
  assert.equal((await h.call('GET', '/:index/_doc/:id', { params: { index: 'oc', id: '1' } })).body.found, true);
});

test('refresh answers _shards and notifies listeners with the max seq_no', async (t) => {
  const h = openHarness(t);
  const seen: number[] = [];
  h.service.addListener({ refreshed: (_index, _shard, maxSeqNo) => seen.push(maxSeqNo) });
  await h.call('PUT', '/:index/_doc/:id', { params: { index: 'r', id: '1' }, body: {} });
  await h.call('PUT', '/:index/_doc/:id', { params: { index: 'r', id: '2' }, body: {}, query: { refresh: 'wait_for' } });
  const refreshed = await h.call('POST', '/:index/_refresh', { params: { index: 'r' } });
  assert.deepEqual(refreshed.body, { _shards: { total: 2, successful: 1, failed: 0 } });
  assert.deepEqual(seen, [1, 1]);
});

test('aliases: put, get, exists, update_aliases add/remove, write index routing, delete with wildcard index', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index', { params: { index: 'indices_alias_test' } });
  await h.call('PUT', '/:index', { params: { index: 'indices_alias_test2' } });
  assert.deepEqual((await h.call('PUT', '/:index/_alias/:name', { params: { index: 'indices_alias_test', name: 'testing_alias' } })).body, { acknowledged: true });
  const got = await h.call('GET', '/_alias/:name', { params: { name: 'testing_alias' } });
  assert.deepEqual(got.body, { indices_alias_test: { aliases: { testing_alias: {} } } });
  assert.equal((await h.call('HEAD', '/_alias/:name', { params: { name: 'testing_alias' } })).status, 200);
  assert.equal((await h.call('HEAD', '/_alias/:name', { params: { name: 'nope' } })).status, 404);
  const missing = await h.call('GET', '/_alias/:name', { params: { name: 'nope' } });
  assert.deepEqual(missing, { status: 404, body: { error: 'alias [nope] missing', status: 404 } });
  const update = await h.call('POST', '/_aliases', {
    body: { actions: [{ add: { index: 'indices_alias_test2', alias: 'testing_alias', is_write_index: true } }] },
  });
  assert.deepEqual(update.body, { acknowledged: true, errors: false });
  const written = await h.call('PUT', '/:index/_doc/:id', { params: { index: 'testing_alias', id: '1' }, body: {} });
  assert.equal(written.body._index, 'indices_alias_test2');
  const ambiguous = await h.call('GET', '/:index/_doc/:id', { params: { index: 'testing_alias', id: '1' } });
  assert.equal(ambiguous.status, 400);
  assert.deepEqual((await h.call('DELETE', '/:index/_alias/:name', { params: { index: '*', name: 'testing_alias' } })).body, { acknowledged: true });
  assert.deepEqual((await h.call('GET', '/_alias', {})).body, {
    indices_alias_test: { aliases: {} },
    indices_alias_test2: { aliases: {} },
  });
  const clash = await h.call('PUT', '/:index/_alias/:name', { params: { index: 'indices_alias_test', name: 'indices_alias_test2' } });
  assert.equal(clash.body.error.type, 'invalid_alias_name_exception');
});

test('_cat/indices, _cat/count, _cat/health text and json; cluster health yellow with replicas', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index', { params: { index: 'green_one' }, body: { settings: { number_of_replicas: 0 } } });
  await h.call('PUT', '/:index/_doc/:id', { params: { index: 'yellow_one', id: '1' }, body: { a: 1 } });
  const json = await h.call('GET', '/_cat/indices/:index', { params: { index: 'yellow_one' }, query: { format: 'json' } });
  assert.equal(json.body[0].index, 'yellow_one');
  assert.equal(json.body[0].health, 'yellow');
  assert.equal(json.body[0]['docs.count'], '1');
  const text = await h.call('GET', '/_cat/indices', { query: { v: 'true', h: 'index,pri,rep,docs.count', s: 'index' } });
  assert.equal(text.body, 'index      pri rep docs.count\ngreen_one    1   0          0\nyellow_one   1   1          1\n');
  // _cat/count is a count search: near real-time, so the document counts once refreshed (RestCountAction).
  const unrefreshed = await h.call('GET', '/_cat/count', { query: { format: 'json' } });
  assert.deepEqual(unrefreshed.body, [{ epoch: '1700000000', timestamp: '22:13:20', count: '0' }]);
  await h.call('POST', '/:index/_refresh', { params: { index: 'yellow_one' } });
  const count = await h.call('GET', '/_cat/count', { query: { format: 'json' } });
  assert.deepEqual(count.body, [{ epoch: '1700000000', timestamp: '22:13:20', count: '1' }]);
  const health = await h.call('GET', '/_cat/health', { query: { format: 'json' } });
  assert.equal(health.body[0].status, 'yellow');
  assert.equal(health.body[0].active_shards_percent, '66.7%');
  const help = await h.call('GET', '/_cat/count', { query: { help: 'true' } });
  assert.match(help.body, /^epoch +\| t,time +\| seconds since 1970-01-01 00:00:00\n/);
  const cluster = await h.call('GET', '/_cluster/health', {});
  assert.equal(cluster.body.status, 'yellow');
  assert.equal(cluster.body.active_primary_shards, 2);
  assert.equal(cluster.body.unassigned_shards, 1);
  assert.equal(cluster.body.number_of_nodes, 1);
  const index = await h.call('GET', '/_cluster/health/:index', { params: { index: 'green_one' }, query: { level: 'indices', wait_for_status: 'green' } });
  assert.equal(index.status, 200);
  assert.equal(index.body.status, 'green');
  assert.equal(index.body.indices.green_one.status, 'green');
  const timeout = await h.call('GET', '/_cluster/health', { query: { wait_for_status: 'green', timeout: '0s' } });
  assert.equal(timeout.status, 408);
  assert.equal(timeout.body.timed_out, true);
});

test('operation history: every operation kept by default; index.soft_deletes.retention.operations keeps the last N at refresh', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index', { params: { index: 'all' } });
  await h.call('PUT', '/:index', { params: { index: 'some' }, body: { settings: { 'index.soft_deletes.retention.operations': 2 } } });
  for (let i = 0; i < 5; i++) {
    for (const index of ['all', 'some']) await h.call('PUT', '/:index/_doc/:id', { params: { index, id: String(i) }, query: { refresh: 'true' }, body: { i } });
  }
  assert.deepEqual(h.service.get('all')!.shards![0]!.opsRetained(), { count: 5, minSeqNo: 0 });
  assert.deepEqual(h.service.get('some')!.shards![0]!.opsRetained(), { count: 2, minSeqNo: 3 });
  const found = await h.call('POST', '/:index/_search', { params: { index: 'some' }, body: { query: { match_all: {} } } });
  assert.equal(found.body.hits.total.value, 5, 'documents stay searchable; only history is trimmed');
});

test('search timeout: a shard past its deadline answers what it has with timed_out: true', async (t) => {
  const h = openHarness(t);
  const lines = Array.from({ length: 3000 }, (_, i) => `{"index":{"_index":"slow","_id":"${i}"}}\n{"n":${i}}\n`).join('');
  await h.call('POST', '/_bulk', { text: lines, query: { refresh: 'true' } });
  const full = await h.call('POST', '/:index/_search', { params: { index: 'slow' }, body: { size: 0, track_total_hits: true } });
  assert.equal(full.body.timed_out, false);
  assert.equal(full.body.hits.total.value, 3000);
  const cut = await h.call('POST', '/:index/_search', { params: { index: 'slow' }, body: { size: 0, track_total_hits: true, timeout: '1nanos' } });
  assert.equal(cut.status, 200);
  assert.equal(cut.body.timed_out, true);
  assert.ok(cut.body.hits.total.value < 3000);
});
