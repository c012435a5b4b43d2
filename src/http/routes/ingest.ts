/**
 * Ingest routes: pipelines (put, get, delete), `_simulate` and the grok pattern bank, with
 * Elasticsearch's paths, parameters and answers.
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/ingest-apis.html
 */
import { errors } from '../../common/index.js';
import type { IngestService } from '../../index/ingest/index.js';
import { booleanParam } from '../request.js';
import type { RestRequest, Route } from '../route.js';

const MASTER_PARAMS = ['master_timeout', 'timeout'];

export function ingestRoutes(ingest: IngestService): readonly Route[] {
  const simulate = (request: RestRequest) => ({
    status: 200,
    body: ingest.simulate(request.params['id'], request.json(), booleanParam(request.query['verbose'])),
  });
  const get = (request: RestRequest) => {
    const found = ingest.get(request.params['id'], booleanParam(request.query['summary']));
    // Elasticsearch answers 404 with an empty object when no pipeline matches (GetPipelineResponse.status).
    return { status: Object.keys(found).length > 0 ? 200 : 404, body: found };
  };
  return [
    {
      method: 'PUT',
      path: '/_ingest/pipeline/:id',
      action: 'cluster:admin/ingest/pipeline/put',
      scope: 'cluster',
      params: MASTER_PARAMS,
      handle: (request) => {
        const body = request.json();
        if (body === undefined) throw errors.bodyRequired();
        ingest.put(request.params['id']!, body);
        return { status: 200, body: { acknowledged: true } };
      },
    },
    { method: 'GET', path: '/_ingest/pipeline', action: 'cluster:admin/ingest/pipeline/get', scope: 'cluster', params: ['master_timeout', 'summary'], handle: get },
    { method: 'GET', path: '/_ingest/pipeline/:id', action: 'cluster:admin/ingest/pipeline/get', scope: 'cluster', params: ['master_timeout', 'summary'], handle: get },
    {
      method: 'DELETE',
      path: '/_ingest/pipeline/:id',
      action: 'cluster:admin/ingest/pipeline/delete',
      scope: 'cluster',
      params: MASTER_PARAMS,
      handle: (request) => {
        ingest.delete(request.params['id']!);
        return { status: 200, body: { acknowledged: true } };
      },
    },
    ...['/_ingest/pipeline/_simulate', '/_ingest/pipeline/:id/_simulate'].map(
      (path): Route => ({
        method: ['GET', 'POST'],
        path,
        action: 'cluster:admin/ingest/pipeline/simulate',
        scope: 'cluster',
        params: ['verbose'],
        handle: simulate,
      }),
    ),
    {
      method: 'GET',
      path: '/_ingest/processor/grok',
      action: 'cluster:admin/ingest/processor/grok/get',
      scope: 'cluster',
      params: ['s', 'ecs_compatibility'],
      handle: (request) => {
        const ecs = request.query['ecs_compatibility'] ?? 'disabled';
        if (ecs !== 'disabled' && ecs !== 'v1') throw errors.illegalArgument(`unsupported ECS compatibility mode [${ecs}]`);
        if (ecs === 'v1') throw errors.illegalArgument('Strait has the legacy grok pattern bank only; use [ecs_compatibility=disabled]');
        return { status: 200, body: { patterns: ingest.grokPatterns(booleanParam(request.query['s'])) } };
      },
    },
  ];
}
