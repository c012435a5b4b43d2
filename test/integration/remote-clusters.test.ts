// Remote clusters with real node processes: a querying cluster (QC) and a fulfilling cluster (FC)
// trusting one CA made by our certutil. Both security models, both connection modes,
// cross-cluster search through the official client, settings validation, skip_unavailable.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { makeCa, REMOTE_CLUSTER_CLIENT_YAML, REMOTE_CLUSTER_SERVER_YAML, startNode, type Certificates, type StartedNode } from '../harness/cluster.js';
import { failure, remoteConnected } from '../harness/wait.js';

let ca: Certificates;
let fc: StartedNode;
let qc: StartedNode;
let fcAdmin: Client;
let qcAdmin: Client;

const FC_YAML = [REMOTE_CLUSTER_SERVER_YAML, 'xpack.security.audit.enabled: true'].join('\n');
const QC_YAML = [REMOTE_CLUSTER_CLIENT_YAML, 'xpack.security.audit.enabled: true'].join('\n');

const connected = (alias: string) => remoteConnected(qcAdmin, alias);


before(async () => {
  ca = makeCa();
  [fc, qc] = await Promise.all([
    startNode({ ca, clusterName: 'fulfilling', nodeName: 'fc-1', yaml: FC_YAML }),
    startNode({ ca, clusterName: 'querying', nodeName: 'qc-1', yaml: QC_YAML }),
  ]);
  fcAdmin = fc.client();
  qcAdmin = qc.client();
  for (const [index, docs] of [['index1', ['alpha one', 'alpha two', 'beta three']], ['index2', ['alpha secret']]] as const) {
    await fcAdmin.bulk({ refresh: true, operations: docs.flatMap((text, i) => [{ index: { _index: index, _id: String(i) } }, { text, n: i + 10, tag: index }]) });
  }
  await qcAdmin.bulk({ refresh: true, operations: [{ index: { _index: 'local1', _id: 'l0' } }, { text: 'alpha local', n: 1, tag: 'local1' }] });
  // FC roles for the certificate model: role names travel, definitions are the FC's.
  await fcAdmin.security.putRole({ name: 'reader', indices: [{ names: ['index1'], privileges: ['read', 'read_cross_cluster'] }] });
  // QC roles: the same name (its definition may differ), and remote_indices for the API key model.
  await qcAdmin.security.putRole({ name: 'reader', indices: [{ names: ['local1'], privileges: ['read'] }] });
  await qcAdmin.security.putRole({
    name: 'remote_reader',
    indices: [{ names: ['local1'], privileges: ['read'] }],
    remote_indices: [{ clusters: ['rk*'], names: ['index1', 'index2'], privileges: ['read', 'read_cross_cluster'] }],
  });
  await qcAdmin.security.putUser({ username: 'bob', password: 'bob-password', roles: ['reader'] });
  await qcAdmin.security.putUser({ username: 'rita', password: 'rita-password', roles: ['remote_reader'] });
  await qcAdmin.security.putUser({ username: 'nora', password: 'nora-password', roles: ['reader'] });
});

after(async () => {
  await Promise.all([fc?.destroy(), qc?.destroy()]);
});

