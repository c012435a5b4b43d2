// Security on a real node process over HTTPS (certificates from our certutil), exercised through
// the official clients 9.x and 8.x: users, roles, API keys, authorization by action, 401/403.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { errors as clientErrors } from '@elastic/elasticsearch';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;
before(async () => {
  node = await startNode();
});
after(async () => {
  await node?.destroy();
});

async function expectStatus(promise: Promise<unknown>, status: number, reason?: RegExp): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof clientErrors.ResponseError, `expected a response error, got ${String(error)}`);
    assert.equal(error.meta.statusCode, status, JSON.stringify(error.meta.body));
    const body = error.meta.body as { error: { type: string; reason: string } };
    if (reason !== undefined) assert.match(body.error.reason, reason);
    return body as unknown as Record<string, unknown>;
  }
  assert.fail(`expected HTTP ${status}`);
}

test('elastic authenticates with the bootstrap password; wrong or missing credentials are 401 with WWW-Authenticate', async () => {
  const me = await node.client().security.authenticate();
  assert.equal(me.username, 'elastic');
  assert.deepEqual(me.roles, ['superuser']);
  assert.deepEqual(me.authentication_realm, { name: 'reserved', type: 'reserved' });
  assert.equal(me.authentication_type, 'realm');
  await expectStatus(node.client({ password: 'wrong-password' }).info(), 401, /unable to authenticate user \[elastic\]/);
  const anonymous = await rawRequest(node, 'GET', '/', { auth: false });
  assert.equal(anonymous.status, 401);
  assert.match(String(anonymous.headers['www-authenticate']), /Basic realm="security"/);
  assert.match(String(anonymous.headers['www-authenticate']), /ApiKey/);
  const body = JSON.parse(anonymous.text) as { error: { type: string; reason: string } };
  assert.equal(body.error.type, 'security_exception');
  assert.match(body.error.reason, /missing authentication credentials for REST request \[\/\]/);
  // A forged API key is refused the same way and the node keeps serving.
  const forged = await rawRequest(node, 'GET', '/', { headers: { authorization: `ApiKey ${Buffer.from('nope:nope').toString('base64')}` }, auth: false });
  assert.equal(forged.status, 401);
  assert.equal((await node.client().info()).tagline, 'You Know, for Search');
});

