// Service account tokens and names (Elasticsearch's service accounts doc: tokens are
// `namespace/service/name:secret` bearer strings; names are 1-256 of [A-Za-z0-9_-], no leading `_`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeServiceToken, encodeServiceToken, findServiceAccounts, serviceAccounts, tokenNameProblem } from '../../../src/security/service-accounts.js';
import { compilePrivileges, resolvePrivilege } from '../../../src/security/privileges.js';
import { renderRoleDescriptor } from '../../../src/security/roles.js';
import { compilePermission } from '../../../src/security/permission.js';

test('a token round-trips through its bearer form; anything else is not a service account token', () => {
  const value = encodeServiceToken('elastic/fleet-server', 'token1', 'secret-value');
  assert.ok(!value.endsWith('='));
  assert.deepEqual(decodeServiceToken(value), { principal: 'elastic/fleet-server', name: 'token1', secret: 'secret-value' });
  assert.equal(decodeServiceToken(Buffer.from('elastic/fleet-server/token1:secret').toString('base64')), undefined, 'no format bytes');
  assert.equal(decodeServiceToken(encodeServiceToken('elastic', 'x', 's')), undefined, 'principal without a service');
  assert.equal(decodeServiceToken('not base64!'), undefined);
});

test('token names follow Elasticsearch\'s rule', () => {
  for (const name of ['token1', 'a', 'my-token_2', 'x'.repeat(256)]) assert.equal(tokenNameProblem(name), undefined, name);
  for (const name of ['', '_hidden', 'has space', 'dot.ted', 'x'.repeat(257)]) assert.ok(tokenNameProblem(name) !== undefined, name);
});

test('built-in accounts: elastic namespace, found by namespace and service', () => {
  assert.ok(serviceAccounts.has('elastic/kibana') && serviceAccounts.has('elastic/fleet-server'));
  assert.deepEqual(findServiceAccounts('elastic', 'kibana').map((account) => account.principal), ['elastic/kibana']);
  assert.equal(findServiceAccounts('other').length, 0);
  assert.ok(findServiceAccounts().every((account) => account.principal.startsWith('elastic/')));
});

// The role descriptors are Elasticsearch's (ElasticServiceAccounts and kibana_system in
// KibanaOwnedReservedRoleDescriptors, main branch), rendered as GET /_security/service shows them
// ("Get service accounts API" doc: `role_descriptor` with cluster, indices, applications, run_as,
// metadata, transient_metadata).
const rendered = (principal: string): Record<string, unknown> => renderRoleDescriptor(serviceAccounts.get(principal)!.roleDescriptor);
const entry = (names: string[], privileges: string[], allow = false) => ({ names, privileges, allow_restricted_indices: allow });
const onFleet = ['read', 'write', 'monitor', 'create_index', 'auto_configure', 'maintenance'];
const connectors = ['read', 'write', 'monitor', 'create_index', 'auto_configure', 'maintenance', 'view_index_metadata'];

test('the built-in accounts are Elasticsearch 9\'s four (enterprise-search-server went with Enterprise Search)', () => {
  assert.deepEqual(findServiceAccounts().map((account) => account.principal), ['elastic/auto-ops', 'elastic/fleet-server', 'elastic/fleet-server-remote', 'elastic/kibana']);
  assert.equal(serviceAccounts.has('elastic/enterprise-search-server'), false);
});

test('elastic/fleet-server renders Elasticsearch\'s descriptor', () => {
  assert.deepEqual(rendered('elastic/fleet-server'), {
    cluster: ['monitor', 'manage_own_api_key', 'read_fleet_secrets', 'cluster:admin/xpack/connector/*'],
    indices: [
      entry(['logs-*', 'metrics-*', 'traces-*', '.logs-endpoint.diagnostic.collection-*', '.logs-endpoint.action.responses-*', '.logs-endpoint.heartbeat-*'], ['write', 'create_index', 'auto_configure']),
      entry(['profiling-*'], ['read', 'write']),
      entry(['traces-apm.sampled-*'], ['read', 'monitor', 'maintenance']),
      entry(['.fleet-secrets*'], ['read'], true),
      entry(['.fleet-actions*'], onFleet, true),
      entry(['.fleet-agents*'], onFleet, true),
      entry(['.fleet-artifacts*'], onFleet, true),
      entry(['.fleet-enrollment-api-keys*'], onFleet, true),
      entry(['.fleet-policies*'], onFleet, true),
      entry(['.fleet-policies-leader*'], onFleet, true),
      entry(['.fleet-servers*'], onFleet, true),
      entry(['.fleet-fileds*'], onFleet, true),
      entry(['synthetics-*'], ['read', 'write', 'create_index', 'auto_configure']),
      entry(['.elastic-connectors*'], connectors),
      entry(['content-*', '.search-acl-filter-*'], connectors),
      entry(['agentless-*'], connectors),
    ],
    applications: [{ application: 'kibana-*', privileges: ['reserved_fleet-setup'], resources: ['*'] }],
    run_as: [],
    metadata: {},
    transient_metadata: { enabled: true },
  });
});

