/**
 * Wiring of multi-node coordination (`discovery.type: multi-node`, issue #14): joins the cluster
 * through etcd, keeps the node's local index metadata in step with the published cluster state,
 * sends index-level changes made on this node to the master, and serves the cluster-wide APIs
 * (`_cluster/state`, `_cluster/health`, `_nodes`, `_cat/nodes` (`_cat/shards` in wire-stats.ts),
 * `_cluster/allocation/explain`) from the applied state. A single node never loads this file's
 * etcd client: node.ts calls it only in multi-node mode.
 *
 * Index changes: the REST handler runs on this node's IndicesService first (so every validation
 * and error is the one a single node gives), then the change goes to the master; when the master
 * refuses it (another node created the same index meanwhile), the local change is undone and the
 * master's error answered. Every other node applies the published metadata to its own
 * IndicesService (create, delete, mappings, dynamic settings, aliases). An alias request
 * (`indices:admin/aliases`, rollover) is one `update_aliases` event: all its alias changes, and
 * the indices its `remove_index` actions delete, published in one state or refused together.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { CoordinationStartError, EtcdCoordinator } from '../cluster/etcd-coordinator.js';
import { allocationClusterSettingKeys, explainCopy, isAllocationClusterSetting } from '../cluster/allocation.js';
import { healthStatusOf, type AliasChange, type CreateIndexRequest, type MasterEvent } from '../cluster/master.js';
import { allShardRoutings, dataStreamsOf, isDataNode, isMasterEligible, metadataVersionOf, type ClusterState, type DiscoveryNode, type ShardRouting, type ShardStateReport } from '../cluster/state.js';
import type { DataStreamService } from '../index/data-stream-service.js';
import type { DataStreamMetadata } from '../index/store/data-stream-store.js';
import { EsError, errors } from '../common/index.js';
import { parseTimeValueMs } from '../common/time-value.js';
import type { NodeConfig } from '../config/types.js';
import { statusSatisfies, statusWithLagObjective, type AliasAction, type AliasMetadata, type HealthStatus, type IndicesService, type IndexHandle } from '../index/index.js';
import { parseClusterStateMetrics } from '../index/cluster-state.js';
import { routingLayoutOf } from '../index/routing.js';
import { isDynamicIndexSetting, nestFlatSettings } from '../index/settings.js';
import type { RequestContext, RestRequest, RestResponse, Route } from '../http/route.js';
import { NODE_INFO_METRICS, nodesRequestTimeoutMs } from '../http/routes/node-info.js';
import { healthWaitMsMax, parseStatus } from '../http/routes/cluster-health.js';
import { CAT_PARAMS, renderCatHealth } from '../http/routes/cat.js';
import { CAT_NODE_PARAMS, renderCatMaster } from '../http/routes/cat-more.js';
import { isReplicatedSetting } from '../ccr/leader.js';
import { NodeStartError } from './errors.js';
import { mappingAdditions, mergePublishedMappings } from './published-mappings.js';
import { parseMapping } from '../index/mapping/index.js';
import { renderFlatSettingValues } from '../index/setting-lists.js';
import { canonicalJson, hostOf } from '../common/index.js';

/** How long an index change waits for the master (Elasticsearch's master_timeout default, 30s). */
const masterTimeoutMs = 30_000;
const timerMaxMs = 2 ** 31 - 1;
/** `_cluster/health` `timeout` default (30s). */
const healthTimeoutMs = 30_000;
/** Ours: how often a health request waiting for a status asks every node again for followers past their `max_lag`. */
const healthLagPollMs = 250;

export interface CoordinationWiring {
  readonly coordinator: EtcdCoordinator;
  /** Index-level write routes (create, delete, mappings, settings) go through the master. */
  wrap(route: Route): Route;
  /** The node's routes with the cluster-wide ones replaced and the index-level writes going through the master. */
  applyTo(routes: readonly Route[]): Route[];
  /**
   * A shard report for the master (the data plane's `internal:cluster/shard/started` and
   * `internal:cluster/shard/failure`): resolves once the published state holds its effect; a failure
   * report from a replaced primary rejects with no_longer_primary_shard_exception.
   */
  reportShard(report: ShardStateReport): Promise<void>;
  /**
   * Sends the index changes this node made locally (indices created, mappings, dynamic settings)
   * to the master and resolves once published; indices created since `before` (names) are
   * deleted again when the master refuses.
   */
  publishLocalChanges(before: ReadonlySet<string>, waitMs: number): Promise<void>;
  /** Sends index `name`'s local mapping to the master when it differs from the published one (dynamic mappings of a write on a primary). */
  publishMapping(name: string, waitMs: number): Promise<void>;
  /** Publishes the HTTP address once the HTTP server is bound (it starts after the join). */
  publishHttpAddress(address: string): Promise<void>;
  close(): Promise<void>;
}

export interface CoordinationWiringOptions {
  readonly config: NodeConfig;
  readonly nodeId: string;
  readonly version: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly transportAddress: string;
  /** Set when the node opens the remote cluster interface (remote clusters sniff it, API key model). */
  readonly remoteClusterAddress?: string;
  readonly indices: IndicesService;
  /** The node's data streams: published by the master, mirrored from the cluster state on every node. */
  readonly dataStreams: DataStreamService;
  /** CCR followers past their `max_lag` in the whole cluster (health is at most yellow while any is; Strait's lag objective). */
  readonly followersPastLagObjective?: () => Promise<readonly string[]>;
  /** The node's effective dynamic cluster settings (the allocation ones are sent to the master). */
  readonly clusterSettings: () => Readonly<Record<string, string | readonly string[]>>;
  readonly log: Logger;
  readonly nowMs: () => number;
}

const newId = (): string => randomBytes(16).toString('base64url').slice(0, 22);

/**
 * The follower marker of cross-cluster replication: static for clients, but unfollow removes it,
 * and every node must see that (Elasticsearch's unfollow updates the index metadata through the
 * master), so it travels with the dynamic settings.
 */
const followingIndexSetting = 'index.xpack.ccr.following_index';

/** A setting whose changes travel through the master after the index exists. */
function isPublishedIndexSetting(key: string): boolean {
  return key === followingIndexSetting || isDynamicIndexSetting(key);
}

/** Settings a node sets itself at creation: never copied from the cluster state into a local create. */
const nodeSetSetting = /^index\.(uuid|creation_date|version\..*|provided_name|history\.uuid|resize\..*)$/;