test('users and roles: create, read, authorize by action, disable, change password (9.x client)', async () => {
  const admin = node.client();
  const role = await admin.security.putRole({ name: 'books_reader', cluster: ['monitor'], indices: [{ names: ['books*'], privileges: ['read'] }] });
  assert.deepEqual(role, { role: { created: true } });
  const roles = await admin.security.getRole({ name: 'books_reader' });
  assert.deepEqual(roles['books_reader']!.indices[0]!.names, ['books*']);
  assert.deepEqual(roles['books_reader']!.cluster, ['monitor']);
  const created = await admin.security.putUser({ username: 'bob', password: 'bob-password', roles: ['books_reader'], full_name: 'Bob' });
  assert.equal(created.created, true);
  const users = await admin.security.getUser({ username: 'bob' });
  assert.equal(users['bob']!.full_name, 'Bob');
  assert.deepEqual(users['bob']!.roles, ['books_reader']);
  assert.equal(users['bob']!.enabled, true);
  assert.ok(!('password' in users['bob']!));

  await admin.index({ index: 'books', id: '1', document: { title: 'Dune' }, refresh: true });
  await admin.index({ index: 'logs', id: '1', document: { line: 'secret' }, refresh: true });
  const bob = node.client({ username: 'bob', password: 'bob-password' });
  assert.equal((await bob.get({ index: 'books', id: '1' }))._source !== undefined, true);
  assert.equal((await bob.cluster.health()).cluster_name, 'test-cluster');
  await expectStatus(bob.index({ index: 'books', id: '2', document: { title: 'x' } }), 403, /action \[indices:data\/write\/index\] is unauthorized for user \[bob\] with effective roles \[books_reader\] on indices \[books\]/);
  await expectStatus(bob.get({ index: 'logs', id: '1' }), 403, /indices:data\/read\/get/);
  await expectStatus(bob.indices.create({ index: 'books-new' }), 403, /indices:admin\/create/);
  await expectStatus(bob.security.putUser({ username: 'eve', password: 'eve-password', roles: ['superuser'] }), 403, /cluster:admin\/xpack\/security\/user\/put/);
  await expectStatus(bob.cluster.putSettings({ persistent: { 'cluster.routing.allocation.enable': 'all' } }), 403, /cluster:admin\/settings\/update/);
  // Bulk: per-item 403s, allowed items written.
  const writer = await admin.security.putRole({ name: 'books_writer', indices: [{ names: ['books'], privileges: ['write'] }] });
  assert.equal(writer.role.created, true);
  await admin.security.putUser({ username: 'wendy', password: 'wendy-password', roles: ['books_writer'] });
  const wendy = node.client({ username: 'wendy', password: 'wendy-password' });
  const bulk = await wendy.bulk({ operations: [{ index: { _index: 'books', _id: '3' } }, { title: 'ok' }, { index: { _index: 'logs', _id: '9' } }, { line: 'no' }] });
  assert.equal(bulk.errors, true);
  assert.equal(bulk.items[0]!.index!.status, 201);
  assert.equal(bulk.items[1]!.index!.status, 403);
  assert.equal(bulk.items[1]!.index!.error!.type, 'security_exception');
  // Writing to a missing index needs a create privilege too.
  await expectStatus(wendy.index({ index: 'books', id: '4', document: { title: 'fine' } }).then(() => wendy.index({ index: 'brand-new', id: '1', document: {} })), 403);

  // Self-service password change; the old password stops working.
  await bob.security.changePassword({ password: 'bob-password-2' });
  await expectStatus(bob.info(), 401);
  const bob2 = node.client({ username: 'bob', password: 'bob-password-2' });
  assert.equal((await bob2.security.authenticate()).username, 'bob');
  await admin.security.disableUser({ username: 'bob' });
  await expectStatus(bob2.info(), 401);
  await admin.security.enableUser({ username: 'bob' });
  assert.equal((await bob2.security.authenticate()).username, 'bob');

  // Validation errors in Elasticsearch's shape.
  await expectStatus(admin.security.putUser({ username: 'short', password: '123', roles: [] }), 400, /passwords must be at least \[6\] characters long/);
  await expectStatus(admin.security.putRole({ name: 'bad', cluster: ['fly'] }), 400, /unknown cluster privilege \[fly\]/);
  await expectStatus(admin.security.putRole({ name: 'superuser', cluster: ['all'] }), 400, /reserved/);
  await expectStatus(admin.security.putUser({ username: 'elastic', password: 'whatever1', roles: [] }), 400, /reserved/);
  const missing = await admin.security.getUser({ username: 'nobody' }, { meta: true, ignore: [404] });
  assert.equal(missing.statusCode, 404);
  const deleted = await admin.security.deleteUser({ username: 'wendy' });
  assert.equal(deleted.found, true);
});

test('has_privileges and builtin privileges', async () => {
  const admin = node.client();
  await admin.security.putRole({ name: 'logs_reader', indices: [{ names: ['logs-*'], privileges: ['read', 'view_index_metadata'] }] });
  await admin.security.putUser({ username: 'lena', password: 'lena-password', roles: ['logs_reader'] });
  const lena = node.client({ username: 'lena', password: 'lena-password' });
  const result = await lena.security.hasPrivileges({ cluster: ['monitor'], index: [{ names: ['logs-2024', 'books'], privileges: ['read'] }] });
  assert.equal(result.has_all_requested, false);
  assert.deepEqual(result.cluster, { monitor: false });
  assert.deepEqual(result.index, { 'logs-2024': { read: true }, books: { read: false } });
  const builtin = await admin.security.getBuiltinPrivileges();
  assert.ok(builtin.cluster.includes('manage_security'));
  assert.ok(builtin.index.includes('read_cross_cluster'));
});

