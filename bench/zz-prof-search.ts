import { startNode } from '../test/harness/cluster.js';
import { bulkIndexDocuments, generateGeonames, geonamesMappings, commonTerm } from './geonames-corpus.js';
const DOCS = Number(process.env['DOCS'] ?? 200_000);
const documents = generateGeonames(DOCS, 42).map((doc) => doc.source as Record<string, unknown>);
const node = await startNode({ clusterName: 'prof', security: true, httpTls: false });
const client = node.client();
await client.indices.create({ index: 'geonames', settings: { number_of_replicas: 0, refresh_interval: '-1' }, mappings: { properties: geonamesMappings as never } });
await bulkIndexDocuments([node.client(), node.client()], 'geonames', documents);
await client.indices.refresh({ index: 'geonames' }, { requestTimeout: 600_000 });
await new Promise((r) => setTimeout(r, 20_000));
const descriptions = documents.map((d) => String(d['description'] ?? ''));
const common = commonTerm(descriptions);
const df = new Map<string, number>();
for (const text of descriptions) for (const term of new Set(text.split(' '))) df.set(term, (df.get(term) ?? 0) + 1);
let rare = ''; let gap = Infinity;
for (const [term, count] of df) if (Math.abs(count / descriptions.length - 0.0005) < gap) (gap = Math.abs(count / descriptions.length - 0.0005)), (rare = term);
const queries: Record<string, unknown> = {
  a: { query: { match: { description: common } } },
  b: { query: { match: { description: rare } } },
};
const q = queries[process.env['Q'] ?? 'b'];
for (let i = 0; i < 500; i++) await client.search({ index: 'geonames', ...(q as object) });
console.log('MARK', Date.now());
const t0 = performance.now(); const lat: number[] = [];
for (let i = 0; i < Number(process.env['N'] ?? 4000); i++) { const s = performance.now(); await client.search({ index: 'geonames', ...(q as object) }); lat.push(performance.now() - s); }
lat.sort((x, y) => x - y);
console.log('p50', lat[lat.length >> 1]!.toFixed(3), 'ms', 'wall', (performance.now() - t0).toFixed(0));
await node.stop();
