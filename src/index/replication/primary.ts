/**
 * Replication tracking on a shard's primary copy (pure, style P1): which copies receive each
 * write, their local checkpoints, the global checkpoint, and when a write may be acknowledged.
 * Elasticsearch's rules (ReplicationOperation, ReplicationTracker, ShardStateAction):
 *
 * - The primary assigns seq_nos under its primary term (the store does that); every write is sent
 *   to every replication target: the in-sync copies named by the master's cluster state, plus the
 *   copies being recovered (tracked, not yet in sync).
 * - A write is acknowledged when every target answered. A target that failed is reported to the
 *   master (`internal:cluster/shard/failure`, with this primary's term); the write waits until the
 *   master confirmed the copy is out of the in-sync set (its answer, or a cluster state without the
 *   copy). That ordering is what makes an acknowledged write survive while any in-sync copy does.
 * - The master refuses a failure report from an older primary term (no_longer_primary_shard_exception):
 *   this primary is stale, fails itself, and acknowledges nothing more (an isolated old primary
 *   never hears a confirmation, so it never acknowledges either).
 * - The in-sync set changes only through the master's cluster state; the global checkpoint is the
 *   minimum local checkpoint over the in-sync copies (unknown counts as -1) and never goes back.
 *
 * Time arrives as `nowMs` on the events that need it; nothing here does I/O.
 */
import { assert } from '../../common/assert.js';

/** Ours: wait before reporting a copy's failure again when the master could not be reached. */
export const shardFailureRetryMs = 1_000;

export interface WriteFailure {
  readonly allocationId: string;
  readonly reason: string;
}

export interface PendingWrite {
  readonly requestId: number;
  /** The highest seq_no the write assigned on the primary. */
  readonly seqNoMax: number;
  /** Targets that have not answered yet. */
  readonly awaiting: readonly string[];
  /** Targets that failed: the write waits until the master took each out of the in-sync set. */
  readonly failing: readonly string[];
  readonly succeeded: number;
  readonly failures: readonly WriteFailure[];
}

export interface FailureReport {
  readonly reason: string;
  /** When to report again if the master could not be reached (undefined: a report is in flight). */
  readonly reportAgainAtMs: number | undefined;
}

export interface PrimaryState {
  readonly allocationId: string;
  readonly primaryTerm: number;
  /** 'stale': a newer primary exists or the master said so; nothing is acknowledged any more. */
  readonly mode: 'primary' | 'stale';
  /** The master's in-sync allocation ids for this shard (sorted). */
  readonly inSync: readonly string[];
  /** Copies being recovered that already receive writes (sorted, never in `inSync`). */
  readonly recovering: readonly string[];
  /** Local checkpoint per copy (the primary's own included); absent: unknown. */
  readonly checkpoints: Readonly<Record<string, number>>;
  readonly globalCheckpoint: number;
  readonly pending: readonly PendingWrite[];
  /** Copies reported failed to the master and not yet confirmed out. */
  readonly failed: Readonly<Record<string, FailureReport>>;
}

export type PrimaryEvent =
  /** The applied cluster state's view of this shard. */
  | { readonly kind: 'cluster_state'; readonly primaryAllocationId: string | undefined; readonly primaryTerm: number; readonly inSync: readonly string[]; readonly assigned: readonly string[] }
  /** The primary wrote operations up to `seqNoMax` (its local checkpoint is now `localCheckpoint`). */
  | { readonly kind: 'written'; readonly requestId: number; readonly seqNoMax: number; readonly localCheckpoint: number }
  | { readonly kind: 'replica_ok'; readonly requestId: number; readonly allocationId: string; readonly localCheckpoint: number }
  | { readonly kind: 'replica_failed'; readonly requestId: number; readonly allocationId: string; readonly reason: string }
  /** The master answered a failure report: `confirmed`, `stale_primary` (no_longer_primary_shard_exception) or `unreachable`. */
  | { readonly kind: 'failure_answer'; readonly allocationId: string; readonly answer: 'confirmed' | 'stale_primary' | 'unreachable'; readonly nowMs: number }
  /** Recovery of `allocationId` reached the point where it must see every new write. */
  | { readonly kind: 'track'; readonly allocationId: string }
  /** Recovery of `allocationId` ended without success: it stops receiving writes. */
  | { readonly kind: 'untrack'; readonly allocationId: string }
  | { readonly kind: 'tick'; readonly nowMs: number };

