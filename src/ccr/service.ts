/**
 * Cross-cluster replication, follower side (I/O shell): create-follower with its bootstrap,
 * pause, resume, unfollow, follower info and stats (spec ccr.md §2, §3, §4). A follower has the
 * leader's number of shards, and one follow task per shard, each reading its leader shard's
 * operation history (`shard` of shard_changes) into the same shard number of the follower, with a
 * retention lease of its own on that leader shard.
 *
 * Durability: the follower's records (leader, parameters, status, the identity its tasks run as)
 * live in node.db; each shard's checkpoint is that shard's max_seq_no, committed with the
 * operations. A restart resumes every active follower from there. A shard whose bootstrap did not
 * finish is redone from a fresh copy of its leader shard.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { errors, EsError, type SqlDatabase } from '../common/index.js';
import { runLimited } from '../common/workers.js';
import { connectionFailureTypes } from '../transport/index.js';
import type { IndexHandle, IndicesService } from '../index/index.js';
import type { CopiedSegmentFiles } from '../index/indices-service.js';
import { validateIndexName, wildcardMatch } from '../index/index.js';
import type { RoleDescriptor } from '../security/index.js';
import type { Authentication } from '../security/types.js';
import { AutoFollowStats } from './auto-follow.js';
import { FollowerRecords, type FollowerRecord, type StoredSubject } from './follower-records.js';
import { decodeOperationColumns } from './operation-columns.js';
import { describeLeaderDocuments, storeDocumentsFromFiles } from './bootstrap-documents.js';
import { documentsWireBytes } from './document-columns.js';
import type { DocMetadata, Segment } from '../index/searcher/index.js';
import type { StoredDocument } from '../index/store/index.js';
import { CCR_ACTIONS, isReplicatedSetting, retentionLeaseId, type LeaderDataStream, type LeaderIndexInfo } from './leader.js';
import { isFollowParameterField, parseFollowParameters, renderFollowParameters } from './parameters.js';
import { Pacer, recoveryBytesPerSecDefault } from './pacer.js';
import { FollowTask } from './runner.js';
import type { ChangeOperation, ShardChangesResponse } from './types.js';

/** How the follower reaches a leader cluster (the remote clusters client implements it). */
export interface CcrRemote {
  /** Configured aliases. */
  aliases(): readonly string[];
  /** Sends a leader action to the cluster behind `alias` as `subject` (its stored roles, spec §4.2). */
  send(alias: string, action: string, body: Record<string, unknown>, subject: StoredSubject | undefined): Promise<unknown>;
}

/** The follower cluster's data streams (index/data-stream-service.ts implements it; spec §2.3 "Data streams"). */
export interface ReplicatedDataStreams {
  /** Throws unless the local data stream `stream` may take the follower backing index `followerIndex` (absent, or replicated). */
  checkReplicated(stream: string, followerIndex: string): void;
  /** Adds the follower backing index to the local replicated data stream, creating the stream if needed. */
  attachReplicated(stream: string, index: IndexHandle, leader: LeaderDataStream): void;
  /** Takes a follower index back out of its data stream (a create-follower that failed); an emptied stream goes too. */
  detach(index: string): void;
}

/** One follow task's stats, as `_ccr/stats` lists it and a node sends another (multi-node). */
export interface ShardTaskStats {
  readonly shard: number;
  readonly stats: Record<string, unknown>;
  readonly lag: { readonly millis: number; readonly operations: number };
}

/**
 * A follower cluster of many nodes (src/node/wire-ccr-follower.ts implements it; issues #10, #14).
 * As in Elasticsearch, the follower index is made through the master, each follower shard's task
 * runs on the node holding that shard's started primary (ShardFollowTasksExecutor assigns the
 * persistent task there), the primary writes what it reads and replicates it to its copies, and
 * the follow state (the records) is shared by every node.
 */
export interface CcrCluster {
  /** Sends the follower index this node just created (absent from `before`) to the master; rejects (and undoes it) when refused. */
  publishCreated(before: ReadonlySet<string>, timeoutMs: number): Promise<void>;
  /** Sends this node's metadata of `handle` (mapping, settings, the follower marker) to the master. */
  publishMetadata(handle: IndexHandle, timeoutMs: number): Promise<void>;
  /** The shard numbers of `handle` whose started primary is on this node. */
  primaryShardsHere(handle: IndexHandle): readonly number[];
  /** Applies leader operations on this node's primary of the shard and replicates them to every in-sync copy; resolves to the shard's max_seq_no once they all hold them. */
  write(handle: IndexHandle, shard: number, operations: readonly ChangeOperation[]): Promise<number>;
  /** Shares a record (undefined: removed) with every node; resolves once shared. */
  shareRecord(followerUuid: string, record: FollowerRecord | undefined): Promise<void>;
  /** Waits until every shard of `handle` has a started (bootstrapped) primary and `wanted` active copies; false after `timeoutMs`. */
  waitForActiveShards(handle: IndexHandle, wanted: number | 'all', timeoutMs: number): Promise<boolean>;
  /** Every node's task stats by follower uuid (this node's included); a node that does not answer is left out. */
  shardStatsOfEveryNode(): Promise<Map<string, ShardTaskStats[]>>;
  /** Each shard's max_seq_no on its started primary, asked of every node (-1 for a shard no node answered for). */
  primaryCheckpoints(handle: IndexHandle): Promise<number[]>;
}

export interface CcrServiceOptions {
  readonly indices: IndicesService;
  /** A node of a multi-node cluster: its tasks start only once the cluster is attached (`attachCluster`). */
  readonly multiNode?: boolean;
  /** Data streams of this node; without them a data stream's backing index is followed as a plain index. */
  readonly dataStreams?: ReplicatedDataStreams;
  readonly db: SqlDatabase;
  readonly remote: CcrRemote;
  /** Role descriptors of a caller, captured with its follow tasks; undefined with security off. */
  readonly descriptorSets: ((authentication: Authentication) => RoleDescriptor[][]) | undefined;
  readonly clusterName: string;
  readonly nowMs: () => number;
  readonly random?: () => number;
  readonly log: Logger;
}

/** Limits (style P4). */
export const followerLimits = {
  bootstrapChunkDocs: 2_000, // ours: documents per restore chunk request (and per store commit)
  describeChunkDocs: 10_000, // ours: documents per chunk described without sources (the leader's restoreChunkDocsMax)
  sourcelessDocsMax: 1_000_000, // ours: a larger shard's bootstrap has its documents sent with their sources (the description is held in memory)
  segmentFileChunkBytes: 1024 * 1024, // ccr.indices.recovery.chunk_size default (1mb): bytes per segment file chunk request
  segmentFileChunksInFlight: 5, // ccr.indices.recovery.max_concurrent_file_chunks default (5)
  bootstrapRetryMs: 5_000, // ours: wait before a failed background bootstrap starts again
  waitForActiveShardsMs: 60_000, // ours: how long put-follow waits for the shards it was asked to wait for (multi-node)
  promoteCatchUpMs: 30_000, // ours: how long a promotion waits for the follower to reach the fenced leader
} as const;

/** One segment a leader's restore session offers as files (`<name>.seg`, `<name>.meta`). */
interface OfferedSegmentFile {
  readonly name: string;
  readonly maxDoc: number;
  readonly deleted: readonly number[];
  readonly segBytes: number;
  readonly metaBytes: number;
}

/**
 * The segment files a restore session's answer offers, checked (names become file names here);
 * undefined when it offers none, or anything in the offer is out of shape (the copy then builds).
 */
