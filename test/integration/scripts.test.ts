// Scripts end to end on one real node (issue #15, "Scripts: a Painless subset"): scripted updates
// (docs-update.html: ctx._source, ctx.op, params, upsert, scripted_upsert; rest-api-spec
// update/15_script.yml, 25_script_upsert.yml), stored scripts (create-stored-script-api.html,
// get-stored-script-api.html, delete-stored-script-api.html; rest-api-spec
// put_script/10_basic.yml), script_fields, the script and script_score queries, function_score's
// script_score (query-dsl-script-query.html, query-dsl-script-score-query.html,
// query-dsl-function-score-query.html) and `_script` sort (sort-search-results.html#script-based-sorting),
// with Elasticsearch's script_exception for bad scripts (modules-scripting-using.html).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;

type Json = Record<string, any>;

async function call(method: string, path: string, body?: unknown, authorization?: string): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(authorization !== undefined ? { authorization } : {}) };
  const response = await rawRequest(node, method, path, { ...(body !== undefined ? { body: JSON.stringify(body) } : {}), headers });
  return { status: response.status, body: response.json() as Json };
}

async function source(index: string, id: string): Promise<Json | undefined> {
  const got = await call('GET', `/${index}/_doc/${id}`);
  return got.status === 200 ? (got.body['_source'] as Json) : undefined;
}

before(async () => {
  node = await startNode({ nodeName: 'scripts-1' });
  await call('PUT', '/books', { mappings: { properties: { title: { type: 'text' }, tag: { type: 'keyword' }, year: { type: 'long' }, rating: { type: 'double' } } } });
  const docs: Record<string, Json> = {
    '1': { title: 'the quick fox', tag: 'animal', year: 1990, rating: 4.5, counter: 1, tags: ['a'] },
    '2': { title: 'the lazy dog', tag: 'animal', year: 2001, rating: 3.0, counter: 5, tags: [] },
    '3': { title: 'brown bread', tag: 'food', year: 2010, rating: 2.5, counter: 7, tags: [] },
  };
  for (const [id, doc] of Object.entries(docs)) await call('PUT', `/books/_doc/${id}`, doc);
  await call('POST', '/books/_refresh');
});

after(async () => {
  await node?.destroy();
});

test('update with a script: ctx._source edits with params, Java arithmetic, the updated document', async () => {
  const updated = await call('POST', '/books/_update/1', { script: { source: 'ctx._source.counter += params.count; ctx._source.tags.add(params.tag); ctx._source.half = ctx._source.counter / 2', lang: 'painless', params: { count: 4, tag: 'b' } } });
  assert.equal(updated.status, 200);
  assert.equal(updated.body['result'], 'updated');
  assert.equal(updated.body['_version'], 2);
  const doc = await source('books', '1');
  assert.equal(doc?.['counter'], 5);
  assert.deepEqual(doc?.['tags'], ['a', 'b']);
  assert.equal(doc?.['half'], 2); // integer division
  // The string shorthand is an inline painless script.
  const shorthand = await call('POST', '/books/_update/1', { script: 'ctx._source.counter++' });
  assert.equal(shorthand.status, 200);
  assert.equal((await source('books', '1'))?.['counter'], 6);
});

test("update: ctx.op = 'noop' changes nothing, 'delete' deletes, read-only metadata is refused", async () => {
  await call('PUT', '/books/_doc/tmp', { counter: 1 });
  const noop = await call('POST', '/books/_update/tmp', { script: "if (ctx._source.counter > 0) { ctx.op = 'noop' } else { ctx._source.counter = 0 }" });
  assert.equal(noop.status, 200);
  assert.equal(noop.body['result'], 'noop');
  assert.equal(noop.body['_version'], 1);
  const readOnly = await call('POST', '/books/_update/tmp', { script: "ctx._id = 'other'" });
  assert.equal(readOnly.status, 400);
  assert.equal(readOnly.body['error']['type'], 'script_exception');
  assert.deepEqual(readOnly.body['error']['caused_by'], { type: 'illegal_argument_exception', reason: '_id cannot be updated' });
  const deleted = await call('POST', '/books/_update/tmp', { script: "ctx.op = 'delete'" });
  assert.equal(deleted.status, 200);
  assert.equal(deleted.body['result'], 'deleted');
  assert.equal(await source('books', 'tmp'), undefined);
});

