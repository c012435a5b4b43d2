import { errors } from '../common/index.js';
import { parseFieldSecurity, parseRoleQuery, renderDocumentFieldSecurity, validateRoleQueries, type FieldSecurity } from './document-field-access.js';
import { patternError } from './patterns.js';
import { remoteClusterPrivileges, resolvePrivilege, clusterPrivileges, indexPrivileges } from './privileges.js';

/** A role descriptor as the role API, API keys and `_has_privileges` write it. */
export interface IndicesPrivileges {
  readonly names: readonly string[];
  readonly privileges: readonly string[];
  readonly allowRestrictedIndices: boolean;
  /** Document level security: the role query as written (object, JSON string or template). */
  readonly query?: unknown;
  /** Field level security. */
  readonly fieldSecurity?: FieldSecurity;
}

export interface RemoteIndicesPrivileges extends IndicesPrivileges {
  readonly clusters: readonly string[];
}

export interface RemoteClusterPermission {
  readonly clusters: readonly string[];
  readonly privileges: readonly string[];
}

export interface RoleDescriptor {
  readonly name: string;
  readonly cluster: readonly string[];
  readonly indices: readonly IndicesPrivileges[];
  readonly remoteIndices: readonly RemoteIndicesPrivileges[];
  readonly remoteCluster: readonly RemoteClusterPermission[];
  readonly runAs: readonly string[];
  readonly applications: readonly Record<string, unknown>[];
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly description?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function fail(role: string, reason: string): never {
  throw errors.parse(`failed to parse role [${role}]. ${reason}`);
}

function stringList(role: string, field: string, value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    fail(role, `expected field [${field}] value to be a string or an array of strings, but found [${JSON.stringify(value)}] instead`);
  }
  return value as string[];
}

function parseIndicesEntry(role: string, entry: unknown, remote: boolean): RemoteIndicesPrivileges {
  const what = remote ? 'remote indices' : 'indices';
  if (!isRecord(entry)) fail(role, `expected an object for [${what}] entries`);
  let names: string[] | undefined;
  let privileges: string[] | undefined;
  let clusters: string[] | undefined;
  let allowRestrictedIndices = false;
  let query: unknown;
  let fieldSecurity: FieldSecurity | undefined;
  for (const [key, value] of Object.entries(entry)) {
    switch (key) {
      case 'names':
        names = stringList(role, key, value);
        break;
      case 'privileges':
        privileges = stringList(role, key, value);
        break;
      case 'clusters':
        if (!remote) throw errors.parse(`failed to parse indices privileges for role [${role}]. unexpected field [${key}]`);
        clusters = stringList(role, key, value);
        break;
      case 'allow_restricted_indices':
        if (typeof value !== 'boolean') fail(role, `expected field [${key}] value to be a boolean`);
        allowRestrictedIndices = value;
        break;
      case 'field_security':
        if (value !== null) fieldSecurity = parseFieldSecurity(role, value);
        break;
      case 'query':
        if (value !== null) query = parseRoleQuery(role, value);
        break;
      default:
        throw errors.parse(`failed to parse ${what} privileges for role [${role}]. unexpected field [${key}]`);
    }
  }
  if (names === undefined) throw errors.parse(`failed to parse ${what} privileges for role [${role}]. missing required [names] field`);
  if (privileges === undefined) throw errors.parse(`failed to parse ${what} privileges for role [${role}]. missing required [privileges] field`);
  if (remote && clusters === undefined) throw errors.parse(`failed to parse remote indices privileges for role [${role}]. missing required [clusters] field`);
  if (names.length === 0) throw errors.parse(`failed to parse ${what} privileges for role [${role}]. [names] must not be empty`);
  // Elasticsearch's RoleDescriptorRequestValidator: one validation error per unusable `/regex/` name.
  const invalidRegexes = names.filter((name) => patternError(name) !== undefined);
  if (invalidRegexes.length > 0) throw errors.actionRequestValidation(invalidRegexes.map((name) => `invalid regular expression pattern [${name}]`));
  return {
    names,
    privileges,
    allowRestrictedIndices,
    clusters: clusters ?? [],
    ...(query !== undefined ? { query } : {}),
    ...(fieldSecurity !== undefined ? { fieldSecurity } : {}),
  };
}