test('API keys: create, use, limited by the owner, query, invalidate (effective at once)', async () => {
  const admin = node.client();
  await admin.security.putRole({ name: 'two_indices', cluster: ['manage_own_api_key'], indices: [{ names: ['index1', 'index2'], privileges: ['read', 'write', 'create_index'] }] });
  await admin.security.putUser({ username: 'kim', password: 'kim-password', roles: ['two_indices'] });
  await admin.index({ index: 'index1', id: '1', document: { n: 1 }, refresh: true });
  await admin.index({ index: 'index2', id: '1', document: { n: 2 }, refresh: true });
  const kim = node.client({ username: 'kim', password: 'kim-password' });
  const key = await kim.security.createApiKey({
    name: 'index1-reader',
    expiration: '1d',
    role_descriptors: { only_index1: { indices: [{ names: ['index1', 'index3'], privileges: ['read', 'write'] }] } },
    metadata: { team: 'search' },
  });
  assert.equal(key.name, 'index1-reader');
  assert.equal(typeof key.expiration, 'number');
  assert.equal(Buffer.from(key.encoded, 'base64').toString(), `${key.id}:${key.api_key}`);
  const viaKey = node.client({ apiKey: key.encoded });
  const who = await viaKey.security.authenticate();
  assert.equal(who.username, 'kim');
  assert.equal(who.authentication_type, 'api_key');
  assert.deepEqual(who.api_key, { id: key.id, name: 'index1-reader' });
  assert.equal((await viaKey.get({ index: 'index1', id: '1' })).found, true);
  await expectStatus(viaKey.get({ index: 'index2', id: '1' }), 403, new RegExp(`API key id \\[${key.id}\\] of user \\[kim\\]`));
  // index3 is in the key but not in the owner's roles: the owner's limit wins.
  await expectStatus(viaKey.index({ index: 'index3', id: '1', document: {} }), 403);

  // With only manage_own_api_key a read must be scoped to the caller (owner: true).
  const listed = await kim.security.getApiKey({ id: key.id, owner: true, with_limited_by: true });
  assert.equal(listed.api_keys.length, 1);
  const stored = listed.api_keys[0]!;
  assert.equal(stored.type, 'rest');
  assert.equal(stored.invalidated, false);
  assert.deepEqual(stored.metadata, { team: 'search' });
  assert.deepEqual(Object.keys(stored.role_descriptors ?? {}), ['only_index1']);
  assert.ok(stored.limited_by !== undefined && 'two_indices' in stored.limited_by[0]!);
  assert.ok(!('api_key' in stored) && !JSON.stringify(stored).includes(key.api_key), 'the secret is never returned again');

  const queried = await admin.security.queryApiKeys({ query: { term: { 'metadata.team': 'search' } } });
  assert.equal(queried.total, 1);
  assert.equal(queried.api_keys[0]!.id, key.id);

  // A user with manage_own_api_key sees only their own keys.
  const adminKey = await admin.security.createApiKey({ name: 'admin-key' });
  const kimsView = await kim.security.getApiKey({ owner: true });
  assert.deepEqual(kimsView.api_keys.map((k) => k.id), [key.id]);
  assert.ok((await admin.security.getApiKey({})).api_keys.some((k) => k.id === adminKey.id));

  const invalidated = await kim.security.invalidateApiKey({ ids: [key.id], owner: true });
  assert.deepEqual(invalidated.invalidated_api_keys, [key.id]);
  assert.equal(invalidated.error_count, 0);
  await expectStatus(viaKey.security.authenticate(), 401);
  const again = await kim.security.invalidateApiKey({ ids: [key.id], owner: true });
  assert.deepEqual(again.previously_invalidated_api_keys, [key.id]);
  await expectStatus(kim.security.createApiKey({ name: 'x', expiration: 'forever' }), 400, /expiration/);
});

