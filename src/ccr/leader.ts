/**
 * The leader side of cross-cluster replication (I/O shell): what a follower cluster asks of this
 * cluster over the transport interface (certificate model) or the remote cluster interface (API
 * key model), under Elasticsearch's action names (spec ccr.md §4):
 *
 * - `indices:monitor/stats` with `ccr: true`: the leader index's metadata, shard count, history
 *   uuid and checkpoints, after checking that the caller may follow it (spec §2.3 steps 4-8);
 * - `indices:data/read/xpack/ccr/shard_changes`: operations by seq_no, long-polling on the global
 *   checkpoint (spec §4.2 step 3);
 * - `indices:internal/admin/ccr/restore/session/put|clear` and `.../restore/file_chunk/get`: a
 *   consistent copy of the leader's documents for the bootstrap (spec §4.1);
 * - `indices:admin/seq_no/add|renew|remove_retention_lease`: retention leases (spec §4.5).
 *
 * Each shard of a leader index has its own operation history: shard_changes, restore sessions and
 * retention leases name the shard (`shard`, 0 when absent: followers from before shards existed
 * asked for the one shard there was). The history uuid of a shard is its index uuid (a re-created
 * leader has another one, which resume detects).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { errors, EsError, type SqlDatabase, type SqlStatement } from '../common/index.js';
import { parseTimeMs, type IndexHandle, type IndicesService } from '../index/index.js';
import type { SegmentFilesSnapshot } from '../index/indices-service.js';
import type { Operation, ShardStore } from '../index/store/index.js';
import { ShardSnapshot } from '../index/store/shard-snapshot.js';
import { documentColumnsWireBytes, documentsWireBytes, encodeDocumentColumns } from './document-columns.js';
import { encodeOperationColumns } from './operation-columns.js';
import { Pacer, recoveryBytesPerSecDefault } from './pacer.js';
import type { ChangeOperation, ShardChangesResponse } from './types.js';

export const CCR_ACTIONS = {
  leaderInfo: 'indices:monitor/stats',
  shardChanges: 'indices:data/read/xpack/ccr/shard_changes',
  restoreSessionPut: 'indices:internal/admin/ccr/restore/session/put',
  restoreFileChunk: 'indices:internal/admin/ccr/restore/file_chunk/get',
  restoreSessionClear: 'indices:internal/admin/ccr/restore/session/clear',
  addRetentionLease: 'indices:admin/seq_no/add_retention_lease',
  renewRetentionLease: 'indices:admin/seq_no/renew_retention_lease',
  removeRetentionLease: 'indices:admin/seq_no/remove_retention_lease',
  /**
   * Strait's fenced promotion (beyond Elasticsearch): the follower cluster puts a write block on the
   * leader before its follower becomes writable. Under `indices:internal/cross_cluster/ccr/*`, which
   * the `cross_cluster_replication` index privilege (and so a key's `replication` access) covers.
   */
  fence: 'indices:internal/cross_cluster/ccr/fence',
} as const;

export const CCR_LEADER_ACTIONS: readonly string[] = Object.values(CCR_ACTIONS);

/** Limits of the leader side (style P4). */
export const leaderLimits = {
  restoreSessionsMax: 64, // ours: concurrent bootstrap sessions on one leader node
  restoreSessionIdleMs: 60_000, // ccr.indices.recovery.recovery_activity_timeout default (60s)
  restoreChunkDocsMax: 10_000, // ours: documents per file_chunk answer
  restoreChunkBytesMax: 1024 * 1024, // ccr.indices.recovery.chunk_size default (1mb)
  shardChangesOperationsMax: 100_000, // ours: a larger max_operation_count is clamped
  pollTimeoutMsMax: 5 * 60_000, // ours: a longer read_poll_timeout is clamped
  retentionLeasePeriodMs: 12 * 3_600_000, // index.soft_deletes.retention_lease.period default (12h)
  routedAnswerMs: 30_000, // ours: how long a gateway waits for the node it routed a leader action to (beyond a long poll)
  checkpointPollMs: 5, // ours: how often shard_changes looks again while its operations reach the other copies
  persistWaitMs: 1_000, // ours: how long shard_changes waits for a write's own fsync before it fsyncs the operations itself
} as const;
const { routedAnswerMs, checkpointPollMs, persistWaitMs } = leaderLimits;

/** Who is asking, as the leader's handler sees it: may the caller run `action` on `index`? */
export interface LeaderAuthorizer {
  allowsIndex(action: string, index: string): boolean;
  /** Does document or field level security restrict the caller's `action` on `index`? */
  readRestricted?(action: string, index: string): boolean;
  /** Certificate model: the leader resolves role names, and adds per-action detail to refusals. */
  readonly model: 'certificate' | 'api_key' | 'none';
}

/**
 * Where shard-level leader actions run when the leader cluster has many nodes (multi-node mode;
 * undefined on one node, where every shard is here). The node that received the follower's request
 * (the gateway) authorizes it, then the router runs the shard's work on the node holding that
 * shard's primary, as Elasticsearch serves shard_changes, retention leases and restore sessions on
 * the primary: locally (`local`) when this node holds it, else over the cluster's internal
 * transport (the caller's credentials never travel; the gateway's decision does).
 */
export interface LeaderShardRouter {
  /** This node's id (restore session ids carry the node that holds the session). */
  readonly nodeId: string;
  /** Runs `action` for `shard` of `handle` on its started primary; `local` when that is this node. */
  onPrimary(action: string, handle: IndexHandle, shard: number, body: Record<string, unknown>, local: () => unknown, timeoutMs: number): Promise<unknown>;
  /** Runs `action` on node `nodeId` (a restore session's follow-ups go where the session is); `local` when that is this node. */
  onNode(nodeId: string, action: string, body: Record<string, unknown>, local: () => unknown): Promise<unknown>;
  /**
   * The global checkpoint of this node's primary copy of the shard: operations at or below it are
   * on every in-sync copy, so a follower never reads one a failover could lose. Undefined: no
   * primary copy here.
   */
  globalCheckpoint(handle: IndexHandle, shard: number): number | undefined;
  /** The shard's retention leases changed on its primary (here): the other copies get the whole set, so the leases survive a failover. */
  syncLeases(handle: IndexHandle, shard: number, leases: readonly StoredLease[]): Promise<void>;
  /** Puts `settings` on `handle` through the master (a cluster-state settings update); resolves once this node applied it. */
  publishSettings(handle: IndexHandle, settings: Readonly<Record<string, string>>, timeoutMs: number): Promise<void>;
}

/** One retention lease as the leader stores it (and sends a shard's other copies). */
export interface StoredLease {
  readonly lease_id: string;
  readonly retaining_seq_no: number;
  readonly source: string;
  readonly timestamp_ms: number;
}

