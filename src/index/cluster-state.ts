/**
 * The cluster state as `GET /_cluster/state` and `_cat/shards` show it: one node holds every
 * shard, so the routing table has one started primary copy per shard on this node and, for each
 * configured replica, an unassigned copy (a replica is never allocated on its primary's node).
 *
 * Pure builders (the rendering) plus a small shell (`ClusterStateVersions`) that persists the state
 * version: it goes up by one whenever the indices' metadata changed since the last time the state
 * was read (each index's metadata version counts every change of its settings, mappings, aliases
 * and state), so it never goes back, across restarts too, as Elasticsearch's does.
 * References: cluster-state.html, ClusterState.toXContentChunked, IndexMetadata.toXContent,
 * ShardRouting.toXContent, RestShardsAction.
 */
import { createHash } from 'node:crypto';
import type { SqlDatabase } from '../common/index.js';
import type { IndexHandle } from './indices-service.js';
import { routingLayoutOf } from './routing.js';
import { nestFlatSettings, settingBoolean, settingInteger } from './settings.js';
import { renderFlatSettings } from './indices-service.js';
import { renderFlatSettingValues } from './setting-lists.js';

/** Elasticsearch's cluster state metrics (ClusterState.Metric). */
export const clusterStateMetrics = ['version', 'master_node', 'blocks', 'nodes', 'metadata', 'routing_table', 'routing_nodes', 'customs'] as const;
export type ClusterStateMetric = (typeof clusterStateMetrics)[number];

/** `metric` of the path: comma-separated; `_all` (or none) is every metric; unknown names are ignored, as Metric.parseString(.., true) does. */
export function parseClusterStateMetrics(value: string | undefined): Set<ClusterStateMetric> {
  const names = (value ?? '_all').split(',').map((name) => name.trim());
  if (names.includes('_all')) return new Set(clusterStateMetrics);
  return new Set(clusterStateMetrics.filter((metric) => names.includes(metric)));
}

/** A stable allocation id of a shard copy (the same across restarts, as a copy keeps its id). */
export function allocationId(indexUuid: string, shard: number, primary: boolean): string {
  return createHash('sha256').update(`${indexUuid}/${shard}/${primary ? 'p' : 'r'}`).digest('base64url').slice(0, 22);
}

export interface NodeView {
  readonly id: string;
  readonly name: string;
  readonly ephemeralId: string;
  readonly transportAddress: string;
  readonly ip: string;
  readonly roles: readonly string[];
  readonly attributes: Readonly<Record<string, string>>;
  readonly version: string;
}

/** One copy of one shard, as the routing table lists it. */
export interface ShardCopy {
  readonly index: string;
  readonly indexUuid: string;
  readonly shard: number;
  readonly primary: boolean;
  readonly state: 'STARTED' | 'UNASSIGNED';
  readonly node: string | null;
  readonly allocationId: string | undefined;
  /** When an unassigned copy became so (the index's creation or opening). */
  readonly unassignedSinceMs: number | undefined;
}

/** The copies of an open index's shards: each primary started on this node, replicas unassigned. */
export function shardCopies(handle: IndexHandle, nodeId: string): ShardCopy[] {
  if (handle.metadata.state !== 'open') return [];
  const { shards } = routingLayoutOf(handle.metadata.settings);
  const replicas = settingInteger(handle.metadata.settings, 'index.number_of_replicas');
  const copies: ShardCopy[] = [];
  for (let shard = 0; shard < shards; shard++) {
    copies.push({ index: handle.name, indexUuid: handle.uuid, shard, primary: true, state: 'STARTED', node: nodeId, allocationId: allocationId(handle.uuid, shard, true), unassignedSinceMs: undefined });
    for (let replica = 0; replica < replicas; replica++) {
      copies.push({ index: handle.name, indexUuid: handle.uuid, shard, primary: false, state: 'UNASSIGNED', node: null, allocationId: undefined, unassignedSinceMs: handle.metadata.creationDateMs });
    }
  }
  return copies;
}

