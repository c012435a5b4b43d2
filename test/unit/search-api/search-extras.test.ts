// Request features with the documents and expectations of Elasticsearch's rest-api-spec tests:
// search/100_stored_fields, search/410_named_queries, search/40_indices_boost,
// search/110_field_collapsing, and the rescore and sliced scroll pages:
// https://www.elastic.co/guide/en/elasticsearch/reference/current/filter-search-results.html#rescore
// https://www.elastic.co/guide/en/elasticsearch/reference/current/paginate-search-results.html#slice-scroll
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { murmur3 } from '../../../src/search/search-extras.js';
import { planClusters, searchAcrossClusters, type RemoteClusters } from '../../../src/search/index.js';
import { openSearchHarness, type SearchHarness } from './harness.js';

const allowAll = { indices: () => {}, allowsIndex: () => true };

async function search(harness: SearchHarness, index: string | undefined, body: unknown, query: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  if (index === undefined) return harness.call('POST', '/_search', { body, query });
  return harness.call('POST', '/:index/_search', { params: { index }, body, query });
}

async function createIndex(harness: SearchHarness, index: string, body: unknown = {}): Promise<void> {
  const response = await harness.call('PUT', '/:index', { params: { index }, body });
  assert.equal(response.status, 200, JSON.stringify(response.body));
}

test('stored_fields: [] keeps _id and drops _source; _none_ drops both (100_stored_fields.yml)', async (t) => {
  const harness = openSearchHarness(t);
  await harness.index('test', { 1: { foo: 'bar' } });
  const plain = (await search(harness, 'test', {})).body.hits.hits[0];
  assert.equal(plain._id, '1');
  assert.deepEqual(plain._source, { foo: 'bar' });
  const empty = (await search(harness, 'test', { stored_fields: [] })).body.hits.hits[0];
  assert.equal(empty._id, '1');
  assert.equal(empty._source, undefined);
  for (const none of ['_none_', ['_none_']]) {
    const hit = (await search(harness, 'test', { stored_fields: none })).body.hits.hits[0];
    assert.equal(hit._id, undefined);
    assert.equal(hit._source, undefined);
  }
});

test('stored_fields names fields mapped with store: true: their values come back under fields (search-fields.html#stored-fields)', async (t) => {
  const harness = openSearchHarness(t);
  await createIndex(harness, 'st', { mappings: { properties: { title: { type: 'text', store: true }, date: { type: 'date', store: true }, body: { type: 'text' } } } });
  await harness.index('st', { 1: { title: 'Stored title', date: '2018-05-11', body: 'not stored' } });
  const named = (await search(harness, 'st', { stored_fields: ['title', 'body'] })).body.hits.hits[0];
  assert.deepEqual(named.fields, { title: ['Stored title'] });
  assert.equal(named._source, undefined);
  const pattern = (await search(harness, 'st', { stored_fields: ['*', '_source'] })).body.hits.hits[0];
  assert.deepEqual(Object.keys(pattern.fields).sort(), ['date', 'title']);
  assert.deepEqual(pattern._source, { title: 'Stored title', date: '2018-05-11', body: 'not stored' });
  const url = (await search(harness, 'st', {}, { stored_fields: 'title' })).body.hits.hits[0];
  assert.deepEqual(url.fields, { title: ['Stored title'] });
});

test('matched_queries lists the named clauses each hit matches; include_named_queries_score maps them to scores (410_named_queries.yml)', async (t) => {
  const harness = openSearchHarness(t);
  await harness.index('test_1', { 1: { field: 1 }, 2: { field: [1, 2] } });
  const query = {
    bool: {
      should: [{ match: { field: { query: 1, _name: 'match_field_1' } } }, { match: { field: { query: 2, _name: 'match_field_2', boost: 10 } } }],
    },
  };
  const names = await search(harness, 'test_1', { query });
  assert.equal(names.body.hits.total.value, 2);
  assert.deepEqual(names.body.hits.hits[0].matched_queries, ['match_field_1', 'match_field_2']);
  assert.deepEqual(names.body.hits.hits[1].matched_queries, ['match_field_1']);
  const scores = await search(harness, 'test_1', { query }, { include_named_queries_score: 'true' });
  assert.deepEqual(scores.body.hits.hits[0].matched_queries, { match_field_1: 1, match_field_2: 10 });
  assert.deepEqual(scores.body.hits.hits[1].matched_queries, { match_field_1: 1 });
  // A name beside the query's options, and on a bool; a hit matching no named clause has no key.
  const outer = await search(harness, 'test_1', { query: { bool: { _name: 'all', should: [{ term: { _name: 'two', field: 2 } }, { match_all: {} }] } } });
  assert.deepEqual(outer.body.hits.hits.map((hit: any) => hit.matched_queries), [['all', 'two'], ['all']]);
  const none = await search(harness, 'test_1', { query: { bool: { should: [{ term: { field: { value: 2, _name: 'two' } } }, { match_all: {} }] } } });
  assert.equal(none.body.hits.hits[1].matched_queries, undefined);
});

