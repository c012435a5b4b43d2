/**
 * Search routes: `_search`, scroll, `_msearch`, `_count`, `_field_caps` and `_analyze`, with
 * Elasticsearch's paths, parameters and answers (`_delete_by_query` and `_update_by_query` are in
 * reindex.ts, with `_reindex`).
 * The work happens in src/search; these handlers only read the request and name the caller.
 */
import { randomBytes } from 'node:crypto';
import { EsError, errors, jsonTokenName } from '../../common/index.js';
import {
  checkCountQueryParams,
  checkQueryStringParams,
  countAcrossClusters,
  fieldCapsAcrossClusters,
  parseMsearchLines,
  planClusters,
  searchAcrossClusters,
  searchActions,
  searchUrlParams,
  type RemoteClusters,
  type ScrollOwner,
  type SearchService,
} from '../../search/index.js';
import { CrossClusterScrolls, decodeCrossClusterScrollId, type ScrollRemotes } from '../../search/ccs-scroll.js';
import { decodeCrossClusterPitId, pitIdOf, searchPointInTimeAcrossClusters } from '../../search/ccs-pit.js';
import { searchAcrossClustersUnminimized, type QueryPhaseRemotes } from '../../search/ccs-roundtrips.js';
import { booleanParam } from '../request.js';
import { searchDescription, taskHeaders, untilCancelled } from '../../tasks/task-manager.js';
import { headerOf, type RequestContext, type RestRequest, type RestResponse, type Route } from '../route.js';

const INDICES_OPTIONS = ['ignore_unavailable', 'allow_no_indices', 'expand_wildcards', 'ignore_throttled'];
const SEARCH_PARAMS = [...searchUrlParams, ...INDICES_OPTIONS];
const SCROLL_PARAMS = ['scroll', 'scroll_id', 'rest_total_hits_as_int'];
const MSEARCH_PARAMS = [
  'search_type', 'max_concurrent_searches', 'typed_keys', 'pre_filter_shard_size', 'max_concurrent_shard_requests', 'rest_total_hits_as_int',
  'ccs_minimize_roundtrips', 'routing', ...INDICES_OPTIONS,
];
const COUNT_PARAMS = [
  'q', 'df', 'analyzer', 'analyze_wildcard', 'default_operator', 'lenient', 'min_score', 'terminate_after', 'preference', 'routing', ...INDICES_OPTIONS,
];
const FIELD_CAPS_PARAMS = ['fields', 'include_unmapped', 'filters', 'types', 'include_empty_fields', ...INDICES_OPTIONS];

/** Who owns a scroll context: the user and the realm (or API key) that authenticated them. */
export function scrollOwner(context: RequestContext): ScrollOwner {
  const authentication = context.authentication;
  const realm = authentication.apiKey !== undefined ? `api_key:${authentication.apiKey.id}` : authentication.authenticatingRealm.name;
  return { username: authentication.user.username, realm };
}


/** Elasticsearch's answer to a scroll or clear-scroll body it cannot read: the reason is the cause. */
function failedToParseBody(reason: string): EsError {
  return errors.illegalArgumentCausedBy('Failed to parse request body', errors.illegalArgument(reason));
}

/**
 * The scroll ids a clear-scroll request names. As Elasticsearch's RestClearScrollAction: the
 * path (or `scroll_id` parameter) gives ids first, and a body, when there is one, replaces them
 * entirely (its values take precedence), so an invalid id in the path next to a body is ignored.
 * Body errors are Elasticsearch's "Failed to parse request body" with the cause.
 */
function clearScrollIdsOf(request: RestRequest): string[] {
  const fromPath = request.params['scroll_id'] ?? request.query['scroll_id'];
  const body = request.json();
  if (body === undefined) return fromPath === undefined ? [] : fromPath.split(',').filter((id) => id !== '');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw failedToParseBody('Malformed content, must start with an object');
  const isValue = (value: unknown): boolean => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  const ids: string[] = [];
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key !== 'scroll_id') throw failedToParseBody(`Unknown parameter [${key}] in request body or parameter is of the wrong type[${jsonTokenName(value)}] `);
    if (Array.isArray(value)) {
      for (const item of value) {
        if (!isValue(item)) throw failedToParseBody('scroll_id array element should only contain scroll_id');
        ids.push(String(item));
      }
    } else {
      if (!isValue(value)) throw failedToParseBody('scroll_id element should only contain scroll_id');
      ids.push(String(value));
    }
  }
  return ids;
}

