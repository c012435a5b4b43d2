import { isNewerRevision } from '../cluster/shared-metadata.js';
import type { SqlDatabase, SqlStatement } from '../common/index.js';
import type { RoleDescriptor } from './roles.js';
import { errors } from '../common/index.js';
import { encodeRecord, parseSecurityKey, recordKey, securityKeys, type SecurityRecord } from './replication.js';

/** Security objects in node.db: native users, reserved-user passwords, roles and API keys. */
export interface StoredUser {
  readonly username: string;
  readonly passwordHash: string | null;
  readonly roles: readonly string[];
  readonly fullName: string | null;
  readonly email: string | null;
  readonly metadata: Record<string, unknown>;
  readonly enabled: boolean;
}

export interface StoredApiKey {
  readonly id: string;
  readonly name: string | null;
  readonly type: 'rest' | 'cross_cluster';
  readonly hash: string;
  readonly creationMs: number;
  readonly expirationMs: number | null;
  readonly invalidated: boolean;
  readonly invalidationMs: number | null;
  readonly username: string;
  readonly realm: string;
  readonly realmType: string;
  readonly metadata: Record<string, unknown>;
  /** The key's own descriptors (for cross-cluster keys: the descriptor built from `access`). */
  readonly roleDescriptors: readonly RoleDescriptor[];
  /** The owner's role names at creation, resolved again at use time. */
  readonly ownerRoles: readonly string[];
  /** Cross-cluster keys: the `access` body as given. */
  readonly access: Record<string, unknown> | null;
}

interface UserRow {
  username: string;
  password_hash: string | null;
  roles: string;
  full_name: string | null;
  email: string | null;
  metadata: string;
  enabled: number;
}

