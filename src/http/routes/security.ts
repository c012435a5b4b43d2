import { EsError, errors } from '../../common/index.js';
import {
  parseRoleDescriptor,
  parseTimeValue,
  renderRoleDescriptor,
  reservedRoles,
  resolvePrivilege,
  clusterPrivileges,
  indexPrivileges,
  remoteClusterPrivileges,
  validateSecurityName,
  ownKeyRequestAllowed,
  type ApiKeyRequestScope,
  type Authentication,
  type NativeSecurityService,
  type RoleDescriptor,
  type StoredApiKey,
  type StoredUser,
  type ApplicationPrivilege,
  compilePatterns,
  globCovers,
} from '../../security/index.js';
import {
  documentFieldSecurityOf,
  parseFieldSecurity,
  parseRoleQuery,
  renderDocumentFieldSecurity,
  validateRoleQueries,
  type FieldSecurity,
} from '../../security/document-field-access.js';
import { findServiceAccounts } from '../../security/service-accounts.js';
import { booleanParam } from '../request.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../route.js';
import { apiKeySchema, roleSchema, runQuery, userSchema } from './security-query.js';

/** The `/_security/...` REST API: authenticate, users, roles, API keys, privileges. */

const SEC = 'cluster:admin/xpack/security';

type Body = Record<string, unknown>;

const isRecord = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);

function objectBody(request: RestRequest, what: string, required = true): Body {
  const body = request.json();
  if (body === undefined) {
    if (required) throw errors.bodyRequired();
    return {};
  }
  if (!isRecord(body)) throw errors.parse(`failed to parse ${what}: expected an object`);
  return body;
}

function expectString(what: string, field: string, value: unknown): string {
  if (typeof value !== 'string') throw errors.parse(`failed to parse ${what}. expected field [${field}] to be of type string but found [${JSON.stringify(value)}] instead`);
  return value;
}

function expectStringOrNull(what: string, field: string, value: unknown): string | null {
  return value === null ? null : expectString(what, field, value);
}

function expectStrings(what: string, field: string, value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw errors.parse(`failed to parse ${what}. expected field [${field}] to be an array of strings`);
  }
  return value as string[];
}

function expectObject(what: string, field: string, value: unknown): Body {
  if (!isRecord(value)) throw errors.parse(`failed to parse ${what}. expected field [${field}] to be an object`);
  return value;
}

function checkMetadata(metadata: Body): Body {
  const reserved = Object.keys(metadata).filter((key) => key.startsWith('_'));
  if (reserved.length > 0) throw errors.actionRequestValidation([`metadata keys may not start with [_]: [${reserved.join(',')}]`]);
  return metadata;
}

function listParam(value: string | undefined): string[] | undefined {
  if (value === undefined || value === '' || value === '*' || value === '_all') return undefined;
  return value.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
}

/**
 * Runs one step per item of a bulk security API and groups the items by outcome (`created`,
 * `updated`, `noop`, ...); a failing item lands in `errors.details` with its cause. Groups named in
 * `always` are rendered even when empty.
 */
function runBulk(items: readonly string[], step: (item: string) => string, always: readonly string[] = []): Body {
  const groups: Record<string, string[]> = Object.fromEntries(always.map((name) => [name, []]));
  const details: Record<string, unknown> = {};
  for (const item of items) {
    try {
      (groups[step(item)] ??= []).push(item);
    } catch (error) {
      details[item] = causeOf(error);
    }
  }
  const count = Object.keys(details).length;
  return { ...groups, ...(count > 0 ? { errors: { count, details } } : {}) };
}

/** An item error of a bulk security API, in Elasticsearch's cause shape. */
function causeOf(error: unknown): unknown {
  return error instanceof EsError ? error.toCause() : { type: 'exception', reason: error instanceof Error ? error.message : String(error) };
}

function renderUser(user: StoredUser): Body {
  return { username: user.username, roles: user.roles, full_name: user.fullName, email: user.email, metadata: user.metadata, enabled: user.enabled };
}

export function renderAuthentication(authentication: Authentication): Body {
  const { user } = authentication;
  return {
    username: user.username,
    roles: user.roles,
    full_name: user.fullName,
    email: user.email,
    metadata: user.metadata,
    enabled: user.enabled,
    authentication_realm: authentication.authenticatingRealm,
    lookup_realm: authentication.lookupRealm,
    authentication_type: authentication.authenticationType,
    ...(authentication.apiKey !== undefined ? { api_key: { id: authentication.apiKey.id, name: authentication.apiKey.name } } : {}),
    ...(authentication.serviceToken !== undefined ? { token: authentication.serviceToken } : {}),
  };
}

/** Service accounts and their tokens (Elasticsearch's service account APIs). */
function serviceAccountRoutes(security: NativeSecurityService): Route[] {
  const listAccounts = (request: RestRequest): RestResponse => {
    const body: Body = {};
    for (const account of findServiceAccounts(request.params['namespace'], request.params['service'])) {
      body[account.principal] = { role_descriptor: renderRoleDescriptor(account.roleDescriptor) };
    }
    return { status: 200, body };
  };
  const createToken = async (request: RestRequest): Promise<RestResponse> => {
    const token = await security.createServiceToken(request.params['namespace']!, request.params['service']!, request.params['name']);
    return { status: 200, body: { created: true, token } };
  };
  const tokenPath = '/_security/service/:namespace/:service/credential/token';
  return [
    ...['/_security/service', '/_security/service/:namespace', '/_security/service/:namespace/:service'].map(
      (path): Route => ({ method: 'GET', path, action: `${SEC}/service_account/get`, scope: 'cluster', handle: listAccounts }),
    ),
    ...[tokenPath, `${tokenPath}/:name`].map(
      (path): Route => ({ method: ['POST', 'PUT'], path, action: `${SEC}/service_account/token/create`, scope: 'cluster', params: ['refresh'], handle: createToken }),
    ),
    {
      method: 'GET',
      path: '/_security/service/:namespace/:service/credential',
      action: `${SEC}/service_account/credential/get`,
      scope: 'cluster',
      handle: (request) => {
        const principal = `${request.params['namespace']!}/${request.params['service']!}`;
        const names = security.serviceTokenNames(principal);
        // Tokens live in the node's security store; file-backed tokens are not supported, so
        // this node reports none.
        return {
          status: 200,
          body: {
            service_account: principal,
            count: names.length,
            tokens: Object.fromEntries(names.map((name) => [name, {}])),
            nodes_credentials: { _nodes: { total: 1, successful: 1, failed: 0 }, file_tokens: {} },
          },
        };
      },
    },
    {
      method: 'DELETE',
      path: `${tokenPath}/:name`,
      action: `${SEC}/service_account/token/delete`,
      scope: 'cluster',
      params: ['refresh'],
      handle: (request) => {
        const found = security.deleteServiceToken(`${request.params['namespace']!}/${request.params['service']!}`, request.params['name']!);
        return { status: found ? 200 : 404, body: { found } };
      },
    },
  ];
}

