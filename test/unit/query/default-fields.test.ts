// `index.query.default_field` at planning time (issue #15): queries that name no fields search the
// index's default fields (the planner's PlanContext.defaultFields), patterns and ^boosts included;
// explicit fields override them. References: index-modules.html#index-query-default-field;
// query-dsl-query-string-query.html, query-dsl-simple-query-string-query.html,
// query-dsl-multi-match-query.html and query-dsl-mlt-query.html ("defaults to the
// index.query.default_field index setting"); Elasticsearch's QueryParserHelper.parseFieldsAndWeights.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError } from '../../../src/common/errors.js';
import { computeShardStats } from '../../../src/index/engine/index.js';
import { buildSegment } from '../../../src/index/engine/segment-builder.js';
import { flattenMapping, parseMapping } from '../../../src/index/mapping/index.js';
import { DEFAULT_FIELDS, defaultFieldBoosts, defaultFieldNames, resolveQueryFields } from '../../../src/index/query/default-fields.js';
import { explainPlan, mergeShardResults, parseQuery, parseSearchRequest, planQuery, searchShard } from '../../../src/index/query/index.js';
import { engineMappings, toSegmentInputs } from '../../../src/index/searcher/document-input.js';
import { collectQueryTerms } from '../../../src/search/index.js';

const root = parseMapping({ properties: { title: { type: 'text' }, body: { type: 'text' }, tag: { type: 'keyword' }, count: { type: 'long' } } });
const mappings = engineMappings(flattenMapping(root));
const sources = [
  { title: 'red fox', body: 'a quick animal', tag: 'wild', count: 1 },
  { title: 'lazy dog', body: 'the fox watches', tag: 'pet', count: 2 },
  { title: 'blue whale', body: 'a big animal', tag: 'fox', count: 3 },
];
const { inputs } = toSegmentInputs(sources.map((source, position) => ({ id: String(position + 1), source: JSON.stringify(source) })), root);
const segment = buildSegment(inputs, mappings, { name: '_0', maxSeqNo: sources.length - 1 });

function idsFor(query: unknown, defaultFields: readonly string[]): string[] {
  const request = parseSearchRequest({ query });
  const merged = mergeShardResults([searchShard([segment], undefined, request, { mappings, indexName: 'idx', shardKey: 'idx:0', nowMs: 0, defaultFields })], request);
  return merged.hits.map((hit) => segment.ids[hit.doc]!).sort();
}

function planText(query: unknown, defaultFields: readonly string[]): string {
  return explainPlan(planQuery(parseQuery(query), { stats: computeShardStats([segment]), segments: [segment], mappings, nowMs: 0, indexName: 'idx', defaultFields }));
}

function rejects(action: () => unknown, type: string, reason: string, causeType?: string): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof EsError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.type, type);
    assert.equal(error.reason, reason);
    if (causeType !== undefined) assert.equal((error.toCause() as { caused_by?: { type?: string } }).caused_by?.type, causeType);
    return true;
  });
}

test('entries parse as QueryParserHelper.parseFieldsAndWeights: ^boost after the first caret, repeats multiply', () => {
  assert.deepEqual(defaultFieldBoosts(['title^2', 'body', 'title^1.5', 'meta.*^3f'], 'idx'), [
    { field: 'title', boost: 3 },
    { field: 'body', boost: 1 },
    { field: 'meta.*', boost: 3 },
  ]);
  rejects(() => defaultFieldBoosts(['title^x'], 'idx'), 'query_shard_exception', 'failed to create query: For input string: "x"', 'number_format_exception');
  rejects(() => defaultFieldBoosts(['title^'], 'idx'), 'query_shard_exception', 'failed to create query: empty String', 'number_format_exception');
  assert.deepEqual(defaultFieldNames(['title^x', 'body^2', 'body']), ['title', 'body']);
  assert.deepEqual(defaultFieldNames(['title', '*^2']), ['*']);
});

test('the parsed marker resolves to the default fields; `*` among them means every field', () => {
  assert.deepEqual(resolveQueryFields([{ field: DEFAULT_FIELDS, boost: 2 }], ['title^3', 'body'], 'idx'), [
    { field: 'title', boost: 6 },
    { field: 'body', boost: 2 },
  ]);
  assert.deepEqual(resolveQueryFields([{ field: DEFAULT_FIELDS, boost: 1 }], ['title', '*'], 'idx'), [{ field: '*', boost: 1 }]);
  assert.deepEqual(resolveQueryFields([{ field: 'tag', boost: 1 }], ['title'], 'idx'), [{ field: 'tag', boost: 1 }]);
  assert.deepEqual(resolveQueryFields([{ field: DEFAULT_FIELDS, boost: 1 }], [], 'idx'), []);
});

