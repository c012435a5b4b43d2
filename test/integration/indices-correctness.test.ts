// Issue 9, items 1, 14 and 16, on one real node through the official client: destructive APIs
// never reach an index through an alias; every dynamic cluster setting Strait accepts takes effect
// at once (and after a restart); date math index names; settings echoed as they were given.
// References: Elasticsearch "Delete index API", "Aliases API", "Index management settings",
// "Cluster-level shard allocation and routing settings" (cluster.max_shards_per_node),
// "Search settings" (search.default_search_timeout), "Date math support in index names",
// "Cluster update settings API".
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';
import { failure, until } from '../harness/wait.js';

let node: StartedNode;
before(async () => {
  node = await startNode({ clusterName: 'indices-correctness', nodeName: 'n1' });
});
after(async () => {
  await node?.destroy();
});

/** The Elasticsearch error a call fails with (status, type, reason). */
const refusal = failure;

async function exists(index: string): Promise<boolean> {
  return node.client().indices.exists({ index });
}

async function putTransient(settings: Record<string, unknown>): Promise<void> {
  await node.client().cluster.putSettings({ transient: settings });
}

test('DELETE /<alias> is refused and deletes nothing (the data-loss bug)', async () => {
  const client = node.client();
  await client.indices.create({ index: 'victim', aliases: { va: {} } });
  await client.index({ index: 'victim', id: '1', document: { keep: true }, refresh: true });
  const refused = await refusal(client.indices.delete({ index: 'va' }));
  assert.deepEqual(refused, {
    status: 400,
    type: 'illegal_argument_exception',
    reason: 'The provided expression [va] matches an alias, specify the corresponding concrete indices instead.',
  });
  // A list that names the alias deletes none of the list.
  await client.indices.create({ index: 'bystander' });
  assert.equal((await refusal(client.indices.delete({ index: 'bystander,va' }))).status, 400);
  assert.equal(await exists('victim'), true);
  assert.equal(await exists('bystander'), true);
  assert.equal((await client.get({ index: 'victim', id: '1' })).found, true);
  // Alias actions resolve their index part against indices only, too.
  assert.match((await refusal(client.indices.updateAliases({ actions: [{ remove_index: { index: 'va' } }] }))).reason, /matches an alias/);
  assert.match((await refusal(client.indices.putAlias({ index: 'va', name: 'other' }))).reason, /matches an alias/);
  assert.match((await refusal(client.indices.deleteAlias({ index: 'va', name: 'va' }))).reason, /matches an alias/);
  assert.equal(await exists('victim'), true);
  // Naming the index itself still works, and its alias goes with it.
  await client.indices.delete({ index: 'victim' });
  assert.equal(await exists('victim'), false);
  assert.equal(await client.indices.existsAlias({ name: 'va' }), false);
});

test('action.destructive_requires_name takes effect at once, transient and persistent', async () => {
  const client = node.client();
  await client.indices.create({ index: 'dr-one', aliases: { 'dr-alias': {} } });
  const wildcard = await refusal(client.indices.delete({ index: 'dr-*' }));
  assert.deepEqual(wildcard, { status: 400, type: 'illegal_argument_exception', reason: 'Wildcard expressions or all indices are not allowed' });
  assert.equal((await refusal(client.indices.close({ index: 'dr-*' }))).reason, 'Wildcard expressions or all indices are not allowed');

  await putTransient({ 'action.destructive_requires_name': false });
  // A wildcard that matches only an alias deletes nothing ...
  assert.deepEqual(await client.indices.delete({ index: 'dr-al*' }), { acknowledged: true });
  assert.equal(await exists('dr-one'), true);
  // ... and with allow_no_indices=false that is a 404.
  const none = await refusal(client.indices.delete({ index: 'dr-al*', allow_no_indices: false }));
  assert.equal(none.status, 404);
  assert.equal(none.type, 'index_not_found_exception');
  assert.equal(await exists('dr-one'), true);

  // Persistent true under a transient false: transient wins, as in Elasticsearch.
  await client.cluster.putSettings({ persistent: { 'action.destructive_requires_name': true } });
  assert.deepEqual(await client.indices.delete({ index: 'dr-o*' }), { acknowledged: true });
  assert.equal(await exists('dr-one'), false);
  await putTransient({ 'action.destructive_requires_name': null });
  await client.indices.create({ index: 'dr-two' });
  assert.equal((await refusal(client.indices.delete({ index: 'dr-*' }))).status, 400, 'the persistent true applies once the transient is gone');
  await client.cluster.putSettings({ persistent: { 'action.destructive_requires_name': null } });
  assert.equal((await refusal(client.indices.delete({ index: '_all' }))).status, 400, 'the default is true');
  await client.indices.delete({ index: 'dr-two' });
});

