// A follower's bootstrap that copies the leader's segment files asks for the documents without
// their `_source` (the files hold every source): the leader's restore session answers columns of
// ids, seq_nos, terms, versions, routings and source checksums, the follower takes each source from
// the files, and asks again with sources for what the files do not hold as the leader has it. The
// store must end exactly as a copy with sources would leave it. These tests run the real leader
// (ccr/leader.ts restore sessions) and the follower's document stream (ccr/bootstrap-documents.ts)
// over one node's indices; the integration tests run them across clusters.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import pino from 'pino';
import type { SqlDatabase } from '../../../src/common/index.js';
import { copyBootstrapDocuments, type DocumentChunkRequest } from '../../../src/ccr/bootstrap-documents.js';
import { CcrLeaderService, type LeaderAuthorizer } from '../../../src/ccr/leader.js';
import type { CopiedSegmentFiles } from '../../../src/index/indices-service.js';
import { ShardSnapshot } from '../../../src/index/store/shard-snapshot.js';
import type { SegmentBuilder } from '../../../src/index/searcher/segment-build-pool.js';
import { openSearchHarness, type SearchHarness } from '../search-api/harness.js';

const words = ['Foo-Bar', 'alpha', 'beta', 'gamma', 'delta', 'foo', 'bar'];
const source = (n: number): Record<string, unknown> => ({ title: `${words[n % words.length]} ${words[(n * 3) % words.length]} item${n % 11}`, tag: `t${n % 4}`, n, ...(n % 9 === 0 ? { secret: `s${n}` } : {}) });

const mappings = { properties: { title: { type: 'text', analyzer: 'spaces' }, tag: { type: 'keyword' }, n: { type: 'long' }, secret: { type: 'keyword' } } };
const indexBody = (extra: Record<string, unknown> = {}) => ({
  settings: { number_of_shards: 1, analysis: { analyzer: { spaces: { type: 'custom', tokenizer: 'whitespace', filter: ['lowercase'] } } } },
  mappings: { ...mappings, ...extra },
});

const everything: LeaderAuthorizer = { allowsIndex: () => true, model: 'none' };

/** A leader with three segments, updates, deletes and routed documents. */
async function leaderWithHistory(h: SearchHarness, index: string, body: unknown): Promise<void> {
  const created = await h.call('PUT', '/:index', { params: { index }, body });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  for (const [from, to] of [[0, 100], [100, 200], [200, 260]] as const) {
    await h.index(index, Object.fromEntries(Array.from({ length: to - from }, (_, k) => [`d${from + k}`, source(from + k)])), { refresh: true });
  }
  await h.index(index, Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`d${k * 7}`, { ...source(k * 7), title: 'updated alpha' }])), { refresh: false });
  for (const id of ['d3', 'd150', 'd201']) assert.equal((await h.call('DELETE', '/:index/_doc/:id', { params: { index, id } })).status, 200);
  for (const [id, routing] of [['r1', 'east'], ['r2', 'west'], ['d5', 'east']] as const) {
    const response = await h.call('PUT', '/:index/_doc/:id', { params: { index, id }, query: { routing }, body: { ...source(500), title: `routed ${routing}` } });
    assert.ok(response.status === 200 || response.status === 201, JSON.stringify(response.body));
  }
}

interface Bootstrapped {
  readonly answers: Record<string, unknown>[];
  readonly requests: DocumentChunkRequest[];
  readonly result: Awaited<ReturnType<typeof copyBootstrapDocuments>>;
  readonly sourcesLoaded: boolean;
}

/**
 * The follower's bootstrap as ccr/service.ts runs it, against a real restore session: the offered
 * files copied first (`damage` may change one), their sources loaded, then the document stream.
 */
