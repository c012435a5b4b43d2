import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import pino from 'pino';
import {
  compilePatterns,
  compilePermission,
  createSecurityService,
  globCovers,
  intersectPermissions,
  parseRoleDescriptor,
  privilegesGranting,
  reservedRoles,
  VerificationCache,
  hashSecret,
  verifySecret,
} from '../../../src/security/index.js';
import { isEsError } from '../../../src/common/index.js';
import { crossClusterAccessToDescriptor } from '../../../src/http/routes/security.js';
import { apiKeySchema, runQuery } from '../../../src/http/routes/security-query.js';

const role = (name: string, body: unknown) => parseRoleDescriptor(name, body);

test('index name patterns: wildcards, ?, /regex/, exact', () => {
  const match = compilePatterns(['logs-*', 'b?oks', '/metrics-[0-9]+/', 'exact']);
  assert.equal(match('logs-2024'), true);
  assert.equal(match('books'), true);
  assert.equal(match('metrics-42'), true);
  assert.equal(match('metrics-x'), false);
  assert.equal(match('exact'), true);
  assert.equal(match('exactly'), false);
  assert.equal(compilePatterns([])('anything'), false);
});

test('glob coverage is sound: a * of the inner pattern needs a * of the outer', () => {
  assert.equal(globCovers('logs-*', 'logs-2024-*'), true);
  assert.equal(globCovers('logs-2024-*', 'logs-*'), false);
  assert.equal(globCovers('*', 'anything*'), true);
  assert.equal(globCovers('logs-?', 'logs-*'), false);
  assert.equal(globCovers('indices:data/read/*', 'indices:data/read/search'), true);
});

test('named privileges resolve to action patterns', () => {
  const permission = compilePermission([
    role('r', { cluster: ['monitor'], indices: [{ names: ['books*'], privileges: ['read'] }, { names: ['logs'], privileges: ['write', 'create_index'] }] }),
  ]);
  assert.equal(permission.allowsCluster('cluster:monitor/health'), true);
  assert.equal(permission.allowsCluster('cluster:admin/settings/update'), false);
  assert.equal(permission.allowsIndex('indices:data/read/search', 'books-2'), true);
  assert.equal(permission.allowsIndex('indices:data/write/index', 'books-2'), false);
  assert.equal(permission.allowsIndex('indices:data/write/bulk[s]', 'logs'), true);
  assert.equal(permission.allowsIndex('indices:admin/create', 'logs'), true);
  assert.equal(permission.allowsIndex('indices:admin/delete', 'logs'), false);
});

test('manage excludes security actions; manage_security grants them', () => {
  const manage = compilePermission([role('m', { cluster: ['manage'] })]);
  assert.equal(manage.allowsCluster('cluster:admin/settings/update'), true);
  assert.equal(manage.allowsCluster('cluster:admin/xpack/security/user/put'), false);
  assert.equal(manage.hasClusterPrivilege('monitor'), true);
  assert.equal(manage.hasClusterPrivilege('manage_security'), false);
  const security = compilePermission([role('s', { cluster: ['manage_security'] })]);
  assert.equal(security.allowsCluster('cluster:admin/xpack/security/user/put'), true);
});

test('create_doc allows only create operations; index allows both', () => {
  const createDoc = compilePermission([role('c', { indices: [{ names: ['*'], privileges: ['create_doc'] }] })]);
  assert.equal(createDoc.allowsIndex('indices:data/write/index:op_type/create', 'a'), true);
  assert.equal(createDoc.allowsIndex('indices:data/write/index', 'a'), false);
  const index = compilePermission([role('i', { indices: [{ names: ['*'], privileges: ['index'] }] })]);
  assert.equal(index.allowsIndex('indices:data/write/index:op_type/create', 'a'), true);
  assert.equal(index.allowsIndex('indices:data/write/index', 'a'), true);
});

test('has-privilege checks on index patterns and named privileges', () => {
  const permission = compilePermission([role('r', { indices: [{ names: ['logs-*'], privileges: ['all'] }, { names: ['books'], privileges: ['read'] }] })]);
  assert.equal(permission.hasIndexPrivilege('logs-2024', 'write', false), true);
  assert.equal(permission.hasIndexPrivilege('logs-*', 'read', false), true);
  assert.equal(permission.hasIndexPrivilege('*', 'read', false), false);
  assert.equal(permission.hasIndexPrivilege('books', 'read', false), true);
  assert.equal(permission.hasIndexPrivilege('books', 'write', false), false);
  const superuser = compilePermission([reservedRoles.get('superuser')!]);
  assert.equal(superuser.hasIndexPrivilege('*', 'all', false), true);
  // Elasticsearch 9: superuser only reads the restricted indices.
  assert.equal(superuser.hasIndexPrivilege('*', 'all', true), false);
  assert.equal(superuser.hasClusterPrivilege('manage_security'), true);
});

