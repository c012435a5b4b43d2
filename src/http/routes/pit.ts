/**
 * Point in time routes: `POST /{index}/_pit?keep_alive=` opens one (across clusters when the
 * expression names remote ones), `DELETE /_pit` closes it. Searching through one is `_search`
 * with `pit` in the body (src/http/routes/search.ts).
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/point-in-time-api.html
 */
import { errors } from '../../common/index.js';
import { closePointInTimeAcrossClusters, decodeCrossClusterPitId, openPointInTimeAcrossClusters, type PitRemotes } from '../../search/ccs-pit.js';
import { pitActions } from '../../search/pit.js';
import { planClusters, type RemoteClusters, type SearchService } from '../../search/index.js';
import type { Route } from '../route.js';

const INDICES_OPTIONS = ['ignore_unavailable', 'allow_no_indices', 'expand_wildcards', 'ignore_throttled'];

export function pitRoutes(search: SearchService, remotes?: RemoteClusters): readonly Route[] {
  const pitRemotes = remotes !== undefined && 'openPointInTime' in remotes ? (remotes as RemoteClusters & PitRemotes) : undefined;
  return [
    {
      method: 'POST',
      path: '/:index/_pit',
      action: pitActions.open,
      scope: 'indices',
      params: ['keep_alive', ...INDICES_OPTIONS],
      handle: async (request, context) => {
        const input = { expression: request.params['index'], params: request.query, body: undefined };
        const clusters = pitRemotes === undefined ? undefined : planClusters(input.expression, pitRemotes);
        if (clusters !== undefined && pitRemotes !== undefined) {
          return { status: 200, body: await openPointInTimeAcrossClusters(search, input, clusters, context.authorize, pitRemotes, context.authentication) };
        }
        return { status: 200, body: search.openPointInTime(input, context.authorize) };
      },
    },
    {
      method: 'DELETE',
      path: '/_pit',
      action: pitActions.close,
      // The point in time's own indices are authorized once its id is read.
      scope: 'authenticated',
      handle: async (request, context) => {
        const body = request.json();
        if (body === undefined) throw errors.bodyRequired();
        if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.parsing('request body must be an object');
        const id = (body as Record<string, unknown>)['id'];
        if (typeof id !== 'string') throw errors.actionRequestValidation(['point in time id must be specified']);
        const parts = pitRemotes === undefined ? undefined : decodeCrossClusterPitId(id);
        if (parts !== undefined && pitRemotes !== undefined) return closePointInTimeAcrossClusters(search, parts, context.authorize, pitRemotes, context.authentication);
        return search.closePointInTime(id, context.authorize);
      },
    },
  ];
}
