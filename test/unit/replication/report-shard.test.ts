// Shard reports through the coordinator's queue (ReplicationServiceOptions.reportShard, the path
// the etcd coordination takes instead of internal:cluster/shard/failure over the transport): a
// confirmed failure lets the write be acknowledged with the copy counted failed; a refusal with
// no_longer_primary_shard_exception fails the write and the stale primary acknowledges nothing.
// The two services talk through their real transport handlers, called in process.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import type { ShardStateReport } from '../../../src/cluster/state.js';
import { errors, type EsError } from '../../../src/common/errors.js';
import type { ShardTarget } from '../../../src/index/replication/actions.js';
import { ReplicationService } from '../../../src/index/replication/service.js';
import { internalVersionWriter } from '../../../src/index/replication/shard-writer.js';
import { ShardStore } from '../../../src/index/store/shard-store.js';
import { inProcessChannel } from './in-process-channel.js';
import { makeTempDir } from '../../harness/cluster.js';

const target: ShardTarget = { indexUuid: 'u', index: 'logs', shard: 0 };

function pair(reportShard: (report: ShardStateReport) => Promise<void>) {
  const services = new Map<string, ReplicationService>();
  const channel = inProcessChannel(services);
  const dir = makeTempDir('strait-report-shard-');
  const make = (id: string) =>
    new ReplicationService({ nodeId: id, cluster: { clusterName: 'strait', clusterUuid: 'cu' }, channel, logger: pino({ level: 'silent' }), writer: internalVersionWriter, masterNodeId: () => undefined, reportShard, nowMs: () => Date.now() });
  const a = make('a');
  const b = make('b');
  services.set('a', a);
  services.set('b', b);
  const primaryStore = ShardStore.open(path.join(dir, 'a.db'), { indexUuid: 'u', durability: 'async' });
  const replicaStore = ShardStore.open(path.join(dir, 'b.db'), { indexUuid: 'u', durability: 'async' });
  a.openPrimary(target, primaryStore, 'pa', { primaryTerm: 1, primaryAllocationId: 'pa', inSync: ['pa', 'rb'], copies: { pa: 'a', rb: 'b' } });
  // b's copy is gone (closed): every operation sent to it fails.
  const close = () => {
    a.close();
    b.close();
    primaryStore.close();
    replicaStore.close();
  };
  return { a, close };
}

test('a failure report the master confirms: the write is acknowledged with the copy counted failed', async () => {
  const reports: ShardStateReport[] = [];
  const { a, close } = pair(async (report) => void reports.push(report));
  try {
    const written = await a.write(target, [{ op: 'index', id: '1', source: '{}' }]);
    assert.deepEqual({ successful: written.shards.successful, failed: written.shards.failed }, { successful: 1, failed: 1 });
    assert.equal(reports.length, 1);
    const report = reports[0]!;
    assert.equal(report.kind, 'shard_failed');
    assert.deepEqual({ ...report, message: undefined }, { kind: 'shard_failed', index: 'logs', shard: 0, allocationId: 'rb', primaryTerm: 1, message: undefined, markAsStale: true });
    assert.match(report.kind === 'shard_failed' ? report.message : '', /shard_not_found_exception/);
  } finally {
    close();
  }
});

test('a failure report refused as stale (no_longer_primary_shard_exception): the write fails and nothing more is acknowledged', async () => {
  const { a, close } = pair(async () => {
    throw errors.noLongerPrimaryShard('logs', 0, 'primary term [1] did not match current primary term [2]');
  });
  try {
    await assert.rejects(a.write(target, [{ op: 'index', id: '1', source: '{}' }]), (error: EsError) => error.type === 'no_longer_primary_shard_exception');
    assert.equal(a.primaryState(target)?.mode, 'stale');
    await assert.rejects(a.write(target, [{ op: 'index', id: '2', source: '{}' }]), (error: EsError) => error.type === 'shard_not_in_primary_mode_exception');
  } finally {
    close();
  }
});
