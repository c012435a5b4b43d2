/**
 * Security metadata shared by every node of a multi-node cluster (issue #14): the pure part.
 *
 * Elasticsearch keeps users, roles, API keys, application privileges and service account tokens
 * in the replicated `.security` index, so every node sees the same ones. Strait keeps them in each
 * node's SecurityStore and, in multi-node mode, publishes every write of the store as one etcd key
 * per object (`<prefix>security/<kind>/<id>`); every node applies the keys' changes in etcd
 * revision order. This file names the keys, encodes the records (only what the store keeps: salted
 * slow hashes, never a secret), and decides what to apply: an event is applied when its revision
 * is newer than the one the node holds for that key, so the last writer by etcd revision wins on
 * every node, whatever order a node saw its own write's answer and the watch's events in.
 *
 * Reserved users (`elastic`, `kibana_system` ...) change only through the API (password, enabled);
 * those changes are shared like any other. What a node sets up alone (the `elastic` password of
 * `bootstrap.password` or of security auto-configuration) stays the node's own until a password is
 * set through the API, as in Elasticsearch, where the bootstrap password is a per-node keystore
 * setting used only while the security index holds none.
 */
import type { RoleDescriptor } from './roles.js';
import type { ApplicationPrivilege, StoredApiKey, StoredServiceToken, StoredUser } from './store.js';

/** The version of a record's JSON in etcd (P12): a node refuses a record of another format. */
export const SECURITY_RECORD_FORMAT = 1;

export type SecurityRecord =
  | { readonly kind: 'user'; readonly user: StoredUser }
  | { readonly kind: 'reserved_user'; readonly user: StoredUser }
  | { readonly kind: 'role'; readonly role: RoleDescriptor }
  | { readonly kind: 'api_key'; readonly key: StoredApiKey }
  | { readonly kind: 'privilege'; readonly privilege: ApplicationPrivilege }
  | { readonly kind: 'service_token'; readonly token: StoredServiceToken };

export type SecurityRecordKind = SecurityRecord['kind'];

const kinds: ReadonlySet<string> = new Set<SecurityRecordKind>(['user', 'reserved_user', 'role', 'api_key', 'privilege', 'service_token']);

/** Each part is URI-encoded, so names holding `/` (service account principals) stay one part. */
const join = (kind: SecurityRecordKind, ...parts: readonly string[]): string => [kind, ...parts.map(encodeURIComponent)].join('/');

/** Keys relative to the range's prefix (`<cluster prefix>security/`). */
export const securityKeys = {
  user: (username: string, reserved: boolean): string => join(reserved ? 'reserved_user' : 'user', username),
  role: (name: string): string => join('role', name),
  apiKey: (id: string): string => join('api_key', id),
  privilege: (application: string, name: string): string => join('privilege', application, name),
  serviceToken: (principal: string, name: string): string => join('service_token', principal, name),
} as const;

export function recordKey(record: SecurityRecord): string {
  switch (record.kind) {
    case 'user':
      return securityKeys.user(record.user.username, false);
    case 'reserved_user':
      return securityKeys.user(record.user.username, true);
    case 'role':
      return securityKeys.role(record.role.name);
    case 'api_key':
      return securityKeys.apiKey(record.key.id);
    case 'privilege':
      return securityKeys.privilege(record.privilege.application, record.privilege.name);
    case 'service_token':
      return securityKeys.serviceToken(record.token.principal, record.token.name);
  }
}

/** The kind and decoded parts of a key; undefined when it is not one of ours. */
export function parseSecurityKey(key: string): { readonly kind: SecurityRecordKind; readonly parts: readonly string[] } | undefined {
  const [kind, ...encoded] = key.split('/');
  if (kind === undefined || !kinds.has(kind) || encoded.length === 0) return undefined;
  try {
    return { kind: kind as SecurityRecordKind, parts: encoded.map(decodeURIComponent) };
  } catch {
    return undefined;
  }
}

export function encodeRecord(record: SecurityRecord): string {
  return JSON.stringify({ format: SECURITY_RECORD_FORMAT, ...record });
}

