// The connection doctor and access explain (issue #12 §2, §3) with real node processes: a
// querying cluster (QC), a fulfilling cluster (FC) sharing its CA, and a second fulfilling cluster
// (FC2) whose certificates come from a CA the QC does not trust. Each of the common
// mistakes must produce a report whose first failed step names the setting to change.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { makeCa, REMOTE_CLUSTER_CLIENT_YAML, REMOTE_CLUSTER_SERVER_YAML, startNode, type Certificates, type StartedNode } from '../harness/cluster.js';
import { failure, remoteConnected } from '../harness/wait.js';

let ca: Certificates;
let otherCa: Certificates;
let fc: StartedNode;
let fc2: StartedNode;
let qc: StartedNode;
let fcAdmin: Client;
let qcAdmin: Client;
const secrets: string[] = [];

const RCS_YAML = REMOTE_CLUSTER_SERVER_YAML;
const QC_YAML = REMOTE_CLUSTER_CLIENT_YAML;

interface Step {
  step: number;
  name: string;
  status: string;
  setting?: string;
  side?: string;
  reason?: string;
  fix?: string;
  details?: Record<string, unknown>;
}
interface NodeReport {
  address: string;
  source: string;
  node_name?: string;
  ok: boolean;
  first_failed: { step: number; name: string; setting?: string; side?: string; reason: string; fix: string } | null;
  steps: Step[];
}
interface Report {
  alias: string;
  mode: string;
  model: string;
  connected: boolean;
  ok: boolean;
  first_failed: NodeReport['first_failed'];
  nodes: NodeReport[];
}

async function get(client: Client, path: string): Promise<unknown> {
  return client.transport.request({ method: 'GET', path });
}

async function diagnose(client: Client, alias: string, query = ''): Promise<Report> {
  const report = (await get(client, `/_remote/${alias}/_diagnose${query}`)) as Report;
  const text = JSON.stringify(report);
  for (const secret of secrets) assert.ok(!text.includes(secret), 'the report reveals no secret');
  return report;
}

function addCredential(alias: string, encoded: string, apiKey: string): void {
  secrets.push(encoded, apiKey);
  qc.keystoreAdd(`cluster.remote.${alias}.credentials`, encoded);
}

async function connected(alias: string): Promise<void> {
  await remoteConnected(qcAdmin, alias);
}

before(async () => {
  ca = makeCa();
  otherCa = makeCa();
  [fc, fc2, qc] = await Promise.all([
    startNode({ ca, clusterName: 'fulfilling', nodeName: 'fc-1', yaml: RCS_YAML }),
    startNode({ ca: otherCa, clusterName: 'other', nodeName: 'fc2-1', yaml: RCS_YAML }),
    startNode({ ca, clusterName: 'querying', nodeName: 'qc-1', yaml: QC_YAML }),
  ]);
  fcAdmin = fc.client();
  qcAdmin = qc.client();
  await fcAdmin.bulk({ refresh: true, operations: [{ index: { _index: 'index1', _id: '1' } }, { text: 'alpha' }, { index: { _index: 'index2', _id: '1' } }, { text: 'beta' }] });
  // FC role of the same name as the QC's, for the certificate model.
  await fcAdmin.security.putRole({ name: 'reader', indices: [{ names: ['index1'], privileges: ['read', 'read_cross_cluster'] }] });
  await qcAdmin.security.putRole({
    name: 'reader',
    cluster: ['monitor'],
    remote_indices: [{ clusters: ['k*'], names: ['index1', 'index2'], privileges: ['read', 'read_cross_cluster', 'cross_cluster_replication'] }],
  });
  // The mistake: remote_indices naming the wrong alias (`kp` was meant, `pk` was written).
  await qcAdmin.security.putRole({ name: 'misnamed', cluster: ['monitor'], remote_indices: [{ clusters: ['pk'], names: ['index1'], privileges: ['read'] }] });
  await qcAdmin.security.putUser({ username: 'rita', password: 'rita-password', roles: ['reader'] });
  await qcAdmin.security.putUser({ username: 'wanda', password: 'wanda-password', roles: ['misnamed'] });

  const key = await fcAdmin.security.createCrossClusterApiKey({ name: 'search-only', access: { search: [{ names: ['index1'] }] } });
  addCredential('kp', key.encoded, key.api_key);
  addCredential('ks', key.encoded, key.api_key);
  const untrusted = await fcAdmin.security.createCrossClusterApiKey({ name: 'for-untrusted', access: { search: [{ names: ['index1'] }] } });
  addCredential('untrusted', untrusted.encoded, untrusted.api_key);
  const revoked = await fcAdmin.security.createCrossClusterApiKey({ name: 'revoked', access: { search: [{ names: ['index1'] }] } });
  await fcAdmin.security.invalidateApiKey({ ids: [revoked.id] });
  addCredential('revoked', revoked.encoded, revoked.api_key);
  await qcAdmin.nodes.reloadSecureSettings();
  await qcAdmin.cluster.putSettings({
    persistent: {
      'cluster.remote.kp.mode': 'proxy',
      'cluster.remote.kp.proxy_address': fc.remoteClusterAddress!,
      'cluster.remote.kp.skip_unavailable': false,
      'cluster.remote.ks.seeds': [fc.remoteClusterAddress!],
      'cluster.remote.untrusted.mode': 'proxy',
      'cluster.remote.untrusted.proxy_address': fc2.remoteClusterAddress!,
      'cluster.remote.revoked.mode': 'proxy',
      'cluster.remote.revoked.proxy_address': fc.remoteClusterAddress!,
      'cluster.remote.cs.seeds': [fc.transportAddress],
      'cluster.remote.cp.mode': 'proxy',
      'cluster.remote.cp.proxy_address': fc.transportAddress,
      'cluster.remote.cp.skip_unavailable': false,
      'cluster.remote.deadport.mode': 'proxy',
      'cluster.remote.deadport.proxy_address': '127.0.0.1:1',
      'cluster.remote.nohost.seeds': ['no-such-host.invalid:9300'],
      'cluster.remote.cuntrusted.mode': 'proxy',
      'cluster.remote.cuntrusted.proxy_address': fc2.transportAddress,
    },
  });
  await Promise.all(['kp', 'ks', 'cs', 'cp'].map((alias) => connected(alias)));
});

