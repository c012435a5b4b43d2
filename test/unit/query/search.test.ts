// Query DSL semantics checked against brute force over generated data (issue 3, "Tests"):
// https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getAnalyzer } from '../../../src/index/analysis/index.js';
import { mergeShardResults, parseSearchRequest, searchShard, type SearchRequest } from '../../../src/index/query/index.js';
import { buildSegments, type CorpusDoc, corpusMappings, createRandom, generateCorpus } from '../engine/test-corpus.js';

const seed = 20261124;
const docs = generateCorpus(1200, seed);
const segments = buildSegments(docs, createRandom(seed), 3);
const nowMs = Date.UTC(2024, 0, 15, 12, 0, 0);
const context = { mappings: corpusMappings, indexName: 'corpus', shardKey: 'corpus:0', nowMs, defaultFields: ['*'] };
const standard = getAnalyzer('standard')!;
const english = getAnalyzer('english')!;
const bodyTokens = docs.map((doc) => standard.analyze(doc.body).terms);
const titleTokens = docs.map((doc) => english.analyze(doc.title).terms);

function run(body: unknown): { ids: string[]; total: number; relation: string | undefined; request: SearchRequest; sorts: unknown[][] } {
  const request = parseSearchRequest(body);
  const merged = mergeShardResults([searchShard(segments, undefined, request, context)], request);
  return {
    ids: merged.hits.map((hit) => segments[hit.segmentIndex]!.ids[hit.doc]!),
    total: merged.total?.value ?? -1,
    relation: merged.total?.relation,
    request,
    sorts: merged.hits.map((hit) => [...(hit.sortValues ?? [])]),
  };
}

function expectCount(query: unknown, predicate: (doc: CorpusDoc, index: number) => boolean): void {
  const expected = docs.filter(predicate).length;
  const actual = run({ query, size: 0, track_total_hits: true }).total;
  assert.equal(actual, expected, JSON.stringify(query));
}

test('match: operator or/and and minimum_should_match count the right docs (query-dsl-match-query)', () => {
  expectCount({ match: { body: 'alpha gamma' } }, (_, i) => bodyTokens[i]!.includes('alpha') || bodyTokens[i]!.includes('gamma'));
  expectCount({ match: { body: { query: 'alpha gamma', operator: 'and' } } }, (_, i) => bodyTokens[i]!.includes('alpha') && bodyTokens[i]!.includes('gamma'));
  expectCount({ match: { body: { query: 'alpha gamma iota', minimum_should_match: 2 } } }, (_, i) => ['alpha', 'gamma', 'iota'].filter((w) => bodyTokens[i]!.includes(w)).length >= 2);
  expectCount({ match: { body: { query: 'alpha gamma iota', minimum_should_match: '-1' } } }, (_, i) => ['alpha', 'gamma', 'iota'].filter((w) => bodyTokens[i]!.includes(w)).length >= 2);
  expectCount({ match: { title: 'gammas' } }, (_, i) => titleTokens[i]!.includes('gamma')); // english stemming at query time
});

test('term-level queries: term, terms, range, exists, ids, prefix, wildcard (term-level-queries)', () => {
  expectCount({ term: { tag: 'red' } }, (doc) => doc.tags.includes('red'));
  expectCount({ terms: { tag: ['red', 'blue'] } }, (doc) => doc.tags.includes('red') || doc.tags.includes('blue'));
  expectCount({ term: { flag: true } }, (doc) => doc.flag);
  expectCount({ term: { count: 42 } }, (doc) => doc.count === 42);
  expectCount({ terms: { count: [1, 2, '3'] } }, (doc) => doc.count === 1 || doc.count === 2 || doc.count === 3);
  expectCount({ range: { price: { gte: 10, lt: 20.5 } } }, (doc) => doc.price >= 10 && doc.price < 20.5);
  expectCount({ range: { count: { gt: 10.5, lte: 50 } } }, (doc) => doc.count !== undefined && doc.count > 10.5 && doc.count <= 50);
  expectCount({ range: { tag: { gte: 'blue', lt: 'red' } } }, (doc) => doc.tags.some((tag) => tag >= 'blue' && tag < 'red'));
  expectCount({ exists: { field: 'count' } }, (doc) => doc.count !== undefined);
  expectCount({ exists: { field: 'tag' } }, (doc) => doc.tags.length > 0);
  expectCount({ ids: { values: ['d1', 'd7', 'nope'] } }, (doc) => doc.id === 'd1' || doc.id === 'd7');
  expectCount({ prefix: { tag: 'bl' } }, (doc) => doc.tags.some((tag) => tag.startsWith('bl')));
  expectCount({ wildcard: { body: 'ep*on' } }, (_, i) => bodyTokens[i]!.includes('epsilon'));
  expectCount({ wildcard: { tag: { value: 'R?D', case_insensitive: true } } }, (doc) => doc.tags.includes('red'));
  expectCount({ fuzzy: { body: 'alpah' } }, (_, i) => bodyTokens[i]!.includes('alpha'));
  expectCount({ match: { body: { query: 'gammma', fuzziness: 'AUTO' } } }, (_, i) => bodyTokens[i]!.includes('gamma'));
});