test('certificate model, sniff: _remote/info, cross-cluster search merging local and remote hits', async () => {
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rc.seeds': [fc.transportAddress], 'cluster.remote.rc.skip_unavailable': false } });
  const info = await connected('rc');
  assert.equal(info['mode'], 'sniff');
  assert.deepEqual(info['seeds'], [fc.transportAddress]);
  assert.equal(info['num_nodes_connected'], 1);
  assert.equal(info['max_connections_per_cluster'], 3);
  assert.equal(info['skip_unavailable'], false);
  assert.equal(info['initial_connect_timeout'], '30s');
  assert.ok(!('cluster_credentials' in info));
  assert.ok(qc.logs.some((line) => line.includes('certificate-based security model, which is deprecated') && line.includes('"alias":"rc"')), 'a deprecation warning names the alias');

  const result = await qcAdmin.search({ index: 'local1,rc:index1', query: { match: { text: 'alpha' } }, sort: [{ n: 'asc' }], aggs: { tags: { terms: { field: 'tag.keyword' } } } });
  assert.deepEqual(result.hits.hits.map((hit) => hit._index), ['local1', 'rc:index1', 'rc:index1']);
  assert.deepEqual(result.hits.hits.map((hit) => hit.sort), [[1], [10], [11]]);
  assert.equal((result.hits.total as { value: number }).value, 3);
  const buckets = (result.aggregations!['tags'] as { buckets: { key: string; doc_count: number }[] }).buckets;
  assert.deepEqual(buckets, [{ key: 'index1', doc_count: 2 }, { key: 'local1', doc_count: 1 }]);
  const clusters = result._clusters!;
  assert.equal(clusters.total, 2);
  assert.equal(clusters.successful, 2);
  assert.equal(clusters.details!['(local)']!.status, 'successful');
  assert.equal(clusters.details!['rc']!.indices, 'index1');
  // from/size across clusters
  const page = await qcAdmin.search({ index: 'local1,rc:index*', query: { match: { text: 'alpha' } }, sort: [{ n: 'asc' }], from: 1, size: 2 });
  assert.deepEqual(page.hits.hits.map((hit) => hit._index), ['rc:index1', 'rc:index2']);
  assert.deepEqual(page.hits.hits.map((hit) => hit.sort), [[10], [10]]);
  const count = await qcAdmin.count({ index: 'rc:index1,local1' });
  assert.equal(count.count, 4);
  const caps = await qcAdmin.fieldCaps({ index: 'rc:index1,local1', fields: ['text', 'n'] });
  assert.deepEqual([...caps.indices].sort(), ['local1', 'rc:index1']);
  assert.ok(caps.fields['n']!['long'] !== undefined);
  // Connections are reused: no TLS handshake per cross-cluster request (a sniffed remote with fewer
  // nodes than node_connections once re-dialled its seed on every request).
  const handshakes = async (): Promise<number> => {
    const stats = (await qcAdmin.transport.request({ method: 'GET', path: '/_nodes/stats/transport' })) as { nodes: Record<string, { transport: { tls_handshakes_outbound: number } }> };
    return Object.values(stats.nodes)[0]!.transport.tls_handshakes_outbound;
  };
  const before = await handshakes();
  for (let i = 0; i < 20; i++) await qcAdmin.search({ index: 'rc:index1', size: 1 });
  assert.equal(await handshakes(), before);
  const msearch = await qcAdmin.msearch({ searches: [{ index: 'rc:index1' }, { query: { match_all: {} } }, { index: 'local1' }, { query: { match_all: {} } }] });
  assert.deepEqual(msearch.responses.map((r) => ('hits' in r ? (r.hits.total as { value: number }).value : -1)), [3, 1]);
});

test('certificate model: the FC authorizes the role names against its own roles; unknown roles grant nothing', async () => {
  const bob = qc.client({ username: 'bob', password: 'bob-password' });
  const ok = await bob.search({ index: 'rc:index1' });
  assert.equal(ok.hits.hits.length, 3);
  const denied = await failure(bob.search({ index: 'rc:index2' }));
  assert.equal(denied.status, 403);
  assert.match(denied.reason, /action \[indices:data\/read\/search\] towards remote cluster is unauthorized for user \[bob\]/);
  assert.match(denied.reason, /refused by remote cluster \[rc\]/);
  // A QC superuser is a superuser on the FC in this model.
  assert.equal((await qcAdmin.search({ index: 'rc:index2' })).hits.hits.length, 1);
  await qcAdmin.security.putRole({ name: 'nobody_there', indices: [] });
  await qcAdmin.security.putUser({ username: 'ghost', password: 'ghost-password', roles: ['nobody_there'] });
  const ghost = await failure(qc.client({ username: 'ghost', password: 'ghost-password' }).search({ index: 'rc:index1' }));
  assert.equal(ghost.status, 403);
});

