/**
 * The shard follow task's pure state machine, one per follower primary shard (style P1: raft's
 * Step/Ready). The I/O shell (`runner.ts`) feeds it events (responses, failures, ticks) and performs
 * the effects it returns (send `shard_changes` reads, apply write batches, sync metadata, wake up
 * later). Time and randomness arrive inside events; nothing here awaits, reads a clock or draws a
 * random number, so every run replays exactly from its events.
 *
 * Reference: shared/spec/ccr.md §4.2 (read and write coordination, metadata before data, partial
 * reads), §4.4 (retries with capped randomised back-off, fatal errors) and §3.6 (the status fields).
 */
import { assert } from '../common/assert.js';
import type { ChangeOperation, FollowError, FollowParameters, ShardChangesResponse } from './types.js';

export interface FollowerInit {
  readonly params: FollowParameters;
  /** The follower shard's max seq_no, the last operation applied; -1 when the shard is empty. */
  readonly followerCheckpoint: number;
  readonly mappingVersion: number;
  readonly settingsVersion: number;
  readonly aliasesVersion: number;
  /** When the task starts; the machine itself measures time only from its events. */
  readonly nowMs: number;
}

export type FollowerEvent =
  /** The shell sends one periodically and at (or after) each `wakeAtMs` it was given. */
  | { readonly kind: 'tick'; readonly nowMs: number }
  | { readonly kind: 'read_ok'; readonly nowMs: number; readonly fromSeqNo: number; readonly response: ShardChangesResponse }
  | { readonly kind: 'read_failed'; readonly nowMs: number; readonly fromSeqNo: number; readonly error: FollowError; readonly random: number }
  | { readonly kind: 'metadata_synced'; readonly nowMs: number; readonly mappingVersion: number; readonly settingsVersion: number; readonly aliasesVersion: number }
  | { readonly kind: 'metadata_failed'; readonly nowMs: number; readonly error: FollowError; readonly random: number }
  | {
      readonly kind: 'write_ok';
      readonly nowMs: number;
      readonly fromSeqNo: number;
      readonly toSeqNo: number;
      readonly followerCheckpoint: number;
      readonly followerMaxSeqNo: number;
      readonly tookMs: number;
    }
  | { readonly kind: 'write_failed'; readonly nowMs: number; readonly fromSeqNo: number; readonly error: FollowError; readonly random: number }
  /** Pause: the machine emits nothing more. */
  | { readonly kind: 'stop' };

/** One `shard_changes` request (spec §4.2 step 2); `maxOperationCount` ops from `fromSeqNo`. */
export interface ReadRequest {
  readonly fromSeqNo: number;
  readonly maxOperationCount: number;
  readonly pollTimeoutMs: number;
  readonly maxBatchSizeBytes: number;
}

export interface MetadataVersions {
  readonly mappingVersion: number;
  readonly settingsVersion: number;
  readonly aliasesVersion: number;
}

export interface FollowerEffects {
  /** `shard_changes` requests to send now. */
  readonly reads: readonly ReadRequest[];
  /**
   * Batches to apply now, each contiguous and in seq_no order; the first new batch starts right
   * after the last op handed out before (follower checkpoint + 1 at start). A batch whose write
   * failed with a retryable error is handed out again, unchanged; the follower engine skips ops it
   * already has (spec §4.2 step 7), so a repeat is harmless.
   */
  readonly writes: readonly (readonly ChangeOperation[])[];
  /**
   * The leader's max_seq_no_of_updates_or_deletes as last seen, present when `writes` is not
   * empty: the follower bulk carries it (spec §4.2 step 6).
   */
  readonly maxSeqNoOfUpdatesOrDeletes?: number;
  /** Bring the follower's aliases, then settings, then mapping up to these leader versions (spec §4.2 step 4). */
  readonly syncMetadata?: MetadataVersions;
  /** Send a tick at (or after) this time: the earliest retry waiting for its back-off. */
  readonly wakeAtMs?: number;
  /** Present in the one step that made the machine fatal. */
  readonly fatalException?: FollowError;
}

