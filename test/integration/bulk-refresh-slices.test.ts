// Issue 13: a large `_bulk` runs in slices, each committed before other requests are served, and
// the explicit `_refresh` builds its segments stepwise; both answer only when all their work is
// done. Elasticsearch serves other requests while a bulk or a refresh runs (they run on the write
// and refresh thread pools, not on the network threads):
// https://www.elastic.co/guide/en/elasticsearch/reference/current/modules-threadpool.html
// Per-item bulk semantics stay those of the bulk API (items answered in order, versions, op_type
// create conflicts): https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-bulk.html
// A refresh makes every operation acknowledged before it searchable:
// https://www.elastic.co/guide/en/elasticsearch/reference/current/indices-refresh.html
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;

const DOCS = 10_000;

function bulkBody(index: string, count: number, extra: readonly string[] = []): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(JSON.stringify({ index: { _index: index, _id: `d${i}` } }), JSON.stringify({ n: i, text: `word${i % 97} common text number ${i}` }));
  }
  return `${[...lines, ...extra].join('\n')}\n`;
}

const json = { 'content-type': 'application/x-ndjson' };

before(async () => {
  node = await startNode();
  for (const index of ['sliced', 'refreshing']) {
    const created = await rawRequest(node, 'PUT', `/${index}`, {
      body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' } }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(created.status, 200, created.text);
  }
});

after(async () => {
  await node?.destroy();
});

test('a large bulk serves other requests between its slices, and answers every item in order once all are committed', async () => {
  // After the many index items: a second write of d1 (version 2) and a create of d0 (conflict),
  // both in later slices than the first writes of those ids.
  const body = bulkBody('sliced', DOCS, [
    JSON.stringify({ index: { _index: 'sliced', _id: 'd1' } }),
    JSON.stringify({ n: -1 }),
    JSON.stringify({ create: { _index: 'sliced', _id: 'd0' } }),
    JSON.stringify({ n: -2 }),
  ]);
  let bulkAnswered = false;
  const bulk = rawRequest(node, 'POST', '/_bulk', { body, headers: json }).then((response) => {
    bulkAnswered = true;
    return response;
  });
  // Real-time GET reads the store: finding the bulk's first document before the bulk answers
  // means a request was served after a slice committed and before the last one.
  let servedMidBulk = false;
  let searchedMidBulk = false;
  while (!bulkAnswered) {
    const got = await rawRequest(node, 'GET', '/sliced/_doc/d0');
    if (got.status === 200 && !bulkAnswered) {
      servedMidBulk = true;
      const search = await rawRequest(node, 'POST', '/sliced/_search', { body: JSON.stringify({ size: 0 }), headers: { 'content-type': 'application/json' } });
      assert.equal(search.status, 200, search.text);
      searchedMidBulk = !bulkAnswered;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const response = await bulk;
  assert.equal(response.status, 200, response.text);
  assert.ok(servedMidBulk, 'a GET found the bulk\'s first document before the bulk answered');
  assert.ok(searchedMidBulk, 'a search answered before the bulk did');
  const result = response.json() as { errors: boolean; items: Record<string, Record<string, unknown>>[] };
  assert.equal(result.items.length, DOCS + 2);
  let seqNo = -1;
  for (let i = 0; i < DOCS; i++) {
    const item = result.items[i]!['index']!;
    assert.equal(item['_id'], `d${i}`);
    assert.equal(item['status'], 201);
    assert.equal(item['result'], 'created');
    assert.ok((item['_seq_no'] as number) > seqNo, 'seq_nos grow in item order');
    seqNo = item['_seq_no'] as number;
  }
  const rewrite = result.items[DOCS]!['index']!;
  assert.equal(rewrite['_id'], 'd1');
  assert.equal(rewrite['status'], 200);
  assert.equal(rewrite['result'], 'updated');
  assert.equal(rewrite['_version'], 2);
  assert.equal(rewrite['_seq_no'], seqNo + 1);
  const conflict = result.items[DOCS + 1]!['create']!;
  assert.equal(conflict['status'], 409);
  assert.equal((conflict['error'] as Record<string, unknown>)['type'], 'version_conflict_engine_exception');
  assert.equal(result.errors, true);

  const refreshed = await rawRequest(node, 'POST', '/sliced/_refresh');
  assert.equal(refreshed.status, 200, refreshed.text);
  const count = await rawRequest(node, 'GET', '/sliced/_count');
  assert.equal((count.json() as { count: number }).count, DOCS);
  const d1 = await rawRequest(node, 'GET', '/sliced/_doc/d1');
  assert.deepEqual((d1.json() as { _source: unknown })._source, { n: -1 });
});

test('POST _refresh builds stepwise: requests are served while it runs, and a search after it sees every acknowledged document', async () => {
  const written = await rawRequest(node, 'POST', '/_bulk', { body: bulkBody('refreshing', DOCS), headers: json });
  assert.equal(written.status, 200);
  assert.equal((written.json() as { errors: boolean }).errors, false);
  assert.equal(((await rawRequest(node, 'GET', '/refreshing/_count')).json() as { count: number }).count, 0, 'nothing is searchable before the refresh');

  let refreshAnswered = false;
  const refresh = rawRequest(node, 'POST', '/refreshing/_refresh').then((response) => {
    refreshAnswered = true;
    return response;
  });
  // Searches while the refresh runs see the index as it was (the new segment is published whole).
  const countsMidRefresh: number[] = [];
  while (!refreshAnswered) {
    const count = await rawRequest(node, 'GET', '/refreshing/_count');
    if (!refreshAnswered) countsMidRefresh.push((count.json() as { count: number }).count);
  }
  const response = await refresh;
  assert.equal(response.status, 200, response.text);
  assert.deepEqual((response.json() as { _shards: unknown })._shards, { total: 1, successful: 1, failed: 0 });
  // One count may be served before the node reads the refresh; more means served during it.
  assert.ok(countsMidRefresh.length >= 2, `requests were served while the refresh ran (${countsMidRefresh.length})`);
  assert.ok(countsMidRefresh.every((count) => count === 0 || count === DOCS), `a search sees none or all of the refresh: ${countsMidRefresh.join(',')}`);
  assert.equal(((await rawRequest(node, 'GET', '/refreshing/_count')).json() as { count: number }).count, DOCS);
});

test('bad bulk input still answers 400 and writes nothing', async () => {
  const response = await rawRequest(node, 'POST', '/_bulk', { body: '{"index":{"_index":"sliced","_id":"x"}}\n{"broken"\n', headers: json });
  assert.equal(response.status, 400, response.text);
  assert.equal((await rawRequest(node, 'GET', '/sliced/_doc/x')).status, 404);
});