/** ShardRouting.toXContent. */
export function renderShardCopy(copy: ShardCopy): Record<string, unknown> {
  const rendered: Record<string, unknown> = {
    state: copy.state,
    primary: copy.primary,
    node: copy.node,
    relocating_node: null,
    shard: copy.shard,
    index: copy.index,
  };
  if (copy.allocationId !== undefined) rendered['allocation_id'] = { id: copy.allocationId };
  if (copy.state === 'UNASSIGNED') {
    rendered['recovery_source'] = { type: 'PEER' };
    rendered['unassigned_info'] = {
      reason: 'INDEX_CREATED',
      at: new Date(copy.unassignedSinceMs ?? 0).toISOString(),
      delayed: false,
      // One node: a replica can never be allocated beside its primary.
      allocation_status: 'no_attempt',
    };
  }
  return rendered;
}

/** Index blocks by index (ClusterBlocks.toXContent): the `index.blocks.*` settings, and a closed index's block. */
function indexBlocks(handle: IndexHandle): Record<string, unknown> | undefined {
  const blocks: Record<string, unknown> = {};
  const settings = handle.metadata.settings;
  const block = (id: number, description: string, retryable: boolean, levels: string[]): void => {
    blocks[String(id)] = { description, retryable, levels };
  };
  if (handle.metadata.state === 'close') block(4, 'index closed', false, ['read', 'write']);
  if (settingBoolean(settings, 'index.blocks.read_only')) block(5, 'index read-only (api)', false, ['write', 'metadata_write']);
  if (settingBoolean(settings, 'index.blocks.read')) block(7, 'index read (api)', false, ['read']);
  if (settingBoolean(settings, 'index.blocks.write')) block(8, 'index write (api)', false, ['write']);
  if (settingBoolean(settings, 'index.blocks.metadata')) block(9, 'index metadata (api)', false, ['metadata_read', 'metadata_write']);
  if (settingBoolean(settings, 'index.blocks.read_only_allow_delete')) {
    block(12, 'disk usage exceeded flood-stage watermark, index has read-only-allow-delete block', true, ['write', 'metadata_write']);
  }
  return Object.keys(blocks).length === 0 ? undefined : blocks;
}

/** IndexMetadata.toXContent in the API context. */
export function renderIndexMetadata(handle: IndexHandle, flatSettings: boolean): Record<string, unknown> {
  const metadata = handle.metadata;
  const layout = routingLayoutOf(metadata.settings);
  const settings = renderFlatSettings(metadata);
  const shards = Array.from({ length: layout.shards }, (_, shard) => shard);
  const primaryTerms: Record<string, number> = {};
  const inSync: Record<string, string[]> = {};
  for (const shard of shards) {
    primaryTerms[String(shard)] = handle.shards?.[shard]?.primaryTerm ?? 1;
    inSync[String(shard)] = [allocationId(handle.uuid, shard, true)];
  }
  return {
    version: metadata.version,
    state: metadata.state,
    routing_num_shards: layout.routingShards,
    settings: flatSettings ? renderFlatSettingValues(settings) : nestFlatSettings(settings),
    mappings: Object.keys(metadata.mappings).length === 0 ? {} : { _doc: metadata.mappings },
    aliases: Object.keys(metadata.aliases).sort(),
    primary_terms: primaryTerms,
    in_sync_allocations: inSync,
    rollover_info: {},
    system: false,
  };
}

export interface ClusterStateInput {
  readonly clusterName: string;
  readonly clusterUuid: string;
  readonly version: number;
  readonly stateUuid: string;
  readonly node: NodeView;
  /** The indices the request selects (all without an index expression). */
  readonly indices: readonly IndexHandle[];
  readonly metrics: ReadonlySet<ClusterStateMetric>;
  readonly flatSettings: boolean;
}

