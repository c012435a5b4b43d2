// Issue 13 ("searches stay within 2 × their idle p99 while bulk indexing runs"): a bulk's slices,
// the scheduled refresh and merges wait while searches are in flight (src/common/background-lane.ts;
// its bound is unit-tested in test/unit/common/background-lane.test.ts), and searches sent back to
// back from several clients still leave indexing its turns: the bulk answers every item in order
// and the scheduled refresh makes all of them searchable. Elasticsearch runs writes
// and searches on separate thread pools, so both progress under load:
// https://www.elastic.co/guide/en/elasticsearch/reference/current/modules-threadpool.html
// A bulk answers each item in order: https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-bulk.html
// and the scheduled refresh (index.refresh_interval, 1s by default) makes acknowledged writes searchable:
// https://www.elastic.co/guide/en/elasticsearch/reference/current/indices-refresh.html
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';
import { prebuildLimits } from '../../src/index/searcher/index.js';

let node: StartedNode;

const DOCS = 5_000;
const SEARCH_CLIENTS = 4;
const json = { 'content-type': 'application/json' };

before(async () => {
  node = await startNode();
  // Default refresh_interval (1s): the scheduled refresh runs in the lane too.
  const created = await rawRequest(node, 'PUT', '/lane', { body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0 } }), headers: json });
  assert.equal(created.status, 200, created.text);
});

after(async () => {
  await node?.destroy();
});

test('searches back to back from several clients hold no bulk or scheduled refresh back for good', { timeout: 120_000 }, async () => {
  const lines: string[] = [];
  for (let i = 0; i < DOCS; i++) lines.push(JSON.stringify({ index: { _id: `d${i}` } }), JSON.stringify({ n: i, text: `common word${i % 31} number ${i}` }));
  let bulkAnswered = false;
  const bulk = rawRequest(node, 'POST', '/lane/_bulk', { body: `${lines.join('\n')}\n`, headers: { 'content-type': 'application/x-ndjson' } }).finally(() => (bulkAnswered = true));
  // Until every document is searchable, at least one search is always in flight.
  let searchable = 0;
  let searches = 0;
  await Promise.all(
    Array.from({ length: SEARCH_CLIENTS }, async () => {
      while (searchable < DOCS) {
        const response = await rawRequest(node, 'POST', '/lane/_search', { body: JSON.stringify({ size: 1, query: { match: { text: 'common' } } }), headers: json });
        assert.equal(response.status, 200, response.text);
        searches++;
        const total = (response.json() as { hits: { total: { value: number } } }).hits.total.value;
        if (bulkAnswered) searchable = Math.max(searchable, total);
      }
    }),
  );
  const response = await bulk;
  assert.equal(response.status, 200, response.text);
  const result = response.json() as { errors: boolean; items: { index: { _id: string; status: number; _seq_no: number } }[] };
  assert.equal(result.errors, false);
  assert.equal(result.items.length, DOCS);
  result.items.forEach((item, i) => {
    assert.equal(item.index._id, `d${i}`);
    assert.equal(item.index.status, 201);
    assert.equal(item.index._seq_no, i, 'items run in order');
  });
  assert.equal(searchable, DOCS, 'the scheduled refresh made every document searchable');
  assert.ok(searches > SEARCH_CLIENTS, `searches were answered meanwhile (${searches})`);
});

test('a bulk of many slices, committed without an fsync each, is durable once acknowledged: kill -9 keeps every item, also of segments built ahead of a refresh', async () => {
  // Each slice commits without its fsync; the bulk answers after one fsync of the shard's log
  // (Elasticsearch's translog durability `request`: fsynced before the bulk is acknowledged).
  const created = await rawRequest(node, 'PUT', '/lane-durable', { body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0 } }), headers: json });
  assert.equal(created.status, 200, created.text);
  const count = 20_000;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(JSON.stringify({ index: { _id: `k${i}` } }), JSON.stringify({ n: i, text: `durable word${i % 17}` }));
  const response = await rawRequest(node, 'POST', '/lane-durable/_bulk', { body: `${lines.join('\n')}\n`, headers: { 'content-type': 'application/x-ndjson' } });
  assert.equal(response.status, 200, response.text);
  assert.equal((response.json() as { errors: boolean }).errors, false);
  // Segments built ahead of the refresh (segment-prebuilder.ts): more operations than a piece
  // needs, under refresh_interval -1, so the node builds segments between the bulk's slices that
  // nothing searches yet; they live in memory only (the store is the truth a restart replays).
  const ahead = await rawRequest(node, 'PUT', '/lane-ahead', { body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' } }), headers: json });
  assert.equal(ahead.status, 200, ahead.text);
  const aheadCount = prebuildLimits.operationsMin + 5_000;
  const aheadLines: string[] = [];
  for (let i = 0; i < aheadCount; i++) aheadLines.push(JSON.stringify({ index: { _id: `a${i}` } }), JSON.stringify({ n: i, text: `ahead word${i % 13}` }));
  const aheadResponse = await rawRequest(node, 'POST', '/lane-ahead/_bulk', { body: `${aheadLines.join('\n')}\n`, headers: { 'content-type': 'application/x-ndjson' } });
  assert.equal(aheadResponse.status, 200, aheadResponse.text);
  assert.equal((aheadResponse.json() as { errors: boolean }).errors, false);
  const aheadBefore = await rawRequest(node, 'GET', '/lane-ahead/_count');
  assert.equal((aheadBefore.json() as { count: number }).count, 0, 'nothing is searchable before a refresh');
  await node.kill9();
  node = await node.restart();
  const aheadRefreshed = await rawRequest(node, 'POST', '/lane-ahead/_refresh');
  assert.equal(aheadRefreshed.status, 200, aheadRefreshed.text);
  const aheadCounted = await rawRequest(node, 'GET', '/lane-ahead/_count', { body: JSON.stringify({ query: { match: { text: 'word5' } } }), headers: json });
  assert.equal((aheadCounted.json() as { count: number }).count, Math.ceil((aheadCount - 5) / 13));
  const counted = await rawRequest(node, 'GET', '/lane-durable/_count');
  assert.equal((counted.json() as { count: number }).count, count);
  const last = await rawRequest(node, 'GET', `/lane-durable/_doc/k${count - 1}`);
  assert.deepEqual((last.json() as { _source: unknown; _seq_no: number })._source, { n: count - 1, text: `durable word${(count - 1) % 17}` });
  assert.equal((last.json() as { _seq_no: number })._seq_no, count - 1);
});