function parseRemoteCluster(role: string, entry: unknown): RemoteClusterPermission {
  if (!isRecord(entry)) fail(role, 'expected an object for [remote_cluster] entries');
  let clusters: string[] | undefined;
  let privileges: string[] | undefined;
  for (const [key, value] of Object.entries(entry)) {
    if (key === 'clusters') clusters = stringList(role, key, value);
    else if (key === 'privileges') privileges = stringList(role, key, value);
    else throw errors.parse(`failed to parse remote_cluster for role [${role}]. unexpected field [${key}]`);
  }
  if (clusters === undefined) throw errors.parse(`failed to parse remote_cluster for role [${role}]. missing required [clusters] field`);
  if (privileges === undefined) throw errors.parse(`failed to parse remote_cluster for role [${role}]. missing required [privileges] field`);
  return { clusters, privileges };
}

/** Parses and validates a role descriptor body (unknown fields, types and privilege names). */
export function parseRoleDescriptor(name: string, body: unknown, options: { allowRemote?: boolean } = {}): RoleDescriptor {
  if (!isRecord(body)) throw errors.parse(`failed to parse role [${name}]. expected an object but found [${JSON.stringify(body)}]`);
  let cluster: string[] = [];
  let indices: IndicesPrivileges[] = [];
  let remoteIndices: RemoteIndicesPrivileges[] = [];
  let remoteCluster: RemoteClusterPermission[] = [];
  let runAs: string[] = [];
  let applications: Record<string, unknown>[] = [];
  let metadata: Record<string, unknown> = {};
  let description: string | undefined;
  for (const [key, value] of Object.entries(body)) {
    switch (key) {
      case 'cluster':
        cluster = stringList(name, key, value);
        break;
      case 'indices':
      case 'index':
        if (!Array.isArray(value)) fail(name, `expected field [${key}] to be an array`);
        indices = value.map((entry) => {
          const { clusters: _clusters, ...rest } = parseIndicesEntry(name, entry, false);
          return rest;
        });
        break;
      case 'remote_indices':
        if (!Array.isArray(value)) fail(name, `expected field [${key}] to be an array`);
        remoteIndices = value.map((entry) => parseIndicesEntry(name, entry, true));
        break;
      case 'remote_cluster':
        if (!Array.isArray(value)) fail(name, `expected field [${key}] to be an array`);
        remoteCluster = value.map((entry) => parseRemoteCluster(name, entry));
        break;
      case 'run_as':
        runAs = stringList(name, key, value);
        break;
      case 'applications':
        if (!Array.isArray(value) || !value.every(isRecord)) fail(name, `expected field [${key}] to be an array of objects`);
        applications = value as Record<string, unknown>[];
        break;
      case 'metadata':
        if (!isRecord(value)) fail(name, `expected field [${key}] to be an object`);
        for (const metaKey of Object.keys(value)) {
          if (metaKey.startsWith('_')) throw errors.actionRequestValidation([`role metadata keys may not start with [_]`]);
        }
        metadata = value;
        break;
      case 'transient_metadata':
        break; // read-only; ignored on input as Elasticsearch does
      case 'description':
        if (typeof value !== 'string') fail(name, `expected field [${key}] to be a string`);
        description = value;
        break;
      default:
        fail(name, `unexpected field [${key}]`);
    }
  }
  if ((remoteIndices.length > 0 || remoteCluster.length > 0) && options.allowRemote === false) {
    throw errors.illegalArgument(`remote indices and remote cluster privileges are not allowed in this context (role [${name}])`);
  }
  const descriptor: RoleDescriptor = {
    name,
    cluster,
    indices,
    remoteIndices,
    remoteCluster,
    runAs,
    applications,
    metadata,
    ...(description !== undefined ? { description } : {}),
  };
  validatePrivilegeNames(descriptor);
  validateRoleQueries(descriptor.indices);
  validateRoleQueries(descriptor.remoteIndices);
  return descriptor;
}

function validatePrivilegeNames(role: RoleDescriptor): void {
  for (const privilege of role.cluster) {
    if (resolvePrivilege('cluster', privilege) === undefined) {
      throw errors.illegalArgument(
        `unknown cluster privilege [${privilege}]. a privilege must be either one of the predefined cluster privilege names [${Object.keys(clusterPrivileges).join(',')}] or a pattern over one of the available cluster actions`,
      );
    }
  }
  for (const entry of [...role.indices, ...role.remoteIndices]) {
    for (const privilege of entry.privileges) {
      if (resolvePrivilege('index', privilege) === undefined) {
        throw errors.illegalArgument(
          `unknown index privilege [${privilege}]. a privilege must be either one of the predefined fixed indices privileges [${Object.keys(indexPrivileges).join(',')}] or a pattern over one of the available index actions`,
        );
      }
    }
  }
  for (const entry of role.remoteCluster) {
    for (const privilege of entry.privileges) {
      if (!remoteClusterPrivileges.includes(privilege)) {
        throw errors.illegalArgument(
          `Invalid remote_cluster permissions found. Please remove the following: [${privilege}] Only [${remoteClusterPrivileges.join(', ')}] are allowed`,
        );
      }
    }
  }
}

