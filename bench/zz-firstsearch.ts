/**
 * First search after a restart (issue 13's "first search ≤ 1.5 s after a restart with 1M
 * documents"; not a test): indexes DOCS geonames documents (default 1,000,000), refreshes, lets the
 * node settle and persist its segments, stops it, restarts it with `--cpu-prof` and times
 * readiness and the first search (query (a)). Profiles go to FIRST_SEARCH_PROFILE_DIR (default
 * /tmp/strait-first-search-prof); summarize one with bench/profile-summary.mjs.
 * Run: npm run build && STRAIT_TEST_FROM_DIST=1 node --import tsx bench/zz-firstsearch.ts
 */
import { startNode } from '../test/harness/cluster.js';
import { bulkIndexDocuments, commonTerm, generateGeonames, geonamesMappings } from './geonames-corpus.js';
import { waitUntilIdle } from './node-idle.js';

const DOCS = Number(process.env['DOCS'] ?? 1_000_000);
const profileDir = process.env['FIRST_SEARCH_PROFILE_DIR'] ?? '/tmp/strait-first-search-prof';
const documents = generateGeonames(DOCS, 42).map((doc) => doc.source as Record<string, unknown>);
const common = commonTerm(documents.map((d) => String(d['description'] ?? '')));
const node = await startNode({ httpTls: false });
const client = node.client();
await client.indices.create({ index: 'geonames', settings: { number_of_replicas: 0, refresh_interval: '-1' }, mappings: { properties: geonamesMappings as never } });
let started = performance.now();
await bulkIndexDocuments([node.client(), node.client()], 'geonames', documents);
console.log(`indexed ${DOCS} in ${Math.round(performance.now() - started)} ms`);
await client.indices.refresh({ index: 'geonames' }, { requestTimeout: 600_000 });
await waitUntilIdle(node.pid, 300_000);
await node.stop();
process.env['STRAIT_NODE_FLAGS'] = `${process.env['STRAIT_NODE_FLAGS'] ?? ''} --cpu-prof --cpu-prof-dir=${profileDir}`;
started = performance.now();
const again = await node.restart();
const ready = performance.now() - started;
const first = performance.now();
const answer = await again.client().search({ index: 'geonames', query: { match: { description: common } } });
console.log(`ready ${Math.round(ready)} ms, first search ${Math.round(performance.now() - first)} ms (${Math.round(performance.now() - started)} ms after the restart began), hits ${JSON.stringify(answer.hits.total)}`);
await again.stop();
console.log(`profiles in ${profileDir}`);