async function bootstrap(h: SearchHarness, leaderService: CcrLeaderService, leaderIndex: string, followerIndex: string, body: unknown, damage?: (directory: string, copied: CopiedSegmentFiles) => void): Promise<Bootstrapped> {
  const session = (await leaderService.restoreSessionPut({ index: leaderIndex, shard: 0 }, everything)) as { session_uuid: string; segments: { files: { name: string; max_doc: number; deleted: number[] }[]; digest: string; refreshed_seq_no: number; next_segment_number: number }; max_seq_no: number };
  assert.ok(session.segments !== undefined, 'the leader offers its segment files');
  const leaderFiles = h.service.segmentFilesOf(h.service.get(leaderIndex)!, 0)!;
  assert.equal((await h.call('PUT', '/:index', { params: { index: followerIndex }, body })).status, 200);
  let follower = h.service.get(followerIndex)!;
  h.service.beginFollowerImport(follower, 0, { segmentFiles: true });
  const directory = h.service.followerSegmentsDirectory(follower, 0);
  mkdirSync(directory, { recursive: true });
  for (const segment of leaderFiles.segments) for (const suffix of ['.seg', '.meta']) copyFileSync(path.join(segment.directory, `${segment.name}${suffix}`), path.join(directory, `${segment.name}${suffix}`));
  let copied: CopiedSegmentFiles | undefined = {
    directory,
    refreshedSeqNo: session.segments.refreshed_seq_no,
    nextSegmentNumber: session.segments.next_segment_number,
    digest: session.segments.digest,
    segments: session.segments.files.map((file) => ({ name: file.name, maxDoc: file.max_doc, deleted: file.deleted })),
  };
  damage?.(directory, copied);
  const sources = h.service.copiedSegmentSources(follower, 0, copied);
  if (sources === undefined) {
    h.service.beginFollowerImport(follower, 0, { segmentFiles: false });
    copied = undefined;
  }
  const answers: Record<string, unknown>[] = [];
  const requests: DocumentChunkRequest[] = [];
  const result = await copyBootstrapDocuments({
    fetch: async (request) => {
      requests.push(request);
      const answer = await leaderService.restoreFileChunk({ index: leaderIndex, session_uuid: session.session_uuid, ...request }, everything);
      answers.push(answer);
      return answer;
    },
    sources,
    chunkDocs: 50,
    store: (documents) => h.service.importFollowerDocuments(follower, 0, documents),
    pace: async () => undefined,
    stopped: () => false,
  });
  await leaderService.restoreSessionClear({ index: leaderIndex, session_uuid: session.session_uuid }, everything);
  follower = h.service.get(followerIndex)!;
  await h.service.finishFollowerImport(follower, 0, session.max_seq_no, copied);
  return { answers, requests, result, sourcesLoaded: sources !== undefined };
}

/** Every document of both stores, as the store keeps it. */
function storedDocuments(h: SearchHarness, index: string): unknown[] {
  const snapshot = ShardSnapshot.open(h.service.openShardOf(h.service.get(index)!, 0).file);
  try {
    return snapshot.read('', 100_000, Number.MAX_SAFE_INTEGER);
  } finally {
    snapshot.close();
  }
}

