// Issue 13: `_search` runs shards' query phases on the search thread pool (`thread_pool.search.size`
// workers reading the segments in shared memory), while `_msearch` drains a search on the main
// thread: both must answer alike (hits, scores, sort values, totals, aggregations), across
// shards, deletes and updates (live docs), filtered aliases, post_filter and a point in time
// that outlives a refresh; a 400 raised in a worker keeps Elasticsearch's error shape.
// Reference: https://www.elastic.co/guide/en/elasticsearch/reference/current/modules-threadpool.html
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { rawRequest, startNode, type StartedNode } from '../harness/cluster.js';

let node: StartedNode;
let client: Client;

const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];

before(async () => {
  node = await startNode({ yaml: 'thread_pool.search.size: 2' });
  client = node.client();
  await client.indices.create({
    index: 'places',
    settings: { number_of_shards: 3, number_of_replicas: 0 },
    mappings: { properties: { text: { type: 'text' }, country: { type: 'keyword' }, population: { type: 'long' }, founded: { type: 'date' } } },
  });
  const operations = [];
  for (let i = 0; i < 600; i++) {
    const text = [words[i % 6], words[(i * 7) % 6], words[(i * 13) % 5], i % 4 === 0 ? 'alpha' : 'omega'].join(' ');
    operations.push({ index: { _index: 'places', _id: `p${i}` } }, { text, country: ['AA', 'BB', 'CC', 'DD'][i % 4], population: (i * 7919) % 100_000, founded: Date.UTC(1900 + (i % 120), i % 12, 1) });
  }
  await client.bulk({ refresh: true, operations });
  // Updates and deletes after the first refresh: older copies stay in earlier segments, dead.
  const changes = [];
  for (let i = 0; i < 600; i += 9) changes.push({ delete: { _index: 'places', _id: `p${i}` } });
  for (let i = 1; i < 600; i += 11) changes.push({ index: { _index: 'places', _id: `p${i}` } }, { text: 'alpha alpha updated', country: 'EE', population: i, founded: Date.UTC(2000, 0, 1) });
  await client.bulk({ refresh: true, operations: changes });
  await client.indices.putAlias({ index: 'places', name: 'big-places', filter: { range: { population: { gte: 50_000 } } } });
  // One shard: its workers also reduce and render the aggregations (prerendered-aggregations.ts).
  await client.indices.create({ index: 'one-shard', settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { properties: { text: { type: 'text' }, country: { type: 'keyword' }, population: { type: 'long' }, founded: { type: 'date' } } } });
  await client.bulk({ refresh: true, operations: operations.map((operation) => ('index' in operation ? { index: { ...operation.index, _index: 'one-shard' } } : operation)) });
});

after(async () => {
  await node?.destroy();
});

const bodies: Record<string, unknown>[] = [
  { query: { match: { text: 'alpha' } } },
  { query: { match: { text: 'zeta' } }, size: 3 },
  { query: { bool: { must: [{ match: { text: 'alpha gamma' } }], filter: [{ range: { population: { gte: 10_000 } } }, { term: { country: 'AA' } }] } }, track_total_hits: true },
  { size: 0, aggs: { countries: { terms: { field: 'country' } } } },
  { size: 0, aggs: { decades: { date_histogram: { field: 'founded', calendar_interval: 'year' }, aggs: { people: { sum: { field: 'population' } } } } } },
  { size: 0, aggs: { months: { date_histogram: { field: 'founded', calendar_interval: 'month', time_zone: '+05:30' }, aggs: { people: { sum: { field: 'population' } }, change: { derivative: { buckets_path: 'people' } } } }, top: { max_bucket: { buckets_path: 'months>_count' } } } },
  { query: { match: { text: 'beta' } }, sort: [{ population: 'desc' }, { founded: 'asc' }], size: 15 },
  { query: { match: { text: 'delta' } }, post_filter: { term: { country: 'BB' } }, aggs: { countries: { terms: { field: 'country' } } } },
  { query: { match: { text: 'epsilon' } }, sort: [{ population: 'asc' }], search_after: [20_000], size: 5 },
  // Read `_id`s in the query phase: handed back to the main thread, same answer.
  { query: { ids: { values: ['p1', 'p2', 'p3', 'p12'] } } },
];

