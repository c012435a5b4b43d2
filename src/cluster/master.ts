/**
 * The elected master's state machine (pure, style.md P1): `stepMaster(state, event, input)` returns
 * the next cluster state to publish (version + 1, a new `state_uuid`, the master's term) or the
 * same state when nothing changed, or the error to answer the request with. The shell
 * (etcd-coordinator.ts) publishes the result with a compare-and-swap on etcd and feeds the next
 * event only after that; time, the new state uuid and new allocation ids arrive in `input`.
 *
 * Index-level changes (create, delete, mappings, settings) arrive as events from any node (the
 * shell forwards them); membership changes arrive from etcd (the live node keys); shard reports
 * from the data plane (`internal:cluster/shard/started`, `internal:cluster/shard/failure`).
 */
import { EsError, errors } from '../common/index.js';
import { allocate, failShard, startShard } from './allocation.js';
import type { ClusterState, DataStreamState, DiscoveryNode, IndexMetadata, ShardRouting, ShardStateReport } from './state.js';
import { clusterStateViolation, dataStreamsOf, metadataVersionOf } from './state.js';

export type MasterEvent =
  /** This node won the election with `term`: it takes over the last published state. */
  | { readonly kind: 'elected'; readonly nodeId: string; readonly term: number; readonly nodes: Readonly<Record<string, DiscoveryNode>> }
  | { readonly kind: 'nodes_changed'; readonly nodes: Readonly<Record<string, DiscoveryNode>> }
  | ({ readonly kind: 'create_index' } & CreateIndexRequest)
  | { readonly kind: 'delete_index'; readonly name: string }
  /**
   * `indices:admin/data_stream/create` and a first write through a data stream template
   * (MetadataCreateDataStreamService): the stream and its first backing index in one step, so no
   * node ever applies one without the other; two nodes auto-creating one stream at once end with
   * the stream of the first request the master takes, the other refused.
   */
  | {
      readonly kind: 'create_data_stream';
      readonly name: string;
      readonly template: string;
      readonly hidden: boolean;
      readonly meta?: Readonly<Record<string, unknown>>;
      readonly timestampField: string;
      readonly backingIndex: CreateIndexRequest;
    }
  /**
   * Rollover of a data stream (MetadataRolloverService): the new backing index and the generation
   * bump in one step. `generation` is the one the node rolled over from: a stream another request
   * rolled over meanwhile is refused rather than rolled twice.
   */
  | { readonly kind: 'rollover_data_stream'; readonly name: string; readonly generation: number; readonly backingIndex: CreateIndexRequest }
  /** `indices:admin/data_stream/delete`: the streams and all their backing indices in one step. */
  | { readonly kind: 'delete_data_streams'; readonly names: readonly string[] }
  /**
   * Cross-cluster replication's put-follow of a leader data stream's backing index
   * (TransportPutFollowAction.updateLocalDataStream, in the restore's cluster state update): the
   * follower index and its place in the local replicated data stream in one step. The stream is
   * made on first use (`replicated: true`); an existing stream must still be replicated (another
   * node may have promoted it meanwhile). Backing indices stay ordered by generation, so the
   * newest is the write index whatever order they are followed in.
   */
  | {
      readonly kind: 'follow_backing_index';
      readonly name: string;
      readonly template: string;
      readonly hidden: boolean;
      readonly timestampField: string;
      readonly backingIndex: CreateIndexRequest;
    }
  /** `indices:admin/data_stream/promote` (PromoteDataStreamTransportAction): a replicated stream becomes an ordinary one. */
  | { readonly kind: 'promote_data_stream'; readonly name: string }
  | { readonly kind: 'put_mapping'; readonly name: string; readonly mappings: Readonly<Record<string, unknown>> }
  /** Dynamic index settings (`index.number_of_replicas`, allocation filters...), flat; null removes. */
  | { readonly kind: 'update_settings'; readonly name: string; readonly settings: Readonly<Record<string, string | null>> }
  /**
   * Cross-cluster replication: static settings a follower index took from its leader after it was
   * made (a leader closed, updated and reopened; the follower shard's task read them), from the
   * node whose task took them, so every copy gets them (Elasticsearch's follow task closes the
   * follower, updates its settings through the master and reopens it). Refused for an index that
   * is not a follower of that uuid; flat; null removes.
   */
  | { readonly kind: 'follower_leader_settings'; readonly name: string; readonly uuid: string; readonly settings: Readonly<Record<string, string | null>> }
  | { readonly kind: 'cluster_settings'; readonly persistent: Readonly<Record<string, string | null>> }
  /**
   * `indices:admin/aliases` (IndicesAliasesRequest, PUT/DELETE `/{index}/_alias/{name}`): every
   * alias change of one request, and the indices its `remove_index` actions delete, applied as one
   * step, so a request moving an alias (or its write index) between indices never publishes half.
   */
  | { readonly kind: 'update_aliases'; readonly changes: readonly AliasChange[]; readonly deleteIndices: readonly string[] }
  /**
   * `indices:admin/close` (MetadataIndexStateService.closeIndices): the indices' state becomes
   * `close`; their routing tables stay, so every node knows which copies it holds (closed) and a
   * reopen brings each copy back where its data is. Nodes close their copies when they apply it.
   */
  | { readonly kind: 'close_indices'; readonly names: readonly string[] }
  /**
   * `indices:admin/open` (MetadataIndexStateService.openIndices): the indices' state becomes `open`;
   * each assigned copy initializes again on its node (primaries from their existing store, replicas
   * from their primary), so health goes red or yellow until they have started again.
   */
  | { readonly kind: 'open_indices'; readonly names: readonly string[] }
  | { readonly kind: 'shard_report'; readonly report: ShardStateReport };

