/**
 * Searches a multi-node cluster carries across nodes beyond `_search` and `_count` (issue #14):
 * a real etcd, three real nodes, an index with 3 shards and 1 replica, and a single node holding
 * the same documents in 3 shards. Every answer through every node of the cluster is compared with
 * the same request on the single node (Elasticsearch answers alike whichever node coordinates:
 * "Any node ... can handle search requests", modules-node.html, coordinating node).
 * - `_msearch` and `/{index}/_msearch`: each item is a search across nodes, an item's error is that
 *   item's response with its status (search-multi-search.html, "responses ... in the original
 *   multi search request order"; rest-api-spec msearch/10_basic.yml asserts per-item errors), and
 *   `max_concurrent_searches` must be positive.
 * - `_cat/count`: the count of every document of the indices, over every shard (cat-count.html).
 * - Filtered aliases: the filter applies on every shard, wherever it lives (aliases.html#filter-alias:
 *   "Filters are only applied when the alias is used"; several filtered aliases are OR-ed, naming
 *   the index itself searches it unfiltered), routed aliases read the shards their routing selects.
 * - Scroll: pages through every hit exactly once, in the search's order, continued through any node
 *   (paginate-search-results.html#scroll-search-results: "always use the most recently received
 *   _scroll_id"), keep-alive renewed, cleared by id or `_all` (clear-scroll-api.html).
 * - Document and field level security (field-and-document-access-control.html): a caller whose
 *   role restricts documents and fields gets through every node exactly what one node gives.
 * - `_explain`: a single-shard read of the document's shard (search-explain.html; `routing` and
 *   `preference` as on GET), answered by a node holding a copy, as one node answers it.
 * - Point in time (point-in-time-api.html): opened through one node, its reader contexts on the
 *   nodes holding the shards; searched through another, it sees the documents as they were when it
 *   opened ("the state of the data as it existed when initiated"), `search_after` pages every hit
 *   once (paginate-search-results.html#search-after), `keep_alive` renews it, `DELETE /_pit` frees
 *   every context (`succeeded`, `num_freed`; 404 once gone, as rest-api-spec
 *   search/350_point_in_time.yml closes twice); a forged id is a 4xx.
 * - Async search (async-search.html): submitted through one node, it searches every shard across
 *   nodes; get, status and delete work through any node (the id names the node keeping it),
 *   `keep_on_completion`, `keep_alive`, `wait_for_completion_timeout` as on one node; only the
 *   submitter reads it (404 for others, as the rest-api-spec async_search yaml tests assert).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';
import { encodeOpaqueId } from '../../src/search/scroll.js';
import { decodeMultiNodePitId, encodeMultiNodePitId } from '../../src/search/multi-node-pit-id.js';
import { encodePitId } from '../../src/search/pit.js';
import { decodeMultiNodeAsyncId, encodeMultiNodeAsyncId } from '../../src/search/multi-node-async-id.js';
import { jsonCall, type JsonAnswer } from '../harness/json-call.js';
import { etcdSkipReason } from '../harness/etcd.js';
import { assertCopiesIdentical } from '../harness/shard-copies.js';
import { startMultiNodeCluster, type MultiNodeCluster } from '../harness/multi-node-cluster.js';

const skip = etcdSkipReason();

const genres = ['fantasy', 'crime', 'poetry', 'history'];
const words = ['river', 'stone', 'night', 'garden', 'winter', 'harbor', 'lantern', 'mirror'];

/** 40 books; every fifth one routed by its genre (a custom routing value). */
function books(): { id: string; routing: string | undefined; source: Record<string, unknown> }[] {
  return Array.from({ length: 40 }, (_, i) => ({
    id: `b${i}`,
    routing: i % 5 === 0 ? genres[i % genres.length] : undefined,
    source: { title: `${words[i % words.length]} ${words[(i * 3 + 1) % words.length]} ${i % 7 === 0 ? words[(i + 2) % words.length] : ''}`.trim(), genre: genres[i % genres.length], n: i, year: 1900 + ((i * 7) % 120) },
  }));
}

/**
 * The answer without what differs between two runs of the same search (`took`, here and per item)
 * or between two copies of a shard: an explanation's `weight(field:term in N)` names the document's
 * number inside its copy's segment, which depends on the order the copy received the documents in
 * (as Lucene's doc ids differ between a primary and its replica).
 */
function comparable(body: any): any {
  if (body === null || typeof body !== 'object') return body;
  const { took: _took, ...rest } = body;
  if (Array.isArray(rest.responses)) rest.responses = rest.responses.map(comparable);
  if (rest.explanation !== undefined) rest.explanation = withoutDocNumbers(rest.explanation);
  return rest;
}

function withoutDocNumbers(node: any): any {
  if (node === null || typeof node !== 'object') return node;
  return { ...node, description: typeof node.description === 'string' ? node.description.replace(/ in \d+\)/g, ' in #)') : node.description, details: Array.isArray(node.details) ? node.details.map(withoutDocNumbers) : node.details };
}

/**
 * A failed search's answer without what differs between a cluster and one node: the failed shards
 * name the node of each copy (not the single node's id) and arrive in the nodes' order.
 */
function withoutNodes(answer: JsonAnswer): unknown {
  return {
    status: answer.status,
    ...answer.body,
    error: { ...answer.body.error, failed_shards: answer.body.error.failed_shards.map(({ node: _node, ...shard }: any) => shard).sort((left: any, right: any) => left.shard - right.shard) },
  };
}