function offeredSegmentFiles(value: unknown, maxSeqNo: number): { refreshedSeqNo: number; nextSegmentNumber: number; digest: string; files: OfferedSegmentFile[] } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const offer = value as Record<string, unknown>;
  const count = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  if (offer['refreshed_seq_no'] !== maxSeqNo || !count(offer['next_segment_number']) || typeof offer['digest'] !== 'string' || !Array.isArray(offer['files'])) return undefined;
  const files: OfferedSegmentFile[] = [];
  const names = new Set<string>();
  for (const entry of offer['files'] as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return undefined;
    const { name, max_doc: maxDoc, deleted, seg_bytes: segBytes, meta_bytes: metaBytes } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || !/^_[0-9a-z]{1,12}$/.test(name) || names.has(name)) return undefined;
    if (!count(maxDoc) || !count(segBytes) || !count(metaBytes) || !Array.isArray(deleted)) return undefined;
    if (!deleted.every((doc) => count(doc) && doc < maxDoc)) return undefined;
    names.add(name);
    files.push({ name, maxDoc, deleted: deleted as number[], segBytes, metaBytes });
  }
  return { refreshedSeqNo: maxSeqNo, nextSegmentNumber: offer['next_segment_number'], digest: offer['digest'], files };
}

/** A leader that cannot be reached (as opposed to one that refuses). */
function isUnreachable(error: unknown): boolean {
  if (!(error instanceof EsError)) return true;
  return connectionFailureTypes.has(error.type) || error.type === 'transport_exception';
}

const PUT_FOLLOW_FIELDS = new Set(['remote_cluster', 'leader_index', 'settings', 'data_stream_name']);

function randomUnit(): number {
  return randomBytes(4).readUInt32BE(0) / 2 ** 32;
}

export class CcrService {
  private readonly records: FollowerRecords;
  /** The follow tasks of each follower (by follower uuid), by shard number: every shard on one node, the shards whose primary is here on many. */
  private readonly tasks = new Map<string, Map<number, FollowTask>>();
  /** Set on a node of a multi-node cluster once its wiring is up (`attachCluster`). */
  private cluster: CcrCluster | undefined;
  /** Bootstraps in progress, by follower uuid. */
  private readonly bootstraps = new Map<string, Promise<void>>();
  private readonly unlisten: () => void;
  private closed = false;
  private readonly random: () => number;
  /** `ccr.indices.recovery.max_bytes_per_sec`: bootstrap data this node copies from leaders. */
  private readonly inbound: Pacer;

  constructor(private readonly options: CcrServiceOptions) {
    this.records = new FollowerRecords(options.db);
    this.random = options.random ?? randomUnit;
    this.inbound = new Pacer(recoveryBytesPerSecDefault, options.nowMs);
    this.unlisten = options.indices.addListener({
      indexDeleted: (index) => {
        // A deleted follower takes its task and record with it (spec §4.4, "background cleaner").
        this.stopTask(index.uuid);
        if (this.records.get(index.uuid) !== undefined) {
          this.records.remove(index.uuid);
          this.cluster?.shareRecord(index.uuid, undefined).catch((error: unknown) => this.options.log.warn({ follower: index.name, reason: (error as Error).message }, 'could not share the removal of a deleted follower\'s record'));
          this.options.log.info({ follower: index.name }, 'follower index deleted; its follow task is gone');
        }
      },
      indexClosed: (index) => this.stopTask(index.uuid),
      indexOpened: (index) => {
        const record = this.records.get(index.uuid);
        if (record?.status === 'active') this.startTask(record);
      },
    });
  }

  setInboundBytesPerSec(bytesPerSec: number): void {
    this.inbound.setRate(bytesPerSec);
  }

  /** Starts the tasks of every active follower (node start); on many nodes, `attachCluster` does. */
  start(): void {
    if (this.options.multiNode === true) return;
    for (const record of this.records.all()) {
      const handle = this.options.indices.get(record.followerIndex);
      if (handle === undefined || handle.uuid !== record.followerUuid) {
        this.records.remove(record.followerUuid);
        continue;
      }
      if (record.status !== 'active' || handle.metadata.state !== 'open') continue;
      this.startTask(record);
    }
  }

  close(): void {
    this.closed = true;
    this.unlisten();
    for (const tasks of this.tasks.values()) for (const task of tasks.values()) task.stop();
    this.tasks.clear();
  }

  // ------------------------------------------------------------------ many nodes

  /** A multi-node node: from now on tasks follow where the primaries are (`reconcile`). */
  attachCluster(cluster: CcrCluster): void {
    this.cluster = cluster;
    this.reconcile();
  }

  /**
   * Many nodes: runs a task for each shard of an active follower whose started primary is on this
   * node, and stops the others (a primary that moved away, a paused or removed follower). Called
   * after every applied cluster state and every shared record change.
   */
  reconcile(): void {
    if (this.cluster === undefined || this.closed) return;
    const active = new Set<string>();
    for (const record of this.records.all()) {
      const handle = this.options.indices.get(record.followerIndex);
      if (record.status !== 'active' || handle === undefined || handle.uuid !== record.followerUuid || handle.metadata.state !== 'open') continue;
      active.add(record.followerUuid);
      const wanted = new Set(this.cluster.primaryShardsHere(handle));
      const tasks = this.tasks.get(record.followerUuid) ?? new Map<number, FollowTask>();
      for (const [shard, task] of tasks) {
        if (wanted.has(shard)) continue;
        task.stop();
        tasks.delete(shard);
        this.options.log.info({ follower: record.followerIndex, shard }, 'the follower shard\'s primary is no longer on this node: its follow task stops here');
      }
      for (const shard of wanted) {
        if (tasks.has(shard)) continue;
        const task = this.shardTask(record, shard, this.options.indices.openShardOf(handle, shard).maxSeqNo);
        tasks.set(shard, task);
        task.start();
        this.options.log.info({ follower: record.followerIndex, shard }, 'follow task started on the node of the follower shard\'s primary');
      }
      if (tasks.size > 0) this.tasks.set(record.followerUuid, tasks);
      else this.tasks.delete(record.followerUuid);
    }
    for (const uuid of [...this.tasks.keys()]) if (!active.has(uuid)) this.stopTask(uuid);
  }

  /** Many nodes: a record another node shared (undefined: removed). */
  applySharedRecord(followerUuid: string, record: FollowerRecord | undefined): void {
    if (record === undefined) this.records.remove(followerUuid);
    else this.records.put(record);
    this.reconcile();
  }

  /** Many nodes: every record this node holds, to share when it first loads the shared ones. */
  allRecords(): FollowerRecord[] {
    return this.records.all();
  }

  /** Stores a record here and, on many nodes, shares it with every node. */
  private async putRecord(record: FollowerRecord): Promise<void> {
    this.records.put(record);
    await this.cluster?.shareRecord(record.followerUuid, record);
  }

  private async removeRecord(followerUuid: string): Promise<void> {
    this.records.remove(followerUuid);
    await this.cluster?.shareRecord(followerUuid, undefined);
  }

  /**
   * Many nodes: the work a new primary copy of a follower shard does before it reports itself
   * started (Elasticsearch's follower shards recover from the leader, as from a snapshot, before
   * they start): a shard created empty copies its leader shard. Undefined when there is none to do.
   */
  preparePrimary(target: { readonly indexUuid: string; readonly index: string; readonly shard: number }, fromStore: 'EMPTY_STORE' | 'EXISTING_STORE'): Promise<void> | undefined {
    if (fromStore !== 'EMPTY_STORE') return undefined;
    const handle = this.options.indices.get(target.index);
    if (handle === undefined || handle.uuid !== target.indexUuid || handle.metadata.settings['index.xpack.ccr.following_index'] !== 'true') return undefined;
    if (handle.shards?.[target.shard]?.bootstrapped === true) return undefined;
    return (async () => {
      const record = this.records.get(target.indexUuid);
      if (record === undefined) throw errors.illegalState(`the follow record of [${target.index}] has not reached this node yet`);
      await this.bootstrapShard(record, target.shard);
      const current = this.options.indices.get(target.index);
      if (current !== undefined && current.uuid === target.indexUuid) this.options.indices.refresh(current);
    })();
  }

  /** This node's follow tasks' stats, by follower uuid (a node answers another with them). */
  localShardStats(): Record<string, ShardTaskStats[]> {
    const out: Record<string, ShardTaskStats[]> = {};
    for (const [uuid, tasks] of this.tasks) out[uuid] = [...tasks].map(([shard, task]) => ({ shard, stats: task.stats(), lag: task.lag() }));
    return out;
  }

