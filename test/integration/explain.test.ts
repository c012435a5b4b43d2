// The explain API and `_search`'s `explain: true` with one real node and the official client:
// Elastic's "Explain API" page (https://www.elastic.co/guide/en/elasticsearch/reference/current/search-explain.html),
// rest-api-spec explain.json and its YAML tests (explain/10_basic.yml, 20_source_filtering.yml,
// 30_query_string.yml), Lucene's BM25Similarity/BooleanWeight explanations, and document and
// field level security on `_explain` (issue 11 §1; "Controlling access at the document and field
// level": a hidden document does not exist for the caller, a hidden field matches nothing).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;
let admin: Client;

interface Explanation {
  value: number;
  description: string;
  details: Explanation[];
}
interface ExplainBody {
  _index: string;
  _id: string;
  matched: boolean;
  explanation?: Explanation;
  get?: Record<string, unknown>;
}
interface ErrorBody {
  error: { type: string; reason: string; root_cause: { type: string; reason: string }[] };
  status: number;
}

const DOCS: Record<string, Record<string, unknown>> = {
  '1': { title: 'the quick brown fox', tag: 'animal', year: 1990, secret: 's1', team: 'a' },
  '2': { title: 'the lazy dog and the fox and the fox', tag: 'animal', year: 2001, secret: 's2', team: 'a' },
  '3': { title: 'brown bread', tag: 'food', year: 2010, secret: 's3', team: 'b' },
  '4': { title: 'quick quick fox jumps over the brown dog', tag: 'animal', year: 2015, secret: 's4', team: 'a' },
};

const find = (node: Explanation, prefix: string): Explanation | undefined =>
  node.description.startsWith(prefix) ? node : node.details.map((child) => find(child, prefix)).find((found) => found !== undefined);

/** `_score` of each hit of a search, by id. */
async function scores(client: Client, query: Record<string, unknown>): Promise<Map<string, number>> {
  const result = await client.search({ index: 'books', query: query as never, size: 20 });
  return new Map(result.hits.hits.map((hit) => [hit._id!, hit._score as number]));
}

async function explain(client: Client, id: string, request: Record<string, unknown>): Promise<{ status: number; body: ExplainBody }> {
  const response = await client.explain({ index: 'books', id, ...request } as never, { meta: true, ignore: [404] });
  return { status: response.statusCode!, body: response.body as unknown as ExplainBody };
}

async function failure(client: Client, request: Record<string, unknown>): Promise<ErrorBody & { statusCode: number }> {
  const response = await client.explain(request as never, { meta: true, ignore: [400, 403, 404] });
  return { ...(response.body as unknown as ErrorBody), statusCode: response.statusCode! };
}

before(async () => {
  node = await startNode({ nodeName: 'explain-1' });
  admin = node.client();
  await admin.indices.create({
    index: 'books',
    mappings: {
      properties: { title: { type: 'text' }, tag: { type: 'keyword' }, year: { type: 'long' }, secret: { type: 'keyword' }, team: { type: 'keyword' } },
    },
    aliases: { 'animals': { filter: { term: { tag: 'animal' } } } },
  });
  await admin.indices.create({ index: 'books2' });
  await admin.indices.putAlias({ index: ['books', 'books2'], name: 'both' });
  await admin.bulk({ refresh: true, operations: Object.entries(DOCS).flatMap(([id, doc]) => [{ index: { _index: 'books', _id: id } }, doc]) });
  await admin.security.putRole({
    name: 'team_a_reader',
    indices: [{ names: ['books'], privileges: ['read'], query: { term: { team: 'a' } }, field_security: { grant: ['title', 'tag', 'team'] } }],
  });
  await admin.security.putUser({ username: 'reader', password: 'reader-password', roles: ['team_a_reader'] });
  await admin.security.putRole({ name: 'metadata_only', indices: [{ names: ['books'], privileges: ['view_index_metadata'] }] });
  await admin.security.putUser({ username: 'noread', password: 'noread-password', roles: ['metadata_only'] });
});

