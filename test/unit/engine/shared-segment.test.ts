// Issue 13: segments in shared memory for the search workers. Sharing must change nothing a query
// sees (same hits, scores, sort values and aggregation partials), the UTF-8 term dictionaries must
// round-trip every term (astral characters included), and a worker's segment has no `_id` or
// `_source` (reading them asks for the main thread instead).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeSharedSegment, isSharedView, MainThreadOnly, reviveSharedSegment, segmentWithLiveDocs, shareSegmentArrays, sharedLiveDocs } from '../../../src/index/engine/shared-segment.js';
import { buildSegment, withDeletes, type FieldMappings, type Segment } from '../../../src/index/engine/index.js';
import { deserializeSegment, serializeSegment } from '../../../src/index/engine/segment-codec.js';
import { computeShardStats } from '../../../src/index/engine/shard-stats.js';
import { parseSearchRequest, searchShard } from '../../../src/index/query/index.js';
import { buildSegments, corpusMappings, createRandom, generateCorpus, testSeed } from './test-corpus.js';

const seed = testSeed();
const docs = generateCorpus(900, seed);
const nowMs = Date.UTC(2024, 0, 15, 12, 0, 0);
const context = { mappings: corpusMappings, indexName: 'corpus', shardKey: 'corpus:0', nowMs, defaultFields: ['*'] };

const bodies: unknown[] = [
  { query: { match: { body: 'alpha gamma' } } },
  { query: { bool: { must: [{ match: { body: 'beta' } }], filter: [{ range: { price: { gte: 10 } } }, { term: { tag: 'red' } }] } }, track_total_hits: true },
  { size: 0, aggs: { tags: { terms: { field: 'tag' } }, months: { date_histogram: { field: 'date', calendar_interval: 'month' } }, price: { stats: { field: 'price' } } } },
  { query: { match: { title: 'gammas' } }, sort: [{ price: 'desc' }, { count: 'asc' }], size: 20 },
  { query: { prefix: { tag: 'bl' } }, sort: [{ date: 'asc' }], search_after: [0], size: 5 },
];

/** A segment as a worker sees it (revived from its description in this thread). */
function asWorkerSegment(segment: Segment): Segment {
  const description = describeSharedSegment(segment);
  assert.ok(description !== undefined, 'a shared segment has a description');
  const core = reviveSharedSegment(structuredClone(description));
  return segmentWithLiveDocs(core, sharedLiveDocs(segment.liveDocs), segment.liveDocCount);
}

test(`shared segments answer every query as heap segments do, deletes included (seed ${seed})`, () => {
  const random = createRandom(seed);
  let heap = buildSegments(docs, random, 3);
  heap = heap.map((segment, index) => (index === 1 ? withDeletes(segment, [0, 3, 5, 8, 13]) : segment));
  const shared = heap.map(shareSegmentArrays);
  for (const segment of shared) {
    for (const field of segment.postings.values()) assert.ok(isSharedView(field.docs) && isSharedView(field.freqs) && isSharedView(field.norms), 'postings are in shared memory');
    for (const values of segment.docValues.values()) assert.ok(isSharedView(values.valueStart), 'doc values are in shared memory');
  }
  assert.equal(shareSegmentArrays(shared[0]!), shared[0], 'sharing a shared segment is the segment itself');
  const deletedAgain = withDeletes(shared[0]!, [1]);
  assert.equal(shareSegmentArrays(deletedAgain), deletedAgain, 'a shared segment with more deletes stays shared');
  const worker = shared.map(asWorkerSegment);
  const stats = computeShardStats(heap);
  for (const body of bodies) {
    const request = parseSearchRequest(body);
    const expected = searchShard(heap, stats, request, context);
    assert.deepEqual(searchShard(shared, stats, request, context), expected, JSON.stringify(body));
    assert.deepEqual(structuredClone(searchShard(worker, stats, request, context)), structuredClone(expected), `worker view: ${JSON.stringify(body)}`);
  }
});