export type DecodedRecord = { readonly ok: true; readonly record: SecurityRecord } | { readonly ok: false; readonly reason: string };

/**
 * A record read from etcd, checked against its key (a record stored under another object's key
 * would overwrite that object on every node). Never throws: a bad entry is reported and skipped.
 */
export function decodeRecord(key: string, value: string): DecodedRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null) return { ok: false, reason: 'not an object' };
  const { format, ...rest } = parsed as { format?: unknown };
  if (format !== SECURITY_RECORD_FORMAT) return { ok: false, reason: `record format [${String(format)}], this node reads [${SECURITY_RECORD_FORMAT}]` };
  const record = rest as SecurityRecord;
  const payload = { user: 'user', reserved_user: 'user', role: 'role', api_key: 'key', privilege: 'privilege', service_token: 'token' }[record.kind as string];
  if (payload === undefined || typeof (record as unknown as Record<string, unknown>)[payload] !== 'object' || (record as unknown as Record<string, unknown>)[payload] === null) {
    return { ok: false, reason: `unknown record kind [${String(record.kind)}]` };
  }
  const expected = recordKey(record);
  if (expected !== key) return { ok: false, reason: `the record belongs under [${expected}]` };
  return { ok: true, record };
}

export interface LoadInput {
  /** The whole range as read, with each key's mod revision. */
  readonly entries: ReadonlyMap<string, { readonly value: string; readonly revision: number }>;
  /** The keys this node tracks, with the revision held; empty when they came from another etcd (another cluster uuid). */
  readonly tracked: ReadonlyMap<string, number>;
  /** The records this node has (its store), keyed by recordKey. */
  readonly local: ReadonlyMap<string, SecurityRecord>;
}

export interface LoadPlan {
  /** Records to write locally, with the revision to hold. */
  readonly puts: readonly { readonly key: string; readonly record: SecurityRecord; readonly revision: number }[];
  /** Keys to delete locally: shared once, deleted from etcd while this node was away. */
  readonly deletes: readonly string[];
  /** Local records etcd has never had (made before this node shared its metadata): published if still absent. */
  readonly adopt: readonly SecurityRecord[];
  /** Entries skipped (and logged): not one of our records, or of another format. */
  readonly invalid: readonly { readonly key: string; readonly reason: string }[];
  /** The revisions to track after the load: exactly the range's keys. */
  readonly revisions: ReadonlyMap<string, number>;
}

/**
 * A full load (at join, after a restart, and after etcd was away or a publish failed): the range
 * is the truth. A tracked key missing from it was deleted elsewhere; an untracked local record
 * missing from it predates sharing and is adopted (published when still absent), except reserved
 * users, which stay the node's own (see the file comment).
 */
export function planLoad(input: LoadInput): LoadPlan {
  const puts: { key: string; record: SecurityRecord; revision: number }[] = [];
  const invalid: { key: string; reason: string }[] = [];
  const revisions = new Map<string, number>();
  for (const [key, entry] of input.entries) {
    const decoded = decodeRecord(key, entry.value);
    if (!decoded.ok) {
      invalid.push({ key, reason: decoded.reason });
      continue;
    }
    revisions.set(key, entry.revision);
    // Already applied at this revision (and not rewritten locally since): nothing to write.
    if (input.tracked.get(key) === entry.revision && input.local.has(key)) continue;
    puts.push({ key, record: decoded.record, revision: entry.revision });
  }
  const deletes: string[] = [];
  const adopt: SecurityRecord[] = [];
  for (const [key, record] of input.local) {
    if (input.entries.has(key)) continue;
    if (input.tracked.has(key)) deletes.push(key);
    else if (record.kind !== 'reserved_user') adopt.push(record);
  }
  return { puts, deletes, adopt, invalid, revisions };
}

/**
 * A record made as new (a service token) whose key another node of the cluster published first:
 * that node's record stands and this node's request fails, as Elasticsearch's create of the
 * token's document in `.security-7` fails with a version conflict.
 */
export class SharedRecordExists extends Error {
  constructor(readonly key: string) {
    super(`shared security record [${key}] exists already`);
  }
}
