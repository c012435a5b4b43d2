// A follower's bootstrap may take the leader's segment files instead of building its own: the
// leader's restore session offers its searchable state at the snapshot's seq_no (indices service
// `segmentFilesOf`), the follower copies them beside the documents, and the copy's end loads them
// (`finishFollowerImport` with the copied files). These tests check that the files search exactly as
// the leader does (deletes and updates included), that a restart loads them, and that files built
// under another mapping, or at another seq_no, are left for the refresh to build from the store.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { SegmentBuilder } from '../../../src/index/searcher/segment-build-pool.js';
import { ShardSnapshot } from '../../../src/index/store/shard-snapshot.js';
import type { CopiedSegmentFiles } from '../../../src/index/indices-service.js';
import { openSearchHarness, type SearchHarness } from '../search-api/harness.js';

const words = ['Foo-Bar', 'alpha', 'beta', 'gamma', 'delta', 'foo', 'bar'];
const source = (n: number): Record<string, unknown> => ({ title: `${words[n % words.length]} ${words[(n * 3) % words.length]} item${n % 11}`, tag: `t${n % 4}`, n });

const indexBody = {
  settings: { number_of_shards: 1, analysis: { analyzer: { spaces: { type: 'custom', tokenizer: 'whitespace', filter: ['lowercase'] } } } },
  mappings: { properties: { title: { type: 'text', analyzer: 'spaces' }, tag: { type: 'keyword' }, n: { type: 'long' } } },
};

/** A leader with three segments, updates and deletes among them (its state has deleted docs). */
async function leaderWithHistory(h: SearchHarness): Promise<void> {
  assert.equal((await h.call('PUT', '/:index', { params: { index: 'lead' }, body: indexBody })).status, 200);
  for (const [from, to] of [[0, 100], [100, 200], [200, 260]] as const) {
    await h.index('lead', Object.fromEntries(Array.from({ length: to - from }, (_, k) => [`d${from + k}`, source(from + k)])), { refresh: true });
  }
  await h.index('lead', Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`d${k * 7}`, { ...source(k * 7), title: 'updated alpha' }])), { refresh: false });
  for (const id of ['d3', 'd150', 'd201']) assert.equal((await h.call('DELETE', '/:index/_doc/:id', { params: { index: 'lead', id } })).status, 200);
}

/** The follower's bootstrap, as ccr/service.ts runs it: the documents of a store snapshot, and the offered files copied into the staging directory. */
async function bootstrapFromLeader(h: SearchHarness, index: string, options: { body?: unknown; tamper?: (copied: CopiedSegmentFiles) => CopiedSegmentFiles } = {}): Promise<CopiedSegmentFiles> {
  const leader = h.service.get('lead')!;
  const files = h.service.segmentFilesOf(leader, 0);
  assert.ok(files !== undefined, 'the leader offers its segment files');
  const snapshot = ShardSnapshot.open(h.service.openShardOf(leader, 0).file);
  try {
    assert.equal(files.refreshedSeqNo, snapshot.maxSeqNo, 'files and snapshot at the same seq_no');
    assert.equal((await h.call('PUT', '/:index', { params: { index }, body: options.body ?? indexBody })).status, 200);
    const follower = h.service.get(index)!;
    h.service.beginFollowerImport(follower, 0, { segmentFiles: true });
    const directory = h.service.followerSegmentsDirectory(follower, 0);
    mkdirSync(directory, { recursive: true });
    for (const segment of files.segments) for (const suffix of ['.seg', '.meta']) copyFileSync(path.join(segment.directory, `${segment.name}${suffix}`), path.join(directory, `${segment.name}${suffix}`));
    for (let page = snapshot.read('', 50, 1 << 20); page.length > 0; page = snapshot.read(page[page.length - 1]!.id, 50, 1 << 20)) h.service.importFollowerDocuments(follower, 0, page);
    const copied: CopiedSegmentFiles = { directory, refreshedSeqNo: files.refreshedSeqNo, nextSegmentNumber: files.nextSegmentNumber, digest: files.digest, segments: files.segments.map(({ name, maxDoc, deleted }) => ({ name, maxDoc, deleted })) };
    await h.service.finishFollowerImport(follower, 0, snapshot.maxSeqNo, options.tamper?.(copied) ?? copied);
    return copied;
  } finally {
    snapshot.close();
  }
}

