// Issue #15's remaining everyday APIs over one real node with the official client: keyword
// normalizers, aggregation value scripts, `_source` mapping options, `GET /_cat`, and runtime
// fields in dynamic templates.
// References: analysis-normalizers.html and normalizer.html; indices-analyze.html (normalizer);
// rest-api-spec search.aggregation/20_terms.yml (normalizer keys); the Elasticsearch error texts
// of KeywordFieldMapper ("normalizer [..] not found for field [..]") and AnalysisRegistry
// ("Custom normalizer [..] may not use filter [..]").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;
let client: Client;

before(async () => {
  node = await startNode({ nodeName: 'everyday-more-1' });
  client = node.client();
});

after(async () => {
  await node?.destroy();
});

/** The error an official-client call fails with: status, type and reason. */
async function failure(call: Promise<unknown>): Promise<{ status: number; type: string; reason: string; rootCause?: { type: string; reason: string } }> {
  try {
    await call;
  } catch (error) {
    type Body = { error?: { type?: string; reason?: string; root_cause?: { type: string; reason: string }[] } };
    const meta = (error as { meta?: { statusCode?: number; body?: Body } }).meta;
    if (meta?.statusCode !== undefined) {
      const answer = { status: meta.statusCode, type: String(meta.body?.error?.type), reason: String(meta.body?.error?.reason) };
      const rootCause = meta.body?.error?.root_cause?.[0];
      return rootCause === undefined || (rootCause.type === answer.type && rootCause.reason === answer.reason) ? answer : { ...answer, rootCause };
    }
    throw error;
  }
  assert.fail('the call succeeded');
}

test('keyword normalizer: values indexed and queried normalized, aggregation keys normalized, _source kept', async () => {
  await client.indices.create({
    index: 'norm',
    settings: { analysis: { normalizer: { folded: { type: 'custom', char_filter: [], filter: ['lowercase', 'asciifolding'] } } } },
    mappings: { properties: { name: { type: 'keyword', normalizer: 'folded' }, tag: { type: 'keyword', normalizer: 'lowercase' } } },
  });
  await client.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'norm', _id: '1' } }, { name: 'Crème BRÛLÉE', tag: 'Dessert' },
      { index: { _index: 'norm', _id: '2' } }, { name: 'creme brulee', tag: 'DESSERT' },
      { index: { _index: 'norm', _id: '3' } }, { name: 'Apple', tag: 'fruit' },
    ],
  });
  const term = await client.search({ index: 'norm', query: { term: { name: 'CREME BRULEE' } }, sort: ['_doc'] });
  assert.deepEqual(term.hits.hits.map((hit) => hit._id), ['1', '2']);
  assert.deepEqual(term.hits.hits[0]!._source, { name: 'Crème BRÛLÉE', tag: 'Dessert' });
  // Highlighting compares the normalized value and marks the original one.
  const highlighted = await client.search({ index: 'norm', query: { term: { name: 'CREME BRULEE' } }, highlight: { fields: { name: {} } }, sort: ['_doc'] });
  assert.deepEqual(highlighted.hits.hits.map((hit) => hit.highlight), [{ name: ['<em>Crème BRÛLÉE</em>'] }, { name: ['<em>creme brulee</em>'] }]);
  const match = await client.search({ index: 'norm', query: { match: { tag: 'DeSSeRT' } } });
  assert.equal((match.hits.total as { value: number }).value, 2);
  const aggs = await client.search({ index: 'norm', size: 0, aggs: { names: { terms: { field: 'name' } }, tags: { terms: { field: 'tag' } } } });
  assert.deepEqual((aggs.aggregations!['names'] as { buckets: unknown[] }).buckets, [{ key: 'creme brulee', doc_count: 2 }, { key: 'apple', doc_count: 1 }]);
  assert.deepEqual((aggs.aggregations!['tags'] as { buckets: unknown[] }).buckets, [{ key: 'dessert', doc_count: 2 }, { key: 'fruit', doc_count: 1 }]);
});

test('_analyze with a normalizer: the index normalizer, the built-in lowercase, and a keyword field with one', async () => {
  const custom = await client.indices.analyze({ index: 'norm', normalizer: 'folded', text: 'ÀB Cd' });
  assert.deepEqual(custom.tokens, [{ token: 'ab cd', start_offset: 0, end_offset: 5, type: 'word', position: 0 }]);
  const builtIn = await client.indices.analyze({ index: 'norm', normalizer: 'lowercase', text: ['ABC', 'Def'] });
  assert.deepEqual(builtIn.tokens!.map((token) => [token.token, token.position, token.start_offset]), [['abc', 0, 0], ['def', 101, 4]]);
  const field = await client.indices.analyze({ index: 'norm', field: 'name', text: 'ÉCLAIR' });
  assert.deepEqual(field.tokens!.map((token) => token.token), ['eclair']);
  assert.deepEqual(await failure(client.indices.analyze({ normalizer: 'lowercase', text: 'x' })), {
    status: 400, type: 'illegal_argument_exception', reason: 'analysis based on a normalizer requires an index',
  });
  assert.deepEqual(await failure(client.indices.analyze({ index: 'norm', normalizer: 'nope', text: 'x' })), {
    status: 400, type: 'illegal_argument_exception', reason: 'failed to find normalizer under [nope]',
  });
});

