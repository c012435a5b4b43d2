// Search features of issue 15 that Elasticsearch's own REST tests exercise, through one real node
// and the official client: the regexp, match_bool_prefix, combined_fields and intervals queries
// (rest-api-spec search/310_match_bool_prefix, 360_combined_fields, 230_interval_query), named
// queries (410_named_queries), indices_boost (40_indices_boost), rescore, collapse with inner_hits
// (110_field_collapsing) and sliced scrolls (paginate-search-results.html#slice-scroll).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;
let admin: Client;

interface ErrorBody {
  error: { type: string; reason: string; root_cause: { type: string; reason: string }[] };
  status: number;
}

async function failure(promise: Promise<unknown>): Promise<{ statusCode: number; body: ErrorBody }> {
  try {
    await promise;
  } catch (error) {
    const meta = (error as { meta?: { statusCode: number; body: ErrorBody } }).meta;
    if (meta !== undefined) return meta;
    throw error;
  }
  throw new Error('expected the request to fail');
}

before(async () => {
  node = await startNode();
  admin = node.client();
  await admin.indices.create({ index: 'intervals', mappings: { properties: { text: { type: 'text', analyzer: 'standard' } } } });
  await admin.bulk({
    refresh: true,
    operations: [
      'Some like it hot, some like it cold',
      'Its cold outside, theres no kind of atmosphere',
      'Baby its cold there outside',
      'Outside it is cold and wet',
      'the big bad wolf',
      'the big wolf',
    ].flatMap((text, index) => [{ index: { _index: 'intervals', _id: String(index + 1) } }, { text }]),
  });
  await admin.indices.create({ index: 'groups', mappings: { properties: { numeric_group: { type: 'integer' }, tag: { type: 'keyword' }, title: { type: 'text' }, body: { type: 'text' } } } });
  await admin.bulk({
    refresh: true,
    operations: [
      { numeric_group: 1, tag: 'abc-1', sort: 10, title: 'brown fox jump', body: 'quick' },
      { numeric_group: 1, tag: 'abd-2', sort: 6, title: 'brown emu jump', body: 'lazy dog' },
      { numeric_group: 1, tag: 'xyz', sort: 24, title: 'jumparound', body: 'brown fox' },
      { numeric_group: 25, tag: 'B', sort: 10, title: 'dog', body: 'brown fox jump lazy' },
      { numeric_group: 25, tag: 'A', sort: 5, title: 'cat', body: 'sleeps' },
      { numeric_group: 3, tag: 'B', sort: 36, title: 'owl', body: 'hoots' },
    ].flatMap((source, index) => [{ index: { _index: 'groups', _id: String(index + 1) } }, source]),
  });
});

after(async () => {
  await node?.destroy();
});

test('text queries: regexp, match_bool_prefix, combined_fields, intervals', async () => {
  const ids = async (query: Record<string, unknown>, index = 'groups'): Promise<string[]> =>
    (await admin.search({ index, query, size: 20 })).hits.hits.map((hit) => hit._id!);
  assert.deepEqual((await ids({ regexp: { tag: 'ab[cd]-.*' } })).sort(), ['1', '2']);
  assert.deepEqual(await ids({ regexp: { tag: { value: 'ABC.*', case_insensitive: true } } }), ['1']);
  assert.deepEqual(await ids({ match_bool_prefix: { title: 'brown fox ju' } }), ['1', '2', '3']);
  // Each of 1, 3 and 4 holds "brown" and "fox" once over title + body; the combined lengths are
  // 4, 3 and 5 tokens, so BM25F ranks the shortest first.
  assert.deepEqual(await ids({ combined_fields: { query: 'brown fox', fields: ['title', 'body'], operator: 'and' } }), ['3', '1', '4']);
  const total = async (rule: Record<string, unknown>): Promise<number> => {
    const response = await admin.search({ index: 'intervals', query: { intervals: { text: rule } } });
    return (response.hits.total as { value: number }).value;
  };
  assert.equal(await total({ match: { query: 'cold outside', ordered: true } }), 2);
  assert.equal(await total({ match: { query: 'cold outside', max_gaps: 1 } }), 2);
  assert.equal(await total({ all_of: { intervals: [{ match: { query: 'cold' } }, { prefix: { prefix: 'out' } }] } }), 3);
  const bad = await failure(admin.search({ index: 'groups', query: { regexp: { sort: '1.*' } } }));
  assert.equal(bad.statusCode, 400);
});

