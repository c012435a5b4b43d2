/**
 * Async search routes: submit (`POST /_async_search`, `POST /{index}/_async_search`), get, status
 * and delete, with Elasticsearch's paths, parameters, action names and owner checks. The search
 * itself is the ordinary one (local or across clusters); src/search/async-search.ts keeps it
 * (a finished, kept result in node.db, so that these routes answer it after a restart).
 */
import { EsError } from '../../common/index.js';
import {
  checkQueryStringParams,
  planClusters,
  searchAcrossClusters,
  searchUrlParams,
  type RemoteClusters,
  type SearchService,
} from '../../search/index.js';
import { AsyncSearchStore, asyncSubmitParamNames, cancelled, parseAsyncKeepAlive, parseAsyncSubmitParams, parseWait } from '../../search/async-search.js';
import { decodeCrossClusterPitId, pitIdOf, searchPointInTimeAcrossClusters } from '../../search/ccs-pit.js';
import { searchAcrossClustersUnminimized, type QueryPhaseRemotes } from '../../search/ccs-roundtrips.js';
import { booleanParam } from '../request.js';
import { searchDescription, taskHeaders, untilAborted, untilCancelled, type Task } from '../../tasks/task-manager.js';
import { headerOf, type RequestContext, type Route } from '../route.js';
import { scrollOwner } from './search.js';

export const asyncSearchActions = {
  submit: 'indices:data/read/async_search/submit',
  get: 'indices:data/read/async_search/get',
  delete: 'indices:data/read/async_search/delete',
  status: 'cluster:monitor/async_search/status',
  /** The `cancel_task` privilege's action: lets a caller delete other users' async searches. */
  cancelTask: 'cluster:admin/tasks/cancel',
} as const;

const INDICES_OPTIONS = ['ignore_unavailable', 'allow_no_indices', 'expand_wildcards', 'ignore_throttled'];
const SUBMIT_PARAMS = [...searchUrlParams, ...INDICES_OPTIONS, ...asyncSubmitParamNames];

/** True when the caller holds `action` (the 403 it would raise is not an error here). */
export function holds(context: RequestContext, action: string): boolean {
  try {
    context.authorize.cluster(action);
    return true;
  } catch (error) {
    if (error instanceof EsError && error.status === 403) return false;
    throw error;
  }
}

