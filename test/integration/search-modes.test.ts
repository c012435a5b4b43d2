// Issue 11 §2, every search mode across clusters: async search (submit, get, status, delete;
// wait_for_completion_timeout, keep_on_completion, keep_alive; owner checks), locally and across
// clusters in both security models, through the official client.
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/async-search.html
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { makeCa, REMOTE_CLUSTER_CLIENT_YAML, REMOTE_CLUSTER_SERVER_YAML, startNode, type StartedNode } from '../harness/cluster.js';
import { failure, remoteConnected } from '../harness/wait.js';

let fc: StartedNode;
let qc: StartedNode;
let fcAdmin: Client;
let qcAdmin: Client;

type AsyncBody = {
  id?: string;
  is_running: boolean;
  is_partial: boolean;
  start_time_in_millis: number;
  expiration_time_in_millis: number;
  completion_time_in_millis?: number;
  response: { hits: { total?: { value: number }; hits: { _index: string; _id: string }[] }; _clusters?: { total: number; successful: number } };
};

before(async () => {
  const ca = makeCa();
  [fc, qc] = await Promise.all([
    // `rcd` and `rkd` (below) lose the first answer of every scroll page on a real connection (test-only fault injection).
    startNode({ ca, clusterName: 'fulfilling', nodeName: 'fc-1', yaml: `${REMOTE_CLUSTER_SERVER_YAML}\nstrait.test.remote.scroll_disconnect_aliases: [rcd, rkd]`, faultInjection: true }),
    startNode({ ca, clusterName: 'querying', nodeName: 'qc-1', yaml: REMOTE_CLUSTER_CLIENT_YAML }),
  ]);
  fcAdmin = fc.client();
  qcAdmin = qc.client();
  await fcAdmin.bulk({ refresh: true, operations: ['alpha one', 'alpha two', 'beta three'].flatMap((text, i) => [{ index: { _index: 'index1', _id: `r${i}` } }, { text, n: i + 10 }]) });
  await qcAdmin.bulk({ refresh: true, operations: ['alpha local', 'beta local'].flatMap((text, i) => [{ index: { _index: 'local1', _id: `l${i}` } }, { text, n: i }]) });
  await qcAdmin.security.putRole({ name: 'local_reader', indices: [{ names: ['local1'], privileges: ['read'] }] });
  await qcAdmin.security.putUser({ username: 'bob', password: 'bob-password', roles: ['local_reader'] });
  await qcAdmin.security.putUser({ username: 'carol', password: 'carol-password', roles: ['local_reader'] });
  // Certificate model (sniff) as `rc`, API key model (proxy) as `rk`.
  const key = await fcAdmin.security.createCrossClusterApiKey({ name: 'for-qc', access: { search: [{ names: ['index1'] }] } });
  qc.keystoreAdd('cluster.remote.rk.credentials', key.encoded);
  qc.keystoreAdd('cluster.remote.rkd.credentials', key.encoded);
  await qcAdmin.nodes.reloadSecureSettings();
  await qcAdmin.cluster.putSettings({
    persistent: {
      'cluster.remote.rc.seeds': [fc.transportAddress],
      'cluster.remote.rc.skip_unavailable': false,
      'cluster.remote.rk.mode': 'proxy',
      'cluster.remote.rk.proxy_address': fc.remoteClusterAddress!,
      'cluster.remote.rk.skip_unavailable': false,
      // The same cluster again under aliases whose scroll pages the remote answers only when asked twice.
      'cluster.remote.rcd.seeds': [fc.transportAddress],
      'cluster.remote.rcd.skip_unavailable': false,
      'cluster.remote.rkd.mode': 'proxy',
      'cluster.remote.rkd.proxy_address': fc.remoteClusterAddress!,
      'cluster.remote.rkd.skip_unavailable': false,
    },
  });
  await Promise.all(['rc', 'rk', 'rcd', 'rkd'].map((alias) => remoteConnected(qcAdmin, alias)));
});

