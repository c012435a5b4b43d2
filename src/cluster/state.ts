/**
 * The cluster state of a multi-node cluster (`discovery.type: multi-node`), in Elasticsearch's
 * shapes so that what etcd stores, what every node applies and what `GET /_cluster/state` renders
 * are one value: `metadata.indices` (with `primary_terms` and `in_sync_allocations`),
 * `routing_table.indices.<index>.shards.<n>` lists of shard routings, and `nodes`.
 *
 * The elected master alone produces new states (version + 1, a new `state_uuid`, its `term`);
 * every node applies them in version order. This module is pure: types, lookups and the
 * invariants every published state must hold. It is the contract between coordination
 * (membership, election, allocation, publication through etcd) and the data plane (replication,
 * recovery, shard-level search), and it only grows by optional fields.
 *
 * References: ClusterState.toXContentChunked, DiscoveryNode.toXContent, IndexMetadata.toXContent,
 * ShardRouting.toXContent, UnassignedInfo.toXContent, RecoverySource, AllocationId.
 */

/** ShardRoutingState. RELOCATING is listed for completeness; Strait's allocation never relocates in place (it adds a copy, then drops one). */
export type ShardRoutingState = 'UNASSIGNED' | 'INITIALIZING' | 'STARTED' | 'RELOCATING';

/** AllocationId.toXContent: the id of one copy, stable over the copy's life. */
export interface AllocationId {
  readonly id: string;
}

/** RecoverySource.Type: where an initializing copy gets its data. */
export type RecoverySourceType = 'EMPTY_STORE' | 'EXISTING_STORE' | 'PEER';

/** UnassignedInfo.Reason (the ones Strait's allocation produces). */
export type UnassignedReason = 'INDEX_CREATED' | 'REPLICA_ADDED' | 'NODE_LEFT' | 'ALLOCATION_FAILED' | 'PRIMARY_FAILED' | 'INDEX_REOPENED' | 'CLUSTER_RECOVERED';

/** UnassignedInfo.AllocationStatus, lower-case as rendered. */
export type AllocationStatus = 'no_attempt' | 'no_valid_shard_copy' | 'decider_no' | 'throttled' | 'awaiting_info' | 'deciders_throttled';

/** UnassignedInfo.toXContent. `at` is an ISO-8601 instant (time arrives as an input, never read here). */
export interface UnassignedInfo {
  readonly reason: UnassignedReason;
  readonly at: string;
  readonly delayed: boolean;
  readonly allocation_status: AllocationStatus;
  readonly details?: string;
  readonly failed_allocation_attempts?: number;
  /** The node the copy was on when it became unassigned (NODE_LEFT), so a returning node can take its copy back. */
  readonly last_allocated_node?: string;
}

/**
 * ShardRouting.toXContent: one copy of one shard. `allocation_id` is present for every assigned
 * copy (INITIALIZING, STARTED); `recovery_source` for every INITIALIZING or UNASSIGNED copy;
 * `unassigned_info` for every UNASSIGNED copy.
 */
export interface ShardRouting {
  readonly state: ShardRoutingState;
  readonly primary: boolean;
  readonly node: string | null;
  readonly relocating_node: string | null;
  readonly shard: number;
  readonly index: string;
  readonly allocation_id?: AllocationId;
  readonly recovery_source?: { readonly type: RecoverySourceType };
  readonly unassigned_info?: UnassignedInfo;
}

/** IndexRoutingTable: shard number (as a string key, as rendered) → copies, the primary first. */
export interface IndexRoutingTable {
  readonly shards: Readonly<Record<string, readonly ShardRouting[]>>;
}

export interface RoutingTable {
  readonly indices: Readonly<Record<string, IndexRoutingTable>>;
}

/** DiscoveryNodeRole names Strait knows (Elasticsearch's spelling). */
export const nodeRoleNames = [
  'master',
  'data',
  'data_content',
  'data_hot',
  'data_warm',
  'data_cold',
  'data_frozen',
  'ingest',
  'ml',
  'remote_cluster_client',
  'transform',
  'voting_only',
] as const;
export type NodeRole = (typeof nodeRoleNames)[number];

/** A role that lets a node hold shard copies (DiscoveryNodeRole.canContainData). */
export function isDataRole(role: string): boolean {
  return role === 'data' || role.startsWith('data_');
}

