/**
 * The shard follow task's I/O shell (spec ccr.md §4.2): it feeds the pure step machine
 * (`follower.ts`) with leader answers, write results and clock ticks, and carries out the effects
 * it returns: `shard_changes` reads to the leader, writes to the follower shard, metadata syncs and
 * wake-ups. The follower's checkpoint is its shard's max_seq_no, committed with each write, so a
 * restarted task resumes exactly where the last commit left it.
 */
import type { Logger } from 'pino';
import { EsError } from '../common/index.js';
import { connectionFailureTypes } from '../transport/index.js';
import { createFollowerState, followerShardStats, isFatal, stepFollower, type FollowerEffects, type FollowerEvent, type FollowerState } from './follower.js';
import type { ChangeOperation, FollowError, FollowParameters, ShardChangesResponse } from './types.js';

/** What a task needs from the rest of the node; every call may throw an EsError. */
export interface FollowTaskPorts {
  /** `shard_changes` on the leader, as the task's stored identity. */
  readChanges(request: { fromSeqNo: number; maxOperationCount: number; pollTimeoutMs: number; maxBatchSizeBytes: number }): Promise<ShardChangesResponse>;
  /** Applies leader operations to the follower shard; resolves to its max seq_no once they are durable. */
  write(operations: readonly ChangeOperation[]): Promise<number>;
  /** Brings the follower's mappings and settings up to the leader's current ones; returns the leader metadata version reached. */
  syncMetadata(): Promise<number>;
  /** Renews the task's retention lease on the leader (best effort). */
  renewLease(retainingSeqNo: number): Promise<void>;
  readonly nowMs: () => number;
  readonly random: () => number;
}

/** Errors after which a retry may succeed (spec §4.4); everything else stops the task (fatal). */
const RETRYABLE_TYPES = new Set([
  ...connectionFailureTypes,
  'transport_exception',
  'no_such_remote_cluster_exception',
  'security_exception',
  'cluster_block_exception',
  'index_closed_exception',
  'es_rejected_execution_exception',
  'shard_not_found_exception',
  'no_shard_available_action_exception',
  'already_closed_exception',
]);

