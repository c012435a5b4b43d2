/**
 * The global checkpoint is persisted with each copy (issue #14): Elasticsearch writes the global
 * checkpoint a copy knows into its translog checkpoint, and a primary syncs it to its copies once
 * writes go quiet (GlobalCheckpointSyncAction), so a restarted copy knows it at once. Here it is a
 * row of the shard store's `store_meta`, written by the replication service at its next tick.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { ReplicationService, AppliedShardState } from '../../../src/index/replication/service.js';
import type { ShardTarget } from '../../../src/index/replication/actions.js';
import { ShardStore } from '../../../src/index/store/shard-store.js';
import { makeTempDir } from '../../harness/cluster.js';
import { replicationServices, startPrimaryAndReplica } from './copy-pair.js';

test('a shard store persists the highest global checkpoint it was given, never above its local checkpoint, never inside a transaction', () => {
  const file = path.join(makeTempDir('strait-gcp-store-'), 'shard-0.db');
  let store = ShardStore.open(file, { indexUuid: 'u', durability: 'request' });
  assert.equal(store.globalCheckpoint, -1);
  for (let i = 0; i < 3; i++) store.index(`d${i}`, '{}', 1);
  assert.equal(store.persistGlobalCheckpoint(1), true);
  assert.equal(store.persistGlobalCheckpoint(0), false, 'it never goes back');
  assert.equal(store.globalCheckpoint, 1);
  store.transaction(() => {
    store.index('d3', '{}', 1);
    assert.equal(store.persistGlobalCheckpoint(3), false, 'what the open transaction writes may still roll back');
  });
  assert.equal(store.persistGlobalCheckpoint(9), true);
  assert.equal(store.globalCheckpoint, 3, 'capped at the local checkpoint');
  store.close();
  store = ShardStore.open(file, { indexUuid: 'u', durability: 'request' });
  try {
    assert.equal(store.globalCheckpoint, 3, 'read back after a reopen');
  } finally {
    store.close();
  }
});

test('after writes go quiet the primary and its in-sync replica persist the global checkpoint; reopened copies start from it', async () => {
  const dir = makeTempDir('strait-gcp-sync-');
  const services = new Map<string, ReplicationService>();
  replicationServices(services, ['a', 'b']);
  const target: ShardTarget = { indexUuid: 'u', index: 'books', shard: 0 };
  const files = ['a', 'b'].map((id) => path.join(dir, `${id}.db`));
  let stores = files.map((file) => ShardStore.open(file, { indexUuid: 'u', durability: 'async' }));
  const applied: AppliedShardState = { primaryTerm: 1, primaryAllocationId: 'pa', inSync: ['pa', 'rb'], copies: { pa: 'a', rb: 'b' } };
  try {
    await startPrimaryAndReplica(services, target, stores[0]!, stores[1]!, applied);
    for (let i = 0; i < 4; i++) await services.get('a')!.writeWith(target, (store) => store.index(`d${i}`, `{"n":${i}}`, 1));
    assert.equal(services.get('b')!.replicaState(target)!.globalCheckpoint, 2, 'the last write carried the checkpoint of the writes before it');
    // No further write: the primary's sync brings the replica the checkpoint of the last one.
    const deadline = Date.now() + 5_000;
    while ((stores[0]!.globalCheckpoint < 3 || stores[1]!.globalCheckpoint < 3) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(stores[0]!.globalCheckpoint, 3, 'the primary persisted its global checkpoint');
    assert.equal(stores[1]!.globalCheckpoint, 3, 'the replica persisted the synced global checkpoint');
    assert.equal(services.get('b')!.replicaState(target)!.globalCheckpoint, 3);
  } finally {
    for (const service of services.values()) service.close();
    for (const store of stores) store.close();
  }
  // Both nodes restart: each copy knows the checkpoint before any write.
  services.clear();
  replicationServices(services, ['a', 'b']);
  stores = files.map((file) => ShardStore.open(file, { indexUuid: 'u', durability: 'async' }));
  try {
    services.get('a')!.openPrimary(target, stores[0]!, 'pa', applied);
    services.get('b')!.openReplica(target, stores[1]!, 'rb', 1, () => stores[1]!);
    assert.equal(services.get('a')!.primaryState(target)!.globalCheckpoint, 3);
    assert.equal(services.get('b')!.replicaState(target)!.globalCheckpoint, 3);
  } finally {
    for (const service of services.values()) service.close();
    for (const store of stores) store.close();
  }
});