/** The settings a follower never copies from its leader (spec §4.2 step 4, "non-replicated"). */
const NON_REPLICATED_SETTINGS: readonly RegExp[] = [
  /^index\.number_of_replicas$/,
  /^index\.auto_expand_replicas$/,
  /^index\.routing\.allocation\./,
  /^index\.blocks\./,
  /^index\.priority$/,
  /^index\.hidden$/,
  /^index\.refresh_interval$/,
  /^index\.max_result_window$/,
  /^index\.max_inner_result_window$/,
  /^index\.max_rescore_window$/,
  /^index\.max_docvalue_fields_search$/,
  /^index\.max_script_fields$/,
  /^index\.max_terms_count$/,
  /^index\.max_regex_length$/,
  /^index\.default_pipeline$/,
  /^index\.final_pipeline$/,
  /^index\.translog\./,
  /^index\.soft_deletes\.retention/,
  /^index\.xpack\.ccr\./,
  /^index\.search\./,
  /^index\.indexing\.slowlog/,
  /^index\.mapping\.total_fields\.limit$/,
  /^index\.requests\.cache\.enable$/,
];

export function isReplicatedSetting(key: string): boolean {
  return !NON_REPLICATED_SETTINGS.some((pattern) => pattern.test(key));
}

/** What `leaderInfo` answers (wire JSON, snake_case). */
export interface LeaderIndexInfo {
  readonly index: string;
  readonly uuid: string;
  readonly history_uuid: string;
  readonly number_of_shards: number;
  readonly settings: Record<string, string>;
  readonly mappings: Record<string, unknown>;
  readonly metadata_version: number;
  readonly open: boolean;
  /** Shard 0's (what followers from before shards existed read). */
  readonly max_seq_no: number;
  readonly global_checkpoint: number;
  /** Every shard's max seq_no (= its global checkpoint on one node), by shard number. */
  readonly shard_max_seq_nos: readonly number[];
  /** Set when the leader index is a backing index of a data stream (spec §2.3 "Data streams"). */
  readonly data_stream?: LeaderDataStream;
}

export interface LeaderDataStream {
  readonly name: string;
  readonly template: string;
  readonly hidden: boolean;
}

interface RestoreSession {
  readonly id: string;
  readonly indexUuid: string;
  readonly snapshot: ShardSnapshot;
  /** The shard's segment files at the snapshot's seq_no, held open (by file name) until the session closes. */
  readonly files: ReadonlyMap<string, { readonly descriptor: number; readonly size: number }>;
  lastUsedMs: number;
}

interface Waiter {
  readonly fromSeqNo: number;
  readonly resolve: () => void;
}

/** Spec §2.3 step 6: a follower needs stats and shard_changes on the leader index. */
const FOLLOW_ACTIONS = [CCR_ACTIONS.leaderInfo, CCR_ACTIONS.shardChanges] as const;

export class CcrLeaderService {
  private readonly sessions = new Map<string, RestoreSession>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly unlisten: () => void;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly outbound: Pacer;
  /** Read at every refresh of every index (the retention floor): prepared once. */
  private readonly leasesOfIndex: SqlStatement;
  /** Set on a node of a multi-node leader cluster: shard-level work runs on the shard's primary. */
  private router: LeaderShardRouter | undefined;

  constructor(
    private readonly indices: IndicesService,
    private readonly db: SqlDatabase,
    private readonly nowMs: () => number,
    private readonly log: Logger,
    /** The node's data streams, for a leader backing index's stream (its template and hidden flag). */
    private readonly dataStreams?: { get(name: string): { readonly template: string; readonly hidden: boolean } | undefined },
  ) {
    this.outbound = new Pacer(recoveryBytesPerSecDefault, nowMs);
    // Leases are per shard (a follower shard holds one on its leader shard). Leases of the time
    // every index had one shard (table ccr_retention_leases) move to shard 0.
    db.exec(
      'CREATE TABLE IF NOT EXISTS ccr_shard_retention_leases (index_uuid TEXT NOT NULL, shard INTEGER NOT NULL, lease_id TEXT NOT NULL, retaining_seq_no INTEGER NOT NULL, timestamp_ms INTEGER NOT NULL, source TEXT NOT NULL, PRIMARY KEY (index_uuid, shard, lease_id))',
    );
    if (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'ccr_retention_leases'").get() !== undefined) {
      db.exec(
        'BEGIN; INSERT OR IGNORE INTO ccr_shard_retention_leases (index_uuid, shard, lease_id, retaining_seq_no, timestamp_ms, source) SELECT index_uuid, 0, lease_id, retaining_seq_no, timestamp_ms, source FROM ccr_retention_leases; DROP TABLE ccr_retention_leases; COMMIT;',
      );
    }
    this.leasesOfIndex = db.prepare('SELECT lease_id, retaining_seq_no, source, timestamp_ms FROM ccr_shard_retention_leases WHERE index_uuid = ? AND shard = ? ORDER BY lease_id');
    this.unlisten = indices.addListener({
      written: (index, seqNo, shard) => this.wake(waiterKey(index.uuid, shard), seqNo),
      indexDeleted: (index) => {
        this.wakeIndex(index.uuid);
        this.db.prepare('DELETE FROM ccr_shard_retention_leases WHERE index_uuid = ?').run(index.uuid);
        for (const session of this.sessions.values()) if (session.indexUuid === index.uuid) this.closeSession(session.id);
      },
      indexClosed: (index) => this.wakeIndex(index.uuid),
    });
    indices.setRetentionFloor((index, shard) => this.retentionFloor(index, shard));
    this.sweepTimer = setInterval(() => this.sweep(), 5_000);
    this.sweepTimer.unref();
  }

  /** Multi-node mode: from now on shard-level actions run where the shard's primary is. */
  setRouter(router: LeaderShardRouter | undefined): void {
    this.router = router;
  }

  close(): void {
    clearInterval(this.sweepTimer);
    this.unlisten();
    for (const id of [...this.sessions.keys()]) this.closeSession(id);
    for (const waiters of this.waiters.values()) for (const waiter of waiters) waiter.resolve();
    this.waiters.clear();
  }

  // ------------------------------------------------------------------ targets

  /** The concrete leader index `name`: a missing one is a 404, an alias a 400 (spec §2.3 step 5). */
  private concrete(name: string): IndexHandle {
    const handle = this.indices.get(name);
    if (handle !== undefined) return handle;
    if (this.indices.aliasNames().has(name)) throw errors.illegalArgument(`cannot follow [${name}], because it is a ALIAS`);
    // A data stream's name is not an index: its backing indices are followed one by one.
    if (this.indices.all().some((index) => this.indices.dataStreamOf(index.name) === name)) throw errors.illegalArgument(`cannot follow [${name}], because it is a DATA_STREAM`);
    throw errors.indexNotFound(name);
  }

  private byUuid(name: string, uuid: string | undefined): IndexHandle {
    const handle = this.concrete(name);
    if (uuid !== undefined && uuid !== '' && handle.uuid !== uuid) {
      throw errors.illegalState(`unexpected history uuid, expected [${uuid}], actual [${handle.uuid}]`);
    }
    return handle;
  }

  /** Spec §2.3 step 6: `insufficient privileges to follow index [x]` (the certificate model names each missing action). */
  private checkFollowPrivileges(index: string, access: LeaderAuthorizer): void {
    const missing = FOLLOW_ACTIONS.filter((action) => !access.allowsIndex(action, index));
    if (missing.length === 0) return;
    const detail = access.model === 'certificate' ? missing.map((action) => `, privilege for action [${action}] is missing`).join('') : '';
    throw errors.securityForbidden(`insufficient privileges to follow index [${index}]${detail}`);
  }