  // ------------------------------------------------------------------ helpers

  private subjectOf(authentication: Authentication): StoredSubject | undefined {
    if (this.options.descriptorSets === undefined) return undefined;
    return { authentication, descriptorSets: this.options.descriptorSets(authentication) };
  }

  private checkAlias(alias: string): void {
    if (!this.options.remote.aliases().includes(alias)) {
      throw new EsError(404, 'no_such_remote_cluster_exception', `no such remote cluster: [${alias}]`);
    }
  }

  private async leaderInfo(alias: string, leaderIndex: string, subject: StoredSubject | undefined): Promise<LeaderIndexInfo> {
    return (await this.options.remote.send(alias, CCR_ACTIONS.leaderInfo, { index: leaderIndex, ccr: true }, subject)) as LeaderIndexInfo;
  }

  private leaseId(record: FollowerRecord): string {
    return retentionLeaseId(this.options.clusterName, record.followerIndex, record.followerUuid, record.remoteCluster, record.leaderIndex, record.leaderUuid);
  }

  /** The follower `name` (a concrete index carrying the follower marker), else Elasticsearch's errors. */
  private followerOf(name: string, notFollower: (name: string) => EsError): { handle: IndexHandle; record: FollowerRecord } {
    const handle = this.options.indices.get(name);
    if (handle === undefined) throw errors.indexNotFound(name);
    const record = this.records.get(handle.uuid);
    if (record === undefined) throw notFollower(name);
    return { handle, record };
  }

  // ------------------------------------------------------------------ create

  /**
   * `PUT /{follower}/_ccr/follow` (spec §2). Everything that can refuse the request is checked
   * before the follower index exists; a bootstrap that fails while the caller waits removes it
   * again, so nothing is left half-made.
   */
  async follow(
    followerName: string,
    body: unknown,
    waitForActiveShards: string | undefined,
    authentication: Authentication,
  ): Promise<{ follow_index_created: boolean; follow_index_shards_acked: boolean; index_following_started: boolean }> {
    return this.followAs(followerName, body, waitForActiveShards, this.subjectOf(authentication));
  }

