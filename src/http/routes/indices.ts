/**
 * Index administration routes: create, get, exists, delete, mappings, settings, open/close,
 * blocks, refresh and aliases, with Elasticsearch's paths, parameters and answers.
 */
import { errors } from '../../common/index.js';
import {
  defaultSettings,
  nestFlatSettings,
  renderFlatSettingValues,
  parseAliasDefinition,
  parseIndicesOptions,
  renderFlatSettings,
  settingInteger,
  strictExpandOpen,
  wildcardMatch,
  type AliasAction,
  type IndexHandle,
  type IndicesOptions,
  type IndicesService,
} from '../../index/index.js';
import { booleanParam } from '../request.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../route.js';

const INDICES_OPTIONS = ['ignore_unavailable', 'allow_no_indices', 'expand_wildcards'];
const MASTER = ['master_timeout', 'timeout'];

const expandOpenClosed: IndicesOptions = { ignoreUnavailable: false, allowNoIndices: true, expandWildcards: new Set(['open', 'closed']) };
const expandClosed: IndicesOptions = { ignoreUnavailable: false, allowNoIndices: true, expandWildcards: new Set(['closed']) };
/**
 * Delete index: against indices only (Elasticsearch's DeleteIndexRequest ignores aliases), so
 * `DELETE /<alias>` is refused with a 400 rather than deleting the indices behind it.
 */
const deleteIndexOptions: IndicesOptions = { ...expandOpenClosed, ignoreAliases: true };
/**
 * Alias actions (`_aliases`, `PUT|DELETE /{index}/_alias/{name}`): every index must exist, wildcards
 * expand to open indices and must match one, and the index part resolves against indices only.
 */
const aliasActionIndicesOptions: IndicesOptions = { ignoreUnavailable: false, allowNoIndices: false, expandWildcards: new Set(['open']), ignoreAliases: true };

/**
 * Resolves the request's index expression for `action`: wildcards expand to indices the caller may
 * use; literal names are authorized (403) before any "no such index" answer.
 */
export function resolveForRoute(
  service: IndicesService,
  context: RequestContext,
  action: string,
  expression: string | undefined,
  options: IndicesOptions,
): IndexHandle[] {
  return service.resolve(expression, options, {
    allows: (name) => context.authorize.allowsIndex(action, name),
    authorizeLiterals: (names) => context.authorize.indices(action, names),
  });
}