test('normalizer char_filter: mapping and pattern_replace applied when indexing, querying, aggregating and in _analyze (analysis-normalizers.html)', async () => {
  await client.indices.create({
    index: 'norm_chars',
    settings: {
      analysis: {
        char_filter: { quote: { type: 'mapping', mappings: ['« => "', '» => "'] }, dashes: { type: 'pattern_replace', pattern: '[-_ ]+', replacement: '-' } },
        normalizer: { my_normalizer: { type: 'custom', char_filter: ['quote', 'dashes'], filter: ['lowercase', 'asciifolding'] } },
      },
    },
    mappings: { properties: { foo: { type: 'keyword', normalizer: 'my_normalizer' } } },
  });
  await client.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'norm_chars', _id: '1' } }, { foo: '«Crème Brûlée»' },
      { index: { _index: 'norm_chars', _id: '2' } }, { foo: '"creme__brulee"' },
      { index: { _index: 'norm_chars', _id: '3' } }, { foo: 'other' },
    ],
  });
  const term = await client.search({ index: 'norm_chars', query: { term: { foo: '«CREME-BRULEE»' } }, sort: ['_doc'] });
  assert.deepEqual(term.hits.hits.map((hit) => hit._id), ['1', '2']);
  assert.deepEqual(term.hits.hits[0]!._source, { foo: '«Crème Brûlée»' });
  const aggs = await client.search({ index: 'norm_chars', size: 0, aggs: { values: { terms: { field: 'foo' } } } });
  assert.deepEqual((aggs.aggregations!['values'] as { buckets: unknown[] }).buckets, [{ key: '"creme-brulee"', doc_count: 2 }, { key: 'other', doc_count: 1 }]);
  const analyzed = await client.indices.analyze({ index: 'norm_chars', normalizer: 'my_normalizer', text: '«A b»' });
  assert.deepEqual(analyzed.tokens, [{ token: '"a-b"', start_offset: 0, end_offset: 5, type: 'word', position: 0 }]);
  const explained = (await client.indices.analyze({ index: 'norm_chars', normalizer: 'my_normalizer', text: '«A b»', explain: true })) as any;
  assert.deepEqual(explained.detail.charfilters, [{ name: 'quote', filtered_text: ['"A b"'] }, { name: 'dashes', filtered_text: ['"A-b"'] }]);
  assert.equal(explained.detail.tokenizer.tokens[0].token, '"A-b"');
  assert.deepEqual(explained.detail.tokenfilters.map((stage: any) => [stage.name, stage.tokens[0].token]), [['lowercase', '"a-b"'], ['asciifolding', '"a-b"']]);
  const bad = await failure(client.indices.create({
    index: 'norm_chars_bad',
    settings: { analysis: { char_filter: { p: { type: 'pattern_replace', pattern: '(a)', replacement: '$2' } }, normalizer: { n: { type: 'custom', char_filter: ['p'] } } } },
    mappings: { properties: { f: { type: 'keyword', normalizer: 'n' } } },
  }));
  assert.deepEqual(bad, { status: 400, type: 'illegal_argument_exception', reason: 'No group 2' });
  assert.equal(await client.indices.exists({ index: 'norm_chars_bad' }), false);
});

test('normalizer refusals: an unknown name in a mapping, a filter that tokenizes, what Strait lacks; nothing is created', async () => {
  const unknown = await failure(client.indices.create({ index: 'bad1', mappings: { properties: { f: { type: 'keyword', normalizer: 'nope' } } } }));
  assert.deepEqual(unknown, {
    status: 400,
    type: 'mapper_parsing_exception',
    reason: 'Failed to parse mapping: normalizer [nope] not found for field [f]',
    rootCause: { type: 'mapper_parsing_exception', reason: 'normalizer [nope] not found for field [f]' },
  });
  const stop = await failure(client.indices.create({
    index: 'bad2',
    settings: { analysis: { normalizer: { b: { type: 'custom', filter: ['stop'] } } } },
    mappings: { properties: { f: { type: 'keyword', normalizer: 'b' } } },
  }));
  assert.deepEqual(stop, { status: 400, type: 'illegal_argument_exception', reason: 'Custom normalizer [b] may not use filter [stop]' });
  const charFilter = await failure(client.indices.create({ index: 'bad3', settings: { analysis: { normalizer: { c: { type: 'custom', char_filter: ['html_strip'] } } } } }));
  assert.deepEqual(charFilter, { status: 400, type: 'illegal_argument_exception', reason: 'Custom normalizer [c] may not use char filter [html_strip]' });
  for (const index of ['bad1', 'bad2', 'bad3']) assert.equal(await client.indices.exists({ index }), false);
  const putMapping = await failure(client.indices.putMapping({ index: 'norm', properties: { other: { type: 'keyword', normalizer: 'missing' } } }));
  assert.equal(putMapping.status, 400);
  assert.equal(putMapping.type, 'mapper_parsing_exception');
  assert.match(putMapping.reason, /normalizer \[missing\] not found for field \[other\]/);
});

test('scripts in rare_terms, multi_terms terms and composite sources, over the official client (search-aggregations-bucket-composite-aggregation.html "Script")', async () => {
  await client.indices.create({ index: 'sales_scripts', mappings: { properties: { qty: { type: 'long' }, shop: { type: 'keyword' } } } });
  await client.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'sales_scripts', _id: '1' } }, { qty: 1, shop: 'North' },
      { index: { _index: 'sales_scripts', _id: '2' } }, { qty: 2, shop: 'South' },
      { index: { _index: 'sales_scripts', _id: '3' } }, { qty: 3, shop: 'North' },
    ],
  });
  const response = await client.search({
    index: 'sales_scripts',
    size: 0,
    aggs: {
      rare: { rare_terms: { script: "doc['shop'].value.toLowerCase()" } },
      pairs: { multi_terms: { terms: [{ field: 'shop' }, { script: "doc['qty'].value > 1 ? 'many' : 'one'" }] } },
      groups: { composite: { sources: [{ shop: { terms: { script: "doc['shop'].value.substring(0, 1)" } } }, { qty: { histogram: { script: "doc['qty'].value * 10", interval: 20 } } }] } },
    } as any, // the client's types omit rare_terms' `script`, which Elasticsearch's parser declares (ValuesSourceAggregationBuilder.declareFields)
  });
  const aggs = response.aggregations as Record<string, any>;
  assert.deepEqual(aggs['rare'].buckets, [{ key: 'south', doc_count: 1 }]);
  assert.deepEqual(aggs['pairs'].buckets.map((bucket: any) => [bucket.key, bucket.doc_count]), [[['North', 'many'], 1], [['North', 'one'], 1], [['South', 'many'], 1]]);
  assert.deepEqual(aggs['groups'].buckets, [
    { key: { shop: 'N', qty: 0 }, doc_count: 1 },
    { key: { shop: 'N', qty: 20 }, doc_count: 1 },
    { key: { shop: 'S', qty: 20 }, doc_count: 1 },
  ]);
  const broken = await failure(client.search({ index: 'sales_scripts', aggs: { groups: { composite: { sources: [{ s: { terms: { script: "doc['shop'" } } }] } } } }));
  assert.equal(broken.status, 400);
  assert.equal(broken.type, 'script_exception');
});