  /**
   * Replication copies whole documents, so a leader index that document or field level security
   * restricts for this caller cannot be followed (as Elasticsearch refuses it; the message is ours).
   */
  private checkWholeDocuments(action: string, index: string, access: LeaderAuthorizer): void {
    if (access.readRestricted?.(action, index) !== true) return;
    throw errors.securityForbidden(
      `insufficient privileges to follow index [${index}]: document or field level security restricts action [${action}] on it, and cross-cluster replication copies whole documents`,
    );
  }

  /** Restore and lease actions: the key's `cross_cluster_replication_internal` (API key model), or following rights (certificate model). */
  private checkInternal(action: string, index: string, access: LeaderAuthorizer): void {
    if (access.allowsIndex(action, index)) return;
    if (access.model === 'certificate' && FOLLOW_ACTIONS.every((follow) => access.allowsIndex(follow, index))) return;
    throw errors.securityForbidden(`insufficient privileges to follow index [${index}], privilege for action [${action}] is missing`);
  }

  // ------------------------------------------------------------------ leader info

  /**
   * The index's metadata from this node (on many nodes every node mirrors the published cluster
   * state's metadata); each shard's max seq_no from its primary.
   */
  async leaderInfo(body: Record<string, unknown>, access: LeaderAuthorizer): Promise<LeaderIndexInfo> {
    const name = stringField(body, 'index');
    const handle = this.concrete(name);
    this.checkFollowPrivileges(handle.name, access);
    this.checkWholeDocuments(CCR_ACTIONS.shardChanges, handle.name, access);
    const settings: Record<string, string> = {};
    for (const [key, value] of Object.entries(handle.metadata.settings)) if (isReplicatedSetting(key)) settings[key] = value;
    const router = this.router;
    const checkpoints: readonly { max_seq_no: number; global_checkpoint: number }[] =
      router === undefined || handle.metadata.state !== 'open'
        ? (handle.shards ?? []).map((shard) => ({ max_seq_no: shard.maxSeqNo, global_checkpoint: Math.min(shard.maxSeqNo, shard.persistedLocalCheckpoint) }))
        : await Promise.all(
            Array.from({ length: shardCountOf(handle) }, async (_, shard) => {
              const shardBody = { index: handle.name, shard };
              return (await router.onPrimary(SHARD_CHECKPOINT_ACTION, handle, shard, shardBody, () => this.serveShardCheckpoint(shardBody), routedAnswerMs)) as { max_seq_no: number; global_checkpoint: number };
            }),
          );
    const maxSeqNos = checkpoints.map((checkpoint) => checkpoint.max_seq_no);
    // Shard 0's, as `max_seq_no` (each shard's own travel in `shard_max_seq_nos`).
    const maxSeqNo = maxSeqNos[0] ?? -1;
    return {
      index: handle.name,
      uuid: handle.uuid,
      history_uuid: handle.uuid,
      number_of_shards: shardCountOf(handle),
      settings,
      mappings: handle.metadata.mappings as Record<string, unknown>,
      metadata_version: handle.metadata.version,
      open: handle.metadata.state === 'open',
      max_seq_no: maxSeqNo,
      global_checkpoint: checkpoints[0]?.global_checkpoint ?? -1,
      shard_max_seq_nos: maxSeqNos,
      ...this.dataStreamInfo(handle.name),
    };
  }

  private dataStreamInfo(index: string): { data_stream?: LeaderDataStream } {
    const name = this.indices.dataStreamOf(index);
    if (name === undefined) return {};
    const stream = this.dataStreams?.get(name);
    return { data_stream: { name, template: stream?.template ?? '', hidden: stream?.hidden ?? false } };
  }

  // ------------------------------------------------------------------ shard changes

  /**
   * Operations `[from_seq_no, min(global checkpoint, from + count - 1)]`, waiting up to
   * `poll_timeout_ms` for the checkpoint to reach `from_seq_no` (then answering none), cut after
   * `max_batch_size` bytes (one operation may overshoot). A range below the retained history is a
   * 404 `resource_not_found_exception` with `requested_operations_missing`.
   */
  async shardChanges(body: Record<string, unknown>, access: LeaderAuthorizer): Promise<ShardChangesResponse> {
    const name = stringField(body, 'index');
    if (!access.allowsIndex(CCR_ACTIONS.shardChanges, name)) this.checkFollowPrivileges(name, access);
    this.checkWholeDocuments(CCR_ACTIONS.shardChanges, name, access);
    const router = this.router;
    if (router === undefined) return this.serveShardChanges(body);
    const handle = this.byUuid(name, typeof body['expected_history_uuid'] === 'string' ? body['expected_history_uuid'] : undefined);
    const pollTimeoutMs = typeof body['poll_timeout_ms'] === 'number' ? Math.min(leaderLimits.pollTimeoutMsMax, Math.max(0, body['poll_timeout_ms'])) : 0;
    return (await router.onPrimary(CCR_ACTIONS.shardChanges, handle, this.routedShard(body, handle), body, () => this.serveShardChanges(body), pollTimeoutMs + routedAnswerMs)) as ShardChangesResponse;
  }

