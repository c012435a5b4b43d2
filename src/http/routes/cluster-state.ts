/**
 * `GET /_cluster/state[/{metric}[/{index}]]` and `GET /_cat/shards[/{index}]` (the shell around
 * index/cluster-state.ts). The cluster state needs `cluster:monitor/state`; `_cat/shards` needs it
 * too and `indices:monitor/stats` on the indices it lists, as Elasticsearch's RestShardsAction
 * reads the cluster state and then the indices stats.
 * References: cluster-state.html, cat-shards.html, rest-api-spec cluster.state.json and cat.shards.json.
 */
import { randomBytes } from 'node:crypto';
import {
  parseExpandWildcards,
  parseIndicesOptions,
  parseTimeMs,
  type IndicesOptions,
  type IndicesService,
} from '../../index/index.js';
import { ClusterStateVersions, parseClusterStateMetrics, renderClusterState, shardCopies, type NodeView } from '../../index/cluster-state.js';
import { ES_API_VERSION, errors } from '../../common/index.js';
import { booleanParam } from '../request.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../route.js';
import { formatBytes, renderCat, type CatColumn, type CatRow } from './cat.js';
import type { NodeIdentity } from './node-info.js';
import { resolveForRoute } from './indices.js';
import { hostOf } from '../../common/index.js';

const CAT_PARAMS = ['format', 'h', 'help', 's', 'v', 'local', 'master_timeout'];
const STATE_ACTION = 'cluster:monitor/state';
const STATS_ACTION = 'indices:monitor/stats';

/** ClusterStateRequest's default: lenient, open indices. */
const clusterStateIndicesOptions: IndicesOptions = { ignoreUnavailable: true, allowNoIndices: true, expandWildcards: new Set(['open']) };

const column = (name: string, aliases: string[], description: string, byDefault: boolean, numeric = false): CatColumn => ({ name, aliases, description, byDefault, numeric });

/** RestShardsAction's columns (the multi-node `_cat/shards` in node/wire-stats.ts prints the same). */
export const shardsColumns: readonly CatColumn[] = [
  column('index', ['i', 'idx'], 'index name', true),
  column('shard', ['s', 'sh'], 'shard name', true, true),
  column('prirep', ['p', 'pr', 'primaryOrReplica'], 'primary or replica', true),
  column('state', ['st'], 'shard state', true),
  column('docs', ['d', 'dc'], 'number of docs in shard', true, true),
  column('store', ['sto'], 'store size of shard (how much disk it uses)', true, true),
  column('ip', [], 'ip of node where it lives', true),
  column('id', [], 'unique id of node where it lives', false),
  column('node', ['n'], 'name of node where it lives', true),
  column('sync_id', ['sync_id'], 'sync id', false),
  column('unassigned.reason', ['ur'], 'reason shard became unassigned', false),
  column('unassigned.at', ['ua'], 'time shard became unassigned (UTC)', false),
  column('seq_no.max', ['sqm', 'maxSeqNo'], 'max sequence number', false, true),
  column('seq_no.local_checkpoint', ['sql', 'localCheckpoint'], 'local checkpoint', false, true),
  column('seq_no.global_checkpoint', ['sqg', 'globalCheckpoint'], 'global checkpoint', false, true),
];

/** How often a `wait_for_metadata_version` looks at the metadata again (ours). */
const metadataPollMs = 50;

