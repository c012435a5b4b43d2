// The segment builder (interned terms in a flat hash table, typed growable columns) must give
// exactly what a straightforward inversion gives: for text fields, the sorted terms of each
// analyzer's `analyze`, their docs, freqs and positions (values of a multi-valued field 100
// positions apart, Elasticsearch's position_increment_gap) and norms (Lucene's SmallFloat of the
// field length); for keyword fields the sorted distinct values with per-doc sorted, deduplicated
// ordinals (SortedSetDocValues); for numeric fields the per-doc sorted values and the (value, doc)
// points. Seeded random documents, with non-ASCII letters, surrogate pairs and case folding that
// turns a non-ASCII character into an ASCII one (the Kelvin sign lowercases to `k`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getAnalyzer } from '../../../src/index/analysis/index.js';
import { buildSegment, buildSegmentStepwise, buildSliceDocs, intToByte4, positionIncrementGap, toNumericValue, type FieldMappings, type KeywordDocValues, type NumericDocValues, type SegmentDocumentInput } from '../../../src/index/engine/index.js';
import { createRandom, testSeed } from './test-corpus.js';

const seed = testSeed();

const mappings: FieldMappings = {
  body: { type: 'text' },
  title: { type: 'text', analyzer: 'english' },
  words: { type: 'text', analyzer: 'whitespace' },
  tag: { type: 'keyword' },
  count: { type: 'long' },
  price: { type: 'double' },
};

const pieces = ['a', 'B', 'zé', 'Straße', 'K', '\u212a', 'İ', 'ǅ', '😀', '𝒜b', '中', '3', '1,5', "o'k", 'x.y', '_', ' ', ' ', ',', '-', "'", '.', '\u00a0'];

function randomText(random: () => number): string {
  let text = '';
  const length = Math.floor(random() * 16);
  for (let index = 0; index < length; index++) text += pieces[Math.floor(random() * pieces.length)]!;
  if (random() < 0.05) text += 'q'.repeat(250 + Math.floor(random() * 20)); // the 255-char split
  return text;
}

function randomDocs(seed: number, count: number): SegmentDocumentInput[] {
  const random = createRandom(seed);
  const docs: SegmentDocumentInput[] = [];
  for (let docId = 0; docId < count; docId++) {
    const fields: Record<string, unknown[]> = {};
    const values = (make: () => unknown): unknown[] => Array.from({ length: Math.floor(random() * 3) }, () => (random() < 0.1 ? null : make()));
    fields['body'] = values(() => randomText(random));
    fields['title'] = values(() => randomText(random));
    fields['words'] = values(() => randomText(random));
    fields['tag'] = values(() => pieces[Math.floor(random() * pieces.length)]! + pieces[Math.floor(random() * 4)]!);
    fields['count'] = values(() => Math.floor(random() * 7) - 3);
    fields['price'] = values(() => (random() < 0.1 ? -0 : Math.round(random() * 100) / 4 - 10));
    if (random() < 0.1) delete fields['body'];
    docs.push({ docId, id: `d${docId}`, source: '{}', fields });
  }
  return docs;
}

