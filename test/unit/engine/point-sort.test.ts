// Points of numeric fields are sorted by value, then by position (doc order), as Lucene's BKD
// points are visited in value order. The radix sort must give exactly the comparison sort's order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSegment, isLive, mergeSegments, withDeletes } from '../../../src/index/engine/index.js';
import { comparisonSortOrder, radixSortOrder, sortPoints } from '../../../src/index/engine/segment-builder.js';
import { buildSegments, corpusMappings, createRandom, generateCorpus, toInput } from './test-corpus.js';

const seed = 1313;

function randomValues(random: () => number, count: number, shape: number): Float64Array {
  const values = new Float64Array(count);
  for (let index = 0; index < count; index++) {
    const r = random();
    if (shape === 0) values[index] = Math.floor(r * 50); // few distinct small integers: many ties
    else if (shape === 1) values[index] = (r - 0.5) * 1e6; // negatives and fractions
    else if (shape === 2) values[index] = Date.UTC(2000, 0, 1) + Math.floor(r * 8e11); // epoch millis
    else if (shape === 3) values[index] = r < 0.1 ? -0 : r < 0.2 ? 0 : r < 0.3 ? -Number.MAX_VALUE : r < 0.4 ? Number.MAX_VALUE : r < 0.5 ? Number.MIN_VALUE : r < 0.6 ? -Number.MIN_VALUE : (r - 0.8) * 1e-300;
    else values[index] = Math.fround((r - 0.3) * 2 ** Math.floor(random() * 80 - 40));
  }
  return values;
}

test('radix sort order equals the comparison sort order on random values (seeded)', () => {
  const random = createRandom(seed);
  for (let round = 0; round < 40; round++) {
    const count = 1 + Math.floor(random() * 20_000);
    const values = randomValues(random, count, round % 5);
    assert.deepEqual(radixSortOrder(values), comparisonSortOrder(values), `round ${round} (shape ${round % 5}, ${count} values)`);
  }
});

test('radix sort order handles the empty input and a single value', () => {
  assert.deepEqual(radixSortOrder(new Float64Array(0)), new Uint32Array(0));
  assert.deepEqual(radixSortOrder(Float64Array.of(-3)), Uint32Array.of(0));
});

test('sortPoints gives (value, doc) pairs by value then doc on both sides of the radix threshold', () => {
  const random = createRandom(seed + 1);
  for (const count of [10, 4095, 4096, 30_000]) {
    const values = randomValues(random, count, 0);
    const docs = Int32Array.from({ length: count }, (_, index) => index * 2);
    const { pointValues, pointDocs } = sortPoints(values, docs);
    for (let index = 1; index < count; index++) {
      assert.ok(pointValues[index - 1]! < pointValues[index]! || (pointValues[index - 1] === pointValues[index] && pointDocs[index - 1]! < pointDocs[index]!), `pair ${index} of ${count} in order`);
    }
    assert.deepEqual([...pointDocs].sort((a, b) => a - b), [...docs]);
  }
});

test('merge of large segments with deletes (radix-sorted points, k-way term merge) equals a fresh build of the live docs', () => {
  const random = createRandom(seed + 2);
  const docs = generateCorpus(10_000, seed);
  const segments = buildSegments(docs, random, 3).map((segment) => withDeletes(segment, Array.from({ length: segment.maxDoc }, (_, doc) => doc).filter(() => random() < 0.2)));
  const merged = mergeSegments(segments, 'merged');
  const liveIds = segments.flatMap((segment) => segment.ids.filter((_, doc) => isLive(segment, doc)));
  const byId = new Map(docs.map((doc) => [doc.id, doc]));
  const rebuilt = buildSegment(liveIds.map((id, docId) => toInput(byId.get(id)!, docId)), corpusMappings, { name: 'rebuilt', maxSeqNo: 0 });
  assert.deepEqual(merged.ids, rebuilt.ids);
  for (const [path, field] of rebuilt.postings) {
    const other = merged.postings.get(path)!;
    assert.deepEqual(other.terms, field.terms, path);
    for (const key of ['postingsStart', 'docs', 'freqs', 'positionsStart', 'positions', 'norms', 'blockLastDoc', 'impactStart', 'impactFreqs', 'impactNorms'] as const) {
      assert.deepEqual([...other[key]], [...field[key]], `${path}.${key}`);
    }
    assert.equal(other.docCount, field.docCount, path);
  }
  for (const [path, values] of rebuilt.docValues) {
    const other = merged.docValues.get(path)!;
    assert.deepEqual([...other.valueStart], [...values.valueStart], path);
    if (values.kind === 'numeric' && other.kind === 'numeric') {
      if (path === 'count') assert.ok(values.pointValues.length >= 4096, 'the numeric field crosses the radix threshold');
      assert.deepEqual([...other.values], [...values.values], path);
      assert.deepEqual([...other.pointValues], [...values.pointValues], path);
      assert.deepEqual([...other.pointDocs], [...values.pointDocs], path);
    } else if (values.kind === 'keyword' && other.kind === 'keyword') assert.deepEqual([...other.ordinals], [...values.ordinals], path);
  }
});