test('API key model, proxy: key scoped to index1 bounds every user, remote_indices narrow further', async () => {
  const key = await fcAdmin.security.createCrossClusterApiKey({ name: 'for-qc', access: { search: [{ names: ['index1'] }] } });
  qc.keystoreAdd('cluster.remote.rk.credentials', key.encoded);
  const reload = await qcAdmin.nodes.reloadSecureSettings();
  assert.equal(reload._nodes?.failed, 0);
  await qcAdmin.cluster.putSettings({
    persistent: { 'cluster.remote.rk.mode': 'proxy', 'cluster.remote.rk.proxy_address': fc.remoteClusterAddress!, 'cluster.remote.rk.skip_unavailable': false },
  });
  const info = await connected('rk');
  assert.equal(info['mode'], 'proxy');
  assert.equal(info['cluster_credentials'], '::es_redacted::');
  assert.equal(info['max_proxy_socket_connections'], 18);

  const rita = qc.client({ username: 'rita', password: 'rita-password' });
  const ok = await rita.search({ index: 'rk:index1', query: { match: { text: 'alpha' } } });
  assert.deepEqual(ok.hits.hits.map((hit) => hit._index), ['rk:index1', 'rk:index1']);
  const keyBound = await failure(rita.search({ index: 'rk:index2' }));
  assert.equal(keyBound.status, 403);
  assert.match(keyBound.reason, /cross-cluster API key \[.+\] does not grant it on \[index2\]/);
  // A local superuser is bound by the key too.
  const superuser = await failure(qcAdmin.search({ index: 'rk:index2' }));
  assert.equal(superuser.status, 403);
  // A user whose roles have no remote_indices for this alias is refused locally, before sending.
  const nora = await failure(qc.client({ username: 'nora', password: 'nora-password' }).search({ index: 'rk:index1' }));
  assert.equal(nora.status, 403);
  assert.match(nora.reason, /towards remote cluster \[rk\] is unauthorized for user \[nora\].*because no remote indices privileges apply for the target cluster/);
  // Both models in one search.
  const mixed = await qcAdmin.search({ index: 'rk:index1,rc:index2,local1', query: { match: { text: 'alpha' } }, size: 10 });
  assert.deepEqual([...new Set(mixed.hits.hits.map((hit) => hit._index))].sort(), ['local1', 'rc:index2', 'rk:index1']);
  assert.equal(mixed._clusters!.total, 3);
  // Updating the key (wider access) takes effect at the next request.
  await fcAdmin.security.updateCrossClusterApiKey({ id: key.id, access: { search: [{ names: ['index1', 'index2'] }] } });
  assert.equal((await rita.search({ index: 'rk:index2' })).hits.hits.length, 1);
  // Invalidation: the next request fails with 401 from the FC.
  await fcAdmin.security.invalidateApiKey({ ids: [key.id] });
  const invalid = await failure(rita.search({ index: 'rk:index1' }));
  assert.equal(invalid.status, 401);
  assert.match(invalid.reason, /refused by remote cluster \[rk\]/);
});

test('API key model: a REST key as credentials fails; rotation through the keystore and reload works without restart', async () => {
  const restKey = await fcAdmin.security.createApiKey({ name: 'rest-key' });
  qc.keystoreAdd('cluster.remote.rk.credentials', restKey.encoded);
  await qcAdmin.nodes.reloadSecureSettings();
  const wrongType = await failure(qcAdmin.search({ index: 'rk:index1' }));
  assert.equal(wrongType.status, 401);
  assert.match(wrongType.reason, /expected API key type of \[cross_cluster\], but API key \[.+\] has type \[rest\]/);
  const good = await fcAdmin.security.createCrossClusterApiKey({ name: 'rotated', access: { search: [{ names: ['index*'] }] } });
  qc.keystoreAdd('cluster.remote.rk.credentials', good.encoded);
  await qcAdmin.nodes.reloadSecureSettings();
  await connected('rk');
  assert.equal((await qcAdmin.search({ index: 'rk:index1' })).hits.hits.length, 3);
  // The key covers index3, rita's remote_indices do not: the refusal says the key was not the reason.
  await fcAdmin.index({ index: 'index3', id: '1', document: { text: 'alpha three' }, refresh: true });
  const notCovered = await failure(qc.client({ username: 'rita', password: 'rita-password' }).search({ index: 'rk:index3' }));
  assert.equal(notCovered.status, 403);
  assert.match(notCovered.reason, /the key allows it, but the remote_indices privileges the querying cluster sent for this user do not cover \[index3\]/);
  // Removing the credential switches the alias to the certificate model (pointing at the RCS port it fails).
  qc.keystoreRemove('cluster.remote.rk.credentials');
  await qcAdmin.nodes.reloadSecureSettings();
  const info = (await qcAdmin.cluster.remoteInfo()) as unknown as Record<string, Record<string, unknown>>;
  assert.ok(!('cluster_credentials' in info['rk']!));
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rk.mode': null, 'cluster.remote.rk.proxy_address': null, 'cluster.remote.rk.skip_unavailable': null } });
  assert.ok(!('rk' in ((await qcAdmin.cluster.remoteInfo()) as Record<string, unknown>)));
});

