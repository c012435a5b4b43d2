// The index setting `index.query.default_field` end to end on one node (issue #15): query_string,
// simple_query_string, multi_match and more_like_this without fields, and the URI search `q=`
// without `df`, search the index's default fields; explicit fields and `df` override them; patterns
// and ^boosts; a dynamic update applies to the next search; a search over two indices uses each
// index's own setting; highlighting follows the fields searched; bad values are 400s.
// References: index-modules.html#index-query-default-field ("Wildcard (*) patterns in the field
// mapping ... Defaults to *"); query-dsl-query-string-query.html, query-dsl-simple-query-string-query.html,
// query-dsl-multi-match-query.html, query-dsl-mlt-query.html and search-search.html (`df`): "defaults
// to the index.query.default_field index setting".
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { jsonCall } from '../harness/json-call.js';
import type { estypes } from '@elastic/elasticsearch';

let node: StartedNode;
const mappings: estypes.MappingTypeMapping = { properties: { title: { type: 'text' }, body: { type: 'text' }, tag: { type: 'keyword' }, views: { type: 'long' } } };
const ids = (body: { hits: { hits: { _id: string }[] } }): string[] => body.hits.hits.map((hit) => hit._id).sort();

async function search(path: string, body?: unknown): Promise<any> {
  const answer = await jsonCall(node, body === undefined ? 'GET' : 'POST', path, body);
  assert.equal(answer.status, 200, answer.text);
  return answer.body;
}

before(async () => {
  node = await startNode({ clusterName: 'default-field', nodeName: 'n1' });
  const client = node.client();
  await client.indices.create({ index: 'articles', settings: { index: { query: { default_field: ['title'] } } }, mappings });
  await client.indices.create({ index: 'notes', settings: { 'index.query.default_field': 'body' }, mappings });
  await client.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'articles', _id: 'a1' } }, { title: 'fox report', body: 'nothing to see', tag: 'news', views: 10 },
      { index: { _index: 'articles', _id: 'a2' } }, { title: 'weather today', body: 'a fox was seen', tag: 'fox', views: 20 },
      { index: { _index: 'articles', _id: 'a3' } }, { title: 'fox and whale', body: 'the ocean fox', tag: 'sea', views: 30 },
      { index: { _index: 'notes', _id: 'n1' } }, { title: 'fox notes', body: 'plain text', tag: 'x', views: 1 },
      { index: { _index: 'notes', _id: 'n2' } }, { title: 'other', body: 'a fox note', tag: 'y', views: 2 },
    ],
  });
});

after(async () => {
  await node?.destroy();
});

test('queries without fields and q= without df search only the default fields', async () => {
  for (const query of [{ query_string: { query: 'fox' } }, { simple_query_string: { query: 'fox' } }, { multi_match: { query: 'fox' } }]) {
    assert.deepEqual(ids(await search('/articles/_search', { query })), ['a1', 'a3'], JSON.stringify(query));
  }
  assert.deepEqual(ids(await search('/articles/_search?q=fox')), ['a1', 'a3']);
  assert.equal((await search('/articles/_count?q=fox')).count, 2);
  assert.equal((await search('/articles/_count', { query: { query_string: { query: 'fox' } } })).count, 2);
  const explained = await jsonCall(node, 'GET', '/articles/_explain/a2?q=fox');
  assert.equal(explained.status, 200, explained.text);
  assert.equal(explained.body.matched, false); // a2 has fox in body only
  const mlt = await search('/articles/_search', { query: { more_like_this: { like: 'fox', min_term_freq: 1, min_doc_freq: 1 } } });
  assert.deepEqual(ids(mlt), ['a1', 'a3']);
});

test('explicit fields, default_field and df override the setting', async () => {
  assert.deepEqual(ids(await search('/articles/_search', { query: { query_string: { query: 'fox', fields: ['body'] } } })), ['a2', 'a3']);
  assert.deepEqual(ids(await search('/articles/_search', { query: { query_string: { query: 'fox', default_field: 'tag' } } })), ['a2']);
  assert.deepEqual(ids(await search('/articles/_search', { query: { simple_query_string: { query: 'fox', fields: ['body'] } } })), ['a2', 'a3']);
  assert.deepEqual(ids(await search('/articles/_search', { query: { multi_match: { query: 'fox', fields: ['body', 'tag'] } } })), ['a2', 'a3']);
  assert.deepEqual(ids(await search('/articles/_search?q=fox&df=body')), ['a2', 'a3']);
  assert.deepEqual(ids(await search('/articles/_search?q=body:fox')), ['a2', 'a3']);
});

test('a dynamic update applies to the next search; patterns and boosts; null restores `*`', async () => {
  const client = node.client();
  await client.indices.putSettings({ index: 'articles', settings: { 'index.query.default_field': ['bo*', 'tag^2'] } });
  const settings = await search('/articles/_settings?flat_settings=true');
  assert.deepEqual(settings.articles.settings['index.query.default_field'], ['bo*', 'tag^2']);
  assert.deepEqual(ids(await search('/articles/_search?q=fox')), ['a2', 'a3']);
  const boosted = await search('/articles/_search', { query: { query_string: { query: 'fox' } } });
  assert.equal(boosted.hits.hits[0]._id, 'a2', 'the tag match scores with boost 2');
  await client.indices.putSettings({ index: 'articles', settings: { 'index.query.default_field': null } });
  assert.deepEqual(ids(await search('/articles/_search?q=fox')), ['a1', 'a2', 'a3']);
  const defaults = await search('/articles/_settings?include_defaults=true&flat_settings=true');
  assert.deepEqual(defaults.articles.defaults['index.query.default_field'], ['*']);
  // Under the default `*`, more_like_this cannot tell which field's analyzer reads free text.
  const mlt = await jsonCall(node, 'POST', '/articles/_search', { query: { more_like_this: { like: 'fox' } } });
  assert.equal(mlt.status, 400, mlt.text);
  assert.equal(mlt.body.error.root_cause[0].type, 'query_shard_exception');
  assert.match(mlt.body.error.root_cause[0].reason, /\[more_like_this\] query cannot infer the field to analyze the free text, you should update the \[index\.query\.default_field\] index setting/);
  await client.indices.putSettings({ index: 'articles', settings: { 'index.query.default_field': ['title'] } });
  assert.deepEqual(ids(await search('/articles/_search?q=fox')), ['a1', 'a3']);
});