export function renderApiKey(security: NativeSecurityService, key: StoredApiKey, withLimitedBy: boolean): Body {
  const roleDescriptors: Body = {};
  for (const descriptor of key.roleDescriptors) roleDescriptors[descriptor.name] = renderRoleDescriptor(descriptor);
  const limitedBy =
    withLimitedBy && key.type === 'rest'
      ? [Object.fromEntries(security.ownerRoleNames(key).map((name) => [name, security.findRole(name)]).filter(([, role]) => role !== undefined).map(([name, role]) => [name, renderRoleDescriptor(role as RoleDescriptor)]))]
      : undefined;
  return {
    id: key.id,
    name: key.name,
    type: key.type,
    creation: key.creationMs,
    ...(key.expirationMs !== null ? { expiration: key.expirationMs } : {}),
    invalidated: key.invalidated,
    ...(key.invalidationMs !== null ? { invalidation: key.invalidationMs } : {}),
    username: key.username,
    realm: key.realm,
    realm_type: key.realmType,
    metadata: key.metadata,
    role_descriptors: roleDescriptors,
    ...(limitedBy !== undefined ? { limited_by: limitedBy } : {}),
    ...(key.access !== null ? { access: key.access } : {}),
  };
}

function parseUserBody(username: string, body: Body) {
  const what = 'add user request';
  const parsed: {
    password?: string;
    passwordHash?: string;
    roles?: string[];
    fullName?: string | null;
    email?: string | null;
    metadata?: Record<string, unknown>;
    enabled?: boolean;
  } = {};
  for (const [field, value] of Object.entries(body)) {
    switch (field) {
      case 'password':
        parsed.password = expectString(what, field, value);
        break;
      case 'password_hash':
        parsed.passwordHash = expectString(what, field, value);
        break;
      case 'roles':
        parsed.roles = expectStrings(what, field, value);
        break;
      case 'full_name':
        parsed.fullName = expectStringOrNull(what, field, value);
        break;
      case 'email':
        parsed.email = expectStringOrNull(what, field, value);
        break;
      case 'metadata':
        parsed.metadata = checkMetadata(expectObject(what, field, value));
        break;
      case 'enabled':
        if (typeof value !== 'boolean') throw errors.parse(`failed to parse ${what}. expected field [enabled] to be of type boolean`);
        parsed.enabled = value;
        break;
      case 'username':
        if (value !== username) throw errors.illegalArgument(`[username] in source does not match the username provided [${username}]`);
        break;
      default:
        throw errors.parse(`failed to parse ${what} for user [${username}]. unexpected field [${field}]`);
    }
  }
  if (parsed.password !== undefined && parsed.passwordHash !== undefined) {
    throw errors.actionRequestValidation(['only one of [password, passwordHash] can be provided']);
  }
  return parsed;
}

function parseRoleDescriptorsMap(body: unknown, field: string): RoleDescriptor[] {
  if (body === undefined || body === null) return [];
  if (!isRecord(body)) throw errors.parse(`failed to parse api key request. expected field [${field}] to be an object`);
  return Object.entries(body).map(([name, descriptor]) => parseRoleDescriptor(name, descriptor));
}

function parseExpiration(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  return parseTimeValue('expiration', value);
}

const CROSS_CLUSTER_SEARCH_PRIVILEGES = ['read', 'read_cross_cluster', 'view_index_metadata'];
const CROSS_CLUSTER_REPLICATION_PRIVILEGES = ['cross_cluster_replication', 'cross_cluster_replication_internal'];

/** Spec §4.1/4.2: `access` → the single `cross_cluster` role descriptor. */
export function crossClusterAccessToDescriptor(access: unknown): { descriptor: RoleDescriptor; access: Body } {
  if (access === null) throw errors.parse('failed to parse cross-cluster API key request: [access] must be an object, not null');
  if (!isRecord(access)) throw errors.parse('failed to parse cross-cluster API key request: [access] must be an object');
  for (const key of Object.keys(access)) {
    if (key !== 'search' && key !== 'replication') throw errors.parse(`failed to parse cross-cluster API key request: [access] unknown field [${key}]`);
  }
  const entries = (kind: 'search' | 'replication'): Body[] => {
    const value = access[kind];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every(isRecord)) throw errors.parse(`failed to parse cross-cluster API key request: [access.${kind}] must be an array of objects`);
    return value as Body[];
  };
  const search = entries('search');
  const replication = entries('replication');
  if (search.length === 0 && replication.length === 0) {
    throw errors.actionRequestValidation(['must specify non-empty access for either [search] or [replication]']);
  }
  const hasDlsFls = (entry: Body): boolean => entry['query'] !== undefined || entry['field_security'] !== undefined;
  if (replication.some(hasDlsFls)) throw errors.actionRequestValidation(['replication does not support document or field level security']);
  if (replication.length > 0 && search.some(hasDlsFls)) {
    throw errors.actionRequestValidation(['search does not support document or field level security if replication is assigned']);
  }
  interface AccessEntry {
    names: string[];
    allowRestrictedIndices: boolean;
    query?: unknown;
    fieldSecurity?: FieldSecurity;
  }
  const normalize = (kind: string, entry: Body): AccessEntry => {
    let names: string[] | undefined;
    let allowRestrictedIndices = false;
    let security: Pick<AccessEntry, 'query' | 'fieldSecurity'> = {};
    for (const [key, value] of Object.entries(entry)) {
      if (key === 'names') names = expectStrings('cross-cluster API key request', `access.${kind}.names`, value);
      // Document and field level security on `search` entries (checked above: never with replication).
      else if (key === 'query' && kind === 'search') security = { ...security, query: parseRoleQuery('cross_cluster', value) };
      else if (key === 'field_security' && kind === 'search') security = { ...security, fieldSecurity: parseFieldSecurity('cross_cluster', value) };
      else if (key === 'allow_restricted_indices') {
        if (typeof value !== 'boolean') throw errors.parse(`failed to parse cross-cluster API key request: [allow_restricted_indices] must be a boolean`);
        allowRestrictedIndices = value;
      } else if (key === 'privileges') {
        throw errors.parse(`failed to parse cross-cluster API key request: [access.${kind}] does not accept [privileges]; they are implied`);
      } else throw errors.parse(`failed to parse cross-cluster API key request: [access.${kind}] unknown field [${key}]`);
    }
    if (names === undefined || names.length === 0) throw errors.parse(`failed to parse cross-cluster API key request: [access.${kind}] entries require [names]`);
    return { names, allowRestrictedIndices, ...security };
  };
  const searchEntries = search.map((entry) => normalize('search', entry));
  validateRoleQueries(searchEntries);
  const replicationEntries = replication.map((entry) => normalize('replication', entry));
  const cluster = [
    ...(searchEntries.length > 0 ? ['cross_cluster_search', 'monitor_enrich'] : []),
    ...(replicationEntries.length > 0 ? ['cross_cluster_replication'] : []),
  ];
  const descriptor: RoleDescriptor = {
    name: 'cross_cluster',
    cluster,
    indices: [
      ...searchEntries.map((entry) => ({ names: entry.names, privileges: CROSS_CLUSTER_SEARCH_PRIVILEGES, allowRestrictedIndices: entry.allowRestrictedIndices, ...documentFieldSecurityOf(entry) })),
      ...replicationEntries.map((entry) => ({ names: entry.names, privileges: CROSS_CLUSTER_REPLICATION_PRIVILEGES, allowRestrictedIndices: entry.allowRestrictedIndices })),
    ],
    remoteIndices: [],
    remoteCluster: [],
    runAs: [],
    applications: [],
    metadata: {},
  };
  const rendered: Body = {};
  if (searchEntries.length > 0) rendered['search'] = searchEntries.map((e) => ({ names: e.names, ...renderDocumentFieldSecurity(e), allow_restricted_indices: e.allowRestrictedIndices }));
  if (replicationEntries.length > 0) rendered['replication'] = replicationEntries.map((e) => ({ names: e.names, allow_restricted_indices: e.allowRestrictedIndices }));
  return { descriptor, access: rendered };
}

