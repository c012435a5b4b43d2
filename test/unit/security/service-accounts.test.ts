// Service account tokens and names (Elasticsearch's service accounts doc: tokens are
// `namespace/service/name:secret` bearer strings; names are 1-256 of [A-Za-z0-9_-], no leading `_`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeServiceToken, encodeServiceToken, findServiceAccounts, serviceAccounts, tokenNameProblem } from '../../../src/security/service-accounts.js';

test('a token round-trips through its bearer form; anything else is not a service account token', () => {
  const value = encodeServiceToken('elastic/fleet-server', 'token1', 'secret-value');
  assert.ok(!value.endsWith('='));
  assert.deepEqual(decodeServiceToken(value), { principal: 'elastic/fleet-server', name: 'token1', secret: 'secret-value' });
  assert.equal(decodeServiceToken(Buffer.from('elastic/fleet-server/token1:secret').toString('base64')), undefined, 'no format bytes');
  assert.equal(decodeServiceToken(encodeServiceToken('elastic', 'x', 's')), undefined, 'principal without a service');
  assert.equal(decodeServiceToken('not base64!'), undefined);
});

test('token names follow Elasticsearch\'s rule', () => {
  for (const name of ['token1', 'a', 'my-token_2', 'x'.repeat(256)]) assert.equal(tokenNameProblem(name), undefined, name);
  for (const name of ['', '_hidden', 'has space', 'dot.ted', 'x'.repeat(257)]) assert.ok(tokenNameProblem(name) !== undefined, name);
});

test('built-in accounts: elastic namespace, found by namespace and service', () => {
  assert.ok(serviceAccounts.has('elastic/kibana') && serviceAccounts.has('elastic/fleet-server'));
  assert.deepEqual(findServiceAccounts('elastic', 'kibana').map((account) => account.principal), ['elastic/kibana']);
  assert.equal(findServiceAccounts('other').length, 0);
  assert.ok(findServiceAccounts().every((account) => account.principal.startsWith('elastic/')));
});
