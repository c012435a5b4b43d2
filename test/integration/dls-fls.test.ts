// Document and field level security (issue 11 §1) with real node processes: a fulfilling cluster
// (FC) that is also the node for the local cases, and a querying cluster (QC) for cross-cluster
// search and replication. Elasticsearch's rules ("Controlling access at the document and field
// level", https://www.elastic.co/guide/en/elasticsearch/reference/current/field-and-document-access-control.html):
// roles' queries OR and grants union within one set of roles; an API key's descriptors, its
// owner's roles, a cross-cluster key and the user's remote_indices each restrict further (AND,
// intersection); aggregations and counts run over the visible documents only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import Database from 'better-sqlite3';
import { makeCa, REMOTE_CLUSTER_CLIENT_YAML, REMOTE_CLUSTER_SERVER_YAML, startNode, type Certificates, type StartedNode } from '../harness/cluster.js';
import { failure, remoteConnected } from '../harness/wait.js';

let ca: Certificates;
let fc: StartedNode;
let qc: StartedNode;
let fcAdmin: Client;
let qcAdmin: Client;

const DOCS = [
  { id: '1', team: 'a', level: 'info', title: 'alpha report', secret: 's1', owner: 'otto', customer: { name: 'c1', card: 'x1' }, n: 1 },
  { id: '2', team: 'a', level: 'debug', title: 'alpha notes', secret: 's2', owner: 'ann', customer: { name: 'c2', card: 'x2' }, n: 2 },
  { id: '3', team: 'b', level: 'info', title: 'beta report', secret: 's3', owner: 'otto', n: 3 },
  { id: '4', team: 'c', level: 'info', title: 'gamma alpha', secret: 's4', owner: 'ann', n: 4 },
];

const TEAM_A = {
  names: ['docs'],
  privileges: ['read', 'view_index_metadata'],
  query: { term: { team: 'a' } },
  field_security: { grant: ['title', 'team', 'level', 'n', 'customer.*'], except: ['customer.card'] },
};

const ids = (result: { hits: { hits: { _id?: string }[] } }): string[] => result.hits.hits.map((hit) => hit._id!).sort();

before(async () => {
  ca = makeCa();
  [fc, qc] = await Promise.all([
    startNode({ ca, clusterName: 'fulfilling', nodeName: 'fc-1', yaml: REMOTE_CLUSTER_SERVER_YAML }),
    startNode({ ca, clusterName: 'querying', nodeName: 'qc-1', yaml: REMOTE_CLUSTER_CLIENT_YAML }),
  ]);
  fcAdmin = fc.client();
  qcAdmin = qc.client();
  await fcAdmin.indices.create({
    index: 'docs',
    mappings: {
      properties: {
        team: { type: 'keyword' },
        level: { type: 'keyword' },
        title: { type: 'text' },
        secret: { type: 'keyword' },
        owner: { type: 'keyword' },
        customer: { properties: { name: { type: 'keyword' }, card: { type: 'keyword' } } },
        n: { type: 'long' },
      },
    },
  });
  await fcAdmin.bulk({ refresh: true, operations: DOCS.flatMap(({ id, ...doc }) => [{ index: { _index: 'docs', _id: id } }, doc]) });
  await fcAdmin.security.putRole({ name: 'team_a', cluster: ['manage_own_api_key'], indices: [TEAM_A] });
  await fcAdmin.security.putRole({ name: 'team_b', indices: [{ names: ['docs'], privileges: ['read'], query: '{"term":{"team":"b"}}', field_security: { grant: ['title', 'secret', 'team'] } }] });
  await fcAdmin.security.putRole({
    name: 'own_docs',
    indices: [{ names: ['docs'], privileges: ['read'], query: { template: { source: { term: { owner: '{{_user.username}}' } } } } as never }],
  });
  await fcAdmin.security.putUser({ username: 'ann', password: 'ann-password', roles: ['team_a'] });
  await fcAdmin.security.putUser({ username: 'abe', password: 'abe-password', roles: ['team_a', 'team_b'] });
  await fcAdmin.security.putUser({ username: 'otto', password: 'otto-password', roles: ['own_docs'] });
  await fcAdmin.security.putRole({ name: 'ann_titles', indices: [{ names: ['docs'], privileges: ['read'], query: { term: { owner: 'ann' } }, field_security: { grant: ['title'] } }] });
  await fcAdmin.security.putUser({ username: 'hal', password: 'hal-password', roles: ['ann_titles'] });
  await fcAdmin.indices.putAlias({ index: 'docs', name: 'docs-b' });
  await fcAdmin.security.putRole({ name: 'alias_b', indices: [{ names: ['docs-b'], privileges: ['read', 'view_index_metadata'], query: { term: { team: 'b' } }, field_security: { grant: ['title', 'team'] } }] });
  await fcAdmin.security.putUser({ username: 'al', password: 'al-password', roles: ['alias_b'] });
});

