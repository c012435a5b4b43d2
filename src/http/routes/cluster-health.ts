/**
 * GET /_cluster/health[/{index}]: one-node shard health (replicas unassigned → yellow, as a
 * one-node Elasticsearch), with wait_for_* parameters honoured up to `timeout`; when the wait is
 * not met in time, the answer is 408 with `timed_out: true` (Elasticsearch removed
 * `return_200_for_cluster_health_timeout` before 8.0, so it is refused as unrecognized).
 * Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/cluster-health.html
 */
import { errors } from '../../common/index.js';
import {
  CLUSTER_DATA_NODES,
  clusterHealth,
  indexHealth,
  parseIndicesOptions,
  parseTimeMs,
  settingInteger,
  statusSatisfies,
  statusWithLagObjective,
  type HealthStatus,
  type IndexHandle,
  type IndexHealth,
  type IndicesService,
} from '../../index/index.js';
import { booleanParam } from '../request.js';
import type { RestRequest, RestResponse, Route } from '../route.js';

/** The longest a health request waits, whatever `timeout` says (ours). */
export const healthWaitMsMax = 5 * 60 * 1000;
const pollMs = 50;

export function healthOf(handle: IndexHandle): IndexHealth {
  return indexHealth({
    name: handle.name,
    numberOfShards: settingInteger(handle.metadata.settings, 'index.number_of_shards'),
    numberOfReplicas: settingInteger(handle.metadata.settings, 'index.number_of_replicas'),
  });
}

interface Snapshot {
  readonly body: Record<string, unknown>;
  readonly satisfied: boolean;
}

/** `wait_for_status`, any case, as Elasticsearch reads it (Java's enum lookup, and its refusal). */
export function parseStatus(value: string | undefined): HealthStatus | undefined {
  if (value === undefined) return undefined;
  const status = value.toLowerCase();
  if (status === 'green' || status === 'yellow' || status === 'red') return status;
  throw errors.illegalArgument(`No enum constant org.elasticsearch.cluster.health.ClusterHealthStatus.${value.toUpperCase()}`);
}

