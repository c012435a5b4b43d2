// The search REST API over real index and searcher services, called without sockets.
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/search-search.html
// and near-real-time.html (refresh makes writes searchable; GET stays real-time).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSearchHarness } from './harness.js';

const books = {
  '1': { title: 'The Quick Brown Fox', year: 1990, genre: 'fable', price: 10.5, published: '1990-05-01' },
  '2': { title: 'Lazy Dogs Sleep', year: 2001, genre: 'fable', price: 7.25, published: '2001-01-15' },
  '3': { title: 'Quick Recipes', year: 2015, genre: 'cooking', price: 20, published: '2015-07-30' },
  '4': { title: 'A Brown Study', year: 1950, genre: 'mystery', price: 12, published: '1950-11-02' },
};

test('search: response shape, match scoring order, _source filtering, from/size (search-search.html)', async (t) => {
  const h = openSearchHarness(t);
  await h.index('books', books);
  const response = await h.call('POST', '/:index/_search', { params: { index: 'books' }, body: { query: { match: { title: 'quick brown' } }, _source: ['title'] } });
  assert.equal(response.status, 200);
  assert.deepEqual(Object.keys(response.body), ['took', 'timed_out', '_shards', 'hits']);
  assert.deepEqual(response.body._shards, { total: 1, successful: 1, skipped: 0, failed: 0 });
  assert.deepEqual(response.body.hits.total, { value: 3, relation: 'eq' });
  const hits = response.body.hits.hits;
  assert.equal(hits[0]._id, '1'); // both terms
  assert.deepEqual(Object.keys(hits[0]), ['_index', '_id', '_score', '_source']);
  assert.deepEqual(hits[0]._source, { title: 'The Quick Brown Fox' });
  assert.equal(response.body.hits.max_score, hits[0]._score);
  const page = await h.call('GET', '/:index/_search', { params: { index: 'books' }, query: { from: '1', size: '1', sort: 'year:desc' } });
  assert.deepEqual(page.body.hits.hits.map((hit: any) => [hit._id, hit._score, hit.sort]), [['2', null, [2001]]]);
  assert.equal(page.body.hits.max_score, null);
});

test('near-real-time: writes are searchable after a refresh, GET is real-time (near-real-time.html)', async (t) => {
  const h = openSearchHarness(t);
  await h.index('books', { '1': books['1'] });
  await h.call('PUT', '/:index/_doc/:id', { params: { index: 'books', id: '2' }, body: books['2'] });
  const count = async (): Promise<number> => (await h.call('GET', '/:index/_count', { params: { index: 'books' } })).body.count;
  assert.equal(await count(), 1);
  assert.equal((await h.call('GET', '/:index/_doc/:id', { params: { index: 'books', id: '2' } })).body.found, true);
  await h.call('POST', '/:index/_refresh', { params: { index: 'books' } });
  assert.equal(await count(), 2);
  // An update replaces the searchable copy; a delete removes it.
  await h.call('PUT', '/:index/_doc/:id', { params: { index: 'books', id: '1' }, body: { title: 'Renamed' }, query: { refresh: 'wait_for' } });
  await h.call('DELETE', '/:index/_doc/:id', { params: { index: 'books', id: '2' }, query: { refresh: 'true' } });
  const all = await h.call('POST', '/_search', { body: { query: { match_all: {} } } });
  assert.deepEqual(all.body.hits.hits.map((hit: any) => [hit._id, hit._source.title]), [['1', 'Renamed']]);
  const old = await h.call('POST', '/_search', { body: { query: { match: { title: 'fox' } } } });
  assert.equal(old.body.hits.total.value, 0);
});

