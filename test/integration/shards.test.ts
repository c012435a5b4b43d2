// Shards on one node (issue #14, "Shards first"): an index with `number_of_shards: 3` has three
// shard stores; documents land on shards by Elasticsearch's routing formula (murmur3 of the
// routing or id, `floorMod(hash, 768) / 256` for 3 shards with the default routing shards, whose
// hash values are Elasticsearch's Murmur3HashFunctionTests known values: "hell" and "hello w" land
// on shard 0, "hello" and "hello wo" on shard 2); routing works on every document API and on
// search; searches fan out and merge; `preference=_shards:` restricts shards.
// References: docs "_routing field", "Search shard routing" (preference), docs-get.html#get-routing,
// rest-api-spec search.json / count.json (routing, preference), cat.shards.json, cluster.state.json.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;
let client: Client;

const SHARD0 = ['hello w', 'The quick brown fox jumps over the lazy cog'];
const SHARD2 = ['hello', 'hello wo', 'The quick brown fox jumps over the lazy dog'];

async function idsOnShard(shard: number, index = 's3'): Promise<string[]> {
  const result = await client.search({ index, preference: `_shards:${shard}`, size: 100, query: { match_all: {} } });
  assert.equal(result._shards.total, 1);
  return result.hits.hits.map((hit) => hit._id!).sort();
}

async function countOnShard(shard: number, index = 's3'): Promise<number> {
  const result = await client.count({ index, preference: `_shards:${shard}` });
  return result.count;
}

before(async () => {
  node = await startNode();
  client = node.client();
  await client.indices.create({ index: 's3', settings: { number_of_shards: 3, number_of_replicas: 0 }, mappings: { properties: { n: { type: 'integer' }, tag: { type: 'keyword' } } } });
  const operations: unknown[] = [];
  for (const id of [...SHARD0, ...SHARD2]) operations.push({ index: { _index: 's3', _id: id } }, { n: id.length, tag: 'known' });
  for (let i = 0; i < 30; i++) operations.push({ index: { _index: 's3', _id: `d${i}` } }, { n: i, tag: i % 2 === 0 ? 'even' : 'odd' });
  // Routed documents: the routing decides the shard, not the id ("hell" alone would be shard 0).
  operations.push({ index: { _index: 's3', _id: 'hell', routing: 'hello' } }, { n: 100, tag: 'routed' });
  operations.push({ create: { _index: 's3', _id: 'hello wor', routing: 'hell' } }, { n: 101, tag: 'routed' });
  const bulk = await client.bulk({ operations: operations as never, refresh: true });
  assert.equal(bulk.errors, false);
});

after(async () => {
  await node?.destroy();
});