/** A new index as the node that created it locally describes it (validated there by the index layer). */
export interface CreateIndexRequest {
  readonly name: string;
  readonly uuid: string;
  /** Flat `index.*` settings, already validated by the index layer. */
  readonly settings: Readonly<Record<string, string>>;
  readonly mappings: Readonly<Record<string, unknown>>;
  readonly aliases: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly routingNumShards: number;
}

/** One alias of one index set to `definition` (filter, index/search routing, is_write_index, is_hidden), or removed (null). */
export interface AliasChange {
  readonly index: string;
  readonly alias: string;
  readonly definition: Readonly<Record<string, unknown>> | null;
}

export interface MasterInput {
  readonly nowIso: string;
  readonly stateUuid: string;
  readonly newAllocationId: () => string;
  /**
   * Folds a put-mapping into the published mapping of an index with these settings (the index
   * layer's merge and field limits, given by the shell); throws the EsError to answer with when the
   * update conflicts or the merged mapping passes a limit.
   */
  readonly mergeMappings: (published: Readonly<Record<string, unknown>>, incoming: Readonly<Record<string, unknown>>, settings: Readonly<Record<string, string>>) => Record<string, unknown>;
  /** Whether a running index may change this flat setting (the index layer's dynamic flags, given by the shell). */
  readonly isDynamicIndexSetting: (key: string) => boolean;
}

export type MasterResult = { readonly ok: true; readonly state: ClusterState; readonly changed: boolean } | { readonly ok: false; readonly error: EsError };