after(async () => {
  await Promise.all([fc?.destroy(), qc?.destroy()]);
});

test('role DLS and FLS: search, count, _source, fields, highlight, hidden-field queries', async () => {
  const ann = fc.client({ username: 'ann', password: 'ann-password' });
  const all = await ann.search({ index: 'docs', query: { match_all: {} } });
  assert.deepEqual(ids(all), ['1', '2']);
  assert.equal((all.hits.total as { value: number }).value, 2);
  const first = all.hits.hits.find((hit) => hit._id === '1')!;
  assert.deepEqual(first._source, { team: 'a', level: 'info', title: 'alpha report', customer: { name: 'c1' }, n: 1 }, 'secret, owner and customer.card hidden');
  assert.equal((await ann.count({ index: 'docs' })).count, 2);
  assert.equal((await ann.count({ index: 'docs', query: { match: { title: 'alpha' } } })).count, 2, 'doc 4 (team c) matches alpha but is hidden');
  // A query on a hidden field behaves as on a field that does not exist.
  assert.deepEqual(ids(await ann.search({ index: 'docs', query: { term: { secret: 's1' } } })), []);
  assert.deepEqual(ids(await ann.search({ index: 'docs', query: { exists: { field: 'customer.card' } } })), []);
  assert.deepEqual(ids(await ann.search({ index: 'docs', query: { term: { 'customer.name': 'c2' } } })), ['2']);
  // fields / docvalue_fields never show hidden fields.
  const fields = await ann.search({ index: 'docs', query: { ids: { values: ['1'] } }, fields: ['*'], docvalue_fields: ['secret', 'n'], _source: false });
  assert.deepEqual(Object.keys(fields.hits.hits[0]!.fields!).sort(), ['customer.name', 'level', 'n', 'team', 'title']);
  // Highlighting a visible field works; a hidden one yields nothing.
  const highlighted = await ann.search({ index: 'docs', query: { match: { title: 'report' } }, highlight: { fields: { title: {}, secret: {} } } });
  assert.deepEqual(ids(highlighted), ['1']);
  assert.deepEqual(highlighted.hits.hits[0]!.highlight, { title: ['alpha <em>report</em>'] });
  // The superuser sees everything.
  assert.equal((await fcAdmin.count({ index: 'docs' })).count, 4);
});

test('role DLS: aggregations run over visible documents only (counts do not leak)', async () => {
  const ann = fc.client({ username: 'ann', password: 'ann-password' });
  const result = await ann.search({
    index: 'docs',
    size: 0,
    aggs: { teams: { terms: { field: 'team' } }, levels: { terms: { field: 'level' } }, secrets: { terms: { field: 'secret' } }, total: { sum: { field: 'n' } } },
  });
  const buckets = (name: string): unknown => (result.aggregations![name] as { buckets: unknown[] }).buckets;
  assert.deepEqual(buckets('teams'), [{ key: 'a', doc_count: 2 }]);
  assert.deepEqual(buckets('levels'), [{ key: 'debug', doc_count: 1 }, { key: 'info', doc_count: 1 }]);
  assert.deepEqual(buckets('secrets'), [], 'an aggregation on a hidden field sees no values');
  assert.equal((result.aggregations!['total'] as { value: number }).value, 3);
  // post_filter narrows hits, not aggregations: those still see only the visible documents.
  const filtered = await ann.search({ index: 'docs', post_filter: { term: { level: 'info' } }, aggs: { teams: { terms: { field: 'team' } }, range: { range: { field: 'n', ranges: [{ to: 10 }] } } } });
  assert.deepEqual(ids(filtered), ['1']);
  assert.deepEqual((filtered.aggregations!['teams'] as { buckets: unknown[] }).buckets, [{ key: 'a', doc_count: 2 }]);
  assert.equal((filtered.aggregations!['range'] as { buckets: { doc_count: number }[] }).buckets[0]!.doc_count, 2);
  // Sorting on a hidden field is sorting on a field that does not exist.
  const sorted = await failure(ann.search({ index: 'docs', sort: [{ secret: 'asc' }] }));
  assert.equal(sorted.status, 400);
});