test('result window: from + size beyond index.max_result_window fails every shard with illegal_argument (paginate-search-results.html)', async (t) => {
  const h = openSearchHarness(t);
  await h.index('books', books);
  const tooFar = await h.call('POST', '/:index/_search', { params: { index: 'books' }, body: { from: 9995, size: 10 } });
  assert.equal(tooFar.status, 400);
  assert.equal(tooFar.body.error.type, 'search_phase_execution_exception');
  assert.equal(tooFar.body.error.root_cause[0].type, 'illegal_argument_exception');
  assert.match(tooFar.body.error.root_cause[0].reason, /Result window is too large, from \+ size must be less than or equal to: \[10000\] but was \[10005\]/);
  assert.equal(tooFar.body.error.failed_shards[0].index, 'books');
  await h.call('PUT', '/:index/_settings', { params: { index: 'books' }, body: { index: { max_result_window: 3 } } });
  const small = await h.call('POST', '/:index/_search', { params: { index: 'books' }, body: { size: 4 } });
  assert.equal(small.status, 400);
  assert.match(small.body.error.caused_by.reason, /\[3\] but was \[4\]/);
  const negative = await h.call('POST', '/:index/_search', { params: { index: 'books' }, body: { size: -1 } });
  assert.equal(negative.body.error.type, 'illegal_argument_exception');
});

test('index expressions: comma lists, wildcards only over readable indices, _all, aliases, filtered aliases (multi-index.html, aliases.html)', async (t) => {
  const h = openSearchHarness(t);
  await h.index('books', books);
  await h.index('secret', { s1: { title: 'quick secret' } });
  await h.index('logs-1', { l1: { title: 'quick log' } });
  const ids = (response: { body: any }): string[] => response.body.hits.hits.map((hit: any) => `${hit._index}/${hit._id}`).sort();
  const wildcard = await h.call('POST', '/:index/_search', { params: { index: '*' }, body: { query: { match: { title: 'quick' } } }, denied: ['secret'] });
  assert.deepEqual(ids(wildcard), ['books/1', 'books/3', 'logs-1/l1']);
  assert.equal(wildcard.body._shards.total, 2);
  const all = await h.call('POST', '/_search', { body: { query: { match: { title: 'quick' } } }, denied: ['secret'] });
  assert.deepEqual(ids(all), ids(wildcard));
  const explicit = await h.call('POST', '/:index/_search', { params: { index: 'books,secret' }, denied: ['secret'] });
  assert.equal(explicit.status, 403);
  assert.equal(explicit.body.error.type, 'security_exception');
  const missing = await h.call('POST', '/:index/_search', { params: { index: 'nope' } });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.type, 'index_not_found_exception');
  const ignored = await h.call('POST', '/:index/_search', { params: { index: 'nope,books' }, query: { ignore_unavailable: 'true' } });
  assert.equal(ignored.body.hits.total.value, 4);
  const none = await h.call('POST', '/:index/_search', { params: { index: 'zzz*' } });
  assert.deepEqual(none.body._shards, { total: 0, successful: 0, skipped: 0, failed: 0 });
  assert.deepEqual(none.body.hits, { total: { value: 0, relation: 'eq' }, max_score: 0, hits: [] });
  await h.call('POST', '/_aliases', {
    body: { actions: [{ add: { index: 'books', alias: 'fables', filter: { term: { 'genre.keyword': 'fable' } } } }, { add: { index: 'books', alias: 'library' } }] },
  });
  const filtered = await h.call('POST', '/:index/_search', { params: { index: 'fables' } });
  assert.deepEqual(ids(filtered), ['books/1', 'books/2']);
  const unfiltered = await h.call('POST', '/:index/_search', { params: { index: 'fables,library' } });
  assert.equal(unfiltered.body.hits.total.value, 4);
});