export async function startCoordination(options: CoordinationWiringOptions): Promise<CoordinationWiring> {
  const { config, indices, log } = options;
  const coordination = config.coordination;
  if (coordination === undefined) throw new NodeStartError('multi-node coordination needs [cluster.coordination.etcd.endpoints]');
  const node: DiscoveryNode = {
    name: config.nodeName,
    ephemeral_id: newId(),
    transport_address: options.transportAddress,
    external_id: config.nodeName,
    attributes: { ...options.attributes },
    roles: [...config.nodeRoles].sort(),
    version: options.version,
    ...(options.remoteClusterAddress !== undefined ? { remote_cluster_address: options.remoteClusterAddress } : {}),
  };
  let coordinator: EtcdCoordinator;
  try {
    coordinator = await EtcdCoordinator.join({
      config: coordination,
      clusterName: config.clusterName,
      nodeId: options.nodeId,
      node,
      log: log.child({ layer: 'coordination' }),
      nowMs: options.nowMs,
      newUuid: newId,
      mergeMappings: mergePublishedMappings,
      isDynamicIndexSetting: isPublishedIndexSetting,
      readFile: (setting, file) => {
        try {
          return readFileSync(file);
        } catch (error) {
          throw new CoordinationStartError(`cannot read [${setting}] file [${file}]: ${(error as Error).message}`);
        }
      },
    });
  } catch (error) {
    if (error instanceof CoordinationStartError) throw new NodeStartError(error.message);
    throw error;
  }
  // Shard copies (which to open, recover, start) are the data plane's (wire-data-plane.ts), which
  // applies each state after this metadata mirror.
  // Alias requests of this node applied locally and not yet published: the mirror leaves the
  // local aliases alone meanwhile (it would flip them back to the published ones for a moment),
  // and puts them on the published ones once the last of them is answered.
  let aliasRequestsInFlight = 0;
  // Indices this node created and sent to the master, by uuid, until the master answers: a state
  // published meanwhile (another node's change) does not have them yet, and must not delete them
  // (a follower index's deletion also removes its follow record, everywhere).
  const awaitingPublication = new Set<string>();
  // Put-mappings this node applied and sent the master, by index, until it answers: each one's own
  // change (what the request added to the local mapping). Each request sends only its own change,
  // and a refused one takes only its own back out of the local mapping, so another put-mapping (or
  // a document's dynamic update) in flight on the same index is still published, or refused for its
  // own reason, never dropped with it nor answered 200 unpublished.
  const pendingMappings: PendingMappings = new Map();
  const { dataStreams } = options;
  // A data stream's health is its backing indices' health in the published routing table.
  dataStreams.setHealthSource((names) => healthStatusOf(coordinator.state(), names));
  const onState = (state: ClusterState): void => {
    mirrorMetadata(state, indices, dataStreams, log, aliasRequestsInFlight === 0, awaitingPublication, pendingMappings);
  };
  coordinator.onApplied(onState);
  onState(coordinator.state());

  /** Sends the local index changes made since `before` was taken to the master; undoes local creations it refuses. */
  const publishLocalChanges = async (before: ReadonlySet<string>, waitMs: number, aliasChanges: readonly AliasChange[] = [], ownMappings: ReadonlyMap<string, PendingMapping> = new Map()): Promise<void> => {
    const published = coordinator.state().metadata.indices;
    const sent = indices.all().filter((handle) => !before.has(handle.name) && published[handle.name]?.settings['index.uuid'] !== handle.uuid).map((handle) => handle.uuid);
    for (const uuid of sent) awaitingPublication.add(uuid);
    try {
      for (const event of changesForMaster(coordinator.state(), indices, dataStreams, options.clusterSettings(), aliasChanges, ownMappings, pendingMappings)) await coordinator.submit(event, waitMs);
    } catch (error) {
      for (const uuid of sent) awaitingPublication.delete(uuid);
      // The master refused: undo what this node created, so no node keeps an index the cluster does
      // not have (an index mirrored meanwhile from the published state, same uuid, stays), and put
      // the data streams back on the published ones (a stream or a rollover refused goes).
      const state = coordinator.state();
      const published = state.metadata.indices;
      const created = indices.all().filter((handle) => !before.has(handle.name) && published[handle.name]?.settings['index.uuid'] !== handle.uuid);
      dataStreams.applyPublished(publishedDataStreams(state), () => {
        if (created.length > 0) indices.deleteIndices(created);
      });
      // Alias changes the master refused go back to the published ones.
      mirrorAliases(coordinator.state(), indices, log);
      // So does this request's mapping change (a put-mapping that conflicts with another node's, or
      // that would pass a field limit together with it): the request answers the refusal and keeps
      // nothing of it here; the other put-mappings in flight on this node stay.
      forgetPendingMappings(pendingMappings, ownMappings);
      restorePublishedMappings(coordinator.state(), indices, log, pendingMappings);
      throw error;
    }
    for (const uuid of sent) awaitingPublication.delete(uuid);
  };
  const wrap = (route: Route): Route => ({
    ...route,
    handle: async (request: RestRequest, context: RequestContext): Promise<RestResponse> => {
      const before = new Set(indices.all().map((handle) => handle.name));
      const aliasRequest = route.action === 'indices:admin/aliases' || route.action === 'indices:admin/rollover';
      // The request's own alias changes: its indices' aliases after it ran against before. Not the
      // local aliases against the published ones: those lag while the mirror waits (see above), and
      // the difference would undo another node's change.
      const aliasesBefore = aliasRequest ? new Map(indices.all().map((handle) => [handle.name, publishedAliases(handle)])) : undefined;
      // A put-mapping's own change: what it added to each local mapping it replaced (mappings are
      // replaced, never changed in place).
      const mappingsBefore = route.action === 'indices:admin/mapping/put' ? new Map(indices.all().map((handle) => [handle.name, handle.metadata.mappings])) : undefined;
      const ownMappings = new Map<string, PendingMapping>();
      if (aliasRequest) aliasRequestsInFlight++;
      try {
        const response = await route.handle(request, context);
        for (const handle of indices.all()) {
          const earlier = mappingsBefore?.get(handle.name);
          if (earlier === undefined || earlier === handle.metadata.mappings) continue;
          const pending = { update: mappingAdditions(earlier, handle.metadata.mappings) };
          if (Object.keys(pending.update).length === 0) continue;
          ownMappings.set(handle.name, pending);
          pendingMappings.set(handle.name, [...(pendingMappings.get(handle.name) ?? []), pending]);
        }
        const aliasChanges = indices.all().flatMap((handle) => {
          const earlier = aliasesBefore?.get(handle.name);
          return earlier === undefined ? [] : aliasChangesOf(handle.name, earlier, publishedAliases(handle));
        });
        await publishLocalChanges(before, masterTimeoutOf(request), aliasChanges, ownMappings);
        return response;
      } finally {
        forgetPendingMappings(pendingMappings, ownMappings);
        if (aliasRequest && --aliasRequestsInFlight === 0) mirrorAliases(coordinator.state(), indices, log);
      }
    },
  });

  return {
    coordinator,
    wrap,
    applyTo: (routes) => {
      const replacements = coordinationRoutes(coordinator, options);
      const methodsOf = (route: Route): readonly string[] => (typeof route.method === 'string' ? [route.method] : route.method);
      const replaced = new Set(replacements.flatMap((route) => methodsOf(route).map((method) => `${method} ${route.path}`)));
      const kept = routes
        .map((route): Route | undefined => {
          const methods = methodsOf(route).filter((method) => !replaced.has(`${method} ${route.path}`));
          if (methods.length === 0) return undefined;
          const narrowed = methods.length === methodsOf(route).length ? route : { ...route, method: methods as Route['method'] };
          return masterRoutedActions.has(route.action) ? wrap(narrowed) : narrowed;
        })
        .filter((route): route is Route => route !== undefined);
      return [...kept, ...replacements];
    },
    publishLocalChanges,
    publishMapping: async (name, waitMs) => {
      const handle = indices.get(name);
      const published = coordinator.state().metadata.indices[name];
      if (handle === undefined || published === undefined || published.settings['index.uuid'] !== handle.uuid) return;
      // A put-mapping of this node in flight on the index: its request sends it (the master may refuse it).
      if ((pendingMappings.get(name)?.length ?? 0) > 0) return;
      if (!sameMappings(handle, published.mappings)) await coordinator.submit({ kind: 'put_mapping', name, mappings: mappingsOf(handle) }, waitMs);
    },
    reportShard: async (report) => {
      await coordinator.submit({ kind: 'shard_report', report }, masterTimeoutMs);
    },
    publishHttpAddress: (address) => coordinator.updateNode({ ...node, http_address: address }),
    close: () => coordinator.close(),
  };
}

