/**
 * Bulk-path micro-benchmark (issue 13; not a test): in process, no sockets, the `_bulk` route
 * handler over a real indices service in a temp directory (SQLite, fsync per request as in
 * production), 1,000 seeded geonames-like documents per request, no refresh. Prints CPU and wall
 * µs per document. Run: node --import tsx bench/bulk-micro.ts [docs]
 * (BENCH_ENGINE_ROOT=/path/to/another/checkout measures another tree on the same input.)
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateGeonames, geonamesMappings } from './geonames-corpus.js';

const docCount = Number(process.argv[2] ?? 100_000);
const root = process.env['BENCH_ENGINE_ROOT'] ?? path.resolve(import.meta.dirname, '..');
const { openSearchHarness } = (await import(pathToFileURL(path.join(root, 'test/unit/search-api/harness.ts')).href)) as typeof import('../test/unit/search-api/harness.js');

const afterHooks: (() => void)[] = [];
const harness = openSearchHarness({ after: (fn) => afterHooks.push(fn) });
try {
  const created = await harness.call('PUT', '/:index', { params: { index: 'geonames' }, body: { settings: { refresh_interval: '-1' }, mappings: { properties: geonamesMappings } } });
  if (created.status !== 200) throw new Error(JSON.stringify(created.body));
  const sources = generateGeonames(docCount, 42).map((doc) => JSON.stringify(doc.source));
  const bodies: string[] = [];
  for (let start = 0; start < docCount; start += 1000) {
    const lines: string[] = [];
    for (let index = start; index < Math.min(docCount, start + 1000); index++) lines.push(JSON.stringify({ index: { _index: 'geonames', _id: String(index) } }), sources[index]!);
    bodies.push(`${lines.join('\n')}\n`);
  }
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (const text of bodies) {
    const response = await harness.call('POST', '/_bulk', { text });
    if (response.status !== 200 || response.body.errors) throw new Error('bulk failed');
  }
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`${docCount} docs: bulk CPU ${((cpuMs * 1000) / docCount).toFixed(1)} µs/doc, wall ${((wallMs * 1000) / docCount).toFixed(1)} µs/doc (${Math.round(docCount / (wallMs / 1000))} docs/s in process, one client)`);
} finally {
  for (const hook of afterHooks) hook();
}
