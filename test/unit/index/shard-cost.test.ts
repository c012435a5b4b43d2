// Issue 13: a shard query phase measured cheaper than a hop to a search worker runs on the main
// thread (shard-cost.ts); one never measured, or measured dear, goes to the pool. The choice is by
// measured cost, never by query type, and it moves work only: the answer is the same
// runShardQuery's either way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSearchRequest } from '../../../src/index/query/index.js';
import type { ShardResult } from '../../../src/index/query/index.js';
import { shardCostKey, shardCostLimits, ShardCosts } from '../../../src/index/searcher/shard-cost.js';
import type { SearchPool, ShardJob } from '../../../src/index/searcher/search-pool.js';
import { ShardBatch } from '../../../src/search/shard-batch.js';

const context = { mappings: {}, indexName: 'logs', shardKey: 'logs:0', nowMs: 1, shardCount: 1, defaultFields: ['*'] };
const job = (body: unknown, overrides: Partial<ShardJob['context']> = {}): ShardJob => ({
  segments: [],
  request: parseSearchRequest(body),
  postFiltered: undefined,
  context: { ...context, ...overrides },
});

test('never measured: the pool; measured under the limit: the main thread; the estimate follows new measurements', () => {
  const costs = new ShardCosts(50, 100);
  const rare = job({ query: { match: { body: 'rare' } } });
  assert.equal(costs.prefersMainThread(rare), false, 'unknown cost: the pool');
  costs.observe(rare, 12);
  assert.equal(costs.prefersMainThread(rare), true);
  // The same request parsed again (a new object) is the same work; another index's is not.
  assert.equal(costs.prefersMainThread(job({ query: { match: { body: 'rare' } } })), true);
  assert.equal(costs.prefersMainThread(job({ query: { match: { body: 'rare' } } }, { indexName: 'other', shardKey: 'other:0' })), false);
  assert.equal(costs.prefersMainThread(job({ query: { match: { body: 'common' } } })), false);
  // The index grew: runs measured dear move the estimate above the limit, and the job back to the pool.
  for (let i = 0; i < 5; i++) costs.observe(rare, 2_000);
  assert.equal(costs.prefersMainThread(rare), false);
  assert.ok(costs.estimate(rare)! > 50);
  // The clock is not part of the work.
  assert.equal(shardCostKey(job({ query: { match_all: {} } }, { nowMs: 1 })), shardCostKey(job({ query: { match_all: {} } }, { nowMs: 2 })));
});

test('the limit is the measured main-thread cost of a hop (the prior until one is measured)', () => {
  const costs = new ShardCosts(50, 100);
  const medium = job({ query: { match: { body: 'medium' } } });
  costs.observe(medium, 80);
  assert.equal(costs.hopMicros, 50);
  assert.equal(costs.prefersMainThread(medium), false, '80 µs of work against a 50 µs hop: the pool');
  costs.observeHop(90);
  assert.equal(costs.hopMicros, 90);
  assert.equal(costs.prefersMainThread(medium), true, 'hops measured dearer than the work: the main thread');
  for (let i = 0; i < 10; i++) costs.observeHop(10);
  assert.equal(costs.prefersMainThread(medium), false, 'hops measured cheap again: the pool');
  // A hop measured at milliseconds (the thread was descheduled) counts as hopMicrosMax: a query
  // phase dearer than that never leaves the pool for it.
  const dear = job({ query: { match: { body: 'dear' } } });
  costs.observe(dear, shardCostLimits.hopMicrosMax + 50);
  for (let i = 0; i < 10; i++) costs.observeHop(5_000);
  assert.ok(costs.hopMicros <= shardCostLimits.hopMicrosMax && costs.hopMicros > 80, String(costs.hopMicros));
  assert.equal(costs.prefersMainThread(dear), false);
  assert.equal(costs.prefersMainThread(medium), true);
});

test('bounded: the oldest estimates go first; a request JSON cannot hold is never estimated', () => {
  const costs = new ShardCosts(50, 3);
  const jobs = ['a', 'b', 'c', 'd'].map((term) => job({ query: { term: { tag: term } } }));
  for (const each of jobs) costs.observe(each, 1);
  assert.equal(costs.size, 3);
  assert.equal(costs.prefersMainThread(jobs[0]!), false, 'forgotten');
  assert.equal(costs.prefersMainThread(jobs[3]!), true);
  const unwritable: ShardJob = { ...jobs[0]!, request: { ...jobs[0]!.request, from: 10n as unknown as number } };
  assert.equal(shardCostKey(unwritable), undefined);
  costs.observe(unwritable, 1);
  assert.equal(costs.prefersMainThread(unwritable), false);
  // Not remembered: it took no entry from a job that was (the oldest would have gone first).
  assert.equal(costs.size, 3);
  assert.equal(costs.prefersMainThread(jobs[1]!), true, 'still estimated');
});

test('a batch runs a shard the pool prefers on the main thread (timed for the estimate), and sends the others', async () => {
  const result = (key: string): ShardResult => ({ shardKey: key }) as unknown as ShardResult;
  const cheap = job({ query: { term: { tag: 'cheap' } } });
  const dear = job({ query: { term: { tag: 'dear' } } });
  const sent: ShardJob[] = [];
  const observed: [ShardJob, number][] = [];
  const pool = {
    prefersMainThread: (shardJob: ShardJob) => shardJob === cheap,
    run: (shardJob: ShardJob) => {
      sent.push(shardJob);
      return Promise.resolve(result('from-worker'));
    },
    observeMainThread: (shardJob: ShardJob, micros: number) => observed.push([shardJob, micros]),
  } as unknown as SearchPool;
  const batch = new ShardBatch([
    { inline: () => result('cheap-here'), job: cheap },
    { inline: () => result('dear-here'), job: dear },
    { inline: () => result('main-only'), job: undefined },
  ]);
  const outcomes = await batch.run(pool, undefined);
  assert.deepEqual(outcomes, [{ result: result('cheap-here') }, { result: result('from-worker') }, { result: result('main-only') }]);
  assert.deepEqual(sent, [dear]);
  assert.equal(observed.length, 1);
  assert.equal(observed[0]![0], cheap);
  assert.ok(observed[0]![1] >= 0);
});
