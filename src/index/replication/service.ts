/**
 * The replication data plane's I/O shell: shard copies on this node, their transport actions, and
 * the effects of the pure machines (primary.ts, replica.ts, recovery.ts). Reaches other nodes
 * through a NodeChannel (the mutual-TLS transport in practice, see node-channel.ts).
 *
 * - Primary: `write` runs a shard's bulk items on the store in one commit, then sends the new
 *   operations to every replication target, one request in flight per target so each copy gets
 *   them in seq_no order (requests queued meanwhile go together). A target's failure is reported
 *   to the master; the answer (or the applied cluster state) feeds the tracker, which decides when
 *   the write is acknowledged.
 * - Replica: `indices:data/write/bulk[s][r]` fenced by primary term, applied without gaps.
 * - Recovery: the target asks the primary (`start_recovery`); the primary starts sending it new
 *   writes (held back until the replay is done, so the copy sees every operation once, in order),
 *   copies documents if it must, replays the operations since, releases the held writes and
 *   finalizes; the target then reports `internal:cluster/shard/started` to the master.
 *
 * Which copies exist, and where, comes from the applied cluster state (`applyShardState`).
 */
import type { Logger } from 'pino';
import { assert } from '../../common/assert.js';
import { errors, isEsError, type EsError } from '../../common/errors.js';
import type { ShardStateReport } from '../../cluster/state.js';
import type { TransportHandler } from '../../transport/index.js';
import { ShardSnapshot } from '../store/shard-snapshot.js';
import type { Operation, ShardStore } from '../store/shard-store.js';
import {
  encodeOperation,
  encodeShardTarget,
  parseOperations,
  readInteger,
  readShardTarget,
  readString,
  REPLICATION_ACTIONS,
  shardKey,
  type ShardTarget,
} from './actions.js';
import { createPrimaryState, replicationTargets, stepPrimary, type PrimaryEffect, type PrimaryEvent, type PrimaryState, type WriteFailure } from './primary.js';
import { planRecovery } from './recovery.js';
import { peerRecovery, stepCopyRecovery, storeRecovery, type CopyRecovery, type CopyRecoveryEvent, type StoreFiles } from './copy-recovery.js';
import { createReplicaState, stepReplica, type ReplicaState } from './replica.js';
import type { ShardWriteItem, ShardWriter, ShardWriteResult } from './shard-writer.js';

export const replicationLimits = {
  operationsPerRequestMax: 1_000, // ours: operations in one bulk[s][r] or translog_ops request
  operationBytesPerRequestMax: 16 * 1024 * 1024, // ours: ids and sources in one such request (at least one operation)
  requestTimeoutMs: 60_000, // ours: a replica or recovery request unanswered for this long fails the copy
  recoveryTimeoutMs: 30 * 60_000, // indices.recovery.internal_action_long_timeout default (30m)
  recoveryChunkBytesMax: 512 * 1024, // indices.recovery chunk size default (512kb)
  recoveryChunkDocumentsMax: 1_000, // ours
  queuedWritesPerCopyMax: 10_000, // ours: writes waiting for one copy; beyond it the copy is failed
  resyncOperationsMax: 10_000, // ours: operations above the global checkpoint a promotion resends; beyond it the copies recover
  itemsPerShardRequestMax: 10_000, // ours: items in one bulk[s] request
  tickMs: 250, // ours: how often failure reports are retried when due
  stateWaitMs: 30_000, // ours: how long a replica waits to apply the cluster state holding its operations' mapping
} as const;

/** How this node reaches another: one request, one answer (or an EsError). */
export interface NodeChannel {
  request(nodeId: string, action: string, body: unknown, timeoutMs: number): Promise<unknown>;
}

/** The applied cluster state's view of one shard. */
export interface AppliedShardState {
  readonly primaryTerm: number;
  readonly primaryAllocationId: string | undefined;
  readonly inSync: readonly string[];
  /** Assigned copies (allocation id to node id). */
  readonly copies: Readonly<Record<string, string>>;
}

export interface ShardBulkResponse {
  readonly items: readonly Record<string, unknown>[];
  readonly shards: { readonly total: number; readonly successful: number; readonly failed: number; readonly failures: readonly WriteFailure[] };
  readonly globalCheckpoint: number;
}

export interface RecoveryOutcome {
  readonly phase: 'operations' | 'documents';
  readonly reason?: string;
  readonly documents: number;
  readonly operations: number;
}

export interface ReplicationServiceOptions {
  readonly nodeId: string;
  /** This cluster, as handshakes name it: internode actions from any other are refused. */
  readonly cluster: { readonly clusterName: string; readonly clusterUuid: string };
  readonly channel: NodeChannel;
  readonly logger: Logger;
  readonly writer: ShardWriter;
  /** The elected master's node id, if one is known (reports go there over the transport). */
  readonly masterNodeId: () => string | undefined;
  /**
   * Delivers a shard report to the master another way (the etcd coordinator's request queue);
   * resolves once the master applied it. A refusal of a stale primary's failure report must reject
   * with `no_longer_primary_shard_exception`, any other rejection counts as the master unreachable.
   */
  readonly reportShard?: (report: ShardStateReport) => Promise<void>;
  readonly nowMs: () => number;
  /**
   * Waits until `bytes` more recovery data may leave this node (`indices.recovery.max_bytes_per_sec`,
   * the node-wide Pacer the cross-cluster replication leader uses too); absent: unlimited.
   */
  readonly pace?: (bytes: number) => Promise<void>;
  /**
   * Makes a recovered copy's operations searchable before it reports itself started (Elasticsearch
   * refreshes after recovery, IndexShard.postRecovery): searches pick started copies at once, and
   * one answering from its last scheduled refresh would miss what recovery brought.
   */
  readonly recovered?: (target: ShardTarget) => Promise<void>;
  /**
   * Resolves true once this node applied cluster state `version` (false after `timeoutMs`). A
   * replica waits for the state a write names before applying it: that state holds the mapping its
   * documents need, and a copy that indexed them for search without it would never find them by
   * their new fields (Elasticsearch's replica waits for a missing mapping the same way).
   */
  readonly awaitStateVersion?: (version: number, timeoutMs: number) => Promise<boolean>;
  /**
   * The cluster state version a recovering copy must apply before it takes the primary's documents
   * and operations: one holding the mapping they were parsed against (publishing the primary's
   * mapping first if the published one lags). Without it a copy recovering while a new field
   * appeared could index the documents for search without that field, for good, as a replica
   * taking a write would (Elasticsearch's recovery target waits for the mapping version the
   * source names the same way). Undefined: nothing to wait for.
   */
  readonly recoveryStateVersion?: (target: ShardTarget) => Promise<number | undefined>;
}