test('role DLS: _cat/count counts the visible documents only (a count through a search, as Elasticsearch does)', async () => {
  const ann = fc.client({ username: 'ann', password: 'ann-password' });
  assert.deepEqual((await ann.cat.count({ index: 'docs', format: 'json' })).map((row) => row.count), ['2']);
  const al = fc.client({ username: 'al', password: 'al-password' });
  assert.deepEqual((await al.cat.count({ index: 'docs-b', format: 'json' })).map((row) => row.count), ['1']);
  assert.deepEqual((await fcAdmin.cat.count({ index: 'docs', format: 'json' })).map((row) => row.count), ['4']);
});

test('role DLS/FLS on get, mget, _source, msearch, scroll and field_caps', async () => {
  const ann = fc.client({ username: 'ann', password: 'ann-password' });
  const one = await ann.get({ index: 'docs', id: '1' });
  assert.deepEqual(one._source, { team: 'a', level: 'info', title: 'alpha report', customer: { name: 'c1' }, n: 1 });
  const hidden = await ann.get({ index: 'docs', id: '3' }, { ignore: [404], meta: true });
  assert.equal(hidden.statusCode, 404);
  assert.deepEqual(hidden.body, { _index: 'docs', _id: '3', found: false }, 'a hidden document is not found');
  const mget = await ann.mget({ index: 'docs', ids: ['2', '3', '4'] });
  assert.deepEqual(mget.docs.map((doc) => ('found' in doc ? doc.found : null)), [true, false, false]);
  assert.equal(((mget.docs[0] as { _source: Record<string, unknown> })._source)['secret'], undefined);
  assert.equal(await ann.exists({ index: 'docs', id: '3' }), false, 'HEAD: a hidden document does not exist');
  assert.equal(await ann.exists({ index: 'docs', id: '1' }), true);
  const source = await ann.getSource({ index: 'docs', id: '2' });
  assert.deepEqual(source, { team: 'a', level: 'debug', title: 'alpha notes', customer: { name: 'c2' }, n: 2 });
  const msearch = await ann.msearch({ searches: [{ index: 'docs' }, { query: { match_all: {} } }, { index: 'docs' }, { query: { term: { team: 'b' } } }] });
  assert.deepEqual(msearch.responses.map((response) => ('hits' in response ? (response.hits.total as { value: number }).value : -1)), [2, 0]);
  const page = await ann.search({ index: 'docs', scroll: '1m', size: 1, sort: [{ n: 'asc' }] });
  const next = await ann.scroll({ scroll_id: page._scroll_id!, scroll: '1m' });
  const last = await ann.scroll({ scroll_id: page._scroll_id!, scroll: '1m' });
  assert.deepEqual([...ids(page), ...ids(next), ...ids(last)], ['1', '2']);
  assert.equal((page.hits.total as { value: number }).value, 2);
  const caps = await ann.fieldCaps({ index: 'docs', fields: ['*'] });
  const names = Object.keys(caps.fields).filter((name) => !name.startsWith('_')).sort();
  assert.deepEqual(names, ['customer', 'customer.name', 'level', 'n', 'team', 'title']);
});

test('the role query sees fields that field level security hides (DLS applies before FLS)', async () => {
  const hal = fc.client({ username: 'hal', password: 'hal-password' });
  const result = await hal.search({ index: 'docs' });
  assert.deepEqual(ids(result), ['2', '4']);
  assert.deepEqual(Object.fromEntries(result.hits.hits.map((hit) => [hit._id, hit._source])), { '2': { title: 'alpha notes' }, '4': { title: 'gamma alpha' } });
  assert.equal((await hal.count({ index: 'docs', query: { match: { title: 'alpha' } } })).count, 2);
  assert.deepEqual(ids(await hal.search({ index: 'docs', query: { term: { owner: 'ann' } } })), [], 'the user cannot query the hidden field itself');
  assert.deepEqual((await hal.get({ index: 'docs', id: '4' }))._source, { title: 'gamma alpha' });
});

