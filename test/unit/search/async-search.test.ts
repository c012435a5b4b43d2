// The async search store and its parameters (pure parts; time is an input).
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/async-search.html
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { EsError, type SqlDatabase } from '../../../src/common/index.js';
import { SqlAsyncSearchResults } from '../../../src/search/async-search-results.js';
import { AsyncSearchStore, asyncSearchLimits, decodeAsyncId, encodeAsyncId, parseAsyncSubmitParams } from '../../../src/search/async-search.js';

const alice = { username: 'alice', realm: 'native1' };
const bob = { username: 'bob', realm: 'native1' };

function store(clock: { now: number }, max?: number): AsyncSearchStore {
  let n = 0;
  return new AsyncSearchStore(SqlAsyncSearchResults.open(new Database(':memory:') as unknown as SqlDatabase), () => clock.now, () => `e${n++}`, max);
}

test('submit parameters: defaults are wait 1s, keep_alive 5d, keep_on_completion false; the rest go to the search', () => {
  const parsed = parseAsyncSubmitParams({ size: '3', typed_keys: 'true' });
  assert.equal(parsed.waitMs, 1000);
  assert.equal(parsed.keepAliveMs, asyncSearchLimits.keepAliveMsDefault);
  assert.equal(parsed.keepOnCompletion, false);
  assert.deepEqual(parsed.searchParams, { size: '3', typed_keys: 'true' });
  const explicit = parseAsyncSubmitParams({ wait_for_completion_timeout: '0s', keep_alive: '2m', keep_on_completion: 'true', request_cache: 'false' });
  assert.deepEqual([explicit.waitMs, explicit.keepAliveMs, explicit.keepOnCompletion, explicit.searchParams], [0, 120_000, true, {}]);
});

test('submit parameters: keep_alive under 1s, scroll, bad booleans are 400s', () => {
  const status = (fn: () => unknown): [number, string] => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof EsError);
      return [error.status, error.type];
    }
    assert.fail('expected an error');
  };
  assert.deepEqual(status(() => parseAsyncSubmitParams({ keep_alive: '999ms' })), [400, 'action_request_validation_exception']);
  assert.deepEqual(status(() => parseAsyncSubmitParams({ scroll: '1m' })), [400, 'action_request_validation_exception']);
  assert.deepEqual(status(() => parseAsyncSubmitParams({ keep_on_completion: 'yes' })), [400, 'illegal_argument_exception']);
  assert.deepEqual(status(() => decodeAsyncId('garbage!')), [400, 'illegal_argument_exception']);
  assert.deepEqual(status(() => decodeAsyncId(Buffer.from('other:thing').toString('base64url'))), [400, 'illegal_argument_exception']);
});

test('ids round-trip and are opaque base64', () => {
  const id = encodeAsyncId('abc');
  assert.match(id, /^[A-Za-z0-9_-]+$/);
  assert.equal(decodeAsyncId(id), 'abc');
});

test('a finished, not kept search is forgotten; a kept one is the owner\'s until its keep-alive passes', async () => {
  const clock = { now: 1000 };
  const searches = store(clock);
  const quick = await searches.submit(async () => ({ hits: { hits: [] }, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } }), { owner: alice, keepAliveMs: 5000, keepOnCompletion: false, waitMs: 1000 });
  assert.equal(quick.body['id'], undefined);
  assert.equal(searches.size, 0);
  const kept = await searches.submit(async () => ({ hits: { hits: [] } }), { owner: alice, keepAliveMs: 5000, keepOnCompletion: true, waitMs: 1000 });
  const id = kept.body['id'] as string;
  assert.equal((await searches.get(id, alice, { waitMs: 0, keepAliveMs: undefined })).body['is_running'], false);
  await assert.rejects(searches.get(id, bob, { waitMs: 0, keepAliveMs: undefined }), (error: EsError) => error.status === 404);
  assert.throws(() => searches.delete(id, bob), (error: EsError) => error.status === 404);
  clock.now = 6000;
  await assert.rejects(searches.get(id, alice, { waitMs: 0, keepAliveMs: undefined }), (error: EsError) => error.status === 404);
});

test('deleting a running search aborts its signal; a failure is kept with its status', async () => {
  const clock = { now: 0 };
  const searches = store(clock);
  let signal: AbortSignal | undefined;
  const running = await searches.submit((s) => {
    signal = s;
    return new Promise(() => {});
  }, { owner: alice, keepAliveMs: 5000, keepOnCompletion: false, waitMs: 0 });
  assert.equal(running.body['is_running'], true);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(searches.delete(running.body['id'] as string, 'any'), { acknowledged: true });
  assert.equal(signal?.aborted, true);
  const failed = await searches.submit(async () => {
    throw new EsError(404, 'index_not_found_exception', 'no such index [x]');
  }, { owner: alice, keepAliveMs: 5000, keepOnCompletion: true, waitMs: 1000 });
  assert.equal(failed.status, 404);
  assert.equal((failed.body['error'] as { type: string }).type, 'index_not_found_exception');
  assert.equal(searches.status(failed.body['id'] as string, alice)['completion_status'], 404);
});

test('too many open async searches is a 429', async () => {
  const searches = store({ now: 0 }, 1);
  await searches.submit(() => new Promise(() => {}), { owner: alice, keepAliveMs: 5000, keepOnCompletion: false, waitMs: 0 });
  await assert.rejects(searches.submit(async () => ({}), { owner: alice, keepAliveMs: 5000, keepOnCompletion: false, waitMs: 0 }), (error: EsError) => error.status === 429);
  searches.close();
});
