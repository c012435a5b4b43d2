/**
 * A replica copy receiving operations from its primary (pure, style P1). Elasticsearch's rules
 * (IndexShard.acquireReplicaOperationPermit, TransportReplicationAction's replica side):
 *
 * - Fencing: operations sent under a primary term older than the highest this copy knows (from the
 *   applied cluster state or from earlier operations) are refused with Elasticsearch's
 *   `operation primary term [x] is too old (current [y])`. A newer term is adopted.
 * - Operations at or below the local checkpoint were applied before (a retried request) and are
 *   skipped; the rest must continue the local checkpoint without a gap (the primary sends each
 *   copy its operations in seq_no order over one channel; a gap means this copy missed some, so it
 *   fails and recovers).
 * - When the term goes up while this copy holds operations above the global checkpoint, those may
 *   come from the old primary and be missing on the new one. Elasticsearch rolls such operations
 *   back; Strait's store cannot, so the copy refuses further operations and recovers (recovery
 *   checks which of its operations the primary shares, see recovery.ts).
 *
 * Applying is the shell's job: `apply` lists the operations to write, in order; the answer goes
 * back once they are durable.
 */
export interface ReplicaState {
  readonly allocationId: string;
  /** The highest primary term seen: operations under older terms are refused. */
  readonly operationPrimaryTerm: number;
  readonly localCheckpoint: number;
  readonly globalCheckpoint: number;
  /** Set when the term rose above operations that may not survive it; the copy must recover. */
  readonly mustRecover: boolean;
}

export interface ReplicatedOperation {
  readonly seqNo: number;
  readonly primaryTerm: number;
}

export type ReplicaEvent =
  | { readonly kind: 'cluster_state'; readonly primaryTerm: number; readonly globalCheckpoint?: number }
  | { readonly kind: 'operations'; readonly primaryTerm: number; readonly globalCheckpoint: number; readonly operations: readonly ReplicatedOperation[] }
  /**
   * Primary-replica resync (Elasticsearch PrimaryReplicaSyncer): a newly promoted primary sends its
   * operations above its global checkpoint, up to its max seq_no. `localTerms` are this copy's
   * primary terms at those seq_nos it already holds (read by the shell from its history).
   */
  | {
      readonly kind: 'resync';
      readonly primaryTerm: number;
      readonly globalCheckpoint: number;
      readonly maxSeqNo: number;
      readonly operations: readonly ReplicatedOperation[];
      readonly localTerms: Readonly<Record<number, number>>;
    };

export type ReplicaOutcome<Op> =
  | { readonly kind: 'apply'; readonly operations: readonly Op[]; readonly localCheckpoint: number; readonly globalCheckpoint: number }
  | { readonly kind: 'refuse'; readonly reason: string; readonly fenced: boolean }
  | { readonly kind: 'none' };

export function createReplicaState(allocationId: string, primaryTerm: number, localCheckpoint: number, globalCheckpoint: number): ReplicaState {
  return { allocationId, operationPrimaryTerm: primaryTerm, localCheckpoint, globalCheckpoint: Math.min(globalCheckpoint, localCheckpoint), mustRecover: false };
}

function raiseTerm(state: ReplicaState, primaryTerm: number): ReplicaState {
  if (primaryTerm <= state.operationPrimaryTerm) return state;
  return { ...state, operationPrimaryTerm: primaryTerm, mustRecover: state.mustRecover || state.localCheckpoint > state.globalCheckpoint };
}