/** The `GET /_cluster/state` body (ClusterStateResponse with ClusterState.toXContentChunked). */
export function renderClusterState(input: ClusterStateInput): Record<string, unknown> {
  const { metrics, node } = input;
  const body: Record<string, unknown> = { cluster_name: input.clusterName, cluster_uuid: input.clusterUuid };
  if (metrics.has('version')) {
    body['version'] = input.version;
    body['state_uuid'] = input.stateUuid;
  }
  if (metrics.has('master_node')) body['master_node'] = node.id;
  if (metrics.has('blocks')) {
    const indices: Record<string, unknown> = {};
    for (const handle of input.indices) {
      const blocks = indexBlocks(handle);
      if (blocks !== undefined) indices[handle.name] = blocks;
    }
    body['blocks'] = Object.keys(indices).length === 0 ? {} : { indices };
  }
  if (metrics.has('nodes')) {
    body['nodes'] = {
      [node.id]: {
        name: node.name,
        ephemeral_id: node.ephemeralId,
        transport_address: node.transportAddress,
        external_id: node.name,
        attributes: { ...node.attributes },
        roles: [...node.roles].sort(),
        version: node.version,
      },
    };
  }
  if (metrics.has('metadata')) {
    const indices: Record<string, unknown> = {};
    for (const handle of input.indices) indices[handle.name] = renderIndexMetadata(handle, input.flatSettings);
    body['metadata'] = { cluster_uuid: input.clusterUuid, cluster_uuid_committed: true, indices };
  }
  const copies = input.indices.flatMap((handle) => shardCopies(handle, node.id));
  if (metrics.has('routing_table')) {
    const indices: Record<string, { shards: Record<string, unknown[]> }> = {};
    for (const copy of copies) {
      const entry = (indices[copy.index] ??= { shards: {} });
      (entry.shards[String(copy.shard)] ??= []).push(renderShardCopy(copy));
    }
    body['routing_table'] = { indices };
  }
  if (metrics.has('routing_nodes')) {
    body['routing_nodes'] = {
      unassigned: copies.filter((copy) => copy.state === 'UNASSIGNED').map(renderShardCopy),
      nodes: { [node.id]: copies.filter((copy) => copy.node === node.id).map(renderShardCopy) },
    };
  }
  return body;
}

/**
 * The persisted cluster state version and uuid (I/O shell over the node database). `current`
 * compares a fingerprint of the indices' metadata versions with the stored one and bumps the
 * version (with a new state uuid from `newUuid`) when it differs.
 */
export class ClusterStateVersions {
  private readonly read;
  private readonly write;

  constructor(
    db: SqlDatabase,
    private readonly newUuid: () => string,
  ) {
    db.exec('CREATE TABLE IF NOT EXISTS cluster_state_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, state_uuid TEXT NOT NULL, fingerprint TEXT NOT NULL)');
    this.read = db.prepare('SELECT version, state_uuid, fingerprint FROM cluster_state_version WHERE id = 1');
    this.write = db.prepare(
      'INSERT INTO cluster_state_version (id, version, state_uuid, fingerprint) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version, state_uuid = excluded.state_uuid, fingerprint = excluded.fingerprint',
    );
  }

  current(all: readonly IndexHandle[]): { version: number; stateUuid: string } {
    const fingerprint = createHash('sha256')
      .update(JSON.stringify(all.map((handle) => [handle.name, handle.uuid, handle.metadata.version, handle.metadata.state])))
      .digest('base64url');
    const row = this.read.get() as { version: number; state_uuid: string; fingerprint: string } | undefined;
    if (row !== undefined && row.fingerprint === fingerprint) return { version: row.version, stateUuid: row.state_uuid };
    const next = { version: (row?.version ?? 0) + 1, stateUuid: this.newUuid() };
    this.write.run(next.version, next.stateUuid, fingerprint);
    return next;
  }
}