test('named queries, indices_boost and rescore', async () => {
  const named = await admin.search({
    index: 'groups',
    query: { bool: { should: [{ term: { tag: { value: 'B', _name: 'is_b' } } }, { match: { title: { query: 'dog', _name: 'dog' } } }] } },
  });
  const matched = Object.fromEntries(named.hits.hits.map((hit) => [hit._id, hit.matched_queries]));
  assert.deepEqual(matched, { '4': ['dog', 'is_b'], '6': ['is_b'] });
  await admin.indices.create({ index: 'boost_a' });
  await admin.indices.create({ index: 'boost_b' });
  await admin.index({ index: 'boost_a', id: '1', document: { foo: 'bar' }, refresh: true });
  await admin.index({ index: 'boost_b', id: '1', document: { foo: 'bar' }, refresh: true });
  const boosted = await admin.search({ index: 'boost_*', indices_boost: [{ boost_b: 3 }] });
  assert.deepEqual(boosted.hits.hits.map((hit) => [hit._index, hit._score]), [['boost_b', 3], ['boost_a', 1]]);
  const rescored = await admin.search({
    index: 'groups',
    query: { match: { body: 'brown' } },
    rescore: { window_size: 10, query: { rescore_query: { term: { tag: 'xyz' } }, query_weight: 0, rescore_query_weight: 1 } },
  });
  assert.equal(rescored.hits.hits[0]!._id, '3');
});

test('collapse with inner_hits, and sliced scrolls', async () => {
  const collapsed = await admin.search({
    index: 'groups',
    collapse: { field: 'numeric_group', inner_hits: { name: 'sub_hits', size: 2, sort: [{ sort: 'asc' }] } },
    sort: [{ sort: 'desc' }],
  });
  assert.deepEqual(
    collapsed.hits.hits.map((hit) => [hit._id, hit.fields!['numeric_group'], (hit.inner_hits!['sub_hits']!.hits.hits).map((child) => child._id)]),
    [
      ['6', [3], ['6']],
      ['3', [1], ['2', '1']],
      ['4', [25], ['5', '4']],
    ],
  );
  const seen = new Set<string>();
  for (let id = 0; id < 2; id++) {
    let page = await admin.search({ index: 'groups', scroll: '1m', size: 2, slice: { id: String(id), max: 2 } });
    while (page.hits.hits.length > 0) {
      for (const hit of page.hits.hits) seen.add(hit._id!);
      page = await admin.scroll({ scroll_id: page._scroll_id!, scroll: '1m' });
    }
    await admin.clearScroll({ scroll_id: page._scroll_id! });
  }
  assert.equal(seen.size, 6);
  const noScroll = await failure(admin.search({ index: 'groups', slice: { id: '0', max: 2 } }));
  assert.equal(noScroll.statusCode, 400);
  assert.equal(noScroll.body.error.type, 'action_request_validation_exception');
});

