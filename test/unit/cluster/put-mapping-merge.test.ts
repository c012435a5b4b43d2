// Issue #14: two primaries on different nodes add different dynamic fields at once; each sends its
// whole local mapping to the master. The master merges each update into the published mapping, as
// Elasticsearch's MetadataMappingService merges a put-mapping into the current one, so neither
// field is dropped; a conflicting type is refused (illegal_argument_exception) and publishes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyClusterState, type ClusterState } from '../../../src/cluster/state.js';
import { stepMaster, type MasterEvent, type MasterInput } from '../../../src/cluster/master.js';
import { isDynamicIndexSetting } from '../../../src/index/settings.js';
import { mappingAdditions, mergePublishedMappings } from '../../../src/node/published-mappings.js';
import { dynamicSettingChanges, followerLeaderSettingChanges, publishedWithPending } from '../../../src/node/wire-coordination.js';

let uuids = 0;
const input: MasterInput = { nowIso: '2026-12-06T00:00:00.000Z', stateUuid: 's', newAllocationId: () => `a${++uuids}`, mergeMappings: mergePublishedMappings, isDynamicIndexSetting };

function step(state: ClusterState, event: MasterEvent): ClusterState {
  const result = stepMaster(state, event, { ...input, stateUuid: `s${++uuids}` });
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.state;
}

function withIndex(extraSettings: Readonly<Record<string, string>> = {}): ClusterState {
  let state = step(emptyClusterState('test', 'cu'), {
    kind: 'elected',
    nodeId: 'n1',
    term: 1,
    nodes: { n1: { name: 'n1', ephemeral_id: 'e1', transport_address: '127.0.0.1:9300', external_id: 'n1', attributes: {}, roles: ['data', 'master'], version: '9.1.0' } },
  });
  state = step(state, { kind: 'create_index', name: 'logs', uuid: 'u1', settings: { 'index.uuid': 'u1', 'index.number_of_shards': '2', 'index.number_of_replicas': '0', ...extraSettings }, mappings: { _doc: { properties: { message: { type: 'text' } } } }, aliases: {}, routingNumShards: 2 });
  return state;
}

test('two put_mappings with different new fields: the published mapping keeps both', () => {
  let state = withIndex();
  state = step(state, { kind: 'put_mapping', name: 'logs', mappings: { _doc: { properties: { message: { type: 'text' }, a: { type: 'long' } } } } });
  state = step(state, { kind: 'put_mapping', name: 'logs', mappings: { _doc: { properties: { message: { type: 'text' }, b: { type: 'keyword' } } } } });
  const properties = (state.metadata.indices['logs']!.mappings['_doc'] as { properties: Record<string, { type: string }> }).properties;
  assert.deepEqual(Object.keys(properties).sort(), ['a', 'b', 'message']);
  assert.equal(properties['a']!.type, 'long');
  assert.equal(properties['b']!.type, 'keyword');
  // A stale update (a subset of what is published) changes nothing.
  const again = stepMaster(state, { kind: 'put_mapping', name: 'logs', mappings: { _doc: { properties: { message: { type: 'text' } } } } }, input);
  assert.ok(again.ok && !again.changed);
});

test('a conflicting field type is refused and publishes nothing', () => {
  let state = withIndex();
  state = step(state, { kind: 'put_mapping', name: 'logs', mappings: { _doc: { properties: { a: { type: 'long' } } } } });
  const result = stepMaster(state, { kind: 'put_mapping', name: 'logs', mappings: { _doc: { properties: { a: { type: 'text' } } } } }, input);
  assert.ok(!result.ok);
  assert.equal(result.error.type, 'illegal_argument_exception');
  assert.match(result.error.message, /\[a\]/);
});

