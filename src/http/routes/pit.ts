/**
 * Point in time routes: `POST /{index}/_pit?keep_alive=` opens one, `DELETE /_pit` closes it.
 * Searching through one is `_search` with `pit` in the body (src/http/routes/search.ts).
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/point-in-time-api.html
 */
import { errors } from '../../common/index.js';
import { pitActions } from '../../search/pit.js';
import type { SearchService } from '../../search/index.js';
import type { Route } from '../route.js';

const INDICES_OPTIONS = ['ignore_unavailable', 'allow_no_indices', 'expand_wildcards', 'ignore_throttled'];

export function pitRoutes(search: SearchService): readonly Route[] {
  return [
    {
      method: 'POST',
      path: '/:index/_pit',
      action: pitActions.open,
      scope: 'indices',
      params: ['keep_alive', 'routing', 'preference', 'allow_partial_search_results', ...INDICES_OPTIONS],
      handle: (request, context) => ({ status: 200, body: search.openPointInTime({ expression: request.params['index'], params: request.query, body: undefined }, context.authorize) }),
    },
    {
      method: 'DELETE',
      path: '/_pit',
      action: pitActions.close,
      // The point in time's own indices are authorized once its id is read.
      scope: 'authenticated',
      handle: (request, context) => {
        const body = request.json();
        if (body === undefined) throw errors.bodyRequired();
        if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.parsing('request body must be an object');
        const id = (body as Record<string, unknown>)['id'];
        if (typeof id !== 'string') throw errors.actionRequestValidation(['point in time id must be specified']);
        return search.closePointInTime(id, context.authorize);
      },
    },
  ];
}
