// Issue #11 §3-4: the callers Elasticsearch accepts and the order in which it fails them, with a
// querying cluster (QC) and a fulfilling cluster (FC) as real node processes.
// References: Elasticsearch's RemoteClusterSecurityRestIT (bad credentials: 401 from the FC with
// its reason when skip_unavailable is false, a skipped cluster with connect_transport_exception
// when true, in sniff and proxy mode alike), TransportResolveClusterAction and
// RestResolveClusterAction (connected/error rules, parameter errors).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import type { Client } from '@elastic/elasticsearch';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeCa, makeTempDir, rawRequest, startNode, type Certificates, type StartedNode } from '../harness/cluster.js';
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
  // Anonymous access with Elasticsearch's defaults (username _anonymous, authz_exception true).
  'xpack.security.authc.anonymous.roles: [fc_anon]',
].join('\n');
const QC_YAML = [
  'xpack.security.remote_cluster_client.ssl.certificate_authorities: [certs/ca.crt]',
  'xpack.security.authc.anonymous.username: guest',
  'xpack.security.authc.anonymous.roles: anon_reader',
  'xpack.security.authc.anonymous.authz_exception: false',
].join('\n');

const encode = (id: string, secret: string): string => Buffer.from(`${id}:${secret}`).toString('base64');

before(async () => {
  ca = makeCa();
  [fc, qc] = await Promise.all([
    startNode({ ca, clusterName: 'fulfilling', nodeName: 'fc-1', yaml: FC_YAML }),
    startNode({ ca, clusterName: 'querying', nodeName: 'qc-1', yaml: QC_YAML }),
  ]);
  fcAdmin = fc.client();
  qcAdmin = qc.client();
  await fcAdmin.bulk({ refresh: true, operations: [{ index: { _index: 'index1', _id: '1' } }, { text: 'alpha' }, { index: { _index: 'index2', _id: '1' } }, { text: 'beta' }] });
  await qcAdmin.index({ index: 'local1', id: '1', document: { text: 'local' }, refresh: true });
  await qcAdmin.security.putRole({ name: 'local_only', indices: [{ names: ['local1'], privileges: ['read'] }] });
  // (Its `indices` reach index1 and index2 too: under the certificate model a local API key's
  // owner limits on the FC with these definitions, as Elasticsearch sends the key's limited-by roles.)
  await qcAdmin.security.putRole({
    name: 'remote_reader',
    cluster: ['manage_own_api_key'],
    indices: [{ names: ['local1'], privileges: ['read'] }, { names: ['index1', 'index2'], privileges: ['read', 'read_cross_cluster'] }],
    remote_indices: [{ clusters: ['*'], names: ['index1', 'index2', 'index9'], privileges: ['read', 'read_cross_cluster'] }],
  });
  await qcAdmin.security.putUser({ username: 'nora', password: 'nora-password', roles: ['local_only'] });
  await qcAdmin.security.putUser({ username: 'rita', password: 'rita-password', roles: ['remote_reader'] });
});

after(async () => {
  await Promise.all([fc?.destroy(), qc?.destroy()]);
});

/** Points `alias` at the FC's remote cluster interface in `mode` with the given credential. */
async function configure(alias: string, mode: 'sniff' | 'proxy', credential: string, skipUnavailable: boolean): Promise<void> {
  qc.keystoreAdd(`cluster.remote.${alias}.credentials`, credential);
  await qcAdmin.nodes.reloadSecureSettings();
  const settings: Record<string, unknown> =
    mode === 'sniff'
      ? { [`cluster.remote.${alias}.seeds`]: [fc.remoteClusterAddress!] }
      : { [`cluster.remote.${alias}.mode`]: 'proxy', [`cluster.remote.${alias}.proxy_address`]: fc.remoteClusterAddress! };
  await qcAdmin.cluster.putSettings({ persistent: { ...settings, [`cluster.remote.${alias}.skip_unavailable`]: skipUnavailable } });
}

