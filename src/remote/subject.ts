import { errors } from '../common/index.js';
import {
  compilePatterns,
  compilePermission,
  intersectPermissions,
  parseRoleDescriptor,
  renderRoleDescriptor,
  type Authentication,
  type Permission,
  type RoleDescriptor,
} from '../security/index.js';
import { documentFieldSecurityOf } from '../security/document-field-access.js';

/**
 * Who a cross-cluster request runs as, on both sides (spec §5.1, §6.1, §6.2). Pure.
 *
 * Certificate model: the local node sends the user's principal and role names; the remote resolves
 * the names against its own roles. API key model: the local node sends, per set, the role
 * descriptors built from the user's `remote_indices` / `remote_cluster` entries matching the alias;
 * the remote intersects them with the cross-cluster key's own descriptor.
 */
export const CERTIFICATE_SUBJECT_HEADER = '_xpack_security_authentication';
export const CROSS_CLUSTER_CREDENTIALS_HEADER = '_cross_cluster_access_credentials';
export const CROSS_CLUSTER_SUBJECT_HEADER = '_cross_cluster_access_subject_info';
export const REQUEST_ID_HEADER = '_strait_request_id';

export interface SubjectUser {
  readonly username: string;
  readonly roles: readonly string[];
  readonly realm: { readonly name: string; readonly type: string };
  readonly apiKeyId?: string;
}

export interface CertificateSubject extends SubjectUser {
  /** A locally API-key-authenticated caller: the key's descriptor sets travel instead of role names. */
  readonly descriptorSets?: readonly (readonly Record<string, unknown>[])[];
}

export interface CrossClusterSubject extends SubjectUser {
  readonly descriptorSets: readonly (readonly Record<string, unknown>[])[];
}

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');

/** A subject larger than this is refused before it is decoded (role descriptors are small). */
export const SUBJECT_HEADER_BYTES_MAX = 1024 * 1024;