test('DLS/FLS granted through an alias name bind the index read through it', async () => {
  const al = fc.client({ username: 'al', password: 'al-password' });
  const result = await al.search({ index: 'docs-b' });
  assert.deepEqual(ids(result), ['3']);
  assert.deepEqual(result.hits.hits[0]!._source, { team: 'b', title: 'beta report' });
  assert.equal((await al.count({ index: 'docs-b' })).count, 1);
  assert.equal((await al.get({ index: 'docs-b', id: '1' }, { ignore: [404], meta: true })).statusCode, 404);
  assert.deepEqual((await al.get({ index: 'docs-b', id: '3' }))._source, { team: 'b', title: 'beta report' });
  const mget = await al.mget({ index: 'docs-b', ids: ['1', '3'] });
  assert.deepEqual(mget.docs.map((doc) => ('found' in doc ? doc.found : null)), [false, true]);
  const caps = await al.fieldCaps({ index: 'docs-b', fields: ['*'] });
  assert.deepEqual(Object.keys(caps.fields).filter((name) => !name.startsWith('_')).sort(), ['team', 'title']);
});

test('realtime get: the role query is checked on a document no refresh has made searchable', async () => {
  await fcAdmin.indices.create({ index: 'rt', settings: { refresh_interval: '-1' }, mappings: { properties: { team: { type: 'keyword' }, note: { type: 'text' } } } });
  await fcAdmin.security.putRole({ name: 'rt_a', indices: [{ names: ['rt'], privileges: ['read'], query: { bool: { filter: [{ term: { team: 'a' } }, { match: { note: 'open' } }] } } }] });
  await fcAdmin.security.putUser({ username: 'rtu', password: 'rtu-password', roles: ['rt_a'] });
  await fcAdmin.index({ index: 'rt', id: 'visible', document: { team: 'a', note: 'open door' } });
  await fcAdmin.index({ index: 'rt', id: 'other-team', document: { team: 'b', note: 'open door' } });
  await fcAdmin.index({ index: 'rt', id: 'closed', document: { team: 'a', note: 'closed door' } });
  const rtu = fc.client({ username: 'rtu', password: 'rtu-password' });
  assert.equal((await rtu.get({ index: 'rt', id: 'visible' })).found, true);
  for (const id of ['other-team', 'closed']) assert.equal((await rtu.get({ index: 'rt', id }, { ignore: [404], meta: true })).statusCode, 404, id);
  assert.equal((await rtu.count({ index: 'rt' })).count, 0, 'nothing refreshed yet');
});

test('updates are refused where document or field level security applies (they read the document)', async () => {
  await fcAdmin.security.putRole({ name: 'writer_a', indices: [{ names: ['docs'], privileges: ['read', 'write'], query: { term: { team: 'a' } } }] });
  await fcAdmin.security.putUser({ username: 'wes', password: 'wes-password', roles: ['writer_a'] });
  const wes = fc.client({ username: 'wes', password: 'wes-password' });
  const refused = await failure(wes.update({ index: 'docs', id: '1', doc: { title: 'changed' } }));
  assert.deepEqual(refused, { status: 400, type: 'security_exception', reason: "Can't execute an update request if field or document level security is enabled" });
  const bulk = await wes.bulk({ operations: [{ update: { _index: 'docs', _id: '2' } }, { doc: { title: 'changed' } }] });
  assert.equal(bulk.errors, true);
  const item = bulk.items[0]!.update!;
  assert.equal(item.status, 400);
  assert.equal(item.error!.type, 'security_exception');
  assert.equal((await fcAdmin.get({ index: 'docs', id: '1' }))._source!['title' as never], 'alpha report');
  assert.equal((await fcAdmin.get({ index: 'docs', id: '2' }))._source!['title' as never], 'alpha notes');
});

test('two roles: queries OR-ed and field grants unioned', async () => {
  const abe = fc.client({ username: 'abe', password: 'abe-password' });
  const result = await abe.search({ index: 'docs', sort: [{ n: 'asc' }] });
  assert.deepEqual(ids(result), ['1', '2', '3']);
  assert.deepEqual(result.hits.hits[0]!._source, { team: 'a', level: 'info', title: 'alpha report', secret: 's1', customer: { name: 'c1' }, n: 1 });
  assert.deepEqual(result.hits.hits[2]!._source, { team: 'b', level: 'info', title: 'beta report', secret: 's3', n: 3 });
});