after(async () => {
  await Promise.all([fc?.destroy(), qc?.destroy()]);
});

// ------------------------------------------------------------------ async search, one cluster

test('async search: a search finished within wait_for_completion_timeout is answered without an id and not kept', async () => {
  const result = (await qcAdmin.asyncSearch.submit({ index: 'local1', query: { match: { text: 'alpha' } } })) as unknown as AsyncBody;
  assert.equal(result.id, undefined);
  assert.equal(result.is_running, false);
  assert.equal(result.is_partial, false);
  assert.ok(result.completion_time_in_millis! >= result.start_time_in_millis);
  // keep_alive default 5d
  assert.equal(result.expiration_time_in_millis - result.start_time_in_millis, 5 * 24 * 3600 * 1000);
  assert.deepEqual(result.response.hits.hits.map((hit) => hit._id), ['l0']);
});

test('async search: keep_on_completion stores the answer; get, status and delete', async () => {
  const submitted = (await qcAdmin.asyncSearch.submit({ index: 'local1', keep_on_completion: true, keep_alive: '1h', sort: [{ n: 'asc' }] })) as unknown as AsyncBody;
  assert.equal(typeof submitted.id, 'string');
  assert.equal(submitted.is_running, false);
  assert.equal(submitted.expiration_time_in_millis - submitted.start_time_in_millis, 3600_000);
  const sync = await qcAdmin.search({ index: 'local1', sort: [{ n: 'asc' }] });
  const got = (await qcAdmin.asyncSearch.get({ id: submitted.id! })) as unknown as AsyncBody;
  assert.equal(got.id, submitted.id);
  assert.deepEqual(got.response.hits.hits, sync.hits.hits);
  const status = (await qcAdmin.asyncSearch.status({ id: submitted.id! })) as unknown as Record<string, unknown>;
  assert.equal(status['is_running'], false);
  assert.equal(status['completion_status'], 200);
  assert.deepEqual(status['_shards'], { total: 1, successful: 1, skipped: 0, failed: 0 });
  // get with keep_alive renews the expiration
  const renewed = (await qcAdmin.asyncSearch.get({ id: submitted.id!, keep_alive: '2h' })) as unknown as AsyncBody;
  assert.ok(renewed.expiration_time_in_millis >= submitted.start_time_in_millis + 2 * 3600_000);
  assert.deepEqual(await qcAdmin.asyncSearch.delete({ id: submitted.id! }), { acknowledged: true });
  const gone = await failure(qcAdmin.asyncSearch.get({ id: submitted.id! }));
  assert.deepEqual([gone.status, gone.type, gone.reason], [404, 'resource_not_found_exception', submitted.id]);
});

test('async search: wait_for_completion_timeout=0 answers while running; get waits for the result', async () => {
  const submitted = (await qcAdmin.asyncSearch.submit({ index: 'local1', wait_for_completion_timeout: '0s', query: { match: { text: 'beta' } } })) as unknown as AsyncBody;
  assert.equal(submitted.is_running, true);
  assert.equal(submitted.is_partial, true);
  assert.equal(typeof submitted.id, 'string');
  assert.equal(submitted.completion_time_in_millis, undefined);
  const got = (await qcAdmin.asyncSearch.get({ id: submitted.id!, wait_for_completion_timeout: '10s' })) as unknown as AsyncBody;
  assert.equal(got.is_running, false);
  assert.deepEqual(got.response.hits.hits.map((hit) => hit._id), ['l1']);
});

test('async search: a failed search is kept with its error and completion_status', async () => {
  const submitted = (await qcAdmin.asyncSearch.submit({ index: 'missing-index', keep_on_completion: true, wait_for_completion_timeout: '0s' })) as unknown as AsyncBody;
  const error = await failure(qcAdmin.asyncSearch.get({ id: submitted.id!, wait_for_completion_timeout: '10s' }));
  const status = (await qcAdmin.asyncSearch.status({ id: submitted.id! })) as unknown as Record<string, unknown>;
  assert.equal(status['is_running'], false);
  assert.equal(status['completion_status'], 404);
  assert.deepEqual([error.status, error.type], [404, 'index_not_found_exception']);
});

