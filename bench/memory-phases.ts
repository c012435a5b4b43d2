/**
 * Memory by phase (issue 13; not a test): one node, geonames-like documents bulk-indexed over HTTP
 * by 2 clients, then refreshed, searched, restarted and searched again; after
 * each phase the node's RSS now and its peak so far (VmRSS, VmHWM from /proc), and the main
 * thread's heap (committed, used), ArrayBuffer memory and the rest of the RSS (bench/memory-probe.mjs,
 * loaded into the node). The queries are bench/run.ts's five, BENCH_SECONDS (default 3) each at
 * concurrency 1 then 8, and the run ends as bench/run.ts's does (a restart, then query (a) while a
 * quarter as many documents are bulk-indexed into a second index). With
 * STRAIT_NODE_FLAGS=--trace-gc the last collection of each isolate (the main thread, the search
 * workers, the WAL checkpointer) shows its heap's live size and committed size (in parentheses).
 *
 * Run: node --import tsx bench/memory-phases.ts [docs]
 * BENCH_STRAIT_SETTINGS: node settings, space-separated `key=value` (e.g. `thread_pool.search.size=0`).
 * Heap snapshot after the refresh: MEMORY_SNAPSHOT=1 STRAIT_NODE_FLAGS="--heapsnapshot-signal=SIGUSR2
 * --diagnostic-dir=/tmp/x" (written by the node, which needs about twice its heap meanwhile).
 */
import { readFileSync } from 'node:fs';
import { startNode } from '../test/harness/cluster.js';
import { bulkIndexDocuments, commonTerm, generateGeonames, geonamesMappings } from './geonames-corpus.js';

const DOCS = Number(process.argv[2] ?? 200_000);
const LONG_REQUEST = { requestTimeout: 600_000 };
const documents = generateGeonames(DOCS, 42).map((doc) => doc.source as Record<string, unknown>);
const settings = (process.env['BENCH_STRAIT_SETTINGS'] ?? '').split(' ').filter((setting) => setting !== '');
// The node's own figures (heap, array buffers, the rest) beside its RSS: bench/memory-probe.mjs.
process.env['STRAIT_NODE_FLAGS'] = `${process.env['STRAIT_NODE_FLAGS'] ?? ''} --import ${new URL('./memory-probe.mjs', import.meta.url).href}`;
let node = await startNode({ clusterName: 'bench-memory', security: true, httpTls: false, settings });

function memoryMb(): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${node.pid}/status`, 'utf8');
  const read = (name: string): number => Math.round(Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024);
  return { rss: read('VmRSS'), hwm: read('VmHWM') };
}

function report(phase: string): void {
  // One isolate per thread (the main thread, then each search worker): the last full GC of each.
  const lastFullGc = new Map<string, string>();
  for (const line of node.logs.flatMap((chunk) => chunk.split('\n'))) {
    const gc = /\[\d+:(0x[0-9a-f]+)\]\s+[\d.]+ ms: ((?:Scavenge|Mark-Compact)[^,]*)/.exec(line);
    if (gc !== null) lastFullGc.set(gc[1]!, gc[2]!);
  }
  const heap = [...lastFullGc.values()].join(' | ');
  const probe = node.logs.flatMap((chunk) => chunk.split('\n')).filter((line) => line.includes('memory-probe')).at(-1)?.replace(/^.*memory-probe /, '') ?? '';
  console.log(`${phase.padEnd(32)} ${JSON.stringify(memoryMb())} ${probe}${heap === '' ? '' : ` | ${heap}`}`);
}

async function searchFor(ms: number, body: Record<string, unknown>, concurrency = 8): Promise<void> {
  const until = performance.now() + ms;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) await node.client().search({ index: 'geonames', ...body });
  }));
}

const common = commonTerm(documents.map((doc) => String(doc['description'])));
const match = { query: { match: { description: common } } };
/** The bench's five queries (bench/run.ts), each at concurrency 1 then 8: its peak RSS covers them. */
const queries: Record<string, Record<string, unknown>> = {
  '(a) common term': match,
  '(b) rare term': { query: { match: { description: 'yosteste' } } },
  '(c) bool': { query: { bool: { must: [{ match: { description: common } }], filter: [{ range: { population: { gte: 10_000 } } }, { term: { country_code: 'AA' } }] } } },
  '(d) terms agg': { size: 0, aggs: { countries: { terms: { field: 'country_code' } } } },
  '(e) date_histogram': { size: 0, aggs: { months: { date_histogram: { field: 'modification_date', calendar_interval: 'month' } } } },
};
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
try {
  const client = node.client();
  await client.indices.create({ index: 'geonames', settings: { number_of_replicas: 0, refresh_interval: '-1' }, mappings: { properties: geonamesMappings as Record<string, { type: 'text' }> } });
  report('idle, empty index');
  await bulkIndexDocuments([node.client(), node.client()], 'geonames', documents);
  report(`bulk of ${DOCS} docs`);
  const started = performance.now();
  await client.indices.refresh({ index: 'geonames' }, LONG_REQUEST);
  report(`refresh (${(((performance.now() - started) * 1000) / DOCS).toFixed(1)} µs/doc)`);
  await new Promise((resolve) => setTimeout(resolve, 4000));
  report('merges and persisting settled');
  if (process.env['MEMORY_SNAPSHOT'] === '1') {
    process.kill(node.pid, 'SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 25_000));
  }
  for (const [name, body] of Object.entries(queries)) {
    for (const concurrency of [1, 8]) {
      await searchFor(SECONDS * 1000, body, concurrency);
      report(`${name}, conc ${concurrency}`);
    }
  }
  await node.stop();
  node = await node.restart();
  await node.client().search({ index: 'geonames', ...match }, LONG_REQUEST);
  report('restart, first search');
  await searchFor(3000, match);
  report('after restart, match conc 8');
  // As bench/run.ts ends: query (a) while 2 clients bulk a quarter as many documents into another
  // index with the default refresh_interval (scheduled refreshes run meanwhile).
  const live = generateGeonames(Math.max(1000, Math.round(DOCS / 4)), 4242).map((doc) => doc.source as Record<string, unknown>);
  await node.client().indices.create({ index: 'geonames-live', settings: { number_of_replicas: 0 }, mappings: { properties: geonamesMappings as Record<string, { type: 'text' }> } });
  let bulkRunning = true;
  const bulk = bulkIndexDocuments([node.client(), node.client()], 'geonames-live', live).finally(() => (bulkRunning = false));
  while (bulkRunning) await node.client().search({ index: 'geonames', ...match });
  await bulk;
  report(`second bulk of ${live.length} docs + (a)`);
} finally {
  await node.stop();
  await node.destroy();
}