/** Elasticsearch refuses every API key update made with API key credentials (TransportBaseUpdateApiKeyAction). */
const API_KEY_CANNOT_UPDATE = 'authentication via API key not supported: only the owner user can update an API key';

function encodedKey(id: string, secret: string): string {
  return Buffer.from(`${id}:${secret}`, 'utf8').toString('base64');
}

export function securityRoutes(security: NativeSecurityService): Route[] {
  const may = (context: RequestContext, privilege: string): boolean =>
    security.permissionOf(context.authentication).hasClusterPrivilege(privilege);

  /**
   * Which keys an API key request may reach. The pipeline (or the handler) has checked that some
   * privilege grants the action; `all` when one grants it outright (manage_api_key, manage_security,
   * read_security for reads), `own` when only manage_own_api_key does.
   */
  const keyAccess = (context: RequestContext, action: string): 'all' | 'own' =>
    security.permissionOf(context.authentication).hasClusterPrivilege(action) ? 'all' : 'own';

  /** The 403 of a request manage_own_api_key does not cover (Elasticsearch's wording, without that privilege). */
  const ownKeysOnly = (context: RequestContext, action: string): Error => security.denied(context.authentication, action, 'cluster', { withConditional: false });

  /**
   * The keys of the caller's owner identity, as Elasticsearch's `owner` flag resolves it: the user's
   * own keys, or for an API key the keys of the user who owns it.
   */
  const ownerKeys = (caller: Authentication, keys: StoredApiKey[]): StoredApiKey[] => {
    const realm = caller.apiKey !== undefined ? (security.storedKeyOf(caller) ?? security.store.getApiKey(caller.apiKey.id))?.realm : caller.authenticatingRealm.name;
    return keys.filter((key) => key.username === caller.user.username && key.realm === realm);
  };

  const filterKeys = (keys: StoredApiKey[], filter: { ids?: string[]; name?: string; username?: string; realmName?: string }): StoredApiKey[] => {
    const nameMatches = (name: string | null): boolean => {
      if (filter.name === undefined || filter.name === '*') return true;
      if (name === null) return false;
      return filter.name.endsWith('*') ? name.startsWith(filter.name.slice(0, -1)) : name === filter.name;
    };
    return keys.filter(
      (key) =>
        (filter.ids === undefined || filter.ids.includes(key.id)) &&
        nameMatches(key.name) &&
        (filter.username === undefined || key.username === filter.username) &&
        (filter.realmName === undefined || key.realm === filter.realmName),
    );
  };

  const createKey = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const body = objectBody(request, 'api key request');
    let name: string | undefined;
    let expiration: number | null = null;
    let roleDescriptors: RoleDescriptor[] = [];
    let roleDescriptorsGiven = false;
    let metadata: Body = {};
    for (const [field, value] of Object.entries(body)) {
      if (field === 'name') name = expectString('api key request', field, value);
      else if (field === 'expiration') expiration = parseExpiration(value);
      else if (field === 'role_descriptors') {
        roleDescriptors = parseRoleDescriptorsMap(value, field);
        roleDescriptorsGiven = true;
      } else if (field === 'metadata') metadata = checkMetadata(expectObject('api key request', field, value));
      else throw errors.parse(`failed to parse api key request. unexpected field [${field}]`);
    }
    if (name === undefined || name.trim() === '') throw errors.actionRequestValidation(['api key name is required']);
    if (name.length > 256) throw errors.actionRequestValidation(['api key name may not be more than 256 characters long']);
    if (context.authentication.apiKey !== undefined) {
      const grantsNothing = roleDescriptors.every((d) => d.cluster.length === 0 && d.indices.length === 0 && d.remoteIndices.length === 0 && d.runAs.length === 0);
      if (!roleDescriptorsGiven || roleDescriptors.length === 0 || !grantsNothing) {
        throw errors.illegalArgument('creating derived api keys requires an explicit role descriptor that is empty (has no privileges)');
      }
    }
    const created = await security.createApiKey(context.authentication, { name, expirationMs: expiration, roleDescriptors, metadata, type: 'rest', access: null });
    return {
      status: 200,
      body: {
        id: created.id,
        name,
        ...(created.expirationMs !== null ? { expiration: created.expirationMs } : {}),
        api_key: created.secret,
        encoded: encodedKey(created.id, created.secret),
      },
    };
  };

  const createCrossClusterKey = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    if (context.authentication.apiKey !== undefined) {
      throw errors.illegalArgument('authentication via API key not supported: An API key cannot be used to create a cross-cluster API key');
    }
    const body = objectBody(request, 'cross-cluster api key request');
    let name: string | undefined;
    let expiration: number | null = null;
    let metadata: Body = {};
    let accessGiven = false;
    let translated: ReturnType<typeof crossClusterAccessToDescriptor> | undefined;
    for (const [field, value] of Object.entries(body)) {
      if (field === 'name') name = expectString('cross-cluster api key request', field, value);
      else if (field === 'expiration') expiration = parseExpiration(value);
      else if (field === 'metadata') metadata = checkMetadata(expectObject('cross-cluster api key request', field, value));
      else if (field === 'access') {
        accessGiven = true;
        translated = crossClusterAccessToDescriptor(value);
      } else throw errors.parse(`failed to parse cross-cluster api key request. unexpected field [${field}]`);
    }
    if (name === undefined) throw errors.actionRequestValidation(['Required [name]']);
    if (!accessGiven || translated === undefined) throw errors.actionRequestValidation(['Required [access]']);
    const created = await security.createApiKey(context.authentication, {
      name,
      expirationMs: expiration,
      roleDescriptors: [translated.descriptor],
      metadata,
      type: 'cross_cluster',
      access: translated.access,
    });
    return {
      status: 200,
      body: {
        id: created.id,
        name,
        ...(created.expirationMs !== null ? { expiration: created.expirationMs } : {}),
        api_key: created.secret,
        encoded: encodedKey(created.id, created.secret),
      },
    };
  };

  /**
   * A key the caller may update. Updates reach only the caller's own keys, whatever its privileges
   * (Elasticsearch looks the ids up among the caller's keys), so another user's key is "not found".
   */
  const usableKey = (id: string, expectedType: 'rest' | 'cross_cluster', context: RequestContext): StoredApiKey => {
    const key = security.store.getApiKey(id);
    if (key === undefined || !security.owns(context.authentication, key)) {
      throw errors.resourceNotFound(`no API key owned by requesting user found for ID [${id}]`);
    }
    if (key.type !== expectedType) {
      throw errors.illegalArgument(`cannot update API key of type [${key.type}] while expected type is [${expectedType}]`);
    }
    if (key.invalidated) throw errors.illegalArgument(`cannot update invalidated API key [${id}]`);
    if (key.expirationMs !== null && key.expirationMs <= security.nowMs()) throw errors.illegalArgument(`cannot update expired API key [${id}]`);
    return key;
  };

  const routes: Route[] = [
    ...serviceAccountRoutes(security),
    {
      method: 'GET',
      path: '/_security/_authenticate',
      action: `${SEC}/user/authenticate`,
      scope: 'authenticated',
      handle: (_request, context) => ({ status: 200, body: renderAuthentication(context.authentication) }),
    },
    // ---- users
    {
      method: ['PUT', 'POST'],
      path: '/_security/user/:username',
      action: `${SEC}/user/put`,
      scope: 'cluster',
      params: ['refresh'],
      handle: async (request) => {
        const username = request.params['username']!;
        const problem = validateSecurityName('user', username);
        if (problem !== undefined) throw errors.actionRequestValidation([problem]);
        const result = await security.putUser(username, parseUserBody(username, objectBody(request, 'add user request')));
        return { status: 200, body: { created: result.created } };
      },
    },
    {
      method: 'GET',
      path: '/_security/user',
      action: `${SEC}/user/get`,
      scope: 'cluster',
      params: ['with_profile_uid'],
      handle: () => ({ status: 200, body: Object.fromEntries(security.getUsers(undefined).map((user) => [user.username, renderUser(user)])) }),
    },
    {
      method: 'GET',
      path: '/_security/user/:username',
      action: `${SEC}/user/get`,
      scope: 'cluster',
      params: ['with_profile_uid'],
      handle: (request) => {
        const names = listParam(request.params['username']);
        const users = security.getUsers(names);
        return { status: names !== undefined && users.length === 0 ? 404 : 200, body: Object.fromEntries(users.map((user) => [user.username, renderUser(user)])) };
      },
    },
    {
      method: 'DELETE',
      path: '/_security/user/:username',
      action: `${SEC}/user/delete`,
      scope: 'cluster',
      params: ['refresh'],
      handle: (request) => {
        const found = security.deleteUser(request.params['username']!);
        return { status: found ? 200 : 404, body: { found } };
      },
    },
    ...(['/_security/user/:username/_password', '/_security/user/_password'] as const).map(
      (path): Route => ({
        method: ['PUT', 'POST'],
        path,
        action: `${SEC}/user/change_password`,
        scope: 'authenticated',
        params: ['refresh'],
        handle: async (request, context) => {
          const self = context.authentication.user.username;
          const username = request.params['username'] ?? self;
          if (context.authentication.apiKey !== undefined || username !== self) context.authorize.cluster(`${SEC}/user/change_password`);
          const body = objectBody(request, 'change password request');
          let password: string | undefined;
          let passwordHash: string | undefined;
          for (const [field, value] of Object.entries(body)) {
            if (field === 'password') password = expectString('change password request', field, value);
            else if (field === 'password_hash') passwordHash = expectString('change password request', field, value);
            else throw errors.parse(`failed to parse change password request. unexpected field [${field}]`);
          }
          await security.changePassword(username, password, passwordHash);
          return { status: 200, body: {} };
        },
      }),
    ),
    ...(['_enable', '_disable'] as const).map(
      (verb): Route => ({
        method: ['PUT', 'POST'],
        path: `/_security/user/:username/${verb}`,
        action: `${SEC}/user/set_enabled`,
        scope: 'cluster',
        params: ['refresh'],
        handle: (request, context) => {
          security.setEnabled(request.params['username']!, verb === '_enable', context.authentication);
          return { status: 200, body: {} };
        },
      }),
    ),
    ...(['/_security/user/_has_privileges', '/_security/user/:username/_has_privileges'] as const).map(
      (path): Route => ({
        method: ['GET', 'POST'],
        path,
        action: `${SEC}/user/has_privileges`,
        scope: 'authenticated',
        handle: (request, context) => {
          const username = request.params['username'];
          if (username !== undefined && username !== context.authentication.user.username) {
            throw errors.illegalArgument('users may only check the privileges of their own account');
          }
          return { status: 200, body: hasPrivileges(security, context.authentication, objectBody(request, 'has privileges request')) };
        },
      }),
    ),
    {
      method: 'GET',
      path: '/_security/user/_privileges',
      action: `${SEC}/user/list_privileges`,
      scope: 'authenticated',
      handle: (_request, context) => ({ status: 200, body: userPrivileges(security, context.authentication) }),
    },
    // ---- roles
    {
      method: ['PUT', 'POST'],
      path: '/_security/role/:name',
      action: `${SEC}/role/put`,
      scope: 'cluster',
      params: ['refresh'],
      handle: (request) => {
        const name = request.params['name']!;
        const problem = validateSecurityName('role', name);
        if (problem !== undefined) throw errors.actionRequestValidation([problem]);
        if (reservedRoles.has(name)) throw errors.actionRequestValidation([`Role [${name}] is reserved and may not be used.`]);
        const created = security.putRole(parseRoleDescriptor(name, objectBody(request, `role [${name}]`)));
        return { status: 200, body: { role: { created } } };
      },
    },
    {
      method: 'GET',
      path: '/_security/role',
      action: `${SEC}/role/get`,
      scope: 'cluster',
      handle: () => {
        const all = [...reservedRoles.values(), ...security.store.listRoles()];
        return { status: 200, body: Object.fromEntries(all.map((role) => [role.name, renderRoleDescriptor(role)])) };
      },
    },
    {
      method: 'GET',
      path: '/_security/role/:name',
      action: `${SEC}/role/get`,
      scope: 'cluster',
      handle: (request) => {
        const names = listParam(request.params['name']) ?? [];
        const roles = names.map((name) => security.findRole(name)).filter((role): role is RoleDescriptor => role !== undefined);
        return { status: roles.length === 0 ? 404 : 200, body: Object.fromEntries(roles.map((role) => [role.name, renderRoleDescriptor(role)])) };
      },
    },
    {
      method: 'DELETE',
      path: '/_security/role/:name',
      action: `${SEC}/role/delete`,
      scope: 'cluster',
      params: ['refresh'],
      handle: (request) => {
        const found = security.deleteRole(request.params['name']!);
        return { status: found ? 200 : 404, body: { found } };
      },
    },
    {
      method: 'POST',
      path: '/_security/role/:name/_clear_cache',
      action: `${SEC}/roles/cache/clear`,
      scope: 'cluster',
      handle: () => {
        security.rolesChanged();
        return { status: 200, body: { _nodes: { total: 1, successful: 1, failed: 0 }, cluster_name: '', nodes: {} } };
      },
    },
    {
      method: 'GET',
      path: '/_security/privilege/_builtin',
      action: `${SEC}/privilege/builtin/get`,
      scope: 'cluster',
      handle: () => ({
        status: 200,
        body: { cluster: Object.keys(clusterPrivileges).sort(), index: Object.keys(indexPrivileges).sort(), remote_cluster: [...remoteClusterPrivileges] },
      }),
    },
    // ---- API keys
    { method: ['POST', 'PUT'], path: '/_security/api_key', action: `${SEC}/api_key/create`, scope: 'cluster', params: ['refresh'], handle: createKey },
    {
      method: 'POST',
      path: '/_security/cross_cluster/api_key',
      action: `${SEC}/cross_cluster/api_key/create`,
      scope: 'cluster',
      params: ['refresh'],
      handle: createCrossClusterKey,
    },
    {
      method: 'PUT',
      path: '/_security/cross_cluster/api_key/:id',
      action: `${SEC}/cross_cluster/api_key/update`,
      scope: 'cluster',
      handle: (request, context) => {
        if (context.authentication.apiKey !== undefined) throw errors.illegalArgument(API_KEY_CANNOT_UPDATE);
        const body = request.json();
        if (body === undefined) throw errors.bodyRequired();
        if (!isRecord(body)) throw errors.parse('failed to parse cross-cluster api key update request: expected an object');
        const key = usableKey(request.params['id']!, 'cross_cluster', context);
        const update: Parameters<NativeSecurityService['updateApiKey']>[1] = {};
        for (const [field, value] of Object.entries(body)) {
          if (field === 'access') {
            const translated = crossClusterAccessToDescriptor(value);
            Object.assign(update, { roleDescriptors: [translated.descriptor], access: translated.access });
          } else if (field === 'metadata') update.metadata = checkMetadata(expectObject('cross-cluster api key update request', field, value));
          else if (field === 'expiration') update.expirationMs = parseExpiration(value);
          else throw errors.parse(`failed to parse cross-cluster api key update request. unexpected field [${field}]`);
        }
        if (update.access === undefined && update.metadata === undefined) {
          throw errors.actionRequestValidation(['must update either [access] or [metadata] for cross-cluster API keys']);
        }
        return { status: 200, body: { updated: security.updateApiKey(key, update) } };
      },
    },
    {
      method: 'PUT',
      path: '/_security/api_key/:id',
      action: `${SEC}/api_key/update`,
      scope: 'cluster',
      handle: (request, context) => {
        if (context.authentication.apiKey !== undefined) throw errors.illegalArgument(API_KEY_CANNOT_UPDATE);
        const key = usableKey(request.params['id']!, 'rest', context);
        const body = objectBody(request, 'update api key request', false);
        const update: Parameters<NativeSecurityService['updateApiKey']>[1] = {};
        for (const [field, value] of Object.entries(body)) {
          if (field === 'role_descriptors') update.roleDescriptors = parseRoleDescriptorsMap(value, field);
          else if (field === 'metadata') update.metadata = checkMetadata(expectObject('update api key request', field, value));
          else if (field === 'expiration') update.expirationMs = parseExpiration(value);
          else throw errors.parse(`failed to parse update api key request. unexpected field [${field}]`);
        }
        return { status: 200, body: { updated: security.updateApiKey(key, update) } };
      },
    },
    {
      method: 'GET',
      path: '/_security/api_key',
      action: `${SEC}/api_key/get`,
      // The handler authorizes: an API key may read itself without any privilege (Elasticsearch's
      // same-user check), which the pipeline's cluster check would refuse.
      scope: 'authenticated',
      params: ['id', 'name', 'username', 'realm_name', 'owner', 'with_limited_by', 'active_only', 'with_profile_uid'],
      handle: (request, context) => {
        const action = `${SEC}/api_key/get`;
        const q = request.query;
        const caller = context.authentication;
        const given = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value);
        const id = given(q['id']);
        const name = given(q['name']);
        const scope: ApiKeyRequestScope = {
          ...(id !== undefined ? { ids: [id] } : {}),
          ...(given(q['username']) !== undefined ? { username: given(q['username'])! } : {}),
          ...(given(q['realm_name']) !== undefined ? { realmName: given(q['realm_name'])! } : {}),
          owner: booleanParam(q['owner']),
        };
        const withLimitedBy = booleanParam(q['with_limited_by']);
        const problems: string[] = [];
        const namesUser = scope.username !== undefined || scope.realmName !== undefined;
        if ((id !== undefined || name !== undefined) && namesUser) problems.push('username or realm name must not be specified when the api key id or api key name is specified');
        if (scope.owner && namesUser) problems.push('neither username nor realm-name may be specified when retrieving owned API keys');
        if (id !== undefined && name !== undefined) problems.push('only one of [api key id, api key name] can be specified');
        if (problems.length > 0) throw errors.actionRequestValidation(problems);
        const readsItself = caller.apiKey !== undefined && id === caller.apiKey.id && !withLimitedBy;
        let access: 'all' | 'own' = 'own';
        if (!readsItself) {
          context.authorize.cluster(action);
          access = keyAccess(context, action);
          // Holding only manage_own_api_key, an API key may not see its owner's limits either.
          if (access === 'own' && ((caller.apiKey !== undefined && withLimitedBy) || !ownKeyRequestAllowed(caller, scope))) throw ownKeysOnly(context, action);
        }
        let keys = security.store.listApiKeys();
        if (access === 'own') keys = keys.filter((key) => security.owns(caller, key));
        if (scope.owner) keys = ownerKeys(caller, keys);
        keys = filterKeys(keys, {
          ...(scope.ids !== undefined ? { ids: scope.ids as string[] } : {}),
          ...(name !== undefined ? { name } : {}),
          ...(scope.username !== undefined ? { username: scope.username } : {}),
          ...(scope.realmName !== undefined ? { realmName: scope.realmName } : {}),
        });
        if (booleanParam(q['active_only'])) keys = keys.filter((key) => !key.invalidated && (key.expirationMs === null || key.expirationMs > security.nowMs()));
        // Elasticsearch answers a lookup by id that finds nothing with 404 and the empty list.
        const status = id !== undefined && keys.length === 0 ? 404 : 200;
        return { status, body: { api_keys: keys.map((key) => renderApiKey(security, key, withLimitedBy)) } };
      },
    },
    {
      method: ['GET', 'POST'],
      path: '/_security/_query/api_key',
      action: `${SEC}/api_key/query`,
      scope: 'cluster',
      params: ['with_limited_by', 'with_profile_uid', 'typed_keys'],
      handle: (request, context) => {
        const action = `${SEC}/api_key/query`;
        const body = objectBody(request, 'query api key request', false);
        const withLimitedBy = booleanParam(request.query['with_limited_by']);
        // With only manage_own_api_key the query is narrowed to the caller's keys (an API key: itself),
        // and an API key may not see its owner's limits.
        const access = keyAccess(context, action);
        if (access === 'own' && context.authentication.apiKey !== undefined && withLimitedBy) throw ownKeysOnly(context, action);
        const all = security.store.listApiKeys();
        const keys = access === 'all' ? all : all.filter((key) => security.owns(context.authentication, key));
        const result = runQuery(apiKeySchema, keys, body, security.nowMs());
        return {
          status: 200,
          body: {
            total: result.total,
            count: result.items.length,
            api_keys: result.items.map(({ item, sort }) => ({ ...renderApiKey(security, item, withLimitedBy), ...(sort !== undefined ? { _sort: sort } : {}) })),
          },
        };
      },
    },
    {
      method: 'DELETE',
      path: '/_security/api_key',
      action: `${SEC}/api_key/invalidate`,
      scope: 'cluster',
      params: ['refresh'],
      handle: (request, context) => {
        const action = `${SEC}/api_key/invalidate`;
        const body = objectBody(request, 'invalidate api key request');
        const what = 'invalidate api key request';
        const given = (value: string): string | undefined => (value.trim() === '' ? undefined : value);
        const filter: { ids?: string[]; name?: string; username?: string; realmName?: string } = {};
        let owner = false;
        for (const [field, value] of Object.entries(body)) {
          if (field === 'ids') filter.ids = expectStrings(what, field, value);
          else if (field === 'id') filter.ids = [expectString(what, field, value)];
          else if (field === 'name') {
            const name = given(expectString(what, field, value));
            if (name !== undefined) filter.name = name;
          } else if (field === 'username') {
            const username = given(expectString(what, field, value));
            if (username !== undefined) filter.username = username;
          } else if (field === 'realm_name') {
            const realmName = given(expectString(what, field, value));
            if (realmName !== undefined) filter.realmName = realmName;
          } else if (field === 'owner') {
            if (typeof value !== 'boolean') throw errors.parse('failed to parse invalidate api key request. [owner] must be a boolean');
            owner = value;
          } else throw errors.parse(`failed to parse invalidate api key request. unexpected field [${field}]`);
        }
        if (filter.ids !== undefined) {
          if (filter.ids.length === 0) throw errors.actionRequestValidation(['Field [ids] cannot be an empty array']);
          const blank = filter.ids.flatMap((id, index) => (id.trim() === '' ? [index] : []));
          if (blank.length > 0) {
            const one = blank.length === 1;
            throw errors.actionRequestValidation([`Field [ids] must not contain blank id, but got blank ${one ? 'id' : 'ids'} at index ${one ? 'position' : 'positions'}: [${blank.join(', ')}]`]);
          }
        }
        const namesUser = filter.username !== undefined || filter.realmName !== undefined;
        const problems: string[] = [];
        if (filter.ids === undefined && filter.name === undefined && !namesUser && !owner) {
          problems.push('One of [api key id(s), api key name, username, realm name] must be specified if [owner] flag is false');
        }
        if ((filter.ids !== undefined || filter.name !== undefined) && namesUser) {
          problems.push('username or realm name must not be specified when the api key id(s) or api key name are specified');
        }
        if (owner && namesUser) problems.push('neither username nor realm-name may be specified when invalidating owned API keys');
        if (filter.ids !== undefined && filter.name !== undefined) problems.push('only one of [api key id(s), api key name] can be specified');
        if (problems.length > 0) throw errors.actionRequestValidation(problems);
        const caller = context.authentication;
        const access = keyAccess(context, action);
        if (access === 'own' && !ownKeyRequestAllowed(caller, { ...filter, owner })) throw ownKeysOnly(context, action);
        let keys = security.store.listApiKeys();
        if (access === 'own') keys = keys.filter((key) => security.owns(caller, key));
        if (owner) keys = ownerKeys(caller, keys);
        const candidates = filterKeys(keys, filter);
        const canManageSecurity = may(context, 'manage_security');
        const crossClusterRefused = candidates.filter((key) => key.type === 'cross_cluster' && !canManageSecurity);
        const allowed = candidates.filter((key) => !(key.type === 'cross_cluster' && !canManageSecurity));
        const { invalidated, previously } = security.invalidateApiKeys(allowed);
        const errorDetails = crossClusterRefused.map((key) => errors.illegalArgument(`Cannot invalidate cross-cluster API key [${key.id}]`).toCause());
        return {
          status: 200,
          body: {
            invalidated_api_keys: invalidated,
            previously_invalidated_api_keys: previously,
            error_count: errorDetails.length,
            ...(errorDetails.length > 0 ? { error_details: errorDetails } : {}),
          },
        };
      },
    },
    {
      method: 'POST',
      path: '/_security/api_key/_bulk_update',
      action: `${SEC}/api_key/update`,
      scope: 'cluster',
      handle: (request, context) => {
        const body = objectBody(request, 'bulk update api key request');
        let ids: string[] | undefined;
        const update: Parameters<NativeSecurityService['updateApiKey']>[1] = {};
        for (const [field, value] of Object.entries(body)) {
          if (field === 'ids') ids = expectStrings('bulk update api key request', field, value);
          else if (field === 'role_descriptors') update.roleDescriptors = parseRoleDescriptorsMap(value, field);
          else if (field === 'metadata') update.metadata = checkMetadata(expectObject('bulk update api key request', field, value));
          else if (field === 'expiration') update.expirationMs = parseExpiration(value);
          else throw errors.parse(`failed to parse bulk update api key request. unexpected field [${field}]`);
        }
        if (ids === undefined || ids.length === 0) throw errors.actionRequestValidation(['Field [ids] cannot be empty']);
        if (context.authentication.apiKey !== undefined) throw errors.illegalArgument(API_KEY_CANNOT_UPDATE);
        const result = runBulk(
          ids,
          (id) => {
            const key = usableKey(id, 'rest', context);
            return security.updateApiKey(key, update) ? 'updated' : 'noops';
          },
          ['updated', 'noops'],
        );
        return { status: 200, body: result };
      },
    },
    {
      method: 'POST',
      path: '/_security/api_key/grant',
      action: `${SEC}/api_key/grant`,
      scope: 'cluster',
      params: ['refresh'],
      handle: async (request, context) => {
        // manage_own_api_key never grants a key to somebody else (its check refuses grant requests).
        if (keyAccess(context, `${SEC}/api_key/grant`) === 'own') throw ownKeysOnly(context, `${SEC}/api_key/grant`);
        const body = objectBody(request, 'grant api key request');
        let grantType: string | undefined;
        let username: string | undefined;
        let password: string | undefined;
        let apiKey: Body | undefined;
        for (const [field, value] of Object.entries(body)) {
          if (field === 'grant_type') grantType = expectString('grant api key request', field, value);
          else if (field === 'username') username = expectString('grant api key request', field, value);
          else if (field === 'password') password = expectString('grant api key request', field, value);
          else if (field === 'api_key') apiKey = expectObject('grant api key request', field, value);
          else if (field === 'access_token' || field === 'run_as') throw errors.illegalArgument(`[${field}] is not supported by this server's grant API (only grant_type [password])`);
          else throw errors.parse(`failed to parse grant api key request. unexpected field [${field}]`);
        }
        if (grantType !== 'password') throw errors.actionRequestValidation([`grant_type [${grantType ?? ''}] is not supported; use [password]`]);
        if (username === undefined || password === undefined) throw errors.actionRequestValidation(['[username] and [password] are required for grant_type [password]']);
        if (apiKey === undefined) throw errors.actionRequestValidation(['[api_key] is required']);
        const grantee = await security.authenticatePassword(username, password, 'API key grant');
        let name: string | undefined;
        let expiration: number | null = null;
        let roleDescriptors: RoleDescriptor[] = [];
        let metadata: Body = {};
        for (const [field, value] of Object.entries(apiKey)) {
          if (field === 'name') name = expectString('api key request', field, value);
          else if (field === 'expiration') expiration = parseExpiration(value);
          else if (field === 'role_descriptors') roleDescriptors = parseRoleDescriptorsMap(value, field);
          else if (field === 'metadata') metadata = checkMetadata(expectObject('api key request', field, value));
          else throw errors.parse(`failed to parse api key request. unexpected field [${field}]`);
        }
        if (name === undefined || name.trim() === '') throw errors.actionRequestValidation(['api key name is required']);
        const created = await security.createApiKey(grantee, { name, expirationMs: expiration, roleDescriptors, metadata, type: 'rest', access: null });
        return {
          status: 200,
          body: { id: created.id, name, ...(created.expirationMs !== null ? { expiration: created.expirationMs } : {}), api_key: created.secret, encoded: encodedKey(created.id, created.secret) },
        };
      },
    },
    {
      method: ['GET', 'POST'],
      path: '/_security/_query/user',
      action: `${SEC}/user/query`,
      scope: 'cluster',
      params: ['with_profile_uid'],
      handle: (request) => {
        const result = runQuery(userSchema, security.store.listUsers(), objectBody(request, 'query user request', false), security.nowMs());
        return {
          status: 200,
          body: { total: result.total, count: result.items.length, users: result.items.map(({ item, sort }) => ({ ...renderUser(item), ...(sort !== undefined ? { _sort: sort } : {}) })) },
        };
      },
    },
    {
      method: ['GET', 'POST'],
      path: '/_security/_query/role',
      action: `${SEC}/role/query`,
      scope: 'cluster',
      handle: (request) => {
        const result = runQuery(roleSchema, security.store.listRoles(), objectBody(request, 'query role request', false), security.nowMs());
        return {
          status: 200,
          body: {
            total: result.total,
            count: result.items.length,
            roles: result.items.map(({ item, sort }) => ({ name: item.name, ...renderRoleDescriptor(item), ...(sort !== undefined ? { _sort: sort } : {}) })),
          },
        };
      },
    },
    {
      method: 'POST',
      path: '/_security/role',
      action: `${SEC}/role/bulk_put`,
      scope: 'cluster',
      params: ['refresh'],
      handle: (request) => {
        const body = objectBody(request, 'bulk put role request');
        for (const field of Object.keys(body)) if (field !== 'roles') throw errors.parse(`failed to parse bulk put role request. unexpected field [${field}]`);
        const roles = expectObject('bulk put role request', 'roles', body['roles']);
        const result = runBulk(Object.keys(roles), (name) => {
          const problem = validateSecurityName('role', name);
          if (problem !== undefined) throw errors.actionRequestValidation([problem]);
          if (reservedRoles.has(name)) throw errors.actionRequestValidation([`Role [${name}] is reserved and may not be used.`]);
          const descriptor = parseRoleDescriptor(name, roles[name]);
          const existing = security.store.getRole(name);
          if (existing !== undefined && JSON.stringify(existing) === JSON.stringify(descriptor)) return 'noop';
          return security.putRole(descriptor) ? 'created' : 'updated';
        });
        return { status: 200, body: result };
      },
    },
    {
      method: 'DELETE',
      path: '/_security/role',
      action: `${SEC}/role/bulk_delete`,
      scope: 'cluster',
      params: ['refresh'],
      handle: (request) => {
        const body = objectBody(request, 'bulk delete role request');
        for (const field of Object.keys(body)) if (field !== 'names') throw errors.parse(`failed to parse bulk delete role request. unexpected field [${field}]`);
        const names = expectStrings('bulk delete role request', 'names', body['names']);
        return { status: 200, body: runBulk(names, (name) => (security.deleteRole(name) ? 'deleted' : 'not_found')) };
      },
    },
    ...applicationPrivilegeRoutes(security),
    {
      method: 'POST',
      path: '/_security/api_key/:ids/_clear_cache',
      action: `${SEC}/api_key/cache/clear`,
      scope: 'cluster',
      handle: (_request, context) => {
        // Clearing the cache is no key of one's own: manage_own_api_key does not grant it.
        if (keyAccess(context, `${SEC}/api_key/cache/clear`) === 'own') throw ownKeysOnly(context, `${SEC}/api_key/cache/clear`);
        return { status: 200, body: { _nodes: { total: 1, successful: 1, failed: 0 }, cluster_name: '', nodes: {} } };
      },
    },
  ];
  return routes;
}

