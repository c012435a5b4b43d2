/**
 * Cross-cluster replication: the shapes shared by the follower's pure step machine
 * (`follower.ts`), its I/O shell (`runner.ts`) and the leader's actions (`leader.ts`).
 * Reference: shared/spec/ccr.md §2.2 (follow parameters), §3.6 (stats fields), §4 (mechanism).
 */

/** The ten follow parameters of spec §2.2, sizes in bytes and times in milliseconds. */
export interface FollowParameters {
  readonly maxReadRequestOperationCount: number;
  readonly maxOutstandingReadRequests: number;
  readonly maxReadRequestSizeBytes: number;
  readonly maxWriteRequestOperationCount: number;
  readonly maxWriteRequestSizeBytes: number;
  readonly maxOutstandingWriteRequests: number;
  readonly maxWriteBufferCount: number;
  readonly maxWriteBufferSizeBytes: number;
  readonly maxRetryDelayMs: number;
  readonly readPollTimeoutMs: number;
  /**
   * Strait's lag objective (`max_lag: {time, operations}`, beyond Elasticsearch): past either
   * bound, cluster health turns yellow and names the follower. Absent: no objective.
   */
  readonly maxLagMs?: number;
  readonly maxLagOperations?: number;
}

/** One leader operation as `shard_changes` returns it (and the follower replays it). */
export interface ChangeOperation {
  readonly seqNo: number;
  readonly op: 'index' | 'delete';
  readonly id: string;
  /** `_source` as JSON text; null for a delete. */
  readonly source: string | null;
  readonly primaryTerm: number;
  readonly version: number;
  /** `_routing`, when the document had one. */
  readonly routing?: string;
  /** When the leader acknowledged it (epoch ms), for lag in time; absent for old operations. */
  readonly timestampMs?: number;
}

/** The answer of `indices:data/read/xpack/ccr/shard_changes` (spec §4.2 step 3). */
export interface ShardChangesResponse {
  /** Empty when the follower asked for `operation_columns` and the leader answered with them. */
  readonly operations: readonly ChangeOperation[];
  /** The operations in column form (operation-columns.ts), when the follower asked for it. */
  readonly operationColumns?: unknown;
  readonly globalCheckpoint: number;
  readonly maxSeqNo: number;
  readonly maxSeqNoOfUpdatesOrDeletes: number;
  readonly mappingVersion: number;
  readonly settingsVersion: number;
  readonly aliasesVersion: number;
  readonly tookMs: number;
}

/** An error as the machine sees it: Elasticsearch's type and reason, and whether a retry may help (spec §4.4). */
export interface FollowError {
  readonly type: string;
  readonly reason: string;
  readonly retryable: boolean;
  /** Extra fields rendered with the exception (`requested_operations_missing`, ...). */
  readonly extra?: Readonly<Record<string, unknown>>;
}
