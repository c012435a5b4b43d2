// A follow task keeps the leader's acknowledgement time of each operation it read until the
// operation is applied (the lag in time, issue #10's lag objective); applied operations let go of
// theirs. They were dropped only when stats or health asked for the lag, so a follower nobody
// watched held one entry per operation it ever replicated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { defaultFollowParameters } from '../../../src/ccr/parameters.js';
import { FollowTask } from '../../../src/ccr/runner.js';
import type { ChangeOperation, ShardChangesResponse } from '../../../src/ccr/types.js';

const operations: ChangeOperation[] = Array.from({ length: 100 }, (_, seqNo) => ({ seqNo, op: 'index', id: `d${seqNo}`, source: '{}', primaryTerm: 1, version: 1, timestampMs: 1_000 + seqNo }));

test('applied operations let go of their acknowledgement times without anybody asking for the lag', async () => {
  let now = 10_000;
  let written = -1;
  let served = false;
  let applied!: () => void;
  const allApplied = new Promise<void>((resolve) => (applied = resolve));
  const task = new FollowTask(
    'copy',
    defaultFollowParameters,
    { followerCheckpoint: -1, metadataVersion: 1 },
    {
      readChanges: async () => {
        if (served) return new Promise<ShardChangesResponse>(() => undefined); // a long poll that never answers
        served = true;
        return { operations, globalCheckpoint: 99, maxSeqNo: 99, maxSeqNoOfUpdatesOrDeletes: 99, mappingVersion: 1, settingsVersion: 1, aliasesVersion: 1, tookMs: 1 };
      },
      write: async (batch) => {
        written = batch[batch.length - 1]!.seqNo;
        if (written === 99) setImmediate(applied);
        return written;
      },
      syncMetadata: async () => 1,
      renewLease: async () => undefined,
      nowMs: () => now,
      random: () => 0,
    },
    pino({ level: 'silent' }),
  );
  task.start();
  await allApplied;
  task.stop();
  assert.equal(written, 99);
  const held = (task as unknown as { opTimestamps: Map<number, number> }).opTimestamps;
  assert.equal(held.size, 0, 'nothing is held for applied operations');
  now += 1;
  assert.deepEqual(task.lag(), { millis: 0, operations: 0 });
});
