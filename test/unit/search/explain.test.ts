// Score explanations (src/search/explain.ts) over seeded in-memory segments: every hit's
// explanation has the value the query phase scored it with, to the bit, and a BM25 term's
// factors multiply to that score as Lucene's BM25Similarity explains them
// (https://www.elastic.co/guide/en/elasticsearch/reference/current/search-explain.html,
// Lucene BM25Similarity.BM25Scorer.explain, BooleanWeight.explain, DisjunctionMaxWeight.explain).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeShardStats } from '../../../src/index/engine/index.js';
import { bm25Idf, parseQuery, parseSearchRequest, planQuery, searchShard } from '../../../src/index/query/index.js';
import { explainDocument, javaFloatText, type ExplainedNode } from '../../../src/search/explain.js';
import { buildSegments, corpusMappings, createRandom, generateCorpus, testSeed } from '../engine/test-corpus.js';

const seed = testSeed();
const segments = buildSegments(generateCorpus(120, seed), createRandom(seed), 3);
const stats = computeShardStats(segments);
const planContext = { stats, segments, mappings: corpusMappings, nowMs: Date.UTC(2024, 0, 15), indexName: 'corpus', defaultFields: ['*'] };
const searchContext = { mappings: corpusMappings, indexName: 'corpus', shardKey: 'corpus:0', nowMs: planContext.nowMs, defaultFields: ['*'] };

/** Every hit of `query` with its explanation. */
function explainHits(query: unknown): { score: number; explanation: ExplainedNode }[] {
  const request = parseSearchRequest({ query, size: 50 });
  const weight = planQuery(request.query, planContext);
  return searchShard(segments, stats, request, searchContext).hits.map((hit) => ({ score: hit.score, explanation: explainDocument(weight, segments[hit.segmentIndex]!, hit.doc) }));
}

const find = (node: ExplainedNode, prefix: string): ExplainedNode | undefined =>
  node.description.startsWith(prefix) ? node : node.details.map((child) => find(child, prefix)).find((found) => found !== undefined);

test(`explanations equal the query phase's scores for term, match, phrase, bool, dis_max, constant_score, range (seed=${seed})`, () => {
  const queries: unknown[] = [
    { match: { body: 'alpha' } },
    { term: { tag: 'red' } },
    { match: { body: 'beta gamma delta' } },
    { match: { body: { query: 'beta gamma', operator: 'and', boost: 2.5 } } },
    { match_phrase: { body: 'alpha beta' } },
    { match_phrase: { body: { query: 'alpha gamma', slop: 2 } } },
    { bool: { must: [{ match: { body: 'alpha' } }], should: [{ match: { title: 'beta' } }], filter: [{ term: { tag: 'red' } }], must_not: [{ term: { tag: 'blue' } }] } },
    { bool: { should: [{ match: { body: 'gamma' } }, { match: { body: 'delta' } }, { term: { tag: 'green' } }], minimum_should_match: 2 } },
    { dis_max: { queries: [{ match: { body: 'alpha' } }, { match: { title: 'alpha' } }], tie_breaker: 0.3 } },
    { constant_score: { filter: { term: { tag: 'black' } }, boost: 1.5 } },
    { range: { count: { gte: 10, lte: 500 } } },
    { bool: { must_not: [{ term: { tag: 'red' } }] } },
    { multi_match: { query: 'alpha beta', fields: ['body', 'title^2'] } },
    { match_all: {} },
  ];
  for (const query of queries) {
    const hits = explainHits(query);
    assert.ok(hits.length > 0, `${JSON.stringify(query)} has hits`);
    for (const { score, explanation } of hits) {
      assert.equal(explanation.match, true, JSON.stringify(query));
      assert.equal(explanation.value, score, `${JSON.stringify(query)}: explanation value is the score`);
    }
  }
});

