/**
 * The latest recovery of each copy a node holds, as `_cat/recovery` prints it (cat-recovery.html,
 * RecoveryState's stages and its files, bytes and translog figures): the pure record
 * (copy-recovery.ts) and the one the replication service keeps for a replica recovering from its
 * primary, by replayed operations or by a full copy of the primary's documents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { peerRecovery, recoveryPercents, stepCopyRecovery, storeRecovery } from '../../../src/index/replication/copy-recovery.js';
import type { AppliedShardState, ReplicationService } from '../../../src/index/replication/service.js';
import type { ShardTarget } from '../../../src/index/replication/actions.js';
import { ShardStore } from '../../../src/index/store/shard-store.js';
import { makeTempDir } from '../../harness/cluster.js';
import { replicationServices } from './copy-pair.js';

const copy = { index: 'books', indexUuid: 'u', shard: 0, allocationId: 'rb' };

test('a store recovery is done at once: an empty store knows no files (0.0%), an existing store reuses every file (100.0%)', () => {
  const empty = storeRecovery(copy, 'empty_store', { files: 3, bytes: 900 }, 10, 12);
  assert.deepEqual([empty.stage, empty.filesReused, empty.bytesReused, empty.startMs, empty.stopMs], ['done', 0, 0, 10, 12]);
  assert.deepEqual(recoveryPercents(empty), { files: '0.0%', bytes: '0.0%', translogOps: '100.0%' });
  const existing = storeRecovery(copy, 'existing_store', { files: 3, bytes: 900 }, 10, 12);
  assert.deepEqual([existing.filesToRecover, existing.filesReused, existing.bytesReused], [0, 3, 900]);
  assert.deepEqual(recoveryPercents(existing), { files: '100.0%', bytes: '100.0%', translogOps: '100.0%' });
});

test('a peer recovery moves through init, index, translog, finalize and done; its figures follow what arrived', () => {
  let state = peerRecovery(copy, 'node-a', 100);
  assert.deepEqual([state.type, state.stage, state.sourceNodeId, state.stopMs], ['peer', 'init', 'node-a', undefined]);
  assert.equal(recoveryPercents(state).translogOps, '-1.0%', 'operations to replay not known yet');
  state = stepCopyRecovery(state, { kind: 'documents_started', bytes: 400 });
  state = stepCopyRecovery(state, { kind: 'documents_received', bytes: 100 });
  assert.deepEqual([state.stage, state.filesToRecover, state.filesRecovered], ['index', 1, 0]);
  assert.deepEqual(recoveryPercents(state), { files: '0.0%', bytes: '25.0%', translogOps: '-1.0%' });
  state = stepCopyRecovery(state, { kind: 'documents_received', bytes: 300 });
  state = stepCopyRecovery(state, { kind: 'documents_done' });
  state = stepCopyRecovery(state, { kind: 'operations_received', count: 2, total: 4 });
  assert.deepEqual([state.stage, state.translogOps, state.translogOpsRecovered], ['translog', 4, 2]);
  assert.deepEqual(recoveryPercents(state), { files: '100.0%', bytes: '100.0%', translogOps: '50.0%' });
  state = stepCopyRecovery(state, { kind: 'operations_received', count: 2, total: 4 });
  state = stepCopyRecovery(state, { kind: 'finalize' });
  assert.equal(state.stage, 'finalize');
  state = stepCopyRecovery(state, { kind: 'done', nowMs: 180 });
  assert.deepEqual([state.stage, state.stopMs], ['done', 180]);
  assert.equal(stepCopyRecovery(state, { kind: 'documents_received', bytes: 5 }), state, 'a done recovery no longer moves');
  // An operation-based recovery with nothing to replay: no files known, every (zero) operation replayed.
  const nothing = stepCopyRecovery(stepCopyRecovery(peerRecovery(copy, 'node-a', 0), { kind: 'finalize' }), { kind: 'done', nowMs: 1 });
  assert.deepEqual(recoveryPercents(nothing), { files: '0.0%', bytes: '0.0%', translogOps: '100.0%' });
});

test('the replication service records a replica\'s peer recovery from its primary: replayed operations, then a full copy once the history is gone', async () => {
  const dir = makeTempDir('strait-copy-recovery-');
  const services = new Map<string, ReplicationService>();
  let clock = 1_000;
  replicationServices(services, ['a', 'b'], { nowMs: () => clock++ });
  const target: ShardTarget = { indexUuid: 'u', index: 'books', shard: 0 };
  const primaryStore = ShardStore.open(path.join(dir, 'a.db'), { indexUuid: 'u', durability: 'async' });
  const replicaStores: ShardStore[] = [];
  const openReplicaStore = (name: string): ShardStore => {
    const store = ShardStore.open(path.join(dir, name), { indexUuid: 'u', durability: 'async' });
    replicaStores.push(store);
    return store;
  };
  const a = services.get('a')!;
  const b = services.get('b')!;
  try {
    const sources = ['{"t":"é"}', '{"t":"x"}', '{"t":"yy"}'];
    sources.forEach((source, i) => primaryStore.index(`d${i}`, source, 1));
    a.openPrimary(target, primaryStore, 'pa', { primaryTerm: 1, primaryAllocationId: 'pa', inSync: ['pa'], copies: { pa: 'a' } });
    a.recordStoreRecovery(target, 'pa', 'existing_store', { files: 1, bytes: 4096 }, 900);
    const applied: AppliedShardState = { primaryTerm: 1, primaryAllocationId: 'pa', inSync: ['pa'], copies: { pa: 'a', rb: 'b' } };
    a.applyShardState(target, applied);
    // The primary keeps its history: the new replica replays the three operations.
    const first = openReplicaStore('b1.db');
    b.openReplica(target, first, 'rb', 1, () => first);
    await b.recover(target, 'a');
    const [replayed] = b.copyRecoveries();
    assert.deepEqual(
      [replayed!.type, replayed!.stage, replayed!.sourceNodeId, replayed!.filesToRecover, replayed!.bytesToRecover, replayed!.translogOps, replayed!.translogOpsRecovered],
      ['peer', 'done', 'a', 0, 0, 3, 3],
    );
    assert.ok(replayed!.stopMs! > replayed!.startMs);
    assert.deepEqual(a.copyRecoveries().map((recovery) => [recovery.type, recovery.startMs, recovery.filesReused]), [['existing_store', 900, 1]]);
    // The copy goes and comes back after the primary dropped its history: a full copy of its documents.
    b.closeCopy(target);
    assert.deepEqual(b.copyRecoveries(), [], 'a closed copy has no recovery to show');
    primaryStore.trimOpsBelow(primaryStore.maxSeqNo + 1);
    a.applyShardState(target, { ...applied, copies: { pa: 'a', rb2: 'b' } });
    const second = openReplicaStore('b2.db');
    b.openReplica(target, second, 'rb2', 1, () => second);
    const outcome = await b.recover(target, 'a');
    assert.equal(outcome.phase, 'documents');
    const [copied] = b.copyRecoveries();
    const bytes = sources.reduce((total, source, i) => total + Buffer.byteLength(`d${i}`) + Buffer.byteLength(source), 0);
    assert.deepEqual(
      [copied!.allocationId, copied!.stage, copied!.filesToRecover, copied!.filesRecovered, copied!.bytesToRecover, copied!.bytesRecovered, copied!.translogOps],
      ['rb2', 'done', 1, 1, bytes, bytes, 0],
    );
    assert.deepEqual(recoveryPercents(copied!), { files: '100.0%', bytes: '100.0%', translogOps: '100.0%' });
  } finally {
    for (const service of services.values()) service.close();
    primaryStore.close();
    for (const store of replicaStores) store.close();
  }
});