function nodesSatisfied(expression: string | undefined): boolean {
  if (expression === undefined || expression === '') return true;
  const match = /^(>=|<=|>|<|ge\(|le\(|gt\(|lt\()?\s*(\d+)\)?$/.exec(expression.trim());
  if (match === null) throw errors.illegalArgument(`cannot parse wait_for_nodes [${expression}]`);
  const count = Number(match[2]);
  switch (match[1]) {
    case '>=':
    case 'ge(':
      return 1 >= count;
    case '<=':
    case 'le(':
      return 1 <= count;
    case '>':
    case 'gt(':
      return 1 > count;
    case '<':
    case 'lt(':
      return 1 < count;
    default:
      return count === 1;
  }
}

function snapshot(service: IndicesService, request: RestRequest, options: ClusterHealthOptions): Snapshot {
  const clusterName = options.clusterName;
  const expression = request.params['index'];
  let handles: IndexHandle[];
  let missing = false;
  try {
    handles = service.resolve(expression, parseIndicesOptions(request.query, { ignoreUnavailable: false, allowNoIndices: true, expandWildcards: new Set(['open', 'closed']) }));
  } catch (error) {
    if ((error as { status?: number }).status !== 404) throw error;
    handles = [];
    missing = true;
  }
  const perIndex = handles.map((handle) => [handle, healthOf(handle)] as const);
  const summary = clusterHealth(perIndex.map(([, health]) => health));
  const lagging = (options.followersPastLagObjective?.() ?? []).filter((name) => handles.some((handle) => handle.name === name));
  const status: HealthStatus = missing ? 'red' : statusWithLagObjective(summary.status, lagging);
  const wantedStatus = parseStatus(request.query['wait_for_status']);
  const activeShards = request.query['wait_for_active_shards'];
  let activeOk = true;
  if (activeShards !== undefined && activeShards !== '0') {
    activeOk = activeShards === 'all' ? summary.unassigned_shards === 0 : summary.active_shards >= Number(activeShards);
  }
  const satisfied =
    !missing && (wantedStatus === undefined || statusSatisfies(status, wantedStatus)) && activeOk && nodesSatisfied(request.query['wait_for_nodes']);
  const body: Record<string, unknown> = {
    cluster_name: clusterName,
    status,
    timed_out: false,
    number_of_nodes: 1,
    number_of_data_nodes: CLUSTER_DATA_NODES,
    active_primary_shards: summary.active_primary_shards,
    active_shards: summary.active_shards,
    relocating_shards: 0,
    initializing_shards: 0,
    unassigned_shards: summary.unassigned_shards,
    unassigned_primary_shards: 0,
    delayed_unassigned_shards: 0,
    number_of_pending_tasks: 0,
    number_of_in_flight_fetch: 0,
    task_max_waiting_in_queue_millis: 0,
    active_shards_percent_as_number: summary.active_shards_percent_as_number,
    ...(lagging.length > 0 ? { ccr_followers_past_max_lag: lagging } : {}),
  };
  const level = request.query['level'] ?? 'cluster';
  if (level !== 'cluster' && level !== 'indices' && level !== 'shards') {
    throw errors.illegalArgument(`level must be one of [cluster, indices, shards], found [${level}]`);
  }
  if (level !== 'cluster') {
    const indices: Record<string, unknown> = {};
    for (const [handle, health] of perIndex) {
      const entry: Record<string, unknown> = { ...health };
      if (level === 'shards') {
        const shards: Record<string, unknown> = {};
        for (let shard = 0; shard < health.number_of_shards; shard++) {
          shards[String(shard)] = {
            status: health.status,
            primary_active: true,
            active_shards: 1,
            relocating_shards: 0,
            initializing_shards: 0,
            unassigned_shards: health.number_of_replicas,
            unassigned_primary_shards: 0,
          };
        }
        entry['shards'] = shards;
      }
      indices[handle.name] = entry;
    }
    body['indices'] = indices;
  }
  return { body, satisfied };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface ClusterHealthOptions {
  readonly clusterName: string;
  /**
   * Cross-cluster replication followers past their `max_lag` objective (Strait, beyond
   * Elasticsearch): cluster health is at best yellow while any is, and names them.
   */
  readonly followersPastLagObjective?: () => readonly string[];
}

export function clusterHealthRoutes(service: IndicesService, options: ClusterHealthOptions): readonly Route[] {
  const handle = async (request: RestRequest): Promise<RestResponse> => {
    booleanParam(request.query['local']);
    booleanParam(request.query['wait_for_no_relocating_shards']);
    booleanParam(request.query['wait_for_no_initializing_shards']);
    const timeoutMs = Math.min(healthWaitMsMax, Math.max(0, parseTimeMs(request.query['timeout'] ?? '30s')));
    const deadline = service.nowMs() + timeoutMs;
    let current = snapshot(service, request, options);
    while (!current.satisfied && service.nowMs() < deadline) {
      await sleep(Math.min(pollMs, Math.max(1, deadline - service.nowMs())));
      current = snapshot(service, request, options);
    }
    if (!current.satisfied) return { status: 408, body: { ...current.body, timed_out: true } };
    return { status: 200, body: current.body };
  };
  return ['/_cluster/health', '/_cluster/health/:index'].map(
    (path): Route => ({
      method: 'GET',
      path,
      action: 'cluster:monitor/health',
      scope: 'cluster',
      params: [
        'wait_for_status',
        'timeout',
        'level',
        'local',
        'wait_for_active_shards',
        'wait_for_no_relocating_shards',
        'wait_for_no_initializing_shards',
        'wait_for_nodes',
        'wait_for_events',
        'master_timeout',
        'expand_wildcards',
      ],
      handle,
    }),
  );
}
