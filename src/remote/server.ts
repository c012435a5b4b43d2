import type { Logger } from 'pino';
import { EsError, errors } from '../common/index.js';
import type { FlattenedMapping } from '../index/index.js';
import type { SearchAuthorizer, SearchService } from '../search/index.js';
import type { ShardHit } from '../index/searcher/index.js';
import type { ScrollOwner } from '../search/scroll.js';
import type { ClusterScrollNext, ClusterScrollPage, ClusterSearchResult, RemoteQueryPhase, SearchInput } from '../search/search-service.js';
import { crossClusterKeyProblem, isRestricted, readRestrictionOf } from '../security/document-field-access.js';
import { compilePermission, intersectPermissions, type NativeSecurityService, type Permission } from '../security/index.js';
import type { HandshakeInfo, TransportHandler, TransportHandshakeRequest, TransportRequest } from '../transport/index.js';
import { ACCESS_PROBE_ACTIONS, accessVerdict, renderAccess } from './access-probe.js';
import type { AuditTrail } from './audit.js';
import { parseTaskId, searchDescription, taskHeaders, type TaskStart } from '../tasks/task-manager.js';
import {
  CERTIFICATE_SUBJECT_HEADER,
  CROSS_CLUSTER_CREDENTIALS_HEADER,
  CROSS_CLUSTER_SUBJECT_HEADER,
  REQUEST_ID_HEADER,
  intersectAll,
  parseCertificateSubject,
  parseCrossClusterSubject,
} from './subject.js';

/**
 * The remote side of cross-cluster requests: the actions this node serves on its transport
 * interface (certificate model) and on its remote cluster interface (API key model, spec §6.1).
 */
export const REMOTE_ACTIONS = {
  clusterState: 'cluster:monitor/state',
  remoteNodes: 'cluster:internal/remote_cluster/nodes',
  search: 'indices:data/read/search',
  fieldCaps: 'indices:data/read/field_caps',
  resolveCluster: 'indices:admin/resolve/cluster',
  /** The next page of a cross-cluster scroll, and freeing its context (Elasticsearch's action names). */
  scroll: 'indices:data/read/scroll',
  clearScroll: 'indices:data/read/scroll/clear',
  /** A cross-cluster point in time opens and closes one here. */
  openPointInTime: 'indices:data/read/open_point_in_time',
  closePointInTime: 'indices:data/read/close_point_in_time',
  /** ccs_minimize_roundtrips=false: the coordinator runs the phases itself (Elasticsearch's action names). */
  queryPhase: 'indices:data/read/search[phase/query]',
  fetchPhase: 'indices:data/read/search[phase/fetch/id]',
  freeContext: 'indices:data/read/search[free_context]',
  /** Cancels the searches a coordinating cluster's task started here (its children), as Elasticsearch's remote cancel. */
  cancelTasks: 'cluster:admin/tasks/cancel',
} as const;

/** Actions the remote cluster interface serves (a subset of spec §6.1's allowlist that Strait implements). */
const REMOTE_CLUSTER_ALLOWLIST = new Set<string>([
  REMOTE_ACTIONS.remoteNodes, REMOTE_ACTIONS.search, REMOTE_ACTIONS.fieldCaps, REMOTE_ACTIONS.resolveCluster, REMOTE_ACTIONS.scroll, REMOTE_ACTIONS.clearScroll,
  REMOTE_ACTIONS.openPointInTime, REMOTE_ACTIONS.closePointInTime,
  REMOTE_ACTIONS.queryPhase, REMOTE_ACTIONS.fetchPhase, REMOTE_ACTIONS.freeContext,
  // Only children of the caller's own tasks, started by the same caller (see its handler).
  REMOTE_ACTIONS.cancelTasks,
  // The doctor's and access explain's probes: they reveal only the caller's (and its key's) own access.
  ACCESS_PROBE_ACTIONS.diagnoseAccess, ACCESS_PROBE_ACTIONS.ownAccess,
]);
const REMOTE_CLUSTER_HEADERS = new Set([CROSS_CLUSTER_CREDENTIALS_HEADER, CROSS_CLUSTER_SUBJECT_HEADER, REQUEST_ID_HEADER, 'X-Opaque-Id', 'trace.id', 'traceparent']);

export interface RemoteSideNode {
  readonly handshake: () => HandshakeInfo;
  /** `host:port` others dial: the transport publish address, and the remote cluster one when enabled. */
  readonly transportAddress: () => string | undefined;
  readonly remoteClusterAddress: () => string | undefined;
}