test('aggregation scripts: value scripts with _value and params, scripts alone with doc[...], errors as 400s', async () => {
  await client.indices.create({ index: 'sales', mappings: { properties: { price: { type: 'double' }, qty: { type: 'long' }, shop: { type: 'keyword' } } } });
  await client.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'sales', _id: '1' } }, { price: 10, qty: 1, shop: 'North' },
      { index: { _index: 'sales', _id: '2' } }, { price: 20, qty: 2, shop: 'South' },
      { index: { _index: 'sales', _id: '3' } }, { price: 30, qty: 3, shop: 'North' },
    ],
  });
  const response = await client.search({
    index: 'sales',
    size: 0,
    aggs: {
      taxed: { sum: { field: 'price', script: { source: '_value * params.rate', params: { rate: 1.5 } } } },
      revenue: { avg: { script: "doc['price'].value * doc['qty'].value" } },
      shops: { terms: { field: 'shop', script: '_value.toLowerCase()' }, aggs: { most: { max: { field: 'qty', script: '_value * 100' } } } },
      bands: { range: { script: "doc['qty'].value * 10", ranges: [{ to: 15 }, { from: 15 }] } },
    },
  });
  const aggs = response.aggregations as Record<string, any>;
  assert.equal(aggs['taxed'].value, 90);
  assert.equal(aggs['revenue'].value, (10 + 40 + 90) / 3);
  assert.deepEqual(aggs['shops'].buckets, [{ key: 'north', doc_count: 2, most: { value: 300 } }, { key: 'south', doc_count: 1, most: { value: 200 } }]);
  assert.deepEqual(aggs['bands'].buckets.map((bucket: any) => [bucket.key, bucket.doc_count]), [['*-15.0', 1], ['15.0-*', 2]]);

  const compile = await failure(client.search({ index: 'sales', size: 0, aggs: { a: { sum: { field: 'price', script: '_value +' } } } }));
  assert.deepEqual([compile.status, compile.type, compile.reason], [400, 'script_exception', 'compile error']);
  const runtime = await failure(client.search({ index: 'sales', size: 0, aggs: { a: { sum: { script: "doc['missing_field'].value" } } } }));
  assert.equal(runtime.status, 400);
  // A failure on the shards: Elasticsearch's search_phase_execution_exception with the shard's cause.
  const wrongKind = await failure(client.search({ index: 'sales', size: 0, aggs: { a: { sum: { script: "doc['shop'].value" } } } }));
  assert.deepEqual([wrongKind.status, wrongKind.type, wrongKind.rootCause?.type], [400, 'search_phase_execution_exception', 'illegal_argument_exception']);
  assert.match(wrongKind.rootCause!.reason, /Unsupported script value \[North\]/);
});

test('_source.enabled: false: fields indexed and searchable, no _source anywhere; update, update by query and reindex refuse', async () => {
  await client.indices.create({ index: 'nosource', mappings: { _source: { enabled: false }, properties: { title: { type: 'keyword' }, n: { type: 'long' } } } });
  await client.index({ index: 'nosource', id: '1', document: { title: 'alpha', n: 1 }, refresh: true });
  const mapping = await client.indices.getMapping({ index: 'nosource' });
  assert.deepEqual(mapping['nosource']!.mappings._source, { enabled: false });
  const get = await client.get({ index: 'nosource', id: '1' });
  assert.equal(get.found, true);
  assert.equal('_source' in get, false);
  const search = await client.search({ index: 'nosource', query: { term: { title: 'alpha' } }, aggs: { top: { top_hits: {} } } });
  assert.equal(search.hits.hits.length, 1);
  assert.equal('_source' in search.hits.hits[0]!, false);
  assert.equal('_source' in (search.aggregations!['top'] as any).hits.hits[0], false);
  assert.deepEqual(await failure(client.getSource({ index: 'nosource', id: '1' })), { status: 404, type: 'resource_not_found_exception', reason: 'Source not found [nosource]/[1]' });
  assert.deepEqual(await failure(client.update({ index: 'nosource', id: '1', doc: { n: 2 } })), { status: 400, type: 'document_source_missing_exception', reason: '[1]: document source missing' });
  const byQuery = await failure(client.updateByQuery({ index: 'nosource', refresh: true }));
  assert.deepEqual([byQuery.status, byQuery.type, byQuery.reason], [400, 'illegal_argument_exception', "[nosource][_doc][1] didn't store _source"]);
  const reindex = await failure(client.reindex({ source: { index: 'nosource' }, dest: { index: 'nosource-copy' }, refresh: true }));
  assert.deepEqual([reindex.status, reindex.type, reindex.reason], [400, 'illegal_argument_exception', "[nosource][_doc][1] didn't store _source"]);
  // Nothing changed: the document is as it was.
  assert.equal((await client.search({ index: 'nosource', query: { term: { n: 1 } } })).hits.hits.length, 1);
});

test('_source includes/excludes: every read shows the kept part, excluded fields stay searchable, an update rewrites from the kept part', async () => {
  await client.indices.create({ index: 'filtered', mappings: { _source: { excludes: ['secret'] }, properties: { title: { type: 'keyword' }, secret: { type: 'keyword' } } } });
  await client.index({ index: 'filtered', id: '1', document: { title: 'alpha', secret: 'hunter2' }, refresh: true });
  assert.deepEqual((await client.get({ index: 'filtered', id: '1' }))._source, { title: 'alpha' });
  assert.deepEqual(await client.getSource({ index: 'filtered', id: '1' }), { title: 'alpha' });
  const hit = (await client.search({ index: 'filtered', query: { term: { secret: 'hunter2' } } })).hits.hits[0]!;
  assert.deepEqual(hit._source, { title: 'alpha' });
  await client.update({ index: 'filtered', id: '1', doc: { title: 'beta' }, refresh: true });
  assert.deepEqual((await client.get({ index: 'filtered', id: '1' }))._source, { title: 'beta' });
  // The update rewrote the document from the kept source: the excluded value is gone, as in Elasticsearch.
  assert.equal((await client.search({ index: 'filtered', query: { term: { secret: 'hunter2' } } })).hits.hits.length, 0);
  const conflict = await failure(client.indices.putMapping({ index: 'filtered', _source: { excludes: [] } }));
  assert.equal(conflict.status, 400);
  assert.match(conflict.reason, /Mapper for \[_source\] conflicts with existing mapper/);
});

