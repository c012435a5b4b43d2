/**
 * `npm run bench`: Strait's figures (issues 3, 5 and 13) beside an in-process Lucene 8.8.1 and an
 * HTTP floor from the same run, printed as issue 13's table (every figure beside its target, with
 * a ratio against Lucene's) and as JSON (also written to bench/results/<timestamp>.json). Not a
 * test: nothing here asserts a timing; a target not met prints "no".
 *
 * Order: Lucene (bench/lucene.ts, skipped with one line when there is no JDK or liblucene8-java and
 * it cannot be installed), the HTTP floor (bench/http-floor.ts), Strait (one node over plain HTTP
 * with security on: bulk, refresh, queries, restart, searches during a second bulk; its RSS sampled
 * throughout), then cross-cluster search and replication.
 *
 * Environment: BENCH_DOCS (default 200000), BENCH_SECONDS per query and concurrency for Strait
 * (default 30), BENCH_REFERENCE_SECONDS per query and concurrency for Lucene and the floor (default
 * 10; Lucene warms each up for a third of it first), BENCH_LUCENE=0 to skip Lucene,
 * BENCH_LUCENE_JAVA_OPTS (default "-Xmx1g"), BENCH_LIVE_DOCS for the bulk that runs while query (a)
 * is measured (default BENCH_DOCS / 4), BENCH_SCALE=1 to run the Strait part again at
 * BENCH_SCALE_DOCS (default 1000000) and print how each figure grows, BENCH_BASELINE=<an earlier
 * results JSON> for the "no slower than today" targets of (c)-(e), BENCH_CCS=0 to skip the
 * cross-cluster part, BENCH_CCS_ONLY=1 to run only it. Cross-cluster replication (issue 10, bench/ccr.ts):
 * BENCH_CCR=0 to skip it, BENCH_ONLY=ccr to run only it, BENCH_CCR_SECONDS for the paced lag run
 * (default 60), BENCH_CCR_DOCS for the bootstrap (default 200000), BENCH_CCR_API_KEY=0 to measure
 * the lag over the certificate model only, BENCH_CCR_SECTIONS=lag,throughput,bootstrap to pick parts, BENCH_CCR_RATE for the paced rate (default 5000 docs/s),
 * BENCH_CCR_REFRESH_INTERVAL for the lag indices' refresh_interval (-1: lag without scheduled refreshes),
 * BENCH_CCR_ROUNDS for the A/B rounds of the leader throughput measure (default 3).
 * BENCH_STRAIT_SETTINGS: extra node settings for the measured Strait node (`thread_pool.search.size=0`).
 * BENCH_NODES=0 skips issue #14's many-node rows, BENCH_ONLY=nodes runs only them, BENCH_NODES_DOCS sizes them.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@elastic/elasticsearch';
import { repoRoot, startNode, type StartedNode } from '../test/harness/cluster.js';
import { bulkIndexDocuments, generateGeonames, geonamesMappings } from './geonames-corpus.js';
import { runCcsBench } from './ccs.js';
import { waitUntilIdle } from './node-idle.js';
import { printCcrTable, runCcrBench, type CcrBenchOptions } from './ccr.js';
import { printManyNodesTable, runManyNodesBench, type ManyNodesResults } from './many-nodes.js';
import { startHttpFloor } from './http-floor.js';
import { locateLucene, runLuceneBench, type LuceneHit, type LuceneResult } from './lucene.js';

const DOCS = Number(process.env['BENCH_DOCS'] ?? 200_000);
/** BENCH_STRAIT_SETTINGS: node settings for the measured Strait node, space-separated `key=value` (e.g. `thread_pool.search.size=0`). */
const STRAIT_SETTINGS = (process.env['BENCH_STRAIT_SETTINGS'] ?? '').split(' ').filter((setting) => setting !== '');
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 30);
/** Issue #14's rows (bench/many-nodes.ts): BENCH_NODES=0 skips them, BENCH_ONLY=nodes runs only them, BENCH_NODES_DOCS documents (default 50,000). */
const MANY_NODES_OPTIONS = { docs: Number(process.env['BENCH_NODES_DOCS'] ?? 50_000), seconds: Math.min(Number(process.env['BENCH_SECONDS'] ?? 30), 10) };
const REFERENCE_SECONDS = Number(process.env['BENCH_REFERENCE_SECONDS'] ?? 10);
const LIVE_DOCS = Number(process.env['BENCH_LIVE_DOCS'] ?? Math.max(1000, Math.round(DOCS / 4)));
const SCALE_DOCS = Number(process.env['BENCH_SCALE_DOCS'] ?? 1_000_000);
/** Concurrency of the "conc 8" rows: 8 clients over HTTP, 8 threads over one IndexSearcher. */
const HIGH_CONCURRENCY = 8;
const CCR_OPTIONS: CcrBenchOptions = {
  seconds: Number(process.env['BENCH_CCR_SECONDS'] ?? 60),
  docs: Number(process.env['BENCH_CCR_DOCS'] ?? 200_000),
  apiKeyLag: process.env['BENCH_CCR_API_KEY'] !== '0',
  ...(process.env['BENCH_CCR_RATE'] ? { rate: Number(process.env['BENCH_CCR_RATE']) } : {}),
  ...(process.env['BENCH_CCR_REFRESH_INTERVAL'] ? { refreshInterval: process.env['BENCH_CCR_REFRESH_INTERVAL'] } : {}),
  ...(process.env['BENCH_CCR_SECTIONS'] ? { sections: new Set(process.env['BENCH_CCR_SECTIONS'].split(',')) } : {}),
};