test('async search: keep_alive expires the stored answer', async () => {
  const submitted = (await qcAdmin.asyncSearch.submit({ index: 'local1', keep_on_completion: true, keep_alive: '1s' })) as unknown as AsyncBody;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const gone = await failure(qcAdmin.asyncSearch.get({ id: submitted.id! }));
  assert.equal(gone.status, 404);
});

test('async search: only the submitter reads or deletes it; cancel_task and monitor holders may delete or watch', async () => {
  const bob = qc.client({ username: 'bob', password: 'bob-password' });
  const carol = qc.client({ username: 'carol', password: 'carol-password' });
  const submitted = (await bob.asyncSearch.submit({ index: 'local1', keep_on_completion: true })) as unknown as AsyncBody;
  assert.equal((await bob.asyncSearch.get({ id: submitted.id! }) as unknown as AsyncBody).response.hits.hits.length, 2);
  for (const call of [() => carol.asyncSearch.get({ id: submitted.id! }), () => carol.asyncSearch.status({ id: submitted.id! }), () => carol.asyncSearch.delete({ id: submitted.id! })]) {
    const refused = await failure(call());
    assert.deepEqual([refused.status, refused.type], [404, 'resource_not_found_exception']);
  }
  // The superuser holds monitor and cancel_task, but is not the owner: no results for it.
  assert.equal((await failure(qcAdmin.asyncSearch.get({ id: submitted.id! }))).status, 404);
  assert.equal(((await qcAdmin.asyncSearch.status({ id: submitted.id! })) as unknown as Record<string, unknown>)['is_running'], false);
  assert.deepEqual(await qcAdmin.asyncSearch.delete({ id: submitted.id! }), { acknowledged: true });
  assert.equal((await failure(bob.asyncSearch.get({ id: submitted.id! }))).status, 404);
});

test('async search: bad parameters and ids are 400s', async () => {
  const short = await failure(qcAdmin.asyncSearch.submit({ index: 'local1', keep_alive: '500ms' }));
  assert.deepEqual([short.status, short.type], [400, 'action_request_validation_exception']);
  assert.match(short.reason, /\[keep_alive\] must be greater or equal to \[1s\]/);
  const scroll = await failure(qcAdmin.transport.request({ method: 'POST', path: '/local1/_async_search', querystring: { scroll: '1m' } }));
  assert.deepEqual([scroll.status, scroll.type], [400, 'action_request_validation_exception']);
  const bad = await failure(qcAdmin.asyncSearch.get({ id: 'not-an-id' }));
  assert.deepEqual([bad.status, bad.type, bad.reason], [400, 'illegal_argument_exception', 'invalid id: [not-an-id]']);
  const query = await failure(qcAdmin.asyncSearch.submit({ index: 'local1', query: { no_such_query: {} } as never }));
  assert.equal(query.status, 400);
});

// ------------------------------------------------------------------ async search across clusters

for (const alias of ['rc', 'rk'] as const) {
  const model = alias === 'rc' ? 'certificate model' : 'API key model';
  test(`async search across clusters (${model}): same hits as _search, _clusters in the response and the status`, async () => {
    const request = { index: `local1,${alias}:index1`, query: { match: { text: 'alpha' } }, sort: [{ n: 'asc' as const }] };
    const sync = await qcAdmin.search(request);
    const submitted = (await qcAdmin.asyncSearch.submit({ ...request, keep_on_completion: true, wait_for_completion_timeout: '10s' })) as unknown as AsyncBody;
    assert.equal(submitted.is_running, false);
    assert.deepEqual(submitted.response.hits.hits.map((hit) => hit._index), ['local1', `${alias}:index1`, `${alias}:index1`]);
    assert.deepEqual(submitted.response.hits.hits, sync.hits.hits);
    assert.equal(submitted.response._clusters?.successful, 2);
    const status = (await qcAdmin.asyncSearch.status({ id: submitted.id! })) as unknown as Record<string, { successful: number }>;
    assert.equal(status['_clusters']?.successful, 2);
    await qcAdmin.asyncSearch.delete({ id: submitted.id! });
  });

  test(`async search across clusters (${model}): delete while running forgets it`, async () => {
    const submitted = (await qcAdmin.asyncSearch.submit({ index: `${alias}:index1`, wait_for_completion_timeout: '0s' })) as unknown as AsyncBody;
    assert.equal(submitted.is_running, true);
    assert.deepEqual(await qcAdmin.asyncSearch.delete({ id: submitted.id! }), { acknowledged: true });
    assert.equal((await failure(qcAdmin.asyncSearch.get({ id: submitted.id! }))).status, 404);
  });
}

