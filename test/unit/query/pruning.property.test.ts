// Top-k with block-max/MaxScore pruning must return exactly the exhaustive top k (issue 3, "Tests"):
// same ids, same scores, ties by doc order. Seeded (style P10): rerun with SEED=<n>.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withDeletes } from '../../../src/index/engine/index.js';
import { parseSearchRequest, searchShard } from '../../../src/index/query/index.js';
import { buildSegments, corpusMappings, corpusTags, corpusWords, createRandom, generateCorpus, testSeed } from '../engine/test-corpus.js';

const context = { mappings: corpusMappings, indexName: 'i', shardKey: 'i:0', nowMs: 0, defaultFields: ['*'] };
const baseSeed = testSeed();

for (let round = 0; round < 4; round++) {
  const seed = (baseSeed + round * 7919) >>> 0;
  test(`pruned top-k equals exhaustive top-k over random corpora and queries (seed=${seed})`, () => {
    const random = createRandom(seed);
    const docs = generateCorpus(1500 + Math.floor(random() * 2500), seed);
    let segments = buildSegments(docs, random, 1 + Math.floor(random() * 5));
    if (random() < 0.5) segments = segments.map((segment) => withDeletes(segment, Array.from({ length: segment.maxDoc }, (_, doc) => doc).filter(() => random() < 0.1)));
    const word = (): string => corpusWords[Math.floor(random() * corpusWords.length)]!;
    const queries: unknown[] = [];
    for (let index = 0; index < 25; index++) {
      const words = Array.from({ length: 1 + Math.floor(random() * 4) }, word).join(' ');
      const choice = Math.floor(random() * 6);
      if (choice === 0) queries.push({ match: { body: words } });
      else if (choice === 1) queries.push({ match: { body: { query: words, boost: 1 + random() * 3 } } });
      else if (choice === 2) queries.push({ bool: { must: [{ match: { body: word() } }], should: [{ match: { body: words } }] } });
      else if (choice === 3) queries.push({ bool: { should: [{ match: { body: words } }, { match: { title: word() } }], filter: [{ range: { price: { gte: random() * 50 } } }] } });
      else if (choice === 4) queries.push({ bool: { must: [{ match: { body: words } }], filter: [{ term: { tag: corpusTags[Math.floor(random() * corpusTags.length)] } }], must_not: [{ term: { flag: true } }] } });
      else queries.push({ dis_max: { queries: [{ match: { body: words } }, { match: { title: words } }], tie_breaker: 0.3 } });
    }
    for (const query of queries) {
      const size = 1 + Math.floor(random() * 20);
      const exhaustive = searchShard(segments, undefined, parseSearchRequest({ query, size, track_total_hits: true }), context);
      for (const trackTotalHits of [false, Math.floor(random() * 200)] as const) {
        const pruned = searchShard(segments, undefined, parseSearchRequest({ query, size, track_total_hits: trackTotalHits }), context);
        const message = `${JSON.stringify(query)} size=${size} track_total_hits=${trackTotalHits}`;
        assert.deepEqual(
          pruned.hits.map((hit) => [hit.globalDoc, hit.score]),
          exhaustive.hits.map((hit) => [hit.globalDoc, hit.score]),
          message,
        );
        if (typeof trackTotalHits === 'number' && exhaustive.totalHits <= trackTotalHits) {
          assert.equal(pruned.totalHits, exhaustive.totalHits, message);
          assert.equal(pruned.totalRelation, 'eq', message);
        }
        if (typeof trackTotalHits === 'number' && exhaustive.totalHits > trackTotalHits) assert.equal(pruned.totalRelation, 'gte', message);
      }
      // The exhaustive order itself: scores descending, ties by doc order.
      for (let index = 1; index < exhaustive.hits.length; index++) {
        const previous = exhaustive.hits[index - 1]!;
        const current = exhaustive.hits[index]!;
        assert.ok(previous.score > current.score || (previous.score === current.score && previous.globalDoc < current.globalDoc));
      }
    }
  });
}