test('elastic/fleet-server-remote and elastic/auto-ops render Elasticsearch\'s descriptors', () => {
  const plain = { applications: [], run_as: [], metadata: {}, transient_metadata: { enabled: true } };
  assert.deepEqual(rendered('elastic/fleet-server-remote'), {
    cluster: ['monitor', 'manage_own_api_key'],
    indices: [entry(['logs-*', 'metrics-*', 'traces-*'], ['write', 'create_index', 'auto_configure'])],
    ...plain,
  });
  assert.deepEqual(rendered('elastic/auto-ops'), {
    cluster: ['monitor', 'read_ilm', 'read_slm'],
    indices: [entry(['*'], ['monitor', 'view_index_metadata'], true)],
    ...plain,
  });
});

test('elastic/kibana renders kibana_system: its cluster privileges, indices, remote_indices and remote_cluster', () => {
  const kibana = rendered('elastic/kibana') as {
    cluster: string[];
    indices: { names: string[]; privileges: string[]; allow_restricted_indices: boolean }[];
    remote_indices: unknown[];
    remote_cluster: unknown[];
    metadata: unknown;
    description: string;
  };
  assert.deepEqual(kibana.cluster, [
    'monitor', 'manage_index_templates', 'manage_inference', 'cluster:admin/xpack/monitoring/bulk', 'manage_saml', 'manage_token', 'manage_oidc',
    'manage_enrich', 'manage_pipeline', 'manage_ilm', 'monitor_connector', 'manage_transform', 'cluster:admin/xpack/security/api_key/invalidate',
    'grant_api_key', 'manage_own_api_key', 'cluster:admin/xpack/security/privilege/builtin/get', 'delegate_pki',
    'cluster:admin/xpack/security/profile/get', 'cluster:admin/xpack/security/profile/activate', 'cluster:admin/xpack/security/profile/suggest',
    'cluster:admin/xpack/security/profile/has_privileges', 'write_fleet_secrets', 'manage_ml', 'cluster:admin/analyze', 'cluster:admin/script/put',
    'cluster:admin/script/get', 'monitor_text_structure', 'cancel_task', 'cluster:admin/streams/logs/toggle',
  ]);
  // All 83 of Elasticsearch's index entries.
  assert.equal(kibana.indices.length, 83);
  assert.deepEqual(kibana.indices[0], entry(['.kibana*', '.reindexed-v8-kibana*', '.reporting-*', '.chat-*', '.workflows-*'], ['all'], true));
  assert.deepEqual(kibana.indices.at(-1), entry(['.elastic-connectors*'], ['read']));
  assert.deepEqual(kibana.indices.find((e) => e.names.includes('.fleet-secrets*')), entry(['.fleet-secrets*'], ['write', 'delete', 'create_index'], true));
  assert.deepEqual(kibana.indices.find((e) => e.names[0] === '*'), entry(['*'], ['view_index_metadata', 'monitor']));
  const fleetPackages = kibana.indices.find((e) => e.privileges.includes('indices:admin/data_stream/lifecycle/put'))!;
  assert.deepEqual(fleetPackages.privileges, ['indices:admin/settings/update', 'indices:admin/mapping/put', 'indices:admin/rollover', 'indices:admin/data_stream/lifecycle/put', 'indices:admin/forcemerge*']);
  assert.deepEqual(fleetPackages.names, [
    'logs-*', 'synthetics-*', 'traces-*', '/metrics-.*&~(metrics-endpoint\\.metadata_current_default.*)/', '.logs-endpoint.action.responses-*',
    '.logs-endpoint.diagnostic.collection-*', '.logs-endpoint.actions-*', '.logs-endpoint.heartbeat-*', '.logs-osquery_manager.actions-*',
    '.logs-osquery_manager.action.responses-*', 'logs-osquery_manager.action.responses-*', 'logs-osquery_manager.result-*', 'profiling-*',
  ]);
  // The alerts-as-data and case analytics entries, as ReservedRolesStore's constants name them.
  const adhoc = ['create_index', 'read', 'write', 'view_index_metadata', 'maintenance', 'indices:admin/rollover', 'indices:admin/aliases', 'indices:admin/mapping/put', 'indices:admin/mapping/auto_put', 'indices:admin/settings/update'];
  const alertEntries = kibana.indices.slice(kibana.indices.findIndex((e) => e.names[0] === '.siem-signals*'), kibana.indices.findIndex((e) => e.names[0] === 'metrics-endpoint.policy-*'));
  assert.deepEqual(alertEntries, [
    entry(['.siem-signals*', '.reindexed-v8-siem-signals*'], ['all']),
    entry(['.lists-*', '.items-*', '.reindexed-v8-lists-*', '.reindexed-v8-items-*'], ['all']),
    entry(['.internal.alerts*', '.reindexed-v8-internal.alerts*'], ['all']),
    entry(['.alerts*'], ['all']),
    entry(['.internal.cases*'], ['all']),
    entry(['.cases*'], ['all']),
    entry(['.internal.adhoc.alerts*', '.adhoc.alerts*'], adhoc),
    entry(['.preview.alerts*'], ['all']),
    entry(['.internal.preview.alerts*', '.reindexed-v8-internal.preview.alerts*'], ['all']),
  ]);
  assert.deepEqual(
    kibana.remote_indices,
    ['.monitoring-*', 'apm-*', 'logs-apm.*', 'metrics-apm.*', 'traces-apm.*', 'traces-apm-*'].map((name) => ({ clusters: ['*'], names: [name], privileges: ['read', 'read_cross_cluster'], allow_restricted_indices: false })),
  );
  assert.deepEqual(kibana.remote_cluster, [{ privileges: ['monitor_stats'], clusters: ['*'] }]);
  assert.deepEqual(kibana.metadata, { _reserved: true });
  assert.match(kibana.description, /^Grants access necessary for the Kibana system user/);
});

