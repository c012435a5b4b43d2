/**
 * The task management APIs across the nodes of a multi-node cluster (issue #14). Every node keeps
 * its own tasks (src/tasks/task-manager.ts); as Elasticsearch's TransportTasksAction does, the
 * coordinating node authorizes the request and then:
 * - `GET /_tasks` asks every node the `nodes` filter selects (`cluster:monitor/tasks/lists[n]`) and
 *   merges their tasks by node id (`group_by=nodes`), or groups them all by parent or in one list;
 *   a node that does not answer is a `node_failures` entry;
 * - `POST /_tasks/{id}/_cancel` and `POST /_{reindex,update_by_query,delete_by_query}/{id}/_rethrottle`
 *   naming a task of another node run on that node (`cluster:admin/tasks/cancel[n]`,
 *   `<rethrottle action>[n]`); without a task id (`POST /_tasks/_cancel`, the unset id) they run on
 *   every selected node and merge as the list does.
 * Each node runs its part with the single-node route (src/http/routes/tasks.ts), so `actions`,
 * `detailed`, `parent_task_id`, `wait_for_completion` and the failures are the single node's.
 * Loaded only in multi-node mode (node.ts); `GET /_tasks/{id}` is forwarded by
 * wire-reindex-multi-node.ts.
 */
import { SYSTEM_CONTEXT } from './system-context.js';
import type { Logger } from 'pino';
import { isDataNode, isMasterEligible, type ClusterState, type DiscoveryNode } from '../cluster/state.js';
import { errors, isEsError } from '../common/errors.js';
import { booleanParam, createRestRequest } from '../http/request.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../http/route.js';
import { groupByOf, groupTaskNodes, type TaskNodeBody } from '../http/routes/tasks.js';
import { actionMatcher, parseTaskId, taskActions } from '../tasks/task-manager.js';
import type { TransportHandler } from '../transport/index.js';
import { askEachNode } from './ask-nodes.js';
import type { NodeChannel } from '../index/replication/service.js';

/** Ours: how long the coordinating node waits for a node's part of a task request. */
const taskNodeTimeoutMs = 30_000;
/** Ours: the same with `wait_for_completion=true` (a cancelled task may take long to stop). */
const taskNodeWaitTimeoutMs = 10 * 60_000;

export interface TasksAcrossNodesOptions {
  readonly nodeId: string;
  readonly state: () => ClusterState;
  readonly channel: NodeChannel;
  readonly internalHandler: (handle: (body: unknown) => unknown) => TransportHandler;
  readonly addTransportHandlers: (handlers: ReadonlyMap<string, TransportHandler>) => void;
  readonly log: Logger;
}

export interface TasksAcrossNodes {
  /** The task routes of this node, each answering for the whole cluster. */
  applyTo(routes: readonly Route[]): Route[];
}

/** A node's part of a task request: the path of the single-node route, its parameters and query. */
interface NodePart {
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
}

const internalContext: RequestContext = SYSTEM_CONTEXT;

function isStringRecord(value: unknown): value is Record<string, string> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'string');
}

/**
 * The ids of the nodes of `state` a `nodes` filter selects (Elasticsearch's node selectors): all
 * without one; `_all` and `*`, `_local`, `_master`, `master:true|false`, `data:true|false`, and
 * node ids or names with `*` wildcards. Used by the task APIs and `_nodes/stats`.
 */
const roleSelectors: ReadonlyMap<string, readonly [(node: DiscoveryNode) => boolean, boolean]> = new Map([
  ['master:true', [isMasterEligible, true]],
  ['master:false', [isMasterEligible, false]],
  ['data:true', [isDataNode, true]],
  ['data:false', [isDataNode, false]],
] as const);

export function selectTaskNodes(filter: string | undefined, state: ClusterState, localNodeId: string): string[] {
  const all = Object.keys(state.nodes);
  if (filter === undefined || filter === '') return all;
  const selected = new Set<string>();
  for (const part of filter.split(',').filter((entry) => entry !== '')) {
    if (part === '_all' || part === '*') for (const id of all) selected.add(id);
    else if (part === '_local') selected.add(localNodeId);
    else if (roleSelectors.has(part)) {
      const [test, wanted] = roleSelectors.get(part)!;
      for (const id of all) if (test(state.nodes[id]!) === wanted) selected.add(id);
    }
    else if (part === '_master') {
      if (state.master_node !== null && state.master_node !== undefined) selected.add(state.master_node);
    } else {
      const matches = actionMatcher(part);
      for (const id of all) if (matches(id) || matches(state.nodes[id]!.name)) selected.add(id);
    }
  }
  return all.filter((id) => selected.has(id));
}

