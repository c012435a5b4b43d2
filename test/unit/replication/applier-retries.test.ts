/**
 * The applier's retries (issue #14, wiring step 2): a started report the master did not get (it
 * changed, or etcd was briefly unreachable) is made again at the next applied state while the
 * state still shows the copy INITIALIZING (Elasticsearch's IndicesClusterStateService re-sends
 * shard-started for such copies); a recovery the primary's node is not ready for yet
 * (DelayRecoveryException: the state assigning the copy is not applied there yet, or its primary is
 * not open yet) is retried rather than failing the copy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import path from 'node:path';
import type { ClusterState, ShardRouting, ShardStateReport } from '../../../src/cluster/state.js';
import { errors } from '../../../src/common/errors.js';
import { ShardCopiesApplier, recoveryIsRetryable } from '../../../src/index/replication/copies-applier.js';
import { ReplicationService } from '../../../src/index/replication/service.js';
import { internalVersionWriter } from '../../../src/index/replication/shard-writer.js';
import { ShardStore } from '../../../src/index/store/shard-store.js';
import { makeTempDir } from '../../harness/cluster.js';
import { clusterState, routing } from './logs-state.js';

function state(version: number, primaryState: ShardRouting['state']): ClusterState {
  return clusterState(version, [routing(true, 'a', primaryState, 'pa', primaryState === 'INITIALIZING' ? 'EMPTY_STORE' : undefined)], primaryState === 'STARTED' ? ['pa'] : []);
}

test('a started report the master did not get is made again at the next state while the copy still initializes, and no more once started', async () => {
  const dir = makeTempDir('strait-applier-retry-');
  const reports: string[] = [];
  let refuse = true;
  const report = async (entry: ShardStateReport): Promise<void> => {
    reports.push(`${entry.kind} ${entry.allocationId}`);
    if (refuse) throw errors.nodeDisconnected('master', undefined, 'internal:cluster/shard/started');
  };
  const service = new ReplicationService({ nodeId: 'a', cluster: { clusterName: 'strait', clusterUuid: 'cu' }, channel: { request: async () => ({}) }, logger: pino({ level: 'silent' }), writer: internalVersionWriter, masterNodeId: () => undefined, reportShard: report, nowMs: () => Date.now() });
  const store = ShardStore.open(path.join(dir, 'a.db'), { indexUuid: 'logs-uuid', durability: 'async' });
  const applier = new ShardCopiesApplier({ nodeId: 'a', service, report, logger: pino({ level: 'silent' }), stores: { open: () => store, reset: () => store } });
  try {
    applier.apply(state(1, 'INITIALIZING'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(reports, ['shard_started pa']);
    refuse = false;
    applier.apply(state(2, 'INITIALIZING'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(reports, ['shard_started pa', 'shard_started pa']);
    applier.apply(state(3, 'STARTED'));
    applier.apply(state(4, 'STARTED'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(reports.length, 2, 'a started copy is not reported again');
  } finally {
    service.close();
    store.close();
  }
});

test('recoveries the primary is not ready for are retried; others fail the copy', () => {
  const failed = (cause: ReturnType<typeof errors.illegalState>) => errors.recoveryFailed('logs', 0, 'a', 'b', cause);
  assert.equal(recoveryIsRetryable(failed(errors.illegalState('delaying recovery of [logs][0] as it is not listed as assigned to target node [b]'))), true);
  assert.equal(recoveryIsRetryable(failed(errors.shardNotFound('logs', 0))), true);
  assert.equal(recoveryIsRetryable(failed(errors.shardNotInPrimaryMode('logs', 0, 'STARTED'))), true);
  assert.equal(recoveryIsRetryable(failed(errors.illegalState('the primary no longer retains operation [3]'))), false);
  assert.equal(recoveryIsRetryable(errors.shardNotFound('logs', 0)), false, 'only a failed recovery');
});
