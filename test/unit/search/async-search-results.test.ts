// Kept async search results in the node database (Elasticsearch's `.async-search` index): they
// outlive the AsyncSearchStore that wrote them (a node restart), with their owner, expiration and
// outcome; running searches do not. Real SQLite (a file, reopened), never a mock.
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/async-search.html
// (results are stored "until keep_alive expires"; a missing result is 404 resource_not_found_exception).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { EsError, type SqlDatabase } from '../../../src/common/index.js';
import { StoreFormatError } from '../../../src/index/index.js';
import { AsyncSearchStore } from '../../../src/search/async-search.js';
import { ASYNC_SEARCH_RESULTS_FORMAT_VERSION, SqlAsyncSearchResults } from '../../../src/search/async-search-results.js';

const alice = { username: 'alice', realm: 'native1' };
const aliceKey = { username: 'alice', realm: 'api_key:k1' };
const bob = { username: 'bob', realm: 'native1' };
const dir = mkdtempSync(path.join(tmpdir(), 'strait-async-results-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A node database file: `open()` is one node start, `close()` its stop. */
function nodeDb(): { open(clock: { now: number }, options?: { bytesMax?: number }): AsyncSearchStore; close(): void; db(): SqlDatabase } {
  const file = path.join(dir, `node-${files++}.db`);
  let db: SqlDatabase | undefined;
  let store: AsyncSearchStore | undefined;
  let ids = 0;
  return {
    open(clock, options = {}) {
      db = new Database(file) as unknown as SqlDatabase;
      store = new AsyncSearchStore(SqlAsyncSearchResults.open(db), () => clock.now, () => `e${files}-${ids++}`, undefined, options.bytesMax);
      return store;
    },
    close() {
      store?.close();
      db?.close();
    },
    db: () => db!,
  };
}

const shards = { total: 1, successful: 1, skipped: 0, failed: 0 };
const body = { took: 3, timed_out: false, _shards: shards, hits: { total: { value: 1, relation: 'eq' }, max_score: 1, hits: [{ _index: 'i', _id: '1', _score: 1, _source: { a: 'x' } }] } };
const neverEnds = (): Promise<Record<string, unknown>> => new Promise(() => {});
const get = { waitMs: 0, keepAliveMs: undefined };
const abortable = (signal: AbortSignal): Promise<Record<string, unknown>> => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

function statusOf(run: () => unknown): [number, string] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof EsError);
    return [error.status, error.type];
  }
  assert.fail('expected an error');
}

test('a kept result answers get and status the same after a restart; its owner still holds it', async () => {
  const clock = { now: 1000 };
  const node = nodeDb();
  const before = node.open(clock);
  const submitted = await before.submit(async () => body, { owner: alice, keepAliveMs: 60_000, keepOnCompletion: true, waitMs: 1000 });
  const id = submitted.body['id'] as string;
  const answerBefore = await before.get(id, alice, get);
  const statusBefore = before.status(id, alice);
  node.close();
  clock.now = 2000;
  const after = node.open(clock);
  assert.deepEqual(await after.get(id, alice, get), answerBefore);
  assert.deepEqual(after.status(id, alice), statusBefore);
  assert.equal(statusBefore['is_running'], false);
  assert.equal(statusBefore['completion_status'], 200);
  // Another user, and the same user through an API key, see no such search (Elasticsearch: 404).
  await assert.rejects(after.get(id, bob, get), (error: EsError) => error.status === 404 && error.type === 'resource_not_found_exception' && error.message === id);
  await assert.rejects(after.get(id, aliceKey, get), (error: EsError) => error.status === 404);
  assert.deepEqual(statusOf(() => after.delete(id, bob)), [404, 'resource_not_found_exception']);
  assert.equal(after.isOwner(id, alice), true);
  assert.deepEqual(after.delete(id, alice), { acknowledged: true });
  node.close();
  const third = node.open(clock);
  await assert.rejects(third.get(id, alice, get), (error: EsError) => error.status === 404);
  node.close();
});

test('a search handed out while running is stored when it finishes; one still running at the restart is gone', async () => {
  const clock = { now: 0 };
  const node = nodeDb();
  const before = node.open(clock);
  let finishSearch!: (value: Record<string, unknown>) => void;
  const slow = await before.submit(() => new Promise((resolve) => (finishSearch = resolve)), { owner: alice, keepAliveMs: 60_000, keepOnCompletion: false, waitMs: 0 });
  const running = await before.submit(neverEnds, { owner: alice, keepAliveMs: 60_000, keepOnCompletion: true, waitMs: 0 });
  assert.equal(slow.body['is_running'], true);
  await new Promise((resolve) => setImmediate(resolve));
  finishSearch(body);
  const finished = await before.get(slow.body['id'] as string, alice, { waitMs: 1000, keepAliveMs: undefined });
  assert.equal(finished.body['is_running'], false);
  assert.equal(before.size, 2);
  node.close();
  const after = node.open(clock);
  assert.deepEqual(await after.get(slow.body['id'] as string, alice, get), finished);
  await assert.rejects(after.get(running.body['id'] as string, alice, get), (error: EsError) => error.status === 404 && error.type === 'resource_not_found_exception');
  assert.equal(after.size, 1);
  node.close();
});

