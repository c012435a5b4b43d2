// Replays the follower state machine scripts in test/cases/ccr/*.txt (style P10): each command's
// printed effects and state must match the text under it. REWRITE=1 regenerates the expectations;
// review the diff in git. Each script names the spec section it enforces (shared/spec/ccr.md §4.2,
// §4.4, §3.6).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createFollowerState, retryDelayMs, stepFollower } from '../../../src/ccr/follower.js';
import { parseScript, renderScript, scriptDefaultParameters, ScriptRunner } from './follower-script.js';
import { replayScriptCases } from '../../harness/script-cases.js';

const casesDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cases/ccr');

replayScriptCases({ label: 'ccr follower script', directory: casesDirectory, newRunner: () => new ScriptRunner(), parse: parseScript, render: renderScript, skipEmptyCommands: true });

// Spec §4.2 step 2: every read carries read_poll_timeout and max_read_request_size.
test('ccr follower reads carry read_poll_timeout and max_read_request_size', () => {
  const state = createFollowerState({
    params: { ...scriptDefaultParameters, readPollTimeoutMs: 30_000, maxReadRequestSizeBytes: 4096, maxReadRequestOperationCount: 7 },
    followerCheckpoint: 41,
    mappingVersion: 1,
    settingsVersion: 1,
    aliasesVersion: 1,
    nowMs: 0,
  });
  const [, effects] = stepFollower(state, { kind: 'tick', nowMs: 5 });
  assert.deepEqual(effects.reads, [{ fromSeqNo: 42, maxOperationCount: 7, pollTimeoutMs: 30_000, maxBatchSizeBytes: 4096 }]);
});

// Spec §4.4: retry n waits k × 50ms, k uniform in [0, 2^(min(n,24)−1)], capped at max_retry_delay.
test('ccr follower retry delay: k × 50ms, k in [0, 2^(min(n,24)-1)], capped by max_retry_delay', () => {
  assert.equal(retryDelayMs(1, 500, 0), 0);
  assert.equal(retryDelayMs(1, 500, 0.4999), 0);
  assert.equal(retryDelayMs(1, 500, 0.5), 50);
  assert.equal(retryDelayMs(1, 500, 0.9999), 50);
  assert.equal(retryDelayMs(3, 500, 0.9999), 200); // k in [0, 4]
  assert.equal(retryDelayMs(4, 10_000, 0.9999), 400); // k in [0, 8]
  assert.equal(retryDelayMs(10, 500, 0.9999), 500); // capped
  assert.equal(retryDelayMs(60, 5 * 60_000, 0.9999), 5 * 60_000); // exponent stops at 24, still capped
  assert.equal(retryDelayMs(60, Number.MAX_SAFE_INTEGER, 0.9999999), 2 ** 23 * 50);
});

// Style P1: a step never changes the state it was given, so replaying an event gives the same answer.
test('ccr follower steps leave their input state unchanged', () => {
  const runner = new ScriptRunner();
  runner.run('init checkpoint=-1 max_read_request_operation_count=4');
  runner.run('tick now=0');
  runner.run('read_ok from=0 now=1 ops=0..3 gcp=9');
  const state = runner.current();
  const before = JSON.stringify(state);
  const event = { kind: 'read_ok', nowMs: 2, fromSeqNo: 4, response: { operations: [], globalCheckpoint: 9, maxSeqNo: 9, maxSeqNoOfUpdatesOrDeletes: 9, mappingVersion: 1, settingsVersion: 1, aliasesVersion: 1, tookMs: 0 } } as const;
  const first = stepFollower(state, event);
  const second = stepFollower(state, event);
  assert.equal(JSON.stringify(state), before);
  assert.equal(JSON.stringify(first), JSON.stringify(second));
});