after(async () => {
  await Promise.all([fc?.destroy(), fc2?.destroy(), qc?.destroy()]);
});

function assertAllPassed(report: Report): void {
  assert.equal(report.ok, true, JSON.stringify(report.first_failed));
  assert.equal(report.first_failed, null);
  for (const node of report.nodes) {
    assert.deepEqual(node.steps.map((step) => step.name), ['name_resolution', 'tcp_connect', 'tls_handshake', 'transport_handshake', 'authentication', 'authorization']);
    for (const step of node.steps) assert.equal(step.status, 'passed', `${node.address} ${step.name}: ${step.reason ?? ''}`);
    for (const step of node.steps) assert.equal(typeof (step as unknown as { took_ms: unknown }).took_ms, 'number');
  }
}

test('healthy aliases pass every step: API key model and certificate model, proxy and sniff', async () => {
  const rita = qc.client({ username: 'rita', password: 'rita-password' });
  const kp = await diagnose(rita, 'kp', '?index=index1&privilege=read');
  assert.equal(kp.model, 'api_key');
  assert.equal(kp.mode, 'proxy');
  assertAllPassed(kp);
  const tlsStep = kp.nodes[0]!.steps[2]!;
  const chain = tlsStep.details!['certificate_chain'] as { subject: string; issuer: string; subject_alt_names: string[]; not_after: string }[];
  assert.ok(chain.length >= 1);
  assert.ok(chain[0]!.subject_alt_names.some((san) => san.includes('127.0.0.1')));
  assert.equal(tlsStep.details!['trusted'], true);
  const handshake = kp.nodes[0]!.steps[3]!.details!;
  assert.equal(handshake['cluster_name'], 'fulfilling');
  assert.equal(handshake['compatible'], true);
  assert.match(String(kp.nodes[0]!.steps[4]!.details!['credential']), /^cross-cluster API key id \[.+\]$/);

  const ks = await diagnose(rita, 'ks', '?index=index1');
  assert.equal(ks.mode, 'sniff');
  assertAllPassed(ks);
  assert.deepEqual(ks.nodes.map((node) => node.source), ['seed', 'sniffed']);
  assert.equal(ks.nodes[1]!.node_name, 'fc-1');

  for (const alias of ['cs', 'cp']) {
    const report = await diagnose(rita, alias, '?index=index1&privilege=read');
    assert.equal(report.model, 'certificate');
    assertAllPassed(report);
  }
  const cs = await diagnose(rita, 'cs');
  assert.ok(cs.nodes.some((node) => node.source === 'sniffed' && node.node_name === 'fc-1'));
  // Without ?index= the authorization step is skipped, not failed.
  assert.equal(cs.nodes[0]!.steps[5]!.status, 'skipped');
});