test('order of failures: a bad credential is a 401 from the FC with its reason, before the QC checks remote_indices; skipped clusters say connect_transport_exception in both modes', async () => {
  const restKey = await fcAdmin.security.createApiKey({ name: 'rest-key' });
  const crossKey = await fcAdmin.security.createCrossClusterApiKey({ name: 'cc', access: { search: [{ names: ['index1'] }] } });
  const cases = [
    { alias: 'unknown', credential: encode('no-such-key-id', 'a'.repeat(22)), reason: /unable to find apikey with id no-such-key-id/ },
    { alias: 'resttype', credential: restKey.encoded, reason: new RegExp(`authentication expected API key type of \\[cross_cluster\\], but API key \\[${restKey.id}\\] has type \\[rest\\]`) },
    { alias: 'shortsecret', credential: encode(crossKey.id, 'tooshort'), reason: /invalid cross-cluster API key value/ },
  ];
  for (const mode of ['sniff', 'proxy'] as const) {
    for (const { alias, credential, reason } of cases) {
      await configure(alias, mode, credential, false);
      // nora has no remote_indices at all: Elasticsearch still answers with the FC's 401.
      for (const client of [qcAdmin, qc.client({ username: 'nora', password: 'nora-password' })]) {
        const refused = await failure(client.search({ index: `${alias}:index1` }));
        assert.equal(refused.status, 401, `${mode} ${alias}: ${refused.reason}`);
        const raw = await rawRequest(qc, 'GET', `/${alias}:index1/_search`);
        assert.match(raw.text, reason, `${mode} ${alias}: ${raw.text}`);
      }
      await qcAdmin.cluster.putSettings({ persistent: { [`cluster.remote.${alias}.skip_unavailable`]: true } });
      const skipped = await qcAdmin.search({ index: `local1,${alias}:index1` });
      assert.equal(skipped._clusters!.skipped, 1);
      const detail = skipped._clusters!.details![alias]!;
      assert.equal(detail.status, 'skipped');
      assert.equal(detail.failures![0]!.reason.type, 'connect_transport_exception', `${mode} ${alias}: ${JSON.stringify(detail.failures)}`);
      assert.match(JSON.stringify(detail.failures![0]!.reason), reason);
      await qcAdmin.cluster.putSettings({
        persistent: { [`cluster.remote.${alias}.*`]: null },
      });
      qc.keystoreRemove(`cluster.remote.${alias}.credentials`);
    }
  }
  await qcAdmin.nodes.reloadSecureSettings();
});