/** Hits, totals and aggregations, without what differs between two runs (took). */
function comparable(response: Record<string, unknown>): unknown {
  const { took: _took, ...rest } = response;
  return rest;
}

/** Jobs the search pool's workers answered (`_cat/thread_pool`). */
async function completedJobs(): Promise<number> {
  const [row] = (await client.cat.threadPool({ thread_pool_patterns: 'search', h: 'completed,size', format: 'json' })) as unknown as { completed: string; size: string }[];
  assert.equal(row?.size, '2', 'thread_pool.search.size is honoured');
  return Number(row.completed);
}

test('_search on the worker pool answers as the main thread does: shards, deletes, updates, sorts, aggregations, post_filter', async () => {
  // Workers start with the first search and take shards once loaded, while other searches run
  // (a search running alone stays on the main thread).
  const concurrently = (): Promise<unknown> => Promise.all(Array.from({ length: 4 }, () => client.search({ index: 'places' })));
  await concurrently();
  const deadline = Date.now() + 30_000;
  let completed = await completedJobs();
  while (completed === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    await concurrently();
    completed = await completedJobs();
  }
  assert.ok(completed > 0, 'the workers answer shards');
  for (const index of ['places', 'big-places', 'one-shard']) {
    const pooled = await Promise.all(bodies.map((body) => client.search({ index, ...body }) as Promise<unknown>));
    const inline = await client.msearch({ searches: bodies.flatMap((body) => [{ index }, body]) });
    for (let i = 0; i < bodies.length; i++) {
      const main = inline.responses[i] as unknown as Record<string, unknown>;
      const { status: _status, ...mainBody } = main;
      assert.deepEqual(comparable(pooled[i] as Record<string, unknown>), comparable(mainBody), `${index}: ${JSON.stringify(bodies[i])}`);
    }
  }
  const alpha = (await client.search({ index: 'places', query: { match: { text: 'alpha' } }, track_total_hits: true })) as { hits: { total: { value: number } } };
  const hasAlpha = (i: number): boolean => i % 6 === 0 || (i * 7) % 6 === 0 || (i * 13) % 5 === 0 || i % 4 === 0;
  // Deletes ran first in the second bulk: an update of a deleted id indexes it again.
  const expected = Array.from({ length: 600 }, (_, i) => i).filter((i) => i % 11 === 1 || (i % 9 !== 0 && hasAlpha(i))).length;
  assert.equal(alpha.hits.total.value, expected, 'deleted and updated copies are not counted twice');
  assert.ok((await completedJobs()) > completed, 'concurrent searches ran on the workers');
  // Alone, a search runs on the main thread (no round trip to a worker).
  const before = await completedJobs();
  await client.search({ index: 'places', query: { match: { text: 'alpha' } } });
  assert.equal(await completedJobs(), before);
});

test('a point in time keeps its segments on the workers after more writes and a refresh', async () => {
  const pit = await client.openPointInTime({ index: 'places', keep_alive: '1m' });
  const before = (await client.search({ pit: { id: pit.id }, query: { match: { text: 'alpha' } }, track_total_hits: true, size: 0 })) as { hits: { total: { value: number } } };
  await client.bulk({ refresh: true, operations: Array.from({ length: 50 }, (_, i) => [{ index: { _index: 'places', _id: `new${i}` } }, { text: 'alpha new', country: 'FF', population: i }]).flat() });
  await client.delete({ index: 'places', id: 'p4', refresh: true });
  const during = (await client.search({ pit: { id: pit.id }, query: { match: { text: 'alpha' } }, track_total_hits: true, size: 0 })) as { hits: { total: { value: number } } };
  const latest = (await client.search({ index: 'places', query: { match: { text: 'alpha' } }, track_total_hits: true, size: 0 })) as { hits: { total: { value: number } } };
  assert.equal(during.hits.total.value, before.hits.total.value, 'the point in time sees its own snapshot');
  assert.equal(latest.hits.total.value, before.hits.total.value + 50 - 1, 'a new search sees the refresh');
  await client.closePointInTime({ id: pit.id });
});