test('q parameter, sort and search_after, track_total_hits, rest_total_hits_as_int (search-search.html#search-api-query-params)', async (t) => {
  const h = openSearchHarness(t);
  await h.index('books', books);
  const q = await h.call('GET', '/:index/_search', { params: { index: 'books' }, query: { q: 'genre:fable AND year:>2000' } });
  assert.deepEqual(q.body.hits.hits.map((hit: any) => hit._id), ['2']);
  const first = await h.call('POST', '/_search', { body: { size: 2, sort: [{ price: 'asc' }] } });
  assert.deepEqual(first.body.hits.hits.map((hit: any) => [hit._id, hit.sort]), [['2', [7.25]], ['1', [10.5]]]);
  const after = await h.call('POST', '/_search', { body: { size: 2, sort: [{ price: 'asc' }], search_after: [10.5] } });
  assert.deepEqual(after.body.hits.hits.map((hit: any) => hit._id), ['4', '3']);
  const untracked = await h.call('POST', '/_search', { body: { track_total_hits: false } });
  assert.equal(untracked.body.hits.total, undefined);
  const capped = await h.call('POST', '/_search', { body: { track_total_hits: 2, size: 0 } });
  assert.deepEqual(capped.body.hits.total, { value: 2, relation: 'gte' });
  const asInt = await h.call('POST', '/_search', { query: { rest_total_hits_as_int: 'true' }, body: {} });
  assert.equal(asInt.body.hits.total, 4);
  const byScore = await h.call('POST', '/_search', { body: { size: 1, sort: ['_score'] } });
  assert.deepEqual(byScore.body.hits.hits[0].sort, [1]);
  const dates = await h.call('POST', '/_search', { body: { size: 1, sort: [{ published: { order: 'desc', format: 'yyyy-MM-dd' } }] } });
  assert.deepEqual(dates.body.hits.hits[0].sort, ['2015-07-30']);
});

test('aggregations with typed_keys, post_filter narrowing hits only (search-aggregations.html, filter-search-results.html#post-filter)', async (t) => {
  const h = openSearchHarness(t);
  await h.index('books', books);
  const response = await h.call('POST', '/_search', {
    query: { typed_keys: 'true' },
    body: { size: 10, aggs: { genres: { terms: { field: 'genre.keyword' }, aggs: { avg_price: { avg: { field: 'price' } } } } }, post_filter: { term: { 'genre.keyword': 'cooking' } } },
  });
  assert.deepEqual(response.body.hits.hits.map((hit: any) => hit._id), ['3']);
  const genres = response.body.aggregations['sterms#genres'];
  assert.deepEqual(genres.buckets.map((bucket: any) => [bucket.key, bucket.doc_count, bucket['avg#avg_price'].value]), [['fable', 2, 8.875], ['cooking', 1, 20], ['mystery', 1, 12]]);
});

test('fetch options: highlight, fields, docvalue_fields, version, seq_no_primary_term, explain, stored_fields (search-fields.html, highlighting.html)', async (t) => {
  const h = openSearchHarness(t);
  await h.index('books', books);
  const response = await h.call('POST', '/_search', {
    body: {
      query: { match: { title: 'fox' } },
      highlight: { fields: { title: {} } },
      fields: ['year', { field: 'published', format: 'yyyy' }],
      docvalue_fields: ['genre.keyword'],
      version: true,
      seq_no_primary_term: true,
      explain: true,
      sort: ['_score', { year: 'asc' }],
    },
  });
  const hit = response.body.hits.hits[0];
  assert.equal(hit._id, '1');
  assert.deepEqual(Object.keys(hit), ['_shard', '_node', '_index', '_id', '_version', '_seq_no', '_primary_term', '_score', '_source', 'fields', 'highlight', 'sort', '_explanation']);
  assert.deepEqual(hit.highlight, { title: ['The Quick Brown <em>Fox</em>'] });
  assert.deepEqual(hit.fields, { year: [1990], published: ['1990'], 'genre.keyword': ['fable'] });
  assert.equal(hit._version, 1);
  assert.equal(hit._primary_term, 1);
  assert.equal(typeof hit._seq_no, 'number');
  assert.equal(hit._node, 'node-test');
  assert.equal(hit._explanation.value, hit._score);
  const none = await h.call('POST', '/_search', { body: { stored_fields: '_none_', size: 1 } });
  assert.deepEqual(Object.keys(none.body.hits.hits[0]), ['_index', '_score']);
  const noSource = await h.call('POST', '/_search', { query: { _source: 'false' }, body: { size: 1 } });
  assert.equal(noSource.body.hits.hits[0]._source, undefined);
});

