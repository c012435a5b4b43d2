/**
 * Memory by phase (issue 13; not a test): one node, geonames-like documents bulk-indexed over HTTP
 * by 2 clients, then refreshed, searched at concurrency 8, restarted and searched again; after
 * each phase the node's RSS now and its peak so far (VmRSS, VmHWM from /proc). With
 * STRAIT_NODE_FLAGS=--trace-gc the last full GC line of each phase shows the V8 heap's live size
 * and its committed size (in parentheses): what the heap holds, and what it keeps reserved.
 *
 * Run: node --import tsx bench/memory-phases.ts [docs]
 * BENCH_STRAIT_SETTINGS: node settings, space-separated `key=value` (e.g. `thread_pool.search.size=0`).
 * Heap snapshot after the refresh: MEMORY_SNAPSHOT=1 STRAIT_NODE_FLAGS="--heapsnapshot-signal=SIGUSR2
 * --diagnostic-dir=/tmp/x" (written by the node, which needs about twice its heap meanwhile).
 */
import { readFileSync } from 'node:fs';
import { startNode } from '../test/harness/cluster.js';
import { bulkIndexDocuments, generateGeonames, geonamesMappings } from './geonames-corpus.js';

const DOCS = Number(process.argv[2] ?? 200_000);
const LONG_REQUEST = { requestTimeout: 600_000 };
const documents = generateGeonames(DOCS, 42).map((doc) => doc.source as Record<string, unknown>);
const settings = (process.env['BENCH_STRAIT_SETTINGS'] ?? '').split(' ').filter((setting) => setting !== '');
let node = await startNode({ clusterName: 'bench-memory', security: true, httpTls: false, settings });

function memoryMb(): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${node.pid}/status`, 'utf8');
  const read = (name: string): number => Math.round(Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024);
  return { rss: read('VmRSS'), hwm: read('VmHWM') };
}

function report(phase: string): void {
  // One isolate per thread (the main thread, then each search worker): the last full GC of each.
  const lastFullGc = new Map<string, string>();
  for (const line of node.logs) {
    if (!line.includes('Mark-Compact')) continue;
    const isolate = /\[\d+:(0x[0-9a-f]+)\]/.exec(line)?.[1] ?? '?';
    lastFullGc.set(isolate, /Mark-Compact[^,]*/.exec(line)?.[0] ?? '');
  }
  const heap = [...lastFullGc.values()].join(' | ');
  console.log(`${phase.padEnd(32)} ${JSON.stringify(memoryMb())} ${heap}`);
}

async function searchFor(ms: number, body: Record<string, unknown>): Promise<void> {
  const until = performance.now() + ms;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (performance.now() < until) await node.client().search({ index: 'geonames', ...body });
  }));
}

const match = { query: { match: { description: 'ontrago' } } };
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
  await searchFor(5000, match);
  report('match searches, conc 8');
  await searchFor(3000, { size: 0, aggs: { months: { date_histogram: { field: 'modification_date', calendar_interval: 'month' } } } });
  report('date_histogram searches, conc 8');
  await node.stop();
  node = await node.restart();
  await node.client().search({ index: 'geonames', ...match }, LONG_REQUEST);
  report('restart, first search');
  await searchFor(3000, match);
  report('after restart, match conc 8');
} finally {
  await node.stop();
  await node.destroy();
}