test(`term dictionaries round-trip through UTF-8 bytes, astral characters and empty terms included (seed ${seed})`, () => {
  const random = createRandom(seed);
  const alphabet = ['a', 'z', 'é', 'ß', '中', '😀', '𝄞', '-', '0', ' '];
  const words = new Set<string>(['']);
  while (words.size < 500) {
    let word = '';
    const length = 1 + Math.floor(random() * 8);
    for (let i = 0; i < length; i++) word += alphabet[Math.floor(random() * alphabet.length)];
    words.add(word);
  }
  const mappings: FieldMappings = { tag: { type: 'keyword' } };
  const values = [...words];
  const segment = shareSegmentArrays(buildSegment(values.map((value, docId) => ({ docId, id: `d${docId}`, source: JSON.stringify({ tag: value }), fields: { tag: [value] } })), mappings, { name: 's', maxSeqNo: values.length - 1 }));
  const revived = asWorkerSegment(segment);
  const heapField = segment.postings.get('tag')!;
  const workerField = revived.postings.get('tag')!;
  assert.deepEqual([...workerField.terms], [...heapField.terms]);
  for (const term of heapField.terms) assert.equal(workerField.termOrdinals.get(term), heapField.termOrdinals.get(term), term);
});

test('a worker segment has no _id or _source: reading them throws MainThreadOnly', () => {
  const segment = asWorkerSegment(shareSegmentArrays(buildSegments(docs.slice(0, 50), createRandom(1), 1)[0]!));
  assert.throws(() => segment.ids, MainThreadOnly);
  assert.throws(() => segment.idOrdinals, MainThreadOnly);
  assert.throws(() => segment.sources, MainThreadOnly);
  assert.throws(() => searchShard([segment], undefined, parseSearchRequest({ query: { ids: { values: ['d1'] } } }), context), MainThreadOnly);
});

test('a shared segment serializes to the same bytes as its heap copy, and loads back', () => {
  const heap = buildSegments(docs.slice(0, 200), createRandom(3), 1)[0]!;
  const shared = shareSegmentArrays(withDeletes(heap, [1, 2]));
  const bytes = serializeSegment(shared);
  assert.deepEqual(bytes, serializeSegment(withDeletes(heap, [1, 2])));
  const loaded = deserializeSegment(bytes);
  const request = parseSearchRequest({ query: { match: { body: 'alpha' } }, aggs: { tags: { terms: { field: 'tag' } } } });
  assert.deepEqual(searchShard([loaded], undefined, request, context), searchShard([shared], undefined, request, context));
});

test('a heap segment has no worker description (it is searched on the main thread)', () => {
  assert.equal(describeSharedSegment(buildSegments(docs.slice(0, 20), createRandom(2), 1)[0]!), undefined);
});

// The refresh cost per document (issue #13): a segment's arrays are copied into shared memory once,
// when it is published; later states (deletes, new segments beside it) must not copy it again.
test('a segment is shared once: sharing it again, or a copy of it with deletes, copies nothing', () => {
  const shared = shareSegmentArrays(buildSegments(docs.slice(0, 50), createRandom(4), 1)[0]!);
  assert.equal(shareSegmentArrays(shared), shared);
  const deleted = withDeletes(shared, [0, 3]);
  const again = shareSegmentArrays(deleted);
  assert.equal(again, deleted);
  assert.equal(again.postings, shared.postings);
  assert.equal(describeSharedSegment(again), describeSharedSegment(shared), 'one worker description per segment core');
});

// Searchers share lazily (a segment per turn): a delete may have made a heap copy with new live
// docs before the first copy was swapped in; sharing that one reuses the shared core.
test('a heap segment and its copy with deletes share one shared core', () => {
  const heap = buildSegments(docs.slice(0, 50), createRandom(5), 1)[0]!;
  const deleted = withDeletes(heap, [1, 2]);
  const first = shareSegmentArrays(heap);
  const second = shareSegmentArrays(deleted);
  assert.notEqual(second.postings, heap.postings);
  assert.equal(second.postings, first.postings, 'no second copy of the core');
  assert.equal(second.docValues, first.docValues);
  assert.equal(second.liveDocs, deleted.liveDocs, 'the copy keeps its own live docs');
  assert.equal(second.liveDocCount, deleted.liveDocCount);
});
