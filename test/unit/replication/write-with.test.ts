/**
 * ReplicationService.writeWith (issue #14, wiring step 3): the primary runs the single-node
 * document code on its store in one synchronous step and replicates every operation that step
 * wrote before answering (Elasticsearch's TransportShardBulkAction: the primary's result is
 * replicated to each in-sync copy, then acknowledged). A step that throws after writing (an item
 * failing after an earlier one wrote) still replicates what it wrote, then rethrows: a copy must
 * never lack an operation its primary holds. A node without the primary answers shard_not_found.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { errors } from '../../../src/common/errors.js';
import type { ReplicationService, AppliedShardState } from '../../../src/index/replication/service.js';
import type { ShardTarget } from '../../../src/index/replication/actions.js';
import { ShardStore } from '../../../src/index/store/shard-store.js';
import { replicationServices, startPrimaryAndReplica } from './copy-pair.js';
import { makeTempDir } from '../../harness/cluster.js';

test('what a write step wrote reaches the replica before the answer, also when the step throws after writing', async () => {
  const dir = makeTempDir('strait-write-with-');
  const services = new Map<string, ReplicationService>();
  replicationServices(services, ['a', 'b']);
  const target: ShardTarget = { indexUuid: 'u', index: 'logs', shard: 0 };
  const primaryStore = ShardStore.open(path.join(dir, 'a.db'), { indexUuid: 'u', durability: 'async' });
  const replicaStore = ShardStore.open(path.join(dir, 'b.db'), { indexUuid: 'u', durability: 'async' });
  const applied: AppliedShardState = { primaryTerm: 1, primaryAllocationId: 'pa', inSync: ['pa', 'rb'], copies: { pa: 'a', rb: 'b' } };
  try {
    await startPrimaryAndReplica(services, target, primaryStore, replicaStore, applied);

    const written = await services.get('a')!.writeWith(target, (store) => store.index('one', '{"n":1}', 1).seqNo);
    assert.equal(written.result, 0);
    assert.deepEqual({ total: written.shards.total, successful: written.shards.successful, failed: written.shards.failed }, { total: 2, successful: 2, failed: 0 });
    assert.equal(replicaStore.get('one')?.source, '{"n":1}');

    await assert.rejects(
      services.get('a')!.writeWith(target, (store) => {
        store.index('two', '{"n":2}', 1);
        throw errors.illegalArgument('a later item failed');
      }),
      (error: any) => error.type === 'illegal_argument_exception',
    );
    assert.equal(replicaStore.get('two')?.source, '{"n":2}', 'the operation written before the failure reached the replica');

    // Nothing written: answered at once, the copies counted.
    const read = await services.get('a')!.writeWith(target, (store) => store.get('one')?.version);
    assert.equal(read.result, 1);
    // The replica's node holds no primary.
    await assert.rejects(services.get('b')!.writeWith(target, () => 0), (error: any) => error.type === 'shard_not_found_exception');
    assert.equal(services.get('a')!.isPrimaryHere(target), true);
    assert.equal(services.get('b')!.isPrimaryHere(target), false);
  } finally {
    for (const service of services.values()) service.close();
    primaryStore.close();
    replicaStore.close();
  }
});