/** The built postings of `fields` against a straightforward inversion of each analyzer's `analyze`. */
function assertTextPostingsEqualReference(docs: readonly SegmentDocumentInput[], fieldMappings: FieldMappings, fields: readonly string[], label: string): void {
  const segment = buildSegment(docs, fieldMappings, { name: 's', maxSeqNo: 0 });
  for (const field of fields) {
    const analyzer = getAnalyzer(fieldMappings[field]!.analyzer ?? 'standard')!;
    const expected = new Map<string, Map<number, number[]>>();
    const norms = new Uint8Array(docs.length);
    for (const doc of docs) {
      let positionBase = 0;
      let length = 0;
      for (const value of doc.fields[field] ?? []) {
        if (value === null) continue;
        const tokens = analyzer.analyze(String(value));
        let last = -1;
        tokens.terms.forEach((term, index) => {
          last = positionBase + tokens.positions[index]!;
          const byDoc = expected.get(term) ?? new Map<number, number[]>();
          expected.set(term, byDoc);
          byDoc.set(doc.docId, [...(byDoc.get(doc.docId) ?? []), last]);
        });
        length += tokens.terms.length;
        if (last >= 0) positionBase = last + 1 + positionIncrementGap;
      }
      if (length > 0) norms[doc.docId] = intToByte4(length);
    }
    const postings = segment.postings.get(field)!;
    const terms = [...expected.keys()].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
    assert.deepEqual(postings.terms, terms, `${field}: terms (${label})`);
    for (let ordinal = 0; ordinal < terms.length; ordinal++) {
      assert.equal(postings.termOrdinals.get(terms[ordinal]!), ordinal);
      const actual: [number, number[]][] = [];
      for (let posting = postings.postingsStart[ordinal]!; posting < postings.postingsStart[ordinal + 1]!; posting++) {
        const positions = [...postings.positions.subarray(postings.positionsStart[posting]!, postings.positionsStart[posting + 1]!)];
        assert.equal(postings.freqs[posting], positions.length);
        actual.push([postings.docs[posting]!, positions]);
      }
      assert.deepEqual(actual, [...expected.get(terms[ordinal]!)!], `${field}: postings of [${terms[ordinal]}] (${label})`);
    }
    assert.deepEqual(postings.norms, norms, `${field}: norms (${label})`);
  }
}

test(`built text postings equal a straightforward inversion of analyze() (seed ${seed})`, () => {
  assertTextPostingsEqualReference(randomDocs(seed, 600), mappings, ['body', 'title', 'words'], `seed ${seed}`);
});

// The term table finds an ASCII span by its hash and length, then compares its bytes: words that
// share their hash and length (`tlmjeyl` and `oqlugah` hash alike, and so does any common prefix
// or suffix added to both) or a long prefix, in either case, of up to 40 characters, with enough
// distinct words that the table grows several times, must stay distinct terms with their own
// postings.
test(`terms that share a hash and length, or a long prefix, stay apart (seed ${seed})`, () => {
  const random = createRandom(seed);
  const colliding = [['tlmjeyl', 'oqlugah'], ['kvmwmto', 'uloakfw'], ['txvalof', 'fhtcpdy']] as const;
  const prefixes = ['', 'a', 'abcdefgh', 'abcdefghi', 'abcdefghijklmnop', 'abcdefghijklmnopq', 'abcdefghijklmnopqrstuvwxyz0123'];
  const words: string[] = [];
  for (const prefix of prefixes) for (const pair of colliding) for (const word of pair) words.push(prefix + word, word + prefix);
  for (let index = 0; index < 3000; index++) words.push(`abcdefghijklmnop${index.toString(36)}`, `w${index.toString(36).padStart(14, '0')}`);
  const docs: SegmentDocumentInput[] = [];
  for (let docId = 0; docId < 400; docId++) {
    const pick = (): string => {
      const word = words[Math.floor(random() * words.length)]!;
      return random() < 0.3 ? word.toUpperCase() : word;
    };
    const text = Array.from({ length: 1 + Math.floor(random() * 30) }, pick).join(random() < 0.5 ? ' ' : ', ');
    docs.push({ docId, id: `d${docId}`, source: '{}', fields: { body: [text, pick()] } });
  }
  assertTextPostingsEqualReference(docs, { body: { type: 'text' } }, ['body'], `seed ${seed}`);
});

