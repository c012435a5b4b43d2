/**
 * Routes of the bulk-by-scroll requests: `POST /_reindex`, `POST /{index}/_update_by_query` and
 * `POST /{index}/_delete_by_query` (their `_rethrottle` lives with the task routes). The work is
 * in src/search/bulk-by-scroll-runner.ts; these handlers parse, name the caller and answer.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-reindex.html
 */
import { parseByQueryRequest, parseReindexRequest, warningHeader, byQuerySearchParams, type BulkByScrollSpec } from '../../search/bulk-by-scroll.js';
import type { BulkByScrollService } from '../../search/bulk-by-scroll-runner.js';
import { taskHeaders } from '../../tasks/task-manager.js';
import { headerOf, type RequestContext, type RestRequest, type RestResponse, type Route } from '../route.js';
import { scrollOwner } from './search.js';

const COMMON_PARAMS = ['refresh', 'timeout', 'wait_for_active_shards', 'wait_for_completion', 'requests_per_second', 'scroll', 'slices', 'max_docs'];
const REINDEX_PARAMS = [...COMMON_PARAMS, 'require_alias'];
const BY_QUERY_PARAMS = [
  ...COMMON_PARAMS, ...byQuerySearchParams, 'conflicts', 'scroll_size', 'search_timeout', 'version',
  // Deprecated alias of max_docs (answered with Elasticsearch's deprecation warning).
  'size',
  // Accepted only to be refused with Elasticsearch's or Strait's message (see parseByQueryRequest).
  'from', 'sort', 'terminate_after', 'version_type',
];

export function reindexRoutes(service: BulkByScrollService): readonly Route[] {
  const run = async (request: RestRequest, context: RequestContext, spec: BulkByScrollSpec): Promise<RestResponse> => {
    const caller = {
      authorize: context.authorize,
      owner: scrollOwner(context),
      username: context.authentication.user.username,
      headers: taskHeaders((name) => headerOf(request, name)),
    };
    const outcome = await service.start(spec, caller);
    // Deprecations travel as Elasticsearch's `Warning` headers (several are joined, as HTTP allows).
    const headers = spec.warnings.length === 0 ? undefined : { Warning: spec.warnings.map(warningHeader).join(', ') };
    return { status: outcome.status, body: outcome.body, ...(headers !== undefined ? { headers } : {}) };
  };
  return [
    {
      method: 'POST',
      path: '/_reindex',
      action: 'indices:data/write/reindex',
      // The source is authorized by the scroll search (read), the destination per document by the bulk writes (write).
      scope: 'handler',
      params: REINDEX_PARAMS,
      handle: (request, context) => run(request, context, parseReindexRequest(request.json(), request.query)),
    },
    ...(['update_by_query', 'delete_by_query'] as const).map(
      (kind): Route => ({
        method: 'POST',
        path: `/:index/_${kind}`,
        action: kind === 'update_by_query' ? 'indices:data/write/update/byquery' : 'indices:data/write/delete/byquery',
        scope: 'indices',
        params: kind === 'update_by_query' ? [...BY_QUERY_PARAMS, 'pipeline'] : BY_QUERY_PARAMS,
        handle: (request, context) => run(request, context, parseByQueryRequest(kind, request.params['index']!, request.json(), request.query)),
      }),
    ),
  ];
}
