import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { EsError, errors } from '../common/index.js';
import type { ClusterSearchResult, RemoteClusters, SearchInput } from '../search/index.js';
import type { FieldCapsIndex } from '../search/field-caps.js';
import type { ClusterScrollNext, ClusterScrollPage, RemoteQueryPhase } from '../search/search-service.js';
import type { ShardHit } from '../index/searcher/index.js';
import type { Authentication, NativeSecurityService, RoleDescriptor } from '../security/index.js';
import { connectTransport, type HandshakeInfo, type TransportConnection } from '../transport/index.js';
import type { TransportClientTlsOptions } from '../transport/tls.js';
import type { AuditTrail } from './audit.js';
import { currentTask } from '../tasks/task-manager.js';
import { isKeyRejected, type CredentialSource } from './rotation.js';
import { mappingFromWire, REMOTE_ACTIONS } from './server.js';
import type { RemoteClusterService } from './service.js';
import type { ConnectTarget, RemoteConnection, RemoteModel, SniffedNode } from './strategy.js';
import {
  CERTIFICATE_SUBJECT_HEADER,
  CROSS_CLUSTER_CREDENTIALS_HEADER,
  CROSS_CLUSTER_SUBJECT_HEADER,
  REQUEST_ID_HEADER,
  certificateSubjectHeader,
  crossClusterSubjectHeader,
  remoteDescriptorSets,
} from './subject.js';

/** A stored identity to send as: who, with the role descriptors captured earlier; `system` for internal actions. */
export interface StoredCaller {
  readonly authentication: Authentication;
  readonly descriptorSets: readonly (readonly RoleDescriptor[])[];
  readonly system?: boolean;
}

/** The `_system` subject used for the API key model's sniffing (spec §6.1: empty descriptor list). */
const SYSTEM_SUBJECT = Buffer.from(JSON.stringify({ username: '_system', roles: [], realm: { name: '__attach', type: '__attach' }, descriptorSets: [] })).toString('base64');

function adapt(connection: TransportConnection): RemoteConnection {
  return {
    get remote() {
      return connection.remote;
    },
    request: (action, body, options) => connection.request(action, body, options ?? {}),
    close: () => connection.close(),
    get closed() {
      return connection.closed;
    },
    onClose: (listener) => connection.onClose(() => listener()),
  };
}

function parseNodes(body: unknown, key: 'nodes'): SniffedNode[] {
  const nodes = (body as Record<string, unknown> | undefined)?.[key];
  if (!Array.isArray(nodes)) throw errors.badRequest('malformed node list from the remote cluster');
  return nodes.map((node) => {
    const value = node as Record<string, unknown>;
    return {
      clusterName: '',
      nodeId: String(value['id']),
      nodeName: String(value['name']),
      version: String(value['version']),
      roles: Array.isArray(value['roles']) ? (value['roles'] as string[]) : [],
      attributes: (value['attributes'] as Record<string, string>) ?? {},
      address: String(value['address']),
    };
  });
}

/**
 * The remote's nodes as a model lists them for sniffing: the remote cluster interface's node list
 * (as `_system`, with the key) under the API key model, the cluster state's nodes under the
 * certificate model. The connection doctor sniffs the same way.
 */
export async function listRemoteNodes(
  connection: { request(action: string, body: unknown, options: { headers?: Record<string, string>; timeoutMs?: number }): Promise<unknown> },
  model: RemoteModel['kind'],
  credential: string | undefined,
  timeoutMs: number,
): Promise<SniffedNode[]> {
  const body =
    model === 'api_key'
      ? await connection.request(REMOTE_ACTIONS.remoteNodes, {}, { headers: { [CROSS_CLUSTER_CREDENTIALS_HEADER]: `ApiKey ${credential ?? ''}`, [CROSS_CLUSTER_SUBJECT_HEADER]: SYSTEM_SUBJECT }, timeoutMs })
      : await connection.request(REMOTE_ACTIONS.clusterState, { nodes: true }, { timeoutMs });
  return parseNodes(body, 'nodes');
}

export interface ModelOptions {
  readonly local: () => HandshakeInfo;
  readonly log: Logger;
  readonly connectTimeoutMs: number;
  /** Certificate model: the transport TLS client side (mutual TLS). */
  readonly transportTls: TransportClientTlsOptions | undefined;
  /** API key model: trust for the remote cluster interface (server-side TLS). */
  readonly remoteClusterClientTls: TransportClientTlsOptions | undefined;
}