test('an intersection allows only what both allow', () => {
  const key = compilePermission([role('k', { indices: [{ names: ['index1'], privileges: ['read'] }] })]);
  const owner = compilePermission([role('o', { indices: [{ names: ['index1', 'index2'], privileges: ['all'] }] })]);
  const both = intersectPermissions(key, owner);
  assert.equal(both.allowsIndex('indices:data/read/search', 'index1'), true);
  assert.equal(both.allowsIndex('indices:data/read/search', 'index2'), false);
  assert.equal(both.allowsIndex('indices:data/write/index', 'index1'), false);
});

test('role descriptor validation names the problem', () => {
  const expect400 = (body: unknown, pattern: RegExp): void => {
    assert.throws(() => parseRoleDescriptor('r', body), (error: unknown) => isEsError(error) && error.status === 400 && pattern.test(error.message));
  };
  expect400({ cluster: ['fly'] }, /unknown cluster privilege \[fly\]/);
  expect400({ indices: [{ names: ['a'], privileges: ['fly'] }] }, /unknown index privilege \[fly\]/);
  expect400({ indices: [{ privileges: ['read'] }] }, /missing required \[names\]/);
  expect400({ colour: 'red' }, /unexpected field \[colour\]/);
  expect400({ remote_indices: [{ names: ['a'], privileges: ['read'] }] }, /missing required \[clusters\]/);
  expect400({ remote_cluster: [{ clusters: ['a'], privileges: ['monitor'] }] }, /Only \[monitor_enrich, monitor_stats\]/);
  // Document and field level security are accepted (issue 11 §1); malformed ones are refused.
  expect400({ indices: [{ names: ['a'], privileges: ['read'], query: 42 }] }, /\[query\] must be a query object/);
  expect400({ indices: [{ names: ['a'], privileges: ['read'], field_security: { grant: ['a*'], except: ['b'] } }] }, /must be a subset of the granted fields/);
  const dls = parseRoleDescriptor('r', { indices: [{ names: ['a'], privileges: ['read'], query: { match_all: {} }, field_security: { grant: ['*'], except: ['x'] } }] });
  assert.deepEqual(dls.indices[0]!.query, { match_all: {} });
  assert.deepEqual(dls.indices[0]!.fieldSecurity, { grant: ['*'], except: ['x'] });
  const ok = parseRoleDescriptor('r', { remote_indices: [{ clusters: ['eu_*'], names: ['logs'], privileges: ['read', 'read_cross_cluster'] }] });
  assert.deepEqual(ok.remoteIndices[0]!.clusters, ['eu_*']);
});

test('the 403 message lists the privileges that would grant the action', () => {
  assert.deepEqual(privilegesGranting('cluster', 'cluster:monitor/health').sort(), ['all', 'manage', 'monitor']);
  assert.ok(privilegesGranting('index', 'indices:data/read/search').includes('read'));
});

test('cross-cluster access becomes the cross_cluster role descriptor (spec §4.2)', () => {
  const { descriptor, access } = crossClusterAccessToDescriptor({ search: [{ names: ['logs-*'] }], replication: [{ names: ['archive'] }] });
  assert.deepEqual(descriptor.cluster, ['cross_cluster_search', 'monitor_enrich', 'cross_cluster_replication']);
  assert.deepEqual(descriptor.indices[0]!.privileges, ['read', 'read_cross_cluster', 'view_index_metadata']);
  assert.deepEqual(descriptor.indices[1]!.privileges, ['cross_cluster_replication', 'cross_cluster_replication_internal']);
  assert.deepEqual(access, { search: [{ names: ['logs-*'], allow_restricted_indices: false }], replication: [{ names: ['archive'], allow_restricted_indices: false }] });
  assert.throws(() => crossClusterAccessToDescriptor({}), /must specify non-empty access/);
  assert.throws(() => crossClusterAccessToDescriptor({ replication: [{ names: ['a'], query: {} }] }), /replication does not support document or field level security/);
});

