// Issue 11: kept async search results survive a node restart. Elasticsearch stores them in the
// `.async-search` system index, so `GET /_async_search/{id}` and `GET /_async_search/status/{id}`
// answer after a restart until `keep_alive` passes, `DELETE` removes them, and only the submitter
// (the same user of the same realm, or the same API key) reads them: anyone else, and any id whose
// result is absent (expired, deleted, or a search that was still running when the node stopped),
// gets 404 resource_not_found_exception.
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/async-search.html
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { failure } from '../harness/wait.js';

type AsyncBody = {
  id?: string;
  is_running: boolean;
  is_partial: boolean;
  start_time_in_millis: number;
  expiration_time_in_millis: number;
  completion_time_in_millis?: number;
  response: { hits: { hits: { _id: string }[] } };
};

let node: StartedNode;
let admin: Client;
let bob: Client;
let carol: Client;
let bobKey: Client;
let bobKeyEncoded: string | undefined;

/** Clients for the node (again after each restart: its HTTP port changes). */
function connect(): void {
  admin = node.client();
  bob = node.client({ username: 'bob', password: 'bob-password' });
  carol = node.client({ username: 'carol', password: 'carol-password' });
  if (bobKeyEncoded !== undefined) bobKey = node.client({ apiKey: bobKeyEncoded });
}

// Each search waits 2s per shard (test-only setting), so one submitted with
// wait_for_completion_timeout=0s is still running when the node is stopped right after.
before(async () => {
  node = await startNode({ yaml: 'strait.test.search.shard_delay: 2s', faultInjection: true });
  connect();
  await admin.bulk({ refresh: true, operations: ['alpha one', 'alpha two', 'beta three'].flatMap((text, i) => [{ index: { _index: 'docs', _id: `d${i}` } }, { text, n: i }]) });
  await admin.security.putRole({ name: 'docs_reader', cluster: ['manage_own_api_key'], indices: [{ names: ['docs*'], privileges: ['read'] }] });
  await admin.security.putUser({ username: 'bob', password: 'bob-password', roles: ['docs_reader'] });
  await admin.security.putUser({ username: 'carol', password: 'carol-password', roles: ['docs_reader'] });
  bobKeyEncoded = (await bob.security.createApiKey({ name: 'bob-key' })).encoded;
  connect();
});

after(async () => {
  await node?.destroy();
});