function applySettings(base: Readonly<Record<string, string>>, changes: Readonly<Record<string, string | null>>): Record<string, string> {
  const next: Record<string, string> = { ...base };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

export function stepMaster(state: ClusterState, event: MasterEvent, input: MasterInput): MasterResult {
  const ctx = { nowIso: input.nowIso, newAllocationId: input.newAllocationId };
  let next: ClusterState;
  switch (event.kind) {
    case 'elected': {
      if (event.term <= state.term) return { ok: false, error: errors.illegalState(`term [${event.term}] is not above the published term [${state.term}]`) };
      next = { ...state, term: event.term, master_node: event.nodeId, nodes: event.nodes, metadata: { ...state.metadata, cluster_coordination: { term: event.term } } };
      break;
    }
    case 'nodes_changed':
      next = { ...state, nodes: event.nodes, master_node: state.master_node !== null && event.nodes[state.master_node] !== undefined ? state.master_node : null };
      break;
    case 'create_index': {
      // Already created under this uuid: another request of the same node sent it too (a node sends
      // every local change the published state lacks), so this one is done as well. The same holds
      // for the data stream steps below, by the backing index's uuid.
      if (state.metadata.indices[event.name]?.settings['index.uuid'] === event.uuid) return { ok: true, state, changed: false };
      const created = withNewIndex(state, event);
      if (!created.ok) return created;
      next = created.state;
      break;
    }
    case 'delete_index': {
      const deleted = withoutIndices(state, [event.name]);
      if (!deleted.ok) return deleted;
      next = deleted.state;
      break;
    }
    case 'create_data_stream': {
      if (inStream(state, event.name, event.backingIndex.uuid)) return { ok: true, state, changed: false };
      if (dataStreamsOf(state)[event.name] !== undefined) return { ok: false, error: errors.dataStreamExists(event.name) };
      const existing = state.metadata.indices[event.name];
      if (existing !== undefined) return { ok: false, error: errors.resourceAlreadyExists(event.name, existing.settings['index.uuid'] ?? '_na_') };
      if (Object.values(state.metadata.indices).some((metadata) => metadata.aliases[event.name] !== undefined)) {
        return { ok: false, error: errors.illegalArgument(`data_stream [${event.name}] conflicts with an existing alias`) };
      }
      const created = withNewIndex(state, event.backingIndex);
      if (!created.ok) return created;
      const stream: DataStreamState = {
        name: event.name,
        timestamp_field: { name: event.timestampField },
        indices: [{ index_name: event.backingIndex.name, index_uuid: event.backingIndex.uuid }],
        generation: 1,
        ...(event.meta !== undefined ? { _meta: event.meta } : {}),
        hidden: event.hidden,
        replicated: false,
        system: false,
        allow_custom_routing: false,
        template: event.template,
      };
      next = withDataStreams(created.state, { ...dataStreamsOf(state), [event.name]: stream });
      break;
    }
    case 'rollover_data_stream': {
      if (inStream(state, event.name, event.backingIndex.uuid)) return { ok: true, state, changed: false };
      const stream = dataStreamsOf(state)[event.name];
      if (stream === undefined) return { ok: false, error: errors.indexNotFound(event.name) };
      // The node checked its own copy; the published stream is the one that counts (one deleted and followed again meanwhile is replicated).
      if (stream.replicated) return { ok: false, error: errors.illegalArgument(`data stream [${event.name}] cannot be rolled over, because it is a replicated data stream`) };
      if (stream.generation !== event.generation) {
        return { ok: false, error: errors.illegalArgument(`data stream [${event.name}] was rolled over meanwhile: its generation is [${stream.generation}], not [${event.generation}]`) };
      }
      const created = withNewIndex(state, event.backingIndex);
      if (!created.ok) return created;
      const rolled: DataStreamState = { ...stream, indices: [...stream.indices, { index_name: event.backingIndex.name, index_uuid: event.backingIndex.uuid }], generation: stream.generation + 1 };
      next = withDataStreams(created.state, { ...dataStreamsOf(state), [event.name]: rolled });
      break;
    }
    case 'delete_data_streams': {
      const streams = { ...dataStreamsOf(state) };
      const backing: string[] = [];
      // A stream another request deleted meanwhile is already gone: nothing left to do for it.
      for (const name of event.names) {
        const stream = streams[name];
        if (stream === undefined) continue;
        backing.push(...stream.indices.map((index) => index.index_name));
        delete streams[name];
      }
      const deleted = withoutIndices(withDataStreams(state, streams), backing);
      if (!deleted.ok) return deleted;
      next = deleted.state;
      break;
    }
    case 'follow_backing_index': {
      if (inStream(state, event.name, event.backingIndex.uuid)) return { ok: true, state, changed: false };
      const followed = withFollowerBackingIndex(state, event);
      if (!followed.ok) return followed;
      next = followed.state;
      break;
    }
    case 'promote_data_stream': {
      const stream = dataStreamsOf(state)[event.name];
      if (stream === undefined) return { ok: false, error: errors.resourceNotFound(`data stream [${event.name}] does not exist`) };
      if (!stream.replicated) return { ok: true, state, changed: false };
      next = withDataStreams(state, { ...dataStreamsOf(state), [event.name]: { ...stream, replicated: false } });
      break;
    }
    case 'put_mapping': {
      const metadata = state.metadata.indices[event.name];
      if (metadata === undefined) return { ok: false, error: errors.indexNotFound(event.name) };
      // Merged, not replaced: two primaries adding different dynamic fields at once both keep theirs.
      let mappings: Record<string, unknown>;
      try {
        mappings = input.mergeMappings(metadata.mappings, event.mappings, metadata.settings);
      } catch (error) {
        if (error instanceof EsError) return { ok: false, error };
        throw error;
      }
      if (JSON.stringify(metadata.mappings) === JSON.stringify(mappings)) return { ok: true, state, changed: false };
      next = withIndex(state, event.name, { ...metadata, mappings, version: metadata.version + 1, mapping_version: metadata.mapping_version + 1 });
      break;
    }
    case 'update_settings': {
      const metadata = state.metadata.indices[event.name];
      if (metadata === undefined) return { ok: false, error: errors.indexNotFound(event.name) };
      const fixed = Object.keys(event.settings).find((key) => !input.isDynamicIndexSetting(key));
      if (fixed !== undefined) return { ok: false, error: errors.illegalArgument(`Can't update non dynamic settings [[${fixed}]] for open indices [[${event.name}/${metadata.settings['index.uuid']}]]`) };
      const replicas = event.settings['index.number_of_replicas'];
      if (replicas !== undefined && replicas !== null && !/^\d+$/.test(replicas)) {
        return { ok: false, error: errors.illegalArgument(`Failed to parse value [${replicas}] for setting [index.number_of_replicas] must be >= 0`) };
      }
      next = withIndex(state, event.name, { ...metadata, settings: applySettings(metadata.settings, event.settings), version: metadata.version + 1, settings_version: metadata.settings_version + 1 });
      break;
    }
    case 'follower_leader_settings': {
      const metadata = state.metadata.indices[event.name];
      if (metadata === undefined || metadata.settings['index.uuid'] !== event.uuid) return { ok: false, error: errors.indexNotFound(event.name) };
      if (metadata.settings['index.xpack.ccr.following_index'] !== 'true') return { ok: false, error: errors.illegalArgument(`index [${event.name}] is not a follower index; its static settings cannot change while it is open`) };
      const settings = applySettings(metadata.settings, event.settings);
      if (JSON.stringify(settings) === JSON.stringify(metadata.settings)) return { ok: true, state, changed: false };
      next = withIndex(state, event.name, { ...metadata, settings, version: metadata.version + 1, settings_version: metadata.settings_version + 1 });
      break;
    }
    case 'update_aliases': {
      const applied = applyAliasChanges(state, event.changes, event.deleteIndices);
      if (!applied.ok) return applied;
      next = applied.state;
      break;
    }
    case 'close_indices':
    case 'open_indices': {
      const missing = event.names.find((name) => state.metadata.indices[name] === undefined);
      if (missing !== undefined) return { ok: false, error: errors.indexNotFound(missing) };
      // A data stream's write index stays open (MetadataIndexStateService, as on one node).
      const writeIndices = event.kind === 'close_indices' ? event.names.filter((name) => Object.values(dataStreamsOf(state)).some((stream) => stream.indices[stream.indices.length - 1]?.index_name === name)) : [];
      if (writeIndices.length > 0) return { ok: false, error: errors.illegalArgument(`cannot close the following data stream write indices [${writeIndices.join(',')}]`) };
      next = event.kind === 'close_indices' ? closeIndices(state, event.names) : openIndices(state, event.names, input.nowIso);
      break;
    }
    case 'cluster_settings':
      next = { ...state, metadata: { ...state.metadata, persistent_settings: applySettings(state.metadata.persistent_settings, event.persistent) } };
      break;
    case 'shard_report': {
      const report = event.report;
      const term = state.metadata.indices[report.index]?.primary_terms[String(report.shard)];
      if (term === undefined) return { ok: true, state, changed: false };
      // A failure report from a primary of an older term is refused: that primary was replaced and
      // must not acknowledge the write it was replicating (ShardFailedClusterStateTaskExecutor).
      if (report.kind === 'shard_failed' && report.primaryTerm < term) {
        return { ok: false, error: errors.noLongerPrimaryShard(report.index, report.shard, `primary term [${report.primaryTerm}] did not match current primary term [${term}]`) };
      }
      // A started report of an older term is stale (the copy was replaced meanwhile): ignored.
      if (report.primaryTerm < term) return { ok: true, state, changed: false };
      // A closed index's copies are closed on their nodes: a replica refusing a write because it
      // closed is not a failed copy (it keeps its place for the reopen), and the primary that was
      // replicating that write must not acknowledge it; a started report changes nothing either.
      if (state.metadata.indices[report.index]!.state === 'close') {
        if (report.kind === 'shard_failed') return { ok: false, error: errors.indexClosed(report.index, state.metadata.indices[report.index]!.settings['index.uuid']) };
        return { ok: true, state, changed: false };
      }
      next = report.kind === 'shard_started' ? startShard(state, report.index, report.shard, report.allocationId) : failShard(state, report.index, report.shard, report.allocationId, report.message, report.markAsStale, ctx);
      break;
    }
  }
  next = allocate(next, ctx);
  if (sameContent(state, next)) return { ok: true, state, changed: false };
  // Metadata.version moves only when the metadata changed (MetadataUpdateSettingsService and the
  // others build a new Metadata; a reroute or a node joining leaves it alone).
  const metadataVersion = metadataVersionOf(state) + (sameMetadata(state, next) ? 0 : 1);
  const published: ClusterState = { ...next, version: state.version + 1, state_uuid: input.stateUuid, metadata: { ...next.metadata, version: metadataVersion } };
  const violation = clusterStateViolation(published);
  // A master that computed a malformed state has a bug; publishing it would spread it (style.md P3).
  if (violation !== undefined) throw new Error(`refusing to publish cluster state version ${published.version}: ${violation}`);
  return { ok: true, state: published, changed: true };
}

/**
 * The published state with an alias request's changes, checked against that state (a node checked
 * them against its own copy, which another node's request may have changed meanwhile, as
 * MetadataIndexAliasesService re-validates on the master): every index exists, no alias is named
 * like an index, and an alias has at most one write index.
 */
function applyAliasChanges(initial: ClusterState, changes: readonly AliasChange[], deleteIndices: readonly string[]): MasterResult {
  const removed = withoutIndices(initial, deleteIndices);
  if (!removed.ok) return removed;
  const state = removed.state;
  const indices: Record<string, IndexMetadata> = { ...state.metadata.indices };
  const tables = { ...state.routing_table.indices };
  const touched = new Set<string>();
  for (const change of changes) {
    const metadata = indices[change.index];
    if (metadata === undefined) return { ok: false, error: errors.indexNotFound(change.index) };
    const aliases = { ...metadata.aliases };
    if (change.definition === null) {
      if (aliases[change.alias] === undefined) continue;
      delete aliases[change.alias];
    } else {
      if (indices[change.alias] !== undefined || dataStreamsOf(state)[change.alias] !== undefined) {
        return { ok: false, error: errors.invalidAliasName(change.alias, 'an index or data stream exists with the same name as the alias') };
      }
      if (JSON.stringify(aliases[change.alias]) === JSON.stringify(change.definition)) continue;
      aliases[change.alias] = change.definition;
    }
    // One version step per index and request, however many of its aliases changed.
    const bump = touched.has(change.index) ? 0 : 1;
    touched.add(change.index);
    indices[change.index] = { ...metadata, aliases, version: metadata.version + bump, aliases_version: metadata.aliases_version + bump };
  }
  const writers = new Map<string, string[]>();
  for (const [name, metadata] of Object.entries(indices)) {
    for (const [alias, definition] of Object.entries(metadata.aliases)) if (definition['is_write_index'] === true) writers.set(alias, [...(writers.get(alias) ?? []), name]);
  }
  for (const [alias, names] of writers) {
    if (names.length > 1) return { ok: false, error: errors.illegalArgument(`alias [${alias}] has more than one write index [${names.sort().join(',')}]`) };
  }
  return { ok: true, state: { ...state, metadata: { ...state.metadata, indices }, routing_table: { indices: tables } }, changed: true };
}

/** The indices' state set to `close` (already closed ones unchanged); routing tables are kept. */
function closeIndices(state: ClusterState, names: readonly string[]): ClusterState {
  let next = state;
  for (const name of names) {
    const metadata = next.metadata.indices[name]!;
    if (metadata.state === 'close') continue;
    next = withIndex(next, name, { ...metadata, state: 'close', version: metadata.version + 1 });
  }
  return next;
}

/**
 * The indices' state set to `open` (already open ones unchanged). Every assigned copy initializes
 * again on the node holding its files, under its allocation id: a primary from its existing store,
 * a replica from its primary (RoutingTable.Builder.addAsFromCloseToOpen, but in place rather than
 * through the gateway allocator's search for the copies). Unassigned copies are marked
 * INDEX_REOPENED and placed by the allocation (a primary only on the node it was last on).
 */
function openIndices(state: ClusterState, names: readonly string[], nowIso: string): ClusterState {
  let next = state;
  for (const name of names) {
    const metadata = next.metadata.indices[name]!;
    if (metadata.state === 'open') continue;
    next = withIndex(next, name, { ...metadata, state: 'open', version: metadata.version + 1 });
    const table = next.routing_table.indices[name];
    if (table === undefined) continue;
    const shards: Record<string, ShardRouting[]> = {};
    for (const [shard, copies] of Object.entries(table.shards)) {
      shards[shard] = copies.map((copy): ShardRouting => {
        if (copy.node !== null && copy.allocation_id !== undefined) {
          return { state: 'INITIALIZING', primary: copy.primary, node: copy.node, relocating_node: null, shard: copy.shard, index: copy.index, allocation_id: copy.allocation_id, recovery_source: { type: copy.primary ? 'EXISTING_STORE' : 'PEER' } };
        }
        return { ...copy, unassigned_info: { ...copy.unassigned_info!, reason: 'INDEX_REOPENED', at: nowIso, allocation_status: 'no_attempt' } };
      });
    }
    next = { ...next, routing_table: { indices: { ...next.routing_table.indices, [name]: { shards } } } };
  }
  return next;
}

/** The state with a new open index (its routing table follows from allocation), or why not. */
function withNewIndex(state: ClusterState, request: CreateIndexRequest): MasterResult {
  const existing = state.metadata.indices[request.name];
  if (existing !== undefined) return { ok: false, error: errors.resourceAlreadyExists(request.name, existing.settings['index.uuid'] ?? '_na_') };
  if (dataStreamsOf(state)[request.name] !== undefined) return { ok: false, error: errors.invalidIndexName(request.name, 'already exists as data stream') };
  const shards = Number(request.settings['index.number_of_shards'] ?? '1');
  const metadata: IndexMetadata = {
    version: 1,
    mapping_version: 1,
    settings_version: 1,
    aliases_version: 1,
    routing_num_shards: request.routingNumShards,
    state: 'open',
    settings: { 'index.number_of_shards': '1', 'index.number_of_replicas': '1', ...request.settings, 'index.uuid': request.uuid },
    mappings: request.mappings,
    aliases: request.aliases,
    primary_terms: Object.fromEntries(Array.from({ length: shards }, (_, shard) => [String(shard), 1])),
    in_sync_allocations: Object.fromEntries(Array.from({ length: shards }, (_, shard) => [String(shard), []])),
  };
  return { ok: true, state: withIndex(state, request.name, metadata), changed: true };
}

/**
 * The state without these indices (metadata and routing table), each taken out of the data stream
 * it backs; a stream's write index stays (IndexDeletionService's rule, as on one node), and a
 * stream's last backing index goes only with the stream itself.
 */
function withoutIndices(state: ClusterState, names: readonly string[]): MasterResult {
  const indices = { ...state.metadata.indices };
  const tables = { ...state.routing_table.indices };
  const streams = { ...dataStreamsOf(state) };
  for (const name of names) {
    if (indices[name] === undefined) return { ok: false, error: errors.indexNotFound(name) };
    const stream = Object.values(streams).find((candidate) => candidate.indices.some((backing) => backing.index_name === name));
    if (stream !== undefined) {
      if (stream.indices[stream.indices.length - 1]!.index_name === name) {
        return { ok: false, error: errors.illegalArgument(`index [${name}] is the write index for data stream [${stream.name}] and cannot be deleted`) };
      }
      streams[stream.name] = { ...stream, indices: stream.indices.filter((backing) => backing.index_name !== name) };
    }
    delete indices[name];
    delete tables[name];
  }
  const without: ClusterState = { ...state, metadata: { ...state.metadata, indices }, routing_table: { indices: tables } };
  return { ok: true, state: state.metadata.data_stream === undefined ? without : withDataStreams(without, streams), changed: true };
}

/** The generation a backing index's name ends with (`.ds-<stream>-<date>-000002`); 0 for another name. */
function backingIndexGeneration(name: string): number {
  return Number(/-(\d+)$/.exec(name)?.[1] ?? '0');
}

/** The state with a follower backing index created and added to its local replicated data stream (made if absent), or why not. */
/** Is the index of this uuid a backing index of data stream `name` already? */
function inStream(state: ClusterState, name: string, uuid: string): boolean {
  return dataStreamsOf(state)[name]?.indices.some((index) => index.index_uuid === uuid) === true;
}

function withFollowerBackingIndex(state: ClusterState, event: Extract<MasterEvent, { kind: 'follow_backing_index' }>): MasterResult {
  const followerIndex = event.backingIndex.name;
  const existing = dataStreamsOf(state)[event.name];
  if (existing !== undefined && !existing.replicated) {
    return { ok: false, error: errors.illegalArgument(`cannot follow backing index [${followerIndex}], because local data stream [${event.name}] is no longer marked as replicated`) };
  }
  if (existing === undefined && (state.metadata.indices[event.name] !== undefined || Object.values(state.metadata.indices).some((metadata) => metadata.aliases[event.name] !== undefined))) {
    return { ok: false, error: errors.illegalArgument(`cannot follow backing index [${followerIndex}], because [${event.name}] is an index or alias, not a data stream`) };
  }
  const created = withNewIndex(state, event.backingIndex);
  if (!created.ok) return created;
  const entry = { index_name: followerIndex, index_uuid: event.backingIndex.uuid };
  const indices = [...(existing?.indices ?? []), entry].sort(
    (left, right) => backingIndexGeneration(left.index_name) - backingIndexGeneration(right.index_name) || (left.index_name < right.index_name ? -1 : 1),
  );
  const stream: DataStreamState = {
    name: event.name,
    timestamp_field: existing?.timestamp_field ?? { name: event.timestampField },
    indices,
    generation: Math.max(existing?.generation ?? 1, backingIndexGeneration(followerIndex)),
    ...(existing?._meta !== undefined ? { _meta: existing._meta } : {}),
    hidden: existing?.hidden ?? event.hidden,
    replicated: true,
    system: false,
    allow_custom_routing: false,
    template: existing?.template ?? event.template,
  };
  return { ok: true, state: withDataStreams(created.state, { ...dataStreamsOf(state), [event.name]: stream }), changed: true };
}

function withDataStreams(state: ClusterState, streams: Readonly<Record<string, DataStreamState>>): ClusterState {
  return { ...state, metadata: { ...state.metadata, data_stream: { data_stream: streams, data_stream_aliases: {} } } };
}

function withIndex(state: ClusterState, name: string, metadata: IndexMetadata): ClusterState {
  return { ...state, metadata: { ...state.metadata, indices: { ...state.metadata.indices, [name]: metadata } } };
}

/** Equal apart from version and uuid (unassigned timestamps count: they only change with a real change). */
function sameMetadata(a: ClusterState, b: ClusterState): boolean {
  return JSON.stringify({ ...a.metadata, version: 0 }) === JSON.stringify({ ...b.metadata, version: 0 });
}

function sameContent(a: ClusterState, b: ClusterState): boolean {
  return JSON.stringify({ ...a, version: 0, state_uuid: '' }) === JSON.stringify({ ...b, version: 0, state_uuid: '' });
}

/** ClusterHealthStatus of the routing table: red when a primary is not active, yellow when a replica is not, else green. */
export function healthStatusOf(state: ClusterState, indices?: readonly string[]): 'green' | 'yellow' | 'red' {
  let status: 'green' | 'yellow' | 'red' = 'green';
  for (const [index, table] of Object.entries(state.routing_table.indices)) {
    if (indices !== undefined && !indices.includes(index)) continue;
    for (const copies of Object.values(table.shards)) {
      for (const copy of copies) {
        if (copy.state === 'STARTED' || copy.state === 'RELOCATING') continue;
        if (copy.state === 'INITIALIZING' && copy.relocating_node !== null) continue;
        // A new index's primary that is still being created is yellow, not red (ClusterShardHealth.getInactivePrimaryHealth).
        const created = copy.recovery_source?.type === 'EMPTY_STORE' && (copy.state === 'INITIALIZING' || copy.unassigned_info?.allocation_status === 'no_attempt');
        if (copy.primary && !created) return 'red';
        status = 'yellow';
      }
    }
  }
  return status;
}