function connectOptions(options: ModelOptions, target: ConnectTarget, tls: TransportClientTlsOptions | undefined) {
  return {
    address: target.address,
    local: options.local(),
    logger: options.log,
    ...(tls !== undefined ? { tls: { ...tls, ...(target.serverName !== undefined ? { serverName: target.serverName } : {}) } } : {}),
    connectTimeoutMs: options.connectTimeoutMs,
    ...(target.expectedClusterName !== undefined ? { expectedClusterName: target.expectedClusterName } : {}),
    compress: target.compress,
    pingScheduleMs: target.pingScheduleMs,
  };
}

export function certificateModel(options: ModelOptions): RemoteModel {
  return {
    kind: 'certificate',
    connect: async (target) => adapt(await connectTransport(connectOptions(options, target, options.transportTls))),
    listNodes: (connection) => listRemoteNodes(connection, 'certificate', undefined, 30_000),
  };
}

export function apiKeyModel(options: ModelOptions, credentials: string | CredentialSource): RemoteModel {
  // Read at each use: a promoted next key (issue #12 §4) serves the next dial without a rebuild.
  const source: CredentialSource =
    typeof credentials === 'string' ? { current: () => credentials, fallback: () => undefined, succeeded: () => undefined } : credentials;
  const dial = async (target: ConnectTarget, credential: string) =>
    adapt(
      await connectTransport({
        ...connectOptions(options, target, options.remoteClusterClientTls),
        handshakeHeaders: { [CROSS_CLUSTER_CREDENTIALS_HEADER]: `ApiKey ${credential}` },
      }),
    );
  return {
    kind: 'api_key',
    connect: async (target) => {
      const first = source.current() ?? '';
      try {
        return await dial(target, first);
      } catch (error) {
        // The handshake authenticates the key: an invalidated current key is retried with the next.
        const other = isKeyRejected(error) ? source.fallback(first) : undefined;
        if (other === undefined) throw error;
        const connection = await dial(target, other);
        source.succeeded(other);
        return connection;
      }
    },
    listNodes: (connection) => listRemoteNodes(connection, 'api_key', source.current(), 30_000),
  };
}

/**
 * Reads that may go to another gateway when the connection they were sent on closed before the
 * answer (its node died or left): Strait's, Elasticsearch fails them. A fetch or free is pinned to
 * the node holding its contexts and is not among them. A scroll page is, since it names the
 * offset it starts at (the remote answers the same page again rather than the next one): a
 * multi-node remote's scroll id holds every node's part, so any gateway answers it; a single
 * node's context is answered by that node once reconnected (another gateway answers 404).
 */
const RESENT_ON_DISCONNECT = new Set<string>([REMOTE_ACTIONS.search, REMOTE_ACTIONS.queryPhase, REMOTE_ACTIONS.fieldCaps, REMOTE_ACTIONS.resolveCluster, REMOTE_ACTIONS.scroll]);

/** Failures that mean the remote cluster could not be reached (Elasticsearch's isRemoteUnavailableException). */
const REMOTE_UNAVAILABLE_TYPES = new Set(['connect_transport_exception', 'node_disconnected_exception', 'no_such_remote_cluster_exception']);

/** A connection-level failure hides the remote's own refusal; surface that (401/403) as Elasticsearch does. */
function unwrapSecurity(error: unknown): unknown {
  let cause = error instanceof EsError ? error.causedBy : undefined;
  while (cause !== undefined) {
    if (cause.status === 401 || cause.status === 403) return cause;
    cause = cause.causedBy;
  }
  return error;
}

/**
 * The local side of cross-cluster requests: picks a connection, attaches who is asking for the
 * alias's model (spec §5.1, §6.1, §6.2), audits, and sends the action.
 */
export class RemoteClustersClient implements RemoteClusters {
  constructor(
    private readonly service: RemoteClusterService,
    private readonly security: NativeSecurityService | undefined,
    private readonly credentials: (alias: string) => string | undefined,
    private readonly audit: AuditTrail,
    private readonly log: Logger,
    /** Overlapping key rotation (issue #12 §4): the key to retry with, and the promotion of a next key that worked. */
    private readonly rotation?: { fallback(alias: string, used: string): string | undefined; succeeded(alias: string, used: string): void },
  ) {}