test('bad requests: unknown body key, unsupported feature, bad sort field, text field aggregation (query-dsl.html)', async (t) => {
  const h = openSearchHarness(t);
  await h.index('books', books);
  const unknown = await h.call('POST', '/_search', { body: { querry: {} } });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.type, 'parsing_exception');
  assert.equal(unknown.body.error.reason, 'Unknown key for a START_OBJECT in [querry].');
  const knn = await h.call('POST', '/_search', { body: { knn: { field: 'vector', query_vector: [1], k: 1, num_candidates: 1 } } });
  assert.equal(knn.body.error.type, 'illegal_argument_exception');
  const badQuery = await h.call('POST', '/_search', { body: { query: { nope: {} } } });
  assert.equal(badQuery.body.error.type, 'parsing_exception');
  const textSort = await h.call('POST', '/_search', { body: { sort: ['title'] } });
  assert.equal(textSort.status, 400);
  assert.equal(textSort.body.error.type, 'search_phase_execution_exception');
  assert.equal(textSort.body.error.root_cause[0].type, 'illegal_argument_exception');
  assert.match(textSort.body.error.root_cause[0].reason, /Fielddata is disabled on \[title\] in \[books\]/);
});

test('_count: queries, q, terminate_after; closed indices (search-count.html)', async (t) => {
  const h = openSearchHarness(t);
  await h.index('books', books);
  const byQuery = await h.call('POST', '/:index/_count', { params: { index: 'books' }, body: { query: { range: { year: { gte: 2000 } } } } });
  assert.deepEqual(byQuery.body, { count: 2, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 } });
  const byQ = await h.call('GET', '/_count', { query: { q: 'genre:fable' } });
  assert.equal(byQ.body.count, 2);
  const terminated = await h.call('GET', '/_count', { query: { terminate_after: '1' } });
  assert.deepEqual([terminated.body.count, terminated.body.terminated_early], [1, true]);
  const badKey = await h.call('POST', '/_count', { body: { size: 1 } });
  assert.equal(badKey.body.error.type, 'parsing_exception');
  await h.call('POST', '/:index/_close', { params: { index: 'books' } });
  const closed = await h.call('POST', '/:index/_search', { params: { index: 'books' } });
  assert.equal(closed.body.error.type, 'index_closed_exception');
  await h.call('POST', '/:index/_open', { params: { index: 'books' } });
  assert.equal((await h.call('GET', '/_count', {})).body.count, 4);
});

test('_msearch: items answered on their own, errors carry their status (search-multi-search.html)', async (t) => {
  const h = openSearchHarness(t);
  await h.index('books', books);
  const lines = [{ index: 'books' }, { query: { match: { title: 'quick' } } }, { index: 'missing' }, {}, {}, { size: 0, aggs: { n: { value_count: { field: 'year' } } } }, { index: 'secret' }, {}];
  const text = `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`;
  const response = await h.call('POST', '/_msearch', { text, denied: ['secret'] });
  assert.equal(response.status, 200);
  const [first, second, third, fourth] = response.body.responses;
  assert.deepEqual([first.status, first.hits.total.value], [200, 2]);
  assert.deepEqual([second.status, second.error.type], [404, 'index_not_found_exception']);
  assert.deepEqual([third.status, third.aggregations.n.value], [200, 4]);
  assert.deepEqual([fourth.status, fourth.error.type], [403, 'security_exception']);
  const unterminated = await h.call('POST', '/_msearch', { text: '{}\n{}' });
  assert.equal(unterminated.body.error.type, 'illegal_argument_exception');
  const badHeader = await h.call('POST', '/_msearch', { text: '{"foo":1}\n{}\n' });
  assert.equal(badHeader.body.error.reason, 'key [foo] is not supported in the metadata section');
});