test('templated role query: {{_user.username}}', async () => {
  const otto = fc.client({ username: 'otto', password: 'otto-password' });
  assert.deepEqual(ids(await otto.search({ index: 'docs' })), ['1', '3']);
  const role = await fcAdmin.security.getRole({ name: 'own_docs' });
  assert.equal(typeof role['own_docs']!.indices[0]!.query, 'string', 'the role query renders as a string, as in Elasticsearch');
});

test('API keys: the key restricts, the owner role restricts, both AND; aggregations stay bound', async () => {
  const infoOnly = { r: { indices: [{ names: ['docs'], privileges: ['read'], query: { term: { level: 'info' } }, field_security: { grant: ['*'], except: ['secret'] } }] } };
  const adminKey = await fcAdmin.security.createApiKey({ name: 'info', role_descriptors: infoOnly });
  const byAdminKey = fc.client({ apiKey: adminKey.encoded });
  const result = await byAdminKey.search({ index: 'docs' });
  assert.deepEqual(ids(result), ['1', '3', '4'], 'the key restricts a superuser owner');
  assert.ok(result.hits.hits.every((hit) => !('secret' in (hit._source as object)) && 'owner' in (hit._source as object)));
  const annKey = await fc.client({ username: 'ann', password: 'ann-password' }).security.createApiKey({ name: 'ann-info', role_descriptors: infoOnly });
  const byAnnKey = fc.client({ apiKey: annKey.encoded });
  const both = await byAnnKey.search({ index: 'docs', size: 0, aggs: { teams: { terms: { field: 'team' } } }, track_total_hits: true });
  assert.equal((both.hits.total as { value: number }).value, 1, 'team a AND level info');
  assert.deepEqual((both.aggregations!['teams'] as { buckets: unknown[] }).buckets, [{ key: 'a', doc_count: 1 }]);
  const doc = await byAnnKey.get({ index: 'docs', id: '1' });
  assert.deepEqual(doc._source, { team: 'a', level: 'info', title: 'alpha report', customer: { name: 'c1' }, n: 1 }, 'fields intersect: owner is granted by the key but not by the role');
  assert.equal((await byAnnKey.get({ index: 'docs', id: '2' }, { ignore: [404], meta: true })).statusCode, 404);
  // A key without descriptors is its owner's roles.
  const plain = await fc.client({ username: 'ann', password: 'ann-password' }).security.createApiKey({ name: 'ann-plain' });
  assert.deepEqual(ids(await fc.client({ apiKey: plain.encoded }).search({ index: 'docs' })), ['1', '2']);
});

test('validation: except must be a subset of grant; GET role renders query and field_security', async () => {
  const bad = await failure(fcAdmin.security.putRole({ name: 'bad', indices: [{ names: ['docs'], privileges: ['read'], field_security: { grant: ['field*'], except: ['_field3'] } }] }));
  assert.equal(bad.status, 400);
  assert.equal(bad.type, 'parse_exception');
  assert.match(bad.reason, /Exceptions for field permissions must be a subset of the granted fields/);
  const role = (await fcAdmin.security.getRole({ name: 'team_a' }))['team_a']!;
  assert.deepEqual(role.indices[0]!.field_security, { grant: ['title', 'team', 'level', 'n', 'customer.*'], except: ['customer.card'] });
  assert.deepEqual(JSON.parse(role.indices[0]!.query as string), { term: { team: 'a' } });
});