  aliases(): readonly string[] {
    return this.service.aliasNames();
  }

  skipUnavailable(alias: string): boolean {
    return this.service.settingsOf(alias).skipUnavailable;
  }

  /** The headers that say who is asking, for this alias's model; 403 before sending when nothing applies. */
  private headersFor(alias: string, action: string, caller: unknown, requestId: string, stored?: StoredCaller): Record<string, string> {
    const authentication = stored?.authentication ?? (caller as Authentication | undefined);
    const headers: Record<string, string> = { [REQUEST_ID_HEADER]: requestId };
    if (this.security === undefined || authentication === undefined) {
      headers[CERTIFICATE_SUBJECT_HEADER] = Buffer.from(JSON.stringify({ username: '_anonymous', roles: ['superuser'], realm: { name: '__anonymous', type: 'anonymous' } })).toString('base64');
      return headers;
    }
    if (stored?.system === true && this.service.modelOf(alias) === 'api_key') {
      // Replication's internal actions (restore sessions, retention leases) run as `_system`
      // under the API key model: the key's replication access alone decides (spec §6.1).
      const credentials = this.credentials(alias);
      if (credentials === undefined) throw errors.illegalState(`remote cluster [${alias}] has no credentials`);
      headers[CROSS_CLUSTER_CREDENTIALS_HEADER] = `ApiKey ${credentials}`;
      headers[CROSS_CLUSTER_SUBJECT_HEADER] = SYSTEM_SUBJECT;
      return headers;
    }
    const sets = (stored?.descriptorSets as RoleDescriptor[][] | undefined) ?? this.security.descriptorSets(authentication);
    if (this.service.modelOf(alias) === 'certificate') {
      headers[CERTIFICATE_SUBJECT_HEADER] = certificateSubjectHeader(authentication, sets);
      return headers;
    }
    const remoteSets = remoteDescriptorSets(alias, sets);
    if (remoteSets === undefined) {
      // Worded as Elasticsearch's denial: a key is named with its owner, a user with its roles.
      const who =
        authentication.apiKey !== undefined
          ? `API key id [${authentication.apiKey.id}] of user [${authentication.user.username}]`
          : authentication.authenticationType === 'token'
            ? `service account [${authentication.user.username}]`
            : `user [${authentication.user.username}] with effective roles [${[...authentication.user.roles].sort().join(',')}]`;
      throw errors.securityForbidden(`action [${action}] towards remote cluster [${alias}] is unauthorized for ${who} because no remote indices privileges apply for the target cluster`);
    }
    const credentials = this.credentials(alias);
    if (credentials === undefined) throw errors.illegalState(`remote cluster [${alias}] has no credentials`);
    headers[CROSS_CLUSTER_CREDENTIALS_HEADER] = `ApiKey ${credentials}`;
    headers[CROSS_CLUSTER_SUBJECT_HEADER] = crossClusterSubjectHeader(authentication, remoteSets);
    return headers;
  }

  /**
   * Sends an action as a stored identity (a cross-cluster replication task runs with the roles its
   * creator had, spec ccr.md §4.2): the identity's role descriptors as they were captured, today's
   * credentials for the alias (so a rotated key or a changed model carries the task along).
   */
  async sendAs(alias: string, action: string, body: Record<string, unknown>, stored: StoredCaller | undefined, indices: readonly string[] = []): Promise<unknown> {
    return this.send(alias, action, body, stored?.authentication, indices, stored);
  }