test('a failed search is stored with its error and completion_status', async () => {
  const clock = { now: 0 };
  const node = nodeDb();
  const before = node.open(clock);
  const failed = await before.submit(async () => {
    throw new EsError(404, 'index_not_found_exception', 'no such index [x]');
  }, { owner: alice, keepAliveMs: 60_000, keepOnCompletion: true, waitMs: 1000 });
  node.close();
  const after = node.open(clock);
  const id = failed.body['id'] as string;
  const again = await after.get(id, alice, get);
  assert.deepEqual(again, failed);
  assert.equal(again.status, 404);
  assert.deepEqual(again.body['error'], { type: 'index_not_found_exception', reason: 'no such index [x]' });
  assert.equal(after.status(id, alice)['completion_status'], 404);
  node.close();
});

test('expiration holds across restarts: a renewed keep_alive is kept, an expired result is 404 and removed', async () => {
  const clock = { now: 0 };
  const node = nodeDb();
  const before = node.open(clock);
  const short = await before.submit(async () => body, { owner: alice, keepAliveMs: 5000, keepOnCompletion: true, waitMs: 1000 });
  const renewed = await before.submit(async () => body, { owner: alice, keepAliveMs: 5000, keepOnCompletion: true, waitMs: 1000 });
  before.status(renewed.body['id'] as string, alice, 60_000);
  node.close();
  clock.now = 5000;
  const after = node.open(clock);
  // Removed at start, before anyone asks: the rows are gone.
  assert.equal(after.size, 1);
  assert.equal((node.db().prepare('SELECT COUNT(*) AS n FROM async_search_results').get() as { n: number }).n, 1);
  await assert.rejects(after.get(short.body['id'] as string, alice, get), (error: EsError) => error.status === 404);
  const kept = await after.get(renewed.body['id'] as string, alice, get);
  assert.equal(kept.body['expiration_time_in_millis'], 60_000);
  clock.now = 60_000;
  await assert.rejects(after.get(renewed.body['id'] as string, alice, get), (error: EsError) => error.status === 404);
  assert.equal(after.size, 0);
  node.close();
});

test('a deleted running search is not stored when it ends; a closed store stores nothing more', async () => {
  const clock = { now: 0 };
  const node = nodeDb();
  const before = node.open(clock);
  let signal: AbortSignal | undefined;
  const running = await before.submit((s) => {
    signal = s;
    return abortable(s);
  }, { owner: alice, keepAliveMs: 60_000, keepOnCompletion: true, waitMs: 0 });
  await new Promise((resolve) => setImmediate(resolve));
  before.delete(running.body['id'] as string, alice);
  assert.equal(signal?.aborted, true);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(before.size, 0);
  // Stopping the node aborts a search still running; it ends after the store closed and is not stored.
  const cut = await before.submit(abortable, { owner: alice, keepAliveMs: 60_000, keepOnCompletion: true, waitMs: 0 });
  await new Promise((resolve) => setImmediate(resolve));
  node.close();
  await new Promise((resolve) => setImmediate(resolve));
  const after = node.open(clock);
  await assert.rejects(after.get(cut.body['id'] as string, alice, get), (error: EsError) => error.status === 404);
  assert.equal(after.size, 0);
  node.close();
});

test('a result larger than the stored-size limit: a kept submit fails with 400, a finished handed-out search is stored as that failure', async () => {
  const clock = { now: 0 };
  const node = nodeDb();
  const searches = node.open(clock, { bytesMax: 200 });
  const big = { ...body, padding: 'x'.repeat(500) };
  await assert.rejects(searches.submit(async () => big, { owner: alice, keepAliveMs: 60_000, keepOnCompletion: true, waitMs: 1000 }), (error: EsError) =>
    error.status === 400 && error.type === 'illegal_argument_exception' && error.message === "Can't store an async search response larger than [200] bytes.");
  assert.equal(searches.size, 0);
  let finishSearch!: (value: Record<string, unknown>) => void;
  const slow = await searches.submit(() => new Promise((resolve) => (finishSearch = resolve)), { owner: alice, keepAliveMs: 60_000, keepOnCompletion: false, waitMs: 0 });
  await new Promise((resolve) => setImmediate(resolve));
  finishSearch(big);
  const answer = await searches.get(slow.body['id'] as string, alice, { waitMs: 1000, keepAliveMs: undefined });
  assert.equal(answer.status, 400);
  assert.deepEqual([answer.body['is_running'], answer.body['is_partial']], [false, true]);
  assert.equal((answer.body['error'] as { type: string }).type, 'illegal_argument_exception');
  node.close();
});

test('a database of another format version is refused (P12)', () => {
  const db = new Database(':memory:') as unknown as SqlDatabase;
  SqlAsyncSearchResults.open(db);
  db.prepare("UPDATE async_search_meta SET value = ? WHERE key = 'format_version'").run(String(ASYNC_SEARCH_RESULTS_FORMAT_VERSION + 1));
  assert.throws(() => SqlAsyncSearchResults.open(db), StoreFormatError);
  db.close();
});