  /** shard_changes on the node holding the shard (its primary, on many nodes), already authorized. */
  private async serveShardChanges(body: Record<string, unknown>): Promise<ShardChangesResponse> {
    const started = this.nowMs();
    const name = stringField(body, 'index');
    const fromSeqNo = integerField(body, 'from_seq_no');
    const count = Math.min(leaderLimits.shardChangesOperationsMax, integerField(body, 'max_operation_count'));
    const pollTimeoutMs = Math.min(leaderLimits.pollTimeoutMsMax, Math.max(0, integerField(body, 'poll_timeout_ms')));
    const maxBatchBytes = integerField(body, 'max_batch_size');
    if (fromSeqNo < 0) throw errors.actionRequestValidation([`fromSeqNo [${fromSeqNo}] cannot be lower than 0`]);
    if (count < 0) throw errors.actionRequestValidation([`maxOperationCount [${count}] cannot be lower than 0`]);
    if (maxBatchBytes <= 0) throw errors.actionRequestValidation([`maxBatchSizeInBytes [${maxBatchBytes}] must be larger than 0`]);
    const expectedHistory = typeof body['expected_history_uuid'] === 'string' ? body['expected_history_uuid'] : undefined;
    let handle = this.byUuid(name, expectedHistory);
    const shardNumber = this.shardField(body, handle);
    let shard = this.indices.openShardOf(handle, shardNumber);
    // Only persisted operations are readable (committed and fsynced here, as Elasticsearch's global
    // checkpoint counts only fsynced ones: elastic/elasticsearch#43205), so a follower never holds
    // an operation its leader could still lose; on many nodes, only those every in-sync copy holds.
    // A bulk's operations become readable together, at its one fsync, and reach the follower in one
    // batch rather than one per slice the bulk committed.
    const checkpointOf = (current: IndexHandle): number => this.readableCheckpoint(current, shardNumber, shard);
    const deadline = started + pollTimeoutMs;
    while (fromSeqNo > checkpointOf(handle) && this.nowMs() < deadline) {
      if (fromSeqNo > shard.persistedLocalCheckpoint && fromSeqNo <= shard.maxSeqNo) await this.persistedOrSynced(shard, fromSeqNo, deadline);
      // Persisted here but not yet on every copy: the copies answer within milliseconds.
      else if (fromSeqNo <= shard.maxSeqNo) await sleep(Math.min(checkpointPollMs, deadline - this.nowMs()));
      else await this.waitFor(waiterKey(handle.uuid, shardNumber), fromSeqNo, deadline - this.nowMs());
      handle = this.byUuid(name, expectedHistory);
      shard = this.indices.openShardOf(handle, this.shardField(body, handle));
    }
    const globalCheckpoint = checkpointOf(handle);
    // The stored operations themselves (shared, never changed): rendered once, below.
    const operations: Operation[] = [];
    if (fromSeqNo <= globalCheckpoint && count > 0) {
      const toSeqNo = Math.min(globalCheckpoint, fromSeqNo + count - 1);
      let bytes = 0;
      for (const op of shard.readOps(fromSeqNo, toSeqNo - fromSeqNo + 1)) {
        if (op.seqNo !== fromSeqNo + operations.length) break;
        operations.push(op);
        bytes += (op.source?.length ?? 0) + op.id.length + 50;
        if (bytes >= maxBatchBytes) break;
      }
      if (operations.length === 0) {
        const leases = this.leasesOf(handle, shardNumber).map((lease) => `RetentionLease{id='${lease.lease_id}', retainingSequenceNumber=${lease.retaining_seq_no}, source='${lease.source}'}`);
        throw new EsError(
          404,
          'resource_not_found_exception',
          `Operations are no longer available for replicating. Existing retention leases [${leases.join(', ')}]; maybe increase the retention lease period setting [index.soft_deletes.retention_lease.period]?`,
          { extra: { requested_operations_missing: [fromSeqNo, toSeqNo] } },
        );
      }
    }
    // Metadata versions are read after the operations, so they are at least as new as those the operations used.
    const version = this.indices.get(name)?.metadata.version ?? handle.metadata.version;
    return {
      ...(body['operation_columns'] === true ? { operations: [], operationColumns: encodeOperationColumns(operations) } : { operations: operations.map(changeOperation) }),
      globalCheckpoint,
      maxSeqNo: shard.maxSeqNo,
      maxSeqNoOfUpdatesOrDeletes: shard.maxSeqNo,
      mappingVersion: version,
      settingsVersion: version,
      aliasesVersion: version,
      tookMs: this.nowMs() - started,
    };
  }

  /** The shard a routed request names (`shard`, 0 when absent), by the index's metadata; a 400 for one the index does not have. */
  private routedShard(body: Record<string, unknown>, handle: IndexHandle): number {
    const shard = body['shard'] === undefined ? 0 : integerField(body, 'shard');
    if (shard < 0 || shard >= shardCountOf(handle)) throw errors.badRequest(`malformed cross-cluster replication request: index [${handle.name}] has no shard [${shard}]`);
    return shard;
  }

  /** One shard's max seq_no and readable checkpoint on this node's copy (leader info on many nodes asks each primary). */
  private serveShardCheckpoint(body: Record<string, unknown>): Record<string, unknown> {
    const handle = this.concrete(stringField(body, 'index'));
    const shardNumber = this.shardField(body, handle);
    const shard = this.indices.openShardOf(handle, shardNumber);
    return { max_seq_no: shard.maxSeqNo, global_checkpoint: this.readableCheckpoint(handle, shardNumber, shard) };
  }

  /**
   * The last operation `shard_changes` may hand out (leader info reports it as the global
   * checkpoint): written and persisted here, and on every in-sync copy when there are others.
   */
  private readableCheckpoint(handle: IndexHandle, shardNumber: number, shard: ShardStore): number {
    return Math.min(shard.maxSeqNo, shard.persistedLocalCheckpoint, this.router?.globalCheckpoint(handle, shardNumber) ?? Number.MAX_SAFE_INTEGER);
  }

  /**
   * A leader action another node of this cluster (the gateway) authorized and routed here, to the
   * node holding the shard's primary or the restore session (ROUTED_LEADER_ACTIONS).
   */
  async serveRouted(action: string, body: Record<string, unknown>): Promise<unknown> {
    switch (action) {
      case CCR_ACTIONS.shardChanges:
        return this.serveShardChanges(body);
      case CCR_ACTIONS.restoreSessionPut:
        return { ...this.serveRestoreSessionPut(body), node: this.router?.nodeId };
      case CCR_ACTIONS.restoreFileChunk:
        return this.serveRestoreFileChunk(body);
      case CCR_ACTIONS.restoreSessionClear:
        return this.serveRestoreSessionClear(body);
      case CCR_ACTIONS.addRetentionLease:
        return this.serveRetentionLease('add', body);
      case CCR_ACTIONS.renewRetentionLease:
        return this.serveRetentionLease('renew', body);
      case CCR_ACTIONS.removeRetentionLease:
        return this.serveRetentionLease('remove', body);
      case SHARD_CHECKPOINT_ACTION:
        return this.serveShardCheckpoint(body);
      case FENCE_SHARD_ACTION:
        return this.serveFenceShard(body);
      default:
        throw errors.illegalArgument(`[${action}] is not a routed cross-cluster replication leader action`);
    }
  }

  /** The shard number a request names (`shard`, 0 when absent); a 400 for one the index does not have. */
  private shardField(body: Record<string, unknown>, handle: IndexHandle): number {
    const shard = body['shard'] === undefined ? 0 : integerField(body, 'shard');
    const count = this.indices.openShardsOf(handle).length;
    if (shard < 0 || shard >= count) throw errors.badRequest(`malformed cross-cluster replication request: index [${handle.name}] has no shard [${shard}]`);
    return shard;
  }

  /**
   * Waits (until `deadline`) for the fsync that the write of `seqNo` runs before it answers; a write
   * that never got to it (a bulk that failed after committing slices) is fsynced here after
   * `persistWaitMs`, so its operations do not wait for the next write.
   */
  private async persistedOrSynced(shard: ShardStore, seqNo: number, deadline: number): Promise<void> {
    const persisted = await shard.waitForPersisted(seqNo, Math.min(persistWaitMs, deadline - this.nowMs()));
    if (!persisted && this.nowMs() < deadline) {
      await shard.syncDeferred().catch((error: unknown) => this.log.warn({ reason: (error as Error).message }, 'fsync of leader operations for shard_changes failed'));
    }
  }

