// Issue 13: authentication no longer reads SQLite on every request: the security store keeps the
// users it read (store.ts), and the service keeps compiled permissions by role list
// (service.ts). A security cache must never serve a stale grant: every change to a user (password,
// roles, enabled), a role or an API key, made here or arriving from another node (applyShared),
// takes effect on the very next authentication, as Elasticsearch's realm and role caches are
// cleared on every such change (ES docs: "Clear cache" APIs; changes through the APIs clear them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import type { SqlDatabase } from '../../../src/common/index.js';
import { encodeRecord } from '../../../src/security/replication.js';
import { NativeSecurityService } from '../../../src/security/service.js';
import type { RoleDescriptor } from '../../../src/security/roles.js';
import type { Authentication } from '../../../src/security/types.js';

const SEARCH = 'indices:data/read/search';

function service(now: { ms: number } = { ms: 1_000 }): NativeSecurityService {
  return new NativeSecurityService({ db: new Database(':memory:') as unknown as SqlDatabase, log: pino({ level: 'silent' }), nowMs: () => now.ms });
}

const reader = (name: string, index: string): RoleDescriptor => ({
  name,
  cluster: [],
  indices: [{ names: [index], privileges: ['read'], allowRestrictedIndices: false }],
  remoteIndices: [],
  remoteCluster: [],
  runAs: [],
  applications: [],
  metadata: {},
});

function reads(security: NativeSecurityService, authentication: Authentication, index: string): boolean {
  return security.authorizer(authentication).allowsIndex(SEARCH, index);
}

const refused = /unable to authenticate user \[alice\]/;

/** An API key refusal: a 401 whose additional_unsuccessful_credentials says why (ES ApiKeyService). */
const keyRefused = (why: RegExp) => (error: { status?: number; extra?: Record<string, unknown> }): boolean => {
  assert.equal(error.status, 401);
  assert.match(String(error.extra?.['additional_unsuccessful_credentials']), why);
  return true;
};

test('a cached user is read once from the store and read again after every write of it', async () => {
  const security = service();
  await security.putUser('alice', { password: 'alice-secret', roles: ['r1'] });
  const first = security.store.getUser('alice', false);
  assert.equal(security.store.getUser('alice', false), first, 'the second read is the cached object');
  security.store.putUser({ ...first!, fullName: 'Alice' }, false);
  assert.equal(security.store.getUser('alice', false)?.fullName, 'Alice');
  security.store.deleteUser('alice');
  assert.equal(security.store.getUser('alice', false), undefined);
  // An absent user is remembered as absent until a write creates it (here or through another node).
  assert.equal(security.store.getUser('carol', false), undefined);
  await security.putUser('carol', { password: 'carol-secret', roles: [] });
  assert.equal(security.store.getUser('carol', false)?.username, 'carol');
  assert.equal(security.store.getUser('dave', false), undefined);
  security.store.applyShared('user/dave', { kind: 'user', user: { ...first!, username: 'dave' } }, 3);
  assert.equal(security.store.getUser('dave', false)?.username, 'dave');
  assert.equal(security.store.getUser('kibana_system', true), undefined);
  await security.changePassword('kibana_system', 'kibana-secret', undefined);
  assert.ok(security.store.getUser('kibana_system', true)?.passwordHash);
});