export function clusterStateRoutes(service: IndicesService, identity: NodeIdentity, versions: ClusterStateVersions): readonly Route[] {
  // A node's ephemeral id changes at every start (DiscoveryNode.ephemeralId).
  const ephemeralId = randomBytes(16).toString('base64url').slice(0, 22);
  const nodeView = (): NodeView => {
    const httpAddress = identity.httpAddress();
    return {
      id: identity.nodeId,
      name: identity.nodeName,
      ephemeralId,
      transportAddress: identity.transportAddress() ?? httpAddress,
      ip: hostOf(identity.transportAddress() ?? httpAddress),
      roles: identity.roles,
      attributes: identity.attributes ?? {},
      version: identity.version ?? ES_API_VERSION,
    };
  };

  /**
   * `wait_for_metadata_version`: waits (up to `wait_for_timeout`, 1m by default) until the state's
   * version, which on one node moves only when index metadata changes, reaches it; the answer then
   * starts with `wait_for_timed_out`, and holds only it and the cluster name when the wait timed
   * out (RestClusterStateAction).
   */
  const state = async (request: RestRequest): Promise<RestResponse> => {
    const wanted = request.query['wait_for_metadata_version'];
    if (wanted === undefined) return { status: 200, body: stateBody(request) };
    if (!/^\d+$/.test(wanted)) throw errors.illegalArgument(`failed to parse [wait_for_metadata_version] value [${wanted}]`);
    const timeout = request.query['wait_for_timeout'] ?? '1m';
    const timeoutMs = parseTimeMs(timeout);
    if (timeoutMs < 0) throw errors.illegalArgument(`failed to parse setting [wait_for_timeout] with value [${timeout}] as a time value: unit is missing or unrecognized`);
    const deadline = Date.now() + timeoutMs;
    while (versions.current(service.all()).version < Number(wanted)) {
      if (Date.now() >= deadline) return { status: 200, body: { wait_for_timed_out: true, cluster_name: identity.clusterName } };
      await new Promise((resolve) => setTimeout(resolve, Math.min(metadataPollMs, Math.max(0, deadline - Date.now()))));
    }
    return { status: 200, body: { wait_for_timed_out: false, ...stateBody(request) } };
  };

  const stateBody = (request: RestRequest): Record<string, unknown> => {
    const metrics = parseClusterStateMetrics(request.params['metric']);
    const expression = request.params['index'];
    const indices = expression === undefined ? service.all() : service.resolve(expression, parseIndicesOptions(request.query, clusterStateIndicesOptions));
    const { version, stateUuid } = versions.current(service.all());
    const body = renderClusterState({
      clusterName: identity.clusterName,
      clusterUuid: identity.clusterUuid,
      version,
      stateUuid,
      node: nodeView(),
      indices,
      metrics,
      flatSettings: booleanParam(request.query['flat_settings']),
    });
    return body;
  };

  const shards = (request: RestRequest, context: RequestContext): RestResponse => {
    const handles = resolveForRoute(service, context, STATS_ACTION, request.params['index'], {
      ...parseIndicesOptions(request.query),
      expandWildcards: parseExpandWildcards(request.query['expand_wildcards'] ?? 'all'),
    });
    const node = nodeView();
    const bytesUnit = request.query['bytes'];
    const rows: CatRow[] = [];
    for (const handle of handles) {
      for (const copy of shardCopies(handle, node.id)) {
        const store = copy.state === 'STARTED' ? handle.shards?.[copy.shard] : undefined;
        rows.push({
          index: copy.index,
          shard: copy.shard,
          prirep: copy.primary ? 'p' : 'r',
          state: copy.state,
          docs: store === undefined ? null : store.docCount(),
          store: store === undefined ? null : formatBytes(store.sizeBytes(), bytesUnit),
          ip: copy.node === null ? null : node.ip,
          id: copy.node,
          node: copy.node === null ? null : node.name,
          sync_id: null,
          'unassigned.reason': copy.state === 'UNASSIGNED' ? 'INDEX_CREATED' : null,
          'unassigned.at': copy.unassignedSinceMs === undefined ? null : new Date(copy.unassignedSinceMs).toISOString(),
          'seq_no.max': store === undefined ? null : store.maxSeqNo,
          'seq_no.local_checkpoint': store === undefined ? null : store.localCheckpoint,
          'seq_no.global_checkpoint': store === undefined ? null : store.localCheckpoint,
        });
      }
    }
    return renderCat(request, shardsColumns, rows);
  };

  const stateParams = ['local', 'master_timeout', 'flat_settings', 'ignore_unavailable', 'allow_no_indices', 'expand_wildcards', 'wait_for_metadata_version', 'wait_for_timeout'];
  return [
    ...['/_cluster/state', '/_cluster/state/:metric', '/_cluster/state/:metric/:index'].map(
      (path): Route => ({ method: 'GET', path, action: STATE_ACTION, scope: 'cluster', params: stateParams, handle: state }),
    ),
    ...['/_cat/shards', '/_cat/shards/:index'].map(
      (path): Route => ({
        method: 'GET',
        path,
        // The cluster state first (RestShardsAction), then the indices stats per index in the handler.
        action: STATE_ACTION,
        scope: 'cluster',
        params: [...CAT_PARAMS, 'bytes', 'time', 'expand_wildcards', 'ignore_unavailable', 'allow_no_indices'],
        handle: shards,
      }),
    ),
  ];
}
