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
  assert.equal(charFilter.status, 400);
  assert.match(charFilter.reason, /char_filter \[html_strip\]/);
  for (const index of ['bad1', 'bad2', 'bad3']) assert.equal(await client.indices.exists({ index }), false);
  const putMapping = await failure(client.indices.putMapping({ index: 'norm', properties: { other: { type: 'keyword', normalizer: 'missing' } } }));
  assert.equal(putMapping.status, 400);
  assert.equal(putMapping.type, 'mapper_parsing_exception');
  assert.match(putMapping.reason, /normalizer \[missing\] not found for field \[other\]/);
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
