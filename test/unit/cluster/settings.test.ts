// Cluster update settings API: https://www.elastic.co/guide/en/elasticsearch/reference/current/cluster-update-settings.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { SqlDatabase } from '../../../src/common/index.js';
import { ClusterSettingsStore, applySettingsUpdate, baseDynamicSettings, dynamicSettingTypes, flattenSettings, settingKeyMatches, sharedSettingsOf } from '../../../src/cluster/settings.js';
import { EsError } from '../../../src/common/index.js';

test('nested and dotted settings flatten alike', () => {
  assert.deepEqual(flattenSettings({ indices: { recovery: { max_bytes_per_sec: '50mb' } }, 'a.b': null }), {
    'indices.recovery.max_bytes_per_sec': '50mb',
    'a.b': null,
  });
});

test('affix patterns match one namespace segment', () => {
  assert.equal(settingKeyMatches('cluster.remote.*.seeds', 'cluster.remote.west.seeds'), true);
  assert.equal(settingKeyMatches('cluster.remote.*.seeds', 'cluster.remote.a.b.seeds'), false);
  assert.equal(settingKeyMatches('logger.*', 'logger.org.strait'), true);
  assert.equal(settingKeyMatches('logger.*', 'logger.'), false);
});

test('unknown settings are refused naming the key and scope', () => {
  assert.throws(
    () => applySettingsUpdate(baseDynamicSettings, 'transient', {}, { 'no.such.setting': 1 }),
    (error: EsError) => error.status === 400 && error.message === 'transient setting [no.such.setting], not recognized',
  );
});

test('null removes a setting; bad values name the setting', () => {
  const { next } = applySettingsUpdate(baseDynamicSettings, 'persistent', { 'search.default_search_timeout': '5s' }, { 'search.default_search_timeout': null });
  assert.deepEqual(next, {});
  assert.throws(() => applySettingsUpdate(baseDynamicSettings, 'persistent', {}, { 'search.default_search_timeout': 'fast' }), /search\.default_search_timeout/);
  assert.throws(() => applySettingsUpdate(baseDynamicSettings, 'persistent', {}, { 'cluster.max_shards_per_node': 0 }), /\[cluster\.max_shards_per_node\] must be >= 1/);
  assert.throws(() => applySettingsUpdate(baseDynamicSettings, 'persistent', {}, { 'cluster.routing.allocation.enable': 'sometimes' }), /EnableAllocationDecider/);
});

// Issue 9 item 1: a setting nothing honours is refused rather than acknowledged and ignored.
test('settings Strait would not honour are not recognized', () => {
  for (const key of ['logger.org.elasticsearch.transport', 'indices.recovery.max_concurrent_file_chunks']) {
    assert.throws(
      () => applySettingsUpdate(baseDynamicSettings, 'persistent', {}, { [key]: 'x' }),
      (error: EsError) => error.status === 400 && error.message === `persistent setting [${key}], not recognized`,
    );
  }
  assert.throws(() => applySettingsUpdate(baseDynamicSettings, 'persistent', {}, { 'cluster.routing.allocation.enable': 'none' }), /cannot leave primary shards unassigned/);
  assert.deepEqual(applySettingsUpdate(baseDynamicSettings, 'persistent', {}, { 'cluster.routing.allocation.enable': 'primaries' }).next, { 'cluster.routing.allocation.enable': 'primaries' });
});

// Issue 9 item 16: settings are echoed with the type they were given.
test('a list setting keeps the form it was given', () => {
  const registry = [...baseDynamicSettings, { key: 'cluster.remote.*.seeds', normalize: dynamicSettingTypes.list }];
  assert.deepEqual(applySettingsUpdate(registry, 'persistent', {}, { 'cluster.remote.a.seeds': '127.0.0.1:9300' }).next, { 'cluster.remote.a.seeds': '127.0.0.1:9300' });
  assert.deepEqual(applySettingsUpdate(registry, 'persistent', {}, { 'cluster.remote.a.seeds': ['127.0.0.1:9300'] }).next, { 'cluster.remote.a.seeds': ['127.0.0.1:9300'] });
});

test('persistent settings survive reopening the store; transient ones do not', () => {
  const db = new Database(':memory:') as unknown as SqlDatabase;
  const store = new ClusterSettingsStore(db, [...baseDynamicSettings]);
  store.update({ persistent: { 'search.default_search_timeout': '60s' }, transient: { action: { auto_create_index: 'false' } } });
  assert.deepEqual(store.effective(), { 'search.default_search_timeout': '60s', 'action.auto_create_index': 'false' });
  const reopened = new ClusterSettingsStore(db, [...baseDynamicSettings]);
  assert.deepEqual(reopened.persistent, { 'search.default_search_timeout': '60s' });
  assert.deepEqual(reopened.transient, {});
});