test('action.auto_create_index: false and patterns gate writes, not explicit creation', async () => {
  const client = node.client();
  await putTransient({ 'action.auto_create_index': false });
  const refused = await refusal(client.index({ index: 'ac-new', id: '1', document: { a: 1 } }));
  assert.deepEqual(refused, { status: 404, type: 'index_not_found_exception', reason: 'no such index [ac-new] and [action.auto_create_index] is [false]' });
  const bulk = await client.bulk({ operations: [{ index: { _index: 'ac-bulk', _id: '1' } }, { a: 1 }] });
  assert.equal(bulk.errors, true);
  assert.equal(bulk.items[0]!.index!.status, 404);
  assert.equal(bulk.items[0]!.index!.error!.type, 'index_not_found_exception');
  assert.equal(await exists('ac-new'), false);
  await client.indices.create({ index: 'ac-explicit' });
  await client.index({ index: 'ac-explicit', id: '1', document: { a: 1 } });

  await putTransient({ 'action.auto_create_index': '+ac-ok*,-ac-*' });
  await client.index({ index: 'ac-ok-1', id: '1', document: { a: 1 } });
  const forbidden = await refusal(client.index({ index: 'ac-no', id: '1', document: { a: 1 } }));
  assert.equal(forbidden.reason, 'no such index [ac-no] and [action.auto_create_index] contains [-ac-*] which forbids automatic creation of the index');
  const unmatched = await refusal(client.index({ index: 'zz', id: '1', document: { a: 1 } }));
  assert.equal(unmatched.reason, "no such index [zz] and [action.auto_create_index] ([+ac-ok*,-ac-*]) doesn't match");
  const invalid = await refusal(putTransient({ 'action.auto_create_index': '+,-' }));
  assert.equal(invalid.status, 400);
  assert.match(invalid.reason, /action\.auto_create_index/);

  await putTransient({ 'action.auto_create_index': null });
  await client.index({ index: 'ac-new', id: '1', document: { a: 1 } });
  assert.equal(await exists('ac-new'), true);
});

test('cluster.max_shards_per_node refuses creating and opening past the limit', async () => {
  const client = node.client();
  await client.indices.create({ index: 'sl-closed', settings: { number_of_shards: 1, number_of_replicas: 0 } });
  await client.indices.close({ index: 'sl-closed' });
  const open = (await client.cat.indices({ format: 'json', h: ['index', 'status', 'pri', 'rep'] })) as unknown as { status: string; pri: string; rep: string }[];
  const copies = open.filter((row) => row.status === 'open').reduce((sum, row) => sum + Number(row.pri) * (1 + Number(row.rep)), 0);
  await putTransient({ 'cluster.max_shards_per_node': copies + 1 });
  const refused = await refusal(client.indices.create({ index: 'sl-big', settings: { number_of_shards: 1, number_of_replicas: 1 } }));
  assert.deepEqual(refused, {
    status: 400,
    type: 'validation_exception',
    reason: `Validation Failed: 1: this action would add [2] shards, but this cluster currently has [${copies}]/[${copies + 1}] maximum normal shards open;`,
  });
  await client.indices.create({ index: 'sl-small', settings: { number_of_shards: 1, number_of_replicas: 0 } });
  assert.equal((await refusal(client.indices.open({ index: 'sl-closed' }))).type, 'validation_exception');
  await putTransient({ 'cluster.max_shards_per_node': null });
  await client.indices.open({ index: 'sl-closed' });
  assert.equal((await refusal(putTransient({ 'cluster.max_shards_per_node': 0 }))).status, 400);
});

test('search.default_search_timeout applies to searches that name no timeout', async () => {
  const client = node.client();
  const operations = Array.from({ length: 3000 }, (_, i) => [{ index: { _index: 'st', _id: String(i) } }, { n: i }]).flat();
  await client.bulk({ operations, refresh: true });
  assert.equal((await client.search({ index: 'st', size: 0, track_total_hits: true })).timed_out, false);
  await putTransient({ 'search.default_search_timeout': '1nanos' });
  const cut = await client.search({ index: 'st', size: 0, track_total_hits: true });
  assert.equal(cut.timed_out, true);
  const own = await client.search({ index: 'st', size: 0, track_total_hits: true, timeout: '1m' });
  assert.equal(own.timed_out, false, 'a request timeout wins over the default');
  await putTransient({ 'search.default_search_timeout': null });
  assert.equal((await client.search({ index: 'st', size: 0, track_total_hits: true })).timed_out, false);
});