/** A read the machine counts as outstanding: sent and unanswered, or failed and waiting to be resent. */
interface ReadInFlight {
  readonly fromSeqNo: number;
  readonly maxOperationCount: number;
  /** The highest seq_no this read must bring; below `fromSeqNo` for a peek, which needs nothing. */
  readonly maxRequiredSeqNo: number;
  readonly sentAtMs: number;
  /** Failures so far of this request (spec §4.4 "retry n"). */
  readonly retries: number;
  /** When the back-off ends; null while the request is on the wire. */
  readonly retryAtMs: number | null;
}

interface WriteInFlight {
  readonly fromSeqNo: number;
  readonly toSeqNo: number;
  readonly operations: readonly ChangeOperation[];
  readonly retries: number;
  readonly retryAtMs: number | null;
}

/**
 * A run of buffered ops with consecutive seq_nos, all read with the same leader metadata versions.
 * Runs are replaced, never changed, so states stay immutable while a write takes ops from the front
 * (`start`) without copying the rest.
 */
interface BufferedRun {
  readonly operations: readonly ChangeOperation[];
  readonly start: number;
  /** The leader metadata versions the follower needs before these ops can be applied. */
  readonly requires: MetadataVersions;
}

interface ReadException {
  readonly fromSeqNo: number;
  readonly retries: number;
  readonly error: FollowError;
}

/** A metadata sync in progress: on the wire (`retryAtMs` null) or waiting for its back-off. */
interface MetadataSync {
  readonly retries: number;
  readonly retryAtMs: number | null;
}

export interface FollowerState {
  readonly status: 'following' | 'fatal' | 'stopped';
  readonly params: FollowParameters;
  readonly leaderGlobalCheckpoint: number;
  readonly leaderMaxSeqNo: number;
  readonly leaderMaxSeqNoOfUpdatesOrDeletes: number;
  readonly followerGlobalCheckpoint: number;
  readonly followerMaxSeqNo: number;
  /** Highest seq_no requested so far (or received, when a read brought more than it needed). */
  readonly lastRequestedSeqNo: number;
  /** The first seq_no not yet handed to a write. */
  readonly nextWriteSeqNo: number;
  readonly reads: readonly ReadInFlight[];
  readonly writes: readonly WriteInFlight[];
  /** Sorted by seq_no, disjoint, every op at or above `nextWriteSeqNo`. */
  readonly buffer: readonly BufferedRun[];
  readonly bufferOperationCount: number;
  readonly bufferSizeBytes: number;
  readonly followerVersions: MetadataVersions;
  /** The highest metadata versions seen in read responses. */
  readonly leaderVersions: MetadataVersions;
  readonly metadataSync: MetadataSync | null;
  readonly readExceptions: readonly ReadException[];
  readonly fatalException: FollowError | null;
  readonly lastReadSentAtMs: number | null;
  readonly totalReadTimeMillis: number;
  readonly totalReadRemoteExecTimeMillis: number;
  readonly successfulReadRequests: number;
  readonly failedReadRequests: number;
  readonly operationsRead: number;
  readonly bytesRead: number;
  readonly totalWriteTimeMillis: number;
  readonly successfulWriteRequests: number;
  readonly failedWriteRequests: number;
  readonly operationsWritten: number;
}

/**
 * The fixed part of an op's estimated size, standing for seq_no, primary term, version and
 * framing. Elasticsearch also only estimates (`bytes_read` "is an estimate", spec §3.6); what
 * matters is that buffer and batch limits see the same number the stats report.
 */
const operationOverheadBytes = 50;
/** The back-off unit of spec §4.4: retry n waits k × 50ms. */
const retryDelayUnitMs = 50;
/** The back-off exponent stops growing here (spec §4.4), so 2^(n-1) stays an exact integer. */
const retryExponentMax = 24;

/** The estimated size of one op, as counted in `bytes_read`, the write buffer and write batches. */
export function estimateOperationSizeBytes(operation: ChangeOperation): number {
  return (operation.source?.length ?? 0) + operation.id.length + (operation.routing?.length ?? 0) + operationOverheadBytes;
}

/**
 * Spec §4.4: retry n waits k × 50ms, k uniform over the integers [0, 2^(min(n,24)−1)], capped at
 * `max_retry_delay`. `random` in [0, 1) picks k, so the first retry waits 0 or 50ms.
 */
