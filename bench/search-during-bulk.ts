/**
 * Searches during a bulk (issue 13; a benchmark, not a test): the bench's "searches during a second
 * bulk" step on its own, repeated. One node (from dist/, compiled first; security on, plain HTTP)
 * holds BENCH_DOCS geonames-like documents (default 100,000, refreshed, merges settled). Each round
 * times query (a) (a match on the term in about 70% of the descriptions, top 10) one request at a
 * time, first idle for BENCH_IDLE_SECONDS, then while 2 clients bulk BENCH_LIVE_DOCS new documents
 * (default 50,000, 1,000 per `_bulk`, unpaced) into a fresh index with the default 1 s refresh.
 * Prints each round and the median of the rounds (BENCH_ROUNDS, default 3), with the load average.
 *
 * Run: node --import tsx bench/search-during-bulk.ts   (BENCH_NO_BUILD=1 skips compiling src/)
 * STRAIT_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/x" profiles the node.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bulkIndexDocuments, commonTerm, generateGeonames, geonamesMappings } from './geonames-corpus.js';
import { cpuMs, waitUntilIdle } from './node-idle.js';

const DOCS = Number(process.env['BENCH_DOCS'] ?? 100_000);
const LIVE_DOCS = Number(process.env['BENCH_LIVE_DOCS'] ?? 50_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const IDLE_SECONDS = Number(process.env['BENCH_IDLE_SECONDS'] ?? 5);
const LONG_REQUEST = { requestTimeout: 600_000 };
/**
 * BENCH_SEARCH_INTERVAL_MS: during the bulk, one search starts at most this often (default 0:
 * back to back, as the bench). Paced, two builds serve about as many searches, so their bulk
 * rates compare (back to back, a faster search means more searches taking CPU from the bulk).
 */
const SEARCH_INTERVAL_MS = Number(process.env['BENCH_SEARCH_INTERVAL_MS'] ?? 0);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (process.env['BENCH_NO_BUILD'] !== '1') {
  const compiled = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (compiled.status !== 0) throw new Error('tsc failed');
}
// Read by the harness when it loads: the node runs the compiled JavaScript, as in the test suite.
process.env['STRAIT_TEST_FROM_DIST'] = '1';
const { startNode } = await import('../test/harness/cluster.js');

interface Figures {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  requests: number;
}

const round = (value: number): number => Math.round(value * 100) / 100;

function summarize(latencies: number[]): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  return { p50_ms: round(at(50)), p99_ms: round(at(99)), max_ms: round(sorted[sorted.length - 1] ?? NaN), requests: sorted.length };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const documents = generateGeonames(DOCS, 42).map((doc) => doc.source);
const term = commonTerm(documents.map((doc) => String(doc['description'])));
const live = generateGeonames(LIVE_DOCS, 4242).map((doc) => doc.source);
/** BENCH_STRAIT_SETTINGS: node settings, space-separated `key=value` (e.g. `thread_pool.search.size=0`). */
const settings = (process.env['BENCH_STRAIT_SETTINGS'] ?? '').split(' ').filter((setting) => setting !== '');
const node = await startNode({ clusterName: 'bench-live', security: true, httpTls: false, settings });
try {
  const client = node.client();
  const mappings = { properties: geonamesMappings as Record<string, { type: 'text' }> };
  await client.indices.create({ index: 'geonames', settings: { number_of_replicas: 0, refresh_interval: '-1' }, mappings });
  console.log(`indexing ${DOCS} documents…`);
  // The bench's bulk figure (2 clients, no refresh, nothing else running), and the node's CPU time
  // per 1,000 documents: on a shared machine the rate follows the load, the CPU time much less.
  const indexLoad = os.loadavg()[0]!;
  const indexCpuStarted = cpuMs(node.pid);
  const indexStarted = performance.now();
  await bulkIndexDocuments([node.client(), node.client()], 'geonames', documents);
  const indexDocsPerS = Math.round(DOCS / ((performance.now() - indexStarted) / 1000));
  console.log(`bulk (no searches, no refresh): ${indexDocsPerS} docs/s, node CPU ${round(((cpuMs(node.pid) - indexCpuStarted) * 1000) / DOCS)} ms per 1,000 docs (load ${round(indexLoad)})`);
  await client.indices.refresh({ index: 'geonames' }, LONG_REQUEST);
  // BENCH_PROBE=ping times `GET /` instead (one event-loop hop: how long any request waits).
  const searchA = (): Promise<unknown> =>
    process.env['BENCH_PROBE'] === 'ping' ? client.ping() : client.search({ index: 'geonames', query: { match: { description: term } } });
  const rounds: { load: number; idle: Figures; during: Figures; docsPerS: number; cpuPerThousand: number }[] = [];
  for (let roundNumber = 1; roundNumber <= ROUNDS; roundNumber++) {
    await client.indices.delete({ index: 'geonames-live', ignore_unavailable: true });
    await client.indices.create({ index: 'geonames-live', settings: { number_of_replicas: 0 }, mappings });
    await waitUntilIdle(node.pid);
    const load = os.loadavg()[0]!;
    for (let i = 0; i < 20; i++) await searchA(); // warm-up
    const idleLatencies: number[] = [];
    const idleDeadline = performance.now() + IDLE_SECONDS * 1000;
    while (performance.now() < idleDeadline) {
      const t0 = performance.now();
      await searchA();
      idleLatencies.push(performance.now() - t0);
    }
    let bulkRunning = true;
    const cpuStarted = cpuMs(node.pid);
    const bulkStarted = performance.now();
    const bulk = bulkIndexDocuments([node.client(), node.client()], 'geonames-live', live).finally(() => (bulkRunning = false));
    const duringLatencies: number[] = [];
    while (bulkRunning) {
      const t0 = performance.now();
      await searchA();
      duringLatencies.push(performance.now() - t0);
      const restMs = SEARCH_INTERVAL_MS - (performance.now() - t0);
      if (restMs > 0) await new Promise((resolve) => setTimeout(resolve, restMs));
    }
    await bulk;
    const docsPerS = Math.round(LIVE_DOCS / ((performance.now() - bulkStarted) / 1000));
    const cpuPerThousand = round(((cpuMs(node.pid) - cpuStarted) * 1000) / LIVE_DOCS);
    const result = { load: round(load), idle: summarize(idleLatencies), during: summarize(duringLatencies), docsPerS, cpuPerThousand };
    rounds.push(result);
    console.log(`round ${roundNumber} (load ${result.load}): idle p50 ${result.idle.p50_ms} / p99 ${result.idle.p99_ms} ms; during bulk p50 ${result.during.p50_ms} / p99 ${result.during.p99_ms} / max ${result.during.max_ms} ms (${result.during.requests} searches); bulk ${docsPerS} docs/s, node CPU ${cpuPerThousand} ms per 1,000 docs (searches included)`);
  }
  const idleP99 = median(rounds.map((r) => r.idle.p99_ms));
  const duringP99 = median(rounds.map((r) => r.during.p99_ms));
  console.log(
    `median of ${ROUNDS}: idle p50 ${median(rounds.map((r) => r.idle.p50_ms))} / p99 ${idleP99} ms; during bulk p50 ${median(rounds.map((r) => r.during.p50_ms))} / p99 ${duringP99} ms ` +
      `(${round(duringP99 / idleP99)} × idle p99, target ≤ 2); bulk ${median(rounds.map((r) => r.docsPerS))} docs/s (target ≥ 25,000); load ${median(rounds.map((r) => r.load))}`,
  );
} finally {
  await node.stop(); // a graceful stop: a --cpu-prof node writes its profile on exit
  await node.destroy();
}