test('dates: range with date math uses the given now, rounding /d as Elasticsearch (common-options#date-math)', () => {
  const startOfDay = Date.UTC(2024, 0, 15);
  expectCount({ range: { date: { gte: 'now-30d/d' } } }, (doc) => doc.date >= startOfDay - 30 * 86_400_000);
  expectCount({ range: { date: { gt: 'now-30d/d' } } }, (doc) => doc.date > startOfDay - 29 * 86_400_000 - 1);
  expectCount({ range: { date: { lte: '2023-03-01' } } }, (doc) => doc.date <= Date.UTC(2023, 2, 1));
  expectCount({ range: { date: { gte: '2023-03-01||+1M/M', time_zone: '+01:00' } } }, (doc) => doc.date >= Date.UTC(2023, 3, 1) - 3_600_000);
  expectCount({ range: { date: { gte: '01/03/2023', format: 'dd/MM/yyyy' } } }, (doc) => doc.date >= Date.UTC(2023, 2, 1));
});

test('bool: must, should, filter, must_not and minimum_should_match (query-dsl-bool-query)', () => {
  const has = (i: number, word: string): boolean => bodyTokens[i]!.includes(word);
  expectCount({ bool: { must: [{ match: { body: 'alpha' } }], filter: [{ range: { price: { gte: 50 } } }], must_not: [{ term: { tag: 'red' } }] } }, (doc, i) => has(i, 'alpha') && doc.price >= 50 && !doc.tags.includes('red'));
  expectCount({ bool: { should: [{ term: { tag: 'red' } }, { term: { tag: 'blue' } }, { term: { flag: true } }], minimum_should_match: 2 } }, (doc) => [doc.tags.includes('red'), doc.tags.includes('blue'), doc.flag].filter(Boolean).length >= 2);
  expectCount({ bool: { filter: [{ term: { flag: false } }], should: [{ match: { body: 'zeta' } }] } }, (doc) => !doc.flag); // should is optional next to a filter
  expectCount({ bool: { must_not: [{ exists: { field: 'count' } }] } }, (doc) => doc.count === undefined);
  expectCount({ bool: {} }, () => true);
  expectCount({ constant_score: { filter: { term: { tag: 'green' } }, boost: 2 } }, (doc) => doc.tags.includes('green'));
  expectCount({ dis_max: { queries: [{ term: { tag: 'green' } }, { match: { body: 'mu' } }] } }, (doc, i) => doc.tags.includes('green') || has(i, 'mu'));
});

test('phrases: match_phrase with and without slop, match_phrase_prefix (query-dsl-match-query-phrase)', () => {
  const adjacent = (tokens: string[], first: string, second: string, slop: number): boolean =>
    tokens.some((token, i) => token === first && tokens.some((other, j) => other === second && Math.abs(j - (i + 1)) <= slop));
  expectCount({ match_phrase: { body: 'alpha beta' } }, (_, i) => adjacent(bodyTokens[i]!, 'alpha', 'beta', 0));
  expectCount({ match_phrase: { body: { query: 'alpha gamma', slop: 1 } } }, (_, i) => adjacent(bodyTokens[i]!, 'alpha', 'gamma', 1));
  expectCount({ match_phrase_prefix: { body: 'alpha be' } }, (_, i) => adjacent(bodyTokens[i]!, 'alpha', 'beta', 0));
});

