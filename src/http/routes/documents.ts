/**
 * Document routes: index, create, get, exists, _source, delete, update, bulk and mget, with
 * Elasticsearch's paths, parameters and answers (`_count` lives with the search routes).
 */
import { errors } from '../../common/index.js';
import {
  deleteDocument,
  executeBulkInSlices,
  executeMget,
  fetchWholeSource,
  getDocument,
  readRestrictionFor,
  indexDocument,
  parseBulkBodyInSlices,
  parseConcurrency,
  parseLong,
  parseMgetBody,
  parseRefresh,
  parseRouting,
  parseVersionType,
  pipelineNotSupported,
  sourceFilterFromQuery,
  updateDocument,
  type IndexHandle,
  type IndicesService,
  type RefreshPolicy,
  type WriteOutcome,
} from '../../index/index.js';
import type { IngestService } from '../../index/ingest/index.js';
import { booleanParam } from '../request.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../route.js';

const WRITE_PARAMS = ['refresh', 'routing', 'timeout', 'wait_for_active_shards', 'if_seq_no', 'if_primary_term', 'version', 'version_type'];
const INDEX_PARAMS = [...WRITE_PARAMS, 'op_type', 'pipeline', 'require_alias', 'require_data_stream', 'include_source_on_error', 'list_executed_pipelines'];
const SOURCE_PARAMS = ['_source', '_source_includes', '_source_excludes'];
const GET_PARAMS = [...SOURCE_PARAMS, 'stored_fields', 'realtime', 'refresh', 'routing', 'preference', 'version', 'version_type', 'force_synthetic_source'];
const UPDATE_PARAMS = [
  ...SOURCE_PARAMS,
  'if_seq_no',
  'if_primary_term',
  'refresh',
  'routing',
  'timeout',
  'wait_for_active_shards',
  'retry_on_conflict',
  'require_alias',
  'lang',
  'include_source_on_error',
  // Accepted only to be refused as Elasticsearch does (RestUpdateAction): updates use if_seq_no.
  'version',
  'version_type',
];
const BULK_PARAMS = [
  ...SOURCE_PARAMS,
  'refresh',
  'routing',
  'pipeline',
  'require_alias',
  'require_data_stream',
  'timeout',
  'wait_for_active_shards',
  'list_executed_pipelines',
  'include_source_on_error',
];
const MGET_PARAMS = [...SOURCE_PARAMS, 'stored_fields', 'realtime', 'refresh', 'routing', 'preference', 'force_synthetic_source'];

/** Makes the write searchable when the request asks (`refresh=true|wait_for`) and marks a forced refresh. */
function afterWrite(service: IndicesService, outcome: WriteOutcome, refresh: RefreshPolicy): RestResponse {
  const body = { ...outcome.body };
  if (outcome.wrote && refresh !== 'false') {
    service.refresh(outcome.handle);
    if (refresh === 'true') body['forced_refresh'] = true;
  }
  return { status: outcome.status, body };
}

function checkPipeline(request: RestRequest): void {
  const pipeline = request.query['pipeline'];
  if (pipeline !== undefined && pipeline !== '_none') throw pipelineNotSupported(pipeline);
}

/**
 * `list_executed_pipelines` (the request parameter or an item's metadata): index and create items
 * that were written list the pipelines that ran on them, as Elasticsearch's bulk answer does.
 */
export function listExecutedPipelines(
  request: RestRequest,
  items: readonly { readonly operation: string; readonly metadata: Readonly<Record<string, unknown>> }[],
  results: Record<string, Record<string, unknown>>[],
  executed: readonly (readonly string[])[],
): void {
  const all = booleanParam(request.query['list_executed_pipelines']);
  let ingested = 0;
  items.forEach((item, position) => {
    if (item.operation === 'delete') return;
    const pipelines = executed[ingested++];
    const listed = all || item.metadata['list_executed_pipelines'] === true;
    const answer = results[position]?.[item.operation];
    if (!listed || pipelines === undefined || answer === undefined || answer['error'] !== undefined || item.operation === 'update') return;
    answer['executed_pipelines'] = pipelines;
  });
}

function storedFieldsOf(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').filter((field) => field !== '');
}

/** Whether an `_update` body asks for a scripted upsert (`scripted_upsert`: true or "true"). */
export function isScriptedUpsert(body: unknown): boolean {
  return typeof body === 'object' && body !== null && ['true', true].includes((body as Record<string, unknown>)['scripted_upsert'] as string | boolean);
}