export type PrimaryEffect =
  | { readonly kind: 'replicate'; readonly requestId: number; readonly allocationId: string; readonly globalCheckpoint: number }
  | { readonly kind: 'report_failure'; readonly allocationId: string; readonly primaryTerm: number; readonly reason: string }
  | { readonly kind: 'acknowledge'; readonly requestId: number; readonly succeeded: number; readonly failures: readonly WriteFailure[]; readonly globalCheckpoint: number }
  | { readonly kind: 'refuse'; readonly requestId: number; readonly reason: string };

/**
 * `globalCheckpoint`: what this copy already knew (a replica tracks the one its primary sent it);
 * a promoted primary starts from it, as Elasticsearch's ReplicationTracker does on promotion, so
 * what readers of the global checkpoint (cross-cluster followers, stats) saw never goes back.
 */
export function createPrimaryState(allocationId: string, primaryTerm: number, localCheckpoint: number, inSync: readonly string[], globalCheckpoint = -1): PrimaryState {
  assert(primaryTerm >= 1, 'primary terms start at 1');
  assert(globalCheckpoint <= localCheckpoint, 'a copy never knows a global checkpoint above its own local checkpoint');
  const state: PrimaryState = {
    allocationId,
    primaryTerm,
    mode: 'primary',
    inSync: [...new Set([...inSync, allocationId])].sort(),
    recovering: [],
    checkpoints: { [allocationId]: localCheckpoint },
    globalCheckpoint,
    pending: [],
    failed: {},
  };
  return withGlobalCheckpoint(state);
}

/** Copies every write goes to, the primary excluded. */
export function replicationTargets(state: PrimaryState): string[] {
  return [...state.inSync, ...state.recovering].filter((id) => id !== state.allocationId && state.failed[id] === undefined);
}

export function stepPrimary(state: PrimaryState, event: PrimaryEvent): readonly [PrimaryState, readonly PrimaryEffect[]] {
  switch (event.kind) {
    case 'cluster_state':
      return applyClusterState(state, event);
    case 'written':
      return written(state, event);
    case 'replica_ok':
      return replicaOk(state, event);
    case 'replica_failed':
      return replicaFailed(state, event);
    case 'failure_answer':
      return failureAnswer(state, event);
    case 'track':
      if (state.mode !== 'primary' || state.inSync.includes(event.allocationId) || state.recovering.includes(event.allocationId)) return [state, []];
      return [{ ...state, recovering: [...state.recovering, event.allocationId].sort() }, []];
    case 'untrack': {
      // A recovery that gave up: writes already sent to it still wait for its answer (or failure).
      const next = { ...state, recovering: state.recovering.filter((id) => id !== event.allocationId) };
      return [next, []];
    }
    case 'tick':
      return tick(state, event.nowMs);
  }
}

function applyClusterState(state: PrimaryState, event: Extract<PrimaryEvent, { kind: 'cluster_state' }>): readonly [PrimaryState, readonly PrimaryEffect[]] {
  if (event.primaryAllocationId !== state.allocationId || event.primaryTerm > state.primaryTerm) return goStale(state, 'a newer primary term or another primary copy exists in the cluster state');
  assert(event.primaryTerm === state.primaryTerm, 'the cluster state never names this copy primary under an older term than it has');
  const inSync = [...new Set([...event.inSync, state.allocationId])].sort();
  const assigned = new Set(event.assigned);
  // A copy the master removed from the in-sync set, or unassigned, is out: failures about it are confirmed.
  const out = new Set([...state.inSync, ...state.recovering].filter((id) => !inSync.includes(id) && !(state.recovering.includes(id) && assigned.has(id))));
  const recovering = state.recovering.filter((id) => !out.has(id) && !inSync.includes(id));
  const checkpoints: Record<string, number> = {};
  for (const id of [...inSync, ...recovering]) if (state.checkpoints[id] !== undefined) checkpoints[id] = state.checkpoints[id]!;
  let next: PrimaryState = { ...state, inSync, recovering, checkpoints };
  const effects: PrimaryEffect[] = [];
  for (const id of Object.keys(state.failed)) if (out.has(id)) next = confirmOut(next, id);
  // Writes still waiting on a copy that is no longer tracked and was not reported: it is gone from
  // the routing (its node left); the master's state already says it holds nothing acknowledged.
  next = {
    ...next,
    pending: next.pending.map((write) => {
      const gone = write.awaiting.filter((id) => out.has(id));
      if (gone.length === 0) return write;
      return { ...write, awaiting: write.awaiting.filter((id) => !out.has(id)), failures: [...write.failures, ...gone.map((id) => ({ allocationId: id, reason: 'the copy was removed from the cluster state' }))] };
    }),
  };
  next = withGlobalCheckpoint(next);
  return completeWrites(next, effects);
}