test('update: upsert is indexed as given when the document is missing; scripted_upsert runs the script on it', async () => {
  const plain = await call('POST', '/books/_update/u1', { script: { source: 'ctx._source.counter += 1' }, upsert: { counter: 10 } });
  assert.equal(plain.status, 201);
  assert.equal(plain.body['result'], 'created');
  assert.equal((await source('books', 'u1'))?.['counter'], 10);
  const again = await call('POST', '/books/_update/u1', { script: { source: 'ctx._source.counter += 1' }, upsert: { counter: 10 } });
  assert.equal(again.body['result'], 'updated');
  assert.equal((await source('books', 'u1'))?.['counter'], 11);
  const scripted = await call('POST', '/books/_update/u2', { scripted_upsert: true, script: { source: 'ctx._source.counter = params.start * 2', params: { start: 21 } }, upsert: {} });
  assert.equal(scripted.status, 201);
  assert.equal((await source('books', 'u2'))?.['counter'], 42);
  const missing = await call('POST', '/books/_update/u3', { script: 'ctx._source.counter = 1' });
  assert.equal(missing.status, 404);
  assert.equal(missing.body['error']['type'], 'document_missing_exception');
});

test('update: compile and runtime errors are 400 script_exception with script_stack, position and caused_by, and change nothing', async () => {
  const compile = await call('POST', '/books/_update/2', { script: { source: 'ctx._source.counter +', lang: 'painless' } });
  assert.equal(compile.status, 400);
  const error = compile.body['error'];
  assert.equal(error['type'], 'script_exception');
  assert.equal(error['reason'], 'compile error');
  assert.equal(error['lang'], 'painless');
  assert.equal(error['script'], 'ctx._source.counter +');
  assert.deepEqual(error['position'], { offset: 21, start: 0, end: 21 });
  assert.deepEqual(error['script_stack'], ['ctx._source.counter +', '                     ^---- HERE']);
  assert.equal(error['caused_by']['type'], 'illegal_argument_exception');
  assert.equal(error['root_cause'][0]['type'], 'script_exception');
  const runtime = await call('POST', '/books/_update/2', { script: 'ctx._source.counter = 1 / 0' });
  assert.equal(runtime.status, 400);
  assert.equal(runtime.body['error']['reason'], 'runtime error');
  assert.deepEqual(runtime.body['error']['caused_by'], { type: 'arithmetic_exception', reason: '/ by zero' });
  const loop = await call('POST', '/books/_update/2', { script: 'while (ctx._source.counter > 0) { ctx._source.counter++ }' });
  assert.equal(loop.status, 400);
  assert.equal(loop.body['error']['caused_by']['type'], 'painless_error');
  const lang = await call('POST', '/books/_update/2', { script: { source: '1', lang: 'expression' } });
  assert.equal(lang.status, 400);
  assert.equal(lang.body['error']['reason'], 'script_lang not supported [expression]');
  assert.equal((await source('books', '2'))?.['counter'], 5);
});

