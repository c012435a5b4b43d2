// The completion field and suggester over one real node with the official client, from
// rest-api-spec suggest/20_completion.yml and 50_completion_with_multi_fields.yml and the
// completion suggester section of search-suggesters.html: inputs and weights, options with the
// hit's _index/_id/_score/_source, fuzzy and regex, several indices merged by score, deletes and
// updates, document and field level security, and the 400s of bad values and requests.
// https://www.elastic.co/guide/en/elasticsearch/reference/current/search-suggesters.html#completion-suggester
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;
let client: Client;

before(async () => {
  node = await startNode({ nodeName: 'completion-1' });
  client = node.client();
  for (const index of ['music', 'music2']) {
    await client.indices.create({ index, mappings: { properties: { suggest: { type: 'completion' }, genre: { type: 'keyword' }, label: { type: 'keyword' } } } });
  }
  await client.bulk({
    refresh: true,
    operations: [
      { index: { _index: 'music', _id: '1' } }, { suggest: { input: ['Nevermind', 'Nirvana'], weight: 34 }, genre: 'grunge', label: 'dgc' },
      { index: { _index: 'music', _id: '2' } }, { suggest: { input: 'Nirvana Unplugged', weight: 10 }, genre: 'grunge', label: 'dgc' },
      { index: { _index: 'music', _id: '3' } }, { suggest: ['Nine Inch Nails'], genre: 'industrial', label: 'tvt' },
      { index: { _index: 'music2', _id: '9' } }, { suggest: { input: 'Nico', weight: 20 }, genre: 'pop', label: 'verve' },
    ],
  });
});

after(async () => {
  await node?.destroy();
});

type Options = { text: string; _index: string; _id: string; _score: number; _source?: Record<string, unknown> }[];

async function options(index: string, suggestion: Record<string, unknown>, extra: Record<string, unknown> = {}, as: Client = client): Promise<Options> {
  const response = await as.search({ index, size: 0, ...extra, suggest: { song: suggestion } });
  const entries = (response.suggest as Record<string, { options: Options }[]>)['song']!;
  return entries[0]!.options;
}

test('prefix suggestions ordered by weight with the hit\'s _index, _id, _score and _source (20_completion.yml)', async () => {
  const found = await options('music', { prefix: 'nir', completion: { field: 'suggest' } });
  assert.deepEqual(found.map((option) => [option.text, option._index, option._id, option._score]), [
    ['Nirvana', 'music', '1', 34],
    ['Nirvana Unplugged', 'music', '2', 10],
  ]);
  assert.deepEqual(found[0]!._source, { suggest: { input: ['Nevermind', 'Nirvana'], weight: 34 }, genre: 'grunge', label: 'dgc' });
  const filtered = await options('music', { prefix: 'nir', completion: { field: 'suggest', size: 1 } }, { _source: ['genre'] });
  assert.deepEqual(filtered.map((option) => [option.text, option._source]), [['Nirvana', { genre: 'grunge' }]]);
});

test('several indices: options merged by score; fuzzy and regex', async () => {
  const merged = await options('music,music2', { prefix: 'ni', completion: { field: 'suggest' } });
  assert.deepEqual(merged.map((option) => [option.text, option._index]), [
    ['Nirvana', 'music'],
    ['Nico', 'music2'],
    ['Nirvana Unplugged', 'music'],
    ['Nine Inch Nails', 'music'],
  ]);
  const fuzzy = await options('music', { prefix: 'nirv', completion: { field: 'suggest', fuzzy: { fuzziness: 1 } } });
  assert.deepEqual(fuzzy.map((option) => option.text), ['Nirvana', 'Nirvana Unplugged']);
  const misspelled = await options('music', { prefix: 'nurv', completion: { field: 'suggest', fuzzy: { fuzziness: 1 } } });
  assert.deepEqual(misspelled.map((option) => option.text), ['Nirvana', 'Nirvana Unplugged']);
  const regex = await options('music', { regex: 'n[ei]v', completion: { field: 'suggest' } });
  assert.deepEqual(regex.map((option) => option.text), ['Nevermind']);
});

test('deletes and updates: gone after refresh', async () => {
  await client.index({ index: 'music2', id: '10', document: { suggest: 'Nickelback' }, refresh: true });
  assert.deepEqual((await options('music2', { prefix: 'nic', completion: { field: 'suggest' } })).map((option) => option.text), ['Nico', 'Nickelback']);
  await client.delete({ index: 'music2', id: '10', refresh: true });
  await client.index({ index: 'music2', id: '9', document: { suggest: { input: 'Velvet', weight: 20 } }, refresh: true });
  assert.deepEqual(await options('music2', { prefix: 'nic', completion: { field: 'suggest' } }), []);
  assert.deepEqual((await options('music2', { prefix: 'vel', completion: { field: 'suggest' } })).map((option) => option.text), ['Velvet']);
});