after(async () => {
  await node?.destroy();
});

test('match: a BM25 term explained as weight(..) → score(freq) = idf * tf, value equal to the search _score (Explain API)', async () => {
  const query = { match: { title: 'fox' } };
  const searched = await scores(admin, query);
  for (const id of ['1', '2', '4']) {
    const { status, body } = await explain(admin, id, { query });
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body), ['_index', '_id', 'matched', 'explanation']);
    assert.equal(body._index, 'books');
    assert.equal(body._id, id);
    assert.equal(body.matched, true);
    const explanation = body.explanation!;
    assert.equal(explanation.value, searched.get(id), `doc ${id}: explanation value is the _score`);
    assert.match(explanation.description, /^weight\(title:fox in \d+\) \[PerFieldSimilarity\], result of:$/);
    const computed = explanation.details[0]!;
    const freq = id === '2' ? 2 : 1;
    assert.equal(computed.description, `score(freq=${freq}.0), computed as boost * idf * tf from:`);
    // Boost 1 is not listed (Lucene's BM25Scorer lists it only when it is not 1).
    const [idf, tf] = computed.details as [Explanation, Explanation];
    assert.equal(idf.description, 'idf, computed as log(1 + (N - n + 0.5) / (n + 0.5)) from:');
    assert.deepEqual(idf.details.map((detail) => [detail.description, detail.value]), [['n, number of documents containing term', 3], ['N, total number of documents with field', 4]]);
    assert.ok(Math.abs(idf.value - Math.log(1 + (4 - 3 + 0.5) / (3 + 0.5))) < 1e-6);
    assert.equal(tf.description, 'tf, computed as freq / (freq + k1 * (1 - b + b * dl / avgdl)) from:');
    const [f, k1, b, dl, avgdl] = tf.details.map((detail) => detail.value) as [number, number, number, number, number];
    assert.equal(f, freq);
    assert.equal(dl, (DOCS[id]!['title'] as string).split(' ').length);
    assert.ok(Math.abs(avgdl - (4 + 9 + 2 + 8) / 4) < 1e-6);
    assert.ok(Math.abs(tf.value - f / (f + k1 * (1 - b + (b * dl) / avgdl))) < 1e-6);
    assert.ok(Math.abs(idf.value * tf.value - explanation.value) < 1e-6, 'idf * tf is the score');
  }
});

test('term, bool with filter and should, match_phrase, boosted constant_score: value equals the search _score', async () => {
  const queries: Record<string, unknown>[] = [
    { term: { tag: 'animal' } },
    { bool: { must: [{ match: { title: 'quick fox' } }], should: [{ match: { title: 'brown' } }], filter: [{ term: { tag: 'animal' } }], must_not: [{ term: { year: 2001 } }] } },
    { match_phrase: { title: 'quick brown' } },
    { constant_score: { filter: { term: { tag: 'animal' } }, boost: 2 } },
    { match: { title: { query: 'quick dog', boost: 3 } } },
  ];
  for (const query of queries) {
    const searched = await scores(admin, query);
    assert.ok(searched.size > 0, JSON.stringify(query));
    for (const [id, score] of searched) {
      const { body } = await explain(admin, id, { query });
      assert.equal(body.matched, true, `${JSON.stringify(query)} doc ${id}`);
      assert.equal(body.explanation!.value, score, `${JSON.stringify(query)} doc ${id}: explanation value is the _score`);
    }
  }
  const bool = (await explain(admin, '4', { query: queries[1] })).body.explanation!;
  assert.equal(bool.description, 'sum of:');
  const filter = bool.details.find((detail) => detail.description === 'match on required clause, product of:')!;
  assert.deepEqual(filter.details.map((detail) => detail.description), ['# clause', 'tag:animal']);
  const constant = (await explain(admin, '1', { query: queries[3] })).body.explanation!;
  assert.deepEqual(constant, { value: 2, description: 'ConstantScore(tag:animal)^2.0', details: [] });
  const phrase = (await explain(admin, '1', { query: queries[2] })).body.explanation!;
  assert.match(phrase.description, /^weight\(title:"quick brown" in \d+\) \[PerFieldSimilarity\], result of:$/);
  assert.equal(find(phrase, 'idf, sum of:')!.details.length, 2);
  const boosted = (await explain(admin, '4', { query: queries[4] })).body.explanation!;
  assert.deepEqual(find(boosted, 'boost')!.value, 3);
});