test('settings Strait cannot honour are refused, not acknowledged and ignored', async () => {
  const client = node.client();
  for (const [key, value] of [
    ['indices.recovery.max_concurrent_file_chunks', '2'],
    ['logger.org.elasticsearch.transport', 'debug'],
    ['cluster.routing.allocation.enable', 'none'],
  ] as const) {
    const refused = await refusal(client.cluster.putSettings({ persistent: { [key]: value } }));
    assert.equal(refused.status, 400, key);
    assert.equal(refused.type, 'illegal_argument_exception', key);
  }
  // logger._root sets the node's log level at once: debug lines appear, then stop again.
  await client.cluster.putSettings({ transient: { 'logger._root': 'DEBUG' } });
  const before = node.logs.filter((line) => line.includes('"level":20')).length;
  await client.search({ index: '_all', size: 0 });
  await until('debug lines in the log', async () => (node.logs.filter((line) => line.includes('"level":20')).length > before ? true : undefined));
  await client.cluster.putSettings({ transient: { 'logger._root': null } });
  assert.equal((await refusal(client.cluster.putSettings({ transient: { 'logger._root': 'loud' } }))).status, 400);
  // The rolling-restart recipe's value is honoured as it stands on one node (no replica can be assigned).
  await client.cluster.putSettings({ persistent: { 'cluster.routing.allocation.enable': 'primaries' } });
  await client.cluster.putSettings({ persistent: { 'cluster.routing.allocation.enable': null } });
});

test('settings are echoed with the type they were given (flat and nested)', async () => {
  const client = node.client();
  await client.cluster.putSettings({ persistent: { 'cluster.remote.echo.seeds': '127.0.0.1:1', 'cluster.remote.list.seeds': ['127.0.0.1:2'] } });
  const flat = await client.cluster.getSettings({ flat_settings: true });
  assert.equal(flat.persistent['cluster.remote.echo.seeds'], '127.0.0.1:1');
  assert.deepEqual(flat.persistent['cluster.remote.list.seeds'], ['127.0.0.1:2']);
  const nested = (await client.cluster.getSettings()) as unknown as { persistent: { cluster: { remote: Record<string, { seeds: unknown }> } } };
  assert.equal(nested.persistent.cluster.remote['echo']!.seeds, '127.0.0.1:1');
  const info = await client.cluster.remoteInfo();
  assert.deepEqual((info['echo'] as unknown as { seeds: unknown }).seeds, ['127.0.0.1:1']);
  await client.cluster.putSettings({ persistent: { 'cluster.remote.echo.seeds': null, 'cluster.remote.list.seeds': null } });
});

test('date math index names in create, index, get, search and delete', async () => {
  const client = node.client();
  const today = new Date();
  const pad = (value: number): string => String(value).padStart(2, '0');
  const name = `dm-${today.getUTCFullYear()}.${pad(today.getUTCMonth() + 1)}.${pad(today.getUTCDate())}`;
  const created = await client.indices.create({ index: '<dm-{now/d}>' });
  assert.equal(created.index, name);
  const indexed = await client.index({ index: '<dm-{now/d}>', id: '1', document: { a: 1 }, refresh: true });
  assert.equal(indexed._index, name);
  assert.equal((await client.get({ index: '<dm-{now/d}>', id: '1' }))._index, name);
  const found = await client.search({ index: '<dm-{now/d}>,<dm-{now/d-1d}>', ignore_unavailable: true });
  assert.equal(found.hits.hits[0]!._index, name);
  // Percent-encoded by hand, as curl users write it.
  const raw = await rawRequest(node, 'GET', '/%3Cdm-%7Bnow%2Fd%7D%3E/_count');
  assert.equal(raw.status, 200);
  assert.equal((raw.json() as { count: number }).count, 1);
  const malformed = await refusal(client.indices.create({ index: '<dm-{now/d{}}>' }));
  assert.equal(malformed.status, 400);
  assert.equal(malformed.type, 'parse_exception');
  assert.match(malformed.reason, /invalid dynamic name expression/);
  await client.indices.delete({ index: '<dm-{now/d}>' });
  assert.equal(await exists(name), false);
});

test('persistent settings take effect again after a restart', async () => {
  const client = node.client();
  await client.cluster.putSettings({ persistent: { 'action.auto_create_index': false } });
  node = await node.restart();
  const refused = await refusal(node.client().index({ index: 'after-restart', id: '1', document: { a: 1 } }));
  assert.equal(refused.status, 404);
  await node.client().cluster.putSettings({ persistent: { 'action.auto_create_index': null } });
  await node.client().index({ index: 'after-restart', id: '1', document: { a: 1 } });
});
