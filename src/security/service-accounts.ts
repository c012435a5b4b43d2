import type { IndicesPrivileges, RemoteIndicesPrivileges, RoleDescriptor } from './roles.js';

/**
 * Elasticsearch's built-in service accounts (pure): each is `namespace/service` with one fixed
 * role descriptor, and authenticates with bearer tokens (Elasticsearch's service accounts doc).
 * Only the `elastic` namespace exists.
 *
 * The descriptors are Elasticsearch's own, entry for entry, as its main branch defines them
 * (ElasticServiceAccounts: auto-ops, fleet-server, fleet-server-remote, kibana; elastic/kibana is
 * the kibana_system role of KibanaOwnedReservedRoleDescriptors, 9.2+ main with `.workflows-*` and
 * `cluster:admin/streams/logs/toggle`). Elasticsearch 9 has no elastic/enterprise-search-server
 * (Enterprise Search was removed in 9.0), so neither does Strait. kibana_system's configurable
 * cluster privileges cannot be written in Strait's role descriptor and are left out (see
 * KIBANA_SYSTEM below).
 */
export interface ServiceAccount {
  readonly principal: string;
  readonly roleDescriptor: RoleDescriptor;
}

const indices = (names: string[], privileges: string[], allowRestrictedIndices = false): IndicesPrivileges => ({ names, privileges, allowRestrictedIndices });

/** Elasticsearch's getRemoteIndicesReadPrivileges: read of one pattern on every remote cluster. */
const remoteRead = (name: string): RemoteIndicesPrivileges => ({ clusters: ['*'], names: [name], privileges: ['read', 'read_cross_cluster'], allowRestrictedIndices: false });

const descriptor = (principal: string, body: Partial<RoleDescriptor>): RoleDescriptor => ({
  name: principal,
  cluster: [],
  indices: [],
  remoteIndices: [],
  remoteCluster: [],
  runAs: [],
  applications: [],
  metadata: {},
  ...body,
});

// Action names Elasticsearch's descriptors refer to by their Java constants.
const ROLLOVER = 'indices:admin/rollover';
const ALIASES = 'indices:admin/aliases';
const PUT_MAPPING = 'indices:admin/mapping/put';
const AUTO_PUT_MAPPING = 'indices:admin/mapping/auto_put';
const UPDATE_SETTINGS = 'indices:admin/settings/update';
const DELETE_INDEX = 'indices:admin/delete';

/** Fleet's system indices, each its own entry in both Fleet Server's and Kibana's descriptors. */
const FLEET_SYSTEM = ['.fleet-actions*', '.fleet-agents*', '.fleet-artifacts*', '.fleet-enrollment-api-keys*', '.fleet-policies*', '.fleet-policies-leader*', '.fleet-servers*', '.fleet-fileds*'];
const FLEET_SERVER_ON_FLEET = ['read', 'write', 'monitor', 'create_index', 'auto_configure', 'maintenance'];
const CONNECTORS = ['read', 'write', 'monitor', 'create_index', 'auto_configure', 'maintenance', 'view_index_metadata'];

const AUTO_OPS = descriptor('elastic/auto-ops', {
  cluster: ['monitor', 'read_ilm', 'read_slm'],
  indices: [indices(['*'], ['monitor', 'view_index_metadata'], true)],
});

const FLEET_SERVER = descriptor('elastic/fleet-server', {
  cluster: ['monitor', 'manage_own_api_key', 'read_fleet_secrets', 'cluster:admin/xpack/connector/*'],
  indices: [
    indices(['logs-*', 'metrics-*', 'traces-*', '.logs-endpoint.diagnostic.collection-*', '.logs-endpoint.action.responses-*', '.logs-endpoint.heartbeat-*'], ['write', 'create_index', 'auto_configure']),
    indices(['profiling-*'], ['read', 'write']),
    // APM's sampled traces: refreshed, their stats read for the global checkpoint, and searched.
    indices(['traces-apm.sampled-*'], ['read', 'monitor', 'maintenance']),
    // Fleet secrets: Fleet Server only reads them.
    indices(['.fleet-secrets*'], ['read'], true),
    ...FLEET_SYSTEM.map((name) => indices([name], FLEET_SERVER_ON_FLEET, true)),
    indices(['synthetics-*'], ['read', 'write', 'create_index', 'auto_configure']),
    indices(['.elastic-connectors*'], CONNECTORS),
    indices(['content-*', '.search-acl-filter-*'], CONNECTORS),
    indices(['agentless-*'], CONNECTORS),
  ],
  applications: [{ application: 'kibana-*', privileges: ['reserved_fleet-setup'], resources: ['*'] }],
});