test('runtime fields from dynamic templates: mapped under runtime, queryable and aggregatable from _source', async () => {
  await client.indices.create({
    index: 'dynrt',
    // A runtime template may leave `type` out (the client's types require it): the JSON kind decides.
    mappings: { dynamic_templates: [{ strings_as_runtime: { match_mapping_type: 'string', runtime: {} } }, { counts: { match: 'count_*', runtime: { type: 'long' } } }] } as never,
  });
  await client.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'dynrt', _id: '1' } }, { host: 'a', count_errors: 3 },
      { index: { _index: 'dynrt', _id: '2' } }, { host: 'b', count_errors: 5 },
      { index: { _index: 'dynrt', _id: '3' } }, { host: 'a', count_errors: 1 },
    ],
  });
  const mapping = await client.indices.getMapping({ index: 'dynrt' });
  assert.deepEqual(mapping['dynrt']!.mappings.runtime, { host: { type: 'keyword' }, count_errors: { type: 'long' } });
  assert.equal(mapping['dynrt']!.mappings.properties, undefined);
  const response = await client.search({
    index: 'dynrt',
    query: { term: { host: 'a' } },
    aggs: { total: { sum: { field: 'count_errors' } } },
    fields: ['host'],
    sort: [{ count_errors: 'desc' }],
  });
  assert.deepEqual(response.hits.hits.map((hit) => [hit._id, hit.fields]), [['1', { host: ['a'] }], ['3', { host: ['a'] }]]);
  assert.equal((response.aggregations!['total'] as { value: number }).value, 4);
});

test('GET /_cat lists the cat endpoints the node serves, in Elasticsearch order', async () => {
  const answer = await client.transport.request<string>({ method: 'GET', path: '/_cat' }, { meta: true });
  assert.equal(answer.statusCode, 200);
  assert.match(String(answer.headers['content-type']), /^text\/plain/);
  const lines = answer.body.split('\n');
  assert.equal(lines[0], '=^.^=');
  assert.equal(lines[lines.length - 1], '');
  for (const path of ['/_cat/allocation', '/_cat/shards', '/_cat/shards/{index}', '/_cat/indices/{index}', '/_cat/aliases/{alias}', '/_cat/thread_pool/{thread_pools}', '/_cat/templates']) {
    assert.ok(lines.includes(path), `${path} in ${answer.body}`);
  }
  assert.ok(lines.indexOf('/_cat/allocation') < lines.indexOf('/_cat/shards') && lines.indexOf('/_cat/health') < lines.indexOf('/_cat/aliases'));
  // Only what is served: Strait has no snapshot repositories.
  assert.equal(lines.includes('/_cat/repositories'), false);
});

test('dynamic: runtime adds runtime fields that searches read from _source', async () => {
  await client.indices.create({ index: 'rtmode', mappings: { dynamic: 'runtime' } });
  await client.index({ index: 'rtmode', id: '1', document: { user: { name: 'kim' }, visits: 3 }, refresh: true });
  await client.index({ index: 'rtmode', id: '2', document: { user: { name: 'lee' }, visits: 9 }, refresh: true });
  const mapping = await client.indices.getMapping({ index: 'rtmode' });
  assert.deepEqual(mapping['rtmode']!.mappings.runtime, { 'user.name': { type: 'keyword' }, visits: { type: 'long' } });
  const response = await client.search({ index: 'rtmode', query: { range: { visits: { gte: 5 } } } });
  assert.deepEqual(response.hits.hits.map((hit) => hit._id), ['2']);
  const byName = await client.search({ index: 'rtmode', query: { term: { 'user.name': 'kim' } } });
  assert.deepEqual(byName.hits.hits.map((hit) => hit._id), ['1']);
});

test('normalizers change only on a closed index, and only to definitions that build and keep the mapping whole', async () => {
  await client.indices.create({
    index: 'norm2',
    settings: { analysis: { normalizer: { n: { type: 'custom', filter: ['lowercase'] } } } },
    mappings: { properties: { k: { type: 'keyword', normalizer: 'n' } } },
  });
  await client.index({ index: 'norm2', id: '1', document: { k: 'ABC' }, refresh: true });
  await client.indices.close({ index: 'norm2' });
  const bad = await failure(client.indices.putSettings({ index: 'norm2', settings: { analysis: { normalizer: { n: { type: 'custom', filter: ['stop'] } } } } }));
  assert.deepEqual(bad, { status: 400, type: 'illegal_argument_exception', reason: 'Custom normalizer [n] may not use filter [stop]' });
  await client.indices.putSettings({ index: 'norm2', settings: { analysis: { normalizer: { n: { type: 'custom', filter: ['uppercase'] } } } } });
  await client.indices.open({ index: 'norm2' });
  // Segments hold what was indexed ("abc"); queries now normalize to upper case, as on Elasticsearch until a reindex.
  assert.equal((await client.search({ index: 'norm2', query: { term: { k: 'abc' } } })).hits.hits.length, 0);
  // A document indexed now is normalized by the new definition, and found by it.
  await client.index({ index: 'norm2', id: '2', document: { k: 'def' }, refresh: true });
  const found = await client.search({ index: 'norm2', query: { term: { k: 'Def' } }, aggs: { keys: { terms: { field: 'k' } } } });
  assert.deepEqual(found.hits.hits.map((hit) => hit._id), ['2']);
  assert.ok((found.aggregations!['keys'] as { buckets: { key: string }[] }).buckets.some((bucket) => bucket.key === 'DEF'));
});