export function searchRoutes(search: SearchService, remotes?: RemoteClusters): readonly Route[] {
  const plan = (expression: string | undefined) => (remotes === undefined ? undefined : planClusters(expression, remotes));
  // Scrolls over several clusters are kept here, their per-cluster contexts on each cluster.
  const scrollRemotes = remotes !== undefined && 'openScroll' in remotes ? (remotes as RemoteClusters & ScrollRemotes) : undefined;
  const ccsScrolls = scrollRemotes === undefined ? undefined : new CrossClusterScrolls(search, scrollRemotes, Date.now, () => randomBytes(12).toString('hex'));
  // Every `_search` is a cancellable task (`GET /_tasks`, `_cancel`); its caller's X-Opaque-Id goes with it to remote clusters.
  const searchHandler = (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const header = (name: string): string | undefined => headerOf(request, name);
    const start = { action: searchActions.search, description: searchDescription(request.params['index'], request.json()), cancellable: true, headers: taskHeaders(header) };
    return search.tasks.run(start, (task) => untilCancelled(searchWork(request, context), task));
  };
  const searchWork = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const input = { expression: request.params['index'], params: request.query, body: request.json() };
    checkQueryStringParams(request.query, request.rawPath);
    // A cross-cluster point in time carries its clusters in its id.
    const pitId = remotes === undefined ? undefined : pitIdOf(input.body);
    const pitParts = pitId === undefined ? undefined : decodeCrossClusterPitId(pitId);
    if (pitParts !== undefined && remotes !== undefined) {
      return { status: 200, body: await searchPointInTimeAcrossClusters(search, input, pitParts, context.authorize, remotes, context.authentication) };
    }
    const clusters = plan(input.expression);
    if (clusters !== undefined && ccsScrolls !== undefined && request.query['scroll'] !== undefined) {
      return { status: 200, body: await ccsScrolls.open(input, clusters, context.authorize, scrollOwner(context), context.authentication) };
    }
    if (clusters !== undefined && remotes !== undefined && booleanParam(request.query['ccs_minimize_roundtrips'] ?? 'true') === false && 'queryPhase' in remotes) {
      const unminimized = remotes as RemoteClusters & QueryPhaseRemotes;
      return { status: 200, body: await searchAcrossClustersUnminimized(search, input, clusters, context.authorize, unminimized, scrollOwner(context), context.authentication) };
    }
    if (clusters !== undefined && remotes !== undefined) {
      return { status: 200, body: await searchAcrossClusters(search, input, clusters, context.authorize, remotes, context.authentication) };
    }
    return { status: 200, body: await search.searchCancellable(input, context.authorize, scrollOwner(context)) };
  };

  const scrollHandler = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    // RestSearchScrollAction: the path (or parameters) first; the body's values take precedence.
    let scrollId = request.params['scroll_id'] ?? request.query['scroll_id'];
    let keepAlive = request.query['scroll'];
    const body = request.json();
    if (body !== undefined) {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw failedToParseBody('Malformed content, must start with an object');
      for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
        if (key === 'scroll_id' && typeof value === 'string') scrollId = value;
        else if (key === 'scroll' && typeof value === 'string') keepAlive = value;
        else throw failedToParseBody(`Unknown parameter [${key}] in request body or parameter is of the wrong type[${jsonTokenName(value)}] `);
      }
    }
    if (scrollId === undefined) throw errors.actionRequestValidation(['scrollId is missing']);
    const crossCluster = decodeCrossClusterScrollId(scrollId);
    if (crossCluster !== undefined && ccsScrolls !== undefined) {
      return { status: 200, body: await ccsScrolls.scroll(crossCluster, scrollId, keepAlive, booleanParam(request.query['rest_total_hits_as_int']), scrollOwner(context)) };
    }
    return { status: 200, body: search.scroll(scrollId, keepAlive, booleanParam(request.query['rest_total_hits_as_int']), scrollOwner(context)) };
  };

  const clearScrollHandler = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const ids = clearScrollIdsOf(request);
    if (ids.length === 0) throw errors.actionRequestValidation(['no scroll ids specified']);
    if (ids.includes('_all')) {
      context.authorize.cluster('cluster:admin/indices/scroll/clear_all');
      const crossCluster = ccsScrolls === undefined ? 0 : await ccsScrolls.clearAll();
      const local = search.clearScroll('all', scrollOwner(context));
      return { status: 200, body: { succeeded: true, num_freed: (local.body['num_freed'] as number) + crossCluster } };
    }
    // Cross-cluster scroll ids free their contexts on every cluster; the others are this node's.
    const localIds: string[] = [];
    let crossClusterFreed = 0;
    for (const id of ids) {
      const crossCluster = ccsScrolls === undefined ? undefined : decodeCrossClusterScrollId(id);
      if (crossCluster === undefined) localIds.push(id);
      else crossClusterFreed += await ccsScrolls!.clear(crossCluster, scrollOwner(context));
    }
    if (localIds.length === 0) return { status: crossClusterFreed === 0 ? 404 : 200, body: { succeeded: true, num_freed: crossClusterFreed } };
    const local = search.clearScroll(localIds, scrollOwner(context));
    const freed = (local.body['num_freed'] as number) + crossClusterFreed;
    return { status: freed === 0 ? 404 : 200, body: { succeeded: true, num_freed: freed } };
  };

  const msearchHandler = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const text = request.text();
    if (text.trim() === '') throw errors.bodyRequired();
    if (!text.endsWith('\n')) throw errors.illegalArgument('The msearch request must be terminated by a newline [\\n]');
    const maxConcurrent = request.query['max_concurrent_searches'];
    if (maxConcurrent !== undefined && !(Number(maxConcurrent) >= 1)) throw errors.illegalArgument('maxConcurrentSearchRequests must be positive');
    const lines = request.ndjson();
    const defaults = { expression: request.params['index'], params: request.query };
    const items = remotes === undefined ? [] : parseMsearchLines(lines, defaults);
    if (remotes === undefined || !items.some((item) => plan(item.expression) !== undefined)) {
      return { status: 200, body: search.msearch(lines, defaults, context.authorize, scrollOwner(context)) };
    }
    // Some item targets remote clusters: run each item on its own, cross-cluster where needed.
    const started = Date.now();
    const responses = await Promise.all(
      items.map(async (item) => {
        try {
          const clusters = plan(item.expression);
          const body = clusters === undefined ? search.search(item, context.authorize, scrollOwner(context)) : await searchAcrossClusters(search, item, clusters, context.authorize, remotes, context.authentication);
          return { ...body, status: 200 };
        } catch (error) {
          if (!(error instanceof EsError)) throw error;
          return { ...error.toBody() };
        }
      }),
    );
    return { status: 200, body: { took: Date.now() - started, responses } };
  };

  const routes: Route[] = [
    ...['/_search', '/:index/_search'].map(
      (path): Route => ({ method: ['GET', 'POST'], path, action: searchActions.search, scope: 'indices', params: SEARCH_PARAMS, handle: searchHandler }),
    ),
    ...['/_search/scroll', '/_search/scroll/:scroll_id'].flatMap((path): Route[] => [
      { method: ['GET', 'POST'], path, action: 'indices:data/read/scroll', scope: 'authenticated', params: SCROLL_PARAMS, handle: scrollHandler },
      { method: 'DELETE', path, action: 'indices:data/read/scroll/clear', scope: 'authenticated', params: ['scroll_id'], handle: clearScrollHandler },
    ]),
    ...['/_msearch', '/:index/_msearch'].map(
      (path): Route => ({ method: ['GET', 'POST'], path, action: 'indices:data/read/msearch', scope: 'handler', params: MSEARCH_PARAMS, handle: msearchHandler }),
    ),
    ...['/_count', '/:index/_count'].map(
      (path): Route => ({
        method: ['GET', 'POST'],
        path,
        action: searchActions.count,
        scope: 'indices',
        params: COUNT_PARAMS,
        handle: async (request, context) => {
          const input = { expression: request.params['index'], params: request.query, body: request.json() };
          checkCountQueryParams(request.query, input.body !== undefined, request.rawPath);
          const clusters = plan(input.expression);
          if (clusters !== undefined && remotes !== undefined) {
            return { status: 200, body: await countAcrossClusters(search, input, clusters, context.authorize, remotes, context.authentication) };
          }
          return { status: 200, body: search.count(input, context.authorize) };
        },
      }),
    ),
    ...['/_field_caps', '/:index/_field_caps'].map(
      (path): Route => ({
        method: ['GET', 'POST'],
        path,
        action: searchActions.fieldCaps,
        scope: 'indices',
        params: FIELD_CAPS_PARAMS,
        handle: async (request, context) => {
          const input = { expression: request.params['index'], params: request.query, body: request.json() };
          const clusters = plan(input.expression);
          if (clusters !== undefined && remotes !== undefined) {
            return { status: 200, body: await fieldCapsAcrossClusters(search, input, clusters, context.authorize, remotes, context.authentication) };
          }
          return { status: 200, body: search.fieldCaps(input, context.authorize) };
        },
      }),
    ),
    {
      method: ['GET', 'POST'],
      path: '/_analyze',
      action: searchActions.analyze,
      scope: 'authenticated',
      params: ['index'],
      handle: (request, context) => ({ status: 200, body: search.analyze(request.query['index'], request.json(), context.authorize) }),
    },
    {
      method: ['GET', 'POST'],
      path: '/:index/_analyze',
      action: searchActions.analyze,
      scope: 'indices',
      handle: (request, context) => ({ status: 200, body: search.analyze(request.params['index']!, request.json(), context.authorize) }),
    },
  ];
  return routes;
}
