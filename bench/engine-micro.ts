/**
 * Engine micro-benchmark (not a test): builds 200k seeded geonames-like documents in memory and
 * times the queries (a)-(e) in process, printing p50/p99.
 * Run: node --import tsx bench/engine-micro.ts [docs] [segments]
 */
import { buildSegment, computeShardStats, type Segment } from '../src/index/engine/index.js';
import { parseSearchRequest, searchShard, mergeShardResults, type SearchRequest } from '../src/index/query/index.js';
import { engineInputs, generateGeonames, geonamesMappings } from './geonames-corpus.js';

const docCount = Number(process.argv[2] ?? 200_000);
const segmentCount = Number(process.argv[3] ?? 1);
const seed = 42;

let started = performance.now();
const documents = engineInputs(generateGeonames(docCount, seed));
console.log(`generated ${docCount} docs in ${(performance.now() - started).toFixed(0)} ms`);
started = performance.now();
const segments: Segment[] = [];
const perSegment = Math.ceil(docCount / segmentCount);
for (let index = 0; index < segmentCount; index++) {
  const slice = documents.slice(index * perSegment, (index + 1) * perSegment).map((doc, docId) => ({ ...doc, docId }));
  segments.push(buildSegment(slice, geonamesMappings, { name: `s${index}`, maxSeqNo: (index + 1) * perSegment - 1 }));
}
const buildMs = performance.now() - started;
console.log(`built ${segmentCount} segment(s) in ${buildMs.toFixed(0)} ms (${Math.round((docCount / buildMs) * 1000)} docs/s)`);
if (global.gc) global.gc();
console.log(`heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);

const stats = computeShardStats(segments);
// Pick the description term closest to 70% of docs and one in ~0.05% of docs (100 of 200k).
const postings = segments[0]!.postings.get('description')!;
let common = '';
let rare = '';
let commonGap = Infinity;
let rareGap = Infinity;
for (const term of postings.terms) {
  const fraction = stats.docFreq('description', term) / docCount;
  if (Math.abs(fraction - 0.7) < commonGap) (commonGap = Math.abs(fraction - 0.7)), (common = term);
  if (Math.abs(fraction - 0.0005) < rareGap) (rareGap = Math.abs(fraction - 0.0005)), (rare = term);
}
console.log(`common term "${common}" df=${stats.docFreq('description', common)}; rare term "${rare}" df=${stats.docFreq('description', rare)}`);

const context = { mappings: geonamesMappings, indexName: 'geonames', shardKey: 'geonames:0', nowMs: Date.UTC(2024, 0, 1), defaultFields: ['*'] };
const queries: Record<string, SearchRequest> = {
  '(a) match common term, top 10': parseSearchRequest({ query: { match: { description: common } } }),
  '(b) match rare term, top 10': parseSearchRequest({ query: { match: { description: rare } } }),
  '(c) bool match + range + term': parseSearchRequest({
    query: { bool: { must: [{ match: { description: common } }], filter: [{ range: { population: { gte: 10_000 } } }, { term: { country_code: 'AA' } }] } },
  }),
  '(d) terms agg on country_code, size 0': parseSearchRequest({ size: 0, aggs: { countries: { terms: { field: 'country_code' } } } }),
  '(e) date_histogram per month, size 0': parseSearchRequest({ size: 0, aggs: { months: { date_histogram: { field: 'modification_date', calendar_interval: 'month' } } } }),
  '(x) match two terms (common OR rare), top 10': parseSearchRequest({ query: { match: { description: `${common} ${rare}` } } }),
  '(y) match common, track_total_hits true': parseSearchRequest({ query: { match: { description: common } }, track_total_hits: true }),
};

// Two rounds over all queries (one process serves every query type: call sites see them all);
// the second round is reported.
for (const round of [1, 2]) {
  if (round === 2) console.log('steady state (round 2):');
  for (const [label, request] of Object.entries(queries)) {
    const run = () => mergeShardResults([searchShard(segments, stats, request, context)], request);
    const sample = run();
    for (let index = 0; index < 200; index++) run();
    const times: number[] = [];
    const deadline = performance.now() + (round === 1 ? 1000 : 3000);
    while (performance.now() < deadline && times.length < 5000) {
      const start = performance.now();
      run();
      times.push(performance.now() - start);
    }
    if (round === 1) continue;
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length * 0.5)]!;
    const p99 = times[Math.floor(times.length * 0.99)]!;
    console.log(`${label.padEnd(46)} p50 ${p50.toFixed(3)} ms  p99 ${p99.toFixed(3)} ms  (n=${times.length}, total=${JSON.stringify(sample.total)})`);
  }
}