test('index analyzers: a custom edge_ngram autocomplete analyzer and an english stop+stemmer chain index, search, highlight and _analyze', async () => {
  await client.indices.create({
    index: 'custom-analysis',
    settings: {
      analysis: {
        tokenizer: { autocomplete_tokenizer: { type: 'edge_ngram', min_gram: 2, max_gram: 10, token_chars: ['letter', 'digit'] } },
        filter: { english_stop: { type: 'stop', stopwords: '_english_' }, english_stemmer: { type: 'stemmer', language: 'english' } },
        analyzer: {
          autocomplete: { type: 'custom', tokenizer: 'autocomplete_tokenizer', filter: ['lowercase', 'asciifolding'] },
          autocomplete_search: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'asciifolding'] },
          english_custom: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'english_stop', 'english_stemmer'] },
        },
      },
    },
    mappings: {
      properties: {
        title: { type: 'text', analyzer: 'autocomplete', search_analyzer: 'autocomplete_search' },
        body: { type: 'text', analyzer: 'english_custom' },
      },
    },
  });
  await client.bulk({
    index: 'custom-analysis',
    refresh: true,
    operations: [
      { index: { _id: '1' } }, { title: 'Crème Brûlée recipes', body: 'The foxes were running over the hills' },
      { index: { _id: '2' } }, { title: 'Quick Foxes', body: 'A fox runs quickly' },
    ],
  });
  // Prefixes find the edge n-grams (asciifolding on both sides).
  const prefix = await client.search({ index: 'custom-analysis', query: { match: { title: 'creme bru' } } });
  assert.deepEqual(prefix.hits.hits.map((hit) => hit._id), ['1']);
  const quick = await client.search({ index: 'custom-analysis', query: { match: { title: 'qui' } }, highlight: { fields: { title: {} } } });
  assert.deepEqual(quick.hits.hits.map((hit) => hit._id), ['2']);
  // Each edge n-gram of the tokenizer has its own offsets: the highlight covers the matched gram, as on Elasticsearch.
  assert.deepEqual(quick.hits.hits[0]!.highlight, { title: ['<em>Qui</em>ck Foxes'] });
  // The stemmed chain: "running" and "runs" both stem to "run"; "the" is a stop word, so the phrase keeps its gap.
  const stems = await client.search({ index: 'custom-analysis', query: { match: { body: 'run' } } });
  assert.deepEqual(stems.hits.hits.map((hit) => hit._id).sort(), ['1', '2']);
  const phrase = await client.search({ index: 'custom-analysis', query: { match_phrase: { body: 'running over the hills' } }, highlight: { fields: { body: {} } } });
  assert.deepEqual(phrase.hits.hits.map((hit) => hit._id), ['1']);
  assert.deepEqual(phrase.hits.hits[0]!.highlight, { body: ['The foxes were <em>running</em> <em>over</em> the <em>hills</em>'] });
  // A query's own analyzer parameter may name an index analyzer.
  const named = await client.search({ index: 'custom-analysis', query: { match: { body: { query: 'foxes', analyzer: 'english_custom' } } } });
  assert.deepEqual(named.hits.hits.map((hit) => hit._id).sort(), ['1', '2']);
  // _analyze by analyzer name and by field.
  const byName = await client.indices.analyze({ index: 'custom-analysis', analyzer: 'autocomplete', text: 'Brûlée' });
  assert.deepEqual(byName.tokens!.map((token) => [token.token, token.start_offset, token.end_offset, token.position]), [['br', 0, 2, 0], ['bru', 0, 3, 1], ['brul', 0, 4, 2], ['brule', 0, 5, 3], ['brulee', 0, 6, 4]]);
  const byField = await client.indices.analyze({ index: 'custom-analysis', field: 'body', text: 'The foxes were running' });
  assert.deepEqual(byField.tokens!.map((token) => [token.token, token.position]), [['fox', 1], ['were', 2], ['run', 3]]);
  const explained = await client.indices.analyze({ index: 'custom-analysis', analyzer: 'english_custom', text: 'The foxes', explain: true });
  assert.equal(explained.detail!.custom_analyzer, true);
  assert.equal(explained.detail!.tokenizer!.name, 'standard');
  assert.deepEqual(explained.detail!.tokenfilters!.map((stage) => [stage.name, stage.tokens.map((token) => token.token)]), [['lowercase', ['the', 'foxes']], ['english_stop', ['foxes']], ['english_stemmer', ['fox']]]);
  // With an index, an inline chain may name the index's own tokenizer and filters.
  const components = await client.indices.analyze({ index: 'custom-analysis', tokenizer: 'autocomplete_tokenizer', filter: ['english_stop'], text: 'Fox' });
  assert.deepEqual(components.tokens!.map((token) => token.token), ['Fo', 'Fox']);
  // The inline form: a tokenizer and filters given with their parameters.
  const inline = await client.indices.analyze({ tokenizer: { type: 'ngram', min_gram: 3, max_gram: 3, token_chars: ['letter'] }, filter: ['uppercase'], text: 'Quick' });
  assert.deepEqual(inline.tokens!.map((token) => token.token), ['QUI', 'UIC', 'ICK']);
});

test('index analyzers: analysis.analyzer.default replaces the standard analyzer for text fields without one', async () => {
  await client.indices.create({
    index: 'default-analysis',
    settings: { analysis: { analyzer: { default: { type: 'standard', stopwords: '_english_' } } } },
    mappings: { properties: { t: { type: 'text' } } },
  });
  await client.index({ index: 'default-analysis', id: '1', document: { t: 'The Quick Fox' }, refresh: true });
  const analyzed = await client.indices.analyze({ index: 'default-analysis', field: 't', text: 'The Quick Fox' });
  assert.deepEqual(analyzed.tokens!.map((token) => token.token), ['quick', 'fox']);
  assert.equal((await client.search({ index: 'default-analysis', query: { match: { t: 'the' } } })).hits.hits.length, 0);
  assert.equal((await client.search({ index: 'default-analysis', query: { match: { t: 'quick' } } })).hits.hits.length, 1);
});

