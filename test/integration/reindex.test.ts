// Issue 15, reindex: `_reindex` (local and from a remote Strait over HTTPS), `_update_by_query`
// and `_delete_by_query` as tasks (`wait_for_completion=false`, `GET /_tasks/{id}`, `_cancel`,
// `_rethrottle`), with what Elasticsearch's rest-api-spec tests assert
// (modules/reindex/src/yamlRestTest: reindex/10_basic, 30_search, 50_routing, 60_wait_for_active_shards,
// 70_throttle, 80_slices, 90_remote; update_by_query/10_basic; delete_by_query/10_basic).
// References: https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-reindex.html
//             https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-update-by-query.html
//             https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-delete-by-query.html
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { makeCa, makeTempDir, rawRequest, runCli, startNode, type Certificates, type StartedNode } from '../harness/cluster.js';

let local: StartedNode;
let remote: StartedNode;
let admin: Client;
let remoteAdmin: Client;
/** `host:port` of the remote's HTTPS interface. */
let remoteHost: string;

const REMOTE_PASSWORD = 'remote-password-42';
/** A finished task whose result the last test reads again after a restart. */
let keptTaskId: string | undefined;

let ca: Certificates;

before(async () => {
  ca = makeCa();
  [remote, local] = await Promise.all([
    startNode({ ca, clusterName: 'remote-cluster', nodeName: 'remote-1', password: REMOTE_PASSWORD }),
    startNode({
      ca,
      clusterName: 'local-cluster',
      nodeName: 'local-1',
      // Only the loopback address is allowed as a remote source; the harness CA is trusted for its HTTPS.
      // It presents its node certificate to remotes that ask for a client certificate.
      yaml: [
        'reindex.remote.whitelist: ["127.0.0.1:*"]',
        'reindex.ssl.certificate_authorities: [certs/ca.crt]',
        'reindex.ssl.verification_mode: full',
        'reindex.ssl.certificate: certs/node.crt',
        'reindex.ssl.key: certs/node.key',
      ].join('\n'),
    }),
  ]);
  admin = local.client();
  remoteAdmin = remote.client();
  remoteHost = new URL(remote.url).host;
});