export function documentRoutes(service: IndicesService, ingest?: IngestService): readonly Route[] {
  const index = (request: RestRequest, context: RequestContext, opType: 'index' | 'create' | undefined): RestResponse => {
    const target = request.params['index']!;
    const requested = request.query['op_type'];
    if (requested !== undefined && requested !== 'index' && requested !== 'create') {
      throw errors.illegalArgument(`opType must be 'create' or 'index', found: [${requested}]`);
    }
    // Creates (explicit, or an auto-generated id) are what the create_doc privilege allows.
    const creates = (opType ?? requested) === 'create' || request.params['id'] === undefined;
    const action = creates ? 'indices:data/write/index:op_type/create' : 'indices:data/write/index';
    context.authorize.indices(action, [target]);
    if (ingest === undefined) checkPipeline(request);
    const refresh = parseRefresh(request.query['refresh']);
    const requestSource = request.json();
    if (requestSource === undefined) throw errors.bodyRequired();
    const requestRouting = parseRouting(request.query['routing']);
    const concurrency = parseConcurrency(request.query);
    // Ingest pipelines (src/index/ingest) may change the document, its id, routing and index, drop it or fail it.
    const ingested = ingest?.applyPipelines({ index: target, id: request.params['id'], routing: requestRouting, source: requestSource, pipeline: request.query['pipeline'] });
    if (ingested?.kind === 'dropped') return { status: 200, body: ingested.body };
    if (ingested?.kind === 'failed') throw ingested.error;
    const write = ingested?.kind === 'write' ? ingested : undefined;
    if (write !== undefined && write.index !== target) context.authorize.indices(action, [write.index]);
    const source = write?.source ?? requestSource;
    const routing = write !== undefined ? write.routing : requestRouting;
    const outcome = indexDocument(service, {
      ...concurrency,
      ...(routing !== undefined ? { routing } : {}),
      target: write?.index ?? target,
      id: write !== undefined ? write.id : request.params['id'],
      source,
      // Without an id the write is a create unless op_type says otherwise (RestIndexAction's AutoIdHandler).
      opType: opType ?? (requested as 'index' | 'create' | undefined) ?? (request.params['id'] === undefined ? 'create' : 'index'),
      requireAlias: booleanParam(request.query['require_alias']),
      requireDataStream: booleanParam(request.query['require_data_stream']),
      authorizeCreate: (name) => context.authorize.indices('indices:admin/auto_create', [name]),
    });
    const response = afterWrite(service, outcome, refresh);
    if (!booleanParam(request.query['list_executed_pipelines'])) return response;
    return { ...response, body: { ...(response.body as Record<string, unknown>), executed_pipelines: write?.pipelines ?? [] } };
  };

  const get = (request: RestRequest, context: RequestContext, sourceOnly: boolean): RestResponse => {
    const name = request.params['index']!;
    context.authorize.indices('indices:data/read/get', [name]);
    if (booleanParam(request.query['refresh'])) {
      const handle = service.get(name);
      if (handle !== undefined && handle.shards !== undefined) service.refresh(handle);
    }
    const version = parseLong(request.query['version'], 'version');
    const routing = parseRouting(request.query['routing']);
    const restriction = readRestrictionFor(service, context.authorize, 'indices:data/read/get', name);
    const outcome = getDocument(service, {
      index: name,
      id: request.params['id']!,
      ...(restriction !== undefined ? { restriction } : {}),
      sourceFilter: sourceFilterFromQuery(request.query),
      explicitSource: request.query['_source'] !== undefined || request.query['_source_includes'] !== undefined,
      ...(storedFieldsOf(request.query['stored_fields']) !== undefined ? { storedFields: storedFieldsOf(request.query['stored_fields'])! } : {}),
      ...(version !== undefined ? { version } : {}),
      versionType: parseVersionType(request.query['version_type']),
      ...(routing !== undefined ? { routing } : {}),
    });
    if (sourceOnly) {
      if (!outcome.found) throw errors.resourceNotFound(`Document not found [${name}]/[${request.params['id']}]`);
      // The index keeps no `_source` (mapping `_source.enabled: false`): RestGetSourceAction's 404.
      if (outcome.source === undefined) throw errors.resourceNotFound(`Source not found [${name}]/[${request.params['id']}]`);
      return { status: 200, body: outcome.source };
    }
    return { status: outcome.found ? 200 : 404, body: outcome.body };
  };

  const bulk = async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
    const defaultIndex = request.params['index'];
    if (ingest === undefined) checkPipeline(request);
    const refresh = parseRefresh(request.query['refresh']);
    const querySource = SOURCE_PARAMS.some((name) => request.query[name] !== undefined) ? sourceFilterFromQuery(request.query) : undefined;
    const defaults = {
      requireDataStream: booleanParam(request.query['require_data_stream']),
      index: defaultIndex,
      requireAlias: booleanParam(request.query['require_alias']),
      sourceFilter: querySource,
      routing: parseRouting(request.query['routing']),
    };
    const text = request.text();
    if (text.trim() === '') throw errors.bodyRequired();
    const items = await parseBulkBodyInSlices(text, defaults); // in slices, like its execution (bulk-slices.ts)
    // BulkRequest.validate refuses the whole request for an empty pipeline name (IndexRequest.validate).
    if (ingest !== undefined && (request.query['pipeline'] === '' || items.some((item) => item.operation !== 'delete' && item.metadata['pipeline'] === ''))) {
      throw errors.actionRequestValidation(['pipeline cannot be an empty string']);
    }
    let ingestTookMs: number | undefined;
    // The pipelines each non-delete item ran, in item order (the ingest hook runs once per such item).
    const executedPipelines: (readonly string[])[] = [];
    const username = context.authentication.user.username;
    const authorize = context.authorize;
    const readRestriction =
      authorize.readRestriction === undefined ? undefined : (action: string, name: string, aliases?: readonly string[]) => authorize.readRestriction!(action, name, aliases);
    // In slices, each committed before other requests run (bulk-slices.ts).
    const result = await executeBulkInSlices(
      service,
      items,
      defaults,
      { allowsIndex: (action, name) => authorize.allowsIndex(action, name), ...(readRestriction !== undefined ? { readRestriction } : {}), username },
      service.nowMs,
      ingest === undefined ? undefined : (item) => {
        const started = service.nowMs();
        const outcome = ingest.applyPipelines({ ...item, pipeline: item.pipeline ?? request.query['pipeline'] });
        if (outcome.kind !== 'unchanged') ingestTookMs = (ingestTookMs ?? 0) + service.nowMs() - started;
        executedPipelines.push(outcome.kind === 'write' ? outcome.pipelines : []);
        return outcome;
      },
    );
    if (refresh !== 'false') for (const handle of result.touched) service.refresh(handle);
    listExecutedPipelines(request, items, result.body['items'] as Record<string, Record<string, unknown>>[], executedPipelines);
    if (ingestTookMs === undefined) return { status: 200, body: result.body };
    // Elasticsearch reports the time spent in pipelines after `took` when any ran (BulkResponse).
    const { errors: errorsSeen, took, ...rest } = result.body;
    return { status: 200, body: { errors: errorsSeen, took, ingest_took: Math.max(0, Math.round(ingestTookMs)), ...rest } };
  };

  const mget = (request: RestRequest, context: RequestContext): RestResponse => {
    const body = request.json();
    if (body === undefined) throw errors.bodyRequired();
    const storedFields = storedFieldsOf(request.query['stored_fields']);
    const explicitSource = request.query['_source'] !== undefined || request.query['_source_includes'] !== undefined;
    const docs = parseMgetBody(body, request.params['index'], sourceFilterFromQuery(request.query), explicitSource, parseRouting(request.query['routing'])).map((doc) =>
      storedFields !== undefined && doc.storedFields === undefined ? { ...doc, storedFields } : doc,
    );
    if (booleanParam(request.query['refresh'])) {
      for (const name of new Set(docs.map((doc) => doc.index))) {
        const handle = service.get(name);
        if (handle?.shards !== undefined && context.authorize.allowsIndex('indices:data/read/mget[shard]', name)) service.refresh(handle);
      }
    }
    const username = context.authentication.user.username;
    const authorize = context.authorize;
    const readRestriction =
      authorize.readRestriction === undefined ? undefined : (action: string, name: string, aliases?: readonly string[]) => authorize.readRestriction!(action, name, aliases);
    return {
      status: 200,
      body: executeMget(service, docs, { allowsIndex: (action, name) => authorize.allowsIndex(action, name), ...(readRestriction !== undefined ? { readRestriction } : {}), username }),
    };
  };

  const routes: Route[] = [
    {
      method: ['PUT', 'POST'],
      path: '/:index/_doc/:id',
      action: 'indices:data/write/index',
      scope: 'indices',
      params: INDEX_PARAMS,
      handle: (request, context) => index(request, context, undefined),
    },
    {
      method: 'POST',
      path: '/:index/_doc',
      action: 'indices:data/write/index',
      scope: 'indices',
      params: INDEX_PARAMS,
      handle: (request, context) => index(request, context, undefined),
    },
    {
      method: ['PUT', 'POST'],
      path: '/:index/_create/:id',
      action: 'indices:data/write/index',
      scope: 'indices',
      params: INDEX_PARAMS,
      handle: (request, context) => index(request, context, 'create'),
    },
    {
      method: ['GET', 'HEAD'],
      path: '/:index/_doc/:id',
      action: 'indices:data/read/get',
      scope: 'indices',
      params: GET_PARAMS,
      handle: (request, context) => get(request, context, false),
    },
    {
      method: ['GET', 'HEAD'],
      path: '/:index/_source/:id',
      action: 'indices:data/read/get',
      scope: 'indices',
      params: GET_PARAMS,
      handle: (request, context) => get(request, context, true),
    },
    {
      method: 'DELETE',
      path: '/:index/_doc/:id',
      action: 'indices:data/write/delete',
      scope: 'indices',
      params: WRITE_PARAMS,
      handle: (request, context) => {
        const target = request.params['index']!;
        context.authorize.indices('indices:data/write/delete', [target]);
        const refresh = parseRefresh(request.query['refresh']);
        const routing = parseRouting(request.query['routing']);
        const outcome = deleteDocument(service, { ...parseConcurrency(request.query), ...(routing !== undefined ? { routing } : {}), target, id: request.params['id']! });
        return afterWrite(service, outcome, refresh);
      },
    },
    {
      method: 'POST',
      path: '/:index/_update/:id',
      action: 'indices:data/write/update',
      scope: 'indices',
      params: UPDATE_PARAMS,
      handle: (request, context) => {
        const target = request.params['index']!;
        context.authorize.indices('indices:data/write/update', [target]);
        if (readRestrictionFor(service, context.authorize, 'indices:data/write/update', target) !== undefined) throw errors.updateWithDocumentFieldSecurity();
        const refresh = parseRefresh(request.query['refresh']);
        if (request.query['version'] !== undefined || request.query['version_type'] !== undefined) {
          throw errors.actionRequestValidation(['internal versioning can not be used for optimistic concurrency control. Please use `if_seq_no` and `if_primary_term` instead']);
        }
        const retry = request.query['retry_on_conflict'];
        if (retry !== undefined && !/^\d+$/.test(retry)) throw errors.illegalArgument(`Failed to parse int parameter [retry_on_conflict] with value [${retry}]`);
        const querySource = SOURCE_PARAMS.some((name) => request.query[name] !== undefined) ? sourceFilterFromQuery(request.query) : undefined;
        const routing = parseRouting(request.query['routing']);
        // The default and final pipelines of the index run on the upsert document (src/index/ingest);
        // a scripted upsert's document goes through them after the script.
        const requestBody = request.json();
        const scriptedUpsert = isScriptedUpsert(requestBody);
        const ingested = scriptedUpsert ? undefined : ingest?.applyPipelines({ index: target, id: request.params['id'], routing, source: requestBody, pipeline: undefined, update: true });
        if (ingested?.kind === 'dropped') return { status: 200, body: ingested.body };
        if (ingested?.kind === 'failed') throw ingested.error;
        const outcome = updateDocument(service, {
          ...parseConcurrency(request.query),
          ...(routing !== undefined ? { routing } : {}),
          ...(retry !== undefined ? { retryOnConflict: Number(retry) } : {}),
          target,
          id: request.params['id']!,
          body: ingested?.kind === 'write' ? ingested.source : requestBody,
          ...(ingest !== undefined && scriptedUpsert
            ? {
                ingestScriptedUpsert: (created: Record<string, unknown>) => {
                  const outcome = ingest.applyPipelines({ index: target, id: request.params['id'], routing, source: created, pipeline: undefined });
                  if (outcome.kind === 'failed') throw outcome.error;
                  if (outcome.kind === 'dropped') return undefined;
                  if (outcome.kind === 'unchanged') return created;
                  if (outcome.index !== service.resolveDateMath(target) || outcome.id !== request.params['id'] || outcome.routing !== routing) {
                    throw errors.illegalArgument("an ingest pipeline may not change the [_index], [_id] or [_routing] of an update's upsert document in Strait");
                  }
                  return outcome.source;
                },
              }
            : {}),
          ...(querySource !== undefined ? { sourceFilter: querySource } : {}),
          requireAlias: booleanParam(request.query['require_alias']),
          authorizeCreate: (name) => context.authorize.indices('indices:admin/auto_create', [name]),
        });
        return afterWrite(service, outcome, refresh);
      },
    },
    ...['/_bulk', '/:index/_bulk'].map(
      (path): Route => ({
        method: ['POST', 'PUT'],
        path,
        action: 'indices:data/write/bulk',
        scope: 'handler',
        params: BULK_PARAMS,
        handle: bulk,
      }),
    ),
    ...['/_mget', '/:index/_mget'].map(
      (path): Route => ({
        method: ['GET', 'POST'],
        path,
        action: 'indices:data/read/mget',
        scope: 'handler',
        params: MGET_PARAMS,
        handle: mget,
      }),
    ),
  ];
  return routes;
}

export type { IndexHandle };
