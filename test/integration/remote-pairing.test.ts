// Issue #12 §1 and §4 with real node processes: a querying cluster (QC) and a fulfilling cluster
// (FC). Overlapping key rotation under continuous cross-cluster search load, and one-paste pairing
// (POST /_strait/remote/enrollment on the FC, POST /_strait/remote/{alias}/_enroll on the QC, and
// `strait remote enroll` for a stopped node).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { makeCa, runCli, startNode, type Certificates, type StartedNode } from '../harness/cluster.js';
import { failure, remoteConnected, until } from '../harness/wait.js';

let ca: Certificates;
let fc: StartedNode;
let qc: StartedNode;
let fcAdmin: Client;
let qcAdmin: Client;

const FC_YAML = [
  'remote_cluster_server.enabled: true',
  'remote_cluster.port: 0',
  'xpack.security.remote_cluster_server.ssl.key: certs/node.key',
  'xpack.security.remote_cluster_server.ssl.certificate: certs/node.crt',
  'xpack.security.audit.enabled: true',
].join('\n');
const QC_YAML = ['xpack.security.remote_cluster_client.ssl.certificate_authorities: [certs/ca.crt]', 'xpack.security.audit.enabled: true'].join('\n');

before(async () => {
  ca = makeCa();
  [fc, qc] = await Promise.all([
    startNode({ ca, clusterName: 'fulfilling', nodeName: 'fc-1', yaml: FC_YAML }),
    startNode({ ca, clusterName: 'querying', nodeName: 'qc-1', yaml: QC_YAML }),
  ]);
  fcAdmin = fc.client();
  qcAdmin = qc.client();
  await fcAdmin.bulk({ refresh: true, operations: ['alpha one', 'alpha two', 'beta three'].flatMap((text, i) => [{ index: { _index: 'index1', _id: String(i) } }, { text, n: i }]) });
  await qcAdmin.security.putRole({ name: 'remote_reader', remote_indices: [{ clusters: ['*'], names: ['index1'], privileges: ['read', 'read_cross_cluster'] }] });
  await qcAdmin.security.putUser({ username: 'rita', password: 'rita-password', roles: ['remote_reader'] });
});

after(async () => {
  await Promise.all([fc?.destroy(), qc?.destroy()]);
});

test('overlapping key rotation: zero failed searches under load while the old key is invalidated; the promotion is logged and persisted', async () => {
  const oldKey = await fcAdmin.security.createCrossClusterApiKey({ name: 'old', access: { search: [{ names: ['index1'] }] } });
  qc.keystoreAdd('cluster.remote.rot.credentials', oldKey.encoded);
  await qcAdmin.nodes.reloadSecureSettings();
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rot.mode': 'proxy', 'cluster.remote.rot.proxy_address': fc.remoteClusterAddress!, 'cluster.remote.rot.skip_unavailable': false } });
  await remoteConnected(qcAdmin, 'rot');

  const rita = qc.client({ username: 'rita', password: 'rita-password' });
  let stop = false;
  let ok = 0;
  const failures: string[] = [];
  // Four clients searching back to back for the whole rotation.
  const load = Array.from({ length: 4 }, async () => {
    while (!stop) {
      try {
        const result = await rita.search({ index: 'rot:index1', query: { match: { text: 'alpha' } } });
        assert.equal(result.hits.hits.length, 2);
        ok++;
      } catch (error) {
        failures.push(String((error as { meta?: { body?: unknown } }).meta?.body !== undefined ? JSON.stringify((error as { meta: { body: unknown } }).meta.body) : error));
      }
    }
  });
  await until('load to run', async () => (ok >= 10 ? true : undefined));

  const newKey = await fcAdmin.security.createCrossClusterApiKey({ name: 'new', access: { search: [{ names: ['index1'] }] } });
  qc.keystoreAdd('cluster.remote.rot.credentials_next', newKey.encoded);
  await qcAdmin.nodes.reloadSecureSettings();
  const beforeInvalidation = ok;
  await until('searches with both keys set', async () => (ok >= beforeInvalidation + 10 ? true : undefined));
  // While the current key works, the next one is not used (so not promoted).
  assert.ok(!qc.logs.some((line) => line.includes('promoted [cluster.remote.rot.credentials_next]')));

  await fcAdmin.security.invalidateApiKey({ ids: [oldKey.id] });
  const atInvalidation = ok;
  await until('the promotion to be logged', async () => (qc.logs.some((line) => line.includes('promoted [cluster.remote.rot.credentials_next] to [cluster.remote.rot.credentials]')) ? true : undefined));
  await until('searches after the invalidation', async () => (ok >= atInvalidation + 20 ? true : undefined));
  stop = true;
  await Promise.all(load);
  assert.deepEqual(failures, [], 'no search failed during the rotation');

  const promotion = qc.logs.filter((line) => line.includes('promoted [cluster.remote.rot.credentials_next]'));
  assert.equal(promotion.length, 1, 'promoted once, whatever the concurrency');
  assert.ok(!qc.logs.some((line) => line.includes(newKey.encoded) || line.includes(oldKey.encoded)), 'no key in the logs');
  // The keystore now holds the new key as the current one and no next one.
  const listed = runCli(['keystore', 'list', '--config-dir', qc.configDir]).stdout.split('\n');
  assert.ok(listed.includes('cluster.remote.rot.credentials'));
  assert.ok(!listed.includes('cluster.remote.rot.credentials_next'));
  // A reload after the promotion keeps the connection (same credential: nothing to rebuild).
  await qcAdmin.nodes.reloadSecureSettings();
  assert.equal((await rita.search({ index: 'rot:index1' })).hits.hits.length, 3);

  // Without a next key an invalidated key still fails (the retry only uses a configured next key).
  await fcAdmin.security.invalidateApiKey({ ids: [newKey.id] });
  const refused = await failure(rita.search({ index: 'rot:index1' }));
  assert.equal(refused.status, 401);
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rot.mode': null, 'cluster.remote.rot.proxy_address': null, 'cluster.remote.rot.skip_unavailable': null } });
  qc.keystoreRemove('cluster.remote.rot.credentials');
  await qcAdmin.nodes.reloadSecureSettings();
});

test('overlapping key rotation: a reconnect whose handshake the old key fails uses the next key', async () => {
  const oldKey = await fcAdmin.security.createCrossClusterApiKey({ name: 'old2', access: { search: [{ names: ['index1'] }] } });
  const newKey = await fcAdmin.security.createCrossClusterApiKey({ name: 'new2', access: { search: [{ names: ['index1'] }] } });
  qc.keystoreAdd('cluster.remote.rot2.credentials', oldKey.encoded);
  qc.keystoreAdd('cluster.remote.rot2.credentials_next', newKey.encoded);
  await fcAdmin.security.invalidateApiKey({ ids: [oldKey.id] });
  await qcAdmin.nodes.reloadSecureSettings();
  // The first connection's handshake is refused for the old key: the next key connects it.
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rot2.mode': 'proxy', 'cluster.remote.rot2.proxy_address': fc.remoteClusterAddress!, 'cluster.remote.rot2.skip_unavailable': false } });
  assert.equal((await qcAdmin.search({ index: 'rot2:index1' })).hits.hits.length, 3);
  await until('the promotion to be logged', async () => (qc.logs.some((line) => line.includes('promoted [cluster.remote.rot2.credentials_next]')) ? true : undefined));
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rot2.mode': null, 'cluster.remote.rot2.proxy_address': null, 'cluster.remote.rot2.skip_unavailable': null } });
  qc.keystoreRemove('cluster.remote.rot2.credentials');
  await qcAdmin.nodes.reloadSecureSettings();
});
