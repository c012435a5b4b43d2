import { compilePatterns, globCovers, globsMayOverlap, type NameMatcher } from './patterns.js';

/**
 * Named privileges resolved to action patterns, as Elasticsearch defines them. A privilege may also
 * be written as an action pattern itself (`indices:data/read/*`). Pure.
 */
export interface PrivilegeDefinition {
  readonly include: readonly string[];
  readonly exclude?: readonly string[];
  /**
   * Grants its actions only under a condition checked by the handler (manage_own_api_key: own keys
   * only), so it never counts as holding an unconditional privilege in `_has_privileges`.
   */
  readonly conditional?: boolean;
}

const SECURITY_ACTIONS = ['cluster:admin/xpack/security/*'];

export const clusterPrivileges: Readonly<Record<string, PrivilegeDefinition>> = {
  none: { include: [] },
  all: { include: ['cluster:*', 'indices:admin/template/*', 'indices:admin/index_template/*'] },
  monitor: { include: ['cluster:monitor/*'] },
  manage: { include: ['cluster:*', 'indices:admin/template/*', 'indices:admin/index_template/*'], exclude: SECURITY_ACTIONS },
  manage_security: { include: [...SECURITY_ACTIONS, 'cluster:monitor/xpack/security/*'] },
  read_security: {
    include: [
      'cluster:admin/xpack/security/*/get',
      'cluster:admin/xpack/security/*/query',
      'cluster:admin/xpack/security/*/get/*',
      'cluster:admin/xpack/security/user/has_privileges',
      'cluster:admin/xpack/security/user/list_privileges',
      'cluster:admin/xpack/security/privilege/builtin/get',
    ],
  },
  manage_api_key: { include: ['cluster:admin/xpack/security/api_key/*'] },
  // Strait's one-paste pairing (issue #12 §1): mint an enrollment token, enroll with one. `manage` covers it.
  manage_remote_enrollment: { include: ['cluster:admin/strait/remote/enroll*'] },
  manage_own_api_key: { include: ['cluster:admin/xpack/security/api_key/*'], conditional: true },
  // Component templates are index template parts: Elasticsearch's put/get/delete component template need this privilege.
  manage_index_templates: { include: ['indices:admin/template/*', 'indices:admin/index_template/*', 'cluster:admin/component_template/*'] },
  manage_pipeline: { include: ['cluster:admin/ingest/pipeline/*'] },
  manage_ingest_pipelines: { include: ['cluster:admin/ingest/pipeline/*'] },
  // Elasticsearch's read_pipeline: get and simulate pipelines.
  read_pipeline: { include: ['cluster:admin/ingest/pipeline/get', 'cluster:admin/ingest/pipeline/simulate'] },
  monitor_ingest: { include: ['cluster:monitor/ingest/*'] },
  transport_client: { include: ['cluster:monitor/nodes/liveness', 'cluster:monitor/state'] },
  manage_ccr: { include: ['cluster:admin/xpack/ccr/*', 'cluster:monitor/state', 'cluster:monitor/xpack/ccr/*'] },
  read_ccr: { include: ['cluster:monitor/state', 'cluster:monitor/xpack/info'] },
  cross_cluster_search: {
    include: ['cluster:internal/remote_cluster/handshake', 'cluster:internal/remote_cluster/nodes', 'cluster:monitor/xpack/info', 'cluster:monitor/state'],
  },
  cross_cluster_replication: {
    include: ['cluster:internal/remote_cluster/handshake', 'cluster:internal/remote_cluster/nodes', 'cluster:monitor/state'],
  },
  monitor_enrich: { include: ['cluster:monitor/xpack/enrich/*'] },
  monitor_stats: { include: ['cluster:monitor/stats*', 'cluster:monitor/xpack/usage*'] },
  manage_token: { include: ['cluster:admin/xpack/security/token/*'] },
  manage_service_account: { include: ['cluster:admin/xpack/security/service_account/*'] },
  manage_user_profile: { include: ['cluster:admin/xpack/security/profile/*'] },
  manage_saml: { include: ['cluster:admin/xpack/security/saml/*'] },
  manage_oidc: { include: ['cluster:admin/xpack/security/oidc/*'] },
  monitor_ml: { include: ['cluster:monitor/xpack/ml/*'] },
  monitor_watcher: { include: ['cluster:monitor/xpack/watcher/*'] },
  monitor_transform: { include: ['cluster:monitor/transform/*', 'cluster:monitor/data_frame/*'] },
  monitor_snapshot: { include: ['cluster:admin/snapshot/get', 'cluster:admin/snapshot/status', 'cluster:admin/repository/get'] },
  manage_slm: { include: ['cluster:admin/slm/*', 'cluster:admin/ilm/operation_mode/get'] },
  manage_ilm: { include: ['cluster:admin/ilm/*'] },
  manage_enrich: { include: ['cluster:admin/xpack/enrich/*', 'cluster:monitor/xpack/enrich/*'] },
  grant_api_key: { include: ['cluster:admin/xpack/security/api_key/grant'] },
  // Named in Elasticsearch's built-in service accounts (kibana_system, auto-ops, fleet-server), with
  // ClusterPrivilegeResolver's action patterns; most name actions Strait does not serve.
  manage_ml: { include: ['cluster:admin/xpack/ml/*', 'cluster:monitor/xpack/ml/*'] },
  manage_transform: { include: ['cluster:admin/data_frame/*', 'cluster:monitor/data_frame/*', 'cluster:monitor/transform/*', 'cluster:admin/transform/*'] },
  manage_inference: {
    include: [
      'cluster:admin/xpack/inference/*',
      'cluster:monitor/xpack/inference*',
      'cluster:admin/xpack/ml/trained_models/deployment/start',
      'cluster:admin/xpack/ml/trained_models/deployment/stop',
      'cluster:monitor/xpack/ml/trained_models/deployment/infer',
    ],
  },
  monitor_text_structure: { include: ['cluster:monitor/text_structure/*'] },
  monitor_connector: {
    include: ['cluster:admin/xpack/connector/get', 'cluster:admin/xpack/connector/list', 'cluster:admin/xpack/connector/sync_job/get', 'cluster:admin/xpack/connector/sync_job/list'],
  },
  delegate_pki: { include: ['cluster:admin/xpack/security/delegate_pki', 'cluster:admin/xpack/security/token/invalidate'] },
  cancel_task: { include: ['cluster:admin/tasks/cancel*'] },
  read_ilm: { include: ['cluster:admin/ilm/get', 'cluster:admin/ilm/operation_mode/get'] },
  read_slm: { include: ['cluster:admin/slm/status', 'cluster:admin/slm/get', 'cluster:admin/ilm/operation_mode/get'] },
  read_fleet_secrets: { include: ['cluster:admin/fleet/secrets/get'] },
  write_fleet_secrets: { include: ['cluster:admin/fleet/secrets/post', 'cluster:admin/fleet/secrets/delete'] },
};