test('not matched: 200 with matched false and the reason; missing document: 404 {_index, _id, matched: false}', async () => {
  const notMatched = await explain(admin, '3', { query: { match: { title: 'fox' } } });
  assert.equal(notMatched.status, 200);
  assert.equal(notMatched.body.matched, false);
  assert.deepEqual(notMatched.body.explanation, { value: 0, description: 'no matching term', details: [] });
  const bool = await explain(admin, '3', { query: { bool: { must: [{ match: { title: 'brown' } }], filter: [{ term: { tag: 'animal' } }] } } });
  assert.equal(bool.body.matched, false);
  assert.equal(bool.body.explanation!.description, 'Failure to meet condition(s) of required/prohibited clause(s)');
  assert.ok(find(bool.body.explanation!, 'no match on required clause (tag:animal)'));
  const missing = await explain(admin, 'nope', { query: { match_all: {} } });
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, { _index: 'books', _id: 'nope', matched: false });
  const noIndex = await failure(admin, { index: 'no-such-index', id: '1', query: { match_all: {} } });
  assert.equal(noIndex.statusCode, 404);
  assert.equal(noIndex.error.type, 'index_not_found_exception');
  assert.equal(noIndex.error.reason, 'no such index [no-such-index]');
});

test('explain/10_basic.yml: match_all is 1 (*:*), also through a filtered alias; the body needs a query element', async () => {
  const basic = await explain(admin, '1', { query: { match_all: {} } });
  assert.equal(basic.body.matched, true);
  assert.deepEqual(basic.body.explanation, { value: 1, description: '*:*', details: [] });
  const alias = await admin.explain({ index: 'animals', id: '1', query: { match_all: {} } });
  assert.equal(alias.matched, true);
  assert.equal(alias._index, 'books');
  assert.equal(alias.explanation!.value, 1);
  // The alias filter is part of the query: a document it excludes does not match.
  const excluded = await admin.explain({ index: 'animals', id: '3', query: { match_all: {} } });
  assert.equal(excluded.matched, false);
  const raw = await rawRequest(node, 'POST', '/books/_explain/1', { body: JSON.stringify({ match_all: {} }), headers: { 'content-type': 'application/json' } });
  assert.equal(raw.status, 400);
  assert.equal((raw.json() as ErrorBody).error.type, 'parsing_exception');
  assert.equal((raw.json() as ErrorBody).error.reason, 'request does not support [match_all]');
});

test('explain/30_query_string.yml: q with df, default_operator, wildcard and lenient; its value equals the search _score', async () => {
  await admin.indices.create({ index: 'qs', mappings: { properties: { number: { type: 'integer' } } } });
  await admin.index({ index: 'qs', id: '1', document: { field: 'foo bar' }, refresh: true });
  const matched = async (params: Record<string, unknown>): Promise<boolean> => (await admin.explain({ index: 'qs', id: '1', ...params } as never)).matched;
  assert.equal(await matched({ q: 'bar', df: 'field' }), true);
  assert.equal(await matched({ q: 'field:foo field:xyz' }), true);
  assert.equal(await matched({ q: 'field:foo field:xyz', default_operator: 'AND' }), false);
  assert.equal(await matched({ q: 'field:BA*' }), true);
  assert.equal(await matched({ q: 'number:foo', lenient: true }), false);
  const searched = await admin.search({ index: 'books', q: 'title:fox' });
  for (const hit of searched.hits.hits) {
    const explained = await admin.explain({ index: 'books', id: hit._id!, q: 'title:fox' });
    assert.equal(explained.explanation!.value, hit._score);
  }
});

