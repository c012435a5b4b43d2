// xpack.security.authc.api_key.cache.ttl (Elasticsearch "API key service settings", default 20m):
// accepted by the schema, so it must reach the security service (a setting we accept we honour).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiKeyCacheTtl } from '../../../src/node/wire-security.js';

test('xpack.security.authc.api_key.cache.ttl is handed to the API key cache; absent means the default', () => {
  assert.deepEqual(apiKeyCacheTtl({ flat: { 'xpack.security.authc.api_key.cache.ttl': '1m' } }), { apiKeyCacheTtlMs: 60_000 });
  assert.deepEqual(apiKeyCacheTtl({ flat: { 'xpack.security.authc.api_key.cache.ttl': '0' } }), { apiKeyCacheTtlMs: 0 });
  assert.deepEqual(apiKeyCacheTtl({ flat: {} }), {});
});