function objectBody(request: RestRequest, required: boolean): Record<string, unknown> | undefined {
  const body = request.json();
  if (body === undefined) {
    if (required) throw errors.bodyRequired();
    return undefined;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.parsing('request body must be an object');
  return body as Record<string, unknown>;
}

function renderSettings(handle: IndexHandle, flat: boolean, names?: readonly string[]): Record<string, unknown> {
  let settings: Record<string, string> = renderFlatSettings(handle.metadata);
  if (names !== undefined) settings = Object.fromEntries(Object.entries(settings).filter(([key]) => names.some((name) => wildcardMatch(name, key))));
  return flat ? renderFlatSettingValues(Object.fromEntries(Object.entries(settings).sort(([a], [b]) => (a < b ? -1 : 1)))) : nestFlatSettings(settings);
}

function renderDefaults(handle: IndexHandle, flat: boolean, names?: readonly string[]): Record<string, unknown> {
  let defaults = defaultSettings(renderFlatSettings(handle.metadata));
  if (names !== undefined) defaults = Object.fromEntries(Object.entries(defaults).filter(([key]) => names.some((name) => wildcardMatch(name, key))));
  return flat ? renderFlatSettingValues(defaults) : nestFlatSettings(defaults);
}

function renderAliases(handle: IndexHandle, names?: readonly string[]): Record<string, unknown> {
  const aliases: Record<string, unknown> = {};
  for (const alias of names ?? Object.keys(handle.metadata.aliases).sort()) aliases[alias] = { ...handle.metadata.aliases[alias] };
  return aliases;
}

const shardsAcknowledged = { acknowledged: true, shards_acknowledged: true };

export function indicesRoutes(service: IndicesService): readonly Route[] {
  const getIndex = (request: RestRequest, context: RequestContext, head: boolean): RestResponse => {
    const options = parseIndicesOptions(request.query, { ignoreUnavailable: false, allowNoIndices: false, expandWildcards: new Set(['open', 'closed']) });
    let handles: IndexHandle[];
    try {
      handles = resolveForRoute(service, context, 'indices:admin/get', request.params['index'], options);
    } catch (error) {
      if (head && (error as { status?: number }).status === 404) return { status: 404 };
      throw error;
    }
    if (head) return { status: handles.length > 0 ? 200 : 404 };
    const flat = booleanParam(request.query['flat_settings']);
    const includeDefaults = booleanParam(request.query['include_defaults']);
    const features = (request.query['features'] ?? 'aliases,mappings,settings').split(',').map((feature) => feature.trim());
    const body: Record<string, unknown> = {};
    for (const handle of handles) {
      const entry: Record<string, unknown> = {};
      if (features.includes('aliases')) entry['aliases'] = renderAliases(handle);
      if (features.includes('mappings')) entry['mappings'] = handle.metadata.mappings;
      if (features.includes('settings')) entry['settings'] = renderSettings(handle, flat);
      if (includeDefaults && features.includes('settings')) entry['defaults'] = renderDefaults(handle, flat);
      const dataStream = service.dataStreamOf(handle.name);
      if (dataStream !== undefined) entry['data_stream'] = dataStream;
      body[handle.name] = entry;
    }
    return { status: 200, body };
  };

  const getMapping = (request: RestRequest, context: RequestContext): RestResponse => {
    const handles = resolveForRoute(service, context, 'indices:admin/mappings/get', request.params['index'], parseIndicesOptions(request.query));
    const body: Record<string, unknown> = {};
    for (const handle of handles) body[handle.name] = { mappings: handle.metadata.mappings };
    return { status: 200, body };
  };

  const putMapping = (request: RestRequest, context: RequestContext): RestResponse => {
    const body = objectBody(request, true);
    const handles = resolveForRoute(service, context, 'indices:admin/mapping/put', request.params['index'], parseIndicesOptions(request.query));
    if (handles.length === 0) throw errors.indexNotFound(request.params['index'] ?? '_all');
    service.putMapping(handles, body);
    return { status: 200, body: { acknowledged: true } };
  };

  const getSettings = (request: RestRequest, context: RequestContext): RestResponse => {
    const handles = resolveForRoute(service, context, 'indices:monitor/settings/get', request.params['index'], parseIndicesOptions(request.query, expandOpenClosed));
    const flat = booleanParam(request.query['flat_settings']);
    const includeDefaults = booleanParam(request.query['include_defaults']);
    const names = request.params['name']?.split(',');
    const body: Record<string, unknown> = {};
    for (const handle of handles) {
      const settings = renderSettings(handle, flat, names);
      if (names !== undefined && Object.keys(settings).length === 0 && !includeDefaults) continue;
      const entry: Record<string, unknown> = { settings };
      if (includeDefaults) entry['defaults'] = renderDefaults(handle, flat, names);
      body[handle.name] = entry;
    }
    return { status: 200, body };
  };

  const putSettings = (request: RestRequest, context: RequestContext): RestResponse => {
    const body = objectBody(request, true)!;
    const handles = resolveForRoute(service, context, 'indices:admin/settings/update', request.params['index'], parseIndicesOptions(request.query, expandOpenClosed));
    const input = body['settings'] !== undefined && Object.keys(body).length === 1 ? body['settings'] : body;
    if (booleanParam(request.query['preserve_existing'])) {
      // Only settings not yet set on each index are applied.
      for (const handle of handles) {
        const flatInput = Object.fromEntries(
          Object.entries(input as Record<string, unknown>).filter(([key]) => handle.metadata.settings[key.startsWith('index.') ? key : `index.${key}`] === undefined),
        );
        service.updateSettings([handle], flatInput);
      }
    } else {
      service.updateSettings(handles, input);
    }
    return { status: 200, body: { acknowledged: true } };
  };

  const aliasTargets = (request: RestRequest, context: RequestContext, action: string): IndexHandle[] =>
    resolveForRoute(service, context, action, request.params['index'], aliasActionIndicesOptions);

  const putAlias = (request: RestRequest, context: RequestContext): RestResponse => {
    const alias = request.params['name']!;
    const handles = aliasTargets(request, context, 'indices:admin/aliases');
    if (handles.length === 0) throw errors.indexNotFound(request.params['index']!);
    if (alias.includes('*') || alias.includes(',')) throw errors.invalidAliasName(alias, 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]');
    context.authorize.indices('indices:admin/aliases', [alias]);
    const definition = parseAliasDefinition(objectBody(request, false));
    service.applyAliasActions(handles.map((handle) => ({ kind: 'add', index: handle.name, alias, definition })));
    return { status: 200, body: { acknowledged: true } };
  };

  const deleteAlias = (request: RestRequest, context: RequestContext): RestResponse => {
    const handles = aliasTargets(request, context, 'indices:admin/aliases');
    const patterns = request.params['name']!.split(',');
    const actions: AliasAction[] = [];
    for (const handle of handles) {
      for (const alias of service.matchingAliases(handle, patterns)) actions.push({ kind: 'remove', index: handle.name, alias, mustExist: false });
    }
    if (actions.length === 0) throw errors.aliasesNotFound(patterns);
    service.applyAliasActions(actions);
    return { status: 200, body: { acknowledged: true } };
  };

  const getAlias = (request: RestRequest, context: RequestContext, head: boolean): RestResponse => {
    const handles = resolveForRoute(
      service,
      context,
      'indices:admin/aliases/get',
      request.params['index'],
      parseIndicesOptions(request.query, { ignoreUnavailable: false, allowNoIndices: true, expandWildcards: new Set(['open', 'closed']) }),
    );
    const patterns = request.params['name']?.split(',') ?? [];
    const body: Record<string, unknown> = {};
    const found = new Set<string>();
    for (const handle of handles) {
      const names = service.matchingAliases(handle, patterns);
      names.forEach((name) => found.add(name));
      if (patterns.length > 0 && names.length === 0) continue;
      body[handle.name] = { aliases: renderAliases(handle, names) };
    }
    const missing = patterns.filter((pattern) => !pattern.includes('*') && pattern !== '_all' && !pattern.startsWith('-') && !found.has(pattern));
    if (head) return { status: missing.length === 0 && (patterns.length === 0 || found.size > 0) ? 200 : 404 };
    if (missing.length > 0) {
      return {
        status: 404,
        body: { error: missing.length === 1 ? `alias [${missing[0]}] missing` : `aliases [${missing.join(',')}] missing`, status: 404, ...body },
      };
    }
    return { status: 200, body };
  };

  const updateAliases = (request: RestRequest, context: RequestContext): RestResponse => {
    const body = objectBody(request, true)!;
    const list = body['actions'];
    if (!Array.isArray(list)) throw errors.actionRequestValidation(['No action specified']);
    const actions: AliasAction[] = [];
    const action = 'indices:admin/aliases';
    const strings = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);
    for (const entry of list) {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry) || Object.keys(entry).length !== 1) {
        throw errors.parsing('[aliases] each action must be an object with one of [add, remove, remove_index]');
      }
      const [kind, raw] = Object.entries(entry as Record<string, unknown>)[0]!;
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw errors.parsing(`[${kind}] must be an object`);
      const spec = raw as Record<string, unknown>;
      const indexExpressions = [...strings(spec['index']), ...strings(spec['indices'])];
      if (indexExpressions.length === 0) throw errors.actionRequestValidation(['One of [index] or [indices] is required']);
      const handles = resolveForRoute(service, context, action, indexExpressions.join(','), aliasActionIndicesOptions);
      if (kind === 'remove_index') {
        context.authorize.indices('indices:admin/delete', handles.map((handle) => handle.name));
        for (const handle of handles) actions.push({ kind: 'remove_index', index: handle.name });
        continue;
      }
      const aliases = [...strings(spec['alias']), ...strings(spec['aliases'])];
      if (aliases.length === 0) throw errors.actionRequestValidation(['One of [alias] or [aliases] is required']);
      if (kind === 'add') {
        const { index: _index, indices: _indices, alias: _alias, aliases: _aliases, must_exist: _mustExist, ...definitionInput } = spec;
        const definition = parseAliasDefinition(definitionInput);
        context.authorize.indices(action, aliases);
        for (const handle of handles) for (const alias of aliases) actions.push({ kind: 'add', index: handle.name, alias, definition });
      } else if (kind === 'remove') {
        const mustExist = spec['must_exist'] === true;
        let matched = 0;
        for (const handle of handles) {
          for (const alias of service.matchingAliases(handle, aliases)) {
            actions.push({ kind: 'remove', index: handle.name, alias, mustExist });
            matched++;
          }
        }
        if (matched === 0 && (mustExist || aliases.every((alias) => !alias.includes('*')))) throw errors.aliasesNotFound(aliases);
      } else {
        throw errors.parsing(`[aliases] unknown field [${kind}]`);
      }
    }
    service.applyAliasActions(actions);
    return { status: 200, body: { acknowledged: true, errors: false } };
  };

  const setBlock = (request: RestRequest, context: RequestContext, add: boolean): RestResponse => {
    const block = request.params['block']!;
    if (!['metadata', 'read', 'read_only', 'write'].includes(block)) {
      throw errors.illegalArgument(`No enum constant org.elasticsearch.cluster.metadata.IndexMetadata.APIBlock.${block.toUpperCase()}`);
    }
    const action = add ? 'indices:admin/block/add' : 'indices:admin/block/remove';
    if (add) service.checkDestructive(request.params['index']);
    const handles = resolveForRoute(service, context, action, request.params['index'], parseIndicesOptions(request.query, strictExpandOpen));
    if (handles.length === 0) throw errors.indexNotFound(request.params['index']!);
    service.updateSettings(handles, { [`index.blocks.${block}`]: add ? 'true' : 'false' });
    const indices = handles.map((handle) => (add ? { name: handle.name, blocked: true } : { name: handle.name, unblocked: true }));
    return { status: 200, body: add ? { ...shardsAcknowledged, indices } : { acknowledged: true, indices } };
  };

  const aliasPaths = ['/:index/_alias/:name', '/:index/_aliases/:name'];

  return [
    {
      method: 'PUT',
      path: '/:index',
      action: 'indices:admin/create',
      scope: 'indices',
      params: ['wait_for_active_shards', ...MASTER],
      handle: (request, context) => {
        const name = service.resolveDateMath(request.params['index']!);
        context.authorize.indices('indices:admin/create', [name]);
        const handle = service.createIndex(name, objectBody(request, false));
        return { status: 200, body: { ...shardsAcknowledged, index: handle.name } };
      },
    },
    {
      method: 'GET',
      path: '/:index',
      action: 'indices:admin/get',
      scope: 'indices',
      params: [...INDICES_OPTIONS, 'flat_settings', 'include_defaults', 'local', 'master_timeout', 'features'],
      handle: (request, context) => getIndex(request, context, false),
    },
    {
      method: 'HEAD',
      path: '/:index',
      action: 'indices:admin/get',
      scope: 'indices',
      params: [...INDICES_OPTIONS, 'flat_settings', 'include_defaults', 'local', 'master_timeout'],
      handle: (request, context) => getIndex(request, context, true),
    },
    {
      method: 'DELETE',
      path: '/:index',
      action: 'indices:admin/delete',
      scope: 'indices',
      params: [...INDICES_OPTIONS, ...MASTER],
      handle: (request, context) => {
        service.checkDestructive(request.params['index']);
        const handles = resolveForRoute(service, context, 'indices:admin/delete', request.params['index'], { ...parseIndicesOptions(request.query, deleteIndexOptions), ignoreAliases: true });
        service.deleteIndices(handles);
        return { status: 200, body: { acknowledged: true } };
      },
    },
    ...['/_mapping', '/:index/_mapping'].map(
      (path): Route => ({
        method: 'GET',
        path,
        action: 'indices:admin/mappings/get',
        scope: 'indices',
        params: [...INDICES_OPTIONS, 'local', 'master_timeout'],
        handle: getMapping,
      }),
    ),
    {
      method: ['PUT', 'POST'],
      path: '/:index/_mapping',
      action: 'indices:admin/mapping/put',
      scope: 'indices',
      params: [...INDICES_OPTIONS, ...MASTER, 'write_index_only'],
      handle: putMapping,
    },
    ...['/_settings', '/:index/_settings', '/:index/_settings/:name', '/_settings/:name'].map(
      (path): Route => ({
        method: 'GET',
        path,
        action: 'indices:monitor/settings/get',
        scope: 'indices',
        params: [...INDICES_OPTIONS, 'flat_settings', 'include_defaults', 'local', 'master_timeout'],
        handle: getSettings,
      }),
    ),
    ...['/_settings', '/:index/_settings'].map(
      (path): Route => ({
        method: 'PUT',
        path,
        action: 'indices:admin/settings/update',
        scope: 'indices',
        params: [...INDICES_OPTIONS, ...MASTER, 'flat_settings', 'preserve_existing', 'reopen'],
        handle: putSettings,
      }),
    ),
    {
      method: 'POST',
      path: '/:index/_open',
      action: 'indices:admin/open',
      scope: 'indices',
      params: [...INDICES_OPTIONS, ...MASTER, 'wait_for_active_shards'],
      handle: (request, context) => {
        const handles = resolveForRoute(service, context, 'indices:admin/open', request.params['index'], parseIndicesOptions(request.query, expandClosed));
        if (handles.length === 0 && !request.params['index']!.includes('*')) throw errors.indexNotFound(request.params['index']!);
        service.openIndices(handles);
        return { status: 200, body: shardsAcknowledged };
      },
    },
    {
      method: 'POST',
      path: '/:index/_close',
      action: 'indices:admin/close',
      scope: 'indices',
      params: [...INDICES_OPTIONS, ...MASTER, 'wait_for_active_shards'],
      handle: (request, context) => {
        service.checkDestructive(request.params['index']);
        const handles = resolveForRoute(service, context, 'indices:admin/close', request.params['index'], parseIndicesOptions(request.query, strictExpandOpen));
        service.closeIndices(handles);
        const indices: Record<string, unknown> = {};
        for (const handle of handles) indices[handle.name] = { closed: true };
        return { status: 200, body: { ...shardsAcknowledged, indices } };
      },
    },
    ...['/_refresh', '/:index/_refresh'].map(
      (path): Route => ({
        method: ['POST', 'GET'],
        path,
        action: 'indices:admin/refresh',
        scope: 'indices',
        params: INDICES_OPTIONS,
        handle: async (request, context) => {
          const handles = resolveForRoute(service, context, 'indices:admin/refresh', request.params['index'], parseIndicesOptions(request.query));
          let total = 0;
          let successful = 0;
          const refreshes: Promise<void>[] = [];
          for (const handle of handles) {
            service.openShardsOf(handle);
            const shards = settingInteger(handle.metadata.settings, 'index.number_of_shards');
            total += shards * (1 + settingInteger(handle.metadata.settings, 'index.number_of_replicas'));
            successful += shards;
            // Built stepwise: other requests are served while a large refresh runs.
            refreshes.push(service.refreshStepwise(handle));
          }
          await Promise.all(refreshes);
          return { status: 200, body: { _shards: { total, successful, failed: 0 } } };
        },
      }),
    ),
    {
      method: 'PUT',
      path: '/:index/_block/:block',
      action: 'indices:admin/block/add',
      scope: 'indices',
      params: [...INDICES_OPTIONS, ...MASTER],
      handle: (request, context) => setBlock(request, context, true),
    },
    {
      method: 'DELETE',
      path: '/:index/_block/:block',
      action: 'indices:admin/block/remove',
      scope: 'indices',
      params: [...INDICES_OPTIONS, ...MASTER],
      handle: (request, context) => setBlock(request, context, false),
    },
    ...aliasPaths.map(
      (path): Route => ({
        method: ['PUT', 'POST'],
        path,
        action: 'indices:admin/aliases',
        scope: 'indices',
        params: MASTER,
        handle: putAlias,
      }),
    ),
    ...aliasPaths.map(
      (path): Route => ({
        method: 'DELETE',
        path,
        action: 'indices:admin/aliases',
        scope: 'indices',
        params: MASTER,
        handle: deleteAlias,
      }),
    ),
    ...['/_alias', '/_alias/:name', '/:index/_alias', '/:index/_alias/:name'].flatMap((path): Route[] => [
      {
        method: 'GET',
        path,
        action: 'indices:admin/aliases/get',
        scope: 'indices',
        params: [...INDICES_OPTIONS, 'local', 'master_timeout'],
        handle: (request, context) => getAlias(request, context, false),
      },
      {
        method: 'HEAD',
        path,
        action: 'indices:admin/aliases/get',
        scope: 'indices',
        params: [...INDICES_OPTIONS, 'local', 'master_timeout'],
        handle: (request, context) => getAlias(request, context, true),
      },
    ]),
    {
      method: 'POST',
      path: '/_aliases',
      action: 'indices:admin/aliases',
      scope: 'indices',
      params: MASTER,
      handle: updateAliases,
    },
  ];
}
