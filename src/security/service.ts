import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { errors, type EsError, type SqlDatabase } from '../common/index.js';
import { parseTimeValueMs } from '../common/time-value.js';
import type { RequestAuthorizer } from '../http/route.js';
import { hashSecret, hashSecretSync, isSecretHash, VerificationCache, verifySecret } from './hashing.js';
import { readRestrictionOf } from './document-field-access.js';
import { compilePermission, intersectPermissions, type Permission } from './permission.js';
import { privilegesGranting } from './privileges.js';
import { reservedRoles, type RoleDescriptor } from './roles.js';
import { decodeServiceToken, encodeServiceToken, serviceAccounts, tokenNameProblem, type ServiceAccount } from './service-accounts.js';
import { decodeRecord, encodeRecord, parseSecurityKey, planLoad, recordKey, SharedRecordExists, type SecurityRecord } from './replication.js';
import { SecurityStore, type SecurityChange, type StoredApiKey, type StoredUser } from './store.js';
import type { Authentication, AuthenticatedUser, RealmRef } from './types.js';

/** Reserved users: their roles are fixed; only password and enabled state can change. */
export const reservedUsers: ReadonlyMap<string, readonly string[]> = new Map([
  ['elastic', ['superuser']],
  ['kibana', ['kibana_system']],
  ['kibana_system', ['kibana_system']],
  ['logstash_system', ['logstash_system']],
  ['beats_system', ['beats_system']],
  ['apm_system', ['apm_system']],
  ['remote_monitoring_user', ['remote_monitoring_collector', 'remote_monitoring_agent']],
]);

export const RESERVED_REALM: RealmRef = { name: 'reserved', type: 'reserved' };
export const NATIVE_REALM: RealmRef = { name: 'default_native', type: 'native' };
export const API_KEY_REALM: RealmRef = { name: '_es_api_key', type: '_es_api_key' };

const MIN_PASSWORD_LENGTH = 6;

export interface CreateSecurityServiceOptions {
  readonly db: SqlDatabase;
  readonly log: Logger;
  readonly nowMs: () => number;
  /** `bootstrap.password` from the keystore: the elastic password until one is set through the API. */
  readonly bootstrapPassword?: string;
  readonly cacheMaxEntries?: number;
  readonly cacheTtlMs?: number;
  /** `xpack.security.authc.api_key.cache.ttl` (20m): how long a verified API key secret stays cached; 0 disables the cache. */
  readonly apiKeyCacheTtlMs?: number;
  /** `xpack.security.authc.anonymous.*`: enabled when `roles` is not empty. */
  readonly anonymous?: AnonymousAccess;
}

/** Anonymous access as Elasticsearch configures it (`xpack.security.authc.anonymous.*`). */
export interface AnonymousAccess {
  readonly username: string;
  readonly roles: readonly string[];
  /** true: a refused anonymous request is a 403; false: a 401 asking for credentials. */
  readonly authzException: boolean;
}

/** Elasticsearch's realm for service accounts (tokens kept in the security index: `_service_account_index`). */
export const SERVICE_ACCOUNT_REALM: RealmRef = { name: '_service_account', type: '_service_account' };

/** Elasticsearch's realm for the anonymous user. */
export const ANONYMOUS_REALM: RealmRef = { name: '__anonymous', type: '__anonymous' };