  private wake(key: string, seqNo: number): void {
    const waiters = this.waiters.get(key);
    if (waiters === undefined) return;
    for (const waiter of [...waiters]) {
      if (seqNo >= waiter.fromSeqNo) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
    if (waiters.size === 0) this.waiters.delete(key);
  }

  /** The index was deleted or closed: every waiter on any of its shards answers now. */
  private wakeIndex(indexUuid: string): void {
    for (const key of [...this.waiters.keys()]) if (key.startsWith(`${indexUuid}/`)) this.wake(key, Number.MAX_SAFE_INTEGER);
  }

  private waitFor(key: string, fromSeqNo: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.waiters.get(key);
      if (waiters === undefined) this.waiters.set(key, (waiters = new Set()));
      const timer = setTimeout(() => {
        waiters!.delete(waiter);
        resolve();
      }, timeoutMs);
      timer.unref();
      const waiter: Waiter = {
        fromSeqNo,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      waiters.add(waiter);
    });
  }

  // ------------------------------------------------------------------ restore sessions

  restoreSessionPut(body: Record<string, unknown>, access: LeaderAuthorizer): Record<string, unknown> | Promise<Record<string, unknown>> {
    const name = stringField(body, 'index');
    this.checkInternal(CCR_ACTIONS.restoreSessionPut, name, access);
    this.checkWholeDocuments(CCR_ACTIONS.restoreSessionPut, name, access);
    const router = this.router;
    if (router === undefined) return this.serveRestoreSessionPut(body);
    // The copy is the primary's; the session lives on its node, whose id the session's id carries
    // (any gateway, also another one after this one died, sends the follow-ups there).
    const handle = this.concrete(name);
    return (async () => {
      const answer = (await router.onPrimary(CCR_ACTIONS.restoreSessionPut, handle, this.routedShard(body, handle), body, () => ({ ...this.serveRestoreSessionPut(body), node: router.nodeId }), routedAnswerMs)) as Record<string, unknown>;
      const { node, ...rest } = answer;
      return { ...rest, session_uuid: `${String(node)}${SESSION_NODE_SEPARATOR}${String(answer['session_uuid'])}` };
    })();
  }

  /** Opens a restore session on this node's copy of the shard, already authorized. */
  private serveRestoreSessionPut(body: Record<string, unknown>): Record<string, unknown> {
    const name = stringField(body, 'index');
    const handle = this.concrete(name);
    const shardNumber = this.shardField(body, handle);
    const shard = this.indices.openShardOf(handle, shardNumber);
    if (this.sessions.size >= leaderLimits.restoreSessionsMax) {
      throw new EsError(429, 'es_rejected_execution_exception', `too many cross-cluster replication restore sessions open [${this.sessions.size}]`);
    }
    // The searchable state first (refreshed to the store's max seq_no now, its segments on disk),
    // then the store's snapshot: nothing runs in between, so both stand at the same seq_no, and the
    // follower may take the segment files instead of building its own (as Elasticsearch's follower
    // copies the leader's Lucene files). A state that is not at the snapshot's seq_no is not offered.
    const segmentFiles = this.indices.segmentFilesOf(handle, shardNumber);
    const snapshot = ShardSnapshot.open(shard.file);
    const files = segmentFiles !== undefined && segmentFiles.refreshedSeqNo === snapshot.maxSeqNo ? openSegmentFiles(segmentFiles) : undefined;
    const id = randomUUID();
    this.sessions.set(id, { id, indexUuid: handle.uuid, snapshot, files: files ?? new Map(), lastUsedMs: this.nowMs() });
    this.log.info({ index: handle.name, session: id, max_seq_no: snapshot.maxSeqNo, docs: snapshot.docCount, segment_files: files?.size ?? 0 }, 'opened a cross-cluster replication restore session');
    return {
      session_uuid: id,
      index_uuid: handle.uuid,
      max_seq_no: snapshot.maxSeqNo,
      doc_count: snapshot.docCount,
      ...(files !== undefined && segmentFiles !== undefined
        ? {
            segments: {
              refreshed_seq_no: segmentFiles.refreshedSeqNo,
              next_segment_number: segmentFiles.nextSegmentNumber,
              digest: segmentFiles.digest,
              files: segmentFiles.segments.map((segment) => ({
                name: segment.name,
                max_doc: segment.maxDoc,
                deleted: segment.deleted,
                seg_bytes: files.get(`${segment.name}.seg`)!.size,
                meta_bytes: files.get(`${segment.name}.meta`)!.size,
              })),
            },
          }
        : {}),
    };
  }

  /** `indices.recovery.max_bytes_per_sec`: bootstrap data this node serves to followers. */
  setOutboundBytesPerSec(bytesPerSec: number): void {
    this.outbound.setRate(bytesPerSec);
  }

  /**
   * Waits until `bytes` more recovery data may leave this node: peer recovery shares this pacer, as
   * `indices.recovery.max_bytes_per_sec` is one node-wide limit in Elasticsearch.
   */
  paceOutbound(bytes: number): Promise<void> {
    return this.outbound.pace(bytes);
  }

  async restoreFileChunk(body: Record<string, unknown>, access: LeaderAuthorizer): Promise<Record<string, unknown>> {
    const name = stringField(body, 'index');
    this.checkInternal(CCR_ACTIONS.restoreFileChunk, name, access);
    this.checkWholeDocuments(CCR_ACTIONS.restoreFileChunk, name, access);
    return (await this.onSessionNode(CCR_ACTIONS.restoreFileChunk, body, (local) => this.serveRestoreFileChunk(local))) as Record<string, unknown>;
  }

  /**
   * Runs a restore session's follow-up where the session is: on one node here; on many, on the
   * node its id names (the id without that prefix is the node's own).
   */
  private onSessionNode(action: string, body: Record<string, unknown>, serve: (body: Record<string, unknown>) => unknown): unknown {
    const router = this.router;
    if (router === undefined) return serve(body);
    const id = stringField(body, 'session_uuid');
    const separator = id.indexOf(SESSION_NODE_SEPARATOR);
    if (separator <= 0) throw errors.resourceNotFound(`restore session [${id}] not found`);
    const local = { ...body, session_uuid: id.slice(separator + 1) };
    return router.onNode(id.slice(0, separator), action, local, () => serve(local));
  }

  /** A chunk of a restore session on this node, already authorized. */
  private async serveRestoreFileChunk(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const session = this.sessions.get(stringField(body, 'session_uuid'));
    if (session === undefined) throw errors.resourceNotFound(`restore session [${String(body['session_uuid'])}] not found`);
    session.lastUsedMs = this.nowMs();
    if (body['file'] !== undefined) return this.serveSegmentFileChunk(session, body);
    let answer: Record<string, unknown>;
    let bytes: number;
    if (body['ids'] !== undefined) {
      // Named documents with their sources: those a follower could not take from the segment files it copied.
      const ids = body['ids'];
      if (!Array.isArray(ids) || ids.length > leaderLimits.restoreChunkDocsMax || !ids.every((id) => typeof id === 'string')) {
        throw errors.badRequest(`[ids] must be an array of at most [${leaderLimits.restoreChunkDocsMax}] document ids`);
      }
      const documents = session.snapshot.readIds(ids as string[]);
      [answer, bytes] = [{ documents, done: false }, documentsWireBytes(documents)];
    } else {
      const afterId = typeof body['after_id'] === 'string' ? body['after_id'] : '';
      const limit = Math.min(leaderLimits.restoreChunkDocsMax, Math.max(1, integerField(body, 'max_docs')));
      if (body['without_sources'] === true) {
        // The follower stores the documents from the segment files it copies (document-columns.ts).
        const columns = encodeDocumentColumns(session.snapshot.readMetadata(afterId, limit));
        [answer, bytes] = [{ document_columns: columns, done: columns.id_lengths.length === 0 }, documentColumnsWireBytes(columns)];
      } else {
        const documents = session.snapshot.read(afterId, limit, leaderLimits.restoreChunkBytesMax);
        [answer, bytes] = [{ documents, done: documents.length === 0 }, documentsWireBytes(documents)];
      }
    }
    await this.outbound.pace(bytes);
    session.lastUsedMs = this.nowMs();
    return answer;
  }