export function followError(error: unknown): FollowError {
  if (error instanceof EsError) {
    const extra = error.extra === undefined ? undefined : Object.fromEntries(Object.entries(error.extra).filter(([key]) => key !== 'index_uuid' && key !== 'resource.type'));
    return { type: error.type, reason: error.message, retryable: RETRYABLE_TYPES.has(error.type) || error.status === 401, ...(extra !== undefined && Object.keys(extra).length > 0 ? { extra } : {}) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { type: 'exception', reason: message, retryable: true };
}

/** Limits of a task (style P4). */
const leaseRenewIntervalMs = 30_000; // Elasticsearch's CCR retention lease renewal interval
const tickIntervalMs = 1_000; // ours: the task's clock tick when nothing else wakes it

export class FollowTask {
  private state: FollowerState;
  private stopped = false;
  private tickTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private feeding = false;
  private readonly queue: FollowerEvent[] = [];
  /** Leader acknowledgement times of operations read but not yet applied, by seq_no (lag in time). */
  private readonly opTimestamps = new Map<number, number>();
  /** Since when the follower is known to be behind the leader (undefined while caught up). */
  private behindSinceMs: number | undefined;
  private lastReadOkMs: number;

  constructor(
    readonly followerIndex: string,
    params: FollowParameters,
    init: { followerCheckpoint: number; metadataVersion: number },
    private readonly ports: FollowTaskPorts,
    private readonly log: Logger,
  ) {
    this.state = createFollowerState({
      params,
      followerCheckpoint: init.followerCheckpoint,
      mappingVersion: init.metadataVersion,
      settingsVersion: init.metadataVersion,
      aliasesVersion: init.metadataVersion,
      nowMs: ports.nowMs(),
    });
    this.lastReadOkMs = ports.nowMs();
  }

  /**
   * The follower's lag (Strait's lag objective): in operations, leader global checkpoint minus the
   * follower's; in time, since the leader acknowledged the oldest operation the follower has not
   * applied (or since the follower was first seen behind, before that operation was read). An idle,
   * caught-up follower lags zero; one that cannot read lags at least since its last good read.
   */
  lag(): { millis: number; operations: number } {
    const now = this.ports.nowMs();
    const stats = this.stats();
    const leaderCheckpoint = Number(stats['leader_global_checkpoint'] ?? -1);
    const followerCheckpoint = Number(stats['follower_global_checkpoint'] ?? -1);
    for (const seqNo of this.opTimestamps.keys()) if (seqNo <= followerCheckpoint) this.opTimestamps.delete(seqNo);
    const failing = Array.isArray(stats['read_exceptions']) && (stats['read_exceptions'] as unknown[]).length > 0;
    const unreachableMs = failing ? now - this.lastReadOkMs : 0;
    if (followerCheckpoint >= leaderCheckpoint) {
      this.behindSinceMs = undefined;
      return { millis: unreachableMs, operations: 0 };
    }
    this.behindSinceMs ??= now;
    const oldest = this.opTimestamps.get(followerCheckpoint + 1) ?? this.behindSinceMs;
    return { millis: Math.max(unreachableMs, now - Math.min(oldest, now)), operations: leaderCheckpoint - followerCheckpoint };
  }

  start(): void {
    this.feed({ kind: 'tick', nowMs: this.ports.nowMs() });
    this.tickTimer = setInterval(() => this.feed({ kind: 'tick', nowMs: this.ports.nowMs() }), tickIntervalMs);
    this.tickTimer.unref();
    this.leaseTimer = setInterval(() => void this.renewLease(), leaseRenewIntervalMs);
    this.leaseTimer.unref();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.tickTimer);
    clearInterval(this.leaseTimer);
    clearTimeout(this.wakeTimer);
    this.feed({ kind: 'stop' });
  }

  get fatal(): boolean {
    return isFatal(this.state);
  }

  stats(): Record<string, unknown> {
    return followerShardStats(this.state, this.ports.nowMs());
  }

  private async renewLease(): Promise<void> {
    const stats = this.stats();
    const checkpoint = typeof stats['follower_global_checkpoint'] === 'number' ? stats['follower_global_checkpoint'] : -1;
    try {
      await this.ports.renewLease(checkpoint + 1);
    } catch (error) {
      this.log.debug({ follower: this.followerIndex, reason: (error as Error).message }, 'retention lease renewal failed');
    }
  }

  /** Events are applied one at a time, in order, even when an effect produces the next one synchronously. */
  private feed(event: FollowerEvent): void {
    this.queue.push(event);
    if (this.feeding) return;
    this.feeding = true;
    try {
      while (this.queue.length > 0) {
        const next = this.queue.shift()!;
        const [state, effects] = stepFollower(this.state, next);
        this.state = state;
        if (next.kind !== 'stop') this.run(effects);
      }
    } finally {
      this.feeding = false;
    }
  }

  private run(effects: FollowerEffects): void {
    if (this.stopped) return;
    if (effects.syncMetadata !== undefined) void this.sync();
    for (const request of effects.reads) void this.read(request);
    for (const batch of effects.writes) void this.write(batch);
    if (effects.wakeAtMs !== undefined) {
      clearTimeout(this.wakeTimer);
      this.wakeTimer = setTimeout(() => this.feed({ kind: 'tick', nowMs: this.ports.nowMs() }), Math.max(0, effects.wakeAtMs - this.ports.nowMs()));
      this.wakeTimer.unref();
    }
  }

  private async read(request: { fromSeqNo: number; maxOperationCount: number; pollTimeoutMs: number; maxBatchSizeBytes: number }): Promise<void> {
    try {
      const response = await this.ports.readChanges(request);
      if (this.stopped) return;
      this.lastReadOkMs = this.ports.nowMs();
      for (const op of response.operations) if (op.timestampMs !== undefined) this.opTimestamps.set(op.seqNo, op.timestampMs);
      this.feed({ kind: 'read_ok', nowMs: this.ports.nowMs(), fromSeqNo: request.fromSeqNo, response });
    } catch (error) {
      if (this.stopped) return;
      const reason = followError(error);
      this.log.debug({ follower: this.followerIndex, from_seq_no: request.fromSeqNo, type: reason.type, reason: reason.reason }, 'shard_changes failed');
      this.feed({ kind: 'read_failed', nowMs: this.ports.nowMs(), fromSeqNo: request.fromSeqNo, error: reason, random: this.ports.random() });
    }
  }

  private async write(batch: readonly ChangeOperation[]): Promise<void> {
    const started = this.ports.nowMs();
    const fromSeqNo = batch[0]?.seqNo ?? -1;
    const toSeqNo = batch[batch.length - 1]?.seqNo ?? -1;
    try {
      const maxSeqNo = await this.ports.write(batch);
      // Applied: their acknowledgement times are no longer needed for the lag (kept, they grew by
      // one entry per operation for as long as nobody asked for stats or health).
      for (const operation of batch) this.opTimestamps.delete(operation.seqNo);
      if (this.stopped) return;
      this.feed({ kind: 'write_ok', nowMs: this.ports.nowMs(), fromSeqNo, toSeqNo, followerCheckpoint: maxSeqNo, followerMaxSeqNo: maxSeqNo, tookMs: this.ports.nowMs() - started });
    } catch (error) {
      if (this.stopped) return;
      const reason = followError(error);
      this.log.warn({ follower: this.followerIndex, from_seq_no: fromSeqNo, type: reason.type, reason: reason.reason }, 'applying leader operations failed');
      this.feed({ kind: 'write_failed', nowMs: this.ports.nowMs(), fromSeqNo, error: reason, random: this.ports.random() });
    }
  }

  private async sync(): Promise<void> {
    try {
      const version = await this.ports.syncMetadata();
      if (!this.stopped) this.feed({ kind: 'metadata_synced', nowMs: this.ports.nowMs(), mappingVersion: version, settingsVersion: version, aliasesVersion: version });
    } catch (error) {
      if (this.stopped) return;
      const reason = followError(error);
      this.log.debug({ follower: this.followerIndex, type: reason.type, reason: reason.reason }, 'follower metadata sync failed');
      this.feed({ kind: 'metadata_failed', nowMs: this.ports.nowMs(), error: reason, random: this.ports.random() });
    }
  }
}