/** `_has_privileges`: evaluated against the caller's effective permission (keys: limited by owner). */
function hasPrivileges(security: NativeSecurityService, authentication: Authentication, body: Body): Body {
  const permission = security.permissionOf(authentication);
  let allGranted = true;
  const cluster: Record<string, boolean> = {};
  const index: Record<string, Record<string, boolean>> = {};
  const applications: Record<string, Record<string, Record<string, boolean>>> = {};
  let stored: readonly ApplicationPrivilege[] | undefined;
  const storedPrivileges = (): readonly ApplicationPrivilege[] => (stored ??= security.store.listApplicationPrivileges());
  for (const [field, value] of Object.entries(body)) {
    if (field === 'cluster') {
      for (const privilege of expectStrings('has privileges request', field, value)) {
        if (resolvePrivilege('cluster', privilege) === undefined) {
          throw errors.illegalArgument(`unknown cluster privilege [${privilege}]. a privilege must be either one of the predefined cluster privilege names [${Object.keys(clusterPrivileges).join(',')}] or a pattern over one of the available cluster actions`);
        }
        cluster[privilege] = permission.hasClusterPrivilege(privilege);
        allGranted &&= cluster[privilege]!;
      }
    } else if (field === 'index') {
      if (!Array.isArray(value)) throw errors.parse('failed to parse has privileges request. [index] must be an array');
      for (const entry of value) {
        if (!isRecord(entry)) throw errors.parse('failed to parse has privileges request. [index] entries must be objects');
        let names: string[] = [];
        let privileges: string[] = [];
        let allowRestricted = false;
        for (const [key, v] of Object.entries(entry)) {
          if (key === 'names') names = expectStrings('has privileges request', key, v);
          else if (key === 'privileges') privileges = expectStrings('has privileges request', key, v);
          else if (key === 'allow_restricted_indices') allowRestricted = v === true;
          else throw errors.parse(`failed to parse has privileges request. unexpected field [${key}]`);
        }
        for (const privilege of privileges) {
          if (resolvePrivilege('index', privilege) === undefined) {
            throw errors.illegalArgument(`unknown index privilege [${privilege}]. a privilege must be either one of the predefined fixed indices privileges [${Object.keys(indexPrivileges).join(',')}] or a pattern over one of the available index actions`);
          }
        }
        for (const name of names) {
          const row = (index[name] ??= {});
          for (const privilege of privileges) {
            row[privilege] = permission.hasIndexPrivilege(name, privilege, allowRestricted);
            allGranted &&= row[privilege]!;
          }
        }
      }
    } else if (field === 'application') {
      if (!Array.isArray(value)) throw errors.parse('failed to parse has privileges request. [application] must be an array');
      for (const entry of value) {
        if (!isRecord(entry)) throw errors.parse('failed to parse has privileges request. [application] entries must be objects');
        const application = expectString('has privileges request', 'application', entry['application']);
        const privileges = expectStrings('has privileges request', 'privileges', entry['privileges'] ?? []);
        const resources = expectStrings('has privileges request', 'resources', entry['resources'] ?? []);
        const appRow = (applications[application] ??= {});
        for (const resource of resources) {
          const row = (appRow[resource] ??= {});
          for (const privilege of privileges) {
            row[privilege] = hasApplicationPrivilege(storedPrivileges(), permission.descriptors, application, privilege, resource);
            allGranted &&= row[privilege]!;
          }
        }
      }
    } else {
      throw errors.parse(`failed to parse has privileges request. unexpected field [${field}]`);
    }
  }
  return { username: authentication.user.username, has_all_requested: allGranted, cluster, index, application: applications };
}

