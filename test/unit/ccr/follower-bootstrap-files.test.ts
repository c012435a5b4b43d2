// A follower's bootstrap may take the leader's segment files instead of building its own: the
// leader's restore session offers its searchable state at the snapshot's seq_no (indices service
// `segmentFilesOf`), the follower copies them beside the documents, and the copy's end loads them
// (`finishFollowerImport` with the copied files). These tests check that the files search exactly as
// the leader does (deletes and updates included), that a restart loads them, and that files built
// under another mapping, or at another seq_no, are left for the refresh to build from the store.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { SegmentBuilder } from '../../../src/index/searcher/segment-build-pool.js';
import { ShardSnapshot } from '../../../src/index/store/shard-snapshot.js';
import type { CopiedSegmentFiles } from '../../../src/index/indices-service.js';
import { openSearchHarness, type SearchHarness } from '../search-api/harness.js';
import { describeLeaderDocuments, storeDocumentsFromFiles } from '../../../src/ccr/bootstrap-documents.js';
import { decodeDocumentColumns, encodeDocumentColumns } from '../../../src/ccr/document-columns.js';
import { loadListedSegments, type DocMetadata, type Segment } from '../../../src/index/searcher/index.js';
import type { StoredDocument } from '../../../src/index/store/index.js';

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
async function bootstrapFromLeader(h: SearchHarness, index: string, options: { body?: unknown; tamper?: (copied: CopiedSegmentFiles) => CopiedSegmentFiles; preload?: boolean } = {}): Promise<CopiedSegmentFiles> {
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
    const entries = files.segments.map(({ name, maxDoc, deleted }) => ({ name, maxDoc, deleted }));
    // As the bootstrap that stored the documents from the files: every segment but the last one loaded already.
    const preloaded = options.preload === true ? loadListedSegments(directory, entries.slice(0, -1), 'the test') : undefined;
    const loaded = preloaded === undefined ? undefined : new Map(preloaded.segments.map((segment, at) => [segment.name, { segment, metadata: preloaded.metadata[at]! }]));
    const copied: CopiedSegmentFiles = { directory, refreshedSeqNo: files.refreshedSeqNo, nextSegmentNumber: files.nextSegmentNumber, digest: files.digest, segments: entries, ...(loaded === undefined ? {} : { loaded }) };
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

test('segments the copy loaded already (to store their documents) are installed as they are, beside those loaded from their files', async (t) => {
  const h = openSearchHarness(t, { builder: noBuilds([]) });
  await leaderWithHistory(h);
  const copied = await bootstrapFromLeader(h, 'copy', { preload: true });
  assert.equal(copied.loaded?.size, copied.segments.length - 1);
  const state = h.searchers.snapshot(h.service.get('copy')!, 0).state;
  assert.deepEqual(state.segments.slice(0, -1), copied.segments.slice(0, -1).map((entry) => copied.loaded!.get(entry.name)!.segment), 'the very segments loaded before');
  // The same objects, not equal ones loaded again from the files.
  copied.segments.slice(0, -1).forEach((entry, at) => assert.equal(state.segments[at], copied.loaded!.get(entry.name)!.segment, entry.name));
  for (const query of queries) assert.deepEqual(await hits(h, 'copy', query), await hits(h, 'lead', query), JSON.stringify(query));
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

/**
 * What ccr/service.ts does with the files when the leader describes its documents without sources
 * (`describeLeaderDocuments`, `storeDocumentsFromFiles`, over the leader's own snapshot): the
 * description (in chunks of 7), each copied segment's documents taken as described, the rest by id
 * with their sources. `tamper` may change the copied files or the description first.
 */
async function storeFromFiles(h: SearchHarness, tamper: { files?: (directory: string, names: string[]) => void; described?: (byId: Map<string, { seqNo: number }>) => void } = {}): Promise<{ fromFiles: StoredDocument[]; byId: StoredDocument[]; expected: StoredDocument[]; describedBytes: number }> {
  const leader = h.service.get('lead')!;
  const files = h.service.segmentFilesOf(leader, 0);
  assert.ok(files !== undefined);
  const snapshot = ShardSnapshot.open(h.service.openShardOf(leader, 0).file);
  const directory = mkdtempSync(path.join(tmpdir(), 'strait-sourceless-'));
  try {
    for (const segment of files.segments) for (const suffix of ['.seg', '.meta']) copyFileSync(path.join(segment.directory, `${segment.name}${suffix}`), path.join(directory, `${segment.name}${suffix}`));
    tamper.files?.(directory, files.segments.map((segment) => segment.name));
    let chunks = 0;
    const described = await describeLeaderDocuments({
      fetch: async (afterId) => (chunks++, { document_columns: encodeDocumentColumns(snapshot.readMetadata(afterId, 7)) }),
      pace: async () => undefined,
      stopped: () => false,
    });
    assert.ok(described !== undefined);
    assert.ok(chunks > 10, 'described in many chunks');
    tamper.described?.(described.byId as Map<string, { seqNo: number }>);
    const stored: StoredDocument[] = [];
    const byId: StoredDocument[] = [];
    const entries = files.segments.map(({ name, maxDoc, deleted }) => ({ name, maxDoc, deleted }));
    const loaded = new Map<string, { segment: Segment; metadata: DocMetadata }>();
    const askedById = await storeDocumentsFromFiles({
      directory,
      segments: entries,
      written: async () => undefined,
      described,
      batchDocs: 16,
      store: (documents) => {
        assert.ok(documents.length > 0 && documents.length <= 16);
        stored.push(...documents);
      },
      between: async () => undefined,
      unloadable: () => undefined,
      fetchByIds: async (ids) => {
        const documents = snapshot.readIds(ids);
        byId.push(...documents);
        return documents;
      },
      loaded,
    });
    assert.equal(askedById, byId.length);
    assert.equal(loaded.size + (tamper.files === undefined ? 0 : 1), entries.length, 'every segment that loads is kept for the install');
    const fromFiles = stored.filter((document) => !byId.includes(document));
    const expected = snapshot.read('', 100_000, 1 << 30);
    return { fromFiles, byId, expected, describedBytes: described.bytes };
  } finally {
    snapshot.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

const byIdOrder = (documents: readonly StoredDocument[]): StoredDocument[] => [...documents].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

test("without sources from the leader, the copied segments give every document exactly as the leader's snapshot holds it (updates, deletes, routing)", async (t) => {
  const h = openSearchHarness(t, { builder: noBuilds([]) });
  await leaderWithHistory(h);
  for (const [id, routing] of [['r1', 'blue'], ['r2', 'green']] as const) {
    assert.equal((await h.call('PUT', '/:index/_doc/:id', { params: { index: 'lead', id }, query: { routing, refresh: 'true' }, body: { ...source(7), title: 'ünïcode ☃ routed' } })).status, 201);
  }
  const { fromFiles, byId, expected, describedBytes } = await storeFromFiles(h);
  assert.equal(expected.length, 259);
  assert.deepEqual(byId, [], 'nothing asked for with its source');
  assert.deepEqual(byIdOrder(fromFiles), expected, 'id, source text, seq_no, primary term, version and routing as the leader has them');
  assert.ok(fromFiles.some((document) => document.routing === 'blue') && fromFiles.some((document) => document.version === 2));
  const sourceBytes = expected.reduce((sum, document) => sum + Buffer.byteLength(document.source), 0);
  assert.ok(describedBytes < sourceBytes / 3, `the description (${describedBytes} bytes) is much less than the sources (${sourceBytes})`);
});

test('what the copied files do not hold as the leader describes it (a file that does not load, another seq_no) is asked for with its source', async (t) => {
  const h = openSearchHarness(t, { builder: noBuilds([]) });
  await leaderWithHistory(h);
  let corrupted = '';
  const { fromFiles, byId, expected } = await storeFromFiles(h, {
    files: (directory, names) => {
      corrupted = names[1]!;
      const file = path.join(directory, `${corrupted}.seg`);
      const bytes = readFileSync(file);
      bytes[bytes.length >> 1] ^= 0xff;
      writeFileSync(file, bytes);
    },
    described: (described) => {
      described.get('d250')!.seqNo += 1000; // as if the leader had written it again after the files
    },
  });
  assert.ok(corrupted !== '');
  assert.ok(byId.length > 50 && byId.some((document) => document.id === 'd250'), `asked for by id: ${byId.length}`);
  assert.ok(!fromFiles.some((document) => document.id === 'd250'));
  assert.deepEqual(byIdOrder([...fromFiles, ...byId]), expected, 'every document, each once');
});

test('document columns that do not add up are refused', () => {
  const good = encodeDocumentColumns([{ id: 'a', seqNo: 1, primaryTerm: 1, version: 1, sourceBytes: 10 }, { id: 'bc', seqNo: 2, primaryTerm: 1, version: 3, routing: 'x', sourceBytes: 4 }]);
  assert.deepEqual(decodeDocumentColumns(good), [
    { id: 'a', seqNo: 1, primaryTerm: 1, version: 1, sourceBytes: 10 },
    { id: 'bc', seqNo: 2, primaryTerm: 1, version: 3, routing: 'x', sourceBytes: 4 },
  ]);
  for (const bad of [null, 'x', { ...good, ids: 'abcd' }, { ...good, id_lengths: [1, 5] }, { ...good, seq_nos: [1] }, { ...good, versions: [1, -1] }, { ...good, routings: [1, null] }, { ...good, source_lengths: [1, 'x'] }]) {
    assert.throws(() => decodeDocumentColumns(bad), (error: { type?: string }) => error.type === 'illegal_state_exception', JSON.stringify(bad));
  }
});
