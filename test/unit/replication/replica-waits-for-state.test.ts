/**
 * A replica takes a write's operations only once its node applied the cluster state the primary
 * names (issue #14, `refresh=true` race): the state publishing the mapping the write's documents
 * need. Before, a replica applied them at once; a refresh on its node before the mapping arrived
 * (the scheduled one) indexed the documents without their new fields, and no later refresh
 * indexed them again, so `refresh=true` answered while that copy never found the document by
 * them. Elasticsearch's replica waits for a missing mapping the same way
 * (TransportShardBulkAction.performOpOnReplica: a mapping update required on a replica waits for
 * the cluster state). A copy that cannot apply that state in time fails, as a copy failing a write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { ReplicationService, AppliedShardState } from '../../../src/index/replication/service.js';
import type { ShardTarget } from '../../../src/index/replication/actions.js';
import { ShardStore } from '../../../src/index/store/shard-store.js';
import { EsError } from '../../../src/common/errors.js';
import { inProcessChannel } from './in-process-channel.js';
import { replicationService, replicationServices, startPrimaryAndReplica } from './copy-pair.js';
import { makeTempDir } from '../../harness/cluster.js';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

const turns = async (count = 10): Promise<void> => {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
};

test('a replica applies a write only after the cluster state the primary named; one that cannot apply it fails', async () => {
  const dir = makeTempDir('strait-replica-state-');
  const asked: number[] = [];
  let stateApplied = deferred<boolean>();
  const reports: string[] = [];
  const services = new Map<string, ReplicationService>();
  replicationServices(services, ['a', 'b'], {
    reportShard: async (report) => {
      reports.push(report.kind);
    },
    awaitStateVersion: (version) => {
      asked.push(version);
      return stateApplied.promise;
    },
  });
  const target: ShardTarget = { indexUuid: 'u', index: 'books', shard: 0 };
  const primaryStore = ShardStore.open(path.join(dir, 'a.db'), { indexUuid: 'u', durability: 'async' });
  const replicaStore = ShardStore.open(path.join(dir, 'b.db'), { indexUuid: 'u', durability: 'async' });
  const applied: AppliedShardState = { primaryTerm: 1, primaryAllocationId: 'pa', inSync: ['pa', 'rb'], copies: { pa: 'a', rb: 'b' } };
  try {
    await startPrimaryAndReplica(services, target, primaryStore, replicaStore, applied);

    // The primary publishes the mapping first: nothing goes to the copy before that settles.
    const published = deferred<number | undefined>();
    let settled = false;
    const write = services.get('a')!.writeWith(target, (store) => store.index('fresh', '{"shelf":"top"}', 1).seqNo, () => published.promise);
    void write.then(() => (settled = true));
    await turns();
    assert.deepEqual(asked, [], 'not sent before the state is known');
    assert.equal(replicaStore.get('fresh'), undefined);
    published.resolve(7);
    await turns();
    assert.deepEqual(asked, [7], 'the replica waits for the state the primary named');
    assert.equal(replicaStore.get('fresh'), undefined, 'and applies nothing before its node applied it');
    assert.equal(settled, false, 'the write is not acknowledged meanwhile');
    stateApplied.resolve(true);
    const done = await write;
    assert.equal(replicaStore.get('fresh')?.source, '{"shelf":"top"}');
    assert.deepEqual({ total: done.shards.total, successful: done.shards.successful, failed: done.shards.failed }, { total: 2, successful: 2, failed: 0 });

    // Writes queued behind a waiting one keep their seq_no order on the copy.
    stateApplied = deferred<boolean>();
    const second = services.get('a')!.writeWith(target, (store) => store.index('second', '{"n":2}', 1).seqNo, async () => 8);
    const third = services.get('a')!.writeWith(target, (store) => store.index('third', '{"n":3}', 1).seqNo, async () => 8);
    await turns();
    stateApplied.resolve(true);
    await Promise.all([second, third]);
    assert.equal(replicaStore.localCheckpoint, 2);
    assert.equal(replicaStore.get('third')?.source, '{"n":3}');

    // A copy whose node never applies the state fails rather than index without the mapping.
    stateApplied = deferred<boolean>();
    stateApplied.resolve(false);
    const failing = await services.get('a')!.writeWith(target, (store) => store.index('late', '{"x":1}', 1).seqNo, async () => 9);
    assert.equal(replicaStore.get('late'), undefined);
    assert.equal(failing.shards.failed, 1);
    assert.match(failing.shards.failures[0]!.reason, /did not apply cluster state version \[9\]/);
    assert.deepEqual(reports.filter((kind) => kind === 'shard_failed'), ['shard_failed']);
  } finally {
    for (const service of services.values()) service.close();
    primaryStore.close();
    replicaStore.close();
  }
});

// The same rule for a copy that recovers: the documents and operations the primary replays were
// parsed against its mapping, so the copy takes them only once its node applied the state holding
// it (the source names it: Elasticsearch's recovery target waits for the mapping version too).
// Before, recovery applied them at once, and a refresh in that gap indexed them without new fields.
test('a recovering copy takes the replayed documents and operations only after the state the primary named', async () => {
  const dir = makeTempDir('strait-recovery-state-');
  const asked: number[] = [];
  let stateApplied = deferred<boolean>();
  const named: string[] = [];
  const services = new Map<string, ReplicationService>();
  const channel = inProcessChannel(services);
  for (const id of ['a', 'b']) {
    services.set(
      id,
      replicationService(id, channel, {
        awaitStateVersion: (version) => {
          asked.push(version);
          return stateApplied.promise;
        },
        recoveryStateVersion: async (target) => {
          named.push(target.index);
          return 12;
        },
      }),
    );
  }
  const target: ShardTarget = { indexUuid: 'u', index: 'books', shard: 0 };
  const primaryStore = ShardStore.open(path.join(dir, 'a.db'), { indexUuid: 'u', durability: 'async' });
  const replicaStore = ShardStore.open(path.join(dir, 'b.db'), { indexUuid: 'u', durability: 'async' });
  const applied: AppliedShardState = { primaryTerm: 1, primaryAllocationId: 'pa', inSync: ['pa'], copies: { pa: 'a', rb: 'b' } };
  try {
    primaryStore.index('one', '{"shelf":"top"}', 1);
    primaryStore.index('two', '{"shelf":"low","colour":"red"}', 1);
    services.get('a')!.openPrimary(target, primaryStore, 'pa', applied);
    services.get('b')!.openReplica(target, replicaStore, 'rb', 1, () => replicaStore);
    let recovered = false;
    const recovery = services.get('b')!.recover(target, 'a').then((outcome) => {
      recovered = true;
      return outcome;
    });
    await turns();
    assert.deepEqual(named, ['books'], 'the source asks which state holds its mapping');
    assert.deepEqual(asked, [12], 'the copy waits for that state');
    assert.equal(replicaStore.get('one'), undefined, 'and takes nothing before its node applied it');
    assert.equal(recovered, false);
    stateApplied.resolve(true);
    const outcome = await recovery;
    assert.equal(outcome.documents + outcome.operations >= 2, true);
    assert.equal(replicaStore.get('two')?.source, '{"shelf":"low","colour":"red"}');

    // A copy whose node never applies it fails its recovery rather than index without the mapping.
    const other = ShardStore.open(path.join(dir, 'c.db'), { indexUuid: 'u', durability: 'async' });
    try {
      stateApplied = deferred<boolean>();
      stateApplied.resolve(false);
      services.get('b')!.close();
      const fresh = replicationService('b', channel, { awaitStateVersion: async () => false });
      services.set('b', fresh);
      fresh.openReplica(target, other, 'rb', 1, () => other);
      await assert.rejects(fresh.recover(target, 'a'), (error: unknown) => error instanceof EsError && error.type === 'recovery_failed_exception' && /did not apply cluster state version \[12\]/u.test(JSON.stringify(error.toCause())));
      assert.equal(other.get('one'), undefined);
    } finally {
      other.close();
    }
  } finally {
    for (const service of services.values()) service.close();
    primaryStore.close();
    replicaStore.close();
  }
});
