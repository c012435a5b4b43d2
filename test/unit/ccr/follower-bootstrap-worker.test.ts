// A follower's bootstrap copies the leader's documents into its store on the main thread while the
// segment build worker (segment-build-pool.ts) builds the segments of what was copied so far; the
// copy's end then only loads them. These tests check that the segments the worker builds search
// exactly as the main thread's own (index analysis settings included), survive a restart, and that
// every failure of the worker leaves the documents to the refresh, which builds them itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { SegmentBuildPool, type SegmentBuilder } from '../../../src/index/searcher/segment-build-pool.js';
import { openSearchHarness, type SearchHarness } from '../search-api/harness.js';

const words = ['Foo-Bar', 'alpha', 'beta', 'gamma', 'delta', 'foo', 'bar'];
const documents = Array.from({ length: 240 }, (_, n) => ({
  id: `d${String(n).padStart(3, '0')}`,
  source: JSON.stringify({ title: `${words[n % words.length]} ${words[(n * 3) % words.length]} item${n % 11}`, tag: `t${n % 4}`, n }),
  seqNo: n,
  primaryTerm: 1,
  version: 1,
}));

const indexBody = {
  settings: { number_of_shards: 1, analysis: { analyzer: { spaces: { type: 'custom', tokenizer: 'whitespace', filter: ['lowercase'] } } } },
  mappings: { properties: { title: { type: 'text', analyzer: 'spaces' }, tag: { type: 'keyword' }, n: { type: 'long' } } },
};

async function bootstrap(h: SearchHarness, index: string): Promise<void> {
  assert.equal((await h.call('PUT', '/:index', { params: { index }, body: indexBody })).status, 200);
  const handle = h.service.get(index)!;
  h.service.beginFollowerImport(handle, 0);
  for (let start = 0; start < documents.length; start += 100) h.service.importFollowerDocuments(handle, 0, documents.slice(start, start + 100));
  await h.service.finishFollowerImport(handle, 0, documents.length - 1);
}

async function hits(h: SearchHarness, index: string, query: Record<string, unknown>): Promise<unknown> {
  const response = await h.call('POST', '/:index/_search', { params: { index }, body: { query, size: 300, sort: [{ _score: 'desc' }, { n: 'asc' }] } });
  assert.equal(response.status, 200);
  return { total: response.body.hits.total, hits: response.body.hits.hits.map((hit: { _id: string; _score: number | null; _source: unknown }) => [hit._id, hit._score, hit._source]) };
}

const queries = [{ match: { title: 'foo-bar' } }, { match: { title: 'alpha gamma' } }, { term: { tag: 't2' } }, { range: { n: { gte: 100, lt: 130 } } }];

/** The same documents indexed as ordinary writes (a refresh builds them on the main thread), for comparison. */
async function plainCopy(h: SearchHarness): Promise<void> {
  assert.equal((await h.call('PUT', '/:index', { params: { index: 'plain' }, body: indexBody })).status, 200);
  await h.index('plain', Object.fromEntries(documents.map((document) => [document.id, JSON.parse(document.source)])), { refresh: true });
}

test('a bootstrap built on the build worker searches exactly as one built on the main thread, with the index analyzers, and after a restart', async (t) => {
  const pool = new SegmentBuildPool();
  t.after(() => pool.close());
  const jobs: number[] = [];
  const counting: SegmentBuilder = { build: (job) => (jobs.push(job.documents.length), pool.build(job)) };
  const h = openSearchHarness(t, { builder: counting });
  await bootstrap(h, 'copy');
  // Searchable without a refresh: the copy's end made the worker's segments the state.
  const state = h.searchers.snapshot(h.service.get('copy')!, 0).state;
  assert.deepEqual([state.refreshedSeqNo, state.segments.reduce((sum, segment) => sum + segment.liveDocCount, 0)], [documents.length - 1, documents.length]);
  assert.deepEqual(jobs, [documents.length], 'one build on the worker (fewer documents than a batch: sent at the end of the copy)');
  await plainCopy(h);
  for (const query of queries) assert.deepEqual(await hits(h, 'copy', query), await hits(h, 'plain', query), JSON.stringify(query));
  // The custom analyzer reached the worker: whitespace tokens keep "foo-bar" whole.
  const whole = (await hits(h, 'copy', { match: { title: 'foo-bar' } })) as { total: { value: number } };
  assert.equal(whole.total.value, documents.filter((document) => document.source.includes('Foo-Bar')).length);
  const restarted = h.reopen();
  for (const query of queries) assert.deepEqual(await hits(restarted, 'copy', query), await hits(restarted, 'plain', query), `after a restart: ${JSON.stringify(query)}`);
});

test('when the build worker fails, the bootstrap\'s documents are built by the refresh from the store', async (t) => {
  const failing: SegmentBuilder = { build: () => Promise.reject(new Error('worker gone')) };
  const h = openSearchHarness(t, { builder: failing });
  await bootstrap(h, 'copy');
  const handle = h.service.get('copy')!;
  assert.equal(h.searchers.snapshot(handle, 0).state.segments.length, 0, 'nothing installed from a failed build');
  h.service.refresh(handle);
  const response = await h.call('POST', '/:index/_count', { params: { index: 'copy' } });
  assert.equal(response.body.count, documents.length);
  const matched = (await hits(h, 'copy', { match: { title: 'foo-bar' } })) as { total: { value: number } };
  assert.equal(matched.total.value, documents.filter((document) => document.source.includes('Foo-Bar')).length);
});

const job = { mappings: { properties: { title: { type: 'text' } } }, settings: {}, ignoreMalformed: false, name: '_0', maxSeqNo: 1, documents: documents.slice(0, 2) };

test('a build worker that dies fails the jobs in flight, and the next job starts a new worker', async (t) => {
  let spawned = 0;
  const pool = new SegmentBuildPool(() => {
    spawned++;
    // The first worker exits at once; the second is the real one.
    return spawned === 1 ? new Worker('process.exit(3)', { eval: true }) : new SegmentBuildPool()['spawn']();
  });
  t.after(() => pool.close());
  await assert.rejects(pool.build(job), /exited with code 3/);
  assert.equal(pool.running, false);
  const built = await pool.build(job);
  assert.equal(built.name, '_0');
  assert.ok(built.segment.length > 0 && built.metadata.length > 0);
  assert.equal(spawned, 2);
});

test('a build past its time limit fails and its worker is stopped', async (t) => {
  const pool = new SegmentBuildPool(() => new Worker('setInterval(() => {}, 1000)', { eval: true }), { idleStopMs: 10_000, jobMsBase: 200, jobMsPerDocument: 0 });
  t.after(() => pool.close());
  await assert.rejects(pool.build(job), /took longer than 200 ms/);
  assert.deepEqual([pool.running, pool.inFlight], [false, 0]);
});