export function asyncSearchRoutes(search: SearchService, store: AsyncSearchStore, remotes?: RemoteClusters): readonly Route[] {
  const submit = async (request: Parameters<Route['handle']>[0], context: RequestContext) => {
    const options = parseAsyncSubmitParams(request.query);
    const input = { expression: request.params['index'], params: options.searchParams, body: request.json() };
    checkQueryStringParams(input.params, request.rawPath);
    // Bad requests fail the submit itself, as in Elasticsearch, not the stored search.
    search.parseForClusters(input);
    const owner = scrollOwner(context);
    const clusters = remotes === undefined ? undefined : planClusters(input.expression, remotes);
    // A point in time over several clusters names them in its id.
    const pitId = remotes === undefined ? undefined : pitIdOf(input.body);
    const pitParts = pitId === undefined ? undefined : decodeCrossClusterPitId(pitId);
    const minimize = booleanParam(input.params['ccs_minimize_roundtrips'], true);
    // Authorize now, before answering: remote clusters authorize their own parts when the search runs.
    if (pitParts !== undefined) context.authorize.delegateToRemote?.();
    else if (clusters === undefined) search.authorizeSearchTargets(input, context.authorize);
    else {
      context.authorize.delegateToRemote?.();
      if (clusters.local !== undefined) search.authorizeSearchTargets({ ...input, expression: clusters.local }, context.authorize);
    }
    const header = (name: string): string | undefined => headerOf(request, name);
    const headers = taskHeaders(header);
    const description = searchDescription(input.expression, input.body);
    // Deleting the async search cancels both tasks, and the search's children on remote clusters with them.
    const run = asAsyncSearchTasks(search.tasks, description, headers, (signal) => runSearch(signal));
    const runSearch = (signal: AbortSignal): Promise<Record<string, unknown>> => {
      if (pitParts !== undefined && remotes !== undefined) {
        return untilAborted(searchPointInTimeAcrossClusters(search, input, pitParts, context.authorize, remotes, context.authentication), signal, cancelled);
      }
      if (clusters !== undefined && remotes !== undefined && !minimize && 'queryPhase' in remotes) {
        const unminimized = remotes as RemoteClusters & QueryPhaseRemotes;
        return untilAborted(searchAcrossClustersUnminimized(search, input, clusters, context.authorize, unminimized, owner, context.authentication), signal, cancelled);
      }
      if (clusters !== undefined && remotes !== undefined) {
        return untilAborted(searchAcrossClusters(search, input, clusters, context.authorize, remotes, context.authentication), signal, cancelled);
      }
      return search.searchCancellable(input, context.authorize, owner);
    };
    return store.submit(run, { owner, keepAliveMs: options.keepAliveMs, keepOnCompletion: options.keepOnCompletion, waitMs: options.waitMs });
  };

  return [
    ...['/_async_search', '/:index/_async_search'].map(
      (path): Route => ({ method: 'POST', path, action: asyncSearchActions.submit, scope: 'indices', params: SUBMIT_PARAMS, handle: submit }),
    ),
    {
      method: 'GET',
      path: '/_async_search/:id',
      action: asyncSearchActions.get,
      scope: 'authenticated',
      params: ['wait_for_completion_timeout', 'keep_alive'],
      // Only the submitter may read the results (Elasticsearch checks the stored owner).
      handle: (request, context) =>
        store.get(request.params['id']!, scrollOwner(context), {
          waitMs: parseWait(request.query['wait_for_completion_timeout'], 0),
          keepAliveMs: parseAsyncKeepAlive(request.query['keep_alive']),
        }),
    },
    {
      method: 'GET',
      path: '/_async_search/status/:id',
      action: asyncSearchActions.status,
      scope: 'authenticated',
      params: ['keep_alive'],
      handle: (request, context) => {
        const id = request.params['id']!;
        // The submitter, or a caller with `monitor` (the status action's cluster privilege).
        const owner = store.isOwner(id, scrollOwner(context)) === true ? scrollOwner(context) : holds(context, asyncSearchActions.status) ? 'any' : scrollOwner(context);
        return { status: 200, body: store.status(id, owner, parseAsyncKeepAlive(request.query['keep_alive'])) };
      },
    },
    {
      method: 'DELETE',
      path: '/_async_search/:id',
      action: asyncSearchActions.delete,
      scope: 'authenticated',
      handle: (request, context) => {
        const id = request.params['id']!;
        // The submitter, or a caller with `cancel_task`; anyone else sees no such search.
        const owner = store.isOwner(id, scrollOwner(context)) === true ? scrollOwner(context) : holds(context, asyncSearchActions.cancelTask) ? 'any' : scrollOwner(context);
        return { status: 200, body: store.delete(id, owner) };
      },
    },
  ];
}

/**
 * An async search runs as a task with the search as its child (as in Elasticsearch): aborting the
 * run (deleting the async search) cancels the submit task, which cancels the search task.
 */
export function asAsyncSearchTasks(
  tasks: SearchService['tasks'],
  description: string,
  headers: ReturnType<typeof taskHeaders>,
  runSearch: (signal: AbortSignal) => Promise<Record<string, unknown>>,
): (signal: AbortSignal) => Promise<Record<string, unknown>> {
  return (signal) =>
    tasks.run({ action: asyncSearchActions.submit, description, cancellable: true, headers }, (submitTask: Task) => {
      const cancel = (): void => tasks.cancel(submitTask, 'async search has been deleted');
      if (signal.aborted) cancel();
      else signal.addEventListener('abort', cancel, { once: true });
      return tasks.run({ action: 'indices:data/read/search', description, cancellable: true, parentTaskId: submitTask.taskId, headers }, (task) => untilCancelled(runSearch(signal), task));
    });
}