test('indices_boost: first matching entry per index, aliases and wildcards, missing index 404 unless ignore_unavailable (40_indices_boost.yml)', async (t) => {
  const harness = openSearchHarness(t);
  await createIndex(harness, 'test_1', { aliases: { alias_1: {} } });
  await createIndex(harness, 'test_2', { aliases: { alias_2: {} } });
  await harness.index('test_1', { 1: { foo: 'bar' } });
  await harness.index('test_2', { 1: { foo: 'bar' } });
  const order = async (boost: unknown, query: Record<string, string> = {}): Promise<string[]> => {
    const response = await search(harness, '_all', { indices_boost: boost }, query);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.hits.total.value, 2);
    return response.body.hits.hits.map((hit: any) => hit._index);
  };
  assert.deepEqual(await order([{ test_1: 2.0 }, { test_2: 1.0 }]), ['test_1', 'test_2']);
  assert.deepEqual(await order([{ test_1: 1.0 }, { test_2: 2.0 }]), ['test_2', 'test_1']);
  assert.deepEqual(await order([{ alias_1: 2.0 }]), ['test_1', 'test_2']);
  assert.deepEqual(await order([{ alias_2: 2.0 }]), ['test_2', 'test_1']);
  assert.deepEqual(await order([{ '*_1': 2.0 }]), ['test_1', 'test_2']);
  assert.deepEqual(await order([{ '*_1': 3.0 }, { alias_1: 1.0 }, { test_2: 2.0 }]), ['test_1', 'test_2']);
  assert.deepEqual(await order([{ '*_1': 1.0 }, { test_2: 2.0 }, { alias_1: 3.0 }]), ['test_2', 'test_1']);
  const scores = await search(harness, '_all', { indices_boost: [{ test_1: 2.0 }] });
  assert.deepEqual(scores.body.hits.hits.map((hit: any) => hit._score), [2, 1]);
  const missing = await search(harness, '_all', { indices_boost: [{ nonexistent: 2.0 }, { test_1: 1.0 }, { test_2: 2.0 }] });
  assert.equal(missing.status, 404);
  assert.match(missing.body.error.reason, /no such index/);
  assert.deepEqual(await order([{ nonexistent: 2.0 }, { test_1: 1.0 }, { test_2: 2.0 }], { ignore_unavailable: 'true' }), ['test_2', 'test_1']);
});