test('scroll: pages over a frozen view, keep-alive expiry, owner check, clear (paginate-search-results.html#scroll-search-results)', async (t) => {
  const h = openSearchHarness(t);
  const documents: Record<string, unknown> = {};
  for (let index = 0; index < 25; index++) documents[`d${String(index).padStart(2, '0')}`] = { n: index };
  await h.index('numbers', documents);
  const first = await h.call('POST', '/:index/_search', { params: { index: 'numbers' }, query: { scroll: '1m' }, body: { size: 10, sort: ['n'], aggs: { total: { sum: { field: 'n' } } } } });
  assert.equal(first.status, 200);
  const scrollId = first.body._scroll_id;
  assert.equal(typeof scrollId, 'string');
  assert.equal(first.body.aggregations.total.value, 300);
  // Writes after the scroll opened are not seen by it.
  await h.call('DELETE', '/:index/_doc/:id', { params: { index: 'numbers', id: 'd24' }, query: { refresh: 'true' } });
  const seen = first.body.hits.hits.map((hit: any) => hit._source.n);
  for (;;) {
    h.now += 30_000; // within the keep-alive, renewed by each use
    const next = await h.call('POST', '/_search/scroll', { body: { scroll_id: scrollId, scroll: '1m' } });
    assert.equal(next.status, 200);
    assert.equal(next.body.hits.total.value, 25);
    assert.equal(next.body.aggregations, undefined);
    if (next.body.hits.hits.length === 0) break;
    seen.push(...next.body.hits.hits.map((hit: any) => hit._source.n));
  }
  assert.deepEqual(seen, Array.from({ length: 25 }, (_, index) => index));
  const stranger = await h.call('POST', '/_search/scroll', { body: { scroll_id: scrollId }, user: 'mallory' });
  assert.equal(stranger.status, 404);
  assert.equal(stranger.body.error.root_cause[0].type, 'search_context_missing_exception');
  h.now += 61_000;
  const expired = await h.call('GET', '/_search/scroll/:scroll_id', { params: { scroll_id: scrollId } });
  assert.equal(expired.status, 404);
  const second = await h.call('POST', '/_search', { query: { scroll: '1m' }, body: { size: 1 } });
  const cleared = await h.call('DELETE', '/_search/scroll', { body: { scroll_id: [second.body._scroll_id] } });
  assert.deepEqual([cleared.status, cleared.body], [200, { succeeded: true, num_freed: 1 }]);
  const again = await h.call('DELETE', '/_search/scroll', { body: { scroll_id: second.body._scroll_id } });
  assert.deepEqual([again.status, again.body], [404, { succeeded: true, num_freed: 0 }]);
  const garbage = await h.call('POST', '/_search/scroll', { body: { scroll_id: 'not-ours' } });
  assert.deepEqual([garbage.status, garbage.body.error.reason], [400, 'Cannot parse scroll id']);
  const tooLong = await h.call('POST', '/_search', { query: { scroll: '2d' }, body: {} });
  assert.match(tooLong.body.error.reason, /Keep alive for request \(2d\) is too large/);
  const withFrom = await h.call('POST', '/_search', { query: { scroll: '1m' }, body: { from: 5 } });
  assert.equal(withFrom.body.error.type, 'action_request_validation_exception');
});

test('_delete_by_query and _update_by_query go through document operations with seq_no checks (docs-delete-by-query.html)', async (t) => {
  const h = openSearchHarness(t);
  await h.index('books', books);
  const deleted = await h.call('POST', '/:index/_delete_by_query', { params: { index: 'books' }, query: { refresh: 'true' }, body: { query: { term: { 'genre.keyword': 'fable' } } } });
  assert.equal(deleted.status, 200);
  assert.deepEqual(
    { total: deleted.body.total, deleted: deleted.body.deleted, batches: deleted.body.batches, version_conflicts: deleted.body.version_conflicts, failures: deleted.body.failures },
    { total: 2, deleted: 2, batches: 1, version_conflicts: 0, failures: [] },
  );
  assert.equal((await h.call('GET', '/_count', {})).body.count, 2);
  // A document changed after the last refresh conflicts with the searched version.
  await h.call('PUT', '/:index/_doc/:id', { params: { index: 'books', id: '3' }, body: { title: 'changed', genre: 'cooking' } });
  const conflicted = await h.call('POST', '/:index/_update_by_query', { params: { index: 'books' }, body: { query: { match_all: {} } } });
  assert.equal(conflicted.status, 409);
  assert.equal(conflicted.body.version_conflicts, 1);
  assert.equal(conflicted.body.failures[0].cause.type, 'version_conflict_engine_exception');
  // The batch is one bulk request, as in Elasticsearch: doc 4 in the same batch was still written; the request stops after the batch.
  assert.equal(conflicted.body.updated, 1);
  const version = await h.call('GET', '/:index/_doc/:id', { params: { index: 'books', id: '4' } });
  assert.equal(version.body._version, 2);
  await h.call('POST', '/:index/_refresh', { params: { index: 'books' } });
  const proceeded = await h.call('POST', '/:index/_update_by_query', { params: { index: 'books' }, query: { conflicts: 'proceed', refresh: 'true' } });
  assert.deepEqual([proceeded.status, proceeded.body.updated, proceeded.body.version_conflicts], [200, 2, 0]);
  const script = await h.call('POST', '/:index/_update_by_query', { params: { index: 'books' }, query: { refresh: 'true' }, body: { script: { source: 'ctx._source.x = 1' } } });
  assert.deepEqual([script.status, script.body.updated], [200, 2]);
  assert.equal((await h.call('GET', '/:index/_doc/:id', { params: { index: 'books', id: '4' } })).body._source.x, 1);
});