test('_resolve/cluster: connected only when the cluster was queried, no such index for missing concrete names, Elasticsearch parameter errors, 403 not 500', async () => {
  const key = await fcAdmin.security.createCrossClusterApiKey({ name: 'resolve', access: { search: [{ names: ['index1', 'index9'] }] } });
  await configure('rk', 'proxy', key.encoded, true);
  await remoteConnected(qcAdmin, 'rk');
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.gone.seeds': ['127.0.0.1:1'], 'cluster.remote.gone.skip_unavailable': true } });
  const rita = qc.client({ username: 'rita', password: 'rita-password' });
  type Entry = { connected: boolean; skip_unavailable: boolean; matching_indices?: boolean; error?: string };
  const resolve = async (client: Client, name: string) => (await client.indices.resolveCluster({ name })) as unknown as Record<string, Entry>;

  // A missing concrete index, locally and remotely: the cluster answered (connected), the error names the index.
  // (rita may name index9 on rk, the key covers it; a local name she may not use would be a 403.)
  const missing = await resolve(qcAdmin, 'nope-local');
  assert.deepEqual(missing['(local)'], { connected: true, skip_unavailable: false, error: 'no such index [nope-local]' });
  const missingRemote = await resolve(rita, 'rk:index9');
  assert.equal(missingRemote['rk']!.connected, true);
  assert.match(missingRemote['rk']!.error!, /no such index \[index9\]/);
  // ignore_unavailable=true turns the missing index into no match.
  const lenient = (await qcAdmin.indices.resolveCluster({ name: 'nope-local,rk:index9', ignore_unavailable: true })) as unknown as Record<string, Entry>;
  assert.equal(lenient['(local)']!.matching_indices, false);
  assert.equal(lenient['rk']!.matching_indices, false);
  // Found, refused by the key (index2), unreachable: only the first was queried.
  const mixed = await resolve(rita, 'rk:index1,gone:x');
  assert.equal(mixed['rk']!.connected, true);
  assert.equal(mixed['rk']!.matching_indices, true);
  assert.deepEqual(mixed['gone'], { connected: false, skip_unavailable: true });
  const refused = await resolve(rita, 'rk:index2');
  assert.equal(refused['rk']!.connected, false);
  assert.match(refused['rk']!.error!, /index2/);
  // nora has no remote_indices: refused locally, still connected: false (never a 500).
  const nora = qc.client({ username: 'nora', password: 'nora-password' });
  const noRemote = await resolve(nora, 'rk:index1');
  assert.equal(noRemote['rk']!.connected, false);
  assert.match(noRemote['rk']!.error!, /no remote indices privileges apply for the target cluster/);
  // A local index the caller may not use is the security layer's 403.
  const forbidden = await rawRequest(qc, 'GET', '/_resolve/cluster/local1,rk:index1', { headers: { authorization: `Basic ${Buffer.from('rita:rita-password').toString('base64')}` } });
  assert.equal(forbidden.status, 200, forbidden.text);
  await qcAdmin.indices.create({ index: 'secret1' });
  const secret = await rawRequest(qc, 'GET', '/_resolve/cluster/secret1,rk:index1', { headers: { authorization: `Basic ${Buffer.from('nora:nora-password').toString('base64')}` } });
  assert.equal(secret.status, 403, secret.text);

  // Parameter errors, as RestResolveClusterAction words them.
  const options = await rawRequest(qc, 'GET', '/_resolve/cluster?ignore_unavailable=true&expand_wildcards=all');
  assert.equal(options.status, 400, options.text);
  const optionsError = (options.json() as { error: { type: string; reason: string } }).error;
  assert.equal(optionsError.type, 'illegal_argument_exception');
  assert.equal(optionsError.reason, 'No index options are allowed on _resolve/cluster when no index expression is specified, but received: [expand_wildcards, ignore_unavailable]');
  const badTimeout = await rawRequest(qc, 'GET', '/_resolve/cluster/rk:index1?timeout=soon');
  assert.equal(badTimeout.status, 400, badTimeout.text);
  assert.equal((badTimeout.json() as { error: { reason: string } }).error.reason, 'failed to parse setting [timeout] with value [soon] as a time value: unit is missing or unrecognized');
  // Without an expression: every remote, cluster information only.
  const info = (await qcAdmin.indices.resolveCluster()) as unknown as Record<string, Entry>;
  assert.equal(info['rk']!.connected, true);
  assert.ok(!('matching_indices' in info['rk']!));
  assert.equal(info['gone']!.connected, false);
  assert.ok(!('(local)' in info));
  // timeout is honoured: a remote that has not answered in time (a peer that accepts and stays
  // silent) is reported so, while the others answer.
  const silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const silentAddress = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.silent.mode': 'proxy', 'cluster.remote.silent.proxy_address': silentAddress } });
  const late = (await qcAdmin.indices.resolveCluster({ name: 'rk:index1,silent:x', timeout: '1s' })) as unknown as Record<string, Entry>;
  assert.deepEqual(late['silent'], { connected: false, skip_unavailable: true, error: 'Request timed out before receiving a response from the remote cluster' });
  assert.equal(late['rk']!.matching_indices, true);

  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.gone.*': null, 'cluster.remote.rk.*': null, 'cluster.remote.silent.*': null } });
  silent.close();
  qc.keystoreRemove('cluster.remote.rk.credentials');
  await qcAdmin.nodes.reloadSecureSettings();
});

