// The per-shard searcher state: refresh steps, deletes of older copies, merges, and the doc
// metadata codec. Reference: near-real-time.html (refresh makes operations searchable) and
// Lucene's TieredMergePolicy (segments per tier, adjacent merges).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flattenMapping } from '../../../src/index/index.js';
import {
  applyMerge,
  applyOperations,
  finishMerge,
  startMerge,
  type MergePlan,
  decodeDocMetadata,
  emptySearcherState,
  encodeDocMetadata,
  engineMappings,
  isLive,
  mergeShardResults,
  parseSearchRequest,
  pickMerge,
  searchShard,
  type SearcherState,
} from '../../../src/index/searcher/index.js';
import type { Operation } from '../../../src/index/index.js';
import { mergeSegmentsStepwise, type MergedSegment } from '../../../src/index/engine/index.js';
import { createRandom } from '../../harness/random.js';

const root = { properties: { word: { type: 'keyword' }, n: { type: 'long' } } };
const mappings = engineMappings(flattenMapping(root));

function op(seqNo: number, kind: 'index' | 'delete', id: string, source?: Record<string, unknown>, version = 1): Operation {
  return { seqNo, op: kind, id, source: source === undefined ? null : JSON.stringify(source), primaryTerm: 1, version };
}

function liveIds(state: SearcherState): string[] {
  const ids: string[] = [];
  for (const segment of state.segments) for (let doc = 0; doc < segment.maxDoc; doc++) if (isLive(segment, doc)) ids.push(segment.ids[doc]!);
  return ids.sort();
}


test('a refresh step adds one segment, deletes older copies of updated ids, drops emptied segments', () => {
  const first = applyOperations(emptySearcherState, [op(0, 'index', 'a', { word: 'x' }), op(1, 'index', 'b', { word: 'y' })], root, mappings);
  assert.equal(first.state.segments.length, 1);
  assert.equal(first.state.refreshedSeqNo, 1);
  assert.deepEqual(first.state.segments[0]!.ids, ['a', 'b']);
  const second = applyOperations(first.state, [op(2, 'index', 'a', { word: 'z' }, 2), op(3, 'delete', 'b', undefined, 2), op(4, 'index', 'c', { word: 'w' }), op(5, 'delete', 'c', undefined, 2)], root, mappings);
  // Segment 0 lost both docs and is dropped; the new segment holds only the last write of `a`.
  assert.equal(second.state.segments.length, 1);
  assert.deepEqual(liveIds(second.state), ['a']);
  assert.deepEqual(Array.from(second.state.metadata[0]!.versions), [2]);
  assert.deepEqual(Array.from(second.state.metadata[0]!.seqNos), [2]);
  assert.equal(second.state.segments[0]!.maxSeqNo, 5);
  assert.throws(() => applyOperations(second.state, [op(9, 'index', 'q', {})], root, mappings), /without a gap/);
});

test('merge policy: ten adjacent segments of one level merge; a bigger segment is left out; large mostly-deleted segments alone', () => {
  const shape = (docs: number[]) => docs.map((maxDoc) => ({ maxDoc, liveDocCount: maxDoc }));
  const ones = (count: number) => Array.from({ length: count }, () => 1);
  assert.equal(pickMerge(shape([5, 5, 5])), undefined);
  assert.deepEqual(pickMerge(shape(ones(11))), { start: 0, end: 10 }, 'small segments share the floor level, oldest first');
  assert.deepEqual(pickMerge(shape([100_000, ...ones(10)])), { start: 1, end: 11 });
  assert.deepEqual(pickMerge(shape([...ones(10), 100_000])), { start: 0, end: 10 });
  // The former rule (over ten segments, the cheapest window of ten) merged the 50,000 again here.
  assert.equal(pickMerge(shape([100_000, 50_000, ...ones(9)])), undefined);
  assert.deepEqual(pickMerge(shape([...Array.from({ length: 10 }, () => 60_000), ...ones(5)])), { start: 0, end: 10 }, 'ten of a higher level merge too');
  assert.deepEqual(pickMerge([{ maxDoc: 5000, liveDocCount: 2000 }, { maxDoc: 10, liveDocCount: 1 }]), { start: 0, end: 1 });
});

