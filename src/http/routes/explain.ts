/**
 * The explain route: `GET|POST /{index}/_explain/{id}` (action `indices:data/read/explain`,
 * granted by the `read` privilege). The work happens in src/search/explain.ts.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/search-explain.html
 */
import { explainAction, explainUrlParams, parseExplainRequest, type ExplainService } from '../../search/explain.js';
import type { Route } from '../route.js';

export function explainRoutes(explainer: ExplainService): readonly Route[] {
  return [
    {
      method: ['GET', 'POST'],
      path: '/:index/_explain/:id',
      action: explainAction,
      scope: 'indices',
      params: explainUrlParams,
      handle: (request, context) => {
        const parsed = parseExplainRequest(request.query, request.json(), request.rawPath);
        return explainer.explain(request.params['index']!, request.params['id']!, parsed, context.authorize);
      },
    },
  ];
}