  /** Create-follower as a stored identity: auto-follow patterns follow as the user who put them (spec §5.3). */
  async followAs(
    followerName: string,
    body: unknown,
    waitForActiveShards: string | undefined,
    subject: StoredSubject | undefined,
  ): Promise<{ follow_index_created: boolean; follow_index_shards_acked: boolean; index_following_started: boolean }> {
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) throw errors.parse('request body is required');
    const input = body as Record<string, unknown>;
    for (const key of Object.keys(input)) {
      if (!PUT_FOLLOW_FIELDS.has(key) && !isFollowParameterField(key)) throw errors.xContentParse(`[put_follow_request] unknown field [${key}]`);
    }
    const problems: string[] = [];
    const remoteCluster = input['remote_cluster'];
    const leaderIndex = input['leader_index'];
    if (remoteCluster === undefined || remoteCluster === null || remoteCluster === '') problems.push('remote_cluster is missing');
    else if (typeof remoteCluster !== 'string') throw errors.xContentParse('[put_follow_request] failed to parse field [remote_cluster]');
    if (leaderIndex === undefined || leaderIndex === null || leaderIndex === '') problems.push('leader_index is missing');
    else if (typeof leaderIndex !== 'string') throw errors.xContentParse('[put_follow_request] failed to parse field [leader_index]');
    if (input['data_stream_name'] !== undefined) {
      if (typeof input['data_stream_name'] !== 'string' || input['data_stream_name'].trim() === '') problems.push('data stream name must contain text if present');
    }
    if (problems.length > 0) throw errors.actionRequestValidation(problems);
    const params = parseFollowParameters(input);
    const dataStreamName = input['data_stream_name'] as string | undefined;
    if (dataStreamName !== undefined && this.options.dataStreams === undefined) throw errors.illegalArgument('[data_stream_name] is not supported: this node has no data streams');
    const settings = input['settings'];
    if (settings !== undefined && (settings === null || typeof settings !== 'object' || Array.isArray(settings))) throw errors.xContentParse('[put_follow_request] failed to parse field [settings]');
    const activeShards = parseWaitForActiveShards(waitForActiveShards);
    if (typeof activeShards === 'number' && activeShards > 1 + Number((settings as Record<string, unknown> | undefined)?.['index.number_of_replicas'] ?? (settings as { index?: { number_of_replicas?: unknown } } | undefined)?.index?.number_of_replicas ?? 1)) {
      throw errors.illegalArgument(`[wait_for_active_shards] value [${activeShards}] must be less than or equal to the number of copies of each shard`);
    }
    validateIndexName(followerName);
    const existing = this.options.indices.get(followerName);
    if (existing !== undefined) throw errors.resourceAlreadyExists(followerName, existing.uuid);
    this.checkAlias(remoteCluster as string);
    const leader = await this.leaderInfo(remoteCluster as string, leaderIndex as string, subject);
    if (!leader.open) throw errors.illegalArgument('leader and follow index must be open');
    if (leader.settings['index.soft_deletes.enabled'] === 'false') throw errors.illegalArgument(`leader index [${leader.index}] does not have soft deletes enabled`);
    if (this.options.indices.get(followerName) !== undefined) throw errors.resourceAlreadyExists(followerName, this.options.indices.get(followerName)!.uuid);
    // A data stream's backing index joins the local data stream of that name (or `data_stream_name`), marked replicated.
    const streams = this.options.dataStreams;
    const localStream = leader.data_stream === undefined || streams === undefined ? undefined : (dataStreamName ?? leader.data_stream.name);
    if (dataStreamName !== undefined && leader.data_stream === undefined) {
      throw errors.illegalArgument(`data stream name [${dataStreamName}] was given, but leader index [${leader.index}] is not a backing index of a data stream`);
    }
    if (localStream !== undefined) streams!.checkReplicated(localStream, followerName);
    const indices = this.options.indices;
    // The follower index, in the local data stream when its leader is a backing index; nothing of it is left when that fails.
    const create = (uuid?: string): IndexHandle => {
      const handle = indices.createFollowerIndex(followerName, { settings: leader.settings, mappings: leader.mappings }, settings, isReplicatedSetting, uuid);
      if (localStream !== undefined) {
        try {
          streams!.attachReplicated(localStream, handle, leader.data_stream!);
        } catch (error) {
          indices.deleteIndices([handle]);
          throw error;
        }
      }
      return handle;
    };
    const recordOf = (uuid: string): FollowerRecord => ({
      followerIndex: followerName,
      followerUuid: uuid,
      remoteCluster: remoteCluster as string,
      leaderIndex: leader.index,
      leaderUuid: leader.uuid,
      leaderHistoryUuid: leader.history_uuid,
      params,
      status: 'active',
      subject,
      leaderMetadataVersion: leader.metadata_version,
      createdMs: this.options.nowMs(),
    });
    if (this.cluster !== undefined) {
      indices.checkFollowerSettings(settings, isReplicatedSetting);
      return this.followAcrossNodes(recordOf(indices.newUuid()), create, activeShards);
    }
    const handle = create();
    const record = recordOf(handle.uuid);
    this.records.put(record);
    this.options.log.info({ follower: handle.name, remote_cluster: record.remoteCluster, leader: record.leaderIndex }, 'created follower index');
    const bootstrap = this.bootstrap(record);
    if (activeShards === 0) {
      bootstrap.catch(() => undefined);
      return { follow_index_created: true, follow_index_shards_acked: false, index_following_started: false };
    }
    try {
      await bootstrap;
    } catch (error) {
      // Nothing half-made: the follower that could not be filled goes away again.
      this.stopTask(record.followerUuid);
      this.records.remove(record.followerUuid);
      const current = this.options.indices.get(record.followerIndex);
      if (current !== undefined && current.uuid === record.followerUuid) {
        this.options.dataStreams?.detach(current.name);
        this.options.indices.deleteIndices([current]);
      }
      throw error;
    }
    return {
      follow_index_created: true,
      follow_index_shards_acked: activeShardsReached(activeShards, this.options.indices.get(record.followerIndex)),
      index_following_started: this.tasks.has(record.followerUuid),
    };
  }

  /**
   * Many nodes: the record goes to every node first, then the index (made here by `create`) to the master; each shard's
   * primary copies its leader shard before it starts (`preparePrimary`) and its node runs the task.
   * A refusal of the master removes both again.
   */
  private async followAcrossNodes(
    record: FollowerRecord,
    create: (uuid: string) => IndexHandle,
    activeShards: number | 'all',
  ): Promise<{ follow_index_created: boolean; follow_index_shards_acked: boolean; index_following_started: boolean }> {
    const cluster = this.cluster!;
    try {
      // The record first, under the uuid the index will have: an index this node made before the
      // record was shared would be deleted by a cluster state applied meanwhile (the published
      // state does not have it yet), leaving a record with no index. From the create to the
      // request to the master nothing waits.
      await this.putRecord(record);
      const before = new Set(this.options.indices.all().map((index) => index.name));
      create(record.followerUuid);
      await cluster.publishCreated(before, followerLimits.waitForActiveShardsMs);
    } catch (error) {
      await this.removeRecord(record.followerUuid).catch(() => undefined);
      const current = this.options.indices.get(record.followerIndex);
      if (current !== undefined && current.uuid === record.followerUuid) this.options.indices.deleteIndices([current]);
      throw error;
    }
    this.options.log.info({ follower: record.followerIndex, remote_cluster: record.remoteCluster, leader: record.leaderIndex }, 'created follower index through the master');
    if (activeShards === 0) return { follow_index_created: true, follow_index_shards_acked: false, index_following_started: false };
    const handle = this.options.indices.get(record.followerIndex);
    const acked = handle !== undefined && (await cluster.waitForActiveShards(handle, activeShards, followerLimits.waitForActiveShardsMs));
    return { follow_index_created: true, follow_index_shards_acked: acked, index_following_started: acked };
  }

  /**
   * Copies each leader shard's documents at one seq_no into the same follower shard (shards done
   * before a restart are kept), then starts following (spec §4.1).
   */
  private bootstrap(record: FollowerRecord): Promise<void> {
    const running = this.bootstraps.get(record.followerUuid);
    if (running !== undefined) return running;
    const work = (async () => {
      const { indices, log } = this.options;
      const handle = indices.get(record.followerIndex);
      if (handle === undefined || handle.uuid !== record.followerUuid) throw errors.indexNotFound(record.followerIndex);
      const started = this.options.nowMs();
      const shards = indices.openShardsOf(handle);
      let copied = 0;
      for (let shard = 0; shard < shards.length; shard++) {
        if (shards[shard]!.bootstrapped) continue;
        copied += await this.bootstrapShard(record, shard);
      }
      const current = indices.get(record.followerIndex);
      if (current === undefined || current.uuid !== record.followerUuid) throw errors.indexNotFound(record.followerIndex);
      indices.refresh(current);
      log.info({ follower: record.followerIndex, shards: shards.length, documents: copied, took_ms: this.options.nowMs() - started }, 'follower bootstrapped from the leader');
      const latest = this.records.get(record.followerUuid);
      if (latest?.status === 'active' && current.metadata.state === 'open') this.startTask(latest);
    })();
    this.bootstraps.set(record.followerUuid, work);
    void work.then(
      () => this.bootstraps.delete(record.followerUuid),
      (error: unknown) => {
        this.bootstraps.delete(record.followerUuid);
        this.options.log.warn({ follower: record.followerIndex, reason: (error as Error).message }, 'follower bootstrap failed');
      },
    );
    return work;
  }

  /** Copies one leader shard at one seq_no into the same follower shard; returns how many documents. */
  private async bootstrapShard(record: FollowerRecord, shard: number): Promise<number> {
    const { remote, indices, log } = this.options;
    // The lease comes first and retains all the history there is, so that the operations after the
    // copy's seq_no cannot be trimmed before the task reads them; the task then renews it with its checkpoint.
    await remote
      .send(record.remoteCluster, CCR_ACTIONS.addRetentionLease, { index: record.leaderIndex, shard, lease_id: this.leaseId(record), retaining_seq_no: -1 }, record.subject)
      .catch((error: unknown) => log.warn({ follower: record.followerIndex, shard, reason: (error as Error).message }, 'could not add a retention lease on the leader'));
    const session = (await remote.send(record.remoteCluster, CCR_ACTIONS.restoreSessionPut, { index: record.leaderIndex, shard }, record.subject)) as {
      session_uuid: string;
      index_uuid: string;
      max_seq_no: number;
      doc_count: number;
      segments?: unknown;
    };
    let copied = 0;
    let sourcesSent = 0;
    let documentBytes = 0; // the documents (or their description) on the wire, beside the files
    let segmentFiles: CopiedSegmentFiles | undefined;
    type Chunk = { documents: StoredDocument[] };
    try {
      if (session.index_uuid !== record.leaderUuid) {
        throw new EsError(409, 'status_exception', `leader index [${record.leaderIndex}] was re-created while the follower was being created`);
      }
      // Operations after the copy must stay on the leader until the follower has read them.
      await remote
        .send(record.remoteCluster, CCR_ACTIONS.renewRetentionLease, { index: record.leaderIndex, shard, lease_id: this.leaseId(record), retaining_seq_no: session.max_seq_no + 1 }, record.subject)
        .catch((error: unknown) => log.warn({ follower: record.followerIndex, shard, reason: (error as Error).message }, 'could not renew the retention lease on the leader'));
      // What an earlier attempt copied goes first: this copy is of a newer snapshot.
      const starting = indices.get(record.followerIndex);
      if (starting === undefined || starting.uuid !== record.followerUuid) throw errors.indexNotFound(record.followerIndex);
      // The leader's segment files (searchable state at the snapshot's seq_no) come with the
      // documents when it offers them and built them under this index's mapping and analysis: the
      // follower then builds nothing (Elasticsearch's follower copies the leader's files too).
      const offered = offeredSegmentFiles(session.segments, session.max_seq_no);
      const filesWanted = offered !== undefined && offered.digest === indices.segmentInputsDigest(starting);
      indices.beginFollowerImport(starting, shard, { segmentFiles: filesWanted });
      const stop = { stopped: false };
      // Segments loaded to store their documents: the end of the copy installs them as they are.
      const loadedSegments = new Map<string, { readonly segment: Segment; readonly metadata: DocMetadata }>();
      let files: { readonly copied: CopiedSegmentFiles; readonly copy: { readonly done: Promise<void>; readonly segments: readonly Promise<void>[] } } | undefined;
      try {
        if (filesWanted) {
          const directory = indices.followerSegmentsDirectory(starting, shard);
          segmentFiles = { directory, refreshedSeqNo: offered.refreshedSeqNo, nextSegmentNumber: offered.nextSegmentNumber, digest: offered.digest, segments: offered.files, loaded: loadedSegments };
          files = { copied: segmentFiles, copy: this.copySegmentFiles(record, session.session_uuid, offered.files, directory, stop) };
        }
        const ask = (body: Record<string, unknown>): Promise<unknown> => {
          const fetched = remote.send(record.remoteCluster, CCR_ACTIONS.restoreFileChunk, { index: record.leaderIndex, session_uuid: session.session_uuid, ...body }, record.subject);
          fetched.catch(() => undefined); // awaited below, or dropped with the copy that failed
          return fetched;
        };
        const store = (documents: readonly StoredDocument[]): void => {
          const current = indices.get(record.followerIndex);
          if (current === undefined || current.uuid !== record.followerUuid) throw errors.indexNotFound(record.followerIndex);
          indices.importFollowerDocuments(current, shard, documents);
          copied += documents.length;
        };
        // With the files, the documents come from them, each source once on the wire; the leader
        // describes its snapshot's documents (no sources) so that each is stored only as it is there.
        const described =
          files !== undefined && session.doc_count <= followerLimits.sourcelessDocsMax
            ? await describeLeaderDocuments({
                fetch: (afterId) => ask({ after_id: afterId, max_docs: followerLimits.describeChunkDocs, without_sources: true }),
                pace: (bytes) => this.inbound.pace(bytes),
                stopped: () => this.closed || stop.stopped,
              })
            : undefined;
        if (described !== undefined && files !== undefined) {
          documentBytes += described.bytes;
          const { copied: listed, copy } = files;
          sourcesSent += await storeDocumentsFromFiles({
            directory: listed.directory,
            segments: listed.segments,
            written: async (position) => {
              await copy.segments[position];
              if (this.closed) throw errors.illegalState('node is closing');
            },
            described,
            batchDocs: followerLimits.bootstrapChunkDocs,
            store,
            // Other work (the files still coming) runs between the store's commits.
            between: () => new Promise<void>((resolve) => setImmediate(resolve)),
            // Its documents come by id; the end of the copy refuses the files.
            unloadable: (segment, reason) => log.warn({ follower: record.followerIndex, shard, segment, reason }, 'a copied leader segment does not load; its documents come with their sources'),
            fetchByIds: async (ids) => {
              const { documents } = (await ask({ ids })) as { documents?: StoredDocument[] };
              if (!Array.isArray(documents)) throw errors.illegalState(`the leader's restore session answered no documents for the [${ids.length}] asked for by id`);
              const bytes = documentsWireBytes(documents);
              documentBytes += bytes;
              await this.inbound.pace(bytes);
              return documents;
            },
            loaded: loadedSegments,
          });
        } else {
          const fetchChunk = (afterId: string): Promise<Chunk> => ask({ after_id: afterId, max_docs: followerLimits.bootstrapChunkDocs }) as Promise<Chunk>;
          // One chunk is asked for ahead: the leader reads and sends the next while this one is stored.
          let next = fetchChunk('');
          for (;;) {
            if (this.closed) throw errors.illegalState('node is closing');
            const chunk = await next;
            if (chunk.documents.length === 0) break;
            next = fetchChunk(chunk.documents[chunk.documents.length - 1]!.id);
            store(chunk.documents);
            sourcesSent += chunk.documents.length;
            const bytes = documentsWireBytes(chunk.documents);
            documentBytes += bytes;
            await this.inbound.pace(bytes);
          }
        }
        await files?.copy.done;
      } finally {
        // Nothing of the copy runs on once the bootstrap ends (or fails): its files close first.
        stop.stopped = true;
        await files?.copy.done.catch(() => undefined);
      }
    } finally {
      await remote.send(record.remoteCluster, CCR_ACTIONS.restoreSessionClear, { index: record.leaderIndex, session_uuid: session.session_uuid }, record.subject).catch(() => undefined);
    }
    const current = indices.get(record.followerIndex);
    if (current === undefined || current.uuid !== record.followerUuid) throw errors.indexNotFound(record.followerIndex);
    await indices.finishFollowerImport(current, shard, session.max_seq_no, segmentFiles);
    log.info({ follower: record.followerIndex, shard, documents: copied, sources_sent: sourcesSent, document_bytes: documentBytes, max_seq_no: session.max_seq_no, segment_files: segmentFiles?.segments.length ?? 0 }, 'follower shard bootstrapped from its leader shard');
    return copied;
  }

  /**
   * Copies a restore session's segment files into `directory`, a chunk of each at a time with a few
   * chunks in flight (in the order offered), paced by `ccr.indices.recovery.max_bytes_per_sec` with
   * the documents. `segments[i]` settles once both files of the i-th segment are written (so that
   * its documents can be stored while the next ones come), `done` once every file is written and
   * closed; a failure rejects `done` and every segment not yet written.
   */
  private copySegmentFiles(
    record: FollowerRecord,
    sessionUuid: string,
    segments: readonly OfferedSegmentFile[],
    directory: string,
    stop: { readonly stopped: boolean },
  ): { done: Promise<void>; segments: Promise<void>[] } {
    const written = segments.map(() => {
      let settle!: { resolve: () => void; reject: (error: unknown) => void };
      const promise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      promise.catch(() => undefined); // awaited by the caller, or dropped with a bootstrap that failed
      return { promise, ...settle, bytesLeft: 0 };
    });
    const copy = async (): Promise<void> => {
      mkdirSync(directory, { recursive: true });
      const descriptors = new Map<string, number>();
      const pieces: { file: string; segment: number; offset: number; length: number }[] = [];
      try {
        segments.forEach((segment, position) => {
          written[position]!.bytesLeft = segment.segBytes + segment.metaBytes;
          for (const [suffix, size] of [['.seg', segment.segBytes], ['.meta', segment.metaBytes]] as const) {
            const file = `${segment.name}${suffix}`;
            descriptors.set(file, openSync(path.join(directory, file), 'w'));
            for (let offset = 0; offset < size; offset += followerLimits.segmentFileChunkBytes) {
              pieces.push({ file, segment: position, offset, length: Math.min(followerLimits.segmentFileChunkBytes, size - offset) });
            }
          }
        });
        // A promise settles once: resolving a written segment again, or rejecting it after, does nothing.
        const settleWritten = (position: number): void => {
          if (written[position]!.bytesLeft === 0) written[position]!.resolve();
        };
        segments.forEach((_, position) => settleWritten(position)); // empty files
        // Every piece under way ends before the files close (runLimited), even when another failed.
        await runLimited(pieces, followerLimits.segmentFileChunksInFlight, async (piece) => {
          if (stop.stopped || this.closed) throw errors.illegalState('the bootstrap stopped');
          const answer = (await this.options.remote.send(
            record.remoteCluster,
            CCR_ACTIONS.restoreFileChunk,
            { index: record.leaderIndex, session_uuid: sessionUuid, file: piece.file, offset: piece.offset, length: piece.length },
            record.subject,
          )) as { data?: unknown };
          const data = answer.data;
          if (!(data instanceof Uint8Array) || data.length !== piece.length) {
            throw errors.illegalState(`the leader answered [${data instanceof Uint8Array ? data.length : typeof data}] bytes of file [${piece.file}] at [${piece.offset}], not [${piece.length}]`);
          }
          let bytes = 0;
          while (bytes < data.length) bytes += writeSync(descriptors.get(piece.file)!, data, bytes, data.length - bytes, piece.offset + bytes);
          written[piece.segment]!.bytesLeft -= data.length;
          settleWritten(piece.segment);
          await this.inbound.pace(data.length);
        });
      } finally {
        for (const descriptor of descriptors.values()) closeSync(descriptor);
      }
    };
    const done = copy();
    done.catch((error: unknown) => {
      for (const segment of written) segment.reject(error);
    });
    return { done, segments: written.map((segment) => segment.promise) };
  }

  // ------------------------------------------------------------------ tasks

  /** Starts one follow task per shard of the follower (each shard bootstrapped first). */
  private startTask(record: FollowerRecord): void {
    if (this.cluster !== undefined || this.options.multiNode === true) {
      this.reconcile();
      return;
    }
    if (this.closed || this.tasks.has(record.followerUuid)) return;
    const handle = this.options.indices.get(record.followerIndex);
    const shards = handle?.metadata.state === 'open' ? handle.shards : undefined;
    if (handle === undefined || shards === undefined) return;
    if (shards.some((shard) => !shard.bootstrapped)) {
      void this.bootstrap(record).catch(() => {
        // Retried at the next start, resume or open; stats show no task meanwhile.
      });
      return;
    }
    const tasks = new Map(shards.map((store, shard) => [shard, this.shardTask(record, shard, store.maxSeqNo)] as const));
    this.tasks.set(record.followerUuid, tasks);
    for (const task of tasks.values()) task.start();
  }

  /** The follow task of one follower shard: its own state machine, reading its leader shard. */
  private shardTask(record: FollowerRecord, shard: number, followerCheckpoint: number): FollowTask {
    const { remote, indices, log } = this.options;
    return new FollowTask(
      record.followerIndex,
      record.params,
      { followerCheckpoint, metadataVersion: record.leaderMetadataVersion },
      {
        readChanges: async (request) => {
          const response = (await remote.send(
            record.remoteCluster,
            CCR_ACTIONS.shardChanges,
            {
              index: record.leaderIndex,
              shard,
              expected_history_uuid: record.leaderHistoryUuid,
              from_seq_no: request.fromSeqNo,
              max_operation_count: request.maxOperationCount,
              poll_timeout_ms: request.pollTimeoutMs,
              max_batch_size: request.maxBatchSizeBytes,
              // Columns are cheaper to send and to read; a leader that does not know them sends `operations`.
              operation_columns: true,
            },
            record.subject,
          )) as ShardChangesResponse;
          if (response.operationColumns === undefined) return response;
          const { operationColumns, ...rest } = response;
          return { ...rest, operations: decodeOperationColumns(operationColumns) };
        },
        write: async (operations) => {
          const current = indices.get(record.followerIndex);
          if (current === undefined || current.uuid !== record.followerUuid) throw errors.indexNotFound(record.followerIndex);
          // Many nodes: through the primary, which replicates them to its copies.
          if (this.cluster !== undefined) return this.cluster.write(current, shard, operations);
          indices.applyFollowerOperations(current, shard, operations, { deferSync: true });
          const store = indices.openShardOf(current, shard);
          const maxSeqNo = store.maxSeqNo;
          // Durable before the checkpoint moves on (the leader's retention lease follows it): one
          // fsync off the event loop for every batch committed meanwhile, as a bulk answers.
          await store.syncDeferred();
          return maxSeqNo;
        },
        syncMetadata: async () => {
          const latest = this.records.get(record.followerUuid) ?? record;
          const leader = await this.leaderInfo(record.remoteCluster, record.leaderIndex, latest.subject);
          if (leader.uuid !== record.leaderUuid) throw errors.illegalState(`unexpected history uuid, expected [${record.leaderHistoryUuid}], actual [${leader.history_uuid}]`);
          const current = indices.get(record.followerIndex);
          if (current === undefined || current.uuid !== record.followerUuid) throw errors.indexNotFound(record.followerIndex);
          indices.syncFollowerMetadata(current, { settings: leader.settings, mappings: leader.mappings }, isReplicatedSetting);
          // Many nodes: the master publishes the new mapping before the operations needing it reach the replicas.
          await this.cluster?.publishMetadata(current, followerLimits.waitForActiveShardsMs);
          await this.putRecord({ ...(this.records.get(record.followerUuid) ?? latest), leaderMetadataVersion: leader.metadata_version });
          return leader.metadata_version;
        },
        renewLease: async (retainingSeqNo) => {
          await remote.send(record.remoteCluster, CCR_ACTIONS.renewRetentionLease, { index: record.leaderIndex, shard, lease_id: this.leaseId(record), retaining_seq_no: retainingSeqNo }, record.subject);
        },
        nowMs: this.options.nowMs,
        random: this.random,
      },
      log.child({ follower: record.followerIndex, shard }),
    );
  }

  private stopTask(followerUuid: string): void {
    const tasks = this.tasks.get(followerUuid);
    if (tasks === undefined) return;
    this.tasks.delete(followerUuid);
    for (const task of tasks.values()) task.stop();
  }

  /** Removes the follower's retention lease from every leader shard (best effort: forget_follower removes what is left). */
  private async removeLeases(record: FollowerRecord, shards: number): Promise<void> {
    for (let shard = 0; shard < shards; shard++) {
      await this.options.remote
        .send(record.remoteCluster, CCR_ACTIONS.removeRetentionLease, { index: record.leaderIndex, shard, lease_id: this.leaseId(record) }, record.subject)
        .catch((error: unknown) => this.options.log.info({ follower: record.followerIndex, shard, reason: (error as Error).message }, 'could not remove the retention lease on the leader; forget_follower removes it'));
    }
  }

  /** The lag of a follower: operations summed over its shards, time of the shard furthest behind. */
  private static lagOf(lags: Iterable<{ readonly millis: number; readonly operations: number }>): { millis: number; operations: number } {
    let millis = 0;
    let operations = 0;
    for (const lag of lags) {
      millis = Math.max(millis, lag.millis);
      operations += lag.operations;
    }
    return { millis, operations };
  }

  // ------------------------------------------------------------------ life-cycle

  /** `POST /{follower}/_ccr/pause_follow` (spec §3.1). */
  async pause(name: string): Promise<void> {
    const { record } = this.followerOf(name, (index) => errors.illegalArgument(`index [${index}] is not a follower index`));
    if (record.status === 'promoted') throw errors.illegalArgument(`index [${name}] is not a follower index`);
    if (record.status === 'paused') throw errors.illegalArgument(`no shard follow tasks for [${name}]`);
    await this.putRecord({ ...record, status: 'paused' });
    this.stopTask(record.followerUuid);
    this.options.log.info({ follower: name }, 'paused following');
  }

  /** `POST /{follower}/_ccr/resume_follow` (spec §3.2): new parameters (omitted ones back to defaults), the caller's identity. */
  async resume(name: string, body: unknown, authentication: Authentication): Promise<void> {
    const input = body === undefined || body === null ? {} : body;
    if (typeof input !== 'object' || Array.isArray(input)) throw errors.parse('request body must be an object');
    for (const key of Object.keys(input)) if (!isFollowParameterField(key)) throw errors.xContentParse(`[resume_follow_request] unknown field [${key}]`);
    const params = parseFollowParameters(input as Record<string, unknown>);
    const { handle, record } = this.followerOf(name, (index) => errors.illegalArgument(`follow index [${index}] does not have ccr metadata`));
    if (record.status === 'promoted') throw errors.illegalArgument(`follow index [${name}] does not have ccr metadata`);
    // Many nodes: the tasks run where the primaries are; an active record means they run.
    if (record.status === 'active' && (this.tasks.has(record.followerUuid) || this.cluster !== undefined)) {
      throw new EsError(400, 'resource_already_exists_exception', `task with id {${record.followerUuid}-0} already exist`);
    }
    this.checkAlias(record.remoteCluster);
    const subject = this.subjectOf(authentication);
    const leader = await this.leaderInfo(record.remoteCluster, record.leaderIndex, subject);
    if (leader.uuid !== record.leaderUuid) {
      throw errors.illegalArgument(`follow index [${name}] should reference [${leader.uuid}] as leader index but instead reference [${record.leaderUuid}] as leader index`);
    }
    if (!leader.open || handle.metadata.state !== 'open') throw errors.illegalArgument('leader and follow index must be open');
    const next: FollowerRecord = { ...record, params, status: 'active', subject };
    await this.putRecord(next);
    this.stopTask(record.followerUuid);
    this.startTask(next);
    this.options.log.info({ follower: name }, 'resumed following');
  }

  /** `POST /{follower}/_ccr/unfollow` (spec §3.3): paused and closed first; the leases go (best effort). */
  async unfollow(name: string): Promise<void> {
    const { handle, record } = this.followerOf(name, (index) => errors.illegalArgument(`index [${index}] is not a follower index`));
    if (record.status === 'promoted') throw errors.illegalArgument(`index [${name}] is not a follower index`);
    // Many nodes: index close is not supported there yet, so a paused follower is enough (no task writes it).
    if (handle.metadata.state === 'open' && this.cluster === undefined) throw errors.illegalArgument(`cannot convert the follower index [${name}] to a non-follower, because it has not been closed`);
    if (record.status === 'active') throw errors.illegalArgument(`cannot convert the follower index [${name}] to a non-follower, because it has not been paused`);
    this.options.indices.clearFollowing(handle);
    await this.cluster?.publishMetadata(handle, followerLimits.waitForActiveShardsMs);
    await this.removeRecord(record.followerUuid);
    await this.removeLeases(record, Number(handle.metadata.settings['index.number_of_shards'] ?? '1'));
    this.options.log.info({ follower: name }, 'unfollowed: the index is an ordinary index now');
  }

  // ------------------------------------------------------------------ promotion

  /**
   * `POST /{follower}/_ccr/promote` (Strait, beyond Elasticsearch): fenced failover. The leader
   * index first gets `index.blocks.write`, the follower reads up to the leader's last seq_no, then
   * stops following and becomes writable, so two writers never coexist. An unreachable leader
   * cannot be fenced: that needs `force=true`, and the record says the promotion was forced.
   */
  async promote(name: string, force: boolean, authentication: Authentication): Promise<Record<string, unknown>> {
    const { handle, record } = this.followerOf(name, (index) => errors.illegalArgument(`index [${index}] is not a follower index`));
    if (record.status === 'promoted') throw errors.illegalArgument(`index [${name}] is not a follower index`);
    if (handle.metadata.state !== 'open') throw errors.illegalArgument('leader and follow index must be open');
    const subject = this.subjectOf(authentication);
    let fencedSeqNos: readonly number[] | undefined;
    try {
      const fenced = (await this.options.remote.send(record.remoteCluster, CCR_ACTIONS.fence, { index: record.leaderIndex, expected_uuid: record.leaderUuid }, subject)) as {
        max_seq_no: number;
        shard_max_seq_nos?: readonly number[];
      };
      // A leader from before shards answers its one shard's max_seq_no only.
      fencedSeqNos = fenced.shard_max_seq_nos ?? [fenced.max_seq_no];
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      if (!force) {
        throw errors.illegalArgument(
          `cannot fence leader index [${record.leaderIndex}] on remote cluster [${record.remoteCluster}], which is not reachable (${(error as Error).message}); promote with [force=true] to make [${name}] writable without fencing its leader`,
        );
      }
      this.options.log.warn({ follower: name, reason: (error as Error).message }, 'promoting a follower without fencing its unreachable leader (force=true)');
    }
    if (this.cluster !== undefined) return this.promoteAcrossNodes(this.cluster, record, fencedSeqNos, subject, authentication);
    if (fencedSeqNos !== undefined) {
      // Read what the leader acknowledged before the fence, whether the follower was paused or not.
      if (!this.tasks.has(record.followerUuid)) this.startTask({ ...record, subject: subject ?? record.subject });
      await this.caughtUp(record, fencedSeqNos);
    }
    this.stopTask(record.followerUuid);
    const current = this.options.indices.get(name);
    if (current === undefined || current.uuid !== record.followerUuid) throw errors.indexNotFound(name);
    // Every shard's checkpoint; `follower_checkpoint` stays shard 0's (the one shard of followers from before shards).
    const shardCheckpoints = (current.shards ?? []).map((shard) => shard.maxSeqNo);
    this.options.indices.clearFollowing(current);
    return this.recordPromotion(record, fencedSeqNos, shardCheckpoints, authentication);
  }

  /** Keeps the promotion record (`_ccr/info` shows it), removes the leases, answers. */
  private async recordPromotion(record: FollowerRecord, fencedSeqNos: readonly number[] | undefined, shardCheckpoints: readonly number[], authentication: Authentication): Promise<Record<string, unknown>> {
    const checkpoint = shardCheckpoints[0] ?? -1;
    const promotion = { timestampMs: this.options.nowMs(), leaderFenced: fencedSeqNos !== undefined, forced: fencedSeqNos === undefined, checkpoint, shardCheckpoints, user: authentication.user.username };
    await this.putRecord({ ...record, status: 'promoted', promotion });
    if (fencedSeqNos !== undefined) await this.removeLeases(record, fencedSeqNos.length);
    this.options.log.info({ follower: record.followerIndex, leader_fenced: promotion.leaderFenced, forced: promotion.forced, shard_checkpoints: shardCheckpoints }, 'promoted follower index: it is writable now');
    return { acknowledged: true, leader_fenced: promotion.leaderFenced, forced: promotion.forced, follower_checkpoint: checkpoint, follower_shard_checkpoints: shardCheckpoints };
  }

  /**
   * Many nodes: the tasks run on the primaries' nodes. Fenced: the follower follows (again, if it
   * was paused) until every shard's primary holds the leader shard's fenced seq_no; then every
   * node stops its tasks (the record, paused, reaches every node), and the follower's metadata
   * loses the follower marker through the master, so every copy takes writes; the record says
   * promoted last (a failure before leaves a paused follower to promote again).
   */
  private async promoteAcrossNodes(
    cluster: CcrCluster,
    record: FollowerRecord,
    fencedSeqNos: readonly number[] | undefined,
    subject: StoredSubject | undefined,
    authentication: Authentication,
  ): Promise<Record<string, unknown>> {
    const name = record.followerIndex;
    const handleNow = (): IndexHandle => {
      const current = this.options.indices.get(name);
      if (current === undefined || current.uuid !== record.followerUuid) throw errors.indexNotFound(name);
      return current;
    };
    if (fencedSeqNos !== undefined) {
      if (record.status !== 'active') await this.putRecord({ ...record, status: 'active', subject: subject ?? record.subject });
      const deadline = this.options.nowMs() + followerLimits.promoteCatchUpMs;
      for (;;) {
        const checkpoints = await cluster.primaryCheckpoints(handleNow());
        const behind = fencedSeqNos.findIndex((seqNo, shard) => (checkpoints[shard] ?? -1) < seqNo);
        if (behind < 0) break;
        const stats = (await cluster.shardStatsOfEveryNode()).get(record.followerUuid) ?? [];
        if (stats.some((entry) => entry.stats['fatal_exception'] !== undefined) || this.options.nowMs() > deadline) {
          throw new EsError(
            409,
            'status_exception',
            `follower [${name}] shard [${behind}] reached seq_no [${checkpoints[behind] ?? -1}] but the fenced leader shard stands at [${fencedSeqNos[behind]!}]; the leader stays write-blocked, promote again to retry`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    // Every node stops its tasks before any copy takes a client write.
    const latest = this.records.get(record.followerUuid) ?? record;
    if (latest.status === 'active') await this.putRecord({ ...latest, status: 'paused' });
    const stopDeadline = this.options.nowMs() + followerLimits.promoteCatchUpMs;
    while (((await cluster.shardStatsOfEveryNode()).get(record.followerUuid)?.length ?? 0) > 0) {
      if (this.options.nowMs() > stopDeadline) throw new EsError(409, 'status_exception', `the follow tasks of [${name}] did not stop on every node; promote again to retry`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const shardCheckpoints = await cluster.primaryCheckpoints(handleNow());
    const current = handleNow();
    this.options.indices.clearFollowing(current);
    await cluster.publishMetadata(current, followerLimits.waitForActiveShardsMs);
    return this.recordPromotion({ ...(this.records.get(record.followerUuid) ?? record), status: 'paused' }, fencedSeqNos, shardCheckpoints, authentication);
  }

  /** Waits (bounded) until each follower shard applied every operation of its leader shard up to `seqNos[shard]`. */
  private async caughtUp(record: FollowerRecord, seqNos: readonly number[]): Promise<void> {
    const deadline = this.options.nowMs() + followerLimits.promoteCatchUpMs;
    for (;;) {
      const handle = this.options.indices.get(record.followerIndex);
      const behind = seqNos.findIndex((seqNo, shard) => (handle?.shards?.[shard]?.maxSeqNo ?? -1) < seqNo);
      if (behind < 0) return;
      const checkpoint = handle?.shards?.[behind]?.maxSeqNo ?? -1;
      const seqNo = seqNos[behind]!;
      const tasks = this.tasks.get(record.followerUuid);
      if ([...(tasks?.values() ?? [])].some((task) => task.fatal) || this.options.nowMs() > deadline) {
        // A lagging or failed follower is a state the caller can retry against, not a server fault.
        throw new EsError(
          409,
          'status_exception',
          `follower [${record.followerIndex}] shard [${behind}] reached seq_no [${checkpoint}] but the fenced leader shard stands at [${seqNo}]; the leader stays write-blocked, promote again to retry`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  // ------------------------------------------------------------------ info and stats

  private matching(expression: string | undefined): FollowerRecord[] {
    const patterns = (expression === undefined || expression === '' || expression === '_all' ? '*' : expression).split(',');
    return this.records.all().filter((record) => patterns.some((pattern) => wildcardMatch(pattern, record.followerIndex)));
  }

  /** `GET /{index}/_ccr/info` (spec §3.5). */
  info(expression: string | undefined): Record<string, unknown> {
    const names = expression === undefined || expression === '' || expression === '_all' ? [] : expression.split(',').filter((name) => !name.includes('*'));
    for (const name of names) if (this.options.indices.get(name) === undefined) throw errors.indexNotFound(name);
    return {
      follower_indices: this.matching(expression).map((record) => {
        const fatal = [...(this.tasks.get(record.followerUuid)?.values() ?? [])].map((task) => task.stats()['fatal_exception']).find((exception) => exception !== undefined);
        return {
          follower_index: record.followerIndex,
          remote_cluster: record.remoteCluster,
          leader_index: record.leaderIndex,
          status: record.status,
          ...(record.status === 'active' ? { parameters: renderFollowParameters(record.params) } : {}),
          // Beyond Elasticsearch: a task stopped by an error says so here too (history trimmed, leader gone).
          ...(fatal !== undefined ? { fatal_exception: fatal } : {}),
          ...(record.promotion !== undefined
            ? {
                promotion: {
                  timestamp: new Date(record.promotion.timestampMs).toISOString(),
                  leader_fenced: record.promotion.leaderFenced,
                  forced: record.promotion.forced,
                  follower_checkpoint: record.promotion.checkpoint,
                  ...(record.promotion.shardCheckpoints !== undefined ? { follower_shard_checkpoints: record.promotion.shardCheckpoints } : {}),
                  user: record.promotion.user,
                },
              }
            : {}),
        };
      }),
    };
  }

  private indexStats(record: FollowerRecord, entries: readonly ShardTaskStats[] | undefined): Record<string, unknown> | undefined {
    if (entries === undefined || entries.length === 0) return undefined;
    const shards = [...entries]
      .sort((a, b) => a.shard - b.shard)
      .map(
        (entry) =>
          ({
            remote_cluster: record.remoteCluster,
            leader_index: record.leaderIndex,
            follower_index: record.followerIndex,
            shard_id: entry.shard,
            ...entry.stats,
          }) as Record<string, unknown>,
      );
    const lag = CcrService.lagOf(entries.map((entry) => entry.lag));
    const objective = this.objectiveOf(record);
    return {
      index: record.followerIndex,
      total_global_checkpoint_lag: lag.operations,
      // Strait's lag objective (beyond Elasticsearch): lag in time from the leader's acknowledgements.
      lag: {
        seconds: Math.round(lag.millis) / 1000,
        operations: lag.operations,
        ...(objective !== undefined ? { max_lag: renderFollowParameters(record.params)['max_lag'], within_max_lag: !this.pastObjective(record, lag) } : {}),
      },
      shards,
    };
  }

  private objectiveOf(record: FollowerRecord): { millis?: number; operations?: number } | undefined {
    if (record.params.maxLagMs === undefined && record.params.maxLagOperations === undefined) return undefined;
    return { ...(record.params.maxLagMs !== undefined ? { millis: record.params.maxLagMs } : {}), ...(record.params.maxLagOperations !== undefined ? { operations: record.params.maxLagOperations } : {}) };
  }

  private pastObjective(record: FollowerRecord, lag: { millis: number; operations: number }): boolean {
    const objective = this.objectiveOf(record);
    if (objective === undefined) return false;
    return (objective.millis !== undefined && lag.millis > objective.millis) || (objective.operations !== undefined && lag.operations > objective.operations);
  }

  /**
   * Followers past their `max_lag` (cluster health is at most yellow while any is). A follower
   * with an objective whose task stopped (paused by an error, not by the user) counts as past it.
   */
  followersPastLagObjective(): string[] {
    return this.followersPast((uuid) => {
      const tasks = this.tasks.get(uuid);
      return tasks === undefined ? undefined : [...tasks.values()].map((task) => ({ fatal: task.fatal, lag: task.lag() }));
    });
  }

  /**
   * Followers past their `max_lag` in the whole cluster: on many nodes each task runs on its
   * primary's node, so every node is asked for its tasks' lag (a node that does not answer leaves
   * its tasks out, and a follower none of whose tasks answered counts as past its objective).
   */
  async followersPastLagObjectiveOfCluster(): Promise<string[]> {
    if (this.cluster === undefined) return this.followersPastLagObjective();
    // No follower has an objective: no node needs asking (health is asked often).
    if (!this.records.all().some((record) => record.status === 'active' && this.objectiveOf(record) !== undefined)) return [];
    const entries = await this.cluster.shardStatsOfEveryNode();
    return this.followersPast((uuid) => {
      const tasks = entries.get(uuid) ?? [];
      return tasks.length === 0 ? undefined : tasks.map((entry) => ({ fatal: entry.stats['fatal_exception'] !== undefined, lag: entry.lag }));
    });
  }

  /** Active followers with an objective whose tasks (undefined: none runs) failed or lag past it. */
  private followersPast(tasksOf: (followerUuid: string) => readonly { readonly fatal: boolean; readonly lag: { readonly millis: number; readonly operations: number } }[] | undefined): string[] {
    const past: string[] = [];
    for (const record of this.records.all()) {
      if (record.status !== 'active' || this.objectiveOf(record) === undefined) continue;
      const tasks = tasksOf(record.followerUuid);
      if (tasks === undefined || tasks.some((task) => task.fatal) || this.pastObjective(record, CcrService.lagOf(tasks.map((task) => task.lag)))) past.push(record.followerIndex);
    }
    return past;
  }

  /** `GET /{index}/_ccr/stats` (spec §3.6): 404 when none of the named followers has a running task. */
  async stats(expression: string | undefined): Promise<Record<string, unknown>> {
    // Many nodes: each node reports the tasks it runs (those of the primaries it holds).
    const entries = this.cluster !== undefined ? await this.cluster.shardStatsOfEveryNode() : new Map(Object.entries(this.localShardStats()));
    const indices = this.matching(expression)
      .map((record) => this.indexStats(record, entries.get(record.followerUuid)))
      .filter((entry): entry is Record<string, unknown> => entry !== undefined);
    if (indices.length === 0 && expression !== undefined && expression !== '' && expression !== '_all' && expression !== '*') {
      throw errors.resourceNotFound(`No shard follow tasks for follower indices [${expression}]`);
    }
    return { indices };
  }

  /** `GET /_ccr/stats` (spec §3.7). */
  async clusterStats(): Promise<Record<string, unknown>> {
    return {
      auto_follow_stats: (await this.autoFollowStats?.()) ?? new AutoFollowStats().render(this.options.nowMs()),
      follow_stats: await this.stats(undefined),
    };
  }

  /** The auto-follow coordinator's counters (src/ccr/auto-follow.ts), shown by `GET /_ccr/stats`. */
  private autoFollowStats: (() => Record<string, unknown> | Promise<Record<string, unknown>>) | undefined;

  attachAutoFollowStats(stats: () => Record<string, unknown> | Promise<Record<string, unknown>>): void {
    this.autoFollowStats = stats;
  }

  /** True when `name` is a follower index (for the leader-side `forget_follower` and diagnostics). */
  isFollower(name: string): boolean {
    const handle = this.options.indices.get(name);
    const record = handle === undefined ? undefined : this.records.get(handle.uuid);
    return record !== undefined && record.status !== 'promoted';
  }
}

/**
 * `wait_for_active_shards` of put-follow: `0`/`none`/`default` (the default: answer once the
 * bootstrap started), a count, or `all` (every copy, replicas included).
 */
function parseWaitForActiveShards(value: string | undefined): number | 'all' {
  if (value === undefined || value === '' || value === 'none' || value === 'default' || value === '0') return 0;
  if (value === 'all') return 'all';
  if (!/^\d+$/.test(value)) throw errors.illegalArgument(`failed to parse [wait_for_active_shards] value [${value}]`);
  return Number(value);
}

/** On a one-node cluster only the primary copy of a follower shard is ever active. */
function activeShardsReached(wanted: number | 'all', handle: IndexHandle | undefined): boolean {
  const replicas = Number(handle?.metadata.settings['index.number_of_replicas'] ?? '0');
  return wanted === 'all' ? replicas === 0 : wanted <= 1;
}