test('cross-cluster API key: search DLS/FLS binds a superuser; the user remote_indices AND with it', async () => {
  const key = await fcAdmin.security.createCrossClusterApiKey({
    name: 'dls-key',
    access: { search: [{ names: ['docs'], query: { term: { level: 'info' } }, field_security: { grant: ['*'], except: ['secret'] } }] },
  });
  const stored = await fcAdmin.security.getApiKey({ id: key.id });
  const access = (stored.api_keys[0] as unknown as { access: { search: Record<string, unknown>[] } }).access;
  assert.deepEqual(access.search[0]!['field_security'], { grant: ['*'], except: ['secret'] });
  qc.keystoreAdd('cluster.remote.rk.credentials', key.encoded);
  await qcAdmin.nodes.reloadSecureSettings();
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rk.mode': 'proxy', 'cluster.remote.rk.proxy_address': fc.remoteClusterAddress!, 'cluster.remote.rk.skip_unavailable': false } });
  await remoteConnected(qcAdmin, 'rk');

  const bySuperuser = await qcAdmin.search({ index: 'rk:docs', sort: [{ n: 'asc' }] });
  assert.deepEqual(ids(bySuperuser), ['1', '3', '4'], 'the key DLS binds a superuser');
  assert.ok(bySuperuser.hits.hits.every((hit) => !('secret' in (hit._source as object))));
  const superAggs = await qcAdmin.search({ index: 'rk:docs', size: 0, aggs: { levels: { terms: { field: 'level' } } } });
  assert.deepEqual((superAggs.aggregations!['levels'] as { buckets: unknown[] }).buckets, [{ key: 'info', doc_count: 3 }]);
  assert.deepEqual(ids(await qcAdmin.search({ index: 'rk:docs', query: { term: { secret: 's3' } } })), [], 'a query on a field the key hides matches nothing');

  await qcAdmin.security.putRole({
    name: 'remote_team_a',
    remote_indices: [{ clusters: ['rk'], names: ['docs'], privileges: ['read', 'read_cross_cluster'], query: { term: { team: 'a' } }, field_security: { grant: ['title', 'team', 'level', 'secret'] } }],
  });
  await qcAdmin.security.putUser({ username: 'rita', password: 'rita-password', roles: ['remote_team_a'] });
  const rita = qc.client({ username: 'rita', password: 'rita-password' });
  const both = await rita.search({ index: 'rk:docs' });
  assert.deepEqual(ids(both), ['1'], 'key (level info) AND remote_indices (team a)');
  assert.deepEqual(both.hits.hits[0]!._source, { team: 'a', level: 'info', title: 'alpha report' }, 'fields intersect: secret hidden by the key');
  assert.equal((await rita.count({ index: 'rk:docs' })).count, 1);
  const ritaCaps = await rita.fieldCaps({ index: 'rk:docs', fields: ['*'] });
  assert.deepEqual(Object.keys(ritaCaps.fields).filter((name) => !name.startsWith('_')).sort(), ['level', 'team', 'title'], 'field_caps: key ∩ remote_indices');

  // The caller's own REST API key restricts too (key descriptors ∩ owner roles ∩ cross-cluster key).
  const callerKey = await qcAdmin.security.grantApiKey({
    grant_type: 'password',
    username: 'rita',
    password: 'rita-password',
    api_key: { name: 'rita-remote', role_descriptors: { r: { remote_indices: [{ clusters: ['rk'], names: ['docs'], privileges: ['read', 'read_cross_cluster'], query: { term: { level: 'info' } } }] } } as never },
  });
  const byCallerKey = qc.client({ apiKey: callerKey.encoded! });
  assert.deepEqual(ids(await byCallerKey.search({ index: 'rk:docs' })), ['1']);
  const adminCallerKey = await qcAdmin.security.createApiKey({
    name: 'admin-remote',
    role_descriptors: { r: { remote_indices: [{ clusters: ['rk'], names: ['docs'], privileges: ['read', 'read_cross_cluster'], query: { term: { team: 'c' } } }] } },
  });
  assert.deepEqual(ids(await qc.client({ apiKey: adminCallerKey.encoded }).search({ index: 'rk:docs' })), ['4'], 'superuser key descriptors (team c) AND the key (level info)');

  // The user's remote_indices alone (a key without DLS).
  await fcAdmin.security.updateCrossClusterApiKey({ id: key.id, access: { search: [{ names: ['docs'] }] } });
  assert.deepEqual(ids(await rita.search({ index: 'rk:docs' })), ['1', '2']);
  assert.deepEqual(ids(await qcAdmin.search({ index: 'rk:docs' })), ['1', '2', '3', '4']);
});