test('index analyzers: what does not build is refused at creation with Elasticsearch\'s error, and nothing is created', async () => {
  const cases: [unknown, string][] = [
    [{ analyzer: { my: { type: 'custom', tokenizer: 'nonexistent' } } }, 'Custom Analyzer [my] failed to find tokenizer under name [nonexistent]'],
    [{ analyzer: { my: { type: 'custom', tokenizer: 'standard', filter: ['nope'] } } }, 'Custom Analyzer [my] failed to find filter under name [nope]'],
    [
      { tokenizer: { grams: { type: 'ngram', min_gram: 2, max_gram: 5 } }, analyzer: { my: { tokenizer: 'grams' } } },
      'The difference between max_gram and min_gram in NGram Tokenizer must be less than or equal to: [1] but was [3]. This limit can be set by changing the [index.max_ngram_diff] index level setting.',
    ],
  ];
  for (const [analysis, reason] of cases) {
    assert.deepEqual(await failure(client.indices.create({ index: 'refused-analysis', settings: { analysis } as Record<string, unknown> })), { status: 400, type: 'illegal_argument_exception', reason });
    assert.equal(await client.indices.exists({ index: 'refused-analysis' }), false);
  }
  // A mapping naming an analyzer the index does not define.
  const unknown = await failure(client.indices.create({ index: 'refused-analysis', mappings: { properties: { t: { type: 'text', analyzer: 'my' } } } }));
  assert.deepEqual(unknown, { status: 400, type: 'mapper_parsing_exception', reason: 'Failed to parse mapping: analyzer [my] has not been configured in mappings', rootCause: { type: 'mapper_parsing_exception', reason: 'analyzer [my] has not been configured in mappings' } });
  // Analysis settings are static: refused on an open index, and checked when the index is closed.
  await client.indices.create({ index: 'static-analysis', settings: { analysis: { analyzer: { my: { tokenizer: 'whitespace' } } } } as Record<string, unknown> });
  const open = await failure(client.indices.putSettings({ index: 'static-analysis', settings: { analysis: { analyzer: { my: { tokenizer: 'keyword' } } } } as Record<string, unknown> }));
  assert.equal(open.status, 400);
  await client.indices.close({ index: 'static-analysis' });
  const closed = await failure(client.indices.putSettings({ index: 'static-analysis', settings: { analysis: { analyzer: { my: { tokenizer: 'nonexistent' } } } } as Record<string, unknown> }));
  assert.deepEqual(closed, { status: 400, type: 'illegal_argument_exception', reason: 'Custom Analyzer [my] failed to find tokenizer under name [nonexistent]' });
});

test('index analyzers: a synonym filter at search time finds documents by their synonyms; shingles index word pairs', async () => {
  await client.indices.create({
    index: 'synonym-analysis',
    settings: {
      analysis: {
        filter: { syn: { type: 'synonym_graph', synonyms: ['fast, quick', 'car => automobile'] }, pairs: { type: 'shingle', output_unigrams: false } },
        analyzer: { with_synonyms: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'syn'] }, pairs: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'pairs'] } },
      },
    },
    mappings: { properties: { t: { type: 'text', search_analyzer: 'with_synonyms', analyzer: 'standard' }, p: { type: 'text', analyzer: 'pairs' } } },
  });
  await client.index({ index: 'synonym-analysis', id: '1', document: { t: 'A quick automobile', p: 'quick brown fox' }, refresh: true });
  assert.deepEqual((await client.search({ index: 'synonym-analysis', query: { match: { t: 'fast car' } } })).hits.hits.map((hit) => hit._id), ['1']);
  assert.deepEqual((await client.search({ index: 'synonym-analysis', query: { term: { p: 'brown fox' } } })).hits.hits.map((hit) => hit._id), ['1']);
  assert.equal((await client.search({ index: 'synonym-analysis', query: { term: { p: 'brown' } } })).hits.hits.length, 0);
});

test('synonyms in phrases: terms a synonym filter stacks at one position are alternatives there (match_phrase, match_phrase_prefix, multi_match phrase, quoted query_string); match and match_bool_prefix count positions (query-dsl-match-query-phrase.html, analysis-synonym-graph-tokenfilter.html)', async () => {
  await client.indices.create({
    index: 'synonym-phrases',
    settings: {
      number_of_shards: 1,
      analysis: {
        filter: { syn: { type: 'synonym_graph', synonyms: ['fast, quick', 'car => automobile'] } },
        analyzer: { with_synonyms: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'syn'] } },
      },
    },
    mappings: { properties: { t: { type: 'text', analyzer: 'standard', search_analyzer: 'with_synonyms' } } },
  } as Parameters<Client['indices']['create']>[0]);
  const texts = ['a quick brown fox', 'a fast brown fox', 'the brown quick fox', 'my automobile is red', 'quick fox'];
  await client.bulk({ refresh: true, operations: texts.flatMap((t, index) => [{ index: { _index: 'synonym-phrases', _id: String(index + 1) } }, { t }]) });
  const ids = async (query: Record<string, unknown>): Promise<string[]> =>
    (await client.search({ index: 'synonym-phrases', query, size: 10 })).hits.hits.map((hit) => hit._id!).sort();
  // "fast brown" is (fast|quick) brown: both spellings match, the reversed order does not.
  assert.deepEqual(await ids({ match_phrase: { t: 'fast brown' } }), ['1', '2']);
  assert.deepEqual(await ids({ match_phrase: { t: 'quick brown fox' } }), ['1', '2']);
  assert.deepEqual(await ids({ match_phrase: { t: 'brown fast' } }), ['3']);
  assert.deepEqual(await ids({ match_phrase: { t: 'car is red' } }), ['4']);
  assert.deepEqual(await ids({ match_phrase: { t: { query: 'fast fox', slop: 1 } } }), ['1', '2', '3', '5']);
  // One position: a synonym query, not a phrase that needs both words.
  assert.deepEqual(await ids({ match_phrase: { t: 'fast' } }), ['1', '2', '3', '5']);
  assert.deepEqual(await ids({ match_phrase_prefix: { t: 'fast br' } }), ['1', '2']);
  assert.deepEqual(await ids({ multi_match: { query: 'fast brown', fields: ['t'], type: 'phrase' } }), ['1', '2']);
  assert.deepEqual(await ids({ query_string: { query: '"fast brown"', default_field: 't' } }), ['1', '2']);
  // match: the synonyms of one position are one clause for `and` and minimum_should_match.
  assert.deepEqual(await ids({ match: { t: { query: 'fast fox', operator: 'and' } } }), ['1', '2', '3', '5']);
  assert.deepEqual(await ids({ match: { t: { query: 'fast red car', minimum_should_match: '2' } } }), ['4']);
  assert.deepEqual(await ids({ query_string: { query: 'fast AND fox', default_field: 't' } }), ['1', '2', '3', '5']);
  assert.deepEqual(await ids({ match_bool_prefix: { t: { query: 'fast br', operator: 'and' } } }), ['1', '2', '3']);
  // A document holding one synonym scores as one holding the other (one blended term).
  const scores = (await client.search({ index: 'synonym-phrases', query: { match_phrase: { t: 'fast brown' } } })).hits.hits.map((hit) => hit._score);
  assert.equal(scores[0], scores[1]);
  const explained = await client.explain({ index: 'synonym-phrases', id: '1', query: { match: { t: 'fast' } } });
  assert.equal(explained.matched, true);
  assert.match(explained.explanation!.description, /Synonym\(t:fast t:quick\)/);
});