// ------------------------------------------------------------------ scroll across clusters

for (const alias of ['rc', 'rk'] as const) {
  const model = alias === 'rc' ? 'certificate model' : 'API key model';
  test(`scroll across clusters (${model}): pages merge every cluster's hits in order; clear_scroll frees the contexts`, async () => {
    const index = `local1,${alias}:index1`;
    const all = await qcAdmin.search({ index, sort: [{ n: 'desc' }], size: 10 });
    const first = await qcAdmin.search({ index, scroll: '1m', size: 2, sort: [{ n: 'desc' }], aggs: { top: { max: { field: 'n' } } } });
    assert.equal((first.hits.total as { value: number }).value, 5);
    assert.equal((first.aggregations!['top'] as { value: number }).value, 12);
    assert.equal(first._clusters?.total, 2);
    const seen = [...first.hits.hits];
    let scrollId = first._scroll_id!;
    for (let round = 0; round < 5; round++) {
      const page = await qcAdmin.scroll({ scroll_id: scrollId, scroll: '1m' });
      assert.equal(page.aggregations, undefined);
      seen.push(...page.hits.hits);
      scrollId = page._scroll_id!;
    }
    assert.deepEqual(seen, all.hits.hits);
    assert.deepEqual(seen.map((hit) => hit._index), [`${alias}:index1`, `${alias}:index1`, `${alias}:index1`, 'local1', 'local1']);
    const cleared = await qcAdmin.clearScroll({ scroll_id: scrollId });
    assert.deepEqual(cleared, { succeeded: true, num_freed: 2 });
    const missing = await failure(qcAdmin.scroll({ scroll_id: scrollId, scroll: '1m' }));
    assert.deepEqual([missing.status, missing.type], [404, 'search_phase_execution_exception']);
  });

  test(`scroll across clusters (${model}): clear_scroll frees the remote cluster's context; a context gone there fails the next page`, async () => {
    const opened = await qcAdmin.search({ index: `${alias}:index1`, scroll: '1m', size: 1, sort: [{ n: 'asc' }] });
    assert.deepEqual(await qcAdmin.clearScroll({ scroll_id: opened._scroll_id! }), { succeeded: true, num_freed: 1 });
    // Nothing left open on the remote cluster.
    assert.deepEqual(await fcAdmin.clearScroll({ scroll_id: '_all' }), { succeeded: true, num_freed: 0 });
    const again = await qcAdmin.search({ index: `${alias}:index1`, scroll: '1m', size: 1, sort: [{ n: 'asc' }] });
    assert.deepEqual(await fcAdmin.clearScroll({ scroll_id: '_all' }), { succeeded: true, num_freed: 1 });
    const gone = await failure(qcAdmin.scroll({ scroll_id: again._scroll_id!, scroll: '1m' }));
    assert.equal(gone.status, 404);
    assert.match(gone.reason, /all shards failed|No search context found/);
    // Another user cannot use or clear someone else's cross-cluster scroll.
    const third = await qcAdmin.search({ index: `${alias}:index1`, scroll: '1m', size: 1 });
    const bob = qc.client({ username: 'bob', password: 'bob-password' });
    assert.equal((await failure(bob.scroll({ scroll_id: third._scroll_id!, scroll: '1m' }))).status, 404);
    // Elasticsearch answers a clear that freed nothing with 404 and `num_freed: 0`.
    const notBobs = await bob.clearScroll({ scroll_id: third._scroll_id! }, { ignore: [404], meta: true });
    assert.deepEqual([notBobs.statusCode, notBobs.body], [404, { succeeded: true, num_freed: 0 }]);
    await qcAdmin.clearScroll({ scroll_id: third._scroll_id! });
  });
}