test('a search over two indices uses each index\'s own default fields', async () => {
  assert.deepEqual(ids(await search('/articles,notes/_search?q=fox')), ['a1', 'a3', 'n2']);
  assert.deepEqual(ids(await search('/articles,notes/_search', { query: { multi_match: { query: 'fox' } } })), ['a1', 'a3', 'n2']);
  assert.equal((await search('/articles,notes/_count?q=fox')).count, 3);
});

test('highlighting follows the fields the default fields resolve to', async () => {
  const response = await search('/articles/_search', { query: { query_string: { query: 'fox' } }, highlight: { fields: { '*': {} } } });
  const a3 = response.hits.hits.find((hit: { _id: string }) => hit._id === 'a3');
  assert.deepEqual(a3.highlight, { title: ['<em>fox</em> and whale'] });
  const explicit = await search('/articles/_search', { query: { query_string: { query: 'fox', fields: ['body'] } }, highlight: { fields: { '*': {} } } });
  assert.deepEqual(explicit.hits.hits.find((hit: { _id: string }) => hit._id === 'a3').highlight, { body: ['the ocean <em>fox</em>'] });
});

test('bad values: 400 with Elasticsearch errors; a bad boost fails the searches that read it', async () => {
  const object = await jsonCall(node, 'PUT', '/bad1', { settings: { 'index.query.default_field': { title: 1 } } });
  assert.equal(object.status, 400, object.text);
  assert.equal(object.body.error.type, 'illegal_argument_exception');
  assert.match(object.body.error.reason, /^unknown setting \[index\.query\.default_field\.title\]/);
  for (const value of [[['title']], [{ field: 'title' }]]) {
    const nested = await jsonCall(node, 'PUT', '/articles/_settings', { 'index.query.default_field': value });
    assert.equal(nested.status, 400, nested.text);
    assert.equal(nested.body.error.type, 'illegal_argument_exception');
    assert.equal(nested.body.error.reason, 'Failed to parse value for setting [index.query.default_field]');
  }
  assert.equal((await jsonCall(node, 'HEAD', '/bad1')).status, 404);
  assert.deepEqual((await search('/articles/_settings?flat_settings=true')).articles.settings['index.query.default_field'], ['title']);

  await node.client().indices.create({ index: 'boosted', settings: { 'index.query.default_field': ['title^high'] }, mappings });
  const failed = await jsonCall(node, 'GET', '/boosted/_search?q=fox');
  assert.equal(failed.status, 400, failed.text);
  assert.equal(failed.body.error.root_cause[0].type, 'query_shard_exception');
  assert.equal(failed.body.error.root_cause[0].reason, 'failed to create query: For input string: "high"');
  // Queries that name their fields do not read the setting.
  assert.equal((await jsonCall(node, 'GET', '/boosted/_search?q=fox&df=title')).status, 200);
});

test('`*` beside boosted entries: multi_match and simple_query_string keep the boosts, query_string (and q=) search every field alike (QueryParserHelper.resolveMappingFields)', async () => {
  const client = node.client();
  const documents = [{ title: 'fox', body: 'quiet' }, { title: 'quiet', body: 'fox' }];
  for (const [index, defaultField] of [['plain-star', ['*']], ['boosted-star', ['*', 'title^3']]] as const) {
    await client.indices.create({ index, settings: { 'index.query.default_field': [...defaultField] }, mappings: { properties: { title: { type: 'text' }, body: { type: 'text' } } } });
    await client.bulk({ index, refresh: true, operations: documents.flatMap((document, position) => [{ index: { _id: `d${position}` } }, document]) });
  }
  const scores = async (index: string, query: unknown, path = `/${index}/_search`): Promise<Record<string, number>> =>
    Object.fromEntries((await search(path, query === undefined ? undefined : { query })).hits.hits.map((hit: { _id: string; _score: number }) => [hit._id, hit._score]));
  for (const [query, titleRatio] of [
    [{ multi_match: { query: 'fox' } }, 3],
    [{ simple_query_string: { query: 'fox' } }, 3],
    [{ query_string: { query: 'fox' } }, 1],
  ] as const) {
    const plain = await scores('plain-star', query);
    const boosted = await scores('boosted-star', query);
    const label = JSON.stringify(query);
    assert.ok(Math.abs(boosted['d0']! / plain['d0']! - titleRatio) < 1e-5, `${label}: title match ${boosted['d0']} vs ${plain['d0']}`);
    assert.ok(Math.abs(boosted['d1']! - plain['d1']!) < 1e-6, `${label}: body match ${boosted['d1']} vs ${plain['d1']}`);
  }
  // The URI search's q= is a query_string: all-fields mode too.
  const uri = await scores('boosted-star', undefined, '/boosted-star/_search?q=fox');
  const uriPlain = await scores('plain-star', undefined, '/plain-star/_search?q=fox');
  assert.ok(Math.abs(uri['d0']! - uriPlain['d0']!) < 1e-6, `q=: ${uri['d0']} vs ${uriPlain['d0']}`);
  await client.indices.delete({ index: 'plain-star,boosted-star' });
});