test('secrets: scrypt hashes verify only the right secret; the cache forgets changed hashes', async () => {
  const hash = await hashSecret('s3cret-value');
  assert.match(hash, /^\{scrypt\}/);
  assert.equal(await verifySecret('s3cret-value', hash), true);
  assert.equal(await verifySecret('s3cret-valuE', hash), false);
  assert.equal(await verifySecret('x', 'not-a-hash'), false);
  let now = 0;
  const cache = new VerificationCache(2, 1000, () => now);
  cache.remember('u', 'pw', hash);
  assert.equal(cache.matches('u', 'pw', hash), true);
  assert.equal(cache.matches('u', 'other', hash), false);
  assert.equal(cache.matches('u', 'pw', 'another-hash'), false);
  cache.remember('a', 'pw', hash);
  cache.remember('b', 'pw', hash);
  cache.remember('c', 'pw', hash);
  assert.equal(cache.size, 2);
  now = 5000;
  assert.equal(cache.matches('c', 'pw', hash), false);
});

test('security service: users, API keys limited by the owner at use time, invalidation', async () => {
  const db = new Database(':memory:');
  const security = createSecurityService({ db, log: pino({ level: 'silent' }), nowMs: () => Date.now(), bootstrapPassword: 'bootstrap-pw' });
  const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  const elastic = await security.authenticate(basic('elastic', 'bootstrap-pw'));
  assert.equal(elastic.user.username, 'elastic');
  await assert.rejects(security.authenticate(basic('elastic', 'wrong')), (e: unknown) => isEsError(e) && e.status === 401);
  await assert.rejects(security.authenticate({}), /missing authentication credentials/);
  security.putRole(parseRoleDescriptor('reader', { indices: [{ names: ['index1', 'index2'], privileges: ['read'] }] }));
  await security.putUser('bob', { password: 'bobpass1', roles: ['reader'] });
  const bob = await security.authenticate(basic('bob', 'bobpass1'));
  const created = await security.createApiKey(bob, { name: 'k', expirationMs: null, roleDescriptors: [parseRoleDescriptor('k', { indices: [{ names: ['*'], privileges: ['all'] }] })], metadata: {}, type: 'rest', access: null });
  const apiKeyHeader = { authorization: `ApiKey ${Buffer.from(`${created.id}:${created.secret}`).toString('base64')}` };
  const viaKey = await security.authenticate(apiKeyHeader);
  const authz = security.authorizer(viaKey);
  assert.equal(authz.allowsIndex('indices:data/read/search', 'index1'), true);
  assert.equal(authz.allowsIndex('indices:data/write/index', 'index1'), false, 'owner cannot write, so neither can the key');
  assert.throws(() => authz.indices('indices:data/write/index', ['index1']), /unauthorized for API key id \[.+\] of user \[bob\]/);
  // The owner's roles shrink: the key shrinks with them at the next use.
  security.putRole(parseRoleDescriptor('reader', { indices: [{ names: ['index2'], privileges: ['read'] }] }));
  const again = security.authorizer(await security.authenticate(apiKeyHeader));
  assert.equal(again.allowsIndex('indices:data/read/search', 'index1'), false);
  security.invalidateApiKeys([security.store.getApiKey(created.id)!]);
  await assert.rejects(security.authenticate(apiKeyHeader), (e: unknown) => isEsError(e) && e.status === 401 && /has been invalidated/.test(String(e.extra['additional_unsuccessful_credentials'])));
  await security.changePassword('bob', 'newpass1', undefined);
  await assert.rejects(security.authenticate(basic('bob', 'bobpass1')), /unable to authenticate user \[bob\]/);
  db.close();
});

test('query API keys: term, bool, sort and paging', () => {
  const key = (id: string, name: string, creationMs: number) => ({
    id, name, type: 'rest' as const, hash: '', creationMs, expirationMs: null, invalidated: false, invalidationMs: null,
    username: 'u', realm: 'default_native', realmType: 'native', metadata: { env: id === 'a' ? 'prod' : 'dev' }, roleDescriptors: [], ownerRoles: [], access: null,
  });
  const keys = [key('a', 'alpha', 3), key('b', 'beta', 1), key('c', 'gamma', 2)];
  const byMeta = runQuery(apiKeySchema, keys, { query: { term: { 'metadata.env': 'dev' } }, sort: [{ creation: 'desc' }] }, 0);
  assert.equal(byMeta.total, 2);
  assert.deepEqual(byMeta.items.map((i) => i.item.id), ['c', 'b']);
  const paged = runQuery(apiKeySchema, keys, { query: { bool: { must_not: [{ prefix: { name: 'g' } }] } }, sort: ['name'], size: 1, from: 1 }, 0);
  assert.deepEqual(paged.items.map((i) => i.item.id), ['b']);
  assert.throws(() => runQuery(apiKeySchema, keys, { query: { term: { hash: 'x' } } }, 0), /not allowed/);
});