// A scroll page whose answer is lost with its connection after the remote advanced its scroll:
// the page is asked again from the same offset and answered again, so no hit is skipped (the
// rule: no silent data loss; Elasticsearch would fail the page, and a client's retry would get
// the next one). The remote computes every page, then closes the connection instead of answering
// it the first time (strait.test.remote.scroll_disconnect_aliases, a real socket closed).
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/paginate-search-results.html#scroll-search-results
for (const alias of ['rcd', 'rkd'] as const) {
  const model = alias === 'rcd' ? 'certificate model' : 'API key model';
  test(`scroll across clusters (${model}): a page lost with its connection is answered again, every hit seen exactly once`, async () => {
    const index = `local1,${alias}:index1`;
    const all = await qcAdmin.search({ index, sort: [{ n: 'desc' }], size: 10 });
    assert.equal(all.hits.hits.length, 5);
    const dropped = (): number => fc.logs.filter((line) => line.includes('closing the connection instead of answering a computed scroll page')).length;
    const droppedBefore = dropped();
    const first = await qcAdmin.search({ index, scroll: '1m', size: 1, sort: [{ n: 'desc' }] });
    const seen = [...first.hits.hits];
    let scrollId = first._scroll_id!;
    const failures: unknown[] = [];
    for (let round = 0; round < 10 && failures.length < 5; round++) {
      try {
        const page = await qcAdmin.scroll({ scroll_id: scrollId, scroll: '1m' });
        if (page.hits.hits.length === 0) break;
        seen.push(...page.hits.hits);
        scrollId = page._scroll_id!;
      } catch (error) {
        // What a careful client does with a failed page: ask for it again with the same id.
        failures.push(error);
      }
    }
    assert.deepEqual(seen.map((hit) => hit._id), all.hits.hits.map((hit) => hit._id));
    assert.deepEqual(seen, all.hits.hits);
    // The remote's three later pages (offsets 1, 2 and the empty 3) each lost their first answer; the client saw none of it.
    assert.equal(dropped() - droppedBefore, 3);
    assert.deepEqual(failures, []);
    assert.deepEqual(await qcAdmin.clearScroll({ scroll_id: scrollId }), { succeeded: true, num_freed: 2 });
    assert.deepEqual(await fcAdmin.clearScroll({ scroll_id: '_all' }), { succeeded: true, num_freed: 0 });
  });
}

// ------------------------------------------------------------------ point in time, one cluster
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/point-in-time-api.html