interface ApiKeyRow {
  id: string;
  name: string | null;
  type: string;
  hash: string;
  creation_ms: number;
  expiration_ms: number | null;
  invalidated: number;
  invalidation_ms: number | null;
  username: string;
  realm: string;
  realm_type: string;
  metadata: string;
  role_descriptors: string;
  owner_roles: string;
  access: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS security_users (
  username TEXT PRIMARY KEY, password_hash TEXT, roles TEXT NOT NULL, full_name TEXT, email TEXT,
  metadata TEXT NOT NULL, enabled INTEGER NOT NULL, reserved INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS security_app_privileges (
  application TEXT NOT NULL, name TEXT NOT NULL, actions TEXT NOT NULL, metadata TEXT NOT NULL, PRIMARY KEY (application, name));
CREATE TABLE IF NOT EXISTS security_roles (name TEXT PRIMARY KEY, descriptor TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS security_api_keys (
  id TEXT PRIMARY KEY, name TEXT, type TEXT NOT NULL, hash TEXT NOT NULL, creation_ms INTEGER NOT NULL,
  expiration_ms INTEGER, invalidated INTEGER NOT NULL DEFAULT 0, invalidation_ms INTEGER,
  username TEXT NOT NULL, realm TEXT NOT NULL, realm_type TEXT NOT NULL, metadata TEXT NOT NULL,
  role_descriptors TEXT NOT NULL, owner_roles TEXT NOT NULL, access TEXT);
CREATE TABLE IF NOT EXISTS security_service_tokens (
  principal TEXT NOT NULL, name TEXT NOT NULL, hash TEXT NOT NULL, creation_ms INTEGER NOT NULL, PRIMARY KEY (principal, name));
CREATE TABLE IF NOT EXISTS security_store_uuid (uuid TEXT NOT NULL);
-- This node's own passwords, never shared (the elastic password security auto-configuration
-- generated): used, as a bootstrap password is, while no password was set through the API.
CREATE TABLE IF NOT EXISTS security_local_passwords (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS security_replication (key TEXT PRIMARY KEY, revision INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS security_replication_source (cluster_uuid TEXT NOT NULL);
`;

/**
 * One write of the store, as shared in a multi-node cluster (replication.ts): the object's key
 * and its record, or null when it was deleted.
 */
export interface SecurityChange {
  readonly key: string;
  readonly record: SecurityRecord | null;
  /** The record is new and must not replace one of that key another node made meanwhile (a service token's name). */
  readonly create?: true;
}

/** A service account token (its secret only as a salted slow hash). */
export interface StoredServiceToken {
  readonly principal: string;
  readonly name: string;
  readonly hash: string;
  readonly creationMs: number;
}

const toUser = (row: UserRow): StoredUser => ({
  username: row.username,
  passwordHash: row.password_hash,
  roles: JSON.parse(row.roles) as string[],
  fullName: row.full_name,
  email: row.email,
  metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  enabled: row.enabled === 1,
});

const toApiKey = (row: ApiKeyRow): StoredApiKey => ({
  id: row.id,
  name: row.name,
  type: row.type === 'cross_cluster' ? 'cross_cluster' : 'rest',
  hash: row.hash,
  creationMs: row.creation_ms,
  expirationMs: row.expiration_ms,
  invalidated: row.invalidated === 1,
  invalidationMs: row.invalidation_ms,
  username: row.username,
  realm: row.realm,
  realmType: row.realm_type,
  metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  roleDescriptors: JSON.parse(row.role_descriptors) as RoleDescriptor[],
  ownerRoles: JSON.parse(row.owner_roles) as string[],
  access: row.access === null ? null : (JSON.parse(row.access) as Record<string, unknown>),
});

/** An application privilege (`PUT /_security/privilege`): a named set of application actions. */
export interface ApplicationPrivilege {
  readonly application: string;
  readonly name: string;
  readonly actions: readonly string[];
  readonly metadata: Record<string, unknown>;
}

/** Users kept in memory after a read (the oldest go first). */
const USER_CACHE_ENTRIES_MAX = 10_000;

export class SecurityStore {
  /** Prepared once: every authenticated request reads a user or a key. */
  private readonly statements = new Map<string, SqlStatement>();

  /** Multi-node mode: told of every write (after it is in the database), to publish it. */
  private sink: ((change: SecurityChange) => unknown) | undefined;

  constructor(private readonly db: SqlDatabase) {
    db.exec(SCHEMA);
  }

  /** The largest record the sink can publish (etcd's request limit, less room for the key and framing). */
  private recordBytesMax = Number.POSITIVE_INFINITY;

  /**
   * Every later write is also given to `sink` (multi-node mode); its key's held revision becomes 0
   * (unconfirmed). A record encoding to more than `recordBytesMax` bytes is refused before anything is written.
   */
  setChangeSink(sink: (change: SecurityChange) => unknown, recordBytesMax: number): void {
    this.sink = sink;
    this.recordBytesMax = recordBytesMax;
  }

  /** Bad input (a role or user with megabytes of metadata) gets a 400 here, not a failed publication after the write. */
  private checkShareable(record: SecurityRecord): void {
    if (this.sink === undefined) return;
    const bytes = Buffer.byteLength(encodeRecord(record));
    if (bytes > this.recordBytesMax) {
      throw errors.illegalArgument(`[${record.kind}] [${recordKey(record)}] takes [${bytes}] bytes, more than the [${this.recordBytesMax}] bytes a multi-node cluster can share through etcd`);
    }
  }

  /** Hands a write to the sink; returns its publication when the sink gives one. */
  private changed(key: string, record: SecurityRecord | null, create = false): Promise<unknown> | undefined {
    if (this.sink === undefined) return undefined;
    this.statement('INSERT INTO security_replication (key, revision) VALUES (?, 0) ON CONFLICT(key) DO UPDATE SET revision = 0').run(key);
    const published = this.sink({ key, record, ...(create ? { create: true as const } : {}) });
    return published instanceof Promise ? published : undefined;
  }

  private statement(sql: string): SqlStatement {
    let prepared = this.statements.get(sql);
    if (prepared === undefined) this.statements.set(sql, (prepared = this.db.prepare(sql)));
    return prepared;
  }

  /**
   * Users read per request (Basic authentication, an API key's owner), as read from the database.
   * This store is the only writer of node.db's security tables (replicated changes come through
   * applyShared too), and every write of a user drops its entries, before and after the write: a
   * cached user is never older than the database. Holds no secret beyond the stored salted hash.
   */
  private readonly userCache = new Map<string, StoredUser | null>();

  private forgetUser(username: string): void {
    this.userCache.delete(`1/${username}`);
    this.userCache.delete(`0/${username}`);
  }

  /** Native users and reserved users (reserved = 1 rows hold only a password and enabled flag). */
  getUser(username: string, reserved: boolean): StoredUser | undefined {
    const cacheKey = `${reserved ? 1 : 0}/${username}`;
    const cached = this.userCache.get(cacheKey);
    if (cached !== undefined) return cached ?? undefined;
    const row = this.statement('SELECT * FROM security_users WHERE username = ? AND reserved = ?').get(username, reserved ? 1 : 0) as UserRow | undefined;
    // An absent row is remembered too (null): `elastic` authenticating with the keystore's bootstrap password has none.
    const user = row === undefined ? null : toUser(row);
    if (this.userCache.size >= USER_CACHE_ENTRIES_MAX) this.userCache.delete(this.userCache.keys().next().value as string);
    this.userCache.set(cacheKey, user);
    return user ?? undefined;
  }

  listUsers(): StoredUser[] {
    return (this.statement('SELECT * FROM security_users WHERE reserved = 0 ORDER BY username').all() as UserRow[]).map(toUser);
  }

  putUser(user: StoredUser, reserved: boolean): void {
    const record: SecurityRecord = { kind: reserved ? 'reserved_user' : 'user', user };
    this.checkShareable(record);
    this.writeUser(user, reserved);
    this.changed(recordKey(record), record);
  }

  /** Read per authentication of a reserved user without a stored password: kept (undefined: not read yet). */
  private readonly localPasswords = new Map<string, string | null>();

  /**
   * This node's own password hash for `username` (the elastic password of auto-configuration),
   * never shared and never replaced by a shared write: a password set through the API (a reserved
   * user row) takes precedence, and when such a write is rolled back this one applies again.
   */
  localPasswordHash(username: string): string | undefined {
    let hash = this.localPasswords.get(username);
    if (hash === undefined) {
      const row = this.statement('SELECT password_hash FROM security_local_passwords WHERE username = ?').get(username) as { password_hash: string } | undefined;
      hash = row?.password_hash ?? null;
      this.localPasswords.set(username, hash);
    }
    return hash ?? undefined;
  }

  setLocalPasswordHash(username: string, hash: string): void {
    this.statement('INSERT INTO security_local_passwords (username, password_hash) VALUES (?, ?) ON CONFLICT(username) DO UPDATE SET password_hash = excluded.password_hash').run(username, hash);
    this.localPasswords.delete(username);
  }

  private writeUser(user: StoredUser, reserved: boolean): void {
    this.forgetUser(user.username);
    this
      .statement(
        `INSERT INTO security_users (username, password_hash, roles, full_name, email, metadata, enabled, reserved)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(username) DO UPDATE SET password_hash = excluded.password_hash, roles = excluded.roles,
           full_name = excluded.full_name, email = excluded.email, metadata = excluded.metadata,
           enabled = excluded.enabled, reserved = excluded.reserved`,
      )
      .run(user.username, user.passwordHash, JSON.stringify(user.roles), user.fullName, user.email, JSON.stringify(user.metadata), user.enabled ? 1 : 0, reserved ? 1 : 0);
    this.forgetUser(user.username);
  }

  deleteUser(username: string): boolean {
    this.forgetUser(username);
    const deleted = this.statement('DELETE FROM security_users WHERE username = ? AND reserved = 0').run(username).changes > 0;
    if (deleted) this.changed(securityKeys.user(username, false), null);
    return deleted;
  }

  getRole(name: string): RoleDescriptor | undefined {
    const row = this.statement('SELECT descriptor FROM security_roles WHERE name = ?').get(name) as { descriptor: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.descriptor) as RoleDescriptor);
  }

  listRoles(): RoleDescriptor[] {
    return (this.statement('SELECT descriptor FROM security_roles ORDER BY name').all() as { descriptor: string }[]).map(
      (row) => JSON.parse(row.descriptor) as RoleDescriptor,
    );
  }

  /** Returns true when the role was created (false: updated). */
  putRole(role: RoleDescriptor): boolean {
    const existed = this.getRole(role.name) !== undefined;
    const record: SecurityRecord = { kind: 'role', role };
    this.checkShareable(record);
    this.writeRole(role);
    this.changed(recordKey(record), record);
    return !existed;
  }

  private writeRole(role: RoleDescriptor): void {
    this
      .statement('INSERT INTO security_roles (name, descriptor) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET descriptor = excluded.descriptor')
      .run(role.name, JSON.stringify(role));
  }

  deleteRole(name: string): boolean {
    const deleted = this.statement('DELETE FROM security_roles WHERE name = ?').run(name).changes > 0;
    if (deleted) this.changed(securityKeys.role(name), null);
    return deleted;
  }

  /** Keys read per request (API key authentication); this store is their only writer, so it can cache them. */
  private readonly keyCache = new Map<string, StoredApiKey>();

  getApiKey(id: string): StoredApiKey | undefined {
    const cached = this.keyCache.get(id);
    if (cached !== undefined) return cached;
    const row = this.statement('SELECT * FROM security_api_keys WHERE id = ?').get(id) as ApiKeyRow | undefined;
    if (row === undefined) return undefined;
    const key = toApiKey(row);
    if (this.keyCache.size >= 10_000) this.keyCache.delete(this.keyCache.keys().next().value as string);
    this.keyCache.set(id, key);
    return key;
  }

  listApiKeys(): StoredApiKey[] {
    return (this.statement('SELECT * FROM security_api_keys ORDER BY creation_ms, id').all() as ApiKeyRow[]).map(toApiKey);
  }

  putApiKey(key: StoredApiKey): void {
    const record: SecurityRecord = { kind: 'api_key', key };
    this.checkShareable(record);
    this.writeApiKey(key);
    this.changed(recordKey(record), record);
  }

  private writeApiKey(key: StoredApiKey): void {
    this.keyCache.delete(key.id);
    this
      .statement(
        `INSERT INTO security_api_keys (id, name, type, hash, creation_ms, expiration_ms, invalidated, invalidation_ms,
           username, realm, realm_type, metadata, role_descriptors, owner_roles, access)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, expiration_ms = excluded.expiration_ms,
           invalidated = excluded.invalidated, invalidation_ms = excluded.invalidation_ms, metadata = excluded.metadata,
           role_descriptors = excluded.role_descriptors, owner_roles = excluded.owner_roles, access = excluded.access`,
      )
      .run(
        key.id,
        key.name,
        key.type,
        key.hash,
        key.creationMs,
        key.expirationMs,
        key.invalidated ? 1 : 0,
        key.invalidationMs,
        key.username,
        key.realm,
        key.realmType,
        JSON.stringify(key.metadata),
        JSON.stringify(key.roleDescriptors),
        JSON.stringify(key.ownerRoles),
        key.access === null ? null : JSON.stringify(key.access),
      );
  }

  listApplicationPrivileges(): ApplicationPrivilege[] {
    return (this.statement('SELECT * FROM security_app_privileges ORDER BY application, name').all() as { application: string; name: string; actions: string; metadata: string }[]).map(
      (row) => ({ application: row.application, name: row.name, actions: JSON.parse(row.actions) as string[], metadata: JSON.parse(row.metadata) as Record<string, unknown> }),
    );
  }

  /** Returns true when created (false: updated). */
  putApplicationPrivilege(privilege: ApplicationPrivilege): boolean {
    const existed = this.statement('SELECT 1 FROM security_app_privileges WHERE application = ? AND name = ?').get(privilege.application, privilege.name) !== undefined;
    const record: SecurityRecord = { kind: 'privilege', privilege };
    this.checkShareable(record);
    this.writeApplicationPrivilege(privilege);
    this.changed(recordKey(record), record);
    return !existed;
  }

  private writeApplicationPrivilege(privilege: ApplicationPrivilege): void {
    this
      .statement('INSERT INTO security_app_privileges (application, name, actions, metadata) VALUES (?, ?, ?, ?) ON CONFLICT(application, name) DO UPDATE SET actions = excluded.actions, metadata = excluded.metadata')
      .run(privilege.application, privilege.name, JSON.stringify(privilege.actions), JSON.stringify(privilege.metadata));
  }

  deleteApplicationPrivilege(application: string, name: string): boolean {
    const deleted = this.statement('DELETE FROM security_app_privileges WHERE application = ? AND name = ?').run(application, name).changes > 0;
    if (deleted) this.changed(securityKeys.privilege(application, name), null);
    return deleted;
  }

  getServiceToken(principal: string, name: string): StoredServiceToken | undefined {
    const row = this.statement('SELECT * FROM security_service_tokens WHERE principal = ? AND name = ?').get(principal, name) as
      | { principal: string; name: string; hash: string; creation_ms: number }
      | undefined;
    return row === undefined ? undefined : { principal: row.principal, name: row.name, hash: row.hash, creationMs: row.creation_ms };
  }

  listServiceTokens(principal: string): string[] {
    return (this.statement('SELECT name FROM security_service_tokens WHERE principal = ? ORDER BY name').all(principal) as { name: string }[]).map((row) => row.name);
  }

  /** In multi-node mode: the uuid every node of the cluster names (see useSharedStoreUuid). */
  private sharedStoreUuid: string | undefined;

  /** Every node of a multi-node cluster names one uuid for the security index its errors mention. */
  useSharedStoreUuid(uuid: string): void {
    this.sharedStoreUuid = uuid;
  }

  /**
   * The uuid of this store, which holds what Elasticsearch keeps in its `.security-7` index: its
   * errors name it where Elasticsearch names that index's uuid. Made once (from `newUuid`) and kept.
   */
  storeUuid(newUuid: () => string): string {
    if (this.sharedStoreUuid !== undefined) return this.sharedStoreUuid;
    const row = this.statement('SELECT uuid FROM security_store_uuid').get() as { uuid: string } | undefined;
    if (row !== undefined) return row.uuid;
    const uuid = newUuid();
    this.statement('INSERT INTO security_store_uuid (uuid) VALUES (?)').run(uuid);
    return uuid;
  }

  /**
   * `created` is false when a token of that name exists already here (tokens are never
   * overwritten); in multi-node mode `published` settles once the cluster reserved the name
   * (rejecting with SharedRecordExists when another node's token of that name came first).
   */
  createServiceToken(token: StoredServiceToken): { readonly created: boolean; readonly published?: Promise<unknown> } {
    this.checkShareable({ kind: 'service_token', token });
    const created = this.statement('INSERT INTO security_service_tokens (principal, name, hash, creation_ms) VALUES (?, ?, ?, ?) ON CONFLICT(principal, name) DO NOTHING').run(token.principal, token.name, token.hash, token.creationMs).changes > 0;
    if (!created) return { created };
    const published = this.changed(securityKeys.serviceToken(token.principal, token.name), { kind: 'service_token', token }, true);
    return published === undefined ? { created } : { created, published };
  }

  deleteServiceToken(principal: string, name: string): boolean {
    const deleted = this.statement('DELETE FROM security_service_tokens WHERE principal = ? AND name = ?').run(principal, name).changes > 0;
    if (deleted) this.changed(securityKeys.serviceToken(principal, name), null);
    return deleted;
  }

  // ---- multi-node sharing (replication.ts) ---------------------------------------------------

  /** Every shareable record this store holds, by key (reserved rows too: planLoad keeps them local). */
  records(): Map<string, SecurityRecord> {
    const all: SecurityRecord[] = [
      ...(this.statement('SELECT * FROM security_users').all() as (UserRow & { reserved: number })[]).map(
        (row): SecurityRecord => (row.reserved === 1 ? { kind: 'reserved_user', user: toUser(row) } : { kind: 'user', user: toUser(row) }),
      ),
      ...this.listRoles().map((role): SecurityRecord => ({ kind: 'role', role })),
      ...this.listApiKeys().map((key): SecurityRecord => ({ kind: 'api_key', key })),
      ...this.listApplicationPrivileges().map((privilege): SecurityRecord => ({ kind: 'privilege', privilege })),
      ...(this.statement('SELECT * FROM security_service_tokens').all() as { principal: string; name: string; hash: string; creation_ms: number }[]).map(
        (row): SecurityRecord => ({ kind: 'service_token', token: { principal: row.principal, name: row.name, hash: row.hash, creationMs: row.creation_ms } }),
      ),
    ];
    return new Map(all.map((record) => [recordKey(record), record]));
  }

  /** The held revision of each tracked key, and the cluster uuid they were read from. */
  replicationState(): { readonly clusterUuid: string | undefined; readonly revisions: Map<string, number> } {
    const source = this.statement('SELECT cluster_uuid FROM security_replication_source').get() as { cluster_uuid: string } | undefined;
    const rows = this.statement('SELECT key, revision FROM security_replication').all() as { key: string; revision: number }[];
    return { clusterUuid: source?.cluster_uuid, revisions: new Map(rows.map((row) => [row.key, row.revision])) };
  }

  /**
   * Applies one shared change at an etcd revision when it is newer than the held one (or, with
   * `force`, always: a full load), without telling the sink. Returns whether it was written.
   */
  applyShared(key: string, record: SecurityRecord | null, revision: number, force = false): boolean {
    return this.db.transaction(() => {
      const held = this.statement('SELECT revision FROM security_replication WHERE key = ?').get(key) as { revision: number } | undefined;
      // The held revision: the last applied event's (a deletion too), 0 for an own write etcd has not confirmed.
      if (!force && !isNewerRevision(held?.revision, revision)) return false;
      if (record === null) this.deleteByKey(key);
      else this.writeRecord(record);
      this.statement('INSERT INTO security_replication (key, revision) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET revision = excluded.revision').run(key, revision);
      return true;
    })();
  }

  /** After a full load: exactly these keys are tracked, read from the etcd of `clusterUuid`. */
  resetShared(clusterUuid: string, revisions: ReadonlyMap<string, number>): void {
    this.db.transaction(() => {
      this.statement('DELETE FROM security_replication').run();
      for (const [key, revision] of revisions) this.statement('INSERT INTO security_replication (key, revision) VALUES (?, ?)').run(key, revision);
      this.statement('DELETE FROM security_replication_source').run();
      this.statement('INSERT INTO security_replication_source (cluster_uuid) VALUES (?)').run(clusterUuid);
    })();
  }

  private writeRecord(record: SecurityRecord): void {
    switch (record.kind) {
      case 'user':
        return this.writeUser(record.user, false);
      case 'reserved_user':
        return this.writeUser(record.user, true);
      case 'role':
        return this.writeRole(record.role);
      case 'api_key':
        return this.writeApiKey(record.key);
      case 'privilege':
        return this.writeApplicationPrivilege(record.privilege);
      case 'service_token':
        this.statement('INSERT INTO security_service_tokens (principal, name, hash, creation_ms) VALUES (?, ?, ?, ?) ON CONFLICT(principal, name) DO UPDATE SET hash = excluded.hash, creation_ms = excluded.creation_ms').run(
          record.token.principal,
          record.token.name,
          record.token.hash,
          record.token.creationMs,
        );
        return;
    }
  }

  private deleteByKey(key: string): void {
    const parsed = parseSecurityKey(key);
    if (parsed === undefined) return;
    const [first = '', second = ''] = parsed.parts;
    switch (parsed.kind) {
      case 'user':
      case 'reserved_user':
        this.forgetUser(first);
        this.statement('DELETE FROM security_users WHERE username = ? AND reserved = ?').run(first, parsed.kind === 'reserved_user' ? 1 : 0);
        return;
      case 'role':
        this.statement('DELETE FROM security_roles WHERE name = ?').run(first);
        return;
      case 'api_key':
        this.keyCache.delete(first);
        this.statement('DELETE FROM security_api_keys WHERE id = ?').run(first);
        return;
      case 'privilege':
        this.statement('DELETE FROM security_app_privileges WHERE application = ? AND name = ?').run(first, second);
        return;
      case 'service_token':
        this.statement('DELETE FROM security_service_tokens WHERE principal = ? AND name = ?').run(first, second);
        return;
    }
  }
}