/** Who is asking, for an action another layer serves: may the caller run `action` on `index`? */
export interface RemoteActionAccess {
  allowsIndex(action: string, index: string): boolean;
  /** May the caller run this cluster action (cross-cluster replication's leader index listing asks for `cluster:monitor/state`)? */
  allowsCluster(action: string): boolean;
  /** Does document or field level security restrict `action` on `index` (cross-cluster replication refuses such a leader)? */
  readRestricted(action: string, index: string): boolean;
  /** The certificate model resolves role names here; the API key model intersects key and subject; `none` without security. */
  readonly model: 'certificate' | 'api_key' | 'none';
}

/** An action served on the remote side by another layer (cross-cluster replication's leader actions). */
export interface ExtraRemoteAction {
  readonly action: string;
  run(body: Record<string, unknown>, access: RemoteActionAccess): unknown;
  /** Served on the remote cluster interface too (added to its allowlist). */
  readonly remoteCluster: boolean;
}

/**
 * A multi-node cluster's answers to remote clusters (issue #14, src/node/wire-remote-search.ts):
 * every node of the published state for sniffing, and searches coordinated over the nodes holding
 * the shards. A single node has none and answers from its own shards.
 */
export interface RemoteClusterSide {
  /** Every node the remote side of `iface` serves: transport addresses, or the remote cluster interface's of the nodes that open it. */
  nodes(iface: 'transport' | 'remote_cluster'): Record<string, unknown>[];
  /** The minimized search's answer; undefined when this node's own copies answer (no shard, or `_only_local`). */
  search(input: SearchInput, access: SearchAuthorizer, clusterAlias: string): Promise<ClusterSearchResult | undefined>;
  /** The unminimized query phase, its contexts kept for `caller`; undefined as for `search`. */
  queryPhase(input: SearchInput, access: SearchAuthorizer, caller: ScrollOwner, clusterAlias: string): Promise<RemoteQueryPhase | undefined>;
  /** Undefined when `contextId` is not a context this side keeps (a single node's own). */
  fetch(contextId: string, hits: readonly ShardHit[], caller: ScrollOwner): Promise<Record<string, unknown>[] | undefined>;
  free(contextId: string, caller: ScrollOwner): Promise<boolean | undefined>;
  /**
   * A remote caller's scroll (`caller` owns it): opened across the nodes holding the shards, its
   * pages and clearing continued from its id on any node (a single node's scroll id as one node answers it).
   */
  openScroll(input: SearchInput, access: SearchAuthorizer, caller: ScrollOwner, clusterAlias: string): Promise<ClusterScrollPage>;
  /** The page from `offset` when given (a resent page is answered again, SearchService.scrollAsRemote). */
  scroll(scrollId: string, keepAlive: string | undefined, caller: ScrollOwner, offset: number | undefined): Promise<ClusterScrollNext>;
  /** How many contexts were freed. */
  clearScroll(scrollIds: readonly string[], caller: ScrollOwner): Promise<number>;
  /** A remote caller's point in time: reader contexts on the nodes holding the shards (searched through `search`). */
  openPointInTime(input: SearchInput, access: SearchAuthorizer): Promise<{ id: string; _shards: Record<string, number> }>;
  /** How many contexts were freed; undefined when `id` is not this side's (a single node's own). */
  closePointInTime(id: string, access: SearchAuthorizer): Promise<number> | undefined;
  /** The 400 for what would read only this node's copies. */
  unsupported(what: string): EsError;
  /**
   * A field capabilities `index_filter`: the names of the indices where a document the caller may
   * see matches, read on the nodes holding their shards (absent: refused with `unsupported`).
   */
  fieldCapsMatching?(input: SearchInput, access: SearchAuthorizer): Promise<ReadonlySet<string>>;
  /** Throws while the index metadata this node mirrors is not its cluster's yet (field caps, resolve cluster read it). */
  checkMetadata(): void;
}

/**
 * A multi-node node before it joined its cluster (its remote interfaces start first): it answers
 * no remote cluster, since its own copies and metadata may be stale or not its cluster's
 * (Elasticsearch blocks a node's state until it is recovered).
 */
export function notJoinedRemoteSide(): RemoteClusterSide {
  const blocked = (): never => {
    throw errors.stateNotRecovered();
  };
  return {
    nodes: blocked,
    search: async () => blocked(),
    queryPhase: async () => blocked(),
    fetch: async () => undefined,
    free: async () => undefined,
    openScroll: async () => blocked(),
    scroll: async () => blocked(),
    clearScroll: async () => blocked(),
    openPointInTime: async () => blocked(),
    closePointInTime: () => blocked(),
    unsupported: () => errors.stateNotRecovered(),
    checkMetadata: blocked,
  };
}

