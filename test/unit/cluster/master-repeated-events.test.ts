// Issue #14: a node sends the master every local change the published state lacks, so two requests
// in flight on one node may both send the same change (the second one's was already published by
// the first). The master takes a change it already applied (same index uuid) as done, not as a
// conflict; a different uuid under the same name is still refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyClusterState, type ClusterState } from '../../../src/cluster/state.js';
import { stepMaster, type MasterEvent, type MasterInput } from '../../../src/cluster/master.js';
import { isDynamicIndexSetting } from '../../../src/index/settings.js';
import { mergePublishedMappings } from '../../../src/node/published-mappings.js';

let uuids = 0;
const input = (): MasterInput => ({ nowIso: '2026-12-07T00:00:00.000Z', stateUuid: `s${++uuids}`, newAllocationId: () => `a${++uuids}`, mergeMappings: mergePublishedMappings, isDynamicIndexSetting });
const settings = { 'index.number_of_shards': '1', 'index.number_of_replicas': '0' };
const index = (name: string, uuid: string) => ({ name, uuid, settings, mappings: {}, aliases: {}, routingNumShards: 1 });

function step(state: ClusterState, event: MasterEvent): ClusterState {
  const result = stepMaster(state, event, input());
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.state;
}

function elected(): ClusterState {
  return step(emptyClusterState('test', 'cu'), {
    kind: 'elected',
    nodeId: 'n1',
    term: 1,
    nodes: { n1: { name: 'n1', ephemeral_id: 'e1', transport_address: '127.0.0.1:9300', external_id: 'n1', attributes: {}, roles: ['data', 'master'], version: '9.1.0' } },
  });
}

/** Applies `event` twice: the second time changes nothing and is not refused. */
function twice(state: ClusterState, event: MasterEvent): ClusterState {
  const once = step(state, event);
  const again = stepMaster(once, event, input());
  assert.ok(again.ok, again.ok ? '' : again.error.message);
  assert.equal(again.changed, false);
  assert.equal(again.state, once);
  return once;
}

test('create_index sent twice under one uuid is done once; another uuid under the name is refused', () => {
  const state = twice(elected(), { kind: 'create_index', ...index('logs', 'u1') });
  const other = stepMaster(state, { kind: 'create_index', ...index('logs', 'u2') }, input());
  assert.ok(!other.ok);
  assert.equal(other.error.type, 'resource_already_exists_exception');
});

test('a data stream made, rolled over and a follower backing index added, each sent twice, are each done once', () => {
  let state = twice(elected(), { kind: 'create_data_stream', name: 'logs-app', template: 't', hidden: false, timestampField: '@timestamp', backingIndex: index('.ds-logs-app-2026.12.07-000001', 'b1') });
  state = twice(state, { kind: 'rollover_data_stream', name: 'logs-app', generation: 1, backingIndex: index('.ds-logs-app-2026.12.07-000002', 'b2') });
  const stream = state.metadata.data_stream!.data_stream['logs-app']!;
  assert.equal(stream.generation, 2);
  assert.deepEqual(stream.indices.map((entry) => entry.index_uuid), ['b1', 'b2']);
  // Another stream of the same name from another request stays refused.
  const other = stepMaster(state, { kind: 'create_data_stream', name: 'logs-app', template: 't', hidden: false, timestampField: '@timestamp', backingIndex: index('.ds-logs-app-2026.12.07-000003', 'b3') }, input());
  assert.ok(!other.ok);
  state = twice(state, { kind: 'follow_backing_index', name: 'logs-remote', template: 't', hidden: false, timestampField: '@timestamp', backingIndex: index('.ds-logs-remote-2026.12.07-000001', 'f1') });
  const followed = state.metadata.data_stream!.data_stream['logs-remote']!;
  assert.equal(followed.replicated, true);
  assert.equal(followed.indices.length, 1);
});