export const indexPrivileges: Readonly<Record<string, PrivilegeDefinition>> = {
  none: { include: [] },
  all: { include: ['indices:*', 'internal:transport/proxy/indices:*'] },
  read: { include: ['indices:data/read/*', 'indices:admin/resolve/*'] },
  read_cross_cluster: {
    include: ['internal:transport/proxy/indices:data/read/*', 'indices:admin/shards/search_shards', 'indices:admin/search/search_shards', 'indices:internal/cross_cluster/*'],
  },
  write: { include: ['indices:data/write/*', 'indices:admin/mapping/auto_put'] },
  index: { include: ['indices:data/write/index*', 'indices:data/write/update*', 'indices:data/write/bulk*', 'indices:admin/mapping/auto_put'] },
  create: { include: ['indices:data/write/index*', 'indices:data/write/bulk*', 'indices:admin/mapping/auto_put'] },
  create_doc: { include: ['indices:data/write/index:op_type/create', 'indices:data/write/index[auto_id]', 'indices:data/write/bulk*', 'indices:admin/mapping/auto_put'] },
  delete: { include: ['indices:data/write/delete*', 'indices:data/write/bulk*'] },
  manage: { include: ['indices:monitor/*', 'indices:admin/*'] },
  create_index: { include: ['indices:admin/create', 'indices:admin/auto_create', 'indices:admin/data_stream/create'] },
  delete_index: { include: ['indices:admin/delete', 'indices:admin/data_stream/delete'] },
  auto_configure: { include: ['indices:admin/auto_create', 'indices:admin/mapping/auto_put', 'indices:admin/data_stream/create'] },
  view_index_metadata: {
    include: [
      'indices:admin/aliases/get',
      'indices:admin/get',
      'indices:admin/mappings/fields/get*',
      'indices:admin/mappings/get',
      'indices:admin/shards/search_shards',
      'indices:admin/search/search_shards',
      'indices:admin/validate/query*',
      'indices:monitor/settings/get',
      'indices:admin/resolve/*',
      'indices:admin/xpack/ccr/*/info',
      // "get data stream" is index metadata too (Elasticsearch's privileges page, view_index_metadata).
      'indices:admin/data_stream/get',
    ],
  },
  monitor: { include: ['indices:monitor/*'] },
  maintenance: { include: ['indices:admin/refresh*', 'indices:admin/flush*', 'indices:admin/synced_flush', 'indices:admin/forcemerge*'] },
  manage_follow_index: {
    include: ['indices:admin/xpack/ccr/put_follow', 'indices:admin/xpack/ccr/unfollow', 'indices:admin/close', 'indices:admin/xpack/ccr/resume_follow', 'indices:admin/xpack/ccr/*'],
  },
  cross_cluster_replication: {
    include: ['indices:data/read/xpack/ccr/shard_changes*', 'indices:monitor/stats*', 'indices:admin/seq_no/*retention_lease*', 'indices:internal/cross_cluster/ccr/*'],
  },
  cross_cluster_replication_internal: {
    include: ['indices:internal/admin/ccr/restore/*', 'internal:transport/proxy/indices:internal/admin/ccr/restore/*', 'indices:admin/seq_no/*retention_lease*'],
  },
  manage_leader_index: { include: ['indices:admin/xpack/ccr/forget_follower*', 'indices:monitor/stats*'] },
};