test('stored scripts: put, get, use by id in an update, delete; missing ones are 404', async () => {
  const put = await call('PUT', '/_scripts/add-count', { script: { lang: 'painless', source: 'ctx._source.counter += params.n' } });
  assert.equal(put.status, 200);
  assert.deepEqual(put.body, { acknowledged: true });
  const got = await call('GET', '/_scripts/add-count');
  assert.deepEqual(got.body, { _id: 'add-count', found: true, script: { lang: 'painless', source: 'ctx._source.counter += params.n' } });
  const used = await call('POST', '/books/_update/3', { script: { id: 'add-count', params: { n: 3 } } });
  assert.equal(used.status, 200);
  assert.equal((await source('books', '3'))?.['counter'], 10);
  const withContext = await call('PUT', '/_scripts/score-one/score', { script: { lang: 'painless', source: "doc['year'].value" } });
  assert.equal(withContext.status, 200);
  const badContext = await call('PUT', '/_scripts/bad/score', { script: { lang: 'painless', source: 'ctx._source.x' } });
  assert.equal(badContext.status, 400);
  assert.equal(badContext.body['error']['type'], 'script_exception');
  const noLang = await call('PUT', '/_scripts/bad', { script: { source: '1' } });
  assert.equal(noLang.status, 400);
  assert.equal(noLang.body['error']['reason'], 'must specify lang for stored script');
  const deleted = await call('DELETE', '/_scripts/add-count');
  assert.deepEqual(deleted.body, { acknowledged: true });
  const gone = await call('GET', '/_scripts/add-count');
  assert.equal(gone.status, 404);
  assert.deepEqual(gone.body, { _id: 'add-count', found: false });
  const deleteMissing = await call('DELETE', '/_scripts/add-count');
  assert.equal(deleteMissing.status, 404);
  assert.equal(deleteMissing.body['error']['type'], 'resource_not_found_exception');
  const useMissing = await call('POST', '/books/_update/3', { script: { id: 'add-count' } });
  assert.equal(useMissing.status, 404);
  assert.equal(useMissing.body['error']['reason'], 'unable to find script [add-count] in cluster state');
});

test('stored scripts survive a restart (node.db)', async () => {
  await call('PUT', '/_scripts/kept', { script: { lang: 'painless', source: 'params.a + 1' } });
  node = await node.restart();
  const got = await call('GET', '/_scripts/kept');
  assert.equal(got.body['found'], true);
  assert.equal(got.body['script']['source'], 'params.a + 1');
});