test('query_string, simple_query_string and multi_match without fields search the default fields only', () => {
  for (const query of [{ query_string: { query: 'fox' } }, { simple_query_string: { query: 'fox' } }, { multi_match: { query: 'fox' } }, { multi_match: { query: 'fox', fields: [] } }]) {
    assert.deepEqual(idsFor(query, ['title']), ['1'], JSON.stringify(query));
    assert.deepEqual(idsFor(query, ['body']), ['2'], JSON.stringify(query));
    assert.deepEqual(idsFor(query, ['*']), ['1', '2', '3'], JSON.stringify(query));
    assert.deepEqual(idsFor(query, ['ti*', 'tag']), ['1', '3'], JSON.stringify(query));
    assert.deepEqual(idsFor(query, ['missing']), [], JSON.stringify(query));
  }
});

test('explicit fields, default_field and field:term override the default fields', () => {
  assert.deepEqual(idsFor({ query_string: { query: 'fox', fields: ['body'] } }, ['title']), ['2']);
  assert.deepEqual(idsFor({ query_string: { query: 'fox', default_field: 'tag' } }, ['title']), ['3']);
  assert.deepEqual(idsFor({ query_string: { query: 'body:fox' } }, ['title']), ['2']);
  assert.deepEqual(idsFor({ query_string: { query: 'body:fox OR whale' } }, ['title']), ['2', '3']);
  assert.deepEqual(idsFor({ simple_query_string: { query: 'fox', fields: ['tag'] } }, ['title']), ['3']);
  assert.deepEqual(idsFor({ multi_match: { query: 'fox', fields: ['body', 'tag'] } }, ['title']), ['2', '3']);
});

test('plans pinned as text: boosts of the entries, a dis_max over several fields (style P7)', () => {
  assert.equal(planText({ query_string: { query: 'fox' } }, ['title^2']), 'term title:fox df=1 idf=0.9808292 avgdl=2 boost=2');
  assert.equal(
    planText({ query_string: { query: 'fox' } }, ['title', 'body^3']),
    ['dis_max tie_breaker=0', '  term title:fox df=1 idf=0.9808292 avgdl=2 boost=1', '  term body:fox df=1 idf=0.9808292 avgdl=3 boost=3'].join('\n'),
  );
  assert.equal(
    planText({ multi_match: { query: 'fox', boost: 2 } }, ['title^1.5', 'body']),
    ['dis_max tie_breaker=0', '  term title:fox df=1 idf=0.9808292 avgdl=2 boost=3', '  term body:fox df=1 idf=0.9808292 avgdl=3 boost=2'].join('\n'),
  );
});

test('non-lenient default fields: a text term on a number field fails as Elasticsearch; `*` stays lenient', () => {
  rejects(() => idsFor({ query_string: { query: 'fox' } }, ['count']), 'query_shard_exception', 'failed to create query: For input string: "fox"');
  assert.deepEqual(idsFor({ query_string: { query: 'fox', lenient: true } }, ['count', 'title']), ['1']);
  assert.deepEqual(idsFor({ query_string: { query: '2' } }, ['count']), ['2']);
  assert.deepEqual(idsFor({ query_string: { query: 'fox' } }, ['*']), ['1', '2', '3']);
  rejects(() => idsFor({ multi_match: { query: 'fox' } }, ['title^bad']), 'query_shard_exception', 'failed to create query: For input string: "bad"');
});

test('more_like_this without fields: the default fields; free text under the default `*` alone is refused', () => {
  const mlt = { more_like_this: { like: 'fox', min_term_freq: 1, min_doc_freq: 1 } };
  assert.deepEqual(idsFor(mlt, ['title']), ['1']);
  assert.deepEqual(idsFor(mlt, ['body', 'count']), ['2']);
  assert.deepEqual(idsFor({ more_like_this: { ...mlt.more_like_this, fields: ['tag'] } }, ['title']), ['3']);
  rejects(
    () => idsFor(mlt, ['*']),
    'query_shard_exception',
    'failed to create query: [more_like_this] query cannot infer the field to analyze the free text, you should update the [index.query.default_field] index setting to a field that exists in the mapping or set the [fields] option in the query.',
    'illegal_argument_exception',
  );
  // An artificial document names its fields: the default `*` stays allowed.
  assert.deepEqual(idsFor({ more_like_this: { like: [{ doc: { body: 'fox' } }], min_term_freq: 1, min_doc_freq: 1 } }, ['*']), ['2']);
});