test('password, roles, role contents, enabled state and deletion take effect on the very next authentication', async () => {
  const security = service();
  security.putRole(reader('r1', 'logs'));
  security.putRole(reader('r2', 'metrics'));
  await security.putUser('alice', { password: 'alice-secret', roles: ['r1'] });
  // Warm every cache: the verified password, the user row, the permission of ['r1'].
  for (let i = 0; i < 2; i++) assert.equal(reads(security, await security.authenticatePassword('alice', 'alice-secret', 'test'), 'logs'), true);

  // The role's contents change: the next request has the new grant, and not the old one.
  security.putRole(reader('r1', 'other'));
  let authentication = await security.authenticatePassword('alice', 'alice-secret', 'test');
  assert.equal(reads(security, authentication, 'logs'), false);
  assert.equal(reads(security, authentication, 'other'), true);

  // The user's roles change (no password given).
  await security.putUser('alice', { roles: ['r2'] });
  authentication = await security.authenticatePassword('alice', 'alice-secret', 'test');
  assert.deepEqual(authentication.user.roles, ['r2']);
  assert.equal(reads(security, authentication, 'other'), false);
  assert.equal(reads(security, authentication, 'metrics'), true);

  // Disabled: refused at once; enabled again: accepted at once.
  const admin = await (async () => {
    security.putRole({ ...reader('admin', '*'), cluster: ['all'] });
    await security.putUser('root', { password: 'root-secret', roles: ['admin'] });
    return security.authenticatePassword('root', 'root-secret', 'test');
  })();
  security.setEnabled('alice', false, admin);
  await assert.rejects(security.authenticatePassword('alice', 'alice-secret', 'test'), refused);
  security.setEnabled('alice', true, admin);
  assert.equal((await security.authenticatePassword('alice', 'alice-secret', 'test')).user.enabled, true);

  // A new password: the old one is refused on the next request, the new one accepted.
  await security.changePassword('alice', 'alice-second', undefined);
  await assert.rejects(security.authenticatePassword('alice', 'alice-secret', 'test'), refused);
  assert.equal((await security.authenticatePassword('alice', 'alice-second', 'test')).user.username, 'alice');

  // The role is deleted: the user still authenticates, with no grant.
  security.deleteRole('r2');
  assert.equal(reads(security, await security.authenticatePassword('alice', 'alice-second', 'test'), 'metrics'), false);

  // Deleted: refused.
  security.deleteUser('alice');
  await assert.rejects(security.authenticatePassword('alice', 'alice-second', 'test'), refused);
});

test('the reserved elastic user: a disabled state and a new password take effect on the next request', async () => {
  const security = service();
  security.ensureElasticPassword('elastic-secret');
  await security.putUser('bob', { password: 'bob-secret', roles: ['superuser'] });
  const bob = await security.authenticatePassword('bob', 'bob-secret', 'test');
  for (let i = 0; i < 2; i++) await security.authenticatePassword('elastic', 'elastic-secret', 'test');
  security.setEnabled('elastic', false, bob);
  await assert.rejects(security.authenticatePassword('elastic', 'elastic-secret', 'test'), /unable to authenticate user \[elastic\]/);
  security.setEnabled('elastic', true, bob);
  await security.changePassword('elastic', 'elastic-second', undefined);
  await assert.rejects(security.authenticatePassword('elastic', 'elastic-secret', 'test'), /unable to authenticate user \[elastic\]/);
  assert.equal((await security.authenticatePassword('elastic', 'elastic-second', 'test')).user.username, 'elastic');
});

test('changes arriving from another node (applyShared) take effect on the very next authentication', async () => {
  const security = service();
  security.shareChanges(() => undefined, 1_000_000);
  security.putRole(reader('r1', 'logs'));
  await security.putUser('alice', { password: 'alice-secret', roles: ['r1'] });
  for (let i = 0; i < 2; i++) assert.equal(reads(security, await security.authenticatePassword('alice', 'alice-secret', 'test'), 'logs'), true);
  const alice = security.store.getUser('alice', false)!;

  // Another node changes the role.
  security.applyShared('role/r1', encodeRecord({ kind: 'role', role: reader('r1', 'other') }), 10);
  assert.equal(reads(security, await security.authenticatePassword('alice', 'alice-secret', 'test'), 'logs'), false);

  // Another node disables alice.
  security.applyShared('user/alice', encodeRecord({ kind: 'user', user: { ...alice, enabled: false } }), 11);
  await assert.rejects(security.authenticatePassword('alice', 'alice-secret', 'test'), refused);
  // ...enables her with other roles.
  security.applyShared('user/alice', encodeRecord({ kind: 'user', user: { ...alice, roles: ['r9'] } }), 12);
  assert.deepEqual((await security.authenticatePassword('alice', 'alice-secret', 'test')).user.roles, ['r9']);
  // ...deletes her.
  security.applyShared('user/alice', null, 13);
  await assert.rejects(security.authenticatePassword('alice', 'alice-secret', 'test'), refused);
});