  /**
   * `route.nodeId` sends over a connection to that remote node; `route.used` learns the node the
   * request went to.
   */
  private async send(
    alias: string,
    action: string,
    body: Record<string, unknown>,
    caller: unknown,
    indices: readonly string[],
    stored?: StoredCaller,
    route: { readonly nodeId?: string; readonly used?: (nodeId: string) => void; readonly resent?: () => void } = {},
  ): Promise<unknown> {
    const requestId = randomUUID();
    const authentication = caller as Authentication | undefined;
    const base = {
      'request.id': requestId,
      origin: 'local' as const,
      'user.name': authentication?.user.username ?? '-',
      ...(authentication?.apiKey !== undefined ? { 'apikey.id': authentication.apiKey.id } : {}),
      'remote.alias': alias,
      action,
      indices,
    };
    try {
      // The connection first: under the API key model its handshake authenticates the key, and a
      // bad credential is the remote's 401 before any local check of remote privileges (as in
      // Elasticsearch, where the handshake precedes the interceptor's check).
      const connection = await this.service.connection(alias, route.nodeId !== undefined ? { nodeId: route.nodeId } : {});
      // The running task's `X-Opaque-Id` and `trace.id` travel along, so the remote's tasks show them.
      const headers = { ...(currentTask.getStore()?.start.headers ?? {}), ...this.headersFor(alias, action, caller, requestId, stored) };
      const sendOn = (chosen: RemoteConnection): Promise<unknown> => {
        route.used?.(chosen.remote.nodeId);
        return this.requestRotating(chosen, alias, action, { ...body, cluster_alias: alias }, headers);
      };
      let result: unknown;
      try {
        result = await sendOn(connection);
      } catch (error) {
        const lost = error instanceof EsError && error.type === 'node_disconnected_exception' && connection.closed;
        if (!lost || route.nodeId !== undefined || !RESENT_ON_DISCONNECT.has(action)) throw error;
        this.log.info({ alias, action, node: connection.remote.nodeName }, 'the remote node closed the connection before answering; sending the read again over another connection to the cluster');
        route.resent?.();
        // A scroll page waits for a connection (a one-node remote's context is on the node that dropped it).
        result = await sendOn(await this.service.connection(alias, action === REMOTE_ACTIONS.scroll ? { wait: true } : {}));
      }
      this.audit.record({ ...base, 'event.action': 'cross_cluster_request', decision: 'granted' });
      return result;
    } catch (error) {
      const surfaced = unwrapSecurity(error);
      const denied = surfaced instanceof EsError && (surfaced.status === 401 || surfaced.status === 403);
      this.audit.record({ ...base, 'event.action': 'cross_cluster_request', decision: denied ? 'denied' : 'failed', reason: surfaced instanceof Error ? surfaced.message : String(surfaced) });
      if (denied && surfaced !== error && this.skipUnavailable(alias) && error instanceof EsError && error.type === 'connect_transport_exception') {
        // A cluster that refused the handshake is skipped as the connection failure it is (its
        // refusal stays the cause), in sniff and proxy mode alike, as Elasticsearch reports it.
        throw error;
      }
      if (denied && surfaced instanceof EsError) {
        // Say which side refused: the remote cluster (its key or its roles) or this one.
        const side = surfaced.message.includes('towards remote cluster [') ? '' : ` [refused by remote cluster [${alias}]]`;
        throw new EsError(surfaced.status, surfaced.type, `${surfaced.message}${side}`, { extra: surfaced.extra, headers: surfaced.headers });
      }
      this.log.debug({ alias, action, reason: (surfaced as Error).message }, 'cross-cluster request failed');
      throw surfaced;
    }
  }

  /**
   * Sends once; when the remote says the key is invalid or expired and another key is configured
   * for the alias (credentials_next, or a current key promoted meanwhile), sends once more with it.
   */
  private async requestRotating(connection: RemoteConnection, alias: string, action: string, body: Record<string, unknown>, headers: Record<string, string>): Promise<unknown> {
    try {
      return await connection.request(action, body, { headers });
    } catch (error) {
      const used = headers[CROSS_CLUSTER_CREDENTIALS_HEADER]?.slice('ApiKey '.length);
      const other = used !== undefined && this.rotation !== undefined && isKeyRejected(error) ? this.rotation.fallback(alias, used) : undefined;
      if (other === undefined) throw error;
      const result = await connection.request(action, body, { headers: { ...headers, [CROSS_CLUSTER_CREDENTIALS_HEADER]: `ApiKey ${other}` } });
      this.rotation!.succeeded(alias, other);
      return result;
    }
  }

  async search(alias: string, input: SearchInput, caller: unknown): Promise<ClusterSearchResult> {
    const expression = input.expression ?? '';
    const parent = this.childOfCurrentTask(alias, caller);
    return (await this.send(alias, REMOTE_ACTIONS.search, { expression, params: input.params, body: input.body ?? null, ...parent }, caller, expression.split(','))) as ClusterSearchResult;
  }