const FLEET_SERVER_REMOTE = descriptor('elastic/fleet-server-remote', {
  cluster: ['monitor', 'manage_own_api_key'],
  indices: [indices(['logs-*', 'metrics-*', 'traces-*'], ['write', 'create_index', 'auto_configure'])],
});

/**
 * kibana_system, as elastic/kibana. Left out, because Strait has neither application privileges
 * nor user profiles to apply them to: the configurable cluster privileges (`global`) that let
 * Kibana manage the application privileges of `kibana-*` applications and write the profile data
 * of the `kibana*` namespace.
 *
 * The alert and case index names are ReservedRolesStore's constants: `.siem-signals*` and
 * `.reindexed-v8-siem-signals*` (legacy alerts), `.internal.alerts*` and
 * `.reindexed-v8-internal.alerts*` (alerts-as-data backing indices), `.alerts*` (their aliases),
 * `.internal.cases*` and `.cases*` (case analytics indices and aliases), `.internal.adhoc.alerts*`
 * and `.adhoc.alerts*` (ad hoc alerts), `.preview.alerts*`, and `.internal.preview.alerts*` with
 * `.reindexed-v8-internal.preview.alerts*` (rule preview).
 */
const KIBANA_SYSTEM = descriptor('elastic/kibana', {
  cluster: [
    'monitor',
    'manage_index_templates',
    'manage_inference',
    'cluster:admin/xpack/monitoring/bulk',
    'manage_saml',
    'manage_token',
    'manage_oidc',
    'manage_enrich',
    'manage_pipeline',
    'manage_ilm',
    'monitor_connector',
    'manage_transform',
    'cluster:admin/xpack/security/api_key/invalidate',
    'grant_api_key',
    'manage_own_api_key',
    'cluster:admin/xpack/security/privilege/builtin/get',
    'delegate_pki',
    'cluster:admin/xpack/security/profile/get',
    'cluster:admin/xpack/security/profile/activate',
    'cluster:admin/xpack/security/profile/suggest',
    'cluster:admin/xpack/security/profile/has_privileges',
    'write_fleet_secrets',
    'manage_ml',
    'cluster:admin/analyze',
    'cluster:admin/script/put',
    'cluster:admin/script/get',
    'monitor_text_structure',
    'cancel_task',
    'cluster:admin/streams/logs/toggle',
  ],
  indices: [
    indices(['.kibana*', '.reindexed-v8-kibana*', '.reporting-*', '.chat-*', '.workflows-*'], ['all'], true),
    indices(['.monitoring-*'], ['read', 'read_cross_cluster']),
    indices(['.management-beats'], ['create_index', 'read', 'write']),
    indices(['.ml-anomalies*', '.ml-stats-*'], ['read']),
    indices(['.ml-annotations*', '.ml-notifications*'], ['read', 'write']),
    indices(['.reindexed-v8-ml-annotations*', '.reindexed-v8-ml-notifications*'], ['read', 'write']),
    indices(['.apm-agent-configuration'], ['all'], true),
    indices(['.apm-custom-link'], ['all'], true),
    indices(['.apm-source-map'], ['all'], true),
    ...['apm-*', 'logs-apm.*', 'metrics-apm.*', 'traces-apm.*', 'traces-apm-*'].map((name) => indices([name], ['read', 'read_cross_cluster'])),
    indices(['metrics-logstash.*'], ['read']),
    indices(['*'], ['view_index_metadata', 'monitor']),
    indices(['.logs-endpoint.diagnostic.collection-*'], ['read', 'create_index']),
    indices(['.fleet-secrets*'], ['write', 'delete', 'create_index'], true),
    indices(['.integration_knowledge*'], ['read', 'write', 'create_index'], true),
    ...[...FLEET_SYSTEM, '.fleet-file-data-*', '.fleet-files-*', '.fleet-filedelivery-data-*', '.fleet-filedelivery-meta-*'].map((name) => indices([name], ['all'], true)),
    indices(['logs-elastic_agent.status_change-*'], ['all']),
    indices(['logs-elastic_agent*'], ['read']),
    indices(['metrics-fleet_server*'], ['all']),
    indices(['logs-fleet_server*'], ['read', 'delete_index']),
    indices(['fleet-synced-integrations', 'fleet-synced-integrations-ccr*'], ['create_index', 'manage', 'read', 'write']),
    indices(['.siem-signals*', '.reindexed-v8-siem-signals*'], ['all']),
    indices(['.lists-*', '.items-*', '.reindexed-v8-lists-*', '.reindexed-v8-items-*'], ['all']),
    indices(['.internal.alerts*', '.reindexed-v8-internal.alerts*'], ['all']),
    indices(['.alerts*'], ['all']),
    indices(['.internal.cases*'], ['all']),
    indices(['.cases*'], ['all']),
    indices(['.internal.adhoc.alerts*', '.adhoc.alerts*'], ['create_index', 'read', 'write', 'view_index_metadata', 'maintenance', ROLLOVER, ALIASES, PUT_MAPPING, AUTO_PUT_MAPPING, UPDATE_SETTINGS]),
    indices(['.preview.alerts*'], ['all']),
    indices(['.internal.preview.alerts*', '.reindexed-v8-internal.preview.alerts*'], ['all']),
    indices(['metrics-endpoint.policy-*'], ['read']),
    indices(['metrics-endpoint.metrics-*'], ['read']),
    indices(['logs-endpoint.events.*'], ['read']),
    // Fleet package install and upgrade. The Lucene regexp names every `metrics-*` index except
    // the Endpoint transform's destinations (`metrics-endpoint.metadata_current_default*`, which
    // have their own entry below): `&` intersects, `~` complements (see patterns.ts).
    indices(
      [
        'logs-*',
        'synthetics-*',
        'traces-*',
        '/metrics-.*&~(metrics-endpoint\\.metadata_current_default.*)/',
        '.logs-endpoint.action.responses-*',
        '.logs-endpoint.diagnostic.collection-*',
        '.logs-endpoint.actions-*',
        '.logs-endpoint.heartbeat-*',
        '.logs-osquery_manager.actions-*',
        '.logs-osquery_manager.action.responses-*',
        'logs-osquery_manager.action.responses-*',
        'logs-osquery_manager.result-*',
        'profiling-*',
      ],
      [UPDATE_SETTINGS, PUT_MAPPING, ROLLOVER, 'indices:admin/data_stream/lifecycle/put', 'indices:admin/forcemerge*'],
    ),
    indices(['logs.*'], ['read', 'manage']),
    indices(['.endpoint-script-file-meta-*', '.endpoint-script-file-data-*'], ['auto_configure', 'read', 'write', 'delete', 'create_index', 'manage']),
    indices(['.logs-endpoint.action.responses-*'], ['auto_configure', 'read', 'write', 'create_index']),
    indices(['.logs-endpoint.actions-*'], ['auto_configure', 'read', 'write', 'create_index']),
    indices(['.logs-osquery_manager.action.responses-*'], ['auto_configure', 'create_index', 'read', 'index', 'delete']),
    indices(['logs-osquery_manager.action.responses-*'], ['read', 'view_index_metadata']),
    indices(['.logs-osquery_manager.actions-*'], ['auto_configure', 'create_index', 'read', 'index', 'write', 'delete']),
    indices(['logs-osquery_manager.result-*'], ['read', 'view_index_metadata']),
    indices(['logs-sentinel_one.*', 'logs-crowdstrike.*', 'logs-microsoft_defender_endpoint.*', 'logs-m365_defender.*'], ['read']),
    indices(
      [
        '.logs-endpoint.diagnostic.collection-*',
        'logs-apm-*',
        'logs-apm.*-*',
        'logs-cloud_security_posture.findings-*',
        'logs-cloud_security_posture.vulnerabilities-*',
        'metrics-apm-*',
        'metrics-apm.*-*',
        'traces-apm-*',
        'traces-apm.*-*',
        'synthetics-http-*',
        'synthetics-icmp-*',
        'synthetics-tcp-*',
        'synthetics-browser-*',
        'synthetics-browser.network-*',
        'synthetics-browser.screenshot-*',
      ],
      [DELETE_INDEX],
    ),
    indices(['metrics-endpoint.metadata*'], ['read', 'view_index_metadata']),
    indices(
      ['metrics-endpoint.metadata_current_default*', '.metrics-endpoint.metadata_current_default*', '.metrics-endpoint.metadata_united_default*'],
      ['create_index', 'delete_index', 'read', 'index', ALIASES, UPDATE_SETTINGS],
    ),
    indices(['logs-ti_*_latest.*'], ['create_index', 'delete_index', 'read', 'index', 'delete', 'manage', ALIASES, UPDATE_SETTINGS]),
    indices(['logs-ti_*.*-*'], [DELETE_INDEX, 'read', 'view_index_metadata']),
    indices(['kibana_sample_data_*'], ['create_index', 'delete_index', 'read', 'index', 'view_index_metadata', ALIASES, UPDATE_SETTINGS]),
    indices(['logs-cloud_security_posture.findings-*', 'logs-cloud_security_posture.vulnerabilities-*'], ['read', 'view_index_metadata']),
    indices(
      ['logs-cloud_security_posture.findings_latest-default*', 'logs-cloud_security_posture.vulnerabilities_latest-default*'],
      ['create_index', 'read', 'index', 'delete', DELETE_INDEX, 'manage', ALIASES, UPDATE_SETTINGS],
    ),
    indices(['logs-cloud_security_posture.scores-default*'], ['create_index', 'read', 'index', 'delete', DELETE_INDEX, ALIASES, UPDATE_SETTINGS, AUTO_PUT_MAPPING]),
    indices(
      [
        'logs-wiz.vulnerability-*',
        'logs-wiz.cloud_configuration_finding-*',
        'logs-wiz.cloud_configuration_finding_full_posture-*',
        'logs-google_scc.finding-*',
        'logs-aws.securityhub_findings-*',
        'logs-aws.securityhub_findings_full_posture-*',
        'logs-aws_securityhub.finding-*',
        'logs-aws.inspector-*',
        'logs-aws.config-*',
        'logs-amazon_security_lake.findings-*',
        'logs-qualys_vmdr.asset_host_detection-*',
        'logs-tenable_sc.vulnerability-*',
        'logs-tenable_io.vulnerability-*',
        'logs-rapid7_insightvm.vulnerability-*',
        'logs-rapid7_insightvm.asset_vulnerability-*',
        'logs-carbon_black_cloud.asset_vulnerability_summary-*',
      ],
      ['read', 'view_index_metadata'],
    ),
    indices(
      [
        'logs-m365_defender.vulnerability-*',
        'logs-microsoft_defender_endpoint.vulnerability-*',
        'logs-microsoft_defender_cloud.assessment-*',
        'logs-prisma_cloud.misconfiguration-*',
        'logs-prisma_cloud.vulnerability-*',
        'logs-sentinel_one.application_risk-*',
      ],
      ['read', 'view_index_metadata', DELETE_INDEX],
    ),
    indices(
      [
        'logs-extrahop.investigation-*',
        'logs-qualys_gav.asset-*',
        'logs-sentinel_one.application-*',
        'logs-sentinel_one.threat_event-*',
        'logs-sentinel_one.unified_alert-*',
        'logs-island_browser.user-*',
        'logs-island_browser.device-*',
        'logs-cyera.classification-*',
        'logs-cyera.issue-*',
        'logs-cyera.datastore-*',
        'logs-ironscales.incident-*',
        'logs-axonius.adapter-*',
        'logs-axonius.alert_and_incident-*',
        'logs-axonius.application-*',
        'logs-axonius.compute-*',
        'logs-axonius.exposure-*',
        'logs-axonius.gateway-*',
        'logs-axonius.identity-*',
        'logs-axonius.network-*',
        'logs-axonius.storage-*',
        'logs-axonius.ticket-*',
        'logs-axonius.user-*',
        'logs-jupiter_one.risks_and_alerts-*',
      ],
      ['manage', 'create_index', 'read', 'index', 'write', 'delete', DELETE_INDEX, ALIASES, AUTO_PUT_MAPPING],
    ),
    indices(['security_solution-*.vulnerability_latest', 'security_solution-*.misconfiguration_latest'], ['manage', 'read', ALIASES, UPDATE_SETTINGS]),
    indices(['security_solution-*.vulnerability_latest-*', 'security_solution-*.misconfiguration_latest-*'], ['create_index', 'index', 'manage', 'read', 'delete', ALIASES, UPDATE_SETTINGS]),
    indices(['risk-score.risk-*'], ['all']),
    indices(['.entity_analytics.*'], ['all']),
    indices(['.asset-criticality.asset-criticality-*'], ['create_index', 'manage', 'read', 'write']),
    indices(['.entities.*'], ['read', 'write']),
    indices(['.entities.*history*'], ['create_index', 'manage', 'read', 'write']),
    indices(['.entities.*reset*'], ['create_index', 'manage', 'read', 'write']),
    indices(['logs-cloud_defend.*', 'metrics-cloud_defend.*'], ['read', 'view_index_metadata']),
    indices(['.slo-observability.*'], ['all']),
    indices(['.logs-endpoint.heartbeat-*'], ['read', 'create_index']),
    indices(['.edr-workflow-insights-*'], ['create_index', 'auto_configure', 'manage', 'read', 'write', 'delete', UPDATE_SETTINGS, PUT_MAPPING, ROLLOVER]),
    indices(['.elastic-connectors*'], ['read']),
  ],
  // Monitoring and APM data of every remote cluster (cross-cluster search under the API key model),
  // and monitor_stats there.
  remoteIndices: ['.monitoring-*', 'apm-*', 'logs-apm.*', 'metrics-apm.*', 'traces-apm.*', 'traces-apm-*'].map(remoteRead),
  remoteCluster: [{ privileges: ['monitor_stats'], clusters: ['*'] }],
  metadata: { _reserved: true },
  description:
    'Grants access necessary for the Kibana system user to read from and write to the Kibana indices, manage index templates and tokens, and check the availability of the Elasticsearch cluster. It also permits activating, searching, and retrieving user profiles, as well as updating user profile data for the kibana-* namespace. Additionally, this role grants read access to the .monitoring-* indices and read and write access to the .reporting-* indices. Note: This role should not be assigned to users as the granted permissions may change between releases.',
});

