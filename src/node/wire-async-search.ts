/**
 * Async search in a multi-node cluster (issue #14). A submit runs the search across the nodes
 * (as `_search` does, wire-search.ts) in the background on the node that received it, the
 * coordinating node, which keeps the running search in memory and its kept result in its node
 * database (src/search/async-search.ts). The id names that node with its own async search id
 * (multi-node-async-id.ts); get, status and delete through any node are sent to it over the
 * internode transport (`indices:data/read/async_search/get[n]`, `.../delete[n]`,
 * `cluster:monitor/async_search/status[n]`, ours), with the caller's identity (never its
 * credentials) for the owner check, as Elasticsearch routes them to the node its async id names.
 * Routing rather than storing the results where every node reads them: a running search lives
 * only on its coordinating node anyway (its tasks, its cancellation), and Strait has no replicated
 * system index to keep results in; while that node is out of the cluster its async searches
 * answer 404 (ES loses a running search with its node too).
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/async-search.html
 * Loaded only in multi-node mode (through wire-search.ts).
 */
import type { ClusterState } from '../cluster/state.js';
import { EsError, errors } from '../common/errors.js';
import { headerOf, type RequestContext, type RestRequest, type RestResponse, type Route } from '../http/route.js';
import { scrollOwner } from '../http/routes/search.js';
import { asAsyncSearchTasks, asyncSearchActions, holds } from '../http/routes/async-search.js';
import { cancelled, parseAsyncKeepAlive, parseAsyncSubmitParams, parseWait, type AsyncSearchOwner, type AsyncSearchStore } from '../search/async-search.js';
import { decodeMultiNodeAsyncId, encodeMultiNodeAsyncId } from '../search/multi-node-async-id.js';
import { checkQueryStringParams } from '../search/request.js';
import type { SearchInput, SearchService } from '../search/search-service.js';
import { searchDescription, taskHeaders, untilAborted } from '../tasks/task-manager.js';
import type { TransportHandler } from '../transport/index.js';

export const ASYNC_NODE_ACTIONS = {
  get: 'indices:data/read/async_search/get[n]',
  status: 'cluster:monitor/async_search/status[n]',
  delete: 'indices:data/read/async_search/delete[n]',
} as const;

/** How long a forwarded request may take beyond the wait it asks for (ours). */
const forwardTimeoutMs = 60_000;

type WireOwner = AsyncSearchOwner | 'any';

export interface AsyncSearchWiringOptions {
  readonly nodeId: string;
  readonly store: AsyncSearchStore;
  readonly search: SearchService;
  readonly state: () => ClusterState;
  readonly request: (nodeId: string, action: string, body: unknown, timeoutMs: number) => Promise<unknown>;
  readonly internalHandler: (handle: (body: unknown) => unknown) => TransportHandler;
  /**
   * Plans and authorizes a search now (its errors fail the submit, as in Elasticsearch) and
   * returns what runs it across the nodes.
   */
  readonly prepare: (input: SearchInput, context: RequestContext) => () => Promise<Record<string, unknown>>;
}

