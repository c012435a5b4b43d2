// Pure parts of the connection doctor and access explain (issue #12 §2, §3): report building,
// the advice that names a setting, the remote's verdict, and the explain verdict rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accessVerdict, checkedIndexPrivilege } from '../../../src/remote/access-probe.js';
import { adviceForAuthorization, adviceForConnect, adviceForHandshake, adviceForTls, diagnoseReport, nodeReport, type StepOutcome } from '../../../src/remote/doctor.js';
import { explainVerdicts, localEntries } from '../../../src/remote/explain-access.js';
import type { RemoteAliasSettings } from '../../../src/remote/settings.js';
import { compilePermission, intersectPermissions, parseRoleDescriptor } from '../../../src/security/index.js';

const settings: RemoteAliasSettings = {
  alias: 'eu',
  mode: 'proxy',
  seeds: [],
  nodeConnections: 3,
  proxyAddress: 'fc.example:9443',
  proxySocketConnections: 18,
  serverName: '',
  skipUnavailable: true,
  pingScheduleMs: -1,
  compress: false,
};

test('a node report lists all six steps; those after the first failure are not_run', () => {
  const outcomes: StepOutcome[] = [
    { name: 'name_resolution', status: 'passed', tookMs: 1 },
    { name: 'tcp_connect', status: 'passed', tookMs: 2 },
    { name: 'tls_handshake', status: 'failed', tookMs: 3, reason: 'untrusted', fix: 'trust it', setting: 'xpack.security.remote_cluster_client.ssl.certificate_authorities' },
  ];
  const node = nodeReport('fc.example:9443', 'proxy_address', outcomes);
  assert.equal(node.ok, false);
  assert.deepEqual(node.steps.map((step) => [step['step'], step['name'], step['status']]), [
    [1, 'name_resolution', 'passed'],
    [2, 'tcp_connect', 'passed'],
    [3, 'tls_handshake', 'failed'],
    [4, 'transport_handshake', 'not_run'],
    [5, 'authentication', 'not_run'],
    [6, 'authorization', 'not_run'],
  ]);
  assert.deepEqual(node.first_failed, {
    address: 'fc.example:9443',
    step: 3,
    name: 'tls_handshake',
    reason: 'untrusted',
    fix: 'trust it',
    setting: 'xpack.security.remote_cluster_client.ssl.certificate_authorities',
  });
  const report = diagnoseReport('eu', settings, 'api_key', false, [node], 7);
  assert.equal(report['ok'], false);
  assert.deepEqual(report['first_failed'], node.first_failed);
  assert.equal(diagnoseReport('eu', settings, 'api_key', true, [], 1)['ok'], false, 'no node diagnosed is not healthy');
});

test('advice names the setting to change for each common mistake', () => {
  assert.equal(adviceForConnect('eu', settings, 'api_key', 'fc.example:1', 'ECONNREFUSED').setting, 'cluster.remote.eu.proxy_address');
  assert.equal(adviceForConnect('eu', { mode: 'sniff' }, 'certificate', 'fc.example:1', 'ECONNREFUSED').setting, 'cluster.remote.eu.seeds');
  assert.equal(adviceForTls('eu', 'api_key', 'SELF_SIGNED_CERT_IN_CHAIN').setting, 'xpack.security.remote_cluster_client.ssl.certificate_authorities');
  assert.equal(adviceForTls('eu', 'certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE').setting, 'xpack.security.transport.ssl.certificate_authorities');
  assert.equal(adviceForTls('eu', 'api_key', 'ERR_TLS_CERT_ALTNAME_INVALID').setting, 'xpack.security.remote_cluster_client.ssl.verification_mode');
  const revoked = adviceForHandshake('eu', 'api_key', 'handshake refused by the remote node: unable to authenticate', 401);
  assert.deepEqual([revoked.step, revoked.setting], ['authentication', 'cluster.remote.eu.credentials']);
  assert.equal(adviceForHandshake('eu', 'certificate', 'remote node version [7.10.0] is incompatible with local node version [9.0.0]', undefined).step, 'transport_handshake');
  const key = adviceForAuthorization('eu', 'api_key', { refused_by: 'cross_cluster_api_key', privilege: 'cross_cluster_replication', index: 'leader' });
  assert.deepEqual([key.side, key.setting], ['remote', 'cluster.remote.eu.credentials']);
  assert.match(key.fix, /access\.replication/);
  assert.equal(adviceForAuthorization('eu', 'api_key', { refused_by: 'remote_indices', privilege: 'read', index: 'logs' }).side, 'local');
});

