// Query DSL parsing into the frozen AST, and Elasticsearch's errors for bad input (issue 3, "Bad input").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/errors.js';
import { computeShardStats } from '../../../src/index/engine/index.js';
import { explainPlan, parseQuery, parseSearchRequest, planQuery, searchShard } from '../../../src/index/query/index.js';
import { buildSegments, corpusMappings, createRandom, generateCorpus } from '../engine/test-corpus.js';

function rejects(action: () => unknown, status: number, type: string, reason: string | RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof EsError, String(error));
    assert.equal(error.status, status);
    assert.equal(error.type, type);
    if (typeof reason === 'string') assert.equal(error.reason, reason);
    else assert.match(error.reason, reason);
    return true;
  });
}

test('parses short and long forms into a frozen AST', () => {
  const node = parseQuery({ bool: { must: { match: { title: 'quick' } }, filter: [{ term: { tag: { value: 'red', boost: 2 } } }], minimum_should_match: '75%' } });
  assert.ok(Object.isFrozen(node));
  assert.equal(node.kind, 'bool');
  if (node.kind !== 'bool') return;
  assert.equal(node.must[0]!.kind, 'match');
  assert.deepEqual(node.filter[0], { kind: 'term', field: 'tag', value: 'red', caseInsensitive: false, boost: 2 });
  assert.equal(node.minimumShouldMatch, '75%');
  assert.ok(Object.isFrozen(node.filter));
  assert.deepEqual(parseQuery({ range: { n: { from: 1, to: 5, include_upper: false } } }), {
    kind: 'range', field: 'n', gt: undefined, gte: 1, lt: 5, lte: undefined, format: undefined, timeZone: undefined, boost: 1,
  });
});

test('unknown query type: 400 parsing_exception "unknown query [foo]"', () => {
  rejects(() => parseQuery({ foo: {} }), 400, 'parsing_exception', 'unknown query [foo]');
  rejects(() => parseQuery({ bool: { must: [{ mtach: { a: 'b' } }] } }), 400, 'parsing_exception', 'unknown query [mtach]');
});

test('malformed queries: empty clause, two query names, unknown parameters, multiple fields', () => {
  rejects(() => parseQuery({}), 400, 'parsing_exception', /^query malformed, empty clause found/);
  rejects(() => parseQuery({ term: { a: 'b' }, match: { a: 'b' } }), 400, 'parsing_exception', '[term] malformed query, expected [END_OBJECT] but found [FIELD_NAME]');
  rejects(() => parseQuery({ bool: { musts: [] } }), 400, 'parsing_exception', '[bool] query does not support [musts]');
  rejects(() => parseQuery({ match: { a: 'x', b: 'y' } }), 400, 'parsing_exception', "[match] query doesn't support multiple fields, found [a] and [b]");
  rejects(() => parseQuery({ term: 'x' }), 400, 'parsing_exception', '[term] query malformed, no start_object after query name');
  rejects(() => parseQuery({ match: { a: { query: 'x', operator: 'xor' } } }), 400, 'illegal_argument_exception', /Operator.XOR/);
});

test('from + size beyond index.max_result_window (10,000): illegal_argument_exception with Elasticsearch reason', () => {
  rejects(() => parseSearchRequest({ from: 9995, size: 10 }), 400, 'illegal_argument_exception', /^Result window is too large, from \+ size must be less than or equal to: \[10000\] but was \[10005\]/);
});

test('malformed sort: unknown order and unknown option', () => {
  rejects(() => parseSearchRequest({ sort: [{ price: { order: 'up' } }] }), 400, 'illegal_argument_exception', /Unknown SortOrder \[up\]/);
  rejects(() => parseSearchRequest({ sort: [{ price: { ordr: 'asc' } }] }), 400, 'parsing_exception', '[field_sort] unknown field [ordr]');
});

const segments = buildSegments(generateCorpus(50, 3), createRandom(3), 2);
const context = { mappings: corpusMappings, indexName: 'corpus', shardKey: 'corpus:0', nowMs: 0, defaultFields: ['*'] };

