/**
 * Data stream routes: create, get, delete, stats and promote of `/_data_stream`, and
 * `POST /{target}/_rollover` (data streams and aliases), with Elasticsearch's paths, parameters,
 * action names and answers.
 */
import { errors } from '../../common/index.js';
import type { DataStreamService, MeasuredRolloverStats, StreamAccess } from '../../index/data-stream-service.js';
import type { IndexHandle } from '../../index/indices-service.js';
import { parseIndicesOptions, type IndicesOptions } from '../../index/expression.js';
import { booleanParam } from '../request.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../route.js';
import { warningHeader } from './templates.js';

const MASTER = ['master_timeout', 'timeout'];


/** GetDataStreamAction and DeleteDataStreamAction's defaults: open and closed, not hidden. */
const streamOptions: IndicesOptions = { ignoreUnavailable: false, allowNoIndices: true, expandWildcards: new Set(['open', 'closed']) };

function accessFor(context: RequestContext, action: string): StreamAccess {
  return {
    allows: (name) => context.authorize.allowsIndex(action, name),
    authorizeLiterals: (names) => context.authorize.indices(action, names),
  };
}

function optionalObjectBody(request: RestRequest): Record<string, unknown> | undefined {
  const body = request.json();
  if (body === undefined) return undefined;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.parsing('request body must be an object');
  return body as Record<string, unknown>;
}

/**
 * The rollover handler. `measure`, given in a multi-node cluster, reads the old write index's
 * figures on the nodes holding its primaries (the local copies are only some of them).
 */
export function rolloverHandler(streams: DataStreamService, measure?: (oldIndex: IndexHandle, documentBytes: boolean) => Promise<MeasuredRolloverStats>) {
  return async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const target = request.params['index']!;
    context.authorize.indices('indices:admin/rollover', [target]);
    if (booleanParam(request.query['lazy'])) throw errors.illegalArgument('[lazy] rollover is not supported by Strait');
    checkActiveShardCount(request.query['wait_for_active_shards']);
    const requestBody = optionalObjectBody(request);
    let measured: MeasuredRolloverStats | undefined;
    const conditions = requestBody?.['conditions'];
    // Measured only when there are conditions to compare; a bad target or body answers from rollover below.
    if (measure !== undefined && conditions !== null && typeof conditions === 'object' && Object.keys(conditions).length > 0) {
      let oldIndex: IndexHandle | undefined;
      try {
        oldIndex = streams.rolloverSource(target);
      } catch {
        oldIndex = undefined;
      }
      if (oldIndex !== undefined) measured = await measure(oldIndex, Object.keys(conditions).some((name) => name === 'max_size' || name === 'min_size'));
    }
    const { body, warnings } = streams.rollover({ target, newIndex: request.params['new_index'], body: requestBody, dryRun: booleanParam(request.query['dry_run']), ...(measured !== undefined ? { measured } : {}) });
    return { status: 200, body, ...(warnings.length > 0 ? { headers: { Warning: warnings.map(warningHeader).join(', ') } } : {}) };
  };
}

/** The data streams a stats request names, authorized as a single node does (`indices:monitor/data_stream/stats`). */
export function resolveStreamsForStats(streams: DataStreamService, request: RestRequest, context: RequestContext): ReturnType<DataStreamService['resolve']> {
  return streams.resolve(request.params['index'], parseIndicesOptions(request.query, streamOptions), accessFor(context, 'indices:monitor/data_stream/stats'));
}

export function dataStreamRoutes(streams: DataStreamService): readonly Route[] {
  const get = (request: RestRequest, context: RequestContext) => {
    const action = 'indices:admin/data_stream/get';
    const found = streams.resolve(request.params['index'], parseIndicesOptions(request.query, streamOptions), accessFor(context, action));
    const verbose = booleanParam(request.query['verbose']);
    return { status: 200, body: { data_streams: found.map((stream) => streams.render(stream, verbose)) } };
  };
  const stats = (request: RestRequest, context: RequestContext) => {
    return { status: 200, body: streams.stats(resolveStreamsForStats(streams, request, context)) };
  };
  const rollover = rolloverHandler(streams);
  const rolloverParams = ['dry_run', 'lazy', 'wait_for_active_shards', ...MASTER];
  return [
    {
      method: 'PUT',
      path: '/_data_stream/:index',
      action: 'indices:admin/data_stream/create',
      scope: 'indices',
      params: MASTER,
      handle: (request, context) => {
        const name = request.params['index']!;
        context.authorize.indices('indices:admin/data_stream/create', [name]);
        streams.createDataStream(name);
        return { status: 200, body: { acknowledged: true } };
      },
    },
    { method: 'GET', path: '/_data_stream', action: 'indices:admin/data_stream/get', scope: 'indices', params: ['expand_wildcards', 'master_timeout', 'verbose'], handle: get },
    { method: 'GET', path: '/_data_stream/:index', action: 'indices:admin/data_stream/get', scope: 'indices', params: ['expand_wildcards', 'master_timeout', 'verbose'], handle: get },
    {
      method: 'DELETE',
      path: '/_data_stream/:index',
      action: 'indices:admin/data_stream/delete',
      scope: 'indices',
      params: ['expand_wildcards', ...MASTER],
      handle: (request, context) => {
        const action = 'indices:admin/data_stream/delete';
        const found = streams.resolve(request.params['index'], parseIndicesOptions(request.query, streamOptions), accessFor(context, action));
        streams.deleteDataStreams(found);
        return { status: 200, body: { acknowledged: true } };
      },
    },
    {
      method: 'POST',
      path: '/_data_stream/_promote/:index',
      action: 'indices:admin/data_stream/promote',
      scope: 'indices',
      params: MASTER,
      handle: (request, context) => {
        const name = request.params['index']!;
        context.authorize.indices('indices:admin/data_stream/promote', [name]);
        streams.promote(name);
        return { status: 200, body: { acknowledged: true } };
      },
    },
    { method: 'GET', path: '/_data_stream/_stats', action: 'indices:monitor/data_stream/stats', scope: 'indices', params: ['expand_wildcards'], handle: stats },
    { method: 'GET', path: '/_data_stream/:index/_stats', action: 'indices:monitor/data_stream/stats', scope: 'indices', params: ['expand_wildcards'], handle: stats },
    { method: 'POST', path: '/:index/_rollover', action: 'indices:admin/rollover', scope: 'indices', params: rolloverParams, handle: rollover },
    { method: 'POST', path: '/:index/_rollover/:new_index', action: 'indices:admin/rollover', scope: 'indices', params: rolloverParams, handle: rollover },
  ];
}

/**
 * `wait_for_active_shards` read as Elasticsearch's ActiveShardCount.parseString reads it, so a
 * malformed or negative count is refused before the rollover runs (it rolled the stream over).
 */
function checkActiveShardCount(value: string | undefined): void {
  if (value === undefined || value === 'all' || value === 'index-setting') return;
  if (!/^-?\d+$/.test(value)) throw errors.illegalArgument(`cannot parse ActiveShardCount[${value}]`);
  if (Number(value) < 0) throw errors.illegalArgument('shard count cannot be a negative value');
}