function written(state: PrimaryState, event: Extract<PrimaryEvent, { kind: 'written' }>): readonly [PrimaryState, readonly PrimaryEffect[]] {
  if (state.mode !== 'primary') return [state, [{ kind: 'refuse', requestId: event.requestId, reason: staleReason(state) }]];
  assert(state.pending.every((write) => write.requestId !== event.requestId), 'request ids are unique');
  const checkpoints = { ...state.checkpoints, [state.allocationId]: Math.max(state.checkpoints[state.allocationId] ?? -1, event.localCheckpoint) };
  const targets = replicationTargets(state);
  // A copy already reported failed gets nothing; this write also waits for its removal.
  const failing = Object.keys(state.failed).filter((id) => state.inSync.includes(id) || state.recovering.includes(id));
  const write: PendingWrite = { requestId: event.requestId, seqNoMax: event.seqNoMax, awaiting: targets, failing, succeeded: 1, failures: failing.map((id) => ({ allocationId: id, reason: state.failed[id]!.reason })) };
  const next = withGlobalCheckpoint({ ...state, checkpoints, pending: [...state.pending, write] });
  const effects: PrimaryEffect[] = targets.map((allocationId) => ({ kind: 'replicate', requestId: event.requestId, allocationId, globalCheckpoint: next.globalCheckpoint }));
  return completeWrites(next, effects);
}

function replicaOk(state: PrimaryState, event: Extract<PrimaryEvent, { kind: 'replica_ok' }>): readonly [PrimaryState, readonly PrimaryEffect[]] {
  const tracked = state.inSync.includes(event.allocationId) || state.recovering.includes(event.allocationId);
  const checkpoints = tracked && state.failed[event.allocationId] === undefined
    ? { ...state.checkpoints, [event.allocationId]: Math.max(state.checkpoints[event.allocationId] ?? -1, event.localCheckpoint) }
    : state.checkpoints;
  const pending = state.pending.map((write) =>
    write.requestId === event.requestId && write.awaiting.includes(event.allocationId)
      ? { ...write, awaiting: write.awaiting.filter((id) => id !== event.allocationId), succeeded: write.succeeded + 1 }
      : write,
  );
  return completeWrites(withGlobalCheckpoint({ ...state, checkpoints, pending }), []);
}

function replicaFailed(state: PrimaryState, event: Extract<PrimaryEvent, { kind: 'replica_failed' }>): readonly [PrimaryState, readonly PrimaryEffect[]] {
  const effects: PrimaryEffect[] = [];
  let failed = state.failed;
  const tracked = state.inSync.includes(event.allocationId) || state.recovering.includes(event.allocationId);
  if (tracked && failed[event.allocationId] === undefined && state.mode === 'primary') {
    failed = { ...failed, [event.allocationId]: { reason: event.reason, reportAgainAtMs: undefined } };
    effects.push({ kind: 'report_failure', allocationId: event.allocationId, primaryTerm: state.primaryTerm, reason: event.reason });
  }
  const pending = state.pending.map((write) => {
    if (write.requestId !== event.requestId || !write.awaiting.includes(event.allocationId)) return write;
    const awaiting = write.awaiting.filter((id) => id !== event.allocationId);
    const failures = [...write.failures, { allocationId: event.allocationId, reason: event.reason }];
    // Untracked meanwhile (the master already took it out): nothing more to wait for.
    return tracked ? { ...write, awaiting, failing: [...write.failing, event.allocationId], failures } : { ...write, awaiting, failures };
  });
  return completeWrites({ ...state, failed, pending }, effects);
}