test('a local REST API key as the caller of a cross-cluster search: its own descriptors narrow the owner, errors name the key (both models)', async () => {
  const crossKey = await fcAdmin.security.createCrossClusterApiKey({ name: 'for-keys', access: { search: [{ names: ['index*'] }] } });
  await configure('rk', 'proxy', crossKey.encoded, false);
  await remoteConnected(qcAdmin, 'rk');
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rc.seeds': [fc.transportAddress], 'cluster.remote.rc.skip_unavailable': false } });
  await remoteConnected(qcAdmin, 'rc');
  // Certificate model: the FC knows rita's role by name.
  await fcAdmin.security.putRole({ name: 'remote_reader', indices: [{ names: ['index1', 'index2'], privileges: ['read', 'read_cross_cluster'] }] });
  const rita = qc.client({ username: 'rita', password: 'rita-password' });
  const key = await rita.security.createApiKey({
    name: 'narrow',
    role_descriptors: {
      narrow: {
        indices: [{ names: ['index1'], privileges: ['read', 'read_cross_cluster'] }],
        remote_indices: [{ clusters: ['rk'], names: ['index1'], privileges: ['read', 'read_cross_cluster'] }],
      },
    },
  });
  const viaKey = qc.client({ apiKey: key.encoded });
  // The owner reaches index2 on both aliases; the key reaches only index1.
  assert.equal((await rita.search({ index: 'rk:index2' })).hits.hits.length, 1);
  assert.equal((await rita.search({ index: 'rc:index2' })).hits.hits.length, 1);
  assert.equal((await viaKey.search({ index: 'rk:index1' })).hits.hits.length, 1);
  assert.equal((await viaKey.search({ index: 'rc:index1' })).hits.hits.length, 1);
  for (const alias of ['rk', 'rc']) {
    const refused = await failure(viaKey.search({ index: `${alias}:index2` }));
    assert.equal(refused.status, 403, `${alias}: ${refused.reason}`);
    assert.match(refused.reason, new RegExp(`for API key id \\[${key.id}\\] of user \\[rita\\]`), `${alias}: ${refused.reason}`);
    assert.match(refused.reason, /index2/);
  }
  // A key whose descriptors grant nothing on the alias is refused locally, naming the key.
  const localOnly = await rita.security.createApiKey({ name: 'local-only', role_descriptors: { local: { indices: [{ names: ['local1'], privileges: ['read'] }] } } });
  const refusedLocally = await failure(qc.client({ apiKey: localOnly.encoded }).search({ index: 'rk:index1' }));
  assert.equal(refusedLocally.status, 403);
  assert.equal(
    refusedLocally.reason,
    `action [indices:data/read/search] towards remote cluster [rk] is unauthorized for API key id [${localOnly.id}] of user [rita] because no remote indices privileges apply for the target cluster`,
  );
  // A key without descriptors is its owner.
  const plain = await rita.security.createApiKey({ name: 'plain' });
  assert.equal((await qc.client({ apiKey: plain.encoded }).search({ index: 'rk:index2' })).hits.hits.length, 1);
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rc.*': null, 'cluster.remote.rk.*': null } });
  qc.keystoreRemove('cluster.remote.rk.credentials');
  await qcAdmin.nodes.reloadSecureSettings();
});