test('rescore: the window is rescored by query_weight and rescore_query_weight per score_mode; the rest keep their order', async (t) => {
  const harness = openSearchHarness(t);
  await createIndex(harness, 'r', { mappings: { properties: { n: { type: 'long' }, tag: { type: 'keyword' } } } });
  await harness.index('r', { a: { n: 5, tag: 'x' }, b: { n: 4, tag: 'y' }, c: { n: 3, tag: 'y' }, d: { n: 2, tag: 'x' } });
  // First pass: scores 5,4,3,2 (function of n through constant_score per clause).
  const first = { bool: { should: [5, 4, 3, 2].map((n) => ({ constant_score: { filter: { term: { n } }, boost: n } })) } };
  const rescore = (window: number, mode: string, weights: [number, number] = [1, 1]) => ({
    query: first,
    rescore: { window_size: window, query: { rescore_query: { constant_score: { filter: { term: { tag: 'y' } }, boost: 10 } }, query_weight: weights[0], rescore_query_weight: weights[1], score_mode: mode } },
  });
  const run = async (body: unknown): Promise<[string, number][]> => {
    const response = await search(harness, 'r', body);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.hits.hits.map((hit: any) => [hit._id, hit._score]);
  };
  assert.deepEqual(await run(rescore(10, 'total')), [['b', 14], ['c', 13], ['a', 5], ['d', 2]]);
  assert.deepEqual(await run(rescore(10, 'multiply')), [['b', 40], ['c', 30], ['a', 5], ['d', 2]]);
  assert.deepEqual(await run(rescore(10, 'max', [2, 1])), [['a', 10], ['b', 10], ['c', 10], ['d', 4]]);
  assert.deepEqual(await run(rescore(10, 'min')), [['a', 5], ['b', 4], ['c', 3], ['d', 2]]);
  assert.deepEqual(await run(rescore(10, 'avg')), [['b', 7], ['c', 6.5], ['a', 5], ['d', 2]]);
  // Only the top two are rescored: c stays behind them with its first-pass score.
  assert.deepEqual(await run(rescore(2, 'total')), [['b', 14], ['a', 5], ['c', 3], ['d', 2]]);
  const sorted = await search(harness, 'r', { ...rescore(2, 'total'), sort: [{ n: 'asc' }] });
  assert.equal(sorted.status, 400);
  assert.match(JSON.stringify(sorted.body), /Cannot use \[sort\] option in conjunction with \[rescore\]/);
  const badMode = await search(harness, 'r', rescore(2, 'bogus'));
  assert.equal(badMode.status, 400);
  const tooLarge = await search(harness, 'r', rescore(10_001, 'total'));
  assert.equal(tooLarge.status, 400);
  assert.match(tooLarge.body.error.reason, /Rescore window \[10001\] is too large/);
});