  /**
   * Makes the remote's work a child of the running task: names the task as its parent, and
   * cancels it on the remote when the task is cancelled (Elasticsearch cancels a cross-cluster
   * search's remote tasks by parent task id).
   */
  private childOfCurrentTask(alias: string, caller: unknown): { parent_task_id?: string } {
    const task = currentTask.getStore();
    if (task === undefined) return {};
    task.onCancel((reason) => {
      this.send(alias, REMOTE_ACTIONS.cancelTasks, { parent_task_id: task.taskId, reason }, caller, []).catch((error: unknown) =>
        this.log.debug({ alias, task: task.taskId, reason: (error as Error).message }, 'cancelling remote child tasks failed'),
      );
    });
    return { parent_task_id: task.taskId };
  }

  /**
   * ccs_minimize_roundtrips=false: the query phase on the alias's cluster, every shard's own
   * result. The context id returned here names the remote node that answered: the fetch and the
   * free go back to it, which keeps the contexts (on a cluster of many nodes, the gateway that
   * coordinated the phase; Elasticsearch likewise fetches from the node that ran a shard's query).
   */
  async queryPhase(alias: string, input: SearchInput, caller: unknown): Promise<RemoteQueryPhase> {
    const expression = input.expression ?? '';
    const parent = this.childOfCurrentTask(alias, caller);
    let nodeId = '';
    const phase = (await this.send(alias, REMOTE_ACTIONS.queryPhase, { expression, params: input.params, body: input.body ?? null, ...parent }, caller, expression.split(','), undefined, {
      used: (used) => (nodeId = used),
    })) as RemoteQueryPhase;
    return { ...phase, contextId: JSON.stringify([nodeId, phase.contextId]) };
  }

  /** Fetches the picked hits of a query phase on the alias's cluster (which frees its context). */
  async fetchPhase(alias: string, contextId: string, hits: readonly ShardHit[], caller: unknown): Promise<Record<string, unknown>[]> {
    const [nodeId, remoteId] = JSON.parse(contextId) as [string, string];
    const answer = (await this.send(alias, REMOTE_ACTIONS.fetchPhase, { context_id: remoteId, hits: [...hits] }, caller, [], undefined, { nodeId })) as { hits: Record<string, unknown>[] };
    return answer.hits;
  }

  async freeContext(alias: string, contextId: string, caller: unknown): Promise<void> {
    const [nodeId, remoteId] = JSON.parse(contextId) as [string, string];
    await this.send(alias, REMOTE_ACTIONS.freeContext, { context_id: remoteId }, caller, [], undefined, { nodeId });
  }

  /** Opens a point in time on the alias's cluster: its id there and its shards. */
  async openPointInTime(alias: string, input: SearchInput, caller: unknown): Promise<{ id: string; _shards: { total: number; successful: number; skipped: number; failed: number } }> {
    const expression = input.expression ?? '';
    return (await this.send(alias, REMOTE_ACTIONS.openPointInTime, { expression, params: input.params }, caller, expression.split(','))) as {
      id: string;
      _shards: { total: number; successful: number; skipped: number; failed: number };
    };
  }

  /** Closes a point in time on the alias's cluster; how many shard contexts it freed. */
  async closePointInTime(alias: string, id: string, caller: unknown): Promise<number> {
    const answer = (await this.send(alias, REMOTE_ACTIONS.closePointInTime, { id }, caller, [])) as { num_freed?: unknown };
    return typeof answer.num_freed === 'number' ? answer.num_freed : 0;
  }

  /** Opens a scroll on the alias's cluster (the search action with `scroll`): its first page. */
  async openScroll(alias: string, input: SearchInput, caller: unknown): Promise<ClusterScrollPage> {
    const expression = input.expression ?? '';
    return (await this.send(alias, REMOTE_ACTIONS.search, { expression, params: input.params, body: input.body ?? null }, caller, expression.split(','))) as ClusterScrollPage;
  }