test('API keys: the owner\'s role change, the owner disabled, invalidation (local or shared) and expiry take effect on the next request', async () => {
  const now = { ms: 1_000 };
  const security = service(now);
  security.shareChanges(() => undefined, 1_000_000);
  security.putRole(reader('r1', 'logs'));
  await security.putUser('alice', { password: 'alice-secret', roles: ['r1'] });
  await security.putUser('root', { password: 'root-secret', roles: ['superuser'] });
  const root = await security.authenticatePassword('root', 'root-secret', 'test');
  const owner = await security.authenticatePassword('alice', 'alice-secret', 'test');
  const request = { name: 'k', expirationMs: 60_000, roleDescriptors: [], metadata: {}, type: 'rest' as const, access: null };
  const key = await security.createApiKey(owner, request);
  const credential = Buffer.from(`${key.id}:${key.secret}`).toString('base64');
  for (let i = 0; i < 2; i++) assert.equal(reads(security, await security.authenticateApiKey(credential, 'rest'), 'logs'), true);

  // The owner's role changes: the key (limited by the owner's roles as they are now) follows.
  security.putRole(reader('r1', 'other'));
  assert.equal(reads(security, await security.authenticateApiKey(credential, 'rest'), 'logs'), false);
  // The owner is disabled: the key grants nothing.
  security.setEnabled('alice', false, root);
  assert.equal(reads(security, await security.authenticateApiKey(credential, 'rest'), 'other'), false);
  security.setEnabled('alice', true, root);
  assert.equal(reads(security, await security.authenticateApiKey(credential, 'rest'), 'other'), true);

  // Expiry: refused once the clock passes it.
  now.ms += 60_000;
  await assert.rejects(security.authenticateApiKey(credential, 'rest'), keyRefused(/api key \[.+\] is expired/));
  now.ms -= 60_000;

  // Invalidated on this node.
  security.invalidateApiKeys([security.store.getApiKey(key.id)!]);
  await assert.rejects(security.authenticateApiKey(credential, 'rest'), keyRefused(/api key \[.+\] has been invalidated/));

  // A second key, invalidated by another node.
  const second = await security.createApiKey(owner, { ...request, name: 'k2' });
  const secondCredential = Buffer.from(`${second.id}:${second.secret}`).toString('base64');
  for (let i = 0; i < 2; i++) await security.authenticateApiKey(secondCredential, 'rest');
  const stored = security.store.getApiKey(second.id)!;
  security.applyShared(`api_key/${second.id}`, encodeRecord({ kind: 'api_key', key: { ...stored, invalidated: true, invalidationMs: now.ms } }), 20);
  await assert.rejects(security.authenticateApiKey(secondCredential, 'rest'), keyRefused(/api key \[.+\] has been invalidated/));
});

