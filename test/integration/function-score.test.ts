// function_score's built-in functions end to end on one node through the official client (issue
// #15): field_value_factor, gauss/linear/exp on numeric, date and geo_point fields, random_score,
// combined with filters, weights, score_mode, boost_mode, max_boost and min_score
// (query-dsl-function-score-query.html; rest-api-spec search/function_score tests), and their bad
// input answered with Elasticsearch's 400s.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, type StartedNode } from '../harness/cluster.js';
import { rootCauseFailure as failure } from '../harness/wait.js';

let node: StartedNode;
const index = 'fscore';


async function scored(functionScore: Record<string, unknown>): Promise<[string, number][]> {
  const response = await node.client().search({ index, size: 20, query: { function_score: { boost_mode: 'replace', ...functionScore } }, sort: ['_score', { rank: 'asc' }] } as never);
  return response.hits.hits.map((hit) => [hit._id!, hit._score!]);
}

before(async () => {
  node = await startNode({ clusterName: 'fscore', nodeName: 'f1' });
  const client = node.client();
  await client.indices.create({ index, mappings: { properties: { likes: { type: 'long' }, rank: { type: 'integer' }, published: { type: 'date' }, location: { type: 'geo_point' }, tag: { type: 'keyword' } } } });
  const docs = [
    { likes: 100, rank: 1, published: '2020-01-10', location: { lat: 52.37, lon: 4.89 }, tag: 'a' },
    { likes: 10, rank: 2, published: '2020-01-01', location: '52.52,13.40', tag: 'b' },
    { likes: 1000, rank: 3, published: '2019-12-01', location: [2.35, 48.86], tag: 'a' },
    { rank: 4, tag: 'c' },
  ];
  await client.bulk({ index, refresh: true, operations: docs.flatMap((doc, i) => [{ index: { _id: String(i + 1) } }, doc]) });
});

after(async () => {
  await node?.destroy();
});

test('field_value_factor: log1p of likes, missing, factor, and the errors Elasticsearch gives', async () => {
  assert.deepEqual(await scored({ field_value_factor: { field: 'likes', modifier: 'log1p', factor: 0.1, missing: 0 } }), [
    ['3', Math.fround(Math.log10(1000 * Math.fround(0.1) + 1))],
    ['1', Math.fround(Math.log10(100 * Math.fround(0.1) + 1))],
    ['2', Math.fround(Math.log10(10 * Math.fround(0.1) + 1))],
    ['4', 0],
  ]);
  // multiplied into the query score by default, capped by max_boost
  const capped = await node.client().search({ index, query: { function_score: { query: { term: { tag: 'a' } }, field_value_factor: { field: 'likes' }, max_boost: 500 } }, sort: ['_score'] } as never);
  assert.deepEqual(capped.hits.hits.map((hit) => hit._id), ['3', '1']);
  assert.ok(Math.abs(capped.hits.hits[0]!._score! / capped.hits.hits[1]!._score! - 5) < 1e-5, 'likes 1000 capped at 500, against 100');
  const missing = await failure(node.client().search({ index, query: { function_score: { field_value_factor: { field: 'likes' } } } } as never));
  assert.deepEqual(missing, { status: 400, type: 'illegal_argument_exception', reason: 'Missing value for field [likes]' });
  const negative = await failure(node.client().search({ index, query: { function_score: { query: { ids: { values: ['2'] } }, field_value_factor: { field: 'likes', modifier: 'ln', factor: 0.01 } } } } as never));
  assert.equal(negative.status, 400);
  assert.match(negative.reason, /^field value function must not produce negative scores, but got: \[-2\.30\d*\] for field value: \[10\.0\]; consider using ln1p or ln2p/);
  const keyword = await failure(node.client().search({ index, query: { function_score: { field_value_factor: { field: 'tag' } } } } as never));
  assert.equal(keyword.status, 400);
  assert.equal(keyword.type, 'query_shard_exception');
});

