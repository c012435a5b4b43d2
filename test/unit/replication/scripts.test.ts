// Replays the replication scripts in test/cases/replication/*.txt (style P10): each command's
// printed effects and state must match the text under it. REWRITE=1 regenerates the expectations;
// review the diff in git. Each script names the Elasticsearch rule it enforces.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createPrimaryState, stepPrimary } from '../../../src/index/replication/primary.js';
import { parseScript, renderScript } from '../ccr/follower-script.js';
import { ReplicationScript } from './script.js';
import { replayScriptCases } from '../../harness/script-cases.js';

const casesDirectory = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../cases/replication');

replayScriptCases({ label: 'replication script', directory: casesDirectory, newRunner: () => new ReplicationScript(), parse: parseScript, render: renderScript, skipEmptyCommands: true });

// Style P1: a step never changes the state it was given.
test('primary replication steps leave their input state unchanged', () => {
  const state = createPrimaryState('p', 1, 4, ['p', 'r1']);
  const before = JSON.stringify(state);
  const first = stepPrimary(state, { kind: 'written', requestId: 1, seqNoMax: 5, localCheckpoint: 5 });
  const second = stepPrimary(state, { kind: 'written', requestId: 1, seqNoMax: 5, localCheckpoint: 5 });
  assert.equal(JSON.stringify(state), before);
  assert.equal(JSON.stringify(first), JSON.stringify(second));
});
