/**
 * `POST [/{index}]/_forcemerge`: merges each shard's searchable segments as the request asks
 * (src/index/searcher/force-merge.ts), waits until they are merged, then flushes each shard unless
 * `flush=false`. Merging drops deleted documents, so `docs.deleted` of `_stats` and `_cat/indices`
 * goes back down. `wait_for_completion=false` (a task to poll) is refused: Strait's force merge
 * keeps no task. References: indices-forcemerge.html, rest-api-spec indices.forcemerge.json,
 * ForceMergeRequest.validate.
 */
import { errors } from '../../common/index.js';
import { parseIndicesOptions, settingInteger, type IndicesService } from '../../index/index.js';
import type { ForceMergeRequest, SearcherService } from '../../index/searcher/index.js';
import { booleanParam } from '../request.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../route.js';
import { resolveForRoute } from './indices.js';

export const FORCE_MERGE_ACTION = 'indices:admin/forcemerge';

/** The force merge a request asks for; 400s as Elasticsearch's parameter parsing and validation give them. */
export function parseForceMergeRequest(query: Readonly<Record<string, string | undefined>>): ForceMergeRequest {
  const onlyExpungeDeletes = booleanParam(query['only_expunge_deletes']);
  const raw = query['max_num_segments'];
  let maxNumSegments: number | undefined;
  if (raw !== undefined) {
    const value = Number.parseInt(raw, 10);
    // Elasticsearch reads it with paramAsInt: a Java int, or this 400.
    if (!/^-?\d+$/.test(raw) || value > 2_147_483_647 || value < -2_147_483_648) throw errors.illegalArgument(`Failed to parse int parameter [max_num_segments] with value [${raw}]`);
    // -1 is Elasticsearch's "not set"; any other value below 1 Lucene's forceMerge refuses.
    if (value !== -1) {
      if (value < 1) throw errors.illegalArgument(`maxNumSegments must be >= 1; got ${value}`);
      maxNumSegments = value;
    }
  }
  if (onlyExpungeDeletes && maxNumSegments !== undefined) {
    throw errors.actionRequestValidation(['cannot set only_expunge_deletes and max_num_segments at the same time, those two parameters are mutually exclusive']);
  }
  if (!booleanParam(query['wait_for_completion'], true)) throw errors.illegalArgument('[wait_for_completion=false] is not supported by Strait\'s force merge: it keeps no task; the request waits for the merge');
  return { maxNumSegments, onlyExpungeDeletes };
}

export function forceMergeRoutes(service: IndicesService, searchers: Pick<SearcherService, 'forceMerge'>): readonly Route[] {
  const forceMerge = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const merge = parseForceMergeRequest(request.query);
    const flush = booleanParam(request.query['flush'], true);
    const handles = resolveForRoute(service, context, FORCE_MERGE_ACTION, request.params['index'], parseIndicesOptions(request.query));
    let total = 0;
    let successful = 0;
    for (const handle of handles) service.openShardsOf(handle); // a closed index: 400 before anything merges
    for (const handle of handles) {
      const stores = service.openShardsOf(handle);
      total += stores.length * (1 + settingInteger(handle.metadata.settings, 'index.number_of_replicas'));
      await searchers.forceMerge(handle, merge);
      // The index may have been closed or deleted while it merged: its stores are then closed.
      const current = service.get(handle.name);
      if (flush && current?.uuid === handle.uuid && current.metadata.state === 'open') for (const store of service.openShardsOf(current)) store.flush();
      successful += stores.length;
    }
    return { status: 200, body: { _shards: { total, successful, failed: 0 } } };
  };
  return ['/_forcemerge', '/:index/_forcemerge'].map(
    (path): Route => ({
      method: 'POST',
      path,
      action: FORCE_MERGE_ACTION,
      scope: 'indices',
      params: ['ignore_unavailable', 'allow_no_indices', 'expand_wildcards', 'flush', 'max_num_segments', 'only_expunge_deletes', 'wait_for_completion'],
      handle: forceMerge,
    }),
  );
}