test(`a BM25 term: boost * idf * tf from n, N, freq, k1, b, dl, avgdl (seed=${seed})`, () => {
  for (const { score, explanation } of explainHits({ match: { body: { query: 'gamma', boost: 2 } } })) {
    assert.match(explanation.description, /^weight\(body:gamma in \d+\) \[PerFieldSimilarity\], result of:$/);
    const computed = explanation.details[0]!;
    assert.match(computed.description, /^score\(freq=\d+\.0\), computed as boost \* idf \* tf from:$/);
    const [boost, idf, tf] = computed.details as [ExplainedNode, ExplainedNode, ExplainedNode];
    assert.deepEqual([boost.description, boost.value], ['boost', 2]);
    const [n, N] = idf.details.map((detail) => detail.value) as [number, number];
    assert.equal(idf.details[0]!.description, 'n, number of documents containing term');
    assert.equal(N, stats.fieldStats('body')!.docCount);
    assert.equal(n, stats.docFreq('body', 'gamma'));
    assert.equal(idf.value, bm25Idf(N, n));
    assert.ok(Math.abs(idf.value - Math.log(1 + (N - n + 0.5) / (n + 0.5))) < 1e-6);
    const [freq, k1, b, dl, avgdl] = tf.details.map((detail) => detail.value) as [number, number, number, number, number];
    assert.deepEqual(tf.details.map((detail) => detail.description.split(',')[0]), ['freq', 'k1', 'b', 'dl', 'avgdl']);
    assert.ok(Math.abs(k1 - 1.2) < 1e-6 && Math.abs(b - 0.75) < 1e-6);
    assert.ok(Math.abs(tf.value - freq / (freq + k1 * (1 - b + (b * dl) / avgdl))) < 1e-6);
    assert.ok(Math.abs(boost.value * idf.value * tf.value - score) / score < 1e-6, 'the factors multiply to the score');
  }
});

test(`bool: sum of the scoring clauses, filters as "match on required clause", failures named (seed=${seed})`, () => {
  const query = { bool: { must: [{ match: { body: 'alpha' } }], should: [{ match: { body: 'beta' } }], filter: [{ term: { tag: 'red' } }] } };
  for (const { score, explanation } of explainHits(query)) {
    assert.equal(explanation.description, 'sum of:');
    const filter = explanation.details.find((detail) => detail.description === 'match on required clause, product of:')!;
    assert.deepEqual(filter.details.map((detail) => [detail.value, detail.description]), [[0, '# clause'], [0, 'tag:red']]);
    const scoring = explanation.details.filter((detail) => detail !== filter).reduce((sum, detail) => sum + detail.value, 0);
    assert.ok(Math.abs(scoring - score) / score < 1e-6, 'the scoring clauses add up to the score');
  }
  // A document the filter rejects: the failure is explained, value 0.
  const weight = planQuery(parseQuery(query), planContext);
  const rejected = searchShard(segments, stats, parseSearchRequest({ query: { bool: { must: [{ match: { body: 'alpha' } }], must_not: [{ term: { tag: 'red' } }] } } }), searchContext).hits[0]!;
  const explanation = explainDocument(weight, segments[rejected.segmentIndex]!, rejected.doc);
  assert.equal(explanation.match, false);
  assert.equal(explanation.value, 0);
  assert.equal(explanation.description, 'Failure to meet condition(s) of required/prohibited clause(s)');
  assert.ok(find(explanation, 'no match on required clause (tag:red)') !== undefined);
});

test('constant scores print as Lucene prints the query; dis_max as "max plus .. times others of:"', () => {
  const [constant] = explainHits({ constant_score: { filter: { term: { tag: 'black' } }, boost: 1.5 } });
  assert.deepEqual([constant!.explanation.value, constant!.explanation.description], [1.5, 'ConstantScore(tag:black)^1.5']);
  const [all] = explainHits({ match_all: {} });
  assert.deepEqual([all!.explanation.value, all!.explanation.description], [1, '*:*']);
  const [disMax] = explainHits({ dis_max: { queries: [{ match: { body: 'alpha' } }, { term: { tag: 'red' } }], tie_breaker: 0.5 } });
  assert.equal(disMax!.explanation.description, 'max plus 0.5 times others of:');
  const [phrase] = explainHits({ match_phrase: { body: 'alpha beta' } });
  assert.match(phrase!.explanation.description, /^weight\(body:"alpha beta" in \d+\) \[PerFieldSimilarity\], result of:$/);
  assert.equal(find(phrase!.explanation, 'idf, sum of:')!.details.length, 2);
});

test('javaFloatText prints floats as Java Float.toString', () => {
  assert.equal(javaFloatText(1), '1.0');
  assert.equal(javaFloatText(Math.fround(1.2)), '1.2');
  assert.equal(javaFloatText(Math.fround(0.75)), '0.75');
  assert.equal(javaFloatText(Math.fround(1e-4)), '1.0E-4');
  assert.equal(javaFloatText(1.5e7), '1.5E7');
  assert.equal(javaFloatText(0), '0.0');
});