test('wrong field types at planning: query_shard_exception / parse_exception as Elasticsearch', () => {
  const search = (body: unknown) => () => searchShard(segments, undefined, parseSearchRequest(body), context);
  rejects(search({ query: { term: { count: 'abc' } } }), 400, 'query_shard_exception', 'failed to create query: For input string: "abc"');
  rejects(search({ query: { prefix: { count: '1' } } }), 400, 'query_shard_exception', 'Can only use prefix queries on keyword and text fields - not on [count] which is of type [long]');
  rejects(search({ query: { range: { date: { gte: 'yesterday' } } } }), 400, 'parse_exception', /^failed to parse date field \[yesterday\] with format \[strict_date_optional_time\|\|epoch_millis\]/);
  rejects(search({ sort: ['body'] }), 400, 'illegal_argument_exception', /^Fielddata is disabled on \[body\] in \[corpus\]\. Text fields are not optimised/);
  rejects(search({ sort: ['nope'] }), 400, 'query_shard_exception', 'No mapping found for [nope] in order to sort on');
  // lenient match on a number field with text: no error, no hits
  assert.equal(searchShard(segments, undefined, parseSearchRequest({ query: { match: { count: { query: 'abc', lenient: true } } } }), context).totalHits, 0);
  // unmapped fields match nothing (no error), as in Elasticsearch
  assert.equal(searchShard(segments, undefined, parseSearchRequest({ query: { term: { nope: 'x' } } }), context).totalHits, 0);
});

test('plans pinned as text (style P7)', () => {
  const planContext = { stats: computeShardStats(segments), segments, mappings: corpusMappings, nowMs: Date.UTC(2024, 0, 15, 10), indexName: 'corpus', defaultFields: ['*'] };
  const plan = (query: unknown): string => explainPlan(planQuery(parseQuery(query), planContext));
  assert.equal(
    plan({
      bool: {
        must: [{ match: { body: 'alpha beta' } }],
        filter: [{ range: { price: { gte: 10 } } }, { term: { tag: 'red' } }],
        must_not: [{ term: { flag: true } }],
        should: [{ match_phrase: { body: 'gamma delta' } }],
        boost: 2,
      },
    }),
    [
      'bool must=1 should=1 filter=2 must_not=1',
      '  bool must=0 should=2 filter=0 must_not=0 minimum_should_match=1',
      '    term body:alpha df=36 idf=0.3345134 avgdl=5.98 boost=2',
      '    term body:beta df=30 idf=0.5140989 avgdl=5.98 boost=2',
      '  phrase body:"gamma@0 delta@1" slop=0 idf=2.20504',
      '  range price:[10 TO Infinity] score=0',
      '  term tag:red df=9 filter',
      '  term flag:1 score=0',
    ].join('\n'),
  );
  assert.equal(
    plan({ multi_match: { query: 'Gammas', fields: ['body', 'title^2'], tie_breaker: 0.3 } }),
    ['dis_max tie_breaker=0.3', '  term body:gammas df=0 idf=4.624973 avgdl=5.98 boost=1', '  term title:gamma df=9 idf=1.680534 avgdl=2 boost=2'].join('\n'),
  );
  assert.equal(plan({ range: { date: { gte: 'now-1d/d', lt: 'now' } } }), 'range date:[1705190400000 TO 1705312800000} score=1');
  assert.equal(
    plan({ query_string: { query: 'tag:red AND (alpha OR price:[1 TO 5])', default_field: 'body' } }),
    [
      'bool must=2 should=0 filter=0 must_not=0',
      '  term tag:red df=9 idf=1.359626 avgdl=1.555556 boost=1',
      '  bool must=0 should=2 filter=0 must_not=0 minimum_should_match=1',
      '    term body:alpha df=36 idf=0.3345134 avgdl=5.98 boost=1',
      '    range price:[1 TO 5] score=1',
    ].join('\n'),
  );
});