/**
 * DiscoveryNode.toXContent, plus `http_address` (Strait's: any node answers `_nodes` for every
 * node, so the HTTP publish address travels with the node, as NodeInfo's http section would).
 */
export interface DiscoveryNode {
  readonly name: string;
  readonly ephemeral_id: string;
  readonly transport_address: string;
  readonly external_id: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly roles: readonly string[];
  readonly version: string;
  readonly http_address?: string;
  /**
   * Strait's: the remote cluster interface's publish address of a node with
   * `remote_cluster_server.enabled` (NodeInfo's remote_cluster_server section in Elasticsearch),
   * which remote clusters sniffing under the API key model dial.
   */
  readonly remote_cluster_address?: string;
}

/** IndexMetadata.toXContent in the API context (flat settings: `index.uuid`, `index.number_of_shards`, ...). */
export interface IndexMetadata {
  readonly version: number;
  readonly mapping_version: number;
  readonly settings_version: number;
  readonly aliases_version: number;
  readonly routing_num_shards: number;
  readonly state: 'open' | 'close';
  readonly settings: Readonly<Record<string, string>>;
  /** `{ _doc: mapping }`, or `{}` for an index without mappings. */
  readonly mappings: Readonly<Record<string, unknown>>;
  readonly aliases: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Shard number → primary term; goes up by one each time a new primary copy is chosen. */
  readonly primary_terms: Readonly<Record<string, number>>;
  /** Shard number → allocation ids of the in-sync copies (only the master changes it). */
  readonly in_sync_allocations: Readonly<Record<string, readonly string[]>>;
}

/**
 * DataStream.toXContent as the cluster state's `metadata.data_stream.data_stream.<name>` holds it:
 * backing indices oldest first (the last is the write index), each named with its uuid.
 * `template` is Strait's: the composable template the stream was made from (Elasticsearch finds
 * it again by name when asked; a node here renders it from the state).
 */
export interface DataStreamState {
  readonly name: string;
  readonly timestamp_field: { readonly name: string };
  readonly indices: readonly { readonly index_name: string; readonly index_uuid: string }[];
  readonly generation: number;
  readonly _meta?: Readonly<Record<string, unknown>>;
  readonly hidden: boolean;
  readonly replicated: boolean;
  readonly system: boolean;
  readonly allow_custom_routing: boolean;
  readonly template: string;
}

/** DataStreamMetadata: the data streams (by name) and their aliases (none in Strait). */
export interface DataStreamsMetadata {
  readonly data_stream: Readonly<Record<string, DataStreamState>>;
  readonly data_stream_aliases: Readonly<Record<string, never>>;
}

export interface Metadata {
  /**
   * Metadata.version: goes up by one with each published state whose metadata changed (indices,
   * their mappings, settings, aliases, primary terms and in-sync sets, data streams, persistent
   * settings, the coordination term), and not with routing or node changes; what
   * `wait_for_metadata_version` waits for. Absent from states published before Strait kept it:
   * their state version stands for it (`metadataVersionOf`).
   */
  readonly version?: number;
  readonly cluster_uuid: string;
  readonly cluster_uuid_committed: boolean;
  /** CoordinationMetadata: the term of the master that wrote this state. */
  readonly cluster_coordination: { readonly term: number };
  /** Persistent cluster settings (flat). */
  readonly persistent_settings: Readonly<Record<string, string>>;
  readonly indices: Readonly<Record<string, IndexMetadata>>;
  /** Absent until the first data stream is created (a state published before data streams were shared has none). */
  readonly data_stream?: DataStreamsMetadata;
}

/** The metadata version of `state` (its state version when it was published before Strait kept one: never lower than before). */
export function metadataVersionOf(state: ClusterState): number {
  return state.metadata.version ?? state.version;
}

/** The data streams of a state, by name. */
export function dataStreamsOf(state: ClusterState): Readonly<Record<string, DataStreamState>> {
  return state.metadata.data_stream?.data_stream ?? {};
}

/** The data stream whose backing indices include `index`, if any. */
export function dataStreamOfIndex(state: ClusterState, index: string): DataStreamState | undefined {
  return Object.values(dataStreamsOf(state)).find((stream) => stream.indices.some((backing) => backing.index_name === index));
}