const accounts: readonly ServiceAccount[] = [AUTO_OPS, FLEET_SERVER, FLEET_SERVER_REMOTE, KIBANA_SYSTEM].map((roleDescriptor) => ({ principal: roleDescriptor.name, roleDescriptor }));

export const serviceAccounts: ReadonlyMap<string, ServiceAccount> = new Map(accounts.map((account) => [account.principal, account]));

/** The accounts under `namespace` (and `service`), in principal order, as GET service accounts lists them. */
export function findServiceAccounts(namespace?: string, service?: string): ServiceAccount[] {
  return accounts.filter((account) => {
    const [ns, name] = account.principal.split('/');
    return (namespace === undefined || ns === namespace) && (service === undefined || name === service);
  });
}

/** A token name: 1-256 of [A-Za-z0-9_-], not starting with `_` (Elasticsearch's rule). */
export function tokenNameProblem(name: string): string | undefined {
  if (/^[A-Za-z0-9-][A-Za-z0-9_-]{0,255}$/.test(name)) return undefined;
  return `invalid service token name [${name}]. service account token name must have at least 1 character and at most 256 characters that are alphanumeric (A-Z, a-z, 0-9) or hyphen (-) or underscore (_). It must not begin with an underscore (_).`;
}

/** The bytes a bearer token starts with (format version), as Elasticsearch's token strings do. */
const TOKEN_MAGIC = Buffer.from([0, 1, 0, 1]);