interface Figures {
  p50_ms: number;
  p99_ms: number;
  qps: number;
  requests: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summarize(latencies: number[], elapsedMs: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { p50_ms: round(percentile(sorted, 50)), p99_ms: round(percentile(sorted, 99)), qps: round((latencies.length / elapsedMs) * 1000), requests: latencies.length };
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** Runs `operation` from `concurrency` workers for `seconds`; latencies per call. */
export async function measure(seconds: number, concurrency: number, operation: () => Promise<unknown>): Promise<Figures> {
  for (let i = 0; i < 20; i++) await operation(); // warm-up
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await operation();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return summarize(latencies, performance.now() - started);
}

/** Runs `operation` one call at a time until `done()` (a bulk running beside it finished). */
async function measureWhile(running: () => boolean, operation: () => Promise<unknown>): Promise<Figures> {
  const latencies: number[] = [];
  const started = performance.now();
  while (running()) {
    const t0 = performance.now();
    await operation();
    latencies.push(performance.now() - t0);
  }
  return summarize(latencies, performance.now() - started);
}

/** VmHWM (peak) and VmRSS (now) of a process, in MB; NaN when /proc cannot tell. */
function memoryMb(pid: number): { hwm: number; rss: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const read = (name: string): number => {
      const match = new RegExp(`${name}:\\s+(\\d+) kB`).exec(status);
      return match === null ? NaN : Number(match[1]) / 1024;
    };
    return { hwm: read('VmHWM'), rss: read('VmRSS') };
  } catch {
    return { hwm: NaN, rss: NaN };
  }
}

/**
 * Samples a node's memory every 100 ms for the whole Strait part (VmHWM already holds the peak
 * between samples; sampling keeps it across a restart, which starts a new process). `mark()`
 * returns the peak so far.
 */
class RssSampler {
  private peak = 0;
  private pid: number;
  private readonly timer: NodeJS.Timeout;

  constructor(pid: number) {
    this.pid = pid;
    this.timer = setInterval(() => this.sample(), 100);
  }

  sample(): void {
    const { hwm, rss } = memoryMb(this.pid);
    this.peak = Math.max(this.peak, Number.isNaN(hwm) ? 0 : hwm, Number.isNaN(rss) ? 0 : rss);
  }

  /** Follows a restarted node (the old process's peak is kept). */
  watch(pid: number): void {
    this.sample();
    this.pid = pid;
  }

  mark(): number {
    this.sample();
    return Math.round(this.peak);
  }

  stop(): number {
    clearInterval(this.timer);
    return this.mark();
  }
}

function directoryBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(full);
    else if (entry.isFile()) total += lstatSync(full).size;
  }
  return total;
}

/** The description terms closest to 70% and to 0.05% of documents. */
function pickTerms(descriptions: string[]): { common: string; rare: string; commonDf: number; rareDf: number } {
  const df = new Map<string, number>();
  for (const text of descriptions) for (const term of new Set(text.split(' '))) df.set(term, (df.get(term) ?? 0) + 1);
  let common = '';
  let rare = '';
  let commonGap = Infinity;
  let rareGap = Infinity;
  for (const [term, count] of df) {
    const fraction = count / descriptions.length;
    if (Math.abs(fraction - 0.7) < commonGap) (commonGap = Math.abs(fraction - 0.7)), (common = term);
    if (Math.abs(fraction - 0.0005) < rareGap) (rareGap = Math.abs(fraction - 0.0005)), (rare = term);
  }
  return { common, rare, commonDf: df.get(common)!, rareDf: df.get(rare)! };
}

/**
 * A corpus document's `_source` as an object: the corpus hands it over as an object or, since the
 * engine keeps `_source` as stored JSON text, possibly as that text.
 */
const sourceObject = (doc: { readonly source: unknown }): Record<string, unknown> =>
  (typeof doc.source === 'string' ? JSON.parse(doc.source) : doc.source) as Record<string, unknown>;

const QUERY_A = '(a) match common term, top 10';
const QUERY_B = '(b) match rare term, top 10';
const QUERY_C = '(c) bool match + range + term';
const QUERY_D = '(d) terms agg on country, size 0';
const QUERY_E = '(e) date_histogram per month, size 0';

function benchQueries(terms: { common: string; rare: string }): Record<string, Record<string, unknown>> {
  return {
    [QUERY_A]: { query: { match: { description: terms.common } } },
    [QUERY_B]: { query: { match: { description: terms.rare } } },
    [QUERY_C]: {
      query: { bool: { must: [{ match: { description: terms.common } }], filter: [{ range: { population: { gte: 10_000 } } }, { term: { country_code: 'AA' } }] } },
    },
    [QUERY_D]: { size: 0, aggs: { countries: { terms: { field: 'country_code' } } } },
    [QUERY_E]: { size: 0, aggs: { months: { date_histogram: { field: 'modification_date', calendar_interval: 'month' } } } },
  };
}

/** Requests that grow with the index (a refresh of everything bulk-indexed, a first search after a restart). */
const LONG_REQUEST = { requestTimeout: 600_000 };

/** Ties in score broken by a per-document value both engines sort alike: the answer is unique. */
const BY_SCORE_THEN_LATITUDE = [{ _score: { order: 'desc' } }, { latitude: { order: 'asc' } }];

interface Hit {
  _id: string;
  _score: number;
}