export function retryDelayMs(retry: number, maxRetryDelayMs: number, random: number): number {
  assert(Number.isInteger(retry) && retry >= 1, `retry count [${retry}] starts at 1`);
  assert(random >= 0 && random < 1, `random [${random}] is in [0, 1)`);
  const choices = 2 ** (Math.min(retry, retryExponentMax) - 1) + 1;
  return Math.min(Math.floor(random * choices) * retryDelayUnitMs, maxRetryDelayMs);
}

export function createFollowerState(init: FollowerInit): FollowerState {
  const { params } = init;
  for (const [name, value] of Object.entries(params)) {
    // The REST layer validated the parameters (spec §2.2); a zero here is a bug, not user input.
    assert(typeof value === 'number' && value > 0, `follow parameter ${name} [${String(value)}] is positive`);
  }
  assert(Number.isInteger(init.followerCheckpoint) && init.followerCheckpoint >= -1, 'follower checkpoint is -1 or a seq_no');
  const versions: MetadataVersions = {
    mappingVersion: init.mappingVersion,
    settingsVersion: init.settingsVersion,
    aliasesVersion: init.aliasesVersion,
  };
  return Object.freeze({
    status: 'following',
    params,
    // The follower's history was copied from the leader, so the leader has at least as much; the
    // first (peek) read learns the real values.
    leaderGlobalCheckpoint: init.followerCheckpoint,
    leaderMaxSeqNo: init.followerCheckpoint,
    leaderMaxSeqNoOfUpdatesOrDeletes: -1,
    followerGlobalCheckpoint: init.followerCheckpoint,
    followerMaxSeqNo: init.followerCheckpoint,
    lastRequestedSeqNo: init.followerCheckpoint,
    nextWriteSeqNo: init.followerCheckpoint + 1,
    reads: [],
    writes: [],
    buffer: [],
    bufferOperationCount: 0,
    bufferSizeBytes: 0,
    followerVersions: versions,
    leaderVersions: versions,
    metadataSync: null,
    readExceptions: [],
    fatalException: null,
    lastReadSentAtMs: null,
    totalReadTimeMillis: 0,
    totalReadRemoteExecTimeMillis: 0,
    successfulReadRequests: 0,
    failedReadRequests: 0,
    operationsRead: 0,
    bytesRead: 0,
    totalWriteTimeMillis: 0,
    successfulWriteRequests: 0,
    failedWriteRequests: 0,
    operationsWritten: 0,
  });
}

export function isFatal(state: FollowerState): boolean {
  return state.status === 'fatal';
}

type Draft = { -readonly [K in keyof FollowerState]: FollowerState[K] } & {
  reads: ReadInFlight[];
  writes: WriteInFlight[];
  buffer: BufferedRun[];
  readExceptions: ReadException[];
};

interface Output {
  reads: ReadRequest[];
  writes: (readonly ChangeOperation[])[];
  syncMetadata?: MetadataVersions;
  fatalException?: FollowError;
}

const noEffects: FollowerEffects = Object.freeze({ reads: Object.freeze([]), writes: Object.freeze([]) });

/**
 * One step. The input state is never changed. Once the machine is fatal or stopped it emits no
 * effects, but answers to requests already in flight are still accounted (counters, checkpoints,
 * in-flight counts), since those reads and writes did happen.
 */
