/**
 * Script routes: `PUT|POST /_scripts/{id}[/{context}]`, `GET /_scripts/{id}` and
 * `DELETE /_scripts/{id}`, with Elasticsearch's action names (`cluster:admin/script/put|get|delete`)
 * and answers, `GET /_script_language`, `GET /_script_context` and the Painless execute API. The scripts live in node.db (src/index/script/stored.ts).
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/script-apis.html
 */
import { errors } from '../../common/index.js';
import { executePainless, parseExecuteRequest } from '../../index/script/execute.js';
import { parseStoredScriptPut, scriptContextDescriptions, type SqlStoredScripts } from '../../index/script/stored.js';
import type { IndicesService } from '../../index/indices-service.js';
import type { RestRequest, Route } from '../route.js';

const MASTER = ['master_timeout', 'timeout'];

export function scriptRoutes(scripts: SqlStoredScripts, indices: IndicesService): readonly Route[] {
  const put = (request: RestRequest) => {
    const id = request.params['id']!;
    const body = request.json();
    if (body === undefined) throw errors.bodyRequired();
    const context = request.params['context'] ?? request.query['context'];
    scripts.put(id, parseStoredScriptPut(id, context, body));
    return { status: 200, body: { acknowledged: true } };
  };
  return [
    {
      method: ['GET', 'POST'],
      path: '/_scripts/painless/_execute',
      action: 'cluster:admin/scripts/painless/execute',
      scope: 'cluster',
      params: [],
      handle: (request) => {
        const parsed = parseExecuteRequest(request.json());
        let index;
        if (parsed.index !== undefined) {
          const handle = indices.singleIndex(parsed.index);
          index = { name: handle.name, rootMapping: handle.metadata.mappings, mapping: handle.mapping };
        }
        return { status: 200, body: executePainless(parsed, index) };
      },
    },
    {
      method: 'GET',
      path: '/_script_language',
      action: 'cluster:admin/script_language/get',
      scope: 'cluster',
      params: [],
      handle: () => ({
        status: 200,
        body: { types_allowed: ['inline', 'stored'], language_contexts: [{ language: 'painless', contexts: scriptContextDescriptions.map((context) => context.name) }] },
      }),
    },
    {
      method: 'GET',
      path: '/_script_context',
      action: 'cluster:admin/script_context/get',
      scope: 'cluster',
      params: [],
      handle: () => ({
        status: 200,
        body: { contexts: scriptContextDescriptions.map((context) => ({ name: context.name, methods: [{ name: 'execute', return_type: context.returnType, params: [] }] })) },
      }),
    },
    { method: ['PUT', 'POST'], path: '/_scripts/:id', action: 'cluster:admin/script/put', scope: 'cluster', params: [...MASTER, 'context'], handle: put },
    { method: ['PUT', 'POST'], path: '/_scripts/:id/:context', action: 'cluster:admin/script/put', scope: 'cluster', params: MASTER, handle: put },
    {
      method: 'GET',
      path: '/_scripts/:id',
      action: 'cluster:admin/script/get',
      scope: 'cluster',
      params: ['master_timeout'],
      handle: (request) => {
        const id = request.params['id']!;
        const script = scripts.get(id);
        if (script === undefined) return { status: 404, body: { _id: id, found: false } };
        return { status: 200, body: { _id: id, found: true, script } };
      },
    },
    {
      method: 'DELETE',
      path: '/_scripts/:id',
      action: 'cluster:admin/script/delete',
      scope: 'cluster',
      params: MASTER,
      handle: (request) => {
        const id = request.params['id']!;
        if (!scripts.remove(id)) throw errors.resourceNotFound(`stored script [${id}] does not exist`);
        return { status: 200, body: { acknowledged: true } };
      },
    },
  ];
}