interface StraitRun {
  docs: number;
  indexing: { docs_per_s: number; seconds: number; refresh_ms: number; refresh_us_per_doc: number; background_settle_ms: number };
  queries: Record<string, Record<string, Figures>>;
  memory: {
    idle_rss_mb: number;
    rss_after_refresh_mb: number;
    /** (RSS after indexing and refresh - RSS of the idle node with the empty index) per 100k documents. */
    rss_growth_per_100k_docs_mb: number;
    peak_rss_indexed_refreshed_searched_mb: number;
    peak_rss_whole_run_mb: number;
  };
  disk: { data_dir_bytes_after_refresh: number; data_dir_bytes_after_restart: number };
  startup: { start_to_ready_ms: number; first_search_ms: number };
  search_during_bulk: { query: string; bulk_docs: number; bulk_docs_per_s: number; idle: Figures; during_bulk: Figures; p99_over_idle_p99: number };
  top10: { a: Hit[]; c: Hit[]; a_by_score_then_latitude: Hit[]; c_by_score_then_latitude: Hit[] };
  totals: { a: unknown; c: unknown };
  terms_agg: { key: string; doc_count: number }[];
  date_histogram: { key: number; doc_count: number }[];
}

const topHits = (response: { hits: { hits: { _id?: string | null; _score?: number | null; sort?: unknown[] }[] } }): Hit[] =>
  response.hits.hits.map((hit) => ({ _id: String(hit._id), _score: Number(hit._score ?? (hit.sort?.[0] as number)) }));

/**
 * Strait's part at `documents.length` documents: one node over plain HTTP with security on (the
 * issue's setting), bulk by 2 clients, refresh, the queries at concurrency 1 and 8, a restart, and
 * query (a) while a second bulk runs into another index. Memory is sampled throughout.
 */
