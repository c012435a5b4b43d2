/**
 * Peer recovery planning (pure, style P1): how a new or returning replica catches up with its
 * primary (Elasticsearch RecoverySourceHandler, peer recovery retention leases).
 *
 * - Operation replay when the primary still retains every operation the copy lacks (a retention
 *   lease for the recovering copy holds them while it replays) and the copy's history is a prefix
 *   of the primary's: the operation at the copy's local checkpoint has the same primary term on
 *   both. A primary assigns each seq_no once per term, and a replica never applies an operation
 *   under an older term than one it holds (replica.ts), so equal terms there mean equal histories
 *   below it. Elasticsearch compares history UUIDs and rolls back above the global checkpoint;
 *   Strait's store keeps no second history, so a copy that diverged gets a full copy instead.
 * - A full copy otherwise: the documents of a point-in-time snapshot of the primary's store
 *   (store/shard-snapshot.ts), then the operations after the snapshot. Documents rather than the
 *   database file, measured on a 20,000-document shard with half its documents updated once
 *   (12 MB database, 30,000 retained operations): the document copy sent 5.3 MB and took 577 ms
 *   end to end in one process, the file copy (SQLite online backup, then the bytes) sent 12 MB
 *   and took 128 ms. The file carries the whole operation history, the tombstones and the index
 *   pages, so it moves 2.3 times the bytes through `indices.recovery.max_bytes_per_sec`, which
 *   bounds recovery long before the target's CPU does; and SQLite's online backup restarts
 *   whenever another connection writes the source, so under a steady write load it may never
 *   finish, while the WAL snapshot reads undisturbed as the primary keeps writing.
 * - Only after both does the copy ask the master to start it and add it to the in-sync set.
 */
export interface RecoveryRequest {
  /** The copy's highest contiguous seq_no (-1: empty). */
  readonly localCheckpoint: number;
  /** The primary term of the copy's operation at `localCheckpoint`; null for an empty copy. */
  readonly lastOperationTerm: number | null;
}

export interface RecoverySourceView {
  readonly maxSeqNo: number;
  /** The lowest retained operation's seq_no; -1 when none is retained. */
  readonly minRetainedSeqNo: number;
  /** The primary term of the retained operation at `seqNo`, if retained. */
  termAt(seqNo: number): number | undefined;
}

export type RecoveryPlan =
  | { readonly kind: 'operations'; readonly startingSeqNo: number }
  | { readonly kind: 'documents'; readonly reason: string };

export function planRecovery(request: RecoveryRequest, source: RecoverySourceView): RecoveryPlan {
  const startingSeqNo = request.localCheckpoint + 1;
  if (request.localCheckpoint > source.maxSeqNo) {
    return { kind: 'documents', reason: `the copy's local checkpoint [${request.localCheckpoint}] is above the primary's max seq_no [${source.maxSeqNo}]` };
  }
  if (startingSeqNo <= source.maxSeqNo && (source.minRetainedSeqNo === -1 || source.minRetainedSeqNo > startingSeqNo)) {
    return { kind: 'documents', reason: `the primary no longer retains operations from [${startingSeqNo}] (the oldest retained is [${source.minRetainedSeqNo}])` };
  }
  if (request.localCheckpoint >= 0) {
    if (request.lastOperationTerm === null) {
      // A copy made by a full copy keeps no history to compare (the documents came without it).
      return { kind: 'documents', reason: `the copy retains no operation at its local checkpoint [${request.localCheckpoint}] to compare histories` };
    }
    const term = source.termAt(request.localCheckpoint);
    if (term === undefined) return { kind: 'documents', reason: `the primary no longer retains operation [${request.localCheckpoint}] to compare histories` };
    if (term !== request.lastOperationTerm) {
      return { kind: 'documents', reason: `operation [${request.localCheckpoint}] has primary term [${request.lastOperationTerm}] on the copy and [${term}] on the primary: the histories diverged` };
    }
  }
  return { kind: 'operations', startingSeqNo };
}