test('documents land on the shard Elasticsearch routes them to', async () => {
  const shard0 = await idsOnShard(0);
  const shard2 = await idsOnShard(2);
  for (const id of SHARD0) assert.ok(shard0.includes(id), `${id} on shard 0`);
  for (const id of SHARD2) assert.ok(shard2.includes(id), `${id} on shard 2`);
  assert.ok(shard2.includes('hell'), 'routing "hello" puts "hell" on shard 2');
  assert.ok(shard0.includes('hello wor'), 'routing "hell" puts "hello wor" on shard 0');
  const counts = [await countOnShard(0), await countOnShard(1), await countOnShard(2)];
  assert.equal(counts.reduce((a, b) => a + b, 0), 37);
  assert.ok(counts.every((count) => count > 0), `every shard holds documents (${counts})`);
  const all = await client.count({ index: 's3' });
  assert.equal(all.count, 37);
  assert.deepEqual(all._shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
});

test('get, mget, update, explain and delete find a routed document only with its routing', async () => {
  const missing = await client.get({ index: 's3', id: 'hell' }, { ignore: [404], meta: true });
  assert.equal(missing.statusCode, 404, 'without routing the id routes to shard 0, where it is not');
  const found = await client.get({ index: 's3', id: 'hell', routing: 'hello' });
  assert.equal(found.found, true);
  assert.equal(found._routing, 'hello');
  const mget = await client.mget({ index: 's3', docs: [{ _id: 'hell', routing: 'hello' }, { _id: 'hell' }, { _id: 'hello' }] });
  assert.deepEqual(mget.docs.map((doc) => ('found' in doc ? doc.found : 'error')), [true, false, true]);
  const updated = await client.update({ index: 's3', id: 'hell', routing: 'hello', doc: { n: 200 }, refresh: true });
  assert.equal(updated.result, 'updated');
  const missingUpdate = await client.update({ index: 's3', id: 'hell', doc: { n: 1 } }, { ignore: [404], meta: true });
  assert.equal(missingUpdate.statusCode, 404);
  assert.equal((missingUpdate.body as unknown as { error: { type: string } }).error.type, 'document_missing_exception');
  const explained = await client.explain({ index: 's3', id: 'hell', routing: 'hello', query: { term: { tag: 'routed' } } });
  assert.equal(explained.matched, true);
  const hits = await client.search({ index: 's3', query: { ids: { values: ['hell'] } } });
  assert.equal(hits.hits.hits[0]!._routing, 'hello', '_routing shows in hits');
  // Index, then delete through its routing.
  await client.index({ index: 's3', id: 'tmp', routing: 'hello', document: { n: 1, tag: 'tmp' }, refresh: true });
  assert.ok((await idsOnShard(2)).includes('tmp'));
  // Without its routing, "hell" routes by id to shard 0: nothing to delete there (404), and the
  // routed document on shard 2 stays.
  const deleteWithout = await client.delete({ index: 's3', id: 'hell' }, { ignore: [404], meta: true });
  assert.equal(deleteWithout.statusCode, 404);
  assert.equal((await client.get({ index: 's3', id: 'hell', routing: 'hello' })).found, true);
  const deleted = await client.delete({ index: 's3', id: 'tmp', routing: 'hello', refresh: true });
  assert.equal(deleted.result, 'deleted');
  assert.ok(!(await idsOnShard(2)).includes('tmp'));
});

test('search routing and preference restrict the shards; _shards counts are true', async () => {
  const routed = await client.search({ index: 's3', routing: 'hello', size: 100 });
  assert.deepEqual(routed._shards, { total: 1, successful: 1, skipped: 0, failed: 0 });
  const shard2 = await idsOnShard(2);
  assert.deepEqual(routed.hits.hits.map((hit) => hit._id).sort(), shard2);
  const two = await client.search({ index: 's3', routing: 'hello,hell', size: 0 });
  assert.equal(two._shards.total, 2);
  const preferred = await client.search({ index: 's3', preference: '_shards:0,2', size: 0 });
  assert.equal(preferred._shards.total, 2);
  assert.equal((preferred.hits.total as { value: number }).value, 37 - (await countOnShard(1)));
  const custom = await client.search({ index: 's3', preference: 'my-session', size: 0 });
  assert.equal(custom._shards.total, 3);
  const local = await client.search({ index: 's3', preference: '_shards:1|_local', size: 0 });
  assert.equal(local._shards.total, 1);
  const bad = await rawRequest(node, 'GET', '/s3/_search?preference=_foo');
  assert.equal(bad.status, 400);
  assert.equal((bad.json() as { error: { type: string; reason: string } }).error.reason, 'no Preference for [_foo]');
  const badShard = await rawRequest(node, 'GET', '/s3/_search?preference=_shards:x');
  assert.equal(badShard.status, 400);
  assert.equal((badShard.json() as { error: { type: string } }).error.type, 'number_format_exception');
  const countRouted = await client.count({ index: 's3', routing: 'hello' });
  assert.equal(countRouted._shards.total, 1);
  assert.equal(countRouted.count, shard2.length);
  // An alias's routing: its index_routing places writes, its search_routing restricts searches.
  await client.indices.putAlias({ index: 's3', name: 'via-hello', routing: 'hello' });
  const throughAlias = await client.search({ index: 'via-hello', size: 100 });
  assert.equal(throughAlias._shards.total, 1);
  assert.deepEqual(throughAlias.hits.hits.map((hit) => hit._id).sort(), shard2);
  const both = await client.search({ index: 'via-hello,s3', size: 0 });
  assert.equal(both._shards.total, 3, 'naming the index itself searches every shard');
  await client.index({ index: 'via-hello', id: 'hell', document: { n: 200, tag: 'routed' }, refresh: true });
  assert.equal((await client.get({ index: 's3', id: 'hell', routing: 'hello' }))._version, 3, 'the alias routed the write to shard 2 (version 2 was the update)');
  await client.indices.deleteAlias({ index: 's3', name: 'via-hello' });
  const msearch = await client.msearch({ searches: [{ index: 's3', routing: 'hello' }, { size: 0 }, { index: 's3', preference: '_shards:0' }, { size: 0 }] });
  assert.deepEqual(msearch.responses.map((response) => ('_shards' in response ? response._shards.total : -1)), [1, 1]);
});

test('hits sort and aggregations reduce across shards', async () => {
  const sorted = await client.search({ index: 's3', query: { terms: { tag: ['even', 'odd'] } }, sort: [{ n: 'desc' }], size: 5 });
  assert.deepEqual(sorted.hits.hits.map((hit) => hit._id), ['d29', 'd28', 'd27', 'd26', 'd25']);
  assert.deepEqual(sorted._shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
  const page = await client.search({ index: 's3', query: { terms: { tag: ['even', 'odd'] } }, sort: [{ n: 'asc' }], from: 10, size: 3 });
  assert.deepEqual(page.hits.hits.map((hit) => hit._id), ['d10', 'd11', 'd12']);
  const aggs = await client.search({
    index: 's3',
    size: 0,
    aggs: { tags: { terms: { field: 'tag' } }, total: { sum: { field: 'n' } }, top: { max: { field: 'n' } } },
  });
  const buckets = (aggs.aggregations!['tags'] as { buckets: { key: string; doc_count: number }[] }).buckets;
  assert.deepEqual(Object.fromEntries(buckets.map((bucket) => [bucket.key, bucket.doc_count])), { even: 15, odd: 15, known: 5, routed: 2 });
  const knownSum = [...SHARD0, ...SHARD2].reduce((sum, id) => sum + id.length, 0);
  assert.equal((aggs.aggregations!['total'] as { value: number }).value, 435 + knownSum + 200 + 101);
  assert.equal((aggs.aggregations!['top'] as { value: number }).value, 200);
});

test('scroll, point in time and delete by query cover every shard', async () => {
  let page = await client.search({ index: 's3', scroll: '1m', size: 7, sort: ['_doc'] });
  const seen = new Set<string>();
  while (page.hits.hits.length > 0) {
    for (const hit of page.hits.hits) seen.add(hit._id!);
    page = await client.scroll({ scroll_id: page._scroll_id!, scroll: '1m' });
  }
  assert.equal(seen.size, 37);
  const pit = await client.openPointInTime({ index: 's3', keep_alive: '1m' });
  assert.equal(pit._shards.total, 3);
  await client.index({ index: 's3', id: 'late', document: { n: 5, tag: 'late' }, refresh: true });
  const throughPit = await client.search({ pit: { id: pit.id }, size: 0 });
  assert.equal((throughPit.hits.total as { value: number }).value, 37, 'the point in time does not see the later document');
  const closed = await client.closePointInTime({ id: pit.id });
  assert.equal(closed.num_freed, 3);
  const deleted = await client.deleteByQuery({ index: 's3', query: { terms: { tag: ['late', 'routed'] } }, refresh: true });
  assert.equal(deleted.deleted, 3);
  assert.equal((await client.count({ index: 's3' })).count, 35);
  // Put the routed documents back for the restart test.
  await client.index({ index: 's3', id: 'hell', routing: 'hello', document: { n: 200, tag: 'routed' } });
  await client.index({ index: 's3', id: 'hello wor', routing: 'hell', document: { n: 101, tag: 'routed' }, refresh: true });
});

test('number_of_routing_shards is validated; _routing required is honoured', async () => {
  const notFactor = await client.indices.create({ index: 'bad', settings: { number_of_shards: 2, number_of_routing_shards: 3 } }, { ignore: [400], meta: true });
  assert.equal(notFactor.statusCode, 400);
  assert.equal((notFactor.body as unknown as { error: { reason: string } }).error.reason, 'the number of source shards [2] must be a factor of [3]');
  const fewer = await client.indices.create({ index: 'bad', settings: { number_of_shards: 8, number_of_routing_shards: 4 } }, { ignore: [400], meta: true });
  assert.equal((fewer.body as unknown as { error: { reason: string } }).error.reason, 'index.number_of_routing_shards [4] must be >= index.number_of_shards [8]');
  assert.equal(await client.indices.exists({ index: 'bad' }), false);
  await client.indices.create({ index: 'req', settings: { number_of_shards: 2 }, mappings: { _routing: { required: true } } });
  const noRouting = await client.index({ index: 'req', id: '1', document: { a: 1 } }, { ignore: [400], meta: true });
  assert.equal(noRouting.statusCode, 400);
  assert.equal((noRouting.body as unknown as { error: { type: string } }).error.type, 'routing_missing_exception');
  const bulk = await client.bulk({ operations: [{ index: { _index: 'req', _id: '2' } }, { a: 2 }, { index: { _index: 'req', _id: '3', routing: 'x' } }, { a: 3 }] });
  assert.equal((bulk.items[0]!.index!.error as { type: string }).type, 'routing_missing_exception');
  assert.equal(bulk.items[1]!.index!.status, 201);
  const get = await client.get({ index: 'req', id: '3' }, { ignore: [400], meta: true });
  assert.equal((get.body as unknown as { error: { type: string } }).error.type, 'routing_missing_exception');
});

test('cluster health and _cat/indices count every shard', async () => {
  const health = await client.cluster.health({ index: 's3' });
  assert.equal(health.active_primary_shards, 3);
  assert.equal(health.active_shards, 3);
  assert.equal(health.status, 'green');
  const cat = await client.cat.indices({ index: 's3', format: 'json', h: 'index,pri,docs.count' });
  assert.deepEqual(cat, [{ index: 's3', pri: '3', 'docs.count': '37' }]);
  const refreshed = await client.indices.refresh({ index: 's3' });
  assert.deepEqual(refreshed._shards, { total: 3, successful: 3, failed: 0 });
});

test('_cat/shards lists each shard copy with its documents', async () => {
  const rows = (await client.cat.shards({ index: 's3', format: 'json' })) as Record<string, string | null>[];
  assert.deepEqual(rows.map((row) => [row['index'], row['shard'], row['prirep'], row['state']]), [['s3', '0', 'p', 'STARTED'], ['s3', '1', 'p', 'STARTED'], ['s3', '2', 'p', 'STARTED']]);
  for (const shard of [0, 1, 2]) assert.equal(Number(rows[shard]!['docs']), await countOnShard(shard), `docs of shard ${shard}`);
  assert.equal(rows[0]!['node'], 'node-1');
  assert.ok(rows[0]!['ip'] !== null && rows[0]!['store'] !== null);
  // A replica cannot live beside its primary: it is listed unassigned.
  await client.indices.create({ index: 'withreplica', settings: { number_of_shards: 2, number_of_replicas: 1 } });
  const text = await rawRequest(node, 'GET', '/_cat/shards/withreplica?v&h=index,shard,prirep,state,unassigned.reason&s=shard,prirep');
  assert.equal(text.status, 200);
  assert.deepEqual(text.text.trim().split('\n').map((line) => line.trim().split(/\s+/)), [
    ['index', 'shard', 'prirep', 'state', 'unassigned.reason'],
    ['withreplica', '0', 'p', 'STARTED'],
    ['withreplica', '0', 'r', 'UNASSIGNED', 'INDEX_CREATED'],
    ['withreplica', '1', 'p', 'STARTED'],
    ['withreplica', '1', 'r', 'UNASSIGNED', 'INDEX_CREATED'],
  ]);
  const sorted = (await client.cat.shards({ index: 's3', format: 'json', h: 'shard,docs', s: 'shard:desc' })) as Record<string, string>[];
  assert.deepEqual(sorted.map((row) => row['shard']), ['2', '1', '0']);
  await client.indices.delete({ index: 'withreplica' });
});

test('GET /_cluster/state: metadata, routing table, nodes; metric and filter_path', async () => {
  const state = (await rawRequest(node, 'GET', '/_cluster/state')).json() as Record<string, any>;
  assert.equal(state['cluster_name'], 'test-cluster');
  assert.equal(typeof state['cluster_uuid'], 'string');
  assert.equal(typeof state['version'], 'number');
  assert.equal(typeof state['state_uuid'], 'string');
  const master = state['master_node'] as string;
  assert.equal(state['nodes'][master].name, 'node-1');
  const metadata = state['metadata']['indices']['s3'];
  assert.equal(metadata.state, 'open');
  assert.equal(metadata.settings.index.number_of_shards, '3');
  assert.equal(metadata.routing_num_shards, 768);
  assert.deepEqual(Object.keys(metadata.primary_terms), ['0', '1', '2']);
  assert.equal(metadata.mappings._doc.properties.n.type, 'integer');
  const shards = state['routing_table']['indices']['s3']['shards'];
  assert.deepEqual(Object.keys(shards), ['0', '1', '2']);
  assert.equal(shards['1'][0].state, 'STARTED');
  assert.equal(shards['1'][0].primary, true);
  assert.equal(shards['1'][0].node, master);
  assert.equal(shards['1'][0].shard, 1);
  assert.equal(shards['1'][0].index, 's3');
  assert.equal(typeof shards['1'][0].allocation_id.id, 'string');
  assert.deepEqual(metadata.in_sync_allocations['1'], [shards['1'][0].allocation_id.id]);
  const filtered = (await rawRequest(node, 'GET', '/_cluster/state?filter_path=routing_table.indices.s3.shards.0.state,metadata.indices.s3.state')).json();
  assert.deepEqual(filtered, { metadata: { indices: { s3: { state: 'open' } } }, routing_table: { indices: { s3: { shards: { '0': [{ state: 'STARTED' }] } } } } });
  const onlyMetadata = (await rawRequest(node, 'GET', '/_cluster/state/metadata/s3')).json() as Record<string, any>;
  assert.deepEqual(Object.keys(onlyMetadata).sort(), ['cluster_name', 'cluster_uuid', 'metadata']);
  assert.deepEqual(Object.keys(onlyMetadata['metadata']['indices']), ['s3']);
  const versionOnly = (await client.cluster.state({ metric: 'version' })) as Record<string, unknown>;
  assert.deepEqual(Object.keys(versionOnly).sort(), ['cluster_name', 'cluster_uuid', 'state_uuid', 'version']);
  // The version goes up with every change of the metadata.
  await client.indices.putSettings({ index: 's3', settings: { refresh_interval: '2s' } });
  const after = (await client.cluster.state({ metric: 'version' })) as Record<string, unknown>;
  assert.ok((after['version'] as number) > (versionOnly['version'] as number));
  assert.notEqual(after['state_uuid'], versionOnly['state_uuid']);
  const missing = await rawRequest(node, 'GET', '/_cluster/state/metadata/nope?ignore_unavailable=false');
  assert.equal(missing.status, 404);
  const lenient = (await rawRequest(node, 'GET', '/_cluster/state/metadata/nope')).json() as Record<string, any>;
  assert.deepEqual(lenient['metadata']['indices'], {});

  // wait_for_metadata_version (RestClusterStateAction): reached at once, timed out (flag and
  // cluster name only), and reached by a change made while it waits; a malformed one is a 400.
  const current = after['version'] as number;
  const reached = (await client.cluster.state({ metric: 'version', wait_for_metadata_version: current })) as Record<string, unknown>;
  assert.equal(reached['wait_for_timed_out'], false);
  assert.equal(reached['version'], current);
  const timedOut = (await client.cluster.state({ metric: 'version', wait_for_metadata_version: current + 1, wait_for_timeout: '100ms' })) as Record<string, unknown>;
  assert.deepEqual(Object.keys(timedOut).sort(), ['cluster_name', 'wait_for_timed_out']);
  assert.equal(timedOut['wait_for_timed_out'], true);
  const waiting = client.cluster.state({ metric: 'version', wait_for_metadata_version: current + 1, wait_for_timeout: '30s' }) as Promise<Record<string, unknown>>;
  await client.indices.create({ index: 'waited-for' });
  const woken = await waiting;
  assert.equal(woken['wait_for_timed_out'], false);
  assert.ok((woken['version'] as number) >= current + 1);
  const malformed = await rawRequest(node, 'GET', '/_cluster/state?wait_for_metadata_version=soon');
  assert.equal(malformed.status, 400, malformed.text);
  await client.indices.delete({ index: 'waited-for' });
});

test('the cluster state and _cat/shards are authorized as Elasticsearch does', async () => {
  await client.security.putRole({ name: 'reader', indices: [{ names: ['s3'], privileges: ['read'] }] });
  await client.security.putRole({ name: 'watcher', cluster: ['monitor'], indices: [{ names: ['s3'], privileges: ['monitor'] }] });
  await client.security.putUser({ username: 'reader', password: 'reader-password', roles: ['reader'] });
  await client.security.putUser({ username: 'watcher', password: 'watcher-password', roles: ['watcher'] });
  const reader = node.client({ username: 'reader', password: 'reader-password' });
  const denied = await reader.cluster.state({}, { ignore: [403], meta: true });
  assert.equal(denied.statusCode, 403);
  assert.match(JSON.stringify(denied.body), /cluster:monitor\/state/);
  const deniedCat = await reader.cat.shards({ format: 'json' }, { ignore: [403], meta: true });
  assert.equal(deniedCat.statusCode, 403);
  const watcher = node.client({ username: 'watcher', password: 'watcher-password' });
  const rows = (await watcher.cat.shards({ format: 'json', h: 'index' })) as Record<string, string>[];
  assert.deepEqual([...new Set(rows.map((row) => row['index']))], ['s3'], 'only indices the caller may monitor');
  const other = await watcher.cat.shards({ index: 'req', format: 'json' }, { ignore: [403], meta: true });
  assert.equal(other.statusCode, 403);
  assert.equal(((await watcher.cluster.state({ metric: 'master_node' })) as Record<string, unknown>)['master_node'] !== undefined, true);
});

test('dfs_query_then_fetch scores every shard with the statistics of all of them', async () => {
  // The same documents in one shard and in three: per-shard statistics differ, summed ones do not.
  await client.indices.create({ index: 'one', settings: { number_of_shards: 1, number_of_replicas: 0 } });
  await client.indices.create({ index: 'three', settings: { number_of_shards: 3, number_of_replicas: 0 } });
  const operations: unknown[] = [];
  for (let i = 0; i < 30; i++) {
    const text = i % 3 === 0 ? 'rare fox' : i % 5 === 0 ? 'fox dog' : 'dog cat bird';
    for (const index of ['one', 'three']) operations.push({ index: { _index: index, _id: `t${i}` } }, { text });
  }
  await client.bulk({ operations: operations as never, refresh: true });
  const scores = async (index: string, searchType?: 'dfs_query_then_fetch'): Promise<Record<string, number>> => {
    const result = await client.search({ index, size: 30, query: { match: { text: 'rare fox' } }, ...(searchType !== undefined ? { search_type: searchType } : {}) });
    return Object.fromEntries(result.hits.hits.map((hit) => [hit._id!, hit._score as number]));
  };
  const single = await scores('one');
  assert.deepEqual(await scores('three', 'dfs_query_then_fetch'), single);
  assert.notDeepEqual(await scores('three'), single, 'query_then_fetch scores each shard with its own statistics');
  await client.indices.delete({ index: 'one,three' });
});

test('_stats counts documents per shard (level=shards), _flush every shard', async () => {
  const stats = (await rawRequest(node, 'GET', '/s3/_stats?level=shards')).json() as Record<string, any>;
  assert.deepEqual(stats['_shards'], { total: 3, successful: 3, failed: 0 });
  const index = stats['indices']['s3'];
  assert.equal(index.primaries.docs.count, 37);
  assert.equal(stats['_all'].primaries.docs.count, 37);
  assert.ok(index.total.store.size_in_bytes > 0);
  for (const shard of [0, 1, 2]) {
    const copies = index.shards[String(shard)];
    assert.equal(copies.length, 1);
    assert.equal(copies[0].routing.primary, true);
    assert.equal(copies[0].docs.count, await countOnShard(shard), `docs of shard ${shard}`);
    assert.equal(typeof copies[0].seq_no.max_seq_no, 'number');
  }
  const cluster = (await rawRequest(node, 'GET', '/s3/_stats/docs?level=cluster')).json() as Record<string, any>;
  assert.equal(cluster['indices'], undefined);
  assert.deepEqual(Object.keys(cluster['_all'].primaries), ['docs']);
  const unsupported = await rawRequest(node, 'GET', '/s3/_stats/indexing');
  assert.equal(unsupported.status, 400);
  const unknown = await rawRequest(node, 'GET', '/_stats/nope');
  assert.equal(unknown.status, 400);
  assert.equal((unknown.json() as { error: { reason: string } }).error.reason, 'request [/_stats/nope] contains unrecognized metric: [nope]');
  const flushed = await client.indices.flush({ index: 's3' });
  assert.deepEqual(flushed._shards, { total: 3, successful: 3, failed: 0 });
  assert.equal((await client.count({ index: 's3' })).count, 37);
});

test('a restart keeps every document on its shard', async () => {
  const before = [await idsOnShard(0), await idsOnShard(1), await idsOnShard(2)];
  node = await node.restart();
  client = node.client();
  const afterRestart = [await idsOnShard(0), await idsOnShard(1), await idsOnShard(2)];
  assert.deepEqual(afterRestart, before);
  const found = await client.get({ index: 's3', id: 'hell', routing: 'hello' });
  assert.equal(found.found, true);
  await client.index({ index: 's3', id: 'hello', document: { n: 1, tag: 'again' }, refresh: true });
  assert.equal((await client.get({ index: 's3', id: 'hello' }))._version, 2, 'the shard kept its version history');
  assert.ok((await idsOnShard(2)).includes('hello'));
});