export function stepFollower(state: FollowerState, event: FollowerEvent): readonly [FollowerState, FollowerEffects] {
  if (event.kind === 'stop') {
    return [Object.freeze({ ...state, status: 'stopped' }), noEffects];
  }
  const draft: Draft = {
    ...state,
    reads: [...state.reads],
    writes: [...state.writes],
    buffer: [...state.buffer],
    readExceptions: [...state.readExceptions],
  };
  const output: Output = { reads: [], writes: [] };
  const nowMs = event.nowMs;
  switch (event.kind) {
    case 'tick':
      break;
    case 'read_ok':
      onReadOk(draft, output, nowMs, event.fromSeqNo, event.response);
      break;
    case 'read_failed':
      onReadFailed(draft, output, nowMs, event.fromSeqNo, event.error, event.random);
      break;
    case 'metadata_synced':
      onMetadataSynced(draft, event);
      break;
    case 'metadata_failed':
      onMetadataFailed(draft, output, nowMs, event.error, event.random);
      break;
    case 'write_ok':
      onWriteOk(draft, event);
      break;
    case 'write_failed':
      onWriteFailed(draft, output, nowMs, event.fromSeqNo, event.error, event.random);
      break;
    default: {
      const unknown: never = event;
      assert(false, `unknown follower event ${JSON.stringify(unknown)}`);
    }
  }
  let wakeAtMs: number | undefined;
  if (draft.status === 'following') {
    resendDueRetries(draft, output, nowMs);
    coordinateMetadata(draft, output);
    // Writes first: handing ops to writes empties the buffer, which may give reads their budget back.
    coordinateWrites(draft, output);
    coordinateReads(draft, output, nowMs);
    wakeAtMs = earliestRetryAtMs(draft);
  }
  const effects: FollowerEffects = {
    reads: output.reads,
    writes: output.writes,
    ...(output.writes.length > 0 ? { maxSeqNoOfUpdatesOrDeletes: draft.leaderMaxSeqNoOfUpdatesOrDeletes } : {}),
    ...(output.syncMetadata !== undefined ? { syncMetadata: output.syncMetadata } : {}),
    ...(wakeAtMs !== undefined ? { wakeAtMs } : {}),
    ...(output.fatalException !== undefined ? { fatalException: output.fatalException } : {}),
  };
  return [Object.freeze(draft), Object.freeze(effects)];
}

function findSentRead(draft: Draft, fromSeqNo: number): number {
  const index = draft.reads.findIndex((read) => read.fromSeqNo === fromSeqNo);
  assert(index >= 0, `an answer for read [${fromSeqNo}] that is not outstanding`);
  assert(draft.reads[index]!.retryAtMs === null, `an answer for read [${fromSeqNo}] that waits for its retry`);
  return index;
}

function findSentWrite(draft: Draft, fromSeqNo: number): number {
  const index = draft.writes.findIndex((write) => write.fromSeqNo === fromSeqNo);
  assert(index >= 0, `an answer for write [${fromSeqNo}] that is not outstanding`);
  assert(draft.writes[index]!.retryAtMs === null, `an answer for write [${fromSeqNo}] that waits for its retry`);
  return index;
}

function maxVersions(a: MetadataVersions, b: MetadataVersions): MetadataVersions {
  return {
    mappingVersion: Math.max(a.mappingVersion, b.mappingVersion),
    settingsVersion: Math.max(a.settingsVersion, b.settingsVersion),
    aliasesVersion: Math.max(a.aliasesVersion, b.aliasesVersion),
  };
}

/** Whether metadata at `have` is enough for ops read with `needs`. */
function covers(have: MetadataVersions, needs: MetadataVersions): boolean {
  return have.mappingVersion >= needs.mappingVersion && have.settingsVersion >= needs.settingsVersion && have.aliasesVersion >= needs.aliasesVersion;
}

function becomeFatal(draft: Draft, output: Output, error: FollowError): void {
  draft.status = 'fatal';
  draft.fatalException = error;
  output.fatalException = error;
}