test('point in time: searches see the documents as they were when it opened; search_after pages; close frees it', async () => {
  await qcAdmin.bulk({ refresh: true, operations: [1, 2, 3].flatMap((n) => [{ index: { _index: 'pit1', _id: `p${n}` } }, { n }]) });
  const pit = await qcAdmin.openPointInTime({ index: 'pit1', keep_alive: '1m' });
  assert.equal(typeof pit.id, 'string');
  assert.deepEqual(pit._shards, { total: 1, successful: 1, skipped: 0, failed: 0 });
  await qcAdmin.index({ index: 'pit1', id: 'p4', document: { n: 4 }, refresh: true });
  await qcAdmin.delete({ index: 'pit1', id: 'p1', refresh: true });
  assert.deepEqual((await qcAdmin.search({ index: 'pit1', sort: [{ n: 'asc' }] })).hits.hits.map((hit) => hit._id), ['p2', 'p3', 'p4']);
  const first = await qcAdmin.search({ pit: { id: pit.id, keep_alive: '1m' }, sort: [{ n: 'asc' }], size: 2 });
  assert.equal(first.pit_id, pit.id);
  assert.deepEqual(first.hits.hits.map((hit) => [hit._index, hit._id]), [['pit1', 'p1'], ['pit1', 'p2']]);
  const second = await qcAdmin.search({ pit: { id: pit.id }, sort: [{ n: 'asc' }], size: 2, search_after: first.hits.hits[1]!.sort! });
  assert.deepEqual(second.hits.hits.map((hit) => hit._id), ['p3']);
  assert.equal((second.hits.total as { value: number }).value, 3);
  const count = await qcAdmin.search({ pit: { id: pit.id }, size: 0, aggs: { top: { max: { field: 'n' } } } });
  assert.equal((count.aggregations!['top'] as { value: number }).value, 3);

  assert.deepEqual(await qcAdmin.closePointInTime({ id: pit.id }), { succeeded: true, num_freed: 1 });
  const gone = await failure(qcAdmin.search({ pit: { id: pit.id }, size: 1 }));
  assert.deepEqual([gone.status, gone.type], [404, 'search_phase_execution_exception']);
  const again = await qcAdmin.closePointInTime({ id: pit.id }, { ignore: [404], meta: true });
  assert.deepEqual([again.statusCode, again.body], [404, { succeeded: true, num_freed: 0 }]);
});

test('point in time: keep_alive is required; an index next to pit, a scroll with pit and a bad id are 400s', async () => {
  const noKeepAlive = await failure(qcAdmin.transport.request({ method: 'POST', path: '/pit1/_pit' }));
  assert.deepEqual([noKeepAlive.status, noKeepAlive.type], [400, 'action_request_validation_exception']);
  const pit = await qcAdmin.openPointInTime({ index: 'pit1', keep_alive: '1m' });
  const withIndex = await failure(qcAdmin.search({ index: 'pit1', pit: { id: pit.id } }));
  assert.deepEqual([withIndex.status, withIndex.type], [400, 'action_request_validation_exception']);
  assert.match(withIndex.reason, /\[indices\] cannot be used with point in time/);
  const scroll = await failure(qcAdmin.search({ scroll: '1m', pit: { id: pit.id } }));
  assert.deepEqual([scroll.status, scroll.type], [400, 'action_request_validation_exception']);
  const bad = await failure(qcAdmin.search({ pit: { id: 'nope' } }));
  assert.deepEqual([bad.status, bad.type, bad.reason], [400, 'illegal_argument_exception', 'invalid id: [nope]']);
  const tooLong = await failure(qcAdmin.openPointInTime({ index: 'pit1', keep_alive: '2d' }));
  assert.equal(tooLong.status, 400);
  await qcAdmin.closePointInTime({ id: pit.id });
});

test('point in time: every search through it is authorized on its indices for the caller', async () => {
  const bob = qc.client({ username: 'bob', password: 'bob-password' });
  assert.equal((await failure(bob.openPointInTime({ index: 'pit1', keep_alive: '1m' }))).status, 403);
  const pit = await qcAdmin.openPointInTime({ index: 'pit1', keep_alive: '1m' });
  assert.equal((await failure(bob.search({ pit: { id: pit.id } }))).status, 403);
  assert.equal((await failure(bob.closePointInTime({ id: pit.id }))).status, 403);
  const own = await bob.openPointInTime({ index: 'local1', keep_alive: '1m' });
  assert.equal((await bob.search({ pit: { id: own.id } })).hits.hits.length, 2);
  await bob.closePointInTime({ id: own.id });
  await qcAdmin.closePointInTime({ id: pit.id });
});

// ------------------------------------------------------------------ point in time across clusters