export function wireTasksAcrossNodes(options: TasksAcrossNodesOptions): TasksAcrossNodes {
  const { nodeId } = options;
  const log = options.log.child({ layer: 'tasks' });
  /** The single-node routes by node-level action and path, as captured by applyTo. */
  const localRoutes = new Map<string, Route>();
  const routeKey = (action: string, path: string): string => `${action} ${path}`;

  const runLocal = async (route: Route, part: NodePart, context: RequestContext, headers: RestRequest['headers'] = {}): Promise<RestResponse> => {
    const method = typeof route.method === 'string' ? route.method : route.method[0]!;
    const request = createRestRequest({ method, rawPath: part.path, params: { ...part.params }, query: { ...part.query }, headers, body: undefined });
    const answer = await route.handle(request, context);
    return { status: answer.status, body: answer.body };
  };

  const handlerFor = (nodeAction: string): TransportHandler =>
    options.internalHandler(async (raw) => {
      const body = (raw ?? {}) as Record<string, unknown>;
      if (typeof body['path'] !== 'string' || !isStringRecord(body['params']) || !isStringRecord(body['query'])) throw errors.illegalArgument(`malformed [${nodeAction}] request`);
      const route = localRoutes.get(routeKey(nodeAction, body['path']));
      if (route === undefined) throw errors.illegalArgument(`[${nodeAction}] does not serve [${body['path']}]`);
      return runLocal(route, { path: body['path'], params: body['params'], query: body['query'] }, internalContext);
    });

  /** Asks each selected node for its part (grouped by node) and merges the parts as `group_by` asks. */
  const fanOut = async (route: Route, nodeAction: string, request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const groupBy = groupByOf(request);
    const selected = selectTaskNodes(request.query['nodes'], options.state(), nodeId);
    // Each node is asked only because it is selected: its own filter would read `_local` as itself.
    const { nodes: _nodes, group_by: _groupBy, ...query } = request.query;
    const part: NodePart = { path: route.path, params: { ...request.params }, query };
    const timeoutMs = booleanParam(request.query['wait_for_completion']) ? taskNodeWaitTimeoutMs : taskNodeTimeoutMs;
    const answers = await askEachNode({ nodeId, channel: options.channel, log }, selected, nodeAction, part, timeoutMs, () => runLocal(route, part, context, request.headers), (answer) => answer as RestResponse);
    const nodes: Record<string, TaskNodeBody> = {};
    const nodeFailures: unknown[] = [];
    const taskFailures: unknown[] = [];
    for (const [node, answer] of answers) {
      if (isEsError(answer)) {
        nodeFailures.push(errors.failedNode(node, answer).toCause());
        continue;
      }
      const body = answer.body as { nodes?: Record<string, TaskNodeBody>; node_failures?: unknown[]; task_failures?: unknown[] };
      Object.assign(nodes, body.nodes ?? {});
      nodeFailures.push(...(body.node_failures ?? []));
      taskFailures.push(...(body.task_failures ?? []));
    }
    const extra: Record<string, unknown> = {};
    if (taskFailures.length > 0) extra['task_failures'] = taskFailures;
    if (nodeFailures.length > 0) extra['node_failures'] = nodeFailures;
    return { status: 200, body: groupTaskNodes(nodes, groupBy, extra) };
  };

  /** A request naming one task: run on the task's node when that is another node of the cluster. */
  const forwardById = async (route: Route, nodeAction: string, request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const { nodeId: taskNode, set } = parseTaskId(request.params['task_id'] ?? '');
    if (!set) return fanOut(route, nodeAction, request, context);
    if (taskNode === nodeId || options.state().nodes[taskNode] === undefined) return route.handle(request, context);
    groupByOf(request); // a bad group_by is this node's 400, before anything is sent
    const part: NodePart = { path: route.path, params: { ...request.params }, query: { ...request.query } };
    const timeoutMs = booleanParam(request.query['wait_for_completion']) ? taskNodeWaitTimeoutMs : taskNodeTimeoutMs;
    try {
      return (await options.channel.request(taskNode, nodeAction, part, timeoutMs)) as RestResponse;
    } catch (error) {
      if (!isEsError(error)) throw error;
      // The task's node did not answer: its part failed, as Elasticsearch lists a failed node.
      log.warn({ err: error, node: taskNode, action: nodeAction }, 'the node of a task did not answer');
      return { status: 200, body: { nodes: {}, node_failures: [errors.failedNode(taskNode, error).toCause()] } };
    }
  };

  return {
    applyTo: (routes) => {
      const handlers = new Map<string, TransportHandler>();
      const wired = routes.map((route): Route => {
        const isList = route.action === taskActions.list && route.path === '/_tasks';
        const isCancel = route.action === taskActions.cancel && (route.path === '/_tasks/_cancel' || route.path === '/_tasks/:task_id/_cancel');
        const isRethrottle = route.path.endsWith('/:task_id/_rethrottle');
        if (!isList && !isCancel && !isRethrottle) return route;
        const nodeAction = `${route.action}[n]`;
        localRoutes.set(routeKey(nodeAction, route.path), route);
        if (!handlers.has(nodeAction)) handlers.set(nodeAction, handlerFor(nodeAction));
        const byId = route.path.includes(':task_id');
        return { ...route, handle: (request, context) => (byId ? forwardById(route, nodeAction, request, context) : fanOut(route, nodeAction, request, context)) };
      });
      options.addTransportHandlers(handlers);
      return wired;
    },
  };
}