async function hits(h: SearchHarness, index: string, query: Record<string, unknown>): Promise<unknown> {
  const response = await h.call('POST', '/:index/_search', { params: { index }, body: { query, size: 300, sort: [{ _score: 'desc' }, { n: 'asc' }] } });
  assert.equal(response.status, 200);
  return { total: response.body.hits.total, hits: response.body.hits.hits.map((hit: { _id: string; _score: number | null; _source: unknown }) => [hit._id, hit._score, hit._source]) };
}

const queries = [{ match: { title: 'foo-bar' } }, { match: { title: 'alpha gamma' } }, { match: { title: 'updated' } }, { term: { tag: 't2' } }, { range: { n: { gte: 100, lt: 130 } } }];

const noBuilds = (jobs: number[]): SegmentBuilder => ({ build: (job) => (jobs.push(job.documents.length), Promise.reject(new Error('nothing is built when the files are copied'))) });

test("a bootstrap that copies the leader's segment files searches exactly as the leader, builds nothing, and loads them after a restart", async (t) => {
  const jobs: number[] = [];
  const h = openSearchHarness(t, { builder: noBuilds(jobs) });
  await leaderWithHistory(h);
  const copied = await bootstrapFromLeader(h, 'copy');
  assert.ok(copied.segments.length >= 2 && copied.segments.some((segment) => segment.deleted.length > 0), 'several segments, deletes among them');
  const state = h.searchers.snapshot(h.service.get('copy')!, 0).state;
  const leaderState = h.searchers.snapshot(h.service.get('lead')!, 0).state;
  assert.deepEqual(state.segments.map((segment) => [segment.name, segment.maxDoc, segment.liveDocCount]), leaderState.segments.map((segment) => [segment.name, segment.maxDoc, segment.liveDocCount]));
  assert.equal(state.refreshedSeqNo, leaderState.refreshedSeqNo);
  assert.deepEqual(jobs, [], 'no segment built on the build worker');
  assert.equal((await h.call('POST', '/:index/_count', { params: { index: 'copy' } })).body.count, 257);
  // Same segments, deleted documents included: the same BM25 statistics, so the same scores.
  for (const query of queries) assert.deepEqual(await hits(h, 'copy', query), await hits(h, 'lead', query), JSON.stringify(query));
  const got = await h.call('GET', '/:index/_doc/:id', { params: { index: 'copy', id: 'd7' } });
  assert.deepEqual([got.status, got.body._source.title, got.body._version], [200, 'updated alpha', 2]);
  const restarted = h.reopen();
  for (const query of queries) assert.deepEqual(await hits(restarted, 'copy', query), await hits(restarted, 'lead', query), `after a restart: ${JSON.stringify(query)}`);
});

test('segment files built under another mapping, or at another seq_no, are left: the refresh builds the documents from the store', async (t) => {
  const h = openSearchHarness(t, { builder: noBuilds([]) });
  await leaderWithHistory(h);
  const otherMapping = { ...indexBody, mappings: { properties: { ...indexBody.mappings.properties, title: { type: 'text' } } } };
  await bootstrapFromLeader(h, 'other', { body: otherMapping });
  await bootstrapFromLeader(h, 'later', { tamper: (copied) => ({ ...copied, refreshedSeqNo: copied.refreshedSeqNo - 1 }) });
  for (const index of ['other', 'later']) {
    const handle = h.service.get(index)!;
    assert.equal(h.searchers.snapshot(handle, 0).state.segments.length, 0, `${index}: nothing installed from files it cannot use`);
    h.service.refresh(handle);
    assert.equal((await h.call('POST', '/:index/_count', { params: { index } })).body.count, 257);
    // The same documents (scores differ: the leader's statistics still count its deleted documents).
    const ids = async (name: string): Promise<unknown> => ((await hits(h, name, { term: { tag: 't2' } })) as { hits: unknown[][] }).hits.map((hit) => hit[0]).sort();
    assert.deepEqual(await ids(index), await ids('lead'));
  }
  // Under the standard analyzer "Foo-Bar" is two tokens: the documents were built under the follower's own mapping.
  const split = (await hits(h, 'other', { match: { title: 'bar' } })) as { total: { value: number } };
  const whole = (await hits(h, 'lead', { match: { title: 'bar' } })) as { total: { value: number } };
  assert.ok(split.total.value > whole.total.value);
});