test('a 400 raised on a worker keeps Elasticsearch error shape and status', async () => {
  const body = JSON.stringify({ size: 0, aggs: { bad: { terms: { field: 'text' } } } });
  const pooled = await rawRequest(node, 'POST', '/places/_search', { body, headers: { 'content-type': 'application/json' } });
  assert.equal(pooled.status, 400);
  const error = (pooled.json() as { error: { type: string; root_cause: { type: string; reason: string }[]; failed_shards: { shard: number; reason: { type: string } }[] } }).error;
  assert.equal(error.type, 'search_phase_execution_exception');
  assert.equal(error.root_cause[0]!.type, 'illegal_argument_exception');
  assert.match(error.root_cause[0]!.reason, /Text fields are not optimised/u);
  assert.deepEqual(error.failed_shards.map((failure) => failure.shard).sort(), [0, 1, 2]);
  const inline = await rawRequest(node, 'POST', '/_msearch', { body: `{"index":"places"}\n${body}\n`, headers: { 'content-type': 'application/x-ndjson' } });
  const { status: _status, ...inlineError } = (inline.json() as { responses: Record<string, unknown>[] }).responses[0]!;
  assert.deepEqual(pooled.json(), { ...inlineError, status: 400 });
});

test('an index analyzer reaches the workers with the mapping: pooled searches answer as the main thread does', async () => {
  await client.indices.create({
    index: 'custom-analyzed',
    settings: {
      number_of_shards: 3,
      number_of_replicas: 0,
      analysis: {
        filter: { grams: { type: 'edge_ngram', min_gram: 1, max_gram: 5 } },
        analyzer: { prefixes: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'asciifolding', 'grams'] }, stemmed: { type: 'english', stopwords: '_english_' } },
      },
    },
    mappings: { properties: { title: { type: 'text', analyzer: 'prefixes', search_analyzer: 'standard' }, body: { type: 'text', analyzer: 'stemmed' } } },
  });
  const words = ['Crème', 'running', 'foxes', 'the', 'alpine', 'quickly', 'jumps', 'über'];
  await client.bulk({
    index: 'custom-analyzed',
    refresh: true,
    operations: Array.from({ length: 90 }, (_, i) => [{ index: { _id: String(i) } }, { title: `${words[i % 8]} ${words[(i * 3) % 8]}`, body: `${words[(i * 5) % 8]} ${words[(i + 1) % 8]} ${words[(i * 7) % 8]}` }]).flat(),
  });
  const queries = [
    { query: { match: { title: 'cre' } } },
    { query: { match: { title: 'ub' } } },
    { query: { match: { body: 'run fox' } } },
    { query: { match_phrase: { body: 'crème runs' } } },
    { query: { match: { body: { query: 'jumping', analyzer: 'stemmed' } } } },
  ];
  // Workers take the new index's shards once they have loaded them: search until they answer.
  const before = await completedJobs();
  const concurrently = (): Promise<unknown[]> => Promise.all(queries.map((body) => client.search({ index: 'custom-analyzed', ...body }) as Promise<unknown>));
  let pooled = await concurrently();
  const deadline = Date.now() + 30_000;
  while ((await completedJobs()) === before && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    pooled = await concurrently();
  }
  const inline = await client.msearch({ searches: queries.flatMap((body) => [{ index: 'custom-analyzed' }, body]) });
  for (let i = 0; i < queries.length; i++) {
    const { status: _status, ...mainBody } = inline.responses[i] as unknown as Record<string, unknown>;
    assert.deepEqual(comparable(pooled[i] as Record<string, unknown>), comparable(mainBody), JSON.stringify(queries[i]));
    assert.ok((pooled[i] as { hits: { hits: unknown[] } }).hits.hits.length > 0, `${JSON.stringify(queries[i])} finds documents`);
  }
  assert.ok((await completedJobs()) > before, 'the workers ran the searches');
});