/** Privileges a `remote_cluster` entry may name (spec: only these two). */
export const remoteClusterPrivileges: readonly string[] = ['monitor_enrich', 'monitor_stats'];

export type PrivilegeKind = 'cluster' | 'index';

function table(kind: PrivilegeKind): Readonly<Record<string, PrivilegeDefinition>> {
  return kind === 'cluster' ? clusterPrivileges : indexPrivileges;
}

/** The definition of a named privilege or an action pattern; undefined when unknown. */
export function resolvePrivilege(kind: PrivilegeKind, name: string): PrivilegeDefinition | undefined {
  const named = Object.hasOwn(table(kind), name) ? table(kind)[name] : undefined;
  if (named !== undefined) return named;
  if (kind === 'cluster' && name.startsWith('cluster:')) return { include: [name] };
  if (kind === 'index' && (name.startsWith('indices:') || name.startsWith('internal:transport/proxy/indices:'))) return { include: [name] };
  return undefined;
}

/** A compiled set of privileges: may an action run under it? */
export interface ActionMatcher {
  readonly privileges: readonly string[];
  matches(action: string): boolean;
  /** Does this set grant everything the given privilege grants? */
  covers(privilege: PrivilegeDefinition): boolean;
}

export function compilePrivileges(kind: PrivilegeKind, names: readonly string[]): ActionMatcher {
  const definitions = names.map((name) => resolvePrivilege(kind, name)).filter((d): d is PrivilegeDefinition => d !== undefined);
  const parts = definitions.map((definition) => ({
    include: compilePatterns(definition.include),
    exclude: compilePatterns(definition.exclude ?? []),
    definition,
  }));
  const matches = (action: string): boolean => parts.some((part) => part.include(action) && !part.exclude(action));
  return {
    privileges: names,
    matches,
    covers: (requested) =>
      requested.include.every((wanted) =>
        definitions.some(
          (granted) =>
            (granted.conditional !== true || granted === requested) &&
            granted.include.some((pattern) => globCovers(pattern, wanted)) &&
            !(granted.exclude ?? []).some((excluded) => globsMayOverlap(excluded, wanted)),
        ),
      ),
  };
}

/**
 * Does `outer` grant every action `inner` grants? Judged on the patterns; a conditional privilege
 * (manage_own_api_key) and an unconditional one never contain each other, as their checks differ.
 */
function contains(outer: PrivilegeDefinition, inner: PrivilegeDefinition): boolean {
  if ((outer.conditional === true) !== (inner.conditional === true)) return false;
  return inner.include.every(
    (wanted) =>
      outer.include.some((pattern) => globCovers(pattern, wanted)) && !(outer.exclude ?? []).some((excluded) => globsMayOverlap(excluded, wanted)),
  );
}

const accessLevels = new Map<PrivilegeKind, ReadonlyMap<string, number>>();

/**
 * How many other named privileges each privilege contains: Elasticsearch lists the privileges
 * that would grant a denied action from the least to the most powerful by this count, ties by
 * name (its `sortByAccessLevel`), so `[read,all]` and `[manage_api_key,manage_security,all]`.
 */
function accessLevel(kind: PrivilegeKind): ReadonlyMap<string, number> {
  let levels = accessLevels.get(kind);
  if (levels === undefined) {
    const entries = Object.entries(table(kind));
    levels = new Map(entries.map(([name, definition]) => [name, entries.filter(([other, inner]) => other !== name && contains(definition, inner)).length]));
    accessLevels.set(kind, levels);
  }
  return levels;
}

/**
 * Named privileges of this kind that grant the action (for the 403 message), least powerful
 * first. `withConditional: false` leaves out privileges whose condition the request failed
 * (manage_own_api_key for somebody else's keys), as Elasticsearch checks them with the request.
 */
export function privilegesGranting(kind: PrivilegeKind, action: string, options: { withConditional?: boolean } = {}): string[] {
  const names: string[] = [];
  for (const [name, definition] of Object.entries(table(kind))) {
    if (options.withConditional === false && definition.conditional === true) continue;
    const include: NameMatcher = compilePatterns(definition.include);
    const exclude: NameMatcher = compilePatterns(definition.exclude ?? []);
    if (include(action) && !exclude(action)) names.push(name);
  }
  const levels = accessLevel(kind);
  return names.sort((a, b) => levels.get(a)! - levels.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
}
