import { ES_API_VERSION, errors, isEsError } from '../../common/index.js';
import type { RemoteClusterService } from '../../remote/index.js';
import type { RemoteClustersClient } from '../../remote/client.js';
import type { SearchService } from '../../search/index.js';
import { parseTimeValueMs, splitIndexExpression } from '../../search/index.js';
import type { Route } from '../route.js';
import type { NodeIdentity } from './node-info.js';

/** The index options `_resolve/cluster` takes with an index expression (and refuses without one). */
const RESOLVE_INDEX_OPTIONS = ['allow_no_indices', 'expand_wildcards', 'ignore_throttled', 'ignore_unavailable'] as const;
/** What a remote that did not answer within `timeout` reports (Elasticsearch's resolve cluster action). */
const RESOLVE_TIMEOUT_ERROR = 'Request timed out before receiving a response from the remote cluster';

/** `_remote/info`, `_resolve/cluster` and `_nodes/reload_secure_settings`. */
export function remoteRoutes(options: {
  remotes: RemoteClusterService;
  client: RemoteClustersClient;
  search: SearchService;
  identity: NodeIdentity;
  reloadSecureSettings(password: string | undefined): void;
}): readonly Route[] {
  const { remotes, client, search, identity } = options;
  const localVersion = () => {
    const version = identity.version ?? ES_API_VERSION;
    return { number: version, build_flavor: 'default', minimum_wire_compatibility_version: version, minimum_index_compatibility_version: version };
  };
  /** One remote's entry, bounded by `timeout` when given (Elasticsearch's wording for a late answer). */
  const resolveRemote = async (alias: string, expression: string | undefined, params: Readonly<Record<string, string>>, timeoutMs: number | undefined, caller: unknown) => {
    const answer = client.resolve(alias, expression, params, caller);
    if (timeoutMs === undefined) return answer;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Record<string, unknown>>((resolveLate) => {
      timer = setTimeout(() => resolveLate({ connected: false, skip_unavailable: client.skipUnavailable(alias), error: RESOLVE_TIMEOUT_ERROR }), timeoutMs);
    });
    try {
      return await Promise.race([answer, late]);
    } finally {
      clearTimeout(timer);
    }
  };
  const resolve = async (expression: string | undefined, params: Readonly<Record<string, string>>, context: Parameters<Route['handle']>[1]) => {
    const out: Record<string, unknown> = {};
    const timeoutMs = params['timeout'] === undefined ? undefined : parseTimeValueMs(params['timeout'], 'timeout');
    const bound = timeoutMs !== undefined && timeoutMs >= 0 ? timeoutMs : undefined;
    if (expression === undefined) {
      // Without an expression only cluster information is asked for: index options make no sense
      // (RestResolveClusterAction refuses them).
      const indexOptions = RESOLVE_INDEX_OPTIONS.filter((name) => params[name] !== undefined);
      if (indexOptions.length > 0) {
        throw errors.illegalArgument(`No index options are allowed on _resolve/cluster when no index expression is specified, but received: [${indexOptions.join(', ')}]`);
      }
      context.authorize.delegateToRemote?.();
      const entries = await Promise.all(remotes.aliasNames().map(async (alias) => [alias, await resolveRemote(alias, undefined, params, bound, context.authentication)] as const));
      for (const [alias, value] of entries) out[alias] = value;
      return out;
    }
    const split = splitIndexExpression(expression, remotes.aliasNames());
    if (split.local.length > 0) {
      const local = split.local.join(',');
      try {
        out['(local)'] = { connected: true, skip_unavailable: false, matching_indices: search.matchesIndices(local, params, context.authorize), version: localVersion() };
      } catch (error) {
        // Only a missing index becomes the local entry's `error` (as in Elasticsearch's
        // TransportResolveClusterAction); a local index the caller may not use fails the whole
        // request with its 403, as the security layer refuses it before the action runs.
        if (!isEsError(error) || error.type !== 'index_not_found_exception') throw error;
        out['(local)'] = { connected: true, skip_unavailable: false, error: error.message };
      }
    } else {
      context.authorize.delegateToRemote?.();
    }
    const entries = await Promise.all([...split.remote].map(async ([alias, parts]) => [alias, await resolveRemote(alias, parts.join(','), params, bound, context.authentication)] as const));
    for (const [alias, value] of entries) out[alias] = value;
    return out;
  };
  const resolveParams = [...RESOLVE_INDEX_OPTIONS, 'timeout'];
  return [
    {
      method: 'GET',
      path: '/_remote/info',
      action: 'cluster:monitor/remote/info',
      scope: 'cluster',
      handle: () => ({ status: 200, body: remotes.info() }),
    },
    {
      method: 'GET',
      path: '/_resolve/cluster',
      action: 'indices:admin/resolve/cluster',
      scope: 'indices',
      params: resolveParams,
      handle: async (request, context) => ({ status: 200, body: await resolve(undefined, request.query, context) }),
    },
    {
      method: 'GET',
      path: '/_resolve/cluster/:index',
      action: 'indices:admin/resolve/cluster',
      scope: 'indices',
      params: resolveParams,
      handle: async (request, context) => ({ status: 200, body: await resolve(request.params['index'], request.query, context) }),
    },
    ...['/_nodes/reload_secure_settings', '/_nodes/:node_id/reload_secure_settings'].map(
      (path): Route => ({
        method: 'POST',
        path,
        action: 'cluster:admin/nodes/reload_secure_settings',
        scope: 'cluster',
        params: ['timeout'],
        handle: (request) => {
          const target = request.params['node_id'];
          const nodes: Record<string, unknown> = {};
          const body = request.json() as Record<string, unknown> | undefined;
          if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) throw errors.parsing('request body must be an object');
          for (const key of Object.keys(body ?? {})) if (key !== 'secure_settings_password') throw errors.parsing(`[reload_secure_settings] unknown field [${key}]`);
          const password = typeof body?.['secure_settings_password'] === 'string' ? body['secure_settings_password'] : undefined;
          const selected = target === undefined || target === '_all' || target === '_local' || target.split(',').includes(identity.nodeId) || target.split(',').includes(identity.nodeName);
          let failed = 0;
          if (selected) {
            try {
              options.reloadSecureSettings(password);
              nodes[identity.nodeId] = { name: identity.nodeName };
            } catch (error) {
              failed = 1;
              nodes[identity.nodeId] = { name: identity.nodeName, reload_exception: { type: 'exception', reason: error instanceof Error ? error.message : String(error) } };
            }
          }
          const total = selected ? 1 : 0;
          return { status: 200, body: { _nodes: { total, successful: total - failed, failed }, cluster_name: identity.clusterName, nodes } };
        },
      }),
    ),
  ];
}
