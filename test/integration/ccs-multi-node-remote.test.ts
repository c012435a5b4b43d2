/**
 * Cross-cluster search against a remote cluster of three nodes (issue #14, "remote clusters meet
 * many nodes"): real processes, a real etcd, security and TLS from our certutil on both clusters.
 *
 * - Sniff mode (modules-remote-clusters.html#sniff-mode): the local cluster reads the remote's nodes
 *   through a seed and connects to up to `node_connections` gateway nodes; with
 *   `cluster.remote.node.attr` only nodes carrying that attribute set to true are gateways
 *   (remote-clusters-settings.html#remote-cluster-sniff-settings). `GET /_remote/info` counts
 *   `num_nodes_connected`.
 * - The gateway a request reaches coordinates the remote's part over the nodes holding the shards,
 *   so a search through the remote cluster answers exactly as a search on the remote does, with
 *   either `ccs_minimize_roundtrips` (modules-cross-cluster-search.html#ccs-min-roundtrips), and
 *   `_clusters`/`_shards` count true (search-search.html#search-api-response-body).
 * - kill -9 of a gateway node the local cluster uses while searches run: with one replica every
 *   shard stays available, the local cluster keeps searching through its other gateway, and no
 *   search that reports success answers wrong documents. A read lost with its connection is sent
 *   once to another gateway (Strait's; Elasticsearch fails it), so minimized searches never fail;
 *   a gateway's fetch lost with a data node is a failed shard (search-search.html `_shards.failures`).
 * - Certificate model (remote-clusters-cert.html): the local user's role names are resolved on the
 *   remote. API key model (remote-clusters-api-key.html): a cross-cluster API key made through one
 * node is valid on every node (security metadata is cluster-wide), each gateway intersects it
 * with the caller's remote_indices.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { Client } from '@elastic/elasticsearch';
import { connectTransport, TRANSPORT_FORMAT_VERSION, type TransportConnection } from '../../src/transport/index.js';
import { CERTIFICATE_SUBJECT_HEADER } from '../../src/remote/subject.js';
import { REMOTE_ACTIONS } from '../../src/remote/server.js';
import { REMOTE_CLUSTER_CLIENT_YAML, startNode, type StartedNode } from '../harness/cluster.js';
import { etcdSkipReason } from '../harness/etcd.js';
import { jsonCall } from '../harness/json-call.js';
import { startMultiNodeCluster, type MultiNodeCluster } from '../harness/multi-node-cluster.js';
import { failure, until } from '../harness/wait.js';

const skip = etcdSkipReason();
const DOCS = 60;

describe('cross-cluster search against a three-node remote cluster', { skip }, () => {
  let cluster: MultiNodeCluster;
  let remote: StartedNode[];
  let local: StartedNode;
  let localAdmin: Client;

  const remoteInfo = async (alias: string): Promise<Record<string, unknown>> =>
    ((await localAdmin.cluster.remoteInfo()) as unknown as Record<string, Record<string, unknown>>)[alias] ?? {};
  const connected = (alias: string) => until(`${alias} to connect`, async () => ((await remoteInfo(alias))['connected'] === true ? true : undefined));

  before(async () => {
    // far-1 is no gateway for a cluster that asks for node.attr.gateway (it is the seed only).
    // The gateway far-2 loses the first answer of each scroll page the alias `fardrop` asks of it
    // (test-only fault injection); far-3 answers every page (so a page asked again there is answered).
    // far-2 also loses the first answer of each scroll page another node of its cluster asks of it
    // (a page of a cross-cluster scroll it holds, its part of a page across nodes; test-only).
    const dropping = '\nstrait.test.remote.scroll_disconnect_aliases: [fardrop]\nstrait.test.scroll.node_page_disconnect: true';
    cluster = await startMultiNodeCluster({ clusterName: 'far', nodes: 3, remoteClusterServer: true, faultInjection: true, yaml: (index) => (index === 0 ? '' : `node.attr.gateway: true${index === 1 ? dropping : ''}`) });
    remote = cluster.nodes;
    local = await startNode({ ca: cluster.ca!, clusterName: 'near', nodeName: 'near-1', yaml: [REMOTE_CLUSTER_CLIENT_YAML, 'cluster.remote.node.attr: gateway'].join('\n') });
    localAdmin = local.client();

    const created = await jsonCall(remote[0]!, 'PUT', '/logs', { settings: { number_of_shards: 3, number_of_replicas: 1, refresh_interval: '-1' }, mappings: { properties: { n: { type: 'integer' }, kind: { type: 'keyword' }, text: { type: 'text' } } } });
    assert.equal(created.status, 200, created.text);
    const green = await jsonCall(remote[1]!, 'GET', '/_cluster/health/logs?wait_for_status=green&timeout=60s');
    assert.equal(green.body.status, 'green', green.text);
    const lines = Array.from({ length: DOCS }, (_, n) => `${JSON.stringify({ index: { _index: 'logs', _id: `d${n}` } })}\n${JSON.stringify({ n, kind: ['red', 'green', 'blue'][n % 3], text: n % 2 === 0 ? 'quick fox' : 'lazy dog' })}\n`).join('');
    const bulk = await jsonCall(remote[2]!, 'POST', '/_bulk', lines);
    assert.equal(bulk.body.errors, false, bulk.text);
    assert.equal((await jsonCall(remote[0]!, 'POST', '/logs/_refresh')).status, 200);

    // Security metadata is cluster-wide: roles made through far-1 only, which is no gateway, are
    // what the gateways far-2 and far-3 resolve.
    const role = await jsonCall(remote[0]!, 'PUT', '/_security/role/log_reader', { indices: [{ names: ['logs*'], privileges: ['read', 'view_index_metadata'] }] });
    assert.equal(role.status, 200, role.text);
    const dls = await jsonCall(remote[0]!, 'PUT', '/_security/role/red_only', { indices: [{ names: ['logs*'], privileges: ['read'], query: { term: { kind: 'red' } } }] });
    assert.equal(dls.status, 200, dls.text);
    for (const node of remote) await until(`the roles on ${node.url}`, async () => ((await jsonCall(node, 'GET', '/_security/role/log_reader,red_only')).body?.red_only !== undefined ? true : undefined));
    await localAdmin.security.putRole({ name: 'log_reader', indices: [] });
    await localAdmin.security.putRole({ name: 'red_only', indices: [] });
    await localAdmin.security.putUser({ username: 'ana', password: 'ana-password', roles: ['log_reader'] });
    await localAdmin.security.putUser({ username: 'rex', password: 'rex-password', roles: ['red_only'] });

    // Certificate model, sniff: seeded with far-1 (not a gateway here), up to 3 connections.
    await localAdmin.cluster.putSettings({
      persistent: { 'cluster.remote.far.mode': 'sniff', 'cluster.remote.far.seeds': [remote[0]!.transportAddress], 'cluster.remote.far.node_connections': 3, 'cluster.remote.far.skip_unavailable': false },
    });
    await connected('far');
    // The same remote again, as `fardrop`: far-2 closes the connection instead of answering each scroll page once.
    await localAdmin.cluster.putSettings({
      persistent: { 'cluster.remote.fardrop.mode': 'sniff', 'cluster.remote.fardrop.seeds': [remote[0]!.transportAddress], 'cluster.remote.fardrop.node_connections': 3, 'cluster.remote.fardrop.skip_unavailable': false },
    });
    await connected('fardrop');

    // API key model, sniff: a cross-cluster API key made through far-1 only is valid on every node.
    const key = await jsonCall(remote[0]!, 'POST', '/_security/cross_cluster/api_key', { name: 'for-near', access: { search: [{ names: ['logs*'] }] } });
    assert.equal(key.status, 200, key.text);
    for (const node of remote) await until(`the key on ${node.url}`, async () => ((await jsonCall(node, 'GET', `/_security/api_key?id=${key.body.id}`)).body?.api_keys?.length === 1 ? true : undefined));
    local.keystoreAdd('cluster.remote.farkey.credentials', key.body.encoded);
    assert.equal((await localAdmin.nodes.reloadSecureSettings())._nodes?.failed, 0);
    await localAdmin.security.putRole({ name: 'remote_reader', remote_indices: [{ clusters: ['farkey'], names: ['logs*'], privileges: ['read', 'read_cross_cluster', 'view_index_metadata'] }] });
    await localAdmin.security.putUser({ username: 'rita', password: 'rita-password', roles: ['remote_reader'] });
    await localAdmin.cluster.putSettings({
      persistent: { 'cluster.remote.farkey.mode': 'sniff', 'cluster.remote.farkey.seeds': [remote[0]!.remoteClusterAddress!], 'cluster.remote.farkey.node_connections': 3, 'cluster.remote.farkey.skip_unavailable': false },
    });
    await connected('farkey');

    // A one-node remote holding the same documents, for the scroll and point in time comparisons:
    // the local node is its own remote `self` (certificate model), with `logs` in 3 shards too.
    await localAdmin.indices.create({ index: 'logs', settings: { number_of_shards: 3, refresh_interval: '-1' }, mappings: { properties: { n: { type: 'integer' }, kind: { type: 'keyword' }, text: { type: 'text' } } } });
    assert.equal((await jsonCall(local, 'POST', '/_bulk?refresh=true', lines)).body.errors, false);
    // A caller whose role name the remote does not know (certificate model): nothing to read there, nor here.
    await localAdmin.security.putRole({ name: 'stranger', indices: [] });
    await localAdmin.security.putUser({ username: 'otto', password: 'otto-password', roles: ['stranger'] });
    await localAdmin.cluster.putSettings({ persistent: { 'cluster.remote.self.mode': 'proxy', 'cluster.remote.self.proxy_address': local.transportAddress, 'cluster.remote.self.skip_unavailable': false } });
    await connected('self');
  });

  after(async () => {
    await local?.destroy();
    await cluster?.destroy();
  });

  /** What a search of the remote cluster itself answers (ids in order, totals). */
  const direct = async (body: Record<string, unknown>) => {
    const answer = await jsonCall(remote[0]!, 'POST', '/logs/_search', body);
    assert.equal(answer.status, 200, answer.text);
    return answer.body;
  };
  const through = async (minimize: boolean, body: Record<string, unknown>, user?: { username: string; password: string }, alias = 'far') => {
    const client = user === undefined ? localAdmin : local.client(user);
    return (await client.search({ index: `${alias}:logs`, ccs_minimize_roundtrips: minimize, ...body } as never)) as unknown as Record<string, any>;
  };

  test('certificate model, sniff: every remote node is listed with its transport address; only gateways carrying the attribute are connected, at most node_connections', async () => {
    const diagnosis = await jsonCall(local, 'GET', '/_remote/far/_diagnose');
    assert.equal(diagnosis.status, 200, diagnosis.text);
    const sniffed = (diagnosis.body.nodes as { source: string; address: string }[]).filter((node) => node.source === 'sniffed');
    assert.deepEqual(sniffed.map((node) => node.address).sort(), remote.map((node) => node.transportAddress).sort());
    const info = await remoteInfo('far');
    // far-1 has no node.attr.gateway: two gateways of three nodes, under node_connections 3.
    assert.equal(info['num_nodes_connected'], 2);
    assert.equal(info['max_connections_per_cluster'], 3);
    // node_connections bounds the gateways: one connection under 1.
    await localAdmin.cluster.putSettings({ persistent: { 'cluster.remote.one.mode': 'sniff', 'cluster.remote.one.seeds': [remote[0]!.transportAddress], 'cluster.remote.one.node_connections': 1 } });
    await connected('one');
    assert.equal((await remoteInfo('one'))['num_nodes_connected'], 1);
    await localAdmin.cluster.putSettings({ persistent: { 'cluster.remote.one.mode': null, 'cluster.remote.one.seeds': null, 'cluster.remote.one.node_connections': null } });
  });

  const check = async (minimize: boolean, user?: { username: string; password: string }, alias = 'far') => {
    // Every document, totals and shard counts as the remote itself counts them.
    const all = await through(minimize, { size: 100, sort: [{ n: 'asc' }] }, user, alias);
    const mine = await direct({ size: 100, sort: [{ n: 'asc' }] });
    assert.deepEqual(all.hits.hits.map((hit: { _id: string }) => hit._id), mine.hits.hits.map((hit: { _id: string }) => hit._id));
    assert.equal(all.hits.hits.length, DOCS);
    assert.ok(all.hits.hits.every((hit: { _index: string }) => hit._index === `${alias}:logs`));
    assert.deepEqual(all.hits.total, { value: DOCS, relation: 'eq' });
    assert.deepEqual(all._shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
    assert.equal(all._clusters.total, 1);
    assert.equal(all._clusters.successful, 1);
    assert.equal(all._clusters.skipped, 0);
    assert.deepEqual(all._clusters.details[alias]._shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
    // A page from the middle, by score, with aggregations: the same as on the remote.
    const body = { query: { match: { text: 'quick' } }, from: 4, size: 7, sort: [{ n: 'desc' }], aggs: { kinds: { terms: { field: 'kind' } }, total: { sum: { field: 'n' } } } };
    const page = await through(minimize, body, user, alias);
    const expected = await direct(body);
    assert.deepEqual(page.hits.hits.map((hit: { _id: string; _source: unknown; sort: unknown }) => [hit._id, hit._source, hit.sort]), expected.hits.hits.map((hit: { _id: string; _source: unknown; sort: unknown }) => [hit._id, hit._source, hit.sort]));
    assert.deepEqual(page.hits.total, expected.hits.total);
    assert.deepEqual(page.aggregations, expected.aggregations);
  };

  test('certificate model, as the local superuser: every document and true counts, both ccs_minimize_roundtrips values', async () => {
    await check(true);
    await check(false);
  });

  test('certificate model, proxy mode: one address reaches a node that answers for the whole remote cluster', async () => {
    await localAdmin.cluster.putSettings({ persistent: { 'cluster.remote.farproxy.mode': 'proxy', 'cluster.remote.farproxy.proxy_address': remote[0]!.transportAddress, 'cluster.remote.farproxy.skip_unavailable': false } });
    await connected('farproxy');
    await check(true, undefined, 'farproxy');
    await check(false, undefined, 'farproxy');
    await localAdmin.cluster.putSettings({ persistent: { 'cluster.remote.farproxy.mode': null, 'cluster.remote.farproxy.proxy_address': null, 'cluster.remote.farproxy.skip_unavailable': null } });
  });

  test('certificate model, as a user whose role was made through one remote node only (no gateway): the same answers', async () => {
    await check(true, { username: 'ana', password: 'ana-password' });
    await check(false, { username: 'ana', password: 'ana-password' });
  });

  test('API key model, sniff: every node with the remote cluster interface is listed with that address; the key made through one node serves every gateway', async () => {
    const diagnosis = await jsonCall(local, 'GET', '/_remote/farkey/_diagnose');
    assert.equal(diagnosis.status, 200, diagnosis.text);
    const sniffed = (diagnosis.body.nodes as { source: string; address: string }[]).filter((node) => node.source === 'sniffed');
    assert.deepEqual(sniffed.map((node) => node.address).sort(), remote.map((node) => node.remoteClusterAddress!).sort());
    const info = await remoteInfo('farkey');
    assert.equal(info['num_nodes_connected'], 2);
    assert.equal(info['cluster_credentials'], '::es_redacted::');
    await check(true, undefined, 'farkey');
    await check(false, undefined, 'farkey');
    await check(true, { username: 'rita', password: 'rita-password' }, 'farkey');
    await check(false, { username: 'rita', password: 'rita-password' }, 'farkey');
  });

  test('a filtered alias of the remote: its filter goes with every shard request, as on the remote itself', async () => {
    const aliased = await jsonCall(remote[0]!, 'POST', '/_aliases', { actions: [{ add: { index: 'logs', alias: 'logs-reds', filter: { term: { kind: 'red' } } } }] });
    assert.equal(aliased.status, 200, aliased.text);
    const expected = await until('the alias on every node', async () => {
      const answers = await Promise.all(remote.map((node) => jsonCall(node, 'POST', '/logs-reds/_search', { size: 100, sort: [{ n: 'asc' }] })));
      return answers.every((answer) => answer.status === 200) ? answers[0]!.body : undefined;
    });
    assert.equal(expected.hits.hits.length, DOCS / 3);
    for (const minimize of [true, false]) {
      for (const alias of ['far', 'farkey']) {
        const answer = (await localAdmin.search({ index: `${alias}:logs-reds`, ccs_minimize_roundtrips: minimize, size: 100, sort: [{ n: 'asc' }] } as never)) as unknown as Record<string, any>;
        assert.deepEqual(answer.hits.hits.map((hit: { _id: string }) => hit._id), expected.hits.hits.map((hit: { _id: string }) => hit._id));
        assert.deepEqual(answer.hits.total, { value: DOCS / 3, relation: 'eq' });
      }
    }
  });

  test('field caps and resolve cluster answer for the whole remote cluster', async () => {
    const caps = (await localAdmin.fieldCaps({ index: 'far:logs', fields: 'n,kind' })) as unknown as Record<string, any>;
    assert.deepEqual(caps.indices, ['far:logs']);
    assert.equal(caps.fields.n.integer.type, 'integer');
    assert.equal(caps.fields.kind.keyword.searchable, true);
    // An index_filter is read on the nodes holding the shards (search-field-caps.html): the index
    // takes part when a document matches (was a 400).
    for (const alias of ['far', 'farkey']) {
      const kept = (await localAdmin.fieldCaps({ index: `${alias}:logs`, fields: 'n', index_filter: { range: { n: { gte: DOCS - 1 } } } })) as unknown as Record<string, any>;
      assert.deepEqual(kept.indices, [`${alias}:logs`]);
      const dropped = (await localAdmin.fieldCaps({ index: `${alias}:logs`, fields: 'n', index_filter: { range: { n: { gte: DOCS } } } })) as unknown as Record<string, any>;
      assert.deepEqual(dropped.indices, []);
    }
    const resolved = await jsonCall(local, 'GET', '/_resolve/cluster/far:logs');
    assert.equal(resolved.status, 200, resolved.text);
    assert.equal(resolved.body.far.connected, true);
    assert.equal(resolved.body.far.matching_indices, true);
  });

  test('document level security of the remote caller (its role on the remote) applies on every shard, wherever it lives', async () => {
    const expected = await direct({ size: 100, sort: [{ n: 'asc' }], query: { term: { kind: 'red' } } });
    assert.equal(expected.hits.hits.length, DOCS / 3);
    for (const minimize of [true, false]) {
      const answer = await through(minimize, { size: 100, sort: [{ n: 'asc' }], aggs: { kinds: { terms: { field: 'kind' } } } }, { username: 'rex', password: 'rex-password' });
      assert.deepEqual(answer.hits.hits.map((hit: { _id: string }) => hit._id), expected.hits.hits.map((hit: { _id: string }) => hit._id));
      assert.deepEqual(answer.hits.total, { value: DOCS / 3, relation: 'eq' });
      assert.deepEqual(answer.aggregations.kinds.buckets, [{ key: 'red', doc_count: DOCS / 3 }]);
    }
  });

  /** Every page of a scroll over `alias:logs` through the local cluster: the pages' hits, the first answer and the last id. */
  const scrollAll = async (client: Client, alias: string, body: Record<string, unknown>, params: Record<string, unknown> = {}) => {
    const first = (await client.search({ index: `${alias}:logs`, scroll: '1m', ...params, ...body } as never)) as unknown as Record<string, any>;
    const pages: any[][] = [first.hits.hits];
    let scrollId = first._scroll_id as string;
    for (let page = 0; page < 40; page++) {
      const next = (await client.scroll({ scroll_id: scrollId, scroll: '1m' })) as unknown as Record<string, any>;
      assert.deepEqual(next.hits.total, first.hits.total, 'every page counts the same total');
      scrollId = next._scroll_id;
      if (next.hits.hits.length === 0) break;
      pages.push(next.hits.hits);
    }
    const cleared = await client.clearScroll({ scroll_id: scrollId });
    assert.ok(cleared.num_freed >= 1, JSON.stringify(cleared));
    return { first, pages };
  };
  /** A page's hits without `_index` (`far:logs` or `self:logs`). */
  const comparable = (hits: readonly any[]) => hits.map((hit) => [hit._id, hit._score, hit._source, hit.sort]);

  test('a scroll from another cluster (paginate-search-results.html#scroll-search-results): across the remote nodes, every page as a one-node remote holding the same documents answers; cleared on every node', async () => {
    const bodies: Record<string, unknown>[] = [
      { size: 7, sort: [{ n: 'asc' }], aggs: { kinds: { terms: { field: 'kind' } }, total: { sum: { field: 'n' } } } },
      { size: 4, query: { match: { text: 'quick' } }, sort: [{ n: 'desc' }] },
      { size: 9, query: { match: { text: 'quick fox' } } },
      { size: 8 },
    ];
    const rita = local.client({ username: 'rita', password: 'rita-password' });
    const ana = local.client({ username: 'ana', password: 'ana-password' });
    for (const body of bodies) {
      const expected = await scrollAll(localAdmin, 'self', body);
      const expectedHits = expected.pages.flat();
      // Certificate model (as the superuser, and as a user whose role the remote resolves) and API key model.
      for (const [client, alias] of [[localAdmin, 'far'], [ana, 'far'], [localAdmin, 'farkey'], [rita, 'farkey']] as const) {
        const answer = await scrollAll(client, alias, body);
        assert.deepEqual(answer.pages.map(comparable), expected.pages.map(comparable), `${alias} ${JSON.stringify(body)}: the same pages`);
        const ids = answer.pages.flat().map((hit) => hit._id);
        assert.equal(new Set(ids).size, ids.length, 'no hit twice');
        assert.equal(ids.length, expected.first.hits.total.value, 'every hit once');
        assert.ok(answer.pages.flat().every((hit) => hit._index === `${alias}:logs`));
        assert.deepEqual(answer.first.hits.total, expected.first.hits.total);
        assert.deepEqual(answer.first._shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
        assert.deepEqual(answer.first.aggregations, expected.first.aggregations);
        assert.deepEqual(answer.first._clusters.details[alias]._shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
      }
      assert.equal(expectedHits.length, body['query'] === undefined ? DOCS : DOCS / 2);
    }
    // The remote caller's document level security (its role there) goes with every node's scroll context.
    const reds = Array.from({ length: DOCS / 3 }, (_, i) => `d${i * 3}`);
    const rexScroll = await scrollAll(local.client({ username: 'rex', password: 'rex-password' }), 'far', { size: 6, sort: [{ n: 'asc' }] });
    assert.deepEqual(rexScroll.pages.flat().map((hit) => hit._id), reds);
    assert.deepEqual(rexScroll.first.hits.total, { value: DOCS / 3, relation: 'eq' });
    // Clearing frees the contexts on every remote node: none is left for `_all` to free there.
    for (const alias of ['far', 'farkey']) {
      const opened = (await localAdmin.search({ index: `${alias}:logs`, scroll: '1m', size: 2, sort: [{ n: 'asc' }] })) as unknown as Record<string, any>;
      const cleared = await localAdmin.clearScroll({ scroll_id: opened._scroll_id });
      assert.equal(cleared.succeeded, true);
      assert.ok(cleared.num_freed >= 1, JSON.stringify(cleared));
      const gone = await failure(localAdmin.scroll({ scroll_id: opened._scroll_id, scroll: '1m' }));
      assert.equal(gone.status, 404);
    }
    for (const node of remote) assert.deepEqual((await jsonCall(node, 'DELETE', '/_search/scroll/_all')).body, { succeeded: true, num_freed: 0 });
  });

  test('a scroll page whose answer the remote gateway lost with its connection is asked again and answered again (any gateway continues the id): every hit exactly once, in order', async () => {
    const dropped = (): number => remote.reduce((sum, node) => sum + node.logs.filter((line) => line.includes('closing the connection instead of answering a computed scroll page')).length, 0);
    const before = dropped();
    const body = { size: 7, sort: [{ n: 'asc' }] };
    const expected = await scrollAll(localAdmin, 'self', body);
    const answer = await scrollAll(localAdmin, 'fardrop', body);
    assert.deepEqual(answer.pages.map(comparable), expected.pages.map(comparable), 'the same pages as a one-node remote without faults');
    const ids = answer.pages.flat().map((hit) => hit._id);
    assert.deepEqual(ids, Array.from({ length: DOCS }, (_, n) => `d${n}`));
    // Pages asked of far-2 (of those from offsets 7, 14, .., 56) lost their first answer on a real connection.
    assert.ok(dropped() - before > 0, 'far-2 dropped some pages');
    for (const node of remote) assert.deepEqual((await jsonCall(node, 'DELETE', '/_search/scroll/_all')).body, { succeeded: true, num_freed: 0 });
  });

  test('a scroll from another cluster is its caller\'s: another caller can neither page nor clear it (404, as a one-node remote answers); the remote refuses a caller without access', async () => {
    const ana = local.client({ username: 'ana', password: 'ana-password' });
    const otto = local.client({ username: 'otto', password: 'otto-password' });
    for (const alias of ['self', 'far', 'farkey']) {
      const opened = (await localAdmin.search({ index: `${alias}:logs`, scroll: '1m', size: 5, sort: [{ n: 'asc' }] } as never)) as unknown as Record<string, any>;
      // Another caller, with read access on the remote's index (ana) or without (otto).
      for (const other of [ana, otto]) {
        const stolen = await failure(other.scroll({ scroll_id: opened._scroll_id, scroll: '1m' }));
        assert.equal(stolen.status, 404, `${alias}: another caller cannot page it`);
        const notTheirs = await other.clearScroll({ scroll_id: opened._scroll_id }, { ignore: [404], meta: true });
        assert.equal(notTheirs.statusCode, 404, `${alias}: another caller cannot clear it`);
      }
      const next = (await localAdmin.scroll({ scroll_id: opened._scroll_id, scroll: '1m' })) as unknown as Record<string, any>;
      assert.deepEqual(next.hits.hits.map((hit: { _id: string }) => hit._id), ['d5', 'd6', 'd7', 'd8', 'd9'], `${alias}: its caller continues it`);
      assert.ok((await localAdmin.clearScroll({ scroll_id: next._scroll_id })).num_freed >= 1);
    }
    // Certificate model: the remote resolves the caller's role names; `stranger` reads nothing there (nor on the one-node remote).
    for (const alias of ['self', 'far']) {
      const denied = await failure(otto.search({ index: `${alias}:logs`, scroll: '1m', size: 5 } as never));
      assert.equal(denied.status, 403, `${alias}: ${denied.reason}`);
    }
  });

  test('on the remote side, a scroll another cluster opened is its remote caller\'s (user and realm): another caller\'s page is 404 and its clear frees nothing, on the three-node remote as on the one-node one', async () => {
    // The requests a querying cluster's node sends (certificate model), each under a caller named
    // in the subject header: the querying cluster's own owner check is not in the way here.
    const version = String((await jsonCall(local, 'GET', '/')).body.version.number);
    const connect = (node: StartedNode): Promise<TransportConnection> => {
      const colon = node.transportAddress.lastIndexOf(':');
      return connectTransport({
        address: { host: node.transportAddress.slice(0, colon), port: Number(node.transportAddress.slice(colon + 1)) },
        local: { clusterName: 'probe', clusterUuid: 'probe-cluster', nodeId: 'probe', nodeName: 'probe', version, roles: ['remote_cluster_client'], attributes: {}, transportFormatVersion: TRANSPORT_FORMAT_VERSION },
        logger: pino({ level: 'silent' }),
        tls: { ca: cluster.ca!.caPem, cert: readFileSync(path.join(local.configDir, 'certs', 'node.crt')), key: readFileSync(path.join(local.configDir, 'certs', 'node.key')), verificationMode: 'full' },
      });
    };
    const as = (username: string, realm = 'native') => ({
      headers: { [CERTIFICATE_SUBJECT_HEADER]: Buffer.from(JSON.stringify({ username, roles: ['superuser'], realm: { name: realm, type: realm } })).toString('base64') },
      timeoutMs: 30_000,
    });
    // The three-node remote through two gateways (the id holds every node's context and offset), and the one-node one.
    for (const [opening, paging] of [[remote[2]!, remote[1]!], [local, local]] as const) {
      const [opener, pager] = [await connect(opening), opening === paging ? undefined : await connect(paging)];
      const other = pager ?? opener;
      try {
        const opened = (await opener.request(REMOTE_ACTIONS.search, { expression: 'logs', params: { scroll: '1m' }, body: { size: 5, sort: [{ n: 'asc' }] }, cluster_alias: 'probe' }, as('owner'))) as Record<string, any>;
        assert.deepEqual(opened.hits.map((hit: { rendered: { _id: string; _index: string } }) => [hit.rendered._id, hit.rendered._index]), ['d0', 'd1', 'd2', 'd3', 'd4'].map((id) => [id, 'probe:logs']));
        assert.equal(opened.totalHits, DOCS);
        for (const stranger of [as('someone-else'), as('owner', 'another-realm')]) {
          await assert.rejects(other.request(REMOTE_ACTIONS.scroll, { scroll_id: opened.scrollId, scroll: '1m' }, stranger), (error: any) => error.status === 404 && /search_context_missing_exception/.test(JSON.stringify(error.toBody())), opening.url);
          assert.deepEqual(await other.request(REMOTE_ACTIONS.clearScroll, { scroll_ids: [opened.scrollId] }, stranger), { num_freed: 0 });
        }
        const next = (await other.request(REMOTE_ACTIONS.scroll, { scroll_id: opened.scrollId, scroll: '1m' }, as('owner'))) as Record<string, any>;
        assert.deepEqual(next.hits.map((hit: { rendered: { _id: string } }) => hit.rendered._id), ['d5', 'd6', 'd7', 'd8', 'd9'], opening.url);
        const freed = (await other.request(REMOTE_ACTIONS.clearScroll, { scroll_ids: [next.scrollId] }, as('owner'))) as { num_freed: number };
        assert.ok(freed.num_freed >= 1, JSON.stringify(freed));
      } finally {
        opener.close();
        pager?.close();
      }
    }
  });

  test('a point in time from another cluster (point-in-time-api.html): opened on the remote nodes holding the shards, searched and closed as on a one-node remote holding the same documents', async () => {
    const rita = local.client({ username: 'rita', password: 'rita-password' });
    const otto = local.client({ username: 'otto', password: 'otto-password' });
    const searchThrough = async (client: Client, id: string, body: Record<string, unknown>) =>
      (await client.search({ pit: { id, keep_alive: '1m' }, ...body } as never)) as unknown as Record<string, any>;
    const pits: Record<string, { client: Client; id: string }> = {};
    for (const [alias, client] of [['self', localAdmin], ['far', localAdmin], ['farkey', rita]] as const) {
      const opened = await client.openPointInTime({ index: `${alias}:logs`, keep_alive: '1m' });
      assert.deepEqual(opened._shards, { total: 3, successful: 3, skipped: 0, failed: 0 }, alias);
      pits[alias] = { client, id: opened.id };
    }
    // Written after the opening: no point in time sees it.
    const late = `${JSON.stringify({ index: { _index: 'logs', _id: 'late' } })}\n${JSON.stringify({ n: -1, kind: 'red', text: 'quick fox' })}\n`;
    assert.equal((await jsonCall(remote[1]!, 'POST', '/_bulk?refresh=true', late)).body.errors, false);
    assert.equal((await jsonCall(local, 'POST', '/_bulk?refresh=true', late)).body.errors, false);
    try {
      const bodies: Record<string, unknown>[] = [
        { size: 100, sort: [{ n: 'asc' }], aggs: { kinds: { terms: { field: 'kind' } }, total: { sum: { field: 'n' } } } },
        { query: { match: { text: 'quick' } }, from: 4, size: 7, sort: [{ n: 'desc' }] },
        { size: 10, query: { match: { text: 'quick fox' } } },
      ];
      for (const body of bodies) {
        const expected = await searchThrough(localAdmin, pits['self']!.id, body);
        for (const alias of ['far', 'farkey']) {
          const answer = await searchThrough(pits[alias]!.client, pits[alias]!.id, body);
          assert.equal(answer.pit_id, pits[alias]!.id);
          assert.deepEqual(comparable(answer.hits.hits), comparable(expected.hits.hits), `${alias} ${JSON.stringify(body)}`);
          assert.ok(answer.hits.hits.every((hit: { _index: string }) => hit._index === `${alias}:logs`));
          assert.deepEqual(answer.hits.total, expected.hits.total);
          assert.deepEqual(answer.aggregations, expected.aggregations);
          assert.deepEqual(answer._shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
        }
      }
      assert.deepEqual((await searchThrough(localAdmin, pits['far']!.id, { size: 0 })).hits.total, { value: DOCS, relation: 'eq' }, 'the later write is unseen');
      // Another caller with access may search it, under its own document level security (a point in time is not tied to a user).
      const rexFound = await searchThrough(local.client({ username: 'rex', password: 'rex-password' }), pits['far']!.id, { size: 100, sort: [{ n: 'asc' }] });
      assert.deepEqual(rexFound.hits.hits.map((hit: { _id: string }) => hit._id), Array.from({ length: DOCS / 3 }, (_, i) => `d${i * 3}`));
      // A caller without read access on the remote's indices may neither search nor close it (403, as the one-node remote answers).
      for (const alias of ['self', 'far']) {
        const searched = await failure(otto.search({ pit: { id: pits[alias]!.id }, size: 1 } as never));
        assert.equal(searched.status, 403, `${alias}: ${searched.reason}`);
        const closed = await failure(otto.closePointInTime({ id: pits[alias]!.id }));
        assert.equal(closed.status, 403, `${alias}: ${closed.reason}`);
      }
    } finally {
      await jsonCall(remote[1]!, 'DELETE', '/logs/_doc/late?refresh=true');
      await jsonCall(local, 'DELETE', '/logs/_doc/late?refresh=true');
    }
    // Closed through the local cluster: every context on every remote node is freed.
    for (const alias of ['far', 'farkey']) {
      const closed = await pits[alias]!.client.closePointInTime({ id: pits[alias]!.id });
      assert.equal(closed.succeeded, true);
      assert.ok(closed.num_freed >= 1, `${alias}: ${JSON.stringify(closed)}`);
      const gone = await failure(localAdmin.search({ pit: { id: pits[alias]!.id }, size: 1 } as never));
      assert.equal(gone.status, 404, `${alias}: ${gone.reason}`);
    }
    await localAdmin.closePointInTime({ id: pits['self']!.id });
  });

  // The other direction: the three-node cluster coordinates (modules-cross-cluster-search.html:
  // any node of the querying cluster coordinates a cross-cluster search). The one-node cluster is
  // its remote under the certificate model only: that node has no remote cluster interface (the
  // API key model's server side) in this file's setup.
  test('cross-cluster search coordinated by any node of the three-node cluster (certificate model): the local part across its nodes, merged with the remote part', async () => {
    const NEAR = 10;
    const nearLines = Array.from({ length: NEAR }, (_, i) => `${JSON.stringify({ index: { _index: 'nearidx', _id: `n${i}` } })}\n${JSON.stringify({ n: DOCS + i, kind: 'red', text: 'quick fox' })}\n`).join('');
    await localAdmin.indices.create({ index: 'nearidx', mappings: { properties: { n: { type: 'integer' }, kind: { type: 'keyword' }, text: { type: 'text' } } } });
    await localAdmin.indices.create({ index: 'nearsecret' });
    assert.equal((await jsonCall(local, 'POST', '/_bulk?refresh=true', `${nearLines}{"index":{"_index":"nearsecret","_id":"s"}}\n{"n":1}\n`)).body.errors, false);
    // Certificate model: far's role names are resolved on near; near_reader reads nearidx only.
    await localAdmin.security.putRole({ name: 'near_reader', indices: [{ names: ['nearidx'], privileges: ['read', 'view_index_metadata'] }] });
    const farRole = await jsonCall(remote[0]!, 'PUT', '/_security/role/near_reader', { indices: [{ names: ['logs*'], privileges: ['read', 'view_index_metadata'] }] });
    assert.equal(farRole.status, 200, farRole.text);
    assert.equal((await jsonCall(remote[0]!, 'PUT', '/_security/user/nina', { password: 'nina-password', roles: ['near_reader'] })).status, 200);
    // Remote cluster settings are cluster settings: put through far-1, every node connects.
    const put = await jsonCall(remote[0]!, 'PUT', '/_cluster/settings', { persistent: { 'cluster.remote.near.mode': 'sniff', 'cluster.remote.near.seeds': [local.transportAddress], 'cluster.remote.near.skip_unavailable': false } });
    assert.equal(put.status, 200, put.text);
    for (const node of remote) {
      await until(`near connected from ${node.url}`, async () => ((await jsonCall(node, 'GET', '/_remote/info')).body?.near?.connected === true ? true : undefined));
      await until(`nina on ${node.url}`, async () => ((await jsonCall(node, 'GET', '/_security/user/nina')).status === 200 ? true : undefined));
    }
    const expectedIds = [...Array.from({ length: DOCS }, (_, n) => `d${n}`), ...Array.from({ length: NEAR }, (_, i) => `n${i}`)];
    // far-2's test-only drops of scroll pages asked by another node: forwarded pages of a cross-cluster scroll it holds, or its part of a page.
    const droppedPages = (action: string): number => remote[1]!.logs.filter((line) => line.includes('closing the node-to-node connection instead of answering') && line.includes(`"action":"${action}"`)).length;
    const aggs = { kinds: { terms: { field: 'kind' } }, total: { sum: { field: 'n' } } };
    for (const via of [remote[1]!, remote[2]!]) {
      for (const client of [via.client(), via.client({ username: 'nina', password: 'nina-password' })]) {
        for (const minimize of [true, false]) {
          const all = (await client.search({ index: 'logs,near:nearidx', size: 100, sort: [{ n: 'asc' }], aggs, ccs_minimize_roundtrips: minimize } as never)) as unknown as Record<string, any>;
          assert.deepEqual(all.hits.hits.map((hit: { _id: string }) => hit._id), expectedIds);
          assert.deepEqual([...new Set(all.hits.hits.map((hit: { _index: string }) => hit._index))], ['logs', 'near:nearidx']);
          assert.deepEqual(all.hits.total, { value: DOCS + NEAR, relation: 'eq' });
          assert.deepEqual(all._shards, { total: 4, successful: 4, skipped: 0, failed: 0 });
          assert.equal(all._clusters.total, 2);
          assert.equal(all._clusters.successful, 2);
          assert.equal(all._clusters.details['(local)'].status, 'successful');
          assert.deepEqual(all._clusters.details['(local)']._shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
          assert.equal(all._clusters.details.near.indices, 'nearidx');
          assert.deepEqual(all._clusters.details.near._shards, { total: 1, successful: 1, skipped: 0, failed: 0 });
          // Aggregations reduced over both clusters: 20 red, 20 green, 20 blue locally, 10 red there.
          assert.deepEqual(all.aggregations.kinds.buckets, [{ key: 'red', doc_count: DOCS / 3 + NEAR }, { key: 'blue', doc_count: DOCS / 3 }, { key: 'green', doc_count: DOCS / 3 }]);
          assert.equal(all.aggregations.total.value, ((DOCS + NEAR - 1) * (DOCS + NEAR)) / 2);
          // A page across both clusters: from applies once, after the merge.
          const page = (await client.search({ index: 'near:nearidx,logs', query: { match: { text: 'quick' } }, from: 8, size: 4, sort: [{ n: 'desc' }], ccs_minimize_roundtrips: minimize } as never)) as unknown as Record<string, any>;
          assert.deepEqual(page.hits.hits.map((hit: { _id: string }) => hit._id), ['n1', 'n0', 'd58', 'd56']);
        }
        // Only the remote part: one cluster in _clusters.
        const only = (await client.search({ index: 'near:nearidx', size: 0 })) as unknown as Record<string, any>;
        assert.deepEqual(only.hits.total, { value: NEAR, relation: 'eq' });
        assert.equal(only._clusters.total, 1);
        const count = (await client.count({ index: 'logs,near:nearidx', query: { term: { kind: 'red' } } })) as unknown as Record<string, any>;
        assert.equal(count.count, DOCS / 3 + NEAR);
        assert.deepEqual(count._shards, { total: 4, successful: 4, skipped: 0, failed: 0 });
        const msearch = await client.msearch({ searches: [{ index: 'logs,near:nearidx' }, { size: 0 }, { index: 'near:nearsecret' }, { size: 0 }] });
        assert.equal(((msearch.responses[0] as any).hits.total as { value: number }).value, DOCS + NEAR);
        const plain = (await client.fieldCaps({ index: 'logs,near:nearidx', fields: 'n,kind' })) as unknown as Record<string, any>;
        assert.deepEqual([...plain.indices].sort(), ['logs', 'near:nearidx']);
        assert.equal(plain.fields.kind.keyword.aggregatable, true);
        const caps = (await client.fieldCaps({ index: 'logs,near:nearidx', fields: 'n', index_filter: { range: { n: { gte: DOCS - 1 } } } })) as unknown as Record<string, any>;
        assert.deepEqual([...caps.indices].sort(), ['logs', 'near:nearidx']);
        const capsNone = (await client.fieldCaps({ index: 'logs,near:nearidx', fields: 'n', index_filter: { range: { n: { lt: 0 } } } })) as unknown as Record<string, any>;
        assert.deepEqual(capsNone.indices, []);
      }
      // An async search runs so on the node that received the submit.
      for (const minimize of [true, false]) {
        const submitted = (await via.client().asyncSearch.submit({ index: 'logs,near:nearidx', wait_for_completion_timeout: '30s', size: 3, sort: [{ n: 'desc' }], ccs_minimize_roundtrips: minimize } as never)) as unknown as Record<string, any>;
        assert.equal(submitted.is_running, false);
        assert.deepEqual(submitted.response.hits.total, { value: DOCS + NEAR, relation: 'eq' });
        assert.deepEqual(submitted.response.hits.hits.map((hit: { _id: string }) => hit._id), ['n9', 'n8', 'n7']);
        assert.equal(submitted.response._clusters.successful, 2);
      }
      const resolved = await jsonCall(via, 'GET', '/_resolve/cluster/logs,near:nearidx');
      assert.equal(resolved.status, 200, resolved.text);
      assert.equal(resolved.body['(local)'].matching_indices, true);
      assert.equal(resolved.body.near.connected, true);
      assert.equal(resolved.body.near.matching_indices, true);
      // The remote refuses what the caller's role names do not grant there, naming the side (as a single node's search does).
      const nina = via.client({ username: 'nina', password: 'nina-password' });
      const denied = await failure(nina.search({ index: 'logs,near:nearsecret' }));
      assert.equal(denied.status, 403);
      assert.match(denied.reason, /action \[indices:data\/read\/search\] towards remote cluster is unauthorized for user \[nina\]/);
      assert.match(denied.reason, /refused by remote cluster \[near\]/);
      const deniedItem = (await nina.msearch({ searches: [{ index: 'near:nearsecret' }, {}] })).responses[0] as any;
      assert.equal(deniedItem.status, 403);
      // A scroll over both clusters (paginate-search-results.html#scroll-search-results): kept on
      // the node that opened it, its local part across this cluster's nodes; every node continues
      // it (forwarded to that node) and clears it, freeing the contexts on both clusters.
      const opened = await jsonCall(via, 'POST', '/logs,near:nearidx/_search?scroll=1m', { size: 7, sort: [{ n: 'asc' }], aggs });
      assert.equal(opened.status, 200, opened.text);
      assert.deepEqual(opened.body.hits.total, { value: DOCS + NEAR, relation: 'eq' });
      assert.deepEqual(opened.body._shards, { total: 4, successful: 4, skipped: 0, failed: 0 });
      assert.equal(opened.body._clusters.successful, 2);
      assert.deepEqual(opened.body.aggregations.kinds.buckets, [{ key: 'red', doc_count: DOCS / 3 + NEAR }, { key: 'blue', doc_count: DOCS / 3 }, { key: 'green', doc_count: DOCS / 3 }]);
      const scrolled: string[] = opened.body.hits.hits.map((hit: { _id: string }) => hit._id);
      let scrollId = opened.body._scroll_id as string;
      // far-2 loses the first answer of each page another node asks of it, after computing it:
      // opened through far-2, the pages forwarded to it (it holds the scroll); through far-3, its
      // part of the local pages. The asking node sends the page again (its id names the offset)
      // and far-2 answers that page again rather than the next.
      const forwardedBefore = droppedPages('indices:data/read/search[phase/query/scroll/clusters]');
      const partsBefore = droppedPages('indices:data/read/search[phase/query/scroll]');
      const failedPages: string[] = [];
      for (let page = 0; page < 20; page++) {
        const ask = () => jsonCall(remote[page % remote.length]!, 'POST', '/_search/scroll', { scroll_id: scrollId, scroll: '1m' });
        let next = await ask();
        if (next.status !== 200) {
          // As a client would: the same scroll id once more after a failed page.
          failedPages.push(next.text);
          next = await ask();
        }
        assert.equal(next.status, 200, next.text);
        scrollId = next.body._scroll_id;
        if (next.body.hits.hits.length === 0) break;
        scrolled.push(...next.body.hits.hits.map((hit: { _id: string }) => hit._id));
      }
      assert.deepEqual(scrolled, expectedIds, 'every hit of both clusters once, in order');
      assert.deepEqual(failedPages, [], 'no page failed');
      if (via === remote[1]) assert.ok(droppedPages('indices:data/read/search[phase/query/scroll/clusters]') - forwardedBefore >= 5, 'far-2 closed the connection of forwarded pages');
      else assert.ok(droppedPages('indices:data/read/search[phase/query/scroll]') - partsBefore >= 1, 'far-2 closed the connection of its part of pages');
      const other = remote.find((node) => node !== via)!;
      const stolen = await failure(other.client({ username: 'nina', password: 'nina-password' }).scroll({ scroll_id: scrollId }));
      assert.equal(stolen.status, 404, 'another user cannot continue it');
      const cleared = await jsonCall(other, 'DELETE', '/_search/scroll', { scroll_id: scrollId });
      assert.equal(cleared.status, 200, cleared.text);
      assert.ok(cleared.body.num_freed >= 2, cleared.text);
      assert.equal((await jsonCall(via, 'POST', '/_search/scroll', { scroll_id: scrollId })).status, 404);

      // A point in time over both clusters (point-in-time-api.html): its id holds each cluster's
      // own; searched through any node, later writes unseen; closed through any node.
      const pit = await via.client().openPointInTime({ index: 'logs,near:nearidx', keep_alive: '1m' });
      assert.deepEqual(pit._shards, { total: 4, successful: 4, skipped: 0, failed: 0 });
      await localAdmin.index({ index: 'nearidx', id: 'late', document: { n: 1000, kind: 'red', text: 'quick fox' }, refresh: true });
      for (const node of remote) {
        const found = (await node.client().search({ pit: { id: pit.id, keep_alive: '1m' }, size: 100, sort: [{ n: 'asc' }], aggs } as never)) as unknown as Record<string, any>;
        assert.equal(found.pit_id, pit.id);
        assert.deepEqual(found.hits.hits.map((hit: { _id: string }) => hit._id), expectedIds);
        assert.deepEqual([...new Set(found.hits.hits.map((hit: { _index: string }) => hit._index))], ['logs', 'near:nearidx']);
        assert.deepEqual(found._shards, { total: 4, successful: 4, skipped: 0, failed: 0 });
        assert.equal(found._clusters.successful, 2);
        assert.equal(found.aggregations.total.value, ((DOCS + NEAR - 1) * (DOCS + NEAR)) / 2);
      }
      await localAdmin.delete({ index: 'nearidx', id: 'late', refresh: true });
      const closed = await other.client().closePointInTime({ id: pit.id });
      assert.equal(closed.succeeded, true);
      assert.ok(closed.num_freed >= 2);
      const afterClose = await failure(via.client().search({ pit: { id: pit.id }, size: 1 } as never));
      assert.equal(afterClose.status, 404);
    }
    await jsonCall(remote[0]!, 'PUT', '/_cluster/settings', { persistent: { 'cluster.remote.near.mode': null, 'cluster.remote.near.seeds': null, 'cluster.remote.near.skip_unavailable': null } });
  });

  test('kill -9 of a gateway node while searches run: the local cluster keeps searching through the other gateway, never with wrong documents', async () => {
    // The gateways are far-2 and far-3 (under both models); far-2 goes.
    const victim = remote[1]!;
    const expectedIds = Array.from({ length: DOCS }, (_, n) => `d${n}`);
    let stop = false;
    let killedAt = 0;
    const outcomes: { at: number; end: number; alias: string; minimize: boolean; ok: boolean; threw: boolean; reason?: string }[] = [];
    const loop = async (minimize: boolean, alias: string) => {
      while (!stop) {
        const at = Date.now();
        try {
          const answer = await through(minimize, { size: 100, sort: [{ n: 'asc' }] }, undefined, alias);
          const complete = answer._shards.failed === 0 && answer._clusters.skipped === 0;
          const ids = answer.hits.hits.map((hit: { _id: string }) => hit._id);
          if (complete) assert.deepEqual(ids, expectedIds, 'a search that reports every shard answers every document');
          // A partial answer leaves out the failed shards' documents, never answers others.
          else assert.deepEqual(ids, expectedIds.filter((id) => ids.includes(id)), 'a partial answer holds documents of the index, in order');
          outcomes.push({ at, end: Date.now(), alias, minimize, ok: complete, threw: false, ...(complete ? {} : { reason: JSON.stringify(answer._shards.failures ?? answer._clusters) }) });
        } catch (error) {
          if (error instanceof assert.AssertionError) throw error;
          outcomes.push({ at, end: Date.now(), alias, minimize, ok: false, threw: true, reason: (error as Error).message });
        }
      }
    };
    // Scrolls from the local cluster reading far-2's copies where it has one (`_prefer_nodes`): once
    // far-2 is gone, their next page is a context missing (404), never a 5xx, as a scroll of the
    // remote's own (paginate-search-results.html#scroll-search-results: a scroll fails when a
    // context it needs is gone).
    const victimId = Object.keys((await jsonCall(victim, 'GET', '/_nodes/_local')).body.nodes)[0]!;
    const scrolls = await Promise.all(
      ['far', 'farkey'].map(async (alias) => (await localAdmin.search({ index: `${alias}:logs`, scroll: '1m', size: 5, sort: [{ n: 'asc' }], preference: `_prefer_nodes:${victimId}` } as never))._scroll_id!),
    );
    const loops = [loop(true, 'far'), loop(false, 'far'), loop(true, 'farkey'), loop(false, 'farkey')];
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    killedAt = Date.now();
    await victim.kill9();
    // At once (far-2 still in the published state, unreachable) and once it has left.
    const scrollPages = async () => Promise.all(scrolls.map((scrollId) => jsonCall(local, 'POST', '/_search/scroll', { scroll_id: scrollId, scroll: '1m' })));
    const pagesAtOnce = await scrollPages();
    // Searches go on for a while after the kill.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    stop = true;
    await Promise.all(loops);
    for (const pages of [pagesAtOnce, await scrollPages()]) {
      for (const page of pages) {
        assert.equal(page.status, 404, page.text);
        assert.equal(page.body.error.root_cause[0].type, 'search_context_missing_exception', page.text);
      }
    }
    for (const scrollId of scrolls) await jsonCall(local, 'DELETE', '/_search/scroll', { scroll_id: scrollId });
    // Searches answered before the kill all succeeded; those in flight at the kill or after it may fail for a while.
    const before = outcomes.filter((outcome) => outcome.end < killedAt);
    const afterKill = outcomes.filter((outcome) => outcome.end >= killedAt);
    assert.ok(before.length > 0 && before.every((outcome) => outcome.ok), JSON.stringify(before.filter((outcome) => !outcome.ok)));
    const failed = afterKill.filter((outcome) => !outcome.ok);
    const lastFailure = failed.length === 0 ? killedAt : Math.max(...failed.map((outcome) => outcome.end));
    const recoveredAfterMs = lastFailure - killedAt;
    // Reported by the test run: how long searches failed after the kill, and how many.
    console.log(`gateway kill: ${afterKill.length} searches after the kill, ${failed.length} failed (${failed.filter((outcome) => outcome.alias === 'far').length} certificate model, ${failed.filter((outcome) => outcome.alias === 'farkey').length} API key model), the last failure ${recoveredAfterMs} ms after the kill; failures: ${JSON.stringify(failed.map((outcome) => outcome.reason).slice(0, 4))}`);
    const settled = afterKill.filter((outcome) => outcome.at > lastFailure);
    assert.ok(settled.length >= 10, `searches succeed again after the kill (${settled.length} did)`);
    // A minimized search never fails: one lost with its gateway's connection goes to the other
    // gateway (Strait's resend); the gateway retries a shard whose query phase was lost with its
    // data node on another copy; a fetch lost with its data node (its query contexts died with it)
    // is a failed shard, the search answers the other shards (Elasticsearch's FetchSearchPhase).
    // Only a search in flight at the kill can meet that, and its failures name the lost node.
    // What can still fail as a whole is an unminimized fetch pinned to the dying node's contexts.
    for (const outcome of failed.filter((candidate) => candidate.minimize)) {
      assert.equal(outcome.threw, false, `a minimized search failed: ${JSON.stringify(outcome)}`);
      assert.match(outcome.reason ?? '', /far-2/, JSON.stringify(outcome));
      assert.ok(outcome.at <= killedAt + 1_000, `a minimized search with a lost shard long after the kill: ${JSON.stringify(outcome)}`);
    }
    assert.ok(recoveredAfterMs < 5_000, `searches recover within 5 s of the kill (took ${recoveredAfterMs} ms)`);
    for (const alias of ['far', 'farkey']) {
      const info = await remoteInfo(alias);
      assert.equal(info['connected'], true);
      assert.equal(info['num_nodes_connected'], 1, `${alias} keeps its other gateway`);
    }
    // Once the lost copies are rebuilt on the two nodes left, every copy answers every document
    // (the searches go round robin over both copies of each shard).
    const green = await jsonCall(remote[0]!, 'GET', '/_cluster/health/logs?wait_for_status=green&wait_for_nodes=2&timeout=60s');
    assert.equal(green.body.status, 'green', green.text);
    for (let i = 0; i < 2; i++) {
      for (const alias of ['far', 'farkey']) {
        await check(true, undefined, alias);
        await check(false, undefined, alias);
      }
    }
  });
});