test('update_settings: every dynamic index setting is published (pipelines, refresh, blocks, default fields); static ones are refused', () => {
  let state = withIndex();
  state = step(state, { kind: 'update_settings', name: 'logs', settings: { 'index.default_pipeline': 'p1', 'index.query.default_field': 'message', 'index.refresh_interval': '5s', 'index.blocks.write': 'true' } });
  const settings = state.metadata.indices['logs']!.settings;
  assert.equal(settings['index.default_pipeline'], 'p1');
  assert.equal(settings['index.query.default_field'], 'message');
  assert.equal(settings['index.blocks.write'], 'true');
  const refused = stepMaster(state, { kind: 'update_settings', name: 'logs', settings: { 'index.number_of_shards': '3' } }, input);
  assert.ok(!refused.ok);
  assert.match(refused.error.message, /Can't update non dynamic settings \[\[index\.number_of_shards\]\]/);
});

test('dynamicSettingChanges: what turns the settings of one node into the published ones, dynamic keys only', () => {
  const from = { 'index.uuid': 'u1', 'index.number_of_shards': '1', 'index.refresh_interval': '1s', 'index.blocks.write': 'true' };
  const to = { 'index.uuid': 'u2', 'index.number_of_shards': '2', 'index.refresh_interval': '5s', 'index.default_pipeline': 'p' };
  assert.deepEqual(dynamicSettingChanges(from, to), { 'index.refresh_interval': '5s', 'index.blocks.write': null, 'index.default_pipeline': 'p' });
});

// Cross-cluster replication on many nodes (README "Cross-cluster replication", issue #10): a static
// setting the leader changed later reaches every copy of the follower through the master
// (Elasticsearch's follow task updates the follower's settings through the master, closed).
test('follower_leader_settings: a follower of that uuid takes static settings; another index or uuid is refused', () => {
  let state = withIndex({ 'index.xpack.ccr.following_index': 'true' });
  const before = state.metadata.indices['logs']!;
  state = step(state, { kind: 'follower_leader_settings', name: 'logs', uuid: 'u1', settings: { 'index.analysis.normalizer.loud.type': 'custom', 'index.analysis.normalizer.loud.filter': '["uppercase"]' } });
  const after = state.metadata.indices['logs']!;
  assert.equal(after.settings['index.analysis.normalizer.loud.type'], 'custom');
  assert.equal(after.settings_version, before.settings_version + 1);
  // The same settings again: nothing to publish.
  const again = stepMaster(state, { kind: 'follower_leader_settings', name: 'logs', uuid: 'u1', settings: { 'index.analysis.normalizer.loud.type': 'custom' } }, input);
  assert.ok(again.ok && !again.changed);
  const otherUuid = stepMaster(state, { kind: 'follower_leader_settings', name: 'logs', uuid: 'u9', settings: { 'index.analysis.normalizer.loud.type': 'x' } }, input);
  assert.ok(!otherUuid.ok);
  assert.equal(otherUuid.error.type, 'index_not_found_exception');
  const plain = withIndex();
  const refused = stepMaster(plain, { kind: 'follower_leader_settings', name: 'logs', uuid: 'u1', settings: { 'index.analysis.normalizer.loud.type': 'custom' } }, input);
  assert.ok(!refused.ok);
  assert.equal(refused.error.type, 'illegal_argument_exception');
});

test('followerLeaderSettingChanges: static replicated settings between two followers only; dynamic, node-set and non-replicated ones stay out', () => {
  const follower = { 'index.xpack.ccr.following_index': 'true', 'index.uuid': 'u1', 'index.number_of_shards': '1', 'index.refresh_interval': '1s' };
  const taken = { ...follower, 'index.uuid': 'u2', 'index.analysis.normalizer.loud.type': 'custom', 'index.refresh_interval': '5s', 'index.soft_deletes.retention_lease.period': '1h' };
  assert.deepEqual(followerLeaderSettingChanges(follower, taken), { 'index.analysis.normalizer.loud.type': 'custom' });
  assert.deepEqual(followerLeaderSettingChanges(taken, follower), { 'index.analysis.normalizer.loud.type': null });
  const { ['index.xpack.ccr.following_index']: _marker, ...plain } = taken;
  assert.deepEqual(followerLeaderSettingChanges(follower, plain), {});
});

test('two put_mappings each within index.mapping.total_fields.limit that together pass it: the second is refused (400) and publishes nothing', () => {
  // Each node checks the limit against its own copy only; the master checks the merged mapping.
  let state = withIndex({ 'index.mapping.total_fields.limit': '4' });
  state = step(state, { kind: 'put_mapping', name: 'logs', mappings: { _doc: { properties: { message: { type: 'text' }, a: { type: 'long' }, b: { type: 'long' } } } } });
  const result = stepMaster(state, { kind: 'put_mapping', name: 'logs', mappings: { _doc: { properties: { message: { type: 'text' }, c: { type: 'long' }, d: { type: 'long' } } } } }, input);
  assert.ok(!result.ok);
  assert.equal(result.error.status, 400);
  assert.equal(result.error.type, 'illegal_argument_exception');
  assert.equal(result.error.message, 'Limit of total fields [4] has been exceeded');
  // Up to the limit is accepted.
  const within = stepMaster(state, { kind: 'put_mapping', name: 'logs', mappings: { _doc: { properties: { c: { type: 'long' } } } } }, input);
  assert.ok(within.ok && within.changed);
});

test('a node\'s put-mapping refused in flight: the local mapping goes back to the published one with only the other put-mappings still in flight on it', () => {
  // Published: b_0..b_5 (through another node). In flight here: `a` (which passes the limit with
  // them: refused and dropped) and `c` (fits: kept, its request still publishes it).
  const settings = { 'index.mapping.total_fields.limit': '10' };
  const fields = (prefix: string, count: number): Record<string, { type: string }> => Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}_${i}`, { type: 'keyword' }]));
  const published = { _doc: { properties: fields('b', 6) } };
  const local = publishedWithPending(published, settings, [{ update: { properties: fields('a', 6) } }, { update: { properties: fields('c', 1) } }]);
  assert.deepEqual(Object.keys(local['properties'] as object).sort(), [...Object.keys(fields('b', 6)), 'c_0'].sort());
  assert.deepEqual(publishedWithPending(published, settings, []), published._doc);
  // Nothing published yet: the pending changes alone.
  assert.deepEqual(publishedWithPending({}, settings, [{ update: { properties: fields('c', 1) } }]), { properties: fields('c', 1) });
});

test('mappingAdditions: what a document\'s dynamic update adds to the mapping it was parsed against, not the put-mappings in flight that mapping held', () => {
  const base = { dynamic: 'true', properties: { pending: { type: 'keyword' }, user: { properties: { name: { type: 'text' } } } }, runtime: { r: { type: 'long' } } };
  const next = { dynamic: 'true', properties: { pending: { type: 'keyword' }, user: { properties: { name: { type: 'text' }, age: { type: 'long' } } }, added: { type: 'float' } }, runtime: { r: { type: 'long' }, s: { type: 'keyword' } } };
  assert.deepEqual(mappingAdditions(base, next), { properties: { user: { properties: { age: { type: 'long' } } }, added: { type: 'float' } }, runtime: { s: { type: 'keyword' } } });
  assert.deepEqual(mappingAdditions(base, base), {});
  // A changed field goes whole; an object whose own parameters changed goes whole too.
  const changed = { ...base, properties: { ...base.properties, pending: { type: 'keyword', ignore_above: 10 }, user: { type: 'object', dynamic: 'strict', properties: { name: { type: 'text' } } } } };
  assert.deepEqual(mappingAdditions(base, changed), { properties: { pending: { type: 'keyword', ignore_above: 10 }, user: changed.properties.user } });
  // From an empty mapping: everything.
  assert.deepEqual(mappingAdditions({}, next), next);
});
