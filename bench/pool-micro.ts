/**
 * The search pool's hop, in process (not a test): builds geonames-like documents into one shared
 * segment, then for each of issue 13's queries (a)-(e) times the query phase run inline against
 * the same job run on one worker, one at a time: the main thread's busy time per job (event-loop
 * utilization: posting, receiving and cloning, settling) and the worker's.
 * Run: node --import tsx bench/pool-micro.ts [docs]
 */
import { performance } from 'node:perf_hooks';
import { buildSegment, computeShardStats } from '../src/index/engine/index.js';
import { shareSegmentArrays } from '../src/index/engine/shared-segment.js';
import { parseSearchRequest, type SearchRequest } from '../src/index/query/index.js';
import { runShardQuery } from '../src/index/query/shard-query.js';
import { SearchPool } from '../src/index/searcher/search-pool.js';
import { commonTerm, engineInputs, generateGeonames, geonamesMappings } from './geonames-corpus.js';

const docCount = Number(process.argv[2] ?? 200_000);
const documents = engineInputs(generateGeonames(docCount, 42));
const common = commonTerm(documents.map((doc) => JSON.parse(doc.source as string).description as string));
const segments = [shareSegmentArrays(buildSegment(documents, geonamesMappings, { name: 's0', maxSeqNo: docCount - 1 }))];
const stats = computeShardStats(segments);
const context = { mappings: geonamesMappings, indexName: 'geonames', shardKey: 'geonames:0', nowMs: Date.UTC(2024, 0, 1), shardCount: 1, defaultFields: ['*'] };
const queries: Record<string, SearchRequest> = {
  a: parseSearchRequest({ query: { match: { description: common } } }),
  c: parseSearchRequest({ query: { bool: { must: [{ match: { description: common } }], filter: [{ range: { population: { gte: 10_000 } } }, { term: { country_code: 'AA' } }] } } }),
  d: parseSearchRequest({ size: 0, aggs: { countries: { terms: { field: 'country_code' } } } }),
  e: parseSearchRequest({ size: 0, aggs: { months: { date_histogram: { field: 'modification_date', calendar_interval: 'month' } } } }),
};
const pool = new SearchPool(1);
await pool.started();
const rounds = 300;
for (const [name, request] of Object.entries(queries)) {
  const job = { segments, request, postFiltered: undefined, context };
  for (let i = 0; i < 50; i++) runShardQuery(segments, stats, request, undefined, context);
  let started = performance.now();
  for (let i = 0; i < rounds; i++) runShardQuery(segments, stats, request, undefined, context);
  const inlineMs = (performance.now() - started) / rounds;
  for (let i = 0; i < 50; i++) await pool.run(job);
  const mainBefore = performance.eventLoopUtilization();
  started = performance.now();
  for (let i = 0; i < rounds; i++) if ((await pool.run(job)) === undefined) throw new Error('ran inline');
  const wallMs = (performance.now() - started) / rounds;
  const main = performance.eventLoopUtilization(mainBefore);
  console.log(`(${name}) inline query phase ${inlineMs.toFixed(3)} ms; on a worker: round trip ${wallMs.toFixed(3)} ms, main thread busy ${(main.active / rounds).toFixed(3)} ms per job`);
}
await pool.close();
