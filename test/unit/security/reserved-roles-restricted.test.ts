// Reserved roles viewer, editor and monitoring_user as Elasticsearch 9 defines them
// (ReservedRolesStore; built-in-roles.html), and allow_restricted_indices honoured for the names
// Elasticsearch restricts (RestrictedIndicesNamesTests; security-privileges.html).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePermission, parseRoleDescriptor, renderRoleDescriptor, reservedRoles } from '../../../src/security/index.js';
import { isRestrictedIndex, patternMayNameRestricted } from '../../../src/security/restricted-indices.js';

const search = 'indices:data/read/search';
const write = 'indices:data/write/index';

function reserved(name: string) {
  const descriptor = reservedRoles.get(name);
  assert.ok(descriptor !== undefined, name);
  return descriptor;
}

const entry = (names: string[], privileges: string[]) => ({ names, privileges, allow_restricted_indices: false });

test('viewer: data indices (not . or ilm-history-) and solution indices read-only, Kibana read', () => {
  const rendered = renderRoleDescriptor(reserved('viewer'), { transientMetadata: false });
  assert.deepEqual(rendered['cluster'], []);
  assert.deepEqual(rendered['indices'], [
    entry(['/~(([.]|ilm-history-).*)/'], ['read', 'view_index_metadata']),
    entry(['.slo-observability.*'], ['read', 'view_index_metadata']),
    entry(['.siem-signals*', '.lists-*', '.items-*'], ['read', 'view_index_metadata']),
    entry(['.alerts*', '.preview.alerts*'], ['read', 'view_index_metadata']),
    entry(['profiling-*', '.profiling-*'], ['read', 'view_index_metadata']),
  ]);
  assert.deepEqual(rendered['applications'], [{ application: 'kibana-.kibana', privileges: ['read'], resources: ['*'] }]);
  assert.equal(rendered['description'], 'Grants read-only access to all features in Kibana (including Solutions) and to data indices.');
  const permission = compilePermission([reserved('viewer')]);
  assert.equal(permission.allowsIndex(search, 'logs-2024'), true);
  assert.equal(permission.allowsIndex(search, '.alerts-security.alerts-default'), true);
  assert.equal(permission.allowsIndex(search, '.kibana_1'), false);
  assert.equal(permission.allowsIndex(search, 'ilm-history-7'), false);
  assert.equal(permission.allowsIndex(write, 'logs-2024'), false);
});

test('editor: read-only data indices, write on the solution indices, Kibana all', () => {
  const rendered = renderRoleDescriptor(reserved('editor'), { transientMetadata: false });
  assert.deepEqual(rendered['cluster'], []);
  assert.deepEqual(rendered['indices'], [
    entry(['/~(([.]|ilm-history-).*)/'], ['read', 'view_index_metadata']),
    entry(['observability-annotations'], ['read', 'view_index_metadata', 'write']),
    entry(['.slo-observability.*'], ['read', 'view_index_metadata', 'write', 'manage']),
    entry(['.siem-signals*', '.lists-*', '.items-*'], ['read', 'view_index_metadata', 'write', 'maintenance']),
    entry(['.internal.alerts*', '.alerts*', '.internal.preview.alerts*', '.preview.alerts*'], ['read', 'view_index_metadata', 'write', 'maintenance']),
    entry(['profiling-*', '.profiling-*'], ['read', 'view_index_metadata']),
  ]);
  assert.deepEqual(rendered['applications'], [{ application: 'kibana-.kibana', privileges: ['all'], resources: ['*'] }]);
  assert.equal(rendered['description'], 'Grants full access to all features in Kibana (including Solutions) and read-only access to data indices.');
  const permission = compilePermission([reserved('editor')]);
  assert.equal(permission.allowsIndex(write, 'observability-annotations'), true);
  assert.equal(permission.allowsIndex(write, '.siem-signals-default'), true);
  assert.equal(permission.allowsIndex(write, 'logs-2024'), false);
  assert.equal(permission.allowsIndex(search, 'logs-2024'), true);
});

test('monitoring_user: remote info, the monitoring indices locally and on remotes, Kibana reserved_monitoring', () => {
  const rendered = renderRoleDescriptor(reserved('monitoring_user'), { transientMetadata: false });
  assert.deepEqual(rendered['cluster'], ['cluster:monitor/main', 'cluster:monitor/xpack/info', 'cluster:monitor/remote/info']);
  const names = ['.monitoring-*', '/metrics-(beats|elasticsearch|enterprisesearch|kibana|logstash).*/', 'metricbeat-*'];
  assert.deepEqual(rendered['indices'], names.map((name) => entry([name], ['read', 'read_cross_cluster'])));
  assert.deepEqual(rendered['remote_indices'], names.map((name) => ({ clusters: ['*'], ...entry([name], ['read', 'read_cross_cluster']) })));
  assert.deepEqual(rendered['applications'], [{ application: 'kibana-*', privileges: ['reserved_monitoring'], resources: ['*'] }]);
  const permission = compilePermission([reserved('monitoring_user')]);
  assert.equal(permission.allowsCluster('cluster:monitor/remote/info'), true);
  assert.equal(permission.allowsIndex(search, 'metrics-kibana.stack_monitoring.cluster-default'), true);
  assert.equal(permission.allowsIndex(search, 'metrics-system.cpu-default'), false);
  assert.equal(permission.allowsIndex(search, 'metricbeat-8.0.0'), true);
});