test('term suggester, and the same suggestion through document and field level security', async () => {
  await admin.indices.create({ index: 'spell', mappings: { properties: { body: { type: 'text' }, secret: { type: 'text' }, level: { type: 'keyword' } } } });
  await admin.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'spell', _id: '1' } },
      { body: 'Amsterdam meetup', secret: 'classified', level: 'open' },
      { index: { _index: 'spell', _id: '2' } },
      { body: 'Amsterdam meeting', secret: 'classifier', level: 'closed' },
    ],
  });
  const response = await admin.search({ index: 'spell', size: 0, suggest: { text: 'The Amsterdma meetpu', s: { term: { field: 'body' } } } });
  const entries = response.suggest!['s'] as { text: string; options: { text: string; freq: number }[] }[];
  assert.deepEqual(entries.map((entry) => [entry.text, entry.options.map((option) => [option.text, option.freq])]), [
    ['the', []],
    ['amsterdma', [['amsterdam', 2]]],
    ['meetpu', [['meetup', 1]]],
  ]);
  await admin.security.putRole({
    name: 'spell_open',
    indices: [{ names: ['spell'], privileges: ['read'], query: { term: { level: 'open' } }, field_security: { grant: ['body', 'level'] } }],
  });
  await admin.security.putUser({ username: 'speller', password: 'speller-password', roles: ['spell_open'] });
  const speller = node.client({ username: 'speller', password: 'speller-password' });
  const restricted = await speller.search({
    index: 'spell',
    size: 0,
    suggest: { body: { text: 'amsterdma meetinh', term: { field: 'body', prefix_length: 0 } }, secret: { text: 'classifid', term: { field: 'secret', prefix_length: 0 } } },
  });
  const body = restricted.suggest!['body'] as { options: { text: string; freq: number }[] }[];
  // Document 2 is hidden: "meeting" is no candidate and "amsterdam" counts one document.
  assert.deepEqual(body.map((entry) => entry.options.map((option) => [option.text, option.freq])), [[['amsterdam', 1]], []]);
  const secret = restricted.suggest!['secret'] as { options: unknown[] }[];
  assert.deepEqual(secret[0]!.options, []);
  // An unmapped field is a 400 (SuggestionBuilder#populateCommonFields), checked before the analyzer;
  // a caller whose field level security hides the name gets nothing instead, mapped or not.
  for (const kind of ['term', 'phrase']) {
    for (const analyzer of [{}, { analyzer: 'nope' }]) {
      const refused = await failure(admin.search({ index: 'spell', size: 0, suggest: { s: { text: 'classifid', [kind]: { field: 'nonexistent', ...analyzer } } } }));
      assert.equal(refused.statusCode, 400, kind);
      assert.deepEqual({ type: refused.body.error.type, reason: refused.body.error.reason }, { type: 'illegal_argument_exception', reason: 'no mapping found for field [nonexistent]' }, kind);
    }
    const hidden = await speller.search({ index: 'spell', size: 0, suggest: { a: { text: 'classifid', [kind]: { field: 'nonexistent' } }, b: { text: 'classifid', [kind]: { field: 'secret' } } } });
    for (const name of ['a', 'b']) assert.ok((hidden.suggest![name] as { options: unknown[] }[]).every((entry) => entry.options.length === 0), `${kind} ${name}`);
  }
  // suggest/40_typed_keys.yml: each suggestion keyed by its type with typed_keys.
  const typed = await admin.search({
    index: 'spell',
    size: 0,
    typed_keys: true,
    suggest: { text: 'amsterdma meetup', term_suggester: { term: { field: 'body' } }, phrase_suggester: { phrase: { field: 'body' } } },
  });
  assert.deepEqual(Object.keys(typed.suggest!).sort(), ['phrase#phrase_suggester', 'term#term_suggester']);
  const phrase = typed.suggest!['phrase#phrase_suggester'] as { options: { text: string }[] }[];
  assert.deepEqual(phrase[0]!.options.map((option) => option.text), ['amsterdam meetup']);
});

test('_ignored with ignore_malformed, profile, field_caps meta and index_filter, stored_fields', async () => {
  await admin.indices.create({
    index: 'malformed',
    settings: { 'index.mapping.ignore_malformed': true },
    mappings: { properties: { my_date: { type: 'date' }, my_ip: { type: 'ip', ignore_malformed: true }, latency: { type: 'long', meta: { unit: 'ms' } }, title: { type: 'text', store: true } } },
  });
  await admin.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'malformed', _id: '1' } },
      { my_date: '2018-05-11', my_ip: ':::1', title: 'one' },
      { index: { _index: 'malformed', _id: '2' } },
      { my_date: 'bar', my_ip: '192.168.1.42', title: 'two' },
    ],
  });
  const ignored = await admin.search({ index: 'malformed', query: { exists: { field: '_ignored' } }, sort: ['_doc'] });
  assert.deepEqual(ignored.hits.hits.map((hit) => [hit._id, hit._ignored]), [['1', ['my_ip']], ['2', ['my_date']]]);
  const profiled = await admin.search({ index: 'malformed', profile: true, query: { term: { _ignored: 'my_date' } } });
  assert.equal(profiled.profile!.shards[0]!.searches[0]!.query[0]!.type, 'TermWeight');
  const caps = await admin.fieldCaps({ index: 'malformed,groups', fields: ['latency', 'numeric_group'], index_filter: { range: { my_date: { gte: '2018-01-01' } } } });
  assert.deepEqual(caps.indices, ['malformed']);
  assert.deepEqual(caps.fields['latency']!['long']!.meta, { unit: ['ms'] });
  const stored = await admin.search({ index: 'malformed', stored_fields: ['title'], sort: ['_doc'] });
  assert.deepEqual(stored.hits.hits.map((hit) => [hit._id, hit.fields, hit._source]), [['1', { title: ['one'] }, undefined], ['2', { title: ['two'] }, undefined]]);
});