test('decay functions: gauss on a number, exp on a date with date math, linear on a geo_point', async () => {
  const numeric = await scored({ gauss: { likes: { origin: 100, scale: 900, decay: 0.5 } } });
  assert.deepEqual(numeric, [['1', 1], ['4', 1], ['2', Math.fround(0.5 ** ((90 / 900) ** 2))], ['3', 0.5]]);
  const dates = await scored({ exp: { published: { origin: '2020-01-10||-9d', scale: '31d', offset: '1d', decay: 0.25 } } });
  assert.deepEqual(dates, [['2', 1], ['4', 1], ['1', Math.fround(Math.exp((Math.log(0.25) / 31) * 8))], ['3', Math.fround(Math.exp((Math.log(0.25) / 31) * 30))]]);
  // Amsterdam origin: Amsterdam, then Berlin (~577 km), then Paris (~430 km) sorts before Berlin.
  const geo = await scored({ query: { exists: { field: 'location' } }, linear: { location: { origin: { lat: 52.37, lon: 4.89 }, scale: '500km', decay: 0.5 } } });
  assert.deepEqual(geo.map(([id]) => id), ['1', '3', '2']);
  assert.equal(geo[0]![1], 1);
  assert.ok(geo[1]![1] > 0.5 && geo[1]![1] < 0.6, String(geo[1]![1]));
  assert.ok(geo[2]![1] > 0.4 && geo[2]![1] < 0.45, String(geo[2]![1]));
  const noScale = await failure(node.client().search({ index, query: { function_score: { gauss: { published: { origin: 'now' } } } } } as never));
  assert.deepEqual(noScale, { status: 400, type: 'query_shard_exception', reason: 'failed to create query: [scale] must be set for date fields.' });
  const unknown = await failure(node.client().search({ index, query: { function_score: { gauss: { nope: { origin: 1, scale: 1 } } } } } as never));
  assert.deepEqual(unknown, { status: 400, type: 'parsing_exception', reason: 'unknown field [nope]' });
});

test('random_score: [0, 1), the same for a seed and field across requests, seeds reorder', async () => {
  const first = await scored({ random_score: { seed: 42, field: 'tag' } });
  assert.deepEqual(await scored({ random_score: { seed: 42, field: 'tag' } }), first);
  for (const [, score] of first) assert.ok(score >= 0 && score < 1);
  // the same value of `tag` hashes to the same score
  const byId = new Map(first);
  assert.equal(byId.get('1'), byId.get('3'));
  const seeds = await Promise.all([1, 2, 3, 4, 5].map((seed) => scored({ random_score: { seed, field: 'likes' } })));
  assert.ok(new Set(seeds.map((hits) => JSON.stringify(hits.map(([id]) => id)))).size > 1, 'different seeds, different orders');
  // rest-api-spec search/610_function_score.yml: `_seq_no` as the field; an update gives the document a new _seq_no, so a new score
  const bySeqNo = await scored({ random_score: { seed: 10, field: '_seq_no' } });
  assert.equal(bySeqNo.length, 4);
  assert.deepEqual(await scored({ random_score: { seed: 10, field: '_seq_no' } }), bySeqNo);
  assert.equal(new Set(bySeqNo.map(([, score]) => score)).size, 4);
  const seqNoScore = async (): Promise<number> => (await scored({ query: { ids: { values: ['4'] } }, random_score: { seed: 10, field: '_seq_no' } }))[0]![1];
  const before = await seqNoScore();
  await node.client().index({ index, id: '4', document: { rank: 4, tag: 'c' }, refresh: true });
  assert.notEqual(await seqNoScore(), before);
  // a seed without a field (deprecated) hashes _seq_no, as Elasticsearch 8 does
  assert.deepEqual(await scored({ random_score: { seed: 10 } }), await scored({ random_score: { seed: 10, field: '_seq_no' } }));
  const bad = await failure(node.client().search({ index, query: { function_score: { random_score: { seed: 1, field: 'nope' } } } } as never));
  assert.equal(bad.status, 400);
});

test('several functions: filters, weights, score_mode sum/first/avg, boost_mode sum and min_score', async () => {
  const functions = [
    { filter: { term: { tag: 'a' } }, field_value_factor: { field: 'likes', modifier: 'log' }, weight: 2 },
    { gauss: { likes: { origin: 10, scale: 90 } }, weight: 4 },
  ];
  const sum = await scored({ query: { exists: { field: 'likes' } }, functions, score_mode: 'sum' });
  // doc 3's gauss is 0.5^121, lost in the float sum: it ties doc 1 and sorts after it by rank
  assert.deepEqual(sum, [['1', 6], ['3', 6], ['2', 4]]);
  const first = await scored({ query: { exists: { field: 'likes' } }, functions, score_mode: 'first' });
  assert.deepEqual(first.map(([id, score]) => [id, score]), [['3', 6], ['1', 4], ['2', 4]]);
  const avg = await scored({ query: { ids: { values: ['1'] } }, functions, score_mode: 'avg' });
  assert.deepEqual(avg, [['1', 1]]); // (2×2 + 4×0.5) / (2 + 4)
  const minScore = await node.client().search({ index, query: { function_score: { query: { exists: { field: 'likes' } }, functions, score_mode: 'sum', boost_mode: 'sum', min_score: 6 } } } as never);
  assert.deepEqual(minScore.hits.hits.map((hit) => hit._id).sort(), ['1', '3']);
});