test('_field_caps and _analyze (search-field-caps.html, indices-analyze.html)', async (t) => {
  const h = openSearchHarness(t);
  await h.index('books', books);
  await h.index('other', { o: { year: 'MCMXC' } });
  const caps = await h.call('GET', '/:index/_field_caps', { params: { index: 'books,other' }, query: { fields: 'year,title*' } });
  assert.deepEqual(caps.body.indices, ['books', 'other']);
  assert.deepEqual(caps.body.fields.year, {
    long: { type: 'long', metadata_field: false, searchable: true, aggregatable: true, indices: ['books'] },
    text: { type: 'text', metadata_field: false, searchable: true, aggregatable: false, indices: ['other'] },
  });
  assert.deepEqual(caps.body.fields['title.keyword'], { keyword: { type: 'keyword', metadata_field: false, searchable: true, aggregatable: true } });
  const analyzed = await h.call('POST', '/_analyze', { body: { analyzer: 'english', text: 'The foxes jumped' } });
  assert.deepEqual(analyzed.body.tokens.map((token: any) => [token.token, token.position]), [['fox', 1], ['jump', 2]]);
  const chain = await h.call('POST', '/_analyze', { body: { tokenizer: 'whitespace', filter: ['lowercase', { type: 'stop', stopwords: ['b'] }], text: 'A B C' } });
  assert.deepEqual(chain.body.tokens.map((token: any) => token.token), ['a', 'c']);
  const field = await h.call('POST', '/:index/_analyze', { params: { index: 'books' }, body: { field: 'genre.keyword', text: 'Two Words' } });
  assert.deepEqual(field.body.tokens.map((token: any) => token.token), ['Two Words']);
  const unknown = await h.call('POST', '/_analyze', { body: { analyzer: 'nope', text: 'x' } });
  assert.equal(unknown.body.error.reason, 'failed to find global analyzer [nope]');
});

test('restart: persisted segments are loaded and later operations replayed; corrupt files are rebuilt from the store', async (t) => {
  const h = openSearchHarness(t);
  await h.index('books', books);
  await h.call('DELETE', '/:index/_doc/:id', { params: { index: 'books', id: '1' }, query: { refresh: 'true' } });
  await h.index('books', { '5': { title: 'after the last refresh' } }, { refresh: false });
  const reopened = h.reopen();
  const ids = async (harness: typeof h): Promise<string[]> =>
    (await harness.call('POST', '/_search', { body: { size: 20 } })).body.hits.hits.map((hit: any) => hit._id).sort();
  assert.deepEqual(await ids(reopened), ['2', '3', '4', '5']);
  const { readdirSync, writeFileSync } = await import('node:fs');
  const path = await import('node:path');
  const handle = reopened.service.get('books')!;
  const directory = path.join(reopened.service.indexDirectory(handle.uuid), 'searcher');
  for (const file of readdirSync(directory)) if (file.endsWith('.seg')) writeFileSync(path.join(directory, file), 'garbage');
  const rebuilt = reopened.reopen();
  assert.deepEqual(await ids(rebuilt), ['2', '3', '4', '5']);
});