for (const alias of ['rc', 'rk'] as const) {
  const model = alias === 'rc' ? 'certificate model' : 'API key model';
  test(`point in time across clusters (${model}): open over alias:index, search the pinned snapshots of every cluster, close on every cluster`, async () => {
    const index = `local1,${alias}:index1`;
    const pit = await qcAdmin.openPointInTime({ index, keep_alive: '1m' });
    assert.deepEqual(pit._shards, { total: 2, successful: 2, skipped: 0, failed: 0 });
    await fcAdmin.index({ index: 'index1', id: 'late', document: { text: 'alpha late', n: 99 }, refresh: true });
    try {
      assert.equal((await qcAdmin.search({ index, size: 0 })).hits.total && ((await qcAdmin.search({ index, size: 0 })).hits.total as { value: number }).value, 6);
      const through = await qcAdmin.search({ pit: { id: pit.id, keep_alive: '1m' }, sort: [{ n: 'desc' }], size: 10 });
      assert.equal(through.pit_id, pit.id);
      assert.equal((through.hits.total as { value: number }).value, 5);
      assert.deepEqual(through.hits.hits.map((hit) => hit._index), [`${alias}:index1`, `${alias}:index1`, `${alias}:index1`, 'local1', 'local1']);
      assert.equal(through._clusters?.total, 2);
      // search_after pages through the same pinned view
      const page = await qcAdmin.search({ pit: { id: pit.id }, sort: [{ n: 'desc' }], size: 2, search_after: through.hits.hits[1]!.sort! });
      assert.deepEqual(page.hits.hits.map((hit) => hit._id), through.hits.hits.slice(2, 4).map((hit) => hit._id));
      const withIndex = await failure(qcAdmin.search({ index: 'local1', pit: { id: pit.id } }));
      assert.deepEqual([withIndex.status, withIndex.type], [400, 'action_request_validation_exception']);
      assert.deepEqual(await qcAdmin.closePointInTime({ id: pit.id }), { succeeded: true, num_freed: 2 });
      const gone = await failure(qcAdmin.search({ pit: { id: pit.id } }));
      assert.equal(gone.status, 404);
      const again = await qcAdmin.closePointInTime({ id: pit.id }, { ignore: [404], meta: true });
      assert.deepEqual([again.statusCode, again.body], [404, { succeeded: true, num_freed: 0 }]);
    } finally {
      await fcAdmin.delete({ index: 'index1', id: 'late', refresh: true });
    }
  });
}

test('cross-cluster search: a local part that fails while a remote part fails too answers the local error (the node keeps running)', async () => {
  await qcAdmin.indices.create({ index: 'closed-local' });
  await qcAdmin.indices.close({ index: 'closed-local' });
  const both = await failure(qcAdmin.search({ index: 'closed-local,rc:no-such-remote' }));
  assert.deepEqual([both.status, both.type], [400, 'index_closed_exception']);
  assert.equal((await qcAdmin.search({ index: 'local1' })).hits.hits.length, 2);
});

// ------------------------------------------------------------------ ccs_minimize_roundtrips=false

for (const alias of ['rc', 'rk'] as const) {
  const model = alias === 'rc' ? 'certificate model' : 'API key model';
  test(`ccs_minimize_roundtrips=false (${model}): the coordinator reduces every shard itself; the answer equals the minimized mode's`, async () => {
    const index = `local1,${alias}:index1`;
    const requests = [
      { query: { match: { text: 'alpha' } } },
      { sort: [{ n: 'desc' as const }], from: 1, size: 2 },
      { query: { match_all: {} }, size: 0, aggs: { top: { max: { field: 'n' } }, terms: { terms: { field: 'text.keyword' } } } },
      { query: { match: { text: 'beta' } }, sort: [{ n: 'asc' as const }], size: 10, _source: ['n'] },
    ];
    for (const request of requests) {
      const minimized = await qcAdmin.search({ index, ...request });
      const unminimized = await qcAdmin.search({ index, ...request, ccs_minimize_roundtrips: false });
      assert.deepEqual(unminimized.hits, minimized.hits, JSON.stringify(request));
      assert.deepEqual(unminimized.aggregations, minimized.aggregations);
      assert.deepEqual(unminimized._shards, minimized._shards);
      assert.equal(unminimized._clusters?.successful, 2);
      // One reduce over all shards here, where the minimized mode reduces on each cluster and once more.
      assert.equal(minimized.num_reduce_phases, 3);
      assert.equal(unminimized.num_reduce_phases, undefined);
    }
    // Errors too: 404 through the certificate model, 403 where the API key does not cover the name.
    const missing = await failure(qcAdmin.search({ index: `${alias}:no-such-index`, ccs_minimize_roundtrips: false }));
    const minimizedMissing = await failure(qcAdmin.search({ index: `${alias}:no-such-index` }));
    assert.deepEqual([missing.status, missing.type], [minimizedMissing.status, minimizedMissing.type]);
    assert.equal(missing.status, alias === 'rc' ? 404 : 403);
  });
}