function onReadOk(draft: Draft, output: Output, nowMs: number, fromSeqNo: number, response: ShardChangesResponse): void {
  const index = findSentRead(draft, fromSeqNo);
  const read = draft.reads[index]!;
  const operations = sortedBySeqNo(response.operations);
  draft.successfulReadRequests += 1;
  draft.operationsRead += operations.length;
  for (const operation of operations) draft.bytesRead += estimateOperationSizeBytes(operation);
  draft.totalReadTimeMillis += Math.max(0, nowMs - read.sentAtMs);
  draft.totalReadRemoteExecTimeMillis += response.tookMs;
  draft.readExceptions = draft.readExceptions.filter((entry) => entry.fromSeqNo !== fromSeqNo);
  draft.leaderGlobalCheckpoint = Math.max(draft.leaderGlobalCheckpoint, response.globalCheckpoint);
  draft.leaderMaxSeqNo = Math.max(draft.leaderMaxSeqNo, response.maxSeqNo);
  draft.leaderMaxSeqNoOfUpdatesOrDeletes = Math.max(draft.leaderMaxSeqNoOfUpdatesOrDeletes, response.maxSeqNoOfUpdatesOrDeletes);
  const responseVersions: MetadataVersions = {
    mappingVersion: response.mappingVersion,
    settingsVersion: response.settingsVersion,
    aliasesVersion: response.aliasesVersion,
  };
  draft.leaderVersions = maxVersions(draft.leaderVersions, responseVersions);
  if (draft.status !== 'following') {
    draft.reads.splice(index, 1);
    return;
  }
  const highestSeqNo = operations.length > 0 ? operations[operations.length - 1]!.seqNo : -1;
  // A peek (or a read that got more than it needed) can bring ops above what was requested; they
  // must not be requested again.
  draft.lastRequestedSeqNo = Math.max(draft.lastRequestedSeqNo, highestSeqNo);
  bufferOperations(draft, operations, responseVersions);
  // What this read still owes is its range minus what the follower now holds. The leader sends
  // consecutive ops, but a hole in an answer must never be skipped, or the writes would wait for
  // it forever; so the range reaches up to the highest op received, even for a peek.
  const holds = (seqNo: number): boolean => seqNo < draft.nextWriteSeqNo || isBuffered(draft.buffer, seqNo);
  let nextSeqNo = fromSeqNo;
  let requiredSeqNo = Math.max(read.maxRequiredSeqNo, highestSeqNo);
  while (nextSeqNo <= requiredSeqNo && holds(nextSeqNo)) nextSeqNo += 1;
  while (requiredSeqNo >= nextSeqNo && holds(requiredSeqNo)) requiredSeqNo -= 1;
  draft.reads.splice(index, 1);
  // Partial read (spec §4.2 step 5): ask for the remainder at once, in the slot this read held.
  if (nextSeqNo <= requiredSeqNo) sendRead(draft, output, nowMs, nextSeqNo, requiredSeqNo - nextSeqNo + 1, requiredSeqNo);
}

function sortedBySeqNo(operations: readonly ChangeOperation[]): readonly ChangeOperation[] {
  for (let index = 1; index < operations.length; index++) {
    if (operations[index - 1]!.seqNo > operations[index]!.seqNo) return [...operations].sort((a, b) => a.seqNo - b.seqNo);
  }
  return operations;
}

/** Position of the first run whose last seq_no is at or above `seqNo`. */
function runIndexAtOrAbove(buffer: readonly BufferedRun[], seqNo: number): number {
  let low = 0;
  let high = buffer.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const run = buffer[middle]!;
    if (run.operations[run.operations.length - 1]!.seqNo < seqNo) low = middle + 1;
    else high = middle;
  }
  return low;
}

function isBuffered(buffer: readonly BufferedRun[], seqNo: number): boolean {
  const run = buffer[runIndexAtOrAbove(buffer, seqNo)];
  return run !== undefined && run.operations[run.start]!.seqNo <= seqNo;
}

/**
 * Adds the ops not yet written, handed to a write or buffered (spec §4.2 step 7: replays are
 * idempotent by seq_no; the first copy wins).
 */
function bufferOperations(draft: Draft, operations: readonly ChangeOperation[], requires: MetadataVersions): void {
  const runs: ChangeOperation[][] = [];
  let current: ChangeOperation[] = [];
  let previousSeqNo = Number.NEGATIVE_INFINITY;
  for (const operation of operations) {
    const seqNo = operation.seqNo;
    assert(Number.isInteger(seqNo) && seqNo >= 0, `seq_no [${seqNo}] is a non-negative integer`);
    const fresh = seqNo !== previousSeqNo && seqNo >= draft.nextWriteSeqNo && !isBuffered(draft.buffer, seqNo);
    if (fresh && current.length > 0 && seqNo !== current[current.length - 1]!.seqNo + 1) {
      runs.push(current);
      current = [];
    }
    if (fresh) {
      current.push(operation);
      draft.bufferOperationCount += 1;
      draft.bufferSizeBytes += estimateOperationSizeBytes(operation);
    } else if (current.length > 0) {
      runs.push(current);
      current = [];
    }
    previousSeqNo = seqNo;
  }
  if (current.length > 0) runs.push(current);
  // Inserted only now, so the checks above saw the buffer as it was: a response never overlaps itself.
  for (const operationsOfRun of runs) {
    const run: BufferedRun = { operations: operationsOfRun, start: 0, requires };
    draft.buffer.splice(runIndexAtOrAbove(draft.buffer, operationsOfRun[0]!.seqNo), 0, run);
  }
}