function decode(header: string | undefined, name: string): Record<string, unknown> {
  if (header === undefined) {
    throw errors.securityForbidden(`cross cluster requests require transport header [${name}] but none found`);
  }
  if (header.length > SUBJECT_HEADER_BYTES_MAX) {
    throw errors.badRequest(`transport header [${name}] is too large: [${header.length}] bytes, at most [${SUBJECT_HEADER_BYTES_MAX}]`);
  }
  try {
    const value = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw errors.badRequest(`invalid transport header [${name}]`);
}

function subjectUser(authentication: Authentication): SubjectUser {
  return {
    username: authentication.user.username,
    roles: authentication.user.roles,
    realm: authentication.authenticatingRealm,
    ...(authentication.apiKey !== undefined ? { apiKeyId: authentication.apiKey.id } : {}),
  };
}

const withName = (descriptor: RoleDescriptor): Record<string, unknown> => ({ name: descriptor.name, ...renderRoleDescriptor(descriptor, { transientMetadata: false }) });

/**
 * A local API key's descriptor as the certificate model's remote applies it: its index and cluster
 * privileges. Remote privileges name clusters from this side and run-as and application privileges
 * do not act across clusters, so they stay here (dropping them only ever grants less).
 */
function forRemoteSide(descriptor: RoleDescriptor): RoleDescriptor {
  // Metadata grants nothing, and a built-in descriptor's `_reserved` key would not parse as a role there.
  return { ...descriptor, remoteIndices: [], remoteCluster: [], runAs: [], applications: [], metadata: {} };
}

/** Certificate model: name and role names (or, for a local API key, its descriptor sets). */
export function certificateSubjectHeader(authentication: Authentication, descriptorSets: readonly RoleDescriptor[][]): string {
  const subject: CertificateSubject = {
    ...subjectUser(authentication),
    // A key's, or a service account's, privileges travel as descriptors (the remote has no role names for them).
    ...(authentication.apiKey !== undefined || authentication.authenticationType === 'token'
      ? { descriptorSets: descriptorSets.map((set) => set.map((descriptor) => withName(forRemoteSide(descriptor)))) }
      : {}),
  };
  return encode(subject);
}

/**
 * API key model, local side (spec §5.1): for each set, one `_remote_user` descriptor with the
 * `remote_indices` entries whose `clusters` match the alias. Returns undefined when nothing applies
 * (the caller then fails with 403 before sending).
 */
export function remoteDescriptorSets(alias: string, descriptorSets: readonly RoleDescriptor[][]): RoleDescriptor[] [] | undefined {
  const sets: RoleDescriptor[][] = [];
  for (const set of descriptorSets) {
    const indices = set.flatMap((role) =>
      role.remoteIndices
        .filter((entry) => compilePatterns(entry.clusters)(alias))
        .map((entry) => ({
          names: [...entry.names].sort(),
          privileges: [...entry.privileges].sort(),
          allowRestrictedIndices: entry.allowRestrictedIndices,
          // Document and field level security travel with the entry; the remote enforces them.
          ...documentFieldSecurityOf(entry),
        })),
    );
    const cluster = [...new Set(set.flatMap((role) => role.remoteCluster.filter((entry) => compilePatterns(entry.clusters)(alias)).flatMap((entry) => entry.privileges)))].sort();
    if (indices.length === 0 && cluster.length === 0) return undefined;
    sets.push([{ name: '_remote_user', cluster, indices, remoteIndices: [], remoteCluster: [], runAs: [], applications: [], metadata: {} }]);
  }
  return sets.length === 0 ? undefined : sets;
}

export function crossClusterSubjectHeader(authentication: Authentication, sets: readonly RoleDescriptor[][]): string {
  const subject: CrossClusterSubject = { ...subjectUser(authentication), descriptorSets: sets.map((set) => set.map(withName)) };
  return encode(subject);
}

/**
 * The fixed role the fulfilling cluster gives the `_system` subject (spec §6.1 rule 7), still
 * intersected with the cross-cluster key: cross-cluster replication's internal actions (restore
 * sessions, retention leases) run as `_system` so that the key's replication access alone decides.
 */
export const SYSTEM_CROSS_CLUSTER_ACCESS: RoleDescriptor = {
  name: '_system_cross_cluster_access',
  cluster: ['cross_cluster_search', 'cross_cluster_replication'],
  indices: [{ names: ['*'], privileges: ['cross_cluster_replication', 'cross_cluster_replication_internal'], allowRestrictedIndices: true }],
  remoteIndices: [],
  remoteCluster: [],
  runAs: [],
  applications: [],
  metadata: {},
};

function parseUser(value: Record<string, unknown>, allowSystem = false): SubjectUser {
  const username = value['username'];
  const roles = value['roles'];
  const realm = value['realm'] as { name?: unknown; type?: unknown } | undefined;
  if (typeof username !== 'string' || username === '' || !Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) {
    throw errors.badRequest('invalid cross cluster subject: [username] and [roles] are required');
  }
  if (username === '_cross_cluster_access' || (username.startsWith('_system') && !(allowSystem && username === '_system'))) {
    throw errors.securityForbidden(`received cross cluster request from an unexpected internal user [${username}]`);
  }
  return {
    username,
    roles: roles as string[],
    realm: { name: typeof realm?.name === 'string' ? realm.name : 'unknown', type: typeof realm?.type === 'string' ? realm.type : 'unknown' },
    ...(typeof value['apiKeyId'] === 'string' ? { apiKeyId: value['apiKeyId'] } : {}),
  };
}

/** Received descriptors may hold only index privileges and remote cluster privileges (spec §6.1 rule 7). */
function parseDescriptorSets(value: unknown): RoleDescriptor[][] {
  if (!Array.isArray(value)) throw errors.badRequest('invalid cross cluster subject: [descriptorSets] must be an array');
  return value.map((set) => {
    if (!Array.isArray(set)) throw errors.badRequest('invalid cross cluster subject: each descriptor set must be an array');
    return set.map((entry) => {
      if (typeof entry !== 'object' || entry === null) throw errors.badRequest('invalid cross cluster subject: descriptors must be objects');
      const { name, ...body } = entry as Record<string, unknown>;
      const descriptor = parseRoleDescriptor(typeof name === 'string' ? name : '_remote_user', body);
      if (descriptor.runAs.length > 0 || descriptor.applications.length > 0 || descriptor.remoteIndices.length > 0) {
        throw errors.badRequest('cross cluster role descriptors may only contain index privileges and remote cluster privileges');
      }
      return descriptor;
    });
  });
}

export function parseCertificateSubject(header: string | undefined): SubjectUser & { descriptorSets?: RoleDescriptor[][] } {
  const value = decode(header, CERTIFICATE_SUBJECT_HEADER);
  const user = parseUser(value);
  return value['descriptorSets'] !== undefined ? { ...user, descriptorSets: parseDescriptorSets(value['descriptorSets']) } : user;
}

export function parseCrossClusterSubject(header: string | undefined): SubjectUser & { descriptorSets: RoleDescriptor[][] } {
  const value = decode(header, CROSS_CLUSTER_SUBJECT_HEADER);
  const user = parseUser(value, true);
  const sets = parseDescriptorSets(value['descriptorSets']);
  if (user.username === '_system') {
    // `_system` carries an empty list and gets the fixed system role instead (spec §6.1 rule 6-7).
    if (sets.length > 0) throw errors.securityForbidden('received cross cluster request from an unexpected internal user [_system]');
    return { ...user, descriptorSets: [[SYSTEM_CROSS_CLUSTER_ACCESS]] };
  }
  if (sets.length === 0) throw errors.securityForbidden('cross cluster subject carries no role descriptors');
  return { ...user, descriptorSets: sets };
}

/** Every set must allow (and, on the API key interface, the key's own permission too). */
export function intersectAll(first: Permission, sets: readonly RoleDescriptor[][]): Permission {
  return sets.reduce<Permission>((acc, set) => intersectPermissions(acc, compilePermission(set)), first);
}