test('async search honours ccs_minimize_roundtrips=false and a cross-cluster point in time', async () => {
  const index = 'local1,rc:index1';
  const sync = await qcAdmin.search({ index, sort: [{ n: 'asc' }] });
  const unminimized = (await qcAdmin.asyncSearch.submit({ index, sort: [{ n: 'asc' }], ccs_minimize_roundtrips: false, wait_for_completion_timeout: '10s' })) as unknown as AsyncBody & {
    response: { num_reduce_phases?: number };
  };
  assert.deepEqual(unminimized.response.hits.hits, sync.hits.hits);
  assert.equal(unminimized.response.num_reduce_phases, undefined);
  const pit = await qcAdmin.openPointInTime({ index, keep_alive: '1m' });
  const through = (await qcAdmin.asyncSearch.submit({ pit: { id: pit.id }, sort: [{ n: 'asc' }], wait_for_completion_timeout: '10s' })) as unknown as AsyncBody;
  // The same hits; through a point in time each also sorts by the implicit `_shard_doc` tiebreaker.
  const withoutTiebreaker = (hits: typeof sync.hits.hits) => hits.map((hit) => ({ ...hit, sort: hit.sort?.slice(0, 1) }));
  assert.deepEqual(withoutTiebreaker(through.response.hits.hits as typeof sync.hits.hits), withoutTiebreaker(sync.hits.hits));
  assert.ok(through.response.hits.hits.every((hit) => (hit as { sort?: unknown[] }).sort?.length === 2), 'the tiebreaker is there');
  await qcAdmin.closePointInTime({ id: pit.id });
});

test('scroll across clusters: an unreachable remote with skip_unavailable=true is skipped, one without fails the scroll', async () => {
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.gone.seeds': ['127.0.0.1:1'], 'cluster.remote.gone.skip_unavailable': true } });
  try {
    const first = await qcAdmin.search({ index: 'local1,gone:index1', scroll: '1m', size: 1, sort: [{ n: 'asc' }] });
    assert.deepEqual(first.hits.hits.map((hit) => hit._id), ['l0']);
    assert.equal(first._clusters?.skipped, 1);
    assert.equal(first._clusters?.details?.['gone']?.status, 'skipped');
    const next = await qcAdmin.scroll({ scroll_id: first._scroll_id!, scroll: '1m' });
    assert.deepEqual(next.hits.hits.map((hit) => hit._id), ['l1']);
    assert.deepEqual(await qcAdmin.clearScroll({ scroll_id: first._scroll_id! }), { succeeded: true, num_freed: 1 });
    await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.gone.skip_unavailable': false } });
    const refused = await failure(qcAdmin.search({ index: 'local1,gone:index1', scroll: '1m', size: 1 }));
    assert.ok(refused.status >= 400);
    // The local context opened before the remote failed is freed, not left to expire.
    assert.deepEqual(await qcAdmin.clearScroll({ scroll_id: '_all' }), { succeeded: true, num_freed: 0 });
  } finally {
    await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.gone.seeds': null, 'cluster.remote.gone.skip_unavailable': null } });
  }
});