/** The whole cluster state as etcd stores it and nodes apply it. */
export interface ClusterState {
  readonly cluster_name: string;
  readonly cluster_uuid: string;
  readonly version: number;
  readonly state_uuid: string;
  /** The master's term (CoordinationMetadata.term); a state of a lower term than one already applied is refused. */
  readonly term: number;
  readonly master_node: string | null;
  readonly nodes: Readonly<Record<string, DiscoveryNode>>;
  readonly metadata: Metadata;
  readonly routing_table: RoutingTable;
}

/** The empty state a new cluster starts from (version 0: the first master's first publication is version 1). */
export function emptyClusterState(clusterName: string, clusterUuid: string): ClusterState {
  return {
    cluster_name: clusterName,
    cluster_uuid: clusterUuid,
    version: 0,
    state_uuid: '_na_',
    term: 0,
    master_node: null,
    nodes: {},
    metadata: { version: 0, cluster_uuid: clusterUuid, cluster_uuid_committed: true, cluster_coordination: { term: 0 }, persistent_settings: {}, indices: {} },
    routing_table: { indices: {} },
  };
}

// ---------------------------------------------------------------------------------------------
// Lookups the data plane uses (pure, over one applied state).
// ---------------------------------------------------------------------------------------------

/** Every copy of every shard, in index name then shard number order. */
export function allShardRoutings(state: ClusterState): ShardRouting[] {
  const routings: ShardRouting[] = [];
  for (const index of Object.keys(state.routing_table.indices).sort()) {
    const table = state.routing_table.indices[index]!;
    const numbers = Object.keys(table.shards).map(Number).sort((a, b) => a - b);
    for (const shard of numbers) routings.push(...table.shards[String(shard)]!);
  }
  return routings;
}

/** The copies of one shard (primary first), or [] when the index or shard is unknown. */
export function shardCopiesOf(state: ClusterState, index: string, shard: number): readonly ShardRouting[] {
  return state.routing_table.indices[index]?.shards[String(shard)] ?? [];
}

/** The primary copy of a shard (assigned or not), undefined when the shard is unknown. */
export function primaryOf(state: ClusterState, index: string, shard: number): ShardRouting | undefined {
  return shardCopiesOf(state, index, shard).find((copy) => copy.primary);
}

/** The copies assigned to a node (INITIALIZING, STARTED or RELOCATING): the shards the node must open. */
export function routingsOnNode(state: ClusterState, nodeId: string): ShardRouting[] {
  return allShardRoutings(state).filter((copy) => copy.node === nodeId || copy.relocating_node === nodeId);
}

/** The current primary term of a shard (1 before any failover). */
export function primaryTermOf(state: ClusterState, index: string, shard: number): number {
  return state.metadata.indices[index]?.primary_terms[String(shard)] ?? 0;
}

/** The in-sync allocation ids of a shard. */
export function inSyncAllocationIdsOf(state: ClusterState, index: string, shard: number): readonly string[] {
  return state.metadata.indices[index]?.in_sync_allocations[String(shard)] ?? [];
}

/**
 * The copies a primary replicates to: every assigned replica (INITIALIZING ones too, as
 * ReplicationGroup's replication targets include recovering copies), with whether it is in sync.
 */
export function replicationTargetsOf(state: ClusterState, index: string, shard: number): { readonly routing: ShardRouting; readonly inSync: boolean }[] {
  const inSync = new Set(inSyncAllocationIdsOf(state, index, shard));
  return shardCopiesOf(state, index, shard)
    .filter((copy) => !copy.primary && copy.node !== null && copy.allocation_id !== undefined)
    .map((routing) => ({ routing, inSync: inSync.has(routing.allocation_id!.id) }));
}

/** The started copies of a shard: the ones a search may ask. */
export function activeCopiesOf(state: ClusterState, index: string, shard: number): ShardRouting[] {
  return shardCopiesOf(state, index, shard).filter((copy) => copy.state === 'STARTED' || copy.state === 'RELOCATING');
}

export function isMasterEligible(node: DiscoveryNode): boolean {
  return node.roles.includes('master');
}

export function isDataNode(node: DiscoveryNode): boolean {
  return node.roles.some(isDataRole);
}

// ---------------------------------------------------------------------------------------------
// What a node reports to the master about its shard copies (the inputs of the master's step).
// ---------------------------------------------------------------------------------------------