test('script query filters by doc values; script_score scores with _score and params; min_score drops', async () => {
  await call('POST', '/books/_refresh');
  const filtered = await call('POST', '/books/_search', { query: { bool: { filter: { script: { script: { source: "doc['year'].size() > 0 && doc['year'].value > params.after", params: { after: 2000 } } } } } }, sort: ['_doc'] });
  assert.deepEqual(filtered.body['hits']['hits'].map((hit: Json) => hit['_id']), ['2', '3']);
  const scored = await call('POST', '/books/_search', { query: { script_score: { query: { term: { tag: 'animal' } }, script: { source: "doc['rating'].value * params.factor", params: { factor: 2 } } } } });
  assert.deepEqual(scored.body['hits']['hits'].map((hit: Json) => [hit['_id'], hit['_score']]), [['1', 9], ['2', 6]]);
  const minScore = await call('POST', '/books/_search', { query: { script_score: { query: { exists: { field: 'rating' } }, script: "doc['rating'].value", min_score: 3 } } });
  assert.deepEqual(minScore.body['hits']['hits'].map((hit: Json) => hit['_id']).sort(), ['1', '2']);
  const withScore = await call('POST', '/books/_search', { query: { script_score: { query: { match: { title: 'fox' } }, script: '_score * 0 + 1.5' } }, highlight: { fields: { title: {} } } });
  assert.deepEqual(withScore.body['hits']['hits'].map((hit: Json) => [hit['_id'], hit['_score']]), [['1', 1.5]]);
  // The wrapped query's terms are highlighted.
  assert.deepEqual(withScore.body['hits']['hits'][0]['highlight'], { title: ['the quick <em>fox</em>'] });
  const negative = await call('POST', '/books/_search', { query: { script_score: { query: { match_all: {} }, script: '-1' } } });
  assert.equal(negative.status, 400);
  assert.equal(negative.body['error']['type'], 'search_phase_execution_exception');
  assert.match(negative.body['error']['root_cause'][0]['reason'], /script_score script returned an invalid score \[-1.0\] for doc \[\d+\]. Must be a non-negative score!/);
  const bad = await call('POST', '/books/_search', { query: { script: { script: "doc['nope'].value > 1" } } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body['error']['root_cause'][0]['type'], 'script_exception');
  assert.equal(bad.body['error']['caused_by']['caused_by']['reason'], 'No field found for [nope] in mapping');
});

test('function_score with script_score and weight functions, filters, score_mode and boost_mode', async () => {
  const replaced = await call('POST', '/books/_search', {
    query: { function_score: { query: { exists: { field: 'year' } }, functions: [{ filter: { term: { tag: 'food' } }, weight: 10 }, { script_score: { script: "doc['year'].value - 1989" } }], score_mode: 'sum', boost_mode: 'replace' } },
  });
  assert.deepEqual(replaced.body['hits']['hits'].map((hit: Json) => [hit['_id'], hit['_score']]), [['3', 31], ['2', 12], ['1', 1]]);
  const inline = await call('POST', '/books/_search', { query: { function_score: { query: { term: { tag: 'animal' } }, script_score: { script: { source: 'params.k', params: { k: 2 } } }, boost_mode: 'replace' } } });
  assert.deepEqual(inline.body['hits']['hits'].map((hit: Json) => hit['_score']), [2, 2]);
  const refused = await call('POST', '/books/_search', { query: { function_score: { random_score: { seed: {} } } } });
  assert.equal(refused.status, 400);
});

test('script_fields: values from doc, params and params._source, rendered as lists in fields; errors fail the fetch', async () => {
  const result = await call('POST', '/books/_search', {
    query: { ids: { values: ['1', '2'] } },
    sort: ['year'],
    script_fields: {
      next_year: { script: { source: "doc['year'].value + params.add", params: { add: 1 } } },
      title_upper: { script: "params._source.title.toUpperCase()" },
      both: { script: "[doc['tag'].value, params['_source']['counter']]" },
    },
  });
  assert.equal(result.status, 200);
  const hits = result.body['hits']['hits'] as Json[];
  assert.deepEqual(hits.map((hit) => hit['fields']), [
    { next_year: [1991], title_upper: ['THE QUICK FOX'], both: ['animal', 6] },
    { next_year: [2002], title_upper: ['THE LAZY DOG'], both: ['animal', 5] },
  ]);
  assert.ok(hits[0]!['_source'] !== undefined);
  const failing = await call('POST', '/books/_search', { query: { ids: { values: ['1'] } }, script_fields: { bad: { script: '1 / 0' } } });
  assert.equal(failing.status, 400);
  assert.equal(failing.body['error']['type'], 'search_phase_execution_exception');
  assert.equal(failing.body['error']['root_cause'][0]['type'], 'script_exception');
  const ignored = await call('POST', '/books/_search', { query: { ids: { values: ['1'] } }, script_fields: { bad: { script: '1 / 0', ignore_failure: true }, ok: { script: '1' } } });
  assert.deepEqual(ignored.body['hits']['hits'][0]['fields'], { ok: [1] });
});

test('_script sort: number and string keys, order, params; the keys are the hits\' sort values', async () => {
  const byNumber = await call('POST', '/books/_search', {
    query: { exists: { field: 'year' } },
    sort: [{ _script: { type: 'number', order: 'desc', script: { source: "doc['rating'].value * params.f", params: { f: -1 } } } }],
  });
  assert.deepEqual(byNumber.body['hits']['hits'].map((hit: Json) => [hit['_id'], hit['sort']]), [['3', [-2.5]], ['2', [-3]], ['1', [-4.5]]]);
  const byString = await call('POST', '/books/_search', { query: { exists: { field: 'year' } }, sort: [{ _script: { type: 'string', script: "doc['tag'].value + '-' + doc['year'].value" } }] });
  assert.deepEqual(byString.body['hits']['hits'].map((hit: Json) => hit['sort'][0]), ['animal-1990', 'animal-2001', 'food-2010']);
  const badType = await call('POST', '/books/_search', { sort: [{ _script: { type: 'nope', script: '1' } }] });
  assert.equal(badType.status, 400);
});

test('_update_by_query with a script (clients-tests update_by_query/10_basic.yml): ctx._source.age++ on the matches', async () => {
  await call('PUT', '/people/_doc/1?refresh=true', { name: 'user', age: 29 });
  await call('PUT', '/people/_doc/2?refresh=true', { name: 'other', age: 40 });
  const result = await call('POST', '/people/_update_by_query?refresh=true', { query: { term: { name: 'user' } }, script: { source: 'ctx._source.age++', lang: 'painless' } });
  assert.equal(result.status, 200);
  assert.equal(result.body['updated'], 1);
  assert.equal((await source('people', '1'))?.['age'], 30);
  assert.equal((await source('people', '2'))?.['age'], 40);
  const noop = await call('POST', '/people/_update_by_query?refresh=true', { script: "ctx.op = 'noop'" });
  assert.equal(noop.body['noops'], 2);
});

test('runtime_mappings: emitted values are queryable, aggregatable, sortable and returned in fields; source-backed without a script', async () => {
  const runtime_mappings = {
    decade: { type: 'long', script: { source: "if (doc['year'].size() > 0) { emit(doc['year'].value / 10 * 10) }" } },
    label: { type: 'keyword', script: "if (doc['tag'].size() > 0) { emit(doc['tag'].value.toUpperCase()) }" },
    counter: { type: 'long' },
  };
  const filtered = await call('POST', '/books/_search', { runtime_mappings, query: { term: { label: 'ANIMAL' } }, sort: [{ decade: 'desc' }], fields: ['decade', 'label'] });
  assert.equal(filtered.status, 200);
  const hits = filtered.body['hits']['hits'] as Json[];
  assert.deepEqual(hits.map((hit) => [hit['_id'], hit['sort'], hit['fields']]), [
    ['2', [2000], { decade: [2000], label: ['ANIMAL'] }],
    ['1', [1990], { decade: [1990], label: ['ANIMAL'] }],
  ]);
  assert.equal(hits[0]!['_score'], null);
  const scored = await call('POST', '/books/_search', { runtime_mappings, query: { range: { decade: { gte: 2000 } } } });
  assert.deepEqual((scored.body['hits']['hits'] as Json[]).map((hit) => hit['_score']), [1, 1]);
  const aggs = await call('POST', '/books/_search', { runtime_mappings, size: 0, aggs: { decades: { terms: { field: 'decade' } }, total: { sum: { field: 'counter' } } } });
  assert.deepEqual(aggs.body['aggregations']['decades']['buckets'], [
    { key: 1990, doc_count: 1 },
    { key: 2000, doc_count: 1 },
    { key: 2010, doc_count: 1 },
  ]);
  assert.equal(typeof aggs.body['aggregations']['total']['value'], 'number');
  const wrongType = await call('POST', '/books/_search', { runtime_mappings: { bad: { type: 'long', script: "emit('x')" } }, query: { exists: { field: 'bad' } } });
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.body['error']['root_cause'][0]['type'], 'script_exception');
  const unsupported = await call('POST', '/books/_search', { runtime_mappings: { ip: { type: 'ip' } } });
  assert.equal(unsupported.status, 400);
});