export interface AsyncSearchWiring {
  readonly handlers: ReadonlyMap<string, TransportHandler>;
  /** Wraps the submit, get, status and delete routes. */
  route(original: Route): Route;
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function ownerFromWire(value: unknown, action: string, any: boolean): WireOwner {
  if (any && value === 'any') return 'any';
  if (isRecord(value) && typeof value['username'] === 'string' && typeof value['realm'] === 'string') return { username: value['username'], realm: value['realm'] };
  throw errors.illegalArgument(`malformed [${action}] request: [owner]`);
}

function idFromWire(body: unknown, action: string): string {
  const id = isRecord(body) ? body['id'] : undefined;
  if (typeof id !== 'string') throw errors.illegalArgument(`malformed [${action}] request: [id]`);
  return id;
}

const optionalMs = (value: unknown, action: string): number | undefined => {
  if (value === undefined || value === null) return undefined;
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw errors.illegalArgument(`malformed [${action}] request`);
  return value as number;
};

export function wireAsyncSearch(options: AsyncSearchWiringOptions): AsyncSearchWiring {
  const { store, search, nodeId } = options;

  // ---------------------------------------------------------------- the coordinating node's side

  const getHere = (body: unknown): Promise<RestResponse> => {
    const action = ASYNC_NODE_ACTIONS.get;
    const owner = ownerFromWire(isRecord(body) ? body['owner'] : undefined, action, false) as AsyncSearchOwner;
    return store.get(idFromWire(body, action), owner, { waitMs: optionalMs(isRecord(body) ? body['wait_ms'] : undefined, action) ?? 0, keepAliveMs: optionalMs(isRecord(body) ? body['keep_alive_ms'] : undefined, action) });
  };
  const statusHere = (body: unknown): RestResponse => {
    const action = ASYNC_NODE_ACTIONS.status;
    return { status: 200, body: store.status(idFromWire(body, action), ownerFromWire(isRecord(body) ? body['owner'] : undefined, action, true), optionalMs(isRecord(body) ? body['keep_alive_ms'] : undefined, action)) };
  };
  const deleteHere = (body: unknown): RestResponse => {
    const action = ASYNC_NODE_ACTIONS.delete;
    return { status: 200, body: store.delete(idFromWire(body, action), ownerFromWire(isRecord(body) ? body['owner'] : undefined, action, true)) };
  };
  const handlers = new Map<string, TransportHandler>([
    [ASYNC_NODE_ACTIONS.get, options.internalHandler(getHere)],
    [ASYNC_NODE_ACTIONS.status, options.internalHandler(statusHere)],
    [ASYNC_NODE_ACTIONS.delete, options.internalHandler(deleteHere)],
  ]);

  /** The answer with the multi-node id in place of the coordinating node's own. */
  const withId = (answer: RestResponse, id: string): RestResponse => (isRecord(answer.body) && answer.body['id'] !== undefined ? { ...answer, body: { ...answer.body, id } } : answer);

  // ---------------------------------------------------------------- any node's side

  const submit = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const params = parseAsyncSubmitParams(request.query);
    const input = { expression: request.params['index'], params: params.searchParams, body: request.json() };
    checkQueryStringParams(input.params, request.rawPath);
    // Bad requests, missing or forbidden indices fail the submit itself, as in Elasticsearch.
    search.parseForClusters(input);
    const runSearch = options.prepare(input, context);
    const headers = taskHeaders((name) => headerOf(request, name));
    const description = searchDescription(input.expression, input.body);
    // As on one node: deleting the async search cancels both tasks (the nodes' shard phases
    // finish, their answer is dropped).
    const run = asAsyncSearchTasks(search.tasks, description, headers, (signal) => untilAborted(runSearch(), signal, cancelled));
    const answer = await store.submit(run, { owner: scrollOwner(context), keepAliveMs: params.keepAliveMs, keepOnCompletion: params.keepOnCompletion, waitMs: params.waitMs });
    if (!isRecord(answer.body) || typeof answer.body['id'] !== 'string') return answer;
    return withId(answer, encodeMultiNodeAsyncId({ node: nodeId, local: answer.body['id'] }));
  };

  /** A get, status or delete of a multi-node id, answered by the node that coordinated the search. */
  const forward = async (id: string, node: string, action: string, body: Record<string, unknown>, local: (body: unknown) => RestResponse | Promise<RestResponse>, waitMs: number): Promise<RestResponse> => {
    try {
      if (node === nodeId) return withId(await local(body), id);
      // Its node is not (or no longer) in the cluster: nothing answers for this search.
      if (options.state().nodes[node] === undefined) throw errors.resourceNotFound(id);
      return withId((await options.request(node, action, body, waitMs + forwardTimeoutMs)) as RestResponse, id);
    } catch (error) {
      // The node's 404 names its own id; the caller sent this one.
      if (error instanceof EsError && error.type === 'resource_not_found_exception') throw errors.resourceNotFound(id);
      throw error;
    }
  };

  const route = (original: Route): Route => {
    if (original.action === asyncSearchActions.submit) return { ...original, handle: submit };
    return {
      ...original,
      handle: async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
        const id = request.params['id']!;
        const target = decodeMultiNodeAsyncId(id);
        // Another id (a single node's, or an error) as the single-node route answers it.
        if (target === undefined) return original.handle(request, context);
        const owner = scrollOwner(context);
        if (original.action === asyncSearchActions.get) {
          const waitMs = parseWait(request.query['wait_for_completion_timeout'], 0);
          const keepAliveMs = parseAsyncKeepAlive(request.query['keep_alive']);
          return forward(id, target.node, ASYNC_NODE_ACTIONS.get, { id: target.local, owner, wait_ms: waitMs, keep_alive_ms: keepAliveMs ?? null }, getHere, waitMs);
        }
        if (original.action === asyncSearchActions.status) {
          const keepAliveMs = parseAsyncKeepAlive(request.query['keep_alive']);
          // The submitter, or a caller with `monitor` (the status action's cluster privilege).
          const asked: WireOwner = holds(context, asyncSearchActions.status) ? 'any' : owner;
          return forward(id, target.node, ASYNC_NODE_ACTIONS.status, { id: target.local, owner: asked, keep_alive_ms: keepAliveMs ?? null }, statusHere, 0);
        }
        // Delete: the submitter, or a caller with `cancel_task`; anyone else sees no such search.
        const asked: WireOwner = holds(context, asyncSearchActions.cancelTask) ? 'any' : owner;
        return forward(id, target.node, ASYNC_NODE_ACTIONS.delete, { id: target.local, owner: asked }, deleteHere, 0);
      },
    };
  };

  return { handlers, route };
}
