// The own-key rule of manage_own_api_key (Elasticsearch's ManageOwnApiKeyClusterPrivilege, and the
// prerequisites of the get / invalidate API key docs) and the order of the privileges a 403 names
// (Elasticsearch lists them least powerful first, e.g. [manage_api_key,manage_security,all]).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ownKeyRequestAllowed, privilegesGranting, type Authentication } from '../../../src/security/index.js';

const user: Authentication = {
  user: { username: 'kim', roles: ['own_keys'], fullName: null, email: null, metadata: {}, enabled: true },
  authenticatingRealm: { name: 'default_native', type: 'native' },
  lookupRealm: { name: 'default_native', type: 'native' },
  authenticationType: 'realm',
};
const apiKey: Authentication = {
  ...user,
  authenticatingRealm: { name: '_es_api_key', type: '_es_api_key' },
  lookupRealm: { name: '_es_api_key', type: '_es_api_key' },
  authenticationType: 'api_key',
  apiKey: { id: 'self-id', name: 'self', type: 'rest' },
};

test('a user with only manage_own_api_key must scope the request: owner, or own username and realm', () => {
  assert.equal(ownKeyRequestAllowed(user, { owner: true }), true);
  assert.equal(ownKeyRequestAllowed(user, { owner: true, ids: ['somebody-elses'] }), true, 'allowed; the lookup then finds only own keys');
  assert.equal(ownKeyRequestAllowed(user, { owner: false, username: 'kim', realmName: 'default_native' }), true);
  assert.equal(ownKeyRequestAllowed(user, { owner: false }), false, 'no parameters');
  assert.equal(ownKeyRequestAllowed(user, { owner: false, ids: ['own-id'] }), false, 'by id, even one\'s own');
  assert.equal(ownKeyRequestAllowed(user, { owner: false, username: 'kim' }), false, 'username alone');
  assert.equal(ownKeyRequestAllowed(user, { owner: false, realmName: 'default_native' }), false, 'realm alone');
  assert.equal(ownKeyRequestAllowed(user, { owner: false, username: 'bob', realmName: 'default_native' }), false, 'another user');
  assert.equal(ownKeyRequestAllowed(user, { owner: false, username: 'kim', realmName: 'reserved' }), false, 'another realm');
});

test('an API key with manage_own_api_key may name only its own id, never owner', () => {
  assert.equal(ownKeyRequestAllowed(apiKey, { owner: false, ids: ['self-id'] }), true);
  assert.equal(ownKeyRequestAllowed(apiKey, { owner: false, ids: ['self-id', 'sibling'] }), false, 'every id must be its own');
  assert.equal(ownKeyRequestAllowed(apiKey, { owner: true }), false);
  assert.equal(ownKeyRequestAllowed(apiKey, { owner: false, username: 'kim', realmName: 'default_native' }), false);
  assert.equal(ownKeyRequestAllowed(apiKey, { owner: false }), false);
});

test('a 403 lists the granting privileges least powerful first, without a conditional privilege the request failed', () => {
  assert.deepEqual(privilegesGranting('cluster', 'cluster:monitor/health'), ['monitor', 'manage', 'all']);
  assert.deepEqual(privilegesGranting('index', 'indices:data/read/search'), ['read', 'all']);
  assert.deepEqual(privilegesGranting('cluster', 'cluster:admin/xpack/security/api_key/invalidate', { withConditional: false }), ['manage_api_key', 'manage_security', 'all']);
  assert.deepEqual(privilegesGranting('cluster', 'cluster:admin/xpack/security/api_key/get', { withConditional: false }), ['read_security', 'manage_api_key', 'manage_security', 'all']);
  assert.ok(privilegesGranting('cluster', 'cluster:admin/xpack/security/api_key/invalidate').includes('manage_own_api_key'));
});