/** `GET /_security/user/_privileges`: the caller's privileges as role descriptors would merge them. */
function userPrivileges(security: NativeSecurityService, authentication: Authentication): Body {
  const descriptors = security.permissionOf(authentication).descriptors;
  return {
    cluster: [...new Set(descriptors.flatMap((d) => d.cluster))].sort(),
    global: [],
    indices: descriptors.flatMap((d) => d.indices.map((e) => ({ names: e.names, privileges: e.privileges, allow_restricted_indices: e.allowRestrictedIndices }))),
    applications: [],
    run_as: [...new Set(descriptors.flatMap((d) => d.runAs))].sort(),
    remote_indices: descriptors.flatMap((d) => d.remoteIndices.map((e) => ({ names: e.names, privileges: e.privileges, allow_restricted_indices: e.allowRestrictedIndices, clusters: e.clusters }))),
    remote_cluster: descriptors.flatMap((d) => d.remoteCluster.map((e) => ({ privileges: e.privileges, clusters: e.clusters }))),
  };
}

/** The actions a named application privilege stands for; an action-like name stands for itself. */
function applicationActions(stored: readonly ApplicationPrivilege[], application: string, privilege: string): readonly string[] {
  if (privilege === '*') return ['*'];
  const found = stored.find((p) => p.application === application && p.name === privilege);
  if (found !== undefined) return found.actions;
  return /[/:*]/.test(privilege) ? [privilege] : [];
}