function onReadFailed(draft: Draft, output: Output, nowMs: number, fromSeqNo: number, error: FollowError, random: number): void {
  const index = findSentRead(draft, fromSeqNo);
  const read = draft.reads[index]!;
  draft.failedReadRequests += 1;
  if (draft.status !== 'following') {
    draft.reads.splice(index, 1);
    return;
  }
  const retries = error.retryable ? read.retries + 1 : read.retries;
  draft.readExceptions = [...draft.readExceptions.filter((entry) => entry.fromSeqNo !== fromSeqNo), { fromSeqNo, retries, error }].sort(
    (a, b) => a.fromSeqNo - b.fromSeqNo,
  );
  if (!error.retryable) {
    draft.reads.splice(index, 1);
    becomeFatal(draft, output, error);
    return;
  }
  draft.reads[index] = { ...read, retries, retryAtMs: nowMs + retryDelayMs(retries, draft.params.maxRetryDelayMs, random) };
}

function onMetadataSynced(draft: Draft, event: Extract<FollowerEvent, { kind: 'metadata_synced' }>): void {
  assert(draft.metadataSync !== null && draft.metadataSync.retryAtMs === null, 'metadata_synced answers a sync on the wire');
  draft.metadataSync = null;
  draft.followerVersions = maxVersions(draft.followerVersions, event);
}

function onMetadataFailed(draft: Draft, output: Output, nowMs: number, error: FollowError, random: number): void {
  const sync = draft.metadataSync;
  assert(sync !== null && sync.retryAtMs === null, 'metadata_failed answers a sync on the wire');
  if (draft.status !== 'following') {
    draft.metadataSync = null;
    return;
  }
  if (!error.retryable) {
    draft.metadataSync = null;
    becomeFatal(draft, output, error);
    return;
  }
  const retries = sync.retries + 1;
  draft.metadataSync = { retries, retryAtMs: nowMs + retryDelayMs(retries, draft.params.maxRetryDelayMs, random) };
}

function onWriteOk(draft: Draft, event: Extract<FollowerEvent, { kind: 'write_ok' }>): void {
  const index = findSentWrite(draft, event.fromSeqNo);
  const write = draft.writes[index]!;
  assert(write.toSeqNo === event.toSeqNo, `write [${event.fromSeqNo}] ends at [${write.toSeqNo}], not [${event.toSeqNo}]`);
  draft.writes.splice(index, 1);
  draft.successfulWriteRequests += 1;
  draft.operationsWritten += write.operations.length;
  draft.totalWriteTimeMillis += event.tookMs;
  draft.followerGlobalCheckpoint = Math.max(draft.followerGlobalCheckpoint, event.followerCheckpoint);
  draft.followerMaxSeqNo = Math.max(draft.followerMaxSeqNo, event.followerMaxSeqNo);
}

function onWriteFailed(draft: Draft, output: Output, nowMs: number, fromSeqNo: number, error: FollowError, random: number): void {
  const index = findSentWrite(draft, fromSeqNo);
  const write = draft.writes[index]!;
  draft.failedWriteRequests += 1;
  if (draft.status !== 'following') {
    draft.writes.splice(index, 1);
    return;
  }
  if (!error.retryable) {
    draft.writes.splice(index, 1);
    becomeFatal(draft, output, error);
    return;
  }
  const retries = write.retries + 1;
  draft.writes[index] = { ...write, retries, retryAtMs: nowMs + retryDelayMs(retries, draft.params.maxRetryDelayMs, random) };
}

/**
 * Spec §4.4: a retried request is the same request, sent again once its back-off is over. Retries
 * are not limited in number (Elasticsearch retries for as long as the error is retryable); the
 * capped delay is what bounds their rate.
 */