test('highlighting collects the terms of the fields the default fields resolve to', () => {
  const fields = (query: unknown, defaultFields: readonly string[]): string[] => [...collectQueryTerms(parseQuery(query), mappings, defaultFields).keys()].sort();
  assert.deepEqual(fields({ query_string: { query: 'fox' } }, ['title']), ['title']);
  assert.deepEqual(fields({ multi_match: { query: 'fox' } }, ['ti*', 'body^2']), ['body', 'title']);
  for (const field of ['body', 'tag', 'title']) assert.ok(fields({ simple_query_string: { query: 'fox' } }, ['*']).includes(field), field);
  assert.deepEqual(fields({ query_string: { query: 'fox', fields: ['body'] } }, ['title']), ['body']);
});

test('query_string with both fields and default_field is refused, not half-ignored (QueryStringQueryBuilder: 400)', () => {
  assert.throws(
    () => parseQuery({ query_string: { query: 'alpha', fields: ['title'], default_field: 'body' } }),
    (error: unknown) =>
      error instanceof EsError && error.status === 400 && error.type === 'query_validation_exception' && error.message === 'Validation Failed: 1: cannot use [fields] parameter in conjunction with [default_field];',
  );
  // Either alone is fine.
  parseQuery({ query_string: { query: 'alpha', fields: ['title'] } });
  parseQuery({ query_string: { query: 'alpha', default_field: 'body' } });
});

test('`*` with boosted entries: multi_match and simple_query_string keep the boosts, query_string\'s all-fields mode does not (QueryParserHelper.resolveMappingFields; QueryStringQueryBuilder.doToQuery)', () => {
  const scores = (query: unknown, defaultFields: readonly string[]): Record<string, number> => {
    const request = parseSearchRequest({ query });
    const merged = mergeShardResults([searchShard([segment], undefined, request, { mappings, indexName: 'idx', shardKey: 'idx:0', nowMs: 0, defaultFields })], request);
    return Object.fromEntries(merged.hits.map((hit) => [segment.ids[hit.doc]!, hit.score]));
  };
  for (const [query, titleRatio] of [
    [{ multi_match: { query: 'fox' } }, 3],
    [{ simple_query_string: { query: 'fox' } }, 3],
    [{ query_string: { query: 'fox' } }, 1],
  ] as const) {
    const plain = scores(query, ['*']);
    const boosted = scores(query, ['*', 'title^3']);
    const label = JSON.stringify(query);
    assert.deepEqual(Object.keys(boosted).sort(), ['1', '2', '3'], label);
    // Doc 1 has fox in its title: 3 times the score of `*` alone (or the same for query_string).
    assert.ok(Math.abs(boosted['1']! / plain['1']! - titleRatio) < 1e-6, `${label}: ${boosted['1']} vs ${plain['1']}`);
    // Docs 2 (body) and 3 (tag) keep their `*` scores.
    assert.equal(boosted['2'], plain['2'], label);
    assert.equal(boosted['3'], plain['3'], label);
  }
  // A field reached twice gets the product of its boosts, once: `*^2` and `title^3` give title 6, body 2.
  const twice = scores({ multi_match: { query: 'fox', type: 'most_fields' } }, ['*^2', 'title^3']);
  const plain = scores({ multi_match: { query: 'fox', type: 'most_fields' } }, ['*']);
  assert.ok(Math.abs(twice['1']! / plain['1']! - 6) < 1e-6, `${twice['1']} vs ${plain['1']}`);
  assert.ok(Math.abs(twice['2']! / plain['2']! - 2) < 1e-6, `${twice['2']} vs ${plain['2']}`);
  // query_string: `*^2` is not the entry `*` (hasAllFieldsWildcard reads the strings), so its boosts are resolved too.
  const stringTwice = scores({ query_string: { query: 'fox' } }, ['*^2', 'title^3']);
  const stringPlain = scores({ query_string: { query: 'fox' } }, ['*']);
  assert.ok(Math.abs(stringTwice['1']! / stringPlain['1']! - 6) < 1e-6, `${stringTwice['1']} vs ${stringPlain['1']}`);
  assert.ok(Math.abs(stringTwice['2']! / stringPlain['2']! - 2) < 1e-6, `${stringTwice['2']} vs ${stringPlain['2']}`);
});