/** Application privileges are informational here: roles grant them, `_has_privileges` reports them. */
function hasApplicationPrivilege(
  stored: readonly ApplicationPrivilege[],
  descriptors: readonly RoleDescriptor[],
  application: string,
  privilege: string,
  resource: string,
): boolean {
  const wanted = applicationActions(stored, application, privilege);
  if (wanted.length === 0) return false;
  const granted: string[] = [];
  for (const descriptor of descriptors) {
    for (const entry of descriptor.applications) {
      const apps = typeof entry['application'] === 'string' ? [entry['application']] : [];
      const resources = Array.isArray(entry['resources']) ? (entry['resources'] as string[]) : [];
      const privileges = Array.isArray(entry['privileges']) ? (entry['privileges'] as string[]) : [];
      if (!compilePatterns(apps)(application) || !resources.some((pattern) => globCovers(pattern, resource))) continue;
      for (const name of privileges) granted.push(...applicationActions(stored, application, name));
    }
  }
  return wanted.every((action) => granted.some((pattern) => globCovers(pattern, action)));
}

const APPLICATION_NAME = /^[a-z][A-Za-z0-9_-]{2,}(?:\*)?$|^\*$/;
const PRIVILEGE_NAME = /^[a-z][A-Za-z0-9_.-]*$/;

