// Search on one real node process (HTTPS, security on), driven by the official clients 9.x and
// 8.x: _search with queries, aggregations, sort/search_after, highlight; near-real-time refresh
// (explicit, `refresh` parameter, and the 1s refresh_interval); _count, _msearch, scroll,
// _field_caps, _analyze, by-query APIs; wildcards limited to readable indices; segments after a
// restart. References: search-search.html, near-real-time.html, search-multi-search.html,
// paginate-search-results.html, search-count.html, search-field-caps.html, indices-analyze.html.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { errors as clientErrors } from '@elastic/elasticsearch';
import { startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;
before(async () => {
  node = await startNode({ clusterName: 'search', nodeName: 's1' });
});
after(async () => {
  await node?.destroy();
});

async function statusOf(promise: Promise<unknown>): Promise<{ status: number; body: { error: { type: string; reason: string; root_cause: { type: string; reason: string }[] } } }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof clientErrors.ResponseError, String(error));
    return { status: error.meta.statusCode ?? 0, body: error.meta.body as never };
  }
  assert.fail('expected an error response');
}

interface Book {
  title: string;
  author: string;
  year: number;
  price: number;
  tags: string[];
}

const books: Record<string, Book> = {
  '1': { title: 'The Left Hand of Darkness', author: 'Le Guin', year: 1969, price: 9.5, tags: ['scifi', 'classic'] },
  '2': { title: 'A Wizard of Earthsea', author: 'Le Guin', year: 1968, price: 8, tags: ['fantasy', 'classic'] },
  '3': { title: 'Dune', author: 'Herbert', year: 1965, price: 12, tags: ['scifi'] },
  '4': { title: 'The Dispossessed', author: 'Le Guin', year: 1974, price: 11, tags: ['scifi'] },
  '5': { title: 'Neuromancer', author: 'Gibson', year: 1984, price: 10, tags: ['scifi', 'cyberpunk'] },
};

test('search with the 9.x client: match, bool, aggregations, sort and search_after, highlight, _source filtering', async () => {
  const client = node.client();
  await client.indices.create({
    index: 'books',
    mappings: { properties: { title: { type: 'text', fields: { raw: { type: 'keyword' } } }, author: { type: 'keyword' }, year: { type: 'integer' }, price: { type: 'double' }, tags: { type: 'keyword' } } },
  });
  await client.bulk({ refresh: true, operations: Object.entries(books).flatMap(([id, book]) => [{ index: { _index: 'books', _id: id } }, book]) });

  const matched = await client.search<Book>({ index: 'books', query: { match: { title: 'darkness wizard' } }, _source: ['title'] });
  assert.deepEqual(matched.hits.total, { value: 2, relation: 'eq' });
  assert.deepEqual(matched.hits.hits.map((hit) => hit._id).sort(), ['1', '2']);
  assert.deepEqual(Object.keys(matched.hits.hits[0]!._source!), ['title']);
  assert.equal(matched._shards.failed, 0);

  const filtered = await client.search<Book>({
    index: 'books',
    query: { bool: { must: [{ match: { title: 'the' } }], filter: [{ term: { author: 'Le Guin' } }, { range: { year: { gte: 1970 } } }] } },
  });
  assert.deepEqual(filtered.hits.hits.map((hit) => hit._id), ['4']);

  const aggregated = await client.search({
    index: 'books',
    size: 0,
    aggs: { authors: { terms: { field: 'author' }, aggs: { mean_price: { avg: { field: 'price' } } } }, decades: { histogram: { field: 'year', interval: 10 } } },
  });
  const authors = aggregated.aggregations!['authors'] as { buckets: { key: string; doc_count: number; mean_price: { value: number } }[] };
  assert.deepEqual(authors.buckets.map((bucket) => [bucket.key, bucket.doc_count]), [['Le Guin', 3], ['Gibson', 1], ['Herbert', 1]]);
  assert.equal(authors.buckets[0]!.mean_price.value, (9.5 + 8 + 11) / 3);
  const decades = aggregated.aggregations!['decades'] as { buckets: { key: number; doc_count: number }[] };
  assert.deepEqual(decades.buckets.map((bucket) => [bucket.key, bucket.doc_count]), [[1960, 3], [1970, 1], [1980, 1]]);
  assert.equal(aggregated.hits.max_score, null);

  const firstPage = await client.search({ index: 'books', size: 2, sort: [{ year: 'desc' }] });
  assert.deepEqual(firstPage.hits.hits.map((hit) => [hit._id, hit.sort]), [['5', [1984]], ['4', [1974]]]);
  const nextPage = await client.search({ index: 'books', size: 2, sort: [{ year: 'desc' }], search_after: firstPage.hits.hits.at(-1)!.sort! });
  assert.deepEqual(nextPage.hits.hits.map((hit) => hit._id), ['1', '2']);

  const highlighted = await client.search({ index: 'books', query: { match: { title: 'dune' } }, highlight: { fields: { title: {} } }, fields: ['title.raw'] });
  assert.deepEqual(highlighted.hits.hits[0]!.highlight, { title: ['<em>Dune</em>'] });
  assert.deepEqual(highlighted.hits.hits[0]!.fields, { 'title.raw': ['Dune'] });

  const queryString = await client.search({ index: 'books', q: 'author:Gibson' });
  assert.deepEqual(queryString.hits.hits.map((hit) => hit._id), ['5']);
});