function failureAnswer(state: PrimaryState, event: Extract<PrimaryEvent, { kind: 'failure_answer' }>): readonly [PrimaryState, readonly PrimaryEffect[]] {
  if (state.failed[event.allocationId] === undefined) return [state, []];
  switch (event.answer) {
    case 'confirmed': {
      const next = confirmOut({ ...state, inSync: state.inSync.filter((id) => id !== event.allocationId), recovering: state.recovering.filter((id) => id !== event.allocationId) }, event.allocationId);
      return completeWrites(withGlobalCheckpoint(next), []);
    }
    case 'stale_primary':
      return goStale(state, `primary term [${state.primaryTerm}] is no longer the current primary term of this shard`);
    case 'unreachable':
      return [{ ...state, failed: { ...state.failed, [event.allocationId]: { ...state.failed[event.allocationId]!, reportAgainAtMs: event.nowMs + shardFailureRetryMs } } }, []];
  }
}

function tick(state: PrimaryState, nowMs: number): readonly [PrimaryState, readonly PrimaryEffect[]] {
  if (state.mode !== 'primary') return [state, []];
  const effects: PrimaryEffect[] = [];
  const failed: Record<string, FailureReport> = { ...state.failed };
  for (const [allocationId, report] of Object.entries(state.failed)) {
    if (report.reportAgainAtMs === undefined || report.reportAgainAtMs > nowMs) continue;
    failed[allocationId] = { reason: report.reason, reportAgainAtMs: undefined };
    effects.push({ kind: 'report_failure', allocationId, primaryTerm: state.primaryTerm, reason: report.reason });
  }
  return [{ ...state, failed }, effects];
}

/** The master took `allocationId` out: writes waiting on its removal may complete. */
function confirmOut(state: PrimaryState, allocationId: string): PrimaryState {
  const failed = { ...state.failed };
  delete failed[allocationId];
  const checkpoints = { ...state.checkpoints };
  delete checkpoints[allocationId];
  const pending = state.pending.map((write) => (write.failing.includes(allocationId) ? { ...write, failing: write.failing.filter((id) => id !== allocationId) } : write));
  return { ...state, failed, checkpoints, pending };
}

function goStale(state: PrimaryState, reason: string): readonly [PrimaryState, readonly PrimaryEffect[]] {
  const effects: PrimaryEffect[] = state.pending.map((write) => ({ kind: 'refuse', requestId: write.requestId, reason }));
  return [{ ...state, mode: 'stale', pending: [], failed: {} }, effects];
}

function staleReason(state: PrimaryState): string {
  return `shard copy [${state.allocationId}] is no longer the primary under term [${state.primaryTerm}]`;
}

/** Acknowledges, in request order, every write with no target left to hear from. */
function completeWrites(state: PrimaryState, effects: PrimaryEffect[]): readonly [PrimaryState, readonly PrimaryEffect[]] {
  if (state.mode !== 'primary') return [state, effects];
  const remaining: PendingWrite[] = [];
  for (const write of state.pending) {
    if (write.awaiting.length === 0 && write.failing.length === 0) {
      effects.push({ kind: 'acknowledge', requestId: write.requestId, succeeded: write.succeeded, failures: write.failures, globalCheckpoint: state.globalCheckpoint });
    } else {
      remaining.push(write);
    }
  }
  return [remaining.length === state.pending.length ? state : { ...state, pending: remaining }, effects];
}

function withGlobalCheckpoint(state: PrimaryState): PrimaryState {
  let minimum = Number.MAX_SAFE_INTEGER;
  for (const id of state.inSync) minimum = Math.min(minimum, state.checkpoints[id] ?? -1);
  const globalCheckpoint = Math.max(state.globalCheckpoint, minimum);
  return globalCheckpoint === state.globalCheckpoint ? state : { ...state, globalCheckpoint };
}