function applicationPrivilegeRoutes(security: NativeSecurityService): Route[] {
  const render = (privileges: readonly ApplicationPrivilege[]): Body => {
    const out: Record<string, Body> = {};
    for (const p of privileges) (out[p.application] ??= {})[p.name] = { application: p.application, name: p.name, actions: p.actions, metadata: p.metadata };
    return out;
  };
  const get = (application: string | undefined, names: string | undefined): RestResponse => {
    const wantedNames = listParam(names);
    const found = security.store
      .listApplicationPrivileges()
      .filter((p) => application === undefined || application === '_all' || compilePatterns(application.split(','))(p.application))
      .filter((p) => wantedNames === undefined || wantedNames.includes(p.name));
    return { status: found.length === 0 && (application !== undefined || names !== undefined) ? 404 : 200, body: render(found) };
  };
  const put = (request: RestRequest): RestResponse => {
    const body = objectBody(request, 'put privileges request');
    const parsed: ApplicationPrivilege[] = [];
    for (const [application, privileges] of Object.entries(body)) {
      if (!APPLICATION_NAME.test(application) || application.includes('*')) {
        throw errors.actionRequestValidation([`An application name must begin with a lowercase ASCII letter, be at least 3 characters long, and contain only letters, digits, '_' and '-'; found [${application}]`]);
      }
      for (const [name, definition] of Object.entries(expectObject('put privileges request', application, privileges))) {
        if (!PRIVILEGE_NAME.test(name)) {
          throw errors.actionRequestValidation([`An application privilege name must begin with a lowercase ASCII letter and contain only letters, digits and '_', '-', '.'; found [${name}]`]);
        }
        const fields = expectObject('put privileges request', `${application}.${name}`, definition);
        let actions: string[] | undefined;
        let metadata: Body = {};
        for (const [field, value] of Object.entries(fields)) {
          if (field === 'application' && value !== application) throw errors.actionRequestValidation([`privilege application [${String(value)}] does not match the key [${application}]`]);
          else if (field === 'name' && value !== name) throw errors.actionRequestValidation([`privilege name [${String(value)}] does not match the key [${name}]`]);
          else if (field === 'actions') actions = expectStrings('put privileges request', field, value);
          else if (field === 'metadata') metadata = checkMetadata(expectObject('put privileges request', field, value));
          else if (field !== 'application' && field !== 'name') throw errors.parse(`failed to parse application privilege [${application}.${name}]. unexpected field [${field}]`);
        }
        if (actions === undefined || actions.length === 0) throw errors.actionRequestValidation([`application privilege [${application}.${name}] must have at least one action`]);
        for (const action of actions) {
          if (!/[/:*]/.test(action)) throw errors.actionRequestValidation([`action [${action}] must contain one of ['/', '*', ':']`]);
        }
        parsed.push({ application, name, actions, metadata });
      }
    }
    const out: Record<string, Record<string, { created: boolean }>> = {};
    for (const privilege of parsed) (out[privilege.application] ??= {})[privilege.name] = { created: security.store.putApplicationPrivilege(privilege) };
    return { status: 200, body: out };
  };
  const nodes = { _nodes: { total: 1, successful: 1, failed: 0 }, cluster_name: '', nodes: {} };
  return [
    { method: ['PUT', 'POST'], path: '/_security/privilege', action: `${SEC}/privilege/put`, scope: 'cluster', params: ['refresh'], handle: put },
    { method: 'GET', path: '/_security/privilege', action: `${SEC}/privilege/get`, scope: 'cluster', handle: () => get(undefined, undefined) },
    { method: 'GET', path: '/_security/privilege/:application', action: `${SEC}/privilege/get`, scope: 'cluster', handle: (r) => get(r.params['application'], undefined) },
    { method: 'GET', path: '/_security/privilege/:application/:name', action: `${SEC}/privilege/get`, scope: 'cluster', handle: (r) => get(r.params['application'], r.params['name']) },
    {
      method: 'DELETE',
      path: '/_security/privilege/:application/:name',
      action: `${SEC}/privilege/delete`,
      scope: 'cluster',
      params: ['refresh'],
      handle: (request) => {
        const application = request.params['application']!;
        const out: Record<string, Record<string, { found: boolean }>> = { [application]: {} };
        let any = false;
        for (const name of listParam(request.params['name']) ?? []) {
          const found = security.store.deleteApplicationPrivilege(application, name);
          any ||= found;
          out[application]![name] = { found };
        }
        return { status: any ? 200 : 404, body: out };
      },
    },
    { method: 'POST', path: '/_security/privilege/:application/_clear_cache', action: `${SEC}/privilege/cache/clear`, scope: 'cluster', handle: () => ({ status: 200, body: nodes }) },
  ];
}
