// Issue #14: aliases are index metadata the master changes (Elasticsearch's
// MetadataIndexAliasesService, `indices:admin/aliases`). One alias request is one master step: all
// of its changes are published together or none is, and the master re-checks them against the
// published state (index exists, no alias named like an index, one write index per alias).
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/indices-aliases.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyClusterState, type ClusterState } from '../../../src/cluster/state.js';
import { stepMaster, type MasterEvent, type MasterInput } from '../../../src/cluster/master.js';
import { isDynamicIndexSetting } from '../../../src/index/settings.js';
import { mergePublishedMappings } from '../../../src/node/published-mappings.js';
import { aliasChangesOf } from '../../../src/node/wire-coordination.js';

let uuids = 0;
const input = (): MasterInput => ({ nowIso: '2026-12-06T00:00:00.000Z', stateUuid: `s${++uuids}`, newAllocationId: () => `a${++uuids}`, mergeMappings: mergePublishedMappings, isDynamicIndexSetting });

function step(state: ClusterState, event: MasterEvent): ClusterState {
  const result = stepMaster(state, event, input());
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.state;
}

function twoIndices(): ClusterState {
  let state = step(emptyClusterState('test', 'cu'), {
    kind: 'elected',
    nodeId: 'n1',
    term: 1,
    nodes: { n1: { name: 'n1', ephemeral_id: 'e1', transport_address: '127.0.0.1:9300', external_id: 'n1', attributes: {}, roles: ['data', 'master'], version: '9.1.0' } },
  });
  for (const name of ['logs-1', 'logs-2']) {
    state = step(state, { kind: 'create_index', name, uuid: `u-${name}`, settings: { 'index.number_of_shards': '1', 'index.number_of_replicas': '0' }, mappings: {}, aliases: name === 'logs-1' ? { logs: { is_write_index: true } } : {}, routingNumShards: 1 });
  }
  return state;
}

test('moving the write alias between two indices is one step: both indices change in one published version', () => {
  const before = twoIndices();
  const after = step(before, {
    kind: 'update_aliases',
    changes: [
      { index: 'logs-1', alias: 'logs', definition: { is_write_index: false } },
      { index: 'logs-2', alias: 'logs', definition: { is_write_index: true, filter: { term: { level: 'error' } }, index_routing: '1', search_routing: '1' } },
    ],
    deleteIndices: [],
  });
  assert.equal(after.version, before.version + 1);
  assert.deepEqual(after.metadata.indices['logs-1']!.aliases, { logs: { is_write_index: false } });
  assert.deepEqual(after.metadata.indices['logs-2']!.aliases['logs'], { is_write_index: true, filter: { term: { level: 'error' } }, index_routing: '1', search_routing: '1' });
  assert.equal(after.metadata.indices['logs-2']!.aliases_version, before.metadata.indices['logs-2']!.aliases_version + 1);
});

test('a second write index for an alias is refused and publishes nothing', () => {
  const before = twoIndices();
  const result = stepMaster(before, { kind: 'update_aliases', changes: [{ index: 'logs-2', alias: 'logs', definition: { is_write_index: true } }], deleteIndices: [] }, input());
  assert.ok(!result.ok);
  assert.equal(result.error.type, 'illegal_argument_exception');
  assert.equal(result.error.message, 'alias [logs] has more than one write index [logs-1,logs-2]');
});

test('an alias on an index deleted meanwhile is refused with index_not_found_exception (none of the request applies)', () => {
  const before = twoIndices();
  const result = stepMaster(before, { kind: 'update_aliases', changes: [{ index: 'logs-2', alias: 'a', definition: {} }, { index: 'gone', alias: 'a', definition: {} }], deleteIndices: [] }, input());
  assert.ok(!result.ok);
  assert.equal(result.error.type, 'index_not_found_exception');
});

test('an alias named like an index is refused with invalid_alias_name_exception', () => {
  const result = stepMaster(twoIndices(), { kind: 'update_aliases', changes: [{ index: 'logs-1', alias: 'logs-2', definition: {} }], deleteIndices: [] }, input());
  assert.ok(!result.ok);
  assert.equal(result.error.type, 'invalid_alias_name_exception');
});

test('remove_index travels with the alias changes: the index and its routing table go in the same version', () => {
  const before = twoIndices();
  const after = step(before, { kind: 'update_aliases', changes: [{ index: 'logs-2', alias: 'logs', definition: { is_write_index: true } }], deleteIndices: ['logs-1'] });
  assert.equal(after.metadata.indices['logs-1'], undefined);
  assert.equal(after.routing_table.indices['logs-1'], undefined);
  assert.deepEqual(after.metadata.indices['logs-2']!.aliases, { logs: { is_write_index: true } });
});

test('removing an alias the index does not have, or setting one unchanged, publishes nothing new', () => {
  const before = twoIndices();
  const result = stepMaster(before, { kind: 'update_aliases', changes: [{ index: 'logs-2', alias: 'nope', definition: null }, { index: 'logs-1', alias: 'logs', definition: { is_write_index: true } }], deleteIndices: [] }, input());
  assert.ok(result.ok && !result.changed);
});

test('aliasChangesOf: added, changed and removed aliases of one index', () => {
  assert.deepEqual(aliasChangesOf('i', { a: {}, b: { index_routing: '1' }, c: {} }, { a: {}, b: { index_routing: '2' }, d: { is_hidden: true } }), [
    { index: 'i', alias: 'b', definition: { index_routing: '2' } },
    { index: 'i', alias: 'd', definition: { is_hidden: true } },
    { index: 'i', alias: 'c', definition: null },
  ]);
});
