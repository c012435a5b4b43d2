// regexp, match_bool_prefix, combined_fields and intervals through the real search path, with the
// documents and expectations of Elasticsearch's rest-api-spec tests search/310_match_bool_prefix,
// search/360_combined_fields and search/230_interval_query, and the query DSL pages:
// https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-regexp-query.html
// https://www.elastic.co/guide/en/elasticsearch/reference/current/query-dsl-intervals-query.html
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSearchHarness, type SearchHarness } from '../search-api/harness.js';

async function search(harness: SearchHarness, index: string, body: unknown): Promise<{ status: number; body: any }> {
  return harness.call('POST', '/:index/_search', { params: { index }, body });
}

async function ids(harness: SearchHarness, index: string, query: unknown): Promise<string[]> {
  const response = await search(harness, index, { query, size: 100 });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.hits.hits.map((hit: { _id: string }) => hit._id);
}

test('regexp: Lucene syntax, flags, case_insensitive, keyword and text fields, errors', async (t) => {
  const harness = openSearchHarness(t);
  await harness.call('PUT', '/:index', { params: { index: 'r' }, body: { mappings: { properties: { tag: { type: 'keyword' }, body: { type: 'text' }, n: { type: 'long' } } } } });
  await harness.index('r', {
    1: { tag: 'abc-123', body: 'Quick brown fox' },
    2: { tag: 'abd-7', body: 'lazy dog' },
    3: { tag: 'xyz', body: 'quicker foxes' },
    4: { tag: 'ABC-9' },
  });
  assert.deepEqual((await ids(harness, 'r', { regexp: { tag: 'ab[cd]-.*' } })).sort(), ['1', '2']);
  assert.deepEqual((await ids(harness, 'r', { regexp: { tag: { value: 'ab<1-200>' , flags: 'NONE' } } })), []);
  // <n-m> is a numeric interval with INTERVAL (part of ALL, the default).
  assert.deepEqual((await ids(harness, 'r', { regexp: { tag: 'abc-<100-200>' } })), ['1']);
  // Complement is on by default (RegexpFlag.ALL includes COMPLEMENT); `&` intersects.
  assert.deepEqual((await ids(harness, 'r', { regexp: { tag: 'ab.*&~(abc.*)' } })), ['2']);
  assert.deepEqual((await ids(harness, 'r', { regexp: { tag: { value: 'abc.*', case_insensitive: true } } })).sort(), ['1', '4']);
  // Text fields match analyzed terms, whole term only.
  assert.deepEqual((await ids(harness, 'r', { regexp: { body: 'quick.*' } })).sort(), ['1', '3']);
  assert.deepEqual(await ids(harness, 'r', { regexp: { body: 'uick' } }), []);
  const scored = await search(harness, 'r', { query: { regexp: { tag: { value: 'x.z', boost: 2 } } } });
  assert.equal(scored.body.hits.hits[0]._score, 2); // constant score: the boost
  const unknownFlag = await search(harness, 'r', { query: { regexp: { tag: { value: 'a', flags: 'BOGUS' } } } });
  assert.equal(unknownFlag.status, 400);
  assert.equal(unknownFlag.body.error.root_cause[0].reason, 'Unknown regexp flag [BOGUS]');
  const bad = await search(harness, 'r', { query: { regexp: { tag: 'ab[' } } });
  assert.equal(bad.status, 400);
  const numeric = await search(harness, 'r', { query: { regexp: { n: '1.*' } } });
  assert.equal(numeric.status, 400);
  assert.match(JSON.stringify(numeric.body), /Can only use regexp queries on keyword and text fields - not on \[n\] which is of type \[long\]/);
  const long = await search(harness, 'r', { query: { regexp: { tag: 'a'.repeat(1001) } } });
  assert.equal(long.status, 400);
  assert.match(long.body.error.root_cause[0].reason, /The length of regex \[1001\] used in the Regexp Query request has exceeded the allowed maximum of \[1000\]/);
});