test('anonymous access: username, roles and authz_exception, locally and across clusters', async () => {
  await fcAdmin.security.putRole({ name: 'fc_anon', indices: [{ names: ['index1'], privileges: ['read'] }] });
  // The certificate model sends the QC's anonymous user with its role names; the FC resolves them.
  await fcAdmin.security.putRole({ name: 'anon_reader', indices: [{ names: ['index1'], privileges: ['read', 'read_cross_cluster'] }] });
  await qcAdmin.security.putRole({
    name: 'anon_reader',
    indices: [{ names: ['public1'], privileges: ['read'] }],
    remote_indices: [{ clusters: ['ranon'], names: ['index1'], privileges: ['read', 'read_cross_cluster'] }],
  });
  await qcAdmin.index({ index: 'public1', id: '1', document: { text: 'public' }, refresh: true });
  type Body = Record<string, unknown> & { error?: { type: string; reason: string } };

  // FC: defaults. No credentials = _anonymous with fc_anon; a refusal is a 403 naming the user.
  const who = await rawRequest(fc, 'GET', '/_security/_authenticate', { auth: false });
  assert.equal(who.status, 200, who.text);
  const whoBody = who.json() as Body;
  assert.equal(whoBody['username'], '_anonymous');
  assert.deepEqual(whoBody['roles'], ['fc_anon']);
  assert.equal(whoBody['authentication_type'], 'anonymous');
  assert.deepEqual(whoBody['authentication_realm'], { name: '__anonymous', type: '__anonymous' });
  assert.equal((await rawRequest(fc, 'GET', '/index1/_search', { auth: false })).status, 200);
  const fcDenied = await rawRequest(fc, 'GET', '/index2/_search', { auth: false });
  assert.equal(fcDenied.status, 403, fcDenied.text);
  assert.match((fcDenied.json() as Body).error!.reason, /^action \[indices:data\/read\/search\] is unauthorized for user \[_anonymous\] with effective roles \[fc_anon\] on indices \[index2\]/);
  // Wrong credentials never fall back to the anonymous user.
  const wrong = await rawRequest(fc, 'GET', '/index1/_search', { headers: { authorization: `Basic ${Buffer.from('elastic:wrong').toString('base64')}` } });
  assert.equal(wrong.status, 401);
  // Authenticated users have the anonymous roles too.
  await fcAdmin.security.putUser({ username: 'plain', password: 'plain-password', roles: [] });
  const plain = await fc.client({ username: 'plain', password: 'plain-password' }).security.authenticate();
  assert.deepEqual(plain.roles, ['fc_anon']);
  assert.equal((await fc.client({ username: 'plain', password: 'plain-password' }).search({ index: 'index1' })).hits.hits.length, 1);

  // QC: username guest, authz_exception false: a refusal asks for credentials (401 + WWW-Authenticate).
  const guest = (await rawRequest(qc, 'GET', '/_security/_authenticate', { auth: false })).json() as Body;
  assert.equal(guest['username'], 'guest');
  assert.deepEqual(guest['roles'], ['anon_reader']);
  assert.equal((await rawRequest(qc, 'GET', '/public1/_search', { auth: false })).status, 200);
  const qcDenied = await rawRequest(qc, 'GET', '/local1/_search', { auth: false });
  assert.equal(qcDenied.status, 401, qcDenied.text);
  assert.equal((qcDenied.json() as Body).error!.reason, 'action [indices:data/read/search] requires authentication');
  assert.match(String(qcDenied.headers['www-authenticate']), /Basic realm="security"/);

  // Across clusters, the anonymous caller is a caller like any other: certificate model (role names
  // resolved on the FC) and API key model (the anonymous roles' remote_indices).
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rc.seeds': [fc.transportAddress], 'cluster.remote.rc.skip_unavailable': false } });
  await remoteConnected(qcAdmin, 'rc');
  const key = await fcAdmin.security.createCrossClusterApiKey({ name: 'anon', access: { search: [{ names: ['index*'] }] } });
  await configure('ranon', 'proxy', key.encoded, false);
  await remoteConnected(qcAdmin, 'ranon');
  for (const alias of ['rc', 'ranon']) {
    const found = await rawRequest(qc, 'GET', `/${alias}:index1/_search`, { auth: false });
    assert.equal(found.status, 200, `${alias}: ${found.text}`);
    assert.equal(((found.json() as { hits: { hits: unknown[] } }).hits.hits).length, 1);
    const refused = await rawRequest(qc, 'GET', `/${alias}:index2/_search`, { auth: false });
    assert.equal(refused.status, 403, `${alias}: ${refused.text}`);
    assert.match((refused.json() as Body).error!.reason, /user \[guest\]/);
  }
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rc.*': null, 'cluster.remote.ranon.*': null } });
  qc.keystoreRemove('cluster.remote.ranon.credentials');
  await qcAdmin.nodes.reloadSecureSettings();
});