export interface RemoteSideOptions {
  readonly node: RemoteSideNode;
  /** Read per request: a multi-node node gets its side once it has joined (after its interfaces started). */
  readonly cluster?: () => RemoteClusterSide | undefined;
  readonly extraActions?: readonly ExtraRemoteAction[];
  readonly search: SearchService;
  /** Undefined when security is disabled on this node. */
  readonly security: NativeSecurityService | undefined;
  readonly audit: AuditTrail;
  readonly log: Logger;
  /**
   * TEST ONLY fault injection (`strait.test.remote.scroll_disconnect_aliases`, refused unless
   * STRAIT_TEST_FAULT_INJECTION=1): a scroll page asked by a cluster calling this one by one of
   * these aliases is computed (the scroll advances) and its connection closed instead of answered,
   * once per scroll id and offset, so tests can lose a page's answer on a real connection.
   */
  readonly testScrollDisconnectAliases?: ReadonlySet<string>;
}

/** How many (scroll id, offset) pairs the test-only scroll disconnect remembers having dropped. */
const testScrollDisconnectsMax = 10_000;

interface Caller {
  readonly username: string;
  readonly roles: readonly string[];
  readonly realm: string;
  readonly apiKeyId?: string;
  readonly apiKeyOwner?: string;
  /** The querying cluster's caller was itself an API key (its id): errors name it, as Elasticsearch does. */
  readonly subjectApiKeyId?: string;
  readonly permission: Permission | undefined;
  /** API key model: the key alone, to say which side refused. */
  readonly keyPermission?: Permission;
}

function credentialOf(header: string | undefined): string {
  if (header === undefined) {
    throw errors.authenticationFailed(
      `cross cluster requests through the dedicated remote cluster server port require transport header [${CROSS_CLUSTER_CREDENTIALS_HEADER}] but none found. Please ensure you have configured remote cluster credentials on the cluster originating the request.`,
    );
  }
  if (header.length > 4096) throw errors.authenticationFailed('cross cluster access credentials are too large');
  const match = /^ApiKey\s+(\S+)$/.exec(header);
  if (match === null) throw errors.authenticationFailed('cross cluster access credentials must be of the form [ApiKey <encoded>]');
  return match[1]!;
}

/** Map-bearing mappings cross the wire as entry lists. */
export function mappingToWire(mapping: FlattenedMapping): { fields: [string, unknown][]; objects: [string, string][] } {
  return { fields: [...mapping.fields], objects: [...mapping.objects] as [string, string][] };
}

export function mappingFromWire(value: unknown): FlattenedMapping {
  const wire = value as { fields?: unknown; objects?: unknown };
  if (!Array.isArray(wire.fields) || !Array.isArray(wire.objects)) throw errors.badRequest('malformed remote mapping');
  return { fields: new Map(wire.fields as [string, never][]), objects: new Map(wire.objects as [string, never][]) } as unknown as FlattenedMapping;
}

/** A small bounded memo (oldest dropped first): compiled permissions per key and per subject header. */
function memo<V>(max: number): (key: string, make: () => V) => V {
  const entries = new Map<string, V>();
  return (key, make) => {
    const found = entries.get(key);
    if (found !== undefined) return found;
    const value = make();
    if (entries.size >= max) entries.delete(entries.keys().next().value as string);
    entries.set(key, value);
    return value;
  };
}

