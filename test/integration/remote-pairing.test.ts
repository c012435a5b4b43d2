// Issue #12 §1 and §4 with real node processes: a querying cluster (QC) and a fulfilling cluster
// (FC). Overlapping key rotation under continuous cross-cluster search load, and one-paste pairing
// (POST /_strait/remote/enrollment on the FC, POST /_strait/remote/{alias}/_enroll on the QC, and
// `strait remote enroll` for a stopped node).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { makeCa, REMOTE_CLUSTER_CLIENT_YAML, REMOTE_CLUSTER_SERVER_YAML, runCli, startNode, type Certificates, type StartedNode } from '../harness/cluster.js';
import { failure, remoteConnected, until } from '../harness/wait.js';

let ca: Certificates;
let fc: StartedNode;
let qc: StartedNode;
let fcAdmin: Client;
let qcAdmin: Client;
// A querying cluster with its own CA and no remote_cluster_client authorities: only a pinned CA lets it in.
let qc2: StartedNode;
let qc2Admin: Client;

const FC_YAML = [REMOTE_CLUSTER_SERVER_YAML, 'xpack.security.audit.enabled: true'].join('\n');
const QC_YAML = [REMOTE_CLUSTER_CLIENT_YAML, 'xpack.security.audit.enabled: true'].join('\n');

before(async () => {
  ca = makeCa();
  [fc, qc, qc2] = await Promise.all([
    startNode({ ca, clusterName: 'fulfilling', nodeName: 'fc-1', yaml: FC_YAML }),
    startNode({ ca, clusterName: 'querying', nodeName: 'qc-1', yaml: QC_YAML }),
    startNode({ ca: makeCa(), clusterName: 'pairing', nodeName: 'qc2-1', yaml: 'xpack.security.audit.enabled: true' }),
  ]);
  fcAdmin = fc.client();
  qcAdmin = qc.client();
  qc2Admin = qc2.client();
  await fcAdmin.bulk({ refresh: true, operations: ['alpha one', 'alpha two', 'beta three'].flatMap((text, i) => [{ index: { _index: 'index1', _id: String(i) } }, { text, n: i }]) });
  await qcAdmin.security.putRole({ name: 'remote_reader', remote_indices: [{ clusters: ['*'], names: ['index1'], privileges: ['read', 'read_cross_cluster'] }] });
  await qcAdmin.security.putUser({ username: 'rita', password: 'rita-password', roles: ['remote_reader'] });
  for (const admin of [qc2Admin, fcAdmin]) {
    await admin.security.putRole({ name: 'remote_reader', remote_indices: [{ clusters: ['*'], names: ['index1'], privileges: ['read', 'read_cross_cluster'] }] });
    await admin.security.putRole({ name: 'enroller', cluster: ['manage_remote_enrollment'] });
    await admin.security.putUser({ username: 'rita', password: 'rita-password', roles: ['remote_reader'] });
    await admin.security.putUser({ username: 'erin', password: 'erin-password', roles: ['enroller'] });
  }
});

after(async () => {
  await Promise.all([fc?.destroy(), qc?.destroy(), qc2?.destroy()]);
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

// ---- one-paste pairing (issue #12 §1)

async function mintToken(client: Client, body: Record<string, unknown> = { name: 'pairing', access: { search: [{ names: ['index1'] }] } }): Promise<{ token: string; key_id: string; expires_at: string }> {
  return (await client.transport.request({ method: 'POST', path: '/_strait/remote/enrollment', body })) as { token: string; key_id: string; expires_at: string };
}

async function enroll(alias: string, body: Record<string, unknown>, client: Client = qc2Admin): Promise<Record<string, Record<string, unknown>>> {
  return (await client.transport.request({ method: 'POST', path: `/_strait/remote/${alias}/_enroll`, body })) as Record<string, Record<string, unknown>>;
}

const tokenJson = (token: string) => JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Record<string, unknown>;
const retoken = (token: string, change: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...tokenJson(token), ...change })).toString('base64');

/** Nothing of the alias anywhere: _remote/info, cluster settings, keystore, the pinned CA file. */
async function assertNothingConfigured(alias: string): Promise<void> {
  const info = (await qc2Admin.cluster.remoteInfo()) as Record<string, unknown>;
  assert.ok(!(alias in info), `_remote/info has no [${alias}]`);
  const settings = await qc2Admin.cluster.getSettings({ flat_settings: true });
  assert.deepEqual(Object.keys({ ...settings.persistent, ...settings.transient }).filter((key) => key.includes(`.${alias}.`)), []);
  const listed = runCli(['keystore', 'list', '--config-dir', qc2.configDir]).stdout.split('\n');
  assert.ok(!listed.includes(`cluster.remote.${alias}.credentials`));
  const { existsSync } = await import('node:fs');
  assert.ok(!existsSync(`${qc2.configDir}/certs/remote-${alias}-ca.crt`));
}