/** `internal:cluster/shard/started`: an initializing copy finished recovery and may join the in-sync set. */
export interface ShardStartedReport {
  readonly kind: 'shard_started';
  readonly index: string;
  readonly shard: number;
  readonly allocationId: string;
  readonly primaryTerm: number;
}

/**
 * `internal:cluster/shard/failure`: a copy failed (or a primary could not replicate to it). The
 * master removes the copy from the in-sync set (markAsStale) and unassigns it before it answers,
 * so the primary acknowledges the write only after that.
 */
export interface ShardFailedReport {
  readonly kind: 'shard_failed';
  readonly index: string;
  readonly shard: number;
  readonly allocationId: string;
  readonly primaryTerm: number;
  readonly message: string;
  readonly markAsStale: boolean;
}

export type ShardStateReport = ShardStartedReport | ShardFailedReport;

// ---------------------------------------------------------------------------------------------
// Invariants every published state holds (checked by the master before it writes, and in tests).
// ---------------------------------------------------------------------------------------------

/** A reason the state is malformed, or undefined when it holds every invariant. */
export function clusterStateViolation(state: ClusterState): string | undefined {
  if (state.master_node !== null && state.nodes[state.master_node] === undefined) return `master [${state.master_node}] is not a node of the state`;
  if (state.metadata.cluster_coordination.term !== state.term) return 'metadata term differs from the state term';
  for (const [index, table] of Object.entries(state.routing_table.indices)) {
    const metadata = state.metadata.indices[index];
    if (metadata === undefined) return `routing table index [${index}] has no metadata`;
    const shards = Number(metadata.settings['index.number_of_shards'] ?? '1');
    if (Object.keys(table.shards).length !== shards) return `[${index}] routing table has ${Object.keys(table.shards).length} shards, metadata ${shards}`;
    for (const [shard, copies] of Object.entries(table.shards)) {
      if (copies.filter((copy) => copy.primary).length !== 1) return `[${index}][${shard}] has not exactly one primary`;
      const nodes = new Set<string>();
      const ids = new Set<string>();
      for (const copy of copies) {
        if (copy.shard !== Number(shard) || copy.index !== index) return `[${index}][${shard}] lists a copy of [${copy.index}][${copy.shard}]`;
        if (copy.state === 'UNASSIGNED') {
          if (copy.node !== null || copy.allocation_id !== undefined || copy.unassigned_info === undefined) return `[${index}][${shard}] unassigned copy is malformed`;
          continue;
        }
        if (copy.node === null || copy.allocation_id === undefined) return `[${index}][${shard}] assigned copy has no node or allocation id`;
        if (state.nodes[copy.node] === undefined) return `[${index}][${shard}] is on unknown node [${copy.node}]`;
        if (nodes.has(copy.node)) return `[${index}][${shard}] has two copies on node [${copy.node}]`;
        if (ids.has(copy.allocation_id.id)) return `[${index}][${shard}] repeats allocation id [${copy.allocation_id.id}]`;
        nodes.add(copy.node);
        ids.add(copy.allocation_id.id);
      }
      const primary = copies.find((copy) => copy.primary)!;
      if (primary.state === 'STARTED' && !metadata.in_sync_allocations[shard]?.includes(primary.allocation_id!.id)) {
        return `[${index}][${shard}] started primary is not in sync`;
      }
      if ((metadata.primary_terms[shard] ?? 0) < 1) return `[${index}][${shard}] has no primary term`;
    }
  }
  for (const index of Object.keys(state.metadata.indices)) {
    if (state.metadata.indices[index]!.state === 'open' && state.routing_table.indices[index] === undefined) return `open index [${index}] has no routing table`;
  }
  const backed = new Set<string>();
  for (const [name, stream] of Object.entries(dataStreamsOf(state))) {
    if (stream.name !== name) return `data stream [${name}] is named [${stream.name}]`;
    if (state.metadata.indices[name] !== undefined) return `data stream [${name}] is named like an index`;
    if (stream.indices.length === 0) return `data stream [${name}] has no backing index`;
    for (const backing of stream.indices) {
      const metadata = state.metadata.indices[backing.index_name];
      if (metadata === undefined || metadata.settings['index.uuid'] !== backing.index_uuid) return `data stream [${name}] backing index [${backing.index_name}] is not in the metadata`;
      if (backed.has(backing.index_name)) return `index [${backing.index_name}] backs two data streams`;
      backed.add(backing.index_name);
    }
  }
  return undefined;
}
