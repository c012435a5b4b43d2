// Cluster update settings API: https://www.elastic.co/guide/en/elasticsearch/reference/current/cluster-update-settings.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { SqlDatabase } from '../../../src/common/index.js';
import { ClusterSettingsStore, applySettingsUpdate, baseDynamicSettings, flattenSettings, settingKeyMatches } from '../../../src/cluster/settings.js';
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
  const { next } = applySettingsUpdate(baseDynamicSettings, 'persistent', { 'indices.recovery.max_bytes_per_sec': '50mb' }, { 'indices.recovery.max_bytes_per_sec': null });
  assert.deepEqual(next, {});
  assert.throws(() => applySettingsUpdate(baseDynamicSettings, 'persistent', {}, { 'indices.recovery.max_bytes_per_sec': 'fast' }), /indices\.recovery\.max_bytes_per_sec/);
});

test('persistent settings survive reopening the store; transient ones do not', () => {
  const db = new Database(':memory:') as unknown as SqlDatabase;
  const store = new ClusterSettingsStore(db, [...baseDynamicSettings]);
  store.update({ persistent: { 'indices.recovery.max_bytes_per_sec': '60mb' }, transient: { action: { auto_create_index: 'false' } } });
  assert.deepEqual(store.effective(), { 'indices.recovery.max_bytes_per_sec': '60mb', 'action.auto_create_index': 'false' });
  const reopened = new ClusterSettingsStore(db, [...baseDynamicSettings]);
  assert.deepEqual(reopened.persistent, { 'indices.recovery.max_bytes_per_sec': '60mb' });
  assert.deepEqual(reopened.transient, {});
});

test('an invalid update changes neither scope', () => {
  const db = new Database(':memory:') as unknown as SqlDatabase;
  const store = new ClusterSettingsStore(db, [...baseDynamicSettings]);
  assert.throws(() => store.update({ persistent: { 'action.auto_create_index': 'false' }, transient: { bogus: 1 } }));
  assert.deepEqual(store.persistent, {});
});