test('analyzer names: an unknown analyzer in a query or a suggester is a 400 whether or not the field is mapped; the index\'s own analyzers resolve; quote_analyzer is read (MatchQueryBuilder, QueryStringQueryBuilder, SuggestionBuilder)', async () => {
  await client.indices.create({
    index: 'analyzer-names',
    settings: { analysis: { analyzer: { shout: { type: 'custom', tokenizer: 'keyword', filter: ['lowercase'] } } } },
    mappings: { properties: { t: { type: 'text' } } },
  } as Parameters<Client['indices']['create']>[0]);
  await client.index({ index: 'analyzer-names', id: '1', document: { t: 'Quick Brown' }, refresh: true });
  const refused: [Record<string, unknown>, string][] = [
    [{ match: { t: { query: 'quick', analyzer: 'nope' } } }, '[match] analyzer [nope] not found'],
    [{ match: { missing: { query: 'quick', analyzer: 'nope' } } }, '[match] analyzer [nope] not found'],
    [{ match_phrase: { t: { query: 'quick', analyzer: 'nope' } } }, '[match_phrase] analyzer [nope] not found'],
    [{ match_phrase_prefix: { t: { query: 'quick', analyzer: 'nope' } } }, '[match_phrase_prefix] analyzer [nope] not found'],
    [{ match_bool_prefix: { t: { query: 'quick', analyzer: 'nope' } } }, '[match_bool_prefix] analyzer [nope] not found'],
    [{ multi_match: { query: 'quick', fields: ['t', 'missing'], analyzer: 'nope' } }, '[multi_match] analyzer [nope] not found'],
    [{ query_string: { query: 'quick', default_field: 't', analyzer: 'nope' } }, '[query_string] analyzer [nope] not found'],
    [{ query_string: { query: '"quick brown"', default_field: 't', quote_analyzer: 'nope' } }, '[query_string] quote_analyzer [nope] not found'],
    [{ simple_query_string: { query: 'quick', fields: ['t'], analyzer: 'nope' } }, '[simple_query_string] analyzer [nope] not found'],
  ];
  for (const [query, reason] of refused) {
    const answer = await failure(client.search({ index: 'analyzer-names', query }));
    assert.equal(answer.status, 400, JSON.stringify(query));
    const cause = answer.rootCause ?? answer;
    assert.deepEqual({ type: cause.type, reason: cause.reason }, { type: 'query_shard_exception', reason }, JSON.stringify(query));
  }
  // A highlight_query (per field, or at the top level) is built on each shard as a query is
  // (HighlightBuilder#build): its unknown analyzer is the same 400, not a quiet fallback.
  const highlights: [Record<string, unknown>, string][] = [
    [{ fields: { t: { highlight_query: { match: { t: { query: 'quick', analyzer: 'nope' } } } } } }, '[match] analyzer [nope] not found'],
    [{ highlight_query: { match_phrase: { t: { query: 'quick', analyzer: 'nope' } } }, fields: { t: {} } }, '[match_phrase] analyzer [nope] not found'],
  ];
  for (const [highlight, reason] of highlights) {
    const answer = await failure(client.search({ index: 'analyzer-names', query: { match: { t: 'quick' } }, highlight } as unknown as Parameters<Client['search']>[0]));
    assert.equal(answer.status, 400, JSON.stringify(highlight));
    const cause = answer.rootCause ?? answer;
    assert.deepEqual({ type: cause.type, reason: cause.reason }, { type: 'query_shard_exception', reason }, JSON.stringify(highlight));
  }
  // Highlight itself takes no analyzer (HighlightBuilder has no such field): a parse error.
  const withAnalyzer = await failure(client.search({ index: 'analyzer-names', highlight: { analyzer: 'nope', fields: { t: {} } } } as Parameters<Client['search']>[0]));
  assert.equal(withAnalyzer.status, 400);
  assert.match(String((withAnalyzer.rootCause ?? withAnalyzer).reason), /\[highlight\] unknown field \[analyzer\]/);
  const highlighted = await client.search({ index: 'analyzer-names', query: { match: { t: 'quick' } }, highlight: { fields: { t: { highlight_query: { match: { t: { query: 'quick brown', analyzer: 'whitespace' } } } } } } });
  assert.deepEqual(highlighted.hits.hits[0]?.highlight, { t: ['<em>Quick</em> <em>Brown</em>'] });
  for (const suggester of ['term', 'phrase']) {
    const answer = await failure(client.search({ index: 'analyzer-names', suggest: { s: { text: 'quick', [suggester]: { field: 't', analyzer: 'nope' } } } }));
    assert.equal(answer.status, 400, suggester);
    const cause = answer.rootCause ?? answer;
    assert.deepEqual({ type: cause.type, reason: cause.reason }, { type: 'illegal_argument_exception', reason: "analyzer [nope] doesn't exists" }, suggester);
  }
  // The index's own analyzer (one keyword token) and a built-in one resolve by name.
  const total = async (query: Record<string, unknown>): Promise<number> => (await client.search({ index: 'analyzer-names', query })).hits.hits.length;
  assert.equal(await total({ match: { t: { query: 'quick brown', analyzer: 'shout' } } }), 0);
  assert.equal(await total({ match: { t: { query: 'Quick', analyzer: 'whitespace' } } }), 0);
  assert.equal(await total({ match: { t: { query: 'Quick', analyzer: 'standard' } } }), 1);
  assert.equal(await total({ query_string: { query: '"quick brown"', default_field: 't' } }), 1);
  assert.equal(await total({ query_string: { query: '"quick brown"', default_field: 't', quote_analyzer: 'shout' } }), 0);
  assert.equal(await total({ query_string: { query: 'quick', default_field: 't', quote_analyzer: 'shout' } }), 1);
  const suggested = await client.search({ index: 'analyzer-names', suggest: { s: { text: 'quick brown', phrase: { field: 't', analyzer: 'shout' } }, w: { text: 'quick', term: { field: 't', analyzer: 'shout' } } } });
  assert.ok(suggested.suggest?.['s'] !== undefined && suggested.suggest?.['w'] !== undefined);
});

