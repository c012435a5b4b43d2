/**
 * The master's decisions on shard copy reports (pure, style P1), after Elasticsearch's
 * ShardStateAction: `internal:cluster/shard/failure` and `internal:cluster/shard/started`. The
 * master applies them to its cluster state (the coordination layer writes the result); the
 * replication layer relies on their order: a failed copy is out of the in-sync set before the
 * primary that reported it acknowledges anything.
 */
import type { EsError } from '../../common/errors.js';
import { errors } from '../../common/errors.js';

export interface ShardCopyRouting {
  readonly allocationId: string;
  readonly nodeId: string;
  readonly primary: boolean;
  readonly state: 'INITIALIZING' | 'STARTED';
}

/** One shard in the cluster state: metadata's primary term and in-sync ids, the routing table's copies. */
export interface ShardStateView {
  readonly index: string;
  readonly shard: number;
  readonly primaryTerm: number;
  readonly inSync: readonly string[];
  readonly copies: readonly ShardCopyRouting[];
}

export interface ShardFailedEntry {
  readonly allocationId: string;
  /** The reporting primary's term; 0 when a copy reports its own failure. */
  readonly primaryTerm: number;
  readonly markAsStale: boolean;
}

export interface ShardStartedEntry {
  readonly allocationId: string;
  readonly primaryTerm: number;
}

export type ShardStateDecision =
  | { readonly outcome: 'applied'; readonly shard: ShardStateView }
  | { readonly outcome: 'ignored'; readonly why: string }
  | { readonly outcome: 'refused'; readonly error: EsError };

/**
 * A failed copy leaves the routing table (it will be allocated again and recover) and, when a
 * write may be missing on it, the in-sync set. A report under an older primary term is refused:
 * that primary is stale. A failed primary is replaced by a started in-sync replica under the next
 * term (Elasticsearch promotes the same way); with none, the shard has no primary.
 */
export function decideShardFailed(shard: ShardStateView, entry: ShardFailedEntry): ShardStateDecision {
  if (entry.primaryTerm > 0 && entry.primaryTerm !== shard.primaryTerm) {
    return {
      outcome: 'refused',
      error: errors.noLongerPrimaryShard(shard.index, shard.shard, `primary term [${entry.primaryTerm}] did not match current primary term [${shard.primaryTerm}]`),
    };
  }
  const matched = shard.copies.find((copy) => copy.allocationId === entry.allocationId);
  const inSync = shard.inSync.includes(entry.allocationId);
  if (matched === undefined) {
    // Only a write that reached the primary but not this copy makes a copy without routing stale.
    if (entry.primaryTerm > 0 && inSync) return { outcome: 'applied', shard: { ...shard, inSync: shard.inSync.filter((id) => id !== entry.allocationId) } };
    return { outcome: 'ignored', why: 'the shard copy does not exist any more' };
  }
  let copies = shard.copies.filter((copy) => copy.allocationId !== entry.allocationId);
  let primaryTerm = shard.primaryTerm;
  const inSyncAfter = entry.markAsStale ? shard.inSync.filter((id) => id !== entry.allocationId) : [...shard.inSync];
  if (matched.primary) {
    const candidate = copies.find((copy) => copy.state === 'STARTED' && inSyncAfter.includes(copy.allocationId));
    if (candidate !== undefined) {
      copies = copies.map((copy) => (copy === candidate ? { ...copy, primary: true } : copy));
      primaryTerm += 1;
    }
  }
  return { outcome: 'applied', shard: { ...shard, primaryTerm, inSync: inSyncAfter, copies } };
}

/** A recovered copy starts and joins the in-sync set; stale or repeated reports change nothing. */
export function decideShardStarted(shard: ShardStateView, entry: ShardStartedEntry): ShardStateDecision {
  const matched = shard.copies.find((copy) => copy.allocationId === entry.allocationId);
  if (matched === undefined) return { outcome: 'ignored', why: 'the shard copy does not exist any more' };
  if (matched.primary && entry.primaryTerm > 0 && entry.primaryTerm !== shard.primaryTerm) return { outcome: 'ignored', why: `primary term [${entry.primaryTerm}] does not match current term [${shard.primaryTerm}]` };
  if (matched.state !== 'INITIALIZING') return { outcome: 'ignored', why: 'the shard copy is not initializing' };
  return {
    outcome: 'applied',
    shard: {
      ...shard,
      inSync: shard.inSync.includes(entry.allocationId) ? shard.inSync : [...shard.inSync, entry.allocationId].sort(),
      copies: shard.copies.map((copy) => (copy === matched ? { ...copy, state: 'STARTED' } : copy)),
    },
  };
}