/** What the authorization layer knows about a caller beyond the public Authentication. */
interface Resolved {
  readonly permission: Permission;
  /** The user's effective role names (for messages and `_has_privileges`). */
  readonly roleNames: readonly string[];
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function decodeBasic(encoded: string): { username: string; password: string } | undefined {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A service token's entry in the verification cache it shares with passwords. */
const serviceTokenCacheKey = (principal: string, name: string): string => `service/${principal}/${name}`;

/** The length of a generated API key secret (16 random bytes, base64url): cross-cluster credentials must have it. */
export const API_KEY_SECRET_LENGTH = 22;

export function decodeApiKeyCredential(encoded: string): { id: string; secret: string } | undefined {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** A time value (`1d`, `30m`, `500ms`; common/time-value.ts) in whole milliseconds; a 400 `parse_exception` with Elasticsearch's reason otherwise. */
export function parseTimeValue(field: string, value: unknown): number {
  if (typeof value !== 'string') {
    throw errors.parse(`failed to parse setting [${field}] with value [${String(value)}] as a time value: unit is missing or unrecognized`);
  }
  return Math.floor(parseTimeValueMs(value, field, errors.parse));
}

export class NativeSecurityService {
  readonly enabled = true;
  readonly store: SecurityStore;
  private readonly log: Logger;
  readonly nowMs: () => number;
  private readonly passwordCache: VerificationCache;
  private readonly apiKeyCache: VerificationCache;
  private readonly resolved = new WeakMap<Authentication, Resolved>();
  private readonly authenticatedKeys = new WeakMap<Authentication, StoredApiKey>();
  private readonly keyPermissions = new WeakMap<StoredApiKey, Permission>();
  private readonly permissionCache = new Map<string, Permission>();
  /** permissionCache's answers by role list object (emptied with it when a role changes). */
  private permissionsByList = new WeakMap<readonly string[], Permission>();
  /** A built-in service account's fixed descriptor, compiled once (kibana_system has ~80 index entries). */
  private readonly accountPermissions = new WeakMap<ServiceAccount, Permission>();
  private bootstrapHash: string | undefined;
  private readonly anonymous: AnonymousAccess | undefined;

  constructor(options: CreateSecurityServiceOptions) {
    this.store = new SecurityStore(options.db);
    this.anonymous = options.anonymous !== undefined && options.anonymous.roles.length > 0 ? options.anonymous : undefined;
    this.log = options.log;
    this.nowMs = options.nowMs;
    const maxEntries = options.cacheMaxEntries ?? 10_000;
    const ttlMs = options.cacheTtlMs ?? 20 * 60_000;
    this.passwordCache = new VerificationCache(maxEntries, ttlMs, options.nowMs);
    this.apiKeyCache = new VerificationCache(maxEntries, options.apiKeyCacheTtlMs ?? ttlMs, options.nowMs);
    void hashForTiming(); // ready before the first request that needs it
    if (options.bootstrapPassword !== undefined && options.bootstrapPassword.length > 0) {
      this.bootstrapHash = hashSecretSync(options.bootstrapPassword);
    }
  }

  /**
   * Sets the elastic password when none is stored yet (security auto-configuration on first start).
   * It is the node's own, like a bootstrap password, kept apart from the reserved user's row: a
   * password set through the API replaces it, and a shared write of one that etcd refused (rolled
   * back by the next full load) leaves it working again. See replication.ts.
   */
  ensureElasticPassword(password: string): void {
    if (this.store.getUser('elastic', true)?.passwordHash || this.store.localPasswordHash('elastic') !== undefined) return;
    this.store.setLocalPasswordHash('elastic', hashSecretSync(password));
  }

  // ---- multi-node sharing (replication.ts; the etcd side is cluster/etcd-metadata-range.ts) ---

  /**
   * Every write of the store from now on goes to `publish` (as a key and an encoded record, or
   * null); a record encoding to more than `recordBytesMax` bytes is refused with a 400 first.
   */
  shareChanges(publish: (key: string, value: string | null, create: boolean) => unknown, recordBytesMax: number): void {
    this.store.setChangeSink((change: SecurityChange) => publish(change.key, change.record === null ? null : encodeRecord(change.record), change.create === true), recordBytesMax);
  }

  /**
   * A full read of the shared range from the etcd of cluster `clusterUuid`: applied as planLoad
   * says, every cache emptied. Returns the local records to publish when still absent.
   */
  loadShared(entries: ReadonlyMap<string, { readonly value: string; readonly revision: number }>, clusterUuid: string): { key: string; value: string }[] {
    const state = this.store.replicationState();
    const plan = planLoad({ entries, tracked: state.clusterUuid === clusterUuid ? state.revisions : new Map(), local: this.store.records() });
    for (const { key, reason } of plan.invalid) this.log.error({ key, reason }, 'skipping a shared security record this node cannot read');
    for (const { key, record, revision } of plan.puts) this.store.applyShared(key, record, revision, true);
    for (const key of plan.deletes) this.store.applyShared(key, null, 0, true);
    this.store.resetShared(clusterUuid, plan.revisions);
    this.passwordCache.clear();
    this.apiKeyCache.clear();
    this.rolesChanged();
    if (plan.puts.length + plan.deletes.length > 0) this.log.info({ written: plan.puts.length, deleted: plan.deletes.length }, 'loaded the shared security metadata');
    return plan.adopt.map((record) => ({ key: recordKey(record), value: encodeRecord(record) }));
  }

  /** One watched change at its etcd revision: applied when newer than the held one, and forgotten by the caches. */
  applyShared(key: string, value: string | null, revision: number): void {
    let record: SecurityRecord | null = null;
    if (value !== null) {
      const decoded = decodeRecord(key, value);
      if (!decoded.ok) {
        this.log.error({ key, reason: decoded.reason }, 'skipping a shared security record this node cannot read');
        return;
      }
      record = decoded.record;
    } else if (parseSecurityKey(key) === undefined) {
      return;
    }
    if (this.store.applyShared(key, record, revision)) this.forgetCached(key);
  }

  /** What the caches remember about one object goes (a password, a key's secret, compiled roles). */
  private forgetCached(key: string): void {
    const parsed = parseSecurityKey(key);
    if (parsed === undefined) return;
    const [first = '', second = ''] = parsed.parts;
    switch (parsed.kind) {
      case 'user':
        this.passwordCache.invalidate(`${NATIVE_REALM.name}/${first}`);
        return;
      case 'reserved_user':
        this.passwordCache.invalidate(`${RESERVED_REALM.name}/${first}`);
        return;
      case 'role':
        this.rolesChanged();
        return;
      case 'api_key':
        this.apiKeyCache.invalidate(first);
        return;
      case 'service_token':
        this.passwordCache.invalidate(serviceTokenCacheKey(first, second));
        return;
      case 'privilege':
        return;
    }
  }

  close(): void {
    this.passwordCache.clear();
    this.apiKeyCache.clear();
  }

  // ---- authentication -------------------------------------------------------------------------

  async authenticate(headers: IncomingHttpHeaders, path = '/'): Promise<Authentication> {
    const authorization = header(headers, 'authorization');
    if (authorization === undefined || authorization.trim() === '') {
      // No credentials at all: the anonymous user when enabled (wrong credentials never fall back to it).
      if (this.anonymous !== undefined) return this.anonymousAuthentication(this.anonymous);
      throw errors.authenticationRequired(`missing authentication credentials for REST request [${path}]`);
    }
    const space = authorization.indexOf(' ');
    const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
    const credential = space < 0 ? '' : authorization.slice(space + 1).trim();
    if (scheme === 'basic') return this.authenticateBasic(credential, path);
    if (scheme === 'apikey') {
      const authentication = await this.authenticateApiKey(credential, 'rest');
      return authentication;
    }
    if (scheme === 'bearer') return this.authenticateServiceToken(credential);
    throw errors.authenticationFailed(`unable to authenticate with provided credentials and anonymous access is not allowed for this request`, {
      additional_unsuccessful_credentials: `unsupported authentication scheme [${scheme}]`,
    });
  }

  private async authenticateBasic(credential: string, path: string): Promise<Authentication> {
    const decoded = decodeBasic(credential);
    if (decoded === undefined) {
      throw errors.authenticationFailed(`unable to authenticate with provided credentials and anonymous access is not allowed for this request`, {
        additional_unsuccessful_credentials: 'malformed basic credentials',
      });
    }
    return this.authenticatePassword(decoded.username, decoded.password, `REST request [${path}]`);
  }

  /** Username and password against the reserved and native realms (Basic auth, API key grants). */
  async authenticatePassword(username: string, password: string, context: string): Promise<Authentication> {
    const failed = (): EsError => errors.authenticationFailed(`unable to authenticate user [${username}] for ${context}`);
    const reservedRoleNames = reservedUsers.get(username);
    let user: StoredUser | undefined;
    let realm: RealmRef;
    let storedHash: string | undefined;
    if (reservedRoleNames !== undefined) {
      realm = RESERVED_REALM;
      const row = this.store.getUser(username, true);
      user = this.reservedRow(username, row ?? {});
      storedHash = row?.passwordHash ?? (username === 'elastic' ? (this.bootstrapHash ?? this.store.localPasswordHash('elastic')) : undefined);
    } else {
      realm = NATIVE_REALM;
      user = this.store.getUser(username, false);
      storedHash = user?.passwordHash ?? undefined;
    }
    if (user === undefined || storedHash === undefined) {
      await verifySecret(password, await hashForTiming());
      this.log.info({ username, realm: realm.name }, 'authentication failed: unknown user or no password set');
      throw failed();
    }
    const cacheKey = `${realm.name}/${username}`;
    if (!this.passwordCache.matches(cacheKey, password, storedHash)) {
      if (!(await verifySecret(password, storedHash))) {
        this.log.info({ username, realm: realm.name }, 'authentication failed: wrong password');
        throw failed();
      }
      this.passwordCache.remember(cacheKey, password, storedHash);
    }
    if (!user.enabled) {
      this.log.info({ username }, 'authentication failed: user is disabled');
      throw failed();
    }
    // With anonymous access enabled, every user also has the anonymous roles (as in Elasticsearch).
    const roles = this.anonymous === undefined ? user.roles : [...new Set([...user.roles, ...this.anonymous.roles])];
    const authentication: Authentication = {
      user: { ...publicUser(user), roles },
      authenticatingRealm: realm,
      lookupRealm: realm,
      authenticationType: 'realm',
    };
    this.resolved.set(authentication, { permission: this.permissionForRoles(roles), roleNames: roles });
    return authentication;
  }

  /** `Authorization: Bearer <service account token>`: the token's hash is checked like a password. */
  private async authenticateServiceToken(bearer: string): Promise<Authentication> {
    const token = decodeServiceToken(bearer);
    if (token === undefined) {
      throw errors.authenticationFailed('unable to authenticate with provided credentials and anonymous access is not allowed for this request', {
        additional_unsuccessful_credentials: 'bearer token: not a service account token',
      });
    }
    const failed = (): EsError => errors.authenticationFailed(`failed to authenticate service account [${token.principal}] with token name [${token.name}]`);
    const account = serviceAccounts.get(token.principal);
    const stored = account === undefined ? undefined : this.store.getServiceToken(token.principal, token.name);
    if (account === undefined || stored === undefined) {
      await verifySecret(token.secret, await hashForTiming());
      this.log.info({ principal: token.principal, token: token.name }, 'authentication failed: unknown service account token');
      throw failed();
    }
    const cacheKey = serviceTokenCacheKey(token.principal, token.name);
    if (!this.passwordCache.matches(cacheKey, token.secret, stored.hash)) {
      if (!(await verifySecret(token.secret, stored.hash))) {
        this.log.info({ principal: token.principal, token: token.name }, 'authentication failed: wrong service account token secret');
        throw failed();
      }
      this.passwordCache.remember(cacheKey, token.secret, stored.hash);
    }
    const authentication: Authentication = {
      user: { username: account.principal, roles: [], fullName: `Service account - ${account.principal}`, email: null, metadata: { _elastic_service_account: true }, enabled: true },
      authenticatingRealm: SERVICE_ACCOUNT_REALM,
      lookupRealm: SERVICE_ACCOUNT_REALM,
      authenticationType: 'token',
      serviceToken: { name: token.name, type: '_service_account_index' },
    };
    let permission = this.accountPermissions.get(account);
    if (permission === undefined) this.accountPermissions.set(account, (permission = compilePermission([account.roleDescriptor])));
    this.resolved.set(authentication, { permission, roleNames: [] });
    return authentication;
  }

  /**
   * Creates a token (name given or generated) for a built-in account; the secret is returned once
   * and stored hashed. The name is validated first, then the account (Elasticsearch's order and texts).
   */
  async createServiceToken(namespace: string, service: string, name: string | undefined): Promise<{ name: string; value: string }> {
    const tokenName = name ?? `token_${randomBytes(12).toString('base64url').replace(/^[-_]+/, '')}`;
    const problem = tokenNameProblem(tokenName);
    if (problem !== undefined) throw errors.actionRequestValidation([problem]);
    const account = serviceAccounts.get(`${namespace}/${service}`);
    if (account === undefined) throw errors.illegalArgument(`service account [${namespace}/${service}] does not exist`);
    const secret = randomBytes(16).toString('base64url');
    const { created, published } = this.store.createServiceToken({ principal: account.principal, name: tokenName, hash: await hashSecret(secret), creationMs: this.nowMs() });
    // Elasticsearch's create of the token document fails on its shard of `.security-7`, naming that index's uuid.
    const exists = (): EsError => errors.versionConflict(`service_account_token-${account.principal}/${tokenName}`, 'document already exists (current version [1])', '.security-7', '0', this.store.storeUuid(() => randomBytes(16).toString('base64url')));
    if (!created) throw exists();
    // Multi-node: the name is the cluster's once etcd reserved it; another node's token of that
    // name that came first stands (this node holds it once the watch brings it). Other failures
    // of the publication answer as the request's publications do (wire-security-sharing.ts).
    const lost = await published?.then(
      () => false,
      (error: unknown) => error instanceof SharedRecordExists,
    );
    if (lost === true) throw exists();
    return { name: tokenName, value: encodeServiceToken(account.principal, tokenName, secret) };
  }

  /** In multi-node mode every node names this uuid for the security index (conflict errors). */
  useSharedStoreUuid(uuid: string): void {
    this.store.useSharedStoreUuid(uuid);
  }

  /** Listing and deleting do not resolve the account (Elasticsearch's behaviour): unknown ones simply have none. */
  serviceTokenNames(principal: string): string[] {
    return this.store.listServiceTokens(principal);
  }

  deleteServiceToken(principal: string, name: string): boolean {
    // Only this token's remembered verification goes (clearing the whole cache would make every user's next request hash again).
    this.passwordCache.invalidate(serviceTokenCacheKey(principal, name));
    return this.store.deleteServiceToken(principal, name);
  }

  private anonymousAuthentication(anonymous: AnonymousAccess): Authentication {
    const authentication: Authentication = {
      user: { username: anonymous.username, roles: anonymous.roles, fullName: null, email: null, metadata: { _reserved: true }, enabled: true },
      authenticatingRealm: ANONYMOUS_REALM,
      lookupRealm: ANONYMOUS_REALM,
      authenticationType: 'anonymous',
    };
    this.resolved.set(authentication, { permission: this.permissionForRoles(anonymous.roles), roleNames: anonymous.roles });
    return authentication;
  }

  /**
   * Verifies an `ApiKey` credential of the expected type. REST accepts only REST keys; the remote
   * cluster interface accepts only cross-cluster keys.
   */
  async authenticateApiKey(credential: string, expectedType: 'rest' | 'cross_cluster'): Promise<Authentication> {
    const invalid = (detail: string): EsError =>
      errors.authenticationFailed('unable to authenticate with provided credentials and anonymous access is not allowed for this request', {
        additional_unsuccessful_credentials: `API key: ${detail}`,
      });
    const decoded = decodeApiKeyCredential(credential);
    if (decoded === undefined) throw invalid('invalid API key credential');
    // Elasticsearch refuses a cross-cluster credential whose secret has not the generated length
    // while parsing it, before any lookup (ApiKeyService's credential parsing).
    if (expectedType === 'cross_cluster' && decoded.secret.length !== API_KEY_SECRET_LENGTH) throw errors.authenticationFailed('invalid cross-cluster API key value');
    const key = this.store.getApiKey(decoded.id);
    if (key === undefined) {
      await verifySecret(decoded.secret, await hashForTiming());
      this.log.info({ api_key_id: decoded.id }, 'authentication failed: unknown API key');
      throw invalid(`unable to find apikey with id ${decoded.id}`);
    }
    if (!this.apiKeyCache.matches(key.id, decoded.secret, key.hash)) {
      if (!(await verifySecret(decoded.secret, key.hash))) {
        this.log.info({ api_key_id: key.id }, 'authentication failed: invalid API key secret');
        throw invalid(`invalid credentials for API key [${key.id}]`);
      }
      this.apiKeyCache.remember(key.id, decoded.secret, key.hash);
    }
    if (key.invalidated) {
      this.log.info({ api_key_id: key.id }, 'authentication failed: API key invalidated');
      throw invalid(`api key [${key.id}] has been invalidated`);
    }
    if (key.expirationMs !== null && key.expirationMs <= this.nowMs()) {
      this.log.info({ api_key_id: key.id }, 'authentication failed: API key expired');
      throw invalid(`api key [${key.id}] is expired`);
    }
    if (key.type !== expectedType) {
      this.log.info({ api_key_id: key.id, type: key.type, expected: expectedType }, 'authentication failed: wrong API key type');
      throw errors.authenticationFailed(
        `authentication expected API key type of [${expectedType}], but API key [${key.id}] has type [${key.type}]`,
      );
    }
    // Cross-cluster keys act only through their own descriptor: the owner need not be read.
    const owner = key.type === 'cross_cluster' ? undefined : this.lookupOwner(key);
    const authentication: Authentication = {
      user: {
        username: key.username,
        roles: [],
        fullName: owner?.fullName ?? null,
        email: owner?.email ?? null,
        metadata: owner?.metadata ?? {},
        enabled: true,
      },
      authenticatingRealm: API_KEY_REALM,
      lookupRealm: API_KEY_REALM,
      authenticationType: 'api_key',
      apiKey: { id: key.id, name: key.name, type: key.type },
    };
    this.resolved.set(authentication, { permission: this.apiKeyPermission(key), roleNames: [] });
    this.authenticatedKeys.set(authentication, key);
    return authentication;
  }

  /** A key's own descriptors, compiled once per stored key object (the store replaces it on update). */
  private keyDescriptorPermission(key: StoredApiKey): Permission {
    let permission = this.keyPermissions.get(key);
    if (permission === undefined) this.keyPermissions.set(key, (permission = compilePermission(key.roleDescriptors)));
    return permission;
  }

  /** The stored key behind an API key authentication made by this service (no second lookup). */
  storedKeyOf(authentication: Authentication): StoredApiKey | undefined {
    return this.authenticatedKeys.get(authentication);
  }

  /** The owner as stored now (undefined when the owner no longer exists). */
  private lookupOwner(key: StoredApiKey): StoredUser | undefined {
    if (key.realm === RESERVED_REALM.name) {
      const row = this.store.getUser(key.username, true);
      return reservedUsers.has(key.username) ? this.reservedRow(key.username, row ?? {}) : undefined;
    }
    if (key.realm === NATIVE_REALM.name) return this.store.getUser(key.username, false);
    return undefined;
  }

  /**
   * The role descriptors that define what this caller may do, as sets that must all allow an action:
   * one set for a user (its roles), two for a REST API key with descriptors (the key's, then the
   * owner's roles as they are now), one (the owner's) for a key without descriptors. The
   * cross-cluster layers derive what travels to a remote cluster from these.
   */
  descriptorSets(authentication: Authentication): RoleDescriptor[][] {
    const roles = (names: readonly string[]): RoleDescriptor[] =>
      names.map((name) => this.findRole(name)).filter((role): role is RoleDescriptor => role !== undefined);
    const account = authentication.authenticationType === 'token' ? serviceAccounts.get(authentication.user.username) : undefined;
    if (account !== undefined) return [[account.roleDescriptor]];
    if (authentication.apiKey === undefined) return [roles(authentication.user.roles)];
    const key = this.store.getApiKey(authentication.apiKey.id);
    if (key === undefined) return [[]];
    const ownerRoles = roles(this.ownerRoleNames(key));
    return key.roleDescriptors.length > 0 ? [[...key.roleDescriptors], ownerRoles] : [ownerRoles];
  }

  /** The owner's role names as they are now (the creation-time names when the owner is gone). */
  ownerRoleNames(key: StoredApiKey): readonly string[] {
    const owner = this.lookupOwner(key);
    return owner !== undefined ? (owner.enabled ? owner.roles : []) : key.ownerRoles;
  }

  /** The key's own descriptors (if any) limited by its owner's roles as they are now. */
  apiKeyPermission(key: StoredApiKey): Permission {
    // A cross-cluster key is exactly its `cross_cluster` descriptor: no limited-by (spec §4.2).
    if (key.type === 'cross_cluster') return this.keyDescriptorPermission(key);
    const limitedBy = this.permissionForRoles(this.ownerRoleNames(key));
    if (key.roleDescriptors.length > 0) {
      return intersectPermissions(this.keyDescriptorPermission(key), limitedBy);
    }
    return limitedBy;
  }

  // ---- roles and permissions ------------------------------------------------------------------

  findRole(name: string): RoleDescriptor | undefined {
    return reservedRoles.get(name) ?? this.store.getRole(name);
  }

  /** Unknown role names grant nothing (and are logged once per resolution). */
  permissionForRoles(roleNames: readonly string[]): Permission {
    // The same list (a cached user's roles) answers without building its key again.
    const byList = this.permissionsByList.get(roleNames);
    if (byList !== undefined) return byList;
    const key = [...roleNames].sort().join('\u0000');
    const cached = this.permissionCache.get(key);
    if (cached !== undefined) {
      this.permissionsByList.set(roleNames, cached);
      return cached;
    }
    const descriptors: RoleDescriptor[] = [];
    for (const name of roleNames) {
      const role = this.findRole(name);
      if (role === undefined) this.log.debug({ role: name }, 'unknown role name grants nothing');
      else descriptors.push(role);
    }
    const permission = compilePermission(descriptors);
    if (this.permissionCache.size > 1000) this.permissionCache.clear();
    this.permissionCache.set(key, permission);
    this.permissionsByList.set(roleNames, permission);
    return permission;
  }

  rolesChanged(): void {
    this.permissionCache.clear();
    this.permissionsByList = new WeakMap();
  }

  permissionOf(authentication: Authentication): Permission {
    const resolved = this.resolved.get(authentication);
    if (resolved !== undefined) return resolved.permission;
    return this.permissionForRoles(authentication.user.roles);
  }

  /**
   * The 403 for an action the caller may not perform, worded as Elasticsearch's denial: who, the
   * effective roles, the indices, and the privileges that would grant it. `withConditional: false`
   * when a conditional privilege the caller holds (manage_own_api_key) refused this request.
   */
  denied(
    authentication: Authentication,
    action: string,
    kind: 'cluster' | 'index',
    options: { indices?: readonly string[]; withConditional?: boolean } = {},
  ): EsError {
    if (authentication.authenticationType === 'anonymous' && this.anonymous?.authzException === false) {
      // authz_exception: false asks the anonymous caller for credentials instead (a 401).
      return errors.authenticationRequired(`action [${action}] requires authentication`);
    }
    const roleNames = this.resolved.get(authentication)?.roleNames ?? authentication.user.roles;
    const serviceAccount = authentication.authenticationType === 'token';
    const who =
      authentication.apiKey !== undefined
        ? `API key id [${authentication.apiKey.id}] of user [${authentication.user.username}]`
        : `${serviceAccount ? 'service account' : 'user'} [${authentication.user.username}]`;
    const roles = authentication.apiKey !== undefined || serviceAccount ? '' : ` with effective roles [${[...roleNames].sort().join(',')}]`;
    const shownAction = action.replace(/:op_type\/create$/, '');
    const { indices } = options;
    const granting = privilegesGranting(kind, action, { withConditional: options.withConditional ?? true }).filter((name) => name !== 'none');
    const on = indices !== undefined ? ` on indices [${indices.join(',')}]` : '';
    const grantedBy = granting.length > 0 ? `, this action is granted by the ${kind} privileges [${granting.join(',')}]` : '';
    this.log.info({ action: shownAction, principal: authentication.user.username, api_key_id: authentication.apiKey?.id, indices }, 'access denied');
    return errors.securityForbidden(`action [${shownAction}] is unauthorized for ${who}${roles}${on}${grantedBy}`);
  }

  authorizer(authentication: Authentication): RequestAuthorizer {
    const permission = this.permissionOf(authentication);
    const deny = (action: string, kind: 'cluster' | 'index', indices?: readonly string[]): EsError =>
      this.denied(authentication, action, kind, indices !== undefined ? { indices } : {});
    return {
      cluster: (action) => {
        if (!permission.allowsCluster(action)) throw deny(action, 'cluster');
      },
      indices: (action, indices) => {
        const denied = indices.filter((index) => !permission.allowsIndex(action, index));
        if (denied.length > 0) throw deny(action, 'index', denied);
      },
      allowsIndex: (action, index) => permission.allowsIndex(action, index),
      readRestriction: (action, index, aliases) => readRestrictionOf(permission.indexAccess(action, index, aliases), authentication.user),
    };
  }

  // ---- users ----------------------------------------------------------------------------------

  reservedRow(username: string, row: Partial<StoredUser>): StoredUser {
    return {
      username,
      passwordHash: row.passwordHash ?? null,
      roles: reservedUsers.get(username) ?? [],
      fullName: null,
      email: null,
      metadata: { _reserved: true },
      enabled: row.enabled ?? true,
    };
  }

  getUsers(names: readonly string[] | undefined): StoredUser[] {
    if (names === undefined) {
      const reserved = [...reservedUsers.keys()].map((name) => this.reservedRow(name, this.store.getUser(name, true) ?? {}));
      return [...reserved, ...this.store.listUsers()];
    }
    return names
      .map((name) => (reservedUsers.has(name) ? this.reservedRow(name, this.store.getUser(name, true) ?? {}) : this.store.getUser(name, false)))
      .filter((user): user is StoredUser => user !== undefined);
  }

  async putUser(
    username: string,
    body: { password?: string; passwordHash?: string; roles?: string[]; fullName?: string | null; email?: string | null; metadata?: Record<string, unknown>; enabled?: boolean },
  ): Promise<{ created: boolean }> {
    if (reservedUsers.has(username)) {
      throw errors.actionRequestValidation([`user [${username}] is reserved and only the password can be changed`]);
    }
    const existing = this.store.getUser(username, false);
    const problems: string[] = [];
    if (body.password === undefined && body.passwordHash === undefined && existing === undefined) {
      problems.push('password must be specified unless you are updating an existing user');
    }
    if (body.password !== undefined && body.password.length < MIN_PASSWORD_LENGTH) {
      problems.push(`passwords must be at least [${MIN_PASSWORD_LENGTH}] characters long`);
    }
    if (body.passwordHash !== undefined && !isSecretHash(body.passwordHash)) {
      problems.push('The provided password hash is not a hash or it could not be resolved to a supported hash algorithm. The supported password hash algorithms are [scrypt]');
    }
    if (body.roles === undefined && existing === undefined) problems.push('roles are missing');
    if (problems.length > 0) throw errors.actionRequestValidation(problems);
    const passwordHash =
      body.password !== undefined ? await hashSecret(body.password) : (body.passwordHash ?? existing?.passwordHash ?? null);
    this.store.putUser(
      {
        username,
        passwordHash,
        roles: body.roles ?? existing?.roles ?? [],
        fullName: body.fullName !== undefined ? body.fullName : (existing?.fullName ?? null),
        email: body.email !== undefined ? body.email : (existing?.email ?? null),
        metadata: body.metadata ?? existing?.metadata ?? {},
        enabled: body.enabled ?? existing?.enabled ?? true,
      },
      false,
    );
    this.passwordCache.invalidate(`${NATIVE_REALM.name}/${username}`);
    return { created: existing === undefined };
  }

  deleteUser(username: string): boolean {
    if (reservedUsers.has(username)) {
      throw errors.actionRequestValidation([`user [${username}] is reserved and cannot be deleted`]);
    }
    this.passwordCache.invalidate(`${NATIVE_REALM.name}/${username}`);
    return this.store.deleteUser(username);
  }

  async changePassword(username: string, password: string | undefined, passwordHash: string | undefined): Promise<void> {
    const problems: string[] = [];
    if (password === undefined && passwordHash === undefined) problems.push('password must be specified');
    if (password !== undefined && password.length < MIN_PASSWORD_LENGTH) problems.push(`passwords must be at least [${MIN_PASSWORD_LENGTH}] characters long`);
    if (passwordHash !== undefined && !isSecretHash(passwordHash)) problems.push('The provided password hash is not a hash or it could not be resolved to a supported hash algorithm. The supported password hash algorithms are [scrypt]');
    if (problems.length > 0) throw errors.actionRequestValidation(problems);
    const hash = password !== undefined ? await hashSecret(password) : passwordHash!;
    if (reservedUsers.has(username)) {
      const row = this.store.getUser(username, true);
      this.store.putUser(this.reservedRow(username, { ...(row ?? {}), passwordHash: hash }), true);
      this.passwordCache.invalidate(`${RESERVED_REALM.name}/${username}`);
      return;
    }
    const existing = this.store.getUser(username, false);
    if (existing === undefined) throw errors.resourceNotFound(`user [${username}] does not exist`);
    this.store.putUser({ ...existing, passwordHash: hash }, false);
    this.passwordCache.invalidate(`${NATIVE_REALM.name}/${username}`);
  }

  setEnabled(username: string, enabled: boolean, caller: Authentication): void {
    if (!enabled && caller.apiKey === undefined && caller.user.username === username) {
      throw errors.illegalArgument('users may not update the enabled status of their own account');
    }
    if (reservedUsers.has(username)) {
      const row = this.store.getUser(username, true);
      this.store.putUser(this.reservedRow(username, { ...(row ?? {}), enabled }), true);
      return;
    }
    const existing = this.store.getUser(username, false);
    if (existing === undefined) throw errors.resourceNotFound(`user [${username}] does not exist`);
    this.store.putUser({ ...existing, enabled }, false);
  }

  // ---- roles ----------------------------------------------------------------------------------

  putRole(role: RoleDescriptor): boolean {
    if (reservedRoles.has(role.name)) throw errors.illegalArgument(`Role [${role.name}] is reserved and may not be used.`);
    const created = this.store.putRole(role);
    this.rolesChanged();
    return created;
  }

  deleteRole(name: string): boolean {
    if (reservedRoles.has(name)) throw errors.illegalArgument(`role [${name}] is reserved and cannot be deleted`);
    const found = this.store.deleteRole(name);
    this.rolesChanged();
    return found;
  }

  // ---- API keys -------------------------------------------------------------------------------

  /** Creates a key owned by the caller; returns the secret once. */
  async createApiKey(
    owner: Authentication,
    request: { name: string; expirationMs: number | null; roleDescriptors: readonly RoleDescriptor[]; metadata: Record<string, unknown>; type: 'rest' | 'cross_cluster'; access: Record<string, unknown> | null },
  ): Promise<{ id: string; secret: string; expirationMs: number | null }> {
    const id = randomBytes(15).toString('base64url');
    const secret = randomBytes(16).toString('base64url'); // API_KEY_SECRET_LENGTH characters
    const ownerRealm = owner.apiKey !== undefined ? this.keyOwnerRealm(owner.apiKey.id) : owner.authenticatingRealm;
    const now = this.nowMs();
    this.store.putApiKey({
      id,
      name: request.name,
      type: request.type,
      hash: await hashSecret(secret),
      creationMs: now,
      expirationMs: request.expirationMs === null ? null : now + request.expirationMs,
      invalidated: false,
      invalidationMs: null,
      username: owner.user.username,
      realm: ownerRealm.name,
      realmType: ownerRealm.type,
      metadata: request.metadata,
      roleDescriptors: request.roleDescriptors,
      ownerRoles: owner.apiKey !== undefined ? (this.store.getApiKey(owner.apiKey.id)?.ownerRoles ?? []) : owner.user.roles,
      access: request.access,
    });
    this.log.info({ api_key_id: id, type: request.type, owner: owner.user.username }, 'API key created');
    return { id, secret, expirationMs: request.expirationMs === null ? null : now + request.expirationMs };
  }

  private keyOwnerRealm(keyId: string): RealmRef {
    const key = this.store.getApiKey(keyId);
    return key === undefined ? NATIVE_REALM : { name: key.realm, type: key.realmType };
  }

  updateApiKey(key: StoredApiKey, update: { roleDescriptors?: readonly RoleDescriptor[]; metadata?: Record<string, unknown>; expirationMs?: number | null; access?: Record<string, unknown> | null }): boolean {
    const next: StoredApiKey = {
      ...key,
      ...(update.roleDescriptors !== undefined ? { roleDescriptors: update.roleDescriptors } : {}),
      ...(update.metadata !== undefined ? { metadata: update.metadata } : {}),
      ...(update.expirationMs !== undefined ? { expirationMs: update.expirationMs === null ? null : this.nowMs() + update.expirationMs } : {}),
      ...(update.access !== undefined ? { access: update.access } : {}),
    };
    const changed = JSON.stringify(next) !== JSON.stringify(key);
    if (changed) {
      this.store.putApiKey(next);
      this.apiKeyCache.invalidate(key.id);
      this.log.info({ api_key_id: key.id }, 'API key updated');
    }
    return changed;
  }

  invalidateApiKeys(keys: readonly StoredApiKey[]): { invalidated: string[]; previously: string[] } {
    const invalidated: string[] = [];
    const previously: string[] = [];
    const now = this.nowMs();
    for (const key of keys) {
      if (key.invalidated) {
        previously.push(key.id);
        continue;
      }
      this.store.putApiKey({ ...key, invalidated: true, invalidationMs: now });
      this.apiKeyCache.invalidate(key.id);
      invalidated.push(key.id);
    }
    if (invalidated.length > 0) this.log.info({ api_key_ids: invalidated }, 'API keys invalidated');
    return { invalidated, previously };
  }

  /** Does the caller own this key? (A key authenticated caller owns only itself.) */
  owns(caller: Authentication, key: StoredApiKey): boolean {
    if (caller.apiKey !== undefined) return caller.apiKey.id === key.id;
    return key.username === caller.user.username && key.realm === caller.authenticatingRealm.name;
  }
}

/**
 * Verified against when the user or key is unknown, so that a miss costs what a hit costs. Hashed
 * on the thread pool when the first service is made (not on the main thread while the node starts).
 */
let timingHash: Promise<string> | undefined;
function hashForTiming(): Promise<string> {
  return (timingHash ??= hashSecret(randomBytes(12).toString('hex')));
}

export function publicUser(user: StoredUser): AuthenticatedUser {
  return { username: user.username, roles: user.roles, fullName: user.fullName, email: user.email, metadata: user.metadata, enabled: user.enabled };
}

export function createSecurityService(options: CreateSecurityServiceOptions): NativeSecurityService {
  return new NativeSecurityService(options);
}
