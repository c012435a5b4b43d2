import { errors } from '../../common/index.js';
import { actionMatcher, parseTaskId, taskActions, taskHeaders, type Task, type TaskManager } from '../../tasks/task-manager.js';
import { booleanParam } from '../request.js';
import { headerOf, type RestRequest, type Route } from '../route.js';
import type { NodeIdentity } from './node-info.js';
import { parseTimeValueMs } from '../../search/time-value.js';
import { hostOf } from '../../common/index.js';

/** Node's setTimeout fires at once past this delay: a longer `timeout` waits this long (about 24.8 days). */
const TIMER_MS_MAX = 2 ** 31 - 1;
/** Elasticsearch's default `timeout` of `GET /_tasks/{id}?wait_for_completion` (30s). */
const WAIT_TIMEOUT_MS_DEFAULT = 30_000;

/** Does the `nodes` filter (ids, names, `_all`, `_local`, `*` patterns) select this node? */
export function selectsNode(nodes: string | undefined, identity: NodeIdentity): boolean {
  if (nodes === undefined || nodes === '') return true;
  return nodes.split(',').some((part) => {
    if (part === '_all' || part === '_local' || part === '_master' || part === '*') return true;
    const matches = actionMatcher(part);
    return matches(identity.nodeId) || matches(identity.nodeName);
  });
}

/** One node's part of a task list (`group_by=nodes`): the node's description and its tasks by task id. */
export interface TaskNodeBody {
  readonly tasks: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly [field: string]: unknown;
}

/**
 * Task infos listed per node (each node's `group_by=nodes` part, from one node or from every node
 * asked) as `group_by` asks: by node, a flat list (`none`), or by parent with children nested
 * (`parents`; a child whose parent is not listed stays at the top), as Elasticsearch's
 * ListTasksResponse groups them.
 */
export function groupTaskNodes(nodes: Readonly<Record<string, TaskNodeBody>>, groupBy: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  if (groupBy === 'nodes') return { ...extra, nodes };
  const infos = Object.values(nodes).flatMap((node) => Object.values(node.tasks));
  if (groupBy === 'none') return { ...extra, tasks: infos };
  const byId = new Map(infos.map((info) => [`${info['node'] as string}:${info['id'] as number}`, { ...info }]));
  const top: Record<string, unknown> = {};
  for (const [id, info] of byId) {
    const parent = info['parent_task_id'] === undefined ? undefined : byId.get(info['parent_task_id'] as string);
    if (parent === undefined) top[id] = info;
    else ((parent['children'] as unknown[] | undefined) ?? (parent['children'] = [])).push(info);
  }
  return { ...extra, tasks: top };
}

/** The `group_by` parameter of the task APIs, or Elasticsearch's 400 for an unknown value. */
export function groupByOf(request: RestRequest): string {
  const groupBy = request.query['group_by'] ?? 'nodes';
  if (groupBy !== 'nodes' && groupBy !== 'parents' && groupBy !== 'none') throw errors.illegalArgument(`Unknown group_by value [${groupBy}]`);
  return groupBy;
}

/**
 * The task management API (`GET /_tasks`, `GET /_tasks/{id}`, `_cancel`) over this node's task
 * manager, with Elasticsearch's parameters, grouping and failures; and the rethrottle of
 * `_reindex`, `_update_by_query` and `_delete_by_query` tasks (src/search/bulk-by-scroll-runner.ts).
 * A task id naming another node is a node failure, one naming no running bulk-by-scroll task here
 * is a missing task, as Elasticsearch answers for finished tasks. Finished tasks that keep a result
 * (the bulk-by-scroll ones) answer `GET /_tasks/{id}` with it, from node.db (src/tasks/task-results.ts).
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/tasks.html
 */