export function stepReplica<Op extends ReplicatedOperation>(state: ReplicaState, event: ReplicaEvent & { readonly operations?: readonly Op[] }): readonly [ReplicaState, ReplicaOutcome<Op>] {
  if (event.kind === 'cluster_state') {
    const raised = raiseTerm(state, event.primaryTerm);
    return [raised, { kind: 'none' }];
  }
  if (event.kind === 'resync') return resync(state, event);
  if (event.primaryTerm < state.operationPrimaryTerm) {
    return [state, { kind: 'refuse', fenced: true, reason: `operation primary term [${event.primaryTerm}] is too old (current [${state.operationPrimaryTerm}])` }];
  }
  // The sender's global checkpoint first: operations at or below it are safe under any later term.
  const known = { ...state, globalCheckpoint: Math.max(state.globalCheckpoint, Math.min(event.globalCheckpoint, state.localCheckpoint)) };
  const raised = raiseTerm(known, event.primaryTerm);
  if (raised.mustRecover) {
    return [raised, { kind: 'refuse', fenced: false, reason: `shard copy [${state.allocationId}] holds operations above the global checkpoint [${state.globalCheckpoint}] from an earlier primary term and must recover from the primary` }];
  }
  const fresh: Op[] = [];
  let expected = raised.localCheckpoint + 1;
  for (const operation of event.operations as readonly Op[]) {
    if (operation.seqNo < expected && fresh.length === 0) continue;
    if (operation.seqNo !== expected) {
      return [raised, { kind: 'refuse', fenced: false, reason: `shard copy [${state.allocationId}] expected operation [${expected}] but received [${operation.seqNo}]: it missed operations and must recover` }];
    }
    fresh.push(operation);
    expected += 1;
  }
  const localCheckpoint = expected - 1;
  // The primary's global checkpoint may run ahead of a recovering copy; the copy's own never does.
  const globalCheckpoint = Math.max(raised.globalCheckpoint, Math.min(event.globalCheckpoint, localCheckpoint));
  return [{ ...raised, localCheckpoint, globalCheckpoint }, { kind: 'apply', operations: fresh, localCheckpoint, globalCheckpoint }];
}

/**
 * A copy holding operations above the new primary's global checkpoint keeps them only when the
 * primary has the very same ones (same primary term at each seq_no) and nothing beyond the
 * primary's max seq_no; it then stays in sync and takes the operations it lacks. Otherwise it
 * refuses and recovers. This is how a failover avoids recovering every replica.
 */
function resync<Op extends ReplicatedOperation>(state: ReplicaState, event: Extract<ReplicaEvent, { kind: 'resync' }>): readonly [ReplicaState, ReplicaOutcome<Op>] {
  if (event.primaryTerm < state.operationPrimaryTerm) {
    return [state, { kind: 'refuse', fenced: true, reason: `operation primary term [${event.primaryTerm}] is too old (current [${state.operationPrimaryTerm}])` }];
  }
  const raised = { ...state, operationPrimaryTerm: event.primaryTerm };
  const mustRecover = (reason: string): readonly [ReplicaState, ReplicaOutcome<Op>] => [{ ...raised, mustRecover: true }, { kind: 'refuse', fenced: false, reason: `shard copy [${state.allocationId}] ${reason} and must recover from the primary` }];
  if (state.localCheckpoint > event.maxSeqNo) return mustRecover(`holds operations up to [${state.localCheckpoint}], beyond the new primary's [${event.maxSeqNo}]`);
  const first = event.operations[0]?.seqNo ?? event.maxSeqNo + 1;
  if (state.localCheckpoint >= event.globalCheckpoint + 1 && first > event.globalCheckpoint + 1) return mustRecover('cannot compare its operations above the global checkpoint');
  for (const operation of event.operations) {
    if (operation.seqNo > state.localCheckpoint) break;
    if (event.localTerms[operation.seqNo] !== operation.primaryTerm) {
      return mustRecover(`has operation [${operation.seqNo}] under primary term [${event.localTerms[operation.seqNo]}] where the new primary has [${operation.primaryTerm}]`);
    }
  }
  const fresh = (event.operations as readonly Op[]).filter((operation) => operation.seqNo > state.localCheckpoint);
  if (fresh.length === 0 && state.localCheckpoint < event.maxSeqNo) return mustRecover(`did not receive operations [${state.localCheckpoint + 1}] to [${event.maxSeqNo}]`);
  if (fresh.length > 0 && fresh[0]!.seqNo !== state.localCheckpoint + 1) return mustRecover(`expected operation [${state.localCheckpoint + 1}] but received [${fresh[0]!.seqNo}]`);
  const localCheckpoint = Math.max(state.localCheckpoint, event.maxSeqNo);
  const globalCheckpoint = Math.max(state.globalCheckpoint, Math.min(event.globalCheckpoint, localCheckpoint));
  return [{ ...raised, localCheckpoint, globalCheckpoint, mustRecover: false }, { kind: 'apply', operations: fresh, localCheckpoint, globalCheckpoint }];
}