test('a shared write etcd refused is rolled back by the next full load, and authentication follows the restored records at once', async () => {
  const security = service();
  security.shareChanges(() => undefined, 1_000_000);
  const etcd = new Map<string, { value: string; revision: number }>();
  // What etcd accepted: every record this node holds now (each publication succeeded).
  let revision = 1;
  const publishAll = (): void => {
    for (const [key, record] of security.store.records()) etcd.set(key, { value: encodeRecord(record), revision: revision++ });
    security.loadShared(etcd, 'cluster-1');
  };
  security.putRole(reader('r1', 'logs'));
  security.putRole(reader('r2', 'metrics'));
  await security.putUser('alice', { password: 'alice-secret', roles: ['r1'] });
  publishAll();
  const warm = async (password = 'alice-secret'): Promise<Authentication> => {
    let authentication: Authentication | undefined;
    for (let i = 0; i < 2; i++) authentication = await security.authenticatePassword('alice', password, 'test');
    return authentication!;
  };
  assert.equal(reads(security, await warm(), 'logs'), true);

  // A role change etcd never accepted: in force locally until the reload, then gone.
  security.putRole(reader('r1', 'metrics'));
  assert.equal(reads(security, await warm(), 'logs'), false);
  security.loadShared(etcd, 'cluster-1');
  let authentication = await security.authenticatePassword('alice', 'alice-secret', 'test');
  assert.equal(reads(security, authentication, 'logs'), true, 'the restored role grants logs again');
  assert.equal(reads(security, authentication, 'metrics'), false, 'and no longer the rolled-back grant');

  // A change of the user's roles.
  await security.putUser('alice', { roles: ['r2'] });
  assert.equal(reads(security, await warm(), 'metrics'), true);
  security.loadShared(etcd, 'cluster-1');
  authentication = await security.authenticatePassword('alice', 'alice-secret', 'test');
  assert.deepEqual(authentication.user.roles, ['r1']);
  assert.equal(reads(security, authentication, 'metrics'), false);

  // A password change.
  await security.changePassword('alice', 'alice-new', undefined);
  await warm('alice-new');
  security.loadShared(etcd, 'cluster-1');
  await assert.rejects(security.authenticatePassword('alice', 'alice-new', 'test'), refused);
  assert.equal((await security.authenticatePassword('alice', 'alice-secret', 'test')).user.username, 'alice');

  // A role deleted, a role created.
  security.deleteRole('r2');
  security.putRole(reader('r3', 'secrets'));
  await security.putUser('alice', { roles: ['r1', 'r2', 'r3'] });
  assert.equal(reads(security, await warm(), 'secrets'), true);
  security.loadShared(etcd, 'cluster-1');
  authentication = await security.authenticatePassword('alice', 'alice-secret', 'test');
  assert.equal(reads(security, authentication, 'secrets'), false);
  assert.equal(security.store.getRole('r3'), undefined);
  assert.ok(security.store.getRole('r2'));

  // A reserved user's password, an API key's invalidation and its owner's disabling.
  await security.changePassword('kibana_system', 'kibana-first', undefined);
  const owner = await security.authenticatePassword('alice', 'alice-secret', 'test');
  const key = await security.createApiKey(owner, { name: 'k', expirationMs: null, roleDescriptors: [], metadata: {}, type: 'rest', access: null });
  const credential = Buffer.from(`${key.id}:${key.secret}`).toString('base64');
  publishAll();
  await security.authenticatePassword('kibana_system', 'kibana-first', 'test');
  for (let i = 0; i < 2; i++) assert.equal(reads(security, await security.authenticateApiKey(credential, 'rest'), 'logs'), true);
  await security.changePassword('kibana_system', 'kibana-second', undefined);
  await security.authenticatePassword('kibana_system', 'kibana-second', 'test');
  security.invalidateApiKeys([security.store.getApiKey(key.id)!]);
  await assert.rejects(security.authenticateApiKey(credential, 'rest'), keyRefused(/has been invalidated/));
  security.loadShared(etcd, 'cluster-1');
  await assert.rejects(security.authenticatePassword('kibana_system', 'kibana-second', 'test'), /unable to authenticate user \[kibana_system\]/);
  assert.equal((await security.authenticatePassword('kibana_system', 'kibana-first', 'test')).user.username, 'kibana_system');
  assert.equal(reads(security, await security.authenticateApiKey(credential, 'rest'), 'logs'), true, 'the invalidation etcd refused is undone');
});

test('a refused shared write of the elastic password leaves the auto-configured password working (it is the node\'s own, as a bootstrap password)', async () => {
  const security = service();
  security.ensureElasticPassword('generated-secret');
  const empty = new Map<string, { value: string; revision: number }>();
  security.shareChanges(() => undefined, 1_000_000);
  security.loadShared(empty, 'cluster-1');
  assert.equal((await security.authenticatePassword('elastic', 'generated-secret', 'test')).user.username, 'elastic');
  // The API sets a password; etcd refuses the write; the next full load rolls it back.
  await security.changePassword('elastic', 'api-password', undefined);
  security.loadShared(empty, 'cluster-1');
  await assert.rejects(security.authenticatePassword('elastic', 'api-password', 'test'), /unable to authenticate user \[elastic\]/);
  assert.equal((await security.authenticatePassword('elastic', 'generated-secret', 'test')).user.username, 'elastic', 'the generated password is back');
  // Accepted by etcd this time (another node's watch sees it): the API password replaces the generated one.
  await security.changePassword('elastic', 'api-password', undefined);
  const shared = security.store.records().get('reserved_user/elastic')!;
  security.applyShared('reserved_user/elastic', encodeRecord(shared), 7);
  await assert.rejects(security.authenticatePassword('elastic', 'generated-secret', 'test'), /unable to authenticate user \[elastic\]/);
  assert.equal((await security.authenticatePassword('elastic', 'api-password', 'test')).user.username, 'elastic');
  // ensureElasticPassword on a later start does not bring the generated one back.
  security.ensureElasticPassword('generated-secret');
  await assert.rejects(security.authenticatePassword('elastic', 'generated-secret', 'test'), /unable to authenticate user \[elastic\]/);
});