test('collapse: one hit per group with fields, inner_hits per group, errors (110_field_collapsing.yml)', async (t) => {
  const harness = openSearchHarness(t);
  await createIndex(harness, 'test', { mappings: { properties: { numeric_group: { type: 'integer' }, tag: { type: 'keyword' } } } });
  await harness.index('test', {
    1: { numeric_group: 1, tag: 'A', sort: 10 },
    2: { numeric_group: 1, tag: 'B', sort: 6 },
    3: { numeric_group: 1, tag: 'A', sort: 24 },
    4: { numeric_group: 25, tag: 'B', sort: 10 },
    5: { numeric_group: 25, tag: 'A', sort: 5 },
    6: { numeric_group: 3, tag: 'B', sort: 36 },
  });
  const plain = await search(harness, 'test', { collapse: { field: 'numeric_group' }, sort: [{ sort: 'desc' }] });
  assert.equal(plain.status, 200, JSON.stringify(plain.body));
  assert.equal(plain.body.hits.total.value, 6);
  assert.deepEqual(plain.body.hits.hits.map((hit: any) => [hit._id, hit.fields.numeric_group, hit.sort, hit.inner_hits]), [
    ['6', [3], [36], undefined],
    ['3', [1], [24], undefined],
    ['4', [25], [10], undefined],
  ]);
  const from = await search(harness, 'test', { from: 2, collapse: { field: 'numeric_group' }, sort: [{ sort: 'desc' }] });
  assert.deepEqual(from.body.hits.hits.map((hit: any) => hit._id), ['4']);
  const inner = await search(harness, 'test', {
    collapse: {
      field: 'numeric_group',
      max_concurrent_group_searches: 10,
      inner_hits: [
        { name: 'sub_hits_asc', size: 2, sort: [{ sort: 'asc' }], fields: ['tag'], version: true },
        { name: 'sub_hits_desc', size: 1, sort: [{ sort: 'desc' }] },
      ],
    },
    sort: [{ sort: 'desc' }],
  });
  assert.equal(inner.status, 200, JSON.stringify(inner.body));
  const groups = inner.body.hits.hits.map((hit: any) => ({
    id: hit._id,
    ascTotal: hit.inner_hits.sub_hits_asc.hits.total.value,
    asc: hit.inner_hits.sub_hits_asc.hits.hits.map((child: any) => [child._id, child.fields.tag[0], typeof child._version]),
    desc: hit.inner_hits.sub_hits_desc.hits.hits.map((child: any) => child._id),
  }));
  assert.deepEqual(groups, [
    { id: '6', ascTotal: 1, asc: [['6', 'B', 'number']], desc: ['6'] },
    { id: '3', ascTotal: 3, asc: [['2', 'B', 'number'], ['1', 'A', 'number']], desc: ['3'] },
    { id: '4', ascTotal: 2, asc: [['5', 'A', 'number'], ['4', 'B', 'number']], desc: ['4'] },
  ]);
  const empty = await search(harness, 'test', { size: 0, collapse: { field: 'numeric_group', inner_hits: { name: 'sub_hits', size: 1 } }, sort: [{ sort: 'desc' }] });
  assert.equal(empty.body.hits.max_score, null);
  assert.deepEqual(empty.body.hits.hits, []);
  const scroll = await search(harness, 'test', { collapse: { field: 'numeric_group' } }, { scroll: '1s' });
  assert.equal(scroll.status, 400);
  assert.match(JSON.stringify(scroll.body), /cannot use `collapse` in a scroll context/);
  const rescore = await search(harness, 'test', { collapse: { field: 'numeric_group' }, rescore: { window_size: 20, query: { rescore_query: { match_all: {} } } } });
  assert.match(JSON.stringify(rescore.body), /cannot use `collapse` in conjunction with `rescore`/);
  const after = await search(harness, 'test', { collapse: { field: 'numeric_group' }, search_after: [6], sort: [{ sort: 'desc' }] });
  assert.equal(after.status, 400);
  assert.match(JSON.stringify(after.body), /Cannot use \[collapse\] in conjunction with \[search_after\] unless the search is sorted on the same field/);
  const byGroup = await search(harness, 'test', { collapse: { field: 'numeric_group' }, sort: [{ numeric_group: 'desc' }], search_after: [25], size: 2 });
  assert.deepEqual(byGroup.body.hits.hits.map((hit: any) => hit.fields.numeric_group[0]), [3, 1]);
  const text = await harness.call('PUT', '/:index', { params: { index: 'txt' }, body: { mappings: { properties: { body: { type: 'text' } } } } });
  assert.equal(text.status, 200);
  await harness.index('txt', { 1: { body: 'x' } });
  const onText = await search(harness, 'txt', { collapse: { field: 'body' } });
  assert.equal(onText.status, 400);
  // A multi-valued group field is the documents' doing: Elasticsearch's IllegalStateException (500
  // there), a 400 here.
  await harness.index('test', { 7: { numeric_group: [1, 3], tag: 'A', sort: 1 } });
  const multi = await search(harness, 'test', { collapse: { field: 'numeric_group' } });
  assert.equal(multi.status, 400);
  assert.match(JSON.stringify(multi.body), /illegal_state_exception.*the collapse field must be single valued/);
});