/** The descriptor as Elasticsearch renders it (GET role, API key role_descriptors). */
export function renderRoleDescriptor(role: RoleDescriptor, extra: { transientMetadata?: boolean } = {}): Record<string, unknown> {
  const indicesEntry = (entry: IndicesPrivileges | RemoteIndicesPrivileges): Record<string, unknown> => ({
    ...('clusters' in entry ? { clusters: entry.clusters } : {}),
    names: entry.names,
    privileges: entry.privileges,
    ...renderDocumentFieldSecurity(entry),
    allow_restricted_indices: entry.allowRestrictedIndices,
  });
  return {
    cluster: role.cluster,
    indices: role.indices.map(indicesEntry),
    applications: role.applications,
    run_as: role.runAs,
    metadata: role.metadata,
    ...(extra.transientMetadata !== false ? { transient_metadata: { enabled: true } } : {}),
    ...(role.remoteIndices.length > 0 ? { remote_indices: role.remoteIndices.map(indicesEntry) } : {}),
    ...(role.remoteCluster.length > 0 ? { remote_cluster: role.remoteCluster.map((e) => ({ privileges: e.privileges, clusters: e.clusters })) } : {}),
    ...(role.description !== undefined ? { description: role.description } : {}),
  };
}

const role = (name: string, body: Omit<Partial<RoleDescriptor>, 'name'>): RoleDescriptor => ({
  name,
  cluster: [],
  indices: [],
  remoteIndices: [],
  remoteCluster: [],
  runAs: [],
  applications: [],
  ...body,
  metadata: { _reserved: true, ...(body.metadata ?? {}) },
});
const allIndices = (privileges: string[], restricted = false): IndicesPrivileges => ({ names: ['*'], privileges, allowRestrictedIndices: restricted });
const entries = (names: string[], privileges: string[]): IndicesPrivileges => ({ names, privileges, allowRestrictedIndices: false });
/** superuser's index entries: everything but the restricted indices, and only reading those. */
const superuserIndices: readonly IndicesPrivileges[] = [
  allIndices(['all']),
  allIndices(['monitor', 'read', 'view_index_metadata', 'read_cross_cluster'], true),
];
/** The indices monitoring_user reads, locally and on every remote cluster. */
const monitoringIndices = ['.monitoring-*', '/metrics-(beats|elasticsearch|enterprisesearch|kibana|logstash).*/', 'metricbeat-*'];

