// A node applying cluster states (Elasticsearch IndicesClusterStateService over
// src/cluster/state.ts): an assigned primary opens from its store and is reported started; an
// assigned replica opens, recovers from the primary's node and reports itself started; in sync, it
// takes every write; a deleted index closes both. Two ReplicationServices whose real transport
// handlers are called in process; real shard stores.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import type { ClusterState, ShardStateReport } from '../../../src/cluster/state.js';
import { shardKey, type ShardTarget } from '../../../src/index/replication/actions.js';
import { ShardCopiesApplier } from '../../../src/index/replication/copies-applier.js';
import { ReplicationService } from '../../../src/index/replication/service.js';
import { internalVersionWriter } from '../../../src/index/replication/shard-writer.js';
import { ShardStore } from '../../../src/index/store/shard-store.js';
import { inProcessChannel } from './in-process-channel.js';
import { clusterState, routing } from './logs-state.js';
import { makeTempDir } from '../../harness/cluster.js';

test('primary opened and reported started, replica recovered and reported started, writes replicated, copies closed with their index', async () => {
  const dir = makeTempDir('strait-applier-');
  const reports: string[] = [];
  const services = new Map<string, ReplicationService>();
  const channel = inProcessChannel(services);
  const report = async (entry: ShardStateReport): Promise<void> => void reports.push(`${entry.kind} ${entry.allocationId}`);
  const stores = new Map<string, ShardStore>();
  const appliers = new Map<string, ShardCopiesApplier>();
  for (const id of ['a', 'b']) {
    const service = new ReplicationService({ nodeId: id, cluster: { clusterName: 'strait', clusterUuid: 'cu' }, channel, logger: pino({ level: 'silent' }), writer: internalVersionWriter, masterNodeId: () => undefined, reportShard: report, nowMs: () => Date.now() });
    services.set(id, service);
    let generation = 0;
    const file = (target: ShardTarget) => path.join(dir, `${id}-${target.indexUuid}-${target.shard}-${generation}.db`);
    appliers.set(
      id,
      new ShardCopiesApplier({
        nodeId: id,
        service,
        report,
        logger: pino({ level: 'silent' }),
        stores: {
          open: (target) => {
            const key = `${id}:${shardKey(target)}`;
            if (!stores.has(key)) stores.set(key, ShardStore.open(file(target), { indexUuid: target.indexUuid, durability: 'async' }));
            return stores.get(key);
          },
          reset: (target) => {
            const key = `${id}:${shardKey(target)}`;
            stores.get(key)?.close();
            rmSync(file(target), { force: true });
            generation++;
            stores.set(key, ShardStore.open(file(target), { indexUuid: target.indexUuid, durability: 'async' }));
            return stores.get(key)!;
          },
        },
      }),
    );
  }
  const applyAll = (state: ClusterState) => {
    for (const applier of appliers.values()) applier.apply(state);
  };
  const target: ShardTarget = { indexUuid: 'logs-uuid', index: 'logs', shard: 0 };
  try {
    applyAll(clusterState(1, [routing(true, 'a', 'INITIALIZING', 'pa', 'EMPTY_STORE'), routing(false, null, 'UNASSIGNED')], []));
    assert.deepEqual(appliers.get('a')!.copies(), [{ index: 'logs', shard: 0, allocationId: 'pa' }]);
    assert.deepEqual(appliers.get('b')!.copies(), []);
    assert.deepEqual(reports, ['shard_started pa']);
    applyAll(clusterState(2, [routing(true, 'a', 'STARTED', 'pa'), routing(false, null, 'UNASSIGNED')], ['pa']));
    await services.get('a')!.write(target, [{ op: 'index', id: 'before', source: '{"n":1}' }]);
    // The replica is assigned to b: b opens it and recovers it from a, then reports it started.
    applyAll(clusterState(3, [routing(true, 'a', 'STARTED', 'pa'), routing(false, 'b', 'INITIALIZING', 'rb', 'PEER')], ['pa']));
    for (let attempt = 0; attempt < 200 && !reports.includes('shard_started rb'); attempt++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(reports, ['shard_started pa', 'shard_started rb']);
    assert.equal(stores.get(`b:${shardKey(target)}`)!.get('before')?.source, '{"n":1}');
    applyAll(clusterState(4, [routing(true, 'a', 'STARTED', 'pa'), routing(false, 'b', 'STARTED', 'rb')], ['pa', 'rb']));
    const written = await services.get('a')!.write(target, [{ op: 'index', id: 'after', source: '{"n":2}' }]);
    assert.deepEqual({ successful: written.shards.successful, failed: written.shards.failed }, { successful: 2, failed: 0 });
    assert.equal(stores.get(`b:${shardKey(target)}`)!.get('after')?.source, '{"n":2}');
    // The index is deleted: both copies close.
    applyAll(clusterState(5, undefined, []));
    assert.deepEqual([...appliers.values()].map((applier) => applier.copies().length), [0, 0]);
    assert.equal(services.get('a')!.primaryState(target), undefined);
  } finally {
    for (const service of services.values()) service.close();
    for (const store of stores.values()) store.close();
  }
});