test('match_bool_prefix: 310_match_bool_prefix.yml', async (t) => {
  const harness = openSearchHarness(t);
  await harness.call('PUT', '/:index', { params: { index: 'test' }, body: { mappings: { properties: { my_field1: { type: 'text' }, my_field2: { type: 'text' } } } } });
  await harness.index('test', {
    1: { my_field1: 'brown fox jump', my_field2: 'xylophone' },
    2: { my_field1: 'brown emu jump', my_field2: 'xylophone' },
    3: { my_field1: 'jumparound', my_field2: 'emu' },
    4: { my_field1: 'dog', my_field2: 'brown fox jump lazy' },
  });
  assert.deepEqual(await ids(harness, 'test', { match_bool_prefix: { my_field1: 'brown fox jump' } }), ['1', '2', '3']);
  assert.deepEqual(await ids(harness, 'test', { match_bool_prefix: { my_field1: 'brown fox ju' } }), ['1', '2', '3']);
  assert.deepEqual(await ids(harness, 'test', { match_bool_prefix: { my_field1: { query: 'brown fox jump', minimum_should_match: 3 } } }), ['1']);
  assert.deepEqual(await ids(harness, 'test', { match_bool_prefix: { my_field1: { query: 'BROWN dog', analyzer: 'whitespace' } } }), ['4']);
  assert.deepEqual(await ids(harness, 'test', { match_bool_prefix: { my_field1: { query: 'brown fox jump', operator: 'AND' } } }), ['1']);
  const fuzzy = await ids(harness, 'test', {
    match_bool_prefix: { my_field2: { query: 'xylophoen foo', fuzziness: 1, prefix_length: 1, max_expansions: 10, fuzzy_transpositions: true, fuzzy_rewrite: 'constant_score' } },
  });
  assert.deepEqual(fuzzy.sort(), ['1', '2']);
});

test('combined_fields: 360_combined_fields.yml, and BM25F scores', async (t) => {
  const harness = openSearchHarness(t);
  await harness.call('PUT', '/:index', { params: { index: 'test' }, body: { mappings: { properties: { title: { type: 'text' }, abstract: { type: 'text' }, body: { type: 'text' }, tag: { type: 'keyword' } } } } });
  await harness.index('test', {
    1: {
      title: 'Time, Clocks and the Ordering of Events in a Distributed System',
      abstract: 'The concept of one event happening before another...',
      body: 'The concept of time is fundamental to our way of thinking...',
    },
  });
  const response = await search(harness, 'test', { query: { combined_fields: { query: 'time event', fields: ['abstract', 'body'], operator: 'and' } } });
  assert.equal(response.body.hits.total.value, 1);
  assert.equal(response.body.hits.hits[0]._id, '1');
  const keyword = await search(harness, 'test', { query: { combined_fields: { query: 'x', fields: ['tag'] } } });
  assert.equal(keyword.status, 400);
  const lowBoost = await search(harness, 'test', { query: { combined_fields: { query: 'x', fields: ['title^0.5'] } } });
  assert.equal(lowBoost.status, 400);
});

test('combined_fields: one field with weight 1 scores as match on that field (BM25F reduces to BM25)', async (t) => {
  const harness = openSearchHarness(t);
  await harness.call('PUT', '/:index', { params: { index: 's' }, body: { mappings: { properties: { a: { type: 'text' }, b: { type: 'text' } } } } });
  await harness.index('s', { 1: { a: 'red fox', b: 'red red' }, 2: { a: 'blue fox jumps high', b: 'x' }, 3: { a: 'green', b: 'red' } });
  const combined = await search(harness, 's', { query: { combined_fields: { query: 'fox', fields: ['a'] } } });
  const match = await search(harness, 's', { query: { match: { a: 'fox' } } });
  assert.deepEqual(
    combined.body.hits.hits.map((hit: any) => [hit._id, hit._score]),
    match.body.hits.hits.map((hit: any) => [hit._id, hit._score]),
  );
  // Over a and b, "red" occurs 3 times in doc 1 (tf summed over fields): it ranks first.
  assert.deepEqual(await ids(harness, 's', { combined_fields: { query: 'red', fields: ['a', 'b'] } }), ['1', '3']);
});