test('every privilege the accounts name is known to the registry (none is silently ignored)', () => {
  for (const account of findServiceAccounts()) {
    const descriptor = account.roleDescriptor;
    for (const name of descriptor.cluster) assert.ok(resolvePrivilege('cluster', name) !== undefined, `${account.principal} cluster ${name}`);
    for (const e of [...descriptor.indices, ...descriptor.remoteIndices]) {
      for (const name of e.privileges) assert.ok(resolvePrivilege('index', name) !== undefined, `${account.principal} index ${name}`);
    }
  }
  // Elasticsearch's action patterns for the named privileges added for them.
  const grants = (privilege: string, action: string) => compilePrivileges('cluster', [privilege]).matches(action);
  assert.ok(grants('read_ilm', 'cluster:admin/ilm/get') && !grants('read_ilm', 'cluster:admin/ilm/put'));
  assert.ok(grants('cancel_task', 'cluster:admin/tasks/cancel') && grants('manage_ml', 'cluster:admin/xpack/ml/job/put'));
  assert.ok(grants('delegate_pki', 'cluster:admin/xpack/security/token/invalidate') && !grants('delegate_pki', 'cluster:admin/xpack/security/token/create'));
});

test('elastic/kibana\'s Fleet package entry reaches metrics-* except the Endpoint metadata_current_default indices', () => {
  // KibanaOwnedReservedRoleDescriptors: mapping updates, rollover and force merge for Fleet package
  // upgrades on `/metrics-.*&~(metrics-endpoint\.metadata_current_default.*)/`; the excluded
  // indices get their own narrower entry (create/delete index, read, index, aliases, settings).
  const kibana = compilePermission([serviceAccounts.get('elastic/kibana')!.roleDescriptor]);
  for (const action of ['indices:admin/mapping/put', 'indices:admin/rollover', 'indices:admin/forcemerge']) {
    assert.equal(kibana.allowsIndex(action, 'metrics-system.cpu-default'), true, `${action} on metrics-system.cpu-default`);
    assert.equal(kibana.allowsIndex(action, 'metrics-endpoint.metadata_current_default-x'), false, `${action} on metrics-endpoint.metadata_current_default-x`);
  }
  assert.equal(kibana.allowsIndex('indices:admin/settings/update', 'metrics-endpoint.metadata_current_default-x'), true, 'granted by its own entry');
  assert.equal(kibana.allowsIndex('indices:admin/mapping/put', 'logs-system.syslog-default'), true);
  assert.equal(kibana.allowsIndex('indices:admin/mapping/put', 'other-metrics-x'), false);
});