/**
 * The request's `master_timeout` (already validated by the HTTP layer), else Elasticsearch's 30s;
 * `-1` waits without bound.
 */
export function masterTimeoutOf(request: Pick<RestRequest, 'query'>): number {
  const raw = request.query['master_timeout'];
  if (typeof raw !== 'string' || raw === '') return masterTimeoutMs;
  const ms = parseTimeValueMs(raw, 'master_timeout');
  // A timer longer than 2^31 - 1 ms would fire at once: that bound stands for "no bound".
  return ms < 0 ? timerMaxMs : Math.min(ms, timerMaxMs);
}

/** The published data streams in the data stream service's shape. */
function publishedDataStreams(state: ClusterState): DataStreamMetadata[] {
  return Object.values(dataStreamsOf(state)).map((stream) => ({
    name: stream.name,
    indices: stream.indices.map((index) => index.index_name),
    generation: stream.generation,
    template: stream.template,
    hidden: stream.hidden,
    meta: stream._meta,
    timestampField: stream.timestamp_field.name,
    replicated: stream.replicated,
  }));
}

/** A local index as the master's create request describes it. */
function createRequestOf(handle: IndexHandle): CreateIndexRequest {
  return { name: handle.name, uuid: handle.uuid, settings: handle.metadata.settings, mappings: mappingsOf(handle), aliases: publishedAliases(handle), routingNumShards: routingLayoutOf(handle.metadata.settings).routingShards };
}

/**
 * The local data stream changes the published state lacks, one master step each: a new stream
 * with its first backing index, each backing index a rollover added, each follower backing index
 * cross-cluster replication added to a replicated stream (made on first use), a promotion, the
 * streams deleted. The backing indices these steps create or delete are left out of the plain
 * index events.
 */
function dataStreamChangesForMaster(state: ClusterState, indices: IndicesService, dataStreams: DataStreamService, covered: Set<string>): MasterEvent[] {
  const events: MasterEvent[] = [];
  const published = dataStreamsOf(state);
  const local = dataStreams.all();
  for (const stream of local) {
    const publishedStream = published[stream.name];
    const newIndices = stream.indices.filter((name) => state.metadata.indices[name] === undefined && indices.get(name) !== undefined);
    if (stream.replicated) {
      // A replicated stream never rolls over here: each new backing index is a follower index.
      for (const name of newIndices) {
        covered.add(name);
        events.push({ kind: 'follow_backing_index', name: stream.name, template: stream.template, hidden: stream.hidden, timestampField: stream.timestampField, backingIndex: createRequestOf(indices.get(name)!) });
      }
      continue;
    }
    if (publishedStream?.replicated === true) events.push({ kind: 'promote_data_stream', name: stream.name });
    if (publishedStream === undefined) {
      const first = indices.get(stream.indices[0] ?? '');
      if (first === undefined || state.metadata.indices[first.name] !== undefined) continue;
      covered.add(first.name);
      events.push({ kind: 'create_data_stream', name: stream.name, template: stream.template, hidden: stream.hidden, ...(stream.meta !== undefined ? { meta: stream.meta } : {}), timestampField: stream.timestampField, backingIndex: createRequestOf(first) });
      continue;
    }
    newIndices.forEach((name, offset) => {
      covered.add(name);
      events.push({ kind: 'rollover_data_stream', name: stream.name, generation: publishedStream.generation + offset, backingIndex: createRequestOf(indices.get(name)!) });
    });
  }
  const localNames = new Set(local.map((stream) => stream.name));
  const deleted = Object.values(published).filter((stream) => !localNames.has(stream.name));
  if (deleted.length > 0) {
    for (const stream of deleted) for (const index of stream.indices) covered.add(index.index_name);
    events.push({ kind: 'delete_data_streams', names: deleted.map((stream) => stream.name) });
  }
  return events;
}

/** The local index metadata the published state should carry (pure over the two). */
function changesForMaster(state: ClusterState, indices: IndicesService, dataStreams: DataStreamService, clusterSettings: Readonly<Record<string, string | readonly string[]>>, aliasChanges: readonly AliasChange[], ownMappings: ReadonlyMap<string, PendingMapping>, pendingMappings: PendingMappings): MasterEvent[] {
  const events: MasterEvent[] = [];
  const covered = new Set<string>();
  const streamEvents = dataStreamChangesForMaster(state, indices, dataStreams, covered);
  const persistent: Record<string, string | null> = {};
  const allocationKeys = new Set([...allocationClusterSettingKeys, ...Object.keys(clusterSettings).filter(isAllocationClusterSetting), ...Object.keys(state.metadata.persistent_settings).filter(isAllocationClusterSetting)]);
  for (const key of allocationKeys) {
    const raw = clusterSettings[key];
    const value = raw === undefined ? undefined : typeof raw === 'string' ? raw : raw.join(',');
    if (state.metadata.persistent_settings[key] !== value) persistent[key] = value ?? null;
  }
  if (Object.keys(persistent).length > 0) events.push({ kind: 'cluster_settings', persistent });
  const local = new Map(indices.all().map((handle) => [handle.name, handle]));
  for (const [name, handle] of local) {
    const published = state.metadata.indices[name];
    const mappings = mappingsOf(handle);
    if (published === undefined) {
      if (!covered.has(name)) events.push({ kind: 'create_index', ...createRequestOf(handle) });
      continue;
    }
    // A put-mapping sends its own change, which the master merges into the published mapping; an
    // index with other put-mappings of this node in flight holds their changes too, which are theirs
    // to send.
    const own = ownMappings.get(name);
    if (own !== undefined) events.push({ kind: 'put_mapping', name, mappings: { _doc: own.update } });
    else if ((pendingMappings.get(name)?.length ?? 0) === 0 && !sameMappings(handle, published.mappings)) events.push({ kind: 'put_mapping', name, mappings });
    const changed = dynamicSettingChanges(published.settings, handle.metadata.settings);
    if (Object.keys(changed).length > 0) events.push({ kind: 'update_settings', name, settings: changed });
    const fromLeader = followerLeaderSettingChanges(published.settings, handle.metadata.settings);
    if (Object.keys(fromLeader).length > 0) events.push({ kind: 'follower_leader_settings', name, uuid: handle.uuid, settings: fromLeader });
  }
  events.push(...streamEvents);
  const deleted = Object.keys(state.metadata.indices).filter((name) => !local.has(name) && !covered.has(name));
  // An alias request's changes of existing indices (the new ones carry theirs in create_index), and
  // its index removals (`remove_index`), travel as one step.
  const existing = aliasChanges.filter((change) => state.metadata.indices[change.index] !== undefined);
  if (existing.length > 0) events.push({ kind: 'update_aliases', changes: existing, deleteIndices: deleted });
  else for (const name of deleted) events.push({ kind: 'delete_index', name });
  return events;
}