test('explain/20_source_filtering.yml: get with _source, _source_includes/_excludes, stored_fields; none without them', async () => {
  const query = { match_all: {} };
  const none = await explain(admin, '1', { query });
  assert.equal(none.body.get, undefined);
  const off = await explain(admin, '1', { query, _source: false });
  assert.equal(off.body.get, undefined);
  const whole = await explain(admin, '1', { query, _source: true });
  assert.deepEqual(Object.keys(whole.body.get!), ['_seq_no', '_primary_term', 'found', '_source']);
  assert.equal(whole.body.get!['found'], true);
  assert.equal(typeof whole.body.get!['_seq_no'], 'number');
  assert.deepEqual(whole.body.get!['_source'], DOCS['1']);
  const includes = await explain(admin, '1', { query, _source_includes: ['title', 'tag'] });
  assert.deepEqual(includes.body.get!['_source'], { title: 'the quick brown fox', tag: 'animal' });
  const excludes = await explain(admin, '1', { query, _source_excludes: ['secret', 'year'] });
  assert.deepEqual(excludes.body.get!['_source'], { title: 'the quick brown fox', tag: 'animal', team: 'a' });
  const stored = await explain(admin, '1', { query, stored_fields: ['title'] });
  assert.deepEqual(Object.keys(stored.body.get!), ['_seq_no', '_primary_term', 'found']);
});

test('_search explain: true uses the same explanations (with _shard and _node), equal to each hit _score', async () => {
  const query = { bool: { must: [{ match: { title: 'fox brown' } }], filter: [{ range: { year: { gte: 1900 } } }] } };
  const result = await admin.search({ index: 'books', query, explain: true });
  assert.ok(result.hits.hits.length >= 3);
  for (const hit of result.hits.hits) {
    assert.equal(hit._shard, '[books][0]');
    assert.equal(typeof hit._node, 'string');
    assert.equal(hit._explanation!.value, hit._score);
    const explained = await admin.explain({ index: 'books', id: hit._id!, query });
    assert.deepEqual(hit._explanation, explained.explanation);
  }
});

test('DLS: a hidden document is absent (404, matched false); FLS: get._source filtered, a hidden field matches nothing (issue 11 §1)', async () => {
  const reader = node.client({ username: 'reader', password: 'reader-password' });
  const hidden = await explain(reader, '3', { query: { match_all: {} } });
  assert.equal(hidden.status, 404);
  assert.deepEqual(hidden.body, { _index: 'books', _id: '3', matched: false });
  // The same document is there for a caller without the restriction.
  assert.equal((await explain(admin, '3', { query: { match_all: {} } })).status, 200);

  const visible = await explain(reader, '1', { query: { match_all: {} }, _source: true });
  assert.equal(visible.status, 200);
  assert.deepEqual(visible.body.get!['_source'], { title: 'the quick brown fox', tag: 'animal', team: 'a' }, 'secret and year hidden');

  const onHidden = await explain(reader, '1', { query: { term: { secret: 's1' } } });
  assert.equal(onHidden.status, 200);
  assert.equal(onHidden.body.matched, false, 'a query on a hidden field matches nothing');
  assert.ok(!JSON.stringify(onHidden.body).includes('s1'), 'the explanation does not reveal the hidden value');
  assert.equal((await explain(admin, '1', { query: { term: { secret: 's1' } } })).body.matched, true);
  const onHiddenInBool = await explain(reader, '1', { query: { bool: { should: [{ match: { title: 'fox' } }, { range: { year: { gte: 1000 } } }] } } });
  assert.equal(onHiddenInBool.body.matched, true);
  assert.ok(!JSON.stringify(onHiddenInBool.body.explanation).includes('year'), 'the hidden field does not appear in the explanation');

  // Under DLS the reader's scores are the shard's (statistics are not filtered), so they equal its search's.
  const searched = await scores(reader, { match: { title: 'fox' } });
  assert.deepEqual([...searched.keys()].sort(), ['1', '2', '4']);
  for (const [id, score] of searched) assert.equal((await explain(reader, id, { query: { match: { title: 'fox' } } })).body.explanation!.value, score);
});