test('the 8.x client: search, count and msearch answer in the shapes it reads', async () => {
  const client = node.client8();
  const result = await client.search<Book>({ index: 'books', query: { term: { tags: 'scifi' } }, sort: [{ price: 'asc' }], track_total_hits: true });
  assert.equal((result.hits.total as { value: number }).value, 4);
  assert.deepEqual(result.hits.hits.map((hit) => hit._source!.price), [9.5, 10, 11, 12]);
  const counted = await client.count({ index: 'books', query: { term: { author: 'Le Guin' } } });
  assert.equal(counted.count, 3);
  const multi = await client.msearch({
    searches: [{ index: 'books' }, { query: { match: { title: 'neuromancer' } } }, { index: 'no-such-index' }, { query: { match_all: {} } }],
  });
  const [found, missing] = multi.responses;
  assert.equal('hits' in found! ? found.hits.hits[0]!._id : undefined, '5');
  assert.equal('error' in missing! ? missing.error.type : undefined, 'index_not_found_exception');
  assert.equal('status' in missing! ? missing.status : undefined, 404);
});

test('near-real-time: a write is searchable after a refresh, with refresh=wait_for, and after refresh_interval', async () => {
  const client = node.client();
  await client.indices.create({ index: 'nrt', settings: { refresh_interval: '-1' } });
  await client.index({ index: 'nrt', id: 'a', document: { word: 'alpha' } });
  assert.equal((await client.search({ index: 'nrt', q: 'word:alpha' })).hits.hits.length, 0);
  assert.equal((await client.get({ index: 'nrt', id: 'a' })).found, true); // GET is real-time
  await client.indices.refresh({ index: 'nrt' });
  assert.equal((await client.search({ index: 'nrt', q: 'word:alpha' })).hits.hits.length, 1);
  await client.index({ index: 'nrt', id: 'b', document: { word: 'beta' }, refresh: 'wait_for' });
  assert.equal((await client.count({ index: 'nrt', q: 'word:beta' })).count, 1);
  // The periodic refresh: with the default interval (1s) the write becomes visible without any call.
  await client.indices.putSettings({ index: 'nrt', settings: { refresh_interval: '1s' } });
  await client.index({ index: 'nrt', id: 'c', document: { word: 'gamma' } });
  let seen = 0;
  for (let attempt = 0; attempt < 100 && seen === 0; attempt++) {
    seen = (await client.count({ index: 'nrt', q: 'word:gamma' })).count;
    if (seen === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(seen, 1);
});

test('scroll through every document, then clear it; a cleared scroll is 404', async () => {
  const client = node.client();
  const operations = Array.from({ length: 120 }, (_, i) => [{ index: { _index: 'many', _id: String(i) } }, { i }]).flat();
  await client.bulk({ refresh: true, operations });
  let page = await client.search<{ i: number }>({ index: 'many', scroll: '1m', size: 50, sort: ['_doc'] });
  const seen: number[] = [];
  const scrollId = page._scroll_id!;
  while (page.hits.hits.length > 0) {
    seen.push(...page.hits.hits.map((hit) => hit._source!.i));
    page = await client.scroll<{ i: number }>({ scroll_id: scrollId, scroll: '1m' });
  }
  assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 120 }, (_, i) => i));
  const cleared = await client.clearScroll({ scroll_id: scrollId });
  assert.deepEqual([cleared.succeeded, cleared.num_freed], [true, 1]);
  const gone = await statusOf(client.scroll({ scroll_id: scrollId }));
  assert.equal(gone.status, 404);
  assert.equal(gone.body.error.root_cause[0]!.type, 'search_context_missing_exception');
});