test('merge policy under steady indexing: a document is merged about once per level, and the segment count stays bounded', () => {
  // Refreshes of one size, every merge the policy picks applied at once: each merge makes a segment
  // ten times bigger, so a document is merged at most once per power of ten between a refresh's
  // size and the shard's, however many refreshes come. The former rule merged each document of the
  // 1,000 × 1,000 case 53 times (a big segment went along with every ten new ones), more the longer
  // it ran.
  for (const [perRefresh, refreshes] of [[1_000, 1_000], [6_500, 300], [6_500, 1_500], [37, 2_000]] as const) {
    let segments: { maxDoc: number; liveDocCount: number }[] = [];
    let merged = 0;
    let mostSegments = 0;
    for (let refresh = 0; refresh < refreshes; refresh++) {
      segments.push({ maxDoc: perRefresh, liveDocCount: perRefresh });
      for (let choice = pickMerge(segments); choice !== undefined; choice = pickMerge(segments)) {
        const docs = segments.slice(choice.start, choice.end).reduce((sum, segment) => sum + segment.liveDocCount, 0);
        merged += docs;
        segments = [...segments.slice(0, choice.start), { maxDoc: docs, liveDocCount: docs }, ...segments.slice(choice.end)];
      }
      mostSegments = Math.max(mostSegments, segments.length);
    }
    const total = perRefresh * refreshes;
    const levels = Math.ceil(Math.log10(total / perRefresh) - 1e-9);
    assert.ok(merged / total <= levels + 1e-9, `${perRefresh} × ${refreshes}: merged ${(merged / total).toFixed(2)} times per document (levels ${levels})`);
    assert.ok(mostSegments <= 9 * (levels + 1) + 1, `${perRefresh} × ${refreshes}: at most ${mostSegments} segments`);
    assert.equal(segments.reduce((sum, segment) => sum + segment.maxDoc, 0), total);
  }
});

test('merging keeps live documents in order with their metadata', () => {
  let state = emptySearcherState;
  let seqNo = 0;
  for (let round = 0; round < 3; round++) {
    const ops = [op(seqNo++, 'index', `r${round}a`, { n: round }), op(seqNo++, 'index', `r${round}b`, { n: round })];
    state = applyOperations(state, ops, root, mappings).state;
  }
  state = applyOperations(state, [op(seqNo++, 'delete', 'r1a', undefined, 2)], root, mappings).state;
  const merged = applyMerge(state, { start: 0, end: 3 });
  assert.equal(merged.state.segments.length, 1);
  assert.deepEqual(merged.merged.ids, ['r0a', 'r0b', 'r1b', 'r2a', 'r2b']);
  assert.deepEqual(Array.from(merged.state.metadata[0]!.seqNos), [0, 1, 3, 4, 5]);
  assert.equal(merged.state.nextSegmentNumber, state.nextSegmentNumber + 1);
});

test('doc metadata codec round-trips and detects corruption (style P12)', () => {
  const metadata = { seqNos: Float64Array.from([0, 7]), versions: Float64Array.from([1, 3]), primaryTerms: Float64Array.from([1, 1]) };
  const encoded = encodeDocMetadata(metadata);
  const decoded = decodeDocMetadata(encoded);
  assert.deepEqual([Array.from(decoded.seqNos), Array.from(decoded.versions), Array.from(decoded.primaryTerms)], [[0, 7], [1, 3], [1, 1]]);
  encoded[encoded.length - 1] ^= 1;
  assert.throws(() => decodeDocMetadata(encoded), /checksum/);
});