test('the remote cluster interface CA that is not trusted: step 3 names remote_cluster_client.ssl.certificate_authorities', async () => {
  const report = await diagnose(qcAdmin, 'untrusted');
  assert.equal(report.ok, false);
  // "connected: false" comes with the live connections' last failure, and the step that explains it.
  assert.equal(report.connected, false);
  assert.match(String((report as unknown as Record<string, unknown>)['last_connect_error']), /not trusted by the configured certificate authorities/);
  assert.equal(report.first_failed!.step, 3);
  assert.equal(report.first_failed!.name, 'tls_handshake');
  assert.equal(report.first_failed!.setting, 'xpack.security.remote_cluster_client.ssl.certificate_authorities');
  const tlsStep = report.nodes[0]!.steps[2]!;
  assert.equal(tlsStep.details!['trusted'], false);
  const chain = tlsStep.details!['certificate_chain'] as { issuer: string }[];
  assert.ok(chain.length >= 1 && chain[0]!.issuer.length > 0);
  assert.deepEqual(report.nodes[0]!.steps.slice(3).map((step) => step.status), ['not_run', 'not_run', 'not_run']);
});

test('a wrong port: step 2 names the proxy_address setting', async () => {
  const report = await diagnose(qcAdmin, 'deadport');
  assert.equal(report.connected, false);
  assert.equal(report.first_failed!.step, 2);
  assert.equal(report.first_failed!.setting, 'cluster.remote.deadport.proxy_address');
  assert.match(report.first_failed!.reason, /Connection refused/);
  assert.equal(report.nodes[0]!.steps[0]!.status, 'passed');
});

test('a name that does not resolve: step 1 names the seeds setting', async () => {
  const report = await diagnose(qcAdmin, 'nohost');
  assert.equal(report.first_failed!.step, 1);
  assert.equal(report.first_failed!.setting, 'cluster.remote.nohost.seeds');
  assert.match(report.first_failed!.reason, /cannot resolve \[no-such-host\.invalid\]/);
});

test('certificate model, transport CA not trusted: step 3 names transport.ssl.certificate_authorities', async () => {
  const report = await diagnose(qcAdmin, 'cuntrusted');
  assert.equal(report.model, 'certificate');
  assert.equal(report.first_failed!.step, 3);
  assert.equal(report.first_failed!.setting, 'xpack.security.transport.ssl.certificate_authorities');
});

test('an invalidated key: step 5 names the credentials keystore setting; step 4 passed', async () => {
  const report = await diagnose(qcAdmin, 'revoked');
  assert.equal(report.first_failed!.step, 5);
  assert.equal(report.first_failed!.name, 'authentication');
  assert.equal(report.first_failed!.setting, 'cluster.remote.revoked.credentials');
  assert.equal(report.nodes[0]!.steps[3]!.status, 'passed');
});

test('the key that lacks replication: step 6 (remote side) for cross_cluster_replication', async () => {
  const rita = qc.client({ username: 'rita', password: 'rita-password' });
  const report = await diagnose(rita, 'kp', '?index=index1&privilege=cross_cluster_replication');
  assert.equal(report.first_failed!.step, 6);
  assert.equal(report.first_failed!.side, 'remote');
  assert.equal(report.first_failed!.setting, 'cluster.remote.kp.credentials');
  assert.match(report.first_failed!.reason, /cross-cluster API key \[.+\] does not grant \[cross_cluster_replication\] on \[index1\]/);
  assert.match(report.first_failed!.fix, /access\.replication/);
  // The key bounds index2 for search too.
  const index2 = await diagnose(rita, 'kp', '?index=index2');
  assert.equal(index2.first_failed!.step, 6);
});

test('remote_indices naming the wrong alias: step 6, local side, names remote_indices', async () => {
  const wanda = qc.client({ username: 'wanda', password: 'wanda-password' });
  const report = await diagnose(wanda, 'kp', '?index=index1');
  assert.equal(report.first_failed!.step, 6);
  assert.equal(report.first_failed!.side, 'local');
  assert.equal(report.first_failed!.setting, 'remote_indices');
  assert.match(report.first_failed!.reason, /no remote indices privileges apply for the target cluster/);
  // Steps 1–5 ran and passed: the connection itself is fine.
  assert.deepEqual(report.nodes[0]!.steps.slice(0, 5).map((step) => step.status), ['passed', 'passed', 'passed', 'passed', 'passed']);
});