test('restricted names: the security, async search and task result system indices (RestrictedIndicesNamesTests)', () => {
  for (const name of ['.security', '.security-6', '.security-7', '.security-42-extra', '.security-tokens-7', '.security-profile-8', '.async-search', '.async-search-x1', '.tasks']) {
    assert.equal(isRestrictedIndex(name), true, name);
  }
  for (const name of ['security', 'security-6', '@security-6', '.not-security-7', 'async-search-1', '.asynchronous-search-1', '.not-async-search-x', '.kibana', 'logs']) {
    assert.equal(isRestrictedIndex(name), false, name);
  }
  assert.equal(patternMayNameRestricted('*'), true);
  assert.equal(patternMayNameRestricted('.sec*'), true);
  assert.equal(patternMayNameRestricted('logs-*'), false);
  assert.equal(patternMayNameRestricted('.tasks'), true);
  assert.equal(patternMayNameRestricted('.kibana'), false);
});

test('allow_restricted_indices: a role on * without it never reaches a restricted index; with it, it does', () => {
  const plain = compilePermission([parseRoleDescriptor('plain', { indices: [{ names: ['*'], privileges: ['all'] }] })]);
  const restricted = compilePermission([parseRoleDescriptor('restricted', { indices: [{ names: ['*'], privileges: ['all'], allow_restricted_indices: true }] })]);
  const regex = compilePermission([parseRoleDescriptor('regex', { indices: [{ names: ['/.*/'], privileges: ['read'] }] })]);
  for (const name of ['.security-7', '.tasks', '.async-search']) {
    assert.equal(plain.allowsIndex(search, name), false, name);
    assert.equal(regex.allowsIndex(search, name), false, name);
    assert.equal(restricted.allowsIndex(search, name), true, name);
  }
  assert.equal(plain.allowsIndex(search, 'logs'), true);
  assert.equal(plain.allowsIndex(search, '.kibana'), true);
  // _has_privileges with allow_restricted_indices: true asks for the restricted names too.
  assert.equal(plain.hasIndexPrivilege('*', 'read', true), false);
  assert.equal(plain.hasIndexPrivilege('*', 'read', false), true);
  assert.equal(plain.hasIndexPrivilege('logs-*', 'read', true), true);
  assert.equal(restricted.hasIndexPrivilege('*', 'read', true), true);
});

// ReservedRolesStore.SUPERUSER_ROLE_DESCRIPTOR (Elasticsearch 9); built-in-roles.html#built-in-roles-superuser:
// "direct read-only access to restricted indices like .security".
test('superuser: all on every index but the restricted ones, which it only reads and monitors, locally and remotely', () => {
  const rendered = renderRoleDescriptor(reserved('superuser'), { transientMetadata: false });
  assert.deepEqual(rendered['cluster'], ['all']);
  const indices = [
    { names: ['*'], privileges: ['all'], allow_restricted_indices: false },
    { names: ['*'], privileges: ['monitor', 'read', 'view_index_metadata', 'read_cross_cluster'], allow_restricted_indices: true },
  ];
  assert.deepEqual(rendered['indices'], indices);
  assert.deepEqual(rendered['remote_indices'], indices.map((entry) => ({ clusters: ['*'], ...entry })));
  assert.deepEqual(rendered['remote_cluster'], [{ privileges: ['monitor_enrich', 'monitor_stats'], clusters: ['*'] }]);
  assert.deepEqual(rendered['run_as'], ['*']);
  assert.deepEqual(rendered['applications'], [{ application: '*', privileges: ['*'], resources: ['*'] }]);
  assert.match(rendered['description'] as string, /^Grants full access to cluster management and data indices\. This role also grants direct read-only access to restricted indices like \.security\./);
  const permission = compilePermission([reserved('superuser')]);
  assert.equal(permission.allowsCluster('cluster:admin/xpack/security/user/put'), true);
  for (const name of ['logs', '.kibana_1']) {
    assert.equal(permission.allowsIndex(search, name), true, name);
    assert.equal(permission.allowsIndex(write, name), true, name);
    assert.equal(permission.allowsIndex('indices:admin/delete', name), true, name);
  }
  for (const name of ['.security-7', '.tasks', '.async-search']) {
    assert.equal(permission.allowsIndex(search, name), true, name);
    assert.equal(permission.allowsIndex('indices:admin/mappings/get', name), true, name);
    assert.equal(permission.allowsIndex(write, name), false, name);
    assert.equal(permission.allowsIndex('indices:admin/delete', name), false, name);
  }
  // _has_privileges: `all` on `*` holds without the restricted names, not with them; `read` holds with them.
  assert.equal(permission.hasIndexPrivilege('*', 'all', false), true);
  assert.equal(permission.hasIndexPrivilege('*', 'all', true), false);
  assert.equal(permission.hasIndexPrivilege('*', 'read', true), true);
});