test('query_string and simple_query_string common syntax (query-dsl-query-string-query)', () => {
  const has = (i: number, word: string): boolean => bodyTokens[i]!.includes(word);
  expectCount({ query_string: { query: 'alpha AND NOT beta', default_field: 'body' } }, (_, i) => has(i, 'alpha') && !has(i, 'beta'));
  expectCount({ query_string: { query: 'tag:red OR tag:blue' } }, (doc) => doc.tags.includes('red') || doc.tags.includes('blue'));
  expectCount({ query_string: { query: 'price:[10 TO 20} AND flag:true' } }, (doc) => doc.price >= 10 && doc.price < 20 && doc.flag);
  expectCount({ query_string: { query: 'count:>=90' } }, (doc) => doc.count !== undefined && doc.count >= 90);
  expectCount({ query_string: { query: '+body:alpha -tag:red' } }, (doc, i) => has(i, 'alpha') && !doc.tags.includes('red'));
  expectCount({ query_string: { query: 'body:eps*' } }, (_, i) => has(i, 'epsilon'));
  expectCount({ query_string: { query: '"alpha beta"', fields: ['body'] } }, (_, i) => bodyTokens[i]!.some((t, j) => t === 'alpha' && bodyTokens[i]![j + 1] === 'beta'));
  expectCount({ query_string: { query: '_exists_:count' } }, (doc) => doc.count !== undefined);
  expectCount({ simple_query_string: { query: 'alpha + gamma', fields: ['body'] } }, (_, i) => has(i, 'alpha') && has(i, 'gamma'));
  expectCount({ simple_query_string: { query: 'alpha | gamma', fields: ['body'] } }, (_, i) => has(i, 'alpha') || has(i, 'gamma'));
  expectCount({ multi_match: { query: 'gamma', fields: ['body', 'title^2'] } }, (_, i) => has(i, 'gamma') || titleTokens[i]!.includes('gamma'));
});

test('sort by field asc/desc with missing _first/_last, ties by doc order; search_after pages equal the full order (sort-search-results)', () => {
  const order = (key: (doc: CorpusDoc) => number | undefined, direction: 1 | -1, missingFirst: boolean) =>
    docs
      .map((doc, index) => ({ doc, index }))
      .sort((a, b) => {
        const left = key(a.doc);
        const right = key(b.doc);
        if (left === undefined || right === undefined) {
          if (left === right) return a.index - b.index;
          return (left === undefined) === missingFirst ? -1 : 1;
        }
        return direction * (left - right) || a.index - b.index;
      })
      .map((entry) => entry.doc.id);
  assert.deepEqual(run({ sort: [{ price: 'asc' }], size: 50 }).ids, order((doc) => doc.price, 1, false).slice(0, 50));
  assert.deepEqual(run({ sort: [{ count: { order: 'desc', missing: '_first' } }], size: 50 }).ids, order((doc) => doc.count, -1, true).slice(0, 50));
  assert.deepEqual(run({ sort: ['count', '_doc'], size: 40, from: 1100 }).ids, order((doc) => doc.count, 1, false).slice(1100, 1140));
  const all: string[] = [];
  let after: unknown[] | undefined;
  for (;;) {
    const page = run({ sort: [{ count: 'asc' }, { _doc: 'asc' }], size: 97, ...(after === undefined ? {} : { search_after: after }) });
    if (page.ids.length === 0) break;
    all.push(...page.ids);
    after = page.sorts[page.sorts.length - 1];
  }
  assert.deepEqual(all, order((doc) => doc.count, 1, false));
});

test('from/size page the score order; track_total_hits: default threshold, number, true, false (search-your-data#track-total-hits)', () => {
  const full = run({ query: { match: { body: 'alpha beta' } }, size: 60 });
  const page = run({ query: { match: { body: 'alpha beta' } }, from: 20, size: 20 });
  assert.deepEqual(page.ids, full.ids.slice(20, 40));
  const exact = docs.filter((_, i) => bodyTokens[i]!.includes('alpha') || bodyTokens[i]!.includes('beta')).length;
  assert.deepEqual([full.total, full.relation], [exact, 'eq']); // below the 10,000 default
  const capped = run({ query: { match: { body: 'alpha beta' } }, track_total_hits: 100 });
  assert.deepEqual([capped.total, capped.relation], [100, 'gte']);
  const untracked = parseSearchRequest({ query: { match: { body: 'alpha' } }, track_total_hits: false });
  assert.equal(mergeShardResults([searchShard(segments, undefined, untracked, context)], untracked).total, undefined);
});

