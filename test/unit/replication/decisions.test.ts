// The pure decisions around replication: peer recovery planning (Elasticsearch
// RecoverySourceHandler: operation replay when the history is retained, else a full copy) and the
// master's handling of shard reports (ShardStateAction: no_longer_primary_shard_exception for an
// older term, stale copies out of the in-sync set, promotion of an in-sync replica, shard started).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planRecovery, type RecoverySourceView } from '../../../src/index/replication/recovery.js';
import { decideShardFailed, decideShardStarted, type ShardStateView } from '../../../src/index/replication/shard-state.js';

/** A primary with operations [min..max], term 1 up to `termChangeAt` (exclusive), term 2 after. */
function source(min: number, max: number, termChangeAt = Number.MAX_SAFE_INTEGER): RecoverySourceView {
  return { maxSeqNo: max, minRetainedSeqNo: min, termAt: (seqNo) => (seqNo < min || seqNo > max ? undefined : seqNo < termChangeAt ? 1 : 2) };
}

test('recovery plan: operation replay from the copy’s checkpoint when histories match and operations are retained', () => {
  assert.deepEqual(planRecovery({ localCheckpoint: -1, lastOperationTerm: null }, source(0, 9)), { kind: 'operations', startingSeqNo: 0 });
  assert.deepEqual(planRecovery({ localCheckpoint: 4, lastOperationTerm: 1 }, source(0, 9)), { kind: 'operations', startingSeqNo: 5 });
  assert.deepEqual(planRecovery({ localCheckpoint: 9, lastOperationTerm: 1 }, source(0, 9)), { kind: 'operations', startingSeqNo: 10 });
  assert.deepEqual(planRecovery({ localCheckpoint: -1, lastOperationTerm: null }, source(-1, -1)), { kind: 'operations', startingSeqNo: 0 });
});

test('recovery plan: a full copy when history is trimmed, diverged, missing on the copy, or the copy is ahead', () => {
  const reason = (plan: ReturnType<typeof planRecovery>): string => (plan.kind === 'documents' ? plan.reason : 'operations');
  assert.match(reason(planRecovery({ localCheckpoint: 2, lastOperationTerm: 1 }, source(5, 9))), /no longer retains operations from \[3\] \(the oldest retained is \[5\]\)/);
  assert.match(reason(planRecovery({ localCheckpoint: -1, lastOperationTerm: null }, source(-1, 9))), /no longer retains operations from \[0\]/);
  assert.match(reason(planRecovery({ localCheckpoint: 7, lastOperationTerm: 1 }, source(0, 9, 6))), /operation \[7\] has primary term \[1\] on the copy and \[2\] on the primary: the histories diverged/);
  assert.match(reason(planRecovery({ localCheckpoint: 7, lastOperationTerm: null }, source(0, 9))), /retains no operation at its local checkpoint \[7\]/);
  assert.match(reason(planRecovery({ localCheckpoint: 12, lastOperationTerm: 1 }, source(0, 9))), /local checkpoint \[12\] is above the primary's max seq_no \[9\]/);
});

const shard: ShardStateView = {
  index: 'logs',
  shard: 2,
  primaryTerm: 3,
  inSync: ['p', 'r1', 'r2'],
  copies: [
    { allocationId: 'p', nodeId: 'a', primary: true, state: 'STARTED' },
    { allocationId: 'r1', nodeId: 'b', primary: false, state: 'STARTED' },
    { allocationId: 'r2', nodeId: 'c', primary: false, state: 'STARTED' },
    { allocationId: 'r3', nodeId: 'd', primary: false, state: 'INITIALIZING' },
  ],
};

test('shard failed: a report from an older primary term is refused with no_longer_primary_shard_exception', () => {
  const decision = decideShardFailed(shard, { allocationId: 'r1', primaryTerm: 2, markAsStale: true });
  assert.equal(decision.outcome, 'refused');
  if (decision.outcome !== 'refused') return;
  assert.equal(decision.error.type, 'no_longer_primary_shard_exception');
  assert.equal(decision.error.message, 'primary term [2] did not match current primary term [3]');
  assert.deepEqual(decision.error.toCause(), { type: 'no_longer_primary_shard_exception', reason: 'primary term [2] did not match current primary term [3]', index: 'logs', shard: '2' });
});

test('shard failed: the copy leaves the routing and the in-sync set; a failed primary is replaced by an in-sync replica under the next term', () => {
  const replica = decideShardFailed(shard, { allocationId: 'r2', primaryTerm: 3, markAsStale: true });
  assert.equal(replica.outcome, 'applied');
  if (replica.outcome === 'applied') {
    assert.deepEqual(replica.shard.inSync, ['p', 'r1']);
    assert.deepEqual(replica.shard.copies.map((copy) => copy.allocationId), ['p', 'r1', 'r3']);
    assert.equal(replica.shard.primaryTerm, 3);
  }
  const primary = decideShardFailed(shard, { allocationId: 'p', primaryTerm: 0, markAsStale: true });
  assert.equal(primary.outcome, 'applied');
  if (primary.outcome === 'applied') {
    assert.equal(primary.shard.primaryTerm, 4);
    assert.deepEqual(primary.shard.copies.filter((copy) => copy.primary).map((copy) => copy.allocationId), ['r1']);
    assert.deepEqual(primary.shard.inSync, ['r1', 'r2']);
  }
  // An initializing copy is never promoted.
  const onlyInitializing: ShardStateView = { ...shard, inSync: ['p'], copies: [shard.copies[0]!, shard.copies[3]!] };
  const none = decideShardFailed(onlyInitializing, { allocationId: 'p', primaryTerm: 0, markAsStale: true });
  assert.equal(none.outcome === 'applied' && none.shard.copies.some((copy) => copy.primary), false);
  // A copy without routing that is still in sync is only marked stale; an unknown one is ignored.
  const unrouted: ShardStateView = { ...shard, inSync: [...shard.inSync, 'gone'] };
  const stale = decideShardFailed(unrouted, { allocationId: 'gone', primaryTerm: 3, markAsStale: true });
  assert.deepEqual(stale.outcome === 'applied' ? stale.shard.inSync : undefined, ['p', 'r1', 'r2']);
  assert.equal(decideShardFailed(shard, { allocationId: 'nobody', primaryTerm: 3, markAsStale: true }).outcome, 'ignored');
});

test('shard started: an initializing copy starts and joins the in-sync set; repeated or stale reports change nothing', () => {
  const started = decideShardStarted(shard, { allocationId: 'r3', primaryTerm: 3 });
  assert.equal(started.outcome, 'applied');
  if (started.outcome === 'applied') {
    assert.deepEqual(started.shard.inSync, ['p', 'r1', 'r2', 'r3']);
    assert.equal(started.shard.copies.find((copy) => copy.allocationId === 'r3')?.state, 'STARTED');
  }
  assert.equal(decideShardStarted(shard, { allocationId: 'r1', primaryTerm: 3 }).outcome, 'ignored');
  assert.equal(decideShardStarted(shard, { allocationId: 'nobody', primaryTerm: 3 }).outcome, 'ignored');
});