/** Built-in (reserved) roles: cannot be changed or deleted; listed by GET role with `_reserved`. */
export const reservedRoles: ReadonlyMap<string, RoleDescriptor> = new Map(
  [
    // Elasticsearch 9's superuser: `all` on every index but the restricted (system) ones, which it
    // may only read and monitor, locally and on every remote cluster (ReservedRolesStore).
    role('superuser', {
      cluster: ['all'],
      indices: superuserIndices,
      remoteIndices: superuserIndices.map((entry) => ({ ...entry, clusters: ['*'] })),
      remoteCluster: [{ privileges: ['monitor_enrich', 'monitor_stats'], clusters: ['*'] }],
      runAs: ['*'],
      applications: [{ application: '*', privileges: ['*'], resources: ['*'] }],
      description:
        'Grants full access to cluster management and data indices. ' +
        'This role also grants direct read-only access to restricted indices like .security. ' +
        'A user with this role can impersonate any other user in the system, ' +
        'manage security and create roles with unlimited privileges. ' +
        'Take extra care when assigning it to a user.',
    }),
    // viewer, editor and monitoring_user as Elasticsearch 9's ReservedRolesStore defines them: data
    // indices are the names not starting with `.` or `ilm-history-`, plus the named solution indices.
    role('viewer', {
      indices: [
        entries(['/~(([.]|ilm-history-).*)/'], ['read', 'view_index_metadata']),
        entries(['.slo-observability.*'], ['read', 'view_index_metadata']),
        entries(['.siem-signals*', '.lists-*', '.items-*'], ['read', 'view_index_metadata']),
        entries(['.alerts*', '.preview.alerts*'], ['read', 'view_index_metadata']),
        entries(['profiling-*', '.profiling-*'], ['read', 'view_index_metadata']),
      ],
      applications: [{ application: 'kibana-.kibana', privileges: ['read'], resources: ['*'] }],
      description: 'Grants read-only access to all features in Kibana (including Solutions) and to data indices.',
    }),
    role('editor', {
      indices: [
        entries(['/~(([.]|ilm-history-).*)/'], ['read', 'view_index_metadata']),
        entries(['observability-annotations'], ['read', 'view_index_metadata', 'write']),
        entries(['.slo-observability.*'], ['read', 'view_index_metadata', 'write', 'manage']),
        entries(['.siem-signals*', '.lists-*', '.items-*'], ['read', 'view_index_metadata', 'write', 'maintenance']),
        entries(['.internal.alerts*', '.alerts*', '.internal.preview.alerts*', '.preview.alerts*'], ['read', 'view_index_metadata', 'write', 'maintenance']),
        entries(['profiling-*', '.profiling-*'], ['read', 'view_index_metadata']),
      ],
      applications: [{ application: 'kibana-.kibana', privileges: ['all'], resources: ['*'] }],
      description: 'Grants full access to all features in Kibana (including Solutions) and read-only access to data indices.',
    }),
    role('monitoring_user', {
      cluster: ['cluster:monitor/main', 'cluster:monitor/xpack/info', 'cluster:monitor/remote/info'],
      indices: monitoringIndices.map((name) => entries([name], ['read', 'read_cross_cluster'])),
      remoteIndices: monitoringIndices.map((name) => ({ ...entries([name], ['read', 'read_cross_cluster']), clusters: ['*'] })),
      applications: [{ application: 'kibana-*', privileges: ['reserved_monitoring'], resources: ['*'] }],
      description:
        'Grants the minimum privileges required for any user of X-Pack monitoring other than those required to use Kibana. ' +
        'This role grants access to the monitoring indices and grants privileges necessary for reading basic cluster information. ' +
        'This role also includes all Kibana privileges for the Elastic Stack monitoring features. ' +
        'Monitoring users should also be assigned the kibana_admin role, or another role with access to the Kibana instance.',
    }),
    role('remote_monitoring_agent', {
      cluster: ['manage_index_templates', 'manage_ingest_pipelines', 'monitor'],
      indices: [{ names: ['metricbeat-*', '.monitoring-*'], privileges: ['all'], allowRestrictedIndices: false }],
    }),
    role('remote_monitoring_collector', { cluster: ['monitor'], indices: [allIndices(['monitor'], true)] }),
    role('ingest_admin', { cluster: ['manage_index_templates', 'manage_pipeline'], description: 'Grants access to manage all index templates and all ingest pipeline configurations.' }),
    role('transport_client', { cluster: ['transport_client'] }),
    role('kibana_system', {
      cluster: ['monitor', 'manage_index_templates', 'cluster:admin/xpack/monitoring/bulk', 'manage_own_api_key'],
      indices: [{ names: ['.kibana*', '.reporting-*'], privileges: ['all'], allowRestrictedIndices: false }],
    }),
    role('kibana_admin', { description: 'Grants access to all features in Kibana.' }),
    role('kibana_user', { description: 'Grants access to all features in Kibana (deprecated).' }),
    role('logstash_system', { cluster: ['monitor', 'cluster:admin/xpack/monitoring/bulk'] }),
    role('beats_system', { cluster: ['monitor', 'cluster:admin/xpack/monitoring/bulk'], indices: [{ names: ['.monitoring-beats-*'], privileges: ['create_index', 'create_doc'], allowRestrictedIndices: false }] }),
    role('apm_system', { cluster: ['monitor', 'cluster:admin/xpack/monitoring/bulk'] }),
    role('logstash_admin', { indices: [{ names: ['.logstash*'], privileges: ['create', 'delete', 'index', 'manage', 'read'], allowRestrictedIndices: true }] }),
  ].map((descriptor) => [descriptor.name, descriptor]),
);

/** Role-name rules: 1-507 printable ASCII characters, no leading/trailing whitespace. */
export function validateSecurityName(kind: 'role' | 'user', name: string): string | undefined {
  const printable = /^[\x20-\x7e]+$/.test(name);
  if (name.length < 1 || name.length > 507 || !printable || name.trim() !== name) {
    return kind === 'user'
      ? `Invalid username [${name}]... Usernames must be at least [1] and no more than [507] characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed.`
      : `Role names must be at least [1] and no more than [507] characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed.`;
  }
  return undefined;
}