test('runtime fields in the index mapping (`runtime`): checked when put, searched like runtime_mappings, overridden by the request', async () => {
  const created = await call('PUT', '/events', {
    mappings: {
      runtime: { day_of_week: { type: 'keyword', script: "emit(doc['@timestamp'].value.getDayOfMonth() % 2 == 0 ? 'even' : 'odd')" } },
      properties: { '@timestamp': { type: 'date' } },
    },
  });
  assert.equal(created.status, 200);
  await call('PUT', '/events/_doc/1', { '@timestamp': '2024-01-02T00:00:00Z' });
  await call('PUT', '/events/_doc/2?refresh=true', { '@timestamp': '2024-01-03T00:00:00Z' });
  const even = await call('POST', '/events/_search', { query: { term: { day_of_week: 'even' } }, fields: ['day_of_week'] });
  assert.deepEqual((even.body['hits']['hits'] as Json[]).map((hit) => [hit['_id'], hit['fields']]), [['1', { day_of_week: ['even'] }]]);
  const overridden = await call('POST', '/events/_search', { runtime_mappings: { day_of_week: { type: 'keyword', script: "emit('always')" } }, query: { term: { day_of_week: 'always' } } });
  assert.equal(overridden.body['hits']['total']['value'], 2);
  const bad = await call('PUT', '/events-bad', { mappings: { runtime: { broken: { type: 'long', script: 'emit(' } } } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body['error']['type'], 'script_exception');
  const badType = await call('PUT', '/events-bad', { mappings: { runtime: { broken: { type: 'nope' } } } });
  assert.equal(badType.status, 400);
});

test('GET _script_language and _script_context (scripts/25_get_script_languages.yml, 20_get_script_context.yml)', async () => {
  const languages = await call('GET', '/_script_language');
  assert.equal(languages.status, 200);
  assert.deepEqual(languages.body['types_allowed'], ['inline', 'stored']);
  assert.equal(languages.body['language_contexts'][0]['language'], 'painless');
  assert.ok((languages.body['language_contexts'][0]['contexts'] as string[]).includes('update'));
  const contexts = await call('GET', '/_script_context');
  assert.equal(contexts.status, 200);
  assert.ok(contexts.body['contexts'][0]['name']);
  assert.equal(contexts.body['contexts'][0]['methods'][0]['name'], 'execute');
  assert.ok(contexts.body['contexts'][0]['methods'][0]['return_type']);
});

test('bulk update items run scripts too, each failing alone', async () => {
  const lines = [
    JSON.stringify({ update: { _index: 'books', _id: '3' } }),
    JSON.stringify({ script: { source: 'ctx._source.counter *= 2' } }),
    JSON.stringify({ update: { _index: 'books', _id: '3' } }),
    JSON.stringify({ script: { source: 'ctx._source.counter / 0' } }),
  ];
  const response = await rawRequest(node, 'POST', '/_bulk?refresh=true', { body: `${lines.join('\n')}\n`, headers: { 'content-type': 'application/x-ndjson' } });
  const body = response.json() as Json;
  assert.equal(body['errors'], true);
  assert.equal(body['items'][0]['update']['result'], 'updated');
  assert.equal(body['items'][1]['update']['status'], 400);
  assert.equal(body['items'][1]['update']['error']['type'], 'script_exception');
  assert.equal((await source('books', '3'))?.['counter'], 20);
});

test('POST _scripts/painless/_execute (painless/70_execute_painless_scripts.yml)', async () => {
  await call('PUT', '/exec-index', { mappings: { properties: { rank: { type: 'long' }, field: { type: 'keyword' }, date: { type: 'date' } } } });
  // Bodies as the YAML test writes them: `5.0` must reach the script as a double, so the text keeps it.
  const execute = async (body: Json) => {
    const text = JSON.stringify(body).replace(/"max_rank":5\b/, '"max_rank":5.0');
    const response = await rawRequest(node, 'POST', '/_scripts/painless/_execute', { body: text, headers: { 'content-type': 'application/json' } });
    return { status: response.status, body: response.json() as Json };
  };
  // The body text says 100.0 and 1000.0: doubles for Painless, whatever JSON.parse makes of them.
  const defaults = await rawRequest(node, 'POST', '/_scripts/painless/_execute', {
    body: '{"script": {"source": "params.count / params.total", "params": {"count": 100.0, "total": 1000.0}}}',
    headers: { 'content-type': 'application/json' },
  });
  assert.deepEqual(defaults.json(), { result: '0.1' });
  assert.deepEqual((await execute({ script: { source: 'params.count / params.total', params: { count: 100, total: 1000 } } })).body, { result: '0' });
  assert.deepEqual((await execute({ script: { source: 'params.var1 - params.var2', params: { var1: 10, var2: 100 } }, context: 'painless_test' })).body, { result: '-90' });
  const filter = await execute({ script: { source: "doc['field'].value.length() <= params.max_length", params: { max_length: 4 } }, context: 'filter', context_setup: { index: 'exec-index', document: { field: 'four' } } });
  assert.deepEqual(filter.body, { result: true });
  const score = await execute({ script: { source: "doc['rank'].value / params.max_rank", params: { max_rank: 5.0 } }, context: 'score', context_setup: { index: 'exec-index', document: { rank: 4 } } });
  assert.deepEqual(score.body, { result: 0.8 });
  const longs = await execute({ script: { source: "emit(doc['rank'].value * (long)params.max_rank); emit(35); emit(-90)", params: { max_rank: 5.0 } }, context: 'long_field', context_setup: { index: 'exec-index', document: { rank: 4 } } });
  assert.deepEqual(longs.body, { result: [20, 35, -90] });
  const dates = await execute({ script: { source: "emit(doc['date'].value.toInstant().toEpochMilli())" }, context: 'date_field', context_setup: { index: 'exec-index', document: { date: '2015-01-01T12:10:30Z' } } });
  assert.deepEqual(dates.body, { result: ['2015-01-01T12:10:30.000Z'] });
  const booleans = await execute({ script: { source: "emit(doc['rank'].value < params.max_rank); emit(false)", params: { max_rank: 5.0 } }, context: 'boolean_field', context_setup: { index: 'exec-index', document: { rank: 4 } } });
  assert.deepEqual(booleans.body, { result: [true, false] });
  const missingIndex = await execute({ script: '1', context: 'filter', context_setup: { index: 'nope', document: {} } });
  assert.equal(missingIndex.status, 404);
  const unknownVariable = await execute({ script: "doc['x']" });
  assert.equal(unknownVariable.status, 400);
  assert.equal(unknownVariable.body['error']['type'], 'script_exception');
});

test('params written as whole doubles (2.0) stay doubles in every use, as Elasticsearch parses them', async () => {
  await call('PUT', '/doubles/_doc/1?refresh=true', { n: 5 });
  const update = await rawRequest(node, 'POST', '/doubles/_update/1?refresh=true', {
    body: '{"script": {"source": "ctx._source.half = ctx._source.n / params.d; ctx._source.int_half = ctx._source.n / params.i", "params": {"d": 2.0, "i": 2}}}',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(update.status, 200);
  const doc = await source('doubles', '1');
  assert.equal(doc?.['half'], 2.5);
  assert.equal(doc?.['int_half'], 2);
});

test('field level security: scripts and runtime fields in a search do not see hidden fields (params._source, doc, source-backed runtime fields)', async () => {
  await call('PUT', '/_security/role/books_no_counter', { indices: [{ names: ['books'], privileges: ['read'], field_security: { grant: ['title', 'tag', 'year', 'rating'] } }] });
  await call('PUT', '/_security/user/reader', { password: 'reader-password', roles: ['books_no_counter'] });
  const reader = `Basic ${Buffer.from('reader:reader-password').toString('base64')}`;
  const query = { ids: { values: ['1'] } };
  // As the superuser the counter is there; as the reader it is not, whichever way a script looks.
  const admin = await call('POST', '/books/_search', { query, runtime_mappings: { counter: { type: 'long' } }, fields: ['counter'] });
  assert.deepEqual(admin.body['hits']['hits'][0]['fields'], { counter: [6] });
  const sourceBacked = await call('POST', '/books/_search', { query: { exists: { field: 'counter' } }, runtime_mappings: { counter: { type: 'long' } } }, reader);
  assert.equal(sourceBacked.status, 200);
  assert.equal(sourceBacked.body['hits']['total']['value'], 0);
  const scripted = await call('POST', '/books/_search', { query: { script_score: { query, script: "params._source.counter == null ? 1 : 2" } } }, reader);
  assert.equal(scripted.body['hits']['hits'][0]['_score'], 1);
  const emitted = await call('POST', '/books/_search', { size: 0, query, runtime_mappings: { c: { type: 'long', script: "def v = params._source.counter; if (v != null) { emit(v) }" } }, aggs: { c: { sum: { field: 'c' } } } }, reader);
  assert.equal(emitted.body['aggregations']['c']['value'], 0);
  const field = await call('POST', '/books/_search', { query, script_fields: { c: { script: "params._source.counter" } } }, reader);
  assert.deepEqual(field.body['hits']['hits'][0]['fields'], { c: [null] });
});