test('document and field level security: hidden documents and a hidden completion field suggest nothing', async () => {
  await client.security.putRole({ name: 'grunge_only', indices: [{ names: ['music'], privileges: ['read'], query: { term: { genre: 'grunge' } }, field_security: { grant: ['suggest', 'genre'] } }] });
  await client.security.putRole({ name: 'no_suggest', indices: [{ names: ['music'], privileges: ['read'], field_security: { grant: ['genre'] } }] });
  await client.security.putUser({ username: 'grunge', password: 'grunge-password', roles: ['grunge_only'] });
  await client.security.putUser({ username: 'nosuggest', password: 'nosuggest-password', roles: ['no_suggest'] });
  const grunge = node.client({ username: 'grunge', password: 'grunge-password' });
  const found = await options('music', { prefix: 'n', completion: { field: 'suggest' } }, {}, grunge);
  assert.deepEqual(found.map((option) => [option._id, option._source?.['label']]), [['1', undefined], ['2', undefined]]);
  const hidden = node.client({ username: 'nosuggest', password: 'nosuggest-password' });
  assert.deepEqual(await options('music', { prefix: 'n', completion: { field: 'suggest' } }, {}, hidden), []);
});

test('bad completion values and requests are 400s', async () => {
  await assert.rejects(client.index({ index: 'music', id: 'bad', document: { suggest: { input: 'x', weight: -2 } } }), (error: any) => {
    assert.equal(error.meta.statusCode, 400);
    assert.equal(error.meta.body.error.type, 'document_parsing_exception');
    assert.equal(error.meta.body.error.caused_by.reason, 'weight must be in the interval [0..2147483647], but was [-2]');
    return true;
  });
  await assert.rejects(client.indices.create({ index: 'ctx', mappings: { properties: { s: { type: 'completion', contexts: [{ name: 'place', type: 'geo', precision: '5km' }] } } as never } }), (error: any) => {
    assert.equal(error.meta.statusCode, 400);
    assert.equal(error.meta.body.error.type, 'mapper_parsing_exception');
    return true;
  });
  await assert.rejects(client.search({ index: 'music', suggest: { s: { prefix: 'n', completion: { field: 'genre' } } } }), (error: any) => {
    assert.equal(error.meta.statusCode, 400);
    assert.equal(error.meta.body.error.type, 'search_phase_execution_exception');
    assert.match(error.meta.body.error.root_cause[0].reason, /Field \[genre\] is not a completion suggest field/);
    return true;
  });
  const mapping = await client.indices.getMapping({ index: 'music' });
  assert.deepEqual(mapping['music']!.mappings.properties!['suggest'], { type: 'completion', analyzer: 'simple', preserve_separators: true, preserve_position_increments: true, max_input_length: 50 });
});

test('get and mget show _ignored: a blank completion input, a keyword over ignore_above, a malformed number (mapping-ignored-field.html)', async () => {
  await client.indices.create({ index: 'ignored', mappings: { properties: { s: { type: 'completion' }, code: { type: 'keyword', ignore_above: 2 }, n: { type: 'long', ignore_malformed: true } } } });
  await client.index({ index: 'ignored', id: '1', document: { s: ' ', code: 'long', n: 'x' } });
  await client.index({ index: 'ignored', id: '2', document: { s: 'fine', code: 'ok', n: 1 } });
  // Realtime: no refresh needed.
  const got = await client.get({ index: 'ignored', id: '1' });
  assert.deepEqual(got._ignored, ['code', 'n', 's']);
  assert.deepEqual((await client.get({ index: 'ignored', id: '1', _source: false }))._ignored, ['code', 'n', 's']);
  assert.equal((await client.get({ index: 'ignored', id: '2' }))._ignored, undefined);
  const mget = await client.mget({ index: 'ignored', ids: ['1', '2'] });
  assert.deepEqual(mget.docs.map((doc) => ('_ignored' in doc ? doc._ignored : undefined)), [['code', 'n', 's'], undefined]);
});

test('category contexts: path and explicit categories filter and boost, the option names the categories matched (suggest/30_context.yml)', async () => {
  await client.indices.create({ index: 'places', mappings: { properties: { suggest: { type: 'completion', contexts: [{ name: 'kind', type: 'category', path: 'kind' }] }, kind: { type: 'keyword' } } as never } });
  await client.index({ index: 'places', id: '1', document: { suggest: 'Marriott', kind: 'hotel' } });
  await client.index({ index: 'places', id: '2', document: { suggest: { input: 'Marienplatz', contexts: { kind: ['square', 'sight'] } } }, refresh: true });
  const hotel = await options('places', { prefix: 'mar', completion: { field: 'suggest', contexts: { kind: 'hotel' } } });
  assert.deepEqual(hotel.map((option) => [option.text, (option as { contexts?: unknown }).contexts]), [['Marriott', { kind: ['hotel'] }]]);
  const both = await options('places', { prefix: 'mar', completion: { field: 'suggest', contexts: { kind: ['hotel', { context: 'sight', boost: 3 }] } } });
  assert.deepEqual(both.map((option) => [option.text, option._score]), [['Marienplatz', 3], ['Marriott', 1]]);
  await assert.rejects(client.search({ index: 'places', suggest: { s: { prefix: 'mar', completion: { field: 'suggest' } } } }), (error: any) => {
    assert.equal(error.meta.statusCode, 400);
    assert.match(error.meta.body.error.root_cause[0].reason, /Missing mandatory contexts in context query/);
    return true;
  });
});