function resendDueRetries(draft: Draft, output: Output, nowMs: number): void {
  for (let index = 0; index < draft.reads.length; index++) {
    const read = draft.reads[index]!;
    if (read.retryAtMs === null || read.retryAtMs > nowMs) continue;
    draft.reads[index] = { ...read, retryAtMs: null, sentAtMs: nowMs };
    output.reads.push(readRequest(draft, read.fromSeqNo, read.maxOperationCount));
    draft.lastReadSentAtMs = nowMs;
  }
  for (let index = 0; index < draft.writes.length; index++) {
    const write = draft.writes[index]!;
    if (write.retryAtMs === null || write.retryAtMs > nowMs) continue;
    draft.writes[index] = { ...write, retryAtMs: null };
    output.writes.push(write.operations);
  }
  const sync = draft.metadataSync;
  if (sync !== null && sync.retryAtMs !== null && sync.retryAtMs <= nowMs) {
    draft.metadataSync = { ...sync, retryAtMs: null };
    output.syncMetadata = draft.leaderVersions;
  }
}

function earliestRetryAtMs(draft: Draft): number | undefined {
  let earliest: number | undefined;
  const consider = (retryAtMs: number | null): void => {
    if (retryAtMs !== null && (earliest === undefined || retryAtMs < earliest)) earliest = retryAtMs;
  };
  for (const read of draft.reads) consider(read.retryAtMs);
  for (const write of draft.writes) consider(write.retryAtMs);
  if (draft.metadataSync !== null) consider(draft.metadataSync.retryAtMs);
  return earliest;
}

/** Spec §4.2 step 4: one sync at a time, towards the newest versions any response carried. */
function coordinateMetadata(draft: Draft, output: Output): void {
  if (draft.metadataSync !== null || covers(draft.followerVersions, draft.leaderVersions)) return;
  draft.metadataSync = { retries: 0, retryAtMs: null };
  output.syncMetadata = draft.leaderVersions;
}

/**
 * Spec §4.2 step 6: the consecutive buffered ops from `nextWriteSeqNo` whose metadata the follower
 * has, in batches within both write request limits; a single op above the size limit still goes,
 * alone, or it could never be written.
 */
function coordinateWrites(draft: Draft, output: Output): void {
  const { maxOutstandingWriteRequests, maxWriteRequestOperationCount, maxWriteRequestSizeBytes } = draft.params;
  while (draft.writes.length < maxOutstandingWriteRequests) {
    const batch: ChangeOperation[] = [];
    let batchSizeBytes = 0;
    let full = false;
    while (!full && draft.buffer.length > 0) {
      const run = draft.buffer[0]!;
      if (run.operations[run.start]!.seqNo !== draft.nextWriteSeqNo || !covers(draft.followerVersions, run.requires)) break;
      let start = run.start;
      while (start < run.operations.length) {
        const operation = run.operations[start]!;
        const sizeBytes = estimateOperationSizeBytes(operation);
        if (batch.length >= maxWriteRequestOperationCount || (batch.length > 0 && batchSizeBytes + sizeBytes > maxWriteRequestSizeBytes)) {
          full = true;
          break;
        }
        batch.push(operation);
        batchSizeBytes += sizeBytes;
        start += 1;
      }
      if (start === run.start) break;
      draft.nextWriteSeqNo = run.operations[start - 1]!.seqNo + 1;
      if (start === run.operations.length) draft.buffer.shift();
      else draft.buffer[0] = { ...run, start };
    }
    if (batch.length === 0) return;
    draft.bufferOperationCount -= batch.length;
    draft.bufferSizeBytes -= batchSizeBytes;
    draft.writes.push({ fromSeqNo: batch[0]!.seqNo, toSeqNo: batch[batch.length - 1]!.seqNo, operations: batch, retries: 0, retryAtMs: null });
    output.writes.push(batch);
  }
}

function hasReadBudget(draft: Draft): boolean {
  const { maxOutstandingReadRequests, maxWriteBufferCount, maxWriteBufferSizeBytes } = draft.params;
  return draft.reads.length < maxOutstandingReadRequests && draft.bufferOperationCount < maxWriteBufferCount && draft.bufferSizeBytes < maxWriteBufferSizeBytes;
}

