/**
 * The index layer's routes through the real REST pipeline (find-my-way table, parameter checks,
 * HEAD handling) on a loopback port, driven by the official 9.x client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { Client } from '@elastic/elasticsearch';
import type { SqlDatabase } from '../../../src/common/index.js';
import { startHttpServer } from '../../../src/http/server.js';
import { catRoutes, countThroughSearch } from '../../../src/http/routes/cat.js';
import { clusterHealthRoutes } from '../../../src/http/routes/cluster-health.js';
import { documentRoutes } from '../../../src/http/routes/documents.js';
import { indicesRoutes } from '../../../src/http/routes/indices.js';
import { searchRoutes } from '../../../src/http/routes/search.js';
import { openIndicesService } from '../../../src/index/index.js';
import { SearcherService } from '../../../src/index/searcher/index.js';
import { SearchService } from '../../../src/search/index.js';
import { disabledSecurityService } from '../../../src/node/security-disabled.js';

test('official client against the index routes through the real pipeline', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'strait-pipeline-'));
  const log = pino({ level: 'silent' });
  const service = openIndicesService({ nodeDb: new Database(':memory:') as unknown as SqlDatabase, pathData: dir, log, nowMs: () => Date.now(), refreshTickMs: 0 });
  const searchers = new SearcherService(service, log);
  const search = new SearchService({ indices: service, searchers, nowMs: () => Date.now(), nodeId: 'test-node' });
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    tls: undefined,
    bodyBytesMax: 10 * 1024 * 1024,
    routes: [...indicesRoutes(service), ...documentRoutes(service), ...searchRoutes(search), ...catRoutes(service, { clusterName: 'c', countDocuments: countThroughSearch(search), docsDeleted: (handle, shard) => searchers.docsDeleted(handle, shard) }), ...clusterHealthRoutes(service, { clusterName: 'c' })],
    security: disabledSecurityService(),
    log,
  });
  t.after(async () => {
    await server.close();
    search.close();
    searchers.close();
    service.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const client = new Client({ node: `http://${server.address}` });
  t.after(() => client.close());

  await client.indices.create({ index: 'books', settings: { number_of_replicas: 0 }, mappings: { properties: { title: { type: 'text' } } } });
  assert.equal(await client.indices.exists({ index: 'books' }), true);
  assert.equal(await client.indices.exists({ index: 'nope' }), false);
  const indexed = await client.index({ index: 'books', id: '1', document: { title: 'Dune' }, refresh: true });
  assert.equal(indexed.result, 'created');
  assert.equal(await client.exists({ index: 'books', id: '1' }), true);
  assert.equal(await client.exists({ index: 'books', id: '2' }), false);
  const doc = await client.get<{ title: string }>({ index: 'books', id: '1' });
  assert.equal(doc._source?.title, 'Dune');
  const bulk = await client.bulk({ refresh: true, operations: [{ index: { _index: 'books', _id: '2' } }, { title: 'Emma' }, { delete: { _index: 'books', _id: '1' } }] });
  assert.equal(bulk.errors, false);
  assert.equal((await client.count({ index: 'books' })).count, 1);
  const updated = await client.update({ index: 'books', id: '2', doc: { year: 1815 } });
  assert.equal(updated.result, 'updated');
  const mget = await client.mget({ index: 'books', ids: ['2', '1'] });
  assert.equal(mget.docs.length, 2);
  await client.indices.putAlias({ index: 'books', name: 'library' });
  assert.equal(await client.indices.existsAlias({ name: 'library' }), true);
  const cat = await client.cat.indices({ format: 'json' });
  assert.equal(cat[0]!.index, 'books');
  const text = await client.cat.count({ v: true });
  assert.match(String(text), /^epoch +timestamp +count\n/);
  const health = await client.cluster.health({ wait_for_status: 'green', timeout: '1s' });
  assert.equal(health.status, 'green');
  await assert.rejects(client.get({ index: 'missing', id: '1' }), (error: any) => error.meta.statusCode === 404);
  await client.indices.delete({ index: 'books' });
  assert.equal(await client.indices.exists({ index: 'books' }), false);
});