test('an invalid update changes neither scope', () => {
  const db = new Database(':memory:') as unknown as SqlDatabase;
  const store = new ClusterSettingsStore(db, [...baseDynamicSettings]);
  assert.throws(() => store.update({ persistent: { 'action.auto_create_index': 'false' }, transient: { bogus: 1 } }));
  assert.deepEqual(store.persistent, {});
});

test('multi-node sharing: an accepted change hands over both scopes whole, in one call, before it is committed; a refusal there changes nothing', () => {
  const store = new ClusterSettingsStore(new Database(':memory:') as unknown as SqlDatabase, [...baseDynamicSettings]);
  const shared: unknown[] = [];
  let refuse = false;
  store.shareChanges((settings) => {
    if (refuse) throw new EsError(400, 'illegal_argument_exception', 'too large');
    shared.push(settings);
  });
  assert.equal(store.sharedEntry(), undefined, 'nothing to share while both scopes are empty');
  store.update({ persistent: { 'action.auto_create_index': 'false' } });
  assert.deepEqual(shared, [{ persistent: { 'action.auto_create_index': 'false' }, transient: {} }]);
  // Both scopes changed by one request: one hand-over holding both (another node applies them together).
  store.update({ transient: { 'search.default_search_timeout': '5s' }, persistent: { 'cluster.max_shards_per_node': 9 } });
  assert.deepEqual(shared.slice(1), [{ persistent: { 'action.auto_create_index': 'false', 'cluster.max_shards_per_node': '9' }, transient: { 'search.default_search_timeout': '5s' } }]);
  store.update({ persistent: { 'action.auto_create_index': 'false' } });
  assert.equal(shared.length, 2, 'an update that changes nothing is not shared');
  refuse = true;
  assert.throws(() => store.update({ persistent: { 'cluster.max_shards_per_node': 7 }, transient: { 'search.default_search_timeout': '6s' } }), EsError);
  assert.deepEqual([store.persistent, store.transient], [{ 'action.auto_create_index': 'false', 'cluster.max_shards_per_node': '9' }, { 'search.default_search_timeout': '5s' }]);
  assert.deepEqual(store.sharedEntry(), { persistent: { 'action.auto_create_index': 'false', 'cluster.max_shards_per_node': '9' }, transient: { 'search.default_search_timeout': '5s' } });
});

test('multi-node sharing: another node\'s entry replaces both scopes in one step, is persisted, reaches every listener even when one throws', () => {
  const db = new Database(':memory:') as unknown as SqlDatabase;
  const store = new ClusterSettingsStore(db, [...baseDynamicSettings]);
  const seen: unknown[] = [];
  store.onChange(() => {
    throw new Error('boom');
  });
  store.onChange((effective) => seen.push(effective));
  const failures = store.applyShared({ persistent: { 'action.auto_create_index': 'false', 'bad.value': 7 }, transient: { 'search.default_search_timeout': '1s' } });
  assert.equal(failures.length, 1);
  // One listener call with both scopes changed: nothing here ever sees one without the other.
  assert.deepEqual(seen, [{ 'action.auto_create_index': 'false', 'search.default_search_timeout': '1s' }], 'a value that is not a string or list of strings is left out');
  assert.deepEqual(new ClusterSettingsStore(db, [...baseDynamicSettings]).persistent, { 'action.auto_create_index': 'false' });
  assert.deepEqual(store.applyShared({ persistent: { 'action.auto_create_index': 'false' }, transient: { 'search.default_search_timeout': '1s' } }), [], 'the same settings again: no listener runs');
  assert.equal(seen.length, 1);
  store.applyShared({ persistent: {}, transient: { 'search.default_search_timeout': '2s' } });
  assert.deepEqual([store.persistent, store.transient], [{}, { 'search.default_search_timeout': '2s' }]);
  store.applyShared(null);
  assert.deepEqual([store.persistent, store.transient], [{}, {}], 'a deleted entry empties both scopes');
  assert.deepEqual(sharedSettingsOf({ persistent: ['not', 'an object'], transient: { 'a.b': ['x', 'y'], 'c.d': 1 } }), { persistent: {}, transient: { 'a.b': ['x', 'y'] } });
});