/** A search over the state finds exactly the model's even documents, and sums their values. */
function assertSearchMatches(state: SearcherState, model: ReadonlyMap<string, number>): void {
  const request = parseSearchRequest({ query: { term: { word: 'even' } }, size: 0, track_total_hits: true, aggs: { total: { sum: { field: 'n' } } } });
  const merged = mergeShardResults([searchShard(state.segments, undefined, request, { mappings, indexName: 'i', shardKey: 'i:0', nowMs: 0, defaultFields: ['*'] })], request);
  const evens = [...model.values()].filter((n) => n % 2 === 0);
  assert.equal(merged.total?.value, evens.length);
  assert.equal((merged.aggregations!['total'] as { value: number }).value, evens.reduce((sum, n) => sum + n, 0));
}

/** A random index or delete of one of `ids` documents, applied to the model too. */
function randomOperation(random: () => number, seqNo: number, model: Map<string, number>, ids: number, deleteShare: number): Operation {
  const id = `d${Math.floor(random() * ids)}`;
  if (random() < deleteShare) {
    model.delete(id);
    return op(seqNo, 'delete', id, undefined, 2);
  }
  const n = Math.floor(random() * 1000);
  model.set(id, n);
  return op(seqNo, 'index', id, { n, word: n % 2 === 0 ? 'even' : 'odd' });
}

const seed = Number(process.env['SEED'] ?? 20261201);
test(`random operations refreshed at random points match a brute-force model (seed=${seed})`, () => {
  const random = createRandom(seed);
  const model = new Map<string, number>();
  let state = emptySearcherState;
  let pending: Operation[] = [];
  let seqNo = 0;
  for (let step = 0; step < 2000; step++) {
    pending.push(randomOperation(random, seqNo++, model, 150, 0.25));
    if (random() < 0.05) {
      state = applyOperations(state, pending, root, mappings).state;
      pending = [];
      for (let choice = pickMerge(state.segments); choice !== undefined; choice = pickMerge(state.segments)) state = applyMerge(state, choice).state;
      assert.ok(state.segments.length <= 10);
    }
  }
  state = applyOperations(state, pending, root, mappings).state;
  assert.deepEqual(liveIds(state), [...model.keys()].sort());
  assertSearchMatches(state, model);
});

test(`a merge run in slices while refreshes add segments, delete and drop its inputs ends with exactly the model's documents (seed=${seed})`, () => {
  const random = createRandom(seed + 1);
  const model = new Map<string, number>();
  let state = emptySearcherState;
  let pending: Operation[] = [];
  let seqNo = 0;
  let merge: { plan: MergePlan; steps: Generator<void, MergedSegment, void> } | undefined;
  let finished = 0;
  for (let step = 0; step < 3000; step++) {
    pending.push(randomOperation(random, seqNo++, model, 60, 0.3));
    if (random() < 0.1) {
      state = applyOperations(state, pending, root, mappings).state;
      pending = [];
    }
    if (merge === undefined) {
      const choice = pickMerge(state.segments, { levelFloorDocs: 1000, segmentsPerMergeMax: 3, deletedFractionMax: 0.5, expungeDocsMin: 1000 });
      if (choice !== undefined) {
        const started = startMerge(state, choice);
        state = started.state;
        merge = { plan: started.plan, steps: mergeSegmentsStepwise(started.plan.inputs, started.plan.name) };
      }
    } else {
      // One slice per step: refreshes (deletes, dropped segments, new ones) happen between slices.
      const next = merge.steps.next();
      if (next.done === true) {
        state = finishMerge(state, merge.plan, next.value).state;
        merge = undefined;
        finished++;
        const names = state.segments.map((segment) => segment.name);
        assert.equal(new Set(names).size, names.length, 'segment names stay unique');
      }
    }
    // Whatever the merge is doing, the state is always exactly the refreshed operations.
    if (pending.length === 0) assert.deepEqual(liveIds(state), [...model.keys()].sort());
  }
  assert.ok(finished > 10, `merges finished (${finished})`);
  state = applyOperations(state, pending, root, mappings).state;
  assert.deepEqual(liveIds(state), [...model.keys()].sort());
  assertSearchMatches(state, model);
});