/** The local aliases in the cluster state's shape (the same JSON). */
function publishedAliases(handle: IndexHandle): Readonly<Record<string, Readonly<Record<string, unknown>>>> {
  return handle.metadata.aliases as Readonly<Record<string, AliasMetadata>> as unknown as Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The changes that turn index `index`'s aliases `from` into `to` (pure). */
export function aliasChangesOf(index: string, from: Readonly<Record<string, unknown>>, to: Readonly<Record<string, Readonly<Record<string, unknown>>>>): AliasChange[] {
  const changes: AliasChange[] = [];
  for (const [alias, definition] of Object.entries(to)) if (JSON.stringify(from[alias]) !== JSON.stringify(definition)) changes.push({ index, alias, definition });
  for (const alias of Object.keys(from)) if (to[alias] === undefined) changes.push({ index, alias, definition: null });
  return changes;
}

/**
 * Puts the local aliases of every published index this node has on the published ones (added,
 * changed: filter, routing, is_write_index, is_hidden; removed), in one atomic local step so that
 * a write index moving between indices never counts twice.
 */
function mirrorAliases(state: ClusterState, indices: IndicesService, log: Logger): void {
  if (state.version === 0) return;
  const actions: AliasAction[] = [];
  for (const [name, metadata] of Object.entries(state.metadata.indices)) {
    const handle = indices.get(name);
    if (handle === undefined || handle.uuid !== metadata.settings['index.uuid']) continue;
    for (const change of aliasChangesOf(name, publishedAliases(handle), metadata.aliases)) {
      actions.push(change.definition === null ? { kind: 'remove', index: name, alias: change.alias, mustExist: false } : { kind: 'add', index: name, alias: change.alias, definition: change.definition as AliasMetadata });
    }
  }
  if (actions.length === 0) return;
  // Removals first: an alias moving to another index is free again before it is added there.
  actions.sort((a, b) => (a.kind === 'remove' ? 0 : 1) - (b.kind === 'remove' ? 0 : 1));
  try {
    indices.applyAliasActions(actions);
  } catch (error) {
    log.error({ err: error, version: state.version }, 'cannot apply the published aliases on this node');
  }
}

/**
 * The dynamic index settings that turn `from` into `to` (null: removed), flat (pure). Settings a
 * node sets itself and static ones never travel: they are fixed when the index is created.
 */
export function dynamicSettingChanges(from: Readonly<Record<string, string>>, to: Readonly<Record<string, string>>): Record<string, string | null> {
  const changed: Record<string, string | null> = {};
  for (const key of new Set([...Object.keys(from), ...Object.keys(to)])) {
    if (nodeSetSetting.test(key) || !isPublishedIndexSetting(key)) continue;
    if (from[key] !== to[key]) changed[key] = to[key] ?? null;
  }
  return changed;
}

/**
 * The static settings that turn follower index settings `from` into `to` (null: removed), flat
 * (pure): only between two followers (the marker on both sides), only settings a follower takes
 * from its leader (replicated), never the ones a node sets itself nor the dynamic ones (those
 * travel as dynamic settings). What a follower's task took from its leader beyond what is
 * published, and what a node's copy lacks of what is published.
 */
export function followerLeaderSettingChanges(from: Readonly<Record<string, string>>, to: Readonly<Record<string, string>>): Record<string, string | null> {
  const changed: Record<string, string | null> = {};
  if (from[followingIndexSetting] !== 'true' || to[followingIndexSetting] !== 'true') return changed;
  for (const key of new Set([...Object.keys(from), ...Object.keys(to)])) {
    if (nodeSetSetting.test(key) || isPublishedIndexSetting(key) || !isReplicatedSetting(key)) continue;
    if (from[key] !== to[key]) changed[key] = to[key] ?? null;
  }
  return changed;
}

function mappingsOf(handle: IndexHandle): Record<string, unknown> {
  return Object.keys(handle.metadata.mappings).length === 0 ? {} : { _doc: handle.metadata.mappings };
}

/**
 * `canonicalJson` of a mapping object, computed once per object: a primary compares its mapping
 * with the published one on every write. Mappings are replaced, never changed in place (the
 * searcher's segments built ahead rely on that too), and a published state is never changed.
 */
const canonicalMappingTexts = new WeakMap<object, string>();
function canonicalMappingText(mappings: Readonly<Record<string, unknown>>): string {
  let text = canonicalMappingTexts.get(mappings);
  if (text === undefined) canonicalMappingTexts.set(mappings, (text = canonicalJson(mappings)));
  return text;
}

/** Whether this node's mapping of `handle` is the published one (`{_doc: ...}`, or `{}`), whatever the key order. */
function sameMappings(handle: IndexHandle, published: Readonly<Record<string, unknown>>): boolean {
  const local = Object.keys(handle.metadata.mappings).length === 0 ? '{}' : `{"_doc":${canonicalMappingText(handle.metadata.mappings)}}`;
  return local === canonicalMappingText(published);
}

/** Applies the published index metadata to this node's IndicesService, and the published data streams to its DataStreamService. */
function mirrorMetadata(state: ClusterState, indices: IndicesService, dataStreams: DataStreamService, log: Logger, withAliases: boolean, awaitingPublication: ReadonlySet<string>, pendingMappings: PendingMappings): void {
  if (state.version === 0) return;
  dataStreams.applyPublished(publishedDataStreams(state), () => mirrorIndices(state, indices, log, awaitingPublication, pendingMappings));
  if (withAliases) mirrorAliases(state, indices, log);
}

/** One put-mapping of this node the master has not answered: what it added to the local mapping of one index. */
interface PendingMapping {
  readonly update: Record<string, unknown>;
}
type PendingMappings = Map<string, PendingMapping[]>;

/** Drops a request's entries (`own`, by identity) from the pending put-mappings. */
function forgetPendingMappings(pending: PendingMappings, own: ReadonlyMap<string, PendingMapping>): void {
  for (const [name, entry] of own) {
    const left = (pending.get(name) ?? []).filter((other) => other !== entry);
    if (left.length === 0) pending.delete(name);
    else pending.set(name, left);
  }
}

/**
 * The published mapping of an index with the changes of this node's put-mappings still in flight
 * merged in (pure over the three), in the order they were made; one that no longer merges or
 * passes a field limit is left out (the master will refuse it, and its request answers that).
 */
export function publishedWithPending(published: Readonly<Record<string, unknown>>, settings: Readonly<Record<string, string>>, pending: readonly PendingMapping[]): Record<string, unknown> {
  let mapping = parseMapping(published['_doc'] ?? {});
  for (const entry of pending) {
    try {
      mapping = (mergePublishedMappings({ _doc: mapping }, { _doc: entry.update }, settings)['_doc'] ?? mapping) as Record<string, unknown>;
    } catch (error) {
      if (!(error instanceof EsError)) throw error;
    }
  }
  return mapping;
}

/**
 * Puts every local index whose mapping differs from the published one on the published mapping
 * with this node's put-mappings still in flight (`pending`) merged in (replaced, not merged into
 * the local one): after the master refused one of this node's mapping changes, or when the
 * published mapping cannot be merged into the local one. Mappings only change locally for a
 * put-mapping request (dynamic updates are held and go to the master first), so only the refused
 * one is dropped.
 */
function restorePublishedMappings(state: ClusterState, indices: IndicesService, log: Logger, pending: PendingMappings): void {
  for (const [name, metadata] of Object.entries(state.metadata.indices)) {
    const handle = indices.get(name);
    if (handle === undefined || handle.uuid !== metadata.settings['index.uuid'] || sameMappings(handle, metadata.mappings)) continue;
    try {
      const mapping = publishedWithPending(metadata.mappings, metadata.settings, pending.get(name) ?? []);
      if (canonicalJson(mapping) !== canonicalMappingText(handle.metadata.mappings)) indices.setMapping(handle, mapping);
    } catch (error) {
      log.error({ err: error, index: name, version: state.version }, 'cannot put the published mapping back on this node');
    }
  }
}

/** Makes this node's indices the published ones; those in `awaitingPublication` (uuids this node sent the master) stay until it answers. */
function mirrorIndices(state: ClusterState, indices: IndicesService, log: Logger, awaitingPublication: ReadonlySet<string>, pendingMappings: PendingMappings): void {
  for (const [name, metadata] of Object.entries(state.metadata.indices)) {
    try {
      const local = indices.get(name);
      // The follower marker is private (no create may set it): put on after the create.
      const settings = Object.fromEntries(Object.entries(metadata.settings).filter(([key]) => !nodeSetSetting.test(key) && key !== followingIndexSetting));
      const mappings = (metadata.mappings['_doc'] ?? {}) as Record<string, unknown>;
      const uuid = metadata.settings['index.uuid'];
      if (local !== undefined && uuid !== undefined && local.uuid !== uuid) {
        // A local index of the same name from another incarnation (made before this node joined,
        // or refused by the master): the published one replaces it, so copies agree on one uuid.
        log.warn({ index: name, local_uuid: local.uuid, uuid }, 'replacing a local index whose uuid differs from the published one');
        indices.deleteIndices([local]);
      }
      const handle = indices.get(name);
      if (handle === undefined) {
        const created = indices.createIndex(name, { settings, mappings, aliases: metadata.aliases }, { templates: false, ...(uuid !== undefined ? { uuid } : {}) });
        if (metadata.settings[followingIndexSetting] === 'true') indices.markFollowing(created);
        if (metadata.state === 'close') indices.closeIndices([created]);
        continue;
      }
      // Open or closed as published (a node that was away during a close closes its copy now). The
      // data plane, which runs after this mirror, closes the replication copies of a closed index
      // in the same turn and opens those of a reopened one from the stores opened here.
      if (handle.metadata.state !== metadata.state) {
        if (metadata.state === 'close') indices.closeIndices([handle]);
        else indices.openIndices([handle]);
      }
      if (!sameMappings(handle, metadata.mappings) && Object.keys(mappings).length > 0) {
        try {
          indices.putMapping([handle], mappings);
        } catch (error) {
          // The local mapping holds a change the published one refuses (a put-mapping here the
          // master has not answered yet, which it will refuse): the published mapping wins, with
          // the other put-mappings in flight here that still fit it.
          log.warn({ err: error, index: name, version: state.version }, 'the published mapping does not merge into this node\'s; taking the published one');
          indices.setMapping(handle, publishedWithPending(metadata.mappings, metadata.settings, pendingMappings.get(name) ?? []));
        }
      }
      // Every dynamic setting (replicas, refresh interval, blocks, pipelines, ...) as published.
      const { [followingIndexSetting]: following, ...settingChanges } = dynamicSettingChanges(handle.metadata.settings, metadata.settings);
      // An unfollowed follower (the marker is only ever removed once the index exists).
      if (following === null) indices.clearFollowing(handle);
      if (Object.keys(settingChanges).length > 0) indices.updateSettings([handle], settingChanges);
      // A follower's static settings its leader changed (published by the master from the node whose task took them).
      const fromLeader = followerLeaderSettingChanges(handle.metadata.settings, metadata.settings);
      if (Object.keys(fromLeader).length > 0) indices.applyFollowerLeaderSettings(handle, fromLeader);
    } catch (error) {
      log.error({ err: error, index: name, version: state.version }, 'cannot apply the published index metadata on this node');
    }
  }
  const gone = indices.all().filter((handle) => state.metadata.indices[handle.name] === undefined && !awaitingPublication.has(handle.uuid));
  if (gone.length > 0) {
    try {
      indices.deleteIndices(gone);
    } catch (error) {
      log.error({ err: error, version: state.version }, 'cannot delete an index the published state no longer has');
    }
  }
}

// -------------------------------------------------------------------------------------------
// Cluster-wide APIs over the applied state.
// -------------------------------------------------------------------------------------------

function publicNode(node: DiscoveryNode): Record<string, unknown> {
  return { name: node.name, ephemeral_id: node.ephemeral_id, transport_address: node.transport_address, external_id: node.external_id, attributes: { ...node.attributes }, roles: [...node.roles].sort(), version: node.version };
}

/** `GET /_cluster/state` from the published state (ClusterState.toXContentChunked). */
export function renderPublishedState(state: ClusterState, request: RestRequest, indices: IndicesService): Record<string, unknown> {
  const metrics = parseClusterStateMetrics(request.params['metric']);
  const expression = request.params['index'];
  const selected = expression === undefined ? Object.keys(state.metadata.indices) : indices.resolve(expression, { ignoreUnavailable: true, allowNoIndices: true, expandWildcards: new Set(['open']) }).map((handle) => handle.name);
  const body: Record<string, unknown> = { cluster_name: state.cluster_name, cluster_uuid: state.cluster_uuid };
  if (metrics.has('version')) {
    body['version'] = state.version;
    body['state_uuid'] = state.state_uuid;
  }
  if (metrics.has('master_node')) body['master_node'] = state.master_node;
  if (metrics.has('blocks')) {
    // ClusterBlocks.toXContent: a closed index carries MetadataIndexStateService.INDEX_CLOSED_BLOCK.
    const closed = selected.filter((name) => state.metadata.indices[name]?.state === 'close').sort();
    body['blocks'] = closed.length === 0 ? {} : { indices: Object.fromEntries(closed.map((name) => [name, { '4': { description: 'index closed', retryable: false, levels: ['read', 'write'] } }])) };
  }
  if (metrics.has('nodes')) body['nodes'] = Object.fromEntries(Object.entries(state.nodes).map(([id, node]) => [id, publicNode(node)]));
  if (metrics.has('metadata')) {
    body['metadata'] = {
      // Strait's: Elasticsearch keeps Metadata.version out of the API view (only its on-disk
      // "meta-data" has it); shown here so that a client knows what `wait_for_metadata_version` waits for.
      version: metadataVersionOf(state),
      cluster_uuid: state.metadata.cluster_uuid,
      cluster_uuid_committed: state.metadata.cluster_uuid_committed,
      cluster_coordination: { term: state.term },
      indices: Object.fromEntries(
        selected
          .filter((name) => state.metadata.indices[name] !== undefined)
          .map((name) => {
            const metadata = state.metadata.indices[name]!;
            // IndexMetadata.toXContent: nested settings unless flat_settings, alias names as a list.
            const flat = request.query['flat_settings'] === 'true';
            return [name, { ...metadata, settings: flat ? renderFlatSettingValues(metadata.settings) : nestFlatSettings(metadata.settings), aliases: Object.keys(metadata.aliases).sort() }];
          }),
      ),
    };
    // DataStreamMetadata: every stream (Strait's `template` included), and no data stream aliases.
    if (state.metadata.data_stream !== undefined) (body['metadata'] as Record<string, unknown>)['data_stream'] = state.metadata.data_stream;
  }
  if (metrics.has('routing_table')) {
    body['routing_table'] = { indices: Object.fromEntries(selected.filter((name) => state.routing_table.indices[name] !== undefined).map((name) => [name, state.routing_table.indices[name]])) };
  }
  if (metrics.has('routing_nodes')) {
    const routings = allShardRoutings(state).filter((copy) => selected.includes(copy.index));
    body['routing_nodes'] = {
      unassigned: routings.filter((copy) => copy.state === 'UNASSIGNED'),
      nodes: Object.fromEntries(Object.keys(state.nodes).map((id) => [id, routings.filter((copy) => copy.node === id)])),
    };
  }
  return body;
}

/**
 * The cluster-level figures of multi-node `_cluster/health` from an applied state (`_cat/health`
 * prints the same): the shard health, made at most yellow by CCR followers past their lag objective.
 */
function clusterHealthFigures(state: ClusterState, names: readonly string[] | undefined, lagging: readonly string[]) {
  const nodes = Object.values(state.nodes);
  const counts = healthCounts(state, names);
  return {
    status: statusWithLagObjective(healthStatusOf(state, names), lagging),
    number_of_nodes: nodes.length,
    number_of_data_nodes: nodes.filter(isDataNode).length,
    active_primary_shards: counts['active_primary_shards']!,
    active_shards: counts['active_shards']!,
    relocating_shards: counts['relocating_shards']!,
    initializing_shards: counts['initializing_shards']!,
    unassigned_shards: counts['unassigned_shards']!,
    unassigned_primary_shards: allShardRoutings(state).filter((copy) => (names === undefined || names.includes(copy.index)) && copy.primary && copy.state === 'UNASSIGNED').length,
    active_shards_percent_as_number: counts['active_shards_percent_as_number']!,
  };
}

function healthCounts(state: ClusterState, names: readonly string[] | undefined): Record<string, number> {
  const routings = allShardRoutings(state).filter((copy) => names === undefined || names.includes(copy.index));
  const active = routings.filter((copy) => copy.state === 'STARTED' || copy.state === 'RELOCATING');
  const total = routings.filter((copy) => !(copy.state === 'INITIALIZING' && copy.relocating_node !== null)).length;
  return {
    active_primary_shards: active.filter((copy) => copy.primary).length,
    active_shards: active.length,
    relocating_shards: routings.filter((copy) => copy.state === 'RELOCATING').length,
    initializing_shards: routings.filter((copy) => copy.state === 'INITIALIZING').length,
    unassigned_shards: routings.filter((copy) => copy.state === 'UNASSIGNED').length,
    active_shards_percent_as_number: total === 0 ? 100 : (active.length / total) * 100,
  };
}

/** `wait_for_nodes`: `N`, `>=N`, `<=N`, `>N`, `<N`, `ge(N)`, `le(N)`, `gt(N)`, `lt(N)` (ClusterHealthRequest). */
export function parseWaitForNodes(value: string): (count: number) => boolean {
  const match = /^(>=|<=|>|<|ge\(|le\(|gt\(|lt\()?\s*(\d+)\)?$/.exec(value.trim());
  if (match === null) throw errors.illegalArgument(`failed to parse [wait_for_nodes] value [${value}]`);
  const n = Number(match[2]);
  switch (match[1]) {
    case '>=':
    case 'ge(':
      return (count) => count >= n;
    case '<=':
    case 'le(':
      return (count) => count <= n;
    case '>':
    case 'gt(':
      return (count) => count > n;
    case '<':
    case 'lt(':
      return (count) => count < n;
    default:
      return (count) => count === n;
  }
}

const statusRank = { green: 0, yellow: 1, red: 2 } as const;

function parseTimeout(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  if (match === null) throw errors.illegalArgument(`failed to parse setting [timeout] with value [${value}] as a time value: unit is missing or unrecognized`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 'ms' as 'ms']!;
  return Number(match[1]) * unit;
}


/** DiscoveryNodeRole abbreviations, sorted as Elasticsearch prints them. */

function explainBody(state: ClusterState, request: RestRequest, includeYes: boolean): Record<string, unknown> {
  const body = (request.body === undefined || request.body.length === 0 ? {} : request.json()) as { index?: unknown; shard?: unknown; primary?: unknown };
  let target: ShardRouting | undefined;
  if (body.index === undefined && body.shard === undefined && body.primary === undefined) {
    target = allShardRoutings(state).find((copy) => copy.state === 'UNASSIGNED');
    if (target === undefined) throw errors.illegalArgument('There are no unassigned shards in this cluster. Specify an assigned shard in the request body to explain its allocation.');
  } else {
    if (typeof body.index !== 'string' || typeof body.shard !== 'number' || typeof body.primary !== 'boolean') {
      throw errors.illegalArgument('the [index], [shard] and [primary] fields are all required to explain a specific shard');
    }
    if (state.metadata.indices[body.index] === undefined) throw errors.indexNotFound(body.index);
    const copies = state.routing_table.indices[body.index]?.shards[String(body.shard)];
    if (copies === undefined) throw errors.illegalArgument(`No shard [${body.shard}] in index [${body.index}]`);
    target = copies.find((copy) => copy.primary === body.primary && copy.state === 'UNASSIGNED') ?? copies.find((copy) => copy.primary === body.primary);
    if (target === undefined) throw errors.illegalArgument(`No shard was found for [${body.index}][${body.shard}] primary [${body.primary}]`);
  }
  const decisions = explainCopy(state, target.index, target.shard, target.primary) ?? [];
  const rendered = decisions.map((decision) => ({
    node_id: decision.nodeId,
    node_name: decision.nodeName,
    transport_address: decision.transportAddress,
    node_attributes: { ...decision.attributes },
    node_decision: decision.decision,
    weight_ranking: decision.weightRanking,
    ...(() => {
      const shown = decision.deciders.filter((d) => includeYes || d.decision !== 'YES');
      return shown.length === 0 ? {} : { deciders: shown.map((d) => ({ decider: d.decider, decision: d.decision, explanation: d.explanation })) };
    })(),
  }));
  const common = { index: target.index, shard: target.shard, primary: target.primary, current_state: target.state.toLowerCase() };
  if (target.state === 'UNASSIGNED') {
    const yes = decisions.some((decision) => decision.decision === 'yes');
    return {
      ...common,
      unassigned_info: { reason: target.unassigned_info?.reason, at: target.unassigned_info?.at, last_allocation_status: target.unassigned_info?.allocation_status },
      can_allocate: yes ? 'yes' : target.unassigned_info?.allocation_status === 'no_valid_shard_copy' ? 'no_valid_shard_copy' : 'no',
      allocate_explanation: yes
        ? 'Elasticsearch can allocate the shard.'
        : target.unassigned_info?.allocation_status === 'no_valid_shard_copy'
          ? 'Elasticsearch cannot allocate this shard because all the copies of this shard are either stale or corrupt.'
          : "Elasticsearch isn't allowed to allocate this shard to any of the nodes in the cluster. Choose a node to which you expect this shard to be allocated, find this node in the node-by-node explanation, and address the reasons which prevent Elasticsearch from allocating this shard there.",
      node_allocation_decisions: rendered,
    };
  }
  const current = state.nodes[target.node!];
  return {
    ...common,
    current_node: { id: target.node, name: current?.name, transport_address: current?.transport_address, attributes: { ...(current?.attributes ?? {}) } },
    can_remain_on_current_node: 'yes',
    can_rebalance_cluster: 'yes',
    can_rebalance_to_other_node: 'no',
    rebalance_explanation: 'Elasticsearch cannot rebalance this shard to another node since there is no node to which allocation is permitted which would improve the cluster balance.',
  };
}

/**
 * `GET /_nodes[/{target}]` and `GET /_nodes/{node_id}/{metric}` over the published nodes. As in the
 * single-node route, a lone `{target}` is a metric list when every part names a node-info metric
 * (`/_nodes/http`), else a node filter. The published state knows each node's `http` and
 * `transport` addresses: a metric list keeps those it names.
 */
export function nodesInfoFromState(state: ClusterState, target: string | undefined, localNodeId: string, metric?: string): Record<string, unknown> {
  const targetIsMetrics = metric === undefined && target !== undefined && target.split(',').every((part) => NODE_INFO_METRICS.has(part.trim()));
  const filter = targetIsMetrics ? undefined : target;
  const metricList = metric ?? (targetIsMetrics ? target : undefined);
  const metrics = metricList === undefined ? undefined : new Set(metricList.split(',').map((part) => part.trim()));
  const wants = (name: string): boolean => metrics === undefined || metrics.has(name) || metrics.has('_all');
  const wanted = (id: string, node: DiscoveryNode): boolean => {
    if (filter === undefined) return true;
    return filter.split(',').some((part) => part === '_all' || part === '*' || part === id || part === node.name || (part === '_local' && id === localNodeId) || (part === '_master' && id === state.master_node) || (part === 'master:true' && isMasterEligible(node)) || (part === 'data:true' && isDataNode(node)));
  };
  const entries = Object.entries(state.nodes).filter(([id, node]) => wanted(id, node));
  return {
    _nodes: { total: entries.length, successful: entries.length, failed: 0 },
    cluster_name: state.cluster_name,
    nodes: Object.fromEntries(
      entries.map(([id, node]) => [
        id,
        {
          name: node.name,
          transport_address: node.transport_address,
          host: hostOf(node.transport_address),
          ip: hostOf(node.transport_address),
          version: node.version,
          roles: [...node.roles].sort(),
          attributes: { ...node.attributes },
          ...(node.http_address === undefined || !wants('http') ? {} : { http: { publish_address: node.http_address, bound_address: [node.http_address] } }),
          ...(wants('transport') ? { transport: { publish_address: node.transport_address, bound_address: [node.transport_address] } } : {}),
        },
      ]),
    ),
  };
}

function coordinationRoutes(coordinator: EtcdCoordinator, options: CoordinationWiringOptions): Route[] {
  const { indices, config } = options;
  const stateRoute = (path: string): Route => ({
    method: 'GET',
    path,
    action: 'cluster:monitor/state',
    scope: 'cluster',
    // `local` and `master_timeout`: every node answers from the state it applied (always local).
    params: ['local', 'master_timeout', 'flat_settings', 'wait_for_metadata_version', 'wait_for_timeout'],
    handle: async (request) => {
      const wanted = request.query['wait_for_metadata_version'];
      if (wanted === undefined) return { status: 200, body: renderPublishedState(coordinator.state(), request, indices) };
      if (!/^\d+$/.test(wanted)) throw errors.illegalArgument(`failed to parse [wait_for_metadata_version] value [${wanted}]`);
      // TransportClusterStateAction waits for the metadata version (not the state version, which
      // routing changes move too); RestClusterStateAction puts the flag first whenever it was asked.
      const met = await coordinator.waitForState((state) => metadataVersionOf(state) >= Number(wanted), parseTimeout(request.query['wait_for_timeout'], 60_000));
      // Timed out: the flag and the cluster name, no state.
      if (!met) return { status: 200, body: { wait_for_timed_out: true, cluster_name: coordinator.state().cluster_name } };
      return { status: 200, body: { wait_for_timed_out: false, ...renderPublishedState(coordinator.state(), request, indices) } };
    },
  });
  const health = async (request: RestRequest): Promise<RestResponse> => {
    const timeoutMs = parseTimeout(request.query['timeout'], healthTimeoutMs);
    const waitNodes = request.query['wait_for_nodes'] === undefined ? undefined : parseWaitForNodes(request.query['wait_for_nodes']);
    // Any case, as one node reads it (Elasticsearch's enum lookup and its refusal).
    const waitStatus = parseStatus(request.query['wait_for_status']);
    const expression = request.params['index'];
    // ClusterHealthRequest's indices options expand to closed indices too: their copies are counted.
    const names = expression === undefined ? undefined : indices.resolve(expression, { ignoreUnavailable: false, allowNoIndices: true, expandWildcards: new Set(['open', 'closed']) }).map((handle) => handle.name);
    const level = request.query['level'] ?? 'cluster';
    if (!['cluster', 'indices', 'shards'].includes(level)) throw errors.illegalArgument(`No enum constant org.elasticsearch.action.admin.cluster.health.ClusterHealthRequest.Level.${level.toUpperCase()}`);
    const noRelocating = request.query['wait_for_no_relocating_shards'] === 'true';
    const noInitializing = request.query['wait_for_no_initializing_shards'] === 'true';
    const activeShards = request.query['wait_for_active_shards'];
    if (activeShards !== undefined && activeShards !== 'all' && !/^\d+$/.test(activeShards)) throw errors.illegalArgument(`failed to parse [wait_for_active_shards] value [${activeShards}]`);
    const satisfied = (state: ClusterState): boolean => {
      const counts = healthCounts(state, names);
      const total = allShardRoutings(state).filter((copy) => (names === undefined || names.includes(copy.index)) && !(copy.state === 'INITIALIZING' && copy.relocating_node !== null)).length;
      return (
        (waitNodes === undefined || waitNodes(Object.keys(state.nodes).length)) &&
        (waitStatus === undefined || statusRank[healthStatusOf(state, names)] <= statusRank[waitStatus]) &&
        (!noRelocating || counts['relocating_shards'] === 0) &&
        (!noInitializing || counts['initializing_shards'] === 0) &&
        (activeShards === undefined || counts['active_shards']! >= (activeShards === 'all' ? total : Number(activeShards)))
      );
    };
    const waiting = waitNodes !== undefined || waitStatus !== undefined || noRelocating || noInitializing || activeShards !== undefined;
    // Strait's lag objective: a follower past its `max_lag` makes the health at most yellow (its
    // tasks are asked on every node), for the status `wait_for_status` waits for as for the one
    // reported (the one-node rule, statusWithLagObjective). The shard part waits on applied
    // states; the lag part, which moves with time rather than with states, is asked again every
    // healthLagPollMs until the wanted status or the timeout.
    const laggingFollowers = async (): Promise<string[]> => ((await options.followersPastLagObjective?.()) ?? []).filter((name) => names === undefined || names.includes(name));
    const deadlineMs = options.nowMs() + Math.min(timeoutMs, healthWaitMsMax);
    let met = true;
    let lagging: string[];
    let state: ClusterState;
    for (;;) {
      const shardsMet = waiting ? await coordinator.waitForState(satisfied, Math.max(0, deadlineMs - options.nowMs())) : true;
      lagging = await laggingFollowers();
      state = coordinator.state();
      if (!waiting) break;
      met = shardsMet && satisfied(state) && (waitStatus === undefined || statusSatisfies(statusWithLagObjective(healthStatusOf(state, names), lagging), waitStatus));
      if (met || !shardsMet || options.nowMs() >= deadlineMs) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(healthLagPollMs, Math.max(1, deadlineMs - options.nowMs()))));
    }
    const { unassigned_primary_shards: _unassignedPrimaries, ...figures } = clusterHealthFigures(state, names, lagging);
    const body: Record<string, unknown> = {
      cluster_name: state.cluster_name,
      timed_out: !met,
      ...figures,
      delayed_unassigned_shards: 0,
      number_of_pending_tasks: 0,
      number_of_in_flight_fetch: 0,
      task_max_waiting_in_queue_millis: 0,
    };
    // Strait's addition: whether this node can reach the coordination service (etcd). Without it the
    // node keeps serving reads from the last state it applied, and the state shown may be stale.
    body['coordination'] = coordinator.available()
      ? { available: true, master_node: state.master_node }
      : { available: false, reason: `etcd at [${config.coordination!.endpoints.join(', ')}] is unreachable; serving the last applied cluster state (version ${state.version})` };
    if (lagging.length > 0) body['ccr_followers_past_max_lag'] = lagging;
    const order = ['cluster_name', 'status', 'timed_out', 'number_of_nodes', 'number_of_data_nodes', 'active_primary_shards', 'active_shards', 'relocating_shards', 'initializing_shards', 'unassigned_shards', 'delayed_unassigned_shards', 'number_of_pending_tasks', 'number_of_in_flight_fetch', 'task_max_waiting_in_queue_millis', 'active_shards_percent_as_number', ...(lagging.length > 0 ? ['ccr_followers_past_max_lag'] : []), 'coordination'];
    const ordered: Record<string, unknown> = Object.fromEntries(order.map((key) => [key, body[key]]));
    if (level !== 'cluster') {
      // ClusterIndexHealth per index (and ClusterShardHealth per shard with level=shards).
      const perIndex: Record<string, unknown> = {};
      for (const name of Object.keys(state.routing_table.indices).sort()) {
        if (names !== undefined && !names.includes(name)) continue;
        const metadata = state.metadata.indices[name]!;
        const entry: Record<string, unknown> = {
          status: healthStatusOf(state, [name]),
          number_of_shards: Number(metadata.settings['index.number_of_shards'] ?? '1'),
          number_of_replicas: Number(metadata.settings['index.number_of_replicas'] ?? '1'),
          ...healthCounts(state, [name]),
        };
        delete entry['active_shards_percent_as_number'];
        if (level === 'shards') {
          entry['shards'] = Object.fromEntries(
            Object.entries(state.routing_table.indices[name]!.shards).map(([shard, copies]) => {
              const single: ClusterState = { ...state, routing_table: { indices: { [name]: { shards: { [shard]: copies } } } } };
              const shardCounts = healthCounts(single, [name]);
              return [shard, { status: healthStatusOf(single, [name]), primary_active: copies.some((copy) => copy.primary && (copy.state === 'STARTED' || copy.state === 'RELOCATING')), active_shards: shardCounts['active_shards'], relocating_shards: shardCounts['relocating_shards'], initializing_shards: shardCounts['initializing_shards'], unassigned_shards: shardCounts['unassigned_shards'] }];
            }),
          );
        }
        perIndex[name] = entry;
      }
      ordered['indices'] = perIndex;
    }
    return { status: met ? 200 : 408, body: ordered };
  };
  /** `_cat/health`: the figures multi-node `_cluster/health` reports (clusterHealthFigures), lag objective included. */
  const catHealth = async (request: RestRequest): Promise<RestResponse> => {
    const state = coordinator.state();
    const lagging = (await options.followersPastLagObjective?.()) ?? [];
    const figures = clusterHealthFigures(state, undefined, lagging);
    return renderCatHealth(request, options.nowMs(), {
      clusterName: state.cluster_name,
      status: figures.status,
      nodes: figures.number_of_nodes,
      dataNodes: figures.number_of_data_nodes,
      activeShards: figures.active_shards,
      activePrimaryShards: figures.active_primary_shards,
      relocatingShards: figures.relocating_shards,
      initializingShards: figures.initializing_shards,
      unassignedShards: figures.unassigned_shards,
      unassignedPrimaryShards: figures.unassigned_primary_shards,
      activeShardsPercent: figures.active_shards_percent_as_number,
    });
  };
  /** `_cat/master`: the applied state's elected master, the same through every node (`-` cells while none is elected, as Elasticsearch prints them). */
  const catMaster = (request: RestRequest): RestResponse => {
    const state = coordinator.state();
    const master = state.master_node === null || state.master_node === undefined ? undefined : state.nodes[state.master_node];
    if (master === undefined) return renderCatMaster(request, { id: '-', host: '-', ip: '-', node: '-' });
    const host = hostOf(master.http_address || master.transport_address);
    return renderCatMaster(request, { id: state.master_node!, host, ip: host, node: master.name });
  };
  /** `timeout` is checked: the answer comes from the state this node applied, there is no node to wait for. */
  const nodesInfo = (request: RestRequest, target: string | undefined, metric?: string): RestResponse => {
    nodesRequestTimeoutMs(request, 0);
    return { status: 200, body: nodesInfoFromState(coordinator.state(), target, options.nodeId, metric) };
  };
  const explain = (request: RestRequest): RestResponse => ({ status: 200, body: explainBody(coordinator.state(), request, request.query['include_yes_decisions'] === 'true') });
  return [
    stateRoute('/_cluster/state'),
    stateRoute('/_cluster/state/:metric'),
    stateRoute('/_cluster/state/:metric/:index'),
    ...['/_cluster/health', '/_cluster/health/:index'].map(
      (path): Route => ({
        method: 'GET',
        path,
        action: 'cluster:monitor/health',
        scope: 'cluster',
        params: ['timeout', 'wait_for_nodes', 'wait_for_status', 'level', 'local', 'master_timeout', 'wait_for_active_shards', 'wait_for_no_relocating_shards', 'wait_for_no_initializing_shards'],
        handle: (request) => health(request),
      }),
    ),
    { method: 'GET', path: '/_cat/health', action: 'cluster:monitor/health', scope: 'cluster', params: [...CAT_PARAMS, 'ts', 'time'], handle: catHealth },
    { method: 'GET', path: '/_cat/master', action: 'cluster:monitor/state', scope: 'cluster', params: CAT_NODE_PARAMS, handle: catMaster },
    // No `flat_settings`: the published state has no node's settings, so there is no settings section to shape.
    { method: 'GET', path: '/_nodes', action: 'cluster:monitor/nodes/info', scope: 'cluster', params: ['timeout'], handle: (request) => nodesInfo(request, undefined) },
    { method: 'GET', path: '/_nodes/:target', action: 'cluster:monitor/nodes/info', scope: 'cluster', params: ['timeout'], handle: (request) => nodesInfo(request, request.params['target']) },
    { method: 'GET', path: '/_nodes/:nodeId/:metric', action: 'cluster:monitor/nodes/info', scope: 'cluster', params: ['timeout'], handle: (request) => nodesInfo(request, request.params['nodeId'], request.params['metric']) },
    ...(['GET', 'POST'] as const).map((method): Route => ({ method, path: '/_cluster/allocation/explain', action: 'cluster:monitor/allocation/explain', scope: 'cluster', params: ['include_yes_decisions', 'master_timeout'], handle: explain })),
  ];
}

/** Index-level write actions that go through the master in multi-node mode. */
export const masterRoutedActions: ReadonlySet<string> = new Set([
  'indices:admin/create',
  'indices:admin/delete',
  'indices:admin/mapping/put',
  'indices:admin/settings/update',
  'cluster:admin/settings/update',
  'indices:admin/aliases',
  'indices:admin/rollover',
  'indices:admin/data_stream/create',
  'indices:admin/data_stream/delete',
  'indices:admin/data_stream/promote',
]);