test('authorization: indices:data/read/explain needs read; 403 with Elasticsearch reason', async () => {
  const noread = node.client({ username: 'noread', password: 'noread-password' });
  const denied = await failure(noread, { index: 'books', id: '1', query: { match_all: {} } });
  assert.equal(denied.statusCode, 403);
  assert.equal(denied.error.type, 'security_exception');
  assert.equal(
    denied.error.reason,
    'action [indices:data/read/explain] is unauthorized for user [noread] with effective roles [metadata_only] on indices [books], this action is granted by the index privileges [read,all]',
  );
  assert.equal(denied.error.root_cause[0]!.type, 'security_exception');
});

test('bad input: 400 with Elasticsearch types and reasons, never a 5xx', async () => {
  const check = async (request: Record<string, unknown>, type: string, reason: string | RegExp): Promise<void> => {
    const body = await failure(admin, request);
    assert.equal(body.statusCode, 400, JSON.stringify(request));
    assert.equal(body.error.type, type, JSON.stringify(request));
    if (typeof reason === 'string') assert.equal(body.error.reason, reason);
    else assert.match(body.error.reason, reason);
  };
  await check({ index: 'books', id: '1' }, 'action_request_validation_exception', 'Validation Failed: 1: query is missing;');
  await check({ index: 'both', id: '1', query: { match_all: {} } }, 'illegal_argument_exception', "alias [both] has more than one index associated with it [books, books2], can't execute a single index op");
  await check({ index: 'books', id: '1', query: { nope: {} } }, 'parsing_exception', 'unknown query [nope]');
  await check({ index: 'books', id: '1', query: { term: { year: 'abc' } } }, 'query_shard_exception', 'failed to create query: For input string: "abc"');
  await check({ index: 'books', id: '1', df: 'title' }, 'illegal_argument_exception', /^request \[\/books\/_explain\/1\] contains unrecognized parameter: \[df\]/);
  const size = await rawRequest(node, 'POST', '/books/_explain/1', { body: JSON.stringify({ query: { match_all: {} }, size: 1 }), headers: { 'content-type': 'application/json' } });
  assert.equal(size.status, 400);
  const sizeCause = (size.json() as ErrorBody).error.root_cause[0]!;
  assert.deepEqual([sizeCause.type, sizeCause.reason], ['parsing_exception', 'request does not support [size]']);
  const array = await rawRequest(node, 'POST', '/books/_explain/1', { body: '[1]', headers: { 'content-type': 'application/json' } });
  assert.equal(array.status, 400);
  assert.equal((array.json() as ErrorBody).error.reason, 'Expected [START_OBJECT] but found [START_ARRAY]');
});

test('routing: a required _routing must be given (routing_missing_exception); get shows the document _routing', async () => {
  await admin.indices.create({ index: 'routed', mappings: { _routing: { required: true }, properties: { title: { type: 'text' } } } });
  await admin.index({ index: 'routed', id: '1', routing: 'r1', document: { title: 'routed fox' }, refresh: true });
  const missing = await failure(admin, { index: 'routed', id: '1', query: { match: { title: 'fox' } } });
  assert.equal(missing.statusCode, 400);
  assert.equal(missing.error.type, 'routing_missing_exception');
  const routed = await admin.explain({ index: 'routed', id: '1', routing: 'r1', _source: true, query: { match: { title: 'fox' } } });
  assert.equal(routed.matched, true);
  assert.deepEqual(Object.keys(routed.get!), ['_seq_no', '_primary_term', '_routing', 'found', '_source']);
  assert.equal(routed.get!._routing, 'r1');
});
