// Segments: postings, norms, doc values, deletes, merge and the versioned format (style P7, P12).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allSourceTexts,
  SEGMENT_FORMAT_VERSION,
  SegmentFormatError,
  buildSegment,
  byte4ToInt,
  deserializeSegment,
  intToByte4,
  isLive,
  mergeSegments,
  serializeSegment,
  sourceOf,
  withDeletes,
  type Segment,
} from '../../../src/index/engine/index.js';
import { getAnalyzer } from '../../../src/index/analysis/index.js';
import { parseSearchRequest, searchShard } from '../../../src/index/query/index.js';
import { buildSegments, corpusMappings, createRandom, generateCorpus, testSeed, toInput } from './test-corpus.js';

const mappings = { body: { type: 'text' as const }, tag: { type: 'keyword' as const }, n: { type: 'long' as const } };
const small = (): Segment =>
  buildSegment(
    [
      { docId: 0, id: 'a', source: '{}', fields: { body: ['the quick fox', 'the fox'], tag: ['x', 'y', 'x'], n: [5, 1] } },
      { docId: 1, id: 'b', source: '{}', fields: { body: ['lazy dog'], tag: ['y'] } },
      { docId: 2, id: 'c', source: '{}', fields: { n: [3] } },
    ],
    mappings,
    { name: 's0', maxSeqNo: 2 },
  );

test('text postings hold sorted terms, doc ids, freqs and positions (multi-values 100 positions apart)', () => {
  const field = small().postings.get('body')!;
  assert.deepEqual(field.terms, ['dog', 'fox', 'lazy', 'quick', 'the']);
  const fox = field.termOrdinals.get('fox')!;
  const posting = field.postingsStart[fox]!;
  assert.equal(field.postingsStart[fox + 1]! - posting, 1);
  assert.equal(field.docs[posting], 0);
  assert.equal(field.freqs[posting], 2);
  assert.deepEqual([...field.positions.subarray(field.positionsStart[posting]!, field.positionsStart[posting + 1]!)], [2, 104]);
  assert.equal(field.docCount, 2);
  assert.equal(field.sumTotalTermFreq, 7);
  assert.deepEqual([...field.norms], [5, 2, 0]);
});

test('keyword doc values: per-doc sorted, deduplicated ordinals; numeric values sorted per doc with points', () => {
  const segment = small();
  const tags = segment.docValues.get('tag')!;
  assert.equal(tags.kind, 'keyword');
  assert.deepEqual([...tags.valueStart], [0, 2, 3, 3]);
  assert.deepEqual([...(tags as { ordinals: Int32Array }).ordinals], [0, 1, 1]);
  assert.equal(tags.singleValued, false);
  const numbers = segment.docValues.get('n')!;
  assert.equal(numbers.kind, 'numeric');
  if (numbers.kind !== 'numeric') return;
  assert.deepEqual([...numbers.values], [1, 5, 3]);
  assert.deepEqual([...numbers.pointValues], [1, 3, 5]);
  assert.deepEqual([...numbers.pointDocs], [0, 2, 0]);
  assert.equal(segment.postings.get('tag')!.docCount, 2);
});

test("norms use Lucene's SmallFloat.intToByte4 (exact below 40, 4 significant bits beyond)", () => {
  for (let length = 0; length < 40; length++) assert.equal(byte4ToInt(intToByte4(length)), length);
  assert.equal(byte4ToInt(intToByte4(100)), 96);
  assert.equal(intToByte4(2 ** 31 - 1), 255);
});

test('deletes: withDeletes returns a new segment and leaves the old one untouched', () => {
  const segment = small();
  const deleted = withDeletes(segment, [1]);
  assert.equal(deleted.liveDocCount, 2);
  assert.equal(isLive(deleted, 1), false);
  assert.equal(isLive(segment, 1), true);
  assert.equal(segment.liveDocs, null);
});

test(`format v${SEGMENT_FORMAT_VERSION}: serialize → deserialize round-trips; corruption and other versions are refused`, () => {
  const segment = withDeletes(small(), [2]);
  const bytes = serializeSegment(segment);
  const loaded = deserializeSegment(bytes);
  assert.equal(loaded.maxSeqNo, 2);
  assert.deepEqual(loaded.ids, segment.ids);
  assert.equal(loaded.liveDocCount, 2);
  for (const [path, field] of segment.postings) {
    const other = loaded.postings.get(path)!;
    assert.deepEqual(other.terms, field.terms);
    assert.deepEqual([...other.docs], [...field.docs]);
    assert.deepEqual([...other.positions], [...field.positions]);
    assert.deepEqual([...other.impactFreqs], [...field.impactFreqs]);
    assert.deepEqual([...other.norms], [...field.norms]);
  }
  const corrupt = Buffer.from(bytes);
  corrupt[corrupt.length - 3]! ^= 0xff;
  assert.throws(() => deserializeSegment(corrupt), SegmentFormatError);
  const future = Buffer.from(bytes);
  future.writeUInt32LE(SEGMENT_FORMAT_VERSION + 1, 8);
  assert.throws(() => deserializeSegment(future), /unsupported segment format version/);
  assert.throws(() => deserializeSegment(Buffer.from('nope')), SegmentFormatError);
});

