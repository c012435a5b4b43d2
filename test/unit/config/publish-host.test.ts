// http.publish_host / network.publish_host (Elasticsearch "Networking" settings): accepted by the
// schema, so they decide the HTTP address the node publishes (GET /_nodes http.publish_address).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeConfig } from '../../../src/config/types.js';
import { publishedHttpAddress } from '../../../src/node/node.js';

const config = (flat: Record<string, string>): NodeConfig => ({ flat }) as unknown as NodeConfig;

test('the published HTTP address takes http.publish_host, then network.publish_host, with the bound port', () => {
  assert.equal(publishedHttpAddress(config({}), '127.0.0.1:9200'), '127.0.0.1:9200');
  assert.equal(publishedHttpAddress(config({ 'network.publish_host': 'search.example' }), '0.0.0.0:9201'), 'search.example:9201');
  assert.equal(publishedHttpAddress(config({ 'network.publish_host': 'a', 'http.publish_host': 'b' }), '0.0.0.0:9201'), 'b:9201');
  assert.equal(publishedHttpAddress(config({ 'http.publish_host': '::1' }), '[::]:9200'), '[::1]:9200');
});