  /**
   * The page of the alias's scroll from `offset` (the hits received from it so far), sent once
   * more when the connection drops before the answer; `resent` says it was.
   */
  async scroll(alias: string, scrollId: string, keepAlive: string | undefined, caller: unknown, offset: number): Promise<ClusterScrollNext> {
    let resent = false;
    const body = { scroll_id: scrollId, offset, ...(keepAlive !== undefined ? { scroll: keepAlive } : {}) };
    const page = (await this.send(alias, REMOTE_ACTIONS.scroll, body, caller, [], undefined, { resent: () => (resent = true) })) as ClusterScrollNext;
    return resent ? { ...page, resent } : page;
  }

  /** Frees scroll contexts on the alias's cluster; how many it freed. */
  async clearScroll(alias: string, scrollIds: readonly string[], caller: unknown): Promise<number> {
    const answer = (await this.send(alias, REMOTE_ACTIONS.clearScroll, { scroll_ids: [...scrollIds] }, caller, [])) as { num_freed?: unknown };
    return typeof answer.num_freed === 'number' ? answer.num_freed : 0;
  }

  async fieldCaps(alias: string, input: SearchInput, caller: unknown): Promise<FieldCapsIndex[]> {
    const expression = input.expression ?? '';
    const indices = (await this.send(alias, REMOTE_ACTIONS.fieldCaps, { expression, params: input.params, body: input.body ?? null }, caller, expression.split(','))) as {
      name: string;
      mapping: unknown;
    }[];
    return indices.map((index) => ({ name: index.name, mapping: mappingFromWire(index.mapping) }));
  }

  /** `_resolve/cluster` for one alias: connects (waiting), never throws. */
  async resolve(alias: string, expression: string | undefined, params: Readonly<Record<string, string>>, caller: unknown): Promise<Record<string, unknown>> {
    const skip = this.skipUnavailable(alias);
    try {
      // Unlike _remote/info, _resolve/cluster (re)connects, waiting for the attempt (spec §7.5).
      await this.service.connection(alias, { wait: true });
      const answer = (await this.send(alias, REMOTE_ACTIONS.resolveCluster, { expression: expression ?? '', params }, caller, (expression ?? '').split(','))) as Record<string, unknown>;
      return {
        connected: true,
        skip_unavailable: skip,
        ...(answer['matching_indices'] !== undefined ? { matching_indices: answer['matching_indices'] } : {}),
        version: answer['version'],
      };
    } catch (error) {
      // As Elasticsearch's resolve cluster action: only a missing index proves the cluster was
      // queried; any other failure (a security refusal from either side, a lost link, an error
      // while resolving) marks it not connected.
      const connected = error instanceof EsError && error.type === 'index_not_found_exception';
      // An unreachable cluster is just not connected: Elasticsearch gives no error for it.
      if (error instanceof EsError && REMOTE_UNAVAILABLE_TYPES.has(error.type)) return { connected: false, skip_unavailable: skip };
      return { connected, skip_unavailable: skip, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * The headers a request by `caller` would carry to the alias (the connection doctor's step 6
   * sends its probe with them over its own connection); the local 403 when no remote_indices apply.
   */
  probeHeaders(alias: string, action: string, caller: unknown): Record<string, string> {
    return this.headersFor(alias, action, caller, randomUUID());
  }

  /**
   * Headers that ask the remote what it grants a named local user (access explain): under the API
   * key model the key's own access (sent as `_system`, which carries no privileges of its own);
   * under the certificate model the remote's roles of the user's role names.
   */
  explainHeaders(alias: string, user: { readonly username: string; readonly roles: readonly string[] }): Record<string, string> {
    const headers: Record<string, string> = { [REQUEST_ID_HEADER]: randomUUID() };
    if (this.service.modelOf(alias) === 'api_key') {
      const credentials = this.credentials(alias);
      if (credentials === undefined) throw errors.illegalState(`remote cluster [${alias}] has no credentials`);
      headers[CROSS_CLUSTER_CREDENTIALS_HEADER] = `ApiKey ${credentials}`;
      headers[CROSS_CLUSTER_SUBJECT_HEADER] = SYSTEM_SUBJECT;
      return headers;
    }
    headers[CERTIFICATE_SUBJECT_HEADER] = Buffer.from(JSON.stringify({ username: user.username, roles: user.roles, realm: { name: '__explain', type: '__explain' } })).toString('base64');
    return headers;
  }
}
