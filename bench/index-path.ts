/**
 * Bulk indexing and refresh benchmark (issue 13; not a test): one node, geonames-like documents
 * bulk-indexed over HTTP by 2 clients (1,000 per `_bulk`), then one refresh. A probe client sends
 * a cheap request every 10 ms throughout; its worst latency is the longest the node's event loop
 * stayed blocked (the node answers nothing while a refresh or merge runs synchronously).
 *
 * Run: node --import tsx bench/index-path.ts [docs] [refreshEveryBatches]
 * With STRAIT_NODE_FLAGS=--cpu-prof the node writes a CPU profile into the repo root on stop.
 * `refreshEveryBatches` > 0 refreshes after every that many batches (the scheduled refresh's
 * pattern, which makes many small segments and exercises merging).
 */
import { startNode } from '../test/harness/cluster.js';
import { bulkIndexDocuments, generateGeonames, geonamesMappings } from './geonames-corpus.js';

const DOCS = Number(process.argv[2] ?? 100_000);
const REFRESH_EVERY = Number(process.argv[3] ?? 0);

const documents = generateGeonames(DOCS, 42).map((doc) => doc.source as Record<string, unknown>);
const node = await startNode({ clusterName: 'bench-index', security: true, httpTls: false });
try {
  const client = node.client();
  await client.indices.create({
    index: 'geonames',
    settings: { number_of_replicas: 0, refresh_interval: '-1' },
    mappings: { properties: geonamesMappings as Record<string, { type: 'text' }> },
  });
  const probe = node.client();
  let probing = true;
  let worstProbeMs = 0;
  const probeLoop = (async () => {
    while (probing) {
      const started = performance.now();
      await probe.ping();
      worstProbeMs = Math.max(worstProbeMs, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();

  let refreshes = 0;
  let refreshTotalMs = 0;
  let refreshWorstMs = 0;
  const timedRefresh = async (): Promise<void> => {
    const started = performance.now();
    await client.indices.refresh({ index: 'geonames' });
    const ms = performance.now() - started;
    refreshes++;
    refreshTotalMs += ms;
    refreshWorstMs = Math.max(refreshWorstMs, ms);
  };
  const indexStarted = performance.now();
  await bulkIndexDocuments([node.client(), node.client()], 'geonames', documents, async (batchNumber) => {
    if (REFRESH_EVERY > 0 && batchNumber % REFRESH_EVERY === 0) await timedRefresh();
  });
  const indexSeconds = (performance.now() - indexStarted) / 1000;
  const bulkWorstProbeMs = worstProbeMs;
  worstProbeMs = 0;
  const finalStarted = performance.now();
  await client.indices.refresh({ index: 'geonames' });
  const finalRefreshMs = performance.now() - finalStarted;
  // Merges may continue after the refresh answers: wait for them to finish too (probe keeps running).
  await new Promise((resolve) => setTimeout(resolve, 2000));
  probing = false;
  await probeLoop;
  const count = await client.count({ index: 'geonames' });
  if (count.count !== DOCS) throw new Error(`expected ${DOCS} documents, counted ${count.count}`);
  const result = {
    docs: DOCS,
    docs_per_s: Math.round(DOCS / indexSeconds),
    us_per_doc_bulk: Math.round((indexSeconds * 1e6) / DOCS),
    intermediate_refreshes: refreshes,
    intermediate_refresh_avg_ms: refreshes > 0 ? Math.round(refreshTotalMs / refreshes) : 0,
    intermediate_refresh_worst_ms: Math.round(refreshWorstMs),
    final_refresh_ms: Math.round(finalRefreshMs),
    final_refresh_us_per_doc: REFRESH_EVERY > 0 ? undefined : Math.round((finalRefreshMs * 1000) / DOCS),
    worst_probe_ms_during_bulk: Math.round(bulkWorstProbeMs),
    worst_probe_ms_during_final_refresh: Math.round(worstProbeMs),
  };
  console.log(JSON.stringify(result));
} finally {
  await node.stop();
  await node.destroy();
}