test('quote_field_suffix: quoted phrases of query_string and simple_query_string run on <field><suffix> where it is mapped, else on the field; unquoted terms stay on the field (query-dsl-query-string-query.html, QueryParserHelper)', async () => {
  await client.indices.create({
    index: 'quote-suffix',
    mappings: {
      properties: {
        title: { type: 'text', analyzer: 'english', fields: { exact: { type: 'text', analyzer: 'standard' } } },
        body: { type: 'text', analyzer: 'english' },
      },
    },
  });
  await client.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'quote-suffix', _id: '1' } }, { title: 'running dogs', body: 'jumping cats' },
      { index: { _index: 'quote-suffix', _id: '2' } }, { title: 'run dog', body: 'jump cat' },
    ],
  });
  const ids = async (query: Record<string, unknown>): Promise<string[]> =>
    (await client.search({ index: 'quote-suffix', query, sort: ['_doc'] })).hits.hits.map((hit) => hit._id!);
  for (const name of ['query_string', 'simple_query_string']) {
    const only = name === 'query_string' ? { default_field: 'title' } : { fields: ['title'] };
    // Stemmed, the phrase finds both; on title.exact only the document with those very words.
    assert.deepEqual(await ids({ [name]: { query: '"running dogs"', ...only } }), ['1', '2'], name);
    assert.deepEqual(await ids({ [name]: { query: '"running dogs"', ...only, quote_field_suffix: '.exact' } }), ['1'], name);
    // Unquoted terms are not moved to the suffixed field.
    assert.deepEqual(await ids({ [name]: { query: 'running', ...only, quote_field_suffix: '.exact' } }), ['1', '2'], name);
    // body has no body.exact: the phrase stays on body (stemmed, both match).
    assert.deepEqual(await ids({ [name]: { query: '"jumping cats"', fields: ['body'], quote_field_suffix: '.exact' } }), ['1', '2'], name);
    // Several fields: each field's phrase goes to its own suffixed field where there is one.
    assert.deepEqual(await ids({ [name]: { query: '"run dog"', fields: ['title', 'body'], quote_field_suffix: '.exact' } }), ['2'], name);
    assert.deepEqual(await ids({ [name]: { query: '"jump cat"', fields: ['title', 'body'], quote_field_suffix: '.exact' } }), ['1', '2'], name);
    // A suffix naming no field at all changes nothing.
    assert.deepEqual(await ids({ [name]: { query: '"running dogs"', ...only, quote_field_suffix: '.none' } }), ['1', '2'], name);
  }
  // query_string's field:"phrase" takes the suffix too.
  assert.deepEqual(await ids({ query_string: { query: 'title:"run dog"', quote_field_suffix: '.exact' } }), ['2']);
  // Highlighting marks the field the phrase ran on.
  const highlighted = await client.search({
    index: 'quote-suffix',
    query: { query_string: { query: '"running dogs"', default_field: 'title', quote_field_suffix: '.exact' } },
    highlight: { fields: { title: {}, 'title.exact': {} } },
  });
  assert.deepEqual(highlighted.hits.hits.map((hit) => hit.highlight), [{ 'title.exact': ['<em>running</em> <em>dogs</em>'] }]);
});

test('analyzer names Elasticsearch does not check: an unknown more_like_this analyzer falls back to the field\'s index analyzer, an unknown intervals analyzer to its search analyzer (MoreLikeThisQueryBuilder, IntervalsSourceProvider)', async () => {
  // Indexed as written (whitespace), searched lowercased (standard): which analyzer read the text shows.
  await client.indices.create({ index: 'analyzer-fallback', mappings: { properties: { t: { type: 'text', analyzer: 'whitespace', search_analyzer: 'standard' } } } });
  await client.bulk({
    refresh: true,
    operations: [{ index: { _index: 'analyzer-fallback', _id: '1' } }, { t: 'Quick Fox' }, { index: { _index: 'analyzer-fallback', _id: '2' } }, { t: 'lazy dog' }],
  });
  const ids = async (query: Record<string, unknown>): Promise<string[]> => (await client.search({ index: 'analyzer-fallback', query })).hits.hits.map((hit) => hit._id!);
  const mlt = (extra: Record<string, unknown>) => ({ more_like_this: { fields: ['t'], like: 'Quick', min_term_freq: 1, min_doc_freq: 1, ...extra } });
  // more_like_this: the index analyzer keeps "Quick" (a term of document 1); the search analyzer would make "quick" (no term).
  assert.deepEqual(await ids(mlt({ analyzer: 'nope' })), ['1']);
  assert.deepEqual(await ids(mlt({})), ['1']);
  assert.deepEqual(await ids(mlt({ analyzer: 'standard' })), []);
  // intervals: the search analyzer makes "quick", which document 1 does not hold ("Quick").
  const intervals = (extra: Record<string, unknown>) => ({ intervals: { t: { match: { query: 'Quick', ...extra } } } });
  assert.deepEqual(await ids(intervals({ analyzer: 'nope' })), []);
  assert.deepEqual(await ids(intervals({})), []);
  assert.deepEqual(await ids(intervals({ analyzer: 'whitespace' })), ['1']);
  assert.deepEqual(await ids({ intervals: { t: { match: { query: 'lazy dog', analyzer: 'nope' } } } }), ['2']);
});