interface WriteWaiter {
  readonly resolve: (value: { succeeded: number; failures: readonly WriteFailure[]; globalCheckpoint: number }) => void;
  readonly reject: (error: EsError) => void;
  readonly fromSeqNo: number;
  readonly toSeqNo: number;
  /** The cluster state version the copies must have applied before they take these operations (undefined: none). */
  readonly stateVersion: Promise<number | undefined> | undefined;
}

/** The operations one copy still has to receive, sent one request at a time. */
class CopySender {
  readonly queue: number[] = [];
  busy = false;
  /** The highest global checkpoint this copy was sent (with operations or a global checkpoint sync). */
  globalCheckpointSent = -1;
  held: boolean;
  failed = false;
  constructor(
    readonly allocationId: string,
    held: boolean,
  ) {
    this.held = held;
  }
}

class PrimaryCopy {
  state: PrimaryState;
  copies: Record<string, string>;
  readonly waiters = new Map<number, WriteWaiter>();
  readonly senders = new Map<string, CopySender>();
  /** Peer recovery retention leases: the lowest seq_no each recovering or tracked copy may still need. */
  readonly leases = new Map<string, number>();
  nextRequestId = 1;
  constructor(
    readonly target: ShardTarget,
    readonly store: ShardStore,
    allocationId: string,
    applied: AppliedShardState,
    globalCheckpoint: number,
  ) {
    assert(applied.primaryAllocationId === allocationId, 'a primary copy opens where the cluster state names it primary');
    this.state = createPrimaryState(allocationId, applied.primaryTerm, store.localCheckpoint, applied.inSync, globalCheckpoint);
    this.copies = { ...applied.copies };
  }
}

class ReplicaCopy {
  recovering = true;
  constructor(
    readonly target: ShardTarget,
    public store: ShardStore,
    public state: ReplicaState,
    readonly resetStore: () => ShardStore,
  ) {}
}

