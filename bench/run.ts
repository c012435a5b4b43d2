/**
 * `npm run bench`: Strait's figures (issue 3 and 5), printed as a table and as JSON (also written to
 * bench/results/<timestamp>.json). Not a test: nothing here asserts a timing.
 *
 * Environment: BENCH_DOCS (default 200000), BENCH_SECONDS per query and concurrency (default 30),
 * BENCH_REFERENCE_SECONDS for the in-process references (default 10), BENCH_CCS=0 to skip the
 * cross-cluster part, BENCH_CCS_ONLY=1 to run only it. Cross-cluster replication (issue 10, bench/ccr.ts):
 * BENCH_CCR=0 to skip it, BENCH_ONLY=ccr to run only it, BENCH_CCR_SECONDS for the paced lag run
 * (default 60), BENCH_CCR_DOCS for the bootstrap (default 200000), BENCH_CCR_API_KEY=0 to measure
 * the lag over the certificate model only, BENCH_CCR_SECTIONS=lag,throughput,bootstrap to pick parts, BENCH_CCR_RATE for the paced rate (default 5000 docs/s),
 * BENCH_CCR_REFRESH_INTERVAL for the lag indices' refresh_interval (-1: lag without scheduled refreshes).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import MiniSearch from 'minisearch';
import type { Client } from '@elastic/elasticsearch';
import { repoRoot, startNode, type StartedNode } from '../test/harness/cluster.js';
import { bulkIndexDocuments, generateGeonames, geonamesMappings } from './geonames-corpus.js';
import { runCcsBench } from './ccs.js';
import { printCcrTable, runCcrBench, type CcrBenchOptions } from './ccr.js';

const DOCS = Number(process.env['BENCH_DOCS'] ?? 200_000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 30);
const REFERENCE_SECONDS = Number(process.env['BENCH_REFERENCE_SECONDS'] ?? 10);
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

function measureSync(seconds: number, operation: () => unknown): Figures {
  for (let i = 0; i < 20; i++) operation();
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  while (performance.now() < deadline) {
    const t0 = performance.now();
    operation();
    latencies.push(performance.now() - t0);
  }
  return summarize(latencies, performance.now() - started);
}

function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match === null ? NaN : Math.round(Number(match[1]) / 1024);
  } catch {
    return NaN;
  }
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

async function main(): Promise<void> {
  const results: Record<string, unknown> = { docs: DOCS, seconds: SECONDS, node: process.version, date: new Date().toISOString() };
  if (process.env['BENCH_CCS_ONLY'] === '1') {
    console.log(JSON.stringify(await runCcsBench({ seconds: SECONDS, measure }), null, 2));
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
  const documents = generateGeonames(DOCS, 42).map((doc) => doc.source as Record<string, unknown>);
  const terms = pickTerms(documents.map((doc) => String(doc['description'])));
  results['terms'] = terms;
  console.log(`common term "${terms.common}" in ${terms.commonDf} docs; rare term "${terms.rare}" in ${terms.rareDf} docs`);
  const queries: Record<string, Record<string, unknown>> = {
    '(a) match common term, top 10': { query: { match: { description: terms.common } } },
    '(b) match rare term, top 10': { query: { match: { description: terms.rare } } },
    '(c) bool match + range + term': {
      query: { bool: { must: [{ match: { description: terms.common } }], filter: [{ range: { population: { gte: 10_000 } } }, { term: { country_code: 'AA' } }] } },
    },
    '(d) terms agg on country, size 0': { size: 0, aggs: { countries: { terms: { field: 'country_code' } } } },
    '(e) date_histogram per month, size 0': { size: 0, aggs: { months: { date_histogram: { field: 'modification_date', calendar_interval: 'month' } } } },
  };

  let node: StartedNode | undefined;
  try {
    node = await startNode({ clusterName: 'bench', settings: [] });
    const client: Client = node.client();
    await client.indices.create({
      index: 'geonames',
      settings: { number_of_replicas: 0, refresh_interval: '-1' },
      mappings: { properties: geonamesMappings as Record<string, { type: 'text' }> },
    });
    // Bulk indexing: 1,000 documents per request, 2 concurrent clients.
    console.log('bulk indexing over HTTP (1,000 docs per _bulk, 2 clients)…');
    const indexStarted = performance.now();
    await bulkIndexDocuments([node.client(), node.client()], 'geonames', documents);
    const indexSeconds = (performance.now() - indexStarted) / 1000;
    const refreshStarted = performance.now();
    await client.indices.refresh({ index: 'geonames' });
    const refreshMs = performance.now() - refreshStarted;
    results['indexing'] = { docs_per_s: Math.round(DOCS / indexSeconds), seconds: round(indexSeconds), refresh_ms: round(refreshMs) };
    results['peak_rss_mb_after_indexing'] = peakRssMb(node.pid);
    const count = await client.count({ index: 'geonames' });
    if (count.count !== DOCS) throw new Error(`expected ${DOCS} documents, counted ${count.count}`);

    // Queries over HTTP at concurrency 1 and 8.
    const strait: Record<string, Record<string, Figures>> = {};
    for (const [name, body] of Object.entries(queries)) {
      strait[name] = {};
      for (const concurrency of [1, 8]) {
        console.log(`strait ${name} at concurrency ${concurrency} for ${SECONDS}s…`);
        strait[name]![`c${concurrency}`] = await measure(SECONDS, concurrency, () => client.search({ index: 'geonames', ...body }));
      }
    }
    results['strait'] = strait;

    // Start-up time with the documents stored.
    await node.stop();
    const startStarted = performance.now();
    node = await node.restart();
    const readyMs = performance.now() - startStarted;
    const firstSearchStarted = performance.now();
    await node.client().search({ index: 'geonames', ...queries['(a) match common term, top 10'] });
    results['startup'] = { start_to_ready_ms: Math.round(readyMs), first_search_ms: Math.round(performance.now() - firstSearchStarted) };

    if (process.env['BENCH_CCS'] !== '0') results['ccs'] = await runCcsBench({ seconds: Math.min(SECONDS, 15), measure });
  } finally {
    await node?.destroy();
  }
  if (process.env['BENCH_CCR'] !== '0') results['ccr'] = await runCcrBench(CCR_OPTIONS);

  // References, in-process, same documents, same terms.
  console.log('references: SQLite FTS5 and MiniSearch (in-process)…');
  const fts = new Database(':memory:');
  fts.exec('CREATE VIRTUAL TABLE docs USING fts5(description); CREATE TABLE meta (rowid INTEGER PRIMARY KEY, country_code TEXT, population INTEGER); CREATE INDEX meta_country ON meta(country_code)');
  const insertDoc = fts.prepare('INSERT INTO docs (rowid, description) VALUES (?, ?)');
  const insertMeta = fts.prepare('INSERT INTO meta (rowid, country_code, population) VALUES (?, ?, ?)');
  fts.transaction(() => {
    documents.forEach((doc, i) => {
      insertDoc.run(i + 1, doc['description']);
      insertMeta.run(i + 1, doc['country_code'], doc['population']);
    });
  })();
  const topTen = fts.prepare('SELECT rowid, bm25(docs) AS score FROM docs WHERE docs MATCH ? ORDER BY score LIMIT 10');
  const filtered = fts.prepare(
    'SELECT docs.rowid, bm25(docs) AS score FROM docs JOIN meta ON meta.rowid = docs.rowid WHERE docs MATCH ? AND meta.population >= 10000 AND meta.country_code = ? ORDER BY score LIMIT 10',
  );
  const groupBy = fts.prepare('SELECT country_code, count(*) AS n FROM meta GROUP BY country_code ORDER BY n DESC LIMIT 10');
  const ftsFigures: Record<string, Figures> = {
    '(a) match common term, top 10': measureSync(REFERENCE_SECONDS, () => topTen.all(`"${terms.common}"`)),
    '(b) match rare term, top 10': measureSync(REFERENCE_SECONDS, () => topTen.all(`"${terms.rare}"`)),
    '(c) bool match + range + term': measureSync(REFERENCE_SECONDS, () => filtered.all(`"${terms.common}"`, 'AA')),
    '(d) terms agg on country, size 0': measureSync(REFERENCE_SECONDS, () => groupBy.all()),
  };
  fts.close();
  const mini = new MiniSearch<{ id: number; description: string; country_code: string; population: number }>({ fields: ['description'], storeFields: ['country_code', 'population'] });
  mini.addAll(documents.map((doc, i) => ({ id: i, description: String(doc['description']), country_code: String(doc['country_code']), population: Number(doc['population']) })));
  const miniFigures: Record<string, Figures | string> = {
    '(a) match common term, top 10': measureSync(REFERENCE_SECONDS, () => mini.search(terms.common).slice(0, 10)),
    '(b) match rare term, top 10': measureSync(REFERENCE_SECONDS, () => mini.search(terms.rare).slice(0, 10)),
    '(c) bool match + range + term': measureSync(REFERENCE_SECONDS, () =>
      mini.search(terms.common, { filter: (r) => (r['population'] as number) >= 10_000 && r['country_code'] === 'AA' }).slice(0, 10),
    ),
    '(d) terms agg on country, size 0': 'n/a (MiniSearch has no aggregations)',
  };
  results['reference_fts5'] = ftsFigures;
  results['reference_minisearch'] = miniFigures;
  const strait = results['strait'] as Record<string, Record<string, Figures>>;
  const ratios: Record<string, Record<string, number | string>> = {};
  for (const name of Object.keys(ftsFigures)) {
    const ours = strait[name]!['c1']!.p50_ms;
    const mini = miniFigures[name];
    ratios[name] = {
      strait_over_fts5_p50: round(ours / ftsFigures[name]!.p50_ms),
      strait_over_minisearch_p50: typeof mini === 'string' ? 'n/a' : round(ours / mini.p50_ms),
    };
  }
  results['ratios'] = ratios;
  printTable(results);
  const outDir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nJSON:');
  console.log(JSON.stringify(results, null, 2));
  console.log(`\n(written to ${path.relative(repoRoot, file)})`);
}

function printTable(results: Record<string, unknown>): void {
  const rows: string[][] = [['measure', 'p50 ms', 'p99 ms', 'QPS']];
  const strait = results['strait'] as Record<string, Record<string, Figures>>;
  for (const [name, byConcurrency] of Object.entries(strait)) {
    for (const [concurrency, f] of Object.entries(byConcurrency)) rows.push([`strait ${name} ${concurrency}`, String(f.p50_ms), String(f.p99_ms), String(f.qps)]);
  }
  for (const [label, key] of [['fts5', 'reference_fts5'], ['minisearch', 'reference_minisearch']] as const) {
    for (const [name, f] of Object.entries(results[key] as Record<string, Figures | string>)) {
      rows.push(typeof f === 'string' ? [`${label} ${name}`, f, '', ''] : [`${label} ${name}`, String(f.p50_ms), String(f.p99_ms), String(f.qps)]);
    }
  }
  const ccs = results['ccs'] as Record<string, unknown> | undefined;
  for (const [name, f] of Object.entries(ccs ?? {})) {
    if (typeof f === 'object' && f !== null && 'p50_ms' in f) {
      const figures = f as Figures;
      rows.push([`ccs ${name}`, String(figures.p50_ms), String(figures.p99_ms), String(figures.qps)]);
    }
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  console.log('');
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));
  console.log('');
  console.log(`indexing: ${JSON.stringify(results['indexing'])}`);
  console.log(`peak RSS after indexing: ${String(results['peak_rss_mb_after_indexing'])} MB`);
  console.log(`start-up: ${JSON.stringify(results['startup'])}`);
  console.log(`ratios (Strait over HTTP vs in-process references, p50): ${JSON.stringify(results['ratios'])}`);
  if (ccs !== undefined) {
    console.log(`ccs: TLS handshakes during 10,000 cross-cluster searches after warm-up: ${String(ccs['tls_handshakes_during_10000_ccs_searches'])}`);
    console.log(`ccs: p50 overhead over local: ${JSON.stringify(ccs['ccs_overhead_p50_ms'])}`);
  }
  if (results['ccr'] !== undefined) printCcrTable(results['ccr'] as Record<string, unknown>);
}

await main();
