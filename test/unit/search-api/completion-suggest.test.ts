// The completion field type and suggester: rest-api-spec suggest/20_completion.yml and
// suggest/50_completion_with_multi_fields.yml, the completion suggester section of
// search-suggesters.html (prefix, fuzzy, regex, skip_duplicates, preserve_* parameters), the
// CompletionFieldMapper's input and weight rules, and document and field level security.
// https://www.elastic.co/guide/en/elasticsearch/reference/current/search-suggesters.html#completion-suggester
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSearchHarness, type SearchHarness } from './harness.js';

async function search(harness: SearchHarness, index: string, body: unknown, query: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return harness.call('POST', '/:index/_search', { params: { index }, body, query });
}

async function create(harness: SearchHarness, index: string, properties: Record<string, unknown>, settings: Record<string, unknown> = {}): Promise<void> {
  const response = await harness.call('PUT', '/:index', { params: { index }, body: { settings, mappings: { properties } } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
}

async function suggest(harness: SearchHarness, index: string, entry: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<any[]> {
  const response = await search(harness, index, { size: 0, ...extra, suggest: { s: entry } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.suggest.s;
}

const texts = (entries: any[]): string[] => entries[0].options.map((option: any) => option.text);

test('completion mapping: defaults rendered, parameters validated, geo contexts refused with a 400', async (t) => {
  const harness = openSearchHarness(t);
  await create(harness, 'm', { s: { type: 'completion' }, t: { type: 'completion', analyzer: 'standard', search_analyzer: 'simple', max_input_length: 10, preserve_separators: false } });
  const mapping = await harness.call('GET', '/:index/_mapping', { params: { index: 'm' } });
  assert.deepEqual(mapping.body.m.mappings.properties.s, { type: 'completion', analyzer: 'simple', preserve_separators: true, preserve_position_increments: true, max_input_length: 50 });
  assert.deepEqual(mapping.body.m.mappings.properties.t, { type: 'completion', analyzer: 'standard', search_analyzer: 'simple', preserve_separators: false, preserve_position_increments: true, max_input_length: 10 });
  for (const [definition, reason] of [
    [{ type: 'completion', contexts: [{ name: 'c', type: 'geo', precision: '5km' }] }, /geo context \[c\] of completion field \[f\] is not supported by Strait/],
    [{ type: 'completion', contexts: [{ name: 'c', type: 'nope' }] }, /unknown context type \[nope\]/],
    [{ type: 'completion', contexts: [{ type: 'category' }] }, /field \[name\] is missing/],
    [{ type: 'completion', max_input_length: 0 }, /max_input_length/],
    [{ type: 'completion', analyzer: 'nope' }, /analyzer \[nope\] has not been configured/],
    [{ type: 'completion', ignore_above: 3 }, /unknown parameter \[ignore_above\]/],
  ] as const) {
    const response = await harness.call('PUT', '/:index', { params: { index: 'bad' }, body: { mappings: { properties: { f: definition } } } });
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.equal(response.body.error.type, 'mapper_parsing_exception');
    assert.match(response.body.error.reason, reason);
  }
});

test('completion inputs: strings, arrays, {input, weight} objects; weights sort the options (suggest/20_completion.yml)', async (t) => {
  const harness = openSearchHarness(t);
  await create(harness, 'test', { suggest_1: { type: 'completion' }, suggest_2: { type: 'completion' }, suggest_3: { type: 'completion' }, suggest_4: { type: 'completion' }, title: { type: 'keyword' } });
  await harness.index('test', {
    1: { suggest_1: 'bar', suggest_2: ['bar', 'foo'], suggest_3: { input: 'bar', weight: 2 }, suggest_4: [{ input: 'bar', weight: 3 }, { input: 'fo', weight: 3 }], title: 'title_bar', count: 4 },
    2: { suggest_1: 'baz', suggest_3: { input: 'baz', weight: '3' }, suggest_4: [{ input: 'baz', weight: 2 }, { input: 'foo', weight: 1 }], title: 'title_baz', count: 3 },
  });
  const simple = await suggest(harness, 'test', { text: 'b', completion: { field: 'suggest_1' } });
  assert.equal(simple.length, 1);
  assert.deepEqual([simple[0].text, simple[0].offset, simple[0].length], ['b', 0, 1]);
  assert.deepEqual(texts(simple).sort(), ['bar', 'baz']);
  assert.deepEqual(texts(await suggest(harness, 'test', { text: 'f', completion: { field: 'suggest_2' } })), ['foo']);
  assert.deepEqual(texts(await suggest(harness, 'test', { prefix: 'b', completion: { field: 'suggest_2' } })), ['bar']);
  // Weight first: baz (3) before bar (2); the option carries the hit with _score = weight and _source.
  const weighted = await suggest(harness, 'test', { prefix: 'b', completion: { field: 'suggest_3' } });
  assert.deepEqual(weighted[0].options.map((option: any) => [option.text, option._index, option._id, option._score, option._source.title, option._source.count]), [
    ['baz', 'test', '2', 3, 'title_baz', 3],
    ['bar', 'test', '1', 2, 'title_bar', 4],
  ]);
  assert.deepEqual(Object.keys(weighted[0].options[0]).slice(0, 4), ['text', '_index', '_id', '_score']);
  assert.deepEqual(texts(await suggest(harness, 'test', { prefix: 'b', completion: { field: 'suggest_4' } })), ['bar', 'baz']);
  assert.deepEqual(texts(await suggest(harness, 'test', { prefix: 'f', completion: { field: 'suggest_4' } })), ['fo', 'foo']);
  // size; _source filtering of the search applies to the options' _source; typed_keys names the type.
  assert.deepEqual(texts(await suggest(harness, 'test', { prefix: 'b', completion: { field: 'suggest_3', size: 1 } })), ['baz']);
  const filtered = await suggest(harness, 'test', { prefix: 'b', completion: { field: 'suggest_3' } }, { _source: ['title'] });
  assert.deepEqual(filtered[0].options[0]._source, { title: 'title_baz' });
  const noSource = await suggest(harness, 'test', { prefix: 'b', completion: { field: 'suggest_3' } }, { _source: false });
  assert.equal(noSource[0].options[0]._source, undefined);
  const typed = await search(harness, 'test', { size: 0, suggest: { s: { prefix: 'b', completion: { field: 'suggest_1' } } } }, { typed_keys: 'true' });
  assert.ok(typed.body.suggest['completion#s']);
});

test('completion: skip_duplicates, one option per document, the default simple analyzer and separators', async (t) => {
  const harness = openSearchHarness(t);
  await create(harness, 'd', { s: { type: 'completion' }, loose: { type: 'completion', preserve_separators: false }, stop: { type: 'completion', analyzer: 'stop' }, stopLoose: { type: 'completion', analyzer: 'stop', preserve_position_increments: false } });
  await harness.index('d', {
    1: { s: { input: ['Nirvana', 'Nevermind'], weight: 5 }, loose: 'Foo Fighters', stop: 'The Beatles', stopLoose: 'The Beatles' },
    2: { s: 'nirvana' },
    3: { s: 'Nirvana Nevermind' },
  });
  // Document 1 is one option, with its best input (equal weights: the first by text, as Lucene's
  // TopSuggestDocs breaks ties); the others follow by weight, then text.
  assert.deepEqual(texts(await suggest(harness, 'd', { prefix: 'n', completion: { field: 's' } })), ['Nevermind', 'Nirvana Nevermind', 'nirvana']);
  assert.deepEqual(texts(await suggest(harness, 'd', { prefix: 'ni', completion: { field: 's' } })), ['Nirvana', 'Nirvana Nevermind', 'nirvana']);
  assert.deepEqual(texts(await suggest(harness, 'd', { prefix: 'NIRVANA N', completion: { field: 's' } })), ['Nirvana Nevermind']);
  // preserve_separators: false lets "foof" match "Foo Fighters".
  assert.deepEqual(texts(await suggest(harness, 'd', { prefix: 'foof', completion: { field: 'loose' } })), ['Foo Fighters']);
  // preserve_position_increments: the removed stopword leaves a hole "b" cannot start at, unless turned off.
  assert.deepEqual(texts(await suggest(harness, 'd', { prefix: 'b', completion: { field: 'stop' } })), []);
  assert.deepEqual(texts(await suggest(harness, 'd', { prefix: 'b', completion: { field: 'stopLoose' } })), ['The Beatles']);
});

test('completion: skip_duplicates drops options with the same text, keeping the best', async (t) => {
  const harness = openSearchHarness(t);
  await create(harness, 'dup', { s: { type: 'completion' } });
  await harness.index('dup', { 1: { s: { input: 'bar', weight: 1 } }, 2: { s: { input: 'bar', weight: 7 } }, 3: { s: 'baz' } });
  const all = await suggest(harness, 'dup', { text: 'b', completion: { field: 's' } });
  assert.deepEqual(all[0].options.map((option: any) => [option.text, option._id]), [['bar', '2'], ['bar', '1'], ['baz', '3']]);
  const skipped = await suggest(harness, 'dup', { text: 'b', completion: { field: 's', skip_duplicates: true } });
  assert.deepEqual(skipped[0].options.map((option: any) => [option.text, option._id]), [['bar', '2'], ['baz', '3']]);
});

test('completion: fuzzy (fuzziness, prefix_length, min_length, transpositions) and regex', async (t) => {
  const harness = openSearchHarness(t);
  await create(harness, 'f', { s: { type: 'completion' } });
  await harness.index('f', { 1: { s: { input: 'nirvana', weight: 2 } }, 2: { s: { input: 'nevermind', weight: 1 } } });
  assert.deepEqual(texts(await suggest(harness, 'f', { prefix: 'nor', completion: { field: 's' } })), []);
  // One substitution after the exact first letter.
  const fuzzy = await suggest(harness, 'f', { prefix: 'nor', completion: { field: 's', fuzzy: { fuzziness: 1 } } });
  assert.deepEqual(texts(fuzzy), ['nirvana']);
  // Scores multiply the weight by the units matched exactly from the start (Lucene's FuzzyCompletionWeight).
  assert.equal(fuzzy[0].options[0]._score, 2);
  // prefix_length 2: "no" must be exact.
  assert.deepEqual(texts(await suggest(harness, 'f', { prefix: 'nor', completion: { field: 's', fuzzy: { fuzziness: 1, prefix_length: 2 } } })), []);
  // Below min_length the prefix is matched exactly.
  assert.deepEqual(texts(await suggest(harness, 'f', { prefix: 'nor', completion: { field: 's', fuzzy: { fuzziness: 1, min_length: 4 } } })), []);
  // A transposition is one edit, or two without transpositions.
  assert.deepEqual(texts(await suggest(harness, 'f', { prefix: 'nriv', completion: { field: 's', fuzzy: { fuzziness: 1, prefix_length: 0 } } })), ['nirvana']);
  assert.deepEqual(texts(await suggest(harness, 'f', { prefix: 'nriv', completion: { field: 's', fuzzy: { fuzziness: 1, prefix_length: 0, transpositions: false } } })), []);
  // fuzzy: true is AUTO (one edit for 3 to 5 characters).
  assert.deepEqual(texts(await suggest(harness, 'f', { prefix: 'nevx', completion: { field: 's', fuzzy: true } })), ['nevermind']);
  // regex: matched at the start of the analyzed input.
  const regex = await suggest(harness, 'f', { regex: 'n[ei]', completion: { field: 's' } });
  assert.deepEqual(texts(regex), ['nirvana', 'nevermind']);
  assert.equal(regex[0].text, 'n[ei]');
  assert.deepEqual(texts(await suggest(harness, 'f', { regex: 'ne.*d', completion: { field: 's' } })), ['nevermind']);
  assert.deepEqual(texts(await suggest(harness, 'f', { regex: 'v', completion: { field: 's' } })), []);
});

test('completion request errors are 400s', async (t) => {
  const harness = openSearchHarness(t);
  await create(harness, 'e', { s: { type: 'completion' }, k: { type: 'keyword' } });
  for (const [entry, type, reason] of [
    [{ completion: { field: 's' } }, 'illegal_argument_exception', /'prefix\/text' or 'regex' must be defined/],
    [{ prefix: 'a', completion: { field: 's', size: 0 } }, 'illegal_argument_exception', /size must be positive/],
    [{ prefix: 'a', completion: { field: 's', nope: 1 } }, 'parsing_exception', /\[completion\] unknown field \[nope\]/],
    [{ prefix: 'a', completion: { field: 's', fuzzy: { fuzziness: 3 } } }, 'illegal_argument_exception', /Valid edit distances/],
    [{ regex: '[', completion: { field: 's' } }, 'illegal_argument_exception', /./],
    [{ prefix: 'a', term: { field: 'k' } }, 'illegal_argument_exception', /\[prefix\] is only used by the completion suggester/],
  ] as const) {
    const response = await search(harness, 'e', { suggest: { x: entry } });
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.equal(response.body.error.type, type, JSON.stringify(response.body));
    assert.match(response.body.error.reason, reason);
  }
  // A field that is not a completion field fails the shard (CompletionSuggestionBuilder): all
  // shards failed here; over several indices the others answer and _shards counts the failure.
  const notCompletion = await search(harness, 'e', { suggest: { x: { prefix: 'a', completion: { field: 'k' } } } });
  assert.equal(notCompletion.status, 400);
  assert.equal(notCompletion.body.error.type, 'search_phase_execution_exception');
  assert.deepEqual(notCompletion.body.error.root_cause[0], { type: 'illegal_argument_exception', reason: 'Field [k] is not a completion suggest field' });
  await create(harness, 'e2', { k: { type: 'completion' } });
  await harness.index('e2', { 1: { k: 'apple' } });
  const partial = await harness.call('POST', '/:index/_search', { params: { index: 'e,e2' }, body: { size: 0, suggest: { x: { prefix: 'a', completion: { field: 'k' } } } } });
  assert.equal(partial.status, 200, JSON.stringify(partial.body));
  assert.deepEqual([partial.body._shards.successful, partial.body._shards.failed], [1, 1]);
  assert.equal(partial.body._shards.failures[0].reason.reason, 'Field [k] is not a completion suggest field');
  assert.deepEqual(partial.body.suggest.x[0].options.map((option: any) => [option.text, option._index]), [['apple', 'e2']]);
});

test('completion values Elasticsearch refuses are document_parsing_exception 400s; a blank input is _ignored', async (t) => {
  const harness = openSearchHarness(t);
  await create(harness, 'v', { s: { type: 'completion', max_input_length: 4 } });
  for (const [value, cause] of [
    [{ input: 'a', weight: -1 }, 'weight must be in the interval [0..2147483647], but was [-1]'],
    [{ input: 'a', weight: 1.5 }, 'weight must be an integer, but was [1.5]'],
    [{ input: 'a', weight: 'x' }, 'weight must be an integer, but was [x]'],
    [{ input: 'a', weight: 2147483648 }, 'weight must be in the interval [0..2147483647], but was [2147483648]'],
    [{ input: 'a', weight: true }, 'weight must be a number or string, but was [VALUE_BOOLEAN]'],
    [{ input: 1 }, 'input must be a string or array, but was [VALUE_NUMBER]'],
    [{ input: ['a', 2] }, 'input array must have string values, but was [VALUE_NUMBER]'],
    [{ input: 'a', other: 1 }, 'unknown field name [other], must be one of [input, weight, contexts]'],
    [{ input: 'a', contexts: { c: 'x' } }, 'contexts field is not supported for field: [s]'],
    [5, 'failed to parse [s]: expected text or object, but got VALUE_NUMBER'],
  ] as const) {
    const response = await harness.call('PUT', '/:index/_doc/:id', { params: { index: 'v', id: 'x' }, body: { s: value } });
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.equal(response.body.error.type, 'document_parsing_exception');
    assert.match(response.body.error.reason, /failed to parse field \[s\] of type \[completion\]/);
    assert.equal(response.body.error.caused_by.reason, cause);
  }
  // Inputs are cut at max_input_length; a blank input is not indexed and names the field in _ignored.
  await harness.index('v', { 1: { s: ['abcdefg', ' '] } });
  assert.deepEqual(texts(await suggest(harness, 'v', { prefix: 'abc', completion: { field: 's' } })), ['abcd']);
  assert.deepEqual(texts(await suggest(harness, 'v', { prefix: 'abcde', completion: { field: 's' } })), []);
  const ignored = await search(harness, 'v', { query: { exists: { field: '_ignored' } } });
  assert.deepEqual(ignored.body.hits.hits.map((hit: any) => hit._ignored), [['s']]);
});

test('completion multi-fields: a completion sub-field keeps the weight; a keyword sub-field is searchable (suggest/50_completion_with_multi_fields.yml)', async (t) => {
  const harness = openSearchHarness(t);
  await create(harness, 'mf', { suggest_1: { type: 'completion', fields: { suggest_2: { type: 'completion' }, text_raw: { type: 'keyword' } } }, title: { type: 'text', fields: { suggest: { type: 'completion' } } } });
  await harness.index('mf', { 1: { suggest_1: { input: 'bar', weight: 2 }, title: 'Bar none' }, 2: { suggest_1: { input: 'baz', weight: 3 } } });
  const sub = await suggest(harness, 'mf', { text: 'b', completion: { field: 'suggest_1.suggest_2' } });
  assert.deepEqual(sub[0].options.map((option: any) => [option.text, option._score]), [['baz', 3], ['bar', 2]]);
  const term = await search(harness, 'mf', { query: { term: { 'suggest_1.text_raw': 'bar' } } });
  assert.equal(term.body.hits.total.value, 1);
  assert.deepEqual(texts(await suggest(harness, 'mf', { prefix: 'bar n', completion: { field: 'title.suggest' } })), ['Bar none']);
});

test('completion after deletes and updates: only live documents\' inputs are suggested after refresh', async (t) => {
  const harness = openSearchHarness(t);
  await create(harness, 'u', { s: { type: 'completion' } });
  await harness.index('u', { 1: { s: 'apple' }, 2: { s: 'apricot' }, 3: { s: 'avocado' } });
  assert.deepEqual(texts(await suggest(harness, 'u', { prefix: 'ap', completion: { field: 's' } })).sort(), ['apple', 'apricot']);
  await harness.call('DELETE', '/:index/_doc/:id', { params: { index: 'u', id: '1' }, query: { refresh: 'true' } });
  await harness.index('u', { 2: { s: 'banana' } });
  assert.deepEqual(texts(await suggest(harness, 'u', { prefix: 'ap', completion: { field: 's' } })), []);
  assert.deepEqual(texts(await suggest(harness, 'u', { prefix: 'b', completion: { field: 's' } })), ['banana']);
  assert.deepEqual(texts(await suggest(harness, 'u', { prefix: 'a', completion: { field: 's' } })), ['avocado']);
});

test('completion under document and field level security: hidden documents and fields give no suggestions', async (t) => {
  const harness = openSearchHarness(t);
  await create(harness, 'sec', { s: { type: 'completion' }, level: { type: 'keyword' }, secret: { type: 'keyword' } });
  await harness.index('sec', { 1: { s: 'public', level: 'open', secret: 'a' }, 2: { s: 'pubcrawl', level: 'closed', secret: 'b' } });
  const run = (restriction: { query?: Record<string, unknown>; fields?: (path: string) => boolean }) =>
    harness.search.search(
      { expression: 'sec', params: {}, body: { size: 0, suggest: { s: { prefix: 'pub', completion: { field: 's' } } } } },
      { indices: () => {}, allowsIndex: () => true, readRestriction: () => restriction },
      { username: 'u', realm: 'r' },
    ) as { suggest: { s: { options: { text: string; _source: Record<string, unknown> }[] }[] } };
  assert.deepEqual(run({}).suggest.s[0]!.options.map((option) => option.text).sort(), ['pubcrawl', 'public']);
  assert.deepEqual(run({ query: { term: { level: 'open' } } }).suggest.s[0]!.options.map((option) => option.text), ['public']);
  assert.deepEqual(run({ fields: (path) => path !== 's' }).suggest.s[0]!.options, []);
  // FLS on other fields: the options' _source loses them.
  const partial = run({ fields: (path) => path !== 'secret' }).suggest.s[0]!.options;
  assert.equal(partial.length, 2);
  for (const option of partial) assert.equal(option._source['secret'], undefined);
});

test('completion field outside the suggester: exists finds documents with inputs, other queries are refused, field caps say not aggregatable', async (t) => {
  const harness = openSearchHarness(t);
  await create(harness, 'o', { s: { type: 'completion' } });
  await harness.index('o', { 1: { s: { input: ['ab'], weight: 3 } }, 2: { other: 1 } });
  const exists = await search(harness, 'o', { query: { exists: { field: 's' } } });
  assert.deepEqual(exists.body.hits.hits.map((hit: any) => hit._id), ['1']);
  const term = await search(harness, 'o', { query: { term: { s: 'ab' } } });
  assert.equal(term.status, 400);
  assert.match(term.body.error.root_cause[0].reason, /\[term\] queries on completion field \[s\] are not supported by Strait/);
  const caps = await harness.call('GET', '/:index/_field_caps', { params: { index: 'o' }, query: { fields: 's' } });
  assert.deepEqual(caps.body.fields.s.completion, { type: 'completion', metadata_field: false, searchable: true, aggregatable: false });
});

test('fields retrieval of a completion field returns the source values as written (ArraySourceValueFetcher); a format is refused', async (t) => {
  const harness = openSearchHarness(t);
  await create(harness, 'fr', { s: { type: 'completion' }, title: { type: 'text', fields: { suggest: { type: 'completion' } } } });
  await harness.index('fr', { 1: { s: [{ input: ['a', 'b'], weight: 2 }, 'c'], title: 'Hello' } });
  const response = await search(harness, 'fr', { _source: false, fields: ['s', 'title.suggest'] });
  assert.deepEqual(response.body.hits.hits[0].fields, { s: [{ input: ['a', 'b'], weight: 2 }, 'c'], 'title.suggest': ['Hello'] });
  const formatted = await search(harness, 'fr', { _source: false, fields: [{ field: 's', format: 'x' }] });
  assert.equal(formatted.status, 400);
  assert.match(JSON.stringify(formatted.body.error), /Field \[s\] of type \[completion\] doesn't support formats/);
});

test('category contexts: explicit and path categories, mandatory contexts, boosts and prefixes, the matched categories in the option (suggest/30_context.yml)', async (t) => {
  const harness = openSearchHarness(t);
  await create(harness, 'ctx', {
    suggest_context: { type: 'completion', contexts: [{ name: 'color', type: 'category' }] },
    suggest_context_with_path: { type: 'completion', contexts: [{ name: 'color', type: 'category', path: 'color' }] },
    color: { type: 'keyword' },
    plain: { type: 'completion' },
  });
  const mapping = await harness.call('GET', '/:index/_mapping', { params: { index: 'ctx' } });
  assert.deepEqual(mapping.body.ctx.mappings.properties.suggest_context_with_path.contexts, [{ name: 'color', type: 'category', path: 'color' }]);
  await harness.index('ctx', {
    1: { suggest_context: { input: 'foo red', contexts: { color: 'red' } }, suggest_context_with_path: { input: 'Foo red', contexts: { color: 'red' } } },
    2: { suggest_context: { input: 'foo blue', weight: 2, contexts: { color: ['blue', 'navy'] } }, suggest_context_with_path: 'Foo blue', color: 'blue' },
  });
  const run = (field: string, contexts: unknown) => suggest(harness, 'ctx', { text: 'foo', completion: { field, contexts } });
  const red = await run('suggest_context', { color: 'red' });
  assert.deepEqual(red[0].options.map((option: any) => [option.text, option.contexts]), [['foo red', { color: ['red'] }]]);
  assert.deepEqual(texts(await run('suggest_context_with_path', { color: 'red' })), ['Foo red']);
  assert.deepEqual(texts(await run('suggest_context_with_path', { color: 'blue' })), ['Foo blue']);
  assert.deepEqual(texts(await run('suggest_context_with_path', { color: ['blue', 'red'] })).sort(), ['Foo blue', 'Foo red']);
  // A boost multiplies the weight; prefix matches categories starting with the value.
  const boosted = await run('suggest_context', { color: [{ context: 'red', boost: 5 }, 'blue'] });
  assert.deepEqual(boosted[0].options.map((option: any) => [option.text, option._score]), [['foo red', 5], ['foo blue', 2]]);
  assert.deepEqual(texts(await run('suggest_context', { color: { context: 'na', prefix: true } })), ['foo blue']);
  // Contexts are mandatory in a context enabled field, at index and query time.
  const missing = await harness.call('PUT', '/:index/_doc/:id', { params: { index: 'ctx', id: '3' }, body: { suggest_context: { input: 'foo' } } });
  assert.equal(missing.status, 400);
  assert.match(JSON.stringify(missing.body.error), /Contexts are mandatory in context enabled completion field \[suggest_context\]/);
  const unknown = await harness.call('PUT', '/:index/_doc/:id', { params: { index: 'ctx', id: '3' }, body: { suggest_context: { input: 'foo', contexts: { size: 'xl' } } } });
  assert.equal(unknown.status, 400);
  assert.match(JSON.stringify(unknown.body.error), /Unknown context name \[size\], must be one of \[color\]/);
  for (const [field, contexts, reason] of [
    ['suggest_context', undefined, /Missing mandatory contexts in context query/],
    ['suggest_context', {}, /Missing mandatory contexts in context query/],
    ['suggest_context', { size: 'xl' }, /Unknown context name \[size\]/],
    ['plain', { color: 'red' }, /suggester \[plain\] doesn't expect any context/],
  ] as const) {
    const response = await search(harness, 'ctx', { suggest: { s: { text: 'foo', completion: { field, ...(contexts === undefined ? {} : { contexts }) } } } });
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.match(response.body.error.root_cause[0].reason, reason);
  }
});

test('category contexts on a completion sub-field (suggest/50_completion_with_multi_fields.yml)', async (t) => {
  const harness = openSearchHarness(t);
  const contexts = [{ name: 'color', type: 'category' }];
  await create(harness, 'cmf', { suggest_1: { type: 'completion', contexts, fields: { suggest_2: { type: 'completion', contexts } } } });
  await harness.index('cmf', { 1: { suggest_1: { input: 'foo red', contexts: { color: 'red' } } }, 2: { suggest_1: { input: 'foo blue', contexts: { color: 'blue' } } } });
  assert.deepEqual(texts(await suggest(harness, 'cmf', { prefix: 'foo', completion: { field: 'suggest_1.suggest_2', contexts: { color: 'red' } } })), ['foo red']);
});