after(async () => {
  await Promise.all([local?.destroy(), remote?.destroy()]);
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, node: StartedNode = local): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  const response = await rawRequest(node, method, path, {
    headers: { 'content-type': 'application/json', ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: response.text === '' ? undefined : response.json(), headers: response.headers };
}

async function seed(client: Client, index: string, docs: Record<string, Record<string, unknown>>, routing?: Record<string, string>): Promise<void> {
  const operations = Object.entries(docs).flatMap(([id, doc]) => [{ index: { _index: index, _id: id, ...(routing?.[id] !== undefined ? { routing: routing[id] } : {}) } }, doc]);
  const response = await client.bulk({ refresh: true, operations });
  assert.equal(response.errors, false, JSON.stringify(response.items));
}

test('reindex: created, then updated, then a conflict with op_type=create (reindex/10_basic.yml)', async () => {
  await seed(admin, 'basic-src', { '1': { text: 'test' } });
  const created = await call('POST', '/_reindex', { source: { index: 'basic-src' }, dest: { index: 'basic-dest' } });
  assert.equal(created.status, 200);
  assert.deepEqual(Object.keys(created.body), [
    'took', 'timed_out', 'total', 'updated', 'created', 'deleted', 'batches', 'version_conflicts', 'noops', 'retries', 'throttled_millis', 'requests_per_second', 'throttled_until_millis', 'failures',
  ]);
  assert.deepEqual(
    [created.body.total, created.body.created, created.body.updated, created.body.deleted, created.body.batches, created.body.version_conflicts, created.body.throttled_millis, created.body.requests_per_second],
    [1, 1, 0, 0, 1, 0, 0, -1],
  );
  assert.deepEqual(created.body.failures, []);
  assert.equal(created.body.task, undefined);
  assert.deepEqual((await admin.get({ index: 'basic-dest', id: '1' }))._source, { text: 'test' });
  const updated = await call('POST', '/_reindex', { source: { index: 'basic-src' }, dest: { index: 'basic-dest' } });
  assert.deepEqual([updated.body.created, updated.body.updated], [0, 1]);
  const conflict = await call('POST', '/_reindex', { source: { index: 'basic-src' }, dest: { index: 'basic-dest', op_type: 'create' } });
  assert.equal(conflict.status, 409);
  assert.deepEqual([conflict.body.created, conflict.body.updated, conflict.body.version_conflicts, conflict.body.batches], [0, 0, 1, 1]);
  const failure = conflict.body.failures[0];
  assert.deepEqual([failure.index, failure.id, failure.status, failure.cause.type, failure.cause.index], ['basic-dest', '1', 409, 'version_conflict_engine_exception', 'basic-dest']);
  assert.match(failure.cause.reason, /\[1\]: version conflict, document already exists \(current version \[\d+\]\)/);
  const proceed = await call('POST', '/_reindex', { conflicts: 'proceed', source: { index: 'basic-src' }, dest: { index: 'basic-dest', op_type: 'create' } });
  assert.equal(proceed.status, 200);
  assert.deepEqual([proceed.body.created, proceed.body.version_conflicts, proceed.body.failures], [0, 1, []]);
});

test('reindex: query, max_docs, _source filtering, deprecated size and sort with warnings (reindex/30_search.yml)', async () => {
  await seed(admin, 'search-src', { '1': { text: 'test', order: 1, filtered: 'removed' }, '2': { text: 'junk', order: 2 }, '3': { text: 'test', order: 3 } });
  const byQuery = await call('POST', '/_reindex?refresh=true', { source: { index: 'search-src', query: { match: { text: 'test' } }, _source: { excludes: ['filtered'] } }, dest: { index: 'search-q' } });
  assert.deepEqual([byQuery.status, byQuery.body.created], [200, 2]);
  assert.equal((await admin.count({ index: 'search-q' })).count, 2);
  assert.deepEqual((await admin.get({ index: 'search-q', id: '1' }))._source, { text: 'test', order: 1 });
  const limited = await call('POST', '/_reindex?refresh=true&max_docs=1', { source: { index: 'search-src' }, dest: { index: 'search-max' } });
  assert.deepEqual([limited.body.total, limited.body.created], [1, 1]);
  const sorted = await call('POST', '/_reindex?refresh=true', { size: 1, source: { index: 'search-src', sort: { order: 'desc' } }, dest: { index: 'search-sorted' } });
  assert.equal(sorted.body.created, 1);
  assert.equal((await admin.get({ index: 'search-sorted', id: '3' })).found, true);
  const warning = String(sorted.headers['warning']);
  assert.match(warning, /Deprecated field \[size\] used, expected \[max_docs\] instead/);
  assert.match(warning, /The sort option in reindex is deprecated/);
  const batches = await call('POST', '/_reindex', { source: { index: 'search-src', size: 1 }, dest: { index: 'search-batches' } });
  assert.deepEqual([batches.body.created, batches.body.batches], [3, 3]);
});

test('reindex: routing keep, discard and =value; version_type external (reindex/50_routing.yml, 40_versioning.yml)', async () => {
  await seed(admin, 'route-src', { '1': { text: 'test' } }, { '1': 'foo' });
  await call('POST', '/_reindex?refresh=true', { source: { index: 'route-src' }, dest: { index: 'route-keep' } });
  assert.equal((await admin.get({ index: 'route-keep', id: '1', routing: 'foo' }))._routing, 'foo');
  await call('POST', '/_reindex?refresh=true', { source: { index: 'route-src' }, dest: { index: 'route-discard', routing: 'discard' } });
  assert.equal((await admin.get({ index: 'route-discard', id: '1' }))._routing, undefined);
  await call('POST', '/_reindex?refresh=true', { source: { index: 'route-src' }, dest: { index: 'route-set', routing: '=cat' } });
  assert.equal((await admin.get({ index: 'route-set', id: '1', routing: 'cat' }))._routing, 'cat');
  const badRouting = await call('POST', '/_reindex', { source: { index: 'route-src' }, dest: { index: 'x', routing: 'junk' } });
  assert.deepEqual([badRouting.status, badRouting.body.error.type], [400, 'illegal_argument_exception']);

  await seed(admin, 'version-src', { '1': { v: 'source' } });
  await admin.index({ index: 'version-src', id: '1', document: { v: 'source2' }, refresh: true }); // _version 2
  await admin.index({ index: 'version-dest', id: '1', document: { v: 'dest' }, version: 5, version_type: 'external', refresh: true });
  const older = await call('POST', '/_reindex', { conflicts: 'proceed', source: { index: 'version-src' }, dest: { index: 'version-dest', version_type: 'external' } });
  assert.deepEqual([older.body.updated, older.body.version_conflicts], [0, 1]);
  await admin.index({ index: 'version-newer', id: '1', document: { v: 'dest' }, version: 1, version_type: 'external', refresh: true });
  const newer = await call('POST', '/_reindex', { source: { index: 'version-src' }, dest: { index: 'version-newer', version_type: 'external' } });
  assert.equal(newer.body.updated, 1);
  assert.equal((await admin.get({ index: 'version-newer', id: '1' }))._version, 2);
});

test('reindex: refusals before any write (reindex/20_validation.yml, 85_scripting.yml broken script)', async () => {
  await seed(admin, 'refuse-src', { '1': { text: 'test' } });
  const self = await call('POST', '/_reindex', { source: { index: 'refuse-src' }, dest: { index: 'refuse-src' } });
  assert.deepEqual([self.status, self.body.error.type], [400, 'action_request_validation_exception']);
  assert.match(self.body.error.reason, /reindex cannot write into an index its reading from \[refuse-src\]/);
  const script = await call('POST', '/_reindex', { source: { index: 'refuse-src' }, dest: { index: 'refuse-d' }, script: { lang: 'painless', source: 'syntax errors are fun!' } });
  assert.deepEqual([script.status, script.body.error.type, script.body.error.reason], [400, 'script_exception', 'compile error']);
  const missing = await call('POST', '/_reindex', { source: { index: 'no-such-index' }, dest: { index: 'refuse-d' } });
  assert.deepEqual([missing.status, missing.body.error.type], [404, 'index_not_found_exception']);
  const rps = await call('POST', '/_reindex?requests_per_second=0', { source: { index: 'refuse-src' }, dest: { index: 'refuse-d' } });
  assert.equal(rps.status, 400);
  assert.equal((await admin.indices.exists({ index: 'refuse-d' })), false);
  const junk = await call('POST', '/_reindex', { junk: {} });
  assert.equal(junk.status, 400);
  assert.match(junk.body.error.reason, /unknown field \[junk\]/);
});

test('reindex and update by query with a script: modify, route, noop, delete, another index, automatic id (reindex/85_scripting.yml, update_by_query/80_scripting.yml)', async () => {
  await seed(admin, 'twitter', { '1': { user: 'kimchy' }, '2': { user: 'foo' } });
  const modified = await call('POST', '/_reindex?refresh=true', {
    source: { index: 'twitter' },
    dest: { index: 'new_twitter' },
    script: { lang: 'painless', source: 'if (ctx._source.user == "kimchy") {ctx._source.user = "not" + ctx._source.user; ctx._routing = ctx._source.user} else {ctx.op = "noop"}' },
  });
  assert.deepEqual([modified.status, modified.body.created, modified.body.noops], [200, 1, 1]);
  assert.equal((await admin.get({ index: 'new_twitter', id: '1', routing: 'notkimchy' }))._source!['user' as never], 'notkimchy');
  assert.equal((await admin.count({ index: 'new_twitter' })).count, 1);
  const allNoop = await call('POST', '/_reindex', { source: { index: 'twitter' }, dest: { index: 'never_created' }, script: { source: 'ctx.op = "noop"' } });
  assert.deepEqual([allNoop.body.updated, allNoop.body.noops], [0, 2]);
  assert.equal(await admin.indices.exists({ index: 'never_created' }), false);
  const moved = await call('POST', '/_reindex?refresh=true', { source: { index: 'twitter' }, dest: { index: 'moved_main' }, script: { source: "if (ctx._source.user == 'kimchy') {ctx._index = 'moved_other'}" } });
  assert.equal(moved.body.created, 2);
  assert.deepEqual([(await admin.count({ index: 'moved_main' })).count, (await admin.count({ index: 'moved_other' })).count], [1, 1]);
  const autoId = await call('POST', '/_reindex?refresh=true', { source: { index: 'twitter' }, dest: { index: 'auto_ids' }, script: { source: 'ctx._id = null' } });
  assert.equal(autoId.body.created, 2);
  const ids = (await admin.search({ index: 'auto_ids' })).hits.hits.map((hit) => hit._id);
  assert.equal(ids.includes('1') || ids.includes('2'), false);

  await seed(admin, 'index1', { '1': { lang: 'en', id: 123 }, '2': { lang: 'en', id: 456 }, '3': { lang: 'fr', id: 789 } });
  await seed(admin, 'index2', { fr_789: { lang: 'fr', id: 789 }, en_123: { lang: 'en', id: 123 } });
  const replaced = await call('POST', '/_reindex?refresh=true', {
    source: { index: 'index1' },
    dest: { index: 'index2' },
    script: { source: "ctx._id = ctx._source.lang + '_' + ctx._source.id; if (ctx._source.lang != 'en') {ctx.op = 'delete'}" },
  });
  assert.deepEqual([replaced.body.created, replaced.body.updated, replaced.body.deleted, replaced.body.noops], [1, 1, 1, 0]);
  const docs = (await admin.mget({ index: 'index2', ids: ['en_123', 'en_456', 'fr_789'] })).docs as { found: boolean; _version?: number }[];
  assert.deepEqual(docs.map((doc) => [doc.found, doc._version]), [[true, 2], [true, 1], [false, undefined]]);

  // With external versions, `ctx._version = null` forces the write (reindex/85_scripting.yml "Set version to null").
  await admin.index({ index: 'vtwitter', id: '1', document: { user: 'kimchy' }, version: 1, version_type: 'external', refresh: true });
  await admin.index({ index: 'new_vtwitter', id: '1', document: { user: 'kimchy' }, version: 1, version_type: 'external', refresh: true });
  const forced = await call('POST', '/_reindex?refresh=true', { source: { index: 'vtwitter' }, dest: { index: 'new_vtwitter', version_type: 'external' }, script: { source: 'ctx._source.user = "other" + ctx._source.user; ctx._version = null' } });
  assert.deepEqual([forced.status, forced.body.updated, forced.body.noops], [200, 1, 0]);
  assert.equal((await admin.get({ index: 'new_vtwitter', id: '1' }))._source!['user' as never], 'otherkimchy');
  const kept = await call('POST', '/_reindex', { conflicts: 'proceed', source: { index: 'vtwitter' }, dest: { index: 'new_vtwitter', version_type: 'external' }, script: { source: 'ctx._version = 1' } });
  assert.deepEqual([kept.body.updated, kept.body.version_conflicts], [0, 1]);

  await seed(admin, 'counters', { '1': { count: 1, user: 'kimchy' }, '2': { count: 5, user: 'foo' } });
  const counted = await call('POST', '/counters/_update_by_query?refresh=true', { script: { source: "if (ctx._source.user == 'kimchy') {ctx._source.count += params.by} else {ctx.op = 'noop'}", params: { by: 2 } } });
  assert.deepEqual([counted.status, counted.body.updated, counted.body.noops], [200, 1, 1]);
  assert.equal((await admin.get({ index: 'counters', id: '1' }))._source!['count' as never], 3);
  assert.equal((await admin.get({ index: 'counters', id: '2' }))._version, 1);
  const deletedByScript = await call('POST', '/counters/_update_by_query?refresh=true', { script: "if (ctx._source.user == 'foo') {ctx.op = 'delete'}" });
  assert.deepEqual([deletedByScript.body.updated, deletedByScript.body.deleted], [1, 1]);
  assert.equal((await admin.count({ index: 'counters' })).count, 1);
  const readOnly = await call('POST', '/counters/_update_by_query', { script: "ctx._index = 'elsewhere'" });
  assert.deepEqual([readOnly.status, readOnly.body.error.type], [400, 'script_exception']);
});

test('ingest pipelines: dest.pipeline, the destination default pipeline, update by query pipeline (docs-reindex.html#reindex-with-an-ingest-pipeline)', async () => {
  await seed(admin, 'pipe-src', { '1': { text: 'test' } });
  await admin.ingest.putPipeline({ id: 'tag-reindexed', processors: [{ set: { field: 'reindexed', value: true } }] });
  await admin.ingest.putPipeline({ id: 'tag-default', processors: [{ set: { field: 'defaulted', value: true } }] });
  const named = await call('POST', '/_reindex?refresh=true', { source: { index: 'pipe-src' }, dest: { index: 'pipe-named', pipeline: 'tag-reindexed' } });
  assert.deepEqual([named.status, named.body.created], [200, 1]);
  assert.deepEqual((await admin.get({ index: 'pipe-named', id: '1' }))._source, { text: 'test', reindexed: true });
  await admin.indices.create({ index: 'pipe-default', settings: { 'index.default_pipeline': 'tag-default' } });
  await call('POST', '/_reindex?refresh=true', { source: { index: 'pipe-src' }, dest: { index: 'pipe-default' } });
  assert.deepEqual((await admin.get({ index: 'pipe-default', id: '1' }))._source, { text: 'test', defaulted: true });
  const missing = await call('POST', '/_reindex', { source: { index: 'pipe-src' }, dest: { index: 'pipe-missing', pipeline: 'no-such-pipeline' } });
  assert.equal(missing.status, 400);
  assert.match(missing.body.failures[0].cause.reason, /pipeline with id \[no-such-pipeline\] does not exist/);
  const byQuery = await call('POST', '/pipe-src/_update_by_query?refresh=true&pipeline=tag-reindexed');
  assert.deepEqual([byQuery.status, byQuery.body.updated], [200, 1]);
  assert.deepEqual((await admin.get({ index: 'pipe-src', id: '1' }))._source, { text: 'test', reindexed: true });
});

test('reindex: wait_for_active_shards beyond the copies one node holds fails after the timeout (reindex/60_wait_for_active_shards.yml)', async () => {
  await seed(admin, 'active-src', { '1': { text: 'test' } });
  await admin.indices.create({ index: 'active-dest', settings: { number_of_replicas: 5 } });
  const started = Date.now();
  const failed = await call('POST', '/_reindex?timeout=1s&wait_for_active_shards=4', { source: { index: 'active-src' }, dest: { index: 'active-dest' } });
  assert.equal(failed.status, 503);
  assert.ok(Date.now() - started >= 900);
  assert.match(failed.body.failures[0].cause.reason, /Not.enough.active.copies.to.meet.shard.count.of.\[4\].\(have.1,.needed.4\)\..Timeout:.\[1s\],.request:.+/);
  const ok = await call('POST', '/_reindex?wait_for_active_shards=1', { source: { index: 'active-src' }, dest: { index: 'active-dest' } });
  assert.deepEqual([ok.status, ok.body.created, ok.body.failures], [200, 1, []]);
});

test('reindex: slices split the work, each slice reported, total summed (reindex/80_slices.yml)', async () => {
  await seed(admin, 'slice-src', Object.fromEntries(Array.from({ length: 20 }, (_, index) => [String(index), { text: 'test', n: index }])));
  const sliced = await call('POST', '/_reindex?slices=5&refresh=true', { source: { index: 'slice-src' }, dest: { index: 'slice-dest' } });
  assert.equal(sliced.status, 200);
  assert.deepEqual([sliced.body.total, sliced.body.created, sliced.body.updated, sliced.body.failures], [20, 20, 0, []]);
  assert.equal(sliced.body.slices.length, 5);
  assert.deepEqual(sliced.body.slices.map((slice: any) => slice.slice_id), [0, 1, 2, 3, 4]);
  assert.equal(sliced.body.slices.reduce((sum: number, slice: any) => sum + slice.created, 0), 20);
  assert.equal((await admin.count({ index: 'slice-dest' })).count, 20);
  // auto: one slice per shard of the source (one here), so no slices are listed.
  const auto = await call('POST', '/_reindex?slices=auto', { source: { index: 'slice-src' }, dest: { index: 'slice-auto' } });
  assert.deepEqual([auto.body.created, auto.body.slices], [20, undefined]);
  // max_docs is shared among the slices.
  const limited = await call('POST', '/_reindex?slices=2&max_docs=4&refresh=true', { source: { index: 'slice-src' }, dest: { index: 'slice-max' } });
  assert.equal(limited.body.created, 4);
  const manual = await call('POST', '/_reindex?refresh=true', { source: { index: 'slice-src', slice: { id: 0, max: 2 } }, dest: { index: 'slice-manual' } });
  const other = await call('POST', '/_reindex?refresh=true', { source: { index: 'slice-src', slice: { id: 1, max: 2 } }, dest: { index: 'slice-manual' } });
  assert.equal(manual.body.created + other.body.created, 20);
  assert.equal(manual.body.updated + other.body.updated, 0);
});

test('reindex as a task: wait_for_completion=false, GET /_tasks/{id} with status and the kept response (reindex/10_basic.yml, 80_slices.yml)', async () => {
  await seed(admin, 'task-src', { '1': { text: 'test' }, '2': { text: 'test' }, '3': { text: 'test' }, '4': { text: 'test' } });
  const started = await call('POST', '/_reindex?wait_for_completion=false&slices=2', { source: { index: 'task-src' }, dest: { index: 'task-dest' } });
  assert.equal(started.status, 200);
  assert.match(started.body.task, /^.+:\d+$/);
  assert.deepEqual(Object.keys(started.body), ['task']);
  const done = await call('GET', `/_tasks/${started.body.task}?wait_for_completion=true&timeout=30s`);
  assert.equal(done.status, 200);
  assert.equal(done.body.completed, true);
  assert.deepEqual([done.body.response.total, done.body.response.created, done.body.response.updated, done.body.response.failures], [4, 4, 0, []]);
  assert.equal(done.body.response.slices.length, 2);
  assert.equal(done.body.task.action, 'indices:data/write/reindex');
  assert.equal(done.body.task.description, 'reindex from [task-src] to [task-dest]');
  assert.deepEqual([done.body.task.status.total, done.body.task.status.created, done.body.task.status.slices.length], [4, 4, 2]);
  // The result is kept after the task has finished (in node.db: the last test restarts the node and reads it again).
  const again = await call('GET', `/_tasks/${started.body.task}`);
  assert.deepEqual([again.status, again.body.completed, again.body.response.created], [200, true, 4]);
  keptTaskId = started.body.task;
});

test('the official client: reindex, tasks.get, reindexRethrottle, deleteByQueryRethrottle (docs-reindex.html, tasks.html)', async () => {
  await seed(admin, 'client-src', { '1': { text: 'a' }, '2': { text: 'b' } });
  const copied = await admin.reindex({ source: { index: 'client-src' }, dest: { index: 'client-dest' }, refresh: true });
  assert.deepEqual([copied.created, copied.total, copied.failures], [2, 2, []]);
  const started = await admin.reindex({ source: { index: 'client-src', size: 1 }, dest: { index: 'client-slow' }, requests_per_second: 0.00000001, wait_for_completion: false });
  const rethrottled = await admin.reindexRethrottle({ task_id: String(started.task), requests_per_second: -1 });
  assert.ok(rethrottled.nodes !== undefined);
  const done = await admin.tasks.get({ task_id: String(started.task), wait_for_completion: true, timeout: '30s' });
  assert.equal(done.completed, true);
  assert.equal((done.response as { created: number }).created, 2);
  const deleting = await admin.deleteByQuery({ index: 'client-dest', query: { match_all: {} }, scroll_size: 1, requests_per_second: 0.00000001, wait_for_completion: false });
  await admin.deleteByQueryRethrottle({ task_id: String(deleting.task), requests_per_second: -1 });
  const deleted = await admin.tasks.get({ task_id: String(deleting.task), wait_for_completion: true, timeout: '30s' });
  assert.equal((deleted.response as { deleted: number }).deleted, 2);
});

test('throttling: requests_per_second waits between batches; rethrottle to -1 finishes at once (reindex/70_throttle.yml)', async () => {
  await seed(admin, 'throttle-src', { '1': { text: 'test' }, '2': { text: 'test' }, '3': { text: 'test' } });
  const throttled = await call('POST', '/_reindex?requests_per_second=1', { source: { index: 'throttle-src', size: 1 }, dest: { index: 'throttle-dest' } });
  assert.deepEqual([throttled.body.created, throttled.body.batches], [3, 3]);
  assert.ok(throttled.body.throttled_millis > 1000 && throttled.body.throttled_millis < 4000, String(throttled.body.throttled_millis));
  assert.ok(throttled.body.took >= 1000);
  assert.equal(throttled.body.requests_per_second, 1);

  const slow = await call('POST', '/_reindex?requests_per_second=0.00000001&wait_for_completion=false', { source: { index: 'throttle-src', size: 1 }, dest: { index: 'throttle-slow' } }, { 'X-Opaque-Id': 'reindex-opaque' });
  const taskId = slow.body.task as string;
  const listed = await call('GET', '/_tasks?actions=*reindex&detailed');
  const node = Object.values(listed.body.nodes as Record<string, any>)[0];
  const info = node.tasks[taskId];
  assert.equal(info.action, 'indices:data/write/reindex');
  assert.equal(info.cancellable, true);
  assert.equal(info.headers['X-Opaque-Id'], 'reindex-opaque');
  assert.equal(info.status.requests_per_second, 0.00000001);
  assert.equal(info.status.batches, 1);
  assert.ok(info.status.throttled_until_millis > 0);
  const rethrottled = await call('POST', `/_reindex/${taskId}/_rethrottle?requests_per_second=-1`);
  assert.equal(rethrottled.status, 200);
  assert.equal(Object.values(rethrottled.body.nodes as Record<string, any>)[0].tasks[taskId].status.requests_per_second, -1);
  const finished = await call('GET', `/_tasks/${taskId}?wait_for_completion=true&timeout=30s`);
  assert.deepEqual([finished.body.completed, finished.body.response.created, finished.body.response.requests_per_second], [true, 3, -1]);
  const gone = await call('POST', `/_reindex/${taskId}/_rethrottle?requests_per_second=-1`);
  assert.equal(gone.body.task_failures[0].status, 'NOT_FOUND');

  // Sliced: the parent's rate is shared by its slices; rethrottling the parent rethrottles them (80_slices.yml).
  await seed(admin, 'throttle-sliced', Object.fromEntries(Array.from({ length: 6 }, (_, index) => [String(index), { text: 'test' }])));
  const sliced = await call('POST', '/_reindex?slices=2&requests_per_second=0.0001&wait_for_completion=false', { source: { index: 'throttle-sliced', size: 1 }, dest: { index: 'throttle-sliced-dest' } });
  const slicedId = sliced.body.task as string;
  const children = await call('GET', `/_tasks?parent_task_id=${slicedId}&detailed`);
  const childInfos = Object.values(Object.values(children.body.nodes as Record<string, any>)[0].tasks as Record<string, any>);
  assert.equal(childInfos.length, 2);
  assert.deepEqual(childInfos.map((child) => child.status.requests_per_second), [0.00005, 0.00005]);
  await call('POST', `/_reindex/${slicedId}/_rethrottle?requests_per_second=-1`);
  const slicedDone = await call('GET', `/_tasks/${slicedId}?wait_for_completion=true&timeout=30s`);
  assert.deepEqual([slicedDone.body.response.total, slicedDone.body.response.created, slicedDone.body.response.slices.length], [6, 6, 2]);
  assert.deepEqual([slicedDone.body.task.status.created, slicedDone.body.task.status.slices.length], [6, 2]);
});

test('cancel: POST /_tasks/{id}/_cancel stops a reindex between batches; its result says canceled (tasks.html)', async () => {
  await seed(admin, 'cancel-src', { '1': { text: 'test' }, '2': { text: 'test' }, '3': { text: 'test' } });
  const slow = await call('POST', '/_reindex?requests_per_second=0.00000001&wait_for_completion=false', { source: { index: 'cancel-src', size: 1 }, dest: { index: 'cancel-dest' } });
  const taskId = slow.body.task as string;
  const cancelled = await call('POST', `/_tasks/${taskId}/_cancel?wait_for_completion=true`);
  assert.equal(cancelled.status, 200);
  const result = await call('GET', `/_tasks/${taskId}`);
  assert.equal(result.body.completed, true);
  assert.deepEqual([result.body.response.created, result.body.response.canceled], [1, 'by user request']);
});

test('_update_by_query and _delete_by_query: counters, conflicts, tasks and rethrottle (update_by_query/10_basic.yml, delete_by_query/10_basic.yml)', async () => {
  await seed(admin, 'byq', { '1': { kind: 'old' }, '2': { kind: 'new' }, '3': { kind: 'old' } });
  const updated = await call('POST', '/byq/_update_by_query?refresh=true');
  assert.equal(updated.status, 200);
  assert.deepEqual(Object.keys(updated.body), [
    'took', 'timed_out', 'total', 'updated', 'deleted', 'batches', 'version_conflicts', 'noops', 'retries', 'throttled_millis', 'requests_per_second', 'throttled_until_millis', 'failures',
  ]);
  assert.deepEqual([updated.body.total, updated.body.updated, updated.body.version_conflicts], [3, 3, 0]);
  assert.equal((await admin.get({ index: 'byq', id: '1' }))._version, 2);
  // A document changed since the last refresh conflicts with what the search saw.
  await admin.index({ index: 'byq', id: '2', document: { kind: 'newer' } });
  const conflict = await call('POST', '/byq/_update_by_query', { query: { term: { 'kind.keyword': 'new' } } });
  assert.deepEqual([conflict.status, conflict.body.version_conflicts, conflict.body.failures[0].cause.type], [409, 1, 'version_conflict_engine_exception']);
  const proceed = await call('POST', '/byq/_update_by_query?conflicts=proceed', { query: { term: { 'kind.keyword': 'new' } } });
  assert.deepEqual([proceed.status, proceed.body.updated, proceed.body.version_conflicts], [200, 0, 1]);
  await admin.indices.refresh({ index: 'byq' });

  const slow = await call('POST', '/byq/_update_by_query?requests_per_second=0.00000001&scroll_size=1&wait_for_completion=false');
  const taskId = slow.body.task as string;
  const rethrottled = await call('POST', `/_update_by_query/${taskId}/_rethrottle?requests_per_second=-1`);
  assert.equal(rethrottled.status, 200);
  const finished = await call('GET', `/_tasks/${taskId}?wait_for_completion=true&timeout=30s`);
  assert.deepEqual([finished.body.completed, finished.body.response.updated], [true, 3]);
  assert.equal(finished.body.task.action, 'indices:data/write/update/byquery');
  assert.equal(finished.body.task.description, 'update-by-query [byq]');

  await admin.indices.refresh({ index: 'byq' });
  const deleted = await call('POST', '/byq/_delete_by_query?refresh=true&wait_for_completion=false', { query: { term: { 'kind.keyword': 'old' } } });
  const deleteDone = await call('GET', `/_tasks/${deleted.body.task}?wait_for_completion=true&timeout=30s`);
  assert.deepEqual([deleteDone.body.response.deleted, deleteDone.body.response.total], [2, 2]);
  assert.equal('created' in deleteDone.body.response, true); // the kept task status lists every counter
  assert.equal((await admin.count({ index: 'byq' })).count, 1);
  const noQuery = await call('POST', '/byq/_delete_by_query');
  assert.deepEqual([noQuery.status, noQuery.body.error.type], [400, 'action_request_validation_exception']);
});

test('security: the reindex reads as the caller (read on source) and writes as the caller (write on dest)', async () => {
  await seed(admin, 'sec-src', { '1': { text: 'test' } });
  await seed(admin, 'sec-secret', { '1': { text: 'secret' } });
  await admin.security.putRole({ name: 'reindexer', indices: [{ names: ['sec-src'], privileges: ['read'] }, { names: ['sec-dest*'], privileges: ['write', 'create_index'] }] });
  await admin.security.putUser({ username: 'reindexer', password: 'reindexer-password', roles: ['reindexer'] });
  const auth = { authorization: `Basic ${Buffer.from('reindexer:reindexer-password').toString('base64')}` };
  const allowed = await call('POST', '/_reindex', { source: { index: 'sec-src' }, dest: { index: 'sec-dest' } }, auth);
  assert.deepEqual([allowed.status, allowed.body.created], [200, 1]);
  const unreadable = await call('POST', '/_reindex', { source: { index: 'sec-secret' }, dest: { index: 'sec-dest' } }, auth);
  assert.deepEqual([unreadable.status, unreadable.body.error.type], [403, 'security_exception']);
  const unwritable = await call('POST', '/_reindex', { source: { index: 'sec-src' }, dest: { index: 'sec-other' } }, auth);
  assert.equal(unwritable.status, 403);
  assert.equal(unwritable.body.failures[0].cause.type, 'security_exception');
  assert.equal(await admin.indices.exists({ index: 'sec-other' }), false);
  // Document and field level security apply to what the reindex reads, as to any search of the caller.
  await seed(admin, 'sec-dls', { '1': { text: 'visible', secret: 's1' }, '2': { text: 'hidden', secret: 's2' } });
  await admin.security.putRole({
    name: 'reindexer_dls',
    indices: [{ names: ['sec-dls'], privileges: ['read'], query: { term: { 'text.keyword': 'visible' } }, field_security: { grant: ['text'] } }, { names: ['sec-dest*'], privileges: ['write', 'create_index'] }],
  });
  await admin.security.putUser({ username: 'dls_reindexer', password: 'dls-reindexer-password', roles: ['reindexer_dls'] });
  const dlsAuth = { authorization: `Basic ${Buffer.from('dls_reindexer:dls-reindexer-password').toString('base64')}` };
  const restricted = await call('POST', '/_reindex?refresh=true', { source: { index: 'sec-dls' }, dest: { index: 'sec-dest-dls' } }, dlsAuth);
  assert.deepEqual([restricted.status, restricted.body.created], [200, 1]);
  assert.deepEqual((await admin.get({ index: 'sec-dest-dls', id: '1' }))._source, { text: 'visible' });
});

test('reindex from a remote Strait over HTTPS: basic auth, API key header, query, _source, max_docs, routing (reindex/90_remote.yml)', async () => {
  await seed(remoteAdmin, 'remote-src', { '1': { text: 'test', filtered: 'removed' }, '2': { text: 'test2' }, '3': { text: 'test' } }, { '3': 'foo' });
  const basic = await call('POST', '/_reindex?refresh=true', {
    source: { remote: { host: `https://${remoteHost}`, username: 'elastic', password: REMOTE_PASSWORD, socket_timeout: '1m', connect_timeout: '10s' }, index: 'remote-src', _source: { excludes: ['filtered'] } },
    dest: { index: 'from-remote' },
  });
  assert.equal(basic.status, 200, JSON.stringify(basic.body));
  assert.deepEqual([basic.body.created, basic.body.batches, basic.body.failures], [3, 1, []]);
  assert.deepEqual((await admin.get({ index: 'from-remote', id: '1' }))._source, { text: 'test' });
  assert.equal((await admin.get({ index: 'from-remote', id: '3', routing: 'foo' }))._routing, 'foo');

  const key = await remoteAdmin.security.createApiKey({ name: 'reindex-reader' });
  const apiKey = await call('POST', '/_reindex?refresh=true&max_docs=1', {
    source: { remote: { host: `https://${remoteHost}`, headers: { Authorization: `ApiKey ${key.encoded}` } }, index: 'remote-src', query: { match: { text: 'test2' } } },
    dest: { index: 'from-remote-key' },
  });
  assert.deepEqual([apiKey.status, apiKey.body.created], [200, 1]);
  assert.equal((await admin.get({ index: 'from-remote-key', id: '2' })).found, true);

  const batches = await call('POST', '/_reindex', { source: { remote: { host: `https://${remoteHost}`, username: 'elastic', password: REMOTE_PASSWORD }, index: 'remote-src', size: 1 }, dest: { index: 'from-remote-batches' } });
  assert.deepEqual([batches.body.created, batches.body.batches], [3, 3]);
});

test('reindex from remote: not whitelisted, unreachable, bad credentials; credentials never shown (reindex/20_validation.yml, 90_remote.yml)', async () => {
  const notListed = await call('POST', '/_reindex', { source: { remote: { host: 'http://badremote:9200' }, index: 'test' }, dest: { index: 'dest' } });
  assert.deepEqual([notListed.status, notListed.body.error.type, notListed.body.error.reason], [400, 'illegal_argument_exception', '[badremote:9200] not whitelisted in reindex.remote.whitelist']);
  const unreachable = await call('POST', '/_reindex', { source: { remote: { host: 'http://127.0.0.1:1', connect_timeout: '5s' }, index: 'test' }, dest: { index: 'dest-unreachable' } });
  // Elasticsearch answers 500; the remote is the request's own, so Strait answers 400.
  assert.deepEqual([unreachable.status, unreachable.body.error.type], [400, 'connect_exception']);
  // A remote that accepts the connection and never answers: socket_timeout ends the wait.
  const silent = net.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const started = Date.now();
    const timedOut = await call('POST', '/_reindex', { source: { remote: { host: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, socket_timeout: '1s' }, index: 'test' }, dest: { index: 'dest-silent' } });
    assert.deepEqual([timedOut.status, timedOut.body.error.type], [400, 'socket_timeout_exception']);
    assert.ok(Date.now() - started < 10_000);
  } finally {
    silent.close();
  }
  // A remote that is not Elasticsearch (a body that is not JSON, or JSON without hits) is the
  // request's mistake: a 400 naming the address, never a 5xx.
  for (const answer of ['hello, I am a web page', '{"took":1}']) {
    const impostor = http.createServer((_request, response) => response.end(answer));
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    try {
      const port = (impostor.address() as AddressInfo).port;
      const refused = await call('POST', '/_reindex', { source: { remote: { host: `http://127.0.0.1:${port}` }, index: 'test' }, dest: { index: 'dest-impostor' } });
      assert.deepEqual([refused.status, refused.body.error.type], [400, 'illegal_state_exception'], answer);
      assert.match(refused.body.error.reason, new RegExp(`^remote \\[127\\.0\\.0\\.1:${port}\\] answered`), answer);
    } finally {
      impostor.close();
    }
  }
  const secret = 'not-the-password-77';
  const wrong = await call('POST', '/_reindex', { source: { remote: { host: `https://${remoteHost}`, username: 'elastic', password: secret }, index: 'remote-src' }, dest: { index: 'dest-wrong' } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error.type, 'security_exception');
  assert.equal(JSON.stringify(wrong.body).includes(secret), false);
  const key = 'c2VjcmV0LWtleS1pZDpzZWNyZXQta2V5';
  const badKey = await call('POST', '/_reindex', { source: { remote: { host: `https://${remoteHost}`, headers: { Authorization: `ApiKey ${key}` } }, index: 'remote-src' }, dest: { index: 'dest-wrong' } });
  assert.equal(badKey.status, 401);
  assert.equal(JSON.stringify(badKey.body).includes(key), false);

  // A running remote reindex: its description and status name the host, never the credentials.
  const slow = await call('POST', '/_reindex?requests_per_second=0.00000001&wait_for_completion=false', {
    source: { remote: { host: `https://${remoteHost}`, username: 'elastic', password: REMOTE_PASSWORD, headers: { 'X-Custom': 'hidden-header-value' } }, index: 'remote-src', size: 1 },
    dest: { index: 'from-remote-slow' },
  });
  const taskId = slow.body.task as string;
  const running = await call('GET', `/_tasks/${taskId}`);
  const text = JSON.stringify(running.body);
  assert.match(running.body.task.description, /^reindex from \[scheme=https host=127\.0\.0\.1 port=\d+\]\[remote-src\] to \[from-remote-slow\]$/);
  for (const hidden of [REMOTE_PASSWORD, 'hidden-header-value', 'elastic']) assert.equal(text.includes(hidden), false, hidden);
  await call('POST', `/_tasks/${taskId}/_cancel?wait_for_completion=true`);
  const listed = JSON.stringify((await call('GET', '/_tasks?detailed=true&actions=*reindex')).body);
  assert.equal(listed.includes(REMOTE_PASSWORD), false);
  for (const line of local.logs) {
    assert.equal(line.includes(REMOTE_PASSWORD), false, 'the password reached the log');
    assert.equal(line.includes(secret), false, 'the password reached the log');
  }
});

test('reindex follows action.auto_create_index for its destination (reindex/25_no_auto_create.yml)', async () => {
  await seed(admin, 'autocreate-src', { '1': { text: 'test' } });
  try {
    await admin.cluster.putSettings({ persistent: { 'action.auto_create_index': false } });
    const off = await call('POST', '/_reindex', { source: { index: 'autocreate-src' }, dest: { index: 'autocreate-dest' } });
    assert.equal(off.status, 404);
    assert.match(JSON.stringify(off.body), /no such index \[autocreate-dest\] and \[action.auto_create_index\] is \[false\]/);
    await admin.cluster.putSettings({ persistent: { 'action.auto_create_index': 'autocreate-src,-autocreate-dest' } });
    const forbidden = await call('POST', '/_reindex', { source: { index: 'autocreate-src' }, dest: { index: 'autocreate-dest' } });
    assert.match(JSON.stringify(forbidden.body), /no such index \[autocreate-dest\] and \[action.auto_create_index\] contains \[-autocreate-dest\] which forbids automatic creation of the index/);
    assert.equal(await admin.indices.exists({ index: 'autocreate-dest' }), false);
  } finally {
    await admin.cluster.putSettings({ persistent: { 'action.auto_create_index': null } });
  }
});

/**
 * An HTTPS endpoint that only checks TLS: it requires a client certificate from the harness CA,
 * records who presented it, and answers the two scroll requests a reindex sends.
 */
async function tlsCheckingSource(certificateName: string, dns: string): Promise<{ port: number; clients: string[]; close: () => Promise<void> }> {
  // The remote node's certificate (localhost, 127.0.0.1) serves as is; another host name needs its own.
  let dir = path.join(remote.configDir, 'certs');
  if (dns !== 'localhost') {
    dir = makeTempDir('strait-tls-source-');
    const made = runCli(['certutil', 'cert', '--ca-cert', ca.caCert, '--ca-key', ca.caKey, '--name', certificateName, '--dns', dns, '--out', dir]);
    assert.equal(made.status, 0, made.stderr);
  }
  const clients: string[] = [];
  const server = https.createServer(
    { key: readFileSync(path.join(dir, `${certificateName}.key`)), cert: readFileSync(path.join(dir, `${certificateName}.crt`)), ca: ca.caPem, requestCert: true, rejectUnauthorized: true },
    (request, response) => {
      clients.push(String((request.socket as TLSSocket).getPeerCertificate().subject?.CN));
      request.resume();
      const first = request.url?.includes('/_search?') === true;
      const body = request.method === 'DELETE' ? { succeeded: true, num_freed: 1 } : { _scroll_id: 'scroll-1', hits: { total: { value: 1, relation: 'eq' }, hits: first ? [{ _index: 'tls-src', _id: 'tls-1', _version: 1, _source: { over: 'mutual tls' } }] : [] } };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, clients, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test('reindex.ssl.*: the remote certificate is verified (host name included) and the client certificate is presented (docs-reindex.html#reindex-ssl)', async () => {
  const trusted = await tlsCheckingSource('node', 'localhost');
  try {
    const copied = await call('POST', '/_reindex?refresh=true', { source: { remote: { host: `https://127.0.0.1:${trusted.port}` }, index: 'tls-src' }, dest: { index: 'from-tls' } });
    assert.deepEqual([copied.status, copied.body.created], [200, 1], JSON.stringify(copied.body));
    assert.deepEqual((await admin.get({ index: 'from-tls', id: 'tls-1' }))._source, { over: 'mutual tls' });
    assert.ok(trusted.clients.length >= 2 && trusted.clients.every((name) => name === 'node'), trusted.clients.join(','));
  } finally {
    await trusted.close();
  }
  // verification_mode full: a certificate for another host name is refused before anything is sent.
  const mismatched = await tlsCheckingSource('elsewhere', 'other.example');
  try {
    const refused = await call('POST', '/_reindex', { source: { remote: { host: `https://127.0.0.1:${mismatched.port}` }, index: 'tls-src' }, dest: { index: 'from-tls-mismatch' } });
    assert.equal(refused.body.error.type, 'connect_exception');
    assert.deepEqual(mismatched.clients, []);
  } finally {
    await mismatched.close();
  }
});

test('a kept task result outlives a node restart; new tasks do not reuse its id (tasks.html, the .tasks index)', async () => {
  assert.ok(keptTaskId !== undefined);
  // A throttled reindex still running does not hold the node up when it stops: closing cancels it.
  const slow = await call('POST', '/_reindex?requests_per_second=0.00000001&wait_for_completion=false', { source: { index: 'task-src', size: 1 }, dest: { index: 'task-slow' } });
  assert.match(slow.body.task, /:\d+$/);
  const stopStarted = Date.now();
  local = await local.restart();
  assert.ok(Date.now() - stopStarted < 20_000);
  admin = local.client();
  const kept = await call('GET', `/_tasks/${keptTaskId}`);
  assert.deepEqual([kept.status, kept.body.completed, kept.body.response.created, kept.body.task.description], [200, true, 4, 'reindex from [task-src] to [task-dest]']);
  const next = await call('POST', '/_reindex?wait_for_completion=false', { source: { index: 'task-src' }, dest: { index: 'task-after-restart' } });
  assert.notEqual(next.body.task, keptTaskId);
  const done = await call('GET', `/_tasks/${next.body.task}?wait_for_completion=true`);
  assert.equal(done.body.response.created, 4);
});