test('shard merge: any order of shard results gives the same page (P8)', () => {
  const shards = [docs.slice(0, 400), docs.slice(400, 900), docs.slice(900)].map((part, index) => ({
    segments: buildSegments(part, createRandom(index + 1), 2),
    shardKey: `corpus:${index}`,
  }));
  const request = parseSearchRequest({ query: { match: { body: 'gamma delta' } }, from: 5, size: 30 });
  const results = shards.map((shard) => searchShard(shard.segments, undefined, request, { ...context, shardKey: shard.shardKey }));
  const forward = mergeShardResults(results, request);
  const backward = mergeShardResults([...results].reverse(), request);
  assert.deepEqual(backward, forward);
  assert.equal(forward.hits.length, 30);
});

test('simple_query_string over several fields sums the fields\' scores (most_fields; prefix and fuzzy as dis_max with tie_breaker 1), phrases take the best field (SimpleQueryStringQueryParser)', () => {
  const scores = (query: unknown): Map<string, number> => {
    const request = parseSearchRequest({ query, size: 2000 });
    const merged = mergeShardResults([searchShard(segments, undefined, request, context)], request);
    return new Map(merged.hits.map((hit) => [segments[hit.segmentIndex]!.ids[hit.doc]!, hit.score]));
  };
  const inBoth = [...new Set(bodyTokens.flat())].find((term) => docs.some((_, i) => bodyTokens[i]!.includes(term) && titleTokens[i]!.includes(term)))!;
  assert.ok(inBoth !== undefined, 'a term found in both fields of one document');
  const same = (actual: Map<string, number>, expected: Map<string, number>, what: string): void => {
    assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), what);
    for (const [id, score] of expected) assert.ok(Math.abs(actual.get(id)! - score) < 1e-5, `${what}: ${id} ${actual.get(id)} vs ${score}`);
  };
  same(
    scores({ simple_query_string: { query: inBoth, fields: ['body', 'title^2'] } }),
    scores({ bool: { should: [{ match: { body: inBoth } }, { match: { title: { query: inBoth, boost: 2 } } }] } }),
    'terms: most_fields',
  );
  same(
    scores({ simple_query_string: { query: `${inBoth.slice(0, 3)}*`, fields: ['body', 'title'] } }),
    scores({ dis_max: { tie_breaker: 1, queries: [{ prefix: { body: inBoth.slice(0, 3) } }, { prefix: { title: inBoth.slice(0, 3) } }] } }),
    'prefix: dis_max with tie_breaker 1',
  );
  same(
    scores({ simple_query_string: { query: `"${inBoth}"`, fields: ['body', 'title'] } }),
    scores({ dis_max: { queries: [{ match_phrase: { body: inBoth } }, { match_phrase: { title: inBoth } }] } }),
    'phrase: the best field',
  );
  // The fields a pattern, or the default fields (`*` here), stand for add up as well.
  const prefix = inBoth.slice(0, 3);
  same(
    scores({ simple_query_string: { query: `${prefix}*`, fields: ['t*', 'body'] } }),
    scores({ dis_max: { tie_breaker: 1, queries: [{ prefix: { title: prefix } }, { prefix: { tag: prefix } }, { prefix: { body: prefix } }] } }),
    'prefix over a field pattern',
  );
  same(
    scores({ simple_query_string: { query: `${prefix}*` } }),
    scores({ dis_max: { tie_breaker: 1, queries: [{ prefix: { body: prefix } }, { prefix: { title: prefix } }, { prefix: { tag: prefix } }] } }),
    'prefix over the default fields',
  );
  same(
    scores({ simple_query_string: { query: inBoth } }),
    scores({ bool: { should: [{ match: { body: inBoth } }, { match: { title: inBoth } }, { match: { tag: inBoth } }] } }),
    'terms over the default fields',
  );
  // query_string keeps best_fields (its default type, tie_breaker 0).
  same(
    scores({ query_string: { query: inBoth, fields: ['body', 'title'] } }),
    scores({ dis_max: { queries: [{ match: { body: inBoth } }, { match: { title: inBoth } }] } }),
    'query_string: best_fields',
  );
});