test('service accounts: built-in accounts, token create/list/delete, Bearer authentication, privileges locally and across clusters', async () => {
  type Body = Record<string, unknown> & { error?: { type: string; reason: string } };
  const call = async (method: string, path: string, headers?: Record<string, string>) => {
    const response = await rawRequest(qc, method, path, headers !== undefined ? { headers } : {});
    return { status: response.status, body: response.json() as Body, text: response.text };
  };
  const all = await call('GET', '/_security/service');
  // Elasticsearch 9's four built-in accounts (ElasticServiceAccounts); enterprise-search-server went with Enterprise Search in 9.0.
  assert.deepEqual(Object.keys(all.body), ['elastic/auto-ops', 'elastic/fleet-server', 'elastic/fleet-server-remote', 'elastic/kibana']);
  assert.deepEqual((await call('GET', '/_security/service/elastic/enterprise-search-server')).body, {});
  const kibana = (await call('GET', '/_security/service/elastic/kibana')).body;
  assert.deepEqual(Object.keys(kibana), ['elastic/kibana']);
  // kibana_system's descriptor as Elasticsearch renders it: reserved metadata, monitor_stats on every remote cluster.
  const kibanaRole = (kibana['elastic/kibana'] as { role_descriptor: { cluster: string[]; metadata: unknown; remote_cluster: unknown } }).role_descriptor;
  assert.ok(kibanaRole.cluster.includes('monitor') && kibanaRole.cluster.includes('cancel_task'));
  assert.deepEqual(kibanaRole.metadata, { _reserved: true });
  assert.deepEqual(kibanaRole.remote_cluster, [{ privileges: ['monitor_stats'], clusters: ['*'] }]);
  assert.deepEqual((await call('GET', '/_security/service/nope')).body, {});

  // Tokens: created once (the value is shown only now), a second time is a conflict.
  const created = await call('POST', '/_security/service/elastic/fleet-server/credential/token/token1');
  assert.equal(created.status, 200, created.text);
  assert.equal(created.body['created'], true);
  const token = created.body['token'] as { name: string; value: string };
  assert.equal(token.name, 'token1');
  assert.ok(Buffer.from(token.value, 'base64').toString('utf8').includes('elastic/fleet-server/token1:'));
  const again = await call('PUT', '/_security/service/elastic/fleet-server/credential/token/token1');
  assert.equal(again.status, 409, again.text);
  assert.equal(again.body.error!.type, 'version_conflict_engine_exception');
  const generated = await call('POST', '/_security/service/elastic/fleet-server/credential/token');
  assert.equal(generated.status, 200, generated.text);
  assert.match((generated.body['token'] as { name: string }).name, /^token_/);
  const badName = await call('POST', '/_security/service/elastic/fleet-server/credential/token/_hidden');
  assert.equal(badName.status, 400, badName.text);
  assert.equal(badName.body.error!.type, 'action_request_validation_exception');
  assert.match(badName.body.error!.reason, /^Validation Failed: 1: invalid service token name \[_hidden\]\. service account token name must have at least 1 character/);
  for (const principal of ['elastic/nope', 'other/fleet-server', 'elastic/enterprise-search-server']) {
    const unknown = await call('POST', `/_security/service/${principal}/credential/token/t`);
    assert.equal(unknown.status, 400, unknown.text);
    assert.equal(unknown.body.error!.reason, `service account [${principal}] does not exist`);
  }
  // Listing an unknown account's tokens finds none (the account is not resolved).
  assert.equal((await call('GET', '/_security/service/elastic/nope/credential')).body['count'], 0);
  const listed = (await call('GET', '/_security/service/elastic/fleet-server/credential')).body;
  assert.equal(listed['service_account'], 'elastic/fleet-server');
  assert.equal(listed['count'], 2);
  assert.ok('token1' in (listed['tokens'] as Record<string, unknown>));

  // Bearer authentication, as _authenticate shows it.
  const bearer = { authorization: `Bearer ${token.value}` };
  const me = await call('GET', '/_security/_authenticate', bearer);
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body['username'], 'elastic/fleet-server');
  assert.equal(me.body['authentication_type'], 'token');
  assert.deepEqual(me.body['token'], { name: 'token1', type: '_service_account_index' });
  assert.deepEqual(me.body['authentication_realm'], { name: '_service_account', type: '_service_account' });
  assert.deepEqual(me.body['metadata'], { _elastic_service_account: true });
  // The account's built-in privileges: fleet-server writes agent data, reads nothing else.
  const write = await rawRequest(qc, 'POST', '/logs-agent-default/_doc?refresh=true', { headers: { ...bearer, 'content-type': 'application/json' }, body: '{"message":"hi"}' });
  assert.equal(write.status, 201, write.text);
  const read = await call('GET', '/local1/_search', bearer);
  assert.equal(read.status, 403);
  assert.match(read.body.error!.reason, /^action \[indices:data\/read\/search\] is unauthorized for service account \[elastic\/fleet-server\] on indices \[local1\]/);
  // A wrong secret, and a deleted token, fail with Elasticsearch's reason.
  const [, secret] = Buffer.from(token.value, 'base64').subarray(4).toString('utf8').split(':');
  const wrongValue = Buffer.concat([Buffer.from([0, 1, 0, 1]), Buffer.from(`elastic/fleet-server/token1:${secret!.split('').reverse().join('')}`)]).toString('base64');
  const wrong = await call('GET', '/_security/_authenticate', { authorization: `Bearer ${wrongValue}` });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error!.reason, 'failed to authenticate service account [elastic/fleet-server] with token name [token1]');
  const deleted = await call('DELETE', '/_security/service/elastic/fleet-server/credential/token/token1');
  assert.deepEqual([deleted.status, deleted.body], [200, { found: true }]);
  const deletedAgain = await call('DELETE', '/_security/service/elastic/fleet-server/credential/token/token1');
  assert.deepEqual([deletedAgain.status, deletedAgain.body], [404, { found: false }]);
  assert.equal((await call('GET', '/_security/_authenticate', bearer)).status, 401);

  // Across clusters: elastic/kibana's remote_indices are kibana_system's (monitoring and APM data of
  // every cluster) under the API key model; under the certificate model its descriptor applies on
  // the FC (.kibana* yes, index1 no).
  const kibanaToken = ((await call('POST', '/_security/service/elastic/kibana/credential/token/ccs')).body['token'] as { value: string }).value;
  const asKibana = { authorization: `Bearer ${kibanaToken}` };
  await fcAdmin.index({ index: '.kibana_test', id: '1', document: { title: 'saved object' }, refresh: true });
  await fcAdmin.index({ index: '.monitoring-es-test', id: '1', document: { cluster: 'fc' }, refresh: true });
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rc.seeds': [fc.transportAddress], 'cluster.remote.rc.skip_unavailable': false } });
  await remoteConnected(qcAdmin, 'rc');
  const key = await fcAdmin.security.createCrossClusterApiKey({ name: 'svc', access: { search: [{ names: ['*'] }] } });
  await configure('rsvc', 'proxy', key.encoded, false);
  await remoteConnected(qcAdmin, 'rsvc');
  const viaCert = await call('GET', '/rc:.kibana_test/_search', asKibana);
  assert.equal(viaCert.status, 200, viaCert.text);
  assert.equal((viaCert.body as unknown as { hits: { hits: unknown[] } }).hits.hits.length, 1);
  const certRefused = await call('GET', '/rc:index1/_search', asKibana);
  assert.equal(certRefused.status, 403, certRefused.text);
  const viaKey = await call('GET', '/rsvc:.monitoring-es-test/_search', asKibana);
  assert.equal(viaKey.status, 200, viaKey.text);
  assert.equal((viaKey.body as unknown as { hits: { hits: unknown[] } }).hits.hits.length, 1);
  const keyRefused = await call('GET', '/rsvc:.kibana_test/_search', asKibana);
  assert.equal(keyRefused.status, 403, keyRefused.text);
  assert.match(keyRefused.body.error!.reason, /towards remote cluster is unauthorized for .*on indices \[\.kibana_test\].*remote_indices privileges the querying cluster sent/);
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rc.*': null, 'cluster.remote.rsvc.*': null } });
  qc.keystoreRemove('cluster.remote.rsvc.credentials');
  await qcAdmin.nodes.reloadSecureSettings();
});