test('a cross-cluster API key cannot authenticate REST calls on the FC', async () => {
  const key = await fcAdmin.security.createCrossClusterApiKey({ name: 'not-for-rest', access: { search: [{ names: ['index1'] }] } });
  const refused = await failure(fc.client({ apiKey: key.encoded }).search({ index: 'index1' }));
  assert.equal(refused.status, 401);
});

test('skip_unavailable: a dead remote is skipped (200) when true, fails the search when false', async () => {
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.dead.seeds': ['127.0.0.1:1'] } });
  const skipped = await qcAdmin.search({ index: 'local1,dead:logs' });
  assert.equal(skipped.hits.hits.length, 1);
  assert.equal(skipped._clusters!.skipped, 1);
  assert.equal(skipped._clusters!.details!['dead']!.status, 'skipped');
  assert.equal(skipped._clusters!.details!['dead']!.failures![0]!.reason.type, 'connect_transport_exception');
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.dead.skip_unavailable': false } });
  const failed = await failure(qcAdmin.search({ index: 'local1,dead:logs' }));
  assert.equal(failed.type, 'connect_transport_exception');
  const resolved = (await qcAdmin.indices.resolveCluster({ name: 'local1,dead:logs,rc:index1' })) as unknown as Record<string, Record<string, unknown>>;
  assert.equal(resolved['(local)']!['matching_indices'], true);
  assert.equal(resolved['dead']!['connected'], false);
  // Unreachable: not connected, and (as Elasticsearch's resolve cluster action) no error text.
  assert.ok(!('error' in resolved['dead']!));
  assert.equal(resolved['rc']!['connected'], true);
  assert.equal(resolved['rc']!['matching_indices'], true);
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.dead.seeds': null, 'cluster.remote.dead.skip_unavailable': null } });
});

test('remote settings validation (spec §2.2) and unknown aliases', async () => {
  const badSeed = await failure(qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.x.seeds': ['no-port'] } }));
  assert.equal(badSeed.status, 400);
  assert.match(badSeed.reason, /remote hosts need to be configured as \[host:port\], found \[no-port\] instead/);
  const wrongMode = await failure(qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.x.seeds': ['h:1'], 'cluster.remote.x.proxy_address': 'h:2' } }));
  assert.match(wrongMode.reason, /cannot be used with the configured "cluster.remote.x.mode" \[required=PROXY, configured=SNIFF\]/);
  const disabled = await failure(qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.y.skip_unavailable': true } }));
  assert.match(disabled.reason, /Cannot configure setting \[cluster.remote.y.skip_unavailable\] if remote cluster is not enabled/);
  const unknown = await failure(qcAdmin.search({ index: 'nosuch:index1' }));
  assert.equal(unknown.status, 404);
  assert.equal(unknown.type, 'no_such_remote_cluster_exception');
  // Persistent settings survive a restart; the alias reconnects.
  qc = await qc.restart();
  qcAdmin = qc.client();
  await connected('rc');
  assert.equal((await qcAdmin.search({ index: 'rc:index1' })).hits.hits.length, 3);
});

test('audit trail on both sides shares one request id; no secrets in logs', async () => {
  const { readFileSync } = await import('node:fs');
  const path = await import('node:path');
  const read = (node: StartedNode) =>
    readFileSync(path.join(node.dataDir, '..', 'logs', `${node === fc ? 'fulfilling' : 'querying'}_audit.json`), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const local = read(qc).filter((event) => event['remote.alias'] === 'rc');
  const remote = read(fc);
  assert.ok(local.length > 0);
  const shared = local.find((event) => remote.some((other) => other['request.id'] === event['request.id']));
  assert.ok(shared !== undefined, 'a local audit event has its remote twin');
  assert.ok(!JSON.stringify(remote).includes('ApiKey '));
});

test('version rule end to end: a node claiming 7.17.0 is refused', async () => {
  const old = await startNode({ ca, clusterName: 'old', nodeName: 'old-1', settings: ['strait.test.version=7.17.0'], faultInjection: true });
  try {
    await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.old.seeds': [old.transportAddress], 'cluster.remote.old.skip_unavailable': false } });
    const failed = await failure(qcAdmin.search({ index: 'old:*' }));
    assert.match(failed.reason, /7\.17\.0/);
    const info = (await qcAdmin.cluster.remoteInfo()) as unknown as Record<string, Record<string, unknown>>;
    assert.equal(info['old']!['connected'], false);
  } finally {
    await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.old.seeds': null, 'cluster.remote.old.skip_unavailable': null } });
    await old.destroy();
  }
});
