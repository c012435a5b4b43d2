import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHarness, type Harness } from './harness.js';

// GET /_cat/aliases[/{name}]: Elasticsearch's cat-alias.html and the rest-api-spec YAML tests
// cat.aliases/10_basic.yml, 30_json.yml and 40_hidden.yml (columns, aliases of columns, `h`, `s`
// with `:desc`, `v`, `help`, `format=json`, closed and hidden indices, `expand_wildcards`).
// Authorization follows Elasticsearch's get-aliases request: indices the caller may run
// indices:admin/aliases/get on, and alias names the caller may use unless named literally.

async function cat(h: Harness, query: Record<string, string> = {}, name?: string, denied?: readonly string[]): Promise<{ status: number; body: any }> {
  return name === undefined
    ? h.call('GET', '/_cat/aliases', { query, ...(denied ? { denied } : {}) })
    : h.call('GET', '/_cat/aliases/:name', { params: { name }, query, ...(denied ? { denied } : {}) });
}

test('_cat/aliases help lists the six columns with their aliases and descriptions', async (t) => {
  const h = openHarness(t);
  const help = await cat(h, { help: 'true' });
  assert.equal(
    help.body,
    'alias          | a                | alias name\n' +
      'index          | i,idx            | index alias points to\n' +
      'filter         | f,fi             | filter\n' +
      'routing.index  | ri,routingIndex  | index routing\n' +
      'routing.search | rs,routingSearch | search routing\n' +
      'is_write_index | w,isWriteIndex   | write index\n',
  );
});

test('_cat/aliases on an empty cluster is an empty table; a simple alias shows dashes', async (t) => {
  const h = openHarness(t);
  assert.deepEqual(await cat(h), { status: 200, body: '' });
  await h.call('PUT', '/:index', { params: { index: 'test' } });
  await h.call('PUT', '/:index/_alias/:name', { params: { index: 'test', name: 'test_alias' } });
  assert.equal((await cat(h)).body, 'test_alias test - - - -\n');
  assert.deepEqual((await cat(h, { format: 'json' })).body, [
    { alias: 'test_alias', index: 'test', filter: '-', 'routing.index': '-', 'routing.search': '-', is_write_index: '-' },
  ]);
});

test('_cat/aliases shows filter as *, index and search routing, is_write_index; v adds the header row', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index', { params: { index: 'test' }, body: { mappings: { properties: { foo: { type: 'text' } } } } });
  await h.call('PUT', '/:index/_alias/:name', {
    params: { index: 'test', name: 'test_alias' },
    body: { index_routing: 'ir', search_routing: 'sr1,sr2', is_write_index: true, filter: { term: { foo: 'bar' } } },
  });
  await h.call('PUT', '/:index/_alias/:name', { params: { index: 'test', name: 'other' }, body: { routing: 'r', is_write_index: false } });
  assert.equal(
    (await cat(h, { v: 'true', s: 'alias' })).body,
    [
      'alias      index filter routing.index routing.search is_write_index',
      'other      test  -      r             r              false',
      'test_alias test  *      ir            sr1,sr2        true',
      '',
    ].join('\n'),
  );
});

test('_cat/aliases/{name}: one name, a wildcard, several names; h picks and orders columns; s sorts, :desc reverses', async (t) => {
  const h = openHarness(t);
  for (const [index, alias] of [['test', 'foo'], ['test2', 'bar'], ['test3', 'baz']] as const) {
    await h.call('PUT', '/:index', { params: { index } });
    await h.call('PUT', '/:index/_alias/:name', { params: { index, name: alias } });
  }
  await h.call('PUT', '/:index/_alias/:name', { params: { index: 'test', name: 'test_1' } });
  assert.equal((await cat(h, {}, 'test_1')).body, 'test_1 test - - - -\n');
  assert.equal((await cat(h, { h: 'alias,index', s: 'index' }, 'foo,bar')).body, 'foo test\nbar test2\n');
  // A column picked by an alias shows under that alias (Elasticsearch's RestTable DisplayHeader).
  assert.equal((await cat(h, { h: 'a,i', s: 'alias', v: 'true' }, 'ba*')).body, 'a   i\nbar test2\nbaz test3\n');
  assert.equal((await cat(h, { h: 'index,alias', v: 'true' }, 'test*')).body, 'index alias\ntest  test_1\n');
  assert.equal((await cat(h, { h: 'alias,index', s: 'index,a:desc' })).body, 'test_1 test\nfoo    test\nbar    test2\nbaz    test3\n');
  assert.equal((await cat(h, { h: 'alias', s: 'alias' }, '*,-b*')).body, 'foo\ntest_1\n');
  // A name that matches nothing is an empty table, not a 404 as GET /_alias/{name} answers.
  assert.deepEqual(await cat(h, {}, 'missing'), { status: 200, body: '' });
  const badSort = await cat(h, { s: 'nope' });
  assert.equal(badSort.status, 400);
  assert.equal(badSort.body.error.reason, 'Unable to sort by unknown sort key `nope`');
});

test('_cat/aliases shows aliases of closed and hidden indices unless expand_wildcards leaves them out', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index', { params: { index: 'test_index' }, body: { aliases: { test_alias: {} } } });
  await h.call('POST', '/:index/_close', { params: { index: 'test_index' } });
  await h.call('PUT', '/:index', { params: { index: 'hidden_index' }, body: { settings: { index: { hidden: true } }, aliases: { hidden_alias: { is_hidden: true } } } });
  assert.equal((await cat(h, { h: 'alias,index', s: 'alias' })).body, 'hidden_alias hidden_index\ntest_alias   test_index\n');
  assert.equal((await cat(h, { h: 'alias,index', expand_wildcards: 'open,closed' })).body, 'test_alias test_index\n');
  assert.equal((await cat(h, { h: 'alias,index', expand_wildcards: 'open' })).body, '');
});

test('_cat/aliases lists only aliases of indices the caller may see, and only alias names it may use unless named literally', async (t) => {
  const h = openHarness(t);
  await h.call('PUT', '/:index', { params: { index: 'public' }, body: { aliases: { shared_pub: {}, secret_name: {} } } });
  await h.call('PUT', '/:index', { params: { index: 'private' }, body: { aliases: { priv_view: {} } } });
  const denied = ['private', 'priv_view', 'secret_name'];
  const seen = await cat(h, { h: 'alias,index', s: 'index,alias' }, undefined, denied);
  assert.equal(seen.status, 200);
  assert.equal(seen.body, 'shared_pub public\n');
  assert.equal((await cat(h, { h: 'alias,index' }, 's*', denied)).body, 'shared_pub public\n');
  // Named literally, an alias is not narrowed by its own name (Elasticsearch keeps literal alias
  // names), but its index must still be one the caller may see.
  assert.equal((await cat(h, { h: 'alias,index' }, 'secret_name', denied)).body, 'secret_name public\n');
  assert.equal((await cat(h, { h: 'alias,index' }, 'priv_view', denied)).body, '');
  // Without the denials every pair shows.
  assert.equal((await cat(h, { h: 'alias,index', s: 'index,alias' })).body, 'priv_view   private\nsecret_name public\nshared_pub  public\n');
});
