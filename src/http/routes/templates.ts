/**
 * Index template routes: composable index templates (`/_index_template`), component templates
 * (`/_component_template`), legacy templates (`/_template`), the two simulate APIs and
 * `_cat/templates`, with Elasticsearch's paths, parameters, action names and answers.
 */
import { errors, ES_API_VERSION } from '../../common/index.js';
import type { TemplateService } from '../../index/template-service.js';
import { renderComponent, renderComposable, renderLegacy, renderSimulated, selectNames } from '../../index/templates.js';
import { booleanParam } from '../request.js';
import type { RestRequest, RestResponse, Route } from '../route.js';
import { renderCat, type CatColumn, type CatRow } from './cat.js';

const MASTER = ['master_timeout', 'timeout'];
const PUT_PARAMS = ['create', 'cause', ...MASTER];
const GET_PARAMS = ['flat_settings', 'local', 'master_timeout'];
// Elasticsearch accepts its cat response parameters (ts, bytes, time) on every cat API.
const CAT_PARAMS = ['format', 'h', 'help', 's', 'v', 'ts', 'bytes', 'time', 'local', 'master_timeout'];

/** Elasticsearch's `Warning` header value for a deprecation (RFC 7234 warn-code 299). */
export function warningHeader(text: string): string {
  return `299 Elasticsearch-${ES_API_VERSION} "${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function withWarnings(response: RestResponse, warnings: readonly string[]): RestResponse {
  if (warnings.length === 0) return response;
  return { ...response, headers: { ...(response.headers ?? {}), Warning: warnings.map(warningHeader).join(', ') } };
}

function requiredBody(request: RestRequest): unknown {
  const body = request.json();
  if (body === undefined) throw errors.bodyRequired();
  return body;
}

function putOptions(request: RestRequest): { create: boolean; cause?: string } {
  const cause = request.query['cause'];
  return { create: booleanParam(request.query['create']), ...(cause !== undefined ? { cause } : {}) };
}

function parseOrder(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw errors.illegalArgument(`Failed to parse int parameter [order] with value [${value}]`);
  return Number(value);
}

const acknowledged = { status: 200, body: { acknowledged: true } };

/** HEAD answers a bare status: 200 when something matched, 404 (without a body) when nothing or a missing name. */
function headStatus(find: () => readonly unknown[]): RestResponse {
  try {
    return { status: find().length > 0 ? 200 : 404 };
  } catch (error) {
    if ((error as { status?: number }).status === 404) return { status: 404 };
    throw error;
  }
}

/** The three template kinds delete alike: by name (a pattern or list), answering `acknowledged`. */
function deleteRoute(path: string, action: string, remove: (name: string) => void): Route {
  return {
    method: 'DELETE',
    path,
    action,
    scope: 'cluster',
    params: MASTER,
    handle: (request) => {
      remove(request.params['name']!);
      return acknowledged;
    },
  };
}

/** `_cat/templates` columns (Elasticsearch's RestTemplatesAction). */
const catTemplateColumns: readonly CatColumn[] = [
  { name: 'name', aliases: ['n'], description: 'template name', byDefault: true },
  { name: 'index_patterns', aliases: ['t'], description: 'template index patterns', byDefault: true },
  { name: 'order', aliases: ['o', 'p'], description: 'template application order/priority number', byDefault: true, numeric: true },
  { name: 'version', aliases: ['v'], description: 'version', byDefault: true, numeric: true },
  { name: 'composed_of', aliases: ['c'], description: 'component templates comprising index template', byDefault: true },
];

/** Java's List.toString, as the cat table prints lists. */
const javaList = (values: readonly string[]): string => `[${values.join(', ')}]`;

function catTemplateRows(templates: TemplateService, expression: string | undefined): CatRow[] {
  const state = templates.state();
  const rows: CatRow[] = [];
  for (const name of selectNames(state.legacy.keys(), expression).found) {
    const template = state.legacy.get(name)!;
    rows.push({ name, index_patterns: javaList(template.index_patterns), order: template.order, version: template.version ?? null, composed_of: '' });
  }
  for (const name of selectNames(state.composable.keys(), expression).found) {
    const template = state.composable.get(name)!;
    rows.push({ name, index_patterns: javaList(template.index_patterns), order: template.priority ?? 0, version: template.version ?? null, composed_of: javaList(template.composed_of) });
  }
  return rows.sort((left, right) => (String(left['name']) < String(right['name']) ? -1 : 1));
}

const localDeprecation = 'the [?local] query parameter to this API has no effect, is now deprecated, and will be removed in a future version';

/** Legacy templates are deprecated in Elasticsearch 8 and 9: every put answers this warning. */
const legacyDeprecation = 'Legacy index templates are deprecated in favor of composable templates.';

export function templateRoutes(templates: TemplateService): readonly Route[] {
  const getComposable = (request: RestRequest, head: boolean): RestResponse => {
    if (head) return headStatus(() => templates.getComposable(request.params['name']));
    const found = templates.getComposable(request.params['name']);
    return { status: 200, body: { index_templates: found.map(([name, template]) => ({ name, index_template: renderComposable(template, booleanParam(request.query['flat_settings'])) })) } };
  };
  const getComponent = (request: RestRequest, head: boolean): RestResponse => {
    if (head) return headStatus(() => templates.getComponent(request.params['name']));
    const found = templates.getComponent(request.params['name']);
    const response = { status: 200, body: { component_templates: found.map(([name, template]) => ({ name, component_template: renderComponent(template, booleanParam(request.query['flat_settings'])) })) } };
    // One node: `local` changes nothing, and Elasticsearch says so (cluster.component_template 10_basic).
    return request.query['local'] === undefined ? response : withWarnings(response, [localDeprecation]);
  };
  const getLegacy = (request: RestRequest, head: boolean): RestResponse => {
    const found = templates.getLegacy(request.params['name']);
    const status = found.length > 0 || request.params['name'] === undefined ? 200 : 404;
    if (head) return { status };
    return { status, body: Object.fromEntries(found.map(([name, template]) => [name, renderLegacy(template, booleanParam(request.query['flat_settings']))])) };
  };
  const putComposable = (request: RestRequest): RestResponse =>
    withWarnings(acknowledged, templates.putComposable(request.params['name']!, requiredBody(request), putOptions(request)));
  const putComponent = (request: RestRequest): RestResponse => {
    templates.putComponent(request.params['name']!, requiredBody(request), putOptions(request));
    return acknowledged;
  };
  const putLegacy = (request: RestRequest): RestResponse => {
    templates.putLegacy(request.params['name']!, requiredBody(request), { ...putOptions(request), order: parseOrder(request.query['order']) });
    return withWarnings(acknowledged, [legacyDeprecation]);
  };
  const simulateIndex = (request: RestRequest): RestResponse => {
    const simulated = templates.simulateIndex(request.params['name']!, request.json());
    if (simulated === undefined) return { status: 200, body: {} };
    return { status: 200, body: { template: renderSimulated(simulated.content), overlapping: simulated.overlapping } };
  };
  const simulateTemplate = (request: RestRequest): RestResponse => {
    const simulated = templates.simulateTemplate(request.params['name'], request.json());
    return { status: 200, body: { template: renderSimulated(simulated.content), overlapping: simulated.overlapping } };
  };

  const composablePut = 'indices:admin/index_template/put';
  const composableGet = 'indices:admin/index_template/get';
  const componentPut = 'cluster:admin/component_template/put';
  const componentGet = 'cluster:admin/component_template/get';
  const legacyPut = 'indices:admin/template/put';
  const legacyGet = 'indices:admin/template/get';
  return [
    // composable index templates
    { method: ['PUT', 'POST'], path: '/_index_template/:name', action: composablePut, scope: 'cluster', params: PUT_PARAMS, handle: putComposable },
    { method: 'GET', path: '/_index_template', action: composableGet, scope: 'cluster', params: GET_PARAMS, handle: (request) => getComposable(request, false) },
    { method: 'GET', path: '/_index_template/:name', action: composableGet, scope: 'cluster', params: GET_PARAMS, handle: (request) => getComposable(request, false) },
    { method: 'HEAD', path: '/_index_template/:name', action: composableGet, scope: 'cluster', params: GET_PARAMS, handle: (request) => getComposable(request, true) },
    deleteRoute('/_index_template/:name', 'indices:admin/index_template/delete', (name) => templates.deleteComposable(name)),
    {
      method: 'POST',
      path: '/_index_template/_simulate_index/:name',
      action: 'indices:admin/index_template/simulate_index',
      scope: 'cluster',
      params: MASTER,
      handle: simulateIndex,
    },
    { method: 'POST', path: '/_index_template/_simulate', action: 'indices:admin/index_template/simulate', scope: 'cluster', params: MASTER, handle: simulateTemplate },
    {
      method: 'POST',
      path: '/_index_template/_simulate/:name',
      action: 'indices:admin/index_template/simulate',
      scope: 'cluster',
      params: MASTER,
      handle: simulateTemplate,
    },
    // component templates
    { method: ['PUT', 'POST'], path: '/_component_template/:name', action: componentPut, scope: 'cluster', params: PUT_PARAMS, handle: putComponent },
    { method: 'GET', path: '/_component_template', action: componentGet, scope: 'cluster', params: GET_PARAMS, handle: (request) => getComponent(request, false) },
    { method: 'GET', path: '/_component_template/:name', action: componentGet, scope: 'cluster', params: GET_PARAMS, handle: (request) => getComponent(request, false) },
    { method: 'HEAD', path: '/_component_template/:name', action: componentGet, scope: 'cluster', params: GET_PARAMS, handle: (request) => getComponent(request, true) },
    deleteRoute('/_component_template/:name', 'cluster:admin/component_template/delete', (name) => templates.deleteComponent(name)),
    // _cat/templates: legacy and composable templates in one table
    { method: 'GET', path: '/_cat/templates', action: 'cluster:monitor/state', scope: 'cluster', params: CAT_PARAMS, handle: (request) => renderCat(request, catTemplateColumns, catTemplateRows(templates, undefined)) },
    {
      method: 'GET',
      path: '/_cat/templates/:name',
      action: 'cluster:monitor/state',
      scope: 'cluster',
      params: CAT_PARAMS,
      handle: (request) => renderCat(request, catTemplateColumns, catTemplateRows(templates, request.params['name'])),
    },
    // legacy templates
    { method: ['PUT', 'POST'], path: '/_template/:name', action: legacyPut, scope: 'cluster', params: [...PUT_PARAMS, 'order'], handle: putLegacy },
    { method: 'GET', path: '/_template', action: legacyGet, scope: 'cluster', params: GET_PARAMS, handle: (request) => getLegacy(request, false) },
    { method: 'GET', path: '/_template/:name', action: legacyGet, scope: 'cluster', params: GET_PARAMS, handle: (request) => getLegacy(request, false) },
    { method: 'HEAD', path: '/_template/:name', action: legacyGet, scope: 'cluster', params: GET_PARAMS, handle: (request) => getLegacy(request, true) },
    deleteRoute('/_template/:name', 'indices:admin/template/delete', (name) => templates.deleteLegacy(name)),
  ];
}