test('kept async search results survive a restart: same answer and status; owners only; delete and expiry hold; a running search is gone', async () => {
  const submit = async (client: Client, params: Record<string, unknown>): Promise<AsyncBody> =>
    (await client.asyncSearch.submit({ index: 'docs', sort: [{ n: 'asc' }], wait_for_completion_timeout: '30s', keep_on_completion: true, keep_alive: '1h', ...params })) as unknown as AsyncBody;
  const kept = await submit(bob, { query: { match: { text: 'alpha' } } });
  const toDelete = await submit(bob, {});
  const shortLived = await submit(bob, { keep_alive: '3s' });
  const byKey = await submit(bobKey, {});
  const failedKept = (await bob.transport.request(
    { method: 'POST', path: '/docs-missing/_async_search', querystring: { wait_for_completion_timeout: '30s', keep_on_completion: 'true' } },
    { ignore: [404] },
  )) as unknown as { id: string; error: { type: string } };
  assert.equal(failedKept.error.type, 'index_not_found_exception');
  assert.equal(kept.is_running, false);
  assert.deepEqual(kept.response.hits.hits.map((hit) => hit._id), ['d0', 'd1']);
  const keptGet = await bob.asyncSearch.get({ id: kept.id! });
  // The submitter may ask the status without `monitor`.
  const keptStatus = await bob.asyncSearch.status({ id: kept.id! });
  const running = (await bob.asyncSearch.submit({ index: 'docs', wait_for_completion_timeout: '0s', keep_alive: '1h' })) as unknown as AsyncBody;
  assert.equal(running.is_running, true);

  node = await node.restart();
  connect();

  // The same answer (is_running false, same hits, same times) and status, from the stored result.
  assert.deepEqual(await bob.asyncSearch.get({ id: kept.id! }), keptGet);
  assert.deepEqual(await bob.asyncSearch.status({ id: kept.id! }), keptStatus);
  const keptAfter = (await bob.asyncSearch.get({ id: kept.id! })) as unknown as AsyncBody;
  assert.deepEqual([keptAfter.id, keptAfter.is_running, keptAfter.is_partial], [kept.id, false, false]);
  assert.deepEqual(keptAfter.response.hits.hits.map((hit) => hit._id), ['d0', 'd1']);
  // A failed search reads back with its error and status.
  const failedAfter = await failure(bob.asyncSearch.get({ id: failedKept.id }));
  assert.deepEqual([failedAfter.status, failedAfter.type], [404, 'index_not_found_exception']);
  assert.equal(((await bob.asyncSearch.status({ id: failedKept.id })) as unknown as Record<string, unknown>)['completion_status'], 404);

  // Ownership holds after the restart: another user, and bob's own API key, see no such search.
  for (const call of [() => carol.asyncSearch.get({ id: kept.id! }), () => carol.asyncSearch.status({ id: kept.id! }), () => carol.asyncSearch.delete({ id: kept.id! }), () => bobKey.asyncSearch.get({ id: kept.id! })]) {
    const refused = await failure(call());
    assert.deepEqual([refused.status, refused.type, refused.reason], [404, 'resource_not_found_exception', kept.id]);
  }
  // What an API key submitted is that key's: the key reads it, the user who made the key does not.
  assert.equal(((await bobKey.asyncSearch.get({ id: byKey.id! })) as unknown as AsyncBody).response.hits.hits.length, 3);
  assert.equal((await failure(bob.asyncSearch.get({ id: byKey.id! }))).status, 404);
  // The superuser holds `monitor`: it sees the status, but not the results.
  assert.equal(((await admin.asyncSearch.status({ id: kept.id! })) as unknown as Record<string, unknown>)['is_running'], false);
  assert.equal((await failure(admin.asyncSearch.get({ id: kept.id! }))).status, 404);

  // A keep_alive renewal after the restart is kept.
  const renewed = (await bob.asyncSearch.get({ id: kept.id!, keep_alive: '2h' })) as unknown as AsyncBody;
  assert.ok(renewed.expiration_time_in_millis >= Date.now() + 2 * 3600_000 - 60_000);
  assert.equal(((await bob.asyncSearch.status({ id: kept.id! })) as unknown as AsyncBody).expiration_time_in_millis, renewed.expiration_time_in_millis);

  // DELETE works on a stored result; it is then gone.
  assert.deepEqual(await bob.asyncSearch.delete({ id: toDelete.id! }), { acknowledged: true });
  const deleted = await failure(bob.asyncSearch.get({ id: toDelete.id! }));
  assert.deepEqual([deleted.status, deleted.type, deleted.reason], [404, 'resource_not_found_exception', toDelete.id]);

  // The search still running when the node stopped is gone.
  const lost = await failure(bob.asyncSearch.get({ id: running.id! }));
  assert.deepEqual([lost.status, lost.type, lost.reason], [404, 'resource_not_found_exception', running.id]);
  assert.equal((await failure(bob.asyncSearch.status({ id: running.id! }))).status, 404);

  // The 3s keep_alive has passed (restart included): expired, 404, across another restart too.
  const remainingMs = shortLived.expiration_time_in_millis - Date.now();
  if (remainingMs > 0) await new Promise((resolve) => setTimeout(resolve, remainingMs + 100));
  const expired = await failure(bob.asyncSearch.get({ id: shortLived.id! }));
  assert.deepEqual([expired.status, expired.type], [404, 'resource_not_found_exception']);
  node = await node.restart();
  connect();
  assert.equal((await failure(bob.asyncSearch.status({ id: shortLived.id! }))).status, 404);
  assert.equal(((await bob.asyncSearch.get({ id: kept.id! })) as unknown as AsyncBody).expiration_time_in_millis, renewed.expiration_time_in_millis);
});