test('CVE-2024-23445: search DLS/FLS with replication is refused on create and update', async () => {
  const created = await failure(
    fcAdmin.security.createCrossClusterApiKey({ name: 'both', access: { search: [{ names: ['docs'], query: { term: { team: 'a' } } }], replication: [{ names: ['docs'] }] } }),
  );
  assert.equal(created.status, 400);
  assert.match(created.reason, /search does not support document or field level security if replication is assigned/);
  const fls = await failure(
    fcAdmin.security.createCrossClusterApiKey({ name: 'both', access: { search: [{ names: ['docs'], field_security: { grant: ['*'], except: ['secret'] } }], replication: [{ names: ['docs'] }] } }),
  );
  assert.equal(fls.status, 400);
  const key = await fcAdmin.security.createCrossClusterApiKey({ name: 'search-dls', access: { search: [{ names: ['docs'], query: { term: { team: 'a' } } }] } });
  const updated = await failure(
    fcAdmin.security.updateCrossClusterApiKey({ id: key.id, access: { search: [{ names: ['docs'], query: { term: { team: 'a' } } }], replication: [{ names: ['docs'] }] } }),
  );
  assert.equal(updated.status, 400);
  assert.match(updated.reason, /search does not support document or field level security if replication is assigned/);

  // A key stored before the rule (simulated by writing the stored descriptor directly, as an
  // older version could have) is refused when used.
  // (The node caches keys it has read, and only its own writes refresh them: the row is changed
  // before the key's first use.)
  const legacy = await fcAdmin.security.createCrossClusterApiKey({ name: 'legacy', access: { search: [{ names: ['docs'], query: { term: { team: 'a' } } }] } });
  const db = new Database(path.join(fc.dataDir, 'node.db'));
  try {
    db.pragma('busy_timeout = 5000');
    const row = db.prepare('SELECT role_descriptors FROM security_api_keys WHERE id = ?').get(legacy.id) as { role_descriptors: string };
    const descriptors = JSON.parse(row.role_descriptors) as { cluster: string[]; indices: Record<string, unknown>[] }[];
    descriptors[0]!.cluster.push('cross_cluster_replication');
    descriptors[0]!.indices.push({ names: ['docs'], privileges: ['cross_cluster_replication', 'cross_cluster_replication_internal'], allowRestrictedIndices: false });
    db.prepare('UPDATE security_api_keys SET role_descriptors = ? WHERE id = ?').run(JSON.stringify(descriptors), legacy.id);
  } finally {
    db.close();
  }
  qc.keystoreAdd('cluster.remote.rk.credentials', legacy.encoded);
  await qcAdmin.nodes.reloadSecureSettings();
  const used = await failure(qcAdmin.search({ index: 'rk:docs' }));
  assert.equal(used.status, 400);
  assert.match(used.reason, new RegExp(`Cross cluster API key \\[${legacy.id}\\] is invalid: search does not support document or field level security if replication is assigned`));
});

test('cross-cluster replication refuses a leader index that DLS/FLS restricts for the caller', async () => {
  await qcAdmin.cluster.putSettings({ persistent: { 'cluster.remote.rc.seeds': [fc.transportAddress], 'cluster.remote.rc.skip_unavailable': false } });
  await remoteConnected(qcAdmin, 'rc');
  await fcAdmin.security.putRole({ name: 'ccr_reader', cluster: ['read_ccr'], indices: [{ names: ['docs'], privileges: ['monitor', 'read'], query: { term: { team: 'a' } } }] });
  await qcAdmin.security.putRole({ name: 'ccr_reader', cluster: ['manage_ccr', 'monitor'], indices: [{ names: ['copy-*'], privileges: ['monitor', 'read', 'write', 'manage_follow_index'] }] });
  await qcAdmin.security.putUser({ username: 'cora', password: 'cora-password', roles: ['ccr_reader'] });
  const cora = qc.client({ username: 'cora', password: 'cora-password' });
  const refused = await failure(cora.ccr.follow({ index: 'copy-docs', remote_cluster: 'rc', leader_index: 'docs' }));
  assert.equal(refused.status, 403);
  assert.match(refused.reason, /insufficient privileges to follow index \[docs\]: document or field level security/);
  assert.equal(await qcAdmin.indices.exists({ index: 'copy-docs' }), false);
  // The same role's DLS applies to cross-cluster search in the certificate model (the FC's role definition).
  assert.deepEqual(ids(await cora.search({ index: 'rc:docs' })), ['1', '2']);
});