test(`built keyword and numeric doc values equal straightforward per-document ones (seed ${seed})`, () => {
  const docs = randomDocs(seed, 600);
  const segment = buildSegment(docs, mappings, { name: 's', maxSeqNo: 0 });
  const tags = segment.docValues.get('tag') as KeywordDocValues;
  const terms = [...new Set(docs.flatMap((doc) => (doc.fields['tag'] ?? []).filter((value) => value !== null) as string[]))].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
  assert.deepEqual(segment.postings.get('tag')!.terms, terms, `tag terms (seed ${seed})`);
  for (const doc of docs) {
    const own = [...new Set((doc.fields['tag'] ?? []).filter((value) => value !== null).map((value) => terms.indexOf(value as string)))].sort((a, b) => a - b);
    assert.deepEqual([...tags.ordinals.subarray(tags.valueStart[doc.docId]!, tags.valueStart[doc.docId + 1]!)], own, `tag ordinals of doc ${doc.docId} (seed ${seed})`);
  }
  for (const field of ['count', 'price']) {
    const values = segment.docValues.get(field) as NumericDocValues;
    const points: [number, number][] = [];
    for (const doc of docs) {
      const own = (doc.fields[field] ?? []).map((value) => toNumericValue(value, mappings[field]!)).filter((value) => value !== undefined).sort((a, b) => a - b);
      const actual = [...values.values.subarray(values.valueStart[doc.docId]!, values.valueStart[doc.docId + 1]!)];
      assert.deepEqual(actual.map((value) => Object.is(value, -0) ? '-0' : value), own.map((value) => Object.is(value, -0) ? '-0' : value), `${field} of doc ${doc.docId} (seed ${seed})`);
      for (const value of own) points.push([value, doc.docId]);
    }
    points.sort((left, right) => left[0] - right[0] || left[1] - right[1]);
    assert.deepEqual([...values.pointValues], points.map((point) => point[0]), `${field} points (seed ${seed})`);
    assert.deepEqual([...values.pointDocs], points.map((point) => point[1]), `${field} point docs (seed ${seed})`);
  }
});

// A text field's postings are finished in steps of a few hundred thousand tokens (a refresh of
// 50,000 geonames documents held the thread 190–280 ms for its `description` in one step): with
// about 300,000 tokens in one field, the steps cross token and term boundaries and the postings
// still equal the straightforward inversion; finishing the field yields several times.
test(`a text field of many tokens is finished in several steps, with the same postings (seed ${seed})`, () => {
  const random = createRandom(seed + 7);
  const vocabulary = Array.from({ length: 40_000 }, (_, index) => `w${index.toString(36)}`);
  const docs: SegmentDocumentInput[] = [];
  for (let docId = 0; docId < 3_000; docId++) {
    // Skewed: a few very frequent terms (long postings) beside many rare ones.
    const words = Array.from({ length: 100 }, () => vocabulary[Math.floor(random() ** 3 * vocabulary.length)]!);
    docs.push({ docId, id: `d${docId}`, source: '{}', fields: { body: [words.join(' ')], tag: [`t${docId % 7}`] } });
  }
  const fieldMappings: FieldMappings = { body: { type: 'text' }, tag: { type: 'keyword' } };
  assertTextPostingsEqualReference(docs, fieldMappings, ['body'], `seed ${seed}`);
  const steps = buildSegmentStepwise({ length: docs.length, at: (docId) => docs[docId] }, fieldMappings, { name: 's', maxSeqNo: 0 });
  let yields = 0;
  let step = steps.next();
  while (step.done !== true) {
    yields++;
    step = steps.next();
  }
  const documentYields = Math.ceil(docs.length / buildSliceDocs) - 1;
  assert.ok(yields - documentYields >= 6, `the fields were finished in ${yields - documentYields} steps`);
  // The keyword field was finished stepwise too: its terms and each term's documents.
  const tag = step.value.postings.get('tag')!;
  assert.deepEqual(tag.terms, ['t0', 't1', 't2', 't3', 't4', 't5', 't6']);
  for (let ordinal = 0; ordinal < 7; ordinal++) {
    const docsOfTag = [...tag.docs.subarray(tag.postingsStart[ordinal]!, tag.postingsStart[ordinal + 1]!)];
    assert.deepEqual(docsOfTag, docs.filter((doc) => doc.docId % 7 === ordinal).map((doc) => doc.docId), `documents of t${ordinal}`);
  }
});