export function buildRemoteHandlers(options: RemoteSideOptions, iface: 'transport' | 'remote_cluster'): Map<string, TransportHandler> {
  const { security, search, node, audit } = options;
  const cluster = (): RemoteClusterSide | undefined => options.cluster?.();
  const extraAllowed = new Set((options.extraActions ?? []).filter((extra) => extra.remoteCluster).map((extra) => extra.action));
  // Compiling descriptors builds regular expressions; requests repeat the same keys and subjects.
  const keyPermissions = memo<Permission>(1000);
  const subjects = memo<{ subject: ReturnType<typeof parseCrossClusterSubject>; permissions: Permission[] }>(1000);
  // TEST ONLY: the scroll pages whose connection the fault injection already closed (once each).
  const testScrollDisconnects = options.testScrollDisconnectAliases === undefined || options.testScrollDisconnectAliases.size === 0 ? undefined : new Set<string>();

  const authenticate = async (request: TransportRequest): Promise<Caller> => {
    if (iface === 'remote_cluster') {
      if (security === undefined) throw errors.illegalState('the remote cluster interface requires security');
      for (const header of Object.keys(request.headers)) {
        if (!REMOTE_CLUSTER_HEADERS.has(header)) {
          throw errors.securityForbidden(`Transport request header [${header}] is not allowed for cross cluster requests through the dedicated remote cluster server port`);
        }
      }
      const key = await security.authenticateApiKey(credentialOf(request.headers[CROSS_CLUSTER_CREDENTIALS_HEADER]), 'cross_cluster');
      const stored = security.storedKeyOf(key)!;
      const problem = crossClusterKeyProblem(stored.roleDescriptors.flatMap((descriptor) => descriptor.indices));
      if (problem !== undefined) throw errors.illegalArgument(`Cross cluster API key [${stored.id}] is invalid: ${problem}`);
      const keyPermission = keyPermissions(`${stored.id}\u0000${JSON.stringify(stored.roleDescriptors)}`, () => security.apiKeyPermission(stored));
      if (request.action === REMOTE_ACTIONS.remoteNodes) {
        return { username: '_system', roles: [], realm: '_system', apiKeyId: stored.id, apiKeyOwner: stored.username, permission: keyPermission, keyPermission };
      }
      const header = request.headers[CROSS_CLUSTER_SUBJECT_HEADER];
      const parsed =
        header === undefined
          ? { subject: parseCrossClusterSubject(undefined), permissions: [] }
          : subjects(header, () => {
              const subject = parseCrossClusterSubject(header);
              return { subject, permissions: subject.descriptorSets.map((set) => compilePermission(set)) };
            });
      return {
        username: parsed.subject.username,
        roles: parsed.subject.roles,
        realm: parsed.subject.realm.name,
        apiKeyId: stored.id,
        apiKeyOwner: stored.username,
        ...(parsed.subject.apiKeyId !== undefined ? { subjectApiKeyId: parsed.subject.apiKeyId } : {}),
        permission: parsed.permissions.reduce((acc, permission) => intersectPermissions(acc, permission), keyPermission),
        keyPermission,
      };
    }
    if (request.action === REMOTE_ACTIONS.clusterState) return { username: '_system', roles: [], realm: '_system', permission: undefined };
    if (security === undefined) return { username: '_anonymous', roles: [], realm: '__anonymous', permission: undefined };
    const subject = parseCertificateSubject(request.headers[CERTIFICATE_SUBJECT_HEADER]);
    const permission =
      subject.descriptorSets !== undefined ? intersectAll(compilePermission(subject.descriptorSets[0] ?? []), subject.descriptorSets.slice(1)) : security.permissionForRoles(subject.roles);
    return { username: subject.username, roles: subject.roles, realm: subject.realm.name, ...(subject.apiKeyId !== undefined ? { subjectApiKeyId: subject.apiKeyId } : {}), permission };
  };

  const authorizerFor = (caller: Caller): SearchAuthorizer => {
    const permission = caller.permission;
    if (permission === undefined) return { indices: () => undefined, allowsIndex: () => true };
    // The querying cluster's caller, as Elasticsearch describes it: a user with its roles, or an API key of its owner.
    const subject =
      caller.subjectApiKeyId !== undefined
        ? `API key id [${caller.subjectApiKeyId}] of user [${caller.username}]`
        : `user [${caller.username}] with ${caller.apiKeyId !== undefined ? 'assigned' : 'effective'} roles [${[...caller.roles].sort().join(',')}]`;
    const who = caller.apiKeyId !== undefined ? `${subject} authenticated by API key id [${caller.apiKeyId}] of user [${caller.apiKeyOwner}]` : subject;
    // Role query templates see the subject (the user on the querying cluster).
    const user = { username: caller.username, roles: caller.roles, fullName: null, email: null, metadata: {} };
    return {
      allowsIndex: (action, index) => permission.allowsIndex(action, index),
      readRestriction: (action, index, aliases) => readRestrictionOf(permission.indexAccess(action, index, aliases), user),
      indices: (action, indices) => {
        const denied = indices.filter((index) => !permission.allowsIndex(action, index));
        if (denied.length === 0) return;
        // Say which side refused, naming only the indices the caller asked for.
        let why = '';
        if (caller.keyPermission !== undefined) {
          const keyDenied = denied.filter((index) => !caller.keyPermission!.allowsIndex(action, index));
          why =
            keyDenied.length > 0
              ? `; the cross-cluster API key [${caller.apiKeyId}] does not grant it on [${keyDenied.join(',')}]`
              : `; the key allows it, but the remote_indices privileges the querying cluster sent for this user do not cover [${denied.join(',')}]`;
        }
        throw errors.securityForbidden(`action [${action}] towards remote cluster is unauthorized for ${who} on indices [${denied.join(',')}]${why}`);
      },
    };
  };

  /** Wraps a handler with authentication, the audit trail and error logging. */
  const handler =
    (action: string, run: (request: TransportRequest, caller: Caller, body: Record<string, unknown>) => unknown, indicesOf: (body: Record<string, unknown>) => string[] = () => []): TransportHandler =>
    async (request) => {
      const requestId = request.headers[REQUEST_ID_HEADER] ?? '-';
      const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
      let caller: Caller | undefined;
      try {
        if (iface === 'remote_cluster' && !REMOTE_CLUSTER_ALLOWLIST.has(request.action) && !extraAllowed.has(request.action)) {
          throw errors.securityForbidden(`action [${request.action}] is not allowed as a cross cluster operation on the dedicated remote cluster server port`);
        }
        caller = await authenticate(request);
        const result = await run(request, caller, body);
        if (caller.username !== '_system') {
          audit.record({
            'event.action': 'access_granted',
            'request.id': requestId,
            origin: 'remote',
            'user.name': caller.username,
            'user.realm': caller.realm,
            ...(caller.apiKeyId !== undefined ? { 'apikey.id': caller.apiKeyId } : {}),
            action,
            indices: indicesOf(body),
            decision: 'granted',
            'peer.address': request.peer.address,
          });
        }
        return result;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        audit.record({
          'event.action': error instanceof EsError && (error.status === 401 || error.status === 403) ? 'access_denied' : 'request_failed',
          'request.id': requestId,
          origin: 'remote',
          'user.name': caller?.username ?? '-',
          ...(caller?.apiKeyId !== undefined ? { 'apikey.id': caller.apiKeyId } : {}),
          action: request.action,
          indices: indicesOf(body),
          decision: error instanceof EsError && (error.status === 401 || error.status === 403) ? 'denied' : 'failed',
          reason,
          'peer.address': request.peer.address,
        });
        options.log.info({ action: request.action, interface: iface, peer: request.peer.address, reason }, 'cross-cluster request refused or failed');
        throw error;
      }
    };

  /** A remote caller owns its scroll contexts apart from local users (and API key callers apart from certificate ones). */
  const scrollOwnerOf = (caller: Caller): { username: string; realm: string } => ({
    username: caller.username,
    realm: `remote:${iface}:${caller.realm}${caller.apiKeyId !== undefined ? `:${caller.apiKeyId}` : ''}`,
  });
  const expressionOf = (body: Record<string, unknown>): string => (typeof body['expression'] === 'string' ? body['expression'] : '');
  const paramsOf = (body: Record<string, unknown>): Record<string, string> => {
    const params = body['params'];
    if (params === undefined) return {};
    if (typeof params !== 'object' || params === null || Array.isArray(params) || !Object.values(params).every((v) => typeof v === 'string')) {
      throw errors.badRequest('malformed cross-cluster request: [params] must map names to strings');
    }
    return params as Record<string, string>;
  };
  const aliasOf = (body: Record<string, unknown>): string => {
    const alias = body['cluster_alias'];
    if (typeof alias !== 'string' || alias === '') throw errors.badRequest('malformed cross-cluster request: [cluster_alias] is required');
    return alias;
  };
  /** The coordinating cluster's task a request belongs to (`<nodeId>:<number>`), when it names one. */
  const parentTaskOf = (body: Record<string, unknown>): string | undefined => {
    const parent = body['parent_task_id'];
    if (parent === undefined) return undefined;
    if (typeof parent !== 'string') throw errors.badRequest('malformed cross-cluster request: [parent_task_id] must be a task id');
    parseTaskId(parent);
    return parent;
  };
  /** Who started a task here, for the cancel of its children: the remote caller and its interface. */
  const originOf = (caller: Caller): string => JSON.stringify(scrollOwnerOf(caller));
  const headerNamed = (headers: Readonly<Record<string, string>>, name: string): string | undefined =>
    Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  /** A search another cluster asked for runs here as a cancellable task, a child of that cluster's task, with its caller's headers. */
  const searchTaskStart = (action: string, request: TransportRequest, caller: Caller, body: Record<string, unknown>): TaskStart => {
    const parent = parentTaskOf(body);
    return {
      action,
      description: searchDescription(expressionOf(body), body['body']),
      cancellable: true,
      ...(parent !== undefined ? { parentTaskId: parent } : {}),
      headers: taskHeaders((name) => headerNamed(request.headers, name)),
      // Who may cancel it by its parent: the same caller only.
      origin: originOf(caller),
    };
  };
  const indicesOf = (body: Record<string, unknown>): string[] => expressionOf(body).split(',').filter((part) => part !== '');

  const nodesList = (address: string | undefined): Record<string, unknown>[] => {
    const self = node.handshake();
    return address === undefined ? [] : [{ id: self.nodeId, name: self.nodeName, address, roles: self.roles, version: self.version, attributes: self.attributes }];
  };

  // On the remote cluster interface every action outside the allowlist gets the spec's refusal
  // (not a bare "no handler"), and is audited like any other refusal.
  const refuseOutside = handler('-', () => undefined);
  const handlers: Map<string, TransportHandler> =
    iface === 'remote_cluster'
      ? new (class extends Map<string, TransportHandler> {
          override get(action: string): TransportHandler | undefined {
            return super.get(action) ?? refuseOutside;
          }
        })()
      : new Map<string, TransportHandler>();
  if (iface === 'transport') {
    handlers.set(
      REMOTE_ACTIONS.clusterState,
      handler(REMOTE_ACTIONS.clusterState, () => ({ cluster_name: node.handshake().clusterName, nodes: cluster()?.nodes('transport') ?? nodesList(node.transportAddress()) })),
    );
  } else {
    handlers.set(REMOTE_ACTIONS.remoteNodes, handler(REMOTE_ACTIONS.remoteNodes, () => ({ nodes: cluster()?.nodes('remote_cluster') ?? nodesList(node.remoteClusterAddress()) })));
  }
  handlers.set(
    REMOTE_ACTIONS.search,
    handler(
      REMOTE_ACTIONS.search,
      (request, caller, body) => {
        const input = { expression: expressionOf(body), params: paramsOf(body), body: body['body'] };
        // A cross-cluster scroll opens its context here (`scroll` set); other searches answer at once.
        if (input.params['scroll'] !== undefined) {
          // Several nodes: a scroll across the nodes holding the shards, owned by this caller (wire-scroll.ts).
          const side = cluster();
          if (side !== undefined) return side.openScroll(input, authorizerFor(caller), scrollOwnerOf(caller), aliasOf(body));
          return search.openScrollAsRemote(input, authorizerFor(caller), scrollOwnerOf(caller), aliasOf(body));
        }
        // Several nodes: this node coordinates over the nodes holding the shards (wire-remote-search.ts).
        return search.tasks.run(searchTaskStart(REMOTE_ACTIONS.search, request, caller, body), async () =>
          (await cluster()?.search(input, authorizerFor(caller), aliasOf(body))) ?? search.searchAsRemoteCancellable(input, authorizerFor(caller), aliasOf(body)),
        );
      },
      indicesOf,
    ),
  );
  // A coordinating cluster cancels its task's children here: only those its same caller started.
  handlers.set(
    REMOTE_ACTIONS.cancelTasks,
    handler(REMOTE_ACTIONS.cancelTasks, (_request, caller, body) => {
      const parent = parentTaskOf(body);
      if (parent === undefined) throw errors.badRequest('malformed cross-cluster request: [parent_task_id] is required');
      const reason = typeof body['reason'] === 'string' ? body['reason'] : 'by user request';
      return { cancelled: search.tasks.cancelChildrenOf(parent, originOf(caller), reason).map((task) => task.taskId) };
    }),
  );
  // Scroll pages and clearing need no index privilege: the context belongs to whoever opened it.
  handlers.set(
    REMOTE_ACTIONS.scroll,
    handler(REMOTE_ACTIONS.scroll, async (request, caller, body) => {
      const scrollId = body['scroll_id'];
      if (typeof scrollId !== 'string') throw errors.badRequest('malformed cross-cluster request: [scroll_id] is required');
      const keepAlive = typeof body['scroll'] === 'string' ? body['scroll'] : undefined;
      // The hits the coordinating cluster has received: the page starts there (absent from a coordinator predating it).
      const offset = body['offset'];
      if (offset !== undefined && (!Number.isSafeInteger(offset) || (offset as number) < 0)) throw errors.badRequest('malformed cross-cluster request: [offset] must be a non-negative integer');
      const side = cluster();
      const page =
        side !== undefined
          ? await side.scroll(scrollId, keepAlive, scrollOwnerOf(caller), offset as number | undefined)
          : search.scrollAsRemote(scrollId, keepAlive, scrollOwnerOf(caller), offset as number | undefined);
      const alias = body['cluster_alias'];
      if (testScrollDisconnects !== undefined && typeof alias === 'string' && options.testScrollDisconnectAliases!.has(alias) && request.closeConnection !== undefined) {
        const key = `${scrollId}@${String(offset)}`;
        if (!testScrollDisconnects.has(key) && testScrollDisconnects.size < testScrollDisconnectsMax) {
          testScrollDisconnects.add(key);
          options.log.warn({ alias, offset }, 'strait.test.remote.scroll_disconnect_aliases: closing the connection instead of answering a computed scroll page (test-only setting)');
          request.closeConnection();
          throw errors.nodeDisconnected(undefined, request.peer.address, REMOTE_ACTIONS.scroll);
        }
      }
      return page;
    }),
  );
  handlers.set(
    REMOTE_ACTIONS.queryPhase,
    handler(
      REMOTE_ACTIONS.queryPhase,
      (request, caller, body) => {
        const input = { expression: expressionOf(body), params: paramsOf(body), body: body['body'] };
        return search.tasks.run(searchTaskStart(REMOTE_ACTIONS.queryPhase, request, caller, body), async () =>
          (await cluster()?.queryPhase(input, authorizerFor(caller), scrollOwnerOf(caller), aliasOf(body))) ??
          search.queryPhaseAsRemoteCancellable(input, authorizerFor(caller), scrollOwnerOf(caller), aliasOf(body)),
        );
      },
      indicesOf,
    ),
  );
  // The fetch and the free name a context only its creator may use, as scroll pages do.
  handlers.set(
    REMOTE_ACTIONS.fetchPhase,
    handler(REMOTE_ACTIONS.fetchPhase, async (_request, caller, body) => {
      if (typeof body['context_id'] !== 'string' || !Array.isArray(body['hits'])) throw errors.badRequest('malformed cross-cluster request: [context_id] and [hits] are required');
      const hits = body['hits'] as ShardHit[];
      return { hits: (await cluster()?.fetch(body['context_id'], hits, scrollOwnerOf(caller))) ?? search.fetchAsRemote(body['context_id'], hits, scrollOwnerOf(caller)) };
    }),
  );
  handlers.set(
    REMOTE_ACTIONS.freeContext,
    handler(REMOTE_ACTIONS.freeContext, async (_request, caller, body) => {
      if (typeof body['context_id'] !== 'string') throw errors.badRequest('malformed cross-cluster request: [context_id] is required');
      return { freed: (await cluster()?.free(body['context_id'], scrollOwnerOf(caller))) ?? search.freeQueryContext(body['context_id'], scrollOwnerOf(caller)) };
    }),
  );
  handlers.set(
    REMOTE_ACTIONS.openPointInTime,
    handler(
      REMOTE_ACTIONS.openPointInTime,
      (_request, caller, body) => {
        const input = { expression: expressionOf(body), params: paramsOf(body), body: undefined };
        // Several nodes: reader contexts on the nodes holding the shards (wire-pit.ts).
        return cluster()?.openPointInTime(input, authorizerFor(caller)) ?? search.openPointInTime(input, authorizerFor(caller));
      },
      indicesOf,
    ),
  );
  handlers.set(
    REMOTE_ACTIONS.closePointInTime,
    handler(REMOTE_ACTIONS.closePointInTime, (_request, caller, body) => {
      if (typeof body['id'] !== 'string') throw errors.badRequest('malformed cross-cluster request: [id] is required');
      const acrossNodes = cluster()?.closePointInTime(body['id'], authorizerFor(caller));
      if (acrossNodes !== undefined) return acrossNodes.then((freed) => ({ num_freed: freed }));
      return { num_freed: search.closePointInTime(body['id'], authorizerFor(caller)).body['num_freed'] };
    }),
  );
  handlers.set(
    REMOTE_ACTIONS.clearScroll,
    handler(REMOTE_ACTIONS.clearScroll, (_request, caller, body) => {
      const ids = body['scroll_ids'];
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw errors.badRequest('malformed cross-cluster request: [scroll_ids] must be strings');
      const side = cluster();
      if (side !== undefined) return side.clearScroll(ids as string[], scrollOwnerOf(caller)).then((freed) => ({ num_freed: freed }));
      return { num_freed: search.clearScroll(ids as string[], scrollOwnerOf(caller)).body['num_freed'] };
    }),
  );
  handlers.set(
    REMOTE_ACTIONS.fieldCaps,
    handler(
      REMOTE_ACTIONS.fieldCaps,
      async (_request, caller, body) => {
        // Every node mirrors the published index metadata and mappings, so field capabilities
        // answer here; an `index_filter` is read on the nodes holding the shards.
        const filter = body['body'] as Record<string, unknown> | null | undefined;
        const side = cluster();
        side?.checkMetadata();
        const input = { expression: expressionOf(body), params: paramsOf(body), body: body['body'] };
        let matching: ReadonlySet<string> | undefined;
        if (side !== undefined && typeof filter === 'object' && filter !== null && filter['index_filter'] !== undefined) {
          if (side.fieldCapsMatching === undefined) throw side.unsupported('a field capabilities [index_filter]');
          matching = await side.fieldCapsMatching(input, authorizerFor(caller));
        }
        return search
          .fieldCapsIndices(input, authorizerFor(caller), aliasOf(body), matching === undefined ? undefined : (handle) => matching.has(handle.name))
          .map((index) => ({ name: index.name, mapping: mappingToWire(index.mapping) }));
      },
      indicesOf,
    ),
  );
  handlers.set(
    REMOTE_ACTIONS.resolveCluster,
    handler(
      REMOTE_ACTIONS.resolveCluster,
      (_request, caller, body) => {
        cluster()?.checkMetadata();
        const expression = expressionOf(body);
        const version = node.handshake().version;
        return {
          matching_indices: expression === '' ? undefined : search.matchesIndices(expression, paramsOf(body), authorizerFor(caller)),
          version: { number: version, build_flavor: 'default', minimum_wire_compatibility_version: version, minimum_index_compatibility_version: version },
        };
      },
      indicesOf,
    ),
  );
  const model: RemoteActionAccess['model'] = security === undefined ? 'none' : iface === 'remote_cluster' ? 'api_key' : 'certificate';
  for (const extra of options.extraActions ?? []) {
    if (iface === 'remote_cluster' && !extra.remoteCluster) continue;
    handlers.set(
      extra.action,
      handler(
        extra.action,
        (_request, caller, body) => {
          const permission = caller.permission;
          return extra.run(body, {
            model,
            allowsIndex: (action, index) => permission === undefined || permission.allowsIndex(action, index),
            readRestricted: (action, index) => permission !== undefined && isRestricted(permission.indexAccess(action, index)),
            allowsCluster: (action) => permission === undefined || permission.allowsCluster(action),
          });
        },
        (body) => (typeof body['index'] === 'string' ? [body['index']] : []),
      ),
    );
  }
  handlers.set(ACCESS_PROBE_ACTIONS.diagnoseAccess, handler(ACCESS_PROBE_ACTIONS.diagnoseAccess, (_request, caller, body) => accessVerdict(body, caller), (body) => (typeof body['index'] === 'string' ? [body['index']] : [])));
  handlers.set(
    ACCESS_PROBE_ACTIONS.ownAccess,
    handler(ACCESS_PROBE_ACTIONS.ownAccess, async (request, caller) => {
      if (security === undefined) return { model: 'none', descriptors: [] };
      if (iface === 'remote_cluster') {
        // The key that authenticated this very request: its own access, nothing of its owner's.
        const key = security.storedKeyOf(await security.authenticateApiKey(credentialOf(request.headers[CROSS_CLUSTER_CREDENTIALS_HEADER]), 'cross_cluster'))!;
        return { model: 'api_key', api_key: { id: key.id, name: key.name, access: key.access }, descriptors: renderAccess(key.roleDescriptors) };
      }
      const roles = caller.roles.map((name) => ({ name, role: security.findRole(name) }));
      return {
        model: 'certificate',
        roles: caller.roles,
        unknown_roles: roles.filter((entry) => entry.role === undefined).map((entry) => entry.name),
        descriptors: renderAccess(roles.flatMap((entry) => (entry.role === undefined ? [] : [entry.role]))),
      };
    }),
  );
  return handlers;
}

/**
 * The remote cluster interface checks the credential already at the handshake (spec §6.1 step 5):
 * a REST key, an unknown, expired or invalidated key fails the connection with a 401.
 */
export function remoteClusterHandshakeCheck(security: NativeSecurityService, log: Logger): (request: TransportHandshakeRequest) => Promise<void> {
  return async (request) => {
    try {
      await security.authenticateApiKey(credentialOf(request.headers[CROSS_CLUSTER_CREDENTIALS_HEADER]), 'cross_cluster');
    } catch (error) {
      log.info({ peer: request.peer.address, reason: (error as Error).message }, 'remote cluster handshake refused');
      throw error;
    }
  };
}