describe('searches across three Strait nodes over etcd, compared with one node', { skip }, () => {
  let cluster: MultiNodeCluster;
  let single: StartedNode;
  const nodes = (): StartedNode[] => cluster.nodes;

  /** The same 3-shard index on the cluster (1 replica, green) and on the single node. */
  const createOnBoth = async (index: string, mappings: Record<string, unknown>): Promise<void> => {
    const created = await jsonCall(nodes()[0]!, 'PUT', `/${index}`, { settings: { number_of_shards: 3, number_of_replicas: 1 }, mappings });
    assert.equal(created.status, 200, created.text);
    const alone = await jsonCall(single, 'PUT', `/${index}`, { settings: { number_of_shards: 3, number_of_replicas: 0 }, mappings });
    assert.equal(alone.status, 200, alone.text);
    const health = await jsonCall(nodes()[1]!, 'GET', `/_cluster/health/${index}?wait_for_status=green&timeout=60s`);
    assert.equal(health.body.status, 'green', health.text);
  };

  before(async () => {
    [cluster, single] = await Promise.all([startMultiNodeCluster({ clusterName: 'mnsearch' }), startNode({ nodeName: 'alone' })]);
    await createOnBoth('books', { properties: { title: { type: 'text' }, genre: { type: 'keyword' }, n: { type: 'integer' }, year: { type: 'integer' } } });
    const bulk = books().map((book) => `${JSON.stringify({ index: { _id: book.id, ...(book.routing !== undefined ? { routing: book.routing } : {}) } })}\n${JSON.stringify(book.source)}\n`).join('');
    for (const target of [nodes()[2]!, single]) {
      const written = await jsonCall(target, 'POST', '/books/_bulk?refresh=true', bulk);
      assert.equal(written.status, 200, written.text);
      assert.equal(written.body.errors, false, written.text);
    }
  });
  after(async () => {
    await Promise.all([cluster?.destroy(), single?.destroy()]);
  });

  /** A request as `user` (password `<user>-password`), or as `elastic` without one. */
  const call = async (node: StartedNode, method: string, path: string, body: unknown, user: string | undefined): Promise<JsonAnswer> => {
    if (user === undefined) return jsonCall(node, method, path, body);
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers = { authorization: `Basic ${Buffer.from(`${user}:${user}-password`).toString('base64')}`, ...(text === undefined ? {} : { 'content-type': typeof body === 'string' ? 'application/x-ndjson' : 'application/json' }) };
    const response = await rawRequest(node, method, path, { ...(text === undefined ? {} : { body: text }), headers });
    return { status: response.status, text: response.text, body: response.text === '' ? undefined : response.json() };
  };

  /** The same request on the single node and through every node of the cluster: each cluster answer equals the single node's. */
  const sameEverywhere = async (method: string, path: string, body?: unknown, user?: string): Promise<JsonAnswer> => {
    const expected = await call(single, method, path, body, user);
    for (const [i, node] of nodes().entries()) {
      const answer = await call(node, method, path, body, user);
      assert.equal(answer.status, expected.status, `${method} ${path} through node ${i}: ${answer.text}`);
      assert.deepEqual(comparable(answer.body), comparable(expected.body), `${method} ${path} through node ${i}: ${answer.text} ≠ ${expected.text} (one node)`);
    }
    return expected;
  };

  test('collapse and profile over shards on several nodes are refused with a 400 that names that, not remote clusters', async () => {
    for (const body of [{ collapse: { field: 'genre' } }, { profile: true, query: { match_all: {} } }]) {
      const answer = await jsonCall(nodes()[0]!, 'POST', '/books/_search', body);
      assert.equal(answer.status, 400, answer.text);
      assert.equal(answer.body.error.type, 'illegal_argument_exception');
      assert.match(answer.body.error.reason, /is not supported by Strait for searches whose shards live on several nodes$/);
    }
  });

  test('allow_partial_search_results=false with one index failing a 4xx (a date field given text): the shards\' 400, as one node answers, not a 503', async () => {
    await createOnBoth('stamp-date', { properties: { stamp: { type: 'date' } } });
    await createOnBoth('stamp-text', { properties: { stamp: { type: 'text' } } });
    for (const target of [nodes()[0]!, single]) {
      for (const index of ['stamp-date', 'stamp-text']) {
        const written = await jsonCall(target, 'POST', `/${index}/_bulk?refresh=true`, `{"index":{"_id":"1"}}\n{"stamp":${index === 'stamp-date' ? '"2020-01-01"' : '"not a date"'}}\n`);
        assert.equal(written.body.errors, false, written.text);
      }
    }
    const query = { query: { match: { stamp: 'not a date' } } };
    // Partial results allowed: the text index's hit, the date index's shards in `_shards.failures`.
    const partial = await jsonCall(nodes()[1]!, 'POST', '/stamp-*/_search', query);
    assert.equal(partial.status, 200, partial.text);
    assert.equal(partial.body._shards.failed, 3, partial.text);
    const strict = await jsonCall(single, 'POST', '/stamp-*/_search?allow_partial_search_results=false', query);
    assert.equal(strict.status, 400, strict.text);
    assert.equal(strict.body.error.type, 'search_phase_execution_exception');
    assert.equal(strict.body.error.reason, 'Partial shards failure');
    for (const node of nodes()) assert.deepEqual(withoutNodes(await jsonCall(node, 'POST', '/stamp-*/_search?allow_partial_search_results=false', query)), withoutNodes(strict));
  });

  test('_msearch: every item searches every shard across nodes; per-item errors stay per item, as on one node', async () => {
    const lines = [
      {},
      { query: { match: { title: 'river' } }, size: 5 },
      { index: 'books' },
      { size: 0, aggs: { genres: { terms: { field: 'genre' } }, years: { stats: { field: 'year' } } } },
      { index: 'books', routing: 'crime' },
      { query: { match_all: {} }, size: 50, sort: [{ n: 'asc' }] },
      { index: 'no-such-books' },
      { query: { match_all: {} } },
      { index: 'books' },
      { query: { no_such_query: {} } },
      { index: 'books', search_type: 'dfs_query_then_fetch', routing: 'b3' },
      { query: { match: { title: 'stone night' } }, from: 2, size: 4 },
    ];
    const ndjson = lines.map((line) => `${JSON.stringify(line)}\n`).join('');
    const answer = await sameEverywhere('POST', '/books/_msearch', ndjson);
    assert.equal(answer.status, 200, answer.text);
    const responses = answer.body.responses;
    assert.equal(responses.length, 6);
    assert.deepEqual(responses[0]._shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
    assert.ok(responses[0].hits.total.value > 0);
    assert.equal(responses[1].aggregations.years.count, 40);
    assert.equal(responses[2]._shards.total, 1, 'routing reads one shard');
    assert.ok(responses[2].hits.hits.every((hit: any) => hit._routing === undefined || hit._routing === 'crime'));
    assert.deepEqual([responses[3].status, responses[3].error.type], [404, 'index_not_found_exception']);
    assert.deepEqual([responses[4].status, responses[4].error.type], [400, 'parsing_exception']);
    assert.equal(responses[5].status, 200);
    assert.equal(responses[5]._shards.total, 1);
    // DFS over several shards (search-search.html#search-type): the DFS phase on every node first,
    // so every shard scores with the statistics of all three, as one node holding them scores.
    const dfsLines = `{"index":"books","search_type":"dfs_query_then_fetch"}\n{"query":{"match":{"title":"river night"}},"size":40}\n{"index":"books"}\n{"query":{"match":{"title":"river night"}},"size":40}\n`;
    const dfs = await sameEverywhere('POST', '/_msearch', dfsLines);
    assert.equal(dfs.status, 200, dfs.text);
    const scores = (response: any): number[] => response.hits.hits.map((hit: any) => hit._score);
    assert.ok(dfs.body.responses[0].hits.total.value > 3);
    assert.notDeepEqual(scores(dfs.body.responses[0]), scores(dfs.body.responses[1]), 'DFS scores with every shard\'s statistics, not each shard\'s own');
    await sameEverywhere('POST', '/books/_search?search_type=dfs_query_then_fetch', { query: { bool: { should: [{ match: { title: 'stone' } }, { term: { genre: 'crime' } }, { fuzzy: { title: 'harbr' } }] } }, size: 40 });
    // `max_concurrent_searches`: one at a time gives the same answers; it must be positive.
    const serial = await jsonCall(nodes()[1]!, 'POST', '/books/_msearch?max_concurrent_searches=1', ndjson);
    assert.deepEqual(comparable(serial.body), comparable(answer.body));
    await sameEverywhere('POST', '/_msearch?max_concurrent_searches=0', ndjson);
    // The body's own errors fail the whole request, as on one node.
    await sameEverywhere('POST', '/_msearch', '{"index":"books"}\n');
    await sameEverywhere('POST', '/_msearch', `{"index":"books","bogus":1}\n{}\n`);
    await sameEverywhere('POST', '/_msearch', `{"index":"books"}\n{}`);
  });

  test('preference on searches across nodes: _local, _prefer_nodes, _only_nodes, a custom string and _shards:N|… read the copies they choose and answer as one node does', async () => {
    const body = { query: { match: { title: 'river stone' } }, size: 40 };
    for (const preference of ['_local', 'custom-string', '_shards:0,2|_local', '_shards:1', '_only_nodes:*']) {
      const answer = await sameEverywhere('POST', `/books/_search?preference=${encodeURIComponent(preference)}`, body);
      assert.equal(answer.status, 200, `${preference}: ${answer.text}`);
    }
    assert.equal((await jsonCall(nodes()[0]!, 'POST', `/books/_search?preference=${encodeURIComponent('_shards:0,2|_local')}`, body)).body._shards.total, 2);
    // _prefer_nodes and _only_nodes name node ids; an _only_ preference never falls back.
    const ids = Object.keys((await jsonCall(nodes()[0]!, 'GET', '/_nodes')).body.nodes);
    const prefer = await jsonCall(nodes()[1]!, 'POST', `/books/_search?preference=_prefer_nodes:${ids[0]}`, body);
    assert.deepEqual([prefer.status, prefer.body._shards.successful], [200, 3], prefer.text);
    for (const node of nodes()) {
      const none = await jsonCall(node, 'POST', '/books/_search?preference=_only_nodes:no-such-node', body);
      assert.deepEqual([none.status, none.body.error?.type], [400, 'illegal_argument_exception'], none.text);
      assert.match(none.body.error.reason, /no data nodes with criteria \[no-such-node\] found for shard/);
    }
    // An unknown preference type is refused as one node refuses it; a scroll's contexts open on the chosen copies.
    await sameEverywhere('POST', '/books/_search?preference=_bogus', body);
    const scrolled = await jsonCall(nodes()[2]!, 'POST', `/books/_search?preference=${encodeURIComponent('_shards:1|_local')}&scroll=1m`, body);
    assert.deepEqual([scrolled.status, scrolled.body._shards?.total], [200, 1], scrolled.text);
    await jsonCall(nodes()[2]!, 'DELETE', '/_search/scroll', { scroll_id: scrolled.body._scroll_id });
  });

  test('suggesters across nodes: term, phrase and completion read every shard on every node, merged as one node holding the same documents merges them', async () => {
    // Elasticsearch runs the suggest phase in every shard's query phase and merges at the
    // coordinating node (search-suggesters.html; SearchPhaseController#reducedQueryPhase).
    await createOnBoth('suggestions', { properties: { title: { type: 'text' }, name: { type: 'completion' } } });
    const titles = ['river stone', 'river night', 'stone garden', 'winter harbor', 'lantern mirror', 'night garden', 'harbor lantern', 'mirror river', 'garden winter', 'nightingale river'];
    const documents = titles.map((title, i) => ({ action: { index: { _id: `s${i}` } }, source: { title, name: { input: title.split(' ').map((word) => word[0]!.toUpperCase() + word.slice(1)), weight: i + 1 } } }));
    // One document, routed, holds words no other shard holds: its shard lives on two of the three nodes only.
    documents.push({ action: { index: { _id: 'lone', routing: 'lone' } } as never, source: { title: 'lighthouse keeper', name: { input: ['Lighthouse'], weight: 50 } } });
    const bulk = documents.map((document) => `${JSON.stringify(document.action)}\n${JSON.stringify(document.source)}\n`).join('');
    for (const target of [nodes()[2]!, single]) {
      const written = await jsonCall(target, 'POST', '/suggestions/_bulk?refresh=true', bulk);
      assert.equal(written.status, 200, written.text);
      assert.equal(written.body.errors, false, written.text);
    }
    const suggest = {
      text: 'rivr lighthuose nigth',
      spelling: { term: { field: 'title' } },
      popular: { term: { field: 'title', suggest_mode: 'always', sort: 'frequency', prefix_length: 0 } },
      names: { prefix: 'ni', completion: { field: 'name', size: 5 } },
      fuzzy: { prefix: 'lihgt', completion: { field: 'name', fuzzy: { fuzziness: 2 }, skip_duplicates: true } },
    };
    const answer = await sameEverywhere('POST', '/suggestions/_search?typed_keys=true', { query: { match: { title: 'river' } }, size: 3, suggest });
    assert.equal(answer.status, 200, answer.text);
    // The term suggester counts frequencies over every shard; the lone shard's word is found through every node.
    const spelling = answer.body.suggest['term#spelling'];
    assert.deepEqual(spelling.map((entry: any) => entry.options[0]?.text), ['river', 'lighthouse', 'night']);
    assert.equal(spelling[0].options[0].freq, 4);
    // The phrase suggester's language model reads each shard's number of distinct terms, which
    // Lucene (Terms.size()) and Strait know only for a copy of one segment: its scores depend on
    // how each copy's documents were cut into segments, so only its corrections are compared.
    const phrase = { size: 0, suggest: { phrase: { text: 'lighthuose keepr', phrase: { field: 'title', highlight: { pre_tag: '<b>', post_tag: '</b>' } } } } };
    const corrections = (answer: JsonAnswer): unknown => answer.body.suggest.phrase[0].options.map(({ text, highlighted }: any) => ({ text, highlighted }));
    const expectedCorrections = corrections(await jsonCall(single, 'POST', '/suggestions/_search', phrase));
    assert.deepEqual((expectedCorrections as any[])[0], { text: 'lighthouse keepr', highlighted: '<b>lighthouse</b> keepr' }, 'one error corrected (max_errors 1), from the lone shard');
    for (const node of nodes()) assert.deepEqual(corrections(await jsonCall(node, 'POST', '/suggestions/_search', phrase)), expectedCorrections);
    const names = answer.body.suggest['completion#names'][0].options;
    assert.deepEqual(names.map((option: any) => [option.text, option._id, option._score]), [['Nightingale', 's9', 10], ['Night', 's5', 6], ['Night', 's1', 2]]);
    assert.equal(names[0]._source.title, 'nightingale river');
    assert.deepEqual(answer.body.suggest['completion#fuzzy'][0].options.map((option: any) => option._id), ['lone']);
    assert.equal(answer.body.hits.hits.length, 3);
    // Suggestions only (size 0), and the errors one node gives: a field no shard maps, an unknown analyzer.
    await sameEverywhere('POST', '/suggestions/_search', { size: 0, suggest: { names: { text: 'lan', completion: { field: 'name' } }, words: { text: 'lantren', term: { field: 'title' } } } });
    for (const bad of [{ term: { field: 'nope' } }, { phrase: { field: 'nope' } }, { term: { field: 'title', analyzer: 'nope' } }, { phrase: { field: 'title', analyzer: 'nope' } }]) {
      const refused = await sameEverywhere('POST', '/suggestions/_search', { suggest: { bad: { text: 'rivr', ...bad } } });
      assert.equal(refused.status, 400, refused.text);
    }
    // A highlight_query is built on every shard as the query is: an unknown analyzer in either is the
    // 400 one node gives (every shard failed with the same cause), whichever node coordinates.
    for (const body of [{ query: { match: { title: { query: 'river', analyzer: 'nope' } } } }, { query: { match: { title: 'river' } }, highlight: { fields: { title: { highlight_query: { match: { title: { query: 'river', analyzer: 'nope' } } } } } } }]) {
      const expected = await jsonCall(single, 'POST', '/suggestions/_search', body);
      assert.equal(expected.status, 400, expected.text);
      assert.deepEqual(expected.body.error.root_cause.map((cause: any) => cause.type), ['query_shard_exception']);
      for (const node of nodes()) assert.deepEqual(withoutNodes(await jsonCall(node, 'POST', '/suggestions/_search', body)), withoutNodes(expected));
    }
    // Across two indices, each shard's suggest phase on the node holding it.
    await sameEverywhere('POST', '/suggestions,books/_search', { size: 0, suggest: { words: { text: 'rivr', term: { field: 'title' } } } });
  });

  test('_cat/count counts every document of every shard across nodes', async () => {
    const count = await sameEverywhere('GET', '/_cat/count/books?format=json&h=count');
    assert.deepEqual(count.body, [{ count: '40' }]);
    await sameEverywhere('GET', '/_cat/count?format=json&h=count');
    await sameEverywhere('GET', '/_cat/count/no-such-books?format=json');
    const text = await jsonCall(nodes()[0]!, 'GET', '/_cat/count/books?h=count');
    assert.equal(text.text.trim(), '40');
  });

  // search-field-caps.html `index_filter`: "indices that don't match the filter" are left out;
  // whether one matches is read from its documents, on the node holding each shard.
  test('_field_caps with index_filter reads every shard wherever it lives: an index whose only copy is on another node is kept or dropped by its documents', async () => {
    const holder = nodes()[2]!;
    const name = (await jsonCall(holder, 'GET', '/_nodes/_local')).body.nodes;
    const holderName = String((Object.values(name)[0] as { name: string }).name);
    const created = await jsonCall(nodes()[0]!, 'PUT', '/placed', { settings: { number_of_shards: 1, number_of_replicas: 0, 'index.routing.allocation.require._name': holderName }, mappings: { properties: { n: { type: 'integer' } } } });
    assert.equal(created.status, 200, created.text);
    assert.equal((await jsonCall(nodes()[0]!, 'GET', '/_cluster/health/placed?wait_for_status=green&timeout=60s')).body.status, 'green');
    assert.equal((await jsonCall(nodes()[1]!, 'PUT', '/placed/_doc/p1?refresh=true', { n: 500 })).status, 201);
    const indicesOf = async (node: StartedNode, filter: unknown): Promise<string[]> => {
      const answer = await jsonCall(node, 'POST', '/placed,books/_field_caps?fields=n', { index_filter: filter });
      assert.equal(answer.status, 200, answer.text);
      return answer.body.indices;
    };
    for (const node of nodes()) {
      // Every node answers the same, the holder of the copy and the two that hold nothing of it.
      assert.deepEqual(await indicesOf(node, { range: { n: { gte: 400 } } }), ['placed']);
      assert.deepEqual(await indicesOf(node, { range: { n: { lt: 10 } } }), ['books']);
      assert.deepEqual(await indicesOf(node, { term: { n: 7 } }), ['books']);
      assert.deepEqual(await indicesOf(node, { range: { n: { gte: 1000 } } }), []);
    }
    const bad = await jsonCall(nodes()[0]!, 'POST', '/placed/_field_caps?fields=n', { index_filter: { no_such_query: {} } });
    assert.equal(bad.status, 400, bad.text);
    assert.equal((await jsonCall(nodes()[0]!, 'DELETE', '/placed')).status, 200);
  });

  test('filtered aliases (and routed ones) apply their filter on every shard across nodes, as one node does', async () => {
    const actions = [
      { add: { index: 'books', alias: 'fantasy-books', filter: { term: { genre: 'fantasy' } } } },
      { add: { index: 'books', alias: 'old-books', filter: { range: { year: { lt: 1960 } } } } },
      { add: { index: 'books', alias: 'crime-routed', filter: { term: { genre: 'crime' } }, routing: 'crime' } },
      { add: { index: 'books', alias: 'all-books' } },
    ];
    // Aliases go through the master in multi-node mode: added once, every node applies them.
    for (const node of [single, nodes()[0]!]) {
      const added = await jsonCall(node, 'POST', '/_aliases', { actions });
      assert.equal(added.status, 200, added.text);
    }
    for (const node of nodes()) {
      const deadline = Date.now() + 10_000;
      while ((await jsonCall(node, 'GET', '/_alias/crime-routed')).status !== 200 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const fantasy = await sameEverywhere('POST', '/fantasy-books/_search', { size: 50, sort: [{ n: 'asc' }], aggs: { genres: { terms: { field: 'genre' } } } });
    assert.deepEqual(fantasy.body.hits.hits.map((hit: any) => hit._source.genre), Array(10).fill('fantasy'));
    assert.deepEqual(fantasy.body.aggregations.genres.buckets, [{ key: 'fantasy', doc_count: 10 }]);
    assert.deepEqual(fantasy.body._shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
    // Scored queries through a filter: the filter does not score.
    await sameEverywhere('POST', '/fantasy-books/_search', { query: { match: { title: 'river stone' } }, size: 20 });
    // Two filtered aliases: OR-ed.
    const either = await sameEverywhere('POST', '/fantasy-books,old-books/_search', { size: 0, track_total_hits: true });
    const old = books().filter((book) => (book.source['year'] as number) < 1960 || book.source['genre'] === 'fantasy').length;
    assert.equal(either.body.hits.total.value, old);
    // The index named as well, or an alias without a filter: no filter.
    assert.equal((await sameEverywhere('POST', '/fantasy-books,books/_search', { size: 0 })).body.hits.total.value, 40);
    assert.equal((await sameEverywhere('POST', '/fantasy-books,all-books/_search', { size: 0 })).body.hits.total.value, 40);
    // A routed and filtered alias: one shard, filtered.
    const routed = await sameEverywhere('POST', '/crime-routed/_search', { size: 50, sort: [{ n: 'asc' }] });
    assert.equal(routed.body._shards.total, 1);
    assert.ok(routed.body.hits.hits.length > 0 && routed.body.hits.hits.every((hit: any) => hit._source.genre === 'crime'));
    // _count, _msearch and _cat/count through the aliases.
    assert.equal((await sameEverywhere('GET', '/fantasy-books/_count')).body.count, 10);
    assert.equal((await sameEverywhere('GET', '/fantasy-books/_count?q=title:river')).body._shards.total, 3);
    const items = `{"index":"fantasy-books"}\n{"query":{"match":{"title":"night"}}}\n{"index":"old-books"}\n{"size":0,"aggs":{"y":{"max":{"field":"year"}}}}\n`;
    const msearch = await sameEverywhere('POST', '/_msearch', items);
    assert.ok(msearch.body.responses[1].aggregations.y.value < 1960);
    const count = await jsonCall(nodes()[1]!, 'GET', '/_cat/count/fantasy-books?format=json&h=count');
    assert.deepEqual(count.body, [{ count: '10' }]);
  });

  test('_explain reads a copy of the document\'s shard on the node holding it: routing, aliases, _source, errors as on one node', async () => {
    const query = { query: { match: { title: 'river stone' } } };
    // b16 and b17 match; b5 is routed by its genre (crime); b4 is a fantasy book, b1 a crime one.
    for (const id of ['b16', 'b17', 'b3', 'b20', 'b33']) {
      await sameEverywhere('POST', `/books/_explain/${id}`, query);
      await sameEverywhere('GET', `/books/_explain/${id}?q=title:night&_source=true`);
    }
    const routed = await sameEverywhere('POST', '/books/_explain/b5?routing=crime&_source_includes=title', { query: { match_all: {} } });
    assert.deepEqual([routed.status, routed.body.matched, routed.body.get._routing, Object.keys(routed.body.get._source)], [200, true, 'crime', ['title']]);
    await sameEverywhere('POST', '/books/_explain/b5', { query: { match_all: {} } });
    // Through aliases: the filter joins the query; the routed alias routes.
    const fantasy = await sameEverywhere('POST', '/fantasy-books/_explain/b4', query);
    assert.equal(fantasy.status, 200);
    const filteredOut = await sameEverywhere('POST', '/fantasy-books/_explain/b1', { query: { match_all: {} } });
    assert.equal(filteredOut.body.matched, false);
    assert.equal((await sameEverywhere('POST', '/crime-routed/_explain/b5', { query: { term: { genre: 'crime' } } })).body.matched, true);
    // Preferences that choose among copies give the same answer.
    for (const preference of ['_local', 'my-session', '_prefer_nodes:nobody']) await sameEverywhere('POST', `/books/_explain/b16?preference=${preference}`, query);
    // Errors as on one node.
    await sameEverywhere('POST', '/no-such-books/_explain/b1', query);
    await sameEverywhere('POST', '/books/_explain/b1');
    await sameEverywhere('POST', '/books/_explain/b1', { query: { match_all: {} }, size: 3 });
    await sameEverywhere('GET', '/books/_explain/missing?q=title:river');
    const shardsPreference = await jsonCall(nodes()[0]!, 'GET', '/books/_explain/b1?q=title:river&preference=_shards:0');
    assert.equal(shardsPreference.status, 400, shardsPreference.text);
  });

  /** Every page of a scroll: opened through `via[0]`, continued through the next node each page. */
  const scrollAll = async (via: readonly StartedNode[], path: string, body: unknown): Promise<{ first: any; hits: any[]; lastId: string }> => {
    const first = await jsonCall(via[0]!, 'POST', path, body);
    assert.equal(first.status, 200, first.text);
    const hits = [...first.body.hits.hits];
    let id = first.body._scroll_id as string;
    for (let page = 1; page < 50; page++) {
      const next = await jsonCall(via[page % via.length]!, 'POST', '/_search/scroll', { scroll_id: id, scroll: '1m' });
      assert.equal(next.status, 200, next.text);
      assert.deepEqual(next.body.hits.total, first.body.hits.total);
      id = next.body._scroll_id;
      if (next.body.hits.hits.length === 0) break;
      hits.push(...next.body.hits.hits);
    }
    return { first: first.body, hits, lastId: id };
  };

  test('scroll: contexts stay on the data nodes, every hit once in the search\'s order through any node, keep-alive, clear by id and _all', async () => {
    for (const [path, body] of [
      ['/books/_search?scroll=1m', { size: 7, sort: [{ n: 'asc' }], aggs: { genres: { terms: { field: 'genre' } } } }],
      ['/books/_search?scroll=30s', { size: 4, query: { match: { title: 'river night' } } }],
      ['/fantasy-books/_search?scroll=1m', { size: 3, sort: [{ year: 'desc' }, { n: 'asc' }] }],
      ['/books/_search?scroll=1m&search_type=dfs_query_then_fetch', { size: 4, query: { match: { title: 'river night' } } }],
    ] as const) {
      const expected = await scrollAll([single], path, body);
      for (let i = 0; i < nodes().length; i++) {
        const via = [...nodes().slice(i), ...nodes().slice(0, i)];
        const answer = await scrollAll(via, path, body);
        assert.deepEqual(answer.hits, expected.hits, `${path} opened through node ${i}`);
        const { _scroll_id: _a, took: _b, ...firstRest } = answer.first;
        const { _scroll_id: _c, took: _d, ...expectedRest } = expected.first;
        assert.deepEqual({ ...firstRest, hits: { ...firstRest.hits, hits: [] } }, { ...expectedRest, hits: { ...expectedRest.hits, hits: [] } });
      }
    }
    // A DFS scroll (search-search.html#search-type) runs its DFS phase once, when it opens: every
    // page scores with the statistics of all three shards, as the DFS search does (on one node
    // too, compared above), and unlike a plain scroll, whose shards score with their own.
    const query = { match: { title: 'river night' } };
    const dfsScroll = await scrollAll([nodes()[0]!, nodes()[1]!, nodes()[2]!], '/books/_search?scroll=1m&search_type=dfs_query_then_fetch', { size: 4, query });
    const dfsSearch = await jsonCall(nodes()[1]!, 'POST', '/books/_search?search_type=dfs_query_then_fetch', { size: 40, query });
    assert.deepEqual(dfsScroll.hits, dfsSearch.body.hits.hits);
    const plainScroll = await scrollAll([nodes()[2]!], '/books/_search?scroll=1m', { size: 4, query });
    const scores = (hits: any[]): number[] => hits.map((hit) => hit._score);
    assert.notDeepEqual(scores(plainScroll.hits), scores(dfsScroll.hits), 'a DFS scroll scores with every shard\'s statistics');
    const all = await scrollAll([nodes()[1]!], '/books/_search?scroll=1m', { size: 9 });
    assert.deepEqual(all.hits.map((hit) => hit._id).sort(), books().map((book) => book.id).sort(), 'every document once');
    // Clear by id (any node): the contexts are gone on every node.
    const opened = await jsonCall(nodes()[0]!, 'POST', '/books/_search?scroll=1m', { size: 2 });
    const id = opened.body._scroll_id;
    const cleared = await jsonCall(nodes()[2]!, 'DELETE', '/_search/scroll', { scroll_id: id });
    assert.equal(cleared.status, 200, cleared.text);
    assert.equal(cleared.body.succeeded, true);
    assert.ok(cleared.body.num_freed >= 2, cleared.text);
    const gone = await jsonCall(nodes()[1]!, 'POST', '/_search/scroll', { scroll_id: id, scroll: '1m' });
    assert.equal(gone.status, 404, gone.text);
    assert.equal(gone.body.error.root_cause[0].type, 'search_context_missing_exception');
    assert.equal((await jsonCall(nodes()[2]!, 'DELETE', '/_search/scroll', { scroll_id: id })).status, 404, 'nothing left to free');
    // Clear `_all` through one node frees the contexts every node holds.
    const another = await jsonCall(nodes()[0]!, 'POST', '/books/_search?scroll=1m', { size: 2 });
    const clearedAll = await jsonCall(nodes()[1]!, 'DELETE', '/_search/scroll/_all');
    assert.equal(clearedAll.status, 200, clearedAll.text);
    assert.ok(clearedAll.body.num_freed >= 2, clearedAll.text);
    assert.equal((await jsonCall(nodes()[2]!, 'POST', '/_search/scroll', { scroll_id: another.body._scroll_id })).status, 404);
    // Keep-alive: each page renews every node's context for the keep-alive it names; past it the context is gone.
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const short = await jsonCall(nodes()[0]!, 'POST', '/books/_search?scroll=500ms', { size: 2 });
    const renewed = await jsonCall(nodes()[1]!, 'POST', '/_search/scroll', { scroll_id: short.body._scroll_id, scroll: '3s' });
    assert.equal(renewed.status, 200, renewed.text);
    await sleep(900);
    const alive = await jsonCall(nodes()[2]!, 'POST', '/_search/scroll', { scroll_id: renewed.body._scroll_id, scroll: '300ms' });
    assert.equal(alive.status, 200, `renewed for 3s: ${alive.text}`);
    await sleep(900);
    const expired = await jsonCall(nodes()[0]!, 'POST', '/_search/scroll', { scroll_id: alive.body._scroll_id });
    assert.equal(expired.status, 404, expired.text);
    // A keep-alive past the limit is refused as on one node; an id we never issued too.
    await sameEverywhere('POST', '/books/_search?scroll=2d', { size: 2 });
    await sameEverywhere('POST', '/_search/scroll', { scroll_id: 'not-a-scroll-id' });
  });

  test('a forged multi-node scroll id is answered with a 4xx: a node not in the cluster holds no context (404), malformed parts do not parse (400)', async () => {
    const forged = (state: unknown): string => encodeOpaqueId('strait-mn-scroll:', JSON.stringify(state));
    const unknownNode = forged({ parts: [['no-such-node', 'x', 0, 5]], size: 2, sort: null, shards: { total: 1, successful: 1, skipped: 0, failed: 0 } });
    for (const node of nodes()) {
      const missing = await jsonCall(node, 'POST', '/_search/scroll', { scroll_id: unknownNode, scroll: '1m' });
      assert.equal(missing.status, 404, missing.text);
      assert.equal(missing.body.error.root_cause[0].type, 'search_context_missing_exception');
      const malformed = await jsonCall(node, 'POST', '/_search/scroll', { scroll_id: forged({ parts: [[1, {}, -3, 'x']], size: 2 }), scroll: '1m' });
      assert.ok(malformed.status >= 400 && malformed.status < 500, malformed.text);
    }
  });

  test('document and field level security travel with the shard requests: search, count, msearch, scroll, explain, get and mget as on one node', async () => {
    const role = { indices: [{ names: ['books'], privileges: ['read'], query: { terms: { genre: ['poetry', 'crime'] } }, field_security: { grant: ['title', 'genre', 'n'] } }] };
    for (const node of [single, nodes()[0]!]) {
      assert.equal((await jsonCall(node, 'PUT', '/_security/role/shelf_reader', role)).status, 200);
      assert.equal((await jsonCall(node, 'PUT', '/_security/user/reader', { password: 'reader-password', roles: ['shelf_reader'] })).status, 200);
    }
    // Security metadata is shared through etcd: every node knows the user within a short wait.
    for (const node of nodes()) {
      const deadline = Date.now() + 10_000;
      while ((await call(node, 'GET', '/_security/_authenticate', undefined, 'reader')).status !== 200 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const visible = books().filter((book) => book.source['genre'] === 'poetry' || book.source['genre'] === 'crime');
    const all = await sameEverywhere('POST', '/books/_search', { size: 50, sort: [{ n: 'asc' }], aggs: { years: { max: { field: 'year' } }, genres: { terms: { field: 'genre' } } } }, 'reader');
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.body.hits.hits.map((hit: any) => hit._id), visible.map((book) => book.id));
    assert.ok(all.body.hits.hits.every((hit: any) => hit._source.year === undefined && hit._source.title !== undefined), 'the hidden field is never shown');
    assert.equal(all.body.aggregations.years.value, null, 'a hidden field aggregates as a missing one');
    assert.deepEqual(all.body.aggregations.genres.buckets.map((bucket: any) => bucket.key).sort(), ['crime', 'poetry']);
    // Queries on a hidden field match nothing; scored queries see only the visible documents.
    assert.equal((await sameEverywhere('POST', '/books/_search', { query: { range: { year: { gte: 0 } } } }, 'reader')).body.hits.total.value, 0);
    await sameEverywhere('POST', '/books/_search', { query: { match: { title: 'river stone night' } }, size: 20, highlight: { fields: { title: {} } } }, 'reader');
    assert.equal((await sameEverywhere('GET', '/books/_count', undefined, 'reader')).body.count, visible.length);
    await sameEverywhere('POST', '/_msearch', `{"index":"books"}\n{"query":{"match":{"title":"night"}}}\n{"index":"books"}\n{"size":0,"aggs":{"y":{"sum":{"field":"year"}}}}\n`, 'reader');
    const fantasyId = books().find((book) => book.source['genre'] === 'fantasy' && book.routing === undefined)!.id;
    const poetryId = books().find((book) => book.source['genre'] === 'poetry' && book.routing === undefined)!.id;
    assert.equal((await sameEverywhere('GET', `/books/_explain/${fantasyId}?q=title:river`, undefined, 'reader')).status, 404, 'a hidden document does not exist for the caller');
    const explained = await sameEverywhere('GET', `/books/_explain/${poetryId}?q=genre:poetry&_source=true`, undefined, 'reader');
    assert.deepEqual([explained.status, explained.body.matched, explained.body.get._source.year], [200, true, undefined]);
    // Realtime GET, `_source`, HEAD and `_mget` read the document's primary wherever it lives; the
    // restriction travels with the read (get-api.html: a document the role's query hides is not
    // found, hidden fields are left out of `_source`).
    const routed = (book: ReturnType<typeof books>[number]): string => (book.routing === undefined ? '' : `?routing=${book.routing}`);
    let hidden = 0;
    for (const book of books().filter((_, i) => i % 3 === 0)) {
      const got = await sameEverywhere('GET', `/books/_doc/${book.id}${routed(book)}`, undefined, 'reader');
      const shown = visible.some((other) => other.id === book.id);
      assert.equal(got.status, shown ? 200 : 404, got.text);
      if (shown) assert.deepEqual(got.body._source, { title: book.source['title'], genre: book.source['genre'], n: book.source['n'] });
      else hidden++;
      assert.equal((await sameEverywhere('GET', `/books/_source/${book.id}${routed(book)}`, undefined, 'reader')).status, shown ? 200 : 404);
      assert.equal((await sameEverywhere('HEAD', `/books/_doc/${book.id}${routed(book)}`, undefined, 'reader')).status, shown ? 200 : 404);
    }
    assert.ok(hidden > 0 && hidden < 14, 'some documents read are hidden, some shown');
    const many = await sameEverywhere('POST', '/books/_mget', { docs: books().map((book) => ({ _id: book.id, ...(book.routing === undefined ? {} : { routing: book.routing }) })) }, 'reader');
    assert.deepEqual(
      many.body.docs.filter((doc: any) => doc.found).map((doc: any) => doc._id),
      visible.map((book) => book.id),
    );
    assert.ok(many.body.docs.every((doc: any) => !doc.found || doc._source.year === undefined), 'the hidden field is never shown');
    // Scroll under the restriction, through every node.
    const expected = await scrollAllAs([single], 'reader');
    for (let i = 0; i < nodes().length; i++) assert.deepEqual(await scrollAllAs([...nodes().slice(i), ...nodes().slice(0, i)], 'reader'), expected);
    assert.equal(expected.length, visible.length);
    // The scroll is the caller's: another user cannot continue it.
    const opened = await call(nodes()[0]!, 'POST', '/books/_search?scroll=1m', { size: 2 }, 'reader');
    const stolen = await jsonCall(nodes()[1]!, 'POST', '/_search/scroll', { scroll_id: opened.body._scroll_id });
    assert.equal(stolen.status, 404, stolen.text);
  });

  /** Every hit of a sorted scroll as `user`, continued through the next node each page. */
  const scrollAllAs = async (via: readonly StartedNode[], user: string): Promise<unknown[]> => {
    const first = await call(via[0]!, 'POST', '/books/_search?scroll=1m', { size: 3, sort: [{ n: 'desc' }] }, user);
    assert.equal(first.status, 200, first.text);
    const hits = [...first.body.hits.hits];
    let id = first.body._scroll_id;
    for (let page = 1; page < 50; page++) {
      const next = await call(via[page % via.length]!, 'POST', '/_search/scroll', { scroll_id: id }, user);
      assert.equal(next.status, 200, next.text);
      id = next.body._scroll_id;
      if (next.body.hits.hits.length === 0) break;
      hits.push(...next.body.hits.hits);
    }
    return hits;
  };

  /** Every hit through a point in time, `size` a page, continued with `search_after` through the next node each page. */
  const pitPages = async (via: readonly StartedNode[], id: string, size: number, user?: string): Promise<{ hits: any[]; pages: any[] }> => {
    const hits: any[] = [];
    const pages: any[] = [];
    let after: unknown[] | undefined;
    for (let page = 0; page < 100; page++) {
      const answer = await call(via[page % via.length]!, 'POST', '/_search', { pit: { id, keep_alive: '1m' }, size, sort: [{ n: 'asc' }], ...(after === undefined ? {} : { search_after: after }) }, user);
      assert.equal(answer.status, 200, answer.text);
      pages.push(answer.body);
      if (answer.body.hits.hits.length === 0) break;
      hits.push(...answer.body.hits.hits);
      after = answer.body.hits.hits.at(-1).sort;
    }
    return { hits, pages };
  };

  test('point in time across nodes: opened on one node, searched through another with search_after, later writes unseen, keep-alive, closed on every node', async () => {
    const [a, b, c] = nodes() as [StartedNode, StartedNode, StartedNode];
    const created = await jsonCall(a, 'PUT', '/pit-shelf', { settings: { number_of_shards: 3, number_of_replicas: 1 }, mappings: { properties: { n: { type: 'integer' }, shelf: { type: 'keyword' } } } });
    assert.equal(created.status, 200, created.text);
    assert.equal((await jsonCall(b, 'GET', '/_cluster/health/pit-shelf?wait_for_status=green&timeout=60s')).body.status, 'green');
    const bulk = Array.from({ length: 30 }, (_, i) => `{"index":{"_id":"s${i}"}}\n${JSON.stringify({ n: i, shelf: `shelf-${i % 4}` })}\n`).join('');
    assert.equal((await jsonCall(c, 'POST', '/pit-shelf/_bulk?refresh=true', bulk)).body.errors, false);

    const client = a.client();
    const opened = await client.openPointInTime({ index: 'pit-shelf', keep_alive: '1m' });
    assert.deepEqual(opened._shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
    // Each shard's context is on a node holding a copy of it, not all on the coordinating node.
    const contexts = decodeMultiNodePitId(opened.id)!;
    assert.deepEqual(contexts.map((entry) => entry.shard).sort(), [0, 1, 2]);
    assert.ok(new Set(contexts.map((entry) => entry.node)).size > 1, `contexts on several nodes: ${JSON.stringify(contexts)}`);

    // Written after the point in time opened: a plain search sees them, the point in time does not.
    const later = Array.from({ length: 5 }, (_, i) => `{"index":{"_id":"late${i}"}}\n${JSON.stringify({ n: 100 + i, shelf: 'late' })}\n`).join('');
    assert.equal((await jsonCall(c, 'POST', '/pit-shelf/_bulk?refresh=true', later)).body.errors, false);
    assert.equal((await b.client().count({ index: 'pit-shelf' })).count, 35);

    const { hits, pages } = await pitPages([b, c, a], opened.id, 7);
    assert.deepEqual(hits.map((hit) => hit._id), Array.from({ length: 30 }, (_, i) => `s${i}`), 'every document once, in order, none written later');
    assert.equal(pages.length, 6, '5 pages of hits and an empty one');
    for (const page of pages) {
      assert.equal(page.pit_id, opened.id);
      assert.deepEqual(page._shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
      assert.deepEqual(page.hits.total, { value: 30, relation: 'eq' });
    }
    // The official client through node B, with an aggregation: the pinned documents only.
    const summed = await b.client().search({ pit: { id: opened.id }, size: 0, aggs: { total: { sum: { field: 'n' } }, shelves: { terms: { field: 'shelf' } } } });
    assert.equal((summed.aggregations as any).total.value, (29 * 30) / 2);
    assert.deepEqual((summed.aggregations as any).shelves.buckets.map((bucket: any) => bucket.key).sort(), ['shelf-0', 'shelf-1', 'shelf-2', 'shelf-3']);
    // An index named with a point in time is refused, as on one node.
    const named = await jsonCall(b, 'POST', '/pit-shelf/_search', { pit: { id: opened.id } });
    assert.deepEqual([named.status, named.body.error.type], [400, 'action_request_validation_exception'], named.text);

    const closed = await c.client().closePointInTime({ id: opened.id });
    assert.deepEqual(closed, { succeeded: true, num_freed: 3 });
    const gone = await jsonCall(a, 'POST', '/_search', { pit: { id: opened.id } });
    assert.deepEqual([gone.status, gone.body.error.type, gone.body.error.root_cause[0].type], [404, 'search_phase_execution_exception', 'search_context_missing_exception'], gone.text);
    const again = await jsonCall(b, 'DELETE', '/_pit', { id: opened.id });
    assert.deepEqual([again.status, again.body], [404, { succeeded: true, num_freed: 0 }]);

    // keep_alive: a search renews it on every node; a short one lets it expire.
    const short = await client.openPointInTime({ index: 'pit-shelf', keep_alive: '500ms' });
    assert.equal((await jsonCall(b, 'POST', '/_search', { pit: { id: short.id, keep_alive: '3s' }, size: 0 })).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const renewed = await jsonCall(c, 'POST', '/_search', { pit: { id: short.id, keep_alive: '100ms' }, size: 0, track_total_hits: true });
    assert.deepEqual([renewed.status, renewed.body.hits?.total.value], [200, 35], renewed.text);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal((await jsonCall(a, 'POST', '/_search', { pit: { id: short.id } })).status, 404);
  });

  test('_shard_doc breaks ties of a point in time\'s sort across shards and nodes: search_after pages every document once, as on one node', async () => {
    /** Every hit of `sort` through a point in time of `books` opened on via[0], paged (7 a page) through each node in turn. */
    const pageAll = async (via: readonly StartedNode[], sort: unknown[]): Promise<any[]> => {
      const id = (await jsonCall(via[0]!, 'POST', '/books/_pit?keep_alive=1m')).body.id;
      const hits: any[] = [];
      let after: unknown[] | undefined;
      for (let page = 0; page < 20; page++) {
        const answer = await jsonCall(via[page % via.length]!, 'POST', '/_search', { pit: { id, keep_alive: '1m' }, size: 7, sort, _source: ['genre'], ...(after === undefined ? {} : { search_after: after }) });
        assert.equal(answer.status, 200, answer.text);
        if (answer.body.hits.hits.length === 0) break;
        hits.push(...answer.body.hits.hits);
        after = answer.body.hits.hits.at(-1).sort;
      }
      assert.equal((await jsonCall(via[0]!, 'DELETE', '/_pit', { id })).status, 200);
      return hits;
    };
    const everyBook = books().map((book) => book.id).sort();
    for (const sort of [[{ genre: 'asc' }, { _shard_doc: 'asc' }], [{ genre: 'desc' }, { _shard_doc: 'desc' }], ['_shard_doc']]) {
      for (const via of [[single], nodes(), [nodes()[2]!, nodes()[0]!]]) {
        const hits = await pageAll(via, sort);
        assert.deepEqual(hits.map((hit) => hit._id).sort(), everyBook, `${JSON.stringify(sort)}: every book exactly once`);
        const keys = hits.map((hit) => hit.sort.at(-1));
        assert.ok(keys.every((key) => Number.isSafeInteger(key)), 'a _shard_doc value is a long');
        assert.equal(new Set(keys).size, keys.length, '_shard_doc values are unique within the point in time');
        if (sort.length === 2) {
          const genresInOrder = hits.map((hit) => hit._source.genre);
          assert.deepEqual(genresInOrder, [...genresInOrder].sort((x, y) => (sort[0] as any).genre === 'asc' ? x.localeCompare(y) : y.localeCompare(x)));
        }
      }
    }
    // SearchRequest#validate: the shard ordinals are a point in time's.
    for (const node of [single, nodes()[1]!]) {
      const refused = await jsonCall(node, 'POST', '/books/_search', { sort: ['_shard_doc'] });
      assert.deepEqual([refused.status, refused.body.error.type, refused.body.error.reason], [400, 'action_request_validation_exception', 'Validation Failed: 1: [_shard_doc] sort field cannot be used without [point in time];'], refused.text);
    }
  });

  // The filter of the filtered alias a point in time was opened through stays with its contexts on
  // the data nodes (it was dropped, on one node too: a search through it read the whole index).
  test('a point in time opened through a filtered alias applies its filter on every node\'s contexts', async () => {
    const [a, b] = nodes() as [StartedNode, StartedNode];
    const aliased = await jsonCall(a, 'POST', '/_aliases', { actions: [{ add: { index: 'pit-shelf', alias: 'pit-shelf-0', filter: { term: { shelf: 'shelf-0' } } } }] });
    assert.equal(aliased.status, 200, aliased.text);
    const opened = await a.client().openPointInTime({ index: 'pit-shelf-0', keep_alive: '1m' });
    assert.ok(new Set(decodeMultiNodePitId(opened.id)!.map((entry) => entry.node)).size > 1, 'contexts on several nodes');
    const searched = await jsonCall(b, 'POST', '/_search', { pit: { id: opened.id }, size: 100, query: { match_all: {} } });
    assert.equal(searched.status, 200, searched.text);
    const shelves = new Set(searched.body.hits.hits.map((hit: { _source: { shelf: string } }) => hit._source.shelf));
    assert.deepEqual([...shelves], ['shelf-0'], searched.text);
    assert.equal(searched.body.hits.total.value, 8, 'the 8 of the 30 documents on shelf-0 (n % 4 == 0)');
    assert.equal((await jsonCall(b, 'DELETE', '/_pit', { id: opened.id })).status, 200);
    assert.equal((await jsonCall(a, 'POST', '/_aliases', { actions: [{ remove: { index: 'pit-shelf', alias: 'pit-shelf-0' } }] })).status, 200);
  });

  test('a forged point in time id is a 4xx: malformed ids are 400, a node not in the cluster holds no context (404)', async () => {
    const [a, b] = nodes() as [StartedNode, StartedNode];
    const malformed = encodeOpaqueId('strait-mn-pit:', '{"shards":[["pit-shelf",0,7,"x"]]}');
    // Searching: none is an id this cluster issues (a 400). Closing: a single node's id is looked up
    // as one node does, and names no open context (404); the others are 400s.
    for (const [id, closeStatus] of [[malformed, 400], ['garbage', 400], [encodePitId('0123'), 404]] as const) {
      const searched = await jsonCall(a, 'POST', '/_search', { pit: { id } });
      assert.equal(searched.status, 400, `search ${id}: ${searched.text}`);
      const closed = await jsonCall(b, 'DELETE', '/_pit', { id });
      assert.equal(closed.status, closeStatus, `close ${id}: ${closed.text}`);
    }
    assert.deepEqual((await jsonCall(a, 'POST', '/_search', { pit: { id: malformed } })).body.error.type, 'illegal_argument_exception');
    const elsewhere = encodeMultiNodePitId([{ index: 'pit-shelf', shard: 0, node: 'no-such-node', context: encodePitId('0123') }]);
    const searched = await jsonCall(a, 'POST', '/_search', { pit: { id: elsewhere } });
    assert.deepEqual([searched.status, searched.body.error?.root_cause?.[0]?.type], [404, 'search_context_missing_exception'], searched.text);
    assert.deepEqual(await jsonCall(b, 'DELETE', '/_pit', { id: elsewhere }).then((answer) => [answer.status, answer.body]), [404, { succeeded: true, num_freed: 0 }]);
    // A real node, a context it never opened.
    const real = (await a.client().openPointInTime({ index: 'pit-shelf', keep_alive: '1m' })).id;
    const contexts = decodeMultiNodePitId(real)!;
    const unopened = encodeMultiNodePitId([{ ...contexts[0]!, context: encodePitId('feed') }]);
    assert.equal((await jsonCall(b, 'POST', '/_search', { pit: { id: unopened } })).status, 404);
    // One shard's node lost (not in the cluster): that shard fails in `_shards.failures`, the others answer.
    const lostOne = encodeMultiNodePitId(contexts.map((entry, i) => (i === 0 ? { ...entry, node: 'gone-node' } : entry)));
    const partial = await jsonCall(b, 'POST', '/_search', { pit: { id: lostOne }, size: 50 });
    assert.equal(partial.status, 200, partial.text);
    assert.deepEqual({ ...partial.body._shards, failures: undefined }, { total: 3, successful: 2, skipped: 0, failed: 1, failures: undefined });
    assert.deepEqual([partial.body._shards.failures[0].shard, partial.body._shards.failures[0].reason.type], [contexts[0]!.shard, 'search_context_missing_exception']);
    assert.ok(partial.body.hits.hits.length > 0 && partial.body.hits.hits.length < 30, partial.text);
    const strict = await jsonCall(b, 'POST', '/_search?allow_partial_search_results=false', { pit: { id: lostOne } });
    assert.equal(strict.status, 404, strict.text);
    assert.equal((await jsonCall(a, 'DELETE', '/_pit', { id: real })).body.num_freed, 3);
  });

  test('point in time under document and field level security: the search is authorized on its indices and the restriction travels, as on one node', async () => {
    const readerId = (await jsonCall(nodes()[0]!, 'POST', '/books/_pit?keep_alive=1m')).body.id;
    const singleId = (await jsonCall(single, 'POST', '/books/_pit?keep_alive=1m')).body.id;
    const expected = await pitPages([single], singleId, 6, 'reader');
    assert.ok(expected.hits.length > 0 && expected.hits.length < 40, 'the reader sees some books only');
    const across = await pitPages([nodes()[1]!, nodes()[2]!], readerId, 6, 'reader');
    assert.deepEqual(across.hits, expected.hits);
    // The reader may not read pit-shelf: a point in time over it is refused for them.
    const shelf = (await jsonCall(nodes()[0]!, 'POST', '/pit-shelf/_pit?keep_alive=1m')).body.id;
    const refused = await call(nodes()[2]!, 'POST', '/_search', { pit: { id: shelf } }, 'reader');
    assert.deepEqual([refused.status, refused.body.error.type], [403, 'security_exception'], refused.text);
    for (const id of [readerId, shelf]) assert.equal((await jsonCall(nodes()[1]!, 'DELETE', '/_pit', { id })).status, 200);
  });

  /**
   * Reindex, update by query and delete by query read through the cross-node scroll and write
   * through the bulk path that routes each item to its shard's primary (docs-reindex.html: "Reindex
   * ... extracts the document source from the source index and indexes the documents into the
   * destination index"; docs-update-by-query.html: a document changed between the snapshot and the
   * write is a version conflict, `conflicts=proceed` counts it, else the request stops with 409, as
   * rest-api-spec update_by_query/10_basic.yml "Response for version conflict" asserts). Each answer
   * through the cluster equals the single node's for the same request.
   */
  test('reindex, update_by_query and delete_by_query across nodes: every document once, copies identical, scripts, conflicts, tasks, security, as on one node', async () => {
    const [a, b, c] = nodes() as [StartedNode, StartedNode, StartedNode];
    const mappings = { properties: { title: { type: 'text' }, genre: { type: 'keyword' }, n: { type: 'integer' }, year: { type: 'integer' } } };
    for (const [node, replicas] of [[a, 1], [single, 0]] as const) {
      const created = await jsonCall(node, 'PUT', '/books-copy', { settings: { number_of_shards: 3, number_of_replicas: replicas }, mappings });
      assert.equal(created.status, 200, created.text);
    }
    assert.equal((await jsonCall(b, 'GET', '/_cluster/health/books-copy?wait_for_status=green&timeout=60s')).body.status, 'green');
    const total = (await jsonCall(b, 'GET', '/books/_count')).body.count;
    const expectedCopy = await jsonCall(single, 'POST', '/_reindex?refresh=true', { source: { index: 'books', size: 7 }, dest: { index: 'books-copy' } });
    const copied = await jsonCall(a, 'POST', '/_reindex?refresh=true', { source: { index: 'books', size: 7 }, dest: { index: 'books-copy' } });
    assert.equal(copied.status, 200, copied.text);
    assert.deepEqual(comparable(copied.body), comparable(expectedCopy.body));
    assert.deepEqual([copied.body.total, copied.body.created, copied.body.batches, copied.body.failures], [total, total, Math.ceil(total / 7), []]);
    // Counted through another node: every document once; every copy of every shard holds the same.
    assert.equal((await jsonCall(b, 'GET', '/books-copy/_count')).body.count, total);
    const copies = await assertCopiesIdentical(nodes(), 'books-copy');
    assert.deepEqual([...copies.keys()].sort(), (await jsonCall(b, 'POST', '/books/_search', { size: 100, _source: false })).body.hits.hits.map((hit: any) => hit._id).sort());
    // The routing each document was written with is kept (dest.routing defaults to keep).
    const routed = books().find((book) => book.routing !== undefined)!;
    assert.equal((await jsonCall(c, 'GET', `/books-copy/_doc/${routed.id}?routing=${routed.routing}`)).body._routing, routed.routing);

    // update_by_query with a script through a third node, sliced.
    const updatePath = '/books-copy/_update_by_query?refresh=true&slices=2&scroll_size=4';
    const updateBody = { query: { term: { genre: 'poetry' } }, script: { source: 'ctx._source.n += 1000' } };
    const expectedUpdate = await jsonCall(single, 'POST', updatePath, updateBody);
    const updated = await jsonCall(c, 'POST', updatePath, updateBody);
    assert.equal(updated.status, 200, updated.text);
    assert.deepEqual(comparable(updated.body), comparable(expectedUpdate.body));
    const poetry = books().filter((book) => book.source['genre'] === 'poetry').length;
    assert.deepEqual([updated.body.total, updated.body.updated, updated.body.version_conflicts], [poetry, poetry, 0]);
    assert.equal((await jsonCall(a, 'POST', '/books-copy/_count', { query: { range: { n: { gte: 1000 } } } })).body.count, poetry);
    // delete_by_query through the same node.
    const expectedDelete = await jsonCall(single, 'POST', '/books-copy/_delete_by_query?refresh=true', { query: { term: { genre: 'crime' } } });
    const deleted = await jsonCall(c, 'POST', '/books-copy/_delete_by_query?refresh=true', { query: { term: { genre: 'crime' } } });
    assert.equal(deleted.status, 200, deleted.text);
    assert.deepEqual(comparable(deleted.body), comparable(expectedDelete.body));
    const crime = books().filter((book) => book.source['genre'] === 'crime').length;
    assert.equal(deleted.body.deleted, crime);
    assert.equal((await jsonCall(b, 'GET', '/books-copy/_count')).body.count, total - crime);
    await assertCopiesIdentical(nodes(), 'books-copy');

    // A document changed after the search's snapshot (not refreshed) is a version conflict: 409 with
    // conflicts=abort, counted with conflicts=proceed.
    const fantasy = books().find((book) => book.source['genre'] === 'fantasy' && book.routing === undefined)!;
    for (const node of [a, single]) {
      assert.equal((await jsonCall(node, 'PUT', '/books-copy/_settings', { index: { refresh_interval: '-1' } })).status, 200);
      assert.equal((await jsonCall(node, 'PUT', `/books-copy/_doc/${fantasy.id}`, { ...fantasy.source, n: -1 })).status, 200);
    }
    const conflictBody = { query: { term: { genre: 'fantasy' } } };
    const expectedAbort = await jsonCall(single, 'POST', '/books-copy/_update_by_query', conflictBody);
    const aborted = await jsonCall(b, 'POST', '/books-copy/_update_by_query', conflictBody);
    assert.equal(aborted.status, 409, aborted.text);
    assert.equal(expectedAbort.status, 409, expectedAbort.text);
    assert.equal(aborted.body.version_conflicts, 1, aborted.text);
    assert.deepEqual(aborted.body.failures.map((failure: any) => [failure.id, failure.status, failure.cause.type]), [[fantasy.id, 409, 'version_conflict_engine_exception']]);
    // The aborted request wrote the rest of its batch (unrefreshed): each of them now conflicts, counted.
    const expectedProceed = await jsonCall(single, 'POST', '/books-copy/_delete_by_query?conflicts=proceed', conflictBody);
    const proceeded = await jsonCall(c, 'POST', '/books-copy/_delete_by_query?conflicts=proceed', conflictBody);
    assert.equal(proceeded.status, 200, proceeded.text);
    assert.deepEqual(comparable(proceeded.body), comparable(expectedProceed.body));
    assert.deepEqual([proceeded.body.version_conflicts, proceeded.body.deleted, proceeded.body.failures], [books().filter((book) => book.source['genre'] === 'fantasy').length, 0, []]);
    for (const node of [a, single]) assert.equal((await jsonCall(node, 'PUT', '/books-copy/_settings', { index: { refresh_interval: null } })).status, 200);

    // wait_for_completion=false: a task of the node that received the request, read there.
    const started = await jsonCall(a, 'POST', '/_reindex?wait_for_completion=false&refresh=true', { source: { index: 'books', query: { term: { genre: 'history' } } }, dest: { index: 'books-history' } });
    assert.equal(started.status, 200, started.text);
    const task = await jsonCall(a, 'GET', `/_tasks/${started.body.task}?wait_for_completion=true&timeout=30s`);
    assert.equal(task.status, 200, task.text);
    const history = books().filter((book) => book.source['genre'] === 'history').length;
    assert.deepEqual([task.body.completed, task.body.response.created, task.body.response.failures], [true, history, []]);
    assert.equal((await jsonCall(c, 'GET', '/books-history/_count')).body.count, history);
    // Through another node: the id names the task's node, which answers over the transport (tasks.html, "GET _tasks/<task_id>").
    const elsewhere = await jsonCall(b, 'GET', `/_tasks/${started.body.task}?wait_for_completion=true`);
    assert.equal(elsewhere.status, 200, elsewhere.text);
    assert.deepEqual(elsewhere.body, task.body);
    const running = await jsonCall(c, 'POST', '/_reindex?wait_for_completion=false&requests_per_second=0.5', { source: { index: 'books', size: 1 }, dest: { index: 'books-slow' } });
    const live = await jsonCall(b, 'GET', `/_tasks/${running.body.task}`);
    assert.deepEqual([live.status, live.body.completed, live.body.task?.action, live.body.task?.status?.requests_per_second], [200, false, 'indices:data/write/reindex', 0.5], live.text);
    // Rethrottle, list and cancel through nodes other than the task's: Elasticsearch's task actions
    // run on the task's node (tasks.html; docs-reindex.html "Rethrottling"), the list asks every node.
    const taskNode = String(running.body.task).split(':')[0]!;
    const aNode = Object.keys((await jsonCall(a, 'GET', '/_nodes/_local')).body.nodes)[0]!;
    assert.notEqual(taskNode, aNode);
    const rethrottled = await jsonCall(b, 'POST', `/_reindex/${running.body.task}/_rethrottle?requests_per_second=0.25`);
    assert.equal(rethrottled.status, 200, rethrottled.text);
    assert.equal(rethrottled.body.node_failures, undefined, rethrottled.text);
    assert.deepEqual(Object.keys(rethrottled.body.nodes), [taskNode]);
    assert.equal(rethrottled.body.nodes[taskNode].tasks[running.body.task].status.requests_per_second, 0.25);
    const listed = await jsonCall(a, 'GET', '/_tasks?actions=indices:data/write/reindex&detailed=true');
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(Object.keys(listed.body.nodes), [taskNode], listed.text);
    const listedTask = listed.body.nodes[taskNode].tasks[running.body.task];
    assert.deepEqual([listedTask.action, listedTask.node, listedTask.status.requests_per_second, typeof listedTask.description], ['indices:data/write/reindex', taskNode, 0.25, 'string']);
    // Every node's own list task is listed too (Elasticsearch lists the list action itself).
    const everyNode = await jsonCall(b, 'GET', '/_tasks?actions=cluster:monitor/tasks/lists*');
    assert.equal(Object.keys(everyNode.body.nodes).length, 3, everyNode.text);
    const flat = await jsonCall(b, 'GET', '/_tasks?actions=indices:data/write/reindex&group_by=none');
    assert.deepEqual(flat.body.tasks.map((info: any) => `${info.node}:${info.id}`), [running.body.task]);
    const parents = await jsonCall(b, 'GET', '/_tasks?actions=indices:data/write/reindex&group_by=parents');
    assert.deepEqual(Object.keys(parents.body.tasks), [running.body.task]);
    const elsewhereOnly = await jsonCall(b, 'GET', `/_tasks?actions=indices:data/write/reindex&nodes=${aNode}`);
    assert.deepEqual(elsewhereOnly.body, { nodes: {} });
    const badGroup = await jsonCall(b, 'GET', '/_tasks?group_by=shards');
    assert.deepEqual([badGroup.status, badGroup.body.error.type], [400, 'illegal_argument_exception']);
    const cancelled = await jsonCall(b, 'POST', `/_tasks/${running.body.task}/_cancel`);
    assert.equal(cancelled.status, 200, cancelled.text);
    assert.equal(cancelled.body.node_failures, undefined, cancelled.text);
    assert.deepEqual(Object.keys(cancelled.body.nodes), [taskNode], cancelled.text);
    const ended = await jsonCall(a, 'GET', `/_tasks/${running.body.task}?wait_for_completion=true&timeout=30s`);
    assert.equal(ended.status, 200, ended.text);
    assert.deepEqual([ended.body.completed, ended.body.response.canceled], [true, 'by user request'], ended.text);
    const unknownNode = await jsonCall(b, 'GET', '/_tasks/no-such-node:1');
    assert.deepEqual([unknownNode.status, unknownNode.body.error.type], [404, 'resource_not_found_exception'], unknownNode.text);

    // Security: read on the source (its document and field level security travels with the reads),
    // write on the destination; without write the documents fail with 403, as on one node.
    const role = { indices: [{ names: ['books'], privileges: ['read'], query: { term: { genre: 'poetry' } }, field_security: { grant: ['title', 'n'] } }, { names: ['shelf-*'], privileges: ['all'] }] };
    for (const node of [single, a]) {
      assert.equal((await jsonCall(node, 'PUT', '/_security/role/copier', role)).status, 200);
      assert.equal((await jsonCall(node, 'PUT', '/_security/user/copier', { password: 'copier-password', roles: ['copier'] })).status, 200);
    }
    for (const node of nodes()) {
      const deadline = Date.now() + 10_000;
      while ((await call(node, 'GET', '/_security/_authenticate', undefined, 'copier')).status !== 200 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    /** A write through `node` answers as the same write on the single node (once each: a second run would update). */
    const sameAsOneNode = async (node: StartedNode, method: string, path: string, body: unknown, user: string): Promise<JsonAnswer> => {
      const expected = await call(single, method, path, body, user);
      const answer = await call(node, method, path, body, user);
      assert.equal(answer.status, expected.status, answer.text);
      assert.deepEqual(comparable(answer.body), comparable(expected.body), `${answer.text} ≠ ${expected.text} (one node)`);
      return answer;
    };
    const restricted = await sameAsOneNode(c, 'POST', '/_reindex?refresh=true', { source: { index: 'books' }, dest: { index: 'shelf-poetry' } }, 'copier');
    assert.deepEqual([restricted.status, restricted.body.created], [200, poetry], restricted.text);
    const shelf = await jsonCall(b, 'POST', '/shelf-poetry/_search', { size: 100 });
    assert.ok(shelf.body.hits.hits.every((hit: any) => Object.keys(hit._source).sort().join() === 'n,title'), 'only the granted fields are copied');
    const forbidden = await sameAsOneNode(b, 'POST', '/_reindex', { source: { index: 'books' }, dest: { index: 'books-stolen' } }, 'copier');
    assert.equal(forbidden.status, 403, forbidden.text);
    assert.ok(forbidden.body.failures.every((failure: any) => failure.status === 403 && failure.cause.type === 'security_exception'));
    assert.equal((await call(a, 'POST', '/books-copy/_delete_by_query', { query: { match_all: {} } }, 'copier')).status, 403);

    // A preference chooses the copies the by-query scroll reads (refreshed first: a copy read before
    // its refresh gives older seq_nos, and the update then conflicts, as in Elasticsearch); an
    // unknown one is a 400, as on one node.
    assert.equal((await jsonCall(b, 'POST', '/books-copy/_refresh')).status, 200);
    const preferred = await jsonCall(b, 'POST', '/books-copy/_update_by_query?preference=_local&refresh=true', {});
    assert.equal(preferred.status, 200, preferred.text);
    assert.equal(preferred.body.updated, preferred.body.total);
    assert.equal((await jsonCall(b, 'POST', '/books-copy/_update_by_query?preference=_bogus', {})).status, 400);
  });

  test('async search across nodes: submitted on one node, read, status and deleted through the others', async () => {
    const [a, b, c] = nodes() as [StartedNode, StartedNode, StartedNode];
    const expected = await jsonCall(single, 'POST', '/books/_search', { size: 50, sort: [{ n: 'asc' }], aggs: { genres: { terms: { field: 'genre' } } } });
    const submitted = await a.client().asyncSearch.submit({ index: 'books', wait_for_completion_timeout: '0s', keep_on_completion: true, keep_alive: '1m', size: 50, sort: [{ n: 'asc' }], aggs: { genres: { terms: { field: 'genre' } } } });
    assert.equal(typeof submitted.id, 'string');
    // The id names the node that received the submit (it runs the search and keeps the result).
    assert.deepEqual([decodeMultiNodeAsyncId(submitted.id!)!.node], Object.keys((await jsonCall(a, 'GET', '/_nodes/_local')).body.nodes));
    const got = await b.client().asyncSearch.get({ id: submitted.id!, wait_for_completion_timeout: '30s' });
    assert.deepEqual([got.id, got.is_running, got.is_partial], [submitted.id, false, false]);
    assert.deepEqual(got.response._shards, { total: 3, successful: 3, skipped: 0, failed: 0 });
    assert.deepEqual(got.response.hits.hits, expected.body.hits.hits);
    assert.deepEqual(got.response.aggregations, expected.body.aggregations);
    const status = await c.client().asyncSearch.status({ id: submitted.id! });
    assert.deepEqual([status.id, status.is_running, (status as any).completion_status, (status as any)._shards.total], [submitted.id, false, 200, 3]);
    // keep_alive on get renews the expiration, wherever the get arrives.
    const renewed = await jsonCall(c, 'GET', `/_async_search/${submitted.id}?keep_alive=2m`);
    assert.ok(renewed.body.expiration_time_in_millis > got.expiration_time_in_millis, renewed.text);
    // Only the submitter reads it: another user sees no such search.
    const stranger = await call(b, 'GET', `/_async_search/${submitted.id}`, undefined, 'reader');
    assert.deepEqual([stranger.status, stranger.body.error.type], [404, 'resource_not_found_exception'], stranger.text);
    assert.deepEqual(await c.client().asyncSearch.delete({ id: submitted.id! }), { acknowledged: true });
    const gone = await jsonCall(a, 'GET', `/_async_search/${submitted.id}`);
    assert.deepEqual([gone.status, gone.body.error.type, gone.body.error.reason], [404, 'resource_not_found_exception', submitted.id], gone.text);

    // Finished within the wait and not kept: answered at once, without an id, from every shard.
    const quick = await jsonCall(c, 'POST', '/books/_async_search?wait_for_completion_timeout=30s', { size: 0, track_total_hits: true });
    assert.deepEqual([quick.status, quick.body.id, quick.body.is_running, quick.body.response.hits.total.value, quick.body.response._shards.total], [200, undefined, false, 40, 3], quick.text);
    // Bad requests and forbidden indices fail the submit itself.
    assert.equal((await jsonCall(b, 'POST', '/no-such-books/_async_search', {})).status, 404);
    assert.equal((await call(b, 'POST', '/pit-shelf/_async_search', {}, 'reader')).status, 403);
    // Through a point in time opened across nodes.
    const pit = (await jsonCall(a, 'POST', '/books/_pit?keep_alive=1m')).body.id;
    const throughPit = await jsonCall(b, 'POST', '/_async_search?wait_for_completion_timeout=30s', { pit: { id: pit }, size: 0, track_total_hits: true });
    assert.deepEqual([throughPit.status, throughPit.body.response.hits.total.value, throughPit.body.response.pit_id], [200, 40, pit], throughPit.text);
    assert.equal((await jsonCall(c, 'DELETE', '/_pit', { id: pit })).status, 200);

    // Forged ids: malformed is a 400, a node not in the cluster keeps nothing (404).
    const malformed = encodeOpaqueId('strait-mn-async:', '["n1", 3]');
    assert.equal((await jsonCall(a, 'GET', `/_async_search/${malformed}`)).status, 400);
    const elsewhere = encodeMultiNodeAsyncId({ node: 'no-such-node', local: encodeOpaqueId('strait-async:', 'abc') });
    for (const [method, path] of [['GET', `/_async_search/${elsewhere}`], ['GET', `/_async_search/status/${elsewhere}`], ['DELETE', `/_async_search/${elsewhere}`]] as const) {
      const answer = await jsonCall(b, method, path);
      assert.deepEqual([answer.status, answer.body.error.type], [404, 'resource_not_found_exception'], `${method} ${path}: ${answer.text}`);
    }
  });
});
