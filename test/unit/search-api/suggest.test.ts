// The term suggester: rest-api-spec suggest/10_basic.yml and suggest/40_typed_keys.yml, the
// search-suggesters page (term suggester options), and document and field level security: a
// suggestion never names a term that only hidden documents or fields hold.
// https://www.elastic.co/guide/en/elasticsearch/reference/current/search-suggesters.html#term-suggester
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSearchHarness, type SearchHarness } from './harness.js';

async function search(harness: SearchHarness, index: string, body: unknown, query: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return harness.call('POST', '/:index/_search', { params: { index }, body, query });
}

test('term suggester: per token entries with offsets, options scored 1 - edits / min length (suggest/10_basic.yml)', async (t) => {
  const harness = openSearchHarness(t);
  await harness.index('test', { testing_document: { body: 'Amsterdam meetup' } });
  const response = await search(harness, 'test', { suggest: { test_suggestion: { text: 'The Amsterdma meetpu', term: { field: 'body' } } } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.deepEqual(response.body.suggest, {
    test_suggestion: [
      // "the" is shorter than min_word_length (4): no candidates.
      { text: 'the', offset: 0, length: 3, options: [] },
      // One transposition in 9 letters: 1 - 1/9 as a float.
      { text: 'amsterdma', offset: 4, length: 9, options: [{ text: 'amsterdam', score: Math.fround(1 - 1 / 9), freq: 1 }] },
      { text: 'meetpu', offset: 14, length: 6, options: [{ text: 'meetup', score: Math.fround(1 - 1 / 6), freq: 1 }] },
    ],
  });
  // The search itself still runs (hits of match_all).
  assert.equal(response.body.hits.total.value, 1);
});

test('term suggester: global text, typed_keys, suggest_mode, sort, size, prefix_length, errors (suggest/40_typed_keys.yml)', async (t) => {
  const harness = openSearchHarness(t);
  await harness.index('s', {
    1: { title: 'testing' },
    2: { title: 'testing' },
    3: { title: 'tasting' },
    4: { title: 'resting' },
    5: { title: 'besting' },
    6: { title: 'jesting' },
  });
  const suggest = async (options: Record<string, unknown>, text = 'tesing', query: Record<string, string> = {}) => {
    const response = await search(harness, 's', { size: 0, suggest: { text, first: { term: { field: 'title', ...options } } } }, query);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.suggest;
  };
  // Only "testing" (1 insertion) and "tasting" (2 edits: 1 - 2/6 = 0.6667) share the prefix "t".
  const defaults = await suggest({});
  assert.deepEqual(defaults.first[0].options.map((option: any) => [option.text, option.freq]), [['testing', 2], ['tasting', 1]]);
  assert.deepEqual((await suggest({ prefix_length: 0 })).first[0].options.map((option: any) => option.text), ['testing', 'besting', 'jesting', 'resting', 'tasting']);
  assert.deepEqual((await suggest({ prefix_length: 0, size: 2 })).first[0].options.map((option: any) => option.text), ['testing', 'besting']);
  assert.deepEqual((await suggest({ prefix_length: 0, sort: 'frequency', size: 2 })).first[0].options.map((option: any) => option.text), ['testing', 'besting']);
  // A term already in the index gets nothing in `missing` mode, more frequent ones in `popular`, all in `always`.
  assert.deepEqual((await suggest({}, 'tasting')).first[0].options, []);
  assert.deepEqual((await suggest({ suggest_mode: 'popular', prefix_length: 0, max_term_freq: 0.5 }, 'tasting')).first[0].options.map((option: any) => option.text), ['testing']);
  assert.deepEqual((await suggest({ suggest_mode: 'always', prefix_length: 0, max_term_freq: 0.5 }, 'tasting')).first[0].options.map((option: any) => option.text), ['testing', 'besting', 'jesting', 'resting']);
  const typed = await suggest({}, 'tesing', { typed_keys: 'true' });
  assert.ok(typed['term#first']);
  const viaUrl = await search(harness, 's', { size: 0 }, { suggest_field: 'title', suggest_text: 'tesing' });
  assert.deepEqual(viaUrl.body.suggest.title[0].options.map((option: any) => option.text), ['testing', 'tasting']);
  const noField = await search(harness, 's', { suggest: { x: { text: 'a', term: {} } } });
  assert.equal(noField.status, 400);
  const noText = await search(harness, 's', { suggest: { x: { term: { field: 'title' } } } });
  assert.equal(noText.status, 400);
  const completion = await search(harness, 's', { suggest: { x: { prefix: 'a', completion: { field: 'title' } } } });
  assert.equal(completion.status, 400);
  assert.match(completion.body.error.root_cause[0].reason, /Field \[title\] is not a completion suggest field/);
});

test('term suggester under document and field level security: hidden documents and fields give no suggestions', async (t) => {
  const harness = openSearchHarness(t);
  await harness.index('sec', { 1: { title: 'public', secret: 'classified', level: 'open' }, 2: { title: 'pubcrawl', secret: 'classifier', level: 'closed' } });
  const run = (restriction: { query?: Record<string, unknown>; fields?: (path: string) => boolean }, field: string, text: string) =>
    harness.search.search(
      { expression: 'sec', params: {}, body: { size: 0, suggest: { s: { text, term: { field, prefix_length: 0 } } } } },
      { indices: () => {}, allowsIndex: () => true, readRestriction: () => restriction },
      { username: 'u', realm: 'r' },
    ) as { suggest: { s: { options: { text: string; freq: number }[] }[] } };
  // Unrestricted, "publik" is near "public"; "classifid" near both secrets.
  assert.deepEqual(run({}, 'secret', 'classifid').suggest.s[0]!.options.map((option) => option.text), ['classified', 'classifier']);
  // DLS hides document 2: its term is no candidate, and frequencies count visible documents only.
  const dls = run({ query: { term: { level: 'open' } } }, 'secret', 'classifid').suggest.s[0]!.options;
  assert.deepEqual(dls.map((option) => [option.text, option.freq]), [['classified', 1]]);
  // FLS hides the field: no candidates from it at all.
  assert.deepEqual(run({ fields: (path) => path !== 'secret' }, 'secret', 'classifid').suggest.s[0]!.options, []);
  // The phrase suggester draws from the same visible terms.
  const phrase = harness.search.search(
    { expression: 'sec', params: {}, body: { size: 0, suggest: { s: { text: 'classifiet', phrase: { field: 'secret', direct_generator: [{ field: 'secret', prefix_length: 0 }] } } } } },
    { indices: () => {}, allowsIndex: () => true, readRestriction: () => ({ query: { term: { level: 'open' } } }) },
    { username: 'u', realm: 'r' },
  ) as { suggest: { s: { options: { text: string }[] }[] } };
  assert.deepEqual(phrase.suggest.s[0]!.options.map((option) => option.text), ['classified']);
});

test('term suggester: shard_size bounds each shard\'s options, max_inspections the terms inspected (frequency sort picks among them)', async (t) => {
  const harness = openSearchHarness(t);
  // "tesa".."tesz": one edit from "tess" each; "test" is three times as frequent.
  const documents: Record<string, unknown> = { t1: { w: 'test' }, t2: { w: 'test' }, t3: { w: 'test' } };
  for (const letter of 'abcdefghij') documents[letter] = { w: `tes${letter}` };
  await harness.index('many', documents);
  const run = async (options: Record<string, unknown>) =>
    (await search(harness, 'many', { size: 0, suggest: { s: { text: 'tess', term: { field: 'w', ...options } } } })).body.suggest.s[0].options.map((option: any) => option.text);
  // Equal scores (1 - 1/4): the more frequent "test" first, then by term.
  assert.deepEqual(await run({ size: 3 }), ['test', 'tesa', 'tesb']);
  // The inspected terms are the closest by score, ties by term (not by frequency): 1 × 1 inspects "tesa" alone,
  // so sorted by frequency "test" leads only when more are inspected.
  assert.deepEqual(await run({ size: 1, shard_size: 1, sort: 'frequency', max_inspections: 20 }), ['test']);
  assert.deepEqual(await run({ size: 1, shard_size: 1, sort: 'frequency', max_inspections: 1 }), ['tesa']);
});

test('phrase suggester: noisy channel over the unigram model, exp of summed log10 scores, confidence cutoff, highlight (search-suggesters.html#phrase-suggester)', async (t) => {
  const harness = openSearchHarness(t);
  await harness.call('PUT', '/:index', { params: { index: 'p' }, body: { mappings: { properties: { body: { type: 'text' } } } } });
  await harness.index('p', { 1: { body: 'the quick brown fox' }, 2: { body: 'the quick brown dog' }, 3: { body: 'quick brown fox jumps' } });
  const response = await search(harness, 'p', {
    size: 0,
    suggest: { text: 'quick brwn fox', fix: { phrase: { field: 'body', highlight: { pre_tag: '<em>', post_tag: '</em>' } } } },
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  // Σttf = 12 over 6 distinct terms (one segment): P(w) = (1 + ttf) / 18. "brwn" is missing; its
  // one candidate "brown" is one edit away (similarity 1 - 1/4 = 0.75); "fox" is shorter than
  // min_word_length. The token as written has channel 0.95.
  const p = (ttf: number): number => (1 + ttf) / 18;
  const corrected = Math.exp(Math.log10(0.95 * p(3)) + Math.log10(0.75 * p(3)) + Math.log10(0.95 * p(2)));
  assert.deepEqual(response.body.suggest.fix, [
    { text: 'quick brwn fox', offset: 0, length: 14, options: [{ text: 'quick brown fox', highlighted: 'quick <em>brown</em> fox', score: Math.fround(corrected) }] },
  ]);
  // Nothing beats the input when every token is in the index.
  const none = await search(harness, 'p', { size: 0, suggest: { s: { text: 'quick brown fox', phrase: { field: 'body' } } } });
  assert.deepEqual(none.body.suggest.s[0].options, []);
  const typed = await search(harness, 'p', { size: 0, suggest: { s: { text: 'quick brwn fox', phrase: { field: 'body' } } } }, { typed_keys: 'true' });
  assert.ok(typed.body.suggest['phrase#s']);
  // A direct generator on a field the index does not map adds no candidates, and no error: Elasticsearch's
  // PhraseSuggester keeps only the generators whose field has terms (DirectCandidateGeneratorBuilder checks no mapping).
  const generators = (fields: string[]) => search(harness, 'p', { size: 0, suggest: { s: { text: 'quick brwn fox', phrase: { field: 'body', direct_generator: fields.map((field) => ({ field })) } } } });
  const unmapped = await generators(['nope']);
  assert.equal(unmapped.status, 200, JSON.stringify(unmapped.body));
  assert.deepEqual(unmapped.body.suggest.s[0].options, []);
  assert.deepEqual((await generators(['nope', 'body'])).body.suggest.s, response.body.suggest.fix.map((entry: any) => ({ ...entry, options: entry.options.map(({ highlighted: _, ...option }: any) => option) })));
  const collate = await search(harness, 'p', { suggest: { s: { text: 'x', phrase: { field: 'body', collate: { query: { source: {} } } } } } });
  assert.equal(collate.status, 400);
});