test('slice: scroll slices partition the documents by _id hash; point-in-time slices by document ranges; slice needs scroll or pit', async (t) => {
  const harness = openSearchHarness(t);
  const documents: Record<string, unknown> = {};
  for (let i = 0; i < 40; i++) documents[`doc-${i}`] = { n: i };
  await harness.index('s', documents);
  const seen: string[] = [];
  for (let id = 0; id < 3; id++) {
    const response = await search(harness, 's', { slice: { id, max: 3 }, size: 100 }, { scroll: '1m' });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const ids = response.body.hits.hits.map((hit: any) => hit._id as string);
    assert.equal(response.body.hits.total.value, ids.length);
    // Each id lands in the slice its murmur3 hash (seed 7919) names.
    for (const docId of ids) assert.equal((((murmur3(new TextEncoder().encode(docId), 7919) % 3) + 3) % 3), id);
    seen.push(...ids);
  }
  assert.equal(seen.length, 40);
  assert.equal(new Set(seen).size, 40);
  const pit = harness.search.openPointInTime({ expression: 's', params: { keep_alive: '1m' }, body: undefined }, allowAll);
  const ranges: number[] = [];
  const pitSeen = new Set<string>();
  for (let id = 0; id < 3; id++) {
    const response = await search(harness, undefined, { pit: { id: pit['id'] }, slice: { id, max: 3 }, size: 100 });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    ranges.push(response.body.hits.total.value);
    for (const hit of response.body.hits.hits) pitSeen.add(hit._id);
  }
  // 40 documents in 3 contiguous ranges: the first 40 % 3 = 1 slice holds one more (DocIdSliceQuery).
  assert.deepEqual(ranges, [14, 13, 13]);
  assert.equal(pitSeen.size, 40);
  const plain = await search(harness, 's', { slice: { id: 0, max: 2 } });
  assert.equal(plain.status, 400);
  assert.match(JSON.stringify(plain.body), /\[slice\] can only be used with \[scroll\] or \[point-in-time\] requests/);
  const bad = await search(harness, 's', { slice: { id: 2, max: 2 } }, { scroll: '1m' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.reason, 'max must be greater than id');
});

test('murmur3_x86_32 matches the reference vectors', () => {
  // Published test vectors of MurmurHash3_x86_32 (seed 0): "" → 0, "hello" → 0x248bfa47, "hello, world" → 0x149bbb7f.
  assert.equal(murmur3(new TextEncoder().encode(''), 0), 0);
  assert.equal(murmur3(new TextEncoder().encode('hello'), 0) >>> 0, 0x248bfa47);
  assert.equal(murmur3(new TextEncoder().encode('hello, world'), 0) >>> 0, 0x149bbb7f);
});

test('profile: true reports each shard\'s planned weight tree, timed, in the profile shape (search-profile.html)', async (t) => {
  const harness = openSearchHarness(t);
  await harness.index('p1', { 1: { title: 'quick fox' }, 2: { title: 'lazy dog' } });
  await harness.index('p2', { 1: { title: 'quick dog' } });
  const response = await search(harness, 'p1,p2', { profile: true, query: { bool: { must: [{ match: { title: 'quick' } }], filter: [{ match: { title: 'fox' } }] } } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  const shards = response.body.profile.shards;
  assert.deepEqual(shards.map((shard: any) => [shard.id, shard.index, shard.shard_id]), [['[node-test][p1][0]', 'p1', 0], ['[node-test][p2][0]', 'p2', 0]]);
  const root = shards[0].searches[0].query[0];
  assert.equal(root.type, 'BoolWeight');
  assert.equal(root.description, 'bool must=1 should=0 filter=1 must_not=0');
  assert.deepEqual(root.children.map((child: any) => child.type), ['TermWeight', 'TermWeight']);
  assert.match(root.children[0].description, /^term title:quick df=1 /);
  // p1: the bool matches doc 1 only (one score call); the scorer steps to it and to the end.
  assert.equal(root.breakdown.score_count, 1);
  assert.equal(root.breakdown.next_doc_count, 2);
  assert.equal(root.breakdown.create_weight_count, 1);
  assert.equal(root.time_in_nanos, Object.entries(root.breakdown).filter(([key]) => !key.endsWith('_count')).reduce((sum, [, value]) => sum + (value as number), 0));
  assert.equal(response.body.hits.total.value, 1);
  const bad = await search(harness, 'p1', { profile: 'yes' });
  assert.equal(bad.status, 400);
  const scroll = await search(harness, 'p1', { profile: true }, { scroll: '1m' });
  assert.equal(scroll.status, 400);
});

test('across clusters: collapse, suggest and profile are refused with 400 (their results are not merged across clusters yet); rescore and indices_boost run', async (t) => {
  const local = openSearchHarness(t);
  const remote = openSearchHarness(t);
  await local.index('books', { 1: { title: 'local', n: 1 } });
  await remote.index('books', { 2: { title: 'remote', n: 2 } });
  const remotes: RemoteClusters = {
    aliases: () => ['eu'],
    skipUnavailable: () => false,
    search: async (alias, input) => remote.search.searchAsRemoteCancellable(input, allowAll, alias),
    fieldCaps: async () => [],
  };
  const run = (body: unknown) => searchAcrossClusters(local.search, { expression: 'books,eu:books', params: {}, body }, planClusters('books,eu:books', remotes)!, allowAll, remotes, undefined);
  for (const body of [{ collapse: { field: 'n' } }, { suggest: { s: { text: 'x', term: { field: 'title' } } } }, { profile: true }]) {
    await assert.rejects(run(body), (error: { status: number; message: string }) => error.status === 400 && /not supported by Strait for searches that target remote clusters/.test(error.message));
  }
  const rescored = (await run({ rescore: { window_size: 5, query: { rescore_query: { match: { title: 'remote' } }, query_weight: 0 } } })) as { hits: { hits: { _id: string }[] } };
  assert.equal(rescored.hits.hits[0]!._id, '2');
});

// A point in time opened through a filtered alias keeps the alias's filter: every search through it
// sees only what the alias shows (Elasticsearch keeps alias filters in the point in time id). It
// was dropped: a search through the point in time read the whole index.
test('a point in time opened through a filtered alias applies the alias filter to every search through it', async (t) => {
  const harness = openSearchHarness(t);
  const documents: Record<string, unknown> = {};
  for (let i = 0; i < 10; i++) documents[`doc-${i}`] = { n: i, shelf: i % 2 === 0 ? 'even' : 'odd' };
  await harness.index('numbers', documents);
  const aliased = await harness.call('PUT', '/:index/_alias/:name', { params: { index: 'numbers', name: 'evens' }, body: { filter: { term: { shelf: 'even' } } } });
  assert.equal(aliased.status, 200, JSON.stringify(aliased.body));
  const pit = harness.search.openPointInTime({ expression: 'evens', params: { keep_alive: '1m' }, body: undefined }, allowAll);
  const response = await search(harness, undefined, { pit: { id: pit['id'] }, size: 100, sort: [{ n: 'asc' }] });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.equal(response.body.hits.total.value, 5);
  assert.deepEqual(response.body.hits.hits.map((hit: any) => hit._id), ['doc-0', 'doc-2', 'doc-4', 'doc-6', 'doc-8']);
  // Through the index itself: no filter.
  const whole = harness.search.openPointInTime({ expression: 'numbers', params: { keep_alive: '1m' }, body: undefined }, allowAll);
  assert.equal((await search(harness, undefined, { pit: { id: whole['id'] }, size: 0 })).body.hits.total.value, 10);
});

// Elasticsearch adds `_shard_doc` as the last sort key of a sorted search through a point in time
// (SearchRequest#rewrite; paginate-search-results.html: "All PIT search requests add an implicit
// sort tiebreaker field called _shard_doc"). Without it, search_after over tied sort values skipped
// every document sharing the last page's value.
test('a sorted point in time search gets the implicit _shard_doc tiebreaker: search_after pages every document once over tied values', async (t) => {
  const harness = openSearchHarness(t);
  const documents: Record<string, unknown> = {};
  for (let i = 0; i < 12; i++) documents[`doc-${i}`] = { bucket: i % 3 };
  await harness.index('ties', documents);
  const pit = harness.search.openPointInTime({ expression: 'ties', params: { keep_alive: '1m' }, body: undefined }, allowAll);
  const seen: string[] = [];
  let after: unknown[] | undefined;
  for (let page = 0; page < 20; page++) {
    const response = await search(harness, undefined, { pit: { id: pit['id'] }, size: 5, sort: [{ bucket: 'asc' }], ...(after === undefined ? {} : { search_after: after }) });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const hits = response.body.hits.hits as { _id: string; sort: unknown[] }[];
    if (hits.length === 0) break;
    for (const hit of hits) assert.equal(hit.sort.length, 2, 'the bucket and the tiebreaker');
    seen.push(...hits.map((hit) => hit._id));
    after = hits[hits.length - 1]!.sort;
  }
  assert.equal(seen.length, 12);
  assert.equal(new Set(seen).size, 12);
  // A search_after with one value per explicit sort goes without the tiebreaker (as Elasticsearch).
  const short = await search(harness, undefined, { pit: { id: pit['id'] }, size: 20, sort: [{ bucket: 'asc' }], search_after: [0] });
  assert.equal(short.status, 200, JSON.stringify(short.body));
  assert.equal(short.body.hits.hits.length, 8);
  assert.equal(short.body.hits.hits[0].sort.length, 1);
  // Unsorted (by score): nothing is added; an explicit `_shard_doc` is not doubled.
  const unsorted = await search(harness, undefined, { pit: { id: pit['id'] }, size: 1 });
  assert.equal(unsorted.body.hits.hits[0].sort, undefined);
  const explicit = await search(harness, undefined, { pit: { id: pit['id'] }, size: 1, sort: [{ bucket: 'asc' }, { _shard_doc: 'desc' }] });
  assert.equal(explicit.body.hits.hits[0].sort.length, 2);
});