test('sources are kept and persisted as their JSON text, byte for byte, whatever their characters', () => {
  const texts = ['{"a":"\u00e9t\u00e9 \u6771\u4eac \ud83d\ude00"}', '{}', '{"quote":"say \\"hi\\"","nl":"a\\nb"}', `{"long":"${'x'.repeat(70_000)}"}`, '{ "spaced" : [ 1 , 2 ] }'];
  const segment = buildSegment(texts.map((source, docId) => ({ docId, id: String(docId), source, fields: {} })), corpusMappings, { name: 's', maxSeqNo: 4 });
  assert.deepEqual(allSourceTexts(segment.sources), texts);
  const loaded = deserializeSegment(serializeSegment(segment));
  assert.deepEqual(allSourceTexts(loaded.sources), texts);
  assert.deepEqual(sourceOf(loaded, 4), { spaced: [1, 2] });
  const merged = mergeSegments([withDeletes(loaded, [1]), segment], 'm');
  assert.deepEqual(allSourceTexts(merged.sources), [texts[0], ...texts.slice(2), ...texts]);
});

const seed = testSeed();
test(`merge of segments with deletes equals one segment built from the live docs (seed=${seed})`, () => {
  const random = createRandom(seed);
  const docs = generateCorpus(300, seed);
  const segments = buildSegments(docs, random, 4).map((segment) => withDeletes(segment, Array.from({ length: segment.maxDoc }, (_, doc) => doc).filter(() => random() < 0.2)));
  const merged = mergeSegments(segments, 'merged');
  const liveIds = segments.flatMap((segment) => segment.ids.filter((_, doc) => isLive(segment, doc)));
  const liveDocs = liveIds.map((id) => docs.find((doc) => doc.id === id)!);
  const rebuilt = buildSegment(liveDocs.map(toInput), corpusMappings, { name: 'rebuilt', maxSeqNo: 0 });
  assert.deepEqual(merged.ids, rebuilt.ids);
  for (const [path, field] of rebuilt.postings) {
    const other = merged.postings.get(path)!;
    assert.deepEqual(other.terms, field.terms, path);
    assert.deepEqual([...other.postingsStart], [...field.postingsStart], path);
    assert.deepEqual([...other.docs], [...field.docs], path);
    assert.deepEqual([...other.freqs], [...field.freqs], path);
    assert.deepEqual([...other.positions], [...field.positions], path);
    assert.deepEqual([...other.norms], [...field.norms], path);
    assert.deepEqual([...other.impactStart], [...field.impactStart], path);
    assert.equal(other.docCount, field.docCount, path);
  }
  for (const [path, values] of rebuilt.docValues) {
    const other = merged.docValues.get(path)!;
    assert.deepEqual([...other.valueStart], [...values.valueStart], path);
    if (values.kind === 'numeric' && other.kind === 'numeric') {
      assert.deepEqual([...other.values], [...values.values], path);
      assert.deepEqual([...other.pointDocs], [...values.pointDocs], path);
    } else if (values.kind === 'keyword' && other.kind === 'keyword') assert.deepEqual([...other.ordinals], [...values.ordinals], path);
  }
  const request = parseSearchRequest({ query: { match: { body: 'alpha gamma' } }, track_total_hits: true });
  const context = { mappings: corpusMappings, indexName: 'i', shardKey: 'i:0', nowMs: 0, defaultFields: ['*'] };
  const left = searchShard([merged], undefined, request, context);
  const right = searchShard([rebuilt], undefined, request, context);
  assert.equal(left.totalHits, right.totalHits);
  assert.deepEqual(left.hits.map((hit) => [hit.doc, hit.score]), right.hits.map((hit) => [hit.doc, hit.score]));
});

test('indexing through analyzer spans gives the same terms and positions as analyze() (mixed case, non-ASCII)', () => {
  const texts = ['Ünïcode STRASSE straße Straße ÇA ça 中文 İstanbul', "don't DON'T Don't 3.14 foo_BAR", 'a'.repeat(300)];
  const segment = buildSegment(texts.map((text, docId) => ({ docId, id: String(docId), source: '{}', fields: { body: [text] } })), mappings, { name: 's', maxSeqNo: 0 });
  const field = segment.postings.get('body')!;
  const expected = new Map<string, [number, number][]>();
  texts.forEach((text, doc) => {
    const tokens = getAnalyzer('standard')!.analyze(text);
    tokens.terms.forEach((term, index) => {
      if (!expected.has(term)) expected.set(term, []);
      expected.get(term)!.push([doc, tokens.positions[index]!]);
    });
  });
  assert.deepEqual(field.terms, [...expected.keys()].sort());
  for (const [term, occurrences] of expected) {
    const ordinal = field.termOrdinals.get(term)!;
    const actual: [number, number][] = [];
    for (let posting = field.postingsStart[ordinal]!; posting < field.postingsStart[ordinal + 1]!; posting++) {
      for (let index = field.positionsStart[posting]!; index < field.positionsStart[posting + 1]!; index++) actual.push([field.docs[posting]!, field.positions[index]!]);
    }
    assert.deepEqual(actual, occurrences, term);
  }
});

test('_id lookups: every id of a built, merged and deserialized segment finds its doc; an unknown id none; spread copies share the one lookup', () => {
  const built = small();
  for (const segment of [built, deserializeSegment(serializeSegment(built)), mergeSegments([built, small()], 'm'), { ...built }]) {
    const expected = segment.ids.map((id, doc) => [id, segment.ids.lastIndexOf(id) === doc ? doc : segment.ids.lastIndexOf(id)]);
    assert.deepEqual(segment.ids.map((id) => [id, segment.idOrdinals.get(id)]), expected);
    assert.equal(segment.idOrdinals.get('nope'), undefined);
  }
  assert.equal({ ...built }.idOrdinals, built.idOrdinals);
});