/** `principal/name:secret` behind the magic bytes, base64 without padding. */
export function encodeServiceToken(principal: string, name: string, secret: string): string {
  return Buffer.concat([TOKEN_MAGIC, Buffer.from(`${principal}/${name}:${secret}`, 'utf8')]).toString('base64').replace(/=+$/, '');
}

export interface ParsedServiceToken {
  readonly principal: string;
  readonly name: string;
  readonly secret: string;
}

/** The parts of a bearer token; undefined when it is not a service account token. */
export function decodeServiceToken(bearer: string): ParsedServiceToken | undefined {
  if (bearer.length > 8192 || !/^[A-Za-z0-9+/]+=*$/.test(bearer)) return undefined;
  const bytes = Buffer.from(bearer, 'base64');
  if (bytes.length <= TOKEN_MAGIC.length || !bytes.subarray(0, TOKEN_MAGIC.length).equals(TOKEN_MAGIC)) return undefined;
  const text = bytes.subarray(TOKEN_MAGIC.length).toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  const qualified = text.slice(0, colon).split('/');
  if (qualified.length !== 3 || qualified.some((part) => part === '')) return undefined;
  return { principal: `${qualified[0]}/${qualified[1]}`, name: qualified[2]!, secret: text.slice(colon + 1) };
}
