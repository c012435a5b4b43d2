// BM25 as Lucene's BM25Similarity (k1=1.2, b=0.75; Lucene 8+ drops the (k1+1) factor):
// https://www.elastic.co/guide/en/elasticsearch/reference/current/index-modules-similarity.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getAnalyzer } from '../../../src/index/analysis/index.js';
import { buildSegment, byte4ToInt, intToByte4 } from '../../../src/index/engine/index.js';
import { parseSearchRequest, searchShard } from '../../../src/index/query/index.js';
import { buildSegments, corpusMappings, createRandom, generateCorpus, testSeed } from './test-corpus.js';

const context = { mappings: corpusMappings, indexName: 'i', shardKey: 'i:0', nowMs: 0, defaultFields: ['*'] };

test('one document, "fox" in "quick brown fox": idf 0.2876821 (as Elasticsearch explains it) × tf 1/2.2', () => {
  const segment = buildSegment([{ docId: 0, id: '1', source: '{}', fields: { body: ['quick brown fox'] } }], corpusMappings, { name: 's', maxSeqNo: 0 });
  const result = searchShard([segment], undefined, parseSearchRequest({ query: { match: { body: 'fox' } } }), context);
  // Lucene computes in float: score = weight − weight / (1 + freq · normInverse).
  assert.ok(Math.abs(result.hits[0]!.score - 0.2876821 / 2.2) < 1e-7, String(result.hits[0]!.score));
  assert.equal(result.hits[0]!.score, Math.fround(result.hits[0]!.score));
});

test('BM25 scores on a small corpus equal the formula idf · tf / (tf + k1 · (1 − b + b · dl / avgdl))', () => {
  const texts = ['the cat sat', 'the cat sat on the mat with the other cat', 'dogs and cats', 'a cat', 'nothing here at all', 'cat cat cat cat'];
  const segment = buildSegment(texts.map((text, docId) => ({ docId, id: String(docId), source: '{}', fields: { body: [text] } })), corpusMappings, { name: 's', maxSeqNo: 0 });
  const analyzer = getAnalyzer('standard')!;
  const lengths = texts.map((text) => analyzer.analyze(text).terms.length);
  const avgdl = lengths.reduce((a, b) => a + b, 0) / texts.length;
  for (const [term, boost] of [['cat', 1], ['the', 2.5], ['mat', 1], ['nothing', 0.5]] as const) {
    const docFreq = texts.filter((text) => analyzer.analyze(text).terms.includes(term)).length;
    const idf = Math.log(1 + (texts.length - docFreq + 0.5) / (docFreq + 0.5));
    const expected = new Map<string, number>();
    texts.forEach((text, doc) => {
      const freq = analyzer.analyze(text).terms.filter((token) => token === term).length;
      if (freq === 0) return;
      const dl = byte4ToInt(intToByte4(lengths[doc]!)); // lossy 1-byte norm, exact for these lengths
      expected.set(String(doc), (boost * idf * freq) / (freq + 1.2 * (1 - 0.75 + (0.75 * dl) / avgdl)));
    });
    const result = searchShard([segment], undefined, parseSearchRequest({ query: { term: { body: { value: term, boost } } } }), context);
    assert.equal(result.hits.length, expected.size, term);
    for (const hit of result.hits) {
      const want = expected.get(segment.ids[hit.doc]!)!;
      assert.ok(Math.abs(hit.score - want) <= want * 1e-6, `${term} doc ${hit.doc}: ${hit.score} vs ${want}`);
    }
  }
});

const seed = testSeed();
test(`shard-level statistics: scores do not depend on how docs are split into segments (seed=${seed})`, () => {
  const docs = generateCorpus(400, seed);
  const one = buildSegments(docs, createRandom(seed), 1);
  const many = buildSegments(docs, createRandom(seed + 1), 7);
  const request = parseSearchRequest({ query: { bool: { should: [{ match: { body: 'alpha theta' } }, { match: { title: 'gammaing' } }] } }, size: 50, track_total_hits: true });
  const left = searchShard(one, undefined, request, context);
  const right = searchShard(many, undefined, request, context);
  assert.equal(left.totalHits, right.totalHits);
  assert.deepEqual(left.hits.map((hit) => [hit.globalDoc, hit.score]), right.hits.map((hit) => [hit.globalDoc, hit.score]));
});