export class ReplicationService {
  private readonly primaries = new Map<string, PrimaryCopy>();
  private readonly replicas = new Map<string, ReplicaCopy>();
  /** The latest recovery of each copy this node holds, by shard key (`_cat/recovery`). */
  private readonly recoveries = new Map<string, CopyRecovery>();
  private readonly timer: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(private readonly options: ReplicationServiceOptions) {
    this.log = options.logger.child({ component: 'replication' });
    this.timer = setInterval(() => {
      for (const copy of this.primaries.values()) {
        this.step(copy, { kind: 'tick', nowMs: this.options.nowMs() });
        this.syncGlobalCheckpoint(copy);
      }
      for (const copy of this.replicas.values()) if (!copy.recovering) copy.store.persistGlobalCheckpoint(copy.state.globalCheckpoint);
    }, replicationLimits.tickMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    for (const copy of this.primaries.values()) for (const waiter of copy.waiters.values()) waiter.reject(errors.shardNotInPrimaryMode(copy.target.index, copy.target.shard, 'CLOSED'));
    this.primaries.clear();
    this.replicas.clear();
    this.recoveries.clear();
  }

  /** The transport handlers this node serves for shard copies (the master's two come from the coordination layer). */
  handlers(): Map<string, TransportHandler> {
    // Internode actions: only nodes of this cluster (by handshake) may send them; the transport
    // interface also serves remote clusters, whose nodes must never write shard copies here.
    const internal = (handle: (body: unknown) => unknown): TransportHandler => this.internalHandler(handle);
    return new Map<string, TransportHandler>([
      [REPLICATION_ACTIONS.bulkShard, internal((body) => this.handleBulkShard(body))],
      [REPLICATION_ACTIONS.bulkShardReplica, internal((body) => this.handleReplicaOperationsAfterState(REPLICATION_ACTIONS.bulkShardReplica, body))],
      [REPLICATION_ACTIONS.translogOps, internal((body) => this.handleReplicaOperationsAfterState(REPLICATION_ACTIONS.translogOps, body))],
      [REPLICATION_ACTIONS.resync, internal((body) => this.handleResync(body))],
      [REPLICATION_ACTIONS.globalCheckpointSync, internal((body) => this.handleGlobalCheckpointSync(body))],
      [REPLICATION_ACTIONS.startRecovery, internal((body) => this.handleStartRecovery(body))],
      [REPLICATION_ACTIONS.filesInfo, internal((body) => this.handleFilesInfo(body))],
      [REPLICATION_ACTIONS.fileChunk, internal((body) => this.handleFileChunk(body))],
      [REPLICATION_ACTIONS.cleanFiles, internal((body) => this.handleCleanFiles(body))],
      [REPLICATION_ACTIONS.finalize, internal((body) => this.handleFinalize(body))],
    ]);
  }

  // ------------------------------------------------------------------ opening copies

  /** `globalCheckpoint`: the one this copy knew before (a promoted replica's; by default the one its store persisted). */
  openPrimary(target: ShardTarget, store: ShardStore, allocationId: string, applied: AppliedShardState, globalCheckpoint = store.globalCheckpoint): void {
    const key = shardKey(target);
    assert(!this.primaries.has(key) && !this.replicas.has(key), 'one copy of a shard per node');
    if (store.primaryTerm < applied.primaryTerm) store.raisePrimaryTerm(applied.primaryTerm);
    const copy = new PrimaryCopy(target, store, allocationId, applied, globalCheckpoint);
    this.primaries.set(key, copy);
  }

  /** A replica copy that must recover (`recover`) before it serves as an in-sync copy. */
  openReplica(target: ShardTarget, store: ShardStore, allocationId: string, primaryTerm: number, resetStore: () => ShardStore): void {
    const key = shardKey(target);
    assert(!this.primaries.has(key) && !this.replicas.has(key), 'one copy of a shard per node');
    // It knows the global checkpoint its store persisted (what it learnt before a restart).
    this.replicas.set(key, new ReplicaCopy(target, store, createReplicaState(allocationId, primaryTerm, store.localCheckpoint, store.globalCheckpoint), resetStore));
  }

  /** The cluster state applied on this node, for one shard. */
  applyShardState(target: ShardTarget, applied: AppliedShardState): void {
    const key = shardKey(target);
    const primary = this.primaries.get(key);
    if (primary !== undefined) {
      primary.copies = { ...applied.copies };
      for (const id of [...primary.leases.keys()]) if (applied.copies[id] === undefined) primary.leases.delete(id);
      this.step(primary, { kind: 'cluster_state', primaryAllocationId: applied.primaryAllocationId, primaryTerm: applied.primaryTerm, inSync: applied.inSync, assigned: Object.keys(applied.copies) });
      return;
    }
    const replica = this.replicas.get(key);
    if (replica === undefined) return;
    if (applied.primaryAllocationId === replica.state.allocationId && !replica.recovering) {
      // Promotion: this in-sync replica is the primary under the new term.
      this.replicas.delete(key);
      this.log.info({ index: target.index, shard: target.shard, term: applied.primaryTerm }, 'shard copy promoted to primary');
      // It keeps the global checkpoint it tracked as a replica (never above what its store holds).
      this.openPrimary(target, replica.store, replica.state.allocationId, applied, Math.min(replica.state.globalCheckpoint, replica.store.localCheckpoint));
      this.resync(this.primaries.get(key)!, replica.state.globalCheckpoint);
      return;
    }
    replica.state = stepReplica(replica.state, { kind: 'cluster_state', primaryTerm: applied.primaryTerm })[0];
  }

  closeCopy(target: ShardTarget): void {
    const key = shardKey(target);
    const primary = this.primaries.get(key);
    if (primary !== undefined) {
      for (const waiter of primary.waiters.values()) waiter.reject(errors.shardNotInPrimaryMode(target.index, target.shard, 'CLOSED'));
      this.primaries.delete(key);
    }
    this.replicas.delete(key);
    this.recoveries.delete(key);
  }

  /** The latest recovery of every copy this node holds (a promoted replica keeps its peer recovery). */
  copyRecoveries(): CopyRecovery[] {
    return [...this.recoveries.entries()].filter(([key]) => this.primaries.has(key) || this.replicas.has(key)).map(([, recovery]) => recovery);
  }

  /** Records that the primary copy of `target` opened from its own store (the applier opens it). */
  recordStoreRecovery(target: ShardTarget, allocationId: string, type: 'empty_store' | 'existing_store', files: StoreFiles, startMs?: number): void {
    const stopMs = this.options.nowMs();
    this.recoveries.set(shardKey(target), storeRecovery({ index: target.index, indexUuid: target.indexUuid, shard: target.shard, allocationId }, type, files, Math.min(startMs ?? stopMs, stopMs), stopMs));
  }

  /** Moves the recovery of `copy` on (ignored when the copy no longer is the one recovering). */
  private stepRecovery(copy: ReplicaCopy, event: CopyRecoveryEvent): void {
    const key = shardKey(copy.target);
    const recovery = this.recoveries.get(key);
    if (recovery === undefined || recovery.allocationId !== copy.state.allocationId) return;
    this.recoveries.set(key, stepCopyRecovery(recovery, event));
  }

  /** The lowest seq_no a copy of this shard may still need from the primary's history (undefined: none). */
  retentionFloor(target: ShardTarget): number | undefined {
    const primary = this.primaries.get(shardKey(target));
    if (primary === undefined || primary.leases.size === 0) return undefined;
    return Math.min(...primary.leases.values());
  }

  primaryState(target: ShardTarget): PrimaryState | undefined {
    return this.primaries.get(shardKey(target))?.state;
  }

  replicaState(target: ShardTarget): ReplicaState | undefined {
    return this.replicas.get(shardKey(target))?.state;
  }

  // ------------------------------------------------------------------ writes on the primary

  /** Runs `items` on the local primary and resolves once the write may be acknowledged. */
  async write(target: ShardTarget, items: readonly ShardWriteItem[]): Promise<ShardBulkResponse> {
    const { result, shards, globalCheckpoint } = await this.writeWith(target, (store) => store.transaction(() => this.options.writer(store, items, target)));
    return { items: result.map(renderItem), shards, globalCheckpoint };
  }

  /**
   * Runs `run` on the local primary's store and resolves once what it wrote may be acknowledged
   * (every in-sync copy wrote it, or was failed by the master). `run` is synchronous, so the
   * operations it writes are one contiguous seq_no range no other write interleaves with. When it
   * throws after writing, the written operations are still replicated before the error is
   * rethrown (a copy must never miss an operation the primary holds). `stateVersion`, called once
   * `run` wrote, resolves with the cluster state version the other copies must apply before they
   * take the operations (the one publishing the mapping they need); they are sent once it settles.
   */
  async writeWith<R>(target: ShardTarget, run: (store: ShardStore) => R, stateVersion?: () => Promise<number | undefined>): Promise<{ readonly result: R; readonly shards: ShardBulkResponse['shards']; readonly globalCheckpoint: number }> {
    const copy = this.primaries.get(shardKey(target));
    if (copy === undefined) throw errors.shardNotFound(target.index, target.shard);
    if (copy.state.mode !== 'primary') throw errors.shardNotInPrimaryMode(target.index, target.shard, 'STARTED');
    const before = copy.store.maxSeqNo;
    let result: R | undefined;
    let failure: unknown;
    let failed = false;
    try {
      result = run(copy.store);
    } catch (error) {
      failure = error;
      failed = true;
    }
    const after = copy.store.maxSeqNo;
    const copiesTotal = Object.keys(copy.copies).length;
    let shards: ShardBulkResponse['shards'] = { total: copiesTotal, successful: 1, failed: 0, failures: [] };
    let globalCheckpoint = copy.state.globalCheckpoint;
    if (after !== before) {
      const requestId = copy.nextRequestId++;
      // A state that could not be published: the copies take the operations anyway (they must hold what the primary holds).
      const required = stateVersion?.().catch(() => undefined);
      const done = new Promise<{ succeeded: number; failures: readonly WriteFailure[]; globalCheckpoint: number }>((resolve, reject) => {
        copy.waiters.set(requestId, { resolve, reject, fromSeqNo: before + 1, toSeqNo: after, stateVersion: required });
      });
      this.step(copy, { kind: 'written', requestId, seqNoMax: after, localCheckpoint: copy.store.localCheckpoint });
      const acknowledged = await done;
      shards = { total: Math.max(copiesTotal, acknowledged.succeeded + acknowledged.failures.length), successful: acknowledged.succeeded, failed: acknowledged.failures.length, failures: acknowledged.failures };
      globalCheckpoint = acknowledged.globalCheckpoint;
    }
    if (failed) throw failure;
    return { result: result as R, shards, globalCheckpoint };
  }

  /** True when this node holds the primary copy of `target` in primary mode. */
  isPrimaryHere(target: ShardTarget): boolean {
    return this.primaries.get(shardKey(target))?.state.mode === 'primary';
  }

  /**
   * A handler that serves only nodes of this cluster (by handshake), as the replication actions
   * do: for further internode actions on shard copies.
   */
  internalHandler(handle: (body: unknown) => unknown): TransportHandler {
    return async (request) => {
      const { clusterName, clusterUuid } = request.peer.handshake;
      if (clusterName !== this.options.cluster.clusterName || clusterUuid !== this.options.cluster.clusterUuid) {
        throw errors.actionDenied(request.action, `node [${request.peer.handshake.nodeName}] of cluster [${clusterName}]`, '');
      }
      return handle(request.body);
    };
  }

  /** Coordinating side: a shard's items to the node holding its primary. */
  async sendBulkShard(nodeId: string, target: ShardTarget, items: readonly ShardWriteItem[]): Promise<Record<string, unknown>> {
    const body = {
      ...encodeShardTarget(target),
      items: items.map((item) => ({ op: item.op, id: item.id, source: item.source ?? null, routing: item.routing ?? null, if_seq_no: item.ifSeqNo ?? null, if_primary_term: item.ifPrimaryTerm ?? null })),
    };
    return (await this.options.channel.request(nodeId, REPLICATION_ACTIONS.bulkShard, body, replicationLimits.recoveryTimeoutMs)) as Record<string, unknown>;
  }

  private async handleBulkShard(body: unknown): Promise<Record<string, unknown>> {
    const action = REPLICATION_ACTIONS.bulkShard;
    const { body: object, target } = readShardTarget(action, body);
    const rawItems = object['items'];
    if (!Array.isArray(rawItems) || rawItems.length === 0 || rawItems.length > replicationLimits.itemsPerShardRequestMax) {
      throw errors.illegalArgument(`malformed [${action}] request: [items] must hold 1 to [${replicationLimits.itemsPerShardRequestMax}] items`);
    }
    const items = rawItems.map((raw, index): ShardWriteItem => {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw errors.illegalArgument(`malformed [${action}] request: item [${index}] is not an object`);
      const item = raw as Record<string, unknown>;
      const op = item['op'];
      if (op !== 'index' && op !== 'create' && op !== 'delete') throw errors.illegalArgument(`malformed [${action}] request: item [${index}] has an unknown op`);
      const id = readString(action, item, 'id');
      const source = item['source'];
      if (op === 'delete' ? source !== null && source !== undefined : typeof source !== 'string') throw errors.illegalArgument(`malformed [${action}] request: item [${index}] has a source that does not fit its op`);
      const optionalInteger = (name: string, min: number): number | undefined => (item[name] === null || item[name] === undefined ? undefined : readInteger(action, item, name, min));
      const routing = item['routing'];
      if (routing !== null && routing !== undefined && typeof routing !== 'string') throw errors.illegalArgument(`malformed [${action}] request: item [${index}] has a malformed routing`);
      const ifSeqNo = optionalInteger('if_seq_no', 0);
      const ifPrimaryTerm = optionalInteger('if_primary_term', 1);
      return {
        op,
        id,
        ...(typeof source === 'string' ? { source } : {}),
        ...(typeof routing === 'string' ? { routing } : {}),
        ...(ifSeqNo !== undefined ? { ifSeqNo } : {}),
        ...(ifPrimaryTerm !== undefined ? { ifPrimaryTerm } : {}),
      };
    });
    const response = await this.write(target, items);
    return {
      items: response.items,
      _shards: {
        total: response.shards.total,
        successful: response.shards.successful,
        failed: response.shards.failed,
        ...(response.shards.failures.length > 0 ? { failures: response.shards.failures.map((failure) => ({ _index: target.index, _shard: target.shard, allocation_id: failure.allocationId, reason: failure.reason, primary: false })) } : {}),
      },
      global_checkpoint: response.globalCheckpoint,
    };
  }

  // ------------------------------------------------------------------ the primary's effects

  private step(copy: PrimaryCopy, event: PrimaryEvent): void {
    const [state, effects] = stepPrimary(copy.state, event);
    copy.state = state;
    for (const effect of effects) this.perform(copy, effect);
  }

  private perform(copy: PrimaryCopy, effect: PrimaryEffect): void {
    switch (effect.kind) {
      case 'replicate': {
        let sender = copy.senders.get(effect.allocationId);
        if (sender === undefined || sender.failed) {
          sender = new CopySender(effect.allocationId, false);
          copy.senders.set(effect.allocationId, sender);
        }
        if (sender.queue.length >= replicationLimits.queuedWritesPerCopyMax) {
          this.step(copy, { kind: 'replica_failed', requestId: effect.requestId, allocationId: effect.allocationId, reason: `more than [${replicationLimits.queuedWritesPerCopyMax}] writes wait for this copy` });
          return;
        }
        sender.queue.push(effect.requestId);
        this.pump(copy, sender);
        return;
      }
      case 'report_failure':
        this.reportFailure(copy, effect.allocationId, effect.primaryTerm, effect.reason);
        return;
      case 'acknowledge': {
        const waiter = copy.waiters.get(effect.requestId);
        copy.waiters.delete(effect.requestId);
        waiter?.resolve({ succeeded: effect.succeeded, failures: effect.failures, globalCheckpoint: effect.globalCheckpoint });
        return;
      }
      case 'refuse': {
        const waiter = copy.waiters.get(effect.requestId);
        copy.waiters.delete(effect.requestId);
        waiter?.reject(errors.noLongerPrimaryShard(copy.target.index, copy.target.shard, effect.reason));
        return;
      }
    }
  }

  /** Sends a copy its queued writes' operations, one request at a time, in seq_no order. */
  private pump(copy: PrimaryCopy, sender: CopySender): void {
    if (sender.busy || sender.held || sender.failed || sender.queue.length === 0) return;
    const nodeId = copy.copies[sender.allocationId];
    const requestIds: number[] = [];
    let operationCount = 0;
    let fromSeqNo = -1;
    let toSeqNo = -1;
    const stateVersions: Promise<number | undefined>[] = [];
    while (sender.queue.length > 0) {
      const waiter = copy.waiters.get(sender.queue[0]!);
      if (waiter === undefined) {
        sender.queue.shift(); // settled meanwhile (the primary went stale)
        continue;
      }
      const count = waiter.toSeqNo - waiter.fromSeqNo + 1;
      if (requestIds.length > 0 && (operationCount + count > replicationLimits.operationsPerRequestMax || waiter.fromSeqNo !== toSeqNo + 1)) break;
      if (requestIds.length === 0) fromSeqNo = waiter.fromSeqNo;
      if (waiter.stateVersion !== undefined) stateVersions.push(waiter.stateVersion);
      requestIds.push(sender.queue.shift()!);
      operationCount += count;
      toSeqNo = waiter.toSeqNo;
    }
    if (requestIds.length === 0) return;
    sender.busy = true;
    const fail = (reason: string): void => {
      sender.busy = false;
      sender.failed = true;
      const dropped = [...requestIds, ...sender.queue.splice(0)];
      for (const requestId of dropped) this.step(copy, { kind: 'replica_failed', requestId, allocationId: sender.allocationId, reason });
    };
    if (nodeId === undefined) {
      fail('the copy is not assigned to any node in the applied cluster state');
      return;
    }
    // One write may hold more operations than a request carries: its range goes in several, in order.
    const send = async (): Promise<number> => {
      // The copy is sent nothing else meanwhile (one request in flight): the seq_no order holds.
      const versions = (await Promise.all(stateVersions)).filter((version): version is number => version !== undefined);
      const stateVersion = versions.length === 0 ? undefined : Math.max(...versions);
      let localCheckpoint = -1;
      for (let chunkFrom = fromSeqNo; chunkFrom <= toSeqNo; ) {
        const wanted = Math.min(replicationLimits.operationsPerRequestMax, toSeqNo - chunkFrom + 1);
        const read = copy.store.readOps(chunkFrom, wanted);
        if (read.length !== wanted || read[0]!.seqNo !== chunkFrom) throw errors.illegalState(`the primary no longer retains operations [${chunkFrom}] to [${chunkFrom + wanted - 1}]`);
        const operations = withinBytes(read, replicationLimits.operationBytesPerRequestMax);
        const count = operations.length;
        const body = {
          ...encodeShardTarget(copy.target),
          allocation_id: sender.allocationId,
          primary_term: copy.state.primaryTerm,
          global_checkpoint: copy.state.globalCheckpoint,
          ...(stateVersion !== undefined ? { state_version: stateVersion } : {}),
          operations: operations.map(encodeOperation),
        };
        const response = await this.options.channel.request(nodeId, REPLICATION_ACTIONS.bulkShardReplica, body, replicationLimits.requestTimeoutMs);
        sender.globalCheckpointSent = Math.max(sender.globalCheckpointSent, body.global_checkpoint);
        const answered = (response as Record<string, unknown> | null)?.['local_checkpoint'];
        if (typeof answered !== 'number' || !Number.isSafeInteger(answered) || answered < chunkFrom + count - 1) {
          throw errors.illegalState(`the copy answered without having written up to [${chunkFrom + count - 1}]`);
        }
        localCheckpoint = answered;
        chunkFrom += count;
      }
      return localCheckpoint;
    };
    send().then(
      (localCheckpoint) => {
        sender.busy = false;
        copy.leases.set(sender.allocationId, localCheckpoint + 1);
        for (const requestId of requestIds) this.step(copy, { kind: 'replica_ok', requestId, allocationId: sender.allocationId, localCheckpoint });
        this.pump(copy, sender);
      },
      (error: unknown) => fail(isEsError(error) ? `${error.type}: ${error.message}` : String(error)),
    );
  }

  private reportFailure(copy: PrimaryCopy, allocationId: string, primaryTerm: number, reason: string): void {
    const master = this.options.masterNodeId();
    const answer = (value: 'confirmed' | 'stale_primary' | 'unreachable'): void => {
      if (this.primaries.get(shardKey(copy.target)) !== copy) return;
      this.step(copy, { kind: 'failure_answer', allocationId, answer: value, nowMs: this.options.nowMs() });
    };
    if (master === undefined && this.options.reportShard === undefined) {
      queueMicrotask(() => answer('unreachable'));
      return;
    }
    this.log.warn({ index: copy.target.index, shard: copy.target.shard, allocation_id: allocationId, reason }, 'failing a shard copy that did not take a write');
    const report: ShardStateReport = { kind: 'shard_failed', index: copy.target.index, shard: copy.target.shard, allocationId, primaryTerm, message: `failed to perform indices:data/write/bulk[s] on replica: ${reason}`, markAsStale: true };
    this.sendShardReport(copy.target, report, master).then(
      () => answer('confirmed'),
      (error: unknown) => answer(isEsError(error) && error.type === 'no_longer_primary_shard_exception' ? 'stale_primary' : 'unreachable'),
    );
  }

  /** A shard report to the master: through `reportShard` when given, else `internal:cluster/shard/*` to the master node. */
  private async sendShardReport(target: ShardTarget, report: ShardStateReport, master: string | undefined): Promise<void> {
    if (this.options.reportShard !== undefined) return this.options.reportShard(report);
    if (master === undefined) throw errors.nodeDisconnected(undefined, undefined, report.kind === 'shard_failed' ? REPLICATION_ACTIONS.shardFailure : REPLICATION_ACTIONS.shardStarted);
    const body =
      report.kind === 'shard_failed'
        ? { ...encodeShardTarget(target), allocation_id: report.allocationId, primary_term: report.primaryTerm, message: report.message, mark_as_stale: report.markAsStale }
        : { ...encodeShardTarget(target), allocation_id: report.allocationId, primary_term: report.primaryTerm, message: 'after peer recovery' };
    await this.options.channel.request(master, report.kind === 'shard_failed' ? REPLICATION_ACTIONS.shardFailure : REPLICATION_ACTIONS.shardStarted, body, replicationLimits.requestTimeoutMs);
  }

  /**
   * Persists the primary's global checkpoint, and sends it to every in-sync copy that is idle and
   * was sent a lower one (Elasticsearch syncs it once writes go quiet; here at the next tick), so
   * each copy persists it too without waiting for a next write. A copy that does not answer is
   * tried again at a later tick: the sync is advisory, writes carry the checkpoint as well.
   */
  private syncGlobalCheckpoint(copy: PrimaryCopy): void {
    if (copy.state.mode !== 'primary') return;
    copy.store.persistGlobalCheckpoint(copy.state.globalCheckpoint);
    const globalCheckpoint = copy.state.globalCheckpoint;
    for (const allocationId of copy.state.inSync) {
      if (allocationId === copy.state.allocationId) continue;
      const nodeId = copy.copies[allocationId];
      let sender = copy.senders.get(allocationId);
      if (sender === undefined) {
        sender = new CopySender(allocationId, false);
        copy.senders.set(allocationId, sender);
      }
      if (nodeId === undefined || sender.busy || sender.held || sender.failed || sender.queue.length > 0 || sender.globalCheckpointSent >= globalCheckpoint) continue;
      const syncing = sender;
      syncing.busy = true;
      const body = { ...encodeShardTarget(copy.target), allocation_id: allocationId, primary_term: copy.state.primaryTerm, global_checkpoint: globalCheckpoint };
      this.options.channel.request(nodeId, REPLICATION_ACTIONS.globalCheckpointSync, body, replicationLimits.requestTimeoutMs).then(
        () => {
          syncing.busy = false;
          syncing.globalCheckpointSent = Math.max(syncing.globalCheckpointSent, globalCheckpoint);
          this.pump(copy, syncing);
        },
        (error: unknown) => {
          syncing.busy = false;
          this.log.debug({ err: error, index: copy.target.index, shard: copy.target.shard, allocation_id: allocationId }, 'global checkpoint sync not taken; trying again later');
          this.pump(copy, syncing);
        },
      );
    }
  }

  /** A copy learns (and persists) its primary's global checkpoint; fenced by primary term as operations are. */
  private handleGlobalCheckpointSync(body: unknown): Record<string, unknown> {
    const action = REPLICATION_ACTIONS.globalCheckpointSync;
    const { copy, object } = this.replicaFor(action, body);
    const primaryTerm = readInteger(action, object, 'primary_term', 1);
    const globalCheckpoint = readInteger(action, object, 'global_checkpoint', -1);
    const [state, outcome] = stepReplica(copy.state, { kind: 'operations', primaryTerm, globalCheckpoint, operations: [] });
    copy.state = state;
    if (outcome.kind === 'refuse') throw errors.illegalState(outcome.reason);
    if (!copy.recovering) copy.store.persistGlobalCheckpoint(copy.state.globalCheckpoint);
    return { local_checkpoint: copy.state.localCheckpoint, global_checkpoint: copy.state.globalCheckpoint };
  }

  /**
   * After a promotion: every in-sync copy gets this primary's operations above `globalCheckpoint`
   * before any new write (held meanwhile), so copies that hold the same operations stay in sync.
   */
  private resync(copy: PrimaryCopy, globalCheckpoint: number): void {
    for (const allocationId of replicationTargets(copy.state)) {
      const sender = new CopySender(allocationId, true);
      copy.senders.set(allocationId, sender);
      const fail = (reason: string): void => {
        sender.held = false;
        sender.failed = true;
        for (const requestId of [-1, ...sender.queue.splice(0)]) this.step(copy, { kind: 'replica_failed', requestId, allocationId, reason });
      };
      const nodeId = copy.copies[allocationId];
      const maxSeqNo = copy.store.maxSeqNo;
      const from = globalCheckpoint + 1;
      const count = Math.max(0, maxSeqNo - from + 1);
      if (nodeId === undefined || count > replicationLimits.resyncOperationsMax) {
        fail(nodeId === undefined ? 'the copy is not assigned to any node in the applied cluster state' : `[${count}] operations above the global checkpoint are more than a resync sends`);
        continue;
      }
      const operations = count === 0 ? [] : copy.store.readOps(from, count);
      const body = { ...encodeShardTarget(copy.target), allocation_id: allocationId, primary_term: copy.state.primaryTerm, global_checkpoint: globalCheckpoint, max_seq_no: maxSeqNo, operations: operations.map(encodeOperation) };
      this.options.channel.request(nodeId, REPLICATION_ACTIONS.resync, body, replicationLimits.requestTimeoutMs).then(
        (response) => {
          const localCheckpoint = (response as Record<string, unknown> | null)?.['local_checkpoint'];
          if (typeof localCheckpoint !== 'number' || localCheckpoint < maxSeqNo) {
            fail(`the copy answered the resync without having written up to [${maxSeqNo}]`);
            return;
          }
          sender.held = false;
          copy.leases.set(allocationId, localCheckpoint + 1);
          // The copy holds everything up to its checkpoint: the promoted primary's global checkpoint
          // may move on now, not only at the next write (an idle shard's resynced operations become
          // readable, e.g. by cross-cluster followers, which read up to it).
          this.step(copy, { kind: 'replica_ok', requestId: -1, allocationId, localCheckpoint });
          this.pump(copy, sender);
        },
        (error: unknown) => fail(isEsError(error) ? `${error.type}: ${error.message}` : String(error)),
      );
    }
  }

  // ------------------------------------------------------------------ replica side

  private handleResync(body: unknown): Record<string, unknown> {
    const action = REPLICATION_ACTIONS.resync;
    const { copy, object } = this.replicaFor(action, body);
    const primaryTerm = readInteger(action, object, 'primary_term', 1);
    const globalCheckpoint = readInteger(action, object, 'global_checkpoint', -1);
    const maxSeqNo = readInteger(action, object, 'max_seq_no', -1);
    const operations = parseOperations(action, object['operations'], replicationLimits.resyncOperationsMax);
    // This copy's terms where it already holds the operations sent (its history).
    const localTerms: Record<number, number> = {};
    const overlapFrom = operations[0]?.seqNo;
    if (overlapFrom !== undefined && overlapFrom <= copy.state.localCheckpoint) {
      for (const operation of copy.store.readOps(overlapFrom, copy.state.localCheckpoint - overlapFrom + 1)) localTerms[operation.seqNo] = operation.primaryTerm;
    }
    const [state, outcome] = stepReplica(copy.state, { kind: 'resync', primaryTerm, globalCheckpoint, maxSeqNo, operations, localTerms });
    copy.state = state;
    if (outcome.kind === 'refuse') throw errors.illegalState(outcome.reason);
    if (outcome.kind === 'apply' && outcome.operations.length > 0) copy.store.applyOperations(outcome.operations as typeof operations);
    return { local_checkpoint: copy.state.localCheckpoint, global_checkpoint: copy.state.globalCheckpoint };
  }

  private replicaFor(action: string, body: unknown): { copy: ReplicaCopy; object: Record<string, unknown> } {
    const { body: object, target } = readShardTarget(action, body);
    const allocationId = readString(action, object, 'allocation_id');
    const copy = this.replicas.get(shardKey(target));
    if (copy === undefined || copy.state.allocationId !== allocationId) throw errors.shardNotFound(target.index, target.shard);
    return { copy, object };
  }

  /**
   * `bulk[s][r]` and recovery's operation replay: applied once this node applied the state the
   * primary names (the mapping of the operations).
   */
  private async handleReplicaOperationsAfterState(action: string, body: unknown): Promise<Record<string, unknown>> {
    await this.awaitNamedState(action, body);
    const answer = this.handleReplicaOperations(action, body);
    if (action === REPLICATION_ACTIONS.translogOps) {
      const { copy, object } = this.replicaFor(action, body);
      const count = Array.isArray(object['operations']) ? object['operations'].length : 0;
      // A primary of an older Strait does not announce the total: the operations replayed so far stand for it.
      const total = object['total_operations'] === undefined ? 0 : readInteger(action, object, 'total_operations', 0);
      this.stepRecovery(copy, { kind: 'operations_received', count, total });
    }
    return answer;
  }

  /** Waits until this node applied the request's `state_version` (when it names one): the state holding its documents' mapping. */
  private async awaitNamedState(action: string, body: unknown): Promise<void> {
    const { copy, object } = this.replicaFor(action, body);
    if (object['state_version'] === undefined) return;
    const version = readInteger(action, object, 'state_version', 0);
    const applied = (await this.options.awaitStateVersion?.(version, replicationLimits.stateWaitMs)) ?? true;
    if (!applied) throw errors.illegalState(`shard copy [${copy.state.allocationId}] did not apply cluster state version [${version}], which holds the mapping of its operations, within [${replicationLimits.stateWaitMs}ms]`);
  }

  private handleReplicaOperations(action: string, body: unknown): Record<string, unknown> {
    const { copy, object } = this.replicaFor(action, body);
    const primaryTerm = readInteger(action, object, 'primary_term', 1);
    const globalCheckpoint = readInteger(action, object, 'global_checkpoint', -1);
    const operations = parseOperations(action, object['operations'], replicationLimits.operationsPerRequestMax);
    const [state, outcome] = stepReplica(copy.state, { kind: 'operations', primaryTerm, globalCheckpoint, operations });
    copy.state = state;
    if (outcome.kind === 'refuse') throw errors.illegalState(outcome.reason);
    if (outcome.kind === 'apply' && outcome.operations.length > 0) {
      try {
        copy.store.applyOperations(outcome.operations);
      } catch (error) {
        // The machine moved on assuming the write; the copy cannot serve any more.
        this.replicas.delete(shardKey(copy.target));
        throw errors.illegalState(`shard copy [${copy.state.allocationId}] failed to apply operations: ${(error as Error).message}`);
      }
    }
    return { local_checkpoint: copy.state.localCheckpoint, global_checkpoint: copy.state.globalCheckpoint };
  }

  // ------------------------------------------------------------------ recovery, target side

  /**
   * Recovers the local replica of `target` from the primary on `primaryNodeId`, then asks the
   * master to start it (which adds it to the in-sync set).
   */
  async recover(target: ShardTarget, primaryNodeId: string): Promise<RecoveryOutcome> {
    const copy = this.replicas.get(shardKey(target));
    assert(copy !== undefined, 'recovery runs for an open replica copy');
    this.recoveries.set(shardKey(target), peerRecovery({ index: target.index, indexUuid: target.indexUuid, shard: target.shard, allocationId: copy.state.allocationId }, primaryNodeId, this.options.nowMs()));
    const localCheckpoint = copy.store.localCheckpoint;
    const lastOperation = localCheckpoint >= 0 ? copy.store.readOps(localCheckpoint, 1)[0] : undefined;
    const body = {
      ...encodeShardTarget(target),
      target_allocation_id: copy.state.allocationId,
      target_node_id: this.options.nodeId,
      local_checkpoint: localCheckpoint,
      last_operation_term: lastOperation?.seqNo === localCheckpoint ? lastOperation.primaryTerm : null,
    };
    let response: Record<string, unknown>;
    try {
      response = (await this.options.channel.request(primaryNodeId, REPLICATION_ACTIONS.startRecovery, body, replicationLimits.recoveryTimeoutMs)) as Record<string, unknown>;
    } catch (error) {
      throw errors.recoveryFailed(target.index, target.shard, primaryNodeId, this.options.nodeId, isEsError(error) ? error : errors.internal(String(error)));
    }
    copy.recovering = false;
    this.stepRecovery(copy, { kind: 'done', nowMs: this.options.nowMs() });
    await this.options.recovered?.(target);
    await this.sendShardReport(target, { kind: 'shard_started', index: target.index, shard: target.shard, allocationId: copy.state.allocationId, primaryTerm: copy.state.operationPrimaryTerm }, this.options.masterNodeId());
    return {
      phase: response['phase'] === 'documents' ? 'documents' : 'operations',
      ...(typeof response['reason'] === 'string' ? { reason: response['reason'] } : {}),
      documents: Number(response['documents'] ?? 0),
      operations: Number(response['operations'] ?? 0),
    };
  }

  private handleFilesInfo(body: unknown): Record<string, unknown> {
    const { copy, object } = this.replicaFor(REPLICATION_ACTIONS.filesInfo, body);
    if (!copy.recovering) throw errors.illegalState(`shard copy [${copy.state.allocationId}] is not recovering`);
    // A primary of an older Strait does not announce its bytes: they are known as they arrive.
    const bytes = object['bytes'] === undefined ? 0 : readInteger(REPLICATION_ACTIONS.filesInfo, object, 'bytes', 0);
    this.stepRecovery(copy, { kind: 'documents_started', bytes });
    copy.store = copy.resetStore();
    assert(copy.store.maxSeqNo === -1, 'a reset store is empty');
    copy.state = { ...copy.state, localCheckpoint: -1, globalCheckpoint: -1, mustRecover: false };
    return {};
  }

  private async handleFileChunk(body: unknown): Promise<Record<string, unknown>> {
    const action = REPLICATION_ACTIONS.fileChunk;
    await this.awaitNamedState(action, body);
    const { copy, object } = this.replicaFor(action, body);
    if (!copy.recovering) throw errors.illegalState(`shard copy [${copy.state.allocationId}] is not recovering`);
    const documents = parseOperations(action, object['documents'], replicationLimits.recoveryChunkDocumentsMax);
    copy.store.importDocuments(documents.map((document) => ({ id: document.id, source: document.source!, seqNo: document.seqNo, primaryTerm: document.primaryTerm, version: document.version, ...(typeof document.routing === 'string' ? { routing: document.routing } : {}) })));
    this.stepRecovery(copy, { kind: 'documents_received', bytes: documents.reduce((bytes, document) => bytes + Buffer.byteLength(document.id) + Buffer.byteLength(document.source ?? ''), 0) });
    return {};
  }

  private handleCleanFiles(body: unknown): Record<string, unknown> {
    const action = REPLICATION_ACTIONS.cleanFiles;
    const { copy, object } = this.replicaFor(action, body);
    if (!copy.recovering) throw errors.illegalState(`shard copy [${copy.state.allocationId}] is not recovering`);
    const maxSeqNo = readInteger(action, object, 'max_seq_no', -1);
    copy.store.finishImport(maxSeqNo, 'peer_recovery');
    copy.state = { ...copy.state, localCheckpoint: maxSeqNo, globalCheckpoint: -1, mustRecover: false };
    this.stepRecovery(copy, { kind: 'documents_done' });
    return {};
  }

  private handleFinalize(body: unknown): Record<string, unknown> {
    const action = REPLICATION_ACTIONS.finalize;
    const { copy, object } = this.replicaFor(action, body);
    const globalCheckpoint = readInteger(action, object, 'global_checkpoint', -1);
    copy.state = { ...copy.state, globalCheckpoint: Math.max(copy.state.globalCheckpoint, Math.min(globalCheckpoint, copy.state.localCheckpoint)), mustRecover: false };
    this.stepRecovery(copy, { kind: 'finalize' });
    return { local_checkpoint: copy.state.localCheckpoint };
  }

  // ------------------------------------------------------------------ recovery, source side

  private async handleStartRecovery(body: unknown): Promise<Record<string, unknown>> {
    const action = REPLICATION_ACTIONS.startRecovery;
    const { body: object, target } = readShardTarget(action, body);
    const targetAllocationId = readString(action, object, 'target_allocation_id');
    const targetNodeId = readString(action, object, 'target_node_id');
    const localCheckpoint = readInteger(action, object, 'local_checkpoint', -1);
    const lastTerm = object['last_operation_term'];
    if (lastTerm !== null && (typeof lastTerm !== 'number' || !Number.isSafeInteger(lastTerm) || lastTerm < 1)) throw errors.illegalArgument(`malformed [${action}] request: [last_operation_term] must be a primary term or null`);
    const copy = this.primaries.get(shardKey(target));
    if (copy === undefined) throw errors.shardNotFound(target.index, target.shard);
    if (copy.state.mode !== 'primary') throw errors.shardNotInPrimaryMode(target.index, target.shard, 'STARTED');
    if (copy.copies[targetAllocationId] !== targetNodeId) {
      throw errors.illegalState(`delaying recovery of [${target.index}][${target.shard}] as it is not listed as assigned to target node [${targetNodeId}]`);
    }
    const store = copy.store;
    const retained = store.opsRetained();
    const plan = planRecovery(
      { localCheckpoint, lastOperationTerm: lastTerm as number | null },
      { maxSeqNo: store.maxSeqNo, minRetainedSeqNo: retained.minSeqNo, termAt: (seqNo) => store.readOps(seqNo, 1).find((operation) => operation.seqNo === seqNo)?.primaryTerm },
    );
    // From here every new write is queued for the target, held until the replay below is done.
    copy.leases.set(targetAllocationId, plan.kind === 'operations' ? plan.startingSeqNo : 0);
    const sender = new CopySender(targetAllocationId, true);
    copy.senders.set(targetAllocationId, sender);
    this.step(copy, { kind: 'track', allocationId: targetAllocationId });
    const trackedFrom = store.maxSeqNo + 1;
    let documents = 0;
    let operations = 0;
    const send = (sendAction: string, payload: Record<string, unknown>): Promise<unknown> =>
      this.options.channel.request(targetNodeId, sendAction, { ...encodeShardTarget(target), allocation_id: targetAllocationId, ...payload }, replicationLimits.requestTimeoutMs);
    try {
      // Every document and operation below was parsed against a mapping this state holds.
      const stateVersion = await this.options.recoveryStateVersion?.(target);
      const named = stateVersion === undefined ? {} : { state_version: stateVersion };
      let startingSeqNo: number;
      if (plan.kind === 'documents') {
        this.log.info({ index: target.index, shard: target.shard, target: targetAllocationId, reason: plan.reason }, 'peer recovery copies documents');
        const snapshot = ShardSnapshot.open(store.file);
        try {
          await send(REPLICATION_ACTIONS.filesInfo, { max_seq_no: snapshot.maxSeqNo, doc_count: snapshot.docCount, bytes: snapshot.documentBytes });
          let afterId = '';
          for (;;) {
            const chunk = snapshot.read(afterId, replicationLimits.recoveryChunkDocumentsMax, replicationLimits.recoveryChunkBytesMax);
            if (chunk.length === 0) break;
            await this.options.pace?.(chunk.reduce((bytes, document) => bytes + document.id.length + document.source.length, 0));
            await send(REPLICATION_ACTIONS.fileChunk, { ...named, documents: chunk.map((document) => encodeOperation({ seqNo: document.seqNo, op: 'index', id: document.id, source: document.source, primaryTerm: document.primaryTerm, version: document.version, routing: document.routing ?? null })) });
            documents += chunk.length;
            afterId = chunk[chunk.length - 1]!.id;
          }
          await send(REPLICATION_ACTIONS.cleanFiles, { max_seq_no: snapshot.maxSeqNo });
          startingSeqNo = snapshot.maxSeqNo + 1;
          copy.leases.set(targetAllocationId, startingSeqNo);
        } finally {
          snapshot.close();
        }
      } else {
        startingSeqNo = plan.startingSeqNo;
      }
      // The operations between the copy's state and the first write it was sent live.
      for (let from = startingSeqNo; from < trackedFrom; ) {
        const read = store.readOps(from, Math.min(replicationLimits.operationsPerRequestMax, trackedFrom - from));
        if (read.length === 0 || read[0]!.seqNo !== from) throw errors.illegalState(`the primary no longer retains operation [${from}]`);
        const batch = withinBytes(read, replicationLimits.operationBytesPerRequestMax);
        await this.options.pace?.(batch.reduce((bytes, operation) => bytes + operation.id.length + (operation.source?.length ?? 0), 0));
        await send(REPLICATION_ACTIONS.translogOps, { ...named, primary_term: copy.state.primaryTerm, global_checkpoint: copy.state.globalCheckpoint, total_operations: trackedFrom - startingSeqNo, operations: batch.map(encodeOperation) });
        operations += batch.length;
        from = batch[batch.length - 1]!.seqNo + 1;
      }
      sender.held = false;
      this.pump(copy, sender);
      await send(REPLICATION_ACTIONS.finalize, { global_checkpoint: copy.state.globalCheckpoint });
    } catch (error) {
      const reason = isEsError(error) ? `${error.type}: ${error.message}` : String(error);
      sender.held = false;
      sender.failed = true;
      for (const requestId of sender.queue.splice(0)) this.step(copy, { kind: 'replica_failed', requestId, allocationId: targetAllocationId, reason });
      this.step(copy, { kind: 'untrack', allocationId: targetAllocationId });
      copy.leases.delete(targetAllocationId);
      throw isEsError(error) ? error : errors.internal(reason);
    }
    return { phase: plan.kind, ...(plan.kind === 'documents' ? { reason: plan.reason } : {}), documents, operations };
  }
}

/** The longest prefix of `operations` within `bytesMax` of ids and sources (never empty). */
function withinBytes(operations: readonly Operation[], bytesMax: number): readonly Operation[] {
  let bytes = 0;
  for (let index = 0; index < operations.length; index++) {
    bytes += operations[index]!.id.length + (operations[index]!.source?.length ?? 0);
    if (bytes > bytesMax && index > 0) return operations.slice(0, index);
  }
  return operations;
}

function renderItem(result: ShardWriteResult): Record<string, unknown> {
  if ('error' in result) return { _id: result.id, status: result.error.status, error: result.error.toCause() };
  return { _id: result.id, _version: result.version, _seq_no: result.seqNo, _primary_term: result.primaryTerm, result: result.result, status: result.status };
}