/**
 * Spec §4.2 step 1: ranges of known leader history (up to the leader's global checkpoint) while the
 * budget lasts; once caught up with nothing outstanding, one peek that long-polls on the leader and
 * learns its new checkpoint.
 */
function coordinateReads(draft: Draft, output: Output, nowMs: number): void {
  const { maxReadRequestOperationCount } = draft.params;
  while (hasReadBudget(draft) && draft.lastRequestedSeqNo < draft.leaderGlobalCheckpoint) {
    const fromSeqNo = draft.lastRequestedSeqNo + 1;
    const requiredSeqNo = Math.min(draft.leaderGlobalCheckpoint, fromSeqNo + maxReadRequestOperationCount - 1);
    sendRead(draft, output, nowMs, fromSeqNo, requiredSeqNo - fromSeqNo + 1, requiredSeqNo);
    draft.lastRequestedSeqNo = requiredSeqNo;
  }
  if (draft.reads.length === 0 && hasReadBudget(draft)) {
    sendRead(draft, output, nowMs, draft.lastRequestedSeqNo + 1, maxReadRequestOperationCount, draft.lastRequestedSeqNo);
  }
}

function readRequest(draft: Draft, fromSeqNo: number, maxOperationCount: number): ReadRequest {
  return { fromSeqNo, maxOperationCount, pollTimeoutMs: draft.params.readPollTimeoutMs, maxBatchSizeBytes: draft.params.maxReadRequestSizeBytes };
}

function sendRead(draft: Draft, output: Output, nowMs: number, fromSeqNo: number, maxOperationCount: number, maxRequiredSeqNo: number): void {
  assert(!draft.reads.some((read) => read.fromSeqNo === fromSeqNo), `one outstanding read from [${fromSeqNo}]`);
  draft.reads.push({ fromSeqNo, maxOperationCount, maxRequiredSeqNo, sentAtMs: nowMs, retries: 0, retryAtMs: null });
  output.reads.push(readRequest(draft, fromSeqNo, maxOperationCount));
  draft.lastReadSentAtMs = nowMs;
}

function renderError(error: FollowError): Record<string, unknown> {
  return { type: error.type, reason: error.reason, ...(error.extra ?? {}) };
}

/**
 * The shard fields of spec §3.6 (the shell adds remote_cluster, leader_index, follower_index and
 * shard_id), in Elasticsearch's order.
 */
export function followerShardStats(state: FollowerState, nowMs: number): Record<string, unknown> {
  return {
    leader_global_checkpoint: state.leaderGlobalCheckpoint,
    leader_max_seq_no: state.leaderMaxSeqNo,
    follower_global_checkpoint: state.followerGlobalCheckpoint,
    follower_max_seq_no: state.followerMaxSeqNo,
    last_requested_seq_no: state.lastRequestedSeqNo,
    outstanding_read_requests: state.reads.length,
    outstanding_write_requests: state.writes.length,
    write_buffer_operation_count: state.bufferOperationCount,
    write_buffer_size_in_bytes: state.bufferSizeBytes,
    follower_mapping_version: state.followerVersions.mappingVersion,
    follower_settings_version: state.followerVersions.settingsVersion,
    follower_aliases_version: state.followerVersions.aliasesVersion,
    total_read_time_millis: state.totalReadTimeMillis,
    total_read_remote_exec_time_millis: state.totalReadRemoteExecTimeMillis,
    successful_read_requests: state.successfulReadRequests,
    failed_read_requests: state.failedReadRequests,
    operations_read: state.operationsRead,
    bytes_read: state.bytesRead,
    total_write_time_millis: state.totalWriteTimeMillis,
    successful_write_requests: state.successfulWriteRequests,
    failed_write_requests: state.failedWriteRequests,
    operations_written: state.operationsWritten,
    read_exceptions: state.readExceptions.map((entry) => ({
      from_seq_no: entry.fromSeqNo,
      retries: entry.retries,
      exception: renderError(entry.error),
    })),
    time_since_last_read_millis: state.lastReadSentAtMs === null ? -1 : Math.max(0, nowMs - state.lastReadSentAtMs),
    ...(state.fatalException !== null ? { fatal_exception: renderError(state.fatalException) } : {}),
  };
}