test('certificate model: a remote role that does not grant the index is step 6, remote side', async () => {
  const rita = qc.client({ username: 'rita', password: 'rita-password' });
  const report = await diagnose(rita, 'cp', '?index=index2');
  assert.equal(report.first_failed!.step, 6);
  assert.equal(report.first_failed!.side, 'remote');
  assert.match(report.first_failed!.reason, /none of the remote cluster's roles \[reader\] of user \[rita\] grants \[read\] on \[index2\]/);
});

test('diagnose: unknown alias is 404, unknown privilege is 400', async () => {
  const missing = await failure(get(qcAdmin, '/_remote/nope/_diagnose'));
  assert.equal(missing.status, 404);
  assert.equal(missing.type, 'no_such_remote_cluster_exception');
  const badPrivilege = await failure(get(qcAdmin, '/_remote/kp/_diagnose?index=index1&privilege=frobnicate'));
  assert.equal(badPrivilege.status, 400);
});

test('access explain: API key model verdicts name the side and the rule', async () => {
  const explain = (await get(qcAdmin, '/_strait/remote/kp/_explain_access?user=rita&index=index1&privilege=read,cross_cluster_replication')) as Record<string, unknown>;
  assert.equal(explain['model'], 'api_key');
  const verdicts = explain['verdicts'] as { privilege: string; allowed: boolean; decided_by: string; rule: string }[];
  assert.deepEqual(verdicts.map((v) => [v.privilege, v.allowed, v.decided_by]), [['read', true, 'both'], ['cross_cluster_replication', false, 'remote']]);
  const remote = explain['remote'] as { api_key: { id: string; access: unknown }; grants: unknown[] };
  assert.deepEqual((remote.api_key.access as { search: { names: string[] }[] }).search.map((entry) => entry.names), [['index1']]);
  assert.ok(!JSON.stringify(explain).includes(secrets[1]!));
  // The wrong alias: the local side decides, and the entry shows the clusters it named.
  const wanda = (await get(qcAdmin, '/_strait/remote/kp/_explain_access?user=wanda&index=index1')) as Record<string, unknown>;
  const wandaVerdict = (wanda['verdicts'] as { allowed: boolean; decided_by: string; rule: string }[])[0]!;
  assert.equal(wandaVerdict.allowed, false);
  assert.equal(wandaVerdict.decided_by, 'local');
  assert.match(wandaVerdict.rule, /names a cluster matching \[kp\]/);
  const entries = (wanda['local'] as { entries: { clusters: string[]; applies: boolean }[] }).entries;
  assert.deepEqual(entries.map((entry) => [entry.clusters, entry.applies]), [[['pk'], false]]);
  // ...next to the real 403 it explains.
  const refused = await failure(qc.client({ username: 'wanda', password: 'wanda-password' }).search({ index: 'kp:index1' }));
  assert.equal(refused.status, 403);
  assert.match(refused.reason, /no remote indices privileges apply for the target cluster/);
});

test('access explain: certificate model uses the remote roles of the same names', async () => {
  const explain = (await get(qcAdmin, '/_strait/remote/cp/_explain_access?user=rita&index=index2&privilege=read')) as Record<string, unknown>;
  assert.equal(explain['model'], 'certificate');
  const verdict = (explain['verdicts'] as { allowed: boolean; decided_by: string; rule: string }[])[0]!;
  assert.equal(verdict.allowed, false);
  assert.equal(verdict.decided_by, 'remote');
  const remote = explain['remote'] as { roles: string[]; grants: { name: string }[] };
  assert.deepEqual(remote.roles, ['reader']);
  assert.deepEqual(remote.grants.map((grant) => grant.name), ['reader']);
  const ok = (await get(qcAdmin, '/_strait/remote/cp/_explain_access?user=rita&index=index1&privilege=read')) as Record<string, unknown>;
  assert.equal((ok['verdicts'] as { allowed: boolean }[])[0]!.allowed, true);
  const refused = await failure(qc.client({ username: 'rita', password: 'rita-password' }).search({ index: 'cp:index2' }));
  assert.equal(refused.status, 403);
  assert.match(refused.reason, /refused by remote cluster \[cp\]/);
});

test('access explain needs manage_security', async () => {
  const refused = await failure(get(qc.client({ username: 'rita', password: 'rita-password' }), '/_strait/remote/kp/_explain_access?user=rita&index=index1'));
  assert.equal(refused.status, 403);
  assert.equal(refused.type, 'security_exception');
});
