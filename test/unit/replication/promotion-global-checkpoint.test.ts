/**
 * A promoted primary keeps the global checkpoint it tracked as a replica (issue #14): Elasticsearch's
 * replica tracks the global checkpoint its primary sends with each operation
 * (ReplicationTracker.updateGlobalCheckpointOnReplica), and on promotion the tracker goes on from
 * it (activatePrimaryMode keeps the value; the global checkpoint never goes back). Before, the new
 * primary started at -1 until its next write, so readers of it (cross-cluster followers, stats)
 * saw it go back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pino from 'pino';
import { createPrimaryState } from '../../../src/index/replication/primary.js';
import { ReplicationService, type AppliedShardState } from '../../../src/index/replication/service.js';
import { internalVersionWriter } from '../../../src/index/replication/shard-writer.js';
import type { ShardTarget } from '../../../src/index/replication/actions.js';
import { ShardStore } from '../../../src/index/store/shard-store.js';
import { inProcessChannel } from './in-process-channel.js';
import { makeTempDir } from '../../harness/cluster.js';

test('the primary state starts from the global checkpoint the copy knew', () => {
  assert.equal(createPrimaryState('r', 2, 5, ['p', 'r'], 3).globalCheckpoint, 3);
  assert.equal(createPrimaryState('r', 1, 5, ['r']).globalCheckpoint, 5, 'alone in sync: its own local checkpoint');
  assert.equal(createPrimaryState('r', 1, 5, ['p', 'r']).globalCheckpoint, -1, 'a copy that knew none starts unknown');
});

test('a replica promoted to primary keeps the global checkpoint it tracked', async () => {
  const dir = makeTempDir('strait-promotion-gcp-');
  const services = new Map<string, ReplicationService>();
  const channel = inProcessChannel(services);
  for (const id of ['a', 'b', 'c']) {
    services.set(id, new ReplicationService({ nodeId: id, cluster: { clusterName: 'strait', clusterUuid: 'cu' }, channel, logger: pino({ level: 'silent' }), writer: internalVersionWriter, masterNodeId: () => undefined, reportShard: async () => undefined, nowMs: () => Date.now() }));
  }
  const target: ShardTarget = { indexUuid: 'u', index: 'books', shard: 0 };
  const stores = ['a', 'b', 'c'].map((id) => ShardStore.open(path.join(dir, `${id}.db`), { indexUuid: 'u', durability: 'async' }));
  const applied: AppliedShardState = { primaryTerm: 1, primaryAllocationId: 'pa', inSync: ['pa', 'rb', 'rc'], copies: { pa: 'a', rb: 'b', rc: 'c' } };
  try {
    services.get('a')!.openPrimary(target, stores[0]!, 'pa', applied);
    services.get('b')!.openReplica(target, stores[1]!, 'rb', 1, () => stores[1]!);
    services.get('c')!.openReplica(target, stores[2]!, 'rc', 1, () => stores[2]!);
    await services.get('b')!.recover(target, 'a');
    await services.get('c')!.recover(target, 'a');
    for (const service of services.values()) service.applyShardState(target, applied);
    // Each write carries the primary's global checkpoint of the writes before it.
    for (let i = 0; i < 4; i++) await services.get('a')!.writeWith(target, (store) => store.index(`d${i}`, `{"n":${i}}`, 1));
    const known = services.get('b')!.replicaState(target)!.globalCheckpoint;
    assert.equal(known, 2, 'the replica tracked the global checkpoint the primary sent');
    assert.equal(services.get('a')!.primaryState(target)!.globalCheckpoint, 3);

    // a's node is gone: the master promotes rb under term 2.
    services.delete('a');
    const promoted: AppliedShardState = { primaryTerm: 2, primaryAllocationId: 'rb', inSync: ['rb', 'rc'], copies: { rb: 'b', rc: 'c' } };
    services.get('b')!.applyShardState(target, promoted);
    const state = services.get('b')!.primaryState(target)!;
    assert.equal(state.mode, 'primary');
    assert.equal(state.primaryTerm, 2);
    assert.ok(state.globalCheckpoint >= known, `the promoted primary's global checkpoint [${state.globalCheckpoint}] went back below [${known}]`);
  } finally {
    for (const service of services.values()) service.close();
    for (const store of stores) store.close();
  }
});