test('errors: result window, unknown index, parse errors, text field sort', async () => {
  const client = node.client();
  const window = await statusOf(client.search({ index: 'books', from: 10_000, size: 1 }));
  assert.equal(window.status, 400);
  assert.equal(window.body.error.root_cause[0]!.type, 'illegal_argument_exception');
  assert.match(window.body.error.root_cause[0]!.reason, /Result window is too large/);
  const missing = await statusOf(client.search({ index: 'nope' }));
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.type, 'index_not_found_exception');
  const bad = await statusOf(client.search({ index: 'books', query: { no_such_query: {} } as never }));
  assert.equal(bad.body.error.type, 'parsing_exception');
  const textSort = await statusOf(client.search({ index: 'books', sort: ['title'] }));
  assert.equal(textSort.body.error.root_cause[0]!.type, 'illegal_argument_exception');
});

test('_field_caps, _analyze, _delete_by_query and _update_by_query', async () => {
  const client = node.client();
  const caps = await client.fieldCaps({ index: 'books', fields: ['year', 'title*'] });
  assert.deepEqual(caps.indices, ['books']);
  assert.equal(caps.fields['year']!['integer']!.aggregatable, true);
  assert.equal(caps.fields['title']!['text']!.aggregatable, false);
  assert.equal(caps.fields['title.raw']!['keyword']!.searchable, true);
  const tokens = await client.indices.analyze({ analyzer: 'standard', text: 'Quick-Brown Foxes!' });
  assert.deepEqual(tokens.tokens!.map((token) => token.token), ['quick', 'brown', 'foxes']);
  const fieldTokens = await client.indices.analyze({ index: 'books', field: 'author', text: 'Le Guin' });
  assert.deepEqual(fieldTokens.tokens!.map((token) => token.token), ['Le Guin']);

  await client.bulk({ refresh: true, operations: [{ index: { _index: 'scratch', _id: 'x' } }, { kind: 'old' }, { index: { _index: 'scratch', _id: 'y' } }, { kind: 'new' }] });
  const updated = await client.updateByQuery({ index: 'scratch', refresh: true });
  assert.equal(updated.updated, 2);
  assert.equal((await client.get({ index: 'scratch', id: 'x' }))._version, 2);
  const deleted = await client.deleteByQuery({ index: 'scratch', query: { match: { kind: 'old' } }, refresh: true });
  assert.equal(deleted.deleted, 1);
  assert.equal((await client.count({ index: 'scratch' })).count, 1);
});

test('a role limited to books*: wildcards expand only to readable indices, a named forbidden index is 403', async () => {
  const admin = node.client();
  await admin.index({ index: 'secret', id: 's', document: { title: 'classified darkness' }, refresh: true });
  await admin.security.putRole({ name: 'search_books', indices: [{ names: ['books*'], privileges: ['read'] }] });
  await admin.security.putUser({ username: 'reader', password: 'reader-password', roles: ['search_books'] });
  const reader = node.client({ username: 'reader', password: 'reader-password' });
  const all = await reader.search({ index: '*', query: { match: { title: 'darkness' } } });
  assert.deepEqual(all.hits.hits.map((hit) => hit._index), ['books']);
  const everything = await reader.search({ query: { match: { title: 'darkness' } } });
  assert.deepEqual(everything.hits.hits.map((hit) => hit._index), ['books']);
  const denied = await statusOf(reader.search({ index: 'secret' }));
  assert.equal(denied.status, 403);
  assert.equal(denied.body.error.type, 'security_exception');
  const deniedCount = await statusOf(reader.count({ index: 'books,secret' }));
  assert.equal(deniedCount.status, 403);
  // A scroll belongs to the user who opened it.
  const opened = await admin.search({ index: 'books', scroll: '1m', size: 1 });
  const stolen = await statusOf(reader.scroll({ scroll_id: opened._scroll_id! }));
  assert.equal(stolen.status, 404);
  await admin.clearScroll({ scroll_id: opened._scroll_id! });
});

test('after a restart, search sees every acknowledged document without a refresh', async () => {
  const client = node.client();
  await client.index({ index: 'books', id: '6', document: { title: 'Hyperion', author: 'Simmons', year: 1989, price: 9, tags: ['scifi'] } });
  await client.delete({ index: 'books', id: '3' });
  await node.stop();
  node = await node.restart();
  const restarted = node.client();
  const all = await restarted.search({ index: 'books', size: 20 });
  assert.deepEqual(all.hits.hits.map((hit) => hit._id).sort(), ['1', '2', '4', '5', '6']);
  assert.equal((await restarted.search({ index: 'books', q: 'title:hyperion' })).hits.hits.length, 1);
});
