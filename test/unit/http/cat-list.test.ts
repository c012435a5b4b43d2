// GET /_cat: the served cat endpoints in Elasticsearch's order with its placeholder names.
// Reference: cat.html (the `GET /_cat` listing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Route } from '../../../src/http/route.js';
import { catListText } from '../../../src/http/routes/cat-list.js';

const route = (path: string): Route => ({ method: 'GET', path, action: 'cluster:monitor/state', scope: 'cluster', params: [], handle: () => ({ status: 200, body: {} }) });

test('cat endpoints are listed in Elasticsearch order with its placeholders; other routes are not', () => {
  const routes = ['/_cat/templates', '/_cat/aliases/:name', '/_cat/aliases', '/_cat/health', '/_cat/shards/:index', '/_cat/shards', '/_cat/allocation', '/_search', '/_cat/thread_pool/:thread_pool_patterns'].map(route);
  assert.equal(
    catListText(routes),
    ['=^.^=', '/_cat/allocation', '/_cat/shards', '/_cat/shards/{index}', '/_cat/health', '/_cat/aliases', '/_cat/aliases/{alias}', '/_cat/thread_pool/{thread_pools}', '/_cat/templates', ''].join('\n'),
  );
});