async function runStrait(documents: readonly Record<string, unknown>[], queries: Record<string, Record<string, unknown>>): Promise<StraitRun> {
  const docs = documents.length;
  let node: StartedNode = await startNode({ clusterName: 'bench', security: true, httpTls: false, settings: STRAIT_SETTINGS });
  const sampler = new RssSampler(node.pid);
  let step = 'index creation';
  try {
    let client: Client = node.client();
    await client.indices.create({
      index: 'geonames',
      settings: { number_of_replicas: 0, refresh_interval: '-1' },
      mappings: { properties: geonamesMappings as Record<string, { type: 'text' }> },
    });
    const idleRss = memoryMb(node.pid).rss;
    // Bulk indexing: 1,000 documents per request, 2 concurrent clients.
    console.log(`strait: bulk indexing ${docs} documents over HTTP (1,000 docs per _bulk, 2 clients)…`);
    const indexStarted = performance.now();
    step = 'bulk indexing';
    await bulkIndexDocuments([node.client(), node.client()], 'geonames', documents);
    const indexSeconds = (performance.now() - indexStarted) / 1000;
    const refreshStarted = performance.now();
    step = 'refresh after the bulk';
    await client.indices.refresh({ index: 'geonames' }, LONG_REQUEST);
    const refreshMs = performance.now() - refreshStarted;
    const count = await client.count({ index: 'geonames' }, LONG_REQUEST);
    if (count.count !== docs) throw new Error(`expected ${docs} documents, counted ${count.count}`);
    const rssAfterRefresh = memoryMb(node.pid).rss;
    const diskAfterRefresh = directoryBytes(node.dataDir);
    console.log('strait: waiting for background merges and persisting to end (3 s under 5% CPU)…');
    const settleMs = await waitUntilIdle(node.pid);

    // Queries over HTTP at concurrency 1 and 8.
    step = 'timed searches';
    const figures: Record<string, Record<string, Figures>> = {};
    for (const [name, body] of Object.entries(queries)) {
      figures[name] = {};
      for (const concurrency of [1, HIGH_CONCURRENCY]) {
        console.log(`strait: ${name} at concurrency ${concurrency} for ${SECONDS}s…`);
        figures[name]![`c${concurrency}`] = await measure(SECONDS, concurrency, () => client.search({ index: 'geonames', ...body }));
      }
    }
    const a = await client.search({ index: 'geonames', ...queries[QUERY_A] });
    const c = await client.search({ index: 'geonames', ...queries[QUERY_C] });
    const aSorted = await client.search({ index: 'geonames', ...queries[QUERY_A], sort: BY_SCORE_THEN_LATITUDE } as never);
    const cSorted = await client.search({ index: 'geonames', ...queries[QUERY_C], sort: BY_SCORE_THEN_LATITUDE } as never);
    const agg = await client.search({ index: 'geonames', ...queries[QUERY_D] });
    const histogram = await client.search({ index: 'geonames', ...queries[QUERY_E] });
    const peakSearched = sampler.mark();

    // Start-up time with the documents stored.
    step = 'restart';
    await node.stop();
    const startStarted = performance.now();
    node = await node.restart();
    const readyMs = performance.now() - startStarted;
    sampler.watch(node.pid);
    client = node.client();
    const firstSearchStarted = performance.now();
    await client.search({ index: 'geonames', ...queries[QUERY_A] }, LONG_REQUEST);
    const firstSearchMs = performance.now() - firstSearchStarted;
    const diskAfterRestart = directoryBytes(node.dataDir);

    // Query (a) at concurrency 1 idle, then while 2 clients bulk new documents into another index
    // (default refresh_interval, so scheduled refreshes run too).
    console.log(`strait: ${QUERY_A} at concurrency 1, idle then while ${LIVE_DOCS} documents are bulk-indexed into another index…`);
    step = 'searches during a second bulk';
    const live = generateGeonames(LIVE_DOCS, 4242).map(sourceObject);
    await client.indices.create({ index: 'geonames-live', settings: { number_of_replicas: 0 }, mappings: { properties: geonamesMappings as Record<string, { type: 'text' }> } });
    const searchA = (): Promise<unknown> => client.search({ index: 'geonames', ...queries[QUERY_A] });
    await waitUntilIdle(node.pid);
    const idle = await measure(Math.min(SECONDS, 5), 1, searchA);
    let bulkRunning = true;
    const liveStarted = performance.now();
    const bulk = bulkIndexDocuments([node.client(), node.client()], 'geonames-live', live).finally(() => (bulkRunning = false));
    const duringBulk = await measureWhile(() => bulkRunning, searchA);
    await bulk;
    const liveSeconds = (performance.now() - liveStarted) / 1000;
    const peakWhole = sampler.stop();
    return {
      docs,
      indexing: { docs_per_s: Math.round(docs / indexSeconds), seconds: round(indexSeconds), refresh_ms: round(refreshMs), refresh_us_per_doc: round((refreshMs * 1000) / docs), background_settle_ms: settleMs },
      queries: figures,
      memory: {
        idle_rss_mb: Math.round(idleRss),
        rss_after_refresh_mb: Math.round(rssAfterRefresh),
        rss_growth_per_100k_docs_mb: round(((rssAfterRefresh - idleRss) * 100_000) / docs),
        peak_rss_indexed_refreshed_searched_mb: peakSearched,
        peak_rss_whole_run_mb: peakWhole,
      },
      disk: { data_dir_bytes_after_refresh: diskAfterRefresh, data_dir_bytes_after_restart: diskAfterRestart },
      startup: { start_to_ready_ms: Math.round(readyMs), first_search_ms: Math.round(firstSearchMs) },
      search_during_bulk: {
        query: QUERY_A,
        bulk_docs: LIVE_DOCS,
        bulk_docs_per_s: Math.round(LIVE_DOCS / liveSeconds),
        idle,
        during_bulk: duringBulk,
        p99_over_idle_p99: round(duringBulk.p99_ms / idle.p99_ms),
      },
      top10: { a: topHits(a), c: topHits(c), a_by_score_then_latitude: topHits(aSorted), c_by_score_then_latitude: topHits(cSorted) },
      totals: { a: a.hits.total, c: c.hits.total },
      terms_agg: ((agg.aggregations?.['countries'] as { buckets: { key: string; doc_count: number }[] } | undefined)?.buckets ?? []).map((b) => ({ key: b.key, doc_count: b.doc_count })),
      // Non-empty months only (Elasticsearch also returns the empty months between, Lucene's count has none).
      date_histogram: ((histogram.aggregations?.['months'] as { buckets: { key: number; doc_count: number }[] } | undefined)?.buckets ?? [])
        .filter((b) => b.doc_count > 0)
        .map((b) => ({ key: b.key, doc_count: b.doc_count })),
    };
  } catch (error) {
    throw new Error(`${step}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    sampler.stop();
    await node.destroy();
  }
}

/** Both engines score in float32; their JSON renderings of one score may differ in the last digits. */
const sameScore = (x: number, y: number): boolean => Math.abs(x - y) <= 1e-5 * Math.max(1, Math.abs(x), Math.abs(y));

/**
 * Compares Strait's top 10 with Lucene's. "agree" means same ids in the same order with the same
 * scores. When the scores agree rank by rank but the ids do not, looks at each run of equal scores:
 * inside the top 10 a run must hold the same ids (only their order may differ); the last run may
 * hold different ids when more documents share its score than fit. Each engine breaks a tie by its
 * internal doc id, i.e. the order documents arrived in, which two concurrent bulk clients (and
 * Lucene's per-thread segments) leave undetermined.
 */
function compareTopTen(strait: readonly Hit[], lucene: readonly Hit[]): string {
  const ids = (hits: readonly Hit[]): string => hits.map((hit) => hit._id).join(',');
  const render = (hits: readonly Hit[]): string => hits.map((hit) => `${hit._id}:${hit._score}`).join(' ');
  const disagree = `DISAGREE\n      strait: ${render(strait)}\n      lucene: ${render(lucene)}`;
  const scoresEqual = strait.length === lucene.length && strait.every((hit, rank) => sameScore(hit._score, lucene[rank]!._score));
  if (!scoresEqual) return disagree;
  if (ids(strait) === ids(lucene)) return 'agree (same ids, order and scores)';
  const notes: string[] = [];
  for (let start = 0; start < strait.length; ) {
    let end = start + 1;
    while (end < strait.length && sameScore(strait[end]!._score, strait[start]!._score)) end++;
    const ranks = end - start === 1 ? `rank ${end}` : `ranks ${start + 1}-${end}`;
    const ours = strait.slice(start, end).map((hit) => hit._id);
    const theirs = lucene.slice(start, end).map((hit) => hit._id);
    if (ours.join(',') !== theirs.join(',')) {
      const sameSet = [...ours].sort().join(',') === [...theirs].sort().join(',');
      if (sameSet) notes.push(`${ranks} tie at score ${strait[start]!._score} and come in another order`);
      else if (end === strait.length) notes.push(`${ranks}: score ${strait[start]!._score} is shared by more documents than fit, each engine keeps other ones`);
      else return disagree;
    }
    start = end;
  }
  return `agree up to ties (same scores rank by rank; ${notes.join('; ')}; each engine orders equal scores by its own indexing order)`;
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = { docs: DOCS, seconds: SECONDS, reference_seconds: REFERENCE_SECONDS, node: process.version, date: new Date().toISOString() };
  if (process.env['BENCH_CCS_ONLY'] === '1') {
    console.log(JSON.stringify(await runCcsBench({ seconds: SECONDS, measure }), null, 2));
    return;
  }
  if (process.env['BENCH_ONLY'] === 'nodes') {
    const nodesOnly = { node: process.version, date: new Date().toISOString(), many_nodes: await runManyNodesBench(MANY_NODES_OPTIONS) };
    printManyNodesTable(nodesOnly.many_nodes);
    console.log('\nJSON:');
    console.log(JSON.stringify(nodesOnly, null, 2));
    return;
  }
  if (process.env['BENCH_ONLY'] === 'ccr') {
    const ccrOnly = { node: process.version, date: new Date().toISOString(), ccr: await runCcrBench(CCR_OPTIONS) };
    printCcrTable(ccrOnly.ccr);
    const outDir = path.join(repoRoot, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `ccr-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(ccrOnly, null, 2)}\n`);
    console.log('\nJSON:');
    console.log(JSON.stringify(ccrOnly, null, 2));
    console.log(`\n(written to ${path.relative(repoRoot, file)})`);
    return;
  }
  console.log(`generating ${DOCS} geonames-like documents (seeded)…`);
  let documents: Record<string, unknown>[] = generateGeonames(DOCS, 42).map(sourceObject);
  const terms = pickTerms(documents.map((doc) => String(doc['description'])));
  results['terms'] = terms;
  console.log(`common term "${terms.common}" in ${terms.commonDf} docs; rare term "${terms.rare}" in ${terms.rareDf} docs`);
  const queries = benchQueries(terms);

  // Lucene in-process, same documents, same terms. The 1-minute load average before each part is
  // kept: on a machine shared with other work it says how far to trust a ratio.
  results['load_average_before_lucene'] = os.loadavg()[0];
  if (process.env['BENCH_LUCENE'] === '0') {
    results['lucene_skipped'] = 'BENCH_LUCENE=0';
  } else {
    const located = locateLucene();
    if ('skipped' in located) {
      results['lucene_skipped'] = located.skipped;
      console.log(`lucene: skipped: ${located.skipped}`);
    } else {
      console.log(`lucene: ${DOCS} documents, ${REFERENCE_SECONDS}s per query and concurrency (after ${round(REFERENCE_SECONDS / 3)}s of warm-up)…`);
      try {
        results['lucene'] = await runLuceneBench(located.jars, documents, {
          commonTerm: terms.common,
          rareTerm: terms.rare,
          seconds: REFERENCE_SECONDS,
          warmupSeconds: REFERENCE_SECONDS / 3,
          bulkThreads: 2,
          searchThreads: HIGH_CONCURRENCY,
          javaOptions: (process.env['BENCH_LUCENE_JAVA_OPTS'] ?? '-Xmx1g').split(' ').filter((option) => option !== ''),
        });
      } catch (error) {
        // The reference failing (a JVM out of heap, a jar of another version) must not cost Strait's figures.
        const lines = (error instanceof Error ? error.message : String(error)).split('\n').filter((line) => line.trim() !== '');
        const cause = lines.slice(1).find((line) => /Exception|Error/.test(line)) ?? lines.at(-1);
        results['lucene_skipped'] = `LuceneBench failed: ${lines[0] ?? ''}${cause === undefined || lines.length < 2 ? '' : ` ${cause.trim()}`}`;
        console.log(`lucene: skipped: ${String(results['lucene_skipped'])}`);
      }
    }
  }

  // The HTTP floor: the same client calls against a fixed answer.
  results['load_average_before_floor'] = os.loadavg()[0];
  const floor = await startHttpFloor();
  try {
    const floorClient = new Client({ node: floor.url, auth: { username: 'elastic', password: 'floor' }, maxRetries: 0, requestTimeout: 30_000 });
    const floorFigures: Record<string, Figures> = {};
    for (const concurrency of [1, HIGH_CONCURRENCY]) {
      console.log(`http floor: search at concurrency ${concurrency} for ${REFERENCE_SECONDS}s…`);
      floorFigures[`c${concurrency}`] = await measure(REFERENCE_SECONDS, concurrency, () => floorClient.search({ index: 'geonames', ...queries[QUERY_A] }));
    }
    await floorClient.close();
    results['http_floor'] = floorFigures;
  } finally {
    await floor.stop();
  }

  results['load_average_before_strait'] = os.loadavg()[0];
  const strait = await runStrait(documents, queries);
  // `strait` keeps its earlier shape (query -> c1/c8 figures) so earlier results files serve as BENCH_BASELINE.
  results['strait'] = strait.queries;
  results['strait_run'] = { ...strait, queries: undefined };

  if (process.env['BENCH_SCALE'] === '1') {
    // The first DOCS documents of the larger corpus are the same documents (one seeded sequence).
    console.log(`scale: generating ${SCALE_DOCS} documents (seeded)…`);
    documents = [];
    const large = generateGeonames(SCALE_DOCS, 42).map(sourceObject);
    results['load_average_before_strait_scale'] = os.loadavg()[0];
    try {
      results['strait_scale'] = await runStrait(large, queries);
    } catch (error) {
      // A node that runs out of memory at this scale is a finding to print, not a reason to lose the rest.
      results['strait_scale_error'] = `at ${SCALE_DOCS} documents: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  documents = [];

  if (process.env['BENCH_CCS'] !== '0') results['ccs'] = await runCcsBench({ seconds: Math.min(SECONDS, 15), measure });
  if (process.env['BENCH_CCR'] !== '0') results['ccr'] = await runCcrBench(CCR_OPTIONS);
  if (process.env['BENCH_NODES'] !== '0') results['many_nodes'] = await runManyNodesBench(MANY_NODES_OPTIONS);

  const baselineFile = process.env['BENCH_BASELINE'];
  const baseline = baselineFile === undefined ? undefined : (JSON.parse(readFileSync(baselineFile, 'utf8')) as { strait?: Record<string, Record<string, Figures>> }).strait;
  printTable(results, strait, baseline);
  if (results['many_nodes'] !== undefined) printManyNodesTable(results['many_nodes'] as ManyNodesResults);
  const outDir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nJSON:');
  console.log(JSON.stringify(results, null, 2));
  console.log(`\n(written to ${path.relative(repoRoot, file)})`);
}

// ---- The table -----------------------------------------------------------------------------------

const format = (value: number | undefined, digits = 3): string => {
  if (value === undefined || Number.isNaN(value)) return '';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return String(Math.round(value * 10 ** digits) / 10 ** digits);
};

const ratio = (ours: number | undefined, theirs: number | undefined): string =>
  ours === undefined || theirs === undefined || !(theirs > 0) ? '' : `${format(ours / theirs, 2)} ×`;

type Row = [work: string, lucene: string, floor: string, strait: string, ratio: string, target: string, met: string];

const met = (ok: boolean | undefined): string => (ok === undefined ? '?' : ok ? 'yes' : 'NO');

function printRows(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]): string => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