test('enrollment token: versioned base64 JSON with the key, addresses, cluster name and CA fingerprint; shown once', async () => {
  const minted = await mintToken(fc.client({ username: 'erin', password: 'erin-password' }));
  const decoded = tokenJson(minted.token);
  assert.equal(decoded['v'], 1);
  assert.equal(decoded['cluster_name'], 'fulfilling');
  assert.deepEqual(decoded['addresses'], [fc.remoteClusterAddress]);
  const { X509Certificate } = await import('node:crypto');
  assert.equal(decoded['ca_fingerprint'], new X509Certificate(ca.caPem).fingerprint256);
  assert.match(String(decoded['ca_fingerprint']), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.ok(Number(decoded['expires_at']) > Date.now());
  // The key is a real cross-cluster API key of the remote, owned by the caller.
  const keys = await fcAdmin.security.getApiKey({ id: minted.key_id });
  assert.equal(keys.api_keys[0]!.type, 'cross_cluster');
  assert.equal(keys.api_keys[0]!.username, 'erin');
  assert.ok(!fc.logs.some((line) => line.includes(minted.token) || line.includes(String(decoded['key']))), 'neither token nor key in the logs');
});

test('enrollment, proxy mode: pins the CA, stores the key, sets the alias; a cross-cluster search works; audited on both sides', async () => {
  const minted = await mintToken(fcAdmin);
  const answer = await enroll('paired', { token: minted.token, mode: 'proxy', skip_unavailable: false });
  const info = answer['paired']!;
  assert.equal(info['connected'], true);
  assert.equal(info['mode'], 'proxy');
  assert.equal(info['proxy_address'], fc.remoteClusterAddress);
  assert.equal(info['cluster_credentials'], '::es_redacted::');
  assert.equal(info['skip_unavailable'], false);
  assert.deepEqual(((await qc2Admin.cluster.remoteInfo()) as Record<string, unknown>)['paired'], info);
  const settings = await qc2Admin.cluster.getSettings({ flat_settings: true });
  assert.equal(settings.persistent['cluster.remote.paired.proxy_address'], fc.remoteClusterAddress);
  assert.ok(runCli(['keystore', 'list', '--config-dir', qc2.configDir]).stdout.split('\n').includes('cluster.remote.paired.credentials'));

  const rita = qc2.client({ username: 'rita', password: 'rita-password' });
  const result = await rita.search({ index: 'paired:index1', query: { match: { text: 'alpha' } } });
  assert.deepEqual(result.hits.hits.map((hit) => hit._index), ['paired:index1', 'paired:index1']);
  // The key bounds the alias: index2 is not in the token's access.
  assert.equal((await failure(qc2Admin.search({ index: 'paired:nothere' }))).status, 403);

  const { readFileSync } = await import('node:fs');
  const path = await import('node:path');
  const audit = (node: StartedNode, cluster: string) =>
    readFileSync(path.join(node.dataDir, '..', 'logs', `${cluster}_audit.json`), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.ok(audit(fc, 'fulfilling').some((event) => event['event.action'] === 'remote_enrollment_token_created' && event['apikey.id'] === minted.key_id));
  assert.ok(audit(qc2, 'pairing').some((event) => event['event.action'] === 'remote_enrollment' && event['remote.alias'] === 'paired' && event['decision'] === 'granted'));
  const secret = String(tokenJson(minted.token)['key']);
  for (const node of [fc, qc2]) assert.ok(!node.logs.some((line) => line.includes(minted.token) || line.includes(secret)), 'no token or key in the logs');

  // Enrolling an alias that exists is refused, and changes nothing.
  const again = await failure(enroll('paired', { token: (await mintToken(fcAdmin)).token }));
  assert.equal(again.status, 400);
  assert.match(again.reason, /remote cluster \[paired\] is already configured/);
});

test('enrollment refusals leave nothing half-configured: wrong fingerprint, other CA, expired token, unreachable address, invalidated key', async () => {
  const minted = await mintToken(fcAdmin);
  const wrongFingerprint = await failure(enroll('bad1', { token: retoken(minted.token, { ca_fingerprint: 'AA:'.repeat(31) + 'AA' }), mode: 'proxy' }));
  assert.equal(wrongFingerprint.status, 400);
  assert.equal(wrongFingerprint.type, 'illegal_argument_exception');
  assert.match(wrongFingerprint.reason, /not the pinned \[AA:AA:.*\]; the token was altered/);
  await assertNothingConfigured('bad1');

  // A token pinning another CA (consistent with itself): the server's certificate is not from it.
  const other = makeCa();
  const { X509Certificate } = await import('node:crypto');
  const otherCa = await failure(enroll('bad2', { token: retoken(minted.token, { ca: other.caPem, ca_fingerprint: new X509Certificate(other.caPem).fingerprint256 }) }));
  assert.equal(otherCa.status, 400);
  assert.match(otherCa.reason, /was not signed by the CA with fingerprint \[/);
  await assertNothingConfigured('bad2');

  const short = await mintToken(fcAdmin, { name: 'short', access: { search: [{ names: ['index1'] }] }, expiration: '1s' });
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const expired = await failure(enroll('bad3', { token: short.token }));
  assert.equal(expired.status, 400);
  assert.match(expired.reason, /the enrollment token expired at \[.+\]; create a new one on the remote cluster/);
  await assertNothingConfigured('bad3');

  const unreachable = await failure(enroll('bad4', { token: retoken(minted.token, { addresses: ['127.0.0.1:1'] }) }));
  assert.equal(unreachable.status, 400);
  assert.match(unreachable.reason, /cannot reach remote cluster \[fulfilling\] at any of its addresses \[127\.0\.0\.1:1\]/);
  await assertNothingConfigured('bad4');

  await fcAdmin.security.invalidateApiKey({ ids: [minted.key_id] });
  const invalidated = await failure(enroll('bad5', { token: minted.token }));
  assert.equal(invalidated.status, 400);
  assert.match(invalidated.reason, /refused the enrollment: .*has been invalidated|refused the enrollment: .*unable to authenticate/);
  await assertNothingConfigured('bad5');

  const garbage = await failure(enroll('bad6', { token: 'not a token' }));
  assert.equal(garbage.status, 400);
  assert.match(garbage.reason, /invalid enrollment token/);
  const badMode = await failure(enroll('bad6', { token: minted.token, mode: 'tunnel' }));
  assert.equal(badMode.status, 400);
});

test('privileges: manage_remote_enrollment (or manage) on each side; without it 403', async () => {
  await fcAdmin.security.putUser({ username: 'plain', password: 'plain-password', roles: ['remote_reader'] });
  const fcDenied = await failure(mintToken(fc.client({ username: 'plain', password: 'plain-password' })));
  assert.equal(fcDenied.status, 403);
  assert.match(fcDenied.reason, /action \[cluster:admin\/strait\/remote\/enrollment\] is unauthorized for user \[plain\]/);
  const minted = await mintToken(fcAdmin);
  const qcDenied = await failure(enroll('priv', { token: minted.token }, qc2.client({ username: 'rita', password: 'rita-password' })));
  assert.equal(qcDenied.status, 403);
  assert.match(qcDenied.reason, /action \[cluster:admin\/strait\/remote\/enroll\] is unauthorized for user \[rita\]/);
  await assertNothingConfigured('priv');
  // `manage` covers it.
  await fcAdmin.security.putRole({ name: 'manager', cluster: ['manage'] });
  await fcAdmin.security.putUser({ username: 'mgr', password: 'mgr-password', roles: ['manager'] });
  assert.ok((await mintToken(fc.client({ username: 'mgr', password: 'mgr-password' }))).token.length > 0);
  // The enroller role on the querying side may enroll.
  const answer = await enroll('priv', { token: minted.token, mode: 'sniff', skip_unavailable: true }, qc2.client({ username: 'erin', password: 'erin-password' }));
  assert.equal(answer['priv']!['mode'], 'sniff');
  assert.deepEqual(answer['priv']!['seeds'], [fc.remoteClusterAddress]);
  assert.equal(answer['priv']!['skip_unavailable'], true);
});

test('strait remote enroll: a stopped node is paired from the CLI, then connects at start', async () => {
  const minted = await mintToken(fcAdmin);
  await qc2.stop();
  const refused = runCli(['remote', 'enroll', '--config-dir', qc2.configDir, 'cli'], { input: retoken(minted.token, { addresses: ['127.0.0.1:1'] }) });
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /cannot reach remote cluster \[fulfilling\]/);
  const done = runCli(['remote', 'enroll', '--config-dir', qc2.configDir, 'cli'], { input: `${minted.token}\n` });
  assert.equal(done.status, 0, done.stderr);
  assert.match(done.stdout, /Remote cluster \[cli\] enrolled: cluster \[fulfilling\] at \[.+\] \(proxy mode\)/);
  assert.ok(!done.stdout.includes(minted.token));
  qc2 = await qc2.restart();
  qc2Admin = qc2.client();
  const info = await remoteConnected(qc2Admin, 'cli');
  assert.equal(info['cluster_credentials'], '::es_redacted::');
  const rita = qc2.client({ username: 'rita', password: 'rita-password' });
  assert.equal((await rita.search({ index: 'cli:index1' })).hits.hits.length, 3);
  // Enrolled aliases from before the restart still connect with their pinned CA.
  await remoteConnected(qc2Admin, 'paired');
});