const keyRole = parseRoleDescriptor('cross_cluster', { indices: [{ names: ['logs'], privileges: ['read', 'read_cross_cluster', 'view_index_metadata'] }] });
const userRole = parseRoleDescriptor('_remote_user', { indices: [{ names: ['logs', 'metrics'], privileges: ['read', 'cross_cluster_replication'] }] });

test('the remote verdict says whether the key or the sent remote_indices refused', () => {
  const keyPermission = compilePermission([keyRole]);
  const permission = intersectPermissions(keyPermission, compilePermission([userRole]));
  const caller = { username: 'rita', roles: [], apiKeyId: 'k1', permission, keyPermission };
  assert.equal(accessVerdict({ index: 'logs', privilege: 'read' }, caller).allowed, true);
  const replication = accessVerdict({ index: 'logs', privilege: 'cross_cluster_replication' }, caller);
  assert.deepEqual([replication.allowed, replication.refused_by], [false, 'cross_cluster_api_key']);
  const narrower = { ...caller, permission: intersectPermissions(keyPermission, compilePermission([parseRoleDescriptor('_remote_user', { indices: [{ names: ['other'], privileges: ['read'] }] })])) };
  assert.equal(accessVerdict({ index: 'logs', privilege: 'read' }, narrower).refused_by, 'remote_indices');
  const certificate = accessVerdict({ index: 'metrics', privilege: 'read' }, { username: 'bob', roles: ['reader'], permission: compilePermission([keyRole]) });
  assert.deepEqual([certificate.allowed, certificate.refused_by], [false, 'remote_roles']);
  assert.throws(() => checkedIndexPrivilege('frobnicate'), /unknown index privilege \[frobnicate\]/);
  assert.throws(() => accessVerdict({ privilege: 'read' }, caller), /\[index\] and \[privilege\] are required/);
});

test('explain verdicts: API key model needs both sides; certificate model lets the remote roles decide', () => {
  const local = parseRoleDescriptor('reader', { remote_indices: [{ clusters: ['eu*'], names: ['logs', 'metrics'], privileges: ['read', 'cross_cluster_replication'] }] });
  const misnamed = parseRoleDescriptor('misnamed', { remote_indices: [{ clusters: ['ue'], names: ['logs'], privileges: ['read'] }] });
  const both = explainVerdicts({ alias: 'eu', model: 'api_key', username: 'rita', localRoles: [local], remote: [keyRole], remoteName: '[k1]', index: 'logs', privileges: ['read', 'cross_cluster_replication', 'delete'] });
  assert.deepEqual(both.verdicts.map((v) => [v.privilege, v.allowed, v.decided_by]), [
    ['read', true, 'both'],
    ['cross_cluster_replication', false, 'remote'],
    ['delete', false, 'local'],
  ]);
  assert.deepEqual(both.intersection, [{ names: ['logs', 'metrics'], privileges: [], local_privileges: ['cross_cluster_replication', 'read'] }]);
  const wrongAlias = explainVerdicts({ alias: 'eu', model: 'api_key', username: 'wanda', localRoles: [misnamed], remote: [keyRole], remoteName: '[k1]', index: 'logs', privileges: ['read'] });
  assert.equal(wrongAlias.verdicts[0]!.decided_by, 'local');
  assert.match(wrongAlias.verdicts[0]!.rule, /names a cluster matching \[eu\] \(they name \[ue\]\)/);
  assert.deepEqual(localEntries('eu', [misnamed]).map((entry) => [entry.clusters, entry.applies]), [[['ue'], false]]);
  const certificate = explainVerdicts({ alias: 'eu', model: 'certificate', username: 'wanda', localRoles: [misnamed], remote: [keyRole], remoteName: 'roles [misnamed]', index: 'logs', privileges: ['read'] });
  assert.deepEqual([certificate.verdicts[0]!.allowed, certificate.verdicts[0]!.decided_by], [true, 'remote']);
});