async function hits(h: SearchHarness, index: string, query: Record<string, unknown>): Promise<unknown> {
  const response = await h.call('POST', '/:index/_search', { params: { index }, body: { query, size: 300, sort: [{ _score: 'desc' }, { n: 'asc' }] } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return { total: response.body.hits.total, hits: response.body.hits.hits.map((hit: { _id: string; _score: number | null; _source: unknown; _routing?: string }) => [hit._id, hit._score, hit._source, hit._routing]) };
}

const queries = [{ match: { title: 'foo-bar' } }, { match: { title: 'alpha gamma' } }, { match: { title: 'routed' } }, { term: { tag: 't2' } }, { range: { n: { gte: 100, lt: 130 } } }];

const noBuilds: SegmentBuilder = { build: () => Promise.reject(new Error('nothing is built when the files are copied')) };

function open(t: Parameters<typeof openSearchHarness>[0]): { h: SearchHarness; leaderService: CcrLeaderService } {
  const h = openSearchHarness(t, { builder: noBuilds });
  const db = new Database(':memory:') as unknown as SqlDatabase;
  const leaderService = new CcrLeaderService(h.service, db, () => h.now, pino({ level: 'silent' }));
  t.after(() => {
    leaderService.close();
    (db as unknown as Database.Database).close();
  });
  return { h, leaderService };
}

test("with the leader's segment files, the document stream carries no source and the store ends exactly as the leader's", async (t) => {
  const { h, leaderService } = open(t);
  await leaderWithHistory(h, 'lead', indexBody());
  const { answers, requests, result, sourcesLoaded } = await bootstrap(h, leaderService, 'lead', 'copy', indexBody());
  assert.ok(sourcesLoaded);
  const leaderDocuments = storedDocuments(h, 'lead') as { source: string; routing?: string }[];
  assert.equal(leaderDocuments.length, 259);
  assert.ok(leaderDocuments.some((document) => document.routing === 'east'), 'routed documents among them');
  // Every chunk was asked for and answered without sources: columns, no `documents`, no source text.
  assert.ok(requests.length >= 6 && requests.every((request) => request.without_sources === true));
  for (const answer of answers) {
    assert.deepEqual(Object.keys(answer).sort(), ['document_columns', 'done']);
    const columns = answer['document_columns'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(columns).filter((key) => key.includes('source')), ['source_crc32s']);
  }
  const wire = JSON.stringify(answers);
  assert.ok(leaderDocuments.every((document) => !wire.includes(JSON.stringify(document.source).slice(1, -1))), 'no source text crossed');
  const sourceBytes = leaderDocuments.reduce((sum, document) => sum + document.source.length, 0);
  assert.equal(result.sourcesSent, 0);
  assert.ok(result.bytes < sourceBytes / 2, `${result.bytes} bytes on the wire for ${sourceBytes} bytes of sources`);
  // The store: same ids, byte-identical sources, seq_nos, terms, versions and routings.
  assert.deepEqual(storedDocuments(h, 'copy'), leaderDocuments);
  const store = h.service.openShardOf(h.service.get('copy')!, 0);
  assert.deepEqual([store.bootstrapped, store.maxSeqNo], [true, h.service.openShardOf(h.service.get('lead')!, 0).maxSeqNo]);
  // The copied files are the searchable state: the same hits and scores as the leader's.
  for (const query of queries) assert.deepEqual(await hits(h, 'copy', query), await hits(h, 'lead', query), JSON.stringify(query));
  const got = await h.call('GET', '/:index/_doc/:id', { params: { index: 'copy', id: 'd5' }, query: { routing: 'east' } });
  assert.deepEqual([got.status, got.body._routing, got.body._source.title], [200, 'east', 'routed east']);
});

test("a copied file that does not load: the leader sends every source, the store ends the same, the documents are built from it", async (t) => {
  const { h, leaderService } = open(t);
  await leaderWithHistory(h, 'lead', indexBody());
  const { requests, result, sourcesLoaded } = await bootstrap(h, leaderService, 'lead', 'copy', indexBody(), (directory, copied) => {
    const file = path.join(directory, `${copied.segments[0]!.name}.seg`);
    const bytes = readFileSync(file);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff; // the checksum no longer matches
    writeFileSync(file, bytes);
  });
  assert.equal(sourcesLoaded, false);
  assert.ok(requests.every((request) => request.without_sources === undefined), 'the chunks are asked for with sources');
  assert.equal(result.sourcesSent, 259);
  assert.deepEqual(storedDocuments(h, 'copy'), storedDocuments(h, 'lead'));
  // Built from the store by the refresh (the build worker of this test refuses): the same documents.
  h.service.refresh(h.service.get('copy')!);
  assert.equal((await h.call('POST', '/:index/_count', { params: { index: 'copy' } })).body.count, 259);
  const ids = async (index: string, query: Record<string, unknown>): Promise<unknown> => ((await hits(h, index, query)) as { hits: unknown[][] }).hits.map((hit) => [hit[0], hit[2], hit[3]]).sort();
  for (const query of queries) assert.deepEqual(await ids('copy', query), await ids('lead', query), JSON.stringify(query));
});

test('documents whose source the segment files keep otherwise (`_source` excludes) are asked for with their sources', async (t) => {
  const { h, leaderService } = open(t);
  const body = indexBody({ _source: { excludes: ['secret'] } });
  await leaderWithHistory(h, 'lead', body);
  const { answers, result, sourcesLoaded } = await bootstrap(h, leaderService, 'lead', 'copy', body);
  assert.ok(sourcesLoaded);
  const leaderDocuments = storedDocuments(h, 'lead') as { source: string }[];
  const withSecret = leaderDocuments.filter((document) => document.source.includes('"secret"')).length;
  assert.ok(withSecret > 10, 'the store keeps the whole source');
  assert.equal(result.sourcesSent, withSecret, 'only those whose stored text differs are sent');
  const sent = answers.flatMap((answer) => (answer['documents'] as { source: string }[] | undefined) ?? []);
  assert.ok(sent.length >= withSecret && sent.every((document) => typeof document.source === 'string'));
  assert.deepEqual(storedDocuments(h, 'copy'), leaderDocuments);
  for (const query of queries) assert.deepEqual(await hits(h, 'copy', query), await hits(h, 'lead', query), JSON.stringify(query));
});