export function taskRoutes(identity: NodeIdentity, tasks?: TaskManager): readonly Route[] {
  const rethrottle = (kind: string): Route => ({
    method: 'POST',
    path: `/_${kind}/:task_id/_rethrottle`,
    action: `cluster:admin/${kind === 'reindex' ? 'reindex' : kind.replace('_by_query', 'byquery')}/rethrottle`,
    scope: 'cluster',
    params: ['requests_per_second', 'group_by'],
    handle: (request) => {
      const { nodeId, id, set, taskId } = parseTaskId(request.params['task_id']!);
      const rps = request.query['requests_per_second'];
      if (rps === undefined) throw errors.actionRequestValidation(['requestsPerSecond must be set']);
      if (rps !== '-1' && !(Number(rps) > 0)) throw errors.actionRequestValidation([`requests_per_second must be more than 0 but was [${rps}]`]);
      if (!set) {
        // Elasticsearch's unset id (`unset`, `<node>:-1`) names no one task: the request applies to
        // every task it matches, here every running rethrottlable (bulk-by-scroll) task.
        const running = tasks?.list().filter((task) => task.start.rethrottle !== undefined && !task.cancelled) ?? [];
        for (const task of running) task.start.rethrottle!(rps === '-1' ? Infinity : Number(rps));
        return { status: 200, body: tasks === undefined ? { nodes: {} } : render(running, true, groupByOf(request)) };
      }
      if (nodeId !== identity.nodeId) {
        const causedBy = { type: 'no_such_node_exception', reason: `No such node [${nodeId}]`, node_id: nodeId };
        return { status: 200, body: { nodes: {}, node_failures: [{ type: 'failed_node_exception', reason: `Failed node [${nodeId}]`, node_id: nodeId, caused_by: causedBy }] } };
      }
      const running = tasks?.get(taskId);
      if (tasks !== undefined && running?.start.rethrottle !== undefined && !running.cancelled) {
        running.start.rethrottle(rps === '-1' ? Infinity : Number(rps));
        return { status: 200, body: render([running], true, groupByOf(request)) };
      }
      const missing = errors.resourceNotFound(`task [${taskId}] is missing`).toCause();
      return { status: 200, body: { nodes: {}, task_failures: [{ task_id: id, node_id: nodeId, status: 'NOT_FOUND', reason: missing }] } };
    },
  });
  const nodeBody = (infos: Record<string, Readonly<Record<string, unknown>>>): TaskNodeBody => {
    const transport = identity.transportAddress() ?? identity.httpAddress();
    return { name: identity.nodeName, transport_address: transport, host: hostOf(transport), ip: transport, roles: identity.roles, tasks: infos };
  };

  /** Renders tasks as `group_by` asks: by node (default), by parent (children nested), or a flat list. */
  function render(listed: readonly Task[], detailed: boolean, groupBy: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const infos = listed.map((task) => tasks!.info(task, detailed));
    const nodes = infos.length === 0 ? {} : { [identity.nodeId]: nodeBody(Object.fromEntries(infos.map((info) => [`${info['node'] as string}:${info['id'] as number}`, info]))) };
    return groupTaskNodes(nodes, groupBy ?? 'nodes', extra);
  }

  const rethrottles = [rethrottle('delete_by_query'), rethrottle('update_by_query'), rethrottle('reindex')];
  if (tasks === undefined) return rethrottles;

  /** The REST call's own task (Elasticsearch lists the list action itself), with the caller's headers. */
  const own = <T>(request: RestRequest, action: string, work: () => Promise<T> | T): Promise<T> =>
    tasks.run({ action, description: '', cancellable: false, headers: taskHeaders((name) => headerOf(request, name)) }, work);

  const parentFilter = (request: RestRequest): string | undefined => {
    const parent = request.query['parent_task_id'];
    if (parent === undefined || parent === '-1') return undefined;
    const parsed = parseTaskId(parent);
    return parsed.set ? parsed.taskId : undefined;
  };

  const cancelResponse = (request: RestRequest, cancelled: readonly Task[], failures: Record<string, unknown> = {}) =>
    ({ status: 200, body: render(cancelled, true, groupByOf(request), failures) });

  /** Cancels every cancellable task the request's `nodes`, `actions` and `parent_task_id` match. */
  const cancelMatching = async (request: RestRequest): Promise<{ status: number; body: Record<string, unknown> }> => {
    if (!selectsNode(request.query['nodes'], identity)) return cancelResponse(request, []);
    const parent = parentFilter(request);
    const listed = tasks
      .list({ actions: actionMatcher(request.query['actions']), ...(parent !== undefined ? { parentTaskId: parent } : {}) })
      .filter((task) => task.start.cancellable);
    for (const task of listed) tasks.cancel(task, 'by user request');
    if (booleanParam(request.query['wait_for_completion'])) await Promise.all(listed.map((task) => task.done));
    return cancelResponse(request, listed);
  };

  const getTask = async (request: RestRequest): Promise<{ status: number; body: Record<string, unknown> }> => {
    const { nodeId, set, taskId } = parseTaskId(request.params['task_id']!);
    // GetTaskRequest.validate: the unset id (`unset`, `<node>:-1`) is no task id.
    if (!set) throw errors.actionRequestValidation(['task id is required']);
    const task = tasks.get(taskId);
    if (task === undefined) {
      if (nodeId !== identity.nodeId) throw errors.resourceNotFound(`task [${taskId}] belongs to the node [${nodeId}] which isn't part of the cluster and there is no record of the task`);
      const kept = tasks.result(taskId);
      if (kept !== undefined) return { status: 200, body: { completed: true, ...kept } };
      throw errors.resourceNotFound(`task [${taskId}] isn't running and hasn't stored its results`);
    }
    if (!booleanParam(request.query['wait_for_completion'])) return { status: 200, body: { completed: false, task: tasks.info(task, true) } };
    const timeoutMs = request.query['timeout'] === undefined ? WAIT_TIMEOUT_MS_DEFAULT : parseTimeValueMs(request.query['timeout'], 'timeout');
    const snapshot = tasks.info(task, true);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([task.done.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.min(Math.max(0, timeoutMs), TIMER_MS_MAX))))]);
    clearTimeout(timer);
    // Strait stores no task results: a finished task answers with what it was, completed.
    // Elasticsearch's ElasticsearchTimeoutException: 429, "your request took longer than you asked for".
    if (!finished) throw errors.waitTimeout(`Timed out waiting for completion of task [${taskId}]`);
    const kept = tasks.result(taskId);
    if (kept !== undefined) return { status: 200, body: { completed: true, ...kept } };
    return { status: 200, body: { completed: true, task: snapshot } };
  };

  return [
    ...rethrottles,
    {
      method: 'GET',
      path: '/_tasks',
      action: taskActions.list,
      scope: 'cluster',
      params: ['actions', 'detailed', 'parent_task_id', 'nodes', 'group_by'],
      handle: (request) =>
        own(request, taskActions.list, () => {
          const groupBy = groupByOf(request);
          if (!selectsNode(request.query['nodes'], identity)) return { status: 200, body: render([], false, groupBy) };
          const parent = parentFilter(request);
          const listed = tasks.list({ actions: actionMatcher(request.query['actions']), ...(parent !== undefined ? { parentTaskId: parent } : {}) });
          return { status: 200, body: render(listed, booleanParam(request.query['detailed']), groupBy) };
        }),
    },
    {
      method: 'GET',
      path: '/_tasks/:task_id',
      action: taskActions.get,
      scope: 'cluster',
      params: ['wait_for_completion', 'timeout'],
      // The get is a task too (not cancellable), as in Elasticsearch: a long wait shows in `GET /_tasks`.
      handle: (request) => own(request, taskActions.get, () => getTask(request)),
    },
    {
      method: 'POST',
      path: '/_tasks/:task_id/_cancel',
      action: taskActions.cancel,
      scope: 'cluster',
      params: ['wait_for_completion', 'group_by'],
      handle: (request) =>
        own(request, taskActions.cancel, async () => {
          const { nodeId, set, taskId } = parseTaskId(request.params['task_id']!);
          // The unset id (`unset`, `<node>:-1`) targets no one task: Elasticsearch cancels every
          // cancellable task the request matches, as `POST /_tasks/_cancel` does.
          if (!set) return cancelMatching(request);
          const task = tasks.get(taskId);
          // As Elasticsearch: a task that cannot be cancelled fails this node's part of the request.
          const problem =
            task === undefined
              ? errors.resourceNotFound(nodeId !== identity.nodeId ? `No such node [${nodeId}]` : `task [${taskId}] is not found`)
              : !task.start.cancellable
                ? errors.illegalArgument(`task [${taskId}] doesn't support cancellation`)
                : undefined;
          if (problem !== undefined || task === undefined) {
            const failed = { type: 'failed_node_exception', reason: `Failed node [${nodeId}]`, node_id: nodeId, caused_by: problem!.toCause() };
            return cancelResponse(request, [], { node_failures: [failed] });
          }
          tasks.cancel(task, 'by user request');
          if (booleanParam(request.query['wait_for_completion'])) await task.done;
          return cancelResponse(request, [task]);
        }),
    },
    {
      method: 'POST',
      path: '/_tasks/_cancel',
      action: taskActions.cancel,
      scope: 'cluster',
      params: ['actions', 'nodes', 'parent_task_id', 'wait_for_completion', 'group_by'],
      handle: (request) => own(request, taskActions.cancel, () => cancelMatching(request)),
    },
  ];
}