test('transport trust restrictions: peers must match trust.subject_name (both sides), the file is reloaded, a bad file stops the start', async () => {
  const dir = makeTempDir('strait-trust-');
  const file = path.join(dir, 'trust.yml');
  writeFileSync(file, 'trust.subject_name: ["localhost"]\n');
  // The harness certificates carry DNS localhost (no otherName), so x509_fields selects dNSName.
  const restricted = await startNode({
    ca,
    clusterName: 'restricted',
    nodeName: 'tr-1',
    yaml: [`xpack.security.transport.ssl.trust_restrictions.path: ${file}`, 'xpack.security.transport.ssl.trust_restrictions.x509_fields: [subjectAltName.dnsName]'].join('\n'),
  });
  try {
    await restricted.client().index({ index: 'tr1', id: '1', document: { text: 'restricted' }, refresh: true });
    await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rtr.seeds': [restricted.transportAddress], 'cluster.remote.rtr.skip_unavailable': false } });
    await remoteConnected(qcAdmin, 'rtr');
    assert.equal((await qcAdmin.search({ index: 'rtr:tr1' })).hits.hits.length, 1);

    // The file changes: once reloaded, new connections must match the new patterns.
    writeFileSync(file, 'trust.subject_name: ["*.elsewhere"]\n');
    await until('the trust restrictions to reload', async () => (restricted.logs.some((line) => line.includes('reloaded the transport trust restrictions')) ? true : undefined));
    // Server side: the QC's (trusted) client certificate is now refused on a new connection.
    await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rtr2.seeds': [restricted.transportAddress], 'cluster.remote.rtr2.skip_unavailable': false } });
    const refused = await failure(qcAdmin.search({ index: 'rtr2:tr1' }));
    assert.match(refused.reason, /match none of the trust restrictions \[\*\.elsewhere\]/, refused.reason);
    // Client side: the restricted node refuses the FC's server certificate.
    const restrictedAdmin = restricted.client();
    await restrictedAdmin.cluster.putSettings({ persistent: { 'cluster.remote.fcx.seeds': [fc.transportAddress], 'cluster.remote.fcx.skip_unavailable': false } });
    const asClient = await failure(restrictedAdmin.search({ index: 'fcx:index1' }));
    assert.match(asClient.reason, /the server certificate is trusted, but the peer certificate's names \[localhost\]/, asClient.reason);
    // A reload that cannot be read keeps the previous restrictions.
    writeFileSync(file, 'not: [valid');
    await until('the failed reload to be logged', async () => (restricted.logs.some((line) => line.includes('keeping the previous ones')) ? true : undefined));
    assert.match((await failure(restrictedAdmin.search({ index: 'fcx:index1' }))).reason, /\*\.elsewhere/);
  } finally {
    await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rtr.*': null, 'cluster.remote.rtr2.*': null } });
    await restricted.destroy();
  }
  const missing = path.join(dir, 'missing.yml');
  await assert.rejects(
    startNode({ ca, clusterName: 'broken', yaml: `xpack.security.transport.ssl.trust_restrictions.path: ${missing}` }),
    /cannot load \[xpack\.security\.transport\.ssl\.trust_restrictions\.path\] file/,
  );
});