/**
 * Issue 13's table: every figure the issue names, Lucene | HTTP floor | Strait | Strait over Lucene
 * | target | met. Latency targets are relative to Lucene + floor from this same run.
 */
function printTable(results: Record<string, unknown>, strait: StraitRun, baseline: Record<string, Record<string, Figures>> | undefined): void {
  const lucene = results['lucene'] as LuceneResult | undefined;
  const floor = results['http_floor'] as Record<string, Figures>;
  const hi = `c${HIGH_CONCURRENCY}`;
  const rows: Row[] = [];
  const names = [QUERY_A, QUERY_B, QUERY_C, QUERY_D, QUERY_E];
  for (const name of names) {
    const short = name.slice(0, 3);
    const ours = strait.queries[name]!;
    const theirs = lucene?.queries[name];
    // (a)-(c): Lucene's query phase alone is L (the issue's Lucene figures were taken so); the same
    // with the fetch of the 10 hits' _id and _source is shown in parentheses, with the target it gives.
    const fetched = lucene?.queries_with_fetch[name];
    const withFetch = (value: number | undefined, text: string): string => (fetched === undefined || value === undefined ? '' : ` (${text})`);
    const p50 = theirs?.['c1']?.p50_ms;
    const fetchedP50 = fetched?.['c1']?.p50_ms;
    let target: string;
    let metCell: string;
    if (short === '(a)' || short === '(b)') {
      const factor = short === '(a)' ? 1.5 : 1.2;
      const bound = p50 === undefined ? undefined : factor * (p50 + floor['c1']!.p50_ms);
      const fetchedBound = fetchedP50 === undefined ? undefined : factor * (fetchedP50 + floor['c1']!.p50_ms);
      target = bound === undefined ? `≤ ${factor} × (Lucene + floor)` : `≤ ${factor} × (L + F) = ${format(bound)} ms${withFetch(fetchedBound, `with fetch ${format(fetchedBound)}`)}`;
      metCell = `${met(bound === undefined ? undefined : ours['c1']!.p50_ms <= bound)}${withFetch(fetchedBound, met(ours['c1']!.p50_ms <= fetchedBound!))}`;
    } else {
      const before = baseline?.[name]?.['c1']?.p50_ms;
      target = before === undefined ? 'no slower than today (set BENCH_BASELINE)' : `≤ baseline ${format(before)} ms`;
      metCell = met(before === undefined ? undefined : ours['c1']!.p50_ms <= before);
    }
    const luceneP50 = p50 === undefined ? '' : `${format(p50)}${withFetch(fetchedP50, `with fetch ${format(fetchedP50)}`)}`;
    rows.push([`${name}: conc 1 p50 ms`, luceneP50, format(floor['c1']!.p50_ms), format(ours['c1']!.p50_ms), ratio(ours['c1']!.p50_ms, p50), target, metCell]);
    // conc 8 QPS
    const qps = theirs?.[hi]?.qps;
    const fetchedQps = fetched?.[hi]?.qps;
    const luceneQps = qps === undefined ? '' : `${format(qps)}${withFetch(fetchedQps, `with fetch ${format(fetchedQps)}`)}`;
    if (short === '(a)' || short === '(c)') {
      const targetQps = qps === undefined ? '≥ Lucene' : `≥ Lucene = ${format(qps)}`;
      const metQps = `${met(qps === undefined ? undefined : ours[hi]!.qps >= qps)}${withFetch(fetchedQps, met(ours[hi]!.qps >= fetchedQps!))}`;
      rows.push([`${name}: conc ${HIGH_CONCURRENCY} QPS`, luceneQps, format(floor[hi]!.qps), format(ours[hi]!.qps), ratio(ours[hi]!.qps, qps), targetQps, metQps]);
    } else {
      rows.push([`${name}: conc ${HIGH_CONCURRENCY} QPS`, luceneQps, format(floor[hi]!.qps), format(ours[hi]!.qps), ratio(ours[hi]!.qps, qps), '(see scaling)', '']);
    }
    const scaling = (figures: Record<string, Figures> | undefined): number | undefined => (figures === undefined ? undefined : figures[hi]!.qps / figures['c1']!.qps);
    rows.push([`${name}: conc ${HIGH_CONCURRENCY} QPS / conc 1 QPS`, format(scaling(theirs), 2), format(scaling(floor), 2), format(scaling(ours), 2), ratio(scaling(ours), scaling(theirs)), '≥ 1.7', met(scaling(ours)! >= 1.7)]);
  }
  const bulkTarget = 25_000;
  rows.push(['bulk index, 2 clients (docs/s)', lucene === undefined ? '' : `${format(lucene.indexing.docs_per_s)} (2 threads)`, '', format(strait.indexing.docs_per_s), ratio(strait.indexing.docs_per_s, lucene?.indexing.docs_per_s), `≥ ${format(bulkTarget)}`, met(strait.indexing.docs_per_s >= bulkTarget)]);
  const luceneRefreshUs = lucene === undefined ? undefined : (lucene.indexing.refresh_ms * 1000) / lucene.docs;
  rows.push(['refresh after bulk, µs per doc', lucene === undefined ? '' : `${format(luceneRefreshUs)} (reopen after commit)`, '', format(strait.indexing.refresh_us_per_doc), '', '≤ 10', met(strait.indexing.refresh_us_per_doc <= 10)]);
  rows.push(['background merges + persisting after that refresh, s', lucene === undefined ? '' : `${format(lucene.indexing.merge_wait_ms / 1000)} (merges after commit)`, '', format(strait.indexing.background_settle_ms / 1000), '', 'printed (searches timed after)', '']);
  const peak = strait.memory.peak_rss_indexed_refreshed_searched_mb;
  rows.push([`peak RSS MB (${format(strait.docs)} docs indexed, refreshed, searched)`, lucene === undefined ? '' : `${format(lucene.peak_rss_mb)} (JVM, ${lucene.java_options})`, '', format(peak), ratio(peak, lucene?.peak_rss_mb), '≤ 450', met(peak <= 450)]);
  rows.push([`peak RSS MB, whole Strait part (+ restart, + ${format(strait.search_during_bulk.bulk_docs)} docs bulk)`, '', '', format(strait.memory.peak_rss_whole_run_mb), '', '≤ 450', met(strait.memory.peak_rss_whole_run_mb <= 450)]);
  rows.push(['heap + off-heap per 100k docs, MB (RSS growth; no memory stats API)', '', '', format(strait.memory.rss_growth_per_100k_docs_mb, 1), '', 'printed', '']);
  const live = strait.search_during_bulk;
  rows.push([`(a) conc 1 p99 ms while bulk indexing (idle ${format(live.idle.p99_ms)} ms)`, '', '', format(live.during_bulk.p99_ms), '', `≤ 2 × idle = ${format(2 * live.idle.p99_ms)} ms`, met(live.during_bulk.p99_ms <= 2 * live.idle.p99_ms)]);
  rows.push(['index size on disk, MB (Strait: data dir after restart)', lucene === undefined ? '' : format(lucene.indexing.index_bytes / 1e6, 1), '', format(strait.disk.data_dir_bytes_after_restart / 1e6, 1), ratio(strait.disk.data_dir_bytes_after_restart, lucene?.indexing.index_bytes), 'printed', '']);
  rows.push([`start: ready after restart, ms (${format(strait.docs)} docs)`, '', '', format(strait.startup.start_to_ready_ms), '', '≤ 1,000 (at 1M)', met(strait.startup.start_to_ready_ms <= 1000)]);
  rows.push([`start: first search after restart, ms (${format(strait.docs)} docs)`, '', '', format(strait.startup.first_search_ms), '', '≤ 1,500 (at 1M)', met(strait.startup.first_search_ms <= 1500)]);

  console.log('');
  console.log(`Issue 13, ${format(strait.docs)} documents; Strait over plain HTTP with security on; Lucene ${lucene?.lucene_version ?? '(skipped)'} in-process (Java ${lucene?.java_version ?? '-'});`);
  console.log(`HTTP floor = node:http fixed answer to the same client calls. Strait ${SECONDS}s per figure, Lucene and floor ${REFERENCE_SECONDS}s. Ratio = Strait / Lucene.`);
  console.log("Lucene (a)-(c) = its query phase alone (top 10 doc ids and scores: how the issue's Lucene figures were taken; L in the targets);");
  console.log("in parentheses: the same with the fetch of the 10 hits' _id and _source, as a search answers, and the target it gives.");
  if (lucene === undefined) console.log(`Lucene skipped: ${String(results['lucene_skipped'])}`);
  const load = (key: string): string => format(results[key] as number | undefined, 2);
  console.log(`1-minute load average (${os.cpus().length} cores) before Lucene ${load('load_average_before_lucene')}, floor ${load('load_average_before_floor')}, Strait ${load('load_average_before_strait')}.`);
  console.log('');
  printRows(['work', 'Lucene', 'HTTP floor', 'Strait', 'Strait / Lucene', 'target', 'met?'], rows);

  if (lucene !== undefined) {
    console.log('');
    console.log('top 10, Strait vs Lucene:');
    console.log(`  (a) as benchmarked:            ${compareTopTen(strait.top10.a, lucene.top10.a)}`);
    console.log(`  (a) sorted by _score, latitude: ${compareTopTen(strait.top10.a_by_score_then_latitude, lucene.top10.a_by_score_then_latitude)}`);
    console.log(`  (c) as benchmarked:            ${compareTopTen(strait.top10.c, lucene.top10.c)}`);
    console.log(`  (c) sorted by _score, latitude: ${compareTopTen(strait.top10.c_by_score_then_latitude, lucene.top10.c_by_score_then_latitude)}`);
    const buckets = (list: readonly { key: string; doc_count: number }[]): string => list.map((b) => `${b.key}:${b.doc_count}`).join(',');
    console.log(`  (d) terms buckets:             ${buckets(strait.terms_agg) === buckets(lucene.terms_agg) ? 'agree' : `DISAGREE\n      strait: ${buckets(strait.terms_agg)}\n      lucene: ${buckets(lucene.terms_agg)}`}`);
    const months = (list: readonly { key: number; doc_count: number }[]): string => list.map((b) => `${b.key}:${b.doc_count}`).join(',');
    console.log(`  (e) month buckets:             ${months(strait.date_histogram) === months(lucene.date_histogram) ? `agree (${lucene.date_histogram.length} months)` : `DISAGREE\n      strait: ${months(strait.date_histogram)}\n      lucene: ${months(lucene.date_histogram)}`}`);
    console.log(`  total hits: Strait (a) ${JSON.stringify(strait.totals.a)} (c) ${JSON.stringify(strait.totals.c)}; Lucene exact (a) ${lucene.totals.a} (c) ${lucene.totals.c}`);
  }

  const scaled = results['strait_scale'] as StraitRun | undefined;
  if (results['strait_scale_error'] !== undefined) console.log(`\nscale: the Strait part failed ${String(results['strait_scale_error'])}`);
  if (scaled !== undefined) {
    console.log('');
    console.log(`scale: Strait at ${format(strait.docs)} and ${format(scaled.docs)} documents (growth = large / small; documents grew ${format(scaled.docs / strait.docs, 2)} ×)`);
    const scaleRows: string[][] = [];
    const add = (label: string, small: number, large: number, target = '', ok?: boolean): void => {
      scaleRows.push([label, format(small), format(large), `${format(large / small, 2)} ×`, target, target === '' ? '' : met(ok)]);
    };
    for (const name of names) {
      add(`${name}: conc 1 p50 ms`, strait.queries[name]!['c1']!.p50_ms, scaled.queries[name]!['c1']!.p50_ms);
      add(`${name}: conc ${HIGH_CONCURRENCY} QPS`, strait.queries[name]![hi]!.qps, scaled.queries[name]![hi]!.qps);
    }
    add('bulk index, 2 clients (docs/s)', strait.indexing.docs_per_s, scaled.indexing.docs_per_s);
    add('refresh µs per doc', strait.indexing.refresh_us_per_doc, scaled.indexing.refresh_us_per_doc);
    add('background merges + persisting after that refresh, s', strait.indexing.background_settle_ms / 1000, scaled.indexing.background_settle_ms / 1000);
    add('peak RSS MB (indexed, refreshed, searched)', strait.memory.peak_rss_indexed_refreshed_searched_mb, scaled.memory.peak_rss_indexed_refreshed_searched_mb, `≤ 1,536 at ${format(scaled.docs)}`, scaled.memory.peak_rss_indexed_refreshed_searched_mb <= 1536);
    add('peak RSS MB, whole Strait part', strait.memory.peak_rss_whole_run_mb, scaled.memory.peak_rss_whole_run_mb, `≤ 1,536 at ${format(scaled.docs)}`, scaled.memory.peak_rss_whole_run_mb <= 1536);
    add('RSS growth per 100k docs, MB', strait.memory.rss_growth_per_100k_docs_mb, scaled.memory.rss_growth_per_100k_docs_mb);
    add('index size on disk, MB (data dir after restart)', strait.disk.data_dir_bytes_after_restart / 1e6, scaled.disk.data_dir_bytes_after_restart / 1e6);
    add('(a) conc 1 p99 ms while bulk indexing', strait.search_during_bulk.during_bulk.p99_ms, scaled.search_during_bulk.during_bulk.p99_ms, `≤ 2 × idle = ${format(2 * scaled.search_during_bulk.idle.p99_ms)}`, scaled.search_during_bulk.p99_over_idle_p99 <= 2);
    add('start: ready after restart, ms', strait.startup.start_to_ready_ms, scaled.startup.start_to_ready_ms, '≤ 1,000', scaled.startup.start_to_ready_ms <= 1000);
    add('start: first search after restart, ms', strait.startup.first_search_ms, scaled.startup.first_search_ms, '≤ 1,500', scaled.startup.first_search_ms <= 1500);
    printRows(['figure', format(strait.docs), format(scaled.docs), 'growth', 'target', 'met?'], scaleRows);
  }

  const ccs = results['ccs'] as Record<string, unknown> | undefined;
  if (ccs !== undefined) {
    console.log('');
    for (const [name, f] of Object.entries(ccs)) {
      if (typeof f === 'object' && f !== null && 'p50_ms' in f) {
        const figures = f as Figures;
        console.log(`ccs ${name}: p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms, ${figures.qps} QPS`);
      }
    }
    console.log(`ccs: TLS handshakes during 10,000 cross-cluster searches after warm-up: ${String(ccs['tls_handshakes_during_10000_ccs_searches'])}`);
    console.log(`ccs: p50 overhead over local: ${JSON.stringify(ccs['ccs_overhead_p50_ms'])}`);
  }
  if (results['ccr'] !== undefined) printCcrTable(results['ccr'] as Record<string, unknown>);
}

await main();
