import type { IndicesPrivileges, RoleDescriptor } from './roles.js';

/**
 * Elasticsearch's built-in service accounts (pure): each is `namespace/service` with one fixed
 * role descriptor, and authenticates with bearer tokens (Elasticsearch's service accounts doc).
 * Only the `elastic` namespace exists. The descriptors keep the privileges Strait implements.
 */
export interface ServiceAccount {
  readonly principal: string;
  readonly roleDescriptor: RoleDescriptor;
}

const indices = (names: string[], privileges: string[], allowRestrictedIndices = false): IndicesPrivileges => ({ names, privileges, allowRestrictedIndices });

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

/** Where agents and integrations write their data (Fleet's data stream naming). */
const FLEET_DATA = ['logs-*', 'metrics-*', 'traces-*', 'synthetics-*', 'profiling-*', '.logs-endpoint.*', '.logs-endpoint.diagnostic.collection-*'];

const accounts: readonly ServiceAccount[] = [
  {
    principal: 'elastic/auto-ops',
    roleDescriptor: descriptor('elastic/auto-ops', {
      cluster: ['monitor'],
      indices: [indices(['*'], ['monitor', 'view_index_metadata'], true)],
    }),
  },
  {
    principal: 'elastic/enterprise-search-server',
    roleDescriptor: descriptor('elastic/enterprise-search-server', {
      cluster: ['manage', 'manage_security'],
      indices: [
        indices(['.ent-search-*', '.monitoring-ent-search-*', 'metricbeat-ent-search-*', 'enterprise-search-*', 'logs-app_search.analytics-default', 'logs-elastic_analytics.events-*', 'logs-enterprise_search.api-default', 'logs-enterprise_search.audit-default', 'logs-app_search.search_relevance_suggestions-default', 'logs-crawler-default', 'logs-elastic_crawler-default', 'logs-workplace_search.analytics-default', 'logs-workplace_search.content_events-default', '.elastic-connectors*'], ['manage', 'read', 'write']),
      ],
    }),
  },
  {
    principal: 'elastic/fleet-server',
    roleDescriptor: descriptor('elastic/fleet-server', {
      cluster: ['monitor', 'manage_own_api_key', 'cluster:admin/xpack/security/privilege/get'],
      indices: [
        indices(FLEET_DATA, ['write', 'create_index', 'auto_configure']),
        indices(['.fleet-secrets*'], ['read'], true),
        indices(['.fleet-*'], ['read', 'write', 'monitor', 'create_index', 'auto_configure', 'maintenance'], true),
        indices(['traces-apm.sampled-*'], ['read', 'monitor', 'maintenance']),
      ],
    }),
  },
  {
    principal: 'elastic/fleet-server-remote',
    roleDescriptor: descriptor('elastic/fleet-server-remote', {
      cluster: ['monitor', 'manage_own_api_key'],
      indices: [indices(FLEET_DATA, ['write', 'create_index', 'auto_configure'])],
    }),
  },
  {
    // Kibana's own account: the privileges of the kibana_system user (its indices and monitoring).
    principal: 'elastic/kibana',
    roleDescriptor: descriptor('elastic/kibana', {
      cluster: ['monitor', 'manage_index_templates', 'cluster:admin/xpack/monitoring/bulk', 'manage_own_api_key', 'manage_ilm', 'manage_pipeline', 'manage_service_account', 'cluster:admin/xpack/security/privilege/get'],
      indices: [
        indices(['.kibana*', '.reporting-*'], ['all'], true),
        indices(['.monitoring-*'], ['read', 'read_cross_cluster']),
        indices(['.management-beats'], ['create_index', 'read', 'write']),
        indices(['.fleet-*'], ['all'], true),
        indices(FLEET_DATA, ['read', 'view_index_metadata', 'delete_index']),
      ],
      // As kibana_system's: monitoring and APM data of every remote cluster (cross-cluster search under the API key model).
      remoteIndices: ['.monitoring-*', 'apm-*', 'logs-apm.*', 'metrics-apm.*', 'traces-apm.*', 'traces-apm-*'].map((name) => ({
        clusters: ['*'],
        names: [name],
        privileges: ['read', 'read_cross_cluster'],
        allowRestrictedIndices: false,
      })),
    }),
  },
];

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