test('cross-cluster API keys: created with manage_security only, refused on REST (spec §4)', async () => {
  const admin = node.client();
  const key = await admin.security.createCrossClusterApiKey({ name: 'for-hq', access: { search: [{ names: ['logs-*'] }] } });
  const listed = await admin.security.getApiKey({ id: key.id });
  const stored = listed.api_keys[0]!;
  assert.equal(stored.type, 'cross_cluster');
  assert.deepEqual(stored.role_descriptors!['cross_cluster']!.cluster, ['cross_cluster_search', 'monitor_enrich']);
  assert.deepEqual((stored.role_descriptors as Record<string, { cluster: string[]; indices: { privileges: string[] }[] }>)['cross_cluster']!.cluster, ['cross_cluster_search', 'monitor_enrich']);
  assert.deepEqual((stored.role_descriptors as Record<string, { cluster: string[]; indices: { privileges: string[] }[] }>)['cross_cluster']!.indices[0]!.privileges, ['read', 'read_cross_cluster', 'view_index_metadata']);
  await expectStatus(admin.security.createCrossClusterApiKey({ name: 'empty', access: {} }), 400, /must specify non-empty access/);
  const updated = await admin.security.updateCrossClusterApiKey({ id: key.id, access: { search: [{ names: ['logs-*', 'metrics-*'] }] } });
  assert.equal(updated.updated, true);
  await expectStatus(admin.security.updateApiKey({ id: key.id, metadata: { a: 1 } }), 400, /cannot update API key of type \[cross_cluster\] while expected type is \[rest\]/);
  const restKey = await admin.security.createApiKey({ name: 'rest' });
  await expectStatus(node.client({ apiKey: restKey.encoded }).security.createCrossClusterApiKey({ name: 'x', access: { search: [{ names: ['a'] }] } }), 400, /An API key cannot be used to create a cross-cluster API key/);
  await admin.security.putRole({ name: 'key_manager', cluster: ['manage_api_key'] });
  await admin.security.putUser({ username: 'mia', password: 'mia-password', roles: ['key_manager'] });
  await expectStatus(node.client({ username: 'mia', password: 'mia-password' }).security.createCrossClusterApiKey({ name: 'x', access: { search: [{ names: ['a'] }] } }), 403, /cluster:admin\/xpack\/security\/cross_cluster\/api_key\/create/);
});

test('the 8.x client works against the same node (security APIs)', async () => {
  const client8 = node.client8();
  const me = await client8.security.authenticate();
  assert.equal(me.username, 'elastic');
  await client8.security.putRole({ name: 'r8', indices: [{ names: ['r8-*'], privileges: ['read'] }] });
  const created = await client8.security.putUser({ username: 'u8', password: 'u8-password', roles: ['r8'] });
  assert.equal(created.created, true);
  const key = await client8.security.createApiKey({ name: 'k8' });
  assert.equal(typeof key.encoded, 'string');
});

test('security objects and passwords survive a restart; secrets never appear in logs', async () => {
  const admin = node.client();
  await admin.security.putUser({ username: 'persist', password: 'persist-password', roles: ['viewer'] });
  const key = await admin.security.createApiKey({ name: 'persist-key' });
  node = await node.restart();
  assert.equal((await node.client({ username: 'persist', password: 'persist-password' }).security.authenticate()).username, 'persist');
  assert.equal((await node.client({ apiKey: key.encoded }).security.authenticate()).api_key?.id, key.id);
  const logs = node.logs.join('\n');
  assert.ok(!logs.includes('persist-password'));
  assert.ok(!logs.includes(key.api_key));
  assert.ok(!logs.includes(node.password));
});