test('intervals: 230_interval_query.yml', async (t) => {
  const harness = openSearchHarness(t);
  await harness.call('PUT', '/:index', { params: { index: 'test' }, body: { mappings: { properties: { text: { type: 'text', analyzer: 'standard' } } } } });
  await harness.index('test', {
    1: { text: 'Some like it hot, some like it cold' },
    2: { text: 'Its cold outside, theres no kind of atmosphere' },
    3: { text: 'Baby its cold there outside' },
    4: { text: 'Outside it is cold and wet' },
    5: { text: 'the big bad wolf' },
    6: { text: 'the big wolf' },
  });
  const total = async (rule: unknown): Promise<number> => {
    const response = await search(harness, 'test', { query: { intervals: { text: rule } } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.hits.total.value;
  };
  const coldOutside = [{ match: { query: 'cold' } }, { match: { query: 'outside' } }];
  assert.equal(await total({ match: { query: 'cold outside', ordered: true } }), 2);
  assert.equal(await total({ match: { query: 'cold outside' } }), 3);
  assert.equal(await total({ match: { query: 'cold outside', ordered: false } }), 3);
  assert.equal(await total({ match: { query: 'cold outside', ordered: true, max_gaps: 0 } }), 1);
  assert.equal(await total({ match: { query: 'cold outside', max_gaps: 1 } }), 2);
  assert.equal(await total({ all_of: { intervals: [{ any_of: { intervals: coldOutside } }, { match: { query: 'atmosphere' } }], ordered: true } }), 1);
  assert.equal(await total({ all_of: { intervals: coldOutside, max_gaps: 0, ordered: true } }), 1);
  assert.equal(await total({ all_of: { intervals: coldOutside, ordered: true } }), 2);
  assert.equal(await total({ all_of: { intervals: coldOutside, max_gaps: 1, ordered: false } }), 2);
  assert.equal(await total({ all_of: { intervals: coldOutside, ordered: false, filter: { containing: { match: { query: 'is' } } } } }), 1);
  assert.equal(await total({ all_of: { intervals: coldOutside, ordered: false, filter: { not_containing: { match: { query: 'is' } } } } }), 2);
  assert.equal(await total({ match: { query: 'is', filter: { contained_by: { all_of: { intervals: coldOutside, ordered: false } } } } }), 1);
  assert.equal(await total({ match: { query: 'it', filter: { not_contained_by: { all_of: { intervals: coldOutside } } } } }), 1);
  assert.equal(
    await total({ all_of: { intervals: coldOutside, ordered: true, filter: { not_overlapping: { all_of: { intervals: [{ match: { query: 'baby' } }, { match: { query: 'there' } }], ordered: false } } } } }),
    1,
  );
  const overlapping = await search(harness, 'test', { query: { intervals: { text: { match: { query: 'cold outside', ordered: true, filter: { overlapping: { match: { query: 'baby there', ordered: false } } } } } } } });
  assert.deepEqual(overlapping.body.hits.hits.map((hit: any) => hit._id), ['3']);
  assert.equal(await total({ match: { query: 'cold', filter: { before: { match: { query: 'outside' } } } } }), 2);
  const after = await search(harness, 'test', { query: { intervals: { text: { match: { query: 'cold', filter: { after: { match: { query: 'outside' } } } } } } } });
  assert.deepEqual(after.body.hits.hits.map((hit: any) => hit._id), ['4']);
  assert.equal(await total({ all_of: { intervals: [{ match: { query: 'cold' } }, { prefix: { prefix: 'out' } }] } }), 3);
  assert.equal(await total({ all_of: { intervals: [{ match: { query: 'cold' } }, { wildcard: { pattern: 'out?ide' } }] } }), 3);
  assert.equal(await total({ all_of: { intervals: [{ fuzzy: { term: 'cald' } }, { prefix: { prefix: 'out' } }] } }), 3);
  assert.equal(await total({ all_of: { intervals: [{ match: { query: 'cold' } }, { regexp: { pattern: 'ou.*ide' } }] } }), 3);
  assert.equal(await total({ all_of: { intervals: [{ match: { query: 'cold' } }, { range: { gte: 'out', lte: 'ouu' } }] } }), 3);
  // Test rewrite disjunctions: "the big wolf" (a tighter interval) scores above "the big bad wolf".
  const disjunctions = await search(harness, 'test', {
    query: {
      intervals: {
        text: {
          all_of: {
            intervals: [{ match: { query: 'the' } }, { any_of: { intervals: [{ match: { query: 'big' } }, { match: { query: 'big bad' } }] } }, { match: { query: 'wolf' } }],
            max_gaps: 0,
            ordered: true,
          },
        },
      },
    },
  });
  assert.deepEqual(disjunctions.body.hits.hits.map((hit: any) => hit._id), ['6', '5']);
  // Lucene's saturation score: doc 6 has one interval of width 3 = minExtent 3: freq 1, score 1/(1+1).
  assert.equal(disjunctions.body.hits.hits[0]._score, 0.5);
  const unknown = await search(harness, 'test', { query: { intervals: { text: { bogus: {} } } } });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.type, 'parsing_exception');
});

test('multi_match type bool_prefix: match_bool_prefix per field, scored as most_fields (310_match_bool_prefix.yml)', async (t) => {
  const harness = openSearchHarness(t);
  await harness.call('PUT', '/:index', { params: { index: 'test' }, body: { mappings: { properties: { my_field1: { type: 'text' }, my_field2: { type: 'text' } } } } });
  await harness.index('test', {
    1: { my_field1: 'brown fox jump', my_field2: 'xylophone' },
    2: { my_field1: 'brown emu jump', my_field2: 'xylophone' },
    3: { my_field1: 'jumparound', my_field2: 'emu' },
    4: { my_field1: 'dog', my_field2: 'brown fox jump lazy' },
  });
  const multi = (extra: Record<string, unknown>) => ({ multi_match: { type: 'bool_prefix', fields: ['my_field1', 'my_field2'], ...extra } });
  assert.deepEqual(await ids(harness, 'test', { multi_match: { query: 'brown fox ju', type: 'bool_prefix', fields: ['my_field1'] } }), ['1', '2', '3']);
  assert.deepEqual(await ids(harness, 'test', multi({ query: 'brown fox jump lazy' })), ['4', '1', '2']);
  assert.deepEqual(await ids(harness, 'test', multi({ query: 'brown fox jump laz' })), ['4', '1', '2']);
  assert.deepEqual(await ids(harness, 'test', multi({ query: 'BROWN FOX JUMP dog', analyzer: 'whitespace' })), ['4']);
  assert.deepEqual(await ids(harness, 'test', multi({ query: 'brown fox jump la', minimum_should_match: 4 })), ['4']);
  assert.deepEqual(await ids(harness, 'test', multi({ query: 'dob nomatch', fuzziness: 1 })), ['4']);
  assert.equal((await ids(harness, 'test', { multi_match: { query: 'brown emu', type: 'bool_prefix', fields: ['my_field1', 'my_field2^10'], fuzziness: 1 } }))[0], '3');
  const slop = await search(harness, 'test', { query: multi({ query: 'brown', slop: 1 }) });
  assert.equal(slop.status, 400);
  assert.match(slop.body.error.root_cause[0].reason, /\[slop\] not allowed for type \[bool_prefix\]/);
});
