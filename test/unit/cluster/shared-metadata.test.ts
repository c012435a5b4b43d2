// Issue #14: index templates, ingest pipelines and stored scripts live in Elasticsearch's cluster
// state, so a put through any node applies on every node (index-templates.html,
// put-pipeline-api.html, create-stored-script-api.html). Strait shares them as one etcd key per
// object; these are the pure rules: key names, the record format, newer-revision-wins, and what a
// full load (join, restart, etcd back) does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLUSTER_SETTINGS_NAME,
  decodeSharedMetadata,
  encodeSharedMetadata,
  isNewerRevision,
  parseSharedMetadataKey,
  planSharedLoad,
  sharedMetadataKey,
} from '../../../src/cluster/shared-metadata.js';

test('keys carry the kind and one URI-encoded name part; foreign keys are not ours', () => {
  assert.equal(sharedMetadataKey('composable_template', 'logs'), 'templates/composable/logs');
  assert.equal(sharedMetadataKey('component_template', 'a/b'), 'templates/component/a%2Fb');
  assert.equal(sharedMetadataKey('legacy_template', 'x'), 'templates/legacy/x');
  assert.equal(sharedMetadataKey('pipeline', 'p'), 'pipelines/p');
  assert.equal(sharedMetadataKey('script', 's'), 'scripts/s');
  assert.deepEqual(parseSharedMetadataKey('templates/component/a%2Fb'), { kind: 'component_template', name: 'a/b' });
  assert.deepEqual(parseSharedMetadataKey('pipelines/p'), { kind: 'pipeline', name: 'p' });
  for (const key of ['templates/other/x', 'pipelines/', 'scripts/a/b', 'users/x', 'scripts/%E0%A4%A']) assert.equal(parseSharedMetadataKey(key), undefined, key);
  // The cluster settings are one entry holding both scopes; the per-scope keys of earlier versions are not ours.
  assert.equal(sharedMetadataKey('cluster_settings', CLUSTER_SETTINGS_NAME), 'cluster_settings/scopes');
  assert.deepEqual(parseSharedMetadataKey('cluster_settings/scopes'), { kind: 'cluster_settings', name: 'scopes' });
  for (const key of ['cluster_settings/persistent', 'cluster_settings/transient']) assert.equal(parseSharedMetadataKey(key), undefined, key);
});

test('records carry their format; another format, non-JSON or a missing body is refused, never thrown', () => {
  const value = encodeSharedMetadata({ processors: [] });
  assert.deepEqual(decodeSharedMetadata(value), { ok: true, body: { processors: [] } });
  assert.deepEqual(decodeSharedMetadata('{"format":2,"body":{}}'), { ok: false, reason: 'record format [2], this node reads [1]' });
  assert.equal(decodeSharedMetadata('nope').ok, false);
  assert.equal(decodeSharedMetadata('{"format":1}').ok, false);
});

test('an event applies only when newer than the revision held; a local unconfirmed write (0) yields to any event', () => {
  assert.equal(isNewerRevision(undefined, 5), true);
  assert.equal(isNewerRevision(0, 5), true);
  assert.equal(isNewerRevision(5, 5), false);
  assert.equal(isNewerRevision(7, 5), false);
  assert.equal(isNewerRevision(5, 7), true);
});

const entry = (body: unknown, revision: number) => ({ value: encodeSharedMetadata(body), revision });

test('a full load makes the node equal to the range: writes what differs, deletes what etcd lost, adopts nothing', () => {
  const plan = planSharedLoad({
    entries: new Map([
      ['pipelines/same', entry({ processors: [] }, 3)],
      ['pipelines/changed', entry({ processors: [{ set: {} }] }, 4)],
      ['scripts/new', entry({ lang: 'painless', source: '1' }, 5)],
      ['templates/composable/t', entry({ index_patterns: ['t-*'], composed_of: ['c'] }, 6)],
      ['templates/component/c', entry({ template: {} }, 7)],
      ['users/alice', entry({}, 8)],
      ['scripts/bad', { value: '{"format":9,"body":{}}', revision: 9 }],
    ]),
    local: new Map([
      ['pipelines/same', encodeSharedMetadata({ processors: [] })],
      ['pipelines/changed', encodeSharedMetadata({ processors: [] })],
      ['scripts/deleted-elsewhere', encodeSharedMetadata({ lang: 'painless', source: '2' })],
    ]),
    firstLoad: false,
  });
  // Referenced kinds first: scripts, component templates, composable ones, then pipelines.
  assert.deepEqual(plan.puts.map((put) => [put.key, put.revision]), [
    ['scripts/new', 5],
    ['templates/component/c', 7],
    ['templates/composable/t', 6],
    ['pipelines/changed', 4],
  ]);
  assert.deepEqual(plan.deletes, ['scripts/deleted-elsewhere']);
  assert.deepEqual(plan.adopt, []);
  assert.deepEqual(plan.invalid.map((item) => item.key), ['users/alice', 'scripts/bad']);
  assert.deepEqual([...plan.revisions.keys()].sort(), ['pipelines/changed', 'pipelines/same', 'scripts/new', 'templates/component/c', 'templates/composable/t']);
});

test('the first load of a node adopts what it had and etcd lacks (published when still absent), deleting nothing', () => {
  const local = encodeSharedMetadata({ index_patterns: ['old-*'] });
  const plan = planSharedLoad({ entries: new Map([['scripts/s', entry({ lang: 'painless', source: '1' }, 2)]]), local: new Map([['templates/legacy/old', local]]), firstLoad: true });
  assert.deepEqual(plan.adopt, [{ key: 'templates/legacy/old', value: local }]);
  assert.deepEqual(plan.deletes, []);
  assert.deepEqual(plan.puts.map((put) => put.key), ['scripts/s']);
});