  /** A piece of one of the session's segment files: `file` from `offset`, at most `length` bytes. */
  private async serveSegmentFileChunk(session: RestoreSession, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const name = stringField(body, 'file');
    const file = session.files.get(name);
    if (file === undefined) throw errors.badRequest(`restore session [${session.id}] has no file [${name}]`);
    const offset = integerField(body, 'offset');
    const length = integerField(body, 'length');
    if (offset < 0 || offset > file.size) throw errors.badRequest(`offset [${offset}] is outside file [${name}] of [${file.size}] bytes`);
    if (length < 1 || length > leaderLimits.restoreChunkBytesMax) throw errors.badRequest(`length [${length}] must be between [1] and [${leaderLimits.restoreChunkBytesMax}]`);
    const data = Buffer.allocUnsafe(Math.min(length, file.size - offset));
    let read = 0;
    while (read < data.length) {
      const n = readSync(file.descriptor, data, read, data.length - read, offset + read);
      if (n === 0) throw errors.illegalState(`file [${name}] ended at [${offset + read}] bytes, before its [${file.size}]`);
      read += n;
    }
    await this.outbound.pace(data.length);
    session.lastUsedMs = this.nowMs();
    return { file: name, offset, data, done: offset + data.length >= file.size };
  }

  async restoreSessionClear(body: Record<string, unknown>, access: LeaderAuthorizer): Promise<Record<string, unknown>> {
    const name = stringField(body, 'index');
    this.checkInternal(CCR_ACTIONS.restoreSessionClear, name, access);
    return (await this.onSessionNode(CCR_ACTIONS.restoreSessionClear, body, (local) => this.serveRestoreSessionClear(local))) as Record<string, unknown>;
  }

  private serveRestoreSessionClear(body: Record<string, unknown>): Record<string, unknown> {
    this.closeSession(stringField(body, 'session_uuid'));
    return { acknowledged: true };
  }

  private closeSession(id: string): void {
    const session = this.sessions.get(id);
    if (session === undefined) return;
    this.sessions.delete(id);
    session.snapshot.close();
    for (const file of session.files.values()) closeSync(file.descriptor);
  }

  /** Closes restore sessions idle past the recovery activity timeout and drops expired leases. */
  private sweep(): void {
    const now = this.nowMs();
    for (const session of [...this.sessions.values()]) {
      if (now - session.lastUsedMs > leaderLimits.restoreSessionIdleMs) {
        this.log.info({ session: session.id }, 'closed an idle cross-cluster replication restore session');
        this.closeSession(session.id);
      }
    }
    const uuids = (this.db.prepare('SELECT DISTINCT index_uuid FROM ccr_shard_retention_leases').all() as { index_uuid: string }[]).map((row) => row.index_uuid);
    const byUuid = new Map(this.indices.all().map((handle) => [handle.uuid, handle]));
    for (const uuid of uuids) {
      this.db.prepare('DELETE FROM ccr_shard_retention_leases WHERE index_uuid = ? AND timestamp_ms < ?').run(uuid, now - this.leasePeriodMs(byUuid.get(uuid)));
    }
  }

  // ------------------------------------------------------------------ fencing

  /**
   * Puts `index.blocks.write` on the leader index (a promoted follower takes over as the writer)
   * and answers the leader's last seq_no, which the follower must reach before it accepts writes.
   * The certificate model also accepts the caller's `indices:admin/block/add`.
   */
  fence(body: Record<string, unknown>, access: LeaderAuthorizer): Record<string, unknown> | Promise<Record<string, unknown>> {
    const name = stringField(body, 'index');
    if (!access.allowsIndex(CCR_ACTIONS.fence, name) && !(access.model === 'certificate' && access.allowsIndex('indices:admin/block/add', name))) {
      throw errors.securityForbidden(`insufficient privileges to fence leader index [${name}], privilege for action [${CCR_ACTIONS.fence}] is missing`);
    }
    const handle = this.concrete(name);
    const expected = typeof body['expected_uuid'] === 'string' ? body['expected_uuid'] : undefined;
    // The follower's leader was deleted and re-created under the same name: a conflict with the
    // cluster's state the caller can see and resolve, not a server fault.
    if (expected !== undefined && expected !== handle.uuid) throw new EsError(409, 'status_exception', `unexpected history uuid, expected [${expected}], actual [${handle.uuid}]`);
    if (this.router !== undefined) return this.fenceAcrossNodes(this.router, handle);
    this.indices.updateSettings([handle], { 'index.blocks.write': 'true' });
    const maxSeqNos = (handle.shards ?? []).map((shard) => shard.maxSeqNo);
    const maxSeqNo = maxSeqNos[0] ?? -1;
    this.log.info({ index: handle.name, max_seq_nos: maxSeqNos }, 'leader index fenced for a follower promotion (index.blocks.write)');
    return { index: handle.name, uuid: handle.uuid, max_seq_no: maxSeqNo, shard_max_seq_nos: maxSeqNos };
  }

  /**
   * Many nodes: the block goes through the master (a cluster-state settings update, as
   * `PUT /{index}/_settings` does), then each shard's primary answers its max_seq_no once it applied
   * the block itself (it refuses writes from then on), so no write acknowledged after the answer.
   */
  private async fenceAcrossNodes(router: LeaderShardRouter, handle: IndexHandle): Promise<Record<string, unknown>> {
    await router.publishSettings(handle, { 'index.blocks.write': 'true' }, routedAnswerMs);
    const maxSeqNos = await Promise.all(
      Array.from({ length: shardCountOf(handle) }, async (_, shard) => {
        const shardBody = { index: handle.name, index_uuid: handle.uuid, shard };
        const answer = (await router.onPrimary(FENCE_SHARD_ACTION, handle, shard, shardBody, () => this.serveFenceShard(shardBody), routedAnswerMs)) as { max_seq_no: number };
        return answer.max_seq_no;
      }),
    );
    this.log.info({ index: handle.name, max_seq_nos: maxSeqNos }, 'leader index fenced for a follower promotion through the master (index.blocks.write on every primary)');
    return { index: handle.name, uuid: handle.uuid, max_seq_no: maxSeqNos[0] ?? -1, shard_max_seq_nos: maxSeqNos };
  }

