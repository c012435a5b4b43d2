// Overlapping key rotation (issue #12 §4): which refusals are retried with the next key, and the
// promotion rule (once, only the next key, never the key that was just refused).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EsError, errors } from '../../../src/common/index.js';
import { CredentialRotation, isKeyRejected } from '../../../src/remote/rotation.js';

const refused = (detail: string) =>
  errors.authenticationFailed('unable to authenticate with provided credentials and anonymous access is not allowed for this request', {
    additional_unsuccessful_credentials: `API key: ${detail}`,
  });

test('isKeyRejected: invalidated, expired, unknown or wrong-secret keys; not a wrong key type or a 403', () => {
  assert.equal(isKeyRejected(refused('api key [k1] has been invalidated')), true);
  assert.equal(isKeyRejected(refused('api key [k1] is expired')), true);
  assert.equal(isKeyRejected(refused('unable to find apikey with id k1')), true);
  assert.equal(isKeyRejected(refused('invalid credentials for API key [k1]')), true);
  assert.equal(isKeyRejected(errors.authenticationFailed('authentication expected API key type of [cross_cluster], but API key [k1] has type [rest]')), false);
  assert.equal(isKeyRejected(errors.securityForbidden('api key [k1] has been invalidated')), false);
  assert.equal(isKeyRejected(new Error('api key [k1] has been invalidated')), false);
  // Inside a failed connection (the handshake refused the key).
  const wrapped = new EsError(500, 'connect_transport_exception', 'handshake failed', { causedBy: refused('api key [k1] has been invalidated') });
  assert.equal(isKeyRejected(wrapped), true);
});

test('CredentialRotation: the next key is the fallback, promoted once after a success', () => {
  const promoted: string[] = [];
  const rotation = new CredentialRotation(new Map([['a', 'old']]), new Map([['a', 'new']]), (alias, value) => promoted.push(`${alias}=${value}`));
  assert.equal(rotation.fallback('a', 'old'), 'new');
  assert.equal(rotation.fallback('a', 'new'), undefined, 'never the key just refused');
  assert.equal(rotation.fallback('b', 'x'), undefined, 'no next key: no retry');
  rotation.succeeded('a', 'old');
  assert.deepEqual(promoted, [], 'the current key succeeding promotes nothing');
  rotation.succeeded('a', 'new');
  rotation.succeeded('a', 'new');
  assert.deepEqual(promoted, ['a=new']);
  assert.equal(rotation.currentOf('a'), 'new');
  assert.equal(rotation.nextOf('a'), undefined);
  // A request that used the old key before the promotion retries with the promoted one.
  assert.equal(rotation.fallback('a', 'old'), 'new');
  const source = rotation.sourceFor('a');
  assert.equal(source.current(), 'new');
});