  /** On a shard's primary: waits until this node applied the write block, then answers the shard's max_seq_no. */
  private async serveFenceShard(body: Record<string, unknown>): Promise<{ max_seq_no: number }> {
    const deadline = this.nowMs() + routedAnswerMs;
    for (;;) {
      const handle = this.concrete(stringField(body, 'index'));
      if (typeof body['index_uuid'] === 'string' && body['index_uuid'] !== handle.uuid) throw errors.indexNotFound(handle.name);
      if (handle.metadata.settings['index.blocks.write'] === 'true') return { max_seq_no: this.indices.openShardOf(handle, this.shardField(body, handle)).maxSeqNo };
      if (this.nowMs() > deadline) throw errors.illegalState(`the write block of [${handle.name}] did not reach the node of its primary shard in time`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  // ------------------------------------------------------------------ retention leases

  /** `index.soft_deletes.retention_lease.period` of the index (12h by default): a lease not renewed for longer expires. */
  private leasePeriodMs(handle: IndexHandle | undefined): number {
    const text = handle?.metadata.settings['index.soft_deletes.retention_lease.period'];
    return text === undefined ? leaderLimits.retentionLeasePeriodMs : parseTimeMs(text);
  }

  private leasesOf(handle: IndexHandle, shard: number): { lease_id: string; retaining_seq_no: number; source: string; timestamp_ms: number }[] {
    const floor = this.nowMs() - this.leasePeriodMs(handle);
    return (
      this.leasesOfIndex.all(handle.uuid, shard) as {
        lease_id: string;
        retaining_seq_no: number;
        source: string;
        timestamp_ms: number;
      }[]
    ).filter((lease) => lease.timestamp_ms >= floor);
  }

  /** The lowest seq_no any unexpired lease on the shard retains (history below it may be trimmed); undefined without leases. */
  retentionFloor(index: IndexHandle, shard: number): number | undefined {
    const leases = this.leasesOf(index, shard);
    return leases.length === 0 ? undefined : Math.min(...leases.map((lease) => lease.retaining_seq_no));
  }

  /** The leases on one shard of an index (shard 0 by default), for `_ccr/info`-style diagnostics and tests. */
  leases(indexName: string, shard = 0): { id: string; retaining_seq_no: number; source: string }[] {
    const handle = this.indices.get(indexName);
    return handle === undefined ? [] : this.leasesOf(handle, shard).map((lease) => ({ id: lease.lease_id, retaining_seq_no: lease.retaining_seq_no, source: lease.source }));
  }

  retentionLease(kind: 'add' | 'renew' | 'remove', body: Record<string, unknown>, access: LeaderAuthorizer): Record<string, unknown> | Promise<Record<string, unknown>> {
    const name = stringField(body, 'index');
    const action = leaseActionOf(kind);
    this.checkInternal(action, name, access);
    const router = this.router;
    if (router === undefined) return this.serveRetentionLease(kind, body);
    const handle = this.concrete(name);
    return router.onPrimary(action, handle, this.routedShard(body, handle), body, () => this.serveRetentionLease(kind, body), routedAnswerMs) as Promise<Record<string, unknown>>;
  }

  /**
   * A lease change on this node's copy of the shard (its primary, on many nodes), already
   * authorized. On many nodes the primary then gives the shard's other copies its whole lease set
   * and answers once they hold it (Elasticsearch's retention lease sync), so that a replica
   * promoted after a failover still holds the follower's lease, and keeps the history it retains.
   */
  private serveRetentionLease(kind: 'add' | 'renew' | 'remove', body: Record<string, unknown>): Record<string, unknown> | Promise<Record<string, unknown>> {
    const answer = this.writeRetentionLease(kind, body);
    const router = this.router;
    if (router === undefined) return answer;
    const handle = this.concrete(stringField(body, 'index'));
    const shard = body['shard'] === undefined ? 0 : integerField(body, 'shard');
    return router.syncLeases(handle, shard, this.storedLeases(handle, shard)).then(() => answer);
  }

  /** Every lease this node stores for the shard (expired ones too: each copy expires them by the same period). */
  storedLeases(handle: IndexHandle, shard: number): StoredLease[] {
    return this.leasesOfIndex.all(handle.uuid, shard) as unknown as StoredLease[];
  }

  /** A shard's whole lease set, as its primary sent it (a copy's side of the sync). */
  replaceLeases(body: Record<string, unknown>): Record<string, unknown> {
    const handle = this.concrete(stringField(body, 'index'));
    const shard = integerField(body, 'shard');
    if (handle.uuid !== body['index_uuid']) throw errors.shardNotFound(handle.name, shard);
    const leases = body['leases'];
    if (!Array.isArray(leases)) throw errors.badRequest('malformed retention lease sync: [leases] must be an array');
    const insert = this.db.prepare('INSERT INTO ccr_shard_retention_leases (index_uuid, shard, lease_id, retaining_seq_no, timestamp_ms, source) VALUES (?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM ccr_shard_retention_leases WHERE index_uuid = ? AND shard = ?').run(handle.uuid, shard);
      for (const raw of leases as Record<string, unknown>[]) {
        insert.run(handle.uuid, shard, stringField(raw, 'lease_id'), integerField(raw, 'retaining_seq_no'), integerField(raw, 'timestamp_ms'), stringField(raw, 'source'));
      }
    })();
    return { acknowledged: true };
  }

  private writeRetentionLease(kind: 'add' | 'renew' | 'remove', body: Record<string, unknown>): Record<string, unknown> {
    const name = stringField(body, 'index');
    const handle = this.concrete(name);
    const leaseId = stringField(body, 'lease_id');
    const shardNumber = body['shard'] === undefined ? 0 : integerField(body, 'shard');
    if (kind === 'remove') {
      this.db.prepare('DELETE FROM ccr_shard_retention_leases WHERE index_uuid = ? AND shard = ? AND lease_id = ?').run(handle.uuid, shardNumber, leaseId);
      return { acknowledged: true };
    }
    const shard = handle.shards === undefined ? undefined : this.indices.openShardOf(handle, this.shardField(body, handle));
    // -1 retains whatever history is there now (the bootstrap's lease, taken before the copy).
    const retaining = integerField(body, 'retaining_seq_no');
    const minRetained = shard?.opsRetained().minSeqNo ?? -1;
    if (kind === 'add' && retaining >= 0 && minRetained > retaining && shard !== undefined && shard.maxSeqNo >= retaining) {
      throw new EsError(404, 'resource_not_found_exception', `cannot add retention lease [${leaseId}]: operations from [${retaining}] are no longer retained`);
    }
    this.db
      .prepare(
        'INSERT INTO ccr_shard_retention_leases (index_uuid, shard, lease_id, retaining_seq_no, timestamp_ms, source) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (index_uuid, shard, lease_id) DO UPDATE SET retaining_seq_no = excluded.retaining_seq_no, timestamp_ms = excluded.timestamp_ms',
      )
      .run(handle.uuid, shardNumber, leaseId, retaining, this.nowMs(), 'ccr');
    return { acknowledged: true };
  }

  /** `POST /{leader}/_ccr/forget_follower`: removes the lease the follower's identity names (spec §3.4). */
  async forgetFollower(leaderIndex: IndexHandle, leaseId: string): Promise<{ total: number; successful: number; failed: number }> {
    const shards = shardCountOf(leaderIndex);
    const router = this.router;
    if (router === undefined) {
      this.db.prepare('DELETE FROM ccr_shard_retention_leases WHERE index_uuid = ? AND lease_id = ?').run(leaderIndex.uuid, leaseId);
      return { total: shards, successful: shards, failed: 0 };
    }
    // On many nodes each shard's primary removes it (and its copies follow); a shard without a reachable primary fails.
    const results = await Promise.allSettled(
      Array.from({ length: shards }, (_, shard) => {
        const body = { index: leaderIndex.name, shard, lease_id: leaseId };
        return router.onPrimary(CCR_ACTIONS.removeRetentionLease, leaderIndex, shard, body, () => this.serveRetentionLease('remove', body), routedAnswerMs);
      }),
    );
    const failed = results.filter((result) => result.status === 'rejected').length;
    return { total: shards, successful: shards - failed, failed };
  }
}

/** Leader info's per-shard part, on many nodes asked of each primary (the shard-level form of `indices:monitor/stats`). */
const SHARD_CHECKPOINT_ACTION = `${CCR_ACTIONS.leaderInfo}[s]`;
/** A fence's shard-level part, on each primary (many nodes). */
const FENCE_SHARD_ACTION = `${CCR_ACTIONS.fence}/shard`;

/**
 * The leader actions a gateway routes to another node of its cluster: `shard` ones to the node
 * holding the shard's primary, `node` ones to the node holding the restore session. Served there
 * by `serveRouted` (the wiring registers them under these names plus `[s]` / `[n]`).
 */
export const ROUTED_LEADER_ACTIONS: readonly { readonly action: string; readonly to: 'shard' | 'node' }[] = [
  { action: CCR_ACTIONS.shardChanges, to: 'shard' },
  { action: CCR_ACTIONS.restoreSessionPut, to: 'shard' },
  { action: CCR_ACTIONS.addRetentionLease, to: 'shard' },
  { action: CCR_ACTIONS.renewRetentionLease, to: 'shard' },
  { action: CCR_ACTIONS.removeRetentionLease, to: 'shard' },
  { action: SHARD_CHECKPOINT_ACTION, to: 'shard' },
  { action: FENCE_SHARD_ACTION, to: 'shard' },
  { action: CCR_ACTIONS.restoreFileChunk, to: 'node' },
  { action: CCR_ACTIONS.restoreSessionClear, to: 'node' },
];

/** What a shard's primary sends its other copies (Elasticsearch's RetentionLeaseSyncAction, replica side). */
export const RETENTION_LEASE_SYNC_ACTION = 'indices:admin/seq_no/retention_lease_sync[r]';

/** Between a restore session's node id and the node's own session id (node ids and uuids never hold it). */
const SESSION_NODE_SEPARATOR = '~';

function shardCountOf(handle: IndexHandle): number {
  return Number(handle.metadata.settings['index.number_of_shards'] ?? '1');
}

function leaseActionOf(kind: 'add' | 'renew' | 'remove'): string {
  return kind === 'add' ? CCR_ACTIONS.addRetentionLease : kind === 'renew' ? CCR_ACTIONS.renewRetentionLease : CCR_ACTIONS.removeRetentionLease;
}

/** A stored operation as `shard_changes` answers it without columns (older followers). */
function changeOperation(op: Operation): ChangeOperation {
  return {
    seqNo: op.seqNo,
    op: op.op,
    id: op.id,
    source: op.source,
    primaryTerm: op.primaryTerm,
    version: op.version,
    ...(op.routing !== undefined && op.routing !== null ? { routing: op.routing } : {}),
    ...(op.timestampMs !== undefined ? { timestampMs: op.timestampMs } : {}),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
}

function waiterKey(indexUuid: string, shard: number): string {
  return `${indexUuid}/${shard}`;
}

/** Spec §4.5: the lease id a follower holds on a leader shard. */
export function retentionLeaseId(followerCluster: string, followerIndex: string, followerUuid: string, leaderAlias: string, leaderIndex: string, leaderUuid: string): string {
  return `${followerCluster}/${followerIndex}/${followerUuid}-following-${leaderAlias}/${leaderIndex}/${leaderUuid}`;
}

/**
 * Opens every file of a shard's segment files (held open, a merge that removes one later does not
 * take it from the session); undefined, with nothing left open, when one cannot be opened.
 */
function openSegmentFiles(snapshot: SegmentFilesSnapshot): Map<string, { readonly descriptor: number; readonly size: number }> | undefined {
  const files = new Map<string, { descriptor: number; size: number }>();
  try {
    for (const segment of snapshot.segments) {
      for (const suffix of ['.seg', '.meta']) {
        const descriptor = openSync(path.join(segment.directory, `${segment.name}${suffix}`), 'r');
        files.set(`${segment.name}${suffix}`, { descriptor, size: fstatSync(descriptor).size });
      }
    }
    return files;
  } catch {
    for (const file of files.values()) closeSync(file.descriptor);
    return undefined;
  }
}

function stringField(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') throw errors.badRequest(`malformed cross-cluster replication request: [${field}] is required`);
  return value;
}

function integerField(body: Record<string, unknown>, field: string): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw errors.badRequest(`malformed cross-cluster replication request: [${field}] must be an integer`);
  return value;
}

/** Actions run as `_system` under the API key model: the key's replication access alone decides (spec remote-clusters.md §6.1). */
export function isCcrInternalAction(action: string): boolean {
  return action.startsWith('indices:internal/admin/ccr/restore/') || action.startsWith('indices:admin/seq_no/');
}

/** The leader actions, for the remote side's handler table (both interfaces). */
export function ccrLeaderActions(leader: CcrLeaderService): { action: string; remoteCluster: boolean; run(body: Record<string, unknown>, access: LeaderAuthorizer): unknown }[] {
  const serve = (action: string, run: (body: Record<string, unknown>, access: LeaderAuthorizer) => unknown) => ({ action, remoteCluster: true, run });
  return [
    serve(CCR_ACTIONS.leaderInfo, (body, access) => leader.leaderInfo(body, access)),
    serve(CCR_ACTIONS.shardChanges, (body, access) => leader.shardChanges(body, access)),
    serve(CCR_ACTIONS.restoreSessionPut, (body, access) => leader.restoreSessionPut(body, access)),
    serve(CCR_ACTIONS.restoreFileChunk, (body, access) => leader.restoreFileChunk(body, access)),
    serve(CCR_ACTIONS.restoreSessionClear, (body, access) => leader.restoreSessionClear(body, access)),
    serve(CCR_ACTIONS.addRetentionLease, (body, access) => leader.retentionLease('add', body, access)),
    serve(CCR_ACTIONS.renewRetentionLease, (body, access) => leader.retentionLease('renew', body, access)),
    serve(CCR_ACTIONS.removeRetentionLease, (body, access) => leader.retentionLease('remove', body, access)),
    serve(CCR_ACTIONS.fence, (body, access) => leader.fence(body, access)),
  ];
}
